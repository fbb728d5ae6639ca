/* conn_internal.h — what the connection exposes to its own sub-modules (auth.c): requests sent
 * before the connection is READY, and reporting the authentication result. */
#ifndef LW_CONN_INTERNAL_H
#define LW_CONN_INTERNAL_H

#include "net/conn.h"

/* Send a request with this body during authentication (not counted against max_in_flight).
 * body is copied. The callback runs exactly once. Returns LW_OK or an error. */
int lw_conn_internal_send(lw_conn *c, int16_t api, int16_t ver, const lw_buf *body, lw_resp_cb cb,
                          void *ud);
/* Authentication finished: LW_OK makes the connection READY, an error fails it. */
void lw_conn_auth_done(lw_conn *c, int err);
lw_net_ctx *lw_conn_ctx(lw_conn *c);
/* Versions assumed for brokers that cannot be asked (api_version_request = false). */
void lw_api_fallback_ranges(const char *fallback, int16_t *min, int16_t *max, int n);

#endif
