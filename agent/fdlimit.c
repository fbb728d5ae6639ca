/* fdlimit.c — the descriptor limit: the soft RLIMIT_NOFILE raised to the hard limit at start
 * (as Go programs such as Filebeat do), max_open_files derived from it, and the warnings an
 * operator needs when the limit is too low for what the configuration asks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "agent/agent.h"
#include "agent/log.h"
#include "tail/tail.h"

/* Below this limit (after the raise) the agent says at start how to raise it: a few thousand
 * short-lived files (a job runner, a per-request logger) need a descriptor each. */
#define LOW_HARD_LIMIT 8192

static uint64_t lim_value(rlim_t v) {
  return v == RLIM_INFINITY ? 0 : (uint64_t)v;
}

/* The inputs' count as the limit is shared: at least 1. */
static unsigned ninputs_of(const lw_config *c) {
  return c->ninputs ? (unsigned)c->ninputs : 1u;
}

int lw_fdlimit_check(const lw_config *c, uint64_t hard, char *err, size_t errlen) {
  int per = c->agent.max_open_files;
  if (!per || !hard)
    return 0;
  uint64_t need = (uint64_t)per * ninputs_of(c) + LW_TAIL_FD_RESERVE;
  if (need <= hard)
    return 0;
  snprintf(err, errlen,
           "%d files for each of %u input%s and %d descriptors for sockets and state files "
           "exceed the hard descriptor limit (%llu): set max_open_files = auto (%d each "
           "here) or raise the limit (LimitNOFILE= in the service's unit file, ulimit -n)",
           per, ninputs_of(c), ninputs_of(c) == 1 ? "" : "s", LW_TAIL_FD_RESERVE,
           (unsigned long long)hard, lw_tail_max_open_files(hard, ninputs_of(c)));
  return -1;
}

void lw_fdlimit_raise(lw_agent *a) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    lw_log(LW_LOG_WARN, "cannot read the descriptor limit", LW_S("reason", strerror(errno)));
    return;
  }
  uint64_t before = lim_value(rl.rlim_cur);
  if (rl.rlim_cur != rl.rlim_max) {
    struct rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    /* An unlimited hard limit is still capped by the kernel (fs.nr_open): ask for the most
     * max_open_files can use then. */
    if (want.rlim_cur == RLIM_INFINITY)
      want.rlim_cur = LW_TAIL_MAX_OPEN_FILES + LW_TAIL_FD_RESERVE;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0)
      rl.rlim_cur = want.rlim_cur;
    else
      lw_log(LW_LOG_WARN, "cannot raise the descriptor limit to the hard limit",
             LW_U("soft", before), LW_U("hard", lim_value(rl.rlim_max)),
             LW_S("reason", strerror(errno)));
  }
  a->nofile = lim_value(rl.rlim_cur);
  uint64_t hard = lim_value(rl.rlim_max);
  lw_log(LW_LOG_DEBUG, "descriptor limit", LW_U("soft_at_start", before), LW_U("soft", a->nofile),
         LW_U("hard", hard), LW_I("max_open_files", lw_agent_max_open_files(a)));
  if (a->nofile && a->nofile < LOW_HARD_LIMIT)
    lw_log(LW_LOG_WARN,
           "the descriptor limit is low: each input may hold this many files at once, and "
           "short-lived files past it can be missed; raise it (LimitNOFILE=65536 in the "
           "service's unit file, or ulimit -n 65536 before starting)",
           LW_U("limit", a->nofile), LW_I("max_open_files", lw_agent_max_open_files(a)));
  char err[400];
  if (lw_fdlimit_check(&a->cfg, a->nofile, err, sizeof err) != 0)
    lw_log(LW_LOG_WARN, "max_open_files is above what the descriptor limit allows",
           LW_S("problem", err));
}

int lw_agent_max_open_files(const lw_agent *a) {
  if (a->cfg.agent.max_open_files)
    return a->cfg.agent.max_open_files;
  return lw_tail_max_open_files(a->nofile, ninputs_of(&a->cfg));
}
