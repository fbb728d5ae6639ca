/* resolve.c — non-blocking name resolution over getaddrinfo_a (see resolve.h). */
#include "net/resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/loop.h"
#include "base/err.h"

struct lw_resolve {
  struct gaicb cb; /* must stay valid until glibc reports completion */
  struct addrinfo hints;
  char host[256];
  char port[8];
  uint64_t started_us;
  uint64_t next_us;
  lw_resolve *next_parked;
};

/* Lookups abandoned while glibc's resolver thread still writes into them. Process-wide by
 * nature (glibc's resolver is), touched only from the loop's thread. */
static lw_resolve *parked;

static void reap_parked(void) {
  lw_resolve **pp = &parked;
  while (*pp) {
    lw_resolve *r = *pp;
    if (gai_error(&r->cb) != EAI_INPROGRESS) {
      *pp = r->next_parked;
      if (r->cb.ar_result)
        freeaddrinfo(r->cb.ar_result);
      free(r);
    } else {
      pp = &r->next_parked;
    }
  }
}

int lw_resolve_start(lw_resolve **res, const char *host, int port, struct addrinfo **ai) {
  char ps[8];
  snprintf(ps, sizeof ps, "%d", port);
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                           .ai_protocol = IPPROTO_TCP,
                           .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
  *res = NULL;
  reap_parked();
  /* Numeric IPv4/IPv6 addresses need no lookup. */
  if (getaddrinfo(host, ps, &hints, ai) == 0)
    return LW_OK;
  if (strlen(host) >= sizeof((lw_resolve *)0)->host)
    return LW_ERR_RESOLVE;
  lw_resolve *r = calloc(1, sizeof(*r));
  if (!r)
    return LW_ERR_NOMEM;
  snprintf(r->host, sizeof r->host, "%s", host);
  snprintf(r->port, sizeof r->port, "%s", ps);
  r->hints = (struct addrinfo){.ai_socktype = SOCK_STREAM,
                               .ai_protocol = IPPROTO_TCP,
                               .ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV};
  r->cb.ar_name = r->host;
  r->cb.ar_service = r->port;
  r->cb.ar_request = &r->hints;
  r->started_us = lw_now_us();
  r->next_us = 100;
  struct gaicb *list[1] = {&r->cb};
  if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0) {
    free(r);
    return LW_ERR_RESOLVE;
  }
  *res = r;
  return LW_ERR_NEED_MORE;
}

int lw_resolve_poll(lw_resolve *r, struct addrinfo **ai) {
  int e = gai_error(&r->cb);
  if (e == EAI_INPROGRESS)
    return LW_ERR_NEED_MORE;
  if (e != 0 || !r->cb.ar_result)
    return LW_ERR_RESOLVE;
  *ai = r->cb.ar_result;
  r->cb.ar_result = NULL;
  return LW_OK;
}

uint64_t lw_resolve_next_poll_us(lw_resolve *r) {
  uint64_t d = r->next_us;
  if (r->next_us < 20000)
    r->next_us *= 2;
  return d;
}

uint64_t lw_resolve_started_us(const lw_resolve *r) {
  return r->started_us;
}

void lw_resolve_free(lw_resolve *r) {
  if (!r)
    return;
  if (gai_error(&r->cb) == EAI_INPROGRESS && gai_cancel(&r->cb) != EAI_CANCELED) {
    r->next_parked = parked;
    parked = r;
    return;
  }
  if (r->cb.ar_result)
    freeaddrinfo(r->cb.ar_result);
  free(r);
}
