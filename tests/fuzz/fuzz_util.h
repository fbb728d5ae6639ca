/* fuzz_util.h — shared by the libFuzzer targets: an exactly sized copy of the input (so ASan
 * sees any read past it), a tracer that formats every field and checks its byte range, and the
 * re-encoding check (a decoded message must encode, decode again and encode to the same
 * bytes). Any violation aborts, which libFuzzer reports as a crash. */
#ifndef LW_FUZZ_UTIL_H
#define LW_FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/api.h"

#define FUZZ_ARENA (1u << 20)
#define FUZZ_BUF   (1u << 24)

typedef struct fuzz_trace {
  lw_trace t;
  size_t frame_len;
  char line[1024];
  size_t fields;
} fuzz_trace;

static void fuzz_trace_field(void *ud, int depth, size_t off, size_t len, const char *name,
                             const char *type, const char *value) {
  fuzz_trace *f = ud;
  if (depth < 0 || depth > 64 || off > f->frame_len || len > f->frame_len - off || !name || !type ||
      !value)
    abort();
  snprintf(f->line, sizeof f->line, "%*s%zu+%zu %s (%s) %s", depth * 2, "", off, len, name, type,
           value);
  f->fields++;
}

/* Attach a tracer to c when the input asks for one (deterministic for a given input). */
static inline void fuzz_maybe_trace(lw_cur *c, fuzz_trace *ft, const uint8_t *data, size_t size) {
  if (size == 0 || (data[size / 2] & 3) != 0)
    return;
  memset(ft, 0, sizeof *ft);
  ft->t.field = fuzz_trace_field;
  ft->t.ud = ft;
  ft->frame_len = size;
  c->tr = &ft->t;
}

static inline uint8_t *fuzz_copy(const uint8_t *data, size_t size) {
  uint8_t *p = calloc(1, size ? size : 1); /* zeroed: an empty input is read as such */
  if (!p)
    abort();
  if (size)
    memcpy(p, data, size);
  return p;
}

/* Flatten b (splices included) into out; aborts on failure. */
static inline void fuzz_flatten(const lw_buf *b, lw_buf *out) {
  lw_buf_init(out, FUZZ_BUF);
  if (lw_buf_flatten(b, out) != LW_OK)
    abort();
}

static inline void fuzz_same(const lw_buf *a, const lw_buf *b) {
  lw_buf fa, fb;
  fuzz_flatten(a, &fa);
  fuzz_flatten(b, &fb);
  if (fa.len != fb.len || (fa.len && memcmp(fa.data, fb.data, fa.len) != 0)) {
    fprintf(stderr, "re-encoding differs: %zu vs %zu bytes\n", fa.len, fb.len);
    abort();
  }
  lw_buf_free(&fa);
  lw_buf_free(&fb);
}

/* Codec entry points with uniform signatures (each target wraps the typed functions). */
typedef int (*fuzz_enc)(lw_buf *b, int16_t version, const void *msg);
typedef int (*fuzz_dec)(lw_cur *c, int16_t version, lw_arena *a, void *msg);

/* The re-encoding property: a message the decoder accepted must encode; that encoding must
 * decode, and encode again to the same bytes. `size` is sizeof the message type. */
static inline void fuzz_reencode(fuzz_enc enc, fuzz_dec dec, int16_t v, const void *m,
                                 size_t size) {
  lw_buf b1, b2, f1;
  lw_buf_init(&b1, FUZZ_BUF);
  lw_buf_init(&b2, FUZZ_BUF);
  if (enc(&b1, v, m) != LW_OK) {
    fprintf(stderr, "decoded message does not encode (v%d)\n", v);
    abort();
  }
  fuzz_flatten(&b1, &f1);
  lw_cur c;
  lw_cur_init(&c, f1.data, f1.len);
  lw_arena a;
  lw_arena_init(&a, 1u << 26);
  void *m2 = malloc(size);
  if (!m2)
    abort();
  int err = dec(&c, v, &a, m2);
  if (err != LW_OK) {
    fprintf(stderr, "encoding does not decode (v%d): %s\n", v, lw_err_name(err));
    abort();
  }
  if (enc(&b2, v, m2) != LW_OK)
    abort();
  fuzz_same(&b1, &b2);
  free(m2);
  lw_arena_free(&a);
  lw_buf_free(&f1);
  lw_buf_free(&b1);
  lw_buf_free(&b2);
}

/* Decode `frame` as a request of api_key (header first) and, when the header names that API,
 * its body; on success run the re-encoding check. */
static inline void fuzz_request(const uint8_t *frame, size_t size, int16_t api_key, fuzz_dec dec,
                                fuzz_enc enc, size_t msg_size, const uint8_t *data) {
  lw_cur c;
  lw_cur_init(&c, frame, size);
  fuzz_trace ft;
  fuzz_maybe_trace(&c, &ft, data, size);
  lw_req_header h;
  if (lw_req_header_decode(&c, &h) != LW_OK || h.ApiKey != api_key)
    return;
  lw_arena a;
  lw_arena_init(&a, FUZZ_ARENA);
  void *m = malloc(msg_size);
  if (!m)
    abort();
  if (dec(&c, h.ApiVersion, &a, m) == LW_OK) {
    if (c.pos != size)
      abort();
    fuzz_reencode(enc, dec, h.ApiVersion, m, msg_size);
  }
  free(m);
  lw_arena_free(&a);
}

/* Decode `frame` as a response of api_key at every version logwire implements. */
static inline void fuzz_response(const uint8_t *frame, size_t size, int16_t api_key, fuzz_dec dec,
                                 fuzz_enc enc, size_t msg_size, const uint8_t *data) {
  int16_t lo, hi;
  if (!lw_api_range(api_key, &lo, &hi))
    abort();
  for (int16_t v = lo; v <= hi; v++) {
    lw_cur c;
    lw_cur_init(&c, frame, size);
    fuzz_trace ft;
    fuzz_maybe_trace(&c, &ft, data, size);
    int32_t corr;
    if (lw_resp_header_decode(&c, api_key, v, &corr) != LW_OK)
      continue;
    lw_arena a;
    lw_arena_init(&a, FUZZ_ARENA);
    void *m = malloc(msg_size);
    if (!m)
      abort();
    if (dec(&c, v, &a, m) == LW_OK) {
      if (c.pos != size)
        abort();
      fuzz_reencode(enc, dec, v, m, msg_size);
    }
    free(m);
    lw_arena_free(&a);
  }
}

#endif
