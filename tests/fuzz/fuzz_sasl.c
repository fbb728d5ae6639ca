/* fuzz_sasl.c — libFuzzer target for the SaslHandshake (key 17) v0-v1 and SaslAuthenticate
 * (key 36) v0-v2 decoders: the input is one frame, read as requests and responses of both APIs
 * at every version; whatever decodes must re-encode to stable bytes. Traced for some inputs
 * (AuthBytes are traced redacted). Seeded with real SASL frames (in tests/fuzz/sasl-seeds, PLAIN
 * and SCRAM exchanges with saslbroker, accepted and refused) and small frames of other APIs; a
 * body-only pass lets short mutations reach the SASL decoders, and there the decoded fields are
 * checked against the input bytes (a round trip alone would accept a decoder that reads the
 * wrong bytes consistently). */
// seeds: tests/fuzz/sasl-seeds/*.bin tests/fixtures/kafka-4.1.0/*ApiVersions-v0*.bin
#include "proto/sasl.h"
#include "tests/fuzz/fuzz_util.h"

static int dec_hs_req(lw_cur *c, int16_t v, lw_arena *a, void *m) {
  (void)a;
  return lw_sasl_handshake_req_decode(c, v, m);
}
static int enc_hs_req(lw_buf *b, int16_t v, const void *m) {
  return lw_sasl_handshake_req_encode(b, v, m);
}
static int dec_hs_resp(lw_cur *c, int16_t v, lw_arena *a, void *m) {
  return lw_sasl_handshake_resp_decode(c, v, a, m);
}
static int enc_hs_resp(lw_buf *b, int16_t v, const void *m) {
  return lw_sasl_handshake_resp_encode(b, v, m);
}
static int dec_auth_req(lw_cur *c, int16_t v, lw_arena *a, void *m) {
  (void)a;
  return lw_sasl_auth_req_decode(c, v, m);
}
static int enc_auth_req(lw_buf *b, int16_t v, const void *m) {
  return lw_sasl_auth_req_encode(b, v, m);
}
static int dec_auth_resp(lw_cur *c, int16_t v, lw_arena *a, void *m) {
  (void)a;
  return lw_sasl_auth_resp_decode(c, v, m);
}
static int enc_auth_resp(lw_buf *b, int16_t v, const void *m) {
  return lw_sasl_auth_resp_encode(b, v, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *p = fuzz_copy(data, size);
  fuzz_request(p, size, LW_API_SASL_HANDSHAKE, dec_hs_req, enc_hs_req,
               sizeof(lw_sasl_handshake_req), data);
  fuzz_response(p, size, LW_API_SASL_HANDSHAKE, dec_hs_resp, enc_hs_resp,
                sizeof(lw_sasl_handshake_resp), data);
  fuzz_request(p, size, LW_API_SASL_AUTHENTICATE, dec_auth_req, enc_auth_req,
               sizeof(lw_sasl_auth_req), data);
  fuzz_response(p, size, LW_API_SASL_AUTHENTICATE, dec_auth_resp, enc_auth_resp,
                sizeof(lw_sasl_auth_resp), data);
  /* The same bytes as bare bodies (no header), so short inputs reach the body decoders. */
  lw_arena a;
  lw_arena_init(&a, FUZZ_ARENA);
  for (int16_t v = 0; v <= 2; v++) {
    lw_cur c;
    lw_cur_init(&c, p, size);
    fuzz_trace ft;
    fuzz_maybe_trace(&c, &ft, data, size);
    lw_sasl_auth_resp r;
    if (lw_sasl_auth_resp_decode(&c, v, &r) == LW_OK)
      fuzz_reencode(enc_auth_resp, dec_auth_resp, v, &r, sizeof r);
    lw_cur_init(&c, p, size);
    lw_sasl_auth_req q;
    if (lw_sasl_auth_req_decode(&c, v, &q) == LW_OK) {
      /* v0-v1: AuthBytes is an int32 length and that many bytes, the whole body. */
      if (v <= 1 && (size < 4 || q.AuthBytes.len < 0 || (size_t)q.AuthBytes.len != size - 4 ||
                     ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) !=
                         (uint32_t)q.AuthBytes.len ||
                     (q.AuthBytes.len && memcmp(q.AuthBytes.p, p + 4, size - 4) != 0)))
        abort();
      fuzz_reencode(enc_auth_req, dec_auth_req, v, &q, sizeof q);
    }
    if (v <= 1) {
      /* SaslHandshake request (both versions): Mechanism, an int16 length and the name. */
      lw_cur_init(&c, p, size);
      lw_sasl_handshake_req hq;
      if (lw_sasl_handshake_req_decode(&c, v, &hq) == LW_OK &&
          (size < 2 || hq.Mechanism.len != (int32_t)(size - 2) ||
           (p[0] << 8 | p[1]) != hq.Mechanism.len ||
           (hq.Mechanism.len && memcmp(hq.Mechanism.p, p + 2, size - 2) != 0)))
        abort();
    }
    if (v <= 1) {
      lw_cur_init(&c, p, size);
      lw_sasl_handshake_resp h;
      if (lw_sasl_handshake_resp_decode(&c, v, &a, &h) == LW_OK)
        fuzz_reencode(enc_hs_resp, dec_hs_resp, v, &h, sizeof h);
    }
  }
  lw_arena_free(&a);
  free(p);
  return 0;
}
