/* etcd_msg.h — etcd v3 JSON gateway messages, sans-I/O: request bodies written into an lw_buf,
 * responses read from bytes (etcd 3.4's grpc-gateway: proto3 JSON, so keys and values are
 * base64, 64-bit integers are strings, and fields equal to their default are left out — a
 * missing "succeeded" is false, a missing "watch_id" is 0).
 *
 * Endpoints (POST, JSON body): /v3/kv/range, /v3/kv/put, /v3/kv/deleterange, /v3/kv/txn,
 * /v3/watch (a chunked stream of {"result":WatchResponse} lines), /v3/lease/grant,
 * /v3/lease/keepalive (one {"result":...} message, then the stream ends),
 * /v3/auth/authenticate. Errors: {"error":"...","message":"...","code":N} with a gRPC code
 * (stream errors: {"error":{"grpc_code":N,"message":"..."}}). */
#ifndef LW_ETCD_MSG_H
#define LW_ETCD_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"
#include "base/buf.h"

#define LW_ETCD_MAX_TOKENS 8192 /* a range of configs is a few tokens per key */

/* gRPC status codes etcd answers with. */
enum {
  LW_ETCD_CODE_INVALID_ARGUMENT = 3,
  LW_ETCD_CODE_NOT_FOUND = 5,
  LW_ETCD_CODE_PERMISSION_DENIED = 7,
  LW_ETCD_CODE_FAILED_PRECONDITION = 9,
  LW_ETCD_CODE_OUT_OF_RANGE = 11,
  LW_ETCD_CODE_UNAVAILABLE = 14,
  LW_ETCD_CODE_UNAUTHENTICATED = 16,
};

/* ---- Request bodies (each returns b->err) ---- */

/* RangeRequest for key (prefix: every key starting with it). revision > 0 reads that
 * revision (history); keys_only leaves values out. */
int lw_etcd_range_body(lw_buf *b, const char *key, bool prefix, int64_t revision, bool keys_only);
/* PutRequest; lease 0 for none. */
int lw_etcd_put_body(lw_buf *b, const char *key, const void *val, size_t n, int64_t lease);
/* DeleteRangeRequest for one key. */
int lw_etcd_delete_body(lw_buf *b, const char *key);
/* TxnRequest: put key=val only if its mod_revision is still mod_rev (0: the key must not
 * exist); on failure, read it back. A compare-and-swap. */
int lw_etcd_cas_body(lw_buf *b, const char *key, const void *val, size_t n, int64_t mod_rev);
/* TxnRequest with no compare reading each of keys[0..n) at one revision. */
int lw_etcd_multi_get_body(lw_buf *b, const char *const *keys, size_t n);
/* WatchCreateRequests, one per key, concatenated in one body (one stream, watch ids 0..n-1);
 * start_rev 0 for "from now". */
int lw_etcd_watch_body(lw_buf *b, const char *const *keys, size_t n, int64_t start_rev);
/* The console's: a WatchCreateRequest for every key starting with prefix, from start_rev
 * (0: from now). */
int lw_etcd_watch_prefix_body(lw_buf *b, const char *prefix, int64_t start_rev);
/* RangeRequest for the keys starting with prefix, at most limit (0: all), sorted by key,
 * descending when asked (newest first for time-ordered keys). */
int lw_etcd_range_sorted_body(lw_buf *b, const char *prefix, int64_t limit, bool descending);
/* TxnRequest: if key's mod_revision is mod_rev (0: the key must not exist), put val at key
 * (val NULL: delete key) and, when extra_key is set, put extra_val at extra_key (an audit
 * record in the same transaction); otherwise read key back. */
int lw_etcd_cas_with_body(lw_buf *b, const char *key, const void *val, size_t n, int64_t mod_rev,
                          const char *extra_key, const char *extra_val);
int lw_etcd_lease_grant_body(lw_buf *b, int64_t ttl_s);
int lw_etcd_lease_keepalive_body(lw_buf *b, int64_t id);
int lw_etcd_auth_body(lw_buf *b, const char *user, const char *password);

/* ---- Responses ---- */

typedef struct lw_etcd_resp {
  lw_jdoc doc;
  int root;         /* the message (inside "result" for stream messages) */
  int64_t revision; /* header.revision, 0 when absent */
  int code;         /* gRPC code of an error answer, else 0 */
  char message[256];
} lw_etcd_resp;

/* Parse a response body (or one stream message) into r, with toks[cap] as token space.
 * Returns LW_OK (an error answer too: r->code and r->message say which), or
 * LW_ERR_MALFORMED / LW_ERR_TOO_LARGE for bytes that are not such a message. Borrows p and
 * toks for as long as r is used. */
int lw_etcd_resp_parse(lw_etcd_resp *r, const char *p, size_t len, lw_jtok *toks, size_t cap);

typedef struct lw_etcd_kv {
  lw_buf key, value; /* decoded; the caller inits them (lw_buf_init) and frees them */
  int64_t create_revision, mod_revision, version, lease;
} lw_etcd_kv;

/* Decode the KeyValue object at token kv. Returns LW_OK or LW_ERR_MALFORMED. */
int lw_etcd_kv_decode(const lw_jdoc *d, int kv, lw_etcd_kv *out);
/* The "kvs" array of a RangeResponse (or response_range in a txn), or -1. */
int lw_etcd_kvs(const lw_etcd_resp *r, int range_resp);
/* Txn: "succeeded"; the i-th response's inner object (e.g. response_range), or -1. */
bool lw_etcd_txn_succeeded(const lw_etcd_resp *r);
int lw_etcd_txn_response(const lw_etcd_resp *r, uint32_t i, const char *kind);
/* Lease grant/keepalive: ID and TTL (TTL 0 or absent: the lease is gone). */
int64_t lw_etcd_lease_id(const lw_etcd_resp *r);
int64_t lw_etcd_lease_ttl(const lw_etcd_resp *r);
/* Authenticate: the token, NUL-terminated. Returns LW_OK or LW_ERR_MALFORMED. */
int lw_etcd_token(const lw_etcd_resp *r, char *out, size_t n);

/* A WatchResponse (r->root is the "result" object). */
typedef struct lw_etcd_watch_info {
  int64_t watch_id;
  bool created, canceled;
  int64_t compact_revision; /* > 0: the start revision was compacted; read again */
  int events;               /* token of the "events" array, or -1 */
  uint32_t nevents;
} lw_etcd_watch_info;
void lw_etcd_watch_info_get(const lw_etcd_resp *r, lw_etcd_watch_info *w);
/* Event i: its type (false: PUT, true: DELETE) and kv token. Returns the kv token or -1. */
int lw_etcd_event(const lw_etcd_resp *r, const lw_etcd_watch_info *w, uint32_t i, bool *deleted);

/* Split a watch stream's decoded body into messages: the next complete line of in[*pos..len)
 * ([*start, *end) excluding the newline). Returns true when one was found (*pos moves past it). */
bool lw_etcd_next_line(const uint8_t *in, size_t len, size_t *pos, size_t *start, size_t *end);

#endif
