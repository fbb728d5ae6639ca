/* ident.c — file fingerprints: FNV-1a 64 over the first bytes of a file (see ident.h). */
#include "tail/ident.h"

#include <errno.h>
#include <unistd.h>

#include "base/err.h"

#define FNV_PRIME 0x100000001b3ull

uint64_t lw_fnv1a64(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= FNV_PRIME;
  }
  return h;
}

/* Read exactly [off, off+n) or fewer bytes at end of file. Returns bytes read or -1. */
static ssize_t pread_full(int fd, uint8_t *buf, size_t n, uint64_t off) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + got));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -1;
    if (r == 0)
      break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

int lw_fp_read(int fd, uint64_t size, lw_fp *fp, const lw_fp *want, bool *same) {
  uint8_t buf[LW_FP_MAX];
  size_t n = size < LW_FP_MAX ? (size_t)size : LW_FP_MAX;
  ssize_t got = pread_full(fd, buf, n, 0);
  if (got < 0)
    return LW_ERR_IO;
  /* The file may have shrunk between fstat and pread: fingerprint what is there. */
  fp->len = (uint32_t)got;
  if (want) {
    *same = want->len <= fp->len;
    if (*same) {
      uint64_t h = lw_fnv1a64(LW_FNV_INIT, buf, want->len);
      *same = h == want->hash;
      fp->hash = lw_fnv1a64(h, buf + want->len, fp->len - want->len);
      return LW_OK;
    }
  }
  fp->hash = lw_fnv1a64(LW_FNV_INIT, buf, fp->len);
  return LW_OK;
}

int lw_fp_grow(int fd, uint64_t size, lw_fp *fp, bool *same) {
  *same = true;
  if (fp->len >= LW_FP_MAX || size <= fp->len)
    return LW_OK;
  uint8_t buf[LW_FP_MAX];
  size_t want = size < LW_FP_MAX ? (size_t)size : LW_FP_MAX;
  ssize_t got = pread_full(fd, buf, want, 0);
  if (got < 0)
    return LW_ERR_IO;
  if ((size_t)got < fp->len) {
    *same = false;
    return LW_OK;
  }
  uint64_t h = lw_fnv1a64(LW_FNV_INIT, buf, fp->len);
  *same = h == fp->hash;
  if (*same) {
    fp->hash = lw_fnv1a64(h, buf + fp->len, (size_t)got - fp->len);
    fp->len = (uint32_t)got;
  }
  return LW_OK;
}

bool lw_fp_check(int fd, const lw_fp *fp, int *err) {
  uint8_t buf[LW_FP_MAX];
  *err = LW_OK;
  ssize_t got = pread_full(fd, buf, fp->len, 0);
  if (got < 0) {
    *err = LW_ERR_IO;
    return true; /* unknown: do not call it a different file on a read error */
  }
  return (size_t)got == fp->len && lw_fnv1a64(LW_FNV_INIT, buf, fp->len) == fp->hash;
}
