/* compress.c — record compression codecs: none, gzip (zlib, gzip wrapper) and lz4 (LZ4 frame
 * format as Kafka writes it), with reusable contexts and a ceiling on every output. */
#include "proto/compress.h"

#include <limits.h>
#include <lz4frame.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/err.h"

static const char *const codec_names[] = {"none", "gzip", "snappy", "lz4", "zstd"};

const char *lw_codec_name(int codec) {
  if (codec < 0 || codec > LW_CODEC_ZSTD)
    return NULL;
  return codec_names[codec];
}

int lw_codec_from_name(const char *name) {
  for (int i = 0; name && i <= LW_CODEC_ZSTD; i++)
    if (strcmp(name, codec_names[i]) == 0)
      return i;
  return -1;
}

void lw_zctx_free(lw_zctx *z) {
  if (z->gz_def) {
    deflateEnd(z->gz_def);
    free(z->gz_def);
  }
  if (z->gz_inf) {
    inflateEnd(z->gz_inf);
    free(z->gz_inf);
  }
  if (z->lz4_c)
    LZ4F_freeCompressionContext(z->lz4_c);
  if (z->lz4_d)
    LZ4F_freeDecompressionContext(z->lz4_d);
  memset(z, 0, sizeof(*z));
}

/* Bytes `out` may still grow by before its ceiling. */
static size_t room_left(const lw_buf *out) {
  size_t t = lw_buf_total(out);
  return t >= out->max ? 0 : out->max - t;
}

/* Make at least some free space after out->len without passing the ceiling (growing the
 * allocation geometrically). Returns the usable free space (0 at the ceiling) or sets *err. */
static size_t grow(lw_buf *out, size_t hint, int *err) {
  size_t room = room_left(out);
  size_t avail = out->cap - out->len;
  if (avail >= 16384 || avail >= room)
    return avail < room ? avail : room;
  size_t want = out->len > hint ? out->len : hint;
  if (want < 65536)
    want = 65536;
  if (want > room)
    want = room;
  if (lw_buf_reserve(out, want)) {
    *err = out->err;
    out->err = LW_OK; /* not sticky: the caller restores the buffer and reports */
    return 0;
  }
  avail = out->cap - out->len;
  return avail < room ? avail : room;
}

/* ---- gzip ---- */

static int gz_compress(lw_zctx *z, int level, const uint8_t *in, size_t n, lw_buf *out) {
  int zlevel = level == 0 ? Z_DEFAULT_COMPRESSION : level;
  if (level < 0 || level > 9)
    return LW_ERR_INVALID_ARG;
  z_stream *s = z->gz_def;
  if (!s) {
    if (!(s = calloc(1, sizeof(*s))))
      return LW_ERR_NOMEM;
    /* windowBits 15 + 16: the gzip wrapper (RFC 1952), as Kafka's GZIPOutputStream. */
    if (deflateInit2(s, zlevel, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      free(s);
      return LW_ERR_NOMEM;
    }
    z->gz_def = s;
    z->gz_level = zlevel;
  } else {
    deflateReset(s);
    if (z->gz_level != zlevel) {
      if (deflateParams(s, zlevel, Z_DEFAULT_STRATEGY) != Z_OK)
        return LW_ERR_COMPRESSION;
      z->gz_level = zlevel;
    }
  }
  /* The gzip header Kafka's Java client writes: no name, no time, OS 255 ("unknown"). */
  gz_header gh;
  memset(&gh, 0, sizeof(gh));
  gh.os = 255;
  if (deflateSetHeader(s, &gh) != Z_OK)
    return LW_ERR_COMPRESSION;
  size_t room = room_left(out);
  size_t bound = deflateBound(s, n > ULONG_MAX ? ULONG_MAX : (uLong)n);
  size_t want = bound < room ? bound : room;
  if (want == 0 || lw_buf_reserve(out, want)) {
    int err = out->err ? out->err : LW_ERR_TOO_LARGE;
    out->err = LW_OK;
    return err;
  }
  size_t in_left = n, out_left = want;
  s->avail_in = 0;
  s->avail_out = 0;
  s->next_in = (Bytef *)(uintptr_t)in;
  s->next_out = out->data + out->len;
  for (;;) {
    if (s->avail_in == 0 && in_left) {
      s->avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
      in_left -= s->avail_in;
    }
    if (s->avail_out == 0) {
      if (!out_left)
        return LW_ERR_TOO_LARGE;
      s->avail_out = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
      out_left -= s->avail_out;
    }
    int rc = deflate(s, in_left || s->avail_in ? Z_NO_FLUSH : Z_FINISH);
    if (rc == Z_STREAM_END)
      break;
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return LW_ERR_COMPRESSION;
  }
  lw_buf_commit(out, (size_t)(s->next_out - (out->data + out->len)));
  return LW_OK;
}

/* Inflate every gzip member of in[0..n) (Java's GZIPInputStream reads concatenated
 * members, so a producer may send them); bytes after a member that are not another member
 * are an error. */
static int gz_decompress(lw_zctx *z, const uint8_t *in, size_t n, lw_buf *out) {
  z_stream *s = z->gz_inf;
  if (!s) {
    if (!(s = calloc(1, sizeof(*s))))
      return LW_ERR_NOMEM;
    if (inflateInit2(s, 15 + 16) != Z_OK) {
      free(s);
      return LW_ERR_NOMEM;
    }
    z->gz_inf = s;
  } else {
    inflateReset(s);
  }
  if (n == 0)
    return LW_ERR_COMPRESSION;
  size_t in_left = n;
  s->next_in = (Bytef *)(uintptr_t)in;
  s->avail_in = 0;
  for (;;) {
    if (s->avail_in == 0 && in_left) {
      s->avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
      in_left -= s->avail_in;
    }
    int err = LW_OK;
    size_t avail = grow(out, n * 4, &err);
    if (err)
      return err;
    uint8_t probe;
    /* At the ceiling, inflate into one spare byte: any output there is too much. */
    s->next_out = avail ? out->data + out->len : &probe;
    s->avail_out = avail ? (avail > UINT_MAX ? UINT_MAX : (uInt)avail) : 1;
    uInt before_out = s->avail_out, before_in = s->avail_in;
    int rc = inflate(s, Z_NO_FLUSH);
    size_t produced = before_out - s->avail_out;
    if (!avail && produced)
      return LW_ERR_TOO_LARGE;
    lw_buf_commit(out, produced);
    if (rc == Z_STREAM_END) {
      if (s->avail_in == 0 && in_left == 0)
        return LW_OK;
      if (s->avail_in == 0) {
        s->avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
        in_left -= s->avail_in;
      }
      if (s->avail_in < 2 || s->next_in[0] != 0x1f || s->next_in[1] != 0x8b)
        return LW_ERR_COMPRESSION;
      inflateReset(s);
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return LW_ERR_COMPRESSION;
    /* No progress with input left means the stream cannot go on; no input left before the
     * end of the stream means it was cut short. */
    if (produced == 0 && s->avail_in == before_in)
      return LW_ERR_COMPRESSION;
  }
}

/* ---- lz4 ---- */

/* xxHash32 (seed 0 only), for the LZ4 frame descriptor checksum. */
static uint32_t rotl32(uint32_t x, int r) {
  return (x << r) | (x >> (32 - r));
}

static uint32_t rd_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define XXH_P1 2654435761u
#define XXH_P2 2246822519u
#define XXH_P3 3266489917u
#define XXH_P4 668265263u
#define XXH_P5 374761393u

uint32_t lw_xxh32(const void *buf, size_t n) {
  const uint8_t *p = buf, *end = p + n;
  uint32_t h;
  if (n >= 16) {
    uint32_t v1 = XXH_P1 + XXH_P2, v2 = XXH_P2, v3 = 0, v4 = 0u - XXH_P1;
    for (; end - p >= 16; p += 16) {
      v1 = rotl32(v1 + rd_le32(p) * XXH_P2, 13) * XXH_P1;
      v2 = rotl32(v2 + rd_le32(p + 4) * XXH_P2, 13) * XXH_P1;
      v3 = rotl32(v3 + rd_le32(p + 8) * XXH_P2, 13) * XXH_P1;
      v4 = rotl32(v4 + rd_le32(p + 12) * XXH_P2, 13) * XXH_P1;
    }
    h = rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18);
  } else {
    h = XXH_P5;
  }
  h += (uint32_t)n;
  for (; end - p >= 4; p += 4)
    h = rotl32(h + rd_le32(p) * XXH_P3, 17) * XXH_P4;
  for (; p < end; p++)
    h = rotl32(h + *p * XXH_P5, 11) * XXH_P1;
  h ^= h >> 15;
  h *= XXH_P2;
  h ^= h >> 13;
  h *= XXH_P3;
  h ^= h >> 16;
  return h;
}

#define LZ4_MAGIC 0x184D2204u

/* Frame descriptor checksum: second byte of xxHash32 over FLG..(end of descriptor). Kafka's
 * first LZ4 writer (magic 0 messages, KAFKA-3160) hashed the magic number too. */
static uint8_t lz4_hc(const uint8_t *frame, size_t hl, bool legacy) {
  return legacy ? (uint8_t)(lw_xxh32(frame, hl - 1) >> 8)
                : (uint8_t)(lw_xxh32(frame + 4, hl - 5) >> 8);
}

static int lz4_compress(lw_zctx *z, int level, const uint8_t *in, size_t n, lw_buf *out,
                        bool legacy_hc) {
  if (level < 0 || level > LZ4F_compressionLevel_max())
    return LW_ERR_INVALID_ARG;
  if (!z->lz4_c) {
    LZ4F_cctx *c;
    if (LZ4F_isError(LZ4F_createCompressionContext(&c, LZ4F_VERSION)))
      return LW_ERR_NOMEM;
    z->lz4_c = c;
  }
  /* What Kafka's Lz4BlockOutputStream writes: independent 64 KiB blocks, no block or
   * content checksum, no content size (FLG 0x60, BD 0x40); its reader rejects dependent
   * blocks. */
  LZ4F_preferences_t prefs;
  memset(&prefs, 0, sizeof(prefs));
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
  prefs.frameInfo.frameType = LZ4F_frame;
  prefs.compressionLevel = level;
  size_t room = room_left(out);
  size_t bound = LZ4F_HEADER_SIZE_MAX + LZ4F_compressBound(n, &prefs);
  size_t want = bound < room ? bound : room;
  size_t start = out->len;
  if (want < LZ4F_HEADER_SIZE_MAX || lw_buf_reserve(out, want)) {
    int err = out->err ? out->err : LW_ERR_TOO_LARGE;
    out->err = LW_OK;
    return err;
  }
  uint8_t *dst = out->data + start;
  size_t cap = want, pos;
  pos = LZ4F_compressBegin(z->lz4_c, dst, cap, &prefs);
  if (LZ4F_isError(pos))
    return LW_ERR_COMPRESSION;
  if (legacy_hc)
    dst[pos - 1] = lz4_hc(dst, pos, true);
  /* One 64 KiB block of input per call: LZ4F then asks for free space of one block's worst
   * case (the block stored raw plus its size) rather than the whole input's. When the space
   * was clipped by the ceiling, running out of it is LW_ERR_TOO_LARGE. */
  int short_err = want < bound ? LW_ERR_TOO_LARGE : LW_ERR_COMPRESSION;
  for (size_t off = 0; off < n;) {
    size_t k = n - off > 65536 ? 65536 : n - off;
    size_t w = LZ4F_compressUpdate(z->lz4_c, dst + pos, cap - pos, in + off, k, NULL);
    if (LZ4F_isError(w))
      return short_err;
    pos += w;
    off += k;
  }
  size_t w = LZ4F_compressEnd(z->lz4_c, dst + pos, cap - pos, NULL);
  if (LZ4F_isError(w))
    return short_err;
  lw_buf_commit(out, pos + w);
  return LW_OK;
}

/* Decompress every LZ4 frame of in[0..n). A descriptor whose checksum is the legacy one is
 * accepted (it is repaired in a copy of the header before liblz4 sees it). */
static int lz4_decompress(lw_zctx *z, const uint8_t *in, size_t n, lw_buf *out) {
  if (!z->lz4_d) {
    LZ4F_dctx *d;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
      return LW_ERR_NOMEM;
    z->lz4_d = d;
  }
  LZ4F_dctx *d = z->lz4_d;
  size_t pos = 0;
  do {
    LZ4F_resetDecompressionContext(d);
    /* Descriptor: magic, FLG, BD, [content size 8], [dictionary id 4], HC. */
    uint8_t hdr[LZ4F_HEADER_SIZE_MAX];
    if (n - pos < 7 || rd_le32(in + pos) != LZ4_MAGIC)
      return LW_ERR_COMPRESSION;
    uint8_t flg = in[pos + 4];
    size_t hl = 7 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0);
    if (n - pos < hl)
      return LW_ERR_COMPRESSION;
    memcpy(hdr, in + pos, hl);
    uint8_t hc = lz4_hc(hdr, hl, false);
    if (hdr[hl - 1] != hc) {
      if (hdr[hl - 1] != lz4_hc(hdr, hl, true))
        return LW_ERR_COMPRESSION;
      hdr[hl - 1] = hc;
    }
    size_t hsz = hl, dsz = 0;
    size_t ret = LZ4F_decompress(d, NULL, &dsz, hdr, &hsz, NULL);
    if (LZ4F_isError(ret) || hsz != hl)
      return LW_ERR_COMPRESSION;
    pos += hl;
    while (ret != 0) {
      int err = LW_OK;
      size_t avail = grow(out, (n - pos) * 4, &err);
      if (err)
        return err;
      uint8_t probe;
      size_t dcap = avail ? avail : 1, scap = n - pos;
      ret = LZ4F_decompress(d, avail ? out->data + out->len : &probe, &dcap, in + pos, &scap, NULL);
      if (LZ4F_isError(ret))
        return LW_ERR_COMPRESSION;
      if (!avail && dcap)
        return LW_ERR_TOO_LARGE;
      if (scap == 0 && dcap == 0)
        return LW_ERR_COMPRESSION;
      lw_buf_commit(out, dcap);
      pos += scap;
      /* Input exhausted before the end mark with the output not full: cut short. */
      if (ret != 0 && pos == n && dcap < (avail ? avail : 1))
        return LW_ERR_COMPRESSION;
    }
  } while (pos < n);
  return LW_OK;
}

/* ---- Entry points ---- */

int lw_compress(lw_zctx *z, int codec, int level, const uint8_t *in, size_t n, lw_buf *out,
                bool legacy_lz4_hc) {
  lw_zctx tmp = {0};
  size_t len0 = out->len;
  int err;
  if (out->err)
    return out->err;
  if (!z)
    z = &tmp;
  switch (codec) {
    case LW_CODEC_NONE:
      err = n > room_left(out) ? LW_ERR_TOO_LARGE : LW_OK;
      if (!err)
        lw_buf_append(out, in, n);
      err = err ? err : out->err;
      break;
    case LW_CODEC_GZIP:
      err = gz_compress(z, level, in, n, out);
      break;
    case LW_CODEC_LZ4:
      err = lz4_compress(z, level, in, n, out, legacy_lz4_hc);
      break;
    default:
      err = LW_ERR_UNSUPPORTED;
      break;
  }
  if (err)
    out->len = len0;
  lw_zctx_free(&tmp);
  return err;
}

int lw_decompress(lw_zctx *z, int codec, const uint8_t *in, size_t n, lw_buf *out) {
  lw_zctx tmp = {0};
  size_t len0 = out->len;
  int err;
  if (out->err)
    return out->err;
  if (!z)
    z = &tmp;
  switch (codec) {
    case LW_CODEC_NONE:
      err = n > room_left(out) ? LW_ERR_TOO_LARGE : LW_OK;
      if (!err)
        lw_buf_append(out, in, n);
      err = err ? err : out->err;
      break;
    case LW_CODEC_GZIP:
      err = gz_decompress(z, in, n, out);
      break;
    case LW_CODEC_LZ4:
      err = lz4_decompress(z, in, n, out);
      /* liblz4 1.9.4 keeps parts of a failed frame's state (its content size) across
       * LZ4F_resetDecompressionContext, failing the next good frame: start afresh. */
      if (err && z->lz4_d) {
        LZ4F_freeDecompressionContext(z->lz4_d);
        z->lz4_d = NULL;
      }
      break;
    default:
      err = LW_ERR_UNSUPPORTED;
      break;
  }
  if (err)
    out->len = len0;
  lw_zctx_free(&tmp);
  return err;
}
