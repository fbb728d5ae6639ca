/* run.c — `logwire run`: the agent. Loads the config, starts one input per [input.NAME], the
 * producer, the optional Sys Agent and stats endpoint, and runs the event loop until SIGTERM
 * or SIGINT (or, with --once, until every file is read and acknowledged). SIGHUP or a change
 * of the config file reloads it: inputs added, removed or changed are handled one by one,
 * the others keep running; an invalid new config is refused and the old one kept. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/cli.h"
#include "agent/cmds.h"
#include "agent/log.h"
#include "agent/notify.h"
#include "agent/statedir.h"
#include "net/tls.h"
#include "base/err.h"

#define TICK_US 1000000u

static void on_delivery(void *ud, const lw_dr *dr) {
  lw_agent *a = ud;
  if (dr->opaque)
    lw_input_delivery(a, dr);
  else if (dr->err != LW_OK && dr->err != LW_ERR_SHUTDOWN)
    a->sys_dropped++; /* a Sys Agent sample (nothing to read again) */
}

/* A batch at a time: the agent's lines (and Sys Agent samples) without a call per record. */
static void on_batch(void *ud, const lw_batch_dr *bd) {
  lw_agent *a = ud;
  if (bd->recs)
    lw_input_batch_delivery(a, bd);
  for (int32_t i = 0; bd->err != LW_OK && bd->err != LW_ERR_SHUTDOWN && i < bd->count; i++)
    if (!bd->recs || !bd->recs[i].opaque)
      a->sys_dropped++; /* a Sys Agent sample (nothing to read again) */
}

static void on_space(void *ud) {
  lw_input_resume_all(ud);
}

/* The producer as the [kafka] section describes it. Records of the agent wait for Kafka as
 * long as it takes (the file is the buffer) unless delivery_timeout_ms is set explicitly. */
static int producer_start(lw_agent *a) {
  lw_producer_conf_free(&a->pconf);
  if (lw_producer_conf_copy(&a->pconf, &a->cfg.kafka) != LW_OK)
    return LW_ERR_NOMEM;
  if (!a->pconf.delivery_timeout_set)
    a->pconf.delivery_timeout_ms = 0;
  a->ctx.conf = &a->pconf;
  if (a->ctx.tls) {
    lw_tls_ctx_free(a->ctx.tls);
    a->ctx.tls = NULL;
  }
  if (a->pconf.security_protocol == LW_SEC_SSL || a->pconf.security_protocol == LW_SEC_SASL_SSL) {
    char err[256];
    int rc = lw_tls_ctx_new(&a->ctx.tls, &a->pconf, err, sizeof err);
    if (rc != LW_OK) {
      lw_log(LW_LOG_ERROR, "TLS setup failed", LW_S("reason", err));
      return rc;
    }
  }
  lw_producer_cbs cbs = {.on_delivery = on_delivery, .on_batch = on_batch, .on_space = on_space};
  int rc = lw_producer_new(&a->prod, &a->ctx, &cbs, a);
  if (rc == LW_OK)
    lw_producer_set_limit(a->prod, a->cfg.agent.read_ahead_bytes);
  return rc;
}

/* ---- Sys Agent ---- */

static void on_sys(lw_loop *l, lw_timer *t, void *ud) {
  lw_agent *a = ud;
  lw_buf_reset(&a->value);
  int rc = lw_sys_sampler_tick(&a->sampler, a->hostname, lw_now_us(), lw_wall_ms(), &a->value);
  if (rc == LW_OK && a->sys_topic && !a->stopping) {
    const lw_sys_conf *s = &a->cfg.sys;
    const char *key = s->key == LW_KEY_HOST      ? a->hostname
                      : s->key == LW_KEY_LITERAL ? s->key_literal
                                                 : NULL;
    lw_msg m = {.key = key,
                .key_len = key ? (int32_t)strlen(key) : -1,
                .value = a->value.data,
                .value_len = (int32_t)a->value.len,
                .partition = LW_PARTITION_ANY};
    if (lw_producer_send(a->prod, a->sys_topic, &m) == LW_OK)
      a->sys_sent++;
    else
      a->sys_dropped++; /* a sample is not worth holding the files back: counted */
  }
  lw_timer_start(l, t, (uint64_t)a->cfg.sys.interval_s * 1000000u);
}

static void sys_start(lw_agent *a) {
  lw_timer_stop(a->loop, &a->sys_timer);
  a->sys_topic = NULL;
  if (!a->cfg.sys.enabled)
    return;
  a->sys_topic = lw_producer_topic(a->prod, a->cfg.sys.topic);
  lw_sys_sampler_init(&a->sampler, NULL);
  lw_timer_start(a->loop, &a->sys_timer, 0); /* the first tick takes the baseline */
}

/* ---- Reload ---- */

static lw_input *find_input(lw_agent *a, const char *name) {
  for (lw_input *in = a->inputs; in; in = in->next)
    if (in->conf && !in->remove && !strcmp(in->conf->name, name))
      return in;
  return NULL;
}

static void remember_file(lw_agent *a) {
  struct stat st;
  if (stat(a->cfg.path, &st) == 0) {
    a->cfg_mtime = st.st_mtim;
    a->cfg_ino = st.st_ino;
  }
}

static void restart_everything(lw_agent *a);
static void finish_kafka_restart(lw_agent *a);

/* Configuration problems: FILE:LINE: KEY: PROBLEM lines for --check; for the agent, at its
 * start as at a reload, log events with that text as msg (its stderr is one event a line). */
static void report(const lw_diag *d, bool plain) {
  if (plain) {
    lw_diag_print(d, stderr);
    return;
  }
  for (size_t i = 0; i < d->n; i++)
    lw_log(d->v[i].sev == LW_DIAG_ERROR ? LW_LOG_ERROR : LW_LOG_WARN, d->v[i].text);
}

static int reload_(lw_agent *a, const char *why, char *err, size_t errlen);

int lw_agent_reload(lw_agent *a, const char *why, char *err, size_t errlen) {
  lw_notify("RELOADING=1");
  int rc = reload_(a, why, err, errlen);
  lw_notify("READY=1");
  return rc;
}

static int reload_(lw_agent *a, const char *why, char *err, size_t errlen) {
  lw_config nc;
  lw_diag d;
  lw_diag_init(&d);
  remember_file(a);
  int rc = lw_config_load(a->cfg.path, &nc, &d);
  if (rc == LW_OK)
    rc = lw_fleet_merge(a, &nc, &d); /* [etcd]: the inputs from etcd join the file's */
  lw_diag_sort(&d);
  report(&d, false);
  if (err && errlen) {
    err[0] = 0;
    for (size_t i = 0; i < d.n && !err[0]; i++)
      if (d.v[i].sev == LW_DIAG_ERROR)
        snprintf(err, errlen, "%s", d.v[i].text);
  }
  lw_diag_free(&d);
  if (rc != LW_OK) {
    lw_config_free(&nc);
    a->reload_errors++;
    lw_log(LW_LOG_ERROR, "new configuration refused; the running one is kept",
           LW_S("file", a->cfg.path), LW_S("trigger", why));
    return rc;
  }
  a->reloads++;
  lw_log(LW_LOG_INFO, "configuration reloaded", LW_S("file", a->cfg.path), LW_S("trigger", why));
  if (!lw_config_etcd_equal(&a->cfg, &nc))
    lw_log(LW_LOG_WARN, "[etcd] changed: it takes effect at the next start (restart logwire)");
  lw_log_set_level(nc.agent.log_level);
  lw_log_set_format(nc.agent.log_format);
  bool kafka = !lw_config_kafka_equal(&a->cfg.kafka, &nc.kafka);
  bool sys = !lw_config_sys_equal(&a->cfg.sys, &nc.sys);
  bool http = (a->cfg.agent.http == NULL) != (nc.agent.http == NULL) ||
              (nc.agent.http && strcmp(a->cfg.agent.http, nc.agent.http));
  if (kafka) {
    lw_log(LW_LOG_INFO, "[kafka] changed: the producer restarts once in-flight lines are in");
    restart_everything(a);
  }
  /* Inputs gone from the file stop; changed ones restart; new ones start; the rest keep
   * running untouched (they only move to the new config's copy of their identical settings). */
  for (lw_input *in = a->inputs, *next; in; in = next) {
    next = in->next;
    if (in->remove || !in->conf)
      continue;
    const lw_input_conf *nic = lw_config_input(&nc, in->conf->name);
    if (!nic) {
      lw_log(LW_LOG_INFO, "input removed", LW_S("input", in->conf->name));
      lw_input_remove(in);
    } else if (kafka || !lw_config_input_equal(in->conf, nic)) {
      if (!kafka)
        lw_log(LW_LOG_INFO, "input changed: restarting it", LW_S("input", nic->name));
      lw_input_replace(in, (lw_input_conf *)nic);
    } else {
      in->conf = (lw_input_conf *)nic;
    }
  }
  lw_config old = a->cfg;
  a->cfg = nc;
  for (size_t i = 0; i < a->cfg.ninputs; i++)
    if (!find_input(a, a->cfg.inputs[i].name)) {
      lw_log(LW_LOG_INFO, "input added", LW_S("input", a->cfg.inputs[i].name));
      lw_input_start(a, &a->cfg.inputs[i]);
    }
  if (a->prod)
    lw_producer_set_limit(a->prod, a->cfg.agent.read_ahead_bytes);
  if (sys && !kafka)
    sys_start(a);
  if (http) {
    lw_agent_http_stop(a);
    lw_agent_http_start(a);
  }
  lw_config_free(&old);
  return LW_OK;
}

/* Wait for every input to drain, then replace the producer and start them again. */
static void restart_everything(lw_agent *a) {
  a->hold = true;
  lw_timer_stop(a->loop, &a->sys_timer);
  a->sys_topic = NULL;
}

static void finish_kafka_restart(lw_agent *a) {
  for (lw_input *in = a->inputs; in; in = in->next)
    if (in->state != IN_STARTING || in->inflight)
      return; /* still draining */
  a->hold = false;
  lw_producer_free(a->prod);
  a->prod = NULL;
  if (producer_start(a) != LW_OK) {
    lw_log(LW_LOG_ERROR, "cannot start the producer with the new [kafka] section");
    a->exit_code = 1;
    lw_loop_stop(a->loop);
    return;
  }
  for (lw_input *in = a->inputs; in; in = in->next)
    lw_input_kick(in);
  sys_start(a);
}

/* ---- Signals, ticks, shutdown ---- */

static void begin_stop(lw_agent *a, const char *why) {
  if (a->stopping)
    return;
  a->stopping = true;
  lw_log(LW_LOG_INFO, "stopping: delivering what is in flight", LW_S("reason", why),
         LW_I("timeout_ms", a->cfg.agent.shutdown_timeout_ms));
  lw_inputs_stop_reading(a);
  lw_timer_stop(a->loop, &a->sys_timer);
  lw_producer_flush(a->prod);
  a->stop_deadline_us = lw_now_us() + (uint64_t)a->cfg.agent.shutdown_timeout_ms * 1000u;
  lw_timer_start(a->loop, &a->tick, 0);
}

static void on_signal(lw_loop *l, int signo, void *ud) {
  (void)l;
  lw_agent *a = ud;
  if (signo == SIGHUP)
    lw_agent_reload(a, "SIGHUP", NULL, 0);
  else
    begin_stop(a, signo == SIGINT ? "SIGINT" : "SIGTERM");
}

static void on_tick(lw_loop *l, lw_timer *t, void *ud) {
  lw_agent *a = ud;
  uint64_t now = lw_now_us();
  if (a->stopping) {
    if (lw_producer_idle(a->prod) || now >= a->stop_deadline_us) {
      if (!lw_producer_idle(a->prod))
        lw_log(LW_LOG_WARN, "shutdown timeout: lines still in flight are read again next start",
               LW_U("buffered_bytes", lw_producer_buffered(a->prod)));
      lw_loop_stop(l);
      return;
    }
    lw_timer_start(l, t, 10000);
    return;
  }
  if (!a->once) {
    struct stat st;
    if (stat(a->cfg.path, &st) == 0 &&
        (st.st_mtim.tv_sec != a->cfg_mtime.tv_sec || st.st_mtim.tv_nsec != a->cfg_mtime.tv_nsec ||
         st.st_ino != a->cfg_ino))
      lw_agent_reload(a, "file changed", NULL, 0);
  }
  if (a->hold)
    finish_kafka_restart(a);
  lw_timer_start(l, t, TICK_US);
}

/* Benchmark probe: a code address as the executable file numbers it, for addr2line. A
 * position-independent executable is loaded at some base, which the linker's
 * __executable_start marks; a fixed-address one is where the file says. */
extern const char __executable_start[];
static uintptr_t file_addr(uintptr_t p) {
#ifdef __PIE__
  return p ? p - (uintptr_t)__executable_start : 0;
#else
  return p;
#endif
}

static lw_prepare once_check;
static bool once_done;

/* --once: done when every file is read to its end and every line acknowledged. */
static void on_prepare_once(lw_loop *l, void *ud) {
  lw_agent *a = ud;
  if (!a->stopping && lw_producer_idle(a->prod) && lw_inputs_idle(a)) {
    lw_inputs_checkpoint(a);
    once_done = true;
    lw_loop_stop(l);
  }
}

/* --trace: every request and response decoded on stderr. */
static void run_trace(void *ud, const lw_conn *c, bool outgoing, int16_t api, int16_t ver,
                      const uint8_t *frame, size_t len) {
  (void)ud;
  char peer[340];
  snprintf(peer, sizeof peer, "%s (node %d)", lw_conn_name(c), (int)lw_conn_node_id(c));
  lw_trace_print(stderr, peer, outgoing, api, ver, frame, len);
}

static void usage(FILE *f) {
  fprintf(f, "usage: logwire run [-c FILE] [--once] [--check] [-d | -q] [--trace]\n"
             "  -c FILE   the configuration (docs/CONFIG.md; default " LW_DEFAULT_CONFIG ")\n"
             "  --check   validate FILE and exit: 0 when valid, 2 with every error as\n"
             "            FILE:LINE: KEY: PROBLEM (also: state_dir writable, http address free)\n"
             "  --once    read every matched file to its end, deliver, checkpoint, exit with a\n"
             "            summary (0, or 1 when a line could not be delivered or a signal\n"
             "            stopped it first)\n"
             "  -d        debug logging (--debug)\n"
             "  -q        warnings and errors only (--quiet)\n"
             "  --trace   every Kafka request and response decoded field by field on stderr\n");
}

/* --check beyond the file's syntax: what `run` needs from this machine. Each problem is a
 * FILE:LINE: KEY: PROBLEM line on stderr; returns how many there were. */
static int check_environment(lw_agent *a) {
  int problems = 0;
  char err[512];
  const char *dir = a->cfg.agent.state_dir;
  if (dir && lw_statedir_check(dir, err, sizeof err) != 0) {
    fprintf(stderr, "%s:%d: state_dir: %s\n", a->cfg.path, a->cfg.agent.state_dir_line, err);
    problems++;
  }
  const lw_producer_conf *k = &a->cfg.kafka;
  if (k->security_protocol == LW_SEC_SSL || k->security_protocol == LW_SEC_SASL_SSL) {
    void *tls = NULL;
    const char *key = NULL;
    if (lw_tls_ctx_new_key(&tls, k, &key, err, sizeof err) != LW_OK) {
      key = key ? key : "security_protocol";
      fprintf(stderr, "%s:%d: %s: %s\n", a->cfg.path, lw_config_kafka_line(&a->cfg, key), key, err);
      problems++;
    } else {
      lw_tls_ctx_free(tls);
    }
  }
  struct rlimit rl; /* `run` raises the soft limit to the hard one: that is what counts */
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
      lw_fdlimit_check(&a->cfg, (uint64_t)rl.rlim_max, err, sizeof err) != 0) {
    fprintf(stderr, "%s:%d: max_open_files: %s\n", a->cfg.path, a->cfg.agent.max_open_files_line,
            err);
    problems++;
  }
  const char *addr = a->cfg.agent.http;
  if (addr && *addr) {
    lw_loop *l = NULL;
    lw_http_server *h = NULL;
    if (lw_loop_new(&l) == LW_OK) {
      int rc = lw_http_new(l, addr, NULL, &h);
      if (rc != LW_OK) {
        fprintf(stderr, "%s:%d: http: cannot listen on %s: %s\n", a->cfg.path,
                a->cfg.agent.http_line, addr, rc == LW_ERR_IO ? strerror(errno) : lw_err_str(rc));
        problems++;
      } else {
        lw_http_free(h);
      }
      lw_loop_free(l);
    }
  }
  return problems;
}

/* The end of --once: what was shipped, and when nothing was, why. */
static void once_summary(lw_agent *a) {
  uint64_t lines = 0, bytes = 0, files = 0, failed = 0, read = 0;
  bool start_end = false;
  for (lw_input *in = a->inputs; in; in = in->next) {
    lw_tail_stats s;
    memset(&s, 0, sizeof s);
    if (in->tail)
      lw_tail_stats_get(in->tail, &s);
    lines += in->acked;
    bytes += s.bytes;
    read += s.lines;
    files += s.files_tracked;
    failed += in->failed;
    if (in->conf && in->conf->start == LW_START_END)
      start_end = true;
  }
  if (read == 0 && files == 0)
    lw_log(LW_LOG_WARN, "nothing shipped: no file matched the inputs' paths");
  else if (read == 0 && start_end)
    lw_log(LW_LOG_WARN,
           "nothing shipped: start = end skips what a file held when first seen; set start = "
           "beginning in the input to ship existing lines (files with a checkpoint resume from "
           "it)");
  else if (read == 0)
    lw_log(LW_LOG_WARN, "nothing shipped: every file was already shipped up to its end "
                        "(see the checkpoints in state_dir)");
  lw_log(LW_LOG_INFO, "once: summary", LW_U("lines", lines), LW_U("bytes", bytes),
         LW_U("files", files), LW_U("failures", failed),
         LW_B("complete", once_done && failed == 0));
}

static uint64_t total_failed(lw_agent *a) {
  uint64_t n = 0;
  for (lw_input *in = a->inputs; in; in = in->next)
    n += in->failed;
  return n;
}

int lw_cmd_run(int argc, char **argv) {
  const char *path = NULL;
  int verbosity = 0; /* 1 debug, -1 quiet */
  bool trace = false;
  static lw_agent ag; /* one agent per process; static keeps its 26 KiB histogram off the stack */
  lw_agent *a = &ag;
  memset(a, 0, sizeof(*a));
  /* Every object the exit path touches is initialised before anything can fail. */
  lw_timer_init(&a->tick, on_tick, a);
  lw_timer_init(&a->sys_timer, on_sys, a);
  lw_producer_conf_init(&a->pconf);
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i];
    if (!strcmp(o, "-c") || !strcmp(o, "--config")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "logwire run: %s needs a file\n", o);
        return LW_EXIT_USAGE;
      }
      path = argv[++i];
    } else if (!strncmp(o, "--config=", 9)) {
      path = o + 9;
    } else if (!strcmp(o, "--once")) {
      a->once = true;
    } else if (!strcmp(o, "--check")) {
      a->check_only = true;
    } else if (!strcmp(o, "-d") || !strcmp(o, "--debug")) {
      verbosity = 1;
    } else if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) {
      verbosity = -1;
    } else if (!strcmp(o, "--trace")) {
      trace = true;
    } else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      usage(stdout);
      return LW_EXIT_OK;
    } else {
      fprintf(stderr, "logwire run: unknown option \"%s\" (logwire run --help)\n", o);
      return LW_EXIT_USAGE;
    }
  }
  if (!path)
    path = LW_DEFAULT_CONFIG;
  lw_diag d;
  lw_diag_init(&d);
  int rc = lw_config_load(path, &a->cfg, &d);
  lw_diag_sort(&d);
  report(&d, a->check_only);
  lw_diag_free(&d);
  if (rc != LW_OK) {
    lw_config_free(&a->cfg);
    return LW_EXIT_USAGE;
  }
  if (a->check_only && check_environment(a)) {
    lw_config_free(&a->cfg);
    return LW_EXIT_USAGE;
  }
  if (a->check_only) {
    printf("%s: configuration valid: %zu input%s%s\n", path, a->cfg.ninputs,
           a->cfg.ninputs == 1 ? "" : "s", a->cfg.sys.enabled ? ", [sys]" : "");
    lw_config_free(&a->cfg);
    return LW_EXIT_OK;
  }
  lw_log_set_format(a->cfg.agent.log_format);
  lw_log_set_level(verbosity > 0   ? LW_LOG_DEBUG
                   : verbosity < 0 ? LW_LOG_WARN
                                   : a->cfg.agent.log_level);
  /* Benchmark probe (docs/BENCHMARKS.md): when each line was acknowledged, on the monotonic
   * clock every process shares, to measure latency from the writer's write(2) to Kafka's ack. */
  const char *probe = getenv("LOGWIRE_ACK_LOG");
  if (probe && *probe && !(a->ack_log = fopen(probe, "w")))
    lw_log(LW_LOG_WARN, "cannot open LOGWIRE_ACK_LOG", LW_S("path", probe));
  lw_fdlimit_raise(a);
  snprintf(a->hostname, sizeof a->hostname, "%s", a->cfg.agent.hostname);
  lw_buf_init(&a->value, 64u * 1024 * 1024);
  lw_hist_reset(&a->latency);
  a->started_us = lw_now_us();
  remember_file(a);
  if (lw_loop_new(&a->loop) != LW_OK) {
    lw_log(LW_LOG_ERROR, "cannot create the event loop");
    lw_config_free(&a->cfg);
    return LW_EXIT_FAIL;
  }
  /* Benchmark probe: the longest turn of the loop, written to LOGWIRE_LOOP_LOG at exit. */
  const char *loop_probe = getenv("LOGWIRE_LOOP_LOG");
  if (loop_probe && *loop_probe)
    lw_loop_probe_start(a->loop);
  a->ctx.loop = a->loop;
  a->ctx.log = lw_log_hook;
  a->ctx.log_broker = lw_log_hook_broker;
  a->ctx.log_ud = "kafka";
  a->ctx.rng = lw_now_us() * 2654435761u + (uint64_t)getpid();
  if (trace)
    a->ctx.trace = run_trace;
  int code = LW_EXIT_OK;
  char lerr[600];
  long holder = 0;
  int lock_fd = lw_statedir_lock(a->cfg.agent.state_dir, &holder, lerr, sizeof lerr);
  if (lock_fd < 0 && holder) {
    lw_log(LW_LOG_ERROR, "another agent uses this state_dir: refusing to start",
           LW_S("state_dir", a->cfg.agent.state_dir), LW_I("pid", holder), LW_S("reason", lerr));
    code = LW_EXIT_FAIL;
    goto out;
  }
  if (lock_fd < 0) /* the inputs retry creating it; without a lock, say so */
    lw_log(LW_LOG_WARN, "cannot lock state_dir", LW_S("reason", lerr));
  if (producer_start(a) != LW_OK) {
    code = LW_EXIT_USAGE;
    goto out;
  }
  lw_loop_signal(a->loop, SIGTERM, on_signal, a);
  lw_loop_signal(a->loop, SIGINT, on_signal, a);
  lw_loop_signal(a->loop, SIGHUP, on_signal, a);
  lw_timer_start(a->loop, &a->tick, TICK_US);
  /* [etcd]: the inputs cached from etcd join the file's before anything starts; etcd itself
   * is read once the loop runs (shipping never waits for it). */
  if (a->cfg.etcd_enabled && !a->once) {
    if (lw_fleet_start(a) != LW_OK) {
      code = LW_EXIT_USAGE;
      goto out;
    }
    lw_diag fd;
    lw_diag_init(&fd);
    if (lw_fleet_merge(a, &a->cfg, &fd) != LW_OK)
      lw_log(LW_LOG_WARN, "cached configuration from etcd does not merge: waiting for etcd");
    report(&fd, false);
    lw_diag_free(&fd);
  }
  lw_log(LW_LOG_INFO, "logwire started", LW_S("config", path), LW_U("inputs", a->cfg.ninputs),
         LW_S("brokers", a->cfg.kafka.brokers), LW_B("once", a->once));
  for (size_t i = 0; i < a->cfg.ninputs; i++)
    if (lw_input_start(a, &a->cfg.inputs[i]) != LW_OK)
      lw_log(LW_LOG_ERROR, "cannot start input", LW_S("input", a->cfg.inputs[i].name));
  if (!a->once) {
    sys_start(a);
    lw_fleet_run(a);
    if (lw_agent_http_start(a) != LW_OK) {
      code = LW_EXIT_USAGE;
      goto out;
    }
  } else {
    lw_prepare_init(&once_check, on_prepare_once, a);
    lw_prepare_start(a->loop, &once_check);
  }
  /* Type=notify: ready once the inputs, the producer and the endpoint are set up. */
  if (lw_notify("READY=1") < 0)
    lw_log(LW_LOG_WARN, "cannot notify the service manager",
           LW_S("NOTIFY_SOCKET", getenv("NOTIFY_SOCKET")), LW_S("reason", strerror(errno)));
  if (lw_loop_run(a->loop) != LW_OK)
    code = LW_EXIT_FAIL;
  lw_notify("STOPPING=1");
  if (a->once) {
    lw_prepare_stop(a->loop, &once_check);
    if (!once_done && a->prod && lw_producer_idle(a->prod) && lw_inputs_idle(a))
      once_done = true; /* stopped by a signal after the last acknowledgement */
    once_summary(a);
    if (!once_done) {
      lw_log(LW_LOG_ERROR, "--once stopped before every line was read and delivered");
      code = LW_EXIT_FAIL;
    }
  }
out:
  /* The producer goes first: records still in flight are reported as not delivered, so the
   * inputs' final checkpoints stop before them and they are read again at the next start. */
  a->stopping = true;
  lw_timer_stop(a->loop, &a->tick);
  lw_timer_stop(a->loop, &a->sys_timer);
  lw_agent_http_stop(a);
  lw_fleet_stop(a);
  lw_producer_free(a->prod);
  a->prod = NULL;
  uint64_t failed = total_failed(a);
  while (a->inputs)
    lw_input_free(a->inputs);
  if (code == LW_EXIT_OK && (a->exit_code || (a->once && failed)))
    code = LW_EXIT_FAIL;
  lw_log(LW_LOG_INFO, "logwire stopped", LW_I("exit", code), LW_U("failed_lines", failed));
  if (a->ctx.tls)
    lw_tls_ctx_free(a->ctx.tls);
  if (a->ack_log)
    fclose(a->ack_log);
  FILE *lp = loop_probe && *loop_probe ? fopen(loop_probe, "w") : NULL;
  if (lp) { /* turns, longest wall, longest CPU, turns over 1 ms CPU, when each longest began,
             * then each longest turn's slowest callback: its address in the executable file
             * (what addr2line takes) and its wall time */
    lw_loop_probe pr;
    lw_loop_probe_get(a->loop, &pr);
    fprintf(lp, "%llu %llu %llu %llu %llu %llu %#llx %llu %#llx %llu\n",
            (unsigned long long)pr.turns, (unsigned long long)pr.max_wall_us,
            (unsigned long long)pr.max_cpu_us, (unsigned long long)pr.over_1ms_cpu,
            (unsigned long long)pr.max_wall_at_us, (unsigned long long)pr.max_cpu_at_us,
            (unsigned long long)file_addr(pr.max_wall_cb), (unsigned long long)pr.max_wall_cb_us,
            (unsigned long long)file_addr(pr.max_cpu_cb), (unsigned long long)pr.max_cpu_cb_us);
    fclose(lp);
  }
  lw_loop_free(a->loop);
  lw_buf_free(&a->value);
  lw_producer_conf_free(&a->pconf);
  lw_config_free(&a->cfg);
  if (lock_fd >= 0)
    close(lock_fd);
  return code;
}
