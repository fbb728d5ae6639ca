/* acks.h — per-file tracking of delivered, unacknowledged lines, to know how far a file may be
 * checkpointed when acknowledgements arrive out of order.
 *
 * Lines are grouped in delivery order into groups of up to LW_ACK_GROUP lines; a group keeps
 * only the end offset of its last line and a counter of unacknowledged lines. An ack finds its
 * group by binary search (groups are ordered by end offset and contiguous) and decrements the
 * counter; fully acknowledged groups at the front are dropped and move `committed` to their
 * end. Memory: 16 bytes per group, i.e. O(in-flight / LW_ACK_GROUP), and none when nothing
 * is in flight (the ring is freed when it empties). The price: the committed offset moves a
 * group at a time while later lines of the group are in flight (after a crash, at most one
 * group of acknowledged lines per file is delivered again). */
#ifndef LW_TAIL_ACKS_H
#define LW_TAIL_ACKS_H

#include <stdbool.h>
#include <stdint.h>

#define LW_ACK_GROUP      64u
#define LW_ACK_MAX_GROUPS (1u << 20) /* ceiling: past it the last group just grows */

typedef struct lw_ack_grp {
  uint64_t end;     /* end offset of the group's last line */
  uint32_t lines;   /* lines in the group */
  uint32_t pending; /* of which not yet acknowledged */
} lw_ack_grp;

typedef struct lw_acks {
  lw_ack_grp *g; /* owned ring of groups */
  uint32_t head, n, cap;
  uint32_t head_id;   /* id of the group at head; the group at position i is head_id + i */
  uint64_t committed; /* every line ending at or before this offset is acknowledged */
  uint64_t inflight;  /* lines added and not acknowledged */
  uint64_t undo_end;  /* previous end of the last group, for lw_acks_undo */
  uint32_t undo_n;    /* lines the last add (or add_run) added */
  bool undo_new;      /* the last add opened a new group */
} lw_acks;

/* Start empty with everything before `committed` considered acknowledged. */
void lw_acks_init(lw_acks *a, uint64_t committed);
void lw_acks_free(lw_acks *a);
/* Record a delivered line ending at `end` (> every end added before). When the ring cannot
 * grow (ceiling or memory) the line joins the last group. Returns LW_OK, or LW_ERR_NOMEM only
 * when there is no group at all and none could be allocated. */
int lw_acks_add(lw_acks *a, uint64_t end);
/* lw_acks_add with its common case inline (the last group has room): for the per-line path. */
static inline int lw_acks_push(lw_acks *a, uint64_t end) {
  if (a->n) {
    lw_ack_grp *last = &a->g[(a->head + a->n - 1) & (a->cap - 1)];
    if (last->lines < LW_ACK_GROUP) {
      a->undo_end = last->end;
      last->end = end;
      last->lines++;
      last->pending++;
      a->undo_new = false;
      a->undo_n = 1;
      a->inflight++;
      return 0;
    }
  }
  return lw_acks_add(a, end);
}
/* Record n (1..LW_ACK_GROUP) delivered lines at once, the last ending at `end` (> every end
 * added before): they all join one group, the last one when it has room for all of them, else
 * a new one (so a group may hold fewer than LW_ACK_GROUP lines). Returns as lw_acks_add. */
int lw_acks_add_run(lw_acks *a, uint64_t end, uint32_t n);
/* Take back the last m lines of the run just added (the callback refused them); `end` is the
 * end of the run's last line kept (unused when m is the whole run). Only valid right after
 * lw_acks_add_run, before any ack of those m lines (lines of the run before them may have been
 * acknowledged). */
void lw_acks_undo_run(lw_acks *a, uint32_t m, uint64_t end);
/* Take back the line just added (the callback refused it). Only valid right after
 * lw_acks_add, before any ack of that line. */
void lw_acks_undo(lw_acks *a);
/* Acknowledge the line ending at `end`. Returns LW_OK, or LW_ERR_INVALID_ARG when no
 * unacknowledged line can end there (unknown offset, or its group is fully acknowledged). */
int lw_acks_ack(lw_acks *a, uint64_t end);
/* The id of the group the line just added joined (ids count up from 0, wrapping). Lines
 * acknowledged together by group with lw_acks_ack_n need no offsets: a group is one counter. */
static inline uint32_t lw_acks_last_group(const lw_acks *a) {
  return a->head_id + a->n - 1;
}
/* Acknowledge n lines of group `group` at once (any n of its lines, each acknowledged once in
 * all). Returns LW_OK, or LW_ERR_INVALID_ARG when the group is gone or has fewer than n
 * lines unacknowledged (nothing is changed then). */
int lw_acks_ack_n(lw_acks *a, uint32_t group, uint32_t n);

#endif
