/* lines.c — line splitting, long lines, '\r' stripping and multiline events (see lines.h). */
#include "tail/lines.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "tail/tail.h"

void lw_lines_init(lw_lines *s, uint64_t off) {
  *s = (lw_lines){.off = off, .rpos = off};
}

void lw_lines_free(lw_lines *s) {
  free(s->carry);
  free(s->ev);
  lw_lines_init(s, s->off);
}

/* Grow *buf to hold `need` bytes (doubling from 256; need <= max_line). */
static int reserve(uint8_t **buf, uint32_t *cap, size_t need) {
  if (need <= *cap)
    return LW_OK;
  size_t n = *cap ? *cap : 256;
  while (n < need)
    n *= 2;
  if (n > UINT32_MAX)
    n = need;
  uint8_t *p = realloc(*buf, n);
  if (!p)
    return LW_ERR_NOMEM;
  *buf = p;
  *cap = (uint32_t)n;
  return LW_OK;
}

static int carry_append(lw_lines *s, const uint8_t *p, size_t n) {
  if (n == 0)
    return LW_OK;
  if (reserve(&s->carry, &s->carry_cap, (size_t)s->carry_len + n) != LW_OK)
    return LW_ERR_NOMEM;
  memcpy(s->carry + s->carry_len, p, n);
  s->carry_len += (uint32_t)n;
  return LW_OK;
}

/* Bytes up to `end` are consumed; the next line starts there. */
static void consumed(lw_lines *s, uint64_t end) {
  s->off = end;
  s->carry_len = 0;
  s->discard = false;
  s->midline = false;
}

void lw_lines_rewind(lw_lines *s) {
  free(s->carry);
  s->carry = NULL;
  s->carry_len = s->carry_cap = 0;
  s->discard = false;
  s->rpos = s->off;
}

void lw_lines_trim(lw_lines *s) {
  if (!s->carry_len) {
    free(s->carry);
    s->carry = NULL;
    s->carry_cap = 0;
  }
  if (!s->ev_open) {
    free(s->ev);
    s->ev = NULL;
    s->ev_cap = 0;
  }
}

/* Does the line start a multiline event? Returns 1, 0, or LW_ERR_NOMEM. */
static int starts_event(const lw_lines_conf *c, const uint8_t *p, size_t len) {
  lw_lines_scratch *sc = c->scratch;
  if (len + 1 > sc->cap) {
    size_t n = sc->cap ? sc->cap : 256;
    while (n < len + 1)
      n *= 2;
    char *q = realloc(sc->p, n);
    if (!q)
      return LW_ERR_NOMEM;
    sc->p = q;
    sc->cap = n;
  }
  if (len)
    memcpy(sc->p, p, len);
  sc->p[len] = 0;
  /* REG_STARTEND: the line may contain NUL bytes; the bound, not the NUL, ends it. */
  regmatch_t m = {.rm_so = 0, .rm_eo = (regoff_t)len};
  return regexec(c->start, sc->p, 1, &m, REG_STARTEND) == 0;
}

static int flush_event(lw_lines *s, const lw_lines_conf *c, void *ud, unsigned extra) {
  unsigned fl = s->ev_flags | extra | (s->ev_joined ? LW_LINE_SPLIT : 0);
  int r = c->emit(ud, s->ev, s->ev_len, s->ev_end, fl);
  if (r != LW_OK)
    return r;
  s->ev_open = s->ev_joined = false;
  s->ev_len = 0;
  s->ev_flags = 0;
  return LW_OK;
}

/* One complete line (or long-line piece) ending at file offset `end`. Without multiline it is
 * delivered; with it, it starts an event (delivering the previous one) or is appended to the
 * pending event. `cont`: the piece continues a line (never a start line). Returns LW_OK when
 * the line is consumed, else the refusal or LW_ERR_NOMEM (the line is not consumed; an event
 * delivered before the failure stays delivered). */
static int process_line(lw_lines *s, const lw_lines_conf *c, void *ud, const uint8_t *p, size_t len,
                        uint64_t end, unsigned flags, bool cont, lw_lines_stats *st) {
  if (!c->start)
    return c->emit(ud, p, len, end, flags);
  int r = cont ? 0 : starts_event(c, p, len);
  if (r < 0)
    return r;
  bool is_start = r == 1;
  if (s->ev_open && !is_start) {
    size_t sep = s->ev_joined ? 0 : 1;
    size_t need = (size_t)s->ev_len + sep + len;
    if (need <= c->max_line) {
      if (reserve(&s->ev, &s->ev_cap, need) != LW_OK)
        return LW_ERR_NOMEM;
      if (sep)
        s->ev[s->ev_len] = '\n';
      if (len)
        memcpy(s->ev + s->ev_len + sep, p, len);
      s->ev_len = (uint32_t)need;
      goto absorbed;
    }
    if (c->truncate) {
      /* Keep what fits of the event, drop the rest of this line (consumed all the same). */
      size_t keep = c->max_line - s->ev_len;
      if (reserve(&s->ev, &s->ev_cap, c->max_line) != LW_OK)
        return LW_ERR_NOMEM;
      if (keep && sep) {
        s->ev[s->ev_len++] = '\n';
        keep--;
      }
      if (keep > len)
        keep = len;
      if (keep)
        memcpy(s->ev + s->ev_len, p, keep);
      s->ev_len += (uint32_t)keep;
      if (!(s->ev_flags & LW_LINE_TRUNCATED))
        st->long_lines++;
      st->dropped_bytes += need - c->max_line;
      s->ev_flags |= LW_LINE_TRUNCATED;
      goto absorbed;
    }
    /* Split: the event so far goes out as a piece; this line opens the next piece. */
    r = flush_event(s, c, ud, LW_LINE_SPLIT);
    if (r != LW_OK)
      return r;
    st->long_lines++;
  } else if (s->ev_open) {
    r = flush_event(s, c, ud, 0);
    if (r != LW_OK)
      return r;
  }
  if (reserve(&s->ev, &s->ev_cap, len) != LW_OK)
    return LW_ERR_NOMEM;
  if (len)
    memcpy(s->ev, p, len);
  s->ev_len = (uint32_t)len;
  s->ev_flags = 0;
  s->ev_open = true;
absorbed:
  s->ev_end = end;
  s->ev_flags |= (uint8_t)(flags & (LW_LINE_TRUNCATED | LW_LINE_NO_NEWLINE));
  s->ev_joined = (flags & LW_LINE_SPLIT) != 0;
  return LW_OK;
}

/* ---- Finding whole lines for a run ----
 * collect() notes up to LW_LINES_RUN lines from *qp on, in one pass: it stops early at the
 * end of the bytes or before a line longer than max (both left to the general steps). On
 * x86-64 it looks at 64 bytes at a time, a bit per '\n' (AVX2 when the CPU has it, else SSE2),
 * and walks the bits: a line costs a few instructions besides its bytes' share, where a
 * memchr call per line costs a call and a start-up. Elsewhere (or built with -DLW_NO_SIMD) it
 * calls memchr per line. */
typedef struct nlscan {
  const uint8_t *cp, *e; /* the 64 bytes at cp (fewer at the end: up to e) are in m */
  const uint8_t *last;   /* the last place 64 whole bytes start (e - 64), or the first */
  uint64_t m;            /* their '\n' bytes not handed out yet, bit i for cp[i] */
} nlscan;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(LW_NO_SIMD)
#include <immintrin.h>

static uint64_t nl_mask_short(const uint8_t *p, size_t n) {
  uint64_t m = 0;
  for (size_t i = 0; i < n; i++)
    m |= (uint64_t)(p[i] == '\n') << i;
  return m;
}

static inline uint64_t nl_mask_sse2(const uint8_t *p) {
  const __m128i nl = _mm_set1_epi8('\n');
  uint64_t m = 0;
  for (int i = 0; i < 4; i++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
    m |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) << (16 * i);
  }
  return m;
}

__attribute__((target("avx2"))) static inline uint64_t nl_mask_avx2(const uint8_t *p) {
  const __m256i nl = _mm256_set1_epi8('\n');
  __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)p);
  __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
  return (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, nl)) |
         (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, nl)) << 32;
}

/* The body of collect for one way of making masks. */
#define COLLECT_BODY(MASK)                                                                         \
  const uint8_t *q = *qp, *rp = q, *cp = sc->cp, *const e = sc->e, *const last = sc->last;         \
  uint64_t m = sc->m;                                                                              \
  uint32_t k = 0, crs = 0;                                                                         \
  for (;;) {                                                                                       \
    while (!m) {                                                                                   \
      const uint8_t *nx = cp + 64;                                                                 \
      if (nx > last) { /* the short piece at the end, or nothing left */                           \
        if (nx >= e)                                                                               \
          goto out;                                                                                \
        cp = nx;                                                                                   \
        m = nl_mask_short(cp, (size_t)(e - cp));                                                   \
        continue;                                                                                  \
      }                                                                                            \
      cp = nx;                                                                                     \
      m = MASK(cp);                                                                                \
    }                                                                                              \
    const uint8_t *nl = cp + (unsigned)__builtin_ctzll(m);                                         \
    size_t ll = (size_t)(nl - q);                                                                  \
    if (ll > max)                                                                                  \
      break; /* a long line: the general steps cut it */                                           \
    m &= m - 1;                                                                                    \
    if (strip && ll && nl[-1] == '\r') {                                                           \
      ll--;                                                                                        \
      crs++;                                                                                       \
    }                                                                                              \
    q = nl + 1;                                                                                    \
    end[k] = (uint32_t)(q - rp);                                                                   \
    len[k] = (uint32_t)ll;                                                                         \
    if (++k == LW_LINES_RUN)                                                                       \
      break;                                                                                       \
  }                                                                                                \
  out:                                                                                             \
  sc->cp = cp;                                                                                     \
  sc->m = m;                                                                                       \
  *qp = q;                                                                                         \
  *crsp = crs;                                                                                     \
  return k;

#define COLLECT_ARGS                                                                               \
  nlscan *sc, const uint8_t **qp, size_t max, bool strip, uint32_t *end, uint32_t *len,            \
      uint32_t *crsp

static uint32_t collect_sse2(COLLECT_ARGS) {
  COLLECT_BODY(nl_mask_sse2)
}

__attribute__((target("avx2"))) static uint32_t collect_avx2(COLLECT_ARGS) {
  COLLECT_BODY(nl_mask_avx2)
}

static void nlscan_init(nlscan *sc, const uint8_t *q, const uint8_t *e) {
  sc->cp = q;
  sc->e = e;
  sc->last = (size_t)(e - q) >= 64 ? e - 64 : q;
  sc->m = (size_t)(e - q) >= 64 ? nl_mask_sse2(q) : nl_mask_short(q, (size_t)(e - q));
}

static int avx2 = -1; /* -1: not asked yet; one thread (a race would only ask twice) */

void lw__lines_no_avx2(bool off) {
  avx2 = off ? 0 : -1;
}

static uint32_t collect(COLLECT_ARGS) {
  if (avx2 < 0)
    avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
  return avx2 ? collect_avx2(sc, qp, max, strip, end, len, crsp)
              : collect_sse2(sc, qp, max, strip, end, len, crsp);
}
#else
void lw__lines_no_avx2(bool off) {
  (void)off;
}

static void nlscan_init(nlscan *sc, const uint8_t *q, const uint8_t *e) {
  *sc = (nlscan){.cp = q, .e = e};
}

static uint32_t collect(nlscan *sc, const uint8_t **qp, size_t max, bool strip, uint32_t *end,
                        uint32_t *len, uint32_t *crsp) {
  const uint8_t *q = *qp, *rp = q, *e = sc->e;
  uint32_t k = 0, crs = 0;
  while (k < LW_LINES_RUN && q < e) {
    size_t left = (size_t)(e - q);
    const uint8_t *nl = memchr(q, '\n', left <= max ? left : max + 1);
    if (!nl)
      break;
    size_t ll = (size_t)(nl - q);
    if (strip && ll && q[ll - 1] == '\r') {
      ll--;
      crs++;
    }
    q = nl + 1;
    end[k] = (uint32_t)(q - rp);
    len[k++] = (uint32_t)ll;
  }
  *qp = q;
  *crsp = crs;
  return k;
}
#endif

int lw_lines_feed(lw_lines *s, const lw_lines_conf *c, const uint8_t *p, size_t n, void *ud,
                  lw_lines_stats *st) {
  const uint64_t base = s->rpos; /* file offset of p[0] */
  size_t i = 0;
  int r = LW_OK;
  while (i < n) {
    /* Fast path, the common case: no multiline, nothing carried over. Whole lines are handed
     * out where they lie, with one memchr each and no other pass over the bytes, until a line
     * that cannot be finished here (unfinished, or longer than max_line): the general steps
     * below take that one on, then this path again. */
    if (!c->start && !s->carry_len && !s->discard && c->emit_run) {
      /* The same, with the lines handed out LW_LINES_RUN at a time: their bounds are noted
       * during the one pass over the bytes and the callback takes a run in one call. */
      const uint8_t *q = p + i;
      nlscan sc;
      nlscan_init(&sc, q, p + n);
      for (;;) {
        const uint8_t *rp = q;
        uint32_t end[LW_LINES_RUN], len[LW_LINES_RUN], crs = 0;
        uint32_t k = collect(&sc, &q, c->max_line, c->strip_cr, end, len, &crs);
        if (k) {
          lw_lines_run run = {
              .p = rp, .off = base + (size_t)(rp - p), .end = end, .len = len, .n = k, .crs = crs};
          uint32_t taken = k;
          r = c->emit_run(ud, &run, &taken);
          if (taken)
            consumed(s, run.off + end[taken - 1]);
          if (r != LW_OK)
            goto refused;
        }
        if (k < LW_LINES_RUN)
          break;
      }
      i = (size_t)(q - p);
      if (i >= n)
        break;
    } else if (!c->start && !s->carry_len && !s->discard) {
      const uint8_t *q = p + i, *e = p + n;
      const size_t max = c->max_line;
      while (q < e) {
        size_t left = (size_t)(e - q);
        const uint8_t *nl = memchr(q, '\n', left <= max ? left : max + 1);
        if (!nl)
          break;
        size_t ll = (size_t)(nl - q);
        if (c->strip_cr && ll && q[ll - 1] == '\r')
          ll--;
        uint64_t end = base + (size_t)(nl - p) + 1;
        r = c->emit(ud, q, ll, end, 0);
        if (r != LW_OK)
          goto refused;
        consumed(s, end);
        q = nl + 1;
      }
      i = (size_t)(q - p);
      if (i >= n)
        break;
    }
    if (s->discard) {
      /* Truncate mode, line past max_line: drop up to its newline, then deliver the kept
       * first max_line bytes with the whole line's end offset. */
      const uint8_t *nl = memchr(p + i, '\n', n - i);
      if (!nl)
        break;
      uint64_t end = base + (size_t)(nl - p) + 1;
      r = process_line(s, c, ud, s->carry, s->carry_len, end, LW_LINE_TRUNCATED, false, st);
      if (r != LW_OK)
        goto refused;
      st->long_lines++;
      st->dropped_bytes += end - 1 - (s->off + s->carry_len);
      consumed(s, end);
      i = (size_t)(nl - p) + 1;
      continue;
    }
    /* A newline within room+1 bytes ends a line of at most max_line bytes. */
    size_t room = c->max_line - s->carry_len;
    size_t look = n - i <= room ? n - i : room + 1;
    const uint8_t *nl = memchr(p + i, '\n', look);
    if (nl) {
      size_t k = (size_t)(nl - (p + i));
      const uint8_t *lp = p + i; /* zero copy when the line lies in this block */
      size_t ll = k;
      if (s->carry_len) {
        if (carry_append(s, p + i, k) != LW_OK)
          goto nomem;
        lp = s->carry;
        ll = s->carry_len;
      }
      if (c->strip_cr && ll && lp[ll - 1] == '\r')
        ll--;
      uint64_t end = base + i + k + 1;
      r = process_line(s, c, ud, lp, ll, end, 0, s->midline, st);
      if (r != LW_OK)
        goto refused;
      consumed(s, end);
      i += k + 1;
      continue;
    }
    if (n - i <= room) { /* unfinished line that still fits: keep it */
      if (carry_append(s, p + i, n - i) != LW_OK)
        goto nomem;
      i = n;
      break;
    }
    /* More than max_line bytes without a newline. */
    if (c->truncate) {
      if (carry_append(s, p + i, room) != LW_OK)
        goto nomem;
      s->discard = true;
      i += room;
      continue;
    }
    const uint8_t *lp = p + i;
    if (s->carry_len) {
      if (carry_append(s, p + i, room) != LW_OK)
        goto nomem;
      lp = s->carry;
    }
    uint64_t end = base + i + room;
    r = process_line(s, c, ud, lp, c->max_line, end, LW_LINE_SPLIT, s->midline, st);
    if (r != LW_OK)
      goto refused;
    if (!s->midline)
      st->long_lines++;
    consumed(s, end);
    s->midline = true;
    i += room;
  }
  s->rpos = base + n;
  return LW_OK;
nomem:
  r = LW_ERR_NOMEM;
refused:
  lw_lines_rewind(s);
  return r;
}

int lw_lines_flush(lw_lines *s, const lw_lines_conf *c, void *ud) {
  if (!s->ev_open)
    return LW_OK;
  int r = flush_event(s, c, ud, 0);
  if (r == LW_OK)
    lw_lines_trim(s);
  return r;
}

int lw_lines_finish(lw_lines *s, const lw_lines_conf *c, void *ud, lw_lines_stats *st) {
  if (s->rpos > s->off) {
    /* The unfinished line: its kept bytes are in carry (rpos > off implies they were not
     * rewound away); with `discard`, more were dropped after them. */
    unsigned fl = LW_LINE_NO_NEWLINE | (s->discard ? LW_LINE_TRUNCATED : 0);
    int r = process_line(s, c, ud, s->carry, s->carry_len, s->rpos, fl, s->midline, st);
    if (r != LW_OK)
      return r;
    if (s->discard) {
      st->long_lines++;
      st->dropped_bytes += s->rpos - (s->off + s->carry_len);
    }
    consumed(s, s->rpos);
  }
  return lw_lines_flush(s, c, ud);
}
