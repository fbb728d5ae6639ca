/* cluster.h — what a client knows of the cluster: bootstrap addresses, brokers and their
 * connections, topics of interest with their partitions and leaders. Metadata is fetched at
 * start, every metadata_refresh_ms, and at once (coalesced, rate-limited) when asked because
 * a leader moved, a topic is missing or a connection dropped.
 *
 * Ownership: the cluster owns its brokers, connections and topic entries; pointers returned
 * stay valid until lw_cluster_free (topics are never removed; brokers are kept, marked gone,
 * until free). */
#ifndef LW_CLUSTER_H
#define LW_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "net/conn.h"
#include "proto/metadata.h"
#include "proto/wire.h"

typedef struct lw_cluster lw_cluster;

typedef struct lw_part_info {
  int32_t leader;                    /* broker id, -1 when none */
  int32_t leader_epoch;              /* -1 when unknown */
  int16_t err;                       /* partition error from the last metadata */
  int32_t *replicas, *isr, *offline; /* owned by the topic entry */
  int32_t nreplicas, nisr, noffline;
} lw_part_info;

typedef struct lw_topic_info {
  char *name;
  int32_t partitions; /* 0 while unknown */
  lw_part_info *parts;
  lw_uuid id;
  int err;                   /* LW_OK, a Kafka topic error, or LW_ERR_UNKNOWN_TOPIC once the
                                topic stayed missing for topic_wait_ms */
  uint64_t missing_since_us; /* first time it was reported missing, 0 otherwise */
  void *user;                /* the producer's per-topic state */
} lw_topic_info;

typedef struct lw_broker_info {
  int32_t id;
  char *host; /* as advertised */
  int port;
  char *rack;
  lw_conn *conn; /* connects to the advertised address, rewritten by connect_to */
  bool gone;     /* no longer in the metadata */
} lw_broker_info;

typedef struct lw_cluster_cbs {
  /* Metadata changed (partitions, leaders, topic errors). */
  void (*on_metadata)(lw_cluster *cl, void *ud);
  /* A broker connection is READY or has room for another request. */
  void (*on_room)(lw_cluster *cl, lw_conn *c, void *ud);
  /* A broker connection went down (its requests already failed). */
  void (*on_down)(lw_cluster *cl, lw_conn *c, int err, void *ud);
} lw_cluster_cbs;

/* Create the cluster view; ctx is borrowed. Returns LW_OK, LW_ERR_CONFIG (bad bootstrap list,
 * reason logged) or LW_ERR_NOMEM. */
int lw_cluster_new(lw_cluster **out, lw_net_ctx *ctx, const lw_cluster_cbs *cbs, void *ud);
void lw_cluster_free(lw_cluster *cl);

/* Register interest in a topic (found or added) and, if it is new, refresh metadata soon.
 * Returns NULL only when out of memory. */
lw_topic_info *lw_cluster_topic(lw_cluster *cl, const char *name);
/* Ask for fresh metadata as soon as allowed (one request at a time, at least 100 ms apart,
 * backing off while it fails). all_topics also asks for every topic in the cluster. */
void lw_cluster_refresh(lw_cluster *cl, bool all_topics);
/* Whether metadata requests ask the broker to create missing topics (default true; the
 * broker's auto.create.topics.enable decides). `logwire metadata` turns it off. */
void lw_cluster_set_auto_create(lw_cluster *cl, bool on);
/* True once a metadata response has been applied. */
bool lw_cluster_has_metadata(const lw_cluster *cl);

/* The connection to broker `id` (made wanted: connecting starts if needed), or NULL when the
 * broker is unknown. */
lw_conn *lw_cluster_broker_conn(lw_cluster *cl, int32_t id);
/* A READY connection to any broker (bootstrap included), or NULL (and connecting starts). */
lw_conn *lw_cluster_any_ready(lw_cluster *cl);

/* Iterate brokers: returns false past the end. */
bool lw_cluster_broker(const lw_cluster *cl, int i, const lw_broker_info **b);
int32_t lw_cluster_controller(const lw_cluster *cl);
const char *lw_cluster_id(const lw_cluster *cl);
/* Every topic in the last all-topics metadata (for `logwire metadata`). */
bool lw_cluster_topic_at(const lw_cluster *cl, int i, const lw_topic_info **t);

/* KIP-951: a Produce answer named `leader` (with leader_epoch) as partition `part`'s leader,
 * with the endpoints of brokers the client may not know (borrowed, n may be 0). Applied, and
 * true returned, only when it is newer than what the metadata said (a higher leader epoch) and
 * the broker's address is known. */
bool lw_cluster_leader_hint(lw_cluster *cl, lw_topic_info *t, int32_t part, int32_t leader,
                            int32_t leader_epoch, const lw_md_broker *endpoints, int32_t n);

/* The last metadata error when no broker could be reached (LW_OK otherwise). */
int lw_cluster_error(const lw_cluster *cl);

#endif
