/* sasl.c — SaslHandshake (key 17) v0–v1 and SaslAuthenticate (key 36) v0–v2. */
#include "proto/sasl.h"

#include <string.h>

#include "proto/codec.h"

int lw_sasl_handshake_req_encode(lw_buf *b, int16_t version, const lw_sasl_handshake_req *r) {
  if (lw_codec_check_version(LW_API_SASL_HANDSHAKE, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  lw_put_str_nn(b, false, r->Mechanism); /* v0+ (never flexible) */
  return b->err;
}

int lw_sasl_handshake_req_decode(lw_cur *c, int16_t version, lw_sasl_handshake_req *r) {
  memset(r, 0, sizeof *r);
  if (lw_codec_check_version(LW_API_SASL_HANDSHAKE, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  r->Mechanism = lw_rd_string(c, false, "Mechanism");
  return lw_cur_done(c);
}

int lw_sasl_handshake_resp_encode(lw_buf *b, int16_t version, const lw_sasl_handshake_resp *r) {
  if (lw_codec_check_version(LW_API_SASL_HANDSHAKE, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  lw_buf_put_i16(b, r->ErrorCode);                                /* v0+ */
  lw_put_arr(b, false, r->MechanismsCount, r->Mechanisms, false); /* Mechanisms, v0+ */
  for (int32_t i = 0; i < r->MechanismsCount && !b->err; i++)
    lw_put_str_nn(b, false, r->Mechanisms[i]);
  return b->err;
}

int lw_sasl_handshake_resp_decode(lw_cur *c, int16_t version, lw_arena *a,
                                  lw_sasl_handshake_resp *r) {
  memset(r, 0, sizeof *r);
  if (lw_codec_check_version(LW_API_SASL_HANDSHAKE, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  r->ErrorCode = lw_rd_i16(c, "ErrorCode");
  int32_t n = lw_rd_arr(c, false, "Mechanisms", 2, false);
  r->Mechanisms = lw_rd_alloc(c, a, n, sizeof *r->Mechanisms);
  for (int32_t i = 0; i < n && !c->err; i++)
    r->Mechanisms[i] = lw_rd_string(c, false, "Mechanism");
  lw_rd_array_end(c);
  r->MechanismsCount = c->err ? 0 : n;
  return lw_cur_done(c);
}

int lw_sasl_auth_req_encode(lw_buf *b, int16_t version, const lw_sasl_auth_req *r) {
  if (lw_codec_check_version(LW_API_SASL_AUTHENTICATE, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_SASL_AUTHENTICATE, version);
  if (r->AuthBytes.len < 0) { /* not nullable */
    if (!b->err)
      b->err = LW_ERR_INVALID_ARG;
    return b->err;
  }
  lw_put_bytes(b, flex, r->AuthBytes); /* v0+ */
  lw_put_tags_none(b, flex);
  return b->err;
}

int lw_sasl_auth_req_decode(lw_cur *c, int16_t version, lw_sasl_auth_req *r) {
  memset(r, 0, sizeof *r);
  if (lw_codec_check_version(LW_API_SASL_AUTHENTICATE, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_SASL_AUTHENTICATE, version);
  r->AuthBytes = lw_rd_bytes(c, flex, "AuthBytes", true);
  if (!c->err && r->AuthBytes.len < 0)
    lw_cur_fail(c, LW_ERR_MALFORMED); /* not nullable */
  lw_rd_tags_skip(c, flex);
  return lw_cur_done(c);
}

int lw_sasl_auth_resp_encode(lw_buf *b, int16_t version, const lw_sasl_auth_resp *r) {
  if (lw_codec_check_version(LW_API_SASL_AUTHENTICATE, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_SASL_AUTHENTICATE, version);
  if (r->AuthBytes.len < 0) { /* not nullable */
    if (!b->err)
      b->err = LW_ERR_INVALID_ARG;
    return b->err;
  }
  lw_buf_put_i16(b, r->ErrorCode);      /* v0+ */
  lw_put_str(b, flex, r->ErrorMessage); /* v0+, nullable */
  lw_put_bytes(b, flex, r->AuthBytes);  /* v0+ */
  if (version >= 1)
    lw_buf_put_i64(b, r->SessionLifetimeMs); /* v1+ */
  lw_put_tags_none(b, flex);
  return b->err;
}

int lw_sasl_auth_resp_decode(lw_cur *c, int16_t version, lw_sasl_auth_resp *r) {
  memset(r, 0, sizeof *r);
  if (lw_codec_check_version(LW_API_SASL_AUTHENTICATE, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_SASL_AUTHENTICATE, version);
  r->ErrorCode = lw_rd_i16(c, "ErrorCode");
  r->ErrorMessage = lw_rd_nstring(c, flex, "ErrorMessage");
  r->AuthBytes = lw_rd_bytes(c, flex, "AuthBytes", true);
  if (!c->err && r->AuthBytes.len < 0)
    lw_cur_fail(c, LW_ERR_MALFORMED); /* not nullable */
  if (version >= 1)
    r->SessionLifetimeMs = lw_rd_i64(c, "SessionLifetimeMs");
  lw_rd_tags_skip(c, flex);
  return lw_cur_done(c);
}
