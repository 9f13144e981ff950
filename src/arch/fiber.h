/* Layer 0: telling sanitizers and valgrind about stack switches.
 *
 * ASan must hear about every switch (__sanitizer_start_switch_fiber before,
 * __sanitizer_finish_switch_fiber after) or it reports false stack errors
 * and loses fake frames; TSan needs a fiber object per task; valgrind needs
 * each stack registered. Everything here compiles to nothing in a plain
 * build. */
#ifndef WEFT_ARCH_FIBER_H
#define WEFT_ARCH_FIBER_H

#include <stddef.h>

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define WEFT__ASAN 1
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__SANITIZE_THREAD__) || __has_feature(thread_sanitizer)
#define WEFT__TSAN 1
#include <sanitizer/tsan_interface.h>
#endif
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#define WEFT__VALGRIND 1
#include <valgrind/valgrind.h>
#endif
#endif

/* Per-context sanitizer state; lives in the task record and the loop. */
typedef struct weft__fiber {
#if WEFT__ASAN
    void *fake_stack; /* ASan's fake stack of this context while switched out */
#endif
#if WEFT__TSAN
    void *tsan; /* TSan fiber */
#endif
    const void *lo; /* stack bounds, for ASan */
    size_t size;
} weft__fiber;

/* These must be inlined into the function that performs the switch: a
 * separate instrumented function would push its TSan frame on one fiber's
 * shadow stack and pop it from the other's (an underflow that crashes
 * later, far from the cause). */
#define WEFT__FIBER_INLINE static inline __attribute__((always_inline))

/* Before switching from `from` (NULL when it is dying) to `to`. */
WEFT__FIBER_INLINE void weft__fiber_leave(weft__fiber *from, weft__fiber *to)
{
#if WEFT__ASAN
    __sanitizer_start_switch_fiber(from ? &from->fake_stack : NULL, to->lo, to->size);
#endif
#if WEFT__TSAN
    __tsan_switch_to_fiber(to->tsan, 0);
#endif
    (void)from;
    (void)to;
}

/* After a switch has landed in `self` (NULL for a context's first entry). */
WEFT__FIBER_INLINE void weft__fiber_enter(weft__fiber *self)
{
#if WEFT__ASAN
    const void *lo;
    size_t size;
    __sanitizer_finish_switch_fiber(self ? self->fake_stack : NULL, &lo, &size);
#endif
    (void)self;
}

/* A task's context on a stack. TSan fibers are kept with the stack they
 * run on (*pooled, created on the stack's first use and destroyed with the
 * pool): TSan keeps state for every fiber ever created, so one per task
 * would grow without bound. */
static inline void weft__fiber_create(weft__fiber *f, const void *lo, size_t size, void **pooled)
{
    f->lo = lo;
    f->size = size;
#if WEFT__ASAN
    f->fake_stack = NULL;
#endif
#if WEFT__TSAN
    if (!*pooled) *pooled = __tsan_create_fiber(0);
    f->tsan = *pooled;
#endif
    (void)pooled;
}

/* Destroys a pooled TSan fiber (never the current one). */
static inline void weft__fiber_destroy_pooled(void **pooled)
{
#if WEFT__TSAN
    if (*pooled) __tsan_destroy_fiber(*pooled);
#endif
    *pooled = NULL;
}

/* The thread's own context (the loop runs on it). */
static inline void weft__fiber_current(weft__fiber *f, const void *lo, size_t size)
{
    f->lo = lo;
    f->size = size;
#if WEFT__ASAN
    f->fake_stack = NULL;
#endif
#if WEFT__TSAN
    f->tsan = __tsan_get_current_fiber();
#endif
}

#endif
