/* config_schema.c — the one table of [agent], [input.NAME] and [sys] keys, and the typed
 * parsers, freeing and comparison driven by it (config.c validates through it; docs/CONFIG.md
 * is checked against it by a unit test). */
#include "agent/config_schema.h"

#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/http.h"
#include "base/err.h"

#define A(f)  offsetof(lw_agent_conf, f)
#define I(f)  offsetof(lw_input_conf, f)
#define SY(f) offsetof(lw_sys_conf, f)
#define E(f)  offsetof(lw_etcd_conf, f)
#define KIB   1024LL
#define MIB   (1024LL * 1024)
#define GIB   (1024LL * 1024 * 1024)

/* Defaults are chosen the way Fluent Bit / Filebeat users expect: start at the end of files
 * seen for the first time, raw lines, 1 MiB lines split (not dropped), CR stripped. */
static const lw_ckey keys[] = {
    /* [agent] */
    {LW_CSEC_AGENT, "state_dir", LW_CT_PATH, "/var/lib/logwire", A(state_dir), 0, 0, 0, NULL,
     "directory for checkpoints (file offsets acknowledged by Kafka); must be writable"},
    {LW_CSEC_AGENT, "http", LW_CT_HOSTPORT, "", A(http), 0, 0, 0, NULL,
     "address of the stats endpoint, host:port ([addr]:port for IPv6); unset: no endpoint"},
    {LW_CSEC_AGENT, "log_level", LW_CT_ENUM, "info", A(log_level), 0, 0, 0, "debug|info|warn|error",
     "least severe level written to stderr"},
    {LW_CSEC_AGENT, "log_format", LW_CT_ENUM, "logfmt", A(log_format), 0, 0, 0, "logfmt|json",
     "the log's line format on stderr: logfmt (key=value) or json (one object a line)"},
    {LW_CSEC_AGENT, "shutdown_timeout_ms", LW_CT_INT, "10000", A(shutdown_timeout_ms), 0, 0,
     3600000, NULL,
     "on SIGTERM, how long to wait for in-flight records to be acknowledged before exiting "
     "(unacknowledged lines are read again at the next start)"},
    {LW_CSEC_AGENT, "checkpoint_ms", LW_CT_INT, "1000", A(checkpoint_ms), 0, 10, 3600000, NULL,
     "how often acknowledged file offsets are written to state_dir"},
    {LW_CSEC_AGENT, "read_ahead_bytes", LW_CT_SIZE, "512K", A(read_ahead_bytes), 0, 64 * KIB, GIB,
     NULL,
     "how far the agent reads ahead of Kafka's acknowledgements, over all file inputs: the log "
     "file on disk is the buffer, so this bounds memory, not durability"},
    {LW_CSEC_AGENT, "max_open_files", LW_CT_INT, "auto", A(max_open_files), 0, 0, 1048576, "auto",
     "descriptors each input may hold for its files; auto (or 0): the descriptor limit (raised to "
     "the "
     "hard limit at start) minus 256 for sockets and state files, shared by the inputs. Past "
     "it, idle files are closed and reopened by path when they change"},
    {LW_CSEC_AGENT, "hostname", LW_CT_STR, "", A(hostname), 0, 0, 0, NULL,
     "host name used in keys, headers and JSON records; unset: gethostname()"},

    /* [input.NAME] */
    {LW_CSEC_INPUT, "paths", LW_CT_GLOBS, NULL, I(paths), 0, 1, 0, NULL,
     "required: comma-separated absolute paths or glob(7) patterns of the files to follow; a "
     "component ** matches zero or more directories (/var/log/**/*.log)"},
    {LW_CSEC_INPUT, "exclude", LW_CT_GLOBS, "", I(exclude), 0, 0, 0, NULL,
     "comma-separated glob patterns matched against the full path (fnmatch(3) without "
     "FNM_PATHNAME, so *.gz excludes every .gz file); matching files are not followed"},
    {LW_CSEC_INPUT, "topic", LW_CT_TOPIC, NULL, I(topic), 0, 0, 0, NULL,
     "required: the Kafka topic the lines are sent to"},
    {LW_CSEC_INPUT, "key", LW_CT_KEY, "none", I(key), I(key_literal), 0, 0, "none|path|host|input",
     "record key: none (records spread over partitions), path (the file's path), host, "
     "input (the input's NAME) or literal:TEXT; records with equal keys share a partition"},
    {LW_CSEC_INPUT, "start", LW_CT_ENUM, "end", I(start), 0, 0, 0, "end|beginning",
     "where a file seen for the first time is read from (files with a checkpoint resume from "
     "it; files created while running are read from the beginning)"},
    {LW_CSEC_INPUT, "format", LW_CT_ENUM, "raw", I(format), 0, 0, 0, "raw|json",
     "record value: raw (the line's bytes) or json "
     "({\"host\",\"path\",\"offset\",\"ts\",\"message\"})"},
    {LW_CSEC_INPUT, "parse", LW_CT_ENUM, "none", I(parse), 0, 0, 0, "none|json",
     "what the lines are: none (text, the record's message) or json (a line that is a JSON "
     "object has its members merged into the record, and makes format json; other lines are "
     "sent as with format = json and counted as lines_not_json)"},
    {LW_CSEC_INPUT, "headers", LW_CT_HEADERS, "none", I(headers), 0, 0, 0, "host|path|input|offset",
     "record headers to add: none, or a comma-separated list of host, path, input, offset"},
    {LW_CSEC_INPUT, "partition", LW_CT_INT, "-1", I(partition), 0, -1, INT32_MAX, NULL,
     "fixed partition for every record; -1: the partitioner decides ([kafka] partitioner)"},
    {LW_CSEC_INPUT, "max_line_bytes", LW_CT_SIZE, "1M", I(max_line_bytes), 0, KIB, 64 * MIB, NULL,
     "longest line sent as one record; at most [kafka] message_max_bytes"},
    {LW_CSEC_INPUT, "long_lines", LW_CT_ENUM, "split", I(long_lines), 0, 0, 0, "split|truncate",
     "lines longer than max_line_bytes: split (several records, nothing lost) or truncate "
     "(the rest of the line is dropped and counted)"},
    {LW_CSEC_INPUT, "strip_cr", LW_CT_BOOL, "true", I(strip_cr), 0, 0, 0, NULL,
     "remove a carriage return before the newline (CRLF files)"},
    {LW_CSEC_INPUT, "multiline_start", LW_CT_REGEX, "", I(multiline_start), 0, 0, 0, NULL,
     "POSIX extended regular expression matching the first line of a record; following lines "
     "that do not match are appended (Java stack traces); unset: one line, one record"},
    {LW_CSEC_INPUT, "include_lines", LW_CT_REGEX, "", I(include_lines), 0, 0, 0, NULL,
     "POSIX extended regular expression: only lines (records, with multiline_start) that match "
     "it are shipped; the others are skipped and counted as filtered"},
    {LW_CSEC_INPUT, "exclude_lines", LW_CT_REGEX, "", I(exclude_lines), 0, 0, 0, NULL,
     "POSIX extended regular expression: lines that match it are not shipped (applied after "
     "include_lines) and are counted as filtered"},
    {LW_CSEC_INPUT, "multiline_flush_ms", LW_CT_INT, "1000", I(multiline_flush_ms), 0, 1, 3600000,
     NULL,
     "with multiline_start: how long a record may wait for continuation lines before it is "
     "sent"},
    {LW_CSEC_INPUT, "rotate_wait_ms", LW_CT_INT, "5000", I(rotate_wait_ms), 0, 0, 3600000, NULL,
     "how long a rotated (renamed or deleted) file is kept open once read to its end, for "
     "lines the application writes to it before it reopens; 0: closed as soon as drained"},
    {LW_CSEC_INPUT, "poll_ms", LW_CT_INT, "1000", I(poll_ms), 0, 10, 3600000, NULL,
     "interval of the stat() check of every file (catches what inotify misses: NFS, rotation "
     "races); with poll = true the only way changes are seen"},
    {LW_CSEC_INPUT, "poll", LW_CT_BOOL, "false", I(poll), 0, 0, 0, NULL,
     "true: never use inotify, only stat polling every poll_ms (network file systems)"},

    /* [sys] */
    {LW_CSEC_SYS, "topic", LW_CT_TOPIC, NULL, SY(topic), 0, 0, 0, NULL,
     "required: the Kafka topic of the system metrics records"},
    {LW_CSEC_SYS, "interval_s", LW_CT_INT, "10", SY(interval_s), 0, 1, 86400, NULL,
     "seconds between samples"},
    {LW_CSEC_SYS, "key", LW_CT_KEY, "host", SY(key), SY(key_literal), 0, 0, "none|host",
     "record key: host, none or literal:TEXT"},

    /* [etcd] (docs/FLEET.md) */
    {LW_CSEC_ETCD, "endpoints", LW_CT_GLOBS, NULL, E(endpoints), 0, 0, 0, NULL,
     "required: comma-separated etcd client URLs (http://host:port or https://host:port), "
     "tried in order when one does not answer"},
    {LW_CSEC_ETCD, "prefix", LW_CT_STR, "/logwire", E(prefix), 0, 1, 0, NULL,
     "key prefix: this host's inputs are read from PREFIX/config/HOST and PREFIX/config/_all, "
     "its status written to PREFIX/agents/HOST"},
    {LW_CSEC_ETCD, "host", LW_CT_STR, "", E(host), 0, 0, 0, NULL,
     "the name of this agent in etcd keys; unset: [agent] hostname"},
    {LW_CSEC_ETCD, "username", LW_CT_STR, "", E(username), 0, 0, 0, NULL,
     "etcd user (etcd authentication); unset: none"},
    {LW_CSEC_ETCD, "password", LW_CT_STR, "", E(password), 0, 0, 0, NULL,
     "the user's password (prefer password_file or ${ENV})"},
    {LW_CSEC_ETCD, "password_file", LW_CT_STR, "", E(password_file), 0, 0, 0, NULL,
     "file holding the password (read at start and at each reload; a trailing newline is "
     "dropped)"},
    {LW_CSEC_ETCD, "ca_file", LW_CT_STR, "", E(ca_file), 0, 0, 0, NULL,
     "CA certificate(s) to verify etcd's certificate with (https endpoints); unset: the "
     "system store"},
    {LW_CSEC_ETCD, "cert_file", LW_CT_STR, "", E(cert_file), 0, 0, 0, NULL,
     "client certificate for etcd's --client-cert-auth"},
    {LW_CSEC_ETCD, "key_file", LW_CT_STR, "", E(key_file), 0, 0, 0, NULL,
     "the client certificate's private key"},
    {LW_CSEC_ETCD, "timeout_ms", LW_CT_INT, "5000", E(timeout_ms), 0, 100, 600000, NULL,
     "how long one request to etcd may take before the next endpoint is tried"},
    {LW_CSEC_ETCD, "allowed_paths", LW_CT_GLOBS, "/var/log/**", E(allowed_paths), 0, 1, 0, NULL,
     "comma-separated globs (fnmatch(3), * also matches /): an input from etcd whose paths are "
     "not all inside them is refused, whoever can write to etcd"},
    {LW_CSEC_ETCD, "config_key", LW_CT_STR, "", E(config_key), 0, 0, 0, NULL,
     "read this key instead, in the tutorial JSON layout ([{\"path\":..,\"topic\":..}]); "
     "{host} and {ip} are expanded"},
};
#define NKEYS (sizeof keys / sizeof *keys)

const lw_ckey *lw_ckey_at(int i) {
  return i >= 0 && (size_t)i < NKEYS ? &keys[i] : NULL;
}

const lw_ckey *lw_ckey_find(int sec, const char *name) {
  for (size_t i = 0; i < NKEYS; i++)
    if (keys[i].sec == sec && strcmp(keys[i].name, name) == 0)
      return &keys[i];
  return NULL;
}

const char *lw_ckey_type_name(const lw_ckey *k) {
  switch (k->type) {
    case LW_CT_STR:
      return "string";
    case LW_CT_PATH:
      return "path";
    case LW_CT_HOSTPORT:
      return "host:port";
    case LW_CT_INT:
      return k->choices ? "integer|auto" : "integer";
    case LW_CT_SIZE:
      return "size";
    case LW_CT_BOOL:
      return "bool";
    case LW_CT_ENUM:
      return k->choices;
    case LW_CT_GLOBS:
      return "list";
    case LW_CT_TOPIC:
      return "topic";
    case LW_CT_KEY:
      return "key";
    case LW_CT_HEADERS:
      return "list";
    case LW_CT_REGEX:
      return "regex";
  }
  return "?";
}

bool lw_parse_size(const char *s, uint64_t *out) {
  const char *p = s;
  if (*p < '0' || *p > '9')
    return false;
  uint64_t v = 0;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (v > (UINT64_MAX - 9) / 10)
      return false;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  uint64_t mult = 1;
  switch (*p) {
    case 'k':
    case 'K':
      mult = KIB;
      p++;
      break;
    case 'm':
    case 'M':
      mult = MIB;
      p++;
      break;
    case 'g':
    case 'G':
      mult = GIB;
      p++;
      break;
  }
  if (mult > 1 && (*p == 'i' || *p == 'I') && (p[1] == 'b' || p[1] == 'B'))
    p += 2;
  else if (*p == 'b' || *p == 'B')
    p++;
  if (*p || v > UINT64_MAX / mult)
    return false;
  *out = v * mult;
  return true;
}

static bool parse_int(const char *s, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (end == s || *end || errno || s[0] == ' ')
    return false;
  *out = v;
  return true;
}

static int parse_flag(const char *v) {
  static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
  for (int i = 0; i < 4; i++) {
    if (strcmp(v, yes[i]) == 0)
      return 1;
    if (strcmp(v, no[i]) == 0)
      return 0;
  }
  return -1;
}

/* "1K", "64M" when exact, else the number. */
static void fmt_size(char *out, size_t n, long long v) {
  if (v >= GIB && v % GIB == 0)
    snprintf(out, n, "%lldG", v / GIB);
  else if (v >= MIB && v % MIB == 0)
    snprintf(out, n, "%lldM", v / MIB);
  else if (v >= KIB && v % KIB == 0)
    snprintf(out, n, "%lldK", v / KIB);
  else
    snprintf(out, n, "%lld", v);
}

/* Index of v in "a|b|c", or -1. */
static int choice_index(const char *choices, const char *v) {
  size_t vn = strlen(v);
  int i = 0;
  for (const char *p = choices; *p; i++) {
    size_t n = strcspn(p, "|");
    if (n == vn && memcmp(p, v, n) == 0)
      return i;
    p += n;
    if (*p == '|')
      p++;
  }
  return -1;
}

/* "expected a, b or c" from "a|b|c". */
static void expected_choices(char *err, size_t errlen, const char *choices, const char *extra) {
  char buf[160] = "expected ";
  size_t len = strlen(buf);
  int total = 1;
  for (const char *p = choices; *p; p++)
    total += *p == '|';
  int i = 0;
  for (const char *p = choices; *p && len < sizeof buf - 1; i++) {
    size_t n = strcspn(p, "|");
    const char *sep = i == 0 ? "" : (i == total - 1 && !extra) ? " or " : ", ";
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%.*s", sep, (int)n, p);
    p += n;
    if (*p == '|')
      p++;
  }
  snprintf(err, errlen, "%s%s%s", buf, extra ? " or " : "", extra ? extra : "");
}

static void free_list(lw_strlist *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

/* Comma-separated items, trimmed, empty ones skipped. Returns LW_OK or LW_ERR_NOMEM. */
static int split_list(const char *v, lw_strlist *out) {
  out->v = NULL;
  out->n = 0;
  for (const char *p = v; *p;) {
    size_t n = strcspn(p, ",");
    const char *s = p;
    size_t sn = n;
    while (sn && (*s == ' ' || *s == '\t'))
      s++, sn--;
    while (sn && (s[sn - 1] == ' ' || s[sn - 1] == '\t'))
      sn--;
    if (sn) {
      char **nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
      char *item = strndup(s, sn);
      if (!nv || !item) {
        free(item);
        if (nv)
          out->v = nv;
        free_list(out);
        return LW_ERR_NOMEM;
      }
      out->v = nv;
      out->v[out->n++] = item;
    }
    p += n;
    if (*p == ',')
      p++;
  }
  return LW_OK;
}

static bool valid_topic(const char *t) {
  size_t n = strlen(t);
  if (n == 0 || n > 249 || strcmp(t, ".") == 0 || strcmp(t, "..") == 0)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = t[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-'))
      return false;
  }
  return true;
}

static int set_str(char **field, const char *v) {
  char *s = v ? strdup(v) : NULL;
  if (v && !s)
    return LW_ERR_NOMEM;
  free(*field);
  *field = s;
  return LW_OK;
}

int lw_ckey_set(const lw_ckey *k, void *base, const char *v, char *err, size_t errlen) {
  char *f = (char *)base + k->off;
  long long x;
  uint64_t u;
  int i;
  char lo[24], hi[24];
  switch (k->type) {
    case LW_CT_STR:
      if (k->min > 0 && !v[0]) {
        snprintf(err, errlen, "must not be empty");
        return LW_ERR_CONFIG;
      }
      return set_str((char **)f, v[0] ? v : NULL);
    case LW_CT_PATH:
      if (v[0] != '/') {
        snprintf(err, errlen, "expected an absolute path");
        return LW_ERR_CONFIG;
      }
      return set_str((char **)f, v);
    case LW_CT_HOSTPORT:
      if (v[0] && lw_http_split_addr(v, NULL, 0, NULL) != LW_OK) {
        snprintf(err, errlen, "expected host:port (IPv6: [addr]:port)");
        return LW_ERR_CONFIG;
      }
      return set_str((char **)f, v[0] ? v : NULL);
    case LW_CT_INT:
      if (k->choices && !strcmp(v, k->choices)) { /* the one word an integer key may take */
        *(int *)f = 0;
        return LW_OK;
      }
      if (!parse_int(v, &x)) {
        if (k->choices)
          snprintf(err, errlen, "expected an integer or %s", k->choices);
        else
          snprintf(err, errlen, "expected an integer");
        return LW_ERR_CONFIG;
      }
      if (x < k->min || x > k->max) {
        snprintf(err, errlen, "must be between %lld and %lld", k->min, k->max);
        return LW_ERR_CONFIG;
      }
      *(int *)f = (int)x;
      return LW_OK;
    case LW_CT_SIZE:
      if (!lw_parse_size(v, &u)) {
        snprintf(err, errlen, "expected a size (bytes, or a number with K, M or G)");
        return LW_ERR_CONFIG;
      }
      if (u < (uint64_t)k->min || u > (uint64_t)k->max) {
        fmt_size(lo, sizeof lo, k->min);
        fmt_size(hi, sizeof hi, k->max);
        snprintf(err, errlen, "must be between %s and %s", lo, hi);
        return LW_ERR_CONFIG;
      }
      *(size_t *)f = (size_t)u;
      return LW_OK;
    case LW_CT_BOOL:
      if ((i = parse_flag(v)) < 0) {
        snprintf(err, errlen, "expected true or false");
        return LW_ERR_CONFIG;
      }
      *(bool *)f = i;
      return LW_OK;
    case LW_CT_ENUM:
      if ((i = choice_index(k->choices, v)) < 0) {
        expected_choices(err, errlen, k->choices, NULL);
        return LW_ERR_CONFIG;
      }
      *(int *)f = i;
      return LW_OK;
    case LW_CT_GLOBS: {
      lw_strlist l;
      if (split_list(v, &l) != LW_OK)
        return LW_ERR_NOMEM;
      int rc = LW_OK;
      if (k->min > 0 && l.n == 0) {
        snprintf(err, errlen, "expected at least one path");
        rc = LW_ERR_CONFIG;
      }
      for (size_t j = 0; rc == LW_OK && k->min > 0 && j < l.n; j++)
        if (l.v[j][0] != '/') {
          snprintf(err, errlen, "not an absolute path: \"%.100s\"", l.v[j]);
          rc = LW_ERR_CONFIG;
        }
      if (rc != LW_OK) {
        free_list(&l);
        return rc;
      }
      free_list((lw_strlist *)f);
      *(lw_strlist *)f = l;
      return LW_OK;
    }
    case LW_CT_TOPIC: {
      /* An input's topic may name its file: {file_stem}, {host}, {input} are replaced per
       * record (characters a topic cannot hold become '_'). */
      char probe[1024];
      size_t o = 0;
      for (const char *p = v; *p && o + 2 < sizeof probe; p++) {
        if (*p == '{' && k->sec == LW_CSEC_INPUT) {
          const char *end = strchr(p, '}');
          size_t n = end ? (size_t)(end - p - 1) : 0;
          if (!end || !((n == 9 && !strncmp(p + 1, "file_stem", 9)) ||
                        (n == 4 && !strncmp(p + 1, "host", 4)) ||
                        (n == 5 && !strncmp(p + 1, "input", 5)))) {
            snprintf(err, errlen,
                     "unknown placeholder in \"%s\" (a topic may use {file_stem}, {host} and "
                     "{input})",
                     v);
            return LW_ERR_CONFIG;
          }
          probe[o++] = 'x';
          p = end;
          continue;
        }
        probe[o++] = *p;
      }
      probe[o] = 0;
      if (!valid_topic(probe)) {
        snprintf(err, errlen, "invalid topic name (1 to 249 letters, digits, '.', '_' or '-')");
        return LW_ERR_CONFIG;
      }
      return set_str((char **)f, v);
    }
    case LW_CT_KEY: {
      char **lit = (char **)((char *)base + k->off2);
      if (strncmp(v, "literal:", 8) == 0) {
        if (!v[8]) {
          snprintf(err, errlen, "literal: needs the key's text after the colon");
          return LW_ERR_CONFIG;
        }
        if (set_str(lit, v + 8) != LW_OK)
          return LW_ERR_NOMEM;
        *(int *)f = LW_KEY_LITERAL;
        return LW_OK;
      }
      static const int modes[] = {LW_KEY_NONE, LW_KEY_PATH, LW_KEY_HOST, LW_KEY_INPUT};
      static const char *names[] = {"none", "path", "host", "input"};
      if ((i = choice_index(k->choices, v)) < 0) {
        expected_choices(err, errlen, k->choices, "literal:TEXT");
        return LW_ERR_CONFIG;
      }
      for (int m = 0; m < 4; m++)
        if (strcmp(names[m], v) == 0)
          *(int *)f = modes[m];
      free(*lit);
      *lit = NULL;
      return LW_OK;
    }
    case LW_CT_HEADERS: {
      if (strcmp(v, "none") == 0 || !v[0]) {
        *(unsigned *)f = 0;
        return LW_OK;
      }
      lw_strlist l;
      if (split_list(v, &l) != LW_OK)
        return LW_ERR_NOMEM;
      unsigned bits = 0;
      int rc = LW_OK;
      for (size_t j = 0; j < l.n && rc == LW_OK; j++) {
        int c = choice_index(k->choices, l.v[j]);
        if (c < 0) {
          snprintf(err, errlen, "unknown header \"%.40s\" (expected host, path, input or offset)",
                   l.v[j]);
          rc = LW_ERR_CONFIG;
        }
        bits |= 1u << (c < 0 ? 0 : c);
      }
      free_list(&l);
      if (rc == LW_OK)
        *(unsigned *)f = bits;
      return rc;
    }
    case LW_CT_REGEX: {
      if (!v[0])
        return set_str((char **)f, NULL);
      regex_t re;
      int rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB);
      if (rc != 0) {
        char why[160];
        regerror(rc, &re, why, sizeof why);
        snprintf(err, errlen, "invalid regular expression: %s", why);
        return LW_ERR_CONFIG;
      }
      regfree(&re);
      return set_str((char **)f, v);
    }
  }
  return LW_ERR_CONFIG;
}

int lw_csec_defaults(int sec, void *base) {
  char err[160];
  for (size_t i = 0; i < NKEYS; i++)
    if (keys[i].sec == sec && keys[i].deflt &&
        lw_ckey_set(&keys[i], base, keys[i].deflt, err, sizeof err) == LW_ERR_NOMEM)
      return LW_ERR_NOMEM;
  return LW_OK;
}

static bool is_str_type(int t) {
  return t == LW_CT_STR || t == LW_CT_PATH || t == LW_CT_HOSTPORT || t == LW_CT_TOPIC ||
         t == LW_CT_REGEX;
}

void lw_csec_free(int sec, void *base) {
  for (size_t i = 0; i < NKEYS; i++) {
    if (keys[i].sec != sec)
      continue;
    char *f = (char *)base + keys[i].off;
    if (is_str_type(keys[i].type)) {
      free(*(char **)f);
      *(char **)f = NULL;
    } else if (keys[i].type == LW_CT_GLOBS) {
      free_list((lw_strlist *)f);
    } else if (keys[i].type == LW_CT_KEY) {
      char **lit = (char **)((char *)base + keys[i].off2);
      free(*lit);
      *lit = NULL;
    }
  }
}

static bool str_eq(const char *a, const char *b) {
  return strcmp(a ? a : "", b ? b : "") == 0;
}

bool lw_csec_equal(int sec, const void *a, const void *b) {
  for (size_t i = 0; i < NKEYS; i++) {
    if (keys[i].sec != sec)
      continue;
    const char *fa = (const char *)a + keys[i].off, *fb = (const char *)b + keys[i].off;
    switch (keys[i].type) {
      case LW_CT_INT:
      case LW_CT_ENUM:
        if (*(const int *)fa != *(const int *)fb)
          return false;
        break;
      case LW_CT_KEY:
        if (*(const int *)fa != *(const int *)fb ||
            !str_eq(*(char *const *)((const char *)a + keys[i].off2),
                    *(char *const *)((const char *)b + keys[i].off2)))
          return false;
        break;
      case LW_CT_HEADERS:
        if (*(const unsigned *)fa != *(const unsigned *)fb)
          return false;
        break;
      case LW_CT_SIZE:
        if (*(const size_t *)fa != *(const size_t *)fb)
          return false;
        break;
      case LW_CT_BOOL:
        if (*(const bool *)fa != *(const bool *)fb)
          return false;
        break;
      case LW_CT_GLOBS: {
        const lw_strlist *la = (const lw_strlist *)fa, *lb = (const lw_strlist *)fb;
        if (la->n != lb->n)
          return false;
        for (size_t j = 0; j < la->n; j++)
          if (strcmp(la->v[j], lb->v[j]) != 0)
            return false;
        break;
      }
      default:
        if (!str_eq(*(char *const *)fa, *(char *const *)fb))
          return false;
    }
  }
  return true;
}
