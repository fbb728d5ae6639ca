/* fb_log.c — the fake broker's storage (test-only): topics, in-memory partition logs, and
 * Produce validation and offset assignment as Kafka does them:
 *   - every batch's CRC-32C and every legacy message's CRC-32, inner messages of compressed
 *     wrappers too: CORRUPT_MESSAGE (what librdkafka's mock cluster never checks);
 *   - Produce v3+ carries exactly one magic 2 batch, v2 magic 0 or 1, v0-v1 magic 0, with
 *     record counts and offset deltas consistent: INVALID_RECORD otherwise;
 *   - an LZ4 frame descriptor checksum computed the legacy way for magic 0 (as Kafka 0.9 reads
 *     it, KAFKA-3160) and the standard way for magic 1 and 2;
 *   - idempotent sequences per producer and partition: a duplicate of one of the last 5
 *     batches is answered with its original BaseOffset and no error (brokers since 1.0), a gap
 *     with OUT_OF_ORDER_SEQUENCE_NUMBER, an older epoch with INVALID_PRODUCER_EPOCH.
 * Offsets are assigned as a 0.10+ broker does: BaseOffset/Offset patched in place (outside
 * every CRC); a magic 1 wrapper gets its last inner offset and keeps relative inner offsets
 * (required to be 0..n-1, as Kafka's in-place assignment expects); a magic 0 wrapper's inner
 * set gets absolute offsets, recompressed with a new wrapper unless they already were. */
#include "tests/tools/fakebroker/fb_log.h"

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
  for (int32_t i = 0; i < nparts; i++)
    lw_buf_init(&t->parts[i].log, SIZE_MAX / 2); /* g->max applies to the sum */
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

/* Kafka's sequence rules for an idempotent batch. Returns 0, DUPLICATE_SEQUENCE_NUMBER (with
 * the original BaseOffset in *dup), OUT_OF_ORDER_SEQUENCE_NUMBER or INVALID_PRODUCER_EPOCH. */
static int16_t check_seq(fb_part *pp, const lw_batch *b, int64_t *dup) {
  fb_pstate *s = find_producer(pp, b->ProducerId);
  if (!s || b->ProducerEpoch > s->epoch)
    return b->BaseSequence == 0 ? 0 : LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER;
  if (b->ProducerEpoch < s->epoch)
    return LW_KAFKA_INVALID_PRODUCER_EPOCH;
  int32_t last = seq_add(b->BaseSequence, b->LastOffsetDelta);
  for (int i = 0; i < s->n && i < FB_NDUP; i++)
    if (s->b[i].first == b->BaseSequence && s->b[i].last == last) {
      *dup = s->b[i].offset;
      return LW_KAFKA_DUPLICATE_SEQUENCE_NUMBER;
    }
  if (b->BaseSequence != seq_add(s->b[(s->n - 1) % FB_NDUP].last, 1))
    return LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER;
  return 0;
}

static void record_seq(fb_part *pp, const lw_batch *b, int64_t offset) {
  fb_pstate *s = find_producer(pp, b->ProducerId);
  if (!s) {
    s = &pp->ps[pp->nps < FB_NPROD ? pp->nps++ : (int)(b->ProducerId % FB_NPROD)];
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
static int16_t append(fb_log *g, fb_part *pp, int16_t v, lw_bytes rec, int64_t *base) {
  lw_buf_reset(&g->in);
  lw_buf_reset(&g->stage);
  g->nsents = 0;
  *base = -1;
  if (rec.len <= 0)
    return LW_KAFKA_CORRUPT_MESSAGE;
  lw_buf_append(&g->in, rec.p, (size_t)rec.len);
  if (g->in.err)
    return LW_KAFKA_RECORD_LIST_TOO_LARGE;
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
      return LW_KAFKA_CORRUPT_MESSAGE;
    int8_t magic = (int8_t)d[pos + 16];
    nv2 += magic == 2;
    if (v >= 3 ? magic != 2 || nv2 > 1 : v == 2 ? magic != 0 && magic != 1 : magic != 0)
      return FB_INVALID_RECORD;
    if (magic == 2 && !(err = check_v2(g, d + pos, 12 + size, &b)) && b.ProducerId >= 0 &&
        (err = check_seq(pp, &b, base)) == LW_KAFKA_DUPLICATE_SEQUENCE_NUMBER) {
      g->st.dup++;
      return 0; /* already written: the original offset, nothing appended */
    }
    if (magic == 2 && !err) {
      size_t at = stage(g, next, next + b.LastOffsetDelta, b.MaxTimestamp, d + pos, 12 + size);
      if (at == SIZE_MAX)
        return LW_KAFKA_RECORD_LIST_TOO_LARGE;
      put_be64(g->stage.data + at, next);    /* BaseOffset */
      memset(g->stage.data + at + 12, 0, 4); /* PartitionLeaderEpoch 0 */
      next += (int64_t)b.LastOffsetDelta + 1;
    } else if (!err) {
      err = stage_legacy(g, d + pos, 12 + size, magic, &next);
    }
    pos += 12 + size;
  }
  if (err)
    return err;
  if (g->bytes + g->stage.len > g->max) {
    fprintf(stderr, "fakebroker: log cap of %zu bytes reached\n", g->max);
    return LW_KAFKA_RECORD_LIST_TOO_LARGE;
  }
  size_t need = pp->nents + g->nsents;
  if (need > pp->cap) {
    size_t cap = need > 2 * pp->cap ? need : 2 * pp->cap;
    fb_entry *e = realloc(pp->ents, cap * sizeof *e);
    if (!e)
      return LW_KAFKA_RECORD_LIST_TOO_LARGE;
    pp->ents = e, pp->cap = cap;
  }
  size_t at = pp->log.len;
  lw_buf_append(&pp->log, g->stage.data, g->stage.len);
  if (pp->log.err)
    return LW_KAFKA_RECORD_LIST_TOO_LARGE;
  for (size_t i = 0; i < g->nsents; i++) {
    pp->ents[pp->nents] = g->sents[i];
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

int16_t fb_append(fb_log *g, fb_part *pp, int16_t version, lw_bytes records, int64_t *base) {
  int16_t err = append(g, pp, version, records, base);
  if (err == LW_KAFKA_CORRUPT_MESSAGE || err == FB_INVALID_RECORD || err == UNSUPPORTED_COMPRESSION)
    g->st.invalid++;
  if (err == LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER)
    g->st.ooo++;
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
