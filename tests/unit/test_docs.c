/* test_docs.c — docs/CONFIG.md and examples/ held to the code: every schema key and every
 * producer option has a row (with its default) in its section of the reference, every row
 * names a real key, every documented alias is accepted, every ```ini block of the reference
 * and examples/logwire.conf load without errors, and the systemd unit has what it promises. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "base/err.h"

static char *slurp(const char *rel) {
  const char *root = getenv("LW_ROOT");
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root ? root : ".", rel);
  FILE *f = fopen(path, "rb");
  cr_assert(f, "cannot open %s (run from the repository root or set LW_ROOT)", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
  s[n] = 0;
  fclose(f);
  return s;
}

/* The text of "## HEADING" up to the next "## " heading (a copy; caller frees). */
static char *section(const char *doc, const char *heading) {
  char h[128];
  snprintf(h, sizeof h, "\n## %s\n", heading);
  const char *s = strstr(doc, h);
  cr_assert(s, "docs/CONFIG.md has no \"## %s\" section", heading);
  s += 1;
  const char *e = strstr(s + 3, "\n## ");
  size_t n = e ? (size_t)(e - s) : strlen(s);
  return strndup(s, n);
}

/* The table row of `key` in a section's text, or NULL. */
static const char *row(const char *sec, const char *key, char *out, size_t outn) {
  char start[96];
  snprintf(start, sizeof start, "\n| `%s` |", key);
  const char *r = strstr(sec, start);
  if (!r)
    return NULL;
  r++;
  const char *e = strchr(r, '\n');
  snprintf(out, outn, "%.*s", (int)(e ? e - r : (long)strlen(r)), r);
  return out;
}

static const char *heading_of(const char *sec) {
  return !strcmp(sec, "agent")   ? "[agent]"
         : !strcmp(sec, "input") ? "[input.NAME]"
         : !strcmp(sec, "etcd")  ? "[etcd]"
                                 : "[sys]";
}

Test(docs, every_schema_key_is_documented_with_its_default) {
  char *doc = slurp("docs/CONFIG.md");
  const char *sec, *name, *type, *deflt, *help;
  int n = 0;
  for (int i = 0; lw_config_key(i, &sec, &name, &type, &deflt, &help); i++, n++) {
    char *s = section(doc, heading_of(sec));
    char r[1024], want[96];
    cr_assert(row(s, name, r, sizeof r), "%s.%s has no row in docs/CONFIG.md", sec, name);
    snprintf(want, sizeof want, "`%s`", deflt);
    if (deflt[0])
      cr_assert(strstr(r, want), "the row of %s.%s does not show its default %s", sec, name, want);
    else
      cr_assert(strstr(r, "required") || strstr(r, "(unset"),
                "the row of %s.%s says neither required nor unset", sec, name);
    free(s);
  }
  cr_assert_gt(n, 20);
  free(doc);
}

Test(docs, every_producer_option_is_documented_with_its_default) {
  char *doc = slurp("docs/CONFIG.md");
  char *s = section(doc, "[kafka]");
  const char *name, *deflt, *help;
  int n = 0;
  for (int i = 0; lw_producer_conf_key(i, &name, &deflt, &help); i++, n++) {
    char r[1024], want[96];
    cr_assert(row(s, name, r, sizeof r), "[kafka] %s has no row in docs/CONFIG.md", name);
    snprintf(want, sizeof want, "`%s`", deflt);
    if (deflt[0])
      cr_assert(strstr(r, want), "the row of %s does not show its default %s", name, want);
  }
  cr_assert_gt(n, 30);
  free(s);
  free(doc);
}

/* Every `name` in the first cell of every table row of `sec` must be accepted by `ok`
 * (alias rows list several names in that cell). */
static void rows_are_real(const char *sec, bool (*ok)(const char *, const char *), const char *what,
                          const char *secname) {
  for (const char *p = strstr(sec, "\n| `"); p; p = strstr(p + 1, "\n| `")) {
    const char *cell_end = strstr(p + 3, " |");
    cr_assert(cell_end);
    for (const char *q = strchr(p + 3, '`'); q && q < cell_end; q = strchr(q + 1, '`')) {
      const char *e = strchr(q + 1, '`');
      if (!e || e > cell_end)
        break;
      char nm[96];
      snprintf(nm, sizeof nm, "%.*s", (int)(e - q - 1), q + 1);
      cr_assert(ok(secname, nm), "docs/CONFIG.md documents %s \"%s\" that the code does not know",
                what, nm);
      q = e;
    }
  }
}

static bool schema_has(const char *secname, const char *nm) {
  const char *sec, *name, *type, *deflt, *help;
  for (int i = 0; lw_config_key(i, &sec, &name, &type, &deflt, &help); i++)
    if (!strcmp(sec, secname) && !strcmp(name, nm))
      return true;
  return false;
}

static bool producer_has(const char *secname, const char *nm) {
  (void)secname;
  lw_producer_conf c;
  lw_producer_conf_init(&c);
  char err[128];
  /* NOT_FOUND is decided by the name alone, whatever the value. */
  bool known = lw_producer_conf_set(&c, nm, "0", err, sizeof err) != LW_ERR_NOT_FOUND;
  lw_producer_conf_free(&c);
  return known;
}

Test(docs, every_documented_key_and_alias_exists) {
  char *doc = slurp("docs/CONFIG.md");
  const char *secs[][2] = {{"[agent]", "agent"}, {"[input.NAME]", "input"}, {"[sys]", "sys"}};
  for (int i = 0; i < 3; i++) {
    char *s = section(doc, secs[i][0]);
    rows_are_real(s, schema_has, "a key", secs[i][1]);
    free(s);
  }
  char *k = section(doc, "[kafka]");
  rows_are_real(k, producer_has, "a producer option or alias", "kafka");
  cr_assert(strstr(k, "| `bootstrap.servers`, `metadata.broker.list` | `brokers` |"));
  free(k);
  free(doc);
}

Test(docs, ini_blocks_of_the_reference_load_without_errors) {
  setenv("LOGWIRE_SASL_PASSWORD", "from-the-environment", 1);
  char *doc = slurp("docs/CONFIG.md");
  int blocks = 0;
  for (char *p = strstr(doc, "```ini\n"); p; p = strstr(p, "```ini\n")) {
    p += 7;
    char *end = strstr(p, "```");
    cr_assert(end);
    lw_config c;
    lw_diag d;
    lw_diag_init(&d);
    int rc = lw_config_parse("CONFIG.md", p, (size_t)(end - p), &c, &d);
    for (size_t i = 0; i < d.n; i++)
      fprintf(stderr, "block %d: %s\n", blocks, d.v[i].text);
    cr_assert_eq(rc, LW_OK, "```ini block %d of docs/CONFIG.md", blocks);
    cr_assert_eq(d.warnings, 0);
    lw_config_free(&c);
    lw_diag_free(&d);
    blocks++;
    p = end + 3;
  }
  cr_assert_geq(blocks, 2);
  free(doc);
}

Test(docs, example_config_loads_cleanly) {
  setenv("LOGWIRE_SASL_PASSWORD", "from-the-environment", 1);
  const char *root = getenv("LW_ROOT");
  char path[512];
  snprintf(path, sizeof path, "%s/examples/logwire.conf", root ? root : ".");
  lw_config c;
  lw_diag d;
  lw_diag_init(&d);
  int rc = lw_config_load(path, &c, &d);
  for (size_t i = 0; i < d.n; i++)
    fprintf(stderr, "%s\n", d.v[i].text);
  cr_assert_eq(rc, LW_OK);
  cr_assert_eq(d.n, 0, "no errors and no warnings");
  cr_assert_eq(c.ninputs, 3);
  const lw_input_conf *billing = lw_config_input(&c, "billing");
  cr_assert(billing && billing->multiline_start);
  cr_assert(c.sys.enabled);
  cr_assert_str_eq(c.kafka.sasl_password, "from-the-environment");
  lw_config_free(&c);
  lw_diag_free(&d);
}

Test(docs, systemd_unit) {
  char *u = slurp("examples/logwire.service");
  const char *want[] = {"\nType=notify\n",
                        "\nExecStart=/usr/local/bin/logwire run -c /etc/logwire/logwire.conf\n",
                        "\nExecReload=/bin/kill -HUP $MAINPID\n",
                        "\nRestart=on-failure\n",
                        "\nStateDirectory=logwire\n",
                        "\nNoNewPrivileges=yes\n",
                        "\nProtectSystem=strict\n",
                        "\nReadWritePaths=/var/lib/logwire\n",
                        "\nMemoryMax=",
                        "\nWantedBy=multi-user.target\n"};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++)
    cr_assert(strstr(u, want[i]), "examples/logwire.service lacks %s", want[i]);
  free(u);
}
