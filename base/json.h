/* json.h — JSON writing into an lw_buf: objects, arrays, strings, numbers, booleans, null.
 * Used per line for `format = json` records, so string escaping is table-driven and copies
 * clean runs whole.
 *
 * Strings: '"', '\\' and control characters are escaped (\n \r \t \b \f, others \u00XX);
 * valid UTF-8 is copied unchanged; every byte that is not part of a valid UTF-8 sequence
 * (stray continuation bytes, overlong forms, surrogates, values past U+10FFFF, sequences
 * cut short) is written as \u00XX with XX the byte's value, i.e. read as Latin-1. The output
 * is therefore always valid JSON and UTF-8, and a consumer can recover the original bytes of
 * a Latin-1 or otherwise non-UTF-8 log line. Non-finite doubles are written as null.
 *
 * The writer tracks nesting (up to LW_JSON_MAX_DEPTH) to place commas and colons; misuse
 * (a value where a key is due, unbalanced ends) makes lw_json_finish return an error. Buffer
 * errors (ceiling, memory) are lw_buf's sticky errors. */
#ifndef LW_JSON_H
#define LW_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define LW_JSON_MAX_DEPTH 32

typedef struct lw_json {
  lw_buf *b;                            /* borrowed output */
  int depth;                            /* open containers */
  bool misuse;                          /* structural error seen */
  uint8_t kind[LW_JSON_MAX_DEPTH + 1];  /* per level: 0 top, 'o' object, 'a' array */
  bool nonempty[LW_JSON_MAX_DEPTH + 1]; /* per level: a member was written (comma due) */
  bool want_value;                      /* a key was written; its value comes next */
} lw_json;

/* Start writing into b (appends after what b already holds). Borrows b. */
void lw_json_init(lw_json *j, lw_buf *b);
void lw_json_obj_begin(lw_json *j);
void lw_json_obj_end(lw_json *j);
void lw_json_arr_begin(lw_json *j);
void lw_json_arr_end(lw_json *j);
/* Object member name (escaped like any string). */
void lw_json_key(lw_json *j, const char *key);
void lw_json_str(lw_json *j, const char *s); /* NULL writes null */
void lw_json_strn(lw_json *j, const void *s, size_t n);
void lw_json_int(lw_json *j, int64_t v);
void lw_json_uint(lw_json *j, uint64_t v);
/* Shortest decimal form that reads back as the same double; null for NaN and infinities. */
void lw_json_double(lw_json *j, double v);
void lw_json_bool(lw_json *j, bool v);
void lw_json_null(lw_json *j);
/* Write text that is already valid JSON as one value (no checking). */
void lw_json_raw(lw_json *j, const char *json, size_t n);

/* Returns LW_OK when the document is complete and the buffer kept every byte;
 * LW_ERR_INVALID_ARG for misuse or open containers; else the buffer's error. */
int lw_json_finish(const lw_json *j);

/* Append n bytes as a quoted, escaped JSON string (the writer's escaper, usable alone).
 * Returns b->err. */
int lw_json_escape(lw_buf *b, const void *s, size_t n);

/* RFC 3339 UTC time with milliseconds, "2026-11-21T17:20:00.123Z", NUL-terminated.
 * Returns the length (24). Caches the formatted second, so repeated calls are cheap. */
int lw_json_fmt_ts(char out[32], int64_t wall_ms);

/* One `format = json` record: {"host":..,"path":..,"offset":N,"ts":"RFC 3339","message":..}
 * appended to b. offset is the line's byte offset in the file. Returns b->err. */
int lw_json_record(lw_buf *b, const char *host, const char *path, uint64_t offset, int64_t wall_ms,
                   const void *msg, size_t n);

/* ---- Parsing (jsonparse.c) ----
 * A strict RFC 8259 parser into a flat array of tokens the caller provides (no allocation):
 * every value is one token; a container's children follow it, an object's as key, value
 * pairs; `next` skips a whole subtree. Bounded: at most max_depth nesting, at most the
 * caller's token count, and the input length is the caller's to cap. Strings must be valid
 * UTF-8 with valid escapes; tokens borrow the input (strings point at their raw, escaped
 * contents: lw_jdoc_str decodes them). */
typedef enum { LW_JNULL, LW_JFALSE, LW_JTRUE, LW_JNUM, LW_JSTR, LW_JARR, LW_JOBJ } lw_jtype;

typedef struct lw_jtok {
  uint8_t type;   /* lw_jtype */
  uint32_t start; /* offset of the value (a string: after its opening quote) */
  uint32_t len;   /* bytes (a string: of its raw contents) */
  uint32_t n;     /* containers: elements, or members (key, value pairs) */
  uint32_t next;  /* index of the first token after this value's subtree */
} lw_jtok;

typedef struct lw_jdoc {
  const char *src; /* borrowed input */
  size_t len;
  lw_jtok *t; /* borrowed token array */
  uint32_t ntok, cap;
} lw_jdoc;

/* Parse one JSON value (surrounding whitespace allowed, nothing else) from p[0..len) into
 * the caller's toks[cap]. Returns LW_OK (token 0 is the root), LW_ERR_MALFORMED (syntax,
 * invalid UTF-8 or escape, trailing bytes), LW_ERR_TOO_LARGE (more than cap tokens, deeper
 * than max_depth, or len past 4 GiB). Borrows p and toks. */
int lw_json_parse(lw_jdoc *d, const char *p, size_t len, lw_jtok *toks, size_t cap, int max_depth);
/* Member `key` of object token obj (the first if repeated): its value's index, or -1 (also
 * when obj is -1 or not an object, so lookups chain). */
int lw_jdoc_get(const lw_jdoc *d, int obj, const char *key);
/* Element i of array token arr, or -1. Iterate faster with: first child arr + 1, then
 * d->t[i].next, n times. */
int lw_jdoc_at(const lw_jdoc *d, int arr, uint32_t i);
/* Type of token i, or -1 when i is -1. */
int lw_jdoc_type(const lw_jdoc *d, int i);
/* Append the decoded bytes of string token i to out. Returns LW_OK, LW_ERR_INVALID_ARG (not
 * a string) or out's error. */
int lw_jdoc_str(const lw_jdoc *d, int i, lw_buf *out);
/* Decode string token i into out[outn] NUL-terminated. Returns LW_OK, LW_ERR_INVALID_ARG,
 * LW_ERR_TOO_LARGE (does not fit) or LW_ERR_MALFORMED (holds a NUL). */
int lw_jdoc_strz(const lw_jdoc *d, int i, char *out, size_t outn);
/* Is string token i equal to s (after decoding)? */
bool lw_jdoc_streq(const lw_jdoc *d, int i, const char *s);
/* Integer of token i: a number without fraction or exponent, or a string holding one (how
 * proto3 JSON writes 64-bit integers). Returns LW_OK, LW_ERR_INVALID_ARG or LW_ERR_TOO_LARGE
 * (out of int64 range). */
int lw_jdoc_i64(const lw_jdoc *d, int i, int64_t *out);
/* true for the token true, false for false; dflt for anything else (-1 included). */
bool lw_jdoc_bool(const lw_jdoc *d, int i, bool dflt);

/* A `parse = json` record: when line[0..n) is one JSON object, its members merged with
 * host, path, offset, ts and the static fields names[i] = values[i] (nfields of them) into one
 * object appended to b. On a name clash the line's own members win, then the static fields,
 * then host, path, offset and ts: a member under a name already taken is left out, so the
 * object never repeats a name and the line is never altered (its members are copied byte for
 * byte; a name the line itself repeats stays as the line wrote it). toks[cap] is the parser's
 * scratch (borrowed). Returns LW_OK, LW_ERR_MALFORMED (not a JSON object: b is left as it
 * was, the caller wraps the line as lw_json_record does), LW_ERR_TOO_LARGE (more than cap
 * tokens or deeper than LW_JSON_MAX_DEPTH: b left as it was) or b's error. */
int lw_json_record_merge(lw_buf *b, const char *host, const char *path, uint64_t offset,
                         int64_t wall_ms, const void *line, size_t n, const char *const *names,
                         const char *const *values, size_t nfields, lw_jtok *toks, size_t cap);

#endif
