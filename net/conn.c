/* conn.c — one broker connection: connect, negotiate, frame, pipeline, time out, reconnect. */
#include "net/conn.h"

#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net/auth.h"
#include "net/conn_internal.h"
#include "net/conn_priv.h"
#include "net/partitioner.h"
#include "net/resolve.h"
#include "net/tls.h"
#include "proto/api.h"
#include "proto/api_versions.h"
#include "base/err.h"
#include "proto/version.h"

static void release(lw_conn *c);

/* Entry points from the loop or from the owner bracket their work with
 * lw__conn_enter/lw__conn_leave, so callback freeing the connection (lw_conn_free) only marks it
 * dead and the memory is released once the outermost entry point returns. Nothing may touch c after
 * lw__conn_leave(). */
void lw__conn_enter(lw_conn *c) {
  c->busy++;
}
void lw__conn_leave(lw_conn *c) {
  if (--c->busy == 0 && c->dead)
    release(c);
}

static uint32_t lw_rand32_ctx(lw_net_ctx *ctx) {
  return lw_rand32(&ctx->rng);
}
static void start_connect(lw_conn *c);
static void try_next_address(lw_conn *c);
static void on_reauth(lw_loop *l, lw_timer *t, void *ud);
static void send_apiversions(lw_conn *c, int16_t version);

const char *lw_conn_state_name(int s) {
  static const char *n[] = {"DOWN", "BACKOFF",     "RESOLVING", "CONNECTING",
                            "TLS",  "APIVERSIONS", "AUTH",      "READY"};
  return s >= 0 && s <= LW_CONN_READY ? n[s] : "?";
}

void lw_net_logf(const lw_net_ctx *ctx, int level, const char *fmt, ...) {
  if (!ctx->log)
    return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ctx->log(ctx->log_ud, level, msg);
}

void lw_net_log_broker(const lw_net_ctx *ctx, int level, const char *broker, int node_id,
                       const char *fmt, ...) {
  if (!ctx->log && !ctx->log_broker)
    return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (ctx->log_broker)
    ctx->log_broker(ctx->log_ud, level, broker, node_id, msg);
  else
    lw_net_logf(ctx, level, "broker %s (id %d): %s", broker, node_id, msg);
}

void lw_conn_set_reason(lw_conn *c, const char *why) {
  snprintf(c->why, sizeof c->why, "%s", why);
}

void lw__conn_log(lw_conn *c, int level, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (level >= 3) /* an error: the reason of the failure that follows */
    lw_conn_set_reason(c, msg);
  lw_net_log_broker(c->ctx, level, c->name, (int)c->node_id, "%s", msg);
}

/* How often an outage that lasts is reported again. */
#define LW_CONN_WARN_EVERY_US (60u * 1000000u)

/* Record why the current attempt failed (kept for the outage warning). */
static void set_why(lw_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(lw_conn *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->why, sizeof c->why, fmt, ap);
  va_end(ap);
}

/* A failed attempt to reach the broker (or a lost connection): the outage's first one is a
 * warning with the address and the reason, later ones are repeated at a limited rate. A
 * connection that was READY and drops is not an outage yet (brokers close idle connections):
 * only a failed attempt to connect again makes it one. */
static void note_failure(lw_conn *c, int err, bool was_ready) {
  if (err == LW_ERR_SHUTDOWN)
    return;
  if (!c->why[0])
    snprintf(c->why, sizeof c->why, "%s", lw_err_str(err));
  snprintf(c->last_error, sizeof c->last_error, "%s", c->why);
  snprintf(c->ctx->last_why, sizeof c->ctx->last_why, "%s: %s", c->name, c->why);
  c->ctx->last_err = err;
  c->errors++;
  uint64_t now = lw_now_us();
  if (was_ready) {
    lw__conn_log(c, 1, "connection lost: %s", c->why);
  } else if (!c->down_since_us) {
    c->down_since_us = now;
    c->warned_us = now;
    lw__conn_log(c, 2, "cannot reach the broker: %s (retrying, backoff up to %d ms)", c->why,
                 c->ctx->conf->reconnect_backoff_max_ms);
  } else if (now - c->warned_us >= LW_CONN_WARN_EVERY_US) {
    c->warned_us = now;
    lw__conn_log(c, 2, "still cannot reach the broker after %llu s (%d attempts): %s",
                 (unsigned long long)((now - c->down_since_us) / 1000000u), c->attempts + 1,
                 c->why);
  } else { /* every attempt, at debug */
    lw__conn_log(c, 0, "attempt %d failed: %s", c->attempts + 1, c->why);
  }
  c->why[0] = 0;
}

static void set_state(lw_conn *c, int state, int err) {
  if (c->state == state)
    return;
  c->state = state;
  if (state == LW_CONN_READY && c->down_since_us) {
    uint64_t d = lw_now_us() - c->down_since_us;
    lw__conn_log(c, 1, "reachable again after an outage of %llu.%01llu s",
                 (unsigned long long)(d / 1000000u), (unsigned long long)(d / 100000u % 10));
    c->down_since_us = 0;
  }
  if (state == LW_CONN_READY) {
    c->why[0] = 0;
    c->ctx->ever_ready = true;
    lw__conn_log(c, 0, "connected");
  }
  if ((state == LW_CONN_READY || state == LW_CONN_BACKOFF || state == LW_CONN_DOWN) &&
      c->cbs.on_state) {
    c->busy++;
    c->cbs.on_state(c, state, err, c->ud);
    c->busy--;
  }
}

static void set_name(lw_conn *c) {
  if (strchr(c->host, ':'))
    snprintf(c->name, sizeof c->name, "[%s]:%d", c->host, c->port);
  else
    snprintf(c->name, sizeof c->name, "%s:%d", c->host, c->port);
}

int lw_conn_new(lw_conn **out, lw_net_ctx *ctx, int32_t node_id, const char *host, int port,
                const lw_conn_cbs *cbs, void *ud) {
  lw_conn *c = calloc(1, sizeof(*c));
  if (!c)
    return LW_ERR_NOMEM;
  c->host = strdup(host);
  if (!c->host) {
    free(c);
    return LW_ERR_NOMEM;
  }
  c->ctx = ctx;
  c->node_id = node_id;
  c->port = port;
  c->fd = -1;
  c->cbs = *cbs;
  c->ud = ud;
  c->next_corr = 1;
  c->state = LW_CONN_DOWN;
  for (int i = 0; i < MAX_API; i++)
    c->bmin[i] = c->bmax[i] = -1;
  set_name(c);
  lw_timer_init(&c->timer, NULL, c);
  lw_timer_init(&c->reauth, on_reauth, c);
  *out = c;
  return LW_OK;
}

/* ---- Requests ---- */

static req *req_get(lw_conn *c) {
  req *r = c->pool;
  if (r) {
    c->pool = r->next;
    c->npool--;
    lw_buf_reset(&r->buf);
  } else {
    r = calloc(1, sizeof(*r));
    if (!r)
      return NULL;
    lw_buf_init(&r->buf, c->ctx->conf->request_max_bytes + 4096);
  }
  r->next = NULL;
  r->written = 0;
  r->due_us = 0;
  r->internal = false;
  return r;
}

static void req_put(lw_conn *c, req *r) {
  if (r->api == LW_API_SASL_AUTHENTICATE && r->buf.data)
    explicit_bzero(r->buf.data, r->buf.len); /* it carried credentials */
  /* Keep a few small buffers for reuse; large ones go back to the allocator (memory bound). */
  if (c->npool < 8 && r->buf.cap <= 64 * 1024) {
    r->next = c->pool;
    c->pool = r;
    c->npool++;
    return;
  }
  lw_buf_free(&r->buf);
  free(r);
}

void lw__conn_req_complete(lw_conn *c, req *r, int err, const uint8_t *body, size_t len) {
  c->outstanding--;
  if (r->cb) {
    c->busy++;
    r->cb(c, err, body, len, r->ud);
    c->busy--;
  }
  req_put(c, r);
}

static req *begin(lw_conn *c, int16_t api, int16_t ver) {
  req *r = req_get(c);
  if (!r)
    return NULL;
  r->api = api;
  r->ver = ver;
  r->corr = c->next_corr++;
  if (c->next_corr == INT32_MAX)
    c->next_corr = 1;
  size_t off = lw_frame_begin(&r->buf);
  (void)off;
  lw_req_header h = {.ApiKey = api,
                     .ApiVersion = ver,
                     .CorrelationId = r->corr,
                     .ClientId = lw_str_c(c->ctx->conf->client_id)};
  lw_req_header_encode(&r->buf, &h);
  return r;
}

lw_buf *lw_conn_request_begin(lw_conn *c, int16_t api_key, int16_t api_version) {
  if (c->state != LW_CONN_READY && c->state != LW_CONN_AUTH)
    return NULL;
  req *r = begin(c, api_key, api_version);
  return r ? &r->buf : NULL;
}

void lw_conn_request_abort(lw_conn *c, lw_buf *b) {
  req *r = (req *)((char *)b - offsetof(req, buf));
  req_put(c, r);
}

static void enqueue(lw_conn *c, req *r) {
  uint64_t now = lw_now_us();
  r->sent_us = now;
  r->deadline_us = now + (uint64_t)c->ctx->conf->request_timeout_ms * 1000u;
  if (r->due_us && r->due_us < r->deadline_us)
    r->deadline_us = r->due_us;
  if (r->internal && c->auth_hold) {
    /* Re-authentication goes ahead of the held requests (behind a partly written one). */
    req **at = &c->sendq;
    while (*at && (*at)->written > 0)
      at = &(*at)->next;
    r->next = *at;
    *at = r;
    if (!r->next)
      c->sendq_tail = r;
    c->outstanding++;
    return;
  }
  if (c->sendq_tail)
    c->sendq_tail->next = r;
  else
    c->sendq = r;
  c->sendq_tail = r;
  c->outstanding++;
}

void lw__conn_watch(lw_conn *c, unsigned ev) {
  if (c->fd < 0 || c->watching == ev)
    return;
  lw_loop_mod(c->ctx->loop, c->fd, ev);
  c->watching = ev;
}

static int send_req(lw_conn *c, req *r) {
  if (lw_frame_end(&r->buf, 0) != LW_OK) {
    int err = r->buf.err;
    req_put(c, r);
    return err ? err : LW_ERR_TOO_LARGE;
  }
  enqueue(c, r);
  if (!lw_timer_active(&c->timer))
    lw__conn_arm_timer(c);
  lw__conn_do_write(c);
  return LW_OK;
}

int lw_conn_request_send(lw_conn *c, lw_buf *b, bool expect_response, lw_resp_cb cb, void *ud) {
  return lw_conn_request_send_by(c, b, expect_response, cb, ud, 0);
}

int lw_conn_request_send_by(lw_conn *c, lw_buf *b, bool expect_response, lw_resp_cb cb, void *ud,
                            uint64_t due_us) {
  req *r = (req *)((char *)b - offsetof(req, buf));
  r->due_us = due_us;
  if (c->state != LW_CONN_READY && c->state != LW_CONN_AUTH) {
    req_put(c, r);
    return LW_ERR_DISCONNECTED;
  }
  r->expect = expect_response;
  r->cb = cb;
  r->ud = ud;
  lw__conn_enter(c);
  int rc = send_req(c, r);
  lw__conn_leave(c);
  return rc;
}

/* Fail every queued and in-flight request with err. */
static void fail_requests(lw_conn *c, int err) {
  req *lists[2] = {c->inflight, c->sendq};
  c->inflight = c->inflight_tail = NULL;
  c->sendq = c->sendq_tail = NULL;
  for (int i = 0; i < 2; i++) {
    req *r = lists[i];
    while (r) {
      req *n = r->next;
      lw__conn_req_complete(c, r, err, NULL, 0);
      r = n;
    }
  }
}

/* ---- Timer: backoff, connect timeout, request timeouts ---- */

static void timer_work(lw_conn *c);

/* The outstanding request whose deadline comes first: the oldest, unless a later one was
 * given a shorter limit (lw_conn_request_send_by). A few requests at most (max_in_flight). */
static req *earliest(lw_conn *c) {
  req *best = NULL;
  req *lists[2] = {c->inflight, c->sendq};
  for (int i = 0; i < 2; i++)
    for (req *r = lists[i]; r; r = r->next)
      if (!best || r->deadline_us < best->deadline_us)
        best = r;
  return best;
}

static void on_timer(lw_loop *l, lw_timer *t, void *ud) {
  (void)l;
  (void)t;
  lw_conn *c = ud;
  lw__conn_enter(c);
  timer_work(c);
  lw__conn_leave(c);
}

static void timer_work(lw_conn *c) {
  uint64_t now = lw_now_us();
  switch (c->state) {
    case LW_CONN_BACKOFF:
      if (c->want)
        start_connect(c);
      else
        set_state(c, LW_CONN_DOWN, 0);
      return;
    case LW_CONN_RESOLVING:
      /* Poll the resolver (it runs outside this thread); resolve.c paces the polling. */
      {
        int rc = lw_resolve_poll(c->res, &c->ai);
        if (rc == LW_ERR_NEED_MORE) {
          if (now - lw_resolve_started_us(c->res) >
              (uint64_t)c->ctx->conf->connect_timeout_ms * 1000u) {
            set_why(c, "resolving %s timed out after %d ms", c->host,
                    c->ctx->conf->connect_timeout_ms);
            lw__conn_fail(c, LW_ERR_RESOLVE);
          } else {
            lw_timer_start(c->ctx->loop, &c->timer, lw_resolve_next_poll_us(c->res));
          }
          return;
        }
        lw_resolve_free(c->res);
        c->res = NULL;
        if (rc != LW_OK) {
          set_why(c, "cannot resolve host name %s", c->host);
          lw__conn_fail(c, LW_ERR_RESOLVE);
          return;
        }
        c->ai_cur = c->ai;
        try_next_address(c); /* start_connect would drop these addresses and resolve again */
      }
      return;
    case LW_CONN_CONNECTING:
    case LW_CONN_TLS:
    case LW_CONN_APIVERSIONS:
      set_why(c, "%s timed out after %d ms",
              c->state == LW_CONN_CONNECTING ? "connecting" : lw_conn_state_name(c->state),
              c->ctx->conf->connect_timeout_ms);
      lw__conn_fail(c, LW_ERR_TIMED_OUT);
      return;
    default:
      break;
  }
  /* AUTH/READY: the first deadline decides. */
  req *oldest = earliest(c);
  if (oldest && oldest->deadline_us <= now) {
    if (oldest->due_us && oldest->deadline_us == oldest->due_us)
      lw__conn_log(c, 2,
                   "request %s v%d (correlation id %d) not answered within the delivery timeout "
                   "of its records (%llu ms after it was sent); reconnecting",
                   lw_api_name(oldest->api), oldest->ver, (int)oldest->corr,
                   (unsigned long long)((now - oldest->sent_us) / 1000u));
    else
      lw__conn_log(c, 2, "request %s v%d (correlation id %d) timed out after %d ms; reconnecting",
                   lw_api_name(oldest->api), oldest->ver, (int)oldest->corr,
                   c->ctx->conf->request_timeout_ms);
    lw__conn_fail(c, LW_ERR_TIMED_OUT);
    return;
  }
  lw__conn_arm_timer(c);
}

void lw__conn_arm_timer(lw_conn *c) {
  c->timer.cb = on_timer;
  if (c->state == LW_CONN_READY || c->state == LW_CONN_AUTH) {
    req *oldest = earliest(c);
    if (oldest)
      lw_timer_start_at(c->ctx->loop, &c->timer, oldest->deadline_us);
    else
      lw_timer_stop(c->ctx->loop, &c->timer);
  }
}

/* Failed attempts that make the backoff its maximum (after an authentication failure). */
#define ATTEMPTS_MAX_BACKOFF 64

static uint64_t backoff_us(lw_conn *c) {
  const lw_producer_conf *cf = c->ctx->conf;
  uint64_t d = (uint64_t)cf->reconnect_backoff_ms * 1000u;
  for (int i = 1; i < c->attempts && d < (uint64_t)cf->reconnect_backoff_max_ms * 1000u; i++)
    d *= 2;
  if (d > (uint64_t)cf->reconnect_backoff_max_ms * 1000u)
    d = (uint64_t)cf->reconnect_backoff_max_ms * 1000u;
  /* -20% .. +20% jitter */
  uint64_t span = d * 2 / 5;
  uint32_t r = lw_rand32_ctx(c->ctx);
  return d - d / 5 + (span ? r % span : 0);
}

/* ---- Socket teardown and failure ---- */

static void close_socket(lw_conn *c) {
  lw_timer_stop(c->ctx->loop, &c->reauth);
  c->auth_hold = false;
  if (c->tls) {
    lw_tls_free(c->tls);
    c->tls = NULL;
  }
  if (c->auth) {
    lw_auth_free(c->auth);
    c->auth = NULL;
  }
  if (c->fd >= 0) {
    lw_loop_del(c->ctx->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    c->watching = 0;
  }
  c->rlen = 0;
  if (c->rcap > SHRINK_ABOVE) {
    free(c->rbuf);
    c->rbuf = NULL;
    c->rcap = 0;
  }
}

void lw__conn_fail(lw_conn *c, int err) {
  bool was_ready = c->state == LW_CONN_READY || c->state == LW_CONN_AUTH;
  close_socket(c);
  if (c->res) {
    lw_resolve_free(c->res);
    c->res = NULL;
  }
  if (c->ai) {
    freeaddrinfo(c->ai);
    c->ai = c->ai_cur = NULL;
  }
  lw_timer_stop(c->ctx->loop, &c->timer);
  /* After a refused authentication or TLS session the requests fail as disconnected: they
   * were not refused, and their senders may retry them on the next connection. */
  fail_requests(c, err == LW_ERR_AUTH || err == LW_ERR_TLS ? LW_ERR_DISCONNECTED : err);
  if (c->dead)
    return;
  if (c->want)
    note_failure(c, err, was_ready);
  /* A refused authentication will not succeed in 100 ms: wait reconnect_backoff_max_ms. */
  if (err == LW_ERR_AUTH && c->attempts < ATTEMPTS_MAX_BACKOFF)
    c->attempts = ATTEMPTS_MAX_BACKOFF;
  c->attempts++;
  if (c->want) {
    c->timer.cb = on_timer;
    lw_timer_start(c->ctx->loop, &c->timer, backoff_us(c));
    c->state = LW_CONN_DOWN; /* so that set_state reports BACKOFF */
    set_state(c, LW_CONN_BACKOFF, err);
  } else {
    set_state(c, LW_CONN_DOWN, err);
  }
}

void lw_conn_reset(lw_conn *c, int err) {
  if (c->state == LW_CONN_DOWN || c->state == LW_CONN_BACKOFF)
    return;
  lw__conn_enter(c);
  lw__conn_fail(c, err);
  lw__conn_leave(c);
}

/* ---- Connecting ---- */

static void try_next_address(lw_conn *c) {
  while (c->ai_cur) {
    struct addrinfo *a = c->ai_cur;
    c->ai_cur = a->ai_next;
    int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0)
      continue;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc;
    do
      rc = connect(fd, a->ai_addr, a->ai_addrlen);
    while (rc < 0 && errno == EINTR);
    if (rc < 0 && errno != EINPROGRESS) {
      set_why(c, "%s", strerror(errno));
      close(fd);
      continue;
    }
    if (lw_loop_add(c->ctx->loop, fd, LW_EV_WRITE, lw__conn_on_io, c) != LW_OK) {
      close(fd);
      continue;
    }
    c->fd = fd;
    c->watching = LW_EV_WRITE;
    c->state = LW_CONN_CONNECTING;
    c->timer.cb = on_timer;
    lw_timer_start(c->ctx->loop, &c->timer, (uint64_t)c->ctx->conf->connect_timeout_ms * 1000u);
    return;
  }
  if (!c->why[0])
    set_why(c, "no address to connect to");
  lw__conn_fail(c, LW_ERR_CONNECT);
}

static void start_connect(lw_conn *c) {
  lw_timer_stop(c->ctx->loop, &c->timer);
  if (c->ai) {
    freeaddrinfo(c->ai);
    c->ai = c->ai_cur = NULL;
  }
  int rc = lw_resolve_start(&c->res, c->host, c->port, &c->ai);
  if (rc == LW_OK) { /* numeric address: no lookup needed */
    c->ai_cur = c->ai;
    try_next_address(c);
    return;
  }
  if (rc != LW_ERR_NEED_MORE) {
    lw__conn_fail(c, LW_ERR_RESOLVE);
    return;
  }
  c->state = LW_CONN_RESOLVING;
  c->timer.cb = on_timer;
  lw_timer_start(c->ctx->loop, &c->timer, lw_resolve_next_poll_us(c->res));
}

void lw_conn_want(lw_conn *c, bool want) {
  lw__conn_enter(c);
  c->want = want;
  if (want && c->state == LW_CONN_DOWN) {
    start_connect(c);
  } else if (!want && c->state != LW_CONN_DOWN) {
    c->attempts = 0;
    lw__conn_fail(c, LW_ERR_SHUTDOWN);
  }
  lw__conn_leave(c);
}

int lw_conn_set_address(lw_conn *c, const char *host, int port) {
  if (!strcmp(host, c->host) && port == c->port)
    return LW_OK;
  char *h = strdup(host);
  if (!h)
    return LW_ERR_NOMEM;
  free(c->host);
  c->host = h;
  c->port = port;
  set_name(c);
  if (c->state != LW_CONN_DOWN && c->state != LW_CONN_BACKOFF) {
    lw__conn_enter(c);
    lw__conn_fail(c, LW_ERR_DISCONNECTED);
    lw__conn_leave(c);
  }
  return LW_OK;
}

/* The TCP connection (and TLS, when used) is up: negotiate versions. */
void lw__conn_after_transport(lw_conn *c) {
  c->state = LW_CONN_APIVERSIONS;
  if (!c->ctx->conf->api_version_request) {
    lw_api_fallback_ranges(c->ctx->conf->broker_version_fallback, c->bmin, c->bmax, MAX_API);
    lw_timer_stop(c->ctx->loop, &c->timer);
    if (lw_auth_needed(c->ctx->conf)) {
      c->state = LW_CONN_AUTH;
      int rc = lw_auth_start(&c->auth, c);
      if (rc != LW_OK)
        lw__conn_fail(c, rc);
      return;
    }
    c->attempts = 0;
    set_state(c, LW_CONN_READY, 0);
    return;
  }
  send_apiversions(c, APIVERSIONS_MAX);
}

void lw__conn_on_connected(lw_conn *c) {
  int soerr = 0;
  socklen_t sl = sizeof soerr;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
  if (soerr) {
    set_why(c, "%s", strerror(soerr));
    lw_loop_del(c->ctx->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    c->watching = 0;
    try_next_address(c);
    return;
  }
  freeaddrinfo(c->ai);
  c->ai = c->ai_cur = NULL;
  lw__conn_watch(c, LW_EV_READ);
  if (c->ctx->tls) {
    c->state = LW_CONN_TLS;
    const char *warning = lw_tls_ctx_warning(c->ctx->tls);
    if (warning)
      lw__conn_log(c, 2, "%s", warning);
    int rc = lw_tls_new(&c->tls, c->ctx->tls, c->fd, c->host);
    if (rc != LW_OK) {
      lw__conn_fail(c, rc);
      return;
    }
    lw__conn_on_io(c->ctx->loop, c->fd, LW_EV_WRITE, c);
    return;
  }
  lw__conn_after_transport(c);
}

/* ---- ApiVersions ---- */

static void on_apiversions(lw_conn *c, int err, const uint8_t *body, size_t len, void *ud) {
  (void)ud;
  if (err)
    return; /* the connection failure path handles it */
  lw_arena a;
  lw_arena_init(&a, 256 * 1024);
  lw_cur cur;
  lw_cur_init(&cur, body, len);
  lw_apiver_resp r;
  int rc = lw_apiver_resp_decode(&cur, c->apiver_try, &a, &r);
  int16_t first_err = len >= 2 ? (int16_t)((uint16_t)body[0] << 8 | body[1]) : 0;
  if (first_err == LW_KAFKA_UNSUPPORTED_VERSION && c->apiver_try > 0) {
    /* A broker that does not know this version answers in the v0 layout with its own range:
     * ask again within it. When the answer gives no usable range (some implementations do
     * not follow the v0 layout), v0 is the version every broker understands. */
    int16_t lo, hi, next = 0;
    if (rc == LW_OK && lw_apiver_find(&r, LW_API_API_VERSIONS, &lo, &hi) && hi >= 0 &&
        hi < c->apiver_try)
      next = hi;
    lw_arena_free(&a);
    send_apiversions(c, next);
    return;
  }
  if (rc != LW_OK || r.ErrorCode != 0) {
    lw__conn_log(c, 3, "ApiVersions v%d failed: %s", c->apiver_try,
                 rc != LW_OK ? lw_err_name(rc) : lw_err_name(r.ErrorCode));
    lw_arena_free(&a);
    lw__conn_fail(c, rc != LW_OK ? rc : r.ErrorCode);
    return;
  }
  for (int i = 0; i < MAX_API; i++)
    c->bmin[i] = c->bmax[i] = -1;
  for (int32_t i = 0; i < r.ApiKeysCount; i++) {
    int16_t k = r.ApiKeys[i].ApiKey;
    if (k >= 0 && k < MAX_API) {
      c->bmin[k] = r.ApiKeys[i].MinVersion;
      c->bmax[k] = r.ApiKeys[i].MaxVersion;
    }
  }
  lw_arena_free(&a);
  lw_timer_stop(c->ctx->loop, &c->timer);
  if (lw_auth_needed(c->ctx->conf)) {
    c->state = LW_CONN_AUTH;
    rc = lw_auth_start(&c->auth, c);
    if (rc != LW_OK)
      lw__conn_fail(c, rc);
    return;
  }
  c->attempts = 0;
  set_state(c, LW_CONN_READY, 0);
  if (c->cbs.on_room && !c->dead) {
    c->busy++;
    c->cbs.on_room(c, c->ud);
    c->busy--;
  }
}

static void send_apiversions(lw_conn *c, int16_t version) {
  c->apiver_try = version;
  req *r = begin(c, LW_API_API_VERSIONS, version);
  if (!r) {
    lw__conn_fail(c, LW_ERR_NOMEM);
    return;
  }
  lw_apiver_req q = {.ClientSoftwareName = lw_str_c("logwire"),
                     .ClientSoftwareVersion = lw_str_c(LW_VERSION)};
  lw_apiver_req_encode(&r->buf, version, &q);
  r->expect = true;
  r->internal = true;
  r->cb = on_apiversions;
  r->ud = NULL;
  int rc = send_req(c, r);
  if (rc != LW_OK)
    lw__conn_fail(c, rc);
}

void lw_conn_auth_done(lw_conn *c, int err) {
  if (err != LW_OK) {
    lw__conn_fail(c, err);
    return;
  }
  if (c->state == LW_CONN_READY) { /* re-authenticated: release the held requests */
    c->auth_hold = false;
    lw__conn_arm_timer(c);
    lw__conn_do_write(c);
    if (c->cbs.on_room && !c->dead && c->fd >= 0 && lw_conn_has_room(c)) {
      c->busy++;
      c->cbs.on_room(c, c->ud);
      c->busy--;
    }
    return;
  }
  c->attempts = 0;
  set_state(c, LW_CONN_READY, 0);
  if (c->cbs.on_room && !c->dead) {
    c->busy++;
    c->cbs.on_room(c, c->ud);
    c->busy--;
  }
}

/* ---- Accessors ---- */

int lw_conn_state(const lw_conn *c) {
  return c->state;
}
int32_t lw_conn_node_id(const lw_conn *c) {
  return c->node_id;
}
void lw_conn_set_node_id(lw_conn *c, int32_t id) {
  c->node_id = id;
}
const char *lw_conn_host(const lw_conn *c) {
  return c->host;
}
int lw_conn_port(const lw_conn *c) {
  return c->port;
}
const char *lw_conn_name(const lw_conn *c) {
  return c->name;
}
int lw_conn_outstanding(const lw_conn *c) {
  return c->outstanding;
}
uint64_t lw_conn_rtt_us(const lw_conn *c) {
  return c->rtt_us;
}
uint64_t lw_conn_rtt_avg_us(const lw_conn *c) {
  return c->rtt_avg_us;
}
uint64_t lw_conn_errors(const lw_conn *c) {
  return c->errors;
}
const char *lw_conn_last_error(const lw_conn *c) {
  return c->last_error;
}
uint64_t lw_conn_down_since_us(const lw_conn *c) {
  return c->down_since_us;
}
lw_net_ctx *lw_conn_ctx(lw_conn *c) {
  return c->ctx;
}

bool lw_conn_has_room(const lw_conn *c) {
  return c->state == LW_CONN_READY && !c->auth_hold && c->outstanding < c->ctx->conf->max_in_flight;
}

bool lw_conn_broker_range(const lw_conn *c, int16_t k, int16_t *min, int16_t *max) {
  if (k < 0 || k >= MAX_API || c->bmax[k] < 0)
    return false;
  *min = c->bmin[k];
  *max = c->bmax[k];
  return true;
}

/* The newest version logwire's client uses per API: the codecs go further (Produce and Fetch
 * v13+ name topics by id), but names work with every broker from 2.1 to 4.x. */
static int16_t client_max(int16_t k, int16_t codec_max) {
  if ((k == LW_API_PRODUCE || k == LW_API_FETCH) && codec_max > 12)
    return 12;
  return codec_max;
}

bool lw_client_range(int16_t k, int16_t *min, int16_t *max) {
  if (!lw_api_range(k, min, max))
    return false;
  *max = client_max(k, *max);
  return true;
}

int16_t lw_conn_api_version(const lw_conn *c, int16_t k) {
  int16_t lo, hi, bmin, bmax;
  if (!lw_client_range(k, &lo, &hi) || !lw_conn_broker_range(c, k, &bmin, &bmax))
    return -1;
  int16_t v = hi < bmax ? hi : bmax;
  return v >= lo && v >= bmin ? v : -1;
}

/* ---- Re-authentication (KIP-368) ---- */

static void on_reauth(lw_loop *l, lw_timer *t, void *ud) {
  (void)l, (void)t;
  lw_conn *c = ud;
  lw__conn_enter(c);
  if (c->state == LW_CONN_READY && c->auth) {
    c->auth_hold = true; /* new requests wait; those already written get their answers */
    int rc = lw_auth_reauth(c->auth);
    if (rc != LW_OK)
      lw__conn_fail(c, rc);
  }
  lw__conn_leave(c);
}

void lw_conn_reauth_in(lw_conn *c, uint64_t delay_us) {
  lw_timer_start(c->ctx->loop, &c->reauth, delay_us);
}

/* Internal request path for auth (SASL) exchanges before READY. */
int lw_conn_internal_send(lw_conn *c, int16_t api, int16_t ver, const lw_buf *body, lw_resp_cb cb,
                          void *ud) {
  req *r = begin(c, api, ver);
  if (!r)
    return LW_ERR_NOMEM;
  lw_buf_append(&r->buf, body->data, body->len);
  r->expect = true;
  r->internal = true;
  r->cb = cb;
  r->ud = ud;
  return send_req(c, r);
}

static void release(lw_conn *c) {
  while (c->pool) {
    req *r = c->pool;
    c->pool = r->next;
    lw_buf_free(&r->buf);
    free(r);
  }
  free(c->rbuf);
  free(c->host);
  free(c);
}

void lw_conn_free(lw_conn *c) {
  if (!c)
    return;
  c->want = false;
  c->dead = true;
  close_socket(c);
  if (c->res) {
    lw_resolve_free(c->res);
    c->res = NULL;
  }
  if (c->ai) {
    freeaddrinfo(c->ai);
    c->ai = c->ai_cur = NULL;
  }
  lw_timer_stop(c->ctx->loop, &c->timer);
  fail_requests(c, LW_ERR_SHUTDOWN);
  if (c->busy == 0)
    release(c);
}
