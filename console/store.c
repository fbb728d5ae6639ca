/* store.c — the console's etcd calls (see store.h) over the fleet's client: request bodies from
 * fleet/etcd_msg.h, sent by fleet/etcd_client.h, answers read by
 * lw_etcd_resp_parse and handed over as lw_con_kv arrays. */
#include "console/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/etcd_client.h"
#include "fleet/etcd_msg.h"
#include "base/err.h"

struct lw_con_store {
  lw_etcd *etcd;
  lw_etcd_call *watch;
  lw_con_watch_cb watch_cb;
  void *watch_ud;
};

typedef struct call {
  lw_con_store *s;
  lw_con_range_cb range_cb;
  lw_con_txn_cb txn_cb;
  void *ud;
} call;

int lw_con_store_new(lw_loop *loop, const char *const *endpoints, size_t nendpoints,
                     const char *user, const char *password, const char *ca_file,
                     lw_con_store **out, char *err, size_t errlen) {
  lw_con_store *s = calloc(1, sizeof *s);
  if (!s)
    return LW_ERR_NOMEM;
  lw_etcd_opts o = {.endpoints = endpoints,
                    .nendpoints = nendpoints,
                    .username = user,
                    .password = password,
                    .ca_file = ca_file,
                    .timeout_ms = 5000};
  int rc = lw_etcd_new(&s->etcd, loop, &o, err, errlen);
  if (rc != LW_OK) {
    free(s);
    return rc;
  }
  *out = s;
  return LW_OK;
}

void lw_con_store_free(lw_con_store *s) {
  if (!s)
    return;
  lw_etcd_free(s->etcd);
  free(s);
}

/* Parse an answer; on failure fill why and return the error to report. */
static int parse(lw_etcd_resp *r, lw_jtok *toks, int err, int status, const uint8_t *body,
                 size_t len, const char *why_in, char *why, size_t whyn) {
  if (err != LW_OK) {
    snprintf(why, whyn, "etcd: %s", why_in && *why_in ? why_in : lw_err_str(err));
    return err;
  }
  if (lw_etcd_resp_parse(r, (const char *)body, len, toks, LW_ETCD_MAX_TOKENS) != LW_OK) {
    snprintf(why, whyn, "etcd answered HTTP %d with a body that is not its JSON", status);
    return LW_ERR_MALFORMED;
  }
  if (r->code) {
    snprintf(why, whyn, "etcd: %s", r->message);
    /* OUT_OF_RANGE: "required revision has been compacted" (or is in the future). */
    return r->code == LW_ETCD_CODE_OUT_OF_RANGE ? LW_ERR_NOT_FOUND : LW_ERR_IO;
  }
  return LW_OK;
}

/* Decode the kvs array at token arr into kvs[] (values NUL-terminated in bufs[]). */
static int decode_kvs(const lw_jdoc *d, int arr, lw_con_kv **kvs_out, lw_etcd_kv **raw_out,
                      size_t *n_out) {
  size_t n = arr >= 0 ? d->t[arr].n : 0;
  *kvs_out = NULL;
  *raw_out = NULL;
  *n_out = 0;
  if (n == 0)
    return LW_OK;
  lw_con_kv *kvs = calloc(n, sizeof *kvs);
  lw_etcd_kv *raw = calloc(n, sizeof *raw);
  if (!kvs || !raw) {
    free(kvs);
    free(raw);
    return LW_ERR_NOMEM;
  }
  uint32_t t = (uint32_t)arr + 1;
  int rc = LW_OK;
  for (size_t i = 0; i < n; i++, t = d->t[t].next) {
    lw_buf_init(&raw[i].key, 4096);
    lw_buf_init(&raw[i].value, LW_ETCD_MAX_BODY);
    if (rc == LW_OK)
      rc = lw_etcd_kv_decode(d, (int)t, &raw[i]);
    lw_buf_put_u8(&raw[i].key, 0);
    lw_buf_put_u8(&raw[i].value, 0);
    if (rc == LW_OK && (raw[i].key.err || raw[i].value.err))
      rc = LW_ERR_NOMEM;
    if (rc != LW_OK)
      continue;
    kvs[i] = (lw_con_kv){.key = (const char *)raw[i].key.data,
                         .key_len = raw[i].key.len - 1,
                         .value = (const char *)raw[i].value.data,
                         .value_len = raw[i].value.len - 1,
                         .mod_revision = raw[i].mod_revision,
                         .create_revision = raw[i].create_revision,
                         .version = raw[i].version};
  }
  *kvs_out = kvs;
  *raw_out = raw;
  *n_out = n;
  return rc;
}

static void free_kvs(lw_con_kv *kvs, lw_etcd_kv *raw, size_t n) {
  for (size_t i = 0; raw && i < n; i++) {
    lw_buf_free(&raw[i].key);
    lw_buf_free(&raw[i].value);
  }
  free(raw);
  free(kvs);
}

static void on_range(void *ud, int err, int status, const uint8_t *body, size_t len,
                     const char *why_in) {
  call *c = ud;
  lw_jtok *toks = malloc(LW_ETCD_MAX_TOKENS * sizeof *toks);
  lw_etcd_resp r;
  char why[300] = "";
  lw_con_kv *kvs = NULL;
  lw_etcd_kv *raw = NULL;
  size_t n = 0;
  int rc = toks ? parse(&r, toks, err, status, body, len, why_in, why, sizeof why) : LW_ERR_NOMEM;
  if (rc == LW_OK)
    rc = decode_kvs(&r.doc, lw_etcd_kvs(&r, r.root), &kvs, &raw, &n);
  c->range_cb(c->ud, rc, why, rc == LW_OK ? r.revision : 0, kvs, rc == LW_OK ? n : 0);
  free_kvs(kvs, raw, n);
  free(toks);
  free(c);
}

int lw_con_store_range(lw_con_store *s, const char *key, bool prefix, int64_t revision,
                       size_t limit, bool descending, lw_con_range_cb cb, void *ud) {
  lw_buf b;
  lw_buf_init(&b, 8192);
  int rc = prefix && (limit || descending)
               ? lw_etcd_range_sorted_body(&b, key, (int64_t)limit, descending)
               : lw_etcd_range_body(&b, key, prefix, revision, false);
  call *c = calloc(1, sizeof *c);
  if (!c)
    rc = LW_ERR_NOMEM;
  if (rc == LW_OK) {
    *c = (call){.s = s, .range_cb = cb, .ud = ud};
    rc = lw_etcd_post(s->etcd, "/v3/kv/range", b.data, b.len, on_range, c, NULL);
  }
  if (rc != LW_OK)
    free(c);
  lw_buf_free(&b);
  return rc;
}

static void on_txn(void *ud, int err, int status, const uint8_t *body, size_t len,
                   const char *why_in) {
  call *c = ud;
  lw_jtok *toks = malloc(LW_ETCD_MAX_TOKENS * sizeof *toks);
  lw_etcd_resp r;
  char why[300] = "";
  int rc = toks ? parse(&r, toks, err, status, body, len, why_in, why, sizeof why) : LW_ERR_NOMEM;
  bool ok = rc == LW_OK && lw_etcd_txn_succeeded(&r);
  int64_t cur = 0;
  if (rc == LW_OK && !ok) {
    /* The failure branch read the key back: its revision now (0 when it is gone). */
    lw_con_kv *kvs = NULL;
    lw_etcd_kv *raw = NULL;
    size_t n = 0;
    int range = lw_etcd_txn_response(&r, 0, "response_range");
    if (decode_kvs(&r.doc, lw_etcd_kvs(&r, range), &kvs, &raw, &n) == LW_OK && n > 0)
      cur = kvs[0].mod_revision;
    free_kvs(kvs, raw, n);
  }
  c->txn_cb(c->ud, rc, why, ok, rc == LW_OK ? r.revision : 0, cur);
  free(toks);
  free(c);
}

int lw_con_store_cas(lw_con_store *s, const char *key, const char *value, size_t len,
                     int64_t expect, const char *audit_key, const char *audit_value,
                     lw_con_txn_cb cb, void *ud) {
  lw_buf b;
  lw_buf_init(&b, 2 * LW_ETCD_MAX_BODY);
  int rc = lw_etcd_cas_with_body(&b, key, value, len, expect, audit_key, audit_value);
  call *c = calloc(1, sizeof *c);
  if (!c)
    rc = LW_ERR_NOMEM;
  if (rc == LW_OK) {
    *c = (call){.s = s, .txn_cb = cb, .ud = ud};
    rc = lw_etcd_post(s->etcd, "/v3/kv/txn", b.data, b.len, on_txn, c, NULL);
  }
  if (rc != LW_OK)
    free(c);
  lw_buf_free(&b);
  return rc;
}

static void watch_end(lw_con_store *s, int rc) {
  if (s->watch) {
    lw_etcd_cancel(s->watch);
    s->watch = NULL;
  }
  if (s->watch_cb)
    s->watch_cb(s->watch_ud, rc, 0, false, NULL);
}

static void on_watch_line(void *ud, const uint8_t *line, size_t len) {
  lw_con_store *s = ud;
  lw_jtok *toks = malloc(LW_ETCD_MAX_TOKENS * sizeof *toks);
  lw_etcd_resp r;
  char why[300];
  int rc = toks ? parse(&r, toks, LW_OK, 200, line, len, NULL, why, sizeof why) : LW_ERR_NOMEM;
  lw_etcd_watch_info w;
  if (rc == LW_OK) {
    lw_etcd_watch_info_get(&r, &w);
    if (w.compact_revision > 0 || w.canceled)
      rc = LW_ERR_NOT_FOUND; /* history compacted past where the watch was to start */
  }
  for (uint32_t i = 0; rc == LW_OK && i < w.nevents; i++) {
    bool deleted = false;
    int kv = lw_etcd_event(&r, &w, i, &deleted);
    lw_etcd_kv raw;
    lw_buf_init(&raw.key, 4096);
    lw_buf_init(&raw.value, LW_ETCD_MAX_BODY);
    if (kv >= 0 && lw_etcd_kv_decode(&r.doc, kv, &raw) == LW_OK) {
      lw_buf_put_u8(&raw.key, 0);
      lw_buf_put_u8(&raw.value, 0);
      if (!raw.key.err && !raw.value.err) {
        lw_con_kv k = {.key = (const char *)raw.key.data,
                       .key_len = raw.key.len - 1,
                       .value = (const char *)raw.value.data,
                       .value_len = raw.value.len - 1,
                       .mod_revision = raw.mod_revision,
                       .create_revision = raw.create_revision,
                       .version = raw.version};
        s->watch_cb(s->watch_ud, LW_OK, raw.mod_revision ? raw.mod_revision : r.revision, deleted,
                    &k);
      }
    }
    lw_buf_free(&raw.key);
    lw_buf_free(&raw.value);
  }
  free(toks);
  if (rc != LW_OK)
    watch_end(s, rc);
}

static void on_watch_end(void *ud, int err, int status, const uint8_t *body, size_t len,
                         const char *why) {
  (void)status, (void)body, (void)len, (void)why;
  lw_con_store *s = ud;
  s->watch = NULL; /* the client is done with the call */
  watch_end(s, err != LW_OK ? err : LW_ERR_DISCONNECTED);
}

int lw_con_store_watch(lw_con_store *s, const char *prefix, int64_t from_rev, lw_con_watch_cb cb,
                       void *ud) {
  if (s->watch) {
    lw_etcd_cancel(s->watch);
    s->watch = NULL;
  }
  lw_buf b;
  lw_buf_init(&b, 8192);
  int rc = lw_etcd_watch_prefix_body(&b, prefix, from_rev);
  s->watch_cb = cb;
  s->watch_ud = ud;
  if (rc == LW_OK)
    rc = lw_etcd_stream(s->etcd, "/v3/watch", b.data, b.len, on_watch_line, on_watch_end, s,
                        &s->watch);
  lw_buf_free(&b);
  return rc;
}
