/* bench_latency.c — latency from a line's write(2) to Kafka's acknowledgement, through the real
 * agent: `logwire run` follows a file this program appends to at RATE lines a second: from 1,000
 * lines/s up, RATE/1,000 lines in one write(2) every millisecond (10 lines a write at the default
 * 10,000); below, one line per write every 1/RATE s (a quiet log). The agent's benchmark probe
 * (LOGWIRE_ACK_LOG) records when each line was handed to the producer and when it was
 * acknowledged, on the shared monotonic clock; the two are joined by file offset.
 *
 *   bench_latency LOGWIRE BOOTSTRAP WORKDIR [RATE] [SECONDS]
 *
 * Variants for hunting a stall (environment, all optional):
 *   LATENCY_KAFKA  the [kafka] lines after brokers (default "acks = all\nlinger_ms = 1")
 *   LATENCY_INPUT  extra lines for the input (e.g. "poll = true" to follow by polling)
 *   LATENCY_AGENT  extra lines for [agent] (e.g. "checkpoint_ms = 3600000")
 *   LATENCY_SPLIT  US: each write is made in two write(2) calls, US microseconds apart: the
 *                  line, then its newline (measured from the newline's write)
 *   LATENCY_LINK   1: the agent follows a symbolic link to the file written
 *   LATENCY_INPUTS N: N-1 more inputs follow quiet files beside it
 *   LATENCY_FLOOR  1: the floor instead of the agent: the least any follower of this file can
 *                  take on this machine, the same wake-ups without Kafka (see floor_run)
 *
 * Prints percentiles of write -> ack over the measured window (after a 2 s warm-up), the
 * slowest lines split into write -> send (the tail: wake-up, read, split) and send -> ack (the
 * producer: linger, request, broker), the agent's longest loop turn (LOGWIRE_LOOP_LOG) with the
 * callback that took most of it (named by addr2line), and its CPU use during it; for the floor,
 * how long its writes to the loopback sockets took (each also wakes the reader: when the machine
 * stalls such wake-ups, a 16-byte write takes a scheduler tick). A benchmark: it reports, it does
 * not judge. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench_proc.h"

typedef struct wr {
  uint64_t end; /* file offset just past the line */
  uint64_t us;  /* when write(2) was called */
} wr;

typedef struct ack {
  uint64_t end, us, sent_us; /* sent_us: when lw_producer_send took the line */
  uint64_t req_us;           /* when the request carrying it was built (0: not known) */
} ack;

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_ack(const void *a, const void *b) {
  return cmp_u64(a, b);
}

/* One measured line: total write -> ack, split at the moment the producer took it; of the
 * second part, req is the time from the request's building to the acknowledgement (the
 * connection, the broker and the wake-ups; the rest of it is linger and queueing). */
typedef struct slow {
  uint64_t total, read, ack, req;
  uint64_t at; /* when it was written, from the start */
} slow;

/* The median, in ms, of the part of the nl lines at offset `field` (a uint64_t of slow);
 * scratch holds nl values. */
static double part_median(const slow *sl, size_t nl, size_t field, uint64_t *scratch) {
  if (!nl)
    return 0;
  for (size_t i = 0; i < nl; i++)
    memcpy(&scratch[i], (const char *)&sl[i] + field, sizeof(uint64_t));
  qsort(scratch, nl, sizeof(*scratch), cmp_u64);
  return (double)scratch[(nl - 1) / 2] / 1000.0;
}

/* slowest first */
static int cmp_slow(const void *a, const void *b) {
  const slow *x = a, *y = b;
  return x->total > y->total ? -1 : x->total < y->total;
}

/* ---- The floor: the agent's chain of wake-ups, with nothing else ----
 * A follower as small as it gets, built like the agent (one thread, epoll): inotify wakes it,
 * it reads the new lines, arms a timerfd for the linger, sends the lines pending then as one
 * request over loopback TCP to a server process that answers each request at once (no Kafka:
 * no encoding, no CRC, no log), and takes the answer as the acknowledgement. Its write -> ack is
 * what this machine's scheduler, timers and loopback cost at that rate: what is left for the
 * agent and the broker is the difference. It writes the agent's probe format (ack_path). */

/* How long the floor's write(2)s to its loopback sockets took. Such a write also delivers the
 * bytes and wakes the reader: when the machine stalls wake-ups, these are where it shows. */
typedef struct wstat {
  uint64_t n, over_1ms, longest_us;
} wstat;

static ssize_t timed_write(wstat *st, int fd, const void *p, size_t len) {
  uint64_t t0 = now_us();
  ssize_t r = write(fd, p, len);
  uint64_t d = now_us() - t0;
  st->n++;
  st->over_1ms += d > 1000;
  if (d > st->longest_us)
    st->longest_us = d;
  return r;
}

/* One line "WHO N OVER_1MS LONGEST_US" appended to PATH (both floor processes append to it). */
static void wstat_save(const char *path, const char *who, const wstat *st) {
  char ln[128];
  int n = snprintf(ln, sizeof ln, "%s %llu %llu %llu\n", who, (unsigned long long)st->n,
                   (unsigned long long)st->over_1ms, (unsigned long long)st->longest_us);
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd >= 0) {
    if (write(fd, ln, (size_t)n) != n) {
    }
    close(fd);
  }
}

static void on_term(int sig) {
  (void)sig; /* only interrupts a blocking call: see floor_server */
}

/* Answers every request (4-byte length, then the bytes) with 16 bytes, as soon as it is read.
 * It ends when the follower has gone (end of stream) or on SIGTERM, and then appends its writes'
 * times to wpath. */
static void floor_server(int ls, const char *wpath) {
  struct sigaction sa = {.sa_handler = on_term}; /* no SA_RESTART: SIGTERM ends a blocking call */
  sigaction(SIGTERM, &sa, NULL);
  wstat st = {0};
  int c = accept(ls, NULL, NULL);
  if (c < 0)
    _exit(1);
  int one = 1;
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  static char buf[1 << 20];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(c, buf + have, sizeof buf - have);
    if (n <= 0) {
      wstat_save(wpath, "answers", &st);
      _exit(0);
    }
    have += (size_t)n;
    for (;;) {
      uint32_t len;
      if (have < 4)
        break;
      memcpy(&len, buf, 4);
      if (have < 4 + (size_t)len)
        break;
      char ans[16] = {0};
      if (timed_write(&st, c, ans, sizeof ans) != (ssize_t)sizeof ans)
        _exit(1);
      memmove(buf, buf + 4 + len, have - 4 - len);
      have -= 4 + len;
    }
  }
}

typedef struct floor_line {
  uint64_t end, read_us, req_us;
} floor_line;

/* The follower. linger_us: how long lines wait for more before they are sent. Its writes'
 * times are appended to wpath. */
static void floor_follow(const char *path, const char *ack_path, const char *wpath, int port,
                         uint64_t linger_us) {
  wstat st = {0};
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  int tf = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  sigset_t ss;
  sigemptyset(&ss);
  sigaddset(&ss, SIGTERM);
  sigprocmask(SIG_BLOCK, &ss, NULL);
  int sf = signalfd(-1, &ss, SFD_CLOEXEC);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  if (fd < 0 || in < 0 || tf < 0 || s < 0 || ep < 0 || sf < 0 ||
      connect(s, (struct sockaddr *)&a, sizeof a) != 0 ||
      inotify_add_watch(in, path, IN_MODIFY) < 0)
    _exit(1);
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int fds[4] = {in, tf, s, sf};
  for (int i = 0; i < 4; i++) {
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
  }
  size_t cap = 1 << 22, np = 0, sent = 0, nacked = 0;
  floor_line *l = malloc(cap * sizeof(*l));
  uint64_t *acked = malloc(cap * sizeof(*acked));
  uint32_t reqs[4096]; /* lines per request in flight, in order */
  size_t rh = 0, rt = 0;
  static char buf[1 << 20], req[1 << 20];
  uint64_t off = 0, seen = 0;
  bool armed = false;
  if (!l || !acked)
    _exit(1);
  for (;;) {
    struct epoll_event evs[4];
    int n = epoll_wait(ep, evs, 4, -1);
    for (int i = 0; i < n; i++) {
      int f = evs[i].data.fd;
      if (f == sf)
        goto out;
      if (f == in) {
        char ib[4096];
        while (read(in, ib, sizeof ib) > 0) {
        }
        ssize_t r;
        while ((r = pread(fd, buf, sizeof buf, (off_t)off)) > 0) {
          uint64_t t = now_us();
          for (ssize_t k = 0; k < r; k++)
            if (buf[k] == '\n' && np < cap)
              l[np++] = (floor_line){.end = off + (uint64_t)k + 1, .read_us = t};
          off += (uint64_t)r;
        }
        if (np > seen && !armed) {
          struct itimerspec its = {.it_value = {0, (long)linger_us * 1000}};
          timerfd_settime(tf, 0, &its, NULL);
          armed = true;
        }
        seen = np;
      } else if (f == tf) {
        uint64_t x;
        if (read(tf, &x, sizeof x) < 0) {
        }
        armed = false;
        if (np > sent && (rt - rh) < 4096) {
          uint64_t from = sent ? l[sent - 1].end : 0, to = l[np - 1].end;
          uint32_t len = (uint32_t)(to - from < sizeof req - 4 ? to - from : 0);
          memcpy(req, &len, 4);
          if (pread(fd, req + 4, len, (off_t)from) != (ssize_t)len ||
              timed_write(&st, s, req, 4 + (size_t)len) != (ssize_t)(4 + len))
            _exit(1);
          reqs[rt++ % 4096] = (uint32_t)(np - sent);
          uint64_t t = now_us();
          for (size_t k = sent; k < np; k++)
            l[k].req_us = t;
          sent = np;
        }
      } else if (f == s) {
        char ab[4096];
        ssize_t r = read(s, ab, sizeof ab);
        if (r <= 0)
          goto out;
        setsockopt(s, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
        uint64_t t = now_us();
        for (ssize_t k = 0; k + 16 <= r && rh < rt; k += 16) {
          uint32_t m = reqs[rh++ % 4096];
          for (uint32_t j = 0; j < m; j++)
            acked[nacked++] = t;
        }
      }
    }
  }
out:
  wstat_save(wpath, "requests", &st);
  FILE *af = fopen(ack_path, "w");
  if (af) {
    for (size_t i = 0; i < nacked; i++)
      fprintf(af, "floor %llu %llu %llu %llu\n", (unsigned long long)l[i].end,
              (unsigned long long)acked[i], (unsigned long long)l[i].read_us,
              (unsigned long long)l[i].req_us);
    fclose(af);
  }
  _exit(0);
}

/* Start the floor's server and follower; returns the follower's pid (stopped with SIGTERM as
 * the agent is) and the server's in *server. */
static pid_t floor_run(const char *path, const char *ack_path, const char *wpath,
                       uint64_t linger_us, pid_t *server) {
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 1) != 0 ||
      getsockname(ls, (struct sockaddr *)&a, &al) != 0)
    return -1;
  *server = fork();
  if (*server == 0)
    floor_server(ls, wpath);
  close(ls);
  pid_t p = fork();
  if (p == 0)
    floor_follow(path, ack_path, wpath, ntohs(a.sin_port), linger_us);
  return p;
}

/* The name of the function at ADDR (an address in the executable file BIN, as the agent's
 * loop probe writes it), by addr2line; "?" if it cannot be told. */
static void func_name(const char *bin, unsigned long long addr, char *out, size_t cap) {
  snprintf(out, cap, "?");
  if (!addr)
    return;
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "addr2line -f -e '%s' %#llx 2>/dev/null", bin, addr);
  FILE *p = popen(cmd, "r");
  if (!p)
    return;
  char line[200];
  if (fgets(line, sizeof line, p) && line[0] != '?') {
    line[strcspn(line, "\n")] = 0;
    snprintf(out, cap, "%s", line);
  }
  pclose(p);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s LOGWIRE BOOTSTRAP WORKDIR [RATE] [SECONDS]\n", argv[0]);
    return 2;
  }
  const char *bin = argv[1], *brokers = argv[2], *dir = argv[3];
  int rate = argc > 4 ? atoi(argv[4]) : 10000;
  int secs = argc > 5 ? atoi(argv[5]) : 30;
  if (rate < 1)
    rate = 1;
  /* per write: lines, and the period between writes */
  int per_ms = rate >= 1000 ? rate / 1000 : 1;
  uint64_t period_ns = rate >= 1000 ? 1000000u : 1000000000u / (uint64_t)rate;
  mkdir(dir, 0755);
  char conf[4096], log[4096], acks[4096], agentlog[4096];
  snprintf(conf, sizeof conf, "%s/latency.conf", dir);
  snprintf(log, sizeof log, "%s/latency.log", dir);
  snprintf(acks, sizeof acks, "%s/acks.txt", dir);
  snprintf(agentlog, sizeof agentlog, "%s/agent.log", dir);
  char loopf[4096 + 16], wpath[4096 + 16];
  snprintf(loopf, sizeof loopf, "%s/loop.txt", dir);
  snprintf(wpath, sizeof wpath, "%s/floor-writes.txt", dir);
  unlink(loopf);
  unlink(wpath);
  unlink(log);
  const char *kafka = getenv("LATENCY_KAFKA"), *extra = getenv("LATENCY_INPUT");
  const char *e_split = getenv("LATENCY_SPLIT"), *e_link = getenv("LATENCY_LINK");
  const char *e_inputs = getenv("LATENCY_INPUTS"), *agent = getenv("LATENCY_AGENT");
  long split_us = e_split ? atol(e_split) : -1;
  bool split = split_us >= 0, link = e_link && atoi(e_link) > 0;
  int ninputs = e_inputs ? atoi(e_inputs) : 1;
  char followed[4096 + 8];
  snprintf(followed, sizeof followed, "%s%s", log, link ? ".lnk" : "");
  if (link) {
    unlink(followed);
    if (symlink(log, followed) != 0) {
      perror("symlink");
      return 1;
    }
  }
  FILE *cf = fopen(conf, "w");
  if (!cf)
    return 1;
  fprintf(cf,
          "[kafka]\nbrokers = %s\n%s\n"
          "[agent]\nstate_dir = %s/state-%d\n%s\n"
          "[input.latency]\npaths = %s\nstart = beginning\ntopic = latency-%d\n%s\n",
          brokers, kafka ? kafka : "acks = all\nlinger_ms = 1", dir, (int)getpid(),
          agent ? agent : "", followed, (int)getpid(), extra ? extra : "");
  for (int i = 1; i < ninputs && i < 100; i++)
    fprintf(cf, "[input.quiet%d]\npaths = %s/quiet%d.log\ntopic = latency-%d-%d\n%s\n", i, dir, i,
            (int)getpid(), i, extra ? extra : "");
  fclose(cf);
  int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return 1;
  const char *e_floor = getenv("LATENCY_FLOOR");
  bool floor = e_floor && atoi(e_floor) > 0;
  pid_t server = -1;
  unlink(acks);
  pid_t pid = floor ? floor_run(log, acks, wpath, 1000, &server) : fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid == 0) {
    setenv("LOGWIRE_ACK_LOG", acks, 1);
    setenv("LOGWIRE_LOOP_LOG", loopf, 1);
    int lf = open(agentlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (lf >= 0)
      dup2(lf, 2);
    execl(bin, bin, "run", "-c", conf, (char *)NULL);
    _exit(127);
  }
  size_t total = (size_t)(secs + 2) * (size_t)per_ms * (1000000000u / period_ns) + 16;
  wr *w = calloc(total, sizeof(*w));
  if (!w)
    return 1;
  size_t nw = 0;
  uint64_t off = 0, start = now_us(), measure_from = start + 2000000u;
  double cpu0 = -1;
  char line[256], block[256 * 64];
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (uint64_t tick = 0;; tick++) {
    next.tv_nsec += (long)period_ns;
    while (next.tv_nsec >= 1000000000) {
      next.tv_nsec -= 1000000000;
      next.tv_sec++;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    uint64_t t = now_us();
    if (t >= measure_from + (uint64_t)secs * 1000000u || nw + (size_t)per_ms > total)
      break;
    if (cpu0 < 0 && t >= measure_from)
      cpu0 = proc_cpu(pid);
    size_t bl = 0;
    for (int i = 0; i < per_ms && i < 64; i++) {
      int n = snprintf(line, sizeof line,
                       "%" PRIu64 " latency probe line %06" PRIu64 " tick %08" PRIu64
                       " abcdefghijklmnopqrstuvwxyz0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ\n",
                       t, (uint64_t)nw + (uint64_t)i, tick);
      memcpy(block + bl, line, (size_t)n);
      bl += (size_t)n;
      off += (uint64_t)n;
      if (t >= measure_from)
        w[nw + (size_t)i] = (wr){.end = off, .us = t};
      else
        w[nw + (size_t)i] = (wr){.end = off, .us = 0}; /* warm-up: not measured */
    }
    /* split: the line without its newline first (the agent may read it half written) */
    size_t first = split && bl > 1 ? bl - 1 : bl;
    if (write(fd, block, first) != (ssize_t)first) {
      perror("write");
      break;
    }
    if (first < bl) {
      struct timespec gap = {0, split_us * 1000};
      if (split_us > 0)
        nanosleep(&gap, NULL);
      uint64_t t2 = now_us();
      for (int i = 0; i < per_ms && i < 64; i++)
        if (w[nw + (size_t)i].us)
          w[nw + (size_t)i].us = t2;
      if (write(fd, block + first, bl - first) != (ssize_t)(bl - first)) {
        perror("write");
        break;
      }
    }
    nw += (size_t)(per_ms < 64 ? per_ms : 64);
  }
  double cpu1 = proc_cpu(pid);
  uint64_t measured_us = now_us() - measure_from;
  /* Let the last lines be acknowledged, then stop the agent (it flushes the probe file). */
  struct timespec settle = {1, 0};
  nanosleep(&settle, NULL);
  kill(pid, SIGTERM);
  int status;
  waitpid(pid, &status, 0);
  if (server > 0) {
    kill(server, SIGTERM);
    waitpid(server, &status, 0);
  }
  close(fd);

  FILE *af = fopen(acks, "r");
  if (!af) {
    fprintf(stderr, "no acknowledgements recorded (%s): see %s\n", acks, agentlog);
    return 1;
  }
  size_t na = 0, capa = total + 16;
  ack *a = calloc(capa, sizeof(*a));
  if (!a)
    return 1;
  char name[128], aline[512];
  unsigned long long e, u, sent, req;
  while (na < capa && fgets(aline, sizeof aline, af)) {
    req = 0;
    if (sscanf(aline, "%127s %llu %llu %llu %llu", name, &e, &u, &sent, &req) >= 4)
      a[na++] = (ack){.end = e, .us = u, .sent_us = sent, .req_us = req};
  }
  fclose(af);
  qsort(a, na, sizeof(*a), cmp_ack);
  uint64_t *lat = calloc(total + 1, sizeof(*lat));
  slow *sl = calloc(total + 1, sizeof(*sl));
  if (!lat || !sl)
    return 1;
  size_t nl = 0, missing = 0, j = 0;
  for (size_t i = 0; i < nw; i++) {
    while (j < na && a[j].end < w[i].end)
      j++;
    if (j >= na || a[j].end != w[i].end) {
      missing++;
      continue;
    }
    if (w[i].us) {
      uint64_t l = a[j].us > w[i].us ? a[j].us - w[i].us : 0;
      uint64_t rd = a[j].sent_us > w[i].us ? a[j].sent_us - w[i].us : 0;
      uint64_t rq = a[j].req_us && a[j].us > a[j].req_us ? a[j].us - a[j].req_us : 0;
      sl[nl] = (slow){
          .total = l, .read = rd, .ack = l > rd ? l - rd : 0, .req = rq, .at = w[i].us - start};
      lat[nl++] = l;
    }
  }
  qsort(lat, nl, sizeof(*lat), cmp_u64);
  qsort(sl, nl, sizeof(*sl), cmp_slow);
#define PCT(p) (nl ? (double)lat[(size_t)((double)(nl - 1) * (p))] / 1000.0 : 0)
  /* what was measured, on one line: the [kafka] settings and the variant */
  char what[512];
  size_t wl = 0;
  for (const char *c = kafka ? kafka : "acks = all\nlinger_ms = 1"; *c && wl < 200; c++)
    what[wl++] = *c == '\n' ? ',' : *c;
  what[wl] = 0;
  char sp[64] = "";
  if (split)
    snprintf(sp, sizeof sp, ", line and newline written %ld us apart", split_us);
  snprintf(what + wl, sizeof what - wl, "%s%s%s%s%s", extra ? ", " : "", extra ? extra : "",
           link ? ", through a symlink" : "", ninputs > 1 ? ", more inputs" : "", sp);
  if (floor)
    snprintf(what, sizeof what,
             "the floor: inotify, a 1 ms timerfd, a loopback TCP answer; no "
             "agent, no Kafka");
  printf("  %zu lines measured at %d lines/s (%d a write) over %.1f s (%s), %zu not acknowledged\n",
         nl, rate >= 1000 ? per_ms * 1000 : rate, per_ms, (double)measured_us / 1e6, what, missing);
  printf("  write -> ack latency: p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max "
         "%.2f ms\n",
         PCT(0.50), PCT(0.90), PCT(0.99), PCT(0.999), nl ? (double)lat[nl - 1] / 1000.0 : 0);
  /* Where a typical line spends its time: the medians of the parts. */
  uint64_t *part = calloc(nl + 1, sizeof(*part));
  if (!part)
    return 1;
  double med_read = part_median(sl, nl, offsetof(slow, read), part);
  double med_ack = part_median(sl, nl, offsetof(slow, ack), part);
  double med_req = part_median(sl, nl, offsetof(slow, req), part);
  free(part);
  printf("  medians of the parts: write -> send %.2f ms, send -> ack %.2f ms (of which request "
         "-> ack %.2f ms)\n",
         med_read, med_ack, med_req);
  /* Where the slowest lines spent their time. Lines written in the same burst share a stall,
   * so this shows the slowest line of each of the (up to) five slowest distinct writes. */
  printf("  slowest lines (write -> send = tail wake-up and read, send -> ack = producer and "
         "broker; request -> ack = from the request's building: connection, broker, "
         "wake-ups):\n");
  uint64_t shown[5];
  int ns = 0;
  for (size_t i = 0; i < nl && ns < 5; i++) {
    bool dup = false;
    for (int k = 0; k < ns; k++)
      dup = dup || shown[k] == sl[i].at;
    if (dup)
      continue;
    shown[ns++] = sl[i].at;
    printf("    %.2f ms at %.3f s: write -> send %.2f ms, send -> ack %.2f ms (request -> ack "
           "%.2f ms)\n",
           (double)sl[i].total / 1000.0, (double)sl[i].at / 1e6, (double)sl[i].read / 1000.0,
           (double)sl[i].ack / 1000.0, (double)sl[i].req / 1000.0);
  }
  /* The agent's own view: its longest loop turn over the whole run (start-up included). */
  FILE *lf = fopen(loopf, "r");
  unsigned long long turns, mwall, mcpu, over, wat, cat, wcb = 0, wcb_us = 0, ccb = 0, ccb_us = 0;
  if (lf && fscanf(lf, "%llu %llu %llu %llu %llu %llu %llx %llu %llx %llu", &turns, &mwall, &mcpu,
                   &over, &wat, &cat, &wcb, &wcb_us, &ccb, &ccb_us) >= 6) {
    printf("  agent loop (whole run, start-up included): %llu turns, longest %.2f ms wall at %.3f "
           "s, longest %.2f ms CPU at %.3f s, %llu turns over 1 ms CPU\n",
           turns, (double)mwall / 1000.0, wat > start ? (double)(wat - start) / 1e6 : 0.0,
           (double)mcpu / 1000.0, cat > start ? (double)(cat - start) / 1e6 : 0.0, over);
    char wname[256], cname[256];
    func_name(bin, wcb, wname, sizeof wname);
    func_name(bin, ccb, cname, sizeof cname);
    printf("  where they went (the slowest callback of each, wall): longest wall: %s %.2f ms; "
           "longest CPU: %s %.2f ms\n",
           wname, (double)wcb_us / 1000.0, cname, (double)ccb_us / 1000.0);
  }
  if (lf)
    fclose(lf);
  /* The floor's own view: how long its writes to the loopback sockets took. */
  FILE *wf = floor ? fopen(wpath, "r") : NULL;
  if (wf) {
    char who[32];
    unsigned long long n, slow_n, longest;
    printf("  floor's loopback writes (each delivers and wakes the reader):");
    for (int k = 0; fscanf(wf, "%31s %llu %llu %llu", who, &n, &slow_n, &longest) == 4; k++)
      printf("%s %s %llu, %llu over 1 ms, longest %.2f ms", k ? ";" : "", who, n, slow_n,
             (double)longest / 1000.0);
    printf("\n");
    fclose(wf);
  }
  if (cpu0 >= 0 && cpu1 >= 0)
    printf("  %s CPU while measured: %.2f s (%.1f%% of one core)\n", floor ? "floor" : "agent",
           cpu1 - cpu0, 100.0 * (cpu1 - cpu0) / ((double)measured_us / 1e6));
  free(w);
  free(a);
  free(lat);
  free(sl);
  return 0;
}
