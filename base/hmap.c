/* hmap.c — intrusive chained hash table (see hmap.h). */
#include "base/hmap.h"

#include <stdlib.h>

#include "base/err.h"

#define MAX_BUCKETS ((size_t)1 << 22)

/* Keys are already hashes, but wd numbers and inode numbers are small and dense: mix them so
 * the low bits used as bucket index depend on every bit. */
static size_t slot(uint64_t key, size_t nb) {
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdull;
  key ^= key >> 33;
  return (size_t)key & (nb - 1);
}

void lw_hmap_init(lw_hmap *m) {
  m->b = NULL;
  m->nb = m->n = 0;
}

void lw_hmap_free(lw_hmap *m) {
  free(m->b);
  lw_hmap_init(m);
}

static void grow(lw_hmap *m) {
  size_t nb = m->nb ? m->nb * 2 : 16;
  lw_hnode **b = calloc(nb, sizeof(*b));
  if (!b)
    return; /* keep the old array: chains get longer, nothing breaks */
  for (size_t i = 0; i < m->nb; i++) {
    lw_hnode *nd = m->b[i];
    while (nd) {
      lw_hnode *next = nd->next;
      size_t s = slot(nd->key, nb);
      nd->next = b[s];
      b[s] = nd;
      nd = next;
    }
  }
  free(m->b);
  m->b = b;
  m->nb = nb;
}

int lw_hmap_put(lw_hmap *m, lw_hnode *nd, uint64_t key) {
  if (m->n >= m->nb && m->nb < MAX_BUCKETS)
    grow(m);
  if (!m->b)
    return LW_ERR_NOMEM;
  size_t s = slot(key, m->nb);
  nd->key = key;
  nd->next = m->b[s];
  m->b[s] = nd;
  m->n++;
  return LW_OK;
}

void lw_hmap_del(lw_hmap *m, lw_hnode *nd) {
  lw_hnode **pp = &m->b[slot(nd->key, m->nb)];
  while (*pp && *pp != nd)
    pp = &(*pp)->next;
  if (*pp) {
    *pp = nd->next;
    m->n--;
  }
  nd->next = NULL;
}

lw_hnode *lw_hmap_first(const lw_hmap *m, uint64_t key) {
  if (!m->nb)
    return NULL;
  lw_hnode *nd = m->b[slot(key, m->nb)];
  while (nd && nd->key != key)
    nd = nd->next;
  return nd;
}

lw_hnode *lw_hmap_next(const lw_hnode *nd) {
  uint64_t key = nd->key;
  for (nd = nd->next; nd; nd = nd->next)
    if (nd->key == key)
      return (lw_hnode *)nd;
  return NULL;
}

lw_hnode *lw_hmap_iter(const lw_hmap *m, lw_hiter *it) {
  lw_hnode *nd = it->next;
  while (!nd && it->i < m->nb)
    nd = m->b[it->i++];
  if (nd)
    it->next = nd->next;
  return nd;
}
