/* churn.c — test-only: many short-lived log files, as a job runner or a per-request logger
 * makes them. N files exist at any time in DIR; each lives a random time between MIN_MS and
 * MAX_MS, gets a line every PERIOD_MS while it lives, and is then deleted and replaced by a new
 * one (a new name). Lines are numbered across all files ("PREFIX 0000001 file-NAME ..."), so
 * lib.sh's seq_report or seqcount counts them.
 *
 *   churn -d DIR -n FILES -t SECONDS [-m MIN_MS] [-M MAX_MS] [-p PERIOD_MS] [-P PREFIX]
 *
 * After SECONDS no new file is made; the files still alive live out their time (written to
 * until they die, so every file lives at least MIN_MS), then the number of the last line
 * written is printed, then the number of files created. Defaults: -m 1000 -M 3000 -p 250
 * -P churn. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct slot {
  char path[512];
  int fd;
  int64_t born_ms, dies_ms, next_ms;
} slot;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *dir, *prefix = "churn";
static long created, seq;
static int min_ms = 1000, max_ms = 3000, period_ms = 250;

static int spawn(slot *s, int64_t now) {
  snprintf(s->path, sizeof s->path, "%s/job-%07ld.log", dir, ++created);
  s->fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (s->fd < 0) {
    fprintf(stderr, "churn: %s: %s\n", s->path, strerror(errno));
    return -1;
  }
  s->born_ms = now;
  s->dies_ms = now + min_ms + (max_ms > min_ms ? random() % (max_ms - min_ms) : 0);
  s->next_ms = now + random() % period_ms;
  return 0;
}

static void retire(slot *s) {
  close(s->fd);
  unlink(s->path);
  s->fd = -1;
}

int main(int argc, char **argv) {
  int n = 0, secs = 0, opt;
  while ((opt = getopt(argc, argv, "d:n:t:m:M:p:P:")) != -1) {
    if (opt == 'd')
      dir = optarg;
    else if (opt == 'n')
      n = atoi(optarg);
    else if (opt == 't')
      secs = atoi(optarg);
    else if (opt == 'm')
      min_ms = atoi(optarg);
    else if (opt == 'M')
      max_ms = atoi(optarg);
    else if (opt == 'p')
      period_ms = atoi(optarg);
    else if (opt == 'P')
      prefix = optarg;
    else
      n = 0;
  }
  if (!dir || n <= 0 || secs <= 0 || min_ms < 0 || max_ms < min_ms || period_ms <= 0) {
    fprintf(stderr, "usage: churn -d DIR -n FILES -t SECONDS [-m MIN_MS] [-M MAX_MS] "
                    "[-p PERIOD_MS] [-P PREFIX]\n");
    return 2;
  }
  srandom(1);
  slot *s = calloc((size_t)n, sizeof(*s));
  if (!s)
    return 1;
  int64_t start = now_ms(), end = start + (int64_t)secs * 1000;
  for (int i = 0; i < n; i++)
    if (spawn(&s[i], start) != 0)
      return 1;
  char line[768];
  int alive = n;
  for (int64_t now = start; alive > 0; now = now_ms()) {
    for (int i = 0; i < n; i++) {
      if (s[i].fd < 0)
        continue;
      if (now >= s[i].next_ms) {
        int k = snprintf(line, sizeof line, "%s %07ld %s\n", prefix, ++seq,
                         strrchr(s[i].path, '/') + 1);
        if (write(s[i].fd, line, (size_t)k) != k) {
          fprintf(stderr, "churn: write %s: %s\n", s[i].path, strerror(errno));
          return 1;
        }
        s[i].next_ms = now + period_ms;
      }
      if (now >= s[i].dies_ms) {
        retire(&s[i]);
        if (now >= end) /* no new files: this one lived its time */
          alive--;
        else if (spawn(&s[i], now) != 0)
          return 1;
      }
    }
    struct timespec ts = {0, 1000000}; /* 1 ms ticks */
    nanosleep(&ts, NULL);
  }
  printf("%ld\n%ld\n", seq, created);
  free(s);
  return 0;
}
