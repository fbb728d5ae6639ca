/* resolve.h — host name resolution that never blocks the loop: numeric addresses are parsed
 * at once; names go to glibc's asynchronous getaddrinfo_a and are polled from a timer. */
#ifndef LW_RESOLVE_H
#define LW_RESOLVE_H

#include <netdb.h>
#include <stdint.h>

typedef struct lw_resolve lw_resolve;

/* Start resolving host:port (TCP). A numeric host gives LW_OK with *ai set at once (*res
 * NULL). A name gives LW_ERR_NEED_MORE with *res set: call lw_resolve_poll until it is done.
 * Errors: LW_ERR_RESOLVE, LW_ERR_NOMEM. *ai is the caller's (freeaddrinfo). */
int lw_resolve_start(lw_resolve **res, const char *host, int port, struct addrinfo **ai);
/* LW_OK with *ai set (caller frees), LW_ERR_NEED_MORE while in progress, LW_ERR_RESOLVE. */
int lw_resolve_poll(lw_resolve *r, struct addrinfo **ai);
/* When to poll next: starts at 100 us and doubles up to 20 ms. */
uint64_t lw_resolve_next_poll_us(lw_resolve *r);
uint64_t lw_resolve_started_us(const lw_resolve *r);
/* Cancel and free. A lookup still running in glibc's resolver thread cannot be freed yet: it
 * is parked and reclaimed by a later call once glibc is done with it. */
void lw_resolve_free(lw_resolve *r);

#endif
