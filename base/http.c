/* http.c — the HTTP/1.1 codec (see http.h): heads, chunked bodies, writers, addresses. */
#include "base/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"

#define MAX_METHOD    16
#define MAX_CHUNKLINE 1024 /* a chunk-size line with extensions, or one trailer field */

static bool is_tchar(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* End of the head ("\n\n" or "\n\r\n"), or 0 when not in p[0..n). Control bytes other than
 * CR, LF and TAB anywhere before it make it malformed (*bad). */
static size_t head_end(const unsigned char *p, size_t n, bool *bad) {
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = p[i];
    if ((ch < 0x20 && ch != '\r' && ch != '\n' && ch != '\t') || ch == 0x7f) {
      *bad = true;
      return 0;
    }
    if (ch != '\n')
      continue;
    if (i + 1 < n && p[i + 1] == '\n')
      return i + 2;
    if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
      return i + 3;
  }
  return 0;
}

/* One line of p[0..n) from *pos: [*ls, *le) without CR LF; *pos moves past it. */
static bool next_line(const char *p, size_t n, size_t *pos, const char **ls, const char **le) {
  if (*pos >= n)
    return false;
  const char *s = p + *pos, *e = memchr(s, '\n', n - *pos);
  if (!e)
    return false;
  *pos = (size_t)(e - p) + 1;
  *ls = s;
  *le = e > s && e[-1] == '\r' ? e - 1 : e;
  return true;
}

/* "HTTP/1.1" at p: sets *minor (-1 for another major version). */
static bool parse_version(const char *p, size_t n, int *minor) {
  if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || p[5] < '0' || p[5] > '9' || p[6] != '.' ||
      p[7] < '0' || p[7] > '9')
    return false;
  *minor = p[5] == '1' ? p[7] - '0' : -1;
  return true;
}

static bool ieq(const char *a, size_t an, const char *b) {
  size_t bn = strlen(b);
  return an == bn && strncasecmp(a, b, an) == 0;
}

/* Does the comma-separated list v contain token tok (case-insensitive)? last: only as the
 * last element. */
static bool has_token(const char *v, size_t n, const char *tok, bool last) {
  const char *end = v + n;
  bool found = false;
  while (v < end) {
    while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
      v++;
    const char *s = v;
    while (v < end && *v != ',')
      v++;
    const char *e = v;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
      e--;
    if (e > s)
      found = ieq(s, (size_t)(e - s), tok) ? true : (last ? false : found);
  }
  return found;
}

/* Header fields from p[pos..head_len) into h, and the framing derived from them. */
static int parse_fields(const char *p, size_t n, size_t pos, lw_http_head *h) {
  const char *ls, *le;
  bool keep_alive = false, saw_close = false, saw_te = false;
  h->nfields = 0;
  h->content_length = -1;
  h->chunked = false;
  while (next_line(p, n, &pos, &ls, &le)) {
    if (le == ls)
      break; /* the empty line ending the head */
    const char *q = ls;
    while (q < le && is_tchar((unsigned char)*q))
      q++;
    if (q == ls || q >= le || *q != ':')
      return LW_ERR_MALFORMED; /* also refuses obsolete line folding (leading blank) */
    if (h->nfields == LW_HTTP_MAX_HEADERS)
      return LW_ERR_TOO_LARGE;
    const char *v = q + 1, *ve = le;
    while (v < ve && (*v == ' ' || *v == '\t'))
      v++;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
      ve--;
    lw_http_field *f = &h->fields[h->nfields++];
    *f = (lw_http_field){
        .name = ls, .name_len = (size_t)(q - ls), .value = v, .value_len = (size_t)(ve - v)};
    if (ieq(f->name, f->name_len, "content-length")) {
      int64_t cl = 0;
      if (f->value_len == 0 || f->value_len > 18)
        return LW_ERR_MALFORMED;
      for (size_t i = 0; i < f->value_len; i++) {
        if (v[i] < '0' || v[i] > '9')
          return LW_ERR_MALFORMED;
        cl = cl * 10 + (v[i] - '0');
      }
      if (h->content_length >= 0 && h->content_length != cl)
        return LW_ERR_MALFORMED; /* two different lengths: request smuggling territory */
      h->content_length = cl;
    } else if (ieq(f->name, f->name_len, "transfer-encoding")) {
      saw_te = true;
      h->chunked = has_token(v, f->value_len, "chunked", true);
    } else if (ieq(f->name, f->name_len, "connection")) {
      saw_close |= has_token(v, f->value_len, "close", false);
      keep_alive |= has_token(v, f->value_len, "keep-alive", false);
    }
  }
  if (saw_te && h->content_length >= 0)
    return LW_ERR_MALFORMED; /* RFC 9112 6.1: both is an attack or a broken peer */
  h->close = saw_close || (h->minor == 0 && !keep_alive);
  return LW_OK;
}

static int find_head(const void *p, size_t len, size_t max_head, lw_http_head *h) {
  bool bad = false;
  size_t n = head_end(p, len < max_head ? len : max_head, &bad);
  if (bad)
    return LW_ERR_MALFORMED;
  if (!n)
    return len >= max_head ? LW_ERR_TOO_LARGE : LW_ERR_NEED_MORE;
  memset(h, 0, sizeof *h);
  h->head_len = n;
  return LW_OK;
}

int lw_http_parse_request(const void *data, size_t len, size_t max_head, lw_http_head *h) {
  int rc = find_head(data, len, max_head, h);
  if (rc != LW_OK)
    return rc;
  const char *p = data, *ls, *le;
  size_t pos = 0;
  next_line(p, h->head_len, &pos, &ls, &le);
  /* Request line: METHOD SP request-target SP HTTP-version */
  const char *q = ls;
  while (q < le && is_tchar((unsigned char)*q))
    q++;
  if (q == ls || q - ls > MAX_METHOD || q >= le || *q != ' ')
    return LW_ERR_MALFORMED;
  h->method = ls;
  h->method_len = (size_t)(q - ls);
  const char *t = ++q;
  while (q < le && *q != ' ' && (unsigned char)*q > 0x20 && *q != 0x7f)
    q++;
  if (q == t || q >= le || *q != ' ')
    return LW_ERR_MALFORMED;
  h->target = t;
  h->target_len = (size_t)(q - t);
  q++;
  if (!parse_version(q, (size_t)(le - q), &h->minor))
    return LW_ERR_MALFORMED;
  return parse_fields(p, h->head_len, pos, h);
}

int lw_http_parse_response(const void *data, size_t len, size_t max_head, lw_http_head *h) {
  int rc = find_head(data, len, max_head, h);
  if (rc != LW_OK)
    return rc;
  const char *p = data, *ls, *le;
  size_t pos = 0;
  next_line(p, h->head_len, &pos, &ls, &le);
  /* Status line: HTTP-version SP 3DIGIT SP [reason-phrase] */
  if (le - ls < 12 || !parse_version(ls, 8, &h->minor) || ls[8] != ' ')
    return LW_ERR_MALFORMED;
  const char *d = ls + 9;
  for (int i = 0; i < 3; i++)
    if (d[i] < '0' || d[i] > '9')
      return LW_ERR_MALFORMED;
  h->status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
  if (h->status < 100 || (ls + 12 < le && d[3] != ' '))
    return LW_ERR_MALFORMED;
  h->reason = ls + 12 < le ? ls + 13 : le;
  h->reason_len = (size_t)(le - h->reason);
  return parse_fields(p, h->head_len, pos, h);
}

const lw_http_field *lw_http_find(const lw_http_head *h, const char *name) {
  for (size_t i = 0; i < h->nfields; i++)
    if (ieq(h->fields[i].name, h->fields[i].name_len, name))
      return &h->fields[i];
  return NULL;
}

/* ---- Chunked transfer coding ---- */

enum { CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER, CH_DONE };

void lw_http_chunked_init(lw_http_chunked *d) {
  memset(d, 0, sizeof *d);
}

static int hexval(unsigned char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

int lw_http_chunked_decode(lw_http_chunked *d, const void *data, size_t len, size_t *used,
                           lw_buf *out) {
  const unsigned char *p = data;
  size_t i = 0;
  int rc = LW_ERR_NEED_MORE;
  while (i < len && rc == LW_ERR_NEED_MORE) {
    unsigned char c = p[i];
    switch (d->state) {
      case CH_SIZE: {
        int v = hexval(c);
        if (v >= 0) {
          if (d->left >> 56)
            rc = LW_ERR_MALFORMED; /* a size past 2^60 */
          d->left = d->left << 4 | (uint64_t)v;
          d->digits = true;
          i++;
        } else if (!d->digits) {
          rc = LW_ERR_MALFORMED;
        } else if (c == ';' || c == ' ' || c == '\t') {
          d->state = CH_EXT;
          d->linelen = 0;
        } else if (c == '\r') {
          d->state = CH_SIZE_LF;
          i++;
        } else if (c == '\n') {
          d->state = CH_SIZE_LF;
        } else {
          rc = LW_ERR_MALFORMED;
        }
        break;
      }
      case CH_EXT: /* chunk extensions: skipped, bounded */
        if (c == '\r' || c == '\n') {
          d->state = CH_SIZE_LF;
          i += c == '\r';
        } else if (++d->linelen > MAX_CHUNKLINE || c < 0x09) {
          rc = LW_ERR_MALFORMED;
        } else {
          i++;
        }
        break;
      case CH_SIZE_LF:
        if (c != '\n') {
          rc = LW_ERR_MALFORMED;
          break;
        }
        i++;
        d->digits = false;
        d->linelen = 0;
        d->state = d->left ? CH_DATA : CH_TRAILER;
        break;
      case CH_DATA: {
        size_t n = len - i;
        if (n > d->left)
          n = (size_t)d->left;
        lw_buf_append(out, p + i, n);
        if (out->err) {
          rc = out->err;
          break;
        }
        i += n;
        d->left -= n;
        if (!d->left)
          d->state = CH_DATA_CR;
        break;
      }
      case CH_DATA_CR:
        if (c == '\r') {
          d->state = CH_DATA_LF;
          i++;
        } else if (c == '\n') {
          d->state = CH_DATA_LF;
        } else {
          rc = LW_ERR_MALFORMED;
        }
        break;
      case CH_DATA_LF:
        if (c != '\n') {
          rc = LW_ERR_MALFORMED;
          break;
        }
        i++;
        d->state = CH_SIZE;
        break;
      case CH_TRAILER: /* trailer fields until an empty line; each bounded */
        i++;
        if (c == '\n') {
          if (d->linelen == 0) {
            d->state = CH_DONE;
            rc = LW_OK;
          }
          d->linelen = 0;
        } else if (c != '\r' && ++d->linelen > MAX_CHUNKLINE) {
          rc = LW_ERR_MALFORMED;
        }
        break;
      default:
        rc = LW_OK;
        break;
    }
  }
  if (rc == LW_ERR_NEED_MORE && d->state == CH_DONE)
    rc = LW_OK;
  *used = i;
  return rc;
}

/* ---- Writers ---- */

const char *lw_http_reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
  }
  return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
}

static void put_str(lw_buf *b, const char *s) {
  lw_buf_append(b, s, strlen(s));
}

int lw_http_write_request(lw_buf *b, const char *method, const char *target, const char *host,
                          const char *extra, const void *body, size_t len) {
  char num[32];
  put_str(b, method);
  put_str(b, " ");
  put_str(b, target);
  put_str(b, " HTTP/1.1\r\nHost: ");
  put_str(b, host);
  put_str(b, "\r\n");
  if (extra)
    put_str(b, extra);
  if (body) {
    snprintf(num, sizeof num, "%zu", len);
    put_str(b, "Content-Length: ");
    put_str(b, num);
    put_str(b, "\r\n");
  }
  put_str(b, "\r\n");
  if (body)
    lw_buf_append(b, body, len);
  return b->err;
}

int lw_http_write_response(lw_buf *b, int status, const char *ctype, const char *extra,
                           const void *body, size_t len, bool head_only) {
  char line[160];
  snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n",
           status, lw_http_reason(status), ctype, len);
  put_str(b, line);
  if (extra)
    put_str(b, extra);
  put_str(b, "\r\n");
  if (!head_only && len)
    lw_buf_append(b, body, len);
  return b->err;
}

/* ---- Addresses ---- */

int lw_http_split_addr(const char *addr, char *host, size_t hostlen, int *port) {
  const char *h = addr, *colon;
  size_t hn;
  if (addr[0] == '[') {
    const char *close = strchr(addr, ']');
    if (!close || close[1] != ':')
      return LW_ERR_CONFIG;
    h = addr + 1;
    hn = (size_t)(close - h);
    colon = close + 1;
  } else {
    colon = strrchr(addr, ':');
    if (!colon)
      return LW_ERR_CONFIG;
    hn = (size_t)(colon - addr);
    if (memchr(addr, ':', hn))
      return LW_ERR_CONFIG; /* IPv6 needs brackets */
  }
  if (hn == 0)
    return LW_ERR_CONFIG;
  long p = 0;
  const char *d = colon + 1;
  if (!*d || strlen(d) > 5)
    return LW_ERR_CONFIG;
  for (; *d; d++) {
    if (*d < '0' || *d > '9')
      return LW_ERR_CONFIG;
    p = p * 10 + (*d - '0');
  }
  if (p > 65535)
    return LW_ERR_CONFIG;
  if (host) {
    if (hn >= hostlen)
      return LW_ERR_CONFIG;
    memcpy(host, h, hn);
    host[hn] = 0;
  }
  if (port)
    *port = (int)p;
  return LW_OK;
}

int lw_http_parse_url(const char *url, lw_http_url *u) {
  memset(u, 0, sizeof *u);
  const char *rest;
  if (strncasecmp(url, "http://", 7) == 0) {
    rest = url + 7;
  } else if (strncasecmp(url, "https://", 8) == 0) {
    rest = url + 8;
    u->tls = true;
  } else {
    return LW_ERR_CONFIG;
  }
  const char *slash = strchr(rest, '/');
  size_t an = slash ? (size_t)(slash - rest) : strlen(rest);
  char addr[300];
  if (an == 0 || an >= sizeof addr - 8)
    return LW_ERR_CONFIG;
  memcpy(addr, rest, an);
  addr[an] = 0;
  bool has_port = addr[0] == '[' ? strstr(addr, "]:") != NULL : strchr(addr, ':') != NULL;
  if (!has_port)
    snprintf(addr + an, sizeof addr - an, ":%d", u->tls ? 443 : 80);
  if (lw_http_split_addr(addr, u->host, sizeof u->host, &u->port) != LW_OK || u->port == 0)
    return LW_ERR_CONFIG;
  if (slash) {
    size_t pn = strlen(slash);
    if (pn >= sizeof u->path)
      return LW_ERR_CONFIG;
    memcpy(u->path, slash, pn + 1);
    if (pn == 1)
      u->path[0] = 0;
  }
  return LW_OK;
}
