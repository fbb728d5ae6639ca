/* api_versions.c — ApiVersions (key 18) v0–v4 request and response, including the v0-layout
 * reply a broker sends for a version it does not support. */
#include "proto/api_versions.h"

#include <string.h>

#include "proto/codec.h"

int lw_apiver_req_encode(lw_buf *b, int16_t version, const lw_apiver_req *r) {
  if (lw_codec_check_version(LW_API_API_VERSIONS, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  if (version >= 3) {
    lw_put_str_nn(b, true, r->ClientSoftwareName);    /* v3+ */
    lw_put_str_nn(b, true, r->ClientSoftwareVersion); /* v3+ */
    lw_put_tags_none(b, true);
  }
  return b->err;
}

int lw_apiver_req_decode(lw_cur *c, int16_t version, lw_apiver_req *r) {
  memset(r, 0, sizeof *r);
  if (lw_codec_check_version(LW_API_API_VERSIONS, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  if (version >= 3) {
    r->ClientSoftwareName = lw_rd_string(c, true, "ClientSoftwareName");
    r->ClientSoftwareVersion = lw_rd_string(c, true, "ClientSoftwareVersion");
    lw_rd_tags_skip(c, true);
  }
  return lw_cur_done(c);
}

/* SupportedFeatures entries are Name, MinVersion, MaxVersion; FinalizedFeatures entries are
 * Name, MaxVersionLevel, MinVersionLevel (the spec's order differs between the two). */
static void put_features(lw_buf *b, const lw_feature *f, int32_t n, bool finalized) {
  lw_put_arr(b, true, n, f, false);
  for (int32_t i = 0; i < n && !b->err; i++) {
    lw_put_str_nn(b, true, f[i].Name);
    lw_buf_put_i16(b, finalized ? f[i].MaxVersion : f[i].MinVersion);
    lw_buf_put_i16(b, finalized ? f[i].MinVersion : f[i].MaxVersion);
    lw_put_tags_none(b, true);
  }
}

static lw_feature *rd_features(lw_cur *c, lw_arena *a, const char *name, bool finalized,
                               int32_t *count) {
  int32_t n = lw_rd_arr(c, true, name, 6, false); /* Name >= 1, two int16, tags >= 1 */
  lw_feature *f = lw_rd_alloc(c, a, n, sizeof *f);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_rd_elem(c, i);
    f[i].Name = lw_rd_string(c, true, "Name");
    if (finalized) {
      f[i].MaxVersion = lw_rd_i16(c, "MaxVersionLevel");
      f[i].MinVersion = lw_rd_i16(c, "MinVersionLevel");
    } else {
      f[i].MinVersion = lw_rd_i16(c, "MinVersion");
      f[i].MaxVersion = lw_rd_i16(c, "MaxVersion");
    }
    lw_rd_tags_skip(c, true);
  }
  lw_rd_array_end(c);
  *count = c->err ? 0 : n;
  return f;
}

/* An UNSUPPORTED_VERSION answer always has the v0 layout, whatever version was asked: that is
 * what brokers send, so a fake broker built on this encoder does the same. */
int lw_apiver_resp_encode(lw_buf *b, int16_t version, const lw_apiver_resp *r) {
  if (r->ErrorCode == LW_KAFKA_UNSUPPORTED_VERSION)
    version = 0;
  if (lw_codec_check_version(LW_API_API_VERSIONS, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = version >= 3;
  lw_buf_put_i16(b, r->ErrorCode);                         /* ErrorCode, v0+ */
  lw_put_arr(b, flex, r->ApiKeysCount, r->ApiKeys, false); /* ApiKeys, v0+ */
  for (int32_t i = 0; i < r->ApiKeysCount && !b->err; i++) {
    lw_buf_put_i16(b, r->ApiKeys[i].ApiKey);
    lw_buf_put_i16(b, r->ApiKeys[i].MinVersion);
    lw_buf_put_i16(b, r->ApiKeys[i].MaxVersion);
    lw_put_tags_none(b, flex);
  }
  if (version >= 1)
    lw_buf_put_i32(b, r->ThrottleTimeMs); /* v1+ */
  if (flex) {
    /* Tagged fields are written only when they differ from their defaults, in tag order. */
    bool t0 = r->SupportedFeaturesCount > 0, t1 = r->FinalizedFeaturesEpoch != -1;
    bool t2 = r->FinalizedFeaturesCount > 0, t3 = r->ZkMigrationReady;
    lw_buf_put_uvarint(b, (uint32_t)(t0 + t1 + t2 + t3));
    if (t0) {
      size_t s = lw_tag_begin(b, 0); /* SupportedFeatures, v3+ tag 0 */
      put_features(b, r->SupportedFeatures, r->SupportedFeaturesCount, false);
      lw_tag_end(b, s);
    }
    if (t1) {
      size_t s = lw_tag_begin(b, 1); /* FinalizedFeaturesEpoch, v3+ tag 1 */
      lw_buf_put_i64(b, r->FinalizedFeaturesEpoch);
      lw_tag_end(b, s);
    }
    if (t2) {
      size_t s = lw_tag_begin(b, 2); /* FinalizedFeatures, v3+ tag 2 */
      put_features(b, r->FinalizedFeatures, r->FinalizedFeaturesCount, true);
      lw_tag_end(b, s);
    }
    if (t3) {
      size_t s = lw_tag_begin(b, 3); /* ZkMigrationReady, v3+ tag 3 */
      lw_buf_put_u8(b, 1);
      lw_tag_end(b, s);
    }
  }
  return b->err;
}

static void rd_resp_tags(lw_cur *c, lw_arena *a, lw_apiver_resp *r) {
  uint32_t n = lw_rd_tag_count(c, true);
  for (uint32_t i = 0; i < n && !c->err; i++) {
    lw_cur t;
    switch (lw_rd_tag(c, &t)) {
      case 0:
        r->SupportedFeatures =
            rd_features(&t, a, "SupportedFeatures", false, &r->SupportedFeaturesCount);
        lw_rd_tag_end(c, &t);
        break;
      case 1:
        r->FinalizedFeaturesEpoch = lw_rd_i64(&t, "FinalizedFeaturesEpoch");
        lw_rd_tag_end(c, &t);
        break;
      case 2:
        r->FinalizedFeatures =
            rd_features(&t, a, "FinalizedFeatures", true, &r->FinalizedFeaturesCount);
        lw_rd_tag_end(c, &t);
        break;
      case 3:
        r->ZkMigrationReady = lw_rd_bool(&t, "ZkMigrationReady");
        lw_rd_tag_end(c, &t);
        break;
      default: /* unknown tags are skipped */
        break;
    }
  }
}

int lw_apiver_resp_decode(lw_cur *c, int16_t version, lw_arena *a, lw_apiver_resp *r) {
  memset(r, 0, sizeof *r);
  r->FinalizedFeaturesEpoch = -1;
  r->ErrorCode = lw_rd_i16(c, "ErrorCode");
  if (!c->err && r->ErrorCode == LW_KAFKA_UNSUPPORTED_VERSION) {
    lw_trace_note(c, "Layout", "v0 (UNSUPPORTED_VERSION reply)");
    version = 0;
  }
  if (lw_codec_check_version(LW_API_API_VERSIONS, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  r->DecodedVersion = version;
  bool flex = version >= 3;
  /* ApiKey, MinVersion, MaxVersion (+ tags when flexible) */
  int32_t n = lw_rd_arr(c, flex, "ApiKeys", flex ? 7 : 6, false);
  r->ApiKeys = lw_rd_alloc(c, a, n, sizeof *r->ApiKeys);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_rd_elem(c, i);
    r->ApiKeys[i].ApiKey = lw_rd_i16(c, "ApiKey");
    r->ApiKeys[i].MinVersion = lw_rd_i16(c, "MinVersion");
    r->ApiKeys[i].MaxVersion = lw_rd_i16(c, "MaxVersion");
    lw_rd_tags_skip(c, flex);
  }
  lw_rd_array_end(c);
  r->ApiKeysCount = c->err ? 0 : n;
  if (version >= 1)
    r->ThrottleTimeMs = lw_rd_i32(c, "ThrottleTimeMs");
  if (flex)
    rd_resp_tags(c, a, r);
  return lw_cur_done(c);
}

bool lw_apiver_find(const lw_apiver_resp *r, int16_t api_key, int16_t *min, int16_t *max) {
  for (int32_t i = 0; i < r->ApiKeysCount; i++) {
    if (r->ApiKeys[i].ApiKey == api_key) {
      *min = r->ApiKeys[i].MinVersion;
      *max = r->ApiKeys[i].MaxVersion;
      return true;
    }
  }
  return false;
}
