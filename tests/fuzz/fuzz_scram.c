/* fuzz_scram.c — the client side of SCRAM-SHA-256 (net/scram.c) against the broker's two
 * messages, taken from the input: server-first, a newline, server-final. The client is user
 * "user", password "pencil" and the client nonce of RFC 7677's example, so the RFC's own
 * exchange (a seed) succeeds end to end. Besides no crash and no leak, decoded fields are
 * checked against the input: a server-first accepted must carry r= extending our nonce, s= and
 * an i= within bounds, and the client-final must echo that nonce exactly; a server-final
 * accepted must be "v=" and the base64 of the ServerSignature computed from the input (with
 * extensions after a ',' only); the signature itself must be accepted, and refused with a byte
 * flipped. Every refusal comes with a reason.
 * seeds: tests/fuzz/scram-seeds/[a-z]*.txt
 * The fuzz build links proto/ only: scram.c is included here, net/ossl.c linked (Makefile). */
#include <stdlib.h>
#include <string.h>

#include "net/scram.c"

#define NONCE "rOprNGfwEbeRWgbNEkqO"

/* The value of attribute NAME when it is the IDX-th of msg (0-based), or NULL. */
static const char *attr_at(const char *msg, size_t len, int idx, char name, size_t *vlen) {
  const char *p = msg, *end = msg + len;
  for (int i = 0; i < idx; i++) {
    const char *c = memchr(p, ',', (size_t)(end - p));
    if (!c)
      return NULL;
    p = c + 1;
  }
  if (end - p < 2 || p[0] != name || p[1] != '=')
    return NULL;
  const char *c = memchr(p, ',', (size_t)(end - p));
  *vlen = (size_t)((c ? c : end) - (p + 2));
  return p + 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096)
    return 0;
  const uint8_t *nl = memchr(data, '\n', size);
  size_t n1 = nl ? (size_t)(nl - data) : size;
  size_t n2 = nl ? size - n1 - 1 : 0;
  /* Exactly sized copies, so ASan sees any read past either message. */
  char *first = malloc(n1 ? n1 : 1), *final = malloc(n2 ? n2 : 1);
  if (!first || !final)
    abort();
  memcpy(first, data, n1);
  if (n2)
    memcpy(final, nl + 1, n2);
  lw_scram s;
  memset(&s, 0, sizeof s);
  lw_buf out, expect;
  lw_buf_init(&out, 1 << 16);
  lw_buf_init(&expect, 1 << 16);
  char err[256];
  if (lw_scram_init(&s, "SCRAM-SHA-256") != LW_OK) /* built without OpenSSL */
    goto done;
  if (lw_scram_client_first(&s, "user", NONCE, &out) != LW_OK)
    abort();
  lw_buf_reset(&out);
  err[0] = 0;
  int rc = lw_scram_client_final(&s, "pencil", (const uint8_t *)first, n1, &out, err, sizeof err);
  if (rc != LW_OK) {
    if (rc != LW_ERR_AUTH || !err[0])
      abort();
    goto done;
  }
  /* Accepted: the fields it used are in the input where the protocol puts them. */
  size_t rn = 0, sn = 0, in = 0;
  const char *r = attr_at(first, n1, 0, 'r', &rn);
  const char *sv = attr_at(first, n1, 1, 's', &sn);
  const char *iv = attr_at(first, n1, 2, 'i', &in);
  if (!r || !sv || !iv || rn <= strlen(NONCE) || memcmp(r, NONCE, strlen(NONCE)) != 0)
    abort();
  char num[16];
  if (in == 0 || in >= sizeof num)
    abort();
  memcpy(num, iv, in);
  num[in] = 0;
  long iters = strtol(num, NULL, 10);
  if (iters < LW_SCRAM_MIN_ITERATIONS || iters > LW_SCRAM_MAX_ITERATIONS)
    abort();
  /* client-final = "c=biws,r=" server-nonce ",p=" proof */
  lw_buf flat;
  lw_buf_init(&flat, 1 << 16);
  if (lw_buf_flatten(&out, &flat) != LW_OK)
    abort();
  const char *cf = (const char *)flat.data;
  size_t cfn = flat.len;
  if (cfn < 9 + rn + 3 || memcmp(cf, "c=biws,r=", 9) != 0 || memcmp(cf + 9, r, rn) != 0 ||
      memcmp(cf + 9 + rn, ",p=", 3) != 0)
    abort();
  lw_buf_free(&flat);
  /* The server-final from the input: accepted only if it is "v=" + base64(ServerSignature). */
  lw_buf_append(&expect, "v=", 2);
  if (lw_base64_encode(&expect, s.server_sig, s.hlen) != LW_OK)
    abort();
  lw_buf_init(&flat, 1 << 16);
  if (lw_buf_flatten(&expect, &flat) != LW_OK)
    abort();
  const char *want = (const char *)flat.data;
  size_t wn = flat.len;
  lw_scram saved = s; /* server_final only reads the state and moves step */
  err[0] = 0;
  rc = lw_scram_server_final(&s, (const uint8_t *) final, n2, err, sizeof err);
  if (rc == LW_OK) {
    if (n2 < wn || memcmp(final, want, wn) != 0 || (n2 > wn && final[wn] != ','))
      abort();
  } else if (rc != LW_ERR_AUTH || !err[0]) {
    abort();
  }
  /* The true signature passes; with one byte of it changed, it does not. */
  s.step = saved.step;
  if (lw_scram_server_final(&s, (const uint8_t *)want, wn, err, sizeof err) != LW_OK)
    abort();
  char *bad = malloc(wn);
  if (!bad)
    abort();
  memcpy(bad, want, wn);
  bad[2] = bad[2] == 'A' ? 'B' : 'A';
  s.step = saved.step;
  if (lw_scram_server_final(&s, (const uint8_t *)bad, wn, err, sizeof err) == LW_OK)
    abort();
  free(bad);
  lw_buf_free(&flat);
done:
  lw_scram_free(&s);
  lw_buf_free(&out);
  lw_buf_free(&expect);
  free(first);
  free(final);
  return 0;
}
