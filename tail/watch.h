/* watch.h — how tail learns that something changed: inotify watches on directories (and on
 * symlinked files), with stat polling as the fallback when inotify cannot be used (not
 * available, instance or watch limit reached, or force_poll for network file systems), and a
 * periodic tick that drives the fstat safety-net sweep and the polling rescans.
 *
 * Watches are per directory, not per file: 10,000 files in one directory cost one watch.
 * The module knows nothing of files or globs; it reports paths and leaves the decisions to
 * the caller. */
#ifndef LW_TAIL_WATCH_H
#define LW_TAIL_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "net/loop.h"
#include "base/hmap.h"

typedef struct lw_watch_cbs {
  /* An entry of a watched directory changed (IN_* mask: created, moved in or out, deleted,
   * modified, attributes). path = the watched directory's path + "/" + name, borrowed. */
  void (*entry)(void *ud, const char *path, uint32_t mask);
  /* A watched file (lw_watch_file) changed; IN_IGNORED means its watch is gone. */
  void (*file)(void *ud, void *file, uint32_t mask);
  /* Events were lost (queue overflow) or a watched directory itself went away or moved: the
   * caller should rescan everything. */
  void (*rescan)(void *ud);
  /* Periodic: every sweep_ms with inotify (full = true every 10th time), every poll_ms when
   * polling (full = true: rescan the globs). */
  void (*tick)(void *ud, bool full);
  /* inotify was given up (why: a sentence); every file watch handle is gone and from now on
   * only ticks report changes. */
  void (*polling)(void *ud, const char *why);
} lw_watch_cbs;

typedef struct lw_watch {
  lw_loop *loop;
  int ifd;      /* inotify descriptor, -1 when polling */
  bool polling; /* no inotify */
  lw_hmap wds;  /* watch descriptor -> record */
  uint64_t nwatch;
  lw_timer tick;
  int poll_ms, sweep_ms;
  uint64_t max_watches; /* own cap (0: none); reaching it acts like the kernel's ENOSPC */
  unsigned ticks;
  lw_watch_cbs cbs;
  void *ud;
} lw_watch;

/* Set up inotify (or polling when force_poll or inotify_init fails) and start the tick.
 * Returns LW_OK or LW_ERR_NOMEM/LW_ERR_IO (loop registration failed). */
int lw_watch_init(lw_watch *w, lw_loop *loop, bool force_poll, int poll_ms, int sweep_ms,
                  int max_watches, const lw_watch_cbs *cbs, void *ud);
/* Remove every watch, stop the tick, close inotify. */
void lw_watch_free(lw_watch *w);

/* Watch the directory `path` and mark it wanted in scan generation `gen`. No-op when polling.
 * On the watch limit (ENOSPC) the module switches to polling (cbs.polling). Returns LW_OK, or
 * LW_ERR_IO when this directory cannot be watched (gone, not a directory, no permission). */
int lw_watch_dir(lw_watch *w, const char *path, unsigned gen);
/* Remove directory watches not marked wanted in generation `gen`. */
void lw_watch_prune(lw_watch *w, unsigned gen);
/* Watch one file (through its path; symlinks followed) for writes, attribute changes and
 * deletion, reported with `file`. Returns the watch descriptor, or -1 (polling, or failed). */
int lw_watch_file(lw_watch *w, const char *path, void *file);
/* Remove a file watch returned by lw_watch_file (wd < 0 is ignored). */
void lw_watch_unfile(lw_watch *w, int wd);
/* Re-point a file watch at another owner (the file object was replaced). */
void lw_watch_refile(lw_watch *w, int wd, void *file);

#endif
