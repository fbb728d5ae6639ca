/* check.c — the console's configuration check: the checker of `logwire run --check`
 * (lw_config_parse) on a host's etcd value, which holds inputs ([input.NAME], [sys]) and
 * nothing else: [kafka] and [agent] stay in each agent's local file, so their absence is not a
 * problem here and their presence is one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "console/console.h"
#include "proto/err.h"

int lw_con_check(const lw_console *con, const char *host, const char *text, size_t len,
                 lw_diag *diag) {
  char file[512];
  snprintf(file, sizeof file, "%s/config/%s", con->prefix, host);
  size_t first = diag->n;
  lw_config c;
  int rc = lw_config_parse(file, text, len, &c, diag);
  lw_config_free(&c);
  if (rc == LW_ERR_NOMEM)
    return rc;
  /* The one message about the whole file that does not apply to an etcd value. */
  size_t k = first;
  for (size_t i = first; i < diag->n; i++) {
    lw_diag_msg *m = &diag->v[i];
    if (m->line == 0 && m->sev == LW_DIAG_ERROR && strstr(m->text, "missing [kafka] section")) {
      free(m->text);
      diag->errors--;
      continue;
    }
    diag->v[k++] = *m;
  }
  diag->n = k;
  int lineno = 0;
  for (const char *p = text, *end = text + len; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    lineno++;
    while (p < le && (*p == ' ' || *p == '\t'))
      p++;
    if (le - p >= 7 && (!strncmp(p, "[kafka]", 7) || !strncmp(p, "[agent]", 7)))
      lw_diag_add(diag, LW_DIAG_ERROR, file, lineno, NULL,
                  "[%.5s] stays in each agent's local file; etcd holds inputs only", p + 1);
    p = nl ? nl + 1 : end;
  }
  lw_diag_sort(diag);
  return diag->errors ? LW_ERR_CONFIG : LW_OK;
}
