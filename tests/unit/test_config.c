/* test_config.c — the agent's config: values and defaults of a good file, the exact text of
 * every kind of error, all errors of a file reported together, ${ENV}, the secret-permission
 * warning, and the equality used by hot reload. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/config.h"
#include "proto/compress.h"
#include "base/err.h"
#include "tail/tail.h"

static lw_config cfg;
static lw_diag diag;

static void setup(void) {
  lw_diag_init(&diag);
}
static void teardown(void) {
  lw_config_free(&cfg);
  lw_diag_free(&diag);
}
TestSuite(config, .init = setup, .fini = teardown);

static void dump(void) {
  for (size_t i = 0; i < diag.n; i++)
    fprintf(stderr, "  diag: %s\n", diag.v[i].text);
}

static int parse(const char *text) {
  return lw_config_parse("t.conf", text, strlen(text), &cfg, &diag);
}

#define ASSERT_DIAG(text)                                                                          \
  do {                                                                                             \
    if (!lw_diag_has(&diag, text))                                                                 \
      dump();                                                                                      \
    cr_assert(lw_diag_has(&diag, text), "missing diagnostic: %s", text);                           \
  } while (0)

#define KAFKA "[kafka]\nbrokers = k1:9092\n"

/* The one error a snippet produces, appended after a valid [kafka] section (lines 1-2). */
static void one_error(const char *body, const char *want) {
  lw_config_free(&cfg);
  lw_diag_free(&diag);
  lw_diag_init(&diag);
  char text[2048];
  snprintf(text, sizeof text, KAFKA "%s", body);
  cr_assert_eq(parse(text), LW_ERR_CONFIG, "for: %s", body);
  if (diag.errors != 1 || !lw_diag_has(&diag, want))
    dump();
  cr_assert_eq(diag.errors, 1, "for: %s", body);
  for (size_t i = 0; i < diag.n; i++)
    if (diag.v[i].sev == LW_DIAG_ERROR)
      cr_assert_str_eq(diag.v[i].text, want);
}

Test(config, good_file_values_and_defaults) {
  setenv("LW_T_PW", "s3cret", 1);
  const char *t = "[kafka]\n"
                  "bootstrap.servers = k1:9092,k2:9092\n"
                  "linger.ms = 20\n"
                  "compression = lz4\n"
                  "acks = all\n"
                  "security_protocol = sasl_ssl\n"
                  "sasl_username = shipper\n"
                  "sasl_password = ${LW_T_PW}\n"
                  "[agent]\n"
                  "state_dir = /tmp/lw-state\n"
                  "http = 127.0.0.1:9642\n"
                  "log_level = debug\n"
                  "read_ahead_bytes = 4M\n"
                  "hostname = web-1\n"
                  "[input.nginx]\n"
                  "paths = /var/log/nginx/access.log, /var/log/nginx/*.log\n"
                  "exclude = *.gz\n"
                  "topic = nginx\n"
                  "key = literal:edge\n"
                  "start = beginning\n"
                  "format = json\n"
                  "headers = host, offset\n"
                  "partition = 3\n"
                  "max_line_bytes = 64K\n"
                  "long_lines = truncate\n"
                  "strip_cr = no\n"
                  "multiline_start = \"^[0-9]{4}-\"\n"
                  "multiline_flush_ms = 250\n"
                  "poll_ms = 500\n"
                  "poll = true\n"
                  "[input.app]\n"
                  "paths = /srv/app/app.log\n"
                  "topic = app.logs\n"
                  "[sys]\n"
                  "topic = metrics\n"
                  "interval_s = 30\n";
  int rc = parse(t);
  dump();
  cr_assert_eq(rc, LW_OK);
  cr_assert_eq(diag.n, 0);
  cr_assert_str_eq(cfg.kafka.brokers, "k1:9092,k2:9092");
  cr_assert_eq(cfg.kafka.linger_ms, 20);
  cr_assert_eq(cfg.kafka.compression, LW_CODEC_LZ4);
  cr_assert_eq(cfg.kafka.acks, -1);
  cr_assert_str_eq(cfg.kafka.sasl_password, "s3cret");
  cr_assert_str_eq(cfg.agent.state_dir, "/tmp/lw-state");
  cr_assert_str_eq(cfg.agent.http, "127.0.0.1:9642");
  cr_assert_eq(cfg.agent.log_level, 0);
  cr_assert_eq(cfg.agent.read_ahead_bytes, 4u << 20);
  cr_assert_eq(cfg.agent.shutdown_timeout_ms, 10000);
  cr_assert_eq(cfg.agent.checkpoint_ms, 1000);
  cr_assert_eq(cfg.agent.max_open_files, 0, "auto: derived from the descriptor limit");
  cr_assert_str_eq(cfg.agent.hostname, "web-1");
  cr_assert_eq(cfg.ninputs, 2);

  const lw_input_conf *n = lw_config_input(&cfg, "nginx");
  cr_assert(n);
  cr_assert_eq(n->line, 15);
  cr_assert_eq(n->paths.n, 2);
  cr_assert_str_eq(n->paths.v[0], "/var/log/nginx/access.log");
  cr_assert_str_eq(n->paths.v[1], "/var/log/nginx/*.log");
  cr_assert_eq(n->exclude.n, 1);
  cr_assert_str_eq(n->exclude.v[0], "*.gz");
  cr_assert_str_eq(n->topic, "nginx");
  cr_assert_eq(n->key, LW_KEY_LITERAL);
  cr_assert_str_eq(n->key_literal, "edge");
  cr_assert_eq(n->start, LW_START_BEGINNING);
  cr_assert_eq(n->format, LW_FORMAT_JSON);
  cr_assert_eq(n->headers, LW_HDR_HOST | LW_HDR_OFFSET);
  cr_assert_eq(n->partition, 3);
  cr_assert_eq(n->max_line_bytes, 64 * 1024);
  cr_assert_eq(n->long_lines, LW_LONG_TRUNCATE);
  cr_assert(!n->strip_cr);
  cr_assert_str_eq(n->multiline_start, "^[0-9]{4}-");
  cr_assert_eq(n->multiline_flush_ms, 250);
  cr_assert_eq(n->poll_ms, 500);
  cr_assert(n->poll);

  const lw_input_conf *a = lw_config_input(&cfg, "app");
  cr_assert(a);
  cr_assert_eq(a->paths.n, 1);
  cr_assert_eq(a->exclude.n, 0);
  cr_assert_str_eq(a->topic, "app.logs");
  cr_assert_eq(a->key, LW_KEY_NONE);
  cr_assert_null(a->key_literal);
  cr_assert_eq(a->start, LW_START_END);
  cr_assert_eq(a->format, LW_FORMAT_RAW);
  cr_assert_eq(a->headers, 0);
  cr_assert_eq(a->partition, -1);
  cr_assert_eq(a->max_line_bytes, 1 << 20);
  cr_assert_eq(a->long_lines, LW_LONG_SPLIT);
  cr_assert(a->strip_cr);
  cr_assert_null(a->multiline_start);
  cr_assert_eq(a->multiline_flush_ms, 1000);
  cr_assert_eq(a->poll_ms, 1000);
  cr_assert(!a->poll);

  cr_assert(cfg.sys.enabled);
  cr_assert_str_eq(cfg.sys.topic, "metrics");
  cr_assert_eq(cfg.sys.interval_s, 30);
  cr_assert_eq(cfg.sys.key, LW_KEY_HOST);
  cr_assert_null(lw_config_input(&cfg, "nope"));
}

Test(config, agent_defaults_and_hostname) {
  cr_assert_eq(parse(KAFKA "[input.a]\npaths = /x\ntopic = t\n"), LW_OK);
  cr_assert_str_eq(cfg.agent.state_dir, "/var/lib/logwire");
  cr_assert_null(cfg.agent.http);
  cr_assert_eq(cfg.agent.log_level, 1);
  cr_assert_eq(cfg.agent.read_ahead_bytes, 512u << 10);
  char h[256];
  cr_assert_eq(gethostname(h, sizeof h), 0);
  cr_assert_str_eq(cfg.agent.hostname, h);
  cr_assert(!cfg.sys.enabled);
}

Test(config, each_kind_of_error_has_its_exact_text) {
  /* Sections. */
  one_error("[inputs.x]\n", "t.conf:3: unknown section [inputs.x] (inputs are [input.NAME])");
  one_error("[agnet]\n", "t.conf:3: unknown section [agnet] (expected [kafka], [agent], "
                         "[input.NAME], [sys] or [etcd])");
  one_error("[input]\n", "t.conf:3: an input section needs a name: [input.NAME]");
  /* Unknown keys. */
  one_error("[agent]\nstate_dri = /x\n",
            "t.conf:4: state_dri: unknown key (did you mean state_dir?)");
  one_error("[agent]\nfoo = 1\n", "t.conf:4: foo: unknown key");
  one_error("[input.a]\npaths = /x\ntopic = t\ncompression = gzip\n",
            "t.conf:6: compression: unknown key (producer-wide: set it in [kafka])");
  one_error("[input.a]\npaths = /x\ntopik = t\ntopic = t\n",
            "t.conf:5: topik: unknown key (did you mean topic?)");
  /* Missing keys: at the section's line. */
  one_error("[input.a]\npaths = /x\n", "t.conf:3: topic: required key missing in [input.a]");
  one_error("\n[input.b]\ntopic = t\n", "t.conf:4: paths: required key missing in [input.b]");
  one_error("[sys]\n", "t.conf:3: topic: required key missing in [sys]");
  /* Bad values, one per type. */
  one_error("[agent]\nstate_dir = var/lib\n", "t.conf:4: state_dir: expected an absolute path");
  one_error("[agent]\nhttp = 9642\n", "t.conf:4: http: expected host:port (IPv6: [addr]:port)");
  one_error("[agent]\nhttp = ::1:9642\n", "t.conf:4: http: expected host:port (IPv6: [addr]:port)");
  one_error("[agent]\nlog_level = verbose\n",
            "t.conf:4: log_level: expected debug, info, warn or error");
  one_error("[agent]\ncheckpoint_ms = 1s\n", "t.conf:4: checkpoint_ms: expected an integer");
  one_error("[agent]\nmax_open_files = many\n",
            "t.conf:4: max_open_files: expected an integer or auto");
  one_error("[agent]\nmax_open_files = -1\n",
            "t.conf:4: max_open_files: must be between 0 and 1048576");
  one_error("[agent]\ncheckpoint_ms = 5\n",
            "t.conf:4: checkpoint_ms: must be between 10 and 3600000");
  one_error("[agent]\nread_ahead_bytes = 2X\n",
            "t.conf:4: read_ahead_bytes: expected a size (bytes, or a number with K, M or G)");
  one_error("[agent]\nread_ahead_bytes = 2G\n",
            "t.conf:4: read_ahead_bytes: must be between 64K and 1G");
  one_error("[input.a]\npaths = /x, rel/y\ntopic = t\n",
            "t.conf:4: paths: not an absolute path: \"rel/y\"");
  one_error("[input.a]\npaths = ,\ntopic = t\n", "t.conf:4: paths: expected at least one path");
  one_error("[input.a]\npaths = /x\ntopic = bad topic\n",
            "t.conf:5: topic: invalid topic name (1 to 249 letters, digits, '.', '_' or '-')");
  one_error("[input.a]\npaths = /x\ntopic = t\nkey = file\n",
            "t.conf:6: key: expected none, path, host, input or literal:TEXT");
  one_error("[input.a]\npaths = /x\ntopic = t\nkey = literal:\n",
            "t.conf:6: key: literal: needs the key's text after the colon");
  one_error("[input.a]\npaths = /x\ntopic = t\nstart = begin\n",
            "t.conf:6: start: expected end or beginning");
  one_error("[input.a]\npaths = /x\ntopic = t\nheaders = host, time\n",
            "t.conf:6: headers: unknown header \"time\" (expected host, path, input or offset)");
  one_error("[input.a]\npaths = /x\ntopic = t\nstrip_cr = maybe\n",
            "t.conf:6: strip_cr: expected true or false");
  one_error("[input.a]\npaths = /x\ntopic = t\npartition = -2\n",
            "t.conf:6: partition: must be between -1 and 2147483647");
  one_error("[sys]\ntopic = m\nkey = path\n", "t.conf:5: key: expected none, host or literal:TEXT");
  one_error("[sys]\ntopic = m\ninterval_s = 0\n",
            "t.conf:5: interval_s: must be between 1 and 86400");
  /* The regex error carries regerror's own text. */
  regex_t re;
  int rc = regcomp(&re, "([a-z]", REG_EXTENDED | REG_NOSUB);
  cr_assert_neq(rc, 0);
  char why[160], want[256];
  regerror(rc, &re, why, sizeof why);
  snprintf(want, sizeof want, "t.conf:6: multiline_start: invalid regular expression: %s", why);
  one_error("[input.a]\npaths = /x\ntopic = t\nmultiline_start = ([a-z]\n", want);
  /* Cross-section check. */
  one_error("[input.a]\npaths = /x\ntopic = t\nmax_line_bytes = 2M\n",
            "t.conf:6: max_line_bytes: 2097152 exceeds [kafka] message_max_bytes (1048576)");
  /* ${ENV} */
  unsetenv("LW_T_NOPE");
  one_error("[input.a]\npaths = /x\ntopic = ${LW_T_NOPE}\n",
            "t.conf:5: topic: environment variable LW_T_NOPE is not set");
}

Test(config, kafka_errors) {
  one_error("acks = 2\n", "t.conf:3: acks: expected 0, 1 or all");
  one_error("lingr_ms = 5\n", "t.conf:3: lingr_ms: unknown key (did you mean linger_ms?)");
  one_error("linger.msx = 5\n", "t.conf:3: linger.msx: unknown key (did you mean linger_ms?)");
  one_error("linger_ms = 5\nlinger.ms = 6\n",
            "t.conf:4: linger.ms: duplicate key (first at line 3 as linger_ms)");
  one_error("enable.idempotence = true\nacks = 1\n",
            "t.conf:3: enable.idempotence: requires acks = all");
  one_error("batch_bytes = 32M\n",
            "t.conf:3: batch_bytes: must not exceed buffer_bytes (16777216)");

  lw_config_free(&cfg);
  lw_diag_free(&diag);
  lw_diag_init(&diag);
  cr_assert_eq(parse("# nothing\n\n[kafka]\nclient_id = x\n[input.a]\npaths = /x\ntopic = t\n"),
               LW_ERR_CONFIG);
  cr_assert_eq(diag.errors, 1);
  ASSERT_DIAG("t.conf:3: brokers: missing: at least one bootstrap broker host:port is required");

  lw_config_free(&cfg);
  lw_diag_free(&diag);
  lw_diag_init(&diag);
  cr_assert_eq(parse("[input.a]\npaths = /x\ntopic = t\n"), LW_ERR_CONFIG);
  cr_assert_eq(diag.errors, 1);
  ASSERT_DIAG("t.conf: missing [kafka] section (brokers is required)");
}

/* Every bootstrap address the producer would refuse at start is refused by the config check,
 * at the line of brokers. */
Test(config, bad_bootstrap_addresses_are_refused_at_their_line) {
  static const char *bad[] = {"localhost", "kafka:99999", "host:port", "[::1:9092",
                              "::1:9092",  "k1:9092,k2",  "k1:0",      " , "};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    lw_config_free(&cfg);
    lw_diag_free(&diag);
    lw_diag_init(&diag);
    char text[256];
    snprintf(text, sizeof text,
             "[kafka]\nclient_id = x\nbrokers = %s\n[input.a]\npaths = /x\ntopic = t\n", bad[i]);
    cr_assert_eq(parse(text), LW_ERR_CONFIG, "accepted brokers = %s", bad[i]);
    cr_assert_eq(diag.errors, 1, "for %s", bad[i]);
    cr_assert(!strncmp(diag.v[0].text, "t.conf:3: brokers: ", 19), "for %s: %s", bad[i],
              diag.v[0].text);
  }
  static const char *good[] = {"localhost:9092", "[::1]:9092", "k1:1,k2:65535", "10.0.0.1:9093"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    lw_config_free(&cfg);
    lw_diag_free(&diag);
    lw_diag_init(&diag);
    char text[256];
    snprintf(text, sizeof text, "[kafka]\nbrokers = %s\n[input.a]\npaths = /x\ntopic = t\n",
             good[i]);
    if (parse(text) != LW_OK)
      dump();
    cr_assert_eq(diag.errors, 0, "refused brokers = %s", good[i]);
  }
}

Test(config, every_error_of_a_file_is_reported_in_line_order) {
  unsetenv("LW_T_NOPE");
  const char *t = "[kafka]\n"              /* 1 */
                  "brokers = k:9092\n"     /* 2 */
                  "acks = some\n"          /* 3 */
                  "[agent]\n"              /* 4 */
                  "log_level = loud\n"     /* 5 */
                  "bogus = 1\n"            /* 6 */
                  "[input.a]\n"            /* 7 */
                  "paths = relative.log\n" /* 8 */
                  "format = xml\n"         /* 9 */
                  "[input.b]\n"            /* 10 */
                  "paths = /b\n"           /* 11 */
                  "topic = ${LW_T_NOPE}\n" /* 12 */
                  "topic = again\n"        /* 13 */
                  "[weird]\n"              /* 14 */
                  "x = 1\n";               /* 15 */
  cr_assert_eq(parse(t), LW_ERR_CONFIG);
  const char *want[] = {
      "t.conf:3: acks: expected 0, 1 or all",
      "t.conf:5: log_level: expected debug, info, warn or error",
      "t.conf:6: bogus: unknown key",
      "t.conf:7: topic: required key missing in [input.a]",
      "t.conf:8: paths: not an absolute path: \"relative.log\"",
      "t.conf:9: format: expected raw or json",
      "t.conf:12: topic: environment variable LW_T_NOPE is not set",
      "t.conf:13: topic: duplicate key (first at line 12)",
      "t.conf:14: unknown section [weird] (expected [kafka], [agent], [input.NAME], [sys] or "
      "[etcd])",
  };
  size_t nw = sizeof want / sizeof *want;
  if (diag.n != nw)
    dump();
  cr_assert_eq(diag.n, nw);
  cr_assert_eq(diag.errors, nw);
  for (size_t i = 0; i < nw; i++)
    cr_assert_str_eq(diag.v[i].text, want[i], "message %zu", i);
}

Test(config, nothing_to_ship_is_a_warning) {
  cr_assert_eq(parse(KAFKA), LW_OK);
  cr_assert_eq(diag.warnings, 1);
  ASSERT_DIAG("t.conf: warning: no [input.NAME] or [sys] section: nothing to ship");
}

static char *write_tmp(const char *text, mode_t mode) {
  static char path[64];
  snprintf(path, sizeof path, "/tmp/lw-conf-XXXXXX");
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  cr_assert_eq(fchmod(fd, mode), 0);
  close(fd);
  return path;
}

Test(config, a_readable_password_file_is_a_warning) {
  char pw[64], path[64]; /* write_tmp's buffer is static: copies */
  snprintf(pw, sizeof pw, "%s", write_tmp("hunter2\n", 0640));
  char text[512];
  snprintf(text, sizeof text,
           KAFKA "security_protocol = sasl_ssl\nsasl_username = u\nsasl_password_file = %s\n"
                 "[sys]\ntopic = m\n",
           pw);
  snprintf(path, sizeof path, "%s", write_tmp(text, 0600));
  cr_assert_eq(lw_config_load(path, &cfg, &diag), LW_OK, "a warning is not an error");
  dump();
  cr_assert_eq(diag.warnings, 1);
  char want[512];
  snprintf(want, sizeof want,
           "%s:5: sasl_password_file: warning: %s holds a secret and is readable by group or "
           "others (mode 0640): chmod 600 it",
           path, pw);
  ASSERT_DIAG(want);
  cr_assert_str_eq(cfg.kafka.sasl_password_file, pw);
  cr_assert_null(cfg.kafka.sasl_password, "read when needed, not at load");

  lw_config_free(&cfg);
  lw_diag_free(&diag);
  lw_diag_init(&diag);
  cr_assert_eq(chmod(pw, 0600), 0);
  cr_assert_eq(lw_config_load(path, &cfg, &diag), LW_OK);
  cr_assert_eq(diag.warnings, 0, "owner-only password file");
  unlink(path);

  lw_config_free(&cfg);
  lw_diag_free(&diag);
  lw_diag_init(&diag);
  snprintf(text, sizeof text,
           KAFKA "security_protocol = sasl_ssl\nsasl_username = u\nsasl_password = x\n"
                 "sasl_password_file = %s\n[sys]\ntopic = m\n",
           pw);
  snprintf(path, sizeof path, "%s", write_tmp(text, 0600));
  cr_assert_eq(lw_config_load(path, &cfg, &diag), LW_ERR_CONFIG, "both set");
  dump();
  unlink(path);
  unlink(pw);

  lw_config_free(&cfg);
  lw_diag_free(&diag);
  lw_diag_init(&diag);
  snprintf(text, sizeof text,
           KAFKA "security_protocol = sasl_ssl\nsasl_username = u\nsasl_password_file = %s\n"
                 "[sys]\ntopic = m\n",
           pw);
  snprintf(path, sizeof path, "%s", write_tmp(text, 0600));
  cr_assert_eq(lw_config_load(path, &cfg, &diag), LW_ERR_CONFIG, "missing password file");
  snprintf(want, sizeof want, "sasl_password_file: cannot read %s: No such file or directory", pw);
  bool found = false;
  for (size_t i = 0; i < diag.n; i++)
    found |= strstr(diag.v[i].text, want) != NULL;
  cr_assert(found, "the error names the file");
  unlink(path);
}

Test(config, secret_in_a_readable_file_is_a_warning_unless_from_env) {
  setenv("LW_T_PW", "s3cret", 1);
  const char *literal = KAFKA "security_protocol = sasl_ssl\nsasl_username = u\n"
                              "sasl_password = hunter2\n[sys]\ntopic = m\n";
  char *path = write_tmp(literal, 0644);
  cr_assert_eq(lw_config_load(path, &cfg, &diag), LW_OK, "a warning is not an error");
  cr_assert_eq(diag.warnings, 1);
  char want[256];
  snprintf(want, sizeof want,
           "%s:5: sasl_password: warning: secret in a file readable by group or others (mode "
           "0644): chmod 600 it, or use ${ENV}",
           path);
  ASSERT_DIAG(want);
  unlink(path);

  lw_config_free(&cfg);
  lw_diag_free(&diag);
  lw_diag_init(&diag);
  path = write_tmp(literal, 0600);
  cr_assert_eq(lw_config_load(path, &cfg, &diag), LW_OK);
  cr_assert_eq(diag.warnings, 0, "owner-only file");
  unlink(path);

  lw_config_free(&cfg);
  lw_diag_free(&diag);
  lw_diag_init(&diag);
  path = write_tmp(KAFKA "security_protocol = sasl_ssl\nsasl_username = u\n"
                         "sasl.password = \"${LW_T_PW}\"\n[sys]\ntopic = m\n",
                   0644);
  cr_assert_eq(lw_config_load(path, &cfg, &diag), LW_OK);
  dump();
  cr_assert_eq(diag.warnings, 0, "secret from the environment");
  cr_assert_str_eq(cfg.kafka.sasl_password, "s3cret");
  unlink(path);
}

Test(config, unreadable_file) {
  cr_assert_eq(lw_config_load("/nonexistent/logwire.conf", &cfg, &diag), LW_ERR_CONFIG);
  cr_assert_eq(diag.n, 1);
  ASSERT_DIAG("/nonexistent/logwire.conf: cannot read: No such file or directory");
}

static void load2(lw_config *a, lw_config *b, const char *ta, const char *tb) {
  lw_diag d;
  lw_diag_init(&d);
  cr_assert_eq(lw_config_parse("a", ta, strlen(ta), a, &d), LW_OK);
  cr_assert_eq(lw_config_parse("b", tb, strlen(tb), b, &d), LW_OK);
  lw_diag_free(&d);
}

Test(config, reload_equality) {
  const char *base = KAFKA "linger_ms = 10\n"
                           "[input.a]\npaths = /x, /y\ntopic = t\nkey = literal:k\n"
                           "[input.b]\npaths = /b\ntopic = tb\n[sys]\ntopic = m\n";
  /* Same settings, other spellings, order and line numbers: equal. */
  const char *same = "\n\n" KAFKA "linger.ms = 10\n"
                     "[input.b]\ntopic = tb\npaths = /b\n"
                     "[input.a]\ntopic = t\npaths = /x,/y\nkey = literal:k\nstart = end\n"
                     "[sys]\ninterval_s = 10\ntopic = m\n";
  lw_config a, b;
  load2(&a, &b, base, same);
  cr_assert(lw_config_kafka_equal(&a.kafka, &b.kafka));
  cr_assert(lw_config_input_equal(lw_config_input(&a, "a"), lw_config_input(&b, "a")));
  cr_assert(lw_config_input_equal(lw_config_input(&a, "b"), lw_config_input(&b, "b")));
  cr_assert(!lw_config_input_equal(lw_config_input(&a, "a"), lw_config_input(&b, "b")));
  cr_assert(lw_config_sys_equal(&a.sys, &b.sys));
  lw_config_free(&a);
  lw_config_free(&b);

  /* One change each. */
  const char *changed =
      KAFKA "linger_ms = 11\n"
            "[input.a]\npaths = /x, /y\ntopic = t\nkey = literal:K\n"
            "[input.b]\npaths = /b, /c\ntopic = tb\n[sys]\ntopic = m\nkey = none\n";
  load2(&a, &b, base, changed);
  cr_assert(!lw_config_kafka_equal(&a.kafka, &b.kafka));
  cr_assert(!lw_config_input_equal(lw_config_input(&a, "a"), lw_config_input(&b, "a")));
  cr_assert(!lw_config_input_equal(lw_config_input(&a, "b"), lw_config_input(&b, "b")));
  cr_assert(!lw_config_sys_equal(&a.sys, &b.sys));
  lw_config_free(&a);
  lw_config_free(&b);

  const char *connect = KAFKA "connect_to = a:1=b:2\n[sys]\ntopic = m\n";
  const char *connect2 = KAFKA "connect_to = a:1=b:3\n[sys]\ntopic = m\n";
  load2(&a, &b, connect, connect2);
  cr_assert(!lw_config_kafka_equal(&a.kafka, &b.kafka));
  cr_assert(lw_config_kafka_equal(&a.kafka, &a.kafka));
  lw_config_free(&a);
  lw_config_free(&b);
}

Test(config, sizes) {
  uint64_t v;
  cr_assert(lw_parse_size("4096", &v) && v == 4096);
  cr_assert(lw_parse_size("2M", &v) && v == 2u << 20);
  cr_assert(lw_parse_size("2m", &v) && v == 2u << 20);
  cr_assert(lw_parse_size("512KiB", &v) && v == 512u << 10);
  cr_assert(lw_parse_size("1GB", &v) && v == 1u << 30);
  cr_assert(lw_parse_size("10B", &v) && v == 10);
  cr_assert(!lw_parse_size("", &v));
  cr_assert(!lw_parse_size("-1", &v));
  cr_assert(!lw_parse_size("1.5M", &v));
  cr_assert(!lw_parse_size("1 M", &v));
  cr_assert(!lw_parse_size("1T", &v));
  cr_assert(!lw_parse_size("99999999999999999999", &v));
  cr_assert(!lw_parse_size("17179869184G", &v), "overflow after the multiplier");
}

/* max_open_files: auto (or 0) is derived from the descriptor limit at start; a number wins. An
 * explicit number must fit, for every input, under the hard limit with the reserve. */
Test(config, max_open_files_auto_or_a_number) {
  cr_assert_eq(parse(KAFKA "[agent]\nmax_open_files = auto\n"), LW_OK);
  cr_assert_eq(cfg.agent.max_open_files, 0);
  lw_config_free(&cfg);
  cr_assert_eq(parse(KAFKA "[agent]\nmax_open_files = 0\n"), LW_OK);
  cr_assert_eq(cfg.agent.max_open_files, 0);
  lw_config_free(&cfg);
  cr_assert_eq(parse(KAFKA "[agent]\nmax_open_files = 4096\n[input.a]\npaths = /x\ntopic = t\n"
                           "[input.b]\npaths = /y\ntopic = u\n"),
               LW_OK);
  cr_assert_eq(cfg.agent.max_open_files, 4096);
  char err[400];
  cr_assert_eq(lw_fdlimit_check(&cfg, 4096 * 2 + LW_TAIL_FD_RESERVE, err, sizeof err), 0);
  cr_assert_eq(lw_fdlimit_check(&cfg, 0, err, sizeof err), 0, "unlimited");
  cr_assert_eq(lw_fdlimit_check(&cfg, 8192, err, sizeof err), -1);
  cr_assert(strstr(err, "hard descriptor limit (8192)") && strstr(err, "LimitNOFILE=") &&
                strstr(err, "3968 each"),
            "%s", err);
  cfg.agent.max_open_files = 0; /* auto always fits */
  cr_assert_eq(lw_fdlimit_check(&cfg, 300, err, sizeof err), 0);
}

Test(config, schema_iteration) {
  const char *sec, *name, *type, *deflt, *doc;
  int n = 0, inputs = 0;
  for (int i = 0; lw_config_key(i, &sec, &name, &type, &deflt, &doc); i++, n++) {
    cr_assert(doc && doc[0], "%s.%s has a doc", sec, name);
    inputs += strcmp(sec, "input") == 0;
  }
  cr_assert_eq(inputs, 19);
  cr_assert_eq(n, 43); /* 9 [agent], 19 [input.NAME], 3 [sys], 12 [etcd] */
}

/* fields.NAME = VALUE, include_lines/exclude_lines and topic templates. */
Test(config, fields_filters_and_topic_templates) {
  cr_assert_eq(parse(KAFKA "[input.a]\npaths = /x\ntopic = logs-{file_stem}.{host}\n"
                           "fields.env = prod\nfields.team = web\ninclude_lines = ERROR|WARN\n"
                           "exclude_lines = ^DEBUG\n"),
               LW_OK);
  const lw_input_conf *in = &cfg.inputs[0];
  cr_assert_str_eq(in->topic, "logs-{file_stem}.{host}");
  cr_assert_eq(in->field_names.n, 2);
  cr_assert_str_eq(in->field_names.v[1], "team");
  cr_assert_str_eq(in->field_values.v[1], "web");
  cr_assert_str_eq(in->include_lines, "ERROR|WARN");
  cr_assert_str_eq(in->exclude_lines, "^DEBUG");
  one_error("[input.a]\npaths = /x\ntopic = t-{file}\n",
            "t.conf:5: topic: unknown placeholder in \"t-{file}\" (a topic may use {file_stem}, "
            "{host} and {input})");
  one_error("[input.a]\npaths = /x\ntopic = t\nfields. = 1\n",
            "t.conf:6: fields.: a field name is 1 to 128 letters, digits, '_', '-' or '.'");
  one_error("[sys]\ntopic = s-{host}\n",
            "t.conf:4: topic: invalid topic name (1 to 249 letters, digits, '.', '_' or '-')");
  /* A changed field restarts the input at a reload. */
  lw_config a2, b2;
  lw_diag d2;
  lw_diag_init(&d2);
  const char *ta = KAFKA "[input.a]\npaths = /x\ntopic = t\nfields.env = a\n";
  const char *tb = KAFKA "[input.a]\npaths = /x\ntopic = t\nfields.env = b\n";
  cr_assert_eq(lw_config_parse("a", ta, strlen(ta), &a2, &d2), LW_OK);
  cr_assert_eq(lw_config_parse("b", tb, strlen(tb), &b2, &d2), LW_OK);
  cr_assert(!lw_config_input_equal(&a2.inputs[0], &b2.inputs[0]));
  cr_assert(lw_config_input_equal(&a2.inputs[0], &a2.inputs[0]));
  lw_config_free(&a2);
  lw_config_free(&b2);
  lw_diag_free(&d2);
}

Test(config, parse_json_makes_json_records) {
  cr_assert_eq(parse(KAFKA "[input.a]\npaths = /x\ntopic = t\nparse = json\n"), LW_OK);
  cr_assert_eq(cfg.inputs[0].parse, LW_PARSE_JSON);
  cr_assert_eq(cfg.inputs[0].format, LW_FORMAT_JSON);
  lw_config_free(&cfg);
  cr_assert_eq(parse(KAFKA "[input.a]\npaths = /x\ntopic = t\n"), LW_OK);
  cr_assert_eq(cfg.inputs[0].parse, LW_PARSE_NONE);
  cr_assert_eq(cfg.inputs[0].format, LW_FORMAT_RAW);
  one_error("[input.a]\npaths = /x\ntopic = t\nparse = json\nformat = raw\n",
            "t.conf:7: format: parse = json makes JSON records: set format = json or leave it "
            "unset");
  one_error("[input.a]\npaths = /x\ntopic = t\nparse = yaml\n",
            "t.conf:6: parse: expected none or json");
}
