/* statedir.c — checking and locking the agent's state directory (see statedir.h). */
#include "agent/statedir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int lw_statedir_check(const char *dir, char *err, size_t errlen) {
  char buf[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof buf) {
    snprintf(err, errlen, "empty or too long");
    return -1;
  }
  memcpy(buf, dir, n + 1);
  /* The deepest part of the path that exists decides: it must be a directory this user can
   * write into (to create the rest, or the checkpoints). */
  for (;;) {
    struct stat st;
    if (stat(buf, &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a directory", buf);
        return -1;
      }
      if (access(buf, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "%s is not writable by uid %ld (%s)", buf, (long)geteuid(),
                 strerror(errno));
        return -1;
      }
      return 0;
    }
    if (errno != ENOENT && errno != ENOTDIR) {
      snprintf(err, errlen, "%s: %s", buf, strerror(errno));
      return -1;
    }
    char *slash = strrchr(buf, '/');
    if (!slash) {
      snprintf(buf, sizeof buf, ".");
    } else if (slash == buf) {
      buf[1] = 0;
    } else {
      *slash = 0;
    }
  }
}

static int make_dirs(const char *path) {
  char buf[4096];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof buf)
    return -1;
  memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] != '/' && buf[i] != 0)
      continue;
    char c = buf[i];
    buf[i] = 0;
    if (mkdir(buf, 0750) != 0 && errno != EEXIST)
      return -1;
    buf[i] = c;
  }
  return 0;
}

int lw_statedir_lock(const char *dir, long *holder, char *err, size_t errlen) {
  *holder = 0;
  char path[4200];
  if (make_dirs(dir) != 0) {
    snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
    return -1;
  }
  snprintf(path, sizeof path, "%s/lock", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return -1;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    if (e == EWOULDBLOCK) {
      char pid[32] = {0};
      ssize_t r = pread(fd, pid, sizeof pid - 1, 0);
      if (r > 0)
        *holder = strtol(pid, NULL, 10);
      snprintf(err, errlen, "%s is locked by another logwire (pid %ld) using the same state_dir",
               path, *holder);
    } else {
      snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
    }
    close(fd);
    return -1;
  }
  char pid[32];
  int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}
