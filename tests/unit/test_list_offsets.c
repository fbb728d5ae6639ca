/* test_list_offsets.c — ListOffsets v1–v10: Kafka 4.1.0 (v10, v2) and librdkafka-mock (v1, v2)
 * fixtures, byte-exact re-encoding, round trips over every version, bad input. */
#include "lw_test.h"
#include "proto/list_offsets.h"

TestSuite(list_offsets);

#define K "kafka-4.1.0/"
#define M "librdkafka-2.0.2-mock/"

static void reencode_req(const fx *f, const lw_lo_req *r) {
  lw_buf b;
  fx_begin_req(f, &b);
  cr_assert_eq(lw_lo_req_encode(&b, f->h.ApiVersion, r), LW_OK);
  fx_assert_bytes(f, &b);
  lw_buf_free(&b);
}

static void reencode_resp(const fx *f, int16_t v, const lw_lo_resp *r) {
  lw_buf b;
  fx_begin_resp(f, &b, LW_API_LIST_OFFSETS, v);
  cr_assert_eq(lw_lo_resp_encode(&b, v, r), LW_OK);
  fx_assert_bytes(f, &b);
  lw_buf_free(&b);
}

Test(list_offsets, kafka_v10) {
  fx f;
  fx_req(&f, K "076-java-consumer-ListOffsets-v10-request.bin", 2, 10);
  lw_lo_req q;
  cr_assert_eq(lw_lo_req_decode(&f.c, 10, &f.a, &q), LW_OK);
  cr_assert_eq(q.ReplicaId, -1);
  cr_assert_eq(q.IsolationLevel, 0);
  cr_assert_eq(q.TopicsCount, 1);
  cr_assert(str_is(q.Topics[0].Name, "fx"));
  cr_assert_eq(q.Topics[0].PartitionsCount, 3);
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(q.Topics[0].Partitions[i].PartitionIndex, 2 - i);
    cr_assert_eq(q.Topics[0].Partitions[i].CurrentLeaderEpoch, 0);
    cr_assert_eq(q.Topics[0].Partitions[i].Timestamp, LW_LO_EARLIEST);
  }
  cr_assert_eq(q.TimeoutMs, 30000);
  reencode_req(&f, &q);
  fx_free(&f);
  fx_resp(&f, K "076-java-consumer-ListOffsets-v10-response.bin", 2, 10);
  cr_assert_eq(f.corr, 28);
  lw_lo_resp r;
  cr_assert_eq(lw_lo_resp_decode(&f.c, 10, &f.a, &r), LW_OK);
  cr_assert_eq(r.ThrottleTimeMs, 0);
  cr_assert_eq(r.TopicsCount, 1);
  cr_assert(str_is(r.Topics[0].Name, "fx"));
  cr_assert_eq(r.Topics[0].PartitionsCount, 3);
  for (int i = 0; i < 3; i++) {
    const lw_lo_resp_part *p = &r.Topics[0].Partitions[i];
    cr_assert_eq(p->PartitionIndex, 2 - i);
    cr_assert_eq(p->ErrorCode, 0);
    cr_assert_eq(p->Timestamp, -1);
    cr_assert_eq(p->Offset, 0);
    cr_assert_eq(p->LeaderEpoch, 0);
  }
  reencode_resp(&f, 10, &r);
  fx_free(&f);
}

/* kcat asks for the earliest offset of one partition, read_committed (v2+). */
static void one_partition(const char *req, const char *resp, int16_t v, int32_t part) {
  fx f;
  fx_req(&f, req, 2, v);
  cr_assert(str_is(f.h.ClientId, "rdkafka"));
  lw_lo_req q;
  cr_assert_eq(lw_lo_req_decode(&f.c, v, &f.a, &q), LW_OK);
  cr_assert_eq(q.ReplicaId, -1);
  cr_assert_eq(q.IsolationLevel, v >= 2 ? 1 : 0);
  cr_assert_eq(q.TopicsCount, 1);
  cr_assert(str_is(q.Topics[0].Name, "fx"));
  cr_assert_eq(q.Topics[0].PartitionsCount, 1);
  cr_assert_eq(q.Topics[0].Partitions[0].PartitionIndex, part);
  cr_assert_eq(q.Topics[0].Partitions[0].CurrentLeaderEpoch, -1);
  cr_assert_eq(q.Topics[0].Partitions[0].Timestamp, LW_LO_EARLIEST);
  reencode_req(&f, &q);
  fx_free(&f);
  fx_resp(&f, resp, 2, v);
  lw_lo_resp r;
  cr_assert_eq(lw_lo_resp_decode(&f.c, v, &f.a, &r), LW_OK);
  cr_assert_eq(r.TopicsCount, 1);
  const lw_lo_resp_part *p = &r.Topics[0].Partitions[0];
  cr_assert_eq(p->PartitionIndex, part);
  cr_assert_eq(p->ErrorCode, 0);
  cr_assert_eq(p->Timestamp, -1);
  cr_assert_eq(p->Offset, 0);
  cr_assert_eq(p->LeaderEpoch, -1);
  reencode_resp(&f, v, &r);
  fx_free(&f);
}

Test(list_offsets, kafka_v2_and_mock_v1_v2) {
  one_partition(K "098-kcat-consumer-ListOffsets-v2-request.bin",
                K "098-kcat-consumer-ListOffsets-v2-response.bin", 2, 0);
  one_partition(M "024-listoffsets-v1-ListOffsets-v1-request.bin",
                M "024-listoffsets-v1-ListOffsets-v1-response.bin", 1, 0);
  one_partition(M "025-listoffsets-v2-ListOffsets-v2-request.bin",
                M "025-listoffsets-v2-ListOffsets-v2-response.bin", 2, 0);
}

static lw_lo_req_part rq_parts[3];
static lw_lo_req_topic rq_topics[2];
static lw_lo_resp_part rs_parts[2];
static lw_lo_resp_topic rs_topics[2];

Test(list_offsets, round_trip_every_version) {
  for (int16_t v = 1; v <= 10; v++) {
    rq_parts[0] = (lw_lo_req_part){0, -1, LW_LO_LATEST};
    rq_parts[1] = (lw_lo_req_part){1, -1, 1700000000000LL};
    rq_parts[2] = (lw_lo_req_part){9, -1, v >= 7 ? LW_LO_MAX_TIMESTAMP : LW_LO_EARLIEST};
    if (v >= 4)
      rq_parts[1].CurrentLeaderEpoch = 6;
    rq_topics[0] = (lw_lo_req_topic){lw_str_c("fx"), rq_parts, 2};
    rq_topics[1] = (lw_lo_req_topic){lw_str_c("other"), rq_parts + 2, 1};
    lw_lo_req q = {-1, 0, rq_topics, 2, 0}, dq;
    if (v >= 2)
      q.IsolationLevel = 1;
    if (v >= 10)
      q.TimeoutMs = 15000;
    lw_buf b, b2;
    lw_buf_init(&b, 4096);
    lw_buf_init(&b2, 4096);
    lw_arena a;
    lw_arena_init(&a, 1 << 16);
    cr_assert_eq(lw_lo_req_encode(&b, v, &q), LW_OK);
    lw_cur c;
    lw_cur_init(&c, b.data, b.len);
    cr_assert_eq(lw_lo_req_decode(&c, v, &a, &dq), LW_OK, "v%d", v);
    cr_assert_eq(dq.ReplicaId, -1);
    cr_assert_eq(dq.IsolationLevel, q.IsolationLevel);
    cr_assert_eq(dq.TimeoutMs, q.TimeoutMs);
    cr_assert_eq(dq.TopicsCount, 2);
    for (int i = 0; i < 2; i++) {
      cr_assert_eq(dq.Topics[i].Name.len, q.Topics[i].Name.len);
      cr_assert_eq(memcmp(dq.Topics[i].Name.p, q.Topics[i].Name.p, (size_t)q.Topics[i].Name.len),
                   0);
      cr_assert_eq(dq.Topics[i].PartitionsCount, q.Topics[i].PartitionsCount);
      for (int j = 0; j < q.Topics[i].PartitionsCount; j++) {
        cr_assert_eq(dq.Topics[i].Partitions[j].PartitionIndex,
                     q.Topics[i].Partitions[j].PartitionIndex);
        cr_assert_eq(dq.Topics[i].Partitions[j].CurrentLeaderEpoch,
                     q.Topics[i].Partitions[j].CurrentLeaderEpoch);
        cr_assert_eq(dq.Topics[i].Partitions[j].Timestamp, q.Topics[i].Partitions[j].Timestamp);
      }
    }
    cr_assert_eq(lw_lo_req_encode(&b2, v, &dq), LW_OK);
    cr_assert_eq(b2.len, b.len);
    cr_assert_arr_eq(b2.data, b.data, b.len);

    lw_buf_reset(&b);
    lw_buf_reset(&b2);
    rs_parts[0] = (lw_lo_resp_part){0, 0, 1700000000000LL, 4242, -1};
    rs_parts[1] = (lw_lo_resp_part){1, LW_KAFKA_OFFSET_NOT_AVAILABLE, -1, -1, -1};
    if (v >= 4)
      rs_parts[0].LeaderEpoch = 3;
    rs_topics[0] = (lw_lo_resp_topic){lw_str_c("fx"), rs_parts, 2};
    rs_topics[1] = (lw_lo_resp_topic){lw_str_c("empty"), NULL, 0};
    lw_lo_resp r = {v >= 2 ? 10 : 0, rs_topics, 2}, d;
    cr_assert_eq(lw_lo_resp_encode(&b, v, &r), LW_OK);
    lw_cur_init(&c, b.data, b.len);
    cr_assert_eq(lw_lo_resp_decode(&c, v, &a, &d), LW_OK, "v%d", v);
    cr_assert_eq(d.ThrottleTimeMs, r.ThrottleTimeMs);
    cr_assert_eq(d.TopicsCount, 2);
    cr_assert_eq(d.Topics[1].PartitionsCount, 0);
    cr_assert(str_is(d.Topics[1].Name, "empty"));
    cr_assert_eq(d.Topics[0].PartitionsCount, 2);
    for (int j = 0; j < 2; j++) {
      const lw_lo_resp_part *x = &d.Topics[0].Partitions[j], *y = &rs_parts[j];
      cr_assert_eq(x->PartitionIndex, y->PartitionIndex);
      cr_assert_eq(x->ErrorCode, y->ErrorCode);
      cr_assert_eq(x->Timestamp, y->Timestamp);
      cr_assert_eq(x->Offset, y->Offset);
      cr_assert_eq(x->LeaderEpoch, y->LeaderEpoch);
    }
    cr_assert_eq(lw_lo_resp_encode(&b2, v, &d), LW_OK);
    cr_assert_eq(b2.len, b.len);
    cr_assert_arr_eq(b2.data, b.data, b.len);
    lw_arena_free(&a);
    lw_buf_free(&b);
    lw_buf_free(&b2);
  }
}

Test(list_offsets, bad_input) {
  lw_arena a;
  lw_arena_init(&a, 1 << 16);
  lw_lo_resp r;
  lw_lo_req q;
  lw_cur c;
  const uint8_t body[] = {0, 0, 0, 0, 0, 0, 0, 0};
  lw_cur_init(&c, body, 4);
  cr_assert_eq(lw_lo_resp_decode(&c, 0, &a, &r), LW_ERR_UNSUPPORTED); /* v0 not implemented */
  lw_cur_init(&c, body, 4);
  cr_assert_eq(lw_lo_resp_decode(&c, 11, &a, &r), LW_ERR_UNSUPPORTED);
  lw_cur_init(&c, body, 4);
  cr_assert_eq(lw_lo_resp_decode(&c, 1, &a, &r), LW_OK);
  /* v6: Topics compact count 0 means null: not nullable */
  const uint8_t nul[] = {0, 0, 0, 0, 0, 0};
  lw_cur_init(&c, nul, sizeof nul);
  cr_assert_eq(lw_lo_resp_decode(&c, 6, &a, &r), LW_ERR_MALFORMED);
  /* v1 request: partitions count 2^30 */
  const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 1, 'x', 0x40, 0, 0, 0, 0};
  lw_cur_init(&c, big, sizeof big);
  cr_assert_eq(lw_lo_req_decode(&c, 1, &a, &q), LW_ERR_TRUNCATED);
  lw_buf b;
  lw_buf_init(&b, 64);
  lw_lo_req_topic t = {LW_STR_NULL, NULL, 0};
  q = (lw_lo_req){-1, 0, &t, 1, 0};
  cr_assert_eq(lw_lo_req_encode(&b, 1, &q), LW_ERR_INVALID_ARG);
  lw_buf_free(&b);
  lw_arena_free(&a);
}
