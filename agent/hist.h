/* hist.h — latency histogram (read-to-ack, in microseconds): fixed memory, O(1) recording,
 * percentiles within 1% (two significant digits, HDR-style log-linear buckets).
 *
 * Buckets: values below 256 µs have one bucket each (exact); above, every power of two
 * [2^m, 2^(m+1)) is cut into 128 equal buckets, so a bucket is at most 1/128 (0.8%) of its
 * values wide. The range ends at LW_HIST_MAX_US (2^32 µs, about 71 minutes, past the 1 h
 * needed); larger values count in the last bucket while `max` keeps the true maximum.
 * Memory: LW_HIST_BUCKETS 64-bit counters, about 26 KiB, in the struct itself. */
#ifndef LW_HIST_H
#define LW_HIST_H

#include <stdint.h>

#define LW_HIST_LINEAR  256 /* exact buckets for 0..255 */
#define LW_HIST_SUB     128 /* buckets per power of two above */
#define LW_HIST_TOP_BIT 32  /* values < 2^32 µs are bucketed precisely */
#define LW_HIST_BUCKETS (LW_HIST_LINEAR + (LW_HIST_TOP_BIT - 8) * LW_HIST_SUB)
#define LW_HIST_MAX_US  ((1ull << LW_HIST_TOP_BIT) - 1)

typedef struct lw_hist {
  uint64_t count;
  uint64_t sum; /* saturates at UINT64_MAX */
  uint64_t min, max;
  uint64_t b[LW_HIST_BUCKETS];
} lw_hist;

typedef struct lw_hist_summary {
  uint64_t count, sum, min, max;
  uint64_t p50, p90, p99, p999;
} lw_hist_summary;

/* Empty the histogram (also how to initialise one). */
void lw_hist_reset(lw_hist *h);
/* Count one value, in µs. O(1). */
void lw_hist_record(lw_hist *h, uint64_t us);
/* Count `n` occurrences of one value. */
void lw_hist_record_n(lw_hist *h, uint64_t us, uint64_t n);
/* Add every count of src to dst. */
void lw_hist_merge(lw_hist *dst, const lw_hist *src);
/* The value at or below which `pct` percent (0..100) of the recorded values fall: the upper
 * end of the bucket holding that rank, kept within [min, max] (the true max for ranks past
 * the range). 0 when empty. */
uint64_t lw_hist_percentile(const lw_hist *h, double pct);
/* count, sum, min, max and p50/p90/p99/p99.9 in one pass over the buckets. */
void lw_hist_summarize(const lw_hist *h, lw_hist_summary *out);

/* Bucket index of a value and the bucket's lowest and highest values (exposed for tests). */
int lw_hist_index(uint64_t us);
uint64_t lw_hist_bucket_low(int idx);
uint64_t lw_hist_bucket_high(int idx);

#endif
