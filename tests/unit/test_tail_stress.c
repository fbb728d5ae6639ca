/* test_tail_stress.c — a writer appends numbered lines while the file is renamed away or
 * deleted and recreated many times (with late writes into the rotated file), interleaved
 * deterministically with loop iterations; acknowledgements come in random order and the
 * callback refuses lines now and then. Every number must be delivered exactly once, in
 * order within each file. Run with inotify and with polling, with the rotated files leaving
 * the glob and staying in it. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/tail_test.h"

#define STEPS      1500
#define LATE_STEPS 20 /* the writer reopens (closes the rotated file) within this many steps */
#define MAX_SEQ    200000

typedef struct pend {
  lw_tail_file *f;
  uint64_t end;
} pend;

typedef struct stress {
  lw_tail *t;
  uint8_t *count; /* deliveries per sequence number */
  pend *pending;  /* accepted, not yet acknowledged */
  size_t npending, cap;
  bool refusing;
  int refusals;
  uint64_t delivered;
  struct {
    lw_tail_file *f;
    long last;
  } order[4096]; /* last sequence number seen per handle */
  int norder;
} stress;

static uint32_t rng = 12345;
static uint32_t rnd(uint32_t n) {
  rng = rng * 1103515245u + 12345u;
  return (rng >> 8) % n;
}

static int stress_cb(void *ud, const lw_line *ln) {
  stress *s = ud;
  if (s->refusing) {
    s->refusals++;
    return LW_ERR_QUEUE_FULL;
  }
  char buf[32];
  size_t n = ln->len < 31 ? ln->len : 31;
  memcpy(buf, ln->p, n);
  buf[n] = 0;
  long seq = atol(buf);
  cr_assert(seq >= 0 && seq < MAX_SEQ, "line %.*s", (int)ln->len, (const char *)ln->p);
  /* Content check: "<seq> <pad>" with pad = seq % 300 'x' bytes. */
  const char *sp = memchr(ln->p, ' ', ln->len);
  cr_assert(sp);
  cr_assert_eq(ln->len - (size_t)(sp + 1 - (const char *)ln->p), (size_t)(seq % 300));
  cr_assert_eq(ln->flags, 0);
  s->count[seq]++;
  s->delivered++;
  int i;
  for (i = 0; i < s->norder && s->order[i].f != ln->file; i++) {
  }
  if (i == s->norder) {
    cr_assert_lt(s->norder, 4096);
    s->order[s->norder].f = ln->file;
    s->order[s->norder++].last = -1;
  }
  cr_assert_gt(seq, s->order[i].last, "order within one file");
  s->order[i].last = seq;
  if (s->npending == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 1024;
    s->pending = realloc(s->pending, s->cap * sizeof(*s->pending));
  }
  s->pending[s->npending++] = (pend){ln->file, ln->end_offset};
  return LW_OK;
}

static void ack_some(stress *s, size_t n) {
  while (n-- && s->npending) {
    size_t i = rnd((uint32_t)s->npending);
    cr_assert_eq(lw_tail_ack(s->t, s->pending[i].f, s->pending[i].end), LW_OK);
    s->pending[i] = s->pending[--s->npending];
  }
}

typedef struct known {
  ino_t ino;
  bool ok;
} known;

static void find_open(void *ud, const lw_tail_file_info *fi) {
  known *k = ud;
  if (fi->ino == (uint64_t)k->ino && fi->open && !fi->rotated)
    k->ok = true;
}

typedef struct holds {
  lw_tail *t;
  int fd;
} holds;

/* Does tail hold (open, at its path) the file the writer writes to? */
static bool tail_holds(void *ud) {
  holds *h = ud;
  struct stat st;
  cr_assert_eq(fstat(h->fd, &st), 0);
  known k = {st.st_ino, false};
  lw_tail_foreach_file(h->t, find_open, &k);
  return k.ok;
}

static void write_line(int fd, long seq) {
  char buf[400];
  int n = snprintf(buf, sizeof buf, "%ld ", seq);
  memset(buf + n, 'x', (size_t)(seq % 300));
  n += (int)(seq % 300);
  buf[n++] = '\n';
  cr_assert_eq(write(fd, buf, (size_t)n), n);
}

static void stress_run(bool poll, bool glob_keeps_rotated) {
  char *dir = tt_mkdtemp();
  char glob[512], cur[512], rot[512];
  snprintf(glob, sizeof glob, "%s/%s", dir, glob_keeps_rotated ? "app.log*" : "app.log");
  snprintf(cur, sizeof cur, "%s/app.log", dir);
  const char *paths[] = {glob};
  lw_loop *loop;
  cr_assert_eq(lw_loop_new(&loop), LW_OK);
  tt_sink logs;
  tt_sink_init(&logs);
  lw_tail_conf c;
  tt_conf(&c, paths, 1, &logs, poll);
  c.poll_ms = 5;
  /* Late writes into a rotated file are read while tail still holds it: rotate_wait_ms
   * must outlast the writer's late-write window (LATE_STEPS steps, a few ms here). */
  c.rotate_wait_ms = 2000;
  c.read_block = 4096; /* many read boundaries */
  c.start_beginning = true;
  stress *s = calloc(1, sizeof(*s));
  s->count = calloc(MAX_SEQ, 1);
  int fd = open(cur, O_WRONLY | O_CREAT | O_APPEND, 0644);
  cr_assert_geq(fd, 0);
  cr_assert_eq(lw_tail_new(&s->t, loop, &c, stress_cb, s), LW_OK);
  int oldfd = -1, old_steps = 0;
  long seq = 0;
  int rotations = 0;
  for (int step = 0; step < STEPS; step++) {
    uint32_t r = rnd(100);
    if (oldfd >= 0 && ++old_steps > LATE_STEPS) {
      close(oldfd);
      oldfd = -1;
    }
    if (r < 55) {
      for (uint32_t k = 1 + rnd(5); k; k--)
        write_line(fd, seq++);
    } else if (r < 60 && oldfd >= 0) {
      write_line(oldfd, seq++); /* the application has not reopened yet */
    } else if (r < 68) {
      /* Rotate only a file tail holds: one renamed away or deleted before any look at it
       * would be unreachable for any follower. Polling needs up to poll_ms to find it. */
      holds h = {s->t, fd};
      if (tt_run_until(loop, tail_holds, &h, 2000)) {
        if (oldfd >= 0)
          close(oldfd);
        oldfd = fd;
        old_steps = 0;
        if (rnd(2)) {
          snprintf(rot, sizeof rot, "%s/app.log.%d", dir, rotations);
          cr_assert_eq(rename(cur, rot), 0);
        } else {
          cr_assert_eq(unlink(cur), 0);
        }
        fd = open(cur, O_WRONLY | O_CREAT | O_APPEND, 0644);
        cr_assert_geq(fd, 0);
        rotations++;
      }
    } else if (r < 74) {
      s->refusing = !s->refusing;
      if (!s->refusing)
        lw_tail_resume(s->t);
    } else {
      ack_some(s, rnd(40));
    }
    lw_loop_run_once(loop, 0);
  }
  close(fd);
  if (oldfd >= 0)
    close(oldfd);
  s->refusing = false;
  lw_tail_resume(s->t);
  uint64_t deadline = lw_now_ms() + 20000;
  while (lw_now_ms() < deadline && !(s->delivered >= (uint64_t)seq && lw_tail_idle(s->t))) {
    ack_some(s, 1000);
    lw_loop_run_once(loop, 5);
  }
  ack_some(s, SIZE_MAX);
  cr_assert(tt_run_until(loop, tt_idle, s->t, 5000));
  for (long i = 0; i < seq; i++)
    cr_assert_eq(s->count[i], 1, "sequence %ld delivered %d times (of %ld, %d rotations)", i,
                 s->count[i], seq, rotations);
  cr_assert_eq(s->delivered, (uint64_t)seq);
  cr_assert_gt(rotations, 20);
  cr_assert_gt(s->refusals, 0);
  lw_tail_stats st;
  lw_tail_stats_get(s->t, &st);
  cr_assert_eq(st.lines_inflight, 0);
  cr_assert_eq(st.lag_bytes, 0);
  lw_tail_free(s->t);
  lw_loop_free(loop);
  free(s->count);
  free(s->pending);
  free(s);
  tt_sink_free(&logs);
  tt_rmtree(dir);
}

Test(tail_stress, rotations_inotify_rotated_leave_glob) {
  stress_run(false, false);
}
Test(tail_stress, rotations_inotify_rotated_stay_in_glob) {
  stress_run(false, true);
}
Test(tail_stress, rotations_poll_rotated_leave_glob) {
  stress_run(true, false);
}
Test(tail_stress, rotations_poll_rotated_stay_in_glob) {
  stress_run(true, true);
}
