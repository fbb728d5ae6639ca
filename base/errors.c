/* errors.c — names, sentences and retriability for every lw_err and Kafka error code. */
#include <stddef.h>

#include "base/err.h"

typedef struct {
  int code;
  const char *name;
  bool retriable;
  const char *msg;
} err_info;

/* Local errors (see err.h). Retriable: what can succeed if simply tried again later. */
static const err_info local_errs[] = {
    {LW_ERR_NEED_MORE, "NEED_MORE", true, "more input bytes are needed"},
    {LW_ERR_TRUNCATED, "TRUNCATED", false, "input ended inside a field"},
    {LW_ERR_TOO_LARGE, "TOO_LARGE", false, "a length or count is over its ceiling"},
    {LW_ERR_MALFORMED, "MALFORMED", false, "input is not valid for its format"},
    {LW_ERR_CRC, "CRC_MISMATCH", false, "checksum does not match the data"},
    {LW_ERR_NOMEM, "NO_MEMORY", true, "memory allocation failed"},
    {LW_ERR_UNSUPPORTED, "UNSUPPORTED", false, "version, magic or codec not supported"},
    {LW_ERR_COMPRESSION, "COMPRESSION", false, "compression or decompression failed"},
    {LW_ERR_INVALID_ARG, "INVALID_ARGUMENT", false, "invalid argument"},
    {LW_ERR_IO, "IO_ERROR", true, "a system call failed"},
    {LW_ERR_TIMED_OUT, "TIMED_OUT", true, "the operation timed out"},
    {LW_ERR_CONNECT, "CONNECT_FAILED", true, "could not connect to the broker"},
    {LW_ERR_DISCONNECTED, "DISCONNECTED", true, "the broker connection was closed"},
    {LW_ERR_QUEUE_FULL, "QUEUE_FULL", true, "the producer's buffer is full; wait and retry"},
    {LW_ERR_NO_VERSION, "NO_COMMON_VERSION", false,
     "no API version is supported by both logwire and the broker"},
    {LW_ERR_RESOLVE, "RESOLVE_FAILED", true, "the host name did not resolve"},
    {LW_ERR_CONFIG, "CONFIG", false, "invalid configuration"},
    {LW_ERR_TLS, "TLS", false, "TLS handshake or I/O failed"},
    {LW_ERR_AUTH, "AUTHENTICATION", false, "SASL authentication failed"},
    {LW_ERR_NOT_FOUND, "NOT_FOUND", false, "not found"},
    {LW_ERR_CORRUPT, "CORRUPT", false, "stored data failed its checksum"},
    {LW_ERR_SHUTDOWN, "SHUTDOWN", false, "cancelled because logwire is stopping"},
    {LW_ERR_UNKNOWN_TOPIC, "UNKNOWN_TOPIC", false,
     "the topic does not exist and was not auto-created"},
    {LW_ERR_ALL_BROKERS_DOWN, "ALL_BROKERS_DOWN", true, "no broker is reachable"},
};

/* Kafka's error codes: name and retriability as Kafka's protocol defines them. */
static const err_info kafka_errs[] = {
    {-1, "UNKNOWN_SERVER_ERROR", false, "the broker hit an unexpected internal error"},
    {0, "NONE", false, "no error"},
    {1, "OFFSET_OUT_OF_RANGE", false, "the offset asked for is outside the partition's log"},
    {2, "CORRUPT_MESSAGE", true,
     "a record or batch failed its checksum or size checks, or is otherwise damaged"},
    {3, "UNKNOWN_TOPIC_OR_PARTITION", true, "this broker does not know the topic or partition"},
    {4, "INVALID_FETCH_SIZE", false, "the fetch size asked for is not valid"},
    {5, "LEADER_NOT_AVAILABLE", true,
     "the partition has no leader right now (an election is under way)"},
    {6, "NOT_LEADER_OR_FOLLOWER", true,
     "this broker is not the partition's leader (or not a replica of it)"},
    {7, "REQUEST_TIMED_OUT", true, "the broker did not finish the request in time"},
    {8, "BROKER_NOT_AVAILABLE", false, "the broker is not available"},
    {9, "REPLICA_NOT_AVAILABLE", true, "the replica for this partition is not available"},
    {10, "MESSAGE_TOO_LARGE", false, "a message is larger than the broker accepts"},
    {11, "STALE_CONTROLLER_EPOCH", false,
     "the request came from a controller that is no longer current"},
    {12, "OFFSET_METADATA_TOO_LARGE", false, "the commit metadata string is too long"},
    {13, "NETWORK_EXCEPTION", true, "the connection to the broker failed before a reply arrived"},
    {14, "COORDINATOR_LOAD_IN_PROGRESS", true, "the coordinator is still loading its state"},
    {15, "COORDINATOR_NOT_AVAILABLE", true, "no coordinator is available"},
    {16, "NOT_COORDINATOR", true, "this broker is not the coordinator asked for"},
    {17, "INVALID_TOPIC_EXCEPTION", false, "the topic name is not valid for this operation"},
    {18, "RECORD_LIST_TOO_LARGE", false, "the batch is larger than the broker's log segment size"},
    {19, "NOT_ENOUGH_REPLICAS", true, "too few in-sync replicas to accept the write"},
    {20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true,
     "the write was stored, but on fewer in-sync replicas than required"},
    {21, "INVALID_REQUIRED_ACKS", false, "the acks value of the produce request is not valid"},
    {22, "ILLEGAL_GENERATION", false, "the consumer group generation is not valid"},
    {23, "INCONSISTENT_GROUP_PROTOCOL", false,
     "the member's group protocols do not match the group's"},
    {24, "INVALID_GROUP_ID", false, "the group id is not valid"},
    {25, "UNKNOWN_MEMBER_ID", false, "the coordinator does not know this group member"},
    {26, "INVALID_SESSION_TIMEOUT", false,
     "the session timeout is outside the range the broker allows"},
    {27, "REBALANCE_IN_PROGRESS", false, "the group is rebalancing; the member must join again"},
    {28, "INVALID_COMMIT_OFFSET_SIZE", false, "the size of the committed offset data is not valid"},
    {29, "TOPIC_AUTHORIZATION_FAILED", false, "not authorized to access the topic"},
    {30, "GROUP_AUTHORIZATION_FAILED", false, "not authorized to access the group"},
    {31, "CLUSTER_AUTHORIZATION_FAILED", false, "not authorized for this cluster operation"},
    {32, "INVALID_TIMESTAMP", false, "a record timestamp is outside the accepted range"},
    {33, "UNSUPPORTED_SASL_MECHANISM", false, "the broker does not offer this SASL mechanism"},
    {34, "ILLEGAL_SASL_STATE", false, "this request is not allowed in the current SASL state"},
    {35, "UNSUPPORTED_VERSION", false, "the broker does not support this API version"},
    {36, "TOPIC_ALREADY_EXISTS", false, "a topic with this name exists already"},
    {37, "INVALID_PARTITIONS", false, "the partition count is not valid"},
    {38, "INVALID_REPLICATION_FACTOR", false,
     "the replication factor is not valid for this cluster"},
    {39, "INVALID_REPLICA_ASSIGNMENT", false, "the replica assignment is not valid"},
    {40, "INVALID_CONFIG", false, "the configuration is not valid"},
    {41, "NOT_CONTROLLER", true, "this broker is not the cluster's controller"},
    {42, "INVALID_REQUEST", false, "the broker could not make sense of the request"},
    {43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", false,
     "the broker's message format does not allow this request"},
    {44, "POLICY_VIOLATION", false, "the request breaks a policy configured on the broker"},
    {45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false, "the broker got a sequence number out of order"},
    {46, "DUPLICATE_SEQUENCE_NUMBER", false,
     "the broker got a sequence number it has already seen"},
    {47, "INVALID_PRODUCER_EPOCH", false, "the producer epoch is older than the broker's"},
    {48, "INVALID_TXN_STATE", false,
     "the transactional operation is not valid in the producer's state"},
    {49, "INVALID_PRODUCER_ID_MAPPING", false,
     "the producer id is not the one assigned to this transactional id"},
    {50, "INVALID_TRANSACTION_TIMEOUT", false,
     "the transaction timeout is longer than the broker allows"},
    {51, "CONCURRENT_TRANSACTIONS", true,
     "another operation on the same transaction is still in progress"},
    {52, "TRANSACTION_COORDINATOR_FENCED", false,
     "the transaction coordinator sending markers is no longer current"},
    {53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false,
     "not authorized to use this transactional id"},
    {54, "SECURITY_DISABLED", false, "security features are turned off on the broker"},
    {55, "OPERATION_NOT_ATTEMPTED", false,
     "the broker skipped this operation because others in the batch failed"},
    {56, "KAFKA_STORAGE_ERROR", true, "the broker had a disk error on the log"},
    {57, "LOG_DIR_NOT_FOUND", false, "the log directory is not in the broker's configuration"},
    {58, "SASL_AUTHENTICATION_FAILED", false, "SASL authentication was rejected"},
    {59, "UNKNOWN_PRODUCER_ID", false, "the broker has no state for this producer id"},
    {60, "REASSIGNMENT_IN_PROGRESS", false, "a partition reassignment is in progress"},
    {61, "DELEGATION_TOKEN_AUTH_DISABLED", false, "delegation tokens are not enabled"},
    {62, "DELEGATION_TOKEN_NOT_FOUND", false, "the delegation token does not exist"},
    {63, "DELEGATION_TOKEN_OWNER_MISMATCH", false,
     "the principal is not the token's owner or renewer"},
    {64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", false,
     "delegation token requests are not allowed on this channel"},
    {65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", false,
     "not authorized for this delegation token operation"},
    {66, "DELEGATION_TOKEN_EXPIRED", false, "the delegation token has expired"},
    {67, "INVALID_PRINCIPAL_TYPE", false, "the principal type is not supported"},
    {68, "NON_EMPTY_GROUP", false, "the group still has members"},
    {69, "GROUP_ID_NOT_FOUND", false, "the group does not exist"},
    {70, "FETCH_SESSION_ID_NOT_FOUND", true, "the broker has no fetch session with this id"},
    {71, "INVALID_FETCH_SESSION_EPOCH", true,
     "the fetch session epoch does not match the broker's"},
    {72, "LISTENER_NOT_FOUND", true,
     "the leader has no listener matching the one used for metadata"},
    {73, "TOPIC_DELETION_DISABLED", false, "topic deletion is turned off"},
    {74, "FENCED_LEADER_EPOCH", true, "the leader epoch in the request is older than the broker's"},
    {75, "UNKNOWN_LEADER_EPOCH", true,
     "the leader epoch in the request is newer than the broker's"},
    {76, "UNSUPPORTED_COMPRESSION_TYPE", false,
     "the client does not support the partition's compression type"},
    {77, "STALE_BROKER_EPOCH", false, "the broker epoch is stale"},
    {78, "OFFSET_NOT_AVAILABLE", true,
     "offsets are not yet available after a recent leader change"},
    {79, "MEMBER_ID_REQUIRED", false, "the member must obtain a member id before joining"},
    {80, "PREFERRED_LEADER_NOT_AVAILABLE", true, "the preferred leader is not available"},
    {81, "GROUP_MAX_SIZE_REACHED", false, "the group is at its maximum size"},
    {82, "FENCED_INSTANCE_ID", false, "another member registered with the same static instance id"},
    {83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", true,
     "no eligible leader is available for the partition"},
    {84, "ELECTION_NOT_NEEDED", true, "no leader election is needed for the partition"},
    {85, "NO_REASSIGNMENT_IN_PROGRESS", false, "no partition reassignment is in progress"},
    {86, "GROUP_SUBSCRIBED_TO_TOPIC", false,
     "cannot delete offsets of a topic the group is subscribed to"},
    {87, "INVALID_RECORD", false, "the broker rejected a record that failed validation"},
    {88, "UNSTABLE_OFFSET_COMMIT", true, "unstable offsets must be resolved first"},
    {89, "THROTTLING_QUOTA_EXCEEDED", true, "the throttling quota was exceeded"},
    {90, "PRODUCER_FENCED", false,
     "a newer producer with the same transactional id has fenced this one"},
    {91, "RESOURCE_NOT_FOUND", false, "the request names a resource that does not exist"},
    {92, "DUPLICATE_RESOURCE", false, "the request names the same resource twice"},
    {93, "UNACCEPTABLE_CREDENTIAL", false, "the credential does not meet the acceptance criteria"},
    {94, "INCONSISTENT_VOTER_SET", false,
     "the sender or receiver is not in the expected voter set"},
    {95, "INVALID_UPDATE_VERSION", false, "the update version is not valid"},
    {96, "FEATURE_UPDATE_FAILED", false, "the finalized features could not be updated"},
    {97, "PRINCIPAL_DESERIALIZATION_FAILURE", false,
     "the broker could not decode the forwarded principal"},
    {98, "SNAPSHOT_NOT_FOUND", false, "the snapshot does not exist"},
    {99, "POSITION_OUT_OF_RANGE", false, "the snapshot position is out of range"},
    {100, "UNKNOWN_TOPIC_ID", true, "this broker does not know the topic id"},
    {101, "DUPLICATE_BROKER_REGISTRATION", false, "the broker id is already registered"},
    {102, "BROKER_ID_NOT_REGISTERED", false, "the broker id is not registered"},
    {103, "INCONSISTENT_TOPIC_ID", true, "the topic id does not match the log's topic id"},
    {104, "INCONSISTENT_CLUSTER_ID", false, "the cluster id does not match this cluster"},
    {105, "TRANSACTIONAL_ID_NOT_FOUND", false, "the transactional id does not exist"},
    {106, "FETCH_SESSION_TOPIC_ID_ERROR", true, "the fetch session mixes topic ids inconsistently"},
    {107, "INELIGIBLE_REPLICA", false, "the new in-sync replica set has an ineligible replica"},
    {108, "NEW_LEADER_ELECTED", false, "the partition was updated, but a new leader was elected"},
    {109, "OFFSET_MOVED_TO_TIERED_STORAGE", false, "the offset has moved to tiered storage"},
    {110, "FENCED_MEMBER_EPOCH", false, "the member epoch was fenced; the member must rejoin"},
    {111, "UNRELEASED_INSTANCE_ID", false, "another member still uses this instance id"},
    {112, "UNSUPPORTED_ASSIGNOR", false, "the group does not support this assignor or version"},
    {113, "STALE_MEMBER_EPOCH", false, "the member epoch is stale; retry with the current one"},
    {114, "MISMATCHED_ENDPOINT_TYPE", false, "the request reached an endpoint of the wrong type"},
    {115, "UNSUPPORTED_ENDPOINT_TYPE", false, "this endpoint type is not supported"},
    {116, "UNKNOWN_CONTROLLER_ID", false, "the controller id is not known"},
    {117, "UNKNOWN_SUBSCRIPTION_ID", false, "the telemetry subscription id is unknown or outdated"},
    {118, "TELEMETRY_TOO_LARGE", false, "the telemetry payload is larger than the broker accepts"},
    {119, "INVALID_REGISTRATION", false, "the controller judged the broker registration invalid"},
    {120, "TRANSACTION_ABORTABLE", false,
     "the transaction hit an error and can be aborted to continue"},
    {121, "INVALID_RECORD_STATE", false, "the record state is not valid for this acknowledgement"},
    {122, "SHARE_SESSION_NOT_FOUND", true, "the broker has no share session with this id"},
    {123, "INVALID_SHARE_SESSION_EPOCH", true,
     "the share session epoch does not match the broker's"},
    {124, "FENCED_STATE_EPOCH", false, "the state epoch does not match the coordinator's"},
    {125, "INVALID_VOTER_KEY", false, "the voter key does not match this replica"},
    {126, "DUPLICATE_VOTER", false, "the voter is already in the voter set"},
    {127, "VOTER_NOT_FOUND", false, "the voter is not in the voter set"},
    {128, "INVALID_REGULAR_EXPRESSION", false, "the regular expression is not valid"},
    {129, "REBOOTSTRAP_REQUIRED", false, "the client's metadata is stale; it must bootstrap again"},
    {130, "STREAMS_INVALID_TOPOLOGY", false, "the streams topology is not valid"},
    {131, "STREAMS_INVALID_TOPOLOGY_EPOCH", false, "the streams topology epoch is not valid"},
    {132, "STREAMS_TOPOLOGY_FENCED", false, "the streams topology epoch is outdated"},
    {133, "SHARE_SESSION_LIMIT_REACHED", true, "the share session limit has been reached"},
    {134, "GROUP_DELETION_FAILED", false, "some groups could not be deleted"},
    {135, "STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED", false,
     "the streams topology description could not be updated"},
    {136, "CONTROLLER_ID_NOT_REGISTERED", false, "the controller id is not registered"},
};

static const err_info *find(int code) {
  const err_info *t = code <= -100 ? local_errs : kafka_errs;
  size_t n = code <= -100 ? sizeof local_errs / sizeof *local_errs
                          : sizeof kafka_errs / sizeof *kafka_errs;
  for (size_t i = 0; i < n; i++)
    if (t[i].code == code)
      return &t[i];
  return NULL;
}

const char *lw_err_name(int err) {
  if (err == 0)
    return "OK";
  const err_info *e = find(err);
  return e ? e->name : "UNKNOWN";
}

const char *lw_err_str(int err) {
  if (err == 0)
    return "success";
  const err_info *e = find(err);
  if (!e)
    return "unknown error code";
  return e->msg ? e->msg : e->name;
}

bool lw_err_retriable(int err) {
  const err_info *e = find(err);
  return e && e->retriable;
}
