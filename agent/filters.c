/* filters.c — what an input does to a line beyond reading it: include_lines/exclude_lines
 * (POSIX extended regular expressions, libc's regex), fields.NAME = VALUE static fields (JSON
 * members or record headers), and topic templates ({file_stem}, {host}, {input}). Kept apart
 * from input.c's hot path: an input without any of these pays one pointer test a line. */
#include <glob.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "base/json.h"
#include "agent/log.h"
#include "base/err.h"

struct lw_line_filter {
  regex_t inc, exc;
  bool has_inc, has_exc;
};

void lw_input_filters_free(lw_input *in) {
  free(in->jtok);
  in->jtok = NULL;
  struct lw_line_filter *f = in->filter;
  if (!f)
    return;
  if (f->has_inc)
    regfree(&f->inc);
  if (f->has_exc)
    regfree(&f->exc);
  free(f);
  in->filter = NULL;
}

int lw_input_filters_compile(lw_input *in) {
  lw_input_filters_free(in);
  const lw_input_conf *c = in->conf;
  bool inc = c->include_lines && c->include_lines[0], exc = c->exclude_lines && c->exclude_lines[0];
  if (!inc && !exc)
    return LW_OK;
  struct lw_line_filter *f = calloc(1, sizeof(*f));
  if (!f)
    return LW_ERR_NOMEM;
  /* The config check compiled both already: a failure here is memory. */
  if (inc && regcomp(&f->inc, c->include_lines, REG_EXTENDED | REG_NOSUB) == 0)
    f->has_inc = true;
  if (exc && regcomp(&f->exc, c->exclude_lines, REG_EXTENDED | REG_NOSUB) == 0)
    f->has_exc = true;
  in->filter = f;
  if ((inc && !f->has_inc) || (exc && !f->has_exc)) {
    lw_input_filters_free(in);
    return LW_ERR_NOMEM;
  }
  return LW_OK;
}

/* regexec on bytes that are not NUL-terminated: REG_STARTEND (glibc, BSD) bounds the match. */
static bool matches(const regex_t *re, const uint8_t *p, size_t n) {
  regmatch_t m[1] = {{.rm_so = 0, .rm_eo = (regoff_t)n}};
  return regexec(re, (const char *)p, 1, m, REG_STARTEND) == 0;
}

bool lw_input_line_wanted(lw_input *in, const uint8_t *p, size_t n) {
  const struct lw_line_filter *f = in->filter;
  if (!f)
    return true;
  if (f->has_inc && !matches(&f->inc, p, n))
    return false;
  if (f->has_exc && matches(&f->exc, p, n))
    return false;
  return true;
}

/* {file_stem}: the file's base name without its last extension ("app.log" -> "app"). Characters
 * a topic name cannot hold become '_'. */
lw_ptopic *lw_input_topic_for(lw_input *in, const char *path) {
  const char *t = in->conf->topic;
  if (!strchr(t, '{'))
    return lw_producer_topic(in->a->prod, t);
  if (!path)
    return NULL; /* a template: one topic per file, looked up line by line */
  char out[250];
  size_t o = 0;
  for (const char *p = t; *p && o + 1 < sizeof out; p++) {
    const char *v = NULL;
    size_t vn = 0, skip = 0;
    if (!strncmp(p, "{file_stem}", 11)) {
      const char *base = strrchr(path, '/');
      base = base ? base + 1 : path;
      const char *dot = strrchr(base, '.');
      v = base, vn = dot && dot != base ? (size_t)(dot - base) : strlen(base), skip = 11;
    } else if (!strncmp(p, "{host}", 6)) {
      v = in->a->hostname, vn = strlen(v), skip = 6;
    } else if (!strncmp(p, "{input}", 7)) {
      v = in->conf->name, vn = strlen(v), skip = 7;
    }
    if (!v) {
      out[o++] = *p;
      continue;
    }
    for (size_t i = 0; i < vn && o + 1 < sizeof out; i++) {
      char ch = v[i];
      bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                ch == '.' || ch == '_' || ch == '-';
      out[o++] = ok ? ch : '_';
    }
    p += skip - 1;
  }
  out[o] = 0;
  return lw_producer_topic(in->a->prod, out);
}

void lw_input_warn_unmatched(const lw_input *in) {
  const lw_input_conf *c = in->conf;
  for (size_t i = 0; i < c->paths.n; i++) {
    glob_t g;
    int rc = glob(c->paths.v[i], GLOB_NOSORT, NULL, &g);
    if (rc == GLOB_NOMATCH)
      lw_log(LW_LOG_WARN, "no file matches the pattern yet: waiting for one to appear",
             LW_S("input", c->name), LW_S("pattern", c->paths.v[i]));
    if (rc == 0 || rc == GLOB_NOMATCH)
      globfree(&g);
  }
}

int lw_input_fields_json(const lw_input *in, lw_buf *b) {
  const lw_input_conf *c = in->conf;
  if (!c->field_names.n || !b->len || b->data[b->len - 1] != '}')
    return LW_OK;
  b->len--; /* reopen the object */
  for (size_t i = 0; i < c->field_names.n; i++) {
    lw_buf_put_u8(b, ',');
    lw_json_escape(b, c->field_names.v[i], strlen(c->field_names.v[i]));
    lw_buf_put_u8(b, ':');
    lw_json_escape(b, c->field_values.v[i], strlen(c->field_values.v[i]));
  }
  lw_buf_put_u8(b, '}');
  return b->err;
}

int lw_input_json_line(lw_input *in, lw_buf *b, const char *host, const char *path, uint64_t offset,
                       int64_t wall_ms, const void *p, size_t n) {
  const lw_input_conf *c = in->conf;
  if (!in->jtok) /* allocated on the first line, kept until the input stops */
    in->jtok = malloc(LW_INPUT_JTOK * sizeof(*in->jtok));
  if (in->jtok) {
    size_t len0 = b->len;
    int rc = lw_json_record_merge(
        b, host, path, offset, wall_ms, p, n, (const char *const *)c->field_names.v,
        (const char *const *)c->field_values.v, c->field_names.n, in->jtok, LW_INPUT_JTOK);
    if (rc != LW_ERR_MALFORMED && rc != LW_ERR_TOO_LARGE)
      return rc;
    b->len = len0;
  }
  /* Not a JSON object (or no memory for the parser): still shipped, as text. */
  in->not_json++;
  if (lw_json_record(b, host, path, offset, wall_ms, p, n) != LW_OK)
    return b->err;
  return lw_input_fields_json(in, b);
}

int lw_input_fields_headers(const lw_input *in, lw_rec_header *h, int max) {
  const lw_input_conf *c = in->conf;
  int n = 0;
  for (size_t i = 0; i < c->field_names.n && n < max; i++, n++)
    h[n] = (lw_rec_header){
        lw_str_c(c->field_names.v[i]),
        {(const uint8_t *)c->field_values.v[i], (int32_t)strlen(c->field_values.v[i])}};
  return n;
}
