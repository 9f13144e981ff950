/* Layer 1: the scheduler: parking, waking, switching.
 *
 * Tasks hand the CPU to each other directly: a task that parks or yields
 * switches straight to the head of the run queue when that task already
 * has a stack, and to the loop's own context otherwise (no task ready, a
 * task that has never run, or the run budget spent). The loop's context
 * starts new tasks, reaps finished ones and does the timer and I/O phases
 * (loop.c). So a hand-off between two tasks costs one context switch. */
#include <errno.h>

#include "core/loop.h"

/* How long tasks may run before the loop takes a turn (timers, I/O), and
 * how many switches pass between two looks at the clock. */
#define BUDGET_NS 100000
#define BUDGET_MASK 63u

WEFT__FIBER_INLINE void switch_ctx(weft__ctx *from, weft__fiber *ffrom, weft__ctx *to, weft__fiber *fto)
{
    weft__fiber_leave(ffrom, fto);
    weft__ctx_switch(from, to);
    weft__fiber_enter(ffrom);
}

static int budget_spent(weft_loop *L)
{
    if (WEFT__LIKELY((++L->switches & BUDGET_MASK) != 0)) return L->budget_out;
    int64_t t = weft__mono();
    if (!L->virtual_clock) L->now = t;
    if (t - L->turn_start > BUDGET_NS) L->budget_out = 1;
    return L->budget_out;
}

static void step_end(weft_loop *L, weft_task *t)
{
    int64_t now = weft__mono();
    if (now - L->step_start > L->slow_step_ns) weft__debug_slow_step(L, t, now - L->step_start);
    L->step_start = now;
}

/* Switches away from self (PARKED, or READY and queued). Returns when self
 * is switched back in, with L->current == self. */
static void schedule(weft_loop *L, weft_task *self)
{
    if (WEFT__UNLIKELY(L->debug)) step_end(L, self);
    weft_task *next = L->ready_head;
    if (WEFT__LIKELY(next && next->stack) && !budget_spent(L)) {
        L->ready_head = next->next;
        if (!L->ready_head) L->ready_tail = NULL;
        next->state = WEFT__RUNNING;
        if (next == self) return;
        L->current = next;
        switch_ctx(&self->ctx, &self->fiber, &next->ctx, &next->fiber);
        return;
    }
    switch_ctx(&self->ctx, &self->fiber, &L->main_ctx, &L->main_fiber);
}

int weft__check(weft_loop *L, weft_task *t)
{
    if ((t->flags & WEFT__CANCELLED) && !t->shields) return -ECANCELED;
    if (t->deadline <= L->now) return -ETIMEDOUT;
    return 0;
}

int weft__park(weft__wait *w)
{
    weft_loop *L = weft__L;
    weft_task *t = L->current;
    if (w->cancel) {
        if (WEFT__UNLIKELY((t->flags & WEFT__CANCELLED) && !t->shields)) return -ECANCELED;
        if (t->deadline != WEFT_NEVER) {
            if (t->deadline <= L->now) return -ETIMEDOUT;
            weft__deadline_arm(L, t);
        }
    }
    w->task = t;
    w->flags = 0;
    t->wait = w;
    t->state = WEFT__PARKED;
    schedule(L, t);
    return w->result;
}

void weft__wake(weft__wait *w, int result)
{
    weft_task *t = w->task;
    w->result = result;
    t->wait = NULL;
    t->state = WEFT__READY;
    weft__ready(t->loop, t);
}

void weft__interrupt(weft_task *t, int reason)
{
    weft__wait *w = t->wait;
    if (t->state != WEFT__PARKED || !w || !w->cancel || (w->flags & WEFT__INTERRUPTING)) return;
    w->flags |= WEFT__INTERRUPTING;
    w->cancel(w, reason);
}

int weft_yield(void)
{
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t) return -EINVAL;
    int rc = weft__check(L, t);
    if (rc) return rc;
    t->state = WEFT__READY;
    weft__ready(L, t);
    schedule(L, t);
    return weft__check(L, t);
}

/* ---------------------------------------------------------- loop context */

static void task_entry(void)
{
    weft__fiber_enter(NULL);
    weft_loop *L = weft__L;
    weft_task *t = L->current;
    t->status = t->fn(t->arg);
    weft__exit_task(L, t);
}

void weft__exit_task(weft_loop *L, weft_task *t)
{
    if (WEFT__UNLIKELY(L->debug)) step_end(L, t);
    weft__task_finish(L, t);
    L->dead = t;
    weft__fiber_leave(NULL, &L->main_fiber);
    weft__ctx_switch(&L->dead_ctx, &L->main_ctx);
    __builtin_unreachable();
}

/* Gives t a stack, or finishes it without running (cancelled before it
 * started, or no memory for a stack). Returns 0 when t can run. */
static int start(weft_loop *L, weft_task *t)
{
    if (t->flags & WEFT__CANCELLED) {
        t->status = -ECANCELED;
    } else {
        weft__stack *s = weft__stack_get(&L->stacks, t->stack_req ? t->stack_req : L->stack_size);
        if (WEFT__LIKELY(s != NULL)) {
            t->stack = s;
            weft__ctx_make(&t->ctx, s->lo, s->size, task_entry);
            weft__fiber_create(&t->fiber, s->lo, s->size, &s->tsan_fiber);
            return 0;
        }
        t->status = -ENOMEM;
    }
    weft__task_finish(L, t);
    if (t->flags & WEFT__DETACHED) weft__task_free(L, t);
    return -1;
}

static void reap(weft_loop *L)
{
    weft_task *t = L->dead;
    L->dead = NULL;
    weft__stack_put(&L->stacks, t->stack);
    t->stack = NULL;
    if (t->flags & WEFT__DETACHED) weft__task_free(L, t);
}

void weft__run_ready(weft_loop *L)
{
    L->budget_out = 0;
    L->turn_start = weft__mono();
    weft_task *t;
    while ((t = L->ready_head) != NULL) {
        L->ready_head = t->next;
        if (!L->ready_head) L->ready_tail = NULL;
        if (WEFT__UNLIKELY(!t->stack) && start(L, t) != 0) continue;
        t->state = WEFT__RUNNING;
        L->current = t;
        if (WEFT__UNLIKELY(L->debug)) L->step_start = weft__mono();
        switch_ctx(&L->main_ctx, &L->main_fiber, &t->ctx, &t->fiber);
        L->current = NULL;
        if (L->dead) reap(L);
        if (L->budget_out) break;
    }
}
