/* fb_log.c — the broker model's storage (test-only): topics, in-memory partition logs, and
 * Produce validation and offset assignment as Kafka does them (the order of the checks follows
 * UnifiedLog.analyzeAndValidateRecords, LogValidator and ProducerAppendInfo):
 *   - each batch (or legacy wrapper) larger than the topic's max.message.bytes (or the broker's
 *     message.max.bytes): MESSAGE_TOO_LARGE, checked before the CRC as Kafka does; a
 *     partition's Records larger than segment.bytes: RECORD_LIST_TOO_LARGE;
 *   - every batch's CRC-32C and every legacy message's CRC-32, inner messages of compressed
 *     wrappers too: CORRUPT_MESSAGE (what librdkafka's mock cluster never checks);
 *   - Produce v3+ carries exactly one magic 2 batch, v2 magic 0 or 1, v0-v1 magic 0, with
 *     record counts and offset deltas consistent: INVALID_RECORD otherwise;
 *   - an LZ4 frame descriptor checksum computed the legacy way for magic 0 (as Kafka 0.9 reads
 *     it, KAFKA-3160) and the standard way for magic 1 and 2;
 *   - idempotent sequences per producer and partition (ProducerAppendInfo.checkSequence): a
 *     duplicate of one of the last 5 batches of the same epoch is answered with its original
 *     BaseOffset and no error (brokers since 1.0), a gap with OUT_OF_ORDER_SEQUENCE_NUMBER, a
 *     newer epoch must start at sequence 0, an older epoch gets INVALID_PRODUCER_EPOCH, and a
 *     producer without state (expired) gets UNKNOWN_PRODUCER_ID when lim->reject_unknown_pid
 *     (brokers before KIP-360) or has any sequence accepted (Kafka 2.5+).
 * Offsets are assigned as a 0.10+ broker does: BaseOffset/Offset patched in place (outside
 * every CRC); a magic 1 wrapper gets its last inner offset and keeps relative inner offsets
 * (required to be 0..n-1, as Kafka's in-place assignment expects); a magic 0 wrapper's inner
 * set gets absolute offsets, recompressed with a new wrapper unless they already were. */
#include "tests/tools/fakebroker/fb_log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/crc.h"
#include "proto/msgset.h"

#define MAX_PLAIN               (64u << 20) /* decompressed records of one batch */
#define MAX_RECORDS             (80u << 20) /* Records of one partition in one request */
#define UNSUPPORTED_COMPRESSION 76

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p) {
  return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Which magic a Produce version may carry (ProduceRequest.validateRecords): v3+ exactly one
 * magic 2 batch, v2 magic 0 or 1, v0-v1 magic 0. */
static bool v_bad(int16_t v, int8_t magic, int nv2) {
  return v >= 3 ? magic != 2 || nv2 > 1 : v == 2 ? magic != 0 && magic != 1 : magic != 0;
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, int64_t v) {
  for (int i = 7; i >= 0; i--, v = (int64_t)((uint64_t)v >> 8))
    p[i] = (uint8_t)v;
}

void fb_log_init(fb_log *g, size_t max) {
  memset(g, 0, sizeof *g);
  g->max = max;
  lw_buf_init(&g->in, MAX_RECORDS);
  lw_buf_init(&g->stage, 2 * (size_t)MAX_RECORDS);
  lw_buf_init(&g->plain, MAX_PLAIN);
  lw_buf_init(&g->scratch, MAX_PLAIN);
}

void fb_log_free(fb_log *g) {
  for (int i = 0; i < g->ntopics; i++) {
    for (int32_t j = 0; j < g->topics[i]->nparts; j++) {
      lw_buf_free(&g->topics[i]->parts[j].log);
      free(g->topics[i]->parts[j].ents);
      free(g->topics[i]->parts[j].ps);
    }
    free(g->topics[i]->parts);
    free(g->topics[i]);
  }
  lw_buf_free(&g->in);
  lw_buf_free(&g->stage);
  lw_buf_free(&g->plain);
  lw_buf_free(&g->scratch);
  free(g->sents);
  lw_zctx_free(&g->z);
  memset(g, 0, sizeof *g);
}

/* ---- Topics ---- */

fb_topic *fb_topic_find(fb_log *g, const char *name, size_t n) {
  for (int i = 0; i < g->ntopics; i++)
    if (strlen(g->topics[i]->name) == n && !memcmp(g->topics[i]->name, name, n))
      return g->topics[i];
  return NULL;
}

fb_topic *fb_topic_find_id(fb_log *g, const lw_uuid *id) {
  for (int i = 0; i < g->ntopics; i++)
    if (!memcmp(g->topics[i]->id.b, id->b, 16))
      return g->topics[i];
  return NULL;
}

fb_topic *fb_topic_create(fb_log *g, const char *name, size_t n, int32_t nparts) {
  fb_topic *t = fb_topic_find(g, name, n);
  if (t || n == 0 || n > 249 || nparts < 1 || nparts > 1000 || g->ntopics == FB_MAX_TOPICS)
    return t;
  for (size_t i = 0; i < n; i++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", name[i]))
      return NULL;
  t = calloc(1, sizeof *t);
  if (!t || !(t->parts = calloc((size_t)nparts, sizeof *t->parts))) {
    free(t);
    return NULL;
  }
  memcpy(t->name, name, n);
  memcpy(t->id.b, "fakebroker", 10);
  t->id.b[15] = (uint8_t)(g->ntopics + 1); /* with b[14]: unique and never all zero */
  t->id.b[14] = (uint8_t)((g->ntopics + 1) >> 8);
  t->nparts = nparts;
  t->max_message_bytes = t->segment_bytes = -1;
  t->min_isr = -1;
  for (int32_t i = 0; i < nparts; i++) {
    lw_buf_init(&t->parts[i].log, SIZE_MAX / 2); /* g->max applies to the sum */
    t->parts[i].leader = -1;
  }
  g->topics[g->ntopics++] = t;
  return t;
}

fb_part *fb_part_get(fb_topic *t, int32_t i) {
  return t && i >= 0 && i < t->nparts ? &t->parts[i] : NULL;
}

/* ---- Produce: validation and offsets ---- */

/* Copy p[0..n) to the stage as one entry; returns its offset in g->stage (SIZE_MAX: full). */
static size_t stage(fb_log *g, int64_t base, int64_t last, int64_t ts, const uint8_t *p, size_t n) {
  if (g->nsents == g->capsents) {
    size_t cap = g->capsents ? 2 * g->capsents : 64;
    fb_entry *e = realloc(g->sents, cap * sizeof *e);
    if (!e)
      return SIZE_MAX;
    g->sents = e, g->capsents = cap;
  }
  size_t at = g->stage.len;
  lw_buf_append(&g->stage, p, n);
  if (g->stage.err)
    return SIZE_MAX;
  g->sents[g->nsents++] = (fb_entry){base, last, ts, at, n};
  return at;
}

/* The LZ4 frame descriptor checksum: byte 2 of xxHash32 over FLG..BD (and the optional content
 * size and dictionary id), or, the legacy way Kafka 0.9 reads magic 0, over the magic number too.
 */
static bool lz4_hc_ok(const uint8_t *p, size_t n, bool legacy) {
  if (n < 7 || p[0] != 0x04 || p[1] != 0x22 || p[2] != 0x4d || p[3] != 0x18)
    return false;
  size_t hl = 6 + (p[4] & 0x08 ? 8 : 0) + (p[4] & 0x01 ? 4 : 0); /* magic, FLG, BD, extras */
  if (n <= hl)
    return false;
  uint32_t h = legacy ? lw_xxh32(p, hl) : lw_xxh32(p + 4, hl - 4);
  return p[hl] == (uint8_t)(h >> 8);
}

/* A magic 2 batch at p[0..n): CRC, counts, offsets, codec. Fills *b. Returns a Kafka code. */
static int16_t check_v2(fb_log *g, const uint8_t *p, size_t n, lw_batch *b) {
  lw_cur c;
  lw_cur_init(&c, p, n);
  int rc = lw_batch_decode(&c, b);
  if (rc == LW_ERR_CRC)
    g->st.crc++;
  if (rc != LW_OK || lw_cur_left(&c))
    return LW_KAFKA_CORRUPT_MESSAGE;
  int codec = b->Attributes & LW_BATCH_ATTR_CODEC_MASK;
  if (codec != LW_CODEC_NONE && codec != LW_CODEC_GZIP && codec != LW_CODEC_LZ4)
    return UNSUPPORTED_COMPRESSION;
  if (codec == LW_CODEC_LZ4 && !lz4_hc_ok(b->records, b->records_len, false))
    return LW_KAFKA_CORRUPT_MESSAGE;
  if (b->RecordsCount <= 0 || b->LastOffsetDelta != b->RecordsCount - 1 ||
      (b->Attributes & (LW_BATCH_ATTR_TRANSACTIONAL | LW_BATCH_ATTR_CONTROL)))
    return FB_INVALID_RECORD;
  lw_records_iter it;
  lw_records_iter_init(&it, p, n, MAX_PLAIN, NULL, &g->z);
  lw_record r;
  int32_t i = 0;
  while ((rc = lw_records_next(&it, &r, NULL)) == LW_OK && r.OffsetDelta == i)
    i++;
  lw_records_iter_free(&it);
  if (rc == LW_ERR_NOT_FOUND && i == b->RecordsCount)
    return 0;
  return rc == LW_OK ? FB_INVALID_RECORD : LW_KAFKA_CORRUPT_MESSAGE;
}

static fb_pstate *find_producer(fb_part *pp, int64_t pid) {
  for (int i = 0; i < pp->nps; i++)
    if (pp->ps[i].pid == pid)
      return &pp->ps[i];
  return NULL;
}

static int32_t seq_add(int32_t seq, int32_t n) {
  return (int32_t)(((uint32_t)seq + (uint32_t)n) & 0x7fffffff);
}

/* The reason for the error about to be answered, in g->msg (the response's ErrorMessage). */
static int16_t why(fb_log *g, int16_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int16_t why(fb_log *g, int16_t code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g->msg, sizeof g->msg, fmt, ap);
  va_end(ap);
  return code;
}

/* Kafka's sequence rules for an idempotent batch (ProducerStateEntry.findDuplicateBatch, then
 * ProducerAppendInfo.checkProducerEpoch and checkSequence). Returns 0, DUPLICATE_SEQUENCE_NUMBER
 * (with the original BaseOffset in *dup), OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH
 * or UNKNOWN_PRODUCER_ID. */
static int16_t check_seq(fb_log *g, fb_part *pp, const lw_batch *b, const fb_limits *lim,
                         int64_t *dup) {
  fb_pstate *s = find_producer(pp, b->ProducerId);
  int32_t last = seq_add(b->BaseSequence, b->LastOffsetDelta);
  if (!s) {
    if (b->BaseSequence == 0 || !lim->reject_unknown_pid)
      return 0;
    return why(g, LW_KAFKA_UNKNOWN_PRODUCER_ID,
               "Found no record of producerId=%" PRId64 " on the broker (sequence %d)",
               b->ProducerId, b->BaseSequence);
  }
  if (b->ProducerEpoch == s->epoch)
    for (int i = 0; i < s->n && i < FB_NDUP; i++)
      if (s->b[i].first == b->BaseSequence && s->b[i].last == last) {
        *dup = s->b[i].offset;
        return LW_KAFKA_DUPLICATE_SEQUENCE_NUMBER;
      }
  if (b->ProducerEpoch < s->epoch)
    return why(g, LW_KAFKA_INVALID_PRODUCER_EPOCH,
               "Epoch of producer %" PRId64 " is %d, which is smaller than the last seen epoch %d",
               b->ProducerId, b->ProducerEpoch, s->epoch);
  if (b->ProducerEpoch > s->epoch) {
    if (b->BaseSequence == 0)
      return 0;
    return why(g, LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER,
               "Invalid sequence number for new epoch of producer %" PRId64
               ": %d (request epoch), %d (seq. number), %d (current producer epoch)",
               b->ProducerId, b->ProducerEpoch, b->BaseSequence, s->epoch);
  }
  int32_t cur = s->n > 0 ? s->b[(s->n - 1) % FB_NDUP].last : -1;
  if (s->n > 0 && b->BaseSequence == seq_add(cur, 1))
    return 0;
  if (s->n == 0 && b->BaseSequence == 0)
    return 0; /* fenced state with no batch yet in this epoch */
  return why(g, LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER,
             "Out of order sequence number for producer %" PRId64
             ": %d (incoming seq. number), %d (current end sequence number)",
             b->ProducerId, b->BaseSequence, cur);
}

static void record_seq(fb_part *pp, const lw_batch *b, int64_t offset) {
  fb_pstate *s = find_producer(pp, b->ProducerId);
  if (!s) {
    if (pp->nps == pp->capps) {
      int cap = pp->capps ? 2 * pp->capps : 4;
      fb_pstate *ps = realloc(pp->ps, (size_t)cap * sizeof *ps);
      if (!ps)
        return; /* the producer is then unknown: its next batch is checked as such */
      pp->ps = ps, pp->capps = cap;
    }
    s = &pp->ps[pp->nps++];
    s->pid = b->ProducerId;
    s->epoch = b->ProducerEpoch;
    s->n = 0;
  }
  if (b->ProducerEpoch != s->epoch)
    s->epoch = b->ProducerEpoch, s->n = 0;
  s->b[s->n % FB_NDUP].first = b->BaseSequence;
  s->b[s->n % FB_NDUP].last = seq_add(b->BaseSequence, b->LastOffsetDelta);
  s->b[s->n % FB_NDUP].offset = offset;
  s->n++;
}

int fb_expire(fb_log *g, int64_t pid) {
  int n = 0;
  for (int i = 0; i < g->ntopics; i++)
    for (int32_t j = 0; j < g->topics[i]->nparts; j++) {
      fb_part *pp = &g->topics[i]->parts[j];
      for (int k = pp->nps - 1; k >= 0; k--)
        if (pid < 0 || pp->ps[k].pid == pid) {
          pp->ps[k] = pp->ps[--pp->nps];
          n++;
        }
    }
  return n;
}

int fb_fence(fb_log *g, int64_t pid) {
  int n = 0;
  for (int i = 0; i < g->ntopics; i++)
    for (int32_t j = 0; j < g->topics[i]->nparts; j++) {
      fb_pstate *s = find_producer(&g->topics[i]->parts[j], pid);
      if (s) {
        s->epoch++;
        s->n = 0;
        n++;
      }
    }
  return n;
}

int64_t fb_count(const fb_topic *t, int32_t partition) {
  int64_t n = 0;
  for (int32_t j = 0; t && j < t->nparts; j++)
    if (partition < 0 || partition == j)
      n += t->parts[j].next;
  return n;
}

/* A magic 0 wrapper around the (offset-rewritten) inner set in g->plain, compressed again,
 * staged with Offset `last`. Returns a Kafka code. */
static int16_t stage_wrapper_v0(fb_log *g, int codec, int64_t base, int64_t last) {
  lw_buf_reset(&g->scratch);
  if (lw_compress(&g->z, codec, 0, g->plain.data, g->plain.len, &g->scratch, codec == LW_CODEC_LZ4))
    return LW_KAFKA_UNKNOWN_SERVER_ERROR;
  lw_buf *s = &g->scratch;
  uint8_t h[26];
  put_be64(h, last);                        /* Offset */
  put_be32(h + 8, (uint32_t)(14 + s->len)); /* MessageSize */
  h[16] = 0;                                /* Magic */
  h[17] = (uint8_t)codec;                   /* Attributes */
  put_be32(h + 18, UINT32_MAX);             /* Key: null */
  put_be32(h + 22, (uint32_t)s->len);       /* Value length, then the compressed set */
  put_be32(h + 12, lw_crc32(lw_crc32(0, h + 16, 10), s->data, s->len)); /* Crc: Magic .. */
  /* UnifiedLog.append re-validates sizes that may have changed by recompression. */
  if (g->lim && (int64_t)(sizeof h + s->len) > g->lim->max_message_bytes)
    return why(g, LW_KAFKA_MESSAGE_TOO_LARGE,
               "Message batch size is %zu bytes after recompression, which exceeds the maximum "
               "configured size of %" PRId64 ".",
               sizeof h + s->len, g->lim->max_message_bytes);
  size_t at = stage(g, base, last, -1, h, sizeof h);
  lw_buf_append(&g->stage, s->data, s->len);
  if (at == SIZE_MAX || g->stage.err)
    return LW_KAFKA_RECORD_LIST_TOO_LARGE;
  g->sents[g->nsents - 1].len += s->len;
  return 0;
}

/* A legacy message at p[0..n): check its CRC (and every inner message's), stage it with offsets
 * from *next on. Returns a Kafka code. */
static int16_t stage_legacy(fb_log *g, const uint8_t *p, size_t n, int8_t magic, int64_t *next) {
  lw_cur c;
  lw_legacy_msg m;
  lw_cur_init(&c, p, n);
  int rc = lw_legacy_msg_decode(&c, &m);
  if (rc == LW_ERR_CRC)
    g->st.crc++;
  if (rc != LW_OK || lw_cur_left(&c) || m.Magic != magic)
    return LW_KAFKA_CORRUPT_MESSAGE;
  int codec = m.Attributes & LW_BATCH_ATTR_CODEC_MASK;
  size_t at;
  if (codec == LW_CODEC_NONE) {
    if ((at = stage(g, *next, *next, m.Timestamp, p, n)) == SIZE_MAX)
      return LW_KAFKA_RECORD_LIST_TOO_LARGE;
    put_be64(g->stage.data + at, (*next)++);
    return 0;
  }
  if (codec != LW_CODEC_GZIP && codec != LW_CODEC_LZ4)
    return UNSUPPORTED_COMPRESSION;
  if (m.Value.len <= 0 ||
      (codec == LW_CODEC_LZ4 && !lz4_hc_ok(m.Value.p, (size_t)m.Value.len, magic == 0)))
    return LW_KAFKA_CORRUPT_MESSAGE;
  lw_buf_reset(&g->plain);
  if (lw_decompress(&g->z, codec, m.Value.p, (size_t)m.Value.len, &g->plain))
    return LW_KAFKA_CORRUPT_MESSAGE;
  lw_cur_init(&c, g->plain.data, g->plain.len);
  int64_t cnt = 0;
  bool moved = false;
  while (lw_cur_left(&c) > 0) {
    lw_legacy_msg im;
    size_t pos = c.pos;
    rc = lw_legacy_msg_decode(&c, &im);
    if (rc == LW_ERR_CRC)
      g->st.crc++;
    if (rc != LW_OK || im.Magic != magic || (im.Attributes & LW_BATCH_ATTR_CODEC_MASK))
      return LW_KAFKA_CORRUPT_MESSAGE;
    if (magic == 1 && im.Offset != cnt) /* relative offsets, 0..n-1 */
      return FB_INVALID_RECORD;
    if (magic == 0 && im.Offset != *next + cnt) { /* absolute: assigned here */
      put_be64(g->plain.data + pos, *next + cnt);
      moved = true;
    }
    cnt++;
  }
  if (cnt == 0)
    return LW_KAFKA_CORRUPT_MESSAGE;
  int64_t base = *next, last = *next + cnt - 1;
  *next += cnt;
  if (moved)
    return stage_wrapper_v0(g, codec, base, last);
  if ((at = stage(g, base, last, m.Timestamp, p, n)) == SIZE_MAX)
    return LW_KAFKA_RECORD_LIST_TOO_LARGE;
  put_be64(g->stage.data + at, last); /* the wrapper's Offset: its last inner message's */
  return 0;
}

/* fb_append without the counting. */
static int16_t append(fb_log *g, fb_part *pp, const fb_limits *lim, lw_bytes rec, int64_t *base) {
  lw_buf_reset(&g->in);
  lw_buf_reset(&g->stage);
  g->nsents = 0;
  g->msg[0] = 0;
  *base = -1;
  if (rec.len <= 0)
    return LW_KAFKA_CORRUPT_MESSAGE;
  lw_buf_append(&g->in, rec.p, (size_t)rec.len);
  if (g->in.err)
    return why(g, LW_KAFKA_RECORD_LIST_TOO_LARGE, "Records of %d bytes: over the model's ceiling",
               rec.len);
  if (g->mangle > 0) {
    g->mangle--;
    g->in.data[g->in.len - 1] ^= 0x01;
  }
  const uint8_t *d = g->in.data;
  size_t n = g->in.len, pos = 0;
  int64_t next = pp->next;
  int16_t err = 0;
  lw_batch b = {.ProducerId = -1};
  int nv2 = 0;
  while (!err && pos < n) {
    size_t left = n - pos, size = left >= 17 ? be32(d + pos + 8) : 0;
    if (left < 17 || size > INT32_MAX || size > left - 12)
      return why(g, LW_KAFKA_CORRUPT_MESSAGE, "a truncated batch at byte %zu", pos);
    int8_t magic = (int8_t)d[pos + 16];
    nv2 += magic == 2;
    /* ProduceRequest.validateRecords: v3+ exactly one magic 2 batch. */
    if (v_bad(lim->version, magic, nv2))
      return why(g, FB_INVALID_RECORD, "magic %d is not allowed in Produce v%d", magic,
                 lim->version);
    /* analyzeAndValidateRecords: a client's batch starts at offset 0, then its size, then its
     * CRC (in check_v2 / stage_legacy). */
    if (magic == 2 && be64(d + pos) != 0)
      return why(g, FB_INVALID_RECORD,
                 "The baseOffset of the record batch should be 0, but it is %" PRId64,
                 be64(d + pos));
    if ((int64_t)(12 + size) > lim->max_message_bytes)
      return why(g, LW_KAFKA_MESSAGE_TOO_LARGE,
                 "The record batch size is %zu bytes which exceeds the maximum configured value "
                 "of %" PRId64 ".",
                 12 + size, lim->max_message_bytes);
    if (magic == 2 && !(err = check_v2(g, d + pos, 12 + size, &b))) {
      size_t at = stage(g, next, next + b.LastOffsetDelta, b.MaxTimestamp, d + pos, 12 + size);
      if (at == SIZE_MAX)
        return why(g, LW_KAFKA_RECORD_LIST_TOO_LARGE, "over the model's ceiling");
      put_be64(g->stage.data + at, next);                             /* BaseOffset */
      put_be32(g->stage.data + at + 12, (uint32_t)lim->leader_epoch); /* PartitionLeaderEpoch */
      next += (int64_t)b.LastOffsetDelta + 1;
    } else if (magic != 2) {
      err = stage_legacy(g, d + pos, 12 + size, magic, &next);
    }
    pos += 12 + size;
  }
  if (err)
    return g->msg[0] ? err : why(g, err, "the records do not validate (%s)", lw_err_name(err));
  /* UnifiedLog.append: the validated records against segment.bytes. */
  if ((int64_t)g->stage.len > lim->segment_bytes)
    return why(g, LW_KAFKA_RECORD_LIST_TOO_LARGE,
               "Message batch size is %zu bytes, which exceeds the maximum configured segment "
               "size of %" PRId64 ".",
               g->stage.len, lim->segment_bytes);
  /* Then the producer state: a duplicate is answered with its original offsets. */
  if (b.ProducerId >= 0 &&
      (err = check_seq(g, pp, &b, lim, base)) == LW_KAFKA_DUPLICATE_SEQUENCE_NUMBER) {
    g->st.dup++;
    return 0; /* already written: the original offset, nothing appended */
  }
  if (err)
    return err;
  if (g->max != SIZE_MAX && g->bytes + g->stage.len > g->max) {
    fprintf(stderr, "fakebroker: log cap of %zu bytes reached\n", g->max);
    return why(g, LW_KAFKA_RECORD_LIST_TOO_LARGE, "the model's log cap (-m) is reached");
  }
  size_t need = pp->nents + g->nsents;
  if (need > pp->cap) {
    size_t cap = need > 2 * pp->cap ? need : 2 * pp->cap;
    fb_entry *e = realloc(pp->ents, cap * sizeof *e);
    if (!e)
      return why(g, LW_KAFKA_KAFKA_STORAGE_ERROR, "out of memory");
    pp->ents = e, pp->cap = cap;
  }
  size_t at = pp->log.len;
  lw_buf_append(&pp->log, g->stage.data, g->stage.len);
  if (pp->log.err)
    return why(g, LW_KAFKA_KAFKA_STORAGE_ERROR, "out of memory");
  for (size_t i = 0; i < g->nsents; i++) {
    pp->ents[pp->nents] = g->sents[i];
    pp->ents[pp->nents].acks = lim->acks;
    pp->ents[pp->nents++].pos += at;
  }
  g->bytes += g->stage.len;
  g->st.accepted += (long)g->nsents;
  *base = pp->next;
  if (b.ProducerId >= 0)
    record_seq(pp, &b, pp->next);
  pp->next = next;
  return 0;
}

int16_t fb_append(fb_log *g, fb_part *pp, const fb_limits *lim, lw_bytes records, int64_t *base) {
  g->lim = lim;
  int16_t err = append(g, pp, lim, records, base);
  g->lim = NULL;
  switch (err) {
    case LW_KAFKA_CORRUPT_MESSAGE:
    case FB_INVALID_RECORD:
    case UNSUPPORTED_COMPRESSION:
      g->st.invalid++;
      break;
    case LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER:
      g->st.ooo++;
      break;
    case LW_KAFKA_MESSAGE_TOO_LARGE:
      g->st.too_large++;
      break;
    case LW_KAFKA_RECORD_LIST_TOO_LARGE:
      g->st.list_large++;
      break;
    case LW_KAFKA_UNKNOWN_PRODUCER_ID:
      g->st.unknown_pid++;
      break;
    case LW_KAFKA_INVALID_PRODUCER_EPOCH:
      g->st.fenced++;
      break;
  }
  return err;
}

size_t fb_first_entry(const fb_part *pp, int64_t off) {
  size_t lo = 0, hi = pp->nents;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (pp->ents[mid].last < off)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}
