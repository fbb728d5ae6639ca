/* test_api.c — API keys, version tables, flexible versions, request/response headers, framing,
 * lw_api_decode_body over every fixture (whole, and every truncated prefix), tracing, garbage. */
#include <dirent.h>

#include "lw_test.h"
#include "proto/api_versions.h"
#include "proto/fetch.h"
#include "proto/init_producer_id.h"
#include "proto/list_offsets.h"
#include "proto/metadata.h"
#include "proto/produce.h"

TestSuite(api);

Test(api, names_and_ranges) {
  struct {
    int16_t key;
    const char *name;
    int16_t min, max, flex; /* flex: first flexible version, -1 never */
  } want[] = {
      {0, "Produce", 0, 13, 9},        {1, "Fetch", 4, 18, 12},
      {2, "ListOffsets", 1, 10, 6},    {3, "Metadata", 0, 13, 9},
      {17, "SaslHandshake", 0, 1, -1}, {18, "ApiVersions", 0, 4, 3},
      {22, "InitProducerId", 0, 5, 2}, {36, "SaslAuthenticate", 0, 2, 2},
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    int16_t lo = -7, hi = -7;
    cr_assert_str_eq(lw_api_name(want[i].key), want[i].name);
    cr_assert(lw_api_range(want[i].key, &lo, &hi));
    cr_assert_eq(lo, want[i].min, "%s", want[i].name);
    cr_assert_eq(hi, want[i].max, "%s", want[i].name);
    for (int16_t v = 0; v <= 20; v++) {
      bool flex = want[i].flex >= 0 && v >= want[i].flex;
      cr_assert_eq(lw_api_flexible(want[i].key, v), flex, "%s v%d", want[i].name, v);
      cr_assert_eq(lw_req_header_version(want[i].key, v), flex ? 2 : 1);
      int resp = want[i].key == LW_API_API_VERSIONS ? 0 : flex ? 1 : 0;
      cr_assert_eq(lw_resp_header_version(want[i].key, v), resp, "%s v%d", want[i].name, v);
    }
  }
  int16_t lo = 5, hi = 5;
  /* Keys logwire does not implement are still named; keys Kafka does not define are not. */
  cr_assert_str_eq(lw_api_name(10), "FindCoordinator");
  cr_assert_str_eq(lw_api_name(57), "UpdateFeatures");
  cr_assert_str_eq(lw_api_name(1000), "Unknown");
  cr_assert_str_eq(lw_api_name(-1), "Unknown");
  cr_assert_not(lw_api_range(10, &lo, &hi));
  cr_assert_eq(lo, 5);
  cr_assert_not(lw_api_flexible(10, 6));
  cr_assert_not(lw_api_flexible(-1, 0));
  /* A newer ApiVersions than logwire implements is still flexible (header v2). */
  cr_assert(lw_api_flexible(LW_API_API_VERSIONS, 127));
}

Test(api, request_header_v1_and_v2_bytes) {
  lw_buf b;
  lw_buf_init(&b, 1024);
  lw_req_header h = {LW_API_METADATA, 4, 0x01020304, lw_str_c("ab")};
  cr_assert_eq(lw_req_header_encode(&b, &h), LW_OK);
  const uint8_t v1[] = {0, 3, 0, 4, 1, 2, 3, 4, 0, 2, 'a', 'b'};
  cr_assert_eq(b.len, sizeof v1);
  cr_assert_arr_eq(b.data, v1, sizeof v1);
  lw_buf_reset(&b);
  h = (lw_req_header){LW_API_METADATA, 9, -1, LW_STR_NULL};
  cr_assert_eq(lw_req_header_encode(&b, &h), LW_OK);
  const uint8_t v2[] = {0, 3, 0, 9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0};
  cr_assert_eq(b.len, sizeof v2);
  cr_assert_arr_eq(b.data, v2, sizeof v2);
  lw_cur c;
  lw_cur_init(&c, b.data, b.len);
  lw_req_header d;
  cr_assert_eq(lw_req_header_decode(&c, &d), LW_OK);
  cr_assert_eq(lw_cur_done(&c), LW_OK);
  cr_assert_eq(d.ApiKey, 3);
  cr_assert_eq(d.ApiVersion, 9);
  cr_assert_eq(d.CorrelationId, -1);
  cr_assert_eq(d.ClientId.len, -1);
  lw_buf_free(&b);
}

Test(api, response_headers) {
  lw_buf b;
  lw_buf_init(&b, 64);
  cr_assert_eq(lw_resp_header_encode(&b, LW_API_PRODUCE, 9, 7), LW_OK);
  cr_assert_eq(b.len, 5);
  cr_assert_eq(lw_resp_header_encode(&b, LW_API_API_VERSIONS, 4, 8), LW_OK);
  cr_assert_eq(b.len, 9); /* ApiVersions: always header v0 */
  cr_assert_eq(lw_resp_header_encode(&b, LW_API_SASL_HANDSHAKE, 1, 9), LW_OK);
  cr_assert_eq(b.len, 13);
  lw_cur c;
  lw_cur_init(&c, b.data, b.len);
  int32_t corr;
  cr_assert_eq(lw_resp_header_decode(&c, LW_API_PRODUCE, 9, &corr), LW_OK);
  cr_assert_eq(corr, 7);
  cr_assert_eq(lw_resp_header_decode(&c, LW_API_API_VERSIONS, 4, &corr), LW_OK);
  cr_assert_eq(corr, 8);
  cr_assert_eq(lw_resp_header_decode(&c, LW_API_SASL_HANDSHAKE, 1, &corr), LW_OK);
  cr_assert_eq(corr, 9);
  cr_assert_eq(lw_cur_done(&c), LW_OK);
  lw_buf_free(&b);
}

Test(api, request_headers_from_fixtures) {
  fx f;
  fx_req(&f, "kafka-4.1.0/001-java-producer-none-ApiVersions-v4-request.bin", 18, 4);
  cr_assert_eq(f.h.CorrelationId, 0);
  cr_assert(str_is(f.h.ClientId, "console-producer"));
  cr_assert_eq(f.header_len, 4 + 4 + 2 + 16 + 1); /* header v2 */
  fx_free(&f);
  fx_req(&f, "kafka-4.1.0/105-handmade-ApiVersions-v0-request.bin", 18, 0);
  cr_assert_eq(f.h.CorrelationId, 100);
  cr_assert(str_is(f.h.ClientId, "fx-handmade"));
  cr_assert_eq(f.header_len, f.len); /* v0: empty body, header v1 */
  fx_free(&f);
  fx_req(&f, "kafka-4.1.0/108-handmade-ApiVersions-v127-request.bin", 18, 127);
  cr_assert_eq(f.h.CorrelationId, 127);
  cr_assert_eq(f.header_len, 4 + 4 + 2 + 11 + 1); /* header v2 for an unknown version too */
  /* The body of a version logwire does not implement is refused. */
  cr_assert_eq(lw_api_decode_body(&f.c, 18, 127, true, &f.a), LW_ERR_UNSUPPORTED);
  fx_free(&f);
}

Test(api, frame_begin_end_with_splice) {
  lw_buf b;
  lw_buf_init(&b, 1 << 16);
  uint8_t big[5000];
  memset(big, 0xab, sizeof big);
  size_t off = lw_frame_begin(&b);
  lw_buf_put_i16(&b, 1);
  lw_buf_splice(&b, big, sizeof big);
  lw_buf_put_i16(&b, 2);
  cr_assert_eq(lw_frame_end(&b, off), LW_OK);
  lw_buf flat;
  lw_buf_init(&flat, 1 << 16);
  cr_assert_eq(lw_buf_flatten(&b, &flat), LW_OK);
  cr_assert_eq(flat.len, 4 + 2 + 5000 + 2);
  size_t n = 0;
  cr_assert_eq(lw_frame_peek(flat.data, flat.len, 1 << 20, &n), LW_OK);
  cr_assert_eq(n, 5004);
  /* A second frame after the first. */
  off = lw_frame_begin(&b);
  cr_assert_eq(lw_frame_end(&b, off), LW_OK);
  cr_assert_eq(lw_buf_flatten(&b, &flat), LW_OK);
  cr_assert_eq(lw_frame_peek(flat.data + 5008, flat.len - 5008, 16, &n), LW_OK);
  cr_assert_eq(n, 0);
  cr_assert_eq(lw_frame_end(&b, b.len), LW_ERR_INVALID_ARG);
  lw_buf_free(&flat);
  lw_buf_free(&b);
}

Test(api, flatten_empty_buffer) {
  /* An ApiVersions v0 request body is empty: flattening it must be fine (UBSan checks). */
  lw_buf b, flat;
  lw_buf_init(&b, 64);
  lw_buf_init(&flat, 64);
  lw_apiver_req q = {{NULL, 0}, {NULL, 0}};
  cr_assert_eq(lw_apiver_req_encode(&b, 0, &q), LW_OK);
  cr_assert_eq(b.len, 0);
  cr_assert_eq(lw_buf_flatten(&b, &flat), LW_OK);
  cr_assert_eq(flat.len, 0);
  lw_buf_free(&flat);
  lw_buf_free(&b);
}

Test(api, frame_peek_edges) {
  const uint8_t ok[] = {0, 0, 0, 2, 9, 9, 7};
  size_t n = 99;
  for (size_t len = 0; len < 6; len++)
    cr_assert_eq(lw_frame_peek(ok, len, 100, &n), LW_ERR_NEED_MORE, "len %zu", len);
  cr_assert_eq(n, 99);
  cr_assert_eq(lw_frame_peek(ok, 6, 100, &n), LW_OK);
  cr_assert_eq(n, 2);
  cr_assert_eq(lw_frame_peek(ok, 7, 100, &n), LW_OK); /* trailing bytes are the next frame */
  cr_assert_eq(lw_frame_peek(ok, 7, 1, &n), LW_ERR_TOO_LARGE);
  const uint8_t neg[] = {0x80, 0, 0, 0};
  cr_assert_eq(lw_frame_peek(neg, 4, 100, &n), LW_ERR_MALFORMED);
  const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
  cr_assert_eq(lw_frame_peek(huge, 4, 1 << 20, &n), LW_ERR_TOO_LARGE);
}

/* ---- Every fixture through lw_api_decode_body ---- */

typedef struct fixture_name {
  int16_t api, version;
  bool request;
} fixture_name;

static bool parse_name(const char *name, fixture_name *out) {
  static const struct {
    const char *pat;
    int16_t key;
  } apis[] = {{"-Produce-v", 0},         {"-Fetch-v", 1},
              {"-ListOffsets-v", 2},     {"-Metadata-v", 3},
              {"-SaslHandshake-v", 17},  {"-ApiVersions-v", 18},
              {"-InitProducerId-v", 22}, {"-SaslAuthenticate-v", 36}};
  size_t n = strlen(name);
  if (n < 4 || strcmp(name + n - 4, ".bin") != 0)
    return false;
  for (size_t i = 0; i < sizeof apis / sizeof *apis; i++) {
    const char *p = strstr(name, apis[i].pat);
    if (p) {
      out->api = apis[i].key;
      out->version = (int16_t)atoi(p + strlen(apis[i].pat));
      out->request = strstr(name, "-request.bin") != NULL;
      return true;
    }
  }
  return false;
}

/* Frames that are expected not to decode, with the error they give. */
static const struct {
  const char *file;
  int err;
} known_bad[] = {
    /* A version logwire does not implement (the broker itself does not parse it either). */
    {"kafka-4.1.0/108-handmade-ApiVersions-v127-request.bin", LW_ERR_UNSUPPORTED},
    /* The mock's UNSUPPORTED_VERSION reply to a v3 request fits no layout (see README). */
    {"librdkafka-2.0.2-mock/001-apiversions-v3-fallback-ApiVersions-v3-response.bin",
     LW_ERR_TRUNCATED},
    /* The mock writes LogStartOffset from v6 on; the spec (and librdkafka) read it from v5. */
    {"librdkafka-2.0.2-mock/013-produce-v5-Produce-v5-response.bin", LW_ERR_TRUNCATED},
};

static int expected_error(const char *rel) {
  for (size_t i = 0; i < sizeof known_bad / sizeof *known_bad; i++)
    if (strcmp(known_bad[i].file, rel) == 0)
      return known_bad[i].err;
  return LW_OK;
}

static int decode_frame(lw_cur *c, lw_arena *a, void *ud) {
  const fixture_name *fn = ud;
  int err;
  if (fn->request) {
    lw_req_header h;
    err = lw_req_header_decode(c, &h);
    if (!err && (h.ApiKey != fn->api || h.ApiVersion != fn->version))
      err = LW_ERR_MALFORMED;
  } else {
    int32_t corr;
    err = lw_resp_header_decode(c, fn->api, fn->version, &corr);
  }
  if (!err)
    err = lw_api_decode_body(c, fn->api, fn->version, fn->request, a);
  return err;
}

typedef void (*fixture_fn)(const char *rel, const fixture_name *fn, const uint8_t *p, size_t n);

static int each_fixture(fixture_fn fnc) {
  const char *dirs[] = {"kafka-4.1.0", "librdkafka-2.0.2-mock"};
  int count = 0;
  for (size_t d = 0; d < 2; d++) {
    char *path = fx_path(dirs[d]);
    DIR *dir = opendir(path);
    cr_assert(dir, "cannot open %s", path);
    struct dirent *e;
    while ((e = readdir(dir))) {
      fixture_name fn;
      if (!parse_name(e->d_name, &fn))
        continue;
      char rel[512];
      snprintf(rel, sizeof rel, "%s/%s", dirs[d], e->d_name);
      size_t n;
      uint8_t *p = fx_read(rel, &n);
      fnc(rel, &fn, p, n);
      free(p);
      count++;
    }
    closedir(dir);
    free(path);
  }
  return count;
}

static void check_whole(const char *rel, const fixture_name *fn, const uint8_t *p, size_t n) {
  lw_cur c;
  lw_cur_init(&c, p, n);
  lw_arena a;
  lw_arena_init(&a, 1 << 24);
  int err = decode_frame(&c, &a, (void *)fn);
  cr_assert_eq(err, expected_error(rel), "%s: %s", rel, lw_err_name(err));
  lw_arena_free(&a);
}

Test(api, every_fixture_decodes) {
  cr_assert_geq(each_fixture(check_whole), 80);
}

static void check_prefixes(const char *rel, const fixture_name *fn, const uint8_t *p, size_t n) {
  assert_prefixes_fail(p, n, decode_frame, (void *)fn, rel);
}

Test(api, every_truncated_prefix_fails) {
  cr_assert_geq(each_fixture(check_prefixes), 80);
}

Test(api, decode_body_dispatch_errors) {
  const uint8_t body[] = {0, 0, 0, 0};
  lw_arena a;
  lw_arena_init(&a, 1 << 16);
  lw_cur c;
  lw_cur_init(&c, body, sizeof body);
  cr_assert_eq(lw_api_decode_body(&c, 10, 0, true, &a), LW_ERR_UNSUPPORTED); /* FindCoordinator */
  lw_cur_init(&c, body, sizeof body);
  cr_assert_eq(lw_api_decode_body(&c, LW_API_FETCH, 3, false, &a), LW_ERR_UNSUPPORTED);
  lw_cur_init(&c, body, sizeof body);
  cr_assert_eq(lw_api_decode_body(&c, LW_API_METADATA, 14, true, &a), LW_ERR_UNSUPPORTED);
  lw_cur_init(&c, body, sizeof body);
  cr_assert_eq(lw_api_decode_body(&c, LW_API_LIST_OFFSETS, 0, true, &a), LW_ERR_UNSUPPORTED);
  /* SaslHandshake v0 response: ErrorCode 0, Mechanisms [] — four bytes short of the count. */
  lw_cur_init(&c, body, sizeof body);
  cr_assert_eq(lw_api_decode_body(&c, LW_API_SASL_HANDSHAKE, 0, false, &a), LW_ERR_TRUNCATED);
  const uint8_t hs[] = {0, 0, 0, 0, 0, 0};
  lw_cur_init(&c, hs, sizeof hs);
  cr_assert_eq(lw_api_decode_body(&c, LW_API_SASL_HANDSHAKE, 1, false, &a), LW_OK);
  lw_arena_free(&a);
}

/* Decode a body with the typed decoder, encode it again with the typed encoder. Returns the
 * decoder's error; on success `out` holds the re-encoded body. */
static int reencode_body(lw_cur *c, int16_t k, int16_t v, bool req, lw_arena *a, lw_buf *out) {
  union {
    lw_apiver_req avq;
    lw_apiver_resp avr;
    lw_md_req mdq;
    lw_md_resp mdr;
    lw_produce_req prq;
    lw_produce_resp prr;
    lw_initpid_req ipq;
    lw_initpid_resp ipr;
    lw_lo_req loq;
    lw_lo_resp lor;
    lw_fetch_req fq;
    lw_fetch_resp fr;
  } m;
  int err;
#define RT(dec, enc, field)                                                                        \
  if ((err = (dec)) == LW_OK)                                                                      \
    cr_assert_eq(enc(out, v, &m.field), LW_OK);
  switch (k) {
    case LW_API_API_VERSIONS:
      if (req) {
        RT(lw_apiver_req_decode(c, v, &m.avq), lw_apiver_req_encode, avq)
      } else {
        RT(lw_apiver_resp_decode(c, v, a, &m.avr), lw_apiver_resp_encode, avr)
      }
      break;
    case LW_API_METADATA:
      if (req) {
        RT(lw_md_req_decode(c, v, a, &m.mdq), lw_md_req_encode, mdq)
      } else {
        RT(lw_md_resp_decode(c, v, a, &m.mdr), lw_md_resp_encode, mdr)
      }
      break;
    case LW_API_PRODUCE:
      if (req) {
        RT(lw_produce_req_decode(c, v, a, &m.prq), lw_produce_req_encode, prq)
      } else {
        RT(lw_produce_resp_decode(c, v, a, &m.prr), lw_produce_resp_encode, prr)
      }
      break;
    case LW_API_INIT_PRODUCER_ID:
      if (req) {
        RT(lw_initpid_req_decode(c, v, &m.ipq), lw_initpid_req_encode, ipq)
      } else {
        RT(lw_initpid_resp_decode(c, v, &m.ipr), lw_initpid_resp_encode, ipr)
      }
      break;
    case LW_API_LIST_OFFSETS:
      if (req) {
        RT(lw_lo_req_decode(c, v, a, &m.loq), lw_lo_req_encode, loq)
      } else {
        RT(lw_lo_resp_decode(c, v, a, &m.lor), lw_lo_resp_encode, lor)
      }
      break;
    case LW_API_FETCH:
      if (req) {
        RT(lw_fetch_req_decode(c, v, a, &m.fq), lw_fetch_req_encode, fq)
      } else {
        RT(lw_fetch_resp_decode(c, v, a, &m.fr), lw_fetch_resp_encode, fr)
      }
      break;
    default:
      err = LW_ERR_UNSUPPORTED;
  }
#undef RT
  return err;
}

static void check_reencode(const char *rel, const fixture_name *fn, const uint8_t *p, size_t n) {
  if (expected_error(rel) != LW_OK)
    return;
  lw_cur c;
  lw_cur_init(&c, p, n);
  lw_arena a;
  lw_arena_init(&a, 1 << 24);
  lw_buf b;
  lw_buf_init(&b, 1 << 24);
  if (fn->request) {
    lw_req_header h;
    cr_assert_eq(lw_req_header_decode(&c, &h), LW_OK);
    cr_assert_eq(lw_req_header_encode(&b, &h), LW_OK);
  } else {
    int32_t corr;
    cr_assert_eq(lw_resp_header_decode(&c, fn->api, fn->version, &corr), LW_OK);
    cr_assert_eq(lw_resp_header_encode(&b, fn->api, fn->version, corr), LW_OK);
  }
  cr_assert_eq(reencode_body(&c, fn->api, fn->version, fn->request, &a, &b), LW_OK, "%s", rel);
  lw_buf flat;
  lw_buf_init(&flat, 1 << 24);
  cr_assert_eq(lw_buf_flatten(&b, &flat), LW_OK);
  cr_assert_eq(flat.len, n, "%s: %zu bytes re-encoded, %zu in the file", rel, flat.len, n);
  cr_assert_eq(memcmp(flat.data, p, n), 0, "%s differs", rel);
  lw_buf_free(&flat);
  lw_buf_free(&b);
  lw_arena_free(&a);
}

/* Every fixture (but the known-bad ones): header and body decoded with the typed decoders and
 * encoded again give the file's bytes exactly. */
Test(api, every_fixture_reencodes_byte_for_byte) {
  cr_assert_geq(each_fixture(check_reencode), 80);
}

/* ---- Tracing ---- */

Test(api, trace_reports_names_offsets_and_values) {
  static rec_log r;
  memset(&r, 0, sizeof r);
  lw_trace t = {rec_cb, &r, 0};
  fx f;
  fx_resp(&f, "kafka-4.1.0/002-java-producer-none-Metadata-v13-response.bin", 3, 13);
  lw_cur_init(&f.c, f.p, f.len);
  f.c.tr = &t;
  int32_t corr;
  cr_assert_eq(lw_resp_header_decode(&f.c, 3, 13, &corr), LW_OK);
  cr_assert_eq(lw_api_decode_body(&f.c, 3, 13, false, &f.a), LW_OK);
  cr_assert_eq(t.depth, 0, "every opened level was closed");

  const rec_field *h = rec_find(&r, "Brokers[0].Host");
  cr_assert(h);
  /* header 5, ThrottleTimeMs 4, Brokers length 1, NodeId 4: Host at 14, 1 + 9 bytes */
  cr_assert_eq(h->off, 14);
  cr_assert_eq(h->len, 10);
  cr_assert_eq(h->depth, 1);
  cr_assert_str_eq(h->type, "compact_string");
  cr_assert_str_eq(h->value, "\"127.0.0.1\" (9 bytes)");
  cr_assert_eq(memcmp(f.p + h->off + 1, "127.0.0.1", 9), 0);
  const rec_field *port = rec_find(&r, "Brokers[0].Port");
  cr_assert(port);
  cr_assert_eq(port->off, 24);
  cr_assert_str_eq(port->value, "9092");
  const rec_field *cid = rec_find(&r, "ClusterId");
  cr_assert(cid);
  cr_assert_str_eq(cid->value, "\"gtcKyoaxvECCO2W962IiOQ\" (22 bytes)");
  const rec_field *corrf = rec_find(&r, "ResponseHeader.CorrelationId");
  cr_assert(corrf);
  cr_assert_eq(corrf->off, 0);
  cr_assert_str_eq(corrf->value, "1");
  const rec_field *leader = rec_find(&r, "Topics[0].Partitions[2].LeaderId");
  cr_assert(leader);
  cr_assert_str_eq(leader->value, "1");
  cr_assert_eq(leader->depth, 2);
  const rec_field *tid = rec_find(&r, "Topics[0].TopicId");
  cr_assert(tid);
  cr_assert_str_eq(tid->value, "2ad300644eff48128cc49767d959277e");
  /* The last field ends where the frame ends. */
  const rec_field *last = &r.f[r.n - 1];
  cr_assert_eq(last->off + last->len, f.len);
  fx_free(&f);
}

Test(api, trace_tagged_fields_and_sub_cursors) {
  static rec_log r;
  memset(&r, 0, sizeof r);
  lw_trace t = {rec_cb, &r, 0};
  fx f;
  fx_resp(&f, "kafka-4.1.0/001-java-producer-none-ApiVersions-v4-response.bin", 18, 4);
  f.c.tr = &t;
  cr_assert_eq(lw_api_decode_body(&f.c, 18, 4, false, &f.a), LW_OK);
  const rec_field *epoch = rec_find(&r, "FinalizedFeaturesEpoch");
  cr_assert(epoch);
  cr_assert_str_eq(epoch->value, "31");
  cr_assert_eq(epoch->len, 8);
  /* Offsets inside a tagged field's sub-cursor are relative to the frame too. */
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | f.p[epoch->off + (size_t)i];
  cr_assert_eq(v, 31);
  const rec_field *name = rec_find(&r, "SupportedFeatures[0].Name");
  cr_assert(name);
  cr_assert_str_eq(name->value, "\"group.version\" (13 bytes)");
  cr_assert_eq(memcmp(f.p + name->off + 1, "group.version", 13), 0);
  fx_free(&f);
}

/* ---- Garbage ---- */

static uint32_t rng(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

Test(api, garbage_never_crashes) {
  static const int16_t keys[] = {0, 1, 2, 3, 17, 18, 22, 36};
  uint32_t seed = 12345;
  uint8_t buf[256];
  for (int iter = 0; iter < 3000; iter++) {
    size_t n = rng(&seed) % sizeof buf;
    for (size_t i = 0; i < n; i++) {
      uint32_t x = rng(&seed);
      /* Mostly small bytes and 0xff so lengths and counts are sometimes plausible. */
      buf[i] = (uint8_t)((x & 3) == 0 ? 0xff : (x & 3) == 1 ? (x >> 8) : (x >> 8) & 3);
    }
    int16_t key = keys[rng(&seed) % 8], lo, hi;
    cr_assert(lw_api_range(key, &lo, &hi));
    for (int16_t v = lo; v <= hi; v++) {
      for (int req = 0; req < 2; req++) {
        uint8_t *q = malloc(n ? n : 1);
        memcpy(q, buf, n);
        lw_cur c;
        lw_cur_init(&c, q, n);
        lw_arena a;
        lw_arena_init(&a, 1 << 16);
        int err = lw_api_decode_body(&c, key, v, req, &a);
        cr_assert(err == LW_OK || (err < 0 && err != LW_ERR_NEED_MORE), "%d", err);
        if (err == LW_OK)
          cr_assert_eq(c.pos, n);
        lw_arena_free(&a);
        free(q);
      }
    }
  }
}
