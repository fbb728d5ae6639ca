/* producer_limits.c — what each topic takes: its max.message.bytes, asked with DescribeConfigs
 * once the topic's metadata is known, so that batches are built below it from the first one
 * (instead of learning it from MESSAGE_TOO_LARGE, which costs a split and a retry). Brokers
 * that do not support DescribeConfigs, or refuse it (authorisation), leave the limit to be
 * learned from the errors (producer_send.c). */
#include <stdlib.h>
#include <string.h>

#include "net/producer_int.h"
#include "proto/api.h"
#include "proto/describe_configs.h"
#include "base/err.h"

#define DC_MAX_TOPICS 64 /* topics described per request */

static void on_describe(lw_conn *c, int err, const uint8_t *body, size_t len, void *ud) {
  lw_producer *p = ud;
  p->dc_inflight = false;
  if (p->closing)
    return;
  lw_arena a;
  lw_arena_init(&a, 4u * 1024 * 1024);
  lw_dc_resp r;
  if (err == LW_OK) {
    lw_cur cur;
    lw_cur_init(&cur, body, len);
    err = lw_dc_resp_decode(&cur, lw_conn_api_version(c, LW_API_DESCRIBE_CONFIGS), &a, &r);
  }
  for (struct lw_ptopic *t = p->topics; t; t = t->next) {
    if (t->dc_state != 1)
      continue;
    t->dc_state = 2; /* answered; after a failure the limit is learned from the errors */
    lw_prod_topic_limits(p, t);
    for (int32_t i = 0; err == LW_OK && i < r.ResultsCount; i++) {
      const lw_dc_result *res = &r.Results[i];
      if (!lw_str_eq(res->ResourceName, t->name))
        continue;
      int64_t v = 0;
      if (res->ErrorCode != 0) {
        lw_net_logf(p->ctx, 1,
                    "topic \"%s\": its configuration cannot be read (%s): its size limit will "
                    "be learned from the broker's errors",
                    t->name, lw_err_name(res->ErrorCode));
      } else if (lw_dc_result_int(res, "max.message.bytes", &v) == LW_OK && v > 0) {
        lw_prod_learn_limit(p, t, (uint64_t)v < SIZE_MAX / 2 ? (size_t)v : SIZE_MAX / 2, true);
        if (t->batch_max < p->batch_max)
          lw_net_logf(p->ctx, 1,
                      "topic \"%s\": max.message.bytes is %lld: batches are built below it",
                      t->name, (long long)v);
      }
    }
  }
  if (err != LW_OK)
    lw_net_logf(p->ctx, 1,
                "DescribeConfigs failed (%s): topic size limits will be learned from "
                "the broker's errors",
                lw_err_name(err));
  lw_arena_free(&a);
}

void lw_prod_describe(lw_producer *p) {
  if (p->dc_inflight)
    return;
  int n = 0;
  for (struct lw_ptopic *t = p->topics; t; t = t->next)
    n += t->dc_state == 0 && t->info->partitions > 0;
  if (n == 0)
    return;
  lw_conn *c = lw_cluster_any_ready(p->cl);
  if (!c)
    return;
  int16_t v = lw_conn_api_version(c, LW_API_DESCRIBE_CONFIGS);
  if (v < 0) { /* not supported: learn from the errors */
    for (struct lw_ptopic *t = p->topics; t; t = t->next)
      if (t->dc_state == 0) {
        t->dc_state = 2;
        lw_prod_topic_limits(p, t);
      }
    return;
  }
  lw_dc_req_resource res[DC_MAX_TOPICS];
  lw_str key = lw_str_c("max.message.bytes");
  n = 0;
  for (struct lw_ptopic *t = p->topics; t && n < DC_MAX_TOPICS; t = t->next)
    if (t->dc_state == 0 && t->info->partitions > 0)
      res[n++] = (lw_dc_req_resource){.ResourceType = LW_RESOURCE_TOPIC,
                                      .ResourceName = lw_str_c(t->name),
                                      .ConfigurationKeys = &key,
                                      .ConfigurationKeysCount = 1};
  lw_buf *b = lw_conn_request_begin(c, LW_API_DESCRIBE_CONFIGS, v);
  if (!b)
    return; /* asked again on the next pass */
  lw_dc_req q = {.Resources = res, .ResourcesCount = n};
  if (lw_dc_req_encode(b, v, &q) != LW_OK) {
    lw_conn_request_abort(c, b);
    return;
  }
  p->dc_inflight = true;
  if (lw_conn_request_send(c, b, true, on_describe, p) != LW_OK) {
    p->dc_inflight = false;
    return;
  }
  int k = 0;
  for (struct lw_ptopic *t = p->topics; t && k < n; t = t->next)
    if (t->dc_state == 0 && t->info->partitions > 0) {
      t->dc_state = 1;
      k++;
    }
}
