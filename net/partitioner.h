/* partitioner.h — which partition a record goes to: murmur2 exactly as the Java client
 * (toPositive(murmur2(key)) % partitions), CRC-32 as librdkafka's "consistent" partitioner,
 * and the choices for unkeyed records (sticky, round robin, random). */
#ifndef LW_PARTITIONER_H
#define LW_PARTITIONER_H

#include <stddef.h>
#include <stdint.h>

/* Kafka's murmur2 (seed 0x9747b28c), as a signed 32-bit value like Java's Utils.murmur2. */
int32_t lw_murmur2(const void *key, size_t len);
/* Java's default partitioner for a keyed record: (murmur2(key) & 0x7fffffff) % partitions. */
int32_t lw_partition_murmur2(const void *key, size_t len, int32_t partitions);
/* librdkafka's consistent partitioner: crc32(key) % partitions. */
int32_t lw_partition_crc32(const void *key, size_t len, int32_t partitions);

/* A small, fast, non-cryptographic random generator (xorshift64*), state owned by the caller
 * (seed with anything non-zero). */
uint32_t lw_rand32(uint64_t *state);

#endif
