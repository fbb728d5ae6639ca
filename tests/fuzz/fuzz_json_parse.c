/* fuzz_json_parse.c — the JSON parser on arbitrary bytes: no crash, tokens inside the input,
 * subtrees well nested; an accepted document's strings decode, and writing it back with the
 * writer and parsing that gives the same token shape.
 * seeds: tests/fixtures/etcd-3.4/[a-z]*.http */
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/err.h"

static lw_jtok t1[512], t2[512];

/* Write token i of d (and its subtree) with the writer; returns the next token index. */
static uint32_t rewrite(const lw_jdoc *d, uint32_t i, lw_json *j) {
  const lw_jtok *t = &d->t[i];
  switch (t->type) {
    case LW_JOBJ:
    case LW_JARR: {
      t->type == LW_JOBJ ? lw_json_obj_begin(j) : lw_json_arr_begin(j);
      uint32_t k = i + 1;
      for (uint32_t m = 0; m < t->n; m++) {
        if (t->type == LW_JOBJ) {
          lw_buf s;
          lw_buf_init(&s, 1 << 16);
          lw_jdoc_str(d, (int)k, &s);
          lw_json_key(j, "");
          j->b->len -= 3; /* replace the empty key written just now */
          lw_json_escape(j->b, s.data, s.len);
          lw_buf_put_u8(j->b, ':');
          lw_buf_free(&s);
          k++;
        }
        k = rewrite(d, k, j);
      }
      t->type == LW_JOBJ ? lw_json_obj_end(j) : lw_json_arr_end(j);
      return t->next;
    }
    case LW_JSTR: {
      lw_buf s;
      lw_buf_init(&s, 1 << 16);
      lw_jdoc_str(d, (int)i, &s);
      lw_json_strn(j, s.data, s.len);
      lw_buf_free(&s);
      return i + 1;
    }
    default:
      lw_json_raw(j, d->src + t->start, t->len);
      return i + 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lw_jdoc d;
  if (lw_json_parse(&d, (const char *)data, size, t1, 512, 24) != LW_OK)
    return 0;
  for (uint32_t i = 0; i < d.ntok; i++)
    if (d.t[i].start + d.t[i].len > size || d.t[i].next <= i || d.t[i].next > d.ntok)
      __builtin_trap();
  if (d.t[0].next != d.ntok)
    __builtin_trap();
  lw_buf b;
  lw_buf_init(&b, 1 << 20);
  lw_json j;
  lw_json_init(&j, &b);
  rewrite(&d, 0, &j);
  if (b.err == LW_OK) {
    lw_jdoc d2;
    if (lw_json_parse(&d2, (const char *)b.data, b.len, t2, 512, 24) != LW_OK || d2.ntok != d.ntok)
      __builtin_trap();
    for (uint32_t i = 0; i < d.ntok; i++)
      if (d2.t[i].type != d.t[i].type || d2.t[i].n != d.t[i].n || d2.t[i].next != d.t[i].next)
        __builtin_trap();
  }
  /* parse = json: an object merged into a record is one object again, holding the line's
   * members and the added ones whose names it does not hold; anything else is refused with
   * nothing written. */
  lw_buf_reset(&b);
  static const char *const names[] = {"env", "host"}, *const values[] = {"prod", "x"};
  int rc = lw_json_record_merge(&b, "h", "/p", 1, 0, data, size, names, values, 2, t2, 512);
  if (d.t[0].type != LW_JOBJ) {
    if (rc != LW_ERR_MALFORMED || b.len)
      __builtin_trap();
  } else if (rc != LW_OK && rc != LW_ERR_TOO_LARGE) {
    __builtin_trap();
  } else if (rc == LW_OK) {
    static const char *const added[] = {"host", "path", "offset", "ts", "env"};
    uint32_t want = d.t[0].n;
    for (size_t i = 0; i < 5; i++)
      want += lw_jdoc_get(&d, 0, added[i]) < 0;
    lw_jdoc d3;
    rc = lw_json_parse(&d3, (const char *)b.data, b.len, t2, 512, 24);
    if (rc != LW_ERR_TOO_LARGE && (rc != LW_OK || t2[0].type != LW_JOBJ || t2[0].n != want))
      __builtin_trap();
  }
  lw_buf_free(&b);
  return 0;
}
