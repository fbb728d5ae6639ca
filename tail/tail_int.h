/* tail_int.h — what tail.c (the input), file.c (one file) and scan.c (globs and events) share:
 * the input and per-file structures and the functions they call in each other. Not part of
 * the public API. */
#ifndef LW_TAIL_INT_H
#define LW_TAIL_INT_H

#include <regex.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "tail/acks.h"
#include "tail/checkpoint.h"
#include "tail/ckwriter.h"
#include "tail/glob.h"
#include "base/hmap.h"
#include "tail/ident.h"
#include "tail/lines.h"
#include "tail/tail.h"
#include "tail/watch.h"

enum { F_DORMANT, F_OPEN, F_CLOSED }; /* lw_tail_file.state */
enum { Q_NONE, Q_READY, Q_WAIT };     /* lw_tail_file.queue */

#define VACATED_SLOTS 64 /* recently vacated paths remembered for rotation order */

/* One file: one content generation of an inode. States:
 *   F_DORMANT  known at its path, no descriptor (never opened yet, or closed while idle to
 *              stay under max_open_files); reopened by path when it changes
 *   F_OPEN     descriptor held; read through it even after rename or deletion
 *   F_CLOSED   finished (rotated away and drained, truncated, or gone); the handle lives on
 *              only until its delivered lines are all acknowledged
 *
 * Memory per file: sizeof(struct lw_tail_file) is 400 bytes on x86-64 (checked by the test
 * tail_scale::per_file_structure_is_small), plus its path, its share of the two hash tables
 * (16 bytes) and 16 bytes per LW_ACK_GROUP lines in flight. Measured with bench_tail: 485
 * heap bytes per idle file at 10,000 files with 36-byte paths (about 4.9 MB). The
 * unfinished-line and multiline buffers exist only while a file holds such data; at end of
 * file an unfinished line over 64 KiB is dropped and read again later instead of kept. */
struct lw_tail_file {
  lw_tail *t;
  lw_hnode by_id;   /* t->ids, key id_key(dev, ino), while not F_CLOSED; then t->closed while
                     * `closed` (see lw__closed_add) */
  lw_hnode by_path; /* t->paths, key path_key(path), while at_path */
  lw_tail_file *next, *prev;         /* t->files: every handle */
  lw_tail_file *qnext, *qprev;       /* t->ready or t->waiting, per `queue` */
  lw_tail_file *lru_next, *lru_prev; /* t->lru: F_OPEN files, least recently active first */
  lw_tail_file *pred, *succ;         /* rotation order: read only after pred reached its end */
  /* copytruncate with the copies matched too: copy_of is the followed file this one is a
   * copy of (its first bytes are that file's; it waits, unread, for that file's truncation,
   * then starts where that file's delivered lines end); copy is the reverse link. */
  lw_tail_file *copy_of, *copy;
  /* Continuation: this handle took over the bytes another one delivered (a copy starting
   * where its original's delivered lines end, a closed handle's file found again). Until the
   * older handle's lines are acknowledged, this one's checkpoint offset is the older one's
   * committed offset when lower (lw__ckpt_offset): a crash then reads those lines again
   * instead of losing them (has_heir marks the older one). */
  lw_tail_file *heir_of;
  char *path; /* owned: where the file was last known */
  uint64_t dev, ino;
  lw_fp fp;
  uint64_t size;       /* size at the last look */
  uint64_t sweep_size; /* size at the last sweep (a change triggers a fingerprint check) */
  uint64_t ev_mark;    /* multiline: ev_end when the flush deadline was last set */
  uint64_t ev_due_us, close_due_us; /* file timer deadlines, 0 = none */
  uint64_t poll_due_us;             /* rotated, at its end: look for late writes then */
  uint64_t look_us;                 /* last look (fstat) at the file */
  lw_lines lines;
  lw_acks acks;
  lw_timer timer; /* multiline flush, rotate_wait and late-write polls */
  int fd, wd;     /* descriptor (-1), file watch for symlinked paths (-1) */
  unsigned seen_gen;
  uint8_t state, queue;
  bool at_path;        /* in t->paths: `path` refers to this file */
  bool rotated;        /* left its path while open: drain, then close */
  bool fresh;          /* never opened: start offset not decided yet */
  bool start_end;      /* found at a first start with start_beginning false: start at its end */
  bool at_eof;         /* the last read reached the end and nothing changed since */
  bool link : 1;       /* the path's last component is a symlink */
  bool need_flush : 1; /* multiline flush deadline passed */
  bool need_close : 1; /* rotate_wait passed */
  bool need_trunc : 1; /* truncation seen, its finish refused: retry it first */
  bool need_fp : 1;    /* grown since the last sweep: verify the fingerprint */
  bool retired : 1;    /* replaced by a new handle after truncation */
  bool gone : 1;       /* rotated and no name left (deleted): nothing to resume later */
  bool deleted : 1;    /* rotated, and no link left at its last look (st_nlink 0) */
  bool undecided : 1;  /* new, and so far a prefix of a followed file: maybe a copy being made */
  bool from_copy : 1;  /* truncated; now reading its rest from the copy (closed at its end) */
  bool orphan_on_free : 1; /* still exists on disk: keep its record after it is freed */
  bool fp_full : 1;        /* counted in t->nfp_full (lw__fp_note) */
  bool closed : 1;         /* F_CLOSED, still on disk, lines in flight: in t->closed */
  bool has_heir : 1;       /* a handle continues this one (its heir_of is this one) */
};

typedef struct orphan {
  lw_hnode node; /* t->orphans, key id_key(dev, ino) */
  lw_ckpt_rec rec;
} orphan;

struct lw_tail {
  lw_loop *loop;
  lw_tail_conf conf; /* copy; its strings point to the owned copies below */
  char *name, *state_path, *ml_src;
  lw_tail_line_cb cb;
  lw_tail_run_cb run_cb; /* conf.run */
  void *ud;
  lw_globset gs;
  regex_t re;
  bool have_re;
  lw_lines_conf lc;
  lw_lines_scratch scratch;
  lw_watch w;
  lw_hmap ids, paths, orphans;
  lw_hmap closed; /* F_CLOSED handles of files still on disk, lines in flight (by_id) */
  lw_tail_file *files;
  lw_tail_file *ready_head, *ready_tail, *wait_head, *wait_tail;
  lw_tail_file *lru_head, *lru_tail;
  uint64_t nfiles, nopen, nwaiting, norphans;
  /* Handles whose fingerprint is complete (LW_FP_MAX bytes): only they can be the original of
   * a copy, so a new file looks for its original only when there is one (lw__copy_decide
   * walks every handle: with thousands of small files churning, that walk was most of the
   * agent's time). */
  uint64_t nfp_full;
  lw_timer read_timer, rescan_timer, ckpt_timer;
  uint8_t *rbuf; /* read_block bytes, shared by every file */
  bool paused, first_start, initial_scan, scanning, dirty, backoff, freeing;
  bool ckpt_cur_bad; /* the state file was corrupt at load: replace it, keep .prev */
  unsigned scan_gen;
  /* Directories a scan could not read (no permission, I/O error): looked at again with a
   * backoff, since no event comes from a directory that cannot be watched. */
  unsigned scan_errs;        /* errors in the scan under way */
  int scan_errno;            /* the first one's errno */
  char scan_first_path[256]; /* and directory (cut) */
  char scan_err_path[256];   /* the directory last warned about */
  uint64_t scan_retry_us;    /* next retry delay; 0 while every directory is readable */
  uint64_t scan_warn_us;     /* last warning about them */
  struct {
    uint64_t key;
    lw_tail_file *f;
  } vacated[VACATED_SLOTS];
  unsigned vac_next;
  lw_buf ckbuf;
  lw_ckwriter *ckw; /* checkpoint writer thread, started at the first periodic write */
  uint64_t ckpt_gen, last_ckpt_us;
  uint64_t last_sync_us;  /* last durable (fsynced) checkpoint write */
  uint64_t ckpt_retry_us; /* backoff after a failed write; 0 while writes succeed */
  bool unsynced;          /* a cheap write since the last durable one */
  uint64_t warn_limit_us, warn_io_us, warn_ckpt_us, warn_trunc_us; /* one warning per 10 s */
  lw_tail_stats st;
  lw_lines_stats lst;
};

/* file.c: keep t->nfp_full in step with f->fp after it changed. */
void lw__fp_note(lw_tail_file *f);

/* tail.c */
/* Report a file event through conf.event (when set). */
void lw__tail_event(lw_tail *t, int ev, const char *path, uint64_t offset);
void lw__tail_log(lw_tail *t, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void lw__tail_kick(lw_tail *t);  /* make sure the read timer runs soon (unless paused) */
void lw__tail_dirty(lw_tail *t); /* the checkpoint changed: write within checkpoint_ms */
uint64_t lw__id_key(uint64_t dev, uint64_t ino);
uint64_t lw__path_key(const char *path);
lw_tail_file *lw__find_id(const lw_tail *t, uint64_t dev, uint64_t ino);
lw_tail_file *lw__find_path(const lw_tail *t, const char *path);
/* Take the orphan record of (dev, ino), if any (caller frees it with lw__orphan_free). */
orphan *lw__orphan_take(lw_tail *t, uint64_t dev, uint64_t ino);
void lw__orphan_free(orphan *o);
/* Remember a freed file's position for when it matches again (rename back, restart). */
void lw__orphan_add(lw_tail *t, const lw_tail_file *f);
/* f was just closed (F_CLOSED) with lines in flight and its file still on disk: keep it
 * findable by identity until it is freed (lw__closed_take). */
void lw__closed_add(lw_tail_file *f);
/* h continues g's delivered bytes (same offsets): link them while g has lines in flight. */
void lw__heir_link(lw_tail_file *g, lw_tail_file *h);
/* g is going away: whoever continues it continues what g continued. */
void lw__heir_unlink(lw_tail_file *g);
/* What the checkpoint records for f: its committed offset, or lower while a handle it
 * continues has lines in flight. It only ever lowers the offset: where the older handle reads
 * on past the takeover (a copy that left its path while its original grows), a crash may send
 * more lines again, never fewer. */
uint64_t lw__ckpt_offset(const lw_tail_file *f);
/* A closed handle of (dev, ino) whose fingerprint fd's first bytes match (fd holds `size`
 * bytes, at least the handle's delivered offset): taken out of t->closed, marked retired (the
 * new handle of the same file continues it), returned; NULL when none. *fp is fd's
 * fingerprint then. Returns LW_ERR_IO through *err on a read error. */
lw_tail_file *lw__closed_take(lw_tail *t, uint64_t dev, uint64_t ino, int fd, uint64_t size,
                              lw_fp *fp, int *err);

/* file.c */
extern const lw_lines_emit lw__file_emit;
extern const lw_lines_emit_run lw__file_emit_run;
void lw__enqueue(lw_tail_file *f, int q, bool front); /* into Q_READY or Q_WAIT */
void lw__lru_del(lw_tail_file *f);
void lw__lru_push(lw_tail_file *f);
void lw__file_timer_cb(lw_loop *l, lw_timer *tm, void *ud);
/* New handle for a file found at `path` (at_path: matched by the globs there; false: a
 * rotated file to drain, from the checkpoint). Returns LW_OK or LW_ERR_NOMEM. */
int lw__file_new(lw_tail *t, const char *path, const struct stat *st, bool link, bool at_path);

/* rotate.c */
bool lw__drained(const lw_tail_file *f); /* a successor at its old path may start */
void lw__wake_succ(lw_tail_file *f);
void lw__unvacate(lw_tail_file *f, lw_tail_file *repl);
/* Rotated file: learn where it is now through its descriptor (path, or gone). */
void lw__file_where(lw_tail_file *f);
void lw__file_close(lw_tail_file *f);    /* finished for good; released when acknowledged */
void lw__file_finish(lw_tail_file *f);   /* deliver what is pending, then close */
void lw__file_truncate(lw_tail_file *f); /* truncated: a new handle reads from 0 */
/* A new file h just opened (fd, size): is it a copy of a followed file in its directory?
 * Returns 0 (no: a new file), 1 (yes: h->copy_of set, h waits) or 2 (undecided: its bytes so
 * far are a prefix of such a file; decide again when it grows). */
int lw__copy_decide(lw_tail_file *h, int fd, uint64_t size);
/* The copy of f, just truncated: a regular file in f's directory, another inode, at least as
 * long as what f read, whose first bytes match f's fingerprint; the newest if several. Fills
 * out (its path) and *st. Returns false when there is none. */
bool lw__copy_find(lw_tail_file *f, char *out, size_t cap, struct stat *st);
/* g's copy h starts being read at g's delivered offset (g truncated, closed or freed). */
void lw__copy_release(lw_tail_file *g);
/* h (waiting as a copy) grew past its original: it is a file of its own, read from 0. */
void lw__copy_drop(lw_tail_file *h);
void lw__file_path_lost(lw_tail_file *f);
void lw__file_path_moved(lw_tail_file *f, const char *path);
void lw__file_ready(lw_tail_file *f);
void lw__file_work(lw_tail_file *f, size_t *budget);
/* Close the descriptor (if any), drop its watch and timer: no longer F_OPEN. */
void lw__file_drop_fd(lw_tail_file *f);
void lw__file_free(lw_tail_file *f);
void lw__file_release(lw_tail_file *f); /* free when F_CLOSED and nothing in flight */
void lw__queue_del(lw_tail_file *f);
void lw__wake_waiting(lw_tail *t);

/* scan.c */
void lw__scan_all(lw_tail *t);
/* After the first scan: drain rotated files the checkpoint says were left unfinished. */
void lw__resume_rotated(lw_tail *t);
void lw__scan_soon(lw_tail *t);
void lw__rescan_cb(lw_loop *l, lw_timer *tm, void *ud); /* t->rescan_timer's callback */
void lw__check_path(lw_tail *t, const char *path);
extern const lw_watch_cbs lw__watch_cbs;

#endif
