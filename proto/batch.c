/* batch.c — RecordBatch v2: the builder (the producer's hot path: records are encoded straight
 * into reserved space, no allocation or indirect call per record), the in-place finish with
 * compression, restamping, and the header decoder. The records iterator is in records.c. */
#include "proto/batch.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proto/crc.h"

/* Header field offsets from BaseOffset. */
enum {
  OFF_BatchLength = 8,
  OFF_PartitionLeaderEpoch = 12,
  OFF_Magic = 16,
  OFF_CRC = 17,
  OFF_Attributes = 21, /* the CRC covers Attributes .. end of batch */
  OFF_LastOffsetDelta = 23,
  OFF_BaseTimestamp = 27,
  OFF_MaxTimestamp = 35,
  OFF_ProducerId = 43,
  OFF_ProducerEpoch = 51,
  OFF_BaseSequence = 53,
  OFF_RecordsCount = 57,
};

static inline void wr_be16(uint8_t *d, uint16_t v) {
  d[0] = (uint8_t)(v >> 8);
  d[1] = (uint8_t)v;
}

static inline void wr_be32(uint8_t *d, uint32_t v) {
  d[0] = (uint8_t)(v >> 24);
  d[1] = (uint8_t)(v >> 16);
  d[2] = (uint8_t)(v >> 8);
  d[3] = (uint8_t)v;
}

static inline void wr_be64(uint8_t *d, uint64_t v) {
  wr_be32(d, (uint32_t)(v >> 32));
  wr_be32(d + 4, (uint32_t)v);
}

static inline uint32_t rd_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- Varints, inline for the hot path ---- */

static inline uint32_t zz32(int32_t v) {
  return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

static inline uint64_t zz64(int64_t v) {
  return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* Bytes of the LEB128 encoding of u: 1 + floor(log2(u)) / 7. Lengths, deltas and counts of
 * log records are nearly always under 2^14: two compares answer those (a record asks six). */
static inline size_t uv_len(uint64_t u) {
  if (u < 0x80)
    return 1;
  if (u < 0x4000)
    return 2;
  return 1 + (size_t)(63 - __builtin_clzll(u)) / 7;
}

static inline uint8_t *put_uv(uint8_t *d, uint64_t u) {
  while (u >= 0x80) {
    *d++ = (uint8_t)(u | 0x80);
    u >>= 7;
  }
  *d++ = (uint8_t)u;
  return d;
}

/* Size of a varint length plus the bytes (null: length -1, no bytes). */
static inline size_t vbytes_len(int32_t len) {
  return len < 0 ? 1 : uv_len(zz32(len)) + (size_t)len;
}

static inline uint8_t *put_vbytes(uint8_t *d, const void *p, int32_t len) {
  if (len < 0)
    return put_uv(d, zz32(-1));
  d = put_uv(d, zz32(len));
  memcpy(d, p, (size_t)len);
  return d + len;
}

/* Size of a record's body (everything after its Length), or SIZE_MAX for an invalid header. */
static inline size_t body_len(int64_t ts_delta, int32_t off_delta, int32_t klen, int32_t vlen,
                              const lw_rec_header *h, int nh) {
  size_t n = 1 + uv_len(zz64(ts_delta)) + uv_len(zz32(off_delta)) + vbytes_len(klen) +
             vbytes_len(vlen) + uv_len(zz32(nh));
  for (int i = 0; i < nh; i++) {
    if (h[i].Key.len < 0) /* header keys are not nullable */
      return SIZE_MAX;
    n += vbytes_len(h[i].Key.len) + vbytes_len(h[i].Value.len);
  }
  return n;
}

/* ---- Writing ---- */

int lw_batch_begin(lw_batch_builder *bb, lw_buf *out, int64_t base_timestamp) {
  bb->out = out;
  bb->start = out->len;
  bb->BaseTimestamp = base_timestamp;
  bb->MaxTimestamp = INT64_MIN;
  bb->count = 0;
  bb->finished = false;
  if (lw_buf_reserve(out, LW_BATCH_HEADER_SIZE))
    return out->err;
  /* Placeholder header, filled in by lw_batch_finish. */
  memset(lw_buf_tail(out), 0, LW_BATCH_HEADER_SIZE);
  lw_buf_commit(out, LW_BATCH_HEADER_SIZE);
  return LW_OK;
}

size_t lw_batch_record_size(int64_t timestamp_delta, int32_t offset_delta, lw_bytes key,
                            lw_bytes value, const lw_rec_header *headers, int nheaders) {
  size_t body = body_len(timestamp_delta, offset_delta, key.len, value.len, headers, nheaders);
  if (body == SIZE_MAX || body > INT32_MAX)
    return SIZE_MAX;
  return uv_len(zz32((int32_t)body)) + body;
}

int lw_batch_append(lw_batch_builder *bb, int64_t timestamp, lw_bytes key, lw_bytes value,
                    const lw_rec_header *headers, int nheaders) {
  lw_buf *out = bb->out;
  if (out->err)
    return out->err;
  if (nheaders < 0 || (nheaders > 0 && !headers) || bb->count == INT32_MAX || bb->finished)
    return LW_ERR_INVALID_ARG;
  /* Wrapping subtraction: a wild timestamp gives a wild delta, never undefined behaviour. */
  int64_t td = (int64_t)((uint64_t)timestamp - (uint64_t)bb->BaseTimestamp);
  int32_t od = bb->count;
  size_t body = body_len(td, od, key.len, value.len, headers, nheaders);
  if (body == SIZE_MAX)
    return LW_ERR_INVALID_ARG;
  if (body > INT32_MAX)
    return LW_ERR_TOO_LARGE;
  size_t total = uv_len(zz32((int32_t)body)) + body;
  /* A record that does not fit is reported without making the error sticky, so the caller
   * can still finish the batch and start the next one. */
  size_t used = lw_buf_total(out);
  if (used > out->max || out->max - used < total)
    return LW_ERR_TOO_LARGE;
  if (out->cap - out->len < total && lw_buf_reserve(out, total))
    return out->err;

  uint8_t *d = lw_buf_tail(out);
  d = put_uv(d, zz32((int32_t)body)); /* Length varint */
  *d++ = 0;                           /* Attributes int8 (unused, 0) */
  d = put_uv(d, zz64(td));            /* TimestampDelta varlong */
  d = put_uv(d, zz32(od));            /* OffsetDelta varint */
  d = put_vbytes(d, key.p, key.len);  /* KeyLength varint, Key */
  d = put_vbytes(d, value.p, value.len);
  d = put_uv(d, zz32(nheaders)); /* HeadersCount varint */
  for (int i = 0; i < nheaders; i++) {
    d = put_vbytes(d, headers[i].Key.p, headers[i].Key.len); /* HeaderKeyLength, HeaderKey */
    d = put_vbytes(d, headers[i].Value.p, headers[i].Value.len);
  }
  lw_buf_commit(out, total);
  if (timestamp > bb->MaxTimestamp)
    bb->MaxTimestamp = timestamp;
  bb->count++;
  return LW_OK;
}

/* memcpy through a call: with the size known to be under 4 KiB gcc expands it inline as
 * `rep movsq`, which costs a start-up of tens of cycles (and one instruction per 8 bytes);
 * libc's memcpy moves a 100-byte line in a handful of vector instructions. */
__attribute__((noipa)) static void copy_value(uint8_t *d, const void *p, size_t n) {
  if (n)
    memcpy(d, p, n);
}

int lw_batch_append_value(lw_batch_builder *bb, int64_t timestamp, const void *value,
                          int32_t value_len) {
  lw_buf *out = bb->out;
  int64_t td = (int64_t)((uint64_t)timestamp - (uint64_t)bb->BaseTimestamp);
  uint64_t ztd = zz64(td);
  uint32_t zod = (uint32_t)bb->count << 1; /* count >= 0: zigzag is a shift */
  /* Every varint of the record but Length is then 1 or 2 bytes, and the body under 4,200
   * bytes, so Length takes at most 2. Anything else (or an error state) is the general path's. */
  if (value_len < 0 || value_len >= 4096 || ztd >= 0x4000 || zod >= 0x4000 || out->err ||
      bb->finished)
    return lw_batch_append(bb, timestamp, (lw_bytes){NULL, -1}, (lw_bytes){value, value_len}, NULL,
                           0);
  uint32_t zvl = (uint32_t)value_len << 1;
  size_t body = 1 + (ztd < 0x80 ? 1 : 2) + (zod < 0x80 ? 1 : 2) + 1 + (zvl < 0x80 ? 1 : 2) +
                (size_t)value_len + 1;
  size_t total = (body < 64 ? 1 : 2) + body;
  size_t used = lw_buf_total(out);
  if (used > out->max || out->max - used < total)
    return LW_ERR_TOO_LARGE;
  if (out->cap - out->len < total && lw_buf_reserve(out, total))
    return out->err;
  uint8_t *d = lw_buf_tail(out);
  d = put_uv(d, (uint64_t)body << 1); /* Length varint */
  *d++ = 0;                           /* Attributes */
  d = put_uv(d, ztd);                 /* TimestampDelta varlong */
  d = put_uv(d, zod);                 /* OffsetDelta varint */
  *d++ = 1;                           /* KeyLength -1 (zigzag), no key */
  d = put_uv(d, zvl);                 /* ValueLength varint, Value */
  copy_value(d, value, (size_t)value_len);
  d[value_len] = 0; /* HeadersCount 0 */
  lw_buf_commit(out, total);
  if (timestamp > bb->MaxTimestamp)
    bb->MaxTimestamp = timestamp;
  bb->count++;
  return LW_OK;
}

/* Write u (< 0x4000) as a 1- or 2-byte varint. */
static inline uint8_t *put_uv2(uint8_t *d, uint32_t u) {
  if (u < 0x80) {
    *d = (uint8_t)u;
    return d + 1;
  }
  d[0] = (uint8_t)(u | 0x80);
  d[1] = (uint8_t)(u >> 7);
  return d + 2;
}

/* A record of lw_batch_append_lines outside the common shape (any varint size), at d. Apart
 * from the hot loop so that the loop keeps its variables in registers. */
__attribute__((noinline)) static uint8_t *put_value_record(uint8_t *d, uint64_t ztd, uint32_t zod,
                                                           const uint8_t *v, size_t vlen) {
  size_t body = 2 + uv_len(ztd) + uv_len(zod) + uv_len((uint64_t)vlen << 1) + vlen + 1;
  d = put_uv(d, (uint64_t)body << 1); /* Length varint */
  *d++ = 0;                           /* Attributes */
  d = put_uv(d, ztd);                 /* TimestampDelta varlong */
  d = put_uv(d, zod);                 /* OffsetDelta varint */
  *d++ = 1;                           /* KeyLength -1 (zigzag), no key */
  d = put_uv(d, (uint64_t)vlen << 1); /* ValueLength varint, Value */
  memcpy(d, v, vlen);
  d += vlen;
  *d++ = 0; /* HeadersCount 0 */
  return d;
}

size_t lw_batch_append_lines(lw_batch_builder *bb, int64_t timestamp, const uint8_t *p, size_t len,
                             lw_batch_lines *bl) {
  lw_buf *out = bb->out;
  bl->records = 0;
  bl->value_bytes = 0;
  if (out->err || bb->finished || out->seg_bytes || out->len > out->max)
    return 0;
  /* Records are at most v + 28 bytes: 32 bytes of slack past len_max let them be written
   * without checking the space left, so len_max stays 32 bytes under the ceiling. */
  if (out->max < 32)
    return 0;
  size_t len_max = bl->len_max < out->max - 32 ? bl->len_max : out->max - 32;
  size_t extra = bl->extra, vmax = bl->value_max < INT32_MAX / 2 ? bl->value_max : INT32_MAX / 2;
  if (out->len > len_max || len_max - out->len < extra)
    return 0;
  /* The batch is going to grow to about len_max: make room for it at once (one allocation,
   * not a copy at every doubling), so that records are written without checking. */
  if (out->cap < len_max + 32 && lw_buf_reserve(out, len_max + 32 - out->len))
    return 0;
  int64_t td = (int64_t)((uint64_t)timestamp - (uint64_t)bb->BaseTimestamp);
  uint32_t ztd = (uint32_t)zz64(td);
  bool small_td = zz64(td) < 0x4000;       /* every record of the call has the same timestamp */
  uint32_t zod = (uint32_t)bb->count << 1; /* count >= 0: zigzag is a shift */
  uint8_t delim = bl->delim;
  size_t room = bl->room, vbytes = 0;
  /* A record whose value is v bytes is taken while d + v <= dmax (out->len + v + extra <=
   * len_max); d itself may pass dmax when extra is less than a record's framing. */
  uint8_t *d = out->data + out->len;
  const uintptr_t dmax = (uintptr_t)out->data + len_max - extra;
  const uint8_t *s = p, *const end = p + len;
  while (s < end) {
    const uint8_t *nl = memchr(s, delim, (size_t)(end - s));
    if (!nl)
      break;
    size_t v = (size_t)(nl - s);
    if (v > vmax || v + extra > room || (uintptr_t)d + v > dmax)
      break;
    if (v < 4096 && small_td && zod < 0x4000) {
      /* The common shape: every varint 1 or 2 bytes (Length < 2^13). */
      uint32_t zvl = (uint32_t)v << 1;
      uint32_t body = (uint32_t)v + 6 + (ztd >= 0x80) + (zod >= 0x80) + (zvl >= 0x80);
      d = put_uv2(d, body << 1); /* Length varint */
      *d++ = 0;                  /* Attributes */
      d = put_uv2(d, ztd);       /* TimestampDelta varlong */
      d = put_uv2(d, zod);       /* OffsetDelta varint */
      *d++ = 1;                  /* KeyLength -1 (zigzag), no key */
      d = put_uv2(d, zvl);       /* ValueLength varint, Value */
      memcpy(d, s, v);
      d += v;
      *d++ = 0; /* HeadersCount 0 */
    } else {
      if (zod == (uint32_t)INT32_MAX << 1)
        break; /* OffsetDelta would overflow */
      d = put_value_record(d, zz64(td), zod, s, v);
    }
    zod += 2;
    room -= v + extra;
    vbytes += v;
    s = nl + 1;
  }
  out->len = (size_t)(d - out->data);
  int32_t n = (int32_t)(zod >> 1) - bb->count;
  bl->records = n;
  bl->value_bytes = vbytes;
  bl->room = room;
  if (n && timestamp > bb->MaxTimestamp)
    bb->MaxTimestamp = timestamp;
  bb->count += n;
  return (size_t)(s - p);
}

/* Replace the records section (out->data[rs..]) by its compressed form. Returns LW_OK with
 * *codec set to the codec used (LW_CODEC_NONE when compressing did not pay), or an error. */
static int compress_records(lw_buf *out, size_t rs, const lw_batch_seal *seal, lw_zctx *z,
                            lw_buf *scratch, int *codec) {
  size_t rlen = out->len - rs;
  *codec = LW_CODEC_NONE;
  lw_buf_reset(scratch);
  int err = lw_compress(z, seal->codec, seal->level, out->data + rs, rlen, scratch, false);
  if (err == LW_ERR_TOO_LARGE && !seal->compress_always)
    return LW_OK; /* larger than scratch allows: send it as it is */
  if (err)
    return err;
  if (scratch->len >= rlen && !seal->compress_always)
    return LW_OK;
  if (scratch->len <= rlen) {
    memcpy(out->data + rs, scratch->data, scratch->len);
    out->len = rs + scratch->len;
  } else {
    out->len = rs;
    lw_buf_append(out, scratch->data, scratch->len);
    if (out->err)
      return out->err;
  }
  *codec = seal->codec;
  return LW_OK;
}

int lw_batch_finish(lw_batch_builder *bb, const lw_batch_seal *seal, lw_zctx *z, lw_buf *scratch) {
  lw_buf *out = bb->out;
  lw_buf tmp;
  int codec = LW_CODEC_NONE, err = LW_OK;
  lw_buf_init(&tmp, out->max);
  if (out->err)
    return out->err;
  if (bb->count <= 0 || bb->finished || out->len < bb->start + LW_BATCH_HEADER_SIZE)
    return LW_ERR_INVALID_ARG;
  bb->finished = true; /* even on failure: the records may be half replaced */
  if (seal->codec != LW_CODEC_NONE) {
    err = compress_records(out, bb->start + LW_BATCH_HEADER_SIZE, seal, z, scratch ? scratch : &tmp,
                           &codec);
    if (err)
      goto done;
  }
  size_t total = out->len - bb->start;
  if (total - LW_BATCH_OVERHEAD_LOG > INT32_MAX) {
    err = LW_ERR_TOO_LARGE;
    goto done;
  }
  uint8_t *h = out->data + bb->start;
  wr_be64(h, 0); /* BaseOffset: broker sets */
  wr_be32(h + OFF_BatchLength, (uint32_t)(total - LW_BATCH_OVERHEAD_LOG));
  wr_be32(h + OFF_PartitionLeaderEpoch, (uint32_t)seal->PartitionLeaderEpoch);
  h[OFF_Magic] = 2;
  wr_be16(h + OFF_Attributes, (uint16_t)codec); /* CreateTime, not transactional */
  wr_be32(h + OFF_LastOffsetDelta, (uint32_t)(bb->count - 1));
  wr_be64(h + OFF_BaseTimestamp, (uint64_t)bb->BaseTimestamp);
  wr_be64(h + OFF_MaxTimestamp, (uint64_t)bb->MaxTimestamp);
  wr_be64(h + OFF_ProducerId, (uint64_t)seal->ProducerId);
  wr_be16(h + OFF_ProducerEpoch, (uint16_t)seal->ProducerEpoch);
  wr_be32(h + OFF_BaseSequence, (uint32_t)seal->BaseSequence);
  wr_be32(h + OFF_RecordsCount, (uint32_t)bb->count);
  wr_be32(h + OFF_CRC, lw_crc32c(0, h + OFF_Attributes, total - OFF_Attributes));
done:
  lw_buf_free(&tmp);
  return err;
}

int lw_batch_restamp(uint8_t *batch, size_t len, int64_t producer_id, int16_t producer_epoch,
                     int32_t base_sequence) {
  if (len < LW_BATCH_HEADER_SIZE || batch[OFF_Magic] != 2 ||
      (size_t)rd_be32(batch + OFF_BatchLength) + LW_BATCH_OVERHEAD_LOG != len)
    return LW_ERR_MALFORMED;
  wr_be64(batch + OFF_ProducerId, (uint64_t)producer_id);
  wr_be16(batch + OFF_ProducerEpoch, (uint16_t)producer_epoch);
  wr_be32(batch + OFF_BaseSequence, (uint32_t)base_sequence);
  wr_be32(batch + OFF_CRC, lw_crc32c(0, batch + OFF_Attributes, len - OFF_Attributes));
  return LW_OK;
}

/* ---- Reading ---- */

int lw_batch_decode(lw_cur *c, lw_batch *b) {
  memset(b, 0, sizeof(*b));
  b->BaseOffset = lw_rd_i64(c, "BaseOffset");   /* int64, magic 2 */
  b->BatchLength = lw_rd_i32(c, "BatchLength"); /* int32: bytes after this field */
  if (c->err)
    return c->err;
  if (b->BatchLength < LW_BATCH_HEADER_SIZE - LW_BATCH_OVERHEAD_LOG)
    return lw_cur_fail(c, LW_ERR_MALFORMED);
  if ((size_t)b->BatchLength > lw_cur_left(c))
    return lw_cur_fail(c, LW_ERR_TRUNCATED);
  lw_cur s = lw_cur_sub(c, (size_t)b->BatchLength, NULL);
  b->PartitionLeaderEpoch = lw_rd_i32(&s, "PartitionLeaderEpoch");
  b->Magic = lw_rd_i8(&s, "Magic");
  if (b->Magic != 2)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  b->Crc = lw_rd_u32(&s, "CRC"); /* CRC-32C of Attributes .. end of batch */
  uint32_t crc = lw_crc32c(0, s.p + s.pos, s.len - s.pos);
  b->Attributes = lw_rd_i16(&s, "Attributes");
  b->LastOffsetDelta = lw_rd_i32(&s, "LastOffsetDelta");
  b->BaseTimestamp = lw_rd_i64(&s, "BaseTimestamp");
  b->MaxTimestamp = lw_rd_i64(&s, "MaxTimestamp");
  b->ProducerId = lw_rd_i64(&s, "ProducerId");
  b->ProducerEpoch = lw_rd_i16(&s, "ProducerEpoch");
  b->BaseSequence = lw_rd_i32(&s, "BaseSequence");
  b->RecordsCount = lw_rd_i32(&s, "RecordsCount");
  if (s.err)
    return lw_cur_fail(c, s.err);
  b->records = s.p + s.pos;
  b->records_len = s.len - s.pos;
  if (c->tr) {
    char note[96];
    int codec = b->Attributes & LW_BATCH_ATTR_CODEC_MASK;
    const char *name = lw_codec_name(codec);
    snprintf(note, sizeof note, "%zu bytes, %s%s%s", b->records_len, name ? name : "unknown codec",
             b->Attributes & LW_BATCH_ATTR_TRANSACTIONAL ? ", transactional" : "",
             b->Attributes & LW_BATCH_ATTR_CONTROL ? ", control" : "");
    lw_trace_note(&s, "Records", note);
    if (crc != b->Crc) {
      snprintf(note, sizeof note, "mismatch: computed 0x%08" PRIx32, crc);
      lw_trace_note(&s, "CRC", note);
    }
  }
  if (crc != b->Crc)
    return lw_cur_fail(c, LW_ERR_CRC);
  if (b->RecordsCount < 0)
    return lw_cur_fail(c, LW_ERR_MALFORMED);
  return LW_OK;
}
