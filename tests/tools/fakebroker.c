/* fakebroker.c — test-only: a model of a Kafka cluster (brokers 1..N in one process), built on
 * logwire's own proto/ codecs, that enforces the rules a real broker enforces and librdkafka's
 * mock cluster does not: batch size limits, CRCs, idempotent sequences and fencing, min ISR,
 * leader epochs, auto-creation on or off. It keeps every record and dumps them for checking.
 * docs/TESTING.md lists each rule and the Kafka source it follows.
 *
 *   fakebroker [-n BROKERS] [-p PORT] [-t TOPIC:PARTITIONS[:RF]]... [-a APIKEY:MIN:MAX]...
 *              [-m MAX_LOG_BYTES] [-N]
 *
 * -n: brokers (node ids 1..N, default 1; ports PORT, PORT+1... or free ones when PORT is 0);
 * -a sets the range advertised for an API (MIN -1: not advertised; a request for it closes the
 * connection, as a broker that does not know the API); -m caps the stored bytes (default: no
 * cap); -N: no ApiVersions (the connection is closed on an ApiVersions request, as brokers
 * before 0.10 do). Defaults: Produce 0-12, Fetch 4-12, ListOffsets 1-5, Metadata 0-12,
 * ApiVersions 0-3, InitProducerId 0-4, DescribeConfigs 0-4 (tests/tools/fakebroker/
 * fb_configs.c: the configs below, topic ones falling back to the broker's). Fetch and ListOffsets
 * cannot go lower than logwire's codecs (v4, v1): posing as an old broker limits what clients may
 * write, not how they read.
 *
 * Prints "bootstrap=127.0.0.1:PORT[,127.0.0.1:PORT...]", then reads one command per line and
 * answers "ok[ ...]" or "error: ..." (the interface is stable: scripts rely on it).
 * Cluster, topics and configs:
 *   create TOPIC PARTITIONS [RF]  create a topic (RF default: min(3, brokers)); replicas of
 *                                 partition P are brokers P+1, P+2... (mod N), leader first
 *   set KEY VALUE                 a broker config, the same on every broker:
 *                                   message.max.bytes          per batch (default 1048588)
 *                                   socket.request.max.bytes   per request (default 104857600)
 *                                   auto.create.topics.enable  true|false (default true)
 *                                   num.partitions             of auto-created topics (1)
 *                                   default.replication.factor of auto-created topics
 *                                   min.insync.replicas        (default 1)
 *                                   log.segment.bytes          (default 1073741824)
 *                                 and the model's own switches:
 *                                   model.unknown.producer reject|accept  a producer without
 *                                     state sending BaseSequence != 0: UNKNOWN_PRODUCER_ID
 *                                     (brokers before KIP-360, default) or accepted (2.5+)
 *                                   model.initpid new|bump  InitProducerId with the current
 *                                     id/epoch (v3+): a new id, epoch 0 (what Kafka's
 *                                     coordinator does without TransactionalId, default), or
 *                                     that id with epoch + 1 (KIP-360's transactional path)
 *                                   model.topic.ids true|false  Metadata gives topic ids
 *                                     (default) or none, as brokers before 2.8
 *   topic TOPIC KEY VALUE         a topic config: max.message.bytes, segment.bytes,
 *                                 min.insync.replicas (-1: back to the broker's)
 *   leader TOPIC PARTITION ID     move the leader to broker ID (leader epoch + 1)
 *   down ID | up ID               stop broker ID (listener and connections closed; partitions
 *                                 it led move to another in-sync replica, leader epoch + 1)
 *                                 / start it again on the same port
 *   isr TOPIC PARTITION ID[,ID...]|all   the in-sync replicas (the others taken out)
 *   stale ID on|off               broker ID keeps answering Metadata with the leaders and
 *                                 epochs it knows now (a lagging broker) / catches up
 * Producers:
 *   expire [PID]                  forget producer PID (every producer) on every partition, as
 *                                 producer state expiry does; "ok N": states dropped
 *   fence PID                     bump PID's epoch on every partition it wrote to (its next
 *                                 batches: INVALID_PRODUCER_EPOCH); "ok N"
 * Faults:
 *   err APIKEY CODE [COUNT]       the next COUNT requests of APIKEY fail with CODE (Produce:
 *                                 every partition of the request, nothing appended)
 *   clear APIKEY                  drop queued errors for APIKEY
 *   perr TOPIC PARTITION CODE [COUNT] [after]   the next COUNT Produce appends to the partition
 *                                 fail with CODE; with "after" the records are appended first
 *                                 (as NOT_ENOUGH_REPLICAS_AFTER_APPEND or a timeout after the
 *                                 write): a retry must be deduplicated
 *   mangle [COUNT]                flip the last byte of the next COUNT Produce partitions'
 *                                 Records as received (a CRC-covered byte: they must be rejected)
 *   drop [COUNT]                  the next COUNT Produce requests are handled, then the
 *                                 connection is closed instead of answering (the client retries)
 *   flip TOPIC PARTITION          flip the last byte of the partition's stored log (CRC-covered)
 *   apiversion APIKEY MIN MAX     as -a
 *   apiversions on|off            answer ApiVersions / close the connection on it (-N)
 * Inspection:
 *   hwm TOPIC PARTITION           "ok OFFSET": the next offset of the partition
 *   count TOPIC [PARTITION]       "ok N": records stored (0 for an unknown topic)
 *   leaderof TOPIC PARTITION      "ok ID EPOCH": the partition's leader and leader epoch
 *   dump FILE [TOPIC]             write every record to FILE, one line each, tab-separated:
 *                                 TOPIC PARTITION OFFSET PRODUCER_ID EPOCH SEQUENCE MAGIC CODEC
 *                                 ACKS KEY VALUE (fb_log.h); "ok N": records written
 *   used APIKEY                   "ok[ V[,V...]]": versions of APIKEY requested since start/reset
 *   stats                         "ok accepted=N crc=N invalid=N duplicate=N out_of_order=N
 *                                 too_large=N list_too_large=N unknown_producer=N fenced=N
 *                                 not_leader=N not_enough_replicas=N injected=N dropped=N
 *                                 oversize_closed=N produce=N acks0=N acks1=N acksall=N
 *                                 initpid=N" (counters since start/reset)
 *   reset | ping | quit           (it also quits on end of input, SIGINT and SIGTERM)
 *
 * Produce is checked per partition in Kafka's order (ReplicaManager.appendToLocalLog, then
 * Partition.appendRecordsToLeader, then UnifiedLog): unknown topic or partition, not the leader
 * (NOT_LEADER_OR_FOLLOWER, with the current leader and its endpoint in v10+ answers, KIP-951),
 * Acks -1 with fewer in-sync replicas than min.insync.replicas (NOT_ENOUGH_REPLICAS), then the
 * records (tests/tools/fakebroker/fb_log.c: sizes, CRCs, formats, idempotent sequences). A
 * request with Acks 0 gets no answer, as from a real broker. Offsets are assigned as Kafka
 * 0.10+ does. Fetch and ListOffsets are answered by any broker; Fetch waits up to MaxWaitMs for
 * data as brokers do, so that idle consumers do not spin. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/loop.h"
#include "proto/api_versions.h"
#include "proto/produce.h"
#include "tests/tools/fakebroker/fb.h"

#define MAX_OUT  (256u << 20) /* unsent responses of one connection */
#define NO_REPLY 2            /* Produce with Acks 0 */

typedef fb_conn conn;

/* ---- Request handlers: decode `c` (after the header), encode the body into `out` ---- */

void *fb_arr(fb *f, int32_t n, size_t size, bool *ok) {
  void *p = n > 0 ? lw_arena_alloc(&f->arena, (size_t)n * size) : NULL;
  *ok &= n <= 0 || p;
  return p;
}

static int h_apiversions(fb *f, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  lw_apiver_req q;
  lw_apiver_resp r = {.FinalizedFeaturesEpoch = -1, .ErrorCode = inj};
  lw_apiver_range keys[FB_MAX_API];
  if (v > f->amax[LW_API_API_VERSIONS]) {
    /* A version it does not know: UNSUPPORTED_VERSION with its own range (v0 layout). */
    r.ErrorCode = LW_KAFKA_UNSUPPORTED_VERSION;
    keys[r.ApiKeysCount++] = (lw_apiver_range){LW_API_API_VERSIONS, f->amin[LW_API_API_VERSIONS],
                                               f->amax[LW_API_API_VERSIONS]};
  } else if (lw_apiver_req_decode(c, v, &q) != LW_OK) {
    return LW_ERR_MALFORMED;
  } else {
    for (int16_t k = 0; k < FB_MAX_API; k++)
      if (f->amin[k] >= 0)
        keys[r.ApiKeysCount++] = (lw_apiver_range){k, f->amin[k], f->amax[k]};
  }
  r.ApiKeys = keys;
  return lw_apiver_resp_encode(out, v, &r);
}

/* The brokers that are up, for Metadata and NodeEndpoints. */
static int32_t up_brokers(fb *f, lw_md_broker *out) {
  int32_t n = 0;
  for (int i = 0; i < f->nnodes; i++)
    if (f->nodes[i].lfd >= 0)
      out[n++] =
          (lw_md_broker){f->nodes[i].id, lw_str_c("127.0.0.1"), f->nodes[i].port, LW_STR_NULL};
  return n;
}

/* One partition as Metadata describes it: leader, epoch, replicas, ISR, offline replicas. */
static bool md_partition(fb *f, const fb_node *node, const fb_part *pp, int32_t j,
                         lw_md_partition *mp) {
  bool ok = true;
  bool stale = node->stale && (pp->stale_set & (1u << node->id));
  *mp = (lw_md_partition){.PartitionIndex = j,
                          .LeaderId = stale ? pp->stale_leader[node->id] : pp->leader,
                          .LeaderEpoch = stale ? pp->stale_epoch[node->id] : pp->leader_epoch};
  mp->ErrorCode = mp->LeaderId < 0 ? LW_KAFKA_LEADER_NOT_AVAILABLE : 0;
  mp->ReplicaNodes = fb_arr(f, pp->nreplicas, sizeof(int32_t), &ok);
  mp->IsrNodes = fb_arr(f, pp->nreplicas, sizeof(int32_t), &ok);
  mp->OfflineReplicas = fb_arr(f, pp->nreplicas, sizeof(int32_t), &ok);
  if (!ok)
    return false;
  mp->ReplicaNodesCount = pp->nreplicas;
  memcpy(mp->ReplicaNodes, pp->replicas, (size_t)pp->nreplicas * sizeof(int32_t));
  mp->IsrNodesCount = fb_isr(f, pp, mp->IsrNodes);
  for (int32_t r = 0; r < pp->nreplicas; r++)
    if (!fb_node_is_up(f, pp->replicas[r]))
      mp->OfflineReplicas[mp->OfflineReplicasCount++] = pp->replicas[r];
  return true;
}

static int h_metadata(fb *f, const fb_node *node, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  lw_md_req q;
  if (lw_md_req_decode(c, v, &f->arena, &q) != LW_OK)
    return LW_ERR_MALFORMED;
  lw_md_broker brokers[FB_MAX_NODES];
  lw_md_resp r = {.Brokers = brokers,
                  .BrokersCount = up_brokers(f, brokers),
                  .ClusterId = lw_str_c("fakebroker"),
                  .ControllerId = brokers[0].NodeId,
                  .ClusterAuthorizedOperations = INT32_MIN};
  bool all = q.TopicsCount < 0 || (v == 0 && q.TopicsCount == 0);
  r.TopicsCount = all ? f->g.ntopics : q.TopicsCount;
  bool ok = true;
  r.Topics = fb_arr(f, r.TopicsCount, sizeof *r.Topics, &ok);
  for (int32_t i = 0; ok && i < r.TopicsCount; i++) {
    lw_md_topic *mt = &r.Topics[i];
    fb_topic *t = all ? f->g.topics[i] : NULL;
    bool created = false;
    if (!all && q.Topics[i].Name.len >= 0) {
      mt->Name = q.Topics[i].Name;
      t = fb_topic_find(&f->g, mt->Name.p, (size_t)mt->Name.len);
      /* KafkaApis.handleTopicMetadataRequest: auto-created when the broker allows it and
       * (v4+) the request does; the answer that creates it says LEADER_NOT_AVAILABLE without
       * partitions (AutoTopicCreationManager), the client asks again. */
      if (!t && f->conf.auto_create && (v < 4 || q.AllowAutoTopicCreation))
        created =
            (t = fb_create(f, mt->Name.p, (size_t)mt->Name.len, f->conf.num_partitions, 0)) != NULL;
    } else if (!all) {
      mt->TopicId = q.Topics[i].TopicId;
      t = fb_topic_find_id(&f->g, &mt->TopicId);
    }
    mt->TopicAuthorizedOperations = INT32_MIN;
    mt->ErrorCode = inj                 ? inj
                    : created           ? LW_KAFKA_LEADER_NOT_AVAILABLE
                    : t                 ? 0
                    : mt->Name.len >= 0 ? LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION
                                        : LW_KAFKA_UNKNOWN_TOPIC_ID;
    if (!t || mt->ErrorCode)
      continue;
    mt->Name = lw_str_c(t->name);
    mt->TopicId = f->conf.topic_ids ? t->id : (lw_uuid){{0}};
    mt->PartitionsCount = t->nparts;
    mt->Partitions = fb_arr(f, t->nparts, sizeof *mt->Partitions, &ok);
    for (int32_t j = 0; ok && j < t->nparts; j++)
      ok = md_partition(f, node, &t->parts[j], j, &mt->Partitions[j]);
  }
  return ok ? lw_md_resp_encode(out, v, &r) : LW_ERR_NOMEM;
}

/* The configs one partition's append is checked against. */
static fb_limits limits(const fb *f, const fb_topic *t, const fb_part *pp, int16_t v,
                        int16_t acks) {
  return (fb_limits){.version = v,
                     .acks = acks,
                     .max_message_bytes = t->max_message_bytes >= 0 ? t->max_message_bytes
                                                                    : f->conf.message_max_bytes,
                     .segment_bytes =
                         t->segment_bytes >= 0 ? t->segment_bytes : f->conf.segment_bytes,
                     .leader_epoch = pp->leader_epoch,
                     .reject_unknown_pid = f->conf.reject_unknown_pid};
}

/* One partition of a Produce request received by `node`, in ReplicaManager's order. Returns
 * the error code; rp->BaseOffset set on success. */
static int16_t produce_part(fb *f, const fb_node *node, fb_topic *t, const lw_produce_req *q,
                            const lw_produce_part *qp, int16_t v, int16_t inj,
                            lw_produce_part_resp *rp) {
  fb_part *pp = fb_part_get(t, qp->Index);
  if (q->Acks != 0 && q->Acks != 1 && q->Acks != -1)
    return LW_KAFKA_INVALID_REQUIRED_ACKS;
  if (!t && v >= 13)
    return LW_KAFKA_UNKNOWN_TOPIC_ID;
  if (!pp)
    return LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
  if (inj) {
    f->st.injected++;
    return inj;
  }
  if (pp->leader != node->id)
    return LW_KAFKA_NOT_LEADER_OR_FOLLOWER;
  bool after = false;
  if (pp->perr_count > 0) {
    pp->perr_count--;
    f->st.injected++;
    if (!pp->perr_after)
      return pp->perr_code;
    after = true;
  }
  int32_t isr[FB_MAX_NODES];
  int32_t min_isr = t->min_isr >= 0 ? t->min_isr : f->conf.min_isr;
  if (q->Acks == -1 && fb_isr(f, pp, isr) < min_isr) {
    f->st.not_enough++;
    snprintf(f->g.msg, sizeof f->g.msg,
             "The size of the current ISR is %d, which is less than the minimum ISR %d",
             fb_isr(f, pp, isr), min_isr);
    return LW_KAFKA_NOT_ENOUGH_REPLICAS;
  }
  fb_limits lim = limits(f, t, pp, v, q->Acks);
  int16_t err = fb_append(&f->g, pp, &lim, qp->Records, &rp->BaseOffset);
  if (err == 0 && after) {
    rp->BaseOffset = -1;
    return pp->perr_code; /* written, but answered with the error */
  }
  return err;
}

static int h_produce(fb *f, conn *cn, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  lw_produce_req q;
  if (lw_produce_req_decode(c, v, &f->arena, &q) != LW_OK)
    return LW_ERR_MALFORMED;
  f->st.produce++;
  f->st.acks[q.Acks == 0 ? 0 : q.Acks == 1 ? 1 : 2]++;
  lw_produce_resp r = {.ResponsesCount = q.TopicDataCount};
  lw_md_broker ends[FB_MAX_NODES];
  bool ok = true, hint[FB_MAX_NODES + 1] = {false};
  r.Responses = fb_arr(f, q.TopicDataCount, sizeof *r.Responses, &ok);
  for (int32_t i = 0; ok && i < q.TopicDataCount; i++) {
    const lw_produce_topic *qt = &q.TopicData[i];
    lw_produce_topic_resp *rt = &r.Responses[i];
    fb_topic *t = v >= 13 ? fb_topic_find_id(&f->g, &qt->TopicId)
                          : fb_topic_find(&f->g, qt->Name.p, (size_t)qt->Name.len);
    rt->Name = qt->Name;
    rt->TopicId = qt->TopicId;
    rt->PartitionResponsesCount = qt->PartitionDataCount;
    rt->PartitionResponses = fb_arr(f, qt->PartitionDataCount, sizeof *rt->PartitionResponses, &ok);
    for (int32_t j = 0; ok && j < qt->PartitionDataCount; j++) {
      lw_produce_part_resp *rp = &rt->PartitionResponses[j];
      *rp = (lw_produce_part_resp){.Index = qt->PartitionData[j].Index,
                                   .BaseOffset = -1,
                                   .LogAppendTimeMs = -1,
                                   .LogStartOffset = 0,
                                   .ErrorMessage = LW_STR_NULL,
                                   .CurrentLeaderId = -1,
                                   .CurrentLeaderEpoch = -1};
      f->g.msg[0] = 0;
      rp->ErrorCode = produce_part(f, cn->node, t, &q, &qt->PartitionData[j], v, inj, rp);
      f->wake |= rp->ErrorCode == 0;
      if (rp->ErrorCode && f->g.msg[0]) {
        char *m = fb_arr(f, (int32_t)strlen(f->g.msg) + 1, 1, &ok);
        if (m)
          rp->ErrorMessage = lw_str_c(strcpy(m, f->g.msg));
      }
      fb_part *pp = fb_part_get(t, rp->Index);
      if (rp->ErrorCode == LW_KAFKA_NOT_LEADER_OR_FOLLOWER && pp) {
        /* KIP-951 (v10+): the current leader, and its endpoint in NodeEndpoints. */
        f->st.not_leader++;
        rp->CurrentLeaderId = pp->leader;
        rp->CurrentLeaderEpoch = pp->leader_epoch;
        if (pp->leader > 0 && fb_node_is_up(f, pp->leader))
          hint[pp->leader] = true;
      }
      if (rp->ErrorCode && rp->ErrorCode != LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER)
        fprintf(stderr, "fakebroker: node %d Produce v%d acks=%d %.*s[%d]: %s%s%s\n", cn->node->id,
                v, q.Acks, (int)qt->Name.len, qt->Name.p ? qt->Name.p : "", rp->Index,
                lw_err_name(rp->ErrorCode), f->g.msg[0] ? ": " : "", f->g.msg);
    }
  }
  lw_md_broker up[FB_MAX_NODES];
  int32_t nup = up_brokers(f, up);
  for (int32_t i = 0; i < nup; i++)
    if (hint[up[i].NodeId])
      ends[r.NodeEndpointsCount++] = up[i];
  r.NodeEndpoints = ends;
  int rc = ok ? lw_produce_resp_encode(out, v, &r) : LW_ERR_NOMEM;
  return rc == LW_OK && q.Acks == 0 ? NO_REPLY : rc;
}

/* One request frame p[0..n) (after Size). Returns LW_OK, PARK, or an error (close). */
static int on_request(fb *f, conn *cn, const uint8_t *p, size_t n) {
  lw_cur c;
  lw_req_header h;
  lw_cur_init(&c, p, n);
  if (lw_req_header_decode(&c, &h) != LW_OK)
    return LW_ERR_MALFORMED;
  int16_t k = h.ApiKey, v = h.ApiVersion;
  bool known = k >= 0 && k < FB_MAX_API && f->amin[k] >= 0;
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
      rc = h_metadata(f, cn->node, &c, v, inj, &cn->out);
      break;
    case LW_API_PRODUCE:
      rc = h_produce(f, cn, &c, v, inj, &cn->out);
      break;
    case LW_API_FETCH:
      rc = fb_h_fetch(f, cn, &c, v, inj, &cn->out);
      break;
    case LW_API_LIST_OFFSETS:
      rc = fb_h_list_offsets(f, &c, v, inj, &cn->out);
      break;
    case LW_API_INIT_PRODUCER_ID:
      rc = fb_h_init_pid(f, &c, v, inj, &cn->out);
      break;
    case LW_API_DESCRIBE_CONFIGS:
      rc = fb_h_describe_configs(f, &c, v, inj, &cn->out);
      break;
    default:
      rc = LW_ERR_UNSUPPORTED;
      break;
  }
  if ((rc == LW_OK || rc == NO_REPLY) && k == LW_API_PRODUCE && f->drop > 0) {
    f->drop--;
    f->st.dropped++;
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

/* Handle every complete request in cn->in (until a Fetch parks), then write what is ready. A
 * request larger than socket.request.max.bytes closes the connection, as Kafka's
 * NetworkReceive does (InvalidReceiveException) before reading it. */
static void service(conn *cn) {
  fb *f = cn->f;
  size_t n;
  int rc = LW_OK;
  size_t max = (size_t)f->conf.socket_request_max_bytes;
  while (!cn->dead && (rc = lw_frame_peek(cn->in, cn->inlen, max, &n)) == LW_OK) {
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
  if (rc == LW_ERR_TOO_LARGE) {
    f->st.oversize++;
    fprintf(stderr,
            "fakebroker: node %d: a request of %u bytes is larger than "
            "socket.request.max.bytes %" PRId64 ": closing\n",
            cn->node->id,
            (unsigned)cn->in[0] << 24 | (unsigned)cn->in[1] << 16 | (unsigned)cn->in[2] << 8 |
                cn->in[3],
            f->conf.socket_request_max_bytes);
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
  /* Room for one request of socket.request.max.bytes and what follows it. */
  size_t ceiling = 2 * (size_t)cn->f->conf.socket_request_max_bytes + 262144;
  while (ev & (LW_EV_READ | LW_EV_ERROR)) {
    if (cn->incap - cn->inlen < 65536) {
      size_t cap = cn->incap ? 2 * cn->incap : 131072;
      uint8_t *p = cap <= ceiling ? realloc(cn->in, cap) : NULL;
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
  fb_node *node = ud;
  fb *f = node->f;
  (void)ev;
  int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  conn *cn = fd >= 0 && f->nconns < FB_MAX_CONNS ? calloc(1, sizeof *cn) : NULL;
  if (!cn || lw_loop_add(l, fd, LW_EV_READ, on_conn, cn) != LW_OK) {
    if (fd >= 0)
      close(fd);
    free(cn);
    return;
  }
  cn->f = f;
  cn->node = node;
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
    if (fb_command(f, f->line))
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

/* ---- The cluster ---- */

bool fb_node_is_up(const fb *f, int32_t id) {
  return id >= 1 && id <= f->nnodes && f->nodes[id - 1].lfd >= 0;
}

int32_t fb_isr(const fb *f, const fb_part *pp, int32_t *out) {
  int32_t n = 0;
  for (int32_t r = 0; r < pp->nreplicas; r++)
    if (fb_node_is_up(f, pp->replicas[r]) && !(pp->isr_out & (1u << pp->replicas[r])))
      out[n++] = pp->replicas[r];
  return n;
}

bool fb_set_range(fb *f, int k, int lo, int hi) {
  if (k < 0 || k >= FB_MAX_API || lo > hi || hi > 32)
    return false;
  f->amin[k] = (int16_t)(lo < 0 ? -1 : lo);
  f->amax[k] = (int16_t)(lo < 0 ? -1 : hi);
  return true;
}

fb_topic *fb_create(fb *f, const char *name, size_t n, int32_t nparts, int32_t rf) {
  fb_topic *t = fb_topic_find(&f->g, name, n);
  if (t)
    return t;
  if (!(t = fb_topic_create(&f->g, name, n, nparts)))
    return NULL;
  if (rf <= 0)
    rf = f->conf.default_rf;
  if (rf > f->nnodes)
    rf = f->nnodes;
  for (int32_t p = 0; p < t->nparts; p++) {
    fb_part *pp = &t->parts[p];
    pp->nreplicas = rf;
    for (int32_t r = 0; r < rf; r++)
      pp->replicas[r] = (p + r) % f->nnodes + 1;
    pp->leader = -1;
    for (int32_t r = 0; r < rf && pp->leader < 0; r++)
      if (fb_node_is_up(f, pp->replicas[r]))
        pp->leader = pp->replicas[r];
  }
  return t;
}

int fb_set_leader(fb *f, fb_part *pp, int32_t id) {
  if (id < 1 || id > f->nnodes)
    return LW_ERR_INVALID_ARG;
  int32_t r = 0;
  while (r < pp->nreplicas && pp->replicas[r] != id)
    r++;
  if (r == pp->nreplicas && pp->nreplicas < FB_MAX_NODES)
    pp->replicas[pp->nreplicas++] = id;
  pp->isr_out &= ~(1u << id);
  pp->leader = id;
  pp->leader_epoch++;
  return LW_OK;
}

static int listen_on(fb_node *node) {
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_port = htons((uint16_t)node->port),
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  int one = 1;
  node->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (node->lfd < 0 || setsockopt(node->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
      bind(node->lfd, (struct sockaddr *)&sa, sizeof sa) || listen(node->lfd, 64) ||
      getsockname(node->lfd, (struct sockaddr *)&sa, &sl) ||
      lw_loop_add(node->f->loop, node->lfd, LW_EV_READ, on_accept, node) != LW_OK) {
    if (node->lfd >= 0)
      close(node->lfd);
    node->lfd = -1;
    return LW_ERR_IO;
  }
  node->port = ntohs(sa.sin_port);
  return LW_OK;
}

int fb_node_down(fb *f, int32_t id) {
  if (!fb_node_is_up(f, id))
    return LW_ERR_INVALID_ARG;
  fb_node *node = &f->nodes[id - 1];
  lw_loop_del(f->loop, node->lfd);
  close(node->lfd);
  node->lfd = -1;
  for (int i = f->nconns - 1; i >= 0; i--)
    if (i < f->nconns && f->conns[i]->node == node)
      conn_close(f->conns[i]);
  /* The controller moves leadership to another in-sync replica (none: no leader). */
  for (int i = 0; i < f->g.ntopics; i++)
    for (int32_t j = 0; j < f->g.topics[i]->nparts; j++) {
      fb_part *pp = &f->g.topics[i]->parts[j];
      if (pp->leader != id)
        continue;
      int32_t isr[FB_MAX_NODES];
      int32_t n = fb_isr(f, pp, isr);
      pp->leader = n > 0 ? isr[0] : -1;
      pp->leader_epoch++;
    }
  return LW_OK;
}

int fb_node_up(fb *f, int32_t id) {
  if (id < 1 || id > f->nnodes || fb_node_is_up(f, id))
    return LW_ERR_INVALID_ARG;
  if (listen_on(&f->nodes[id - 1]) != LW_OK)
    return LW_ERR_IO;
  /* Partitions left without a leader get this replica back as leader. */
  for (int i = 0; i < f->g.ntopics; i++)
    for (int32_t j = 0; j < f->g.topics[i]->nparts; j++) {
      fb_part *pp = &f->g.topics[i]->parts[j];
      for (int32_t r = 0; pp->leader < 0 && r < pp->nreplicas; r++)
        if (pp->replicas[r] == id)
          pp->leader = id, pp->leader_epoch++;
    }
  return LW_OK;
}

int fb_node_stale(fb *f, int32_t id, bool on) {
  if (id < 1 || id > f->nnodes)
    return LW_ERR_INVALID_ARG;
  f->nodes[id - 1].stale = on;
  for (int i = 0; on && i < f->g.ntopics; i++)
    for (int32_t j = 0; j < f->g.topics[i]->nparts; j++) {
      fb_part *pp = &f->g.topics[i]->parts[j];
      pp->stale_set |= 1u << id;
      pp->stale_leader[id] = pp->leader;
      pp->stale_epoch[id] = pp->leader_epoch;
    }
  return LW_OK;
}

/* ---- Setup ---- */

int main(int argc, char **argv) {
  static fb f; /* large: kept off the stack */
  int opt, port = 0, rc = 1, nnodes = 1;
  char *topics[64];
  int ntopics = 0;
  f.apiver_on = true;
  f.conf = (fb_conf){.message_max_bytes = 1048588,
                     .socket_request_max_bytes = 104857600,
                     .auto_create = true,
                     .num_partitions = 1,
                     .min_isr = 1,
                     .segment_bytes = 1073741824,
                     .reject_unknown_pid = true,
                     .topic_ids = true};
  fb_log_init(&f.g, SIZE_MAX);
  f.next_pid = 1000;
  for (int k = 0; k < FB_MAX_API; k++)
    f.amin[k] = f.amax[k] = -1;
  fb_set_range(&f, LW_API_PRODUCE, 0, 12);
  fb_set_range(&f, LW_API_FETCH, 4, 12);
  fb_set_range(&f, LW_API_LIST_OFFSETS, 1, 5);
  fb_set_range(&f, LW_API_METADATA, 0, 12);
  fb_set_range(&f, LW_API_API_VERSIONS, 0, 3);
  fb_set_range(&f, LW_API_INIT_PRODUCER_ID, 0, 4);
  fb_set_range(&f, LW_API_DESCRIBE_CONFIGS, 0, 4);
  lw_arena_init(&f.arena, 64u << 20);
  lw_prepare_init(&f.prep, on_prepare, &f);
  signal(SIGPIPE, SIG_IGN);
  while ((opt = getopt(argc, argv, "n:p:t:a:m:N")) != -1) {
    int x, y, z;
    if (opt == 'p')
      port = atoi(optarg);
    else if (opt == 'n' && (nnodes = atoi(optarg)) >= 1 && nnodes <= FB_MAX_NODES)
      continue;
    else if (opt == 'm')
      f.g.max = strtoul(optarg, NULL, 10);
    else if (opt == 'N')
      f.apiver_on = false;
    else if (opt == 't' && ntopics < 64)
      topics[ntopics++] = optarg;
    else if (!(opt == 'a' && sscanf(optarg, "%d:%d:%d", &x, &y, &z) == 3 &&
               fb_set_range(&f, x, y, z))) {
      fprintf(stderr,
              "usage: %s [-n BROKERS] [-p PORT] [-t TOPIC:PARTITIONS[:RF]]... "
              "[-a APIKEY:MIN:MAX]... [-m MAX_LOG_BYTES] [-N]\n",
              argv[0]);
      goto done;
    }
  }
  f.nnodes = nnodes;
  f.conf.default_rf = nnodes < 3 ? nnodes : 3;
  if (lw_loop_new(&f.loop) != LW_OK)
    goto fail;
  for (int i = 0; i < nnodes; i++) {
    f.nodes[i] = (fb_node){.f = &f, .id = i + 1, .lfd = -1, .port = port ? port + i : 0};
    if (listen_on(&f.nodes[i]) != LW_OK)
      goto fail;
  }
  for (int i = 0; i < ntopics; i++) {
    char name[256];
    int parts = 1, rf = 0;
    if (sscanf(topics[i], "%255[^:]:%d:%d", name, &parts, &rf) < 2 ||
        !fb_create(&f, name, strlen(name), parts, rf)) {
      fprintf(stderr, "fakebroker: bad -t %s\n", topics[i]);
      goto done;
    }
  }
  if (lw_loop_add(f.loop, 0, LW_EV_READ, on_stdin, &f) != LW_OK ||
      lw_loop_signal(f.loop, SIGINT, on_signal, &f) != LW_OK ||
      lw_loop_signal(f.loop, SIGTERM, on_signal, &f) != LW_OK)
    goto fail;
  lw_prepare_start(f.loop, &f.prep);
  printf("bootstrap=");
  for (int i = 0; i < nnodes; i++)
    printf("%s127.0.0.1:%d", i ? "," : "", f.nodes[i].port);
  printf("\n");
  fflush(stdout);
  rc = lw_loop_run(f.loop) == LW_OK ? 0 : 1;
  goto done;
fail:
  fprintf(stderr, "fakebroker: cannot start: %s\n", strerror(errno));
done:
  while (f.nconns > 0)
    conn_close(f.conns[0]);
  fb_log_free(&f.g);
  for (int i = 0; i < f.nnodes; i++)
    if (f.nodes[i].lfd >= 0)
      close(f.nodes[i].lfd);
  if (f.loop)
    lw_loop_free(f.loop);
  lw_arena_free(&f.arena);
  free(f.pid_epoch);
  return rc;
}
