/* Layer 1: task stacks.
 *
 * A stack is a power-of-two slot of address space carved from an mmap'd
 * arena: a guard region at the bottom, the usable stack, and this
 * descriptor in the top bytes (so a stack costs no other allocation, and the
 * page a task touches first also holds its descriptor). Only touched pages
 * cost memory.
 *
 * Guards are installed with madvise(MADV_GUARD_INSTALL) (Linux >= 6.13),
 * which does not split the mapping, batched for a whole arena through one
 * process_madvise call where the kernel allows; else one madvise per stack;
 * else mprotect(PROT_NONE), which splits the mapping and so caps a process
 * near 32,000 stacks under vm.max_map_count = 65,530 (docs/design.md).
 *
 * Stacks are pooled per size class (LIFO, so a hot stack is reused) and
 * never returned to the kernel before the loop ends. Arenas grow
 * geometrically (8 stacks, then 16, ... up to 128, about 1 ms of page work,
 * so a burst of task starts never stalls the loop for long) and a fresh arena's top
 * pages are populated in one batched call, which costs far less than a page
 * fault per stack on this machine. */
#ifndef WEFT_CORE_STACK_H
#define WEFT_CORE_STACK_H

#include <stddef.h>
#include <stdint.h>

#define WEFT__STACK_CLASSES 12 /* 16 KiB .. 32 MiB */
#define WEFT__STACK_MIN ((size_t)16 * 1024)

typedef struct weft__stack weft__stack;
struct weft__stack {
    weft__stack *next;   /* pool free list (while pooled) */
    void *lo;            /* lowest usable byte (just above the guard) */
    size_t size;         /* usable bytes, below this descriptor */
    void *guard;         /* the guard region */
    size_t guard_size;
    unsigned vg_id;      /* valgrind stack id */
    void *tsan_fiber;    /* TSan fiber of the tasks run on this stack (TSan builds) */
};

typedef struct weft__arena weft__arena;

typedef struct weft__stack_pool {
    weft__stack *free[WEFT__STACK_CLASSES];
    unsigned next_batch[WEFT__STACK_CLASSES];
    weft__arena *arenas; /* every arena, to unmap at the end */
    size_t live;         /* stacks handed out */
    size_t total;        /* stacks carved */
    int guard_mode;      /* 0 unknown, 1 process_madvise, 2 madvise, 3 mprotect */
} weft__stack_pool;

void weft__stack_pool_init(weft__stack_pool *p);
void weft__stack_pool_fini(weft__stack_pool *p);
/* A stack whose slot (guard and descriptor included) is at least `size`
 * bytes, rounded up to a power of two; NULL when out of memory. */
weft__stack *weft__stack_get(weft__stack_pool *p, size_t size);
void weft__stack_put(weft__stack_pool *p, weft__stack *s);
/* The deepest use of any stack so far: resident bytes counted down from
 * the top of each stack (pages once touched stay resident while pooled).
 * For sizing stacks by measurement (debug mode prints it at loop end). */
size_t weft__stack_pool_highwater(const weft__stack_pool *p);
/* How guards are installed, for docs and dumps. */
const char *weft__stack_guard_mode(const weft__stack_pool *p);

#endif
