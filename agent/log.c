/* log.c — logfmt lines on stderr with a level threshold and redaction (see log.h). */
#include "agent/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "net/loop.h"
#include "net/producer_conf.h"

static int threshold = LW_LOG_INFO;
static int format = LW_LOG_FMT_LOGFMT;
static lw_log_sink sink;
static void *sink_ud;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void lw_log_set_level(int level) {
  threshold = level < LW_LOG_DEBUG ? LW_LOG_DEBUG : level > LW_LOG_ERROR ? LW_LOG_ERROR : level;
}

int lw_log_get_level(void) {
  return threshold;
}

bool lw_log_enabled(int level) {
  return level >= threshold;
}

const char *lw_log_level_name(int level) {
  return level >= LW_LOG_DEBUG && level <= LW_LOG_ERROR ? level_names[level] : "?";
}

int lw_log_level_parse(const char *s) {
  for (int i = 0; i < 4; i++)
    if (strcmp(s, level_names[i]) == 0)
      return i;
  return -1;
}

void lw_log_set_format(int fmt) {
  format = fmt == LW_LOG_FMT_JSON ? LW_LOG_FMT_JSON : LW_LOG_FMT_LOGFMT;
}

void lw_log_set_sink(lw_log_sink s, void *ud) {
  sink = s;
  sink_ud = ud;
}

/* ---- Formatting into a fixed buffer ---- */

/* Room kept at the end for the truncation mark, a closing quote and the newline. */
#define TAIL 8

typedef struct w {
  char *p;
  size_t len, cap; /* cap excludes TAIL */
  bool full;
} w;

static void put(w *o, const void *s, size_t n) {
  if (o->full)
    return;
  if (n > o->cap - o->len) {
    n = o->cap - o->len;
    o->full = true;
  }
  memcpy(o->p + o->len, s, n);
  o->len += n;
}

static void puts_(w *o, const char *s) {
  put(o, s, strlen(s));
}

static bool needs_quotes(const char *s, size_t n) {
  if (n == 0)
    return true;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= ' ' || c == '"' || c == '=' || c == 0x7f)
      return true;
  }
  return false;
}

/* Two-character escapes inside quotes; other controls are \u00XX. */
static const char logfmt_esc[128] = {
    ['"'] = '"', ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};

static void put_quoted(w *o, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  if (o->full)
    return;
  if (o->cap - o->len < 2) { /* not even room for "" */
    o->full = true;
    return;
  }
  o->p[o->len++] = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char e[6] = {(char)c};
    size_t en = 1;
    if (c < 0x80 && logfmt_esc[c]) {
      e[0] = '\\';
      e[1] = logfmt_esc[c];
      en = 2;
    } else if (c < 0x20 || c == 0x7f) {
      memcpy(e, "\\u00", 4);
      e[4] = hex[c >> 4];
      e[5] = hex[c & 15];
      en = 6;
    }
    if (en + 1 > o->cap - o->len) { /* + 1: the closing quote must fit too */
      o->full = true;
      break;
    }
    memcpy(o->p + o->len, e, en);
    o->len += en;
  }
  /* Invariant: while not full, len <= cap. A cut value's mark and closing quote go into the
   * reserved tail, so the line stays balanced. */
  if (!o->full && o->len >= o->cap)
    o->full = true;
  if (o->full) {
    memcpy(o->p + o->len, "...", 3);
    o->len += 3;
  }
  o->p[o->len++] = '"';
}

static void put_value(w *o, const char *s, size_t n) {
  if (needs_quotes(s, n))
    put_quoted(o, s, n);
  else
    put(o, s, n);
}

static bool ci_contains(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++)
    if (strncasecmp(hay, needle, n) == 0)
      return true;
  return false;
}

static bool secret_key(const char *k) {
  return ci_contains(k, "password") || ci_contains(k, "secret") || lw_producer_conf_secret(k);
}

static void put_key(w *o, const char *k) {
  put(o, " ", 1);
  for (; *k && !o->full; k++) {
    char c = *k;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-' || c == '/';
    put(o, ok ? k : "_", 1);
  }
  put(o, "=", 1);
}

size_t lw_log_format(char *out, int64_t wall_ms, int level, const char *msg, const lw_kv *kv) {
  w o = {.p = out, .cap = LW_LOG_LINE_MAX - TAIL};
  char ts[32];
  lw_json_fmt_ts(ts, wall_ms);
  put(&o, ts, 24);
  puts_(&o, " level=");
  puts_(&o, lw_log_level_name(level));
  puts_(&o, " msg=");
  put_quoted(&o, msg ? msg : "", msg ? strlen(msg) : 0);
  for (; kv && kv->key && !o.full; kv++) {
    put_key(&o, kv->key);
    char num[40];
    if (kv->type == LW_KV_STR || kv->type == LW_KV_STRN) {
      if (secret_key(kv->key))
        puts_(&o, "***");
      else if (!kv->v.s)
        puts_(&o, "null");
      else
        put_value(&o, kv->v.s, kv->type == LW_KV_STR ? strlen(kv->v.s) : kv->n);
      continue;
    }
    if (secret_key(kv->key)) {
      puts_(&o, "***");
      continue;
    }
    switch (kv->type) {
      case LW_KV_INT:
        snprintf(num, sizeof num, "%lld", (long long)kv->v.i);
        break;
      case LW_KV_UINT:
        snprintf(num, sizeof num, "%llu", (unsigned long long)kv->v.u);
        break;
      case LW_KV_DBL:
        snprintf(num, sizeof num, "%g", kv->v.d);
        break;
      case LW_KV_BOOL:
        snprintf(num, sizeof num, "%s", kv->v.b ? "true" : "false");
        break;
      default:
        snprintf(num, sizeof num, "?");
    }
    puts_(&o, num);
  }
  if (o.full && o.len >= 3 && memcmp(o.p + o.len - 3, "...", 3) != 0 && o.p[o.len - 1] != '"')
    memcpy(o.p + o.len, "...", 3), o.len += 3;
  o.p[o.len++] = '\n';
  return o.len;
}

/* A JSON string: quotes, backslashes and control characters escaped; bytes >= 0x80 as they
 * are (log text is UTF-8 or the file's bytes). */
static void put_json_str(w *o, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  put(o, "\"", 1);
  for (size_t i = 0; i < n && !o->full; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      put(o, e, 2);
    } else if (c == '\n') {
      put(o, "\\n", 2);
    } else if (c == '\t') {
      put(o, "\\t", 2);
    } else if (c == '\r') {
      put(o, "\\r", 2);
    } else if (c < 0x20 || c == 0x7f) {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      put(o, e, 6);
    } else {
      put(o, &s[i], 1);
    }
  }
  put(o, "\"", 1);
}

static size_t json_line(char *out, int64_t wall_ms, int level, const char *msg, const lw_kv *kv,
                        size_t msg_max, bool truncated) {
  w o = {.p = out, .cap = LW_LOG_LINE_MAX - TAIL};
  char ts[32];
  lw_json_fmt_ts(ts, wall_ms);
  puts_(&o, "{\"ts\":\"");
  put(&o, ts, 24);
  puts_(&o, "\",\"level\":\"");
  puts_(&o, lw_log_level_name(level));
  puts_(&o, "\",\"msg\":");
  size_t ml = msg ? strlen(msg) : 0;
  put_json_str(&o, msg ? msg : "", ml < msg_max ? ml : msg_max);
  for (; kv && kv->key && !o.full; kv++) {
    puts_(&o, ",");
    put_json_str(&o, kv->key, strlen(kv->key));
    puts_(&o, ":");
    char num[40];
    if (secret_key(kv->key)) {
      puts_(&o, "\"***\"");
      continue;
    }
    switch (kv->type) {
      case LW_KV_STR:
      case LW_KV_STRN:
        if (!kv->v.s)
          puts_(&o, "null");
        else
          put_json_str(&o, kv->v.s, kv->type == LW_KV_STR ? strlen(kv->v.s) : kv->n);
        continue;
      case LW_KV_INT:
        snprintf(num, sizeof num, "%lld", (long long)kv->v.i);
        break;
      case LW_KV_UINT:
        snprintf(num, sizeof num, "%llu", (unsigned long long)kv->v.u);
        break;
      case LW_KV_DBL:
        if (kv->v.d != kv->v.d || kv->v.d - kv->v.d != 0) /* NaN, infinities: not JSON */
          snprintf(num, sizeof num, "null");
        else
          snprintf(num, sizeof num, "%.17g", kv->v.d);
        break;
      case LW_KV_BOOL:
        snprintf(num, sizeof num, "%s", kv->v.b ? "true" : "false");
        break;
      default:
        snprintf(num, sizeof num, "null");
    }
    puts_(&o, num);
  }
  if (truncated)
    puts_(&o, ",\"truncated\":true");
  puts_(&o, "}");
  if (o.full)
    return 0;
  o.p[o.len++] = '\n';
  return o.len;
}

size_t lw_log_format_json(char *out, int64_t wall_ms, int level, const char *msg, const lw_kv *kv) {
  size_t n = json_line(out, wall_ms, level, msg, kv, SIZE_MAX, false);
  if (n == 0) /* too long for one line: keep what identifies the event */
    n = json_line(out, wall_ms, level, msg, NULL, LW_LOG_LINE_MAX / 2, true);
  return n;
}

void lw_log_emit(int level, const char *msg, const lw_kv *kv) {
  if (!lw_log_enabled(level))
    return;
  char line[LW_LOG_LINE_MAX];
  size_t n = format == LW_LOG_FMT_JSON ? lw_log_format_json(line, lw_wall_ms(), level, msg, kv)
                                       : lw_log_format(line, lw_wall_ms(), level, msg, kv);
  if (sink) {
    sink(sink_ud, level, line, n);
    return;
  }
  const char *p = line;
  while (n) {
    ssize_t r = write(STDERR_FILENO, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return; /* EAGAIN on a full non-blocking pipe, or no stderr: drop the line */
    p += r;
    n -= (size_t)r;
  }
}

/* net/ and tail/ log at 0 (debug) to 3 (error); anything outside that range is clamped. */
static int hook_level(int level) {
  return level < LW_LOG_DEBUG ? LW_LOG_DEBUG : level > LW_LOG_ERROR ? LW_LOG_ERROR : level;
}

void lw_log_hook_broker(void *ud, int level, const char *broker, int node_id, const char *msg) {
  level = hook_level(level);
  if (!lw_log_enabled(level))
    return;
  lw_log(level, msg, LW_S("component", ud ? (const char *)ud : "kafka"), LW_S("broker", broker),
         LW_I("broker_id", node_id));
}

void lw_log_hook(void *ud, int level, const char *msg) {
  level = hook_level(level);
  if (!lw_log_enabled(level))
    return;
  if (ud)
    lw_log(level, msg, LW_S("component", (const char *)ud));
  else
    lw_log(level, msg);
}
