/* msgset.c — legacy MessageSets (magic 0 and 1): the builder for Produce v0-v2 to brokers
 * older than 0.11, and the one-message decoder the records iterator uses. */
#include "proto/msgset.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proto/crc.h"

/* Offset int64, MessageSize int32 */
#define MSG_LOG_OVERHEAD 12
/* Crc uint32, Magic int8, Attributes int8, KeyLength int32, ValueLength int32 */
#define MSG_MIN_SIZE_V0 14
#define MSG_MIN_SIZE_V1 22 /* + Timestamp int64 */

static void wr_be32(uint8_t *d, uint32_t v) {
  d[0] = (uint8_t)(v >> 24);
  d[1] = (uint8_t)(v >> 16);
  d[2] = (uint8_t)(v >> 8);
  d[3] = (uint8_t)v;
}

static void wr_be64(uint8_t *d, uint64_t v) {
  wr_be32(d, (uint32_t)(v >> 32));
  wr_be32(d + 4, (uint32_t)v);
}

static uint8_t *put_bytes32(uint8_t *d, const void *p, int32_t len) {
  wr_be32(d, (uint32_t)(len < 0 ? -1 : len));
  if (len > 0)
    memcpy(d + 4, p, (size_t)len);
  return d + 4 + (len > 0 ? len : 0);
}

int lw_msgset_begin(lw_msgset_builder *mb, lw_buf *out, int8_t magic) {
  mb->out = out;
  mb->start = out->len;
  mb->magic = magic;
  mb->count = 0;
  mb->max_timestamp = -1;
  if (magic != 0 && magic != 1)
    return LW_ERR_INVALID_ARG;
  return out->err;
}

/* Write one entry at the end of out (room already checked by the caller): Offset,
 * MessageSize, Crc, Magic, Attributes, [Timestamp], Key, Value. */
static void put_msg(lw_buf *out, size_t total, int64_t offset, int8_t magic, int8_t attributes,
                    int64_t timestamp, lw_bytes key, lw_bytes value) {
  uint8_t *d = lw_buf_tail(out), *msg;
  wr_be64(d, (uint64_t)offset);                         /* Offset int64 */
  wr_be32(d + 8, (uint32_t)(total - MSG_LOG_OVERHEAD)); /* MessageSize int32 */
  msg = d + MSG_LOG_OVERHEAD;                           /* Crc uint32, patched below */
  msg[4] = (uint8_t)magic;                              /* Magic int8 */
  msg[5] = (uint8_t)attributes;                         /* Attributes int8 */
  d = msg + 6;
  if (magic == 1) {
    wr_be64(d, (uint64_t)timestamp); /* Timestamp int64 (magic 1) */
    d += 8;
  }
  d = put_bytes32(d, key.p, key.len);     /* Key bytes */
  d = put_bytes32(d, value.p, value.len); /* Value bytes */
  wr_be32(msg, lw_crc32(0, msg + 4, (size_t)(d - (msg + 4))));
  lw_buf_commit(out, total);
}

static size_t msg_total(int8_t magic, lw_bytes key, lw_bytes value) {
  return MSG_LOG_OVERHEAD + (magic == 1 ? MSG_MIN_SIZE_V1 : MSG_MIN_SIZE_V0) +
         (key.len > 0 ? (size_t)key.len : 0) + (value.len > 0 ? (size_t)value.len : 0);
}

/* Room for `total` more bytes: LW_OK, LW_ERR_TOO_LARGE (not sticky) or out->err. */
static int make_room(lw_buf *out, size_t total) {
  size_t used = lw_buf_total(out);
  if (used > out->max || out->max - used < total)
    return LW_ERR_TOO_LARGE;
  if (total > INT32_MAX)
    return LW_ERR_TOO_LARGE;
  return lw_buf_reserve(out, total);
}

int lw_msgset_append(lw_msgset_builder *mb, int64_t timestamp, lw_bytes key, lw_bytes value) {
  lw_buf *out = mb->out;
  if (out->err)
    return out->err;
  if (mb->magic != 0 && mb->magic != 1)
    return LW_ERR_INVALID_ARG;
  size_t total = msg_total(mb->magic, key, value);
  int err = make_room(out, total);
  if (err)
    return err;
  put_msg(out, total, mb->count, mb->magic, 0, timestamp, key, value);
  if (timestamp > mb->max_timestamp)
    mb->max_timestamp = timestamp;
  mb->count++;
  return LW_OK;
}

int lw_msgset_finish(lw_msgset_builder *mb, int codec, lw_zctx *z, lw_buf *scratch) {
  lw_buf *out = mb->out;
  lw_buf tmp;
  int err;
  if (out->err)
    return out->err;
  if (codec == LW_CODEC_NONE)
    return LW_OK;
  if (mb->count == 0 || (mb->magic != 0 && mb->magic != 1))
    return LW_ERR_INVALID_ARG;
  lw_buf_init(&tmp, out->max);
  if (!scratch)
    scratch = &tmp;
  lw_buf_reset(scratch);
  /* Kafka reads magic 0 LZ4 with the frame checksum computed over the magic number too. */
  err = lw_compress(z, codec, 0, out->data + mb->start, out->len - mb->start, scratch,
                    mb->magic == 0 && codec == LW_CODEC_LZ4);
  if (err)
    goto done;
  if (scratch->len > INT32_MAX) {
    err = LW_ERR_TOO_LARGE;
    goto done;
  }
  out->len = mb->start;
  lw_bytes value = {scratch->data, (int32_t)scratch->len};
  size_t total = msg_total(mb->magic, (lw_bytes){NULL, -1}, value);
  if ((err = make_room(out, total)))
    goto done;
  /* The wrapper: Offset of the last inner message (inner offsets are relative for magic 1),
   * codec in Attributes, the largest inner timestamp. */
  put_msg(out, total, mb->count - 1, mb->magic, (int8_t)codec, mb->max_timestamp,
          (lw_bytes){NULL, -1}, value);
done:
  lw_buf_free(&tmp);
  return err;
}

int lw_legacy_msg_decode(lw_cur *c, lw_legacy_msg *m) {
  memset(m, 0, sizeof(*m));
  m->Offset = lw_rd_i64(c, "Offset");           /* int64 */
  m->MessageSize = lw_rd_i32(c, "MessageSize"); /* int32: bytes of the message */
  if (c->err)
    return c->err;
  if (m->MessageSize < MSG_MIN_SIZE_V0)
    return lw_cur_fail(c, LW_ERR_MALFORMED);
  if ((size_t)m->MessageSize > lw_cur_left(c))
    return lw_cur_fail(c, LW_ERR_TRUNCATED);
  lw_cur s = lw_cur_sub(c, (size_t)m->MessageSize, NULL);
  m->Crc = lw_rd_u32(&s, "Crc"); /* CRC-32 (IEEE) of Magic .. end */
  uint32_t crc = lw_crc32(0, s.p + s.pos, s.len - s.pos);
  m->Magic = lw_rd_i8(&s, "Magic");
  if (m->Magic != 0 && m->Magic != 1)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  m->Attributes = lw_rd_i8(&s, "Attributes");
  m->Timestamp = m->Magic == 1 ? lw_rd_i64(&s, "Timestamp") : -1; /* int64, magic 1 */
  m->Key = lw_rd_bytes(&s, false, "Key", false);
  m->Value = lw_rd_bytes(&s, false, "Value", false);
  /* A CRC mismatch is reported before any field error: the bytes are corrupt, whatever
   * they parse as. */
  int err = lw_cur_done(&s);
  if (crc != m->Crc) {
    if (c->tr) {
      char note[48];
      snprintf(note, sizeof note, "mismatch: computed 0x%08" PRIx32, crc);
      lw_trace_note(&s, "Crc", note);
    }
    err = LW_ERR_CRC;
  }
  return err ? lw_cur_fail(c, err) : LW_OK;
}
