/* Layer 1: fixed-size record pools (task records, scopes).
 *
 * Records are carved from malloc'd chunks and recycled through a LIFO free
 * list whose link is the record's first word; chunks are freed when the
 * loop ends. Allocation in the steady state is a pointer pop. */
#include <stdlib.h>

#include "core/loop.h"

void weft__pool_init(weft__pool *p, size_t item, size_t per)
{
    if (item < sizeof(void *)) item = sizeof(void *);
    p->item = (item + 15) & ~(size_t)15;
    p->per = per;
    p->free = NULL;
    p->chunks = NULL;
}

static int grow(weft__pool *p)
{
    /* First word of a chunk links the chunk list; records follow, aligned. */
    char *c = malloc(16 + p->item * p->per);
    if (!c) return -1;
    *(void **)c = p->chunks;
    p->chunks = c;
    char *it = c + 16;
    for (size_t i = p->per; i-- > 0;) {
        void **rec = (void **)(it + i * p->item);
        *rec = p->free;
        p->free = rec;
    }
    return 0;
}

void *weft__pool_get(weft__pool *p)
{
    if (WEFT__UNLIKELY(!p->free) && grow(p) != 0) return NULL;
    void **rec = p->free;
    p->free = *rec;
    return rec;
}

void weft__pool_put(weft__pool *p, void *item)
{
    *(void **)item = p->free;
    p->free = item;
}

void weft__pool_fini(weft__pool *p)
{
    void *c = p->chunks;
    while (c) {
        void *n = *(void **)c;
        free(c);
        c = n;
    }
    p->chunks = NULL;
    p->free = NULL;
}
