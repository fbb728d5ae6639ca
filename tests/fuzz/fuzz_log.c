/* fuzz_log.c — logfmt formatting of arbitrary messages and values: the line fits
 * LW_LOG_LINE_MAX, ends with its only newline, holds no raw control byte, and its quotes
 * balance, whatever the lengths and bytes.
 * seeds: examples/logwire.conf
 * The fuzz build links base/ and proto/ only, so the agent and net sources used are included here.
 */
#include "base/json.h"
#include "agent/log.c"
#include "net/loop.c"
#include "net/producer_conf.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* First byte: how the rest splits into message and value; values are repeated to reach
   * the ceiling with small inputs. */
  if (size < 2)
    return 0;
  size_t cut = (size_t)data[0] * (size - 1) / 255;
  int reps = 1 + data[1] % 64;
  const char *rest = (const char *)data + 1;
  size_t restn = size - 1;
  char *msg = strndup(rest, cut);
  size_t vn = (restn - cut) * (size_t)reps;
  char *val = malloc(vn + 1);
  for (int r = 0; r < reps; r++)
    memcpy(val + (size_t)r * (restn - cut), rest + cut, restn - cut);
  val[vn] = 0;
  lw_kv kv[] = {LW_SN("v", val, vn), LW_S("k", "x y"), LW_I("n", -1), LW_KV_END_};
  char *out = malloc(LW_LOG_LINE_MAX);
  size_t len = lw_log_format(out, 0, LW_LOG_INFO, msg, kv);
  if (len > LW_LOG_LINE_MAX || len == 0 || out[len - 1] != '\n')
    __builtin_trap();
  size_t quotes = 0;
  for (size_t i = 0; i + 1 < len; i++) {
    unsigned char c = (unsigned char)out[i];
    if (c < 0x20 || c == 0x7f)
      __builtin_trap();
    if (c == '\\')
      i++; /* an escape, or a literal backslash ending an unquoted value before a blank */
    else if (c == '"')
      quotes++;
  }
  if (quotes % 2)
    __builtin_trap();
  free(out);
  free(val);
  free(msg);
  return 0;
}
