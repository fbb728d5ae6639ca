/* scan.c — which file is at which path: the full scan of the globs, one path after an
 * inotify event, the identity rules deciding "same file, renamed" against "new file", and
 * the periodic tick (fstat sweep of open files, polling rescans). */
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "proto/err.h"
#include "tail/tail_int.h"

/* A regular file `st` is at `path`, which matches the globs. Cases:
 *  - the handle at this path has this identity: nothing moved (note a size change)
 *  - another handle has this identity: the file was renamed to this path (app.log ->
 *    app.log.1 under a glob app.log*), or is a second link to it
 *  - no handle has it: a new file; a handle that was at this path lost it (rotation)
 * Identity here is device + inode: an open handle keeps its inode alive, so an inode found in
 * the table is that file. Inode reuse only happens after a handle is closed and removed
 * from the table; the fingerprint decides then, when the new file is first opened. */
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
          (stat(g->path, &s2) == 0 && (uint64_t)s2.st_dev == dev && (uint64_t)s2.st_ino == ino))
        return;
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
  if (lw__file_new(t, path, st, link) != LW_OK)
    lw__tail_log(t, LW_TAIL_LOG_ERROR, "%s: out of memory, file not followed", path);
}

void lw__check_path(lw_tail *t, const char *path) {
  if (!(lw_globset_match(&t->gs, path) & LW_GLOB_FILE))
    return;
  struct stat st, lst;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
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

static const lw_glob_visit walk_visit = {.dir = on_walk_dir, .file = on_walk_file};

/* Race (directory created later): the watch on a directory is added before it is read, so a
 * file created in it between the two is either in the listing or reported by the watch. */
void lw__scan_all(lw_tail *t) {
  lw_timer_stop(t->loop, &t->rescan_timer);
  t->scan_gen++;
  t->scanning = true;
  lw_globset_walk(&t->gs, &walk_visit, t);
  t->scanning = false;
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
  if (!lw_timer_active(&t->rescan_timer))
    lw_timer_start(t->loop, &t->rescan_timer, 0);
}

/* ---- inotify callbacks ---- */

static void on_entry(void *ud, const char *path, uint32_t mask) {
  lw_tail *t = ud;
  if (!(mask & ~(uint32_t)IN_MODIFY)) {
    /* Writes: the common case, one hash lookup and no system call. If the path was renamed
     * and replaced before this event is read, the lookup finds the old handle, which reads
     * through its descriptor: still the right file, and the rename's own events follow. */
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
