/* conn.h — one connection to one broker: non-blocking connect over every resolved address,
 * (TLS, SASL,) ApiVersions negotiation, length-prefixed framing, pipelined requests matched by
 * correlation id, request timeouts, reconnects with exponential backoff and jitter.
 *
 * Lifecycle: DOWN -> RESOLVING -> CONNECTING -> [TLS] -> APIVERSIONS -> [SASL] -> READY.
 * Any failure fails every queued and in-flight request (their callbacks get the error), tells
 * the owner through on_state, and, while the owner wants the connection, schedules a
 * reconnect after a backoff: reconnect_backoff_ms doubling up to reconnect_backoff_max_ms,
 * each delay randomised by -20%..+20% so that many clients do not reconnect in step.
 *
 * Ownership: the conn borrows its lw_net_ctx (loop, config, trace hook) and owns its requests.
 * Request callbacks are called exactly once. */
#ifndef LW_CONN_H
#define LW_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/loop.h"
#include "net/producer_conf.h"
#include "base/buf.h"

typedef struct lw_conn lw_conn;

enum lw_conn_state {
  LW_CONN_DOWN = 0,
  LW_CONN_BACKOFF,
  LW_CONN_RESOLVING,
  LW_CONN_CONNECTING,
  LW_CONN_TLS,
  LW_CONN_APIVERSIONS,
  LW_CONN_AUTH,
  LW_CONN_READY,
};
const char *lw_conn_state_name(int state);

/* Called for every frame sent or received when tracing: the frame without its size prefix. */
typedef void (*lw_trace_frame_fn)(void *ud, const lw_conn *c, bool outgoing, int16_t api_key,
                                  int16_t api_version, const uint8_t *frame, size_t len);
/* Log hook: level 0 debug, 1 info, 2 warn, 3 error. */
typedef void (*lw_log_fn)(void *ud, int level, const char *msg);
/* The same for a message about one broker, its address ("host:port") and node id (-1: a
 * bootstrap address) given apart, for logs with fields. */
typedef void (*lw_log_broker_fn)(void *ud, int level, const char *broker, int node_id,
                                 const char *msg);

/* Shared by every connection of a client (borrowed). */
typedef struct lw_net_ctx {
  lw_loop *loop;
  const lw_producer_conf *conf;
  lw_trace_frame_fn trace;
  void *trace_ud;
  lw_log_fn log;
  lw_log_broker_fn log_broker; /* optional: else `log` gets "broker ADDR (id N): MSG" */
  void *log_ud;
  void *tls;    /* TLS context (net/tls.h) when security_protocol uses TLS, else NULL */
  uint64_t rng; /* backoff jitter state */
  /* Kept up to date by every connection of the context, so that one-shot commands can give up
   * with the real cause: the last failure to reach a broker (0 when none) and its reason, and
   * whether any connection ever became READY. */
  int last_err;
  char last_why[832];
  bool ever_ready;
} lw_net_ctx;

/* Log through ctx->log (when set) with printf formatting; level as lw_log_fn. */
void lw_net_logf(const lw_net_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same about the broker at `broker` (node id node_id): through ctx->log_broker when set. */
void lw_net_log_broker(const lw_net_ctx *ctx, int level, const char *broker, int node_id,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Response callback. On success err == LW_OK and body/len is the response body (after the
 * response header), valid only during the call. For a request sent without expecting a
 * response (Produce with acks=0) the callback runs once the request is written, with
 * body == NULL. On failure err is the reason (LW_ERR_DISCONNECTED, LW_ERR_TIMED_OUT, ...). */
typedef void (*lw_resp_cb)(lw_conn *c, int err, const uint8_t *body, size_t len, void *ud);

typedef struct lw_conn_cbs {
  /* The connection changed state (READY, or DOWN/BACKOFF with err). */
  void (*on_state)(lw_conn *c, int state, int err, void *ud);
  /* A request completed and there is room for more (in flight < max_in_flight). */
  void (*on_room)(lw_conn *c, void *ud);
} lw_conn_cbs;

/* Create a connection object for broker `node_id` (-1 for a bootstrap address) at host:port.
 * Nothing happens until lw_conn_want(c, true). Returns LW_OK or LW_ERR_NOMEM. */
int lw_conn_new(lw_conn **out, lw_net_ctx *ctx, int32_t node_id, const char *host, int port,
                const lw_conn_cbs *cbs, void *ud);
/* Close and free; pending request callbacks run with LW_ERR_SHUTDOWN first. */
void lw_conn_free(lw_conn *c);
/* Whether the owner wants this connection up: true starts connecting (now, or after the
 * current backoff), false closes it and stops reconnecting. */
void lw_conn_want(lw_conn *c, bool want);
/* Drop the connection now with `err` (requests fail with it); reconnects if still wanted. */
void lw_conn_reset(lw_conn *c, int err);
/* Point the connection at a new address (when metadata moves a broker); reconnects if up. */
int lw_conn_set_address(lw_conn *c, const char *host, int port);

int lw_conn_state(const lw_conn *c);
static inline bool lw_conn_is_ready(const lw_conn *c) {
  return lw_conn_state(c) == LW_CONN_READY;
}
int32_t lw_conn_node_id(const lw_conn *c);
void lw_conn_set_node_id(lw_conn *c, int32_t node_id);
const char *lw_conn_host(const lw_conn *c);
int lw_conn_port(const lw_conn *c);
/* "host:port" (static per connection). */
const char *lw_conn_name(const lw_conn *c);

/* The version to use for an API: the highest both sides support, or -1 when there is none
 * (or the connection is not READY). */
int16_t lw_conn_api_version(const lw_conn *c, int16_t api_key);
/* The versions logwire's client uses for an API (false when it does not use it). */
bool lw_client_range(int16_t api_key, int16_t *min, int16_t *max);
/* The broker's advertised range for an API (false if not advertised). */
bool lw_conn_broker_range(const lw_conn *c, int16_t api_key, int16_t *min, int16_t *max);

/* Requests queued or in flight (not yet answered). */
int lw_conn_outstanding(const lw_conn *c);
/* True when another request may be sent now (READY and outstanding < max_in_flight). */
bool lw_conn_has_room(const lw_conn *c);
/* Round-trip time of the last answered request, and a smoothed average, in microseconds. */
uint64_t lw_conn_rtt_us(const lw_conn *c);
uint64_t lw_conn_rtt_avg_us(const lw_conn *c);
/* Connection errors (failed attempts and lost connections) since the conn was created. */
uint64_t lw_conn_errors(const lw_conn *c);
/* The last connection error's reason ("" when none). Borrowed, valid while c is. */
const char *lw_conn_last_error(const lw_conn *c);
/* When the current outage began (lw_now_us clock), 0 when the broker is not unreachable. */
uint64_t lw_conn_down_since_us(const lw_conn *c);

/* Building a request: lw_conn_request_begin returns a buffer holding the frame size
 * placeholder and the request header for api/version; append the body, then
 * lw_conn_request_send queues it (the conn owns the buffer from begin until the callback has
 * run; splices in it must stay valid as long). Returns NULL when not READY (or out of memory). */
lw_buf *lw_conn_request_begin(lw_conn *c, int16_t api_key, int16_t api_version);
/* Queue the request begun with lw_conn_request_begin. expect_response false for Produce
 * with acks=0. Returns LW_OK (the callback will run) or an error (it will not). */
int lw_conn_request_send(lw_conn *c, lw_buf *b, bool expect_response, lw_resp_cb cb, void *ud);
/* The same, given up at due_us (lw_now_us clock) when that comes before request_timeout_ms:
 * the connection is then replaced, as after request_timeout_ms, and the callback gets
 * LW_ERR_TIMED_OUT (Produce: the delivery timeout of the records it carries). 0: no limit. */
int lw_conn_request_send_by(lw_conn *c, lw_buf *b, bool expect_response, lw_resp_cb cb, void *ud,
                            uint64_t due_us);
/* Abandon a request begun but not sent. */
void lw_conn_request_abort(lw_conn *c, lw_buf *b);

#endif
