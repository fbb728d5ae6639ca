/* test_console_auth.c — the console's users file, password hashes (checked against a hash
 * computed independently with Python's hashlib.pbkdf2_hmac), sessions, CSRF tokens and the
 * login throttle. */
#include <criterion/criterion.h>
#include <string.h>

#include "console/auth.h"
#include "base/err.h"

TestSuite(console_auth);

/* hashlib.pbkdf2_hmac('sha256', b'correct horse', bytes(range(16)), 1000, 32) */
#define PY_HASH                                                                                    \
  "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ="

#if LW_TLS
Test(console_auth, verifies_an_independent_hash) {
  cr_assert(lw_con_verify_password(PY_HASH, "correct horse"));
  cr_assert(!lw_con_verify_password(PY_HASH, "correct horsf"));
  cr_assert(!lw_con_verify_password(PY_HASH, ""));
  cr_assert(!lw_con_verify_password("pbkdf2-sha256$0$AAAA$AAAA", "x"));
  cr_assert(!lw_con_verify_password("pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$short", "x"));
  cr_assert(!lw_con_verify_password("md5$whatever", "x"));
}

Test(console_auth, hash_round_trip_with_fresh_salt) {
  char a[256], b[256], err[256];
  cr_assert_eq(lw_con_hash_password("pw", 1000, a, sizeof a, err, sizeof err), LW_OK, "%s", err);
  cr_assert_eq(lw_con_hash_password("pw", 1000, b, sizeof b, err, sizeof err), LW_OK);
  cr_assert(strncmp(a, "pbkdf2-sha256$1000$", 19) == 0, "%s", a);
  cr_assert(strcmp(a, b) != 0, "same salt twice");
  cr_assert(lw_con_verify_password(a, "pw"));
  cr_assert(!lw_con_verify_password(a, "pW"));
  cr_assert_eq(lw_con_hash_password("pw", 1000, a, 20, err, sizeof err), LW_ERR_TOO_LARGE);
}

Test(console_auth, login_by_name_and_role) {
  lw_con_auth a;
  lw_con_auth_init(&a);
  lw_diag d;
  lw_diag_init(&d);
  const char *text = "# users\n\nalice:" PY_HASH "\nbob:" PY_HASH ":readonly\n";
  cr_assert_eq(lw_con_users_parse(&a, "users", text, strlen(text), &d), LW_OK);
  cr_assert_eq(a.nusers, 2);
  const lw_con_user *u = lw_con_login(&a, "bob", "correct horse");
  cr_assert(u && u->role == LW_CON_READONLY);
  u = lw_con_login(&a, "alice", "correct horse");
  cr_assert(u && u->role == LW_CON_ADMIN);
  cr_assert_null(lw_con_login(&a, "alice", "wrong"));
  cr_assert_null(lw_con_login(&a, "carol", "correct horse"));
  lw_con_auth_free(&a);
  lw_diag_free(&d);
}
#endif

Test(console_auth, users_file_errors_at_their_line) {
  lw_con_auth a;
  lw_con_auth_init(&a);
  lw_diag d;
  lw_diag_init(&d);
  const char *text =
      "alice:" PY_HASH "\nbob:plaintext\ncarol:" PY_HASH ":root\nalice:" PY_HASH "\nnocolon\n";
  cr_assert_eq(lw_con_users_parse(&a, "users", text, strlen(text), &d), LW_ERR_CONFIG);
  cr_assert_eq(a.nusers, 0, "nothing kept from a bad file");
  cr_assert(lw_diag_has(&d, "users:2: bob: hash must come from `logwire console --hash-password`"));
  cr_assert(lw_diag_has(&d, "users:3: carol: role must be admin or readonly, not 'root'"));
  cr_assert(lw_diag_has(&d, "users:4: alice: user listed twice"));
  cr_assert(lw_diag_has(&d, "users:5: expected name:hash[:role]"));
  lw_con_auth_free(&a);
  lw_diag_free(&d);
}

Test(console_auth, sessions_and_csrf) {
  lw_con_auth a;
  lw_con_auth_init(&a);
  lw_con_user u = {.name = "alice", .hash = "", .role = LW_CON_ADMIN};
  lw_con_session *s = lw_con_session_new(&a, &u, 1000);
  cr_assert_not_null(s);
  cr_assert_eq(strlen(s->id), LW_CON_TOKEN_LEN);
  cr_assert_eq(strlen(s->csrf), LW_CON_TOKEN_LEN);
  cr_assert(strcmp(s->id, s->csrf) != 0);
  char id[64];
  strcpy(id, s->id);
  cr_assert_eq(lw_con_session_find(&a, id, strlen(id), 2000), s);
  cr_assert_null(lw_con_session_find(&a, id, strlen(id) - 1, 2000));
  cr_assert_null(lw_con_session_find(&a, "", 0, 2000));
  cr_assert(lw_con_csrf_ok(s, s->csrf, strlen(s->csrf)));
  cr_assert(!lw_con_csrf_ok(s, "", 0));
  cr_assert(!lw_con_csrf_ok(s, s->id, strlen(s->id)));
  /* Expiry. */
  cr_assert_null(lw_con_session_find(&a, id, strlen(id), 1000 + LW_CON_SESSION_MS));
  cr_assert_null(lw_con_session_find(&a, id, strlen(id), 2000), "an expired session is ended");
  /* Logout. */
  s = lw_con_session_new(&a, &u, 1000);
  strcpy(id, s->id);
  lw_con_session_end(s);
  cr_assert_null(lw_con_session_find(&a, id, strlen(id), 2000));
  lw_con_auth_free(&a);
}

Test(console_auth, login_throttle_per_address) {
  lw_con_auth a;
  lw_con_auth_init(&a);
  for (int i = 0; i < LW_CON_LOGIN_FAILS; i++) {
    cr_assert_eq(lw_con_throttled(&a, "10.0.0.1", 1000 + i), 0);
    lw_con_login_failed(&a, "10.0.0.1", 1000 + i);
  }
  cr_assert_eq(lw_con_throttled(&a, "10.0.0.1", 2000), LW_CON_LOGIN_WINDOW - 1000);
  cr_assert_eq(lw_con_throttled(&a, "10.0.0.2", 2000), 0, "other addresses are not held");
  cr_assert_eq(lw_con_throttled(&a, "10.0.0.1", 1000 + LW_CON_LOGIN_WINDOW), 0, "window over");
  lw_con_login_failed(&a, "10.0.0.3", 5000);
  lw_con_login_ok(&a, "10.0.0.3");
  cr_assert_eq(lw_con_throttled(&a, "10.0.0.3", 5001), 0);
  /* A full table forgets the oldest address, never crashes. */
  char addr[32];
  for (int i = 0; i < 3 * LW_CON_THROTTLE_SLOTS; i++) {
    snprintf(addr, sizeof addr, "10.1.%d.%d", i / 256, i % 256);
    lw_con_login_failed(&a, addr, 10000 + i);
  }
  lw_con_auth_free(&a);
}
