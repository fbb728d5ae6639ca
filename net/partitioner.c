/* partitioner.c — murmur2 (Java-compatible), CRC-32 consistent hashing, random numbers. */
#include "net/partitioner.h"

#include "proto/crc.h"

int32_t lw_murmur2(const void *key, size_t len) {
  const uint8_t *d = key;
  const uint32_t m = 0x5bd1e995u;
  const int r = 24;
  /* Java computes in 32-bit two's complement; unsigned arithmetic gives the same bits. */
  uint32_t h = 0x9747b28cu ^ (uint32_t)len;
  size_t n4 = len / 4;
  for (size_t i = 0; i < n4; i++) {
    const uint8_t *p = d + 4 * i;
    uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const uint8_t *t = d + (len & ~(size_t)3);
  switch (len % 4) {
    case 3:
      h ^= (uint32_t)t[2] << 16;
      /* fall through */
    case 2:
      h ^= (uint32_t)t[1] << 8;
      /* fall through */
    case 1:
      h ^= t[0];
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return (int32_t)h;
}

int32_t lw_partition_murmur2(const void *key, size_t len, int32_t partitions) {
  return (int32_t)(((uint32_t)lw_murmur2(key, len) & 0x7fffffffu) % (uint32_t)partitions);
}

int32_t lw_partition_crc32(const void *key, size_t len, int32_t partitions) {
  return (int32_t)(lw_crc32(0, key, len) % (uint32_t)partitions);
}

uint32_t lw_rand32(uint64_t *s) {
  uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}
