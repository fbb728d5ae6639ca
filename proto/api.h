/* api.h — Kafka API keys, the versions logwire implements, which versions are flexible
 * (KIP-482 compact encodings and tagged fields), request/response headers and framing.
 *
 * A frame on the wire is: int32 Size, then Size bytes of header + body. Request header v1 is
 * ApiKey int16, ApiVersion int16, CorrelationId int32, ClientId nullable string (int16 length);
 * v2 adds a tagged-field section (ClientId stays a classic string). Response header v0 is
 * CorrelationId; v1 adds a tagged-field section. Flexible versions of an API use the v2/v1
 * headers, except ApiVersions responses, which always use response header v0 so that a client
 * can read them whatever version it asked for. */
#ifndef LW_API_H
#define LW_API_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/wire.h"

enum lw_api_key {
  LW_API_PRODUCE = 0,
  LW_API_FETCH = 1,
  LW_API_LIST_OFFSETS = 2,
  LW_API_METADATA = 3,
  LW_API_SASL_HANDSHAKE = 17,
  LW_API_API_VERSIONS = 18,
  LW_API_INIT_PRODUCER_ID = 22,
  LW_API_DESCRIBE_CONFIGS = 32,
  LW_API_SASL_AUTHENTICATE = 36,
};

/* Spec name of an API key ("Produce"), or "Unknown". Static string. */
const char *lw_api_name(int16_t api_key);
/* The version range logwire implements for an API. Returns false for APIs logwire does not
 * implement (min/max untouched). */
bool lw_api_range(int16_t api_key, int16_t *min, int16_t *max);
/* True when this version of the API uses the flexible encoding (compact strings/arrays,
 * tagged fields). */
bool lw_api_flexible(int16_t api_key, int16_t version);
/* Header versions for a request/response of this API version: request 1 or 2, response 0 or 1. */
int lw_req_header_version(int16_t api_key, int16_t version);
int lw_resp_header_version(int16_t api_key, int16_t version);

typedef struct lw_req_header {
  int16_t ApiKey;
  int16_t ApiVersion;
  int32_t CorrelationId;
  lw_str ClientId; /* nullable */
} lw_req_header;

/* Append a request header (v1 or v2 as the API version requires). Returns b->err. */
int lw_req_header_encode(lw_buf *b, const lw_req_header *h);
/* Decode a request header; the version is chosen from the ApiKey/ApiVersion read first.
 * Returns LW_OK or an error; ClientId borrows from the input. */
int lw_req_header_decode(lw_cur *c, lw_req_header *h);

/* Append a response header for api/version. Returns b->err. */
int lw_resp_header_encode(lw_buf *b, int16_t api_key, int16_t version, int32_t correlation_id);
/* Decode a response header for api/version. Returns LW_OK or an error. */
int lw_resp_header_decode(lw_cur *c, int16_t api_key, int16_t version, int32_t *correlation_id);

/* Framing. lw_frame_begin reserves the int32 Size and returns its offset; lw_frame_end
 * patches it with the logical bytes written since (splices included). Returns b->err. */
size_t lw_frame_begin(lw_buf *b);
int lw_frame_end(lw_buf *b, size_t off);
/* Look for one complete frame at the start of p[0..len): LW_OK with *frame_len = Size (the
 * frame body starts at p + 4), LW_ERR_NEED_MORE when more bytes are needed, LW_ERR_TOO_LARGE
 * when Size exceeds max_size, LW_ERR_MALFORMED when Size is negative. */
int lw_frame_peek(const uint8_t *p, size_t len, size_t max_size, size_t *frame_len);

/* Decode (and trace, when c->tr is set) any request or response body logwire implements,
 * given its API and version: used by --trace, by tests and by the fuzzers. The body starts
 * after the header. Arrays go to `a`. Returns LW_OK only if the body decoded completely with
 * no trailing bytes. */
int lw_api_decode_body(lw_cur *c, int16_t api_key, int16_t version, bool is_request, lw_arena *a);

#endif
