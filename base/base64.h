/* base64.h — RFC 4648 base64 (standard alphabet, padded), as proto3 JSON writes bytes fields
 * (etcd's keys and values). */
#ifndef LW_BASE64_H
#define LW_BASE64_H

#include <stddef.h>

#include "proto/buf.h"

/* Append the encoding of p[0..n) to out. Returns out->err. */
int lw_base64_encode(lw_buf *out, const void *p, size_t n);
/* Append the bytes encoded in s[0..n) to out. Padding is optional; whitespace is refused.
 * Returns LW_OK, LW_ERR_MALFORMED or out's error. */
int lw_base64_decode(lw_buf *out, const char *s, size_t n);

#endif
