/* fuzz_batch.c — libFuzzer target for lw_batch_decode and lw_records_iter over arbitrary
 * Records bytes, with and without a tracer. Random bytes rarely pass the CRC-32C, so each
 * input is also run with every batch's BatchLength clamped to the input and its CRC fixed
 * (or, when the input is no batch, wrapped as the records of a valid batch header whose
 * Attributes and RecordsCount come from its first bytes), reaching the records decoder and
 * the decompressors. Finally the input's bytes are built into a batch and must decode back.
 * seeds: tests/fixtures/batches/[0-9]*.bin tests/fixtures/msgset/magic*.bin */
#include <stdlib.h>
#include <string.h>

#include "proto/batch.h"
#include "proto/crc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lw_zctx z;
static volatile size_t sink;

static void on_field(void *ud, int depth, size_t off, size_t len, const char *name,
                     const char *type, const char *value) {
  (void)ud;
  sink += (size_t)depth + off + len + strlen(name) + strlen(type) + strlen(value);
}

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void iterate(const uint8_t *p, size_t n, bool traced) {
  lw_trace tr = {on_field, NULL, 0};
  lw_arena a;
  lw_records_iter it;
  lw_record r;
  const lw_batch *b;
  lw_arena_init(&a, 1 << 20);
  lw_records_iter_init(&it, p, n, 1 << 20, &a, &z);
  it.keep_control = n & 1;
  if (traced)
    it.c.tr = &tr;
  for (int i = 0; i < 200000 && lw_records_next(&it, &r, &b) == LW_OK; i++) {
    size_t s = (size_t)r.Offset + (size_t)b->Magic;
    for (int32_t k = 0; k < r.Key.len; k++)
      s += r.Key.p[k];
    for (int32_t k = 0; k < r.Value.len; k++)
      s += r.Value.p[k];
    for (int32_t h = 0; r.Headers && h < r.HeadersCount; h++)
      s += (size_t)r.Headers[h].Key.len + (size_t)r.Headers[h].Value.len;
    sink += s;
  }
  lw_records_iter_free(&it);
  lw_arena_free(&a);

  lw_cur c;
  lw_batch bt;
  lw_cur_init(&c, p, n);
  c.tr = traced ? &tr : NULL;
  while (lw_cur_left(&c) && lw_batch_decode(&c, &bt) == LW_OK)
    sink += bt.records_len;
}

/* Copy of the input with every v2 batch's length clamped and CRC fixed; NULL if it is not
 * a v2 batch. */
static uint8_t *fix_batches(const uint8_t *data, size_t size) {
  if (size < LW_BATCH_HEADER_SIZE || data[16] != 2)
    return NULL;
  uint8_t *p = malloc(size);
  memcpy(p, data, size);
  for (size_t pos = 0; size - pos >= LW_BATCH_HEADER_SIZE && p[pos + 16] == 2;) {
    uint32_t bl = (uint32_t)p[pos + 8] << 24 | (uint32_t)p[pos + 9] << 16 |
                  (uint32_t)p[pos + 10] << 8 | p[pos + 11];
    if (bl < LW_BATCH_HEADER_SIZE - 12 || bl > size - pos - 12)
      bl = (uint32_t)(size - pos - 12);
    be32(p + pos + 8, bl);
    be32(p + pos + 17, lw_crc32c(0, p + pos + 21, bl - 9));
    pos += 12 + bl;
  }
  return p;
}

/* The input as the records section of a valid batch. */
static uint8_t *wrap(const uint8_t *data, size_t size, size_t *n) {
  uint8_t *p = calloc(1, size + LW_BATCH_HEADER_SIZE);
  memcpy(p + LW_BATCH_HEADER_SIZE, data, size);
  *n = size + LW_BATCH_HEADER_SIZE;
  be32(p + 8, (uint32_t)(*n - 12));
  p[16] = 2;
  p[22] = size ? (uint8_t)(data[0] & 0x3f) : 0; /* Attributes */
  be32(p + 57, size > 1 ? data[1] : 1);         /* RecordsCount */
  be32(p + 17, lw_crc32c(0, p + 21, *n - 21));
  return p;
}

/* Records built from the input (a key, a value and one header per slice) decode back. */
static void round_trip(const uint8_t *data, size_t size) {
  if (size < 2)
    return;
  lw_buf out, scratch;
  lw_buf_init(&out, 1 << 20);
  lw_buf_init(&scratch, 1 << 20);
  lw_batch_builder bb;
  lw_batch_begin(&bb, &out, 1000);
  size_t step = 1 + data[0] % 32, nrec = 0;
  for (size_t off = 2; off + step <= size; off += step, nrec++) {
    lw_bytes key = {data + off, (int32_t)(step / 2)};
    lw_bytes val = {data + off + step / 2, (int32_t)(step - step / 2)};
    lw_rec_header h = {{(const char *)data + off, 1}, (data[off] & 1) ? val : (lw_bytes){NULL, -1}};
    if (nrec % 3 == 0)
      key.len = -1;
    if (lw_batch_append(&bb, 1000 - (int64_t)nrec * data[1], key, val, &h, 1) != LW_OK)
      abort();
  }
  lw_batch_seal seal = {.ProducerId = -1,
                        .ProducerEpoch = -1,
                        .BaseSequence = -1,
                        .PartitionLeaderEpoch = -1,
                        .codec = (data[1] & 1)   ? LW_CODEC_LZ4
                                 : (data[1] & 2) ? LW_CODEC_GZIP
                                                 : 0};
  if (nrec && lw_batch_finish(&bb, &seal, &z, &scratch) != LW_OK)
    abort();
  lw_arena a;
  lw_arena_init(&a, 1 << 20);
  lw_records_iter it;
  lw_record r;
  lw_records_iter_init(&it, out.data, nrec ? out.len : 0, 1 << 20, &a, &z);
  size_t got = 0, off = 2;
  int err;
  while ((err = lw_records_next(&it, &r, NULL)) == LW_OK) {
    if (r.Value.len != (int32_t)(step - step / 2) ||
        memcmp(r.Value.p, data + off + step / 2, (size_t)r.Value.len) != 0 ||
        r.Timestamp != 1000 - (int64_t)got * data[1] || r.HeadersCount != 1)
      abort();
    got++;
    off += step;
  }
  if (err != LW_ERR_NOT_FOUND || got != nrec)
    abort();
  lw_records_iter_free(&it);
  lw_arena_free(&a);
  lw_buf_free(&out);
  lw_buf_free(&scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  iterate(data, size, false);
  iterate(data, size, true);
  uint8_t *p = fix_batches(data, size);
  size_t n = size;
  if (!p)
    p = wrap(data, size, &n);
  iterate(p, n, size & 1);
  free(p);
  round_trip(data, size);
  return 0;
}
