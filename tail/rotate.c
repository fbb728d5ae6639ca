/* rotate.c — a file's life after it leaves its path or changes under it: rotation order
 * (the new file at a path waits for the old one to be drained), draining and closing
 * rotated and deleted files, truncation (a new handle from offset 0), renames within the
 * globs, and where a rotated file went (for the checkpoint). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/err.h"
#include "tail/tail_int.h"

/* Has f delivered everything a successor at its old path must come after? Its end was
 * reached; for a rotated file, also its unfinished last line and pending multiline event
 * (delivered when it closes). A file renamed within the globs may keep an unfinished line
 * forever: only its end counts. */
bool lw__drained(const lw_tail_file *f) {
  return f->at_eof && (!f->rotated || (f->lines.rpos == f->lines.off && !f->lines.ev_open));
}

/* Rotation order: the file read after this one may start now. */
void lw__wake_succ(lw_tail_file *f) {
  lw_tail_file *s = f->succ;
  if (!s)
    return;
  f->succ = NULL;
  s->pred = NULL;
  lw__file_ready(s);
}

/* Remember that f left `key`'s path, so a new file there is read after f's end. */
static void vacate(lw_tail_file *f, uint64_t key) {
  lw_tail *t = f->t;
  unsigned i = t->vac_next++ % VACATED_SLOTS;
  t->vacated[i].key = key;
  t->vacated[i].f = f;
}

/* f is going away (repl NULL) or replaced after truncation: update the vacated paths. */
void lw__unvacate(lw_tail_file *f, lw_tail_file *repl) {
  for (unsigned i = 0; i < VACATED_SLOTS; i++)
    if (f->t->vacated[i].f == f)
      f->t->vacated[i].f = repl;
}

/* A rotated file's current name is what its descriptor's /proc link says (or "(deleted)"). */
void lw__file_where(lw_tail_file *f) {
  char link[64], buf[PATH_MAX];
  if (f->fd < 0)
    return;
  snprintf(link, sizeof link, "/proc/self/fd/%d", f->fd);
  ssize_t n = readlink(link, buf, sizeof buf - 1);
  if (n <= 0)
    return; /* no /proc: the old path stays (a restart then finds another inode there) */
  buf[n] = 0;
  static const char del[] = " (deleted)";
  size_t dl = sizeof del - 1;
  if ((size_t)n > dl && !strcmp(buf + n - dl, del)) {
    f->gone = true;
    return;
  }
  char *p = strcmp(buf, f->path) ? strdup(buf) : NULL;
  if (p) {
    free(f->path);
    f->path = p;
  }
}

/* Give the descriptor up for good: the file is finished. */
void lw__file_close(lw_tail_file *f) {
  lw_tail *t = f->t;
  if (f->rotated)
    lw__file_where(f); /* for its checkpoint record while lines are in flight */
  struct stat st;
  if (f->fd >= 0)
    f->orphan_on_free = fstat(f->fd, &st) == 0 && st.st_nlink > 0;
  lw__file_drop_fd(f);
  lw__queue_del(f);
  if (f->at_path) {
    lw_hmap_del(&t->paths, &f->by_path);
    f->at_path = false;
  }
  if (f->state != F_CLOSED)
    lw_hmap_del(&t->ids, &f->by_id);
  f->state = F_CLOSED;
  lw_lines_free(&f->lines);
  lw__wake_succ(f);
  lw__unvacate(f, NULL);
  if (t->wait_head)
    lw__wake_waiting(t);
  lw__tail_dirty(t);
  lw__file_release(f);
}

/* The file shrank (copytruncate) or its first bytes changed. Steps:
 *  1. deliver what was read before it (the unfinished line with LW_LINE_NO_NEWLINE, the
 *     pending multiline event): those bytes exist nowhere else any more
 *  2. a new handle takes the descriptor, the path and the place in every table, and reads
 *     from offset 0 with a fresh fingerprint and acknowledgement tracker
 *  3. the old handle is closed (retired) and freed once its lines are acknowledged; its
 *     offsets, larger than the new file's, never mix with the new handle's
 * If step 1 is refused, need_trunc keeps the truncation pending until resume: reading on
 * would mix offsets of the old and the new content. */
void lw__file_truncate(lw_tail_file *f) {
  lw_tail *t = f->t;
  f->need_trunc = true;
  int r = lw_lines_finish(&f->lines, &t->lc, f, &t->lst);
  if (r == LW_ERR_QUEUE_FULL) {
    lw__enqueue(f, Q_READY, true);
    return;
  }
  lw_tail_file *n = calloc(1, sizeof(*n));
  char *path = strdup(f->path);
  if (r != LW_OK || !n || !path) {
    free(n);
    free(path);
    t->backoff = true;
    lw__enqueue(f, Q_READY, false);
    return;
  }
  n->t = t;
  n->path = path;
  n->dev = f->dev;
  n->ino = f->ino;
  n->fd = f->fd;
  n->wd = f->wd;
  n->state = F_OPEN;
  n->link = f->link;
  n->rotated = f->rotated;
  n->seen_gen = f->seen_gen;
  lw_timer_init(&n->timer, lw__file_timer_cb, n);
  lw_lines_init(&n->lines, 0);
  lw_acks_init(&n->acks, 0);
  if (lw_fp_read(n->fd, LW_FP_MAX, &n->fp, NULL, NULL) != LW_OK)
    n->fp = (lw_fp){.hash = LW_FNV_INIT, .len = 0};
  /* Take f's place everywhere (the tables already have buckets: no allocation fails). */
  lw_hmap_del(&t->ids, &f->by_id);
  lw_hmap_put(&t->ids, &n->by_id, lw__id_key(n->dev, n->ino));
  if (f->at_path) {
    lw_hmap_del(&t->paths, &f->by_path);
    lw_hmap_put(&t->paths, &n->by_path, lw__path_key(n->path));
    n->at_path = true;
    f->at_path = false;
  }
  lw__lru_del(f);
  lw__lru_push(n);
  n->next = t->files;
  t->files->prev = n;
  t->files = n;
  t->nfiles++;
  n->succ = f->succ;
  if (n->succ)
    n->succ->pred = n;
  f->succ = NULL;
  lw__unvacate(f, n);
  lw_watch_refile(&t->w, n->wd, n);
  lw__queue_del(f);
  lw_timer_stop(t->loop, &f->timer);
  lw_lines_free(&f->lines);
  f->fd = f->wd = -1;
  f->state = F_CLOSED;
  f->retired = true;
  f->need_trunc = false;
  t->st.truncations++;
  lw__tail_log(t, LW_TAIL_LOG_INFO, "%s: truncated; reading again from the start", n->path);
  lw__tail_event(t, LW_TAIL_EV_TRUNCATED, n->path, 0);
  lw__file_ready(n);
  lw__tail_dirty(t);
  lw__file_release(f);
}

/* Rotated and drained: deliver the unfinished line and the pending event, then close. */
void lw__file_finish(lw_tail_file *f) {
  int r = lw_lines_finish(&f->lines, &f->t->lc, f, &f->t->lst);
  if (r == LW_ERR_QUEUE_FULL) {
    lw__enqueue(f, Q_READY, true);
    return;
  }
  if (r != LW_OK) {
    f->t->backoff = true;
    lw__enqueue(f, Q_READY, false);
    return;
  }
  lw__file_close(f);
}

/* f's path no longer names it: renamed out of the globs, deleted, or replaced. */
void lw__file_path_lost(lw_tail_file *f) {
  lw_tail *t = f->t;
  if (!f->at_path)
    return;
  uint64_t key = f->by_path.key;
  lw_hmap_del(&t->paths, &f->by_path);
  f->at_path = false;
  if (f->state == F_DORMANT) {
    /* No descriptor: the file cannot be reached any more. It was read to its end when it
     * went idle; what was written after that is out of reach (only with max_open_files
     * pressure). */
    f->orphan_on_free = true;
    lw_hmap_del(&t->ids, &f->by_id);
    lw__queue_del(f);
    f->state = F_CLOSED;
    lw__tail_dirty(t);
    lw__file_release(f);
    return;
  }
  if (f->state == F_OPEN) {
    t->st.rotations++;
    struct stat rs;
    bool gone = f->fd >= 0 && fstat(f->fd, &rs) == 0 && rs.st_nlink == 0;
    lw__tail_event(t, gone ? LW_TAIL_EV_DELETED : LW_TAIL_EV_ROTATED, f->path, f->lines.off);
    f->rotated = true;
    vacate(f, key);
    lw__file_ready(f);
  }
}

/* f (same inode, same content) is now known at another matching path: renamed within the
 * globs (app.log -> app.log.1 with a glob app.log*), or back at a matching path. */
void lw__file_path_moved(lw_tail_file *f, const char *path) {
  lw_tail *t = f->t;
  char *p = strdup(path);
  if (!p)
    return;
  if (f->at_path) {
    vacate(f, f->by_path.key);
    lw_hmap_del(&t->paths, &f->by_path);
  }
  if (lw_hmap_put(&t->paths, &f->by_path, lw__path_key(p)) != LW_OK) {
    free(p);
    f->at_path = false;
    return;
  }
  free(f->path);
  f->path = p;
  f->at_path = true;
  f->rotated = f->need_close = false;
  f->close_due_us = 0;
  lw__tail_dirty(t);
  lw__file_ready(f);
}
