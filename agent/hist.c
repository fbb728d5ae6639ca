/* hist.c — log-linear latency histogram (see hist.h). */
#include "agent/hist.h"

#include <string.h>

void lw_hist_reset(lw_hist *h) {
  memset(h, 0, sizeof(*h));
}

int lw_hist_index(uint64_t us) {
  if (us < LW_HIST_LINEAR)
    return (int)us;
  if (us > LW_HIST_MAX_US)
    return LW_HIST_BUCKETS - 1;
  int m = 63 - __builtin_clzll(us); /* 8 .. TOP_BIT-1 */
  /* The 7 bits below the leading one pick the sub-bucket. */
  return LW_HIST_LINEAR + (m - 8) * LW_HIST_SUB + (int)((us >> (m - 7)) & (LW_HIST_SUB - 1));
}

uint64_t lw_hist_bucket_low(int idx) {
  if (idx < LW_HIST_LINEAR)
    return (uint64_t)idx;
  int k = idx - LW_HIST_LINEAR;
  int m = 8 + k / LW_HIST_SUB;
  return (uint64_t)(LW_HIST_SUB + k % LW_HIST_SUB) << (m - 7);
}

uint64_t lw_hist_bucket_high(int idx) {
  if (idx < LW_HIST_LINEAR)
    return (uint64_t)idx;
  int m = 8 + (idx - LW_HIST_LINEAR) / LW_HIST_SUB;
  return lw_hist_bucket_low(idx) + (1ull << (m - 7)) - 1;
}

void lw_hist_record_n(lw_hist *h, uint64_t us, uint64_t n) {
  if (n == 0)
    return;
  if (h->count == 0 || us < h->min)
    h->min = us;
  if (us > h->max)
    h->max = us;
  h->count += n;
  uint64_t add = us * n;
  if ((n != 0 && add / n != us) || h->sum > UINT64_MAX - add)
    h->sum = UINT64_MAX;
  else
    h->sum += add;
  h->b[lw_hist_index(us)] += n;
}

void lw_hist_record(lw_hist *h, uint64_t us) {
  lw_hist_record_n(h, us, 1);
}

void lw_hist_merge(lw_hist *dst, const lw_hist *src) {
  if (src->count == 0)
    return;
  if (dst->count == 0 || src->min < dst->min)
    dst->min = src->min;
  if (src->max > dst->max)
    dst->max = src->max;
  dst->count += src->count;
  dst->sum = dst->sum > UINT64_MAX - src->sum ? UINT64_MAX : dst->sum + src->sum;
  for (int i = 0; i < LW_HIST_BUCKETS; i++)
    dst->b[i] += src->b[i];
}

/* Rank (1-based) of the pct-th percentile: ceil(pct/100 * count), at least 1. */
static uint64_t rank_of(const lw_hist *h, double pct) {
  if (pct <= 0)
    return 1;
  if (pct >= 100)
    return h->count;
  double r = pct / 100.0 * (double)h->count;
  uint64_t k = (uint64_t)r;
  if ((double)k < r)
    k++;
  return k ? k : 1;
}

/* The value reported for bucket i: its upper edge kept within [min, max]; the last bucket
 * also holds everything past the range, so it reports the true max. */
static uint64_t value_of(const lw_hist *h, int i) {
  if (i == LW_HIST_BUCKETS - 1)
    return h->max;
  uint64_t v = lw_hist_bucket_high(i);
  return v < h->min ? h->min : v > h->max ? h->max : v;
}

uint64_t lw_hist_percentile(const lw_hist *h, double pct) {
  if (h->count == 0)
    return 0;
  uint64_t want = rank_of(h, pct), seen = 0;
  for (int i = 0; i < LW_HIST_BUCKETS; i++) {
    seen += h->b[i];
    if (seen >= want)
      return value_of(h, i);
  }
  return h->max;
}

void lw_hist_summarize(const lw_hist *h, lw_hist_summary *out) {
  memset(out, 0, sizeof(*out));
  out->count = h->count;
  out->sum = h->sum;
  out->min = h->min;
  out->max = h->max;
  if (h->count == 0)
    return;
  const double pcts[4] = {50, 90, 99, 99.9};
  uint64_t *dst[4] = {&out->p50, &out->p90, &out->p99, &out->p999};
  int next = 0;
  uint64_t seen = 0;
  for (int i = 0; i < LW_HIST_BUCKETS && next < 4; i++) {
    seen += h->b[i];
    while (next < 4 && seen >= rank_of(h, pcts[next]))
      *dst[next++] = value_of(h, i);
  }
}
