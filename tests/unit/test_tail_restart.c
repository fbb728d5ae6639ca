/* test_tail_restart.c — checkpoints across restarts: resuming at the acknowledged offset with
 * acks out of order, files renamed while stopped, inode reuse with other content, files
 * truncated while stopped, corrupt or cut checkpoints (previous generation used), the
 * unfinished line left for the next run, start-at-end only at the first start. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tail/checkpoint.h"
#include "tests/unit/tail_test.h"

typedef struct run {
  char *dir;
  char glob[512], state[512];
  const char *paths[1];
  lw_loop *loop;
  lw_tail *t;
  tt_sink s;
  lw_tail_conf c;
} run;

static void run_init(run *r, const char *glob_rel) {
  memset(r, 0, sizeof(*r));
  r->dir = tt_mkdtemp();
  snprintf(r->glob, sizeof r->glob, "%s/%s", r->dir, glob_rel);
  snprintf(r->state, sizeof r->state, "%s/state", r->dir);
  r->paths[0] = r->glob;
  cr_assert_eq(lw_loop_new(&r->loop), LW_OK);
}

/* Start (or restart) the input with a fresh sink. */
static void run_start(run *r, bool beginning) {
  tt_sink_free(&r->s);
  tt_sink_init(&r->s);
  tt_conf(&r->c, r->paths, 1, &r->s, false);
  r->c.state_path = r->state;
  r->c.start_beginning = beginning;
  r->c.run = tt_sink_run_cb; /* as the agent takes whole lines */
  cr_assert_eq(lw_tail_new(&r->t, r->loop, &r->c, tt_sink_cb, &r->s), LW_OK);
  r->s.t = r->t;
}

static void run_stop(run *r) {
  lw_tail_free(r->t);
  r->t = NULL;
}

static void run_free(run *r) {
  if (r->t)
    run_stop(r);
  lw_loop_free(r->loop);
  tt_sink_free(&r->s);
  tt_rmtree(r->dir);
}

static const char *P(run *r, const char *name) {
  return tt_path(r->dir, name);
}

Test(tail_restart, resumes_at_the_acknowledged_prefix_with_acks_out_of_order) {
  run r;
  run_init(&r, "a.log");
  char line[32];
  for (int i = 1; i <= 200; i++) {
    snprintf(line, sizeof line, "%03d\n", i);
    tt_append(P(&r, "a.log"), line);
  }
  run_start(&r, true);
  cr_assert(tt_wait_lines(r.loop, &r.s, 200));
  /* Ack lines 1..130 in reverse order, except line 100. */
  for (int i = 130; i >= 1; i--) {
    if (i == 100)
      continue;
    cr_assert_eq(lw_tail_ack(r.t, r.s.v[i - 1].f, r.s.v[i - 1].end), LW_OK);
  }
  lw_tail_file_info fi;
  lw_tail_file_info_get(r.s.v[0].f, &fi);
  cr_assert_leq(fi.acked_offset, r.s.v[98].end, "never past the unacknowledged line 100");
  cr_assert_geq(fi.acked_offset, r.s.v[63].end, "at most one group of 64 behind");
  cr_assert_eq(fi.inflight, 200 - 129);
  cr_assert_eq(lw_tail_ack(r.t, r.s.v[0].f, r.s.v[0].end), LW_ERR_INVALID_ARG, "acked twice");
  uint64_t acked = fi.acked_offset;
  run_stop(&r);
  run_start(&r, true);
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  tt_spin(r.loop, 3);
  int first = atoi(r.s.v[0].s);
  cr_assert_eq((uint64_t)(first - 1) * 4, acked, "resumed exactly at the checkpoint");
  cr_assert_leq(first, 100, "line 100 was never acknowledged: read again");
  cr_assert_eq(r.s.n, (size_t)(200 - first + 1));
  run_free(&r);
}

Test(tail_restart, renamed_while_stopped_is_not_read_again) {
  run r;
  run_init(&r, "app.log*");
  tt_create(P(&r, "app.log"), "old1\nold2\n");
  run_start(&r, true);
  r.s.ack_now = true;
  cr_assert(tt_wait_lines(r.loop, &r.s, 2));
  run_stop(&r);
  cr_assert_eq(rename(P(&r, "app.log"), P(&r, "app.log.1")), 0);
  tt_append(P(&r, "app.log.1"), "old3\n");
  tt_create(P(&r, "app.log"), "new1\n");
  run_start(&r, true);
  cr_assert(tt_wait_lines(r.loop, &r.s, 2));
  tt_spin(r.loop, 3);
  cr_assert_eq(r.s.n, 2);
  bool old3 = false, new1 = false;
  for (size_t i = 0; i < r.s.n; i++) {
    old3 |= !strcmp(r.s.v[i].s, "old3");
    new1 |= !strcmp(r.s.v[i].s, "new1");
  }
  cr_assert(old3 && new1);
  run_free(&r);
}

Test(tail_restart, same_inode_with_other_content_is_a_new_file) {
  run r;
  run_init(&r, "a.log");
  tt_create(P(&r, "a.log"), "hello\nworld\n");
  run_start(&r, true);
  r.s.ack_now = true;
  cr_assert(tt_wait_lines(r.loop, &r.s, 2));
  run_stop(&r);
  struct stat before, after;
  cr_assert_eq(stat(P(&r, "a.log"), &before), 0);
  /* Rewritten in place: same inode, other first bytes, longer than the checkpoint. */
  tt_create(P(&r, "a.log"), "HELLO\nWORLD\nthird\n");
  cr_assert_eq(stat(P(&r, "a.log"), &after), 0);
  cr_assert_eq(before.st_ino, after.st_ino);
  run_start(&r, true);
  cr_assert(tt_wait_lines(r.loop, &r.s, 3));
  cr_assert_str_eq(r.s.v[0].s, "HELLO");
  run_free(&r);
}

Test(tail_restart, short_file_grown_while_stopped_resumes) {
  run r;
  run_init(&r, "a.log");
  tt_create(P(&r, "a.log"), "a\n");
  run_start(&r, true);
  r.s.ack_now = true;
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  run_stop(&r);
  tt_append(P(&r, "a.log"), "b\n"); /* the fingerprint was taken on 2 bytes: common prefix */
  run_start(&r, true);
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  tt_spin(r.loop, 3);
  cr_assert_eq(r.s.n, 1);
  cr_assert_str_eq(r.s.v[0].s, "b");
  run_free(&r);
}

Test(tail_restart, truncated_while_stopped_restarts_at_zero) {
  run r;
  run_init(&r, "a.log");
  tt_create(P(&r, "a.log"), "line one\nline two\n");
  run_start(&r, true);
  r.s.ack_now = true;
  cr_assert(tt_wait_lines(r.loop, &r.s, 2));
  run_stop(&r);
  cr_assert_eq(truncate(P(&r, "a.log"), 5), 0); /* "line " */
  run_start(&r, true);
  tt_append(P(&r, "a.log"), "x\n");
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  cr_assert_str_eq(r.s.v[0].s, "line x");
  lw_tail_stats st;
  lw_tail_stats_get(r.t, &st);
  cr_assert_eq(st.truncations, 1);
  run_free(&r);
}

/* Two durable generations: offset 6 ("l1\nl2\n"), then 9 (after "l3\n"), written at free. A
 * cheap generation the timer may have written in between (in PATH.live, when the machine is
 * slow) is removed: these tests are about PATH and PATH.prev. */
static void two_generations(run *r) {
  tt_create(P(r, "a.log"), "l1\nl2\n");
  run_start(r, true);
  r->s.ack_now = true;
  cr_assert(tt_wait_lines(r->loop, &r->s, 2));
  cr_assert_eq(lw_tail_checkpoint(r->t), LW_OK);
  tt_append(P(r, "a.log"), "l3\n");
  cr_assert(tt_wait_lines(r->loop, &r->s, 3));
  run_stop(r);
  char live[600];
  snprintf(live, sizeof live, "%s.live", r->state);
  unlink(live);
}

static void flip_byte(const char *path, long at) {
  FILE *f = fopen(path, "r+b");
  cr_assert(f);
  fseek(f, at, SEEK_SET);
  int ch = fgetc(f);
  fseek(f, at, SEEK_SET);
  fputc(ch ^ 1, f);
  fclose(f);
}

Test(tail_restart, flipped_byte_falls_back_to_the_previous_generation) {
  run r;
  run_init(&r, "a.log");
  two_generations(&r);
  flip_byte(r.state, 45);
  run_start(&r, true);
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  tt_spin(r.loop, 3);
  cr_assert_eq(r.s.n, 1);
  cr_assert_str_eq(r.s.v[0].s, "l3", "resumed at the previous generation's offset");
  cr_assert(strstr(r.s.logs, "corrupt"), "reported: %s", r.s.logs);
  lw_tail_stats st;
  lw_tail_stats_get(r.t, &st);
  cr_assert_eq(st.checkpoint_errors, 1);
  /* The next write replaces the bad file; the good previous generation stays. */
  cr_assert_eq(lw_tail_checkpoint(r.t), LW_OK);
  run_free(&r);
}

Test(tail_restart, cut_checkpoint_falls_back_to_the_previous_generation) {
  run r;
  run_init(&r, "a.log");
  two_generations(&r);
  cr_assert_eq(truncate(r.state, 20), 0);
  run_start(&r, true);
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  tt_spin(r.loop, 3);
  cr_assert_eq(r.s.n, 1);
  cr_assert_str_eq(r.s.v[0].s, "l3");
  run_free(&r);
}

Test(tail_restart, no_valid_generation_reads_from_the_beginning) {
  run r;
  run_init(&r, "a.log");
  two_generations(&r);
  cr_assert_eq(truncate(r.state, 0), 0);
  char prev[600];
  snprintf(prev, sizeof prev, "%s.prev", r.state);
  flip_byte(prev, 3);
  run_start(&r, false); /* start at end would apply to a first start: this is not one */
  cr_assert(tt_wait_lines(r.loop, &r.s, 3));
  cr_assert_str_eq(r.s.v[0].s, "l1");
  cr_assert(strstr(r.s.logs, "no valid generation"), "%s", r.s.logs);
  run_free(&r);
}

Test(tail_restart, unfinished_line_at_stop_is_read_whole_next_time) {
  run r;
  run_init(&r, "a.log");
  tt_create(P(&r, "a.log"), "a\nparti");
  run_start(&r, true);
  r.s.ack_now = true;
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  tt_spin(r.loop, 3);
  cr_assert_eq(r.s.n, 1);
  run_stop(&r);
  tt_append(P(&r, "a.log"), "al\n");
  run_start(&r, true);
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  cr_assert_str_eq(r.s.v[0].s, "partial");
  cr_assert_eq(r.s.v[0].flags, 0);
  run_free(&r);
}

Test(tail_restart, pending_multiline_event_at_stop_is_read_again) {
  run r;
  run_init(&r, "a.log");
  tt_create(P(&r, "a.log"), "1 x\n 2\n3 y\n 4\n");
  tt_sink_init(&r.s);
  tt_conf(&r.c, r.paths, 1, &r.s, false);
  r.c.state_path = r.state;
  r.c.start_beginning = true;
  r.c.multiline_start = "^[0-9]";
  r.c.multiline_flush_ms = 60000;
  r.s.ack_now = true;
  cr_assert_eq(lw_tail_new(&r.t, r.loop, &r.c, tt_sink_cb, &r.s), LW_OK);
  r.s.t = r.t;
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  cr_assert_str_eq(r.s.v[0].s, "1 x\n 2");
  run_stop(&r);
  tt_sink_free(&r.s);
  tt_sink_init(&r.s);
  r.c.multiline_flush_ms = 20;
  cr_assert_eq(lw_tail_new(&r.t, r.loop, &r.c, tt_sink_cb, &r.s), LW_OK);
  r.s.t = r.t;
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  cr_assert_str_eq(r.s.v[0].s, "3 y\n 4");
  run_free(&r);
}

Test(tail_restart, start_at_end_only_at_the_first_start) {
  run r;
  run_init(&r, "*.log");
  tt_create(P(&r, "a.log"), "skipped\n");
  run_start(&r, false);
  r.s.ack_now = true;
  tt_append(P(&r, "a.log"), "n1\n");
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  cr_assert_str_eq(r.s.v[0].s, "n1");
  run_stop(&r);
  tt_append(P(&r, "a.log"), "n2\n");
  tt_create(P(&r, "b.log"), "b1\n"); /* appeared while stopped: unknown, from its start */
  run_start(&r, false);
  cr_assert(tt_wait_lines(r.loop, &r.s, 2));
  tt_spin(r.loop, 3);
  cr_assert_eq(r.s.n, 2);
  bool n2 = false, b1 = false;
  for (size_t i = 0; i < r.s.n; i++) {
    n2 |= !strcmp(r.s.v[i].s, "n2");
    b1 |= !strcmp(r.s.v[i].s, "b1");
  }
  cr_assert(n2 && b1);
  run_free(&r);
}

Test(tail_restart, failed_checkpoint_write_is_reported) {
  run r;
  run_init(&r, "a.log");
  tt_create(P(&r, "a.log"), "x\n");
  snprintf(r.state, sizeof r.state, "%s/missing/dir/state", r.dir);
  run_start(&r, true);
  cr_assert_eq(lw_tail_checkpoint(r.t), LW_ERR_IO);
  cr_assert(strstr(r.s.logs, "not written"), "%s", r.s.logs);
  lw_tail_stats st;
  lw_tail_stats_get(r.t, &st);
  cr_assert_geq(st.checkpoint_errors, 1);
  run_free(&r);
}

static bool rotated_seen(void *ud) {
  lw_tail_stats st;
  lw_tail_stats_get(ud, &st);
  return st.rotations >= 1;
}

Test(tail_restart, rotated_out_of_the_glob_unread_at_stop_is_drained_after_restart) {
  run r;
  run_init(&r, "app.log");
  tt_create(P(&r, "app.log"), "o1\no2\no3\n");
  run_start(&r, true);
  r.s.ack_now = true;
  r.s.refuse_at = 1; /* the output is down: o2 and o3 stay unread */
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  cr_assert(tt_run_until(r.loop, tt_paused, r.t, 5000));
  cr_assert_eq(rename(P(&r, "app.log"), P(&r, "app.log.1")), 0);
  tt_create(P(&r, "app.log"), "n1\n");
  cr_assert(tt_run_until(r.loop, rotated_seen, r.t, 5000));
  run_stop(&r);
  run_start(&r, true);
  r.s.ack_now = true;
  cr_assert(tt_wait_lines(r.loop, &r.s, 3));
  tt_spin(r.loop, 3);
  cr_assert_eq(r.s.n, 3);
  int found = 0;
  for (size_t i = 0; i < r.s.n; i++)
    found += !strcmp(r.s.v[i].s, "o2") * 1 + !strcmp(r.s.v[i].s, "o3") * 2 +
             !strcmp(r.s.v[i].s, "n1") * 4;
  cr_assert_eq(found, 7, "o2, o3 from app.log.1 and n1; o1 not again");
  cr_assert(strstr(r.s.logs, "rotated before it was drained"), "%s", r.s.logs);
  run_free(&r);
}

/* The periodic checkpoint is written by the writer thread (its fsyncs off the loop): it lands
 * on disk with the acknowledged offset while the input runs, without a synchronous write. */
typedef struct ckpt_want {
  const char *state;
  uint64_t offset;
} ckpt_want;

static bool ckpt_on_disk(void *ud) {
  ckpt_want *w = ud;
  lw_ckpt ck;
  lw_ckpt_report rep;
  if (lw_ckpt_load(w->state, &ck, &rep) != LW_OK)
    return false;
  bool ok = ck.n == 1 && ck.r[0].offset == w->offset;
  lw_ckpt_free(&ck);
  return ok;
}

static bool ckpt_errors_2(void *ud) {
  lw_tail_stats st;
  lw_tail_stats_get(ud, &st);
  return st.checkpoint_errors >= 2;
}

Test(tail_restart, periodic_checkpoint_is_written_off_the_loop) {
  run r;
  run_init(&r, "a.log");
  tt_create(P(&r, "a.log"), "one\ntwo\nthree\n");
  run_start(&r, true);
  r.s.ack_now = true;
  cr_assert(tt_wait_lines(r.loop, &r.s, 3));
  ckpt_want w = {r.state, 14};
  cr_assert(tt_run_until(r.loop, ckpt_on_disk, &w, 5000), "offset 14 checkpointed");
  tt_append(P(&r, "a.log"), "four\n");
  w.offset = 19;
  cr_assert(tt_run_until(r.loop, ckpt_on_disk, &w, 5000), "then offset 19");
  lw_tail_stats st;
  lw_tail_stats_get(r.t, &st);
  cr_assert_eq(st.checkpoint_errors, 0);
  run_free(&r);
}

/* A failed periodic write comes back from the writer thread: counted, logged, tried again,
 * and written once the directory exists. */
Test(tail_restart, failed_periodic_checkpoint_is_reported_and_retried) {
  run r;
  run_init(&r, "a.log");
  tt_create(P(&r, "a.log"), "x\n");
  char sub[400];
  snprintf(sub, sizeof sub, "%.300s/later", r.dir);
  snprintf(r.state, sizeof r.state, "%s/state", sub);
  run_start(&r, true);
  r.s.ack_now = true;
  cr_assert(tt_wait_lines(r.loop, &r.s, 1));
  cr_assert(tt_run_until(r.loop, ckpt_errors_2, r.t, 5000), "failures reported, retried");
  cr_assert(strstr(r.s.logs, "not written"), "%s", r.s.logs);
  cr_assert_eq(mkdir(sub, 0755), 0);
  tt_append(P(&r, "a.log"), "y\n"); /* a new offset to write */
  ckpt_want w = {r.state, 4};
  cr_assert(tt_run_until(r.loop, ckpt_on_disk, &w, 5000), "written once it can be");
  run_free(&r);
}

typedef struct ck_want {
  const char *path;
  uint64_t offset;
} ck_want;

/* Does the state file (read as a restart would) record `offset` for its one file? */
static bool ckpt_has(void *ud) {
  ck_want *w = ud;
  lw_ckpt ck;
  lw_ckpt_report rep;
  if (lw_ckpt_load(w->path, &ck, &rep) != LW_OK)
    return false;
  bool ok = ck.n == 1 && ck.r[0].offset == w->offset;
  lw_ckpt_free(&ck);
  return ok;
}

/* A killed process keeps the page cache: acknowledged offsets reach the state file within
 * milliseconds (no fsync), not once per checkpoint_ms (here an hour). */
Test(tail_restart, acknowledged_offsets_are_written_at_once_without_waiting_for_the_fsync) {
  run r;
  run_init(&r, "a.log");
  tt_create(P(&r, "a.log"), "l1\nl2\n");
  tt_sink_init(&r.s);
  tt_conf(&r.c, r.paths, 1, &r.s, false);
  r.c.state_path = r.state;
  r.c.start_beginning = true;
  r.c.checkpoint_ms = 3600000;
  cr_assert_eq(lw_tail_new(&r.t, r.loop, &r.c, tt_sink_cb, &r.s), LW_OK);
  r.s.t = r.t;
  r.s.ack_now = true;
  cr_assert(tt_wait_lines(r.loop, &r.s, 2));
  ck_want w = {r.state, 6};
  cr_assert(tt_run_until(r.loop, ckpt_has, &w, 5000));
  tt_append(P(&r, "a.log"), "l3\n");
  cr_assert(tt_wait_lines(r.loop, &r.s, 3));
  w.offset = 9;
  cr_assert(tt_run_until(r.loop, ckpt_has, &w, 5000), "written within ms, not after an hour");
  run_stop(&r); /* the writer thread finished: nothing is being written */
  char tmp[600];
  snprintf(tmp, sizeof tmp, "%s.tmp", r.state);
  cr_assert_neq(access(tmp, F_OK), 0, "no .tmp left behind");
  run_free(&r);
}
