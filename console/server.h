/* server.h — the console's HTTP/1.1 server on the event loop: requests with bodies, answers
 * given now or later (after an etcd round trip), Server-Sent Event streams, TLS when a
 * certificate is configured. Heads are parsed and answers written by the one HTTP codec
 * (base/http.h); this file is only the sockets around it.
 *
 * One request per connection (Connection: close), except event streams which stay open.
 * Limits: head max_head bytes (431), body max_body bytes (413), the request within
 * timeout_ms (408), at most max_conns connections (the rest wait in the accept queue). */
#ifndef LW_CON_SERVER_H
#define LW_CON_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "net/loop.h"

typedef struct lw_con_server lw_con_server;
typedef struct lw_con_conn lw_con_conn;

typedef struct lw_con_server_opts {
  int max_conns;    /* default 64 */
  size_t max_head;  /* default 8192 */
  size_t max_body;  /* default 256 KiB */
  int timeout_ms;   /* default 10000 */
  const char *cert; /* PEM certificate chain: serve TLS (NULL: plain HTTP) */
  const char *key;  /* PEM private key for cert */
} lw_con_server_opts;

/* A request as the handler sees it: every string NUL-terminated, borrowed until the answer. */
typedef struct lw_con_req {
  const char *method;
  const char *path;  /* without the query, percent-escapes left as sent */
  const char *query; /* after '?', "" when none */
  const char *cookie, *csrf, *ctype, *origin, *host; /* header values, "" when absent */
  const char *body; /* NUL-terminated (a NUL inside is the caller's to refuse) */
  size_t body_len;
  const char *peer; /* client address, without port */
  bool tls;
} lw_con_req;

/* Called once per complete request. The handler answers with lw_con_reply (now or later, at
 * most once) or lw_con_sse_start. Must not block. */
typedef void (*lw_con_handler)(void *ud, lw_con_conn *c, const lw_con_req *r);
/* Called when an event stream's client goes away (or the server is freed). */
typedef void (*lw_con_closed_cb)(void *ud, lw_con_conn *c);

/* Listen on addr ("host:port", port 0 picks one) and serve with fn(ud, ...). Returns LW_OK,
 * LW_ERR_CONFIG, LW_ERR_RESOLVE, LW_ERR_IO (errno kept), LW_ERR_TLS (certificate: err says
 * why) or LW_ERR_NOMEM. *out owned by the caller (lw_con_server_free); borrows loop. */
int lw_con_server_new(lw_loop *loop, const char *addr, const lw_con_server_opts *o,
                      lw_con_handler fn, void *ud, lw_con_server **out, char *err, size_t errlen);
int lw_con_server_port(const lw_con_server *s);
void lw_con_server_free(lw_con_server *s);

/* Answer the request: status, Content-Type, `extra` header lines ("Name: v\r\n"...; may be
 * NULL), body. The request's strings are invalid afterwards. If the client has gone, this only
 * frees the connection. */
void lw_con_reply(lw_con_conn *c, int status, const char *ctype, const char *extra,
                  const void *body, size_t len);
/* {"error": msg} with status (4xx/5xx). */
void lw_con_reply_error(lw_con_conn *c, int status, const char *msg);

/* Turn the connection into an event stream (200, text/event-stream). closed is called when it
 * ends. Returns LW_OK or LW_ERR_IO/NOMEM (the connection is closed then, closed not called). */
int lw_con_sse_start(lw_con_conn *c, lw_con_closed_cb closed, void *ud);
/* Queue one event ("event: NAME\ndata: ...\n\n"; line breaks in data become spaces, which
 * keeps JSON valid) or, with event
 * NULL, a comment line keeping the stream alive. A client too slow to take 1 MiB of backlog is
 * disconnected (closed called). Returns LW_OK or an error (the stream is gone). */
int lw_con_sse_send(lw_con_conn *c, const char *event, const char *data, size_t len);
/* End an event stream from the server's side (closed is not called). */
void lw_con_sse_end(lw_con_conn *c);

#endif
