/* Layer 1: the stack pool (see stack.h). */
#include "core/stack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "arch/fiber.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

#define PAGE ((size_t)4096)
#define GUARD PAGE
#define BATCH_MAX 128u /* ~1 ms of page work: a bounded pause for the loop */
#define IOV_MAX_BATCH 1024u

struct weft__arena {
    weft__arena *next;
    void *base;
    size_t len;
    unsigned count;
    size_t slot;
};

enum { GUARD_UNKNOWN, GUARD_PMADVISE, GUARD_MADVISE, GUARD_MPROTECT };

/* A requested size is the stack's whole slot: guard and descriptor included. */
static unsigned class_of(size_t size, size_t *slot)
{
    size_t need = size;
    size_t s = WEFT__STACK_MIN;
    unsigned c = 0;
    while (s < need && c < WEFT__STACK_CLASSES - 1) {
        s <<= 1;
        c++;
    }
    *slot = s;
    return c;
}

void weft__stack_pool_init(weft__stack_pool *p)
{
    memset(p, 0, sizeof *p);
    for (unsigned c = 0; c < WEFT__STACK_CLASSES; c++) p->next_batch[c] = 8;
}

void weft__stack_pool_fini(weft__stack_pool *p)
{
    weft__arena *a = p->arenas;
    while (a) {
        weft__arena *n = a->next;
        for (unsigned i = 0; i < a->count; i++) {
            weft__stack *s = (weft__stack *)((char *)a->base + (i + 1) * a->slot - sizeof(weft__stack));
#if WEFT__VALGRIND
            VALGRIND_STACK_DEREGISTER(s->vg_id);
#endif
            weft__fiber_destroy_pooled(&s->tsan_fiber);
        }
        munmap(a->base, a->len);
        free(a);
        a = n;
    }
    memset(p, 0, sizeof *p);
}

/* process_madvise over the same range of every slot in an arena: one system
 * call for up to 1,024 stacks. Returns 0, or -1 when the kernel refuses. */
static int batch_madvise(weft__arena *a, size_t off, size_t len, int advice)
{
#if defined(SYS_process_madvise) && defined(SYS_pidfd_open)
    /* A pidfd opened per call: one cached across fork() would name the parent. */
    int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (pidfd < 0) return -1;
    struct iovec iov[64];
    unsigned done = 0;
    int rc = 0;
    while (done < a->count && rc == 0) {
        unsigned n = 0;
        for (; n < 64 && done + n < a->count; n++) {
            iov[n].iov_base = (char *)a->base + (size_t)(done + n) * a->slot + off;
            iov[n].iov_len = len;
        }
        long r = syscall(SYS_process_madvise, pidfd, iov, (size_t)n, advice, 0u);
        if (r != (long)(n * len)) rc = -1;
        done += n;
    }
    close(pidfd);
    return rc;
#else
    (void)a; (void)off; (void)len; (void)advice;
    return -1;
#endif
}

static int install_guards(weft__stack_pool *p, weft__arena *a)
{
    if (p->guard_mode == GUARD_UNKNOWN || p->guard_mode == GUARD_PMADVISE) {
        if (batch_madvise(a, 0, GUARD, MADV_GUARD_INSTALL) == 0) {
            p->guard_mode = GUARD_PMADVISE;
            return 0;
        }
        p->guard_mode = GUARD_MADVISE;
    }
    if (p->guard_mode == GUARD_MADVISE) {
        unsigned i = 0;
        for (; i < a->count; i++)
            if (madvise((char *)a->base + (size_t)i * a->slot, GUARD, MADV_GUARD_INSTALL) != 0) break;
        if (i == a->count) return 0;
        if (i > 0) return -1; /* worked, then failed: a real error */
        p->guard_mode = GUARD_MPROTECT;
    }
    for (unsigned i = 0; i < a->count; i++)
        if (mprotect((char *)a->base + (size_t)i * a->slot, GUARD, PROT_NONE) != 0) return -1;
    return 0;
}

static int grow(weft__stack_pool *p, unsigned c, size_t slot)
{
    unsigned count = p->next_batch[c];
    if (count > 1 && slot * count > ((size_t)64 << 20)) count = (unsigned)(((size_t)64 << 20) / slot);
    if (count == 0) count = 1;
    weft__arena *a = malloc(sizeof *a);
    if (!a) return -ENOMEM;
    size_t len = slot * count;
    void *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
    if (base == MAP_FAILED) {
        free(a);
        return -ENOMEM;
    }
    a->base = base;
    a->len = len;
    a->count = count;
    a->slot = slot;
    if (install_guards(p, a) != 0) {
        munmap(base, len);
        free(a);
        return -ENOMEM;
    }
    /* Fault in every stack's top page at once (descriptor + first frames). */
    if (p->guard_mode == GUARD_PMADVISE) (void)batch_madvise(a, slot - PAGE, PAGE, MADV_POPULATE_WRITE);
    a->next = p->arenas;
    p->arenas = a;
    for (unsigned i = count; i-- > 0;) {
        char *lo = (char *)base + (size_t)i * slot;
        weft__stack *s = (weft__stack *)(lo + slot - sizeof(weft__stack));
        s->lo = lo + GUARD;
        s->size = slot - GUARD - sizeof(weft__stack);
        s->guard = lo;
        s->guard_size = GUARD;
        s->tsan_fiber = NULL;
#if WEFT__VALGRIND
        s->vg_id = VALGRIND_STACK_REGISTER(s->lo, (char *)s->lo + s->size);
#else
        s->vg_id = 0;
#endif
        s->next = p->free[c];
        p->free[c] = s;
    }
    p->total += count;
    if (p->next_batch[c] < BATCH_MAX) p->next_batch[c] *= 2;
    return 0;
}

weft__stack *weft__stack_get(weft__stack_pool *p, size_t size)
{
    size_t slot;
    unsigned c = class_of(size, &slot);
    if (!p->free[c] && grow(p, c, slot) != 0) return NULL;
    weft__stack *s = p->free[c];
    p->free[c] = s->next;
    p->live++;
    return s;
}

void weft__stack_put(weft__stack_pool *p, weft__stack *s)
{
    size_t slot;
    unsigned c = class_of(s->size + GUARD + sizeof(weft__stack), &slot);
    s->next = p->free[c];
    p->free[c] = s;
    p->live--;
}

size_t weft__stack_pool_highwater(const weft__stack_pool *p)
{
    size_t best = 0;
    unsigned char vec[4096];
    for (const weft__arena *a = p->arenas; a; a = a->next) {
        size_t pages = a->slot / PAGE;
        if (pages > sizeof vec) continue;
        for (unsigned i = 0; i < a->count; i++) {
            char *lo = (char *)a->base + (size_t)i * a->slot;
            if (mincore(lo, a->slot, vec) != 0) continue;
            /* resident pages counted down from the top, guard excluded */
            size_t used = 0;
            for (size_t k = pages; k-- > 1;) {
                if (!(vec[k] & 1)) break;
                used += PAGE;
            }
            if (used > best) best = used;
        }
    }
    return best;
}

const char *weft__stack_guard_mode(const weft__stack_pool *p)
{
    switch (p->guard_mode) {
    case GUARD_PMADVISE: return "MADV_GUARD_INSTALL (batched process_madvise)";
    case GUARD_MADVISE: return "MADV_GUARD_INSTALL";
    case GUARD_MPROTECT: return "mprotect";
    default: return "none yet";
    }
}
