/* conn_io.c — a connection's socket I/O: writing the send queue (gather lists, partial
 * writes), reading responses into a bounded buffer, splitting frames, matching them to their
 * requests by correlation id, and the --trace hook. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net/conn_priv.h"
#include "proto/api.h"
#include "base/err.h"

/* ---- I/O ---- */

static ssize_t io_writev(lw_conn *c, const struct iovec *iov, int n) {
  if (c->tls)
    return lw_tls_writev(c->tls, iov, n);
  ssize_t w;
  do
    w = writev(c->fd, iov, n);
  while (w < 0 && errno == EINTR);
  return w;
}

static ssize_t io_read(lw_conn *c, void *p, size_t n) {
  if (c->tls)
    return lw_tls_read(c->tls, p, n);
  ssize_t r;
  do
    r = read(c->fd, p, n);
  while (r < 0 && errno == EINTR);
  return r;
}

static void trace_frame(lw_conn *c, bool out, int16_t api, int16_t ver, const lw_buf *b,
                        const uint8_t *p, size_t len) {
  if (!c->ctx->trace)
    return;
  if (b) {
    lw_buf flat;
    lw_buf_init(&flat, lw_buf_total(b));
    if (lw_buf_flatten(b, &flat) == LW_OK)
      c->ctx->trace(c->ctx->trace_ud, c, out, api, ver, flat.data + 4, flat.len - 4);
    lw_buf_free(&flat);
  } else {
    c->ctx->trace(c->ctx->trace_ud, c, out, api, ver, p, len);
  }
}

/* A read or write failed (errno): a TLS failure is named; one that is the broker refusing the
 * session (TLS 1.3: no client certificate) is the handshake's, as when it fails earlier. */
static void io_failed(lw_conn *c, const char *what) {
  if (c->tls && errno == EPROTO && lw_tls_refused(c->tls)) {
    lw__conn_log(c, 3, "TLS handshake failed: %s", lw_tls_error(c->tls));
    lw__conn_fail(c, LW_ERR_TLS);
    return;
  }
  if (c->tls && errno == EPROTO)
    lw__conn_log(c, 3, "TLS: %s", lw_tls_error(c->tls));
  else
    lw__conn_log(c, 1, "%s: %s", what, strerror(errno));
  lw__conn_fail(c, LW_ERR_DISCONNECTED);
}

/* Write as much of the send queue as the socket takes. */
void lw__conn_do_write(lw_conn *c) {
  if (c->fd < 0 || c->state == LW_CONN_CONNECTING || c->state == LW_CONN_TLS)
    return;
  while (c->sendq) {
    req *r = c->sendq;
    if (c->auth_hold && !r->internal && r->written == 0)
      break; /* held until re-authentication completes */
    struct iovec iov[IOV_MAX_REQ];
    int n = lw_buf_iov(&r->buf, iov, IOV_MAX_REQ);
    if (n < 0) {
      lw__conn_fail(c, LW_ERR_TOO_LARGE);
      return;
    }
    /* Skip what an earlier partial write sent. */
    size_t skip = r->written;
    int first = 0;
    while (first < n && skip >= iov[first].iov_len)
      skip -= iov[first++].iov_len;
    iov[first].iov_base = (char *)iov[first].iov_base + skip;
    iov[first].iov_len -= skip;
    ssize_t w = io_writev(c, iov + first, n - first);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        lw__conn_watch(c, LW_EV_READ | LW_EV_WRITE);
        return;
      }
      io_failed(c, "write failed");
      return;
    }
    r->written += (size_t)w;
    if (r->written < lw_buf_total(&r->buf)) {
      lw__conn_watch(c, LW_EV_READ | LW_EV_WRITE);
      return;
    }
    /* Fully written. */
    c->sendq = r->next;
    if (!c->sendq)
      c->sendq_tail = NULL;
    r->next = NULL;
    trace_frame(c, true, r->api, r->ver, &r->buf, NULL, 0);
    if (r->expect) {
      if (c->inflight_tail)
        c->inflight_tail->next = r;
      else
        c->inflight = r;
      c->inflight_tail = r;
    } else {
      lw__conn_req_complete(c, r, LW_OK, NULL, 0);
      if (c->dead || c->fd < 0)
        return;
      if (c->cbs.on_room) {
        c->busy++;
        c->cbs.on_room(c, c->ud);
        c->busy--;
      }
    }
  }
  lw__conn_watch(c, LW_EV_READ);
}

static void dispatch(lw_conn *c, const uint8_t *frame, size_t len) {
  if (len < 4) {
    lw__conn_fail(c, LW_ERR_MALFORMED);
    return;
  }
  int32_t corr = (int32_t)((uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 |
                           (uint32_t)frame[2] << 8 | frame[3]);
  req *prev = NULL, *r = c->inflight;
  while (r && r->corr != corr) {
    prev = r;
    r = r->next;
  }
  if (!r) {
    lw__conn_log(c, 3, "response with unknown correlation id %d", (int)corr);
    lw__conn_fail(c, LW_ERR_MALFORMED);
    return;
  }
  if (prev)
    prev->next = r->next;
  else
    c->inflight = r->next;
  if (c->inflight_tail == r)
    c->inflight_tail = prev;
  r->next = NULL;
  uint64_t now = lw_now_us();
  c->rtt_us = now - r->sent_us;
  c->rtt_avg_us = c->rtt_avg_us ? (c->rtt_avg_us * 7 + c->rtt_us) / 8 : c->rtt_us;
  trace_frame(c, false, r->api, r->ver, NULL, frame, len);
  lw_cur cur;
  lw_cur_init(&cur, frame, len);
  int32_t got;
  int rc = lw_resp_header_decode(&cur, r->api, r->ver, &got);
  if (rc != LW_OK) {
    lw__conn_req_complete(c, r, rc, NULL, 0);
    if (!c->dead)
      lw__conn_fail(c, LW_ERR_MALFORMED);
    return;
  }
  lw__conn_req_complete(c, r, LW_OK, frame + cur.pos, len - cur.pos);
  if (c->dead || c->fd < 0)
    return;
  lw__conn_arm_timer(c);
  if (!r->internal && c->cbs.on_room && c->state == LW_CONN_READY) {
    c->busy++;
    c->cbs.on_room(c, c->ud);
    c->busy--;
  }
}

/* Acknowledge what was just read at once. Linux delays ACKs on a connection where the reader
 * answers soon after reading (its "ping-pong" mode), to ride them on the next data sent: here
 * that is the next request, which for a quiet log is the next line written. A broker that
 * writes one answer in more than one segment without TCP_NODELAY (librdkafka's mock cluster,
 * under some congestion controls) then holds the second segment for that ACK (Nagle), and each
 * answer waited for the next line: 11 ms at one line every 10 ms. TCP_QUICKACK is not sticky,
 * so it is set again after each read that got data: one system call per wake-up. */
static void quickack(lw_conn *c) {
  int one = 1;
  (void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

static void do_read(lw_conn *c) {
  size_t maxf = c->ctx->conf->receive_max_bytes;
  for (;;) {
    if (c->rcap - c->rlen < READ_CHUNK / 4) {
      size_t ncap = c->rcap ? c->rcap * 2 : READ_CHUNK;
      if (ncap > maxf + 4 + READ_CHUNK)
        ncap = maxf + 4 + READ_CHUNK;
      if (ncap <= c->rcap) {
        lw__conn_fail(c, LW_ERR_TOO_LARGE);
        return;
      }
      uint8_t *p = realloc(c->rbuf, ncap);
      if (!p) {
        lw__conn_fail(c, LW_ERR_NOMEM);
        return;
      }
      c->rbuf = p;
      c->rcap = ncap;
    }
    size_t space = c->rcap - c->rlen;
    ssize_t n = io_read(c, c->rbuf + c->rlen, space);
    if (n == 0) {
      lw__conn_log(c, c->outstanding ? 1 : 0, "connection closed by the broker");
      lw__conn_fail(c, LW_ERR_DISCONNECTED);
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return;
      io_failed(c, "read failed");
      return;
    }
    c->rlen += (size_t)n;
    quickack(c);
    size_t off = 0;
    for (;;) {
      size_t flen;
      int rc = lw_frame_peek(c->rbuf + off, c->rlen - off, maxf, &flen);
      if (rc == LW_ERR_NEED_MORE)
        break;
      if (rc != LW_OK) {
        lw__conn_log(c, 3, "bad response frame: %s", lw_err_name(rc));
        lw__conn_fail(c, rc);
        return;
      }
      c->busy++;
      dispatch(c, c->rbuf + off + 4, flen);
      c->busy--;
      if (c->dead || c->fd < 0)
        return;
      off += 4 + flen;
    }
    if (off) {
      memmove(c->rbuf, c->rbuf + off, c->rlen - off);
      c->rlen -= off;
    }
    if ((size_t)n < space)
      return; /* drained the socket */
  }
}

void lw__conn_on_io(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)l;
  (void)fd;
  lw_conn *c = ud;
  lw__conn_enter(c);
  if (c->state == LW_CONN_CONNECTING) {
    if (ev & (LW_EV_WRITE | LW_EV_ERROR))
      lw__conn_on_connected(c);
  } else if (c->state == LW_CONN_TLS) {
    int rc = lw_tls_handshake(c->tls);
    if (rc == LW_OK) {
      lw__conn_watch(c, LW_EV_READ);
      lw__conn_after_transport(c);
    } else if (rc == LW_ERR_NEED_MORE) {
      lw__conn_watch(c, lw_tls_wants_write(c->tls) ? LW_EV_READ | LW_EV_WRITE : LW_EV_READ);
    } else {
      lw__conn_log(c, 3, "TLS handshake failed: %s", lw_tls_error(c->tls));
      lw__conn_fail(c, rc);
    }
  } else {
    if ((ev & LW_EV_WRITE) && c->fd >= 0)
      lw__conn_do_write(c);
    if ((ev & (LW_EV_READ | LW_EV_ERROR)) && c->fd >= 0 && !c->dead)
      do_read(c);
  }
  lw__conn_leave(c);
}
