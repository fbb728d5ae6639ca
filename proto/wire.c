/* wire.c — Kafka primitive types: encoders, the bounded cursor, the tracer hooks, the arena. */
#include "proto/wire.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

lw_str lw_str_c(const char *s) {
  if (!s)
    return LW_STR_NULL;
  return (lw_str){s, (int32_t)strlen(s)};
}

bool lw_str_eq(lw_str a, const char *s) {
  if (!s || a.len < 0)
    return !s && a.len < 0;
  size_t n = strlen(s);
  return (size_t)a.len == n && memcmp(a.p, s, n) == 0;
}

/* ---- Encoding ---- */

void lw_put_string(lw_buf *b, lw_str s) {
  if (s.len > INT16_MAX) {
    if (!b->err)
      b->err = LW_ERR_TOO_LARGE;
    return;
  }
  lw_buf_put_i16(b, (int16_t)(s.len < 0 ? -1 : s.len));
  if (s.len > 0)
    lw_buf_append(b, s.p, (size_t)s.len);
}

void lw_put_compact_string(lw_buf *b, lw_str s) {
  lw_buf_put_uvarint(b, s.len < 0 ? 0 : (uint32_t)s.len + 1);
  if (s.len > 0)
    lw_buf_append(b, s.p, (size_t)s.len);
}

void lw_put_str(lw_buf *b, bool flexible, lw_str s) {
  if (flexible)
    lw_put_compact_string(b, s);
  else
    lw_put_string(b, s);
}

void lw_put_bytes(lw_buf *b, bool flexible, lw_bytes v) {
  if (flexible)
    lw_buf_put_uvarint(b, v.len < 0 ? 0 : (uint32_t)v.len + 1);
  else
    lw_buf_put_i32(b, v.len < 0 ? -1 : v.len);
  if (v.len > 0)
    lw_buf_append(b, v.p, (size_t)v.len);
}

void lw_put_array_len(lw_buf *b, bool flexible, int32_t n) {
  if (flexible)
    lw_buf_put_uvarint(b, n < 0 ? 0 : (uint32_t)n + 1);
  else
    lw_buf_put_i32(b, n < 0 ? -1 : n);
}

void lw_put_uuid(lw_buf *b, const lw_uuid *u) {
  lw_buf_append(b, u->b, 16);
}

void lw_put_tags_none(lw_buf *b, bool flexible) {
  if (flexible)
    lw_buf_put_u8(b, 0);
}

/* ---- Tracing helpers ---- */

static void trace(lw_cur *c, size_t start, const char *name, const char *type, const char *value) {
  lw_trace *t = c->tr;
  t->field(t->ud, t->depth, c->base + start, c->pos - start, name, type, value);
}

/* Printable preview of a string: at most 80 characters, non-printable bytes escaped. */
static void fmt_str(char *out, size_t outsz, const char *p, int32_t len) {
  if (len < 0) {
    snprintf(out, outsz, "null");
    return;
  }
  size_t o = 0;
  out[o++] = '"';
  for (int32_t i = 0; i < len && o + 8 < outsz; i++) {
    unsigned char ch = (unsigned char)p[i];
    if (i == 80) {
      o += (size_t)snprintf(out + o, outsz - o, "...");
      break;
    }
    if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
      out[o++] = (char)ch;
    else
      o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", ch);
  }
  snprintf(out + o, outsz - o, "\" (%" PRId32 " bytes)", len);
}

static void fmt_hex(char *out, size_t outsz, const uint8_t *p, int32_t len) {
  if (len < 0) {
    snprintf(out, outsz, "null");
    return;
  }
  size_t o = (size_t)snprintf(out, outsz, "%" PRId32 " bytes", len);
  if (len > 0)
    o += (size_t)snprintf(out + o, outsz - o, ":");
  for (int32_t i = 0; i < len && i < 24 && o + 4 < outsz; i++)
    o += (size_t)snprintf(out + o, outsz - o, " %02x", p[i]);
  if (len > 24 && o + 5 < outsz)
    snprintf(out + o, outsz - o, " ...");
}

void lw_trace_note(lw_cur *c, const char *name, const char *value) {
  if (c->tr)
    trace(c, c->pos, name, "note", value);
}

/* ---- Cursor ---- */

void lw_cur_init(lw_cur *c, const void *p, size_t len) {
  c->p = p;
  c->len = len;
  c->pos = 0;
  c->err = LW_OK;
  c->tr = NULL;
  c->base = 0;
}

int lw_cur_fail(lw_cur *c, int err) {
  if (!c->err)
    c->err = err;
  return c->err;
}

int lw_cur_done(lw_cur *c) {
  if (c->err)
    return c->err;
  if (c->pos != c->len)
    return lw_cur_fail(c, LW_ERR_MALFORMED);
  return LW_OK;
}

/* Take n bytes or fail with TRUNCATED. */
static const uint8_t *take(lw_cur *c, size_t n) {
  if (c->err)
    return NULL;
  if (c->len - c->pos < n) {
    c->err = LW_ERR_TRUNCATED;
    return NULL;
  }
  const uint8_t *p = c->p + c->pos;
  c->pos += n;
  return p;
}

static uint64_t get_be(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v = (v << 8) | p[i];
  return v;
}

lw_cur lw_cur_sub(lw_cur *c, size_t n, const char *name) {
  lw_cur s;
  size_t start = c->pos;
  const uint8_t *p = take(c, n);
  lw_cur_init(&s, p ? p : c->p + c->pos, p ? n : 0);
  if (!p)
    s.err = c->err;
  /* The sub-cursor reports offsets relative to the outer frame. */
  s.tr = p ? c->tr : NULL;
  s.base = c->base + start;
  if (c->tr && p && name) {
    char buf[32];
    snprintf(buf, sizeof buf, "%zu bytes", n);
    trace(c, start, name, "slice", buf);
  }
  return s;
}

int8_t lw_rd_i8(lw_cur *c, const char *name) {
  size_t s = c->pos;
  const uint8_t *p = take(c, 1);
  int8_t v = p ? (int8_t)p[0] : 0;
  if (c->tr && p) {
    char buf[16];
    snprintf(buf, sizeof buf, "%d", v);
    trace(c, s, name, "int8", buf);
  }
  return v;
}

bool lw_rd_bool(lw_cur *c, const char *name) {
  size_t s = c->pos;
  const uint8_t *p = take(c, 1);
  if (p && p[0] > 1)
    lw_cur_fail(c, LW_ERR_MALFORMED);
  bool v = p && p[0] == 1;
  if (c->tr && p)
    trace(c, s, name, "bool", v ? "true" : "false");
  return v;
}

#define RD_FIXED(fn, T, n, tname, fmt)                                                             \
  T fn(lw_cur *c, const char *name) {                                                              \
    size_t s = c->pos;                                                                             \
    const uint8_t *p = take(c, n);                                                                 \
    T v = p ? (T)get_be(p, n) : 0;                                                                 \
    if (c->tr && p) {                                                                              \
      char buf[32];                                                                                \
      snprintf(buf, sizeof buf, fmt, v);                                                           \
      trace(c, s, name, tname, buf);                                                               \
    }                                                                                              \
    return v;                                                                                      \
  }

RD_FIXED(lw_rd_i16, int16_t, 2, "int16", "%" PRId16)
RD_FIXED(lw_rd_i32, int32_t, 4, "int32", "%" PRId32)
RD_FIXED(lw_rd_u32, uint32_t, 4, "uint32", "0x%08" PRIx32)
RD_FIXED(lw_rd_i64, int64_t, 8, "int64", "%" PRId64)

/* Unsigned LEB128 of at most `maxbytes` bytes; overlong or unterminated input is MALFORMED
 * (or TRUNCATED when the input ends first). */
static uint64_t rd_uleb(lw_cur *c, int maxbytes) {
  if (c->err)
    return 0;
  uint64_t v = 0;
  for (int i = 0; i < maxbytes; i++) {
    if (c->pos >= c->len) {
      c->err = LW_ERR_TRUNCATED;
      return 0;
    }
    uint8_t b = c->p[c->pos++];
    v |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      /* The last byte of a 32-bit value may carry at most 4 significant bits. */
      if (maxbytes == 5 && i == 4 && b > 0x0f)
        break;
      if (maxbytes == 10 && i == 9 && b > 0x01)
        break;
      return v;
    }
  }
  c->err = LW_ERR_MALFORMED;
  return 0;
}

uint32_t lw_rd_uvarint(lw_cur *c, const char *name) {
  size_t s = c->pos;
  uint32_t v = (uint32_t)rd_uleb(c, 5);
  if (c->tr && !c->err) {
    char buf[16];
    snprintf(buf, sizeof buf, "%" PRIu32, v);
    trace(c, s, name, "uvarint", buf);
  }
  return v;
}

int32_t lw_rd_varint(lw_cur *c, const char *name) {
  size_t s = c->pos;
  uint32_t u = (uint32_t)rd_uleb(c, 5);
  int32_t v = (int32_t)((u >> 1) ^ (0u - (u & 1)));
  if (c->tr && !c->err) {
    char buf[16];
    snprintf(buf, sizeof buf, "%" PRId32, v);
    trace(c, s, name, "varint", buf);
  }
  return v;
}

int64_t lw_rd_varlong(lw_cur *c, const char *name) {
  size_t s = c->pos;
  uint64_t u = rd_uleb(c, 10);
  int64_t v = (int64_t)((u >> 1) ^ (0ull - (u & 1)));
  if (c->tr && !c->err) {
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    trace(c, s, name, "varlong", buf);
  }
  return v;
}

lw_uuid lw_rd_uuid(lw_cur *c, const char *name) {
  lw_uuid u;
  size_t s = c->pos;
  const uint8_t *p = take(c, 16);
  if (p)
    memcpy(u.b, p, 16);
  else
    memset(u.b, 0, 16);
  if (c->tr && p) {
    char buf[40];
    size_t o = 0;
    for (int i = 0; i < 16; i++)
      o += (size_t)snprintf(buf + o, sizeof buf - o, "%02x", u.b[i]);
    trace(c, s, name, "uuid", buf);
  }
  return u;
}

const uint8_t *lw_rd_raw(lw_cur *c, size_t n, const char *name) {
  size_t s = c->pos;
  const uint8_t *p = take(c, n);
  if (c->tr && p) {
    char buf[128];
    fmt_hex(buf, sizeof buf, p, (int32_t)(n > INT32_MAX ? INT32_MAX : n));
    trace(c, s, name, "raw", buf);
  }
  return p;
}

/* Length prefix of a string/bytes field: -1 for null. Compact lengths are uvarint len+1;
 * classic lengths are int16 (strings) or int32 (bytes). Any other negative is MALFORMED. */
static int32_t rd_len(lw_cur *c, bool flexible, bool is_bytes) {
  if (flexible) {
    uint32_t u = (uint32_t)rd_uleb(c, 5);
    if (c->err)
      return 0;
    if (u > (uint32_t)INT32_MAX)
      return lw_cur_fail(c, LW_ERR_MALFORMED), 0;
    return (int32_t)u - 1;
  }
  int32_t n;
  if (is_bytes) {
    const uint8_t *p = take(c, 4);
    n = p ? (int32_t)get_be(p, 4) : 0;
  } else {
    const uint8_t *p = take(c, 2);
    n = p ? (int16_t)get_be(p, 2) : 0;
  }
  if (n < -1)
    lw_cur_fail(c, LW_ERR_MALFORMED);
  return c->err ? 0 : n;
}

static lw_str rd_str(lw_cur *c, bool flexible, const char *name, bool nullable) {
  size_t s = c->pos;
  int32_t n = rd_len(c, flexible, false);
  lw_str r = LW_STR_NULL;
  if (c->err)
    return (lw_str){NULL, 0};
  if (n < 0) {
    if (!nullable) {
      lw_cur_fail(c, LW_ERR_MALFORMED);
      return (lw_str){NULL, 0};
    }
  } else {
    const uint8_t *p = take(c, (size_t)n);
    if (!p)
      return (lw_str){NULL, 0};
    r = (lw_str){(const char *)p, n};
  }
  if (c->tr) {
    char buf[400];
    fmt_str(buf, sizeof buf, r.p, r.len);
    trace(c, s, name, flexible ? "compact_string" : "string", buf);
  }
  return r;
}

lw_str lw_rd_string(lw_cur *c, bool flexible, const char *name) {
  return rd_str(c, flexible, name, false);
}

lw_str lw_rd_nstring(lw_cur *c, bool flexible, const char *name) {
  return rd_str(c, flexible, name, true);
}

lw_bytes lw_rd_bytes(lw_cur *c, bool flexible, const char *name, bool secret) {
  size_t s = c->pos;
  int32_t n = rd_len(c, flexible, true);
  lw_bytes r = {NULL, -1};
  if (c->err)
    return (lw_bytes){NULL, 0};
  if (n >= 0) {
    const uint8_t *p = take(c, (size_t)n);
    if (!p)
      return (lw_bytes){NULL, 0};
    r = (lw_bytes){p, n};
  }
  if (c->tr) {
    char buf[160];
    if (secret)
      snprintf(buf, sizeof buf, "<redacted> (%" PRId32 " bytes)", r.len);
    else
      fmt_hex(buf, sizeof buf, r.p, r.len);
    trace(c, s, name, flexible ? "compact_bytes" : "bytes", buf);
  }
  return r;
}

int32_t lw_rd_array(lw_cur *c, bool flexible, const char *name, size_t min_elem) {
  size_t s = c->pos;
  int32_t n;
  if (flexible) {
    uint32_t u = (uint32_t)rd_uleb(c, 5);
    if (u > (uint32_t)INT32_MAX)
      lw_cur_fail(c, LW_ERR_MALFORMED);
    n = (int32_t)u - 1;
  } else {
    const uint8_t *p = take(c, 4);
    n = p ? (int32_t)get_be(p, 4) : 0;
    if (n < -1)
      lw_cur_fail(c, LW_ERR_MALFORMED);
  }
  if (c->err)
    n = 0;
  if (n > 0 && min_elem > 0 && (size_t)n > lw_cur_left(c) / min_elem)
    lw_cur_fail(c, LW_ERR_TRUNCATED), n = 0;
  if (c->tr) {
    char buf[32];
    if (n < 0)
      snprintf(buf, sizeof buf, "null");
    else
      snprintf(buf, sizeof buf, "%" PRId32 " element%s", n, n == 1 ? "" : "s");
    trace(c, s, name, flexible ? "compact_array" : "array", buf);
    c->tr->depth++;
  }
  return n;
}

void lw_rd_elem(lw_cur *c, int32_t i) {
  if (c->tr) {
    char buf[16];
    snprintf(buf, sizeof buf, "[%" PRId32 "]", i);
    c->tr->depth--;
    trace(c, c->pos, buf, "element", "");
    c->tr->depth++;
  }
}

void lw_rd_array_end(lw_cur *c) {
  if (c->tr)
    c->tr->depth--;
}

void lw_rd_group(lw_cur *c, const char *name) {
  if (c->tr) {
    trace(c, c->pos, name, "struct", "");
    c->tr->depth++;
  }
}

void lw_rd_group_end(lw_cur *c) {
  if (c->tr)
    c->tr->depth--;
}

uint32_t lw_rd_tag_count(lw_cur *c, bool flexible) {
  if (!flexible)
    return 0;
  uint32_t n = lw_rd_uvarint(c, "TaggedFields");
  /* Each tagged field takes at least two bytes (tag and size). */
  if (!c->err && n > lw_cur_left(c) / 2)
    lw_cur_fail(c, LW_ERR_TRUNCATED);
  return c->err ? 0 : n;
}

uint32_t lw_rd_tag(lw_cur *c, lw_cur *sub) {
  uint32_t tag = lw_rd_uvarint(c, "Tag");
  uint32_t size = lw_rd_uvarint(c, "TagSize");
  *sub = lw_cur_sub(c, c->err ? 0 : size, NULL);
  return tag;
}

void lw_rd_tags_skip(lw_cur *c, bool flexible) {
  uint32_t n = lw_rd_tag_count(c, flexible);
  for (uint32_t i = 0; i < n && !c->err; i++) {
    lw_cur sub;
    (void)lw_rd_tag(c, &sub);
  }
}

/* ---- Arena ---- */

struct lw_arena_chunk {
  lw_arena_chunk *next;
  size_t size, used;
  _Alignas(16) unsigned char data[];
};

void lw_arena_init(lw_arena *a, size_t max) {
  a->head = NULL;
  a->used = 0;
  a->max = max;
}

void *lw_arena_alloc(lw_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n == 0 || n > a->max - a->used || a->used > a->max)
    return NULL;
  lw_arena_chunk *h = a->head;
  if (!h || h->size - h->used < n) {
    size_t sz = n > 4096 ? n : 4096;
    h = malloc(sizeof(*h) + sz);
    if (!h)
      return NULL;
    h->size = sz;
    h->used = 0;
    h->next = a->head;
    a->head = h;
  }
  void *p = h->data + h->used;
  h->used += n;
  a->used += n;
  memset(p, 0, n);
  return p;
}

void lw_arena_reset(lw_arena *a) {
  lw_arena_chunk *h = a->head;
  while (h) {
    lw_arena_chunk *n = h->next;
    free(h);
    h = n;
  }
  a->head = NULL;
  a->used = 0;
}

void lw_arena_free(lw_arena *a) {
  lw_arena_reset(a);
}

void *lw_rd_alloc(lw_cur *c, lw_arena *a, int32_t n, size_t elem) {
  if (c->err || n <= 0)
    return NULL;
  if (elem && (size_t)n > SIZE_MAX / elem) {
    lw_cur_fail(c, LW_ERR_TOO_LARGE);
    return NULL;
  }
  void *p = lw_arena_alloc(a, (size_t)n * elem);
  if (!p)
    lw_cur_fail(c, LW_ERR_TOO_LARGE);
  return p;
}
