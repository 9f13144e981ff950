/* Layer 1: tasks: spawn, join, detach, cancel, finish.
 *
 * Ownership: a task record belongs to its spawner until weft_join (which
 * frees it) or weft_detach (after which it frees itself on finishing), or
 * to its group until weft_group_free. The record outlives the task's stack:
 * the stack goes back to the pool as soon as the task finishes. */
#include <errno.h>
#include <string.h>

#include "core/loop.h"

int weft__task_new(weft_loop *L, weft_task **out, const weft_spawn_options *o, weft_fn fn,
                   void *arg, const char *file, int line)
{
    if (o && o->size && o->size < sizeof *o) return -EINVAL; /* the ABI rule (util/opts.h):
                                                                 every field is in v0 */
    size_t ss = o ? o->stack_size : 0;
    if (ss > ((size_t)1 << 30)) return -EINVAL;
    weft_task *t = weft__pool_get(&L->task_pool);
    if (!t) return -ENOMEM;
    memset(t, 0, sizeof *t);
    t->state = WEFT__NEW;
    t->fn = fn;
    t->arg = arg;
    t->deadline = WEFT_NEVER;
    t->dl_timer.fire = weft__deadline_fired;
    t->loop = L;
    t->name = o ? o->name : NULL;
    t->file = file;
    t->line = line;
    t->stack_req = (uint32_t)ss;
    t->id = ++L->next_id;
    t->born = L->now;
    t->all_next = L->all;
    if (L->all) L->all->all_prev = t;
    L->all = t;
    L->live++;
    L->records++;
    weft__runq_push(&L->fresh, t);
    *out = t;
    return 0;
}

void weft__task_free(weft_loop *L, weft_task *t)
{
    if (t->all_prev) t->all_prev->all_next = t->all_next;
    else L->all = t->all_next;
    if (t->all_next) t->all_next->all_prev = t->all_prev;
    L->records--;
    weft__pool_put(&L->task_pool, t);
}

void weft__task_finish(weft_loop *L, weft_task *t)
{
    t->state = WEFT__DONE;
    L->live--;
    if (WEFT__UNLIKELY(t->scope != NULL)) weft__scopes_release(L, t);
    if (weft__timer_armed(&t->dl_timer)) weft__timer_stop(&L->wheel, &t->dl_timer);
    if (t->group) {
        weft__group_task_done(L, t);
    } else if (t->joiner) {
        weft__wait *j = t->joiner;
        t->joiner = NULL;
        weft__wake(j, 0);
    }
    if (L->quiet && L->live == 1) {
        weft__wait *q = L->quiet;
        L->quiet = NULL;
        weft__wake(q, 0);
    }
}

int weft_spawn_at(weft_task **t, const weft_spawn_options *o, weft_fn fn, void *arg,
                  const char *file, int line)
{
    weft_loop *L = weft__L;
    if (!L || !fn) return -EINVAL;
    weft_task *n;
    int rc = weft__task_new(L, &n, o, fn, arg, file, line);
    if (rc < 0) return rc;
    if (t) *t = n;
    else n->flags |= WEFT__DETACHED;
    return 0;
}

int(weft_spawn)(weft_task **t, weft_fn fn, void *arg)
{
    return weft_spawn_at(t, NULL, fn, arg, NULL, 0);
}

int(weft_spawn_opts)(weft_task **t, const weft_spawn_options *o, weft_fn fn, void *arg)
{
    return weft_spawn_at(t, o, fn, arg, NULL, 0);
}

struct join_wait {
    weft__wait w;
    weft_task *t;
};

static void join_cancel(weft__wait *w, int reason)
{
    struct join_wait *j = WEFT__CONTAINER(w, struct join_wait, w);
    j->t->joiner = NULL;
    weft__wake(w, reason);
}

int weft__task_reap(weft_loop *L, weft_task *t)
{
    (void)L;
    if (t->state != WEFT__DONE) {
        weft_cancel(t);
        weft__wait w = {.cancel = NULL, .what = "join (cancelling)"};
        t->joiner = &w;
        (void)weft__park(&w);
    }
    return t->status;
}

int weft_join(weft_task *t)
{
    weft_loop *L = weft__L;
    if (!L || !L->current || !t || t->group || (t->flags & WEFT__DETACHED) || t->joiner)
        return -EINVAL;
    if (t == L->current) return -EDEADLK;
    if (t->state != WEFT__DONE) {
        struct join_wait j = {{.cancel = join_cancel, .what = "join"}, t};
        t->joiner = &j.w;
        int rc = weft__park(&j.w);
        if (rc < 0) {
            /* Interrupted: the joined task is cancelled and still waited for,
             * so nothing is orphaned (asyncio's `await task`). */
            if (t->joiner == &j.w) t->joiner = NULL;
            (void)weft__task_reap(L, t);
            weft__task_free(L, t);
            return rc;
        }
    }
    int st = t->status;
    weft__task_free(L, t);
    return st;
}

int weft_detach(weft_task *t)
{
    weft_loop *L = weft__L;
    if (!L || !t || t->group || (t->flags & WEFT__DETACHED) || t->joiner) return -EINVAL;
    t->flags |= WEFT__DETACHED;
    if (t->state == WEFT__DONE && !t->stack) weft__task_free(L, t);
    return 0;
}

int weft_cancel(weft_task *t)
{
    if (!t) return -EINVAL;
    if (t->state == WEFT__DONE) return 0;
    t->flags |= WEFT__CANCELLED;
    if (t->state == WEFT__PARKED && !t->shields) weft__interrupt(t, -ECANCELED);
    return 0;
}

weft_task *weft_self(void)
{
    weft_loop *L = weft__L;
    return L ? L->current : NULL;
}

int weft_task_status(const weft_task *t)
{
    if (!t) return -EINVAL;
    return t->state == WEFT__DONE ? t->status : -EBUSY;
}

int weft_task_done(const weft_task *t) { return t && t->state == WEFT__DONE; }

const char *weft_task_name(const weft_task *t)
{
    return t && t->name ? t->name : "task";
}

int weft_cancelled(void)
{
    weft_loop *L = weft__L;
    return L && L->current && (L->current->flags & WEFT__CANCELLED) ? 1 : 0;
}
