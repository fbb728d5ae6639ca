/* diag.c — collected "FILE:LINE: KEY: PROBLEM" messages (see diag.h). */
#include "agent/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void lw_diag_init(lw_diag *d) {
  memset(d, 0, sizeof(*d));
}

void lw_diag_free(lw_diag *d) {
  for (size_t i = 0; i < d->n; i++)
    free(d->v[i].text);
  free(d->v);
  memset(d, 0, sizeof(*d));
}

void lw_diag_add(lw_diag *d, int sev, const char *file, int line, const char *key, const char *fmt,
                 ...) {
  if (sev == LW_DIAG_WARNING)
    d->warnings++;
  else
    d->errors++;
  if (d->n >= LW_DIAG_MAX)
    goto drop;
  if (d->n == d->cap) {
    size_t ncap = d->cap ? d->cap * 2 : 16;
    lw_diag_msg *v = realloc(d->v, ncap * sizeof(*v));
    if (!v)
      goto drop;
    d->v = v;
    d->cap = ncap;
  }
  char prefix[512];
  char lineno[24] = "";
  if (line > 0)
    snprintf(lineno, sizeof lineno, ":%d", line);
  snprintf(prefix, sizeof prefix, "%s%s: %s%s%s", file ? file : "-", lineno, key ? key : "",
           key ? ": " : "", sev == LW_DIAG_WARNING ? "warning: " : "");
  va_list ap;
  va_start(ap, fmt);
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  size_t a = strlen(prefix), b = strlen(msg);
  char *text = malloc(a + b + 1);
  if (!text)
    goto drop;
  memcpy(text, prefix, a);
  memcpy(text + a, msg, b + 1);
  d->v[d->n++] = (lw_diag_msg){.sev = sev, .line = line > 0 ? line : 0, .text = text};
  return;
drop:
  d->dropped++;
}

void lw_diag_sort(lw_diag *d) {
  /* Insertion sort: at most LW_DIAG_MAX messages, and it is stable. */
  for (size_t i = 1; i < d->n; i++) {
    lw_diag_msg m = d->v[i];
    size_t j = i;
    while (j > 0 && d->v[j - 1].line > m.line) {
      d->v[j] = d->v[j - 1];
      j--;
    }
    d->v[j] = m;
  }
}

bool lw_diag_has(const lw_diag *d, const char *text) {
  for (size_t i = 0; i < d->n; i++)
    if (strcmp(d->v[i].text, text) == 0)
      return true;
  return false;
}

void lw_diag_print(const lw_diag *d, FILE *f) {
  for (size_t i = 0; i < d->n; i++)
    fprintf(f, "%s\n", d->v[i].text);
  if (d->dropped)
    fprintf(f, "... and %zu more\n", d->dropped);
}
