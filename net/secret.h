/* secret.h — passwords given in the configuration or in a file of their own
 * (sasl_password_file, ssl_key_password_file). A file is read when the secret is needed (each
 * SASL authentication, each TLS context), so a rotated password file is picked up by the next
 * connection; the copy lives only as long as the exchange that needs it and is wiped. */
#ifndef LW_SECRET_H
#define LW_SECRET_H

#include <stddef.h>

#define LW_SECRET_MAX 4096 /* longest secret file accepted */

/* The secret: the contents of `file` when it is set (one trailing "\n" or "\r\n" stripped;
 * empty, NUL-holding or over LW_SECRET_MAX bytes is an error), else a copy of `value` (NULL
 * gives ""). *out is malloc'd: release with lw_secret_free. Returns LW_OK, LW_ERR_NOMEM or
 * LW_ERR_CONFIG with a reason naming the file in err. */
int lw_secret_get(const char *value, const char *file, char **out, char *err, size_t errlen);
/* Wipe and free a secret from lw_secret_get. Safe with NULL. */
void lw_secret_free(char *s);

#endif
