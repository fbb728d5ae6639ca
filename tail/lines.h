/* lines.h — sans-I/O line splitting for one file: bytes in (as read, at any boundaries), lines
 * out through a callback, with a carry for the unfinished last line, long-line splitting or
 * truncation, '\r' stripping and multiline events. It tracks two offsets:
 *
 *   off   the file offset just past the last consumed byte (a line delivered, absorbed into
 *         the pending multiline event, or dropped)
 *   rpos  the offset of the next byte to feed; off <= rpos, and bytes [off, rpos) are the
 *         unfinished line (its first carry_len bytes kept, the rest dropped while `discard`)
 *
 * When the callback refuses a line, the state rewinds to `off` (carry dropped, rpos = off) so
 * the caller reads the refused line again from the file later: the file is the buffer, tail
 * holds no copy while paused. A pending multiline event is kept in memory (its lines are
 * consumed) and offered again first. */
#ifndef LW_TAIL_LINES_H
#define LW_TAIL_LINES_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deliver one line/event. `p` is borrowed for the call. Returns LW_OK (consumed) or any other
 * value (refused: nothing consumed; lw_lines_* return that value). */
typedef int (*lw_lines_emit)(void *ud, const uint8_t *p, size_t len, uint64_t end, unsigned flags);

/* A run of whole lines found in one block, in file order, each with flags 0: line i is
 * p[start_i, start_i + len[i]) with start_0 = 0 and start_i = end[i-1], and ends (past its
 * '\n') at file offset off + end[i]. */
typedef struct lw_lines_run {
  const uint8_t *p; /* borrowed for the call */
  uint64_t off;     /* file offset of p[0] */
  const uint32_t *end, *len;
  uint32_t n;   /* 1..LW_LINES_RUN */
  uint32_t crs; /* lines of the run whose '\r' was stripped (sum of len = end[n-1] - n - crs) */
} lw_lines_run;

/* Deliver a run at once. Returns LW_OK (every line consumed) or a refusal with *taken (< n)
 * lines consumed first: the line at index *taken was refused, as with lw_lines_emit. */
typedef int (*lw_lines_emit_run)(void *ud, const lw_lines_run *r, uint32_t *taken);
#define LW_LINES_RUN 64u

/* A NUL-terminated copy of the line for regexec (sanitizers' regexec reads up to a NUL even
 * with REG_STARTEND). One per input, shared by its files (one thread); grows to max_line+1. */
typedef struct lw_lines_scratch {
  char *p; /* owned by whoever owns the conf */
  size_t cap;
} lw_lines_scratch;

typedef struct lw_lines_conf {
  size_t max_line;           /* >= 1, <= UINT32_MAX */
  bool truncate;             /* long lines: keep the first max_line bytes, drop the rest */
  bool strip_cr;             /* drop one '\r' before '\n' */
  const regex_t *start;      /* multiline start pattern (REG_NOSUB), or NULL */
  lw_lines_scratch *scratch; /* required with `start` */
  lw_lines_emit emit;
  /* Optional: whole lines found in one block without multiline go out through this, up to
   * LW_LINES_RUN a call, instead of one emit call each. */
  lw_lines_emit_run emit_run;
} lw_lines_conf;

typedef struct lw_lines_stats {
  uint64_t long_lines;    /* lines (or events) longer than max_line */
  uint64_t dropped_bytes; /* bytes dropped by truncation */
} lw_lines_stats;

typedef struct lw_lines {
  uint64_t off, rpos; /* see above */
  uint8_t *carry;     /* owned: bytes [off, off + carry_len) of the unfinished line */
  uint32_t carry_len, carry_cap;
  uint8_t *ev; /* owned: pending multiline event */
  uint32_t ev_len, ev_cap;
  uint64_t ev_end; /* end offset of the event's last line */
  uint8_t ev_flags;
  bool ev_open;   /* an event is pending */
  bool ev_joined; /* the event's last piece was a SPLIT piece: the next joins without '\n' */
  bool discard;   /* dropping the rest of a long line (truncate mode) */
  bool midline;   /* `off` is inside a line, after a SPLIT piece */
} lw_lines;

/* Start at file offset `off` with nothing pending. */
void lw_lines_init(lw_lines *s, uint64_t off);
/* Free the buffers (pending data is forgotten). */
void lw_lines_free(lw_lines *s);

/* Feed n bytes read at s->rpos. Returns LW_OK (all bytes taken: consumed or kept as the
 * unfinished line), or the refusal (callback's value) / LW_ERR_NOMEM: then the state is
 * rewound and reading must continue at s->rpos (== s->off). Counts into *st. */
int lw_lines_feed(lw_lines *s, const lw_lines_conf *c, const uint8_t *p, size_t n, void *ud,
                  lw_lines_stats *st);
/* Deliver the pending multiline event, if any (flush timeout). Returns LW_OK or the refusal
 * (the event stays pending). */
int lw_lines_flush(lw_lines *s, const lw_lines_conf *c, void *ud);
/* End of this file's data (drained after rotation/deletion, or truncated): deliver the
 * unfinished line with LW_LINE_NO_NEWLINE, then the pending event. Call only after reading to
 * the end (rpos at end of file). Returns LW_OK or the refusal; retrying later continues where
 * it stopped. */
int lw_lines_finish(lw_lines *s, const lw_lines_conf *c, void *ud, lw_lines_stats *st);
/* Forget the unfinished line (to be read again from the file): rpos = off, carry freed. */
void lw_lines_rewind(lw_lines *s);
/* For tests: find lines without AVX2 even where the CPU has it (true), or as the CPU allows. */
void lw__lines_no_avx2(bool off);
/* Release buffers that hold nothing (after a flush, at end of file). */
void lw_lines_trim(lw_lines *s);

#endif
