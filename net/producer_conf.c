/* producer_conf.c — the producer's option table: names, defaults, parsing and checks. */
#include "net/producer_conf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/compress.h"
#include "base/err.h"

enum kind { K_STR, K_INT, K_SIZE, K_BOOL, K_ACKS, K_CODEC, K_PART, K_SEC, K_IDEMP, K_MAP, K_FB };

typedef struct opt {
  const char *name;
  enum kind kind;
  size_t off;
  const char *deflt;
  long long min, max; /* K_INT / K_SIZE bounds */
  bool secret;
  const char *doc;
} opt;

#define O(f) offsetof(lw_producer_conf, f)
#define MIB  (1024LL * 1024)

static const opt opts[] = {
    {"brokers", K_STR, O(brokers), "", 0, 0, false,
     "bootstrap brokers, host:port[,host:port...] (IPv6 as [addr]:port)"},
    {"client_id", K_STR, O(client_id), "logwire", 0, 0, false,
     "client id sent in every request header"},
    {"acks", K_ACKS, O(acks), "all", 0, 0, false,
     "acknowledgements required: 0 (none), 1 (leader), all (-1, every in-sync replica)"},
    {"compression", K_CODEC, O(compression), "none", 0, 0, false,
     "record batch compression: none, gzip or lz4"},
    {"compression_level", K_INT, O(compression_level), "0", 0, 12, false,
     "codec level, 0 for the codec's default"},
    {"linger_ms", K_INT, O(linger_ms), "5", 0, 60000, false,
     "how long a partition's batch may wait for more records before it is sent"},
    {"batch_bytes", K_SIZE, O(batch_bytes), "1048576", 1024, 64 * MIB, false,
     "largest record batch, in bytes"},
    {"buffer_bytes", K_SIZE, O(buffer_bytes), "16777216", 64 * 1024, 4096 * MIB, false,
     "ceiling on buffered record bytes; when full, senders wait (nothing is dropped)"},
    {"message_max_bytes", K_SIZE, O(message_max_bytes), "1048576", 1024, 64 * MIB, false,
     "largest single record (key + value + headers)"},
    {"request_max_bytes", K_SIZE, O(request_max_bytes), "16777216", 64 * 1024, 1024 * MIB, false,
     "largest Produce request"},
    {"idempotence", K_IDEMP, O(idempotence), "auto", 0, 0, false,
     "idempotent producer: auto (on with acks=all when the cluster supports it), true, false"},
    {"delivery_timeout_ms", K_INT, O(delivery_timeout_ms), "120000", 0, 86400000, false,
     "time a record may take, retries included, before it fails; 0 = never. `logwire run` "
     "waits for Kafka however long it takes (0) unless this is set: the file is the buffer"},
    {"request_timeout_ms", K_INT, O(request_timeout_ms), "30000", 100, 3600000, false,
     "time to wait for a broker's response before the connection is considered broken"},
    {"retry_backoff_ms", K_INT, O(retry_backoff_ms), "100", 1, 600000, false,
     "first wait before a retry; doubles up to retry_backoff_max_ms"},
    {"retry_backoff_max_ms", K_INT, O(retry_backoff_max_ms), "1000", 1, 600000, false,
     "longest wait between retries"},
    {"reconnect_backoff_ms", K_INT, O(reconnect_backoff_ms), "100", 1, 600000, false,
     "first wait before reconnecting; doubles (with jitter) up to reconnect_backoff_max_ms"},
    {"reconnect_backoff_max_ms", K_INT, O(reconnect_backoff_max_ms), "10000", 1, 3600000, false,
     "longest wait between reconnects"},
    {"connect_timeout_ms", K_INT, O(connect_timeout_ms), "10000", 100, 600000, false,
     "time allowed for TCP connect, TLS and SASL handshakes"},
    {"metadata_refresh_ms", K_INT, O(metadata_refresh_ms), "300000", 1000, 86400000, false,
     "periodic metadata refresh interval"},
    {"topic_wait_ms", K_INT, O(topic_wait_ms), "10000", 0, 3600000, false,
     "how long a topic that does not exist may take to be auto-created before its records "
     "fail with UNKNOWN_TOPIC"},
    {"max_in_flight", K_INT, O(max_in_flight), "5", 1, 5, false,
     "requests in flight per broker connection (5 at most, the idempotent producer's limit)"},
    {"partitioner", K_PART, O(partitioner), "murmur2", 0, 0, false,
     "murmur2 (Java-compatible keys, sticky unkeyed), crc32 (librdkafka consistent, sticky "
     "unkeyed), round_robin or random"},
    {"api_version_request", K_BOOL, O(api_version_request), "true", 0, 0, false,
     "ask brokers which API versions they support (set false only for brokers before 0.10)"},
    {"broker_version_fallback", K_FB, O(broker_version_fallback), "0.11.0", 0, 0, false,
     "broker version assumed when api_version_request is false: 0.9.0, 0.10.0 or 0.11.0"},
    {"connect_to", K_MAP, O(connect_to), "", 0, 0, false,
     "rewrite advertised broker addresses: host:port=host:port[,...] (NAT, tunnels, proxies)"},
    {"fetch_max_bytes", K_SIZE, O(fetch_max_bytes), "4194304", 1024, 256 * MIB, false,
     "consume: bytes asked per Fetch request"},
    {"receive_max_bytes", K_SIZE, O(receive_max_bytes), "67108864", 64 * 1024, 1024 * MIB, false,
     "largest response frame accepted from a broker"},
    {"security_protocol", K_SEC, O(security_protocol), "plaintext", 0, 0, false,
     "plaintext, ssl, sasl_plaintext or sasl_ssl"},
    {"ssl_ca_file", K_STR, O(ssl_ca_file), "", 0, 0, false,
     "PEM file of CA certificates (default: the system store)"},
    {"ssl_ca_path", K_STR, O(ssl_ca_path), "", 0, 0, false, "directory of CA certificates"},
    {"ssl_cert_file", K_STR, O(ssl_cert_file), "", 0, 0, false,
     "client certificate (PEM) for mutual TLS"},
    {"ssl_key_file", K_STR, O(ssl_key_file), "", 0, 0, false, "client private key (PEM)"},
    {"ssl_key_password", K_STR, O(ssl_key_password), "", 0, 0, true,
     "password of the client private key"},
    {"ssl_verify", K_BOOL, O(ssl_verify), "true", 0, 0, false,
     "verify the broker's certificate and host name (false logs a warning at every start)"},
    {"sasl_mechanism", K_STR, O(sasl_mechanism), "PLAIN", 0, 0, false,
     "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"},
    {"sasl_username", K_STR, O(sasl_username), "", 0, 0, false, "SASL user name"},
    {"sasl_password", K_STR, O(sasl_password), "", 0, 0, true, "SASL password"},
    {"sasl_password_file", K_STR, O(sasl_password_file), "", 0, 0, false,
     "file holding the SASL password instead of sasl_password (read at each authentication; "
     "one trailing newline ignored)"},
    {"ssl_key_password_file", K_STR, O(ssl_key_password_file), "", 0, 0, false,
     "file holding the client key's password instead of ssl_key_password (read when the TLS "
     "context is made; one trailing newline ignored)"},
};
#define NOPTS (sizeof opts / sizeof *opts)

/* librdkafka / Java spellings accepted as aliases. */
static const struct {
  const char *alias, *name;
} aliases[] = {
    {"bootstrap.servers", "brokers"},
    {"metadata.broker.list", "brokers"},
    {"client.id", "client_id"},
    {"request.required.acks", "acks"},
    {"compression.type", "compression"},
    {"compression.codec", "compression"},
    {"compression.level", "compression_level"},
    {"queue.buffering.max.ms", "linger_ms"},
    {"batch.size", "batch_bytes"},
    {"queue.buffering.max.kbytes", "buffer_bytes"},
    {"buffer.memory", "buffer_bytes"},
    {"message.max.bytes", "message_max_bytes"},
    {"max.request.size", "request_max_bytes"},
    {"enable.idempotence", "idempotence"},
    {"message.timeout.ms", "delivery_timeout_ms"},
    {"max.in.flight.requests.per.connection", "max_in_flight"},
    {"max.in.flight", "max_in_flight"},
    {"topic.metadata.refresh.interval.ms", "metadata_refresh_ms"},
    {"metadata.max.age.ms", "metadata_refresh_ms"},
    {"socket.connection.setup.timeout.ms", "connect_timeout_ms"},
    {"fetch.max.bytes", "fetch_max_bytes"},
    {"receive.message.max.bytes", "receive_max_bytes"},
    {"security.protocol", "security_protocol"},
    {"ssl.ca.location", "ssl_ca_file"},
    {"ssl.certificate.location", "ssl_cert_file"},
    {"ssl.key.location", "ssl_key_file"},
    {"ssl.key.password", "ssl_key_password"},
    {"enable.ssl.certificate.verification", "ssl_verify"},
    {"sasl.mechanism", "sasl_mechanism"},
    {"sasl.mechanisms", "sasl_mechanism"},
    {"sasl.username", "sasl_username"},
    {"sasl.password", "sasl_password"},
    {"api.version.request", "api_version_request"},
    {"broker.version.fallback", "broker_version_fallback"},
};

static const opt *find_opt(const char *key) {
  for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
    if (strcmp(key, aliases[i].alias) == 0) {
      key = aliases[i].name;
      break;
    }
  char norm[64];
  size_t n = strlen(key);
  if (n >= sizeof norm)
    return NULL;
  /* linger.ms and linger-ms both mean linger_ms. */
  for (size_t i = 0; i <= n; i++)
    norm[i] = (key[i] == '.' || key[i] == '-') ? '_' : key[i];
  for (size_t i = 0; i < NOPTS; i++)
    if (strcmp(norm, opts[i].name) == 0)
      return &opts[i];
  return NULL;
}

bool lw_producer_conf_secret_file(const char *key) {
  const opt *o = find_opt(key);
  return o && (o->off == O(sasl_password_file) || o->off == O(ssl_key_password_file));
}

bool lw_producer_conf_secret(const char *key) {
  const opt *o = find_opt(key);
  if (o)
    return o->secret;
  /* Unknown keys that look like secrets are treated as secrets. */
  return strstr(key, "password") || strstr(key, "secret");
}

static bool parse_ll(const char *v, long long *out, bool sizes) {
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (end == v || errno)
    return false;
  if (sizes) {
    long long mult = 1;
    if (*end == 'k' || *end == 'K')
      mult = 1024, end++;
    else if (*end == 'm' || *end == 'M')
      mult = MIB, end++;
    else if (*end == 'g' || *end == 'G')
      mult = 1024 * MIB, end++;
    if ((*end == 'i' || *end == 'I') && mult > 1)
      end++;
    if ((*end == 'b' || *end == 'B'))
      end++;
    if (x > INT64_MAX / mult)
      return false;
    x *= mult;
  }
  while (isspace((unsigned char)*end))
    end++;
  if (*end)
    return false;
  *out = x;
  return true;
}

static int parse_bool(const char *v) {
  if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1"))
    return 1;
  if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0"))
    return 0;
  return -1;
}

static void free_map(lw_producer_conf *c) {
  for (int i = 0; i < c->connect_to_count; i++) {
    free(c->connect_to[i].from);
    free(c->connect_to[i].to);
  }
  free(c->connect_to);
  c->connect_to = NULL;
  c->connect_to_count = 0;
}

bool lw_split_hostport(const char *s, size_t n, char *host, size_t hostsz, int *port) {
  const char *colon = NULL;
  for (size_t i = 0; i < n; i++)
    if (s[i] == ':')
      colon = s + i;
  if (!colon || colon == s)
    return false;
  const char *h = s;
  size_t hl = (size_t)(colon - s);
  if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']')
    h++, hl -= 2;
  if (hl == 0 || hl >= hostsz)
    return false;
  /* A bracket left over ("[::1:9092") or an IPv6 address without brackets is not host:port. */
  for (size_t i = 0; i < hl; i++)
    if (h[i] == '[' || h[i] == ']' || (h[i] == ':' && h == s))
      return false;
  long p = 0;
  const char *q = colon + 1;
  if (q == s + n)
    return false;
  for (; q < s + n; q++) {
    if (*q < '0' || *q > '9')
      return false;
    p = p * 10 + (*q - '0');
    if (p > 65535)
      return false;
  }
  if (p == 0)
    return false;
  memcpy(host, h, hl);
  host[hl] = 0;
  *port = (int)p;
  return true;
}

/* A connect_to side: a valid host:port. */
static bool valid_hostport(const char *s, size_t n) {
  char host[256];
  int port;
  return lw_split_hostport(s, n, host, sizeof host, &port);
}

static int set_map(lw_producer_conf *c, const char *v, char *err, size_t errlen) {
  free_map(c);
  const char *p = v;
  while (*p) {
    while (*p == ' ' || *p == ',')
      p++;
    if (!*p)
      break;
    const char *end = p + strcspn(p, ", ");
    const char *eq = memchr(p, '=', (size_t)(end - p));
    if (!eq || !valid_hostport(p, (size_t)(eq - p)) ||
        !valid_hostport(eq + 1, (size_t)(end - eq - 1))) {
      snprintf(err, errlen, "expected host:port=host:port[,...], got \"%.*s\"", (int)(end - p), p);
      free_map(c);
      return LW_ERR_CONFIG;
    }
    lw_addr_map *m = realloc(c->connect_to, (size_t)(c->connect_to_count + 1) * sizeof(*m));
    if (!m)
      return LW_ERR_NOMEM;
    c->connect_to = m;
    m[c->connect_to_count].from = strndup(p, (size_t)(eq - p));
    m[c->connect_to_count].to = strndup(eq + 1, (size_t)(end - eq - 1));
    c->connect_to_count++;
    p = end;
  }
  return LW_OK;
}

static int set_opt(lw_producer_conf *c, const opt *o, const char *v, char *err, size_t errlen) {
  void *f = (char *)c + o->off;
  long long x;
  int b;
  switch (o->kind) {
    case K_STR:
    case K_FB: {
      if (o->kind == K_FB && strcmp(v, "0.9.0") && strcmp(v, "0.10.0") && strcmp(v, "0.11.0")) {
        snprintf(err, errlen, "expected 0.9.0, 0.10.0 or 0.11.0");
        return LW_ERR_CONFIG;
      }
      char *s = strdup(v);
      if (!s)
        return LW_ERR_NOMEM;
      free(*(char **)f);
      *(char **)f = s;
      return LW_OK;
    }
    case K_INT:
    case K_SIZE:
      if (!parse_ll(v, &x, o->kind == K_SIZE)) {
        snprintf(err, errlen, "expected %s",
                 o->kind == K_SIZE ? "a size (bytes, or with K/M/G)" : "an integer");
        return LW_ERR_CONFIG;
      }
      if (x < o->min || x > o->max) {
        snprintf(err, errlen, "must be between %lld and %lld", o->min, o->max);
        return LW_ERR_CONFIG;
      }
      if (o->kind == K_INT)
        *(int *)f = (int)x;
      else
        *(size_t *)f = (size_t)x;
      return LW_OK;
    case K_BOOL:
      if ((b = parse_bool(v)) < 0) {
        snprintf(err, errlen, "expected true or false");
        return LW_ERR_CONFIG;
      }
      *(bool *)f = b;
      return LW_OK;
    case K_IDEMP:
      if (!strcmp(v, "auto")) {
        c->idempotence = -1;
        return LW_OK;
      }
      if ((b = parse_bool(v)) < 0) {
        snprintf(err, errlen, "expected auto, true or false");
        return LW_ERR_CONFIG;
      }
      c->idempotence = b;
      c->idempotence_set = true;
      return LW_OK;
    case K_ACKS:
      if (!strcmp(v, "all") || !strcmp(v, "-1"))
        c->acks = -1;
      else if (!strcmp(v, "0") || !strcmp(v, "1"))
        c->acks = v[0] - '0';
      else {
        snprintf(err, errlen, "expected 0, 1 or all");
        return LW_ERR_CONFIG;
      }
      c->acks_set = true;
      return LW_OK;
    case K_CODEC:
      if (!strcmp(v, "none"))
        c->compression = LW_CODEC_NONE;
      else if (!strcmp(v, "gzip"))
        c->compression = LW_CODEC_GZIP;
      else if (!strcmp(v, "lz4"))
        c->compression = LW_CODEC_LZ4;
      else {
        snprintf(err, errlen, "expected none, gzip or lz4%s",
                 !strcmp(v, "snappy") || !strcmp(v, "zstd") ? " (snappy/zstd not supported)" : "");
        return LW_ERR_CONFIG;
      }
      return LW_OK;
    case K_PART:
      if (!strcmp(v, "murmur2") || !strcmp(v, "murmur2_random") || !strcmp(v, "default"))
        c->partitioner = LW_PART_MURMUR2;
      else if (!strcmp(v, "crc32") || !strcmp(v, "consistent") || !strcmp(v, "consistent_random"))
        c->partitioner = LW_PART_CRC32;
      else if (!strcmp(v, "round_robin"))
        c->partitioner = LW_PART_ROUND_ROBIN;
      else if (!strcmp(v, "random"))
        c->partitioner = LW_PART_RANDOM;
      else {
        snprintf(err, errlen, "expected murmur2, crc32, round_robin or random");
        return LW_ERR_CONFIG;
      }
      return LW_OK;
    case K_SEC:
      if (!strcasecmp(v, "plaintext"))
        c->security_protocol = LW_SEC_PLAINTEXT;
      else if (!strcasecmp(v, "ssl"))
        c->security_protocol = LW_SEC_SSL;
      else if (!strcasecmp(v, "sasl_plaintext"))
        c->security_protocol = LW_SEC_SASL_PLAINTEXT;
      else if (!strcasecmp(v, "sasl_ssl"))
        c->security_protocol = LW_SEC_SASL_SSL;
      else {
        snprintf(err, errlen, "expected plaintext, ssl, sasl_plaintext or sasl_ssl");
        return LW_ERR_CONFIG;
      }
      return LW_OK;
    case K_MAP:
      return set_map(c, v, err, errlen);
  }
  return LW_ERR_CONFIG;
}

void lw_producer_conf_init(lw_producer_conf *c) {
  memset(c, 0, sizeof(*c));
  char err[128];
  for (size_t i = 0; i < NOPTS; i++)
    if (opts[i].deflt[0] || opts[i].kind != K_STR)
      if (opts[i].kind != K_MAP)
        set_opt(c, &opts[i], opts[i].deflt, err, sizeof err);
  c->acks_set = c->idempotence_set = c->delivery_timeout_set = false;
}

void lw_producer_conf_free(lw_producer_conf *c) {
  for (size_t i = 0; i < NOPTS; i++)
    if (opts[i].kind == K_STR || opts[i].kind == K_FB) {
      char **s = (char **)((char *)c + opts[i].off);
      free(*s);
      *s = NULL;
    }
  free_map(c);
}

int lw_producer_conf_copy(lw_producer_conf *dst, const lw_producer_conf *src) {
  *dst = *src;
  dst->connect_to = NULL;
  dst->connect_to_count = 0;
  for (size_t i = 0; i < NOPTS; i++)
    if (opts[i].kind == K_STR || opts[i].kind == K_FB) {
      char **s = (char **)((char *)dst + opts[i].off);
      if (*s && !(*s = strdup(*s)))
        goto fail;
    }
  if (src->connect_to_count) {
    dst->connect_to = calloc((size_t)src->connect_to_count, sizeof(lw_addr_map));
    if (!dst->connect_to)
      goto fail;
    for (int i = 0; i < src->connect_to_count; i++) {
      dst->connect_to[i].from = strdup(src->connect_to[i].from);
      dst->connect_to[i].to = strdup(src->connect_to[i].to);
      dst->connect_to_count = i + 1;
      if (!dst->connect_to[i].from || !dst->connect_to[i].to)
        goto fail;
    }
  }
  return LW_OK;
fail:
  lw_producer_conf_free(dst);
  return LW_ERR_NOMEM;
}

int lw_producer_conf_set(lw_producer_conf *c, const char *key, const char *value, char *err,
                         size_t errlen) {
  const opt *o = find_opt(key);
  if (!o) {
    snprintf(err, errlen, "unknown key");
    return LW_ERR_NOT_FOUND;
  }
  if (o->off == offsetof(lw_producer_conf, delivery_timeout_ms))
    c->delivery_timeout_set = true;
  /* librdkafka's queue.buffering.max.kbytes is in KiB. */
  if (!strcmp(key, "queue.buffering.max.kbytes")) {
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%sK", value);
    return set_opt(c, o, tmp, err, errlen);
  }
  return set_opt(c, o, value, err, errlen);
}

static bool set_(const char *s) {
  return s && s[0];
}

/* TLS, SASL and secret files: the combinations that cannot work. */
static int check_security(const lw_producer_conf *c, char *key, size_t keylen, char *err,
                          size_t errlen) {
  static const struct {
    const char *name, *file;
    size_t v, f;
  } pairs[] = {
      {"sasl_password", "sasl_password_file", O(sasl_password), O(sasl_password_file)},
      {"ssl_key_password", "ssl_key_password_file", O(ssl_key_password), O(ssl_key_password_file)}};
  for (size_t i = 0; i < 2; i++) {
    const char *v = *(char *const *)((const char *)c + pairs[i].v);
    const char *f = *(char *const *)((const char *)c + pairs[i].f);
    if (set_(v) && set_(f)) {
      snprintf(key, keylen, "%s", pairs[i].file);
      snprintf(err, errlen, "set either %s or %s, not both", pairs[i].name, pairs[i].file);
      return LW_ERR_CONFIG;
    }
    if (set_(f) && access(f, R_OK) != 0) {
      snprintf(key, keylen, "%s", pairs[i].file);
      snprintf(err, errlen, "cannot read %s: %s", f, strerror(errno));
      return LW_ERR_CONFIG;
    }
  }
  if (set_(c->ssl_key_file) && !set_(c->ssl_cert_file)) {
    snprintf(key, keylen, "ssl_key_file");
    snprintf(err, errlen, "needs ssl_cert_file (the certificate of this key)");
    return LW_ERR_CONFIG;
  }
  bool tls = c->security_protocol == LW_SEC_SSL || c->security_protocol == LW_SEC_SASL_SSL;
  bool sasl =
      c->security_protocol == LW_SEC_SASL_PLAINTEXT || c->security_protocol == LW_SEC_SASL_SSL;
  (void)tls, (void)sasl;
#if !LW_TLS
  if (tls) {
    snprintf(key, keylen, "security_protocol");
    snprintf(err, errlen, "built without OpenSSL (make TLS=0): ssl and sasl_ssl are not available");
    return LW_ERR_CONFIG;
  }
  if (sasl && c->sasl_mechanism && strncmp(c->sasl_mechanism, "SCRAM-", 6) == 0) {
    snprintf(key, keylen, "sasl_mechanism");
    snprintf(err, errlen, "built without OpenSSL (make TLS=0): %s needs OpenSSL's libcrypto",
             c->sasl_mechanism);
    return LW_ERR_CONFIG;
  }
#endif
  return LW_OK;
}

int lw_producer_conf_check(const lw_producer_conf *c, char *key, size_t keylen, char *err,
                           size_t errlen) {
  if (!c->brokers || !c->brokers[0]) {
    snprintf(key, keylen, "brokers");
    snprintf(err, errlen, "missing: at least one bootstrap broker host:port is required");
    return LW_ERR_CONFIG;
  }
  /* Every bootstrap address as the cluster will parse it, so a bad one is refused here. */
  int nboot = 0;
  for (const char *p = c->brokers; *p;) {
    p += strspn(p, ", ");
    size_t n = strcspn(p, ", ");
    char host[256];
    int port;
    if (n && !lw_split_hostport(p, n, host, sizeof host, &port)) {
      snprintf(key, keylen, "brokers");
      snprintf(err, errlen,
               "\"%.*s\" is not host:port (port 1-65535, IPv6 as [addr]:port, e.g. "
               "localhost:9092)",
               (int)n, p);
      return LW_ERR_CONFIG;
    }
    nboot += n > 0;
    p += n;
  }
  if (nboot == 0) {
    snprintf(key, keylen, "brokers");
    snprintf(err, errlen, "missing: at least one bootstrap broker host:port is required");
    return LW_ERR_CONFIG;
  }
  if (c->idempotence == 1 && c->acks != -1) {
    snprintf(key, keylen, "idempotence");
    snprintf(err, errlen, "requires acks = all");
    return LW_ERR_CONFIG;
  }
  if (c->batch_bytes > c->buffer_bytes) {
    snprintf(key, keylen, "batch_bytes");
    snprintf(err, errlen, "must not exceed buffer_bytes (%zu)", c->buffer_bytes);
    return LW_ERR_CONFIG;
  }
  if (c->message_max_bytes > c->request_max_bytes) {
    snprintf(key, keylen, "message_max_bytes");
    snprintf(err, errlen, "must not exceed request_max_bytes (%zu)", c->request_max_bytes);
    return LW_ERR_CONFIG;
  }
  if ((c->security_protocol == LW_SEC_SASL_PLAINTEXT || c->security_protocol == LW_SEC_SASL_SSL) &&
      (!c->sasl_username || !c->sasl_username[0])) {
    snprintf(key, keylen, "sasl_username");
    snprintf(err, errlen, "required when security_protocol is sasl_*");
    return LW_ERR_CONFIG;
  }
  if (c->sasl_mechanism && strcmp(c->sasl_mechanism, "PLAIN") &&
      strcmp(c->sasl_mechanism, "SCRAM-SHA-256") && strcmp(c->sasl_mechanism, "SCRAM-SHA-512")) {
    snprintf(key, keylen, "sasl_mechanism");
    snprintf(err, errlen, "expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
    return LW_ERR_CONFIG;
  }
  return check_security(c, key, keylen, err, errlen);
}

bool lw_producer_conf_key(int i, const char **name, const char **deflt, const char **doc) {
  if (i < 0 || (size_t)i >= NOPTS)
    return false;
  *name = opts[i].name;
  *deflt = opts[i].deflt;
  *doc = opts[i].doc;
  return true;
}
