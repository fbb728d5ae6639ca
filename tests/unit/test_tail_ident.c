/* test_tail_ident.c — tail/ident.c: FNV-1a 64 reference values, streaming, fingerprints of
 * short and long files, comparison on the common prefix, growth with the file. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "tail/ident.h"

Test(tail_ident, fnv1a64_reference_values) {
  cr_assert_eq(lw_fnv1a64(LW_FNV_INIT, "", 0), 0xcbf29ce484222325ull);
  cr_assert_eq(lw_fnv1a64(LW_FNV_INIT, "a", 1), 0xaf63dc4c8601ec8cull);
  cr_assert_eq(lw_fnv1a64(LW_FNV_INIT, "foobar", 6), 0x85944171f73967e8ull);
  uint64_t h = lw_fnv1a64(LW_FNV_INIT, "foo", 3);
  cr_assert_eq(lw_fnv1a64(h, "bar", 3), 0x85944171f73967e8ull, "streaming");
}

static int tmpfile_with(const char *s, size_t n) {
  char path[] = "/tmp/lw-ident-XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  unlink(path);
  cr_assert_eq(write(fd, s, n), (ssize_t)n);
  return fd;
}

Test(tail_ident, short_file_fingerprint_grows_and_matches_its_prefix) {
  int fd = tmpfile_with("hello\n", 6);
  lw_fp fp;
  cr_assert_eq(lw_fp_read(fd, 6, &fp, NULL, NULL), LW_OK);
  cr_assert_eq(fp.len, 6);
  cr_assert_eq(fp.hash, lw_fnv1a64(LW_FNV_INIT, "hello\n", 6));
  /* The file grows: a fingerprint taken on 6 bytes still matches (common prefix). */
  cr_assert_eq(pwrite(fd, "world\n", 6, 6), 6);
  lw_fp now;
  bool same = false;
  cr_assert_eq(lw_fp_read(fd, 12, &now, &fp, &same), LW_OK);
  cr_assert(same);
  cr_assert_eq(now.len, 12);
  cr_assert_eq(now.hash, lw_fnv1a64(LW_FNV_INIT, "hello\nworld\n", 12));
  /* Growing the old fingerprint gives the same as reading it whole. */
  cr_assert_eq(lw_fp_grow(fd, 12, &fp, &same), LW_OK);
  cr_assert(same);
  cr_assert_eq(fp.len, 12);
  cr_assert_eq(fp.hash, now.hash);
  int err;
  cr_assert(lw_fp_check(fd, &fp, &err));
  close(fd);
}

Test(tail_ident, different_content_or_shorter_file_is_not_the_same) {
  int fd = tmpfile_with("hello\n", 6);
  lw_fp fp;
  cr_assert_eq(lw_fp_read(fd, 6, &fp, NULL, NULL), LW_OK);
  cr_assert_eq(pwrite(fd, "J", 1, 0), 1);
  lw_fp now;
  bool same = true;
  cr_assert_eq(lw_fp_read(fd, 6, &now, &fp, &same), LW_OK);
  cr_assert(!same, "same inode, other first bytes: another file");
  int err;
  cr_assert(!lw_fp_check(fd, &fp, &err));
  /* Growing checks the prefix first: other first bytes are not grown over. */
  cr_assert_eq(pwrite(fd, "more\n", 5, 6), 5);
  lw_fp before = fp;
  cr_assert_eq(lw_fp_grow(fd, 11, &fp, &same), LW_OK);
  cr_assert(!same);
  cr_assert_eq(fp.len, before.len);
  cr_assert_eq(fp.hash, before.hash);
  cr_assert_eq(ftruncate(fd, 3), 0);
  cr_assert_eq(lw_fp_read(fd, 3, &now, &fp, &same), LW_OK);
  cr_assert(!same, "shorter than the recorded prefix");
  close(fd);
}

Test(tail_ident, long_file_fingerprint_is_capped) {
  char buf[3000];
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (char)('a' + i % 26);
  int fd = tmpfile_with(buf, sizeof buf);
  lw_fp fp;
  cr_assert_eq(lw_fp_read(fd, sizeof buf, &fp, NULL, NULL), LW_OK);
  cr_assert_eq(fp.len, LW_FP_MAX);
  cr_assert_eq(fp.hash, lw_fnv1a64(LW_FNV_INIT, buf, LW_FP_MAX));
  /* Bytes past the first KiB do not matter. */
  cr_assert_eq(pwrite(fd, "!", 1, 2000), 1);
  int err;
  cr_assert(lw_fp_check(fd, &fp, &err));
  close(fd);
}
