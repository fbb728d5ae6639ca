/* fakebroker.c — test-only: one Kafka broker (node 1) in one process, built on logwire's own
 * proto/ codecs, for what librdkafka's mock cluster cannot check: Produce v0-v2 (legacy magic 0/1
 * MessageSets), Produce v5+ answered correctly, brokers that predate ApiVersions, and every CRC
 * checked on arrival as a real broker does. Partition logs live in memory, capped by -m.
 *
 *   fakebroker [-p PORT] [-t TOPIC:PARTITIONS]... [-a APIKEY:MIN:MAX]... [-m MAX_LOG_BYTES] [-N]
 *
 * -a sets the range advertised for an API (MIN -1: not advertised; a request for it closes the
 * connection, as a broker that does not know the API); -N: no ApiVersions (the connection is
 * closed on an ApiVersions request, as brokers before 0.10 do). Defaults: Produce 0-12, Fetch
 * 4-12, ListOffsets 1-5, Metadata 0-12, ApiVersions 0-3, InitProducerId 0-4. Fetch and
 * ListOffsets cannot go lower than logwire's codecs (v4, v1): posing as an old broker limits
 * what clients may write, not how they read back.
 *
 * Prints "bootstrap=127.0.0.1:PORT", then reads one command per line and answers "ok[ ...]" or
 * "error: ...":
 *   apiversion APIKEY MIN MAX   as -a
 *   apiversions on|off          answer ApiVersions / close the connection on it (-N)
 *   create TOPIC PARTITIONS     create a topic (Metadata auto-creates unknown ones with 1)
 *   err APIKEY CODE [COUNT]     the next COUNT requests of APIKEY fail with CODE
 *   mangle [COUNT]              flip the last byte of the next COUNT Produce partitions' Records
 *                               as received (a CRC-covered byte: they must be rejected)
 *   drop [COUNT]                the next COUNT Produce requests are handled, then the connection
 *                               is closed instead of answering (the client must retry)
 *   flip TOPIC PARTITION        flip the last byte of the partition's stored log (CRC-covered)
 *   hwm TOPIC PARTITION         "ok OFFSET": the next offset of the partition
 *   used APIKEY                 "ok[ V[,V...]]": versions of APIKEY requested since start/reset
 *   stats                       "ok accepted=N crc=N invalid=N duplicate=N out_of_order=N"
 *   reset | ping | quit         (it also quits on end of input, SIGINT and SIGTERM)
 *
 * Produce is validated as a real broker does (tests/tools/fakebroker/fb_log.c: every CRC,
 * formats per version, idempotent sequences) and offsets are assigned as Kafka 0.10+ does. Fetch
 * waits up to MaxWaitMs for data as brokers do, so that idle consumers do not spin. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/loop.h"
#include "proto/api_versions.h"
#include "proto/fetch.h"
#include "proto/init_producer_id.h"
#include "proto/list_offsets.h"
#include "proto/produce.h"
#include "tests/tools/fakebroker/fb_log.h"

#define MAX_API   64
#define MAX_CONNS 64
#define MAX_FRAME (96u << 20)  /* largest request accepted */
#define MAX_OUT   (256u << 20) /* unsent responses of one connection */
#define PARK      1            /* a Fetch waits for data */
#define NO_REPLY  2            /* Produce with Acks 0 */

typedef struct fb fb;
typedef struct conn {
  fb *f;
  int fd;
  uint8_t *in;
  size_t inlen, incap;
  lw_buf out;
  size_t sent; /* bytes of out already written */
  lw_timer timer;
  bool parked; /* the Fetch at the head of `in` waits until park_until */
  uint64_t park_until;
  bool eof;  /* the client closed its side: handle what it sent, then close */
  bool dead; /* close now */
} conn;

struct fb {
  lw_loop *loop;
  int lfd, port;
  int16_t amin[MAX_API], amax[MAX_API]; /* advertised ranges, -1: not advertised */
  bool apiver_on;                       /* answer ApiVersions (else close the connection) */
  bool wake;                            /* records were appended: parked Fetches look again */
  fb_log g;                             /* topics and their logs */
  int64_t next_pid;
  int inj_code[MAX_API], inj_count[MAX_API]; /* injected errors */
  int drop;                                  /* Produce answers to lose */
  uint32_t used[MAX_API];                    /* bit v: version v was requested */
  conn *conns[MAX_CONNS];
  int nconns;
  lw_arena arena; /* decoded requests and responses being built */
  lw_prepare prep;
  char line[1024];
  size_t linelen;
};

/* ---- Request handlers: decode `c` (after the header), encode the body into `out` ---- */

/* n zeroed elements from the request's arena. Sets *ok false when they cannot be had (the
 * caller then gives up on the request); NULL without error for n <= 0. */
static void *arr(fb *f, int32_t n, size_t size, bool *ok) {
  void *p = n > 0 ? lw_arena_alloc(&f->arena, (size_t)n * size) : NULL;
  *ok &= n <= 0 || p;
  return p;
}

static int h_apiversions(fb *f, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  lw_apiver_req q;
  lw_apiver_resp r = {.FinalizedFeaturesEpoch = -1, .ErrorCode = inj};
  lw_apiver_range keys[MAX_API];
  if (v > f->amax[LW_API_API_VERSIONS]) {
    /* A version it does not know: UNSUPPORTED_VERSION with its own range (v0 layout). */
    r.ErrorCode = LW_KAFKA_UNSUPPORTED_VERSION;
    keys[r.ApiKeysCount++] = (lw_apiver_range){LW_API_API_VERSIONS, f->amin[LW_API_API_VERSIONS],
                                               f->amax[LW_API_API_VERSIONS]};
  } else if (lw_apiver_req_decode(c, v, &q) != LW_OK) {
    return LW_ERR_MALFORMED;
  } else {
    for (int16_t k = 0; k < MAX_API; k++)
      if (f->amin[k] >= 0)
        keys[r.ApiKeysCount++] = (lw_apiver_range){k, f->amin[k], f->amax[k]};
  }
  r.ApiKeys = keys;
  return lw_apiver_resp_encode(out, v, &r);
}

static int h_metadata(fb *f, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  static int32_t node1[] = {1};
  lw_md_req q;
  if (lw_md_req_decode(c, v, &f->arena, &q) != LW_OK)
    return LW_ERR_MALFORMED;
  lw_md_broker me = {1, lw_str_c("127.0.0.1"), f->port, LW_STR_NULL};
  lw_md_resp r = {.Brokers = &me,
                  .BrokersCount = 1,
                  .ClusterId = lw_str_c("fakebroker"),
                  .ControllerId = 1,
                  .ClusterAuthorizedOperations = INT32_MIN};
  bool all = q.TopicsCount < 0 || (v == 0 && q.TopicsCount == 0);
  r.TopicsCount = all ? f->g.ntopics : q.TopicsCount;
  bool ok = true;
  r.Topics = arr(f, r.TopicsCount, sizeof *r.Topics, &ok);
  for (int32_t i = 0; ok && i < r.TopicsCount; i++) {
    lw_md_topic *mt = &r.Topics[i];
    fb_topic *t = all ? f->g.topics[i] : NULL;
    if (!all && q.Topics[i].Name.len >= 0) {
      mt->Name = q.Topics[i].Name;
      t = fb_topic_find(&f->g, mt->Name.p, (size_t)mt->Name.len);
      if (!t && (v < 4 || q.AllowAutoTopicCreation))
        t = fb_topic_create(&f->g, mt->Name.p, (size_t)mt->Name.len, 1);
    } else if (!all) {
      mt->TopicId = q.Topics[i].TopicId;
      t = fb_topic_find_id(&f->g, &mt->TopicId);
    }
    mt->TopicAuthorizedOperations = INT32_MIN;
    mt->ErrorCode = inj                 ? inj
                    : t                 ? 0
                    : mt->Name.len >= 0 ? LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION
                                        : LW_KAFKA_UNKNOWN_TOPIC_ID;
    if (!t || mt->ErrorCode)
      continue;
    mt->Name = lw_str_c(t->name);
    mt->TopicId = t->id;
    mt->PartitionsCount = t->nparts;
    mt->Partitions = arr(f, t->nparts, sizeof *mt->Partitions, &ok);
    for (int32_t j = 0; ok && j < t->nparts; j++)
      mt->Partitions[j] = (lw_md_partition){.PartitionIndex = j,
                                            .LeaderId = 1,
                                            .ReplicaNodes = node1,
                                            .ReplicaNodesCount = 1,
                                            .IsrNodes = node1,
                                            .IsrNodesCount = 1};
  }
  return ok ? lw_md_resp_encode(out, v, &r) : LW_ERR_NOMEM;
}

static int h_produce(fb *f, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  lw_produce_req q;
  if (lw_produce_req_decode(c, v, &f->arena, &q) != LW_OK)
    return LW_ERR_MALFORMED;
  lw_produce_resp r = {.ResponsesCount = q.TopicDataCount};
  bool ok = true;
  r.Responses = arr(f, q.TopicDataCount, sizeof *r.Responses, &ok);
  for (int32_t i = 0; ok && i < q.TopicDataCount; i++) {
    const lw_produce_topic *qt = &q.TopicData[i];
    lw_produce_topic_resp *rt = &r.Responses[i];
    fb_topic *t = v >= 13 ? fb_topic_find_id(&f->g, &qt->TopicId)
                          : fb_topic_find(&f->g, qt->Name.p, (size_t)qt->Name.len);
    rt->Name = qt->Name;
    rt->TopicId = qt->TopicId;
    rt->PartitionResponsesCount = qt->PartitionDataCount;
    rt->PartitionResponses = arr(f, qt->PartitionDataCount, sizeof *rt->PartitionResponses, &ok);
    for (int32_t j = 0; ok && j < qt->PartitionDataCount; j++) {
      lw_produce_part_resp *rp = &rt->PartitionResponses[j];
      fb_part *pp = fb_part_get(t, qt->PartitionData[j].Index);
      *rp = (lw_produce_part_resp){.Index = qt->PartitionData[j].Index,
                                   .BaseOffset = -1,
                                   .LogAppendTimeMs = -1,
                                   .LogStartOffset = 0,
                                   .ErrorMessage = LW_STR_NULL,
                                   .CurrentLeaderId = -1,
                                   .CurrentLeaderEpoch = -1};
      if (inj || !pp)
        rp->ErrorCode = inj ? inj : LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
      else
        rp->ErrorCode = fb_append(&f->g, pp, v, qt->PartitionData[j].Records, &rp->BaseOffset);
      f->wake |= rp->ErrorCode == 0;
      if (rp->ErrorCode && rp->ErrorCode != LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER)
        fprintf(stderr, "fakebroker: Produce v%d %.*s[%d]: %s\n", v, (int)qt->Name.len,
                qt->Name.p ? qt->Name.p : "", rp->Index, lw_err_name(rp->ErrorCode));
    }
  }
  int rc = ok ? lw_produce_resp_encode(out, v, &r) : LW_ERR_NOMEM;
  return rc == LW_OK && q.Acks == 0 ? NO_REPLY : rc;
}

static int h_fetch(fb *f, conn *cn, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  lw_fetch_req q;
  if (lw_fetch_req_decode(c, v, &f->arena, &q) != LW_OK)
    return LW_ERR_MALFORMED;
  lw_fetch_resp r = {.ResponsesCount = q.TopicsCount};
  bool ok = true;
  r.Responses = arr(f, q.TopicsCount, sizeof *r.Responses, &ok);
  size_t budget = q.MaxBytes > 0 ? (size_t)q.MaxBytes : INT32_MAX, total = 0;
  bool errors = false;
  for (int32_t i = 0; ok && i < q.TopicsCount; i++) {
    const lw_fetch_req_topic *qt = &q.Topics[i];
    lw_fetch_resp_topic *rt = &r.Responses[i];
    fb_topic *t = v >= 13 ? fb_topic_find_id(&f->g, &qt->TopicId)
                          : fb_topic_find(&f->g, qt->Topic.p, (size_t)qt->Topic.len);
    rt->Topic = qt->Topic;
    rt->TopicId = qt->TopicId;
    rt->PartitionsCount = qt->PartitionsCount;
    rt->Partitions = arr(f, qt->PartitionsCount, sizeof *rt->Partitions, &ok);
    for (int32_t j = 0; ok && j < qt->PartitionsCount; j++) {
      const lw_fetch_req_part *qp = &qt->Partitions[j];
      lw_fetch_resp_part *rp = &rt->Partitions[j];
      fb_part *pp = fb_part_get(t, qp->Partition);
      *rp = (lw_fetch_resp_part){.PartitionIndex = qp->Partition,
                                 .HighWatermark = -1,
                                 .LastStableOffset = -1,
                                 .LogStartOffset = -1,
                                 .DivergingEpoch = {-1, -1},
                                 .CurrentLeader = {-1, -1},
                                 .SnapshotId = {-1, -1},
                                 .AbortedTransactionsCount = -1,
                                 .PreferredReadReplica = -1};
      rp->ErrorCode = inj   ? inj
                      : !pp ? LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION
                      : qp->FetchOffset < 0 || qp->FetchOffset > pp->next
                          ? LW_KAFKA_OFFSET_OUT_OF_RANGE
                          : 0;
      errors |= rp->ErrorCode != 0;
      if (rp->ErrorCode)
        continue;
      rp->HighWatermark = rp->LastStableOffset = pp->next;
      rp->LogStartOffset = 0;
      size_t k = fb_first_entry(pp, qp->FetchOffset), from = k < pp->nents ? pp->ents[k].pos : 0;
      size_t to = from, limit = qp->PartitionMaxBytes > 0 ? (size_t)qp->PartitionMaxBytes : 0;
      if (limit > (total < budget ? budget - total : 0))
        limit = total < budget ? budget - total : 0;
      /* Whole entries up to the limits; the first entry of the response even when larger
       * (KIP-74), so that a consumer always progresses. */
      for (; k < pp->nents; k++) {
        if (to - from + pp->ents[k].len > limit && (to > from || total > 0))
          break;
        to += pp->ents[k].len;
      }
      rp->Records = (lw_bytes){pp->log.data + from, (int32_t)(to - from)};
      total += to - from;
    }
  }
  if (!ok)
    return LW_ERR_NOMEM;
  if (total == 0 && !errors && q.MaxWaitMs > 0) {
    if (!cn->parked)
      cn->park_until = lw_now_us() + (uint64_t)q.MaxWaitMs * 1000u;
    if (lw_now_us() < cn->park_until)
      return PARK;
  }
  return lw_fetch_resp_encode(out, v, &r);
}

static int h_list_offsets(fb *f, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  lw_lo_req q;
  if (lw_lo_req_decode(c, v, &f->arena, &q) != LW_OK)
    return LW_ERR_MALFORMED;
  lw_lo_resp r = {.TopicsCount = q.TopicsCount};
  bool ok = true;
  r.Topics = arr(f, q.TopicsCount, sizeof *r.Topics, &ok);
  for (int32_t i = 0; ok && i < q.TopicsCount; i++) {
    fb_topic *t = fb_topic_find(&f->g, q.Topics[i].Name.p, (size_t)q.Topics[i].Name.len);
    lw_lo_resp_topic *rt = &r.Topics[i];
    rt->Name = q.Topics[i].Name;
    rt->PartitionsCount = q.Topics[i].PartitionsCount;
    rt->Partitions = arr(f, rt->PartitionsCount, sizeof *rt->Partitions, &ok);
    for (int32_t j = 0; ok && j < rt->PartitionsCount; j++) {
      const lw_lo_req_part *qp = &q.Topics[i].Partitions[j];
      lw_lo_resp_part *rp = &rt->Partitions[j];
      fb_part *pp = fb_part_get(t, qp->PartitionIndex);
      *rp = (lw_lo_resp_part){
          .PartitionIndex = qp->PartitionIndex, .Timestamp = -1, .Offset = -1, .LeaderEpoch = 0};
      rp->ErrorCode = inj ? inj : pp ? 0 : LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
      if (rp->ErrorCode)
        continue;
      if (qp->Timestamp == LW_LO_EARLIEST)
        rp->Offset = 0;
      else if (qp->Timestamp == LW_LO_LATEST)
        rp->Offset = pp->next;
      for (size_t k = 0; qp->Timestamp >= 0 && k < pp->nents && rp->Offset < 0; k++)
        if (pp->ents[k].max_ts >= qp->Timestamp)
          rp->Offset = pp->ents[k].base, rp->Timestamp = pp->ents[k].max_ts;
    }
  }
  return ok ? lw_lo_resp_encode(out, v, &r) : LW_ERR_NOMEM;
}

static int h_init_pid(fb *f, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  lw_initpid_req q;
  if (lw_initpid_req_decode(c, v, &q) != LW_OK)
    return LW_ERR_MALFORMED;
  lw_initpid_resp r = {.ErrorCode = inj, .ProducerId = -1, .ProducerEpoch = -1};
  if (!inj && q.ProducerId >= 0 && q.ProducerEpoch >= 0) /* v3+: bump the epoch */
    r.ProducerId = q.ProducerId, r.ProducerEpoch = (int16_t)(q.ProducerEpoch + 1);
  else if (!inj)
    r.ProducerId = f->next_pid++, r.ProducerEpoch = 0;
  return lw_initpid_resp_encode(out, v, &r);
}

/* One request frame p[0..n) (after Size). Returns LW_OK, PARK, or an error (close). */
static int on_request(fb *f, conn *cn, const uint8_t *p, size_t n) {
  lw_cur c;
  lw_req_header h;
  lw_cur_init(&c, p, n);
  if (lw_req_header_decode(&c, &h) != LW_OK)
    return LW_ERR_MALFORMED;
  int16_t k = h.ApiKey, v = h.ApiVersion;
  bool known = k >= 0 && k < MAX_API && f->amin[k] >= 0;
  if (k == LW_API_API_VERSIONS && !f->apiver_on) {
    fprintf(stderr, "fakebroker: ApiVersions v%d: closing (no ApiVersions)\n", v);
    return LW_ERR_UNSUPPORTED;
  }
  if (!known || v < f->amin[k] || (v > f->amax[k] && k != LW_API_API_VERSIONS)) {
    fprintf(stderr, "fakebroker: %s (key %d) v%d not advertised: closing\n", lw_api_name(k), k, v);
    return LW_ERR_UNSUPPORTED;
  }
  if (v < 32)
    f->used[k] |= 1u << v;
  int16_t inj = 0;
  if (f->inj_count[k] > 0 && !cn->parked) {
    f->inj_count[k]--;
    inj = (int16_t)f->inj_code[k];
  }
  lw_arena_reset(&f->arena);
  size_t start = cn->out.len, fr = lw_frame_begin(&cn->out);
  lw_resp_header_encode(&cn->out, k, v, h.CorrelationId);
  int rc;
  switch (k) {
    case LW_API_API_VERSIONS:
      rc = h_apiversions(f, &c, v, inj, &cn->out);
      break;
    case LW_API_METADATA:
      rc = h_metadata(f, &c, v, inj, &cn->out);
      break;
    case LW_API_PRODUCE:
      rc = h_produce(f, &c, v, inj, &cn->out);
      break;
    case LW_API_FETCH:
      rc = h_fetch(f, cn, &c, v, inj, &cn->out);
      break;
    case LW_API_LIST_OFFSETS:
      rc = h_list_offsets(f, &c, v, inj, &cn->out);
      break;
    case LW_API_INIT_PRODUCER_ID:
      rc = h_init_pid(f, &c, v, inj, &cn->out);
      break;
    default:
      rc = LW_ERR_UNSUPPORTED;
      break;
  }
  if ((rc == LW_OK || rc == NO_REPLY) && k == LW_API_PRODUCE && f->drop > 0) {
    f->drop--;
    rc = LW_ERR_DISCONNECTED; /* written, but the answer is lost with the connection */
  }
  if (rc == PARK || rc == NO_REPLY) {
    cn->out.len = start;
    return rc == PARK ? PARK : LW_OK;
  }
  if (rc == LW_OK)
    rc = lw_frame_end(&cn->out, fr);
  if (rc != LW_OK)
    fprintf(stderr, "fakebroker: %s v%d: %s: closing\n", lw_api_name(k), v, lw_err_name(rc));
  return rc;
}

/* ---- Connections ---- */

static void conn_close(conn *cn) {
  fb *f = cn->f;
  lw_loop_del(f->loop, cn->fd);
  close(cn->fd);
  lw_timer_stop(f->loop, &cn->timer);
  for (int i = 0; i < f->nconns; i++)
    if (f->conns[i] == cn)
      f->conns[i] = f->conns[--f->nconns];
  lw_buf_free(&cn->out);
  free(cn->in);
  free(cn);
}

/* Handle every complete request in cn->in (until a Fetch parks), then write what is ready. */
static void service(conn *cn) {
  fb *f = cn->f;
  size_t n;
  int rc = LW_OK;
  while (!cn->dead && (rc = lw_frame_peek(cn->in, cn->inlen, MAX_FRAME, &n)) == LW_OK) {
    rc = on_request(f, cn, cn->in + 4, n);
    if (rc == PARK) {
      if (!cn->parked)
        lw_timer_start_at(f->loop, &cn->timer, cn->park_until);
      cn->parked = true;
      break;
    }
    cn->parked = false;
    lw_timer_stop(f->loop, &cn->timer);
    cn->dead = rc != LW_OK;
    memmove(cn->in, cn->in + 4 + n, cn->inlen - 4 - n);
    cn->inlen -= 4 + n;
  }
  cn->dead |= rc != LW_OK && rc != LW_ERR_NEED_MORE && rc != PARK;
  while (!cn->dead && cn->sent < cn->out.len) {
    ssize_t w = send(cn->fd, cn->out.data + cn->sent, cn->out.len - cn->sent, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0 && errno == EAGAIN)
      break;
    cn->dead = w < 0;
    cn->sent += w > 0 ? (size_t)w : 0;
  }
  if (cn->sent == cn->out.len) {
    lw_buf_reset(&cn->out);
    cn->sent = 0;
  }
  if (cn->dead || cn->eof)
    conn_close(cn);
  else
    lw_loop_mod(f->loop, cn->fd, LW_EV_READ | (cn->sent < cn->out.len ? LW_EV_WRITE : 0));
}

static void on_conn(lw_loop *l, int fd, unsigned ev, void *ud) {
  conn *cn = ud;
  (void)l;
  while (ev & (LW_EV_READ | LW_EV_ERROR)) {
    if (cn->incap - cn->inlen < 65536) {
      size_t cap = cn->incap ? 2 * cn->incap : 131072;
      uint8_t *p = cap <= 2 * (size_t)MAX_FRAME ? realloc(cn->in, cap) : NULL;
      if (!p) {
        cn->dead = true;
        break;
      }
      cn->in = p, cn->incap = cap;
    }
    ssize_t r = read(fd, cn->in + cn->inlen, cn->incap - cn->inlen);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && errno == EAGAIN)
      break;
    cn->eof = r == 0;
    cn->dead = r < 0;
    if (r <= 0)
      break;
    cn->inlen += (size_t)r;
  }
  service(cn);
}

static void on_park_timer(lw_loop *l, lw_timer *t, void *ud) {
  (void)l, (void)t;
  service(ud);
}

static void on_accept(lw_loop *l, int lfd, unsigned ev, void *ud) {
  fb *f = ud;
  (void)ev;
  int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  conn *cn = fd >= 0 && f->nconns < MAX_CONNS ? calloc(1, sizeof *cn) : NULL;
  if (!cn || lw_loop_add(l, fd, LW_EV_READ, on_conn, cn) != LW_OK) {
    if (fd >= 0)
      close(fd);
    free(cn);
    return;
  }
  cn->f = f;
  cn->fd = fd;
  lw_buf_init(&cn->out, MAX_OUT);
  lw_timer_init(&cn->timer, on_park_timer, cn);
  f->conns[f->nconns++] = cn;
}

/* Before each wait: parked Fetches look again once something was appended. */
static void on_prepare(lw_loop *l, void *ud) {
  fb *f = ud;
  (void)l;
  if (!f->wake)
    return;
  f->wake = false;
  for (int i = f->nconns - 1; i >= 0; i--)
    if (i < f->nconns && f->conns[i]->parked)
      service(f->conns[i]);
}

/* ---- Commands on stdin ---- */

static void answer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void answer(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

static bool set_range(fb *f, int k, int lo, int hi) {
  if (k < 0 || k >= MAX_API || lo > hi || hi > 32)
    return false;
  f->amin[k] = (int16_t)(lo < 0 ? -1 : lo);
  f->amax[k] = (int16_t)(lo < 0 ? -1 : hi);
  return true;
}

/* Returns true on quit. */
static bool command(fb *f, const char *line) {
  char a[256], used[96];
  int x, y, z, n;
  if (sscanf(line, "apiversion %d %d %d", &x, &y, &z) == 3) {
    answer(set_range(f, x, y, z) ? "ok" : "error: bad range");
  } else if (sscanf(line, "apiversions %255s", a) == 1) {
    f->apiver_on = !strcmp(a, "on");
    answer("ok");
  } else if (sscanf(line, "create %255s %d", a, &x) == 2) {
    answer(fb_topic_create(&f->g, a, strlen(a), x) ? "ok" : "error: cannot create the topic");
  } else if ((n = sscanf(line, "err %d %d %d", &x, &y, &z)) >= 2 && x >= 0 && x < MAX_API) {
    f->inj_code[x] = y;
    f->inj_count[x] = n == 3 ? z : 1;
    answer("ok");
  } else if (!strncmp(line, "mangle", 6)) {
    f->g.mangle = sscanf(line, "mangle %d", &x) == 1 ? x : 1;
    answer("ok");
  } else if (!strncmp(line, "drop", 4)) {
    f->drop = sscanf(line, "drop %d", &x) == 1 ? x : 1;
    answer("ok");
  } else if (sscanf(line, "flip %255s %d", a, &x) == 2 ||
             sscanf(line, "hwm %255s %d", a, &x) == 2) {
    fb_part *pp = fb_part_get(fb_topic_find(&f->g, a, strlen(a)), x);
    bool flip = line[0] == 'f';
    if (!pp || (flip && !pp->nents))
      answer("error: no partition %s[%d], or nothing stored in it", a, x);
    else if (flip)
      pp->log.data[pp->log.len - 1] ^= 0x01, answer("ok");
    else
      answer("ok %" PRId64, pp->next);
  } else if (sscanf(line, "used %d", &x) == 1 && x >= 0 && x < MAX_API) {
    size_t o = 0;
    used[0] = 0;
    for (int v = 0; v < 32; v++)
      if (f->used[x] & (1u << v))
        o += (size_t)snprintf(used + o, sizeof used - o, "%s%d", o ? "," : "", v);
    answer("ok%s%s", o ? " " : "", used);
  } else if (!strncmp(line, "stats", 5)) {
    answer("ok accepted=%ld crc=%ld invalid=%ld duplicate=%ld out_of_order=%ld", f->g.st.accepted,
           f->g.st.crc, f->g.st.invalid, f->g.st.dup, f->g.st.ooo);
  } else if (!strncmp(line, "reset", 5)) {
    memset(f->used, 0, sizeof f->used);
    memset(&f->g.st, 0, sizeof f->g.st);
    answer("ok");
  } else if (!strncmp(line, "ping", 4)) {
    answer("ok");
  } else if (!strncmp(line, "quit", 4)) {
    return true;
  } else {
    answer("error: bad command: %.100s", line);
  }
  return false;
}

static void on_stdin(lw_loop *l, int fd, unsigned ev, void *ud) {
  fb *f = ud;
  (void)ev;
  ssize_t r = read(fd, f->line + f->linelen, sizeof f->line - 1 - f->linelen);
  if (r < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (r <= 0) {
    lw_loop_stop(l);
    return;
  }
  f->linelen += (size_t)r;
  f->line[f->linelen] = 0;
  char *nl;
  while ((nl = strchr(f->line, '\n'))) {
    *nl = 0;
    if (command(f, f->line))
      lw_loop_stop(l);
    f->linelen -= (size_t)(nl + 1 - f->line);
    memmove(f->line, nl + 1, f->linelen + 1);
  }
  if (f->linelen == sizeof f->line - 1)
    f->linelen = 0; /* an over-long line is dropped */
}

static void on_signal(lw_loop *l, int signo, void *ud) {
  (void)signo, (void)ud;
  lw_loop_stop(l);
}

/* ---- Setup ---- */

static int listen_on(fb *f, int port) {
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_port = htons((uint16_t)port),
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  int one = 1;
  f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (f->lfd < 0 || setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
      bind(f->lfd, (struct sockaddr *)&sa, sizeof sa) || listen(f->lfd, 64) ||
      getsockname(f->lfd, (struct sockaddr *)&sa, &sl))
    return LW_ERR_IO;
  f->port = ntohs(sa.sin_port);
  return LW_OK;
}

int main(int argc, char **argv) {
  static fb f; /* large: kept off the stack */
  int opt, port = 0, rc = 1;
  f.lfd = -1;
  f.apiver_on = true;
  fb_log_init(&f.g, 64u << 20);
  f.next_pid = 1000;
  for (int k = 0; k < MAX_API; k++)
    f.amin[k] = f.amax[k] = -1;
  set_range(&f, LW_API_PRODUCE, 0, 12);
  set_range(&f, LW_API_FETCH, 4, 12);
  set_range(&f, LW_API_LIST_OFFSETS, 1, 5);
  set_range(&f, LW_API_METADATA, 0, 12);
  set_range(&f, LW_API_API_VERSIONS, 0, 3);
  set_range(&f, LW_API_INIT_PRODUCER_ID, 0, 4);
  lw_arena_init(&f.arena, 64u << 20);
  lw_prepare_init(&f.prep, on_prepare, &f);
  signal(SIGPIPE, SIG_IGN);
  while ((opt = getopt(argc, argv, "p:t:a:m:N")) != -1) {
    char name[256];
    int x, y, z;
    if (opt == 'p')
      port = atoi(optarg);
    else if (opt == 'm')
      f.g.max = strtoul(optarg, NULL, 10);
    else if (opt == 'N')
      f.apiver_on = false;
    else if (opt == 't' && sscanf(optarg, "%255[^:]:%d", name, &x) == 2 &&
             fb_topic_create(&f.g, name, strlen(name), x))
      continue;
    else if (!(opt == 'a' && sscanf(optarg, "%d:%d:%d", &x, &y, &z) == 3 &&
               set_range(&f, x, y, z))) {
      fprintf(stderr,
              "usage: %s [-p PORT] [-t TOPIC:PARTITIONS]... [-a APIKEY:MIN:MAX]... "
              "[-m MAX_LOG_BYTES] [-N]\n",
              argv[0]);
      goto done;
    }
  }
  if (lw_loop_new(&f.loop) != LW_OK || listen_on(&f, port) != LW_OK ||
      lw_loop_add(f.loop, f.lfd, LW_EV_READ, on_accept, &f) != LW_OK ||
      lw_loop_add(f.loop, 0, LW_EV_READ, on_stdin, &f) != LW_OK ||
      lw_loop_signal(f.loop, SIGINT, on_signal, &f) != LW_OK ||
      lw_loop_signal(f.loop, SIGTERM, on_signal, &f) != LW_OK) {
    fprintf(stderr, "fakebroker: cannot start: %s\n", strerror(errno));
    goto done;
  }
  lw_prepare_start(f.loop, &f.prep);
  printf("bootstrap=127.0.0.1:%d\n", f.port);
  fflush(stdout);
  rc = lw_loop_run(f.loop) == LW_OK ? 0 : 1;
done:
  while (f.nconns > 0)
    conn_close(f.conns[0]);
  fb_log_free(&f.g);
  if (f.lfd >= 0)
    close(f.lfd);
  if (f.loop)
    lw_loop_free(f.loop);
  lw_arena_free(&f.arena);
  return rc;
}
