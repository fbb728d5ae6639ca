/* hmap.h — a small intrusive chained hash table keyed by 64-bit hashes, used by tail/'s file and
 * watch tables. Nodes live inside the caller's structs; keys are hashes, so callers compare
 * the real identity (path, device + inode, watch descriptor) while walking a key's chain. */
#ifndef LW_BASE_HMAP_H
#define LW_BASE_HMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct lw_hnode {
  struct lw_hnode *next;
  uint64_t key;
} lw_hnode;

typedef struct lw_hmap {
  lw_hnode **b; /* owned bucket array, power-of-two length */
  size_t nb, n;
} lw_hmap;

/* Empty table with no buckets yet (lw_hmap_put allocates). */
void lw_hmap_init(lw_hmap *m);
/* Free the bucket array (nodes belong to the caller). */
void lw_hmap_free(lw_hmap *m);
/* Insert nd under key. Grows the bucket array (load factor 1, ceiling 2^22 buckets; beyond
 * it chains just get longer). Returns LW_OK, or LW_ERR_NOMEM when no bucket array exists. */
int lw_hmap_put(lw_hmap *m, lw_hnode *nd, uint64_t key);
/* Remove nd (must be in the table). */
void lw_hmap_del(lw_hmap *m, lw_hnode *nd);
/* First node stored under key, or NULL; lw_hmap_next gives the following ones. */
lw_hnode *lw_hmap_first(const lw_hmap *m, uint64_t key);
lw_hnode *lw_hmap_next(const lw_hnode *nd);
/* Walk every node: start with `lw_hiter it = {0};`, call until NULL. The node just returned
 * may be removed before the next call; other nodes may not. */
typedef struct lw_hiter {
  size_t i;
  lw_hnode *next;
} lw_hiter;
lw_hnode *lw_hmap_iter(const lw_hmap *m, lw_hiter *it);

#endif
