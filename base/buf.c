/* buf.c — growable output buffer with a ceiling and optional splices (see buf.h). */
#include "base/buf.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

void lw_buf_init(lw_buf *b, size_t max) {
  memset(b, 0, sizeof(*b));
  b->max = max;
}

void lw_buf_free(lw_buf *b) {
  free(b->data);
  free(b->segs);
  memset(b, 0, sizeof(*b));
}

void lw_buf_reset(lw_buf *b) {
  b->len = 0;
  b->err = LW_OK;
  b->nsegs = 0;
  b->seg_bytes = 0;
}

size_t lw_buf_total_since(const lw_buf *b, size_t off) {
  size_t t = b->len - off;
  for (size_t i = 0; i < b->nsegs; i++)
    if (b->segs[i].at >= off)
      t += b->segs[i].len;
  return t;
}

int lw_buf_reserve(lw_buf *b, size_t n) {
  if (b->err)
    return b->err;
  if (n > b->max || lw_buf_total(b) > b->max - n) {
    b->err = LW_ERR_TOO_LARGE;
    return b->err;
  }
  if (b->cap - b->len >= n)
    return LW_OK;
  size_t want = b->len + n;
  size_t ncap = b->cap ? b->cap : 256;
  while (ncap < want)
    ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
  if (ncap > b->max)
    ncap = b->max > want ? b->max : want;
  uint8_t *p = realloc(b->data, ncap);
  if (!p) {
    b->err = LW_ERR_NOMEM;
    return b->err;
  }
  b->data = p;
  b->cap = ncap;
  return LW_OK;
}

void lw_buf_append(lw_buf *b, const void *p, size_t n) {
  if (n == 0 || lw_buf_reserve(b, n))
    return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void lw_buf_put_u8(lw_buf *b, uint8_t v) {
  if (lw_buf_reserve(b, 1))
    return;
  b->data[b->len++] = v;
}

static void put_be(uint8_t *d, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; i--) {
    d[i] = (uint8_t)v;
    v >>= 8;
  }
}

static void put_fixed(lw_buf *b, uint64_t v, int n) {
  if (lw_buf_reserve(b, (size_t)n))
    return;
  put_be(b->data + b->len, v, n);
  b->len += (size_t)n;
}

void lw_buf_put_i16(lw_buf *b, int16_t v) {
  put_fixed(b, (uint16_t)v, 2);
}
void lw_buf_put_i32(lw_buf *b, int32_t v) {
  put_fixed(b, (uint32_t)v, 4);
}
void lw_buf_put_u32(lw_buf *b, uint32_t v) {
  put_fixed(b, v, 4);
}
void lw_buf_put_i64(lw_buf *b, int64_t v) {
  put_fixed(b, (uint64_t)v, 8);
}

static void put_uleb(lw_buf *b, uint64_t v) {
  if (lw_buf_reserve(b, 10))
    return;
  uint8_t *d = b->data + b->len;
  size_t n = 0;
  while (v >= 0x80) {
    d[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  d[n++] = (uint8_t)v;
  b->len += n;
}

void lw_buf_put_uvarint(lw_buf *b, uint32_t v) {
  put_uleb(b, v);
}
void lw_buf_put_varint(lw_buf *b, int32_t v) {
  put_uleb(b, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}
void lw_buf_put_varlong(lw_buf *b, int64_t v) {
  put_uleb(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void patch(lw_buf *b, size_t off, uint64_t v, int n) {
  if (b->err)
    return;
  if (off > b->len || b->len - off < (size_t)n) {
    b->err = LW_ERR_INVALID_ARG;
    return;
  }
  put_be(b->data + off, v, n);
}

void lw_buf_patch_i16(lw_buf *b, size_t off, int16_t v) {
  patch(b, off, (uint16_t)v, 2);
}
void lw_buf_patch_i32(lw_buf *b, size_t off, int32_t v) {
  patch(b, off, (uint32_t)v, 4);
}
void lw_buf_patch_u32(lw_buf *b, size_t off, uint32_t v) {
  patch(b, off, v, 4);
}
void lw_buf_patch_i64(lw_buf *b, size_t off, int64_t v) {
  patch(b, off, (uint64_t)v, 8);
}

void lw_buf_splice(lw_buf *b, const void *p, size_t n) {
  if (b->err || n == 0)
    return;
  if (n > b->max || lw_buf_total(b) > b->max - n) {
    b->err = LW_ERR_TOO_LARGE;
    return;
  }
  if (b->nsegs == b->segcap) {
    size_t ncap = b->segcap ? b->segcap * 2 : 8;
    lw_seg *s = realloc(b->segs, ncap * sizeof(*s));
    if (!s) {
      b->err = LW_ERR_NOMEM;
      return;
    }
    b->segs = s;
    b->segcap = ncap;
  }
  b->segs[b->nsegs++] = (lw_seg){.at = b->len, .p = p, .len = n};
  b->seg_bytes += n;
}

int lw_buf_iov(const lw_buf *b, struct iovec *iov, int max) {
  int n = 0;
  size_t pos = 0;
  for (size_t i = 0; i <= b->nsegs; i++) {
    size_t at = i < b->nsegs ? b->segs[i].at : b->len;
    if (at > pos) {
      if (n == max)
        return -1;
      iov[n++] = (struct iovec){.iov_base = b->data + pos, .iov_len = at - pos};
      pos = at;
    }
    if (i < b->nsegs) {
      if (n == max)
        return -1;
      iov[n++] = (struct iovec){.iov_base = (void *)b->segs[i].p, .iov_len = b->segs[i].len};
    }
  }
  return n;
}

int lw_buf_flatten(const lw_buf *b, lw_buf *out) {
  lw_buf_reset(out);
  size_t pos = 0;
  for (size_t i = 0; i <= b->nsegs; i++) {
    size_t at = i < b->nsegs ? b->segs[i].at : b->len;
    if (at > pos) /* an empty buffer has data == NULL: no pointer arithmetic on it */
      lw_buf_append(out, b->data + pos, at - pos);
    pos = at;
    if (i < b->nsegs)
      lw_buf_append(out, b->segs[i].p, b->segs[i].len);
  }
  return out->err;
}

int lw_uvarint_size(uint32_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

int lw_varint_size(int32_t v) {
  return lw_uvarint_size(((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

int lw_varlong_size(int64_t v) {
  uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
  int n = 1;
  while (u >= 0x80) {
    u >>= 7;
    n++;
  }
  return n;
}
