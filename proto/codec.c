/* codec.c — helpers shared by the API codecs: tagged-field framing, checked strings and
 * arrays, int32 arrays and the NodeEndpoints list (see codec.h). */
#include "proto/codec.h"

#include <string.h>

int lw_codec_check_version(int16_t api_key, int16_t version) {
  int16_t lo, hi;
  if (!lw_api_range(api_key, &lo, &hi) || version < lo || version > hi)
    return LW_ERR_UNSUPPORTED;
  return LW_OK;
}

size_t lw_tag_begin(lw_buf *b, uint32_t tag) {
  lw_buf_put_uvarint(b, tag);
  return b->len;
}

void lw_tag_end(lw_buf *b, size_t start) {
  if (b->err)
    return;
  if (start > b->len || (b->nsegs && b->segs[b->nsegs - 1].at > start)) {
    b->err = LW_ERR_INVALID_ARG;
    return;
  }
  size_t n = b->len - start;
  if (n > UINT32_MAX) {
    b->err = LW_ERR_TOO_LARGE;
    return;
  }
  int k = lw_uvarint_size((uint32_t)n);
  if (lw_buf_reserve(b, (size_t)k) != LW_OK)
    return;
  memmove(b->data + start + k, b->data + start, n);
  /* Write the size in the gap: encode at the end, then move it into place. */
  size_t end = b->len + (size_t)k;
  b->len = start;
  lw_buf_put_uvarint(b, (uint32_t)n);
  b->len = end;
}

void lw_rd_tag_end(lw_cur *c, lw_cur *t) {
  int err = lw_cur_done(t);
  if (err)
    lw_cur_fail(c, err);
}

void lw_put_str_nn(lw_buf *b, bool flexible, lw_str s) {
  if (s.len < 0) {
    if (!b->err)
      b->err = LW_ERR_INVALID_ARG;
    return;
  }
  lw_put_str(b, flexible, s);
}

void lw_put_arr(lw_buf *b, bool flexible, int32_t n, const void *p, bool nullable) {
  if ((n > 0 && !p) || (n < 0 && !nullable)) {
    if (!b->err)
      b->err = LW_ERR_INVALID_ARG;
    return;
  }
  lw_put_array_len(b, flexible, n);
}

int32_t lw_rd_arr(lw_cur *c, bool flexible, const char *name, size_t min_elem, bool nullable) {
  int32_t n = lw_rd_array(c, flexible, name, min_elem);
  if (n < 0 && !nullable) {
    lw_cur_fail(c, LW_ERR_MALFORMED);
    n = 0;
  }
  return c->err ? 0 : n;
}

void lw_put_i32_array(lw_buf *b, bool flexible, const int32_t *v, int32_t n, bool nullable) {
  lw_put_arr(b, flexible, n, v, nullable);
  for (int32_t i = 0; i < n && !b->err; i++)
    lw_buf_put_i32(b, v[i]);
}

int32_t *lw_rd_i32_array(lw_cur *c, bool flexible, lw_arena *a, const char *name, const char *elem,
                         bool nullable, int32_t *count) {
  int32_t n = lw_rd_arr(c, flexible, name, 4, nullable);
  int32_t *v = lw_rd_alloc(c, a, n, sizeof *v);
  for (int32_t i = 0; i < n && !c->err; i++)
    v[i] = lw_rd_i32(c, elem);
  lw_rd_array_end(c);
  *count = c->err ? 0 : n;
  return v;
}

void lw_node_endpoints_put(lw_buf *b, const lw_md_broker *v, int32_t n) {
  lw_put_arr(b, true, n, v, false);
  for (int32_t i = 0; i < n && !b->err; i++) {
    lw_buf_put_i32(b, v[i].NodeId);
    lw_put_str_nn(b, true, v[i].Host);
    lw_buf_put_i32(b, v[i].Port);
    lw_put_str(b, true, v[i].Rack);
    lw_put_tags_none(b, true);
  }
}

lw_md_broker *lw_node_endpoints_rd(lw_cur *c, lw_arena *a, int32_t *count) {
  /* NodeId 4, Host >= 1, Port 4, Rack >= 1, tags >= 1 */
  int32_t n = lw_rd_arr(c, true, "NodeEndpoints", 11, false);
  lw_md_broker *v = lw_rd_alloc(c, a, n, sizeof *v);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_rd_elem(c, i);
    v[i].NodeId = lw_rd_i32(c, "NodeId");
    v[i].Host = lw_rd_string(c, true, "Host");
    v[i].Port = lw_rd_i32(c, "Port");
    v[i].Rack = lw_rd_nstring(c, true, "Rack");
    lw_rd_tags_skip(c, true);
  }
  lw_rd_array_end(c);
  *count = c->err ? 0 : n;
  return v;
}

bool lw_uuid_is_zero(const lw_uuid *u) {
  for (int i = 0; i < 16; i++)
    if (u->b[i])
      return false;
  return true;
}
