/* Layer 3: the condition variable (asyncio.Condition) over a weft_lock.
 *
 * wait puts the caller on the waiter list, releases the lock (handing it to
 * the lock's next waiter) and parks; notify takes waiters off the list in
 * FIFO order and wakes them, and each reacquires the lock before its wait
 * returns. That reacquire cannot be interrupted: wait always returns with
 * the lock held, as asyncio's does. A waiter notified and then interrupted
 * before it ran passes the notification to the next waiter, so a notify is
 * never lost to a cancellation. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>

#include "weft/sync.h"
#include "sync/lock.h"
#include "sync/wait.h"

struct cond {
    struct weft__lock *lock; /* the lock the condition is bound to (caller's) */
    weft__wq waiters;        /* tasks waiting for a notify, FIFO */
    weft_loop *loop;         /* the owning loop (bound at first use) */
};

static_assert(sizeof(struct cond) == sizeof(weft_cond), "weft_cond size");
static_assert(_Alignof(struct cond) == _Alignof(weft_cond), "weft_cond alignment");
static_assert(offsetof(struct cond, lock) == offsetof(weft_cond, _lock), "weft_cond lock field");

#define CV(c) ((struct cond *)(c))

void weft_cond_init(weft_cond *c, weft_lock *lock) { *c = (weft_cond)WEFT_COND_INIT(lock); }

/* 0 when the caller (task t of L) holds c's lock and c may be used from L. */
static int check_held(struct cond *c, weft_loop *L, weft_task *t, const char *what)
{
    if (!t || !c->lock) return -EINVAL;
    if (c->loop != L && weft__sync_bind(&c->loop, L, c->waiters.head != NULL, "condition", c) < 0)
        return -EINVAL;
    if (c->lock->owner != t) {
        weft__sync_report(L, "task #%llu '%s' called %s without holding the condition's lock",
                          (unsigned long long)t->id, weft_task_name(t), what);
        return -EPERM;
    }
    return 0;
}

static size_t wake(struct cond *c, size_t n)
{
    size_t k = 0;
    for (; k < n && c->waiters.head; k++) weft__wake(&wq_pop(&c->waiters)->w, 0);
    return k;
}

int weft_cond_wait(weft_cond *cv)
{
    struct cond *c = CV(cv);
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    int rc = check_held(c, L, t, "weft_cond_wait");
    if (rc) return rc;
    if ((rc = weft__check(L, t)) != 0) return rc;
    weft__sw s = {.w = {.cancel = weft__sw_cancel, .what = "condition"}};
    wq_push(&c->waiters, &s);
    weft__lock_hand_on(c->lock);
    rc = weft__park(&s.w);
    if (s.q) wq_remove(&s); /* park refused at once */
    if (rc == 0 && (rc = weft__check(L, t)) != 0)
        wake(c, 1); /* notified as the interruption came: pass the notification on */
    (void)weft__lock_acquire_slow(c->lock, 0); /* uninterruptible, not ours: cannot fail */
    return rc;
}

int weft_cond_wait_pred(weft_cond *c, int (*pred)(void *arg), void *arg)
{
    if (!pred) return -EINVAL;
    while (!pred(arg)) {
        int rc = weft_cond_wait(c);
        if (rc) return rc;
    }
    return 0;
}

int weft_cond_notify(weft_cond *cv, size_t n)
{
    struct cond *c = CV(cv);
    weft_loop *L = weft__L;
    int rc = check_held(c, L, L ? L->current : NULL, "weft_cond_notify");
    if (rc) return rc;
    size_t k = wake(c, n);
    return k > INT32_MAX ? INT32_MAX : (int)k;
}

int weft_cond_notify_all(weft_cond *c) { return weft_cond_notify(c, (size_t)-1); }
