/* test_ini.c — the config file's INI dialect: sections, comments, quotes, ${ENV}, line numbers,
 * and every error collected with its exact "FILE:LINE: KEY: PROBLEM" text. Also lw_diag. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/ini.h"
#include "base/err.h"

static lw_ini ini;
static lw_diag diag;

static void setup(void) {
  lw_diag_init(&diag);
}
static void teardown(void) {
  lw_ini_free(&ini);
  lw_diag_free(&diag);
}
TestSuite(ini, .init = setup, .fini = teardown);

static int parse(const char *text) {
  return lw_ini_parse(&ini, "t.conf", text, strlen(text), &diag);
}

static void dump(void) {
  for (size_t i = 0; i < diag.n; i++)
    fprintf(stderr, "  diag: %s\n", diag.v[i].text);
}

static const char *val(const char *sec, const char *key) {
  const lw_ini_section *s = lw_ini_find(&ini, sec);
  cr_assert(s, "section %s", sec);
  const lw_ini_entry *e = lw_ini_get(s, key);
  cr_assert(e, "key %s in %s", key, sec);
  return e->value;
}

#define ASSERT_DIAG(text)                                                                          \
  do {                                                                                             \
    if (!lw_diag_has(&diag, text))                                                                 \
      dump();                                                                                      \
    cr_assert(lw_diag_has(&diag, text), "missing diagnostic: %s", text);                           \
  } while (0)

Test(ini, sections_keys_comments_and_line_numbers) {
  const char *t = "# full-line comment\n"
                  "; another\n"
                  "\n"
                  "[kafka]\n"
                  "  brokers =  k1:9092,k2:9092  \n"
                  "linger.ms=5\n"
                  "[ input.nginx ]   # trailing comment\n"
                  "paths = /var/log/nginx/*.log # inline\n"
                  "topic = a#b\n"
                  "empty =\n"
                  "note = # only a comment\n"
                  "tabbed\t=\tv\t#\tc\r\n";
  cr_assert_eq(parse(t), LW_OK);
  dump();
  cr_assert_eq(diag.n, 0);
  cr_assert_eq(ini.n, 2);
  cr_assert_str_eq(ini.sections[0].name, "kafka");
  cr_assert_eq(ini.sections[0].line, 4);
  cr_assert_str_eq(ini.sections[1].name, "input.nginx");
  cr_assert_eq(ini.sections[1].line, 7);
  cr_assert_str_eq(val("kafka", "brokers"), "k1:9092,k2:9092");
  cr_assert_eq(lw_ini_get(lw_ini_find(&ini, "kafka"), "brokers")->line, 5);
  cr_assert_str_eq(val("kafka", "linger.ms"), "5");
  cr_assert_str_eq(val("input.nginx", "paths"), "/var/log/nginx/*.log");
  cr_assert_str_eq(val("input.nginx", "topic"), "a#b");
  cr_assert_str_eq(val("input.nginx", "empty"), "");
  cr_assert_str_eq(val("input.nginx", "note"), "");
  cr_assert_str_eq(val("input.nginx", "tabbed"), "v");
  cr_assert_eq(lw_ini_get(lw_ini_find(&ini, "input.nginx"), "tabbed")->line, 12);
}

Test(ini, quoted_values_and_escapes) {
  const char *t = "[s]\n"
                  "a = \"  padded # not a comment  \"\n"
                  "b = \"say \\\"hi\\\" \\\\ done\"  # comment\n"
                  "c = \"^\\d+ \\[x\\]\"\n"
                  "d = \"\"\n"
                  "e = x=\"y\"\n";
  cr_assert_eq(parse(t), LW_OK);
  cr_assert_str_eq(val("s", "a"), "  padded # not a comment  ");
  cr_assert_str_eq(val("s", "b"), "say \"hi\" \\ done");
  cr_assert_str_eq(val("s", "c"), "^\\d+ \\[x\\]", "unknown escapes are kept as written");
  cr_assert_str_eq(val("s", "d"), "");
  cr_assert_str_eq(val("s", "e"), "x=\"y\"", "quotes only count around the whole value");
}

Test(ini, env_expansion_and_escape) {
  setenv("LW_T_USER", "alice", 1);
  setenv("LW_T_EMPTY", "", 1);
  setenv("LW_T_HASH", "a # b", 1);
  const char *t = "[s]\n"
                  "a = ${LW_T_USER}\n"
                  "b = user-${LW_T_USER}-x\n"
                  "c = \"${LW_T_USER}\"\n"
                  "d = $${LW_T_USER} and $HOME and $\n"
                  "e = ${LW_T_EMPTY}\n"
                  "f = ${LW_T_HASH}\n";
  cr_assert_eq(parse(t), LW_OK);
  dump();
  const lw_ini_section *s = lw_ini_find(&ini, "s");
  cr_assert_str_eq(val("s", "a"), "alice");
  cr_assert(lw_ini_get(s, "a")->from_env);
  cr_assert_str_eq(val("s", "b"), "user-alice-x");
  cr_assert(!lw_ini_get(s, "b")->from_env);
  cr_assert_str_eq(val("s", "c"), "alice");
  cr_assert(lw_ini_get(s, "c")->from_env);
  cr_assert_str_eq(val("s", "d"), "${LW_T_USER} and $HOME and $");
  cr_assert(!lw_ini_get(s, "d")->from_env);
  cr_assert_str_eq(val("s", "e"), "");
  cr_assert_str_eq(val("s", "f"), "a # b", "expanded text is not re-parsed for comments");
}

Test(ini, every_error_reported_with_file_line_key) {
  unsetenv("LW_T_UNSET");
  unsetenv("LW_T_UNSET2");
  const char *t = "orphan = 1\n"                        /* 1 */
                  "[ok]\n"                              /* 2 */
                  "a = 1\n"                             /* 3 */
                  "a = 2\n"                             /* 4 */
                  "pw = ${LW_T_UNSET}\n"                /* 5 */
                  "two = ${LW_T_UNSET}${LW_T_UNSET2}\n" /* 6 */
                  "q = \"open\n"                        /* 7 */
                  "r = \"closed\" tail\n"               /* 8 */
                  "just some words\n"                   /* 9 */
                  "= nothing\n"                         /* 10 */
                  "bad key = 1\n"                       /* 11 */
                  "[bad name]\n"                        /* 12 */
                  "ignored = 1\n"                       /* 13 */
                  "[unclosed\n"                         /* 14 */
                  "[ok]\n"                              /* 15 */
                  "a = 3\n"                             /* 16 */
                  "u = ${not-valid}\n"                  /* 17 */
                  "v = ${LW_T_OPEN\n"                   /* 18 */
                  "[]\n"                                /* 19 */
                  "[x] junk\n";                         /* 20 */
  cr_assert_eq(parse(t), LW_ERR_CONFIG);
  ASSERT_DIAG("t.conf:1: orphan: key before any [section]");
  ASSERT_DIAG("t.conf:4: a: duplicate key (first at line 3)");
  ASSERT_DIAG("t.conf:5: pw: environment variable LW_T_UNSET is not set");
  ASSERT_DIAG("t.conf:6: two: environment variable LW_T_UNSET is not set");
  ASSERT_DIAG("t.conf:6: two: environment variable LW_T_UNSET2 is not set");
  ASSERT_DIAG("t.conf:7: q: unterminated quoted value (missing closing '\"')");
  ASSERT_DIAG("t.conf:8: r: unexpected text after the closing quote");
  ASSERT_DIAG("t.conf:9: expected \"key = value\", \"[section]\" or a comment");
  ASSERT_DIAG("t.conf:10: missing key before '='");
  ASSERT_DIAG("t.conf:11: invalid key name \"bad key\" (allowed: letters, digits, '_', '.', "
              "'-')");
  ASSERT_DIAG("t.conf:12: invalid section name \"bad name\" (allowed: letters, digits, '_', "
              "'.', '-')");
  ASSERT_DIAG("t.conf:14: expected ']' to close the section header");
  ASSERT_DIAG("t.conf:15: duplicate section [ok] (first at line 2)");
  ASSERT_DIAG("t.conf:16: a: duplicate key (first at line 3)");
  ASSERT_DIAG("t.conf:17: u: invalid environment variable name \"not-valid\"");
  ASSERT_DIAG("t.conf:18: v: unterminated \"${\" (write \"$${\" for a literal \"${\")");
  ASSERT_DIAG("t.conf:19: empty section name");
  ASSERT_DIAG("t.conf:20: unexpected text after the section header");
  /* Nothing else: line 13 follows a bad header and is dropped without a message. */
  if (diag.n != 18)
    dump();
  cr_assert_eq(diag.errors, 18);
  cr_assert_eq(diag.n, 18);
  /* Bad values are kept, marked, so later layers do not report them missing. */
  const lw_ini_entry *pw = lw_ini_get(lw_ini_find(&ini, "ok"), "pw");
  cr_assert(pw && pw->bad);
}

Test(ini, long_lines_and_nul_bytes) {
  size_t n = LW_INI_MAX_LINE + 100;
  char *t = malloc(n + 64);
  strcpy(t, "[s]\nk = ");
  size_t off = strlen(t);
  memset(t + off, 'x', n);
  off += n;
  memcpy(t + off, "\nok = 1\nz = a\0b\n", 16);
  off += 16;
  cr_assert_eq(lw_ini_parse(&ini, "t.conf", t, off, &diag), LW_ERR_CONFIG);
  char want[96];
  snprintf(want, sizeof want, "t.conf:2: line too long (%zu bytes; at most 65536)", n + 4);
  ASSERT_DIAG(want);
  ASSERT_DIAG("t.conf:4: NUL byte in line");
  cr_assert_str_eq(val("s", "ok"), "1", "parsing goes on after a long line");
  free(t);
}

Test(ini, exact_ceiling_line_is_accepted) {
  size_t n = LW_INI_MAX_LINE - 4; /* "k = " + n == 65536 bytes */
  char *t = malloc(n + 16);
  strcpy(t, "[s]\nk = ");
  memset(t + 8, 'y', n);
  t[8 + n] = '\n';
  cr_assert_eq(lw_ini_parse(&ini, "t.conf", t, 9 + n, &diag), LW_OK);
  cr_assert_eq(strlen(val("s", "k")), n);
  free(t);
}

Test(ini, expansion_over_the_ceiling_is_an_error) {
  size_t n = 40000;
  char *big = malloc(n + 1);
  memset(big, 'z', n);
  big[n] = 0;
  setenv("LW_T_BIG", big, 1);
  cr_assert_eq(parse("[s]\nk = ${LW_T_BIG}${LW_T_BIG}\n"), LW_ERR_CONFIG);
  ASSERT_DIAG("t.conf:2: k: value longer than 65536 bytes after ${} expansion");
  free(big);
}

Test(ini, bom_and_missing_final_newline) {
  cr_assert_eq(parse("\xEF\xBB\xBF[s]\nk = v"), LW_OK);
  cr_assert_str_eq(val("s", "k"), "v");
}

Test(ini, load_reads_files_and_reports_unreadable_ones) {
  char path[] = "/tmp/lw-ini-XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  const char *t = "[s]\nk = v\n";
  cr_assert_eq(write(fd, t, strlen(t)), (ssize_t)strlen(t));
  fchmod(fd, 0640);
  close(fd);
  cr_assert_eq(lw_ini_load(&ini, path, &diag), LW_OK);
  cr_assert_str_eq(val("s", "k"), "v");
  cr_assert_eq(ini.mode & 0777, 0640);
  cr_assert_str_eq(ini.file, path);
  lw_ini_free(&ini);
  unlink(path);

  cr_assert_eq(lw_ini_load(&ini, "/nonexistent/lw.conf", &diag), LW_ERR_CONFIG);
  ASSERT_DIAG("/nonexistent/lw.conf: cannot read: No such file or directory");
  lw_ini_free(&ini);
  cr_assert_eq(lw_ini_load(&ini, "/tmp", &diag), LW_ERR_CONFIG);
  ASSERT_DIAG("/tmp: cannot read: not a regular file");
}

Test(ini, file_size_ceiling) {
  char path[] = "/tmp/lw-ini-XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  cr_assert_eq(ftruncate(fd, LW_INI_MAX_FILE + 1), 0);
  close(fd);
  cr_assert_eq(lw_ini_load(&ini, path, &diag), LW_ERR_CONFIG);
  char want[256];
  snprintf(want, sizeof want, "%s: file too large (%d bytes; at most %d)", path,
           LW_INI_MAX_FILE + 1, LW_INI_MAX_FILE);
  ASSERT_DIAG(want);
  unlink(path);
}

Test(ini, diag_sorts_by_line_and_caps_messages) {
  lw_diag d;
  lw_diag_init(&d);
  lw_diag_add(&d, LW_DIAG_ERROR, "f", 9, "k", "nine");
  lw_diag_add(&d, LW_DIAG_WARNING, "f", 2, "s", "two");
  lw_diag_add(&d, LW_DIAG_ERROR, "f", 0, NULL, "whole file");
  lw_diag_add(&d, LW_DIAG_ERROR, "f", 2, NULL, "two again");
  lw_diag_sort(&d);
  cr_assert_str_eq(d.v[0].text, "f: whole file");
  cr_assert_str_eq(d.v[1].text, "f:2: s: warning: two");
  cr_assert_str_eq(d.v[2].text, "f:2: two again");
  cr_assert_str_eq(d.v[3].text, "f:9: k: nine");
  cr_assert_eq(d.errors, 3);
  cr_assert_eq(d.warnings, 1);
  for (int i = 0; i < LW_DIAG_MAX + 5; i++)
    lw_diag_add(&d, LW_DIAG_ERROR, "f", i, NULL, "x");
  cr_assert_eq(d.n, LW_DIAG_MAX);
  cr_assert_eq(d.dropped, 9);
  cr_assert_eq(d.errors, 3 + LW_DIAG_MAX + 5);
  lw_diag_free(&d);
}
