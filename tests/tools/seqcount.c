/* seqcount.c — test-only: count numbered lines read back from Kafka against what was written,
 * for runs too large for lib.sh's awk seq_report (millions of lines over many files).
 *
 *   seqcount PREFIX:N [PREFIX:N]...   < lines
 *
 * Reads lines "PREFIX NNNNNNN ..." (seqwrite's format) on stdin; for each PREFIX, lines 1..N
 * were written. Prints one line, "written W delivered D missing M duplicated U", where D counts
 * the lines of a known PREFIX with a number in 1..N, M the numbers never seen and U the extra
 * copies. Lines of other prefixes are ignored. Memory: one byte per written line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PREFIX 1024

typedef struct seq {
  char name[64];
  size_t len;
  uint64_t n;
  uint8_t *seen; /* per number, copies seen (saturating) */
} seq;

int main(int argc, char **argv) {
  static seq s[MAX_PREFIX];
  int ns = 0;
  for (int i = 1; i < argc && ns < MAX_PREFIX; i++) {
    char *c = strrchr(argv[i], ':');
    if (!c || (size_t)(c - argv[i]) >= sizeof s[ns].name) {
      fprintf(stderr, "usage: seqcount PREFIX:N [PREFIX:N]... < lines\n");
      return 2;
    }
    s[ns].len = (size_t)(c - argv[i]);
    memcpy(s[ns].name, argv[i], s[ns].len);
    s[ns].n = strtoull(c + 1, NULL, 10);
    s[ns].seen = calloc(s[ns].n + 1, 1);
    if (!s[ns].seen) {
      fprintf(stderr, "seqcount: out of memory\n");
      return 1;
    }
    ns++;
  }
  char line[4096];
  uint64_t delivered = 0;
  int last = 0;
  while (fgets(line, sizeof line, stdin)) {
    char *sp = strchr(line, ' ');
    if (!sp)
      continue;
    size_t pl = (size_t)(sp - line);
    int k = -1;
    if (ns && s[last].len == pl && !memcmp(s[last].name, line, pl))
      k = last;
    for (int i = 0; k < 0 && i < ns; i++)
      if (s[i].len == pl && !memcmp(s[i].name, line, pl))
        k = i;
    if (k < 0)
      continue;
    last = k;
    uint64_t v = strtoull(sp + 1, NULL, 10);
    if (v < 1 || v > s[k].n)
      continue;
    delivered++;
    if (s[k].seen[v] < 255)
      s[k].seen[v]++;
  }
  uint64_t written = 0, missing = 0, dup = 0;
  for (int i = 0; i < ns; i++) {
    written += s[i].n;
    for (uint64_t v = 1; v <= s[i].n; v++) {
      if (!s[i].seen[v])
        missing++;
      else
        dup += s[i].seen[v] - 1u;
    }
    free(s[i].seen);
  }
  printf("written %llu delivered %llu missing %llu duplicated %llu\n", (unsigned long long)written,
         (unsigned long long)delivered, (unsigned long long)missing, (unsigned long long)dup);
  return 0;
}
