/* fuzz_init_producer_id.c — libFuzzer target for the InitProducerId (key 22) v0-v5 decoders: the
 * input is one frame (no Size prefix), read as a request and as a response of every version;
 * whatever decodes must re-encode to stable bytes (see fuzz_util.h). Traced for some inputs.
 */
// seeds: tests/fixtures/*/*InitProducerId*.bin
#include "proto/init_producer_id.h"
#include "tests/fuzz/fuzz_util.h"

static int dec_req(lw_cur *c, int16_t v, lw_arena *a, void *m) {
  (void)a;
  return lw_initpid_req_decode(c, v, m);
}
static int enc_req(lw_buf *b, int16_t v, const void *m) {
  return lw_initpid_req_encode(b, v, m);
}
static int dec_resp(lw_cur *c, int16_t v, lw_arena *a, void *m) {
  (void)a;
  return lw_initpid_resp_decode(c, v, m);
}
static int enc_resp(lw_buf *b, int16_t v, const void *m) {
  return lw_initpid_resp_encode(b, v, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *p = fuzz_copy(data, size);
  fuzz_request(p, size, LW_API_INIT_PRODUCER_ID, dec_req, enc_req, sizeof(lw_initpid_req), data);
  fuzz_response(p, size, LW_API_INIT_PRODUCER_ID, dec_resp, enc_resp, sizeof(lw_initpid_resp),
                data);
  free(p);
  return 0;
}
