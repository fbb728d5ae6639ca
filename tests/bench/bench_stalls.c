/* bench_stalls.c — how long this machine takes a core away from a thread that wants it, for
 * the latency section of `make bench`: one thread reads CLOCK_MONOTONIC in a tight loop,
 * pinned to each core in turn, while the other cores stay free for everything else. Any gap
 * between two readings is time the thread did not run: an interrupt, a kernel thread bound
 * to that core (per-core workers, RCU, memory monitoring), or, in a virtual machine, the
 * hypervisor running something else on the physical CPU. No latency figure of the agent or of
 * the floor can be steadier than these.
 *
 *   bench_stalls [SECONDS_PER_CORE]   (default 10)
 *
 * Prints one line per core: gaps over 0.1, 1 and 5 ms, the longest, and the share of the
 * time lost in gaps over 0.1 ms. A benchmark: it reports, it does not judge. */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 10;
  if (secs <= 0)
    secs = 10;
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    perror("sched_getaffinity");
    return 1;
  }
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (!CPU_ISSET(cpu, &allowed))
      continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {
      perror("sched_setaffinity");
      return 1;
    }
    uint64_t start = now_ns(), last = start, end = start + (uint64_t)(secs * 1e9);
    uint64_t longest = 0, lost = 0;
    unsigned over01 = 0, over1 = 0, over5 = 0;
    while (last < end) {
      uint64_t t = now_ns(), gap = t - last;
      if (gap > 100000u) {
        over01++;
        lost += gap;
        over1 += gap > 1000000u;
        over5 += gap > 5000000u;
      }
      if (gap > longest)
        longest = gap;
      last = t;
    }
    printf("  core %d, %.0f s spinning: gaps over 0.1 ms %u, over 1 ms %u, over 5 ms %u; longest "
           "%.2f ms; %.2f%% of the time lost in gaps over 0.1 ms\n",
           cpu, secs, over01, over1, over5, (double)longest / 1e6,
           100.0 * (double)lost / (double)(last - start));
    fflush(stdout);
  }
  sched_setaffinity(0, sizeof allowed, &allowed);
  return 0;
}
