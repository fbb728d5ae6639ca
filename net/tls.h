/* tls.h — TLS 1.2/1.3 over a non-blocking socket through OpenSSL, driven by the event loop. The
 * only module that includes OpenSSL's TLS headers. OpenSSL is initialised by the first
 * lw_tls_ctx_new, never before: plaintext users do not pay for it. Built without OpenSSL
 * (make TLS=0), every call fails with LW_ERR_UNSUPPORTED and lw_tls_ctx_new says so.
 *
 * Verification is on unless ssl_verify = false: the broker's chain against ssl_ca_file /
 * ssl_ca_path, or else the system store; its certificate's names against the host logwire
 * connects to (the address after connect_to), IP addresses included; SNI is sent for host names
 * (not for IP literals). */
#ifndef LW_TLS_H
#define LW_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "net/producer_conf.h"

typedef struct lw_tls lw_tls;

/* A client context from the ssl_* options (CA store, client certificate, verification).
 * Returns LW_OK or LW_ERR_TLS/LW_ERR_CONFIG/LW_ERR_UNSUPPORTED with a reason in err naming the
 * file or option. *out is an opaque pointer (SSL_CTX) owned by the caller: free with
 * lw_tls_ctx_free. The key's password (ssl_key_password, or ssl_key_password_file read now) is
 * used while the key is loaded and not kept. */
int lw_tls_ctx_new(void **out, const lw_producer_conf *conf, char *err, size_t errlen);
/* The same, and on failure *key names the option at fault (a static string: "ssl_ca_file",
 * "ssl_ca_path", "ssl_cert_file", "ssl_key_file", "ssl_key_password", "ssl_key_password_file",
 * or "security_protocol" when TLS itself cannot be set up), for FILE:LINE: KEY: messages. */
int lw_tls_ctx_new_key(void **out, const lw_producer_conf *conf, const char **key, char *err,
                       size_t errlen);
void lw_tls_ctx_free(void *ctx);
/* A server context (the console): the PEM certificate chain `cert` and its key (`key`, or NULL
 * when cert holds it too). Returns as lw_tls_ctx_new; free with lw_tls_ctx_free. */
int lw_tls_server_ctx_new(void **out, const char *cert, const char *key, char *err, size_t errlen);
/* A server-side session on an accepted socket (then lw_tls_handshake as for a client).
 * Returns LW_OK, LW_ERR_NOMEM or LW_ERR_TLS. */
int lw_tls_new_server(lw_tls **out, void *ctx, int fd);

/* With ssl_verify = false: the warning to log, returned once per context (the first connection
 * after each start logs it); NULL afterwards and when verifying. */
const char *lw_tls_ctx_warning(void *ctx);

/* A TLS session on a connected socket, with SNI and host name verification for `host`.
 * Returns LW_OK, LW_ERR_NOMEM or LW_ERR_TLS (*out is NULL then). */
int lw_tls_new(lw_tls **out, void *ctx, int fd, const char *host);
/* Send close_notify if the handshake had finished (one non-blocking attempt) and free. */
void lw_tls_free(lw_tls *t);
/* Advance the handshake: LW_OK when complete, LW_ERR_NEED_MORE to wait for the socket
 * (lw_tls_wants_write says which direction), or LW_ERR_TLS (lw_tls_error names the cause:
 * unknown CA, host name mismatch, expired certificate, protocol version, client certificate
 * required...). */
int lw_tls_handshake(lw_tls *t);
bool lw_tls_wants_write(const lw_tls *t);
/* The last failure's cause, for humans (static per session; "" when none). */
const char *lw_tls_error(const lw_tls *t);
/* True when the session failed because the broker refused it for lack of a client
 * certificate, after logwire's side of the handshake had completed: in TLS 1.3 the client
 * finishes first, and a broker asking for a certificate logwire does not have ends the
 * session at the first read or write (with an alert, a record, or just a close). Such a
 * failure is the handshake's (lw_tls_error names it), not a lost connection. */
bool lw_tls_refused(const lw_tls *t);
/* Like read(2)/writev(2): bytes, 0 at end of stream, -1 with errno: EAGAIN when the socket must
 * become readable/writable first, EPROTO for a TLS failure (an alert from the broker, a bad
 * record: lw_tls_error names it; also the end of the stream or a reset when lw_tls_refused),
 * or the socket's own errno. */
ssize_t lw_tls_read(lw_tls *t, void *p, size_t n);
ssize_t lw_tls_writev(lw_tls *t, const struct iovec *iov, int n);

#endif
