/* produce.c — Produce (key 0) v0–v13 request and response. Records are opaque bytes here
 * (batch.h / msgset.h build and parse them); large ones are spliced, not copied. */
#include "proto/produce.h"

#include "proto/batch.h"

#include <string.h>

#include "proto/codec.h"

/* Records: nullable bytes; spliced when large so the batch is written straight from where the
 * producer built it. */
static void put_records(lw_buf *b, bool flex, lw_bytes v) {
  if (v.len > 0 && !v.p) {
    if (!b->err)
      b->err = LW_ERR_INVALID_ARG;
    return;
  }
  if (v.len < LW_PRODUCE_SPLICE_MIN) {
    lw_put_bytes(b, flex, v);
    return;
  }
  if (flex)
    lw_buf_put_uvarint(b, (uint32_t)v.len + 1);
  else
    lw_buf_put_i32(b, v.len);
  if (!b->err)
    lw_buf_splice(b, v.p, (size_t)v.len);
}

int lw_produce_req_encode(lw_buf *b, int16_t version, const lw_produce_req *r) {
  if (lw_codec_check_version(LW_API_PRODUCE, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_PRODUCE, version);
  if (version >= 3)
    lw_put_str(b, flex, r->TransactionalId);                   /* v3+, nullable */
  lw_buf_put_i16(b, r->Acks);                                  /* v0+ */
  lw_buf_put_i32(b, r->TimeoutMs);                             /* v0+ */
  lw_put_arr(b, flex, r->TopicDataCount, r->TopicData, false); /* TopicData, v0+ */
  for (int32_t i = 0; i < r->TopicDataCount && !b->err; i++) {
    const lw_produce_topic *t = &r->TopicData[i];
    if (version >= 13)
      lw_put_uuid(b, &t->TopicId); /* TopicId, v13+ */
    else
      lw_put_str_nn(b, flex, t->Name); /* Name, v0–v12 */
    lw_put_arr(b, flex, t->PartitionDataCount, t->PartitionData, false);
    for (int32_t j = 0; j < t->PartitionDataCount && !b->err; j++) {
      lw_buf_put_i32(b, t->PartitionData[j].Index);      /* v0+ */
      put_records(b, flex, t->PartitionData[j].Records); /* v0+, nullable */
      lw_put_tags_none(b, flex);
    }
    lw_put_tags_none(b, flex);
  }
  lw_put_tags_none(b, flex);
  return b->err;
}

int lw_produce_req_decode(lw_cur *c, int16_t version, lw_arena *a, lw_produce_req *r) {
  memset(r, 0, sizeof *r);
  r->TransactionalId = LW_STR_NULL;
  if (lw_codec_check_version(LW_API_PRODUCE, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_PRODUCE, version);
  if (version >= 3)
    r->TransactionalId = lw_rd_nstring(c, flex, "TransactionalId");
  r->Acks = lw_rd_i16(c, "Acks");
  r->TimeoutMs = lw_rd_i32(c, "TimeoutMs");
  /* Name or TopicId, PartitionData (+ tags) */
  int32_t n = lw_rd_arr(c, flex, "TopicData", version >= 13 ? 18 : flex ? 3 : 6, false);
  r->TopicData = lw_rd_alloc(c, a, n, sizeof *r->TopicData);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_produce_topic *t = &r->TopicData[i];
    lw_rd_elem(c, i);
    if (version >= 13)
      t->TopicId = lw_rd_uuid(c, "TopicId");
    else
      t->Name = lw_rd_string(c, flex, "Name");
    /* Index, Records (+ tags) */
    int32_t m = lw_rd_arr(c, flex, "PartitionData", flex ? 6 : 8, false);
    t->PartitionData = lw_rd_alloc(c, a, m, sizeof *t->PartitionData);
    for (int32_t j = 0; j < m && !c->err; j++) {
      lw_rd_elem(c, j);
      t->PartitionData[j].Index = lw_rd_i32(c, "Index");
      t->PartitionData[j].Records = lw_rd_bytes(c, flex, "Records", false);
      lw_records_trace(c, t->PartitionData[j].Records);
      lw_rd_tags_skip(c, flex);
    }
    lw_rd_array_end(c);
    t->PartitionDataCount = c->err ? 0 : m;
    lw_rd_tags_skip(c, flex);
  }
  lw_rd_array_end(c);
  r->TopicDataCount = c->err ? 0 : n;
  lw_rd_tags_skip(c, flex);
  return lw_cur_done(c);
}

static void put_part_resp(lw_buf *b, int16_t version, bool flex, const lw_produce_part_resp *p) {
  lw_buf_put_i32(b, p->Index);      /* v0+ */
  lw_buf_put_i16(b, p->ErrorCode);  /* v0+ */
  lw_buf_put_i64(b, p->BaseOffset); /* v0+ */
  if (version >= 2)
    lw_buf_put_i64(b, p->LogAppendTimeMs); /* v2+ */
  if (version >= 5)
    lw_buf_put_i64(b, p->LogStartOffset); /* v5+ */
  if (version >= 8) {
    lw_put_arr(b, flex, p->RecordErrorsCount, p->RecordErrors, false); /* RecordErrors, v8+ */
    for (int32_t k = 0; k < p->RecordErrorsCount && !b->err; k++) {
      lw_buf_put_i32(b, p->RecordErrors[k].BatchIndex);
      lw_put_str(b, flex, p->RecordErrors[k].BatchIndexErrorMessage); /* nullable */
      lw_put_tags_none(b, flex);
    }
    lw_put_str(b, flex, p->ErrorMessage); /* v8+, nullable */
  }
  if (!flex)
    return;
  /* CurrentLeader, v10+ tag 0: written when not the default (-1, -1). */
  bool leader = version >= 10 && (p->CurrentLeaderId != -1 || p->CurrentLeaderEpoch != -1);
  lw_buf_put_uvarint(b, leader ? 1 : 0);
  if (leader) {
    size_t s = lw_tag_begin(b, 0);
    lw_buf_put_i32(b, p->CurrentLeaderId);
    lw_buf_put_i32(b, p->CurrentLeaderEpoch);
    lw_put_tags_none(b, true);
    lw_tag_end(b, s);
  }
}

int lw_produce_resp_encode(lw_buf *b, int16_t version, const lw_produce_resp *r) {
  if (lw_codec_check_version(LW_API_PRODUCE, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_PRODUCE, version);
  lw_put_arr(b, flex, r->ResponsesCount, r->Responses, false); /* Responses, v0+ */
  for (int32_t i = 0; i < r->ResponsesCount && !b->err; i++) {
    const lw_produce_topic_resp *t = &r->Responses[i];
    if (version >= 13)
      lw_put_uuid(b, &t->TopicId); /* TopicId, v13+ */
    else
      lw_put_str_nn(b, flex, t->Name); /* Name, v0–v12 */
    lw_put_arr(b, flex, t->PartitionResponsesCount, t->PartitionResponses, false);
    for (int32_t j = 0; j < t->PartitionResponsesCount && !b->err; j++)
      put_part_resp(b, version, flex, &t->PartitionResponses[j]);
    lw_put_tags_none(b, flex);
  }
  if (version >= 1)
    lw_buf_put_i32(b, r->ThrottleTimeMs); /* v1+ */
  if (flex) {
    /* NodeEndpoints, v10+ tag 0: written when not empty. */
    bool nodes = version >= 10 && r->NodeEndpointsCount > 0;
    lw_buf_put_uvarint(b, nodes ? 1 : 0);
    if (nodes) {
      size_t s = lw_tag_begin(b, 0);
      lw_node_endpoints_put(b, r->NodeEndpoints, r->NodeEndpointsCount);
      lw_tag_end(b, s);
    }
  }
  return b->err;
}

static void rd_part_resp(lw_cur *c, int16_t version, bool flex, lw_arena *a,
                         lw_produce_part_resp *p) {
  p->Index = lw_rd_i32(c, "Index");
  p->ErrorCode = lw_rd_i16(c, "ErrorCode");
  p->BaseOffset = lw_rd_i64(c, "BaseOffset");
  p->LogAppendTimeMs = version >= 2 ? lw_rd_i64(c, "LogAppendTimeMs") : -1;
  p->LogStartOffset = version >= 5 ? lw_rd_i64(c, "LogStartOffset") : -1;
  p->ErrorMessage = LW_STR_NULL;
  p->CurrentLeaderId = -1;
  p->CurrentLeaderEpoch = -1;
  if (version >= 8) {
    /* BatchIndex, BatchIndexErrorMessage (+ tags) */
    int32_t n = lw_rd_arr(c, flex, "RecordErrors", 6, false);
    p->RecordErrors = lw_rd_alloc(c, a, n, sizeof *p->RecordErrors);
    for (int32_t k = 0; k < n && !c->err; k++) {
      lw_rd_elem(c, k);
      p->RecordErrors[k].BatchIndex = lw_rd_i32(c, "BatchIndex");
      p->RecordErrors[k].BatchIndexErrorMessage = lw_rd_nstring(c, flex, "BatchIndexErrorMessage");
      lw_rd_tags_skip(c, flex);
    }
    lw_rd_array_end(c);
    p->RecordErrorsCount = c->err ? 0 : n;
    p->ErrorMessage = lw_rd_nstring(c, flex, "ErrorMessage");
  }
  uint32_t nt = lw_rd_tag_count(c, flex);
  for (uint32_t i = 0; i < nt && !c->err; i++) {
    lw_cur t;
    uint32_t tag = lw_rd_tag(c, &t);
    if (tag == 0 && version >= 10) {
      lw_rd_group(&t, "CurrentLeader");
      p->CurrentLeaderId = lw_rd_i32(&t, "LeaderId");
      p->CurrentLeaderEpoch = lw_rd_i32(&t, "LeaderEpoch");
      lw_rd_tags_skip(&t, true);
      lw_rd_group_end(&t);
      lw_rd_tag_end(c, &t);
    }
  }
}

int lw_produce_resp_decode(lw_cur *c, int16_t version, lw_arena *a, lw_produce_resp *r) {
  memset(r, 0, sizeof *r);
  if (lw_codec_check_version(LW_API_PRODUCE, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_PRODUCE, version);
  /* Name or TopicId, PartitionResponses (+ tags) */
  int32_t n = lw_rd_arr(c, flex, "Responses", version >= 13 ? 18 : flex ? 3 : 6, false);
  r->Responses = lw_rd_alloc(c, a, n, sizeof *r->Responses);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_produce_topic_resp *t = &r->Responses[i];
    lw_rd_elem(c, i);
    if (version >= 13)
      t->TopicId = lw_rd_uuid(c, "TopicId");
    else
      t->Name = lw_rd_string(c, flex, "Name");
    /* Index, ErrorCode, BaseOffset at least */
    int32_t m = lw_rd_arr(c, flex, "PartitionResponses", 14, false);
    t->PartitionResponses = lw_rd_alloc(c, a, m, sizeof *t->PartitionResponses);
    for (int32_t j = 0; j < m && !c->err; j++) {
      lw_rd_elem(c, j);
      rd_part_resp(c, version, flex, a, &t->PartitionResponses[j]);
    }
    lw_rd_array_end(c);
    t->PartitionResponsesCount = c->err ? 0 : m;
    lw_rd_tags_skip(c, flex);
  }
  lw_rd_array_end(c);
  r->ResponsesCount = c->err ? 0 : n;
  if (version >= 1)
    r->ThrottleTimeMs = lw_rd_i32(c, "ThrottleTimeMs");
  uint32_t nt = lw_rd_tag_count(c, flex);
  for (uint32_t i = 0; i < nt && !c->err; i++) {
    lw_cur t;
    uint32_t tag = lw_rd_tag(c, &t);
    if (tag == 0 && version >= 10) {
      r->NodeEndpoints = lw_node_endpoints_rd(&t, a, &r->NodeEndpointsCount);
      lw_rd_tag_end(c, &t);
    }
  }
  return lw_cur_done(c);
}
