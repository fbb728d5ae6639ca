/* test_json.c — JSON writer: escaping (against a byte-at-a-time reference on random input, so
 * the word-at-a-time fast path is checked at every alignment), invalid UTF-8, numbers,
 * structure and misuse, records and timestamps. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/err.h"

static lw_buf b;
static void setup(void) {
  lw_buf_init(&b, 1 << 20);
}
static void teardown(void) {
  lw_buf_free(&b);
}
TestSuite(json, .init = setup, .fini = teardown);

static const char *text(void) {
  lw_buf_put_u8(&b, 0);
  b.len--;
  return (const char *)b.data;
}

static void esc_is(const char *in, size_t n, const char *want) {
  lw_buf_reset(&b);
  cr_assert_eq(lw_json_escape(&b, in, n), LW_OK);
  cr_assert_str_eq(text(), want);
}

Test(json, escapes_specials_and_controls) {
  esc_is("", 0, "\"\"");
  esc_is("plain text", 10, "\"plain text\"");
  esc_is("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"");
  esc_is("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
  esc_is("\x00\x01\x1f\x7f", 4, "\"\\u0000\\u0001\\u001f\x7f\"");
}

Test(json, utf8_kept_and_invalid_bytes_escaped) {
  esc_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
         "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  esc_is("\xff", 1, "\"\\u00ff\"");
  esc_is("\x80x", 2, "\"\\u0080x\"");                                /* stray continuation */
  esc_is("\xc0\x80", 2, "\"\\u00c0\\u0080\"");                       /* overlong NUL */
  esc_is("\xe0\x80\xaf", 3, "\"\\u00e0\\u0080\\u00af\"");            /* overlong '/' */
  esc_is("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"");            /* surrogate U+D800 */
  esc_is("\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\""); /* past U+10FFFF */
  esc_is("ab\xe2\x82", 4, "\"ab\\u00e2\\u0082\"");                   /* cut short at the end */
  esc_is("\xe2\x82z", 3, "\"\\u00e2\\u0082z\"");                     /* cut short by ASCII */
  esc_is("Gr\xfc\xdf", 4, "\"Gr\\u00fc\\u00df\"");                   /* Latin-1 "Grüß" */
}

/* Byte-at-a-time reference of the documented rules. */
static void ref_escape(lw_buf *o, const uint8_t *p, size_t n) {
  lw_buf_put_u8(o, '"');
  for (size_t i = 0; i < n;) {
    uint8_t c = p[i];
    size_t k = 0;
    uint32_t cp = 0;
    if (c < 0x80)
      k = 1;
    else if ((c & 0xE0) == 0xC0)
      k = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
      k = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
      k = 4, cp = c & 0x07;
    bool ok = k >= 1 && i + k <= n;
    for (size_t m = 1; ok && m < k; m++) {
      ok = (p[i + m] & 0xC0) == 0x80;
      cp = cp << 6 | (p[i + m] & 0x3F);
    }
    if (ok && k > 1) {
      static const uint32_t minv[5] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= minv[k] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok && k > 1) {
      lw_buf_append(o, p + i, k);
      i += k;
      continue;
    }
    char t[8];
    if (c == '"' || c == '\\')
      snprintf(t, sizeof t, "\\%c", c);
    else if (c == '\n')
      snprintf(t, sizeof t, "\\n");
    else if (c == '\r')
      snprintf(t, sizeof t, "\\r");
    else if (c == '\t')
      snprintf(t, sizeof t, "\\t");
    else if (c == '\b')
      snprintf(t, sizeof t, "\\b");
    else if (c == '\f')
      snprintf(t, sizeof t, "\\f");
    else if (c < 0x20 || c >= 0x80)
      snprintf(t, sizeof t, "\\u%04x", c);
    else
      snprintf(t, sizeof t, "%c", c);
    lw_buf_append(o, t, strlen(t));
    i++;
  }
  lw_buf_put_u8(o, '"');
}

Test(json, escaper_matches_reference_on_random_input) {
  lw_buf ref;
  lw_buf_init(&ref, 1 << 20);
  uint64_t x = 0x9E3779B97F4A7C15ull;
  uint8_t in[200];
  for (int iter = 0; iter < 20000; iter++) {
    size_t n = (size_t)(iter % 70);
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      /* Mostly ASCII letters, sometimes specials, high bytes or valid sequences. */
      unsigned r = (unsigned)(x >> 32) % 100;
      if (r < 80)
        in[i] = (uint8_t)('a' + (x % 26));
      else if (r < 88)
        in[i] = (uint8_t)("\"\\\n\x01\x1f \x7f/"[x % 8]);
      else
        in[i] = (uint8_t)(0x80 + (x % 128));
    }
    if (iter % 5 == 0 && n >= 4) /* plant a valid 3-byte sequence */
      memcpy(in + (size_t)iter % (n - 2), "\xe2\x82\xac", 3);
    lw_buf_reset(&b);
    lw_buf_reset(&ref);
    cr_assert_eq(lw_json_escape(&b, in, n), LW_OK);
    ref_escape(&ref, in, n);
    cr_assert_eq(b.len, ref.len, "iteration %d", iter);
    cr_assert_arr_eq(b.data, ref.data, b.len, "iteration %d", iter);
  }
  lw_buf_free(&ref);
}

Test(json, structure_commas_and_nesting) {
  lw_json j;
  lw_json_init(&j, &b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "a");
  lw_json_int(&j, -5);
  lw_json_key(&j, "list");
  lw_json_arr_begin(&j);
  lw_json_uint(&j, UINT64_MAX);
  lw_json_int(&j, INT64_MIN);
  lw_json_bool(&j, true);
  lw_json_bool(&j, false);
  lw_json_null(&j);
  lw_json_str(&j, NULL);
  lw_json_arr_begin(&j);
  lw_json_arr_end(&j);
  lw_json_obj_begin(&j);
  lw_json_obj_end(&j);
  lw_json_arr_end(&j);
  lw_json_key(&j, "k\"q");
  lw_json_str(&j, "v");
  lw_json_key(&j, "raw");
  lw_json_raw(&j, "[1,2]", 5);
  lw_json_obj_end(&j);
  cr_assert_eq(lw_json_finish(&j), LW_OK);
  cr_assert_str_eq(text(), "{\"a\":-5,\"list\":[18446744073709551615,-9223372036854775808,true,"
                           "false,null,null,[],{}],\"k\\\"q\":\"v\",\"raw\":[1,2]}");
}

Test(json, doubles_shortest_round_trip) {
  double v[] = {0.1, 1.5, -2.0, 1e300, 1.0 / 3, 0.1 + 0.2, 0.0, 123456789.125, NAN, INFINITY};
  const char *want =
      "[0.1,1.5,-2,1e+300,0.3333333333333333,0.30000000000000004,0,123456789.125,null,null]";
  lw_json j;
  lw_json_init(&j, &b);
  lw_json_arr_begin(&j);
  for (size_t i = 0; i < sizeof v / sizeof *v; i++)
    lw_json_double(&j, v[i]);
  lw_json_arr_end(&j);
  cr_assert_eq(lw_json_finish(&j), LW_OK);
  cr_assert_str_eq(text(), want);
}

Test(json, misuse_is_reported) {
  lw_json j;
  lw_json_init(&j, &b); /* value where a key is due */
  lw_json_obj_begin(&j);
  lw_json_int(&j, 1);
  lw_json_obj_end(&j);
  cr_assert_eq(lw_json_finish(&j), LW_ERR_INVALID_ARG);

  lw_json_init(&j, &b); /* unclosed */
  lw_json_arr_begin(&j);
  cr_assert_eq(lw_json_finish(&j), LW_ERR_INVALID_ARG);

  lw_json_init(&j, &b); /* key without value */
  lw_json_obj_begin(&j);
  lw_json_key(&j, "k");
  lw_json_obj_end(&j);
  cr_assert_eq(lw_json_finish(&j), LW_ERR_INVALID_ARG);

  lw_json_init(&j, &b); /* mismatched close */
  lw_json_arr_begin(&j);
  lw_json_obj_end(&j);
  cr_assert_eq(lw_json_finish(&j), LW_ERR_INVALID_ARG);

  lw_json_init(&j, &b); /* two top-level values */
  lw_json_int(&j, 1);
  lw_json_int(&j, 2);
  cr_assert_eq(lw_json_finish(&j), LW_ERR_INVALID_ARG);

  lw_json_init(&j, &b); /* too deep */
  for (int i = 0; i <= LW_JSON_MAX_DEPTH; i++)
    lw_json_arr_begin(&j);
  cr_assert_eq(lw_json_finish(&j), LW_ERR_INVALID_ARG);
}

Test(json, buffer_ceiling_is_an_error) {
  lw_buf small;
  lw_buf_init(&small, 16);
  lw_json j;
  lw_json_init(&j, &small);
  lw_json_str(&j, "this string is longer than sixteen bytes");
  cr_assert_eq(lw_json_finish(&j), LW_ERR_TOO_LARGE);
  lw_buf_reset(&small);
  /* Escapes can push past the ceiling even when the input fits. */
  cr_assert_eq(lw_json_escape(&small, "\x01\x01\x01", 3), LW_ERR_TOO_LARGE);
  lw_buf_free(&small);
}

Test(json, timestamps) {
  char ts[32];
  cr_assert_eq(lw_json_fmt_ts(ts, 0), 24);
  cr_assert_str_eq(ts, "1970-01-01T00:00:00.000Z");
  lw_json_fmt_ts(ts, 1795367200123);
  cr_assert_str_eq(ts, "2026-11-22T17:06:40.123Z");
  lw_json_fmt_ts(ts, 1795367200999); /* same second, cached */
  cr_assert_str_eq(ts, "2026-11-22T17:06:40.999Z");
  lw_json_fmt_ts(ts, 951868799999);
  cr_assert_str_eq(ts, "2000-02-29T23:59:59.999Z");
  lw_json_fmt_ts(ts, -1);
  cr_assert_str_eq(ts, "1969-12-31T23:59:59.999Z");
}

Test(json, record_shape) {
  cr_assert_eq(lw_json_record(&b, "web-1", "/var/log/a \"b\".log", 1234, 1795367200123,
                              "GET / 200\t\xff", 11),
               LW_OK);
  cr_assert_str_eq(text(), "{\"host\":\"web-1\",\"path\":\"/var/log/a \\\"b\\\".log\","
                           "\"offset\":1234,\"ts\":\"2026-11-22T17:06:40.123Z\","
                           "\"message\":\"GET / 200\\t\\u00ff\"}");
}

/* parse = json: the line's members merged with logwire's, the line winning a clash. */
static int merge(const char *line, const char *const *names, const char *const *values, size_t nf) {
  lw_jtok toks[64];
  return lw_json_record_merge(&b, "web-1", "/var/log/a.log", 7, 1795367200123, line, strlen(line),
                              names, values, nf, toks, 64);
}

Test(json, merge_object_members) {
  const char *names[] = {"env"}, *values[] = {"prod"};
  cr_assert_eq(merge(" {\"level\":\"info\", \"n\":[1,{\"a\":null}]} ", names, values, 1), LW_OK);
  cr_assert_str_eq(text(), "{\"host\":\"web-1\",\"path\":\"/var/log/a.log\",\"offset\":7,"
                           "\"ts\":\"2026-11-22T17:06:40.123Z\",\"env\":\"prod\","
                           "\"level\":\"info\", \"n\":[1,{\"a\":null}]}");
  lw_jtok toks[64];
  lw_jdoc d; /* the merged record is itself valid JSON */
  cr_assert_eq(lw_json_parse(&d, (const char *)b.data, b.len, toks, 64, 8), LW_OK);
  cr_assert_eq(toks[0].n, 7);
}

Test(json, merge_line_wins_clash) {
  const char *names[] = {"env", "team"}, *values[] = {"prod", "web"};
  cr_assert_eq(merge("{\"ts\":\"then\",\"h\\u006fst\":1,\"env\":\"dev\"}", names, values, 2),
               LW_OK);
  cr_assert_str_eq(text(), "{\"path\":\"/var/log/a.log\",\"offset\":7,\"team\":\"web\","
                           "\"ts\":\"then\",\"h\\u006fst\":1,\"env\":\"dev\"}");
}

Test(json, merge_fields_win_over_metadata) {
  const char *names[] = {"host", "env", "env"}, *values[] = {"fixed", "a", "b"};
  cr_assert_eq(merge("{\"ts\":1}", names, values, 3), LW_OK);
  cr_assert_str_eq(text(), "{\"path\":\"/var/log/a.log\",\"offset\":7,\"host\":\"fixed\","
                           "\"env\":\"a\",\"ts\":1}");
}

Test(json, merge_empty_object) {
  cr_assert_eq(merge("{}", NULL, NULL, 0), LW_OK);
  cr_assert_str_eq(text(), "{\"host\":\"web-1\",\"path\":\"/var/log/a.log\",\"offset\":7,"
                           "\"ts\":\"2026-11-22T17:06:40.123Z\"}");
}

Test(json, merge_refuses_non_objects) {
  const char *bad[] = {"plain text", "[1,2]",      "\"s\"", "42",
                       "{\"a\":1",   "{\"a\":1}x", "",      "{\"a\":\"\xff\"}"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_assert_eq(merge(bad[i], NULL, NULL, 0), LW_ERR_MALFORMED, "%s", bad[i]);
    cr_assert_eq(b.len, 0, "b untouched for %s", bad[i]);
  }
  lw_jtok toks[4];
  cr_assert_eq(
      lw_json_record_merge(&b, "h", "/p", 0, 0, "{\"a\":[1,2,3,4]}", 15, NULL, NULL, 0, toks, 4),
      LW_ERR_TOO_LARGE);
  cr_assert_eq(b.len, 0);
}
