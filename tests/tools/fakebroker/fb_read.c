/* fb_read.c — the broker model's read side (test-only): Fetch, waiting up to MaxWaitMs for
 * data as brokers do (so that idle consumers do not spin) and returning whole stored batches up
 * to the size limits (the first one even when larger, KIP-74), and ListOffsets. Any broker
 * answers: reading is not what the model checks. */
#include "proto/fetch.h"
#include "proto/list_offsets.h"
#include "tests/tools/fakebroker/fb.h"

int fb_h_fetch(fb *f, fb_conn *cn, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  lw_fetch_req q;
  if (lw_fetch_req_decode(c, v, &f->arena, &q) != LW_OK)
    return LW_ERR_MALFORMED;
  lw_fetch_resp r = {.ResponsesCount = q.TopicsCount};
  bool ok = true;
  r.Responses = fb_arr(f, q.TopicsCount, sizeof *r.Responses, &ok);
  size_t budget = q.MaxBytes > 0 ? (size_t)q.MaxBytes : INT32_MAX, total = 0;
  bool errors = false;
  for (int32_t i = 0; ok && i < q.TopicsCount; i++) {
    const lw_fetch_req_topic *qt = &q.Topics[i];
    lw_fetch_resp_topic *rt = &r.Responses[i];
    fb_topic *t = v >= 13 ? fb_topic_find_id(&f->g, &qt->TopicId)
                          : fb_topic_find(&f->g, qt->Topic.p, (size_t)qt->Topic.len);
    rt->Topic = qt->Topic;
    rt->TopicId = qt->TopicId;
    rt->PartitionsCount = qt->PartitionsCount;
    rt->Partitions = fb_arr(f, qt->PartitionsCount, sizeof *rt->Partitions, &ok);
    for (int32_t j = 0; ok && j < qt->PartitionsCount; j++) {
      const lw_fetch_req_part *qp = &qt->Partitions[j];
      lw_fetch_resp_part *rp = &rt->Partitions[j];
      fb_part *pp = fb_part_get(t, qp->Partition);
      *rp = (lw_fetch_resp_part){.PartitionIndex = qp->Partition,
                                 .HighWatermark = -1,
                                 .LastStableOffset = -1,
                                 .LogStartOffset = -1,
                                 .DivergingEpoch = {-1, -1},
                                 .CurrentLeader = {-1, -1},
                                 .SnapshotId = {-1, -1},
                                 .AbortedTransactionsCount = -1,
                                 .PreferredReadReplica = -1};
      rp->ErrorCode = inj   ? inj
                      : !pp ? LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION
                      : qp->FetchOffset < 0 || qp->FetchOffset > pp->next
                          ? LW_KAFKA_OFFSET_OUT_OF_RANGE
                          : 0;
      errors |= rp->ErrorCode != 0;
      if (rp->ErrorCode)
        continue;
      rp->HighWatermark = rp->LastStableOffset = pp->next;
      rp->LogStartOffset = 0;
      size_t k = fb_first_entry(pp, qp->FetchOffset), from = k < pp->nents ? pp->ents[k].pos : 0;
      size_t to = from, limit = qp->PartitionMaxBytes > 0 ? (size_t)qp->PartitionMaxBytes : 0;
      if (limit > (total < budget ? budget - total : 0))
        limit = total < budget ? budget - total : 0;
      /* Whole entries up to the limits; the first entry of the response even when larger
       * (KIP-74), so that a consumer always progresses. */
      for (; k < pp->nents; k++) {
        if (to - from + pp->ents[k].len > limit && (to > from || total > 0))
          break;
        to += pp->ents[k].len;
      }
      rp->Records = (lw_bytes){pp->log.data + from, (int32_t)(to - from)};
      total += to - from;
    }
  }
  if (!ok)
    return LW_ERR_NOMEM;
  if (total == 0 && !errors && q.MaxWaitMs > 0) {
    if (!cn->parked)
      cn->park_until = lw_now_us() + (uint64_t)q.MaxWaitMs * 1000u;
    if (lw_now_us() < cn->park_until)
      return PARK;
  }
  return lw_fetch_resp_encode(out, v, &r);
}

int fb_h_list_offsets(fb *f, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  lw_lo_req q;
  if (lw_lo_req_decode(c, v, &f->arena, &q) != LW_OK)
    return LW_ERR_MALFORMED;
  lw_lo_resp r = {.TopicsCount = q.TopicsCount};
  bool ok = true;
  r.Topics = fb_arr(f, q.TopicsCount, sizeof *r.Topics, &ok);
  for (int32_t i = 0; ok && i < q.TopicsCount; i++) {
    fb_topic *t = fb_topic_find(&f->g, q.Topics[i].Name.p, (size_t)q.Topics[i].Name.len);
    lw_lo_resp_topic *rt = &r.Topics[i];
    rt->Name = q.Topics[i].Name;
    rt->PartitionsCount = q.Topics[i].PartitionsCount;
    rt->Partitions = fb_arr(f, rt->PartitionsCount, sizeof *rt->Partitions, &ok);
    for (int32_t j = 0; ok && j < rt->PartitionsCount; j++) {
      const lw_lo_req_part *qp = &q.Topics[i].Partitions[j];
      lw_lo_resp_part *rp = &rt->Partitions[j];
      fb_part *pp = fb_part_get(t, qp->PartitionIndex);
      *rp = (lw_lo_resp_part){
          .PartitionIndex = qp->PartitionIndex, .Timestamp = -1, .Offset = -1, .LeaderEpoch = 0};
      rp->ErrorCode = inj ? inj : pp ? 0 : LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
      if (rp->ErrorCode)
        continue;
      if (qp->Timestamp == LW_LO_EARLIEST)
        rp->Offset = 0;
      else if (qp->Timestamp == LW_LO_LATEST)
        rp->Offset = pp->next;
      for (size_t k = 0; qp->Timestamp >= 0 && k < pp->nents && rp->Offset < 0; k++)
        if (pp->ents[k].max_ts >= qp->Timestamp)
          rp->Offset = pp->ents[k].base, rp->Timestamp = pp->ents[k].max_ts;
    }
  }
  return ok ? lw_lo_resp_encode(out, v, &r) : LW_ERR_NOMEM;
}
