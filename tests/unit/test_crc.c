/* test_crc.c — CRC-32C (hardware and slicing-by-8 paths, against each other and a bitwise
 * reference) and CRC-32 (IEEE): check values, every length, unaligned starts, chaining. */
#include <criterion/criterion.h>
#include <string.h>

#include "proto/crc.h"
#include "rec_fixtures.h"

/* One bit at a time, straight from the definition (reflected 0x82F63B78). */
static uint32_t crc32c_bitwise(uint32_t crc, const uint8_t *p, size_t n) {
  uint32_t r = ~crc;
  for (size_t i = 0; i < n; i++) {
    r ^= p[i];
    for (int k = 0; k < 8; k++)
      r = (r >> 1) ^ (0x82F63B78u & (0u - (r & 1)));
  }
  return ~r;
}

Test(crc, crc32c_check_value_both_paths) {
  /* The CRC-32C catalogue check value. */
  cr_assert_eq(lw_crc32c_sw(0, "123456789", 9), 0xE3069283u);
  cr_assert_eq(lw_crc32c(0, "123456789", 9), 0xE3069283u);
  cr_assert(lw_crc32c_hw_available(), "this machine has SSE4.2: the hardware path must run");
  cr_assert_eq(lw_crc32c_hw(0, "123456789", 9), 0xE3069283u);
  cr_assert_eq(lw_crc32c_sw(0, "", 0), 0u);
  cr_assert_eq(lw_crc32c_hw(0, "", 0), 0u);
}

Test(crc, crc32_ieee_check_value) {
  cr_assert_eq(lw_crc32(0, "123456789", 9), 0xCBF43926u);
  cr_assert_eq(lw_crc32(lw_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

Test(crc, sw_matches_bitwise_reference) {
  static uint8_t buf[2100];
  fill_random(buf, sizeof buf, 7);
  for (size_t n = 0; n <= 2048; n += (n < 80 ? 1 : 37))
    for (size_t off = 0; off < 8; off++)
      cr_assert_eq(lw_crc32c_sw(0x1234, buf + off, n), crc32c_bitwise(0x1234, buf + off, n),
                   "n=%zu off=%zu", n, off);
}

Test(crc, hw_equals_sw_every_length_and_alignment) {
  cr_assert(lw_crc32c_hw_available());
  static uint8_t buf[4096 + 16];
  fill_random(buf, sizeof buf, 42);
  for (size_t n = 0; n <= 4096; n++)
    for (size_t off = 0; off < 8; off++) {
      uint32_t seed = (uint32_t)(n * 2654435761u);
      cr_assert_eq(lw_crc32c_hw(seed, buf + off, n), lw_crc32c_sw(seed, buf + off, n),
                   "n=%zu off=%zu", n, off);
    }
}

/* Lengths around the three-lane block sizes (3 x 256 and 3 x 8192 bytes) and large buffers,
 * where the lanes are merged. */
Test(crc, hw_equals_sw_large_buffers) {
  size_t max = (3u << 20) + 77;
  uint8_t *buf = malloc(max + 8);
  cr_assert_not_null(buf);
  fill_random(buf, max + 8, 9);
  size_t lens[] = {
      767,         768,           769,    1536,    24575,         24576,          24577,
      24576 + 768, 24576 * 2 + 1, 100000, 1 << 20, (1 << 20) + 5, (3u << 20) + 77};
  for (size_t i = 0; i < sizeof lens / sizeof *lens; i++)
    for (size_t off = 0; off < 8; off += 3)
      cr_assert_eq(lw_crc32c_hw(0, buf + off, lens[i]), lw_crc32c_sw(0, buf + off, lens[i]),
                   "n=%zu off=%zu", lens[i], off);
  free(buf);
}

Test(crc, chaining_equals_whole) {
  static uint8_t buf[70000];
  fill_random(buf, sizeof buf, 3);
  uint32_t whole = lw_crc32c(0, buf, sizeof buf);
  size_t cuts[] = {0, 1, 7, 768, 24576, 30001, sizeof buf};
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
    size_t k = cuts[i];
    cr_assert_eq(lw_crc32c_hw(lw_crc32c_hw(0, buf, k), buf + k, sizeof buf - k), whole);
    cr_assert_eq(lw_crc32c_sw(lw_crc32c_sw(0, buf, k), buf + k, sizeof buf - k), whole);
    cr_assert_eq(lw_crc32(lw_crc32(0, buf, k), buf + k, sizeof buf - k),
                 lw_crc32(0, buf, sizeof buf));
  }
}

Test(crc, detects_single_bit_flips) {
  static uint8_t buf[1000];
  fill_random(buf, sizeof buf, 5);
  uint32_t good = lw_crc32c(0, buf, sizeof buf);
  for (size_t i = 0; i < sizeof buf; i += 13) {
    buf[i] ^= 0x10;
    cr_assert_neq(lw_crc32c(0, buf, sizeof buf), good);
    buf[i] ^= 0x10;
  }
}
