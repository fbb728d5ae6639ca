/* http.h — the HTTP/1.1 codec, sans-I/O: request and response heads parsed from bytes,
 * chunked transfer encoding decoded incrementally, requests and responses written into an
 * lw_buf. No sockets: the stats server, the etcd client and the console drive it.
 *
 * Parsing borrows the caller's bytes: names, values, method, target and reason point into
 * them (not NUL-terminated) and stay valid as long as those bytes do. Every size has a cap:
 * the head (max_head bytes), the header count (LW_HTTP_MAX_HEADERS), a chunk-size line, a
 * chunked body's total (the output buffer's ceiling). */
#ifndef LW_BASE_HTTP_H
#define LW_BASE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define LW_HTTP_MAX_HEADERS 32

typedef struct lw_http_field {
  const char *name, *value; /* borrowed, value trimmed of surrounding blanks */
  size_t name_len, value_len;
} lw_http_field;

typedef struct lw_http_head {
  /* Request line (requests only). */
  const char *method, *target;
  size_t method_len, target_len;
  /* Status line (responses only). */
  int status;
  const char *reason;
  size_t reason_len;
  int minor;       /* HTTP/1.minor; a major version other than 1 parses with minor = -1 */
  size_t head_len; /* bytes of the head, the ending empty line included */
  lw_http_field fields[LW_HTTP_MAX_HEADERS];
  size_t nfields;
  /* Derived from the fields. */
  int64_t content_length; /* -1 when absent */
  bool chunked;           /* Transfer-Encoding ends with "chunked" */
  bool close;             /* Connection: close, or HTTP/1.0 without keep-alive */
} lw_http_head;

/* Parse a request head from p[0..len). Returns LW_OK (h filled, h->head_len bytes used),
 * LW_ERR_NEED_MORE (no complete head yet, and len < max_head), LW_ERR_TOO_LARGE (no complete
 * head within max_head bytes, or more than LW_HTTP_MAX_HEADERS fields) or LW_ERR_MALFORMED
 * (bad request line, field syntax, control bytes, conflicting or invalid framing). A version
 * other than 1.x is not an error: minor is -1 and the caller answers 505. */
int lw_http_parse_request(const void *p, size_t len, size_t max_head, lw_http_head *h);
/* The same for a response head ("HTTP/1.1 200 OK"). */
int lw_http_parse_response(const void *p, size_t len, size_t max_head, lw_http_head *h);

/* The first field called `name` (case-insensitive), or NULL. */
const lw_http_field *lw_http_find(const lw_http_head *h, const char *name);

/* Incremental chunked-body decoder (RFC 9112 7.1). Chunk extensions and trailer fields are
 * read and dropped. */
typedef struct lw_http_chunked {
  int state;
  uint64_t left;  /* data bytes left in the current chunk */
  size_t linelen; /* bytes of the current size/trailer line seen, capped */
  bool digits;    /* the size line had a hex digit */
} lw_http_chunked;

void lw_http_chunked_init(lw_http_chunked *d);
/* Decode p[0..len), appending body bytes to out. *used = bytes of p consumed. Returns LW_OK
 * when the body ended (last chunk and trailers; *used stops right after), LW_ERR_NEED_MORE
 * when every byte was consumed and more are due, LW_ERR_MALFORMED on bad syntax or an
 * over-long line, or out's error (LW_ERR_TOO_LARGE at its ceiling: the body cap). */
int lw_http_chunked_decode(lw_http_chunked *d, const void *p, size_t len, size_t *used,
                           lw_buf *out);

/* The reason phrase for a status ("Not Found"); a generic one for codes it does not list. */
const char *lw_http_reason(int status);

/* Append a request: "METHOD target HTTP/1.1", Host, `extra` (zero or more complete
 * "Name: value\r\n" lines, may be NULL), Content-Length when body is not NULL, then the body.
 * Returns b->err. */
int lw_http_write_request(lw_buf *b, const char *method, const char *target, const char *host,
                          const char *extra, const void *body, size_t len);
/* Append a response with Content-Type ctype, Content-Length len, `extra` header lines (may be
 * NULL); the body unless head_only. Returns b->err. */
int lw_http_write_response(lw_buf *b, int status, const char *ctype, const char *extra,
                           const void *body, size_t len, bool head_only);

/* Split "host:port" / "[v6]:port" into host (brackets removed) and port (0..65535).
 * host/hostlen and port may be NULL/0 to only validate. Returns LW_OK or LW_ERR_CONFIG. */
int lw_http_split_addr(const char *addr, char *host, size_t hostlen, int *port);

/* A parsed "http://host:port/path" or "https://...": scheme, host (brackets removed), port
 * (default 80/443) and path ("" when none). Returns LW_OK or LW_ERR_CONFIG. */
typedef struct lw_http_url {
  bool tls;
  char host[256];
  int port;
  char path[256];
} lw_http_url;
int lw_http_parse_url(const char *url, lw_http_url *u);

#endif
