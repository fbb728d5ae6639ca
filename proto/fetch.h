/* fetch.h — Fetch (key 1) v4–v18 request and response: what a consumer (and the tests' kcat
 * stand-ins) reads with. Records stay opaque bytes (see batch.h). v13+ names topics by TopicId.
 * Conventions as in api_versions.h. */
#ifndef LW_FETCH_H
#define LW_FETCH_H

#include "proto/api.h"
#include "proto/metadata.h"

typedef struct lw_fetch_req_part {
  int32_t Partition;
  int32_t CurrentLeaderEpoch; /* v9+, default -1 */
  int64_t FetchOffset;
  int32_t LastFetchedEpoch; /* v12+, default -1 */
  int64_t LogStartOffset;   /* v5+, default -1 (followers only) */
  int32_t PartitionMaxBytes;
  lw_uuid ReplicaDirectoryId; /* v17+ tagged field 0, default all zero */
  int64_t HighWatermark;      /* v18+ tagged field 1, default INT64_MAX */
} lw_fetch_req_part;

typedef struct lw_fetch_req_topic {
  lw_str Topic;    /* v4–v12 */
  lw_uuid TopicId; /* v13+ */
  lw_fetch_req_part *Partitions;
  int32_t PartitionsCount;
} lw_fetch_req_topic;

typedef struct lw_fetch_forgotten {
  lw_str Topic;    /* v7–v12 */
  lw_uuid TopicId; /* v13+ */
  int32_t *Partitions;
  int32_t PartitionsCount;
} lw_fetch_forgotten;

typedef struct lw_fetch_replica_state {
  int32_t ReplicaId;    /* default -1 */
  int64_t ReplicaEpoch; /* default -1 */
} lw_fetch_replica_state;

typedef struct lw_fetch_req {
  lw_str ClusterId;                    /* v12+ tagged field 0, nullable, default null */
  int32_t ReplicaId;                   /* v4–v14, default -1 (consumers) */
  lw_fetch_replica_state ReplicaState; /* v15+ tagged field 1 */
  int32_t MaxWaitMs;
  int32_t MinBytes;
  int32_t MaxBytes;      /* v3+, default INT32_MAX */
  int8_t IsolationLevel; /* v4+: 0 read_uncommitted, 1 read_committed */
  int32_t SessionId;     /* v7+, default 0 */
  int32_t SessionEpoch;  /* v7+, default -1 (no session) */
  lw_fetch_req_topic *Topics;
  int32_t TopicsCount;
  lw_fetch_forgotten *ForgottenTopicsData; /* v7+ */
  int32_t ForgottenTopicsDataCount;
  lw_str RackId; /* v11+, default "" */
} lw_fetch_req;

typedef struct lw_fetch_aborted {
  int64_t ProducerId;
  int64_t FirstOffset;
} lw_fetch_aborted;

typedef struct lw_fetch_epoch_end {
  int32_t Epoch;     /* default -1 */
  int64_t EndOffset; /* default -1 */
} lw_fetch_epoch_end;

typedef struct lw_fetch_leader {
  int32_t LeaderId;    /* default -1 */
  int32_t LeaderEpoch; /* default -1 */
} lw_fetch_leader;

typedef struct lw_fetch_snapshot_id {
  int64_t EndOffset; /* default -1 */
  int32_t Epoch;     /* default -1 */
} lw_fetch_snapshot_id;

typedef struct lw_fetch_resp_part {
  int32_t PartitionIndex;
  int16_t ErrorCode;
  int64_t HighWatermark;
  int64_t LastStableOffset;              /* v4+, default -1 */
  int64_t LogStartOffset;                /* v5+, default -1 */
  lw_fetch_epoch_end DivergingEpoch;     /* v12+ tagged field 0 */
  lw_fetch_leader CurrentLeader;         /* v12+ tagged field 1 */
  lw_fetch_snapshot_id SnapshotId;       /* v12+ tagged field 2 */
  lw_fetch_aborted *AbortedTransactions; /* v4+, nullable (count -1) */
  int32_t AbortedTransactionsCount;
  int32_t PreferredReadReplica; /* v11+, default -1 */
  lw_bytes Records;             /* nullable; borrowed */
} lw_fetch_resp_part;

typedef struct lw_fetch_resp_topic {
  lw_str Topic;    /* v4–v12 */
  lw_uuid TopicId; /* v13+ */
  lw_fetch_resp_part *Partitions;
  int32_t PartitionsCount;
} lw_fetch_resp_topic;

typedef struct lw_fetch_resp {
  int32_t ThrottleTimeMs; /* v1+ */
  int16_t ErrorCode;      /* v7+ */
  int32_t SessionId;      /* v7+ */
  lw_fetch_resp_topic *Responses;
  int32_t ResponsesCount;
  lw_md_broker *NodeEndpoints; /* v16+ tagged field 0 */
  int32_t NodeEndpointsCount;
} lw_fetch_resp;

int lw_fetch_req_encode(lw_buf *b, int16_t version, const lw_fetch_req *r);
int lw_fetch_req_decode(lw_cur *c, int16_t version, lw_arena *a, lw_fetch_req *r);
/* Records are copied into `b` (a fake broker's responses are small). */
int lw_fetch_resp_encode(lw_buf *b, int16_t version, const lw_fetch_resp *r);
int lw_fetch_resp_decode(lw_cur *c, int16_t version, lw_arena *a, lw_fetch_resp *r);

#endif
