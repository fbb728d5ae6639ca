/* api_versions.h — ApiVersions (key 18) v0–v4: what a client asks first on every connection.
 *
 * Conventions for every message header in proto/ (the spec's field names are kept):
 *   - `X` / `XCount` pairs are arrays; XCount == -1 means a null array.
 *   - Strings and bytes are lw_str / lw_bytes slices borrowed from the decoded input.
 *   - Arrays in decoded messages are allocated from the lw_arena passed to the decoder.
 *   - *_encode append the body (no header, no frame) and return b->err.
 *   - *_decode read the body from a cursor and return LW_OK only when the body decoded with no
 *     trailing bytes; on error the output is partially filled and must not be used. */
#ifndef LW_API_VERSIONS_H
#define LW_API_VERSIONS_H

#include "proto/api.h"

typedef struct lw_apiver_req {
  lw_str ClientSoftwareName;    /* v3+, compact string */
  lw_str ClientSoftwareVersion; /* v3+, compact string */
} lw_apiver_req;

typedef struct lw_apiver_range {
  int16_t ApiKey;
  int16_t MinVersion;
  int16_t MaxVersion;
} lw_apiver_range;

typedef struct lw_feature {
  lw_str Name;
  int16_t MinVersion; /* MinVersionLevel for finalized features */
  int16_t MaxVersion; /* MaxVersionLevel for finalized features */
} lw_feature;

typedef struct lw_apiver_resp {
  int16_t ErrorCode;
  lw_apiver_range *ApiKeys;
  int32_t ApiKeysCount;
  int32_t ThrottleTimeMs;        /* v1+ */
  lw_feature *SupportedFeatures; /* v3+ tagged field 0 */
  int32_t SupportedFeaturesCount;
  int64_t FinalizedFeaturesEpoch; /* v3+ tagged field 1, default -1 */
  lw_feature *FinalizedFeatures;  /* v3+ tagged field 2 */
  int32_t FinalizedFeaturesCount;
  bool ZkMigrationReady;  /* v3+ tagged field 3 */
  int16_t DecodedVersion; /* layout actually decoded: 0 for the fallback reply */
} lw_apiver_resp;

int lw_apiver_req_encode(lw_buf *b, int16_t version, const lw_apiver_req *r);
int lw_apiver_req_decode(lw_cur *c, int16_t version, lw_apiver_req *r);
int lw_apiver_resp_encode(lw_buf *b, int16_t version, const lw_apiver_resp *r);
/* A broker that does not support the version asked answers UNSUPPORTED_VERSION (35) with a
 * v0-layout body (ErrorCode, ApiKeys) whatever the version: the decoder detects it (ErrorCode
 * 35 read first) and decodes the rest as v0, setting DecodedVersion = 0.
 * Exception to the rule that a failed decode's output must not be used: r->ErrorCode is valid
 * whenever the first two bytes were read, so a caller can fall back to v0 even when the rest of
 * an UNSUPPORTED_VERSION reply is not in the v0 layout (librdkafka 2.0.2's mock cluster answers
 * a v3 request with a compact, tag-less body that fits no version). */
int lw_apiver_resp_decode(lw_cur *c, int16_t version, lw_arena *a, lw_apiver_resp *r);
/* The broker's range for one API, or false when it does not list it. */
bool lw_apiver_find(const lw_apiver_resp *r, int16_t api_key, int16_t *min, int16_t *max);

#endif
