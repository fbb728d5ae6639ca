/* test_config_fleet.c — the [etcd] section and configurations merged from etcd: only inputs
 * and [sys] accepted, a name defined twice reported with both places, allowed_paths enforced
 * ("." and ".." included), the fleet put check with HOST:LINE: KEY: PROBLEM. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "base/err.h"

static const char LOCAL[] = "[kafka]\nbrokers = k:9092\n\n"
                            "[etcd]\nendpoints = http://127.0.0.1:2379, https://e2:2379\n"
                            "allowed_paths = /var/log/**, /srv/*.log\n\n"
                            "[input.local]\npaths = /var/log/local.log\ntopic = t\n";

static void load(lw_config *c, lw_diag *d) {
  lw_diag_init(d);
  cr_assert_eq(lw_config_parse("/etc/logwire.conf", LOCAL, strlen(LOCAL), c, d), LW_OK);
  cr_assert(c->etcd_enabled);
  cr_assert_eq(c->etcd.endpoints.n, 2);
  cr_assert_str_eq(c->etcd.prefix, "/logwire");
  cr_assert_eq(c->etcd.timeout_ms, 5000);
}

static bool has(const lw_diag *d, const char *text) {
  for (size_t i = 0; i < d->n; i++)
    if (strcmp(d->v[i].text, text) == 0)
      return true;
  return false;
}

Test(config_fleet, merge_adds_inputs_with_their_origin) {
  lw_config c;
  lw_diag d;
  load(&c, &d);
  const char *e = "[input.app]\npaths = /var/log/app/*.log, /srv/x.log\ntopic = app\n";
  cr_assert_eq(lw_config_merge(&c, "etcd /logwire/config/web@5", e, strlen(e), &d), LW_OK);
  cr_assert_eq(c.ninputs, 2);
  cr_assert_str_eq(c.inputs[1].origin, "etcd /logwire/config/web@5");
  cr_assert_null(c.inputs[0].origin);
  lw_config_free(&c);
  lw_diag_free(&d);
}

Test(config_fleet, refusals_name_key_and_place) {
  lw_config c;
  lw_diag d;
  load(&c, &d);
  const char *e = "[kafka]\nbrokers = evil:9092\n\n"
                  "[input.local]\npaths = /var/log/x.log\ntopic = t\n\n"
                  "[input.shadow]\npaths = /etc/shadow\ntopic = t\n\n"
                  "[input.dots]\npaths = /var/log/../../etc/passwd\ntopic = t\n";
  cr_assert_eq(lw_config_merge(&c, "etcd K@9", e, strlen(e), &d), LW_ERR_CONFIG);
  cr_assert(has(&d, "etcd K@9:1: [kafka] is not accepted from etcd: it stays in each agent's local "
                    "file"));
  cr_assert(has(&d, "etcd K@9:4: [input.local] is defined twice: here and at /etc/logwire.conf:8"));
  cr_assert(has(&d, "etcd K@9:8: paths: \"/etc/shadow\" is outside [etcd] allowed_paths of "
                    "/etc/logwire.conf: refused"));
  cr_assert(has(&d, "etcd K@9:12: paths: \"/var/log/../../etc/passwd\" is outside [etcd] "
                    "allowed_paths of /etc/logwire.conf: refused"));
  cr_assert_eq(c.ninputs, 1, "nothing merged after a refusal");
  lw_config_free(&c);
  lw_diag_free(&d);
}

Test(config_fleet, check_fragment_like_run_check) {
  lw_diag d;
  lw_diag_init(&d);
  const char *e = "[input.a]\npaths = /var/log/a.log\n\n[input.b]\npaths = rel.log\ntopic = b\n";
  cr_assert_eq(lw_config_check_fragment("web-1", e, strlen(e), &d), LW_ERR_CONFIG);
  cr_assert(has(&d, "web-1:1: topic: required key missing in [input.a]"));
  cr_assert(has(&d, "web-1:5: paths: not an absolute path: \"rel.log\""));
  lw_diag_free(&d);
  lw_diag_init(&d);
  const char *ok = "[input.a]\npaths = /etc/anything\ntopic = a\n"; /* allowed_paths: agent's */
  cr_assert_eq(lw_config_check_fragment("web-1", ok, strlen(ok), &d), LW_OK);
  lw_diag_free(&d);
}

Test(config_fleet, etcd_sections_compared) {
  lw_config a, b, none;
  lw_diag d;
  load(&a, &d);
  load(&b, &d);
  cr_assert(lw_config_etcd_equal(&a, &b));
  free(b.etcd.prefix);
  b.etcd.prefix = strdup("/other");
  cr_assert_not(lw_config_etcd_equal(&a, &b));
  const char *t = "[kafka]\nbrokers = k:9092\n";
  cr_assert_eq(lw_config_parse("f", t, strlen(t), &none, &d), LW_OK);
  cr_assert_not(lw_config_etcd_equal(&a, &none));
  lw_config_free(&a);
  lw_config_free(&b);
  lw_config_free(&none);
  lw_diag_free(&d);
}

Test(config_fleet, etcd_section_errors) {
  lw_config c;
  lw_diag d;
  lw_diag_init(&d);
  const char *t = "[kafka]\nbrokers = k:9092\n[etcd]\nendpoints = 10.0.0.5:2379\n"
                  "password = a\npassword_file = /x\nprefix = logwire\n";
  cr_assert_eq(lw_config_parse("f", t, strlen(t), &c, &d), LW_ERR_CONFIG);
  cr_assert(
      has(&d, "f:4: endpoints: \"10.0.0.5:2379\" is not http://host:port or https://host:port"));
  cr_assert(has(&d, "f:6: password_file: set password or password_file, not both"));
  cr_assert(has(&d, "f:7: prefix: must start with /"));
  lw_config_free(&c);
  lw_diag_free(&d);
}
