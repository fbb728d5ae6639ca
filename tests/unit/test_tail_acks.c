/* test_tail_acks.c — tail/acks.c: the committed offset under out-of-order acknowledgements,
 * group boundaries, taking back a refused line, invalid and repeated acks, and a randomized
 * check against a plain per-line model. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "base/err.h"
#include "tail/acks.h"

Test(tail_acks, out_of_order_acks_commit_only_the_acked_prefix) {
  lw_acks a;
  lw_acks_init(&a, 100);
  /* Three lines in one group: the group commits once all three are acked. */
  lw_acks_add(&a, 110);
  lw_acks_add(&a, 120);
  lw_acks_add(&a, 130);
  cr_assert_eq(lw_acks_ack(&a, 130), LW_OK);
  cr_assert_eq(a.committed, 100);
  cr_assert_eq(lw_acks_ack(&a, 110), LW_OK);
  cr_assert_eq(a.committed, 100, "120 is still in flight");
  cr_assert_eq(lw_acks_ack(&a, 120), LW_OK);
  cr_assert_eq(a.committed, 130);
  cr_assert_eq(a.inflight, 0);
  cr_assert_eq(a.n, 0);
  lw_acks_free(&a);
}

Test(tail_acks, groups_commit_in_order) {
  lw_acks a;
  lw_acks_init(&a, 0);
  uint64_t n = 3 * LW_ACK_GROUP;
  for (uint64_t i = 1; i <= n; i++)
    lw_acks_add(&a, i * 10);
  cr_assert_eq(a.n, 3);
  /* Ack the whole second group: nothing commits while the first is pending. */
  for (uint64_t i = LW_ACK_GROUP + 1; i <= 2 * LW_ACK_GROUP; i++)
    cr_assert_eq(lw_acks_ack(&a, i * 10), LW_OK);
  cr_assert_eq(a.committed, 0);
  for (uint64_t i = 1; i <= LW_ACK_GROUP; i++)
    cr_assert_eq(lw_acks_ack(&a, i * 10), LW_OK);
  cr_assert_eq(a.committed, 2 * LW_ACK_GROUP * 10, "both groups commit together");
  cr_assert_eq(a.n, 1);
  lw_acks_free(&a);
}

Test(tail_acks, invalid_and_repeated_acks_are_refused) {
  lw_acks a;
  lw_acks_init(&a, 50);
  cr_assert_eq(lw_acks_ack(&a, 60), LW_ERR_INVALID_ARG, "nothing in flight");
  lw_acks_add(&a, 60);
  cr_assert_eq(lw_acks_ack(&a, 70), LW_ERR_INVALID_ARG, "past the last line");
  cr_assert_eq(lw_acks_ack(&a, 50), LW_ERR_INVALID_ARG, "already committed");
  cr_assert_eq(lw_acks_ack(&a, 60), LW_OK);
  cr_assert_eq(lw_acks_ack(&a, 60), LW_ERR_INVALID_ARG, "acked twice");
  cr_assert_eq(a.committed, 60);
  lw_acks_free(&a);
}

Test(tail_acks, undo_takes_back_the_last_line) {
  lw_acks a;
  lw_acks_init(&a, 0);
  lw_acks_add(&a, 5);
  lw_acks_add(&a, 9);
  lw_acks_undo(&a);
  cr_assert_eq(a.inflight, 1);
  cr_assert_eq(lw_acks_ack(&a, 9), LW_ERR_INVALID_ARG);
  cr_assert_eq(lw_acks_ack(&a, 5), LW_OK);
  cr_assert_eq(a.committed, 5);
  /* Undo of a line that opened a new group removes the group. */
  lw_acks_add(&a, 7);
  lw_acks_undo(&a);
  cr_assert_eq(a.n, 0);
  cr_assert_eq(a.inflight, 0);
  lw_acks_free(&a);
}

Test(tail_acks, random_order_matches_a_per_line_model) {
  srand(1234);
  for (int round = 0; round < 20; round++) {
    int n = 1 + rand() % 2000;
    lw_acks a;
    lw_acks_init(&a, 0);
    uint64_t *end = malloc((size_t)n * sizeof(*end));
    bool *done = calloc((size_t)n, 1);
    int *order = malloc((size_t)n * sizeof(*order));
    uint64_t off = 0;
    for (int i = 0; i < n; i++) {
      off += 1 + (uint64_t)(rand() % 100);
      end[i] = off;
      order[i] = i;
      lw_acks_add(&a, off);
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rand() % (i + 1);
      int x = order[i];
      order[i] = order[j];
      order[j] = x;
    }
    int prefix = 0; /* lines 0..prefix-1 all acked */
    for (int k = 0; k < n; k++) {
      cr_assert_eq(lw_acks_ack(&a, end[order[k]]), LW_OK);
      done[order[k]] = true;
      while (prefix < n && done[prefix])
        prefix++;
      /* Never past the acked prefix; at most one group behind it. */
      uint64_t model = prefix ? end[prefix - 1] : 0;
      cr_assert_leq(a.committed, model);
      if (prefix >= (int)LW_ACK_GROUP)
        cr_assert_geq(a.committed, end[prefix - (int)LW_ACK_GROUP]);
    }
    cr_assert_eq(a.committed, end[n - 1]);
    cr_assert_eq(a.inflight, 0);
    free(end);
    free(done);
    free(order);
    lw_acks_free(&a);
  }
}

/* Acknowledging by group: each line's group id as lw_acks_last_group gave it after its add;
 * counts per group, across groups and out of order, commit exactly as line-by-line acks. */
Test(tail_acks, ack_n_by_group_commits_like_line_acks) {
  lw_acks a;
  lw_acks_init(&a, 0);
  uint32_t grp[3 * LW_ACK_GROUP + 11];
  uint64_t n = sizeof grp / sizeof grp[0];
  for (uint64_t i = 0; i < n; i++) {
    cr_assert_eq(lw_acks_add(&a, (i + 1) * 10), LW_OK);
    grp[i] = lw_acks_last_group(&a);
  }
  cr_assert_eq(grp[0], grp[LW_ACK_GROUP - 1]);
  cr_assert_neq(grp[LW_ACK_GROUP - 1], grp[LW_ACK_GROUP]);
  /* The second group whole, in two calls; then most of the first, one line by offset. */
  cr_assert_eq(lw_acks_ack_n(&a, grp[LW_ACK_GROUP], 10), LW_OK);
  cr_assert_eq(lw_acks_ack_n(&a, grp[LW_ACK_GROUP], LW_ACK_GROUP - 10), LW_OK);
  cr_assert_eq(lw_acks_ack_n(&a, grp[LW_ACK_GROUP], 1), LW_ERR_INVALID_ARG, "nothing left");
  cr_assert_eq(a.committed, 0);
  cr_assert_eq(lw_acks_ack(&a, 10), LW_OK);
  cr_assert_eq(lw_acks_ack_n(&a, grp[0], LW_ACK_GROUP), LW_ERR_INVALID_ARG, "one too many");
  cr_assert_eq(a.inflight, n - LW_ACK_GROUP - 1, "a refused ack changes nothing");
  cr_assert_eq(lw_acks_ack_n(&a, grp[0], LW_ACK_GROUP - 1), LW_OK);
  cr_assert_eq(a.committed, 2 * LW_ACK_GROUP * 10, "both groups committed");
  cr_assert_eq(lw_acks_ack_n(&a, grp[0], 1), LW_ERR_INVALID_ARG, "a committed group is gone");
  /* The last (partial) group, then the third. */
  cr_assert_eq(lw_acks_ack_n(&a, grp[n - 1], 11), LW_OK);
  cr_assert_eq(a.committed, 2 * LW_ACK_GROUP * 10);
  cr_assert_eq(lw_acks_ack_n(&a, grp[2 * LW_ACK_GROUP], LW_ACK_GROUP), LW_OK);
  cr_assert_eq(a.committed, n * 10);
  cr_assert_eq(a.inflight, 0);
  cr_assert_eq(a.n, 0);
  /* Ids go on counting after the ring emptied. */
  cr_assert_eq(lw_acks_add(&a, n * 10 + 5), LW_OK);
  cr_assert_eq(lw_acks_last_group(&a), grp[n - 1] + 1);
  cr_assert_eq(lw_acks_ack_n(&a, grp[n - 1], 1), LW_ERR_INVALID_ARG, "an old id");
  cr_assert_eq(lw_acks_ack_n(&a, grp[n - 1] + 1, 1), LW_OK);
  cr_assert_eq(a.committed, n * 10 + 5);
  lw_acks_free(&a);
}

/* A run added at once is the same group as its lines added one by one; taking back the tail
 * of a run keeps its head, taking back a whole run restores what was there. */
Test(tail_acks, runs_join_one_group_and_undo_their_tail) {
  lw_acks a;
  lw_acks_init(&a, 0);
  cr_assert_eq(lw_acks_add_run(&a, 30, 3), LW_OK); /* lines ending 10, 20, 30 */
  uint32_t g0 = lw_acks_last_group(&a);
  cr_assert_eq(lw_acks_add_run(&a, 60, 3), LW_OK); /* 40, 50, 60 */
  cr_assert_eq(lw_acks_last_group(&a), g0, "room left: the same group");
  cr_assert_eq(a.inflight, 6);
  lw_acks_undo_run(&a, 2, 40); /* 50 and 60 refused */
  cr_assert_eq(a.inflight, 4);
  cr_assert_eq(lw_acks_ack(&a, 50), LW_ERR_INVALID_ARG, "taken back");
  cr_assert_eq(lw_acks_ack_n(&a, g0, 4), LW_OK);
  cr_assert_eq(a.committed, 40);
  cr_assert_eq(a.n, 0, "nothing in flight: no ring");
  /* A run that does not fit the last group opens a new one; undone whole, it is gone. */
  cr_assert_eq(lw_acks_add_run(&a, 100, LW_ACK_GROUP - 1), LW_OK);
  cr_assert_eq(lw_acks_add_run(&a, 120, 2), LW_OK);
  cr_assert_eq(a.n, 2);
  lw_acks_undo_run(&a, 2, 0);
  cr_assert_eq(a.n, 1);
  cr_assert_eq(a.inflight, LW_ACK_GROUP - 1);
  /* Lines of a run acknowledged inside the callback, the rest refused: the group is done. */
  cr_assert_eq(lw_acks_ack_n(&a, lw_acks_last_group(&a), LW_ACK_GROUP - 1), LW_OK);
  cr_assert_eq(a.committed, 100);
  cr_assert_eq(lw_acks_add_run(&a, 130, 2), LW_OK); /* 125, 130 */
  cr_assert_eq(lw_acks_ack(&a, 125), LW_OK);
  cr_assert_eq(a.committed, 100, "130 still pending");
  lw_acks_undo_run(&a, 1, 125);
  cr_assert_eq(a.committed, 125, "the kept line was acknowledged: committed moves");
  cr_assert_eq(a.inflight, 0);
  /* Undo into a group that was there before the run restores its end. */
  cr_assert_eq(lw_acks_add(&a, 140), LW_OK);
  cr_assert_eq(lw_acks_add_run(&a, 160, 2), LW_OK);
  lw_acks_undo_run(&a, 2, 0);
  cr_assert_eq(lw_acks_ack(&a, 150), LW_ERR_INVALID_ARG);
  cr_assert_eq(lw_acks_ack(&a, 140), LW_OK);
  cr_assert_eq(a.committed, 140);
  lw_acks_free(&a);
}
