/* mockcluster.c — test-only: run librdkafka's mock Kafka cluster and control it from stdin.
 * logwire itself never links librdkafka; this program is the independent peer the tests and
 * the demo talk to.
 *
 *   mockcluster [-n BROKERS] [-t TOPIC:PARTITIONS[:RF]]... [-a APIKEY:MIN:MAX]...
 *
 * Prints "bootstrap=HOST:PORT,..." as its first line, then reads one command per line and
 * answers each with "ok" or "error: ...":
 *   down ID | up ID                 take a broker down (connections closed) / back up
 *   leader TOPIC PARTITION ID       move a partition's leader
 *   err APIKEY CODE [COUNT]         the next COUNT requests of APIKEY fail with CODE
 *   brokerr ID APIKEY CODE RTT_MS   one request of APIKEY on broker ID fails with CODE after RTT
 *   clear APIKEY                    drop queued errors for APIKEY
 *   apiversion APIKEY MIN MAX       limit the versions the cluster advertises
 *   create TOPIC PARTITIONS RF      create a topic
 *   topicerr TOPIC CODE             every Metadata answer gives CODE for TOPIC
 *   rtt ID MS                       add MS of round-trip time to broker ID
 *   ping                            answers ok (to synchronise)
 * It exits on "quit", end of input, SIGINT or SIGTERM.
 *
 * librdkafka 2.0.2's mock writes ListOffsets v4+ LeaderEpoch as an int64 where the protocol has
 * an int32, so by default the cluster advertises ListOffsets v0-v3 only (clients then use v3,
 * which it encodes correctly); `-a 2:MIN:MAX` overrides this. */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int s) {
  (void)s;
  stop = 1;
}

static void answer(rd_kafka_resp_err_t err) {
  if (err)
    printf("error: %s\n", rd_kafka_err2str(err));
  else
    printf("ok\n");
  fflush(stdout);
}

static int command(rd_kafka_mock_cluster_t *mc, char *line) {
  char a[256], b[256];
  int x, y, z, w, n;
  if (sscanf(line, "down %d", &x) == 1)
    answer(rd_kafka_mock_broker_set_down(mc, x));
  else if (sscanf(line, "up %d", &x) == 1)
    answer(rd_kafka_mock_broker_set_up(mc, x));
  else if (sscanf(line, "leader %255s %d %d", a, &x, &y) == 3)
    answer(rd_kafka_mock_partition_set_leader(mc, a, x, y));
  else if ((n = sscanf(line, "err %d %d %d", &x, &y, &z)) >= 2) {
    int cnt = n == 3 ? z : 1;
    rd_kafka_resp_err_t *errs = calloc((size_t)(cnt > 0 ? cnt : 1), sizeof(*errs));
    for (int i = 0; i < cnt; i++)
      errs[i] = (rd_kafka_resp_err_t)y;
    rd_kafka_mock_push_request_errors_array(mc, (int16_t)x, (size_t)cnt, errs);
    free(errs);
    answer(0);
  } else if (sscanf(line, "brokerr %d %d %d %d", &x, &y, &z, &w) == 4)
    answer(rd_kafka_mock_broker_push_request_error_rtts(mc, x, (int16_t)y, 1,
                                                        (rd_kafka_resp_err_t)z, w));
  else if (sscanf(line, "clear %d", &x) == 1) {
    rd_kafka_mock_clear_request_errors(mc, (int16_t)x);
    answer(0);
  } else if (sscanf(line, "apiversion %d %d %d", &x, &y, &z) == 3)
    answer(rd_kafka_mock_set_apiversion(mc, (int16_t)x, (int16_t)y, (int16_t)z));
  else if (sscanf(line, "create %255s %d %d", a, &x, &y) == 3)
    answer(rd_kafka_mock_topic_create(mc, a, x, y));
  else if (sscanf(line, "topicerr %255s %d", a, &x) == 2) {
    rd_kafka_mock_topic_set_error(mc, a, (rd_kafka_resp_err_t)x);
    answer(0);
  } else if (sscanf(line, "rtt %d %d", &x, &y) == 2)
    answer(rd_kafka_mock_broker_set_rtt(mc, x, y));
  else if (strncmp(line, "ping", 4) == 0)
    answer(0);
  else if (strncmp(line, "quit", 4) == 0)
    return 1;
  else if (sscanf(line, "%255s %255s", a, b) >= 1) {
    printf("error: unknown command %s\n", a);
    fflush(stdout);
  }
  return 0;
}

int main(int argc, char **argv) {
  int brokers = 1, opt;
  char errstr[512];
  char *topics[64];
  int ntopics = 0;
  char *apis[64];
  int napis = 0;
  while ((opt = getopt(argc, argv, "n:t:a:")) != -1) {
    if (opt == 'n')
      brokers = atoi(optarg);
    else if (opt == 't' && ntopics < 64)
      topics[ntopics++] = optarg;
    else if (opt == 'a' && napis < 64)
      apis[napis++] = optarg;
    else {
      fprintf(stderr, "usage: %s [-n BROKERS] [-t TOPIC:PARTITIONS[:RF]] [-a KEY:MIN:MAX]\n",
              argv[0]);
      return 2;
    }
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "mockcluster: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    fprintf(stderr, "mockcluster: could not create the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  for (int i = 0; i < ntopics; i++) {
    char name[256];
    int parts = 1, rf = brokers < 3 ? brokers : 3;
    if (sscanf(topics[i], "%255[^:]:%d:%d", name, &parts, &rf) < 1) {
      fprintf(stderr, "mockcluster: bad -t %s\n", topics[i]);
      return 2;
    }
    if (rd_kafka_mock_topic_create(mc, name, parts, rf)) {
      fprintf(stderr, "mockcluster: cannot create %s\n", topics[i]);
      return 1;
    }
  }
  rd_kafka_mock_set_apiversion(mc, 2 /* ListOffsets */, 0, 3);
  for (int i = 0; i < napis; i++) {
    int k, lo, hi;
    if (sscanf(apis[i], "%d:%d:%d", &k, &lo, &hi) != 3 ||
        rd_kafka_mock_set_apiversion(mc, (int16_t)k, (int16_t)lo, (int16_t)hi)) {
      fprintf(stderr, "mockcluster: bad -a %s\n", apis[i]);
      return 2;
    }
  }
  printf("bootstrap=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  char line[1024];
  size_t used = 0;
  while (!stop) {
    struct pollfd p = {.fd = 0, .events = POLLIN};
    int n = poll(&p, 1, 200);
    if (n < 0 && errno != EINTR)
      break;
    if (n <= 0)
      continue;
    ssize_t r = read(0, line + used, sizeof line - 1 - used);
    if (r <= 0)
      break;
    used += (size_t)r;
    line[used] = 0;
    char *nl;
    int quit = 0;
    while (!quit && (nl = strchr(line, '\n'))) {
      *nl = 0;
      quit = command(mc, line);
      size_t rest = used - (size_t)(nl + 1 - line);
      memmove(line, nl + 1, rest);
      used = rest;
      line[used] = 0;
    }
    if (quit)
      break;
    if (used == sizeof line - 1)
      used = 0; /* an over-long line is dropped */
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
