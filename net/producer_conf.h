/* producer_conf.h — every producer and connection option, by its config name. The same names
 * are used in the [kafka] section of the agent's config file and by `-X key=value` on the
 * command line; librdkafka/Java spellings (`linger.ms`, `bootstrap.servers`) are accepted as
 * aliases. docs/CONFIG.md lists every key with its default. */
#ifndef LW_PRODUCER_CONF_H
#define LW_PRODUCER_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lw_partitioner {
  LW_PART_MURMUR2 = 0, /* keyed: murmur2 as the Java client; unkeyed: sticky */
  LW_PART_CRC32,       /* keyed: CRC-32 as librdkafka's "consistent"; unkeyed: sticky */
  LW_PART_ROUND_ROBIN, /* every record to the next partition (keys ignored) */
  LW_PART_RANDOM,      /* every record to a random partition (keys ignored) */
};

enum lw_security {
  LW_SEC_PLAINTEXT = 0,
  LW_SEC_SSL,
  LW_SEC_SASL_PLAINTEXT,
  LW_SEC_SASL_SSL,
};

typedef struct lw_addr_map {
  char *from; /* "host:port" as advertised */
  char *to;   /* "host:port" to connect to instead */
} lw_addr_map;

typedef struct lw_producer_conf {
  char *brokers;   /* bootstrap list "host:port,host:port" (owned) */
  char *client_id; /* default "logwire" */
  int acks;        /* 0, 1 or -1 (all); default -1 */
  int compression; /* enum lw_codec; default none */
  int compression_level;
  int linger_ms;                 /* default 5 */
  size_t batch_bytes;            /* default 1 MiB */
  size_t buffer_bytes;           /* default 16 MiB: ceiling on buffered record bytes */
  size_t message_max_bytes;      /* largest single record; default 1 MiB */
  size_t request_max_bytes;      /* largest Produce request; default 16 MiB */
  int idempotence;               /* -1 auto (default: on with acks=all when supported), 0, 1 */
  int delivery_timeout_ms;       /* default 120000 */
  int request_timeout_ms;        /* default 30000 */
  int retry_backoff_ms;          /* default 100 */
  int retry_backoff_max_ms;      /* default 1000 */
  int reconnect_backoff_ms;      /* default 100 */
  int reconnect_backoff_max_ms;  /* default 10000 */
  int connect_timeout_ms;        /* default 10000 */
  int metadata_refresh_ms;       /* default 300000 */
  int topic_wait_ms;             /* how long a missing topic may take to appear; default 10000 */
  int max_in_flight;             /* requests per connection; default 5 */
  int partitioner;               /* enum lw_partitioner */
  bool api_version_request;      /* send ApiVersions first (default true) */
  char *broker_version_fallback; /* versions assumed when api_version_request=false: "0.9.0",
                                    "0.10.0", "0.11.0" (default "0.11.0") */
  lw_addr_map *connect_to;       /* owned array */
  int connect_to_count;
  size_t fetch_max_bytes;   /* consume: per-request ceiling; default 4 MiB */
  size_t receive_max_bytes; /* largest response frame accepted; default 64 MiB */

  /* TLS / SASL */
  int security_protocol; /* enum lw_security */
  char *ssl_ca_file, *ssl_ca_path, *ssl_cert_file, *ssl_key_file, *ssl_key_password;
  bool ssl_verify;      /* default true */
  char *sasl_mechanism; /* PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 */
  char *sasl_username, *sasl_password;
  char *sasl_password_file, *ssl_key_password_file; /* read when needed (net/secret.h) */

  bool acks_set, idempotence_set; /* whether the user set them (for consistency checks) */
  bool delivery_timeout_set;      /* the agent waits forever unless this was set */
} lw_producer_conf;

/* Fill with defaults. Owns nothing yet. */
void lw_producer_conf_init(lw_producer_conf *c);
/* Release owned strings and arrays. */
void lw_producer_conf_free(lw_producer_conf *c);
/* Deep copy (dst initialised by this call). Returns LW_OK or LW_ERR_NOMEM. */
int lw_producer_conf_copy(lw_producer_conf *dst, const lw_producer_conf *src);

/* Set one option by name. Returns LW_OK, LW_ERR_NOT_FOUND for an unknown key, or
 * LW_ERR_CONFIG for a bad value, with a short reason ("expected 0, 1 or all") in err. */
int lw_producer_conf_set(lw_producer_conf *c, const char *key, const char *value, char *err,
                         size_t errlen);
/* Check the combination (idempotence needs acks=all, ...). Returns LW_OK or LW_ERR_CONFIG
 * with the key and the reason in err. */
int lw_producer_conf_check(const lw_producer_conf *c, char *key, size_t keylen, char *err,
                           size_t errlen);
/* True for keys whose values name a file holding a secret (sasl_password_file, ...). */
bool lw_producer_conf_secret_file(const char *key);
/* Split s[0..n) as "host:port" or "[v6addr]:port" into host (brackets removed, NUL-terminated,
 * at most hostsz - 1 bytes) and port (1..65535). Returns false when malformed. */
bool lw_split_hostport(const char *s, size_t n, char *host, size_t hostsz, int *port);

/* True for keys whose values are secrets (never logged or shown). */
bool lw_producer_conf_secret(const char *key);

/* Iterate the option table, for docs and `--help`: returns false past the end. */
bool lw_producer_conf_key(int i, const char **name, const char **deflt, const char **doc);

#endif
