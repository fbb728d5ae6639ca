/* bench_proto.c — micro-benchmarks of the record formats: CRC-32C on both paths (1 MiB
 * buffers), RecordBatch encoding of 100-byte log lines into 1 MiB batches (none, lz4, gzip)
 * as the producer does it, and decoding them back. Prints medians; never a pass/fail test.
 * Rates are per CPU-second of this (single-threaded) process, so that other load on the
 * machine stretches the wall clock but not the figures.
 *
 *   bench_proto [-q]    (-q: fewer repetitions, for a quick look) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/batch.h"
#include "proto/crc.h"

#define RUNS 5

static double now(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

static volatile uint32_t sink;

static void bench_crc(int reps) {
  size_t n = 1 << 20;
  uint8_t *buf = malloc(n);
  for (size_t i = 0; i < n; i++)
    buf[i] = (uint8_t)(i * 2654435761u >> 13);
  for (int path = 0; path < 2; path++) {
    if (path == 0 && !lw_crc32c_hw_available()) {
      printf("crc32c hw: not available on this CPU\n");
      continue;
    }
    int k = path == 0 ? reps * 10 : reps;
    double r[RUNS];
    for (int run = 0; run < RUNS; run++) {
      uint32_t c = 0;
      double t0 = now(CLOCK_PROCESS_CPUTIME_ID);
      for (int i = 0; i < k; i++)
        c = path == 0 ? lw_crc32c_hw(c, buf, n) : lw_crc32c_sw(c, buf, n);
      r[run] = (double)n * k / (now(CLOCK_PROCESS_CPUTIME_ID) - t0) / 1e9;
      sink += c;
    }
    printf("crc32c %-26s %8.2f GB/s  (1 MiB buffers, median of %d)\n",
           path == 0 ? "hw (sse4.2, 3 lanes):" : "sw (slicing-by-8):", median(r, RUNS), RUNS);
  }
  free(buf);
}

/* A pool of log-like text; record i is the 100 bytes at a varying offset. */
static uint8_t *make_pool(size_t n) {
  uint8_t *p = malloc(n);
  size_t o = 0;
  for (unsigned i = 0; o < n; i++) {
    char line[160];
    int k =
        snprintf(line, sizeof line,
                 "2024-05-01T12:%02u:%02u.%03uZ web-%u GET /api/v1/items/%u?page=%u 200 %ums "
                 "ua=\"curl/8.%u\"\n",
                 i / 60 % 60, i % 60, i % 1000, i % 13, i * 7919 % 100000, i % 50, i % 900, i % 9);
    for (int j = 0; j < k && o < n; j++)
      p[o++] = (uint8_t)line[j];
  }
  return p;
}

#define POOL (8 << 20)
#define REC  100

typedef struct enc_result {
  double cpu_s;
  size_t batches, out_bytes;
} enc_result;

/* Encode nrec records into 1 MiB batches: one batch buffer reused, one scratch and one codec
 * context shared, as the producer does. Appends the first batch to *first (the copy is timed
 * too: one memcpy per run). */
static enc_result encode(const uint8_t *pool, int nrec, int codec, lw_buf *first) {
  lw_buf out, scratch;
  lw_zctx z = {0};
  lw_buf_init(&out, 1 << 20);
  lw_buf_init(&scratch, 2 << 20);
  lw_batch_seal seal = {.ProducerId = 1000,
                        .ProducerEpoch = 0,
                        .BaseSequence = 0,
                        .PartitionLeaderEpoch = -1,
                        .codec = codec};
  enc_result res = {0};
  lw_batch_builder bb;
  double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
  int64_t ts = 1714564800000;
  lw_batch_begin(&bb, &out, ts);
  for (int i = 0; i < nrec; i++) {
    lw_bytes v = {pool + (size_t)i * 37 % (POOL - REC), REC};
    if (lw_batch_append(&bb, ts + i / 1000, (lw_bytes){NULL, -1}, v, NULL, 0) != LW_OK) {
      if (lw_batch_finish(&bb, &seal, &z, &scratch) != LW_OK)
        abort();
      if (res.batches == 0) /* keep the first (full) batch for the decoder */
        lw_buf_append(first, out.data, out.len);
      res.batches++;
      res.out_bytes += out.len;
      lw_buf_reset(&out);
      lw_batch_begin(&bb, &out, ts + i / 1000);
      if (lw_batch_append(&bb, ts + i / 1000, (lw_bytes){NULL, -1}, v, NULL, 0) != LW_OK)
        abort();
    }
  }
  if (lw_batch_finish(&bb, &seal, &z, &scratch) != LW_OK)
    abort();
  res.batches++;
  res.out_bytes += out.len;
  res.cpu_s = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
  lw_buf_free(&out);
  lw_buf_free(&scratch);
  lw_zctx_free(&z);
  return res;
}

/* Records per second decoding `batch` (one batch) `reps` times. */
static double decode(const lw_buf *batch, int reps, size_t *records) {
  lw_zctx z = {0};
  lw_arena a;
  lw_arena_init(&a, 1 << 20);
  size_t n = 0;
  double t0 = now(CLOCK_PROCESS_CPUTIME_ID);
  for (int i = 0; i < reps; i++) {
    lw_records_iter it;
    lw_record r;
    lw_records_iter_init(&it, batch->data, batch->len, 4 << 20, &a, &z);
    while (lw_records_next(&it, &r, NULL) == LW_OK) {
      sink += (uint32_t)r.Value.len;
      n++;
    }
    lw_records_iter_free(&it);
  }
  double s = now(CLOCK_PROCESS_CPUTIME_ID) - t0;
  lw_arena_free(&a);
  lw_zctx_free(&z);
  *records = n / (size_t)reps;
  return (double)n / s;
}

int main(int argc, char **argv) {
  int quick = argc > 1 && strcmp(argv[1], "-q") == 0;
  bench_crc(quick ? 20 : 100);

  uint8_t *pool = make_pool(POOL);
  static const int codecs[] = {LW_CODEC_NONE, LW_CODEC_LZ4, LW_CODEC_GZIP};
  for (int ci = 0; ci < 3; ci++) {
    int codec = codecs[ci];
    int nrec = codec == LW_CODEC_GZIP ? 500000 : 2000000;
    if (quick)
      nrec /= 10;
    double rate[RUNS], cpu[RUNS];
    enc_result res = {0};
    lw_buf last;
    lw_buf_init(&last, 2 << 20);
    for (int run = 0; run < RUNS; run++) {
      lw_buf_reset(&last);
      res = encode(pool, nrec, codec, &last);
      rate[run] = nrec / res.cpu_s;
      cpu[run] = res.cpu_s;
    }
    double r = median(rate, RUNS), c = median(cpu, RUNS);
    printf("batch encode %-5s %7.2f M records/s %8.1f MB/s in  %5.1f ns/record  "
           "(%d x %d-byte records, %zu batches, %.1f%% of input out, %.3f CPU-s)\n",
           lw_codec_name(codec), r / 1e6, r * REC / 1e6, 1e9 / r, nrec, REC, res.batches,
           100.0 * (double)res.out_bytes / ((double)nrec * REC), c);
    double drate[RUNS];
    size_t per = 0;
    for (int run = 0; run < RUNS; run++)
      drate[run] = decode(&last, codec == LW_CODEC_GZIP ? 20 : 50, &per);
    double d = median(drate, RUNS);
    printf("batch decode %-5s %7.2f M records/s %8.1f MB/s out (1 batch of %zu records)\n",
           lw_codec_name(codec), d / 1e6, d * REC / 1e6, per);
    lw_buf_free(&last);
  }
  /* The product's target: 2 million 110-byte lines batched in well under 0.1 CPU-second. */
  {
    lw_buf out;
    lw_batch_builder bb;
    lw_batch_seal seal = {.ProducerId = -1,
                          .ProducerEpoch = -1,
                          .BaseSequence = -1,
                          .PartitionLeaderEpoch = -1,
                          .codec = LW_CODEC_NONE};
    double cpu[RUNS];
    for (int run = 0; run < RUNS; run++) {
      lw_buf_init(&out, 1 << 20);
      double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
      lw_batch_begin(&bb, &out, 0);
      for (int i = 0; i < 2000000; i++) {
        lw_bytes v = {pool + (size_t)i * 41 % (POOL - 110), 110};
        if (lw_batch_append(&bb, i / 1000, (lw_bytes){NULL, -1}, v, NULL, 0) != LW_OK) {
          lw_batch_finish(&bb, &seal, NULL, NULL);
          lw_buf_reset(&out);
          lw_batch_begin(&bb, &out, i / 1000);
          lw_batch_append(&bb, i / 1000, (lw_bytes){NULL, -1}, v, NULL, 0);
        }
      }
      lw_batch_finish(&bb, &seal, NULL, NULL);
      cpu[run] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
      lw_buf_free(&out);
    }
    printf("2,000,000 x 110-byte lines into 1 MiB batches (none): %.3f CPU-s (median of %d)\n",
           median(cpu, RUNS), RUNS);
  }
  free(pool);
  return 0;
}
