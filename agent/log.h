/* log.h — the agent's log: one logfmt line per event on stderr,
 *   2026-11-21T17:20:00.123Z level=info msg="connected" broker=k1:9092 attempt=2
 * with a runtime level threshold, typed key/value fields, and secrets written as ***.
 *
 *   lw_log(LW_LOG_INFO, "connected", LW_S("broker", host), LW_I("attempt", n));
 *   lw_log(LW_LOG_WARN, "file rotated");
 *
 * Each field constructor checks its value's type at compile time (a string where an integer
 * is expected does not compile). Values are quoted when they hold spaces, '=', '"' or control
 * characters, with \" \\ \n \r \t and \u00XX escapes inside quotes. A field whose key contains
 * "password" or "secret", or is a producer secret (lw_producer_conf_secret), is written
 * as key=***. Lines longer than LW_LOG_LINE_MAX bytes are cut, marked with "...".
 *
 * The log is process-wide state (threshold, sink); logwire logs from one thread. Writing to
 * stderr is one write(2) per line; if stderr is a full non-blocking pipe the line is dropped
 * rather than stalling the event loop. */
#ifndef LW_LOG_H
#define LW_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum lw_log_level { LW_LOG_DEBUG = 0, LW_LOG_INFO = 1, LW_LOG_WARN = 2, LW_LOG_ERROR = 3 };

#define LW_LOG_LINE_MAX 8192

enum lw_kv_type {
  LW_KV_END = 0,
  LW_KV_STR,
  LW_KV_STRN,
  LW_KV_INT,
  LW_KV_UINT,
  LW_KV_DBL,
  LW_KV_BOOL
};

typedef struct lw_kv {
  const char *key;
  int type; /* enum lw_kv_type */
  union {
    const char *s;
    int64_t i;
    uint64_t u;
    double d;
    bool b;
  } v;
  size_t n; /* LW_KV_STRN: length of v.s */
} lw_kv;

/* Field constructors. Strings are borrowed for the duration of the call; NULL prints null.
 * No casts inside: a pointer given to LW_I, or an integer to LW_S, fails to compile. */
#define LW_S(k, val)     ((lw_kv){.key = (k), .type = LW_KV_STR, .v.s = (val)})
#define LW_SN(k, p, len) ((lw_kv){.key = (k), .type = LW_KV_STRN, .v.s = (p), .n = (len)})
#define LW_I(k, val)     ((lw_kv){.key = (k), .type = LW_KV_INT, .v.i = (val)})
#define LW_U(k, val)     ((lw_kv){.key = (k), .type = LW_KV_UINT, .v.u = (val)})
#define LW_F(k, val)     ((lw_kv){.key = (k), .type = LW_KV_DBL, .v.d = (val)})
#define LW_B(k, val)     ((lw_kv){.key = (k), .type = LW_KV_BOOL, .v.b = (val)})
/* err=NAME for an lw_err / Kafka error code (lw_err_name). */
#define LW_E(code) LW_S("err", lw_err_name(code))
#define LW_KV_END_ ((lw_kv){.key = NULL, .type = LW_KV_END})

/* lw_log(level, msg, fields...): the fields' array is built only when the level is enabled. */
#define lw_log(level, ...) lw_log_(level, __VA_ARGS__, LW_KV_END_)
#define lw_log_(level, msg, ...)                                                                   \
  (lw_log_enabled(level) ? lw_log_emit((level), (msg), (const lw_kv[]){__VA_ARGS__}) : (void)0)

/* Write one event; `kv` ends with an entry whose key is NULL. */
void lw_log_emit(int level, const char *msg, const lw_kv *kv);

/* The line format: logfmt (default) or one JSON object a line, for log pipelines:
 *   {"ts":"2026-11-21T17:20:00.123Z","level":"info","msg":"connected","broker":"k1:9092"}
 * (numbers and booleans as JSON values; a line too long keeps ts, level and msg, cut, and
 * "truncated":true). */
enum lw_log_fmt { LW_LOG_FMT_LOGFMT = 0, LW_LOG_FMT_JSON = 1 };
void lw_log_set_format(int fmt);

void lw_log_set_level(int level);
int lw_log_get_level(void);
bool lw_log_enabled(int level);
/* "debug", "info", "warn", "error"; parse returns -1 for anything else. */
const char *lw_log_level_name(int level);
int lw_log_level_parse(const char *s);

/* Redirect output (tests): sink gets each complete line, '\n' included. NULL restores
 * stderr. */
typedef void (*lw_log_sink)(void *ud, int level, const char *line, size_t len);
void lw_log_set_sink(lw_log_sink sink, void *ud);

/* Adapter for modules that take a `void (*log)(void *ud, int level, const char *msg)` hook
 * (tail/, net/: level 0 debug .. 3 error). `ud` may be NULL or a const char * naming the
 * module, written as component=NAME. */
void lw_log_hook(void *ud, int level, const char *msg);
/* The same for a message about one broker: its address and id as the fields broker= and
 * broker_id= (net/conn.h lw_log_broker_fn). */
void lw_log_hook_broker(void *ud, int level, const char *broker, int node_id, const char *msg);

/* Formatting alone (used by lw_log_emit, exposed for tests): writes the line, '\n'
 * included, into out (at least LW_LOG_LINE_MAX bytes) and returns its length. */
size_t lw_log_format(char *out, int64_t wall_ms, int level, const char *msg, const lw_kv *kv);
/* The same as one JSON object (LW_LOG_FMT_JSON). */
size_t lw_log_format_json(char *out, int64_t wall_ms, int level, const char *msg, const lw_kv *kv);

#endif
