/* list_offsets.h — ListOffsets (key 2) v1–v10: the offset of a partition at a timestamp, or its
 * earliest/latest offset (special Timestamp values below). v0 (several offsets per partition)
 * is not implemented. Conventions as in api_versions.h. */
#ifndef LW_LIST_OFFSETS_H
#define LW_LIST_OFFSETS_H

#include "proto/api.h"

/* Special request Timestamp values. */
#define LW_LO_LATEST         (-1) /* the next offset to be written (high watermark / LSO) */
#define LW_LO_EARLIEST       (-2) /* the log start offset */
#define LW_LO_MAX_TIMESTAMP  (-3) /* v7+: the record with the largest timestamp */
#define LW_LO_EARLIEST_LOCAL (-4) /* v8+: the local log start offset (tiered storage) */
#define LW_LO_LATEST_TIERED  (-5) /* v9+: the last offset in tiered storage */

typedef struct lw_lo_req_part {
  int32_t PartitionIndex;
  int32_t CurrentLeaderEpoch; /* v4+, default -1 */
  int64_t Timestamp;
} lw_lo_req_part;

typedef struct lw_lo_req_topic {
  lw_str Name;
  lw_lo_req_part *Partitions;
  int32_t PartitionsCount;
} lw_lo_req_topic;

typedef struct lw_lo_req {
  int32_t ReplicaId;     /* -1 for clients */
  int8_t IsolationLevel; /* v2+: 0 read_uncommitted, 1 read_committed */
  lw_lo_req_topic *Topics;
  int32_t TopicsCount;
  int32_t TimeoutMs; /* v10+ */
} lw_lo_req;

typedef struct lw_lo_resp_part {
  int32_t PartitionIndex;
  int16_t ErrorCode;
  int64_t Timestamp;   /* default -1 */
  int64_t Offset;      /* default -1 */
  int32_t LeaderEpoch; /* v4+, default -1 */
} lw_lo_resp_part;

typedef struct lw_lo_resp_topic {
  lw_str Name;
  lw_lo_resp_part *Partitions;
  int32_t PartitionsCount;
} lw_lo_resp_topic;

typedef struct lw_lo_resp {
  int32_t ThrottleTimeMs; /* v2+ */
  lw_lo_resp_topic *Topics;
  int32_t TopicsCount;
} lw_lo_resp;

int lw_lo_req_encode(lw_buf *b, int16_t version, const lw_lo_req *r);
int lw_lo_req_decode(lw_cur *c, int16_t version, lw_arena *a, lw_lo_req *r);
int lw_lo_resp_encode(lw_buf *b, int16_t version, const lw_lo_resp *r);
int lw_lo_resp_decode(lw_cur *c, int16_t version, lw_arena *a, lw_lo_resp *r);

#endif
