/* test_log.c — logfmt lines: exact text, quoting and escaping, redaction of secrets, the level
 * threshold, the capture sink, the hook adapter for tail/ and net/, and long-line cutting. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "agent/log.h"
#include "base/err.h"

#define T0 1795367200123 /* 2026-11-22T17:06:40.123Z */

static char got[LW_LOG_LINE_MAX + 1];
static size_t gotn;
static int lines, last_level;

static void capture(void *ud, int level, const char *line, size_t len) {
  (void)ud;
  memcpy(got, line, len);
  got[len] = 0;
  gotn = len;
  lines++;
  last_level = level;
}

static void setup(void) {
  lines = 0;
  got[0] = 0;
  lw_log_set_level(LW_LOG_INFO);
  lw_log_set_sink(capture, NULL);
}
static void teardown(void) {
  lw_log_set_sink(NULL, NULL);
}
TestSuite(log, .init = setup, .fini = teardown);

static const char *fmt(int level, const char *msg, const lw_kv *kv) {
  static char out[LW_LOG_LINE_MAX + 1];
  size_t n = lw_log_format(out, T0, level, msg, kv);
  out[n] = 0;
  return out;
}

Test(log, exact_line_with_typed_fields) {
  lw_kv kv[] = {
      LW_S("broker", "k1:9092"), LW_I("attempt", -2),    LW_U("bytes", 18446744073709551615u),
      LW_F("ratio", 0.25),       LW_B("tls", true),      LW_SN("part", "abcdef", 3),
      LW_S("none", NULL),        LW_E(LW_ERR_TIMED_OUT), LW_KV_END_};
  cr_assert_str_eq(fmt(LW_LOG_INFO, "connected", kv),
                   "2026-11-22T17:06:40.123Z level=info msg=\"connected\" broker=k1:9092 "
                   "attempt=-2 bytes=18446744073709551615 ratio=0.25 tls=true part=abc none=null "
                   "err=TIMED_OUT\n");
}

Test(log, quoting_and_escaping) {
  lw_kv kv[] = {LW_S("path", "/var/log/my app.log"),
                LW_S("empty", ""),
                LW_S("eq", "a=b"),
                LW_S("q", "say \"hi\" \\o/"),
                LW_S("ctl", "a\nb\tc\x01\x7f"),
                LW_S("plain", "back\\slash"),
                LW_S("utf8", "caf\xc3\xa9"),
                LW_S("bad key!", "v"),
                LW_KV_END_};
  cr_assert_str_eq(fmt(LW_LOG_WARN, "line 1\nline 2", kv),
                   "2026-11-22T17:06:40.123Z level=warn msg=\"line 1\\nline 2\" "
                   "path=\"/var/log/my app.log\" empty=\"\" eq=\"a=b\" "
                   "q=\"say \\\"hi\\\" \\\\o/\" ctl=\"a\\nb\\tc\\u0001\\u007f\" "
                   "plain=back\\slash utf8=caf\xc3\xa9 bad_key_=v\n");
}

Test(log, secrets_are_redacted) {
  lw_kv kv[] = {LW_S("sasl_password", "hunter2"),
                LW_S("ssl.key.password", "pw"),
                LW_S("client_secret", "x"),
                LW_S("DB_PASSWORD", "y"),
                LW_I("secret_pin", 1234),
                LW_S("user", "alice"),
                LW_KV_END_};
  cr_assert_str_eq(fmt(LW_LOG_ERROR, "auth", kv),
                   "2026-11-22T17:06:40.123Z level=error msg=\"auth\" sasl_password=*** "
                   "ssl.key.password=*** client_secret=*** DB_PASSWORD=*** secret_pin=*** "
                   "user=alice\n");
}

Test(log, threshold_and_sink) {
  lw_log(LW_LOG_DEBUG, "hidden");
  cr_assert_eq(lines, 0);
  lw_log(LW_LOG_INFO, "shown", LW_I("n", 1));
  cr_assert_eq(lines, 1);
  cr_assert_eq(last_level, LW_LOG_INFO);
  /* The timestamp is the wall clock: check its shape, then the rest exactly. */
  cr_assert_eq(gotn, 24 + strlen(" level=info msg=\"shown\" n=1\n"));
  cr_assert_eq(got[4], '-');
  cr_assert_eq(got[10], 'T');
  cr_assert_eq(got[19], '.');
  cr_assert_eq(got[23], 'Z');
  cr_assert_str_eq(got + 24, " level=info msg=\"shown\" n=1\n");
  lw_log_set_level(LW_LOG_ERROR);
  lw_log(LW_LOG_WARN, "hidden");
  cr_assert_eq(lines, 1);
  cr_assert_eq(lw_log_get_level(), LW_LOG_ERROR);
  lw_log_set_level(LW_LOG_DEBUG);
  lw_log(LW_LOG_DEBUG, "now shown");
  cr_assert_eq(lines, 2);
  cr_assert(lw_log_enabled(LW_LOG_DEBUG));
}

static int evaluated;
static const char *expensive(void) {
  evaluated++;
  return "v";
}

Test(log, disabled_levels_do_not_evaluate_fields) {
  evaluated = 0;
  lw_log(LW_LOG_DEBUG, "x", LW_S("k", expensive()));
  cr_assert_eq(evaluated, 0);
  lw_log(LW_LOG_INFO, "x", LW_S("k", expensive()));
  cr_assert_eq(evaluated, 1);
}

Test(log, hook_adapter) {
  lw_log_hook("net", LW_LOG_WARN, "broker k1:9092 disconnected");
  cr_assert_str_eq(got + 24, " level=warn msg=\"broker k1:9092 disconnected\" component=net\n");
  lw_log_hook(NULL, 7, "clamped");
  cr_assert_str_eq(got + 24, " level=error msg=\"clamped\"\n");
  lw_log_hook("tail", LW_LOG_DEBUG, "below threshold");
  cr_assert_eq(lines, 2);
}

Test(log, level_names) {
  cr_assert_eq(lw_log_level_parse("warn"), LW_LOG_WARN);
  cr_assert_eq(lw_log_level_parse("WARN"), -1);
  cr_assert_str_eq(lw_log_level_name(LW_LOG_DEBUG), "debug");
}

Test(log, long_values_are_cut_and_stay_balanced) {
  static char big[3 * LW_LOG_LINE_MAX];
  memset(big, 'a', sizeof big - 1);
  big[100] = ' '; /* quoted */
  lw_kv kv[] = {LW_S("v", big), LW_S("after", "x"), LW_KV_END_};
  const char *s = fmt(LW_LOG_INFO, "m", kv);
  size_t n = strlen(s);
  cr_assert_leq(n, LW_LOG_LINE_MAX);
  cr_assert_eq(s[n - 1], '\n');
  cr_assert(strstr(s, "...\"\n"), "cut inside quotes: closed after the mark");
  cr_assert_null(strstr(s, "after="));
  size_t quotes = 0;
  for (size_t i = 0; i < n; i++)
    quotes += s[i] == '"' && s[i - 1] != '\\';
  cr_assert_eq(quotes % 2, 0);

  big[100] = 'a'; /* unquoted */
  s = fmt(LW_LOG_INFO, "m", kv);
  n = strlen(s);
  cr_assert_leq(n, LW_LOG_LINE_MAX);
  cr_assert_str_eq(s + n - 4, "...\n");

  /* A long message of escapes: every escape is whole. */
  memset(big, '\n', sizeof big - 1);
  s = fmt(LW_LOG_INFO, big, NULL);
  n = strlen(s);
  cr_assert_leq(n, LW_LOG_LINE_MAX);
  cr_assert_str_eq(s + n - 7, "\\n...\"\n");
}

Test(log, every_length_near_the_ceiling_stays_in_bounds) {
  /* Values ending at, just before and just after the ceiling, quoted or not, followed by
   * more fields: the line never passes LW_LOG_LINE_MAX (ASan watches the buffer's end). */
  static char v[LW_LOG_LINE_MAX + 64];
  for (size_t n = LW_LOG_LINE_MAX - 120; n < LW_LOG_LINE_MAX + 20; n++) {
    for (int quoted = 0; quoted < 2; quoted++) {
      memset(v, 'v', n);
      v[n] = 0;
      if (quoted)
        v[0] = ' ';
      lw_kv kv[] = {LW_S("k", v), LW_S("next", "a b"), LW_I("n", 7), LW_KV_END_};
      char *out = malloc(LW_LOG_LINE_MAX); /* exact size: overruns are caught */
      size_t len = lw_log_format(out, T0, LW_LOG_INFO, "m", kv);
      cr_assert_leq(len, LW_LOG_LINE_MAX, "n=%zu quoted=%d", n, quoted);
      cr_assert_eq(out[len - 1], '\n');
      size_t quotes = 0;
      for (size_t i = 0; i < len; i++)
        quotes += out[i] == '"';
      cr_assert_eq(quotes % 2, 0, "balanced quotes, n=%zu quoted=%d", n, quoted);
      free(out);
    }
  }
  /* The same with a long message, and a field after it whose quotes may not fit. */
  for (size_t n = LW_LOG_LINE_MAX - 80; n < LW_LOG_LINE_MAX; n++) {
    memset(v, 'm', n);
    v[n] = 0;
    lw_kv kv[] = {LW_S("k", "a b"), LW_KV_END_};
    char *out = malloc(LW_LOG_LINE_MAX);
    size_t len = lw_log_format(out, T0, LW_LOG_INFO, v, kv);
    cr_assert_leq(len, LW_LOG_LINE_MAX, "message n=%zu", n);
    size_t quotes = 0;
    for (size_t i = 0; i < len; i++)
      quotes += out[i] == '"';
    cr_assert_eq(quotes % 2, 0, "balanced quotes, message n=%zu", n);
    free(out);
  }
}

/* log_format = json: one object a line, typed values, escapes, secrets redacted. */
Test(log, json_lines) {
  static char out[LW_LOG_LINE_MAX + 1];
  lw_kv kv[] = {LW_S("path", "/var/log/a \"b\".log"),
                LW_I("attempt", -2),
                LW_U("n", 7),
                LW_B("tls", true),
                LW_S("none", NULL),
                LW_S("sasl_password", "hunter2"),
                LW_S("ctl", "a\nb\x01"),
                LW_KV_END_};
  size_t n = lw_log_format_json(out, T0, LW_LOG_WARN, "file \"x\"", kv);
  out[n] = 0;
  cr_assert_str_eq(out,
                   "{\"ts\":\"2026-11-22T17:06:40.123Z\",\"level\":\"warn\",\"msg\":\"file "
                   "\\\"x\\\"\",\"path\":\"/var/log/a \\\"b\\\".log\",\"attempt\":-2,\"n\":7,"
                   "\"tls\":true,\"none\":null,\"sasl_password\":\"***\",\"ctl\":\"a\\nb\\u0001\"}"
                   "\n");
  /* A line too long keeps ts, level and the cut message, and says it was truncated. */
  static char big[LW_LOG_LINE_MAX * 2];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  lw_kv kv2[] = {LW_S("v", big), LW_KV_END_};
  n = lw_log_format_json(out, T0, LW_LOG_INFO, "m", kv2);
  out[n] = 0;
  cr_assert(n > 0 && n <= LW_LOG_LINE_MAX);
  cr_assert(strstr(out, "\"truncated\":true}\n"), "%s", out);
  n = lw_log_format_json(out, T0, LW_LOG_INFO, big, NULL);
  out[n] = 0;
  cr_assert(n > 0 && n <= LW_LOG_LINE_MAX && strstr(out, "\"truncated\":true}\n"));
  /* Through the sink once the format is set. */
  lw_log_set_format(LW_LOG_FMT_JSON);
  lw_log(LW_LOG_INFO, "hello", LW_S("k", "v"));
  lw_log_set_format(LW_LOG_FMT_LOGFMT);
  cr_assert(strstr(got, "\"msg\":\"hello\",\"k\":\"v\"}\n"), "%s", got);
}
