/* tail.c — one input: configuration, the file tables, the read scheduler, acknowledgements,
 * checkpoints and statistics (public API in tail.h; per-file logic in file.c, path logic in
 * scan.c). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/err.h"
#include "tail/tail_int.h"

#define DEF_MAX_LINE      ((size_t)1 << 20)
#define MAX_MAX_LINE      ((size_t)64 << 20)
#define DEF_READ_BLOCK    ((size_t)256 << 10)
#define MIN_READ_BLOCK    ((size_t)4 << 10)
#define MAX_READ_BLOCK    ((size_t)16 << 20)
#define READ_BUDGET_BLKS  8       /* blocks read per read-timer run before yielding to the loop */
#define READ_BUDGET_FILES 512     /* files handled per read-timer run */
#define BACKOFF_US        100000u /* retry delay after an allocation failure */
#define ORPHAN_TTL_S      (24 * 3600) /* checkpoint records of files not seen are kept a day */
#define MAX_ORPHANS       65536u
#define CKBUF_KEEP        ((size_t)256 << 10)
/* Checkpoints: written (to the page cache, no fsync) at most this often after offsets move,
 * so a killed process resends at most this much acknowledged work; fsynced every
 * checkpoint_ms. A failed write is retried after a backoff doubling up to the cap. */
#define CKPT_CHEAP_US     25000ull
#define CKPT_RETRY_MIN_US 100000ull
#define CKPT_RETRY_MAX_US 5000000ull

void lw_tail_conf_init(lw_tail_conf *c) {
  memset(c, 0, sizeof(*c));
  c->strip_cr = true;
}

/* Past a soft limit of 2 * LW_TAIL_FD_RESERVE the files get all but the reserve; below it,
 * half (a tiny limit is shared, not handed to the files whole). */
int lw_tail_max_open_files(uint64_t limit, unsigned ninputs) {
  if (!limit || limit > LW_TAIL_MAX_OPEN_FILES + LW_TAIL_FD_RESERVE)
    limit = LW_TAIL_MAX_OPEN_FILES + LW_TAIL_FD_RESERVE;
  uint64_t files = limit > 2 * LW_TAIL_FD_RESERVE ? limit - LW_TAIL_FD_RESERVE : limit / 2;
  files /= ninputs ? ninputs : 1;
  return files ? (int)files : 1;
}

const char *lw_tail_event_name(int ev) {
  static const char *n[] = {
      "found", "opened", "rotated", "deleted", "truncated", "closed", "waiting for a descriptor"};
  return ev >= 0 && ev <= LW_TAIL_EV_WAITING ? n[ev] : "?";
}

void lw__tail_event(lw_tail *t, int ev, const char *path, uint64_t offset) {
  if (t->conf.event)
    t->conf.event(t->conf.log_ud, ev, path ? path : "", offset);
}

void lw__tail_log(lw_tail *t, int level, const char *fmt, ...) {
  if (!t->conf.log)
    return;
  char msg[1024];
  int n = snprintf(msg, sizeof msg, "tail %s: ", t->name);
  va_list ap;
  va_start(ap, fmt);
  if (n > 0 && (size_t)n < sizeof msg)
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
  va_end(ap);
  t->conf.log(t->conf.log_ud, level, msg);
}

/* ---- Tables ---- */

uint64_t lw__id_key(uint64_t dev, uint64_t ino) {
  uint64_t k[2] = {dev, ino};
  return lw_fnv1a64(LW_FNV_INIT, k, sizeof k);
}

uint64_t lw__path_key(const char *path) {
  return lw_fnv1a64(LW_FNV_INIT, path, strlen(path));
}

lw_tail_file *lw__find_id(const lw_tail *t, uint64_t dev, uint64_t ino) {
  for (lw_hnode *n = lw_hmap_first(&t->ids, lw__id_key(dev, ino)); n; n = lw_hmap_next(n)) {
    lw_tail_file *f = (lw_tail_file *)((char *)n - offsetof(lw_tail_file, by_id));
    if (f->dev == dev && f->ino == ino)
      return f;
  }
  return NULL;
}

lw_tail_file *lw__find_path(const lw_tail *t, const char *path) {
  for (lw_hnode *n = lw_hmap_first(&t->paths, lw__path_key(path)); n; n = lw_hmap_next(n)) {
    lw_tail_file *f = (lw_tail_file *)((char *)n - offsetof(lw_tail_file, by_path));
    if (strcmp(f->path, path) == 0)
      return f;
  }
  return NULL;
}

/* ---- Orphans: checkpoint records of files not currently followed ---- */

orphan *lw__orphan_take(lw_tail *t, uint64_t dev, uint64_t ino) {
  for (lw_hnode *n = lw_hmap_first(&t->orphans, lw__id_key(dev, ino)); n; n = lw_hmap_next(n)) {
    orphan *o = (orphan *)n;
    if (o->rec.dev == dev && o->rec.ino == ino) {
      lw_hmap_del(&t->orphans, &o->node);
      t->norphans--;
      lw__tail_dirty(t);
      return o;
    }
  }
  return NULL;
}

void lw__orphan_free(orphan *o) {
  free(o->rec.path);
  free(o);
}

static bool orphan_put(lw_tail *t, const lw_ckpt_rec *r) {
  if (t->norphans >= MAX_ORPHANS)
    return false;
  orphan *o = malloc(sizeof(*o));
  if (!o)
    return false;
  o->rec = *r;
  if (lw_hmap_put(&t->orphans, &o->node, lw__id_key(r->dev, r->ino)) != LW_OK) {
    free(o);
    return false;
  }
  t->norphans++;
  return true;
}

void lw__orphan_add(lw_tail *t, const lw_tail_file *f) {
  lw_ckpt_rec r = {.dev = f->dev,
                   .ino = f->ino,
                   .fp = f->fp,
                   .offset = lw__ckpt_offset(f),
                   .seen_s = lw_wall_ms() / 1000,
                   .path = strdup(f->path)};
  if (!r.path || !orphan_put(t, &r))
    free(r.path);
}

/* Race (a copy found after its original's truncation was handled; copytruncate with the
 * copies matched too, the process stopped or slow):
 *  1. app.log is copied to app.log.1 and truncated before tail looks at either
 *  2. tail sees app.log's truncation first: it reads the copy's rest through a descriptor of
 *     its own (the copy has no handle yet), then closes it at the copy's end; its lines are
 *     still in flight, so it has no orphan record yet, and closed it left t->ids
 *  3. app.log.1's creation event (or a scan) is handled: no handle, no record. Without the
 *     table below it would be a new file, read again from 0 (every line of the copy twice)
 *  4. with it, the new handle (first_open) finds the closed one by inode and fingerprint and
 *     starts where its delivered lines end; the closed one is retired (it gives its inode's
 *     checkpoint record to the new handle) and freed when its lines are acknowledged. As
 *     for a followed copy taking over (lw__file_truncate, 2b), the new handle continues the
 *     closed one (lw__heir_link): until the closed handle's lines are acknowledged, the
 *     record says the closed handle's committed offset, so a crash reads them again.
 * Once freed, a handle leaves an orphan record instead (lw__file_release). */
void lw__closed_add(lw_tail_file *f) {
  if (f->closed || f->retired || !f->orphan_on_free || !f->acks.inflight)
    return;
  f->closed = lw_hmap_put(&f->t->closed, &f->by_id, lw__id_key(f->dev, f->ino)) == LW_OK;
}

void lw__heir_link(lw_tail_file *g, lw_tail_file *h) {
  if (g == h || !g->acks.inflight)
    return;
  if (g->has_heir) /* one heir at a time: the newer one */
    lw__heir_unlink(g);
  h->heir_of = g;
  g->has_heir = true;
}

/* Rare (a takeover's older handle freed): a walk over the handles. */
void lw__heir_unlink(lw_tail_file *g) {
  for (lw_tail_file *f = g->t->files; f; f = f->next)
    if (f->heir_of == g)
      f->heir_of = g->heir_of;
  g->has_heir = false;
}

uint64_t lw__ckpt_offset(const lw_tail_file *f) {
  uint64_t off = f->acks.committed;
  for (const lw_tail_file *p = f->heir_of; p; p = p->heir_of)
    if (p->acks.inflight && p->acks.committed < off)
      off = p->acks.committed;
  return off;
}

lw_tail_file *lw__closed_take(lw_tail *t, uint64_t dev, uint64_t ino, int fd, uint64_t size,
                              lw_fp *fp, int *err) {
  *err = LW_OK;
  for (lw_hnode *n = lw_hmap_first(&t->closed, lw__id_key(dev, ino)); n; n = lw_hmap_next(n)) {
    lw_tail_file *g = (lw_tail_file *)((char *)n - offsetof(lw_tail_file, by_id));
    bool same = false;
    if (g->dev != dev || g->ino != ino || size < g->lines.off)
      continue;
    *err = lw_fp_read(fd, size, fp, &g->fp, &same);
    if (*err != LW_OK)
      return NULL;
    if (!same)
      continue;
    lw_hmap_del(&t->closed, &g->by_id);
    g->closed = g->orphan_on_free = false;
    g->retired = true;
    return g;
  }
  return NULL;
}

static void orphans_free(lw_tail *t) {
  lw_hiter it = {0};
  lw_hnode *n;
  while ((n = lw_hmap_iter(&t->orphans, &it)) != NULL) {
    lw_hmap_del(&t->orphans, n);
    lw__orphan_free((orphan *)n);
  }
  t->norphans = 0;
  lw_hmap_free(&t->orphans);
}

/* ---- Checkpoints ---- */

/* Encode the checkpoint of every file into t->ckbuf (next generation). Returns LW_OK or an
 * encoding error. */
static int ckpt_encode(lw_tail *t) {
  int64_t now_s = lw_wall_ms() / 1000;
  lw_ckpt_begin(&t->ckbuf, t->ckpt_gen + 1);
  for (lw_tail_file *f = t->files; f; f = f->next) {
    /* Never-opened files have no position yet (the next run reads them from 0); a retired
     * handle's content is gone (its inode is recorded by its successor); a waiting copy's
     * content is its original's. */
    if (f->fresh || f->retired || f->copy_of || f->undecided)
      continue;
    /* A rotated file being drained: record where it is now, so a restart can finish it. A
     * deleted one (no link left at its last look) has no name to find: no readlink, which
     * with thousands of deleted files draining (file churn) cost more than the encoding. */
    if (f->rotated && f->state == F_OPEN && !f->gone) {
      if (f->deleted)
        f->gone = true;
      else
        lw__file_where(f);
    }
    if (f->rotated && f->gone)
      continue;
    lw_ckpt_rec r = {.dev = f->dev,
                     .ino = f->ino,
                     .fp = f->fp,
                     .offset = lw__ckpt_offset(f),
                     .seen_s = now_s,
                     .flags = f->rotated ? LW_CKPT_ROTATED : 0,
                     .path = f->path};
    lw_ckpt_add(&t->ckbuf, &r);
  }
  lw_hiter it = {0};
  lw_hnode *n;
  while ((n = lw_hmap_iter(&t->orphans, &it)) != NULL) {
    orphan *o = (orphan *)n;
    if (now_s - o->rec.seen_s > ORPHAN_TTL_S) {
      lw_hmap_del(&t->orphans, n);
      t->norphans--;
      lw__orphan_free(o);
      continue;
    }
    lw_ckpt_add(&t->ckbuf, &o->rec);
  }
  return lw_ckpt_end(&t->ckbuf);
}

static void ckpt_arm(lw_tail *t);

/* The outcome of a checkpoint write (synchronous, or reported by the writer thread). A
 * failure (full disk) is retried after a backoff doubling up to CKPT_RETRY_MAX_US, with
 * whatever has changed by then; the error is logged at the first failure and then at most
 * every 10 s. */
static void ckpt_result(lw_tail *t, int rc, int e) {
  uint64_t now = lw_now_us();
  if (rc == LW_OK) {
    t->ckpt_cur_bad = false;
    t->st.checkpoint_writes++;
    if (t->ckpt_retry_us)
      lw__tail_log(t, LW_TAIL_LOG_INFO, "checkpoint %s written again", t->state_path);
    t->ckpt_retry_us = 0;
    return;
  }
  t->st.checkpoint_errors++;
  bool first = !t->ckpt_retry_us;
  uint64_t d = t->ckpt_retry_us ? t->ckpt_retry_us * 2 : CKPT_RETRY_MIN_US;
  t->ckpt_retry_us = d < CKPT_RETRY_MAX_US ? d : CKPT_RETRY_MAX_US;
  t->last_ckpt_us = now;
  if (first || now - t->warn_ckpt_us >= 10000000u) {
    t->warn_ckpt_us = now;
    lw__tail_log(t, LW_TAIL_LOG_ERROR,
                 "checkpoint %s not written: %s; retrying every %llu ms at most (free space in "
                 "state_dir: until then a restart reads again from the last checkpoint)",
                 t->state_path, rc == LW_ERR_IO ? strerror(e) : lw_err_str(rc),
                 (unsigned long long)(CKPT_RETRY_MAX_US / 1000));
  }
  if (!t->freeing) {
    t->dirty = true;
    ckpt_arm(t);
  }
}

static void ckpt_written(void *ud, int rc, int e) {
  ckpt_result(ud, rc, e);
}

/* Bookkeeping once a generation was written or queued. */
static void ckpt_done(lw_tail *t, bool durable) {
  t->ckpt_gen++;
  t->dirty = false;
  t->last_ckpt_us = lw_now_us();
  t->unsynced = !durable;
  if (durable)
    t->last_sync_us = t->last_ckpt_us;
}

/* Write the checkpoint now, on this thread (start, lw_tail_checkpoint, lw_tail_free): after
 * any write of the writer thread, so that no older generation lands after this one. durable:
 * fsync it (see lw_ckpt_write). Returns LW_OK, or the encoding or LW_ERR_IO error (errno
 * kept). */
static int ckpt_write(lw_tail *t, bool durable) {
  if (!t->state_path)
    return LW_OK;
  if (t->ckw)
    lw_ckwriter_wait(t->ckw);
  /* PATH only ever holds a durable generation (a cheap one goes to PATH.live), so a durable
   * write rotates it to PATH.prev, unless loading found it bad. */
  bool keep_prev = t->ckpt_cur_bad;
  int rc = ckpt_encode(t);
  if (rc == LW_OK)
    rc = lw_ckpt_write(t->state_path, t->ckbuf.data, t->ckbuf.len, keep_prev, durable);
  int e = errno;
  if (rc == LW_OK)
    ckpt_done(t, durable);
  ckpt_result(t, rc, e);
  if (t->ckbuf.cap > CKBUF_KEEP)
    lw_buf_free(&t->ckbuf);
  errno = e;
  return rc;
}

/* When the next checkpoint write is due: a cheap one CKPT_CHEAP_US after the last write
 * (coalescing every acknowledgement in between), a durable one checkpoint_ms after the last
 * durable write, a retry after the backoff. 0: nothing to write. */
static uint64_t ckpt_due(const lw_tail *t) {
  if (t->ckpt_retry_us)
    return t->last_ckpt_us + t->ckpt_retry_us;
  uint64_t sync_due = t->last_sync_us + (uint64_t)t->conf.checkpoint_ms * 1000u;
  if (t->dirty) {
    uint64_t cheap = t->last_ckpt_us + CKPT_CHEAP_US;
    return cheap < sync_due ? cheap : sync_due;
  }
  return t->unsynced ? sync_due : 0;
}

static void ckpt_arm(lw_tail *t) {
  uint64_t due = ckpt_due(t);
  if (!due || !t->state_path || t->freeing)
    return;
  uint64_t now = lw_now_us();
  if (due < now)
    due = now;
  if (!lw_timer_active(&t->ckpt_timer) || t->ckpt_timer.due_us > due)
    lw_timer_start_at(t->loop, &t->ckpt_timer, due);
}

/* Encode here (microseconds) and leave the write, and its fsyncs when durable, to the writer
 * thread, off the loop's critical path. Without the thread (it could not start) the write is
 * done here. */
static void ckpt_timer_cb(lw_loop *l, lw_timer *tm, void *ud) {
  (void)l;
  (void)tm;
  lw_tail *t = ud;
  if ((!t->dirty && !t->unsynced) || !t->state_path)
    return;
  bool durable = lw_now_us() - t->last_sync_us >= (uint64_t)t->conf.checkpoint_ms * 1000u;
  bool keep_prev = t->ckpt_cur_bad;
  if (!t->ckw && lw_ckwriter_new(&t->ckw, t->loop, t->state_path, ckpt_written, t) != LW_OK)
    t->ckw = NULL;
  int rc = t->ckw ? ckpt_encode(t) : LW_ERR_IO;
  if (rc == LW_OK)
    rc = lw_ckwriter_submit(t->ckw, t->ckbuf.data, t->ckbuf.len, keep_prev, durable);
  if (rc == LW_OK) /* queued as the next generation; a failure comes back through ckpt_written */
    ckpt_done(t, durable);
  else
    ckpt_write(t, durable);
  if (t->ckbuf.cap > CKBUF_KEEP)
    lw_buf_free(&t->ckbuf);
  ckpt_arm(t);
}

void lw__tail_dirty(lw_tail *t) {
  t->dirty = true;
  ckpt_arm(t);
}

int lw_tail_checkpoint(lw_tail *t) {
  return ckpt_write(t, true);
}

/* Load the checkpoint into the orphan table; decide whether this is a first start. */
static void ckpt_load(lw_tail *t) {
  t->first_start = true;
  if (!t->state_path)
    return;
  lw_ckpt ck;
  lw_ckpt_report rep;
  int rc = lw_ckpt_load(t->state_path, &ck, &rep);
  static const char *const which[] = {"", ".prev", ".tmp", ".live"};
  if (rep.cur == LW_ERR_CORRUPT || rep.cur == LW_ERR_IO) {
    t->st.checkpoint_errors++;
    t->ckpt_cur_bad = rep.prev == LW_OK; /* do not rotate the bad one over the good one */
    if (rc == LW_OK)
      lw__tail_log(t, LW_TAIL_LOG_WARN,
                   "checkpoint %s is %s; using the previous generation %llu (%s%s)", t->state_path,
                   rep.cur == LW_ERR_IO ? "unreadable" : "corrupt", (unsigned long long)rep.gen,
                   t->state_path, which[rep.used]);
  }
  if (rc == LW_ERR_NOT_FOUND)
    return;
  t->first_start = false;
  if (rc != LW_OK) {
    lw__tail_log(t, LW_TAIL_LOG_ERROR,
                 "checkpoint %s: no valid generation; files are read from their beginning",
                 t->state_path);
    return;
  }
  t->ckpt_gen = ck.gen;
  for (size_t i = 0; i < ck.n; i++) {
    if (orphan_put(t, &ck.r[i]))
      ck.r[i].path = NULL; /* now owned by the orphan */
  }
  lw_ckpt_free(&ck);
}

/* ---- Reading ---- */

static void read_timer_cb(lw_loop *l, lw_timer *tm, void *ud) {
  (void)l;
  (void)tm;
  lw_tail *t = ud;
  size_t budget = READ_BUDGET_BLKS * t->conf.read_block;
  int files = READ_BUDGET_FILES;
  t->backoff = false;
  while (!t->paused && t->ready_head && budget && files--) {
    lw_tail_file *f = t->ready_head;
    lw__queue_del(f);
    lw__file_work(f, &budget);
  }
  lw__tail_kick(t);
}

void lw__tail_kick(lw_tail *t) {
  if (t->paused || !t->ready_head || t->freeing || lw_timer_active(&t->read_timer))
    return;
  lw_timer_start(t->loop, &t->read_timer, t->backoff ? BACKOFF_US : 0);
}

void lw_tail_resume(lw_tail *t) {
  if (!t->paused)
    return;
  t->paused = false;
  lw__tail_kick(t);
}

bool lw_tail_paused(const lw_tail *t) {
  return t->paused;
}

int lw_tail_ack_n(lw_tail *t, lw_tail_file *f, uint32_t group, uint32_t n) {
  uint64_t before = f->acks.committed;
  int rc = lw_acks_ack_n(&f->acks, group, n);
  if (rc != LW_OK)
    return rc;
  if (f->acks.committed != before)
    lw__tail_dirty(t);
  lw__file_release(f);
  return LW_OK;
}

int lw_tail_ack(lw_tail *t, lw_tail_file *f, uint64_t end_offset) {
  uint64_t before = f->acks.committed;
  int rc = lw_acks_ack(&f->acks, end_offset);
  if (rc != LW_OK)
    return rc;
  if (f->acks.committed != before)
    lw__tail_dirty(t);
  lw__file_release(f);
  return LW_OK;
}

/* ---- Life cycle ---- */

static char *dup_or_null(const char *s, bool *fail) {
  if (!s)
    return NULL;
  char *d = strdup(s);
  if (!d)
    *fail = true;
  return d;
}

/* Apply defaults and check limits. Returns LW_OK or LW_ERR_CONFIG. */
static int conf_fix(lw_tail_conf *c) {
  if (!c->max_line_bytes)
    c->max_line_bytes = DEF_MAX_LINE;
  if (!c->multiline_flush_ms)
    c->multiline_flush_ms = 1000;
  if (!c->poll_ms)
    c->poll_ms = 1000;
  if (!c->sweep_ms)
    c->sweep_ms = 3000;
  if (!c->rotate_wait_ms)
    c->rotate_wait_ms = 5000;
  if (!c->max_open_files) {
    struct rlimit rl;
    uint64_t lim = 0; /* unlimited */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
      lim = (uint64_t)rl.rlim_cur;
    c->max_open_files = lw_tail_max_open_files(lim, 1);
  }
  if (!c->checkpoint_ms)
    c->checkpoint_ms = 1000;
  if (!c->read_block)
    c->read_block = DEF_READ_BLOCK;
  if (c->max_line_bytes > MAX_MAX_LINE || c->multiline_flush_ms < 0 || c->poll_ms < 0 ||
      c->sweep_ms < 0 || c->max_open_files < 0 || c->checkpoint_ms < 0 ||
      c->read_block < MIN_READ_BLOCK || c->read_block > MAX_READ_BLOCK)
    return LW_ERR_CONFIG;
  return LW_OK;
}

int lw_tail_new(lw_tail **out, lw_loop *loop, const lw_tail_conf *conf, lw_tail_line_cb cb,
                void *ud) {
  *out = NULL;
  if (!loop || !conf || !cb)
    return LW_ERR_INVALID_ARG;
  lw_tail *t = calloc(1, sizeof(*t));
  if (!t)
    return LW_ERR_NOMEM;
  int rc = LW_ERR_NOMEM;
  bool fail = false;
  t->loop = loop;
  t->cb = cb;
  t->run_cb = conf->run;
  t->ud = ud;
  t->conf = *conf;
  t->name = dup_or_null(conf->name ? conf->name : "input", &fail);
  t->state_path = dup_or_null(conf->state_path, &fail);
  t->ml_src = dup_or_null(conf->multiline_start, &fail);
  t->conf.name = t->name;
  t->conf.state_path = t->state_path;
  t->conf.multiline_start = t->ml_src;
  t->conf.paths = t->conf.exclude = NULL;
  lw_hmap_init(&t->ids);
  lw_hmap_init(&t->paths);
  lw_hmap_init(&t->orphans);
  lw_hmap_init(&t->closed);
  lw_buf_init(&t->ckbuf, LW_CKPT_MAX_BYTES);
  lw_timer_init(&t->read_timer, read_timer_cb, t);
  lw_timer_init(&t->ckpt_timer, ckpt_timer_cb, t);
  lw_timer_init(&t->rescan_timer, lw__rescan_cb, t);
  if (fail)
    goto fail;
  rc = conf_fix(&t->conf);
  if (rc != LW_OK)
    goto fail;
  rc = lw_globset_init(&t->gs, conf->paths, conf->npaths, conf->exclude, conf->nexclude);
  if (rc != LW_OK)
    goto fail;
  if (t->ml_src) {
    rc = LW_ERR_CONFIG;
    if (regcomp(&t->re, t->ml_src, REG_EXTENDED | REG_NOSUB) != 0)
      goto fail;
    t->have_re = true;
  }
  t->lc = (lw_lines_conf){.max_line = t->conf.max_line_bytes,
                          .truncate = t->conf.truncate_long_lines,
                          .strip_cr = t->conf.strip_cr,
                          .start = t->have_re ? &t->re : NULL,
                          .scratch = &t->scratch,
                          .emit = lw__file_emit,
                          .emit_run = t->conf.run ? lw__file_emit_run : NULL};
  rc = LW_ERR_NOMEM;
  t->rbuf = malloc(t->conf.read_block);
  if (!t->rbuf)
    goto fail;
  ckpt_load(t);
  rc = lw_watch_init(&t->w, loop, t->conf.force_poll, t->conf.poll_ms, t->conf.sweep_ms,
                     t->conf.max_watches, &lw__watch_cbs, t);
  if (rc != LW_OK)
    goto fail;
  t->initial_scan = true;
  lw__scan_all(t);
  t->initial_scan = false;
  lw__resume_rotated(t);
  *out = t;
  return LW_OK;
fail:
  lw_tail_free(t);
  return rc;
}

void lw_tail_free(lw_tail *t) {
  if (!t)
    return;
  if (t->w.loop && t->state_path)
    ckpt_write(t, true);
  t->freeing = true;
  lw_ckwriter_free(t->ckw);
  t->ckw = NULL;
  while (t->files)
    lw__file_free(t->files);
  if (t->w.loop)
    lw_watch_free(&t->w);
  lw_timer_stop(t->loop, &t->read_timer);
  lw_timer_stop(t->loop, &t->ckpt_timer);
  lw_timer_stop(t->loop, &t->rescan_timer);
  orphans_free(t);
  lw_hmap_free(&t->ids);
  lw_hmap_free(&t->paths);
  lw_hmap_free(&t->closed);
  lw_buf_free(&t->ckbuf);
  if (t->have_re)
    regfree(&t->re);
  lw_globset_free(&t->gs);
  free(t->rbuf);
  free(t->scratch.p);
  free(t->name);
  free(t->state_path);
  free(t->ml_src);
  free(t);
}

/* ---- Introspection ---- */

bool lw_tail_idle(const lw_tail *t) {
  if (t->paused || t->ready_head || t->wait_head)
    return false;
  for (const lw_tail_file *f = t->files; f; f = f->next) {
    if (f->copy_of || (f->undecided && !f->acks.inflight))
      continue; /* what a waiting copy holds is shipped from its original */
    if (f->acks.inflight || f->fresh || f->pred)
      return false;
    if (f->state != F_OPEN)
      continue;
    if (f->lines.ev_open || f->size > f->lines.rpos || (f->rotated && f->lines.rpos > f->lines.off))
      return false;
  }
  return true;
}

void lw_tail_stats_get(const lw_tail *t, lw_tail_stats *s) {
  *s = t->st;
  s->long_lines = t->lst.long_lines;
  s->dropped_bytes = t->lst.dropped_bytes;
  s->files_tracked = t->nfiles;
  s->files_open = t->nopen;
  s->files_waiting = t->nwaiting;
  s->watches = t->w.nwatch;
  s->polling = t->w.polling;
  s->lines_inflight = s->lag_bytes = s->files_rotated = 0;
  for (const lw_tail_file *f = t->files; f; f = f->next) {
    s->lines_inflight += f->acks.inflight;
    if (f->rotated && f->state == F_OPEN)
      s->files_rotated++;
    if (f->retired || f->copy_of || f->undecided)
      continue;
    /* The size now, not at the last read: reading may be paused (Kafka slow or down), and
     * a rotated file may have been written to since it was read to its end. */
    uint64_t size = f->size;
    struct stat st;
    if (f->fd >= 0 && fstat(f->fd, &st) == 0)
      size = (uint64_t)st.st_size;
    uint64_t from = f->fresh ? (f->start_end ? size : 0) : lw__ckpt_offset(f);
    if (size > from)
      s->lag_bytes += size - from;
  }
}

void lw_tail_file_info_get(const lw_tail_file *f, lw_tail_file_info *out) {
  *out = (lw_tail_file_info){.path = f->path,
                             .dev = f->dev,
                             .ino = f->ino,
                             .size = f->size,
                             .read_offset = f->lines.off,
                             .acked_offset = lw__ckpt_offset(f),
                             .inflight = f->acks.inflight,
                             .open = f->state == F_OPEN,
                             .rotated = f->rotated || !f->at_path};
}

const char *lw_tail_file_path(const lw_tail_file *f) {
  return f->path;
}

void lw_tail_foreach_file(const lw_tail *t, void (*cb)(void *ud, const lw_tail_file_info *fi),
                          void *ud) {
  for (const lw_tail_file *f = t->files; f; f = f->next) {
    lw_tail_file_info fi;
    lw_tail_file_info_get(f, &fi);
    cb(ud, &fi);
  }
}
