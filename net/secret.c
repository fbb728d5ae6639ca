/* secret.c — reading a password from the configuration or from its own file, and wiping it. */
#include "net/secret.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

static void wipe(void *p, size_t n) {
  volatile unsigned char *v = p;
  while (n--)
    *v++ = 0;
}

void lw_secret_free(char *s) {
  if (!s)
    return;
  wipe(s, strlen(s));
  free(s);
}

int lw_secret_get(const char *value, const char *file, char **out, char *err, size_t errlen) {
  *out = NULL;
  if (!file || !file[0]) {
    *out = strdup(value ? value : "");
    return *out ? LW_OK : LW_ERR_NOMEM;
  }
  FILE *f = fopen(file, "re");
  if (!f) {
    snprintf(err, errlen, "cannot read %s: %s", file, strerror(errno));
    return LW_ERR_CONFIG;
  }
  char *buf = malloc(LW_SECRET_MAX + 1);
  if (!buf) {
    fclose(f);
    return LW_ERR_NOMEM;
  }
  size_t n = fread(buf, 1, LW_SECRET_MAX + 1, f);
  int rc = LW_OK;
  if (ferror(f)) {
    snprintf(err, errlen, "cannot read %s: %s", file, strerror(errno));
    rc = LW_ERR_CONFIG;
  } else if (n > LW_SECRET_MAX) {
    snprintf(err, errlen, "%s is longer than %d bytes: not a password file?", file, LW_SECRET_MAX);
    rc = LW_ERR_CONFIG;
  } else {
    if (n && buf[n - 1] == '\n')
      n--;
    if (n && buf[n - 1] == '\r')
      n--;
    buf[n] = 0;
    if (n == 0 || memchr(buf, 0, n)) {
      snprintf(err, errlen, "%s %s", file, n ? "holds a NUL byte" : "is empty");
      rc = LW_ERR_CONFIG;
    }
  }
  fclose(f);
  if (rc == LW_OK) {
    *out = buf;
  } else {
    wipe(buf, LW_SECRET_MAX + 1);
    free(buf);
  }
  return rc;
}
