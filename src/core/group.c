/* Layer 1: groups: gather (COLLECT), TaskGroup (FAIL_FAST), as_completed.
 *
 * A group owns its tasks' handles (g->tasks, in spawn order) until
 * weft_group_free. Finished tasks also queue up in completion order
 * (g->done_head, linked through t->gnext) for weft_group_next. One task at
 * a time may wait on a group (g->waiter), either for all of it (group_wait,
 * group_free) or for the next completion (group_next). */
#include <errno.h>
#include <stdlib.h>

#include "core/loop.h"

enum { WAIT_ALL, WAIT_NEXT };

struct weft_group {
    weft_loop *loop;
    int flags;
    weft_task **tasks; /* spawn order */
    size_t n, cap;
    size_t done;      /* finished */
    size_t handed;    /* handed back by group_next */
    size_t failed;    /* finished with status < 0, not counting group-caused cancellations */
    weft_task *done_head, *done_tail; /* finished, not yet handed back */
    weft__wait *waiter;
    int waiter_kind;
    int first_error;  /* FAIL_FAST: the first failure */
    int aborted;      /* FAIL_FAST: siblings were cancelled after a failure */
    weft_group *lnext, *lprev; /* L->groups */
};

int weft_group_new(weft_group **out, int flags)
{
    weft_loop *L = weft__L;
    if (!L || !out || (flags & ~WEFT_FAIL_FAST)) return -EINVAL;
    weft_group *g = calloc(1, sizeof *g);
    if (!g) return -ENOMEM;
    g->loop = L;
    g->flags = flags;
    g->lnext = L->groups;
    if (L->groups) L->groups->lprev = g;
    L->groups = g;
    *out = g;
    return 0;
}

int weft_group_spawn_at(weft_group *g, weft_task **t, const weft_spawn_options *o, weft_fn fn,
                        void *arg, const char *file, int line)
{
    weft_loop *L = weft__L;
    if (!g || !fn || !L || g->loop != L) return -EINVAL;
    if (g->aborted) return -ECANCELED;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 8;
        weft_task **nt = realloc(g->tasks, cap * sizeof *nt);
        if (!nt) return -ENOMEM;
        g->tasks = nt;
        g->cap = cap;
    }
    weft_task *task;
    int rc = weft__task_new(L, &task, o, fn, arg, file, line);
    if (rc < 0) return rc;
    task->group = g;
    g->tasks[g->n++] = task;
    if (t) *t = task;
    return 0;
}

int(weft_group_spawn)(weft_group *g, weft_task **t, weft_fn fn, void *arg)
{
    return weft_group_spawn_at(g, t, NULL, fn, arg, NULL, 0);
}

static void cancel_all(weft_group *g)
{
    for (size_t i = 0; i < g->n; i++) {
        weft_task *t = g->tasks[i];
        if (t->state == WEFT__DONE) continue;
        t->flags |= WEFT__GROUP_CANCEL;
        weft_cancel(t);
    }
}

void weft__group_task_done(weft_loop *L, weft_task *t)
{
    (void)L;
    weft_group *g = t->group;
    g->done++;
    t->gnext = NULL;
    if (g->done_tail) g->done_tail->gnext = t;
    else g->done_head = t;
    g->done_tail = t;
    int caused = t->status == -ECANCELED && (t->flags & WEFT__GROUP_CANCEL);
    if (t->status < 0 && !caused) {
        g->failed++;
        if ((g->flags & WEFT_FAIL_FAST) && !g->aborted) {
            g->aborted = 1;
            g->first_error = t->status;
            cancel_all(g);
        }
    }
    if (g->waiter && (g->waiter_kind == WAIT_NEXT || g->done == g->n)) {
        weft__wait *w = g->waiter;
        g->waiter = NULL;
        weft__wake(w, 0);
    }
}

struct group_wait {
    weft__wait w;
    weft_group *g;
};

static void group_wait_cancel(weft__wait *w, int reason)
{
    struct group_wait *gw = WEFT__CONTAINER(w, struct group_wait, w);
    gw->g->waiter = NULL;
    weft__wake(w, reason);
}

/* Waits until every task has finished; interruptible unless `cancel` is NULL. */
static int wait_all(weft_group *g, weft__cancel_fn cancel)
{
    while (g->done < g->n) {
        struct group_wait gw = {{.cancel = cancel, .what = "group"}, g};
        g->waiter = &gw.w;
        g->waiter_kind = WAIT_ALL;
        int rc = weft__park(&gw.w);
        if (rc < 0) {
            if (g->waiter == &gw.w) g->waiter = NULL;
            return rc;
        }
    }
    return 0;
}

int weft_group_wait(weft_group *g)
{
    weft_loop *L = weft__L;
    if (!g || !L || !L->current || g->loop != L || g->waiter) return -EINVAL;
    int rc = wait_all(g, group_wait_cancel);
    if (rc < 0) {
        /* The waiter was cancelled or timed out: no task outlives the wait. */
        cancel_all(g);
        (void)wait_all(g, NULL);
        return rc;
    }
    if (g->flags & WEFT_FAIL_FAST) return g->aborted ? g->first_error : 0;
    return (int)(g->failed > (size_t)INT32_MAX ? INT32_MAX : g->failed);
}

int weft_group_next(weft_group *g, weft_task **t)
{
    weft_loop *L = weft__L;
    if (!g || !t || !L || !L->current || g->loop != L || g->waiter) return -EINVAL;
    *t = NULL;
    if (g->handed == g->n) return 0;
    while (!g->done_head) {
        struct group_wait gw = {{.cancel = group_wait_cancel, .what = "group next"}, g};
        g->waiter = &gw.w;
        g->waiter_kind = WAIT_NEXT;
        int rc = weft__park(&gw.w);
        if (rc < 0) {
            if (g->waiter == &gw.w) g->waiter = NULL;
            return rc;
        }
    }
    weft_task *d = g->done_head;
    g->done_head = d->gnext;
    if (!g->done_head) g->done_tail = NULL;
    d->gnext = NULL;
    g->handed++;
    *t = d;
    return 0;
}

int weft_group_cancel(weft_group *g)
{
    if (!g) return -EINVAL;
    cancel_all(g);
    return 0;
}

size_t weft_group_size(const weft_group *g) { return g ? g->n : 0; }

weft_task *weft_group_task(const weft_group *g, size_t i)
{
    return g && i < g->n ? g->tasks[i] : NULL;
}

static void group_release(weft_loop *L, weft_group *g)
{
    for (size_t i = 0; i < g->n; i++) weft__task_free(L, g->tasks[i]);
    if (g->lprev) g->lprev->lnext = g->lnext;
    else L->groups = g->lnext;
    if (g->lnext) g->lnext->lprev = g->lprev;
    free(g->tasks);
    free(g);
}

void weft_group_free(weft_group *g)
{
    if (!g) return;
    weft_loop *L = g->loop;
    if (g->done < g->n) {
        cancel_all(g);
        (void)wait_all(g, NULL);
    }
    group_release(L, g);
}

void weft__groups_leak_report(weft_loop *L)
{
    while (L->groups) {
        weft_group *g = L->groups;
        if (L->debug)
            fprintf(stderr, "weft: a group of %zu task(s) was never freed (weft_group_free)\n", g->n);
        group_release(L, g);
    }
}
