/* records.c — iterating over a Records field: RecordBatch v2 batches and legacy magic 0/1
 * MessageSets (with compressed wrapper messages), decompressing with a ceiling, every field
 * traced. A partial batch at the end (Fetch responses may end mid-batch) ends the iteration. */
#include "proto/batch.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proto/msgset.h"

/* Smallest encoded record: Length, Attributes, TimestampDelta, OffsetDelta, KeyLength,
 * ValueLength, HeadersCount, one byte each. */
#define MIN_RECORD_SIZE 7

static uint32_t rd_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void lw_records_iter_init(lw_records_iter *it, const uint8_t *p, size_t len,
                          size_t max_decompressed, lw_arena *a, lw_zctx *z) {
  memset(it, 0, sizeof(*it));
  lw_cur_init(&it->c, p, len);
  lw_cur_init(&it->rc, p, 0);
  it->magic = -1;
  it->max_decompressed = max_decompressed;
  lw_buf_init(&it->plain, max_decompressed);
  lw_buf_init(&it->inner, max_decompressed);
  it->a = a;
  it->z = z;
}

void lw_records_iter_free(lw_records_iter *it) {
  lw_buf_free(&it->plain);
  lw_buf_free(&it->inner);
  it->hdrs = NULL;
  it->hdrs_cap = 0;
}

/* Printable preview of a value for the tracer (at most 64 bytes shown). */
static void preview(char *out, size_t outsz, const uint8_t *p, int32_t len) {
  size_t o = (size_t)snprintf(out, outsz, "%" PRId32 " bytes: \"", len);
  for (int32_t i = 0; i < len && i < 64 && o + 6 < outsz; i++) {
    uint8_t ch = p[i];
    if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
      out[o++] = (char)ch;
    else
      o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", ch);
  }
  snprintf(out + o, outsz - o, len > 64 ? "\"..." : "\"");
}

/* A varint length (-1: null) and that many bytes: Key, Value, HeaderKey, HeaderValue. */
static lw_bytes rd_vbytes(lw_cur *c, const char *len_name, const char *name) {
  int32_t n = lw_rd_varint(c, len_name);
  if (c->err)
    return (lw_bytes){NULL, -1};
  if (n < -1) {
    lw_cur_fail(c, LW_ERR_MALFORMED);
    return (lw_bytes){NULL, -1};
  }
  if (n == -1)
    return (lw_bytes){NULL, -1};
  lw_trace *tr = c->tr;
  size_t at = c->pos;
  c->tr = NULL; /* traced below with a text preview instead of hex */
  const uint8_t *p = lw_rd_raw(c, (size_t)n, name);
  c->tr = tr;
  if (!p)
    return (lw_bytes){NULL, -1};
  if (tr) {
    char buf[400];
    preview(buf, sizeof buf, p, n);
    tr->field(tr->ud, tr->depth, c->base + at, (size_t)n, name, "bytes", buf);
  }
  return (lw_bytes){p, n};
}

/* Decode one record of a v2 batch from it->rc. */
static int rd_record(lw_records_iter *it, lw_record *r) {
  lw_cur *c = &it->rc;
  const lw_batch *b = &it->batch;
  memset(r, 0, sizeof(*r));
  lw_rd_group(c, "Record");
  int32_t len = lw_rd_varint(c, "Length"); /* varint: bytes after this field */
  if (!c->err && len < 0)
    lw_cur_fail(c, LW_ERR_MALFORMED);
  else if (!c->err && (size_t)len > lw_cur_left(c))
    lw_cur_fail(c, LW_ERR_TRUNCATED);
  lw_cur s = lw_cur_sub(c, c->err ? 0 : (size_t)len, NULL);
  r->Attributes = lw_rd_i8(&s, "Attributes");              /* int8, unused */
  r->TimestampDelta = lw_rd_varlong(&s, "TimestampDelta"); /* varlong */
  r->OffsetDelta = lw_rd_varint(&s, "OffsetDelta");        /* varint */
  r->Key = rd_vbytes(&s, "KeyLength", "Key");
  r->Value = rd_vbytes(&s, "ValueLength", "Value");
  int32_t n = lw_rd_varint(&s, "HeadersCount");
  if (!s.err && (n < 0 || (size_t)n > lw_cur_left(&s) / 2)) /* >= 2 bytes per header */
    lw_cur_fail(&s, n < 0 ? LW_ERR_MALFORMED : LW_ERR_TRUNCATED);
  if (!s.err && n > 0 && it->a && n > it->hdrs_cap) {
    int32_t cap = n > 8 ? n : 8;
    if (cap < it->hdrs_cap * 2 && it->hdrs_cap < INT32_MAX / 2)
      cap = it->hdrs_cap * 2;
    if ((it->hdrs = lw_rd_alloc(&s, it->a, cap, sizeof(lw_rec_header))))
      it->hdrs_cap = cap;
    else
      it->hdrs_cap = 0;
  }
  r->HeadersCount = s.err ? 0 : n;
  r->Headers = it->a && n > 0 && !s.err ? it->hdrs : NULL;
  for (int32_t i = 0; i < r->HeadersCount && !s.err; i++) {
    lw_rd_group(&s, "Header");
    lw_bytes k = rd_vbytes(&s, "HeaderKeyLength", "HeaderKey");
    if (!s.err && k.len < 0)
      lw_cur_fail(&s, LW_ERR_MALFORMED); /* header keys are not nullable */
    lw_bytes v = rd_vbytes(&s, "HeaderValueLength", "HeaderValue");
    if (r->Headers) {
      r->Headers[i].Key = (lw_str){(const char *)k.p, k.len};
      r->Headers[i].Value = v;
    }
    lw_rd_group_end(&s);
  }
  int err = lw_cur_done(&s);
  lw_rd_group_end(c);
  if (err)
    return lw_cur_fail(c, err);
  if (c->err)
    return c->err;
  r->Offset = b->BaseOffset + r->OffsetDelta;
  r->Timestamp = (b->Attributes & LW_BATCH_ATTR_LOG_APPEND_TIME)
                     ? b->MaxTimestamp
                     : (int64_t)((uint64_t)b->BaseTimestamp + (uint64_t)r->TimestampDelta);
  return LW_OK;
}

/* Point it->rc at `p[0..n)`, tracing with offsets `base` (relative to the traced frame). */
static void set_rc(lw_records_iter *it, const uint8_t *p, size_t n, size_t base) {
  lw_cur_init(&it->rc, p, n);
  it->rc.tr = it->c.tr;
  it->rc.base = base;
}

static void close_group(lw_records_iter *it) {
  if (it->in_batch) {
    lw_rd_group_end(&it->c);
    it->in_batch = false;
  }
}

/* Decompress a batch's or wrapper's payload into `into` and point it->rc at the result. */
static int inflate_into(lw_records_iter *it, int codec, const uint8_t *p, size_t n, lw_buf *into) {
  lw_buf_reset(into);
  int err = lw_decompress(it->z, codec, p, n, into);
  if (err)
    return lw_cur_fail(&it->c, err);
  if (it->c.tr) {
    char note[64];
    snprintf(note, sizeof note, "%zu bytes (offsets below relative to them)", into->len);
    lw_trace_note(&it->c, "Decompressed", note);
  }
  set_rc(it, into->data, into->len, 0);
  return LW_OK;
}

/* Start the v2 batch at the cursor. */
static int next_batch_v2(lw_records_iter *it) {
  lw_rd_group(&it->c, "RecordBatch");
  it->in_batch = true;
  int err = lw_batch_decode(&it->c, &it->batch);
  if (err)
    return err;
  it->magic = 2;
  const lw_batch *b = &it->batch;
  if ((b->Attributes & LW_BATCH_ATTR_CONTROL) && !it->keep_control) {
    lw_trace_note(&it->c, "Control", "batch skipped");
    set_rc(it, b->records, 0, 0);
    it->left = 0;
    return LW_OK;
  }
  int codec = b->Attributes & LW_BATCH_ATTR_CODEC_MASK;
  if (codec != LW_CODEC_NONE) {
    if ((err = inflate_into(it, codec, b->records, b->records_len, &it->plain)))
      return err;
  } else {
    set_rc(it, b->records, b->records_len, it->c.base + (size_t)(b->records - it->c.p));
  }
  if ((size_t)b->RecordsCount > lw_cur_left(&it->rc) / MIN_RECORD_SIZE)
    return lw_cur_fail(&it->c, LW_ERR_MALFORMED);
  it->left = b->RecordsCount;
  return LW_OK;
}

/* Offset of the last message of a legacy inner set (to turn magic 1 relative offsets into
 * absolute ones). Returns LW_OK or LW_ERR_MALFORMED. */
static int last_inner_offset(const uint8_t *p, size_t n, int64_t *last) {
  size_t pos = 0;
  *last = 0;
  while (pos < n) {
    if (n - pos < 12)
      return LW_ERR_MALFORMED;
    *last = (int64_t)((uint64_t)rd_be32(p + pos) << 32 | rd_be32(p + pos + 4));
    uint32_t size = rd_be32(p + pos + 8);
    if (size > INT32_MAX || size > n - pos - 12)
      return LW_ERR_MALFORMED;
    pos += 12 + size;
  }
  return LW_OK;
}

/* Fill a record from a legacy message. */
static void legacy_record(const lw_legacy_msg *m, int64_t offset, int64_t timestamp, lw_record *r) {
  memset(r, 0, sizeof(*r));
  r->Attributes = m->Attributes;
  r->Key = m->Key;
  r->Value = m->Value;
  r->Offset = offset;
  r->Timestamp = timestamp;
}

/* A legacy message at the cursor: a record itself, or a compressed wrapper. Returns LW_OK
 * with *got set when `rec` holds a record. */
static int next_legacy(lw_records_iter *it, lw_record *rec, bool *got) {
  lw_legacy_msg m;
  lw_rd_group(&it->c, "Message");
  it->in_batch = true;
  int err = lw_legacy_msg_decode(&it->c, &m);
  if (err)
    return err;
  lw_batch *b = &it->batch;
  memset(b, 0, sizeof(*b));
  b->BaseOffset = m.Offset;
  b->BatchLength = m.MessageSize;
  b->Magic = m.Magic;
  b->Crc = m.Crc;
  b->Attributes = m.Attributes;
  b->BaseTimestamp = b->MaxTimestamp = m.Timestamp;
  b->ProducerId = -1;
  b->ProducerEpoch = -1;
  b->BaseSequence = -1;
  b->RecordsCount = 1;
  it->magic = m.Magic;
  int codec = m.Attributes & LW_BATCH_ATTR_CODEC_MASK;
  if (codec == LW_CODEC_NONE) {
    legacy_record(&m, m.Offset, m.Timestamp, rec);
    *got = true;
    close_group(it);
    return LW_OK;
  }
  if (m.Value.len < 0)
    return lw_cur_fail(&it->c, LW_ERR_MALFORMED);
  b->records = m.Value.p;
  b->records_len = (size_t)m.Value.len;
  if ((err = inflate_into(it, codec, m.Value.p, (size_t)m.Value.len, &it->inner)))
    return err;
  /* Magic 0: inner offsets are absolute. Magic 1: relative, and the wrapper carries the
   * absolute offset of the last inner message. */
  it->legacy_base = 0;
  if (m.Magic == 1) {
    int64_t last;
    if (last_inner_offset(it->inner.data, it->inner.len, &last))
      return lw_cur_fail(&it->c, LW_ERR_MALFORMED);
    it->legacy_base = (int64_t)((uint64_t)m.Offset - (uint64_t)last);
  }
  it->in_wrapper = true;
  return LW_OK;
}

/* One inner message of a compressed wrapper. */
static int next_inner(lw_records_iter *it, lw_record *rec) {
  lw_legacy_msg m;
  lw_rd_group(&it->rc, "Message");
  int err = lw_legacy_msg_decode(&it->rc, &m);
  lw_rd_group_end(&it->rc);
  if (err)
    return lw_cur_fail(&it->c, err);
  if (m.Attributes & LW_BATCH_ATTR_CODEC_MASK) /* Kafka never nests compression */
    return lw_cur_fail(&it->c, LW_ERR_MALFORMED);
  const lw_batch *w = &it->batch;
  int64_t ts = m.Timestamp;
  if (w->Magic == 1 && (w->Attributes & LW_BATCH_ATTR_LOG_APPEND_TIME))
    ts = w->MaxTimestamp;
  legacy_record(&m, (int64_t)((uint64_t)it->legacy_base + (uint64_t)m.Offset), ts, rec);
  return LW_OK;
}

int lw_records_next(lw_records_iter *it, lw_record *rec, const lw_batch **batch) {
  for (;;) {
    if (it->c.err)
      return it->c.err;
    if (it->in_wrapper) {
      if (lw_cur_left(&it->rc) > 0) {
        int err = next_inner(it, rec);
        if (!err && batch)
          *batch = &it->batch;
        return err;
      }
      it->in_wrapper = false;
      close_group(it);
      continue;
    }
    if (it->left > 0) {
      int err = rd_record(it, rec);
      if (err)
        return lw_cur_fail(&it->c, err);
      it->left--;
      if (batch)
        *batch = &it->batch;
      return LW_OK;
    }
    if (it->magic == 2 && it->in_batch) {
      /* Bytes after the last record the header counted. */
      if (lw_cur_left(&it->rc) > 0)
        return lw_cur_fail(&it->c, LW_ERR_MALFORMED);
      close_group(it);
    }
    size_t left = lw_cur_left(&it->c);
    /* The end, or a partial batch/message (Fetch responses may end mid-batch). Magic is at
     * byte 16 for every format: after BaseOffset/Offset, BatchLength/MessageSize and
     * PartitionLeaderEpoch/Crc. */
    if (left < 17) {
      if (left > 0)
        lw_trace_note(&it->c, "Partial", "batch cut short at the end: ignored");
      return LW_ERR_NOT_FOUND;
    }
    const uint8_t *p = it->c.p + it->c.pos;
    uint32_t size = rd_be32(p + 8);
    if (size > INT32_MAX || size < 5)
      return lw_cur_fail(&it->c, LW_ERR_MALFORMED);
    if (size > left - 12) {
      lw_trace_note(&it->c, "Partial", "batch cut short at the end: ignored");
      return LW_ERR_NOT_FOUND;
    }
    int magic = (int8_t)p[16];
    if (magic == 2) {
      int err = next_batch_v2(it);
      if (err)
        return lw_cur_fail(&it->c, err);
    } else if (magic == 0 || magic == 1) {
      bool got = false;
      int err = next_legacy(it, rec, &got);
      if (err)
        return lw_cur_fail(&it->c, err);
      if (got) {
        if (batch)
          *batch = &it->batch;
        return LW_OK;
      }
    } else {
      return lw_cur_fail(&it->c, LW_ERR_UNSUPPORTED);
    }
  }
}

void lw_records_trace(lw_cur *c, lw_bytes records) {
  if (!c->tr || records.len <= 0 || records.p < c->p || records.p > c->p + c->len)
    return;
  lw_arena a;
  lw_arena_init(&a, 16u * 1024 * 1024);
  lw_zctx z = {0};
  lw_records_iter it;
  lw_records_iter_init(&it, records.p, (size_t)records.len, 64u * 1024 * 1024, &a, &z);
  it.keep_control = true;
  it.c.tr = c->tr;
  it.c.base = c->base + (size_t)(records.p - c->p);
  int depth = c->tr->depth;
  lw_record rec;
  int rc;
  while ((rc = lw_records_next(&it, &rec, NULL)) == LW_OK) {
  }
  c->tr->depth = depth;
  if (rc != LW_ERR_NOT_FOUND) {
    char note[96];
    snprintf(note, sizeof note, "records not decoded further: %s", lw_err_name(rc));
    lw_trace_note(c, "RecordsError", note);
  }
  lw_records_iter_free(&it);
  lw_zctx_free(&z);
  lw_arena_free(&a);
}
