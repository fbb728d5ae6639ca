/* fallback.c — API versions assumed for brokers that predate ApiVersions (Kafka < 0.10) or
 * when api_version_request = false, as librdkafka's broker.version.fallback does. */
#include <string.h>

#include "net/conn_internal.h"
#include "proto/api.h"

void lw_api_fallback_ranges(const char *fb, int16_t *min, int16_t *max, int n) {
  for (int i = 0; i < n; i++)
    min[i] = max[i] = -1;
  /* Kafka 0.9: Produce v0-1 (magic 0), Metadata v0. */
  int16_t produce = 1, metadata = 0, fetch = 1, lo = 0;
  if (fb && !strcmp(fb, "0.10.0"))
    produce = 2, metadata = 1, fetch = 2; /* magic 1 with timestamps */
  else if (!fb || !strcmp(fb, "0.11.0"))
    produce = 3, metadata = 4, fetch = 5, lo = 2; /* RecordBatch v2, idempotence */
  min[LW_API_PRODUCE] = 0, max[LW_API_PRODUCE] = produce;
  min[LW_API_METADATA] = 0, max[LW_API_METADATA] = metadata;
  min[LW_API_FETCH] = 0, max[LW_API_FETCH] = fetch;
  min[LW_API_LIST_OFFSETS] = 0, max[LW_API_LIST_OFFSETS] = lo ? lo : 0;
  min[LW_API_API_VERSIONS] = 0, max[LW_API_API_VERSIONS] = lo ? 1 : 0;
  if (lo) {
    min[LW_API_INIT_PRODUCER_ID] = 0, max[LW_API_INIT_PRODUCER_ID] = 0;
    min[LW_API_SASL_HANDSHAKE] = 0, max[LW_API_SASL_HANDSHAKE] = 1;
  }
}
