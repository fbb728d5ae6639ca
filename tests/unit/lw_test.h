/* lw_test.h — helpers shared by the protocol unit tests: loading golden fixtures, decoding
 * their headers, comparing re-encoded bytes, recording a tracer's output, and feeding every
 * truncated prefix of a frame to a decoder. Header-only; every test program includes it. */
#ifndef LW_TEST_H
#define LW_TEST_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/api.h"
#include "proto/metadata.h"

/* A loaded fixture: the frame bytes (no Size prefix), a cursor positioned after the header, an
 * arena for the decoded arrays, and the header fields. */
typedef struct fx {
  uint8_t *p; /* malloc'd copy of the file */
  size_t len;
  lw_cur c;
  lw_arena a;
  lw_req_header h;   /* requests */
  int32_t corr;      /* responses */
  size_t header_len; /* bytes of the header */
} fx;

static inline char *fx_path(const char *rel) {
  const char *root = getenv("LW_ROOT");
  size_t n = strlen(root ? root : ".") + strlen(rel) + 32;
  char *path = malloc(n);
  cr_assert(path);
  snprintf(path, n, "%s/tests/fixtures/%s", root ? root : ".", rel);
  return path;
}

/* Read tests/fixtures/REL into an exactly sized malloc'd buffer (so that ASan sees any read
 * past its end). */
static inline uint8_t *fx_read(const char *rel, size_t *len) {
  char *path = fx_path(rel);
  FILE *f = fopen(path, "rb");
  cr_assert(f, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  cr_assert(n >= 0);
  uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
  cr_assert(p);
  cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  free(path);
  *len = (size_t)n;
  return p;
}

static inline void fx_free(fx *f) {
  lw_arena_free(&f->a);
  free(f->p);
}

/* Load a request fixture and decode its header (asserting api/version). */
static inline void fx_req(fx *f, const char *rel, int16_t api, int16_t version) {
  memset(f, 0, sizeof *f);
  f->p = fx_read(rel, &f->len);
  lw_arena_init(&f->a, 1 << 24);
  lw_cur_init(&f->c, f->p, f->len);
  cr_assert_eq(lw_req_header_decode(&f->c, &f->h), LW_OK, "%s: header", rel);
  cr_assert_eq(f->h.ApiKey, api, "%s", rel);
  cr_assert_eq(f->h.ApiVersion, version, "%s", rel);
  f->header_len = f->c.pos;
}

/* Load a response fixture and decode its header for api/version. */
static inline void fx_resp(fx *f, const char *rel, int16_t api, int16_t version) {
  memset(f, 0, sizeof *f);
  f->p = fx_read(rel, &f->len);
  lw_arena_init(&f->a, 1 << 24);
  lw_cur_init(&f->c, f->p, f->len);
  cr_assert_eq(lw_resp_header_decode(&f->c, api, version, &f->corr), LW_OK, "%s: header", rel);
  f->header_len = f->c.pos;
}

/* Assert that the logical content of b (splices included) equals the fixture's bytes. */
static inline void fx_assert_bytes(const fx *f, const lw_buf *b) {
  lw_buf flat;
  lw_buf_init(&flat, 1 << 24);
  cr_assert_eq(lw_buf_flatten(b, &flat), LW_OK);
  cr_assert_eq(flat.len, f->len, "re-encoded %zu bytes, fixture has %zu", flat.len, f->len);
  for (size_t i = 0; i < f->len; i++)
    cr_assert_eq(flat.data[i], f->p[i], "first difference at byte %zu: %02x != %02x", i,
                 flat.data[i], f->p[i]);
  lw_buf_free(&flat);
}

/* Start a re-encoding of the fixture's frame: the header with the fixture's own values. */
static inline void fx_begin_req(const fx *f, lw_buf *b) {
  lw_buf_init(b, 1 << 24);
  cr_assert_eq(lw_req_header_encode(b, &f->h), LW_OK);
}
static inline void fx_begin_resp(const fx *f, lw_buf *b, int16_t api, int16_t version) {
  lw_buf_init(b, 1 << 24);
  cr_assert_eq(lw_resp_header_encode(b, api, version, f->corr), LW_OK);
}

static inline lw_uuid fx_uuid(const char *hex) {
  lw_uuid u;
  for (int i = 0; i < 16; i++) {
    unsigned v;
    cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
    u.b[i] = (uint8_t)v;
  }
  return u;
}

#define UUID0 ((lw_uuid){{0}})
static inline bool uuid_zero(const lw_uuid *u) {
  for (int i = 0; i < 16; i++)
    if (u->b[i])
      return false;
  return true;
}

static inline bool str_is(lw_str s, const char *want) {
  return lw_str_eq(s, want);
}

/* ---- Tracer that records every field with its path ("Brokers[0].Host") ---- */

#define REC_MAX 4096
typedef struct rec_field {
  int depth;
  size_t off, len;
  char path[160];
  char type[24];
  char value[200];
} rec_field;

typedef struct rec_log {
  rec_field f[REC_MAX];
  int n;
  char stack[16][64];
} rec_log;

static inline void rec_cb(void *ud, int depth, size_t off, size_t len, const char *name,
                          const char *type, const char *value) {
  rec_log *r = ud;
  if (depth < 0 || depth >= 16 || r->n >= REC_MAX)
    return;
  if (name[0] == '[') { /* an element marker: "Brokers" becomes "Brokers[0]" */
    char *br = strchr(r->stack[depth], '[');
    if (br)
      *br = 0;
    strncat(r->stack[depth], name, sizeof r->stack[depth] - strlen(r->stack[depth]) - 1);
  } else {
    snprintf(r->stack[depth], sizeof r->stack[depth], "%s", name);
  }
  rec_field *f = &r->f[r->n++];
  f->depth = depth;
  f->off = off;
  f->len = len;
  f->path[0] = 0;
  for (int d = 0; d <= depth; d++) {
    if (d)
      strncat(f->path, ".", sizeof f->path - strlen(f->path) - 1);
    strncat(f->path, r->stack[d], sizeof f->path - strlen(f->path) - 1);
  }
  snprintf(f->type, sizeof f->type, "%s", type);
  snprintf(f->value, sizeof f->value, "%s", value);
}

/* The first recorded field with this path, or NULL. */
static inline const rec_field *rec_find(const rec_log *r, const char *path) {
  for (int i = 0; i < r->n; i++)
    if (strcmp(r->f[i].path, path) == 0)
      return &r->f[i];
  return NULL;
}

/* ---- Truncation ---- */

/* Decoder of a whole frame (header included) for the truncation checks. */
typedef int (*frame_decoder)(lw_cur *c, lw_arena *a, void *ud);

/* Feed every proper prefix of p[0..len) (each in its own exactly sized allocation) to dec and
 * assert that it fails; NEED_MORE is not an acceptable answer for a complete frame's
 * truncation. `what` names the frame in failure messages. */
static inline void assert_prefixes_fail(const uint8_t *p, size_t len, frame_decoder dec, void *ud,
                                        const char *what) {
  for (size_t n = 0; n < len; n++) {
    uint8_t *q = malloc(n ? n : 1);
    cr_assert(q);
    memcpy(q, p, n);
    lw_cur c;
    lw_cur_init(&c, q, n);
    lw_arena a;
    lw_arena_init(&a, 1 << 24);
    int err = dec(&c, &a, ud);
    cr_assert_neq(err, LW_OK, "%s: prefix of %zu/%zu bytes decoded OK", what, n, len);
    cr_assert(err < 0 && err != LW_ERR_NEED_MORE, "%s: prefix %zu gave %d", what, n, err);
    lw_arena_free(&a);
    free(q);
  }
}

/* Two decoded strings are the same (both null, or the same bytes). */
static inline void assert_str_same(lw_str a, lw_str b) {
  cr_assert_eq(a.len, b.len);
  if (a.len > 0)
    cr_assert_eq(memcmp(a.p, b.p, (size_t)a.len), 0);
}

/* Two broker lists (Metadata Brokers, Produce/Fetch NodeEndpoints) are the same. */
static inline void assert_brokers_same(const lw_md_broker *a, int32_t na, const lw_md_broker *b,
                                       int32_t nb) {
  cr_assert_eq(na, nb);
  for (int32_t i = 0; i < na; i++) {
    cr_assert_eq(a[i].NodeId, b[i].NodeId);
    assert_str_same(a[i].Host, b[i].Host);
    cr_assert_eq(a[i].Port, b[i].Port);
    assert_str_same(a[i].Rack, b[i].Rack);
  }
}

/* Round trip of one message at version V: encode X with ENC, decode it with DEC (arrays in arena
 * A) into a T, check it with CMP(&decoded, &X), encode the decoded copy again and require the
 * same bytes. */
#define LW_ROUND_TRIP(V, A, ENC, DEC, CMP, T, X)                                                   \
  do {                                                                                             \
    lw_buf rt_b, rt_b2;                                                                            \
    lw_buf_init(&rt_b, 1 << 16);                                                                   \
    lw_buf_init(&rt_b2, 1 << 16);                                                                  \
    T rt_d;                                                                                        \
    lw_cur rt_c;                                                                                   \
    cr_assert_eq(ENC(&rt_b, (V), &(X)), LW_OK, "v%d", (V));                                        \
    lw_cur_init(&rt_c, rt_b.data, rt_b.len);                                                       \
    cr_assert_eq(DEC(&rt_c, (V), (A), &rt_d), LW_OK, "v%d", (V));                                  \
    CMP(&rt_d, &(X));                                                                              \
    cr_assert_eq(ENC(&rt_b2, (V), &rt_d), LW_OK, "v%d", (V));                                      \
    cr_assert_eq(rt_b2.len, rt_b.len);                                                             \
    cr_assert_arr_eq(rt_b2.data, rt_b.data, rt_b.len);                                             \
    lw_buf_free(&rt_b);                                                                            \
    lw_buf_free(&rt_b2);                                                                           \
  } while (0)

#endif
