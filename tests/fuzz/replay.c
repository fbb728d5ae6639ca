/* replay.c — runs a libFuzzer target's LLVMFuzzerTestOneInput once on each file named on the
 * command line, without libFuzzer: `make check` replays every target's seed corpus with the
 * ordinary compiler (and `make asan` with the sanitizers), so a regression on a known input
 * fails the suite without a fuzzing run. Exit 0 after every input, 2 on a file it cannot read;
 * a target's own checks abort(), which fails the run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads PATH into a buffer of exactly its size (so ASan sees a read past the end). Returns the
 * buffer (caller frees; NULL for an empty file is fine) or sets *err. */
static uint8_t *slurp(const char *path, size_t *len, int *err) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  *len = 0;
  *err = 1;
  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) != 0)
    goto done;
  long n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
    goto done;
  if (n > 0) {
    buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
      free(buf);
      buf = NULL;
      goto done;
    }
  }
  *len = (size_t)n;
  *err = 0;
done:
  fclose(f);
  return buf;
}

int main(int argc, char **argv) {
  int n = 0;
  for (int i = 1; i < argc; i++) {
    size_t len;
    int err;
    uint8_t *buf = slurp(argv[i], &len, &err);
    if (err) {
      fprintf(stderr, "replay: cannot read %s\n", argv[i]);
      return 2;
    }
    LLVMFuzzerTestOneInput(buf ? buf : (const uint8_t *)"", len);
    free(buf);
    n++;
  }
  printf("replayed %d inputs\n", n);
  return 0;
}
