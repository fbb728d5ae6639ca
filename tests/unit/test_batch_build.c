/* test_batch_build.c — the RecordBatch builder and records iterator on synthetic batches:
 * round trips (null/empty keys and values, headers, big and many records, negative timestamp
 * deltas, every codec), the buffer ceiling, restamping, control batches, log-append time,
 * the decompression ceiling, and crafted bad lengths. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>

#include "proto/batch.h"
#include "proto/crc.h"
#include "rec_fixtures.h"

static lw_buf out, scratch;
static lw_zctx z;
static lw_arena arena;
static void setup(void) {
  lw_buf_init(&out, 64 << 20);
  lw_buf_init(&scratch, 64 << 20);
  memset(&z, 0, sizeof z);
  lw_arena_init(&arena, 1 << 20);
}
static void teardown(void) {
  lw_buf_free(&out);
  lw_buf_free(&scratch);
  lw_zctx_free(&z);
  lw_arena_free(&arena);
}
TestSuite(build, .init = setup, .fini = teardown);

static const lw_batch_seal plain_seal = {.ProducerId = -1,
                                         .ProducerEpoch = -1,
                                         .BaseSequence = -1,
                                         .PartitionLeaderEpoch = -1,
                                         .codec = LW_CODEC_NONE};

static lw_bytes B(const char *s) {
  return s ? (lw_bytes){(const uint8_t *)s, (int32_t)strlen(s)} : (lw_bytes){NULL, -1};
}

static bool bytes_eq(lw_bytes a, lw_bytes b) {
  return a.len == b.len && (a.len <= 0 || memcmp(a.p, b.p, (size_t)a.len) == 0);
}

Test(build, mixed_records_round_trip_every_codec) {
  lw_rec_header h3[3] = {{lw_str_c("a"), B("1")}, {lw_str_c(""), B("")}, {lw_str_c("n"), B(NULL)}};
  struct {
    int64_t ts;
    const char *key, *val;
    int nh;
  } in[] = {{1000, NULL, "null key"},
            {1001, "k", NULL},
            {990, "", ""},
            {1500, "key", "three headers"},
            {-5, "neg", "timestamp before the epoch"}};
  int codecs[] = {LW_CODEC_NONE, LW_CODEC_GZIP, LW_CODEC_LZ4};
  for (int ci = 0; ci < 3; ci++) {
    lw_buf_reset(&out);
    lw_batch_builder bb;
    cr_assert_eq(lw_batch_begin(&bb, &out, 1000), LW_OK);
    for (int i = 0; i < 5; i++)
      cr_assert_eq(lw_batch_append(&bb, in[i].ts, B(in[i].key), B(in[i].val), h3, i == 3 ? 3 : 0),
                   LW_OK);
    cr_assert_eq(bb.MaxTimestamp, 1500);
    lw_batch_seal seal = plain_seal;
    seal.codec = codecs[ci];
    seal.compress_always = true;
    seal.ProducerId = 77;
    seal.ProducerEpoch = 3;
    seal.BaseSequence = 1234;
    cr_assert_eq(lw_batch_finish(&bb, &seal, &z, &scratch), LW_OK);

    lw_cur c;
    lw_batch b;
    lw_cur_init(&c, out.data, out.len);
    cr_assert_eq(lw_batch_decode(&c, &b), LW_OK);
    cr_assert_eq(b.Attributes, codecs[ci]);
    cr_assert_eq(b.BaseTimestamp, 1000);
    cr_assert_eq(b.MaxTimestamp, 1500);
    cr_assert_eq(b.LastOffsetDelta, 4);
    cr_assert_eq(b.RecordsCount, 5);
    cr_assert_eq(b.ProducerId, 77);
    cr_assert_eq(b.ProducerEpoch, 3);
    cr_assert_eq(b.BaseSequence, 1234);
    cr_assert_eq(b.PartitionLeaderEpoch, -1);

    lw_records_iter it;
    lw_record r;
    lw_records_iter_init(&it, out.data, out.len, 1 << 20, &arena, &z);
    for (int i = 0; i < 5; i++) {
      cr_assert_eq(lw_records_next(&it, &r, NULL), LW_OK);
      cr_assert_eq(r.Timestamp, in[i].ts);
      cr_assert_eq(r.TimestampDelta, in[i].ts - 1000);
      cr_assert_eq(r.Offset, i);
      cr_assert(bytes_eq(r.Key, B(in[i].key)), "key %d", i);
      cr_assert(bytes_eq(r.Value, B(in[i].val)), "value %d", i);
      cr_assert_eq(r.HeadersCount, i == 3 ? 3 : 0);
      for (int k = 0; k < r.HeadersCount; k++) {
        cr_assert_eq(r.Headers[k].Key.len, h3[k].Key.len);
        cr_assert(bytes_eq(r.Headers[k].Value, h3[k].Value));
      }
    }
    cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_NOT_FOUND);
    cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_NOT_FOUND);
    lw_records_iter_free(&it);
  }
}

Test(build, big_and_many_records) {
  size_t big = 1 << 20;
  uint8_t *val = malloc(big);
  fill_text(val, big);
  int codecs[] = {LW_CODEC_NONE, LW_CODEC_GZIP, LW_CODEC_LZ4};
  for (int ci = 0; ci < 3; ci++) {
    lw_buf_reset(&out);
    lw_batch_builder bb;
    lw_batch_begin(&bb, &out, 5);
    cr_assert_eq(lw_batch_append(&bb, 5, B("big"), (lw_bytes){val, (int32_t)big}, NULL, 0), 0);
    for (int i = 1; i <= 100000; i++)
      cr_assert_eq(lw_batch_append(&bb, 5 + i, B(NULL), (lw_bytes){val + i, 100}, NULL, 0), 0);
    lw_batch_seal seal = plain_seal;
    seal.codec = codecs[ci];
    cr_assert_eq(lw_batch_finish(&bb, &seal, &z, &scratch), LW_OK);
    if (ci)
      cr_assert_lt(out.len, (big + 100000 * 100) / 2, "text compresses");
    lw_records_iter it;
    lw_record r;
    lw_records_iter_init(&it, out.data, out.len, 64 << 20, &arena, &z);
    cr_assert_eq(lw_records_next(&it, &r, NULL), LW_OK);
    cr_assert_eq(r.Value.len, (int32_t)big);
    cr_assert_arr_eq(r.Value.p, val, big);
    for (int i = 1; i <= 100000; i++) {
      cr_assert_eq(lw_records_next(&it, &r, NULL), LW_OK);
      cr_assert_eq(r.Offset, i);
      cr_assert_eq(r.Timestamp, 5 + i);
      cr_assert_eq(r.Value.len, 100);
      cr_assert_eq(memcmp(r.Value.p, val + i, 100), 0);
    }
    cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_NOT_FOUND);
    lw_records_iter_free(&it);
  }
  free(val);
}

/* A record over the ceiling is refused without a sticky error; the batch then finishes
 * with the records that fitted. */
Test(build, ceiling_is_not_sticky) {
  lw_buf small;
  lw_buf_init(&small, 1000);
  lw_batch_builder bb;
  cr_assert_eq(lw_batch_begin(&bb, &small, 0), LW_OK);
  uint8_t v[100];
  memset(v, 'v', sizeof v);
  int n = 0, err;
  while ((err = lw_batch_append(&bb, n, B(NULL), (lw_bytes){v, 100}, NULL, 0)) == LW_OK)
    n++;
  cr_assert_eq(err, LW_ERR_TOO_LARGE);
  cr_assert_eq(small.err, LW_OK);
  cr_assert_eq(n, 8); /* 61 + 8 x 108 = 925; a ninth would pass 1000 */
  size_t len = small.len;
  cr_assert_eq(lw_batch_append(&bb, 0, B(NULL), (lw_bytes){v, 100}, NULL, 0), LW_ERR_TOO_LARGE);
  cr_assert_eq(small.len, len, "unchanged");
  cr_assert_eq(lw_batch_append(&bb, 0, B(NULL), (lw_bytes){v, 10}, NULL, 0), LW_OK);
  cr_assert_eq(lw_batch_finish(&bb, &plain_seal, NULL, NULL), LW_OK);
  lw_records_iter it;
  lw_record r;
  lw_records_iter_init(&it, small.data, small.len, 1 << 20, NULL, NULL);
  for (int i = 0; i <= n; i++)
    cr_assert_eq(lw_records_next(&it, &r, NULL), LW_OK);
  cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_NOT_FOUND);
  lw_records_iter_free(&it);
  lw_buf_free(&small);
}

Test(build, bad_arguments) {
  lw_batch_builder bb;
  lw_batch_begin(&bb, &out, 0);
  cr_assert_eq(lw_batch_finish(&bb, &plain_seal, NULL, NULL), LW_ERR_INVALID_ARG, "empty");
  lw_rec_header h = {LW_STR_NULL, B("v")};
  cr_assert_eq(lw_batch_append(&bb, 0, B("k"), B("v"), &h, 1), LW_ERR_INVALID_ARG);
  cr_assert_eq(lw_batch_append(&bb, 0, B("k"), B("v"), NULL, 1), LW_ERR_INVALID_ARG);
  cr_assert_eq(lw_batch_record_size(0, 0, B("k"), B("v"), &h, 1), SIZE_MAX);
  cr_assert_eq(lw_batch_append(&bb, 0, B("k"), B("v"), NULL, 0), LW_OK);
  lw_batch_seal seal = plain_seal;
  seal.codec = LW_CODEC_ZSTD;
  seal.compress_always = true;
  cr_assert_eq(lw_batch_finish(&bb, &seal, &z, &scratch), LW_ERR_UNSUPPORTED);
  cr_assert_eq(lw_batch_finish(&bb, &plain_seal, NULL, NULL), LW_ERR_INVALID_ARG, "finished");
  lw_buf_reset(&out);
  lw_batch_begin(&bb, &out, 0);
  lw_batch_append(&bb, 0, B("k"), B("v"), NULL, 0);
  cr_assert_eq(lw_batch_finish(&bb, &plain_seal, NULL, NULL), LW_OK);
  size_t len = out.len;
  cr_assert_eq(lw_batch_append(&bb, 0, B("k"), B("v"), NULL, 0), LW_ERR_INVALID_ARG);
  cr_assert_eq(lw_batch_finish(&bb, &plain_seal, NULL, NULL), LW_ERR_INVALID_ARG);
  cr_assert_eq(out.len, len);
}

/* !compress_always: records that do not shrink go uncompressed (codec 0 in Attributes). */
Test(build, incompressible_records_stay_plain) {
  uint8_t noise[4000];
  fill_random(noise, sizeof noise, 3);
  for (int always = 0; always < 2; always++) {
    lw_buf_reset(&out);
    lw_batch_builder bb;
    lw_batch_begin(&bb, &out, 0);
    lw_batch_append(&bb, 0, B(NULL), (lw_bytes){noise, sizeof noise}, NULL, 0);
    lw_batch_seal seal = plain_seal;
    seal.codec = LW_CODEC_LZ4;
    seal.compress_always = always;
    cr_assert_eq(lw_batch_finish(&bb, &seal, &z, &scratch), LW_OK);
    lw_cur c;
    lw_batch b;
    lw_cur_init(&c, out.data, out.len);
    cr_assert_eq(lw_batch_decode(&c, &b), LW_OK);
    cr_assert_eq(b.Attributes, always ? LW_CODEC_LZ4 : LW_CODEC_NONE);
  }
}

/* A batch built after other bytes in the buffer (as in a Produce request) and restamped. */
static size_t build_at_offset(size_t pre, int codec) {
  lw_buf_reset(&out);
  for (size_t i = 0; i < pre; i++)
    lw_buf_put_u8(&out, 0xee);
  lw_batch_builder bb;
  lw_batch_begin(&bb, &out, 100);
  lw_rec_header h = {lw_str_c("h"), B("hv")};
  for (int i = 0; i < 20; i++)
    lw_batch_append(&bb, 100 + i, B("key"), B("some value to compress, some value"), &h, 1);
  lw_batch_seal seal = plain_seal;
  seal.codec = codec;
  cr_assert_eq(lw_batch_finish(&bb, &seal, &z, &scratch), LW_OK);
  return bb.start;
}

Test(build, restamp_rewrites_producer_fields_and_crc) {
  size_t start = build_at_offset(13, LW_CODEC_GZIP);
  uint8_t *p = out.data + start;
  size_t n = out.len - start;
  cr_assert_eq(lw_batch_restamp(p, n, 4242, 7, 99), LW_OK);
  lw_cur c;
  lw_batch b;
  lw_cur_init(&c, p, n);
  cr_assert_eq(lw_batch_decode(&c, &b), LW_OK);
  cr_assert_eq(b.ProducerId, 4242);
  cr_assert_eq(b.ProducerEpoch, 7);
  cr_assert_eq(b.BaseSequence, 99);
  cr_assert_eq(b.RecordsCount, 20);
  cr_assert_eq(lw_batch_restamp(p, n - 1, 1, 1, 1), LW_ERR_MALFORMED);
  cr_assert_eq(lw_batch_restamp(p, 60, 1, 1, 1), LW_ERR_MALFORMED);
  p[16] = 1;
  cr_assert_eq(lw_batch_restamp(p, n, 1, 1, 1), LW_ERR_MALFORMED);
}

/* Patch the 16-bit Attributes and fix the CRC (restamp recomputes it). */
static void set_attributes(uint8_t *p, size_t n, uint16_t attrs) {
  p[21] = (uint8_t)(attrs >> 8);
  p[22] = (uint8_t)attrs;
  cr_assert_eq(lw_batch_restamp(p, n, -1, -1, -1), LW_OK);
}

Test(build, control_batches_skipped_or_kept) {
  build_at_offset(0, LW_CODEC_NONE);
  size_t one = out.len;
  uint8_t *copy = malloc(one);
  memcpy(copy, out.data, one);
  lw_buf_append(&out, copy, one); /* two copies back to back */
  free(copy);
  set_attributes(out.data, one, LW_BATCH_ATTR_CONTROL | LW_BATCH_ATTR_TRANSACTIONAL);
  for (int keep = 0; keep < 2; keep++) {
    lw_records_iter it;
    lw_record r;
    const lw_batch *b;
    lw_records_iter_init(&it, out.data, out.len, 1 << 20, &arena, NULL);
    it.keep_control = keep;
    int n = 0, control = 0;
    while (lw_records_next(&it, &r, &b) == LW_OK) {
      n++;
      control += (b->Attributes & LW_BATCH_ATTR_CONTROL) != 0;
    }
    cr_assert_eq(n, keep ? 40 : 20);
    cr_assert_eq(control, keep ? 20 : 0);
    lw_records_iter_free(&it);
  }
}

Test(build, log_append_time_uses_max_timestamp) {
  build_at_offset(0, LW_CODEC_NONE);
  set_attributes(out.data, out.len, LW_BATCH_ATTR_LOG_APPEND_TIME);
  lw_records_iter it;
  lw_record r;
  lw_records_iter_init(&it, out.data, out.len, 1 << 20, &arena, NULL);
  while (lw_records_next(&it, &r, NULL) == LW_OK)
    cr_assert_eq(r.Timestamp, 119);
  lw_records_iter_free(&it);
}

Test(build, iterator_decompression_ceiling) {
  build_at_offset(0, LW_CODEC_GZIP);
  lw_records_iter it;
  lw_record r;
  lw_records_iter_init(&it, out.data, out.len, 100, &arena, &z);
  cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_TOO_LARGE);
  cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_TOO_LARGE, "sticky");
  lw_records_iter_free(&it);
  set_attributes(out.data, out.len, 5); /* a codec id that does not exist */
  lw_records_iter_init(&it, out.data, out.len, 1 << 20, &arena, &z);
  cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_UNSUPPORTED);
  lw_records_iter_free(&it);
}

Test(build, headers_without_arena_are_counted) {
  build_at_offset(0, LW_CODEC_NONE);
  lw_records_iter it;
  lw_record r;
  lw_records_iter_init(&it, out.data, out.len, 1 << 20, NULL, NULL);
  cr_assert_eq(lw_records_next(&it, &r, NULL), LW_OK);
  cr_assert_eq(r.HeadersCount, 1);
  cr_assert_null(r.Headers);
  lw_records_iter_free(&it);
}

/* One uncompressed batch with one record "k"/"v", no headers; returns the iterator's
 * verdict after `mutate` edited the bytes (CRC fixed afterwards). Record layout from offset
 * 61: Length, Attributes, TimestampDelta, OffsetDelta, KeyLength, Key, ValueLength, Value,
 * HeadersCount. */
static int mutated(void (*mutate)(uint8_t *p, size_t *n)) {
  lw_buf_reset(&out);
  lw_batch_builder bb;
  lw_batch_begin(&bb, &out, 0);
  lw_batch_append(&bb, 0, B("k"), B("v"), NULL, 0);
  lw_batch_finish(&bb, &plain_seal, NULL, NULL);
  size_t n = out.len;
  mutate(out.data, &n);
  out.data[8] = (uint8_t)((n - 12) >> 24); /* BatchLength follows the new size */
  out.data[9] = (uint8_t)((n - 12) >> 16);
  out.data[10] = (uint8_t)((n - 12) >> 8);
  out.data[11] = (uint8_t)(n - 12);
  cr_assert_eq(lw_batch_restamp(out.data, n, -1, -1, -1), LW_OK);
  lw_records_iter it;
  lw_record r;
  int err;
  lw_records_iter_init(&it, out.data, n, 1 << 20, &arena, NULL);
  while ((err = lw_records_next(&it, &r, NULL)) == LW_OK)
    ;
  lw_records_iter_free(&it);
  return err;
}

static void m_none(uint8_t *p, size_t *n) {
  (void)p;
  (void)n;
}
static void m_record_length_long(uint8_t *p, size_t *n) {
  (void)n;
  p[61] += 2; /* zigzag: one more byte than there is */
}
static void m_record_length_short(uint8_t *p, size_t *n) {
  (void)n;
  p[61] -= 2; /* HeadersCount falls outside the record */
}
static void m_record_trailing_byte(uint8_t *p, size_t *n) {
  p[61] += 2; /* one byte more than the fields use */
  p[*n] = 0;
  *n += 1;
}
static void m_count_high(uint8_t *p, size_t *n) {
  (void)n;
  p[60] = 2;
}
static void m_count_zero(uint8_t *p, size_t *n) {
  (void)n;
  p[60] = 0; /* the record becomes trailing bytes */
}
static void m_count_negative(uint8_t *p, size_t *n) {
  (void)n;
  p[57] = 0xff;
}
static void m_key_length_bad(uint8_t *p, size_t *n) {
  (void)n;
  p[65] = 3; /* zigzag -2 */
}
static void m_header_null_key(uint8_t *p, size_t *n) {
  /* HeadersCount 1, HeaderKeyLength -1, HeaderValueLength -1 (Length + 2). */
  p[61] += 4;
  p[*n - 1] = 2;
  p[*n] = 1;
  p[*n + 1] = 1;
  *n += 2;
}
static void m_headers_count_huge(uint8_t *p, size_t *n) {
  p[*n - 1] = 0x7e; /* 63 headers in 0 bytes */
}
static void m_varint_overlong(uint8_t *p, size_t *n) {
  (void)n;
  p[63] = 0x80; /* OffsetDelta continues into the key length... and beyond */
  p[64] |= 0x80;
  p[65] |= 0x80;
  p[66] |= 0x80;
  p[67] |= 0x80;
}

Test(build, crafted_bad_lengths) {
  cr_assert_eq(mutated(m_none), LW_ERR_NOT_FOUND, "unmodified batch is fine");
  cr_assert_eq(mutated(m_record_length_long), LW_ERR_TRUNCATED);
  cr_assert_eq(mutated(m_record_length_short), LW_ERR_TRUNCATED);
  cr_assert_eq(mutated(m_record_trailing_byte), LW_ERR_MALFORMED);
  cr_assert_eq(mutated(m_count_high), LW_ERR_MALFORMED);
  cr_assert_eq(mutated(m_count_zero), LW_ERR_MALFORMED);
  cr_assert_eq(mutated(m_count_negative), LW_ERR_MALFORMED);
  cr_assert_eq(mutated(m_key_length_bad), LW_ERR_MALFORMED);
  cr_assert_eq(mutated(m_header_null_key), LW_ERR_MALFORMED);
  cr_assert_neq(mutated(m_headers_count_huge), LW_ERR_NOT_FOUND);
  cr_assert_neq(mutated(m_varint_overlong), LW_ERR_NOT_FOUND);
}

Test(build, bad_batch_lengths) {
  build_at_offset(0, LW_CODEC_NONE);
  lw_cur c;
  lw_batch b;
  out.data[11] = 48; /* BatchLength below the header size */
  out.data[10] = out.data[9] = out.data[8] = 0;
  lw_cur_init(&c, out.data, out.len);
  cr_assert_eq(lw_batch_decode(&c, &b), LW_ERR_MALFORMED);
  lw_records_iter it;
  lw_record r;
  lw_records_iter_init(&it, out.data, out.len, 1 << 20, &arena, NULL);
  cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_MALFORMED);
  lw_records_iter_free(&it);
  out.data[8] = 0x80; /* negative */
  lw_cur_init(&c, out.data, out.len);
  cr_assert_eq(lw_batch_decode(&c, &b), LW_ERR_MALFORMED);
  lw_records_iter_init(&it, out.data, out.len, 1 << 20, &arena, NULL);
  cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_MALFORMED);
  lw_records_iter_free(&it);
  out.data[8] = 0x10; /* past the end: a partial batch for the iterator */
  lw_cur_init(&c, out.data, out.len);
  cr_assert_eq(lw_batch_decode(&c, &b), LW_ERR_TRUNCATED);
  lw_records_iter_init(&it, out.data, out.len, 1 << 20, &arena, NULL);
  cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_NOT_FOUND);
  lw_records_iter_free(&it);
}

Test(build, unknown_magic_is_unsupported) {
  build_at_offset(0, LW_CODEC_NONE);
  out.data[16] = 3;
  lw_records_iter it;
  lw_record r;
  lw_records_iter_init(&it, out.data, out.len, 1 << 20, &arena, NULL);
  cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_UNSUPPORTED);
  lw_records_iter_free(&it);
}

/* The producer's pattern: one scratch and one codec context for many batches; the same
 * bytes can be sent again (finish is not repeated). */
Test(build, scratch_and_context_reused) {
  for (int round = 0; round < 50; round++) {
    int codec = round % 3 == 0 ? LW_CODEC_NONE : round % 3 == 1 ? LW_CODEC_GZIP : LW_CODEC_LZ4;
    build_at_offset((size_t)round, codec);
    lw_records_iter it;
    lw_record r;
    lw_records_iter_init(&it, out.data + round, out.len - (size_t)round, 1 << 20, &arena, &z);
    int n = 0;
    while (lw_records_next(&it, &r, NULL) == LW_OK)
      n++;
    cr_assert_eq(n, 20);
    lw_records_iter_free(&it);
  }
}

/* The value-only fast path writes exactly the bytes of the general path, at every size and
 * delta around its varint boundaries and past its 4 KiB limit. */
Test(build, append_value_matches_general_path) {
  static uint8_t val[5000];
  for (size_t i = 0; i < sizeof val; i++)
    val[i] = (uint8_t)(i * 31 + 7);
  int32_t lens[] = {0, 1, 50, 52, 53, 54, 63, 64, 110, 4095, 4096, 4999};
  int64_t tds[] = {0, 1, -1, 63, 64, -64, -65, 8191, 8192, -8193, 1000000, -1000000};
  lw_buf gen;
  lw_buf_init(&gen, 64 << 20);
  for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
    int32_t len = lens[li] < (int32_t)sizeof val ? lens[li] : (int32_t)sizeof val;
    lw_buf_reset(&out);
    lw_buf_reset(&gen);
    lw_batch_builder a, b;
    cr_assert_eq(lw_batch_begin(&a, &out, 1000000), LW_OK);
    cr_assert_eq(lw_batch_begin(&b, &gen, 1000000), LW_OK);
    /* 150 records: OffsetDelta crosses the 1-byte varint limit at 64. */
    for (int i = 0; i < 150; i++) {
      int64_t ts = 1000000 + tds[(size_t)i % (sizeof tds / sizeof tds[0])];
      cr_assert_eq(lw_batch_append_value(&a, ts, val, len), LW_OK);
      cr_assert_eq(lw_batch_append(&b, ts, (lw_bytes){NULL, -1}, (lw_bytes){val, len}, NULL, 0),
                   LW_OK);
    }
    cr_assert_eq(out.len, gen.len, "length %d", len);
    cr_assert(memcmp(out.data, gen.data, out.len) == 0, "bytes differ at length %d", len);
    cr_assert_eq(lw_batch_finish(&a, &plain_seal, &z, &scratch), LW_OK);
    cr_assert_eq(lw_batch_finish(&b, &plain_seal, &z, &scratch), LW_OK);
    cr_assert(out.len == gen.len && memcmp(out.data, gen.data, out.len) == 0);
  }
  lw_buf_free(&gen);
}

/* Lines of `n` values built by f(i): length lens[i % nlens], byte pattern from i. Returns the
 * text's length; vals[i]/vlen[i] point at each value inside it. */
static size_t make_lines(uint8_t *text, const uint8_t **vals, int32_t *vlen, int n,
                         const int32_t *lens, int nlens) {
  size_t at = 0;
  for (int i = 0; i < n; i++) {
    int32_t l = lens[i % nlens];
    vals[i] = text + at;
    vlen[i] = l;
    for (int32_t j = 0; j < l; j++)
      text[at++] = (uint8_t)('a' + (i + j) % 26);
    text[at++] = '\n';
  }
  return at;
}

/* The many-lines path writes exactly what lw_batch_append_value writes record by record, across
 * every varint boundary (value lengths, OffsetDelta past 64 and 8192, timestamp deltas of 1
 * to 10 bytes), in one call or in calls cut anywhere. */
Test(build, append_lines_matches_append_value) {
  static uint8_t text[10000 * 120];
  static const uint8_t *vals[10000];
  static int32_t vlen[10000];
  int32_t lens[] = {0, 1, 50, 52, 53, 54, 63, 64, 110, 120, 4095, 4096, 4999, 110, 110, 110};
  int64_t tds[] = {0, 1, -1, 63, 64, -64, -65, 8191, 8192, -8193, 1000000, INT64_MIN / 4};
  lw_buf gen;
  lw_buf_init(&gen, 64 << 20);
  for (size_t ti = 0; ti < sizeof tds / sizeof tds[0]; ti++) {
    /* Long values are rare: 10,000 records keep the batch small enough. */
    int n = ti % 3 == 0 ? 10000 : 200, nlens = ti % 3 == 0 ? 10 : 16;
    int32_t short_lens[] = {0, 1, 50, 63, 64, 110, 120, 110, 110, 110};
    size_t tlen = make_lines(text, vals, vlen, n, ti % 3 == 0 ? short_lens : lens, nlens);
    int64_t ts = 1000000 + tds[ti];
    lw_buf_reset(&out);
    lw_buf_reset(&gen);
    lw_batch_builder a, b;
    cr_assert_eq(lw_batch_begin(&a, &out, 1000000), LW_OK);
    cr_assert_eq(lw_batch_begin(&b, &gen, 1000000), LW_OK);
    for (int i = 0; i < n; i++)
      cr_assert_eq(lw_batch_append_value(&b, ts, vals[i], vlen[i]), LW_OK);
    /* Calls of various sizes, each cut at an arbitrary byte (not at a line end). */
    size_t at = 0, cut = 1;
    int taken = 0;
    while (at < tlen) {
      size_t l = cut < tlen - at ? cut : tlen - at;
      lw_batch_lines bl = {
          .delim = '\n', .len_max = 64 << 20, .room = SIZE_MAX, .extra = 24, .value_max = 1 << 20};
      size_t used = lw_batch_append_lines(&a, ts, text + at, l, &bl);
      cr_assert(used <= l);
      cr_assert_eq(used == 0 ? 0 : text[at + used - 1], used == 0 ? 0 : '\n');
      at += used;
      taken += bl.records;
      if (used == 0) /* the cut fell inside a line: take at least that line next time */
        cut = cut * 2 + 1;
      else
        cut = cut * 3 % 7919 + 1;
    }
    cr_assert_eq(taken, n);
    cr_assert_eq(a.count, n);
    cr_assert_eq(out.len, gen.len, "timestamp delta %" PRId64, tds[ti]);
    cr_assert(memcmp(out.data, gen.data, out.len) == 0, "bytes differ, delta %" PRId64, tds[ti]);
    cr_assert_eq(lw_batch_finish(&a, &plain_seal, &z, &scratch), LW_OK);
    cr_assert_eq(lw_batch_finish(&b, &plain_seal, &z, &scratch), LW_OK);
    cr_assert(out.len == gen.len && memcmp(out.data, gen.data, out.len) == 0);
  }
  lw_buf_free(&gen);
}

/* Each bound stops the call before the first line it refuses, and says what was taken. */
Test(build, append_lines_bounds) {
  const char *text = "aaaa\nbbbbbbbb\ncc\n\nlast-without-newline";
  size_t len = strlen(text);
  const uint8_t *p = (const uint8_t *)text;
  struct {
    size_t len_max, room, value_max;
    int32_t records;
    size_t used, value_bytes;
  } cases[] = {
      /* no bound reached: four lines, the last one (no delimiter) left */
      {1 << 20, SIZE_MAX, 1000, 4, 18, 14},
      /* value_max 7: the 8-byte line stops it */
      {1 << 20, SIZE_MAX, 7, 1, 5, 4},
      /* room: each record counts its value + 10; 14 + 18 = 32 fits, 33 does not */
      {1 << 20, 32, 1000, 2, 14, 12},
      {1 << 20, 31, 1000, 1, 5, 4},
      /* len_max: the header (61) + the first record (4 + 10 <= 14): 75 fits the first line */
      {75, SIZE_MAX, 1000, 1, 5, 4},
      {74, SIZE_MAX, 1000, 0, 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    lw_buf_reset(&out);
    lw_batch_builder bb;
    cr_assert_eq(lw_batch_begin(&bb, &out, 5), LW_OK);
    lw_batch_lines bl = {.delim = '\n',
                         .len_max = cases[i].len_max,
                         .room = cases[i].room,
                         .extra = 10,
                         .value_max = cases[i].value_max};
    size_t used = lw_batch_append_lines(&bb, 7, p, len, &bl);
    cr_assert_eq(used, cases[i].used, "case %zu", i);
    cr_assert_eq(bl.records, cases[i].records, "case %zu", i);
    cr_assert_eq(bb.count, cases[i].records, "case %zu", i);
    cr_assert_eq(bl.value_bytes, cases[i].value_bytes, "case %zu", i);
    if (cases[i].room != SIZE_MAX)
      cr_assert_eq(bl.room, cases[i].room - cases[i].value_bytes - 10 * (size_t)bl.records);
    cr_assert(out.len <= cases[i].len_max || !bl.records);
    if (!bl.records)
      continue;
    /* What was taken reads back as those lines, with the call's timestamp. */
    cr_assert_eq(lw_batch_finish(&bb, &plain_seal, &z, &scratch), LW_OK);
    lw_records_iter it;
    lw_record r;
    lw_records_iter_init(&it, out.data, out.len, 1 << 20, &arena, NULL);
    const char *want[] = {"aaaa", "bbbbbbbb", "cc", ""};
    for (int k = 0; k < bl.records; k++) {
      cr_assert_eq(lw_records_next(&it, &r, NULL), LW_OK);
      cr_assert(bytes_eq(r.Value, B(want[k])));
      cr_assert_eq(r.Key.len, -1);
      cr_assert_eq(r.Timestamp, 7);
    }
    cr_assert_eq(lw_records_next(&it, &r, NULL), LW_ERR_NOT_FOUND);
    lw_records_iter_free(&it);
  }
  /* A finished builder takes nothing. */
  lw_batch_builder bb;
  lw_buf_reset(&out);
  cr_assert_eq(lw_batch_begin(&bb, &out, 5), LW_OK);
  cr_assert_eq(lw_batch_append_value(&bb, 5, "x", 1), LW_OK);
  cr_assert_eq(lw_batch_finish(&bb, &plain_seal, &z, &scratch), LW_OK);
  lw_batch_lines bl = {.delim = '\n', .len_max = 1 << 20, .room = SIZE_MAX, .value_max = 1000};
  cr_assert_eq(lw_batch_append_lines(&bb, 5, p, len, &bl), 0);
  cr_assert_eq(bl.records, 0);
}

/* The inline value path writes exactly the bytes of the general path where it takes a record,
 * and refuses (writing nothing) what is outside its shape: values of 4 KiB and more, deltas
 * of 2^13 and more, a buffer that would have to grow. */
Test(build, try_append_value_matches_general_path) {
  static uint8_t val[5000];
  for (size_t i = 0; i < sizeof val; i++)
    val[i] = (uint8_t)(i * 13 + 1);
  uint32_t lens[] = {0, 1, 50, 52, 53, 54, 63, 64, 110, 4084, 4095, 4096, 4999};
  int64_t tds[] = {0, 1, -1, 63, 64, -64, -65, 8191, 8192, -8192, -8193, 1000000};
  lw_buf gen;
  lw_buf_init(&gen, 64 << 20);
  int taken = 0, refused = 0;
  for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
    lw_buf_reset(&out);
    lw_buf_reset(&gen);
    lw_batch_builder a, b;
    cr_assert_eq(lw_batch_begin(&a, &out, 1000000), LW_OK);
    cr_assert_eq(lw_batch_begin(&b, &gen, 1000000), LW_OK);
    /* 8,300 records: OffsetDelta crosses 64 and 8192. */
    for (int i = 0; i < 8300; i++) {
      int64_t ts = 1000000 + tds[(size_t)i % (sizeof tds / sizeof tds[0])];
      size_t before = out.len;
      if (lw_batch_try_append_value(&a, ts, val, lens[li])) {
        taken++;
        cr_assert(lens[li] < 4096 && i < 8192);
      } else {
        refused++;
        cr_assert_eq(out.len, before, "nothing written when refused");
        cr_assert_eq(lw_batch_append_value(&a, ts, val, (int32_t)lens[li]), LW_OK);
      }
      cr_assert_eq(lw_batch_append(&b, ts, (lw_bytes){NULL, -1}, (lw_bytes){val, (int32_t)lens[li]},
                                   NULL, 0),
                   LW_OK);
    }
    cr_assert_eq(a.count, b.count);
    cr_assert_eq(out.len, gen.len, "length %u", lens[li]);
    cr_assert(memcmp(out.data, gen.data, out.len) == 0, "bytes differ at length %u", lens[li]);
    cr_assert_eq(lw_batch_finish(&a, &plain_seal, &z, &scratch), LW_OK);
    cr_assert_eq(lw_batch_finish(&b, &plain_seal, &z, &scratch), LW_OK);
    cr_assert(out.len == gen.len && memcmp(out.data, gen.data, out.len) == 0);
  }
  cr_assert(taken > 50000 && refused > 20000, "taken %d refused %d", taken, refused);
  lw_buf_free(&gen);
}
