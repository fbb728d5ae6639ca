/* jsonparse.c — the JSON parser and token accessors (see json.h): iterative, so depth costs a
 * fixed stack, never recursion. */
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/err.h"

#define STACK_MAX 128 /* hard ceiling on max_depth */

enum { WANT_VALUE, WANT_VALUE_OR_END, WANT_KEY, WANT_KEY_OR_END, WANT_COLON, AFTER_VALUE };

static size_t skip_ws(const char *p, size_t len, size_t i) {
  while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
    i++;
  return i;
}

static int hex4(const char *p) {
  int v = 0;
  for (int k = 0; k < 4; k++) {
    char c = p[k];
    int h = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (h < 0)
      return -1;
    v = v << 4 | h;
  }
  return v;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n) {
  unsigned c = p[0];
  size_t k;
  unsigned min;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    k = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef)
    k = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4)
    k = 4, min = 0x10000;
  else
    return 0;
  if (n < k)
    return 0;
  unsigned cp = c & (0x7f >> k);
  for (size_t j = 1; j < k; j++) {
    if ((p[j] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (p[j] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return k;
}

/* The string whose opening quote is at p[i]: returns the index of its closing quote, or 0. */
static size_t scan_string(const char *p, size_t len, size_t i) {
  for (i++; i < len;) {
    unsigned char c = (unsigned char)p[i];
    if (c == '"')
      return i;
    if (c < 0x20)
      return 0;
    if (c == '\\') {
      if (i + 1 >= len)
        return 0;
      char e = p[i + 1];
      if (e == 'u') {
        int v = i + 6 <= len ? hex4(p + i + 2) : -1;
        if (v < 0 || (v >= 0xdc00 && v <= 0xdfff))
          return 0; /* bad hex, or a low surrogate alone */
        i += 6;
        if (v >= 0xd800 && v <= 0xdbff) { /* a high surrogate wants its low half */
          int lo = i + 6 <= len && p[i] == '\\' && p[i + 1] == 'u' ? hex4(p + i + 2) : -1;
          if (lo < 0xdc00 || lo > 0xdfff)
            return 0;
          i += 6;
        }
        continue;
      }
      if (!strchr("\"\\/bfnrt", e) || !e)
        return 0;
      i += 2;
      continue;
    }
    size_t k = utf8_seq((const unsigned char *)p + i, len - i);
    if (!k)
      return 0;
    i += k;
  }
  return 0;
}

/* The number at p[i]: returns the index just past it, or 0. */
static size_t scan_number(const char *p, size_t len, size_t i) {
#define DIGIT(j) ((j) < len && p[j] >= '0' && p[j] <= '9')
  if (i < len && p[i] == '-')
    i++;
  if (i < len && p[i] == '0')
    i++;
  else if (DIGIT(i))
    while (DIGIT(i))
      i++;
  else
    return 0;
  if (i < len && p[i] == '.') {
    i++;
    if (!DIGIT(i))
      return 0;
    while (DIGIT(i))
      i++;
  }
  if (i < len && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    if (i < len && (p[i] == '+' || p[i] == '-'))
      i++;
    if (!DIGIT(i))
      return 0;
    while (DIGIT(i))
      i++;
  }
  return i;
#undef DIGIT
}

static int add(lw_jdoc *d, uint8_t type, size_t start, size_t len) {
  if (d->ntok == d->cap)
    return -1;
  uint32_t k = d->ntok++;
  d->t[k] = (lw_jtok){
      .type = type, .start = (uint32_t)start, .len = (uint32_t)len, .n = 0, .next = k + 1};
  return (int)k;
}

int lw_json_parse(lw_jdoc *d, const char *p, size_t len, lw_jtok *toks, size_t cap, int max_depth) {
  uint32_t stk[STACK_MAX];
  int depth = 0, st = WANT_VALUE;
  size_t i = 0;
  *d = (lw_jdoc){
      .src = p, .len = len, .t = toks, .cap = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap};
  if (len >= UINT32_MAX)
    return LW_ERR_TOO_LARGE;
  if (max_depth > STACK_MAX)
    max_depth = STACK_MAX;
  for (;;) {
    i = skip_ws(p, len, i);
    if (st == AFTER_VALUE && depth == 0)
      break;
    if (i >= len)
      return LW_ERR_MALFORMED;
    char c = p[i];
    lw_jtok *top = depth ? &d->t[stk[depth - 1]] : NULL;
    if (((st == WANT_VALUE_OR_END || st == AFTER_VALUE) && c == ']' && top &&
         top->type == LW_JARR) ||
        ((st == WANT_KEY_OR_END || st == AFTER_VALUE) && c == '}' && top && top->type == LW_JOBJ)) {
      top->len = (uint32_t)(i + 1 - top->start);
      top->next = d->ntok;
      depth--;
      i++;
      st = AFTER_VALUE;
      continue;
    }
    switch (st) {
      case AFTER_VALUE:
        if (c != ',')
          return LW_ERR_MALFORMED;
        i++;
        st = top->type == LW_JOBJ ? WANT_KEY : WANT_VALUE;
        continue;
      case WANT_COLON:
        if (c != ':')
          return LW_ERR_MALFORMED;
        i++;
        st = WANT_VALUE;
        continue;
      case WANT_KEY:
      case WANT_KEY_OR_END: {
        size_t e = c == '"' ? scan_string(p, len, i) : 0;
        if (!e)
          return LW_ERR_MALFORMED;
        if (add(d, LW_JSTR, i + 1, e - i - 1) < 0)
          return LW_ERR_TOO_LARGE;
        top->n++;
        i = e + 1;
        st = WANT_COLON;
        continue;
      }
      default:
        break;
    }
    /* A value. */
    if (top && top->type == LW_JARR)
      top->n++;
    int k;
    if (c == '{' || c == '[') {
      if (depth >= max_depth)
        return LW_ERR_TOO_LARGE;
      if ((k = add(d, c == '{' ? LW_JOBJ : LW_JARR, i, 1)) < 0)
        return LW_ERR_TOO_LARGE;
      stk[depth++] = (uint32_t)k;
      i++;
      st = c == '{' ? WANT_KEY_OR_END : WANT_VALUE_OR_END;
      continue;
    }
    size_t e;
    uint8_t type;
    size_t start = i;
    if (c == '"') {
      if (!(e = scan_string(p, len, i)))
        return LW_ERR_MALFORMED;
      type = LW_JSTR;
      start = i + 1;
      i = e + 1;
      e = e - start;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      if (!(e = scan_number(p, len, i)))
        return LW_ERR_MALFORMED;
      type = LW_JNUM;
      i = e;
      e = e - start;
    } else if (len - i >= 4 && memcmp(p + i, "null", 4) == 0) {
      type = LW_JNULL, e = 4, i += 4;
    } else if (len - i >= 4 && memcmp(p + i, "true", 4) == 0) {
      type = LW_JTRUE, e = 4, i += 4;
    } else if (len - i >= 5 && memcmp(p + i, "false", 5) == 0) {
      type = LW_JFALSE, e = 5, i += 5;
    } else {
      return LW_ERR_MALFORMED;
    }
    if (add(d, type, start, e) < 0)
      return LW_ERR_TOO_LARGE;
    st = AFTER_VALUE;
  }
  return i == len ? LW_OK : LW_ERR_MALFORMED;
}

int lw_jdoc_type(const lw_jdoc *d, int i) {
  return i < 0 || (uint32_t)i >= d->ntok ? -1 : d->t[i].type;
}

bool lw_jdoc_streq(const lw_jdoc *d, int i, const char *s) {
  if (lw_jdoc_type(d, i) != LW_JSTR)
    return false;
  const lw_jtok *t = &d->t[i];
  size_t n = strlen(s);
  const char *raw = d->src + t->start;
  if (!memchr(raw, '\\', t->len))
    return t->len == n && memcmp(raw, s, n) == 0;
  char small[256];
  if (n >= sizeof small || lw_jdoc_strz(d, i, small, sizeof small) != LW_OK)
    return false;
  return strcmp(small, s) == 0;
}

int lw_jdoc_get(const lw_jdoc *d, int obj, const char *key) {
  if (lw_jdoc_type(d, obj) != LW_JOBJ)
    return -1;
  uint32_t k = (uint32_t)obj + 1;
  for (uint32_t m = 0; m < d->t[obj].n; m++) {
    uint32_t v = k + 1;
    if (lw_jdoc_streq(d, (int)k, key))
      return (int)v;
    k = d->t[v].next;
  }
  return -1;
}

int lw_jdoc_at(const lw_jdoc *d, int arr, uint32_t i) {
  if (lw_jdoc_type(d, arr) != LW_JARR || i >= d->t[arr].n)
    return -1;
  uint32_t k = (uint32_t)arr + 1;
  while (i--)
    k = d->t[k].next;
  return (int)k;
}

static void put_utf8(lw_buf *b, unsigned cp) {
  uint8_t o[4];
  size_t n;
  if (cp < 0x80) {
    o[0] = (uint8_t)cp, n = 1;
  } else if (cp < 0x800) {
    o[0] = (uint8_t)(0xc0 | cp >> 6), o[1] = (uint8_t)(0x80 | (cp & 0x3f)), n = 2;
  } else if (cp < 0x10000) {
    o[0] = (uint8_t)(0xe0 | cp >> 12), o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (uint8_t)(0x80 | (cp & 0x3f)), n = 3;
  } else {
    o[0] = (uint8_t)(0xf0 | cp >> 18), o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), o[3] = (uint8_t)(0x80 | (cp & 0x3f)), n = 4;
  }
  lw_buf_append(b, o, n);
}

int lw_jdoc_str(const lw_jdoc *d, int i, lw_buf *out) {
  if (lw_jdoc_type(d, i) != LW_JSTR)
    return LW_ERR_INVALID_ARG;
  const char *p = d->src + d->t[i].start, *end = p + d->t[i].len;
  while (p < end) {
    const char *bs = memchr(p, '\\', (size_t)(end - p));
    size_t run = bs ? (size_t)(bs - p) : (size_t)(end - p);
    lw_buf_append(out, p, run);
    p += run;
    if (p >= end)
      break;
    char e = p[1];
    p += 2;
    if (e == 'u') { /* validated by the parser: hex, surrogates paired */
      unsigned cp = (unsigned)hex4(p);
      p += 4;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned)hex4(p + 2) - 0xdc00);
        p += 6;
      }
      put_utf8(out, cp);
      continue;
    }
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    lw_buf_put_u8(out, (uint8_t)to[strchr(from, e) - from]);
  }
  return out->err;
}

int lw_jdoc_strz(const lw_jdoc *d, int i, char *out, size_t outn) {
  if (lw_jdoc_type(d, i) != LW_JSTR || outn == 0)
    return LW_ERR_INVALID_ARG;
  lw_buf b;
  lw_buf_init(&b, outn - 1);
  int rc = lw_jdoc_str(d, i, &b);
  if (rc == LW_OK && b.len && memchr(b.data, 0, b.len))
    rc = LW_ERR_MALFORMED;
  if (rc == LW_OK) {
    if (b.len)
      memcpy(out, b.data, b.len);
    out[b.len] = 0;
  }
  lw_buf_free(&b);
  return rc;
}

int lw_jdoc_i64(const lw_jdoc *d, int i, int64_t *out) {
  int type = lw_jdoc_type(d, i);
  if (type != LW_JNUM && type != LW_JSTR)
    return LW_ERR_INVALID_ARG;
  const char *p = d->src + d->t[i].start;
  size_t n = d->t[i].len, k = 0;
  bool neg = n > 0 && p[0] == '-';
  k = neg;
  if (k == n)
    return LW_ERR_INVALID_ARG;
  uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; k < n; k++) {
    if (p[k] < '0' || p[k] > '9')
      return LW_ERR_INVALID_ARG;
    unsigned dg = (unsigned)(p[k] - '0');
    if (v > (lim - dg) / 10)
      return LW_ERR_TOO_LARGE;
    v = v * 10 + dg;
  }
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return LW_OK;
}

bool lw_jdoc_bool(const lw_jdoc *d, int i, bool dflt) {
  int type = lw_jdoc_type(d, i);
  return type == LW_JTRUE ? true : type == LW_JFALSE ? false : dflt;
}
