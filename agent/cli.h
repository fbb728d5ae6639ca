/* cli.h — what the command-line tools share: broker and -X options, the network context,
 * logging to stderr, and the --trace printer. */
#ifndef LW_CLI_H
#define LW_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "net/conn.h"
#include "net/producer_conf.h"

typedef struct lw_cli {
  lw_producer_conf conf;
  lw_net_ctx ctx;
  lw_loop *loop;
  bool trace;
  int verbosity; /* 0 warnings and errors, 1 info, 2 debug */
  FILE *trace_out;
  uint64_t started_us; /* lw_cli_start */
  bool gave_up;
} lw_cli;

/* How long a one-shot command waits for a first broker to answer before giving up. */
#define LW_CLI_REACH_MS 5000

/* The configuration `logwire run` reads when no -c is given. */
#define LW_DEFAULT_CONFIG "/etc/logwire/logwire.conf"

/* Exit codes of every command. */
enum { LW_EXIT_OK = 0, LW_EXIT_FAIL = 1, LW_EXIT_USAGE = 2 };

/* Initialise defaults. */
void lw_cli_init(lw_cli *cli);
/* Handle one common option (-b, -X, --trace, -d, -q); returns 1 when consumed (with *used
 * set to how many argv entries it took), 0 when not a common option, -1 on a bad value
 * (message printed). */
int lw_cli_option(lw_cli *cli, int argc, char **argv, int i, int *used);
/* Validate the configuration and create the loop and the network context (and TLS context).
 * Returns LW_OK or prints why and returns an error. */
int lw_cli_start(lw_cli *cli);
void lw_cli_free(lw_cli *cli);

/* One-shot commands fail fast: true (after printing the cause and a hint on stderr, once) at
 * once when a broker refused the TLS handshake or the SASL credentials, which retrying will
 * not heal, and, with `unreachable`, when no broker connection became READY within
 * LW_CLI_REACH_MS. */
bool lw_cli_gave_up(lw_cli *cli, const char *cmd, bool unreachable);

/* Log hook for lw_net_ctx: "logwire: level: message" on stderr by verbosity. */
void lw_cli_log(void *ud, int level, const char *msg);

/* The --trace printer: every frame decoded field by field on `out`. */
void lw_trace_frame(void *ud, const lw_conn *c, bool outgoing, int16_t api_key, int16_t api_version,
                    const uint8_t *frame, size_t len);
/* Trace one frame into out (shared by --trace and tests). */
void lw_trace_print(FILE *out, const char *peer, bool outgoing, int16_t api_key,
                    int16_t api_version, const uint8_t *frame, size_t len);

#endif
