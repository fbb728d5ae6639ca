/* etcd_client.c — HTTP/1.1 calls to etcd's JSON gateway on the loop (see etcd_client.h).
 *
 * A call: RESOLVE -> CONNECT -> [TLS] -> SEND -> HEAD -> BODY -> done. When a username is set
 * and no token is held, the call first authenticates on a connection of its own, then
 * connects again for its request. A failure before etcd answered (refused, reset, timeout,
 * TLS) moves the call to the next endpoint, each tried once; the endpoint that answers becomes
 * the first for the next calls (failover in order). */
#include "fleet/etcd_client.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/http.h"
#include "fleet/etcd_msg.h"
#include "net/producer_conf.h"
#include "net/resolve.h"
#include "net/tls.h"
#include "base/err.h"

enum { C_RESOLVE, C_CONNECT, C_TLS, C_SEND, C_HEAD, C_BODY };

struct lw_etcd {
  lw_loop *loop;
  lw_http_url url[LW_ETCD_MAX_ENDPOINTS];
  char name[LW_ETCD_MAX_ENDPOINTS][300];
  size_t nep, cur;
  char *user, *pass;
  void *tls_ctx;
  int timeout_ms;
  char token[1024];
  lw_etcd_call *calls;
};

struct lw_etcd_call {
  lw_etcd *e;
  char path[128];
  lw_buf req; /* the request body (owned copy) */
  bool stream, authing, auth_retried, dispatching, canceled, answered;
  lw_etcd_cb cb;
  lw_etcd_line_cb on_line;
  void *ud;
  size_t ep, tried;
  int state, fd;
  lw_resolve *res;
  struct addrinfo *ai, *ai_next;
  lw_tls *tls;
  lw_timer timer, poll;
  lw_buf out;
  size_t sent;
  lw_buf in; /* bytes received, head first */
  lw_http_head head;
  bool have_head;
  lw_http_chunked ch;
  size_t body_from; /* offset in `in` of body bytes not yet decoded */
  lw_buf body;      /* decoded body (a stream: undelivered bytes) */
  char why[300];
  lw_etcd_call *prev, *next;
};

static void attempt(lw_etcd_call *c);
static void on_io(lw_loop *l, int fd, unsigned ev, void *ud);

const char *lw_etcd_endpoint(const lw_etcd *e) {
  return e->name[e->cur];
}

/* ---- Setup ---- */

int lw_etcd_new(lw_etcd **out, lw_loop *loop, const lw_etcd_opts *o, char *err, size_t errlen) {
  *out = NULL;
  if (o->nendpoints == 0 || o->nendpoints > LW_ETCD_MAX_ENDPOINTS) {
    snprintf(err, errlen, "between 1 and %d endpoints", LW_ETCD_MAX_ENDPOINTS);
    return LW_ERR_CONFIG;
  }
  lw_etcd *e = calloc(1, sizeof *e);
  if (!e)
    return LW_ERR_NOMEM;
  e->loop = loop;
  e->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
  bool tls = false;
  int rc = LW_ERR_CONFIG;
  for (size_t i = 0; i < o->nendpoints; i++) {
    if (lw_http_parse_url(o->endpoints[i], &e->url[i]) != LW_OK) {
      snprintf(err, errlen, "endpoint \"%s\": expected http://host:port or https://host:port",
               o->endpoints[i]);
      goto fail;
    }
    snprintf(e->name[i], sizeof e->name[i], "%s", o->endpoints[i]);
    tls |= e->url[i].tls;
  }
  e->nep = o->nendpoints;
  rc = LW_ERR_NOMEM;
  if (o->username && o->username[0]) {
    if (!(e->user = strdup(o->username)) || !(e->pass = strdup(o->password ? o->password : "")))
      goto fail;
  }
  if (tls) {
    lw_producer_conf pc;
    lw_producer_conf_init(&pc);
    pc.ssl_ca_file = (char *)o->ca_file;
    pc.ssl_cert_file = (char *)o->cert_file;
    pc.ssl_key_file = (char *)o->key_file;
    pc.ssl_verify = true;
    rc = lw_tls_ctx_new(&e->tls_ctx, &pc, err, errlen);
    pc.ssl_ca_file = pc.ssl_cert_file = pc.ssl_key_file = NULL;
    lw_producer_conf_free(&pc);
    if (rc != LW_OK)
      goto fail;
  }
  *out = e;
  return LW_OK;
fail:
  free(e->user);
  free(e->pass);
  free(e);
  return rc;
}

static void call_close(lw_etcd_call *c) {
  lw_etcd *e = c->e;
  if (c->fd >= 0) {
    lw_loop_del(e->loop, c->fd);
    lw_tls_free(c->tls);
    c->tls = NULL;
    close(c->fd);
    c->fd = -1;
  }
  if (c->res) {
    lw_resolve_free(c->res);
    c->res = NULL;
  }
  if (c->ai) {
    freeaddrinfo(c->ai);
    c->ai = c->ai_next = NULL;
  }
  lw_timer_stop(e->loop, &c->poll);
  lw_buf_reset(&c->out);
  lw_buf_reset(&c->in);
  lw_buf_reset(&c->body);
  c->have_head = false;
  c->sent = 0;
}

static void call_free(lw_etcd_call *c) {
  lw_etcd *e = c->e;
  call_close(c);
  lw_timer_stop(e->loop, &c->timer);
  if (c->prev)
    c->prev->next = c->next;
  else if (e->calls == c)
    e->calls = c->next;
  if (c->next)
    c->next->prev = c->prev;
  lw_buf_free(&c->req);
  lw_buf_free(&c->out);
  lw_buf_free(&c->in);
  lw_buf_free(&c->body);
  free(c);
}

void lw_etcd_free(lw_etcd *e) {
  if (!e)
    return;
  while (e->calls)
    call_free(e->calls);
  if (e->tls_ctx)
    lw_tls_ctx_free(e->tls_ctx);
  free(e->user);
  free(e->pass);
  free(e);
}

void lw_etcd_cancel(lw_etcd_call *c) {
  if (!c)
    return;
  if (c->dispatching) {
    c->canceled = true; /* freed when the dispatch returns */
    return;
  }
  call_free(c);
}

/* ---- Ending a call ---- */

/* Run the final callback and free the call. Everything that touches the client or the loop is
 * released first: the callback may free the client. */
static void finish(lw_etcd_call *c, int err, const char *why) {
  lw_etcd *e = c->e;
  int status = err == LW_OK ? c->head.status : 0;
  lw_buf body = c->body; /* kept through call_close */
  lw_buf_init(&c->body, 0);
  call_close(c);
  lw_timer_stop(e->loop, &c->timer);
  if (c->prev)
    c->prev->next = c->next;
  else if (e->calls == c)
    e->calls = c->next;
  if (c->next)
    c->next->prev = c->prev;
  if (c->cb && !c->canceled)
    c->cb(c->ud, err, status, body.data, body.len, why ? why : "");
  lw_buf_free(&body);
  lw_buf_free(&c->req);
  lw_buf_free(&c->out);
  lw_buf_free(&c->in);
  lw_buf_free(&c->body);
  free(c);
}

/* A failure: before etcd answered, the next endpoint is tried; after, the call ends. */
static void fail(lw_etcd_call *c, int err, const char *what, const char *detail) {
  lw_etcd *e = c->e;
  snprintf(c->why, sizeof c->why, "%s: %s%s%s", e->name[c->ep], what, detail ? ": " : "",
           detail ? detail : "");
  call_close(c);
  if (!c->answered && ++c->tried < e->nep) {
    c->ep = (c->ep + 1) % e->nep;
    attempt(c);
    return;
  }
  finish(c, err, c->why);
}

static void on_timeout(lw_loop *l, lw_timer *t, void *ud) {
  (void)l;
  (void)t;
  lw_etcd_call *c = ud;
  lw_timer_start(c->e->loop, &c->timer, (uint64_t)c->e->timeout_ms * 1000);
  fail(c, LW_ERR_TIMED_OUT, "no answer within the timeout", NULL);
}

/* ---- Connecting ---- */

static void try_connect(lw_etcd_call *c) {
  for (; c->ai_next; c->ai_next = c->ai_next->ai_next) {
    struct addrinfo *a = c->ai_next;
    int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
      continue;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* A watch is idle for hours: keepalive finds an etcd host that vanished without a reset. */
    int idle = 10, intvl = 5, cnt = 3;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    int r;
    do
      r = connect(fd, a->ai_addr, a->ai_addrlen);
    while (r < 0 && errno == EINTR);
    if (r < 0 && errno != EINPROGRESS) {
      close(fd);
      continue;
    }
    if (lw_loop_add(c->e->loop, fd, LW_EV_WRITE, on_io, c) != LW_OK) {
      close(fd);
      continue;
    }
    c->ai_next = a->ai_next;
    c->fd = fd;
    c->state = C_CONNECT;
    return;
  }
  fail(c, LW_ERR_CONNECT, "cannot connect", NULL);
}

static void on_poll(lw_loop *l, lw_timer *t, void *ud) {
  lw_etcd_call *c = ud;
  int rc = lw_resolve_poll(c->res, &c->ai);
  if (rc == LW_ERR_NEED_MORE) {
    lw_timer_start(l, t, lw_resolve_next_poll_us(c->res));
    return;
  }
  lw_resolve_free(c->res);
  c->res = NULL;
  if (rc != LW_OK) {
    fail(c, LW_ERR_RESOLVE, "host name does not resolve", NULL);
    return;
  }
  c->ai_next = c->ai;
  try_connect(c);
}

/* Build the request for this attempt: the authentication first when a token is due. */
static int build(lw_etcd_call *c) {
  lw_etcd *e = c->e;
  const lw_http_url *u = &e->url[c->ep];
  char host[300], extra[1200];
  snprintf(host, sizeof host, strchr(u->host, ':') ? "[%s]:%d" : "%s:%d", u->host, u->port);
  c->authing = e->user && !e->token[0];
  snprintf(extra, sizeof extra, "Content-Type: application/json\r\nConnection: close\r\n%s%s%s",
           !c->authing && e->token[0] ? "Authorization: " : "", !c->authing ? e->token : "",
           !c->authing && e->token[0] ? "\r\n" : "");
  lw_buf_reset(&c->out);
  if (c->authing) {
    lw_buf ab;
    lw_buf_init(&ab, 4096);
    lw_etcd_auth_body(&ab, e->user, e->pass);
    lw_http_write_request(&c->out, "POST", "/v3/auth/authenticate", host, extra, ab.data, ab.len);
    lw_buf_free(&ab);
  } else {
    lw_http_write_request(&c->out, "POST", c->path, host, extra,
                          c->req.data ? c->req.data : (uint8_t *)"", c->req.len);
  }
  return c->out.err;
}

static void attempt(lw_etcd_call *c) {
  lw_etcd *e = c->e;
  call_close(c);
  if (build(c) != LW_OK) {
    finish(c, LW_ERR_NOMEM, "request too large");
    return;
  }
  c->state = C_RESOLVE;
  int rc = lw_resolve_start(&c->res, e->url[c->ep].host, e->url[c->ep].port, &c->ai);
  if (rc == LW_ERR_NEED_MORE) {
    lw_timer_start(e->loop, &c->poll, lw_resolve_next_poll_us(c->res));
    return;
  }
  if (rc != LW_OK) {
    fail(c, LW_ERR_RESOLVE, "host name does not resolve", NULL);
    return;
  }
  c->ai_next = c->ai;
  try_connect(c);
}

static int start(lw_etcd *e, const char *path, const void *body, size_t len, bool stream,
                 lw_etcd_line_cb on_line, lw_etcd_cb cb, void *ud, lw_etcd_call **out) {
  lw_etcd_call *c = calloc(1, sizeof *c);
  if (!c)
    return LW_ERR_NOMEM;
  c->e = e;
  c->fd = -1;
  snprintf(c->path, sizeof c->path, "%s", path);
  lw_buf_init(&c->req, LW_ETCD_MAX_BODY);
  lw_buf_append(&c->req, body, len);
  lw_buf_init(&c->out, LW_ETCD_MAX_BODY + 4096);
  lw_buf_init(&c->in, LW_ETCD_MAX_BODY + 65536);
  lw_buf_init(&c->body, LW_ETCD_MAX_BODY);
  if (c->req.err) {
    int rc = c->req.err;
    call_free(c);
    return rc;
  }
  c->stream = stream;
  c->on_line = on_line;
  c->cb = cb;
  c->ud = ud;
  c->ep = e->cur;
  lw_timer_init(&c->timer, on_timeout, c);
  lw_timer_init(&c->poll, on_poll, c);
  c->next = e->calls;
  if (e->calls)
    e->calls->prev = c;
  e->calls = c;
  if (out)
    *out = c;
  lw_timer_start(e->loop, &c->timer, (uint64_t)e->timeout_ms * 1000);
  attempt(c);
  return LW_OK;
}

int lw_etcd_post(lw_etcd *e, const char *path, const void *body, size_t len, lw_etcd_cb cb,
                 void *ud, lw_etcd_call **out) {
  return start(e, path, body, len, false, NULL, cb, ud, out);
}

int lw_etcd_stream(lw_etcd *e, const char *path, const void *body, size_t len,
                   lw_etcd_line_cb on_line, lw_etcd_cb on_end, void *ud, lw_etcd_call **out) {
  return start(e, path, body, len, true, on_line, on_end, ud, out);
}

/* ---- Reading the answer ---- */

/* The authentication answered: keep the token and connect again for the request. */
static void auth_done(lw_etcd_call *c) {
  lw_etcd *e = c->e;
  lw_jtok *toks = malloc(64 * sizeof *toks);
  lw_etcd_resp r;
  int rc = toks ? lw_etcd_resp_parse(&r, (const char *)c->body.data, c->body.len, toks, 64)
                : LW_ERR_NOMEM;
  if (rc == LW_OK && r.code == 0 && lw_etcd_token(&r, e->token, sizeof e->token) == LW_OK) {
    free(toks);
    c->answered = false;
    attempt(c);
    return;
  }
  snprintf(c->why, sizeof c->why, "%s: authentication refused: %s", e->name[c->ep],
           rc == LW_OK && r.code ? r.message : "unreadable answer");
  free(toks);
  finish(c, LW_ERR_AUTH, c->why);
}

/* A complete unary answer (or the end of a stream). */
static void complete(lw_etcd_call *c) {
  lw_etcd *e = c->e;
  if (c->authing) {
    auth_done(c);
    return;
  }
  /* An expired or revoked token (etcd 3.4 answers 400 "etcdserver: invalid auth token"):
   * authenticate again, once. */
  if (e->user && !c->auth_retried && !c->stream &&
      (c->head.status == 401 ||
       (c->body.len && memmem(c->body.data, c->body.len, "invalid auth token", 18)))) {
    c->auth_retried = true;
    e->token[0] = 0;
    c->answered = false;
    attempt(c);
    return;
  }
  if (c->stream)
    finish(c, LW_ERR_DISCONNECTED, "stream ended");
  else
    finish(c, LW_OK, NULL);
}

/* Deliver every complete line of a stream's body; returns false when the call was canceled
 * (and freed) by a callback. */
static bool deliver_lines(lw_etcd_call *c) {
  size_t pos = 0, s, n;
  c->dispatching = true;
  while (!c->canceled && lw_etcd_next_line(c->body.data, c->body.len, &pos, &s, &n))
    if (n > s)
      c->on_line(c->ud, c->body.data + s, n - s);
  c->dispatching = false;
  if (c->canceled) {
    call_free(c);
    return false;
  }
  if (pos) {
    memmove(c->body.data, c->body.data + pos, c->body.len - pos);
    c->body.len -= pos;
  }
  return true;
}

/* Process received bytes. Returns false when the call ended. */
static bool process(lw_etcd_call *c, bool eof) {
  if (!c->have_head) {
    int rc = lw_http_parse_response(c->in.data, c->in.len, 65536, &c->head);
    if (rc == LW_ERR_NEED_MORE && !eof)
      return true;
    if (rc != LW_OK) {
      fail(c, LW_ERR_MALFORMED,
           rc == LW_ERR_NEED_MORE ? "connection closed before an answer"
                                  : "not an HTTP answer (is this etcd's client port?)",
           NULL);
      return false;
    }
    c->have_head = true;
    c->answered = true;
    c->e->cur = c->ep;
    c->body_from = c->head.head_len;
    lw_http_chunked_init(&c->ch);
    if (c->stream && !c->authing && c->head.status == 200)
      lw_timer_stop(c->e->loop, &c->timer); /* a watch may stay silent for hours */
  }
  const uint8_t *p = c->in.data + c->body_from;
  size_t n = c->in.len - c->body_from;
  bool end = false;
  if (c->head.chunked) {
    size_t used = 0;
    int rc = lw_http_chunked_decode(&c->ch, p, n, &used, &c->body);
    c->body_from += used;
    if (rc == LW_OK)
      end = true;
    else if (rc != LW_ERR_NEED_MORE) {
      fail(c, rc, "bad chunked body", NULL);
      return false;
    }
  } else {
    lw_buf_append(&c->body, p, n);
    c->body_from += n;
    if (c->body.err) {
      fail(c, LW_ERR_TOO_LARGE, "answer too large", NULL);
      return false;
    }
    if (c->head.content_length >= 0 && c->body.len >= (size_t)c->head.content_length)
      end = true;
  }
  /* Bytes already decoded need not stay in `in`. */
  if (c->body_from == c->in.len) {
    c->in.len = c->head.head_len;
    c->body_from = c->in.len;
  }
  if (c->stream && !c->authing && c->head.status == 200 && !deliver_lines(c))
    return false;
  if (end || eof) {
    if (eof && !end && !c->stream && c->head.content_length >= 0) {
      fail(c, LW_ERR_DISCONNECTED, "connection closed in the middle of the answer", NULL);
      return false;
    }
    complete(c);
    return false;
  }
  return true;
}

static void do_read(lw_etcd_call *c) {
  for (;;) {
    if (lw_buf_reserve(&c->in, 16384) != LW_OK) {
      fail(c, LW_ERR_TOO_LARGE, "answer too large", NULL);
      return;
    }
    size_t room = c->in.cap - c->in.len;
    ssize_t r = c->tls ? lw_tls_read(c->tls, lw_buf_tail(&c->in), room)
                       : recv(c->fd, lw_buf_tail(&c->in), room, 0);
    if (r > 0) {
      lw_buf_commit(&c->in, (size_t)r);
      if (!process(c, false))
        return;
      continue;
    }
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (r < 0) {
      fail(c, c->tls ? LW_ERR_TLS : LW_ERR_DISCONNECTED, "connection lost",
           c->tls ? lw_tls_error(c->tls) : strerror(errno));
      return;
    }
    process(c, true);
    return;
  }
}

static void do_write(lw_etcd_call *c) {
  while (c->sent < c->out.len) {
    struct iovec iov = {c->out.data + c->sent, c->out.len - c->sent};
    ssize_t r = c->tls ? lw_tls_writev(c->tls, &iov, 1)
                       : send(c->fd, iov.iov_base, iov.iov_len, MSG_NOSIGNAL);
    if (r > 0) {
      c->sent += (size_t)r;
      continue;
    }
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      lw_loop_mod(c->e->loop, c->fd, LW_EV_WRITE | LW_EV_READ);
      return;
    }
    fail(c, LW_ERR_DISCONNECTED, "cannot send", strerror(errno));
    return;
  }
  c->state = C_HEAD;
  lw_loop_mod(c->e->loop, c->fd, LW_EV_READ);
}

static void do_tls(lw_etcd_call *c) {
  int rc = lw_tls_handshake(c->tls);
  if (rc == LW_ERR_NEED_MORE) {
    lw_loop_mod(c->e->loop, c->fd, lw_tls_wants_write(c->tls) ? LW_EV_WRITE : LW_EV_READ);
    return;
  }
  if (rc != LW_OK) {
    fail(c, LW_ERR_TLS, "TLS", lw_tls_error(c->tls));
    return;
  }
  c->state = C_SEND;
  do_write(c);
}

static void on_io(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)l;
  (void)ev;
  lw_etcd_call *c = ud;
  switch (c->state) {
    case C_CONNECT: {
      int soerr = 0;
      socklen_t sl = sizeof soerr;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
      if (soerr) {
        lw_loop_del(c->e->loop, fd);
        close(fd);
        c->fd = -1;
        if (c->ai_next) {
          try_connect(c);
          return;
        }
        fail(c, LW_ERR_CONNECT, "cannot connect", strerror(soerr));
        return;
      }
      if (c->e->url[c->ep].tls) {
        if (lw_tls_new(&c->tls, c->e->tls_ctx, fd, c->e->url[c->ep].host) != LW_OK) {
          fail(c, LW_ERR_TLS, "TLS setup failed", NULL);
          return;
        }
        c->state = C_TLS;
        do_tls(c);
        return;
      }
      c->state = C_SEND;
      do_write(c);
      return;
    }
    case C_TLS:
      do_tls(c);
      return;
    case C_SEND:
      do_write(c);
      if (c->state == C_SEND)
        return;
      /* fall through: the answer may already be there */
      return;
    default:
      do_read(c);
      return;
  }
}
