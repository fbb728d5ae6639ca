/* compress.h — record compression codecs: none, gzip (zlib) and lz4 (the LZ4 frame format,
 * independent 64 KiB blocks, as Kafka writes it), both ways, with a ceiling on output.
 * snappy and zstd are recognised by id but not implemented (LW_ERR_UNSUPPORTED). */
#ifndef LW_COMPRESS_H
#define LW_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

enum lw_codec {
  LW_CODEC_NONE = 0,
  LW_CODEC_GZIP = 1,
  LW_CODEC_SNAPPY = 2,
  LW_CODEC_LZ4 = 3,
  LW_CODEC_ZSTD = 4,
};

/* "none", "gzip", "snappy", "lz4", "zstd"; NULL for an unknown id. */
const char *lw_codec_name(int codec);
/* Codec id from its name, or -1. */
int lw_codec_from_name(const char *name);

/* Reusable codec state (zlib streams, LZ4F contexts), owned by the caller so that a producer
 * compressing thousands of batches allocates them once. Zero-initialise, then lw_zctx_free. */
typedef struct lw_zctx {
  void *gz_def; /* z_stream for deflate, lazily created */
  void *gz_inf; /* z_stream for inflate */
  void *lz4_c;  /* LZ4F_cctx */
  void *lz4_d;  /* LZ4F_dctx */
  int gz_level; /* level gz_def was last set to */
} lw_zctx;
void lw_zctx_free(lw_zctx *z);

/* Append the compressed form of in[0..n) to out (bounded by out->max). level 0 = codec
 * default (gzip 1-9, lz4 1-12, 3 and up being LZ4 HC; others are LW_ERR_INVALID_ARG).
 * `legacy_lz4_hc` writes the LZ4 frame header checksum the way Kafka's magic-0
 * messages expect (computed over the magic number too). Returns LW_OK, LW_ERR_TOO_LARGE,
 * LW_ERR_UNSUPPORTED or LW_ERR_COMPRESSION. z may be NULL (temporary state).
 * On error out->len is as before the call and out->err is not set (the error is not sticky).
 * lz4 needs room for each 64 KiB block stored raw, so within a few bytes of the ceiling it
 * may give LW_ERR_TOO_LARGE for output that would just have fitted. */
int lw_compress(lw_zctx *z, int codec, int level, const uint8_t *in, size_t n, lw_buf *out,
                bool legacy_lz4_hc);
/* Append the decompressed form of in[0..n) to out; output beyond out->max is
 * LW_ERR_TOO_LARGE (a decompression bomb stops there: out never grows past max). A bad frame
 * is LW_ERR_COMPRESSION. On error out->len is as before the call (not sticky).
 * gzip: concatenated members are all inflated (Java's GZIPInputStream reads them); other
 * bytes after a member are LW_ERR_COMPRESSION. lz4: concatenated frames are read; a frame
 * descriptor checksum computed either the standard way or the legacy way (over the magic
 * number too, KAFKA-3160: Kafka's magic 0 messages) is accepted, for every magic. */
int lw_decompress(lw_zctx *z, int codec, const uint8_t *in, size_t n, lw_buf *out);

/* xxHash32 with seed 0 of p[0..n) (the LZ4 frame format's checksum). */
uint32_t lw_xxh32(const void *p, size_t n);

#endif
