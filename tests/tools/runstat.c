/* runstat.c — run a command and print its wall time, CPU time and peak RSS, measured with
 * wait4(2): "wall_s user_s sys_s maxrss_kb exit_code" on stderr (or to -o FILE). Used by the
 * benchmarks so that every tool is measured the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *out = NULL;
  int i = 1;
  if (i + 1 < argc && !strcmp(argv[i], "-o")) {
    out = argv[i + 1];
    i += 2;
  }
  if (i < argc && !strcmp(argv[i], "--"))
    i++;
  if (i >= argc) {
    fprintf(stderr, "usage: runstat [-o FILE] [--] COMMAND [ARGS...]\n");
    return 2;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid < 0)
    return 2;
  if (pid == 0) {
    execvp(argv[i], argv + i);
    perror(argv[i]);
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0)
    return 2;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  double user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
  double sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE *f = out ? fopen(out, "w") : stderr;
  if (!f)
    return 2;
  fprintf(f, "%.3f %.3f %.3f %ld %d\n", wall, user, sys, ru.ru_maxrss, code);
  if (out)
    fclose(f);
  return code;
}
