/* fb_log.h — the broker model's storage (test-only): topics with their configs, in-memory
 * partition logs (every record kept), and Produce validation, idempotence and offset assignment
 * as a real broker does them. */
#ifndef FB_LOG_H
#define FB_LOG_H

#include <stdio.h>

#include "proto/batch.h"

#define FB_MAX_TOPICS     1024
#define FB_MAX_NODES      16 /* brokers of the cluster, node ids 1..FB_MAX_NODES */
#define FB_NDUP           5  /* batches remembered per producer, as Kafka does */
#define FB_INVALID_RECORD 87 /* Kafka's INVALID_RECORD */

typedef struct fb_entry { /* one stored batch or legacy message (a wrapper counts as one) */
  int64_t base, last;     /* first and last offset it holds */
  int64_t max_ts;         /* largest timestamp, -1 when unknown (magic 0) */
  size_t pos, len;        /* bytes in the partition's log */
  int16_t acks;           /* Acks of the Produce request that wrote it */
} fb_entry;

typedef struct fb_pstate { /* an idempotent producer's last batches on one partition */
  int64_t pid;
  int16_t epoch;
  int n; /* batches recorded in this epoch; the newest is b[(n - 1) % FB_NDUP] */
  struct {
    int32_t first, last; /* BaseSequence and last sequence */
    int64_t offset;      /* BaseOffset it was written at */
  } b[FB_NDUP];
} fb_pstate;

typedef struct fb_part {
  lw_buf log; /* the entries back to back, offsets assigned */
  fb_entry *ents;
  size_t nents, cap;
  int64_t next;  /* the next offset: HighWatermark */
  fb_pstate *ps; /* every idempotent producer seen (until expired), owned */
  int nps, capps;
  /* Replication, kept by the cluster (fakebroker.c): */
  int32_t leader;       /* node id, -1: none */
  int32_t leader_epoch; /* bumped on every leader change */
  int32_t replicas[FB_MAX_NODES];
  int32_t nreplicas;
  uint32_t isr_out; /* bit n: node n was taken out of the ISR by a command */
  /* What a stale broker n answers in Metadata (when bit n of stale_set): */
  int32_t stale_leader[FB_MAX_NODES + 1], stale_epoch[FB_MAX_NODES + 1];
  uint32_t stale_set;
  /* Injected errors for this partition's next Produce appends: */
  int16_t perr_code;
  int perr_count;
  bool perr_after; /* the records are appended, then the error is answered */
} fb_part;

typedef struct fb_topic {
  char name[256];
  lw_uuid id;
  int32_t nparts;
  fb_part *parts;
  /* Topic configs; -1: the broker's default. */
  int64_t max_message_bytes; /* max.message.bytes */
  int64_t segment_bytes;     /* segment.bytes */
  int32_t min_isr;           /* min.insync.replicas */
} fb_topic;

/* What one partition's Records of a Produce request are checked against. */
typedef struct fb_limits {
  int16_t version;           /* of the Produce request */
  int16_t acks;              /* its Acks */
  int64_t max_message_bytes; /* per batch (or legacy wrapper): MESSAGE_TOO_LARGE */
  int64_t segment_bytes;     /* per partition's Records: RECORD_LIST_TOO_LARGE */
  int32_t leader_epoch;      /* stamped into PartitionLeaderEpoch */
  bool reject_unknown_pid;   /* a producer without state and BaseSequence != 0:
                                UNKNOWN_PRODUCER_ID (brokers before KIP-360), else accepted */
} fb_limits;

typedef struct fb_log {
  fb_topic *topics[FB_MAX_TOPICS]; /* owned */
  int ntopics;
  size_t bytes, max;    /* stored bytes, over all partitions, and their ceiling */
  int mangle;           /* flip the last byte of the next `mangle` Records as received */
  char msg[256];        /* ErrorMessage of the last rejected append */
  const fb_limits *lim; /* of the append in progress, borrowed */
  struct {
    long accepted;    /* entries stored */
    long crc;         /* CRC mismatches seen (batches, messages, inner messages) */
    long invalid;     /* Records rejected as corrupt or invalid (CRC included) */
    long dup;         /* idempotent duplicates answered with their original offset */
    long ooo;         /* OUT_OF_ORDER_SEQUENCE_NUMBER answers */
    long too_large;   /* MESSAGE_TOO_LARGE answers */
    long list_large;  /* RECORD_LIST_TOO_LARGE answers */
    long unknown_pid; /* UNKNOWN_PRODUCER_ID answers */
    long fenced;      /* INVALID_PRODUCER_EPOCH answers */
  } st;
  /* Working memory for one partition's Records: */
  lw_zctx z;
  lw_buf in, stage, plain, scratch;
  fb_entry *sents; /* entries staged in `stage` */
  size_t nsents, capsents;
} fb_log;

/* Empty storage holding at most `max` bytes of records (SIZE_MAX: no ceiling). */
void fb_log_init(fb_log *g, size_t max);
void fb_log_free(fb_log *g);

/* Lookups; NULL when absent. Borrowed from g. */
fb_topic *fb_topic_find(fb_log *g, const char *name, size_t n);
fb_topic *fb_topic_find_id(fb_log *g, const lw_uuid *id);
fb_part *fb_part_get(fb_topic *t, int32_t partition);
/* Create a topic (or return the existing one of that name). NULL for an invalid name or
 * partition count, a full table, or no memory. */
fb_topic *fb_topic_create(fb_log *g, const char *name, size_t n, int32_t nparts);

/* Validate one partition's Records from a Produce request against `lim` and append them, in
 * the order Kafka checks (UnifiedLog.analyzeAndValidateRecords, LogValidator, then the producer
 * state). Returns 0 or the Kafka error code to answer (nothing is appended then, and g->msg
 * says why); *base gets the BaseOffset to answer (-1 on error; the original offset for an
 * idempotent duplicate, which is answered with 0 and not appended again). The records are
 * copied. */
int16_t fb_append(fb_log *g, fb_part *pp, const fb_limits *lim, lw_bytes records, int64_t *base);

/* Forget producer `pid` (-1: every producer) on every partition, as producer state expiry does
 * (producer.id.expiration.ms). Returns how many partition states were dropped. */
int fb_expire(fb_log *g, int64_t pid);
/* Fence producer `pid`: its epoch on every partition where it is known becomes epoch + 1, as if
 * a newer instance had written there. Returns how many partition states changed. */
int fb_fence(fb_log *g, int64_t pid);

/* Write every record of `topic` (NULL: of every topic) to `out`, one line each, tab-separated:
 *   TOPIC PARTITION OFFSET PRODUCER_ID PRODUCER_EPOCH SEQUENCE MAGIC CODEC ACKS KEY VALUE
 * CODEC is none|gzip|snappy|lz4|zstd (the stored batch's attribute, as written by the client);
 * ACKS is the Acks of the request that wrote the batch; SEQUENCE is BaseSequence + the record's
 * OffsetDelta (-1 without idempotence); KEY and VALUE escape \\ \t \n \r, a null one is
 * \N. Returns the number of records written, or -1 when a stored batch does not decode. */
long fb_dump(fb_log *g, const char *topic, FILE *out);
/* Records stored in `t` (every partition when partition < 0). */
int64_t fb_count(const fb_topic *t, int32_t partition);

/* Index of the first entry holding an offset >= off (pp->nents when none). */
size_t fb_first_entry(const fb_part *pp, int64_t off);

#endif
