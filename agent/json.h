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

#include "proto/buf.h"

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

#endif
