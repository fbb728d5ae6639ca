/* describe_configs.c — DescribeConfigs (key 32) v0–v4 request and response. */
#include "proto/describe_configs.h"

#include <string.h>

#include "proto/codec.h"

int lw_dc_req_encode(lw_buf *b, int16_t version, const lw_dc_req *r) {
  if (lw_codec_check_version(LW_API_DESCRIBE_CONFIGS, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_DESCRIBE_CONFIGS, version);
  lw_put_arr(b, flex, r->ResourcesCount, r->Resources, false); /* Resources, v0+ */
  for (int32_t i = 0; i < r->ResourcesCount && !b->err; i++) {
    const lw_dc_req_resource *s = &r->Resources[i];
    lw_buf_put_u8(b, (uint8_t)s->ResourceType); /* v0+ */
    lw_put_str_nn(b, flex, s->ResourceName);    /* v0+ */
    /* ConfigurationKeys, v0+, nullable: null lists every key. */
    lw_put_arr(b, flex, s->ConfigurationKeysCount, s->ConfigurationKeys, true);
    for (int32_t j = 0; j < s->ConfigurationKeysCount && !b->err; j++)
      lw_put_str_nn(b, flex, s->ConfigurationKeys[j]);
    lw_put_tags_none(b, flex);
  }
  if (version >= 1)
    lw_buf_put_u8(b, r->IncludeSynonyms); /* v1+ */
  if (version >= 3)
    lw_buf_put_u8(b, r->IncludeDocumentation); /* v3+ */
  lw_put_tags_none(b, flex);
  return b->err;
}

int lw_dc_req_decode(lw_cur *c, int16_t version, lw_arena *a, lw_dc_req *r) {
  memset(r, 0, sizeof *r);
  if (lw_codec_check_version(LW_API_DESCRIBE_CONFIGS, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_DESCRIBE_CONFIGS, version);
  /* ResourceType, ResourceName, ConfigurationKeys */
  int32_t n = lw_rd_arr(c, flex, "Resources", flex ? 3 : 7, false);
  r->Resources = lw_rd_alloc(c, a, n, sizeof *r->Resources);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_dc_req_resource *s = &r->Resources[i];
    lw_rd_elem(c, i);
    s->ResourceType = lw_rd_i8(c, "ResourceType");
    s->ResourceName = lw_rd_string(c, flex, "ResourceName");
    int32_t m = lw_rd_arr(c, flex, "ConfigurationKeys", flex ? 1 : 2, true);
    s->ConfigurationKeys = lw_rd_alloc(c, a, m, sizeof *s->ConfigurationKeys);
    for (int32_t j = 0; j < m && !c->err; j++) {
      lw_rd_elem(c, j);
      s->ConfigurationKeys[j] = lw_rd_string(c, flex, "Key");
    }
    lw_rd_array_end(c);
    s->ConfigurationKeysCount = c->err ? 0 : m;
    lw_rd_tags_skip(c, flex);
  }
  lw_rd_array_end(c);
  r->ResourcesCount = c->err ? 0 : n;
  if (version >= 1)
    r->IncludeSynonyms = lw_rd_bool(c, "IncludeSynonyms");
  if (version >= 3)
    r->IncludeDocumentation = lw_rd_bool(c, "IncludeDocumentation");
  lw_rd_tags_skip(c, flex);
  return lw_cur_done(c);
}

int lw_dc_resp_encode(lw_buf *b, int16_t version, const lw_dc_resp *r) {
  if (lw_codec_check_version(LW_API_DESCRIBE_CONFIGS, version) != LW_OK)
    return LW_ERR_UNSUPPORTED;
  bool flex = lw_api_flexible(LW_API_DESCRIBE_CONFIGS, version);
  lw_buf_put_i32(b, r->ThrottleTimeMs);                    /* v0+ */
  lw_put_arr(b, flex, r->ResultsCount, r->Results, false); /* Results, v0+ */
  for (int32_t i = 0; i < r->ResultsCount && !b->err; i++) {
    const lw_dc_result *s = &r->Results[i];
    lw_buf_put_i16(b, s->ErrorCode);            /* v0+ */
    lw_put_str(b, flex, s->ErrorMessage);       /* v0+, nullable */
    lw_buf_put_u8(b, (uint8_t)s->ResourceType); /* v0+ */
    lw_put_str_nn(b, flex, s->ResourceName);    /* v0+ */
    lw_put_arr(b, flex, s->ConfigsCount, s->Configs, false);
    for (int32_t j = 0; j < s->ConfigsCount && !b->err; j++) {
      const lw_dc_config *k = &s->Configs[j];
      lw_put_str_nn(b, flex, k->Name); /* v0+ */
      lw_put_str(b, flex, k->Value);   /* v0+, nullable */
      lw_buf_put_u8(b, k->ReadOnly);   /* v0+ */
      if (version == 0)
        lw_buf_put_u8(b, k->IsDefault); /* v0 only */
      else
        lw_buf_put_u8(b, (uint8_t)k->ConfigSource); /* v1+ */
      lw_buf_put_u8(b, k->IsSensitive);             /* v0+ */
      if (version >= 1) {                           /* Synonyms, v1+ */
        lw_put_arr(b, flex, k->SynonymsCount, k->Synonyms, false);
        for (int32_t s2 = 0; s2 < k->SynonymsCount && !b->err; s2++) {
          lw_put_str_nn(b, flex, k->Synonyms[s2].Name);
          lw_put_str(b, flex, k->Synonyms[s2].Value);
          lw_buf_put_u8(b, (uint8_t)k->Synonyms[s2].Source);
          lw_put_tags_none(b, flex);
        }
      }
      if (version >= 3) {
        lw_buf_put_u8(b, (uint8_t)k->ConfigType); /* v3+ */
        lw_put_str(b, flex, k->Documentation);    /* v3+, nullable */
      }
      lw_put_tags_none(b, flex);
    }
    lw_put_tags_none(b, flex);
  }
  lw_put_tags_none(b, flex);
  return b->err;
}

static void rd_config(lw_cur *c, int16_t version, bool flex, lw_arena *a, lw_dc_config *k) {
  k->Name = lw_rd_string(c, flex, "Name");
  k->Value = lw_rd_nstring(c, flex, "Value");
  k->ReadOnly = lw_rd_bool(c, "ReadOnly");
  k->ConfigSource = -1;
  if (version == 0)
    k->IsDefault = lw_rd_bool(c, "IsDefault");
  else
    k->ConfigSource = lw_rd_i8(c, "ConfigSource");
  k->IsSensitive = lw_rd_bool(c, "IsSensitive");
  if (version >= 1) {
    /* Name, Value, Source */
    int32_t n = lw_rd_arr(c, flex, "Synonyms", flex ? 3 : 5, false);
    k->Synonyms = lw_rd_alloc(c, a, n, sizeof *k->Synonyms);
    for (int32_t i = 0; i < n && !c->err; i++) {
      lw_rd_elem(c, i);
      k->Synonyms[i].Name = lw_rd_string(c, flex, "Name");
      k->Synonyms[i].Value = lw_rd_nstring(c, flex, "Value");
      k->Synonyms[i].Source = lw_rd_i8(c, "Source");
      lw_rd_tags_skip(c, flex);
    }
    lw_rd_array_end(c);
    k->SynonymsCount = c->err ? 0 : n;
  }
  k->Documentation = LW_STR_NULL;
  if (version >= 3) {
    k->ConfigType = lw_rd_i8(c, "ConfigType");
    k->Documentation = lw_rd_nstring(c, flex, "Documentation");
  }
  lw_rd_tags_skip(c, flex);
}

int lw_dc_resp_decode(lw_cur *c, int16_t version, lw_arena *a, lw_dc_resp *r) {
  memset(r, 0, sizeof *r);
  if (lw_codec_check_version(LW_API_DESCRIBE_CONFIGS, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  bool flex = lw_api_flexible(LW_API_DESCRIBE_CONFIGS, version);
  r->ThrottleTimeMs = lw_rd_i32(c, "ThrottleTimeMs");
  /* ErrorCode, ErrorMessage, ResourceType, ResourceName, Configs */
  int32_t n = lw_rd_arr(c, flex, "Results", flex ? 6 : 11, false);
  r->Results = lw_rd_alloc(c, a, n, sizeof *r->Results);
  for (int32_t i = 0; i < n && !c->err; i++) {
    lw_dc_result *s = &r->Results[i];
    lw_rd_elem(c, i);
    s->ErrorCode = lw_rd_i16(c, "ErrorCode");
    s->ErrorMessage = lw_rd_nstring(c, flex, "ErrorMessage");
    s->ResourceType = lw_rd_i8(c, "ResourceType");
    s->ResourceName = lw_rd_string(c, flex, "ResourceName");
    /* Name, Value, ReadOnly, IsDefault/ConfigSource, IsSensitive */
    int32_t m = lw_rd_arr(c, flex, "Configs", flex ? 5 : 7, false);
    s->Configs = lw_rd_alloc(c, a, m, sizeof *s->Configs);
    for (int32_t j = 0; j < m && !c->err; j++) {
      lw_rd_elem(c, j);
      rd_config(c, version, flex, a, &s->Configs[j]);
    }
    lw_rd_array_end(c);
    s->ConfigsCount = c->err ? 0 : m;
    lw_rd_tags_skip(c, flex);
  }
  lw_rd_array_end(c);
  r->ResultsCount = c->err ? 0 : n;
  lw_rd_tags_skip(c, flex);
  return lw_cur_done(c);
}

int lw_dc_result_int(const lw_dc_result *r, const char *name, int64_t *out) {
  for (int32_t i = 0; i < r->ConfigsCount; i++) {
    const lw_dc_config *k = &r->Configs[i];
    if (!lw_str_eq(k->Name, name))
      continue;
    if (k->Value.len <= 0)
      return LW_ERR_NOT_FOUND;
    int64_t v = 0;
    for (int32_t j = 0; j < k->Value.len; j++) {
      char ch = k->Value.p[j];
      if (ch < '0' || ch > '9' || v > (INT64_MAX - 9) / 10)
        return LW_ERR_MALFORMED;
      v = v * 10 + (ch - '0');
    }
    *out = v;
    return LW_OK;
  }
  return LW_ERR_NOT_FOUND;
}
