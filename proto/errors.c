/* errors.c — names, sentences and retriability for every lw_err and Kafka error code. */
#include <stddef.h>

#include "proto/err.h"

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
    {-1, "UNKNOWN_SERVER_ERROR", false, NULL},
    {0, "NONE", false, NULL},
    {1, "OFFSET_OUT_OF_RANGE", false, NULL},
    {2, "CORRUPT_MESSAGE", true, NULL},
    {3, "UNKNOWN_TOPIC_OR_PARTITION", true, NULL},
    {4, "INVALID_FETCH_SIZE", false, NULL},
    {5, "LEADER_NOT_AVAILABLE", true, NULL},
    {6, "NOT_LEADER_OR_FOLLOWER", true, NULL},
    {7, "REQUEST_TIMED_OUT", true, NULL},
    {8, "BROKER_NOT_AVAILABLE", false, NULL},
    {9, "REPLICA_NOT_AVAILABLE", true, NULL},
    {10, "MESSAGE_TOO_LARGE", false, NULL},
    {11, "STALE_CONTROLLER_EPOCH", false, NULL},
    {12, "OFFSET_METADATA_TOO_LARGE", false, NULL},
    {13, "NETWORK_EXCEPTION", true, NULL},
    {14, "COORDINATOR_LOAD_IN_PROGRESS", true, NULL},
    {15, "COORDINATOR_NOT_AVAILABLE", true, NULL},
    {16, "NOT_COORDINATOR", true, NULL},
    {17, "INVALID_TOPIC_EXCEPTION", false, NULL},
    {18, "RECORD_LIST_TOO_LARGE", false, NULL},
    {19, "NOT_ENOUGH_REPLICAS", true, NULL},
    {20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true, NULL},
    {21, "INVALID_REQUIRED_ACKS", false, NULL},
    {22, "ILLEGAL_GENERATION", false, NULL},
    {23, "INCONSISTENT_GROUP_PROTOCOL", false, NULL},
    {24, "INVALID_GROUP_ID", false, NULL},
    {25, "UNKNOWN_MEMBER_ID", false, NULL},
    {26, "INVALID_SESSION_TIMEOUT", false, NULL},
    {27, "REBALANCE_IN_PROGRESS", false, NULL},
    {28, "INVALID_COMMIT_OFFSET_SIZE", false, NULL},
    {29, "TOPIC_AUTHORIZATION_FAILED", false, NULL},
    {30, "GROUP_AUTHORIZATION_FAILED", false, NULL},
    {31, "CLUSTER_AUTHORIZATION_FAILED", false, NULL},
    {32, "INVALID_TIMESTAMP", false, NULL},
    {33, "UNSUPPORTED_SASL_MECHANISM", false, NULL},
    {34, "ILLEGAL_SASL_STATE", false, NULL},
    {35, "UNSUPPORTED_VERSION", false, NULL},
    {36, "TOPIC_ALREADY_EXISTS", false, NULL},
    {37, "INVALID_PARTITIONS", false, NULL},
    {38, "INVALID_REPLICATION_FACTOR", false, NULL},
    {39, "INVALID_REPLICA_ASSIGNMENT", false, NULL},
    {40, "INVALID_CONFIG", false, NULL},
    {41, "NOT_CONTROLLER", true, NULL},
    {42, "INVALID_REQUEST", false, NULL},
    {43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", false, NULL},
    {44, "POLICY_VIOLATION", false, NULL},
    {45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false, NULL},
    {46, "DUPLICATE_SEQUENCE_NUMBER", false, NULL},
    {47, "INVALID_PRODUCER_EPOCH", false, NULL},
    {48, "INVALID_TXN_STATE", false, NULL},
    {49, "INVALID_PRODUCER_ID_MAPPING", false, NULL},
    {50, "INVALID_TRANSACTION_TIMEOUT", false, NULL},
    {51, "CONCURRENT_TRANSACTIONS", true, NULL},
    {52, "TRANSACTION_COORDINATOR_FENCED", false, NULL},
    {53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false, NULL},
    {54, "SECURITY_DISABLED", false, NULL},
    {55, "OPERATION_NOT_ATTEMPTED", false, NULL},
    {56, "KAFKA_STORAGE_ERROR", true, NULL},
    {57, "LOG_DIR_NOT_FOUND", false, NULL},
    {58, "SASL_AUTHENTICATION_FAILED", false, NULL},
    {59, "UNKNOWN_PRODUCER_ID", false, NULL},
    {60, "REASSIGNMENT_IN_PROGRESS", false, NULL},
    {61, "DELEGATION_TOKEN_AUTH_DISABLED", false, NULL},
    {62, "DELEGATION_TOKEN_NOT_FOUND", false, NULL},
    {63, "DELEGATION_TOKEN_OWNER_MISMATCH", false, NULL},
    {64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", false, NULL},
    {65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", false, NULL},
    {66, "DELEGATION_TOKEN_EXPIRED", false, NULL},
    {67, "INVALID_PRINCIPAL_TYPE", false, NULL},
    {68, "NON_EMPTY_GROUP", false, NULL},
    {69, "GROUP_ID_NOT_FOUND", false, NULL},
    {70, "FETCH_SESSION_ID_NOT_FOUND", true, NULL},
    {71, "INVALID_FETCH_SESSION_EPOCH", true, NULL},
    {72, "LISTENER_NOT_FOUND", true, NULL},
    {73, "TOPIC_DELETION_DISABLED", false, NULL},
    {74, "FENCED_LEADER_EPOCH", true, NULL},
    {75, "UNKNOWN_LEADER_EPOCH", true, NULL},
    {76, "UNSUPPORTED_COMPRESSION_TYPE", false, NULL},
    {77, "STALE_BROKER_EPOCH", false, NULL},
    {78, "OFFSET_NOT_AVAILABLE", true, NULL},
    {79, "MEMBER_ID_REQUIRED", false, NULL},
    {80, "PREFERRED_LEADER_NOT_AVAILABLE", true, NULL},
    {81, "GROUP_MAX_SIZE_REACHED", false, NULL},
    {82, "FENCED_INSTANCE_ID", false, NULL},
    {83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", true, NULL},
    {84, "ELECTION_NOT_NEEDED", true, NULL},
    {85, "NO_REASSIGNMENT_IN_PROGRESS", false, NULL},
    {86, "GROUP_SUBSCRIBED_TO_TOPIC", false, NULL},
    {87, "INVALID_RECORD", false, NULL},
    {88, "UNSTABLE_OFFSET_COMMIT", true, NULL},
    {89, "THROTTLING_QUOTA_EXCEEDED", true, NULL},
    {90, "PRODUCER_FENCED", false, NULL},
    {91, "RESOURCE_NOT_FOUND", false, NULL},
    {92, "DUPLICATE_RESOURCE", false, NULL},
    {93, "UNACCEPTABLE_CREDENTIAL", false, NULL},
    {94, "INCONSISTENT_VOTER_SET", false, NULL},
    {95, "INVALID_UPDATE_VERSION", false, NULL},
    {96, "FEATURE_UPDATE_FAILED", false, NULL},
    {97, "PRINCIPAL_DESERIALIZATION_FAILURE", false, NULL},
    {98, "SNAPSHOT_NOT_FOUND", false, NULL},
    {99, "POSITION_OUT_OF_RANGE", false, NULL},
    {100, "UNKNOWN_TOPIC_ID", true, NULL},
    {101, "DUPLICATE_BROKER_REGISTRATION", false, NULL},
    {102, "BROKER_ID_NOT_REGISTERED", false, NULL},
    {103, "INCONSISTENT_TOPIC_ID", true, NULL},
    {104, "INCONSISTENT_CLUSTER_ID", false, NULL},
    {105, "TRANSACTIONAL_ID_NOT_FOUND", false, NULL},
    {106, "FETCH_SESSION_TOPIC_ID_ERROR", true, NULL},
    {107, "INELIGIBLE_REPLICA", false, NULL},
    {108, "NEW_LEADER_ELECTED", false, NULL},
    {109, "OFFSET_MOVED_TO_TIERED_STORAGE", false, NULL},
    {110, "FENCED_MEMBER_EPOCH", false, NULL},
    {111, "UNRELEASED_INSTANCE_ID", false, NULL},
    {112, "UNSUPPORTED_ASSIGNOR", false, NULL},
    {113, "STALE_MEMBER_EPOCH", false, NULL},
    {114, "MISMATCHED_ENDPOINT_TYPE", false, NULL},
    {115, "UNSUPPORTED_ENDPOINT_TYPE", false, NULL},
    {116, "UNKNOWN_CONTROLLER_ID", false, NULL},
    {117, "UNKNOWN_SUBSCRIPTION_ID", false, NULL},
    {118, "TELEMETRY_TOO_LARGE", false, NULL},
    {119, "INVALID_REGISTRATION", false, NULL},
    {120, "TRANSACTION_ABORTABLE", false, NULL},
    {121, "INVALID_RECORD_STATE", false, NULL},
    {122, "SHARE_SESSION_NOT_FOUND", true, NULL},
    {123, "INVALID_SHARE_SESSION_EPOCH", true, NULL},
    {124, "FENCED_STATE_EPOCH", false, NULL},
    {125, "INVALID_VOTER_KEY", false, NULL},
    {126, "DUPLICATE_VOTER", false, NULL},
    {127, "VOTER_NOT_FOUND", false, NULL},
    {128, "INVALID_REGULAR_EXPRESSION", false, NULL},
    {129, "REBOOTSTRAP_REQUIRED", false, NULL},
    {130, "STREAMS_INVALID_TOPOLOGY", false, NULL},
    {131, "STREAMS_INVALID_TOPOLOGY_EPOCH", false, NULL},
    {132, "STREAMS_TOPOLOGY_FENCED", false, NULL},
    {133, "SHARE_SESSION_LIMIT_REACHED", true, NULL},
    {134, "GROUP_DELETION_FAILED", false, NULL},
    {135, "STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED", false, NULL},
    {136, "CONTROLLER_ID_NOT_REGISTERED", false, NULL},
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
