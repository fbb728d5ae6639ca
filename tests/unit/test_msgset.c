/* test_msgset.c — legacy MessageSets (magic 0 and 1) against librdkafka's Produce v1/v2
 * captures (tests/fixtures/msgset): decoding through lw_records_iter, the builder byte for
 * byte on uncompressed sets, compressed round trips, the KAFKA-3160 LZ4 checksum, wrapper
 * offsets and timestamps, truncations and flipped bytes. */
#include <criterion/criterion.h>
#include <string.h>

#include "proto/crc.h"
#include "proto/msgset.h"
#include "rec_fixtures.h"

#define FX "tests/fixtures/msgset/"

/* Every capture: three messages produced by kcat -K: from
 * "key-1:legacy line 1", "legacy line 2" (no key), "key-3:legacy line 3". */
static const char *keys[3] = {"key-1", NULL, "key-3"};
static const char *vals[3] = {"legacy line 1", "legacy line 2", "legacy line 3"};

static lw_bytes B(const char *s) {
  return s ? (lw_bytes){(const uint8_t *)s, (int32_t)strlen(s)} : (lw_bytes){NULL, -1};
}

static bool bytes_eq(lw_bytes a, lw_bytes b) {
  return a.len == b.len && (a.len <= 0 || memcmp(a.p, b.p, (size_t)a.len) == 0);
}

/* Iterate p[0..n) expecting the three captured records with these offsets and timestamp;
 * *attrs gets the Attributes of the batch (message or wrapper) of the last record. */
static void expect_three(const uint8_t *p, size_t n, int magic, const int64_t offsets[3],
                         int64_t ts, int *attrs) {
  lw_records_iter it;
  lw_record r;
  const lw_batch *b;
  lw_zctx z = {0};
  lw_records_iter_init(&it, p, n, 1 << 20, NULL, &z);
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(lw_records_next(&it, &r, &b), LW_OK, "record %d", i);
    cr_assert_eq(b->Magic, magic);
    cr_assert(bytes_eq(r.Key, B(keys[i])), "key %d", i);
    cr_assert(bytes_eq(r.Value, B(vals[i])), "value %d", i);
    cr_assert_eq(r.Offset, offsets[i], "offset %d: %ld", i, (long)r.Offset);
    cr_assert_eq(r.Timestamp, ts);
    cr_assert_eq(r.HeadersCount, 0);
    *attrs = b->Attributes;
  }
  cr_assert_eq(lw_records_next(&it, &r, &b), LW_ERR_NOT_FOUND);
  lw_records_iter_free(&it);
  lw_zctx_free(&z);
}

static const struct {
  const char *file;
  int magic, codec;
  int64_t ts;         /* -1 for magic 0 */
  int64_t offsets[3]; /* as Kafka computes them */
} captures[] = {
    {"magic0-none.bin", 0, 0, -1, {0, 1, 2}},
    {"magic0-gzip.bin", 0, 1, -1, {0, 1, 2}},
    {"magic0-lz4.bin", 0, 3, -1, {0, 1, 2}},
    {"magic1-none.bin", 1, 0, 1795282058199, {0, 1, 2}},
    /* librdkafka gives a compressed magic 1 wrapper Offset 0, not the last inner offset, so
     * Kafka's rule (wrapper Offset - last inner + inner) gives -2..0 for its requests (the
     * broker assigns real offsets on append). */
    {"magic1-gzip.bin", 1, 1, 1795282058714, {-2, -1, 0}},
    {"magic1-lz4.bin", 1, 3, 1795282059228, {-2, -1, 0}},
};

Test(msgset, captures_decode) {
  for (size_t i = 0; i < sizeof captures / sizeof *captures; i++) {
    size_t n;
    char path[256];
    snprintf(path, sizeof path, FX "%s", captures[i].file);
    uint8_t *p = fixture_read(path, &n);
    int attrs;
    expect_three(p, n, captures[i].magic, captures[i].offsets, captures[i].ts, &attrs);
    cr_assert_eq(attrs, captures[i].codec, "%s", captures[i].file);
    free(p);
  }
  /* librdkafka's magic 0 LZ4 frame carries the legacy descriptor checksum, magic 1 the
   * standard one (Message header 26 or 34 bytes, Value length 4, then the frame). */
  size_t n;
  uint8_t *p = fixture_read(FX "magic0-lz4.bin", &n);
  cr_assert_eq(p[12 + 14 + 6], 0x1a);
  free(p);
  p = fixture_read(FX "magic1-lz4.bin", &n);
  cr_assert_eq(p[12 + 22 + 6], 0x82);
  free(p);
}

static void build(lw_buf *out, int magic, int codec, int64_t ts, lw_zctx *z) {
  lw_msgset_builder mb;
  cr_assert_eq(lw_msgset_begin(&mb, out, (int8_t)magic), LW_OK);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(lw_msgset_append(&mb, ts, B(keys[i]), B(vals[i])), LW_OK);
  cr_assert_eq(mb.count, 3);
  cr_assert_eq(lw_msgset_finish(&mb, codec, z, NULL), LW_OK);
}

Test(msgset, uncompressed_captures_reencode_byte_for_byte) {
  for (int magic = 0; magic < 2; magic++) {
    size_t n;
    uint8_t *p = fixture_read(magic ? FX "magic1-none.bin" : FX "magic0-none.bin", &n);
    lw_buf out;
    lw_buf_init(&out, 1 << 20);
    build(&out, magic, LW_CODEC_NONE, magic ? 1795282058199 : 12345, NULL);
    cr_assert_eq(out.len, n);
    cr_assert_arr_eq(out.data, p, n, "magic %d", magic);
    lw_buf_free(&out);
    free(p);
  }
}

/* Compressed payloads are not compared byte for byte (compressor versions differ); our
 * wrapper takes Offset 2 (the last inner offset, as Kafka's Java producer wrote it), so the
 * records come back with offsets 0..2. */
Test(msgset, compressed_round_trips) {
  static const int64_t offs[3] = {0, 1, 2};
  lw_zctx z = {0};
  for (int magic = 0; magic < 2; magic++)
    for (int codec = 1; codec <= 3; codec += 2) {
      lw_buf out;
      lw_buf_init(&out, 1 << 20);
      lw_buf_append(&out, "prefix", 6);
      build(&out, magic, codec, 777, &z);
      int attrs;
      expect_three(out.data + 6, out.len - 6, magic, offs, magic ? 777 : -1, &attrs);
      cr_assert_eq(attrs, codec);
      if (codec == LW_CODEC_LZ4) /* KAFKA-3160 checksum for magic 0 only */
        cr_assert_eq(out.data[6 + 12 + (magic ? 22 : 14) + 6], magic ? 0x82 : 0x1a);
      lw_buf_free(&out);
    }
  lw_zctx_free(&z);
}

Test(msgset, builder_limits) {
  lw_buf small;
  lw_buf_init(&small, 200);
  lw_msgset_builder mb;
  cr_assert_eq(lw_msgset_begin(&mb, &small, 2), LW_ERR_INVALID_ARG);
  cr_assert_eq(lw_msgset_begin(&mb, &small, 1), LW_OK);
  cr_assert_eq(lw_msgset_finish(&mb, LW_CODEC_GZIP, NULL, NULL), LW_ERR_INVALID_ARG, "empty");
  int n = 0, err;
  while ((err = lw_msgset_append(&mb, n, B("k"), B("0123456789012345678901234567890123"))) == 0)
    n++;
  cr_assert_eq(err, LW_ERR_TOO_LARGE);
  cr_assert_eq(small.err, LW_OK, "not sticky");
  cr_assert_eq(n, 2); /* 2 x 69 = 138; a third would pass 200 */
  cr_assert_eq(lw_msgset_append(&mb, 9, B(NULL), B("x")), LW_OK);
  cr_assert_eq(mb.max_timestamp, 9);
  cr_assert_eq(lw_msgset_finish(&mb, LW_CODEC_NONE, NULL, NULL), LW_OK);
  lw_records_iter it;
  lw_record r;
  lw_records_iter_init(&it, small.data, small.len, 1 << 20, NULL, NULL);
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(lw_records_next(&it, &r, NULL), LW_OK);
    cr_assert_eq(r.Offset, i);
  }
  cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_NOT_FOUND);
  lw_records_iter_free(&it);
  lw_buf_free(&small);
}

/* Every prefix ends cleanly with the records of the complete messages before the cut. */
Test(msgset, every_truncated_prefix_ends_cleanly) {
  for (size_t k = 0; k < sizeof captures / sizeof *captures; k++) {
    size_t n;
    char path[256];
    snprintf(path, sizeof path, FX "%s", captures[k].file);
    uint8_t *p = fixture_read(path, &n);
    for (size_t len = 0; len <= n; len++) {
      uint8_t *cut = malloc(len ? len : 1);
      memcpy(cut, p, len);
      int want = 0;
      for (size_t pos = 0; pos + 12 <= len;) {
        size_t sz = 12 + ((size_t)p[pos + 10] << 8 | p[pos + 11]);
        if (pos + sz > len)
          break;
        want += captures[k].codec ? 3 : 1;
        pos += sz;
      }
      lw_records_iter it;
      lw_record r;
      int got = 0, err;
      lw_records_iter_init(&it, cut, len, 1 << 20, NULL, NULL);
      while ((err = lw_records_next(&it, &r, NULL)) == LW_OK)
        got++;
      cr_assert_eq(err, LW_ERR_NOT_FOUND, "%s cut at %zu: %d", captures[k].file, len, err);
      cr_assert_eq(got, want, "%s cut at %zu", captures[k].file, len);
      lw_records_iter_free(&it);
      free(cut);
    }
    free(p);
  }
}

/* A flipped byte from Magic to the end of a message (or in its Crc) is LW_ERR_CRC (a flipped
 * Magic may read as unsupported first); Offset bytes are not under the CRC. */
Test(msgset, flipped_bytes) {
  for (int f = 0; f < 2; f++) {
    size_t n;
    uint8_t *p = fixture_read(f ? FX "magic1-gzip.bin" : FX "magic1-none.bin", &n);
    size_t first = 12 + ((size_t)p[10] << 8 | p[11]); /* the first message's bytes */
    for (size_t i = 0; i < first; i++) {
      p[i] ^= 0x04;
      lw_records_iter it;
      lw_record r;
      int err;
      lw_records_iter_init(&it, p, n, 1 << 20, NULL, NULL);
      while ((err = lw_records_next(&it, &r, NULL)) == LW_OK)
        ;
      if (i >= 12 && i != 16)
        cr_assert_eq(err, LW_ERR_CRC, "byte %zu", i);
      else if (i == 16)
        cr_assert(err == LW_ERR_CRC || err == LW_ERR_UNSUPPORTED, "byte 16");
      else if (i < 8)
        cr_assert_eq(err, LW_ERR_NOT_FOUND, "Offset is not under the CRC");
      lw_records_iter_free(&it);
      p[i] ^= 0x04;
    }
    free(p);
  }
}

/* Rewrite the wrapper of a compressed magic 1 set: Attributes and Timestamp, CRC fixed. */
static void patch_wrapper(uint8_t *p, int8_t attrs, int64_t ts) {
  size_t size = (size_t)p[8] << 24 | (size_t)p[9] << 16 | (size_t)p[10] << 8 | p[11];
  p[17] = (uint8_t)attrs;
  for (int i = 0; i < 8; i++)
    p[18 + i] = (uint8_t)((uint64_t)ts >> (56 - 8 * i));
  uint32_t crc = lw_crc32(0, p + 16, size - 4);
  for (int i = 0; i < 4; i++)
    p[12 + i] = (uint8_t)(crc >> (24 - 8 * i));
}

Test(msgset, log_append_time_wrapper) {
  lw_buf out;
  lw_buf_init(&out, 1 << 20);
  build(&out, 1, LW_CODEC_GZIP, 777, NULL);
  patch_wrapper(out.data, LW_CODEC_GZIP | 0x08, 555);
  static const int64_t offs[3] = {0, 1, 2};
  int attrs;
  expect_three(out.data, out.len, 1, offs, 555, &attrs);
  lw_buf_free(&out);
}

/* Kafka never nests compression: an inner message with a codec is malformed. */
Test(msgset, nested_compression_is_malformed) {
  lw_buf inner, comp, out;
  lw_buf_init(&inner, 1 << 20);
  lw_buf_init(&comp, 1 << 20);
  lw_buf_init(&out, 1 << 20);
  build(&inner, 1, LW_CODEC_GZIP, 1, NULL); /* a compressed set ... */
  cr_assert_eq(lw_compress(NULL, LW_CODEC_GZIP, 0, inner.data, inner.len, &comp, false), 0);
  lw_msgset_builder mb;
  lw_msgset_begin(&mb, &out, 1); /* ... wrapped once more */
  lw_msgset_append(&mb, 1, B(NULL), (lw_bytes){comp.data, (int32_t)comp.len});
  patch_wrapper(out.data, LW_CODEC_GZIP, 1);
  lw_records_iter it;
  lw_record r;
  lw_records_iter_init(&it, out.data, out.len, 1 << 20, NULL, NULL);
  cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_MALFORMED);
  lw_records_iter_free(&it);
  lw_buf_free(&inner);
  lw_buf_free(&comp);
  lw_buf_free(&out);
}

Test(msgset, short_message_size_is_malformed) {
  size_t n;
  uint8_t *p = fixture_read(FX "magic0-none.bin", &n);
  p[11] = 13; /* below the 14-byte minimum */
  lw_records_iter it;
  lw_record r;
  lw_records_iter_init(&it, p, n, 1 << 20, NULL, NULL);
  cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_MALFORMED);
  lw_records_iter_free(&it);
  free(p);
}
