/* bench_json.c — cost of `format = json` on the hot path: lw_json_escape and lw_json_record
 * per line, against a straightforward byte-at-a-time escaper, on three kinds of line (nginx
 * access lines with quotes, plain ASCII application lines, UTF-8 text). Median of 7 runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/json.h"

#define LINES 200000
#define RUNS  7

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The obvious escaper: one byte, one decision, one append. */
static void naive_escape(lw_buf *b, const uint8_t *p, size_t n) {
  static const char hex[] = "0123456789abcdef";
  lw_buf_put_u8(b, '"');
  for (size_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (c == '"' || c == '\\') {
      lw_buf_put_u8(b, '\\');
      lw_buf_put_u8(b, c);
    } else if (c < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      lw_buf_append(b, e, 6);
    } else {
      lw_buf_put_u8(b, c); /* (no UTF-8 validation: cheaper than the real thing) */
    }
  }
  lw_buf_put_u8(b, '"');
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef void (*fn)(lw_buf *b, const uint8_t *p, size_t n);

static void rec(lw_buf *b, const uint8_t *p, size_t n) {
  lw_json_record(b, "web-1", "/var/log/nginx/access.log", 123456789, 1795367200123, p, n);
}
static void esc(lw_buf *b, const uint8_t *p, size_t n) {
  lw_json_escape(b, p, n);
}

static double run(fn f, const char *line, size_t n) {
  lw_buf b;
  lw_buf_init(&b, 1u << 30);
  double t[RUNS];
  for (int r = 0; r < RUNS; r++) {
    double t0 = now_s();
    for (int i = 0; i < LINES; i++) {
      lw_buf_reset(&b);
      f(&b, (const uint8_t *)line, n);
    }
    t[r] = now_s() - t0;
  }
  lw_buf_free(&b);
  qsort(t, RUNS, sizeof *t, cmp);
  return t[RUNS / 2] / LINES * 1e9; /* ns per line */
}

int main(void) {
  const char *kinds[][2] = {
      {"nginx", "203.0.113.7 - - [21/Nov/2026:17:20:00 +0000] \"GET /api/v1/items?page=2 "
                "HTTP/1.1\" 200 5123 \"https://example.net/\" \"Mozilla/5.0 (X11; Linux x86_64) "
                "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\""},
      {"ascii", "2026-11-21 17:20:00,123 INFO  [pool-3-thread-7] c.e.billing.InvoiceService - "
                "invoice 8812 for customer 44120 issued, total 129.90 EUR, due 2026-12-21"},
      {"utf8", "2026-11-21 17:20:00 Überweisung für Müller & Söhne GmbH bestätigt — Betrag "
               "1.299,00 €, Referenz ÄÖÜ-äöü-ß, Kunde: Łukasz Żółć, 東京支店"},
  };
  printf("%-6s %6s %14s %14s %14s %10s\n", "line", "bytes", "escape ns", "naive ns", "record ns",
         "escape MB/s");
  for (size_t k = 0; k < 3; k++) {
    size_t n = strlen(kinds[k][1]);
    double e = run(esc, kinds[k][1], n), nv = run(naive_escape, kinds[k][1], n),
           r = run(rec, kinds[k][1], n);
    printf("%-6s %6zu %14.1f %14.1f %14.1f %10.0f\n", kinds[k][0], n, e, nv, r, n / e * 1e3);
  }
  return 0;
}
