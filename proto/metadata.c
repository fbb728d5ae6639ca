/* metadata.c — Metadata (key 3) v0–v13 request and response. */
#include "proto/metadata.h"

#include <string.h>

#include "proto/codec.h"

int lw_md_req_encode(lw_buf *b, int16_t version, const lw_md_req *r) {
  if (lw_codec_check_version(LW_API_METADATA, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_METADATA, version);
  /* Topics, v0+ (nullable v1+). v0 cannot say null: an empty array asks for every topic. */
  int32_t n = r->TopicsCount;
  if (version == 0 && n < 0)
    n = 0;
  lw_put_arr(b, flex, n, r->Topics, version >= 1);
  for (int32_t i = 0; i < n && !b->err; i++) {
    if (version >= 10)
      lw_put_uuid(b, &r->Topics[i].TopicId); /* TopicId, v10+ */
    if (version >= 10)
      lw_put_str(b, flex, r->Topics[i].Name); /* Name, v0+ (nullable v10+) */
    else
      lw_put_str_nn(b, flex, r->Topics[i].Name);
    lw_put_tags_none(b, flex);
  }
  if (version >= 4)
    lw_buf_put_u8(b, r->AllowAutoTopicCreation); /* v4+ */
  if (version >= 8 && version <= 10)
    lw_buf_put_u8(b, r->IncludeClusterAuthorizedOperations); /* v8–v10 */
  if (version >= 8)
    lw_buf_put_u8(b, r->IncludeTopicAuthorizedOperations); /* v8+ */
  lw_put_tags_none(b, flex);
  return b->err;
}

int lw_md_req_decode(lw_cur *c, int16_t version, lw_arena *a, lw_md_req *r) {
  memset(r, 0, sizeof *r);
  r->AllowAutoTopicCreation = true; /* the spec's default, and the behaviour before v4 */
  if (lw_codec_check_version(LW_API_METADATA, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_METADATA, version);
  size_t min = version >= 10 ? 18 : 2; /* (TopicId,) Name, (tags) */
  int32_t n = lw_rd_arr(c, flex, "Topics", min, version >= 1);
  r->Topics = lw_rd_alloc(c, a, n, sizeof *r->Topics);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_rd_elem(c, i);
    if (version >= 10) {
      r->Topics[i].TopicId = lw_rd_uuid(c, "TopicId");
      r->Topics[i].Name = lw_rd_nstring(c, flex, "Name");
    } else {
      r->Topics[i].Name = lw_rd_string(c, flex, "Name");
    }
    lw_rd_tags_skip(c, flex);
  }
  lw_rd_array_end(c);
  r->TopicsCount = c->err ? 0 : n;
  if (version >= 4)
    r->AllowAutoTopicCreation = lw_rd_bool(c, "AllowAutoTopicCreation");
  if (version >= 8 && version <= 10)
    r->IncludeClusterAuthorizedOperations = lw_rd_bool(c, "IncludeClusterAuthorizedOperations");
  if (version >= 8)
    r->IncludeTopicAuthorizedOperations = lw_rd_bool(c, "IncludeTopicAuthorizedOperations");
  lw_rd_tags_skip(c, flex);
  return lw_cur_done(c);
}

static void put_partition(lw_buf *b, int16_t version, bool flex, const lw_md_partition *p) {
  lw_buf_put_i16(b, p->ErrorCode);      /* v0+ */
  lw_buf_put_i32(b, p->PartitionIndex); /* v0+ */
  lw_buf_put_i32(b, p->LeaderId);       /* v0+ */
  if (version >= 7)
    lw_buf_put_i32(b, p->LeaderEpoch);                                     /* v7+ */
  lw_put_i32_array(b, flex, p->ReplicaNodes, p->ReplicaNodesCount, false); /* v0+ */
  lw_put_i32_array(b, flex, p->IsrNodes, p->IsrNodesCount, false);         /* v0+ */
  if (version >= 5)
    lw_put_i32_array(b, flex, p->OfflineReplicas, p->OfflineReplicasCount, false); /* v5+ */
  lw_put_tags_none(b, flex);
}

int lw_md_resp_encode(lw_buf *b, int16_t version, const lw_md_resp *r) {
  if (lw_codec_check_version(LW_API_METADATA, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_METADATA, version);
  if (version >= 3)
    lw_buf_put_i32(b, r->ThrottleTimeMs);                  /* v3+ */
  lw_put_arr(b, flex, r->BrokersCount, r->Brokers, false); /* Brokers, v0+ */
  for (int32_t i = 0; i < r->BrokersCount && !b->err; i++) {
    const lw_md_broker *k = &r->Brokers[i];
    lw_buf_put_i32(b, k->NodeId);
    lw_put_str_nn(b, flex, k->Host);
    lw_buf_put_i32(b, k->Port);
    if (version >= 1)
      lw_put_str(b, flex, k->Rack); /* Rack, v1+, nullable */
    lw_put_tags_none(b, flex);
  }
  if (version >= 2)
    lw_put_str(b, flex, r->ClusterId); /* v2+, nullable */
  if (version >= 1)
    lw_buf_put_i32(b, r->ControllerId);                  /* v1+ */
  lw_put_arr(b, flex, r->TopicsCount, r->Topics, false); /* Topics, v0+ */
  for (int32_t i = 0; i < r->TopicsCount && !b->err; i++) {
    const lw_md_topic *t = &r->Topics[i];
    lw_buf_put_i16(b, t->ErrorCode);
    if (version >= 12)
      lw_put_str(b, flex, t->Name); /* Name, v0+ (nullable v12+) */
    else
      lw_put_str_nn(b, flex, t->Name);
    if (version >= 10)
      lw_put_uuid(b, &t->TopicId); /* v10+ */
    if (version >= 1)
      lw_buf_put_u8(b, t->IsInternal); /* v1+ */
    lw_put_arr(b, flex, t->PartitionsCount, t->Partitions, false);
    for (int32_t j = 0; j < t->PartitionsCount && !b->err; j++)
      put_partition(b, version, flex, &t->Partitions[j]);
    if (version >= 8)
      lw_buf_put_i32(b, t->TopicAuthorizedOperations); /* v8+ */
    lw_put_tags_none(b, flex);
  }
  if (version >= 8 && version <= 10)
    lw_buf_put_i32(b, r->ClusterAuthorizedOperations); /* v8–v10 */
  if (version >= 13)
    lw_buf_put_i16(b, r->ErrorCode); /* v13+ */
  lw_put_tags_none(b, flex);
  return b->err;
}

static void rd_partition(lw_cur *c, int16_t version, bool flex, lw_arena *a, lw_md_partition *p) {
  p->ErrorCode = lw_rd_i16(c, "ErrorCode");
  p->PartitionIndex = lw_rd_i32(c, "PartitionIndex");
  p->LeaderId = lw_rd_i32(c, "LeaderId");
  p->LeaderEpoch = version >= 7 ? lw_rd_i32(c, "LeaderEpoch") : -1;
  p->ReplicaNodes =
      lw_rd_i32_array(c, flex, a, "ReplicaNodes", "ReplicaNode", false, &p->ReplicaNodesCount);
  p->IsrNodes = lw_rd_i32_array(c, flex, a, "IsrNodes", "IsrNode", false, &p->IsrNodesCount);
  if (version >= 5)
    p->OfflineReplicas = lw_rd_i32_array(c, flex, a, "OfflineReplicas", "OfflineReplica", false,
                                         &p->OfflineReplicasCount);
  lw_rd_tags_skip(c, flex);
}

static void rd_topic(lw_cur *c, int16_t version, bool flex, lw_arena *a, lw_md_topic *t) {
  t->ErrorCode = lw_rd_i16(c, "ErrorCode");
  t->Name = version >= 12 ? lw_rd_nstring(c, flex, "Name") : lw_rd_string(c, flex, "Name");
  if (version >= 10)
    t->TopicId = lw_rd_uuid(c, "TopicId");
  if (version >= 1)
    t->IsInternal = lw_rd_bool(c, "IsInternal");
  /* ErrorCode, PartitionIndex, LeaderId and two arrays at least */
  int32_t n = lw_rd_arr(c, flex, "Partitions", flex ? 12 : 18, false);
  t->Partitions = lw_rd_alloc(c, a, n, sizeof *t->Partitions);
  for (int32_t j = 0; j < n && !c->err; j++) {
    lw_rd_elem(c, j);
    rd_partition(c, version, flex, a, &t->Partitions[j]);
  }
  lw_rd_array_end(c);
  t->PartitionsCount = c->err ? 0 : n;
  t->TopicAuthorizedOperations =
      version >= 8 ? lw_rd_i32(c, "TopicAuthorizedOperations") : INT32_MIN;
  lw_rd_tags_skip(c, flex);
}

int lw_md_resp_decode(lw_cur *c, int16_t version, lw_arena *a, lw_md_resp *r) {
  memset(r, 0, sizeof *r);
  r->ClusterId = LW_STR_NULL;
  r->ControllerId = -1;
  r->ClusterAuthorizedOperations = INT32_MIN;
  if (lw_codec_check_version(LW_API_METADATA, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_METADATA, version);
  if (version >= 3)
    r->ThrottleTimeMs = lw_rd_i32(c, "ThrottleTimeMs");
  /* NodeId, Host, Port (+ Rack, tags) */
  int32_t n = lw_rd_arr(c, flex, "Brokers", flex ? 11 : 10, false);
  r->Brokers = lw_rd_alloc(c, a, n, sizeof *r->Brokers);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_md_broker *k = &r->Brokers[i];
    lw_rd_elem(c, i);
    k->NodeId = lw_rd_i32(c, "NodeId");
    k->Host = lw_rd_string(c, flex, "Host");
    k->Port = lw_rd_i32(c, "Port");
    k->Rack = version >= 1 ? lw_rd_nstring(c, flex, "Rack") : LW_STR_NULL;
    lw_rd_tags_skip(c, flex);
  }
  lw_rd_array_end(c);
  r->BrokersCount = c->err ? 0 : n;
  if (version >= 2)
    r->ClusterId = lw_rd_nstring(c, flex, "ClusterId");
  if (version >= 1)
    r->ControllerId = lw_rd_i32(c, "ControllerId");
  /* ErrorCode, Name, Partitions at least */
  n = lw_rd_arr(c, flex, "Topics", flex ? 4 : 8, false);
  r->Topics = lw_rd_alloc(c, a, n, sizeof *r->Topics);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_rd_elem(c, i);
    rd_topic(c, version, flex, a, &r->Topics[i]);
  }
  lw_rd_array_end(c);
  r->TopicsCount = c->err ? 0 : n;
  if (version >= 8 && version <= 10)
    r->ClusterAuthorizedOperations = lw_rd_i32(c, "ClusterAuthorizedOperations");
  if (version >= 13)
    r->ErrorCode = lw_rd_i16(c, "ErrorCode");
  lw_rd_tags_skip(c, flex);
  return lw_cur_done(c);
}
