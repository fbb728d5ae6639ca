/* bench_floor.c — the least any shipper must do per line, for the instruction counts of
 * `make bench`: read(2) the file in 1 MiB blocks, find each line end with memchr and run
 * CRC-32C (lw_crc32c, SSE4.2 when the CPU has it) over every byte. Counted under callgrind
 * beside logwire and kcat, it is the floor their instructions per line are compared with.
 *
 *   bench_floor FILE
 *
 * Prints "LINES BYTES CRC" so that the work cannot be optimised away. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/crc.h"

#define BLOCK (1u << 20)

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  uint8_t *buf = malloc(BLOCK);
  if (fd < 0 || !buf) {
    perror(argv[1]);
    free(buf);
    return 1;
  }
  uint64_t lines = 0, bytes = 0;
  uint32_t crc = 0;
  for (;;) {
    ssize_t n = read(fd, buf, BLOCK);
    if (n < 0) {
      perror("read");
      free(buf);
      close(fd);
      return 1;
    }
    if (n == 0)
      break;
    /* Lines are checksummed one by one, as a record batch's CRC covers each of them; a line
     * cut by the block edge is simply continued in the next block. */
    const uint8_t *p = buf, *end = buf + n;
    while (p < end) {
      const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
      const uint8_t *stop = nl ? nl : end;
      crc = lw_crc32c(crc, p, (size_t)(stop - p));
      if (nl)
        lines++;
      p = nl ? nl + 1 : end;
    }
    bytes += (uint64_t)n;
  }
  close(fd);
  free(buf);
  printf("%llu %llu %08x\n", (unsigned long long)lines, (unsigned long long)bytes, crc);
  return 0;
}
