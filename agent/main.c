/* main.c — logwire's entry point: dispatch to a subcommand. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/buildinfo.h"
#include "agent/cli.h"
#include "agent/cmds.h"
#include "console/lw_console.h"
#include "net/producer_conf.h"
#include "proto/version.h"

static void usage(FILE *f) {
  fprintf(f,
          "logwire %s — ships log lines to Apache Kafka, speaking Kafka's protocol itself\n"
          "\n"
          "usage: logwire [GLOBAL OPTIONS] COMMAND [OPTIONS]\n"
          "\n"
          "  run       [-c FILE] [--once] [--check]  the agent: follow files, ship lines\n"
          "  produce   -b BROKERS -t TOPIC ...       send each line of a file/stdin\n"
          "  consume   -b BROKERS -t TOPIC ...       print records\n"
          "  metadata  -b BROKERS [-t TOPIC]         brokers, topics, partitions, leaders\n"
          "  versions  -b BROKER                     the broker's API versions and logwire's\n"
          "  stats     [-a HOST:PORT]                statistics of a running agent\n"
          "  fleet     [--etcd URL] ls|get|put|edit|rm|status|history|rollback\n"
          "                                          the configuration kept in etcd\n"
          "  console   --etcd URL [--listen ADDR]    the fleet's web console (docs/CONSOLE.md)\n"
          "\n"
          "Options every command takes, before or after its name: -d (debug log), -q (quiet),\n"
          "--trace (every request and response decoded field by field on stderr), and for\n"
          "the Kafka commands -b BROKERS and -X key=value (any producer option; -X list\n"
          "lists them). -V, --version: version, commit and build features.\n"
          "`logwire COMMAND --help` for a command's options. The agent's configuration\n"
          "(default " LW_DEFAULT_CONFIG ") is described in `man logwire.conf` and\n"
          "%s/CONFIG.md.\n",
          LW_VERSION, lw_build_docdir());
}

static void version(void) {
  printf("logwire %s (commit %s)\nfeatures: tls=%s static=%s compression=gzip,lz4\n", LW_VERSION,
         lw_build_commit(), lw_build_tls(), lw_build_static() ? "yes" : "no");
}

/* -X list: every producer option with its default and meaning. */
static void x_list(void) {
  const char *name, *deflt, *doc;
  printf("Producer options (-X key=value; [kafka] in the agent's configuration):\n");
  for (int i = 0; lw_producer_conf_key(i, &name, &deflt, &doc); i++)
    printf("  %-26s %s%s%s%s\n", name, doc, deflt && deflt[0] ? " (default " : "",
           deflt && deflt[0] ? deflt : "", deflt && deflt[0] ? ")" : "");
}

/* Options every command takes that may come before the command's name; the number of argv
 * entries one takes (0 when it is not one). */
static int global_option(int argc, char **argv, int i) {
  const char *a = argv[i];
  if (!strcmp(a, "-d") || !strcmp(a, "--debug") || !strcmp(a, "-q") || !strcmp(a, "--quiet") ||
      !strcmp(a, "--trace") || (!strncmp(a, "-X", 2) && a[2]) || (!strncmp(a, "-b", 2) && a[2]))
    return 1;
  if ((!strcmp(a, "-X") || !strcmp(a, "-b") || !strcmp(a, "-c")) && i + 1 < argc)
    return 2;
  return 0;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  /* Batch buffers are large and short-lived: serve allocations of 64 KiB and more with their
   * own mappings, so that freeing one returns its memory to the system at once (glibc would
   * otherwise raise this threshold and keep freed batches in the heap). */
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  /* Global options before the command move after it: `logwire -d run` is `logwire run -d`. */
  int first = 1;
  while (first < argc && global_option(argc, argv, first))
    first += global_option(argc, argv, first);
  for (int i = 1; i < first; i++)
    if ((!strcmp(argv[i], "-X") && i + 1 < first && !strcmp(argv[i + 1], "list")) ||
        !strcmp(argv[i], "-Xlist")) {
      x_list();
      return 0;
    }
  if (first >= argc) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[first];
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "version")) {
    version();
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
  for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
    if (strcmp(cmd, cmds[i].name))
      continue;
    /* argv for the command: its name, the options after it, then the global ones. */
    char **av = malloc(sizeof(*av) * (size_t)(argc + 1));
    if (!av) {
      fprintf(stderr, "logwire: out of memory\n");
      return 1;
    }
    int n = 0;
    av[n++] = argv[first];
    for (int j = first + 1; j < argc; j++)
      av[n++] = argv[j];
    for (int j = 1; j < first; j++)
      av[n++] = argv[j];
    av[n] = NULL;
    for (int j = 1; j < n; j++)
      if ((!strcmp(av[j], "-X") && j + 1 < n && !strcmp(av[j + 1], "list")) ||
          !strcmp(av[j], "-Xlist")) {
        x_list();
        free(av);
        return 0;
      }
    int rc = cmds[i].fn(n, av);
    free(av);
    return rc;
  }
  if (cmd[0] == '-')
    fprintf(stderr, "logwire: unknown option \"%s\" before the command\n\n", cmd);
  else
    fprintf(stderr, "logwire: unknown command \"%s\"\n\n", cmd);
  usage(stderr);
  return 2;
}
