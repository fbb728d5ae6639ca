/* cluster.c — bootstrap, brokers, metadata refresh and leader lookup (see cluster.h). */
#include "net/cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/api.h"
#include "base/err.h"
#include "proto/metadata.h"

#define MD_MIN_GAP_US     100000u  /* at most one metadata request per 100 ms */
#define MD_MISSING_MIN_US 100000u  /* a missing topic is asked for again after 100 ms, */
#define MD_MISSING_MAX_US 1000000u /* doubling up to 1 s while it stays missing */

struct lw_cluster {
  lw_net_ctx *ctx;
  lw_cluster_cbs cbs;
  void *ud;
  lw_conn **boot;
  int nboot;
  lw_broker_info **brokers;
  int nbrokers;
  lw_topic_info **topics;
  int ntopics;
  int32_t controller;
  char *cluster_id;
  bool have_md;
  lw_timer timer;
  bool md_inflight, md_again, want_all, asked_all;
  int16_t md_version; /* version of the Metadata request in flight */
  bool no_auto_create;
  uint64_t last_md_us;
  int md_failures;
  uint64_t missing_us; /* next re-ask delay while a topic is missing or has no leader */
  int err;
};

static void md_send(lw_cluster *cl);

/* Apply connect_to: the address to dial for an advertised host:port. */
static void map_address(const lw_producer_conf *cf, const char *host, int port, char *out_host,
                        size_t outsz, int *out_port) {
  char adv[300];
  snprintf(adv, sizeof adv, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
  for (int i = 0; i < cf->connect_to_count; i++) {
    if (strcmp(cf->connect_to[i].from, adv) == 0 &&
        lw_split_hostport(cf->connect_to[i].to, strlen(cf->connect_to[i].to), out_host, outsz,
                          out_port))
      return;
  }
  snprintf(out_host, outsz, "%s", host);
  *out_port = port;
}

/* ---- Connection callbacks ---- */

static void on_conn_state(lw_conn *c, int state, int err, void *ud) {
  lw_cluster *cl = ud;
  bool is_boot = lw_conn_node_id(c) < 0;
  if (state == LW_CONN_READY) {
    cl->err = LW_OK;
    if (cl->md_again || !cl->have_md) {
      if (!cl->md_inflight)
        md_send(cl);
    }
    if (!is_boot && cl->cbs.on_room)
      cl->cbs.on_room(cl, c, cl->ud);
    return;
  }
  if (state == LW_CONN_BACKOFF || state == LW_CONN_DOWN) {
    if (err && err != LW_ERR_SHUTDOWN)
      cl->err = err;
    if (!is_boot) {
      if (cl->cbs.on_down)
        cl->cbs.on_down(cl, c, err, cl->ud);
      /* A dropped broker connection may mean the cluster changed: look again. */
      if (err != LW_ERR_SHUTDOWN)
        lw_cluster_refresh(cl, false);
    }
  }
}

static void on_conn_room(lw_conn *c, void *ud) {
  lw_cluster *cl = ud;
  if (lw_conn_node_id(c) >= 0 && cl->cbs.on_room)
    cl->cbs.on_room(cl, c, cl->ud);
}

static const lw_conn_cbs conn_cbs = {.on_state = on_conn_state, .on_room = on_conn_room};

/* ---- Creation ---- */

static void on_md_timer(lw_loop *l, lw_timer *t, void *ud) {
  (void)l;
  (void)t;
  lw_cluster *cl = ud;
  if (cl->md_inflight)
    cl->md_again = true;
  else
    md_send(cl);
}

int lw_cluster_new(lw_cluster **out, lw_net_ctx *ctx, const lw_cluster_cbs *cbs, void *ud) {
  lw_cluster *cl = calloc(1, sizeof(*cl));
  if (!cl)
    return LW_ERR_NOMEM;
  cl->ctx = ctx;
  cl->cbs = *cbs;
  cl->ud = ud;
  cl->controller = -1;
  lw_timer_init(&cl->timer, on_md_timer, cl);
  const char *s = ctx->conf->brokers ? ctx->conf->brokers : "";
  int rc = LW_OK;
  while (*s) {
    while (*s == ',' || *s == ' ')
      s++;
    if (!*s)
      break;
    size_t n = strcspn(s, ", ");
    char host[256];
    int port;
    if (!lw_split_hostport(s, n, host, sizeof host, &port)) {
      lw_net_logf(cl->ctx, 3, "bad bootstrap broker \"%.*s\": expected host:port", (int)n, s);
      rc = LW_ERR_CONFIG;
      goto fail;
    }
    lw_conn **b = realloc(cl->boot, (size_t)(cl->nboot + 1) * sizeof(*b));
    if (!b) {
      rc = LW_ERR_NOMEM;
      goto fail;
    }
    cl->boot = b;
    rc = lw_conn_new(&cl->boot[cl->nboot], ctx, -1, host, port, &conn_cbs, cl);
    if (rc != LW_OK)
      goto fail;
    cl->nboot++;
    s += n;
  }
  if (cl->nboot == 0) {
    lw_net_logf(cl->ctx, 3, "no bootstrap broker configured");
    rc = LW_ERR_CONFIG;
    goto fail;
  }
  *out = cl;
  return LW_OK;
fail:
  lw_cluster_free(cl);
  return rc;
}

static void free_parts(lw_topic_info *t) {
  for (int32_t i = 0; i < t->partitions; i++) {
    free(t->parts[i].replicas);
    free(t->parts[i].isr);
    free(t->parts[i].offline);
  }
  free(t->parts);
  t->parts = NULL;
  t->partitions = 0;
}

void lw_cluster_free(lw_cluster *cl) {
  if (!cl)
    return;
  lw_timer_stop(cl->ctx->loop, &cl->timer);
  for (int i = 0; i < cl->nboot; i++)
    lw_conn_free(cl->boot[i]);
  for (int i = 0; i < cl->nbrokers; i++) {
    lw_conn_free(cl->brokers[i]->conn);
    free(cl->brokers[i]->host);
    free(cl->brokers[i]->rack);
    free(cl->brokers[i]);
  }
  for (int i = 0; i < cl->ntopics; i++) {
    free_parts(cl->topics[i]);
    free(cl->topics[i]->name);
    free(cl->topics[i]);
  }
  free(cl->boot);
  free(cl->brokers);
  free(cl->topics);
  free(cl->cluster_id);
  free(cl);
}

/* ---- Topics ---- */

static lw_topic_info *find_topic(lw_cluster *cl, const char *p, size_t n) {
  for (int i = 0; i < cl->ntopics; i++)
    if (strlen(cl->topics[i]->name) == n && memcmp(cl->topics[i]->name, p, n) == 0)
      return cl->topics[i];
  return NULL;
}

static lw_topic_info *add_topic(lw_cluster *cl, const char *p, size_t n) {
  lw_topic_info **a = realloc(cl->topics, (size_t)(cl->ntopics + 1) * sizeof(*a));
  if (!a)
    return NULL;
  cl->topics = a;
  lw_topic_info *t = calloc(1, sizeof(*t));
  if (!t || !(t->name = strndup(p, n))) {
    free(t);
    return NULL;
  }
  cl->topics[cl->ntopics++] = t;
  return t;
}

lw_topic_info *lw_cluster_topic(lw_cluster *cl, const char *name) {
  lw_topic_info *t = find_topic(cl, name, strlen(name));
  if (t)
    return t;
  t = add_topic(cl, name, strlen(name));
  if (t) {
    cl->missing_us = 0; /* a new topic: ask fast again if it turns out missing */
    lw_cluster_refresh(cl, false);
  }
  return t;
}

/* ---- Brokers ---- */

static lw_broker_info *find_broker(lw_cluster *cl, int32_t id) {
  for (int i = 0; i < cl->nbrokers; i++)
    if (cl->brokers[i]->id == id)
      return cl->brokers[i];
  return NULL;
}

lw_conn *lw_cluster_broker_conn(lw_cluster *cl, int32_t id) {
  lw_broker_info *b = find_broker(cl, id);
  if (!b || b->gone)
    return NULL;
  if (lw_conn_state(b->conn) == LW_CONN_DOWN)
    lw_conn_want(b->conn, true);
  return b->conn;
}

lw_conn *lw_cluster_any_ready(lw_cluster *cl) {
  for (int i = 0; i < cl->nbrokers; i++)
    if (!cl->brokers[i]->gone && lw_conn_is_ready(cl->brokers[i]->conn))
      return cl->brokers[i]->conn;
  for (int i = 0; i < cl->nboot; i++)
    if (lw_conn_is_ready(cl->boot[i]))
      return cl->boot[i];
  /* Nothing up: bring up the known brokers and every bootstrap address; the first one ready
   * serves (several bootstrap brokers give failover). */
  bool any = false;
  for (int i = 0; i < cl->nbrokers; i++)
    if (!cl->brokers[i]->gone) {
      if (lw_conn_state(cl->brokers[i]->conn) == LW_CONN_DOWN)
        lw_conn_want(cl->brokers[i]->conn, true);
      any = true;
    }
  if (!any || cl->md_failures > 2 || !cl->have_md)
    for (int i = 0; i < cl->nboot; i++)
      if (lw_conn_state(cl->boot[i]) == LW_CONN_DOWN)
        lw_conn_want(cl->boot[i], true);
  return NULL;
}

static int update_broker(lw_cluster *cl, const lw_md_broker *mb) {
  char host[256], dial[256];
  int port;
  if (mb->Host.len <= 0 || (size_t)mb->Host.len >= sizeof host)
    return LW_ERR_MALFORMED;
  memcpy(host, mb->Host.p, (size_t)mb->Host.len);
  host[mb->Host.len] = 0;
  map_address(cl->ctx->conf, host, mb->Port, dial, sizeof dial, &port);
  lw_broker_info *b = find_broker(cl, mb->NodeId);
  if (!b) {
    lw_broker_info **a = realloc(cl->brokers, (size_t)(cl->nbrokers + 1) * sizeof(*a));
    if (!a)
      return LW_ERR_NOMEM;
    cl->brokers = a;
    b = calloc(1, sizeof(*b));
    if (!b)
      return LW_ERR_NOMEM;
    b->id = mb->NodeId;
    /* A bootstrap connection already up to this very address becomes the broker's own: no
     * second connect, no second ApiVersions exchange. */
    for (int i = 0; i < cl->nboot && !b->conn; i++) {
      lw_conn *bc = cl->boot[i];
      if (lw_conn_is_ready(bc) && lw_conn_port(bc) == port && !strcmp(lw_conn_host(bc), dial)) {
        b->conn = bc;
        lw_conn_set_node_id(bc, mb->NodeId);
        cl->boot[i] = cl->boot[--cl->nboot];
      }
    }
    if (!b->conn &&
        lw_conn_new(&b->conn, cl->ctx, mb->NodeId, dial, port, &conn_cbs, cl) != LW_OK) {
      free(b);
      return LW_ERR_NOMEM;
    }
    cl->brokers[cl->nbrokers++] = b;
  } else {
    lw_conn_set_address(b->conn, dial, port);
  }
  b->gone = false;
  if (!b->host || strcmp(b->host, host)) {
    free(b->host);
    b->host = strdup(host);
  }
  b->port = mb->Port;
  free(b->rack);
  b->rack = mb->Rack.len >= 0 ? strndup(mb->Rack.p, (size_t)mb->Rack.len) : NULL;
  return LW_OK;
}

/* ---- Metadata ---- */

static int32_t *dup_ids(const int32_t *src, int32_t n) {
  if (n <= 0)
    return NULL;
  int32_t *d = malloc((size_t)n * sizeof(*d));
  if (d)
    memcpy(d, src, (size_t)n * sizeof(*d));
  return d;
}

static void apply_topic(lw_cluster *cl, lw_topic_info *t, const lw_md_topic *mt, uint64_t now) {
  int16_t e = mt->ErrorCode;
  uint64_t wait = (uint64_t)cl->ctx->conf->topic_wait_ms * 1000u;
  if (e == LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION || e == LW_KAFKA_LEADER_NOT_AVAILABLE ||
      (e == 0 && mt->PartitionsCount <= 0)) {
    if (!t->missing_since_us)
      t->missing_since_us = now;
    if (now - t->missing_since_us >= wait && e != LW_KAFKA_LEADER_NOT_AVAILABLE) {
      if (t->err != LW_ERR_UNKNOWN_TOPIC)
        lw_net_logf(cl->ctx, 3,
                    "topic \"%s\" does not exist and was not auto-created (the broker has "
                    "auto.create.topics.enable=false or refused it)",
                    t->name);
      t->err = LW_ERR_UNKNOWN_TOPIC;
    }
    return;
  }
  t->missing_since_us = 0;
  if (e != 0) {
    if (t->err != e)
      lw_net_logf(cl->ctx, 3, "topic \"%s\": %s (%s)", t->name, lw_err_name(e), lw_err_str(e));
    t->err = e;
    return;
  }
  t->err = LW_OK;
  if (memcmp(t->id.b, mt->TopicId.b, 16) && t->parts)
    for (int32_t i = 0; i < t->partitions; i++) /* deleted and created again: epochs restart */
      t->parts[i].leader_epoch = -1;
  t->id = mt->TopicId;
  if (t->partitions != mt->PartitionsCount) {
    lw_part_info *p = calloc((size_t)mt->PartitionsCount, sizeof(*p));
    if (!p)
      return;
    free_parts(t);
    t->parts = p;
    t->partitions = mt->PartitionsCount;
  }
  for (int32_t i = 0; i < mt->PartitionsCount; i++) {
    const lw_md_partition *mp = &mt->Partitions[i];
    if (mp->PartitionIndex < 0 || mp->PartitionIndex >= t->partitions)
      continue;
    lw_part_info *pi = &t->parts[mp->PartitionIndex];
    /* KIP-320: a broker that lags behind may answer with an older leader. Its leader epoch says
     * so: keep what is newer (from a newer response, or a Produce answer's KIP-951 hint). */
    if (mp->LeaderEpoch >= 0 && pi->leader_epoch > mp->LeaderEpoch)
      continue;
    pi->leader = mp->ErrorCode == LW_KAFKA_LEADER_NOT_AVAILABLE ? -1 : mp->LeaderId;
    pi->leader_epoch = mp->LeaderEpoch;
    pi->err = mp->ErrorCode;
    free(pi->replicas);
    free(pi->isr);
    free(pi->offline);
    pi->replicas = dup_ids(mp->ReplicaNodes, mp->ReplicaNodesCount);
    pi->nreplicas = pi->replicas ? mp->ReplicaNodesCount : 0;
    pi->isr = dup_ids(mp->IsrNodes, mp->IsrNodesCount);
    pi->nisr = pi->isr ? mp->IsrNodesCount : 0;
    pi->offline = dup_ids(mp->OfflineReplicas, mp->OfflineReplicasCount);
    pi->noffline = pi->offline ? mp->OfflineReplicasCount : 0;
  }
}

static void schedule(lw_cluster *cl, uint64_t delay_us) {
  uint64_t due = lw_now_us() + delay_us;
  if (lw_timer_active(&cl->timer) && cl->timer.due_us <= due)
    return;
  lw_timer_start_at(cl->ctx->loop, &cl->timer, due);
}

static void md_failed(lw_cluster *cl, int err) {
  cl->md_inflight = false;
  cl->md_failures++;
  cl->err = err;
  uint64_t d = (uint64_t)cl->ctx->conf->retry_backoff_ms * 1000u;
  for (int i = 1; i < cl->md_failures && d < 2000000u; i++)
    d *= 2;
  schedule(cl, d);
}

static void on_md(lw_conn *c, int err, const uint8_t *body, size_t len, void *ud) {
  lw_cluster *cl = ud;
  if (err) {
    md_failed(cl, err);
    return;
  }
  lw_arena a;
  lw_arena_init(&a, 64u * 1024 * 1024);
  lw_cur cur;
  lw_cur_init(&cur, body, len);
  lw_md_resp r;
  int rc = lw_md_resp_decode(&cur, cl->md_version, &a, &r);
  if (rc != LW_OK) {
    lw_net_log_broker(cl->ctx, 3, lw_conn_name(c), (int)lw_conn_node_id(c),
                      "bad Metadata response: %s", lw_err_name(rc));
    lw_arena_free(&a);
    md_failed(cl, rc);
    return;
  }
  uint64_t now = lw_now_us();
  cl->md_inflight = false;
  cl->md_failures = 0;
  cl->last_md_us = now;
  for (int i = 0; i < cl->nbrokers; i++)
    cl->brokers[i]->gone = true;
  for (int32_t i = 0; i < r.BrokersCount; i++)
    update_broker(cl, &r.Brokers[i]);
  for (int i = 0; i < cl->nbrokers; i++)
    if (cl->brokers[i]->gone)
      lw_conn_want(cl->brokers[i]->conn, false);
  cl->controller = r.ControllerId;
  free(cl->cluster_id);
  cl->cluster_id = r.ClusterId.len >= 0 ? strndup(r.ClusterId.p, (size_t)r.ClusterId.len) : NULL;
  bool missing = false;
  for (int32_t i = 0; i < r.TopicsCount; i++) {
    const lw_md_topic *mt = &r.Topics[i];
    if (mt->Name.len < 0)
      continue;
    lw_topic_info *t = find_topic(cl, mt->Name.p, (size_t)mt->Name.len);
    if (!t && cl->asked_all)
      t = add_topic(cl, mt->Name.p, (size_t)mt->Name.len);
    if (!t)
      continue;
    apply_topic(cl, t, mt, now);
    /* Still missing, even past topic_wait_ms: it may be created at any time, and its records
     * should flow within a second of that (librdkafka re-asks 100 ms to 1 s apart too). */
    if (t->missing_since_us)
      missing = true;
    for (int32_t p = 0; p < t->partitions; p++)
      if (t->parts[p].leader < 0)
        missing = true;
  }
  lw_arena_free(&a);
  bool first = !cl->have_md;
  cl->have_md = true;
  cl->err = LW_OK;
  if (first) /* The brokers are known now: bootstrap connections are not needed. */
    for (int i = 0; i < cl->nboot; i++)
      lw_conn_want(cl->boot[i], false);
  if (cl->md_again) {
    cl->md_again = false;
    schedule(cl, MD_MIN_GAP_US);
  } else if (missing) {
    cl->missing_us = cl->missing_us ? cl->missing_us * 2 : MD_MISSING_MIN_US;
    if (cl->missing_us > MD_MISSING_MAX_US)
      cl->missing_us = MD_MISSING_MAX_US;
    schedule(cl, cl->missing_us);
  } else {
    cl->missing_us = 0;
    lw_timer_start(cl->ctx->loop, &cl->timer, (uint64_t)cl->ctx->conf->metadata_refresh_ms * 1000u);
  }
  if (cl->cbs.on_metadata)
    cl->cbs.on_metadata(cl, cl->ud);
}

static void md_send(lw_cluster *cl) {
  lw_conn *c = lw_cluster_any_ready(cl);
  if (!c) {
    cl->md_again = true; /* sent when a connection becomes READY */
    return;
  }
  int16_t v = lw_conn_api_version(c, LW_API_METADATA);
  if (v < 0) {
    int16_t lo = 0, hi = -1, mylo = 0, myhi = -1;
    lw_conn_broker_range(c, LW_API_METADATA, &lo, &hi);
    lw_client_range(LW_API_METADATA, &mylo, &myhi);
    lw_net_log_broker(cl->ctx, 3, lw_conn_name(c), (int)lw_conn_node_id(c),
                      "no Metadata version both sides support (broker %d-%d, logwire %d-%d)", lo,
                      hi, mylo, myhi);
    md_failed(cl, LW_ERR_NO_VERSION);
    return;
  }
  lw_buf *b = lw_conn_request_begin(c, LW_API_METADATA, v);
  if (!b) {
    md_failed(cl, LW_ERR_NOMEM);
    return;
  }
  lw_md_req q = {.AllowAutoTopicCreation = !cl->no_auto_create};
  lw_md_req_topic *topics = NULL;
  cl->asked_all = cl->want_all;
  if (cl->want_all) {
    q.TopicsCount = v >= 1 ? -1 : 0;
  } else {
    topics = calloc((size_t)(cl->ntopics ? cl->ntopics : 1), sizeof(*topics));
    if (!topics) {
      lw_conn_request_abort(c, b);
      md_failed(cl, LW_ERR_NOMEM);
      return;
    }
    for (int i = 0; i < cl->ntopics; i++)
      topics[i].Name = lw_str_c(cl->topics[i]->name);
    q.Topics = topics;
    q.TopicsCount = cl->ntopics;
    /* v0 treats an empty list as "all topics"; ask for none the way v1+ allows. */
    if (cl->ntopics == 0 && v == 0) {
      free(topics);
      lw_conn_request_abort(c, b);
      return;
    }
  }
  lw_md_req_encode(b, v, &q);
  free(topics);
  cl->md_inflight = true;
  cl->md_again = false;
  cl->md_version = v;
  int rc = lw_conn_request_send(c, b, true, on_md, cl);
  if (rc != LW_OK)
    md_failed(cl, rc);
}

void lw_cluster_refresh(lw_cluster *cl, bool all_topics) {
  if (all_topics)
    cl->want_all = true;
  if (cl->md_inflight) {
    cl->md_again = true;
    return;
  }
  uint64_t now = lw_now_us();
  uint64_t gap = now - cl->last_md_us;
  schedule(cl, cl->last_md_us && gap < MD_MIN_GAP_US ? MD_MIN_GAP_US - gap : 0);
}

void lw_cluster_set_auto_create(lw_cluster *cl, bool on) {
  cl->no_auto_create = !on;
}

bool lw_cluster_has_metadata(const lw_cluster *cl) {
  return cl->have_md;
}
int32_t lw_cluster_controller(const lw_cluster *cl) {
  return cl->controller;
}
const char *lw_cluster_id(const lw_cluster *cl) {
  return cl->cluster_id;
}
int lw_cluster_error(const lw_cluster *cl) {
  return cl->err;
}

bool lw_cluster_leader_hint(lw_cluster *cl, lw_topic_info *t, int32_t part, int32_t leader,
                            int32_t leader_epoch, const lw_md_broker *endpoints, int32_t n) {
  if (part < 0 || part >= t->partitions || leader < 0)
    return false;
  lw_part_info *pi = &t->parts[part];
  if (leader_epoch < 0 || leader_epoch <= pi->leader_epoch)
    return false; /* not newer than what is known */
  lw_broker_info *b = find_broker(cl, leader);
  for (int32_t i = 0; !b && i < n; i++)
    if (endpoints[i].NodeId == leader && update_broker(cl, &endpoints[i]) == LW_OK)
      b = find_broker(cl, leader);
  if (!b)
    return false;
  b->gone = false;
  pi->leader = leader;
  pi->leader_epoch = leader_epoch;
  pi->err = LW_OK;
  return true;
}

bool lw_cluster_broker(const lw_cluster *cl, int i, const lw_broker_info **b) {
  if (i < 0 || i >= cl->nbrokers)
    return false;
  *b = cl->brokers[i];
  return true;
}

bool lw_cluster_bootstrap(const lw_cluster *cl, int i, const lw_conn **c) {
  if (i < 0 || i >= cl->nboot)
    return false;
  *c = cl->boot[i];
  return true;
}

bool lw_cluster_topic_at(const lw_cluster *cl, int i, const lw_topic_info **t) {
  if (i < 0 || i >= cl->ntopics)
    return false;
  *t = cl->topics[i];
  return true;
}
