/* crc32c.c — CRC-32C (RecordBatch v2) with an SSE4.2 path chosen at run time and a portable
 * slicing-by-8 path giving identical results; CRC-32 (IEEE) for legacy messages via zlib. */
#include "proto/crc.h"

#include <string.h>
#include <zlib.h>

#include "proto/crc32c_table.h"

/* Both paths work on the raw register (the CRC before its final inversion): the public
 * functions take and return the inverted value, so calls chain. */

static inline uint64_t load_le64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

uint32_t lw_crc32c_sw(uint32_t crc, const void *buf, size_t n) {
  const uint8_t *p = buf;
  uint32_t r = ~crc;
  const uint32_t(*t)[256] = lw_crc32c_table;
  while (n && ((uintptr_t)p & 7)) {
    r = (r >> 8) ^ t[0][(r ^ *p++) & 0xff];
    n--;
  }
  /* Eight bytes per step: the register is folded into the first four, and each byte
   * indexes the table that advances it by the bytes still to come. */
  while (n >= 8) {
    uint64_t w = load_le64(p) ^ r;
    r = t[7][w & 0xff] ^ t[6][(w >> 8) & 0xff] ^ t[5][(w >> 16) & 0xff] ^ t[4][(w >> 24) & 0xff] ^
        t[3][(w >> 32) & 0xff] ^ t[2][(w >> 40) & 0xff] ^ t[1][(w >> 48) & 0xff] ^ t[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n--)
    r = (r >> 8) ^ t[0][(r ^ *p++) & 0xff];
  return ~r;
}

#if defined(__x86_64__)
#include <nmmintrin.h>
#include <wmmintrin.h>

#define LW_HAVE_CRC32C_HW 1

bool lw_crc32c_hw_available(void) {
  return __builtin_cpu_supports("sse4.2");
}

/* One lane: bytes until 8-aligned, then 8 bytes per crc32 instruction. The instruction has
 * a latency of three cycles, so one dependent chain runs at about a third of its throughput;
 * long buffers go through three_lanes() instead. */
__attribute__((target("sse4.2"))) static uint32_t hw_one_lane(uint32_t r, const uint8_t *p,
                                                              size_t n) {
  while (n && ((uintptr_t)p & 7)) {
    r = _mm_crc32_u8(r, *p++);
    n--;
  }
  uint64_t r64 = r;
  while (n >= 32) {
    r64 = _mm_crc32_u64(r64, load_le64(p));
    r64 = _mm_crc32_u64(r64, load_le64(p + 8));
    r64 = _mm_crc32_u64(r64, load_le64(p + 16));
    r64 = _mm_crc32_u64(r64, load_le64(p + 24));
    p += 32;
    n -= 32;
  }
  while (n >= 8) {
    r64 = _mm_crc32_u64(r64, load_le64(p));
    p += 8;
    n -= 8;
  }
  r = (uint32_t)r64;
  while (n--)
    r = _mm_crc32_u8(r, *p++);
  return r;
}

/* Append `n` zero bytes to register r, where k = x^(8n-33) mod P (crc32c_table.h). The
 * carry-less product r*k is a 63-bit polynomial that, read as the eight message bytes of a
 * crc32 instruction starting from 0, gets multiplied by x^33: r * x^(8n) mod P. */
__attribute__((target("sse4.2,pclmul"))) static inline uint32_t hw_shift(uint32_t r, uint32_t k) {
  __m128i prod = _mm_clmulepi64_si128(_mm_cvtsi32_si128((int)r), _mm_cvtsi32_si128((int)k), 0);
  return (uint32_t)_mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(prod));
}

/* Three independent chains over three consecutive lanes of `lane` bytes each (a multiple of
 * 32), merged as crc(A||B||C) = shift(a, 2*lane) ^ shift(b, lane) ^ c. */
__attribute__((target("sse4.2,pclmul"))) static uint32_t
hw_three_lanes(uint32_t r, const uint8_t *p, size_t lane, uint32_t k1, uint32_t k2) {
  uint64_t a = r, b = 0, c = 0;
  const uint8_t *pb = p + lane, *pc = p + 2 * lane;
  for (size_t i = 0; i < lane; i += 16) {
    a = _mm_crc32_u64(a, load_le64(p + i));
    b = _mm_crc32_u64(b, load_le64(pb + i));
    c = _mm_crc32_u64(c, load_le64(pc + i));
    a = _mm_crc32_u64(a, load_le64(p + i + 8));
    b = _mm_crc32_u64(b, load_le64(pb + i + 8));
    c = _mm_crc32_u64(c, load_le64(pc + i + 8));
  }
  return hw_shift((uint32_t)a, k2) ^ hw_shift((uint32_t)b, k1) ^ (uint32_t)c;
}

__attribute__((target("sse4.2,pclmul"))) static uint32_t hw_lanes(uint32_t r, const uint8_t *p,
                                                                  size_t n) {
  while (n && ((uintptr_t)p & 7)) {
    r = _mm_crc32_u8(r, *p++);
    n--;
  }
  while (n >= 3 * LW_CRC32C_LONG) {
    r = hw_three_lanes(r, p, LW_CRC32C_LONG, LW_CRC32C_K_LONG1, LW_CRC32C_K_LONG2);
    p += 3 * LW_CRC32C_LONG;
    n -= 3 * LW_CRC32C_LONG;
  }
  while (n >= 3 * LW_CRC32C_SHORT) {
    r = hw_three_lanes(r, p, LW_CRC32C_SHORT, LW_CRC32C_K_SHORT1, LW_CRC32C_K_SHORT2);
    p += 3 * LW_CRC32C_SHORT;
    n -= 3 * LW_CRC32C_SHORT;
  }
  return hw_one_lane(r, p, n);
}

uint32_t lw_crc32c_hw(uint32_t crc, const void *buf, size_t n) {
  /* Merging lanes needs the carry-less multiply; the few CPUs with SSE4.2 but without it
   * (2008's Nehalem) run one lane. */
  if (n >= 3 * LW_CRC32C_SHORT && __builtin_cpu_supports("pclmul"))
    return ~hw_lanes(~crc, buf, n);
  return ~hw_one_lane(~crc, buf, n);
}

#else

bool lw_crc32c_hw_available(void) {
  return false;
}

uint32_t lw_crc32c_hw(uint32_t crc, const void *buf, size_t n) {
  return lw_crc32c_sw(crc, buf, n);
}

#endif

uint32_t lw_crc32c(uint32_t crc, const void *p, size_t n) {
#ifdef LW_HAVE_CRC32C_HW
  if (lw_crc32c_hw_available())
    return lw_crc32c_hw(crc, p, n);
#endif
  return lw_crc32c_sw(crc, p, n);
}

uint32_t lw_crc32(uint32_t crc, const void *p, size_t n) {
  /* zlib takes uInt lengths: feed huge buffers in pieces. */
  const uint8_t *b = p;
  uLong c = crc;
  while (n > 0) {
    uInt k = n > 0x40000000u ? 0x40000000u : (uInt)n;
    c = crc32(c, b, k);
    b += k;
    n -= k;
  }
  return (uint32_t)c;
}
