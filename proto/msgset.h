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

/* Start a message set at the end of `out`. magic must be 0 or 1. */
int lw_msgset_begin(lw_msgset_builder *mb, lw_buf *out, int8_t magic);
/* Append one message (timestamp ignored for magic 0). Returns out->err. */
int lw_msgset_append(lw_msgset_builder *mb, int64_t timestamp, lw_bytes key, lw_bytes value);
/* Finish: with a codec, replace the set by one wrapper message holding it compressed.
 * Returns LW_OK or an error. */
int lw_msgset_finish(lw_msgset_builder *mb, int codec, lw_zctx *z, lw_buf *scratch);

#endif
