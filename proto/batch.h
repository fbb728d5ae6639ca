/* batch.h — RecordBatch (magic 2): the unit Kafka stores and replicates since 0.11.
 *
 *   BaseOffset int64 | BatchLength int32 | PartitionLeaderEpoch int32 | Magic int8 (2) |
 *   CRC uint32 (CRC-32C of everything after it) | Attributes int16 | LastOffsetDelta int32 |
 *   BaseTimestamp int64 | MaxTimestamp int64 | ProducerId int64 | ProducerEpoch int16 |
 *   BaseSequence int32 | RecordsCount int32 | Records (compressed as a whole when a codec is set)
 *
 *   Record: Length varint | Attributes int8 | TimestampDelta varlong | OffsetDelta varint |
 *           KeyLength varint | Key | ValueLength varint | Value | HeadersCount varint |
 *           Headers (KeyLength varint, Key, ValueLength varint, Value)
 *
 * Writing reserves the header and patches BatchLength, CRC and the counters at the end. */
#ifndef LW_BATCH_H
#define LW_BATCH_H

#include <string.h>

#include "proto/compress.h"
#include "proto/wire.h"

#define LW_BATCH_HEADER_SIZE  61 /* BaseOffset .. RecordsCount */
#define LW_BATCH_OVERHEAD_LOG 12 /* BaseOffset + BatchLength: bytes not counted by BatchLength */

/* Attributes bits. */
#define LW_BATCH_ATTR_CODEC_MASK      0x07
#define LW_BATCH_ATTR_LOG_APPEND_TIME 0x08
#define LW_BATCH_ATTR_TRANSACTIONAL   0x10
#define LW_BATCH_ATTR_CONTROL         0x20

typedef struct lw_rec_header {
  lw_str Key;
  lw_bytes Value; /* nullable */
} lw_rec_header;

/* ---- Writing ---- */

typedef struct lw_batch_builder {
  lw_buf *out;           /* borrowed: the batch is appended to it */
  size_t start;          /* offset of BaseOffset in out->data */
  int64_t BaseTimestamp; /* first record's timestamp */
  int64_t MaxTimestamp;
  int32_t count; /* records appended */
  bool finished; /* lw_batch_finish ran: no more appends or finishes */
} lw_batch_builder;

/* Start a batch at the end of `out` (header reserved with placeholders). Returns out->err.
 * MaxTimestamp is INT64_MIN until the first record. */
int lw_batch_begin(lw_batch_builder *bb, lw_buf *out, int64_t base_timestamp);
/* Encoded size of a record with these fields, Length prefix included (to keep a batch under
 * a size limit); SIZE_MAX for a null header key or a record over INT32_MAX bytes. */
size_t lw_batch_record_size(int64_t timestamp_delta, int32_t offset_delta, lw_bytes key,
                            lw_bytes value, const lw_rec_header *headers, int nheaders);
/* Append one record; key/value may be null (len -1); header keys may not. The timestamp is
 * stored as a delta from the batch's BaseTimestamp (negative deltas allowed), OffsetDelta is
 * the record's index. Returns LW_OK; LW_ERR_TOO_LARGE when the record does not fit under the
 * buffer's ceiling (the batch is left as it was before the call and out->err is NOT set, so
 * the batch can still be finished); LW_ERR_INVALID_ARG for a null header key or a negative
 * nheaders, or after lw_batch_finish; out->err (LW_ERR_NOMEM) when allocation failed. No
 * allocation and no indirect call per record; none at all once `out` has grown to its
 * working size. */
int lw_batch_append(lw_batch_builder *bb, int64_t timestamp, lw_bytes key, lw_bytes value,
                    const lw_rec_header *headers, int nheaders);
/* lw_batch_append for the common shape of a log record: null key, no headers, a non-null
 * value. The same bytes and results, in a third of the instructions for values under 4 KiB
 * (longer ones take the general path). */
int lw_batch_append_value(lw_batch_builder *bb, int64_t timestamp, const void *value,
                          int32_t value_len);

/* lw_batch_append_value inline, for its common case only: a value under 4 KiB, the record's
 * TimestampDelta and OffsetDelta under 2^13, and room in the buffer without growing it.
 * Returns true when the record was appended (the same bytes lw_batch_append_value writes),
 * false when nothing was written: call lw_batch_append_value then. */
static inline bool lw_batch_try_append_value(lw_batch_builder *bb, int64_t timestamp,
                                             const void *value, uint32_t value_len) {
  lw_buf *out = bb->out;
  int64_t td = (int64_t)((uint64_t)timestamp - (uint64_t)bb->BaseTimestamp);
  uint64_t ztd = ((uint64_t)td << 1) ^ (uint64_t)(td >> 63);
  uint32_t zod = (uint32_t)bb->count << 1, zvl = value_len << 1;
  /* Every varint 1 or 2 bytes: the record takes at most value_len + 11 bytes. */
  if (value_len >= 4096 || ztd >= 0x4000 || zod >= 0x4000 || out->cap - out->len < value_len + 11 ||
      out->seg_bytes || out->err || bb->finished)
    return false;
  uint32_t body = value_len + 6 + (ztd >= 0x80) + (zod >= 0x80) + (zvl >= 0x80), zb = body << 1;
  uint8_t *d = out->data + out->len;
  if (zb < 0x80) { /* Length varint */
    *d++ = (uint8_t)zb;
  } else {
    d[0] = (uint8_t)(zb | 0x80);
    d[1] = (uint8_t)(zb >> 7);
    d += 2;
  }
  *d++ = 0;         /* Attributes */
  if (ztd < 0x80) { /* TimestampDelta varlong */
    *d++ = (uint8_t)ztd;
  } else {
    d[0] = (uint8_t)(ztd | 0x80);
    d[1] = (uint8_t)(ztd >> 7);
    d += 2;
  }
  if (zod < 0x80) { /* OffsetDelta varint */
    *d++ = (uint8_t)zod;
  } else {
    d[0] = (uint8_t)(zod | 0x80);
    d[1] = (uint8_t)(zod >> 7);
    d += 2;
  }
  *d++ = 1;         /* KeyLength -1 (zigzag), no key */
  if (zvl < 0x80) { /* ValueLength varint, Value */
    *d++ = (uint8_t)zvl;
  } else {
    d[0] = (uint8_t)(zvl | 0x80);
    d[1] = (uint8_t)(zvl >> 7);
    d += 2;
  }
  /* Hide the bound on value_len from the compiler: knowing it under 4 KiB, gcc copies with an
   * inline `rep movsb` (a start-up of tens of cycles, one step a byte); libc's memcpy moves a
   * 100-byte line in a handful of vector instructions. */
  size_t n = value_len;
  __asm__("" : "+r"(n));
  memcpy(d, value, n);
  d[value_len] = 0; /* HeadersCount 0 */
  out->len = (size_t)(d + value_len + 1 - out->data);
  if (timestamp > bb->MaxTimestamp)
    bb->MaxTimestamp = timestamp;
  bb->count++;
  return true;
}

/* lw_batch_append_lines: what bounds it, and what it did. */
typedef struct lw_batch_lines {
  uint8_t delim;      /* in: the byte that ends each value (not part of it) */
  size_t len_max;     /* in: a value of length v is appended only while out->len + v + extra
                         stays at or under len_max (at most out->max - 32) */
  size_t room;        /* in/out: ... and v + extra at or under room, which it then lowers */
  size_t extra;       /* in: what a record counts beyond its value's length (its framing) */
  size_t value_max;   /* in: the longest value appended */
  int32_t records;    /* out: records appended */
  size_t value_bytes; /* out: their values' bytes, delimiters not included */
} lw_batch_lines;

/* Append one record per delimited value of p[0..len) (borrowed), as lw_batch_append_value
 * would for each with the same timestamp: the same bytes, with one pass of memchr and one
 * copy per value and no call per record. The buffer first grows to len_max (+ 32 bytes) at
 * once. Stops before the first value that has no delimiter after it or that bl's bounds
 * refuse (also after INT32_MAX records). Returns the bytes consumed, delimiters included (0
 * when the builder is finished or in error, out holds splices, or the buffer cannot grow:
 * out->err is then set). */
size_t lw_batch_append_lines(lw_batch_builder *bb, int64_t timestamp, const uint8_t *p, size_t len,
                             lw_batch_lines *bl);

typedef struct lw_batch_seal {
  int64_t ProducerId;           /* -1 when not idempotent */
  int16_t ProducerEpoch;        /* -1 */
  int32_t BaseSequence;         /* -1 */
  int32_t PartitionLeaderEpoch; /* -1: the broker sets it */
  int codec;                    /* enum lw_codec */
  int level;                    /* 0: codec default */
  bool compress_always;         /* false: keep the records uncompressed when compressing
                                   does not make them smaller (as librdkafka does) */
} lw_batch_seal;

/* Finish the batch: compress the records (scratch is working memory, reused across calls;
 * the compressed records then replace the plain ones in `out`, so peak memory is about twice
 * one batch; scratch NULL: a temporary buffer), fill the header fields and the CRC. BaseOffset
 * is 0 and Attributes carry only the codec actually used (CreateTime, not transactional).
 * A batch without records is LW_ERR_INVALID_ARG. When !compress_always and the codec does not
 * shrink the records (or they overflow scratch's ceiling) the batch is sent uncompressed.
 * On success the batch is out->data[bb->start .. out->len), ready to be sent (and re-sent
 * unchanged on retry). Returns LW_OK or an error (the batch is then unusable). */
int lw_batch_finish(lw_batch_builder *bb, const lw_batch_seal *seal, lw_zctx *z, lw_buf *scratch);

/* Rewrite ProducerId/ProducerEpoch/BaseSequence of a finished batch in place and recompute
 * its CRC (after a producer epoch bump). Returns LW_OK or LW_ERR_MALFORMED. */
int lw_batch_restamp(uint8_t *batch, size_t len, int64_t producer_id, int16_t producer_epoch,
                     int32_t base_sequence);

/* ---- Reading ---- */

typedef struct lw_batch {
  int64_t BaseOffset;
  int32_t BatchLength;
  int32_t PartitionLeaderEpoch;
  int8_t Magic;
  uint32_t Crc;
  int16_t Attributes;
  int32_t LastOffsetDelta;
  int64_t BaseTimestamp;
  int64_t MaxTimestamp;
  int64_t ProducerId;
  int16_t ProducerEpoch;
  int32_t BaseSequence;
  int32_t RecordsCount;
  const uint8_t *records; /* the records section as stored (compressed when a codec is set) */
  size_t records_len;
} lw_batch;

typedef struct lw_record {
  int8_t Attributes;
  int64_t TimestampDelta;
  int32_t OffsetDelta;
  lw_bytes Key;
  lw_bytes Value;
  lw_rec_header *Headers;
  int32_t HeadersCount;
  int64_t Offset;    /* BaseOffset + OffsetDelta */
  int64_t Timestamp; /* BaseTimestamp + TimestampDelta (or MaxTimestamp for log-append time) */
} lw_record;

/* Decode one batch (magic 2) at the cursor and verify its CRC (LW_ERR_CRC on mismatch). The
 * records section is not decoded. Traces every header field when c->tr is set. */
int lw_batch_decode(lw_cur *c, lw_batch *b);

/* Iterate over every record of a Records field: several batches, magic 0/1 MessageSets (with
 * compressed wrapper messages) or magic 2 RecordBatches, decompressing with a ceiling. A
 * partial batch at the end (as Fetch responses may carry) ends the iteration without error. */
typedef struct lw_records_iter {
  lw_cur c;       /* over the whole Records field */
  lw_batch batch; /* current batch (magic 2) or wrapper (magic 0/1) */
  lw_cur rc;      /* over the current batch's (decompressed) records */
  int32_t left;   /* records left in the current batch */
  int magic;      /* magic of the current batch, -1 before the first */
  size_t max_decompressed;
  lw_buf plain;        /* decompressed records of the current batch (owned) */
  lw_buf inner;        /* decompressed inner set of a legacy wrapper (owned) */
  lw_arena *a;         /* borrowed: headers arrays */
  lw_zctx *z;          /* borrowed, may be NULL */
  int64_t legacy_base; /* legacy wrapper offset adjustment */
  bool in_wrapper;
  bool keep_control;   /* false (default): control batches are skipped; true: their
                          records are returned (check the batch's Attributes) */
  bool in_batch;       /* a "RecordBatch"/"Message" trace group is open */
  lw_rec_header *hdrs; /* headers array reused from record to record (in *a) */
  int32_t hdrs_cap;
} lw_records_iter;

/* Iterate over p[0..len) (borrowed: must outlive the iterator). Decompressed data is bounded
 * by max_decompressed per batch (LW_ERR_TOO_LARGE past it). `a` may be NULL: records then
 * come with HeadersCount but Headers NULL (headers are still validated and traced). To trace,
 * set it->c.tr (and it->c.base, the offset of p[0] in the traced frame) after init: every
 * batch header field and every record field is reported, records of compressed batches with
 * offsets relative to the decompressed records. */
void lw_records_iter_init(lw_records_iter *it, const uint8_t *p, size_t len,
                          size_t max_decompressed, lw_arena *a, lw_zctx *z);
/* Next record: LW_OK, LW_ERR_NOT_FOUND at the end, or an error (bad CRC, bad codec...). The
 * record's slices stay valid until the next call. *batch (optional) points at the batch
 * header the record belongs to (for magic 0/1: the message, or its compressed wrapper, with
 * BaseOffset = its Offset, Magic, Crc, Attributes and both timestamps set to its Timestamp).
 * Errors are sticky: once one is returned, every later call returns it. Legacy records have
 * Headers NULL, HeadersCount 0, TimestampDelta and OffsetDelta 0, and Timestamp -1 for
 * magic 0; inner records of a compressed magic 1 wrapper get absolute offsets as Kafka
 * computes them (wrapper Offset - last inner offset + inner offset). */
int lw_records_next(lw_records_iter *it, lw_record *rec, const lw_batch **batch);
void lw_records_iter_free(lw_records_iter *it);

/* When c has a tracer, trace every batch and record inside `records` (a Records field just read
 * from c, so its bytes lie inside c's input). Decoding problems are reported to the tracer as
 * a note, not as an error of c: tracing never changes what a decoder returns. */
void lw_records_trace(lw_cur *c, lw_bytes records);

#endif
