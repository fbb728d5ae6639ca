/* scram.c — SCRAM-SHA-256/512 client messages and proofs (RFC 5802, RFC 7677, KIP-84) and the
 * PLAIN message (RFC 4616). The crypto is OpenSSL's; everything else is plain string work. */
#include "net/scram.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"

#if LW_TLS
#include "net/ossl.h"
#endif

#define AM_MAX     8192 /* ceiling on the AuthMessage (and so on the server-first message) */
#define SALT_MAX   128
#define NONCE_RAND 24 /* random bytes in our nonce: 32 base64 characters */

/* ---- Base64 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int lw_base64_encode(lw_buf *out, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    char q[4] = {b64[v >> 18], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                 i + 2 < n ? b64[v & 63] : '='};
    lw_buf_append(out, q, 4);
  }
  return out->err;
}

static int b64_val(char c) {
  const char *p = c ? strchr(b64, c) : NULL;
  return p ? (int)(p - b64) : -1;
}

long lw_base64_decode(const char *s, size_t n, uint8_t *out, size_t outcap) {
  if (n % 4)
    return -1;
  size_t o = 0;
  for (size_t i = 0; i < n; i += 4) {
    int v[4], pad = 0;
    for (int k = 0; k < 4; k++) {
      if (s[i + k] == '=' && i + 4 == n && k >= 2) {
        v[k] = 0;
        pad++;
        continue;
      }
      if (pad || (v[k] = b64_val(s[i + k])) < 0)
        return -1; /* a digit after padding, or not base64 */
    }
    if ((pad == 1 && (v[2] & 3)) || (pad == 2 && (v[1] & 15)))
      return -1; /* non-zero bits under the padding: not canonical (RFC 4648, 3.5) */
    uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    uint8_t b[3] = {(uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x};
    if (o + (size_t)(3 - pad) > outcap)
      return -1;
    memcpy(out + o, b, (size_t)(3 - pad));
    o += (size_t)(3 - pad);
  }
  return (long)o;
}

/* ---- Messages that need no crypto ---- */

int lw_scram_saslname(lw_buf *out, const char *user) {
  for (const char *p = user; *p; p++) {
    if (*p == '=')
      lw_buf_append(out, "=3D", 3);
    else if (*p == ',')
      lw_buf_append(out, "=2C", 3);
    else
      lw_buf_append(out, p, 1);
  }
  return out->err;
}

int lw_sasl_plain(lw_buf *out, const char *user, const char *password) {
  lw_buf_put_u8(out, 0); /* empty authzid: act as the authenticated user */
  lw_buf_append(out, user, strlen(user));
  lw_buf_put_u8(out, 0);
  lw_buf_append(out, password, strlen(password));
  return out->err;
}

/* A nonce is printable ASCII without ','. */
static bool nonce_ok(const char *s, size_t n) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ',')
      return false;
  return true;
}

/* Clear secrets through a volatile pointer so the stores are not optimised away (PLAIN uses
 * this too, where OpenSSL may not be loaded). */
static void wipe(void *p, size_t n) {
  volatile uint8_t *v = p;
  while (n--)
    *v++ = 0;
}

/* ---- Crypto (OpenSSL) ---- */

#if LW_TLS

int lw_scram_init(lw_scram *s, const char *mechanism) {
  memset(s, 0, sizeof *s);
  lw_buf_init(&s->am, AM_MAX);
  char why[256];
  if (lw_ossl_load(why, sizeof why) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  if (!strcmp(mechanism, "SCRAM-SHA-256"))
    s->md = EVP_sha256();
  else if (!strcmp(mechanism, "SCRAM-SHA-512"))
    s->md = EVP_sha512();
  else if (!strcmp(mechanism, "SCRAM-SHA-1"))
    s->md = EVP_sha1();
  else
    return LW_ERR_INVALID_ARG;
  if (!s->md)
    return LW_ERR_UNSUPPORTED;
  s->hlen = (size_t)EVP_MD_get_size(s->md);
  return LW_OK;
}

static bool random_nonce(char *out, size_t outcap) {
  uint8_t r[NONCE_RAND];
  if (RAND_bytes(r, sizeof r) != 1)
    return false;
  lw_buf b;
  lw_buf_init(&b, outcap - 1);
  lw_base64_encode(&b, r, sizeof r);
  bool ok = b.err == LW_OK;
  if (ok) {
    memcpy(out, b.data, b.len);
    out[b.len] = 0;
  }
  lw_buf_free(&b);
  return ok;
}

static bool hmac(const lw_scram *s, const uint8_t *key, size_t klen, const void *msg, size_t n,
                 uint8_t *out) {
  unsigned int len = 0;
  return HMAC(s->md, key, (int)klen, msg, n, out, &len) && len == s->hlen;
}

static bool hash(const lw_scram *s, const uint8_t *p, size_t n, uint8_t *out) {
  unsigned int len = 0;
  return EVP_Digest(p, n, out, &len, s->md, NULL) == 1 && len == s->hlen;
}

static bool pbkdf2(const lw_scram *s, const char *password, const uint8_t *salt, size_t slen,
                   int iterations, uint8_t *out) {
  return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)slen, iterations, s->md,
                           (int)s->hlen, out) == 1;
}

static bool same(const uint8_t *a, const uint8_t *b, size_t n) {
  return CRYPTO_memcmp(a, b, n) == 0;
}

#else /* built without OpenSSL */

int lw_scram_init(lw_scram *s, const char *mechanism) {
  memset(s, 0, sizeof *s);
  lw_buf_init(&s->am, AM_MAX);
  if (strcmp(mechanism, "SCRAM-SHA-256") && strcmp(mechanism, "SCRAM-SHA-512") &&
      strcmp(mechanism, "SCRAM-SHA-1"))
    return LW_ERR_INVALID_ARG;
  return LW_ERR_UNSUPPORTED;
}

static bool random_nonce(char *out, size_t outcap) {
  (void)out, (void)outcap;
  return false;
}
static bool hmac(const lw_scram *s, const uint8_t *key, size_t klen, const void *msg, size_t n,
                 uint8_t *out) {
  (void)s, (void)key, (void)klen, (void)msg, (void)n, (void)out;
  return false;
}
static bool hash(const lw_scram *s, const uint8_t *p, size_t n, uint8_t *out) {
  (void)s, (void)p, (void)n, (void)out;
  return false;
}
static bool pbkdf2(const lw_scram *s, const char *password, const uint8_t *salt, size_t slen,
                   int iterations, uint8_t *out) {
  (void)s, (void)password, (void)salt, (void)slen, (void)iterations, (void)out;
  return false;
}
static bool same(const uint8_t *a, const uint8_t *b, size_t n) {
  (void)a, (void)b, (void)n;
  return false;
}

#endif

void lw_scram_free(lw_scram *s) {
  if (s->am.data)
    wipe(s->am.data, s->am.cap);
  lw_buf_free(&s->am);
  wipe(s->server_sig, sizeof s->server_sig);
  s->step = 0;
}

/* ---- The exchange ---- */

int lw_scram_client_first(lw_scram *s, const char *user, const char *nonce, lw_buf *out) {
  if (!s->md || s->step != 0)
    return LW_ERR_INVALID_ARG;
  if (nonce) {
    size_t n = strlen(nonce);
    if (!nonce_ok(nonce, n) || n >= sizeof s->nonce)
      return LW_ERR_INVALID_ARG;
    memcpy(s->nonce, nonce, n + 1);
  } else if (!random_nonce(s->nonce, sizeof s->nonce)) {
    return LW_ERR_IO;
  }
  /* client-first-bare, kept for the AuthMessage */
  lw_buf_append(&s->am, "n=", 2);
  lw_scram_saslname(&s->am, user);
  lw_buf_append(&s->am, ",r=", 3);
  lw_buf_append(&s->am, s->nonce, strlen(s->nonce));
  if (s->am.err)
    return s->am.err;
  lw_buf_append(out, "n,,", 3); /* GS2 header: no channel binding, no authzid */
  lw_buf_append(out, s->am.data, s->am.len);
  s->step = 1;
  return out->err;
}

/* Split "a=v,b=w,..." one attribute at a time: returns false at the end. */
typedef struct attr_it {
  const char *p, *end;
} attr_it;

static bool next_attr(attr_it *it, char *name, const char **v, size_t *vlen) {
  if (it->p >= it->end)
    return false;
  const char *e = memchr(it->p, ',', (size_t)(it->end - it->p));
  if (!e)
    e = it->end;
  if (e - it->p < 2 || it->p[1] != '=') {
    *name = 0; /* malformed attribute */
  } else {
    *name = it->p[0];
  }
  *v = it->p + 2;
  *vlen = e - it->p >= 2 ? (size_t)(e - it->p - 2) : 0;
  it->p = e + 1;
  return true;
}

int lw_scram_client_final(lw_scram *s, const char *password, const uint8_t *msg, size_t len,
                          lw_buf *out, char *err, size_t errlen) {
  uint8_t salt[SALT_MAX], salted[LW_SCRAM_MAX_HASH], ckey[LW_SCRAM_MAX_HASH];
  uint8_t skey[LW_SCRAM_MAX_HASH], stored[LW_SCRAM_MAX_HASH], csig[LW_SCRAM_MAX_HASH];
  int rc = LW_ERR_AUTH;
  if (s->step != 1) {
    snprintf(err, errlen, "SCRAM server-first message out of sequence");
    goto out;
  }
  /* server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count
   *                        ["," extensions] */
  attr_it it = {(const char *)msg, (const char *)msg + len};
  const char *v, *rnonce = NULL, *rsalt = NULL, *riter = NULL;
  size_t vn, nn = 0, sn = 0, in = 0;
  char name;
  int idx = 0;
  for (size_t i = 0; i < len; i++)
    if (msg[i] < 0x20 || msg[i] > 0x7e) {
      snprintf(err, errlen, "malformed SCRAM server-first message (non-printable byte)");
      goto out;
    }
  while (next_attr(&it, &name, &v, &vn)) {
    if (idx == 0 && name == 'm') {
      snprintf(err, errlen, "the server requires a SCRAM extension logwire does not know (m=)");
      goto out;
    }
    if (idx == 0 && name == 'r')
      rnonce = v, nn = vn;
    else if (idx == 1 && name == 's')
      rsalt = v, sn = vn;
    else if (idx == 2 && name == 'i')
      riter = v, in = vn;
    else if (idx < 3)
      break; /* missing or misplaced attribute */
    idx++;   /* later attributes are extensions: ignored, as RFC 5802 allows */
  }
  if (!rnonce || !rsalt || !riter) {
    snprintf(err, errlen, "malformed SCRAM server-first message (expected r=,s=,i=)");
    goto out;
  }
  size_t cn = strlen(s->nonce);
  if (nn <= cn || memcmp(rnonce, s->nonce, cn) != 0 || !nonce_ok(rnonce, nn)) {
    snprintf(err, errlen, "the server's SCRAM nonce does not extend the client's");
    goto out;
  }
  long slen = lw_base64_decode(rsalt, sn, salt, sizeof salt);
  if (slen <= 0) {
    snprintf(err, errlen, "malformed SCRAM salt");
    goto out;
  }
  long iter = 0;
  for (size_t i = 0; i < in; i++) {
    if (riter[i] < '0' || riter[i] > '9' || iter > LW_SCRAM_MAX_ITERATIONS) {
      iter = -1;
      break;
    }
    iter = iter * 10 + (riter[i] - '0');
  }
  if (in == 0 || iter < 0) {
    snprintf(err, errlen, "malformed SCRAM iteration count");
    goto out;
  }
  if (iter < LW_SCRAM_MIN_ITERATIONS || iter > LW_SCRAM_MAX_ITERATIONS) {
    snprintf(err, errlen, "SCRAM iteration count %ld outside %d..%d", iter, LW_SCRAM_MIN_ITERATIONS,
             LW_SCRAM_MAX_ITERATIONS);
    goto out;
  }
  /* AuthMessage = client-first-message-bare "," server-first-message ","
   *               client-final-message-without-proof */
  lw_buf_put_u8(&s->am, ',');
  lw_buf_append(&s->am, msg, len);
  lw_buf_append(&s->am, ",c=biws,r=", 10); /* "biws" = base64("n,,") */
  lw_buf_append(&s->am, rnonce, nn);
  if (s->am.err) {
    snprintf(err, errlen, "SCRAM server-first message too long");
    goto out;
  }
  const uint8_t *am = s->am.data;
  size_t amlen = s->am.len;
  size_t h = s->hlen;
  /* SaltedPassword = Hi(password, salt, i); ClientKey = HMAC(SaltedPassword, "Client Key");
   * StoredKey = H(ClientKey); ClientSignature = HMAC(StoredKey, AuthMessage);
   * ClientProof = ClientKey XOR ClientSignature; ServerKey = HMAC(SaltedPassword, "Server Key");
   * ServerSignature = HMAC(ServerKey, AuthMessage). */
  if (!pbkdf2(s, password, salt, (size_t)slen, (int)iter, salted) ||
      !hmac(s, salted, h, "Client Key", 10, ckey) || !hash(s, ckey, h, stored) ||
      !hmac(s, stored, h, am, amlen, csig) || !hmac(s, salted, h, "Server Key", 10, skey) ||
      !hmac(s, skey, h, am, amlen, s->server_sig)) {
    snprintf(err, errlen, "SCRAM key derivation failed in libcrypto");
    goto out;
  }
  for (size_t i = 0; i < h; i++)
    ckey[i] ^= csig[i]; /* ClientProof */
  lw_buf_append(out, "c=biws,r=", 9);
  lw_buf_append(out, rnonce, nn);
  lw_buf_append(out, ",p=", 3);
  lw_base64_encode(out, ckey, h);
  rc = out->err;
  if (rc == LW_OK)
    s->step = 2;
out:
  wipe(salted, sizeof salted);
  wipe(ckey, sizeof ckey);
  wipe(skey, sizeof skey);
  wipe(stored, sizeof stored);
  wipe(csig, sizeof csig);
  return rc;
}

int lw_scram_server_final(lw_scram *s, const uint8_t *msg, size_t len, char *err, size_t errlen) {
  if (s->step != 2) {
    snprintf(err, errlen, "SCRAM server-final message out of sequence");
    return LW_ERR_AUTH;
  }
  /* server-final-message = (server-error / verifier) ["," extensions] */
  attr_it it = {(const char *)msg, (const char *)msg + len};
  const char *v;
  size_t vn;
  char name;
  if (!next_attr(&it, &name, &v, &vn) || (name != 'e' && name != 'v')) {
    snprintf(err, errlen, "malformed SCRAM server-final message");
    return LW_ERR_AUTH;
  }
  if (name == 'e') {
    snprintf(err, errlen, "the server refused: %.*s", (int)(vn > 200 ? 200 : vn), v);
    return LW_ERR_AUTH;
  }
  uint8_t sig[LW_SCRAM_MAX_HASH + 3];
  long n = lw_base64_decode(v, vn, sig, sizeof sig);
  if (n != (long)s->hlen || !same(sig, s->server_sig, s->hlen)) {
    snprintf(err, errlen,
             "wrong SCRAM server signature: the broker did not prove it knows the password");
    return LW_ERR_AUTH;
  }
  s->step = 3;
  return LW_OK;
}
