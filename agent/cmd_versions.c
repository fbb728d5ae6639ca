/* cmd_versions.c — `logwire versions`: the broker's ApiVersions table beside what logwire
 * implements and the version it will use for each API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cli.h"
#include "agent/cmds.h"
#include "proto/api.h"
#include "base/err.h"

typedef struct ver_run {
  int state, err;
} ver_run;

static void on_state(lw_conn *c, int state, int err, void *ud) {
  ver_run *r = ud;
  r->state = state;
  r->err = err;
  (void)c;
}

static void on_deadline(lw_loop *l, lw_timer *t, void *ud) {
  (void)t, (void)ud;
  lw_loop_stop(l);
}

int lw_cmd_versions(int argc, char **argv) {
  lw_cli cli;
  lw_cli_init(&cli);
  const char *bad = NULL;
  bool help = false;
  for (int i = 1; i < argc; i++) {
    int used, c = lw_cli_option(&cli, argc, argv, i, &used);
    if (c < 0)
      goto usage;
    if (c == 0) {
      help = !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help");
      bad = help ? NULL : argv[i];
      goto usage;
    }
    i += used - 1;
  }
  if (lw_cli_start(&cli) != LW_OK)
    goto usage;
  /* The first bootstrap address. */
  char host[256];
  int port = 0;
  const char *b = cli.conf.brokers;
  size_t n = strcspn(b, ", ");
  if (!lw_split_hostport(b, n, host, sizeof host, &port)) {
    fprintf(stderr, "logwire versions: bad broker address \"%.*s\"\n", (int)n, b);
    lw_cli_free(&cli);
    return LW_EXIT_USAGE;
  }
  ver_run r = {0};
  lw_conn *c;
  lw_conn_cbs cbs = {.on_state = on_state};
  if (lw_conn_new(&c, &cli.ctx, -1, host, port, &cbs, &r) != LW_OK) {
    lw_cli_free(&cli);
    return LW_EXIT_FAIL;
  }
  lw_timer deadline;
  lw_timer_init(&deadline, on_deadline, NULL);
  lw_timer_start(cli.loop, &deadline, (uint64_t)cli.conf.connect_timeout_ms * 1000u);
  lw_conn_want(c, true);
  while (r.state != LW_CONN_READY && r.state != LW_CONN_BACKOFF && !lw_loop_stopped(cli.loop))
    if (lw_loop_run_once(cli.loop, 1000) != LW_OK)
      break;
  lw_timer_stop(cli.loop, &deadline);
  int rc = LW_EXIT_OK;
  if (r.state != LW_CONN_READY) {
    fprintf(stderr, "logwire versions: cannot talk to %s: %s\n", lw_conn_name(c),
            cli.ctx.last_why[0] ? cli.ctx.last_why
            : r.err             ? lw_err_str(r.err)
                                : "timed out");
    rc = LW_EXIT_FAIL;
  } else {
    printf("Broker %s API versions (and logwire's):\n", lw_conn_name(c));
    printf("%-28s %4s  %-9s %-9s %s\n", "API", "key", "broker", "logwire", "uses");
    for (int16_t k = 0; k < 128; k++) {
      int16_t bmin, bmax, lmin, lmax;
      bool have_b = lw_conn_broker_range(c, k, &bmin, &bmax);
      bool have_l = lw_client_range(k, &lmin, &lmax);
      if (!have_b && !have_l)
        continue;
      char bs[16] = "-", ls[16] = "-", us[16] = "-";
      if (have_b)
        snprintf(bs, sizeof bs, "%d-%d", bmin, bmax);
      if (have_l)
        snprintf(ls, sizeof ls, "%d-%d", lmin, lmax);
      int16_t use = lw_conn_api_version(c, k);
      if (use >= 0)
        snprintf(us, sizeof us, "v%d", use);
      else if (have_b && have_l)
        snprintf(us, sizeof us, "none");
      const char *name = lw_api_name(k);
      char kname[32];
      if (!strcmp(name, "Unknown"))
        snprintf(kname, sizeof kname, "(key %d)", k), name = kname;
      printf("%-28s %4d  %-9s %-9s %s\n", name, k, bs, ls, us);
      if (have_b && have_l && use < 0)
        rc = LW_EXIT_FAIL; /* no overlap on an API logwire needs */
    }
  }
  lw_conn_free(c);
  lw_cli_free(&cli);
  return rc;
usage:
  if (bad)
    fprintf(stderr, "logwire versions: unknown option \"%s\"\n", bad);
  fprintf(help ? stdout : stderr,
          "usage: logwire versions -b BROKER [-X key=value]... [--trace] [-d|-q]\n"
          "The API versions the broker supports, logwire's, and the version used for each.\n");
  lw_cli_free(&cli);
  return help ? LW_EXIT_OK : LW_EXIT_USAGE;
}
