/* fuzz_etcd_msg.c — what the fleet client reads from etcd, on arbitrary bytes: an HTTP answer
 * (head, then a chunked or sized body), split into stream lines, each read as a gateway
 * message with every accessor the agent and `logwire fleet` use (kvs, txn, lease, token,
 * watch events). No crash, no leak, decoded keys and values within their ceilings.
 * seeds: tests/fixtures/etcd-3.4/[a-z]*.http
 * The fuzz build links base/ and proto/ only: base64 comes from net/scram.c, built without
 * OpenSSL here. */
#undef LW_TLS
#define LW_TLS 0
#include "net/scram.c"
#include "base/http.h"
#include "fleet/etcd_msg.c"

static lw_jtok toks[4096];

static void read_msg(const uint8_t *p, size_t n) {
  lw_etcd_resp r;
  if (lw_etcd_resp_parse(&r, (const char *)p, n, toks, 4096) != LW_OK)
    return;
  lw_etcd_kv kv;
  lw_buf_init(&kv.key, 4096);
  lw_buf_init(&kv.value, 1 << 16);
  int kvs = lw_etcd_kvs(&r, r.root);
  for (uint32_t i = 0; kvs >= 0 && i < r.doc.t[kvs].n && i < 8; i++) {
    lw_buf_reset(&kv.key);
    lw_buf_reset(&kv.value);
    lw_etcd_kv_decode(&r.doc, lw_jdoc_at(&r.doc, kvs, i), &kv);
    if (kv.key.len > 4096 || kv.value.len > (1 << 16))
      __builtin_trap();
  }
  (void)lw_etcd_txn_succeeded(&r);
  (void)lw_etcd_kvs(&r, lw_etcd_txn_response(&r, 1, "response_range"));
  (void)lw_etcd_lease_id(&r);
  (void)lw_etcd_lease_ttl(&r);
  char tok[64];
  (void)lw_etcd_token(&r, tok, sizeof tok);
  lw_etcd_watch_info w;
  lw_etcd_watch_info_get(&r, &w);
  for (uint32_t i = 0; i < w.nevents && i < 8; i++) {
    bool del;
    int k = lw_etcd_event(&r, &w, i, &del);
    lw_buf_reset(&kv.key);
    lw_buf_reset(&kv.value);
    if (k >= 0)
      lw_etcd_kv_decode(&r.doc, k, &kv);
  }
  lw_buf_free(&kv.key);
  lw_buf_free(&kv.value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  read_msg(data, size); /* the bytes as one message */
  lw_http_head h;
  if (lw_http_parse_response(data, size, 8192, &h) != LW_OK)
    return 0;
  lw_buf body;
  lw_buf_init(&body, 1 << 16);
  const uint8_t *p = data + h.head_len;
  size_t n = size - h.head_len, used;
  if (h.chunked) {
    lw_http_chunked d;
    lw_http_chunked_init(&d);
    lw_http_chunked_decode(&d, p, n, &used, &body);
  } else {
    lw_buf_append(&body, p, n);
  }
  size_t pos = 0, s, e;
  while (lw_etcd_next_line(body.data, body.len, &pos, &s, &e))
    read_msg(body.data + s, e - s);
  lw_buf_free(&body);
  return 0;
}
