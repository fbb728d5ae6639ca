/* test_http_codec.c — the sans-I/O HTTP/1.1 codec: request and response heads (every prefix
 * is NEED_MORE, the whole is OK), framing fields, refusals (control bytes, smuggling, caps),
 * chunked bodies fed whole and one byte at a time, writers read back by the parser, URLs. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/http.h"
#include "base/err.h"

static const char REQ[] = "POST /v3/kv/range HTTP/1.1\r\nHost: 127.0.0.1:2379\r\n"
                          "Content-Type: application/json\r\nContent-Length: 12\r\n\r\n";

Test(http_codec, request_head_and_every_prefix) {
  lw_http_head h;
  size_t n = strlen(REQ);
  for (size_t k = 0; k < n; k++)
    cr_assert_eq(lw_http_parse_request(REQ, k, 8192, &h), LW_ERR_NEED_MORE, "prefix %zu", k);
  cr_assert_eq(lw_http_parse_request(REQ, n, 8192, &h), LW_OK);
  cr_assert_eq(h.head_len, n);
  cr_assert_eq(h.method_len, 4);
  cr_assert_eq(memcmp(h.method, "POST", 4), 0);
  cr_assert_eq(h.target_len, 12);
  cr_assert_eq(h.minor, 1);
  cr_assert_eq(h.content_length, 12);
  cr_assert_not(h.chunked);
  cr_assert_not(h.close);
  const lw_http_field *f = lw_http_find(&h, "content-TYPE");
  cr_assert(f);
  cr_assert_eq(f->value_len, 16);
  cr_assert_null(lw_http_find(&h, "X-Missing"));
}

Test(http_codec, response_head_chunked_and_close) {
  const char *r = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\nrest";
  lw_http_head h;
  cr_assert_eq(lw_http_parse_response(r, strlen(r), 8192, &h), LW_OK);
  cr_assert_eq(h.status, 200);
  cr_assert_eq(h.reason_len, 2);
  cr_assert(h.chunked);
  cr_assert(h.close);
  cr_assert_eq(h.head_len, strlen(r) - 4);
  /* HTTP/1.0 closes unless keep-alive; an empty reason is allowed. */
  const char *r10 = "HTTP/1.0 404\r\n\r\n";
  cr_assert_eq(lw_http_parse_response(r10, strlen(r10), 8192, &h), LW_OK);
  cr_assert_eq(h.status, 404);
  cr_assert(h.close);
  cr_assert_eq(h.content_length, -1);
}

Test(http_codec, refusals) {
  lw_http_head h;
  const char *bad[] = {
      "GET / HTTP/1.1\r\nHost: a\r\n\x01\r\n\r\n",                        /* control byte */
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", /* two lengths */
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      "GET / HTTP/1.1\r\n folded: no\r\n\r\n",
      "GET /\r\n\r\n",
      "GET  / HTTP/1.1\r\n\r\n",
      "G(T / HTTP/1.1\r\n\r\n",
      "GET / HTTP/11\r\n\r\n",
      "GET / HTTP/1.1\r\nName : v\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_assert_eq(lw_http_parse_request(bad[i], strlen(bad[i]), 8192, &h), LW_ERR_MALFORMED,
                 "case %zu", i);
  const char *badr[] = {"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 200OK\r\n\r\n",
                        "HTTX/1.1 200 OK\r\n\r\n", "HTTP/1.1 099 x\r\n\r\n"};
  for (size_t i = 0; i < sizeof badr / sizeof *badr; i++)
    cr_assert_eq(lw_http_parse_response(badr[i], strlen(badr[i]), 8192, &h), LW_ERR_MALFORMED,
                 "case %zu", i);
  /* Version 2.0 parses, for the caller to answer 505. */
  cr_assert_eq(lw_http_parse_request("GET / HTTP/2.0\r\n\r\n", 18, 8192, &h), LW_OK);
  cr_assert_eq(h.minor, -1);
  /* Caps: the head, the field count. */
  cr_assert_eq(lw_http_parse_request(REQ, strlen(REQ), 20, &h), LW_ERR_TOO_LARGE);
  char many[4096] = "GET / HTTP/1.1\r\n";
  for (int i = 0; i <= LW_HTTP_MAX_HEADERS; i++)
    strcat(many, "X-A: b\r\n");
  strcat(many, "\r\n");
  cr_assert_eq(lw_http_parse_request(many, strlen(many), 8192, &h), LW_ERR_TOO_LARGE);
}

static const char CHUNKED[] = "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\nNEXT";

Test(http_codec, chunked_whole_and_byte_at_a_time) {
  lw_http_chunked d;
  lw_buf out;
  size_t used, n = strlen(CHUNKED);
  lw_http_chunked_init(&d);
  lw_buf_init(&out, 1024);
  cr_assert_eq(lw_http_chunked_decode(&d, CHUNKED, n, &used, &out), LW_OK);
  cr_assert_eq(used, n - 4);
  cr_assert_eq(out.len, 12);
  cr_assert_eq(memcmp(out.data, "hello, world", 12), 0);
  lw_buf_reset(&out);
  lw_http_chunked_init(&d);
  int rc = LW_ERR_NEED_MORE;
  size_t i = 0;
  for (; i < n && rc == LW_ERR_NEED_MORE; i++) {
    rc = lw_http_chunked_decode(&d, CHUNKED + i, 1, &used, &out);
    cr_assert_eq(used, 1);
  }
  cr_assert_eq(rc, LW_OK);
  cr_assert_eq(i, n - 4);
  cr_assert_eq(memcmp(out.data, "hello, world", 12), 0);
  lw_buf_free(&out);
}

Test(http_codec, chunked_refusals_and_cap) {
  const char *bad[] = {"x\r\n", "5\r\nhelloX\r\n", "\r\n", "5;\x01\r\n"};
  for (size_t i = 0; i < 4; i++) {
    lw_http_chunked d;
    lw_buf out;
    size_t used;
    lw_http_chunked_init(&d);
    lw_buf_init(&out, 1024);
    cr_assert_eq(lw_http_chunked_decode(&d, bad[i], strlen(bad[i]), &used, &out), LW_ERR_MALFORMED,
                 "case %zu", i);
    lw_buf_free(&out);
  }
  lw_http_chunked d;
  lw_buf out;
  size_t used;
  lw_http_chunked_init(&d);
  lw_buf_init(&out, 8);
  cr_assert_eq(lw_http_chunked_decode(&d, CHUNKED, strlen(CHUNKED), &used, &out), LW_ERR_TOO_LARGE);
  lw_buf_free(&out);
  /* A size past 2^60 is refused, not wrapped. */
  lw_http_chunked_init(&d);
  lw_buf_init(&out, 8);
  cr_assert_eq(lw_http_chunked_decode(&d, "10000000000000000\r\n", 19, &used, &out),
               LW_ERR_MALFORMED);
  lw_buf_free(&out);
}

Test(http_codec, writers_read_back) {
  lw_buf b;
  lw_buf_init(&b, 4096);
  cr_assert_eq(
      lw_http_write_request(&b, "POST", "/v3/kv/put", "h:1", "Authorization: t\r\n", "{}", 2),
      LW_OK);
  lw_http_head h;
  cr_assert_eq(lw_http_parse_request(b.data, b.len, 8192, &h), LW_OK);
  cr_assert_eq(h.content_length, 2);
  cr_assert_eq(b.len - h.head_len, 2);
  cr_assert(lw_http_find(&h, "authorization"));
  lw_buf_reset(&b);
  cr_assert_eq(lw_http_write_response(&b, 405, "text/plain", "Allow: GET\r\n", "no", 2, true),
               LW_OK);
  cr_assert_eq(lw_http_parse_response(b.data, b.len, 8192, &h), LW_OK);
  cr_assert_eq(h.status, 405);
  cr_assert_eq(h.content_length, 2);
  cr_assert_eq(h.head_len, b.len); /* head only */
  cr_assert_str_eq(lw_http_reason(405), "Method Not Allowed");
  lw_buf_free(&b);
}

Test(http_codec, urls_and_addresses) {
  lw_http_url u;
  cr_assert_eq(lw_http_parse_url("http://10.0.0.5:2379", &u), LW_OK);
  cr_assert_str_eq(u.host, "10.0.0.5");
  cr_assert_eq(u.port, 2379);
  cr_assert_not(u.tls);
  cr_assert_eq(lw_http_parse_url("https://[::1]/x", &u), LW_OK);
  cr_assert_str_eq(u.host, "::1");
  cr_assert_eq(u.port, 443);
  cr_assert_str_eq(u.path, "/x");
  cr_assert(u.tls);
  cr_assert_eq(lw_http_parse_url("etcd:2379", &u), LW_ERR_CONFIG);
  cr_assert_eq(lw_http_parse_url("http://", &u), LW_ERR_CONFIG);
  cr_assert_eq(lw_http_parse_url("http://h:99999", &u), LW_ERR_CONFIG);
  int port;
  char host[64];
  cr_assert_eq(lw_http_split_addr("[::1]:80", host, sizeof host, &port), LW_OK);
  cr_assert_eq(lw_http_split_addr("::1:80", NULL, 0, NULL), LW_ERR_CONFIG);
}
