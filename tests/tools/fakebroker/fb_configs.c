/* fb_configs.c — the broker model's DescribeConfigs (test-only): a topic's configs with the
 * broker's as defaults (max.message.bytes falls back to message.max.bytes, as in Kafka's
 * LogConfig), and the broker's own, answered from fb_conf and fb_topic (ConfigCommand /
 * AdminClient.describeConfigs see the same values the Produce checks use). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proto/describe_configs.h"
#include "tests/tools/fakebroker/fb.h"

/* ConfigSource and ConfigType values (DescribeConfigsResponse). */
enum { SRC_TOPIC = 1, SRC_DYNAMIC_DEFAULT_BROKER = 3, SRC_DEFAULT = 5 };
enum { TYPE_BOOLEAN = 1, TYPE_INT = 3 };

typedef struct one {
  const char *name;
  int64_t value; /* for TYPE_BOOLEAN: 0 or 1 */
  int64_t kafka; /* Kafka's default, to tell DEFAULT_CONFIG from a changed one */
  int8_t type;
  bool topic_set; /* overridden on the topic */
} one;

/* Fill the configs of one resource into r (asked: keys, or all when keys is NULL). */
static bool fill(fb *f, int16_t v, const one *all, int n, const lw_dc_req_resource *q,
                 lw_dc_result *r) {
  lw_dc_config *cs = lw_arena_alloc(&f->arena, (size_t)n * sizeof *cs);
  char *text = lw_arena_alloc(&f->arena, (size_t)n * 24);
  if (!cs || !text)
    return false;
  r->Configs = cs;
  for (int i = 0; i < n; i++) {
    bool want = q->ConfigurationKeysCount < 0 || !q->ConfigurationKeys;
    for (int32_t k = 0; !want && k < q->ConfigurationKeysCount; k++)
      want = lw_str_eq(q->ConfigurationKeys[k], all[i].name);
    if (!want)
      continue;
    char *t = text + 24 * i;
    if (all[i].type == TYPE_BOOLEAN)
      snprintf(t, 24, "%s", all[i].value ? "true" : "false");
    else
      snprintf(t, 24, "%" PRId64, all[i].value);
    int8_t src = all[i].topic_set               ? SRC_TOPIC
                 : all[i].value == all[i].kafka ? SRC_DEFAULT
                                                : SRC_DYNAMIC_DEFAULT_BROKER;
    cs[r->ConfigsCount++] = (lw_dc_config){.Name = lw_str_c(all[i].name),
                                           .Value = lw_str_c(t),
                                           .IsDefault = src != SRC_TOPIC,
                                           .ConfigSource = v >= 1 ? src : -1,
                                           .ConfigType = all[i].type,
                                           .Documentation = LW_STR_NULL};
  }
  return true;
}

int fb_h_describe_configs(fb *f, lw_cur *c, int16_t v, int16_t inj, lw_buf *out) {
  lw_dc_req q;
  if (lw_dc_req_decode(c, v, &f->arena, &q) != LW_OK)
    return LW_ERR_MALFORMED;
  lw_dc_resp r = {.ResultsCount = q.ResourcesCount > 0 ? q.ResourcesCount : 0};
  r.Results =
      r.ResultsCount ? lw_arena_alloc(&f->arena, (size_t)r.ResultsCount * sizeof *r.Results) : NULL;
  if (r.ResultsCount && !r.Results)
    return LW_ERR_NOMEM;
  const fb_conf *k = &f->conf;
  for (int32_t i = 0; i < r.ResultsCount; i++) {
    const lw_dc_req_resource *qr = &q.Resources[i];
    lw_dc_result *rr = &r.Results[i];
    *rr = (lw_dc_result){.ErrorCode = inj,
                         .ErrorMessage = LW_STR_NULL,
                         .ResourceType = qr->ResourceType,
                         .ResourceName = qr->ResourceName};
    if (inj)
      continue;
    if (qr->ResourceType == LW_RESOURCE_TOPIC) {
      fb_topic *t = qr->ResourceName.len > 0
                        ? fb_topic_find(&f->g, qr->ResourceName.p, (size_t)qr->ResourceName.len)
                        : NULL;
      if (!t) {
        rr->ErrorCode = LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
        continue;
      }
      one all[] = {{"max.message.bytes",
                    t->max_message_bytes >= 0 ? t->max_message_bytes : k->message_max_bytes,
                    1048588, TYPE_INT, t->max_message_bytes >= 0},
                   {"segment.bytes", t->segment_bytes >= 0 ? t->segment_bytes : k->segment_bytes,
                    1073741824, TYPE_INT, t->segment_bytes >= 0},
                   {"min.insync.replicas", t->min_isr >= 0 ? t->min_isr : k->min_isr, 1, TYPE_INT,
                    t->min_isr >= 0}};
      if (!fill(f, v, all, 3, qr, rr))
        return LW_ERR_NOMEM;
    } else if (qr->ResourceType == LW_RESOURCE_BROKER) {
      one all[] = {
          {"message.max.bytes", k->message_max_bytes, 1048588, TYPE_INT, false},
          {"socket.request.max.bytes", k->socket_request_max_bytes, 104857600, TYPE_INT, false},
          {"auto.create.topics.enable", k->auto_create, 1, TYPE_BOOLEAN, false},
          {"num.partitions", k->num_partitions, 1, TYPE_INT, false},
          {"default.replication.factor", k->default_rf, 1, TYPE_INT, false},
          {"min.insync.replicas", k->min_isr, 1, TYPE_INT, false},
          {"log.segment.bytes", k->segment_bytes, 1073741824, TYPE_INT, false}};
      if (!fill(f, v, all, 7, qr, rr))
        return LW_ERR_NOMEM;
    } else {
      rr->ErrorCode = LW_KAFKA_INVALID_REQUEST;
    }
  }
  return lw_dc_resp_encode(out, v, &r);
}
