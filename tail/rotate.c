/* rotate.c — a file's life after it leaves its path or changes under it: rotation order
 * (the new file at a path waits for the old one to be drained), draining and closing
 * rotated and deleted files, truncation (a new handle from offset 0), renames within the
 * globs, and where a rotated file went (for the checkpoint). */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
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
  lw__copy_release(f); /* a copy of f starts where f's delivered lines end */
  if (f->copy_of) {
    f->copy_of->copy = NULL;
    f->copy_of = NULL;
  }
  lw_lines_free(&f->lines);
  lw__closed_add(f); /* findable by identity while its lines are in flight */
  lw__wake_succ(f);
  lw__unvacate(f, NULL);
  if (t->wait_head)
    lw__wake_waiting(t);
  lw__tail_dirty(t);
  lw__file_release(f);
}

/* The file shrank (copytruncate) or its first bytes changed. Steps:
 *  1. look for its copy (lw__copy_find: same directory, same first bytes, at least as long
 *     as what was read). copytruncate copies, then truncates: what the application wrote
 *     after tail's last read and before the copy is only in the copy now
 *  2. a. copy found and not followed by the globs: this handle goes on reading in the copy,
 *        from where it was (its unfinished line continues there), to the copy's end; then it
 *        closes at once (nothing writes to a copy)
 *     b. copy found and followed as a copy of this file (lw__copy_decide): that handle
 *        starts where this one's delivered lines end (re-reading an unfinished line whole)
 *     c. otherwise: deliver what was read before (the unfinished line with
 *        LW_LINE_NO_NEWLINE, the pending multiline event): those bytes exist nowhere else
 *        any more; with no copy at all, warn: what was not read may be lost
 *  3. a new handle takes the descriptor, the path and the place in every table, and reads
 *     from offset 0 with a fresh fingerprint and acknowledgement tracker, after the copy's
 *     rest (rotation order)
 *  4. the old handle (but in 2a) is closed (retired) and freed once its lines are
 *     acknowledged; its offsets, larger than the new file's, never mix with the new handle's
 * If a delivery in 2c is refused, need_trunc keeps the truncation pending until resume:
 * reading on would mix offsets of the old and the new content. */
void lw__file_truncate(lw_tail_file *f) {
  lw_tail *t = f->t;
  f->need_trunc = true;
  char cp[PATH_MAX];
  struct stat cst;
  bool found = f->lines.rpos > 0 && lw__copy_find(f, cp, sizeof cp, &cst);
  lw_tail_file *h = found ? lw__find_id(t, (uint64_t)cst.st_dev, (uint64_t)cst.st_ino) : NULL;
  bool handoff = h && (h->copy_of == f || h->undecided);
  int cfd = -1;
  if (found && !h) {
    cfd = open(cp, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st2;
    if (cfd >= 0 && (fstat(cfd, &st2) != 0 || st2.st_ino != cst.st_ino)) {
      close(cfd);
      cfd = -1;
    }
  }
  if (cfd < 0 && (!handoff || f->lines.ev_open)) {
    int r = lw_lines_finish(&f->lines, &t->lc, f, &t->lst);
    if (r == LW_ERR_QUEUE_FULL) {
      lw__enqueue(f, Q_READY, true);
      return;
    }
    if (r != LW_OK) {
      t->backoff = true;
      lw__enqueue(f, Q_READY, false);
      return;
    }
  }
  lw_tail_file *n = calloc(1, sizeof(*n));
  char *path = strdup(f->path), *cpath = cfd >= 0 ? strdup(cp) : NULL;
  if (!n || !path || (cfd >= 0 && !cpath)) {
    free(n);
    free(path);
    free(cpath);
    if (cfd >= 0)
      close(cfd);
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
  lw__fp_note(n);
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
  f->need_trunc = false;
  t->st.truncations++;
  lw__tail_event(t, LW_TAIL_EV_TRUNCATED, n->path, 0);
  uint64_t unread = f->size > f->lines.rpos ? f->size - f->lines.rpos : 0;
  if (cfd >= 0) {
    /* 2a: f reads on in the copy; n waits for it. */
    lw__tail_log(t, LW_TAIL_LOG_INFO, "%s: truncated; reading its last %llu bytes from its copy %s",
                 n->path, (unsigned long long)((uint64_t)cst.st_size - f->lines.rpos), cpath);
    t->st.truncation_copies++;
    free(f->path);
    f->path = cpath;
    f->fd = cfd;
    f->wd = -1;
    f->dev = (uint64_t)cst.st_dev;
    f->ino = (uint64_t)cst.st_ino;
    f->size = (uint64_t)cst.st_size;
    f->rotated = f->from_copy = true;
    f->at_eof = false;
    t->nopen++;
    lw_hmap_put(&t->ids, &f->by_id, lw__id_key(f->dev, f->ino));
    lw__lru_push(f);
    if (f->copy)
      lw__copy_release(f);
    f->succ = n;
    n->pred = f;
    lw__file_ready(f);
    lw__tail_dirty(t);
    return;
  }
  if (handoff) {
    /* 2b: the followed copy starts where f's delivered lines end. */
    lw__tail_log(t, LW_TAIL_LOG_INFO, "%s: truncated; its copy %s is read from offset %llu",
                 n->path, h->path, (unsigned long long)f->lines.off);
    t->st.truncation_copies++;
    if (h->copy_of && h->copy_of != f)
      h->copy_of->copy = NULL;
    if (f->copy && f->copy != h)
      lw__copy_release(f);
    h->copy_of = f;
    f->copy = h;
    lw__copy_release(f);
    if (!h->succ && !n->pred) {
      h->succ = n;
      n->pred = h;
    }
  } else if (!found) {
    t->st.truncation_lost_bytes += unread;
    uint64_t now = lw_now_us();
    if (now - t->warn_trunc_us > 10000000u || !t->warn_trunc_us) {
      t->warn_trunc_us = now;
      lw__tail_log(t, LW_TAIL_LOG_WARN,
                   "%s: truncated, and no copy of it found in its directory: what was written "
                   "since the last read may be lost (%llu bytes seen unread; counted in "
                   "truncation_lost_bytes). With copytruncate, keep the copy uncompressed in the "
                   "same directory (delaycompress)",
                   n->path, (unsigned long long)unread);
    }
  } else {
    lw__tail_log(t, LW_TAIL_LOG_INFO, "%s: truncated; reading again from the start", n->path);
  }
  lw__copy_release(f);
  lw_lines_free(&f->lines);
  f->fd = f->wd = -1;
  f->state = F_CLOSED;
  f->retired = true;
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
    lw__closed_add(f);
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
