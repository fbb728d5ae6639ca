/* base64.c — RFC 4648 base64 (see base64.h). */
#include "base/base64.h"

#include "proto/err.h"

static const char enc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int lw_base64_encode(lw_buf *out, const void *data, size_t n) {
  const unsigned char *p = data;
  if (lw_buf_reserve(out, (n + 2) / 3 * 4) != LW_OK)
    return out->err;
  char *o = (char *)lw_buf_tail(out);
  size_t k = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                 (i + 2 < n ? p[i + 2] : 0);
    o[k++] = enc[v >> 18 & 63];
    o[k++] = enc[v >> 12 & 63];
    o[k++] = i + 1 < n ? enc[v >> 6 & 63] : '=';
    o[k++] = i + 2 < n ? enc[v & 63] : '=';
  }
  lw_buf_commit(out, k);
  return out->err;
}

static int dec(char c) {
  return c >= 'A' && c <= 'Z'   ? c - 'A'
         : c >= 'a' && c <= 'z' ? c - 'a' + 26
         : c >= '0' && c <= '9' ? c - '0' + 52
         : c == '+'             ? 62
         : c == '/'             ? 63
                                : -1;
}

int lw_base64_decode(lw_buf *out, const char *s, size_t n) {
  while (n > 0 && s[n - 1] == '=' && n % 4 != 1)
    n--;
  if (n % 4 == 1)
    return LW_ERR_MALFORMED;
  unsigned acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = dec(s[i]);
    if (v < 0)
      return LW_ERR_MALFORMED;
    acc = (acc << 6 | (unsigned)v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      lw_buf_put_u8(out, (unsigned char)(acc >> bits));
    }
  }
  /* Leftover bits must be zero (a canonical encoding). */
  if (bits && (acc & ((1u << bits) - 1)))
    return LW_ERR_MALFORMED;
  return out->err;
}
