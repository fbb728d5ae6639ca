/* fuzz_fetch.c — libFuzzer target for the Fetch (key 1) v4-v18 decoders: the input is one frame
 * (no Size prefix), read as a request and as a response of every version; whatever decodes
 * must re-encode to stable bytes (see fuzz_util.h). Traced for some inputs. */
// seeds: tests/fixtures/*/*Fetch*.bin
#include "proto/fetch.h"
#include "tests/fuzz/fuzz_util.h"

static int dec_req(lw_cur *c, int16_t v, lw_arena *a, void *m) {
  return lw_fetch_req_decode(c, v, a, m);
}
static int enc_req(lw_buf *b, int16_t v, const void *m) {
  return lw_fetch_req_encode(b, v, m);
}
static int dec_resp(lw_cur *c, int16_t v, lw_arena *a, void *m) {
  return lw_fetch_resp_decode(c, v, a, m);
}
static int enc_resp(lw_buf *b, int16_t v, const void *m) {
  return lw_fetch_resp_encode(b, v, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *p = fuzz_copy(data, size);
  fuzz_request(p, size, LW_API_FETCH, dec_req, enc_req, sizeof(lw_fetch_req), data);
  fuzz_response(p, size, LW_API_FETCH, dec_resp, enc_resp, sizeof(lw_fetch_resp), data);
  free(p);
  return 0;
}
