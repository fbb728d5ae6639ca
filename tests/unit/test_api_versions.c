/* test_api_versions.c — ApiVersions v0–v4: Kafka 4.1.0 and librdkafka-mock fixtures (decoded
 * fields, byte-exact re-encoding), the UNSUPPORTED_VERSION fallback, round trips, bad input. */
#include "lw_test.h"
#include "proto/api_versions.h"

TestSuite(api_versions);

#define K "kafka-4.1.0/"
#define M "librdkafka-2.0.2-mock/"

/* Re-encode a decoded response with the fixture's header and compare with the file. */
static void reencode_resp(const fx *f, int16_t version, const lw_apiver_resp *r) {
  lw_buf b;
  fx_begin_resp(f, &b, LW_API_API_VERSIONS, version);
  cr_assert_eq(lw_apiver_resp_encode(&b, version, r), LW_OK);
  fx_assert_bytes(f, &b);
  lw_buf_free(&b);
}

static void reencode_req(const fx *f, const lw_apiver_req *r) {
  lw_buf b;
  fx_begin_req(f, &b);
  cr_assert_eq(lw_apiver_req_encode(&b, f->h.ApiVersion, r), LW_OK);
  fx_assert_bytes(f, &b);
  lw_buf_free(&b);
}

Test(api_versions, kafka_v4_request) {
  fx f;
  fx_req(&f, K "001-java-producer-none-ApiVersions-v4-request.bin", 18, 4);
  lw_apiver_req r;
  cr_assert_eq(lw_apiver_req_decode(&f.c, 4, &r), LW_OK);
  cr_assert(str_is(r.ClientSoftwareName, "apache-kafka-java"));
  cr_assert(str_is(r.ClientSoftwareVersion, "4.1.0"));
  reencode_req(&f, &r);
  fx_free(&f);
}

Test(api_versions, kafka_v4_response_features) {
  fx f;
  fx_resp(&f, K "001-java-producer-none-ApiVersions-v4-response.bin", 18, 4);
  cr_assert_eq(f.corr, 0);
  lw_apiver_resp r;
  cr_assert_eq(lw_apiver_resp_decode(&f.c, 4, &f.a, &r), LW_OK);
  cr_assert_eq(r.ErrorCode, 0);
  cr_assert_eq(r.DecodedVersion, 4);
  cr_assert_eq(r.ApiKeysCount, 73);
  cr_assert_eq(r.ThrottleTimeMs, 0);
  int16_t lo, hi;
  struct {
    int16_t key, lo, hi;
  } want[] = {{0, 0, 13}, {1, 4, 18}, {2, 1, 10}, {3, 0, 13},
              {17, 0, 1}, {18, 0, 4}, {22, 0, 5}, {36, 0, 2}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    cr_assert(lw_apiver_find(&r, want[i].key, &lo, &hi), "key %d", want[i].key);
    cr_assert_eq(lo, want[i].lo, "key %d", want[i].key);
    cr_assert_eq(hi, want[i].hi, "key %d", want[i].key);
  }
  cr_assert_not(lw_apiver_find(&r, 71, &lo, &hi)); /* no telemetry on this broker */
  struct {
    const char *name;
    int16_t lo, hi;
  } sup[] = {{"group.version", 0, 1},       {"kraft.version", 0, 1},
             {"metadata.version", 7, 27},   {"share.version", 0, 1},
             {"transaction.version", 0, 2}, {"eligible.leader.replicas.version", 0, 1}};
  cr_assert_eq(r.SupportedFeaturesCount, 6);
  for (int i = 0; i < 6; i++) {
    cr_assert(str_is(r.SupportedFeatures[i].Name, sup[i].name), "%d", i);
    cr_assert_eq(r.SupportedFeatures[i].MinVersion, sup[i].lo, "%d", i);
    cr_assert_eq(r.SupportedFeatures[i].MaxVersion, sup[i].hi, "%d", i);
  }
  cr_assert_eq(r.FinalizedFeaturesEpoch, 31);
  struct {
    const char *name;
    int16_t level;
  } fin[] = {{"group.version", 1},
             {"transaction.version", 2},
             {"eligible.leader.replicas.version", 1},
             {"metadata.version", 27}};
  cr_assert_eq(r.FinalizedFeaturesCount, 4);
  for (int i = 0; i < 4; i++) {
    cr_assert(str_is(r.FinalizedFeatures[i].Name, fin[i].name), "%d", i);
    cr_assert_eq(r.FinalizedFeatures[i].MinVersion, fin[i].level);
    cr_assert_eq(r.FinalizedFeatures[i].MaxVersion, fin[i].level);
  }
  cr_assert_not(r.ZkMigrationReady);
  reencode_resp(&f, 4, &r);
  fx_free(&f);
}

Test(api_versions, kafka_v3_librdkafka) {
  fx f;
  fx_req(&f, K "040-kcat-producer-ApiVersions-v3-request.bin", 18, 3);
  cr_assert(str_is(f.h.ClientId, "rdkafka"));
  lw_apiver_req q;
  cr_assert_eq(lw_apiver_req_decode(&f.c, 3, &q), LW_OK);
  cr_assert(str_is(q.ClientSoftwareName, "librdkafka"));
  cr_assert(str_is(q.ClientSoftwareVersion, "2.0.2"));
  reencode_req(&f, &q);
  fx_free(&f);

  fx_resp(&f, K "040-kcat-producer-ApiVersions-v3-response.bin", 18, 3);
  cr_assert_eq(f.corr, 1);
  lw_apiver_resp r;
  cr_assert_eq(lw_apiver_resp_decode(&f.c, 3, &f.a, &r), LW_OK);
  cr_assert_eq(r.ApiKeysCount, 73);
  /* v3 omits features whose minimum is 0 (KAFKA-17011). */
  cr_assert_eq(r.SupportedFeaturesCount, 1);
  cr_assert(str_is(r.SupportedFeatures[0].Name, "metadata.version"));
  cr_assert_eq(r.SupportedFeatures[0].MinVersion, 7);
  cr_assert_eq(r.SupportedFeatures[0].MaxVersion, 27);
  cr_assert_geq(r.FinalizedFeaturesEpoch, 0);
  cr_assert_eq(r.FinalizedFeaturesCount, 4);
  reencode_resp(&f, 3, &r);
  fx_free(&f);
}

Test(api_versions, kafka_v0) {
  fx f;
  fx_req(&f, K "105-handmade-ApiVersions-v0-request.bin", 18, 0);
  lw_apiver_req q;
  cr_assert_eq(lw_apiver_req_decode(&f.c, 0, &q), LW_OK);
  reencode_req(&f, &q);
  fx_free(&f);
  fx_resp(&f, K "105-handmade-ApiVersions-v0-response.bin", 18, 0);
  cr_assert_eq(f.corr, 100);
  lw_apiver_resp r;
  cr_assert_eq(lw_apiver_resp_decode(&f.c, 0, &f.a, &r), LW_OK);
  cr_assert_eq(r.ApiKeysCount, 73);
  cr_assert_eq(f.len, 4 + 2 + 4 + 73 * 6);
  cr_assert_eq(r.ApiKeys[0].ApiKey, 0);
  cr_assert_eq(r.ApiKeys[0].MaxVersion, 13);
  cr_assert_eq(r.SupportedFeaturesCount, 0);
  cr_assert_eq(r.FinalizedFeaturesEpoch, -1);
  reencode_resp(&f, 0, &r);
  fx_free(&f);
}

Test(api_versions, kafka_handmade_v3_v4) {
  const char *files[][2] = {
      {K "106-handmade-ApiVersions-v3-request.bin", K "106-handmade-ApiVersions-v3-response.bin"},
      {K "107-handmade-ApiVersions-v4-request.bin", K "107-handmade-ApiVersions-v4-response.bin"}};
  for (int16_t i = 0; i < 2; i++) {
    int16_t v = (int16_t)(3 + i);
    fx f;
    fx_req(&f, files[i][0], 18, v);
    lw_apiver_req q;
    cr_assert_eq(lw_apiver_req_decode(&f.c, v, &q), LW_OK);
    cr_assert(str_is(q.ClientSoftwareName, "fx-handmade"));
    cr_assert(str_is(q.ClientSoftwareVersion, "0.0.1"));
    reencode_req(&f, &q);
    fx_free(&f);
    fx_resp(&f, files[i][1], 18, v);
    lw_apiver_resp r;
    cr_assert_eq(lw_apiver_resp_decode(&f.c, v, &f.a, &r), LW_OK);
    cr_assert_eq(r.FinalizedFeaturesEpoch, 198);
    cr_assert_eq(r.SupportedFeaturesCount, v == 3 ? 1 : 6);
    reencode_resp(&f, v, &r);
    fx_free(&f);
  }
}

Test(api_versions, kafka_unsupported_version_fallback) {
  fx f;
  fx_resp(&f, K "108-handmade-ApiVersions-v127-response.bin", 18, 127);
  cr_assert_eq(f.corr, 127);
  lw_apiver_resp r;
  cr_assert_eq(lw_apiver_resp_decode(&f.c, 127, &f.a, &r), LW_OK);
  cr_assert_eq(r.ErrorCode, LW_KAFKA_UNSUPPORTED_VERSION);
  cr_assert_eq(r.DecodedVersion, 0);
  cr_assert_eq(r.ApiKeysCount, 1);
  cr_assert_eq(r.ApiKeys[0].ApiKey, 18);
  cr_assert_eq(r.ApiKeys[0].MinVersion, 0);
  cr_assert_eq(r.ApiKeys[0].MaxVersion, 4);
  /* The encoder writes an UNSUPPORTED_VERSION answer in the v0 layout whatever the version. */
  reencode_resp(&f, 127, &r);
  reencode_resp(&f, 4, &r);
  fx_free(&f);
  /* The same bytes read for a v3 request. */
  fx_resp(&f, K "108-handmade-ApiVersions-v127-response.bin", 18, 3);
  cr_assert_eq(lw_apiver_resp_decode(&f.c, 3, &f.a, &r), LW_OK);
  cr_assert_eq(r.DecodedVersion, 0);
  fx_free(&f);
}

Test(api_versions, kafka_invalid_request) {
  fx f;
  fx_req(&f, K "109-handmade-ApiVersions-v3-request.bin", 18, 3);
  lw_apiver_req q;
  cr_assert_eq(lw_apiver_req_decode(&f.c, 3, &q), LW_OK);
  cr_assert(str_is(q.ClientSoftwareName, "bad name!"));
  reencode_req(&f, &q);
  fx_free(&f);
  fx_resp(&f, K "109-handmade-ApiVersions-v3-response.bin", 18, 3);
  lw_apiver_resp r;
  cr_assert_eq(lw_apiver_resp_decode(&f.c, 3, &f.a, &r), LW_OK);
  cr_assert_eq(r.ErrorCode, LW_KAFKA_INVALID_REQUEST);
  cr_assert_eq(r.ApiKeysCount, 0);
  cr_assert_eq(r.ThrottleTimeMs, 0);
  cr_assert_eq(r.FinalizedFeaturesEpoch, -1);
  reencode_resp(&f, 3, &r);
  fx_free(&f);
}

Test(api_versions, mock_v3_reply_keeps_error_code) {
  fx f;
  fx_req(&f, M "001-apiversions-v3-fallback-ApiVersions-v3-request.bin", 18, 3);
  lw_apiver_req q;
  cr_assert_eq(lw_apiver_req_decode(&f.c, 3, &q), LW_OK);
  cr_assert(str_is(q.ClientSoftwareName, "librdkafka"));
  reencode_req(&f, &q);
  fx_free(&f);
  /* The mock answers ErrorCode 35 with a compact count of 1 (meaning 0 entries) followed by
   * one entry and ThrottleTimeMs, and no tag section: no version's layout. The decoder fails
   * but keeps ErrorCode so the caller can fall back to v0, as librdkafka does. */
  fx_resp(&f, M "001-apiversions-v3-fallback-ApiVersions-v3-response.bin", 18, 3);
  lw_apiver_resp r;
  cr_assert_eq(lw_apiver_resp_decode(&f.c, 3, &f.a, &r), LW_ERR_TRUNCATED);
  cr_assert_eq(r.ErrorCode, LW_KAFKA_UNSUPPORTED_VERSION);
  fx_free(&f);
}

Test(api_versions, mock_v0) {
  fx f;
  fx_req(&f, M "002-apiversions-v3-fallback-ApiVersions-v0-request.bin", 18, 0);
  cr_assert(str_is(f.h.ClientId, "rdkafka"));
  lw_apiver_req q;
  cr_assert_eq(lw_apiver_req_decode(&f.c, 0, &q), LW_OK);
  reencode_req(&f, &q);
  fx_free(&f);
  fx_resp(&f, M "002-apiversions-v3-fallback-ApiVersions-v0-response.bin", 18, 0);
  lw_apiver_resp r;
  cr_assert_eq(lw_apiver_resp_decode(&f.c, 0, &f.a, &r), LW_OK);
  cr_assert_eq(r.ErrorCode, 0);
  /* What librdkafka 2.0.2's mock cluster advertises by default. */
  struct {
    int16_t key, lo, hi;
  } want[] = {{0, 0, 7}, {1, 0, 11}, {2, 0, 5}, {3, 0, 2}, {18, 0, 2}, {22, 0, 4}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    int16_t lo, hi;
    cr_assert(lw_apiver_find(&r, want[i].key, &lo, &hi), "key %d", want[i].key);
    cr_assert_eq(lo, want[i].lo, "key %d", want[i].key);
    cr_assert_eq(hi, want[i].hi, "key %d", want[i].key);
  }
  int16_t lo, hi;
  cr_assert_not(lw_apiver_find(&r, LW_API_SASL_HANDSHAKE, &lo, &hi));
  reencode_resp(&f, 0, &r);
  fx_free(&f);
}

/* ---- Round trips over every version ---- */

static lw_apiver_range keys[] = {{0, 3, 13}, {1, 4, 18}, {18, 0, 4}};
static lw_feature sup[] = {{{"metadata.version", 16}, 7, 27}, {{"kraft.version", 13}, 0, 1}};
static lw_feature fin[] = {{{"metadata.version", 16}, 27, 27}};

static lw_apiver_resp make_resp(int16_t v) {
  lw_apiver_resp r = {0};
  r.ErrorCode = 0;
  r.ApiKeys = keys;
  r.ApiKeysCount = 3;
  r.ThrottleTimeMs = v >= 1 ? 250 : 0;
  r.FinalizedFeaturesEpoch = -1;
  r.DecodedVersion = v;
  if (v >= 3) {
    r.SupportedFeatures = sup;
    r.SupportedFeaturesCount = 2;
    r.FinalizedFeaturesEpoch = 0x0102030405LL;
    r.FinalizedFeatures = fin;
    r.FinalizedFeaturesCount = 1;
    r.ZkMigrationReady = true;
  }
  return r;
}

static void assert_feature_eq(const lw_feature *a, const lw_feature *b, int32_t n) {
  for (int32_t i = 0; i < n; i++) {
    cr_assert_eq(a[i].Name.len, b[i].Name.len);
    cr_assert_eq(memcmp(a[i].Name.p, b[i].Name.p, (size_t)a[i].Name.len), 0);
    cr_assert_eq(a[i].MinVersion, b[i].MinVersion);
    cr_assert_eq(a[i].MaxVersion, b[i].MaxVersion);
  }
}

Test(api_versions, round_trip_every_version) {
  for (int16_t v = 0; v <= 4; v++) {
    lw_buf b, b2;
    lw_buf_init(&b, 1 << 16);
    lw_buf_init(&b2, 1 << 16);
    lw_arena a;
    lw_arena_init(&a, 1 << 20);
    /* Request */
    lw_apiver_req q = {lw_str_c("logwire"), lw_str_c("0.1.0-test")}, q2;
    if (v < 3)
      q = (lw_apiver_req){{NULL, 0}, {NULL, 0}};
    cr_assert_eq(lw_apiver_req_encode(&b, v, &q), LW_OK);
    cr_assert_eq(b.len, v >= 3 ? 1 + 7 + 1 + 10 + 1 : 0);
    lw_cur c;
    lw_cur_init(&c, b.data, b.len);
    cr_assert_eq(lw_apiver_req_decode(&c, v, &q2), LW_OK);
    cr_assert_eq(q2.ClientSoftwareName.len, q.ClientSoftwareName.len);
    cr_assert_eq(q2.ClientSoftwareVersion.len, q.ClientSoftwareVersion.len);
    cr_assert_eq(lw_apiver_req_encode(&b2, v, &q2), LW_OK);
    cr_assert_eq(b2.len, b.len);
    if (v >= 3)
      cr_assert_arr_eq(b2.data, b.data, b.len);
    /* Response */
    lw_buf_reset(&b);
    lw_buf_reset(&b2);
    lw_apiver_resp r = make_resp(v), d;
    cr_assert_eq(lw_apiver_resp_encode(&b, v, &r), LW_OK);
    lw_cur_init(&c, b.data, b.len);
    cr_assert_eq(lw_apiver_resp_decode(&c, v, &a, &d), LW_OK, "v%d", v);
    cr_assert_eq(d.ErrorCode, r.ErrorCode);
    cr_assert_eq(d.DecodedVersion, v);
    cr_assert_eq(d.ApiKeysCount, 3);
    cr_assert_arr_eq(d.ApiKeys, keys, sizeof keys);
    cr_assert_eq(d.ThrottleTimeMs, r.ThrottleTimeMs);
    cr_assert_eq(d.SupportedFeaturesCount, r.SupportedFeaturesCount);
    assert_feature_eq(d.SupportedFeatures, r.SupportedFeatures, r.SupportedFeaturesCount);
    cr_assert_eq(d.FinalizedFeaturesEpoch, r.FinalizedFeaturesEpoch);
    cr_assert_eq(d.FinalizedFeaturesCount, r.FinalizedFeaturesCount);
    assert_feature_eq(d.FinalizedFeatures, r.FinalizedFeatures, r.FinalizedFeaturesCount);
    cr_assert_eq(d.ZkMigrationReady, r.ZkMigrationReady);
    cr_assert_eq(lw_apiver_resp_encode(&b2, v, &d), LW_OK);
    cr_assert_eq(b2.len, b.len);
    cr_assert_arr_eq(b2.data, b.data, b.len);
    lw_arena_free(&a);
    lw_buf_free(&b);
    lw_buf_free(&b2);
  }
}

Test(api_versions, unknown_tags_skipped) {
  /* v3 body: ErrorCode 0, no ApiKeys, ThrottleTimeMs 0, tags {7: 3 bytes, 1: epoch 5}. */
  const uint8_t body[] = {0,    0, 1, 0, 0, 0, 0, 2, 7, 3, 0xaa, 0xbb,
                          0xcc, 1, 8, 0, 0, 0, 0, 0, 0, 0, 5};
  lw_cur c;
  lw_cur_init(&c, body, sizeof body);
  lw_arena a;
  lw_arena_init(&a, 1 << 16);
  lw_apiver_resp r;
  cr_assert_eq(lw_apiver_resp_decode(&c, 3, &a, &r), LW_OK);
  cr_assert_eq(r.FinalizedFeaturesEpoch, 5);
  /* A known tag whose size does not match its content is malformed. */
  const uint8_t bad[] = {0, 0, 1, 0, 0, 0, 0, 1, 1, 9, 0, 0, 0, 0, 0, 0, 0, 5, 0};
  lw_cur_init(&c, bad, sizeof bad);
  cr_assert_eq(lw_apiver_resp_decode(&c, 3, &a, &r), LW_ERR_MALFORMED);
  lw_arena_free(&a);
}

Test(api_versions, bad_input) {
  lw_arena a;
  lw_arena_init(&a, 1 << 16);
  lw_apiver_resp r;
  lw_cur c;
  /* v0 with a negative (non-null) count */
  const uint8_t neg[] = {0, 0, 0xff, 0xff, 0xff, 0xfe};
  lw_cur_init(&c, neg, sizeof neg);
  cr_assert_eq(lw_apiver_resp_decode(&c, 0, &a, &r), LW_ERR_MALFORMED);
  /* v0 with a null ApiKeys array: not nullable */
  const uint8_t null_arr[] = {0, 0, 0xff, 0xff, 0xff, 0xff};
  lw_cur_init(&c, null_arr, sizeof null_arr);
  cr_assert_eq(lw_apiver_resp_decode(&c, 0, &a, &r), LW_ERR_MALFORMED);
  /* a count far beyond the bytes */
  const uint8_t huge[] = {0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 1, 0, 0, 0, 1};
  lw_cur_init(&c, huge, sizeof huge);
  cr_assert_eq(lw_apiver_resp_decode(&c, 0, &a, &r), LW_ERR_TRUNCATED);
  /* trailing bytes */
  const uint8_t trail[] = {0, 0, 0, 0, 0, 0, 0};
  lw_cur_init(&c, trail, sizeof trail);
  cr_assert_eq(lw_apiver_resp_decode(&c, 0, &a, &r), LW_ERR_MALFORMED);
  /* an arena too small for the array is an error, not an allocation */
  lw_arena tiny;
  lw_arena_init(&tiny, 16);
  const uint8_t three[] = {0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 2, 0, 2, 0, 0, 0, 3};
  lw_cur_init(&c, three, sizeof three);
  cr_assert_eq(lw_apiver_resp_decode(&c, 0, &tiny, &r), LW_ERR_TOO_LARGE);
  lw_cur_init(&c, three, sizeof three);
  cr_assert_eq(lw_apiver_resp_decode(&c, 0, &a, &r), LW_OK);
  cr_assert_eq(r.ApiKeysCount, 3);
  /* out-of-range versions */
  lw_cur_init(&c, trail, 6);
  cr_assert_eq(lw_apiver_resp_decode(&c, 5, &a, &r), LW_ERR_UNSUPPORTED);
  lw_cur_init(&c, trail, 6);
  cr_assert_eq(lw_apiver_resp_decode(&c, -1, &a, &r), LW_ERR_UNSUPPORTED);
  lw_buf b;
  lw_buf_init(&b, 1024);
  lw_apiver_req q = {LW_STR_NULL, LW_STR_NULL};
  cr_assert_eq(lw_apiver_req_encode(&b, 5, &q), LW_ERR_UNSUPPORTED);
  cr_assert_eq(lw_apiver_req_encode(&b, 3, &q), LW_ERR_INVALID_ARG); /* names not nullable */
  lw_buf_free(&b);
  lw_arena_free(&tiny);
  lw_arena_free(&a);
}
