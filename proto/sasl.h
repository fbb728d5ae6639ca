/* sasl.h — SaslHandshake (key 17) v0–v1 and SaslAuthenticate (key 36) v0–v2: choosing a SASL
 * mechanism, then exchanging its opaque tokens. AuthBytes carry credentials: the decoders
 * trace them redacted. Conventions as in api_versions.h. */
#ifndef LW_SASL_H
#define LW_SASL_H

#include "proto/api.h"

typedef struct lw_sasl_handshake_req {
  lw_str Mechanism; /* "PLAIN", "SCRAM-SHA-256", ... */
} lw_sasl_handshake_req;

typedef struct lw_sasl_handshake_resp {
  int16_t ErrorCode;
  lw_str *Mechanisms; /* the mechanisms the broker enables */
  int32_t MechanismsCount;
} lw_sasl_handshake_resp;

typedef struct lw_sasl_auth_req {
  lw_bytes AuthBytes; /* secret */
} lw_sasl_auth_req;

typedef struct lw_sasl_auth_resp {
  int16_t ErrorCode;
  lw_str ErrorMessage;       /* nullable */
  lw_bytes AuthBytes;        /* secret */
  int64_t SessionLifetimeMs; /* v1+, default 0 (no re-authentication needed) */
} lw_sasl_auth_resp;

int lw_sasl_handshake_req_encode(lw_buf *b, int16_t version, const lw_sasl_handshake_req *r);
int lw_sasl_handshake_req_decode(lw_cur *c, int16_t version, lw_sasl_handshake_req *r);
int lw_sasl_handshake_resp_encode(lw_buf *b, int16_t version, const lw_sasl_handshake_resp *r);
int lw_sasl_handshake_resp_decode(lw_cur *c, int16_t version, lw_arena *a,
                                  lw_sasl_handshake_resp *r);

int lw_sasl_auth_req_encode(lw_buf *b, int16_t version, const lw_sasl_auth_req *r);
int lw_sasl_auth_req_decode(lw_cur *c, int16_t version, lw_sasl_auth_req *r);
int lw_sasl_auth_resp_encode(lw_buf *b, int16_t version, const lw_sasl_auth_resp *r);
int lw_sasl_auth_resp_decode(lw_cur *c, int16_t version, lw_sasl_auth_resp *r);

#endif
