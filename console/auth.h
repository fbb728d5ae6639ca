/* auth.h — the console's users (a file of `name:hash[:role]` lines), password hashes
 * (PBKDF2-SHA256 with a random salt, through OpenSSL), sessions with their CSRF tokens, and the
 * login throttle. No I/O except reading the users file; the clock is passed in. */
#ifndef LW_CON_AUTH_H
#define LW_CON_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/diag.h"

enum lw_con_role { LW_CON_ADMIN = 0, LW_CON_READONLY = 1 };

#define LW_CON_PBKDF2_ITER    210000 /* default work factor (OWASP's figure for PBKDF2-SHA256) */
#define LW_CON_MAX_SESSIONS   256
#define LW_CON_SESSION_MS     (8 * 3600 * 1000) /* sessions last 8 hours from login */
#define LW_CON_TOKEN_LEN      43                /* base64url of 32 random bytes, no padding */
#define LW_CON_LOGIN_FAILS    5                 /* failures per address per window... */
#define LW_CON_LOGIN_WINDOW   60000             /* ...of this many ms, then 429 until it ends */
#define LW_CON_THROTTLE_SLOTS 64

typedef struct lw_con_user {
  char *name; /* owned */
  char *hash; /* owned: "pbkdf2-sha256$ITER$SALT_B64$HASH_B64" */
  int role;   /* enum lw_con_role */
} lw_con_user;

typedef struct lw_con_session {
  char id[LW_CON_TOKEN_LEN + 1];   /* the cookie's value; "" when the slot is free */
  char csrf[LW_CON_TOKEN_LEN + 1]; /* sent back in X-CSRF-Token on every write */
  char user[64];
  int role;
  int64_t expires_ms;
} lw_con_session;

typedef struct lw_con_throttle_slot {
  char addr[64];
  int fails;
  int64_t window_start_ms;
} lw_con_throttle_slot;

typedef struct lw_con_auth {
  lw_con_user *users; /* owned */
  size_t nusers;
  lw_con_session sessions[LW_CON_MAX_SESSIONS];
  lw_con_throttle_slot throttle[LW_CON_THROTTLE_SLOTS];
} lw_con_auth;

void lw_con_auth_init(lw_con_auth *a);
void lw_con_auth_free(lw_con_auth *a);

/* Parse the users file text: one `name:hash[:role]` per line (role `admin`, the default, or
 * `readonly`), blank lines and `#` comments ignored. Problems go to diag as
 * "FILE:LINE: problem". Returns LW_OK or LW_ERR_CONFIG (nothing kept then) / LW_ERR_NOMEM. */
int lw_con_users_parse(lw_con_auth *a, const char *file, const char *text, size_t len,
                       lw_diag *diag);
/* Read and parse the users file at path. Returns as lw_con_users_parse, or LW_ERR_IO. */
int lw_con_users_load(lw_con_auth *a, const char *path, lw_diag *diag);

/* Hash a password: "pbkdf2-sha256$ITER$SALT$HASH" (16 random salt bytes, 32 hash bytes, base64)
 * into out. iter 0 means LW_CON_PBKDF2_ITER. Returns LW_OK, LW_ERR_TOO_LARGE (out too small) or
 * LW_ERR_TLS (OpenSSL missing or failing; err says why). */
int lw_con_hash_password(const char *pw, unsigned iter, char *out, size_t outlen, char *err,
                         size_t errlen);
/* True when pw matches the stored hash (constant-time comparison). False for a malformed hash. */
bool lw_con_verify_password(const char *hash, const char *pw);

/* Check name/password. Returns the user (borrowed) or NULL. Spends the same work for an
 * unknown name as for a wrong password, so that timing does not tell which names exist. */
const lw_con_user *lw_con_login(lw_con_auth *a, const char *name, const char *pw);

/* Login throttle for a client address. lw_con_throttled returns the ms until the address may
 * try again (0: now). lw_con_login_failed counts one failure; lw_con_login_ok forgets them. */
int64_t lw_con_throttled(lw_con_auth *a, const char *addr, int64_t now_ms);
void lw_con_login_failed(lw_con_auth *a, const char *addr, int64_t now_ms);
void lw_con_login_ok(lw_con_auth *a, const char *addr);

/* A new session for user (random id and CSRF token). When every slot is taken the one closest
 * to expiry is reused. Returns the session (borrowed) or NULL when no randomness is available. */
lw_con_session *lw_con_session_new(lw_con_auth *a, const lw_con_user *u, int64_t now_ms);
/* The live session with this id, or NULL (unknown or expired). Constant-time per slot. */
lw_con_session *lw_con_session_find(lw_con_auth *a, const char *id, size_t idlen, int64_t now_ms);
void lw_con_session_end(lw_con_session *s);
/* True when the token matches the session's CSRF token (constant-time). */
bool lw_con_csrf_ok(const lw_con_session *s, const char *token, size_t len);

#endif
