/* auth.c — SASL authentication. Plaintext connections need none. */
#include "net/auth.h"

#include <string.h>

#include "proto/err.h"

bool lw_auth_needed(const lw_producer_conf *conf) {
  return conf->security_protocol == LW_SEC_SASL_PLAINTEXT ||
         conf->security_protocol == LW_SEC_SASL_SSL;
}

int lw_auth_start(lw_auth **out, lw_conn *c) {
  (void)c;
  *out = NULL;
  return LW_ERR_UNSUPPORTED;
}

void lw_auth_free(lw_auth *a) {
  (void)a;
}

int lw_auth_reauth(lw_auth *a) {
  (void)a;
  return LW_ERR_UNSUPPORTED;
}
