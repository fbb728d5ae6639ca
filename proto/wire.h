/* wire.h — Kafka's primitive types: encoders onto lw_buf, and a bounded decoding cursor.
 *
 * Decoding: every read goes through an lw_cur that never reads past its end. Errors are
 * sticky like lw_buf's: the first failure is kept in c->err, later reads return zero values,
 * and the decoder checks c->err where it matters (before loops and allocations) and once at
 * the end. Reads take the spec's field name so that an optional tracer can print every field
 * with its byte offsets (`--trace`); with no tracer the name costs one branch.
 *
 * Decoded strings and byte fields are slices borrowed from the input: they stay valid as
 * long as the input bytes do. Arrays are allocated from a caller-owned lw_arena with a
 * ceiling, so hostile counts can never make a decoder allocate without bound. */
#ifndef LW_WIRE_H
#define LW_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* A string slice; len == -1 means null. Not NUL-terminated. */
typedef struct lw_str {
  const char *p;
  int32_t len;
} lw_str;

/* A byte slice; len == -1 means null. */
typedef struct lw_bytes {
  const uint8_t *p;
  int32_t len;
} lw_bytes;

typedef struct lw_uuid {
  uint8_t b[16];
} lw_uuid;

#define LW_STR_NULL ((lw_str){NULL, -1})
/* A slice of a NUL-terminated C string (NULL gives a null string). */
lw_str lw_str_c(const char *s);
bool lw_str_eq(lw_str a, const char *s);

/* ---- Encoding (append to an lw_buf; sticky errors in b->err) ---- */

/* STRING / NULLABLE_STRING: int16 length (-1 for null) then bytes. */
void lw_put_string(lw_buf *b, lw_str s);
/* COMPACT_STRING / COMPACT_NULLABLE_STRING: uvarint length+1 (0 for null) then bytes. */
void lw_put_compact_string(lw_buf *b, lw_str s);
/* The classic or compact form, chosen by `flexible`. */
void lw_put_str(lw_buf *b, bool flexible, lw_str s);
/* BYTES / NULLABLE_BYTES: int32 length (-1 for null); compact form uvarint length+1. */
void lw_put_bytes(lw_buf *b, bool flexible, lw_bytes v);
/* ARRAY length: int32 count (-1 null) or compact uvarint count+1 (0 null). */
void lw_put_array_len(lw_buf *b, bool flexible, int32_t n);
void lw_put_uuid(lw_buf *b, const lw_uuid *u);
/* An empty tagged-field section (flexible versions only; no-op when !flexible). */
void lw_put_tags_none(lw_buf *b, bool flexible);

/* ---- Field tracer (for --trace and for tests) ---- */

typedef struct lw_trace {
  /* Called once per field: depth is the nesting level, [off, off+len) the field's bytes
   * relative to the start of the traced frame, value already formatted. */
  void (*field)(void *ud, int depth, size_t off, size_t len, const char *name, const char *type,
                const char *value);
  void *ud;
  int depth;
} lw_trace;

/* ---- Decoding cursor ---- */

typedef struct lw_cur {
  const uint8_t *p;
  size_t len;
  size_t pos;
  int err;      /* sticky first error, LW_OK while all reads succeeded */
  lw_trace *tr; /* optional, borrowed */
  size_t base;  /* offset of p[0] within the traced frame (sub-cursors) */
} lw_cur;

void lw_cur_init(lw_cur *c, const void *p, size_t len);
/* A cursor over the next `n` bytes of `c` (which advances past them); sets c->err when fewer
 * remain. The sub-cursor shares c's tracer with the right base offset. */
lw_cur lw_cur_sub(lw_cur *c, size_t n, const char *name);
static inline size_t lw_cur_left(const lw_cur *c) {
  return c->len - c->pos;
}
/* Set the cursor's error if none is set yet; returns the cursor's error. */
int lw_cur_fail(lw_cur *c, int err);
/* LW_OK if no error and every byte was consumed, else the error (trailing bytes are
 * LW_ERR_MALFORMED). */
int lw_cur_done(lw_cur *c);

int8_t lw_rd_i8(lw_cur *c, const char *name);
bool lw_rd_bool(lw_cur *c, const char *name);
int16_t lw_rd_i16(lw_cur *c, const char *name);
int32_t lw_rd_i32(lw_cur *c, const char *name);
uint32_t lw_rd_u32(lw_cur *c, const char *name);
int64_t lw_rd_i64(lw_cur *c, const char *name);
uint32_t lw_rd_uvarint(lw_cur *c, const char *name);
int32_t lw_rd_varint(lw_cur *c, const char *name);
int64_t lw_rd_varlong(lw_cur *c, const char *name);
lw_uuid lw_rd_uuid(lw_cur *c, const char *name);
/* Raw bytes of a fixed size (borrowed). */
const uint8_t *lw_rd_raw(lw_cur *c, size_t n, const char *name);

/* Non-nullable string in classic or compact form; a null on the wire is LW_ERR_MALFORMED. */
lw_str lw_rd_string(lw_cur *c, bool flexible, const char *name);
/* Nullable string (len -1 for null). */
lw_str lw_rd_nstring(lw_cur *c, bool flexible, const char *name);
/* Nullable bytes (len -1 for null). `secret` makes the tracer print "<redacted>". */
lw_bytes lw_rd_bytes(lw_cur *c, bool flexible, const char *name, bool secret);

/* Array count (classic int32 or compact uvarint-1). Returns -1 for a null array. Rejects
 * counts that cannot fit in the remaining bytes at `min_elem` bytes each. Opens a trace
 * level; close it with lw_rd_array_end. */
int32_t lw_rd_array(lw_cur *c, bool flexible, const char *name, size_t min_elem);
/* Mark element i of the current array for the tracer. */
void lw_rd_elem(lw_cur *c, int32_t i);
void lw_rd_array_end(lw_cur *c);
/* Open/close a named group (a struct field that is not an array) for the tracer. */
void lw_rd_group(lw_cur *c, const char *name);
void lw_rd_group_end(lw_cur *c);

/* Tagged fields (KIP-482). Read the section's count, then for each field lw_rd_tag gives its
 * tag and a sub-cursor over its bytes; unknown tags are simply not decoded. lw_rd_tags_skip
 * reads a whole section, skipping every field. No-ops when !flexible. */
uint32_t lw_rd_tag_count(lw_cur *c, bool flexible);
uint32_t lw_rd_tag(lw_cur *c, lw_cur *sub);
void lw_rd_tags_skip(lw_cur *c, bool flexible);

/* Emit a free-form note to the tracer (for derived values like a decompressed length). */
void lw_trace_note(lw_cur *c, const char *name, const char *value);

/* ---- Arena for decoded arrays ---- */

typedef struct lw_arena_chunk lw_arena_chunk;
typedef struct lw_arena {
  lw_arena_chunk *head; /* owned chain */
  size_t used;          /* bytes handed out */
  size_t max;           /* ceiling */
} lw_arena;

void lw_arena_init(lw_arena *a, size_t max);
/* Zeroed, 16-byte aligned memory owned by the arena; NULL when the ceiling is reached or
 * allocation fails. */
void *lw_arena_alloc(lw_arena *a, size_t n);
/* Free everything handed out (the arena can be reused). */
void lw_arena_reset(lw_arena *a);
void lw_arena_free(lw_arena *a);
/* Allocate an array of n elements for a decoder; on failure sets c->err (LW_ERR_TOO_LARGE)
 * and returns NULL. n <= 0 returns NULL without error. */
void *lw_rd_alloc(lw_cur *c, lw_arena *a, int32_t n, size_t elem);

#endif
