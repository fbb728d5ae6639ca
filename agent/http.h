/* http.h — a minimal HTTP/1.1 server on the event loop (the codec is base/http.h), for the stats
 * endpoint: GET and HEAD on registered paths, one request per connection (Connection: close), never
 * blocking.
 *
 * Limits: request head (request line + headers) at most max_request bytes (431 past it), the
 * whole exchange within timeout_ms (408 when the request is incomplete by then), at most
 * max_conns connections at once (further clients wait in the kernel's accept queue), bodies
 * at most max_body bytes (500 past it). Request bodies are not read. Responses: 200 or what
 * the handler returns, 400 for malformed requests, 404 for unknown paths, 405 (with Allow)
 * for methods other than GET/HEAD, 505 for HTTP versions other than 1.0/1.1. */
#ifndef LW_HTTP_H
#define LW_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/http.h"
#include "net/loop.h"
#include "base/buf.h"

typedef struct lw_http_server lw_http_server;

typedef struct lw_http_opts {
  int max_conns;      /* default 16 */
  size_t max_request; /* default 8192 */
  int timeout_ms;     /* default 5000 */
  size_t max_body;    /* default 4 MiB */
} lw_http_opts;

typedef struct lw_http_req {
  const char *method; /* "GET" or "HEAD" */
  const char *path;   /* without the query: "/stats" */
  const char *query;  /* after '?', "" when none */
} lw_http_req;

/* Fill `body` (ceiling max_body) and optionally set *content_type (a static string; default
 * "text/plain; charset=utf-8"). Returns the HTTP status to send (200, 404, 503, ...), or a
 * negative lw_err to answer 500. Runs on the loop: must not block. */
typedef int (*lw_http_handler)(void *ud, const lw_http_req *req, lw_buf *body,
                               const char **content_type);

/* Bind and listen on `addr` (host:port; port 0 picks a free port) and serve on `loop`.
 * opts may be NULL for defaults. Returns LW_OK, LW_ERR_CONFIG (bad address), LW_ERR_RESOLVE,
 * LW_ERR_IO (bind/listen failed; errno kept) or LW_ERR_NOMEM; *out owned by the caller
 * (lw_http_free). Borrows loop, which must outlive the server. */
int lw_http_new(lw_loop *loop, const char *addr, const lw_http_opts *opts, lw_http_server **out);
/* Serve `path` (exact match, without query) with fn(ud, ...). Paths are copied; at most 16
 * routes. Returns LW_OK, LW_ERR_TOO_LARGE or LW_ERR_NOMEM. */
int lw_http_route(lw_http_server *s, const char *path, lw_http_handler fn, void *ud);
/* The bound port (useful after binding port 0). */
int lw_http_port(const lw_http_server *s);
/* Connections currently open. */
int lw_http_conns(const lw_http_server *s);
/* Close the listener and every connection; free everything. NULL is fine. */
void lw_http_free(lw_http_server *s);

#endif
