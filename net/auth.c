/* auth.c — SASL on a Kafka connection: SaslHandshake v1, then PLAIN or SCRAM tokens carried by
 * SaslAuthenticate v0-v2, and re-authentication before the session expires (KIP-368). The
 * mechanisms' messages are built in net/scram.c; this file runs the exchange. */
#include "net/auth.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/conn_internal.h"
#include "net/partitioner.h"
#include "net/scram.h"
#include "net/secret.h"
#include "base/err.h"
#include "proto/sasl.h"

#define TOKEN_MAX 16384 /* ceiling on one client token */

enum mech { MECH_PLAIN, MECH_SCRAM };

struct lw_auth {
  lw_conn *c;
  int mech;
  const char *mech_name; /* borrowed from the conf */
  int16_t hs_ver, au_ver;
  int step;           /* SaslAuthenticate exchanges done in this round */
  bool reauth;        /* this round re-authenticates a live connection */
  int64_t session_ms; /* SessionLifetimeMs of the last answer (0: none) */
  lw_scram scram;
};

bool lw_auth_needed(const lw_producer_conf *conf) {
  return conf->security_protocol == LW_SEC_SASL_PLAINTEXT ||
         conf->security_protocol == LW_SEC_SASL_SSL;
}

static void alog(lw_auth *a, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void alog(lw_auth *a, int level, const char *fmt, ...) {
  lw_net_ctx *ctx = lw_conn_ctx(a->c);
  if (!ctx->log && !ctx->log_broker)
    return;
  char msg[640];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (level >= 3)
    lw_conn_set_reason(a->c, msg);
  lw_net_log_broker(ctx, level, lw_conn_name(a->c), (int)lw_conn_node_id(a->c), "SASL %s%s: %s",
                    a->mech_name, a->reauth ? " re-authentication" : "", msg);
}

static const lw_producer_conf *conf_of(lw_auth *a) {
  return lw_conn_ctx(a->c)->conf;
}

/* Wipe and free a buffer that held a token. */
static void token_free(lw_buf *b) {
  if (b->data) {
    volatile uint8_t *p = b->data;
    for (size_t i = 0; i < b->cap; i++)
      p[i] = 0;
  }
  lw_buf_free(b);
}

/* Report the outcome. Nothing may touch `a` afterwards: the conn may have freed it. */
static void finish(lw_auth *a, int err) {
  lw_conn *c = a->c;
  if (err == LW_OK && a->session_ms > 0) {
    /* KIP-368: re-authenticate at 85% to 95% of the session, jittered so that many
     * connections do not re-authenticate together (Kafka's client uses the same window). */
    uint32_t r = lw_rand32(&lw_conn_ctx(c)->rng) % 1000;
    uint64_t delay_us = (uint64_t)a->session_ms * (850u + r / 10u); /* ms * per-mille = us */
    alog(a, 0, "authenticated as \"%s\"; session lifetime %lld ms, re-authenticating in %llu ms",
         conf_of(a)->sasl_username, (long long)a->session_ms,
         (unsigned long long)(delay_us / 1000u));
    lw_conn_reauth_in(c, delay_us);
  } else if (err == LW_OK) {
    alog(a, 0, "authenticated as \"%s\"", conf_of(a)->sasl_username);
  }
  lw_conn_auth_done(c, err);
}

static void on_authenticate(lw_conn *c, int err, const uint8_t *body, size_t len, void *ud);

/* Send one token in a SaslAuthenticate request. Returns LW_OK or an error (nothing sent). After
 * LW_OK nothing may touch `a` (a failed write may already have freed it). */
static int send_token(lw_auth *a, const lw_buf *tok) {
  lw_buf body;
  lw_buf_init(&body, TOKEN_MAX + 64);
  lw_sasl_auth_req q = {.AuthBytes = {tok->data, (int32_t)tok->len}};
  int rc = tok->err ? tok->err : lw_sasl_auth_req_encode(&body, a->au_ver, &q);
  lw_conn *c = a->c;
  int16_t ver = a->au_ver;
  if (rc == LW_OK)
    rc = lw_conn_internal_send(c, LW_API_SASL_AUTHENTICATE, ver, &body, on_authenticate, a);
  token_free(&body);
  return rc;
}

/* The password, from sasl_password or read from sasl_password_file now (logged on failure).
 * Returns LW_OK (*pw to release with lw_secret_free) or an error. */
static int password(lw_auth *a, char **pw) {
  const lw_producer_conf *cf = conf_of(a);
  char why[256];
  int rc = lw_secret_get(cf->sasl_password, cf->sasl_password_file, pw, why, sizeof why);
  if (rc == LW_ERR_CONFIG)
    alog(a, 3, "sasl_password_file: %s", why);
  return rc;
}

/* The first token of the mechanism. */
static int first_token(lw_auth *a) {
  const lw_producer_conf *cf = conf_of(a);
  lw_buf tok;
  lw_buf_init(&tok, TOKEN_MAX);
  int rc;
  if (a->mech == MECH_PLAIN) {
    char *pw = NULL;
    rc = password(a, &pw);
    if (rc == LW_OK)
      rc = lw_sasl_plain(&tok, cf->sasl_username, pw);
    lw_secret_free(pw);
    if (rc == LW_ERR_CONFIG) {
      token_free(&tok);
      return rc;
    }
  } else {
    lw_scram_free(&a->scram);
    rc = lw_scram_init(&a->scram, a->mech_name);
    if (rc == LW_OK)
      rc = lw_scram_client_first(&a->scram, cf->sasl_username, NULL, &tok);
  }
  if (rc == LW_OK)
    rc = send_token(a, &tok);
  else
    alog(a, 3, "cannot build the first message: %s", lw_err_str(rc));
  token_free(&tok);
  return rc;
}

static void on_handshake(lw_conn *c, int err, const uint8_t *body, size_t len, void *ud) {
  (void)c;
  if (err)
    return; /* the connection is failing; it frees the auth */
  lw_auth *a = ud;
  lw_arena ar;
  lw_arena_init(&ar, 64 * 1024);
  lw_cur cur;
  lw_cur_init(&cur, body, len);
  lw_sasl_handshake_resp r;
  int rc = lw_sasl_handshake_resp_decode(&cur, a->hs_ver, &ar, &r);
  if (rc != LW_OK) {
    alog(a, 3, "malformed SaslHandshake response: %s", lw_err_name(rc));
    lw_arena_free(&ar);
    finish(a, LW_ERR_MALFORMED);
    return;
  }
  if (r.ErrorCode != 0) {
    char mechs[256] = "";
    size_t n = 0;
    for (int32_t i = 0; i < r.MechanismsCount && n + 2 < sizeof mechs; i++)
      n += (size_t)snprintf(mechs + n, sizeof mechs - n, "%s%.*s", i ? ", " : "",
                            (int)r.Mechanisms[i].len, r.Mechanisms[i].p);
    if (r.ErrorCode == LW_KAFKA_UNSUPPORTED_SASL_MECHANISM)
      alog(a, 3, "the broker does not enable %s (it enables: %s); set sasl_mechanism", a->mech_name,
           n ? mechs : "none");
    else
      alog(a, 3, "SaslHandshake failed: %s (%s); the broker enables: %s", lw_err_name(r.ErrorCode),
           lw_err_str(r.ErrorCode), n ? mechs : "none");
    lw_arena_free(&ar);
    finish(a, LW_ERR_AUTH);
    return;
  }
  lw_arena_free(&ar);
  a->step = 0;
  rc = first_token(a);
  if (rc != LW_OK)
    finish(a, rc == LW_ERR_NOMEM ? rc : LW_ERR_AUTH);
}

static void on_authenticate(lw_conn *c, int err, const uint8_t *body, size_t len, void *ud) {
  (void)c;
  if (err)
    return; /* the connection is failing; it frees the auth */
  lw_auth *a = ud;
  lw_cur cur;
  lw_cur_init(&cur, body, len);
  lw_sasl_auth_resp r;
  int rc = lw_sasl_auth_resp_decode(&cur, a->au_ver, &r);
  if (rc != LW_OK) {
    alog(a, 3, "malformed SaslAuthenticate response: %s", lw_err_name(rc));
    finish(a, LW_ERR_MALFORMED);
    return;
  }
  if (r.ErrorCode != 0) {
    /* The broker's words first: "Authentication failed: Invalid username or password". */
    alog(a, 3, "authentication as \"%s\" failed: %s: %.*s (next attempt in about %d ms)",
         conf_of(a)->sasl_username, lw_err_name(r.ErrorCode),
         r.ErrorMessage.len > 0 ? (int)r.ErrorMessage.len : 0,
         r.ErrorMessage.len > 0 ? r.ErrorMessage.p : "", conf_of(a)->reconnect_backoff_max_ms);
    finish(a, LW_ERR_AUTH);
    return;
  }
  if (r.SessionLifetimeMs > 0) /* capped at ~30 years so that the delay cannot overflow */
    a->session_ms = r.SessionLifetimeMs < (int64_t)1e12 ? r.SessionLifetimeMs : (int64_t)1e12;
  a->step++;
  if (a->mech == MECH_PLAIN) {
    finish(a, LW_OK);
    return;
  }
  char why[256] = "";
  const uint8_t *tok = r.AuthBytes.p;
  size_t toklen = r.AuthBytes.len > 0 ? (size_t)r.AuthBytes.len : 0;
  if (a->step == 1) { /* server-first -> client-final */
    lw_buf out;
    lw_buf_init(&out, TOKEN_MAX);
    char *pw = NULL;
    rc = password(a, &pw);
    if (rc == LW_ERR_CONFIG) {
      token_free(&out);
      finish(a, LW_ERR_AUTH);
      return;
    }
    if (rc == LW_OK)
      rc = lw_scram_client_final(&a->scram, pw, tok, toklen, &out, why, sizeof why);
    lw_secret_free(pw);
    if (rc == LW_OK)
      rc = send_token(a, &out);
    token_free(&out);
    if (rc != LW_OK) {
      alog(a, 3, "%s", why[0] ? why : lw_err_str(rc));
      finish(a, rc == LW_ERR_NOMEM ? rc : LW_ERR_AUTH);
    }
    return;
  }
  /* server-final: the broker must prove it knows the password too */
  rc = lw_scram_server_final(&a->scram, tok, toklen, why, sizeof why);
  lw_scram_free(&a->scram);
  if (rc != LW_OK) {
    alog(a, 3, "%s (next attempt in about %d ms)", why, conf_of(a)->reconnect_backoff_max_ms);
    finish(a, LW_ERR_AUTH);
    return;
  }
  finish(a, LW_OK);
}

/* Start a round: SaslHandshake naming the mechanism. */
static int begin(lw_auth *a) {
  lw_buf body;
  lw_buf_init(&body, 256);
  lw_sasl_handshake_req q = {.Mechanism = lw_str_c(a->mech_name)};
  int rc = lw_sasl_handshake_req_encode(&body, a->hs_ver, &q);
  a->step = 0;
  a->session_ms = 0;
  if (rc == LW_OK)
    rc = lw_conn_internal_send(a->c, LW_API_SASL_HANDSHAKE, a->hs_ver, &body, on_handshake, a);
  lw_buf_free(&body);
  return rc;
}

/* The versions to use, from the broker's ApiVersions. Returns LW_OK or LW_ERR_AUTH (logged). */
static int pick_versions(lw_auth *a) {
  int16_t lo, hi, clo, chi;
  bool hs = lw_conn_broker_range(a->c, LW_API_SASL_HANDSHAKE, &lo, &hi);
  bool au = lw_conn_broker_range(a->c, LW_API_SASL_AUTHENTICATE, &clo, &chi);
  if (!hs) {
    alog(a, 3, "the broker does not offer SaslHandshake: is this a SASL listener?");
    return LW_ERR_AUTH;
  }
  if (hi < 1 || !au) {
    alog(a, 3,
         "the broker offers only SaslHandshake v0 (Kafka before 1.0), which sends raw SASL "
         "tokens outside Kafka requests; logwire needs SaslHandshake v1 and SaslAuthenticate "
         "(Kafka 1.0 or later)");
    return LW_ERR_AUTH;
  }
  a->hs_ver = 1; /* the highest version there is */
  int16_t mine_lo, mine_hi;
  lw_client_range(LW_API_SASL_AUTHENTICATE, &mine_lo, &mine_hi);
  a->au_ver = chi < mine_hi ? chi : mine_hi;
  if (a->au_ver < clo || a->au_ver < mine_lo) {
    alog(a, 3, "no SaslAuthenticate version in common (broker %d-%d)", clo, chi);
    return LW_ERR_AUTH;
  }
  return LW_OK;
}

int lw_auth_start(lw_auth **out, lw_conn *c) {
  *out = NULL;
  const lw_producer_conf *cf = lw_conn_ctx(c)->conf;
  lw_auth *a = calloc(1, sizeof *a);
  if (!a)
    return LW_ERR_NOMEM;
  a->c = c;
  a->mech_name = cf->sasl_mechanism && cf->sasl_mechanism[0] ? cf->sasl_mechanism : "PLAIN";
  a->mech = strcmp(a->mech_name, "PLAIN") == 0 ? MECH_PLAIN : MECH_SCRAM;
  int rc = pick_versions(a);
  if (rc == LW_OK) {
    *out = a; /* set before sending: a failed write frees it through the conn */
    rc = begin(a);
    if (rc == LW_OK)
      return LW_OK;
    *out = NULL;
  }
  lw_auth_free(a);
  return rc;
}

int lw_auth_reauth(lw_auth *a) {
  a->reauth = true;
  return begin(a);
}

void lw_auth_free(lw_auth *a) {
  if (!a)
    return;
  lw_scram_free(&a->scram);
  free(a);
}
