/* agent.h — the daemon's internal state, shared by run.c (lifecycle, reload, shutdown),
 * input.c (files -> records -> acknowledgements) and stats.c (the HTTP statistics). */
#ifndef LW_AGENT_H
#define LW_AGENT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "agent/config.h"
#include "agent/hist.h"
#include "agent/http.h"
#include "agent/sysmetrics.h"
#include "net/producer.h"
#include "tail/tail.h"

#define LW_MAX_INPUTS 4096 /* input slots; a slot number travels with each record */

typedef struct lw_agent lw_agent;
typedef struct lw_fleet lw_fleet;
struct lw_line_filter;

enum input_state {
  IN_STARTING, /* tail not created yet, or waiting to retry after a failure */
  IN_RUNNING,
  IN_DRAINING, /* not reading; waiting for in-flight lines, then stops or restarts */
};

typedef struct lw_input {
  lw_agent *a;
  int slot;
  lw_input_conf *conf; /* points into the config in use (a->cfg); NULL once removed */
  /* Owned copies for logs and statistics: a removed input drains its last lines in flight
   * after the config it came from is freed. */
  char *name, *topic_name;
  lw_tail *tail;
  lw_ptopic *topic;
  int state;
  bool paused;                   /* refused a line because the producer is full */
  bool remove;                   /* draining before removal (reload dropped it) */
  bool restart;                  /* draining before being started again (changed or rewinding) */
  bool replaced_conf;            /* conf belongs to a newer config to use at restart */
  uint64_t inflight;             /* lines handed to the producer, not yet reported */
  int failures;                  /* consecutive start failures / rewinds (backoff) */
  bool announced;                /* "input started" was logged (restarts are not announced again) */
  struct lw_line_filter *filter; /* include_lines/exclude_lines, NULL when unset (filters.c) */
  uint64_t filtered;             /* lines dropped by include_lines/exclude_lines */
  uint64_t not_json;             /* parse = json: lines that were not a JSON object (wrapped) */
  struct lw_jtok *jtok;          /* parse = json: the parser's tokens, LW_INPUT_JTOK (filters.c) */
  size_t line_max;               /* the tail's max_line_bytes: pieces of longer lines */
  bool recut;                    /* restarting to cut lines shorter for the topic (no backoff) */
  lw_timer retry;
  char state_path[4096];
  /* statistics beyond what the tail counts */
  uint64_t acked, failed, skipped;
  uint64_t skip_log_us, skip_unlogged; /* rate limit of the "skipped" log lines */
  char last_error[192];                /* the last failure logged for it, "" if none (/stats) */
  int64_t last_error_ms;               /* when (wall clock) */
  struct lw_input *next;
} lw_input;

struct lw_agent {
  lw_loop *loop;
  lw_config cfg;          /* the configuration in use (owned) */
  lw_producer_conf pconf; /* the producer's own copy (stable while it lives) */
  lw_net_ctx ctx;
  lw_producer *prod;
  lw_input *inputs;
  lw_input *slots[LW_MAX_INPUTS];
  bool once, stopping, check_only;
  bool hold; /* inputs that finish draining wait (the producer is being replaced) */
  int exit_code;
  uint64_t stop_deadline_us;
  lw_timer tick; /* once a second: config file changes, --once completion, deadlines */
  struct timespec cfg_mtime;
  ino_t cfg_ino;
  lw_http_server *http;
  char *http_addr;
  /* Sys Agent */
  lw_timer sys_timer;
  lw_sys_sampler sampler;
  lw_ptopic *sys_topic;
  uint64_t sys_sent, sys_dropped;
  /* latency from a line's read to its acknowledgement */
  lw_hist latency;
  uint64_t started_us;
  uint64_t reloads, reload_errors;
  lw_buf value;  /* scratch for JSON records */
  FILE *ack_log; /* LOGWIRE_ACK_LOG: "INPUT OFFSET ACK_US SENT_US" per acknowledged line
                    (benchmarks) */
  char hostname[256];
  lw_fleet *fleet; /* [etcd]: the configuration from etcd (fleet_agent.c), else NULL */
  uint64_t nofile; /* the descriptor limit (soft, after lw_fdlimit_raise); 0 = unlimited */
};

/* fdlimit.c */
/* At start: raise the soft descriptor limit to the hard one, remember it (a->nofile), and warn
 * when the hard limit is low or below what an explicit max_open_files needs. */
void lw_fdlimit_raise(lw_agent *a);
/* max_open_files for each input: the configured number, or with auto (0) the limit less
 * LW_TAIL_FD_RESERVE shared by the configured inputs (lw_tail_max_open_files). */
int lw_agent_max_open_files(const lw_agent *a);
/* 0 when an explicit max_open_files for every input of c, plus the reserve, fits a hard
 * limit of `hard` (0 = unlimited; auto always fits); else -1 with the problem and what to do
 * in err. */
int lw_fdlimit_check(const lw_config *c, uint64_t hard, char *err, size_t errlen);

/* input.c */
int lw_input_start(lw_agent *a, lw_input_conf *conf);
/* Stop reading and remove the input once its in-flight lines are reported. */
void lw_input_remove(lw_input *in);
/* Stop reading and start again with conf once its in-flight lines are reported. */
void lw_input_replace(lw_input *in, lw_input_conf *conf);
/* Delivery report for a record that came from an input. */
void lw_input_delivery(lw_agent *a, const lw_dr *dr);
void lw_input_batch_delivery(lw_agent *a, const lw_batch_dr *bd);
/* The producer has room again: resume the inputs it refused. */
void lw_input_resume_all(lw_agent *a);
/* Start a held or waiting input now (after the producer was replaced). */
void lw_input_kick(lw_input *in);
/* Free an input now (its tail writes a final checkpoint). */
void lw_input_free(lw_input *in);
/* True when every input read its files to the end and every line was acknowledged. */
bool lw_inputs_idle(lw_agent *a);
void lw_inputs_checkpoint(lw_agent *a);
/* Pause every input (shutdown). */
void lw_inputs_stop_reading(lw_agent *a);

/* filters.c */
/* (Re)compile the input's include_lines/exclude_lines. Returns LW_OK or LW_ERR_NOMEM. */
int lw_input_filters_compile(lw_input *in);
void lw_input_filters_free(lw_input *in);
/* False when include_lines/exclude_lines drop this line. */
bool lw_input_line_wanted(lw_input *in, const uint8_t *p, size_t n);
/* The producer's topic for the input's topic name; with a template ({file_stem}, {host},
 * {input}) the rendered name for the file at path, and NULL when path is NULL (or out of
 * memory). */
lw_ptopic *lw_input_topic_for(lw_input *in, const char *path);
/* fields.NAME = VALUE: as members added to the JSON object that ends b, or as headers into h
 * (at most max; returns how many). Borrowed from the input's config. */
int lw_input_fields_json(const lw_input *in, lw_buf *b);
/* parse = json: appends line p[0..n)'s record to b: its members merged with host, path,
 * offset, ts and the static fields when it is a JSON object of at most LW_INPUT_JTOK values,
 * else the line wrapped as with format = json (counted in in->not_json). Returns b's error. */
#define LW_INPUT_JTOK 8192
int lw_input_json_line(lw_input *in, lw_buf *b, const char *host, const char *path, uint64_t offset,
                       int64_t wall_ms, const void *p, size_t n);
/* Warn about each of the input's paths that matches no file now. */
void lw_input_warn_unmatched(const lw_input *in);
int lw_input_fields_headers(const lw_input *in, lw_rec_header *h, int max);

/* stats.c */
int lw_agent_http_start(lw_agent *a);
void lw_agent_http_stop(lw_agent *a);
/* The /stats document appended to body. Returns body->err. */
int lw_agent_stats_json(lw_agent *a, lw_buf *body);

/* run.c: reload the local file (and merge etcd's part), as SIGHUP does. Returns LW_OK, or an
 * error with the first problem's text in err (the running configuration is kept). */
int lw_agent_reload(lw_agent *a, const char *why, char *err, size_t errlen);

/* fleet_agent.c ([etcd]) */
/* Set up the etcd client and load the cached configuration (a->fleet). Returns LW_OK or
 * LW_ERR_CONFIG/LW_ERR_NOMEM (logged). */
int lw_fleet_start(lw_agent *a);
/* Start reading, watching and the status key (after the inputs started). */
void lw_fleet_run(lw_agent *a);
/* Merge the configuration from etcd (the pending one) into c. No-op without a->fleet. */
int lw_fleet_merge(lw_agent *a, lw_config *c, lw_diag *d);
void lw_fleet_stop(lw_agent *a);

#endif
