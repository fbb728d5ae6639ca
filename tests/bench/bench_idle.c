/* bench_idle.c — what 1,000 watched but quiet files cost: `logwire run` follows N files that
 * nobody writes to; once it holds them all, its CPU time is read from /proc over SECONDS.
 *
 *   bench_idle LOGWIRE BOOTSTRAP WORKDIR [FILES] [SECONDS]
 *
 * A benchmark: it reports, it does not judge. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench_proc.h"

static int open_fds(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
  DIR *d = opendir(path);
  if (!d)
    return -1;
  int n = 0;
  while (readdir(d))
    n++;
  closedir(d);
  return n - 2;
}

static long rss_kb(pid_t pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld", &kb) == 1)
      break;
  if (f)
    fclose(f);
  return kb;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s LOGWIRE BOOTSTRAP WORKDIR [FILES] [SECONDS]\n", argv[0]);
    return 2;
  }
  const char *bin = argv[1], *brokers = argv[2], *dir = argv[3];
  int files = argc > 4 ? atoi(argv[4]) : 1000;
  int secs = argc > 5 ? atoi(argv[5]) : 30;
  char path[4096], conf[4096], agentlog[4096];
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/quiet", dir);
  mkdir(path, 0755);
  for (int i = 0; i < files; i++) {
    snprintf(path, sizeof path, "%s/quiet/file-%05d.log", dir, i);
    FILE *f = fopen(path, "w");
    if (!f)
      return 1;
    fprintf(f, "one line already there in file %d\n", i);
    fclose(f);
  }
  snprintf(conf, sizeof conf, "%s/idle.conf", dir);
  snprintf(agentlog, sizeof agentlog, "%s/agent.log", dir);
  FILE *cf = fopen(conf, "w");
  if (!cf)
    return 1;
  fprintf(cf,
          "[kafka]\nbrokers = %s\n[agent]\nstate_dir = %s/state-%d\nmax_open_files = %d\n"
          "[input.quiet]\npaths = %s/quiet/*.log\ntopic = idle\n",
          brokers, dir, (int)getpid(), files + 64, dir);
  fclose(cf);
  pid_t pid = fork();
  if (pid == 0) {
    int lf = open(agentlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (lf >= 0)
      dup2(lf, 2);
    execl(bin, bin, "run", "-c", conf, (char *)NULL);
    _exit(127);
  }
  /* Ready when it holds a descriptor for every file (or after 20 s). */
  struct timespec tick = {0, 50 * 1000 * 1000};
  for (int i = 0; i < 400 && open_fds(pid) < files; i++)
    nanosleep(&tick, NULL);
  int held = open_fds(pid);
  double cpu0 = proc_cpu(pid);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct timespec wait = {secs, 0};
  nanosleep(&wait, NULL);
  double cpu1 = proc_cpu(pid);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long rss = rss_kb(pid);
  kill(pid, SIGTERM);
  int status;
  waitpid(pid, &status, 0);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("  %d quiet files (%d descriptors held), %.1f s: agent CPU %.3f s = %.3f%% of one core, "
         "RSS %.1f MB\n",
         files, held, wall, cpu1 - cpu0, 100.0 * (cpu1 - cpu0) / wall, (double)rss / 1024.0);
  return 0;
}
