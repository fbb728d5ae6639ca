/* auth.h — SASL authentication of a connection (SaslHandshake + SaslAuthenticate; PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512), run after ApiVersions and before the connection is READY. */
#ifndef LW_AUTH_H
#define LW_AUTH_H

#include <stdbool.h>

#include "net/conn.h"

typedef struct lw_auth lw_auth;

/* Whether the configured security protocol needs SASL. */
bool lw_auth_needed(const lw_producer_conf *conf);
/* Start authenticating c; the outcome is reported with lw_conn_auth_done(c, err). Returns
 * LW_OK (started) or an error (not started). */
int lw_auth_start(lw_auth **out, lw_conn *c);
void lw_auth_free(lw_auth *a);

#endif
