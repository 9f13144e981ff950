/* Layer 1: deadline and shield scopes.
 *
 * A task's scopes form a stack (t->scope, linked through prev) of records
 * taken from the loop's scope pool. Each record caches the effective
 * deadline while it is innermost: a deadline scope's is the earlier of its
 * own and the enclosing effective deadline; a shield's is "never", which is
 * how a shield hides every outer deadline while inner ones still apply.
 * t->deadline always equals the innermost record's eff.
 *
 * Pushing and popping touch no timer. The task's one deadline timer
 * (t->dl_timer) is armed lazily, when the task parks under a deadline
 * (weft__deadline_arm), and disarmed when a pop makes the effective
 * deadline later. So a deadline that never fires costs a few stores unless
 * the task waits, and then one timer insert and one O(1) removal. */
#include <errno.h>

#include "core/loop.h"

static int push(int64_t deadline, int shield)
{
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t) return -EINVAL;
    weft__scope *s = weft__pool_get(&L->scope_pool);
    if (!s) return -ENOMEM;
    s->prev = t->scope;
    s->deadline = deadline;
    s->shield = shield;
    s->eff = shield ? WEFT_NEVER : (deadline < t->deadline ? deadline : t->deadline);
    t->scope = s;
    t->deadline = s->eff;
    t->shields += (uint16_t)shield;
    return 0;
}

/* Pops the innermost scope of t; the effective deadline can only get later. */
static void pop(weft_loop *L, weft_task *t)
{
    weft__scope *s = t->scope;
    t->scope = s->prev;
    t->deadline = s->prev ? s->prev->eff : WEFT_NEVER;
    if (s->shield) t->shields--;
    weft__pool_put(&L->scope_pool, s);
    if (weft__timer_armed(&t->dl_timer) && t->dl_timer.expiry != t->deadline)
        weft__timer_stop(&L->wheel, &t->dl_timer);
}

int weft_deadline_push(int64_t ns)
{
    weft_loop *L = weft__L;
    if (!L) return -EINVAL;
    /* A fresh clock reading: the cached one may lag behind a task that ran
     * for a while, and a deadline must never start early. */
    int64_t now = weft__clock_read(L);
    int64_t d = ns >= WEFT_NEVER - now ? WEFT_NEVER : now + (ns > 0 ? ns : 0);
    return push(d, 0);
}

int weft_deadline_push_until(int64_t t) { return push(t, 0); }

int weft_deadline_pop(void)
{
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t || !t->scope || t->scope->shield) return -EINVAL;
    int expired = t->scope->deadline <= L->now;
    pop(L, t);
    return expired;
}

int weft_shield_push(void) { return push(WEFT_NEVER, 1); }

int weft_shield_pop(void)
{
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t || !t->scope || !t->scope->shield) return -EINVAL;
    pop(L, t);
    return 0;
}

int weft_wait_for(weft_fn fn, void *arg, int64_t ns)
{
    if (!fn) return -EINVAL;
    int rc = weft_deadline_push(ns);
    if (rc < 0) return rc;
    rc = fn(arg);
    if (weft_deadline_pop() == 1 && rc < 0) rc = -ETIMEDOUT;
    return rc;
}

void weft__scopes_release(weft_loop *L, weft_task *t)
{
    while (t->scope) pop(L, t);
}

void weft__deadline_arm(weft_loop *L, weft_task *t)
{
    weft__timer *tm = &t->dl_timer;
    if (weft__timer_armed(tm)) {
        if (tm->expiry == t->deadline) return;
        weft__timer_stop(&L->wheel, tm);
    }
    weft__timer_start(&L->wheel, tm, t->deadline);
}

void weft__deadline_fired(weft__timer *tm)
{
    weft_task *t = WEFT__CONTAINER(tm, weft_task, dl_timer);
    if (t->state == WEFT__PARKED && t->deadline <= t->loop->now) weft__interrupt(t, -ETIMEDOUT);
}
