/* etcd_client.h — calls to etcd's v3 JSON gateway over HTTP/1.1 on the event loop: one
 * connection per call (Connection: close), TLS through net/tls, endpoints tried in order
 * (the last one that answered first), an auth token fetched with /v3/auth/authenticate when
 * a username is set and fetched again when etcd says it expired. Unary calls deliver the whole
 * body; stream calls (/v3/watch) deliver each message line as it arrives.
 *
 * Ownership: the client borrows the loop; it owns its calls. A callback runs exactly once for
 * a unary call; a stream's line callback runs per message, then its end callback once. */
#ifndef LW_ETCD_CLIENT_H
#define LW_ETCD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/loop.h"
#include "base/buf.h"

#define LW_ETCD_MAX_ENDPOINTS 16
#define LW_ETCD_MAX_BODY      (4u << 20) /* a response or one stream message */

typedef struct lw_etcd lw_etcd;
typedef struct lw_etcd_call lw_etcd_call;

typedef struct lw_etcd_opts {
  const char *const *endpoints; /* "http://host:port" or "https://..." */
  size_t nendpoints;
  const char *username, *password; /* NULL: no authentication */
  const char *ca_file, *cert_file, *key_file;
  int timeout_ms; /* connect + answer of a unary call, connect + head of a stream */
} lw_etcd_opts;

/* Unary result: err LW_OK with the HTTP status and body (valid during the call only), or the
 * failure (LW_ERR_CONNECT, LW_ERR_TIMED_OUT, LW_ERR_TLS, LW_ERR_AUTH, LW_ERR_MALFORMED, ...)
 * with status 0. `why` names the cause for logs. */
typedef void (*lw_etcd_cb)(void *ud, int err, int status, const uint8_t *body, size_t len,
                           const char *why);
/* One stream message (a line without its newline). */
typedef void (*lw_etcd_line_cb)(void *ud, const uint8_t *line, size_t len);

/* Returns LW_OK, LW_ERR_CONFIG (bad endpoint, TLS files: err says which) or LW_ERR_NOMEM.
 * Options are copied. */
int lw_etcd_new(lw_etcd **out, lw_loop *loop, const lw_etcd_opts *o, char *err, size_t errlen);
/* Cancel every call (no callbacks) and free. NULL is fine. */
void lw_etcd_free(lw_etcd *e);

/* POST body to path. *out (may be NULL) lets the caller cancel. Returns LW_OK or
 * LW_ERR_NOMEM (then cb will not run). */
int lw_etcd_post(lw_etcd *e, const char *path, const void *body, size_t len, lw_etcd_cb cb,
                 void *ud, lw_etcd_call **out);
/* POST body to a streaming path: on_line per message; on_end once when the stream ends
 * (err LW_ERR_DISCONNECTED when etcd closed it, or the failure). */
int lw_etcd_stream(lw_etcd *e, const char *path, const void *body, size_t len,
                   lw_etcd_line_cb on_line, lw_etcd_cb on_end, void *ud, lw_etcd_call **out);
/* Stop a call; its callbacks do not run. */
void lw_etcd_cancel(lw_etcd_call *c);
/* The endpoint calls go to first (the last that answered). */
const char *lw_etcd_endpoint(const lw_etcd *e);

#endif
