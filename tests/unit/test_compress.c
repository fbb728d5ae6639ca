/* test_compress.c — codecs none/gzip/lz4: round trips on empty, small, large and
 * incompressible data, the output ceiling (decompression bombs), corrupt and truncated input,
 * gzip members and LZ4 frames as Kafka writes and reads them (KAFKA-3160 legacy checksum). */
#include <criterion/criterion.h>
#include <string.h>

#include "proto/compress.h"
#include "base/err.h"
#include "rec_fixtures.h"

static lw_zctx z;
static lw_buf c, d;
static void setup(void) {
  memset(&z, 0, sizeof z);
  lw_buf_init(&c, 64 << 20);
  lw_buf_init(&d, 64 << 20);
}
static void teardown(void) {
  lw_zctx_free(&z);
  lw_buf_free(&c);
  lw_buf_free(&d);
}
TestSuite(compress, .init = setup, .fini = teardown);

static const int codecs[] = {LW_CODEC_NONE, LW_CODEC_GZIP, LW_CODEC_LZ4};

static void round_trip(int codec, const uint8_t *p, size_t n, lw_zctx *ctx) {
  lw_buf_reset(&c);
  lw_buf_reset(&d);
  cr_assert_eq(lw_compress(ctx, codec, 0, p, n, &c, false), LW_OK, "codec %d n %zu", codec, n);
  cr_assert_eq(lw_decompress(ctx, codec, c.data, c.len, &d), LW_OK, "codec %d n %zu", codec, n);
  cr_assert_eq(d.len, n, "codec %d", codec);
  if (n)
    cr_assert_arr_eq(d.data, p, n);
}

Test(compress, names) {
  cr_assert_str_eq(lw_codec_name(LW_CODEC_LZ4), "lz4");
  cr_assert_str_eq(lw_codec_name(LW_CODEC_ZSTD), "zstd");
  cr_assert_null(lw_codec_name(5));
  cr_assert_null(lw_codec_name(-1));
  cr_assert_eq(lw_codec_from_name("gzip"), LW_CODEC_GZIP);
  cr_assert_eq(lw_codec_from_name("snappy"), LW_CODEC_SNAPPY);
  cr_assert_eq(lw_codec_from_name("brotli"), -1);
  cr_assert_eq(lw_codec_from_name(NULL), -1);
}

Test(compress, xxh32_known_values) {
  cr_assert_eq(lw_xxh32("", 0), 0x02CC5D05u);
  cr_assert_eq(lw_xxh32("abc", 3), 0x32D153FFu);
  const char *s = "Nobody inspects the spammish repetition";
  cr_assert_eq(lw_xxh32(s, strlen(s)), 0xE2293B2Fu);
}

Test(compress, round_trips_every_codec) {
  size_t big = 3 << 20;
  uint8_t *text = malloc(big), *noise = malloc(300000);
  fill_text(text, big);
  fill_random(noise, 300000, 11);
  for (size_t i = 0; i < 3; i++) {
    round_trip(codecs[i], (const uint8_t *)"", 0, &z);
    round_trip(codecs[i], (const uint8_t *)"x", 1, &z);
    round_trip(codecs[i], (const uint8_t *)"hello hello hello", 17, &z);
    round_trip(codecs[i], text, 65536, &z); /* exactly one LZ4 block */
    round_trip(codecs[i], text, 65537, &z);
    round_trip(codecs[i], text, big, &z);
    round_trip(codecs[i], noise, 300000, &z);
    round_trip(codecs[i], text, 1000, NULL); /* temporary context */
  }
  free(text);
  free(noise);
}

Test(compress, compressible_data_shrinks_and_levels_apply) {
  uint8_t *text = malloc(1 << 20);
  fill_text(text, 1 << 20);
  size_t sizes[2];
  int levels[2] = {1, 9};
  for (int i = 0; i < 2; i++) {
    lw_buf_reset(&c);
    cr_assert_eq(lw_compress(&z, LW_CODEC_GZIP, levels[i], text, 1 << 20, &c, false), LW_OK);
    sizes[i] = c.len;
    lw_buf_reset(&d);
    cr_assert_eq(lw_decompress(&z, LW_CODEC_GZIP, c.data, c.len, &d), LW_OK);
    cr_assert_eq(d.len, (size_t)1 << 20);
  }
  cr_assert_lt(sizes[1], sizes[0], "level 9 (%zu) smaller than level 1 (%zu)", sizes[1], sizes[0]);
  cr_assert_lt(sizes[0], (size_t)(1 << 20) / 4);
  lw_buf_reset(&c);
  cr_assert_eq(lw_compress(&z, LW_CODEC_LZ4, 9, text, 1 << 20, &c, false), LW_OK); /* HC */
  lw_buf_reset(&d);
  cr_assert_eq(lw_decompress(&z, LW_CODEC_LZ4, c.data, c.len, &d), LW_OK);
  cr_assert_arr_eq(d.data, text, 1 << 20);
  free(text);
}

Test(compress, bad_arguments) {
  cr_assert_eq(lw_compress(&z, LW_CODEC_SNAPPY, 0, (const uint8_t *)"a", 1, &c, false),
               LW_ERR_UNSUPPORTED);
  cr_assert_eq(lw_compress(&z, LW_CODEC_ZSTD, 0, (const uint8_t *)"a", 1, &c, false),
               LW_ERR_UNSUPPORTED);
  cr_assert_eq(lw_decompress(&z, 7, (const uint8_t *)"a", 1, &d), LW_ERR_UNSUPPORTED);
  cr_assert_eq(lw_compress(&z, LW_CODEC_GZIP, 10, (const uint8_t *)"a", 1, &c, false),
               LW_ERR_INVALID_ARG);
  cr_assert_eq(lw_compress(&z, LW_CODEC_LZ4, 13, (const uint8_t *)"a", 1, &c, false),
               LW_ERR_INVALID_ARG);
  cr_assert_eq(c.len, 0u);
  cr_assert_eq(c.err, LW_OK);
}

/* The LZ4 frame Kafka's Lz4BlockOutputStream writes: magic, FLG 0x60 (version 1,
 * independent blocks, no checksums, no content size), BD 0x40 (64 KiB), HC; blocks of at
 * most 64 KiB; end mark; nothing after. */
Test(compress, lz4_frame_layout_matches_kafka) {
  size_t n = 200000;
  uint8_t *text = malloc(n);
  fill_text(text, n);
  cr_assert_eq(lw_compress(&z, LW_CODEC_LZ4, 0, text, n, &c, false), LW_OK);
  const uint8_t java_hdr[] = {0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82};
  cr_assert_arr_eq(c.data, java_hdr, sizeof java_hdr);
  size_t pos = 7, blocks = 0;
  for (;;) {
    cr_assert_leq(pos + 4, c.len);
    uint32_t bs = (uint32_t)c.data[pos] | (uint32_t)c.data[pos + 1] << 8 |
                  (uint32_t)c.data[pos + 2] << 16 | (uint32_t)c.data[pos + 3] << 24;
    pos += 4;
    if (bs == 0)
      break;
    bs &= 0x7fffffffu;
    cr_assert_leq(bs, 65536u);
    pos += bs;
    blocks++;
  }
  cr_assert_eq(pos, c.len, "no content checksum after the end mark");
  cr_assert_eq(blocks, 4u); /* 200000 bytes in 64 KiB blocks */
  free(text);
}

/* KAFKA-3160: magic 0 LZ4 frames carry a descriptor checksum computed over the magic number
 * too (librdkafka's magic 0 capture has HC 0x1a for the same FLG/BD). Both kinds are read. */
Test(compress, lz4_legacy_header_checksum) {
  const char *msg = "legacy header checksum";
  cr_assert_eq(lw_compress(&z, LW_CODEC_LZ4, 0, (const uint8_t *)msg, strlen(msg), &c, true),
               LW_OK);
  cr_assert_eq(c.data[6], 0x1a);
  cr_assert_eq(lw_decompress(&z, LW_CODEC_LZ4, c.data, c.len, &d), LW_OK);
  cr_assert_eq(d.len, strlen(msg));
  cr_assert_arr_eq(d.data, msg, d.len);
  c.data[6] ^= 0x55; /* neither checksum */
  lw_buf_reset(&d);
  cr_assert_eq(lw_decompress(&z, LW_CODEC_LZ4, c.data, c.len, &d), LW_ERR_COMPRESSION);
  cr_assert_eq(d.len, 0u);
}

Test(compress, gzip_concatenated_members) {
  const char *a = "first member, ", *b = "second member";
  cr_assert_eq(lw_compress(&z, LW_CODEC_GZIP, 0, (const uint8_t *)a, strlen(a), &c, false), 0);
  cr_assert_eq(lw_compress(&z, LW_CODEC_GZIP, 0, (const uint8_t *)b, strlen(b), &c, false), 0);
  cr_assert_eq(lw_decompress(&z, LW_CODEC_GZIP, c.data, c.len, &d), LW_OK);
  cr_assert_eq(d.len, strlen(a) + strlen(b));
  cr_assert_arr_eq(d.data, "first member, second member", d.len);
  /* Garbage after a member is not another member. */
  lw_buf_append(&c, "junk", 4);
  lw_buf_reset(&d);
  cr_assert_eq(lw_decompress(&z, LW_CODEC_GZIP, c.data, c.len, &d), LW_ERR_COMPRESSION);
}

Test(compress, lz4_concatenated_frames) {
  cr_assert_eq(lw_compress(&z, LW_CODEC_LZ4, 0, (const uint8_t *)"ab", 2, &c, false), 0);
  cr_assert_eq(lw_compress(&z, LW_CODEC_LZ4, 0, (const uint8_t *)"cd", 2, &c, true), 0);
  cr_assert_eq(lw_decompress(&z, LW_CODEC_LZ4, c.data, c.len, &d), LW_OK);
  cr_assert_eq(d.len, 4u);
  cr_assert_arr_eq(d.data, "abcd", 4);
  lw_buf_append(&c, "junk", 4);
  lw_buf_reset(&d);
  cr_assert_eq(lw_decompress(&z, LW_CODEC_LZ4, c.data, c.len, &d), LW_ERR_COMPRESSION);
}

/* 16 MiB of zeros compress to a few KiB; decompressing into a 64 KiB ceiling must stop
 * there, with the buffer never allocated past it. Exactly enough room succeeds. */
Test(compress, bombs_stop_at_the_ceiling) {
  size_t n = 16 << 20;
  uint8_t *zeros = calloc(1, n);
  for (int i = 1; i < 3; i++) {
    int codec = codecs[i];
    lw_buf_reset(&c);
    cr_assert_eq(lw_compress(&z, codec, 0, zeros, n, &c, false), LW_OK);
    cr_assert_lt(c.len, (size_t)200000);
    lw_buf small;
    lw_buf_init(&small, 65536);
    cr_assert_eq(lw_decompress(&z, codec, c.data, c.len, &small), LW_ERR_TOO_LARGE, "%d", codec);
    cr_assert_leq(small.cap, (size_t)65536);
    cr_assert_eq(small.len, 0u);
    cr_assert_eq(small.err, LW_OK, "not sticky");
    lw_buf_free(&small);
    lw_buf exact;
    lw_buf_init(&exact, n);
    cr_assert_eq(lw_decompress(&z, codec, c.data, c.len, &exact), LW_OK, "%d", codec);
    cr_assert_eq(exact.len, n);
    lw_buf_free(&exact);
    lw_buf one_short;
    lw_buf_init(&one_short, n - 1);
    cr_assert_eq(lw_decompress(&z, codec, c.data, c.len, &one_short), LW_ERR_TOO_LARGE);
    lw_buf_free(&one_short);
  }
  lw_buf tiny;
  lw_buf_init(&tiny, 3);
  cr_assert_eq(lw_decompress(&z, LW_CODEC_NONE, zeros, 4, &tiny), LW_ERR_TOO_LARGE);
  lw_buf_free(&tiny);
  free(zeros);
}

Test(compress, compress_ceiling_is_not_sticky) {
  uint8_t noise[20000];
  fill_random(noise, sizeof noise, 1);
  for (int i = 0; i < 3; i++) {
    lw_buf small;
    lw_buf_init(&small, 5000);
    lw_buf_append(&small, "pre", 3);
    cr_assert_eq(lw_compress(&z, codecs[i], 0, noise, sizeof noise, &small, false),
                 LW_ERR_TOO_LARGE);
    cr_assert_eq(small.len, 3u);
    cr_assert_eq(small.err, LW_OK);
    cr_assert_eq(lw_compress(&z, codecs[i], 0, noise, 100, &small, false), LW_OK);
    lw_buf_free(&small);
  }
}

/* Corrupt input: every truncation is an error; flipped bytes and random garbage give an
 * error or some output, never a crash (the sanitizer build checks memory safety). */
Test(compress, corrupt_and_truncated_input) {
  uint8_t text[5000];
  fill_text(text, sizeof text);
  for (int i = 1; i < 3; i++) {
    int codec = codecs[i];
    lw_buf_reset(&c);
    cr_assert_eq(lw_compress(&z, codec, 0, text, sizeof text, &c, false), LW_OK);
    for (size_t k = 0; k < c.len; k++) {
      lw_buf_reset(&d);
      cr_assert_eq(lw_decompress(&z, codec, c.data, k, &d), LW_ERR_COMPRESSION, "codec %d cut %zu",
                   codec, k);
      cr_assert_eq(d.len, 0u);
    }
    uint64_t s = 99;
    for (size_t k = 0; k < c.len; k++) {
      uint8_t save = c.data[k];
      c.data[k] ^= (uint8_t)(1 + test_rand(&s) % 255);
      lw_buf_reset(&d);
      int err = lw_decompress(&z, codec, c.data, c.len, &d);
      cr_assert(err == LW_OK || err == LW_ERR_COMPRESSION || err == LW_ERR_TOO_LARGE,
                "codec %d flip %zu: %d", codec, k, err);
      if (codec == LW_CODEC_GZIP)
        cr_assert(err != LW_OK || (d.len == sizeof text && memcmp(d.data, text, d.len) == 0),
                  "gzip's CRC-32 catches corrupt output");
      c.data[k] = save;
    }
    uint8_t junk[300];
    for (int t = 0; t < 50; t++) {
      fill_random(junk, sizeof junk, (uint64_t)t + 1);
      if (codec == LW_CODEC_LZ4 && t % 2) /* a valid descriptor, then garbage blocks */
        memcpy(junk, c.data, 7);
      lw_buf_reset(&d);
      int err = lw_decompress(&z, codec, junk, sizeof junk, &d);
      cr_assert(err == LW_ERR_COMPRESSION || err == LW_ERR_TOO_LARGE, "codec %d junk %d: %d", codec,
                t, err);
    }
  }
}

/* A frame that fails after declaring a content size must not poison the reused context for
 * the next good frame (liblz4 keeps that state across its reset). */
Test(compress, lz4_context_recovers_after_a_bad_frame) {
  cr_assert_eq(lw_compress(&z, LW_CODEC_LZ4, 0, (const uint8_t *)"hello", 5, &c, false), 0);
  /* The same frame with a content size of 6 declared (FLG 0x68) for 5 bytes of content. */
  uint8_t bad[64];
  memcpy(bad, c.data, 6);
  bad[4] = 0x68;
  memset(bad + 6, 0, 8);
  bad[6] = 6;
  bad[14] = (uint8_t)(lw_xxh32(bad + 4, 10) >> 8);
  cr_assert_leq(c.len - 7 + 15, sizeof bad);
  memcpy(bad + 15, c.data + 7, c.len - 7);
  cr_assert_eq(lw_decompress(&z, LW_CODEC_LZ4, bad, c.len + 8, &d), LW_ERR_COMPRESSION);
  bad[6] = 5; /* the right size: accepted */
  bad[14] = (uint8_t)(lw_xxh32(bad + 4, 10) >> 8);
  cr_assert_eq(lw_decompress(&z, LW_CODEC_LZ4, bad, c.len + 8, &d), LW_OK);
  cr_assert_eq(d.len, 5u);
  bad[6] = 6;
  bad[14] = (uint8_t)(lw_xxh32(bad + 4, 10) >> 8);
  cr_assert_eq(lw_decompress(&z, LW_CODEC_LZ4, bad, c.len + 8, &d), LW_ERR_COMPRESSION);
  lw_buf_reset(&d);
  cr_assert_eq(lw_decompress(&z, LW_CODEC_LZ4, c.data, c.len, &d), LW_OK);
  cr_assert_eq(d.len, 5u);
  cr_assert_arr_eq(d.data, "hello", 5);
}
