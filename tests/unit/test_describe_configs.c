/* test_describe_configs.c — DescribeConfigs v0–v4: bytes written by hand from the protocol's
 * message definitions (DescribeConfigsRequest.json / DescribeConfigsResponse.json), byte-exact
 * re-encoding, round trips over every version, every truncated prefix, reading an integer
 * config. */
#include "lw_test.h"
#include "proto/describe_configs.h"

TestSuite(describe_configs);

/* v0 request: one topic "t1", keys ["max.message.bytes"]. */
static const uint8_t req_v0[] = {0,   0,   0,   1,                     /* Resources: 1 */
                                 2,                                    /* ResourceType TOPIC */
                                 0,   2,   't', '1', 0,   0,   0,   1, /* ConfigurationKeys: 1 */
                                 0,   17,  'm', 'a', 'x', '.', 'm', 'e', 's', 's',
                                 'a', 'g', 'e', '.', 'b', 'y', 't', 'e', 's'};

/* v4 (flexible) response: topic "t1", max.message.bytes = "100000", set on the topic. */
static const uint8_t resp_v4[] = {
    0,   0,   0,   0, /* ThrottleTimeMs */
    2,                /* Results: 1 */
    0,   0,           /* ErrorCode */
    0,                /* ErrorMessage: null */
    2,                /* ResourceType */
    3,   't', '1',    /* ResourceName */
    2,                /* Configs: 1 */
    18,  'm', 'a', 'x', '.', 'm', 'e', 's', 's', 'a', 'g', 'e', '.',
    'b', 'y', 't', 'e', 's', 7,   '1', '0', '0', '0', '0', '0', /* Value */
    0,                                                          /* ReadOnly */
    1,                                                          /* ConfigSource: DYNAMIC_TOPIC */
    0,                                                          /* IsSensitive */
    1,                                                          /* Synonyms: 0 */
    3,                                                          /* ConfigType: INT */
    0,                                                          /* Documentation: null */
    0,                                                          /* config tags */
    0,                                                          /* result tags */
    0};                                                         /* top-level tags */

Test(describe_configs, spec_bytes) {
  lw_arena a;
  lw_arena_init(&a, 1 << 20);
  lw_cur c;
  lw_dc_req q;
  lw_cur_init(&c, req_v0, sizeof req_v0);
  cr_assert_eq(lw_dc_req_decode(&c, 0, &a, &q), LW_OK);
  cr_assert_eq(q.ResourcesCount, 1);
  cr_assert_eq(q.Resources[0].ResourceType, LW_RESOURCE_TOPIC);
  cr_assert(str_is(q.Resources[0].ResourceName, "t1"));
  cr_assert_eq(q.Resources[0].ConfigurationKeysCount, 1);
  cr_assert(str_is(q.Resources[0].ConfigurationKeys[0], "max.message.bytes"));
  lw_buf b;
  lw_buf_init(&b, 4096);
  cr_assert_eq(lw_dc_req_encode(&b, 0, &q), LW_OK);
  cr_assert_eq(b.len, sizeof req_v0);
  cr_assert_arr_eq(b.data, req_v0, sizeof req_v0);

  lw_dc_resp r;
  lw_cur_init(&c, resp_v4, sizeof resp_v4);
  cr_assert_eq(lw_dc_resp_decode(&c, 4, &a, &r), LW_OK);
  cr_assert_eq(r.ResultsCount, 1);
  cr_assert_eq(r.Results[0].ErrorCode, 0);
  cr_assert_eq(r.Results[0].ErrorMessage.len, -1);
  cr_assert(str_is(r.Results[0].ResourceName, "t1"));
  cr_assert_eq(r.Results[0].ConfigsCount, 1);
  cr_assert_eq(r.Results[0].Configs[0].ConfigSource, 1);
  cr_assert_eq(r.Results[0].Configs[0].ConfigType, 3);
  int64_t v = 0;
  cr_assert_eq(lw_dc_result_int(&r.Results[0], "max.message.bytes", &v), LW_OK);
  cr_assert_eq(v, 100000);
  cr_assert_eq(lw_dc_result_int(&r.Results[0], "retention.ms", &v), LW_ERR_NOT_FOUND);
  lw_buf_reset(&b);
  cr_assert_eq(lw_dc_resp_encode(&b, 4, &r), LW_OK);
  cr_assert_eq(b.len, sizeof resp_v4);
  cr_assert_arr_eq(b.data, resp_v4, sizeof resp_v4);
  lw_buf_free(&b);
  lw_arena_free(&a);
}

static void cmp_req(const lw_dc_req *d, const lw_dc_req *x) {
  cr_assert_eq(d->ResourcesCount, x->ResourcesCount);
  for (int32_t i = 0; i < d->ResourcesCount; i++) {
    cr_assert_eq(d->Resources[i].ResourceType, x->Resources[i].ResourceType);
    assert_str_same(d->Resources[i].ResourceName, x->Resources[i].ResourceName);
    cr_assert_eq(d->Resources[i].ConfigurationKeysCount, x->Resources[i].ConfigurationKeysCount);
  }
}

static void cmp_resp(const lw_dc_resp *d, const lw_dc_resp *x) {
  cr_assert_eq(d->ThrottleTimeMs, x->ThrottleTimeMs);
  cr_assert_eq(d->ResultsCount, x->ResultsCount);
  for (int32_t i = 0; i < d->ResultsCount; i++) {
    cr_assert_eq(d->Results[i].ErrorCode, x->Results[i].ErrorCode);
    assert_str_same(d->Results[i].ErrorMessage, x->Results[i].ErrorMessage);
    cr_assert_eq(d->Results[i].ConfigsCount, x->Results[i].ConfigsCount);
    for (int32_t j = 0; j < d->Results[i].ConfigsCount; j++)
      assert_str_same(d->Results[i].Configs[j].Value, x->Results[i].Configs[j].Value);
  }
}

typedef struct {
  int16_t v;
  bool req;
} dec_ctx;

static int dec_any(lw_cur *c, lw_arena *a, void *ud) {
  const dec_ctx *x = ud;
  lw_dc_req q;
  lw_dc_resp r;
  return x->req ? lw_dc_req_decode(c, x->v, a, &q) : lw_dc_resp_decode(c, x->v, a, &r);
}

Test(describe_configs, round_trip_and_prefixes_every_version) {
  lw_str keys[2] = {lw_str_c("max.message.bytes"), lw_str_c("retention.ms")};
  lw_dc_req_resource res[2] = {{.ResourceType = LW_RESOURCE_TOPIC,
                                .ResourceName = lw_str_c("logs"),
                                .ConfigurationKeys = keys,
                                .ConfigurationKeysCount = 2},
                               {.ResourceType = LW_RESOURCE_BROKER,
                                .ResourceName = lw_str_c("1"),
                                .ConfigurationKeysCount = -1}}; /* null: every key */
  lw_dc_req q = {.Resources = res, .ResourcesCount = 2, .IncludeSynonyms = true};
  lw_dc_synonym syn[1] = {{lw_str_c("message.max.bytes"), lw_str_c("1048588"), 5}};
  lw_dc_config cfg[2] = {{.Name = lw_str_c("max.message.bytes"),
                          .Value = lw_str_c("100000"),
                          .ConfigSource = 1,
                          .Synonyms = syn,
                          .SynonymsCount = 1,
                          .Documentation = lw_str_c("The largest record batch size")},
                         {.Name = lw_str_c("sasl.jaas.config"),
                          .Value = LW_STR_NULL,
                          .IsSensitive = true,
                          .ConfigSource = 5,
                          .Documentation = LW_STR_NULL}};
  lw_dc_result res_r[2] = {{.ResourceType = LW_RESOURCE_TOPIC,
                            .ResourceName = lw_str_c("logs"),
                            .Configs = cfg,
                            .ConfigsCount = 2,
                            .ErrorMessage = LW_STR_NULL},
                           {.ErrorCode = 29,
                            .ErrorMessage = lw_str_c("not authorised"),
                            .ResourceType = 2,
                            .ResourceName = lw_str_c("secret")}};
  lw_dc_resp r = {.ThrottleTimeMs = 7, .Results = res_r, .ResultsCount = 2};
  for (int16_t v = 0; v <= 4; v++) {
    lw_arena a;
    lw_arena_init(&a, 1 << 20);
    LW_ROUND_TRIP(v, &a, lw_dc_req_encode, lw_dc_req_decode, cmp_req, lw_dc_req, q);
    LW_ROUND_TRIP(v, &a, lw_dc_resp_encode, lw_dc_resp_decode, cmp_resp, lw_dc_resp, r);
    lw_buf b;
    lw_buf_init(&b, 4096);
    cr_assert_eq(lw_dc_req_encode(&b, v, &q), LW_OK);
    dec_ctx x = {v, true};
    assert_prefixes_fail(b.data, b.len, dec_any, &x, "DescribeConfigs request");
    lw_buf_reset(&b);
    cr_assert_eq(lw_dc_resp_encode(&b, v, &r), LW_OK);
    x.req = false;
    assert_prefixes_fail(b.data, b.len, dec_any, &x, "DescribeConfigs response");
    lw_buf_free(&b);
    lw_arena_free(&a);
  }
}

Test(describe_configs, bad_input) {
  lw_arena a;
  lw_arena_init(&a, 1 << 20);
  lw_cur c;
  lw_dc_req q;
  lw_dc_resp r;
  /* a version logwire does not implement */
  lw_cur_init(&c, req_v0, sizeof req_v0);
  cr_assert_eq(lw_dc_req_decode(&c, 5, &a, &q), LW_ERR_UNSUPPORTED);
  /* a trailing byte */
  uint8_t more[sizeof req_v0 + 1];
  memcpy(more, req_v0, sizeof req_v0);
  more[sizeof req_v0] = 0;
  lw_cur_init(&c, more, sizeof more);
  cr_assert_eq(lw_dc_req_decode(&c, 0, &a, &q), LW_ERR_MALFORMED);
  /* Resources claims 2^31-1 entries */
  const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 2, 0, 1, 'x'};
  lw_cur_init(&c, huge, sizeof huge);
  cr_assert_neq(lw_dc_req_decode(&c, 0, &a, &q), LW_OK);
  /* a config value that is not a number */
  lw_dc_config k = {.Name = lw_str_c("max.message.bytes"), .Value = lw_str_c("12a")};
  lw_dc_result res = {.Configs = &k, .ConfigsCount = 1};
  int64_t v = 0;
  cr_assert_eq(lw_dc_result_int(&res, "max.message.bytes", &v), LW_ERR_MALFORMED);
  k.Value = LW_STR_NULL;
  cr_assert_eq(lw_dc_result_int(&res, "max.message.bytes", &v), LW_ERR_NOT_FOUND);
  k.Value = lw_str_c("99999999999999999999999");
  cr_assert_eq(lw_dc_result_int(&res, "max.message.bytes", &v), LW_ERR_MALFORMED);
  (void)r;
  lw_arena_free(&a);
}
