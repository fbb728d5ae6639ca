/* test_tail_checkpoint.c — tail/checkpoint.c: round trip, every truncated prefix and every
 * flipped byte rejected, atomic generations on disk, recovery of the previous good
 * generation when the current one is corrupt or cut short, and cheap generations written in
 * place beside them. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tail/checkpoint.h"
#include "tests/unit/tail_test.h"

static const lw_ckpt_rec recs[] = {
    {.dev = 2049,
     .ino = 131073,
     .fp = {.hash = 0x0123456789abcdefull, .len = 1024},
     .offset = 987654321,
     .seen_s = 1700000000,
     .flags = LW_CKPT_ROTATED,
     .path = "/var/log/app.log"},
    {.dev = 0,
     .ino = 1,
     .fp = {.hash = 0, .len = 0},
     .offset = 0,
     .seen_s = -5,
     .path = "/odd path/with\nnewline and spaces"},
    {.dev = UINT64_MAX,
     .ino = UINT64_MAX,
     .fp = {.hash = UINT64_MAX, .len = 7},
     .offset = UINT64_MAX,
     .seen_s = INT64_MAX,
     .path = ""},
};

static void encode(lw_buf *b, uint64_t gen, size_t n) {
  lw_buf_init(b, 0);
  lw_ckpt_begin(b, gen);
  for (size_t i = 0; i < n; i++)
    lw_ckpt_add(b, &recs[i]);
  cr_assert_eq(lw_ckpt_end(b), LW_OK);
}

Test(tail_checkpoint, round_trip) {
  lw_buf b;
  encode(&b, 42, 3);
  lw_ckpt c;
  cr_assert_eq(lw_ckpt_decode(b.data, b.len, &c), LW_OK);
  cr_assert_eq(c.gen, 42);
  cr_assert_eq(c.n, 3);
  for (size_t i = 0; i < 3; i++) {
    cr_assert_eq(c.r[i].dev, recs[i].dev);
    cr_assert_eq(c.r[i].ino, recs[i].ino);
    cr_assert_eq(c.r[i].fp.hash, recs[i].fp.hash);
    cr_assert_eq(c.r[i].fp.len, recs[i].fp.len);
    cr_assert_eq(c.r[i].offset, recs[i].offset);
    cr_assert_eq(c.r[i].seen_s, recs[i].seen_s);
    cr_assert_eq(c.r[i].flags, recs[i].flags);
    cr_assert_str_eq(c.r[i].path, recs[i].path);
  }
  lw_ckpt_free(&c);
  lw_buf_free(&b);
}

Test(tail_checkpoint, every_prefix_and_every_flipped_byte_is_rejected) {
  lw_buf b;
  encode(&b, 7, 3);
  lw_ckpt c;
  for (size_t n = 0; n < b.len; n++)
    cr_assert_eq(lw_ckpt_decode(b.data, n, &c), LW_ERR_CORRUPT, "prefix %zu", n);
  for (size_t i = 0; i < b.len; i++) {
    for (int bit = 0; bit < 8; bit++) {
      b.data[i] ^= (uint8_t)(1u << bit);
      cr_assert_eq(lw_ckpt_decode(b.data, b.len, &c), LW_ERR_CORRUPT, "byte %zu bit %d", i, bit);
      b.data[i] ^= (uint8_t)(1u << bit);
    }
  }
  cr_assert_eq(lw_ckpt_decode(b.data, b.len, &c), LW_OK);
  lw_ckpt_free(&c);
  lw_buf_free(&b);
}

Test(tail_checkpoint, garbage_with_a_valid_checksum_is_rejected) {
  /* A correct trailer over a body that does not parse. */
  lw_buf b;
  lw_buf_init(&b, 1 << 20);
  lw_buf_append(&b, "logwire-tail-state 1 gen=1\n1 2 3 zz 5 6 0 0 \n", 45);
  cr_assert_eq(lw_ckpt_end(&b), LW_OK);
  lw_ckpt c;
  cr_assert_eq(lw_ckpt_decode(b.data, b.len, &c), LW_ERR_CORRUPT);
  lw_buf_free(&b);
}

static void write_gen_keep(const char *path, uint64_t gen, size_t n, bool keep_prev) {
  lw_buf b;
  encode(&b, gen, n);
  cr_assert_eq(lw_ckpt_write(path, b.data, b.len, keep_prev, true), LW_OK);
  lw_buf_free(&b);
}

static void write_gen(const char *path, uint64_t gen, size_t n) {
  write_gen_keep(path, gen, n, false);
}

Test(tail_checkpoint, generations_on_disk_and_recovery) {
  char *d = tt_mkdtemp();
  char path[512];
  snprintf(path, sizeof path, "%s/state", d);
  lw_ckpt c;
  lw_ckpt_report rep;
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_ERR_NOT_FOUND);
  write_gen(path, 1, 1);
  write_gen(path, 2, 2);
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_OK);
  cr_assert_eq(c.gen, 2);
  cr_assert_eq(rep.used, 0);
  cr_assert_eq(access(tt_path(d, "state.tmp"), F_OK), -1, "no temporary left behind");
  lw_ckpt_free(&c);

  /* Flip one byte of the current generation: the previous one is used, and reported. */
  FILE *f = fopen(path, "r+b");
  cr_assert(f);
  fseek(f, 40, SEEK_SET);
  int ch = fgetc(f);
  fseek(f, 40, SEEK_SET);
  fputc(ch ^ 0x20, f);
  fclose(f);
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_OK);
  cr_assert_eq(rep.cur, LW_ERR_CORRUPT);
  cr_assert_eq(rep.used, 1);
  cr_assert_eq(c.gen, 1);
  cr_assert_eq(c.n, 1);
  lw_ckpt_free(&c);

  /* The next write replaces the corrupt file without rotating it over the good .prev; cut
   * that one short: the previous good generation is used again. */
  write_gen_keep(path, 3, 3, true);
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_OK);
  cr_assert_eq(c.gen, 3);
  lw_ckpt_free(&c);
  cr_assert_eq(truncate(path, 30), 0);
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_OK);
  cr_assert_eq(rep.cur, LW_ERR_CORRUPT);
  cr_assert_eq(c.gen, 1);
  lw_ckpt_free(&c);

  /* Both corrupt: reported as such, never a crash. */
  cr_assert_eq(truncate(tt_path(d, "state.prev"), 10), 0);
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_ERR_CORRUPT);
  cr_assert_eq(rep.used, -1);
  tt_rmtree(d);
}

Test(tail_checkpoint, crash_between_renames_loads_the_complete_temporary) {
  char *d = tt_mkdtemp();
  char path[512];
  snprintf(path, sizeof path, "%s/state", d);
  write_gen(path, 1, 1);
  write_gen(path, 2, 2);
  /* As if the process died after step 2 (PATH -> PATH.prev) of the next write: a complete
   * PATH.tmp with generation 3, no PATH. */
  lw_buf b;
  encode(&b, 3, 3);
  tt_write(tt_path(d, "state.tmp"), "wb", b.data, b.len);
  lw_buf_free(&b);
  cr_assert_eq(rename(path, tt_path(d, "state.prev")), 0);
  lw_ckpt c;
  lw_ckpt_report rep;
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_OK);
  cr_assert_eq(c.gen, 3);
  cr_assert_eq(rep.used, 2);
  lw_ckpt_free(&c);
  /* A torn temporary (died during step 1) is ignored silently. */
  cr_assert_eq(truncate(tt_path(d, "state.tmp"), 20), 0);
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_OK);
  cr_assert_eq(c.gen, 2);
  lw_ckpt_free(&c);
  tt_rmtree(d);
}

static ino_t ino_of(const char *path) {
  struct stat st;
  cr_assert_eq(stat(path, &st), 0, "%s", path);
  return st.st_ino;
}

static void write_cheap(const char *path, uint64_t gen, size_t n) {
  lw_buf b;
  encode(&b, gen, n);
  cr_assert_eq(lw_ckpt_write(path, b.data, b.len, false, false), LW_OK);
  lw_buf_free(&b);
}

/* A cheap generation is one overwrite in place of PATH.live: PATH (the durable one) and its
 * inode stay, no file is created or renamed, a shorter generation leaves no old bytes behind,
 * and loading takes whichever valid file is newest. */
Test(tail_checkpoint, cheap_generations_overwrite_the_live_file_in_place) {
  char *d = tt_mkdtemp();
  char path[512], live[520];
  snprintf(path, sizeof path, "%s/state", d);
  snprintf(live, sizeof live, "%s.live", path);
  write_gen(path, 1, 1);
  write_gen(path, 2, 2);
  ino_t cur = ino_of(path);
  write_cheap(path, 3, 3);
  cr_assert_eq(ino_of(path), cur, "PATH untouched by a cheap write");
  ino_t lv = ino_of(live);
  lw_ckpt c;
  lw_ckpt_report rep;
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_OK);
  cr_assert_eq(rep.used, 3);
  cr_assert_eq(c.gen, 3);
  cr_assert_eq(c.n, 3);
  lw_ckpt_free(&c);

  /* Shorter: same inode, cut to the new length. */
  lw_buf b;
  encode(&b, 4, 1);
  size_t len4 = b.len;
  lw_buf_free(&b);
  write_cheap(path, 4, 1);
  cr_assert_eq(ino_of(live), lv, "overwritten in place");
  struct stat st;
  cr_assert_eq(stat(live, &st), 0);
  cr_assert_eq((size_t)st.st_size, len4);
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_OK);
  cr_assert_eq(c.gen, 4);
  cr_assert_eq(c.n, 1);
  lw_ckpt_free(&c);

  /* A durable generation goes to PATH and rotates the durable one before it to .prev. */
  write_gen(path, 5, 2);
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_OK);
  cr_assert_eq(rep.used, 0);
  cr_assert_eq(c.gen, 5);
  lw_ckpt_free(&c);
  cr_assert_eq(ino_of(tt_path(d, "state.prev")), cur);

  /* Killed between the pwrite and the ftruncate of a shorter generation: new bytes, then old
   * ones. Rejected; PATH is used, with no warning (rep.cur is fine). */
  write_cheap(path, 6, 3);
  encode(&b, 7, 1);
  FILE *f = fopen(live, "r+b");
  cr_assert(f);
  cr_assert_eq(fwrite(b.data, 1, b.len, f), b.len);
  fclose(f);
  lw_buf_free(&b);
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_OK);
  cr_assert_eq(rep.used, 0);
  cr_assert_eq(rep.cur, LW_OK);
  cr_assert_eq(c.gen, 5);
  lw_ckpt_free(&c);

  /* Torn by a power loss: the same. */
  write_cheap(path, 8, 3);
  cr_assert_eq(truncate(live, 30), 0);
  cr_assert_eq(lw_ckpt_load(path, &c, &rep), LW_OK);
  cr_assert_eq(c.gen, 5);
  lw_ckpt_free(&c);
  tt_rmtree(d);
}
