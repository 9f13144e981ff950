/* Layer 3: the lock (asyncio.Lock) with FIFO hand-off.
 *
 * Invariant: waiters is non-empty only while owner != NULL. release with
 * waiters makes the first waiter the owner before it even runs (hand-off),
 * so a task that arrives meanwhile finds the lock taken and queues behind:
 * nobody barges. Hence the uncontended acquire is one test of owner plus
 * the loop and cancellation checks, and the uncontended release one store;
 * neither touches the scheduler. */
#include <assert.h>
#include <errno.h>

#include "weft/sync.h"
#include "sync/lock.h"
#include "sync/wait.h"

static_assert(sizeof(struct weft__lock) == sizeof(weft_lock), "weft_lock size");
static_assert(_Alignof(struct weft__lock) == _Alignof(weft_lock), "weft_lock alignment");

void weft_lock_init(weft_lock *l) { *l = (weft_lock)WEFT_LOCK_INIT; }

/* Makes the first waiter the owner, or frees the lock. */
void weft__lock_hand_on(struct weft__lock *l)
{
    if (!l->waiters.head) {
        l->owner = NULL;
        return;
    }
    weft__sw *s = wq_pop(&l->waiters);
    l->owner = s->w.task;
    weft__wake(&s->w, 0);
}

int weft__lock_acquire_slow(struct weft__lock *l, int interruptible)
{
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t) return -EINVAL;
    if (l->loop != L && weft__sync_bind(&l->loop, L, l->owner != NULL, "lock", l) < 0)
        return -EINVAL;
    int rc = interruptible ? weft__check(L, t) : 0;
    if (rc) return rc;
    if (!l->owner) {
        l->owner = t;
        return 0;
    }
    if (l->owner == t) return -EDEADLK;
    weft__sw s = {.w = {.cancel = interruptible ? weft__sw_cancel : NULL, .what = "lock"}};
    rc = wq_wait(&l->waiters, &s);
    if (rc == 0 && interruptible && (rc = weft__check(L, t)) != 0)
        weft__lock_hand_on(l); /* handed the lock as the interruption came: pass it on */
    return rc;
}

int weft_lock_acquire(weft_lock *lk)
{
    struct weft__lock *l = (struct weft__lock *)lk;
    weft_loop *L = weft__L;
    weft_task *t;
    if (WEFT__LIKELY(L && (t = L->current) && !l->owner && l->loop == L && WEFT__SYNC_CLEAR(L, t))) {
        l->owner = t;
        return 0;
    }
    return weft__lock_acquire_slow(l, 1);
}

int weft_lock_try_acquire(weft_lock *lk)
{
    struct weft__lock *l = (struct weft__lock *)lk;
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t) return -EINVAL;
    if (l->loop != L && weft__sync_bind(&l->loop, L, l->owner != NULL, "lock", l) < 0)
        return -EINVAL;
    if (l->owner) return -EAGAIN;
    l->owner = t;
    return 0;
}

static __attribute__((noinline, cold)) int not_owner(struct weft__lock *l, weft_loop *L, weft_task *t)
{
    if (!L) return -EPERM;
    if (!t)
        weft__sync_report(L, "weft_lock_release of lock %p outside a task", (void *)l);
    else if (!l->owner)
        weft__sync_report(L, "task #%llu '%s' released lock %p, which nobody holds",
                          (unsigned long long)t->id, weft_task_name(t), (void *)l);
    else
        weft__sync_report(L, "task #%llu '%s' released lock %p, which task #%llu '%s' holds",
                          (unsigned long long)t->id, weft_task_name(t), (void *)l,
                          (unsigned long long)l->owner->id, weft_task_name(l->owner));
    return -EPERM;
}

int weft_lock_release(weft_lock *lk)
{
    struct weft__lock *l = (struct weft__lock *)lk;
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (WEFT__UNLIKELY(!t || l->owner != t)) return not_owner(l, L, t);
    if (WEFT__LIKELY(!l->waiters.head)) {
        l->owner = NULL;
        return 0;
    }
    weft__lock_hand_on(l);
    return 0;
}

int weft_lock_locked(const weft_lock *lk)
{
    return ((const struct weft__lock *)lk)->owner != NULL;
}
