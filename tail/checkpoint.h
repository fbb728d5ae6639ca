/* checkpoint.h — the input's state file: per file (device, inode, fingerprint, path, acked
 * offset), as text with a checksum, written atomically, read back from the newest valid
 * generation.
 *
 * Format (one record per line; the path is length-prefixed so any byte may appear in it):
 *
 *   logwire-tail-state 1 gen=<generation>\n
 *   <dev> <ino> <fp_len> <fp_hash:16 hex> <offset> <seen_s> <flags> <path_len> <path>\n ...
 *   end <FNV-1a 64 of every byte before "end", 16 hex>\n
 *
 * Generations on disk: PATH (the last durable one), PATH.prev (the durable one before),
 * PATH.tmp (being written), PATH.live (the last cheap one). A durable write is: PATH.tmp
 * written and fsynced, PATH renamed to PATH.prev, PATH.tmp renamed to PATH, directory
 * fsynced. A cheap write (no fsync) overwrites PATH.live in place: no new file and no rename,
 * so it costs one pwrite and, on ext4, no immediate disk write. Loading takes the valid file
 * with the highest generation among the four, so a crash at any step, a torn write or a
 * flipped byte falls back to the newest good generation: after a kill, PATH.live (the page
 * cache survives); after a power loss that tore it, PATH. */
#ifndef LW_TAIL_CHECKPOINT_H
#define LW_TAIL_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "tail/ident.h"

#define LW_CKPT_MAX_BYTES   ((size_t)64 << 20)
#define LW_CKPT_MAX_RECORDS (1u << 20)

/* lw_ckpt_rec.flags */
enum {
  /* The file had left the globs (renamed away) and was still being drained: `path` is where
   * it was found through its descriptor, and a restart drains it from there. */
  LW_CKPT_ROTATED = 1u << 0,
};

typedef struct lw_ckpt_rec {
  uint64_t dev, ino;
  lw_fp fp;
  uint64_t offset; /* acknowledged offset */
  int64_t seen_s;  /* wall-clock seconds when the file was last known to exist */
  uint32_t flags;  /* LW_CKPT_* */
  char *path;      /* where the file was (found by identity, except LW_CKPT_ROTATED); owned
                      when decoded */
} lw_ckpt_rec;

typedef struct lw_ckpt {
  uint64_t gen;
  lw_ckpt_rec *r; /* owned */
  size_t n;
} lw_ckpt;

void lw_ckpt_free(lw_ckpt *c);

/* Streaming encoder onto b (reset first): begin, one add per record, end. Errors are sticky
 * in b->err (LW_ERR_TOO_LARGE past LW_CKPT_MAX_BYTES, LW_ERR_NOMEM); lw_ckpt_end returns it. */
void lw_ckpt_begin(lw_buf *b, uint64_t gen);
void lw_ckpt_add(lw_buf *b, const lw_ckpt_rec *r);
int lw_ckpt_end(lw_buf *b);

/* Parse a whole state file. Returns LW_OK (*out filled, caller frees with lw_ckpt_free) or
 * LW_ERR_CORRUPT (anything malformed, truncated, or a checksum mismatch; *out untouched). */
int lw_ckpt_decode(const uint8_t *p, size_t len, lw_ckpt *out);

/* Write p[0..len) as the new generation at `path` (see the header comment). durable: through
 * PATH.tmp to PATH, fsynced with the directory (survives a power loss); on failure PATH.tmp is
 * removed. keep_prev (durable only): the current PATH is known to be bad (lw_ckpt_load
 * reported it): replace it without rotating it over PATH.prev. Not durable: into PATH.live in
 * place; the write stops at the page cache, which survives the process being killed, and costs
 * no disk flush. Returns LW_OK or LW_ERR_IO (errno kept). */
int lw_ckpt_write(const char *path, const uint8_t *p, size_t len, bool keep_prev, bool durable);

/* Why lw_ckpt_load chose what it chose, for the caller to log. */
typedef struct lw_ckpt_report {
  int cur;      /* PATH: LW_OK, LW_ERR_NOT_FOUND, LW_ERR_CORRUPT or LW_ERR_IO */
  int prev;     /* PATH.prev: same */
  int used;     /* 0 = PATH, 1 = PATH.prev, 2 = PATH.tmp, 3 = PATH.live, -1 = none */
  uint64_t gen; /* generation used */
} lw_ckpt_report;

/* Load the newest valid generation. Returns LW_OK (*out filled), LW_ERR_NOT_FOUND (no state
 * file at all: a first start) or LW_ERR_CORRUPT (state files exist, none valid). */
int lw_ckpt_load(const char *path, lw_ckpt *out, lw_ckpt_report *rep);

#endif
