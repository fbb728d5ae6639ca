/* acks.c — out-of-order acknowledgement tracking in groups of lines (see acks.h). */
#include "tail/acks.h"

#include <stdlib.h>

#include "base/err.h"

static lw_ack_grp *at(const lw_acks *a, uint32_t i) {
  return &a->g[(a->head + i) & (a->cap - 1)];
}

void lw_acks_init(lw_acks *a, uint64_t committed) {
  *a = (lw_acks){.committed = committed};
}

void lw_acks_free(lw_acks *a) {
  free(a->g);
  a->g = NULL;
  a->head = a->n = a->cap = 0;
  a->inflight = 0;
}

/* Double the ring (cap stays a power of two), unrolling it to start at 0. */
static bool grow(lw_acks *a) {
  if (a->cap >= LW_ACK_MAX_GROUPS)
    return false;
  uint32_t cap = a->cap ? a->cap * 2 : 4;
  lw_ack_grp *g = malloc((size_t)cap * sizeof(*g));
  if (!g)
    return false;
  for (uint32_t i = 0; i < a->n; i++)
    g[i] = *at(a, i);
  free(a->g);
  a->g = g;
  a->cap = cap;
  a->head = 0;
  return true;
}

int lw_acks_add(lw_acks *a, uint64_t end) {
  return lw_acks_add_run(a, end, 1);
}

int lw_acks_add_run(lw_acks *a, uint64_t end, uint32_t n) {
  lw_ack_grp *last = a->n ? at(a, a->n - 1) : NULL;
  bool open_new = !last || last->lines + n > LW_ACK_GROUP;
  if (open_new && a->n == a->cap && !grow(a)) {
    if (!last)
      return LW_ERR_NOMEM;
    open_new = false; /* ceiling or no memory: the last group grows instead */
  }
  if (open_new) {
    a->n++;
    last = at(a, a->n - 1);
    *last = (lw_ack_grp){.end = end, .lines = n, .pending = n};
  } else {
    a->undo_end = last->end;
    last->end = end;
    last->lines += n;
    last->pending += n;
  }
  a->undo_new = open_new;
  a->undo_n = n;
  a->inflight += n;
  return LW_OK;
}

static void pop_acked(lw_acks *a);

void lw_acks_undo_run(lw_acks *a, uint32_t m, uint64_t end) {
  lw_ack_grp *last = a->n ? at(a, a->n - 1) : NULL;
  if (!last || last->pending < m || m > a->undo_n || !m)
    return; /* a caller error: nothing sane to undo */
  a->inflight -= m;
  last->lines -= m;
  last->pending -= m;
  if (m < a->undo_n)
    last->end = end;
  else if (a->undo_new) {
    a->n--; /* the run had opened it: gone with the run */
  } else
    last->end = a->undo_end;
  a->undo_n -= m;
  pop_acked(a); /* the lines kept may all be acknowledged already */
}

void lw_acks_undo(lw_acks *a) {
  lw_ack_grp *last = a->n ? at(a, a->n - 1) : NULL;
  if (!last || !last->pending)
    return; /* the refused line was acked: a caller error, nothing sane to undo */
  a->inflight--;
  if (a->undo_new) {
    a->n--;
    return;
  }
  last->end = a->undo_end;
  last->lines--;
  last->pending--;
}

/* Drop fully acknowledged groups at the front, moving `committed` to their end. */
static void pop_acked(lw_acks *a) {
  while (a->n && at(a, 0)->pending == 0) {
    a->committed = at(a, 0)->end;
    a->head = (a->head + 1) & (a->cap - 1);
    a->head_id++;
    a->n--;
  }
  if (!a->n) { /* nothing in flight: a quiet file keeps no ring */
    free(a->g);
    a->g = NULL;
    a->head = a->cap = 0;
  }
}

int lw_acks_ack(lw_acks *a, uint64_t end) {
  if (!a->n || end <= a->committed)
    return LW_ERR_INVALID_ARG;
  lw_ack_grp *g0 = &a->g[a->head];
  if (end <= g0->end && g0->pending > 1) {
    /* The common case: a line of the oldest group, which stays (not its last line acked). */
    g0->pending--;
    a->inflight--;
    return LW_OK;
  }
  if (end > at(a, a->n - 1)->end)
    return LW_ERR_INVALID_ARG;
  /* First group whose end >= `end`: the line belongs to it (groups are contiguous). Most
   * acknowledgements are for the oldest group: look there before searching. */
  uint32_t lo = 0, hi = at(a, 0)->end >= end ? 0 : a->n - 1;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (at(a, mid)->end >= end)
      hi = mid;
    else
      lo = mid + 1;
  }
  lw_ack_grp *g = at(a, lo);
  if (!g->pending)
    return LW_ERR_INVALID_ARG;
  g->pending--;
  a->inflight--;
  pop_acked(a);
  return LW_OK;
}

int lw_acks_ack_n(lw_acks *a, uint32_t group, uint32_t n) {
  uint32_t i = group - a->head_id; /* wrapping: an old id is far out of range */
  if (i >= a->n || n == 0)
    return LW_ERR_INVALID_ARG;
  lw_ack_grp *g = at(a, i);
  if (g->pending < n)
    return LW_ERR_INVALID_ARG;
  g->pending -= n;
  a->inflight -= n;
  if (i == 0 && g->pending == 0)
    pop_acked(a);
  return LW_OK;
}
