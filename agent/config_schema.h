/* config_schema.h — internal to config.c: the table of [agent], [input.NAME] and [sys] keys
 * (name, type, default, bounds, doc) and the typed parsers that fill the structs from it. */
#ifndef LW_CONFIG_SCHEMA_H
#define LW_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/config.h"

enum lw_csec { LW_CSEC_AGENT, LW_CSEC_INPUT, LW_CSEC_SYS, LW_CSEC_ETCD };

enum lw_ctype {
  LW_CT_STR,      /* string; min 1: must not be empty */
  LW_CT_PATH,     /* absolute path */
  LW_CT_HOSTPORT, /* host:port or empty (off) */
  LW_CT_INT,      /* integer in [min, max], unit in the key's name */
  LW_CT_SIZE,     /* size with K/M/G in [min, max] */
  LW_CT_BOOL,
  LW_CT_ENUM,    /* one of `choices` ("a|b|c"), stored as its index */
  LW_CT_GLOBS,   /* comma-separated list; min 1: absolute paths, at least one */
  LW_CT_TOPIC,   /* Kafka topic name */
  LW_CT_KEY,     /* one of `choices` or "literal:TEXT"; index at off, TEXT at off2 */
  LW_CT_HEADERS, /* comma list of host, path, input, offset; or none */
  LW_CT_REGEX,   /* POSIX ERE or empty (unset) */
};

typedef struct lw_ckey {
  int sec; /* enum lw_csec */
  const char *name;
  int type;          /* enum lw_ctype */
  const char *deflt; /* as written in a config file; NULL for required keys */
  size_t off, off2;  /* field offsets in the section's struct */
  long long min, max;
  const char *choices;
  const char *doc;
} lw_ckey;

/* The i-th key, or NULL past the end. */
const lw_ckey *lw_ckey_at(int i);
/* The key `name` of section kind `sec`, or NULL. */
const lw_ckey *lw_ckey_find(int sec, const char *name);
/* Parse `value` into the field of `base` described by k. Returns LW_OK, LW_ERR_CONFIG with
 * the reason in err, or LW_ERR_NOMEM. The field's previous value is freed on success. */
int lw_ckey_set(const lw_ckey *k, void *base, const char *value, char *err, size_t errlen);
/* Apply every default of section kind `sec` to base. Returns LW_OK or LW_ERR_NOMEM. */
int lw_csec_defaults(int sec, void *base);
/* Free every owned field of section kind `sec` in base (leaves them NULL). */
void lw_csec_free(int sec, void *base);
/* Field-by-field equality of two structs of section kind `sec`. */
bool lw_csec_equal(int sec, const void *a, const void *b);
/* Short type description for docs ("size", "end|beginning"). */
const char *lw_ckey_type_name(const lw_ckey *k);

#endif
