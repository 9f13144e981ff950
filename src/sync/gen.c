/* Layer 3: async generators.
 *
 * How the producer runs "inside" its consumer. An asyncio async generator
 * has no task of its own: its awaits run in the consumer's task, so the
 * consumer's cancellation and timeouts reach them. weft gives the producer
 * a task of its own (its own stack, its own entry in weft_dump_tasks and
 * the stack-overflow report, its own sticky cancellation for close) and
 * makes that task's cancellation and deadline mirror the consumer's while,
 * and only while, it serves a next:
 *
 *   - Lazy. The producer task is spawned by the first weft_gen_next and
 *     afterwards sits parked in weft_gen_yield; each next wakes it and
 *     parks the consumer until it yields again or returns. Between nexts it
 *     is immune to its own deadlines (its effective deadline is "never"
 *     while parked at a yield), so it never runs unasked.
 *   - Deadlines. A next puts a scope record with the consumer's effective
 *     deadline at the bottom of the producer's scope stack and recomputes
 *     the stack's effective deadlines; the yield takes it out again. So
 *     every wait of the producer during a next sees min(its own scopes,
 *     the consumer's deadline), nested scopes and weft_deadline_pop
 *     included, and a shield in the producer hides the consumer's deadline
 *     as it would in asyncio.
 *   - Cancellation. The consumer's next is an interruptible wait whose
 *     cancel hook forwards the interruption to the producer (cancelling it,
 *     or interrupting its current wait when the deadline passed) and leaves
 *     the consumer parked: the consumer is woken when the producer gets
 *     back to a yield or returns, so the producer's cleanup always finishes
 *     before the consumer goes on. The producer's wake-up of the consumer
 *     goes through the core's join slot (t->joiner), so it also happens
 *     when the producer dies before it even started. A cancellation that
 *     came from the consumer is taken back at the next yield (the producer
 *     is not itself cancelled: its consumer was); close cancels it for real.
 *   - No lost item. An item yielded as the consumer's interruption arrived
 *     is kept and handed out by the next call to next.
 *
 * The alternative, running the producer on a stack of its own switched to
 * directly from the consumer's task, would make the mirroring free but
 * would need the core to switch a task between two stacks (its sanitizer
 * fiber, overflow report and saved context) and could not give close a
 * sticky cancellation of the producer alone. Generators are not on a hot
 * path; the two scheduler hops per item of this design are cheap. */
#include <errno.h>
#include <stdlib.h>

#include "weft/sync.h"
#include "sync/wait.h"

struct weft_gen {
    weft_loop *loop;         /* the owning loop */
    weft_gen_fn fn;
    void *arg;
    weft_task *producer;     /* NULL before the first next and once reaped; joined by us */
    weft__wait *yield_wait;  /* the producer parked in weft_gen_yield (on its stack) */
    weft__wait *next_wait;   /* the consumer parked in weft_gen_next (one at a time) */
    weft__scope *mirror;     /* the consumer's deadline, bottom of the producer's scopes */
    void *item;              /* yielded and not yet handed out */
    int has_item;
    int interrupted;         /* why the consumer's next was interrupted */
    int mirror_cancel;       /* the producer's CANCELLED flag came from the consumer */
    int closing;             /* close asked: every yield returns -ECANCELED */
    int done;                /* the producer has returned: status is final */
    int status;
    int reported;            /* a negative status has been returned by a next */
};

struct next_wait {
    weft__wait w;
    weft_gen *g;
};

struct yield_wait {
    weft__wait w;
    weft_gen *g;
};

static int producer_main(void *arg)
{
    weft_gen *g = arg;
    return g->fn(g, g->arg);
}

int weft_gen_new(weft_gen **out, weft_gen_fn fn, void *arg)
{
    weft_loop *L = weft__L;
    if (!out || !fn || !L) return -EINVAL;
    weft_gen *g = calloc(1, sizeof *g);
    if (!g) return -ENOMEM;
    g->loop = L;
    g->fn = fn;
    g->arg = arg;
    *out = g;
    return 0;
}

/* ----------------------------------------------------- deadline mirror */

/* Recomputes the effective deadlines of a scope stack from the bottom up;
 * returns the innermost one. */
static int64_t recompute(weft__scope *s)
{
    if (!s) return WEFT_NEVER;
    int64_t below = recompute(s->prev);
    s->eff = s->shield ? WEFT_NEVER : (s->deadline < below ? s->deadline : below);
    return s->eff;
}

/* Before the producer serves a next: the consumer's deadline d goes under
 * the producer's own scopes. */
static void mirror_put(weft_gen *g, weft_task *p, weft__scope *m, int64_t d)
{
    if (m) {
        m->deadline = d;
        m->shield = 0;
        m->prev = NULL;
        weft__scope **pp = &p->scope;
        while (*pp) pp = &(*pp)->prev;
        *pp = m;
        g->mirror = m;
    }
    p->deadline = recompute(p->scope);
}

/* At a yield (on the producer's stack): takes the consumer's deadline and
 * cancellation back and parks the producer with no deadline at all. */
static void mirror_take(weft_gen *g, weft_loop *L, weft_task *p)
{
    if (g->mirror) {
        weft__scope **pp = &p->scope;
        while (*pp && *pp != g->mirror) pp = &(*pp)->prev;
        if (*pp) { /* (absent if the producer popped more scopes than it pushed) */
            *pp = g->mirror->prev;
            weft__pool_put(&L->scope_pool, g->mirror);
        }
        g->mirror = NULL;
    }
    if (g->mirror_cancel && !g->closing) p->flags &= (uint8_t)~WEFT__CANCELLED;
    g->mirror_cancel = 0;
    p->deadline = WEFT_NEVER;
    if (weft__timer_armed(&p->dl_timer)) weft__timer_stop(&L->wheel, &p->dl_timer);
}

/* The consumer's next was interrupted: the producer's waits are too. The
 * consumer stays parked until the producer yields or returns. */
static void next_cancel(weft__wait *w, int reason)
{
    weft_gen *g = WEFT__CONTAINER(w, struct next_wait, w)->g;
    weft_task *p = g->producer;
    if (!g->interrupted) g->interrupted = reason;
    if (reason == -ECANCELED) {
        if (!(p->flags & WEFT__CANCELLED)) g->mirror_cancel = 1;
        weft_cancel(p);
    } else if (p->state == WEFT__PARKED) {
        int r = weft__check(p->loop, p);
        if (r) weft__interrupt(p, r);
    }
}

static void yield_cancel(weft__wait *w, int reason)
{
    weft_gen *g = WEFT__CONTAINER(w, struct yield_wait, w)->g;
    g->yield_wait = NULL;
    weft__wake(w, reason);
}

/* ---------------------------------------------------------------- API */

int weft_gen_yield(weft_gen *g, void *item)
{
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t || !g || t != g->producer) return -EINVAL;
    if (g->closing) return -ECANCELED;
    if (t->shields) return -EINVAL;
    g->item = item;
    g->has_item = 1;
    mirror_take(g, L, t);
    if (t->joiner) { /* the consumer waiting in next */
        weft__wait *c = t->joiner;
        t->joiner = NULL;
        weft__wake(c, 0);
    }
    struct yield_wait y = {{.cancel = yield_cancel, .what = "generator yield"}, g};
    g->yield_wait = &y.w;
    int rc = weft__park(&y.w);
    if (g->yield_wait == &y.w) g->yield_wait = NULL; /* park refused at once */
    return rc;
}

/* The producer has returned: keep its status, free its record. */
static void reap(weft_gen *g, weft_loop *L)
{
    weft_task *p = g->producer;
    g->status = weft__task_reap(L, p);
    weft__task_free(L, p);
    g->producer = NULL;
    g->done = 1;
    g->mirror = NULL; /* released with the producer's scopes */
    g->mirror_cancel = 0;
    g->yield_wait = NULL;
}

static int finished(weft_gen *g)
{
    if (g->done && g->status < 0 && !g->reported && !g->closing) {
        g->reported = 1;
        return g->status;
    }
    return -EPIPE;
}

int weft_gen_next(weft_gen *g, void **item)
{
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t || !g || !item) return -EINVAL;
    if (g->loop != L && weft__sync_bind(&g->loop, L, 1, "generator", g) < 0) return -EINVAL;
    if (t == g->producer) return -EDEADLK;
    if (g->next_wait) return -EBUSY;
    int rc = weft__check(L, t);
    if (rc) return rc;
    if (g->has_item) {
        *item = g->item;
        g->has_item = 0;
        return 0;
    }
    if (g->done || g->closing) return finished(g);

    weft__scope *m = NULL;
    if (t->deadline != WEFT_NEVER && !(m = weft__pool_get(&L->scope_pool))) return -ENOMEM;
    weft_task *p = g->producer;
    if (!p) {
        weft_spawn_options so = {.name = "generator"};
        rc = weft_spawn_at(&p, &so, producer_main, g, NULL, 0);
        if (rc < 0) {
            if (m) weft__pool_put(&L->scope_pool, m);
            return rc;
        }
        g->producer = p;
    }
    mirror_put(g, p, m, t->deadline);
    struct next_wait nw = {{.cancel = next_cancel, .what = "generator next"}, g};
    g->next_wait = &nw.w;
    p->joiner = &nw.w; /* woken by the yield, or by the core when p returns */
    if (g->yield_wait) {
        weft__wait *y = g->yield_wait;
        g->yield_wait = NULL;
        weft__wake(y, 0);
    }
    rc = weft__park(&nw.w);
    g->next_wait = NULL;
    if (p->state == WEFT__DONE) reap(g, L);
    int why = g->interrupted;
    g->interrupted = 0;
    if (why) rc = why;
    else if (rc == 0) rc = weft__check(L, t); /* item yielded as the interruption came */
    if (rc < 0) {
        if (g->done && g->status == rc) g->reported = 1;
        return rc; /* a yielded item stays for the next call */
    }
    if (g->has_item) {
        *item = g->item;
        g->has_item = 0;
        return 0;
    }
    return finished(g);
}

int weft_gen_close(weft_gen *g)
{
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!g || !L) return -EINVAL;
    if (g->loop != L && weft__sync_bind(&g->loop, L, 1, "generator", g) < 0) return -EINVAL;
    if (g->next_wait) return -EBUSY;
    if (t && t == g->producer) return -EDEADLK;
    int was_closing = g->closing;
    g->closing = 1;
    g->has_item = 0;
    if (!g->producer) return 0;
    if (!t) return -EINVAL; /* waiting for the producer needs a task */
    int live = g->producer->state != WEFT__DONE;
    if (live) {
        weft_cancel(g->producer); /* interrupts it at its yield */
        if (g->yield_wait) {      /* (cannot happen: no shield spans a yield) */
            weft__wait *y = g->yield_wait;
            g->yield_wait = NULL;
            weft__wake(y, -ECANCELED);
        }
    }
    reap(g, L);
    if (live && !was_closing && g->status < 0 && g->status != -ECANCELED) return g->status;
    return 0;
}

void weft_gen_free(weft_gen *g)
{
    if (!g) return;
    weft_loop *L = weft__L;
    if (g->producer && L == g->loop && L) {
        if (g->next_wait || !L->current) {
            weft__sync_report(L, "weft_gen_free of generator %p while %s", (void *)g,
                              g->next_wait ? "a next is in flight" : "outside a task");
            return; /* leaked rather than freed under a running producer */
        }
        (void)weft_gen_close(g);
    }
    free(g);
}
