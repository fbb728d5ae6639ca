/* forkserve.h — for the test tools that serve each connection in a process of its own
 * (saslbroker, certreqbroker): a listener on 127.0.0.1, announced on stdout as
 * "listening=127.0.0.1:PORT" for the scripts, and one child per accepted connection, killed
 * with its parent. */
#ifndef LW_TOOLS_FORKSERVE_H
#define LW_TOOLS_FORKSERVE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Listen on 127.0.0.1:PORT (0: any free port) and print the address. Returns the listener,
 * or -1 after printing why (NAME: listen: ...). */
static inline int fork_listen(const char *name, int port) {
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (lfd >= 0)
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 64) != 0 ||
      getsockname(lfd, (struct sockaddr *)&a, &al) != 0) {
    fprintf(stderr, "%s: listen: %s\n", name, strerror(errno));
    return -1;
  }
  printf("listening=127.0.0.1:%d\n", ntohs(a.sin_port));
  fflush(stdout);
  return lfd;
}

/* Accept forever; each connection is served by serve(fd, id, ud) in a child (ids from 1),
 * which exits when serve returns or when this process dies. Returns 1 only when accept
 * fails. */
static inline int fork_serve(int lfd, const char *name, void (*serve)(int fd, int id, void *ud),
                             void *ud) {
  signal(SIGCHLD, SIG_IGN); /* children are reaped automatically */
  pid_t parent = getpid();
  for (int id = 1;; id++) {
    int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0) {
      if (errno == EINTR)
        continue;
      fprintf(stderr, "%s: accept: %s\n", name, strerror(errno));
      return 1;
    }
    if (fork() == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent)
        _exit(0);
      close(lfd);
      serve(cfd, id, ud);
      _exit(0);
    }
    close(cfd);
  }
}

#endif
