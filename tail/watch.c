/* watch.c — inotify directory watches, stat-polling fallback and the periodic tick (see
 * watch.h). */
#include "tail/watch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "base/err.h"

/* What a directory watch reports: entries appearing, leaving, changing; the directory itself
 * going away. IN_EXCL_UNLINK: no events for entries after they were unlinked (their
 * descriptor-held remains are followed by the tick). */
#define DIR_MASK                                                                                   \
  (IN_CREATE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF |  \
   IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)
#define FILE_MASK  (IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
#define FULL_EVERY 10u /* with inotify, every 10th tick also rescans the globs */

typedef struct wrec {
  lw_hnode node; /* key: wd */
  int wd;
  unsigned gen;
  void *file;  /* file watch owner, NULL for a directory */
  char path[]; /* directory path (empty for a file watch) */
} wrec;

static wrec *find(const lw_watch *w, int wd) {
  for (lw_hnode *n = lw_hmap_first(&w->wds, (uint64_t)wd); n; n = lw_hmap_next(n))
    if (((wrec *)n)->wd == wd)
      return (wrec *)n;
  return NULL;
}

static void drop(lw_watch *w, wrec *r) {
  lw_hmap_del(&w->wds, &r->node);
  w->nwatch--;
  free(r);
}

static void drop_all(lw_watch *w) {
  lw_hiter it = {0};
  lw_hnode *n;
  while ((n = lw_hmap_iter(&w->wds, &it)) != NULL)
    drop(w, (wrec *)n);
}

static void arm_tick(lw_watch *w) {
  int ms = w->polling ? w->poll_ms : w->sweep_ms;
  lw_timer_start(w->loop, &w->tick, (uint64_t)ms * 1000u);
}

/* Give inotify up for this input: drop every watch, poll from now on. */
static void go_polling(lw_watch *w, const char *why) {
  if (w->polling)
    return;
  if (w->ifd >= 0) {
    lw_loop_del(w->loop, w->ifd);
    close(w->ifd);
    w->ifd = -1;
  }
  drop_all(w);
  w->polling = true;
  arm_tick(w);
  if (w->cbs.polling)
    w->cbs.polling(w->ud, why);
}

static void on_tick(lw_loop *l, lw_timer *t, void *ud) {
  (void)l;
  (void)t;
  lw_watch *w = ud;
  w->ticks++;
  bool full = w->polling || w->ticks % FULL_EVERY == 0;
  arm_tick(w);
  w->cbs.tick(w->ud, full);
}

static void dispatch(lw_watch *w, const struct inotify_event *e) {
  if (e->mask & IN_Q_OVERFLOW) {
    w->cbs.rescan(w->ud);
    return;
  }
  wrec *r = find(w, e->wd);
  if (!r)
    return;
  if (e->mask & IN_IGNORED) { /* the kernel removed the watch (gone, unmounted) */
    void *file = r->file;
    drop(w, r);
    if (file)
      w->cbs.file(w->ud, file, IN_IGNORED);
    else
      w->cbs.rescan(w->ud);
    return;
  }
  if (r->file) {
    w->cbs.file(w->ud, r->file, e->mask);
    return;
  }
  if (e->len && e->name[0]) {
    char path[PATH_MAX];
    const char *dir = strcmp(r->path, "/") ? r->path : "";
    if (snprintf(path, sizeof path, "%s/%s", dir, e->name) < (int)sizeof path)
      w->cbs.entry(w->ud, path, e->mask);
  }
  /* The directory itself went away, or its own attributes changed: its mode may now let
   * this user read it, or no longer (a rescan finds its files, or warns). */
  if ((e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) ||
      ((e->mask & IN_ATTRIB) && !(e->len && e->name[0])))
    w->cbs.rescan(w->ud);
}

static void on_inotify(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)l;
  (void)ev;
  lw_watch *w = ud;
  _Alignas(struct inotify_event) char buf[16384];
  /* A bounded number of reads per wake-up keeps the loop fair; epoll is level-triggered. */
  for (int round = 0; round < 8 && w->ifd == fd; round++) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    for (ssize_t i = 0; i + (ssize_t)sizeof(struct inotify_event) <= n;) {
      const struct inotify_event *e = (const struct inotify_event *)(buf + i);
      i += (ssize_t)sizeof(*e) + e->len;
      dispatch(w, e);
      if (w->ifd != fd)
        return; /* a callback made us give inotify up */
    }
  }
}

int lw_watch_init(lw_watch *w, lw_loop *loop, bool force_poll, int poll_ms, int sweep_ms,
                  int max_watches, const lw_watch_cbs *cbs, void *ud) {
  *w = (lw_watch){.loop = loop,
                  .ifd = -1,
                  .poll_ms = poll_ms,
                  .sweep_ms = sweep_ms,
                  .max_watches = max_watches > 0 ? (uint64_t)max_watches : 0,
                  .cbs = *cbs,
                  .ud = ud};
  lw_hmap_init(&w->wds);
  lw_timer_init(&w->tick, on_tick, w);
  w->polling = true;
  if (!force_poll) {
    w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->ifd >= 0 && lw_loop_add(loop, w->ifd, LW_EV_READ, on_inotify, w) != LW_OK) {
      close(w->ifd);
      w->ifd = -1;
    }
    w->polling = w->ifd < 0;
  }
  arm_tick(w);
  if (w->polling && !force_poll && w->cbs.polling)
    w->cbs.polling(w->ud, "inotify is not available");
  return LW_OK;
}

void lw_watch_free(lw_watch *w) {
  lw_timer_stop(w->loop, &w->tick);
  if (w->ifd >= 0) {
    lw_loop_del(w->loop, w->ifd);
    close(w->ifd); /* removes every watch at once */
    w->ifd = -1;
  }
  drop_all(w);
  lw_hmap_free(&w->wds);
}

/* inotify_add_watch, switching to polling on the watch limit. Returns wd or -1. */
static int add(lw_watch *w, const char *path, uint32_t mask) {
  int wd = inotify_add_watch(w->ifd, path, mask);
  if (wd < 0 && errno == ENOSPC) {
    go_polling(w, "the inotify watch limit (fs.inotify.max_user_watches) is reached");
  } else if (wd >= 0 && w->max_watches && w->nwatch >= w->max_watches && !find(w, wd)) {
    inotify_rm_watch(w->ifd, wd);
    go_polling(w, "max_watches is reached");
    wd = -1;
  }
  return wd;
}

int lw_watch_dir(lw_watch *w, const char *path, unsigned gen) {
  if (w->polling)
    return LW_OK;
  int wd = add(w, path, DIR_MASK);
  if (wd < 0)
    return w->polling ? LW_OK : LW_ERR_IO;
  wrec *r = find(w, wd);
  if (r && !r->file) { /* already watched (maybe through another path to the same dir) */
    r->gen = gen;
    return LW_OK;
  }
  size_t pl = strlen(path);
  wrec *nr = malloc(sizeof(*nr) + pl + 1);
  if (!nr || lw_hmap_put(&w->wds, &nr->node, (uint64_t)wd) != LW_OK) {
    free(nr);
    if (!r)
      inotify_rm_watch(w->ifd, wd);
    return LW_ERR_NOMEM;
  }
  if (r) /* a file watch on the same inode cannot be a directory: stale, replace it */
    drop(w, r);
  nr->wd = wd;
  nr->gen = gen;
  nr->file = NULL;
  memcpy(nr->path, path, pl + 1);
  w->nwatch++;
  return LW_OK;
}

void lw_watch_prune(lw_watch *w, unsigned gen) {
  if (w->polling)
    return;
  lw_hiter it = {0};
  lw_hnode *n;
  while ((n = lw_hmap_iter(&w->wds, &it)) != NULL) {
    wrec *r = (wrec *)n;
    if (r->file || r->gen == gen)
      continue;
    inotify_rm_watch(w->ifd, r->wd);
    drop(w, r);
  }
}

int lw_watch_file(lw_watch *w, const char *path, void *file) {
  if (w->polling)
    return -1;
  int wd = add(w, path, FILE_MASK);
  if (wd < 0)
    return -1;
  wrec *r = find(w, wd);
  if (r) {
    r->file = file;
    return wd;
  }
  r = malloc(sizeof(*r) + 1);
  if (!r || lw_hmap_put(&w->wds, &r->node, (uint64_t)wd) != LW_OK) {
    free(r);
    inotify_rm_watch(w->ifd, wd);
    return -1;
  }
  r->wd = wd;
  r->gen = 0;
  r->file = file;
  r->path[0] = 0;
  w->nwatch++;
  return wd;
}

void lw_watch_unfile(lw_watch *w, int wd) {
  if (wd < 0 || w->polling)
    return;
  wrec *r = find(w, wd);
  if (!r || !r->file)
    return;
  inotify_rm_watch(w->ifd, wd);
  drop(w, r);
}

void lw_watch_refile(lw_watch *w, int wd, void *file) {
  wrec *r = wd >= 0 ? find(w, wd) : NULL;
  if (r && r->file)
    r->file = file;
}
