/* cmd_produce.c — `logwire produce`: every line of a file (or stdin) becomes one record; exits
 * once every record is acknowledged (or failed), with a summary on stderr. A regular file is
 * read only as far ahead as Kafka acknowledges (the file is the buffer); a pipe is read as
 * fast as the producer's buffer allows. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/cli.h"
#include "agent/cmds.h"
#include "net/producer.h"
#include "proto/compress.h"
#include "base/err.h"

#define READ_BLOCK      (64 * 1024)
#define FILE_READ_AHEAD (1024u * 1024) /* a file can be read again: keep little in memory */

typedef struct prod_run {
  lw_cli cli;
  lw_producer *p;
  lw_ptopic *topic;
  int fd;
  bool regular, eof, paused, watching, done;
  uint8_t *buf;
  size_t cap, len, pos;
  int32_t partition;
  const char *key;
  int key_delim; /* -1 none */
  bool verbose;
  uint64_t lines, bytes, ok, failed, too_large;
  lw_timer kick;
} prod_run;

static void usage(FILE *f) {
  fprintf(f, "usage: logwire produce -b BROKERS -t TOPIC [-p PARTITION] [-k KEY | -K DELIM]\n"
             "                       [-a 0|1|all] [-z none|gzip|lz4] [--linger-ms N] [-f FILE]\n"
             "                       [-v] [-X key=value]... [--trace] [-d|-q]\n"
             "Every line of FILE (default: stdin) is sent as one record. -v prints\n"
             "\"partition offset\" for each acknowledged record.\n");
}

static void pump(prod_run *r);

static void on_delivery(void *ud, const lw_dr *dr) {
  prod_run *r = ud;
  if (dr->err == LW_OK) {
    r->ok++;
    if (r->verbose)
      printf("%" PRId32 " %" PRId64 "\n", dr->partition, dr->offset);
  } else {
    r->failed++;
  }
}

/* A batch at a time: no call per record. */
static void on_batch(void *ud, const lw_batch_dr *bd) {
  prod_run *r = ud;
  if (bd->err != LW_OK) {
    r->failed += (uint64_t)bd->count;
    return;
  }
  r->ok += (uint64_t)bd->count;
  for (int32_t i = 0; r->verbose && i < bd->count; i++)
    printf("%" PRId32 " %" PRId64 "\n", bd->partition,
           bd->base_offset >= 0 ? bd->base_offset + i : (int64_t)-1);
}

static void on_space(void *ud) {
  prod_run *r = ud;
  r->paused = false;
  pump(r);
}

static void check_done(prod_run *r) {
  if (r->eof && r->pos == r->len && !r->paused && lw_producer_idle(r->p)) {
    r->done = true;
    lw_loop_stop(r->cli.loop);
  }
}

/* Send one line; returns false when the producer is full (the line stays unconsumed). */
static bool send_line(prod_run *r, const uint8_t *p, size_t n) {
  lw_msg m = {.key_len = -1, .value = p, .value_len = (int32_t)n, .partition = r->partition};
  if (r->key) {
    m.key = r->key;
    m.key_len = (int32_t)strlen(r->key);
  } else if (r->key_delim >= 0) {
    const uint8_t *d = memchr(p, r->key_delim, n);
    if (d) {
      m.key = p;
      m.key_len = (int32_t)(d - p);
      m.value = d + 1;
      m.value_len = (int32_t)(n - (size_t)(d - p) - 1);
    }
  }
  int rc = lw_producer_send(r->p, r->topic, &m);
  if (rc == LW_ERR_QUEUE_FULL)
    return false;
  r->lines++;
  r->bytes += n;
  if (rc == LW_ERR_TOO_LARGE) {
    r->too_large++;
    r->failed++;
    fprintf(stderr, "logwire: line %" PRIu64 " (%zu bytes) is larger than message_max_bytes\n",
            r->lines, n);
  } else if (rc != LW_OK) {
    r->failed++;
  }
  return true;
}

static void watch_stdin(prod_run *r, bool on) {
  if (r->regular || r->watching == on)
    return;
  lw_loop_mod(r->cli.loop, r->fd, on ? LW_EV_READ : 0);
  r->watching = on;
}

/* Send every complete line buffered; read more while the producer takes them. */
static void pump(prod_run *r) {
  /* Plain lines (no key to cut out) go to the producer many at a time; the line it stops at
   * (a batch to open, the buffer full, a line too long) is sent alone below. */
  bool many = !r->key && r->key_delim < 0;
  while (!r->paused) {
    if (many && r->pos < r->len) {
      int32_t n;
      size_t vbytes;
      r->pos += lw_producer_send_lines(r->p, r->topic, r->partition, r->buf + r->pos,
                                       r->len - r->pos, '\n', &n, &vbytes);
      r->lines += (uint64_t)n;
      r->bytes += vbytes;
    }
    uint8_t *s = r->buf + r->pos;
    size_t avail = r->len - r->pos;
    uint8_t *nl = avail ? memchr(s, '\n', avail) : NULL;
    if (nl) {
      if (!send_line(r, s, (size_t)(nl - s))) {
        r->paused = true;
        break;
      }
      r->pos += (size_t)(nl - s) + 1;
      continue;
    }
    if (r->eof) {
      if (avail) { /* a last line without its newline is still a record */
        if (!send_line(r, s, avail)) {
          r->paused = true;
          break;
        }
        r->pos = r->len;
      }
      break;
    }
    /* Make room: move the partial line to the front, grow for a long line. */
    if (r->pos) {
      memmove(r->buf, r->buf + r->pos, avail);
      r->len = avail;
      r->pos = 0;
    }
    if (r->cap - r->len < 4096) { /* a line longer than the buffer: make it fit */
      size_t ncap = r->cap * 2;
      uint8_t *nb = realloc(r->buf, ncap);
      if (!nb) {
        fprintf(stderr, "logwire: out of memory for a %zu-byte line\n", r->len);
        r->eof = true;
        r->len = r->pos = 0;
        break;
      }
      r->buf = nb;
      r->cap = ncap;
    }
    ssize_t n = read(r->fd, r->buf + r->len, r->cap - r->len);
    if (n > 0) {
      r->len += (size_t)n;
      continue;
    }
    if (n < 0 && (errno == EINTR))
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch_stdin(r, true);
      return;
    }
    if (n < 0)
      fprintf(stderr, "logwire: read: %s\n", strerror(errno));
    r->eof = true;
  }
  watch_stdin(r, !r->paused && !r->eof);
  if (r->eof && r->pos == r->len)
    lw_producer_flush(r->p);
}

static void print_summary(const prod_run *r, const char *topic, double secs,
                          const lw_producer_stats *ps) {
  char undelivered[48] = "";
  if (r->lines > r->ok + r->failed) /* stopped early: what never got an answer */
    snprintf(undelivered, sizeof undelivered, ", %" PRIu64 " not delivered",
             r->lines - r->ok - r->failed);
  fprintf(stderr,
          "logwire produce: %" PRIu64 " records (%" PRIu64 " bytes) to %s: %" PRIu64
          " delivered, %" PRIu64 " failed%s in %.2f s",
          r->lines, r->bytes, topic, r->ok, r->failed, undelivered, secs);
  if (r->too_large)
    fprintf(stderr, " (TOO_LARGE: %" PRIu64, r->too_large);
  for (int i = 0; i < ps->nfail; i++)
    fprintf(stderr, "%s%s: %" PRIu64, r->too_large || i ? ", " : " (", lw_err_name(ps->fail[i].err),
            ps->fail[i].count);
  fprintf(stderr, "%s\n", r->too_large || ps->nfail ? ")" : "");
  if (r->cli.verbosity > 0)
    fprintf(stderr,
            "logwire produce: %" PRIu64 " requests, %" PRIu64 " batches, %" PRIu64
            " bytes sent, %" PRIu64 " records retried%s\n",
            ps->requests_sent, ps->batches_sent, ps->bytes_sent, ps->records_retried,
            ps->idempotent ? ", idempotent" : "");
}

static void on_stdin(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)l, (void)fd, (void)ev;
  pump(ud);
}

static void on_kick(lw_loop *l, lw_timer *t, void *ud) {
  (void)l, (void)t;
  pump(ud);
}

int lw_cmd_produce(int argc, char **argv) {
  prod_run r = {.fd = 0, .partition = -1, .key_delim = -1};
  lw_cli_init(&r.cli);
  const char *topic = NULL, *file = NULL;
  char err[256];
  for (int i = 1; i < argc; i++) {
    int used, c = lw_cli_option(&r.cli, argc, argv, i, &used);
    if (c < 0)
      goto usage_err;
    if (c > 0) {
      i += used - 1;
      continue;
    }
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    const char *key = NULL;
    if (!strcmp(a, "-v")) {
      r.verbose = true;
      continue;
    }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      lw_cli_free(&r.cli);
      return LW_EXIT_OK;
    }
    if (!v) {
      fprintf(stderr, "logwire produce: unknown option or missing value: %s\n", a);
      goto usage_err;
    }
    i++;
    if (!strcmp(a, "-t"))
      topic = v;
    else if (!strcmp(a, "-p"))
      r.partition = atoi(v);
    else if (!strcmp(a, "-k"))
      r.key = v;
    else if (!strcmp(a, "-K")) {
      if (strlen(v) != 1) {
        fprintf(stderr, "logwire produce: -K takes one character\n");
        goto usage_err;
      }
      r.key_delim = (unsigned char)v[0];
    } else if (!strcmp(a, "-f"))
      file = v;
    else if (!strcmp(a, "-a"))
      key = "acks";
    else if (!strcmp(a, "-z"))
      key = "compression";
    else if (!strcmp(a, "--linger-ms"))
      key = "linger_ms";
    else {
      fprintf(stderr, "logwire produce: unknown option %s\n", a);
      goto usage_err;
    }
    if (key && lw_producer_conf_set(&r.cli.conf, key, v, err, sizeof err) != LW_OK) {
      fprintf(stderr, "logwire produce: %s %s: %s\n", a, v, err);
      goto usage_err;
    }
  }
  if (!topic) {
    fprintf(stderr, "logwire produce: -t TOPIC is required\n");
    goto usage_err;
  }
  if (file && strcmp(file, "-")) {
    r.fd = open(file, O_RDONLY | O_CLOEXEC);
    if (r.fd < 0) {
      fprintf(stderr, "logwire produce: %s: %s\n", file, strerror(errno));
      lw_cli_free(&r.cli);
      return LW_EXIT_FAIL;
    }
  }
  struct stat st;
  r.regular = fstat(r.fd, &st) == 0 && S_ISREG(st.st_mode);
  if (lw_cli_start(&r.cli) != LW_OK)
    goto usage_err;
  lw_producer_cbs cbs = {.on_delivery = on_delivery, .on_batch = on_batch, .on_space = on_space};
  if (lw_producer_new(&r.p, &r.cli.ctx, &cbs, &r) != LW_OK) {
    lw_cli_free(&r.cli);
    return LW_EXIT_USAGE;
  }
  if (r.regular)
    lw_producer_set_limit(r.p, FILE_READ_AHEAD);
  r.topic = lw_producer_topic(r.p, topic);
  r.cap = READ_BLOCK;
  r.buf = malloc(r.cap);
  if (!r.topic || !r.buf) {
    fprintf(stderr, "logwire produce: out of memory\n");
    goto out;
  }
  if (!r.regular) {
    fcntl(r.fd, F_SETFL, fcntl(r.fd, F_GETFL) | O_NONBLOCK);
    lw_loop_add(r.cli.loop, r.fd, LW_EV_READ, on_stdin, &r);
    r.watching = true;
  }
  lw_timer_init(&r.kick, on_kick, &r);
  lw_timer_start(r.cli.loop, &r.kick, 0);
  uint64_t t0 = lw_now_us();
  while (!r.done) {
    if (lw_loop_run_once(r.cli.loop, 1000) != LW_OK)
      break;
    check_done(&r);
    /* Refused credentials or TLS end it at once, unless -X delivery_timeout_ms asked to keep
     * trying that long (the agent always keeps trying). */
    if (!r.done && !r.cli.conf.delivery_timeout_set && lw_cli_gave_up(&r.cli, "produce", false))
      break; /* the records still buffered are reported as failed when the producer is freed */
  }
  double secs = (double)(lw_now_us() - t0) / 1e6;
  lw_producer_stats ps;
  lw_producer_stats_get(r.p, &ps);
  if (r.cli.verbosity >= 0 || r.failed)
    print_summary(&r, topic, secs, &ps);
  if ((r.failed || !r.done) && !r.cli.gave_up && r.cli.ctx.last_err && !r.cli.ctx.ever_ready)
    fprintf(stderr, "logwire produce: no broker was reached: %s\n", r.cli.ctx.last_why);
out:
  if (!r.regular && r.watching)
    lw_loop_del(r.cli.loop, r.fd);
  lw_timer_stop(r.cli.loop, &r.kick);
  lw_producer_free(r.p);
  fflush(stdout);
  free(r.buf);
  if (r.fd > 0)
    close(r.fd);
  int fails = r.failed > 0 || !r.done;
  lw_cli_free(&r.cli);
  return fails ? LW_EXIT_FAIL : LW_EXIT_OK;
usage_err:
  usage(stderr);
  lw_cli_free(&r.cli);
  return LW_EXIT_USAGE;
}
