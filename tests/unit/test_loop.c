/* test_loop.c — the event loop: fd readiness, timer order and cancellation, prepare hooks,
 * signals through signalfd. */
#include <criterion/criterion.h>
#include <signal.h>
#include <unistd.h>

#include "net/loop.h"
#include "proto/err.h"

static int order[8], norder;

static void fire(lw_loop *l, lw_timer *t, void *ud) {
  (void)t;
  order[norder++] = (int)(intptr_t)ud;
  if (norder == 3)
    lw_loop_stop(l);
}

Test(loop, timers_fire_in_deadline_order_and_stop_cancels) {
  lw_loop *l;
  cr_assert_eq(lw_loop_new(&l), LW_OK);
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
