/* saslbroker.c — test-only: a SASL front for one Kafka broker of the mock cluster (which has no
 * SASL). It answers SaslHandshake and SaslAuthenticate itself (PLAIN, SCRAM-SHA-256 and
 * SCRAM-SHA-512 server side, written here against RFC 4616 / RFC 5802 / RFC 7677 with OpenSSL,
 * independently of logwire's client), adds both APIs to the broker's ApiVersions answer, and
 * relays every other request to the upstream broker and its answer back, in request order.
 *
 * It enforces what a Kafka SASL listener enforces: nothing but ApiVersions and SASL before
 * authentication; with a session lifetime (KIP-368, SaslAuthenticate v1+), a request arriving
 * after the session expired closes the connection, and so does one arriving in the middle of a
 * re-authentication; a failed authentication is answered, then the connection is closed.
 *
 *   saslbroker -u HOST:PORT [-p PORT] [-U USER:PASSWORD]... [-m MECH,MECH...] [-l LIFETIME_MS]
 *              [-i ITERATIONS] [-S] [-H HANDSHAKE_MAX] [-D DELAY_MS] [-L LOGFILE]
 *
 * -S answers SCRAM with a wrong server signature; -H 0 plays a broker before Kafka 1.0
 * (SaslHandshake v0 only, no SaslAuthenticate); -D holds each SaslAuthenticate answer back
 * (a slow broker: a client that does not hold its requests during re-authentication is caught
 * sending one in the middle). Prints "listening=127.0.0.1:PORT" once ready;
 * every event is one line in LOGFILE: accept, handshake, authenticate, auth-ok, auth-fail,
 * reject, close — each with conn=N (one process per connection, killed with the parent).
 * Built without OpenSSL (make TLS=0) it only says so and exits with status 77. */
#if LW_TLS /* the SCRAM server side needs OpenSSL; see the end of the file otherwise */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/api.h"
#include "proto/api_versions.h"
#include "proto/sasl.h"
#include "tests/tools/forkserve.h"

#define MAX_USERS 8
#define FRAME_MAX (64 * 1024 * 1024)

static struct {
  char upstream_host[64];
  int upstream_port;
  int port;
  struct {
    char *name, *password;
  } users[MAX_USERS];
  int nusers;
  char mechs[128];
  long lifetime_ms;
  int iterations;
  bool bad_signature;
  int handshake_max;
  int delay_ms;
  int logfd;
} opt = {.upstream_port = 0,
         .mechs = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
         .iterations = 4096,
         .handshake_max = 1,
         .logfd = -1};

static int conn_id;

static void ev(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ev(const char *fmt, ...) {
  char line[512];
  int n = snprintf(line, sizeof line, "conn=%d ", conn_id);
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof line - 2)
    n = (int)sizeof line - 2;
  line[n++] = '\n';
  if (opt.logfd >= 0 && write(opt.logfd, line, (size_t)n) < 0)
    perror("saslbroker: log");
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return false;
    c += w;
    n -= (size_t)w;
  }
  return true;
}

/* ---- Frames in order ---- */

typedef struct slot {
  int32_t corr;
  bool ready;
  int16_t api, ver;
  uint8_t *frame; /* size-prefixed response */
  size_t len;
  bool close_after; /* failed authentication: close once written */
  struct slot *next;
} slot;

typedef struct side {
  int fd;
  uint8_t *buf;
  size_t len, cap;
} side;

typedef struct conn {
  side cl, up;
  slot *head, *tail;
  /* SASL state */
  bool authenticated, in_handshake, reauth;
  char mech[64];
  char user[128];
  uint64_t expires_ms; /* 0: never */
  int scram_step;
  const EVP_MD *md;
  char nonce[128];
  char am[4096]; /* AuthMessage */
  uint8_t salted[64];
  bool closing;
} conn;

static slot *slot_add(conn *c, int32_t corr, int16_t api, int16_t ver) {
  slot *s = calloc(1, sizeof *s);
  if (!s)
    abort();
  s->corr = corr;
  s->api = api;
  s->ver = ver;
  if (c->tail)
    c->tail->next = s;
  else
    c->head = s;
  c->tail = s;
  return s;
}

/* Write every answer that is ready and has nothing unanswered before it. */
static bool flush(conn *c) {
  while (c->head && c->head->ready) {
    slot *s = c->head;
    bool ok = write_all(c->cl.fd, s->frame, s->len);
    bool close_after = s->close_after;
    c->head = s->next;
    if (!c->head)
      c->tail = NULL;
    free(s->frame);
    free(s);
    if (!ok || close_after)
      return false;
  }
  return true;
}

/* A local answer: header + body for api/ver, framed. */
static void answer(slot *s, const lw_buf *body) {
  lw_buf b;
  lw_buf_init(&b, FRAME_MAX);
  size_t off = lw_frame_begin(&b);
  lw_resp_header_encode(&b, s->api, s->ver, s->corr);
  lw_buf_append(&b, body->data, body->len);
  lw_frame_end(&b, off);
  s->frame = b.data;
  s->len = b.len;
  s->ready = true;
}

/* ---- SASL server side ---- */

static const char *password_of(const char *user) {
  for (int i = 0; i < opt.nusers; i++)
    if (!strcmp(opt.users[i].name, user))
      return opt.users[i].password;
  return NULL;
}

static bool mech_enabled(const char *m) {
  size_t n = strlen(m);
  for (const char *p = opt.mechs; (p = strstr(p, m)); p += n)
    if ((p == opt.mechs || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
      return true;
  return false;
}

static void b64(const uint8_t *p, size_t n, char *out) {
  EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

static void salt_of(const char *user, uint8_t salt[16]) {
  /* A fixed salt per user, as a broker stores one per credential. */
  unsigned int l;
  uint8_t h[64];
  EVP_Digest(user, strlen(user), h, &l, EVP_sha256(), NULL);
  memcpy(salt, h, 16);
}

/* Server side of SCRAM. Returns the reply token in out (NUL-terminated), or NULL with an
 * error message in err. */
static const char *scram_step(conn *c, const char *in, size_t inlen, char *out, size_t outcap,
                              char *err, size_t errlen) {
  char msg[2048];
  if (inlen >= sizeof msg) {
    snprintf(err, errlen, "message too long");
    return NULL;
  }
  memcpy(msg, in, inlen);
  msg[inlen] = 0;
  unsigned int hl = (unsigned int)EVP_MD_get_size(c->md);
  if (c->scram_step == 0) {
    /* client-first: "n,," "n=" saslname ",r=" nonce */
    if (strncmp(msg, "n,,n=", 5) != 0) {
      snprintf(err, errlen, "bad client-first message (GS2 header must be n,,)");
      return NULL;
    }
    char *bare = msg + 3;
    char *r = strstr(bare, ",r=");
    if (!r) {
      snprintf(err, errlen, "bad client-first message (no nonce)");
      return NULL;
    }
    /* unescape saslname */
    char user[128];
    size_t u = 0;
    for (char *p = bare + 2; p < r && u + 1 < sizeof user; p++) {
      if (*p == '=') {
        if (!strncmp(p, "=3D", 3))
          user[u++] = '=';
        else if (!strncmp(p, "=2C", 3))
          user[u++] = ',';
        else {
          snprintf(err, errlen, "bad saslname escape");
          return NULL;
        }
        p += 2;
      } else {
        user[u++] = *p;
      }
    }
    user[u] = 0;
    snprintf(c->user, sizeof c->user, "%s", user);
    const char *pw = password_of(user);
    if (!pw) {
      snprintf(err, errlen,
               "Authentication failed during authentication due to invalid "
               "credentials with SASL mechanism %s",
               c->mech);
      return NULL;
    }
    uint8_t rnd[18], salt[16];
    char snonce[32], salt64[32];
    RAND_bytes(rnd, sizeof rnd);
    b64(rnd, sizeof rnd, snonce);
    salt_of(user, salt);
    b64(salt, sizeof salt, salt64);
    snprintf(c->nonce, sizeof c->nonce, "%s%s", r + 3, snonce);
    snprintf(out, outcap, "r=%s,s=%s,i=%d", c->nonce, salt64, opt.iterations);
    PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, sizeof salt, opt.iterations, c->md, (int)hl,
                      c->salted);
    snprintf(c->am, sizeof c->am, "%s,%s", bare, out);
    c->scram_step = 1;
    return out;
  }
  /* client-final: "c=biws,r=" nonce ",p=" proof */
  char *p = strstr(msg, ",p=");
  char want[200];
  snprintf(want, sizeof want, "c=biws,r=%s", c->nonce);
  if (!p || (size_t)(p - msg) != strlen(want) || strncmp(msg, want, strlen(want))) {
    snprintf(err, errlen, "bad client-final message (channel binding or nonce)");
    return NULL;
  }
  *p = 0;
  size_t aml = strlen(c->am);
  snprintf(c->am + aml, sizeof c->am - aml, ",%s", msg);
  uint8_t proof[80], ckey[64], stored[64], csig[64], skey[64], ssig[64];
  int n = EVP_DecodeBlock(proof, (const unsigned char *)p + 3, (int)strlen(p + 3));
  unsigned int l;
  HMAC(c->md, c->salted, (int)hl, (const unsigned char *)"Client Key", 10, ckey, &l);
  EVP_Digest(ckey, hl, stored, &l, c->md, NULL);
  HMAC(c->md, stored, (int)hl, (const unsigned char *)c->am, strlen(c->am), csig, &l);
  uint8_t recovered[64], rstored[64];
  bool ok = n >= (int)hl;
  for (unsigned int i = 0; ok && i < hl; i++)
    recovered[i] = proof[i] ^ csig[i];
  if (ok)
    EVP_Digest(recovered, hl, rstored, &l, c->md, NULL);
  if (!ok || CRYPTO_memcmp(rstored, stored, hl) != 0) {
    snprintf(err, errlen,
             "Authentication failed during authentication due to invalid "
             "credentials with SASL mechanism %s",
             c->mech);
    return NULL;
  }
  HMAC(c->md, c->salted, (int)hl, (const unsigned char *)"Server Key", 10, skey, &l);
  HMAC(c->md, skey, (int)hl, (const unsigned char *)c->am, strlen(c->am), ssig, &l);
  if (opt.bad_signature)
    ssig[0] ^= 1;
  strcpy(out, "v=");
  b64(ssig, hl, out + 2);
  c->scram_step = 2;
  return out;
}

static void on_handshake(conn *c, slot *s, lw_cur *cur) {
  lw_sasl_handshake_req q;
  lw_buf body;
  lw_buf_init(&body, 4096);
  lw_str mechs[4];
  int nm = 0;
  char copy[128];
  snprintf(copy, sizeof copy, "%s", opt.mechs);
  for (char *t = strtok(copy, ","); t && nm < 4; t = strtok(NULL, ","))
    mechs[nm++] = lw_str_c(t);
  lw_sasl_handshake_resp r = {0, mechs, nm};
  if (lw_sasl_handshake_req_decode(cur, s->ver, &q) != LW_OK) {
    r.ErrorCode = LW_KAFKA_INVALID_REQUEST;
  } else {
    char m[64];
    snprintf(m, sizeof m, "%.*s", (int)q.Mechanism.len, q.Mechanism.p);
    ev("handshake mechanism=%s version=%d reauth=%d", m, s->ver, c->authenticated);
    if (!mech_enabled(m) || (c->authenticated && strcmp(m, c->mech))) {
      r.ErrorCode = LW_KAFKA_UNSUPPORTED_SASL_MECHANISM;
      s->close_after = true;
    } else {
      snprintf(c->mech, sizeof c->mech, "%s", m);
      c->md = !strcmp(m, "SCRAM-SHA-256") ? EVP_sha256() : EVP_sha512();
      c->in_handshake = true;
      c->reauth = c->authenticated;
      c->scram_step = 0;
    }
  }
  lw_sasl_handshake_resp_encode(&body, s->ver, &r);
  answer(s, &body);
  lw_buf_free(&body);
}

static void on_authenticate(conn *c, slot *s, lw_cur *cur) {
  lw_sasl_auth_req q;
  lw_sasl_auth_resp r = {0};
  char out[512] = "", err[256] = "";
  bool done = false;
  if (!c->in_handshake) {
    r.ErrorCode = LW_KAFKA_ILLEGAL_SASL_STATE;
    snprintf(err, sizeof err, "SaslAuthenticate without SaslHandshake");
  } else if (lw_sasl_auth_req_decode(cur, s->ver, &q) != LW_OK) {
    r.ErrorCode = LW_KAFKA_INVALID_REQUEST;
    snprintf(err, sizeof err, "malformed SaslAuthenticate");
  } else if (!strcmp(c->mech, "PLAIN")) {
    ev("authenticate mechanism=PLAIN step=1 version=%d", s->ver);
    /* authzid NUL user NUL password */
    const char *p = (const char *)q.AuthBytes.p, *e = p + q.AuthBytes.len;
    const char *u = memchr(p, 0, (size_t)(e - p));
    const char *w = u ? memchr(u + 1, 0, (size_t)(e - u - 1)) : NULL;
    char user[128] = "", pass[256] = "";
    if (u && w) {
      snprintf(user, sizeof user, "%.*s", (int)(w - u - 1), u + 1);
      snprintf(pass, sizeof pass, "%.*s", (int)(e - w - 1), w + 1);
    }
    snprintf(c->user, sizeof c->user, "%s", user);
    const char *pw = password_of(user);
    if (!u || !w || (u != p && strncmp(p, user, (size_t)(u - p))) || !pw || strcmp(pw, pass)) {
      r.ErrorCode = LW_KAFKA_SASL_AUTHENTICATION_FAILED;
      snprintf(err, sizeof err, "Authentication failed: Invalid username or password");
    } else {
      done = true;
    }
  } else {
    ev("authenticate mechanism=%s step=%d version=%d", c->mech, c->scram_step + 1, s->ver);
    if (!scram_step(c, (const char *)q.AuthBytes.p, (size_t)q.AuthBytes.len, out, sizeof out, err,
                    sizeof err))
      r.ErrorCode = LW_KAFKA_SASL_AUTHENTICATION_FAILED;
    else
      done = c->scram_step == 2;
  }
  if (opt.delay_ms > 0) {
    struct timespec d = {opt.delay_ms / 1000, (long)(opt.delay_ms % 1000) * 1000000L};
    while (nanosleep(&d, &d) != 0 && errno == EINTR) {
    }
  }
  r.AuthBytes = (lw_bytes){(const uint8_t *)out, (int32_t)strlen(out)};
  if (r.ErrorCode) {
    r.ErrorMessage = lw_str_c(err);
    ev("auth-fail user=%s mechanism=%s reason=%s", c->user, c->mech, err);
    s->close_after = true;
    c->in_handshake = false;
  } else if (done) {
    c->in_handshake = false;
    c->authenticated = true;
    if (opt.lifetime_ms > 0 && s->ver >= 1) {
      /* The session starts as the answer leaves (after -D's delay, as on a fast network). */
      r.SessionLifetimeMs = opt.lifetime_ms;
      c->expires_ms = now_ms() + (uint64_t)opt.lifetime_ms;
    }
    ev("auth-ok user=%s mechanism=%s reauth=%d version=%d", c->user, c->mech, c->reauth, s->ver);
  }
  lw_buf body;
  lw_buf_init(&body, 4096);
  lw_sasl_auth_resp_encode(&body, s->ver, &r);
  answer(s, &body);
  lw_buf_free(&body);
}

/* ---- Relaying ---- */

/* ApiVersions from upstream with SaslHandshake and SaslAuthenticate added. */
static void patch_apiversions(slot *s, const uint8_t *frame, size_t len) {
  lw_cur cur;
  lw_cur_init(&cur, frame + 8, len - 8);
  lw_arena a;
  lw_arena_init(&a, 1 << 20);
  lw_apiver_resp r;
  int rc = lw_apiver_resp_decode(&cur, s->ver, &a, &r);
  if (rc != LW_OK || r.ErrorCode != 0) {
    s->frame = malloc(len);
    memcpy(s->frame, frame, len);
    s->len = len;
    lw_arena_free(&a);
    return;
  }
  lw_apiver_range *k = calloc((size_t)r.ApiKeysCount + 2, sizeof *k);
  int32_t n = 0;
  for (int32_t i = 0; i < r.ApiKeysCount; i++)
    if (r.ApiKeys[i].ApiKey != LW_API_SASL_HANDSHAKE &&
        r.ApiKeys[i].ApiKey != LW_API_SASL_AUTHENTICATE)
      k[n++] = r.ApiKeys[i];
  k[n++] = (lw_apiver_range){LW_API_SASL_HANDSHAKE, 0, (int16_t)opt.handshake_max};
  if (opt.handshake_max >= 1)
    k[n++] = (lw_apiver_range){LW_API_SASL_AUTHENTICATE, 0, 2};
  r.ApiKeys = k;
  r.ApiKeysCount = n;
  lw_buf body;
  lw_buf_init(&body, 1 << 20);
  lw_apiver_resp_encode(&body, s->ver, &r);
  answer(s, &body);
  lw_buf_free(&body);
  free(k);
  lw_arena_free(&a);
}

/* acks of a Produce request (0: no response will come). */
static int produce_acks(const uint8_t *body, size_t len, int16_t ver) {
  lw_cur cur;
  lw_cur_init(&cur, body, len);
  if (ver >= 3)
    lw_rd_nstring(&cur, lw_api_flexible(LW_API_PRODUCE, ver), "TransactionalId");
  int16_t acks = lw_rd_i16(&cur, "Acks");
  return cur.err ? -1 : acks;
}

/* One request from the client. Returns false to close the connection. */
static bool on_request(conn *c, const uint8_t *frame, size_t len) {
  lw_cur cur;
  lw_cur_init(&cur, frame + 4, len - 4);
  lw_req_header h;
  if (lw_req_header_decode(&cur, &h) != LW_OK) {
    ev("reject reason=bad-header");
    return false;
  }
  if (h.ApiKey == LW_API_SASL_HANDSHAKE) {
    on_handshake(c, slot_add(c, h.CorrelationId, h.ApiKey, h.ApiVersion), &cur);
    return flush(c);
  }
  if (h.ApiKey == LW_API_SASL_AUTHENTICATE) {
    if (opt.handshake_max < 1) {
      ev("reject reason=no-sasl-authenticate");
      return false;
    }
    on_authenticate(c, slot_add(c, h.CorrelationId, h.ApiKey, h.ApiVersion), &cur);
    return flush(c);
  }
  if (h.ApiKey != LW_API_API_VERSIONS) {
    const char *why = !c->authenticated                           ? "unauthenticated"
                      : c->in_handshake                           ? "during-reauth"
                      : c->expires_ms && now_ms() > c->expires_ms ? "expired"
                                                                  : NULL;
    if (why) {
      ev("reject api=%s reason=%s", lw_api_name(h.ApiKey), why);
      return false;
    }
  }
  if (!(h.ApiKey == LW_API_PRODUCE &&
        produce_acks(frame + 4 + cur.pos, len - 4 - cur.pos, h.ApiVersion) == 0))
    slot_add(c, h.CorrelationId, h.ApiKey, h.ApiVersion);
  return write_all(c->up.fd, frame, len);
}

/* One response from upstream. */
static bool on_response(conn *c, const uint8_t *frame, size_t len) {
  if (len < 8)
    return false;
  int32_t corr = (int32_t)((uint32_t)frame[4] << 24 | (uint32_t)frame[5] << 16 |
                           (uint32_t)frame[6] << 8 | frame[7]);
  slot *s = c->head;
  while (s && (s->corr != corr || s->ready))
    s = s->next;
  if (!s) {
    ev("reject reason=unexpected-upstream-response corr=%d", (int)corr);
    return false;
  }
  if (s->api == LW_API_API_VERSIONS) {
    patch_apiversions(s, frame, len);
  } else {
    s->frame = malloc(len);
    memcpy(s->frame, frame, len);
    s->len = len;
  }
  s->ready = true;
  return flush(c);
}

/* Read what is there; hand every complete frame to fn. Returns false on EOF/error. */
static bool pump(conn *c, side *sd, bool (*fn)(conn *, const uint8_t *, size_t)) {
  if (sd->cap - sd->len < 65536) {
    sd->cap = sd->cap ? sd->cap * 2 : 1 << 20;
    sd->buf = realloc(sd->buf, sd->cap);
    if (!sd->buf)
      abort();
  }
  ssize_t n = read(sd->fd, sd->buf + sd->len, sd->cap - sd->len);
  if (n < 0 && errno == EINTR)
    return true;
  if (n <= 0)
    return false;
  sd->len += (size_t)n;
  size_t off = 0;
  for (;;) {
    size_t flen;
    int rc = lw_frame_peek(sd->buf + off, sd->len - off, FRAME_MAX, &flen);
    if (rc == LW_ERR_NEED_MORE)
      break;
    if (rc != LW_OK || !fn(c, sd->buf + off, flen + 4))
      return false;
    off += flen + 4;
  }
  memmove(sd->buf, sd->buf + off, sd->len - off);
  sd->len -= off;
  return true;
}

static int connect_upstream(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.upstream_port)};
  inet_pton(AF_INET, opt.upstream_host, &a.sin_addr);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("saslbroker: upstream");
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static void serve(int cfd) {
  conn c = {.cl = {.fd = cfd}};
  c.up.fd = connect_upstream();
  ev("accept");
  while (c.up.fd >= 0) {
    struct pollfd p[2] = {{cfd, POLLIN, 0}, {c.up.fd, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(&c, &c.cl, on_request))
      break;
    if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(&c, &c.up, on_response))
      break;
  }
  ev("close");
}

static void usage(void) {
  fprintf(stderr, "usage: saslbroker -u HOST:PORT [-p PORT] [-U USER:PASSWORD]... [-m MECHS] "
                  "[-l LIFETIME_MS] [-i ITERATIONS] [-S] [-H HANDSHAKE_MAX] [-D DELAY_MS] "
                  "[-L LOGFILE]\n");
  exit(2);
}

static void serve_conn(int fd, int id, void *ud) {
  (void)ud;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  conn_id = id;
  serve(fd);
}

int main(int argc, char **argv) {
  int ch;
  while ((ch = getopt(argc, argv, "u:p:U:m:l:i:SH:D:L:")) != -1) {
    switch (ch) {
      case 'u': {
        char *colon = strrchr(optarg, ':');
        if (!colon)
          usage();
        snprintf(opt.upstream_host, sizeof opt.upstream_host, "%.*s", (int)(colon - optarg),
                 optarg);
        opt.upstream_port = atoi(colon + 1);
        break;
      }
      case 'p':
        opt.port = atoi(optarg);
        break;
      case 'U': {
        char *colon = strchr(optarg, ':');
        if (!colon || opt.nusers == MAX_USERS)
          usage();
        *colon = 0;
        opt.users[opt.nusers].name = optarg;
        opt.users[opt.nusers++].password = colon + 1;
        break;
      }
      case 'm':
        snprintf(opt.mechs, sizeof opt.mechs, "%s", optarg);
        break;
      case 'l':
        opt.lifetime_ms = atol(optarg);
        break;
      case 'i':
        opt.iterations = atoi(optarg);
        break;
      case 'S':
        opt.bad_signature = true;
        break;
      case 'H':
        opt.handshake_max = atoi(optarg);
        break;
      case 'D':
        opt.delay_ms = atoi(optarg);
        break;
      case 'L':
        opt.logfd = open(optarg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (opt.logfd < 0) {
          perror(optarg);
          return 2;
        }
        break;
      default:
        usage();
    }
  }
  if (!opt.upstream_port)
    usage();
  int lfd = fork_listen("saslbroker", opt.port);
  if (lfd < 0)
    return 1;
  return fork_serve(lfd, "saslbroker", serve_conn, NULL);
}

#else

#include <stdio.h>

int main(void) {
  fprintf(stderr, "saslbroker: built without OpenSSL (make TLS=0)\n");
  return 77;
}

#endif
