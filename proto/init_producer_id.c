/* init_producer_id.c — InitProducerId (key 22) v0–v5 request and response. */
#include "proto/init_producer_id.h"

#include <string.h>

#include "proto/codec.h"

int lw_initpid_req_encode(lw_buf *b, int16_t version, const lw_initpid_req *r) {
  if (lw_codec_check_version(LW_API_INIT_PRODUCER_ID, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_INIT_PRODUCER_ID, version);
  lw_put_str(b, flex, r->TransactionalId);    /* v0+, nullable */
  lw_buf_put_i32(b, r->TransactionTimeoutMs); /* v0+ */
  if (version >= 3) {
    lw_buf_put_i64(b, r->ProducerId);    /* v3+ */
    lw_buf_put_i16(b, r->ProducerEpoch); /* v3+ */
  }
  lw_put_tags_none(b, flex);
  return b->err;
}

int lw_initpid_req_decode(lw_cur *c, int16_t version, lw_initpid_req *r) {
  memset(r, 0, sizeof *r);
  r->ProducerId = -1;
  r->ProducerEpoch = -1;
  if (lw_codec_check_version(LW_API_INIT_PRODUCER_ID, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_INIT_PRODUCER_ID, version);
  r->TransactionalId = lw_rd_nstring(c, flex, "TransactionalId");
  r->TransactionTimeoutMs = lw_rd_i32(c, "TransactionTimeoutMs");
  if (version >= 3) {
    r->ProducerId = lw_rd_i64(c, "ProducerId");
    r->ProducerEpoch = lw_rd_i16(c, "ProducerEpoch");
  }
  lw_rd_tags_skip(c, flex);
  return lw_cur_done(c);
}

int lw_initpid_resp_encode(lw_buf *b, int16_t version, const lw_initpid_resp *r) {
  if (lw_codec_check_version(LW_API_INIT_PRODUCER_ID, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_INIT_PRODUCER_ID, version);
  lw_buf_put_i32(b, r->ThrottleTimeMs); /* v0+ */
  lw_buf_put_i16(b, r->ErrorCode);      /* v0+ */
  lw_buf_put_i64(b, r->ProducerId);     /* v0+ */
  lw_buf_put_i16(b, r->ProducerEpoch);  /* v0+ */
  lw_put_tags_none(b, flex);
  return b->err;
}

int lw_initpid_resp_decode(lw_cur *c, int16_t version, lw_initpid_resp *r) {
  memset(r, 0, sizeof *r);
  if (lw_codec_check_version(LW_API_INIT_PRODUCER_ID, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_INIT_PRODUCER_ID, version);
  r->ThrottleTimeMs = lw_rd_i32(c, "ThrottleTimeMs");
  r->ErrorCode = lw_rd_i16(c, "ErrorCode");
  r->ProducerId = lw_rd_i64(c, "ProducerId");
  r->ProducerEpoch = lw_rd_i16(c, "ProducerEpoch");
  lw_rd_tags_skip(c, flex);
  return lw_cur_done(c);
}
