/* Layer 3: the semaphore (asyncio.Semaphore, BoundedSemaphore).
 *
 * Invariant: waiters is non-empty only while value == 0. release with
 * waiters hands its permit straight to the first waiter (value stays 0), so
 * a newcomer cannot take the permit ahead of a waiter: FIFO fairness. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>

#include "weft/sync.h"
#include "sync/wait.h"

struct sem {
    size_t value;     /* free permits */
    size_t bound;     /* bounded: the initial value; (size_t)-1: unbounded */
    weft__wq waiters; /* tasks waiting for a permit, FIFO */
    weft_loop *loop;  /* the owning loop (bound at first use) */
};

static_assert(sizeof(struct sem) == sizeof(weft_sem), "weft_sem size");
static_assert(_Alignof(struct sem) == _Alignof(weft_sem), "weft_sem alignment");
static_assert(offsetof(struct sem, value) == offsetof(weft_sem, _value), "weft_sem value field");
static_assert(offsetof(struct sem, bound) == offsetof(weft_sem, _bound), "weft_sem bound field");

#define SEM(s) ((struct sem *)(s))

void weft_sem_init(weft_sem *s, size_t value) { *s = (weft_sem)WEFT_SEM_INIT(value); }

void weft_sem_init_bounded(weft_sem *s, size_t value)
{
    *s = (weft_sem)WEFT_BOUNDED_SEM_INIT(value);
}

static int bind(struct sem *s, weft_loop *L)
{
    return s->loop == L ? 0 : weft__sync_bind(&s->loop, L, s->waiters.head != NULL, "semaphore", s);
}

/* Gives a permit back: to the first waiter, else to the count. */
static int put_permit(struct sem *s, weft_loop *L)
{
    if (WEFT__UNLIKELY(s->bound != (size_t)-1 && s->value >= s->bound)) {
        weft__sync_report(L, "bounded semaphore %p released more times than acquired", (void *)s);
        return -EOVERFLOW;
    }
    if (s->waiters.head) weft__wake(&wq_pop(&s->waiters)->w, 0);
    else s->value++;
    return 0;
}

int weft_sem_acquire(weft_sem *sp)
{
    struct sem *s = SEM(sp);
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t || bind(s, L) < 0) return -EINVAL;
    if (WEFT__LIKELY(s->value > 0 && WEFT__SYNC_CLEAR(L, t))) {
        s->value--;
        return 0;
    }
    int rc = weft__check(L, t);
    if (rc) return rc;
    if (s->value > 0) {
        s->value--;
        return 0;
    }
    weft__sw w = {.w = {.cancel = weft__sw_cancel, .what = "semaphore"}};
    rc = wq_wait(&s->waiters, &w);
    if (rc == 0 && (rc = weft__check(L, t)) != 0)
        (void)put_permit(s, L); /* handed a permit as the interruption came: pass it on */
    return rc;
}

int weft_sem_try_acquire(weft_sem *sp)
{
    struct sem *s = SEM(sp);
    if (bind(s, weft__L) < 0) return -EINVAL;
    if (s->value == 0) return -EAGAIN;
    s->value--;
    return 0;
}

int weft_sem_release(weft_sem *sp)
{
    struct sem *s = SEM(sp);
    weft_loop *L = weft__L;
    if (bind(s, L) < 0) return -EINVAL;
    return put_permit(s, L);
}

size_t weft_sem_value(const weft_sem *s) { return SEM(s)->value; }
