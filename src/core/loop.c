/* Layer 1: the loop: weft_run, one turn, shutdown.
 *
 * One turn (docs/design.md draws it):
 *
 *   1. run ready tasks     until none is left or ~100 us have been spent
 *   2. compute the timeout 0 if tasks are ready, else until the next timer
 *                          (virtual clock: jump to it instead of waiting)
 *   3. poll                wait for I/O completions or a wake-up
 *      drain posts         run what other threads posted (weft__loop_post)
 *   4. read the clock
 *   5. fire due timers     sleeps end, deadlines interrupt waits
 *   6. deliver signals     SIGINT/SIGTERM cancel the root task
 *
 * The root task runs main(arg); when main returns it cancels every task
 * still alive and waits for them inside a shield, then the loop ends. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/loop.h"
#include "util/opts.h"

__thread weft_loop *weft__L __attribute__((tls_model("initial-exec")));

/* The first post of a batch wakes the loop, and only if it may be asleep:
 * a loop busy running tasks drains its posts at the end of the turn with no
 * system call. The poster's push and the loop's "sleeping" flag are both
 * sequentially consistent (Dekker): either the poster sees the flag and
 * wakes the loop, or the loop, after raising the flag, sees the post and
 * does not block (turn() below). */
void weft__loop_post(weft_loop *L, weft__post *p)
{
    weft__post *head = __atomic_load_n(&L->posted, __ATOMIC_RELAXED);
    do p->next = head;
    while (!__atomic_compare_exchange_n(&L->posted, &head, p, 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    if (!head && __atomic_load_n(&L->sleeping, __ATOMIC_SEQ_CST)) L->be->wake(L);
}

/* The gate is one word: a count of posts in progress plus the CLOSED bit.
 * A poster counts itself in and backs out if the bit is set; the closer
 * sets the bit and waits for the count to drain (a few instructions). */
int weft__loop_post_remote(weft_loop *L, weft__post *p)
{
    unsigned g = __atomic_add_fetch(&L->remote_gate, 1, __ATOMIC_ACQUIRE);
    if (WEFT__UNLIKELY(g & WEFT__GATE_CLOSED)) {
        __atomic_sub_fetch(&L->remote_gate, 1, __ATOMIC_RELEASE);
        return -ESHUTDOWN;
    }
    weft__loop_post(L, p);
    __atomic_sub_fetch(&L->remote_gate, 1, __ATOMIC_RELEASE);
    return 0;
}

void weft__loop_remote_close(weft_loop *L)
{
    __atomic_or_fetch(&L->remote_gate, WEFT__GATE_CLOSED, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&L->remote_gate, __ATOMIC_ACQUIRE) != WEFT__GATE_CLOSED) sched_yield();
}

size_t weft__loop_drain(weft_loop *L)
{
    weft__post *p = __atomic_exchange_n(&L->posted, NULL, __ATOMIC_ACQUIRE);
    weft__post *fifo = NULL;
    while (p) { /* reverse the LIFO into posting order */
        weft__post *n = p->next;
        p->next = fifo;
        fifo = p;
        p = n;
    }
    size_t ran = 0;
    while (fifo) {
        weft__post *n = fifo->next;
        fifo->fn(fifo);
        fifo = n;
        ran++;
    }
    return ran;
}

static int64_t timeout_for(weft_loop *L)
{
    if (weft__runnable(L) || __atomic_load_n(&L->posted, __ATOMIC_ACQUIRE)) return 0;
    if (L->virtual_clock) {
        if (L->io_inflight == 0 && L->wheel.count > 0) {
            int64_t t = weft__wheel_earliest(&L->wheel);
            if (t > L->now) L->now = t;
            return 0;
        }
    }
    int64_t t = weft__wheel_next(&L->wheel);
    if (t == WEFT_NEVER) return -1;
    if (L->virtual_clock) return -1; /* I/O in flight: wait for it, not the clock */
    int64_t now = weft__mono();
    return t > now ? t - now : 0;
}

static int finished(const weft_loop *L) { return L->root->state == WEFT__DONE && L->live == 0; }

static void turn(weft_loop *L)
{
    weft__run_ready(L);
    if (finished(L)) return;
    int64_t timeout = timeout_for(L);
    if (timeout != 0) { /* may block: let posters know, then look once more */
        __atomic_store_n(&L->sleeping, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&L->posted, __ATOMIC_SEQ_CST)) timeout = 0;
    }
    (void)L->be->poll(L, timeout);
    if (timeout != 0) __atomic_store_n(&L->sleeping, 0, __ATOMIC_RELAXED);
    if (__atomic_load_n(&L->posted, __ATOMIC_RELAXED)) weft__loop_drain(L);
    weft__clock_update(L);
    weft__wheel_run(&L->wheel, L->now);
    if (L->sig_pending || L->sig_user) weft__signals_dispatch(L);
}

struct root_arg {
    weft_fn main;
    void *arg;
};

static void quiet_cancel(weft__wait *w, int reason)
{
    w->task->loop->quiet = NULL;
    weft__wake(w, reason);
}

/* Cancels every other task and waits until they have all finished. The
 * wait sits inside a shield, so a second cancellation of the root (say a
 * late SIGTERM) cannot cut the shutdown short. */
static void shutdown_tasks(weft_loop *L)
{
    int shielded = weft_shield_push() == 0;
    while (L->live > 1) {
        for (weft_task *t = L->all; t; t = t->all_next)
            if (t != L->root && t->state != WEFT__DONE) weft_cancel(t);
        weft__wait w = {.cancel = quiet_cancel, .what = "shutdown"};
        L->quiet = &w;
        if (weft__park(&w) < 0) {
            L->quiet = NULL;
            break;
        }
    }
    if (shielded) (void)weft_shield_pop();
}

static int root_main(void *p)
{
    struct root_arg *ra = p;
    int st = ra->main(ra->arg);
    weft__loop_remote_close(weft__L); /* no thread-safe call starts a task from now on */
    shutdown_tasks(weft__L);
    return st;
}

static void main_stack_bounds(weft_loop *L)
{
    const void *lo = NULL;
    size_t size = 0;
    pthread_attr_t a;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        void *addr;
        if (pthread_attr_getstack(&a, &addr, &size) == 0) lo = addr;
        pthread_attr_destroy(&a);
    }
    weft__fiber_current(&L->main_fiber, lo, size);
}

static int env_flag(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

static void loop_free(weft_loop *L)
{
    weft__pool_fini(&L->task_pool);
    weft__pool_fini(&L->scope_pool);
    weft__stack_pool_fini(&L->stacks);
    weft_loop_release(L); /* weft_run's own reference */
}

weft_loop *weft_loop_retain(weft_loop *loop)
{
    if (loop) __atomic_add_fetch(&loop->refs, 1, __ATOMIC_RELAXED);
    return loop;
}

void weft_loop_release(weft_loop *loop)
{
    if (loop && __atomic_sub_fetch(&loop->refs, 1, __ATOMIC_ACQ_REL) == 0) free(loop);
}

int weft_run_opts(const weft_options *o, weft_fn main, void *arg)
{
    weft_options oo;
    if (WEFT__OPTS_TAKE(weft_options, &oo, o, WEFT_OPTIONS_INIT) < 0) return -EINVAL;
    o = &oo;
    if (!main) return -EINVAL;
    if (weft__L) return -EBUSY;
    if (o->stack_size && (o->stack_size < WEFT__STACK_MIN || o->stack_size > ((size_t)1 << 30)))
        return -EINVAL;
    weft_loop *L = calloc(1, sizeof *L);
    if (!L) return -ENOMEM;
    L->debug = o->debug < 0 ? env_flag("WEFT_DEBUG") : o->debug != 0;
    L->virtual_clock = o->virtual_clock != 0;
    L->signals = o->signals != 0;
    L->stack_size = o->stack_size ? o->stack_size : WEFT_STACK_DEFAULT;
    L->slow_step_ns = o->slow_step_ns > 0 ? o->slow_step_ns : WEFT_MS(100);
    L->threads = o->threads;
    L->refs = 1;
    L->now = weft__mono();
    weft__wheel_init(&L->wheel, L->now);
    weft__pool_init(&L->task_pool, sizeof(weft_task), 0);
    weft__pool_init(&L->scope_pool, sizeof(weft__scope), 0);
    weft__stack_pool_init(&L->stacks);
    main_stack_bounds(L);
    weft__L = L;

    int rc = weft__backend_pick(L, o->backend);
    if (rc < 0) {
        weft__L = NULL;
        loop_free(L);
        return rc;
    }
    if (L->signals) (void)weft__signals_install(L);
    (void)weft__overflow_install(L);
    /* Timers are the loop's business: no 50 us of timer slack on its waits
     * (restored when the loop ends). */
    int old_slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    (void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

    struct root_arg ra = {main, arg};
    weft_spawn_options so = WEFT_SPAWN_OPTIONS_INIT;
    so.name = "main";
    rc = weft__task_new(L, &L->root, &so, root_main, &ra, NULL, 0);
    if (rc == 0) {
        L->root->flags |= WEFT__ROOT;
        while (!finished(L)) turn(L);
        rc = L->root->status;
        weft__task_free(L, L->root);
        L->root = NULL;
    }

    weft__loop_remote_close(L);
    weft__loop_drain(L);
    for (int i = WEFT__EXT_MAX; i-- > 0;)
        if (L->ext_fini[i]) L->ext_fini[i](L);
    weft__groups_leak_report(L);
    weft__debug_leak_report(L);
    if (L->debug && L->stacks.total)
        fprintf(stderr, "weft: %zu stack(s) of %zu KiB, guards by %s; deepest use: %zu KiB\n",
                L->stacks.total, L->stack_size >> 10, weft__stack_guard_mode(&L->stacks),
                weft__stack_pool_highwater(&L->stacks) >> 10);
    if (old_slack > 0) (void)prctl(PR_SET_TIMERSLACK, (unsigned long)old_slack, 0, 0, 0);
    weft__overflow_uninstall(L);
    weft__signals_uninstall(L);
    L->be->fini(L);
    weft__L = NULL;
    loop_free(L);
    return rc;
}

int weft_run(weft_fn main, void *arg) { return weft_run_opts(NULL, main, arg); }

weft_loop *weft_loop_current(void) { return weft__L; }

const char *weft_backend_name(void)
{
    weft_loop *L = weft__L;
    return L && L->be ? L->be->name : NULL;
}

int weft_debug(void)
{
    weft_loop *L = weft__L;
    return L ? L->debug : 0;
}
