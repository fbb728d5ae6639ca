/* live.c — the fleet as the console shows it: every agent's last status (live while its
 * lease-held key exists, greyed out once it is gone) and each host's configuration revision,
 * read once and then kept current by one etcd watch on the prefix; browsers get the changes as
 * Server-Sent Events (a "snapshot" first, then "agent" and "config" events).
 *
 * Races, in order: (1) the agents are read at revision R and the configurations at the same R,
 * so the two agree; (2) the watch starts at R + 1, so no change between the read and the watch
 * is missed; (3) a broken watch (etcd restarted, history compacted) makes the state stale: it is
 * read again after a second and every browser gets a fresh snapshot. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "console/console.h"
#include "base/err.h"

#define HEARTBEAT_US (15 * 1000000ull)
#define RESYNC_US    (1000000ull)

static lw_con_host *host_get(lw_console *con, const char *name, size_t n, bool create) {
  for (size_t i = 0; i < con->nhosts; i++)
    if (strlen(con->hosts[i].name) == n && !memcmp(con->hosts[i].name, name, n))
      return &con->hosts[i];
  if (!create || n == 0 || n >= sizeof con->hosts[0].name || con->nhosts == LW_CON_MAX_HOSTS)
    return NULL;
  lw_con_host *v = realloc(con->hosts, (con->nhosts + 1) * sizeof *v);
  if (!v)
    return NULL;
  con->hosts = v;
  lw_con_host *h = &v[con->nhosts++];
  memset(h, 0, sizeof *h);
  memcpy(h->name, name, n);
  /* Keep the table sorted by name: the page lists it in this order. */
  for (size_t i = con->nhosts - 1; i > 0 && strcmp(v[i - 1].name, v[i].name) > 0; i--) {
    lw_con_host t = v[i];
    v[i] = v[i - 1];
    v[i - 1] = t;
    h = &v[i - 1];
  }
  return h;
}

const lw_con_host *lw_con_live_host(const lw_console *con, const char *name) {
  return host_get((lw_console *)con, name, strlen(name), false);
}

static void host_json(lw_json *j, const lw_con_host *h) {
  lw_json_obj_begin(j);
  lw_json_key(j, "host");
  lw_json_str(j, h->name);
  lw_json_key(j, "live");
  lw_json_bool(j, h->live);
  lw_json_key(j, "status");
  if (h->status)
    lw_json_raw(j, h->status, strlen(h->status));
  else
    lw_json_null(j);
  lw_json_obj_end(j);
}

static void config_json(lw_json *j, const lw_con_host *h) {
  lw_json_obj_begin(j);
  lw_json_key(j, "host");
  lw_json_str(j, h->name);
  lw_json_key(j, "mod_revision");
  lw_json_int(j, h->config_rev);
  lw_json_key(j, "deleted");
  lw_json_bool(j, h->config_rev == 0);
  lw_json_obj_end(j);
}

void lw_con_live_json(const lw_console *con, lw_buf *b) {
  lw_json j;
  lw_json_init(&j, b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "revision");
  lw_json_int(&j, con->rev);
  lw_json_key(&j, "synced");
  lw_json_bool(&j, con->synced);
  lw_json_key(&j, "agents");
  lw_json_arr_begin(&j);
  /* Agents: every host that has reported, and every host with its own configuration (an agent
   * expected there but not seen is shown as gone). */
  for (size_t i = 0; i < con->nhosts; i++) {
    const lw_con_host *h = &con->hosts[i];
    if ((h->status || h->config_rev) && strcmp(h->name, "_all") != 0)
      host_json(&j, h);
  }
  lw_json_arr_end(&j);
  lw_json_key(&j, "configs");
  lw_json_arr_begin(&j);
  for (size_t i = 0; i < con->nhosts; i++)
    if (con->hosts[i].config_rev)
      config_json(&j, &con->hosts[i]);
  lw_json_arr_end(&j);
  lw_json_obj_end(&j);
}

static void stream_drop(lw_console *con, lw_con_conn *c) {
  for (int i = 0; i < con->nstreams; i++) {
    if (con->streams[i] == c) {
      con->streams[i] = con->streams[--con->nstreams];
      return;
    }
  }
}

static void on_stream_closed(void *ud, lw_con_conn *c) {
  stream_drop(ud, c);
}

/* Send one event to every browser. A send that fails has closed its stream (and the close
 * callback removed it), so walk a copy. */
static void broadcast(lw_console *con, const char *event, const lw_buf *b) {
  if (b->err)
    return;
  lw_con_conn *v[LW_CON_MAX_STREAMS];
  int n = con->nstreams;
  memcpy(v, con->streams, (size_t)n * sizeof v[0]);
  for (int i = 0; i < n; i++)
    lw_con_sse_send(v[i], event, (const char *)b->data, b->len);
}

static void send_snapshot(lw_console *con, lw_con_conn *only) {
  lw_buf b;
  lw_buf_init(&b, 16u << 20);
  lw_con_live_json(con, &b);
  if (only)
    lw_con_sse_send(only, "snapshot", (const char *)b.data, b.err ? 0 : b.len);
  else
    broadcast(con, "snapshot", &b);
  lw_buf_free(&b);
}

void lw_con_live_subscribe(lw_console *con, lw_con_conn *c) {
  if (con->nstreams == LW_CON_MAX_STREAMS) {
    lw_con_reply_error(c, 503, "too many event streams open");
    return;
  }
  if (lw_con_sse_start(c, on_stream_closed, con) != LW_OK)
    return;
  con->streams[con->nstreams++] = c;
  if (lw_con_sse_send(c, "hello", "{}", 2) == LW_OK && con->synced)
    send_snapshot(con, c);
}

/* Apply one key's state; returns the host touched and which kind, or NULL for other keys. */
static lw_con_host *apply(lw_console *con, const lw_con_kv *kv, bool deleted, bool *agent) {
  size_t pl = strlen(con->prefix);
  const char *k = kv->key;
  size_t kl = kv->key_len;
  if (kl <= pl + 1 || memcmp(k, con->prefix, pl) != 0 || k[pl] != '/')
    return NULL;
  k += pl + 1;
  kl -= pl + 1;
  if (kl > 7 && !memcmp(k, "agents/", 7)) {
    lw_con_host *h = host_get(con, k + 7, kl - 7, true);
    if (!h)
      return NULL;
    *agent = true;
    h->live = !deleted;
    if (!deleted) {
      /* Only a JSON object is kept (it is passed to browsers as JSON). */
      lw_jtok t[2];
      lw_jdoc d;
      int rc = lw_json_parse(&d, kv->value, kv->value_len, t, 2, 16);
      if ((rc == LW_OK && t[0].type == LW_JOBJ) ||
          (rc == LW_ERR_TOO_LARGE && kv->value_len && kv->value[0] == '{')) {
        char *s = strndup(kv->value, kv->value_len);
        if (s) {
          free(h->status);
          h->status = s;
        }
      }
    }
    return h;
  }
  if (kl > 7 && !memcmp(k, "config/", 7)) {
    lw_con_host *h = host_get(con, k + 7, kl - 7, true);
    if (!h)
      return NULL;
    *agent = false;
    h->config_rev = deleted ? 0 : kv->mod_revision;
    return h;
  }
  return NULL;
}

static void read_all(lw_console *con);

static void on_resync(lw_loop *l, lw_timer *t, void *ud) {
  (void)l, (void)t;
  read_all(ud);
}

static void stale(lw_console *con, const char *why) {
  if (con->synced)
    fprintf(stderr, "console: warn: etcd watch ended (%s); reading the state again\n", why);
  con->synced = false;
  lw_timer_start(con->loop, &con->resync, RESYNC_US);
}

static void on_watch(void *ud, int rc, int64_t rev, bool deleted, const lw_con_kv *kv) {
  lw_console *con = ud;
  if (rc != LW_OK) {
    stale(con, lw_err_str(rc));
    return;
  }
  if (rev > con->rev)
    con->rev = rev;
  bool agent = false;
  lw_con_host *h = apply(con, kv, deleted, &agent);
  if (!h)
    return;
  lw_buf b;
  lw_buf_init(&b, 4u << 20);
  lw_json j;
  lw_json_init(&j, &b);
  if (agent)
    host_json(&j, h);
  else
    config_json(&j, h);
  broadcast(con, agent ? "agent" : "config", &b);
  lw_buf_free(&b);
}

static void on_configs(void *ud, int rc, const char *err, int64_t rev, const lw_con_kv *kvs,
                       size_t n) {
  lw_console *con = ud;
  if (rc != LW_OK) {
    stale(con, err ? err : lw_err_str(rc));
    return;
  }
  bool agent;
  for (size_t i = 0; i < con->nhosts; i++)
    con->hosts[i].config_rev = 0;
  for (size_t i = 0; i < n; i++)
    apply(con, &kvs[i], false, &agent);
  char prefix[300];
  snprintf(prefix, sizeof prefix, "%s/", con->prefix);
  if (lw_con_store_watch(con->store, prefix, rev + 1, on_watch, con) != LW_OK) {
    stale(con, "cannot start the watch");
    return;
  }
  con->rev = rev;
  con->synced = true;
  send_snapshot(con, NULL);
}

static void on_agents(void *ud, int rc, const char *err, int64_t rev, const lw_con_kv *kvs,
                      size_t n) {
  lw_console *con = ud;
  if (rc != LW_OK) {
    stale(con, err ? err : lw_err_str(rc));
    return;
  }
  for (size_t i = 0; i < con->nhosts; i++)
    con->hosts[i].live = false; /* gone unless listed now; their last status is kept */
  bool agent;
  for (size_t i = 0; i < n; i++)
    apply(con, &kvs[i], false, &agent);
  char prefix[300];
  snprintf(prefix, sizeof prefix, "%s/config/", con->prefix);
  if (lw_con_store_range(con->store, prefix, true, rev, 0, false, on_configs, con) != LW_OK)
    stale(con, "cannot read the configurations");
}

static void read_all(lw_console *con) {
  char prefix[300];
  snprintf(prefix, sizeof prefix, "%s/agents/", con->prefix);
  if (lw_con_store_range(con->store, prefix, true, 0, 0, false, on_agents, con) != LW_OK)
    stale(con, "cannot read the agents");
}

static void on_heartbeat(lw_loop *l, lw_timer *t, void *ud) {
  lw_console *con = ud;
  lw_con_conn *v[LW_CON_MAX_STREAMS];
  int n = con->nstreams;
  memcpy(v, con->streams, (size_t)n * sizeof v[0]);
  for (int i = 0; i < n; i++)
    lw_con_sse_send(v[i], NULL, NULL, 0); /* a comment: keeps proxies from closing the stream */
  lw_timer_start(l, t, HEARTBEAT_US);
}

int lw_con_live_start(lw_console *con) {
  lw_timer_init(&con->heartbeat, on_heartbeat, con);
  lw_timer_init(&con->resync, on_resync, con);
  lw_timer_start(con->loop, &con->heartbeat, HEARTBEAT_US);
  read_all(con);
  return LW_OK;
}

void lw_con_live_stop(lw_console *con) {
  lw_timer_stop(con->loop, &con->heartbeat);
  lw_timer_stop(con->loop, &con->resync);
  while (con->nstreams > 0)
    lw_con_sse_end(con->streams[--con->nstreams]);
  for (size_t i = 0; i < con->nhosts; i++)
    free(con->hosts[i].status);
  free(con->hosts);
  con->hosts = NULL;
  con->nhosts = 0;
}
