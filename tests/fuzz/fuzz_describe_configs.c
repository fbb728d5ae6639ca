/* fuzz_describe_configs.c — libFuzzer target for the DescribeConfigs (key 32) v0-v4 decoders: the
 * input is one frame (no Size prefix), read as a request and as a response of every version;
 * whatever decodes must re-encode to stable bytes (see fuzz_util.h). Traced for some inputs.
 */
// seeds: tests/fixtures/*/*DescribeConfigs*.bin tests/fuzz/describe-configs-seeds/*.bin
// (no captured DescribeConfigs frame yet: the seeds are the unit test's hand-written v0 request
// and v4 response bodies behind a request / response header)
#include "proto/describe_configs.h"
#include "tests/fuzz/fuzz_util.h"

static int dec_req(lw_cur *c, int16_t v, lw_arena *a, void *m) {
  return lw_dc_req_decode(c, v, a, m);
}
static int enc_req(lw_buf *b, int16_t v, const void *m) {
  return lw_dc_req_encode(b, v, m);
}
static int dec_resp(lw_cur *c, int16_t v, lw_arena *a, void *m) {
  return lw_dc_resp_decode(c, v, a, m);
}
static int enc_resp(lw_buf *b, int16_t v, const void *m) {
  return lw_dc_resp_encode(b, v, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *p = fuzz_copy(data, size);
  fuzz_request(p, size, LW_API_DESCRIBE_CONFIGS, dec_req, enc_req, sizeof(lw_dc_req), data);
  fuzz_response(p, size, LW_API_DESCRIBE_CONFIGS, dec_resp, enc_resp, sizeof(lw_dc_resp), data);
  free(p);
  return 0;
}
