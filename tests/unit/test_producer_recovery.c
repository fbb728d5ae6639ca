/* test_producer_recovery.c — the producer's recovery helpers: splitting a batch the broker
 * found too large (records, headers, opaques, buffered bytes and sequence numbers kept, in
 * order; compressed batches too), and Kafka's wrapping sequence order. The recoveries against
 * a broker are in tests/integration/produce_recovery.sh. */
#include <stdlib.h>
#include <string.h>

#include "lw_test.h"
#include "net/producer_int.h"
#include "net/producer_conf.h"
#include "proto/compress.h"

TestSuite(producer_recovery);

typedef struct fixture {
  lw_producer_conf conf;
  lw_producer p;
} fixture;

static void fixture_init(fixture *f) {
  memset(f, 0, sizeof *f);
  lw_producer_conf_init(&f->conf);
  f->p.conf = &f->conf;
  f->p.closing = true; /* batch buffers go back to the system, not to a pool */
}

static void fixture_free(fixture *f) {
  lw_zctx_free(&f->p.z);
  lw_buf_free(&f->p.scratch);
  lw_producer_conf_free(&f->conf);
}

/* A sealed batch of n records "rec-I" with a header "i: I", opaques 1000 + I, compressed with
 * `codec`, numbered from base_seq (-1: not idempotent). */
static batch *make_batch(fixture *f, int32_t n, int codec, int32_t base_seq) {
  batch *b = calloc(1, sizeof *b);
  cr_assert(b);
  lw_buf_init(&b->buf, 1 << 24);
  lw_buf_init(&f->p.scratch, 1 << 24);
  cr_assert_eq(lw_batch_begin(&b->bb, &b->buf, 1700000000000), LW_OK);
  b->magic = 2;
  b->ops = calloc((size_t)n, sizeof *b->ops);
  b->opcap = n;
  b->has_ops = true;
  for (int32_t i = 0; i < n; i++) {
    char v[32], h[16];
    int vl = snprintf(v, sizeof v, "rec-%d", i), hl = snprintf(h, sizeof h, "%d", i);
    lw_rec_header hdr = {lw_str_c("i"), {(const uint8_t *)h, hl}};
    cr_assert_eq(lw_batch_append(&b->bb, 1700000000000 + i, (lw_bytes){NULL, -1},
                                 (lw_bytes){(const uint8_t *)v, vl}, &hdr, 1),
                 LW_OK);
    b->ops[i] = (rec_op){.opaque64 = 1000u + (uint64_t)i, .enq_delta_us = (uint32_t)i};
    b->bytes += (size_t)vl + 24;
  }
  b->count = n;
  lw_batch_seal s = {.ProducerId = base_seq >= 0 ? 7 : -1,
                     .ProducerEpoch = base_seq >= 0 ? 3 : -1,
                     .BaseSequence = base_seq,
                     .PartitionLeaderEpoch = -1,
                     .codec = codec};
  cr_assert_eq(lw_batch_finish(&b->bb, &s, &f->p.z, &f->p.scratch), LW_OK);
  b->sealed = true;
  b->base_seq = base_seq;
  b->pid = s.ProducerId;
  b->epoch = s.ProducerEpoch;
  b->attempts = 2;
  return b;
}

/* The records of half h, finished, read back: "rec-I" for I in [from, from + count). */
static void check_half(fixture *f, batch *h, int32_t from, int32_t count) {
  cr_assert_eq(h->count, count);
  cr_assert_not(h->sealed);
  cr_assert_eq(h->attempts, 2);
  lw_batch_seal s = {
      .ProducerId = -1, .ProducerEpoch = -1, .BaseSequence = -1, .PartitionLeaderEpoch = -1};
  cr_assert_eq(lw_batch_finish(&h->bb, &s, &f->p.z, &f->p.scratch), LW_OK);
  lw_arena a;
  lw_arena_init(&a, 1 << 24);
  lw_records_iter it;
  lw_records_iter_init(&it, h->buf.data, h->buf.len, h->buf.max, &a, &f->p.z);
  lw_record r;
  int32_t i = 0;
  int rc;
  while ((rc = lw_records_next(&it, &r, NULL)) == LW_OK) {
    char v[32], hd[16];
    int vl = snprintf(v, sizeof v, "rec-%d", from + i),
        hl = snprintf(hd, sizeof hd, "%d", from + i);
    cr_assert_eq(r.Value.len, vl);
    cr_assert_eq(memcmp(r.Value.p, v, (size_t)vl), 0);
    cr_assert_eq(r.Key.len, -1);
    cr_assert_eq(r.Timestamp, 1700000000000 + from + i);
    cr_assert_eq(r.HeadersCount, 1);
    cr_assert_eq(r.Headers[0].Value.len, hl);
    cr_assert_eq(memcmp(r.Headers[0].Value.p, hd, (size_t)hl), 0);
    cr_assert_eq(h->ops[i].opaque64, 1000u + (uint64_t)(from + i));
    i++;
  }
  cr_assert_eq(rc, LW_ERR_NOT_FOUND);
  cr_assert_eq(i, count);
  lw_records_iter_free(&it);
  lw_arena_free(&a);
}

static void free_batch(batch *b) {
  lw_buf_free(&b->buf);
  free(b->ops);
  free(b);
}

Test(producer_recovery, split_keeps_records_order_headers_opaques_and_sequences) {
  int codecs[] = {LW_CODEC_NONE, LW_CODEC_LZ4, LW_CODEC_GZIP};
  for (size_t c = 0; c < sizeof codecs / sizeof *codecs; c++) {
    fixture f;
    fixture_init(&f);
    batch *b = make_batch(&f, 101, codecs[c], 40);
    size_t bytes = b->bytes;
    batch *second = NULL;
    cr_assert_eq(lw_prod_split(&f.p, b, &second), LW_OK);
    cr_assert(second);
    /* The halves keep the big batch's sequence range, so later batches stay valid. */
    cr_assert_eq(b->base_seq, 40);
    cr_assert_eq(second->base_seq, 40 + 50);
    cr_assert_eq(b->pid, 7);
    cr_assert_eq(second->epoch, 3);
    cr_assert_eq(b->bytes + second->bytes, bytes);
    check_half(&f, b, 0, 50);
    check_half(&f, second, 50, 51);
    /* Down to single records: a lone record cannot be split. */
    batch *third = NULL;
    cr_assert_eq(lw_prod_split(&f.p, second, &third), LW_OK);
    free_batch(b);
    free_batch(second);
    free_batch(third);
    fixture_free(&f);
  }
}

Test(producer_recovery, lone_record_is_not_split) {
  fixture f;
  fixture_init(&f);
  batch *b = make_batch(&f, 1, LW_CODEC_NONE, -1);
  batch *second = NULL;
  cr_assert_eq(lw_prod_split(&f.p, b, &second), LW_ERR_INVALID_ARG);
  cr_assert_null(second);
  cr_assert(b->sealed);
  free_batch(b);
  fixture_free(&f);
}

Test(producer_recovery, split_sequences_wrap) {
  fixture f;
  fixture_init(&f);
  batch *b = make_batch(&f, 10, LW_CODEC_NONE, INT32_MAX - 2);
  batch *second = NULL;
  cr_assert_eq(lw_prod_split(&f.p, b, &second), LW_OK);
  cr_assert_eq(b->base_seq, INT32_MAX - 2);
  cr_assert_eq(second->base_seq, 2); /* INT32_MAX - 2 + 5, wrapped past INT32_MAX to 0 */
  free_batch(b);
  free_batch(second);
  fixture_free(&f);
}

Test(producer_recovery, sequence_order_wraps) {
  cr_assert(lw_prod_seq_before(0, 1));
  cr_assert_not(lw_prod_seq_before(1, 0));
  cr_assert_not(lw_prod_seq_before(5, 5));
  /* Past INT32_MAX the next sequence is 0: it comes after, not before. */
  cr_assert(lw_prod_seq_before(INT32_MAX, 0));
  cr_assert(lw_prod_seq_before(INT32_MAX - 10, 3));
  cr_assert_not(lw_prod_seq_before(3, INT32_MAX - 10));
  cr_assert(lw_prod_seq_before(1000, 1000 + 0x3fffffff));
}
