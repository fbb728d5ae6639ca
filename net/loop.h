/* loop.h — the one event loop: epoll for descriptors, a binary heap of deadlines for timers
 * (the earliest one is the wait's timeout: epoll_pwait2, or a timerfd on kernels before 5.11),
 * signalfd for signals, and "prepare" hooks run before each wait. One thread; nothing else in
 * logwire calls epoll directly.
 *
 * Ownership: the loop borrows every lw_timer, lw_prepare and callback argument; the caller
 * keeps them alive until stopped/removed. Callbacks may add, remove or stop anything,
 * including the object they were called for. */
#ifndef LW_LOOP_H
#define LW_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lw_loop lw_loop;

enum {
  LW_EV_READ = 1u << 0,
  LW_EV_WRITE = 1u << 1,
  LW_EV_ERROR = 1u << 2, /* error or hang-up: the callback should read to learn which */
};

typedef void (*lw_io_cb)(lw_loop *l, int fd, unsigned events, void *ud);

typedef struct lw_timer lw_timer;
typedef void (*lw_timer_cb)(lw_loop *l, lw_timer *t, void *ud);
struct lw_timer {
  uint64_t due_us; /* monotonic deadline */
  lw_timer_cb cb;
  void *ud;
  size_t heap_idx; /* position in the loop's heap, SIZE_MAX when not armed */
};

typedef struct lw_prepare lw_prepare;
typedef void (*lw_prepare_cb)(lw_loop *l, void *ud);
struct lw_prepare {
  lw_prepare_cb cb;
  void *ud;
  lw_prepare *next, *prev;
  bool linked;
};

typedef void (*lw_signal_cb)(lw_loop *l, int signo, void *ud);

/* Create a loop. Returns LW_OK or LW_ERR_IO/LW_ERR_NOMEM; *out owned by the caller. */
int lw_loop_new(lw_loop **out);
/* Free the loop (descriptors registered are not closed; signals are unblocked). */
void lw_loop_free(lw_loop *l);

/* Watch fd for `events` (LW_EV_READ | LW_EV_WRITE). One registration per fd. Level-triggered.
 * Returns LW_OK or LW_ERR_IO. */
int lw_loop_add(lw_loop *l, int fd, unsigned events, lw_io_cb cb, void *ud);
/* Change the events watched for fd. */
int lw_loop_mod(lw_loop *l, int fd, unsigned events);
/* Stop watching fd (call before closing it). Safe for an fd not registered. */
void lw_loop_del(lw_loop *l, int fd);

void lw_timer_init(lw_timer *t, lw_timer_cb cb, void *ud);
/* (Re)arm a timer to fire once after `delay_us` microseconds. Returns LW_OK, or LW_ERR_NOMEM
 * when the timer heap could not grow (the timer is then not armed). */
int lw_timer_start(lw_loop *l, lw_timer *t, uint64_t delay_us);
/* (Re)arm a timer for an absolute monotonic deadline (lw_now_us() clock). */
int lw_timer_start_at(lw_loop *l, lw_timer *t, uint64_t due_us);
void lw_timer_stop(lw_loop *l, lw_timer *t);
static inline bool lw_timer_active(const lw_timer *t) {
  return t->heap_idx != (size_t)-1;
}

/* Run `p->cb` before every wait for events, until removed. Use it to act once per loop
 * iteration on work accumulated by callbacks (send every ready batch in one request). */
void lw_prepare_init(lw_prepare *p, lw_prepare_cb cb, void *ud);
void lw_prepare_start(lw_loop *l, lw_prepare *p);
void lw_prepare_stop(lw_loop *l, lw_prepare *p);

/* Deliver `signo` through the loop (blocked for normal delivery, read from a signalfd).
 * One callback per signal. Returns LW_OK or LW_ERR_IO. */
int lw_loop_signal(lw_loop *l, int signo, lw_signal_cb cb, void *ud);

/* Run until lw_loop_stop. Returns LW_OK, or LW_ERR_IO if epoll itself fails. */
int lw_loop_run(lw_loop *l);
/* One iteration: prepare hooks, wait at most `timeout_ms` (-1: until an event or timer),
 * dispatch. Returns LW_OK or LW_ERR_IO. */
int lw_loop_run_once(lw_loop *l, int timeout_ms);
void lw_loop_stop(lw_loop *l);
bool lw_loop_stopped(const lw_loop *l);

/* The benchmark probe: how long the loop's thread spends between two waits (one turn: the
 * callbacks of what the wait returned, then the prepare hooks). wall_us includes time the
 * thread was runnable but not running; cpu_us is the thread's own CPU time. */
typedef struct lw_loop_probe {
  uint64_t turns;          /* turns measured */
  uint64_t max_wall_us;    /* the longest turn, wall clock */
  uint64_t max_cpu_us;     /* the longest turn, thread CPU time */
  uint64_t over_1ms_cpu;   /* turns that used more than 1 ms of CPU */
  uint64_t max_wall_at_us; /* lw_now_us() when the longest (wall) turn began */
  uint64_t max_cpu_at_us;  /* lw_now_us() when the longest (CPU) turn began */
  /* Where each longest turn went: its slowest callback (an I/O, timer or prepare callback's
   * address, 0 if none ran) and that callback's wall time. */
  uintptr_t max_wall_cb, max_cpu_cb;
  uint64_t max_wall_cb_us, max_cpu_cb_us;
} lw_loop_probe;
/* Start measuring (off by default: it reads the thread's CPU clock, a system call, twice a
 * turn, and the monotonic clock around every callback). */
void lw_loop_probe_start(lw_loop *l);
/* Copy what was measured so far into *out. */
void lw_loop_probe_get(const lw_loop *l, lw_loop_probe *out);

/* The clocks as of the start of the current loop iteration (updated before the prepare hooks
 * and after each wait): for per-record timestamps, where reading the clock every time would
 * cost more than the record. */
uint64_t lw_loop_now_us(const lw_loop *l);
int64_t lw_loop_wall_ms(const lw_loop *l);

/* Monotonic clock in microseconds / milliseconds; wall clock in milliseconds since the epoch. */
uint64_t lw_now_us(void);
static inline uint64_t lw_now_ms(void) {
  return lw_now_us() / 1000;
}
int64_t lw_wall_ms(void);

#endif
