/* test_json_parse.c — the JSON parser: accepted and refused documents (RFC 8259 cases),
 * token layout and lookups, string decoding (escapes, surrogate pairs), 64-bit integers as
 * numbers or strings, the depth and token caps, every truncated prefix refused, and the
 * writer's output read back. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/json.h"
#include "base/err.h"

static lw_jtok toks[256];

static int parse(lw_jdoc *d, const char *s) {
  return lw_json_parse(d, s, strlen(s), toks, 256, 16);
}

Test(json_parse, accepts_and_refuses) {
  lw_jdoc d;
  const char *good[] = {"0",
                        "-0.5e+3",
                        "\"\"",
                        " [ ] ",
                        "{}",
                        "[1,[2,{\"a\":null}],true,false]",
                        "\"\\u00e9\\ud83d\\ude00\\n\"",
                        "\"caf\xc3\xa9\"",
                        "1E5"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    cr_assert_eq(parse(&d, good[i]), LW_OK, "%s", good[i]);
  const char *bad[] = {"",
                       "01",
                       "1.",
                       "-",
                       ".5",
                       "[1,]",
                       "{\"a\"}",
                       "{\"a\":1,}",
                       "[1 2]",
                       "{1:2}",
                       "\"\\x\"",
                       "\"\\ud800\"",
                       "\"\\udc00x\"",
                       "\"a\tb\"",
                       "\"\xc3\"",
                       "\"\xed\xa0\x80\"",
                       "nul",
                       "tru",
                       "[",
                       "]",
                       "{\"a\":1}}",
                       "1 2",
                       "\"abc",
                       "[1,2",
                       "{\"a\":}"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_assert_eq(parse(&d, bad[i]), LW_ERR_MALFORMED, "%s", bad[i]);
}

Test(json_parse, lookups_and_types) {
  lw_jdoc d;
  const char *s = "{\"header\":{\"revision\":\"42\",\"raft_term\":\"2\"},"
                  "\"kvs\":[{\"key\":\"YQ==\",\"mod_revision\":\"7\"},{\"key\":\"Yg==\"}],"
                  "\"count\":2,\"more\":false,\"k\\u0065y\":\"v\"}";
  cr_assert_eq(parse(&d, s), LW_OK);
  int64_t v;
  cr_assert_eq(lw_jdoc_i64(&d, lw_jdoc_get(&d, lw_jdoc_get(&d, 0, "header"), "revision"), &v),
               LW_OK);
  cr_assert_eq(v, 42);
  int kvs = lw_jdoc_get(&d, 0, "kvs");
  cr_assert_eq(lw_jdoc_type(&d, kvs), LW_JARR);
  cr_assert_eq(d.t[kvs].n, 2);
  int second = lw_jdoc_at(&d, kvs, 1);
  cr_assert(lw_jdoc_streq(&d, lw_jdoc_get(&d, second, "key"), "Yg=="));
  cr_assert_eq(lw_jdoc_at(&d, kvs, 2), -1);
  cr_assert_eq(lw_jdoc_i64(&d, lw_jdoc_get(&d, 0, "count"), &v), LW_OK);
  cr_assert_eq(v, 2);
  cr_assert_eq(lw_jdoc_bool(&d, lw_jdoc_get(&d, 0, "more"), true), false);
  cr_assert_eq(lw_jdoc_get(&d, 0, "missing"), -1);
  cr_assert_eq(lw_jdoc_get(&d, -1, "chained"), -1);
  cr_assert(lw_jdoc_streq(&d, lw_jdoc_get(&d, 0, "key"), "v")); /* escaped key */
  cr_assert_eq(d.t[0].next, d.ntok);
}

Test(json_parse, strings_decode) {
  lw_jdoc d;
  cr_assert_eq(parse(&d, "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\""), LW_OK);
  char out[64];
  cr_assert_eq(lw_jdoc_strz(&d, 0, out, sizeof out), LW_OK);
  cr_assert_str_eq(out, "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
  cr_assert_eq(lw_jdoc_strz(&d, 0, out, 4), LW_ERR_TOO_LARGE);
  cr_assert_eq(parse(&d, "\"a\\u0000b\""), LW_OK);
  cr_assert_eq(lw_jdoc_strz(&d, 0, out, sizeof out), LW_ERR_MALFORMED);
}

Test(json_parse, integers) {
  lw_jdoc d;
  int64_t v;
  cr_assert_eq(parse(&d, "[\"9223372036854775807\",-9223372036854775808,"
                         "\"9223372036854775808\",1.5,\"x\",\"\"]"),
               LW_OK);
  cr_assert_eq(lw_jdoc_i64(&d, lw_jdoc_at(&d, 0, 0), &v), LW_OK);
  cr_assert_eq(v, INT64_MAX);
  cr_assert_eq(lw_jdoc_i64(&d, lw_jdoc_at(&d, 0, 1), &v), LW_OK);
  cr_assert_eq(v, INT64_MIN);
  cr_assert_eq(lw_jdoc_i64(&d, lw_jdoc_at(&d, 0, 2), &v), LW_ERR_TOO_LARGE);
  cr_assert_eq(lw_jdoc_i64(&d, lw_jdoc_at(&d, 0, 3), &v), LW_ERR_INVALID_ARG);
  cr_assert_eq(lw_jdoc_i64(&d, lw_jdoc_at(&d, 0, 4), &v), LW_ERR_INVALID_ARG);
  cr_assert_eq(lw_jdoc_i64(&d, lw_jdoc_at(&d, 0, 5), &v), LW_ERR_INVALID_ARG);
}

Test(json_parse, caps) {
  lw_jdoc d;
  char deep[64];
  memset(deep, '[', 17);
  memset(deep + 17, ']', 17);
  deep[34] = 0;
  cr_assert_eq(parse(&d, deep), LW_ERR_TOO_LARGE); /* depth 17 > 16 */
  deep[33] = 0;
  cr_assert_eq(parse(&d, deep + 1), LW_OK); /* depth 16 */
  cr_assert_eq(lw_json_parse(&d, "[1,2,3]", 7, toks, 3, 16), LW_ERR_TOO_LARGE);
  cr_assert_eq(lw_json_parse(&d, "[1,2,3]", 7, toks, 4, 16), LW_OK);
}

Test(json_parse, every_prefix_is_refused_and_writer_reads_back) {
  lw_buf b;
  lw_buf_init(&b, 4096);
  lw_json j;
  lw_json_init(&j, &b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "s");
  lw_json_strn(&j, "\x01\xff\"x", 4);
  lw_json_key(&j, "n");
  lw_json_int(&j, -12);
  lw_json_key(&j, "a");
  lw_json_arr_begin(&j);
  lw_json_double(&j, 0.25);
  lw_json_bool(&j, true);
  lw_json_null(&j);
  lw_json_arr_end(&j);
  lw_json_obj_end(&j);
  cr_assert_eq(lw_json_finish(&j), LW_OK);
  lw_jdoc d;
  cr_assert_eq(lw_json_parse(&d, (char *)b.data, b.len, toks, 256, 16), LW_OK);
  char s[16];
  cr_assert_eq(lw_jdoc_strz(&d, lw_jdoc_get(&d, 0, "s"), s, sizeof s), LW_OK);
  cr_assert_str_eq(s, "\x01\xc3\xbf\"x"); /* 0xff read as Latin-1 */
  for (size_t k = 0; k < b.len; k++)
    cr_assert_neq(lw_json_parse(&d, (char *)b.data, k, toks, 256, 16), LW_OK, "prefix %zu", k);
  lw_buf_free(&b);
}
