/* tail_test.h — helpers for the tail/ tests: temporary directories, file writes, a line sink
 * that records, acknowledges or refuses lines, and running the loop until a condition holds
 * (with a deadline: tests never sleep to wait). */
#ifndef LW_TAIL_TEST_H
#define LW_TAIL_TEST_H

#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/loop.h"
#include "base/err.h"
#include "tail/tail.h"

static inline char *tt_mkdtemp(void) {
  char *d = strdup("/tmp/lw-tail-XXXXXX");
  cr_assert(d && mkdtemp(d));
  return d;
}

static inline int tt_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  remove(p);
  return 0;
}

static inline void tt_rmtree(char *dir) {
  nftw(dir, tt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

/* "dir/name" in a static rotation of buffers (enough for one statement's worth of paths). */
static inline const char *tt_path(const char *dir, const char *name) {
  static char bufs[8][512];
  static int k;
  char *b = bufs[k++ % 8];
  snprintf(b, 512, "%s/%s", dir, name);
  return b;
}

static inline void tt_write(const char *path, const char *mode, const void *p, size_t n) {
  FILE *f = fopen(path, mode);
  cr_assert(f, "fopen %s", path);
  cr_assert_eq(fwrite(p, 1, n, f), n);
  cr_assert_eq(fclose(f), 0);
}

static inline void tt_append(const char *path, const char *s) {
  tt_write(path, "ab", s, strlen(s));
}

static inline void tt_create(const char *path, const char *s) {
  tt_write(path, "wb", s, strlen(s));
}

typedef struct tt_line {
  char *s;
  size_t len;
  lw_tail_file *f;
  uint64_t end;
  unsigned flags;
  bool acked;
} tt_line;

typedef struct tt_sink {
  lw_tail *t; /* set after lw_tail_new, for acks from the callback */
  tt_line *v;
  size_t n, cap;
  bool ack_now;   /* acknowledge inside the callback */
  bool refuse;    /* refuse every line */
  long refuse_at; /* refuse (once) when n reaches this, -1: never */
  int refused;    /* lines refused */
  char last_refused[64];
  char logs[4096]; /* log messages, '\n'-separated */
  int nlogs;
} tt_sink;

static inline void tt_sink_init(tt_sink *s) {
  memset(s, 0, sizeof(*s));
  s->refuse_at = -1;
}

static inline void tt_sink_free(tt_sink *s) {
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i].s);
  free(s->v);
  memset(s, 0, sizeof(*s));
}

static inline int tt_sink_cb(void *ud, const lw_line *ln) {
  tt_sink *s = ud;
  if (s->refuse || (s->refuse_at >= 0 && (long)s->n == s->refuse_at)) {
    s->refuse_at = -1;
    s->refused++;
    snprintf(s->last_refused, sizeof s->last_refused, "%.*s", (int)ln->len, (const char *)ln->p);
    return LW_ERR_QUEUE_FULL;
  }
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 64;
    s->v = realloc(s->v, s->cap * sizeof(*s->v));
    cr_assert(s->v);
  }
  tt_line *l = &s->v[s->n++];
  l->s = malloc(ln->len + 1);
  memcpy(l->s, ln->p, ln->len);
  l->s[ln->len] = 0;
  l->len = ln->len;
  l->f = ln->file;
  l->end = ln->end_offset;
  l->flags = ln->flags;
  l->acked = false;
  if (s->ack_now) {
    cr_assert_eq(lw_tail_ack(s->t, ln->file, ln->end_offset), LW_OK);
    l->acked = true;
  }
  return LW_OK;
}

/* lw_tail_conf.run over tt_sink_cb: each line of the run in turn, stopping at a refusal. */
static inline uint32_t tt_sink_run_cb(void *ud, const lw_line_run *run) {
  uint32_t start = run->first;
  for (uint32_t i = 0; i < run->n; start = run->end[i++]) {
    cr_assert_leq(run->len[i] + 1, run->end[i] - start, "a line fits before its end");
    lw_line ln = {.p = run->base + start,
                  .len = run->len[i],
                  .file = run->file,
                  .end_offset = run->base_off + run->end[i],
                  .ack_group = run->ack_group};
    if (tt_sink_cb(ud, &ln) != LW_OK)
      return i;
  }
  return run->n;
}

static inline void tt_log_cb(void *ud, int level, const char *msg) {
  tt_sink *s = ud;
  (void)level;
  size_t used = strlen(s->logs);
  snprintf(s->logs + used, sizeof s->logs - used, "%s\n", msg);
  s->nlogs++;
}

static inline void tt_ack_all(tt_sink *s) {
  for (size_t i = 0; i < s->n; i++)
    if (!s->v[i].acked) {
      cr_assert_eq(lw_tail_ack(s->t, s->v[i].f, s->v[i].end), LW_OK);
      s->v[i].acked = true;
    }
}

/* Run the loop until cond(ud) holds; false when `ms` passed first. */
static inline bool tt_run_until(lw_loop *l, bool (*cond)(void *), void *ud, int ms) {
  uint64_t end = lw_now_ms() + (uint64_t)ms;
  while (!cond(ud)) {
    if (lw_now_ms() > end)
      return false;
    lw_loop_run_once(l, 10);
  }
  return true;
}

/* A few loop iterations without waiting for anything in particular (to show that something
 * does NOT happen: the loop had the chance). */
static inline void tt_spin(lw_loop *l, int iterations) {
  for (int i = 0; i < iterations; i++)
    lw_loop_run_once(l, 5);
}

typedef struct tt_want {
  tt_sink *s;
  size_t n;
} tt_want;

static inline bool tt_have_n(void *ud) {
  tt_want *w = ud;
  return w->s->n >= w->n;
}

/* Run until the sink holds n lines (or 5 s pass). */
static inline bool tt_wait_lines(lw_loop *l, tt_sink *s, size_t n) {
  tt_want w = {s, n};
  return tt_run_until(l, tt_have_n, &w, 5000);
}

static inline bool tt_idle(void *ud) {
  return lw_tail_idle(ud);
}

static inline bool tt_paused(void *ud) {
  return lw_tail_paused(ud);
}

/* Default test configuration: one glob, short timers, log into the sink. */
static inline void tt_conf(lw_tail_conf *c, const char *const *paths, int n, tt_sink *s,
                           bool poll) {
  lw_tail_conf_init(c);
  c->name = "test";
  c->paths = paths;
  c->npaths = n;
  c->force_poll = poll;
  c->poll_ms = 30;
  c->sweep_ms = 200;
  c->rotate_wait_ms = 30;
  c->multiline_flush_ms = 50;
  c->checkpoint_ms = 20;
  c->log = tt_log_cb;
  c->log_ud = s;
}

#endif
