/* test_tail_scale.c — many files: 10,000 files in one directory cost one inotify watch and at
 * most max_open_files descriptors, and are all read; the watch limit switches an input to
 * polling without losing files; the per-file structure stays small. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tail/tail_int.h"
#include "tests/unit/tail_test.h"

static void many_files(bool poll, int nfiles) {
  char *dir = tt_mkdtemp();
  char glob[512], name[64];
  snprintf(glob, sizeof glob, "%s/*.log", dir);
  for (int i = 0; i < nfiles; i++) {
    snprintf(name, sizeof name, "f%05d.log", i);
    char line[32];
    snprintf(line, sizeof line, "%d\n", i);
    tt_create(tt_path(dir, name), line);
  }
  const char *paths[] = {glob};
  lw_loop *loop;
  cr_assert_eq(lw_loop_new(&loop), LW_OK);
  tt_sink s;
  tt_sink_init(&s);
  lw_tail_conf c;
  tt_conf(&c, paths, 1, &s, poll);
  c.start_beginning = true;
  c.poll_ms = 100;
  c.max_open_files = 1024; /* fewer than the files: idle ones are closed and reopened */
  lw_tail *t;
  cr_assert_eq(lw_tail_new(&t, loop, &c, tt_sink_cb, &s), LW_OK);
  s.t = t;
  s.ack_now = true;
  uint64_t deadline = lw_now_ms() + 60000;
  while (s.n < (size_t)nfiles && lw_now_ms() < deadline)
    lw_loop_run_once(loop, 10);
  cr_assert_eq(s.n, (size_t)nfiles);
  char *seen = calloc((size_t)nfiles, 1);
  for (size_t i = 0; i < s.n; i++)
    seen[atoi(s.v[i].s)]++;
  for (int i = 0; i < nfiles; i++)
    cr_assert_eq(seen[i], 1, "file %d", i);
  free(seen);
  lw_tail_stats st;
  lw_tail_stats_get(t, &st);
  cr_assert_eq(st.files_tracked, (uint64_t)nfiles);
  cr_assert_leq(st.files_open, 1024, "max_open_files");
  if (!poll)
    cr_assert_eq(st.watches, 1, "one watch for the directory, none per file");
  /* Files closed while idle are reopened by path when they change. */
  int pick[3] = {0, nfiles / 2, nfiles - 1};
  for (int k = 0; k < 3; k++) {
    snprintf(name, sizeof name, "f%05d.log", pick[k]);
    tt_append(tt_path(dir, name), "more\n");
  }
  cr_assert(tt_wait_lines(loop, &s, (size_t)nfiles + 3));
  cr_assert(tt_run_until(loop, tt_idle, t, 10000));
  lw_tail_free(t);
  lw_loop_free(loop);
  tt_sink_free(&s);
  tt_rmtree(dir);
}

Test(tail_scale, ten_thousand_files_inotify, .timeout = 120) {
  many_files(false, 10000);
}

Test(tail_scale, two_thousand_files_polling, .timeout = 120) {
  many_files(true, 2000);
}

/* max_open_files left at 0 is derived from the descriptor limit: all of it but a reserve for
 * sockets and state files, shared by the inputs; tiny and unlimited limits stay sane. */
Test(tail_scale, max_open_files_derived_from_the_descriptor_limit) {
  cr_assert_eq(lw_tail_max_open_files(65536, 1), 65536 - LW_TAIL_FD_RESERVE);
  cr_assert_eq(lw_tail_max_open_files(20000, 1), 20000 - LW_TAIL_FD_RESERVE);
  cr_assert_eq(lw_tail_max_open_files(20000, 4), (20000 - LW_TAIL_FD_RESERVE) / 4);
  cr_assert_eq(lw_tail_max_open_files(20000, 0), 20000 - LW_TAIL_FD_RESERVE, "0 inputs as 1");
  cr_assert_eq(lw_tail_max_open_files(1024, 1), 1024 - LW_TAIL_FD_RESERVE);
  cr_assert_eq(lw_tail_max_open_files(2 * LW_TAIL_FD_RESERVE, 1), LW_TAIL_FD_RESERVE,
               "below twice the reserve: half");
  cr_assert_eq(lw_tail_max_open_files(100, 1), 50);
  cr_assert_eq(lw_tail_max_open_files(1, 1), 1, "never 0");
  cr_assert_eq(lw_tail_max_open_files(100, 1000), 1, "never 0");
  cr_assert_eq(lw_tail_max_open_files(0, 1), LW_TAIL_MAX_OPEN_FILES, "unlimited");
  cr_assert_eq(lw_tail_max_open_files(UINT64_MAX, 1), LW_TAIL_MAX_OPEN_FILES);
  cr_assert_eq(lw_tail_max_open_files(LW_TAIL_MAX_OPEN_FILES + LW_TAIL_FD_RESERVE + 1, 1),
               LW_TAIL_MAX_OPEN_FILES);

  /* An input with max_open_files 0 takes the process's soft limit as it is at lw_tail_new. */
  struct rlimit old, rl;
  cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
  rl = old;
  rl.rlim_cur = old.rlim_max != RLIM_INFINITY && old.rlim_max < 3000 ? old.rlim_max : 3000;
  cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
  char *dir = tt_mkdtemp();
  char glob[512];
  snprintf(glob, sizeof glob, "%s/*.log", dir);
  const char *paths[] = {glob};
  lw_loop *loop;
  cr_assert_eq(lw_loop_new(&loop), LW_OK);
  tt_sink s;
  tt_sink_init(&s);
  lw_tail_conf c;
  tt_conf(&c, paths, 1, &s, false);
  c.max_open_files = 0;
  lw_tail *t;
  cr_assert_eq(lw_tail_new(&t, loop, &c, tt_sink_cb, &s), LW_OK);
  cr_assert_eq(t->conf.max_open_files, lw_tail_max_open_files(rl.rlim_cur, 1));
  if (rl.rlim_cur >= 1300) /* a hard limit that allows it */
    cr_assert_gt(t->conf.max_open_files, 1024, "more than the old fixed default (limit %llu)",
                 (unsigned long long)rl.rlim_cur);
  lw_tail_free(t);
  lw_loop_free(loop);
  tt_sink_free(&s);
  tt_rmtree(dir);
  setrlimit(RLIMIT_NOFILE, &old);
}

Test(tail_scale, watch_limit_switches_to_polling) {
  char *dir = tt_mkdtemp();
  cr_assert_eq(mkdir(tt_path(dir, "a"), 0755), 0);
  cr_assert_eq(mkdir(tt_path(dir, "b"), 0755), 0);
  tt_create(tt_path(dir, "a/x.log"), "a1\n");
  tt_create(tt_path(dir, "b/x.log"), "b1\n");
  char glob[512];
  snprintf(glob, sizeof glob, "%s/*/x.log", dir);
  const char *paths[] = {glob};
  lw_loop *loop;
  cr_assert_eq(lw_loop_new(&loop), LW_OK);
  tt_sink s;
  tt_sink_init(&s);
  lw_tail_conf c;
  tt_conf(&c, paths, 1, &s, false);
  c.start_beginning = true;
  c.max_watches = 2; /* the glob needs three: dir, dir/a, dir/b */
  lw_tail *t;
  cr_assert_eq(lw_tail_new(&t, loop, &c, tt_sink_cb, &s), LW_OK);
  s.t = t;
  lw_tail_stats st;
  lw_tail_stats_get(t, &st);
  cr_assert(st.polling);
  cr_assert_eq(st.watches, 0);
  cr_assert(strstr(s.logs, "max_watches"), "%s", s.logs);
  cr_assert(tt_wait_lines(loop, &s, 2));
  /* Polling still sees new directories and files, and growth. */
  cr_assert_eq(mkdir(tt_path(dir, "c"), 0755), 0);
  tt_create(tt_path(dir, "c/x.log"), "c1\n");
  tt_append(tt_path(dir, "a/x.log"), "a2\n");
  cr_assert(tt_wait_lines(loop, &s, 4));
  lw_tail_free(t);
  lw_loop_free(loop);
  tt_sink_free(&s);
  tt_rmtree(dir);
}

Test(tail_scale, per_file_structure_is_small) {
  /* The figure documented in tail_int.h; a regression here is a memory regression at 10,000
   * files. */
  cr_log_info("sizeof(struct lw_tail_file) = %zu", sizeof(struct lw_tail_file));
  cr_assert_leq(sizeof(struct lw_tail_file), 400);
}
