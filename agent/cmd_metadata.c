/* cmd_metadata.c — `logwire metadata`: brokers, controller, topics, partitions, leaders,
 * replicas and in-sync replicas, like `kcat -L`. Never creates a topic by asking about it. */
#include <stdio.h>
#include <string.h>

#include "agent/cli.h"
#include "agent/cmds.h"
#include "net/cluster.h"
#include "base/err.h"

typedef struct md_run {
  bool done;
  lw_loop *loop;
} md_run;

static void on_md(lw_cluster *cl, void *ud) {
  (void)cl;
  md_run *r = ud;
  r->done = true;
  lw_loop_stop(r->loop);
}

typedef struct md_wait {
  lw_cli *cli;
  uint64_t deadline_us;
} md_wait;

/* Every 100 ms: give up when no broker answers (lw_cli_gave_up) or at the deadline. */
static void on_deadline(lw_loop *l, lw_timer *t, void *ud) {
  md_wait *w = ud;
  if (lw_cli_gave_up(w->cli, "metadata", true) || lw_now_us() >= w->deadline_us)
    lw_loop_stop(l);
  else
    lw_timer_start(l, t, 100000);
}

static void print_ids(const int32_t *ids, int32_t n) {
  for (int32_t i = 0; i < n; i++)
    printf("%s%d", i ? "," : "", (int)ids[i]);
}

int lw_cmd_metadata(int argc, char **argv) {
  lw_cli cli;
  lw_cli_init(&cli);
  const char *topic = NULL, *bad = NULL;
  bool help = false;
  for (int i = 1; i < argc; i++) {
    int used, c = lw_cli_option(&cli, argc, argv, i, &used);
    if (c < 0)
      goto usage;
    if (c > 0) {
      i += used - 1;
      continue;
    }
    if (!strcmp(argv[i], "-t") && i + 1 < argc) {
      topic = argv[++i];
    } else {
      help = !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help");
      bad = help ? NULL : argv[i];
      goto usage;
    }
  }
  if (lw_cli_start(&cli) != LW_OK)
    goto usage;
  md_run r = {.loop = cli.loop};
  lw_cluster *cl;
  lw_cluster_cbs cbs = {.on_metadata = on_md};
  if (lw_cluster_new(&cl, &cli.ctx, &cbs, &r) != LW_OK) {
    lw_cli_free(&cli);
    return LW_EXIT_USAGE;
  }
  lw_cluster_set_auto_create(cl, false);
  if (topic)
    lw_cluster_topic(cl, topic);
  else
    lw_cluster_refresh(cl, true);
  lw_timer deadline;
  md_wait w = {.cli = &cli,
               .deadline_us =
                   lw_now_us() +
                   (uint64_t)(cli.conf.connect_timeout_ms + cli.conf.request_timeout_ms) * 1000u};
  lw_timer_init(&deadline, on_deadline, &w);
  lw_timer_start(cli.loop, &deadline, 100000);
  lw_loop_run(cli.loop);
  lw_timer_stop(cli.loop, &deadline);
  int rc = LW_EXIT_OK;
  if (!r.done && cli.gave_up) {
    rc = LW_EXIT_FAIL;
  } else if (!r.done) {
    int e = lw_cluster_error(cl);
    fprintf(stderr, "logwire metadata: no metadata from %s: %s\n", cli.conf.brokers,
            e ? lw_err_str(e) : "timed out");
    rc = LW_EXIT_FAIL;
  } else {
    const lw_broker_info *b;
    int nb = 0;
    while (lw_cluster_broker(cl, nb, &b))
      nb++;
    const char *cid = lw_cluster_id(cl);
    printf("Metadata for %s%s%s (cluster %s):\n", topic ? "topic \"" : "all topics",
           topic ? topic : "", topic ? "\"" : "", cid ? cid : "-");
    printf(" %d broker%s:\n", nb, nb == 1 ? "" : "s");
    for (int i = 0; lw_cluster_broker(cl, i, &b); i++)
      printf("  broker %d at %s:%d%s%s%s\n", (int)b->id, b->host, b->port, b->rack ? " rack " : "",
             b->rack ? b->rack : "", b->id == lw_cluster_controller(cl) ? " (controller)" : "");
    const lw_topic_info *t;
    int nt = 0;
    while (lw_cluster_topic_at(cl, nt, &t))
      nt++;
    printf(" %d topic%s:\n", nt, nt == 1 ? "" : "s");
    for (int i = 0; lw_cluster_topic_at(cl, i, &t); i++) {
      if (t->err || t->missing_since_us) {
        int e = t->err ? t->err : LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
        printf("  topic \"%s\" error: %s (%s)\n", t->name, lw_err_name(e), lw_err_str(e));
        rc = LW_EXIT_FAIL;
        continue;
      }
      printf("  topic \"%s\" with %d partition%s:\n", t->name, (int)t->partitions,
             t->partitions == 1 ? "" : "s");
      for (int32_t p = 0; p < t->partitions; p++) {
        const lw_part_info *pi = &t->parts[p];
        printf("    partition %d, leader %d, replicas: ", (int)p, (int)pi->leader);
        print_ids(pi->replicas, pi->nreplicas);
        printf(", isrs: ");
        print_ids(pi->isr, pi->nisr);
        if (pi->noffline) {
          printf(", offline: ");
          print_ids(pi->offline, pi->noffline);
        }
        if (pi->err)
          printf(", error: %s", lw_err_name(pi->err));
        printf("\n");
      }
    }
  }
  lw_cluster_free(cl);
  lw_cli_free(&cli);
  return rc;
usage:
  if (bad)
    fprintf(stderr, "logwire metadata: unknown option or missing value: \"%s\"\n", bad);
  fprintf(help ? stdout : stderr,
          "usage: logwire metadata -b BROKERS [-t TOPIC] [-X key=value]... [--trace] [-d|-q]\n"
          "Brokers, topics, partitions and leaders (all topics, or TOPIC). Gives up after %d s\n"
          "when no broker answers.\n",
          LW_CLI_REACH_MS / 1000);
  lw_cli_free(&cli);
  return help ? LW_EXIT_OK : LW_EXIT_USAGE;
}
