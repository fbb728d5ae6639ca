/* ckwriter.h — checkpoint files written off the event loop's thread. A checkpoint write is two
 * fsyncs and two renames: milliseconds on a quiet disk, tens of milliseconds on a busy one, and
 * Linux has no non-blocking fsync. Done on the loop's thread every checkpoint_ms, it stalled
 * every line in flight (a 43 ms maximum at 10,000 lines/s). The writer hands the encoded bytes
 * to one helper thread that only calls lw_ckpt_write; the loop learns the result through an
 * eventfd. Writes are coalesced: while one is under way only the newest waiting one is kept. */
#ifndef LW_TAIL_CKWRITER_H
#define LW_TAIL_CKWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/loop.h"

/* Called on the loop's thread when writes finished: rc LW_OK or LW_ERR_IO with err the errno.
 * Several writes finished together are reported once (a failure among them first). */
typedef void (*lw_ckwriter_cb)(void *ud, int rc, int err);

typedef struct lw_ckwriter lw_ckwriter;

/* Start the helper thread. path is borrowed and must outlive the writer. Returns LW_OK, or
 * LW_ERR_NOMEM / LW_ERR_IO (no thread or eventfd: the caller writes synchronously). */
int lw_ckwriter_new(lw_ckwriter **out, lw_loop *loop, const char *path, lw_ckwriter_cb cb,
                    void *ud);
/* Queue p[0..len) (copied) to be written as the checkpoint (lw_ckpt_write's keep_prev and
 * durable); replaces a write still waiting. Returns LW_OK or LW_ERR_NOMEM (nothing queued). */
int lw_ckwriter_submit(lw_ckwriter *w, const uint8_t *p, size_t len, bool keep_prev, bool durable);
/* Block until nothing is waiting or being written (before a synchronous write of the same
 * file, so an older generation cannot land after it). Results still reach the callback. */
void lw_ckwriter_wait(lw_ckwriter *w);
/* Finish the write under way, drop any waiting one, stop the thread; no callback after this. */
void lw_ckwriter_free(lw_ckwriter *w);

#endif
