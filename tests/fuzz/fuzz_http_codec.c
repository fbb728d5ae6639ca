/* fuzz_http_codec.c — the HTTP/1.1 codec on arbitrary bytes: request and response heads
 * (fields lie inside the input, head_len never past it) and the chunked decoder fed whole and
 * in pieces (the same bytes out and the same verdict either way, never past its ceiling).
 * seeds: tests/fuzz/http-seeds/[a-z]*.txt tests/fixtures/etcd-3.4/[a-z]*.http */
#include <stdlib.h>
#include <string.h>

#include "base/http.h"
#include "base/err.h"

static void check_head(const uint8_t *data, size_t size, const lw_http_head *h) {
  if (h->head_len > size)
    __builtin_trap();
  for (size_t i = 0; i < h->nfields; i++) {
    const lw_http_field *f = &h->fields[i];
    if ((const uint8_t *)f->name < data || (const uint8_t *)f->value + f->value_len > data + size)
      __builtin_trap();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lw_http_head h;
  if (lw_http_parse_request(data, size, 4096, &h) == LW_OK)
    check_head(data, size, &h);
  if (lw_http_parse_response(data, size, 4096, &h) == LW_OK)
    check_head(data, size, &h);

  lw_http_chunked d1, d2;
  lw_buf o1, o2;
  size_t used1, used2 = 0, u;
  lw_http_chunked_init(&d1);
  lw_http_chunked_init(&d2);
  lw_buf_init(&o1, 1024);
  lw_buf_init(&o2, 1024);
  int r1 = lw_http_chunked_decode(&d1, data, size, &used1, &o1);
  int r2 = LW_ERR_NEED_MORE;
  size_t step = size ? 1 + data[0] % 7 : 1;
  while (used2 < size && r2 == LW_ERR_NEED_MORE) {
    size_t n = size - used2 < step ? size - used2 : step;
    r2 = lw_http_chunked_decode(&d2, data + used2, n, &u, &o2);
    used2 += u;
  }
  if (r1 != r2 || o1.len > 1024 || o2.len > 1024)
    __builtin_trap();
  /* At the ceiling the pieces kept depend on how the input was cut; otherwise the bytes out
   * are the same. */
  if (r1 != LW_ERR_TOO_LARGE && (o1.len != o2.len || (o1.len && memcmp(o1.data, o2.data, o1.len))))
    __builtin_trap();
  if (r1 == LW_OK && used1 != used2)
    __builtin_trap();
  lw_buf_free(&o1);
  lw_buf_free(&o2);
  return 0;
}
