/* test_fetch.c — Fetch v4–v18: Kafka 4.1.0 (v18 with fetch sessions, v11) and librdkafka-mock
 * (v4–v11) fixtures, byte-exact re-encoding with the record bytes passed through, round trips
 * over every version (all tagged fields), bad input. */
#include "lw_test.h"
#include "proto/fetch.h"

TestSuite(fetch);

#define K           "kafka-4.1.0/"
#define M           "librdkafka-2.0.2-mock/"
#define FX_TOPIC_ID "2ad300644eff48128cc49767d959277e"

static void reencode_req(const fx *f, const lw_fetch_req *r) {
  lw_buf b;
  fx_begin_req(f, &b);
  cr_assert_eq(lw_fetch_req_encode(&b, f->h.ApiVersion, r), LW_OK);
  fx_assert_bytes(f, &b);
  lw_buf_free(&b);
}

static void reencode_resp(const fx *f, int16_t v, const lw_fetch_resp *r) {
  lw_buf b;
  fx_begin_resp(f, &b, LW_API_FETCH, v);
  cr_assert_eq(lw_fetch_resp_encode(&b, v, r), LW_OK);
  fx_assert_bytes(f, &b);
  lw_buf_free(&b);
}

static void assert_batch(lw_bytes rec, int32_t len) {
  cr_assert_eq(rec.len, len);
  if (len > 0)
    cr_assert_eq(rec.p[16], 2); /* magic 2 record batches */
}

Test(fetch, kafka_v18_session_start) {
  fx f;
  fx_req(&f, K "077-java-consumer-Fetch-v18-request.bin", 1, 18);
  lw_fetch_req q;
  cr_assert_eq(lw_fetch_req_decode(&f.c, 18, &f.a, &q), LW_OK);
  cr_assert_eq(q.ClusterId.len, -1);
  cr_assert_eq(q.ReplicaId, -1); /* not on the wire since v15 */
  cr_assert_eq(q.ReplicaState.ReplicaId, -1);
  cr_assert_eq(q.ReplicaState.ReplicaEpoch, -1);
  cr_assert_eq(q.MaxWaitMs, 500);
  cr_assert_eq(q.MinBytes, 1);
  cr_assert_eq(q.MaxBytes, 52428800);
  cr_assert_eq(q.IsolationLevel, 0);
  cr_assert_eq(q.SessionId, 0); /* a new session ... */
  cr_assert_eq(q.SessionEpoch, 0);
  cr_assert_eq(q.TopicsCount, 1);
  lw_uuid id = fx_uuid(FX_TOPIC_ID);
  cr_assert_arr_eq(q.Topics[0].TopicId.b, id.b, 16);
  cr_assert_eq(q.Topics[0].PartitionsCount, 3);
  for (int i = 0; i < 3; i++) {
    const lw_fetch_req_part *p = &q.Topics[0].Partitions[i];
    cr_assert_eq(p->Partition, 2 - i);
    cr_assert_eq(p->CurrentLeaderEpoch, 0);
    cr_assert_eq(p->FetchOffset, 0);
    cr_assert_eq(p->LastFetchedEpoch, -1);
    cr_assert_eq(p->LogStartOffset, -1);
    cr_assert_eq(p->PartitionMaxBytes, 1048576);
    cr_assert(uuid_zero(&p->ReplicaDirectoryId));
    cr_assert_eq(p->HighWatermark, INT64_MAX);
  }
  cr_assert_eq(q.ForgottenTopicsDataCount, 0);
  cr_assert_eq(q.RackId.len, 0);
  reencode_req(&f, &q);
  fx_free(&f);

  fx_resp(&f, K "077-java-consumer-Fetch-v18-response.bin", 1, 18);
  cr_assert_eq(f.corr, 29);
  lw_fetch_resp r;
  cr_assert_eq(lw_fetch_resp_decode(&f.c, 18, &f.a, &r), LW_OK);
  cr_assert_eq(r.ThrottleTimeMs, 0);
  cr_assert_eq(r.ErrorCode, 0);
  cr_assert_eq(r.SessionId, 156331957); /* ... which the broker created */
  cr_assert_eq(r.ResponsesCount, 1);
  cr_assert_arr_eq(r.Responses[0].TopicId.b, id.b, 16);
  cr_assert_eq(r.Responses[0].PartitionsCount, 3);
  struct {
    int32_t part;
    int64_t hw;
    int32_t bytes;
  } want[] = {{2, 23, 997}, {1, 11, 431}, {0, 16, 791}};
  for (int i = 0; i < 3; i++) {
    const lw_fetch_resp_part *p = &r.Responses[0].Partitions[i];
    cr_assert_eq(p->PartitionIndex, want[i].part);
    cr_assert_eq(p->ErrorCode, 0);
    cr_assert_eq(p->HighWatermark, want[i].hw);
    cr_assert_eq(p->LastStableOffset, want[i].hw);
    cr_assert_eq(p->LogStartOffset, 0);
    cr_assert_eq(p->AbortedTransactionsCount, -1); /* null for read_uncommitted */
    cr_assert_eq(p->PreferredReadReplica, -1);
    cr_assert_eq(p->DivergingEpoch.Epoch, -1);
    cr_assert_eq(p->CurrentLeader.LeaderId, -1);
    cr_assert_eq(p->SnapshotId.EndOffset, -1);
    assert_batch(p->Records, want[i].bytes);
  }
  cr_assert_eq(r.NodeEndpointsCount, 0);
  reencode_resp(&f, 18, &r);
  fx_free(&f);
}

Test(fetch, kafka_v18_incremental_and_close) {
  fx f;
  fx_req(&f, K "078-java-consumer-Fetch-v18-request.bin", 1, 18);
  lw_fetch_req q;
  cr_assert_eq(lw_fetch_req_decode(&f.c, 18, &f.a, &q), LW_OK);
  cr_assert_eq(q.SessionId, 156331957);
  cr_assert_eq(q.SessionEpoch, 1);
  int64_t next[] = {23, 11, 16};
  for (int i = 0; i < 3; i++)
    cr_assert_eq(q.Topics[0].Partitions[i].FetchOffset, next[i]);
  reencode_req(&f, &q);
  fx_free(&f);
  fx_resp(&f, K "078-java-consumer-Fetch-v18-response.bin", 1, 18);
  lw_fetch_resp r;
  cr_assert_eq(lw_fetch_resp_decode(&f.c, 18, &f.a, &r), LW_OK);
  cr_assert_eq(r.SessionId, 156331957);
  cr_assert_eq(r.ResponsesCount, 0); /* nothing new: the incremental answer is empty */
  reencode_resp(&f, 18, &r);
  fx_free(&f);
  fx_req(&f, K "080-java-consumer-Fetch-v18-request.bin", 1, 18);
  cr_assert_eq(lw_fetch_req_decode(&f.c, 18, &f.a, &q), LW_OK);
  cr_assert_eq(q.SessionEpoch, -1); /* closes the session */
  cr_assert_eq(q.TopicsCount, 0);
  reencode_req(&f, &q);
  fx_free(&f);
  fx_resp(&f, K "080-java-consumer-Fetch-v18-response.bin", 1, 18);
  cr_assert_eq(lw_fetch_resp_decode(&f.c, 18, &f.a, &r), LW_OK);
  cr_assert_eq(r.SessionId, 0);
  reencode_resp(&f, 18, &r);
  fx_free(&f);
}

Test(fetch, kafka_v11_librdkafka) {
  const char *names[][2] = {
      {K "101-kcat-consumer-Fetch-v11-request.bin", K "101-kcat-consumer-Fetch-v11-response.bin"},
      {K "102-kcat-consumer-Fetch-v11-request.bin", K "102-kcat-consumer-Fetch-v11-response.bin"},
      {K "103-kcat-consumer-Fetch-v11-request.bin", K "103-kcat-consumer-Fetch-v11-response.bin"}};
  int32_t nparts[] = {1, 3, 3};
  for (int n = 0; n < 3; n++) {
    fx f;
    fx_req(&f, names[n][0], 1, 11);
    lw_fetch_req q;
    cr_assert_eq(lw_fetch_req_decode(&f.c, 11, &f.a, &q), LW_OK);
    cr_assert_eq(q.ReplicaId, -1);
    cr_assert_eq(q.IsolationLevel, 1); /* read_committed */
    cr_assert_eq(q.SessionId, 0);
    cr_assert_eq(q.SessionEpoch, -1); /* no fetch session */
    cr_assert(str_is(q.Topics[0].Topic, "fx"));
    cr_assert_eq(q.Topics[0].PartitionsCount, nparts[n]);
    cr_assert_eq(q.Topics[0].Partitions[0].CurrentLeaderEpoch, -1);
    cr_assert_eq(q.RackId.len, 0);
    reencode_req(&f, &q);
    fx_free(&f);
    fx_resp(&f, names[n][1], 1, 11);
    lw_fetch_resp r;
    cr_assert_eq(lw_fetch_resp_decode(&f.c, 11, &f.a, &r), LW_OK);
    cr_assert_eq(r.ResponsesCount, 1);
    cr_assert(str_is(r.Responses[0].Topic, "fx"));
    cr_assert_eq(r.Responses[0].PartitionsCount, nparts[n]);
    for (int i = 0; i < nparts[n]; i++) {
      const lw_fetch_resp_part *p = &r.Responses[0].Partitions[i];
      cr_assert_eq(p->AbortedTransactionsCount, 0); /* empty, not null, for read_committed */
      int64_t hw = p->PartitionIndex == 0 ? 16 : p->PartitionIndex == 1 ? 11 : 23;
      cr_assert_eq(p->HighWatermark, hw);
      if (p->Records.len > 0)
        assert_batch(p->Records, p->Records.len);
    }
    if (n == 0)
      assert_batch(r.Responses[0].Partitions[0].Records, 791);
    if (n == 2)
      for (int i = 0; i < 3; i++)
        cr_assert_eq(r.Responses[0].Partitions[i].Records.len, 0);
    reencode_resp(&f, 11, &r);
    fx_free(&f);
  }
}

/* kcat reading partition 0 of the mock from the beginning: five records in one batch. */
static void mock_pair(int idx, int16_t v) {
  char req[128], resp[128];
  snprintf(req, sizeof req, M "%03d-fetch-v%d-Fetch-v%d-request.bin", idx, v, v);
  snprintf(resp, sizeof resp, M "%03d-fetch-v%d-Fetch-v%d-response.bin", idx, v, v);
  fx f;
  fx_req(&f, req, 1, v);
  lw_fetch_req q;
  cr_assert_eq(lw_fetch_req_decode(&f.c, v, &f.a, &q), LW_OK, "v%d", v);
  cr_assert_eq(q.ReplicaId, -1);
  cr_assert_eq(q.MaxWaitMs, 500);
  cr_assert_eq(q.MinBytes, 1);
  cr_assert_eq(q.MaxBytes, 52428800);
  cr_assert_eq(q.IsolationLevel, 1);
  cr_assert_eq(q.SessionId, 0);
  cr_assert_eq(q.SessionEpoch, -1);
  cr_assert_eq(q.TopicsCount, 1);
  cr_assert(str_is(q.Topics[0].Topic, "fx"));
  cr_assert_eq(q.Topics[0].PartitionsCount, 1);
  const lw_fetch_req_part *p = &q.Topics[0].Partitions[0];
  cr_assert_eq(p->Partition, 0);
  cr_assert_eq(p->FetchOffset, 0);
  cr_assert_eq(p->CurrentLeaderEpoch, -1);
  cr_assert_eq(p->LogStartOffset, -1);
  cr_assert_eq(p->PartitionMaxBytes, 1048576);
  cr_assert_eq(q.ForgottenTopicsDataCount, 0);
  reencode_req(&f, &q);
  fx_free(&f);

  fx_resp(&f, resp, 1, v);
  lw_fetch_resp r;
  cr_assert_eq(lw_fetch_resp_decode(&f.c, v, &f.a, &r), LW_OK, "v%d", v);
  cr_assert_eq(r.ErrorCode, 0);
  cr_assert_eq(r.SessionId, 0);
  cr_assert_eq(r.ResponsesCount, 1);
  cr_assert(str_is(r.Responses[0].Topic, "fx"));
  const lw_fetch_resp_part *rp = &r.Responses[0].Partitions[0];
  cr_assert_eq(rp->PartitionIndex, 0);
  cr_assert_eq(rp->ErrorCode, 0);
  cr_assert_eq(rp->HighWatermark, 5);
  cr_assert_eq(rp->LastStableOffset, 5);
  cr_assert_eq(rp->LogStartOffset, v >= 5 ? 0 : -1);
  cr_assert_eq(rp->AbortedTransactionsCount, 0);
  cr_assert_eq(rp->PreferredReadReplica, -1);
  assert_batch(rp->Records, 166);
  reencode_resp(&f, v, &r);
  fx_free(&f);
}

Test(fetch, mock_v4_to_v11) {
  for (int16_t v = 4; v <= 11; v++)
    mock_pair(26 + v - 4, v);
}

/* ---- Round trips ---- */

static lw_fetch_req_part rq_parts[2];
static lw_fetch_req_topic rq_topics[1];
static int32_t forget_parts[] = {4, 5};
static lw_fetch_forgotten forgotten[1];
static lw_fetch_aborted aborted[2] = {{1000, 5}, {1001, 9}};
static lw_fetch_resp_part rs_parts[3];
static lw_fetch_resp_topic rs_topics[1];
static lw_md_broker nodes[1];
static uint8_t records[] = {0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 5, 0, 0, 0, 0, 2, 1, 2, 3, 4};

static lw_fetch_req make_req(int16_t v) {
  rq_parts[0] = (lw_fetch_req_part){0, -1, 100, -1, -1, 65536, UUID0, INT64_MAX};
  rq_parts[1] = (lw_fetch_req_part){3, -1, 0, -1, -1, 1024, UUID0, INT64_MAX};
  if (v >= 5)
    rq_parts[0].LogStartOffset = 10;
  if (v >= 9)
    rq_parts[0].CurrentLeaderEpoch = 4;
  if (v >= 12)
    rq_parts[0].LastFetchedEpoch = 3;
  if (v >= 17)
    rq_parts[1].ReplicaDirectoryId = fx_uuid("ffeeddccbbaa99887766554433221100");
  if (v >= 18)
    rq_parts[0].HighWatermark = 99;
  rq_topics[0] = (lw_fetch_req_topic){lw_str_c("fx"), UUID0, rq_parts, 2};
  forgotten[0] = (lw_fetch_forgotten){lw_str_c("old"), UUID0, forget_parts, 2};
  if (v >= 13) {
    rq_topics[0] = (lw_fetch_req_topic){{NULL, 0}, fx_uuid(FX_TOPIC_ID), rq_parts, 2};
    forgotten[0] = (lw_fetch_forgotten){
        {NULL, 0}, fx_uuid("0102030405060708090a0b0c0d0e0f10"), forget_parts, 2};
  }
  lw_fetch_req r = {0};
  r.ClusterId = v >= 12 ? lw_str_c("gtcKyoaxvECCO2W962IiOQ") : LW_STR_NULL;
  r.ReplicaId = v <= 14 ? 5 : -1;
  r.ReplicaState = (lw_fetch_replica_state){-1, -1};
  if (v >= 15)
    r.ReplicaState = (lw_fetch_replica_state){5, 77};
  r.MaxWaitMs = 500;
  r.MinBytes = 1;
  r.MaxBytes = 1 << 20;
  r.IsolationLevel = 1;
  r.SessionId = v >= 7 ? 1234 : 0;
  r.SessionEpoch = v >= 7 ? 2 : -1;
  r.Topics = rq_topics;
  r.TopicsCount = 1;
  if (v >= 7)
    r.ForgottenTopicsData = forgotten, r.ForgottenTopicsDataCount = 1;
  r.RackId = v >= 11 ? lw_str_c("rack-b") : (lw_str){NULL, 0};
  return r;
}

static lw_fetch_resp make_resp(int16_t v) {
  lw_fetch_epoch_end no_div = {-1, -1};
  lw_fetch_leader no_leader = {-1, -1};
  lw_fetch_snapshot_id no_snap = {-1, -1};
  rs_parts[0] = (lw_fetch_resp_part){
      0, 0, 120, 118, -1, no_div, no_leader, no_snap, aborted, 2, -1, {records, sizeof records}};
  rs_parts[1] = (lw_fetch_resp_part){1,         LW_KAFKA_NOT_LEADER_OR_FOLLOWER,
                                     -1,        -1,
                                     -1,        no_div,
                                     no_leader, no_snap,
                                     NULL,      -1,
                                     -1,        {NULL, -1}};
  rs_parts[2] = (lw_fetch_resp_part){
      2,           LW_KAFKA_OFFSET_OUT_OF_RANGE, 7, 7, -1, no_div, no_leader, no_snap, NULL, 0, -1,
      {records, 0}};
  if (v >= 5)
    rs_parts[0].LogStartOffset = 3;
  if (v >= 11)
    rs_parts[0].PreferredReadReplica = 2;
  if (v >= 12) {
    /* A tagged struct differing from its default in one member only is still written. */
    rs_parts[0].CurrentLeader = (lw_fetch_leader){-1, 7};
    rs_parts[0].SnapshotId = (lw_fetch_snapshot_id){-1, 2};
    rs_parts[1].DivergingEpoch = (lw_fetch_epoch_end){-1, 8};
    rs_parts[1].CurrentLeader = (lw_fetch_leader){3, 9};
    rs_parts[2].DivergingEpoch = (lw_fetch_epoch_end){4, 6};
    rs_parts[2].SnapshotId = (lw_fetch_snapshot_id){5, 1};
  }
  rs_topics[0] = (lw_fetch_resp_topic){lw_str_c("fx"), UUID0, rs_parts, 3};
  if (v >= 13)
    rs_topics[0] = (lw_fetch_resp_topic){{NULL, 0}, fx_uuid(FX_TOPIC_ID), rs_parts, 3};
  nodes[0] = (lw_md_broker){3, lw_str_c("b3"), 9094, LW_STR_NULL};
  lw_fetch_resp r = {30, 0, 0, rs_topics, 1, NULL, 0};
  if (v >= 7)
    r.ErrorCode = 0, r.SessionId = 1234;
  if (v >= 16)
    r.NodeEndpoints = nodes, r.NodeEndpointsCount = 1;
  return r;
}

static void assert_req_eq(const lw_fetch_req *a, const lw_fetch_req *b) {
  assert_str_same(a->ClusterId, b->ClusterId);
  cr_assert_eq(a->ReplicaId, b->ReplicaId);
  cr_assert_eq(a->ReplicaState.ReplicaId, b->ReplicaState.ReplicaId);
  cr_assert_eq(a->ReplicaState.ReplicaEpoch, b->ReplicaState.ReplicaEpoch);
  cr_assert_eq(a->MaxWaitMs, b->MaxWaitMs);
  cr_assert_eq(a->MinBytes, b->MinBytes);
  cr_assert_eq(a->MaxBytes, b->MaxBytes);
  cr_assert_eq(a->IsolationLevel, b->IsolationLevel);
  cr_assert_eq(a->SessionId, b->SessionId);
  cr_assert_eq(a->SessionEpoch, b->SessionEpoch);
  cr_assert_eq(a->TopicsCount, b->TopicsCount);
  for (int32_t i = 0; i < a->TopicsCount; i++) {
    assert_str_same(a->Topics[i].Topic, b->Topics[i].Topic);
    cr_assert_arr_eq(a->Topics[i].TopicId.b, b->Topics[i].TopicId.b, 16);
    cr_assert_eq(a->Topics[i].PartitionsCount, b->Topics[i].PartitionsCount);
    for (int32_t j = 0; j < a->Topics[i].PartitionsCount; j++) {
      const lw_fetch_req_part *x = &a->Topics[i].Partitions[j], *y = &b->Topics[i].Partitions[j];
      cr_assert_eq(x->Partition, y->Partition);
      cr_assert_eq(x->CurrentLeaderEpoch, y->CurrentLeaderEpoch);
      cr_assert_eq(x->FetchOffset, y->FetchOffset);
      cr_assert_eq(x->LastFetchedEpoch, y->LastFetchedEpoch);
      cr_assert_eq(x->LogStartOffset, y->LogStartOffset);
      cr_assert_eq(x->PartitionMaxBytes, y->PartitionMaxBytes);
      cr_assert_arr_eq(x->ReplicaDirectoryId.b, y->ReplicaDirectoryId.b, 16);
      cr_assert_eq(x->HighWatermark, y->HighWatermark);
    }
  }
  cr_assert_eq(a->ForgottenTopicsDataCount, b->ForgottenTopicsDataCount);
  for (int32_t i = 0; i < a->ForgottenTopicsDataCount; i++) {
    const lw_fetch_forgotten *x = &a->ForgottenTopicsData[i], *y = &b->ForgottenTopicsData[i];
    assert_str_same(x->Topic, y->Topic);
    cr_assert_arr_eq(x->TopicId.b, y->TopicId.b, 16);
    cr_assert_eq(x->PartitionsCount, y->PartitionsCount);
    for (int32_t j = 0; j < x->PartitionsCount; j++)
      cr_assert_eq(x->Partitions[j], y->Partitions[j]);
  }
  assert_str_same(a->RackId, b->RackId);
}

static void assert_resp_eq(const lw_fetch_resp *a, const lw_fetch_resp *b) {
  cr_assert_eq(a->ThrottleTimeMs, b->ThrottleTimeMs);
  cr_assert_eq(a->ErrorCode, b->ErrorCode);
  cr_assert_eq(a->SessionId, b->SessionId);
  cr_assert_eq(a->ResponsesCount, b->ResponsesCount);
  for (int32_t i = 0; i < a->ResponsesCount; i++) {
    assert_str_same(a->Responses[i].Topic, b->Responses[i].Topic);
    cr_assert_arr_eq(a->Responses[i].TopicId.b, b->Responses[i].TopicId.b, 16);
    cr_assert_eq(a->Responses[i].PartitionsCount, b->Responses[i].PartitionsCount);
    for (int32_t j = 0; j < a->Responses[i].PartitionsCount; j++) {
      const lw_fetch_resp_part *x = &a->Responses[i].Partitions[j];
      const lw_fetch_resp_part *y = &b->Responses[i].Partitions[j];
      cr_assert_eq(x->PartitionIndex, y->PartitionIndex);
      cr_assert_eq(x->ErrorCode, y->ErrorCode);
      cr_assert_eq(x->HighWatermark, y->HighWatermark);
      cr_assert_eq(x->LastStableOffset, y->LastStableOffset);
      cr_assert_eq(x->LogStartOffset, y->LogStartOffset);
      cr_assert_eq(x->DivergingEpoch.Epoch, y->DivergingEpoch.Epoch);
      cr_assert_eq(x->DivergingEpoch.EndOffset, y->DivergingEpoch.EndOffset);
      cr_assert_eq(x->CurrentLeader.LeaderId, y->CurrentLeader.LeaderId);
      cr_assert_eq(x->CurrentLeader.LeaderEpoch, y->CurrentLeader.LeaderEpoch);
      cr_assert_eq(x->SnapshotId.EndOffset, y->SnapshotId.EndOffset);
      cr_assert_eq(x->SnapshotId.Epoch, y->SnapshotId.Epoch);
      cr_assert_eq(x->AbortedTransactionsCount, y->AbortedTransactionsCount);
      for (int32_t k = 0; k < x->AbortedTransactionsCount; k++) {
        cr_assert_eq(x->AbortedTransactions[k].ProducerId, y->AbortedTransactions[k].ProducerId);
        cr_assert_eq(x->AbortedTransactions[k].FirstOffset, y->AbortedTransactions[k].FirstOffset);
      }
      cr_assert_eq(x->PreferredReadReplica, y->PreferredReadReplica);
      cr_assert_eq(x->Records.len, y->Records.len);
      if (x->Records.len > 0)
        cr_assert_eq(memcmp(x->Records.p, y->Records.p, (size_t)x->Records.len), 0);
    }
  }
  assert_brokers_same(a->NodeEndpoints, a->NodeEndpointsCount, b->NodeEndpoints,
                      b->NodeEndpointsCount);
}

Test(fetch, round_trip_every_version) {
  for (int16_t v = 4; v <= 18; v++) {
    lw_arena a;
    lw_arena_init(&a, 1 << 20);
    lw_fetch_req q = make_req(v);
    LW_ROUND_TRIP(v, &a, lw_fetch_req_encode, lw_fetch_req_decode, assert_req_eq, lw_fetch_req, q);
    lw_fetch_resp r = make_resp(v);
    LW_ROUND_TRIP(v, &a, lw_fetch_resp_encode, lw_fetch_resp_decode, assert_resp_eq, lw_fetch_resp,
                  r);
    lw_arena_free(&a);
  }
}

Test(fetch, partition_tag_bytes) {
  /* v12 partition 2: DivergingEpoch {4, 6} (tag 0, 13 bytes) then SnapshotId {5, 1} (tag 2,
   * 13 bytes): two tags, written in tag order. */
  lw_fetch_resp r = make_resp(12);
  lw_buf b;
  lw_buf_init(&b, 4096);
  cr_assert_eq(lw_fetch_resp_encode(&b, 12, &r), LW_OK);
  const uint8_t tags[] = {2, 0,  13, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 6, 0,
                          2, 13, 0,  0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 0};
  bool found = false;
  for (size_t i = 0; i + sizeof tags <= b.len && !found; i++)
    found = memcmp(b.data + i, tags, sizeof tags) == 0;
  cr_assert(found);
  lw_buf_free(&b);
}

Test(fetch, bad_input) {
  lw_arena a;
  lw_arena_init(&a, 1 << 16);
  lw_fetch_resp r;
  lw_cur c;
  /* v4: AbortedTransactions count -2 */
  const uint8_t neg[] = {0, 0, 0, 0, 0, 0, 0,    1,    0,    2,    'f', 'x', 0, 0, 0, 1,
                         0, 0, 0, 0, 0, 0, 0,    0,    0,    0,    0,   0,   0, 5, 0, 0,
                         0, 0, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xfe, 0,   0,   0, 0};
  lw_cur_init(&c, neg, sizeof neg);
  cr_assert_eq(lw_fetch_resp_decode(&c, 4, &a, &r), LW_ERR_MALFORMED);
  /* the same with an empty array decodes */
  uint8_t ok[sizeof neg];
  memcpy(ok, neg, sizeof neg);
  ok[38] = ok[39] = ok[40] = ok[41] = 0;
  lw_cur_init(&c, ok, sizeof ok);
  cr_assert_eq(lw_fetch_resp_decode(&c, 4, &a, &r), LW_OK);
  cr_assert_eq(r.Responses[0].Partitions[0].Records.len, 0);
  /* a null Records (-1) decodes as null */
  ok[42] = ok[43] = ok[44] = ok[45] = 0xff;
  lw_cur_init(&c, ok, sizeof ok);
  cr_assert_eq(lw_fetch_resp_decode(&c, 4, &a, &r), LW_OK);
  cr_assert_eq(r.Responses[0].Partitions[0].Records.len, -1);
  /* Records longer than what is left */
  ok[42] = 0x7f;
  lw_cur_init(&c, ok, sizeof ok);
  cr_assert_eq(lw_fetch_resp_decode(&c, 4, &a, &r), LW_ERR_TRUNCATED);
  /* v12: a known partition tag with a short payload */
  lw_fetch_resp one = make_resp(12);
  lw_buf b;
  lw_buf_init(&b, 4096);
  cr_assert_eq(lw_fetch_resp_encode(&b, 12, &one), LW_OK);
  for (size_t i = 0; i + 3 <= b.len; i++) {
    if (b.data[i] == 2 && b.data[i + 1] == 0 && b.data[i + 2] == 13) {
      b.data[i + 2] = 12; /* DivergingEpoch claims 12 bytes: the next tag is misread */
      break;
    }
  }
  lw_cur_init(&c, b.data, b.len);
  cr_assert_neq(lw_fetch_resp_decode(&c, 12, &a, &r), LW_OK);
  lw_buf_reset(&b);
  /* unsupported versions */
  lw_fetch_req q = make_req(12);
  cr_assert_eq(lw_fetch_req_encode(&b, 3, &q), LW_ERR_UNSUPPORTED);
  cr_assert_eq(lw_fetch_req_encode(&b, 19, &q), LW_ERR_UNSUPPORTED);
  /* RackId is not nullable */
  q.RackId = LW_STR_NULL;
  cr_assert_eq(lw_fetch_req_encode(&b, 12, &q), LW_ERR_INVALID_ARG);
  lw_buf_free(&b);
  lw_arena_free(&a);
}
