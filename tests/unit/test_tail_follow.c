/* test_tail_follow.c — following files through the event loop, each scenario once with
 * inotify and once with forced stat polling: start at end / beginning, files and directories
 * appearing later, rename + create, deletion with unread data, copytruncate, symlink
 * retargeting, long lines, multiline flush timeout, backpressure, max_open_files. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tail/tail_int.h"
#include "tests/unit/tail_test.h"

/* One input over `glob` in a fresh directory. */
typedef struct fx {
  char *dir;
  char glob[512];
  const char *paths[1];
  lw_loop *loop;
  lw_tail *t;
  tt_sink s;
  lw_tail_conf c;
} fx;

static void fx_init(fx *x, const char *glob_rel, bool poll) {
  memset(x, 0, sizeof(*x));
  x->dir = tt_mkdtemp();
  snprintf(x->glob, sizeof x->glob, "%s/%s", x->dir, glob_rel);
  x->paths[0] = x->glob;
  tt_sink_init(&x->s);
  cr_assert_eq(lw_loop_new(&x->loop), LW_OK);
  tt_conf(&x->c, x->paths, 1, &x->s, poll);
  /* Whole lines in runs (as the agent takes them) with inotify, one by one with polling: every
   * scenario goes through both ways of handing lines over. */
  x->c.run = poll ? NULL : tt_sink_run_cb;
}

static void fx_start(fx *x) {
  cr_assert_eq(lw_tail_new(&x->t, x->loop, &x->c, tt_sink_cb, &x->s), LW_OK);
  x->s.t = x->t;
}

static void fx_free(fx *x) {
  lw_tail_free(x->t);
  lw_loop_free(x->loop);
  tt_sink_free(&x->s);
  tt_rmtree(x->dir);
}

static const char *P(fx *x, const char *name) {
  return tt_path(x->dir, name);
}

static lw_tail_stats stats(fx *x) {
  lw_tail_stats st;
  lw_tail_stats_get(x->t, &st);
  return st;
}

static fx *open_cond_fx;
static uint64_t open_cond_n;

static bool open_is(void *ud) {
  (void)ud;
  return stats(open_cond_fx).files_open == open_cond_n;
}

/* Run until exactly n descriptors are held (rotated files close after rotate_wait_ms). */
static bool wait_open(fx *x, uint64_t n) {
  open_cond_fx = x;
  open_cond_n = n;
  return tt_run_until(x->loop, open_is, NULL, 5000);
}

#define BOTH(fn)                                                                                   \
  Test(tail_follow, fn##_inotify) {                                                                \
    fn(false);                                                                                     \
  }                                                                                                \
  Test(tail_follow, fn##_poll) {                                                                   \
    fn(true);                                                                                      \
  }

static void start_at_end_reads_the_line_in_progress_whole(bool poll) {
  fx x;
  fx_init(&x, "*.log", poll);
  tt_create(P(&x, "a.log"), "old1\nold2\npart");
  fx_start(&x);
  cr_assert_eq(stats(&x).polling, poll);
  tt_append(P(&x, "a.log"), "ial\nnew\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 2));
  cr_assert_str_eq(x.s.v[0].s, "partial");
  cr_assert_str_eq(x.s.v[1].s, "new");
  tt_spin(x.loop, 3);
  cr_assert_eq(x.s.n, 2, "old lines are skipped at a first start");
  fx_free(&x);
}
BOTH(start_at_end_reads_the_line_in_progress_whole)

static void start_beginning_and_files_appearing_later(bool poll) {
  fx x;
  fx_init(&x, "*.log", poll);
  x.c.start_beginning = true;
  tt_create(P(&x, "a.log"), "a1\na2\n");
  tt_create(P(&x, "skip.txt"), "no\n");
  fx_start(&x);
  cr_assert(tt_wait_lines(x.loop, &x.s, 2));
  cr_assert_str_eq(x.s.v[0].s, "a1");
  /* Files that appear later are read from their beginning. */
  tt_create(P(&x, "b.log"), "b1\nb2\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 4));
  cr_assert_str_eq(x.s.v[2].s, "b1");
  cr_assert_str_eq(x.s.v[3].s, "b2");
  cr_assert_eq(x.s.v[3].end, 6);
  fx_free(&x);
}
BOTH(start_beginning_and_files_appearing_later)

static void directory_created_later_is_waited_for(bool poll) {
  fx x;
  fx_init(&x, "sub/deeper/*.log", poll);
  fx_start(&x);
  if (!poll)
    cr_assert_eq(stats(&x).watches, 1, "the nearest existing parent is watched");
  cr_assert_eq(mkdir(P(&x, "sub"), 0755), 0);
  cr_assert_eq(mkdir(P(&x, "sub/deeper"), 0755), 0);
  tt_create(P(&x, "sub/deeper/x.log"), "hello\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 1));
  cr_assert_str_eq(x.s.v[0].s, "hello");
  fx_free(&x);
}
BOTH(directory_created_later_is_waited_for)

/* "**": files at any depth, in directories created after the start (each new level is
 * watched as it appears, and files written in it before its watch is set are still read). */
static void double_star_follows_new_subdirectories(bool poll) {
  fx x;
  fx_init(&x, "**/*.log", poll);
  x.c.start_beginning = true;
  tt_create(P(&x, "top.log"), "top\n");
  fx_start(&x);
  cr_assert(tt_wait_lines(x.loop, &x.s, 1));
  cr_assert_eq(mkdir(P(&x, "sub"), 0755), 0);
  cr_assert_eq(mkdir(P(&x, "sub/deeper"), 0755), 0);
  tt_create(P(&x, "sub/deeper/x.log"), "deep\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 2));
  cr_assert_str_eq(x.s.v[1].s, "deep");
  cr_assert_eq(mkdir(P(&x, "sub/deeper/more"), 0755), 0);
  tt_create(P(&x, "sub/deeper/more/y.log"), "deeper\n");
  tt_create(P(&x, "sub/skip.txt"), "no\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 3));
  cr_assert_str_eq(x.s.v[2].s, "deeper");
  tt_spin(x.loop, 3);
  cr_assert_eq(x.s.n, 3);
  fx_free(&x);
}
BOTH(double_star_follows_new_subdirectories)

static void rename_and_create_drains_the_old_file_first(bool poll) {
  fx x;
  fx_init(&x, "app.log", poll);
  x.c.start_beginning = true;
  x.s.ack_now = true;
  tt_create(P(&x, "app.log"), "a1\n");
  fx_start(&x);
  cr_assert(tt_wait_lines(x.loop, &x.s, 1));
  /* The application writes more, then logrotate renames and creates, and the application
   * writes once more into the old file before it reopens: all before tail looks. */
  FILE *old = fopen(P(&x, "app.log"), "ab");
  fputs("a2\na3\n", old);
  fflush(old);
  cr_assert_eq(rename(P(&x, "app.log"), P(&x, "app.log.1")), 0);
  tt_create(P(&x, "app.log"), "b1\nb2\n");
  fputs("a4\nunterminated", old);
  fclose(old);
  cr_assert(tt_wait_lines(x.loop, &x.s, 7));
  const char *want[] = {"a1", "a2", "a3", "a4", "unterminated", "b1", "b2"};
  for (int i = 0; i < 7; i++)
    cr_assert_str_eq(x.s.v[i].s, want[i], "line %d: %s", i, x.s.v[i].s);
  cr_assert_eq(x.s.v[4].flags, LW_LINE_NO_NEWLINE, "delivered when the rotated file closed");
  cr_assert_eq(stats(&x).rotations, 1);
  cr_assert(tt_run_until(x.loop, tt_idle, x.t, 5000));
  cr_assert(wait_open(&x, 1), "the rotated file was closed");
  fx_free(&x);
}
BOTH(rename_and_create_drains_the_old_file_first)

static void deleted_file_with_unread_data_is_read_to_its_end(bool poll) {
  fx x;
  fx_init(&x, "*.log", poll);
  x.c.start_beginning = true;
  tt_create(P(&x, "d.log"), "x0\n");
  fx_start(&x);
  cr_assert(tt_wait_lines(x.loop, &x.s, 1));
  x.s.refuse = true; /* backpressure: nothing more is read */
  tt_append(P(&x, "d.log"), "x1\nx2\nlast");
  tt_run_until(x.loop, tt_paused, x.t, 5000);
  cr_assert_eq(unlink(P(&x, "d.log")), 0);
  tt_spin(x.loop, 5);
  cr_assert_eq(x.s.n, 1);
  x.s.refuse = false;
  lw_tail_resume(x.t);
  cr_assert(tt_wait_lines(x.loop, &x.s, 4));
  cr_assert_str_eq(x.s.v[1].s, "x1");
  cr_assert_str_eq(x.s.v[2].s, "x2");
  cr_assert_str_eq(x.s.v[3].s, "last");
  cr_assert_eq(x.s.v[3].flags, LW_LINE_NO_NEWLINE);
  tt_ack_all(&x.s);
  cr_assert(wait_open(&x, 0));
  cr_assert_eq(stats(&x).files_tracked, 0, "closed and acknowledged: freed");
  fx_free(&x);
}
BOTH(deleted_file_with_unread_data_is_read_to_its_end)

static void copytruncate_restarts_at_zero_with_a_new_handle(bool poll) {
  fx x;
  fx_init(&x, "c.log", poll);
  x.c.start_beginning = true;
  tt_create(P(&x, "c.log"), "first line\nsecond line\n");
  fx_start(&x);
  cr_assert(tt_wait_lines(x.loop, &x.s, 2));
  lw_tail_file *old = x.s.v[0].f;
  /* copytruncate: truncate in place, the application goes on writing. */
  cr_assert_eq(truncate(P(&x, "c.log"), 0), 0);
  tt_append(P(&x, "c.log"), "new\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 3));
  cr_assert_str_eq(x.s.v[2].s, "new");
  cr_assert_eq(x.s.v[2].end, 4);
  cr_assert_neq(x.s.v[2].f, old, "the new content has its own handle");
  cr_assert_eq(stats(&x).truncations, 1);
  tt_ack_all(&x.s);
  cr_assert_eq(stats(&x).files_tracked, 1, "the old handle is freed once acknowledged");
  fx_free(&x);
}
BOTH(copytruncate_restarts_at_zero_with_a_new_handle)

/* cp SRC DST (the whole file, as logrotate's copytruncate copies it). */
static void copy_file(const char *src, const char *dst) {
  FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
  cr_assert(in && out);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    cr_assert_eq(fwrite(buf, 1, n, out), n);
  fclose(in);
  fclose(out);
}

/* A first line of 1100 bytes: the fingerprint (1 KiB) is complete, as for any real log. */
static void long_first_line(fx *x, const char *name) {
  char line[1102];
  memset(line, 'h', 1100);
  line[1100] = '\n';
  line[1101] = 0;
  tt_create(P(x, name), line);
}

/* One input over `glob` following c.log from its beginning: a long first line (fingerprinted
 * whole) and "one", both delivered (acknowledged at once with ack_now) when this returns. */
static void c_log_started(fx *x, const char *glob, bool poll, bool ack_now) {
  fx_init(x, glob, poll);
  x->c.start_beginning = true;
  x->s.ack_now = ack_now;
  long_first_line(x, "c.log");
  tt_append(P(x, "c.log"), "one\n");
  fx_start(x);
  cr_assert(tt_wait_lines(x->loop, &x->s, 2));
}

static void copytruncate_reads_unread_lines_from_the_copy(bool poll) {
  fx x;
  c_log_started(&x, "c.log", poll, true);
  /* While tail does not look (no loop iteration): more lines and the end of an unfinished
   * one, then copy and truncate. They are only in the copy now. */
  tt_append(P(&x, "c.log"), "two\nthree\nfo");
  copy_file(P(&x, "c.log"), P(&x, "c.log.1"));
  cr_assert_eq(truncate(P(&x, "c.log"), 0), 0);
  tt_append(P(&x, "c.log"), "new\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 5));
  cr_assert_str_eq(x.s.v[2].s, "two");
  cr_assert_str_eq(x.s.v[3].s, "three");
  cr_assert_str_eq(x.s.v[4].s, "fo");
  cr_assert_eq(x.s.v[4].flags, LW_LINE_NO_NEWLINE);
  cr_assert(tt_wait_lines(x.loop, &x.s, 6));
  cr_assert_str_eq(x.s.v[5].s, "new", "the truncated file after the copy's rest");
  cr_assert_eq(stats(&x).truncations, 1);
  cr_assert_eq(stats(&x).truncation_copies, 1);
  cr_assert_eq(stats(&x).truncation_lost_bytes, 0);
  cr_assert(tt_run_until(x.loop, tt_idle, x.t, 5000));
  fx_free(&x);
}
BOTH(copytruncate_reads_unread_lines_from_the_copy)

/* The live handle following `name` in x's input, or NULL. */
static lw_tail_file *copy_handle(fx *x, const char *name) {
  const char *want = P(x, name);
  for (lw_tail_file *f = x->t->files; f; f = f->next)
    if (!f->retired && !strcmp(f->path, want))
      return f;
  return NULL;
}

static void copytruncate_copies_followed_too_are_not_sent_again(bool poll) {
  fx x;
  c_log_started(&x, "c.log*", poll, true);
  tt_append(P(&x, "c.log"), "two\n");
  copy_file(P(&x, "c.log"), P(&x, "c.log.1"));
  cr_assert_eq(truncate(P(&x, "c.log"), 0), 0);
  tt_append(P(&x, "c.log"), "new\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 4));
  tt_spin(x.loop, 20);
  cr_assert(tt_run_until(x.loop, tt_idle, x.t, 5000));
  cr_assert_eq(x.s.n, 4, "the copy's first lines were shipped from c.log: not again");
  cr_assert_str_eq(x.s.v[2].s, "two");
  cr_assert_str_eq(x.s.v[3].s, "new");
  fx_free(&x);
}
BOTH(copytruncate_copies_followed_too_are_not_sent_again)

/* The same with the original's lines still in flight when its copy takes over: the copy's
 * checkpoint offset stays at the original's committed offset until they are acknowledged. */
static void copytruncate_copy_taking_over_keeps_the_originals_offset(bool poll) {
  fx x;
  c_log_started(&x, "c.log*", poll, false);
  tt_ack_all(&x.s);
  tt_spin(x.loop, 3);
  uint64_t acked = x.s.v[1].end;
  tt_append(P(&x, "c.log"), "two\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 3));
  copy_file(P(&x, "c.log"), P(&x, "c.log.1"));
  tt_spin(x.loop, 5);
  cr_assert_eq(truncate(P(&x, "c.log"), 0), 0);
  tt_append(P(&x, "c.log"), "new\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 4));
  tt_spin(x.loop, 10);
  lw_tail_file *cp = copy_handle(&x, "c.log.1");
  cr_assert(cp, "c.log.1 followed");
  lw_tail_file_info fi;
  lw_tail_file_info_get(cp, &fi);
  cr_assert_eq(fi.read_offset, x.s.v[2].end, "the copy starts after \"two\"");
  cr_assert_eq(fi.acked_offset, acked, "\"two\" in flight: checkpointed at %llu, not %llu",
               (unsigned long long)acked, (unsigned long long)fi.acked_offset);
  tt_ack_all(&x.s);
  tt_spin(x.loop, 5);
  lw_tail_file_info_get(cp, &fi);
  cr_assert_eq(fi.acked_offset, fi.read_offset, "acknowledged: at the copy's end");
  cr_assert_eq(x.s.n, 4, "nothing sent twice");
  fx_free(&x);
}
BOTH(copytruncate_copy_taking_over_keeps_the_originals_offset)

/* Race (the copy seen only after the truncation was handled), as with an agent stopped for a
 * while and resumed:
 *  1. c.log is copied to c.log.1 (matched by the glob too) and truncated; tail did not look
 *  2. tail handles c.log's truncation first: it reads the copy's rest through a descriptor of
 *     its own, then closes it at the copy's end, its lines not acknowledged yet
 *  3. only then is c.log.1 found (its creation event, or the rescan): it must be known as
 *     read up to its end, not taken for a new file and sent again from 0. */
static void copytruncate_copy_seen_after_the_truncation_is_not_sent_again(bool poll) {
  fx x;
  c_log_started(&x, "c.log*", poll, false);
  lw_tail_file *f = x.s.v[0].f;
  tt_append(P(&x, "c.log"), "two\n");
  copy_file(P(&x, "c.log"), P(&x, "c.log.1"));
  cr_assert_eq(truncate(P(&x, "c.log"), 0), 0);
  tt_append(P(&x, "c.log"), "new\n");
  /* The truncation handled without the loop: no event, no rescan about c.log.1 yet. */
  for (int i = 0; i < 10 && x.s.n < 3; i++) {
    size_t budget = 1 << 20;
    lw__file_work(f, &budget);
  }
  cr_assert_eq(x.s.n, 3, "%s", x.s.logs);
  cr_assert_str_eq(x.s.v[2].s, "two");
  cr_assert(strstr(x.s.logs, "from its copy"), "%s", x.s.logs);
  cr_assert_eq(stats(&x).files_open, 1, "the copy's descriptor closed at its end");
  /* Now the loop: c.log.1 is found. */
  cr_assert(tt_wait_lines(x.loop, &x.s, 4));
  tt_append(P(&x, "c.log"), "new2\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 5));
  /* Until the copy's lines (read through the closed handle) are acknowledged, c.log.1's
   * checkpoint offset stays where they begin: a crash now reads them again. */
  lw_tail_file *cp = copy_handle(&x, "c.log.1");
  cr_assert(cp, "c.log.1 followed");
  lw_tail_file_info fi;
  lw_tail_file_info_get(cp, &fi);
  cr_assert_gt(fi.read_offset, 0, "c.log.1 known as read to its end");
  cr_assert_eq(fi.acked_offset, 0, "checkpointed at %llu with its lines in flight",
               (unsigned long long)fi.acked_offset);
  tt_ack_all(&x.s);
  tt_spin(x.loop, 5);
  lw_tail_file_info_get(cp, &fi);
  cr_assert_eq(fi.acked_offset, fi.read_offset, "acknowledged: at its end");
  tt_spin(x.loop, 20);
  cr_assert(tt_run_until(x.loop, tt_idle, x.t, 5000));
  tt_ack_all(&x.s);
  cr_assert_eq(x.s.n, 5, "the copy's lines were shipped already: not again (%zu lines; %s)", x.s.n,
               x.s.logs);
  cr_assert_str_eq(x.s.v[3].s, "new");
  cr_assert_str_eq(x.s.v[4].s, "new2");
  cr_assert_eq(stats(&x).files_tracked, 2, "c.log and c.log.1");
  fx_free(&x);
}
BOTH(copytruncate_copy_seen_after_the_truncation_is_not_sent_again)

/* The same rule for a rotated file closed with lines in flight and then renamed back to a
 * matching path: it continues where it was delivered; rewritten meanwhile (other first
 * bytes), it is another file, read from 0. */
static void closed_with_lines_in_flight_then_back_at_a_matching_path(bool poll) {
  for (int rewrite = 0; rewrite < 2; rewrite++) {
    fx x;
    c_log_started(&x, "c.log", poll, false);
    cr_assert_eq(rename(P(&x, "c.log"), P(&x, "c.old")), 0);
    cr_assert(wait_open(&x, 0), "closed after rotate_wait_ms");
    cr_assert_eq(stats(&x).lines_inflight, 2);
    if (rewrite) {
      int fd = open(P(&x, "c.old"), O_WRONLY);
      cr_assert(fd >= 0);
      cr_assert_eq(pwrite(fd, "zzzz", 4, 0), 4);
      close(fd);
    }
    tt_append(P(&x, "c.old"), "two\n");
    cr_assert_eq(rename(P(&x, "c.old"), P(&x, "c.log")), 0);
    cr_assert(tt_wait_lines(x.loop, &x.s, rewrite ? 5 : 3));
    tt_ack_all(&x.s);
    tt_spin(x.loop, 10);
    cr_assert(tt_run_until(x.loop, tt_idle, x.t, 5000));
    cr_assert_eq(x.s.n, rewrite ? 5 : 3, "rewrite %d: %zu lines", rewrite, x.s.n);
    cr_assert_str_eq(x.s.v[x.s.n - 1].s, "two");
    if (rewrite)
      cr_assert_eq(strncmp(x.s.v[2].s, "zzzzhhh", 7), 0, "read again from 0");
    fx_free(&x);
  }
}
BOTH(closed_with_lines_in_flight_then_back_at_a_matching_path)

static void copytruncate_without_a_copy_warns(bool poll) {
  fx x;
  fx_init(&x, "c.log", poll);
  x.c.start_beginning = true;
  x.s.ack_now = true;
  long_first_line(&x, "c.log");
  fx_start(&x);
  cr_assert(tt_wait_lines(x.loop, &x.s, 1));
  cr_assert_eq(truncate(P(&x, "c.log"), 0), 0);
  tt_append(P(&x, "c.log"), "new\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 2));
  cr_assert(strstr(x.s.logs, "no copy of it found"), "%s", x.s.logs);
  fx_free(&x);
}
BOTH(copytruncate_without_a_copy_warns)

static void truncated_and_regrown_before_a_look(bool poll) {
  fx x;
  fx_init(&x, "c.log", poll);
  x.c.start_beginning = true;
  x.s.ack_now = true;
  tt_create(P(&x, "c.log"), "aaaa\n");
  fx_start(&x);
  cr_assert(tt_wait_lines(x.loop, &x.s, 1));
  /* Cut and rewritten longer than before, all before tail looks again: the size cannot
   * tell, the fingerprint (first bytes "aaaa\n" gone) does. */
  cr_assert_eq(truncate(P(&x, "c.log"), 0), 0);
  tt_append(P(&x, "c.log"), "bbbbbbbbbb\ncccc\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 3));
  tt_spin(x.loop, 3);
  cr_assert_eq(x.s.n, 3);
  cr_assert_str_eq(x.s.v[1].s, "bbbbbbbbbb");
  cr_assert_str_eq(x.s.v[2].s, "cccc");
  cr_assert_eq(stats(&x).truncations, 1);
  fx_free(&x);
}
BOTH(truncated_and_regrown_before_a_look)

static void symlink_follows_its_current_target(bool poll) {
  fx x;
  fx_init(&x, "link.log", poll);
  x.c.start_beginning = true;
  x.s.ack_now = true;
  cr_assert_eq(mkdir(P(&x, "real"), 0755), 0);
  tt_create(P(&x, "real/t1"), "t1-a\n");
  tt_create(P(&x, "real/t2"), "t2-a\n");
  cr_assert_eq(symlink(P(&x, "real/t1"), P(&x, "link.log")), 0);
  fx_start(&x);
  cr_assert(tt_wait_lines(x.loop, &x.s, 1));
  /* Writes to the target (in an unwatched directory) are seen through the link. */
  tt_append(P(&x, "real/t1"), "t1-b\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 2));
  cr_assert_str_eq(x.s.v[1].s, "t1-b");
  /* Retarget atomically (ln -sfn): the new target is read from its beginning. */
  cr_assert_eq(symlink(P(&x, "real/t2"), P(&x, "tmp")), 0);
  cr_assert_eq(rename(P(&x, "tmp"), P(&x, "link.log")), 0);
  cr_assert(tt_wait_lines(x.loop, &x.s, 3));
  cr_assert_str_eq(x.s.v[2].s, "t2-a");
  tt_append(P(&x, "real/t2"), "t2-b\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 4));
  cr_assert_str_eq(x.s.v[3].s, "t2-b");
  cr_assert(wait_open(&x, 1), "the old target was let go");
  fx_free(&x);
}
BOTH(symlink_follows_its_current_target)

static void long_lines_split_or_truncated(bool poll) {
  for (int trunc = 0; trunc < 2; trunc++) {
    fx x;
    fx_init(&x, "*.log", poll);
    x.c.start_beginning = true;
    x.c.max_line_bytes = 10;
    x.c.truncate_long_lines = trunc;
    x.c.read_block = 4096;
    char big[10000];
    memset(big, 'z', sizeof big);
    big[sizeof big - 1] = '\n';
    tt_write(P(&x, "l.log"), "wb", big, sizeof big);
    tt_append(P(&x, "l.log"), "short\n");
    fx_start(&x);
    size_t want = trunc ? 2 : 1001;
    cr_assert(tt_wait_lines(x.loop, &x.s, want));
    tt_spin(x.loop, 2);
    cr_assert_eq(x.s.n, want);
    cr_assert_eq(x.s.v[0].len, 10);
    cr_assert_eq(x.s.v[0].flags, trunc ? LW_LINE_TRUNCATED : LW_LINE_SPLIT);
    cr_assert_str_eq(x.s.v[want - 1].s, "short");
    lw_tail_stats st = stats(&x);
    cr_assert_eq(st.long_lines, 1);
    cr_assert_eq(st.dropped_bytes, trunc ? 9989 : 0);
    fx_free(&x);
  }
}
BOTH(long_lines_split_or_truncated)

static void multiline_event_flushed_after_idle_time(bool poll) {
  fx x;
  fx_init(&x, "m.log", poll);
  x.c.start_beginning = true;
  x.c.multiline_start = "^[0-9]{4}-";
  tt_create(P(&x, "m.log"), "2024-01-01 boom\n  at f()\n  at g()\n");
  fx_start(&x);
  /* No next start line ever comes: only the flush timeout delivers the event. */
  cr_assert(tt_wait_lines(x.loop, &x.s, 1));
  cr_assert_str_eq(x.s.v[0].s, "2024-01-01 boom\n  at f()\n  at g()");
  cr_assert_eq(x.s.v[0].end, 34);
  tt_append(P(&x, "m.log"), "2024-01-02 ok\n2024-01-03 next\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 3));
  cr_assert_str_eq(x.s.v[1].s, "2024-01-02 ok");
  cr_assert_str_eq(x.s.v[2].s, "2024-01-03 next");
  fx_free(&x);
}
BOTH(multiline_event_flushed_after_idle_time)

static void multiline_event_waits_without_timeout(bool poll) {
  fx x;
  fx_init(&x, "m.log", poll);
  x.c.start_beginning = true;
  x.c.multiline_start = "^[0-9]";
  x.c.multiline_flush_ms = 60000;
  tt_create(P(&x, "m.log"), "0 first\n1 a\n  b\n");
  fx_start(&x);
  cr_assert(tt_wait_lines(x.loop, &x.s, 1));
  tt_spin(x.loop, 10);
  cr_assert_eq(x.s.n, 1, "the pending event waits for its next start line");
  cr_assert(!lw_tail_idle(x.t));
  tt_append(P(&x, "m.log"), "2 c\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 2));
  cr_assert_str_eq(x.s.v[1].s, "1 a\n  b");
  fx_free(&x);
}
BOTH(multiline_event_waits_without_timeout)

typedef struct counter {
  tt_sink *s;
  int calls;
} counter;

static int counting_cb(void *ud, const lw_line *ln) {
  counter *c = ud;
  c->calls++;
  return tt_sink_cb(c->s, ln);
}

static void backpressure_pauses_and_resumes_with_the_same_line(bool poll) {
  fx x;
  fx_init(&x, "*.log", poll);
  x.c.start_beginning = true;
  tt_create(P(&x, "a.log"), "1\n2\n3\n4\n5\n");
  tt_create(P(&x, "b.log"), "b\n");
  counter cnt = {&x.s, 0};
  x.c.run = NULL; /* counting_cb counts single lines */
  cr_assert_eq(lw_tail_new(&x.t, x.loop, &x.c, counting_cb, &cnt), LW_OK);
  x.s.t = x.t;
  x.s.refuse_at = 2;
  cr_assert(tt_run_until(x.loop, tt_paused, x.t, 5000));
  int calls = cnt.calls;
  tt_append(P(&x, "a.log"), "6\n");
  tt_append(P(&x, "b.log"), "b2\n");
  tt_spin(x.loop, 10);
  cr_assert_eq(cnt.calls, calls, "paused: no file of the input is read");
  cr_assert_eq(x.s.n, 2);
  lw_tail_resume(x.t);
  cr_assert(tt_wait_lines(x.loop, &x.s, 8));
  /* The refused line comes first after resume; per file, order is kept. */
  cr_assert_str_eq(x.s.v[2].s, x.s.last_refused);
  int last = 0;
  for (size_t i = 0; i < x.s.n; i++) {
    if (x.s.v[i].s[0] == 'b')
      continue;
    int v = atoi(x.s.v[i].s);
    cr_assert_eq(v, last + 1, "file order");
    last = v;
  }
  cr_assert_eq(last, 6);
  cr_assert_eq(stats(&x).refusals, 1);
  fx_free(&x);
}
BOTH(backpressure_pauses_and_resumes_with_the_same_line)

static void max_open_files_closes_idle_files_and_reopens_them(bool poll) {
  fx x;
  fx_init(&x, "*.log", poll);
  x.c.start_beginning = true;
  x.c.max_open_files = 2;
  x.s.ack_now = true;
  char name[32];
  for (int i = 0; i < 6; i++) {
    snprintf(name, sizeof name, "f%d.log", i);
    tt_create(P(&x, name), "line\n");
  }
  fx_start(&x);
  cr_assert(tt_wait_lines(x.loop, &x.s, 6));
  cr_assert_leq(stats(&x).files_open, 2);
  cr_assert_eq(stats(&x).files_tracked, 6);
  /* Append to every file: each is reopened by path and continues where it stopped. */
  for (int i = 0; i < 6; i++) {
    snprintf(name, sizeof name, "f%d.log", i);
    tt_append(P(&x, name), "more\n");
  }
  cr_assert(tt_wait_lines(x.loop, &x.s, 12));
  int more = 0;
  for (size_t i = 0; i < x.s.n; i++)
    more += !strcmp(x.s.v[i].s, "more");
  cr_assert_eq(more, 6);
  cr_assert_leq(stats(&x).files_open, 2);
  cr_assert(tt_run_until(x.loop, tt_idle, x.t, 5000));
  fx_free(&x);
}
BOTH(max_open_files_closes_idle_files_and_reopens_them)

static void rotated_files_holding_every_descriptor_make_new_files_wait(bool poll) {
  fx x;
  fx_init(&x, "app.log", poll);
  x.c.start_beginning = true;
  x.c.max_open_files = 1;
  x.s.ack_now = true;
  tt_create(P(&x, "app.log"), "a1\na2\n");
  fx_start(&x);
  x.s.refuse_at = 1; /* paused: the file cannot be drained */
  cr_assert(tt_run_until(x.loop, tt_paused, x.t, 5000));
  cr_assert_eq(rename(P(&x, "app.log"), P(&x, "app.log.1")), 0);
  tt_create(P(&x, "app.log"), "b1\n");
  /* The rotated file holds the only descriptor until drained: the new one waits, and the
   * limit is reported. */
  tt_spin(x.loop, 20);
  if (poll)
    tt_spin(x.loop, 20);
  lw_tail_resume(x.t);
  cr_assert(tt_wait_lines(x.loop, &x.s, 3));
  cr_assert_str_eq(x.s.v[1].s, "a2");
  cr_assert_str_eq(x.s.v[2].s, "b1");
  cr_assert(strstr(x.s.logs, "max_open_files (1) reached"), "%s", x.s.logs);
  cr_assert_leq(stats(&x).files_open, 1);
  fx_free(&x);
}
BOTH(rotated_files_holding_every_descriptor_make_new_files_wait)

static void multiline_event_of_a_rotated_file_is_delivered_before_the_new_file(bool poll) {
  fx x;
  fx_init(&x, "m.log", poll);
  x.c.start_beginning = true;
  x.c.multiline_start = "^[0-9]";
  x.c.multiline_flush_ms = 60000; /* only the rotation can flush it */
  x.s.ack_now = true;
  tt_create(P(&x, "m.log"), "1 a\n  b\n");
  fx_start(&x);
  tt_spin(x.loop, 5);
  cr_assert_eq(x.s.n, 0);
  cr_assert_eq(rename(P(&x, "m.log"), P(&x, "m.log.1")), 0);
  tt_create(P(&x, "m.log"), "2 new\n3 next\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 2));
  cr_assert_str_eq(x.s.v[0].s, "1 a\n  b");
  cr_assert_str_eq(x.s.v[1].s, "2 new");
  fx_free(&x);
}
BOTH(multiline_event_of_a_rotated_file_is_delivered_before_the_new_file)

static void excluded_files_are_not_followed(bool poll) {
  fx x;
  fx_init(&x, "*", poll);
  const char *exc[] = {"*.gz"};
  x.c.exclude = exc;
  x.c.nexclude = 1;
  x.c.start_beginning = true;
  tt_create(P(&x, "a.gz"), "zipped\n");
  tt_create(P(&x, "a.log"), "plain\n");
  fx_start(&x);
  cr_assert(tt_wait_lines(x.loop, &x.s, 1));
  tt_create(P(&x, "b.gz"), "zipped\n");
  tt_create(P(&x, "b.log"), "plain2\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 2));
  tt_spin(x.loop, 5);
  cr_assert_eq(x.s.n, 2);
  cr_assert_str_eq(x.s.v[1].s, "plain2");
  fx_free(&x);
}
BOTH(excluded_files_are_not_followed)

Test(tail_follow, config_errors) {
  lw_loop *l;
  cr_assert_eq(lw_loop_new(&l), LW_OK);
  tt_sink s;
  tt_sink_init(&s);
  lw_tail_conf c;
  const char *paths[] = {"/tmp/x/*.log"};
  tt_conf(&c, paths, 1, &s, false);
  c.multiline_start = "([";
  lw_tail *t;
  cr_assert_eq(lw_tail_new(&t, l, &c, tt_sink_cb, &s), LW_ERR_CONFIG);
  tt_conf(&c, paths, 0, &s, false);
  cr_assert_eq(lw_tail_new(&t, l, &c, tt_sink_cb, &s), LW_ERR_CONFIG);
  tt_conf(&c, paths, 1, &s, false);
  c.max_line_bytes = (size_t)1 << 30;
  cr_assert_eq(lw_tail_new(&t, l, &c, tt_sink_cb, &s), LW_ERR_CONFIG);
  lw_loop_free(l);
}
