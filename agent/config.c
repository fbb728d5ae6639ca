/* config.c — the agent's config: INI sections checked against the schema (config_schema.c)
 * and the producer's option table (net/producer_conf.c), every error collected. */
#include "agent/config.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/config_schema.h"
#include "agent/ini.h"
#include "base/http.h"
#include "base/err.h"

typedef struct ctx {
  const lw_ini *ini;
  lw_diag *diag;
  lw_config *c;
  bool fragment; /* text from etcd: inputs and [sys] only */
} ctx;

static void err_at(ctx *x, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err_at(ctx *x, int line, const char *key, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lw_diag_add(x->diag, LW_DIAG_ERROR, x->ini->file, line, key, "%s", msg);
}

/* ---- "did you mean" ---- */

static size_t edit_distance(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  if (na > 63 || nb > 63)
    return 99;
  size_t row[64];
  for (size_t j = 0; j <= nb; j++)
    row[j] = j;
  for (size_t i = 1; i <= na; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= nb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[nb];
}

/* Offer `cand` if it is the closest so far and close enough to be a typo of `key`. */
static void consider(const char *key, const char *cand, const char **best, size_t *bestd) {
  size_t d = edit_distance(key, cand);
  size_t limit = strlen(cand) >= 6 ? 2 : 1;
  if (d <= limit && d < *bestd) {
    *best = cand;
    *bestd = d;
  }
}

/* True when `key` names a producer option (so it belongs in [kafka]). */
static bool producer_key(const char *key) {
  lw_producer_conf tmp;
  lw_producer_conf_init(&tmp);
  char err[160];
  bool known = lw_producer_conf_set(&tmp, key, "0", err, sizeof err) != LW_ERR_NOT_FOUND;
  lw_producer_conf_free(&tmp);
  return known;
}

static void unknown_key(ctx *x, int sec, const lw_ini_entry *e) {
  const char *best = NULL;
  size_t bestd = 99;
  if (sec < 0) {
    const char *name, *deflt, *doc;
    char norm[64];
    snprintf(norm, sizeof norm, "%s", e->key);
    for (char *p = norm; *p; p++)
      if (*p == '.' || *p == '-')
        *p = '_';
    for (int i = 0; lw_producer_conf_key(i, &name, &deflt, &doc); i++)
      consider(norm, name, &best, &bestd);
  } else {
    for (int i = 0; lw_ckey_at(i); i++)
      if (lw_ckey_at(i)->sec == sec)
        consider(e->key, lw_ckey_at(i)->name, &best, &bestd);
    if (!best && producer_key(e->key)) {
      err_at(x, e->line, e->key, "unknown key (producer-wide: set it in [kafka])");
      return;
    }
  }
  if (best)
    err_at(x, e->line, e->key, "unknown key (did you mean %s?)", best);
  else
    err_at(x, e->line, e->key, "unknown key");
}

/* ---- [agent], [input.NAME], [sys] ---- */

static int line_of(const lw_ini_section *s, const char *key) {
  const lw_ini_entry *e = lw_ini_get(s, key);
  return e ? e->line : s->line;
}

/* Apply every entry of section s to base, then report required keys that are missing (at the
 * section's line). Returns LW_OK or LW_ERR_NOMEM (problems go to diag). */
static int apply_section(ctx *x, int sec, const lw_ini_section *s, void *base) {
  char err[256];
  for (size_t i = 0; i < s->n; i++) {
    const lw_ini_entry *e = &s->entries[i];
    if (e->bad)
      continue;
    const lw_ckey *k = lw_ckey_find(sec, e->key);
    if (!k && sec == LW_CSEC_INPUT && strncmp(e->key, "fields.", 7) == 0)
      continue; /* do_fields */
    if (!k) {
      unknown_key(x, sec, e);
      continue;
    }
    int rc = lw_ckey_set(k, base, e->value, err, sizeof err);
    if (rc == LW_ERR_NOMEM)
      return rc;
    if (rc != LW_OK)
      err_at(x, e->line, e->key, "%s", err);
  }
  for (int i = 0; lw_ckey_at(i); i++) {
    const lw_ckey *k = lw_ckey_at(i);
    if (k->sec == sec && !k->deflt && !lw_ini_get(s, k->name))
      err_at(x, s->line, k->name, "required key missing in [%s]", s->name);
  }
  return LW_OK;
}

static int list_add(lw_strlist *l, const char *v) {
  char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
  if (!nv)
    return LW_ERR_NOMEM;
  l->v = nv;
  if (!(l->v[l->n] = strdup(v)))
    return LW_ERR_NOMEM;
  l->n++;
  return LW_OK;
}

static void list_free(lw_strlist *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

static bool list_eq(const lw_strlist *a, const lw_strlist *b) {
  if (a->n != b->n)
    return false;
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->v[i], b->v[i]))
      return false;
  return true;
}

/* fields.NAME = VALUE entries of an input: taken out before the schema sees the section. */
static int do_fields(ctx *x, const lw_ini_section *s, lw_input_conf *in) {
  for (size_t i = 0; i < s->n; i++) {
    const lw_ini_entry *e = &s->entries[i];
    if (e->bad || strncmp(e->key, "fields.", 7) != 0)
      continue;
    const char *name = e->key + 7;
    bool ok = name[0] != 0 && strlen(name) <= 128;
    for (const char *p = name; *p && ok; p++)
      ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '_' || *p == '-' || *p == '.';
    if (!ok) {
      err_at(x, e->line, e->key, "a field name is 1 to 128 letters, digits, '_', '-' or '.'");
      continue;
    }
    if (in->field_names.n >= 16) {
      err_at(x, e->line, e->key, "at most 16 fields.NAME per input");
      continue;
    }
    if (list_add(&in->field_names, name) != LW_OK || list_add(&in->field_values, e->value) != LW_OK)
      return LW_ERR_NOMEM;
  }
  return LW_OK;
}

static int do_input(ctx *x, const lw_ini_section *s, lw_input_conf *in) {
  memset(in, 0, sizeof(*in));
  in->line = s->line;
  in->name = strdup(s->name + strlen("input."));
  if (!in->name || lw_csec_defaults(LW_CSEC_INPUT, in) != LW_OK)
    return LW_ERR_NOMEM;
  int rc = apply_section(x, LW_CSEC_INPUT, s, in);
  if (rc == LW_OK)
    rc = do_fields(x, s, in);
  if (rc != LW_OK)
    return rc;
  if (in->parse == LW_PARSE_JSON) {
    const lw_ini_entry *f = lw_ini_get(s, "format");
    if (f && in->format != LW_FORMAT_JSON)
      err_at(x, f->line, "format",
             "parse = json makes JSON records: set format = json or leave it unset");
    in->format = LW_FORMAT_JSON;
  }
  if (in->max_line_bytes > x->c->kafka.message_max_bytes)
    err_at(x, line_of(s, "max_line_bytes"), "max_line_bytes",
           "%zu exceeds [kafka] message_max_bytes (%zu)", in->max_line_bytes,
           x->c->kafka.message_max_bytes);
  return LW_OK;
}

/* ---- [kafka] ---- */

static void normalize(char *out, size_t n, const char *key) {
  snprintf(out, n, "%s", key);
  for (char *p = out; *p; p++)
    if (*p == '.' || *p == '-')
      *p = '_';
}

/* The option's table name for key as written (alias, dots): the table name itself when the
 * key normalises to one, else the one option that (key, value) sets exactly like (name,
 * value) does, found by trying each. Returns false when ambiguous or unknown. */
static bool canonical(const char *key, const char *value, char *out, size_t n) {
  const char *name, *deflt, *doc;
  char norm[64], err[160];
  normalize(norm, sizeof norm, key);
  for (int i = 0; lw_producer_conf_key(i, &name, &deflt, &doc); i++)
    if (strcmp(norm, name) == 0) {
      snprintf(out, n, "%s", name);
      return true;
    }
  lw_producer_conf def, a, b;
  lw_producer_conf_init(&def);
  lw_producer_conf_init(&a);
  int found = 0;
  if (lw_producer_conf_set(&a, key, value, err, sizeof err) == LW_OK &&
      !lw_config_kafka_equal(&a, &def)) {
    for (int i = 0; lw_producer_conf_key(i, &name, &deflt, &doc); i++) {
      lw_producer_conf_init(&b);
      if (lw_producer_conf_set(&b, name, value, err, sizeof err) == LW_OK &&
          lw_config_kafka_equal(&a, &b)) {
        snprintf(out, n, "%s", name);
        found++;
      }
      lw_producer_conf_free(&b);
    }
  }
  lw_producer_conf_free(&a);
  lw_producer_conf_free(&def);
  return found == 1;
}

static int do_kafka(ctx *x) {
  const lw_ini_section *s = lw_ini_find(x->ini, "kafka");
  if (!s) {
    err_at(x, 0, NULL, "missing [kafka] section (brokers is required)");
    return LW_OK;
  }
  x->c->kafka_line = s->line;
  char err[256];
  int rc = LW_ERR_NOMEM;
  /* Canonical name per entry, to catch one option set twice under two spellings, and to put
   * a combination error on the line that set the option. */
  char(*canon)[64] = calloc(s->n ? s->n : 1, sizeof(*canon));
  bool *failed = calloc(s->n ? s->n : 1, sizeof(*failed));
  if (!canon || !failed)
    goto out;
  for (size_t i = 0; i < s->n; i++) {
    const lw_ini_entry *e = &s->entries[i];
    failed[i] = true;
    if (e->bad)
      continue;
    int set = lw_producer_conf_set(&x->c->kafka, e->key, e->value, err, sizeof err);
    if (set == LW_ERR_NOMEM)
      goto out;
    if (set == LW_ERR_NOT_FOUND) {
      unknown_key(x, -1, e);
      continue;
    }
    if (set != LW_OK) {
      err_at(x, e->line, e->key, "%s", err);
      normalize(canon[i], sizeof canon[i], e->key);
      continue;
    }
    failed[i] = false;
    if (!canonical(e->key, e->value, canon[i], sizeof canon[i]))
      continue;
    lw_config *c = x->c;
    if ((!strncmp(canon[i], "ssl_", 4) || !strcmp(canon[i], "security_protocol")) &&
        c->ntls_lines < (int)(sizeof c->tls_lines / sizeof c->tls_lines[0]) &&
        strlen(canon[i]) < sizeof c->tls_lines[0].key) {
      strcpy(c->tls_lines[c->ntls_lines].key, canon[i]);
      c->tls_lines[c->ntls_lines++].line = e->line;
    }
    for (size_t j = 0; j < i; j++)
      if (!failed[j] && strcmp(canon[i], canon[j]) == 0) {
        err_at(x, e->line, e->key, "duplicate key (first at line %d as %s)", s->entries[j].line,
               s->entries[j].key);
        break;
      }
  }
  /* Combinations: reported at the line that set the offending option (else the section's),
   * unless that option's own value was already reported as invalid. */
  char key[64];
  if (lw_producer_conf_check(&x->c->kafka, key, sizeof key, err, sizeof err) != LW_OK) {
    int line = s->line;
    const char *shown = key;
    bool skip = false;
    for (size_t i = 0; i < s->n; i++)
      if (strcmp(canon[i], key) == 0) {
        line = s->entries[i].line;
        shown = s->entries[i].key;
        skip = failed[i];
      }
    if (!skip)
      err_at(x, line, shown, "%s", err);
  }
  rc = LW_OK;
out:
  free(failed);
  free(canon);
  return rc;
}

int lw_config_kafka_line(const lw_config *c, const char *key) {
  int line = c->kafka_line;
  for (int i = 0; key && i < c->ntls_lines; i++)
    if (!strcmp(c->tls_lines[i].key, key))
      line = c->tls_lines[i].line; /* the last setting is the one in force */
  return line;
}

/* ---- Whole file ---- */

/* [etcd]: the schema checks each key; the endpoints must be URLs. */
static int do_etcd(ctx *x, const lw_ini_section *s) {
  lw_config *c = x->c;
  c->etcd_enabled = true;
  c->etcd_line = s->line;
  int rc = apply_section(x, LW_CSEC_ETCD, s, &c->etcd);
  lw_http_url u;
  for (size_t i = 0; rc == LW_OK && i < c->etcd.endpoints.n; i++)
    if (lw_http_parse_url(c->etcd.endpoints.v[i], &u) != LW_OK)
      err_at(x, line_of(s, "endpoints"), "endpoints",
             "\"%.200s\" is not http://host:port or https://host:port", c->etcd.endpoints.v[i]);
  if (rc == LW_OK && c->etcd.endpoints.n > 16)
    err_at(x, line_of(s, "endpoints"), "endpoints", "at most 16 endpoints");
  if (rc == LW_OK && c->etcd.password && c->etcd.password_file)
    err_at(x, line_of(s, "password_file"), "password_file",
           "set password or password_file, not both");
  if (rc == LW_OK && c->etcd.prefix && c->etcd.prefix[0] != '/')
    err_at(x, line_of(s, "prefix"), "prefix", "must start with /");
  return rc;
}

static int from_ini(const lw_ini *ini, lw_config *c, lw_diag *diag, bool fragment) {
  ctx x = {.ini = ini, .diag = diag, .c = c, .fragment = fragment};
  int rc = fragment ? LW_OK : do_kafka(&x);
  size_t ninputs = 0;
  for (size_t i = 0; i < ini->n; i++)
    ninputs += strncmp(ini->sections[i].name, "input.", 6) == 0;
  if (ninputs && !(c->inputs = calloc(ninputs, sizeof(*c->inputs))))
    rc = LW_ERR_NOMEM;
  for (size_t i = 0; i < ini->n && rc == LW_OK; i++) {
    const lw_ini_section *s = &ini->sections[i];
    if (fragment && (strcmp(s->name, "kafka") == 0 || strcmp(s->name, "agent") == 0 ||
                     strcmp(s->name, "etcd") == 0)) {
      err_at(&x, s->line, NULL,
             "[%s] is not accepted from etcd: it stays in each agent's local file", s->name);
    } else if (strcmp(s->name, "kafka") == 0) {
      continue;
    } else if (strcmp(s->name, "etcd") == 0) {
      rc = do_etcd(&x, s);
    } else if (strcmp(s->name, "agent") == 0) {
      rc = apply_section(&x, LW_CSEC_AGENT, s, &c->agent);
      c->agent.state_dir_line = line_of(s, "state_dir");
      c->agent.http_line = line_of(s, "http");
      c->agent.max_open_files_line = line_of(s, "max_open_files");
    } else if (strcmp(s->name, "sys") == 0) {
      c->sys.enabled = true;
      c->sys.line = s->line;
      rc = apply_section(&x, LW_CSEC_SYS, s, &c->sys);
    } else if (strncmp(s->name, "input.", 6) == 0 && s->name[6]) {
      rc = do_input(&x, s, &c->inputs[c->ninputs++]);
    } else if (strcmp(s->name, "input") == 0 || strcmp(s->name, "input.") == 0) {
      err_at(&x, s->line, NULL, "an input section needs a name: [input.NAME]");
    } else if (strncmp(s->name, "input", 5) == 0) {
      err_at(&x, s->line, NULL, "unknown section [%s] (inputs are [input.NAME])", s->name);
    } else {
      err_at(&x, s->line, NULL,
             "unknown section [%s] (expected [kafka], [agent], [input.NAME], [sys] or [etcd])",
             s->name);
    }
  }
  if (rc != LW_OK || fragment)
    return rc;
  if (!c->agent.hostname) {
    char h[256];
    if (gethostname(h, sizeof h) != 0 || !h[0])
      snprintf(h, sizeof h, "localhost");
    h[sizeof h - 1] = 0;
    if (!(c->agent.hostname = strdup(h)))
      return LW_ERR_NOMEM;
  }
  if (c->ninputs == 0 && !c->sys.enabled && !c->etcd_enabled && lw_ini_find(ini, "kafka"))
    lw_diag_add(diag, LW_DIAG_WARNING, ini->file, 0, NULL,
                "no [input.NAME] or [sys] section: nothing to ship");
  return LW_OK;
}

static int init_config(lw_config *c, const char *file) {
  memset(c, 0, sizeof(*c));
  lw_producer_conf_init(&c->kafka);
  if (!(c->path = strdup(file ? file : "-")) ||
      lw_csec_defaults(LW_CSEC_AGENT, &c->agent) != LW_OK ||
      lw_csec_defaults(LW_CSEC_SYS, &c->sys) != LW_OK ||
      lw_csec_defaults(LW_CSEC_ETCD, &c->etcd) != LW_OK)
    return LW_ERR_NOMEM;
  return LW_OK;
}

/* Secrets written in a file others can read: worth a warning, not a refusal. The same for the
 * files that sasl_password_file / ssl_key_password_file name. */
static void secret_warnings(const lw_ini *ini, lw_diag *diag) {
  const lw_ini_section *s = lw_ini_find(ini, "kafka");
  if (!s)
    return;
  for (size_t i = 0; i < s->n; i++) {
    const lw_ini_entry *e = &s->entries[i];
    struct stat st;
    if (e->value[0] && lw_producer_conf_secret_file(e->key) && stat(e->value, &st) == 0 &&
        (st.st_mode & (S_IRGRP | S_IROTH)))
      lw_diag_add(diag, LW_DIAG_WARNING, ini->file, e->line, e->key,
                  "%s holds a secret and is readable by group or others (mode %04o): chmod 600 "
                  "it",
                  e->value, (unsigned)(st.st_mode & 07777));
  }
  if (!(ini->mode & (S_IRGRP | S_IROTH)))
    return;
  for (size_t i = 0; i < s->n; i++) {
    const lw_ini_entry *e = &s->entries[i];
    if (e->value[0] && !e->from_env && lw_producer_conf_secret(e->key))
      lw_diag_add(diag, LW_DIAG_WARNING, ini->file, e->line, e->key,
                  "secret in a file readable by group or others (mode %04o): chmod 600 it, or "
                  "use ${ENV}",
                  (unsigned)(ini->mode & 07777));
  }
}

static int finish(lw_ini *ini, lw_config *c, lw_diag *diag, size_t errors0, int rc) {
  if (rc == LW_OK || rc == LW_ERR_CONFIG) {
    int rc2 = from_ini(ini, c, diag, false);
    if (rc2 != LW_OK)
      rc = rc2;
    else
      secret_warnings(ini, diag);
  }
  lw_ini_free(ini);
  lw_diag_sort(diag);
  if (rc == LW_ERR_NOMEM)
    return rc;
  return diag->errors > errors0 ? LW_ERR_CONFIG : LW_OK;
}

int lw_config_parse(const char *file, const char *text, size_t len, lw_config *out, lw_diag *diag) {
  size_t errors0 = diag->errors;
  lw_ini ini;
  memset(&ini, 0, sizeof ini);
  int rc = init_config(out, file);
  if (rc == LW_OK)
    rc = lw_ini_parse(&ini, file, text, len, diag);
  return finish(&ini, out, diag, errors0, rc);
}

int lw_config_load(const char *path, lw_config *out, lw_diag *diag) {
  size_t errors0 = diag->errors;
  lw_ini ini;
  memset(&ini, 0, sizeof ini);
  int rc = init_config(out, path);
  if (rc == LW_OK) {
    rc = lw_ini_load(&ini, path, diag);
    /* A file that could not be read at all has no sections to check. */
    if (rc == LW_ERR_CONFIG && ini.n == 0 && ini.mode == 0) {
      lw_ini_free(&ini);
      lw_diag_sort(diag);
      return LW_ERR_CONFIG;
    }
  }
  return finish(&ini, out, diag, errors0, rc);
}

void lw_config_free(lw_config *c) {
  lw_producer_conf_free(&c->kafka);
  lw_csec_free(LW_CSEC_AGENT, &c->agent);
  for (size_t i = 0; i < c->ninputs; i++) {
    lw_csec_free(LW_CSEC_INPUT, &c->inputs[i]);
    list_free(&c->inputs[i].field_names);
    list_free(&c->inputs[i].field_values);
    free(c->inputs[i].name);
    free(c->inputs[i].origin);
  }
  free(c->inputs);
  lw_csec_free(LW_CSEC_SYS, &c->sys);
  lw_csec_free(LW_CSEC_ETCD, &c->etcd);
  free(c->path);
  memset(c, 0, sizeof(*c));
}

/* ---- Configuration from etcd ---- */

bool lw_config_paths_allowed(const lw_input_conf *in, const lw_strlist *allowed, const char **bad) {
  for (size_t i = 0; i < in->paths.n; i++) {
    const char *p = in->paths.v[i];
    bool ok = false;
    /* "." and ".." components would let "/var/log/../../etc/shadow" match a glob of /var/log. */
    size_t n = strlen(p);
    bool dots = strstr(p, "/./") || strstr(p, "/../") || (n >= 2 && !strcmp(p + n - 2, "/.")) ||
                (n >= 3 && !strcmp(p + n - 3, "/.."));
    if (!dots)
      for (size_t j = 0; j < allowed->n && !ok; j++)
        ok = fnmatch(allowed->v[j], p, 0) == 0;
    if (!ok) {
      *bad = p;
      return false;
    }
  }
  return true;
}

/* Parse an etcd text into f (inputs and [sys] only). */
static int parse_fragment(const char *origin, const char *text, size_t len, size_t msg_max,
                          lw_config *f, lw_diag *diag) {
  lw_ini ini;
  memset(&ini, 0, sizeof ini);
  int rc = init_config(f, origin);
  if (rc != LW_OK)
    return rc;
  f->kafka.message_max_bytes = msg_max;
  rc = lw_ini_parse(&ini, origin, text, len, diag);
  if (rc == LW_OK || rc == LW_ERR_CONFIG) {
    int rc2 = from_ini(&ini, f, diag, true);
    if (rc2 != LW_OK)
      rc = rc2;
  }
  lw_ini_free(&ini);
  return rc == LW_ERR_NOMEM ? rc : LW_OK;
}

int lw_config_check_fragment(const char *origin, const char *text, size_t len, lw_diag *diag) {
  size_t errors0 = diag->errors;
  lw_config f;
  lw_producer_conf pc;
  lw_producer_conf_init(&pc);
  int rc = parse_fragment(origin, text, len, pc.message_max_bytes, &f, diag);
  lw_producer_conf_free(&pc);
  lw_config_free(&f);
  lw_diag_sort(diag);
  if (rc != LW_OK)
    return rc;
  return diag->errors > errors0 ? LW_ERR_CONFIG : LW_OK;
}

int lw_config_merge(lw_config *c, const char *origin, const char *text, size_t len, lw_diag *diag) {
  size_t errors0 = diag->errors;
  lw_config f;
  int rc = parse_fragment(origin, text, len, c->kafka.message_max_bytes, &f, diag);
  if (rc != LW_OK)
    goto out;
  for (size_t i = 0; i < f.ninputs; i++) {
    lw_input_conf *in = &f.inputs[i];
    const lw_input_conf *other = lw_config_input(c, in->name);
    const char *bad;
    if (other)
      lw_diag_add(diag, LW_DIAG_ERROR, origin, in->line, NULL,
                  "[input.%s] is defined twice: here and at %s:%d", in->name,
                  other->origin ? other->origin : c->path, other->line);
    else if (c->etcd_enabled && !lw_config_paths_allowed(in, &c->etcd.allowed_paths, &bad))
      lw_diag_add(diag, LW_DIAG_ERROR, origin, in->line, "paths",
                  "\"%.200s\" is outside [etcd] allowed_paths of %s: refused", bad, c->path);
  }
  if (f.sys.enabled && c->sys.enabled)
    lw_diag_add(diag, LW_DIAG_ERROR, origin, f.sys.line, NULL,
                "[sys] is defined twice: here and at %s:%d", c->path, c->sys.line);
  if (diag->errors > errors0)
    goto out;
  if (f.ninputs) {
    lw_input_conf *v = realloc(c->inputs, (c->ninputs + f.ninputs) * sizeof *v);
    if (!v) {
      rc = LW_ERR_NOMEM;
      goto out;
    }
    c->inputs = v;
    for (size_t i = 0; i < f.ninputs; i++) {
      f.inputs[i].origin = strdup(origin);
      c->inputs[c->ninputs++] = f.inputs[i];
    }
    f.ninputs = 0;
  }
  if (f.sys.enabled) {
    lw_sys_conf t = c->sys;
    c->sys = f.sys;
    f.sys = t;
  }
out:
  lw_config_free(&f);
  if (rc != LW_OK)
    return rc;
  return diag->errors > errors0 ? LW_ERR_CONFIG : LW_OK;
}

const lw_input_conf *lw_config_input(const lw_config *c, const char *name) {
  for (size_t i = 0; i < c->ninputs; i++)
    if (strcmp(c->inputs[i].name, name) == 0)
      return &c->inputs[i];
  return NULL;
}

bool lw_config_input_equal(const lw_input_conf *a, const lw_input_conf *b) {
  return strcmp(a->name, b->name) == 0 && lw_csec_equal(LW_CSEC_INPUT, a, b) &&
         list_eq(&a->field_names, &b->field_names) && list_eq(&a->field_values, &b->field_values);
}

bool lw_config_etcd_equal(const lw_config *a, const lw_config *b) {
  return a->etcd_enabled == b->etcd_enabled && lw_csec_equal(LW_CSEC_ETCD, &a->etcd, &b->etcd);
}

bool lw_config_sys_equal(const lw_sys_conf *a, const lw_sys_conf *b) {
  return a->enabled == b->enabled && lw_csec_equal(LW_CSEC_SYS, a, b);
}

static bool s_eq(const char *a, const char *b) {
  return strcmp(a ? a : "", b ? b : "") == 0;
}

bool lw_config_kafka_equal(const lw_producer_conf *a, const lw_producer_conf *b) {
  /* Field by field: every member of lw_producer_conf (update when it grows). */
  if (!s_eq(a->brokers, b->brokers) || !s_eq(a->client_id, b->client_id) ||
      !s_eq(a->broker_version_fallback, b->broker_version_fallback) ||
      !s_eq(a->ssl_ca_file, b->ssl_ca_file) || !s_eq(a->ssl_ca_path, b->ssl_ca_path) ||
      !s_eq(a->ssl_cert_file, b->ssl_cert_file) || !s_eq(a->ssl_key_file, b->ssl_key_file) ||
      !s_eq(a->ssl_key_password, b->ssl_key_password) ||
      !s_eq(a->sasl_mechanism, b->sasl_mechanism) || !s_eq(a->sasl_username, b->sasl_username) ||
      !s_eq(a->sasl_password, b->sasl_password) ||
      !s_eq(a->sasl_password_file, b->sasl_password_file) ||
      !s_eq(a->ssl_key_password_file, b->ssl_key_password_file))
    return false;
  if (a->acks != b->acks || a->compression != b->compression ||
      a->compression_level != b->compression_level || a->linger_ms != b->linger_ms ||
      a->batch_bytes != b->batch_bytes || a->buffer_bytes != b->buffer_bytes ||
      a->message_max_bytes != b->message_max_bytes ||
      a->request_max_bytes != b->request_max_bytes || a->idempotence != b->idempotence ||
      a->delivery_timeout_ms != b->delivery_timeout_ms ||
      a->request_timeout_ms != b->request_timeout_ms ||
      a->retry_backoff_ms != b->retry_backoff_ms ||
      a->retry_backoff_max_ms != b->retry_backoff_max_ms ||
      a->reconnect_backoff_ms != b->reconnect_backoff_ms ||
      a->reconnect_backoff_max_ms != b->reconnect_backoff_max_ms ||
      a->connect_timeout_ms != b->connect_timeout_ms ||
      a->metadata_refresh_ms != b->metadata_refresh_ms || a->topic_wait_ms != b->topic_wait_ms ||
      a->max_in_flight != b->max_in_flight || a->partitioner != b->partitioner ||
      a->api_version_request != b->api_version_request ||
      a->fetch_max_bytes != b->fetch_max_bytes || a->receive_max_bytes != b->receive_max_bytes ||
      a->security_protocol != b->security_protocol || a->ssl_verify != b->ssl_verify ||
      a->acks_set != b->acks_set || a->idempotence_set != b->idempotence_set ||
      a->connect_to_count != b->connect_to_count)
    return false;
  for (int i = 0; i < a->connect_to_count; i++)
    if (!s_eq(a->connect_to[i].from, b->connect_to[i].from) ||
        !s_eq(a->connect_to[i].to, b->connect_to[i].to))
      return false;
  return true;
}

bool lw_config_key(int i, const char **section, const char **name, const char **type,
                   const char **deflt, const char **doc) {
  const lw_ckey *k = lw_ckey_at(i);
  if (!k)
    return false;
  static const char *secs[] = {"agent", "input", "sys", "etcd"};
  *section = secs[k->sec];
  *name = k->name;
  *type = lw_ckey_type_name(k);
  *deflt = k->deflt ? k->deflt : "";
  *doc = k->doc;
  return true;
}
