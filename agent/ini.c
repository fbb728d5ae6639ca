/* ini.c — the config file's INI dialect: lines to sections and entries, every problem
 * collected (see ini.h for the syntax). */
#include "agent/ini.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct parser {
  lw_ini *ini;
  lw_diag *diag;
  int line;
  lw_ini_section *cur; /* section entries go to; NULL before the first header */
  bool skip;           /* after a malformed header: drop entries silently until the next one */
  int err;             /* LW_ERR_NOMEM once an allocation failed */
} parser;

static bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

/* ASCII only: the locale must not change what a valid name is. */
static bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

static bool valid_name(const char *s, size_t n) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!is_name_char(s[i]))
      return false;
  return true;
}

static void trim(const char **s, size_t *n) {
  while (*n && is_blank(**s))
    (*s)++, (*n)--;
  while (*n && is_blank((*s)[*n - 1]))
    (*n)--;
}

static void error(parser *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void error(parser *p, const char *key, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lw_diag_add(p->diag, LW_DIAG_ERROR, p->ini->file, p->line, key, "%s", msg);
}

static lw_ini_section *find_section(lw_ini *ini, const char *name) {
  for (size_t i = 0; i < ini->n; i++)
    if (strcmp(ini->sections[i].name, name) == 0)
      return &ini->sections[i];
  return NULL;
}

/* "[name]" with optional whitespace inside the brackets and an optional comment after. */
static void parse_header(parser *p, const char *s, size_t n) {
  p->cur = NULL;
  p->skip = true;
  const char *close = memchr(s, ']', n);
  if (!close) {
    error(p, NULL, "%s", "expected ']' to close the section header");
    return;
  }
  const char *rest = close + 1;
  size_t restn = n - (size_t)(rest - s);
  trim(&rest, &restn);
  if (restn && rest[0] != '#' && rest[0] != ';') {
    error(p, NULL, "%s", "unexpected text after the section header");
    return;
  }
  const char *name = s + 1;
  size_t namen = (size_t)(close - name);
  trim(&name, &namen);
  char shown[80];
  snprintf(shown, sizeof shown, "%.*s", (int)(namen < 64 ? namen : 64), name);
  if (!valid_name(name, namen)) {
    if (namen == 0)
      error(p, NULL, "%s", "empty section name");
    else
      error(p, NULL, "invalid section name \"%s\" (allowed: letters, digits, '_', '.', '-')",
            shown);
    return;
  }
  char *nm = strndup(name, namen);
  if (!nm) {
    p->err = LW_ERR_NOMEM;
    return;
  }
  lw_ini_section *old = find_section(p->ini, nm);
  if (old) {
    /* Reported, then merged, so that its keys are still checked (duplicates included). */
    error(p, NULL, "duplicate section [%s] (first at line %d)", nm, old->line);
    free(nm);
    p->cur = old;
    p->skip = false;
    return;
  }
  lw_ini *ini = p->ini;
  if (ini->n == ini->cap) {
    size_t ncap = ini->cap ? ini->cap * 2 : 8;
    lw_ini_section *v = realloc(ini->sections, ncap * sizeof(*v));
    if (!v) {
      free(nm);
      p->err = LW_ERR_NOMEM;
      return;
    }
    ini->sections = v;
    ini->cap = ncap;
  }
  p->cur = &ini->sections[ini->n++];
  *p->cur = (lw_ini_section){.name = nm, .line = p->line};
  p->skip = false;
}

/* Append src[0..n) to out with ${NAME} replaced. Reports unset or malformed references.
 * Returns true when the value is good; *from_env tells whether all of it came from variables. */
static bool expand(parser *p, const char *key, const char *src, size_t n, lw_buf *out,
                   bool *from_env) {
  bool ok = true;
  size_t refs = 0, literal = 0;
  for (size_t i = 0; i < n;) {
    if (src[i] == '$' && i + 2 < n && src[i + 1] == '$' && src[i + 2] == '{') {
      lw_buf_append(out, "${", 2);
      literal += 2;
      i += 3;
      continue;
    }
    if (src[i] != '$' || i + 1 >= n || src[i + 1] != '{') {
      lw_buf_put_u8(out, (uint8_t)src[i++]);
      literal++;
      continue;
    }
    const char *name = src + i + 2;
    const char *close = memchr(name, '}', n - i - 2);
    if (!close) {
      error(p, key, "%s", "unterminated \"${\" (write \"$${\" for a literal \"${\")");
      return false;
    }
    size_t namen = (size_t)(close - name);
    char nm[256];
    snprintf(nm, sizeof nm, "%.*s", (int)(namen < 200 ? namen : 200), name);
    bool good = namen > 0 && namen < 200 && !(name[0] >= '0' && name[0] <= '9');
    for (size_t k = 0; good && k < namen; k++)
      good = is_name_char(name[k]) && name[k] != '.' && name[k] != '-';
    if (!good) {
      error(p, key, "invalid environment variable name \"%s\"", nm);
      ok = false;
    } else {
      const char *v = getenv(nm);
      if (!v) {
        error(p, key, "environment variable %s is not set", nm);
        ok = false;
      } else {
        lw_buf_append(out, v, strlen(v));
        refs++;
      }
    }
    i += 2 + namen + 1;
  }
  *from_env = refs > 0 && literal == 0;
  return ok;
}

/* The text after '=': quoted or plain, inline comment removed, expanded into out. */
static bool parse_value(parser *p, const char *key, const char *s, size_t n, lw_buf *out,
                        bool *from_env) {
  *from_env = false;
  size_t lead = 0;
  while (lead < n && is_blank(s[lead]))
    lead++;
  if (lead < n && s[lead] == '"') {
    s += lead;
    n -= lead;
    lw_buf raw;
    lw_buf_init(&raw, LW_INI_MAX_LINE);
    size_t i = 1;
    while (i < n && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\')) {
        lw_buf_put_u8(&raw, (uint8_t)s[i + 1]);
        i += 2;
      } else {
        lw_buf_put_u8(&raw, (uint8_t)s[i++]);
      }
    }
    bool ok = true;
    if (i >= n) {
      error(p, key, "%s", "unterminated quoted value (missing closing '\"')");
      ok = false;
    } else {
      const char *rest = s + i + 1;
      size_t restn = n - i - 1;
      trim(&rest, &restn);
      if (restn && rest[0] != '#') {
        error(p, key, "%s", "unexpected text after the closing quote");
        ok = false;
      }
    }
    if (raw.err == LW_ERR_NOMEM)
      p->err = LW_ERR_NOMEM;
    if (ok && raw.err == LW_OK)
      ok = expand(p, key, (const char *)raw.data, raw.len, out, from_env);
    lw_buf_free(&raw);
    return ok;
  }
  /* Plain value: a '#' preceded by a blank starts a comment. `s` starts right after '=', so
   * "key = # note" is an empty value and "key=#x" is "#x". */
  size_t end = n;
  for (size_t i = 1; i < n; i++)
    if (s[i] == '#' && is_blank(s[i - 1])) {
      end = i;
      break;
    }
  const char *v = s;
  trim(&v, &end);
  return expand(p, key, v, end, out, from_env);
}

static int add_entry(lw_ini_section *sec, const char *key, const char *value, int line,
                     bool from_env, bool bad) {
  if (sec->n == sec->cap) {
    size_t ncap = sec->cap ? sec->cap * 2 : 8;
    lw_ini_entry *e = realloc(sec->entries, ncap * sizeof(*e));
    if (!e)
      return LW_ERR_NOMEM;
    sec->entries = e;
    sec->cap = ncap;
  }
  char *kd = strdup(key);
  char *vd = strdup(value);
  if (!kd || !vd) {
    free(kd);
    free(vd);
    return LW_ERR_NOMEM;
  }
  sec->entries[sec->n++] =
      (lw_ini_entry){.key = kd, .value = vd, .line = line, .from_env = from_env, .bad = bad};
  return LW_OK;
}

static void parse_entry(parser *p, const char *s, size_t n) {
  const char *eq = memchr(s, '=', n);
  if (!eq) {
    error(p, NULL, "%s", "expected \"key = value\", \"[section]\" or a comment");
    return;
  }
  const char *k = s;
  size_t kn = (size_t)(eq - s);
  trim(&k, &kn);
  if (kn == 0) {
    error(p, NULL, "%s", "missing key before '='");
    return;
  }
  char key[80];
  snprintf(key, sizeof key, "%.*s", (int)(kn < 64 ? kn : 64), k);
  if (!valid_name(k, kn)) {
    error(p, NULL, "invalid key name \"%s\" (allowed: letters, digits, '_', '.', '-')", key);
    return;
  }
  if (kn >= 64) {
    error(p, key, "%s", "key name too long (at most 63 characters)");
    return;
  }
  if (!p->cur) {
    if (!p->skip)
      error(p, key, "%s", "key before any [section]");
    return;
  }
  const lw_ini_entry *old = lw_ini_get(p->cur, key);
  if (old) {
    error(p, key, "duplicate key (first at line %d)", old->line);
    return;
  }
  lw_buf v;
  lw_buf_init(&v, LW_INI_MAX_LINE + 1);
  bool from_env;
  bool ok = parse_value(p, key, eq + 1, n - (size_t)(eq + 1 - s), &v, &from_env);
  lw_buf_put_u8(&v, 0);
  if (v.err == LW_ERR_TOO_LARGE && ok) {
    error(p, key, "value longer than %d bytes after ${} expansion", LW_INI_MAX_LINE);
    ok = false;
  }
  if (v.err == LW_ERR_NOMEM)
    p->err = LW_ERR_NOMEM;
  /* A bad value is kept (marked) so that checks above this layer do not add a misleading
   * "required key missing" for it. */
  if (p->err == LW_OK &&
      add_entry(p->cur, key, ok ? (const char *)v.data : "", p->line, from_env, !ok) != LW_OK)
    p->err = LW_ERR_NOMEM;
  lw_buf_free(&v);
}

int lw_ini_parse(lw_ini *ini, const char *file, const char *text, size_t len, lw_diag *diag) {
  memset(ini, 0, sizeof(*ini));
  ini->file = strdup(file ? file : "-");
  if (!ini->file)
    return LW_ERR_NOMEM;
  parser p = {.ini = ini, .diag = diag};
  size_t errors0 = diag->errors;
  size_t pos = 0;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    pos = 3; /* UTF-8 byte order mark */
  while (pos < len && p.err == LW_OK) {
    p.line++;
    const char *s = text + pos;
    const char *nl = memchr(s, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - s) : len - pos;
    pos += n + (nl ? 1 : 0);
    if (n && s[n - 1] == '\r')
      n--;
    if (n > LW_INI_MAX_LINE) {
      error(&p, NULL, "line too long (%zu bytes; at most %d)", n, LW_INI_MAX_LINE);
      continue;
    }
    if (memchr(s, '\0', n)) {
      error(&p, NULL, "%s", "NUL byte in line");
      continue;
    }
    while (n && is_blank(*s))
      s++, n--;
    if (n == 0 || s[0] == '#' || s[0] == ';')
      continue;
    if (s[0] == '[')
      parse_header(&p, s, n);
    else
      parse_entry(&p, s, n);
  }
  if (p.err)
    return p.err;
  return diag->errors > errors0 ? LW_ERR_CONFIG : LW_OK;
}

int lw_ini_load(lw_ini *ini, const char *path, lw_diag *diag) {
  memset(ini, 0, sizeof(*ini));
  int rc = LW_ERR_CONFIG;
  char *text = NULL;
  const char *why = NULL;
  struct stat st;
  /* O_NONBLOCK: opening a FIFO by mistake must not hang. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 || fstat(fd, &st) != 0) {
    why = strerror(errno);
    goto fail;
  }
  if (!S_ISREG(st.st_mode)) {
    why = "not a regular file";
    goto fail;
  }
  if (st.st_size > LW_INI_MAX_FILE) {
    lw_diag_add(diag, LW_DIAG_ERROR, path, 0, NULL, "file too large (%lld bytes; at most %d)",
                (long long)st.st_size, LW_INI_MAX_FILE);
    goto fail;
  }
  /* Read up to one byte past the ceiling: the file may have grown since fstat. */
  size_t cap = (size_t)st.st_size + 1, len = 0;
  text = malloc(cap);
  if (!text) {
    rc = LW_ERR_NOMEM;
    goto fail;
  }
  for (;;) {
    if (len == cap) {
      if (cap > LW_INI_MAX_FILE) {
        lw_diag_add(diag, LW_DIAG_ERROR, path, 0, NULL, "file too large (at most %d bytes)",
                    LW_INI_MAX_FILE);
        goto fail;
      }
      size_t ncap = cap * 2 > (size_t)LW_INI_MAX_FILE + 1 ? (size_t)LW_INI_MAX_FILE + 1 : cap * 2;
      char *t = realloc(text, ncap);
      if (!t) {
        rc = LW_ERR_NOMEM;
        goto fail;
      }
      text = t;
      cap = ncap;
    }
    ssize_t r = read(fd, text + len, cap - len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      why = strerror(errno);
      goto fail;
    }
    if (r == 0)
      break;
    len += (size_t)r;
  }
  close(fd);
  fd = -1;
  rc = lw_ini_parse(ini, path, text, len, diag);
  ini->mode = st.st_mode;
  free(text);
  return rc;
fail:
  if (why)
    lw_diag_add(diag, LW_DIAG_ERROR, path, 0, NULL, "cannot read: %s", why);
  if (fd >= 0)
    close(fd);
  free(text);
  if (!ini->file)
    ini->file = strdup(path);
  return rc;
}

void lw_ini_free(lw_ini *ini) {
  for (size_t i = 0; i < ini->n; i++) {
    lw_ini_section *s = &ini->sections[i];
    for (size_t j = 0; j < s->n; j++) {
      free(s->entries[j].key);
      free(s->entries[j].value);
    }
    free(s->entries);
    free(s->name);
  }
  free(ini->sections);
  free(ini->file);
  memset(ini, 0, sizeof(*ini));
}

const lw_ini_section *lw_ini_find(const lw_ini *ini, const char *name) {
  for (size_t i = 0; i < ini->n; i++)
    if (strcmp(ini->sections[i].name, name) == 0)
      return &ini->sections[i];
  return NULL;
}

const lw_ini_entry *lw_ini_get(const lw_ini_section *s, const char *key) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->entries[i].key, key) == 0)
      return &s->entries[i];
  return NULL;
}
