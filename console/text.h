/* text.h — what the console does to configuration text, without I/O: host name checks, hiding
 * secrets before text goes to the browser and putting them back when it returns, and turning
 * the Go log-agent tutorials' JSON layout into logwire's INI inputs. */
#ifndef LW_CON_TEXT_H
#define LW_CON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/buf.h"

/* What a hidden value shows as in the browser. */
#define LW_CON_SECRET_MASK "********"

/* A host name the console accepts in a key: 1..253 of [A-Za-z0-9._-], not "." or "..";
 * "_all" included. */
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

/* True when the value looks like the tutorial JSON layout: '[' then '{' or ']' (blanks aside). */
bool lw_con_is_json_layout(const char *text, size_t len);

/* Append the INI equivalent of a tutorial JSON value (an array of {"path", "topic"} objects):
 * one [input.N] section per object. Returns LW_OK, LW_ERR_MALFORMED (err says why) or out's
 * error. */
int lw_con_json_to_ini(lw_buf *out, const char *json, size_t len, char *err, size_t errlen);

#endif
