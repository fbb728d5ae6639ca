/* fb_coord.c — the broker model's coordinator answer (test-only): InitProducerId, as Kafka's
 * TransactionCoordinator gives producer ids to idempotent producers. */
#include <stdlib.h>

#include "proto/init_producer_id.h"
#include "tests/tools/fakebroker/fb.h"

/* TransactionCoordinator.handleInitProducerId without a TransactionalId: always a new id with
 * epoch 0. With model.initpid bump, the KIP-360 path for the current id/epoch (v3+): that id
 * with epoch + 1, INVALID_PRODUCER_EPOCH for a stale epoch, a new id past the last epoch. */
int fb_h_init_pid(fb *f, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  lw_initpid_req q;
  if (lw_initpid_req_decode(c, v, &q) != LW_OK)
    return LW_ERR_MALFORMED;
  lw_initpid_resp r = {.ErrorCode = inj, .ProducerId = -1, .ProducerEpoch = -1};
  int64_t i = q.ProducerId - 1000;
  bool known = i >= 0 && (uint64_t)i < f->npids;
  if (inj) {
    f->st.injected++;
  } else if (f->conf.initpid_bump && q.ProducerId >= 0 && q.ProducerEpoch >= 0 &&
             (!known || f->pid_epoch[i] != q.ProducerEpoch)) {
    r.ErrorCode = LW_KAFKA_INVALID_PRODUCER_EPOCH;
  } else if (f->conf.initpid_bump && q.ProducerId >= 0 && q.ProducerEpoch >= 0 &&
             q.ProducerEpoch < INT16_MAX - 1) {
    r.ProducerId = q.ProducerId, r.ProducerEpoch = ++f->pid_epoch[i];
  } else {
    int16_t *pe = realloc(f->pid_epoch, (f->npids + 1) * sizeof *pe);
    if (!pe)
      return LW_ERR_NOMEM;
    f->pid_epoch = pe;
    f->pid_epoch[f->npids++] = 0;
    r.ProducerId = f->next_pid++, r.ProducerEpoch = 0;
  }
  f->st.initpid += r.ProducerId >= 0;
  return lw_initpid_resp_encode(out, v, &r);
}
