/* glob.c — per-component glob matching, exclusions and the directory walk (see glob.h). */
#include "tail/glob.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/err.h"

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

/* Split `pat` (absolute) into components and rebuild the normalized text. */
static int glob_compile(lw_glob *g, const char *pat) {
  size_t n = strlen(pat);
  g->comp = calloc(n / 2 + 1, sizeof(*g->comp));
  g->wild = calloc(n / 2 + 1, sizeof(*g->wild));
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

unsigned lw_globset_match(const lw_globset *gs, const char *path) {
  unsigned res = 0;
  for (int gi = 0; gi < gs->ninc; gi++) {
    const lw_glob *g = &gs->inc[gi];
    const char *p = path;
    int lvl = 0;
    bool ok = true;
    while (ok && *p) {
      while (*p == '/')
        p++;
      if (!*p)
        break;
      const char *e = strchrnul(p, '/');
      size_t len = (size_t)(e - p);
      char name[NAME_MAX_LEN + 1];
      if (lvl >= g->ncomp || len > NAME_MAX_LEN) {
        ok = false;
        break;
      }
      memcpy(name, p, len);
      name[len] = 0;
      ok = comp_match(g, lvl, name);
      lvl++;
      p = e;
    }
    if (!ok)
      continue;
    if (lvl == g->ncomp)
      res |= LW_GLOB_FILE;
    else
      res |= LW_GLOB_DIR;
  }
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

/* A failure other than "not there (yet)": the caller is told, since waiting for an event
 * would wait forever (no watch can be set in a directory that cannot be read). */
static void report_error(walk_ctx *w, size_t len, int err) {
  if (err == ENOENT || err == ENOTDIR || !w->v->error)
    return;
  char c = w->buf[len];
  w->buf[len] = 0;
  w->v->error(w->ud, len ? w->buf : "/", err);
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

static void walk(walk_ctx *w, const lw_glob *g, int lvl, size_t len) {
  const char *c = g->comp[lvl];
  bool last = lvl == g->ncomp - 1;
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
