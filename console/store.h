/* store.h — what the console needs from etcd, as asynchronous calls on the event loop: read a key
 * (at a revision) or a prefix, write or delete a key only if it is unchanged (with an audit
 * record in the same transaction), and watch a prefix. A thin layer over the fleet's etcd
 * client (fleet/), so that the console's handlers read as what they do. */
#ifndef LW_CON_STORE_H
#define LW_CON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/loop.h"

typedef struct lw_con_store lw_con_store;

/* One key-value as etcd returns it; borrowed for the duration of the callback. */
typedef struct lw_con_kv {
  const char *key, *value; /* value NUL-terminated */
  size_t key_len, value_len;
  int64_t mod_revision, create_revision, version;
} lw_con_kv;

/* A read's outcome: rc LW_OK, LW_ERR_NOT_FOUND (a revision etcd has compacted), or another
 * error with err saying why; rev is the store's revision when it answered. */
typedef void (*lw_con_range_cb)(void *ud, int rc, const char *err, int64_t rev,
                                const lw_con_kv *kvs, size_t n);
/* A conditional write's outcome: rc as above; done false when the key had changed (then
 * cur_mod_revision is its revision now, 0 when absent); rev is the revision written. */
typedef void (*lw_con_txn_cb)(void *ud, int rc, const char *err, bool done, int64_t rev,
                              int64_t cur_mod_revision);
/* A watched change: deleted or put (kv->value the new value). rc other than LW_OK ends the
 * watch (the caller reads again and watches from there). */
typedef void (*lw_con_watch_cb)(void *ud, int rc, int64_t rev, bool deleted, const lw_con_kv *kv);

/* Connect settings come from the [etcd] section (fleet's parser). Returns LW_OK or an error
 * with err saying why. *out owned by the caller. Borrows loop. */
int lw_con_store_new(lw_loop *loop, const char *const *endpoints, size_t nendpoints,
                     const char *user, const char *password, const char *ca_file,
                     lw_con_store **out, char *err, size_t errlen);
void lw_con_store_free(lw_con_store *s);

/* Read key (prefix: every key starting with it) at revision (0: latest), at most limit keys
 * (0: no limit), keys sorted ascending. Returns LW_OK (cb called later) or an error. */
int lw_con_store_range(lw_con_store *s, const char *key, bool prefix, int64_t revision,
                       size_t limit, bool descending, lw_con_range_cb cb, void *ud);
/* If key's mod_revision is expect (0: the key must not exist), put value (NULL: delete the key)
 * and put audit_value at audit_key, in one transaction. */
int lw_con_store_cas(lw_con_store *s, const char *key, const char *value, size_t len,
                     int64_t expect, const char *audit_key, const char *audit_value,
                     lw_con_txn_cb cb, void *ud);
/* Watch every key under prefix from revision from_rev. One watch per store. */
int lw_con_store_watch(lw_con_store *s, const char *prefix, int64_t from_rev, lw_con_watch_cb cb,
                       void *ud);

#endif
