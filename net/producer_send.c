/* producer_send.c — the producer's write path to the brokers: which batches are ready, one
 * Produce request per broker, acknowledgements, retries in order, and the idempotent
 * producer's id and sequence numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/producer_int.h"
#include "proto/api.h"
#include "base/err.h"
#include "proto/init_producer_id.h"
#include "proto/produce.h"

#define IDEM_MAX_INFLIGHT 5 /* the broker keeps the last 5 batches per producer and partition */

typedef struct preq_ent {
  ppart *pp;
  batch *b;
} preq_ent;

/* One Produce request in flight: which batch of which partition it carries. */
typedef struct preq {
  lw_producer *p;
  int16_t version;
  int n;
  preq_ent e[];
} preq;

/* ---- Idempotence: producer id ---- */

static void idem_off(lw_producer *p, const char *why) {
  if (p->idem != 0)
    lw_net_logf(p->ctx, 2, "idempotent producer disabled: %s; retries may write duplicates", why);
  p->idem = 0;
  p->bump = false;
}

/* A new producer id or epoch: every partition starts its sequence again at 0. Batches still
 * queued keep their order and are numbered again as they are sealed for sending (seal). A
 * recovery asks for the new epoch only once no Produce request is in flight, so no answer for
 * the old numbering can arrive afterwards. */
static void pid_changed(lw_producer *p) {
  p->bump = false;
  for (struct lw_ptopic *t = p->topics; t; t = t->next)
    for (int32_t i = 0; i < t->nparts; i++)
      if (t->parts[i]) {
        t->parts[i]->next_seq = 0;
        t->parts[i]->expect_seq = 0;
        if (t->parts[i]->inflight)
          t->parts[i]->retrying = true;
      }
}

static void on_pid(lw_conn *c, int err, const uint8_t *body, size_t len, void *ud) {
  lw_producer *p = ud;
  p->pid_inflight = false;
  if (p->closing)
    return;
  uint64_t now = lw_now_us();
  if (err) {
    p->pid_retry_at = now + (uint64_t)p->conf->retry_backoff_ms * 1000u;
    return;
  }
  lw_cur cur;
  lw_cur_init(&cur, body, len);
  lw_initpid_resp r;
  int rc = lw_initpid_resp_decode(&cur, lw_conn_api_version(c, LW_API_INIT_PRODUCER_ID), &r);
  if (rc != LW_OK) {
    lw_net_logf(p->ctx, 3, "bad InitProducerId response: %s", lw_err_name(rc));
    p->pid_retry_at = now + (uint64_t)p->conf->retry_backoff_ms * 1000u;
    return;
  }
  if (r.ErrorCode == 0) {
    p->pid = r.ProducerId;
    p->epoch = r.ProducerEpoch;
    pid_changed(p);
    lw_net_logf(p->ctx, 1, "idempotent producer: producer id %lld epoch %d", (long long)p->pid,
                p->epoch);
    return;
  }
  if (lw_err_retriable(r.ErrorCode) || r.ErrorCode == LW_KAFKA_CONCURRENT_TRANSACTIONS) {
    p->pid_retry_at = now + (uint64_t)p->conf->retry_backoff_ms * 1000u;
    return;
  }
  char why[160];
  snprintf(why, sizeof why, "InitProducerId failed with %s", lw_err_name(r.ErrorCode));
  idem_off(p, why);
}

void lw_prod_init_pid(lw_producer *p) {
  uint64_t now = lw_now_us();
  if (p->pid_inflight || now < p->pid_retry_at)
    return;
  lw_conn *c = lw_cluster_any_ready(p->cl);
  if (!c)
    return;
  int16_t v = lw_conn_api_version(c, LW_API_INIT_PRODUCER_ID);
  if (v < 0) {
    idem_off(p, "the cluster does not support InitProducerId");
    return;
  }
  lw_buf *b = lw_conn_request_begin(c, LW_API_INIT_PRODUCER_ID, v);
  if (!b)
    return;
  /* Idempotence without transactions: no TransactionalId, the longest timeout. */
  lw_initpid_req q = {.TransactionalId = LW_STR_NULL,
                      .TransactionTimeoutMs = INT32_MAX,
                      .ProducerId = p->pid,
                      .ProducerEpoch = p->epoch};
  lw_initpid_req_encode(b, v, &q);
  p->pid_inflight = true;
  if (lw_conn_request_send(c, b, true, on_pid, p) != LW_OK)
    p->pid_inflight = false;
}

/* Decide, once a broker is reachable, whether the idempotent producer can be used. */
static bool idem_decided(lw_producer *p) {
  if (p->idem != -1)
    return true;
  lw_conn *c = lw_cluster_any_ready(p->cl);
  if (!c || !lw_cluster_has_metadata(p->cl))
    return false;
  if (lw_conn_api_version(c, LW_API_INIT_PRODUCER_ID) < 0 ||
      lw_conn_api_version(c, LW_API_PRODUCE) < 3) {
    idem_off(p, "the cluster is older than Kafka 0.11");
    return true;
  }
  p->idem = 1;
  return true;
}

/* ---- Sealing ---- */

/* Rewrite a batch in the format its leader speaks: a v2 batch begun before the leader's
 * versions were known, for a broker before 0.11; or a legacy set (sealed and sent, maybe) for a
 * broker upgraded since, or a partition moved to a newer broker. The same records come out in
 * the same order, in an unsealed batch. Returns LW_OK or an error. */
static int convert(lw_producer *p, batch *b, int8_t magic) {
  lw_batch_seal s = {.ProducerId = -1,
                     .ProducerEpoch = -1,
                     .BaseSequence = -1,
                     .PartitionLeaderEpoch = -1,
                     .codec = 0};
  int rc = LW_OK;
  if (b->magic == 2 && !b->sealed)
    rc = lw_batch_finish(&b->bb, &s, &p->z, &p->scratch);
  if (rc != LW_OK)
    return rc;
  lw_buf old = b->buf;
  /* A legacy message frames a record with up to 34 bytes (magic 1: Offset, MessageSize, Crc,
   * Magic, Attributes, Timestamp, KeyLength, ValueLength), a v2 record with 7 to 32 (varints)
   * and a batch header, so either way the batch can grow several times over: room for every
   * record (old.len counts their keys and values), as a record that does not fit would be left
   * out. */
  size_t room = old.len + (size_t)b->count * 34 + LW_BATCH_HEADER_SIZE;
  lw_buf_init(&b->buf, room > old.max ? room : old.max);
  if (magic != 2)
    lw_msgset_begin(&b->mb, &b->buf, magic);
  lw_arena a;
  lw_arena_init(&a, 16u * 1024 * 1024);
  lw_records_iter it;
  lw_records_iter_init(&it, old.data, old.len, old.max, &a, &p->z);
  lw_record r;
  int32_t n = 0;
  int64_t now = lw_wall_ms();
  while ((rc = lw_records_next(&it, &r, NULL)) == LW_OK) {
    int64_t ts = r.Timestamp >= 0 ? r.Timestamp : now; /* magic 0 records have none */
    if (magic == 2 && n == 0)
      rc = lw_batch_begin(&b->bb, &b->buf, ts);
    if (rc == LW_OK)
      rc = magic == 2 ? lw_batch_append(&b->bb, ts, r.Key, r.Value, NULL, 0)
                      : lw_msgset_append(&b->mb, r.Timestamp, r.Key, r.Value);
    if (rc != LW_OK)
      break;
    n++;
  }
  lw_records_iter_free(&it);
  lw_arena_free(&a);
  lw_buf_free(&old);
  b->magic = magic;
  b->sealed = false;
  b->pid = -1;
  b->epoch = -1;
  b->base_seq = -1;
  if (rc == LW_ERR_NOT_FOUND) /* every record read back: all of them must be in the batch */
    rc = n == b->count ? b->buf.err : LW_ERR_MALFORMED;
  return rc;
}

static int32_t seq_add(int32_t seq, int32_t n) {
  return (int32_t)(((uint32_t)seq + (uint32_t)n) & 0x7fffffff);
}

/* Whether batch b needs sequence numbers from its partition's next_seq: it has none yet, or
 * they belong to an older producer id or epoch. The halves of a split batch keep theirs. */
static bool needs_numbers(const lw_producer *p, const batch *b) {
  return b->base_seq < 0 || b->pid != p->pid || b->epoch != p->epoch;
}

/* Seal batch b for a Produce request of `version`: convert its format if needed, number it
 * (idempotence), compress and checksum it. A sequence is consumed only when sealing works,
 * so a failure leaves no gap. Returns LW_OK or an error. */
static int seal(lw_producer *p, ppart *pp, batch *b, int16_t version) {
  int8_t want = version >= 3 ? 2 : version == 2 ? 1 : 0;
  if (b->sealed && b->magic == 2 && want == 2 && p->idem == 1 && needs_numbers(p, b)) {
    /* Sealed under an older producer id or epoch: number it again for the new one. */
    int rc = lw_batch_restamp(b->buf.data, b->buf.len, p->pid, p->epoch, pp->next_seq);
    if (rc != LW_OK)
      return rc;
    b->pid = p->pid;
    b->epoch = p->epoch;
    b->base_seq = pp->next_seq;
    pp->next_seq = seq_add(pp->next_seq, b->count);
    return LW_OK;
  }
  if (b->sealed && b->magic == want)
    return LW_OK;
  int rc;
  if (b->magic != want) {
    rc = convert(p, b, want);
    if (rc != LW_OK)
      return rc;
  }
  if (b->magic == 2) {
    lw_batch_seal s = {.ProducerId = -1,
                       .ProducerEpoch = -1,
                       .BaseSequence = -1,
                       .PartitionLeaderEpoch = -1,
                       .codec = p->conf->compression,
                       .level = p->conf->compression_level};
    bool fresh = p->idem == 1 && needs_numbers(p, b);
    if (p->idem == 1) {
      s.ProducerId = p->pid;
      s.ProducerEpoch = p->epoch;
      s.BaseSequence = fresh ? pp->next_seq : b->base_seq;
    }
    rc = lw_batch_finish(&b->bb, &s, &p->z, &p->scratch);
    if (rc == LW_OK && p->idem == 1) {
      b->pid = p->pid;
      b->epoch = p->epoch;
      b->base_seq = s.BaseSequence;
      if (fresh)
        pp->next_seq = seq_add(pp->next_seq, b->count);
    }
  } else {
    rc = lw_msgset_finish(&b->mb, p->conf->compression, &p->z, &p->scratch);
  }
  if (rc == LW_OK)
    b->sealed = true;
  return rc;
}

/* ---- Choosing what to send ---- */

static batch *sendable(lw_producer *p, ppart *pp, uint64_t now) {
  if (p->idem == 1) {
    if (pp->retrying && pp->inflight > 0)
      return NULL; /* resend in order once every earlier answer is in */
    if (pp->inflight >= IDEM_MAX_INFLIGHT)
      return NULL;
    if (pp->retrying)
      pp->retrying = false;
  } else if (p->conf->acks != 0 && pp->inflight > 0) {
    return NULL; /* one at a time, so that a retry cannot reorder records */
  }
  batch *b = pp->queue;
  if (!b) {
    b = pp->open;
    if (!b || !lw_prod_ready(p, b, now)) {
      if (b)
        lw_prod_schedule(p, b->created_us + (uint64_t)p->conf->linger_ms * 1000u);
      return NULL;
    }
  }
  if (b->retry_at_us > now) {
    lw_prod_schedule(p, b->retry_at_us);
    return NULL;
  }
  return b;
}

/* Take batch b off its partition (queue head or the open batch). */
static void take(ppart *pp, batch *b) {
  if (b == pp->open) {
    pp->open = NULL;
    if (pp->topic->sticky == pp->id)
      pp->topic->sticky = -1; /* sticky partitioning: next records go elsewhere */
    return;
  }
  pp->queue = b->next;
  if (!pp->queue)
    pp->queue_tail = NULL;
  b->next = NULL;
}

/* The open batch was sealed: it joins the (empty) queue, so that nothing is appended to it
 * while it waits for a request with room. */
static void seal_open(ppart *pp) {
  batch *b = pp->open;
  pp->open = NULL;
  b->next = NULL;
  if (pp->queue_tail)
    pp->queue_tail->next = b;
  else
    pp->queue = b;
  pp->queue_tail = b;
  if (pp->topic->sticky == pp->id)
    pp->topic->sticky = -1; /* sticky partitioning: next records go elsewhere */
}

/* Put a batch back for a retry, keeping sequence order (numbered batches by BaseSequence,
 * wrap-safe, before every batch not yet numbered). */
static void requeue(ppart *pp, batch *b) {
  batch **pos = &pp->queue;
  if (b->base_seq >= 0) /* else not idempotent: it is the oldest */
    while (*pos && (*pos)->base_seq >= 0 && lw_prod_seq_before((*pos)->base_seq, b->base_seq))
      pos = &(*pos)->next;
  b->next = *pos;
  *pos = b;
  if (!b->next)
    pp->queue_tail = b;
}

static uint64_t retry_delay_us(lw_producer *p, int attempts) {
  uint64_t d = (uint64_t)p->conf->retry_backoff_ms * 1000u;
  uint64_t max = (uint64_t)p->conf->retry_backoff_max_ms * 1000u;
  for (int i = 1; i < attempts && d < max; i++)
    d *= 2;
  return d < max ? d : max;
}

static void retry(lw_producer *p, ppart *pp, batch *b, int err) {
  uint64_t now = lw_now_us();
  b->attempts++;
  if (err > 0 || err == LW_KAFKA_UNKNOWN_SERVER_ERROR)
    b->last_err = err;
  uint64_t limit = (uint64_t)p->conf->delivery_timeout_ms * 1000u;
  bool expired = p->conf->delivery_timeout_ms > 0 && now - b->created_us >= limit;
  if (expired && p->idem != 1) {
    lw_prod_batch_done(p, pp, b, -1, b->last_err ? b->last_err : LW_ERR_TIMED_OUT);
    return;
  }
  /* Numbered: it expires with the partition's queue, at the next look, made now rather than
   * up to a second later. */
  if (expired)
    lw_timer_start(p->ctx->loop, &p->housekeeping, 0);
  p->st.records_retried += (uint64_t)b->count;
  /* A leader named by the broker itself (KIP-951) is tried at once. */
  b->retry_at_us = b->hinted ? now : now + retry_delay_us(p, b->attempts);
  b->hinted = false;
  requeue(pp, b);
  if (p->idem == 1)
    pp->retrying = true;
  lw_prod_schedule(p, b->retry_at_us);
}

static bool needs_metadata(int err) {
  return err == LW_KAFKA_NOT_LEADER_OR_FOLLOWER || err == LW_KAFKA_LEADER_NOT_AVAILABLE ||
         err == LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION || err == LW_KAFKA_FENCED_LEADER_EPOCH ||
         err == LW_KAFKA_UNKNOWN_LEADER_EPOCH || err == LW_KAFKA_KAFKA_STORAGE_ERROR ||
         err == LW_KAFKA_NOT_ENOUGH_REPLICAS || err < -100;
}

/* MESSAGE_TOO_LARGE or RECORD_LIST_TOO_LARGE: the batch was not written. Split a batch of
 * several records in two and send both halves again (each may be split again, down to single
 * records); only a record that is too large alone fails. Either way the topic's batches are
 * built smaller from now on. Returns true when the batch was split and requeued. */
static bool too_large(lw_producer *p, ppart *pp, batch *b, int err) {
  struct lw_ptopic *t = pp->topic;
  size_t len = b->buf.len;
  /* The limit is below this batch's size: from now on, batches of at most half of it (unless
   * DescribeConfigs gave a smaller value). */
  if (!t->max_bytes || len / 2 < t->max_bytes)
    lw_prod_learn_limit(p, t, len / 2, false);
  if (b->count < 2)
    return false;
  batch *second = NULL;
  int rc = lw_prod_split(p, b, &second);
  if (rc != LW_OK) {
    lw_net_logf(p->ctx, 3, "%s[%d]: cannot split a batch of %d records: %s", t->name, pp->id,
                b->count, lw_err_name(rc));
    return false;
  }
  lw_prod_note(p, LW_NOTE_SPLIT,
               "%s[%d]: %s for a batch of %d records (%zu bytes): split in two and sent again",
               t->name, pp->id, lw_err_name(err), b->count + second->count, len);
  p->st.records_retried += (uint64_t)(b->count + second->count);
  if (b->base_seq < 0) { /* not numbered: both go first, in order */
    requeue(pp, second);
    requeue(pp, b);
  } else {
    requeue(pp, b);
    requeue(pp, second);
    pp->retrying = true; /* batches after it will be refused: resend in order */
  }
  return true;
}

/* The outcome of one batch. */
static void batch_result(lw_producer *p, ppart *pp, batch *b, int err, int64_t base) {
  pp->inflight--;
  if (p->closing) {
    requeue(pp, b);
    return;
  }
  bool current = p->idem == 1 && b->base_seq >= 0 && b->pid == p->pid && b->epoch == p->epoch;
  if (err == LW_OK || err == LW_KAFKA_DUPLICATE_SEQUENCE_NUMBER) {
    /* DUPLICATE_SEQUENCE_NUMBER: an earlier attempt was written; delivered. */
    if (current)
      pp->expect_seq = seq_add(b->base_seq, b->count);
    lw_prod_batch_done(p, pp, b, err == LW_OK ? base : -1, LW_OK);
    return;
  }
  if (err == LW_KAFKA_MESSAGE_TOO_LARGE || err == LW_KAFKA_RECORD_LIST_TOO_LARGE) {
    if (too_large(p, pp, b, err))
      return;
    lw_prod_note(p, LW_NOTE_TOO_LARGE,
                 "%s[%d]: a record of %zu bytes (in its batch) is larger than the topic takes "
                 "(max.message.bytes %zu%s): not deliverable (%s)",
                 pp->topic->name, pp->id, b->buf.len, pp->topic->max_bytes,
                 pp->topic->max_described ? "" : ", learned from the error", lw_err_name(err));
    lw_prod_batch_done(p, pp, b, -1, err);
    return;
  }
  if (p->idem == 1 &&
      (err == LW_KAFKA_UNKNOWN_PRODUCER_ID || err == LW_KAFKA_INVALID_PRODUCER_EPOCH)) {
    /* The broker lost this producer's state (or fenced its epoch). Every unacknowledged batch
     * of every partition is kept and numbered again under a new epoch (KIP-360): ask once,
     * when the numbering is still ours. */
    if (current && !p->bump) {
      p->bump = true;
      lw_prod_note(p, LW_NOTE_PID, "%s on %s[%d]: requesting a new producer epoch and resending",
                   lw_err_name(err), pp->topic->name, pp->id);
    }
    retry(p, pp, b, err);
    return;
  }
  if (err == LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER && p->idem == 1) {
    /* As Kafka's producer does: when the broker refuses the very batch it should expect next,
     * its state for this producer is not ours and the epoch must change; otherwise an earlier
     * batch failed or is being resent, and this one follows it. */
    if (current && b->base_seq == pp->expect_seq) {
      if (!p->bump) {
        p->bump = true;
        lw_prod_note(p, LW_NOTE_OOSN,
                     "%s[%d]: OUT_OF_ORDER_SEQUENCE_NUMBER for the batch the broker expects "
                     "next (sequence %d): requesting a new producer epoch",
                     pp->topic->name, pp->id, b->base_seq);
      }
    } else {
      lw_prod_note(p, LW_NOTE_OOSN,
                   "%s[%d]: OUT_OF_ORDER_SEQUENCE_NUMBER for sequence %d while %d is expected: "
                   "resending after the earlier batches",
                   pp->topic->name, pp->id, b->base_seq, pp->expect_seq);
    }
    retry(p, pp, b, b->last_err ? b->last_err : err);
    return;
  }
  if (lw_err_retriable(err) || err == LW_ERR_TIMED_OUT || err == LW_ERR_DISCONNECTED ||
      err == LW_ERR_SHUTDOWN) {
    if (needs_metadata(err) && p->cl)
      lw_cluster_refresh(p->cl, false);
    retry(p, pp, b, err);
    return;
  }
  lw_net_logf(p->ctx, 3, "%s[%d]: %d records failed: %s (%s)", pp->topic->name, pp->id, b->count,
              lw_err_name(err), lw_err_str(err));
  lw_prod_batch_done(p, pp, b, -1, err);
}

static void on_produce(lw_conn *c, int err, const uint8_t *body, size_t len, void *ud) {
  (void)c;
  preq *r = ud;
  lw_producer *p = r->p;
  p->inflight_reqs--;
  if (err == LW_OK && !body) { /* acks=0: written is all we will know */
    for (int i = 0; i < r->n; i++)
      batch_result(p, r->e[i].pp, r->e[i].b, LW_OK, -1);
    free(r);
    return;
  }
  if (err) {
    for (int i = 0; i < r->n; i++)
      batch_result(p, r->e[i].pp, r->e[i].b, err, -1);
    free(r);
    return;
  }
  lw_arena a;
  lw_arena_init(&a, 16u * 1024 * 1024);
  lw_cur cur;
  lw_cur_init(&cur, body, len);
  lw_produce_resp resp;
  int rc = lw_produce_resp_decode(&cur, r->version, &a, &resp);
  if (rc != LW_OK)
    lw_net_log_broker(p->ctx, 3, lw_conn_name(c), (int)lw_conn_node_id(c),
                      "bad Produce response: %s", lw_err_name(rc));
  for (int i = 0; i < r->n; i++) {
    ppart *pp = r->e[i].pp;
    const lw_produce_part_resp *pr = NULL;
    for (int32_t t = 0; rc == LW_OK && t < resp.ResponsesCount && !pr; t++) {
      const lw_produce_topic_resp *tr = &resp.Responses[t];
      if (r->version < 13 && !lw_str_eq(tr->Name, pp->topic->name))
        continue;
      if (r->version >= 13 && memcmp(tr->TopicId.b, pp->topic->info->id.b, 16))
        continue;
      for (int32_t k = 0; k < tr->PartitionResponsesCount; k++)
        if (tr->PartitionResponses[k].Index == pp->id)
          pr = &tr->PartitionResponses[k];
    }
    if (!pr) {
      batch_result(p, pp, r->e[i].b, rc != LW_OK ? rc : LW_ERR_MALFORMED, -1);
      continue;
    }
    if (pr->ErrorCode && pr->ErrorMessage.len > 0)
      lw_net_logf(p->ctx, 1, "%s[%d]: %s: %.*s", pp->topic->name, pp->id,
                  lw_err_name(pr->ErrorCode), (int)pr->ErrorMessage.len, pr->ErrorMessage.p);
    if ((pr->ErrorCode == LW_KAFKA_NOT_LEADER_OR_FOLLOWER ||
         pr->ErrorCode == LW_KAFKA_FENCED_LEADER_EPOCH) &&
        pr->CurrentLeaderId >= 0 && p->cl &&
        lw_cluster_leader_hint(p->cl, pp->topic->info, pp->id, pr->CurrentLeaderId,
                               pr->CurrentLeaderEpoch, resp.NodeEndpoints,
                               resp.NodeEndpointsCount)) {
      /* KIP-951: the broker named the new leader; go there without a metadata round trip. */
      r->e[i].b->hinted = true;
      lw_prod_note(p, LW_NOTE_LEADER, "%s[%d]: %s: the broker names %d (leader epoch %d) as leader",
                   pp->topic->name, pp->id, lw_err_name(pr->ErrorCode), pr->CurrentLeaderId,
                   pr->CurrentLeaderEpoch);
    }
    batch_result(p, pp, r->e[i].b, pr->ErrorCode, pr->BaseOffset);
  }
  lw_arena_free(&a);
  free(r);
}

/* ---- Draining: one request per broker ---- */

typedef struct cand {
  int32_t leader;
  ppart *pp;
  batch *b;
} cand;

static int cmp_leader(const void *a, const void *b) {
  const cand *x = a, *y = b;
  return x->leader < y->leader ? -1 : x->leader > y->leader;
}

static void fail_unsendable(lw_producer *p, ppart *pp, batch *b, int err) {
  take(pp, b);
  pp->inflight++; /* batch_result decrements it */
  batch_result(p, pp, b, err, -1);
}

/* Build and send one Produce request to `leader` with candidates c[0..n). Returns how many
 * were sent. */
static int send_to(lw_producer *p, int32_t leader, cand *c, int n, uint64_t now) {
  lw_conn *conn = lw_cluster_broker_conn(p->cl, leader);
  if (!conn || !lw_conn_has_room(conn))
    return 0;
  int16_t v = lw_conn_api_version(conn, LW_API_PRODUCE);
  if (v < 0) {
    int16_t lo = 0, hi = -1, mylo = 0, myhi = -1;
    lw_conn_broker_range(conn, LW_API_PRODUCE, &lo, &hi);
    lw_client_range(LW_API_PRODUCE, &mylo, &myhi);
    lw_net_log_broker(p->ctx, 3, lw_conn_name(conn), (int)lw_conn_node_id(conn),
                      "no Produce version both sides support (broker %d-%d, logwire %d-%d)", lo, hi,
                      mylo, myhi);
    for (int i = 0; i < n; i++)
      fail_unsendable(p, c[i].pp, c[i].b, LW_ERR_NO_VERSION);
    return n;
  }
  /* Produce v13 names topics by TopicId: without ids in the metadata (brokers before 2.8, or
   * an old Metadata version), stay at v12, which names them. */
  for (int i = 0; i < n && v >= 13; i++)
    if (!memcmp(c[i].pp->topic->info->id.b, (const uint8_t[16]){0}, 16))
      v = 12;
  preq *r = malloc(sizeof(*r) + (size_t)n * sizeof(preq_ent));
  lw_produce_topic *topics = calloc((size_t)n, sizeof(*topics));
  lw_produce_part *parts = calloc((size_t)n, sizeof(*parts));
  if (!r || !topics || !parts) {
    free(r), free(topics), free(parts);
    return 0;
  }
  r->p = p;
  r->version = v;
  r->n = 0;
  size_t total = 0;
  int ntopics = 0;
  for (int i = 0; i < n; i++) {
    batch *b = c[i].b;
    int rc = seal(p, c[i].pp, b, v);
    if (rc != LW_OK) {
      lw_net_logf(p->ctx, 3, "%s[%d]: cannot build the batch: %s", c[i].pp->topic->name,
                  c[i].pp->id, lw_err_name(rc));
      fail_unsendable(p, c[i].pp, b, rc);
      continue;
    }
    if (b == c[i].pp->open) /* sealed: records go to a new batch even if this one waits */
      seal_open(c[i].pp);
    if (r->n > 0 && total + b->buf.len > p->conf->request_max_bytes)
      break; /* the rest goes in the next request */
    take(c[i].pp, b);
    c[i].pp->inflight++;
    b->sent_us = now;
    total += b->buf.len;
    r->e[r->n].pp = c[i].pp;
    r->e[r->n].b = b;
    /* Group partitions by topic: candidates of one topic are adjacent after sorting by leader
     * only by chance, so look the topic up. */
    int ti = 0;
    while (ti < ntopics && strcmp(topics[ti].Name.p, c[i].pp->topic->name))
      ti++;
    if (ti == ntopics) {
      topics[ti].Name = lw_str_c(c[i].pp->topic->name);
      topics[ti].TopicId = c[i].pp->topic->info->id;
      topics[ti].PartitionData = parts + r->n;
      ntopics++;
    }
    r->n++;
  }
  if (r->n == 0) {
    free(r), free(topics), free(parts);
    return n;
  }
  /* Lay the partition entries out topic by topic. */
  int k = 0;
  for (int ti = 0; ti < ntopics; ti++) {
    topics[ti].PartitionData = parts + k;
    topics[ti].PartitionDataCount = 0;
    for (int i = 0; i < r->n; i++)
      if (!strcmp(r->e[i].pp->topic->name, topics[ti].Name.p)) {
        parts[k].Index = r->e[i].pp->id;
        parts[k].Records = (lw_bytes){r->e[i].b->buf.data, (int32_t)r->e[i].b->buf.len};
        topics[ti].PartitionDataCount++;
        k++;
      }
  }
  lw_produce_req q = {.TransactionalId = LW_STR_NULL,
                      .Acks = (int16_t)p->conf->acks,
                      .TimeoutMs = p->conf->request_timeout_ms,
                      .TopicData = topics,
                      .TopicDataCount = ntopics};
  lw_buf *b = lw_conn_request_begin(conn, LW_API_PRODUCE, v);
  int rc = b ? lw_produce_req_encode(b, v, &q) : LW_ERR_DISCONNECTED;
  free(topics);
  free(parts);
  int sent = r->n;
  if (rc != LW_OK) {
    if (b)
      lw_conn_request_abort(conn, b);
    for (int i = 0; i < r->n; i++)
      batch_result(p, r->e[i].pp, r->e[i].b, rc == LW_ERR_TOO_LARGE ? rc : LW_ERR_DISCONNECTED, -1);
    free(r);
    return sent;
  }
  p->inflight_reqs++;
  p->st.requests_sent++;
  p->st.batches_sent += (uint64_t)r->n;
  p->st.bytes_sent += total;
  /* Given up when the first of its records reaches its delivery timeout: an answer after
   * that could not be reported anyway (a hung broker would otherwise hold the records until
   * request_timeout_ms, past delivery_timeout_ms). */
  uint64_t due = 0;
  if (p->conf->delivery_timeout_ms > 0)
    for (int i = 0; i < r->n; i++) {
      uint64_t d = r->e[i].b->created_us + (uint64_t)p->conf->delivery_timeout_ms * 1000u;
      if (!due || d < due)
        due = d;
    }
  rc = lw_conn_request_send_by(conn, b, p->conf->acks != 0, on_produce, r, due);
  if (rc != LW_OK) {
    p->inflight_reqs--;
    for (int i = 0; i < r->n; i++)
      batch_result(p, r->e[i].pp, r->e[i].b, rc, -1);
    free(r);
  }
  return sent;
}

void lw_prod_drain(lw_producer *p) {
  if (p->closing || !p->cl)
    return;
  uint64_t now = lw_now_us();
  lw_prod_describe(p);
  if (!idem_decided(p))
    return;
  if (p->idem == 1 && (p->pid < 0 || p->bump)) {
    /* A new epoch is asked for only once every Produce answer is in: none can then come back
     * for the old numbering after the batches were numbered again. */
    if (p->inflight_reqs == 0)
      lw_prod_init_pid(p);
    return;
  }
  /* Candidates: at most one batch per partition, grouped by leader. */
  cand stack[64], *c = stack;
  int n = 0, cap = 64;
  bool want_md = false;
  for (struct lw_ptopic *t = p->topics; t; t = t->next) {
    for (int32_t i = 0; i < t->nparts; i++) {
      ppart *pp = t->parts[i];
      if (!pp || (!pp->open && !pp->queue))
        continue;
      batch *b = sendable(p, pp, now);
      if (!b)
        continue;
      int32_t leader = pp->id < t->info->partitions ? t->info->parts[pp->id].leader : -1;
      if (leader < 0) {
        want_md = true;
        continue;
      }
      if (n == cap) {
        cand *nc = malloc((size_t)cap * 2 * sizeof(*nc));
        if (!nc)
          break;
        memcpy(nc, c, (size_t)n * sizeof(*nc));
        if (c != stack)
          free(c);
        c = nc;
        cap *= 2;
      }
      c[n++] = (cand){leader, pp, b};
    }
  }
  if (want_md)
    lw_cluster_refresh(p->cl, false);
  qsort(c, (size_t)n, sizeof(*c), cmp_leader);
  for (int i = 0; i < n;) {
    int j = i;
    while (j < n && c[j].leader == c[i].leader)
      j++;
    send_to(p, c[i].leader, c + i, j - i, now);
    i = j;
  }
  if (c != stack)
    free(c);
  if (p->flush) {
    bool left = false;
    for (struct lw_ptopic *t = p->topics; t && !left; t = t->next)
      for (int32_t i = 0; i < t->nparts && !left; i++)
        if (t->parts[i] && (t->parts[i]->open || t->parts[i]->queue))
          left = true;
    p->flush = left;
  }
}
