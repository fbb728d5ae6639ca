/* scan.c — which file is at which path: the full scan of the globs, one path after an
 * inotify event, the identity rules deciding "same file, renamed" against "new file", and
 * the periodic tick (fstat sweep of open files, polling rescans). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "base/err.h"
#include "tail/tail_int.h"

/* A regular file `st` is at `path`, which matches the globs. Cases:
 *  - the handle at this path has this identity: nothing moved (note a size change)
 *  - another handle has this identity: the file was renamed to this path (app.log ->
 *    app.log.1 under a glob app.log*), or is a second link to it
 *  - no handle has it: a new file; a handle that was at this path lost it (rotation)
 * Identity here is device + inode; content identity (the fingerprint) is checked when a
 * handle opens the file. Race (inode reuse):
 *  1. file A (inode 7) is followed, then deleted
 *  2. the file system gives inode 7 to a new file B
 *  3. B is found. If A's handle was closed, it left the table: B is new. An open handle
 *     keeps its inode allocated, so 2. cannot happen to it. A handle closed while idle
 *     (max_open_files) does not: if its deletion was not seen yet, B looks like A renamed;
 *     when reopened, its fingerprint no longer matches and B is read from 0 under a new
 *     handle, as after a truncation.
 *  4. at a restart, A's checkpoint record names inode 7 too: the fingerprint decides. */
static void seen(lw_tail *t, const char *path, const struct stat *st, bool link) {
  lw_tail_file *cur = lw__find_path(t, path);
  uint64_t dev = (uint64_t)st->st_dev, ino = (uint64_t)st->st_ino;
  if (cur && cur->dev == dev && cur->ino == ino) {
    cur->seen_gen = t->scan_gen;
    cur->link = link;
    if ((uint64_t)st->st_size != cur->size)
      lw__file_ready(cur);
    return;
  }
  lw_tail_file *g = lw__find_id(t, dev, ino);
  if (g) {
    if (g->at_path) {
      /* Still at its old path too? Then this is a second link (hard link, two symlinks):
       * keep the first one. */
      struct stat s2;
      if ((t->scanning && g->seen_gen == t->scan_gen) ||
          (stat(g->path, &s2) == 0 && (uint64_t)s2.st_dev == dev && (uint64_t)s2.st_ino == ino)) {
        if (cur)
          lw__file_path_lost(cur); /* whatever was at this path is not any more */
        return;
      }
    }
    if (cur)
      lw__file_path_lost(cur);
    lw__file_path_moved(g, path);
    g->seen_gen = t->scan_gen;
    g->link = link;
    return;
  }
  if (cur)
    lw__file_path_lost(cur);
  if (lw__file_new(t, path, st, link, true) != LW_OK)
    lw__tail_log(t, LW_TAIL_LOG_ERROR, "%s: out of memory, file not followed", path);
}

static void unreadable(lw_tail *t, const char *dir, int err, bool others);

/* stat() failed on a path the globs match: the file is gone (ENOENT, ENOTDIR, ELOOP, ...),
 * or its directory cannot be looked into (no search permission, I/O error), which says
 * nothing of the file. Race (a directory unreadable for a while):
 *  1. the directory D stops being readable by this user (chmod, a remount)
 *  2. a file F is created in D: its IN_CREATE arrives, stat(F) fails with EACCES
 *  3. F must not be dropped silently: D is reported unreadable (warned, looked at again
 *     with a backoff, and at once when D's attributes change: its watch or its parent's
 *     reports the chmod that fixes it)
 *  4. D readable again: the rescan finds F, new since the first scan, read from 0. */
static bool cannot_look(int err) {
  return err == EACCES || err == EPERM || err == EIO;
}

void lw__check_path(lw_tail *t, const char *path) {
  if (!(lw_globset_match(&t->gs, path) & LW_GLOB_FILE))
    return;
  struct stat st, lst;
  int e = stat(path, &st) != 0 ? errno : 0;
  if (e && cannot_look(e)) {
    const char *slash = strrchr(path, '/');
    int dl = slash && slash > path ? (int)(slash - path) : 1;
    char dir[sizeof t->scan_err_path];
    snprintf(dir, sizeof dir, "%.*s", dl, path);
    unreadable(t, dir, e, false);
    return; /* whatever is known at this path stays there: nothing says it moved */
  }
  if (e || !S_ISREG(st.st_mode)) {
    lw_tail_file *cur = lw__find_path(t, path);
    if (cur)
      lw__file_path_lost(cur);
    return;
  }
  bool link = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
  seen(t, path, &st, link);
}

/* ---- Full scan ---- */

static void on_walk_dir(void *ud, const char *dir) {
  lw_tail *t = ud;
  lw_watch_dir(&t->w, dir, t->scan_gen);
}

static void on_walk_file(void *ud, const char *path, const struct stat *st, bool link) {
  seen(ud, path, st, link);
}

static void on_walk_error(void *ud, const char *dir, int err) {
  lw_tail *t = ud;
  if (!t->scan_errs++) {
    t->scan_errno = err;
    snprintf(t->scan_first_path, sizeof t->scan_first_path, "%s", dir);
  }
}

static const lw_glob_visit walk_visit = {
    .dir = on_walk_dir, .file = on_walk_file, .error = on_walk_error};

#define SCAN_RETRY_MIN_US 1000000ull
#define SCAN_RETRY_MAX_US 60000000ull
#define SCAN_WARN_US      10000000ull

/* A directory the globs need cannot be read (after a walk, or when a path in it could not be
 * looked at): counted, warned about at the first failure and then at most every 10 s, and
 * looked at again after a backoff (1 s, doubling to 60 s; a retry already due is kept), since
 * no event may come from a directory that cannot be watched. A change of its attributes (the
 * chmod that fixes it) brings the retry forward. */
static void unreadable(lw_tail *t, const char *dir, int err, bool others) {
  t->st.read_errors++;
  uint64_t now = lw_now_us();
  bool first = !t->scan_retry_us;
  uint64_t delay = first ? SCAN_RETRY_MIN_US : t->scan_retry_us;
  if (first || now - t->scan_warn_us >= SCAN_WARN_US) {
    t->scan_warn_us = now;
    snprintf(t->scan_err_path, sizeof t->scan_err_path, "%s", dir);
    char fix[96] = "it can be read";
    if (err == EACCES || err == EPERM)
      snprintf(fix, sizeof fix, "uid %u may read and search it", (unsigned)geteuid());
    lw__tail_log(t, LW_TAIL_LOG_WARN,
                 "cannot read %s: %s%s; files there are not followed until %s; looking again in "
                 "%llu s",
                 dir, strerror(err), others ? " (and others)" : "", fix,
                 (unsigned long long)(delay / 1000000));
  }
  if (first || !lw_timer_active(&t->rescan_timer)) {
    lw_timer_start(t->loop, &t->rescan_timer, delay);
    t->scan_retry_us = delay * 2 < SCAN_RETRY_MAX_US ? delay * 2 : SCAN_RETRY_MAX_US;
  }
}

/* After a walk: its errors, or the first clean walk after some, which says so. */
static void scan_errors(lw_tail *t) {
  if (!t->scan_errs) {
    if (t->scan_retry_us)
      lw__tail_log(t, LW_TAIL_LOG_INFO, "%s can be read again", t->scan_err_path);
    t->scan_retry_us = 0;
    return;
  }
  unreadable(t, t->scan_first_path, t->scan_errno, t->scan_errs > 1);
}

/* Race (directory created later):
 *  1. a glob's directory D does not exist: its nearest existing parent P is watched
 *  2. D is created: IN_CREATE on P names a directory level of the glob, a rescan follows
 *  3. files created in D before the rescan: the rescan adds D's watch before reading D, so
 *     each one is listed by the read, reported by the watch, or both (harmless). */
void lw__scan_all(lw_tail *t) {
  lw_timer_stop(t->loop, &t->rescan_timer);
  t->scan_gen++;
  t->scanning = true;
  t->scan_errs = 0;
  lw_globset_walk(&t->gs, &walk_visit, t);
  t->scanning = false;
  scan_errors(t);
  lw_watch_prune(&t->w, t->scan_gen);
  /* Handles whose path the walk did not see: look at that path alone (a directory that
   * could not be read must not make its files look gone). New handles are added at the
   * head of the list, so the walk below only meets older ones. */
  lw_tail_file *next;
  for (lw_tail_file *f = t->files; f; f = next) {
    next = f->next;
    if (!f->at_path || f->seen_gen == t->scan_gen)
      continue;
    f->seen_gen = t->scan_gen;
    char *p = strdup(f->path);
    if (!p)
      continue;
    struct stat st;
    /* Gone or replaced: reconciling the path makes f lose it (which frees f itself when it
     * has no descriptor; `next` is untouched, new handles go to the head). */
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_dev != f->dev ||
        (uint64_t)st.st_ino != f->ino)
      lw__check_path(t, p);
    free(p);
  }
}

void lw__rescan_cb(lw_loop *l, lw_timer *tm, void *ud) {
  (void)l;
  (void)tm;
  lw__scan_all(ud);
}

void lw__scan_soon(lw_tail *t) {
  /* Coalesced; a retry waiting for an unreadable directory is brought forward. */
  if (!lw_timer_active(&t->rescan_timer) || t->rescan_timer.due_us > lw_now_us())
    lw_timer_start(t->loop, &t->rescan_timer, 0);
}

/* ---- inotify callbacks ---- */

static void on_entry(void *ud, const char *path, uint32_t mask) {
  lw_tail *t = ud;
  if (!(mask & ~(uint32_t)IN_MODIFY)) {
    /* Writes: the common case, one hash lookup and no system call. Race (rename before the
     * event arrives):
     *  1. the application writes to app.log: IN_MODIFY is queued
     *  2. app.log is renamed and a new app.log created before the queue is read
     *  3. the lookup by path still finds the old handle: it reads through its descriptor,
     *     which is the file that was written
     *  4. the IN_MOVED_FROM that follows makes check_path find the new inode at app.log:
     *     the old handle drains as rotated, the new file gets its own handle. */
    lw_tail_file *f = lw__find_path(t, path);
    if (f)
      lw__file_ready(f);
    return;
  }
  unsigned m = lw_globset_match(&t->gs, path);
  if (m & LW_GLOB_DIR) {
    /* A directory level of a glob changed: walk again (coalesced). Plain files at that level
     * are skipped without a walk. */
    struct stat lst;
    bool maybe_dir =
        (mask & IN_ISDIR) || lstat(path, &lst) != 0 || S_ISDIR(lst.st_mode) || S_ISLNK(lst.st_mode);
    if (maybe_dir)
      lw__scan_soon(t);
  }
  if (m & LW_GLOB_FILE)
    lw__check_path(t, path);
}

static void on_file(void *ud, void *file, uint32_t mask) {
  lw_tail *t = ud;
  lw_tail_file *f = file;
  if (mask & IN_IGNORED) {
    f->wd = -1;
    return;
  }
  lw__file_ready(f);
  /* The symlink's target was renamed or deleted: what does the link name now? */
  if ((mask & (IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB)) && f->at_path) {
    char *p = strdup(f->path);
    if (p)
      lw__check_path(t, p);
    free(p);
  }
}

static void on_rescan(void *ud) {
  lw__scan_soon(ud);
}

/* Safety net (events lost, network file systems): one fstat per open file. A size change
 * makes the file ready and asks for a fingerprint check (truncated and regrown between two
 * looks); a file with no links left but still at its path was deleted unnoticed. */
static void sweep(lw_tail *t) {
  for (lw_tail_file *f = t->lru_head; f; f = f->lru_next) {
    struct stat st;
    if (f->fd < 0 || fstat(f->fd, &st) != 0)
      continue;
    if ((uint64_t)st.st_size != f->sweep_size) {
      f->sweep_size = (uint64_t)st.st_size;
      f->need_fp = true;
      lw__file_ready(f);
    } else if ((uint64_t)st.st_size != f->size) {
      lw__file_ready(f);
    }
    if (st.st_nlink == 0 && f->at_path)
      lw__file_path_lost(f);
  }
}

static void on_tick(void *ud, bool full) {
  lw_tail *t = ud;
  sweep(t);
  if (t->wait_head)
    lw__wake_waiting(t);
  if (full)
    lw__scan_all(t);
}

static void on_polling(void *ud, const char *why) {
  lw_tail *t = ud;
  for (lw_tail_file *f = t->files; f; f = f->next)
    f->wd = -1;
  lw__tail_log(t, LW_TAIL_LOG_WARN, "%s; polling every %d ms instead of inotify", why,
               t->conf.poll_ms);
}

const lw_watch_cbs lw__watch_cbs = {.entry = on_entry,
                                    .file = on_file,
                                    .rescan = on_rescan,
                                    .tick = on_tick,
                                    .polling = on_polling};

/* Rotated files a previous run had not finished (paused by backpressure when logrotate
 * renamed them out of the globs): the checkpoint recorded where they went. Drain each one
 * still there with the same identity, from its acknowledged offset, then let it go. */
void lw__resume_rotated(lw_tail *t) {
  size_t n = 0, cap = 0;
  char **paths = NULL;
  lw_hiter it = {0};
  lw_hnode *nd;
  while ((nd = lw_hmap_iter(&t->orphans, &it)) != NULL) {
    orphan *o = (orphan *)nd;
    if (!(o->rec.flags & LW_CKPT_ROTATED) || !o->rec.path[0])
      continue;
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 8;
      char **np = realloc(paths, nc * sizeof(*np));
      if (!np)
        break;
      paths = np;
      cap = nc;
    }
    if (!(paths[n] = strdup(o->rec.path)))
      break;
    n++;
  }
  /* Opening takes records out of the orphan table: collected first, opened now. */
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode) &&
        !lw__find_id(t, (uint64_t)st.st_dev, (uint64_t)st.st_ino)) {
      lw__tail_log(t, LW_TAIL_LOG_INFO, "%s: rotated before it was drained; draining it now",
                   paths[i]);
      lw__file_new(t, paths[i], &st, false, false);
    }
    free(paths[i]);
  }
  free(paths);
}
