/* fuzz_ini.c — the config file's INI parser and the config checks above it on arbitrary
 * bytes: no crash, no leak, and every entry kept has a line inside the input.
 * seeds: examples/logwire.conf
 * The fuzz build links base/ and proto/ only, so the agent and net sources used are included here.
 */
#include "agent/config.c"
#include "agent/config_schema.c"
#include "agent/diag.c"
#include "agent/ini.c"
#include "net/producer_conf.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lw_diag d;
  lw_diag_init(&d);
  lw_ini ini;
  int lines = 1;
  for (size_t i = 0; i < size; i++)
    lines += data[i] == '\n';
  if (lw_ini_parse(&ini, "f", (const char *)data, size, &d) != LW_ERR_NOMEM)
    for (size_t i = 0; i < ini.n; i++)
      for (size_t j = 0; j < ini.sections[i].n; j++)
        if (ini.sections[i].entries[j].line < 1 || ini.sections[i].entries[j].line > lines)
          __builtin_trap();
  lw_ini_free(&ini);
  lw_config c;
  lw_config_parse("f", (const char *)data, size, &c, &d);
  lw_config_free(&c);
  lw_diag_free(&d);
  return 0;
}
