/* test_init_producer_id.c — InitProducerId v0–v5: Kafka 4.1.0 (v5) and librdkafka-mock
 * (v0–v4) fixtures, byte-exact re-encoding, round trips over every version, bad input. */
#include "lw_test.h"
#include "proto/init_producer_id.h"

TestSuite(init_producer_id);

#define K       "kafka-4.1.0/"
#define M       "librdkafka-2.0.2-mock/"
#define ANY_PID INT64_MIN

static void check_pair(const char *req, const char *resp, int16_t v, int32_t timeout, int16_t err,
                       int64_t pid) {
  fx f;
  fx_req(&f, req, LW_API_INIT_PRODUCER_ID, v);
  lw_initpid_req q;
  cr_assert_eq(lw_initpid_req_decode(&f.c, v, &q), LW_OK, "%s", req);
  cr_assert_eq(q.TransactionalId.len, -1); /* idempotence without transactions */
  cr_assert_eq(q.TransactionTimeoutMs, timeout);
  cr_assert_eq(q.ProducerId, -1);
  cr_assert_eq(q.ProducerEpoch, -1);
  lw_buf b;
  fx_begin_req(&f, &b);
  cr_assert_eq(lw_initpid_req_encode(&b, v, &q), LW_OK);
  fx_assert_bytes(&f, &b);
  lw_buf_free(&b);
  fx_free(&f);

  fx_resp(&f, resp, LW_API_INIT_PRODUCER_ID, v);
  lw_initpid_resp r;
  cr_assert_eq(lw_initpid_resp_decode(&f.c, v, &r), LW_OK, "%s", resp);
  cr_assert_eq(r.ThrottleTimeMs, 0);
  cr_assert_eq(r.ErrorCode, err);
  if (pid != ANY_PID)
    cr_assert_eq(r.ProducerId, pid);
  else
    cr_assert_gt(r.ProducerId, 0); /* the mock hands out a clock-based id */
  cr_assert_eq(r.ProducerEpoch, err ? -1 : 0);
  fx_begin_resp(&f, &b, LW_API_INIT_PRODUCER_ID, v);
  cr_assert_eq(lw_initpid_resp_encode(&b, v, &r), LW_OK);
  fx_assert_bytes(&f, &b);
  lw_buf_free(&b);
  fx_free(&f);
}

Test(init_producer_id, kafka_v5) {
  /* The first attempt on a fresh broker: COORDINATOR_LOAD_IN_PROGRESS, retriable. */
  check_pair(K "003-java-producer-none-InitProducerId-v5-request.bin",
             K "003-java-producer-none-InitProducerId-v5-response.bin", 5, INT32_MAX,
             LW_KAFKA_COORDINATOR_LOAD_IN_PROGRESS, -1);
  cr_assert(lw_err_retriable(LW_KAFKA_COORDINATOR_LOAD_IN_PROGRESS));
  check_pair(K "005-java-producer-none-InitProducerId-v5-request.bin",
             K "005-java-producer-none-InitProducerId-v5-response.bin", 5, INT32_MAX, 0, 0);
}

Test(init_producer_id, mock_v0_to_v4) {
  check_pair(M "018-idempotent-v0-InitProducerId-v0-request.bin",
             M "018-idempotent-v0-InitProducerId-v0-response.bin", 0, -1, 0, ANY_PID);
  check_pair(M "019-idempotent-v1-InitProducerId-v1-request.bin",
             M "019-idempotent-v1-InitProducerId-v1-response.bin", 1, -1, 0, ANY_PID);
  check_pair(M "020-idempotent-v2-InitProducerId-v2-request.bin",
             M "020-idempotent-v2-InitProducerId-v2-response.bin", 2, -1, 0, ANY_PID);
  check_pair(M "021-idempotent-v3-InitProducerId-v3-request.bin",
             M "021-idempotent-v3-InitProducerId-v3-response.bin", 3, -1, 0, ANY_PID);
  check_pair(M "022-idempotent-v4-InitProducerId-v4-request.bin",
             M "022-idempotent-v4-InitProducerId-v4-response.bin", 4, -1, 0, ANY_PID);
}

Test(init_producer_id, round_trip_every_version) {
  for (int16_t v = 0; v <= 5; v++) {
    lw_initpid_req q = {lw_str_c("txn-\xc3\xa9t\xc3\xa9"), 60000, -1, -1}, dq;
    if (v >= 3)
      q.ProducerId = 0x0102030405060708LL, q.ProducerEpoch = 9;
    lw_buf b, b2;
    lw_buf_init(&b, 1024);
    lw_buf_init(&b2, 1024);
    cr_assert_eq(lw_initpid_req_encode(&b, v, &q), LW_OK);
    cr_assert_eq(b.len, (v >= 2 ? 1 : 2) + 9 + 4 + (v >= 3 ? 10 : 0) + (v >= 2 ? 1 : 0));
    lw_cur c;
    lw_cur_init(&c, b.data, b.len);
    cr_assert_eq(lw_initpid_req_decode(&c, v, &dq), LW_OK);
    cr_assert_eq(dq.TransactionalId.len, 9);
    cr_assert_eq(memcmp(dq.TransactionalId.p, q.TransactionalId.p, 9), 0);
    cr_assert_eq(dq.TransactionTimeoutMs, 60000);
    cr_assert_eq(dq.ProducerId, q.ProducerId);
    cr_assert_eq(dq.ProducerEpoch, q.ProducerEpoch);
    cr_assert_eq(lw_initpid_req_encode(&b2, v, &dq), LW_OK);
    cr_assert_eq(b2.len, b.len);
    cr_assert_arr_eq(b2.data, b.data, b.len);

    lw_buf_reset(&b);
    lw_buf_reset(&b2);
    lw_initpid_resp r = {77, LW_KAFKA_CLUSTER_AUTHORIZATION_FAILED, INT64_MAX - 1, 32000}, d;
    cr_assert_eq(lw_initpid_resp_encode(&b, v, &r), LW_OK);
    cr_assert_eq(b.len, 16 + (v >= 2 ? 1 : 0));
    lw_cur_init(&c, b.data, b.len);
    cr_assert_eq(lw_initpid_resp_decode(&c, v, &d), LW_OK);
    cr_assert_eq(d.ThrottleTimeMs, 77);
    cr_assert_eq(d.ErrorCode, r.ErrorCode);
    cr_assert_eq(d.ProducerId, r.ProducerId);
    cr_assert_eq(d.ProducerEpoch, r.ProducerEpoch);
    cr_assert_eq(lw_initpid_resp_encode(&b2, v, &d), LW_OK);
    cr_assert_arr_eq(b2.data, b.data, b.len);
    lw_buf_free(&b);
    lw_buf_free(&b2);
  }
}

Test(init_producer_id, bad_input) {
  lw_initpid_req q;
  lw_initpid_resp r;
  lw_cur c;
  /* TransactionalId length -2 */
  const uint8_t neg[] = {0xff, 0xfe, 0, 0, 0, 0};
  lw_cur_init(&c, neg, sizeof neg);
  cr_assert_eq(lw_initpid_req_decode(&c, 0, &q), LW_ERR_MALFORMED);
  /* v2: the tag section claims a field longer than the frame */
  const uint8_t tag[] = {0, 0, 0, 0, 0, 1, 5, 9, 0};
  lw_cur_init(&c, tag, sizeof tag);
  cr_assert_eq(lw_initpid_req_decode(&c, 2, &q), LW_ERR_TRUNCATED);
  /* v2: unknown tags are skipped */
  const uint8_t tag_ok[] = {0, 0, 0, 0, 0, 1, 5, 1, 0xee};
  lw_cur_init(&c, tag_ok, sizeof tag_ok);
  cr_assert_eq(lw_initpid_req_decode(&c, 2, &q), LW_OK);
  /* trailing byte */
  const uint8_t resp[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0};
  lw_cur_init(&c, resp, 16);
  cr_assert_eq(lw_initpid_resp_decode(&c, 0, &r), LW_OK);
  lw_cur_init(&c, resp, 17);
  cr_assert_eq(lw_initpid_resp_decode(&c, 0, &r), LW_ERR_MALFORMED);
  lw_cur_init(&c, resp, 16);
  cr_assert_eq(lw_initpid_resp_decode(&c, 6, &r), LW_ERR_UNSUPPORTED);
}
