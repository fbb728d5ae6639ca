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
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/cli.h"
#include "agent/cmds.h"
#include "agent/log.h"
#include "net/tls.h"
#include "proto/err.h"

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

int lw_agent_reload(lw_agent *a, const char *why, char *err, size_t errlen) {
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

static lw_prepare once_check;

/* --once: done when every file is read to its end and every line acknowledged. */
static void on_prepare_once(lw_loop *l, void *ud) {
  lw_agent *a = ud;
  if (!a->stopping && lw_producer_idle(a->prod) && lw_inputs_idle(a)) {
    lw_inputs_checkpoint(a);
    lw_loop_stop(l);
  }
}

static void usage(FILE *f) {
  fprintf(f, "usage: logwire run -c FILE [--once] [--check] [-d]\n"
             "  -c FILE   the configuration (docs/CONFIG.md)\n"
             "  --check   validate FILE and exit: 0 when valid, 2 with every error as\n"
             "            FILE:LINE: KEY: PROBLEM\n"
             "  --once    read every matched file to its end, deliver, checkpoint, exit\n"
             "            (0, or 1 when a line could not be delivered)\n"
             "  -d        debug logging\n");
}

static uint64_t total_failed(lw_agent *a) {
  uint64_t n = 0;
  for (lw_input *in = a->inputs; in; in = in->next)
    n += in->failed;
  return n;
}

int lw_cmd_run(int argc, char **argv) {
  const char *path = NULL;
  bool debug = false;
  static lw_agent ag; /* one agent per process; static keeps its 26 KiB histogram off the stack */
  lw_agent *a = &ag;
  memset(a, 0, sizeof(*a));
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-c") && i + 1 < argc)
      path = argv[++i];
    else if (!strcmp(argv[i], "--once"))
      a->once = true;
    else if (!strcmp(argv[i], "--check"))
      a->check_only = true;
    else if (!strcmp(argv[i], "-d"))
      debug = true;
    else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage(stdout);
      return LW_EXIT_OK;
    } else {
      usage(stderr);
      return LW_EXIT_USAGE;
    }
  }
  if (!path) {
    usage(stderr);
    return LW_EXIT_USAGE;
  }
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
  if (a->check_only) {
    printf("%s: configuration valid: %zu input%s%s\n", path, a->cfg.ninputs,
           a->cfg.ninputs == 1 ? "" : "s", a->cfg.sys.enabled ? ", [sys]" : "");
    lw_config_free(&a->cfg);
    return LW_EXIT_OK;
  }
  lw_log_set_level(debug ? LW_LOG_DEBUG : a->cfg.agent.log_level);
  /* Benchmark probe (docs/BENCHMARKS.md): when each line was acknowledged, on the monotonic
   * clock every process shares, to measure latency from the writer's write(2) to Kafka's ack. */
  const char *probe = getenv("LOGWIRE_ACK_LOG");
  if (probe && *probe && !(a->ack_log = fopen(probe, "w")))
    lw_log(LW_LOG_WARN, "cannot open LOGWIRE_ACK_LOG", LW_S("path", probe));
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
  a->ctx.loop = a->loop;
  a->ctx.log = lw_log_hook;
  a->ctx.log_ud = "kafka";
  a->ctx.rng = lw_now_us() * 2654435761u + (uint64_t)getpid();
  lw_producer_conf_init(&a->pconf);
  int code = LW_EXIT_OK;
  if (producer_start(a) != LW_OK) {
    code = LW_EXIT_USAGE;
    goto out;
  }
  lw_loop_signal(a->loop, SIGTERM, on_signal, a);
  lw_loop_signal(a->loop, SIGINT, on_signal, a);
  lw_loop_signal(a->loop, SIGHUP, on_signal, a);
  lw_timer_init(&a->tick, on_tick, a);
  lw_timer_start(a->loop, &a->tick, TICK_US);
  lw_timer_init(&a->sys_timer, on_sys, a);
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
  if (lw_loop_run(a->loop) != LW_OK)
    code = LW_EXIT_FAIL;
  if (a->once)
    lw_prepare_stop(a->loop, &once_check);
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
  lw_loop_free(a->loop);
  lw_buf_free(&a->value);
  lw_producer_conf_free(&a->pconf);
  lw_config_free(&a->cfg);
  return code;
}
