/* file.c — one followed file: its queues, opening (identity, start offset), reading through
 * lw_lines and delivering lines, the per-file timer, and staying under max_open_files (idle
 * files closed and reopened by path). What happens after it leaves its path: rotate.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "tail/tail_int.h"

#define TAIL_PROBE ((size_t)64 << 10)   /* start at end: look this far back for a newline */
#define CARRY_KEEP ((uint32_t)64 << 10) /* at EOF, longer unfinished lines are re-read later */
#define EVICT_SCAN 64                   /* LRU entries examined to find an idle file */
/* A rotated file at its end is no longer at a watched path: its late writes are looked for
 * this often (one fstat) until rotate_wait_ms passes. */
#define ROT_POLL_US 200000ull
/* A file not looked at for this long gets its fingerprint checked when it has grown. */
#define STALE_LOOK_US 500000ull

enum { OPEN_OK, OPEN_WAIT, OPEN_FAIL, OPEN_GONE };

void lw__file_timer_cb(lw_loop *l, lw_timer *tm, void *ud);

/* ---- Queues (ready, waiting for a descriptor) and the LRU of open files ---- */

void lw__enqueue(lw_tail_file *f, int q, bool front) {
  lw_tail *t = f->t;
  lw_tail_file **head = q == Q_READY ? &t->ready_head : &t->wait_head;
  lw_tail_file **tail = q == Q_READY ? &t->ready_tail : &t->wait_tail;
  lw__queue_del(f);
  f->queue = (uint8_t)q;
  if (front) {
    f->qprev = NULL;
    f->qnext = *head;
    if (*head)
      (*head)->qprev = f;
    else
      *tail = f;
    *head = f;
  } else {
    f->qnext = NULL;
    f->qprev = *tail;
    if (*tail)
      (*tail)->qnext = f;
    else
      *head = f;
    *tail = f;
  }
  if (q == Q_WAIT) {
    t->nwaiting++;
    lw__tail_event(t, LW_TAIL_EV_WAITING, f->path, f->lines.off);
  }
}

void lw__queue_del(lw_tail_file *f) {
  lw_tail *t = f->t;
  if (f->queue == Q_NONE)
    return;
  lw_tail_file **head = f->queue == Q_READY ? &t->ready_head : &t->wait_head;
  lw_tail_file **tail = f->queue == Q_READY ? &t->ready_tail : &t->wait_tail;
  if (f->queue == Q_WAIT)
    t->nwaiting--;
  if (f->qprev)
    f->qprev->qnext = f->qnext;
  else
    *head = f->qnext;
  if (f->qnext)
    f->qnext->qprev = f->qprev;
  else
    *tail = f->qprev;
  f->qnext = f->qprev = NULL;
  f->queue = Q_NONE;
}

void lw__lru_del(lw_tail_file *f) {
  lw_tail *t = f->t;
  if (f->lru_prev)
    f->lru_prev->lru_next = f->lru_next;
  else if (t->lru_head == f)
    t->lru_head = f->lru_next;
  if (f->lru_next)
    f->lru_next->lru_prev = f->lru_prev;
  else if (t->lru_tail == f)
    t->lru_tail = f->lru_prev;
  f->lru_next = f->lru_prev = NULL;
}

void lw__lru_push(lw_tail_file *f) {
  lw_tail *t = f->t;
  f->lru_next = NULL;
  f->lru_prev = t->lru_tail;
  if (t->lru_tail)
    t->lru_tail->lru_next = f;
  else
    t->lru_head = f;
  t->lru_tail = f;
}

void lw__wake_waiting(lw_tail *t) {
  while (t->wait_head) {
    lw_tail_file *f = t->wait_head;
    lw__enqueue(f, Q_READY, false);
  }
  lw__tail_kick(t);
}

void lw__file_ready(lw_tail_file *f) {
  if (f->state == F_CLOSED)
    return;
  f->at_eof = false;
  if (f->pred || f->queue != Q_NONE)
    return; /* the predecessor wakes it; or it is queued already */
  lw__enqueue(f, Q_READY, false);
  lw__tail_kick(f->t);
}

/* ---- Delivery ---- */

/* lw_lines' emit: register the line for acknowledgement, then offer it. */
static int emit(void *ud, const uint8_t *p, size_t len, uint64_t end, unsigned flags) {
  lw_tail_file *f = ud;
  lw_tail *t = f->t;
  if (lw_acks_push(&f->acks, end) != LW_OK)
    return LW_ERR_NOMEM;
  lw_line ln = {.p = p ? p : (const uint8_t *)"",
                .len = len,
                .file = f,
                .end_offset = end,
                .flags = flags,
                .ack_group = lw_acks_last_group(&f->acks)};
  int r = t->cb(t->ud, &ln);
  if (r != LW_OK) {
    lw_acks_undo(&f->acks);
    t->paused = true;
    t->st.refusals++;
    return LW_ERR_QUEUE_FULL;
  }
  t->st.lines++;
  t->st.bytes += len;
  return LW_OK;
}

const lw_lines_emit lw__file_emit = emit;

/* lw_lines' emit_run: register a run of lines for acknowledgement as one group, then offer
 * it (the callback acknowledges a run by its group). */
static int emit_run(void *ud, const lw_lines_run *lr, uint32_t *taken) {
  _Static_assert(LW_LINES_RUN <= LW_ACK_GROUP, "a run fits one acknowledgement group");
  lw_tail_file *f = ud;
  lw_tail *t = f->t;
  const uint32_t n = lr->n;
  if (lw_acks_add_run(&f->acks, lr->off + lr->end[n - 1], n) != LW_OK) {
    *taken = 0;
    return LW_ERR_NOMEM;
  }
  lw_line_run run = {.base = lr->p,
                     .base_off = lr->off,
                     .end = lr->end,
                     .len = lr->len,
                     .first = 0,
                     .n = n,
                     .file = f,
                     .ack_group = lw_acks_last_group(&f->acks)};
  uint32_t got = t->run_cb(t->ud, &run);
  t->st.lines += got;
  if (got == n) {
    t->st.bytes += lr->end[n - 1] - n - lr->crs;
    *taken = n;
    return LW_OK;
  }
  for (uint32_t j = 0; j < got; j++)
    t->st.bytes += lr->len[j];
  uint64_t before = f->acks.committed;
  lw_acks_undo_run(&f->acks, n - got, lr->off + (got ? lr->end[got - 1] : 0));
  if (f->acks.committed != before)
    lw__tail_dirty(t);
  t->paused = true;
  t->st.refusals++;
  *taken = got;
  return LW_ERR_QUEUE_FULL;
}

const lw_lines_emit_run lw__file_emit_run = emit_run;

/* ---- The file timer: multiline flush deadline and rotate_wait ---- */

static void arm_timer(lw_tail_file *f) {
  uint64_t due = f->ev_due_us;
  if (f->close_due_us && (!due || f->close_due_us < due))
    due = f->close_due_us;
  if (f->poll_due_us && (!due || f->poll_due_us < due))
    due = f->poll_due_us;
  if (!due)
    return;
  if (!lw_timer_active(&f->timer) || f->timer.due_us > due)
    lw_timer_start_at(f->t->loop, &f->timer, due);
}

void lw__file_timer_cb(lw_loop *l, lw_timer *tm, void *ud) {
  (void)l;
  (void)tm;
  lw_tail_file *f = ud;
  uint64_t now = lw_now_us();
  bool work = false;
  if (f->ev_due_us && now >= f->ev_due_us) {
    f->ev_due_us = 0;
    if (f->lines.ev_open)
      work = f->need_flush = true;
  }
  if (f->close_due_us && now >= f->close_due_us) {
    f->close_due_us = 0;
    work = f->need_close = true;
  }
  if (f->poll_due_us && now >= f->poll_due_us) {
    f->poll_due_us = 0;
    work = true;
  }
  arm_timer(f);
  if (work)
    lw__file_ready(f);
}

/* After lines were absorbed into a multiline event, (re)set its idle deadline. */
static void note_event(lw_tail_file *f) {
  if (!f->lines.ev_open) {
    f->ev_due_us = 0;
    return;
  }
  if (f->lines.ev_end == f->ev_mark)
    return;
  f->ev_mark = f->lines.ev_end;
  f->ev_due_us = lw_now_us() + (uint64_t)f->t->conf.multiline_flush_ms * 1000u;
  arm_timer(f);
}

/* ---- Creation and destruction ---- */

static int file_open(lw_tail_file *f);

int lw__file_new(lw_tail *t, const char *path, const struct stat *st, bool link, bool at_path) {
  lw_tail_file *f = calloc(1, sizeof(*f));
  if (!f)
    return LW_ERR_NOMEM;
  f->t = t;
  f->path = strdup(path);
  if (!f->path) {
    free(f);
    return LW_ERR_NOMEM;
  }
  f->dev = (uint64_t)st->st_dev;
  f->ino = (uint64_t)st->st_ino;
  f->size = (uint64_t)st->st_size;
  f->fd = f->wd = -1;
  f->state = F_DORMANT;
  f->fresh = true;
  f->link = link;
  f->start_end = t->initial_scan && t->first_start && !t->conf.start_beginning;
  f->seen_gen = t->scan_gen;
  lw_timer_init(&f->timer, lw__file_timer_cb, f);
  lw_lines_init(&f->lines, 0);
  lw_acks_init(&f->acks, 0);
  if (lw_hmap_put(&t->ids, &f->by_id, lw__id_key(f->dev, f->ino)) != LW_OK) {
    free(f->path);
    free(f);
    return LW_ERR_NOMEM;
  }
  if (at_path && lw_hmap_put(&t->paths, &f->by_path, lw__path_key(path)) != LW_OK) {
    lw_hmap_del(&t->ids, &f->by_id);
    free(f->path);
    free(f);
    return LW_ERR_NOMEM;
  }
  f->at_path = at_path;
  f->rotated = !at_path;
  f->next = t->files;
  if (t->files)
    t->files->prev = f;
  t->files = f;
  t->nfiles++;
  lw__tail_event(t, LW_TAIL_EV_FOUND, f->path, 0);
  /* Race (rename + create):
   *  1. app.log (handle A, open) is renamed away (or deleted) and a new app.log B created,
   *     perhaps before any event about it was read
   *  2. the path check finds B's inode at app.log: A loses the path (rotated) and is
   *     remembered as the file that vacated it
   *  3. B's handle (this one) waits for A: A is read on through its descriptor to its end,
   *     then its unfinished line and multiline event are delivered (at its close)
   *  4. then B is read from its beginning; A stays open for rotate_wait_ms of quiet to
   *     catch late writes by an application that has not reopened yet. */
  uint64_t key = lw__path_key(path);
  for (unsigned i = 0; at_path && i < VACATED_SLOTS; i++) {
    lw_tail_file *p = t->vacated[i].f;
    if (t->vacated[i].key != key || !p || p->state != F_OPEN)
      continue;
    t->vacated[i].f = NULL;
    if (!lw__drained(p) && !p->succ) {
      p->succ = f;
      f->pred = p;
    }
    break;
  }
  lw__file_ready(f);
  /* Hold the file right away when a descriptor is free: renamed or deleted a moment later,
   * it is still read through the descriptor. (Beyond max_open_files it is opened by path
   * when its turn comes; a file that vanishes before that was never reachable.) Lines are
   * only delivered later, from the read timer. */
  /* At max_open_files, a new file takes the descriptor of the least recently active idle
   * one (file_open makes room): a file that is about to be written and perhaps deleted soon
   * matters more than one that is quiet and can be reopened by path. */
  file_open(f); /* may find the path changed and reconcile it (f may be gone after) */
  return LW_OK;
}

void lw__file_drop_fd(lw_tail_file *f) {
  lw_tail *t = f->t;
  if (f->fd >= 0) {
    lw__tail_event(t, LW_TAIL_EV_CLOSED, f->path, f->lines.off);
    close(f->fd);
    f->fd = -1;
    t->nopen--;
    lw__lru_del(f);
  }
  lw_watch_unfile(&t->w, f->wd);
  f->wd = -1;
  lw_timer_stop(t->loop, &f->timer);
  f->ev_due_us = f->close_due_us = f->poll_due_us = 0;
}

void lw__fp_note(lw_tail_file *f) {
  bool full = f->fp.len >= LW_FP_MAX;
  if (full == f->fp_full)
    return;
  f->fp_full = full;
  if (full)
    f->t->nfp_full++;
  else
    f->t->nfp_full--;
}

void lw__file_free(lw_tail_file *f) {
  lw_tail *t = f->t;
  if (f->fp_full)
    t->nfp_full--;
  if (f->copy) { /* its copy is on its own now */
    f->copy->copy_of = NULL;
    if (!t->freeing)
      lw__file_ready(f->copy);
    f->copy = NULL;
  }
  if (f->copy_of)
    f->copy_of->copy = NULL;
  lw__queue_del(f);
  lw__file_drop_fd(f);
  if (f->state != F_CLOSED)
    lw_hmap_del(&t->ids, &f->by_id);
  else if (f->closed)
    lw_hmap_del(&t->closed, &f->by_id);
  if (f->at_path)
    lw_hmap_del(&t->paths, &f->by_path);
  if (f->prev)
    f->prev->next = f->next;
  else
    t->files = f->next;
  if (f->next)
    f->next->prev = f->prev;
  lw__unvacate(f, NULL);
  if (f->has_heir)
    lw__heir_unlink(f);
  if (f->pred)
    f->pred->succ = NULL;
  if (f->succ) {
    f->succ->pred = NULL;
    if (!t->freeing)
      lw__file_ready(f->succ);
  }
  lw_lines_free(&f->lines);
  lw_acks_free(&f->acks);
  free(f->path);
  free(f);
  t->nfiles--;
}

void lw__file_release(lw_tail_file *f) {
  if (f->state != F_CLOSED || f->acks.inflight)
    return;
  if (f->orphan_on_free && !f->retired && !f->fresh)
    lw__orphan_add(f->t, f);
  lw__tail_dirty(f->t);
  lw__file_free(f);
}

/* Close an idle open file to free its descriptor; it stays known and is reopened by path
 * when it changes. */
static void evict(lw_tail_file *f) {
  lw_lines_rewind(&f->lines);
  lw_lines_trim(&f->lines);
  lw__file_drop_fd(f);
  f->state = F_DORMANT;
}

/* Find an idle open file (least recently active first) and close it. Returns true when a
 * descriptor was freed. Rotated files are never evicted: they could not be reopened. */
static bool make_room(lw_tail *t) {
  /* First a deleted file read to its end with nothing pending (it could only get late writes
   * from a process still holding it), then the least recently active idle file. */
  for (lw_tail_file *f = t->lru_head; f; f = f->lru_next) {
    if (f->rotated && f->deleted && f->lines.rpos >= f->size && !f->succ &&
        f->lines.rpos == f->lines.off && !f->lines.ev_open) {
      lw__file_close(f);
      return true;
    }
  }
  int n = 0;
  for (lw_tail_file *f = t->lru_head; f && n < EVICT_SCAN; f = f->lru_next, n++) {
    if (f->queue != Q_NONE || f->rotated || !f->at_path || f->lines.ev_open || f->pred ||
        f->need_trunc)
      continue;
    evict(f);
    return true;
  }
  uint64_t now = lw_now_us();
  if (now - t->warn_limit_us > 10000000u || !t->warn_limit_us) {
    t->warn_limit_us = now;
    lw__tail_log(t, LW_TAIL_LOG_WARN,
                 "max_open_files (%d) reached and no idle file to close: files wait for a "
                 "descriptor (rotated files still draining?)",
                 t->conf.max_open_files);
  }
  return false;
}

/* ---- Opening ---- */

/* First offset to read when starting at the end: just after the last newline in the file's
 * last TAIL_PROBE bytes, so a line being written is read whole. */
static uint64_t tail_start(lw_tail *t, int fd, uint64_t size) {
  size_t win = TAIL_PROBE < t->conf.read_block ? TAIL_PROBE : t->conf.read_block;
  if (size < win)
    win = (size_t)size;
  ssize_t n = pread(fd, t->rbuf, win, (off_t)(size - win));
  if (n != (ssize_t)win)
    return size;
  const uint8_t *nl = memrchr(t->rbuf, '\n', win);
  if (nl)
    return size - win + (uint64_t)(nl - t->rbuf) + 1;
  return size == win ? 0 : size;
}

/* Decide where a never-opened file starts: its checkpointed offset when the checkpoint knows
 * this identity (device, inode and fingerprint prefix), else its end at a first start with
 * start_beginning false, else 0. Returns LW_OK or LW_ERR_IO. */
static int first_open(lw_tail_file *f, int fd, uint64_t size) {
  lw_tail *t = f->t;
  uint64_t off = 0, rec_off = 0;
  bool known = false, had_rec = false, cut = false;
  orphan *o;
  /* Several records may share an inode (reused inode, truncated file): the fingerprint
   * picks the right one; the others are stale and dropped. Race (inode reuse against
   * truncation, both seen only at a start or after an idle close):
   *  1. a record says inode 7 at PATH was read to offset N
   *  2. inode 7 is now shorter than N: either the file at PATH was cut (copytruncate while
   *     nobody watched), or PATH's file was deleted and inode 7 given to a new file
   *  3. the same first bytes, or (the file now being shorter than the fingerprint) the same
   *     path: a truncation, counted and logged; else another file on a reused inode, read
   *     from 0 without calling it a truncation. */
  while (!known && (o = lw__orphan_take(t, f->dev, f->ino)) != NULL) {
    if (lw_fp_read(fd, size, &f->fp, &o->rec.fp, &known) != LW_OK) {
      lw__orphan_free(o);
      return LW_ERR_IO;
    }
    had_rec = true;
    off = rec_off = o->rec.offset;
    if (size < rec_off && (known || (size < o->rec.fp.len && !strcmp(o->rec.path, f->path))))
      cut = true;
    lw__orphan_free(o);
  }
  /* Not in the checkpoint: a handle closed with lines in flight may have read it already
   * (see lw__closed_add). */
  lw_tail_file *g = NULL;
  if (!known) {
    int err;
    g = lw__closed_take(t, f->dev, f->ino, fd, size, &f->fp, &err);
    if (err != LW_OK)
      return LW_ERR_IO;
    if (g) {
      known = true;
      cut = false;
      off = g->lines.off;
      lw__tail_log(t, LW_TAIL_LOG_DEBUG, "%s: read up to %llu already (as %s)", f->path,
                   (unsigned long long)off, g->path);
    }
  }
  if (!known && lw_fp_read(fd, size, &f->fp, NULL, NULL) != LW_OK)
    return LW_ERR_IO;
  lw__fp_note(f);
  if (cut) {
    /* Shorter than its checkpoint (cut while nobody watched): what it holds now is new. */
    t->st.truncations++;
    lw__tail_log(t, LW_TAIL_LOG_INFO, "%s: shorter than its checkpoint; reading from 0", f->path);
    lw__tail_event(t, LW_TAIL_EV_TRUNCATED, f->path, 0);
    off = 0;
  } else if (!known) {
    /* Unknown, or the same inode with other first bytes (reused, rewritten): a new file, or
     * a copy of a followed file (copytruncate with the copies matched too), which waits. */
    if (had_rec)
      lw__tail_log(t, LW_TAIL_LOG_DEBUG, "%s: inode reused by a new file", f->path);
    off = f->start_end ? tail_start(t, fd, size) : 0;
    if (!f->start_end && !t->initial_scan)
      lw__copy_decide(f, fd, size);
  }
  lw_lines_init(&f->lines, off);
  lw_acks_init(&f->acks, off);
  if (g)
    lw__heir_link(g, f);
  f->fresh = false;
  return LW_OK;
}

static int file_open(lw_tail_file *f) {
  lw_tail *t = f->t;
  if (t->nopen >= (uint64_t)t->conf.max_open_files && !make_room(t))
    return OPEN_WAIT;
  int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    int e = errno;
    if (e == EMFILE || e == ENFILE)
      return OPEN_WAIT;
    if (e == ENOENT && !f->at_path) { /* a rotated file to drain, gone meanwhile */
      lw__file_close(f);
      return OPEN_GONE;
    }
    if (e == ENOENT) {
      char *p = strdup(f->path);
      if (p)
        lw__check_path(t, p); /* f is gone from its path: reconcile (may free f) */
      free(p);
      return OPEN_GONE;
    }
    t->st.read_errors++;
    uint64_t now = lw_now_us();
    if (now - t->warn_io_us > 10000000u || !t->warn_io_us) {
      t->warn_io_us = now;
      lw__tail_log(t, LW_TAIL_LOG_WARN, "cannot open %s: %s", f->path, strerror(e));
    }
    return OPEN_FAIL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    t->st.read_errors++;
    return OPEN_FAIL;
  }
  if ((uint64_t)st.st_dev != f->dev || (uint64_t)st.st_ino != f->ino) {
    /* Race (path replaced under us):
     *  1. a stat of the path found inode A and made this handle for it
     *  2. before this open, A was renamed away or deleted and a new file B took the path
     *  3. the open returned B: A is not at the path any more, B is a new file. Reconcile
     *     the path, which gives B its own handle and starts draining or dropping A. */
    close(fd);
    char *p = strdup(f->path);
    if (p)
      lw__check_path(t, p);
    free(p);
    return OPEN_GONE;
  }
  if (f->fresh) {
    if (first_open(f, fd, (uint64_t)st.st_size) != LW_OK) {
      close(fd);
      t->st.read_errors++;
      return OPEN_FAIL;
    }
  } else {
    /* Reopened after an idle close: the same inode must still hold the same content. */
    int err;
    if ((uint64_t)st.st_size < f->lines.off || !lw_fp_check(fd, &f->fp, &err))
      f->need_trunc = true;
  }
  f->fd = fd;
  f->state = F_OPEN;
  t->nopen++;
  lw__tail_event(t, LW_TAIL_EV_OPENED, f->path, f->lines.off);
  lw__lru_push(f);
  if (f->link)
    f->wd = lw_watch_file(&t->w, f->path, f);
  lw__tail_dirty(t);
  return OPEN_OK;
}

/* ---- Reading ---- */

/* A (possible) copy waiting for its original has nothing to deliver: a file rotated after
 * it must not wait for it. */
static void waiting_copy(lw_tail_file *f) {
  f->at_eof = true;
  if (lw__drained(f))
    lw__wake_succ(f);
}

void lw__file_work(lw_tail_file *f, size_t *budget) {
  lw_tail *t = f->t;
  if (f->state == F_CLOSED || f->pred)
    return;
  if (f->state == F_DORMANT) {
    int r = file_open(f);
    if (r == OPEN_WAIT)
      lw__enqueue(f, Q_WAIT, false);
    if (r != OPEN_OK)
      return;
  }
  lw__lru_del(f);
  lw__lru_push(f);
  if (f->need_trunc) {
    lw__file_truncate(f);
    return;
  }
  struct stat st;
  if (fstat(f->fd, &st) != 0) {
    t->st.read_errors++;
    return;
  }
  uint64_t size = (uint64_t)st.st_size;
  /* A copy waits for its original's truncation: unless it left its path (then it starts
   * where the original's delivered lines end) or outgrew the original (not a copy). */
  if (f->copy_of) {
    struct stat gs;
    lw_tail_file *g = f->copy_of;
    if (f->rotated)
      lw__copy_release(g);
    else if (g->fd >= 0 && fstat(g->fd, &gs) == 0 && size > (uint64_t)gs.st_size &&
             lw_fp_check(g->fd, &g->fp, &(int){0}))
      lw__copy_drop(f);
    else
      waiting_copy(f);
    return;
  }
  if (f->undecided && lw__copy_decide(f, f->fd, size) != 0) {
    waiting_copy(f);
    return;
  }
  /* Race (truncation between two reads, copytruncate):
   *  1. the last look read up to rpos and saw size S
   *  2. the file is cut to 0 and the application writes N bytes
   *  3. this look sees size N: N < S or N < rpos means 2. happened; reading goes on from 0
   *     under a new handle (file_truncate)
   *  4. if N >= S already, the size cannot tell; the fingerprint can: for a file shorter
   *     than 1 KiB it is checked at every look (it is being grown by the same read), for a
   *     longer one when the sweep saw the size change (need_fp). A cut that keeps the first
   *     KiB and regrows past rpos between two looks goes unnoticed. */
  int err = LW_OK;
  bool same = true;
  uint64_t now = lw_now_us();
  if (f->fp.len < LW_FP_MAX && size > f->size) /* small file: checking costs no extra read */
  {
    lw_fp_grow(f->fd, size, &f->fp, &same);
    lw__fp_note(f);
  }
  /* Not looked at for a while (reading paused while Kafka was slow, the process stopped):
   * a cut file had all that time to regrow past its old size. */
  else if (size > f->size && now - f->look_us > STALE_LOOK_US)
    f->need_fp = true;
  f->look_us = now;
  if (!same || size < f->size || size < f->lines.rpos ||
      (f->need_fp && !lw_fp_check(f->fd, &f->fp, &err))) {
    lw__file_truncate(f);
    return;
  }
  f->need_fp = false;
  f->size = size;
  if (f->need_flush) {
    f->need_flush = false;
    int r = lw_lines_flush(&f->lines, &t->lc, f);
    if (r != LW_OK) {
      f->need_flush = true;
      lw__enqueue(f, Q_READY, r == LW_ERR_QUEUE_FULL);
      t->backoff = r != LW_ERR_QUEUE_FULL;
      return;
    }
    f->ev_due_us = 0;
  }
  bool got = false;
  while (f->lines.rpos < size) {
    if (!*budget) {
      lw__enqueue(f, Q_READY, false);
      return;
    }
    ssize_t n = pread(f->fd, t->rbuf, t->conf.read_block, (off_t)f->lines.rpos);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      t->st.read_errors++;
      if (now - t->warn_io_us > 10000000u || !t->warn_io_us) {
        t->warn_io_us = now;
        lw__tail_log(t, LW_TAIL_LOG_WARN, "read %s: %s", f->path, strerror(e));
      }
      return; /* the next event or sweep tries again */
    }
    if (n == 0)
      break;
    got = true;
    t->st.bytes_read += (uint64_t)n;
    *budget -= (size_t)n < *budget ? (size_t)n : *budget;
    int r = lw_lines_feed(&f->lines, &t->lc, t->rbuf, (size_t)n, f, &t->lst);
    note_event(f);
    if (r != LW_OK) {
      /* Refused: the line is read again from the file after resume (lines rewound). */
      lw__enqueue(f, Q_READY, r == LW_ERR_QUEUE_FULL);
      t->backoff = r != LW_ERR_QUEUE_FULL;
      return;
    }
    if (f->lines.rpos > size)
      size = f->size = f->lines.rpos;
  }
  f->at_eof = true;
  if (lw__drained(f))
    lw__wake_succ(f);
  if (t->wait_head)
    lw__wake_waiting(t);
  if (f->rotated) {
    if (got) {
      f->need_close = false;
      f->close_due_us = 0;
    }
    /* Deleted (no name left): only a process still holding it open can add to it, and no
     * restart could find it again. It waits rotate_wait_ms like a renamed file, but gives its
     * descriptor up first when a new file needs one (make_room). */
    f->deleted = st.st_nlink == 0;
    if (f->need_close || t->conf.rotate_wait_ms < 0 || f->from_copy) {
      lw__file_finish(f);
      return;
    }
    if (!f->close_due_us)
      f->close_due_us = now + (uint64_t)t->conf.rotate_wait_ms * 1000u;
    f->poll_due_us = now + ROT_POLL_US;
    arm_timer(f);
  }
  if (f->lines.carry_len > CARRY_KEEP)
    lw_lines_rewind(&f->lines);
  lw_lines_trim(&f->lines);
}
