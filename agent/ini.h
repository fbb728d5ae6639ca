/* ini.h — the INI dialect of logwire's config file: sections, key = value, comments, quotes
 * and ${ENV} expansion, with every problem collected into an lw_diag rather than stopping.
 *
 * Syntax (docs/CONFIG.md has the user-facing version):
 *   [section]            names of [A-Za-z0-9_.-]+ ("input.nginx"); whitespace inside trimmed
 *   key = value          keys of [A-Za-z0-9_.-]+; whitespace around key and value trimmed
 *   # comment, ; comment full-line comments (the first non-blank character)
 *   key = v  # comment   inline comment: a '#' preceded by a space or tab ends the value;
 *                        "a#b" keeps its '#'
 *   key = "v # not"      double-quoted value: '#' is literal, \" and \\ are escapes, any other
 *                        backslash is kept as written (so "^\d+" needs no doubling); after the
 *                        closing quote only whitespace and an inline comment may follow
 *   ${NAME}              replaced by the environment variable NAME (an unset variable is an
 *                        error naming it; set-but-empty is fine); "$${" writes a literal "${"
 * Errors: a key before any section, a duplicate key in a section, a duplicate section, lines
 * over LW_INI_MAX_LINE bytes, files over LW_INI_MAX_FILE bytes, NUL bytes, malformed lines. */
#ifndef LW_INI_H
#define LW_INI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent/diag.h"

#define LW_INI_MAX_LINE (64 * 1024)       /* longest line, and longest value after expansion */
#define LW_INI_MAX_FILE (4 * 1024 * 1024) /* largest config file */

typedef struct lw_ini_entry {
  char *key;     /* owned */
  char *value;   /* owned, unquoted and expanded */
  int line;      /* 1-based */
  bool from_env; /* every character of the value came from ${ENV} references */
  bool bad;      /* the value had an error, already reported (value is ""): skip it quietly */
} lw_ini_entry;

typedef struct lw_ini_section {
  char *name; /* owned, e.g. "input.nginx" */
  int line;   /* line of the [header] */
  lw_ini_entry *entries;
  size_t n, cap;
} lw_ini_section;

typedef struct lw_ini {
  char *file; /* owned copy of the name used in messages */
  lw_ini_section *sections;
  size_t n, cap;
  mode_t mode; /* st_mode of the file read by lw_ini_load (0 after lw_ini_parse) */
} lw_ini;

/* Parse `len` bytes of text; `file` names it in messages. Sans-I/O apart from getenv(). The
 * result holds every well-formed section and entry even when errors were reported. Returns
 * LW_OK, LW_ERR_CONFIG when diag received errors, or LW_ERR_NOMEM. Caller frees `ini` with
 * lw_ini_free in every case. */
int lw_ini_parse(lw_ini *ini, const char *file, const char *text, size_t len, lw_diag *diag);

/* Read `path` (at most LW_INI_MAX_FILE bytes, regular files only) and parse it; ini->mode gets
 * the file's mode. Returns as lw_ini_parse; a file that cannot be read is LW_ERR_CONFIG with
 * "PATH: cannot read: REASON" in diag. Caller frees `ini` with lw_ini_free in every case. */
int lw_ini_load(lw_ini *ini, const char *path, lw_diag *diag);

void lw_ini_free(lw_ini *ini);

/* The section named `name`, or NULL. Borrowed from ini. */
const lw_ini_section *lw_ini_find(const lw_ini *ini, const char *name);
/* The entry `key` in section s, or NULL. Borrowed. */
const lw_ini_entry *lw_ini_get(const lw_ini_section *s, const char *key);

#endif
