/* crc.h — CRC-32C (Castagnoli, RecordBatch v2) and CRC-32 (IEEE, legacy MessageSets).
 * lw_crc32c picks the SSE4.2 instruction path at run time when the CPU has it, otherwise a
 * portable slicing-by-8 table path; both give identical results. */
#ifndef LW_CRC_H
#define LW_CRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Continue a CRC-32C: pass crc = 0 to start. Returns the final (xored) value, so calls chain:
 * lw_crc32c(lw_crc32c(0, a, n), b, m) == CRC of a||b. */
uint32_t lw_crc32c(uint32_t crc, const void *p, size_t n);
uint32_t lw_crc32c_sw(uint32_t crc, const void *p, size_t n);
/* Hardware path; only call when lw_crc32c_hw_available(). */
uint32_t lw_crc32c_hw(uint32_t crc, const void *p, size_t n);
bool lw_crc32c_hw_available(void);
/* CRC-32 (IEEE 802.3, as zlib's crc32), same chaining convention. */
uint32_t lw_crc32(uint32_t crc, const void *p, size_t n);

#endif
