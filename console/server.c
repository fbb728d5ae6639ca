/* server.c — the console's HTTP server: sockets, TLS and event streams around the one HTTP codec
 * (see server.h).
 *
 * A connection goes HANDSHAKE (TLS only) -> READ (head, then body) -> WAIT (the handler has the
 * request; it may answer after an etcd round trip) -> WRITE -> LINGER -> closed, or from WAIT to
 * STREAM (an event stream: writes whenever events come, reads only to notice the client going).
 * A client that goes away during WAIT leaves the connection allocated but closed ("gone") until
 * the handler answers, so that the handler never writes to freed memory.
 *
 * LINGER: after the answer the write side is shut down and what the client still sends is
 * dropped until it closes; closing at once with unread bytes would make the kernel send a reset,
 * which can destroy the answer before the client has read it. */
#include "console/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/http.h"
#include "base/json.h"
#include "net/listen.h"
#include "net/tls.h"
#include "base/buf.h"
#include "base/err.h"

#define ACCEPT_RETRY_US 100000
#define DRAIN_ROUNDS    16
#define SSE_BACKLOG     (1u << 20)

enum { ST_HANDSHAKE, ST_READ, ST_WAIT, ST_WRITE, ST_LINGER, ST_STREAM };

struct lw_con_conn {
  lw_con_server *srv;
  int fd;
  int state;
  bool gone; /* closed while the handler held the request */
  lw_tls *tls;
  lw_timer timer;
  char peer[64];
  uint8_t *in; /* max_head + max_body + 1 */
  size_t inlen, incap;
  size_t head_len;
  int64_t body_len;
  lw_buf out;
  size_t sent;
  /* The request's strings, NUL-terminated copies. */
  char method[16], path[1024], query[1024], cookie[1024], csrf[128], ctype[128], origin[256],
      host[256];
  lw_con_closed_cb closed;
  void *closed_ud;
  lw_con_conn *prev, *next;
};

struct lw_con_server {
  lw_loop *loop;
  int lfd, port;
  lw_con_server_opts o;
  void *tls_ctx;
  lw_con_handler fn;
  void *ud;
  lw_con_conn *conns;
  int nconns;
  bool backoff;
  lw_timer retry;
};

static void update_listen(lw_con_server *s) {
  bool want = !s->backoff && s->nconns < s->o.max_conns;
  lw_loop_mod(s->loop, s->lfd, want ? LW_EV_READ : 0);
}

static void conn_unlink_free(lw_con_conn *c) {
  lw_con_server *s = c->srv;
  if (c->prev)
    c->prev->next = c->next;
  else
    s->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  lw_buf_free(&c->out);
  free(c->in);
  free(c);
  s->nconns--;
  update_listen(s);
}

/* Close the socket. The struct goes too unless the handler still holds the request. */
static void conn_close(lw_con_conn *c) {
  lw_con_server *s = c->srv;
  if (c->fd >= 0) {
    lw_loop_del(s->loop, c->fd);
    lw_tls_free(c->tls);
    c->tls = NULL;
    close(c->fd);
    c->fd = -1;
  }
  lw_timer_stop(s->loop, &c->timer);
  if (c->state == ST_WAIT) {
    c->gone = true;
    return;
  }
  if (c->state == ST_STREAM && c->closed) {
    lw_con_closed_cb cb = c->closed;
    c->closed = NULL;
    cb(c->closed_ud, c);
  }
  conn_unlink_free(c);
}

static ssize_t conn_recv(lw_con_conn *c, void *p, size_t n) {
  if (c->tls)
    return lw_tls_read(c->tls, p, n);
  ssize_t r;
  do
    r = recv(c->fd, p, n, 0);
  while (r < 0 && errno == EINTR);
  return r;
}

static ssize_t conn_send(lw_con_conn *c, const void *p, size_t n) {
  if (c->tls) {
    struct iovec iov = {.iov_base = (void *)p, .iov_len = n};
    return lw_tls_writev(c->tls, &iov, 1);
  }
  ssize_t r;
  do
    r = send(c->fd, p, n, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r;
}

static void conn_drain(lw_con_conn *c) {
  char scratch[4096];
  for (int i = 0; i < DRAIN_ROUNDS; i++) {
    ssize_t r = conn_recv(c, scratch, sizeof scratch);
    if (r > 0)
      continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    conn_close(c); /* EOF or error: the client has the answer or is gone */
    return;
  }
}

/* Write what is queued. Returns false when the connection was closed. */
static bool conn_flush(lw_con_conn *c) {
  while (c->sent < c->out.len) {
    ssize_t r = conn_send(c, c->out.data + c->sent, c->out.len - c->sent);
    if (r > 0) {
      c->sent += (size_t)r;
      continue;
    }
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      unsigned ev = LW_EV_WRITE | (c->state == ST_STREAM ? LW_EV_READ : 0);
      if (c->tls && !lw_tls_wants_write(c->tls))
        ev = LW_EV_READ;
      lw_loop_mod(c->srv->loop, c->fd, ev);
      return true;
    }
    conn_close(c);
    return false;
  }
  lw_buf_reset(&c->out);
  c->sent = 0;
  return true;
}

static void conn_write(lw_con_conn *c) {
  if (!conn_flush(c))
    return;
  if (c->state == ST_STREAM) {
    if (c->out.len == 0)
      lw_loop_mod(c->srv->loop, c->fd, LW_EV_READ);
    return;
  }
  if (c->out.len > 0)
    return;
  shutdown(c->fd, SHUT_WR);
  c->state = ST_LINGER;
  lw_loop_mod(c->srv->loop, c->fd, LW_EV_READ);
  lw_timer_start(c->srv->loop, &c->timer, (uint64_t)c->srv->o.timeout_ms * 1000);
  conn_drain(c);
}

static void send_answer(lw_con_conn *c, int status, const char *ctype, const char *extra,
                        const void *body, size_t len) {
  char hdrs[1024];
  snprintf(hdrs, sizeof hdrs,
           "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
           "X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n"
           "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
           "%s%sConnection: close\r\n",
           c->tls ? "Strict-Transport-Security: max-age=31536000\r\n" : "", extra ? extra : "");
  lw_buf_reset(&c->out);
  lw_buf_init(&c->out, len + 4096);
  lw_http_write_response(&c->out, status, ctype, hdrs, body, len, strcmp(c->method, "HEAD") == 0);
  if (c->out.err) {
    conn_close(c);
    return;
  }
  c->sent = 0;
  c->state = ST_WRITE;
  lw_loop_mod(c->srv->loop, c->fd, LW_EV_WRITE);
  conn_write(c);
}

void lw_con_reply(lw_con_conn *c, int status, const char *ctype, const char *extra,
                  const void *body, size_t len) {
  if (c->state != ST_WAIT)
    return;
  if (c->gone) {
    conn_unlink_free(c);
    return;
  }
  free(c->in); /* the request's strings end here */
  c->in = NULL;
  send_answer(c, status, ctype ? ctype : "application/json", extra, body ? body : "", len);
}

void lw_con_reply_error(lw_con_conn *c, int status, const char *msg) {
  lw_buf b;
  lw_buf_init(&b, 4096);
  lw_json j;
  lw_json_init(&j, &b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "error");
  lw_json_str(&j, msg);
  lw_json_obj_end(&j);
  lw_con_reply(c, status, "application/json", NULL, b.data, b.err ? 0 : b.len);
  lw_buf_free(&b);
}

/* An error found before the handler saw the request. */
static void early_error(lw_con_conn *c, int status, const char *msg) {
  c->state = ST_WAIT;
  lw_con_reply_error(c, status, msg);
}

int lw_con_sse_start(lw_con_conn *c, lw_con_closed_cb closed, void *ud) {
  if (c->state != ST_WAIT)
    return LW_ERR_INVALID_ARG;
  if (c->gone) {
    conn_unlink_free(c);
    return LW_ERR_IO;
  }
  free(c->in);
  c->in = NULL;
  lw_buf_free(&c->out);
  lw_buf_init(&c->out, SSE_BACKLOG);
  lw_buf_append(&c->out,
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
                "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n",
                strlen("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: "
                       "no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n"));
  c->state = ST_STREAM;
  c->closed = closed;
  c->closed_ud = ud;
  lw_timer_stop(c->srv->loop, &c->timer);
  lw_loop_mod(c->srv->loop, c->fd, LW_EV_READ);
  return conn_flush(c) ? LW_OK : LW_ERR_IO;
}

int lw_con_sse_send(lw_con_conn *c, const char *event, const char *data, size_t len) {
  if (c->state != ST_STREAM)
    return LW_ERR_INVALID_ARG;
  if (event) {
    lw_buf_append(&c->out, "event: ", 7);
    lw_buf_append(&c->out, event, strlen(event));
    lw_buf_append(&c->out, "\ndata: ", 7);
    /* A line break would end the data field: JSON may be indented, and raw line breaks in JSON
     * are whitespace (inside strings they are escaped), so they become spaces. */
    size_t at = c->out.len;
    lw_buf_append(&c->out, data, len);
    for (size_t i = at; c->out.err == LW_OK && i < c->out.len; i++)
      if (c->out.data[i] == '\n' || c->out.data[i] == '\r')
        c->out.data[i] = ' ';
    lw_buf_append(&c->out, "\n\n", 2);
  } else {
    lw_buf_append(&c->out, ":\n\n", 3);
  }
  if (c->out.err) {
    conn_close(c); /* a client this far behind is not reading: it can reconnect */
    return LW_ERR_QUEUE_FULL;
  }
  return conn_flush(c) ? LW_OK : LW_ERR_IO;
}

void lw_con_sse_end(lw_con_conn *c) {
  c->closed = NULL;
  conn_close(c);
}

static void copy_field(const lw_http_head *h, const char *name, char *out, size_t outlen) {
  const lw_http_field *f = lw_http_find(h, name);
  size_t n = f ? f->value_len : 0;
  if (n >= outlen)
    n = 0; /* over-long values are treated as absent (a cookie that long is not ours) */
  if (n)
    memcpy(out, f->value, n);
  out[n] = 0;
}

/* The head is parsed and the body complete: hand the request over. */
static void dispatch(lw_con_conn *c, const lw_http_head *h) {
  lw_con_server *s = c->srv;
  size_t tl = h->target_len;
  const char *t = h->target;
  const char *q = memchr(t, '?', tl);
  size_t pl = q ? (size_t)(q - t) : tl;
  size_t ql = q ? tl - pl - 1 : 0;
  if (pl >= sizeof c->path || ql >= sizeof c->query || t[0] != '/') {
    early_error(c, pl >= sizeof c->path ? 414 : 400, "bad request target");
    return;
  }
  memcpy(c->path, t, pl);
  c->path[pl] = 0;
  if (q)
    memcpy(c->query, q + 1, ql);
  c->query[ql] = 0;
  copy_field(h, "Cookie", c->cookie, sizeof c->cookie);
  copy_field(h, "X-CSRF-Token", c->csrf, sizeof c->csrf);
  copy_field(h, "Content-Type", c->ctype, sizeof c->ctype);
  copy_field(h, "Origin", c->origin, sizeof c->origin);
  copy_field(h, "Host", c->host, sizeof c->host);
  char *body = (char *)c->in + c->head_len;
  body[c->body_len] = 0;
  lw_con_req r = {.method = c->method,
                  .path = c->path,
                  .query = c->query,
                  .cookie = c->cookie,
                  .csrf = c->csrf,
                  .ctype = c->ctype,
                  .origin = c->origin,
                  .host = c->host,
                  .body = body,
                  .body_len = (size_t)c->body_len,
                  .peer = c->peer,
                  .tls = c->tls != NULL};
  c->state = ST_WAIT;
  lw_timer_stop(s->loop, &c->timer);
  lw_loop_mod(s->loop, c->fd, 0);
  s->fn(s->ud, c, &r);
}

static void conn_read(lw_con_conn *c) {
  lw_con_server *s = c->srv;
  for (;;) {
    if (c->inlen == c->incap) {
      early_error(c, c->head_len ? 413 : 431, c->head_len ? "body too large" : "head too large");
      return;
    }
    ssize_t r = conn_recv(c, c->in + c->inlen, c->incap - c->inlen);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (r <= 0) {
      conn_close(c);
      return;
    }
    c->inlen += (size_t)r;
    lw_http_head h;
    int rc = lw_http_parse_request(c->in, c->inlen, s->o.max_head, &h);
    if (rc == LW_ERR_NEED_MORE)
      continue;
    if (rc == LW_ERR_TOO_LARGE) {
      early_error(c, 431, "request head too large");
      return;
    }
    if (rc != LW_OK) {
      early_error(c, 400, "malformed request");
      return;
    }
    snprintf(c->method, sizeof c->method, "%.*s", (int)h.method_len, h.method);
    if (h.minor < 0) {
      early_error(c, 505, "HTTP/1.x only");
      return;
    }
    if (h.chunked) {
      early_error(c, 411, "send a Content-Length");
      return;
    }
    c->head_len = h.head_len;
    c->body_len = h.content_length < 0 ? 0 : h.content_length;
    if ((uint64_t)c->body_len > s->o.max_body) {
      early_error(c, 413, "request body too large");
      return;
    }
    if (c->inlen < c->head_len + (size_t)c->body_len)
      continue;
    /* Re-parse: the head's pointers point into c->in, which does not move. */
    dispatch(c, &h);
    return;
  }
}

static void conn_handshake(lw_con_conn *c) {
  int rc = lw_tls_handshake(c->tls);
  if (rc == LW_ERR_NEED_MORE) {
    lw_loop_mod(c->srv->loop, c->fd, lw_tls_wants_write(c->tls) ? LW_EV_WRITE : LW_EV_READ);
    return;
  }
  if (rc != LW_OK) {
    conn_close(c); /* a plain-HTTP client or a failed handshake: nothing to answer it with */
    return;
  }
  c->state = ST_READ;
  lw_loop_mod(c->srv->loop, c->fd, LW_EV_READ);
  conn_read(c);
}

static void on_conn(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)l, (void)fd, (void)ev;
  lw_con_conn *c = ud;
  switch (c->state) {
    case ST_HANDSHAKE:
      conn_handshake(c);
      break;
    case ST_READ:
      conn_read(c);
      break;
    case ST_WRITE:
      conn_write(c);
      break;
    case ST_STREAM:
      if (c->out.len > c->sent && (ev & LW_EV_WRITE)) {
        conn_write(c);
        break;
      }
      conn_drain(c);
      break;
    case ST_LINGER:
      conn_drain(c);
      break;
    default:
      break;
  }
}

static void on_timeout(lw_loop *l, lw_timer *t, void *ud) {
  (void)l, (void)t;
  lw_con_conn *c = ud;
  if (c->state == ST_READ && c->inlen > 0) {
    early_error(c, 408, "request not complete in time");
    return;
  }
  conn_close(c);
}

static void conn_new(lw_con_server *s, int fd, const struct sockaddr_storage *ss) {
  lw_con_conn *c = calloc(1, sizeof *c);
  if (!c) {
    close(fd);
    return;
  }
  c->srv = s;
  c->fd = fd;
  c->incap = s->o.max_head + s->o.max_body;
  c->in = malloc(c->incap + 1);
  lw_buf_init(&c->out, 0);
  if (ss->ss_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, c->peer, sizeof c->peer);
  else
    inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, c->peer, sizeof c->peer);
  c->state = s->tls_ctx ? ST_HANDSHAKE : ST_READ;
  if (!c->in || (s->tls_ctx && lw_tls_new_server(&c->tls, s->tls_ctx, fd) != LW_OK) ||
      lw_loop_add(s->loop, fd, LW_EV_READ, on_conn, c) != LW_OK) {
    lw_tls_free(c->tls);
    free(c->in);
    free(c);
    close(fd);
    return;
  }
  lw_timer_init(&c->timer, on_timeout, c);
  lw_timer_start(s->loop, &c->timer, (uint64_t)s->o.timeout_ms * 1000);
  c->next = s->conns;
  if (s->conns)
    s->conns->prev = c;
  s->conns = c;
  s->nconns++;
}

static void on_retry(lw_loop *l, lw_timer *t, void *ud) {
  (void)l, (void)t;
  lw_con_server *s = ud;
  s->backoff = false;
  update_listen(s);
}

static void on_accept(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)ev;
  lw_con_server *s = ud;
  while (s->nconns < s->o.max_conns) {
    struct sockaddr_storage ss;
    int cfd = lw_accept_next(fd, &ss);
    if (cfd >= 0) {
      conn_new(s, cfd, &ss);
      continue;
    }
    if (cfd == LW_ACCEPT_PAUSE) {
      s->backoff = true;
      lw_timer_start(l, &s->retry, ACCEPT_RETRY_US);
    }
    break;
  }
  update_listen(s);
}

int lw_con_server_new(lw_loop *loop, const char *addr, const lw_con_server_opts *o,
                      lw_con_handler fn, void *ud, lw_con_server **out, char *err, size_t errlen) {
  char host[256];
  int port, saved = 0;
  *out = NULL;
  if (lw_http_split_addr(addr, host, sizeof host, &port) != LW_OK) {
    snprintf(err, errlen, "listen address '%s' is not host:port", addr);
    return LW_ERR_CONFIG;
  }
  lw_con_server *s = calloc(1, sizeof *s);
  if (!s)
    return LW_ERR_NOMEM;
  s->loop = loop;
  s->lfd = -1;
  s->fn = fn;
  s->ud = ud;
  s->o = (lw_con_server_opts){
      .max_conns = 64, .max_head = 8192, .max_body = 256u << 10, .timeout_ms = 10000};
  if (o) {
    if (o->max_conns > 0)
      s->o.max_conns = o->max_conns;
    if (o->max_head > 0)
      s->o.max_head = o->max_head;
    if (o->max_body > 0)
      s->o.max_body = o->max_body;
    if (o->timeout_ms > 0)
      s->o.timeout_ms = o->timeout_ms;
    s->o.cert = o->cert;
    s->o.key = o->key;
  }
  lw_timer_init(&s->retry, on_retry, s);
  int rc;
  if (s->o.cert &&
      (rc = lw_tls_server_ctx_new(&s->tls_ctx, s->o.cert, s->o.key, err, errlen)) != LW_OK)
    goto fail;
  rc = lw_listen_tcp(host, port, &s->lfd, &s->port);
  if (rc == LW_ERR_RESOLVE) {
    snprintf(err, errlen, "cannot resolve %s", host);
    goto fail;
  }
  if (rc != LW_OK) {
    saved = errno;
    snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(saved));
    errno = saved;
    goto fail;
  }
  if ((rc = lw_loop_add(loop, s->lfd, LW_EV_READ, on_accept, s)) != LW_OK)
    goto fail;
  *out = s;
  return LW_OK;
fail:
  saved = errno;
  if (s->lfd >= 0)
    close(s->lfd);
  lw_tls_ctx_free(s->tls_ctx);
  free(s);
  errno = saved;
  return rc;
}

int lw_con_server_port(const lw_con_server *s) {
  return s->port;
}

void lw_con_server_free(lw_con_server *s) {
  if (!s)
    return;
  while (s->conns) {
    lw_con_conn *c = s->conns;
    if (c->state == ST_WAIT) /* the handler is gone with the server */
      c->state = ST_LINGER;
    conn_close(c);
  }
  lw_timer_stop(s->loop, &s->retry);
  lw_loop_del(s->loop, s->lfd);
  close(s->lfd);
  lw_tls_ctx_free(s->tls_ctx);
  free(s);
}
