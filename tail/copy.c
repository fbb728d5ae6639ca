/* copy.c — copytruncate: finding the copy of a file that was just truncated (to read from it
 * what had not been read yet), and telling a copy that the globs match from a new file (so
 * its already-shipped prefix is not sent again). Both rest on content identity: a copy's
 * first bytes are the original's, i.e. they match its fingerprint. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "tail/tail_int.h"

#define COPY_SCAN_MAX 4096 /* directory entries looked at for a copy */

/* Length of the directory part of `path` (up to its last '/'), 0 when none. */
static size_t dir_len(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? (size_t)(slash - path) : 0;
}

static bool same_dir(const char *a, const char *b) {
  size_t n = dir_len(a);
  return n == dir_len(b) && !memcmp(a, b, n);
}

/* Are fd_a's and fd_b's first n bytes (n <= LW_FP_MAX) equal? */
static bool same_prefix(int fd_a, int fd_b, size_t n) {
  uint8_t a[LW_FP_MAX], b[LW_FP_MAX];
  if (n > LW_FP_MAX)
    n = LW_FP_MAX;
  return pread(fd_a, a, n, 0) == (ssize_t)n && pread(fd_b, b, n, 0) == (ssize_t)n &&
         !memcmp(a, b, n);
}

bool lw__copy_find(lw_tail_file *f, char *out, size_t cap, struct stat *out_st) {
  size_t dl = dir_len(f->path);
  char dir[PATH_MAX], p[PATH_MAX];
  if (dl >= sizeof dir)
    return false;
  if (dl)
    memcpy(dir, f->path, dl);
  else
    dir[dl++] = '.';
  dir[dl] = 0;
  DIR *d = opendir(dir);
  if (!d)
    return false;
  bool found = false;
  struct timespec best = {0, 0};
  struct dirent *e;
  for (int n = 0; n < COPY_SCAN_MAX && (e = readdir(d)) != NULL; n++) {
    if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
      continue;
    if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN && e->d_type != DT_LNK)
      continue;
    if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
      continue;
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < f->lines.rpos ||
        ((uint64_t)st.st_dev == f->dev && (uint64_t)st.st_ino == f->ino))
      continue;
    /* The newest of several candidates (an older copy holds an older generation anyway). */
    if (found && (st.st_mtim.tv_sec < best.tv_sec ||
                  (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec <= best.tv_nsec)))
      continue;
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
      continue;
    lw_fp fp;
    bool same = false;
    if (lw_fp_read(fd, (uint64_t)st.st_size, &fp, &f->fp, &same) == LW_OK && same &&
        snprintf(out, cap, "%s", p) < (int)cap) {
      found = true;
      best = st.st_mtim;
      *out_st = st;
    }
    close(fd);
  }
  closedir(d);
  return found;
}

int lw__copy_decide(lw_tail_file *h, int fd, uint64_t size) {
  lw_tail *t = h->t;
  if (h->rotated || !h->at_path || !t->nfp_full)
    return 0;
  int verdict = 0;
  for (lw_tail_file *g = t->files; g; g = g->next) {
    /* An original: followed at its path, open, at least LW_FP_MAX bytes long (so that equal
     * first bytes mean a copy, not two short files that happen to say the same), shipped
     * something, in the same directory (where logrotate puts its copy). */
    if (g == h || g->state != F_OPEN || !g->at_path || g->rotated || g->retired || g->copy_of ||
        g->undecided || g->fp.len < LW_FP_MAX || !g->lines.off ||
        (g->dev == h->dev && g->ino == h->ino) || !same_dir(g->path, h->path))
      continue;
    if (size >= g->fp.len) {
      lw_fp fp;
      bool same = false;
      if (lw_fp_read(fd, size, &fp, &g->fp, &same) != LW_OK || !same || g->copy)
        continue;
      h->copy_of = g;
      g->copy = h;
      h->undecided = false;
      lw__tail_log(t, LW_TAIL_LOG_INFO,
                   "%s: a copy of %s (same first bytes); read from where %s stops at its "
                   "truncation",
                   h->path, g->path, g->path);
      return 1;
    }
    if (!size || same_prefix(fd, g->fd, (size_t)size))
      verdict = 2; /* maybe a copy still being written: look again when it grows */
  }
  h->undecided = verdict == 2;
  return verdict;
}

/* h starts being read at `off` (at most its size): nothing of it was delivered yet. */
static void copy_start(lw_tail_file *h, uint64_t off) {
  struct stat st;
  uint64_t size = h->size;
  if (h->fd >= 0 && fstat(h->fd, &st) == 0)
    size = (uint64_t)st.st_size;
  if (off > size)
    off = size; /* a copy shorter than what was shipped: its end is where it starts */
  h->copy_of = NULL;
  h->undecided = false;
  lw_lines_free(&h->lines);
  lw_lines_init(&h->lines, off);
  lw_acks_free(&h->acks);
  lw_acks_init(&h->acks, off);
  h->size = size;
  lw__tail_dirty(h->t);
  lw__file_ready(h);
}

void lw__copy_release(lw_tail_file *g) {
  lw_tail_file *h = g->copy;
  if (!h)
    return;
  g->copy = NULL;
  copy_start(h, g->lines.off);
  lw__heir_link(g, h); /* the copy holds g's delivered bytes at the same offsets */
}

void lw__copy_drop(lw_tail_file *h) {
  lw_tail_file *g = h->copy_of;
  if (g)
    g->copy = NULL;
  lw__tail_log(h->t, LW_TAIL_LOG_INFO, "%s: grew past %s: not a copy; read from its start", h->path,
               g ? g->path : "its original");
  copy_start(h, 0);
}
