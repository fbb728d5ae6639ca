/* layout.h — the fleet's key layout in etcd, sans-I/O:
 *   PREFIX/config/HOST   that host's inputs (INI: [input.NAME] and [sys] sections)
 *   PREFIX/config/_all   inputs every host gets
 *   PREFIX/agents/HOST   the live agent's status (JSON, under a lease: gone when it dies)
 * and the tutorial layout some fleets already have: one key per server holding a JSON array
 * of {"path": "...", "topic": "..."} objects, turned into INI inputs here. */
#ifndef LW_FLEET_LAYOUT_H
#define LW_FLEET_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

#define LW_FLEET_ALL "_all"

/* "PREFIX/KIND/NAME" (NAME may be "" for the prefix of every key of that kind) into out.
 * Returns LW_OK or LW_ERR_TOO_LARGE. */
int lw_fleet_key(char *out, size_t n, const char *prefix, const char *kind, const char *name);
/* Is `name` usable as a host in keys (letters, digits, '.', '-', '_'; not "_all")? */
bool lw_fleet_valid_host(const char *name);
/* Expand {host} and {ip} in tmpl. Returns LW_OK or LW_ERR_TOO_LARGE. */
int lw_fleet_expand(char *out, size_t n, const char *tmpl, const char *host, const char *ip);

/* The tutorial JSON layout to INI text appended to out: each object becomes
 * "[input.TOPIC-N]" (N its position, from 1) with paths and topic. Returns LW_OK, or
 * LW_ERR_MALFORMED with the reason in err (not an array of objects, a missing or empty
 * path/topic, a path with a comma or a control byte, an unknown member). */
int lw_fleet_json_to_ini(const char *json, size_t len, lw_buf *out, char *err, size_t errlen);

/* Does the value look like the JSON layout (first non-blank byte '[' followed by '{' or ']')? */
bool lw_fleet_is_json(const char *text, size_t len);

#endif
