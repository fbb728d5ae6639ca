/* test_etcd_msg.c — the etcd gateway messages against answers captured from a real etcd 3.4
 * (tests/fixtures/etcd-3.4, with every truncated prefix of each refused or incomplete), the
 * request bodies read back by the JSON parser, and the fleet key layout and tutorial JSON
 * layout helpers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/http.h"
#include "fleet/etcd_msg.h"
#include "fleet/layout.h"
#include "base/err.h"

static lw_jtok toks[LW_ETCD_MAX_TOKENS];

static char *slurp(const char *name, size_t *n) {
  const char *root = getenv("LW_ROOT");
  char path[512];
  snprintf(path, sizeof path, "%s/tests/fixtures/etcd-3.4/%s", root ? root : ".", name);
  FILE *f = fopen(path, "rb");
  cr_assert(f, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)len + 1);
  cr_assert_eq(fread(s, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  s[len] = 0;
  *n = (size_t)len;
  return s;
}

/* The decoded body of a captured answer; *status its HTTP status. Every shorter prefix of the
 * bytes is incomplete (head NEED_MORE, or a body not complete yet). */
static void body_of(const char *name, lw_buf *body, int *status) {
  size_t n;
  char *raw = slurp(name, &n);
  lw_http_head h;
  cr_assert_eq(lw_http_parse_response(raw, n, 65536, &h), LW_OK, "%s", name);
  *status = h.status;
  for (size_t k = 0; k < h.head_len; k++)
    cr_assert_eq(lw_http_parse_response(raw, k, 65536, &h), LW_ERR_NEED_MORE, "%s prefix %zu", name,
                 k);
  lw_http_parse_response(raw, n, 65536, &h);
  lw_buf_init(body, 1 << 20);
  if (h.chunked) {
    lw_http_chunked d;
    size_t used;
    for (size_t k = h.head_len; k < n; k++) { /* prefixes: never complete early */
      lw_http_chunked_init(&d);
      lw_buf_reset(body);
      cr_assert_eq(lw_http_chunked_decode(&d, raw + h.head_len, k - h.head_len, &used, body),
                   LW_ERR_NEED_MORE, "%s body prefix %zu", name, k);
    }
    lw_http_chunked_init(&d);
    lw_buf_reset(body);
    int rc = lw_http_chunked_decode(&d, raw + h.head_len, n - h.head_len, &used, body);
    /* A watch captured while open has no last chunk. */
    cr_assert(rc == LW_OK || (rc == LW_ERR_NEED_MORE && strstr(name, "watch")), "%s: %d", name, rc);
  } else {
    cr_assert_eq((size_t)h.content_length, n - h.head_len, "%s", name);
    lw_buf_append(body, raw + h.head_len, n - h.head_len);
  }
  free(raw);
}

/* Parse the body (or its only stream line) into r. */
static void resp_of(const char *name, lw_buf *body, lw_etcd_resp *r, int *status) {
  body_of(name, body, status);
  size_t len = body->len;
  while (len && body->data[len - 1] == '\n')
    len--;
  cr_assert_eq(lw_etcd_resp_parse(r, (const char *)body->data, len, toks, LW_ETCD_MAX_TOKENS),
               LW_OK, "%s", name);
}

static const char *INI = "[input.app]\npaths = /var/log/app/*.log\ntopic = app\n";

Test(etcd_msg, range_found_and_missing) {
  lw_buf b;
  lw_etcd_resp r;
  int st;
  resp_of("range-found.http", &b, &r, &st);
  cr_assert_eq(st, 200);
  cr_assert_eq(r.code, 0);
  cr_assert_eq(r.revision, 2);
  int kvs = lw_etcd_kvs(&r, r.root);
  cr_assert_eq(r.doc.t[kvs].n, 1);
  lw_etcd_kv kv;
  lw_buf_init(&kv.key, 4096);
  lw_buf_init(&kv.value, 4096);
  cr_assert_eq(lw_etcd_kv_decode(&r.doc, lw_jdoc_at(&r.doc, kvs, 0), &kv), LW_OK);
  cr_assert_eq(kv.key.len, strlen("/logwire/config/web-1"));
  cr_assert_eq(memcmp(kv.key.data, "/logwire/config/web-1", kv.key.len), 0);
  cr_assert_eq(kv.value.len, strlen(INI));
  cr_assert_eq(memcmp(kv.value.data, INI, kv.value.len), 0);
  cr_assert_eq(kv.mod_revision, 2);
  cr_assert_eq(kv.version, 1);
  lw_buf_free(&kv.key);
  lw_buf_free(&kv.value);
  lw_buf_free(&b);
  resp_of("range-missing.http", &b, &r, &st);
  cr_assert_eq(lw_etcd_kvs(&r, r.root), -1);
  lw_buf_free(&b);
}

Test(etcd_msg, txn_multi_get_and_cas) {
  lw_buf b;
  lw_etcd_resp r;
  int st;
  resp_of("txn-multi-get.http", &b, &r, &st);
  cr_assert(lw_etcd_txn_succeeded(&r));
  cr_assert_eq(lw_etcd_kvs(&r, lw_etcd_txn_response(&r, 0, "response_range")), -1); /* _all */
  cr_assert_neq(lw_etcd_kvs(&r, lw_etcd_txn_response(&r, 1, "response_range")), -1);
  lw_buf_free(&b);
  resp_of("txn-cas-ok.http", &b, &r, &st);
  cr_assert(lw_etcd_txn_succeeded(&r));
  cr_assert_neq(lw_etcd_txn_response(&r, 0, "response_put"), -1);
  lw_buf_free(&b);
  resp_of("txn-cas-failed.http", &b, &r, &st);
  cr_assert_not(lw_etcd_txn_succeeded(&r)); /* "succeeded" is left out when false */
  cr_assert_neq(lw_etcd_kvs(&r, lw_etcd_txn_response(&r, 0, "response_range")), -1);
  lw_buf_free(&b);
}

Test(etcd_msg, leases) {
  lw_buf b;
  lw_etcd_resp r;
  int st;
  resp_of("lease-grant.http", &b, &r, &st);
  cr_assert_gt(lw_etcd_lease_id(&r), 0);
  cr_assert_eq(lw_etcd_lease_ttl(&r), 15);
  lw_buf_free(&b);
  resp_of("lease-keepalive.http", &b, &r, &st);
  cr_assert_gt(r.root, 0); /* inside "result" */
  cr_assert_eq(lw_etcd_lease_ttl(&r), 15);
  lw_buf_free(&b);
  resp_of("lease-keepalive-unknown.http", &b, &r, &st);
  cr_assert_eq(lw_etcd_lease_id(&r), 12345);
  cr_assert_eq(lw_etcd_lease_ttl(&r), 0); /* gone */
  lw_buf_free(&b);
}

Test(etcd_msg, errors) {
  lw_buf b;
  lw_etcd_resp r;
  int st;
  resp_of("put-unknown-lease.http", &b, &r, &st);
  cr_assert_eq(r.code, LW_ETCD_CODE_NOT_FOUND);
  cr_assert_str_eq(r.message, "etcdserver: requested lease not found");
  lw_buf_free(&b);
  resp_of("bad-json.http", &b, &r, &st);
  cr_assert_eq(st, 400);
  cr_assert_eq(r.code, LW_ETCD_CODE_INVALID_ARGUMENT);
  lw_buf_free(&b);
  resp_of("auth-failed.http", &b, &r, &st);
  cr_assert_eq(r.code, LW_ETCD_CODE_INVALID_ARGUMENT);
  cr_assert(strstr(r.message, "authentication failed"));
  lw_buf_free(&b);
  resp_of("range-no-token.http", &b, &r, &st);
  cr_assert_str_eq(r.message, "etcdserver: user name is empty");
  lw_buf_free(&b);
  /* A stream error has an object in "error". */
  const char *se = "{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"down\"}}";
  cr_assert_eq(lw_etcd_resp_parse(&r, se, strlen(se), toks, 64), LW_OK);
  cr_assert_eq(r.code, LW_ETCD_CODE_UNAVAILABLE);
  cr_assert_str_eq(r.message, "down");
}

Test(etcd_msg, auth_token) {
  lw_buf b;
  lw_etcd_resp r;
  int st;
  char tok[256];
  resp_of("auth-token.http", &b, &r, &st);
  cr_assert_eq(lw_etcd_token(&r, tok, sizeof tok), LW_OK);
  cr_assert_gt(strlen(tok), 5);
  lw_buf_free(&b);
}

Test(etcd_msg, watch_stream) {
  lw_buf b;
  int st;
  body_of("watch-events.http", &b, &st);
  size_t pos = 0, s, e;
  int n = 0, created = 0, puts = 0, dels = 0;
  while (lw_etcd_next_line(b.data, b.len, &pos, &s, &e)) {
    if (e == s)
      continue;
    lw_etcd_resp r;
    cr_assert_eq(lw_etcd_resp_parse(&r, (const char *)b.data + s, e - s, toks, LW_ETCD_MAX_TOKENS),
                 LW_OK);
    lw_etcd_watch_info w;
    lw_etcd_watch_info_get(&r, &w);
    created += w.created;
    for (uint32_t i = 0; i < w.nevents; i++) {
      bool del;
      int kv = lw_etcd_event(&r, &w, i, &del);
      cr_assert_geq(kv, 0);
      cr_assert_eq(w.watch_id, 1); /* the second create request: the host's key */
      del ? dels++ : puts++;
    }
    n++;
  }
  cr_assert_eq(created, 2);
  cr_assert_eq(puts, 1);
  cr_assert_eq(dels, 1);
  lw_buf_free(&b);
  body_of("watch-compacted.http", &b, &st);
  pos = 0;
  bool canceled = false;
  while (lw_etcd_next_line(b.data, b.len, &pos, &s, &e)) {
    lw_etcd_resp r;
    if (e == s)
      continue;
    cr_assert_eq(lw_etcd_resp_parse(&r, (const char *)b.data + s, e - s, toks, LW_ETCD_MAX_TOKENS),
                 LW_OK);
    lw_etcd_watch_info w;
    lw_etcd_watch_info_get(&r, &w);
    if (w.canceled) {
      canceled = true;
      cr_assert_eq(w.compact_revision, 5);
    }
  }
  cr_assert(canceled);
  lw_buf_free(&b);
}

Test(etcd_msg, bodies_read_back) {
  lw_buf b;
  lw_jdoc d;
  lw_buf_init(&b, 1 << 16);
  cr_assert_eq(lw_etcd_cas_body(&b, "/logwire/config/web-1", INI, strlen(INI), 7), LW_OK);
  cr_assert_eq(lw_json_parse(&d, (char *)b.data, b.len, toks, 256, 16), LW_OK);
  int cmp = lw_jdoc_at(&d, lw_jdoc_get(&d, 0, "compare"), 0);
  cr_assert(lw_jdoc_streq(&d, lw_jdoc_get(&d, cmp, "key"), "L2xvZ3dpcmUvY29uZmlnL3dlYi0x"));
  cr_assert(lw_jdoc_streq(&d, lw_jdoc_get(&d, cmp, "mod_revision"), "7"));
  lw_buf_reset(&b);
  cr_assert_eq(lw_etcd_range_body(&b, "/logwire/config/", true, 0, true), LW_OK);
  cr_assert_eq(lw_json_parse(&d, (char *)b.data, b.len, toks, 256, 16), LW_OK);
  cr_assert(lw_jdoc_streq(&d, lw_jdoc_get(&d, 0, "range_end"), "L2xvZ3dpcmUvY29uZmlnMA=="));
  lw_buf_reset(&b);
  const char *keys[] = {"/a", "/b"};
  cr_assert_eq(lw_etcd_watch_body(&b, keys, 2, 10), LW_OK);
  /* Two JSON values back to back: the first ends where the second begins. */
  const char *second = strstr((char *)b.data, "}}{");
  cr_assert(second);
  cr_assert_eq(
      lw_json_parse(&d, (char *)b.data, (size_t)(second + 2 - (char *)b.data), toks, 256, 16),
      LW_OK);
  cr_assert(lw_jdoc_streq(
      &d, lw_jdoc_get(&d, lw_jdoc_get(&d, 0, "create_request"), "start_revision"), "10"));
  lw_buf_free(&b);
}

Test(fleet_layout, keys_and_expansion) {
  char k[128];
  cr_assert_eq(lw_fleet_key(k, sizeof k, "/logwire/", "config", "web-1"), LW_OK);
  cr_assert_str_eq(k, "/logwire/config/web-1");
  cr_assert_eq(lw_fleet_key(k, 8, "/logwire", "config", "web-1"), LW_ERR_TOO_LARGE);
  cr_assert_eq(lw_fleet_expand(k, sizeof k, "/logagent/{ip}/collect_config", "h", "10.0.0.7"),
               LW_OK);
  cr_assert_str_eq(k, "/logagent/10.0.0.7/collect_config");
  cr_assert_eq(lw_fleet_expand(k, sizeof k, "/x/{host}/{host}", "web", "ip"), LW_OK);
  cr_assert_str_eq(k, "/x/web/web");
  cr_assert(lw_fleet_valid_host("web-01.example"));
  cr_assert_not(lw_fleet_valid_host("_all"));
  cr_assert_not(lw_fleet_valid_host("a/b"));
  cr_assert_not(lw_fleet_valid_host(""));
}

Test(fleet_layout, tutorial_json) {
  lw_buf out;
  char err[256];
  lw_buf_init(&out, 1 << 16);
  const char *j = "[{\"path\":\"/var/log/nginx/access.log\",\"topic\":\"web_log\"},"
                  "{\"topic\":\"sys\",\"path\":\"/var/log/syslog\"}]";
  cr_assert(lw_fleet_is_json(j, strlen(j)));
  cr_assert_not(lw_fleet_is_json("[input.a]\n", 10));
  cr_assert_eq(lw_fleet_json_to_ini(j, strlen(j), &out, err, sizeof err), LW_OK);
  lw_buf_put_u8(&out, 0);
  cr_assert_str_eq((char *)out.data, "[input.web_log-1]\npaths = /var/log/nginx/access.log\n"
                                     "topic = web_log\n\n[input.sys-2]\npaths = /var/log/syslog\n"
                                     "topic = sys\n\n");
  const char *bad[] = {"{}",
                       "[1]",
                       "[{\"path\":\"/a,/b\",\"topic\":\"t\"}]",
                       "[{\"path\":\"/a\"}]",
                       "[{\"path\":\"/a\",\"topic\":\"t\",\"x\":1}]",
                       "[{\"path\":\"/a\\n[kafka]\",\"topic\":\"t\"}]"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    lw_buf_reset(&out);
    cr_assert_neq(lw_fleet_json_to_ini(bad[i], strlen(bad[i]), &out, err, sizeof err), LW_OK, "%s",
                  bad[i]);
  }
  lw_buf_free(&out);
}

/* The console's bodies, byte for byte: a compare-and-swap that deletes the key and writes an
 * audit record in the same transaction, a prefix watch, a newest-first range. */
static void body_is(lw_buf *b, int rc, const char *want) {
  cr_assert_eq(rc, LW_OK);
  cr_assert_eq(b->len, strlen(want), "%.*s", (int)b->len, (char *)b->data);
  cr_assert(memcmp(b->data, want, b->len) == 0, "%.*s", (int)b->len, (char *)b->data);
  lw_buf_reset(b);
}

Test(etcd_msg, console_bodies) {
  lw_buf b;
  lw_buf_init(&b, 1 << 16);
  body_is(&b, lw_etcd_cas_with_body(&b, "/k", NULL, 0, 5, "/audit/1", "x"),
          "{\"compare\":[{\"key\":\"L2s=\",\"target\":\"MOD\",\"result\":\"EQUAL\","
          "\"mod_revision\":\"5\"}],\"success\":[{\"request_delete_range\":{\"key\":\"L2s=\"}},"
          "{\"request_put\":{\"key\":\"L2F1ZGl0LzE=\",\"value\":\"eA==\"}}],"
          "\"failure\":[{\"request_range\":{\"key\":\"L2s=\"}}]}");
  body_is(&b, lw_etcd_watch_prefix_body(&b, "/logwire/", 9),
          "{\"create_request\":{\"key\":\"L2xvZ3dpcmUv\",\"range_end\":\"L2xvZ3dpcmUw\","
          "\"start_revision\":\"9\"}}");
  body_is(&b, lw_etcd_watch_prefix_body(&b, "\xff", 0),
          "{\"create_request\":{\"key\":\"/w==\",\"range_end\":\"AA==\"}}"); /* every key */
  body_is(&b, lw_etcd_range_sorted_body(&b, "/p/", 10, true),
          "{\"key\":\"L3Av\",\"range_end\":\"L3Aw\",\"limit\":\"10\",\"sort_order\":\"DESCEND\","
          "\"sort_target\":\"KEY\"}");
  lw_buf_free(&b);
}
