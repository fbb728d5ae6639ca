/* fb_cmd.c — the broker model's run-time commands (test-only): one line on stdin each,
 * answered "ok[ ...]" or "error: ..." on stdout. The list is at the top of fakebroker.c. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tools/fakebroker/fb.h"

static void answer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void answer(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

/* A whole decimal integer in s, within [lo, hi]. */
static bool num(const char *s, int64_t lo, int64_t hi, int64_t *out) {
  char *end;
  long long v = strtoll(s, &end, 10);
  if (end == s || *end || v < lo || v > hi)
    return false;
  *out = v;
  return true;
}

static bool boolean(const char *s, bool *out) {
  if (!strcmp(s, "true") || !strcmp(s, "on"))
    return *out = true, true;
  if (!strcmp(s, "false") || !strcmp(s, "off"))
    return *out = false, true;
  return false;
}

/* set KEY VALUE: a broker config or a model switch. */
static void cmd_set(fb *f, const char *key, const char *val) {
  fb_conf *c = &f->conf;
  int64_t v;
  bool ok;
  if (!strcmp(key, "message.max.bytes"))
    ok = num(val, 0, INT32_MAX, &c->message_max_bytes);
  else if (!strcmp(key, "socket.request.max.bytes"))
    ok = num(val, 1, INT32_MAX, &c->socket_request_max_bytes);
  else if (!strcmp(key, "log.segment.bytes"))
    ok = num(val, 14, INT32_MAX, &c->segment_bytes);
  else if (!strcmp(key, "auto.create.topics.enable"))
    ok = boolean(val, &c->auto_create);
  else if (!strcmp(key, "num.partitions") && (ok = num(val, 1, 1000, &v)))
    c->num_partitions = (int32_t)v;
  else if (!strcmp(key, "default.replication.factor") && (ok = num(val, 1, f->nnodes, &v)))
    c->default_rf = (int32_t)v;
  else if (!strcmp(key, "min.insync.replicas") && (ok = num(val, 1, FB_MAX_NODES, &v)))
    c->min_isr = (int32_t)v;
  else if (!strcmp(key, "model.unknown.producer") &&
           (ok = !strcmp(val, "reject") || !strcmp(val, "accept")))
    c->reject_unknown_pid = !strcmp(val, "reject");
  else if (!strcmp(key, "model.initpid") && (ok = !strcmp(val, "new") || !strcmp(val, "bump")))
    c->initpid_bump = !strcmp(val, "bump");
  else if (!strcmp(key, "model.topic.ids"))
    ok = boolean(val, &c->topic_ids);
  else {
    answer("error: unknown broker config or bad value: %.80s %.80s", key, val);
    return;
  }
  if (ok)
    answer("ok");
  else
    answer("error: bad value for %.80s: %.80s", key, val);
}

/* topic TOPIC KEY VALUE: a topic config (-1: the broker's). */
static void cmd_topic(fb *f, const char *name, const char *key, const char *val) {
  fb_topic *t = fb_topic_find(&f->g, name, strlen(name));
  int64_t v;
  if (!t) {
    answer("error: no topic %.100s", name);
    return;
  }
  bool ok = num(val, -1, INT32_MAX, &v) && (v == -1 || v >= 1);
  if (ok && !strcmp(key, "max.message.bytes"))
    t->max_message_bytes = v;
  else if (ok && !strcmp(key, "segment.bytes"))
    t->segment_bytes = v;
  else if (ok && !strcmp(key, "min.insync.replicas"))
    t->min_isr = (int32_t)v;
  else {
    answer("error: unknown topic config or bad value: %.80s %.80s", key, val);
    return;
  }
  answer("ok");
}

/* isr TOPIC PARTITION ID[,ID...]|all */
static void cmd_isr(fb *f, fb_part *pp, const char *list) {
  uint32_t in = 0;
  if (strcmp(list, "all")) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
      int64_t id;
      if (!num(tok, 1, f->nnodes, &id)) {
        answer("error: bad broker id %.20s", tok);
        return;
      }
      in |= 1u << id;
    }
  } else {
    in = ~0u;
  }
  pp->isr_out = ~in;
  answer("ok");
}

/* perr TOPIC PARTITION CODE [COUNT] [after] */
static void cmd_perr(fb_part *pp, const char *line) {
  char t[256], w[16] = "";
  int p, code, count = 1;
  int n = sscanf(line, "perr %255s %d %d %d %15s", t, &p, &code, &count, w);
  if (n < 3 || code <= 0 || code > INT16_MAX || count < 0 || (n == 5 && strcmp(w, "after"))) {
    answer("error: usage: perr TOPIC PARTITION CODE [COUNT] [after]");
    return;
  }
  pp->perr_code = (int16_t)code;
  pp->perr_count = count;
  pp->perr_after = n == 5;
  answer("ok");
}

static void cmd_dump(fb *f, const char *path, const char *topic) {
  FILE *out = fopen(path, "w");
  if (!out) {
    answer("error: cannot write %.200s", path);
    return;
  }
  long n = fb_dump(&f->g, topic, out);
  if (fclose(out) || n < 0)
    answer("error: dump to %.200s failed", path);
  else
    answer("ok %ld", n);
}

static void cmd_stats(fb *f) {
  const fb_log *g = &f->g;
  answer("ok accepted=%ld crc=%ld invalid=%ld duplicate=%ld out_of_order=%ld too_large=%ld "
         "list_too_large=%ld unknown_producer=%ld fenced=%ld not_leader=%ld "
         "not_enough_replicas=%ld injected=%ld dropped=%ld oversize_closed=%ld produce=%ld "
         "acks0=%ld acks1=%ld acksall=%ld initpid=%ld",
         g->st.accepted, g->st.crc, g->st.invalid, g->st.dup, g->st.ooo, g->st.too_large,
         g->st.list_large, g->st.unknown_pid, g->st.fenced, f->st.not_leader, f->st.not_enough,
         f->st.injected, f->st.dropped, f->st.oversize, f->st.produce, f->st.acks[0], f->st.acks[1],
         f->st.acks[2], f->st.initpid);
}

/* Commands naming a partition: flip, hwm, leader, leaderof, isr, perr. */
static bool part_cmd(fb *f, const char *line) {
  char cmd[16], t[256], arg[256] = "";
  int p;
  if (sscanf(line, "%15s %255s %d %255s", cmd, t, &p, arg) < 3 ||
      (strcmp(cmd, "flip") && strcmp(cmd, "hwm") && strcmp(cmd, "leader") &&
       strcmp(cmd, "leaderof") && strcmp(cmd, "isr") && strcmp(cmd, "perr")))
    return false;
  fb_part *pp = fb_part_get(fb_topic_find(&f->g, t, strlen(t)), p);
  int64_t id;
  if (!pp)
    answer("error: no partition %s[%d]", t, p);
  else if (!strcmp(cmd, "flip") && !pp->nents)
    answer("error: nothing stored in %s[%d]", t, p);
  else if (!strcmp(cmd, "flip"))
    pp->log.data[pp->log.len - 1] ^= 0x01, answer("ok");
  else if (!strcmp(cmd, "hwm"))
    answer("ok %" PRId64, pp->next);
  else if (!strcmp(cmd, "leaderof"))
    answer("ok %d %d", pp->leader, pp->leader_epoch);
  else if (!strcmp(cmd, "leader"))
    answer(num(arg, 1, f->nnodes, &id) && fb_set_leader(f, pp, (int32_t)id) == LW_OK
               ? "ok"
               : "error: bad broker id");
  else if (!strcmp(cmd, "isr"))
    cmd_isr(f, pp, arg);
  else
    cmd_perr(pp, line);
  return true;
}

bool fb_command(fb *f, const char *line) {
  char a[256], b[256], c[256], used[96];
  int x, y, z, n;
  if (part_cmd(f, line)) {
  } else if (sscanf(line, "apiversion %d %d %d", &x, &y, &z) == 3) {
    answer(fb_set_range(f, x, y, z) ? "ok" : "error: bad range");
  } else if (sscanf(line, "apiversions %255s", a) == 1) {
    f->apiver_on = !strcmp(a, "on");
    answer("ok");
  } else if ((n = sscanf(line, "create %255s %d %d", a, &x, &y)) >= 2) {
    answer(fb_create(f, a, strlen(a), x, n == 3 ? y : 0) ? "ok" : "error: cannot create the topic");
  } else if (sscanf(line, "set %255s %255s", a, b) == 2) {
    cmd_set(f, a, b);
  } else if (sscanf(line, "topic %255s %255s %255s", a, b, c) == 3) {
    cmd_topic(f, a, b, c);
  } else if (sscanf(line, "down %d", &x) == 1) {
    answer(fb_node_down(f, x) == LW_OK ? "ok" : "error: no such broker up");
  } else if (sscanf(line, "up %d", &x) == 1) {
    answer(fb_node_up(f, x) == LW_OK ? "ok" : "error: no such broker down, or its port is taken");
  } else if (sscanf(line, "stale %d %255s", &x, a) == 2 &&
             (!strcmp(a, "on") || !strcmp(a, "off"))) {
    answer(fb_node_stale(f, x, !strcmp(a, "on")) == LW_OK ? "ok" : "error: no such broker");
  } else if (!strncmp(line, "expire", 6)) {
    long long pid = -1;
    if (sscanf(line, "expire %lld", &pid) != 1)
      pid = -1;
    answer("ok %d", fb_expire(&f->g, pid));
  } else if (sscanf(line, "fence %255s", a) == 1) {
    int64_t pid;
    if (num(a, 0, INT64_MAX, &pid))
      answer("ok %d", fb_fence(&f->g, pid));
    else
      answer("error: bad producer id");
  } else if ((n = sscanf(line, "err %d %d %d", &x, &y, &z)) >= 2 && x >= 0 && x < FB_MAX_API) {
    f->inj_code[x] = y;
    f->inj_count[x] = n == 3 ? z : 1;
    answer("ok");
  } else if (sscanf(line, "clear %d", &x) == 1 && x >= 0 && x < FB_MAX_API) {
    f->inj_count[x] = 0;
    answer("ok");
  } else if (!strncmp(line, "mangle", 6)) {
    f->g.mangle = sscanf(line, "mangle %d", &x) == 1 ? x : 1;
    answer("ok");
  } else if (!strncmp(line, "drop", 4)) {
    f->drop = sscanf(line, "drop %d", &x) == 1 ? x : 1;
    answer("ok");
  } else if ((n = sscanf(line, "count %255s %d", a, &x)) >= 1) {
    answer("ok %" PRId64, fb_count(fb_topic_find(&f->g, a, strlen(a)), n == 2 ? x : -1));
  } else if ((n = sscanf(line, "dump %255s %255s", a, b)) >= 1) {
    cmd_dump(f, a, n == 2 ? b : NULL);
  } else if (sscanf(line, "used %d", &x) == 1 && x >= 0 && x < FB_MAX_API) {
    size_t o = 0;
    used[0] = 0;
    for (int v = 0; v < 32; v++)
      if (f->used[x] & (1u << v))
        o += (size_t)snprintf(used + o, sizeof used - o, "%s%d", o ? "," : "", v);
    answer("ok%s%s", o ? " " : "", used);
  } else if (!strncmp(line, "stats", 5)) {
    cmd_stats(f);
  } else if (!strncmp(line, "reset", 5)) {
    memset(f->used, 0, sizeof f->used);
    memset(&f->g.st, 0, sizeof f->g.st);
    memset(&f->st, 0, sizeof f->st);
    answer("ok");
  } else if (!strncmp(line, "ping", 4)) {
    answer("ok");
  } else if (!strncmp(line, "quit", 4)) {
    return true;
  } else {
    answer("error: bad command: %.100s", line);
  }
  return false;
}
