/* fuzz_decompress.c — libFuzzer target for lw_decompress (gzip, lz4, none) with a small
 * output ceiling, and a compress/decompress round trip of the same bytes.
 * Input: one byte selecting the codec (low 2 bits: 0 none, 1 gzip, 2/3 lz4), then the data.
 * seeds: tests/fixtures/compress/[gl]*.bin */
#include <stdlib.h>
#include <string.h>

#include "proto/compress.h"
#include "base/err.h"

#define CEILING (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static lw_zctx z; /* reused across inputs, as a producer would */
  if (size < 1)
    return 0;
  static const int codecs[4] = {LW_CODEC_NONE, LW_CODEC_GZIP, LW_CODEC_LZ4, LW_CODEC_LZ4};
  int codec = codecs[data[0] & 3];
  const uint8_t *in = data + 1;
  size_t n = size - 1;

  lw_buf out;
  lw_buf_init(&out, CEILING);
  int err = lw_decompress(&z, codec, in, n, &out);
  if (out.len > CEILING || out.cap > CEILING)
    abort();
  if (err != LW_OK && err != LW_ERR_TOO_LARGE && err != LW_ERR_COMPRESSION)
    abort();
  if (err != LW_OK && out.len != 0)
    abort();
  lw_buf_free(&out);

  /* Round trip: whatever the bytes are, compressing and decompressing gives them back. */
  lw_buf c, d;
  lw_buf_init(&c, 2 * n + 1024);
  lw_buf_init(&d, n);
  if (lw_compress(&z, codec, (data[0] >> 4) % 10, in, n, &c, (data[0] & 4) != 0) != LW_OK)
    abort();
  if (lw_decompress(&z, codec, c.data, c.len, &d) != LW_OK || d.len != n ||
      (n && memcmp(d.data, in, n) != 0))
    abort();
  lw_buf_free(&c);
  lw_buf_free(&d);
  return 0;
}
