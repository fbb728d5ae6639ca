/* loop.c — epoll + signalfd event loop with a heap of timers (see loop.h).
 *
 * Timers cost no system call of their own: the earliest deadline is the timeout of the wait,
 * given to epoll_pwait2 in nanoseconds, computed once per iteration however many timers the
 * callbacks started or stopped. Kernels before 5.11 (or a seccomp filter refusing
 * epoll_pwait2) get the older way: a timerfd set to the earliest deadline, at most once per
 * iteration and only when that deadline changed. Both cost the kernel a timer programming per
 * sleep; the timerfd way adds one more per deadline change, a system call and, in a virtual
 * machine, an exit to the hypervisor (perf at 33 lines a second: 9% of the agent's samples).
 *
 * A wait's timeout, unlike a timerfd, is stretched by the thread's timer slack (50 us by
 * default) so that the kernel can batch wake-ups: a 1 ms linger would end up to 50 us late.
 * The thread that runs the loop sets its slack to 1 us at its first wait.
 */
#include "net/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"

#define NOT_ARMED      ((size_t)-1)
#define MAX_EVENTS     64
#define TIMER_SLACK_NS 1000ul /* see the top of this file */

typedef struct fd_reg {
  lw_io_cb cb;
  void *ud;
  unsigned events;
  bool used;
} fd_reg;

typedef struct sig_reg {
  lw_signal_cb cb;
  void *ud;
} sig_reg;

struct lw_loop {
  int epfd;
  int tfd;            /* without epoll_pwait2: timerfd armed for the earliest deadline */
  uint64_t armed_due; /* deadline the timerfd is set to, 0 when disarmed */
  bool pwait2;        /* epoll_pwait2 works: the wait's timeout is the earliest deadline */
  bool slack_set;     /* this loop's thread has its timer slack set */
  int sfd;            /* signalfd, -1 until a signal is registered */
  sigset_t sigs;      /* signals routed to sfd */
  sig_reg sig[65];
  fd_reg *fds; /* indexed by fd */
  size_t nfds;
  lw_timer **heap; /* min-heap on due_us */
  size_t nheap, capheap;
  lw_prepare *prep;      /* doubly linked list of prepare hooks */
  lw_prepare *prep_next; /* iteration cursor, so a hook may remove the next one */
  bool stop;
  bool probing;               /* lw_loop_probe_start was called */
  uint64_t woke_us, woke_cpu; /* when the current turn began (0: not yet) */
  uintptr_t turn_cb;          /* the current turn's slowest callback so far */
  uint64_t turn_cb_us;        /* and its wall time */
  lw_loop_probe probe;
  uint64_t now_us; /* clocks cached per iteration */
  int64_t wall_ms;
};

uint64_t lw_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t lw_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ep_ctl(lw_loop *l, int op, int fd, unsigned events) {
  struct epoll_event ev = {0};
  if (events & LW_EV_READ)
    ev.events |= EPOLLIN;
  if (events & LW_EV_WRITE)
    ev.events |= EPOLLOUT;
  ev.data.fd = fd;
  return epoll_ctl(l->epfd, op, fd, &ev) == 0 ? LW_OK : LW_ERR_IO;
}

static void on_timerfd(lw_loop *l, int fd, unsigned ev, void *ud);
static void on_signalfd(lw_loop *l, int fd, unsigned ev, void *ud);

int lw_loop_new(lw_loop **out) {
  lw_loop *l = calloc(1, sizeof(*l));
  if (!l)
    return LW_ERR_NOMEM;
  l->sfd = -1;
  l->tfd = -1;
  sigemptyset(&l->sigs);
  l->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (l->epfd < 0)
    goto fail;
  l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (l->tfd < 0)
    goto fail;
  if (lw_loop_add(l, l->tfd, LW_EV_READ, on_timerfd, NULL) != LW_OK)
    goto fail;
#ifdef SYS_epoll_pwait2
  l->pwait2 = !getenv("LOGWIRE_NO_EPOLL_PWAIT2");
#endif
  *out = l;
  return LW_OK;
fail:
  if (l->tfd >= 0)
    close(l->tfd);
  if (l->epfd >= 0)
    close(l->epfd);
  free(l->fds);
  free(l);
  return LW_ERR_IO;
}

void lw_loop_free(lw_loop *l) {
  if (!l)
    return;
  if (l->sfd >= 0) {
    close(l->sfd);
    sigprocmask(SIG_UNBLOCK, &l->sigs, NULL);
  }
  close(l->tfd);
  close(l->epfd);
  free(l->fds);
  free(l->heap);
  free(l);
}

int lw_loop_add(lw_loop *l, int fd, unsigned events, lw_io_cb cb, void *ud) {
  if (fd < 0)
    return LW_ERR_INVALID_ARG;
  if ((size_t)fd >= l->nfds) {
    size_t n = l->nfds ? l->nfds : 64;
    while (n <= (size_t)fd)
      n *= 2;
    fd_reg *f = realloc(l->fds, n * sizeof(*f));
    if (!f)
      return LW_ERR_NOMEM;
    memset(f + l->nfds, 0, (n - l->nfds) * sizeof(*f));
    l->fds = f;
    l->nfds = n;
  }
  if (ep_ctl(l, EPOLL_CTL_ADD, fd, events) != LW_OK)
    return LW_ERR_IO;
  l->fds[fd] = (fd_reg){.cb = cb, .ud = ud, .events = events, .used = true};
  return LW_OK;
}

int lw_loop_mod(lw_loop *l, int fd, unsigned events) {
  if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].used)
    return LW_ERR_INVALID_ARG;
  if (l->fds[fd].events == events)
    return LW_OK;
  if (ep_ctl(l, EPOLL_CTL_MOD, fd, events) != LW_OK)
    return LW_ERR_IO;
  l->fds[fd].events = events;
  return LW_OK;
}

void lw_loop_del(lw_loop *l, int fd) {
  if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].used)
    return;
  epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
  l->fds[fd].used = false;
}

/* ---- Timers: a binary min-heap of borrowed lw_timer pointers ---- */

static void heap_swap(lw_loop *l, size_t a, size_t b) {
  lw_timer *t = l->heap[a];
  l->heap[a] = l->heap[b];
  l->heap[b] = t;
  l->heap[a]->heap_idx = a;
  l->heap[b]->heap_idx = b;
}

static void heap_up(lw_loop *l, size_t i) {
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (l->heap[p]->due_us <= l->heap[i]->due_us)
      break;
    heap_swap(l, p, i);
    i = p;
  }
}

static void heap_down(lw_loop *l, size_t i) {
  for (;;) {
    size_t a = 2 * i + 1, b = a + 1, m = i;
    if (a < l->nheap && l->heap[a]->due_us < l->heap[m]->due_us)
      m = a;
    if (b < l->nheap && l->heap[b]->due_us < l->heap[m]->due_us)
      m = b;
    if (m == i)
      break;
    heap_swap(l, i, m);
    i = m;
  }
}

/* Without epoll_pwait2: point the timerfd at the earliest deadline (a system call only when it
 * changed), just before the wait. */
static void rearm(lw_loop *l) {
  uint64_t due = l->nheap ? l->heap[0]->due_us : 0;
  if (due == l->armed_due)
    return;
  struct itimerspec its = {0};
  if (due) {
    /* it_value 0 would disarm: a deadline already past is set to 1 ns after the epoch of
     * the monotonic clock, which fires at once. */
    its.it_value.tv_sec = (time_t)(due / 1000000u);
    its.it_value.tv_nsec = (long)(due % 1000000u) * 1000;
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
      its.it_value.tv_nsec = 1;
  }
  timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
  l->armed_due = due;
}

void lw_timer_init(lw_timer *t, lw_timer_cb cb, void *ud) {
  t->due_us = 0;
  t->cb = cb;
  t->ud = ud;
  t->heap_idx = NOT_ARMED;
}

static void heap_remove(lw_loop *l, lw_timer *t) {
  size_t i = t->heap_idx;
  t->heap_idx = NOT_ARMED;
  l->nheap--;
  if (i == l->nheap)
    return;
  l->heap[i] = l->heap[l->nheap];
  l->heap[i]->heap_idx = i;
  heap_down(l, i);
  heap_up(l, i);
}

int lw_timer_start_at(lw_loop *l, lw_timer *t, uint64_t due_us) {
  if (t->heap_idx != NOT_ARMED)
    heap_remove(l, t);
  if (l->nheap == l->capheap) {
    size_t n = l->capheap ? l->capheap * 2 : 16;
    lw_timer **h = realloc(l->heap, n * sizeof(*h));
    if (!h)
      return LW_ERR_NOMEM;
    l->heap = h;
    l->capheap = n;
  }
  t->due_us = due_us;
  t->heap_idx = l->nheap;
  l->heap[l->nheap++] = t;
  heap_up(l, t->heap_idx);
  return LW_OK;
}

int lw_timer_start(lw_loop *l, lw_timer *t, uint64_t delay_us) {
  return lw_timer_start_at(l, t, lw_now_us() + delay_us);
}

void lw_timer_stop(lw_loop *l, lw_timer *t) {
  if (t->heap_idx == NOT_ARMED)
    return;
  heap_remove(l, t);
}

/* The benchmark probe: a callback that began at t0 (lw_now_us) has returned. */
static void probe_cb(lw_loop *l, uintptr_t cb, uint64_t t0) {
  uint64_t d = lw_now_us() - t0;
  if (d >= l->turn_cb_us) {
    l->turn_cb_us = d;
    l->turn_cb = cb;
  }
}

static void run_timers(lw_loop *l) {
  uint64_t now = lw_now_us();
  /* Timers armed by callbacks for a deadline already past run in the next iteration, so a
   * zero-delay timer cannot starve I/O. */
  size_t budget = l->nheap;
  while (budget-- && l->nheap && l->heap[0]->due_us <= now) {
    lw_timer *t = l->heap[0];
    heap_remove(l, t);
    uint64_t t0 = l->probing ? lw_now_us() : 0;
    lw_timer_cb cb = t->cb; /* t may be freed by its callback */
    cb(l, t, t->ud);
    if (l->probing)
      probe_cb(l, (uintptr_t)cb, t0);
  }
}

static void on_timerfd(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)ev;
  (void)ud;
  uint64_t n;
  while (read(fd, &n, sizeof n) > 0) {
  }
  l->armed_due = 0; /* the kernel disarmed it after expiry */
  /* The due timers run after the dispatch, once an iteration, as with epoll_pwait2: running
   * them here as well gave a timer a callback re-armed at zero delay a second run in the same
   * iteration (and closed no turn of the probe in between). */
}

/* ---- Prepare hooks ---- */

void lw_prepare_init(lw_prepare *p, lw_prepare_cb cb, void *ud) {
  memset(p, 0, sizeof(*p));
  p->cb = cb;
  p->ud = ud;
}

void lw_prepare_start(lw_loop *l, lw_prepare *p) {
  if (p->linked)
    return;
  p->prev = NULL;
  p->next = l->prep;
  if (l->prep)
    l->prep->prev = p;
  l->prep = p;
  p->linked = true;
}

void lw_prepare_stop(lw_loop *l, lw_prepare *p) {
  if (!p->linked)
    return;
  if (l->prep_next == p)
    l->prep_next = p->next;
  if (p->prev)
    p->prev->next = p->next;
  else
    l->prep = p->next;
  if (p->next)
    p->next->prev = p->prev;
  p->linked = false;
  p->next = p->prev = NULL;
}

/* ---- Signals ---- */

int lw_loop_signal(lw_loop *l, int signo, lw_signal_cb cb, void *ud) {
  if (signo <= 0 || signo > 64)
    return LW_ERR_INVALID_ARG;
  sigaddset(&l->sigs, signo);
  if (sigprocmask(SIG_BLOCK, &l->sigs, NULL) != 0)
    return LW_ERR_IO;
  int fd = signalfd(l->sfd, &l->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0)
    return LW_ERR_IO;
  if (l->sfd < 0 && lw_loop_add(l, fd, LW_EV_READ, on_signalfd, NULL) != LW_OK) {
    close(fd);
    return LW_ERR_IO;
  }
  l->sfd = fd;
  l->sig[signo] = (sig_reg){cb, ud};
  return LW_OK;
}

static void on_signalfd(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)ev;
  (void)ud;
  struct signalfd_siginfo si;
  while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
    int s = (int)si.ssi_signo;
    if (s > 0 && s <= 64 && l->sig[s].cb)
      l->sig[s].cb(l, s, l->sig[s].ud);
  }
}

/* ---- The benchmark probe ---- */

static uint64_t thread_cpu_us(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void lw_loop_probe_start(lw_loop *l) {
  l->probing = true;
}

void lw_loop_probe_get(const lw_loop *l, lw_loop_probe *out) {
  *out = l->probe;
}

/* A turn ends: the thread is about to wait. */
static void probe_end(lw_loop *l) {
  if (!l->woke_us)
    return;
  uint64_t wall = lw_now_us() - l->woke_us, cpu = thread_cpu_us() - l->woke_cpu;
  l->probe.turns++;
  if (wall > l->probe.max_wall_us) {
    l->probe.max_wall_us = wall;
    l->probe.max_wall_at_us = l->woke_us;
    l->probe.max_wall_cb = l->turn_cb;
    l->probe.max_wall_cb_us = l->turn_cb_us;
  }
  if (cpu > l->probe.max_cpu_us) {
    l->probe.max_cpu_us = cpu;
    l->probe.max_cpu_at_us = l->woke_us;
    l->probe.max_cpu_cb = l->turn_cb;
    l->probe.max_cpu_cb_us = l->turn_cb_us;
  }
  if (cpu > 1000)
    l->probe.over_1ms_cpu++;
}

/* ---- Running ---- */

static void update_clocks(lw_loop *l) {
  l->now_us = lw_now_us();
  l->wall_ms = lw_wall_ms();
}

uint64_t lw_loop_now_us(const lw_loop *l) {
  return l->now_us ? l->now_us : lw_now_us();
}
int64_t lw_loop_wall_ms(const lw_loop *l) {
  return l->wall_ms ? l->wall_ms : lw_wall_ms();
}

/* epoll_pwait2 (Linux 5.11): the timeout in nanoseconds. Called through syscall(2), so that a
 * C library without the wrapper (older glibc, static builds) still gets it; the kernel's
 * timespec is 64-bit on every architecture. */
static int wait_ns(lw_loop *l, struct epoll_event *evs, int64_t wait_ns_) {
#ifdef SYS_epoll_pwait2
  struct {
    long long sec, nsec;
  } ts = {wait_ns_ / 1000000000, wait_ns_ % 1000000000};
  return (int)syscall(SYS_epoll_pwait2, l->epfd, evs, MAX_EVENTS, wait_ns_ < 0 ? NULL : &ts, NULL,
                      (size_t)0);
#else
  (void)l;
  (void)evs;
  (void)wait_ns_;
  errno = ENOSYS;
  return -1;
#endif
}

int lw_loop_run_once(lw_loop *l, int timeout_ms) {
  update_clocks(l);
  for (lw_prepare *p = l->prep; p; p = l->prep_next) {
    l->prep_next = p->next;
    uint64_t t0 = l->probing ? lw_now_us() : 0;
    lw_prepare_cb cb = p->cb;
    cb(l, p->ud);
    if (l->probing)
      probe_cb(l, (uintptr_t)cb, t0);
  }
  l->prep_next = NULL;
  if (l->stop)
    return LW_OK;
  /* The wait ends at the caller's timeout or the earliest deadline, whichever comes first; a
   * timer due already (armed by a callback or a prepare hook) makes it a poll. */
  int64_t wait_us = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000;
  if (l->nheap) {
    uint64_t now = lw_now_us(), due = l->heap[0]->due_us;
    int64_t d = due > now ? (int64_t)(due - now) : 0;
    if (wait_us < 0 || d < wait_us)
      wait_us = d;
  }
  struct epoll_event evs[MAX_EVENTS];
  if (l->probing)
    probe_end(l);
  int n = -1;
  if (!l->slack_set) {
    prctl(PR_SET_TIMERSLACK, TIMER_SLACK_NS, 0ul, 0ul, 0ul);
    l->slack_set = true;
  }
  if (l->pwait2) {
    n = wait_ns(l, evs, wait_us < 0 ? -1 : wait_us * 1000);
    if (n < 0 && (errno == ENOSYS || errno == EPERM))
      l->pwait2 = false; /* an older kernel, or a filter refusing it: the timerfd from now on */
  }
  if (!l->pwait2) {
    rearm(l);
    int ms = timeout_ms;
    if (l->nheap && l->heap[0]->due_us <= lw_now_us())
      ms = 0; /* due already: the timerfd would fire at once, but only after another wait */
    n = epoll_wait(l->epfd, evs, MAX_EVENTS, ms);
  }
  update_clocks(l);
  if (l->probing) {
    l->woke_us = l->now_us;
    l->woke_cpu = thread_cpu_us();
    l->turn_cb = 0;
    l->turn_cb_us = 0;
  }
  if (n < 0)
    return errno == EINTR ? LW_OK : LW_ERR_IO;
  for (int i = 0; i < n; i++) {
    int fd = evs[i].data.fd;
    if ((size_t)fd >= l->nfds || !l->fds[fd].used)
      continue; /* removed by an earlier callback in this batch */
    unsigned ev = 0;
    if (evs[i].events & EPOLLIN)
      ev |= LW_EV_READ;
    if (evs[i].events & EPOLLOUT)
      ev |= LW_EV_WRITE;
    if (evs[i].events & (EPOLLERR | EPOLLHUP))
      ev |= LW_EV_ERROR;
    fd_reg r = l->fds[fd];
    uint64_t t0 = l->probing ? lw_now_us() : 0;
    r.cb(l, fd, ev, r.ud);
    if (l->probing)
      probe_cb(l, (uintptr_t)r.cb, t0);
  }
  if (l->nheap && l->heap[0]->due_us <= lw_now_us())
    run_timers(l);
  return LW_OK;
}

int lw_loop_run(lw_loop *l) {
  l->stop = false;
  while (!l->stop) {
    int rc = lw_loop_run_once(l, -1);
    if (rc != LW_OK)
      return rc;
  }
  return LW_OK;
}

void lw_loop_stop(lw_loop *l) {
  l->stop = true;
}
bool lw_loop_stopped(const lw_loop *l) {
  return l->stop;
}
