/* producer.c — accepting records: partitioning, batching, buffering limits, delivery reports.
 * Sending, responses, retries and idempotence are in producer_send.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/partitioner.h"
#include "net/producer_int.h"
#include "proto/api.h"
#include "base/err.h"

#define POOL_MAX  1 /* free batch buffers kept for reuse */
#define BATCH_MIN (16 * 1024)
#define PEND_MAX  (64 * 1024) /* bytes staged per topic before its metadata is known */

static void on_prepare(lw_loop *l, void *ud);
static void on_linger(lw_loop *l, lw_timer *t, void *ud);
static void on_housekeeping(lw_loop *l, lw_timer *t, void *ud);

static void on_cl_metadata(lw_cluster *cl, void *ud) {
  (void)cl;
  lw_prod_on_metadata(ud);
}

static void on_cl_room(lw_cluster *cl, lw_conn *c, void *ud) {
  /* Nothing to do now: sending happens in the prepare hook, once per loop iteration, so that
   * every partition ready by then goes in the same request. */
  (void)cl, (void)c, (void)ud;
}

static void on_cl_down(lw_cluster *cl, lw_conn *c, int err, void *ud) {
  (void)cl, (void)c, (void)err, (void)ud;
}

int lw_producer_new(lw_producer **out, lw_net_ctx *ctx, const lw_producer_cbs *cbs, void *ud) {
  lw_producer *p = calloc(1, sizeof(*p));
  if (!p)
    return LW_ERR_NOMEM;
  p->ctx = ctx;
  p->conf = ctx->conf;
  p->cbs = *cbs;
  p->ud = ud;
  lw_producer_set_limit(p, 0);
  p->pid = -1;
  p->epoch = -1;
  p->rng = (uint64_t)lw_now_us() ^ (uint64_t)(uintptr_t)p;
  /* acks=all without an explicit choice turns idempotence on once the cluster says it can. */
  p->idem = p->conf->acks != -1 || p->conf->idempotence == 0 ? 0 : -1;
  lw_buf_init(&p->scratch, p->conf->batch_bytes + p->conf->message_max_bytes + 65536);
  static const lw_cluster_cbs ccbs = {
      .on_metadata = on_cl_metadata, .on_room = on_cl_room, .on_down = on_cl_down};
  int rc = lw_cluster_new(&p->cl, ctx, &ccbs, p);
  if (rc != LW_OK) {
    lw_buf_free(&p->scratch);
    free(p);
    return rc;
  }
  lw_prepare_init(&p->prep, on_prepare, p);
  lw_prepare_start(ctx->loop, &p->prep);
  lw_timer_init(&p->linger_timer, on_linger, p);
  lw_timer_init(&p->housekeeping, on_housekeeping, p);
  lw_timer_start(ctx->loop, &p->housekeeping, 1000000);
  *out = p;
  return LW_OK;
}

lw_cluster *lw_producer_cluster(lw_producer *p) {
  return p->cl;
}

/* ---- Buffer accounting ---- */

void lw_prod_release(lw_producer *p, size_t bytes) {
  p->buffered -= bytes < p->buffered ? bytes : p->buffered;
}

void lw_producer_set_limit(lw_producer *p, size_t bytes) {
  p->limit = bytes && bytes < p->conf->buffer_bytes ? bytes : p->conf->buffer_bytes;
  /* At least two batches fit in the limit, so one can fill while the other is in flight. */
  p->batch_max = p->conf->batch_bytes;
  if (p->batch_max > p->limit / 2)
    p->batch_max = p->limit / 2 > BATCH_MIN ? p->limit / 2 : BATCH_MIN;
  for (struct lw_ptopic *t = p->topics; t; t = t->next)
    lw_prod_topic_limits(p, t);
}

void lw_prod_topic_limits(lw_producer *p, struct lw_ptopic *t) {
  t->batch_max = t->max_bytes && t->max_bytes < p->batch_max ? t->max_bytes : p->batch_max;
  size_t max = p->conf->message_max_bytes;
  if (t->max_bytes && t->max_bytes - LW_BATCH_HEADER_SIZE < max)
    max = t->max_bytes > LW_BATCH_HEADER_SIZE ? t->max_bytes - LW_BATCH_HEADER_SIZE : 0;
  t->rec_max = t->dc_state == 2 ? max : 0; /* 0: every record takes the slow path */
}

void lw_prod_learn_limit(lw_producer *p, struct lw_ptopic *t, size_t bytes, bool described) {
  if (bytes < 256)
    bytes = 256; /* a broker taking less than that takes nothing a producer could send */
  if (described || !t->max_bytes || bytes < t->max_bytes) {
    t->max_bytes = bytes;
    t->max_described = described;
  }
  lw_prod_topic_limits(p, t);
}

size_t lw_producer_topic_limit(const lw_producer *p, const lw_ptopic *t) {
  (void)p;
  return t->max_bytes;
}

bool lw_prod_seq_before(int32_t a, int32_t b) {
  /* Sequences live in [0, INT32_MAX] and wrap to 0: b is after a when it is less than half the
   * space ahead. */
  uint32_t d = ((uint32_t)b - (uint32_t)a) & 0x7fffffffu;
  return d != 0 && d < 0x40000000u;
}

void lw_prod_note(lw_producer *p, int note, const char *fmt, ...) {
  uint64_t now = lw_now_us();
  if (p->note_us[note] && now - p->note_us[note] < 1000000u) {
    p->note_skipped[note]++;
    return;
  }
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (p->note_skipped[note])
    lw_net_logf(p->ctx, 2, "%s (and %llu more like it in the last second)", msg,
                (unsigned long long)p->note_skipped[note]);
  else
    lw_net_logf(p->ctx, 2, "%s", msg);
  p->note_us[note] = now;
  p->note_skipped[note] = 0;
}

size_t lw_producer_buffered(const lw_producer *p) {
  return p->buffered;
}

void lw_prod_count_fail(lw_producer *p, int err, uint64_t n) {
  p->st.records_failed += n;
  for (int i = 0; i < p->st.nfail; i++)
    if (p->st.fail[i].err == err) {
      p->st.fail[i].count += n;
      return;
    }
  if (p->st.nfail < 16) {
    p->st.fail[p->st.nfail].err = err;
    p->st.fail[p->st.nfail++].count = n;
  }
}

/* ---- Batches ---- */

static batch *batch_new(lw_producer *p) {
  batch *b = p->pool;
  if (b) {
    p->pool = b->next;
    p->npool--;
    lw_buf_reset(&b->buf);
  } else {
    b = calloc(1, sizeof(*b));
    if (!b)
      return NULL;
    lw_buf_init(&b->buf, p->conf->batch_bytes + p->conf->message_max_bytes + 4096);
  }
  b->next = NULL;
  b->count = 0;
  b->bytes = 0;
  b->has_ops = false;

  b->base_seq = -1;
  b->pid = -1;
  b->epoch = -1;
  b->sealed = false;
  b->hinted = false;
  b->attempts = 0;
  b->last_err = 0;
  b->retry_at_us = 0;
  b->sent_us = 0;
  return b;
}

void lw_prod_batch_free(lw_producer *p, batch *b) {
  /* Keep a few buffers (with their grown capacity) so that a busy partition does not
   * reallocate and copy its batch as it grows; the rest go back to the system. */
  if (p->npool < POOL_MAX && !p->closing) {
    b->next = p->pool;
    p->pool = b;
    p->npool++;
    return;
  }
  lw_buf_free(&b->buf);
  free(b->ops);
  free(b);
}

static int8_t magic_for(lw_producer *p, int32_t leader) {
  lw_conn *c = leader >= 0 ? lw_cluster_broker_conn(p->cl, leader) : NULL;
  int16_t v = c ? lw_conn_api_version(c, LW_API_PRODUCE) : -1;
  if (v < 0 || v >= 3)
    return 2;
  return v == 2 ? 1 : 0;
}

static int batch_start(lw_producer *p, ppart *pp, batch *b, int64_t ts, uint64_t now) {
  int32_t leader =
      pp->id < pp->topic->info->partitions ? pp->topic->info->parts[pp->id].leader : -1;
  b->magic = magic_for(p, leader);
  b->created_us = now;
  if (b->magic == 2)
    return lw_batch_begin(&b->bb, &b->buf, ts);
  return lw_msgset_begin(&b->mb, &b->buf, b->magic);
}

/* The open batch becomes ready to send (full, or its partition switches). */
static void close_open(ppart *pp) {
  batch *b = pp->open;
  if (!b)
    return;
  pp->open = NULL;
  if (pp->queue_tail)
    pp->queue_tail->next = b;
  else
    pp->queue = b;
  pp->queue_tail = b;
}

/* Remember a record's opaque values (allocated on the first record that has any; earlier
 * records of the batch get zeros). */
static int ops_push(batch *b, const lw_msg *m, uint64_t now) {
  if (!b->has_ops && !m->opaque && !m->opaque64)
    return LW_OK;
  if (b->count >= b->opcap) {
    /* The array stays with the batch struct when it returns to the pool, so a busy
     * partition grows it once. */
    int32_t n = b->opcap ? b->opcap * 2 : 256;
    while (n <= b->count)
      n *= 2;
    rec_op *o = realloc(b->ops, (size_t)n * sizeof(*o));
    if (!o)
      return LW_ERR_NOMEM;
    b->ops = o;
    b->opcap = n;
  }
  if (!b->has_ops) { /* records before the first with an opaque have none */
    memset(b->ops, 0, (size_t)b->count * sizeof(*b->ops));
    b->has_ops = true;
  }
  b->ops[b->count] = (rec_op){.opaque = m->opaque,
                              .opaque64 = m->opaque64,
                              .opaque32 = m->opaque32,
                              .enq_delta_us = (uint32_t)(now - b->created_us)};
  return LW_OK;
}

static size_t record_bytes(const lw_msg *m) {
  size_t n =
      (size_t)(m->key_len > 0 ? m->key_len : 0) + (size_t)(m->value_len > 0 ? m->value_len : 0);
  for (int i = 0; i < m->nheaders; i++)
    n += (size_t)(m->headers[i].Key.len > 0 ? m->headers[i].Key.len : 0) +
         (size_t)(m->headers[i].Value.len > 0 ? m->headers[i].Value.len : 0) + 8;
  return n + 24; /* record framing, roughly */
}

/* Append a record (accounted as `bytes`, taken at enq_us) to partition pp. Returns LW_OK or
 * LW_ERR_NOMEM. */
static int append(lw_producer *p, ppart *pp, const lw_msg *m, uint32_t bytes, uint64_t enq_us) {
  int64_t ts = m->timestamp ? m->timestamp : lw_loop_wall_ms(p->ctx->loop);
  lw_bytes key = {m->key, m->key_len};
  lw_bytes val = {m->value, m->value_len};
  batch *b = pp->open;
  /* bytes is at least the record's encoded size: the batch never outgrows batch_max (the
   * topic's, below its max.message.bytes). The open batch is never sealed: sealing moves it to
   * the queue (producer_send.c), so nothing is appended to a sealed batch. */
  if (b && b->count > 0 && b->buf.len + bytes > pp->topic->batch_max) {
    close_open(pp);
    b = NULL;
    if (pp->topic->sticky == pp->id)
      pp->topic->sticky = -1; /* sticky partitioning: move on once a batch is full */
  }
  if (!b) {
    b = batch_new(p);
    if (!b)
      return LW_ERR_NOMEM;
    if (batch_start(p, pp, b, ts, enq_us) != LW_OK) {
      lw_prod_batch_free(p, b);
      return LW_ERR_NOMEM;
    }
    pp->open = b;
    if (p->conf->linger_ms > 0)
      lw_prod_schedule(p, enq_us + (uint64_t)p->conf->linger_ms * 1000u);
  }
  int rc;
  if (b->magic == 2 && m->key_len < 0 && m->nheaders == 0) /* a plain log line */
    rc = lw_batch_append_value(&b->bb, ts, m->value, m->value_len);
  else if (b->magic == 2)
    rc = lw_batch_append(&b->bb, ts, key, val, m->headers, m->nheaders);
  else
    rc = lw_msgset_append(&b->mb, ts, key, val);
  if (rc == LW_OK)
    rc = ops_push(b, m, enq_us);
  if (rc != LW_OK)
    return rc;
  b->count++;
  b->bytes += bytes;
  return LW_OK;
}

/* ---- Partitioning ---- */

static ppart *part_get(lw_producer *p, struct lw_ptopic *t, int32_t id) {
  (void)p;
  if (id < 0)
    return NULL;
  if (id >= t->nparts) {
    ppart **a = realloc(t->parts, (size_t)(id + 1) * sizeof(*a));
    if (!a)
      return NULL;
    memset(a + t->nparts, 0, (size_t)(id + 1 - t->nparts) * sizeof(*a));
    t->parts = a;
    t->nparts = id + 1;
  }
  if (!t->parts[id]) {
    ppart *pp = calloc(1, sizeof(*pp));
    if (!pp)
      return NULL;
    pp->id = id;
    pp->topic = t;
    t->parts[id] = pp;
  }
  return t->parts[id];
}

/* Partitions with a leader, for unkeyed records (all partitions when none has one). */
static int32_t pick_available(lw_producer *p, struct lw_ptopic *t, int32_t avoid) {
  int32_t n = t->info->partitions, cand[64], nc = 0;
  for (int32_t i = 0; i < n && nc < 64; i++)
    if (t->info->parts[i].leader >= 0 && i != avoid)
      cand[nc++] = i;
  if (nc == 0)
    return n > 1 && avoid >= 0 ? (avoid + 1) % n : (int32_t)(lw_rand32(&p->rng) % (uint32_t)n);
  if (n > 64) /* many partitions: sample a random one with a leader */
    for (int tries = 0; tries < 16; tries++) {
      int32_t r = (int32_t)(lw_rand32(&p->rng) % (uint32_t)n);
      if (t->info->parts[r].leader >= 0 && r != avoid)
        return r;
    }
  return cand[lw_rand32(&p->rng) % (uint32_t)nc];
}

static int32_t choose_partition(lw_producer *p, struct lw_ptopic *t, const lw_msg *m) {
  int32_t n = t->info->partitions;
  if (m->partition >= 0)
    return m->partition;
  int part = p->conf->partitioner;
  if (m->key_len >= 0 && (part == LW_PART_MURMUR2 || part == LW_PART_CRC32))
    return part == LW_PART_MURMUR2 ? lw_partition_murmur2(m->key, (size_t)m->key_len, n)
                                   : lw_partition_crc32(m->key, (size_t)m->key_len, n);
  if (part == LW_PART_ROUND_ROBIN)
    return (int32_t)(t->rr++ % (uint32_t)n);
  if (part == LW_PART_RANDOM)
    return (int32_t)(lw_rand32(&p->rng) % (uint32_t)n);
  if (t->sticky < 0 || t->sticky >= n)
    t->sticky = pick_available(p, t, t->sticky);
  return t->sticky;
}

/* Place a record whose topic metadata is known. Returns LW_OK or an error to report. */
static int route(lw_producer *p, struct lw_ptopic *t, const lw_msg *m, uint32_t bytes,
                 uint64_t enq_us) {
  int32_t id = choose_partition(p, t, m);
  if (id >= t->info->partitions)
    return LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
  ppart *pp = part_get(p, t, id);
  if (!pp)
    return LW_ERR_NOMEM;
  return append(p, pp, m, bytes, enq_us);
}

static void report(lw_producer *p, struct lw_ptopic *t, int32_t part, int64_t off, int err,
                   void *opaque, uint64_t opaque64, uint32_t opaque32, uint64_t latency_us) {
  if (!p->cbs.on_delivery)
    return;
  lw_dr dr = {.err = err,
              .topic = t->name,
              .partition = part,
              .offset = off,
              .opaque = opaque,
              .opaque64 = opaque64,
              .opaque32 = opaque32,
              .latency_us = latency_us};
  p->cbs.on_delivery(p->ud, &dr);
}

static void report_pending(lw_producer *p, struct lw_ptopic *t, pending *pe, int err,
                           uint64_t now) {
  lw_prod_release(p, pe->bytes);
  lw_prod_count_fail(p, err, 1);
  report(p, t, pe->m.partition, -1, err, pe->m.opaque, pe->m.opaque64, pe->m.opaque32,
         now - pe->enq_us);
}

/* ---- Pending records (topic metadata not known yet) ---- */

static int pend_push(lw_producer *p, struct lw_ptopic *t, const lw_msg *m, uint32_t bytes,
                     uint64_t now) {
  size_t kl = m->key_len > 0 ? (size_t)m->key_len : 0,
         vl = m->value_len > 0 ? (size_t)m->value_len : 0;
  size_t hl = (size_t)m->nheaders * sizeof(lw_rec_header);
  for (int i = 0; i < m->nheaders; i++)
    hl += (size_t)(m->headers[i].Key.len > 0 ? m->headers[i].Key.len : 0) +
          (size_t)(m->headers[i].Value.len > 0 ? m->headers[i].Value.len : 0);
  pending *pe = malloc(sizeof(*pe) + kl + vl + hl + 16);
  if (!pe)
    return LW_ERR_NOMEM;
  uint8_t *d = pe->data;
  lw_rec_header *hs = (lw_rec_header *)(void *)d;
  d += (size_t)m->nheaders * sizeof(lw_rec_header);
  pe->m = *m;
  for (int i = 0; i < m->nheaders; i++) {
    hs[i] = m->headers[i];
    if (hs[i].Key.len > 0) {
      memcpy(d, m->headers[i].Key.p, (size_t)hs[i].Key.len);
      hs[i].Key.p = (const char *)d;
      d += hs[i].Key.len;
    }
    if (hs[i].Value.len > 0) {
      memcpy(d, m->headers[i].Value.p, (size_t)hs[i].Value.len);
      hs[i].Value.p = d;
      d += hs[i].Value.len;
    }
  }
  pe->m.headers = m->nheaders ? hs : NULL;
  if (kl)
    memcpy(d, m->key, kl);
  pe->m.key = kl ? (const void *)d : m->key_len == 0 ? (const void *)"" : NULL;
  d += kl;
  if (vl)
    memcpy(d, m->value, vl);
  pe->m.value = vl ? (const void *)d : m->value_len == 0 ? (const void *)"" : NULL;
  if (!pe->m.timestamp)
    pe->m.timestamp = lw_loop_wall_ms(p->ctx->loop);
  pe->enq_us = now;
  pe->bytes = bytes;
  pe->next = NULL;
  t->pend_bytes += bytes;
  if (t->pend_tail)
    t->pend_tail->next = pe;
  else
    t->pend = pe;
  t->pend_tail = pe;
  return LW_OK;
}

/* Route or fail the records waiting for topic t's metadata. */
static void pend_flush(lw_producer *p, struct lw_ptopic *t, uint64_t now) {
  int err = t->info->err;
  /* Known: partitions and leaders, and the size limit asked (producer_limits.c). */
  bool known = t->info->partitions > 0 && err == LW_OK && t->dc_state == 2;
  if (!known && !err)
    return;
  /* A topic still missing after topic_wait_ms fails its records once each has waited that
   * long: one that is created later takes the records sent since (the cluster keeps asking). */
  uint64_t wait = (uint64_t)p->conf->topic_wait_ms * 1000u;
  while (t->pend) {
    pending *pe = t->pend;
    if (err == LW_ERR_UNKNOWN_TOPIC && now - pe->enq_us < wait)
      break;
    int rc = known ? route(p, t, &pe->m, pe->bytes, pe->enq_us) : err;
    if (rc != LW_OK)
      report_pending(p, t, pe, rc, now);
    t->pend = pe->next;
    t->pend_bytes -= pe->bytes;
    free(pe);
  }
  if (!t->pend)
    t->pend_tail = NULL;
}

/* ---- Public API ---- */

lw_ptopic *lw_producer_topic(lw_producer *p, const char *name) {
  for (struct lw_ptopic *t = p->topics; t; t = t->next)
    if (!strcmp(t->name, name))
      return t;
  struct lw_ptopic *t = calloc(1, sizeof(*t));
  if (!t)
    return NULL;
  t->name = strdup(name);
  t->info = lw_cluster_topic(p->cl, name);
  if (!t->name || !t->info) {
    free(t->name);
    free(t);
    return NULL;
  }
  t->sticky = -1;
  lw_prod_topic_limits(p, t);
  t->info->user = t;
  t->next = p->topics;
  p->topics = t;
  return t;
}

/* The hot path of lw_producer_send: a plain record (no key, no headers) for a topic whose
 * metadata is known, going where unkeyed records of the topic go now (its sticky partition,
 * or the partition given) into that partition's open batch, which has room for it. Each
 * condition of the general path is checked, in the same order of precedence; only the steps
 * that cannot apply are skipped (choosing a partition anew, opening a batch, growing the
 * bookkeeping array). Returns false when the record must take the general path; true when
 * taken here, *rc set to LW_OK or the append's error (as the general path would return). */
/* The open batch (magic 2, not empty) that an unkeyed record for partition `id` (or
 * LW_PARTITION_ANY) of topic t goes to now, or NULL when the general path must decide. */
static inline batch *fast_batch(lw_producer *p, struct lw_ptopic *t, int32_t id) {
  if (t->pend || t->info->err != LW_OK)
    return NULL;
  if (id < 0)
    id = p->conf->partitioner == LW_PART_MURMUR2 || p->conf->partitioner == LW_PART_CRC32
             ? t->sticky
             : -1;
  ppart *pp;
  batch *b;
  if (id < 0 || id >= t->info->partitions || id >= t->nparts || !(pp = t->parts[id]) ||
      !(b = pp->open) || b->magic != 2 || b->count <= 0)
    return NULL;
  return b;
}

static bool send_fast(lw_producer *p, struct lw_ptopic *t, const lw_msg *m, int *rc) {
  if (m->key_len >= 0 || m->nheaders || m->value_len < 0)
    return false;
  size_t bytes = (size_t)m->value_len + 24; /* record_bytes() of this shape */
  /* The topic's own limits (batch_max, rec_max: lowered to a max.message.bytes learned from
   * DescribeConfigs or a refusal) hold here as on the general path; a record over rec_max
   * takes the general path, which measures it. */
  batch *b = fast_batch(p, t, m->partition);
  if (!b || b->buf.len + bytes > t->batch_max || bytes > t->rec_max ||
      p->buffered + bytes > p->limit)
    return false;
  bool op = b->has_ops || m->opaque || m->opaque64;
  if (op && (!b->has_ops || b->count >= b->opcap))
    return false;
  int64_t ts = m->timestamp ? m->timestamp : lw_loop_wall_ms(p->ctx->loop);
  if (!lw_batch_try_append_value(&b->bb, ts, m->value, (uint32_t)m->value_len)) {
    *rc = lw_batch_append_value(&b->bb, ts, m->value, m->value_len); /* longer, or growing */
    if (*rc != LW_OK)
      return true;
  }
  *rc = LW_OK;
  if (op)
    b->ops[b->count] =
        (rec_op){.opaque = m->opaque,
                 .opaque64 = m->opaque64,
                 .opaque32 = m->opaque32,
                 .enq_delta_us = (uint32_t)(lw_loop_now_us(p->ctx->loop) - b->created_us)};
  b->count++;
  b->bytes += bytes;
  p->buffered += bytes;
  p->st.records_sent++;
  return true;
}

size_t lw_producer_send_lines(lw_producer *p, lw_ptopic *t, int32_t partition, const void *buf,
                              size_t len, uint8_t delim, int32_t *records, size_t *value_bytes) {
  *records = 0;
  *value_bytes = 0;
  batch *b;
  /* send_fast's conditions, checked once for all the lines (a batch holding opaques takes
   * them record by record). */
  if (p->closing || !(b = fast_batch(p, t, partition)) || b->has_ops || p->buffered >= p->limit ||
      t->rec_max < 24)
    return 0;
  lw_batch_lines bl = {.delim = delim,
                       .len_max = t->batch_max,
                       .room = p->limit - p->buffered,
                       .extra = 24, /* record_bytes() of this shape, beyond the value */
                       .value_max = t->rec_max - 24};
  size_t used = lw_batch_append_lines(&b->bb, lw_loop_wall_ms(p->ctx->loop), buf, len, &bl);
  size_t bytes = bl.value_bytes + 24 * (size_t)bl.records;
  b->count += bl.records;
  b->bytes += bytes;
  p->buffered += bytes;
  p->st.records_sent += (uint64_t)bl.records;
  *records = bl.records;
  *value_bytes = bl.value_bytes;
  return used;
}

/* lw_producer_send past its fast path (apart, so that the fast path saves no registers it
 * does not use). */
__attribute__((noinline)) static int send_general(lw_producer *p, struct lw_ptopic *t,
                                                  const lw_msg *m) {
  if (p->closing)
    return LW_ERR_SHUTDOWN;
  int rc;
  size_t bytes = record_bytes(m);
  bool hold = false;
  if (bytes > t->rec_max) { /* one compare on the hot path for the rare cases below */
    if (bytes > p->conf->message_max_bytes)
      return LW_ERR_TOO_LARGE;
    if (t->max_bytes && bytes + LW_BATCH_HEADER_SIZE > t->max_bytes) {
      /* Maybe over the topic's limit: measure the record exactly, alone in a batch. */
      lw_bytes key = {m->key, m->key_len}, val = {m->value, m->value_len};
      if (LW_BATCH_HEADER_SIZE + lw_batch_record_size(0, 0, key, val, m->headers, m->nheaders) >
          t->max_bytes)
        return LW_ERR_TOO_LARGE;
    }
    hold = t->dc_state != 2; /* its size limit is being asked: wait with the pending records */
  }
  if (p->buffered + bytes > p->limit && p->buffered > 0) {
    p->want_space = true;
    return LW_ERR_QUEUE_FULL;
  }
  /* Before its metadata arrives a topic's records are copied one by one: stage only a little
   * (the source waits; a file or a pipe holds the rest). */
  bool ready = !hold && t->info->partitions > 0 && t->info->err == LW_OK && !t->pend;
  if (!ready && t->pend_bytes + bytes > PEND_MAX && t->pend) {
    p->want_space = true;
    return LW_ERR_QUEUE_FULL;
  }
  uint64_t now = lw_loop_now_us(p->ctx->loop);
  /* Records keep their order: while some wait for metadata, later ones wait behind them. */
  if (ready)
    rc = route(p, t, m, (uint32_t)bytes, now);
  else
    rc = pend_push(p, t, m, (uint32_t)bytes, now);
  if (rc == LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION)   /* explicit partition out of range */
    rc = pend_push(p, t, m, (uint32_t)bytes, now); /* reported as a delivery failure */
  if (rc != LW_OK)
    return rc;
  p->buffered += bytes;
  p->st.records_sent++;
  return LW_OK;
}

int lw_producer_send(lw_producer *p, lw_ptopic *t, const lw_msg *m) {
  int rc;
  if (!p->closing && send_fast(p, t, m, &rc))
    return rc;
  return send_general(p, t, m);
}

void lw_producer_flush(lw_producer *p) {
  p->flush = true;
}

bool lw_producer_idle(const lw_producer *p) {
  return p->buffered == 0 && p->inflight_reqs == 0;
}

void lw_producer_stats_get(const lw_producer *p, lw_producer_stats *s) {
  *s = p->st;
  s->buffered_bytes = p->buffered;
  s->buffer_limit = p->limit;
  s->inflight_requests = p->inflight_reqs;
  s->producer_id = p->pid;
  s->producer_epoch = p->epoch;
  s->idempotent = p->idem == 1;
}

/* ---- Delivery ---- */

void lw_prod_batch_done(lw_producer *p, ppart *pp, batch *b, int64_t base, int err) {
  uint64_t now = lw_now_us();
  /* A numbered batch that will never be written leaves a hole in its partition's sequence:
   * the batches numbered after it would be refused. A new epoch numbers them again from 0. */
  if (err != LW_OK && p->idem == 1 && b->base_seq >= 0 && b->pid == p->pid &&
      b->epoch == p->epoch && !p->closing && !p->bump) {
    p->bump = true;
    lw_prod_note(p, LW_NOTE_PID,
                 "%s[%d]: a numbered batch failed (%s): requesting a new producer epoch so that "
                 "the batches after it are numbered again",
                 pp->topic->name, pp->id, lw_err_name(err));
  }
  if (err == LW_OK)
    p->st.records_acked += (uint64_t)b->count;
  else
    lw_prod_count_fail(p, err, (uint64_t)b->count);
  lw_prod_release(p, b->bytes);
  if (p->cbs.on_batch) { /* one report for the whole batch */
    lw_batch_dr bd = {.err = err,
                      .topic = pp->topic->name,
                      .partition = pp->id,
                      .base_offset = err == LW_OK && base >= 0 ? base : -1,
                      .count = b->count,
                      .recs = b->has_ops ? b->ops : NULL,
                      .first_us = b->created_us,
                      .sent_us = b->sent_us,
                      .done_us = now};
    p->cbs.on_batch(p->ud, &bd);
    lw_prod_batch_free(p, b);
    return;
  }
  for (int32_t i = 0; i < b->count; i++) {
    const rec_op *o = b->has_ops ? &b->ops[i] : NULL;
    uint64_t enq = b->created_us + (o ? o->enq_delta_us : 0);
    report(p, pp->topic, pp->id, err == LW_OK && base >= 0 ? base + i : -1, err,
           o ? o->opaque : NULL, o ? o->opaque64 : 0, o ? o->opaque32 : 0, now - enq);
  }
  lw_prod_batch_free(p, b);
}

/* ---- Splitting a batch the broker found too large ---- */

static int ops_reserve(batch *b, int32_t n) {
  if (n <= b->opcap)
    return LW_OK;
  rec_op *o = realloc(b->ops, (size_t)n * sizeof(*o));
  if (!o)
    return LW_ERR_NOMEM;
  b->ops = o;
  b->opcap = n;
  return LW_OK;
}

int lw_prod_split(lw_producer *p, batch *b, batch **second) {
  if (b->count < 2)
    return LW_ERR_INVALID_ARG;
  int32_t n1 = b->count / 2;
  batch *h[2] = {batch_new(p), batch_new(p)};
  size_t est[2] = {0, 0};
  int32_t n[2] = {0, 0};
  int rc = h[0] && h[1] ? LW_OK : LW_ERR_NOMEM;
  for (int k = 0; k < 2 && rc == LW_OK; k++) {
    h[k]->magic = b->magic;
    h[k]->created_us = b->created_us;
    h[k]->has_ops = b->has_ops;
    if (b->has_ops)
      rc = ops_reserve(h[k], k ? b->count - n1 : n1);
    if (rc == LW_OK && b->magic != 2)
      rc = lw_msgset_begin(&h[k]->mb, &h[k]->buf, b->magic);
  }
  lw_arena a;
  lw_arena_init(&a, 16u * 1024 * 1024);
  lw_records_iter it;
  lw_records_iter_init(&it, b->buf.data, b->buf.len, b->buf.max, &a, &p->z);
  lw_record r;
  int32_t i = 0;
  while (rc == LW_OK && (rc = lw_records_next(&it, &r, NULL)) == LW_OK) {
    int k = i >= n1;
    batch *d = h[k];
    if (i >= b->count) {
      rc = LW_ERR_MALFORMED;
      break;
    }
    if (d->magic == 2) {
      if (n[k] == 0)
        rc = lw_batch_begin(&d->bb, &d->buf, r.Timestamp);
      if (rc == LW_OK)
        rc = lw_batch_append(&d->bb, r.Timestamp, r.Key, r.Value, r.Headers, r.HeadersCount);
    } else {
      rc = lw_msgset_append(&d->mb, r.Timestamp, r.Key, r.Value);
    }
    if (rc != LW_OK)
      break;
    if (b->has_ops)
      d->ops[n[k]] = b->ops[i];
    est[k] +=
        (size_t)(r.Key.len > 0 ? r.Key.len : 0) + (size_t)(r.Value.len > 0 ? r.Value.len : 0) + 24;
    for (int32_t j = 0; j < r.HeadersCount; j++)
      est[k] += (size_t)(r.Headers[j].Key.len > 0 ? r.Headers[j].Key.len : 0) +
                (size_t)(r.Headers[j].Value.len > 0 ? r.Headers[j].Value.len : 0) + 8;
    n[k]++;
    i++;
  }
  lw_records_iter_free(&it);
  lw_arena_free(&a);
  if (rc == LW_ERR_NOT_FOUND) /* every record read back: all of them must be in a half */
    rc = i == b->count ? LW_OK : LW_ERR_MALFORMED;
  if (rc != LW_OK) {
    for (int k = 0; k < 2; k++)
      if (h[k])
        lw_prod_batch_free(p, h[k]);
    return rc;
  }
  for (int k = 0; k < 2; k++) {
    h[k]->count = n[k];
    h[k]->attempts = b->attempts;
    h[k]->pid = b->pid;
    h[k]->epoch = b->epoch;
    h[k]->base_seq = b->base_seq;
  }
  if (b->base_seq >= 0)
    h[1]->base_seq = (int32_t)(((uint32_t)b->base_seq + (uint32_t)n1) & 0x7fffffff);
  h[0]->bytes = est[0] < b->bytes ? est[0] : b->bytes;
  h[1]->bytes = b->bytes - h[0]->bytes;
  /* b becomes the first half (the caller holds it); the old contents go back to the pool. */
  batch tmp = *b;
  *b = *h[0];
  *h[0] = tmp;
  b->next = tmp.next;
  b->bb.out = &b->buf; /* the builders point at the buffer they write: now b's own */
  b->mb.out = &b->buf;
  lw_prod_batch_free(p, h[0]);
  *second = h[1];
  return LW_OK;
}

/* ---- Readiness and timers ---- */

bool lw_prod_ready(lw_producer *p, const batch *b, uint64_t now) {
  /* Full (no typical record fits any more), lingered long enough, or waiting is pointless:
   * the buffer is full and the sender is blocked until something is sent. */
  return p->flush || p->closing || b->sealed || p->want_space ||
         now >= b->created_us + (uint64_t)p->conf->linger_ms * 1000u ||
         b->buf.len + b->buf.len / (b->count ? (size_t)b->count : 1) >= p->batch_max;
}

void lw_prod_schedule(lw_producer *p, uint64_t due_us) {
  if (lw_timer_active(&p->linger_timer) && p->linger_timer.due_us <= due_us)
    return;
  lw_timer_start_at(p->ctx->loop, &p->linger_timer, due_us);
}

static void on_linger(lw_loop *l, lw_timer *t, void *ud) {
  (void)l, (void)t, (void)ud;
  /* Nothing to do here: waking the loop runs the prepare hook, which sends what is ready. */
}

/* Fail records that waited longer than delivery_timeout_ms (0: never). Returns the earliest
 * deadline still to come among what is left (UINT64_MAX when none). */
static uint64_t expire(lw_producer *p, uint64_t now) {
  uint64_t next = UINT64_MAX;
  if (p->conf->delivery_timeout_ms <= 0)
    return next;
  uint64_t limit = (uint64_t)p->conf->delivery_timeout_ms * 1000u;
  for (struct lw_ptopic *t = p->topics; t; t = t->next) {
    while (t->pend && now - t->pend->enq_us > limit) {
      pending *pe = t->pend;
      t->pend = pe->next;
      if (!t->pend)
        t->pend_tail = NULL;
      t->pend_bytes -= pe->bytes;
      report_pending(p, t, pe, LW_ERR_TIMED_OUT, now);
      free(pe);
    }
    for (int32_t i = 0; i < t->nparts; i++) {
      ppart *pp = t->parts[i];
      if (!pp)
        continue;
      /* Only batches not in flight can expire; in-flight ones wait for their answer. With
       * idempotence an expired batch would leave a hole in the sequence, so the whole
       * partition's queue expires together. */
      while (pp->queue && now - pp->queue->created_us > limit && !(p->idem == 1 && pp->inflight)) {
        batch *b = pp->queue;
        pp->queue = b->next;
        if (!pp->queue)
          pp->queue_tail = NULL;
        lw_prod_batch_done(p, pp, b, -1, b->last_err ? b->last_err : LW_ERR_TIMED_OUT);
      }
      if (pp->open && !pp->queue && now - pp->open->created_us > limit && !pp->inflight) {
        batch *b = pp->open;
        pp->open = NULL;
        lw_prod_batch_done(p, pp, b, -1, LW_ERR_TIMED_OUT);
      }
      if (pp->queue && pp->queue->created_us + limit < next)
        next = pp->queue->created_us + limit;
      if (pp->open && pp->open->created_us + limit < next)
        next = pp->open->created_us + limit;
    }
    if (t->pend && t->pend->enq_us + limit < next)
      next = t->pend->enq_us + limit;
  }
  return next;
}

/* Once a second, or sooner when a record's deadline comes first (so that a delivery timeout
 * is kept to the millisecond, not up to a second late): records past delivery_timeout_ms
 * fail. An idle producer skips the scan. */
static void on_housekeeping(lw_loop *l, lw_timer *t, void *ud) {
  lw_producer *p = ud;
  uint64_t now = lw_now_us(), delay = 1000000;
  if (p->buffered) {
    uint64_t next = expire(p, now);
    if (next != UINT64_MAX && next + 1 - now < delay)
      delay = next + 1 - now; /* expire() fails records strictly past their deadline */
  }
  lw_timer_start(l, t, delay);
}

void lw_prod_on_metadata(lw_producer *p) {
  uint64_t now = lw_now_us();
  for (struct lw_ptopic *t = p->topics; t; t = t->next)
    if (t->pend)
      pend_flush(p, t, now);
}

static void on_prepare(lw_loop *l, void *ud) {
  (void)l;
  lw_producer *p = ud;
  uint64_t now = lw_now_us();
  for (struct lw_ptopic *t = p->topics; t; t = t->next)
    if (t->pend && (t->info->err || t->info->partitions > 0))
      pend_flush(p, t, now);
  /* Room again: let the sender refill first, so that what it adds goes out in this same pass
   * instead of waiting for the next wakeup. */
  bool staged = false;
  for (struct lw_ptopic *t = p->topics; t && !staged; t = t->next)
    staged = t->pend_bytes > PEND_MAX / 2;
  if (p->want_space && p->buffered <= p->limit / 4 * 3 && !staged) {
    p->want_space = false;
    if (p->cbs.on_space)
      p->cbs.on_space(p->ud);
  }
  lw_prod_drain(p);
}

/* ---- Teardown ---- */

void lw_producer_free(lw_producer *p) {
  if (!p)
    return;
  p->closing = true;
  uint64_t now = lw_now_us();
  lw_prepare_stop(p->ctx->loop, &p->prep);
  lw_timer_stop(p->ctx->loop, &p->linger_timer);
  lw_timer_stop(p->ctx->loop, &p->housekeeping);
  /* Connections go first: in-flight requests fail (their batches come back to the queues). */
  lw_cluster *cl = p->cl;
  p->cl = NULL;
  lw_cluster_free(cl);
  struct lw_ptopic *t = p->topics;
  while (t) {
    struct lw_ptopic *next = t->next;
    while (t->pend) {
      pending *pe = t->pend;
      t->pend = pe->next;
      report_pending(p, t, pe, LW_ERR_SHUTDOWN, now);
      free(pe);
    }
    for (int32_t i = 0; i < t->nparts; i++) {
      ppart *pp = t->parts[i];
      if (!pp)
        continue;
      close_open(pp);
      while (pp->queue) {
        batch *b = pp->queue;
        pp->queue = b->next;
        lw_prod_batch_done(p, pp, b, -1, LW_ERR_SHUTDOWN);
      }
      free(pp);
    }
    free(t->parts);
    free(t->name);
    free(t);
    t = next;
  }
  while (p->pool) {
    batch *b = p->pool;
    p->pool = b->next;
    lw_buf_free(&b->buf);
    free(b->ops);
    free(b);
  }
  lw_zctx_free(&p->z);
  lw_buf_free(&p->scratch);
  free(p);
}
