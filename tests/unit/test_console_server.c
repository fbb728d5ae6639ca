/* test_console_server.c — the console's HTTP server over real loopback sockets, driven one loop
 * iteration at a time: answers now and later, request bodies, the caps (413, 431), malformed
 * requests (400 with a JSON error), a client that leaves before a late answer, event streams
 * and their close callback. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "console/server.h"
#include "base/err.h"

TestSuite(console_server);

static lw_loop *loop;
static lw_con_server *srv;
static lw_con_conn *pending, *stream;
static int closed_calls;
static char last_body[512];

static void on_closed(void *ud, lw_con_conn *c) {
  (void)ud;
  cr_assert_eq(c, stream);
  stream = NULL;
  closed_calls++;
}

static void handler(void *ud, lw_con_conn *c, const lw_con_req *r) {
  (void)ud;
  snprintf(last_body, sizeof last_body, "%s", r->body);
  if (!strcmp(r->path, "/now")) {
    char b[256];
    int n =
        snprintf(b, sizeof b, "{\"method\":\"%s\",\"query\":\"%s\",\"len\":%zu,\"csrf\":\"%s\"}",
                 r->method, r->query, r->body_len, r->csrf);
    lw_con_reply(c, 200, "application/json", NULL, b, (size_t)n);
  } else if (!strcmp(r->path, "/later")) {
    pending = c; /* answered by the test */
  } else if (!strcmp(r->path, "/events")) {
    cr_assert_eq(lw_con_sse_start(c, on_closed, NULL), LW_OK);
    stream = c;
    lw_con_sse_send(c, "hello", "{\"a\":1}", 7);
  } else {
    lw_con_reply_error(c, 404, "no such path");
  }
}

static void setup(void) {
  cr_assert_eq(lw_loop_new(&loop), LW_OK);
  char err[256];
  lw_con_server_opts o = {.max_head = 1024, .max_body = 2048, .timeout_ms = 2000};
  cr_assert_eq(lw_con_server_new(loop, "127.0.0.1:0", &o, handler, NULL, &srv, err, sizeof err),
               LW_OK, "%s", err);
  pending = stream = NULL;
  closed_calls = 0;
}

static void teardown(void) {
  lw_con_server_free(srv);
  lw_loop_free(loop);
}

static int client(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(lw_con_server_port(srv))};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  return fd;
}

/* Send raw, then run the loop and read until the server closes, `until` appears or ms pass. */
static char *exchange_fd(int fd, const char *raw, size_t len, const char *until, int ms) {
  static char out[65536];
  size_t n = 0;
  for (size_t off = 0; off < len;) {
    ssize_t w = send(fd, raw + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w > 0)
      off += (size_t)w;
    else if (w < 0 && errno != EAGAIN)
      break; /* the server answered early and closed */
    lw_loop_run_once(loop, 5);
  }
  uint64_t end = lw_now_ms() + (uint64_t)ms;
  while (lw_now_ms() < end && n < sizeof out - 1) {
    lw_loop_run_once(loop, 5);
    ssize_t r = recv(fd, out + n, sizeof out - 1 - n, MSG_DONTWAIT);
    if (r > 0) {
      n += (size_t)r;
      out[n] = 0;
      if (until && strstr(out, until))
        break;
    } else if (r == 0) {
      break;
    }
  }
  out[n] = 0;
  return out;
}

static char *exchange(const char *raw) {
  int fd = client();
  char *r = exchange_fd(fd, raw, strlen(raw), NULL, 5000);
  close(fd);
  return r;
}

Test(console_server, answers_with_the_request_fields, .init = setup, .fini = teardown) {
  char *r = exchange("POST /now?x=1 HTTP/1.1\r\nHost: h\r\nX-CSRF-Token: tok\r\n"
                     "Content-Length: 5\r\n\r\nhello");
  cr_assert(strstr(r, "HTTP/1.1 200 OK\r\n"), "%s", r);
  cr_assert(strstr(r, "{\"method\":\"POST\",\"query\":\"x=1\",\"len\":5,\"csrf\":\"tok\"}"), "%s",
            r);
  cr_assert(strstr(r, "Content-Security-Policy: default-src 'self'"), "%s", r);
  cr_assert_str_eq(last_body, "hello");
}

Test(console_server, a_body_in_pieces, .init = setup, .fini = teardown) {
  int fd = client();
  const char *head = "PUT /now HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01234";
  exchange_fd(fd, head, strlen(head), NULL, 100);
  cr_assert_str_eq(last_body, "", "answered before the body was whole");
  char *r = exchange_fd(fd, "56789", 5, NULL, 5000);
  cr_assert(strstr(r, "\"len\":10"), "%s", r);
  cr_assert_str_eq(last_body, "0123456789");
  close(fd);
}

Test(console_server, caps_and_malformed_requests, .init = setup, .fini = teardown) {
  char *r = exchange("POST /now HTTP/1.1\r\nHost: h\r\nContent-Length: 4096\r\n\r\n");
  cr_assert(strstr(r, "HTTP/1.1 413 ") && strstr(r, "{\"error\":"), "%s", r);
  char big[3000];
  memset(big, 'a', sizeof big);
  memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
  memcpy(big + sizeof big - 5, "\r\n\r\n", 5);
  r = exchange(big);
  cr_assert(strstr(r, "HTTP/1.1 431 "), "%s", r);
  r = exchange("NOT A REQUEST\r\n\r\n");
  cr_assert(strstr(r, "HTTP/1.1 400 ") && strstr(r, "application/json"), "%s", r);
  r = exchange("GET /now HTTP/2.0\r\nHost: h\r\n\r\n");
  cr_assert(strstr(r, "HTTP/1.1 505 "), "%s", r);
  r = exchange("POST /now HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  cr_assert(strstr(r, "HTTP/1.1 411 "), "%s", r);
  r = exchange("GET nopath HTTP/1.1\r\nHost: h\r\n\r\n");
  cr_assert(strstr(r, "HTTP/1.1 400 "), "%s", r);
  r = exchange("GET /elsewhere HTTP/1.1\r\nHost: h\r\n\r\n");
  cr_assert(strstr(r, "HTTP/1.1 404 ") && strstr(r, "{\"error\":\"no such path\"}"), "%s", r);
}

Test(console_server, a_late_answer, .init = setup, .fini = teardown) {
  int fd = client();
  const char *q = "GET /later HTTP/1.1\r\nHost: h\r\n\r\n";
  exchange_fd(fd, q, strlen(q), NULL, 100);
  cr_assert_not_null(pending);
  lw_con_reply(pending, 200, "application/json", NULL, "{}", 2);
  char *r = exchange_fd(fd, "", 0, NULL, 5000);
  cr_assert(strstr(r, "HTTP/1.1 200 OK") && strstr(r, "\r\n\r\n{}"), "%s", r);
  close(fd);
}

Test(console_server, the_client_leaves_before_the_answer, .init = setup, .fini = teardown) {
  int fd = client();
  const char *q = "GET /later HTTP/1.1\r\nHost: h\r\n\r\n";
  exchange_fd(fd, q, strlen(q), NULL, 100);
  cr_assert_not_null(pending);
  close(fd);
  for (int i = 0; i < 10; i++)
    lw_loop_run_once(loop, 5);
  lw_con_reply(pending, 200, "application/json", NULL, "{}", 2); /* frees it; ASan watches */
  char *r = exchange("GET /now HTTP/1.1\r\nHost: h\r\n\r\n");
  cr_assert(strstr(r, "HTTP/1.1 200 OK"), "%s", r);
}

Test(console_server, event_streams, .init = setup, .fini = teardown) {
  int fd = client();
  const char *q = "GET /events HTTP/1.1\r\nHost: h\r\n\r\n";
  char *r = exchange_fd(fd, q, strlen(q), "data: {\"a\":1}\n\n", 5000);
  cr_assert(strstr(r, "Content-Type: text/event-stream"), "%s", r);
  cr_assert(strstr(r, "event: hello\ndata: {\"a\":1}\n\n"), "%s", r);
  cr_assert_eq(lw_con_sse_send(stream, "agent", "{\n  \"b\":2\r\n}", 12), LW_OK);
  r = exchange_fd(fd, "", 0, "\"b\":2  }\n\n", 5000);
  cr_assert(strstr(r, "event: agent\ndata: {   \"b\":2  }\n\n"), "line breaks in data: %s", r);
  close(fd);
  for (int i = 0; i < 20 && stream; i++)
    lw_loop_run_once(loop, 5);
  cr_assert_eq(closed_calls, 1, "the close callback runs when the client leaves");
}
