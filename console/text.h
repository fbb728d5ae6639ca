/* text.h — what the console does to configuration text, without I/O: host name checks, hiding
 * secrets before text goes to the browser and putting them back when it returns. (The tutorial
 * JSON layout is fleet/layout.h's.) */
#ifndef LW_CON_TEXT_H
#define LW_CON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/* What a hidden value shows as in the browser. */
#define LW_CON_SECRET_MASK "********"

/* A host name the console accepts in a key: the fleet's (fleet/layout.h) but "." and "..",
 * or "_all". */
bool lw_con_host_ok(const char *h);

/* True for a key whose value is a secret (its name holds password, secret, token or
 * passphrase). */
bool lw_con_secret_key(const char *key, size_t n);

/* Append text to out with every secret value replaced by LW_CON_SECRET_MASK. Returns out->err. */
int lw_con_redact(lw_buf *out, const char *text, size_t len);

/* Append edited text to out with each value still equal to the mask replaced by the value the
 * same [section] key has in `stored` (the text the mask came from). A mask with no such key
 * stays as typed (and the checker sees it). Returns out->err. */
int lw_con_unredact(lw_buf *out, const char *edited, size_t elen, const char *stored, size_t slen);

#endif
