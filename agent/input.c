/* input.c — one [input.NAME]: its files (tail/) become records (net/producer), and Kafka's
 * acknowledgements become checkpointed offsets. A line is acknowledged to the tail only once
 * Kafka has it, so the checkpoint never passes an undelivered line.
 *
 * What happens to a line Kafka refused:
 *   - larger than the topic takes (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, or refused by the
 *     producer against the topic's max.message.bytes): while a smaller piece would fit, the input
 *     re-reads from its checkpoint and cuts lines into pieces that fit, as it cuts long lines;
 *   - another record-level error (INVALID_RECORD, INVALID_TIMESTAMP), or a line too large even
 *     cut: it can never be delivered; it is counted, logged and skipped, so one bad line cannot
 *     stop a file;
 *   - anything else (timeouts, a missing topic, authorisation, authentication): the input
 *     stops reading, waits for its other lines in flight, and starts again from its
 *     checkpoint after a backoff — the lines are read again from the file, never lost. Lines
 *     after the failed one that Kafka already had may be sent twice (at-least-once). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/agent.h"
#include "base/json.h"
#include "agent/log.h"
#include "base/err.h"

#define SLOT_SHIFT         48
#define OFFSET_MASK        ((1ull << SLOT_SHIFT) - 1)
#define RETRY_MIN_US       1000000ull
#define RETRY_MAX_US       60000000ull
#define STATE_RETRY_MAX_US 5000000ull /* state_dir full or unwritable: look again often */

static void start_tail(lw_input *in);
static void finish_drain(lw_input *in);

static const char *in_name(const lw_input *in) {
  return in->name ? in->name : "?";
}

/* Remember the name and topic of conf (for logs and statistics). Returns LW_OK or
 * LW_ERR_NOMEM (the old names stay). */
static int keep_names(lw_input *in, const lw_input_conf *conf) {
  char *n = strdup(conf->name), *t = strdup(conf->topic);
  if (!n || !t) {
    free(n);
    free(t);
    return LW_ERR_NOMEM;
  }
  free(in->name);
  free(in->topic_name);
  in->name = n;
  in->topic_name = t;
  return LW_OK;
}

/* Keep the failure just logged as the input's last error (/stats, the fleet status key). */
__attribute__((format(printf, 2, 3))) static void note_error(lw_input *in, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(in->last_error, sizeof in->last_error, fmt, ap);
  va_end(ap);
  in->last_error_ms = lw_wall_ms();
}

static void tail_log(void *ud, int level, const char *msg) {
  lw_input *in = ud;
  if (level <= LW_TAIL_LOG_WARN)
    note_error(in, "%s", msg);
  /* tail/: 0 error .. 3 debug; lw_log: 0 debug .. 3 error */
  int lvl = level <= LW_TAIL_LOG_ERROR  ? LW_LOG_ERROR
            : level == LW_TAIL_LOG_WARN ? LW_LOG_WARN
            : level == LW_TAIL_LOG_INFO ? LW_LOG_INFO
                                        : LW_LOG_DEBUG;
  lw_log(lvl, msg, LW_S("input", in_name(in)));
}

/* File events from the tail, as debug lines with the path as a field. */
static void tail_event(void *ud, int ev, const char *path, uint64_t offset) {
  lw_input *in = ud;
  char msg[64];
  snprintf(msg, sizeof msg, "file %s", lw_tail_event_name(ev));
  lw_log(LW_LOG_DEBUG, msg, LW_S("input", in_name(in)), LW_S("path", path), LW_U("offset", offset));
}

/* mkdir -p for the state directory. Returns LW_OK or LW_ERR_IO (errno kept). */
static int make_dirs(const char *path) {
  char buf[4096];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof buf)
    return LW_ERR_INVALID_ARG;
  memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] != '/' && buf[i] != 0)
      continue;
    char c = buf[i];
    buf[i] = 0;
    if (mkdir(buf, 0750) != 0 && errno != EEXIST)
      return LW_ERR_IO;
    buf[i] = c;
  }
  return LW_OK;
}

/* A line is skipped for good: count it, and say whether to log it. One failed batch can hold
 * thousands of lines, so an input logs at most one such line a second, with how many were
 * skipped since its previous one (this one included); /stats counts every one. */
static bool skip_log_due(lw_input *in) {
  uint64_t now = lw_now_us();
  in->failed++;
  in->skip_unlogged++;
  if (in->skip_log_us && now - in->skip_log_us < 1000000u)
    return false;
  in->skip_log_us = now;
  return true;
}

/* ---- Lines -> records ---- */

/* The longest piece of a line the tail may hand over. The producer refuses a record larger
 * than [kafka] message_max_bytes counting its key, headers and framing, and a refused line
 * would be skipped: so with max_line_bytes equal to message_max_bytes (both 1 MiB by default)
 * every line of 1 MiB and every piece of a split line would be lost. The pieces are made
 * short enough for the largest key, headers and JSON wrapper this input can give them (a
 * path counts as PATH_MAX), and for a broker whose message.max.bytes (1 MiB + 12 by
 * default) bounds the whole record batch around them. A JSON record whose message needs many
 * escapes can still exceed the limit: it is counted as failed. */
static size_t line_limit(const lw_agent *a, const lw_input_conf *c, size_t topic_max) {
  const size_t frame = 128; /* batch header (61) + record framing and length varints */
  size_t host = strlen(a->hostname), name = strlen(c->name), over = frame;
  switch (c->key) {
    case LW_KEY_PATH:
      over += PATH_MAX;
      break;
    case LW_KEY_HOST:
      over += host;
      break;
    case LW_KEY_INPUT:
      over += name;
      break;
    case LW_KEY_LITERAL:
      over += c->key_literal ? strlen(c->key_literal) : 0;
      break;
    default:
      break;
  }
  if (c->headers & LW_HDR_HOST)
    over += 16 + host;
  if (c->headers & LW_HDR_PATH)
    over += 16 + PATH_MAX;
  if (c->headers & LW_HDR_INPUT)
    over += 16 + name;
  if (c->headers & LW_HDR_OFFSET)
    over += 16 + 20;
  if (c->format == LW_FORMAT_JSON) /* the wrapper, host and path escaped at worst 6 times */
    over += 128 + 6 * host + 6 * PATH_MAX;
  for (size_t i = 0; i < c->field_names.n; i++) /* JSON members (escaped) or headers */
    over += 16 + 6 * (strlen(c->field_names.v[i]) + strlen(c->field_values.v[i]));
  size_t max = a->cfg.kafka.message_max_bytes;
  if (topic_max && topic_max < max) /* the topic's max.message.bytes, as the producer learned it */
    max = topic_max;
  size_t room = max > over + 1024 ? max - over : 1024;
  return c->max_line_bytes < room ? c->max_line_bytes : room;
}

static int sent_failed(lw_input *in, const lw_line *l, int rc);

/* A line did not fit the topic: when the producer now knows a limit that gives shorter pieces
 * than the tail cuts, re-read from the checkpoint with those (true); else false: skip it. */
static bool recut(lw_input *in) {
  if (!in->conf || !in->topic || in->state != IN_RUNNING || in->a->stopping)
    return false;
  size_t max = line_limit(in->a, in->conf, lw_producer_topic_limit(in->a->prod, in->topic));
  if (max >= in->line_max)
    return false;
  lw_log(LW_LOG_WARN,
         "a line is larger than the topic takes: re-reading from the checkpoint, "
         "cutting lines into pieces that fit",
         LW_S("input", in_name(in)), LW_S("topic", in->topic_name), LW_U("piece_bytes", max),
         LW_U("topic_max_bytes", lw_producer_topic_limit(in->a->prod, in->topic)));
  in->restart = true;
  in->recut = true;
  in->state = IN_DRAINING;
  if (in->inflight == 0) /* not from inside the tail's callback: once the loop turns */
    lw_timer_start(in->a->loop, &in->retry, 0);
  return true;
}

static int on_line(void *ud, const lw_line *l) {
  lw_input *in = ud;
  lw_agent *a = in->a;
  if (in->state != IN_RUNNING || a->stopping)
    return LW_ERR_QUEUE_FULL; /* not reading any more: the line stays in the file */
  const lw_input_conf *c = in->conf;
  if (in->filter && !lw_input_line_wanted(in, l->p, l->len)) {
    in->filtered++;
    lw_tail_ack(in->tail, l->file, l->end_offset);
    return LW_OK;
  }
  if (c->key == LW_KEY_NONE && !c->headers && c->format != LW_FORMAT_JSON && !c->field_names.n &&
      in->topic) {
    /* The line as it is: no key, no headers, no wrapper (the default, and the hot path). */
    lw_msg pm = {.key_len = -1,
                 .value = l->p,
                 .value_len = (int32_t)l->len,
                 .partition = c->partition,
                 .opaque = l->file,
                 .opaque64 = (uint64_t)in->slot << SLOT_SHIFT | (l->end_offset & OFFSET_MASK),
                 .opaque32 = l->ack_group};
    int rc = lw_producer_send(a->prod, in->topic, &pm);
    if (rc == LW_OK) {
      in->inflight++;
      return LW_OK;
    }
    return sent_failed(in, l, rc);
  }
  const char *path = lw_tail_file_path(l->file);
  lw_msg m = {.key_len = -1,
              .value = l->p,
              .value_len = (int32_t)l->len,
              .partition = c->partition,
              .opaque = l->file,
              .opaque64 = (uint64_t)in->slot << SLOT_SHIFT | (l->end_offset & OFFSET_MASK),
              .opaque32 = l->ack_group};
  const char *key = NULL;
  switch (c->key) {
    case LW_KEY_PATH:
      key = path;
      break;
    case LW_KEY_HOST:
      key = a->hostname;
      break;
    case LW_KEY_INPUT:
      key = c->name;
      break;
    case LW_KEY_LITERAL:
      key = c->key_literal;
      break;
    default:
      break;
  }
  if (key) {
    m.key = key;
    m.key_len = (int32_t)strlen(key);
  }
  if (c->format == LW_FORMAT_JSON) {
    lw_buf_reset(&a->value);
    int rc = c->parse == LW_PARSE_JSON
                 ? lw_input_json_line(in, &a->value, a->hostname, path, l->end_offset, lw_wall_ms(),
                                      l->p, l->len)
                 : lw_json_record(&a->value, a->hostname, path, l->end_offset, lw_wall_ms(),
                                  (const char *)l->p, l->len);
    if (rc != LW_OK ||
        (c->parse != LW_PARSE_JSON && lw_input_fields_json(in, &a->value) != LW_OK)) {
      in->skipped++; /* only a ceiling can fail here: count the line and move on */
      lw_tail_ack(in->tail, l->file, l->end_offset);
      return LW_OK;
    }
    m.value = a->value.data;
    m.value_len = (int32_t)a->value.len;
  }
  lw_rec_header hdr[4 + 16];
  char off[24];
  int nh = 0;
  if (c->headers & LW_HDR_HOST)
    hdr[nh++] = (lw_rec_header){lw_str_c("host"),
                                {(const uint8_t *)a->hostname, (int32_t)strlen(a->hostname)}};
  if (c->headers & LW_HDR_PATH)
    hdr[nh++] = (lw_rec_header){lw_str_c("path"), {(const uint8_t *)path, (int32_t)strlen(path)}};
  if (c->headers & LW_HDR_INPUT)
    hdr[nh++] =
        (lw_rec_header){lw_str_c("input"), {(const uint8_t *)c->name, (int32_t)strlen(c->name)}};
  if (c->headers & LW_HDR_OFFSET) {
    int n = snprintf(off, sizeof off, "%llu", (unsigned long long)l->end_offset);
    hdr[nh++] = (lw_rec_header){lw_str_c("offset"), {(const uint8_t *)off, n}};
  }
  if (c->format != LW_FORMAT_JSON && c->field_names.n)
    nh += lw_input_fields_headers(in, hdr + nh, 16);
  m.headers = nh ? hdr : NULL;
  m.nheaders = nh;
  lw_ptopic *topic = in->topic ? in->topic : lw_input_topic_for(in, path);
  int rc = topic ? lw_producer_send(a->prod, topic, &m) : LW_ERR_NOMEM;
  if (rc != LW_OK)
    return sent_failed(in, l, rc);
  in->inflight++;
  return LW_OK;
}

/* The tail's run callback: whole lines found together. With the hot path's shape (no filter,
 * key, headers, wrapper or fields, one topic) they go to the producer in one loop around one
 * record template; otherwise each takes on_line's way. Returns how many were taken. */
static uint32_t on_run(void *ud, const lw_line_run *run) {
  lw_input *in = ud;
  lw_agent *a = in->a;
  const lw_input_conf *c = in->conf;
  uint32_t i = 0, start = run->first;
  if (in->state == IN_RUNNING && !a->stopping && !in->filter && c->key == LW_KEY_NONE &&
      !c->headers && c->format != LW_FORMAT_JSON && !c->field_names.n && in->topic) {
    /* The timestamp the producer would give each record (the loop's clock, which does not
     * move during this call), taken once. */
    lw_msg pm = {.key_len = -1,
                 .partition = c->partition,
                 .timestamp = lw_loop_wall_ms(a->loop),
                 .opaque = run->file,
                 .opaque32 = run->ack_group};
    /* Locals: the calls below could change what a pointer points to, as far as the compiler
     * knows, and would make it load each of these again for every line. The offsets of the
     * run fit the 48 bits of opaque64 below the slot (the mask is exact) when its last does. */
    const uint64_t off = run->base_off;
    const uint8_t *const base = run->base;
    const uint32_t *const endp = run->end, *const lenp = run->len;
    const uint32_t n = run->n;
    if (off + endp[n - 1] > OFFSET_MASK)
      goto one_by_one;
    const uint64_t tag = (uint64_t)in->slot << SLOT_SHIFT | off;
    lw_producer *const prod = a->prod;
    lw_ptopic *const topic = in->topic;
    for (; i < n; start = endp[i++]) {
      pm.value = base + start;
      pm.value_len = (int32_t)lenp[i];
      pm.opaque64 = tag + endp[i];
      int rc = lw_producer_send(prod, topic, &pm);
      if (rc == LW_OK) {
        in->inflight++; /* before anything could report it */
        continue;
      }
      lw_line l = {.p = pm.value,
                   .len = lenp[i],
                   .file = run->file,
                   .end_offset = off + endp[i],
                   .ack_group = run->ack_group};
      if (sent_failed(in, &l, rc) != LW_OK)
        return i; /* refused: paused, or to be read again cut shorter */
    }
    return n;
  }
one_by_one:
  for (; i < run->n; start = run->end[i++]) {
    lw_line l = {.p = run->base + start,
                 .len = run->len[i],
                 .file = run->file,
                 .end_offset = run->base_off + run->end[i],
                 .ack_group = run->ack_group};
    if (on_line(in, &l) != LW_OK)
      return i;
  }
  return i;
}

/* lw_producer_send refused line l with rc: pause (full), or skip it for good. Returns what
 * on_line returns. */
static int sent_failed(lw_input *in, const lw_line *l, int rc) {
  const lw_input_conf *c = in->conf;
  const char *path = lw_tail_file_path(l->file);
  if (rc == LW_ERR_QUEUE_FULL) {
    in->paused = true;
    return LW_ERR_QUEUE_FULL;
  }
  if (rc == LW_ERR_TOO_LARGE && recut(in))
    return LW_ERR_QUEUE_FULL; /* not taken: read again, cut shorter */
  if (rc != LW_OK) {
    /* Larger than message_max_bytes (or the producer is stopping): it can never be sent. */
    if (rc != LW_ERR_SHUTDOWN) {
      if (skip_log_due(in)) {
        lw_log(LW_LOG_WARN, "line skipped: larger than message_max_bytes", LW_S("input", c->name),
               LW_S("path", path), LW_U("offset", l->end_offset), LW_U("bytes", l->len),
               LW_U("skipped", in->skip_unlogged));
        in->skip_unlogged = 0;
      }
      note_error(in, "line skipped: larger than message_max_bytes (%s)", path);
      lw_tail_ack(in->tail, l->file, l->end_offset);
      return LW_OK;
    }
    return LW_ERR_QUEUE_FULL;
  }
  return LW_OK;
}

/* ---- Acknowledgements ---- */

static bool record_level_error(int err) {
  return err == LW_KAFKA_MESSAGE_TOO_LARGE || err == LW_KAFKA_RECORD_LIST_TOO_LARGE ||
         err == 87 /* INVALID_RECORD */ || err == LW_KAFKA_INVALID_TIMESTAMP ||
         err == LW_ERR_TOO_LARGE;
}

static void stop_reading(lw_input *in) {
  if (in->state == IN_RUNNING)
    in->state = IN_DRAINING;
}

void lw_input_delivery(lw_agent *a, const lw_dr *dr) {
  unsigned slot = (unsigned)(dr->opaque64 >> SLOT_SHIFT);
  uint64_t off = dr->opaque64 & OFFSET_MASK;
  lw_input *in = slot < LW_MAX_INPUTS ? a->slots[slot] : NULL;
  if (!in || !in->tail || !dr->opaque)
    return;
  in->inflight--;
  if (dr->err == LW_OK) {
    in->acked++;
    lw_hist_record(&a->latency, dr->latency_us);
    lw_tail_ack(in->tail, dr->opaque, off);
    if (a->ack_log) { /* benchmark probe: INPUT OFFSET ACK_US SENT_US REQ_US (0: not known) */
      uint64_t now = lw_now_us();
      fprintf(a->ack_log, "%s %llu %llu %llu 0\n", in_name(in), (unsigned long long)off,
              (unsigned long long)now, (unsigned long long)(now - dr->latency_us));
    }
  } else if ((dr->err == LW_KAFKA_MESSAGE_TOO_LARGE || dr->err == LW_KAFKA_RECORD_LIST_TOO_LARGE) &&
             (in->recut || recut(in))) {
    /* read again from the checkpoint, cut shorter (lines after it may be sent twice) */
  } else if (record_level_error(dr->err)) {
    if (skip_log_due(in)) {
      lw_log(LW_LOG_ERROR, "line not deliverable, skipped", LW_S("input", in_name(in)),
             LW_S("path", lw_tail_file_path(dr->opaque)), LW_U("offset", off), LW_E(dr->err),
             LW_U("skipped", in->skip_unlogged));
      in->skip_unlogged = 0;
    }
    note_error(in, "line not deliverable, skipped: %s", lw_err_name(dr->err));
    lw_tail_ack(in->tail, dr->opaque, off);
  } else if (dr->err != LW_ERR_SHUTDOWN && in->state == IN_RUNNING && !a->stopping) {
    /* Not delivered for now: read it again later from the checkpoint. A missing topic was
     * already waited for (topic_wait_ms, in the producer): start again at once. */
    if (dr->err != LW_ERR_UNKNOWN_TOPIC)
      in->failures++;
    lw_log(LW_LOG_ERROR, "delivery failed; the input re-reads from its checkpoint after a pause",
           LW_S("input", in_name(in)), LW_S("topic", in->topic_name), LW_E(dr->err));
    note_error(in, "delivery failed: %s", lw_err_name(dr->err));
    in->restart = true;
    stop_reading(in);
  }
  if (in->state == IN_DRAINING && in->inflight == 0)
    finish_drain(in);
}

/* A whole batch delivered: the same as lw_input_delivery for each of its lines, with the
 * per-line work cut down. Lines of one file that the tail put in one acknowledgement group
 * (opaque32) and that follow each other in the batch are acknowledged with one call; the
 * input is looked up once per such run; the latency histogram is fed once per batch. Failed
 * batches take the per-line path: they are rare and each line may need its own decision. */
void lw_input_batch_delivery(lw_agent *a, const lw_batch_dr *bd) {
  const lw_dr_rec *r = bd->recs;
  if (bd->err != LW_OK) {
    for (int32_t i = 0; i < bd->count; i++) {
      lw_dr dr = {.err = bd->err,
                  .topic = bd->topic,
                  .partition = bd->partition,
                  .offset = bd->base_offset >= 0 ? bd->base_offset + i : -1,
                  .opaque = r[i].opaque,
                  .opaque64 = r[i].opaque64,
                  .opaque32 = r[i].opaque32,
                  .latency_us = bd->done_us - bd->first_us - r[i].enq_delta_us};
      if (r[i].opaque)
        lw_input_delivery(a, &dr);
    }
    return;
  }
  uint64_t lines = 0, delta_sum = 0, first_delta = 0;
  int32_t i = 0;
  while (i < bd->count) {
    if (!r[i].opaque) { /* a Sys Agent sample: nothing to acknowledge */
      i++;
      continue;
    }
    /* The run of lines from one file and one group starting at i. A file handle is one
     * input's (the slot need not be compared): it lives until its last line is acknowledged,
     * so no handle of another input can have its address while its lines are in a batch. */
    void *f = r[i].opaque;
    uint32_t g = r[i].opaque32;
    unsigned slot = (unsigned)(r[i].opaque64 >> SLOT_SHIFT);
    if (!lines)
      first_delta = r[i].enq_delta_us;
    const lw_dr_rec *q = r + i, *const e = r + bd->count;
    uint64_t sum = q->enq_delta_us;
    for (q++; q < e && q->opaque == f && q->opaque32 == g; q++)
      sum += q->enq_delta_us;
    delta_sum += sum;
    int32_t j = (int32_t)(q - r);
    uint32_t n = (uint32_t)(j - i);
    lw_input *in = slot < LW_MAX_INPUTS ? a->slots[slot] : NULL;
    if (in && in->tail) {
      lines += n;
      in->inflight -= n;
      in->acked += n;
      lw_tail_ack_n(in->tail, f, g, n);
      for (int32_t k = i; a->ack_log && k < j; k++) { /* benchmark probe */
        uint64_t now = lw_now_us();
        fprintf(a->ack_log, "%s %llu %llu %llu %llu\n", in_name(in),
                (unsigned long long)(r[k].opaque64 & OFFSET_MASK), (unsigned long long)now,
                (unsigned long long)(now - (bd->done_us - bd->first_us - r[k].enq_delta_us)),
                (unsigned long long)bd->sent_us);
      }
      if (in->state == IN_DRAINING && in->inflight == 0)
        finish_drain(in); /* may free the input: the next run looks it up again */
    }
    i = j;
  }
  if (lines) {
    /* The oldest line exactly (the histogram's max stays true), the others at their mean (its
     * sum stays exact). Records are taken in order, so the first line waited longest. */
    uint64_t wait = bd->done_us - bd->first_us;
    lw_hist_record(&a->latency, wait > first_delta ? wait - first_delta : 0);
    if (lines > 1) {
      uint64_t mean = (delta_sum - first_delta) / (lines - 1);
      lw_hist_record_n(&a->latency, wait > mean ? wait - mean : 0, lines - 1);
    }
  }
}

/* ---- Lifecycle ---- */

static void on_retry(lw_loop *l, lw_timer *t, void *ud) {
  (void)l, (void)t;
  lw_input *in = ud;
  if (in->state == IN_DRAINING) { /* a recut with nothing in flight */
    if (in->inflight == 0)
      finish_drain(in);
    return;
  }
  start_tail(in);
}

/* Start again after a backoff doubling from RETRY_MIN_US up to `cap`. */
static void schedule_start_cap(lw_input *in, uint64_t cap) {
  uint64_t d = RETRY_MIN_US;
  for (int i = 1; i < in->failures && d < cap; i++)
    d *= 2;
  if (d > cap)
    d = cap;
  in->state = IN_STARTING;
  lw_timer_start(in->a->loop, &in->retry, in->failures && !in->recut ? d : 0);
}

static void schedule_start(lw_input *in) {
  schedule_start_cap(in, RETRY_MAX_US);
}

static void start_tail(lw_input *in) {
  lw_agent *a = in->a;
  const lw_input_conf *c = in->conf;
  if (a->stopping)
    return;
  if (make_dirs(a->cfg.agent.state_dir) != LW_OK) {
    in->failures++;
    note_error(in, "cannot create the state directory: %s", strerror(errno));
    lw_log(LW_LOG_ERROR, "cannot create the state directory; retrying", LW_S("input", c->name),
           LW_S("state_dir", a->cfg.agent.state_dir), LW_S("error", strerror(errno)));
    schedule_start_cap(in, STATE_RETRY_MAX_US);
    return;
  }
  snprintf(in->state_path, sizeof in->state_path, "%s/%s.ckpt", a->cfg.agent.state_dir, c->name);
  lw_tail_conf tc;
  lw_tail_conf_init(&tc);
  tc.name = c->name;
  tc.paths = (const char *const *)c->paths.v;
  tc.npaths = (int)c->paths.n;
  tc.exclude = (const char *const *)c->exclude.v;
  tc.nexclude = (int)c->exclude.n;
  tc.start_beginning = c->start == LW_START_BEGINNING;
  tc.max_line_bytes = line_limit(a, c, in->topic ? lw_producer_topic_limit(a->prod, in->topic) : 0);
  in->line_max = tc.max_line_bytes;
  in->recut = false;
  tc.truncate_long_lines = c->long_lines == LW_LONG_TRUNCATE;
  tc.strip_cr = c->strip_cr;
  tc.multiline_start = c->multiline_start;
  tc.multiline_flush_ms = c->multiline_flush_ms;
  tc.poll_ms = c->poll_ms;
  tc.force_poll = c->poll;
  tc.max_open_files = lw_agent_max_open_files(a);
  tc.state_path = in->state_path;
  tc.checkpoint_ms = a->cfg.agent.checkpoint_ms;
  tc.read_block = 64 * 1024;
  /* inotify reports changes; the fstat sweep only catches what it might miss (NFS, races):
   * every 10 s, as Filebeat's default scan, keeps 1,000 quiet files nearly free. */
  tc.sweep_ms = 10000;
  tc.rotate_wait_ms = a->once || !c->rotate_wait_ms ? -1 : c->rotate_wait_ms;
  tc.log = tail_log;
  tc.event = tail_event;
  tc.run = on_run;
  tc.log_ud = in;
  int rc = lw_input_filters_compile(in);
  if (rc == LW_OK)
    rc = lw_tail_new(&in->tail, a->loop, &tc, on_line, in);
  int e = errno;
  bool state_err = false;
  if (rc == LW_OK && lw_tail_checkpoint(in->tail) != LW_OK) {
    /* Shipping without a checkpoint would read everything again at the next start (or, with
     * start = end, skip what was written meanwhile): wait until it can be written. */
    lw_log(LW_LOG_ERROR, "input cannot write its checkpoint; retrying with backoff",
           LW_S("input", c->name), LW_S("state", in->state_path));
    note_error(in, "cannot write its checkpoint %s", in->state_path);
    lw_tail_free(in->tail);
    in->tail = NULL;
    rc = LW_ERR_IO;
    state_err = true;
  } else if (rc != LW_OK) {
    in->tail = NULL;
    lw_log(LW_LOG_ERROR, "input cannot start; retrying with backoff", LW_S("input", c->name),
           LW_E(rc), LW_S("errno", strerror(e)));
    note_error(in, "cannot start: %s: %s", lw_err_name(rc), strerror(e));
  }
  if (rc != LW_OK) {
    in->failures++;
    if (a->once) { /* batch mode: report it and let the others finish */
      a->exit_code = 1;
      in->state = IN_DRAINING;
      in->remove = true;
      return;
    }
    schedule_start_cap(in, state_err ? STATE_RETRY_MAX_US : RETRY_MAX_US);
    return;
  }
  in->state = IN_RUNNING;
  in->paused = false;
  in->restart = false;
  if (!in->announced)
    lw_input_warn_unmatched(in);
  if (!in->announced && in->failures)
    lw_log(LW_LOG_INFO, "input started", LW_S("input", c->name), LW_S("topic", c->topic),
           LW_I("failed_attempts", in->failures));
  else if (!in->announced)
    lw_log(LW_LOG_INFO, "input started", LW_S("input", c->name), LW_S("topic", c->topic));
  else if (in->failures)
    lw_log(LW_LOG_INFO, "input running again", LW_S("input", c->name),
           LW_I("failed_attempts", in->failures));
  else
    lw_log(LW_LOG_DEBUG, "input restarted", LW_S("input", c->name));
  in->announced = true;
}

int lw_input_start(lw_agent *a, lw_input_conf *conf) {
  int slot = -1;
  for (int i = 0; i < LW_MAX_INPUTS && slot < 0; i++)
    if (!a->slots[i])
      slot = i;
  if (slot < 0)
    return LW_ERR_TOO_LARGE;
  lw_input *in = calloc(1, sizeof(*in));
  if (!in)
    return LW_ERR_NOMEM;
  if (keep_names(in, conf) != LW_OK) {
    free(in);
    return LW_ERR_NOMEM;
  }
  in->a = a;
  in->slot = slot;
  in->conf = conf;
  lw_timer_init(&in->retry, on_retry, in);
  a->slots[slot] = in;
  in->next = a->inputs;
  a->inputs = in;
  in->state = IN_STARTING;
  if (a->hold) /* started by lw_input_kick once the new producer is up */
    return LW_OK;
  in->topic = lw_input_topic_for(in, NULL);
  if (!in->topic && !strchr(conf->topic, '{')) {
    lw_input_free(in);
    return LW_ERR_NOMEM;
  }
  start_tail(in);
  return LW_OK;
}

void lw_input_free(lw_input *in) {
  lw_agent *a = in->a;
  lw_timer_stop(a->loop, &in->retry);
  if (in->tail)
    lw_tail_free(in->tail); /* writes the final checkpoint */
  in->tail = NULL;
  a->slots[in->slot] = NULL;
  for (lw_input **pp = &a->inputs; *pp; pp = &(*pp)->next)
    if (*pp == in) {
      *pp = in->next;
      break;
    }
  lw_input_filters_free(in);
  free(in->name);
  free(in->topic_name);
  free(in);
}

/* Every in-flight line of a draining input is reported: stop it for good, or start again. */
static void finish_drain(lw_input *in) {
  lw_agent *a = in->a;
  if (in->tail)
    lw_tail_free(in->tail);
  in->tail = NULL;
  if (in->remove || a->stopping) {
    lw_log(LW_LOG_INFO, "input stopped", LW_S("input", in_name(in)));
    if (in->remove)
      lw_input_free(in);
    return;
  }
  if (a->hold) { /* the producer is being replaced: lw_input_kick restarts it */
    in->state = IN_STARTING;
    return;
  }
  in->topic = lw_input_topic_for(in, NULL);
  schedule_start(in);
}

void lw_input_kick(lw_input *in) {
  if (in->state != IN_STARTING || in->remove)
    return;
  in->topic = lw_input_topic_for(in, NULL);
  in->failures = 0;
  lw_timer_stop(in->a->loop, &in->retry);
  start_tail(in);
}

void lw_input_remove(lw_input *in) {
  in->remove = true;
  in->conf = NULL;
  if (in->state == IN_STARTING) {
    lw_input_free(in);
    return;
  }
  stop_reading(in);
  if (in->inflight == 0)
    finish_drain(in);
}

void lw_input_replace(lw_input *in, lw_input_conf *conf) {
  in->conf = conf;
  keep_names(in, conf); /* without memory the old names stay: only logs would show them */
  in->restart = true;
  in->failures = 0;
  if (in->state == IN_STARTING && in->a->hold)
    return; /* lw_input_kick starts it with the new producer */
  if (in->state == IN_STARTING) {
    lw_timer_stop(in->a->loop, &in->retry);
    start_tail(in);
    return;
  }
  stop_reading(in);
  if (in->inflight == 0)
    finish_drain(in);
}

void lw_input_resume_all(lw_agent *a) {
  for (lw_input *in = a->inputs; in; in = in->next)
    if (in->paused && in->state == IN_RUNNING && in->tail) {
      in->paused = false;
      lw_tail_resume(in->tail);
    }
}

bool lw_inputs_idle(lw_agent *a) {
  for (lw_input *in = a->inputs; in; in = in->next) {
    if (in->state == IN_DRAINING && in->remove)
      continue;
    if (in->state != IN_RUNNING || in->inflight || !lw_tail_idle(in->tail))
      return false;
  }
  return true;
}

void lw_inputs_checkpoint(lw_agent *a) {
  for (lw_input *in = a->inputs; in; in = in->next)
    if (in->tail)
      lw_tail_checkpoint(in->tail);
}

void lw_inputs_stop_reading(lw_agent *a) {
  for (lw_input *in = a->inputs; in; in = in->next)
    lw_timer_stop(a->loop, &in->retry);
}
