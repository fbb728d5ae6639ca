/* cli.c — options and setup shared by produce, consume, metadata and versions. */
#include "agent/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/tls.h"
#include "base/err.h"

void lw_cli_init(lw_cli *cli) {
  memset(cli, 0, sizeof(*cli));
  lw_producer_conf_init(&cli->conf);
}

void lw_cli_log(void *ud, int level, const char *msg) {
  lw_cli *cli = ud;
  static const char *names[] = {"debug", "info", "warning", "error"};
  if (level < 0 || level > 3)
    level = 3;
  if (level >= 2 - cli->verbosity)
    fprintf(stderr, "logwire: %s: %s\n", names[level], msg);
}

static int set_kv(lw_cli *cli, const char *kv) {
  const char *eq = strchr(kv, '=');
  if (!eq || eq == kv) {
    fprintf(stderr, "logwire: -X expects key=value, got \"%s\"\n", kv);
    return -1;
  }
  char key[128];
  snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
  char err[256];
  int rc = lw_producer_conf_set(&cli->conf, key, eq + 1, err, sizeof err);
  if (rc != LW_OK) {
    fprintf(stderr, "logwire: -X %s: %s\n", key, err);
    return -1;
  }
  if (lw_producer_conf_secret(key) && eq[1])
    fprintf(stderr,
            "logwire: warning: -X %s on the command line is visible to every user of this machine "
            "(ps, /proc); put the secret in a file readable only by you and use -X %s_file=FILE\n",
            key, strstr(key, "ssl") ? "ssl_key_password" : "sasl_password");
  return 1;
}

int lw_cli_option(lw_cli *cli, int argc, char **argv, int i, int *used) {
  const char *a = argv[i];
  *used = 1;
  if (!strcmp(a, "--trace")) {
    cli->trace = true;
    return 1;
  }
  if (!strcmp(a, "-d") || !strcmp(a, "--debug")) {
    cli->verbosity = 2;
    return 1;
  }
  if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
    cli->verbosity = -1;
    return 1;
  }
  bool b = !strcmp(a, "-b") || !strcmp(a, "--brokers");
  bool x = !strcmp(a, "-X");
  if (!b && !x) {
    if (!strncmp(a, "-b", 2) && a[2]) {
      char err[128];
      lw_producer_conf_set(&cli->conf, "brokers", a + 2, err, sizeof err);
      return 1;
    }
    if (!strncmp(a, "-X", 2) && a[2])
      return set_kv(cli, a + 2);
    return 0;
  }
  if (i + 1 >= argc) {
    fprintf(stderr, "logwire: %s needs a value\n", a);
    return -1;
  }
  *used = 2;
  if (b) {
    char err[128];
    lw_producer_conf_set(&cli->conf, "brokers", argv[i + 1], err, sizeof err);
    return 1;
  }
  return set_kv(cli, argv[i + 1]);
}

int lw_cli_start(lw_cli *cli) {
  char key[64], err[256];
  if (lw_producer_conf_check(&cli->conf, key, sizeof key, err, sizeof err) != LW_OK) {
    fprintf(stderr, "logwire: %s: %s\n", key, err);
    return LW_ERR_CONFIG;
  }
  if (lw_loop_new(&cli->loop) != LW_OK) {
    fprintf(stderr, "logwire: cannot create the event loop\n");
    return LW_ERR_IO;
  }
  cli->ctx.loop = cli->loop;
  cli->ctx.conf = &cli->conf;
  cli->ctx.log = lw_cli_log;
  cli->ctx.log_ud = cli;
  cli->ctx.rng = (uint64_t)lw_now_us() * 2654435761u + 1;
  cli->started_us = lw_now_us();
  if (cli->trace) {
    cli->ctx.trace = lw_trace_frame;
    cli->ctx.trace_ud = cli;
  }
  if (cli->conf.security_protocol == LW_SEC_SSL || cli->conf.security_protocol == LW_SEC_SASL_SSL) {
    int rc = lw_tls_ctx_new(&cli->ctx.tls, &cli->conf, err, sizeof err);
    if (rc != LW_OK) {
      fprintf(stderr, "logwire: TLS: %s\n", err);
      return rc;
    }
  }
  return LW_OK;
}

bool lw_cli_gave_up(lw_cli *cli, const char *cmd, bool unreachable) {
  if (cli->gave_up)
    return true;
  const lw_net_ctx *x = &cli->ctx;
  bool fatal = x->last_err == LW_ERR_AUTH || x->last_err == LW_ERR_TLS;
  if (x->ever_ready && !fatal)
    return false;
  if (!fatal && (!unreachable || lw_now_us() - cli->started_us < (uint64_t)LW_CLI_REACH_MS * 1000u))
    return false;
  cli->gave_up = true;
  const char *brokers = cli->conf.brokers ? cli->conf.brokers : "";
  if (x->last_err == LW_ERR_AUTH)
    fprintf(stderr,
            "logwire %s: authentication failed: %s\n"
            "  check sasl_username, sasl_password (or sasl_password_file) and sasl_mechanism\n",
            cmd, x->last_why);
  else if (x->last_err == LW_ERR_TLS)
    fprintf(stderr,
            "logwire %s: TLS handshake failed: %s\n"
            "  check ssl_ca_file (the broker's CA), ssl_cert_file/ssl_key_file when the broker "
            "requires a client certificate, and that the port speaks TLS\n",
            cmd, x->last_why);
  else if (x->last_err)
    fprintf(stderr,
            "logwire %s: no broker of %s answered within %d s: %s\n"
            "  is Kafka running there, and is that a listener's address and port? "
            "(-X security_protocol= must match the listener)\n",
            cmd, brokers, LW_CLI_REACH_MS / 1000, x->last_why);
  else
    fprintf(stderr,
            "logwire %s: no broker of %s answered within %d s (no error: the connection hangs;\n"
            "  is that a Kafka listener, with the right security_protocol?)\n",
            cmd, brokers, LW_CLI_REACH_MS / 1000);
  return true;
}

void lw_cli_free(lw_cli *cli) {
  if (cli->ctx.tls)
    lw_tls_ctx_free(cli->ctx.tls);
  lw_loop_free(cli->loop);
  lw_producer_conf_free(&cli->conf);
}
