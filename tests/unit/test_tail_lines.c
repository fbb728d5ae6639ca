/* test_tail_lines.c — tail/lines.c without files: lines split across every read boundary,
 * '\r' stripping, NUL and invalid UTF-8 bytes, long lines split and truncated, unfinished
 * lines, refusal and re-reading, multiline events. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "tail/lines.h"
#include "tail/tail.h"

#define GOT_MAX 4096
typedef struct got {
  char *s[GOT_MAX];
  size_t len[GOT_MAX];
  uint64_t end[GOT_MAX];
  unsigned flags[GOT_MAX];
  int n;
  int refuse_at; /* refuse when n == refuse_at (once); -1 never */
} got;

static void got_init(got *g) {
  memset(g, 0, sizeof(*g));
  g->refuse_at = -1;
}

static void got_free(got *g) {
  for (int i = 0; i < g->n; i++)
    free(g->s[i]);
  got_init(g);
}

static int emit(void *ud, const uint8_t *p, size_t len, uint64_t end, unsigned flags) {
  got *g = ud;
  if (g->n == g->refuse_at) {
    g->refuse_at = -1;
    return LW_ERR_QUEUE_FULL;
  }
  cr_assert_lt(g->n, GOT_MAX);
  g->s[g->n] = malloc(len + 1);
  if (len)
    memcpy(g->s[g->n], p, len);
  g->s[g->n][len] = 0;
  g->len[g->n] = len;
  g->end[g->n] = end;
  g->flags[g->n] = flags;
  g->n++;
  return LW_OK;
}

/* Shared by the tests of this program (still reachable at exit, not leaked). */
static lw_lines_scratch scratch;

static lw_lines_conf conf(size_t max, bool truncate, bool strip_cr, const regex_t *re) {
  return (lw_lines_conf){.max_line = max,
                         .truncate = truncate,
                         .strip_cr = strip_cr,
                         .start = re,
                         .scratch = &scratch,
                         .emit = emit};
}

/* Feed `in` in two reads split at k, re-reading from s->rpos after a refusal. */
static void feed_split(lw_lines *s, const lw_lines_conf *c, const char *in, size_t n, size_t k,
                       got *g, lw_lines_stats *st) {
  size_t cuts[2] = {k, n};
  for (int i = 0; i < 2; i++) {
    while (s->rpos < cuts[i]) {
      size_t from = (size_t)s->rpos;
      int r = lw_lines_feed(s, c, (const uint8_t *)in + from, cuts[i] - from, g, st);
      cr_assert(r == LW_OK || r == LW_ERR_QUEUE_FULL);
    }
  }
}

Test(tail_lines, every_split_point_and_crlf) {
  static const char in[] = "alpha\nbeta\r\ngamma\n\nlast\r\n\rdelta";
  size_t n = sizeof in - 1;
  for (size_t k = 0; k <= n; k++) {
    for (int cr = 0; cr < 2; cr++) {
      lw_lines s;
      got g;
      lw_lines_stats st = {0};
      got_init(&g);
      lw_lines_init(&s, 0);
      lw_lines_conf c = conf(1024, false, cr, NULL);
      feed_split(&s, &c, in, n, k, &g, &st);
      cr_assert_eq(g.n, 5, "split at %zu", k);
      cr_assert_str_eq(g.s[0], "alpha");
      cr_assert_str_eq(g.s[1], cr ? "beta" : "beta\r");
      cr_assert_str_eq(g.s[2], "gamma");
      cr_assert_str_eq(g.s[3], "");
      cr_assert_str_eq(g.s[4], cr ? "last" : "last\r");
      cr_assert_eq(g.end[0], 6);
      cr_assert_eq(g.end[1], 12);
      cr_assert_eq(g.end[2], 18);
      cr_assert_eq(g.end[3], 19);
      cr_assert_eq(g.end[4], 25);
      for (int i = 0; i < 5; i++)
        cr_assert_eq(g.flags[i], 0);
      /* The unfinished "\rdelta" waits; finishing delivers it without a newline ('\r' is
       * only stripped before '\n'). */
      cr_assert_eq(s.off, 25);
      cr_assert_eq(s.rpos, n);
      cr_assert_eq(lw_lines_finish(&s, &c, &g, &st), LW_OK);
      cr_assert_eq(g.n, 6);
      cr_assert_str_eq(g.s[5], "\rdelta");
      cr_assert_eq(g.flags[5], LW_LINE_NO_NEWLINE);
      cr_assert_eq(g.end[5], n);
      cr_assert_eq(s.off, n);
      got_free(&g);
      lw_lines_free(&s);
    }
  }
}

Test(tail_lines, byte_at_a_time) {
  static const char in[] = "one\r\ntwo\nthree\n";
  lw_lines s;
  got g;
  lw_lines_stats st = {0};
  got_init(&g);
  lw_lines_init(&s, 100); /* offsets are file offsets: start anywhere */
  lw_lines_conf c = conf(1024, false, true, NULL);
  for (size_t i = 0; i < sizeof in - 1; i++)
    cr_assert_eq(lw_lines_feed(&s, &c, (const uint8_t *)in + i, 1, &g, &st), LW_OK);
  cr_assert_eq(g.n, 3);
  cr_assert_str_eq(g.s[0], "one");
  cr_assert_str_eq(g.s[2], "three");
  cr_assert_eq(g.end[2], 100 + sizeof in - 1);
  got_free(&g);
  lw_lines_free(&s);
}

Test(tail_lines, nul_and_invalid_utf8_pass_through) {
  static const uint8_t in[] = {'a', 0, 'b', 0xff, 0xfe, 0xc3, '\n', 0, '\n'};
  lw_lines s;
  got g;
  lw_lines_stats st = {0};
  got_init(&g);
  lw_lines_init(&s, 0);
  lw_lines_conf c = conf(1024, false, true, NULL);
  cr_assert_eq(lw_lines_feed(&s, &c, in, sizeof in, &g, &st), LW_OK);
  cr_assert_eq(g.n, 2);
  cr_assert_eq(g.len[0], 6);
  cr_assert_eq(memcmp(g.s[0], in, 6), 0);
  cr_assert_eq(g.len[1], 1);
  cr_assert_eq(g.s[1][0], 0);
  got_free(&g);
  lw_lines_free(&s);
}

Test(tail_lines, long_lines_split_at_every_boundary) {
  static const char in[] = "0123456789ABCDEFGHIJ\n01234567\n012345678\nok\n";
  size_t n = sizeof in - 1;
  for (size_t k = 0; k <= n; k++) {
    lw_lines s;
    got g;
    lw_lines_stats st = {0};
    got_init(&g);
    lw_lines_init(&s, 0);
    lw_lines_conf c = conf(8, false, true, NULL);
    feed_split(&s, &c, in, n, k, &g, &st);
    cr_assert_eq(g.n, 7, "split at %zu: %d lines", k, g.n);
    cr_assert_str_eq(g.s[0], "01234567");
    cr_assert_eq(g.flags[0], LW_LINE_SPLIT);
    cr_assert_eq(g.end[0], 8);
    cr_assert_str_eq(g.s[1], "89ABCDEF");
    cr_assert_eq(g.flags[1], LW_LINE_SPLIT);
    cr_assert_eq(g.end[1], 16);
    cr_assert_str_eq(g.s[2], "GHIJ");
    cr_assert_eq(g.flags[2], 0);
    cr_assert_eq(g.end[2], 21);
    cr_assert_str_eq(g.s[3], "01234567"); /* exactly max_line: a normal line */
    cr_assert_eq(g.flags[3], 0);
    cr_assert_str_eq(g.s[4], "01234567");
    cr_assert_eq(g.flags[4], LW_LINE_SPLIT);
    cr_assert_str_eq(g.s[5], "8");
    cr_assert_str_eq(g.s[6], "ok");
    cr_assert_eq(st.long_lines, 2);
    got_free(&g);
    lw_lines_free(&s);
  }
}

Test(tail_lines, long_lines_truncated_at_every_boundary) {
  static const char in[] = "0123456789ABCDEFGHIJ\nxy\n0123456789";
  size_t n = sizeof in - 1;
  for (size_t k = 0; k <= n; k++) {
    lw_lines s;
    got g;
    lw_lines_stats st = {0};
    got_init(&g);
    lw_lines_init(&s, 0);
    lw_lines_conf c = conf(8, true, true, NULL);
    feed_split(&s, &c, in, n, k, &g, &st);
    cr_assert_eq(g.n, 2, "split at %zu", k);
    cr_assert_str_eq(g.s[0], "01234567");
    cr_assert_eq(g.flags[0], LW_LINE_TRUNCATED);
    cr_assert_eq(g.end[0], 21, "the kept piece ends where the whole line ends");
    cr_assert_str_eq(g.s[1], "xy");
    cr_assert_eq(st.long_lines, 1);
    cr_assert_eq(st.dropped_bytes, 12);
    /* An unfinished long line is kept at 8 bytes while the rest is dropped. */
    cr_assert_eq(s.carry_len, 8);
    cr_assert_eq(lw_lines_finish(&s, &c, &g, &st), LW_OK);
    cr_assert_str_eq(g.s[2], "01234567");
    cr_assert_eq(g.flags[2], LW_LINE_TRUNCATED | LW_LINE_NO_NEWLINE);
    cr_assert_eq(g.end[2], n);
    cr_assert_eq(st.dropped_bytes, 14);
    got_free(&g);
    lw_lines_free(&s);
  }
}

Test(tail_lines, refused_line_is_offered_again_after_reread) {
  static const char in[] = "a\nbb\nccc\n";
  lw_lines s;
  got g;
  lw_lines_stats st = {0};
  got_init(&g);
  g.refuse_at = 1;
  lw_lines_init(&s, 0);
  lw_lines_conf c = conf(1024, false, true, NULL);
  cr_assert_eq(lw_lines_feed(&s, &c, (const uint8_t *)in, 9, &g, &st), LW_ERR_QUEUE_FULL);
  cr_assert_eq(g.n, 1);
  cr_assert_eq(s.off, 2, "consumed up to the refused line");
  cr_assert_eq(s.rpos, 2, "rewound: the refused line is read again from the file");
  cr_assert_eq(s.carry_len, 0);
  cr_assert_eq(lw_lines_feed(&s, &c, (const uint8_t *)in + 2, 7, &g, &st), LW_OK);
  cr_assert_eq(g.n, 3);
  cr_assert_str_eq(g.s[1], "bb");
  cr_assert_eq(g.end[1], 5);
  cr_assert_str_eq(g.s[2], "ccc");
  got_free(&g);
  lw_lines_free(&s);
}

Test(tail_lines, refused_split_piece_keeps_midline) {
  static const char in[] = "0123456789\n";
  lw_lines s;
  got g;
  lw_lines_stats st = {0};
  got_init(&g);
  g.refuse_at = 1;
  lw_lines_init(&s, 0);
  lw_lines_conf c = conf(4, false, true, NULL);
  cr_assert_eq(lw_lines_feed(&s, &c, (const uint8_t *)in, 11, &g, &st), LW_ERR_QUEUE_FULL);
  cr_assert_eq(s.off, 4);
  cr_assert(s.midline);
  cr_assert_eq(lw_lines_feed(&s, &c, (const uint8_t *)in + 4, 7, &g, &st), LW_OK);
  cr_assert_eq(g.n, 3);
  cr_assert_str_eq(g.s[1], "4567");
  cr_assert_eq(g.flags[1], LW_LINE_SPLIT);
  cr_assert_str_eq(g.s[2], "89");
  cr_assert_eq(g.flags[2], 0);
  got_free(&g);
  lw_lines_free(&s);
}

static regex_t start_re(void) {
  regex_t re;
  cr_assert_eq(regcomp(&re, "^[0-9]", REG_EXTENDED | REG_NOSUB), 0);
  return re;
}

Test(tail_lines, multiline_events_at_every_boundary) {
  static const char in[] = "pre\n1 start\n  a\n  b\r\n2 next\n  c\n3 x";
  size_t n = sizeof in - 1;
  regex_t re = start_re();
  for (size_t k = 0; k <= n; k++) {
    lw_lines s;
    got g;
    lw_lines_stats st = {0};
    got_init(&g);
    lw_lines_init(&s, 0);
    lw_lines_conf c = conf(1024, false, true, &re);
    feed_split(&s, &c, in, n, k, &g, &st);
    cr_assert_eq(g.n, 2, "split at %zu", k);
    cr_assert_str_eq(g.s[0], "pre"); /* lines before the first start form their own event */
    cr_assert_eq(g.end[0], 4);
    cr_assert_str_eq(g.s[1], "1 start\n  a\n  b");
    cr_assert_eq(g.end[1], 21, "an event ends where its last line ends");
    cr_assert(s.ev_open);
    cr_assert_eq(s.ev_end, 32);
    /* Flush timeout: the pending event goes out; the unfinished "3 x" stays. */
    cr_assert_eq(lw_lines_flush(&s, &c, &g), LW_OK);
    cr_assert_str_eq(g.s[2], "2 next\n  c");
    cr_assert_eq(g.end[2], 32);
    cr_assert_eq(lw_lines_finish(&s, &c, &g, &st), LW_OK);
    cr_assert_str_eq(g.s[3], "3 x");
    cr_assert_eq(g.flags[3], LW_LINE_NO_NEWLINE);
    cr_assert_eq(g.end[3], n);
    got_free(&g);
    lw_lines_free(&s);
  }
  regfree(&re);
}

Test(tail_lines, multiline_refused_event_stays_pending) {
  static const char in[] = "1 a\n b\n2 c\n";
  regex_t re = start_re();
  lw_lines s;
  got g;
  lw_lines_stats st = {0};
  got_init(&g);
  g.refuse_at = 0;
  lw_lines_init(&s, 0);
  lw_lines_conf c = conf(1024, false, true, &re);
  cr_assert_eq(lw_lines_feed(&s, &c, (const uint8_t *)in, 11, &g, &st), LW_ERR_QUEUE_FULL);
  cr_assert(s.ev_open);
  cr_assert_eq(s.off, 7, "the start line that triggered the flush is not consumed");
  cr_assert_eq(lw_lines_feed(&s, &c, (const uint8_t *)in + 7, 4, &g, &st), LW_OK);
  cr_assert_eq(g.n, 1);
  cr_assert_str_eq(g.s[0], "1 a\n b");
  cr_assert_eq(g.end[0], 7);
  cr_assert_eq(lw_lines_finish(&s, &c, &g, &st), LW_OK);
  cr_assert_str_eq(g.s[1], "2 c");
  cr_assert_eq(g.flags[1], 0, "the event's last line had its newline");
  got_free(&g);
  lw_lines_free(&s);
  regfree(&re);
}

Test(tail_lines, multiline_long_events_split_or_truncate) {
  static const char in[] = "1 aaaa\n bbbb\n cccc\n2\n";
  regex_t re = start_re();
  for (int trunc = 0; trunc < 2; trunc++) {
    lw_lines s;
    got g;
    lw_lines_stats st = {0};
    got_init(&g);
    lw_lines_init(&s, 0);
    lw_lines_conf c = conf(12, trunc, true, &re);
    cr_assert_eq(lw_lines_feed(&s, &c, (const uint8_t *)in, sizeof in - 1, &g, &st), LW_OK);
    if (trunc) {
      cr_assert_eq(g.n, 1);
      cr_assert_str_eq(g.s[0], "1 aaaa\n bbbb");
      cr_assert_eq(g.flags[0], LW_LINE_TRUNCATED);
      cr_assert_eq(g.end[0], 19, "dropped lines are covered by the event's end");
      cr_assert_eq(st.dropped_bytes, 6);
    } else {
      cr_assert_eq(g.n, 2);
      cr_assert_str_eq(g.s[0], "1 aaaa\n bbbb");
      cr_assert_eq(g.flags[0], LW_LINE_SPLIT);
      cr_assert_eq(g.end[0], 13);
      cr_assert_str_eq(g.s[1], " cccc");
      cr_assert_eq(g.end[1], 19);
    }
    cr_assert_eq(st.long_lines, 1);
    got_free(&g);
    lw_lines_free(&s);
  }
  regfree(&re);
}

Test(tail_lines, multiline_joins_split_pieces_without_newline) {
  static const char in[] = "1 abcdefgh\n";
  regex_t re = start_re();
  lw_lines s;
  got g;
  lw_lines_stats st = {0};
  got_init(&g);
  lw_lines_init(&s, 0);
  lw_lines_conf c = conf(6, false, true, &re);
  cr_assert_eq(lw_lines_feed(&s, &c, (const uint8_t *)in, sizeof in - 1, &g, &st), LW_OK);
  /* "1 abcd" (piece) + "efgh" (continues the line, not a start): 10 bytes > 6, so the event
   * is delivered as a SPLIT piece and the rest opens the next piece. */
  cr_assert_eq(lw_lines_flush(&s, &c, &g), LW_OK);
  cr_assert_eq(g.n, 2);
  cr_assert_str_eq(g.s[0], "1 abcd");
  cr_assert_eq(g.flags[0], LW_LINE_SPLIT);
  cr_assert_str_eq(g.s[1], "efgh");
  cr_assert_eq(g.flags[1], 0);
  got_free(&g);
  lw_lines_free(&s);
  regfree(&re);
}

Test(tail_lines, finish_with_nothing_pending_is_a_no_op) {
  lw_lines s;
  got g;
  lw_lines_stats st = {0};
  got_init(&g);
  lw_lines_init(&s, 7);
  lw_lines_conf c = conf(16, false, true, NULL);
  cr_assert_eq(lw_lines_finish(&s, &c, &g, &st), LW_OK);
  cr_assert_eq(g.n, 0);
  lw_lines_free(&s);
}

/* emit_run over `emit`: each line of the run in turn, stopping at a refusal. */
static int emit_run(void *ud, const lw_lines_run *r, uint32_t *taken) {
  uint32_t start = 0, crs = 0;
  for (uint32_t i = 0; i < r->n; start = r->end[i++]) {
    cr_assert_leq(r->len[i] + 1, r->end[i] - start);
    crs += r->end[i] - start - 1 - r->len[i];
    int rc = emit(ud, r->p + start, r->len[i], r->off + r->end[i], 0);
    if (rc != LW_OK) {
      *taken = i;
      return rc;
    }
  }
  cr_assert_eq(crs, r->crs, "crs counts the stripped '\\r'");
  *taken = r->n;
  return LW_OK;
}

/* The run path gives exactly the lines, offsets, flags and counts of the line path: random
 * lines (empty, CRLF, long, around 64-byte boundaries), random read sizes, a refusal at a
 * random line, each limit and mode. */
static void runs_match(void) {
  srand(4321);
  char *in = malloc(8000);
  cr_assert(in);
  for (int round = 0; round < 300; round++) {
    size_t n = 0, want = 1 + (size_t)(rand() % 8000);
    while (n < want) {
      int len = rand() % 8 == 0 ? rand() % 300 : rand() % 70;
      for (int j = 0; j < len && n < want; j++)
        in[n++] = (char)('a' + rand() % 26);
      if (n < want && rand() % 4 == 0)
        in[n++] = '\r';
      if (n < want)
        in[n++] = '\n';
    }
    size_t max = (size_t[]){8, 63, 64, 65, 200, 4096}[rand() % 6];
    bool trunc = rand() % 2, cr = rand() % 2;
    size_t block = 1 + (size_t)(rand() % 3000);
    int refuse = rand() % 3 ? rand() % 100 : -1;
    got g[2];
    lw_lines_stats st[2] = {{0}, {0}};
    uint64_t off[2];
    for (int v = 0; v < 2; v++) {
      lw_lines s;
      lw_lines_init(&s, 0);
      got_init(&g[v]);
      g[v].refuse_at = refuse;
      lw_lines_conf c = conf(max, trunc, cr, NULL);
      if (v)
        c.emit_run = emit_run;
      while (s.rpos < n) {
        size_t from = (size_t)s.rpos, k = n - from < block ? n - from : block;
        uint8_t *b = malloc(k); /* exactly the block: a read past it shows under ASan */
        cr_assert(b);
        memcpy(b, in + from, k);
        int r = lw_lines_feed(&s, &c, b, k, &g[v], &st[v]);
        free(b);
        cr_assert(r == LW_OK || r == LW_ERR_QUEUE_FULL);
      }
      off[v] = s.off;
      lw_lines_free(&s);
    }
    cr_assert_eq(g[0].n, g[1].n, "round %d", round);
    for (int i = 0; i < g[0].n; i++) {
      cr_assert_eq(g[0].len[i], g[1].len[i], "round %d line %d", round, i);
      cr_assert_eq(memcmp(g[0].s[i], g[1].s[i], g[0].len[i]), 0);
      cr_assert_eq(g[0].end[i], g[1].end[i], "round %d line %d", round, i);
      cr_assert_eq(g[0].flags[i], g[1].flags[i]);
    }
    cr_assert_eq(off[0], off[1]);
    cr_assert_eq(st[0].long_lines, st[1].long_lines);
    cr_assert_eq(st[0].dropped_bytes, st[1].dropped_bytes);
    got_free(&g[0]);
    got_free(&g[1]);
  }
  free(in);
}

Test(tail_lines, runs_match_the_line_path) {
  runs_match();
}

Test(tail_lines, runs_match_the_line_path_without_avx2) {
  lw__lines_no_avx2(true);
  runs_match();
  lw__lines_no_avx2(false);
}
