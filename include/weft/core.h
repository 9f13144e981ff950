/* The core: the loop, tasks, time, cancellation, deadlines, shields, groups.
 *
 * One picture: a loop per thread; on it, tasks with their own stacks; every
 * wait parks the task on exactly one thing (a timer, an I/O completion, a
 * wait queue) and the loop resumes it when that thing fires.
 *
 * A task is an ordinary C function `int fn(void *arg)` running on its own
 * stack. "await" is any call that may wait: such a call is a cancellation
 * point, documented below as "Waits". Every waiting call returns a negative
 * errno on failure, -ECANCELED once its task has been cancelled (sticky: every
 * later wait returns it too, so code unwinds through its normal error paths)
 * and -ETIMEDOUT once a deadline scope around it has expired.
 *
 * Time is int64_t nanoseconds on the monotonic clock. Durations are relative;
 * the _until variants take an absolute time from weft_now().
 *
 * Unless said otherwise a function here must be called from a task running
 * on a weft loop (inside weft_run), and objects belong to the loop that made
 * them: they are not thread-safe. */
#ifndef WEFT_CORE_H
#define WEFT_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_NS(n) ((int64_t)(n))
#define WEFT_US(n) ((int64_t)(n) * 1000)
#define WEFT_MS(n) ((int64_t)(n) * 1000000)
#define WEFT_SEC(n) ((int64_t)(n) * 1000000000)
/* "Never": an absolute time no clock reaches. */
#define WEFT_NEVER INT64_MAX

typedef struct weft_task weft_task;
typedef struct weft_loop weft_loop;
typedef struct weft_group weft_group;
/* A task body. Results travel through arg; the int is the task's status
 * (>= 0 success, < 0 a negative errno). */
typedef int (*weft_fn)(void *arg);

/* ------------------------------------------------------------------ run */

/* Run options. Start from WEFT_OPTIONS_INIT and change what you need. */
typedef struct weft_options {
    uint32_t size; /* sizeof, set by the _INIT macro (the ABI rule: docs/design.md) */
    const char *backend;  /* "io_uring", "epoll" or "poll"; NULL: $WEFT_BACKEND, else the best */
    int debug;            /* 1 on, 0 off, -1 (default): $WEFT_DEBUG */
    int signals;          /* 1 (default): SIGINT/SIGTERM cancel the root task, SIGQUIT dumps
                             the tasks; 0: the library installs no signal handler */
    int virtual_clock;    /* 1: time jumps to the next timer whenever no task is runnable and
                             no I/O is in flight (for tests); 0 (default): real time */
    size_t stack_size;    /* default task stack in bytes; 0: WEFT_STACK_DEFAULT */
    int threads;          /* worker threads for weft_to_thread; 0: the number of CPUs */
    int64_t slow_step_ns; /* debug mode: warn when a task runs this long without waiting;
                             0: 100 ms */
} weft_options;
#define WEFT_OPTIONS_INIT {(uint32_t)sizeof(weft_options), NULL, -1, 1, 0, 0, 0, 0}
/* The default task stack: 64 KiB of address space, of which a task touches
 * only what it uses (docs/design.md has the measurements behind it). */
#define WEFT_STACK_DEFAULT ((size_t)64 * 1024)

/* Sets up a loop on the calling thread, runs main(arg) as the root task
 * and, when it returns, cancels every task still alive and waits for them,
 * then tears the loop down. Returns main's status, or a negative errno if
 * the loop could not be set up (-ENOMEM, -EINVAL for a bad option, -EBUSY
 * when this thread already runs a loop). The first SIGINT or SIGTERM cancels
 * the root task (graceful shutdown); a second SIGINT ends the process at
 * once. Not itself a task call: call it from plain C (main()). */
WEFT_API int weft_run(weft_fn main, void *arg);
/* weft_run with options (NULL means WEFT_OPTIONS_INIT). */
WEFT_API int weft_run_opts(const weft_options *opts, weft_fn main, void *arg);

/* The loop running on this thread, or NULL outside weft_run. The handle is
 * what other threads pass to the thread-safe calls. Thread-safe. */
WEFT_API weft_loop *weft_loop_current(void);
/* A loop handle is valid while its weft_run runs. To keep using it from
 * another thread without knowing when weft_run returns, take a reference
 * while it is certainly valid (say in a task, before handing it over):
 * weft_run then frees the loop record only when the last reference is
 * released, and the thread-safe calls on an ended loop fail cleanly with
 * -ESHUTDOWN instead of touching freed memory. weft_loop_retain returns
 * loop (NULL stays NULL); each retain needs one weft_loop_release (accepts
 * NULL). Thread-safe; neither waits. */
WEFT_API weft_loop *weft_loop_retain(weft_loop *loop);
WEFT_API void weft_loop_release(weft_loop *loop);
/* The name of the I/O backend the current loop uses ("io_uring", "epoll",
 * "poll"), or NULL outside a loop. */
WEFT_API const char *weft_backend_name(void);

/* ---------------------------------------------------------------- tasks */

/* Spawn options. Start from WEFT_SPAWN_OPTIONS_INIT. */
typedef struct weft_spawn_options {
    uint32_t size; /* sizeof, set by the _INIT macro (the ABI rule: docs/design.md) */
    const char *name;  /* shown by weft_dump_tasks and in debug reports; not copied:
                          must outlive the task (a string literal is typical) */
    size_t stack_size; /* 0: the loop's default */
} weft_spawn_options;
#define WEFT_SPAWN_OPTIONS_INIT {(uint32_t)sizeof(weft_spawn_options), NULL, 0}

/* Creates a task running fn(arg) and hands its handle back through *t.
 * The task starts at the next scheduling point (when the spawner next
 * waits or yields). The handle belongs to the spawner until weft_join or
 * weft_detach; t may be NULL to spawn detached. A task cancelled before it
 * started never runs fn and finishes with -ECANCELED. Its stack is taken
 * when it first runs. Returns 0, -ENOMEM, or -EINVAL outside a loop. Does
 * not wait. The macro form records the spawning file:line for debug
 * reports; (weft_spawn)(...) calls the function itself. */
WEFT_API WEFT_NODISCARD int weft_spawn(weft_task **t, weft_fn fn, void *arg);
/* weft_spawn with options (o may be NULL). */
WEFT_API WEFT_NODISCARD int weft_spawn_opts(weft_task **t, const weft_spawn_options *o,
                                            weft_fn fn, void *arg);
/* What the spawn macros call: weft_spawn_opts plus the spawning site. */
WEFT_API WEFT_NODISCARD int weft_spawn_at(weft_task **t, const weft_spawn_options *o, weft_fn fn,
                                          void *arg, const char *file, int line);
#define weft_spawn(t, fn, arg) weft_spawn_at((t), NULL, (fn), (arg), __FILE__, __LINE__)
#define weft_spawn_opts(t, o, fn, arg) weft_spawn_at((t), (o), (fn), (arg), __FILE__, __LINE__)

/* Waits for t to finish, frees the handle and returns t's status. If the
 * joiner is cancelled or its deadline expires while it waits, t is
 * cancelled too, the join still waits for t to finish and frees the handle,
 * and then returns -ECANCELED / -ETIMEDOUT (asyncio's `await task`): nothing
 * is orphaned. -EINVAL if t is NULL, owned by a group or already has a
 * joiner; -EDEADLK if t is the caller. Waits. */
WEFT_API WEFT_NODISCARD int weft_join(weft_task *t);
/* Gives up the handle: the task runs on and its record is freed when it
 * finishes. Returns 0, or -EINVAL for a group's task or one already joined
 * or detached. Does not wait. */
WEFT_API int weft_detach(weft_task *t);
/* Cancels t: its current wait (if any) and every later one return
 * -ECANCELED, unless a shield is up, in which case cancellation takes
 * effect at the first wait after the shield ends. Idempotent; cancelling a
 * finished task does nothing. Returns 0, or -EINVAL for NULL. Does not wait. */
WEFT_API int weft_cancel(weft_task *t);
/* Lets every other ready task run, then returns 0; -ECANCELED/-ETIMEDOUT
 * (without yielding) when the caller is cancelled or past a deadline. Never
 * enters the kernel while tasks are ready, yet I/O is still checked at
 * least every ~100 us of running. Waits. */
WEFT_API WEFT_NODISCARD int weft_yield(void);
/* The running task, or NULL outside a task. */
WEFT_API weft_task *weft_self(void);
/* t's status once it has finished; -EBUSY while it runs. Does not wait. */
WEFT_API int weft_task_status(const weft_task *t);
/* Whether t has finished (1) or not (0). */
WEFT_API int weft_task_done(const weft_task *t);
/* The task's name (spawn option), or "task" when none was given. */
WEFT_API const char *weft_task_name(const weft_task *t);
/* 1 if the running task has been cancelled (whether or not a shield holds
 * it off), else 0. Does not wait. */
WEFT_API int weft_cancelled(void);

/* ----------------------------------------------------------------- time */

/* The loop's current monotonic time in ns, cached per loop turn (so it is
 * cheap: no system call). Outside a loop it reads the clock. Under the
 * virtual clock it is the virtual time. */
WEFT_API int64_t weft_now(void);
/* Sleeps ns nanoseconds (<= 0: a yield). Returns 0, -ECANCELED or
 * -ETIMEDOUT. Never wakes early; under no load, late by well under 1 ms.
 * Waits. */
WEFT_API WEFT_NODISCARD int weft_sleep(int64_t ns);
/* Sleeps until weft_now() >= t. Same returns as weft_sleep. Waits. */
WEFT_API WEFT_NODISCARD int weft_sleep_until(int64_t t);

/* --------------------------------------------------- deadlines, shields */

/* Opens a deadline scope ns from now on the running task (asyncio.timeout).
 * Scopes nest; the earliest deadline wins. Once a scope has expired, every
 * waiting call inside it returns -ETIMEDOUT until the scope is popped. A
 * deadline that never fires costs no timer work until the task waits.
 * Returns 0, or -ENOMEM, -EINVAL outside a task. Does not wait. */
WEFT_API WEFT_NODISCARD int weft_deadline_push(int64_t ns);
/* weft_deadline_push with an absolute time. */
WEFT_API WEFT_NODISCARD int weft_deadline_push_until(int64_t t);
/* Closes the innermost deadline scope. Returns 1 if that scope's own
 * deadline had passed (so code can tell its own timeout from an outer
 * one), 0 if not, -EINVAL if the innermost scope is not a deadline. */
WEFT_API int weft_deadline_pop(void);
/* Runs fn(arg) on the calling task inside a deadline scope of ns and
 * returns fn's status; -ETIMEDOUT if the scope expired. Waits (as fn does). */
WEFT_API WEFT_NODISCARD int weft_wait_for(weft_fn fn, void *arg, int64_t ns);
/* Opens a shield (asyncio.shield): cancellation and deadlines from outside
 * it do not interrupt the waits inside; they take effect at the first wait
 * after the shield is popped. Deadlines pushed inside the shield still
 * apply, so cleanup is both protected and bounded. Returns 0, -ENOMEM,
 * -EINVAL outside a task. Does not wait. */
WEFT_API WEFT_NODISCARD int weft_shield_push(void);
/* Closes the innermost shield. Returns 0, or -EINVAL if the innermost
 * scope is not a shield. */
WEFT_API int weft_shield_pop(void);

/* --------------------------------------------------------------- groups */

/* Group modes. COLLECT is gather(return_exceptions=True): a failure does
 * not affect the others. FAIL_FAST is a TaskGroup: the first failure (a
 * status < 0 other than a cancellation the group itself caused) cancels
 * every sibling. */
#define WEFT_COLLECT 0
#define WEFT_FAIL_FAST 1

/* Creates an empty group. Returns 0, -ENOMEM, -EINVAL for unknown flags or
 * outside a loop. The group belongs to its creator's loop. */
WEFT_API WEFT_NODISCARD int weft_group_new(weft_group **g, int flags);
/* Spawns fn(arg) into g (t may be NULL). The handle belongs to the group and
 * stays valid until weft_group_free: read its status with
 * weft_task_status; never join or detach it. Returns 0, -ENOMEM, -EINVAL
 * (NULL group, or a group already waited out in FAIL_FAST mode after a
 * failure: -ECANCELED). Does not wait. */
WEFT_API WEFT_NODISCARD int weft_group_spawn(weft_group *g, weft_task **t, weft_fn fn, void *arg);
/* weft_group_spawn with options and the spawning site (the macro form). */
WEFT_API WEFT_NODISCARD int weft_group_spawn_at(weft_group *g, weft_task **t,
                                                const weft_spawn_options *o, weft_fn fn, void *arg,
                                                const char *file, int line);
#define weft_group_spawn(g, t, fn, arg)                                                            \
    weft_group_spawn_at((g), (t), NULL, (fn), (arg), __FILE__, __LINE__)
#define weft_group_spawn_opts(g, t, o, fn, arg)                                                    \
    weft_group_spawn_at((g), (t), (o), (fn), (arg), __FILE__, __LINE__)
/* Waits until every task of g has finished. COLLECT: returns the number of
 * tasks whose status is < 0 (0: all succeeded). FAIL_FAST: returns 0, or the
 * first failure's status after cancelling and waiting for the rest. If the
 * waiter is cancelled or its deadline expires, the group cancels and waits
 * for all its tasks and returns -ECANCELED / -ETIMEDOUT. Waits. */
WEFT_API WEFT_NODISCARD int weft_group_wait(weft_group *g);
/* as_completed: hands back the next finished task (in completion order)
 * through *t, waiting if none has finished yet; *t = NULL and 0 when every
 * task has been handed back. -ECANCELED / -ETIMEDOUT if the wait itself is
 * interrupted (the tasks run on). Waits. */
WEFT_API WEFT_NODISCARD int weft_group_next(weft_group *g, weft_task **t);
/* Cancels every unfinished task of g (a race's losers). Returns 0. Does
 * not wait: weft_group_wait or weft_group_free waits for them. */
WEFT_API int weft_group_cancel(weft_group *g);
/* Number of tasks spawned into g. */
WEFT_API size_t weft_group_size(const weft_group *g);
/* The i-th task spawned into g (spawn order: gather's result order), or
 * NULL past the end. */
WEFT_API weft_task *weft_group_task(const weft_group *g, size_t i);
/* Frees g and its task handles. A group with live tasks cancels them and
 * waits for them first (uninterruptibly), so no task outlives its group.
 * Accepts NULL. May wait. */
WEFT_API void weft_group_free(weft_group *g);

/* ---------------------------------------------------------------- debug */

/* Writes one line per live task: id, name, state, what it waits on, the
 * file:line that spawned it and its age. Returns the number of tasks, or a
 * negative errno outside a loop. Does not wait. Debug mode also prints it
 * on SIGQUIT. */
WEFT_API int weft_dump_tasks(FILE *f);
/* Whether debug mode is on for the current loop (WEFT_DEBUG=1 or
 * opts.debug). */
WEFT_API int weft_debug(void);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_CORE_H */
