/* rec_fixtures.h — test helpers shared by the record format tests: read a fixture file
 * (relative to the repository root, $LW_ROOT when set) and small random data generators. */
#ifndef LW_TEST_REC_FIXTURES_H
#define LW_TEST_REC_FIXTURES_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Whole file, malloc'd (caller frees); fails the test when it cannot be read. */
static inline uint8_t *fixture_read(const char *rel, size_t *n) {
  const char *root = getenv("LW_ROOT");
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", root ? root : ".", rel);
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open fixture %s", path);
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  cr_assert_geq(sz, 0);
  uint8_t *p = malloc((size_t)sz + 1);
  cr_assert_not_null(p);
  cr_assert_eq(fread(p, 1, (size_t)sz, f), (size_t)sz);
  fclose(f);
  *n = (size_t)sz;
  return p;
}

/* xorshift64*: deterministic pseudo-random bytes for tests. */
static inline uint64_t test_rand(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

static inline void fill_random(uint8_t *p, size_t n, uint64_t seed) {
  uint64_t s = seed ? seed : 1;
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)(test_rand(&s) >> 56);
}

/* Text-like compressible bytes: log lines with a counter. */
static inline void fill_text(uint8_t *p, size_t n) {
  size_t o = 0;
  for (unsigned i = 0; o < n; i++) {
    char line[96];
    int k = snprintf(line, sizeof line, "2024-01-01T00:00:%02u host app[%u]: request %u done\n",
                     i % 60, 1000 + i % 7, i);
    for (int j = 0; j < k && o < n; j++)
      p[o++] = (uint8_t)line[j];
  }
}

#endif
