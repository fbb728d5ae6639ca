/* init_producer_id.h — InitProducerId (key 22) v0–v5: a producer id and epoch for the
 * idempotent producer (TransactionalId null). */
#ifndef LW_INIT_PRODUCER_ID_H
#define LW_INIT_PRODUCER_ID_H

#include "proto/api.h"

typedef struct lw_initpid_req {
  lw_str TransactionalId; /* nullable; null for idempotence without transactions */
  int32_t TransactionTimeoutMs;
  int64_t ProducerId;    /* v3+, default -1 */
  int16_t ProducerEpoch; /* v3+, default -1 */
} lw_initpid_req;

typedef struct lw_initpid_resp {
  int32_t ThrottleTimeMs;
  int16_t ErrorCode;
  int64_t ProducerId;
  int16_t ProducerEpoch;
} lw_initpid_resp;

int lw_initpid_req_encode(lw_buf *b, int16_t version, const lw_initpid_req *r);
int lw_initpid_req_decode(lw_cur *c, int16_t version, lw_initpid_req *r);
int lw_initpid_resp_encode(lw_buf *b, int16_t version, const lw_initpid_resp *r);
int lw_initpid_resp_decode(lw_cur *c, int16_t version, lw_initpid_resp *r);

#endif
