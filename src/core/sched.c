/* Layer 1: the scheduler: parking, waking, switching.
 *
 * Tasks hand the CPU to each other directly: a task that parks or yields
 * switches straight to the head of the run queue when that task already
 * has a stack, and to the loop's own context otherwise (no task ready, a
 * task that has never run, or the run budget spent). The loop's context
 * starts new tasks, reaps finished ones and does the timer and I/O phases
 * (loop.c). So a hand-off between two tasks costs one context switch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/loop.h"

/* How long tasks may run before the loop takes a turn (timers, I/O), and
 * how many switches pass between two looks at the clock. */
#define BUDGET_NS 100000
#define BUDGET_MASK 63u

WEFT__FIBER_INLINE void switch_ctx(weft__ctx *from, weft__fiber *ffrom, weft__ctx *to,
                                   weft__fiber *fto)
{
    weft__fiber_leave(ffrom, fto);
    weft__ctx_switch(from, to);
    weft__fiber_enter(ffrom);
}

/* Every 64th switch: look at the clock (the run budget). */
static __attribute__((noinline)) int budget_check(weft_loop *L)
{
    int64_t t = weft__mono();
    if (!L->virtual_clock) L->now = t;
    if (t - L->turn_start > BUDGET_NS) L->budget_out = 1;
    return L->budget_out;
}

static inline int budget_spent(weft_loop *L)
{
    if (WEFT__LIKELY((++L->switches & BUDGET_MASK) != 0)) return L->budget_out;
    return budget_check(L);
}

static void step_end(weft_loop *L, weft_task *t)
{
    int64_t now = weft__mono();
    if (now - L->step_start > L->slow_step_ns) weft__debug_slow_step(L, t, now - L->step_start);
    L->step_start = now;
}

static inline weft_task *pop(weft__runq *q)
{
    weft_task *t = q->head;
    q->head = t->next;
    if (!q->head) q->tail = NULL;
    return t;
}

/* The queue the next task comes from: `ready` first, `fresh` when `ready`
 * is empty, and `fresh` on every 64th switch (see struct weft_loop). */
static inline weft__runq *pick(weft_loop *L)
{
    if (L->ready.head && (!L->fresh.head || (L->switches & BUDGET_MASK) != 0)) return &L->ready;
    return &L->fresh;
}

/* The rare cases of schedule(): debug mode, every 64th switch, the next
 * task not started yet, or nothing ready. */
static __attribute__((noinline)) void schedule_slow(weft_loop *L, weft_task *self)
{
    if (L->debug) step_end(L, self);
    weft__runq *q = pick(L);
    weft_task *next = q->head;
    if (next && next->stack && !budget_spent(L)) {
        pop(q);
        next->state = WEFT__RUNNING;
        if (next == self) return;
        L->current = next;
        switch_ctx(&self->ctx, &self->fiber, &next->ctx, &next->fiber);
        return;
    }
    switch_ctx(&self->ctx, &self->fiber, &L->main_ctx, &L->main_fiber);
}

/* Switches away from self (PARKED, or READY and queued). Returns when self
 * is switched back in, with L->current == self. The fast path: the next
 * task (head of `ready`, else of `fresh`) has a stack, and this is not a
 * 64th switch. */
static inline void schedule(weft_loop *L, weft_task *self)
{
    weft__runq *q = L->ready.head ? &L->ready : &L->fresh;
    weft_task *next = q->head;
    uint32_t n = L->switches + 1;
    if (WEFT__LIKELY(next && next->stack && (n & BUDGET_MASK) && !L->budget_out && !L->debug)) {
        L->switches = n;
        q->head = next->next;
        if (!next->next) q->tail = NULL;
        next->state = WEFT__RUNNING;
        if (next == self) return;
        L->current = next;
        switch_ctx(&self->ctx, &self->fiber, &next->ctx, &next->fiber);
        return;
    }
    schedule_slow(L, self);
}

int weft__check(weft_loop *L, weft_task *t)
{
    if ((t->flags & WEFT__CANCELLED) && !t->shields) return -ECANCELED;
    if (t->deadline <= L->now) return -ETIMEDOUT;
    return 0;
}

/* Debug mode: a park hook that cancelled its own task broke its contract
 * (the hook runs after the caller started its operation). */
static __attribute__((noinline)) void hook_checked(weft_loop *L, weft_task *t)
{
    void (*hook)(void *) = t->park_hook;
    uint8_t flags = t->flags;
    t->park_hook = NULL;
    hook(t->park_arg);
    if (L->debug && t->flags != flags) {
        fprintf(stderr, "weft: a park hook changed the state of its own task #%llu '%s' "
                        "(hooks must not cancel; see loop.h)\n",
                (unsigned long long)t->id, t->name ? t->name : "task");
        abort();
    }
}

int weft__park_commit(weft__wait *w)
{
    weft_loop *L = weft__L;
    weft_task *t = L->current;
    if (WEFT__UNLIKELY(t->park_hook != NULL)) hook_checked(L, t);
    w->task = t;
    w->flags = 0;
    t->wait = w;
    t->state = WEFT__PARKED;
    if (w->cancel) {
        /* An interruption already due goes through the hook now: the park
         * never returns before its wake (see loop.h). */
        if (WEFT__UNLIKELY((t->flags & WEFT__CANCELLED) && !t->shields))
            weft__interrupt(t, -ECANCELED);
        else if (t->deadline != WEFT_NEVER) {
            if (WEFT__UNLIKELY(t->deadline <= L->now)) weft__interrupt(t, -ETIMEDOUT);
            else weft__deadline_arm(L, t);
        }
    }
    schedule(L, t);
    return t->wake_result;
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
    weft__runq_push(&L->fresh, t); /* behind every other runnable task */
    schedule(L, t);
    return weft__check(L, t);
}

/* ---------------------------------------------------------- loop context */

static void task_entry(void)
{
    weft__fiber_enter(NULL);
    weft_loop *L = weft__L;
    weft_task *t = L->current;
    weft_fn fn = t->fn;
    void *arg = t->arg;
    t->fn = NULL; /* the same storage is the park hook from now on */
    t->arg = NULL;
    t->status = fn(arg);
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
    while (weft__runnable(L)) {
        weft_task *t = pop(pick(L));
        if (WEFT__UNLIKELY(!t->stack) && start(L, t) != 0) {
            if (budget_spent(L)) break;
            continue;
        }
        t->state = WEFT__RUNNING;
        L->current = t;
        if (WEFT__UNLIKELY(L->debug)) L->step_start = weft__mono();
        switch_ctx(&L->main_ctx, &L->main_fiber, &t->ctx, &t->fiber);
        L->current = NULL;
        if (L->dead) reap(L);
        /* a burst of task starts (each parking at once) returns here
         * without passing schedule()'s budget check */
        if (budget_spent(L)) break;
    }
}
