/* http.c — minimal non-blocking HTTP/1.1 server for the stats endpoint (see http.h); heads are
 * parsed and responses written by the codec in base/http.c.
 *
 * A connection goes READ -> WRITE -> LINGER -> closed. LINGER: after the response is sent the
 * write side is shut down and whatever the client still sends is read and dropped until it
 * closes (or the deadline passes); closing at once with unread bytes would make the kernel
 * send a reset, which can destroy the response before the client has read it. */
#include "agent/http.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/listen.h"
#include "base/err.h"

#define MAX_ROUTES      16
#define ACCEPT_RETRY_US 100000 /* after EMFILE and the like */
#define DRAIN_ROUNDS    16     /* reads per wake-up while lingering */
#define DEFAULT_CT      "text/plain; charset=utf-8"

enum { ST_READ, ST_WRITE, ST_LINGER };

typedef struct route {
  char *path;
  lw_http_handler fn;
  void *ud;
} route;

typedef struct conn {
  lw_http_server *srv;
  int fd;
  int state;
  lw_timer timer;
  lw_buf out;
  size_t sent;
  size_t inlen;
  struct conn *prev, *next;
  char in[]; /* srv->o.max_request + 1 bytes */
} conn;

struct lw_http_server {
  lw_loop *loop;
  int lfd;
  int port;
  lw_http_opts o;
  route routes[MAX_ROUTES];
  int nroutes;
  conn *conns;
  int nconns;
  bool backoff; /* accept failed for lack of resources: wait for the retry timer */
  lw_timer retry;
};

/* ---- Connections ---- */

static void update_listen(lw_http_server *s) {
  bool want = !s->backoff && s->nconns < s->o.max_conns;
  lw_loop_mod(s->loop, s->lfd, want ? LW_EV_READ : 0);
}

static void conn_close(conn *c) {
  lw_http_server *s = c->srv;
  lw_loop_del(s->loop, c->fd);
  close(c->fd);
  lw_timer_stop(s->loop, &c->timer);
  lw_buf_free(&c->out);
  if (c->prev)
    c->prev->next = c->next;
  else
    s->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  free(c);
  s->nconns--;
  update_listen(s);
}

static void conn_drain(conn *c) {
  char scratch[4096];
  for (int i = 0; i < DRAIN_ROUNDS; i++) {
    ssize_t r = recv(c->fd, scratch, sizeof scratch, 0);
    if (r > 0)
      continue;
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    conn_close(c); /* EOF or error: the client has the response or is gone */
    return;
  }
}

static void conn_write(conn *c) {
  while (c->sent < c->out.len) {
    ssize_t r = send(c->fd, c->out.data + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);
    if (r > 0) {
      c->sent += (size_t)r;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      lw_loop_mod(c->srv->loop, c->fd, LW_EV_WRITE);
      return;
    } else {
      conn_close(c);
      return;
    }
  }
  lw_buf_free(&c->out);
  shutdown(c->fd, SHUT_WR);
  c->state = ST_LINGER;
  lw_loop_mod(c->srv->loop, c->fd, LW_EV_READ);
  conn_drain(c);
}

/* Queue the whole response and start writing it. body may be NULL (a short text of the status
 * is sent instead); head_only leaves the body out but keeps its Content-Length. */
static void respond(conn *c, int status, const char *ctype, const void *body, size_t len,
                    bool head_only) {
  char text[64];
  if (!body) {
    len = (size_t)snprintf(text, sizeof text, "%d %s\n", status, lw_http_reason(status));
    body = text;
    ctype = DEFAULT_CT;
  }
  lw_buf_init(&c->out, len + 512);
  lw_http_write_response(&c->out, status, ctype ? ctype : DEFAULT_CT,
                         status == 405 ? "Cache-Control: no-store\r\nAllow: GET, HEAD\r\n"
                                         "Connection: close\r\n"
                                       : "Cache-Control: no-store\r\nConnection: close\r\n",
                         body, len, head_only);
  if (c->out.err) {
    conn_close(c);
    return;
  }
  c->sent = 0;
  c->state = ST_WRITE;
  conn_write(c);
}

/* Answer the parsed request head h, whose bytes are c->in (NUL-terminating fields in place:
 * the head is not used after this). */
static void handle(conn *c, lw_http_head *h) {
  lw_http_server *s = c->srv;
  if (h->minor < 0 || h->minor > 1) {
    respond(c, 505, NULL, NULL, 0, false);
    return;
  }
  char *m = (char *)h->method, *target = (char *)h->target;
  m[h->method_len] = 0;
  target[h->target_len] = 0;
  bool head = strcmp(m, "HEAD") == 0;
  if (!head && strcmp(m, "GET") != 0) {
    respond(c, 405, NULL, NULL, 0, false);
    return;
  }
  /* absolute-form ("http://host/path", RFC 9112 3.2.2): keep the path. */
  if (strncmp(target, "http://", 7) == 0) {
    char *slash = strchr(target + 7, '/');
    target = slash ? slash : (char *)"/";
  }
  if (target[0] != '/') {
    respond(c, 400, NULL, NULL, 0, false);
    return;
  }
  char *query = strchr(target, '?');
  if (query)
    *query++ = 0;
  lw_http_req req = {.method = m, .path = target, .query = query ? query : ""};
  for (int i = 0; i < s->nroutes; i++) {
    if (strcmp(s->routes[i].path, target) != 0)
      continue;
    lw_buf body;
    lw_buf_init(&body, s->o.max_body);
    const char *ctype = DEFAULT_CT;
    int status = s->routes[i].fn(s->routes[i].ud, &req, &body, &ctype);
    if (status < 100 || status > 599 || body.err)
      respond(c, 500, NULL, NULL, 0, head);
    else
      respond(c, status, ctype, body.data ? (const void *)body.data : "", body.len, head);
    lw_buf_free(&body);
    return;
  }
  respond(c, 404, NULL, NULL, 0, head);
}

static void conn_read(conn *c) {
  size_t max = c->srv->o.max_request;
  for (;;) {
    ssize_t r = recv(c->fd, c->in + c->inlen, max - c->inlen, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (r <= 0) {
      conn_close(c); /* the client went away before finishing its request */
      return;
    }
    c->inlen += (size_t)r;
    /* Binary garbage (a TLS hello, a stray protocol) is refused at once, not after the
     * timeout: the codec refuses control bytes as soon as it sees them. */
    lw_http_head h;
    int rc = lw_http_parse_request(c->in, c->inlen, max, &h);
    if (rc == LW_ERR_NEED_MORE)
      continue;
    lw_loop_mod(c->srv->loop, c->fd, 0);
    if (rc == LW_OK)
      handle(c, &h);
    else
      respond(c, rc == LW_ERR_TOO_LARGE ? 431 : 400, NULL, NULL, 0, false);
    return;
  }
}

static void on_conn(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)l;
  (void)fd;
  (void)ev;
  conn *c = ud;
  switch (c->state) {
    case ST_READ:
      conn_read(c);
      break;
    case ST_WRITE:
      conn_write(c);
      break;
    default:
      conn_drain(c);
      break;
  }
}

static void on_timeout(lw_loop *l, lw_timer *t, void *ud) {
  (void)t;
  conn *c = ud;
  if (c->state == ST_READ && c->inlen > 0) {
    /* Give the 408 itself one more period to go out. */
    lw_timer_start(l, &c->timer, (uint64_t)c->srv->o.timeout_ms * 1000);
    lw_loop_mod(l, c->fd, 0);
    respond(c, 408, NULL, NULL, 0, false);
    return;
  }
  conn_close(c);
}

static void conn_new(lw_http_server *s, int fd) {
  conn *c = calloc(1, sizeof(*c) + s->o.max_request + 1);
  if (!c || lw_loop_add(s->loop, fd, LW_EV_READ, on_conn, c) != LW_OK) {
    free(c);
    close(fd);
    return;
  }
  c->srv = s;
  c->fd = fd;
  c->state = ST_READ;
  lw_buf_init(&c->out, 0);
  lw_timer_init(&c->timer, on_timeout, c);
  lw_timer_start(s->loop, &c->timer, (uint64_t)s->o.timeout_ms * 1000);
  c->next = s->conns;
  if (s->conns)
    s->conns->prev = c;
  s->conns = c;
  s->nconns++;
}

static void on_retry(lw_loop *l, lw_timer *t, void *ud) {
  (void)l;
  (void)t;
  lw_http_server *s = ud;
  s->backoff = false;
  update_listen(s);
}

static void on_accept(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)ev;
  lw_http_server *s = ud;
  while (s->nconns < s->o.max_conns) {
    int cfd = lw_accept_next(fd, NULL);
    if (cfd >= 0) {
      conn_new(s, cfd);
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

int lw_http_new(lw_loop *loop, const char *addr, const lw_http_opts *opts, lw_http_server **out) {
  char host[256];
  int port, saved = 0;
  if (lw_http_split_addr(addr, host, sizeof host, &port) != LW_OK)
    return LW_ERR_CONFIG;
  lw_http_server *s = calloc(1, sizeof(*s));
  if (!s)
    return LW_ERR_NOMEM;
  s->loop = loop;
  s->lfd = -1;
  s->o = (lw_http_opts){
      .max_conns = 16, .max_request = 8192, .timeout_ms = 5000, .max_body = 4u << 20};
  if (opts && opts->max_conns > 0)
    s->o.max_conns = opts->max_conns;
  if (opts && opts->max_request > 0)
    s->o.max_request = opts->max_request;
  if (opts && opts->timeout_ms > 0)
    s->o.timeout_ms = opts->timeout_ms;
  if (opts && opts->max_body > 0)
    s->o.max_body = opts->max_body;
  lw_timer_init(&s->retry, on_retry, s);

  int rc = lw_listen_tcp(host, port, &s->lfd, &s->port);
  if (rc != LW_OK)
    goto fail;
  if ((rc = lw_loop_add(loop, s->lfd, LW_EV_READ, on_accept, s)) != LW_OK)
    goto fail;
  *out = s;
  return LW_OK;
fail:
  saved = errno;
  if (s->lfd >= 0)
    close(s->lfd);
  free(s);
  errno = saved;
  return rc;
}

int lw_http_route(lw_http_server *s, const char *path, lw_http_handler fn, void *ud) {
  if (s->nroutes == MAX_ROUTES)
    return LW_ERR_TOO_LARGE;
  char *p = strdup(path);
  if (!p)
    return LW_ERR_NOMEM;
  s->routes[s->nroutes++] = (route){.path = p, .fn = fn, .ud = ud};
  return LW_OK;
}

int lw_http_port(const lw_http_server *s) {
  return s->port;
}

int lw_http_conns(const lw_http_server *s) {
  return s->nconns;
}

void lw_http_free(lw_http_server *s) {
  if (!s)
    return;
  while (s->conns)
    conn_close(s->conns);
  lw_timer_stop(s->loop, &s->retry);
  lw_loop_del(s->loop, s->lfd);
  close(s->lfd);
  for (int i = 0; i < s->nroutes; i++)
    free(s->routes[i].path);
  free(s);
}
