/* bench_tail.c — tail/ costs: CPU while 1,000 files stay quiet, line throughput on one
 * file (median of 3 runs, per CPU-second and per wall-second), and heap per followed file at
 * 10,000 files. Never a pass/fail test.
 *
 *   bench_tail [-q]      (-q: a 3 s quiet window instead of 10 s, for a quick look) */
#include <fcntl.h>
#include <ftw.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/loop.h"
#include "base/err.h"
#include "tail/tail.h"

static uint64_t lines;
static lw_tail *cur;

static int on_line(void *ud, const lw_line *ln) {
  (void)ud;
  lines++;
  lw_tail_ack(cur, ln->file, ln->end_offset);
  return LW_OK;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(p);
}

static char *make_files(int n, const char *content) {
  char *dir = strdup("/tmp/lw-bench-tail-XXXXXX");
  if (!dir || !mkdtemp(dir))
    exit(1);
  char path[512];
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/f%05d.log", dir, i);
    FILE *f = fopen(path, "w");
    if (!f)
      exit(1);
    fputs(content, f);
    fclose(f);
  }
  return dir;
}

static lw_tail *start(lw_loop *l, const char *dir, bool beginning) {
  static char glob[512];
  static const char *paths[1];
  snprintf(glob, sizeof glob, "%s/*.log", dir);
  paths[0] = glob;
  lw_tail_conf c;
  lw_tail_conf_init(&c);
  c.paths = paths;
  c.npaths = 1;
  c.start_beginning = beginning;
  c.max_open_files = 20000;
  lw_tail *t;
  if (lw_tail_new(&t, l, &c, on_line, NULL) != LW_OK)
    exit(1);
  cur = t;
  return t;
}

static void run_until_lines(lw_loop *l, uint64_t n) {
  uint64_t deadline = lw_now_ms() + 120000;
  while (lines < n && lw_now_ms() < deadline)
    lw_loop_run_once(l, 50);
}

/* 1,000 quiet files: CPU per second of wall time once everything is read. */
static void quiet(lw_loop *l, int seconds) {
  char *dir = make_files(1000, "x\n");
  lines = 0;
  lw_tail *t = start(l, dir, true);
  run_until_lines(l, 1000);
  double c0 = cpu_s();
  uint64_t w0 = lw_now_ms(), iters = 0;
  while (lw_now_ms() - w0 < (uint64_t)seconds * 1000) {
    lw_loop_run_once(l, 1000);
    iters++;
  }
  double c1 = cpu_s();
  printf("quiet_1000_files_cpu %.3f ms/s\n", (c1 - c0) * 1000.0 / seconds);
  printf("quiet_1000_files_wakeups %.2f /s\n", (double)iters / seconds);
  lw_tail_free(t);
  nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* One file of 1,000,000 lines of 100 bytes, read from its beginning, 3 times. */
static void throughput(lw_loop *l) {
  double ns[3], rate[3];
  for (int run = 0; run < 3; run++) {
    char *dir = make_files(0, "");
    char path[512], line[101];
    snprintf(path, sizeof path, "%s/big.log", dir);
    memset(line, 'a', 99);
    line[99] = '\n';
    line[100] = 0;
    FILE *f = fopen(path, "w");
    if (!f)
      exit(1);
    for (int i = 0; i < 1000000; i++)
      fputs(line, f);
    fclose(f);
    lines = 0;
    double c0 = cpu_s();
    uint64_t w0 = lw_now_us();
    lw_tail *t = start(l, dir, true);
    run_until_lines(l, 1000000);
    double c1 = cpu_s();
    uint64_t w1 = lw_now_us();
    rate[run] = 1e6 * (double)lines / (double)(w1 - w0);
    ns[run] = (c1 - c0) * 1e9 / (double)lines;
    lw_tail_free(t);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
  }
  qsort(ns, 3, sizeof ns[0], cmp_double);
  qsort(rate, 3, sizeof rate[0], cmp_double);
  printf("throughput_cpu %.1f ns/line (CPU, 100-byte lines read, split, delivered, acked; "
         "median of 3)\n",
         ns[1]);
  printf("throughput_wall %.2f M lines/s (median of 3)\n", rate[1] / 1e6);
}

/* Heap bytes per followed file with 10,000 files (read, idle, nothing in flight). */
static void memory(lw_loop *l) {
  char *dir = make_files(10000, "one line\n");
  lines = 0;
  size_t h0 = mallinfo2().uordblks;
  lw_tail *t = start(l, dir, true);
  run_until_lines(l, 10000);
  size_t h1 = mallinfo2().uordblks;
  printf("heap_per_file %.0f bytes (10000 files, paths of %zu bytes)\n",
         (double)(h1 - h0) / 10000.0, strlen(dir) + strlen("/f00000.log"));
  lw_tail_stats st;
  lw_tail_stats_get(t, &st);
  printf("watches_10000_files %llu\n", (unsigned long long)st.watches);
  lw_tail_free(t);
  nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

int main(int argc, char **argv) {
  int seconds = argc > 1 && !strcmp(argv[1], "-q") ? 3 : 10;
  struct rlimit rl = {20100, 20100};
  setrlimit(RLIMIT_NOFILE, &rl);
  lw_loop *l;
  if (lw_loop_new(&l) != LW_OK)
    return 1;
  quiet(l, seconds);
  throughput(l);
  memory(l);
  lw_loop_free(l);
  return 0;
}
