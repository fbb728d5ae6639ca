/* test_wire.c — Kafka primitive types: buffer ceiling, big-endian ints, varints, strings,
 * arrays, tagged fields, the bounded cursor and splices. */
#include <criterion/criterion.h>
#include <string.h>

#include "proto/wire.h"

static lw_buf b;
static void setup(void) {
  lw_buf_init(&b, 1 << 20);
}
static void teardown(void) {
  lw_buf_free(&b);
}
TestSuite(wire, .init = setup, .fini = teardown);

Test(wire, fixed_ints_big_endian) {
  lw_buf_put_i16(&b, 0x0102);
  lw_buf_put_i32(&b, -2);
  lw_buf_put_i64(&b, 0x0102030405060708LL);
  const uint8_t want[] = {1, 2, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8};
  cr_assert_eq(b.len, sizeof want);
  cr_assert_arr_eq(b.data, want, sizeof want);
  lw_cur c;
  lw_cur_init(&c, b.data, b.len);
  cr_assert_eq(lw_rd_i16(&c, "a"), 0x0102);
  cr_assert_eq(lw_rd_i32(&c, "b"), -2);
  cr_assert_eq(lw_rd_i64(&c, "c"), 0x0102030405060708LL);
  cr_assert_eq(lw_cur_done(&c), LW_OK);
}

Test(wire, zigzag_varints_known_encodings) {
  /* Values and encodings from the protobuf/Kafka zigzag definition. */
  struct {
    int64_t v;
    uint8_t enc[10];
    int n;
  } cases[] = {{0, {0x00}, 1},   {-1, {0x01}, 1},       {1, {0x02}, 1},
               {-64, {0x7f}, 1}, {64, {0x80, 0x01}, 2}, {300, {0xd8, 0x04}, 2}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    lw_buf_reset(&b);
    lw_buf_put_varint(&b, (int32_t)cases[i].v);
    cr_assert_eq(b.len, (size_t)cases[i].n, "case %zu", i);
    cr_assert_arr_eq(b.data, cases[i].enc, (size_t)cases[i].n);
    cr_assert_eq(lw_varint_size((int32_t)cases[i].v), cases[i].n);
    lw_cur c;
    lw_cur_init(&c, b.data, b.len);
    cr_assert_eq(lw_rd_varint(&c, "v"), cases[i].v);
    cr_assert_eq(lw_cur_done(&c), LW_OK);
  }
}

Test(wire, varint_limits_round_trip) {
  int32_t vi[] = {INT32_MIN, INT32_MAX, -65, 8191, -8192};
  int64_t vl[] = {INT64_MIN, INT64_MAX, -1, 1LL << 40};
  for (size_t i = 0; i < 5; i++)
    lw_buf_put_varint(&b, vi[i]);
  for (size_t i = 0; i < 4; i++)
    lw_buf_put_varlong(&b, vl[i]);
  lw_buf_put_uvarint(&b, UINT32_MAX);
  lw_cur c;
  lw_cur_init(&c, b.data, b.len);
  for (size_t i = 0; i < 5; i++)
    cr_assert_eq(lw_rd_varint(&c, "v"), vi[i]);
  for (size_t i = 0; i < 4; i++)
    cr_assert_eq(lw_rd_varlong(&c, "v"), vl[i]);
  cr_assert_eq(lw_rd_uvarint(&c, "u"), UINT32_MAX);
  cr_assert_eq(lw_cur_done(&c), LW_OK);
}

Test(wire, overlong_varint_is_malformed) {
  const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  lw_cur c;
  lw_cur_init(&c, six, sizeof six);
  (void)lw_rd_varint(&c, "v");
  cr_assert_eq(c.err, LW_ERR_MALFORMED);
  const uint8_t big5[] = {0xff, 0xff, 0xff, 0xff, 0x1f}; /* > 32 bits */
  lw_cur_init(&c, big5, sizeof big5);
  (void)lw_rd_uvarint(&c, "v");
  cr_assert_eq(c.err, LW_ERR_MALFORMED);
  const uint8_t cut[] = {0x80, 0x80};
  lw_cur_init(&c, cut, sizeof cut);
  (void)lw_rd_varlong(&c, "v");
  cr_assert_eq(c.err, LW_ERR_TRUNCATED);
}

Test(wire, strings_classic_compact_and_null) {
  lw_put_str(&b, false, lw_str_c("abc"));
  lw_put_str(&b, true, lw_str_c("abc"));
  lw_put_str(&b, false, LW_STR_NULL);
  lw_put_str(&b, true, LW_STR_NULL);
  const uint8_t want[] = {0, 3, 'a', 'b', 'c', 4, 'a', 'b', 'c', 0xff, 0xff, 0};
  cr_assert_eq(b.len, sizeof want);
  cr_assert_arr_eq(b.data, want, sizeof want);
  lw_cur c;
  lw_cur_init(&c, b.data, b.len);
  cr_assert(lw_str_eq(lw_rd_string(&c, false, "s"), "abc"));
  cr_assert(lw_str_eq(lw_rd_string(&c, true, "s"), "abc"));
  cr_assert_eq(lw_rd_nstring(&c, false, "s").len, -1);
  cr_assert_eq(lw_rd_nstring(&c, true, "s").len, -1);
  cr_assert_eq(lw_cur_done(&c), LW_OK);
  /* A null where the field is not nullable is an error, not a crash. */
  lw_cur_init(&c, want + 9, 2);
  (void)lw_rd_string(&c, false, "s");
  cr_assert_eq(c.err, LW_ERR_MALFORMED);
}

Test(wire, negative_and_oversized_lengths) {
  const uint8_t neg[] = {0xff, 0xfe, 'x'};
  lw_cur c;
  lw_cur_init(&c, neg, sizeof neg);
  (void)lw_rd_nstring(&c, false, "s");
  cr_assert_eq(c.err, LW_ERR_MALFORMED);
  const uint8_t big[] = {0x7f, 0xff, 'x'};
  lw_cur_init(&c, big, sizeof big);
  (void)lw_rd_nstring(&c, false, "s");
  cr_assert_eq(c.err, LW_ERR_TRUNCATED);
  const uint8_t arr[] = {0x00, 0x10, 0x00, 0x00, 1, 2, 3};
  lw_cur_init(&c, arr, sizeof arr);
  cr_assert_eq(lw_rd_array(&c, false, "a", 4), 0);
  cr_assert_eq(c.err, LW_ERR_TRUNCATED);
}

Test(wire, sticky_errors_return_zero) {
  const uint8_t one[] = {7};
  lw_cur c;
  lw_cur_init(&c, one, 1);
  cr_assert_eq(lw_rd_i32(&c, "x"), 0);
  cr_assert_eq(lw_rd_i8(&c, "y"), 0, "reads after an error return zero");
  cr_assert_eq(c.err, LW_ERR_TRUNCATED);
}

Test(wire, tagged_fields_unknown_skipped) {
  /* Two tagged fields: tag 0 with 2 bytes, tag 7 with 1 byte; then an int8 after. */
  const uint8_t t[] = {2, 0, 2, 0xaa, 0xbb, 7, 1, 0xcc, 0x55};
  lw_cur c;
  lw_cur_init(&c, t, sizeof t);
  uint32_t n = lw_rd_tag_count(&c, true);
  cr_assert_eq(n, 2);
  lw_cur sub;
  cr_assert_eq(lw_rd_tag(&c, &sub), 0);
  cr_assert_eq(lw_rd_i16(&sub, "x"), (int16_t)0xaabb);
  cr_assert_eq(lw_rd_tag(&c, &sub), 7);
  cr_assert_eq(lw_rd_i8(&c, "after"), 0x55);
  lw_cur_init(&c, t, sizeof t);
  lw_rd_tags_skip(&c, true);
  cr_assert_eq(lw_rd_i8(&c, "after"), 0x55);
  cr_assert_eq(lw_cur_done(&c), LW_OK);
}

Test(wire, ceiling_is_an_error_not_a_crash) {
  lw_buf small;
  lw_buf_init(&small, 8);
  lw_buf_put_i64(&small, 1);
  cr_assert_eq(small.err, LW_OK);
  lw_buf_put_u8(&small, 1);
  cr_assert_eq(small.err, LW_ERR_TOO_LARGE);
  cr_assert_eq(small.len, 8);
  lw_buf_free(&small);
}

Test(wire, splices_give_a_gather_list) {
  static const char big[] = "0123456789";
  lw_buf_put_i32(&b, 0);
  lw_buf_splice(&b, big, 10);
  lw_buf_put_u8(&b, 'Z');
  lw_buf_patch_i32(&b, 0, (int32_t)lw_buf_total_since(&b, 4));
  cr_assert_eq(lw_buf_total(&b), 15);
  struct iovec iov[4];
  cr_assert_eq(lw_buf_iov(&b, iov, 4), 3);
  cr_assert_eq(iov[1].iov_base, big);
  lw_buf flat;
  lw_buf_init(&flat, 100);
  cr_assert_eq(lw_buf_flatten(&b, &flat), LW_OK);
  cr_assert_eq(flat.len, 15);
  cr_assert_eq(memcmp(flat.data,
                      "\0\0\0\x0b"
                      "0123456789Z",
                      15),
               0);
  lw_buf_free(&flat);
}

Test(wire, arena_ceiling) {
  lw_arena a;
  lw_arena_init(&a, 1000);
  cr_assert_not_null(lw_arena_alloc(&a, 500));
  cr_assert_null(lw_arena_alloc(&a, 600));
  lw_arena_free(&a);
}
