/* Layer 1: the task record, the wait record and the loop.
 *
 * Every wait parks the task on exactly one thing. The thing is described by
 * a weft__wait record on the waiting task's stack: whoever owns that thing
 * (a timer, a wait queue, an I/O completion) calls weft__wake(w, result)
 * exactly once. Cancellation and deadlines reach a parked task through the
 * record's cancel hook, which must unlink it and lead to that one wake
 * (at once, or later when an in-flight operation has been reaped).
 *
 * Task states and the lists a task is on:
 *
 *   NEW      spawned, not yet run, no stack; on L->fresh
 *   READY    runnable: on L->ready when its wait was woken, on L->fresh
 *            when it yielded
 *   RUNNING  L->current
 *   PARKED   t->wait points at its wait record; on whatever list that names
 *   DONE     finished; t->status is final; stack returned to the pool
 *
 * Every task record is on L->all from spawn until it is freed (by join,
 * detach after finishing, or its group's free); L->live counts the ones not
 * DONE. */
#ifndef WEFT_CORE_LOOP_H
#define WEFT_CORE_LOOP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "weft/core.h"
#include "arch/ctx.h"
#include "arch/fiber.h"
#include "core/stack.h"
#include "core/timer.h"

#define WEFT__LIKELY(x) __builtin_expect(!!(x), 1)
#define WEFT__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WEFT__CONTAINER(p, type, field) ((type *)((char *)(p)-offsetof(type, field)))

enum { WEFT__NEW, WEFT__READY, WEFT__RUNNING, WEFT__PARKED, WEFT__DONE };

/* t->flags */
#define WEFT__CANCELLED 0x01u    /* weft_cancel was called (sticky) */
#define WEFT__DETACHED 0x02u     /* nobody will join: free on finish */
#define WEFT__GROUP_CANCEL 0x04u /* the cancellation came from the task's group */
#define WEFT__ROOT 0x08u

/* w->flags */
#define WEFT__INTERRUPTING 0x01u /* the cancel hook has been called */

typedef struct weft__wait weft__wait;
/* Interrupts a parked wait with reason (-ECANCELED or -ETIMEDOUT): must
 * unlink the waiter from what it waits on and make weft__wake(w, ...)
 * happen exactly once, now or when an in-flight operation completes. */
typedef void (*weft__cancel_fn)(weft__wait *w, int reason);

struct weft__wait {
    weft_task *task;        /* the parked task */
    weft__cancel_fn cancel; /* NULL: the wait cannot be interrupted */
    const char *what;       /* what is waited on, for weft_dump_tasks */
    unsigned flags;
};

/* A deadline or shield scope (weft_deadline_push / weft_shield_push). */
typedef struct weft__scope weft__scope;
struct weft__scope {
    weft__scope *prev; /* the enclosing scope (task's scope stack), or the pool's free list */
    int64_t deadline;  /* this scope's own deadline (WEFT_NEVER for a shield) */
    int64_t eff;       /* the effective deadline while this is the innermost scope */
    int shield;        /* 1: a shield */
};

struct weft_task {
    weft__ctx ctx;   /* saved context while not running */
    weft_task *next; /* L->ready link while NEW or READY */
    uint8_t state;
    uint8_t flags;
    uint16_t shields;   /* open shields */
    int status;         /* fn's result once DONE */
    int wake_result;    /* what the current park returns (set by the wake) */
    weft__wait *wait;   /* while PARKED */
    weft__stack *stack; /* NULL until first run and after finishing */
    union {
        struct { /* until the task first runs (task_entry clears them) */
            weft_fn fn;
            void *arg;
        };
        struct { /* once it runs: the park hook (the record stays small) */
            /* Called once, then cleared, when the task next parks (an upper layer's
             * "about to wait" hook: the HTTP server flushes its output and starts
             * watching for the client hanging up only when a handler really waits).
             * It runs before the wait's checks and after the caller may have
             * registered the wait (started an I/O operation, joined a list), so it
             * must not wait, and must not cancel, interrupt or wake its own task:
             * such a change of state must come from a later loop turn. */
            void (*park_hook)(void *arg);
            void *park_arg;
        };
    };
    int64_t deadline;     /* effective deadline (WEFT_NEVER: none) */
    weft__scope *scope;   /* innermost deadline/shield scope */
    weft__timer dl_timer; /* armed for `deadline` once the task waits under it */
    weft__timer timer;    /* the task's own timed wait (weft_sleep): kept in the record,
                             not on the stack, so the wheel walks dense memory */
    weft__wait *joiner;   /* the join waiting for this task */
    weft_group *group;    /* owning group, or NULL */
    weft_task *gnext;     /* the group's completion queue link */
    weft_task *all_next;  /* L->all links */
    weft_task *all_prev;
    weft_loop *loop;
    const char *name;
    const char *file; /* spawn site */
    int line;
    uint32_t stack_req; /* requested stack size (0: default) */
    uint64_t id;
    int64_t born; /* weft_now() at spawn */
    weft__fiber fiber;
};

/* A message posted to a loop from any thread (weft__loop_post): fn runs
 * later on the loop's thread, in the loop's own context (not in a task:
 * it may wake waits and spawn tasks, but must not wait). The node belongs
 * to the poster until fn is called; fn may free it. */
typedef struct weft__post weft__post;
struct weft__post {
    weft__post *next; /* L->posted (lock-free LIFO; drained in FIFO order) */
    void (*fn)(weft__post *p);
};

/* Per-loop state of the layers above core (io, net, ...), each in its own
 * slot, torn down in reverse slot order when the loop ends (after every
 * task has finished, before the backend closes). */
enum {
    WEFT__EXT_IO,
    WEFT__EXT_POOL, /* io/threadpool.c: the worker pool */
    WEFT__EXT_DNS,
    WEFT__EXT_NET,
    WEFT__EXT_HTTP,
    WEFT__EXT_REMOTE, /* io/threadsafe.c: futures whose task has not finished */
    WEFT__EXT_MAX = 8
};

/* The I/O backend interface (core/backend.h) is opaque here. */
typedef struct weft__backend weft__backend;

/* Pools of fixed-size records (task records, scopes), freed at loop end. */
typedef struct weft__pool {
    void *free;   /* free list (first word of each item links) */
    void *chunks; /* chunk list */
    size_t item;  /* item size */
    size_t per;   /* bytes of the next chunk */
    size_t used;  /* items handed out and not yet put back (tests check records
                     go back: the pool's mmap'd chunks are invisible to ASan) */
} weft__pool;

/* A FIFO of runnable tasks, linked through t->next. */
typedef struct weft__runq {
    weft_task *head, *tail;
} weft__runq;

struct weft_loop {
    weft_task *current; /* the running task; NULL in the loop's own context */
    /* Two run queues. Tasks whose wait was woken go to `ready` and run
     * first: they are work already under way (a request half served, a
     * permit just handed over). New tasks and tasks that yielded go to
     * `fresh`, behind them; one pick in 64 takes from `fresh` anyway, so a
     * stream of wake-ups cannot starve it. */
    weft__runq ready;
    weft__runq fresh;
    int64_t now;        /* cached clock */
    uint32_t switches;  /* task-to-task switches: every 64th looks at the
                           clock (run budget) and picks from `fresh` */
    int budget_out;     /* 1: return to the loop (I/O, timers) */
    int64_t turn_start; /* when this turn started running tasks */
    weft__ctx main_ctx; /* the loop's own context (the thread's stack) */
    weft__ctx dead_ctx; /* scratch save area for a dying task's switch */
    weft__fiber main_fiber;
    weft_task *dead; /* a task that just finished: reap its stack */

    weft__wheel wheel;
    const weft__backend *be;
    void *be_state;
    unsigned be_caps;   /* WEFT__CAP_* (core/backend.h) */
    size_t io_inflight; /* operations the backend has in flight */

    weft_task *root;
    int root_status;
    weft__wait *quiet; /* the root waiting for every other task to end */
    weft_task *all;    /* every task record (see above) */
    size_t live;       /* tasks not DONE */
    size_t records;    /* task records allocated */
    uint64_t next_id;
    weft_group *groups; /* every group not freed (leak report) */

    weft__stack_pool stacks;
    weft__pool task_pool;
    weft__pool scope_pool;

    /* options */
    int debug;
    int virtual_clock;
    int signals;
    size_t stack_size;
    int64_t slow_step_ns;
    int64_t step_start; /* debug: when the current task was switched in */
    int threads;

    /* signals (signal.c) */
    volatile sig_atomic_t sig_pending; /* the runtime's: 1 INT, 2 TERM, 4 QUIT */
    uint64_t sig_watch;                /* bit (sig - 1) per signal weft_signal objects watch */
    uint64_t sig_user;                 /* watched signals caught, not yet handed to sig_hook */
    void (*sig_hook)(weft_loop *L, uint64_t sigs); /* the io layer's delivery (loop context) */

    weft__post *posted;       /* from other threads; see weft__loop_post */
    int sleeping;             /* 1 while the loop may block in poll (atomic): posts
                                 wake it only then */
    unsigned remote_gate;     /* WEFT__GATE_CLOSED | thread-safe posts in progress */
    unsigned refs;            /* references to this record (weft_loop_retain); weft_run
                                 holds one until it returns */
    void *ext[WEFT__EXT_MAX]; /* per-layer state (see WEFT__EXT_*) */
    void (*ext_fini[WEFT__EXT_MAX])(weft_loop *L);
};

/* The loop of this thread. initial-exec: a plain %fs-relative load. */
extern __thread weft_loop *weft__L __attribute__((tls_model("initial-exec")));

/* ---- scheduler (sched.c) ---- */

/* The park contract, in two phases:
 *
 *   1. check   weft__check(L, t): 0, or -ECANCELED / -ETIMEDOUT when a wait
 *              would be interrupted now. Call it BEFORE starting anything
 *              the wait stands for (an I/O operation, a list entry, a
 *              job): nothing has to be undone when it fails.
 *   2. commit  weft__park_commit(w): parks on w and returns only after
 *              weft__wake(w, ...). It never returns early: an interruption
 *              already due when it parks (a cancellation that arrived
 *              between the two phases, a deadline that has passed) is
 *              delivered through w->cancel at once, like any other, so
 *              whatever the caller started is undone by the hook it
 *              already wrote. A wait with w->cancel == NULL is never
 *              interrupted.
 *
 * weft__park(w) is both in one call for waits that register nothing
 * before parking (it may return -ECANCELED / -ETIMEDOUT without parking).
 * Debug mode checks the rule that a park hook must not cancel its task. */
int weft__park_commit(weft__wait *w);
static inline int weft__park(weft__wait *w);
/* Makes w's task runnable with result. Exactly once per park. (Inline:
 * it is on every hand-off's path.) */
static inline void weft__wake(weft__wait *w, int result);
/* Interrupts t's wait with reason if it is parked interruptibly and not
 * already being interrupted. */
void weft__interrupt(weft_task *t, int reason);
/* -ECANCELED / -ETIMEDOUT if a wait by t would be interrupted now, else 0. */
int weft__check(weft_loop *L, weft_task *t);
static inline void weft__runq_push(weft__runq *q, weft_task *t)
{
    t->next = NULL;
    if (q->tail)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
}
/* Makes a woken task runnable (the `ready` queue). */
static inline void weft__ready(weft_loop *L, weft_task *t)
{
    weft__runq_push(&L->ready, t);
}
/* Whether any task is runnable. */
static inline int weft__runnable(const weft_loop *L)
{
    return L->ready.head || L->fresh.head;
}

/* weft__wake for a waker that knows the task: touches only the task
 * record, not the wait record on the task's (likely cold) stack. */
static inline void weft__wake_task(weft_task *t, int result)
{
    t->wake_result = result;
    t->wait = NULL;
    t->state = WEFT__READY;
    weft__runq_push(&t->loop->ready, t);
}

static inline void weft__wake(weft__wait *w, int result)
{
    weft__wake_task(w->task, result);
}

static inline int weft__park(weft__wait *w)
{
    if (w->cancel) {
        weft_loop *L = weft__L;
        int rc = weft__check(L, L->current);
        if (WEFT__UNLIKELY(rc)) return rc;
    }
    return weft__park_commit(w);
}

/* ---- slot waits (slot.c) ----
 *
 * Many objects have room for one waiting task: a task's joiner, a group's
 * waiter, the loop's quiet wait, a generator's consumer, a future's
 * awaiter. The slot is a `weft__wait *` field of the object (NULL: empty).
 * weft__slot_wait parks the running task in it; weft__slot_wake wakes
 * whoever is there; a cancellation or deadline empties the slot and wakes
 * the task with its reason. One implementation, so every such wait gets
 * the same answers: -EBUSY when the slot is taken, the park contract's
 * check on entry when interruptible. */
typedef struct weft__slotw weft__slotw;
struct weft__slotw {
    weft__wait w;
    weft__wait **slot; /* the slot it sits in */
};
/* Parks the running task in *slot until weft__slot_wake. With
 * interruptible, a cancellation or deadline empties the slot and returns
 * -ECANCELED / -ETIMEDOUT (also at once, on entry); without, only the wake
 * ends it. Returns the wake result, -EBUSY if the slot is taken, -EINVAL
 * outside a task. `what` is shown by weft_dump_tasks. */
int weft__slot_wait(weft__wait **slot, const char *what, int interruptible);
/* weft__slot_wait with the caller's own cancel hook (which must empty the
 * slot, and wake sw->w now or later). sw is the caller's record (on its
 * stack): sw->w.what may be set. The hook finds its record with
 * WEFT__CONTAINER(w, weft__slotw, w) or a struct that embeds it. */
int weft__slot_wait_with(weft__wait **slot, weft__slotw *sw, weft__cancel_fn cancel);
/* Wakes the task in *slot with result and empties the slot. Returns 1 if
 * a task was there, 0 if the slot was empty. */
static inline int weft__slot_wake(weft__wait **slot, int result)
{
    weft__wait *w = *slot;
    if (!w) return 0;
    *slot = NULL;
    weft__wake(w, result);
    return 1;
}
/* The default cancel hook of slot waits: empty the slot, wake with reason. */
void weft__slot_cancel(weft__wait *w, int reason);
/* Runs ready tasks until none is left or the budget is spent (loop context). */
void weft__run_ready(weft_loop *L);
/* Switches from the finishing task to the loop for good. */
void weft__exit_task(weft_loop *L, weft_task *t) __attribute__((noreturn));

/* Posts p to L from any thread (thread-safe, async-signal-unsafe): p->fn
 * runs on L's thread at its next turn, and L is woken if it sleeps. */
void weft__loop_post(weft_loop *L, weft__post *p);
/* Runs the posted messages (loop context). Returns how many ran. */
size_t weft__loop_drain(weft_loop *L);

/* The gate of the thread-safe calls (weft_call_threadsafe and friends).
 * weft__loop_post_remote posts p like weft__loop_post, from any thread,
 * while the loop accepts thread-safe calls, and returns 0; once the root
 * task's main has returned (the loop is shutting down or gone) it posts
 * nothing and returns -ESHUTDOWN. The caller must hold a reference to L
 * (weft_loop_retain) or know that weft_run has not returned. A message
 * accepted before the gate closed may still be drained after: its fn can
 * tell with weft__loop_remote_closed and reject the call. */
#define WEFT__GATE_CLOSED 0x80000000u
int weft__loop_post_remote(weft_loop *L, weft__post *p);
/* Closes the gate and waits for posts in progress (idempotent). */
void weft__loop_remote_close(weft_loop *L);
static inline int weft__loop_remote_closed(weft_loop *L)
{
    return (__atomic_load_n(&L->remote_gate, __ATOMIC_RELAXED) & WEFT__GATE_CLOSED) != 0;
}

/* ---- tasks (task.c) ---- */
void weft__task_finish(weft_loop *L, weft_task *t);
void weft__task_free(weft_loop *L, weft_task *t);
int weft__task_new(weft_loop *L, weft_task **out, const weft_spawn_options *o, weft_fn fn,
                   void *arg, const char *file, int line);
/* Cancels and waits (uninterruptibly) for t; returns its status. */
int weft__task_reap(weft_loop *L, weft_task *t);

/* ---- scopes (scope.c) ---- */
void weft__scopes_release(weft_loop *L, weft_task *t);
void weft__deadline_arm(weft_loop *L, weft_task *t);
void weft__deadline_fired(weft__timer *tm);

/* ---- groups (group.c) ---- */
void weft__group_task_done(weft_loop *L, weft_task *t);
void weft__groups_leak_report(weft_loop *L);

/* ---- clock (clock.c) ---- */
int64_t weft__clock_read(weft_loop *L); /* a fresh reading (virtual: L->now) */
int64_t weft__mono(void);               /* CLOCK_MONOTONIC in ns */
void weft__clock_update(weft_loop *L);

/* ---- pools (pool.c) ---- */
void weft__pool_init(weft__pool *p, size_t item, size_t per);
void *weft__pool_get(weft__pool *p);
void weft__pool_put(weft__pool *p, void *item);
void weft__pool_fini(weft__pool *p);

/* ---- debug, signals (debug.c, signal.c) ---- */
void weft__debug_slow_step(weft_loop *L, weft_task *t, int64_t ran);
void weft__debug_leak_report(weft_loop *L);
int weft__signals_install(weft_loop *L);
/* Stops everything signal-related of L (called at every loop's end). */
void weft__signals_uninstall(weft_loop *L);
void weft__signals_dispatch(weft_loop *L);
/* Starts catching sig for L's watchers (L->sig_watch says which signals go
 * to L->sig_hook): reference-counted per signal across loops. Returns 0,
 * -EINVAL for a signal that cannot be waited for (SIGKILL, SIGSTOP, the
 * fault signals, the C library's reserved ones), -EBUSY (too many loops). */
int weft__signal_catch(weft_loop *L, int sig);
/* Drops one weft__signal_catch reference on sig. */
void weft__signal_release(weft_loop *L, int sig);
int weft__overflow_install(weft_loop *L);
void weft__overflow_uninstall(weft_loop *L);

#endif
