/* test_sasl.c — SaslHandshake v0–v1 and SaslAuthenticate v0–v2: exact bytes built by hand from
 * the spec (no capture has SASL: neither the fixture broker nor the mock cluster enables it),
 * round trips over every version, AuthBytes redacted in traces, bad input. */
#include "lw_test.h"
#include "proto/sasl.h"

TestSuite(sasl);

Test(sasl, handshake_bytes) {
  lw_buf b;
  lw_buf_init(&b, 256);
  lw_sasl_handshake_req q = {lw_str_c("PLAIN")};
  for (int16_t v = 0; v <= 1; v++) {
    lw_buf_reset(&b);
    cr_assert_eq(lw_sasl_handshake_req_encode(&b, v, &q), LW_OK);
    const uint8_t want[] = {0, 5, 'P', 'L', 'A', 'I', 'N'};
    cr_assert_eq(b.len, sizeof want);
    cr_assert_arr_eq(b.data, want, sizeof want);
    lw_cur c;
    lw_cur_init(&c, b.data, b.len);
    lw_sasl_handshake_req d;
    cr_assert_eq(lw_sasl_handshake_req_decode(&c, v, &d), LW_OK);
    cr_assert(str_is(d.Mechanism, "PLAIN"));
  }
  lw_str mechs[] = {lw_str_c("SCRAM-SHA-512"), lw_str_c("PLAIN")};
  lw_sasl_handshake_resp r = {LW_KAFKA_UNSUPPORTED_SASL_MECHANISM, mechs, 2}, d;
  lw_buf_reset(&b);
  cr_assert_eq(lw_sasl_handshake_resp_encode(&b, 1, &r), LW_OK);
  const uint8_t want[] = {0,   33,  0,   0,   0,   2,   0,   13, 'S', 'C', 'R', 'A', 'M', '-',
                          'S', 'H', 'A', '-', '5', '1', '2', 0,  5,   'P', 'L', 'A', 'I', 'N'};
  cr_assert_eq(b.len, sizeof want);
  cr_assert_arr_eq(b.data, want, sizeof want);
  lw_arena a;
  lw_arena_init(&a, 1 << 16);
  for (int16_t v = 0; v <= 1; v++) {
    lw_cur c;
    lw_cur_init(&c, b.data, b.len);
    cr_assert_eq(lw_sasl_handshake_resp_decode(&c, v, &a, &d), LW_OK);
    cr_assert_eq(d.ErrorCode, 33);
    cr_assert_eq(d.MechanismsCount, 2);
    cr_assert(str_is(d.Mechanisms[0], "SCRAM-SHA-512"));
    cr_assert(str_is(d.Mechanisms[1], "PLAIN"));
  }
  /* never flexible: the frame has request header v1 and response header v0 */
  cr_assert_eq(lw_req_header_version(LW_API_SASL_HANDSHAKE, 1), 1);
  cr_assert_eq(lw_resp_header_version(LW_API_SASL_HANDSHAKE, 1), 0);
  lw_arena_free(&a);
  lw_buf_free(&b);
}

static const uint8_t token[] = {0, 'u', 's', 'e', 'r', 0, 's', '3', 'c', 'r', '3', 't'};

Test(sasl, authenticate_bytes_every_version) {
  lw_buf b;
  lw_buf_init(&b, 256);
  lw_sasl_auth_req q = {{token, sizeof token}};
  for (int16_t v = 0; v <= 2; v++) {
    lw_buf_reset(&b);
    cr_assert_eq(lw_sasl_auth_req_encode(&b, v, &q), LW_OK);
    if (v < 2) { /* int32 length */
      cr_assert_eq(b.len, 4 + sizeof token);
      cr_assert_eq(b.data[3], sizeof token);
    } else { /* uvarint length+1, then an empty tag section */
      cr_assert_eq(b.len, 1 + sizeof token + 1);
      cr_assert_eq(b.data[0], sizeof token + 1);
      cr_assert_eq(b.data[b.len - 1], 0);
    }
    lw_cur c;
    lw_cur_init(&c, b.data, b.len);
    lw_sasl_auth_req d;
    cr_assert_eq(lw_sasl_auth_req_decode(&c, v, &d), LW_OK);
    cr_assert_eq(d.AuthBytes.len, (int32_t)sizeof token);
    cr_assert_eq(memcmp(d.AuthBytes.p, token, sizeof token), 0);
  }
  lw_arena a;
  lw_arena_init(&a, 1 << 16);
  for (int16_t v = 0; v <= 2; v++) {
    lw_sasl_auth_resp r = {LW_KAFKA_SASL_AUTHENTICATION_FAILED,
                           lw_str_c("bad password"),
                           {token, 0},
                           v >= 1 ? 3600000 : 0};
    lw_buf_reset(&b);
    cr_assert_eq(lw_sasl_auth_resp_encode(&b, v, &r), LW_OK);
    size_t want = 2 + (v < 2 ? 2 + 12 + 4 : 1 + 12 + 1) + (v >= 1 ? 8 : 0) + (v >= 2 ? 1 : 0);
    cr_assert_eq(b.len, want, "v%d: %zu", v, b.len);
    lw_cur c;
    lw_cur_init(&c, b.data, b.len);
    lw_sasl_auth_resp d;
    cr_assert_eq(lw_sasl_auth_resp_decode(&c, v, &d), LW_OK);
    cr_assert_eq(d.ErrorCode, 58);
    cr_assert(str_is(d.ErrorMessage, "bad password"));
    cr_assert_eq(d.AuthBytes.len, 0);
    cr_assert_eq(d.SessionLifetimeMs, r.SessionLifetimeMs);
    lw_buf b2;
    lw_buf_init(&b2, 256);
    cr_assert_eq(lw_sasl_auth_resp_encode(&b2, v, &d), LW_OK);
    cr_assert_eq(b2.len, b.len);
    cr_assert_arr_eq(b2.data, b.data, b.len);
    lw_buf_free(&b2);
  }
  lw_arena_free(&a);
  lw_buf_free(&b);
}

Test(sasl, auth_bytes_are_redacted_in_traces) {
  lw_buf b;
  lw_buf_init(&b, 256);
  lw_sasl_auth_req q = {{token, sizeof token}};
  cr_assert_eq(lw_sasl_auth_req_encode(&b, 2, &q), LW_OK);
  static rec_log r;
  memset(&r, 0, sizeof r);
  lw_trace t = {rec_cb, &r, 0};
  lw_cur c;
  lw_cur_init(&c, b.data, b.len);
  c.tr = &t;
  lw_arena a;
  lw_arena_init(&a, 1 << 16);
  cr_assert_eq(lw_api_decode_body(&c, LW_API_SASL_AUTHENTICATE, 2, true, &a), LW_OK);
  const rec_field *f = rec_find(&r, "AuthBytes");
  cr_assert(f);
  cr_assert_eq(f->off, 0);
  cr_assert_eq(f->len, 1 + sizeof token);
  cr_assert_str_eq(f->value, "<redacted> (12 bytes)");
  for (int i = 0; i < r.n; i++)
    cr_assert_null(strstr(r.f[i].value, "73 33 63"), "secret leaked in %s", r.f[i].path);
  /* the server's AuthBytes too */
  lw_buf_reset(&b);
  lw_sasl_auth_resp s = {0, LW_STR_NULL, {token, sizeof token}, 0};
  cr_assert_eq(lw_sasl_auth_resp_encode(&b, 1, &s), LW_OK);
  memset(&r, 0, sizeof r);
  t.depth = 0;
  lw_cur_init(&c, b.data, b.len);
  c.tr = &t;
  cr_assert_eq(lw_api_decode_body(&c, LW_API_SASL_AUTHENTICATE, 1, false, &a), LW_OK);
  f = rec_find(&r, "AuthBytes");
  cr_assert(f);
  cr_assert_str_eq(f->value, "<redacted> (12 bytes)");
  lw_arena_free(&a);
  lw_buf_free(&b);
}

Test(sasl, bad_input) {
  lw_cur c;
  lw_sasl_auth_req q;
  lw_sasl_auth_resp r;
  lw_sasl_handshake_req h;
  lw_sasl_handshake_resp hr;
  lw_arena a;
  lw_arena_init(&a, 1 << 16);
  const uint8_t null_bytes[] = {0xff, 0xff, 0xff, 0xff};
  lw_cur_init(&c, null_bytes, 4);
  cr_assert_eq(lw_sasl_auth_req_decode(&c, 0, &q), LW_ERR_MALFORMED); /* not nullable */
  const uint8_t neg[] = {0xff, 0xff, 0xff, 0xf0};
  lw_cur_init(&c, neg, 4);
  cr_assert_eq(lw_sasl_auth_req_decode(&c, 1, &q), LW_ERR_MALFORMED);
  const uint8_t compact_null[] = {0, 0};
  lw_cur_init(&c, compact_null, 2);
  cr_assert_eq(lw_sasl_auth_req_decode(&c, 2, &q), LW_ERR_MALFORMED);
  const uint8_t long_len[] = {0, 0, 0, 0x10, 1, 2};
  lw_cur_init(&c, long_len, sizeof long_len);
  cr_assert_eq(lw_sasl_auth_req_decode(&c, 0, &q), LW_ERR_TRUNCATED);
  const uint8_t resp[] = {0, 0, 0xff, 0xff, 0, 0, 0, 0};
  lw_cur_init(&c, resp, sizeof resp);
  cr_assert_eq(lw_sasl_auth_resp_decode(&c, 0, &r), LW_OK);
  cr_assert_eq(r.ErrorMessage.len, -1);
  lw_cur_init(&c, resp, sizeof resp);
  cr_assert_eq(lw_sasl_auth_resp_decode(&c, 1, &r), LW_ERR_TRUNCATED); /* SessionLifetimeMs */
  lw_cur_init(&c, resp, sizeof resp);
  cr_assert_eq(lw_sasl_auth_resp_decode(&c, 3, &r), LW_ERR_UNSUPPORTED);
  const uint8_t null_mech[] = {0xff, 0xff};
  lw_cur_init(&c, null_mech, 2);
  cr_assert_eq(lw_sasl_handshake_req_decode(&c, 0, &h), LW_ERR_MALFORMED);
  lw_cur_init(&c, null_mech, 2);
  cr_assert_eq(lw_sasl_handshake_req_decode(&c, 2, &h), LW_ERR_UNSUPPORTED);
  const uint8_t many[] = {0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 1, 'x'};
  lw_cur_init(&c, many, sizeof many);
  cr_assert_eq(lw_sasl_handshake_resp_decode(&c, 0, &a, &hr), LW_ERR_TRUNCATED);
  lw_buf b;
  lw_buf_init(&b, 64);
  lw_sasl_auth_req nq = {{NULL, -1}};
  cr_assert_eq(lw_sasl_auth_req_encode(&b, 0, &nq), LW_ERR_INVALID_ARG);
  lw_buf_reset(&b);
  lw_sasl_handshake_req nh = {LW_STR_NULL};
  cr_assert_eq(lw_sasl_handshake_req_encode(&b, 0, &nh), LW_ERR_INVALID_ARG);
  lw_buf_free(&b);
  lw_arena_free(&a);
}
