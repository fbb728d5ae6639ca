/* test_partitioner.c — murmur2 against the Java client's published test vectors, partition
 * choice, and the random generator's spread. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "net/partitioner.h"

Test(partitioner, murmur2_matches_java_vectors) {
  /* Values from Kafka's UtilsTest.testMurmur2 (Java's Utils.murmur2). */
  struct {
    const char *key;
    int32_t want;
  } v[] = {{"21", -973932308},
           {"foobar", -790332482},
           {"a-little-bit-long-string", -985981536},
           {"a-little-bit-longer-string", -1486304829},
           {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
           {"abc", 479470107}};
  for (size_t i = 0; i < sizeof v / sizeof *v; i++)
    cr_assert_eq(lw_murmur2(v[i].key, strlen(v[i].key)), v[i].want, "key %s", v[i].key);
}

Test(partitioner, murmur2_partition_is_positive_modulo) {
  /* murmur2("21") = -973932308; & 0x7fffffff = 1173551340; % 3 = 0, % 7 = 2 (by hand). */
  cr_assert_eq(lw_partition_murmur2("21", 2, 3), 1173551340 % 3);
  cr_assert_eq(lw_partition_murmur2("21", 2, 7), 1173551340 % 7);
  for (int n = 1; n < 50; n++) {
    char k[16];
    int len = snprintf(k, sizeof k, "key-%d", n);
    int32_t p = lw_partition_murmur2(k, (size_t)len, n);
    cr_assert(p >= 0 && p < n);
  }
}

Test(partitioner, crc32_consistent) {
  /* CRC-32("123456789") = 0xCBF43926 = 3421780262; % 10 = 2. */
  cr_assert_eq(lw_partition_crc32("123456789", 9, 10), 2);
}

Test(partitioner, rand_spreads) {
  uint64_t s = 42;
  int hist[8] = {0};
  for (int i = 0; i < 80000; i++)
    hist[lw_rand32(&s) % 8]++;
  for (int i = 0; i < 8; i++)
    cr_assert(hist[i] > 9000 && hist[i] < 11000, "bucket %d has %d", i, hist[i]);
}
