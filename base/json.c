/* json.c — JSON writer and the fast string escaper (see json.h). */
#include "base/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"

/* Per byte: 0 copy as is, 1 escape (quote, backslash, control), 2 start of a multi-byte UTF-8
 * sequence or an invalid byte (validated by utf8_len). */
static const uint8_t esc_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* The two-character escapes; 0 where \u00XX is used. */
static const char short_esc[256] = {['"'] = '"',  ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r',
                                    ['\t'] = 't', ['\b'] = 'b',  ['\f'] = 'f'};

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when the byte at p does not start one
 * (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF). */
static size_t utf8_len(const uint8_t *p, size_t n) {
  uint8_t c = p[0];
  if (c >= 0xC2 && c <= 0xDF)
    return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
      return 0;
    if (c == 0xE0 && p[1] < 0xA0)
      return 0; /* overlong */
    if (c == 0xED && p[1] >= 0xA0)
      return 0; /* surrogate */
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
      return 0;
    if (c == 0xF0 && p[1] < 0x90)
      return 0; /* overlong */
    if (c == 0xF4 && p[1] >= 0x90)
      return 0; /* past U+10FFFF */
    return 4;
  }
  return 0;
}

/* True when any of the 8 bytes needs a look: < 0x20, '"', '\\' or >= 0x80 (SWAR). */
static inline bool word_needs_attention(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  uint64_t lt20 = (w - ones * 0x20) & ~w;
  uint64_t q = w ^ (ones * '"');
  uint64_t bs = w ^ (ones * '\\');
  uint64_t zq = (q - ones) & ~q;
  uint64_t zb = (bs - ones) & ~bs;
  return ((lt20 | zq | zb | w) & highs) != 0;
}

int lw_json_escape(lw_buf *b, const void *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const uint8_t *p = s, *end = n ? p + n : p; /* s may be NULL when n is 0 */
  /* One reservation for the common case (nothing to escape); escapes reserve as they go. */
  if (lw_buf_reserve(b, n + 2))
    return b->err;
  b->data[b->len++] = '"';
  while (p < end) {
    /* Extend the run of bytes copied as they are: 8 clean ASCII bytes at a time, then byte
     * by byte, with valid UTF-8 sequences inside the run. */
    const uint8_t *run = p;
    for (;;) {
      while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        if (word_needs_attention(w))
          break;
        p += 8;
      }
      while (p < end && esc_class[*p] == 0)
        p++;
      size_t k;
      if (p < end && esc_class[*p] == 2 && (k = utf8_len(p, (size_t)(end - p))) != 0) {
        p += k;
        continue;
      }
      break;
    }
    if (p > run) {
      if (lw_buf_reserve(b, (size_t)(p - run) + 1))
        return b->err;
      memcpy(b->data + b->len, run, (size_t)(p - run));
      b->len += (size_t)(p - run);
    }
    if (p == end)
      break;
    /* Escape one byte: short forms, else \u00XX (controls and invalid UTF-8 bytes). */
    char e[6] = {'\\', short_esc[*p], '0', '0', 0, 0}; /* \x or \u00XX */
    size_t en = 2;
    if (!e[1]) {
      e[1] = 'u';
      e[4] = hex[*p >> 4];
      e[5] = hex[*p & 15];
      en = 6;
    }
    lw_buf_append(b, e, en);
    p++;
  }
  lw_buf_put_u8(b, '"');
  return b->err;
}

/* ---- Structure ---- */

void lw_json_init(lw_json *j, lw_buf *b) {
  memset(j, 0, sizeof(*j));
  j->b = b;
}

/* Before any value: the comma between members, and checks that a value is allowed here. */
static void pre_value(lw_json *j) {
  uint8_t k = j->kind[j->depth];
  if (k == 'o') {
    if (!j->want_value)
      j->misuse = true;
    j->want_value = false;
    return;
  }
  if (k == 0 && j->nonempty[0]) {
    j->misuse = true; /* a second top-level value */
    return;
  }
  if (k == 'a' && j->nonempty[j->depth])
    lw_buf_put_u8(j->b, ',');
  j->nonempty[j->depth] = true;
}

void lw_json_key(lw_json *j, const char *key) {
  if (j->kind[j->depth] != 'o' || j->want_value) {
    j->misuse = true;
    return;
  }
  if (j->nonempty[j->depth])
    lw_buf_put_u8(j->b, ',');
  j->nonempty[j->depth] = true;
  lw_json_escape(j->b, key, strlen(key));
  lw_buf_put_u8(j->b, ':');
  j->want_value = true;
}

static void open_c(lw_json *j, uint8_t kind, char c) {
  pre_value(j);
  if (j->depth >= LW_JSON_MAX_DEPTH) {
    j->misuse = true;
    return;
  }
  lw_buf_put_u8(j->b, (uint8_t)c);
  j->depth++;
  j->kind[j->depth] = kind;
  j->nonempty[j->depth] = false;
}

static void close_c(lw_json *j, uint8_t kind, char c) {
  if (j->depth == 0 || j->kind[j->depth] != kind || j->want_value) {
    j->misuse = true;
    return;
  }
  j->depth--;
  lw_buf_put_u8(j->b, (uint8_t)c);
}

void lw_json_obj_begin(lw_json *j) {
  open_c(j, 'o', '{');
}
void lw_json_obj_end(lw_json *j) {
  close_c(j, 'o', '}');
}
void lw_json_arr_begin(lw_json *j) {
  open_c(j, 'a', '[');
}
void lw_json_arr_end(lw_json *j) {
  close_c(j, 'a', ']');
}

void lw_json_str(lw_json *j, const char *s) {
  if (!s) {
    lw_json_null(j);
    return;
  }
  lw_json_strn(j, s, strlen(s));
}

void lw_json_strn(lw_json *j, const void *s, size_t n) {
  pre_value(j);
  lw_json_escape(j->b, s, n);
}

void lw_json_int(lw_json *j, int64_t v) {
  pre_value(j);
  char t[24];
  int n = snprintf(t, sizeof t, "%lld", (long long)v);
  lw_buf_append(j->b, t, (size_t)n);
}

void lw_json_uint(lw_json *j, uint64_t v) {
  pre_value(j);
  char t[24];
  int n = snprintf(t, sizeof t, "%llu", (unsigned long long)v);
  lw_buf_append(j->b, t, (size_t)n);
}

void lw_json_double(lw_json *j, double v) {
  if (!isfinite(v)) {
    lw_json_null(j);
    return;
  }
  pre_value(j);
  char t[40];
  int n = 0;
  /* The shortest of %.15g .. %.17g that reads back exactly (15 digits always suffice for
   * values that were typed as decimals, so 0.1 stays "0.1"). */
  for (int prec = 15; prec <= 17; prec++) {
    n = snprintf(t, sizeof t, "%.*g", prec, v);
    if (strtod(t, NULL) == v)
      break;
  }
  lw_buf_append(j->b, t, (size_t)n);
}

void lw_json_bool(lw_json *j, bool v) {
  pre_value(j);
  lw_buf_append(j->b, v ? "true" : "false", v ? 4 : 5);
}

void lw_json_null(lw_json *j) {
  pre_value(j);
  lw_buf_append(j->b, "null", 4);
}

void lw_json_raw(lw_json *j, const char *json, size_t n) {
  pre_value(j);
  lw_buf_append(j->b, json, n);
}

int lw_json_finish(const lw_json *j) {
  if (j->b->err)
    return j->b->err;
  if (j->misuse || j->depth != 0 || j->want_value)
    return LW_ERR_INVALID_ARG;
  return LW_OK;
}

/* ---- Records ---- */

int lw_json_fmt_ts(char out[32], int64_t wall_ms) {
  /* One thread formats timestamps (the loop's), so a one-entry cache of the last second's
   * "YYYY-MM-DDTHH:MM:SS" saves gmtime_r on nearly every line. */
  static int64_t cached_sec = INT64_MIN;
  static char cached[64]; /* room for any int year; 19 bytes used in practice */
  int64_t sec = wall_ms >= 0 ? wall_ms / 1000 : (wall_ms - 999) / 1000;
  int ms = (int)(wall_ms - sec * 1000);
  if (sec != cached_sec) {
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_sec = sec;
  }
  memcpy(out, cached, 19);
  out[19] = '.';
  out[20] = (char)('0' + ms / 100);
  out[21] = (char)('0' + ms / 10 % 10);
  out[22] = (char)('0' + ms % 10);
  out[23] = 'Z';
  out[24] = 0;
  return 24;
}

int lw_json_record(lw_buf *b, const char *host, const char *path, uint64_t offset, int64_t wall_ms,
                   const void *msg, size_t n) {
  char ts[32];
  lw_json_fmt_ts(ts, wall_ms);
  char num[24];
  int nn = 0;
  do /* digits backwards, then reversed: no snprintf on the hot path */
    num[nn++] = (char)('0' + offset % 10);
  while ((offset /= 10) != 0);
  for (int i = 0; i < nn / 2; i++) {
    char t = num[i];
    num[i] = num[nn - 1 - i];
    num[nn - 1 - i] = t;
  }
  /* Written directly rather than through lw_json: the shape is fixed. */
  lw_buf_append(b, "{\"host\":", 8);
  lw_json_escape(b, host, strlen(host));
  lw_buf_append(b, ",\"path\":", 8);
  lw_json_escape(b, path, strlen(path));
  lw_buf_append(b, ",\"offset\":", 10);
  lw_buf_append(b, num, (size_t)nn);
  lw_buf_append(b, ",\"ts\":\"", 7);
  lw_buf_append(b, ts, 24);
  lw_buf_append(b, "\",\"message\":", 12);
  lw_json_escape(b, msg, n);
  lw_buf_put_u8(b, '}');
  return b->err;
}

/* Is `name` taken by the line's members (which win), or by a static field (which wins over
 * host, path, offset and ts)? */
static bool merge_skip(const lw_jdoc *d, const char *name, const char *const *names, size_t nf) {
  for (size_t i = 0; i < nf; i++)
    if (strcmp(names[i], name) == 0)
      return true;
  return lw_jdoc_get(d, 0, name) >= 0;
}

static void merge_key(lw_buf *b, bool *first, const char *name) {
  if (!*first)
    lw_buf_put_u8(b, ',');
  *first = false;
  lw_json_escape(b, name, strlen(name));
  lw_buf_put_u8(b, ':');
}

int lw_json_record_merge(lw_buf *b, const char *host, const char *path, uint64_t offset,
                         int64_t wall_ms, const void *line, size_t n, const char *const *names,
                         const char *const *values, size_t nfields, lw_jtok *toks, size_t cap) {
  lw_jdoc d;
  int rc = lw_json_parse(&d, line, n, toks, cap, LW_JSON_MAX_DEPTH);
  if (rc != LW_OK)
    return rc;
  if (toks[0].type != LW_JOBJ)
    return LW_ERR_MALFORMED;
  bool first = true;
  lw_buf_put_u8(b, '{');
  if (!merge_skip(&d, "host", names, nfields)) {
    merge_key(b, &first, "host");
    lw_json_escape(b, host, strlen(host));
  }
  if (!merge_skip(&d, "path", names, nfields)) {
    merge_key(b, &first, "path");
    lw_json_escape(b, path, strlen(path));
  }
  if (!merge_skip(&d, "offset", names, nfields)) {
    char num[24];
    int nn = snprintf(num, sizeof num, "%llu", (unsigned long long)offset);
    merge_key(b, &first, "offset");
    lw_buf_append(b, num, (size_t)nn);
  }
  if (!merge_skip(&d, "ts", names, nfields)) {
    char ts[32];
    lw_json_fmt_ts(ts, wall_ms);
    merge_key(b, &first, "ts");
    lw_buf_put_u8(b, '"');
    lw_buf_append(b, ts, 24);
    lw_buf_put_u8(b, '"');
  }
  for (size_t i = 0; i < nfields; i++) {
    if (merge_skip(&d, names[i], names, i))
      continue; /* the line's, or a repeated field name: the first one counts */
    merge_key(b, &first, names[i]);
    lw_json_escape(b, values[i], strlen(values[i]));
  }
  if (toks[0].n) {
    /* The object's members as the line wrote them: between its braces, already valid. */
    const char *src = line;
    if (!first)
      lw_buf_put_u8(b, ',');
    lw_buf_append(b, src + toks[0].start + 1, toks[0].len - 2);
  }
  lw_buf_put_u8(b, '}');
  return b->err;
}
