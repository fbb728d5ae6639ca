/* metadata.h — Metadata (key 3) v0–v13: brokers, controller, topics, partitions and leaders. */
#ifndef LW_METADATA_H
#define LW_METADATA_H

#include "proto/api.h"

typedef struct lw_md_req_topic {
  lw_uuid TopicId; /* v10+ */
  lw_str Name;     /* nullable in v10+ (when asking by id) */
} lw_md_req_topic;

typedef struct lw_md_req {
  /* TopicsCount -1 (null, v1+) asks for every topic; in v0 an empty array does. */
  lw_md_req_topic *Topics;
  int32_t TopicsCount;
  bool AllowAutoTopicCreation;             /* v4+; earlier versions always auto-create */
  bool IncludeClusterAuthorizedOperations; /* v8–v10 */
  bool IncludeTopicAuthorizedOperations;   /* v8+ */
} lw_md_req;

typedef struct lw_md_broker {
  int32_t NodeId;
  lw_str Host;
  int32_t Port;
  lw_str Rack; /* v1+, nullable */
} lw_md_broker;

typedef struct lw_md_partition {
  int16_t ErrorCode;
  int32_t PartitionIndex;
  int32_t LeaderId;
  int32_t LeaderEpoch; /* v7+, default -1 */
  int32_t *ReplicaNodes;
  int32_t ReplicaNodesCount;
  int32_t *IsrNodes;
  int32_t IsrNodesCount;
  int32_t *OfflineReplicas; /* v5+ */
  int32_t OfflineReplicasCount;
} lw_md_partition;

typedef struct lw_md_topic {
  int16_t ErrorCode;
  lw_str Name;     /* nullable in v12+ */
  lw_uuid TopicId; /* v10+ */
  bool IsInternal; /* v1+ */
  lw_md_partition *Partitions;
  int32_t PartitionsCount;
  int32_t TopicAuthorizedOperations; /* v8+, default INT32_MIN */
} lw_md_topic;

typedef struct lw_md_resp {
  int32_t ThrottleTimeMs; /* v3+ */
  lw_md_broker *Brokers;
  int32_t BrokersCount;
  lw_str ClusterId;     /* v2+, nullable */
  int32_t ControllerId; /* v1+, default -1 */
  lw_md_topic *Topics;
  int32_t TopicsCount;
  int32_t ClusterAuthorizedOperations; /* v8–v10, default INT32_MIN */
  int16_t ErrorCode;                   /* v13+ (top-level) */
} lw_md_resp;

int lw_md_req_encode(lw_buf *b, int16_t version, const lw_md_req *r);
int lw_md_req_decode(lw_cur *c, int16_t version, lw_arena *a, lw_md_req *r);
int lw_md_resp_encode(lw_buf *b, int16_t version, const lw_md_resp *r);
int lw_md_resp_decode(lw_cur *c, int16_t version, lw_arena *a, lw_md_resp *r);

#endif
