/* describe_configs.h — DescribeConfigs (key 32) v0–v4: the configuration of topics and brokers.
 * logwire asks for a topic's max.message.bytes, the largest record batch its leader accepts, so
 * that batches are sized below it from the start. v4 is flexible. Conventions as in
 * api_versions.h. */
#ifndef LW_DESCRIBE_CONFIGS_H
#define LW_DESCRIBE_CONFIGS_H

#include "proto/api.h"

/* ResourceType values. */
#define LW_RESOURCE_TOPIC  2
#define LW_RESOURCE_BROKER 4

typedef struct lw_dc_req_resource {
  int8_t ResourceType;
  lw_str ResourceName;
  lw_str *ConfigurationKeys; /* nullable array: -1 (null) lists every key */
  int32_t ConfigurationKeysCount;
} lw_dc_req_resource;

typedef struct lw_dc_req {
  lw_dc_req_resource *Resources;
  int32_t ResourcesCount;
  bool IncludeSynonyms;      /* v1+ */
  bool IncludeDocumentation; /* v3+ */
} lw_dc_req;

typedef struct lw_dc_synonym {
  lw_str Name;
  lw_str Value; /* nullable */
  int8_t Source;
} lw_dc_synonym;

typedef struct lw_dc_config {
  lw_str Name;
  lw_str Value; /* nullable */
  bool ReadOnly;
  bool IsDefault;      /* v0 only */
  int8_t ConfigSource; /* v1+, default -1 */
  bool IsSensitive;
  lw_dc_synonym *Synonyms; /* v1+ */
  int32_t SynonymsCount;
  int8_t ConfigType;    /* v3+, default 0 */
  lw_str Documentation; /* v3+, nullable */
} lw_dc_config;

typedef struct lw_dc_result {
  int16_t ErrorCode;
  lw_str ErrorMessage; /* nullable */
  int8_t ResourceType;
  lw_str ResourceName;
  lw_dc_config *Configs;
  int32_t ConfigsCount;
} lw_dc_result;

typedef struct lw_dc_resp {
  int32_t ThrottleTimeMs;
  lw_dc_result *Results;
  int32_t ResultsCount;
} lw_dc_resp;

/* Encoders append to b and return b->err (LW_ERR_UNSUPPORTED for a version outside 0–4).
 * Decoders return LW_OK or an error; strings borrow from the input, arrays come from `a`. */
int lw_dc_req_encode(lw_buf *b, int16_t version, const lw_dc_req *r);
int lw_dc_req_decode(lw_cur *c, int16_t version, lw_arena *a, lw_dc_req *r);
int lw_dc_resp_encode(lw_buf *b, int16_t version, const lw_dc_resp *r);
int lw_dc_resp_decode(lw_cur *c, int16_t version, lw_arena *a, lw_dc_resp *r);

/* The value of config `name` in result r, parsed as a positive integer (max.message.bytes).
 * Returns LW_OK, LW_ERR_NOT_FOUND (absent or null) or LW_ERR_MALFORMED (not a number). */
int lw_dc_result_int(const lw_dc_result *r, const char *name, int64_t *out);

#endif
