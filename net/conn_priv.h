/* conn_priv.h — the connection's state and the functions its two halves share: conn.c
 * (lifecycle, timers, connecting, negotiation) and conn_io.c (reading, writing, framing). Not
 * for use outside net/conn*.c. */
#ifndef LW_CONN_PRIV_H
#define LW_CONN_PRIV_H

#include <netdb.h>
#include <stdint.h>

#include "net/auth.h"
#include "net/conn.h"
#include "net/resolve.h"
#include "net/tls.h"

#define MAX_API         128
#define READ_CHUNK      (64 * 1024)
#define SHRINK_ABOVE    (256 * 1024) /* release a receive buffer grown past this when idle */
#define IOV_MAX_REQ     64
#define APIVERSIONS_MAX 4 /* highest ApiVersions version logwire speaks */

typedef struct req {
  lw_buf buf; /* size + header + body; may hold splices */
  struct req *next;
  int32_t corr;
  int16_t api, ver;
  bool expect;
  bool internal; /* ApiVersions/SASL sent by the conn itself */
  lw_resp_cb cb;
  void *ud;
  uint64_t sent_us;     /* when it was queued */
  uint64_t deadline_us; /* request_timeout_ms after it was queued, or due_us if sooner */
  uint64_t due_us;      /* lw_conn_request_send_by's limit (0: none) */
  size_t written;       /* logical bytes already written */
} req;

struct lw_conn {
  lw_net_ctx *ctx;
  int32_t node_id;
  char *host;
  int port;
  char name[300];
  int state;
  bool want;
  int fd;
  unsigned watching; /* events registered with the loop */
  lw_resolve *res;   /* name resolution in progress */
  struct addrinfo *ai, *ai_cur;
  lw_conn_cbs cbs;
  void *ud;
  lw_timer timer;
  int attempts; /* consecutive failed connection attempts */
  req *sendq, *sendq_tail;
  req *inflight, *inflight_tail;
  req *pool; /* free request structs, buffers kept */
  int npool;
  int outstanding;
  int32_t next_corr;
  uint8_t *rbuf;
  size_t rlen, rcap;
  int16_t bmin[MAX_API], bmax[MAX_API]; /* broker ranges, -1 when not advertised */
  int16_t apiver_try;
  uint64_t rtt_us, rtt_avg_us;
  /* Outages: the first failed attempt to reach the broker is a warning, repeated at most every
   * LW_CONN_WARN_EVERY_US while it lasts; reaching it again is an info line with how long. */
  char why[512];          /* what the current attempt failed of, for the next warning */
  char last_error[512];   /* the last failure's reason (statistics) */
  uint64_t down_since_us; /* first failed attempt of the current outage, 0 when none */
  uint64_t warned_us;     /* last outage warning */
  uint64_t errors;        /* failed connection attempts and disconnections, ever */
  lw_tls *tls;
  lw_auth *auth;   /* kept while connected: it re-authenticates (KIP-368) */
  lw_timer reauth; /* when to re-authenticate */
  bool auth_hold;  /* re-authenticating: other requests wait, unwritten */
  int busy;        /* nesting depth of callbacks running on this conn */
  bool dead;       /* freed while busy: release when busy returns to 0 */
};

/* Bracket work started from the loop or by the owner (see conn.c). */
void lw__conn_enter(lw_conn *c);
void lw__conn_leave(lw_conn *c);
/* Close the socket, fail every request with err, reconnect after a backoff if still wanted. */
void lw__conn_fail(lw_conn *c, int err);
/* Arm the timer for the oldest request's deadline (READY/AUTH). */
void lw__conn_arm_timer(lw_conn *c);
/* Run a request's callback once and recycle it. */
void lw__conn_req_complete(lw_conn *c, req *r, int err, const uint8_t *body, size_t len);
/* Change the events watched on the socket. */
void lw__conn_watch(lw_conn *c, unsigned ev);
/* TCP (and TLS) is up: negotiate versions. */
void lw__conn_after_transport(lw_conn *c);
/* The non-blocking connect finished (or failed). */
void lw__conn_on_connected(lw_conn *c);
void lw__conn_log(lw_conn *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* conn_io.c */
/* Write as much of the send queue as the socket takes. */
void lw__conn_do_write(lw_conn *c);
/* The socket's event callback. */
void lw__conn_on_io(lw_loop *l, int fd, unsigned ev, void *ud);

#endif
