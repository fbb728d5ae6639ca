/* list_offsets.c — ListOffsets (key 2) v1–v10 request and response. */
#include "proto/list_offsets.h"

#include <string.h>

#include "proto/codec.h"

int lw_lo_req_encode(lw_buf *b, int16_t version, const lw_lo_req *r) {
  if (lw_codec_check_version(LW_API_LIST_OFFSETS, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_LIST_OFFSETS, version);
  lw_buf_put_i32(b, r->ReplicaId); /* v0+ */
  if (version >= 2)
    lw_buf_put_u8(b, (uint8_t)r->IsolationLevel);        /* v2+ */
  lw_put_arr(b, flex, r->TopicsCount, r->Topics, false); /* Topics, v0+ */
  for (int32_t i = 0; i < r->TopicsCount && !b->err; i++) {
    const lw_lo_req_topic *t = &r->Topics[i];
    lw_put_str_nn(b, flex, t->Name);
    lw_put_arr(b, flex, t->PartitionsCount, t->Partitions, false);
    for (int32_t j = 0; j < t->PartitionsCount && !b->err; j++) {
      const lw_lo_req_part *p = &t->Partitions[j];
      lw_buf_put_i32(b, p->PartitionIndex); /* v0+ */
      if (version >= 4)
        lw_buf_put_i32(b, p->CurrentLeaderEpoch); /* v4+ */
      lw_buf_put_i64(b, p->Timestamp);            /* v0+ */
      lw_put_tags_none(b, flex);
    }
    lw_put_tags_none(b, flex);
  }
  if (version >= 10)
    lw_buf_put_i32(b, r->TimeoutMs); /* v10+ */
  lw_put_tags_none(b, flex);
  return b->err;
}

int lw_lo_req_decode(lw_cur *c, int16_t version, lw_arena *a, lw_lo_req *r) {
  memset(r, 0, sizeof *r);
  if (lw_codec_check_version(LW_API_LIST_OFFSETS, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_LIST_OFFSETS, version);
  r->ReplicaId = lw_rd_i32(c, "ReplicaId");
  if (version >= 2)
    r->IsolationLevel = lw_rd_i8(c, "IsolationLevel");
  int32_t n = lw_rd_arr(c, flex, "Topics", flex ? 3 : 6, false); /* Name, Partitions */
  r->Topics = lw_rd_alloc(c, a, n, sizeof *r->Topics);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_lo_req_topic *t = &r->Topics[i];
    lw_rd_elem(c, i);
    t->Name = lw_rd_string(c, flex, "Name");
    int32_t m = lw_rd_arr(c, flex, "Partitions", 12, false); /* PartitionIndex, Timestamp */
    t->Partitions = lw_rd_alloc(c, a, m, sizeof *t->Partitions);
    for (int32_t j = 0; j < m && !c->err; j++) {
      lw_lo_req_part *p = &t->Partitions[j];
      lw_rd_elem(c, j);
      p->PartitionIndex = lw_rd_i32(c, "PartitionIndex");
      p->CurrentLeaderEpoch = version >= 4 ? lw_rd_i32(c, "CurrentLeaderEpoch") : -1;
      p->Timestamp = lw_rd_i64(c, "Timestamp");
      lw_rd_tags_skip(c, flex);
    }
    lw_rd_array_end(c);
    t->PartitionsCount = c->err ? 0 : m;
    lw_rd_tags_skip(c, flex);
  }
  lw_rd_array_end(c);
  r->TopicsCount = c->err ? 0 : n;
  if (version >= 10)
    r->TimeoutMs = lw_rd_i32(c, "TimeoutMs");
  lw_rd_tags_skip(c, flex);
  return lw_cur_done(c);
}

int lw_lo_resp_encode(lw_buf *b, int16_t version, const lw_lo_resp *r) {
  if (lw_codec_check_version(LW_API_LIST_OFFSETS, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_LIST_OFFSETS, version);
  if (version >= 2)
    lw_buf_put_i32(b, r->ThrottleTimeMs);                /* v2+ */
  lw_put_arr(b, flex, r->TopicsCount, r->Topics, false); /* Topics, v0+ */
  for (int32_t i = 0; i < r->TopicsCount && !b->err; i++) {
    const lw_lo_resp_topic *t = &r->Topics[i];
    lw_put_str_nn(b, flex, t->Name);
    lw_put_arr(b, flex, t->PartitionsCount, t->Partitions, false);
    for (int32_t j = 0; j < t->PartitionsCount && !b->err; j++) {
      const lw_lo_resp_part *p = &t->Partitions[j];
      lw_buf_put_i32(b, p->PartitionIndex); /* v0+ */
      lw_buf_put_i16(b, p->ErrorCode);      /* v0+ */
      lw_buf_put_i64(b, p->Timestamp);      /* v1+ */
      lw_buf_put_i64(b, p->Offset);         /* v1+ */
      if (version >= 4)
        lw_buf_put_i32(b, p->LeaderEpoch); /* v4+ */
      lw_put_tags_none(b, flex);
    }
    lw_put_tags_none(b, flex);
  }
  lw_put_tags_none(b, flex);
  return b->err;
}

int lw_lo_resp_decode(lw_cur *c, int16_t version, lw_arena *a, lw_lo_resp *r) {
  memset(r, 0, sizeof *r);
  if (lw_codec_check_version(LW_API_LIST_OFFSETS, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_LIST_OFFSETS, version);
  if (version >= 2)
    r->ThrottleTimeMs = lw_rd_i32(c, "ThrottleTimeMs");
  int32_t n = lw_rd_arr(c, flex, "Topics", flex ? 3 : 6, false); /* Name, Partitions */
  r->Topics = lw_rd_alloc(c, a, n, sizeof *r->Topics);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_lo_resp_topic *t = &r->Topics[i];
    lw_rd_elem(c, i);
    t->Name = lw_rd_string(c, flex, "Name");
    /* PartitionIndex, ErrorCode, Timestamp, Offset */
    int32_t m = lw_rd_arr(c, flex, "Partitions", 22, false);
    t->Partitions = lw_rd_alloc(c, a, m, sizeof *t->Partitions);
    for (int32_t j = 0; j < m && !c->err; j++) {
      lw_lo_resp_part *p = &t->Partitions[j];
      lw_rd_elem(c, j);
      p->PartitionIndex = lw_rd_i32(c, "PartitionIndex");
      p->ErrorCode = lw_rd_i16(c, "ErrorCode");
      p->Timestamp = lw_rd_i64(c, "Timestamp");
      p->Offset = lw_rd_i64(c, "Offset");
      p->LeaderEpoch = version >= 4 ? lw_rd_i32(c, "LeaderEpoch") : -1;
      lw_rd_tags_skip(c, flex);
    }
    lw_rd_array_end(c);
    t->PartitionsCount = c->err ? 0 : m;
    lw_rd_tags_skip(c, flex);
  }
  lw_rd_array_end(c);
  r->TopicsCount = c->err ? 0 : n;
  lw_rd_tags_skip(c, flex);
  return lw_cur_done(c);
}
