/* buf.h — growable output buffer with a ceiling, the target of every encoder in proto/.
 *
 * Errors are sticky: the first failure (ceiling reached, allocation failed) is kept in `err`,
 * later writes are ignored, and the encoder returns `err` once at the end. This keeps encoders
 * free of per-field checks without ever writing past the ceiling.
 *
 * Splices: large payloads that already live in memory (a RecordBatch inside a Produce request)
 * can be referenced instead of copied (lw_buf_splice). The buffer then describes a gather list:
 * its own bytes with external segments inserted at given offsets; lw_buf_iov() gives it to
 * writev(). Only the producer uses this; decoders always see contiguous bytes. */
#ifndef LW_BUF_H
#define LW_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

typedef struct lw_seg {
  size_t at;        /* offset in `data` where the external bytes logically sit */
  const uint8_t *p; /* borrowed: must outlive the buffer's use */
  size_t len;
} lw_seg;

typedef struct lw_buf {
  uint8_t *data; /* owned */
  size_t len;    /* bytes used in data */
  size_t cap;    /* bytes allocated */
  size_t max;    /* ceiling on len + seg_bytes */
  int err;       /* sticky first error: LW_OK, LW_ERR_TOO_LARGE or LW_ERR_NOMEM */
  lw_seg *segs;  /* owned array of splices, in increasing `at` order */
  size_t nsegs, segcap;
  size_t seg_bytes; /* sum of spliced lengths */
} lw_buf;

/* Initialise an empty buffer that may grow to `max` bytes. Allocates nothing yet. */
void lw_buf_init(lw_buf *b, size_t max);
/* Release the memory. The buffer can be initialised again afterwards. */
void lw_buf_free(lw_buf *b);
/* Empty the buffer and clear its error, keeping the allocation for reuse. */
void lw_buf_reset(lw_buf *b);
/* Total logical length: own bytes plus spliced bytes. */
static inline size_t lw_buf_total(const lw_buf *b) {
  return b->len + b->seg_bytes;
}
/* Logical bytes written since own-data offset `off` (spliced bytes after `off` included). */
size_t lw_buf_total_since(const lw_buf *b, size_t off);

/* Make room for `n` more bytes. Returns LW_OK, LW_ERR_TOO_LARGE or LW_ERR_NOMEM (also kept
 * in b->err). */
int lw_buf_reserve(lw_buf *b, size_t n);
/* Advance len by n after writing into space obtained with lw_buf_reserve (caller guarantees
 * n <= cap - len). */
static inline void lw_buf_commit(lw_buf *b, size_t n) {
  b->len += n;
}
/* Pointer to the free space after the used bytes (valid until the next growth). */
static inline uint8_t *lw_buf_tail(lw_buf *b) {
  return b->data + b->len;
}

void lw_buf_append(lw_buf *b, const void *p, size_t n);
void lw_buf_put_u8(lw_buf *b, uint8_t v);
void lw_buf_put_i16(lw_buf *b, int16_t v); /* big-endian, as every Kafka fixed-width int */
void lw_buf_put_i32(lw_buf *b, int32_t v);
void lw_buf_put_u32(lw_buf *b, uint32_t v);
void lw_buf_put_i64(lw_buf *b, int64_t v);
void lw_buf_put_uvarint(lw_buf *b, uint32_t v); /* unsigned LEB128 (KIP-482 lengths, tags) */
void lw_buf_put_varint(lw_buf *b, int32_t v);   /* zigzag + LEB128 (record fields) */
void lw_buf_put_varlong(lw_buf *b, int64_t v);  /* zigzag + LEB128, 64-bit */

/* Overwrite 2/4/8 bytes at own-data offset `off` (reserve, then patch). Out-of-range offsets
 * set LW_ERR_INVALID_ARG. */
void lw_buf_patch_i16(lw_buf *b, size_t off, int16_t v);
void lw_buf_patch_i32(lw_buf *b, size_t off, int32_t v);
void lw_buf_patch_u32(lw_buf *b, size_t off, uint32_t v);
void lw_buf_patch_i64(lw_buf *b, size_t off, int64_t v);

/* Reference `n` external bytes at the current position instead of copying them. The bytes are
 * borrowed and must stay valid and unchanged until the buffer is written out or reset. */
void lw_buf_splice(lw_buf *b, const void *p, size_t n);

/* Fill up to `max` iovecs describing the buffer's logical bytes in order. Returns the number
 * used, or -1 when `max` is too small. */
int lw_buf_iov(const lw_buf *b, struct iovec *iov, int max);

/* Copy the logical content (own bytes and splices) into `out` (reset first). Returns out->err. */
int lw_buf_flatten(const lw_buf *b, lw_buf *out);

/* Size of an unsigned varint / zigzag varint / zigzag varlong encoding. */
int lw_uvarint_size(uint32_t v);
int lw_varint_size(int32_t v);
int lw_varlong_size(int64_t v);

#endif
