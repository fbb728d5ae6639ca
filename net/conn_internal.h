/* conn_internal.h — what the connection exposes to its own sub-modules (auth.c): requests sent
 * before the connection is READY, and reporting the authentication result. */
#ifndef LW_CONN_INTERNAL_H
#define LW_CONN_INTERNAL_H

#include <stdint.h>

#include "net/conn.h"

/* Send a request with this body during authentication (not counted against max_in_flight).
 * body is copied. The callback runs exactly once. Returns LW_OK or an error. */
int lw_conn_internal_send(lw_conn *c, int16_t api, int16_t ver, const lw_buf *body, lw_resp_cb cb,
                          void *ud);
/* Authentication finished: LW_OK makes the connection READY (or, after a re-authentication,
 * releases the requests held meanwhile); an error fails it, LW_ERR_AUTH with the longest
 * reconnect backoff. The lw_auth stays with the connection until it closes. */
void lw_conn_auth_done(lw_conn *c, int err);
/* Re-authenticate (lw_auth_reauth) after delay_us, if the connection is still READY then.
 * While it runs, requests are queued but not written (lw_conn_has_room is false). */
void lw_conn_reauth_in(lw_conn *c, uint64_t delay_us);
lw_net_ctx *lw_conn_ctx(lw_conn *c);
/* Why the connection is about to fail, in words (kept for the outage warning and for
 * one-shot commands that give up); copied. */
void lw_conn_set_reason(lw_conn *c, const char *why);
/* Versions assumed for brokers that cannot be asked (api_version_request = false). */
void lw_api_fallback_ranges(const char *fallback, int16_t *min, int16_t *max, int n);

#endif
