/* fuzz_json.c — the JSON string escaper on arbitrary bytes, checked by round trip: the
 * output is a quoted string with no raw control byte, and undoing its escapes (\u00XX is
 * the byte XX) gives back exactly the input bytes.
 * seeds: examples/logwire.conf docs/CONFIG.md */
#include <string.h>

#include "base/json.h"
#include "base/err.h"

static int hexval(uint8_t c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lw_buf b;
  lw_buf_init(&b, 8 * size + 16);
  if (lw_json_escape(&b, data, size) != LW_OK)
    __builtin_trap();
  const uint8_t *p = b.data, *end = b.data + b.len;
  if (b.len < 2 || p[0] != '"' || end[-1] != '"')
    __builtin_trap();
  size_t k = 0;
  for (p++, end--; p < end; k++) {
    uint8_t c = *p++;
    if (c < 0x20 || c == '"')
      __builtin_trap(); /* must have been escaped */
    if (c == '\\') {
      if (p >= end)
        __builtin_trap();
      uint8_t e = *p++;
      static const char from[] = "\"\\nrtbf", to[] = "\"\\\n\r\t\b\f";
      const char *m = memchr(from, e, 7);
      if (m) {
        c = (uint8_t)to[m - from];
      } else if (e == 'u' && end - p >= 4 && p[0] == '0' && p[1] == '0' && hexval(p[2]) >= 0 &&
                 hexval(p[3]) >= 0) {
        c = (uint8_t)(hexval(p[2]) << 4 | hexval(p[3]));
        p += 4;
      } else {
        __builtin_trap();
      }
    }
    if (k >= size || data[k] != c)
      __builtin_trap(); /* does not decode to the input */
  }
  if (k != size)
    __builtin_trap();
  lw_buf_free(&b);
  return 0;
}
