/* fuzz_frame.c — libFuzzer target for framing, request/response headers and
 * lw_api_decode_body over any API and version: the input is decoded as one request frame (its
 * header picks the API and version), as one response frame of an API and version picked from
 * its last two bytes (any key, implemented or not, any version), and as a stream of
 * Size-prefixed request frames. */
// seeds: tests/fixtures/*/*.bin
#include "tests/fuzz/fuzz_util.h"

static const int16_t keys[] = {0, 1, 2, 3, 17, 18, 22, 36, 10, -1};

/* Decode one frame (header, then body); aborts on any broken promise. */
static void one_frame(const uint8_t *frame, size_t n, bool request, int16_t api, int16_t version,
                      bool trace) {
  uint8_t *p = fuzz_copy(frame, n); /* exact allocation: ASan sees reads past its end */
  lw_cur c;
  lw_cur_init(&c, p, n);
  fuzz_trace ft;
  if (trace) {
    memset(&ft, 0, sizeof ft);
    ft.t.field = fuzz_trace_field;
    ft.t.ud = &ft;
    ft.frame_len = n;
    c.tr = &ft.t;
  }
  lw_arena a;
  lw_arena_init(&a, FUZZ_ARENA);
  int err;
  if (request) {
    lw_req_header h;
    err = lw_req_header_decode(&c, &h);
    api = h.ApiKey;
    version = h.ApiVersion;
  } else {
    int32_t corr;
    err = lw_resp_header_decode(&c, api, version, &corr);
  }
  if (err == LW_OK) {
    err = lw_api_decode_body(&c, api, version, request, &a);
    if (err == LW_OK && c.pos != n)
      abort();
  }
  if (err != LW_OK && (err > -100 || err == LW_ERR_NEED_MORE))
    abort(); /* decoders answer local errors only, never NEED_MORE */
  if (trace && ft.t.depth != 0 && err == LW_OK)
    abort(); /* every trace level opened was closed */
  (void)lw_err_name(err);
  (void)lw_err_str(err);
  lw_arena_free(&a);
  free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  bool trace = (data[size / 2] & 3) == 0;
  one_frame(data, size, true, 0, 0, trace);

  int16_t api = keys[data[size - 1] % (sizeof keys / sizeof *keys)];
  int16_t lo = 0, hi = 20, version;
  if (lw_api_range(api, &lo, &hi) && !(data[size - 2] & 0x80))
    version = (int16_t)(lo + data[size - 2] % (hi - lo + 1));
  else
    version = (int16_t)(int8_t)data[size - 2]; /* anything, negative included */
  one_frame(data, size, false, api, version, trace);

  size_t off = 0;
  while (off < size) {
    size_t n;
    if (lw_frame_peek(data + off, size - off, 1 << 20, &n) != LW_OK)
      break;
    one_frame(data + off + 4, n, true, 0, 0, trace);
    off += 4 + n;
  }
  return 0;
}
