/* test_loop.c — the event loop: fd readiness, timer order and cancellation, prepare hooks,
 * signals through signalfd, the benchmark probe, the loop thread's timer slack. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "net/loop.h"
#include "base/err.h"

static int order[8], norder;

static void on_read_once(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)ev;
  char buf[8];
  *(ssize_t *)ud = read(fd, buf, sizeof buf);
  lw_loop_del(l, fd);
}

static void fire(lw_loop *l, lw_timer *t, void *ud) {
  (void)t;
  order[norder++] = (int)(intptr_t)ud;
  if (norder == 3)
    lw_loop_stop(l);
}

/* Timers wait through epoll_pwait2's timeout, or through a timerfd where the kernel lacks it
 * (forced here by the environment variable): each timer test runs both ways. */
static lw_loop *new_loop(bool timerfd) {
  if (timerfd)
    setenv("LOGWIRE_NO_EPOLL_PWAIT2", "1", 1);
  else
    unsetenv("LOGWIRE_NO_EPOLL_PWAIT2");
  lw_loop *l;
  cr_assert_eq(lw_loop_new(&l), LW_OK);
  unsetenv("LOGWIRE_NO_EPOLL_PWAIT2");
  return l;
}

static void timers_in_order(bool timerfd) {
  lw_loop *l = new_loop(timerfd);
  lw_timer a, b, c, d;
  lw_timer_init(&a, fire, (void *)1);
  lw_timer_init(&b, fire, (void *)2);
  lw_timer_init(&c, fire, (void *)3);
  lw_timer_init(&d, fire, (void *)4);
  norder = 0;
  uint64_t t0 = lw_now_us();
  lw_timer_start(l, &c, 3000);
  lw_timer_start(l, &a, 1000);
  lw_timer_start(l, &d, 1500);
  lw_timer_start(l, &b, 2000);
  lw_timer_stop(l, &d);
  cr_assert(!lw_timer_active(&d));
  cr_assert_eq(lw_loop_run(l), LW_OK);
  cr_assert_eq(norder, 3);
  cr_assert_eq(order[0], 1);
  cr_assert_eq(order[1], 2);
  cr_assert_eq(order[2], 3);
  cr_assert_geq(lw_now_us() - t0, 3000, "the last timer cannot fire before its deadline");
  lw_loop_free(l);
}
Test(loop, timers_fire_in_deadline_order_and_stop_cancels) {
  timers_in_order(false);
}
Test(loop, timers_fire_in_deadline_order_and_stop_cancels_timerfd) {
  timers_in_order(true);
}

static int zero_runs, later_runs;
static lw_timer zero_t, later_t;

/* A zero-delay timer that starts itself again: the loop goes on serving descriptors. */
static void zero_cb(lw_loop *l, lw_timer *t, void *ud) {
  (void)ud;
  zero_runs++;
  lw_timer_start(l, t, 0);
}
static void later_cb(lw_loop *l, lw_timer *t, void *ud) {
  (void)t;
  (void)ud;
  later_runs++;
  lw_timer_stop(l, &zero_t);
}

static void timers_without_starving(bool timerfd) {
  lw_loop *l = new_loop(timerfd);
  lw_timer_init(&zero_t, zero_cb, NULL);
  lw_timer_init(&later_t, later_cb, NULL);
  zero_runs = later_runs = 0;
  int p[2];
  cr_assert_eq(pipe(p), 0);
  ssize_t got = -1;
  cr_assert_eq(lw_loop_add(l, p[0], LW_EV_READ, on_read_once, &got), LW_OK);
  cr_assert_eq(write(p[1], "x", 1), 1);
  lw_timer_start(l, &zero_t, 0);
  lw_timer_start(l, &later_t, 20000);
  /* The caller's timeout is longer than every deadline: the timers end the waits. */
  uint64_t t0 = lw_now_us();
  while (!later_runs && lw_now_us() - t0 < 5000000)
    cr_assert_eq(lw_loop_run_once(l, 10000), LW_OK);
  cr_assert_eq(later_runs, 1, "the 20 ms timer fired");
  cr_assert_eq(got, 1, "the pipe was served between the zero-delay timer's runs");
  cr_assert_gt(zero_runs, 1);
  cr_assert(!lw_timer_active(&zero_t), "stopped by the later one");
  /* Nothing armed: a wait ends at the caller's timeout. */
  t0 = lw_now_us();
  cr_assert_eq(lw_loop_run_once(l, 30), LW_OK);
  cr_assert_geq(lw_now_us() - t0, 29000);
  /* A timer started and stopped before the wait does not end it. */
  lw_timer_start(l, &later_t, 1000);
  lw_timer_stop(l, &later_t);
  t0 = lw_now_us();
  cr_assert_eq(lw_loop_run_once(l, 30), LW_OK);
  cr_assert_geq(lw_now_us() - t0, 29000);
  cr_assert_eq(later_runs, 1);
  close(p[0]);
  close(p[1]);
  lw_loop_free(l);
}
Test(loop, zero_delay_timers_do_not_starve_descriptors) {
  timers_without_starving(false);
}
Test(loop, zero_delay_timers_do_not_starve_descriptors_timerfd) {
  timers_without_starving(true);
}

static void on_read(lw_loop *l, int fd, unsigned ev, void *ud) {
  char buf[8];
  cr_assert(ev & LW_EV_READ);
  *(ssize_t *)ud = read(fd, buf, sizeof buf);
  lw_loop_del(l, fd);
  lw_loop_stop(l);
}

Test(loop, fd_readiness) {
  lw_loop *l;
  cr_assert_eq(lw_loop_new(&l), LW_OK);
  int p[2];
  cr_assert_eq(pipe(p), 0);
  ssize_t got = -1;
  cr_assert_eq(lw_loop_add(l, p[0], LW_EV_READ, on_read, &got), LW_OK);
  cr_assert_eq(write(p[1], "hey", 3), 3);
  cr_assert_eq(lw_loop_run(l), LW_OK);
  cr_assert_eq(got, 3);
  close(p[0]);
  close(p[1]);
  lw_loop_free(l);
}

static void prep(lw_loop *l, void *ud) {
  int *n = ud;
  if (++*n == 3)
    lw_loop_stop(l);
}

static void tick(lw_loop *l, lw_timer *t, void *ud) {
  (void)ud;
  lw_timer_start(l, t, 100);
}

Test(loop, prepare_hooks_run_each_iteration) {
  lw_loop *l;
  cr_assert_eq(lw_loop_new(&l), LW_OK);
  int n = 0;
  lw_prepare p;
  lw_prepare_init(&p, prep, &n);
  lw_prepare_start(l, &p);
  lw_timer t;
  lw_timer_init(&t, tick, NULL);
  lw_timer_start(l, &t, 100);
  cr_assert_eq(lw_loop_run(l), LW_OK);
  cr_assert_eq(n, 3);
  lw_prepare_stop(l, &p);
  lw_loop_free(l);
}

static void on_sig(lw_loop *l, int signo, void *ud) {
  *(int *)ud = signo;
  lw_loop_stop(l);
}

Test(loop, signals_arrive_through_the_loop) {
  lw_loop *l;
  cr_assert_eq(lw_loop_new(&l), LW_OK);
  int got = 0;
  cr_assert_eq(lw_loop_signal(l, SIGUSR1, on_sig, &got), LW_OK);
  kill(getpid(), SIGUSR1);
  cr_assert_eq(lw_loop_run(l), LW_OK);
  cr_assert_eq(got, SIGUSR1);
  lw_loop_free(l);
}

/* ---- The benchmark probe ---- */

static uint64_t cpu_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static lw_timer burn_t, stop_t;

static void stop_cb(lw_loop *l, lw_timer *t, void *ud) {
  (void)t, (void)ud;
  lw_loop_stop(l);
}

/* Spends 3 ms of this thread's CPU time (a condition on the CPU clock, not a sleep), then
 * lets the loop turn once more so that this turn is closed by the next wait. */
static void burn_cb(lw_loop *l, lw_timer *t, void *ud) {
  (void)t, (void)ud;
  uint64_t from = cpu_us();
  while (cpu_us() - from < 3000) {
  }
  lw_timer_start(l, &stop_t, 0);
}

static lw_loop_probe run_burn(bool probe) {
  lw_loop *l;
  cr_assert_eq(lw_loop_new(&l), LW_OK);
  if (probe)
    lw_loop_probe_start(l);
  lw_timer_init(&burn_t, burn_cb, NULL);
  lw_timer_init(&stop_t, stop_cb, NULL);
  lw_timer_start(l, &burn_t, 0);
  cr_assert_eq(lw_loop_run(l), LW_OK);
  lw_loop_probe p;
  lw_loop_probe_get(l, &p);
  lw_loop_free(l);
  return p;
}

Test(loop, probe_reports_the_longest_turn) {
  lw_loop_probe p = run_burn(true);
  cr_assert_geq(p.turns, 1);
  cr_assert_geq(p.max_cpu_us, 3000, "longest turn: %llu us of CPU",
                (unsigned long long)p.max_cpu_us);
  cr_assert_geq(p.max_wall_us, p.max_cpu_us);
  cr_assert_geq(p.over_1ms_cpu, 1);
  cr_assert_gt(p.max_wall_at_us, 0);
  cr_assert_gt(p.max_cpu_at_us, 0);
  /* and where that turn went: the burning timer callback, not the one that stops the loop */
  cr_assert_eq(p.max_cpu_cb, (uintptr_t)burn_cb);
  cr_assert_eq(p.max_wall_cb, (uintptr_t)burn_cb);
  cr_assert_geq(p.max_cpu_cb_us, 3000, "slowest callback: %llu us",
                (unsigned long long)p.max_cpu_cb_us);
}

Test(loop, probe_is_off_by_default) {
  lw_loop_probe p = run_burn(false);
  cr_assert_eq(p.turns, 0);
  cr_assert_eq(p.max_cpu_us, 0);
}

/* The wait's timeout would otherwise end up to the default 50 us of timer slack late (a
 * timerfd has none): the thread that runs the loop asks for 1 us. A thread of its own, so that
 * the runner's own slack is left as it was. */
static void *slack_of_a_loop_thread(void *arg) {
  (void)arg;
  lw_loop *l;
  cr_assert_eq(lw_loop_new(&l), LW_OK);
  unsigned long before = (unsigned long)prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  cr_assert_eq(lw_loop_run_once(l, 0), LW_OK);
  unsigned long after = (unsigned long)prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  lw_loop_free(l);
  cr_assert_gt(before, 1000ul, "the default is 50 us");
  cr_assert_eq(after, 1000ul);
  return NULL;
}

Test(loop, the_loop_thread_asks_for_a_timer_slack_of_1_us) {
  pthread_t th;
  cr_assert_eq(pthread_create(&th, NULL, slack_of_a_loop_thread, NULL), 0);
  pthread_join(th, NULL);
}
