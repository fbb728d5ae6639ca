/* listen.c — see listen.h. */
#include "net/listen.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <unistd.h>

#include "base/err.h"

int lw_listen_tcp(const char *host, int port, int *fd, int *bound) {
  char portstr[8];
  snprintf(portstr, sizeof portstr, "%d", port);
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *ai = NULL;
  if (getaddrinfo(host, portstr, &hints, &ai) != 0)
    return LW_ERR_RESOLVE;
  int lfd = -1, saved = 0;
  for (struct addrinfo *a = ai; a && lfd < 0; a = a->ai_next) {
    int s = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
      saved = errno;
      continue;
    }
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, a->ai_addr, a->ai_addrlen) != 0 || listen(s, 64) != 0) {
      saved = errno;
      close(s);
      continue;
    }
    lfd = s;
  }
  freeaddrinfo(ai);
  if (lfd < 0) {
    errno = saved;
    return LW_ERR_IO;
  }
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getsockname(lfd, (struct sockaddr *)&ss, &sl) != 0) {
    saved = errno;
    close(lfd);
    errno = saved;
    return LW_ERR_IO;
  }
  *bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
  *fd = lfd;
  return LW_OK;
}

int lw_accept_next(int lfd, struct sockaddr_storage *peer) {
  for (;;) {
    socklen_t sl = sizeof *peer;
    int cfd =
        accept4(lfd, (struct sockaddr *)peer, peer ? &sl : NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd >= 0)
      return cfd;
    if (errno == EINTR || errno == ECONNABORTED)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return LW_ACCEPT_AGAIN;
    return LW_ACCEPT_PAUSE;
  }
}
