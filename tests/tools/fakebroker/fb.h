/* fb.h — the broker model's cluster state (test-only), shared by the request handlers
 * (fakebroker.c) and the run-time commands (fb_cmd.c): brokers, configs, injected faults. */
#ifndef FB_H
#define FB_H

#include "net/loop.h"
#include "tests/tools/fakebroker/fb_log.h"

#define FB_MAX_API   64
#define FB_MAX_CONNS 256
#define PARK         1 /* a handler's answer: the Fetch waits for data */

typedef struct fb fb;

typedef struct fb_node { /* one broker of the cluster */
  fb *f;
  int32_t id; /* node id, 1..nnodes */
  int lfd;    /* listening socket, -1 while down */
  int port;   /* kept while down: it comes back on the same port */
  bool stale; /* answers Metadata with the leaders it knew when made stale (a lagging broker) */
} fb_node;

typedef struct fb_conn {
  fb *f;
  fb_node *node; /* the broker it connected to */
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
} fb_conn;

/* Broker configs (Kafka's names), the same on every broker. */
typedef struct fb_conf {
  int64_t message_max_bytes;        /* message.max.bytes, default 1048588 */
  int64_t socket_request_max_bytes; /* socket.request.max.bytes, default 104857600 */
  bool auto_create;                 /* auto.create.topics.enable, default true */
  int32_t num_partitions;           /* num.partitions, default 1 */
  int32_t default_rf;               /* default.replication.factor (model: min(3, brokers)) */
  int32_t min_isr;                  /* min.insync.replicas, default 1 */
  int64_t segment_bytes;            /* log.segment.bytes, default 1073741824 */
  bool reject_unknown_pid;          /* model.unknown.producer reject|accept */
  bool initpid_bump;                /* model.initpid bump|new */
  bool topic_ids;                   /* model.topic.ids true|false: Metadata gives topic ids */
} fb_conf;

struct fb {
  lw_loop *loop;
  fb_node nodes[FB_MAX_NODES];
  int nnodes;
  fb_conf conf;
  int16_t amin[FB_MAX_API], amax[FB_MAX_API]; /* advertised ranges, -1: not advertised */
  bool apiver_on;                             /* answer ApiVersions (else close the connection) */
  bool wake;                                  /* records were appended: parked Fetches look again */
  fb_log g;                                   /* topics and their logs */
  int64_t next_pid;
  int16_t *pid_epoch; /* the epoch last given to producer id 1000 + i (model.initpid bump) */
  size_t npids;
  int inj_code[FB_MAX_API], inj_count[FB_MAX_API]; /* injected errors */
  int drop;                                        /* Produce answers to lose */
  uint32_t used[FB_MAX_API];                       /* bit v: version v was requested */
  fb_conn *conns[FB_MAX_CONNS];
  int nconns;
  lw_arena arena; /* decoded requests and responses being built */
  lw_prepare prep;
  char line[1024];
  size_t linelen;
  struct {
    long produce;    /* Produce requests handled */
    long acks[3];    /* of which Acks 0, 1, -1 */
    long not_leader; /* partitions answered NOT_LEADER_OR_FOLLOWER (any cause) */
    long not_enough; /* NOT_ENOUGH_REPLICAS answers */
    long injected;   /* partitions answered an injected error (err, perr) */
    long dropped;    /* answers lost on purpose (drop) */
    long oversize;   /* connections closed for socket.request.max.bytes */
    long initpid;    /* InitProducerId answers with a producer id */
  } st;
};

/* Create a topic with replicas spread over the brokers (or return the existing one); rf <= 0:
 * default.replication.factor. NULL on a bad name or count. */
fb_topic *fb_create(fb *f, const char *name, size_t n, int32_t nparts, int32_t rf);
/* Take broker `id` down (listener and its connections closed; the partitions it led go to
 * another in-sync replica, leader epoch bumped) or bring it back on its port. Returns LW_OK or
 * an error (bad id, cannot listen). */
int fb_node_down(fb *f, int32_t id);
int fb_node_up(fb *f, int32_t id);
/* Move a partition's leader to `id` (made a replica if it was not), bumping the leader epoch. */
int fb_set_leader(fb *f, fb_part *pp, int32_t id);
/* True when node `id` is up. */
bool fb_node_is_up(const fb *f, int32_t id);
/* The in-sync replicas of a partition: replicas that are up and not taken out by `isr`. */
int32_t fb_isr(const fb *f, const fb_part *pp, int32_t *out);
/* Set an advertised range (lo < 0: not advertised). False on a bad key or range. */
bool fb_set_range(fb *f, int k, int lo, int hi);

/* Make broker `id` answer Metadata from the leaders and epochs it knows now (on) or from the
 * current ones again (off), as a broker whose metadata lags. Returns LW_OK or an error. */
int fb_node_stale(fb *f, int32_t id, bool on);

/* DescribeConfigs (fb_configs.c): decode the request body at c, encode the answer into out. */
int fb_h_describe_configs(fb *f, lw_cur *c, int16_t v, int16_t inj, lw_buf *out);

/* n zeroed elements from the request's arena. Sets *ok false when they cannot be had (the
 * caller then gives up on the request); NULL without error for n <= 0. */
void *fb_arr(fb *f, int32_t n, size_t size, bool *ok);

/* Fetch and ListOffsets (fb_read.c): decode the request body at c, encode the answer into out;
 * Fetch returns PARK when it waits for data (cn->park_until set). */
int fb_h_fetch(fb *f, fb_conn *cn, lw_cur *c, int16_t v, int16_t inj, lw_buf *out);
int fb_h_list_offsets(fb *f, lw_cur *c, int16_t v, int16_t inj, lw_buf *out);

/* InitProducerId (fb_coord.c): decode the request body at c, encode the answer into out. */
int fb_h_init_pid(fb *f, lw_cur *c, int16_t v, int16_t inj, lw_buf *out);

/* Handle one command line; answers on stdout. Returns true on quit. */
bool fb_command(fb *f, const char *line);

#endif
