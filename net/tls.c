/* tls.c — the build without TLS support: every TLS entry point reports that it is missing. */
#include "net/tls.h"

#include <errno.h>
#include <stdio.h>

#include "proto/err.h"

int lw_tls_ctx_new(void **out, const lw_producer_conf *conf, char *err, size_t errlen) {
  (void)conf;
  *out = NULL;
  snprintf(err, errlen, "this logwire was built without TLS support");
  return LW_ERR_UNSUPPORTED;
}
void lw_tls_ctx_free(void *ctx) {
  (void)ctx;
}
int lw_tls_new(lw_tls **out, void *ctx, int fd, const char *host) {
  (void)ctx, (void)fd, (void)host;
  *out = NULL;
  return LW_ERR_UNSUPPORTED;
}
void lw_tls_free(lw_tls *t) {
  (void)t;
}
int lw_tls_handshake(lw_tls *t) {
  (void)t;
  return LW_ERR_UNSUPPORTED;
}
bool lw_tls_wants_write(const lw_tls *t) {
  (void)t;
  return false;
}
const char *lw_tls_error(const lw_tls *t) {
  (void)t;
  return "built without TLS";
}
ssize_t lw_tls_read(lw_tls *t, void *p, size_t n) {
  (void)t, (void)p, (void)n;
  errno = ENOTSUP;
  return -1;
}
ssize_t lw_tls_writev(lw_tls *t, const struct iovec *iov, int n) {
  (void)t, (void)iov, (void)n;
  errno = ENOTSUP;
  return -1;
}
