/* seqwrite.c — test-only: the application of the integration tests. Appends numbered lines
 * "PREFIX 0000001 pad..." (the format of lib.sh's seq_lines, so seq_report counts them) to a
 * file opened with O_APPEND, at a steady rate, each write(2) holding whole lines only.
 *
 *   seqwrite -f FILE -n LINES [-r LINES_PER_SECOND] [-p PREFIX] [-s FIRST] [-x EVERY]
 *
 * SIGHUP reopens FILE (what an application does after logrotate's rename + create); SIGTERM
 * stops it after whole lines. A rate of 0 writes as fast as it can. -x stops the process
 * (SIGSTOP to itself) after every EVERY lines but the last ones: a test waits for the stop,
 * rotates or kills, and sends SIGCONT, so that what happens between two stops depends on line
 * counts, not on how fast the machine is. The number of the last line written is printed at
 * exit. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS  1000000L /* one batch per millisecond */
#define BUF_SIZE (64 * 1024)

static volatile sig_atomic_t reopen, stop;

static void on_hup(int s) {
  (void)s;
  reopen = 1;
}

static void on_term(int s) {
  (void)s;
  stop = 1;
}

static int open_file(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    fprintf(stderr, "seqwrite: %s: %s\n", path, strerror(errno));
  return fd;
}

/* write(2) all of it, retrying short writes and EINTR. Returns 0 or -1. */
static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv) {
  const char *path = NULL, *prefix = "line";
  long n = 0, rate = 0, first = 1, every = 0;
  int opt;
  while ((opt = getopt(argc, argv, "f:n:r:p:s:x:")) != -1) {
    if (opt == 'f')
      path = optarg;
    else if (opt == 'n')
      n = atol(optarg);
    else if (opt == 'r')
      rate = atol(optarg);
    else if (opt == 'p')
      prefix = optarg;
    else if (opt == 's')
      first = atol(optarg);
    else if (opt == 'x')
      every = atol(optarg);
    else
      path = NULL, n = -1;
  }
  if (!path || n < 0 || rate < 0 || every < 0 || strlen(prefix) > 64) {
    fprintf(stderr, "usage: seqwrite -f FILE -n LINES [-r LINES_PER_SECOND] [-p PREFIX] "
                    "[-s FIRST] [-x EVERY]\n");
    return 2;
  }
  static const char pad[] = "abcdefghijklmnopqrstuvwxyz0123456789 !#$%&()*+-./:;<=>?@[]^_{|}~";
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_hup;
  sigaction(SIGHUP, &sa, NULL);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  int fd = open_file(path);
  if (fd < 0)
    return 1;
  static char buf[BUF_SIZE];
  int64_t start = now_ns();
  long i = first, last = first + n - 1;
  while (i <= last && !stop) {
    if (reopen) {
      reopen = 0;
      int nfd = open_file(path);
      if (nfd < 0)
        return 1;
      close(fd);
      fd = nfd;
    }
    /* Lines due by now (all of them without a rate), as many as the buffer holds. */
    long due = rate ? (long)((now_ns() - start) / 1000 * rate / 1000000) + first : last;
    if (due > last)
      due = last;
    if (every && due > first + ((i - first) / every + 1) * every - 1)
      due = first + ((i - first) / every + 1) * every - 1; /* end the write at the stop */
    size_t used = 0;
    for (; i <= due && used + 160 < sizeof buf; i++) {
      int k = snprintf(buf + used, sizeof buf - used, "%s %07ld %.*s\n", prefix, i,
                       (int)((i * 7) % 64), pad);
      used += (size_t)k;
    }
    if (used && write_all(fd, buf, used) != 0) {
      fprintf(stderr, "seqwrite: write %s: %s\n", path, strerror(errno));
      return 1;
    }
    if (every && used && i <= last && (i - first) % every == 0)
      raise(SIGSTOP);
    if (i <= last && rate && i > due) {
      struct timespec ts = {0, TICK_NS};
      nanosleep(&ts, NULL);
    }
  }
  close(fd);
  printf("%ld\n", i - 1);
  return 0;
}
