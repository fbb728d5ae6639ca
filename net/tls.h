/* tls.h — TLS over a non-blocking socket through OpenSSL, driven by the event loop. The only
 * module that includes OpenSSL. Built without OpenSSL (make TLS=0), every call fails with
 * LW_ERR_UNSUPPORTED and lw_tls_ctx_new says so. */
#ifndef LW_TLS_H
#define LW_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "net/producer_conf.h"

typedef struct lw_tls lw_tls;

/* A client context from the ssl_* options (CA store, client certificate, verification).
 * Returns LW_OK or LW_ERR_TLS/LW_ERR_CONFIG with a reason in err. *out is an opaque pointer
 * (SSL_CTX) owned by the caller: free with lw_tls_ctx_free. */
int lw_tls_ctx_new(void **out, const lw_producer_conf *conf, char *err, size_t errlen);
void lw_tls_ctx_free(void *ctx);

/* A TLS session on a connected socket, with SNI and host name verification for `host`.
 * Returns LW_OK or an error. */
int lw_tls_new(lw_tls **out, void *ctx, int fd, const char *host);
void lw_tls_free(lw_tls *t);
/* Advance the handshake: LW_OK when complete, LW_ERR_NEED_MORE to wait for the socket
 * (lw_tls_wants_write says which direction), or LW_ERR_TLS (lw_tls_error names the cause:
 * unknown CA, name mismatch, expired certificate, protocol version...). */
int lw_tls_handshake(lw_tls *t);
bool lw_tls_wants_write(const lw_tls *t);
const char *lw_tls_error(const lw_tls *t);
/* Like read(2)/writev(2): bytes, 0 at end of stream, -1 with errno (EAGAIN when the socket
 * must become readable/writable first). */
ssize_t lw_tls_read(lw_tls *t, void *p, size_t n);
ssize_t lw_tls_writev(lw_tls *t, const struct iovec *iov, int n);

#endif
