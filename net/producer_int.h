/* producer_int.h — the producer's internal state, shared by producer.c (accepting records,
 * partitioning, batching) and producer_send.c (requests, responses, retries, idempotence). */
#ifndef LW_PRODUCER_INT_H
#define LW_PRODUCER_INT_H

#include "net/producer.h"
#include "proto/msgset.h"

/* Per-record bookkeeping kept beside a batch for the delivery reports; only allocated for
 * batches holding records sent with an opaque (24 bytes a record). lw_batch_dr hands the
 * array itself to on_batch. */
typedef lw_dr_rec rec_op;

typedef struct batch {
  struct batch *next;
  lw_buf buf; /* the batch bytes, from the producer's pool */
  lw_batch_builder bb;
  lw_msgset_builder mb;
  int8_t magic; /* 2, or 1/0 for legacy brokers */
  int32_t count;
  size_t bytes; /* buffered bytes accounted to the records */
  rec_op *ops;  /* kept across reuses; valid for [0, count) when has_ops */
  int32_t opcap;
  bool has_ops; /* some record of the batch carries an opaque */
  uint64_t created_us;
  int32_t base_seq; /* -1 until sealed with idempotence */
  int64_t pid;
  int16_t epoch;
  bool sealed;
  bool hinted; /* the broker named a new leader (KIP-951): retry without backoff */
  int attempts;
  int last_err;
  uint64_t retry_at_us;
  uint64_t sent_us; /* when its last request was built (0: never sent) */
} batch;

typedef struct ppart {
  int32_t id;
  struct lw_ptopic *topic;
  batch *open;               /* being filled */
  batch *queue, *queue_tail; /* sealed or ready to seal, oldest first */
  int inflight;              /* batches of this partition in flight */
  int32_t next_seq;          /* idempotence: sequence of the next new batch */
  int32_t expect_seq; /* idempotence: the sequence the broker expects next (last acked + 1) */
  bool retrying;      /* resend from the queue head once inflight drains */
} ppart;

/* A record waiting for its topic's metadata (partition not chosen yet). */
typedef struct pending {
  struct pending *next;
  lw_msg m; /* key/value/headers point into `data` */
  uint64_t enq_us;
  uint32_t bytes;
  uint8_t data[];
} pending;

struct lw_ptopic {
  char *name;
  lw_topic_info *info; /* the cluster's view (partitions, leaders, errors) */
  ppart **parts;
  int32_t nparts;
  pending *pend, *pend_tail;
  size_t pend_bytes;
  int32_t sticky; /* sticky partition for unkeyed records, -1 to choose */
  uint32_t rr;
  /* The largest record batch the topic takes: max.message.bytes from DescribeConfigs, or a
   * bound learned from MESSAGE_TOO_LARGE; 0 while unknown. Batches are built below it. */
  size_t max_bytes;
  bool max_described; /* max_bytes came from DescribeConfigs */
  int dc_state;       /* DescribeConfigs: 0 to ask, 1 asked, 2 answered or not supported */
  size_t batch_max;   /* the producer's batch_max, lowered to max_bytes */
  size_t rec_max;     /* records larger take lw_producer_send's slow path (0 until dc_state 2) */
  struct lw_ptopic *next;
};

/* Recoveries the producer logs, each at most once a second (with how many were not logged). */
enum { LW_NOTE_SPLIT, LW_NOTE_TOO_LARGE, LW_NOTE_PID, LW_NOTE_OOSN, LW_NOTE_LEADER, LW_NOTE_N };

struct lw_producer {
  lw_net_ctx *ctx;
  const lw_producer_conf *conf;
  lw_producer_cbs cbs;
  void *ud;
  lw_cluster *cl;
  struct lw_ptopic *topics;
  size_t buffered, limit;
  size_t batch_max; /* batch size in use: batch_bytes, or half the limit when lower */
  bool want_space;
  int inflight_reqs;
  lw_prepare prep;
  lw_timer linger_timer; /* earliest linger deadline or retry backoff */
  lw_timer housekeeping; /* delivery timeouts, pid retries */
  batch *pool;           /* free batches with their buffers */
  int npool;
  lw_zctx z;
  lw_buf scratch; /* compression working space */
  bool flush;     /* send everything regardless of linger */
  bool closing;
  /* idempotence */
  int idem; /* -1 undecided, 0 off, 1 on */
  int64_t pid;
  int16_t epoch;
  bool pid_inflight;
  bool bump; /* a new epoch (or id) is needed: sending waits for every answer, then asks */
  uint64_t pid_retry_at;
  bool dc_inflight; /* a DescribeConfigs request is out */
  uint64_t note_us[LW_NOTE_N], note_skipped[LW_NOTE_N];
  uint64_t rng;
  lw_producer_stats st;
};

/* producer.c */
/* Report every record of batch b (partition pp) with err (offsets base+i when LW_OK and
 * base >= 0) and free the batch. */
void lw_prod_batch_done(lw_producer *p, ppart *pp, batch *b, int64_t base, int err);
void lw_prod_batch_free(lw_producer *p, batch *b);
void lw_prod_count_fail(lw_producer *p, int err, uint64_t n);
void lw_prod_release(lw_producer *p, size_t bytes);
bool lw_prod_ready(lw_producer *p, const batch *b, uint64_t now);
void lw_prod_schedule(lw_producer *p, uint64_t due_us);
void lw_prod_on_metadata(lw_producer *p);
/* Split batch b (sealed, at least 2 records) in two unsealed batches with the same records in
 * the same order: b keeps the first half, *second gets the rest. With idempotence the halves
 * keep b's sequence range (b's BaseSequence, then BaseSequence + the first half's count), so
 * the batches numbered after b stay valid. Returns LW_OK, LW_ERR_INVALID_ARG (fewer than 2
 * records), LW_ERR_NOMEM or a decoding error; on error b is unchanged. */
int lw_prod_split(lw_producer *p, batch *b, batch **second);
/* Recompute topic t's batch_max and rec_max (after max_bytes, dc_state or batch_max changed). */
void lw_prod_topic_limits(lw_producer *p, struct lw_ptopic *t);
/* Lower topic t's batch size bound to `bytes` (described: from DescribeConfigs). */
void lw_prod_learn_limit(lw_producer *p, struct lw_ptopic *t, size_t bytes, bool described);
/* Log a recovery of kind `note` at warn level, at most once a second per kind. */
void lw_prod_note(lw_producer *p, int note, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Kafka sequence numbers wrap from INT32_MAX to 0: true when a comes before b. */
bool lw_prod_seq_before(int32_t a, int32_t b);

/* producer_send.c */
void lw_prod_drain(lw_producer *p);
void lw_prod_init_pid(lw_producer *p);
/* producer_limits.c: ask the brokers for topic configs (max.message.bytes). */
void lw_prod_describe(lw_producer *p);

#endif
