/* text.c — host names and secret hiding (see text.h). */
#include "console/text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fleet/layout.h"
#include "base/err.h"

bool lw_con_host_ok(const char *h) {
  /* "." and ".." are fine etcd keys but not URL path segments: browsers fold them away. */
  return !strcmp(h, LW_FLEET_ALL) || (lw_fleet_valid_host(h) && strcmp(h, ".") && strcmp(h, ".."));
}

static bool has(const char *k, size_t n, const char *w) {
  size_t wl = strlen(w);
  for (size_t i = 0; i + wl <= n; i++)
    if (!strncasecmp(k + i, w, wl))
      return true;
  return false;
}

bool lw_con_secret_key(const char *key, size_t n) {
  return has(key, n, "password") || has(key, n, "secret") || has(key, n, "token") ||
         has(key, n, "passphrase");
}

/* One line split into its parts: a "key = value" line has key [ks, ke) and value [vs, ve). */
typedef struct line {
  const char *p, *end, *next;
  bool kv, section;
  const char *ks, *ke, *vs, *ve;
} line;

static const char *skip_blank(const char *p, const char *e) {
  while (p < e && (*p == ' ' || *p == '\t'))
    p++;
  return p;
}

static void split(line *l, const char *p, const char *end) {
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  l->p = p;
  l->end = nl ? nl : end;
  l->next = nl ? nl + 1 : end;
  const char *e = l->end;
  if (e > p && e[-1] == '\r')
    e--;
  const char *s = skip_blank(p, e);
  l->kv = l->section = false;
  if (s < e && *s == '[') {
    l->section = true;
    l->ks = s;
    l->ke = e;
    return;
  }
  if (s == e || *s == ';' || *s == '#')
    return;
  const char *eq = memchr(s, '=', (size_t)(e - s));
  if (!eq)
    return;
  const char *ke = eq;
  while (ke > s && (ke[-1] == ' ' || ke[-1] == '\t'))
    ke--;
  const char *vs = skip_blank(eq + 1, e);
  const char *ve = e;
  while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
    ve--;
  l->kv = true;
  l->ks = s;
  l->ke = ke;
  l->vs = vs;
  l->ve = ve;
}

int lw_con_redact(lw_buf *out, const char *text, size_t len) {
  const char *p = text, *end = text + len;
  while (p < end) {
    line l;
    split(&l, p, end);
    if (l.kv && l.ve > l.vs && lw_con_secret_key(l.ks, (size_t)(l.ke - l.ks))) {
      lw_buf_append(out, l.p, (size_t)(l.vs - l.p));
      lw_buf_append(out, LW_CON_SECRET_MASK, strlen(LW_CON_SECRET_MASK));
      lw_buf_append(out, l.ve, (size_t)(l.next - l.ve));
    } else {
      lw_buf_append(out, l.p, (size_t)(l.next - l.p));
    }
    p = l.next;
  }
  return out->err;
}

/* The value of key [ks, ke) in section [ss, se) of text, or NULL. */
static bool find_value(const char *text, size_t len, const char *ss, size_t sl, const char *ks,
                       size_t kl, const char **vs, const char **ve) {
  const char *p = text, *end = text + len;
  const char *cs = "", *ce = cs;
  while (p < end) {
    line l;
    split(&l, p, end);
    if (l.section) {
      cs = l.ks;
      ce = l.ke;
    } else if (l.kv && (size_t)(l.ke - l.ks) == kl && !memcmp(l.ks, ks, kl) &&
               (size_t)(ce - cs) == sl && !memcmp(cs, ss, sl)) {
      *vs = l.vs;
      *ve = l.ve;
      return true;
    }
    p = l.next;
  }
  return false;
}

int lw_con_unredact(lw_buf *out, const char *edited, size_t elen, const char *stored, size_t slen) {
  const char *p = edited, *end = edited + elen;
  const char *cs = "", *ce = cs;
  size_t ml = strlen(LW_CON_SECRET_MASK);
  while (p < end) {
    line l;
    split(&l, p, end);
    const char *vs, *ve;
    if (l.section) {
      cs = l.ks;
      ce = l.ke;
    }
    if (l.kv && (size_t)(l.ve - l.vs) == ml && !memcmp(l.vs, LW_CON_SECRET_MASK, ml) &&
        find_value(stored, slen, cs, (size_t)(ce - cs), l.ks, (size_t)(l.ke - l.ks), &vs, &ve)) {
      lw_buf_append(out, l.p, (size_t)(l.vs - l.p));
      lw_buf_append(out, vs, (size_t)(ve - vs));
      lw_buf_append(out, l.ve, (size_t)(l.next - l.ve));
    } else {
      lw_buf_append(out, l.p, (size_t)(l.next - l.p));
    }
    p = l.next;
  }
  return out->err;
}
