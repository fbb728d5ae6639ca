/* config.h — the agent's configuration: the INI file (ini.h) checked against one schema table,
 * with every problem reported as "FILE:LINE: KEY: PROBLEM". docs/CONFIG.md documents every key;
 * a unit test holds the two together.
 *
 * Sections: [kafka] (producer options, net/producer_conf.h), [agent], any number of
 * [input.NAME], an optional [sys] (system metrics) and an optional [etcd] (the fleet's
 * central configuration: inputs from etcd are merged with lw_config_merge). */
#ifndef LW_CONFIG_H
#define LW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/diag.h"
#include "net/producer_conf.h"

/* What a record's key is made of. */
enum lw_key_mode {
  LW_KEY_NONE = 0, /* no key: the partitioner spreads records (sticky) */
  LW_KEY_PATH,     /* the file's path */
  LW_KEY_HOST,     /* the agent's hostname */
  LW_KEY_INPUT,    /* the input's NAME */
  LW_KEY_LITERAL,  /* fixed text ("literal:TEXT") */
};
enum lw_start { LW_START_END = 0, LW_START_BEGINNING };
enum lw_format { LW_FORMAT_RAW = 0, LW_FORMAT_JSON };
enum lw_parse { LW_PARSE_NONE = 0, LW_PARSE_JSON }; /* what the lines are */
enum lw_long_lines { LW_LONG_SPLIT = 0, LW_LONG_TRUNCATE };
/* Record headers an input adds (bit set). */
enum {
  LW_HDR_HOST = 1u << 0,
  LW_HDR_PATH = 1u << 1,
  LW_HDR_INPUT = 1u << 2,
  LW_HDR_OFFSET = 1u << 3
};

typedef struct lw_strlist {
  char **v; /* owned strings */
  size_t n;
} lw_strlist;

typedef struct lw_agent_conf {
  char *state_dir;               /* checkpoints; default /var/lib/logwire */
  char *http;                    /* stats endpoint "host:port"; NULL when off */
  int log_level;                 /* LW_LOG_DEBUG..LW_LOG_ERROR (log.h); default info */
  int log_format;                /* enum lw_log_fmt (log.h): logfmt (default) or json */
  int shutdown_timeout_ms;       /* time to drain in-flight records at exit; default 10000 */
  int checkpoint_ms;             /* how often acknowledged offsets are saved; default 1000 */
  size_t read_ahead_bytes;       /* per agent: bytes read from files but not yet acknowledged */
  int max_open_files;            /* descriptors per input for its files; 0 (auto, default):
                                    derived from the descriptor limit (lw_agent_max_open_files) */
  char *hostname;                /* default: gethostname() */
  int state_dir_line, http_line; /* where they were set (0: default), for `run --check` */
  int max_open_files_line;
} lw_agent_conf;

typedef struct lw_input_conf {
  char *name; /* NAME of [input.NAME] */
  int line;   /* line of the section header */
  lw_strlist paths, exclude;
  char *topic;       /* may hold {file_stem}, {host}, {input} */
  int key;           /* enum lw_key_mode */
  char *key_literal; /* the TEXT of "literal:TEXT", else NULL */
  int start;         /* enum lw_start: where a file never seen before is read from */
  int format;        /* enum lw_format */
  int parse;         /* enum lw_parse: json merges a JSON object line into the record */
  unsigned headers;  /* LW_HDR_* */
  int partition;     /* -1: the partitioner decides */
  size_t max_line_bytes;
  int long_lines; /* enum lw_long_lines */
  bool strip_cr;
  char *multiline_start; /* POSIX ERE source (validated with regcomp), NULL when unset */
  char *include_lines;   /* POSIX ERE: ship only matching lines; NULL when unset */
  char *exclude_lines;   /* POSIX ERE: drop matching lines; NULL when unset */
  /* fields.NAME = VALUE: static fields, added to JSON records (format = json) or as record
   * headers (format = raw); names[i] goes with values[i]. */
  lw_strlist field_names, field_values;
  int multiline_flush_ms;
  int rotate_wait_ms; /* 0: close a rotated file as soon as it is drained */
  int poll_ms;
  bool poll;    /* stat polling only (no inotify) */
  char *origin; /* where it was defined when not in the local file ("etcd KEY@REV"), owned */
} lw_input_conf;

typedef struct lw_sys_conf {
  bool enabled; /* the [sys] section exists */
  int line;
  char *topic;
  int interval_s;
  int key; /* LW_KEY_NONE, LW_KEY_HOST or LW_KEY_LITERAL */
  char *key_literal;
} lw_sys_conf;

/* [etcd]: where the fleet's configuration lives (docs/FLEET.md). */
typedef struct lw_etcd_conf {
  lw_strlist endpoints; /* http(s)://host:port, tried in order */
  char *prefix;         /* default /logwire */
  char *host;           /* the name under <prefix>/config/; default: [agent] hostname */
  char *username, *password, *password_file;
  char *ca_file, *cert_file, *key_file;
  int timeout_ms;
  lw_strlist allowed_paths; /* what inputs from etcd may read; default: all of /var/log */
  char *config_key;         /* a key in the tutorial JSON layout, {host} and {ip} expanded */
} lw_etcd_conf;

typedef struct lw_config {
  char *path; /* the file it came from (owned) */
  lw_producer_conf kafka;
  lw_agent_conf agent;
  lw_input_conf *inputs; /* owned array, in file order */
  size_t ninputs;
  lw_sys_conf sys;
  bool etcd_enabled; /* the [etcd] section exists */
  int etcd_line;
  lw_etcd_conf etcd;
  /* Where the TLS options were set, for `run --check` (which sets up TLS after the file was
   * read): the [kafka] section's line, and each ssl_* / security_protocol key's. */
  int kafka_line;
  struct {
    char key[24]; /* the option's table name */
    int line;
  } tls_lines[12];
  int ntls_lines;
} lw_config;

/* The line where the [kafka] option `key` (its table name) was set; the [kafka] section's
 * line when it was not (0 without the section). */
int lw_config_kafka_line(const lw_config *c, const char *key);

/* Read and check a config file. Every problem goes to diag ("FILE:LINE: KEY: PROBLEM"); also
 * a warning when the file is readable by group or others and holds a secret (a [kafka] key
 * for which lw_producer_conf_secret() is true) not taken from ${ENV}. Returns LW_OK, or
 * LW_ERR_CONFIG when diag got at least one error, or LW_ERR_NOMEM. `out` is always
 * initialised; the caller frees it with lw_config_free in every case. */
int lw_config_load(const char *path, lw_config *out, lw_diag *diag);

/* The same on text in memory; `file` names it in messages. No permission warning. */
int lw_config_parse(const char *file, const char *text, size_t len, lw_config *out, lw_diag *diag);

void lw_config_free(lw_config *c);

/* Merge a configuration kept in etcd into c: `text` may hold [input.NAME] and [sys] sections
 * only ([kafka], [agent] and [etcd] stay in the local file). Problems are reported as
 * "ORIGIN:LINE: KEY: PROBLEM" (ORIGIN names the key and revision): an input defined twice
 * (naming both places), a path outside c->etcd.allowed_paths, any schema error. Returns LW_OK,
 * LW_ERR_CONFIG (c keeps what it had before) or LW_ERR_NOMEM. */
int lw_config_merge(lw_config *c, const char *origin, const char *text, size_t len, lw_diag *diag);

/* The check `logwire fleet put` runs before writing: the same as lw_config_merge against an
 * empty local configuration, without the allowed_paths check (that is each agent's). */
int lw_config_check_fragment(const char *origin, const char *text, size_t len, lw_diag *diag);

/* Does every path of `in` stay inside the allowed globs? A path with a "." or ".." component
 * never does. On false, *bad is the first path refused. */
bool lw_config_paths_allowed(const lw_input_conf *in, const lw_strlist *allowed, const char **bad);

/* The input named `name`, or NULL. Borrowed from c. */
const lw_input_conf *lw_config_input(const lw_config *c, const char *name);

/* Hot reload: true when two inputs are configured identically (every field but `line`), i.e.
 * the running input can be kept. */
bool lw_config_input_equal(const lw_input_conf *a, const lw_input_conf *b);
/* True when the producer options are identical (no producer restart needed). */
bool lw_config_kafka_equal(const lw_producer_conf *a, const lw_producer_conf *b);
/* True when the [etcd] sections are identical (both absent included). */
bool lw_config_etcd_equal(const lw_config *a, const lw_config *b);
/* True when the [sys] settings are identical. */
bool lw_config_sys_equal(const lw_sys_conf *a, const lw_sys_conf *b);

/* The schema, for docs and --help: the i-th key of [agent], [input.NAME] and [sys] (the
 * [kafka] keys are lw_producer_conf_key's). Returns false past the end. `section` is "agent",
 * "input" or "sys"; `type` a short description ("size", "end|beginning"); `deflt` the default
 * as written in a config file ("" when unset), `doc` one or two sentences. */
bool lw_config_key(int i, const char **section, const char **name, const char **type,
                   const char **deflt, const char **doc);

/* "2M", "512K", "1G", "4096" (K/M/G are powers of 1024; "KB"/"KiB" spellings accepted).
 * Returns true and sets *out when the whole string is a size. */
bool lw_parse_size(const char *s, uint64_t *out);

#endif
