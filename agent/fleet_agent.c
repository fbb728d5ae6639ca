/* fleet_agent.c — the agent's side of the fleet (docs/FLEET.md): its inputs read from etcd
 * and merged with the local file, changes watched and applied through the same reload as
 * SIGHUP, the last applied configuration cached in state_dir, and the status key kept alive
 * under a lease.
 *
 * Revisions: the first read (one txn over the keys) gives revision R; the watch starts at
 * R + 1. Each event moves last_rev to its kv's mod_revision; a broken stream resumes at
 * last_rev + 1, so nothing is missed or applied twice. A watch cancelled for compaction
 * (its start revision is gone) reads everything again.
 *
 * Failures: any failed call marks an outage (one warning, then quiet), retries with a backoff
 * doubling from 500 ms to 30 s (with jitter); the first success ends it (one info line).
 * Shipping never waits for etcd. */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/log.h"
#include "base/json.h"
#include "fleet/etcd_client.h"
#include "fleet/etcd_msg.h"
#include "fleet/layout.h"
#include "net/secret.h"
#include "base/err.h"
#include "proto/version.h"

#define LEASE_TTL_S     15
#define STATUS_EVERY_US 5000000u
#define BACKOFF_MIN_MS  500u
#define BACKOFF_MAX_MS  30000u
#define CACHE_MAGIC     "logwire-etcd-cache 1\n"

typedef struct fkey {
  char key[512];
  lw_buf applied, pending; /* the values (INI or JSON text) */
  bool applied_set, pending_set;
  int64_t pending_rev; /* mod_revision of the pending value */
} fkey;

struct lw_fleet {
  lw_agent *a;
  lw_etcd *etcd;
  fkey k[2];
  int nk;
  bool json; /* config_key: the tutorial JSON layout */
  char status_key[512];
  int64_t last_rev;    /* revision seen: the read's, then each event's */
  int64_t applied_rev; /* configuration revision applied */
  char error[600];     /* the last refusal, "" when the last change was applied */
  int64_t error_rev;
  bool have_read;
  lw_etcd_call *read, *watch, *lease_call, *put_call;
  bool put_again;
  int64_t lease;
  lw_timer retry, status;
  uint64_t backoff_ms, rng;
  bool outage;
  char cache_path[4096];
  bool cache_dirty; /* applied changed: cache_write once the status write is on its way */
  uint64_t prev_lines, prev_us;
  double lines_per_s;
};

static void start_read(lw_fleet *f);
static void start_watch(lw_fleet *f);
static void put_status(lw_fleet *f);

/* ---- Outages and retries ---- */

static void note_failure(lw_fleet *f, const char *what, const char *why) {
  if (!f->outage)
    lw_log(LW_LOG_WARN,
           "etcd unreachable: shipping goes on with the configuration in use; retrying with "
           "backoff (check [etcd] endpoints and etcd itself)",
           LW_S("during", what), LW_S("reason", why));
  f->outage = true;
}

static void note_success(lw_fleet *f) {
  if (f->outage)
    lw_log(LW_LOG_INFO, "etcd reachable again", LW_S("endpoint", lw_etcd_endpoint(f->etcd)));
  f->outage = false;
  f->backoff_ms = 0;
}

static void schedule_retry(lw_fleet *f) {
  if (lw_timer_active(&f->retry))
    return;
  f->backoff_ms = f->backoff_ms ? f->backoff_ms * 2 : BACKOFF_MIN_MS;
  if (f->backoff_ms > BACKOFF_MAX_MS)
    f->backoff_ms = BACKOFF_MAX_MS;
  f->rng = f->rng * 6364136223846793005u + 1442695040888963407u;
  uint64_t jitter = (f->rng >> 33) % (f->backoff_ms / 5 + 1); /* up to +20% */
  lw_timer_start(f->a->loop, &f->retry, (f->backoff_ms + jitter) * 1000);
}

static void on_retry(lw_loop *l, lw_timer *t, void *ud) {
  (void)l;
  (void)t;
  lw_fleet *f = ud;
  if (!f->have_read)
    start_read(f);
  else
    start_watch(f);
}

/* ---- Cache ---- */

static void cache_write(lw_fleet *f) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", f->cache_path);
  FILE *fp = fopen(tmp, "w");
  if (!fp) {
    lw_log(LW_LOG_WARN,
           "cannot write the etcd cache: an agent started while etcd is down will "
           "run without the inputs from etcd",
           LW_S("path", tmp), LW_S("reason", strerror(errno)));
    return;
  }
  fputs(CACHE_MAGIC, fp);
  fprintf(fp, "%lld\n", (long long)f->applied_rev);
  for (int i = 0; i < f->nk; i++) {
    fkey *k = &f->k[i];
    fprintf(fp, "%s\n%d %zu\n", k->key, k->applied_set, k->applied.len);
    if (k->applied.len)
      fwrite(k->applied.data, 1, k->applied.len, fp);
    fputc('\n', fp);
  }
  bool ok = fflush(fp) == 0 && fsync(fileno(fp)) == 0;
  ok &= fclose(fp) == 0;
  if (!ok || rename(tmp, f->cache_path) != 0) {
    lw_log(LW_LOG_WARN, "cannot write the etcd cache", LW_S("path", f->cache_path),
           LW_S("reason", strerror(errno)));
    unlink(tmp);
  }
}

/* The cache is written after the status write has gone out: its fsync blocks the loop, and
 * the operator waits for the status. */
static void cache_flush(lw_fleet *f) {
  if (f->cache_dirty) {
    f->cache_dirty = false;
    cache_write(f);
  }
}

/* Load the cache into applied and pending. Entries for other keys (the layout changed) are
 * ignored. */
static void cache_read(lw_fleet *f) {
  FILE *fp = fopen(f->cache_path, "r");
  if (!fp)
    return;
  char line[600];
  long long rev = 0;
  char hdr[64];
  /* Line by line: fscanf's "\n" would also eat the start of a value. */
  if (!fgets(line, sizeof line, fp) || strcmp(line, CACHE_MAGIC) != 0 ||
      !fgets(hdr, sizeof hdr, fp) || sscanf(hdr, "%lld", &rev) != 1)
    goto bad;
  while (fgets(line, sizeof line, fp)) {
    line[strcspn(line, "\n")] = 0;
    int set;
    size_t n;
    if (!fgets(hdr, sizeof hdr, fp) || sscanf(hdr, "%d %zu", &set, &n) != 2 || n > LW_ETCD_MAX_BODY)
      goto bad;
    fkey *k = NULL;
    for (int i = 0; i < f->nk; i++)
      if (strcmp(f->k[i].key, line) == 0)
        k = &f->k[i];
    char *v = malloc(n + 1);
    if (!v || fread(v, 1, n, fp) != n || fgetc(fp) != '\n') {
      free(v);
      goto bad;
    }
    if (k) {
      lw_buf_reset(&k->applied);
      lw_buf_append(&k->applied, v, n);
      lw_buf_reset(&k->pending);
      lw_buf_append(&k->pending, v, n);
      k->applied_set = k->pending_set = set != 0;
    }
    free(v);
  }
  f->applied_rev = rev;
  fclose(fp);
  lw_log(LW_LOG_INFO, "configuration from etcd taken from the cache until etcd answers",
         LW_S("path", f->cache_path), LW_I("revision", rev));
  return;
bad:
  fclose(fp);
  for (int i = 0; i < f->nk; i++) {
    lw_buf_reset(&f->k[i].applied);
    lw_buf_reset(&f->k[i].pending);
    f->k[i].applied_set = f->k[i].pending_set = false;
  }
  lw_log(LW_LOG_WARN, "etcd cache unreadable: ignored", LW_S("path", f->cache_path));
}

/* ---- Merging and applying ---- */

int lw_fleet_merge(lw_agent *a, lw_config *c, lw_diag *d) {
  lw_fleet *f = a->fleet;
  if (!f)
    return LW_OK;
  int rc = LW_OK;
  for (int i = 0; i < f->nk && rc != LW_ERR_NOMEM; i++) {
    fkey *k = &f->k[i];
    if (!k->pending_set || !k->pending.len)
      continue;
    char origin[600];
    snprintf(origin, sizeof origin, "etcd %s@%lld", k->key, (long long)k->pending_rev);
    const char *text = (const char *)k->pending.data;
    size_t len = k->pending.len;
    lw_buf ini;
    lw_buf_init(&ini, LW_ETCD_MAX_BODY * 2);
    if (f->json || lw_fleet_is_json(text, len)) {
      char why[300];
      int jrc = lw_fleet_json_to_ini(text, len, &ini, why, sizeof why);
      if (jrc != LW_OK) {
        lw_diag_add(d, LW_DIAG_ERROR, origin, 0, NULL, "%s", why);
        lw_buf_free(&ini);
        rc = LW_ERR_CONFIG;
        continue;
      }
      text = ini.data ? (const char *)ini.data : "";
      len = ini.len;
    }
    int mrc = lw_config_merge(c, origin, text, len, d);
    if (mrc != LW_OK)
      rc = mrc;
    lw_buf_free(&ini);
  }
  return rc;
}

static bool same(const lw_buf *x, bool xs, const lw_buf *y, bool ys) {
  return xs == ys && x->len == y->len && (!x->len || memcmp(x->data, y->data, x->len) == 0);
}

/* Apply the pending values (when they differ from the applied ones) at revision rev. */
static void apply(lw_fleet *f, int64_t rev, const char *why) {
  bool changed = false;
  for (int i = 0; i < f->nk; i++)
    changed |= !same(&f->k[i].pending, f->k[i].pending_set, &f->k[i].applied, f->k[i].applied_set);
  if (changed) {
    char err[512] = "";
    char trigger[80];
    snprintf(trigger, sizeof trigger, "etcd revision %lld (%s)", (long long)rev, why);
    if (lw_agent_reload(f->a, trigger, err, sizeof err) != LW_OK) {
      snprintf(f->error, sizeof f->error, "%s", err[0] ? err : "configuration refused");
      f->error_rev = rev;
      lw_log(LW_LOG_ERROR, "configuration from etcd refused; the running one is kept",
             LW_I("revision", rev), LW_S("key", f->k[f->nk - 1].key), LW_S("error", f->error));
      for (int i = 0; i < f->nk; i++) { /* a later reload must not pick the refused text up */
        lw_buf_reset(&f->k[i].pending);
        lw_buf_append(&f->k[i].pending, f->k[i].applied.data, f->k[i].applied.len);
        f->k[i].pending_set = f->k[i].applied_set;
      }
      put_status(f);
      return;
    }
    for (int i = 0; i < f->nk; i++) {
      lw_buf_reset(&f->k[i].applied);
      lw_buf_append(&f->k[i].applied, f->k[i].pending.data, f->k[i].pending.len);
      f->k[i].applied_set = f->k[i].pending_set;
    }
  }
  f->error[0] = 0;
  f->error_rev = 0;
  if (rev != f->applied_rev || changed) {
    f->applied_rev = rev;
    f->cache_dirty = true;
  }
  put_status(f);
  if (!f->put_call) /* no status write to wait for (no lease yet) */
    cache_flush(f);
}

/* ---- Reading ---- */

static void read_done(void *ud, int err, int status, const uint8_t *body, size_t len,
                      const char *why) {
  lw_fleet *f = ud;
  f->read = NULL;
  lw_jtok *toks = NULL;
  char reason[400];
  if (err != LW_OK) {
    note_failure(f, "read", why);
    goto retry;
  }
  toks = malloc(LW_ETCD_MAX_TOKENS * sizeof *toks);
  lw_etcd_resp r;
  if (!toks || lw_etcd_resp_parse(&r, (const char *)body, len, toks, LW_ETCD_MAX_TOKENS) != LW_OK) {
    note_failure(f, "read", "unreadable answer");
    goto retry;
  }
  if (r.code || status != 200) {
    snprintf(reason, sizeof reason, "HTTP %d: %s", status, r.code ? r.message : "");
    note_failure(f, "read", reason);
    goto retry;
  }
  note_success(f);
  for (int i = 0; i < f->nk; i++) {
    fkey *k = &f->k[i];
    int kvs = lw_etcd_kvs(&r, lw_etcd_txn_response(&r, (uint32_t)i, "response_range"));
    int kv = lw_jdoc_at(&r.doc, kvs, 0);
    lw_buf_reset(&k->pending);
    k->pending_set = false;
    k->pending_rev = r.revision;
    if (kv >= 0) {
      lw_etcd_kv e;
      lw_buf_init(&e.key, 4096);
      lw_buf_init(&e.value, LW_ETCD_MAX_BODY);
      if (lw_etcd_kv_decode(&r.doc, kv, &e) == LW_OK) {
        lw_buf_append(&k->pending, e.value.data, e.value.len);
        k->pending_set = true;
        k->pending_rev = e.mod_revision;
      }
      lw_buf_free(&e.key);
      lw_buf_free(&e.value);
    }
  }
  free(toks);
  f->have_read = true;
  f->last_rev = r.revision;
  apply(f, r.revision, "read");
  start_watch(f);
  return;
retry:
  free(toks);
  schedule_retry(f);
}

static void start_read(lw_fleet *f) {
  if (f->read)
    return;
  const char *keys[2] = {f->k[0].key, f->k[1].key};
  lw_buf b;
  lw_buf_init(&b, 8192);
  lw_etcd_multi_get_body(&b, keys, (size_t)f->nk);
  if (lw_etcd_post(f->etcd, "/v3/kv/txn", b.data, b.len, read_done, f, &f->read) != LW_OK)
    schedule_retry(f);
  lw_buf_free(&b);
}

/* ---- Watching ---- */

static void on_watch_line(void *ud, const uint8_t *line, size_t len) {
  lw_fleet *f = ud;
  lw_jtok *toks = malloc(LW_ETCD_MAX_TOKENS * sizeof *toks);
  lw_etcd_resp r;
  if (!toks || lw_etcd_resp_parse(&r, (const char *)line, len, toks, LW_ETCD_MAX_TOKENS) != LW_OK) {
    free(toks);
    lw_log(LW_LOG_WARN, "unreadable watch message from etcd: watching again");
    lw_etcd_cancel(f->watch);
    f->watch = NULL;
    schedule_retry(f);
    return;
  }
  if (r.code) {
    note_failure(f, "watch", r.message);
    free(toks);
    lw_etcd_cancel(f->watch);
    f->watch = NULL;
    schedule_retry(f);
    return;
  }
  note_success(f);
  lw_etcd_watch_info w;
  lw_etcd_watch_info_get(&r, &w);
  if (w.canceled) {
    free(toks);
    lw_etcd_cancel(f->watch);
    f->watch = NULL;
    if (w.compact_revision > 0) {
      lw_log(LW_LOG_INFO,
             "etcd compacted past the watched revision: reading the configuration again",
             LW_I("compact_revision", w.compact_revision), LW_I("from", f->last_rev + 1));
      f->have_read = false;
      start_read(f);
    } else {
      schedule_retry(f);
    }
    return;
  }
  int64_t rev = 0;
  for (uint32_t i = 0; i < w.nevents; i++) {
    bool deleted;
    int kv = lw_etcd_event(&r, &w, i, &deleted);
    lw_etcd_kv e;
    lw_buf_init(&e.key, 4096);
    lw_buf_init(&e.value, LW_ETCD_MAX_BODY);
    if (kv >= 0 && lw_etcd_kv_decode(&r.doc, kv, &e) == LW_OK) {
      for (int j = 0; j < f->nk; j++) {
        fkey *k = &f->k[j];
        if (e.key.len != strlen(k->key) || memcmp(e.key.data, k->key, e.key.len) != 0)
          continue;
        lw_buf_reset(&k->pending);
        if (!deleted)
          lw_buf_append(&k->pending, e.value.data, e.value.len);
        k->pending_set = !deleted;
        k->pending_rev = e.mod_revision;
      }
      if (e.mod_revision > rev)
        rev = e.mod_revision;
    }
    lw_buf_free(&e.key);
    lw_buf_free(&e.value);
  }
  free(toks);
  if (rev > f->last_rev) {
    f->last_rev = rev;
    apply(f, rev, "watch");
  }
}

static void on_watch_end(void *ud, int err, int status, const uint8_t *body, size_t len,
                         const char *why) {
  (void)body;
  (void)len;
  lw_fleet *f = ud;
  f->watch = NULL;
  char reason[400];
  snprintf(reason, sizeof reason, "%s%s", why,
           err == LW_OK && status != 200 ? " (HTTP error answer)" : "");
  note_failure(f, "watch", reason);
  schedule_retry(f);
}

static void start_watch(lw_fleet *f) {
  if (f->watch)
    return;
  const char *keys[2] = {f->k[0].key, f->k[1].key};
  lw_buf b;
  lw_buf_init(&b, 8192);
  lw_etcd_watch_body(&b, keys, (size_t)f->nk, f->last_rev + 1);
  if (lw_etcd_stream(f->etcd, "/v3/watch", b.data, b.len, on_watch_line, on_watch_end, f,
                     &f->watch) != LW_OK)
    schedule_retry(f);
  lw_buf_free(&b);
}

/* ---- Status ---- */

static void status_json(lw_fleet *f, lw_buf *out) {
  lw_agent *a = f->a;
  lw_buf stats;
  lw_buf_init(&stats, 4u << 20);
  lw_agent_stats_json(a, &stats);
  uint64_t lines = 0, now = lw_now_us();
  for (lw_input *in = a->inputs; in; in = in->next)
    lines += in->acked;
  if (f->prev_us && now > f->prev_us)
    f->lines_per_s = (double)(lines - f->prev_lines) * 1e6 / (double)(now - f->prev_us);
  f->prev_lines = lines;
  f->prev_us = now;
  char ts[32];
  lw_json_fmt_ts(ts, lw_wall_ms() - (int64_t)((now - a->started_us) / 1000));
  lw_json j;
  lw_json_init(&j, out);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "version");
  lw_json_str(&j, LW_VERSION);
  lw_json_key(&j, "host");
  lw_json_str(&j, strrchr(f->status_key, '/') + 1);
  lw_json_key(&j, "pid");
  lw_json_int(&j, getpid());
  lw_json_key(&j, "started");
  lw_json_str(&j, ts);
  lw_json_key(&j, "uptime_s");
  lw_json_uint(&j, (now - a->started_us) / 1000000);
  lw_json_key(&j, "config_revision");
  lw_json_int(&j, f->applied_rev);
  lw_json_key(&j, "config_error");
  if (f->error[0]) {
    lw_json_obj_begin(&j);
    lw_json_key(&j, "revision");
    lw_json_int(&j, f->error_rev);
    lw_json_key(&j, "message");
    lw_json_str(&j, f->error);
    lw_json_obj_end(&j);
  } else {
    lw_json_null(&j);
  }
  lw_json_key(&j, "lines_per_s");
  lw_json_double(&j, f->lines_per_s);
  lw_json_key(&j, "stats");
  if (stats.len && !stats.err)
    lw_json_raw(&j, (const char *)stats.data, stats.len);
  else
    lw_json_null(&j);
  lw_json_obj_end(&j);
  lw_buf_free(&stats);
}

static void lease_done(void *ud, int err, int status, const uint8_t *body, size_t len,
                       const char *why);

static void put_done(void *ud, int err, int status, const uint8_t *body, size_t len,
                     const char *why) {
  lw_fleet *f = ud;
  f->put_call = NULL;
  cache_flush(f);
  lw_jtok toks[64];
  lw_etcd_resp r;
  if (err != LW_OK) {
    note_failure(f, "status", why);
    return;
  }
  if (lw_etcd_resp_parse(&r, (const char *)body, len, toks, 64) == LW_OK && r.code) {
    if (r.code == LW_ETCD_CODE_NOT_FOUND) {
      f->lease = 0; /* the lease expired meanwhile (etcd away longer than its TTL): a new one */
      lw_timer_start(f->a->loop, &f->status, 0);
      return;
    }
    note_failure(f, "status", r.message);
    return;
  }
  (void)status;
  if (f->put_again) {
    f->put_again = false;
    put_status(f);
  }
}

static void put_status(lw_fleet *f) {
  if (!f->lease)
    return; /* written once a lease is granted */
  if (f->put_call) {
    f->put_again = true;
    return;
  }
  lw_buf v, b;
  lw_buf_init(&v, 4u << 20);
  lw_buf_init(&b, 8u << 20);
  status_json(f, &v);
  lw_etcd_put_body(&b, f->status_key, v.data, v.len, f->lease);
  if (!b.err)
    lw_etcd_post(f->etcd, "/v3/kv/put", b.data, b.len, put_done, f, &f->put_call);
  lw_buf_free(&v);
  lw_buf_free(&b);
}

static void lease_done(void *ud, int err, int status, const uint8_t *body, size_t len,
                       const char *why) {
  lw_fleet *f = ud;
  f->lease_call = NULL;
  if (err != LW_OK) {
    note_failure(f, "lease", why);
    return;
  }
  lw_jtok toks[64];
  lw_etcd_resp r;
  const uint8_t *p = body;
  size_t n = len;
  /* keepalive answers as a stream: {"result":{...}}\n */
  while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
    n--;
  if (lw_etcd_resp_parse(&r, (const char *)p, n, toks, 64) != LW_OK || r.code || status != 200) {
    note_failure(f, "lease", r.code ? r.message : "unreadable answer");
    f->lease = 0;
    return;
  }
  int64_t id = lw_etcd_lease_id(&r), ttl = lw_etcd_lease_ttl(&r);
  if (ttl <= 0 || id == 0) {
    f->lease = 0; /* expired (etcd was away longer than the TTL): grant a new one now */
    lw_timer_start(f->a->loop, &f->status, 0);
    return;
  }
  f->lease = id;
  put_status(f);
}

static void on_status(lw_loop *l, lw_timer *t, void *ud) {
  lw_fleet *f = ud;
  lw_timer_start(l, t, STATUS_EVERY_US);
  if (f->lease_call)
    return;
  lw_buf b;
  lw_buf_init(&b, 256);
  if (!f->lease) {
    lw_etcd_lease_grant_body(&b, LEASE_TTL_S);
    lw_etcd_post(f->etcd, "/v3/lease/grant", b.data, b.len, lease_done, f, &f->lease_call);
  } else {
    lw_etcd_lease_keepalive_body(&b, f->lease);
    lw_etcd_post(f->etcd, "/v3/lease/keepalive", b.data, b.len, lease_done, f, &f->lease_call);
  }
  lw_buf_free(&b);
}

/* ---- Start and stop ---- */

static void first_ip(char *out, size_t n) {
  struct ifaddrs *ifa = NULL;
  snprintf(out, n, "127.0.0.1");
  if (getifaddrs(&ifa) != 0)
    return;
  for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
    if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET) {
      struct sockaddr_in *sa = (struct sockaddr_in *)i->ifa_addr;
      if ((ntohl(sa->sin_addr.s_addr) >> 24) == 127)
        continue;
      inet_ntop(AF_INET, &sa->sin_addr, out, (socklen_t)n);
      break;
    }
  freeifaddrs(ifa);
}

int lw_fleet_start(lw_agent *a) {
  const lw_etcd_conf *ec = &a->cfg.etcd;
  lw_fleet *f = calloc(1, sizeof *f);
  if (!f)
    return LW_ERR_NOMEM;
  f->a = a;
  const char *host = ec->host ? ec->host : a->cfg.agent.hostname;
  char err[512] = "";
  char *password = NULL;
  int rc = LW_ERR_CONFIG;
  if (!lw_fleet_valid_host(host)) {
    lw_log(LW_LOG_ERROR, "[etcd] host is not usable in a key (letters, digits, '.', '-', '_')",
           LW_S("host", host));
    goto fail;
  }
  if (ec->username &&
      lw_secret_get(ec->password, ec->password_file, &password, err, sizeof err) != LW_OK) {
    lw_log(LW_LOG_ERROR, "[etcd] password", LW_S("reason", err));
    goto fail;
  }
  lw_etcd_opts o = {.endpoints = (const char *const *)ec->endpoints.v,
                    .nendpoints = ec->endpoints.n,
                    .username = ec->username,
                    .password = password,
                    .ca_file = ec->ca_file,
                    .cert_file = ec->cert_file,
                    .key_file = ec->key_file,
                    .timeout_ms = ec->timeout_ms};
  rc = lw_etcd_new(&f->etcd, a->loop, &o, err, sizeof err);
  lw_secret_free(password);
  if (rc != LW_OK) {
    lw_log(LW_LOG_ERROR, "[etcd] cannot set up the etcd client", LW_S("reason", err));
    goto fail;
  }
  if (ec->config_key) {
    char ip[64];
    first_ip(ip, sizeof ip);
    f->nk = 1;
    f->json = true;
    if (lw_fleet_expand(f->k[0].key, sizeof f->k[0].key, ec->config_key, host, ip) != LW_OK)
      goto fail;
  } else {
    f->nk = 2;
    lw_fleet_key(f->k[0].key, sizeof f->k[0].key, ec->prefix, "config", LW_FLEET_ALL);
    lw_fleet_key(f->k[1].key, sizeof f->k[1].key, ec->prefix, "config", host);
  }
  lw_fleet_key(f->status_key, sizeof f->status_key, ec->prefix, "agents", host);
  for (int i = 0; i < 2; i++) {
    lw_buf_init(&f->k[i].applied, LW_ETCD_MAX_BODY);
    lw_buf_init(&f->k[i].pending, LW_ETCD_MAX_BODY);
  }
  snprintf(f->cache_path, sizeof f->cache_path, "%s/etcd-cache", a->cfg.agent.state_dir);
  f->rng = lw_now_us() ^ (uint64_t)getpid() << 20;
  lw_timer_init(&f->retry, on_retry, f);
  lw_timer_init(&f->status, on_status, f);
  cache_read(f);
  a->fleet = f;
  lw_log(LW_LOG_INFO, "fleet configuration from etcd", LW_S("endpoint", lw_etcd_endpoint(f->etcd)),
         LW_S("key", f->k[f->nk - 1].key), LW_S("status_key", f->status_key));
  return LW_OK;
fail:
  lw_etcd_free(f->etcd);
  free(f);
  return rc;
}

void lw_fleet_run(lw_agent *a) {
  lw_fleet *f = a->fleet;
  if (!f)
    return;
  start_read(f);
  lw_timer_start(a->loop, &f->status, 0);
}

void lw_fleet_stop(lw_agent *a) {
  lw_fleet *f = a->fleet;
  if (!f)
    return;
  lw_timer_stop(a->loop, &f->retry);
  lw_timer_stop(a->loop, &f->status);
  cache_flush(f);
  lw_etcd_free(f->etcd);
  for (int i = 0; i < 2; i++) {
    lw_buf_free(&f->k[i].applied);
    lw_buf_free(&f->k[i].pending);
  }
  free(f);
  a->fleet = NULL;
}
