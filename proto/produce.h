/* produce.h — Produce (key 0) v0–v13 request and response.
 * v0–v2 carry legacy MessageSets (magic 0/1, see msgset.h); v3+ carry RecordBatches (magic 2,
 * see batch.h) and a TransactionalId; v9+ are flexible; v13 names topics by TopicId. */
#ifndef LW_PRODUCE_H
#define LW_PRODUCE_H

#include "proto/api.h"
#include "proto/metadata.h"

typedef struct lw_produce_part {
  int32_t Index;
  lw_bytes Records; /* nullable; the batch bytes, borrowed */
} lw_produce_part;

typedef struct lw_produce_topic {
  lw_str Name;     /* v0–v12 */
  lw_uuid TopicId; /* v13+ */
  lw_produce_part *PartitionData;
  int32_t PartitionDataCount;
} lw_produce_topic;

typedef struct lw_produce_req {
  lw_str TransactionalId; /* v3+, nullable */
  int16_t Acks;           /* 0, 1 or -1 (all in-sync replicas) */
  int32_t TimeoutMs;
  lw_produce_topic *TopicData;
  int32_t TopicDataCount;
} lw_produce_req;

typedef struct lw_record_error {
  int32_t BatchIndex;
  lw_str BatchIndexErrorMessage; /* nullable */
} lw_record_error;

typedef struct lw_produce_part_resp {
  int32_t Index;
  int16_t ErrorCode;
  int64_t BaseOffset;
  int64_t LogAppendTimeMs;       /* v2+, default -1 */
  int64_t LogStartOffset;        /* v5+, default -1 */
  lw_record_error *RecordErrors; /* v8+ */
  int32_t RecordErrorsCount;
  lw_str ErrorMessage;        /* v8+, nullable */
  int32_t CurrentLeaderId;    /* v10+ tagged field 0 (LeaderIdAndEpoch), default -1 */
  int32_t CurrentLeaderEpoch; /* default -1 */
} lw_produce_part_resp;

typedef struct lw_produce_topic_resp {
  lw_str Name;     /* v0–v12 */
  lw_uuid TopicId; /* v13+ */
  lw_produce_part_resp *PartitionResponses;
  int32_t PartitionResponsesCount;
} lw_produce_topic_resp;

typedef struct lw_produce_resp {
  lw_produce_topic_resp *Responses;
  int32_t ResponsesCount;
  int32_t ThrottleTimeMs;      /* v1+ */
  lw_md_broker *NodeEndpoints; /* v10+ tagged field 0 */
  int32_t NodeEndpointsCount;
} lw_produce_resp;

/* Records of at least this many bytes are spliced into the request buffer, not copied. */
#define LW_PRODUCE_SPLICE_MIN 4096

/* Append a Produce request body. Records of 4 KiB or more are spliced into `b`
 * (lw_buf_splice) instead of copied: they must stay valid until b is written out. */
int lw_produce_req_encode(lw_buf *b, int16_t version, const lw_produce_req *r);
int lw_produce_req_decode(lw_cur *c, int16_t version, lw_arena *a, lw_produce_req *r);
int lw_produce_resp_encode(lw_buf *b, int16_t version, const lw_produce_resp *r);
int lw_produce_resp_decode(lw_cur *c, int16_t version, lw_arena *a, lw_produce_resp *r);

#endif
