/* test_console_text.c — host names, secret masking and unmasking. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "console/text.h"
#include "base/err.h"

TestSuite(console_text);

static char *str(lw_buf *b) {
  lw_buf_put_u8(b, 0);
  return (char *)b->data;
}

Test(console_text, host_names) {
  cr_assert(lw_con_host_ok("web-01"));
  cr_assert(lw_con_host_ok("_all"));
  cr_assert(lw_con_host_ok("10.0.0.5"));
  cr_assert(!lw_con_host_ok(""));
  cr_assert(!lw_con_host_ok(".."));
  cr_assert(!lw_con_host_ok("a/b"));
  cr_assert(!lw_con_host_ok("a b"));
  cr_assert(!lw_con_host_ok("a%2f"));
}

Test(console_text, secrets_masked_and_restored) {
  const char *stored = "[input.a]\npaths = /var/log/a\n[x]\nsasl_password = hunter2\n"
                       "api_token=abc ; c\n[y]\nsasl_password = other\n";
  lw_buf b;
  lw_buf_init(&b, 4096);
  lw_con_redact(&b, stored, strlen(stored));
  const char *red = str(&b);
  cr_assert(!strstr(red, "hunter2") && !strstr(red, "abc") && !strstr(red, "other"), "%s", red);
  cr_assert(strstr(red, "sasl_password = ********\n"), "%s", red);
  /* Edited text with the masks kept: the stored values come back, per section. */
  lw_buf e;
  lw_buf_init(&e, 4096);
  char edited[512];
  snprintf(edited, sizeof edited, "%s[input.b]\npaths = /var/log/b\n", red);
  lw_con_unredact(&e, edited, strlen(edited), stored, strlen(stored));
  char want[512];
  snprintf(want, sizeof want, "%s[input.b]\npaths = /var/log/b\n", stored);
  cr_assert_str_eq(str(&e), want);
  /* A mask for a key the stored text does not have stays as typed. */
  lw_buf f;
  lw_buf_init(&f, 4096);
  const char *moved = "[z]\nsasl_password = ********\n";
  lw_con_unredact(&f, moved, strlen(moved), stored, strlen(stored));
  cr_assert_str_eq(str(&f), moved);
  lw_buf_free(&b);
  lw_buf_free(&e);
  lw_buf_free(&f);
}
