/* codec.h — helpers shared by the API codecs in proto/ (internal to proto/, not an interface
 * for net/ or agent/): tagged-field framing, checked strings and arrays, int32 arrays, the
 * NodeEndpoints list that Produce and Fetch responses share. */
#ifndef LW_CODEC_H
#define LW_CODEC_H

#include "proto/metadata.h"

/* LW_OK when `version` is in logwire's range for `api_key`, else LW_ERR_UNSUPPORTED. */
int lw_codec_check_version(int16_t api_key, int16_t version);

/* Tagged fields (KIP-482) on the encoding side. lw_tag_begin writes the tag number and
 * returns where the field's payload starts; the caller writes the payload; lw_tag_end
 * inserts the payload's uvarint size in front of it (moving the payload up by 1-5 bytes).
 * The payload must not contain splices. Errors stay sticky in b->err. */
size_t lw_tag_begin(lw_buf *b, uint32_t tag);
void lw_tag_end(lw_buf *b, size_t start);

/* On the decoding side: after reading a known tagged field from its sub-cursor `t`, check
 * that the field was consumed exactly and carry any error over to `c`. */
void lw_rd_tag_end(lw_cur *c, lw_cur *t);

/* A non-nullable string: a null slice sets LW_ERR_INVALID_ARG in b->err. */
void lw_put_str_nn(lw_buf *b, bool flexible, lw_str s);
/* Array length for `n` elements at `p`: n > 0 with p == NULL, or n < 0 when the array is not
 * nullable in this version, set LW_ERR_INVALID_ARG. */
void lw_put_arr(lw_buf *b, bool flexible, int32_t n, const void *p, bool nullable);
/* lw_rd_array that also rejects a null array (LW_ERR_MALFORMED) when it is not nullable.
 * Returns the count (-1 only when nullable and null); 0 after an error. */
int32_t lw_rd_arr(lw_cur *c, bool flexible, const char *name, size_t min_elem, bool nullable);

/* []int32 fields (ReplicaNodes, Partitions to forget): encode n values (n == -1 only when
 * nullable); decode into arena memory, each element traced as `elem`. */
void lw_put_i32_array(lw_buf *b, bool flexible, const int32_t *v, int32_t n, bool nullable);
int32_t *lw_rd_i32_array(lw_cur *c, bool flexible, lw_arena *a, const char *name, const char *elem,
                         bool nullable, int32_t *count);

/* NodeEndpoints (Produce v10+, Fetch v16+, tagged): NodeId, Host, Port, Rack per entry, in the
 * flexible encoding. The encoder writes the whole array (compact length, entries); the decoder
 * reads it from a tagged field's sub-cursor. */
void lw_node_endpoints_put(lw_buf *b, const lw_md_broker *v, int32_t n);
lw_md_broker *lw_node_endpoints_rd(lw_cur *c, lw_arena *a, int32_t *count);

/* True when all 16 bytes are zero (the "no topic id" value). */
bool lw_uuid_is_zero(const lw_uuid *u);

#endif
