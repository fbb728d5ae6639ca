/* cutproxy.c — test-only: a TCP proxy that cuts connections at random bytes. Each accepted
 * connection is forwarded to TARGET and closed (both sides, at once) after a random number
 * of bytes has passed through it in either direction, so a request or a response is cut
 * anywhere: in a length prefix, in a record batch, between two frames.
 *
 *   cutproxy -t HOST:PORT [-m MAX_BYTES] [-s SEED]
 *
 * Prints "listen=127.0.0.1:PORT" as its first line (a free port chosen by the kernel), then
 * forwards until SIGINT or SIGTERM. Each connection's budget is drawn
 * uniformly from 1..MAX_BYTES (default 262144; 0 = never cut). At exit it prints
 * "connections N cut C bytes B" on stderr. One thread, poll(2), non-blocking sockets. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 256
#define BUF_SIZE  (64 * 1024)

typedef struct pipe_buf {
  char data[BUF_SIZE];
  size_t off, len; /* pending bytes: data[off, off + len) */
} pipe_buf;

typedef struct conn {
  int fd[2];       /* 0: client, 1: broker */
  pipe_buf buf[2]; /* buf[i]: read from fd[i], to be written to fd[1 - i] */
  bool eof[2];     /* fd[i] reached end of input */
  bool connected;  /* the broker side finished connecting */
  uint64_t budget; /* bytes left before the cut (UINT64_MAX: never) */
} conn;

static volatile sig_atomic_t stop;
static void on_signal(int s) {
  (void)s;
  stop = 1;
}

static conn *conns[MAX_CONNS];
static uint64_t nconns, ncut, nbytes;

static void conn_close(int i) {
  conn *c = conns[i];
  close(c->fd[0]);
  close(c->fd[1]);
  free(c);
  conns[i] = NULL;
}

static int nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Move bytes from c->fd[i] into its buffer and from the buffer to c->fd[1 - i]. Returns false
 * when the connection must close (error, both sides done, or the budget ran out). */
static bool pump(conn *c, int i) {
  pipe_buf *b = &c->buf[i];
  if (!c->eof[i] && b->len == 0) {
    size_t want = BUF_SIZE;
    if (c->budget < want)
      want = (size_t)c->budget;
    ssize_t n = read(c->fd[i], b->data, want);
    if (n == 0)
      c->eof[i] = true;
    else if (n < 0 && errno != EAGAIN && errno != EINTR)
      return false;
    else if (n > 0) {
      b->off = 0;
      b->len = (size_t)n;
      if (c->budget != UINT64_MAX)
        c->budget -= (uint64_t)n;
      nbytes += (uint64_t)n;
    }
  }
  while (b->len) {
    ssize_t n = write(c->fd[1 - i], b->data + b->off, b->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      break;
    if (n <= 0)
      return false;
    b->off += (size_t)n;
    b->len -= (size_t)n;
  }
  if (c->budget == 0 && b->len == 0) {
    ncut++; /* the cut: whatever was in flight beyond the budget never arrives */
    return false;
  }
  if (c->eof[i] && b->len == 0)
    shutdown(c->fd[1 - i], SHUT_WR);
  return !(c->eof[0] && c->eof[1] && !c->buf[0].len && !c->buf[1].len);
}

int main(int argc, char **argv) {
  const char *target = NULL;
  uint64_t max = 262144;
  unsigned seed = (unsigned)getpid();
  int opt;
  while ((opt = getopt(argc, argv, "t:m:s:")) != -1) {
    if (opt == 't')
      target = optarg;
    else if (opt == 'm')
      max = strtoull(optarg, NULL, 10);
    else if (opt == 's')
      seed = (unsigned)strtoul(optarg, NULL, 10);
    else
      target = NULL;
  }
  const char *colon = target ? strrchr(target, ':') : NULL;
  if (!colon) {
    fprintf(stderr, "usage: cutproxy -t HOST:PORT [-m MAX_BYTES] [-s SEED]\n");
    return 2;
  }
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
  char host[64];
  snprintf(host, sizeof host, "%.*s", (int)(colon - target), target);
  if (!strcmp(host, "localhost"))
    snprintf(host, sizeof host, "127.0.0.1");
  if (inet_pton(AF_INET, host, &to.sin_addr) != 1) {
    fprintf(stderr, "cutproxy: %s: an IPv4 address is needed\n", host);
    return 2;
  }
  srandom(seed);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in la = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t ll = sizeof la;
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&la, sizeof la) != 0 || listen(lfd, 64) != 0 ||
      getsockname(lfd, (struct sockaddr *)&la, &ll) != 0) {
    perror("cutproxy: listen");
    return 1;
  }
  printf("listen=127.0.0.1:%u\n", ntohs(la.sin_port));
  fflush(stdout);
  while (!stop) {
    struct pollfd p[2 + 2 * MAX_CONNS];
    int idx[2 + 2 * MAX_CONNS];
    int np = 0;
    p[np++] = (struct pollfd){.fd = lfd, .events = POLLIN};
    p[np++] = (struct pollfd){.fd = -1}; /* keeps connection pairs at even indexes */
    for (int i = 0; i < MAX_CONNS; i++) {
      conn *c = conns[i];
      if (!c)
        continue;
      for (int s = 0; s < 2; s++) {
        short ev = 0;
        if (s == 1 && !c->connected)
          ev = POLLOUT;
        else {
          if (!c->eof[s] && c->buf[s].len == 0)
            ev |= POLLIN;
          if (c->buf[1 - s].len)
            ev |= POLLOUT;
        }
        idx[np] = i;
        p[np++] = (struct pollfd){.fd = c->fd[s], .events = ev};
      }
    }
    int r = poll(p, (nfds_t)np, 1000);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      break;
    for (int k = 2; k < np; k += 2) {
      int i = idx[k];
      conn *c = conns[i];
      if (!c || !(p[k].revents | p[k + 1].revents))
        continue;
      if (!c->connected) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &el);
        if (err || (p[k + 1].revents & (POLLERR | POLLHUP))) {
          conn_close(i);
          continue;
        }
        if (!(p[k + 1].revents & POLLOUT))
          continue;
        c->connected = true;
      }
      if (!pump(c, 0) || !pump(c, 1))
        conn_close(i);
    }
    if (p[0].revents & POLLIN) {
      int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
      int slot = -1;
      for (int i = 0; i < MAX_CONNS && slot < 0; i++)
        if (!conns[i])
          slot = i;
      if (cfd >= 0 && slot < 0)
        close(cfd);
      else if (cfd >= 0) {
        int bfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        conn *c = calloc(1, sizeof(*c));
        if (bfd < 0 || !c || nonblock(bfd) != 0 ||
            (connect(bfd, (struct sockaddr *)&to, sizeof to) != 0 && errno != EINPROGRESS)) {
          close(cfd);
          if (bfd >= 0)
            close(bfd);
          free(c);
        } else {
          setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          setsockopt(bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          c->fd[0] = cfd;
          c->fd[1] = bfd;
          c->budget = max ? 1 + (uint64_t)random() % max : UINT64_MAX;
          conns[slot] = c;
          nconns++;
        }
      }
    }
  }
  for (int i = 0; i < MAX_CONNS; i++)
    if (conns[i])
      conn_close(i);
  fprintf(stderr, "connections %llu cut %llu bytes %llu\n", (unsigned long long)nconns,
          (unsigned long long)ncut, (unsigned long long)nbytes);
  return 0;
}
