/* msgset.h — legacy MessageSet, magic 0 (Kafka 0.8–0.9) and magic 1 (0.10, timestamps), for
 * Produce v0–v2 to brokers older than 0.11.
 *
 *   MessageSet: [Offset int64 | MessageSize int32 | Message]...
 *   Message:    Crc uint32 (CRC-32 IEEE of the rest) | Magic int8 | Attributes int8 |
 *               Timestamp int64 (magic 1 only) | Key bytes | Value bytes
 *
 * Compression wraps the whole inner set in one wrapper message whose value is the compressed
 * set and whose Attributes carry the codec. */
#ifndef LW_MSGSET_H
#define LW_MSGSET_H

#include "proto/batch.h"

typedef struct lw_msgset_builder {
  lw_buf *out;  /* borrowed */
  size_t start; /* offset of the first message in out->data */
  int8_t magic; /* 0 or 1 */
  int32_t count;
  int64_t max_timestamp;
} lw_msgset_builder;

/* Start a message set at the end of `out`. magic must be 0 or 1 (else LW_ERR_INVALID_ARG).
 * Returns out->err. */
int lw_msgset_begin(lw_msgset_builder *mb, lw_buf *out, int8_t magic);
/* Append one message (timestamp ignored for magic 0), with Offset = its index and
 * Attributes 0, as librdkafka writes them. Returns LW_OK, LW_ERR_TOO_LARGE when it does not
 * fit under the ceiling (not sticky: the set stays as it was and can be finished), or
 * out->err. */
int lw_msgset_append(lw_msgset_builder *mb, int64_t timestamp, lw_bytes key, lw_bytes value);
/* Finish: with a codec, replace the set by one wrapper message holding it compressed
 * (compressed in scratch, reused across calls; NULL: a temporary buffer). The wrapper has
 * Offset = the last inner offset (count - 1), Key null, Timestamp = the largest inner
 * timestamp (magic 1); lz4 for magic 0 writes the legacy frame header checksum Kafka expects
 * there. An empty set with a codec is LW_ERR_INVALID_ARG. Returns LW_OK or an error. */
int lw_msgset_finish(lw_msgset_builder *mb, int codec, lw_zctx *z, lw_buf *scratch);

/* ---- Reading (used by lw_records_iter) ---- */

typedef struct lw_legacy_msg {
  int64_t Offset;      /* absolute, or relative inside a magic 1 wrapper */
  int32_t MessageSize; /* bytes after this field */
  uint32_t Crc;        /* CRC-32 (IEEE) of Magic .. end */
  int8_t Magic;        /* 0 or 1 */
  int8_t Attributes;   /* bits 0-2 codec, bit 3 (magic 1) LogAppendTime */
  int64_t Timestamp;   /* magic 1 only; -1 for magic 0 */
  lw_bytes Key;        /* nullable, borrowed from the input */
  lw_bytes Value;      /* nullable, borrowed from the input */
} lw_legacy_msg;

/* Decode one [Offset MessageSize Message] entry at the cursor, tracing every field, and
 * verify its CRC. Returns LW_OK, LW_ERR_CRC, LW_ERR_TRUNCATED, LW_ERR_MALFORMED or
 * LW_ERR_UNSUPPORTED (magic not 0/1); the error is also set on the cursor. */
int lw_legacy_msg_decode(lw_cur *c, lw_legacy_msg *m);

#endif
