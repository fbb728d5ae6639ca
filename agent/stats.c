/* stats.c — the agent's statistics over HTTP: GET /metrics (Prometheus text format) and
 * GET /stats (JSON), from the same numbers: per input lines and bytes read, lag, files open;
 * producer records sent, acknowledged, retried, failed by error name, buffer use, requests in
 * flight; per-broker round-trip time; the read-to-acknowledgement latency histogram. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/buildinfo.h"
#include "base/json.h"
#include "agent/log.h"
#include "base/err.h"
#include "proto/version.h"

static const char *state_name(const lw_input *in) {
  if (in->remove)
    return "stopping";
  switch (in->state) {
    case IN_RUNNING:
      return in->paused ? "waiting_for_kafka" : "running";
    case IN_DRAINING:
      return "draining";
    default:
      return in->failures ? "retrying" : "starting";
  }
}

static void tail_stats(const lw_input *in, lw_tail_stats *s) {
  memset(s, 0, sizeof(*s));
  if (in->tail)
    lw_tail_stats_get(in->tail, s);
}

static uint64_t rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (uint64_t)ru.ru_maxrss;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---- /stats ---- */

static int get_stats(void *ud, const lw_http_req *req, lw_buf *body, const char **ctype) {
  (void)req;
  lw_agent *a = ud;
  lw_json j;
  lw_json_init(&j, body);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "version");
  lw_json_str(&j, LW_VERSION);
  lw_json_key(&j, "host");
  lw_json_str(&j, a->hostname);
  lw_json_key(&j, "uptime_s");
  lw_json_uint(&j, (lw_now_us() - a->started_us) / 1000000u);
  lw_json_key(&j, "inputs");
  lw_json_arr_begin(&j);
  for (const lw_input *in = a->inputs; in; in = in->next) {
    lw_tail_stats s;
    tail_stats(in, &s);
    lw_json_obj_begin(&j);
    lw_json_key(&j, "name");
    lw_json_str(&j, in->name);
    lw_json_key(&j, "topic");
    lw_json_str(&j, in->topic_name);
    lw_json_key(&j, "state");
    lw_json_str(&j, state_name(in));
    const struct {
      const char *k;
      uint64_t v;
    } f[] = {{"lines_read", s.lines},
             {"bytes_read", s.bytes_read},
             {"lines_acked", in->acked},
             {"lines_failed", in->failed},
             {"lines_filtered", in->filtered},
             {"lines_not_json", in->not_json},
             {"lines_in_flight", in->inflight},
             {"lag_bytes", s.lag_bytes},
             {"files_open", s.files_open},
             {"files_tracked", s.files_tracked},
             {"files_rotated", s.files_rotated},
             {"rotations", s.rotations},
             {"truncations", s.truncations},
             {"truncation_copies", s.truncation_copies},
             {"truncation_lost_bytes", s.truncation_lost_bytes},
             {"long_lines", s.long_lines},
             {"read_errors", s.read_errors},
             {"checkpoint_writes", s.checkpoint_writes},
             {"checkpoint_errors", s.checkpoint_errors}};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
      lw_json_key(&j, f[i].k);
      lw_json_uint(&j, f[i].v);
    }
    lw_json_key(&j, "polling");
    lw_json_bool(&j, s.polling);
    /* flat, as the brokers' last_error: "" when none */
    lw_json_key(&j, "last_error");
    lw_json_str(&j, in->last_error);
    lw_json_key(&j, "last_error_time");
    if (in->last_error[0]) {
      char ts[32];
      lw_json_fmt_ts(ts, in->last_error_ms);
      lw_json_str(&j, ts);
    } else {
      lw_json_null(&j);
    }
    lw_json_obj_end(&j);
  }
  lw_json_arr_end(&j);

  lw_producer_stats ps;
  memset(&ps, 0, sizeof ps);
  if (a->prod)
    lw_producer_stats_get(a->prod, &ps);
  lw_json_key(&j, "producer");
  lw_json_obj_begin(&j);
  const struct {
    const char *k;
    uint64_t v;
  } p[] = {{"records_sent", ps.records_sent},
           {"records_acked", ps.records_acked},
           {"records_retried", ps.records_retried},
           {"records_failed", ps.records_failed},
           {"buffer_bytes", ps.buffered_bytes},
           {"buffer_limit_bytes", ps.buffer_limit},
           {"requests_in_flight", (uint64_t)ps.inflight_requests},
           {"requests_sent", ps.requests_sent},
           {"batches_sent", ps.batches_sent},
           {"bytes_sent", ps.bytes_sent}};
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) {
    lw_json_key(&j, p[i].k);
    lw_json_uint(&j, p[i].v);
  }
  lw_json_key(&j, "failed_by_error");
  lw_json_obj_begin(&j);
  for (int i = 0; i < ps.nfail; i++) {
    lw_json_key(&j, lw_err_name(ps.fail[i].err));
    lw_json_uint(&j, ps.fail[i].count);
  }
  lw_json_obj_end(&j);
  lw_json_key(&j, "idempotent");
  lw_json_bool(&j, ps.idempotent);
  lw_json_obj_end(&j);

  lw_json_key(&j, "brokers");
  lw_json_arr_begin(&j);
  const lw_broker_info *b;
  for (int i = 0; a->prod && lw_cluster_broker(lw_producer_cluster(a->prod), i, &b); i++) {
    lw_json_obj_begin(&j);
    lw_json_key(&j, "id");
    lw_json_int(&j, b->id);
    lw_json_key(&j, "address");
    lw_json_str(&j, lw_conn_name(b->conn));
    lw_json_key(&j, "state");
    lw_json_str(&j, lw_conn_state_name(lw_conn_state(b->conn)));
    lw_json_key(&j, "rtt_us");
    lw_json_uint(&j, lw_conn_rtt_us(b->conn));
    lw_json_key(&j, "rtt_avg_us");
    lw_json_uint(&j, lw_conn_rtt_avg_us(b->conn));
    lw_json_key(&j, "connection_errors");
    lw_json_uint(&j, lw_conn_errors(b->conn));
    lw_json_key(&j, "last_error");
    lw_json_str(&j, lw_conn_last_error(b->conn));
    lw_json_obj_end(&j);
  }
  const lw_conn *bc;
  for (int i = 0; a->prod && lw_cluster_bootstrap(lw_producer_cluster(a->prod), i, &bc); i++) {
    lw_json_obj_begin(&j);
    lw_json_key(&j, "id");
    lw_json_str(&j, "bootstrap");
    lw_json_key(&j, "address");
    lw_json_str(&j, lw_conn_name(bc));
    lw_json_key(&j, "state");
    lw_json_str(&j, lw_conn_state_name(lw_conn_state(bc)));
    lw_json_key(&j, "connection_errors");
    lw_json_uint(&j, lw_conn_errors(bc));
    lw_json_key(&j, "last_error");
    lw_json_str(&j, lw_conn_last_error(bc));
    lw_json_obj_end(&j);
  }
  lw_json_arr_end(&j);

  lw_hist_summary h;
  lw_hist_summarize(&a->latency, &h);
  lw_json_key(&j, "latency_us");
  lw_json_obj_begin(&j);
  const struct {
    const char *k;
    uint64_t v;
  } l[] = {{"count", h.count}, {"p50", h.p50},   {"p90", h.p90},
           {"p99", h.p99},     {"p999", h.p999}, {"max", h.max}};
  for (size_t i = 0; i < sizeof l / sizeof *l; i++) {
    lw_json_key(&j, l[i].k);
    lw_json_uint(&j, l[i].v);
  }
  lw_json_obj_end(&j);
  lw_json_key(&j, "sys");
  lw_json_obj_begin(&j);
  lw_json_key(&j, "samples_sent");
  lw_json_uint(&j, a->sys_sent);
  lw_json_key(&j, "samples_dropped");
  lw_json_uint(&j, a->sys_dropped);
  lw_json_obj_end(&j);
  lw_json_key(&j, "reloads");
  lw_json_uint(&j, a->reloads);
  lw_json_key(&j, "reload_errors");
  lw_json_uint(&j, a->reload_errors);
  lw_json_key(&j, "process");
  lw_json_obj_begin(&j);
  lw_json_key(&j, "peak_rss_kb");
  lw_json_uint(&j, rss_kb());
  lw_json_key(&j, "cpu_s");
  lw_json_double(&j, cpu_s());
  lw_json_obj_end(&j);
  lw_json_obj_end(&j);
  lw_buf_put_u8(body, '\n');
  *ctype = "application/json";
  return lw_json_finish(&j) == LW_OK ? 200 : 500;
}

/* ---- /metrics ---- */

static void put(lw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(lw_buf *b, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0)
    lw_buf_append(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void head(lw_buf *b, const char *name, const char *type, const char *help) {
  put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values are names from the config: escape what Prometheus requires. */
static const char *lv(const char *s, char *out, size_t n) {
  size_t o = 0;
  for (; s && *s && o + 3 < n; s++) {
    if (*s == '"' || *s == '\\')
      out[o++] = '\\';
    out[o++] = *s == '\n' ? ' ' : *s;
  }
  out[o] = 0;
  return out;
}

/* Per broker (and per bootstrap address, which is all there is until the first metadata):
 * whether it is connected, since when it is unreachable, and connection errors. */
static void broker_line(lw_buf *body, const char *metric, const char *id, const lw_conn *c,
                        int which, uint64_t now) {
  char e1[256];
  uint64_t down = lw_conn_down_since_us(c);
  double v = which == 0   ? (lw_conn_state(c) == LW_CONN_READY)
             : which == 1 ? (double)lw_conn_errors(c)
                          : (down ? (double)(now - down) / 1e6 : 0);
  put(body, "%s{broker=\"%s\",address=\"%s\"} %.6g\n", metric, id,
      lv(lw_conn_name(c), e1, sizeof e1), v);
}

static void broker_lines(lw_buf *body, const char *metric, const lw_agent *a, int which) {
  lw_cluster *cl = a->prod ? lw_producer_cluster(a->prod) : NULL;
  uint64_t now = lw_now_us();
  const lw_broker_info *b;
  const lw_conn *c;
  char id[16];
  for (int i = 0; cl && lw_cluster_broker(cl, i, &b); i++) {
    snprintf(id, sizeof id, "%d", (int)b->id);
    broker_line(body, metric, id, b->conn, which, now);
  }
  for (int i = 0; cl && lw_cluster_bootstrap(cl, i, &c); i++)
    broker_line(body, metric, "bootstrap", c, which, now);
}

static void brokers_metrics(const lw_agent *a, lw_buf *body) {
  head(body, "logwire_broker_up", "gauge",
       "1 while connected to the broker (bootstrap connections close once metadata names the "
       "brokers).");
  broker_lines(body, "logwire_broker_up", a, 0);
  head(body, "logwire_broker_connection_errors_total", "counter",
       "Failed attempts to connect and lost connections.");
  broker_lines(body, "logwire_broker_connection_errors_total", a, 1);
  head(body, "logwire_broker_unreachable_seconds", "gauge",
       "How long the broker has been unreachable (0 when it is not).");
  broker_lines(body, "logwire_broker_unreachable_seconds", a, 2);
}

/* The read-to-acknowledgement latency as a Prometheus histogram. A bucket's count holds the
 * values of the histogram's fine buckets that end at or below its bound, so a count is never
 * more than the truth (values within 1% under a bound may count in the next bucket). */
static void latency_metrics(const lw_agent *a, lw_buf *body) {
  static const double le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                              0.5,   1,      2.5,   5,    10,    30,   60,  300};
  const lw_hist *h = &a->latency;
  head(body, "logwire_delivery_latency_seconds", "histogram",
       "From a line's read to Kafka's acknowledgement.");
  uint64_t cum = 0;
  int idx = 0;
  for (size_t k = 0; k < sizeof le / sizeof *le; k++) {
    uint64_t bound = (uint64_t)(le[k] * 1e6);
    while (idx < LW_HIST_BUCKETS && lw_hist_bucket_high(idx) <= bound)
      cum += h->b[idx++];
    put(body, "logwire_delivery_latency_seconds_bucket{le=\"%g\"} %" PRIu64 "\n", le[k], cum);
  }
  put(body, "logwire_delivery_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", h->count);
  put(body, "logwire_delivery_latency_seconds_sum %.6f\n", (double)h->sum / 1e6);
  put(body, "logwire_delivery_latency_seconds_count %" PRIu64 "\n", h->count);
  head(body, "logwire_delivery_latency_max_seconds", "gauge",
       "The longest read-to-acknowledgement time since the start.");
  put(body, "logwire_delivery_latency_max_seconds %.6f\n", (double)h->max / 1e6);
}

/* The process_* metrics every Prometheus client library exports, under their usual names. */
static void process_metrics(const lw_agent *a, lw_buf *body) {
  head(body, "process_cpu_seconds_total", "counter", "User and system CPU time spent.");
  put(body, "process_cpu_seconds_total %.3f\n", cpu_s());
  long page = sysconf(_SC_PAGESIZE);
  unsigned long vsz = 0, rss = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%lu %lu", &vsz, &rss) != 2)
      vsz = rss = 0;
    fclose(f);
  }
  head(body, "process_resident_memory_bytes", "gauge", "Resident memory size.");
  put(body, "process_resident_memory_bytes %lu\n", rss * (unsigned long)page);
  head(body, "process_virtual_memory_bytes", "gauge", "Virtual memory size.");
  put(body, "process_virtual_memory_bytes %lu\n", vsz * (unsigned long)page);
  int fds = 0;
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    for (struct dirent *e; (e = readdir(d));)
      fds += e->d_name[0] != '.';
    closedir(d);
    fds--; /* the directory's own descriptor */
  }
  head(body, "process_open_fds", "gauge", "Open file descriptors.");
  put(body, "process_open_fds %d\n", fds);
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    head(body, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
    put(body, "process_max_fds %llu\n", (unsigned long long)rl.rlim_cur);
  }
  head(body, "process_start_time_seconds", "gauge", "Start time since the Unix epoch.");
  put(body, "process_start_time_seconds %.3f\n",
      (double)lw_wall_ms() / 1e3 - (double)(lw_now_us() - a->started_us) / 1e6);
}

static int get_metrics(void *ud, const lw_http_req *req, lw_buf *body, const char **ctype) {
  (void)req;
  lw_agent *a = ud;
  char e1[256];
  static const struct {
    const char *name, *type, *help;
    int field;
  } im[] = {
      {"logwire_input_lines_total", "counter", "Lines read from the input's files.", 0},
      {"logwire_input_bytes_total", "counter", "Bytes read from the input's files.", 1},
      {"logwire_input_lines_acked_total", "counter", "Lines acknowledged by Kafka.", 2},
      {"logwire_input_lines_failed_total", "counter", "Lines Kafka refused for good (skipped).", 3},
      {"logwire_input_lag_bytes", "gauge", "File bytes not yet acknowledged by Kafka.", 4},
      {"logwire_input_files_open", "gauge", "Files open.", 5},
      {"logwire_input_rotations_total", "counter", "Files rotated away or deleted.", 6},
      {"logwire_input_truncations_total", "counter", "Files truncated (read again from 0).", 7},
      {"logwire_input_long_lines_total", "counter", "Lines over max_line_bytes.", 8},
      {"logwire_input_read_errors_total", "counter", "Failed open, read or fstat calls.", 9},
      {"logwire_input_checkpoint_errors_total", "counter",
       "Failed checkpoint writes and corrupt checkpoint generations found at load.", 10},
      {"logwire_input_lines_in_flight", "gauge",
       "Lines handed to the producer, not yet "
       "acknowledged.",
       11},
      {"logwire_input_up", "gauge", "1 while the input runs, 0 while it starts or retries.", 12},
      {"logwire_input_files_rotated", "gauge",
       "Rotated (renamed or deleted) files still open: draining or within rotate_wait_ms.", 13},
      {"logwire_input_truncation_lost_bytes_total", "counter",
       "Bytes seen unread in truncated files whose copy was not found (possibly lost).", 14},
  };
  for (size_t k = 0; k < sizeof im / sizeof *im; k++) {
    head(body, im[k].name, im[k].type, im[k].help);
    for (const lw_input *in = a->inputs; in; in = in->next) {
      lw_tail_stats s;
      tail_stats(in, &s);
      uint64_t v[] = {s.lines,
                      s.bytes_read,
                      in->acked,
                      in->failed,
                      s.lag_bytes,
                      s.files_open,
                      s.rotations,
                      s.truncations,
                      s.long_lines,
                      s.read_errors,
                      s.checkpoint_errors,
                      in->inflight,
                      in->state == IN_RUNNING,
                      s.files_rotated,
                      s.truncation_lost_bytes};
      put(body, "%s{input=\"%s\"} %" PRIu64 "\n", im[k].name, lv(in->name, e1, sizeof e1),
          v[im[k].field]);
    }
  }
  lw_producer_stats ps;
  memset(&ps, 0, sizeof ps);
  if (a->prod)
    lw_producer_stats_get(a->prod, &ps);
  head(body, "logwire_records_sent_total", "counter", "Records handed to the producer.");
  put(body, "logwire_records_sent_total %" PRIu64 "\n", ps.records_sent);
  head(body, "logwire_records_acked_total", "counter", "Records acknowledged by Kafka.");
  put(body, "logwire_records_acked_total %" PRIu64 "\n", ps.records_acked);
  head(body, "logwire_records_retried_total", "counter", "Records sent again after an error.");
  put(body, "logwire_records_retried_total %" PRIu64 "\n", ps.records_retried);
  head(body, "logwire_records_failed_total", "counter", "Records not delivered, by error name.");
  for (int i = 0; i < ps.nfail; i++)
    put(body, "logwire_records_failed_total{error=\"%s\"} %" PRIu64 "\n",
        lw_err_name(ps.fail[i].err), ps.fail[i].count);
  head(body, "logwire_buffer_bytes", "gauge",
       "Bytes of records the producer holds (encoded size, batched or in flight) until Kafka "
       "acknowledges them; at logwire_buffer_limit_bytes the inputs pause reading.");
  put(body, "logwire_buffer_bytes %zu\n", ps.buffered_bytes);
  head(body, "logwire_buffer_limit_bytes", "gauge",
       "Ceiling on logwire_buffer_bytes (the smaller of read_ahead_bytes and buffer_bytes).");
  put(body, "logwire_buffer_limit_bytes %zu\n", ps.buffer_limit);
  head(body, "logwire_requests_in_flight", "gauge", "Produce requests awaiting an answer.");
  put(body, "logwire_requests_in_flight %d\n", ps.inflight_requests);
  head(body, "logwire_broker_rtt_seconds", "gauge", "Last request round trip per broker.");
  const lw_broker_info *b;
  for (int i = 0; a->prod && lw_cluster_broker(lw_producer_cluster(a->prod), i, &b); i++)
    put(body, "logwire_broker_rtt_seconds{broker=\"%d\",address=\"%s\"} %.6f\n", (int)b->id,
        lv(lw_conn_name(b->conn), e1, sizeof e1), (double)lw_conn_rtt_us(b->conn) / 1e6);
  brokers_metrics(a, body);
  latency_metrics(a, body);
  head(body, "logwire_sys_samples_total", "counter", "Sys Agent samples sent / dropped.");
  put(body, "logwire_sys_samples_total{result=\"sent\"} %" PRIu64 "\n", a->sys_sent);
  put(body, "logwire_sys_samples_total{result=\"dropped\"} %" PRIu64 "\n", a->sys_dropped);
  head(body, "logwire_config_reloads_total", "counter", "Configuration reloads, by result.");
  put(body, "logwire_config_reloads_total{result=\"ok\"} %" PRIu64 "\n", a->reloads);
  put(body, "logwire_config_reloads_total{result=\"refused\"} %" PRIu64 "\n", a->reload_errors);
  head(body, "logwire_process_peak_rss_bytes", "gauge", "Peak resident memory.");
  put(body, "logwire_process_peak_rss_bytes %" PRIu64 "\n", rss_kb() * 1024);
  process_metrics(a, body);
  head(body, "logwire_build_info", "gauge", "Always 1; the labels say what this binary is.");
  put(body, "logwire_build_info{version=\"%s\",commit=\"%s\",tls=\"%s\",static=\"%s\"} 1\n",
      LW_VERSION, lw_build_commit(), lw_build_tls(), lw_build_static() ? "true" : "false");
  *ctype = "text/plain; version=0.0.4; charset=utf-8";
  return body->err ? 500 : 200;
}

int lw_agent_stats_json(lw_agent *a, lw_buf *body) {
  const char *ct;
  lw_http_req req = {.method = "GET", .path = "/stats", .query = ""};
  get_stats(a, &req, body, &ct);
  return body->err;
}

/* ---- /health, / ---- */

/* Ready: the producer runs, no broker is unreachable, and every input runs (none waits to
 * retry a failed start). Live: the event loop answers (any answer at all). */
static int get_health(void *ud, const lw_http_req *req, lw_buf *body, const char **ctype) {
  lw_agent *a = ud;
  bool live_only = !strcmp(req->path, "/health/live");
  int unreachable = 0, failing = 0;
  lw_cluster *cl = a->prod ? lw_producer_cluster(a->prod) : NULL;
  const lw_broker_info *b;
  const lw_conn *c;
  for (int i = 0; cl && lw_cluster_broker(cl, i, &b); i++)
    unreachable += lw_conn_down_since_us(b->conn) != 0;
  for (int i = 0; cl && lw_cluster_bootstrap(cl, i, &c); i++)
    unreachable += lw_conn_down_since_us(c) != 0;
  for (const lw_input *in = a->inputs; in; in = in->next)
    failing += in->state == IN_STARTING && in->failures > 0;
  bool ready = a->prod && !a->stopping && !unreachable && !failing;
  lw_json j;
  lw_json_init(&j, body);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "status");
  lw_json_str(&j, live_only ? "live" : ready ? "ready" : "not_ready");
  lw_json_key(&j, "live");
  lw_json_bool(&j, true);
  lw_json_key(&j, "ready");
  lw_json_bool(&j, ready);
  lw_json_key(&j, "brokers_unreachable");
  lw_json_int(&j, unreachable);
  lw_json_key(&j, "inputs_failing");
  lw_json_int(&j, failing);
  lw_json_key(&j, "stopping");
  lw_json_bool(&j, a->stopping);
  lw_json_obj_end(&j);
  lw_buf_put_u8(body, '\n');
  *ctype = "application/json";
  if (lw_json_finish(&j) != LW_OK)
    return 500;
  return live_only || ready ? 200 : 503;
}

static int get_index(void *ud, const lw_http_req *req, lw_buf *body, const char **ctype) {
  (void)ud, (void)req;
  static const char text[] =
      "logwire " LW_VERSION "\n"
      "\n"
      "/metrics       Prometheus text format\n"
      "/stats         the same numbers as JSON (logwire stats)\n"
      "/health        200 when ready (Kafka reachable, every input running), else 503\n"
      "/health/ready  the same\n"
      "/health/live   200 while the agent's event loop answers\n";
  lw_buf_append(body, text, sizeof text - 1);
  *ctype = "text/plain; charset=utf-8";
  return 200;
}

int lw_agent_http_start(lw_agent *a) {
  const char *addr = a->cfg.agent.http;
  if (!addr || !*addr)
    return LW_OK;
  lw_http_opts o = {0};
  int rc = lw_http_new(a->loop, addr, &o, &a->http);
  if (rc != LW_OK) {
    lw_log(LW_LOG_ERROR, "cannot serve statistics", LW_S("http", addr), LW_E(rc),
           LW_S("reason", rc == LW_ERR_IO ? strerror(errno) : lw_err_str(rc)));
    a->http = NULL;
    return rc;
  }
  lw_http_route(a->http, "/metrics", get_metrics, a);
  lw_http_route(a->http, "/stats", get_stats, a);
  lw_http_route(a->http, "/health", get_health, a);
  lw_http_route(a->http, "/health/ready", get_health, a);
  lw_http_route(a->http, "/health/live", get_health, a);
  lw_http_route(a->http, "/", get_index, a);
  lw_log(LW_LOG_INFO, "statistics served", LW_S("http", addr), LW_I("port", lw_http_port(a->http)));
  return LW_OK;
}

void lw_agent_http_stop(lw_agent *a) {
  if (a->http)
    lw_http_free(a->http);
  a->http = NULL;
}
