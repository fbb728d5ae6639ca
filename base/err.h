/* err.h — the one error enum of logwire: 0 is OK, values <= -100 are local errors, every other
 * value is a Kafka error code carried unchanged (Kafka's own UNKNOWN_SERVER_ERROR is -1). */
#ifndef LW_ERR_H
#define LW_ERR_H

#include <stdbool.h>

enum lw_err {
  LW_OK = 0,

  /* Local errors. Kept <= -100 so Kafka's -1 (UNKNOWN_SERVER_ERROR) stays unchanged. */
  LW_ERR_NEED_MORE = -100,   /* streaming input: not enough bytes yet (not a failure) */
  LW_ERR_TRUNCATED = -101,   /* a complete frame ended inside a field */
  LW_ERR_TOO_LARGE = -102,   /* a length or count over a ceiling */
  LW_ERR_MALFORMED = -103,   /* bad length, bad varint, trailing bytes, invalid value */
  LW_ERR_CRC = -104,         /* CRC mismatch */
  LW_ERR_NOMEM = -105,       /* allocation failed */
  LW_ERR_UNSUPPORTED = -106, /* version, magic or codec logwire does not implement */
  LW_ERR_COMPRESSION = -107, /* compressor or decompressor failed */
  LW_ERR_INVALID_ARG = -108, /* caller passed an invalid argument */
  LW_ERR_IO = -109,          /* system call failed (errno is kept by the caller) */
  LW_ERR_TIMED_OUT = -110,   /* local timeout (request, delivery, connect) */
  LW_ERR_CONNECT = -111,     /* could not connect to a broker */
  LW_ERR_DISCONNECTED = -112,
  LW_ERR_QUEUE_FULL = -113,      /* buffer ceiling reached: caller waits, nothing dropped */
  LW_ERR_NO_VERSION = -114,      /* no API version both sides support */
  LW_ERR_RESOLVE = -115,         /* host name did not resolve */
  LW_ERR_CONFIG = -116,          /* invalid configuration */
  LW_ERR_TLS = -117,             /* TLS handshake or I/O failure */
  LW_ERR_AUTH = -118,            /* SASL authentication failed */
  LW_ERR_NOT_FOUND = -119,       /* file, key or entry does not exist */
  LW_ERR_CORRUPT = -120,         /* stored state (checkpoint) failed its checksum */
  LW_ERR_SHUTDOWN = -121,        /* operation cancelled because the process is stopping */
  LW_ERR_UNKNOWN_TOPIC = -122,   /* topic missing and not auto-created */
  LW_ERR_ALL_BROKERS_DOWN = -123 /* no bootstrap broker reachable */
};

/* Kafka error codes that logwire's code refers to by name (full table in errors.c). */
enum {
  LW_KAFKA_UNKNOWN_SERVER_ERROR = -1,
  LW_KAFKA_OFFSET_OUT_OF_RANGE = 1,
  LW_KAFKA_CORRUPT_MESSAGE = 2,
  LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION = 3,
  LW_KAFKA_INVALID_FETCH_SIZE = 4,
  LW_KAFKA_LEADER_NOT_AVAILABLE = 5,
  LW_KAFKA_NOT_LEADER_OR_FOLLOWER = 6,
  LW_KAFKA_REQUEST_TIMED_OUT = 7,
  LW_KAFKA_MESSAGE_TOO_LARGE = 10,
  LW_KAFKA_NETWORK_EXCEPTION = 13,
  LW_KAFKA_COORDINATOR_LOAD_IN_PROGRESS = 14,
  LW_KAFKA_COORDINATOR_NOT_AVAILABLE = 15,
  LW_KAFKA_NOT_COORDINATOR = 16,
  LW_KAFKA_INVALID_TOPIC_EXCEPTION = 17,
  LW_KAFKA_RECORD_LIST_TOO_LARGE = 18,
  LW_KAFKA_NOT_ENOUGH_REPLICAS = 19,
  LW_KAFKA_NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20,
  LW_KAFKA_INVALID_REQUIRED_ACKS = 21,
  LW_KAFKA_TOPIC_AUTHORIZATION_FAILED = 29,
  LW_KAFKA_CLUSTER_AUTHORIZATION_FAILED = 31,
  LW_KAFKA_INVALID_TIMESTAMP = 32,
  LW_KAFKA_UNSUPPORTED_SASL_MECHANISM = 33,
  LW_KAFKA_ILLEGAL_SASL_STATE = 34,
  LW_KAFKA_UNSUPPORTED_VERSION = 35,
  LW_KAFKA_INVALID_REQUEST = 42,
  LW_KAFKA_UNSUPPORTED_FOR_MESSAGE_FORMAT = 43,
  LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER = 45,
  LW_KAFKA_DUPLICATE_SEQUENCE_NUMBER = 46,
  LW_KAFKA_INVALID_PRODUCER_EPOCH = 47,
  LW_KAFKA_INVALID_PRODUCER_ID_MAPPING = 49,
  LW_KAFKA_CONCURRENT_TRANSACTIONS = 51,
  LW_KAFKA_TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53,
  LW_KAFKA_SECURITY_DISABLED = 54,
  LW_KAFKA_SASL_AUTHENTICATION_FAILED = 58,
  LW_KAFKA_UNKNOWN_PRODUCER_ID = 59,
  LW_KAFKA_KAFKA_STORAGE_ERROR = 56,
  LW_KAFKA_FENCED_LEADER_EPOCH = 74,
  LW_KAFKA_UNKNOWN_LEADER_EPOCH = 75,
  LW_KAFKA_OFFSET_NOT_AVAILABLE = 78,
  LW_KAFKA_PREFERRED_LEADER_NOT_AVAILABLE = 80,
  LW_KAFKA_THROTTLING_QUOTA_EXCEEDED = 89,
  LW_KAFKA_UNKNOWN_TOPIC_ID = 100,
};

/* Short upper-case name of any lw_err or Kafka error code ("TRUNCATED",
 * "NOT_LEADER_OR_FOLLOWER"); "UNKNOWN_ERROR_<n>" style names are never returned: unknown codes
 * give "UNKNOWN". Returns a static string. */
const char *lw_err_name(int err);

/* One sentence describing the error, for humans. Returns a static string. */
const char *lw_err_str(int err);

/* True when Kafka marks the code retriable (or, for local errors, when retrying can succeed:
 * timeouts, disconnects, connect failures). */
bool lw_err_retriable(int err);

/* True for codes that are Kafka broker error codes (anything > -100 and != 0). */
static inline bool lw_err_is_kafka(int err) {
  return err != 0 && err > -100;
}

#endif
