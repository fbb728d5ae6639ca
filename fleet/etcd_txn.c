/* etcd_txn.c — the console's extra etcd request bodies (see etcd_txn.h). Field names are
 * etcd's (api/etcdserverpb/rpc.proto) as its JSON gateway spells them; bytes are base64 and
 * 64-bit integers strings, as proto3 JSON writes them. */
#include "fleet/etcd_txn.h"

#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "net/scram.h" /* base64 */
#include "proto/err.h"

static void b64(lw_json *j, const void *p, size_t n) {
  lw_json_raw(j, "\"", 1);
  lw_base64_encode(j->b, (const uint8_t *)p, n);
  lw_buf_put_u8(j->b, '"');
}

static void i64s(lw_json *j, int64_t v) {
  char s[24];
  int n = snprintf(s, sizeof s, "\"%lld\"", (long long)v);
  lw_json_raw(j, s, (size_t)n);
}

/* range_end for "every key starting with prefix": prefix with its last byte incremented. */
static void range_end(lw_json *j, const char *prefix) {
  char end[1024];
  size_t n = strlen(prefix);
  if (n >= sizeof end)
    n = sizeof end - 1;
  memcpy(end, prefix, n);
  while (n > 0 && (unsigned char)end[n - 1] == 0xff)
    n--;
  if (n == 0) {
    end[0] = 0;
    n = 1; /* "\0": every key */
  } else {
    end[n - 1]++;
  }
  lw_json_key(j, "range_end");
  b64(j, end, n);
}

static int done(lw_json *j) {
  int rc = lw_json_finish(j);
  return rc != LW_OK ? rc : j->b->err;
}

int lw_etcd_watch_prefix_body(lw_buf *b, const char *prefix, int64_t start_rev) {
  lw_json j;
  lw_json_init(&j, b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "create_request");
  lw_json_obj_begin(&j);
  lw_json_key(&j, "key");
  b64(&j, prefix, strlen(prefix));
  range_end(&j, prefix);
  if (start_rev > 0) {
    lw_json_key(&j, "start_revision");
    i64s(&j, start_rev);
  }
  lw_json_obj_end(&j);
  lw_json_obj_end(&j);
  return done(&j);
}

int lw_etcd_range_sorted_body(lw_buf *b, const char *prefix, int64_t limit, bool descending) {
  lw_json j;
  lw_json_init(&j, b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "key");
  b64(&j, prefix, strlen(prefix));
  range_end(&j, prefix);
  if (limit > 0) {
    lw_json_key(&j, "limit");
    i64s(&j, limit);
  }
  lw_json_key(&j, "sort_order"); /* RangeRequest.SortOrder */
  lw_json_str(&j, descending ? "DESCEND" : "ASCEND");
  lw_json_key(&j, "sort_target"); /* RangeRequest.SortTarget */
  lw_json_str(&j, "KEY");
  lw_json_obj_end(&j);
  return done(&j);
}

static void put_op(lw_json *j, const char *key, const void *val, size_t n) {
  lw_json_obj_begin(j);
  lw_json_key(j, "request_put");
  lw_json_obj_begin(j);
  lw_json_key(j, "key");
  b64(j, key, strlen(key));
  lw_json_key(j, "value");
  b64(j, val, n);
  lw_json_obj_end(j);
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
  b64(&j, key, strlen(key));
  lw_json_key(&j, "target"); /* Compare.target MOD: the key's mod_revision (0: absent) */
  lw_json_str(&j, "MOD");
  lw_json_key(&j, "result");
  lw_json_str(&j, "EQUAL");
  lw_json_key(&j, "mod_revision");
  i64s(&j, mod_rev);
  lw_json_obj_end(&j);
  lw_json_arr_end(&j);
  lw_json_key(&j, "success");
  lw_json_arr_begin(&j);
  if (val) {
    put_op(&j, key, val, n);
  } else {
    lw_json_obj_begin(&j);
    lw_json_key(&j, "request_delete_range");
    lw_json_obj_begin(&j);
    lw_json_key(&j, "key");
    b64(&j, key, strlen(key));
    lw_json_obj_end(&j);
    lw_json_obj_end(&j);
  }
  if (extra_key)
    put_op(&j, extra_key, extra_val, strlen(extra_val));
  lw_json_arr_end(&j);
  lw_json_key(&j, "failure");
  lw_json_arr_begin(&j);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "request_range");
  lw_json_obj_begin(&j);
  lw_json_key(&j, "key");
  b64(&j, key, strlen(key));
  lw_json_obj_end(&j);
  lw_json_obj_end(&j);
  lw_json_arr_end(&j);
  lw_json_obj_end(&j);
  return done(&j);
}
