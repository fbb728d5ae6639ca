/* etcd_txn.h — more etcd v3 gateway request bodies (beside etcd_msg.h), for the console: a
 * watch on every key under a prefix, a range read newest-first with a limit, and a
 * compare-and-swap that writes or deletes a key and puts a second key (an audit record) in
 * the same transaction. Sans-I/O: each appends one JSON body to b and returns b->err. */
#ifndef LW_ETCD_TXN_H
#define LW_ETCD_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

/* WatchCreateRequest for every key starting with prefix, from start_rev (0: from now). */
int lw_etcd_watch_prefix_body(lw_buf *b, const char *prefix, int64_t start_rev);
/* RangeRequest for the keys starting with prefix, at most limit (0: all), sorted by key,
 * descending when asked (newest first for time-ordered keys). */
int lw_etcd_range_sorted_body(lw_buf *b, const char *prefix, int64_t limit, bool descending);
/* TxnRequest: if key's mod_revision is mod_rev (0: the key must not exist), put val at key
 * (val NULL: delete key) and put extra_val at extra_key; otherwise read key back. */
int lw_etcd_cas_with_body(lw_buf *b, const char *key, const void *val, size_t n, int64_t mod_rev,
                          const char *extra_key, const char *extra_val);

#endif
