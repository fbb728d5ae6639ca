/* main.c — logwire's entry point: dispatch to a subcommand. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "agent/cmds.h"
#include "console/lw_console.h"
#include "proto/version.h"

static void usage(FILE *f) {
  fprintf(f,
          "logwire %s — ships log lines to Apache Kafka, speaking Kafka's protocol itself\n"
          "\n"
          "usage: logwire COMMAND [OPTIONS]\n"
          "\n"
          "  run       -c FILE [--once] [--check]   the agent: follow files, ship lines\n"
          "  produce   -b BROKERS -t TOPIC ...       send each line of a file/stdin\n"
          "  consume   -b BROKERS -t TOPIC ...       print records\n"
          "  metadata  -b BROKERS [-t TOPIC]         brokers, topics, partitions, leaders\n"
          "  versions  -b BROKER                     the broker's API versions and logwire's\n"
          "  stats     [-a HOST:PORT]                statistics of a running agent\n"
          "  fleet     [--etcd URL] ls|get|put|edit|rm|status|history|rollback\n"
          "                                          the configuration kept in etcd\n"
          "  console   --etcd URL [--listen ADDR]    the fleet's web console (docs/CONSOLE.md)\n"
          "\n"
          "Common options: -X key=value (any producer option), --trace (every request and\n"
          "response decoded field by field on stderr), -d (debug log), -q (quiet).\n"
          "`logwire COMMAND --help` for a command's options; docs/ for the rest.\n",
          LW_VERSION);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  /* Batch buffers are large and short-lived: serve allocations of 64 KiB and more with their
   * own mappings, so that freeing one returns its memory to the system at once (glibc would
   * otherwise raise this threshold and keep freed batches in the heap). */
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
    printf("logwire %s\n", LW_VERSION);
    return 0;
  }
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    usage(stdout);
    return 0;
  }
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } cmds[] = {{"produce", lw_cmd_produce},   {"consume", lw_cmd_consume},
              {"metadata", lw_cmd_metadata}, {"versions", lw_cmd_versions},
              {"run", lw_cmd_run},           {"stats", lw_cmd_stats},
              {"fleet", lw_cmd_fleet},       {"console", lw_cmd_console}};
  for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
    if (!strcmp(cmd, cmds[i].name))
      return cmds[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "logwire: unknown command \"%s\"\n\n", cmd);
  usage(stderr);
  return 2;
}
