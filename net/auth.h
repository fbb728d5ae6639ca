/* auth.h — SASL authentication of a connection (SaslHandshake + SaslAuthenticate; PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512), run after ApiVersions and before the connection is READY, and
 * again on the live connection before the session the broker granted expires (KIP-368).
 *
 * Like Kafka's own client: SaslHandshake v1 names the mechanism, then each SASL token travels
 * in a SaslAuthenticate request (v0-v2, the highest both sides know). A broker that offers only
 * SaslHandshake v0 (Kafka before 1.0) expects raw, unframed tokens: logwire does not speak that
 * and says so. Failures are logged with the broker's ErrorMessage (or the mechanisms it enables)
 * and reported as LW_ERR_AUTH, which the connection answers with its longest reconnect backoff
 * (reconnect_backoff_max_ms) instead of retrying at once. */
#ifndef LW_AUTH_H
#define LW_AUTH_H

#include <stdbool.h>

#include "net/conn.h"

typedef struct lw_auth lw_auth;

/* Whether the configured security protocol needs SASL. */
bool lw_auth_needed(const lw_producer_conf *conf);
/* Start authenticating c with the configured mechanism, user and password; the outcome is
 * reported with lw_conn_auth_done(c, err) (the callback may free the lw_auth: nothing touches it
 * after). When the broker grants a session lifetime (SaslAuthenticate v1+), the conn is asked to
 * call lw_auth_reauth before it ends (lw_conn_reauth_in). Returns LW_OK (started; *out set) or
 * an error (not started, logged; *out NULL). */
int lw_auth_start(lw_auth **out, lw_conn *c);
/* Re-authenticate on the live connection (SaslHandshake + SaslAuthenticate again; the conn holds
 * its other requests meanwhile). Outcome as for lw_auth_start. Returns LW_OK or an error (not
 * started). */
int lw_auth_reauth(lw_auth *a);
/* Free (secrets wiped). Safe with NULL. */
void lw_auth_free(lw_auth *a);

#endif
