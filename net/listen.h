/* listen.h — the server side of a TCP socket, shared by the agent's HTTP endpoint
 * (agent/http.c) and the console (console/server.c): open a non-blocking listener, and accept
 * from it without spinning when the process runs out of descriptors. */
#ifndef LW_LISTEN_H
#define LW_LISTEN_H

#include <sys/socket.h>

/* Listen on HOST:PORT (PORT 0: any free port), the first address of HOST that binds, with
 * SO_REUSEADDR and a backlog of 64; the socket is non-blocking and close-on-exec. On LW_OK,
 * *fd is the caller's to close and *bound the port actually bound. Errors: LW_ERR_RESOLVE (HOST
 * does not resolve), LW_ERR_IO with errno from the last socket/bind/listen (EADDRINUSE names
 * an address already in use). */
int lw_listen_tcp(const char *host, int port, int *fd, int *bound);

#define LW_ACCEPT_AGAIN (-1) /* no connection waiting */
#define LW_ACCEPT_PAUSE (-2) /* out of descriptors or memory: stop listening for a while */

/* Accept one connection from listener LFD: the new descriptor (non-blocking, close-on-exec;
 * the caller's), LW_ACCEPT_AGAIN, or LW_ACCEPT_PAUSE for EMFILE, ENFILE, ENOBUFS and ENOMEM,
 * after which a level-triggered listener would wake up again at once: the caller removes it
 * from the loop and retries from a timer. PEER (may be NULL) gets the client's address. */
int lw_accept_next(int lfd, struct sockaddr_storage *peer);

#endif
