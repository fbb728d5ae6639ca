/* test_metadata.c — Metadata v0–v13: Kafka 4.1.0 (v13, v4) and librdkafka-mock (v0–v2)
 * fixtures, byte-exact re-encoding, round trips over every version, bad input. */
#include "lw_test.h"
#include "proto/metadata.h"

TestSuite(metadata);

#define K           "kafka-4.1.0/"
#define M           "librdkafka-2.0.2-mock/"
#define FX_TOPIC_ID "2ad300644eff48128cc49767d959277e" /* KtMAZE7_SBKMxJdn2Vknfg */

static void reencode_req(const fx *f, const lw_md_req *r) {
  lw_buf b;
  fx_begin_req(f, &b);
  cr_assert_eq(lw_md_req_encode(&b, f->h.ApiVersion, r), LW_OK);
  fx_assert_bytes(f, &b);
  lw_buf_free(&b);
}

static void reencode_resp(const fx *f, int16_t v, const lw_md_resp *r) {
  lw_buf b;
  fx_begin_resp(f, &b, LW_API_METADATA, v);
  cr_assert_eq(lw_md_resp_encode(&b, v, r), LW_OK);
  fx_assert_bytes(f, &b);
  lw_buf_free(&b);
}

/* Every partition of topic fx on a one-broker cluster: leader `node`, replicas = isr = [node]. */
static void assert_fx_partitions(const lw_md_topic *t, int32_t node, int16_t v) {
  cr_assert_eq(t->PartitionsCount, 3);
  bool seen[3] = {false, false, false};
  for (int i = 0; i < 3; i++) {
    const lw_md_partition *p = &t->Partitions[i];
    cr_assert_eq(p->ErrorCode, 0);
    cr_assert(p->PartitionIndex >= 0 && p->PartitionIndex < 3);
    seen[p->PartitionIndex] = true;
    cr_assert_eq(p->LeaderId, node);
    cr_assert_eq(p->LeaderEpoch, v >= 7 ? 0 : -1);
    cr_assert_eq(p->ReplicaNodesCount, 1);
    cr_assert_eq(p->ReplicaNodes[0], node);
    cr_assert_eq(p->IsrNodesCount, 1);
    cr_assert_eq(p->IsrNodes[0], node);
    cr_assert_eq(p->OfflineReplicasCount, 0);
  }
  cr_assert(seen[0] && seen[1] && seen[2]);
}

Test(metadata, kafka_v13) {
  fx f;
  fx_req(&f, K "002-java-producer-none-Metadata-v13-request.bin", 3, 13);
  lw_md_req q;
  cr_assert_eq(lw_md_req_decode(&f.c, 13, &f.a, &q), LW_OK);
  cr_assert_eq(q.TopicsCount, 1);
  cr_assert(str_is(q.Topics[0].Name, "fx"));
  cr_assert(uuid_zero(&q.Topics[0].TopicId));
  cr_assert(q.AllowAutoTopicCreation);
  cr_assert_not(q.IncludeTopicAuthorizedOperations);
  reencode_req(&f, &q);
  fx_free(&f);

  fx_resp(&f, K "002-java-producer-none-Metadata-v13-response.bin", 3, 13);
  cr_assert_eq(f.corr, 1);
  lw_md_resp r;
  cr_assert_eq(lw_md_resp_decode(&f.c, 13, &f.a, &r), LW_OK);
  cr_assert_eq(r.ThrottleTimeMs, 0);
  cr_assert_eq(r.BrokersCount, 1);
  cr_assert_eq(r.Brokers[0].NodeId, 1);
  cr_assert(str_is(r.Brokers[0].Host, "127.0.0.1"));
  cr_assert_eq(r.Brokers[0].Port, 9092);
  cr_assert_eq(r.Brokers[0].Rack.len, -1);
  cr_assert(str_is(r.ClusterId, "gtcKyoaxvECCO2W962IiOQ"));
  cr_assert_eq(r.ControllerId, 1);
  cr_assert_eq(r.TopicsCount, 1);
  cr_assert_eq(r.Topics[0].ErrorCode, 0);
  cr_assert(str_is(r.Topics[0].Name, "fx"));
  lw_uuid id = fx_uuid(FX_TOPIC_ID);
  cr_assert_arr_eq(r.Topics[0].TopicId.b, id.b, 16);
  cr_assert_not(r.Topics[0].IsInternal);
  assert_fx_partitions(&r.Topics[0], 1, 13);
  cr_assert_eq(r.Topics[0].TopicAuthorizedOperations, INT32_MIN);
  cr_assert_eq(r.ClusterAuthorizedOperations, INT32_MIN);
  cr_assert_eq(r.ErrorCode, 0);
  reencode_resp(&f, 13, &r);
  fx_free(&f);
}

Test(metadata, kafka_v4_librdkafka) {
  fx f;
  fx_req(&f, K "041-kcat-producer-Metadata-v4-request.bin", 3, 4);
  lw_md_req q;
  cr_assert_eq(lw_md_req_decode(&f.c, 4, &f.a, &q), LW_OK);
  cr_assert_eq(q.TopicsCount, 1);
  cr_assert(str_is(q.Topics[0].Name, "fx"));
  cr_assert(q.AllowAutoTopicCreation);
  reencode_req(&f, &q);
  fx_free(&f);

  fx_resp(&f, K "041-kcat-producer-Metadata-v4-response.bin", 3, 4);
  lw_md_resp r;
  cr_assert_eq(lw_md_resp_decode(&f.c, 4, &f.a, &r), LW_OK);
  cr_assert_eq(r.BrokersCount, 1);
  cr_assert(str_is(r.Brokers[0].Host, "127.0.0.1"));
  cr_assert_eq(r.Brokers[0].Port, 9092);
  cr_assert(str_is(r.ClusterId, "gtcKyoaxvECCO2W962IiOQ"));
  cr_assert_eq(r.ControllerId, 1);
  cr_assert_eq(r.TopicsCount, 1);
  cr_assert(str_is(r.Topics[0].Name, "fx"));
  cr_assert(uuid_zero(&r.Topics[0].TopicId)); /* no TopicId before v10 */
  assert_fx_partitions(&r.Topics[0], 1, 4);
  reencode_resp(&f, 4, &r);
  fx_free(&f);
}

/* librdkafka's mock cluster: one broker (id 1) on 127.0.0.1 at a random port, no rack, topic
 * fx with three partitions led by broker 1. */
static void mock_pair(const char *req, const char *resp, int16_t v, int32_t topics_asked) {
  fx f;
  fx_req(&f, req, 3, v);
  cr_assert(str_is(f.h.ClientId, "rdkafka"));
  lw_md_req q;
  cr_assert_eq(lw_md_req_decode(&f.c, v, &f.a, &q), LW_OK);
  cr_assert_eq(q.TopicsCount, topics_asked);
  if (topics_asked > 0)
    cr_assert(str_is(q.Topics[0].Name, "fx"));
  reencode_req(&f, &q);
  fx_free(&f);

  fx_resp(&f, resp, 3, v);
  lw_md_resp r;
  cr_assert_eq(lw_md_resp_decode(&f.c, v, &f.a, &r), LW_OK);
  cr_assert_eq(r.BrokersCount, 1);
  cr_assert_eq(r.Brokers[0].NodeId, 1);
  cr_assert(str_is(r.Brokers[0].Host, "127.0.0.1"));
  cr_assert(r.Brokers[0].Port > 1024 && r.Brokers[0].Port < 65536);
  if (v >= 1) {
    cr_assert_eq(r.ControllerId, 0); /* the mock reports controller 0, not its broker 1 */
    cr_assert_eq(r.Brokers[0].Rack.len, -1);
  } else {
    cr_assert_eq(r.ControllerId, -1);
    cr_assert_eq(r.Brokers[0].Rack.len, -1);
  }
  if (topics_asked != 0) {
    cr_assert_eq(r.TopicsCount, 1);
    cr_assert_eq(r.Topics[0].ErrorCode, 0);
    cr_assert(str_is(r.Topics[0].Name, "fx"));
    assert_fx_partitions(&r.Topics[0], 1, v);
  } else {
    cr_assert_eq(r.TopicsCount, 0);
  }
  reencode_resp(&f, v, &r);
  fx_free(&f);
}

Test(metadata, mock_v0_v1_v2) {
  mock_pair(M "003-metadata-v0-Metadata-v0-request.bin",
            M "003-metadata-v0-Metadata-v0-response.bin", 0, 1);
  mock_pair(M "004-metadata-v1-Metadata-v1-request.bin",
            M "004-metadata-v1-Metadata-v1-response.bin", 1, 1);
  mock_pair(M "005-metadata-v2-Metadata-v2-request.bin",
            M "005-metadata-v2-Metadata-v2-response.bin", 2, 1);
}

Test(metadata, mock_v2_cluster_id) {
  fx f;
  fx_resp(&f, M "005-metadata-v2-Metadata-v2-response.bin", 3, 2);
  lw_md_resp r;
  cr_assert_eq(lw_md_resp_decode(&f.c, 2, &f.a, &r), LW_OK);
  cr_assert_eq(r.ClusterId.len, 23); /* "mockCluster" and 12 hex digits */
  cr_assert_eq(memcmp(r.ClusterId.p, "mockCluster", 11), 0);
  fx_free(&f);
}

Test(metadata, mock_brokers_only_and_all_topics) {
  /* kcat -L asks first for no topics (empty array), then for all topics (null array). */
  mock_pair(M "006-metadata-all-v2-Metadata-v2-request.bin",
            M "006-metadata-all-v2-Metadata-v2-response.bin", 2, 0);
  mock_pair(M "007-metadata-all-v2-Metadata-v2-request.bin",
            M "007-metadata-all-v2-Metadata-v2-response.bin", 2, -1);
}

/* ---- Round trips ---- */

static lw_md_req_topic req_topics[2];
static int32_t replicas[] = {1, 2, 3}, isr[] = {1, 3}, offline[] = {2};
static lw_md_partition parts[2];
static lw_md_topic topics[2];
static lw_md_broker brokers[2];

static lw_md_req make_req(int16_t v) {
  req_topics[0] = (lw_md_req_topic){UUID0, lw_str_c("fx")};
  req_topics[1] = (lw_md_req_topic){UUID0, lw_str_c("logs.app-1")};
  if (v >= 10)
    req_topics[1].TopicId = fx_uuid(FX_TOPIC_ID);
  if (v >= 12)
    req_topics[1].Name = LW_STR_NULL; /* asked by id */
  lw_md_req r = {req_topics, 2, true, false, false};
  if (v >= 4)
    r.AllowAutoTopicCreation = false;
  if (v >= 8)
    r.IncludeTopicAuthorizedOperations = true;
  if (v >= 8 && v <= 10)
    r.IncludeClusterAuthorizedOperations = true;
  return r;
}

static lw_md_resp make_resp(int16_t v) {
  brokers[0] = (lw_md_broker){1, lw_str_c("b1.example.org"), 9092, LW_STR_NULL};
  brokers[1] = (lw_md_broker){7, lw_str_c("10.0.0.7"), 19093, LW_STR_NULL};
  if (v >= 1)
    brokers[0].Rack = lw_str_c("rack-a");
  parts[0] = (lw_md_partition){0, 0, 1, -1, replicas, 3, isr, 2, NULL, 0};
  parts[1] =
      (lw_md_partition){LW_KAFKA_LEADER_NOT_AVAILABLE, 1, -1, -1, replicas, 1, isr, 0, NULL, 0};
  if (v >= 7)
    parts[0].LeaderEpoch = 42;
  if (v >= 5)
    parts[0].OfflineReplicas = offline, parts[0].OfflineReplicasCount = 1;
  topics[0] = (lw_md_topic){0, lw_str_c("fx"), UUID0, false, parts, 2, INT32_MIN};
  topics[1] = (lw_md_topic){
      LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION, lw_str_c("gone"), UUID0, false, NULL, 0, INT32_MIN};
  if (v >= 1)
    topics[0].IsInternal = true;
  if (v >= 8)
    topics[0].TopicAuthorizedOperations = 0x0ff8;
  if (v >= 10)
    topics[0].TopicId = fx_uuid(FX_TOPIC_ID);
  if (v >= 12)
    topics[1].Name = LW_STR_NULL;
  lw_md_resp r = {0};
  r.ThrottleTimeMs = v >= 3 ? 1234 : 0;
  r.Brokers = brokers;
  r.BrokersCount = 2;
  r.ClusterId = v >= 2 ? lw_str_c("gtcKyoaxvECCO2W962IiOQ") : LW_STR_NULL;
  r.ControllerId = v >= 1 ? 7 : -1;
  r.Topics = topics;
  r.TopicsCount = 2;
  r.ClusterAuthorizedOperations = v >= 8 && v <= 10 ? 0x0123 : INT32_MIN;
  r.ErrorCode = v >= 13 ? LW_KAFKA_UNKNOWN_SERVER_ERROR : 0;
  return r;
}

static void assert_i32s(const int32_t *a, int32_t na, const int32_t *b, int32_t nb) {
  cr_assert_eq(na, nb);
  for (int32_t i = 0; i < na; i++)
    cr_assert_eq(a[i], b[i]);
}

static void assert_resp_eq(const lw_md_resp *a, const lw_md_resp *b) {
  cr_assert_eq(a->ThrottleTimeMs, b->ThrottleTimeMs);
  assert_brokers_same(a->Brokers, a->BrokersCount, b->Brokers, b->BrokersCount);
  assert_str_same(a->ClusterId, b->ClusterId);
  cr_assert_eq(a->ControllerId, b->ControllerId);
  cr_assert_eq(a->TopicsCount, b->TopicsCount);
  for (int32_t i = 0; i < a->TopicsCount; i++) {
    const lw_md_topic *x = &a->Topics[i], *y = &b->Topics[i];
    cr_assert_eq(x->ErrorCode, y->ErrorCode);
    assert_str_same(x->Name, y->Name);
    cr_assert_arr_eq(x->TopicId.b, y->TopicId.b, 16);
    cr_assert_eq(x->IsInternal, y->IsInternal);
    cr_assert_eq(x->TopicAuthorizedOperations, y->TopicAuthorizedOperations);
    cr_assert_eq(x->PartitionsCount, y->PartitionsCount);
    for (int32_t j = 0; j < x->PartitionsCount; j++) {
      const lw_md_partition *p = &x->Partitions[j], *q = &y->Partitions[j];
      cr_assert_eq(p->ErrorCode, q->ErrorCode);
      cr_assert_eq(p->PartitionIndex, q->PartitionIndex);
      cr_assert_eq(p->LeaderId, q->LeaderId);
      cr_assert_eq(p->LeaderEpoch, q->LeaderEpoch);
      assert_i32s(p->ReplicaNodes, p->ReplicaNodesCount, q->ReplicaNodes, q->ReplicaNodesCount);
      assert_i32s(p->IsrNodes, p->IsrNodesCount, q->IsrNodes, q->IsrNodesCount);
      assert_i32s(p->OfflineReplicas, p->OfflineReplicasCount, q->OfflineReplicas,
                  q->OfflineReplicasCount);
    }
  }
  cr_assert_eq(a->ClusterAuthorizedOperations, b->ClusterAuthorizedOperations);
  cr_assert_eq(a->ErrorCode, b->ErrorCode);
}

Test(metadata, round_trip_every_version) {
  for (int16_t v = 0; v <= 13; v++) {
    lw_buf b, b2;
    lw_buf_init(&b, 1 << 16);
    lw_buf_init(&b2, 1 << 16);
    lw_arena a;
    lw_arena_init(&a, 1 << 20);
    lw_cur c;

    lw_md_req q = make_req(v), dq;
    cr_assert_eq(lw_md_req_encode(&b, v, &q), LW_OK, "v%d", v);
    lw_cur_init(&c, b.data, b.len);
    cr_assert_eq(lw_md_req_decode(&c, v, &a, &dq), LW_OK, "v%d", v);
    cr_assert_eq(dq.TopicsCount, 2);
    for (int i = 0; i < 2; i++) {
      assert_str_same(dq.Topics[i].Name, q.Topics[i].Name);
      cr_assert_arr_eq(dq.Topics[i].TopicId.b, q.Topics[i].TopicId.b, 16);
    }
    cr_assert_eq(dq.AllowAutoTopicCreation, q.AllowAutoTopicCreation, "v%d", v);
    cr_assert_eq(dq.IncludeClusterAuthorizedOperations, q.IncludeClusterAuthorizedOperations);
    cr_assert_eq(dq.IncludeTopicAuthorizedOperations, q.IncludeTopicAuthorizedOperations);
    cr_assert_eq(lw_md_req_encode(&b2, v, &dq), LW_OK);
    cr_assert_eq(b2.len, b.len);
    cr_assert_arr_eq(b2.data, b.data, b.len);

    lw_md_resp r = make_resp(v);
    LW_ROUND_TRIP(v, &a, lw_md_resp_encode, lw_md_resp_decode, assert_resp_eq, lw_md_resp, r);
    lw_arena_free(&a);
    lw_buf_free(&b);
    lw_buf_free(&b2);
  }
}

Test(metadata, null_topics_means_all) {
  lw_buf b;
  lw_buf_init(&b, 1024);
  lw_md_req q = {NULL, -1, true, false, false}, d;
  lw_arena a;
  lw_arena_init(&a, 1 << 16);
  /* v0 has no null array: an empty one asks for every topic. */
  cr_assert_eq(lw_md_req_encode(&b, 0, &q), LW_OK);
  const uint8_t v0[] = {0, 0, 0, 0};
  cr_assert_eq(b.len, 4);
  cr_assert_arr_eq(b.data, v0, 4);
  for (int16_t v = 1; v <= 13; v++) {
    lw_buf_reset(&b);
    cr_assert_eq(lw_md_req_encode(&b, v, &q), LW_OK);
    cr_assert_eq(b.data[0], v >= 9 ? 0 : 0xff, "v%d", v);
    lw_cur c;
    lw_cur_init(&c, b.data, b.len);
    cr_assert_eq(lw_md_req_decode(&c, v, &a, &d), LW_OK);
    cr_assert_eq(d.TopicsCount, -1);
    cr_assert_null(d.Topics);
  }
  /* ... and a null array in v0 is malformed on the wire. */
  const uint8_t null_v0[] = {0xff, 0xff, 0xff, 0xff};
  lw_cur c;
  lw_cur_init(&c, null_v0, 4);
  cr_assert_eq(lw_md_req_decode(&c, 0, &a, &d), LW_ERR_MALFORMED);
  lw_arena_free(&a);
  lw_buf_free(&b);
}

Test(metadata, bad_input) {
  lw_arena a;
  lw_arena_init(&a, 1 << 16);
  lw_md_resp r;
  lw_cur c;
  /* v0: Brokers [1] with a negative Host length */
  const uint8_t neg_host[] = {0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0};
  lw_cur_init(&c, neg_host, sizeof neg_host);
  cr_assert_eq(lw_md_resp_decode(&c, 0, &a, &r), LW_ERR_MALFORMED);
  /* v0: null Host (Host is not nullable) */
  const uint8_t null_host[] = {0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};
  lw_cur_init(&c, null_host, sizeof null_host);
  cr_assert_eq(lw_md_resp_decode(&c, 0, &a, &r), LW_ERR_MALFORMED);
  /* v9: a compact count of 2^31 - 1 */
  const uint8_t huge[] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x07, 0, 0, 0, 0};
  lw_cur_init(&c, huge, sizeof huge);
  cr_assert_neq(lw_md_resp_decode(&c, 9, &a, &r), LW_OK);
  /* v9: a compact count over INT32_MAX */
  const uint8_t over[] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0};
  lw_cur_init(&c, over, sizeof over);
  cr_assert_eq(lw_md_resp_decode(&c, 9, &a, &r), LW_ERR_MALFORMED);
  /* v1: ReplicaNodes with a count that cannot fit */
  const uint8_t reps[] = {0, 0, 0,    0,                       /* Brokers [] */
                          0, 0, 0,    1,                       /* ControllerId */
                          0, 0, 0,    1,                       /* Topics [1] */
                          0, 0, 0,    2, 'f', 'x',             /* ErrorCode, Name */
                          0,                                   /* IsInternal */
                          0, 0, 0,    1,                       /* Partitions [1] */
                          0, 0, 0,    0, 0,   0,   0, 0, 0, 1, /* ErrorCode, Index, LeaderId */
                          0, 0, 0x10, 0,                       /* ReplicaNodes [4096] */
                          0, 0, 0,    1, 0,   0,   0, 2};
  lw_cur_init(&c, reps, sizeof reps);
  cr_assert_eq(lw_md_resp_decode(&c, 1, &a, &r), LW_ERR_TRUNCATED);
  /* bool other than 0/1 */
  const uint8_t badbool[] = {0, 0, 0, 0, 2};
  lw_md_req q;
  lw_cur_init(&c, badbool, sizeof badbool);
  cr_assert_eq(lw_md_req_decode(&c, 4, &a, &q), LW_ERR_MALFORMED);
  /* unsupported versions */
  lw_cur_init(&c, badbool, 4);
  cr_assert_eq(lw_md_req_decode(&c, 14, &a, &q), LW_ERR_UNSUPPORTED);
  lw_buf b;
  lw_buf_init(&b, 64);
  lw_md_resp empty = {0};
  cr_assert_eq(lw_md_resp_encode(&b, -1, &empty), LW_ERR_UNSUPPORTED);
  /* encoder refuses a null host and an array without elements */
  lw_md_broker nohost = {1, LW_STR_NULL, 1, LW_STR_NULL};
  empty.Brokers = &nohost;
  empty.BrokersCount = 1;
  cr_assert_eq(lw_md_resp_encode(&b, 1, &empty), LW_ERR_INVALID_ARG);
  lw_buf_reset(&b);
  empty.Brokers = NULL;
  cr_assert_eq(lw_md_resp_encode(&b, 1, &empty), LW_ERR_INVALID_ARG);
  /* the buffer ceiling is an error, never an overflow */
  lw_buf_free(&b);
  lw_buf_init(&b, 40);
  lw_md_resp big = make_resp(13);
  cr_assert_eq(lw_md_resp_encode(&b, 13, &big), LW_ERR_TOO_LARGE);
  cr_assert_leq(b.len, 40);
  lw_buf_free(&b);
  lw_arena_free(&a);
}
