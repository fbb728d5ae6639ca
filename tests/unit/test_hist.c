/* test_hist.c — latency histogram: bucket layout, percentiles of known distributions within
 * the promised 1%, exact small values, out-of-range values, merge and reset. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "agent/hist.h"

static lw_hist *h;
static void setup(void) {
  h = malloc(sizeof *h);
  lw_hist_reset(h);
}
static void teardown(void) {
  free(h);
}
TestSuite(hist, .init = setup, .fini = teardown);

static void near(uint64_t got, double want, const char *what) {
  double d = (double)got - want;
  double err = (d < 0 ? -d : d) / want;
  cr_assert_leq(err, 0.01, "%s: got %llu, want %.1f (error %.3f%%)", what, (unsigned long long)got,
                want, err * 100);
}

Test(hist, buckets_are_contiguous_and_narrow) {
  cr_assert_eq(lw_hist_index(0), 0);
  cr_assert_eq(lw_hist_index(255), 255);
  cr_assert_eq(lw_hist_index(256), 256);
  cr_assert_eq(lw_hist_index(LW_HIST_MAX_US), LW_HIST_BUCKETS - 1);
  cr_assert_eq(lw_hist_index(UINT64_MAX), LW_HIST_BUCKETS - 1);
  for (int i = 0; i < LW_HIST_BUCKETS; i++) {
    uint64_t lo = lw_hist_bucket_low(i), hi = lw_hist_bucket_high(i);
    cr_assert_eq(lw_hist_index(lo), i, "bucket %d low", i);
    cr_assert_eq(lw_hist_index(hi), i, "bucket %d high", i);
    if (i + 1 < LW_HIST_BUCKETS)
      cr_assert_eq(hi + 1, lw_hist_bucket_low(i + 1), "no gap after bucket %d", i);
    if (i < LW_HIST_LINEAR)
      cr_assert_eq(hi, lo, "bucket %d is exact", i);
    else
      cr_assert_leq((double)(hi - lo + 1) / (double)lo, 1.0 / 128, "bucket %d width", i);
  }
  cr_assert_eq(lw_hist_bucket_high(LW_HIST_BUCKETS - 1), LW_HIST_MAX_US);
  cr_assert_geq(LW_HIST_MAX_US, 3600ull * 1000000, "one hour fits");
}

Test(hist, empty) {
  lw_hist_summary s;
  lw_hist_summarize(h, &s);
  cr_assert_eq(s.count, 0);
  cr_assert_eq(s.p99, 0);
  cr_assert_eq(lw_hist_percentile(h, 50), 0);
}

Test(hist, small_values_are_exact) {
  for (uint64_t v = 1; v <= 100; v++)
    lw_hist_record(h, v);
  cr_assert_eq(lw_hist_percentile(h, 50), 50);
  cr_assert_eq(lw_hist_percentile(h, 90), 90);
  cr_assert_eq(lw_hist_percentile(h, 99), 99);
  cr_assert_eq(lw_hist_percentile(h, 100), 100);
  cr_assert_eq(lw_hist_percentile(h, 0), 1);
  cr_assert_eq(h->count, 100);
  cr_assert_eq(h->sum, 5050);
  cr_assert_eq(h->min, 1);
  cr_assert_eq(h->max, 100);
}

Test(hist, uniform_distribution) {
  for (uint64_t v = 1; v <= 1000000; v++)
    lw_hist_record(h, v);
  lw_hist_summary s;
  lw_hist_summarize(h, &s);
  cr_assert_eq(s.count, 1000000);
  cr_assert_eq(s.sum, 500000500000ull);
  cr_assert_eq(s.max, 1000000);
  near(s.p50, 500000, "p50");
  near(s.p90, 900000, "p90");
  near(s.p99, 990000, "p99");
  near(s.p999, 999000, "p99.9");
  cr_assert_eq(s.p50, lw_hist_percentile(h, 50), "one pass equals separate lookups");
  cr_assert_eq(s.p999, lw_hist_percentile(h, 99.9));
  /* Upper bucket edges: never below the true value. */
  cr_assert_geq(s.p50, 500000);
  cr_assert_geq(s.p99, 990000);
}

Test(hist, heavy_tailed_distribution) {
  /* 100000 values at the quantiles of a Pareto law (alpha 1, scale 1 ms): the p-quantile is
   * 1 ms / (1 - p), a long tail like real acknowledgement latencies. */
  const double xm = 1000;
  const int n = 100000;
  for (int i = 0; i < n; i++)
    lw_hist_record(h, (uint64_t)(xm / (1 - (i + 0.5) / n) + 0.5));
  lw_hist_summary s;
  lw_hist_summarize(h, &s);
  near(s.p50, xm / 0.5, "p50");
  near(s.p90, xm / 0.1, "p90");
  near(s.p99, xm / 0.01, "p99");
  near(s.p999, xm / 0.001, "p99.9");
  near(s.max, xm * 2 * n, "max");
}

Test(hist, bimodal_and_constant) {
  lw_hist_record_n(h, 100, 900);
  lw_hist_record_n(h, 1000000, 100);
  cr_assert_eq(lw_hist_percentile(h, 50), 100);
  cr_assert_eq(lw_hist_percentile(h, 90), 100);
  cr_assert_eq(lw_hist_percentile(h, 90.1), 1000000, "clamped to the true max");
  cr_assert_eq(lw_hist_percentile(h, 99), 1000000);

  lw_hist_reset(h);
  cr_assert_eq(h->count, 0);
  lw_hist_record_n(h, 123457, 10);
  lw_hist_summary s;
  lw_hist_summarize(h, &s);
  cr_assert_eq(s.p50, 123457, "a constant reads back exactly (clamped to min/max)");
  cr_assert_eq(s.p999, 123457);
}

Test(hist, beyond_the_range) {
  uint64_t two_hours = 7200ull * 1000000;
  lw_hist_record(h, 10);
  lw_hist_record(h, two_hours);
  cr_assert_eq(h->max, two_hours);
  cr_assert_eq(h->b[LW_HIST_BUCKETS - 1], 1);
  cr_assert_eq(lw_hist_percentile(h, 100), two_hours);
  lw_hist_record(h, UINT64_MAX);
  cr_assert_eq(h->sum, UINT64_MAX, "sum saturates");
}

Test(hist, merge_equals_recording_everything) {
  lw_hist *a = malloc(sizeof *a), *b = malloc(sizeof *b);
  lw_hist_reset(a);
  lw_hist_reset(b);
  for (uint64_t v = 1; v < 200000; v += 7) {
    lw_hist_record(h, v);
    lw_hist_record(v % 2 ? a : b, v);
  }
  lw_hist_merge(a, b);
  cr_assert_eq(a->count, h->count);
  cr_assert_eq(a->sum, h->sum);
  cr_assert_eq(a->min, h->min);
  cr_assert_eq(a->max, h->max);
  cr_assert_arr_eq(a->b, h->b, sizeof h->b);
  lw_hist empty_is_neutral;
  lw_hist_reset(&empty_is_neutral);
  lw_hist_merge(a, &empty_is_neutral);
  cr_assert_eq(a->min, h->min);
  lw_hist_merge(&empty_is_neutral, a);
  cr_assert_eq(empty_is_neutral.min, h->min);
  cr_assert_eq(empty_is_neutral.count, h->count);
  free(a);
  free(b);
}
