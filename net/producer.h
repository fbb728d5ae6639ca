/* producer.h — the Kafka producer: partitions records, batches them per partition (linger_ms,
 * batch_bytes), compresses, sends one Produce request per broker carrying every ready
 * partition, waits for acks 0/1/all, retries retriable errors in order until
 * delivery_timeout_ms, and reports every record's fate exactly once.
 *
 * With idempotence (default with acks=all when the cluster supports it) the producer gets a
 * producer id (InitProducerId) and numbers every batch per partition, so a retry never writes
 * a duplicate; up to 5 batches per partition are in flight. Without it, one batch per partition
 * is in flight so that retries cannot reorder records.
 *
 * Memory: buffered record bytes never exceed buffer_bytes (or the lower limit set with
 * lw_producer_set_limit); lw_producer_send then returns LW_ERR_QUEUE_FULL and on_space is called
 * when there is room again. Nothing is ever dropped silently. */
#ifndef LW_PRODUCER_H
#define LW_PRODUCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/cluster.h"
#include "net/conn.h"
#include "proto/batch.h"

typedef struct lw_producer lw_producer;
typedef struct lw_ptopic lw_ptopic;

#define LW_PARTITION_ANY (-1)

/* One record to send. Key, value and headers are copied during lw_producer_send. */
typedef struct lw_msg {
  const void *key;
  int32_t key_len; /* -1: null key */
  const void *value;
  int32_t value_len; /* -1: null value */
  const lw_rec_header *headers;
  int nheaders;
  int32_t partition; /* LW_PARTITION_ANY: the partitioner decides */
  int64_t timestamp; /* ms since the epoch; 0: now */
  void *opaque;      /* returned in the delivery report */
  uint64_t opaque64;
  uint32_t opaque32;
} lw_msg;

/* A record's delivery report. */
typedef struct lw_dr {
  int err; /* LW_OK, a Kafka error code, or a local error (LW_ERR_TIMED_OUT, ...) */
  const char *topic;
  int32_t partition; /* -1 when never assigned */
  int64_t offset;    /* -1 when unknown (acks=0, a duplicate the broker dropped) */
  void *opaque;
  uint64_t opaque64;
  uint32_t opaque32;
  uint64_t latency_us; /* from lw_producer_send to this report */
} lw_dr;

/* One record of a batch's delivery report. */
typedef struct lw_dr_rec {
  void *opaque;
  uint64_t opaque64;
  uint32_t enq_delta_us; /* when lw_producer_send took it, after the batch's first_us */
  uint32_t opaque32;
} lw_dr_rec;

/* A whole batch's delivery report (lw_producer_cbs.on_batch): its records in the order they
 * were sent, all with the same outcome. */
typedef struct lw_batch_dr {
  int err; /* as lw_dr.err, for every record */
  const char *topic;
  int32_t partition;
  int64_t base_offset; /* offset of the first record (base_offset + i for record i); -1 unknown */
  int32_t count;
  const lw_dr_rec *recs; /* count records (borrowed), or NULL when none carried an opaque */
  uint64_t first_us;     /* when the batch's first record was taken */
  uint64_t sent_us;      /* when the request carrying it was built (its last attempt; 0: never) */
  uint64_t done_us;      /* now: record i waited done_us - first_us - recs[i].enq_delta_us */
} lw_batch_dr;

typedef struct lw_producer_cbs {
  void (*on_delivery)(void *ud, const lw_dr *dr);
  /* Optional: one report per batch where on_delivery would be called once per record (the
   * per-record bookkeeping is a large share of a record's cost). Records that never reached a
   * batch (no metadata yet, a partition out of range) are still reported by on_delivery. */
  void (*on_batch)(void *ud, const lw_batch_dr *bd);
  /* Buffered bytes fell below 3/4 of the limit after a send returned LW_ERR_QUEUE_FULL. */
  void (*on_space)(void *ud);
} lw_producer_cbs;

typedef struct lw_producer_stats {
  uint64_t records_sent;  /* records accepted by lw_producer_send */
  uint64_t records_acked; /* delivered */
  uint64_t records_failed;
  uint64_t records_retried; /* records in batches sent again */
  uint64_t batches_sent, requests_sent, bytes_sent;
  size_t buffered_bytes, buffer_limit;
  int inflight_requests;
  int64_t producer_id;
  int16_t producer_epoch;
  bool idempotent;
  /* failures by error code (up to 16 distinct codes) */
  int nfail;
  struct {
    int err;
    uint64_t count;
  } fail[16];
} lw_producer_stats;

/* Create a producer on ctx (borrowed: loop, config, hooks). It starts connecting at once.
 * Returns LW_OK, LW_ERR_CONFIG (bad broker list) or LW_ERR_NOMEM. */
int lw_producer_new(lw_producer **out, lw_net_ctx *ctx, const lw_producer_cbs *cbs, void *ud);
/* Free the producer. Records not yet delivered are reported with LW_ERR_SHUTDOWN first. */
void lw_producer_free(lw_producer *p);

/* The handle for a topic (created on first use; valid until lw_producer_free). NULL only when
 * out of memory. */
lw_ptopic *lw_producer_topic(lw_producer *p, const char *name);

/* The largest record batch topic t takes, as learned from the brokers (DescribeConfigs
 * max.message.bytes, or a bound learned from MESSAGE_TOO_LARGE), or 0 while unknown. A record
 * that does not fit alone in a batch of that size is refused with LW_ERR_TOO_LARGE. */
size_t lw_producer_topic_limit(const lw_producer *p, const lw_ptopic *t);

/* Queue one record. Returns LW_OK (a delivery report will follow), LW_ERR_QUEUE_FULL (not
 * queued: wait for on_space), LW_ERR_TOO_LARGE (bigger than message_max_bytes: not queued,
 * no report), or LW_ERR_SHUTDOWN. */
int lw_producer_send(lw_producer *p, lw_ptopic *t, const lw_msg *m);

/* Queue one record per line of buf[0..len) (borrowed; copied): each value ends at `delim`
 * (not part of it), null key, no headers, the given partition or LW_PARTITION_ANY. The records
 * and batches are exactly those lw_producer_send would make of the lines one by one, for as
 * long as each would go into the open batch of its partition; it stops before the first line
 * that would not (a new batch to open, the buffer full, a line over the topic's limits) and
 * before a last line without its delimiter: the caller sends that one with lw_producer_send
 * (which reports LW_ERR_QUEUE_FULL or LW_ERR_TOO_LARGE as for any record) and calls again.
 * Returns the bytes consumed (whole lines, delimiters included); *records and *value_bytes
 * (delimiters not counted) say what was queued. Every record gets a delivery report (on_batch
 * or on_delivery) with no opaque. */
size_t lw_producer_send_lines(lw_producer *p, lw_ptopic *t, int32_t partition, const void *buf,
                              size_t len, uint8_t delim, int32_t *records, size_t *value_bytes);
/* Send every buffered batch without waiting for linger_ms. */
void lw_producer_flush(lw_producer *p);
/* Lower the buffered-bytes limit below buffer_bytes (0 restores buffer_bytes): how far a
 * source that can be re-read (a file) reads ahead of Kafka's acknowledgements. */
void lw_producer_set_limit(lw_producer *p, size_t bytes);
size_t lw_producer_buffered(const lw_producer *p);
/* True when nothing is buffered or in flight. */
bool lw_producer_idle(const lw_producer *p);
void lw_producer_stats_get(const lw_producer *p, lw_producer_stats *s);
lw_cluster *lw_producer_cluster(lw_producer *p);

#endif
