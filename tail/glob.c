/* glob.c — per-component glob matching, exclusions and the directory walk (see glob.h). */
#include "tail/glob.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"

#define NAME_MAX_LEN 255

static void glob_free(lw_glob *g) {
  for (int i = 0; i < g->ncomp; i++)
    free(g->comp[i]);
  free(g->comp);
  free(g->wild);
  free(g->text);
}

void lw_globset_free(lw_globset *gs) {
  for (int i = 0; i < gs->ninc; i++)
    glob_free(&gs->inc[i]);
  free(gs->inc);
  for (int i = 0; i < gs->nexc; i++)
    free(gs->exc[i]);
  free(gs->exc);
  *gs = (lw_globset){0};
}

/* A component that is exactly "**": zero or more directories (recursive). */
static bool is_deep(const lw_glob *g, int i) {
  return strcmp(g->comp[i], "**") == 0;
}

/* Split `pat` (absolute) into components and rebuild the normalized text. */
static int glob_compile(lw_glob *g, const char *pat) {
  size_t n = strlen(pat);
  g->comp = calloc(n / 2 + 2, sizeof(*g->comp));
  g->wild = calloc(n / 2 + 2, sizeof(*g->wild));
  g->text = malloc(n + 2);
  if (!g->comp || !g->wild || !g->text)
    return LW_ERR_NOMEM;
  size_t tl = 0;
  const char *p = pat;
  while (*p) {
    while (*p == '/')
      p++;
    const char *e = p;
    while (*e && *e != '/')
      e++;
    size_t len = (size_t)(e - p);
    if (len == 0 || (len == 1 && p[0] == '.')) {
      p = e;
      continue;
    }
    if (len == 2 && p[0] == '*' && p[1] == '*' && g->ncomp && is_deep(g, g->ncomp - 1)) {
      p = e; /* consecutive "**" components are one */
      continue;
    }
    char *c = strndup(p, len);
    if (!c)
      return LW_ERR_NOMEM;
    g->wild[g->ncomp] = strpbrk(c, "*?[\\") != NULL;
    g->comp[g->ncomp++] = c;
    g->text[tl++] = '/';
    memcpy(g->text + tl, p, len);
    tl += len;
    p = e;
  }
  if (g->ncomp && is_deep(g, g->ncomp - 1)) {
    /* A trailing "**" names the files at any depth below, as if followed by "*" */
    g->comp[g->ncomp] = strdup("*");
    if (!g->comp[g->ncomp])
      return LW_ERR_NOMEM;
    g->wild[g->ncomp++] = true;
  }
  g->text[tl] = 0;
  return g->ncomp ? LW_OK : LW_ERR_CONFIG;
}

int lw_globset_init(lw_globset *gs, const char *const *paths, int npaths,
                    const char *const *exclude, int nexclude) {
  *gs = (lw_globset){0};
  char *abs = NULL;
  int rc = LW_ERR_CONFIG;
  if (npaths <= 0 || nexclude < 0 || (nexclude && !exclude))
    goto fail;
  rc = LW_ERR_NOMEM;
  gs->inc = calloc((size_t)npaths, sizeof(*gs->inc));
  gs->exc = nexclude ? calloc((size_t)nexclude, sizeof(*gs->exc)) : NULL;
  if (!gs->inc || (nexclude && !gs->exc))
    goto fail;
  for (int i = 0; i < npaths; i++) {
    const char *p = paths[i];
    rc = LW_ERR_CONFIG;
    if (!p || !*p)
      goto fail;
    if (p[0] != '/') {
      char cwd[PATH_MAX];
      rc = LW_ERR_IO;
      if (!getcwd(cwd, sizeof cwd))
        goto fail;
      rc = LW_ERR_NOMEM;
      abs = malloc(strlen(cwd) + strlen(p) + 2);
      if (!abs)
        goto fail;
      strcpy(abs, cwd);
      strcat(abs, "/");
      strcat(abs, p);
      p = abs;
    }
    gs->ninc++;
    rc = glob_compile(&gs->inc[i], p);
    free(abs);
    abs = NULL;
    if (rc != LW_OK)
      goto fail;
  }
  for (int i = 0; i < nexclude; i++) {
    rc = LW_ERR_CONFIG;
    if (!exclude[i] || !*exclude[i])
      goto fail;
    rc = LW_ERR_NOMEM;
    gs->exc[i] = strdup(exclude[i]);
    if (!gs->exc[i])
      goto fail;
    gs->nexc++;
  }
  return LW_OK;
fail:
  free(abs);
  lw_globset_free(gs);
  return rc;
}

bool lw_globset_excluded(const lw_globset *gs, const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  for (int i = 0; i < gs->nexc; i++) {
    const char *x = gs->exc[i];
    if (strchr(x, '/') ? fnmatch(x, path, FNM_PATHNAME) == 0 : fnmatch(x, base, 0) == 0)
      return true;
  }
  return false;
}

static bool comp_match(const lw_glob *g, int i, const char *name) {
  if (!g->wild[i])
    return strcmp(g->comp[i], name) == 0;
  return fnmatch(g->comp[i], name, FNM_PERIOD) == 0;
}

#define MATCH_MAX_LEVELS 256

/* Match names[ni..nn) against components ci.. of g. Returns LW_GLOB_FILE when they all match
 * exactly, LW_GLOB_DIR when the names run out first (a directory on the way to a match); "**"
 * matches zero or more names, none starting with '.' (like FNM_PERIOD). Costs at most
 * nn^(number of "**") steps: consecutive ones are merged at compile time. */
static unsigned match_from(const lw_glob *g, int ci, char *const *names, int ni, int nn) {
  if (ni == nn)
    return ci == g->ncomp ? LW_GLOB_FILE : LW_GLOB_DIR;
  if (ci == g->ncomp)
    return 0;
  if (is_deep(g, ci)) {
    unsigned res = match_from(g, ci + 1, names, ni, nn);
    if (names[ni][0] != '.')
      res |= match_from(g, ci, names, ni + 1, nn);
    return res;
  }
  if (!comp_match(g, ci, names[ni]))
    return 0;
  return match_from(g, ci + 1, names, ni + 1, nn);
}

unsigned lw_globset_match(const lw_globset *gs, const char *path) {
  char buf[PATH_MAX];
  char *names[MATCH_MAX_LEVELS];
  int nn = 0;
  size_t pl = strlen(path);
  if (pl >= sizeof buf)
    return 0;
  memcpy(buf, path, pl + 1);
  for (char *p = buf; *p;) {
    while (*p == '/')
      *p++ = 0;
    if (!*p)
      break;
    char *e = strchrnul(p, '/');
    if (nn == MATCH_MAX_LEVELS || (size_t)(e - p) > NAME_MAX_LEN)
      return 0;
    names[nn++] = p;
    p = e;
  }
  unsigned res = 0;
  for (int gi = 0; gi < gs->ninc; gi++)
    res |= match_from(&gs->inc[gi], 0, names, 0, nn);
  if ((res & LW_GLOB_FILE) && lw_globset_excluded(gs, path))
    res &= ~(unsigned)LW_GLOB_FILE;
  return res;
}

/* ---- The walk ---- */

typedef struct walk_ctx {
  const lw_globset *gs;
  const lw_glob_visit *v;
  void *ud;
  char buf[PATH_MAX];
} walk_ctx;

static void report_dir(walk_ctx *w, size_t len) {
  w->buf[len] = 0;
  w->v->dir(w->ud, len ? w->buf : "/");
}

/* Append "/name" to the directory path in buf[0..len). Returns the new length, 0 if too
 * long. */
static size_t join(walk_ctx *w, size_t len, const char *name) {
  size_t nl = strlen(name);
  if (len + 1 + nl + 1 > sizeof w->buf)
    return 0;
  w->buf[len] = '/';
  memcpy(w->buf + len + 1, name, nl + 1);
  return len + 1 + nl;
}

static void walk(walk_ctx *w, const lw_glob *g, int lvl, size_t len);
static void walk_deep(walk_ctx *w, const lw_glob *g, int lvl, size_t len);

/* A failure other than "not there (yet)": the caller is told, since waiting for an event
 * would wait forever (no watch can be set in a directory that cannot be read). Without
 * permission, the parent of what could not be read is reported as a directory to watch: its
 * watch sees the chmod that fixes it (IN_ATTRIB on the entry). */
static void report_error(walk_ctx *w, size_t len, int err) {
  if (err == ENOENT || err == ENOTDIR || !w->v->error)
    return;
  char c = w->buf[len];
  w->buf[len] = 0;
  w->v->error(w->ud, len ? w->buf : "/", err);
  char *slash = len && (err == EACCES || err == EPERM) ? memrchr(w->buf, '/', len) : NULL;
  if (slash) {
    size_t pl = (size_t)(slash - w->buf);
    *slash = 0;
    w->v->dir(w->ud, pl ? w->buf : "/");
    *slash = '/';
  }
  w->buf[len] = c;
}

/* The child just joined into buf (length cl) matched component lvl: descend or report.
 * Returns false when it is not what the glob needs there (dangling link, a file where a
 * directory is expected): the caller then watches for it to change. */
static bool visit_child(walk_ctx *w, const lw_glob *g, int lvl, size_t cl, bool link) {
  struct stat st;
  if (stat(w->buf, &st) != 0) {
    report_error(w, cl, errno); /* a symlink loop, or a target that cannot be reached */
    return false;
  }
  if (lvl == g->ncomp - 1) {
    if (S_ISREG(st.st_mode) && !lw_globset_excluded(w->gs, w->buf))
      w->v->file(w->ud, w->buf, &st, link);
    return true;
  }
  if (!S_ISDIR(st.st_mode))
    return false;
  walk(w, g, lvl + 1, cl);
  return true;
}

/* "**" at level lvl, in the directory buf[0..len): the rest of the glob applied here (zero
 * directories), then "**" again in each subdirectory. The directory is watched so that a
 * subdirectory created later is seen (its IN_CREATE names a directory level: a rescan). Only
 * real directories are entered, not symlinks to them, so a link cannot make the walk loop;
 * names starting with '.' are skipped like FNM_PERIOD does. */
static void walk_deep(walk_ctx *w, const lw_glob *g, int lvl, size_t len) {
  report_dir(w, len);
  walk(w, g, lvl + 1, len);
  w->buf[len] = 0;
  DIR *d = opendir(len ? w->buf : "/");
  if (!d) {
    report_error(w, len, errno);
    return;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
      continue;
    size_t cl = join(w, len, de->d_name);
    if (!cl)
      continue;
    struct stat lst;
    if (de->d_type == DT_DIR || (lstat(w->buf, &lst) == 0 && S_ISDIR(lst.st_mode)))
      walk_deep(w, g, lvl, cl);
    w->buf[len] = 0;
  }
  closedir(d);
}

static void walk(walk_ctx *w, const lw_glob *g, int lvl, size_t len) {
  const char *c = g->comp[lvl];
  bool last = lvl == g->ncomp - 1;
  if (is_deep(g, lvl)) {
    walk_deep(w, g, lvl, len);
    return;
  }
  if (!g->wild[lvl]) {
    size_t cl = join(w, len, c);
    if (!cl)
      return;
    struct stat lst;
    bool exists = lstat(w->buf, &lst) == 0;
    if (!exists)
      report_error(w, len, errno); /* EACCES: the directory holding it cannot be searched */
    bool link = exists && S_ISLNK(lst.st_mode);
    bool usable = exists && visit_child(w, g, lvl, cl, link);
    /* Watch this directory: to see the child appear, be retargeted, or (last level) to see
     * the file's writes, renames and deletion. */
    if (!usable || link || last)
      report_dir(w, len);
    return;
  }
  report_dir(w, len);
  DIR *d = opendir(len ? w->buf : "/");
  if (!d) {
    report_error(w, len, errno);
    return;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    if (fnmatch(c, de->d_name, FNM_PERIOD) != 0)
      continue;
    if (!last && de->d_type != DT_DIR && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
      continue;
    size_t cl = join(w, len, de->d_name);
    if (!cl)
      continue;
    bool link = de->d_type == DT_LNK;
    struct stat lst;
    if (de->d_type == DT_UNKNOWN && lstat(w->buf, &lst) == 0)
      link = S_ISLNK(lst.st_mode);
    visit_child(w, g, lvl, cl, link);
    w->buf[len] = 0;
  }
  closedir(d);
}

void lw_globset_walk(const lw_globset *gs, const lw_glob_visit *v, void *ud) {
  walk_ctx *w = malloc(sizeof(*w));
  if (!w)
    return;
  w->gs = gs;
  w->v = v;
  w->ud = ud;
  for (int i = 0; i < gs->ninc; i++) {
    w->buf[0] = 0;
    walk(w, &gs->inc[i], 0, 0);
  }
  free(w);
}
