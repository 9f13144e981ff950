/* Layer 4a: thread-safe calls into a loop and their futures.
 *
 * A call from another thread is a heap message posted through the loop's
 * gate (weft__loop_post_remote): the gate refuses new messages once the
 * loop's main has returned, and a message that got in just before is
 * rejected when it is drained, so no task starts on a loop that is
 * shutting down.
 *
 * A future is shared by the thread that asked (one reference, released by
 * weft_future_free) and the loop (one reference, dropped when the future
 * completes); a pending cancel message holds a third. Its outcome is
 * published under its mutex; foreign threads wait on its condition
 * variable, tasks of any loop through an await record posted back to their
 * own loop. The future also holds a reference on its loop's record, so
 * cancel and wait stay safe after weft_run returned.
 *
 * Why the loop keeps a list of the futures whose task has not finished
 * (L->ext[WEFT__EXT_REMOTE]): a task cancelled before it ever ran finishes
 * without calling its function, so the wrapper that completes the future
 * never runs. A cancel message handles that case itself; the one left is
 * shutdown, and the loop's end completes whatever is still on the list. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "weft/io.h"
#include "core/loop.h"

/* ---------------------------------------------------- weft_call_threadsafe */

struct call_msg {
    weft__post post;
    weft_loop *loop;
    weft_fn fn;
    void *arg;
};

static const weft_spawn_options call_opts = {.name = "call_threadsafe"};
static const weft_spawn_options future_opts = {.name = "spawn_threadsafe"};

static void call_run(weft__post *p)
{
    struct call_msg *m = WEFT__CONTAINER(p, struct call_msg, post);
    weft_loop *L = m->loop;
    weft_task *t;
    if (!weft__loop_remote_closed(L) && weft__task_new(L, &t, &call_opts, m->fn, m->arg, NULL, 0) == 0)
        t->flags |= WEFT__DETACHED;
    free(m);
}

int weft_call_threadsafe(weft_loop *loop, weft_fn fn, void *arg)
{
    if (!loop || !fn) return -EINVAL;
    struct call_msg *m = malloc(sizeof *m);
    if (!m) return -ENOMEM;
    m->post.fn = call_run;
    m->loop = loop;
    m->fn = fn;
    m->arg = arg;
    int rc = weft__loop_post_remote(loop, &m->post);
    if (rc < 0) free(m);
    return rc;
}

/* ------------------------------------------------------------- futures */

/* A task awaiting a future (weft_future_await), on its own stack. */
struct await {
    weft__wait w;
    weft__post post; /* posted to the awaiter's loop when the future completes */
    weft_loop *loop;
    weft_future *f;
    int reason;
};

struct weft_future {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;               /* under mu */
    int status;             /* under mu, final once done */
    struct await *awaiter;  /* under mu */
    unsigned refs;          /* atomic */
    int cancel_sent;        /* atomic: the one cancel message has been sent */
    weft_loop *loop;        /* retained */
    weft_fn fn;
    void *arg;
    /* loop thread only */
    weft_task *task;        /* its task, from spawn until it finishes */
    weft_future *prev, *next; /* on L->ext[WEFT__EXT_REMOTE] while task is set */
    weft__post spawn_post, cancel_post;
};

static void fut_unref(weft_future *f)
{
    if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    weft_loop_release(f->loop);
    free(f);
}

/* Loop thread: publishes the outcome and drops the loop's reference. */
static void fut_complete(weft_future *f, int status)
{
    pthread_mutex_lock(&f->mu);
    f->status = status;
    f->done = 1;
    struct await *a = f->awaiter;
    f->awaiter = NULL;
    if (a) weft__loop_post(a->loop, &a->post);
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    fut_unref(f);
}

static void pending_unlink(weft_loop *L, weft_future *f)
{
    if (f->prev) f->prev->next = f->next;
    else L->ext[WEFT__EXT_REMOTE] = f->next;
    if (f->next) f->next->prev = f->prev;
    f->prev = f->next = NULL;
    f->task = NULL;
}

/* Loop end: the tasks still listed were cancelled before they ran. */
static void pending_fini(weft_loop *L)
{
    weft_future *f;
    while ((f = L->ext[WEFT__EXT_REMOTE]) != NULL) {
        pending_unlink(L, f);
        fut_complete(f, -ECANCELED);
    }
    L->ext_fini[WEFT__EXT_REMOTE] = NULL;
}

static int fut_main(void *p)
{
    weft_future *f = p;
    int st = f->fn(f->arg);
    pending_unlink(weft__L, f);
    fut_complete(f, st);
    return st;
}

static void fut_spawn(weft__post *p)
{
    weft_future *f = WEFT__CONTAINER(p, weft_future, spawn_post);
    weft_loop *L = f->loop;
    if (weft__loop_remote_closed(L)) {
        fut_complete(f, -ESHUTDOWN);
        return;
    }
    weft_task *t;
    int rc = weft__task_new(L, &t, &future_opts, fut_main, f, NULL, 0);
    if (rc < 0) {
        fut_complete(f, rc);
        return;
    }
    t->flags |= WEFT__DETACHED;
    f->task = t;
    f->prev = NULL;
    f->next = L->ext[WEFT__EXT_REMOTE];
    if (f->next) f->next->prev = f;
    L->ext[WEFT__EXT_REMOTE] = f;
    L->ext_fini[WEFT__EXT_REMOTE] = pending_fini;
}

/* Loop thread. Before the gate closed, f->task is set exactly while the
 * task record lives (the wrapper clears it as it finishes, and only this
 * message cancels a task that has not started). After, shutdown cancels
 * everything anyway, and tasks it cancelled before they ran are already
 * freed: leave them to pending_fini. */
static void fut_cancel(weft__post *p)
{
    weft_future *f = WEFT__CONTAINER(p, weft_future, cancel_post);
    weft_loop *L = f->loop;
    weft_task *t = f->task;
    if (t && !weft__loop_remote_closed(L)) {
        if (t->state == WEFT__NEW) { /* finishes without running fut_main */
            pending_unlink(L, f);
            weft_cancel(t);
            fut_complete(f, -ECANCELED);
        } else {
            weft_cancel(t);
        }
    }
    fut_unref(f);
}

int weft_spawn_threadsafe(weft_loop *loop, weft_future **out, weft_fn fn, void *arg)
{
    if (out) *out = NULL;
    if (!loop || !out || !fn) return -EINVAL;
    weft_future *f = calloc(1, sizeof *f);
    if (!f) return -ENOMEM;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&f->mu, NULL);
    f->refs = 2; /* the caller's and the loop's */
    f->loop = weft_loop_retain(loop);
    f->fn = fn;
    f->arg = arg;
    f->spawn_post.fn = fut_spawn;
    f->cancel_post.fn = fut_cancel;
    int rc = weft__loop_post_remote(loop, &f->spawn_post);
    if (rc < 0) {
        f->refs = 1;
        fut_unref(f);
        return rc;
    }
    *out = f;
    return 0;
}

int weft_future_cancel(weft_future *f)
{
    if (!f) return -EINVAL;
    if (__atomic_exchange_n(&f->cancel_sent, 1, __ATOMIC_ACQ_REL)) return 0;
    if (weft_future_done(f)) return 0;
    __atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED); /* the message's */
    if (weft__loop_post_remote(f->loop, &f->cancel_post) < 0)
        fut_unref(f); /* shutting down: the loop completes f anyway */
    return 0;
}

int weft_future_done(weft_future *f)
{
    if (!f) return 0;
    pthread_mutex_lock(&f->mu);
    int d = f->done;
    pthread_mutex_unlock(&f->mu);
    return d;
}

int weft_future_wait(weft_future *f, int64_t timeout_ns, int *status)
{
    if (!f) return -EINVAL;
    int rc = 0;
    pthread_mutex_lock(&f->mu);
    if (!f->done && weft__L == f->loop) {
        rc = -EDEADLK;
    } else if (!f->done && timeout_ns < 0) {
        while (!f->done) pthread_cond_wait(&f->cv, &f->mu);
    } else if (!f->done && timeout_ns > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t at = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        at = timeout_ns > INT64_MAX - at ? INT64_MAX : at + timeout_ns;
        ts.tv_sec = at / 1000000000;
        ts.tv_nsec = at % 1000000000;
        while (!f->done)
            if (pthread_cond_timedwait(&f->cv, &f->mu, &ts) == ETIMEDOUT) break;
    }
    if (rc == 0) {
        if (f->done) {
            if (status) *status = f->status;
        } else {
            rc = -ETIMEDOUT;
        }
    }
    pthread_mutex_unlock(&f->mu);
    return rc;
}

/* Awaiter's loop: the future completed (and unlinked the awaiter). */
static void await_posted(weft__post *p)
{
    struct await *a = WEFT__CONTAINER(p, struct await, post);
    a->loop->io_inflight--;
    weft__wake(&a->w, a->reason);
}

/* Awaiter's loop: still linked, the awaiter leaves at once; already
 * unlinked, the completion message is on its way and brings the wake. */
static void await_cancel(weft__wait *w, int reason)
{
    struct await *a = WEFT__CONTAINER(w, struct await, w);
    weft_future *f = a->f;
    pthread_mutex_lock(&f->mu);
    int linked = f->awaiter == a;
    if (linked) f->awaiter = NULL;
    pthread_mutex_unlock(&f->mu);
    if (linked) {
        a->loop->io_inflight--;
        weft__wake(w, reason);
    } else {
        a->reason = reason;
    }
}

int weft_future_await(weft_future *f, int *status)
{
    weft_loop *L = weft__L;
    if (!f || !L || !L->current) return -EINVAL;
    int rc = weft__check(L, L->current);
    if (rc) return rc;
    struct await a = {.w = {.cancel = await_cancel, .what = "future"}, .loop = L, .f = f};
    a.post.fn = await_posted;
    pthread_mutex_lock(&f->mu);
    if (!f->done) {
        if (f->awaiter) {
            pthread_mutex_unlock(&f->mu);
            return -EBUSY;
        }
        f->awaiter = &a;
        pthread_mutex_unlock(&f->mu);
        L->io_inflight++; /* completed by another thread: the virtual clock must wait */
        rc = weft__park(&a.w); /* parks for sure: weft__check passed */
        if (rc < 0) return rc;
        pthread_mutex_lock(&f->mu);
    }
    if (status) *status = f->status;
    pthread_mutex_unlock(&f->mu);
    return 0;
}

void weft_future_free(weft_future *f)
{
    if (f) fut_unref(f);
}
