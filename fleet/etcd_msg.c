/* etcd_msg.c — etcd v3 gateway request bodies and response readers (see etcd_msg.h). */
#include "fleet/etcd_msg.h"

#include <stdio.h>
#include <string.h>

#include "net/scram.h" /* base64 */
#include "base/err.h"

/* ---- Writing ---- */

static void put_b64(lw_json *j, const void *p, size_t n) {
  lw_json_raw(j, "\"", 1); /* the writer places the comma or colon; base64 needs no escaping */
  lw_base64_encode(j->b, (const uint8_t *)p, n);
  lw_buf_put_u8(j->b, '"');
}

static void put_i64s(lw_json *j, int64_t v) { /* proto3 JSON: 64-bit integers as strings */
  char s[24];
  int n = snprintf(s, sizeof s, "\"%lld\"", (long long)v);
  lw_json_raw(j, s, (size_t)n);
}

/* The end of the range of keys starting with `key`: key with its last byte incremented
 * (bytes 0xff dropped first); "\0" (every key) when nothing is left. */
static size_t prefix_end(const char *key, char *out, size_t outn) {
  size_t n = strlen(key);
  if (n >= outn)
    n = outn - 1;
  memcpy(out, key, n);
  while (n > 0 && (unsigned char)out[n - 1] == 0xff)
    n--;
  if (n == 0) {
    out[0] = 0;
    return 1;
  }
  out[n - 1]++;
  return n;
}

static void put_range_end(lw_json *j, const char *prefix) {
  char end[1024];
  size_t n = prefix_end(prefix, end, sizeof end);
  lw_json_key(j, "range_end");
  put_b64(j, end, n);
}

static void range_obj(lw_json *j, const char *key, bool prefix, int64_t revision, bool keys_only) {
  lw_json_obj_begin(j);
  lw_json_key(j, "key");
  put_b64(j, key, strlen(key));
  if (prefix)
    put_range_end(j, key);
  if (revision > 0) {
    lw_json_key(j, "revision");
    put_i64s(j, revision);
  }
  if (keys_only) {
    lw_json_key(j, "keys_only");
    lw_json_bool(j, true);
  }
  lw_json_obj_end(j);
}

static int done(lw_json *j) {
  int rc = lw_json_finish(j);
  return rc != LW_OK ? rc : j->b->err;
}

int lw_etcd_range_body(lw_buf *b, const char *key, bool prefix, int64_t revision, bool keys_only) {
  lw_json j;
  lw_json_init(&j, b);
  range_obj(&j, key, prefix, revision, keys_only);
  return done(&j);
}

static void put_obj(lw_json *j, const char *key, const void *val, size_t n, int64_t lease) {
  lw_json_obj_begin(j);
  lw_json_key(j, "key");
  put_b64(j, key, strlen(key));
  lw_json_key(j, "value");
  put_b64(j, val, n);
  if (lease) {
    lw_json_key(j, "lease");
    put_i64s(j, lease);
  }
  lw_json_obj_end(j);
}

int lw_etcd_put_body(lw_buf *b, const char *key, const void *val, size_t n, int64_t lease) {
  lw_json j;
  lw_json_init(&j, b);
  put_obj(&j, key, val, n, lease);
  return done(&j);
}

int lw_etcd_delete_body(lw_buf *b, const char *key) {
  lw_json j;
  lw_json_init(&j, b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "key");
  put_b64(&j, key, strlen(key));
  lw_json_obj_end(&j);
  return done(&j);
}

/* {"request_put": {key, value}} or {"request_delete_range": {key}} (val NULL). */
static void put_op(lw_json *j, const char *key, const void *val, size_t n) {
  lw_json_obj_begin(j);
  if (val) {
    lw_json_key(j, "request_put");
    put_obj(j, key, val, n, 0);
  } else {
    lw_json_key(j, "request_delete_range");
    range_obj(j, key, false, 0, false);
  }
  lw_json_obj_end(j);
}

int lw_etcd_cas_with_body(lw_buf *b, const char *key, const void *val, size_t n, int64_t mod_rev,
                          const char *extra_key, const char *extra_val) {
  lw_json j;
  lw_json_init(&j, b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "compare");
  lw_json_arr_begin(&j);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "key");
  put_b64(&j, key, strlen(key));
  lw_json_key(&j, "target"); /* Compare.target MOD: the key's mod_revision (0: absent) */
  lw_json_str(&j, "MOD");
  lw_json_key(&j, "result");
  lw_json_str(&j, "EQUAL");
  lw_json_key(&j, "mod_revision");
  put_i64s(&j, mod_rev);
  lw_json_obj_end(&j);
  lw_json_arr_end(&j);
  lw_json_key(&j, "success");
  lw_json_arr_begin(&j);
  put_op(&j, key, val, n);
  if (extra_key)
    put_op(&j, extra_key, extra_val, strlen(extra_val));
  lw_json_arr_end(&j);
  lw_json_key(&j, "failure");
  lw_json_arr_begin(&j);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "request_range");
  range_obj(&j, key, false, 0, false);
  lw_json_obj_end(&j);
  lw_json_arr_end(&j);
  lw_json_obj_end(&j);
  return done(&j);
}

int lw_etcd_cas_body(lw_buf *b, const char *key, const void *val, size_t n, int64_t mod_rev) {
  return lw_etcd_cas_with_body(b, key, val, n, mod_rev, NULL, NULL);
}

int lw_etcd_multi_get_body(lw_buf *b, const char *const *keys, size_t n) {
  lw_json j;
  lw_json_init(&j, b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "success");
  lw_json_arr_begin(&j);
  for (size_t i = 0; i < n; i++) {
    lw_json_obj_begin(&j);
    lw_json_key(&j, "request_range");
    range_obj(&j, keys[i], false, 0, false);
    lw_json_obj_end(&j);
  }
  lw_json_arr_end(&j);
  lw_json_obj_end(&j);
  return done(&j);
}

/* One WatchCreateRequest: key (prefix: every key starting with it) from start_rev. */
static int watch_one(lw_buf *b, const char *key, bool prefix, int64_t start_rev) {
  lw_json j;
  lw_json_init(&j, b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "create_request");
  lw_json_obj_begin(&j);
  lw_json_key(&j, "key");
  put_b64(&j, key, strlen(key));
  if (prefix)
    put_range_end(&j, key);
  if (start_rev > 0) {
    lw_json_key(&j, "start_revision");
    put_i64s(&j, start_rev);
  }
  lw_json_obj_end(&j);
  lw_json_obj_end(&j);
  return done(&j);
}

int lw_etcd_watch_body(lw_buf *b, const char *const *keys, size_t n, int64_t start_rev) {
  for (size_t i = 0; i < n; i++) {
    int rc = watch_one(b, keys[i], false, start_rev);
    if (rc != LW_OK)
      return rc;
  }
  return b->err;
}

int lw_etcd_watch_prefix_body(lw_buf *b, const char *prefix, int64_t start_rev) {
  return watch_one(b, prefix, true, start_rev);
}

int lw_etcd_range_sorted_body(lw_buf *b, const char *prefix, int64_t limit, bool descending) {
  lw_json j;
  lw_json_init(&j, b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "key");
  put_b64(&j, prefix, strlen(prefix));
  put_range_end(&j, prefix);
  if (limit > 0) {
    lw_json_key(&j, "limit");
    put_i64s(&j, limit);
  }
  lw_json_key(&j, "sort_order"); /* RangeRequest.SortOrder */
  lw_json_str(&j, descending ? "DESCEND" : "ASCEND");
  lw_json_key(&j, "sort_target"); /* RangeRequest.SortTarget */
  lw_json_str(&j, "KEY");
  lw_json_obj_end(&j);
  return done(&j);
}

int lw_etcd_lease_grant_body(lw_buf *b, int64_t ttl_s) {
  lw_json j;
  lw_json_init(&j, b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "TTL");
  put_i64s(&j, ttl_s);
  lw_json_obj_end(&j);
  return done(&j);
}

int lw_etcd_lease_keepalive_body(lw_buf *b, int64_t id) {
  lw_json j;
  lw_json_init(&j, b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "ID");
  put_i64s(&j, id);
  lw_json_obj_end(&j);
  return done(&j);
}

int lw_etcd_auth_body(lw_buf *b, const char *user, const char *password) {
  lw_json j;
  lw_json_init(&j, b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "name");
  lw_json_str(&j, user);
  lw_json_key(&j, "password");
  lw_json_str(&j, password);
  lw_json_obj_end(&j);
  return done(&j);
}

/* ---- Reading ---- */

static int64_t get_i64(const lw_jdoc *d, int tok, const char *key) {
  int64_t v = 0;
  if (lw_jdoc_i64(d, lw_jdoc_get(d, tok, key), &v) != LW_OK)
    v = 0;
  return v;
}

int lw_etcd_resp_parse(lw_etcd_resp *r, const char *p, size_t len, lw_jtok *toks, size_t cap) {
  memset(r, 0, sizeof *r);
  int rc = lw_json_parse(&r->doc, p, len, toks, cap, 32);
  if (rc != LW_OK)
    return rc;
  const lw_jdoc *d = &r->doc;
  if (lw_jdoc_type(d, 0) != LW_JOBJ)
    return LW_ERR_MALFORMED;
  r->root = 0;
  int err = lw_jdoc_get(d, 0, "error");
  if (err >= 0) {
    /* Unary: {"error":"...","message":"...","code":N}; stream: {"error":{"grpc_code":N,...}} */
    int obj = lw_jdoc_type(d, err) == LW_JOBJ ? err : 0;
    int64_t code = get_i64(d, obj, obj == 0 ? "code" : "grpc_code");
    r->code = code > 0 && code < 100 ? (int)code : 2; /* 2: gRPC Unknown */
    int m = lw_jdoc_get(d, obj, "message");
    if (lw_jdoc_strz(d, m, r->message, sizeof r->message) != LW_OK)
      snprintf(r->message, sizeof r->message, "etcd error (code %d)", r->code);
    return LW_OK;
  }
  int res = lw_jdoc_get(d, 0, "result");
  if (res >= 0) {
    if (lw_jdoc_type(d, res) != LW_JOBJ)
      return LW_ERR_MALFORMED;
    r->root = res;
  }
  r->revision = get_i64(d, lw_jdoc_get(d, r->root, "header"), "revision");
  return LW_OK;
}

int lw_etcd_kv_decode(const lw_jdoc *d, int kv, lw_etcd_kv *out) {
  if (lw_jdoc_type(d, kv) != LW_JOBJ)
    return LW_ERR_MALFORMED;
  lw_buf raw;
  lw_buf_init(&raw, 16u << 20);
  int rc = LW_OK;
  const char *names[2] = {"key", "value"};
  lw_buf *dst[2] = {&out->key, &out->value};
  for (int i = 0; i < 2 && rc == LW_OK; i++) {
    int t = lw_jdoc_get(d, kv, names[i]);
    if (t < 0)
      continue; /* an empty value is left out */
    lw_buf_reset(&raw);
    if ((rc = lw_jdoc_str(d, t, &raw)) != LW_OK || !raw.len)
      continue;
    if ((rc = lw_buf_reserve(dst[i], raw.len / 4 * 3)) != LW_OK)
      break;
    long got = lw_base64_decode((const char *)raw.data, raw.len, lw_buf_tail(dst[i]),
                                dst[i]->cap - dst[i]->len);
    if (got < 0)
      rc = LW_ERR_MALFORMED;
    else
      lw_buf_commit(dst[i], (size_t)got);
  }
  lw_buf_free(&raw);
  out->create_revision = get_i64(d, kv, "create_revision");
  out->mod_revision = get_i64(d, kv, "mod_revision");
  out->version = get_i64(d, kv, "version");
  out->lease = get_i64(d, kv, "lease");
  return rc;
}

int lw_etcd_kvs(const lw_etcd_resp *r, int range_resp) {
  int k = lw_jdoc_get(&r->doc, range_resp, "kvs");
  return lw_jdoc_type(&r->doc, k) == LW_JARR ? k : -1;
}

bool lw_etcd_txn_succeeded(const lw_etcd_resp *r) {
  return lw_jdoc_bool(&r->doc, lw_jdoc_get(&r->doc, r->root, "succeeded"), false);
}

int lw_etcd_txn_response(const lw_etcd_resp *r, uint32_t i, const char *kind) {
  int arr = lw_jdoc_get(&r->doc, r->root, "responses");
  return lw_jdoc_get(&r->doc, lw_jdoc_at(&r->doc, arr, i), kind);
}

int64_t lw_etcd_lease_id(const lw_etcd_resp *r) {
  return get_i64(&r->doc, r->root, "ID");
}

int64_t lw_etcd_lease_ttl(const lw_etcd_resp *r) {
  return get_i64(&r->doc, r->root, "TTL");
}

int lw_etcd_token(const lw_etcd_resp *r, char *out, size_t n) {
  return lw_jdoc_strz(&r->doc, lw_jdoc_get(&r->doc, r->root, "token"), out, n) == LW_OK && out[0]
             ? LW_OK
             : LW_ERR_MALFORMED;
}

void lw_etcd_watch_info_get(const lw_etcd_resp *r, lw_etcd_watch_info *w) {
  const lw_jdoc *d = &r->doc;
  memset(w, 0, sizeof *w);
  w->watch_id = get_i64(d, r->root, "watch_id");
  w->created = lw_jdoc_bool(d, lw_jdoc_get(d, r->root, "created"), false);
  w->canceled = lw_jdoc_bool(d, lw_jdoc_get(d, r->root, "canceled"), false);
  w->compact_revision = get_i64(d, r->root, "compact_revision");
  w->events = lw_jdoc_get(d, r->root, "events");
  if (lw_jdoc_type(d, w->events) != LW_JARR)
    w->events = -1;
  else
    w->nevents = d->t[w->events].n;
}

int lw_etcd_event(const lw_etcd_resp *r, const lw_etcd_watch_info *w, uint32_t i, bool *deleted) {
  int ev = lw_jdoc_at(&r->doc, w->events, i);
  *deleted = lw_jdoc_streq(&r->doc, lw_jdoc_get(&r->doc, ev, "type"), "DELETE");
  int kv = lw_jdoc_get(&r->doc, ev, "kv");
  return lw_jdoc_type(&r->doc, kv) == LW_JOBJ ? kv : -1;
}

bool lw_etcd_next_line(const uint8_t *in, size_t len, size_t *pos, size_t *start, size_t *end) {
  if (*pos >= len)
    return false;
  const uint8_t *nl = memchr(in + *pos, '\n', len - *pos);
  if (!nl)
    return false;
  *start = *pos;
  *end = (size_t)(nl - in);
  *pos = *end + 1;
  return true;
}
