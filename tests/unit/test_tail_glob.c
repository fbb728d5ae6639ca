/* test_tail_glob.c — tail/glob.c: per-component matching (file and directory levels),
 * exclusions by base name and by full path, normalization of patterns, and the walk: which
 * files it finds and which directories it asks to watch (including the nearest existing
 * parent of a directory that does not exist yet). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tail/glob.h"
#include "tests/unit/tail_test.h"

static lw_globset make(const char *const *inc, int ninc, const char *const *exc, int nexc) {
  lw_globset gs;
  cr_assert_eq(lw_globset_init(&gs, inc, ninc, exc, nexc), LW_OK);
  return gs;
}

Test(tail_glob, match_files_and_directory_levels) {
  const char *inc[] = {"/var/log/*.log", "/srv/*/app-?.log", "/data/[ab]x/f"};
  lw_globset gs = make(inc, 3, NULL, 0);
  cr_assert_eq(lw_globset_match(&gs, "/var/log/syslog.log"), LW_GLOB_FILE);
  cr_assert_eq(lw_globset_match(&gs, "/var/log/syslog"), 0);
  cr_assert_eq(lw_globset_match(&gs, "/var/log/.hidden.log"), 0, "FNM_PERIOD");
  cr_assert_eq(lw_globset_match(&gs, "/var/log/a/b.log"), 0, "* stays in one component");
  cr_assert_eq(lw_globset_match(&gs, "/var/log"), LW_GLOB_DIR);
  cr_assert_eq(lw_globset_match(&gs, "/var"), LW_GLOB_DIR);
  cr_assert_eq(lw_globset_match(&gs, "/srv/web/app-1.log"), LW_GLOB_FILE);
  cr_assert_eq(lw_globset_match(&gs, "/srv/web/app-10.log"), 0);
  cr_assert_eq(lw_globset_match(&gs, "/srv/web"), LW_GLOB_DIR);
  cr_assert_eq(lw_globset_match(&gs, "/data/bx/f"), LW_GLOB_FILE);
  cr_assert_eq(lw_globset_match(&gs, "/data/cx/f"), 0);
  cr_assert_eq(lw_globset_match(&gs, "/etc/passwd"), 0);
  lw_globset_free(&gs);
}

Test(tail_glob, exclusions_by_base_name_and_by_path) {
  const char *inc[] = {"/logs/*/*"};
  const char *exc[] = {"*.gz", "debug-*", "/logs/old/*"};
  lw_globset gs = make(inc, 1, exc, 3);
  cr_assert_eq(lw_globset_match(&gs, "/logs/a/app.log"), LW_GLOB_FILE);
  cr_assert_eq(lw_globset_match(&gs, "/logs/a/app.log.gz"), 0);
  cr_assert_eq(lw_globset_match(&gs, "/logs/a/debug-1.log"), 0);
  cr_assert_eq(lw_globset_match(&gs, "/logs/old/app.log"), 0);
  cr_assert(lw_globset_excluded(&gs, "/x/y.gz"));
  cr_assert(!lw_globset_excluded(&gs, "/logs/new/app.log"));
  /* Exclusions apply to files, not to the directory levels. */
  cr_assert_eq(lw_globset_match(&gs, "/logs/old"), LW_GLOB_DIR);
  lw_globset_free(&gs);
}

Test(tail_glob, patterns_are_normalized_and_made_absolute) {
  char *dir = tt_mkdtemp();
  char cwd[4096];
  cr_assert(getcwd(cwd, sizeof cwd));
  cr_assert_eq(chdir(dir), 0);
  const char *inc[] = {"sub/./x.log", "//a//b/"};
  lw_globset gs = make(inc, 2, NULL, 0);
  cr_assert_eq(chdir(cwd), 0);
  char want[4096];
  snprintf(want, sizeof want, "%s/sub/x.log", dir);
  cr_assert_str_eq(gs.inc[0].text, want);
  cr_assert_str_eq(gs.inc[1].text, "/a/b");
  cr_assert_eq(lw_globset_match(&gs, want), LW_GLOB_FILE);
  lw_globset_free(&gs);
  const char *bad[] = {""};
  cr_assert_eq(lw_globset_init(&gs, bad, 1, NULL, 0), LW_ERR_CONFIG);
  cr_assert_eq(lw_globset_init(&gs, inc, 0, NULL, 0), LW_ERR_CONFIG);
  tt_rmtree(dir);
}

typedef struct seen {
  char dirs[32][512];
  int ndirs;
  char files[32][512];
  bool links[32];
  int nfiles;
} seen;

static void on_dir(void *ud, const char *d) {
  seen *s = ud;
  for (int i = 0; i < s->ndirs; i++)
    if (!strcmp(s->dirs[i], d))
      return;
  cr_assert_lt(s->ndirs, 32);
  snprintf(s->dirs[s->ndirs++], 512, "%s", d);
}

static void on_file(void *ud, const char *p, const struct stat *st, bool link) {
  seen *s = ud;
  cr_assert(S_ISREG(st->st_mode));
  for (int i = 0; i < s->nfiles; i++)
    if (!strcmp(s->files[i], p)) /* lnk.log matches two globs: reported twice */
      return;
  cr_assert_lt(s->nfiles, 32);
  s->links[s->nfiles] = link;
  snprintf(s->files[s->nfiles++], 512, "%s", p);
}

static int find(char (*v)[512], int n, const char *x) {
  for (int i = 0; i < n; i++)
    if (!strcmp(v[i], x))
      return i;
  return -1;
}

Test(tail_glob, walk_finds_files_and_the_directories_to_watch) {
  char *d = tt_mkdtemp();
  char p[6][512];
  snprintf(p[0], 512, "%s/*.log", d);
  snprintf(p[1], 512, "%s/s*/app-?.log", d);
  snprintf(p[2], 512, "%s/later/deeper/x.log", d);
  snprintf(p[3], 512, "%s/lnk.log", d);
  const char *inc[] = {p[0], p[1], p[2], p[3]};
  const char *exc[] = {"skip.log"};
  tt_create(tt_path(d, "a.log"), "a\n");
  tt_create(tt_path(d, "skip.log"), "x\n");
  tt_create(tt_path(d, "b.txt"), "b\n");
  cr_assert_eq(mkdir(tt_path(d, "s1"), 0755), 0);
  cr_assert_eq(mkdir(tt_path(d, "s2"), 0755), 0);
  cr_assert_eq(mkdir(tt_path(d, "other"), 0755), 0);
  cr_assert_eq(mkdir(tt_path(d, "t"), 0755), 0);
  tt_create(tt_path(d, "s1/app-1.log"), "1\n");
  tt_create(tt_path(d, "s2/app-2.log"), "2\n");
  tt_create(tt_path(d, "s2/app-22.log"), "22\n");
  tt_create(tt_path(d, "other/app-3.log"), "3\n");
  tt_create(tt_path(d, "t/target"), "t\n");
  cr_assert_eq(symlink(tt_path(d, "t/target"), tt_path(d, "lnk.log")), 0);
  lw_globset gs = make(inc, 4, exc, 1);
  seen s = {0};
  lw_glob_visit v = {.dir = on_dir, .file = on_file};
  lw_globset_walk(&gs, &v, &s);
  cr_assert_eq(s.nfiles, 4, "a.log, lnk.log (through its link), app-1, app-2");
  cr_assert_geq(find(s.files, s.nfiles, tt_path(d, "a.log")), 0);
  cr_assert_geq(find(s.files, s.nfiles, tt_path(d, "s1/app-1.log")), 0);
  cr_assert_geq(find(s.files, s.nfiles, tt_path(d, "s2/app-2.log")), 0);
  int li = find(s.files, s.nfiles, tt_path(d, "lnk.log"));
  cr_assert_geq(li, 0);
  cr_assert(s.links[li]);
  /* Watched: d (for *.log, the s* level, lnk.log and the missing "later"), s1, s2; not
   * "other", not the target's directory. */
  cr_assert_geq(find(s.dirs, s.ndirs, d), 0);
  cr_assert_geq(find(s.dirs, s.ndirs, tt_path(d, "s1")), 0);
  cr_assert_geq(find(s.dirs, s.ndirs, tt_path(d, "s2")), 0);
  cr_assert_eq(find(s.dirs, s.ndirs, tt_path(d, "other")), -1);
  cr_assert_eq(s.ndirs, 3);
  /* Once "later" exists, its missing child makes "later" the directory to watch. */
  cr_assert_eq(mkdir(tt_path(d, "later"), 0755), 0);
  memset(&s, 0, sizeof s);
  lw_globset_walk(&gs, &v, &s);
  cr_assert_geq(find(s.dirs, s.ndirs, tt_path(d, "later")), 0);
  lw_globset_free(&gs);
  tt_rmtree(d);
}

typedef struct errs {
  int n, err;
  char path[512];
} errs;

static void on_error(void *ud, const char *path, int err) {
  errs *e = ud;
  if (!e->n++) {
    e->err = err;
    snprintf(e->path, sizeof e->path, "%s", path);
  }
}

static void ignore_dir(void *ud, const char *dir) {
  (void)ud, (void)dir;
}

/* A directory that cannot be read is an error the caller hears of (it cannot be watched
 * either, so nothing would ever say it changed); one that does not exist yet is not. A
 * symlink loop stands for "cannot be read" (modes do not stop root). */
Test(tail_glob, walk_reports_directories_it_cannot_read) {
  char *d = tt_mkdtemp();
  char p[3][512];
  snprintf(p[0], 512, "%s/loop/*.log", d);
  snprintf(p[1], 512, "%s/loop2/x.log", d);
  snprintf(p[2], 512, "%s/missing/*.log", d);
  cr_assert_eq(symlink(tt_path(d, "loop"), tt_path(d, "loop")), 0);
  cr_assert_eq(symlink(tt_path(d, "loop2"), tt_path(d, "loop2")), 0);
  const lw_glob_visit v = {.dir = ignore_dir, .file = NULL, .error = on_error};
  for (int i = 0; i < 3; i++) {
    const char *inc[] = {p[i]};
    lw_globset gs = make(inc, 1, NULL, 0);
    errs e = {0};
    lw_globset_walk(&gs, &v, &e);
    if (i < 2) {
      cr_assert_eq(e.n, 1, "%s", p[i]);
      cr_assert_eq(e.err, ELOOP);
      cr_assert_str_eq(e.path, tt_path(d, i == 0 ? "loop" : "loop2"));
    } else {
      cr_assert_eq(e.n, 0, "a missing directory is waited for, not an error");
    }
    lw_globset_free(&gs);
  }
  tt_rmtree(d);
}

/* "**" matches zero or more directories (not hidden ones); a trailing "**" matches the files
 * at any depth; consecutive ones are one. */
Test(tail_glob, double_star_matches_any_depth) {
  const char *inc[] = {"/var/log/**/*.log", "/srv/**/app/x", "/data/**"};
  lw_globset gs = make(inc, 3, NULL, 0);
  cr_assert_eq(lw_globset_match(&gs, "/var/log/a.log") & LW_GLOB_FILE, LW_GLOB_FILE,
               "zero directories");
  cr_assert_eq(lw_globset_match(&gs, "/var/log/a/b.log") & LW_GLOB_FILE, LW_GLOB_FILE);
  cr_assert_eq(lw_globset_match(&gs, "/var/log/a/b/c/d.log") & LW_GLOB_FILE, LW_GLOB_FILE);
  cr_assert_eq(lw_globset_match(&gs, "/var/log/a/b/c/d.txt"), LW_GLOB_DIR,
               "could be a directory below");
  cr_assert_eq(lw_globset_match(&gs, "/var/log/.git/d.log"), 0, "** skips hidden names");
  cr_assert_eq(lw_globset_match(&gs, "/var/log/a/.d.log"), 0);
  cr_assert_eq(lw_globset_match(&gs, "/var/log/a/b"), LW_GLOB_DIR, "any level below watched");
  cr_assert_eq(lw_globset_match(&gs, "/var"), LW_GLOB_DIR);
  cr_assert_eq(lw_globset_match(&gs, "/var/lib/a.log"), 0);
  cr_assert_eq(lw_globset_match(&gs, "/srv/app/x") & LW_GLOB_FILE, LW_GLOB_FILE);
  cr_assert_eq(lw_globset_match(&gs, "/srv/1/2/app/x") & LW_GLOB_FILE, LW_GLOB_FILE);
  cr_assert_eq(lw_globset_match(&gs, "/srv/1/2/app/y") & LW_GLOB_FILE, 0);
  cr_assert_eq(lw_globset_match(&gs, "/data/f") & LW_GLOB_FILE, LW_GLOB_FILE);
  cr_assert_eq(lw_globset_match(&gs, "/data/a/b/f") & LW_GLOB_FILE, LW_GLOB_FILE);
  cr_assert_eq(lw_globset_match(&gs, "/data"), LW_GLOB_DIR);
  lw_globset_free(&gs);
  /* Without "**" a star stays in one component, as before; "a**b" is a plain wildcard. */
  const char *one[] = {"/x/a**b/f", "/y/**/**/**/z"};
  gs = make(one, 2, NULL, 0);
  cr_assert_eq(lw_globset_match(&gs, "/x/a1b/f"), LW_GLOB_FILE);
  cr_assert_eq(lw_globset_match(&gs, "/x/a1/2b/f"), 0);
  cr_assert_eq(gs.inc[1].ncomp, 3, "consecutive ** merged");
  cr_assert_eq(lw_globset_match(&gs, "/y/1/2/3/4/5/6/7/8/z") & LW_GLOB_FILE, LW_GLOB_FILE);
  lw_globset_free(&gs);
}

Test(tail_glob, double_star_walk_finds_files_at_any_depth) {
  char *d = tt_mkdtemp();
  char p[512];
  snprintf(p, sizeof p, "%s/**/*.log", d);
  const char *inc[] = {p};
  const char *exc[] = {"skip.log"};
  cr_assert_eq(mkdir(tt_path(d, "a"), 0755), 0);
  cr_assert_eq(mkdir(tt_path(d, "a/b"), 0755), 0);
  cr_assert_eq(mkdir(tt_path(d, ".hidden"), 0755), 0);
  cr_assert_eq(mkdir(tt_path(d, "t"), 0755), 0);
  tt_create(tt_path(d, "top.log"), "0\n");
  tt_create(tt_path(d, "a/one.log"), "1\n");
  tt_create(tt_path(d, "a/b/two.log"), "2\n");
  tt_create(tt_path(d, "a/b/skip.log"), "x\n");
  tt_create(tt_path(d, "a/b/no.txt"), "x\n");
  tt_create(tt_path(d, ".hidden/h.log"), "x\n");
  tt_create(tt_path(d, "t/in-t.log"), "t\n");
  /* A link back up: not entered (it would loop), its files are reached through t itself. */
  char up[512];
  snprintf(up, sizeof up, "%s", tt_path(d, "t"));
  cr_assert_eq(symlink(up, tt_path(d, "a/loop")), 0);
  lw_globset gs = make(inc, 1, exc, 1);
  seen s = {0};
  lw_glob_visit v = {.dir = on_dir, .file = on_file};
  lw_globset_walk(&gs, &v, &s);
  cr_assert_eq(s.nfiles, 4, "top.log, a/one.log, a/b/two.log, t/in-t.log");
  cr_assert_geq(find(s.files, s.nfiles, tt_path(d, "top.log")), 0);
  cr_assert_geq(find(s.files, s.nfiles, tt_path(d, "a/one.log")), 0);
  cr_assert_geq(find(s.files, s.nfiles, tt_path(d, "a/b/two.log")), 0);
  cr_assert_geq(find(s.files, s.nfiles, tt_path(d, "t/in-t.log")), 0);
  /* Every directory below is watched (a subdirectory created later must be seen). */
  cr_assert_geq(find(s.dirs, s.ndirs, d), 0);
  cr_assert_geq(find(s.dirs, s.ndirs, tt_path(d, "a")), 0);
  cr_assert_geq(find(s.dirs, s.ndirs, tt_path(d, "a/b")), 0);
  cr_assert_geq(find(s.dirs, s.ndirs, tt_path(d, "t")), 0);
  cr_assert_eq(find(s.dirs, s.ndirs, tt_path(d, ".hidden")), -1);
  cr_assert_eq(s.ndirs, 4);
  /* A directory created later, with a file in it: the next walk finds both. */
  cr_assert_eq(mkdir(tt_path(d, "a/b/new"), 0755), 0);
  tt_create(tt_path(d, "a/b/new/three.log"), "3\n");
  cr_assert_eq(lw_globset_match(&gs, tt_path(d, "a/b/new")), LW_GLOB_DIR);
  memset(&s, 0, sizeof s);
  lw_globset_walk(&gs, &v, &s);
  cr_assert_geq(find(s.dirs, s.ndirs, tt_path(d, "a/b/new")), 0);
  cr_assert_geq(find(s.files, s.nfiles, tt_path(d, "a/b/new/three.log")), 0);
  lw_globset_free(&gs);
  tt_rmtree(d);
}
