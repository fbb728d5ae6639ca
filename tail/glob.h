/* glob.h — the input's file patterns: globs matched per path component with fnmatch(3)
 * (FNM_PERIOD; a component "**" matches zero or more directories), exclusions, matching one path
 * (for inotify events) and walking the tree (for scans), reporting which directories must be
 * watched to see matches appear. */
#ifndef LW_TAIL_GLOB_H
#define LW_TAIL_GLOB_H

#include <stdbool.h>
#include <sys/stat.h>

typedef struct lw_glob {
  char *text;  /* normalized absolute pattern, owned */
  char **comp; /* its components (root excluded), owned */
  bool *wild;  /* per component: contains * ? [ or \ (matched by reading the directory) */
  int ncomp;
} lw_glob;

typedef struct lw_globset {
  lw_glob *inc;
  int ninc;
  char **exc; /* owned copies of the exclusion patterns */
  int nexc;
} lw_globset;

/* lw_globset_match result bits */
enum {
  LW_GLOB_FILE = 1, /* the path matches a glob entirely and is not excluded */
  LW_GLOB_DIR = 2,  /* the path is a directory level of a glob: a strict prefix matches */
};

/* Compile the patterns: relative ones are made absolute against the working directory; empty
 * components and "." are dropped. Returns LW_OK, LW_ERR_CONFIG (no pattern, empty pattern) or
 * LW_ERR_NOMEM. Free with lw_globset_free (also after a failure). */
int lw_globset_init(lw_globset *gs, const char *const *paths, int npaths,
                    const char *const *exclude, int nexclude);
void lw_globset_free(lw_globset *gs);

/* Classify an absolute, normalized path (no "//", no "." components). Returns LW_GLOB_*
 * bits, 0 for no match. */
unsigned lw_globset_match(const lw_globset *gs, const char *path);
/* True when an exclusion pattern matches the file path. */
bool lw_globset_excluded(const lw_globset *gs, const char *path);

typedef struct lw_glob_visit {
  /* A directory whose entries can match (or appear to match) a glob: watch it. */
  void (*dir)(void *ud, const char *dir);
  /* A regular file (after following symlinks) matching a glob and not excluded. `link`: the
   * last path component is a symlink (its target may live in an unwatched directory). */
  void (*file)(void *ud, const char *path, const struct stat *st, bool link);
  /* A directory the walk needs could not be read or looked into, or a matching name could not
   * be resolved (errno `err`: EACCES, ELOOP, EIO, ...; a missing one is not an error, it is
   * waited for). May be NULL. For EACCES and EPERM, `dir` is then called for the parent of
   * `path` (to see its mode change). */
  void (*error)(void *ud, const char *path, int err);
} lw_glob_visit;

/* Walk every glob from the root: literal components are looked up, wildcard components read
 * their directory, a "**" component reports every directory below it (not entering names
 * starting with '.' nor symlinks to directories). A missing literal component reports its nearest
 * existing parent as a directory to watch (to see it appear); so does a literal component that is a
 * symlink (to see it retargeted). The same file or directory may be reported more than once. */
void lw_globset_walk(const lw_globset *gs, const lw_glob_visit *v, void *ud);

#endif
