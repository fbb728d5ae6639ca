/* test_tail_unreadable.c — a directory of the globs that this user cannot read for a while:
 * warned about, counted, looked at again, and the files created in it meanwhile followed
 * from their beginning once it can be read (with inotify and with stat polling). Root
 * ignores file modes: the test drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its
 * effective set first (each Criterion test runs in a process of its own; they are given
 * back at the end all the same). */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tail/glob.h"
#include "tests/unit/tail_test.h"

/* Make file modes apply to this process (root) or give the override back. */
static void dac_override(bool on) {
  if (geteuid() != 0)
    return;
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  cr_assert_eq(syscall(SYS_capget, &h, d), 0);
  uint32_t bits = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);
  d[0].effective = on ? d[0].effective | (d[0].permitted & bits) : d[0].effective & ~bits;
  cr_assert_eq(syscall(SYS_capset, &h, d), 0);
}

typedef struct fx {
  char *dir, *logs;
  char glob[512];
  const char *paths[1];
  lw_loop *loop;
  lw_tail *t;
  tt_sink s;
  lw_tail_conf c;
} fx;

static lw_tail_stats stats(fx *x) {
  lw_tail_stats st;
  lw_tail_stats_get(x->t, &st);
  return st;
}

static bool has_read_error(void *ud) {
  return stats(ud).read_errors > 0;
}

static bool logged_again(void *ud) {
  fx *x = ud;
  return strstr(x->s.logs, "can be read again") != NULL;
}

static void unreadable_directory(bool poll) {
  fx x = {0};
  x.dir = tt_mkdtemp();
  x.logs = strdup(tt_path(x.dir, "logs"));
  cr_assert_eq(mkdir(x.logs, 0755), 0);
  snprintf(x.glob, sizeof x.glob, "%s/*.log", x.logs);
  x.paths[0] = x.glob;
  tt_sink_init(&x.s);
  cr_assert_eq(lw_loop_new(&x.loop), LW_OK);
  tt_conf(&x.c, x.paths, 1, &x.s, poll);
  x.c.sweep_ms = 60000; /* with inotify: no periodic rescan during the test, events only */
  tt_create(tt_path(x.logs, "old.log"), "old\n");
  dac_override(false);
  cr_assert_eq(lw_tail_new(&x.t, x.loop, &x.c, tt_sink_cb, &x.s), LW_OK);
  x.s.t = x.t;
  tt_append(tt_path(x.logs, "old.log"), "o1\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 1));
  cr_assert_str_eq(x.s.v[0].s, "o1", "start at end: what was there at the first start is skipped");

  /* The directory stops being readable: said at once (its watch sees the chmod). */
  cr_assert_eq(chmod(x.logs, 0), 0);
  cr_assert(tt_run_until(x.loop, has_read_error, &x, 5000), "the unreadable directory is counted");
  cr_assert(strstr(x.s.logs, "cannot read ") && strstr(x.s.logs, "/logs: Permission denied"),
            "warned, naming the directory: %s", x.s.logs);
  cr_assert(strstr(x.s.logs, "may read and search it"), "saying what to do: %s", x.s.logs);

  /* A file created meanwhile (by its owner: read and search for a moment). */
  cr_assert_eq(chmod(x.logs, 0700), 0);
  tt_create(tt_path(x.logs, "new.log"), "n1\nn2\n");
  cr_assert_eq(chmod(x.logs, 0), 0);
  tt_spin(x.loop, 20);
  cr_assert_eq(x.s.n, 1, "nothing can be read from it yet");

  /* Readable again: found at once, read from its beginning. */
  cr_assert_eq(chmod(x.logs, 0755), 0);
  cr_assert(tt_wait_lines(x.loop, &x.s, 3), "the file created while unreadable is followed");
  cr_assert_str_eq(x.s.v[1].s, "n1");
  cr_assert_str_eq(x.s.v[2].s, "n2");
  cr_assert(tt_run_until(x.loop, logged_again, &x, 5000), "recovery is logged: %s", x.s.logs);
  tt_append(tt_path(x.logs, "old.log"), "o2\n");
  cr_assert(tt_wait_lines(x.loop, &x.s, 4), "the file followed before is still followed");
  cr_assert_str_eq(x.s.v[3].s, "o2");

  lw_tail_free(x.t);
  dac_override(true);
  lw_loop_free(x.loop);
  tt_sink_free(&x.s);
  free(x.logs);
  tt_rmtree(x.dir);
}

Test(tail_unreadable, directory_inotify) {
  unreadable_directory(false);
}

Test(tail_unreadable, directory_poll) {
  unreadable_directory(true);
}

/* The walk: a directory it cannot read is an error, and its parent a directory to watch
 * (whose watch reports the chmod that fixes it). */
typedef struct walk_rec {
  char dirs[8][512];
  int ndirs;
  char err[512];
  int errno_seen;
} walk_rec;

static void rec_dir(void *ud, const char *dir) {
  walk_rec *r = ud;
  if (r->ndirs < 8)
    snprintf(r->dirs[r->ndirs++], sizeof r->dirs[0], "%s", dir);
}

static void rec_file(void *ud, const char *path, const struct stat *st, bool link) {
  (void)ud, (void)path, (void)st, (void)link;
}

static void rec_error(void *ud, const char *path, int err) {
  walk_rec *r = ud;
  snprintf(r->err, sizeof r->err, "%s", path);
  r->errno_seen = err;
}

Test(tail_unreadable, walk_watches_the_parent_of_an_unreadable_directory) {
  char *dir = tt_mkdtemp();
  char logs[512], pat[600];
  snprintf(logs, sizeof logs, "%s/logs", dir);
  snprintf(pat, sizeof pat, "%s/*.log", logs);
  cr_assert_eq(mkdir(logs, 0), 0);
  lw_globset gs;
  const char *paths[] = {pat};
  cr_assert_eq(lw_globset_init(&gs, paths, 1, NULL, 0), LW_OK);
  walk_rec r = {0};
  lw_glob_visit v = {.dir = rec_dir, .file = rec_file, .error = rec_error};
  dac_override(false);
  lw_globset_walk(&gs, &v, &r);
  dac_override(true);
  cr_assert_str_eq(r.err, logs);
  cr_assert_eq(r.errno_seen, EACCES);
  bool parent = false;
  for (int i = 0; i < r.ndirs; i++)
    parent |= strcmp(r.dirs[i], dir) == 0;
  cr_assert(parent, "the parent %s is reported as a directory to watch", dir);
  lw_globset_free(&gs);
  chmod(logs, 0755);
  tt_rmtree(dir);
}
