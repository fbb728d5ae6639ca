/* test_cmd_stats.c — `logwire stats` against a real lw_http server (its loop runs in a
 * second thread; the command blocks in the test's): JSON and --prometheus output, exit
 * codes for unreachable agents, error statuses and bad usage. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/cmds.h"
#include "agent/http.h"
#include "base/err.h"

static lw_loop *loop;
static lw_http_server *srv;
static pthread_t thr;
static int stop_pipe[2];
static char addr[64];
static atomic_int metrics_status = 200; /* set by a test, read on the loop's thread */

static int h_stats(void *ud, const lw_http_req *req, lw_buf *body, const char **ct) {
  (void)ud;
  (void)req;
  lw_buf_append(body, "{\"lines\":42}", 12);
  *ct = "application/json";
  return 200;
}

static int h_metrics(void *ud, const lw_http_req *req, lw_buf *body, const char **ct) {
  (void)ud;
  (void)req;
  const char *t = "# TYPE logwire_lines_total counter\nlogwire_lines_total 42\n";
  lw_buf_append(body, t, strlen(t));
  *ct = "text/plain; version=0.0.4";
  return atomic_load(&metrics_status);
}

static void on_stop(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)fd;
  (void)ev;
  (void)ud;
  lw_loop_stop(l);
}

static void *run(void *arg) {
  (void)arg;
  lw_loop_run(loop);
  return NULL;
}

static void setup(void) {
  cr_assert_eq(lw_loop_new(&loop), LW_OK);
  cr_assert_eq(lw_http_new(loop, "127.0.0.1:0", NULL, &srv), LW_OK);
  cr_assert_eq(lw_http_route(srv, "/stats", h_stats, NULL), LW_OK);
  cr_assert_eq(lw_http_route(srv, "/metrics", h_metrics, NULL), LW_OK);
  snprintf(addr, sizeof addr, "127.0.0.1:%d", lw_http_port(srv));
  cr_assert_eq(pipe(stop_pipe), 0);
  cr_assert_eq(lw_loop_add(loop, stop_pipe[0], LW_EV_READ, on_stop, NULL), LW_OK);
  cr_assert_eq(pthread_create(&thr, NULL, run, NULL), 0);
}

static void teardown(void) {
  /* The loop is stopped from its own thread, through the pipe. */
  cr_assert_eq(write(stop_pipe[1], "x", 1), 1);
  pthread_join(thr, NULL);
  lw_loop_del(loop, stop_pipe[0]);
  close(stop_pipe[0]);
  close(stop_pipe[1]);
  lw_http_free(srv);
  lw_loop_free(loop);
}
TestSuite(cmd_stats, .init = setup, .fini = teardown);

/* Run the command with stdout and stderr captured into files. */
static int run_cmd(int argc, char **argv, char *out, size_t outn, char *err, size_t errn) {
  fflush(stdout);
  fflush(stderr);
  FILE *fo = tmpfile(), *fe = tmpfile();
  int so = dup(1), se = dup(2);
  dup2(fileno(fo), 1);
  dup2(fileno(fe), 2);
  int code = lw_cmd_stats(argc, argv);
  fflush(stdout);
  fflush(stderr);
  dup2(so, 1);
  dup2(se, 2);
  close(so);
  close(se);
  rewind(fo);
  rewind(fe);
  size_t n = fread(out, 1, outn - 1, fo);
  out[n] = 0;
  n = fread(err, 1, errn - 1, fe);
  err[n] = 0;
  fclose(fo);
  fclose(fe);
  return code;
}

Test(cmd_stats, prints_json_and_prometheus) {
  char out[4096], err[4096];
  char *a1[] = {"stats", "-a", addr};
  cr_assert_eq(run_cmd(3, a1, out, sizeof out, err, sizeof err), 0, "stderr: %s", err);
  cr_assert_str_eq(out, "{\n  \"lines\": 42\n}\n", "indented for people by default");
  cr_assert_str_eq(err, "");
  char *a0[] = {"stats", "-a", addr, "--raw"};
  cr_assert_eq(run_cmd(4, a0, out, sizeof out, err, sizeof err), 0, "stderr: %s", err);
  cr_assert_str_eq(out, "{\"lines\":42}\n", "--raw: as served");

  char opt[80];
  snprintf(opt, sizeof opt, "--addr=%s", addr);
  char *a2[] = {"stats", opt, "--prometheus"};
  cr_assert_eq(run_cmd(3, a2, out, sizeof out, err, sizeof err), 0, "stderr: %s", err);
  cr_assert_str_eq(out, "# TYPE logwire_lines_total counter\nlogwire_lines_total 42\n");
}

Test(cmd_stats, unreachable_agent_exits_1) {
  /* A port that was just free: bound, then closed, so nothing listens there. */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t sl = sizeof a;
  cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &sl), 0);
  close(fd);
  char dead[64], want[160];
  snprintf(dead, sizeof dead, "127.0.0.1:%d", ntohs(a.sin_port));
  snprintf(want, sizeof want, "logwire stats: cannot connect to %s: Connection refused\n", dead);
  char out[256], err[1024];
  char *args[] = {"stats", "-a", dead};
  cr_assert_eq(run_cmd(3, args, out, sizeof out, err, sizeof err), 1);
  cr_assert_str_eq(out, "");
  /* The cause, then how to turn the endpoint on. */
  cr_assert(!strncmp(err, want, strlen(want)), "%s", err);
  cr_assert(strstr(err, "  [agent]\n  http = "), "%s", err);
}

Test(cmd_stats, error_status_exits_1) {
  atomic_store(&metrics_status, 503);
  char out[256], err[512], want[160];
  snprintf(want, sizeof want, "logwire stats: %s answered 503 for /metrics\n", addr);
  char *args[] = {"stats", "-a", addr, "--prometheus"};
  cr_assert_eq(run_cmd(4, args, out, sizeof out, err, sizeof err), 1);
  cr_assert_str_eq(out, "");
  cr_assert_str_eq(err, want);
}

Test(cmd_stats, usage_errors_exit_2) {
  char out[1024], err[1024];
  char *a1[] = {"stats", "--bogus"};
  cr_assert_eq(run_cmd(2, a1, out, sizeof out, err, sizeof err), 2);
  cr_assert(strstr(err, "unknown option \"--bogus\""), "%s", err);
  char *a2[] = {"stats", "-a", "nocolon"};
  cr_assert_eq(run_cmd(3, a2, out, sizeof out, err, sizeof err), 2);
  cr_assert_str_eq(err,
                   "logwire stats: bad address \"nocolon\" (expected HOST:PORT, [IPv6]:PORT)\n");
  char *a3[] = {"stats", "--help"};
  cr_assert_eq(run_cmd(2, a3, out, sizeof out, err, sizeof err), 0);
  cr_assert(strncmp(out, "usage: logwire stats", 20) == 0, "%s", out);
}
