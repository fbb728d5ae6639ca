/* auth.c — users, password hashes, sessions, CSRF tokens and the login throttle (see auth.h).
 *
 * Tokens and salts come from the kernel (getrandom), so sessions work even where OpenSSL cannot
 * be loaded; only PBKDF2 needs OpenSSL (net/ossl.h loads it on first use). */
#include "console/auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "net/ossl.h"
#include "net/scram.h" /* base64 */
#include "base/buf.h"
#include "base/err.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define MAX_ITER 10000000u

void lw_con_auth_init(lw_con_auth *a) {
  memset(a, 0, sizeof *a);
}

static void users_free(lw_con_user *u, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(u[i].name);
    if (u[i].hash)
      memset(u[i].hash, 0, strlen(u[i].hash));
    free(u[i].hash);
  }
  free(u);
}

void lw_con_auth_free(lw_con_auth *a) {
  users_free(a->users, a->nusers);
  memset(a, 0, sizeof *a);
}

static bool fill_random(void *p, size_t n) {
  uint8_t *q = p;
  while (n > 0) {
    ssize_t r = getrandom(q, n, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    q += r;
    n -= (size_t)r;
  }
  return true;
}

/* base64url without padding into out (at least 4*ceil(n/3)+1 bytes). */
static bool token_from(const uint8_t *p, size_t n, char *out, size_t outlen) {
  lw_buf b;
  lw_buf_init(&b, 256);
  lw_base64_encode(&b, p, n);
  size_t k = 0;
  bool ok = b.err == LW_OK;
  for (size_t i = 0; ok && i < b.len && b.data[i] != '='; i++) {
    if (k + 1 >= outlen) {
      ok = false;
      break;
    }
    char c = (char)b.data[i];
    out[k++] = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  out[ok ? k : 0] = 0;
  lw_buf_free(&b);
  return ok;
}

static bool new_token(char out[LW_CON_TOKEN_LEN + 1]) {
  uint8_t r[32];
  return fill_random(r, sizeof r) && token_from(r, sizeof r, out, LW_CON_TOKEN_LEN + 1);
}

int lw_con_users_parse(lw_con_auth *a, const char *file, const char *text, size_t len,
                       lw_diag *diag) {
  lw_con_user *v = NULL;
  size_t n = 0, cap = 0;
  size_t errs = diag->errors;
  int lineno = 0;
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    lineno++;
    char line[1024];
    size_t ll = (size_t)(le - p);
    if (ll && p[ll - 1] == '\r')
      ll--;
    const char *next = nl ? nl + 1 : end;
    if (ll >= sizeof line) {
      lw_diag_add(diag, LW_DIAG_ERROR, file, lineno, NULL, "line too long");
      p = next;
      continue;
    }
    memcpy(line, p, ll);
    line[ll] = 0;
    p = next;
    char *s = line;
    while (*s == ' ' || *s == '\t')
      s++;
    if (!*s || *s == '#')
      continue;
    char *c1 = strchr(s, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || c1 == s) {
      lw_diag_add(diag, LW_DIAG_ERROR, file, lineno, NULL, "expected name:hash[:role]");
      continue;
    }
    *c1 = 0;
    if (c2)
      *c2 = 0;
    const char *name = s, *hash = c1 + 1, *role = c2 ? c2 + 1 : "admin";
    int r;
    if (!strcmp(role, "admin")) {
      r = LW_CON_ADMIN;
    } else if (!strcmp(role, "readonly")) {
      r = LW_CON_READONLY;
    } else {
      lw_diag_add(diag, LW_DIAG_ERROR, file, lineno, name,
                  "role must be admin or readonly, not '%s'", role);
      continue;
    }
    if (strncmp(hash, "pbkdf2-sha256$", 14) != 0) {
      lw_diag_add(diag, LW_DIAG_ERROR, file, lineno, name,
                  "hash must come from `logwire console --hash-password`");
      continue;
    }
    if (strlen(name) >= sizeof((lw_con_session *)0)->user) {
      lw_diag_add(diag, LW_DIAG_ERROR, file, lineno, name, "name too long");
      continue;
    }
    bool dup = false;
    for (size_t i = 0; i < n; i++)
      dup = dup || !strcmp(v[i].name, name);
    if (dup) {
      lw_diag_add(diag, LW_DIAG_ERROR, file, lineno, name, "user listed twice");
      continue;
    }
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 8;
      lw_con_user *nv = realloc(v, nc * sizeof *nv);
      if (!nv)
        goto nomem;
      v = nv;
      cap = nc;
    }
    v[n].name = strdup(name);
    v[n].hash = strdup(hash);
    v[n].role = r;
    n++;
    if (!v[n - 1].name || !v[n - 1].hash)
      goto nomem;
  }
  if (diag->errors > errs) {
    users_free(v, n);
    return LW_ERR_CONFIG;
  }
  users_free(a->users, a->nusers);
  a->users = v;
  a->nusers = n;
  return LW_OK;
nomem:
  users_free(v, n);
  return LW_ERR_NOMEM;
}

int lw_con_users_load(lw_con_auth *a, const char *path, lw_diag *diag) {
  FILE *f = fopen(path, "r");
  if (!f) {
    lw_diag_add(diag, LW_DIAG_ERROR, path, 0, NULL, "cannot read: %s", strerror(errno));
    return LW_ERR_IO;
  }
  char *text = NULL;
  size_t len = 0, cap = 0;
  int rc = LW_OK;
  for (;;) {
    if (cap - len < 4096) {
      if (cap >= (1u << 20)) {
        lw_diag_add(diag, LW_DIAG_ERROR, path, 0, NULL, "larger than 1 MiB");
        rc = LW_ERR_CONFIG;
        break;
      }
      char *nt = realloc(text, cap + 8192);
      if (!nt) {
        rc = LW_ERR_NOMEM;
        break;
      }
      text = nt;
      cap += 8192;
    }
    size_t got = fread(text + len, 1, cap - len, f);
    len += got;
    if (got == 0)
      break;
  }
  fclose(f);
  if (rc == LW_OK)
    rc = lw_con_users_parse(a, path, text ? text : "", len, diag);
  if (text)
    memset(text, 0, len);
  free(text);
  return rc;
}

int lw_con_hash_password(const char *pw, unsigned iter, char *out, size_t outlen, char *err,
                         size_t errlen) {
  uint8_t salt[SALT_LEN], dk[HASH_LEN];
  if (iter == 0)
    iter = LW_CON_PBKDF2_ITER;
  if (iter > MAX_ITER) {
    snprintf(err, errlen, "at most %u iterations", MAX_ITER);
    return LW_ERR_INVALID_ARG;
  }
  if (lw_ossl_load(err, errlen) != LW_OK)
    return LW_ERR_TLS;
  if (!fill_random(salt, sizeof salt)) {
    snprintf(err, errlen, "no randomness: %s", strerror(errno));
    return LW_ERR_IO;
  }
#if LW_TLS
  if (PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, sizeof salt, (int)iter, EVP_sha256(), sizeof dk,
                        dk) != 1) {
    snprintf(err, errlen, "PBKDF2 failed in OpenSSL");
    return LW_ERR_TLS;
  }
#else
  (void)pw; /* lw_ossl_load has failed: a build without OpenSSL cannot hash */
#endif
  lw_buf b;
  lw_buf_init(&b, 512);
  char head[48];
  int hl = snprintf(head, sizeof head, "pbkdf2-sha256$%u$", iter);
  lw_buf_append(&b, head, (size_t)hl);
  lw_base64_encode(&b, salt, sizeof salt);
  lw_buf_append(&b, "$", 1);
  lw_base64_encode(&b, dk, sizeof dk);
  int rc = b.err;
  if (rc == LW_OK && b.len + 1 > outlen)
    rc = LW_ERR_TOO_LARGE;
  if (rc == LW_OK) {
    memcpy(out, b.data, b.len);
    out[b.len] = 0;
  } else {
    snprintf(err, errlen, "hash does not fit");
  }
  memset(dk, 0, sizeof dk);
  lw_buf_free(&b);
  return rc;
}

bool lw_con_verify_password(const char *hash, const char *pw) {
#if LW_TLS
  char err[256];
  if (strncmp(hash, "pbkdf2-sha256$", 14) != 0 || lw_ossl_load(err, sizeof err) != LW_OK)
    return false;
  const char *p = hash + 14;
  char *e;
  unsigned long iter = strtoul(p, &e, 10);
  if (e == p || *e != '$' || iter == 0 || iter > MAX_ITER)
    return false;
  const char *salt64 = e + 1;
  const char *d = strchr(salt64, '$');
  if (!d)
    return false;
  uint8_t salt[64], want[64], got[HASH_LEN];
  long sl = lw_base64_decode(salt64, (size_t)(d - salt64), salt, sizeof salt);
  long wl = lw_base64_decode(d + 1, strlen(d + 1), want, sizeof want);
  bool ok = sl > 0 && wl == HASH_LEN &&
            PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, (int)sl, (int)iter, EVP_sha256(),
                              sizeof got, got) == 1 &&
            CRYPTO_memcmp(got, want, HASH_LEN) == 0;
  memset(got, 0, sizeof got);
  return ok;
#else
  (void)hash, (void)pw;
  return false;
#endif
}

/* Spent for unknown names, so that they cost what a wrong password costs. */
static const char dummy_hash[] = "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA==$"
                                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

const lw_con_user *lw_con_login(lw_con_auth *a, const char *name, const char *pw) {
  const lw_con_user *u = NULL;
  for (size_t i = 0; i < a->nusers; i++)
    if (!strcmp(a->users[i].name, name))
      u = &a->users[i];
  bool ok = lw_con_verify_password(u ? u->hash : dummy_hash, pw);
  return ok && u ? u : NULL;
}

static lw_con_throttle_slot *throttle_slot(lw_con_auth *a, const char *addr, bool create,
                                           int64_t now_ms) {
  lw_con_throttle_slot *oldest = NULL;
  for (int i = 0; i < LW_CON_THROTTLE_SLOTS; i++) {
    lw_con_throttle_slot *s = &a->throttle[i];
    if (s->addr[0] && !strcmp(s->addr, addr))
      return s;
    if (!oldest ||
        (oldest->addr[0] && (!s->addr[0] || s->window_start_ms < oldest->window_start_ms)))
      oldest = s;
  }
  if (!create)
    return NULL;
  /* A full table forgets the oldest window: an attacker rotating addresses gains at most one
   * fresh window per slot, and each try still costs a PBKDF2. */
  memset(oldest, 0, sizeof *oldest);
  snprintf(oldest->addr, sizeof oldest->addr, "%s", addr);
  oldest->window_start_ms = now_ms;
  return oldest;
}

int64_t lw_con_throttled(lw_con_auth *a, const char *addr, int64_t now_ms) {
  lw_con_throttle_slot *s = throttle_slot(a, addr, false, now_ms);
  if (!s)
    return 0;
  int64_t end = s->window_start_ms + LW_CON_LOGIN_WINDOW;
  if (now_ms >= end) {
    memset(s, 0, sizeof *s);
    return 0;
  }
  return s->fails >= LW_CON_LOGIN_FAILS ? end - now_ms : 0;
}

void lw_con_login_failed(lw_con_auth *a, const char *addr, int64_t now_ms) {
  lw_con_throttle_slot *s = throttle_slot(a, addr, true, now_ms);
  if (now_ms >= s->window_start_ms + LW_CON_LOGIN_WINDOW) {
    s->fails = 0;
    s->window_start_ms = now_ms;
  }
  s->fails++;
}

void lw_con_login_ok(lw_con_auth *a, const char *addr) {
  lw_con_throttle_slot *s = throttle_slot(a, addr, false, 0);
  if (s)
    memset(s, 0, sizeof *s);
}

lw_con_session *lw_con_session_new(lw_con_auth *a, const lw_con_user *u, int64_t now_ms) {
  lw_con_session *pick = NULL;
  for (int i = 0; i < LW_CON_MAX_SESSIONS; i++) {
    lw_con_session *s = &a->sessions[i];
    if (!s->id[0] || s->expires_ms <= now_ms) {
      pick = s;
      break;
    }
    if (!pick || s->expires_ms < pick->expires_ms)
      pick = s;
  }
  lw_con_session ns;
  memset(&ns, 0, sizeof ns);
  if (!new_token(ns.id) || !new_token(ns.csrf))
    return NULL;
  snprintf(ns.user, sizeof ns.user, "%s", u->name);
  ns.role = u->role;
  ns.expires_ms = now_ms + LW_CON_SESSION_MS;
  *pick = ns;
  return pick;
}

static bool token_eq(const char *a, const char *b, size_t blen) {
  size_t al = strlen(a);
  if (al != blen || al == 0)
    return false;
  unsigned char d = 0;
  for (size_t i = 0; i < al; i++)
    d |= (unsigned char)(a[i] ^ b[i]);
  return d == 0;
}

lw_con_session *lw_con_session_find(lw_con_auth *a, const char *id, size_t idlen, int64_t now_ms) {
  lw_con_session *found = NULL;
  for (int i = 0; i < LW_CON_MAX_SESSIONS; i++) {
    lw_con_session *s = &a->sessions[i];
    if (s->id[0] && token_eq(s->id, id, idlen))
      found = s;
  }
  if (found && found->expires_ms <= now_ms) {
    lw_con_session_end(found);
    found = NULL;
  }
  return found;
}

void lw_con_session_end(lw_con_session *s) {
  memset(s, 0, sizeof *s);
}

bool lw_con_csrf_ok(const lw_con_session *s, const char *token, size_t len) {
  return token && token_eq(s->csrf, token, len);
}
