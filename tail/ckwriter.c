/* ckwriter.c — the checkpoint writer thread (see ckwriter.h). The loop stays single-threaded in
 * everything it does; this thread shares nothing with it but the two buffers below, under one
 * mutex, and touches no other state (lw_ckpt_write only uses its arguments). */
#include "tail/ckwriter.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/err.h"
#include "tail/checkpoint.h"

struct lw_ckwriter {
  lw_loop *loop;
  const char *path;
  lw_ckwriter_cb cb;
  void *ud;
  int efd; /* eventfd: a write finished (read on the loop's thread) */
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* work queued, or the thread went idle */
  /* under mu: */
  uint8_t *next; /* waiting snapshot (owned) */
  size_t next_len, next_cap;
  bool has_next, next_keep_prev, next_durable;
  bool busy, quit;
  int results, last_rc, last_err; /* finished writes not yet reported; the newest result */
  int fails, fail_err;            /* of which failed, and the newest failure's errno */
};

static void *run(void *arg) {
  lw_ckwriter *w = arg;
  uint8_t *cur = NULL;
  size_t cur_cap = 0;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->has_next && !w->quit)
      pthread_cond_wait(&w->cv, &w->mu);
    if (!w->has_next)
      break; /* quit, nothing waiting */
    /* Swap buffers: the loop may queue the next snapshot while this one is written. */
    uint8_t *p = w->next;
    size_t len = w->next_len, cap = w->next_cap;
    bool keep = w->next_keep_prev, durable = w->next_durable;
    w->next = cur;
    w->next_cap = cur_cap;
    w->next_len = 0;
    cur = p;
    cur_cap = cap;
    w->has_next = false;
    w->busy = true;
    pthread_mutex_unlock(&w->mu);
    int rc = lw_ckpt_write(w->path, cur, len, keep, durable);
    int e = errno;
    pthread_mutex_lock(&w->mu);
    w->busy = false;
    w->results++;
    w->last_rc = rc;
    w->last_err = e;
    if (rc != LW_OK) {
      w->fails++;
      w->fail_err = e;
    }
    pthread_cond_broadcast(&w->cv);
    /* The system call outside the lock: the loop's thread takes this lock in
     * lw_ckwriter_submit and on_done, so it is held only for the few stores above, never for
     * a system call during which this thread could be descheduled. */
    pthread_mutex_unlock(&w->mu);
    uint64_t one = 1;
    ssize_t wr = write(w->efd, &one, sizeof one); /* cannot block: the counter is far from max */
    (void)wr;
    pthread_mutex_lock(&w->mu);
  }
  w->busy = false;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  free(cur);
  return NULL;
}

static void on_done(lw_loop *l, int fd, unsigned ev, void *ud) {
  (void)l, (void)ev;
  lw_ckwriter *w = ud;
  uint64_t n;
  while (read(fd, &n, sizeof n) > 0) {
  }
  pthread_mutex_lock(&w->mu);
  int results = w->results, fails = w->fails, rc = w->last_rc, err = w->last_err;
  int ferr = w->fail_err;
  w->results = w->fails = 0;
  pthread_mutex_unlock(&w->mu);
  if (!results)
    return;
  /* A failure among coalesced results is reported even when a later write succeeded, so it
   * is counted and logged; then the newest result says where the file stands. */
  if (fails && rc == LW_OK)
    w->cb(w->ud, LW_ERR_IO, ferr);
  w->cb(w->ud, rc, err);
}

int lw_ckwriter_new(lw_ckwriter **out, lw_loop *loop, const char *path, lw_ckwriter_cb cb,
                    void *ud) {
  *out = NULL;
  lw_ckwriter *w = calloc(1, sizeof(*w));
  if (!w)
    return LW_ERR_NOMEM;
  *w = (lw_ckwriter){.loop = loop, .path = path, .cb = cb, .ud = ud};
  w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (w->efd < 0)
    goto fail_fd;
  if (lw_loop_add(loop, w->efd, LW_EV_READ, on_done, w) != LW_OK)
    goto fail_loop;
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  /* The thread blocks every signal (it inherits the mask): signals are the loop's, through its
   * signalfd, and one delivered to this thread would take their default action. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int prc = pthread_create(&w->th, NULL, run, w);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (prc != 0)
    goto fail_thread;
  *out = w;
  return LW_OK;
fail_thread:
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  lw_loop_del(loop, w->efd);
fail_loop:
  close(w->efd);
fail_fd:
  free(w);
  return LW_ERR_IO;
}

int lw_ckwriter_submit(lw_ckwriter *w, const uint8_t *p, size_t len, bool keep_prev, bool durable) {
  pthread_mutex_lock(&w->mu);
  int rc = LW_OK;
  if (len > w->next_cap) {
    uint8_t *n = realloc(w->next, len);
    if (!n) {
      rc = LW_ERR_NOMEM;
      goto out;
    }
    w->next = n;
    w->next_cap = len;
  }
  memcpy(w->next, p, len);
  w->next_len = len;
  /* A bad current file stays "keep .prev" until some write of it succeeds. */
  w->next_keep_prev = keep_prev || (w->has_next && w->next_keep_prev);
  /* A write replacing a waiting durable one stays durable. */
  w->next_durable = durable || (w->has_next && w->next_durable);
  w->has_next = true;
out:
  pthread_mutex_unlock(&w->mu);
  if (rc == LW_OK)
    pthread_cond_broadcast(&w->cv); /* after the unlock: the woken thread finds it free */
  return rc;
}

void lw_ckwriter_wait(lw_ckwriter *w) {
  pthread_mutex_lock(&w->mu);
  while (w->has_next || w->busy)
    pthread_cond_wait(&w->cv, &w->mu);
  pthread_mutex_unlock(&w->mu);
}

void lw_ckwriter_free(lw_ckwriter *w) {
  if (!w)
    return;
  pthread_mutex_lock(&w->mu);
  w->has_next = false; /* the caller writes its final checkpoint itself */
  w->quit = true;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->th, NULL);
  lw_loop_del(w->loop, w->efd);
  close(w->efd);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  free(w->next);
  free(w);
}
