/* tail.h — follow log files through rotation, truncation and restarts, line by line, driven by
 * the one event loop (net/loop.h). tail/ knows nothing of Kafka: it hands out lines through a
 * callback and is told, out of order, which of them are safely stored (lw_tail_ack).
 *
 * One lw_tail is one configured input: a set of globs, the files they match, and one
 * checkpoint file. Everything runs in the loop's thread but the periodic checkpoint write
 * (write + fsync of a small file, at most every checkpoint_ms), which a writer thread does
 * (ckwriter.h); the first one and the last one (lw_tail_checkpoint, lw_tail_free) block.
 *
 * Delivery contract (at-least-once, nothing lost, nothing reordered within a file):
 *  - Every line is offered to the callback exactly once while the process runs, in file order
 *    per lw_tail_file. A line the callback accepts (LW_OK) must later be acknowledged exactly
 *    once with lw_tail_ack(file, end_offset); acks may come in any order.
 *  - A file's checkpointed offset only moves past a line when that line and every line before
 *    it in the same file were acknowledged. After a crash or restart, reading resumes at that
 *    offset: lines delivered but not acknowledged are offered again. Acknowledgements are
 *    tracked per group of 64 consecutive lines (memory O(in flight / 64)), so the offset
 *    moves a whole group at a time and up to 63 acknowledged lines per file may be offered
 *    again too.
 *  - The callback may refuse a line (LW_ERR_QUEUE_FULL). Reading then stops for every file of
 *    this input, without polling, until lw_tail_resume(); the same line is offered first.
 *
 * What a file is: a file is known by device, inode and a fingerprint (FNV-1a 64 of its first
 * bytes, up to 1 KiB, compared on the common prefix while the file is shorter), so a reused
 * inode with new content is a new file, and a renamed file is the same file.
 *
 * Rotation (rename + create, or delete): the old file keeps being read through its open
 * descriptor to its end; the new file at the path is read from its beginning once the old one
 * reached its end. A rotated or deleted file is closed when it has stayed at its end for
 * rotate_wait_ms (late writes by the application are read until then); its last line, when
 * it has no newline, is then delivered with LW_LINE_NO_NEWLINE (before the new file's
 * lines: the new file waits for that). If the input stops before a file renamed out of the
 * globs was drained (reading paused by backpressure), the checkpoint records where the file
 * went, found through its descriptor, and the next run drains it from its acknowledged
 * offset if it is still there with the same identity. A deleted file cannot be resumed.
 *
 * copytruncate: a file shrinking below what was read (or whose first bytes changed) is
 * treated as truncated: what it held past what was read is read from its copy in the same
 * directory (same fingerprint, at least as long as what was read; copy.c), else counted in
 * truncation_lost_bytes with a warning; its pending partial line and multiline event are
 * delivered, then the file is read again from offset 0 as a new lw_tail_file (the old handle
 * stays valid until its lines are acknowledged). A copy the globs match too waits, unread,
 * for its original's truncation and is then read from where the original's lines end.
 * copytruncate itself loses what the application writes between the copy and the truncation.
 *
 * At lw_tail_free a partial last line (no newline yet) and a pending multiline event are NOT
 * delivered: they are left unread, and the checkpoint makes the next run read them again.
 *
 * Limits worth knowing:
 *  - One state_path per input (two inputs must not share one). A checkpoint write rewrites
 *    every record (about 100 bytes per file) and happens only when an offset or the file set
 *    changed. Records of files not seen any more are kept 24 hours (renamed back, unmounted).
 *  - A file is held by a descriptor from the moment it is found (up to max_open_files, by
 *    default nearly the whole descriptor limit); one renamed away or deleted before tail
 *    found it, or while it waited for a descriptor, cannot be read by anyone following paths.
 *  - Files that are idle may be closed to stay under max_open_files and are reopened by path
 *    when they change; what is written to such a file after it is renamed out of the globs
 *    (or deleted) and before tail reopens it is out of reach. Rotated files are never closed
 *    early, except deleted ones read to their end when a new file needs the descriptor. */
#ifndef LW_TAIL_H
#define LW_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/loop.h"

typedef struct lw_tail lw_tail;           /* one input */
typedef struct lw_tail_file lw_tail_file; /* one file (one content generation of an inode) */

/* lw_line.flags */
enum {
  LW_LINE_SPLIT = 1u << 0,      /* a piece of a line longer than max_line_bytes: the next
                                   piece (in the same file) continues it without a newline */
  LW_LINE_TRUNCATED = 1u << 1,  /* bytes past max_line_bytes were dropped (counted) */
  LW_LINE_NO_NEWLINE = 1u << 2, /* the file ended without a newline after this line (it was
                                   rotated, deleted or truncated and then drained) */
};

/* Log levels of lw_tail_conf.log. tail/ never prints by itself. */
enum { LW_TAIL_LOG_ERROR = 0, LW_TAIL_LOG_WARN = 1, LW_TAIL_LOG_INFO = 2, LW_TAIL_LOG_DEBUG = 3 };

/* What happened to a file (lw_tail_conf.event), for debug logs. */
enum lw_tail_event {
  LW_TAIL_EV_FOUND,     /* a matching file appeared (or was there at the start) */
  LW_TAIL_EV_OPENED,    /* it got a descriptor */
  LW_TAIL_EV_ROTATED,   /* renamed away from its path (drained from its descriptor) */
  LW_TAIL_EV_DELETED,   /* unlinked (drained from its descriptor) */
  LW_TAIL_EV_TRUNCATED, /* shorter than what was read: read again from 0 */
  LW_TAIL_EV_CLOSED,    /* its descriptor was given up */
  LW_TAIL_EV_WAITING,   /* it waits for a descriptor (max_open_files) */
};
/* "found", "opened", ... */
const char *lw_tail_event_name(int ev);

/* A run of whole lines of one file, in file order, all with flags 0 and one ack_group: what
 * lw_tail_conf.run is given instead of n calls of the line callback. */
typedef struct lw_line_run {
  const uint8_t *base; /* the bytes the lines lie in; borrowed until the callback returns */
  uint64_t base_off;   /* file offset of base[0] */
  const uint32_t *end; /* end[i]: offset in base just past line i's '\n' */
  const uint32_t *len; /* len[i]: line i's length (without '\n', and '\r' when stripped) */
  uint32_t first;      /* offset in base where line 0 begins; line i > 0 begins at end[i-1] */
  uint32_t n;          /* lines, >= 1 */
  lw_tail_file *file;  /* as lw_line.file */
  uint32_t ack_group;  /* as lw_line.ack_group, for every line of the run */
} lw_line_run;

/* Run callback: take the lines of `run` as n calls of the line callback would, the same ud;
 * line i's lw_line is {base + start_i, len[i], file, base_off + end[i], 0, ack_group}. Returns
 * how many lines it took, in order (n: all); fewer means the next one was refused, as a line
 * callback's refusal (reading pauses, that line is offered first after lw_tail_resume). */
typedef uint32_t (*lw_tail_run_cb)(void *ud, const lw_line_run *run);

typedef struct lw_tail_conf {
  const char *name; /* input name, used in log messages */
  /* Globs, each matched per path component with fnmatch(3) (`*`, `?`, `[...]`, `\` escapes;
   * FNM_PERIOD: a leading dot must be matched explicitly). Relative globs are relative to the
   * working directory at lw_tail_new. Directories that do not exist yet are waited for; ones
   * that cannot be read (permissions, symlink loops) are logged and looked at again with a
   * backoff (1 s doubling to 60 s), counted in read_errors. */
  const char *const *paths;
  int npaths;
  /* Exclusions, applied to matched files: a pattern without '/' is matched against the base
   * name, one with '/' against the full path (FNM_PATHNAME). */
  const char *const *exclude;
  int nexclude;
  /* Where files present at the FIRST start (no checkpoint yet) begin: false (default) = at
   * their end (after their last newline), true = at their beginning. Files that appear later,
   * or that are unknown to an existing checkpoint, are always read from their beginning. */
  bool start_beginning;
  size_t max_line_bytes;    /* 0 = 1 MiB; at most 64 MiB */
  bool truncate_long_lines; /* false: split a longer line into max_line_bytes pieces
                               (LW_LINE_SPLIT); true: keep the first piece
                               (LW_LINE_TRUNCATED), drop and count the rest */
  bool strip_cr;            /* strip one '\r' before the '\n' (lw_tail_conf_init: true) */
  /* POSIX extended regex (regex.h, REG_EXTENDED|REG_NOSUB) or NULL. A line matching it starts
   * an event; other lines are appended to the current event, joined with '\n'. An event is
   * delivered when the next start line arrives, after multiline_flush_ms without a new line,
   * or when its rotated file is drained. Its end_offset is that of its last line. An event
   * longer than max_line_bytes is split or truncated like a long line. */
  const char *multiline_start;
  int multiline_flush_ms; /* 0 = 1000 */
  int poll_ms;            /* stat-polling interval when inotify is not used; 0 = 1000 */
  bool force_poll;        /* poll even when inotify works (NFS and other network file systems) */
  int max_watches;        /* inotify watches this input may hold; past it, or past the kernel's
                             limit (ENOSPC), the input switches to polling; 0 = no own limit */
  int sweep_ms;           /* safety-net fstat sweep of open files with inotify; 0 = 3000 */
  int rotate_wait_ms;     /* keep a rotated/deleted file open this long at its end; 0 = 5000,
                             negative = close as soon as it is drained */
  int max_open_files;     /* descriptors this input may hold; 0 = derived from the process's
                             descriptor limit (lw_tail_max_open_files(soft limit, 1)). Beyond
                             it, idle files are closed (and reopened by path when they
                             change), deleted drained files first */
  const char *state_path; /* checkpoint file, NULL = none (every start is a first start) */
  int checkpoint_ms;      /* at most one checkpoint write per interval; 0 = 1000 */
  size_t read_block;      /* read size; 0 = 256 KiB; 4 KiB to 16 MiB */
  /* Log callback (may be NULL): level LW_TAIL_LOG_*, msg a NUL-terminated line without a
   * trailing newline, valid during the call. */
  void (*log)(void *ud, int level, const char *msg);
  void *log_ud;
  /* File event callback (may be NULL; called with log_ud): ev an enum lw_tail_event, path the
   * file's path (valid during the call), offset how far it was read. */
  void (*event)(void *ud, int ev, const char *path, uint64_t offset);
  /* Optional (may be NULL; called with lw_tail_new's ud): whole lines found together are
   * handed over in runs through it (without multiline), the others one by one through the
   * line callback. Either way each line is offered once, in file order. */
  lw_tail_run_cb run;
} lw_tail_conf;

/* Fill *c with the defaults (every field zero/NULL except strip_cr = true). */
void lw_tail_conf_init(lw_tail_conf *c);

/* Descriptors a process keeps for what is not a followed file (sockets to brokers and HTTP
 * clients, etcd, checkpoint and state files, inotify, the loop's own) when the files' share
 * is derived from its limit; and the largest share. */
#define LW_TAIL_FD_RESERVE     256
#define LW_TAIL_MAX_OPEN_FILES 1048576
/* The max_open_files each of `ninputs` inputs (0 counts as 1) may hold under a descriptor
 * limit of `limit` (RLIMIT_NOFILE's soft value; 0 = unlimited, taken as 1048576 + the
 * reserve): (limit - LW_TAIL_FD_RESERVE) / ninputs, or (limit / 2) / ninputs when the limit
 * is below twice the reserve; at least 1, at most LW_TAIL_MAX_OPEN_FILES. Pure. */
int lw_tail_max_open_files(uint64_t limit, unsigned ninputs);

typedef struct lw_line {
  const uint8_t *p; /* line bytes without its '\n' (and '\r' when stripped); borrowed until the
                       callback returns; NUL bytes and invalid UTF-8 are passed unchanged */
  size_t len;
  lw_tail_file *file;  /* to acknowledge with; valid at least until this line is acked */
  uint64_t end_offset; /* file offset just past the line (past its '\n'); strictly increasing
                          within one lw_tail_file */
  unsigned flags;      /* LW_LINE_* */
  uint32_t ack_group;  /* for lw_tail_ack_n: lines of one file with the same ack_group can be
                          acknowledged together */
} lw_line;

/* Line callback. Return LW_OK to accept the line (then ack it exactly once, later or from
 * inside this callback), or LW_ERR_QUEUE_FULL to refuse it: tail stops reading every file of
 * this input and offers the same line again after lw_tail_resume(). Any other value is
 * treated as LW_ERR_QUEUE_FULL. The callback may call lw_tail_ack, lw_tail_stats_get and
 * lw_tail_idle; it must not call lw_tail_free. A refused line must not be acknowledged. */
typedef int (*lw_tail_line_cb)(void *ud, const lw_line *line);

/* Create an input: compile the globs and the regex, load the checkpoint (a corrupt one is
 * reported through conf->log and the previous good generation used; with none usable, files
 * are read from their beginning), set up inotify (or polling), scan the globs once. Lines are
 * delivered from the loop's callbacks, never from inside lw_tail_new. conf and its strings are
 * copied. Returns LW_OK, LW_ERR_CONFIG (bad glob, regex or limit), LW_ERR_NOMEM or LW_ERR_IO;
 * *out owned by the caller (lw_tail_free). */
int lw_tail_new(lw_tail **out, lw_loop *loop, const lw_tail_conf *conf, lw_tail_line_cb cb,
                void *ud);
/* Write a final checkpoint, close every file and free everything, including lw_tail_file
 * handles with unacknowledged lines (their lines count as not acknowledged). NULL is fine. */
void lw_tail_free(lw_tail *t);

/* Resume reading after the callback refused a line. Cheap; harmless when not paused. */
void lw_tail_resume(lw_tail *t);
/* True while reading is paused by a refused line. */
bool lw_tail_paused(const lw_tail *t);

/* Acknowledge the line of `f` that ended at `end_offset` (exactly once per accepted line, in
 * any order). Returns LW_OK, or LW_ERR_INVALID_ARG (nothing changes) for an offset at or before
 * the acknowledged offset, past the last line delivered, or inside a group of lines that are
 * all acknowledged already; a wrong offset inside a group with unacknowledged lines cannot be
 * told from a right one (it counts for that group). After the last ack of a file that is
 * closed (rotated away and drained, or truncated), the handle is freed: do not use it again. */
int lw_tail_ack(lw_tail *t, lw_tail_file *f, uint64_t end_offset);
/* Acknowledge n lines of `file` that all had ack_group `group` (in any order, each line once
 * in all, whether by lw_tail_ack or here): one call where n calls of lw_tail_ack would do.
 * Returns LW_OK, or LW_ERR_INVALID_ARG when the group has fewer lines unacknowledged. */
int lw_tail_ack_n(lw_tail *t, lw_tail_file *file, uint32_t group, uint32_t n);

/* Write the checkpoint now. Returns LW_OK (also when there is no state_path) or LW_ERR_IO. */
int lw_tail_checkpoint(lw_tail *t);

/* True when every matched file was read to its end, no multiline event is pending, nothing is
 * paused and every delivered line is acknowledged (for a --once mode). A partial last line of
 * a file still at its path does not count (it may never be finished). */
bool lw_tail_idle(const lw_tail *t);

typedef struct lw_tail_stats {
  uint64_t lines;                 /* lines accepted by the callback */
  uint64_t bytes;                 /* their payload bytes */
  uint64_t bytes_read;            /* bytes read from files */
  uint64_t lines_inflight;        /* accepted, not yet acknowledged */
  uint64_t lag_bytes;             /* bytes in the files not yet acknowledged: sum over files
                                     (rotated ones still draining included) of their size now
                                     minus their acknowledged offset */
  uint64_t files_tracked;         /* file handles alive (open, closed-idle, awaiting acks) */
  uint64_t files_open;            /* descriptors held */
  uint64_t files_waiting;         /* files waiting for a descriptor (max_open_files) */
  uint64_t rotations;             /* files that left their path (renamed away or deleted) */
  uint64_t files_rotated;         /* rotated (renamed away or deleted) files still open:
                                     being drained or within rotate_wait_ms */
  uint64_t truncations;           /* files read again from 0 after shrinking */
  uint64_t truncation_copies;     /* truncations whose rest was read from the copy */
  uint64_t truncation_lost_bytes; /* truncations with no copy found: bytes the file held
                                     past what was read (possibly lost) */
  uint64_t long_lines;            /* lines longer than max_line_bytes (split or truncated) */
  uint64_t dropped_bytes;         /* bytes dropped by truncate_long_lines */
  uint64_t read_errors;           /* failed open/read/fstat calls */
  uint64_t refusals;              /* lines refused by the callback (pauses) */
  uint64_t checkpoint_writes;     /* successful checkpoint writes */
  uint64_t checkpoint_errors;     /* failed writes and corrupt generations found at load */
  uint64_t watches;               /* inotify watches held */
  bool polling;                   /* stat polling instead of inotify */
} lw_tail_stats;

/* Fill *s (a snapshot; lag_bytes walks the file table). */
void lw_tail_stats_get(const lw_tail *t, lw_tail_stats *s);

typedef struct lw_tail_file_info {
  const char *path;      /* path the file was last known at; borrowed until the next call
                            into this lw_tail */
  uint64_t dev, ino;     /* identity */
  uint64_t size;         /* size at the last look */
  uint64_t read_offset;  /* bytes delivered or held in a pending multiline event */
  uint64_t acked_offset; /* what the checkpoint records for this file */
  uint64_t inflight;     /* lines accepted, not acknowledged */
  bool open;             /* holds a descriptor */
  bool rotated;          /* no longer at its path: being drained, or awaiting acks */
} lw_tail_file_info;

/* Describe one file. */
void lw_tail_file_info_get(const lw_tail_file *f, lw_tail_file_info *out);
/* Path the file was last known at (borrowed, valid while f is). */
const char *lw_tail_file_path(const lw_tail_file *f);
/* Call cb for every file handle of the input (order unspecified). cb must not call into t. */
void lw_tail_foreach_file(const lw_tail *t, void (*cb)(void *ud, const lw_tail_file_info *fi),
                          void *ud);

#endif
