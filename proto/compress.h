/* compress.h — record compression codecs: none, gzip (zlib) and lz4 (the LZ4 frame format,
 * independent 64 KiB blocks, as Kafka writes it), both ways, with a ceiling on output.
 * snappy and zstd are recognised by id but not implemented (LW_ERR_UNSUPPORTED). */
#ifndef LW_COMPRESS_H
#define LW_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

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
} lw_zctx;
void lw_zctx_free(lw_zctx *z);

/* Append the compressed form of in[0..n) to out (bounded by out->max). level 0 = codec
 * default. `legacy_lz4_hc` writes the LZ4 frame header checksum the way Kafka's magic-0
 * messages expect (computed over the magic number too). Returns LW_OK, LW_ERR_TOO_LARGE,
 * LW_ERR_UNSUPPORTED or LW_ERR_COMPRESSION. z may be NULL (temporary state). */
int lw_compress(lw_zctx *z, int codec, int level, const uint8_t *in, size_t n, lw_buf *out,
                bool legacy_lz4_hc);
/* Append the decompressed form of in[0..n) to out; output beyond out->max is
 * LW_ERR_TOO_LARGE (a decompression bomb stops there). A bad frame is LW_ERR_COMPRESSION. */
int lw_decompress(lw_zctx *z, int codec, const uint8_t *in, size_t n, lw_buf *out);

#endif
