/* cmd_consume.c — `logwire consume`: print every record of a topic (or one partition) from a
 * start offset, checking batch CRCs and decompressing; with -e, exit at the end of every
 * partition. Plain Fetch without consumer groups or fetch sessions, like `kcat -C`. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cli.h"
#include "agent/cmds.h"
#include "net/cluster.h"
#include "proto/api.h"
#include "proto/batch.h"
#include "base/err.h"
#include "proto/fetch.h"
#include "proto/list_offsets.h"

#define PART_MAX_BYTES (1024 * 1024)
#define OFF_BEGINNING  (-2)
#define OFF_END        (-1)

typedef struct cpart {
  int32_t id;
  int64_t next; /* next offset to fetch, -1 while unresolved */
  int64_t hw;   /* high watermark from the last fetch */
  bool at_end;  /* reached hw (for -e) */
  bool busy;    /* a request for it is in flight */
  uint64_t retry_at;
} cpart;

typedef struct con_run {
  lw_cli cli;
  lw_cluster *cl;
  lw_topic_info *topic;
  const char *topic_name;
  int32_t only_part;
  int64_t start; /* OFF_BEGINNING, OFF_END, >= 0 absolute, or < -2: -start-2 from the end */
  bool exit_at_end, print_key, stop, started;
  int64_t max_count, count;
  cpart *parts;
  int32_t nparts;
  int rc;
  lw_prepare prep;
  lw_arena arena;
  lw_zctx z;
} con_run;

typedef struct creq {
  con_run *r;
  int16_t version;
  int n;
  cpart *p[];
} creq;

static void pump(con_run *r);

static void on_signal(lw_loop *l, int s, void *ud) {
  (void)s;
  ((con_run *)ud)->stop = true;
  lw_loop_stop(l);
}

static int32_t leader_of(con_run *r, int32_t id) {
  return id < r->topic->partitions ? r->topic->parts[id].leader : -1;
}

static void finish_if_done(con_run *r) {
  if (r->max_count > 0 && r->count >= r->max_count)
    r->stop = true;
  if (r->exit_at_end && r->nparts > 0) {
    bool all = true;
    for (int32_t i = 0; i < r->nparts && all; i++)
      all = r->parts[i].at_end;
    if (all)
      r->stop = true;
  }
  if (r->stop)
    lw_loop_stop(r->cli.loop);
}

static void part_error(con_run *r, cpart *p, int err) {
  uint64_t now = lw_now_us();
  if (err == LW_KAFKA_OFFSET_OUT_OF_RANGE) {
    fprintf(stderr,
            "logwire consume: %s[%d]: offset %" PRId64 " out of range, from the beginning\n",
            r->topic_name, p->id, p->next);
    p->next = -1;
    r->start = OFF_BEGINNING;
    return;
  }
  if (lw_err_retriable(err) || err < -100) {
    lw_cluster_refresh(r->cl, false);
    p->retry_at = now + 200000;
    return;
  }
  fprintf(stderr, "logwire consume: %s[%d]: %s (%s)\n", r->topic_name, p->id, lw_err_name(err),
          lw_err_str(err));
  r->rc = LW_EXIT_FAIL;
  r->stop = true;
}

/* ---- ListOffsets: resolve beginning/end ---- */

static void on_offsets(lw_conn *c, int err, const uint8_t *body, size_t len, void *ud) {
  (void)c;
  creq *q = ud;
  con_run *r = q->r;
  lw_lo_resp resp;
  lw_arena_reset(&r->arena);
  int rc = err;
  if (!rc) {
    lw_cur cur;
    lw_cur_init(&cur, body, len);
    rc = lw_lo_resp_decode(&cur, q->version, &r->arena, &resp);
  }
  for (int i = 0; i < q->n; i++) {
    cpart *p = q->p[i];
    p->busy = false;
    const lw_lo_resp_part *pr = NULL;
    for (int32_t t = 0; !rc && t < resp.TopicsCount; t++)
      for (int32_t k = 0; k < resp.Topics[t].PartitionsCount; k++)
        if (resp.Topics[t].Partitions[k].PartitionIndex == p->id)
          pr = &resp.Topics[t].Partitions[k];
    int e = rc ? rc : pr ? pr->ErrorCode : LW_ERR_MALFORMED;
    if (e) {
      part_error(r, p, e);
      continue;
    }
    int64_t off = pr->Offset;
    if (r->start < OFF_BEGINNING) { /* N from the end */
      off -= -r->start - 2;
      if (off < 0)
        off = 0;
    }
    p->next = off;
  }
  free(q);
  finish_if_done(r);
}

/* ---- Fetch ---- */

static void print_record(con_run *r, const lw_record *rec) {
  if (r->print_key) {
    if (rec->Key.len > 0)
      fwrite(rec->Key.p, 1, (size_t)rec->Key.len, stdout);
    fputc('\t', stdout);
  }
  if (rec->Value.len > 0)
    fwrite(rec->Value.p, 1, (size_t)rec->Value.len, stdout);
  fputc('\n', stdout);
}

static void consume_records(con_run *r, cpart *p, const lw_fetch_resp_part *fp) {
  lw_records_iter it;
  lw_records_iter_init(&it, fp->Records.p, fp->Records.len > 0 ? (size_t)fp->Records.len : 0,
                       64u * 1024 * 1024, &r->arena, &r->z);
  lw_record rec;
  const lw_batch *b;
  int rc;
  while ((rc = lw_records_next(&it, &rec, &b)) == LW_OK) {
    if (rec.Offset < p->next)
      continue; /* a compressed batch starts before the offset asked for */
    p->next = rec.Offset + 1;
    if (b && (b->Attributes & LW_BATCH_ATTR_CONTROL))
      continue; /* transaction markers are not data */
    print_record(r, &rec);
    if (r->max_count > 0 && ++r->count >= r->max_count)
      break;
    if (r->max_count <= 0)
      r->count++;
  }
  /* A batch's last offsets may be compacted away or be control records: move past it. */
  if (rc == LW_ERR_NOT_FOUND && b && b->Magic == 2 && b->BaseOffset + b->LastOffsetDelta >= p->next)
    p->next = b->BaseOffset + b->LastOffsetDelta + 1;
  lw_records_iter_free(&it);
  if (rc != LW_OK && rc != LW_ERR_NOT_FOUND) {
    fprintf(stderr, "logwire consume: %s[%d] at offset %" PRId64 ": bad records: %s (%s)\n",
            r->topic_name, p->id, p->next, lw_err_name(rc), lw_err_str(rc));
    r->rc = LW_EXIT_FAIL;
    r->stop = true;
  }
}

static void on_fetch(lw_conn *c, int err, const uint8_t *body, size_t len, void *ud) {
  (void)c;
  creq *q = ud;
  con_run *r = q->r;
  lw_fetch_resp resp;
  lw_arena_reset(&r->arena);
  int rc = err;
  if (!rc) {
    lw_cur cur;
    lw_cur_init(&cur, body, len);
    rc = lw_fetch_resp_decode(&cur, q->version, &r->arena, &resp);
    if (!rc && resp.ErrorCode)
      rc = resp.ErrorCode;
  }
  for (int i = 0; i < q->n; i++) {
    cpart *p = q->p[i];
    p->busy = false;
    const lw_fetch_resp_part *fp = NULL;
    for (int32_t t = 0; !rc && t < resp.ResponsesCount; t++)
      for (int32_t k = 0; k < resp.Responses[t].PartitionsCount; k++)
        if (resp.Responses[t].Partitions[k].PartitionIndex == p->id)
          fp = &resp.Responses[t].Partitions[k];
    int e = rc ? rc : fp ? fp->ErrorCode : LW_ERR_MALFORMED;
    if (e) {
      part_error(r, p, e);
      continue;
    }
    p->hw = fp->HighWatermark;
    if (fp->Records.len > 0)
      consume_records(r, p, fp);
    if (p->next >= p->hw)
      p->at_end = true;
    if (r->stop)
      break;
  }
  free(q);
  finish_if_done(r);
}

/* One request per leader: ListOffsets for unresolved partitions, else Fetch. */
static void send_for_leader(con_run *r, int32_t leader, bool offsets) {
  lw_conn *c = lw_cluster_broker_conn(r->cl, leader);
  if (!c || !lw_conn_has_room(c))
    return;
  uint64_t now = lw_now_us();
  creq *q = malloc(sizeof(*q) + (size_t)r->nparts * sizeof(cpart *));
  if (!q)
    return;
  q->r = r;
  q->n = 0;
  for (int32_t i = 0; i < r->nparts; i++) {
    cpart *p = &r->parts[i];
    if (p->busy || leader_of(r, p->id) != leader || p->retry_at > now || (p->next < 0) != offsets)
      continue;
    if (!offsets && r->exit_at_end && p->at_end)
      continue;
    q->p[q->n++] = p;
  }
  int16_t api = offsets ? LW_API_LIST_OFFSETS : LW_API_FETCH;
  int16_t v = lw_conn_api_version(c, api);
  if (q->n == 0 || v < 0) {
    if (q->n && v < 0) {
      fprintf(stderr, "logwire consume: broker %s has no %s version logwire speaks\n",
              lw_conn_name(c), lw_api_name(api));
      r->rc = LW_EXIT_FAIL;
      r->stop = true;
      lw_loop_stop(r->cli.loop);
    }
    free(q);
    return;
  }
  q->version = v;
  lw_buf *b = lw_conn_request_begin(c, api, v);
  if (!b) {
    free(q);
    return;
  }
  int rc = LW_ERR_NOMEM;
  lw_lo_req_part *lp = NULL;
  lw_fetch_req_part *fpp = NULL;
  if (offsets && (lp = calloc((size_t)q->n, sizeof(*lp)))) {
    for (int i = 0; i < q->n; i++)
      lp[i] = (lw_lo_req_part){.PartitionIndex = q->p[i]->id,
                               .CurrentLeaderEpoch = -1,
                               .Timestamp = r->start == OFF_BEGINNING ? -2 : -1};
    lw_lo_req_topic t = {
        .Name = lw_str_c(r->topic_name), .Partitions = lp, .PartitionsCount = q->n};
    lw_lo_req lq = {.ReplicaId = -1, .Topics = &t, .TopicsCount = 1, .TimeoutMs = 30000};
    rc = lw_lo_req_encode(b, v, &lq);
  } else if (!offsets && (fpp = calloc((size_t)q->n, sizeof(*fpp)))) {
    for (int i = 0; i < q->n; i++)
      fpp[i] = (lw_fetch_req_part){.Partition = q->p[i]->id,
                                   .CurrentLeaderEpoch = -1,
                                   .FetchOffset = q->p[i]->next,
                                   .LastFetchedEpoch = -1,
                                   .LogStartOffset = -1,
                                   .PartitionMaxBytes = PART_MAX_BYTES,
                                   .HighWatermark = INT64_MAX};
    lw_fetch_req_topic t = {.Topic = lw_str_c(r->topic_name),
                            .TopicId = r->topic->id,
                            .Partitions = fpp,
                            .PartitionsCount = q->n};
    lw_fetch_req fq = {.ClusterId = LW_STR_NULL,
                       .ReplicaId = -1,
                       .ReplicaState = {.ReplicaId = -1, .ReplicaEpoch = -1},
                       .MaxWaitMs = r->exit_at_end ? 100 : 500,
                       .MinBytes = 1,
                       .MaxBytes = (int32_t)r->cli.conf.fetch_max_bytes,
                       .IsolationLevel = 0,
                       .SessionId = 0,
                       .SessionEpoch = -1,
                       .Topics = &t,
                       .TopicsCount = 1,
                       .RackId = lw_str_c("")};
    rc = lw_fetch_req_encode(b, v, &fq);
  }
  free(lp);
  free(fpp);
  if (rc != LW_OK) {
    lw_conn_request_abort(c, b);
    free(q);
    return;
  }
  for (int i = 0; i < q->n; i++)
    q->p[i]->busy = true;
  if (lw_conn_request_send(c, b, true, offsets ? on_offsets : on_fetch, q) != LW_OK) {
    for (int i = 0; i < q->n; i++)
      q->p[i]->busy = false;
    free(q);
  }
}

static bool setup_parts(con_run *r) {
  if (r->topic->err) {
    fprintf(stderr, "logwire consume: topic \"%s\": %s (%s)\n", r->topic_name,
            lw_err_name(r->topic->err), lw_err_str(r->topic->err));
    r->rc = LW_EXIT_FAIL;
    r->stop = true;
    return false;
  }
  if (r->topic->partitions <= 0)
    return false;
  int32_t n = r->only_part >= 0 ? 1 : r->topic->partitions;
  if (r->only_part >= r->topic->partitions) {
    fprintf(stderr, "logwire consume: topic \"%s\" has no partition %d\n", r->topic_name,
            r->only_part);
    r->rc = LW_EXIT_FAIL;
    r->stop = true;
    return false;
  }
  r->parts = calloc((size_t)n, sizeof(*r->parts));
  if (!r->parts)
    return false;
  r->nparts = n;
  for (int32_t i = 0; i < n; i++) {
    r->parts[i].id = r->only_part >= 0 ? r->only_part : i;
    r->parts[i].next = r->start >= 0 ? r->start : -1;
    r->parts[i].hw = -1;
  }
  r->started = true;
  return true;
}

static void pump(con_run *r) {
  if (r->stop)
    return;
  if (!r->started && !setup_parts(r)) {
    if (r->stop)
      lw_loop_stop(r->cli.loop);
    return;
  }
  const lw_broker_info *b;
  for (int i = 0; lw_cluster_broker(r->cl, i, &b); i++) {
    if (b->gone)
      continue;
    send_for_leader(r, b->id, true);
    send_for_leader(r, b->id, false);
  }
}

static void on_prepare(lw_loop *l, void *ud) {
  (void)l;
  pump(ud);
}

int lw_cmd_consume(int argc, char **argv) {
  con_run r = {.only_part = -1, .start = OFF_BEGINNING, .rc = LW_EXIT_OK};
  lw_cli_init(&r.cli);
  bool help = false;
  const char *bad = NULL;
  for (int i = 1; i < argc; i++) {
    int used, c = lw_cli_option(&r.cli, argc, argv, i, &used);
    if (c < 0)
      goto usage;
    if (c > 0) {
      i += used - 1;
      continue;
    }
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    bad = a;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help = true;
      bad = NULL;
      goto usage;
    }
    if (!strcmp(a, "-e"))
      r.exit_at_end = true;
    else if (!strcmp(a, "-k"))
      r.print_key = true;
    else if (!v)
      goto usage;
    else if (!strcmp(a, "-t"))
      r.topic_name = argv[++i];
    else if (!strcmp(a, "-p"))
      r.only_part = atoi(argv[++i]);
    else if (!strcmp(a, "-c"))
      r.max_count = atoll(argv[++i]);
    else if (!strcmp(a, "-o")) {
      i++;
      if (!strcmp(v, "beginning"))
        r.start = OFF_BEGINNING;
      else if (!strcmp(v, "end"))
        r.start = OFF_END;
      else {
        char *end;
        long long o = strtoll(v, &end, 10);
        if (*end || end == v)
          goto usage;
        r.start = o >= 0 ? o : o - 2; /* -N: N records before the end */
      }
    } else
      goto usage;
  }
  bad = NULL;
  if (!r.topic_name) {
    fprintf(stderr, "logwire consume: -t TOPIC is required\n");
    goto usage;
  }
  if (lw_cli_start(&r.cli) != LW_OK)
    goto usage;
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  lw_arena_init(&r.arena, 256u * 1024 * 1024);
  static const lw_cluster_cbs cbs = {0};
  if (lw_cluster_new(&r.cl, &r.cli.ctx, &cbs, &r) != LW_OK) {
    lw_cli_free(&r.cli);
    return LW_EXIT_USAGE;
  }
  lw_cluster_set_auto_create(r.cl, false);
  r.topic = lw_cluster_topic(r.cl, r.topic_name);
  lw_loop_signal(r.cli.loop, SIGINT, on_signal, &r);
  lw_loop_signal(r.cli.loop, SIGTERM, on_signal, &r);
  lw_prepare_init(&r.prep, on_prepare, &r);
  lw_prepare_start(r.cli.loop, &r.prep);
  uint64_t deadline =
      lw_now_us() +
      (uint64_t)(r.cli.conf.connect_timeout_ms + r.cli.conf.request_timeout_ms) * 1000u;
  while (!r.stop) {
    if (lw_loop_run_once(r.cli.loop, 100) != LW_OK)
      break;
    if (!r.started && lw_cli_gave_up(&r.cli, "consume", true)) {
      r.rc = LW_EXIT_FAIL;
      break;
    }
    if (!r.started && lw_now_us() > deadline) {
      int e = lw_cluster_error(r.cl);
      fprintf(stderr, "logwire consume: no metadata for \"%s\" from %s: %s\n", r.topic_name,
              r.cli.conf.brokers, e ? lw_err_str(e) : "timed out");
      r.rc = LW_EXIT_FAIL;
      break;
    }
  }
  fflush(stdout);
  lw_prepare_stop(r.cli.loop, &r.prep);
  lw_cluster_free(r.cl);
  lw_arena_free(&r.arena);
  lw_zctx_free(&r.z);
  free(r.parts);
  lw_cli_free(&r.cli);
  return r.rc;
usage:
  if (bad)
    fprintf(stderr, "logwire consume: unknown option or missing value: \"%s\"\n", bad);
  fprintf(help ? stdout : stderr,
          "usage: logwire consume -b BROKERS -t TOPIC [-p PARTITION] [-o beginning|end|OFFSET|-N]\n"
          "                       [-e] [-c N] [-k] [-X key=value]... [--trace]\n"
          "Prints each record's value on its own line (-k: key<TAB>value). -e exits at the end of\n"
          "every partition, -c after N records; -o -N starts N records before the end.\n");
  lw_cli_free(&r.cli);
  return help ? LW_EXIT_OK : LW_EXIT_USAGE;
}
