/* layout.c — fleet key names and the tutorial JSON layout (see layout.h). */
#include "fleet/layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/err.h"

int lw_fleet_key(char *out, size_t n, const char *prefix, const char *kind, const char *name) {
  size_t pn = strlen(prefix);
  while (pn > 1 && prefix[pn - 1] == '/')
    pn--;
  int w = snprintf(out, n, "%.*s/%s/%s", (int)pn, prefix, kind, name);
  return w < 0 || (size_t)w >= n ? LW_ERR_TOO_LARGE : LW_OK;
}

bool lw_fleet_valid_host(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 253 || strcmp(s, LW_FLEET_ALL) == 0)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '-' || c == '_'))
      return false;
  }
  return true;
}

int lw_fleet_expand(char *out, size_t n, const char *tmpl, const char *host, const char *ip) {
  size_t k = 0;
  for (const char *p = tmpl; *p;) {
    const char *v = NULL;
    size_t skip = 0;
    if (strncmp(p, "{host}", 6) == 0)
      v = host, skip = 6;
    else if (strncmp(p, "{ip}", 4) == 0)
      v = ip, skip = 4;
    size_t vn = v ? strlen(v) : 1;
    if (k + vn >= n)
      return LW_ERR_TOO_LARGE;
    memcpy(out + k, v ? v : p, vn);
    k += vn;
    p += v ? skip : 1;
  }
  if (k >= n)
    return LW_ERR_TOO_LARGE;
  out[k] = 0;
  return LW_OK;
}

bool lw_fleet_is_json(const char *t, size_t n) {
  size_t i = 0;
  while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n'))
    i++;
  if (i >= n || t[i] != '[')
    return false;
  for (i++; i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n');)
    i++;
  return i < n && (t[i] == '{' || t[i] == ']');
}

static bool clean(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == ',' || *s == 0x7f || *s == ';' || *s == '#')
      return false;
  return true;
}

int lw_fleet_json_to_ini(const char *json, size_t len, lw_buf *out, char *err, size_t errlen) {
  enum { MAXTOK = 8192 };
  lw_jtok *toks = malloc(MAXTOK * sizeof *toks);
  if (!toks)
    return LW_ERR_NOMEM;
  lw_jdoc d;
  int rc = lw_json_parse(&d, json, len, toks, MAXTOK, 4);
  if (rc != LW_OK) {
    snprintf(err, errlen, "not valid JSON%s", rc == LW_ERR_TOO_LARGE ? " (too large)" : "");
    goto fail;
  }
  rc = LW_ERR_MALFORMED;
  if (lw_jdoc_type(&d, 0) != LW_JARR) {
    snprintf(err, errlen, "expected a JSON array of {\"path\": ..., \"topic\": ...} objects");
    goto fail;
  }
  for (uint32_t i = 0; i < d.t[0].n; i++) {
    int o = lw_jdoc_at(&d, 0, i);
    if (lw_jdoc_type(&d, o) != LW_JOBJ) {
      snprintf(err, errlen, "element %u: expected an object", i + 1);
      goto fail;
    }
    char path[4096], topic[256];
    if (lw_jdoc_strz(&d, lw_jdoc_get(&d, o, "path"), path, sizeof path) != LW_OK || !path[0] ||
        !clean(path)) {
      snprintf(
          err, errlen,
          "element %u: \"path\" missing, empty, or holding a comma, ';', '#' or a control byte",
          i + 1);
      goto fail;
    }
    if (lw_jdoc_strz(&d, lw_jdoc_get(&d, o, "topic"), topic, sizeof topic) != LW_OK || !topic[0] ||
        !clean(topic)) {
      snprintf(err, errlen, "element %u: \"topic\" missing, empty or invalid", i + 1);
      goto fail;
    }
    for (uint32_t m = 0, k = (uint32_t)o + 1; m < d.t[o].n; m++, k = d.t[k + 1].next)
      if (!lw_jdoc_streq(&d, (int)k, "path") && !lw_jdoc_streq(&d, (int)k, "topic")) {
        snprintf(err, errlen, "element %u: unknown member (only \"path\" and \"topic\")", i + 1);
        goto fail;
      }
    /* The section name: the topic's characters that INI names allow, and the position. */
    char name[128];
    size_t k = 0;
    for (const char *t = topic; *t && k < 100; t++)
      name[k++] = ((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
                   (*t >= '0' && *t <= '9') || *t == '_' || *t == '-' || *t == '.')
                      ? *t
                      : '_';
    name[k] = 0;
    char sec[8192];
    int w = snprintf(sec, sizeof sec, "[input.%s-%u]\npaths = %s\ntopic = %s\n\n", name, i + 1,
                     path, topic);
    lw_buf_append(out, sec, (size_t)w);
  }
  free(toks);
  return out->err;
fail:
  free(toks);
  return rc;
}
