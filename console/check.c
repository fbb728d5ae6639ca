/* check.c — the console's configuration check: the same checker `logwire fleet put` and
 * `logwire run --check` use (lw_config_check_fragment: inputs and [sys] only, every schema
 * rule), on a host's etcd value. */
#include <stdio.h>

#include "agent/config.h"
#include "console/console.h"
#include "base/err.h"

int lw_con_check(const lw_console *con, const char *host, const char *text, size_t len,
                 lw_diag *diag) {
  char origin[512];
  snprintf(origin, sizeof origin, "%s/config/%s", con->prefix, host);
  int rc = lw_config_check_fragment(origin, text, len, diag);
  lw_diag_sort(diag);
  return rc;
}
