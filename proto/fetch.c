/* fetch.c — Fetch (key 1) v4–v18 request and response. */
#include "proto/fetch.h"

#include "proto/batch.h"

#include <string.h>

#include "proto/codec.h"

/* ---- Request ---- */

static void put_req_part(lw_buf *b, int16_t version, bool flex, const lw_fetch_req_part *p) {
  lw_buf_put_i32(b, p->Partition); /* v0+ */
  if (version >= 9)
    lw_buf_put_i32(b, p->CurrentLeaderEpoch); /* v9+ */
  lw_buf_put_i64(b, p->FetchOffset);          /* v0+ */
  if (version >= 12)
    lw_buf_put_i32(b, p->LastFetchedEpoch); /* v12+ */
  if (version >= 5)
    lw_buf_put_i64(b, p->LogStartOffset);  /* v5+ */
  lw_buf_put_i32(b, p->PartitionMaxBytes); /* v0+ */
  if (!flex)
    return;
  bool t0 = version >= 17 && !lw_uuid_is_zero(&p->ReplicaDirectoryId);
  bool t1 = version >= 18 && p->HighWatermark != INT64_MAX;
  lw_buf_put_uvarint(b, (uint32_t)(t0 + t1));
  if (t0) {
    size_t s = lw_tag_begin(b, 0); /* ReplicaDirectoryId, v17+ tag 0 */
    lw_put_uuid(b, &p->ReplicaDirectoryId);
    lw_tag_end(b, s);
  }
  if (t1) {
    size_t s = lw_tag_begin(b, 1); /* HighWatermark, v18+ tag 1 */
    lw_buf_put_i64(b, p->HighWatermark);
    lw_tag_end(b, s);
  }
}

int lw_fetch_req_encode(lw_buf *b, int16_t version, const lw_fetch_req *r) {
  if (lw_codec_check_version(LW_API_FETCH, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_FETCH, version);
  if (version <= 14)
    lw_buf_put_i32(b, r->ReplicaId);            /* v0–v14 */
  lw_buf_put_i32(b, r->MaxWaitMs);              /* v0+ */
  lw_buf_put_i32(b, r->MinBytes);               /* v0+ */
  lw_buf_put_i32(b, r->MaxBytes);               /* v3+ */
  lw_buf_put_u8(b, (uint8_t)r->IsolationLevel); /* v4+ */
  if (version >= 7) {
    lw_buf_put_i32(b, r->SessionId);    /* v7+ */
    lw_buf_put_i32(b, r->SessionEpoch); /* v7+ */
  }
  lw_put_arr(b, flex, r->TopicsCount, r->Topics, false); /* Topics, v0+ */
  for (int32_t i = 0; i < r->TopicsCount && !b->err; i++) {
    const lw_fetch_req_topic *t = &r->Topics[i];
    if (version >= 13)
      lw_put_uuid(b, &t->TopicId); /* TopicId, v13+ */
    else
      lw_put_str_nn(b, flex, t->Topic); /* Topic, v0–v12 */
    lw_put_arr(b, flex, t->PartitionsCount, t->Partitions, false);
    for (int32_t j = 0; j < t->PartitionsCount && !b->err; j++)
      put_req_part(b, version, flex, &t->Partitions[j]);
    lw_put_tags_none(b, flex);
  }
  if (version >= 7) {
    /* ForgottenTopicsData, v7+ */
    lw_put_arr(b, flex, r->ForgottenTopicsDataCount, r->ForgottenTopicsData, false);
    for (int32_t i = 0; i < r->ForgottenTopicsDataCount && !b->err; i++) {
      const lw_fetch_forgotten *f = &r->ForgottenTopicsData[i];
      if (version >= 13)
        lw_put_uuid(b, &f->TopicId); /* TopicId, v13+ */
      else
        lw_put_str_nn(b, flex, f->Topic); /* Topic, v7–v12 */
      lw_put_i32_array(b, flex, f->Partitions, f->PartitionsCount, false);
      lw_put_tags_none(b, flex);
    }
  }
  if (version >= 11)
    lw_put_str_nn(b, flex, r->RackId); /* v11+ */
  if (flex) {
    bool t0 = r->ClusterId.len >= 0;
    bool t1 =
        version >= 15 && (r->ReplicaState.ReplicaId != -1 || r->ReplicaState.ReplicaEpoch != -1);
    lw_buf_put_uvarint(b, (uint32_t)(t0 + t1));
    if (t0) {
      size_t s = lw_tag_begin(b, 0); /* ClusterId, v12+ tag 0 */
      lw_put_str(b, true, r->ClusterId);
      lw_tag_end(b, s);
    }
    if (t1) {
      size_t s = lw_tag_begin(b, 1); /* ReplicaState, v15+ tag 1 */
      lw_buf_put_i32(b, r->ReplicaState.ReplicaId);
      lw_buf_put_i64(b, r->ReplicaState.ReplicaEpoch);
      lw_put_tags_none(b, true);
      lw_tag_end(b, s);
    }
  }
  return b->err;
}

static void rd_req_part(lw_cur *c, int16_t version, bool flex, lw_fetch_req_part *p) {
  p->Partition = lw_rd_i32(c, "Partition");
  p->CurrentLeaderEpoch = version >= 9 ? lw_rd_i32(c, "CurrentLeaderEpoch") : -1;
  p->FetchOffset = lw_rd_i64(c, "FetchOffset");
  p->LastFetchedEpoch = version >= 12 ? lw_rd_i32(c, "LastFetchedEpoch") : -1;
  p->LogStartOffset = version >= 5 ? lw_rd_i64(c, "LogStartOffset") : -1;
  p->PartitionMaxBytes = lw_rd_i32(c, "PartitionMaxBytes");
  p->HighWatermark = INT64_MAX;
  uint32_t nt = lw_rd_tag_count(c, flex);
  for (uint32_t i = 0; i < nt && !c->err; i++) {
    lw_cur t;
    uint32_t tag = lw_rd_tag(c, &t);
    if (tag == 0 && version >= 17) {
      p->ReplicaDirectoryId = lw_rd_uuid(&t, "ReplicaDirectoryId");
      lw_rd_tag_end(c, &t);
    } else if (tag == 1 && version >= 18) {
      p->HighWatermark = lw_rd_i64(&t, "HighWatermark");
      lw_rd_tag_end(c, &t);
    }
  }
}

/* Minimum wire size of a topic entry: a name (classic int16 length or compact uvarint) or a
 * TopicId, then an array length (and the entry's tag section when flexible). */
static size_t topic_min(int16_t version, bool flex) {
  return version >= 13 ? 18 : flex ? 3 : 6;
}

int lw_fetch_req_decode(lw_cur *c, int16_t version, lw_arena *a, lw_fetch_req *r) {
  memset(r, 0, sizeof *r);
  r->ClusterId = LW_STR_NULL;
  r->ReplicaId = -1;
  r->ReplicaState = (lw_fetch_replica_state){-1, -1};
  r->SessionEpoch = -1;
  if (lw_codec_check_version(LW_API_FETCH, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_FETCH, version);
  if (version <= 14)
    r->ReplicaId = lw_rd_i32(c, "ReplicaId");
  r->MaxWaitMs = lw_rd_i32(c, "MaxWaitMs");
  r->MinBytes = lw_rd_i32(c, "MinBytes");
  r->MaxBytes = lw_rd_i32(c, "MaxBytes");
  r->IsolationLevel = lw_rd_i8(c, "IsolationLevel");
  if (version >= 7) {
    r->SessionId = lw_rd_i32(c, "SessionId");
    r->SessionEpoch = lw_rd_i32(c, "SessionEpoch");
  }
  int32_t n = lw_rd_arr(c, flex, "Topics", topic_min(version, flex), false);
  r->Topics = lw_rd_alloc(c, a, n, sizeof *r->Topics);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_fetch_req_topic *t = &r->Topics[i];
    lw_rd_elem(c, i);
    if (version >= 13)
      t->TopicId = lw_rd_uuid(c, "TopicId");
    else
      t->Topic = lw_rd_string(c, flex, "Topic");
    /* Partition, FetchOffset, PartitionMaxBytes at least */
    int32_t m = lw_rd_arr(c, flex, "Partitions", 16, false);
    t->Partitions = lw_rd_alloc(c, a, m, sizeof *t->Partitions);
    for (int32_t j = 0; j < m && !c->err; j++) {
      lw_rd_elem(c, j);
      rd_req_part(c, version, flex, &t->Partitions[j]);
    }
    lw_rd_array_end(c);
    t->PartitionsCount = c->err ? 0 : m;
    lw_rd_tags_skip(c, flex);
  }
  lw_rd_array_end(c);
  r->TopicsCount = c->err ? 0 : n;
  if (version >= 7) {
    n = lw_rd_arr(c, flex, "ForgottenTopicsData", topic_min(version, flex), false);
    r->ForgottenTopicsData = lw_rd_alloc(c, a, n, sizeof *r->ForgottenTopicsData);
    for (int32_t i = 0; i < n && !c->err; i++) {
      lw_fetch_forgotten *f = &r->ForgottenTopicsData[i];
      lw_rd_elem(c, i);
      if (version >= 13)
        f->TopicId = lw_rd_uuid(c, "TopicId");
      else
        f->Topic = lw_rd_string(c, flex, "Topic");
      f->Partitions =
          lw_rd_i32_array(c, flex, a, "Partitions", "Partition", false, &f->PartitionsCount);
      lw_rd_tags_skip(c, flex);
    }
    lw_rd_array_end(c);
    r->ForgottenTopicsDataCount = c->err ? 0 : n;
  }
  if (version >= 11)
    r->RackId = lw_rd_string(c, flex, "RackId");
  uint32_t nt = lw_rd_tag_count(c, flex);
  for (uint32_t i = 0; i < nt && !c->err; i++) {
    lw_cur t;
    uint32_t tag = lw_rd_tag(c, &t);
    if (tag == 0) {
      r->ClusterId = lw_rd_nstring(&t, true, "ClusterId");
      lw_rd_tag_end(c, &t);
    } else if (tag == 1 && version >= 15) {
      lw_rd_group(&t, "ReplicaState");
      r->ReplicaState.ReplicaId = lw_rd_i32(&t, "ReplicaId");
      r->ReplicaState.ReplicaEpoch = lw_rd_i64(&t, "ReplicaEpoch");
      lw_rd_tags_skip(&t, true);
      lw_rd_group_end(&t);
      lw_rd_tag_end(c, &t);
    }
  }
  return lw_cur_done(c);
}

/* ---- Response ---- */

static void put_resp_part(lw_buf *b, int16_t version, bool flex, const lw_fetch_resp_part *p) {
  lw_buf_put_i32(b, p->PartitionIndex);   /* v0+ */
  lw_buf_put_i16(b, p->ErrorCode);        /* v0+ */
  lw_buf_put_i64(b, p->HighWatermark);    /* v0+ */
  lw_buf_put_i64(b, p->LastStableOffset); /* v4+ */
  if (version >= 5)
    lw_buf_put_i64(b, p->LogStartOffset); /* v5+ */
  /* AbortedTransactions, v4+, nullable */
  lw_put_arr(b, flex, p->AbortedTransactionsCount, p->AbortedTransactions, true);
  for (int32_t k = 0; k < p->AbortedTransactionsCount && !b->err; k++) {
    lw_buf_put_i64(b, p->AbortedTransactions[k].ProducerId);
    lw_buf_put_i64(b, p->AbortedTransactions[k].FirstOffset);
    lw_put_tags_none(b, flex);
  }
  if (version >= 11)
    lw_buf_put_i32(b, p->PreferredReadReplica); /* v11+ */
  lw_put_bytes(b, flex, p->Records);            /* Records, v0+, nullable */
  if (!flex)
    return;
  /* Tagged fields, v12+, each written when it differs from its default (all -1). */
  bool t0 = p->DivergingEpoch.Epoch != -1 || p->DivergingEpoch.EndOffset != -1;
  bool t1 = p->CurrentLeader.LeaderId != -1 || p->CurrentLeader.LeaderEpoch != -1;
  bool t2 = p->SnapshotId.EndOffset != -1 || p->SnapshotId.Epoch != -1;
  lw_buf_put_uvarint(b, (uint32_t)(t0 + t1 + t2));
  if (t0) {
    size_t s = lw_tag_begin(b, 0); /* DivergingEpoch, tag 0 */
    lw_buf_put_i32(b, p->DivergingEpoch.Epoch);
    lw_buf_put_i64(b, p->DivergingEpoch.EndOffset);
    lw_put_tags_none(b, true);
    lw_tag_end(b, s);
  }
  if (t1) {
    size_t s = lw_tag_begin(b, 1); /* CurrentLeader, tag 1 */
    lw_buf_put_i32(b, p->CurrentLeader.LeaderId);
    lw_buf_put_i32(b, p->CurrentLeader.LeaderEpoch);
    lw_put_tags_none(b, true);
    lw_tag_end(b, s);
  }
  if (t2) {
    size_t s = lw_tag_begin(b, 2); /* SnapshotId, tag 2 */
    lw_buf_put_i64(b, p->SnapshotId.EndOffset);
    lw_buf_put_i32(b, p->SnapshotId.Epoch);
    lw_put_tags_none(b, true);
    lw_tag_end(b, s);
  }
}

int lw_fetch_resp_encode(lw_buf *b, int16_t version, const lw_fetch_resp *r) {
  if (lw_codec_check_version(LW_API_FETCH, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_FETCH, version);
  lw_buf_put_i32(b, r->ThrottleTimeMs); /* v1+ */
  if (version >= 7) {
    lw_buf_put_i16(b, r->ErrorCode); /* v7+ */
    lw_buf_put_i32(b, r->SessionId); /* v7+ */
  }
  lw_put_arr(b, flex, r->ResponsesCount, r->Responses, false); /* Responses, v0+ */
  for (int32_t i = 0; i < r->ResponsesCount && !b->err; i++) {
    const lw_fetch_resp_topic *t = &r->Responses[i];
    if (version >= 13)
      lw_put_uuid(b, &t->TopicId); /* TopicId, v13+ */
    else
      lw_put_str_nn(b, flex, t->Topic); /* Topic, v0–v12 */
    lw_put_arr(b, flex, t->PartitionsCount, t->Partitions, false);
    for (int32_t j = 0; j < t->PartitionsCount && !b->err; j++)
      put_resp_part(b, version, flex, &t->Partitions[j]);
    lw_put_tags_none(b, flex);
  }
  if (flex) {
    bool nodes = version >= 16 && r->NodeEndpointsCount > 0;
    lw_buf_put_uvarint(b, nodes ? 1 : 0);
    if (nodes) {
      size_t s = lw_tag_begin(b, 0); /* NodeEndpoints, v16+ tag 0 */
      lw_node_endpoints_put(b, r->NodeEndpoints, r->NodeEndpointsCount);
      lw_tag_end(b, s);
    }
  }
  return b->err;
}

static void rd_part_tags(lw_cur *c, lw_fetch_resp_part *p) {
  uint32_t nt = lw_rd_tag_count(c, true);
  for (uint32_t i = 0; i < nt && !c->err; i++) {
    lw_cur t;
    uint32_t tag = lw_rd_tag(c, &t);
    if (tag > 2)
      continue; /* unknown tags are skipped */
    if (tag == 0) {
      lw_rd_group(&t, "DivergingEpoch");
      p->DivergingEpoch.Epoch = lw_rd_i32(&t, "Epoch");
      p->DivergingEpoch.EndOffset = lw_rd_i64(&t, "EndOffset");
    } else if (tag == 1) {
      lw_rd_group(&t, "CurrentLeader");
      p->CurrentLeader.LeaderId = lw_rd_i32(&t, "LeaderId");
      p->CurrentLeader.LeaderEpoch = lw_rd_i32(&t, "LeaderEpoch");
    } else {
      lw_rd_group(&t, "SnapshotId");
      p->SnapshotId.EndOffset = lw_rd_i64(&t, "EndOffset");
      p->SnapshotId.Epoch = lw_rd_i32(&t, "Epoch");
    }
    lw_rd_tags_skip(&t, true);
    lw_rd_group_end(&t);
    lw_rd_tag_end(c, &t);
  }
}

static void rd_resp_part(lw_cur *c, int16_t version, bool flex, lw_arena *a,
                         lw_fetch_resp_part *p) {
  p->DivergingEpoch = (lw_fetch_epoch_end){-1, -1};
  p->CurrentLeader = (lw_fetch_leader){-1, -1};
  p->SnapshotId = (lw_fetch_snapshot_id){-1, -1};
  p->PartitionIndex = lw_rd_i32(c, "PartitionIndex");
  p->ErrorCode = lw_rd_i16(c, "ErrorCode");
  p->HighWatermark = lw_rd_i64(c, "HighWatermark");
  p->LastStableOffset = lw_rd_i64(c, "LastStableOffset");
  p->LogStartOffset = version >= 5 ? lw_rd_i64(c, "LogStartOffset") : -1;
  int32_t n = lw_rd_arr(c, flex, "AbortedTransactions", 16, true); /* ProducerId, FirstOffset */
  p->AbortedTransactions = lw_rd_alloc(c, a, n, sizeof *p->AbortedTransactions);
  for (int32_t k = 0; k < n && !c->err; k++) {
    lw_rd_elem(c, k);
    p->AbortedTransactions[k].ProducerId = lw_rd_i64(c, "ProducerId");
    p->AbortedTransactions[k].FirstOffset = lw_rd_i64(c, "FirstOffset");
    lw_rd_tags_skip(c, flex);
  }
  lw_rd_array_end(c);
  p->AbortedTransactionsCount = c->err ? 0 : n;
  p->PreferredReadReplica = version >= 11 ? lw_rd_i32(c, "PreferredReadReplica") : -1;
  p->Records = lw_rd_bytes(c, flex, "Records", false);
  lw_records_trace(c, p->Records);
  if (flex)
    rd_part_tags(c, p);
}

int lw_fetch_resp_decode(lw_cur *c, int16_t version, lw_arena *a, lw_fetch_resp *r) {
  memset(r, 0, sizeof *r);
  if (lw_codec_check_version(LW_API_FETCH, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_FETCH, version);
  r->ThrottleTimeMs = lw_rd_i32(c, "ThrottleTimeMs");
  if (version >= 7) {
    r->ErrorCode = lw_rd_i16(c, "ErrorCode");
    r->SessionId = lw_rd_i32(c, "SessionId");
  }
  int32_t n = lw_rd_arr(c, flex, "Responses", topic_min(version, flex), false);
  r->Responses = lw_rd_alloc(c, a, n, sizeof *r->Responses);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_fetch_resp_topic *t = &r->Responses[i];
    lw_rd_elem(c, i);
    if (version >= 13)
      t->TopicId = lw_rd_uuid(c, "TopicId");
    else
      t->Topic = lw_rd_string(c, flex, "Topic");
    /* PartitionIndex, ErrorCode, HighWatermark, LastStableOffset at least */
    int32_t m = lw_rd_arr(c, flex, "Partitions", 22, false);
    t->Partitions = lw_rd_alloc(c, a, m, sizeof *t->Partitions);
    for (int32_t j = 0; j < m && !c->err; j++) {
      lw_rd_elem(c, j);
      rd_resp_part(c, version, flex, a, &t->Partitions[j]);
    }
    lw_rd_array_end(c);
    t->PartitionsCount = c->err ? 0 : m;
    lw_rd_tags_skip(c, flex);
  }
  lw_rd_array_end(c);
  r->ResponsesCount = c->err ? 0 : n;
  uint32_t nt = lw_rd_tag_count(c, flex);
  for (uint32_t i = 0; i < nt && !c->err; i++) {
    lw_cur t;
    uint32_t tag = lw_rd_tag(c, &t);
    if (tag == 0 && version >= 16) {
      r->NodeEndpoints = lw_node_endpoints_rd(&t, a, &r->NodeEndpointsCount);
      lw_rd_tag_end(c, &t);
    }
  }
  return lw_cur_done(c);
}
