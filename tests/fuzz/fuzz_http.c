/* fuzz_http.c — the stats server's request handling on arbitrary bytes: each input is
 * written into one end of a socket pair whose other end the server owns, then the server
 * reads, parses and answers. No crash, no leak, and the connection always ends.
 * seeds: tests/fuzz/http-seeds/[a-z]*.txt
 * The fuzz build links base/ and proto/ only, so the agent and net sources used are included here.
 */
#include <sys/socket.h>

#include "agent/http.c"
#include "net/listen.c"
#include "net/loop.c"

static lw_loop *loop;
static lw_http_server *srv;

static int h_ok(void *ud, const lw_http_req *req, lw_buf *body, const char **ct) {
  (void)ud;
  (void)ct;
  lw_buf_append(body, req->query, strlen(req->query));
  return 200;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!loop) {
    lw_http_opts o = {.max_request = 512, .timeout_ms = 1000};
    if (lw_loop_new(&loop) || lw_http_new(loop, "127.0.0.1:0", &o, &srv) ||
        lw_http_route(srv, "/stats", h_ok, NULL))
      __builtin_trap();
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
    return 0;
  if (size > 4096)
    size = 4096;
  if (size && send(sv[1], data, size, MSG_NOSIGNAL) < 0)
    __builtin_trap();
  shutdown(sv[1], SHUT_WR);
  conn_new(srv, sv[0]);
  for (int i = 0; i < 8 && lw_http_conns(srv) > 0; i++)
    on_conn(loop, sv[0], LW_EV_READ, srv->conns);
  char sink[4096];
  while (recv(sv[1], sink, sizeof sink, 0) > 0) {
  }
  close(sv[1]);
  /* Input cut short without a complete head: the connection waits for the timeout; end it
   * the way the timer would. */
  while (srv->conns)
    conn_close(srv->conns);
  return 0;
}
