/* Layer 1: fixed-size record pools (task records, scopes).
 *
 * Records are carved from chunks and recycled through a LIFO free list
 * whose link is the record's first word; chunks are unmapped when the loop
 * ends. Allocation in the steady state is a pointer pop. `used` counts the
 * records out of the pool: ASan cannot see into these chunks, so the tests
 * check with it that records come back.
 *
 * Chunks are mmap'd and populated in one madvise(MADV_POPULATE_WRITE) call:
 * on this kind of machine a page's first touch costs ~13 us one fault at a
 * time and several times less populated in bulk (docs/design.md), which is
 * most of the cost of spawning 100,000 tasks cold. Chunks double from 16 KiB
 * up to 2 MiB, so a small program keeps a small footprint. */
#include <stdint.h>
#include <sys/mman.h>

#include "core/loop.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define CHUNK_MIN ((size_t)16 << 10)
#define CHUNK_MAX ((size_t)2 << 20)
#define HDR 64 /* chunk header: next chunk, length */

void weft__pool_init(weft__pool *p, size_t item, size_t per)
{
    (void)per;
    if (item < sizeof(void *)) item = sizeof(void *);
    p->item = (item + 15) & ~(size_t)15;
    p->per = CHUNK_MIN;
    p->free = NULL;
    p->chunks = NULL;
    p->used = 0;
}

/* A chunk of len bytes; the 2 MiB ones aligned on 2 MiB and backed by one
 * transparent huge page where the system allows it (madvise mode): one
 * fault instead of 512, and one TLB entry for 8,000 task records, which
 * on a VM with nested paging is most of what a cold spawn costs. */
static char *chunk_map(size_t len)
{
    int prot = PROT_READ | PROT_WRITE, fl = MAP_PRIVATE | MAP_ANONYMOUS;
    if (len < CHUNK_MAX) return mmap(NULL, len, prot, fl, -1, 0);
    char *m = mmap(NULL, len * 2, prot, fl, -1, 0);
    if (m == MAP_FAILED) return m;
    uintptr_t a = ((uintptr_t)m + len - 1) & ~(uintptr_t)(len - 1);
    char *c = (char *)a;
    if (c > m) munmap(m, (size_t)(c - m));
    if (c + len < m + len * 2) munmap(c + len, (size_t)(m + len * 2 - (c + len)));
#ifdef MADV_HUGEPAGE
    (void)madvise(c, len, MADV_HUGEPAGE); /* best effort */
#endif
    return c;
}

static int grow(weft__pool *p)
{
    size_t len = p->per;
    char *c = chunk_map(len);
    if (c == MAP_FAILED) return -1;
    (void)madvise(c, len, MADV_POPULATE_WRITE); /* best effort: faults otherwise */
    ((void **)c)[0] = p->chunks;
    ((size_t *)c)[1] = len;
    p->chunks = c;
    size_t n = (len - HDR) / p->item;
    char *it = c + HDR;
    for (size_t i = n; i-- > 0;) {
        void **rec = (void **)(it + i * p->item);
        *rec = p->free;
        p->free = rec;
    }
    if (p->per < CHUNK_MAX) p->per *= 2;
    return 0;
}

void *weft__pool_get(weft__pool *p)
{
    if (WEFT__UNLIKELY(!p->free) && grow(p) != 0) return NULL;
    void **rec = p->free;
    p->free = *rec;
    p->used++;
    return rec;
}

void weft__pool_put(weft__pool *p, void *item)
{
    *(void **)item = p->free;
    p->free = item;
    p->used--;
}

void weft__pool_fini(weft__pool *p)
{
    char *c = p->chunks;
    while (c) {
        char *n = ((void **)c)[0];
        munmap(c, ((size_t *)c)[1]);
        c = n;
    }
    p->chunks = NULL;
    p->free = NULL;
}
