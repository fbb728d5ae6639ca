/* fuzz_msgset.c — libFuzzer target for legacy MessageSets (magic 0/1) through
 * lw_records_iter: the input as is, then with every message's MessageSize clamped and its
 * CRC-32 fixed so the fuzzer reaches the fields and compressed wrappers; finally the input's
 * bytes built into a message set (codec and magic from its first byte) must decode back.
 * seeds: tests/fixtures/msgset/magic*.bin */
#include <stdlib.h>
#include <string.h>

#include "proto/crc.h"
#include "proto/msgset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lw_zctx z;
static volatile size_t sink;

static void on_field(void *ud, int depth, size_t off, size_t len, const char *name,
                     const char *type, const char *value) {
  (void)ud;
  sink += (size_t)depth + off + len + strlen(name) + strlen(type) + strlen(value);
}

static void iterate(const uint8_t *p, size_t n, bool traced) {
  lw_trace tr = {on_field, NULL, 0};
  lw_records_iter it;
  lw_record r;
  lw_records_iter_init(&it, p, n, 256 * 1024, NULL, &z);
  if (traced)
    it.c.tr = &tr;
  for (int i = 0; i < 100000 && lw_records_next(&it, &r, NULL) == LW_OK; i++) {
    size_t s = (size_t)r.Offset + (size_t)r.Timestamp;
    for (int32_t k = 0; k < r.Key.len; k++)
      s += r.Key.p[k];
    for (int32_t k = 0; k < r.Value.len; k++)
      s += r.Value.p[k];
    sink += s;
  }
  lw_records_iter_free(&it);
}

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void fix_messages(uint8_t *p, size_t size) {
  for (size_t pos = 0; size - pos >= 12 + 14;) {
    uint32_t sz = (uint32_t)p[pos + 8] << 24 | (uint32_t)p[pos + 9] << 16 |
                  (uint32_t)p[pos + 10] << 8 | p[pos + 11];
    if (sz < 14 || sz > size - pos - 12)
      sz = (uint32_t)(size - pos - 12);
    be32(p + pos + 8, sz);
    be32(p + pos + 12, lw_crc32(0, p + pos + 16, sz - 4));
    pos += 12 + sz;
  }
}

static void round_trip(const uint8_t *data, size_t size) {
  if (size < 2)
    return;
  static const int codecs[4] = {LW_CODEC_NONE, LW_CODEC_GZIP, LW_CODEC_LZ4, LW_CODEC_NONE};
  int8_t magic = data[0] & 1;
  int codec = codecs[(data[0] >> 1) & 3];
  lw_buf out;
  lw_buf_init(&out, 1 << 20);
  lw_msgset_builder mb;
  lw_msgset_begin(&mb, &out, magic);
  size_t step = 1 + data[1] % 32, nrec = 0;
  for (size_t off = 2; off + step <= size; off += step, nrec++) {
    lw_bytes key = {data + off, (int32_t)(step / 2)};
    lw_bytes val = {data + off + step / 2, (int32_t)(step - step / 2)};
    if (nrec % 2)
      key.len = -1;
    if (lw_msgset_append(&mb, (int64_t)nrec * 7, key, val) != LW_OK)
      abort();
  }
  if (nrec && lw_msgset_finish(&mb, codec, &z, NULL) != LW_OK)
    abort();
  lw_records_iter it;
  lw_record r;
  lw_records_iter_init(&it, out.data, out.len, 1 << 20, NULL, &z);
  size_t got = 0, off = 2;
  int err;
  while ((err = lw_records_next(&it, &r, NULL)) == LW_OK) {
    if (r.Value.len != (int32_t)(step - step / 2) ||
        memcmp(r.Value.p, data + off + step / 2, (size_t)r.Value.len) != 0 ||
        r.Offset != (int64_t)got || r.Timestamp != (magic ? (int64_t)got * 7 : -1))
      abort();
    got++;
    off += step;
  }
  if (err != LW_ERR_NOT_FOUND || got != nrec)
    abort();
  lw_records_iter_free(&it);
  lw_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  iterate(data, size, size & 1);
  uint8_t *p = malloc(size ? size : 1);
  memcpy(p, data, size);
  fix_messages(p, size);
  iterate(p, size, !(size & 1));
  free(p);
  round_trip(data, size);
  return 0;
}
