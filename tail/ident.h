/* ident.h — what makes a file the same file: device, inode and a fingerprint of its first
 * bytes (FNV-1a 64 over up to LW_FP_MAX bytes), compared on the common prefix while the file
 * is shorter than that. Also the FNV-1a hash the checkpoint uses as its checksum. */
#ifndef LW_TAIL_IDENT_H
#define LW_TAIL_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LW_FP_MAX   1024u
#define LW_FNV_INIT 0xcbf29ce484222325ull

/* Continue an FNV-1a 64 hash (start with LW_FNV_INIT). Streaming: hashing a then b equals
 * hashing a||b, which is what lets a fingerprint grow with its file. */
uint64_t lw_fnv1a64(uint64_t h, const void *p, size_t n);

typedef struct lw_fp {
  uint64_t hash; /* FNV-1a 64 of the first len bytes */
  uint32_t len;  /* <= LW_FP_MAX */
} lw_fp;

/* Fingerprint fd's first min(size, LW_FP_MAX) bytes into *fp. When `want` is not NULL, also
 * tell whether the file's first want->len bytes hash to want->hash (*same; false when the file
 * is shorter than want->len). Returns LW_OK or LW_ERR_IO (errno kept). */
int lw_fp_read(int fd, uint64_t size, lw_fp *fp, const lw_fp *want, bool *same);

/* While the fingerprint is shorter than LW_FP_MAX: read the file's first min(size,
 * LW_FP_MAX) bytes (one pread), check that they still begin with what *fp covers (*same),
 * and if so grow *fp over them. Returns LW_OK or LW_ERR_IO. */
int lw_fp_grow(int fd, uint64_t size, lw_fp *fp, bool *same);

/* True when fd's first fp->len bytes still hash to fp->hash (one pread of up to 1 KiB);
 * false when they differ or the file became shorter. *err is set on a read error. */
bool lw_fp_check(int fd, const lw_fp *fp, int *err);

#endif
