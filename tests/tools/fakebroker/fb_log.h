/* fb_log.h — the fake broker's storage (test-only): topics, in-memory partition logs with a
 * ceiling, and Produce validation and offset assignment as a real broker does them. */
#ifndef FB_LOG_H
#define FB_LOG_H

#include "proto/batch.h"

#define FB_MAX_TOPICS     256
#define FB_NPROD          16 /* idempotent producers remembered per partition */
#define FB_NDUP           5  /* batches remembered per producer, as Kafka does */
#define FB_INVALID_RECORD 87 /* Kafka's INVALID_RECORD */

typedef struct fb_entry { /* one stored batch or legacy message (a wrapper counts as one) */
  int64_t base, last;     /* first and last offset it holds */
  int64_t max_ts;         /* largest timestamp, -1 when unknown (magic 0) */
  size_t pos, len;        /* bytes in the partition's log */
} fb_entry;

typedef struct fb_pstate { /* an idempotent producer's last batches on one partition */
  int64_t pid;
  int16_t epoch;
  int n; /* batches recorded; the newest is b[(n - 1) % FB_NDUP] */
  struct {
    int32_t first, last; /* BaseSequence and last sequence */
    int64_t offset;      /* BaseOffset it was written at */
  } b[FB_NDUP];
} fb_pstate;

typedef struct fb_part {
  lw_buf log; /* the entries back to back, offsets assigned */
  fb_entry *ents;
  size_t nents, cap;
  int64_t next; /* the next offset: HighWatermark */
  fb_pstate ps[FB_NPROD];
  int nps;
} fb_part;

typedef struct fb_topic {
  char name[256];
  lw_uuid id;
  int32_t nparts;
  fb_part *parts;
} fb_topic;

typedef struct fb_log {
  fb_topic *topics[FB_MAX_TOPICS]; /* owned */
  int ntopics;
  size_t bytes, max; /* stored bytes, over all partitions, and their ceiling */
  int mangle;        /* flip the last byte of the next `mangle` Records as received */
  struct {
    long accepted; /* entries stored */
    long crc;      /* CRC mismatches seen (batches, messages, inner messages) */
    long invalid;  /* Records rejected as corrupt or invalid (CRC included) */
    long dup;      /* idempotent duplicates answered with their original offset */
    long ooo;      /* OUT_OF_ORDER_SEQUENCE_NUMBER answers */
  } st;
  /* Working memory for one partition's Records: */
  lw_zctx z;
  lw_buf in, stage, plain, scratch;
  fb_entry *sents; /* entries staged in `stage` */
  size_t nsents, capsents;
} fb_log;

/* Empty storage holding at most `max` bytes of records. */
void fb_log_init(fb_log *g, size_t max);
void fb_log_free(fb_log *g);

/* Lookups; NULL when absent. Borrowed from g. */
fb_topic *fb_topic_find(fb_log *g, const char *name, size_t n);
fb_topic *fb_topic_find_id(fb_log *g, const lw_uuid *id);
fb_part *fb_part_get(fb_topic *t, int32_t partition);
/* Create a topic (or return the existing one of that name). NULL for an invalid name or
 * partition count, a full table, or no memory. */
fb_topic *fb_topic_create(fb_log *g, const char *name, size_t n, int32_t nparts);

/* Validate one partition's Records from a Produce request of `version` and append them.
 * Returns 0 or the Kafka error code to answer (nothing is appended then); *base gets the
 * BaseOffset to answer (-1 on error; the original offset for an idempotent duplicate, which is
 * answered with 0 and not appended again). The records are copied. */
int16_t fb_append(fb_log *g, fb_part *pp, int16_t version, lw_bytes records, int64_t *base);

/* Index of the first entry holding an offset >= off (pp->nents when none). */
size_t fb_first_entry(const fb_part *pp, int64_t off);

#endif
