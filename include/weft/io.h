/* I/O: file descriptors, files, signals, subprocesses, and threads.
 *
 * Unless said otherwise a function here must be called from a task running
 * on a weft loop, and its objects belong to that loop. */
#ifndef WEFT_IO_H
#define WEFT_IO_H

#include <stdint.h>
#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ============================================================= threads
 *
 * Two ways across the line between a loop and other threads.
 *
 * Out of the loop: weft_to_thread runs a function on the loop's worker
 * pool while the calling task waits (asyncio's to_thread and
 * run_in_executor). Use it for blocking calls and CPU-bound work: C has no
 * GIL, so jobs run in parallel on as many cores as the pool has workers
 * (weft_options.threads; 0 means one per CPU the process may use). Workers
 * start on demand and stop when the loop ends; they block all signals.
 *
 * Into the loop: weft_call_threadsafe and weft_spawn_threadsafe start a
 * task on a loop from any thread (call_soon_threadsafe and
 * run_coroutine_threadsafe). The second hands back a weft_future the
 * foreign thread can wait on with a timeout, cancel and free. These calls
 * take the loop's handle (weft_loop_current() on the loop's thread). A
 * handle stays valid while weft_run runs; a thread that may outlive that
 * takes a reference with weft_loop_retain (core.h), and then every call
 * here on a loop that has ended fails cleanly with -ESHUTDOWN.
 *
 * Shutdown: once the loop's main function has returned, the loop accepts
 * no more thread-safe calls (-ESHUTDOWN); a call accepted just before
 * that may never run (its future completes with -ESHUTDOWN); tasks already
 * started are cancelled with the rest. */

/* Runs fn(arg) on a worker thread and waits for it; returns fn's status.
 * fn must not call weft functions other than the thread-safe ones below.
 * Cancellation and deadlines: because arg usually lives on the caller's
 * stack, a job a worker has started is always waited for, even when the
 * task is cancelled or its deadline expires meanwhile: the call then still
 * returns only once fn has returned (all its writes to arg are visible),
 * and returns -ECANCELED / -ETIMEDOUT instead of fn's status. A job no
 * worker has taken yet is withdrawn at once (fn never runs) with the same
 * codes, and a task already cancelled or past its deadline gets them
 * without fn running. So the wait is a cancellation point whose exit may
 * be delayed by as long as fn runs. Other returns: -EINVAL (NULL fn, or
 * not in a task), -ENOMEM, -EAGAIN (no worker thread could be started).
 * Waits. */
WEFT_API WEFT_NODISCARD int weft_to_thread(weft_fn fn, void *arg);

/* Runs fn(arg) in a new task on loop (asyncio's call_soon_threadsafe, but
 * fn runs as a task, so it may wait). Fire and forget: fn's status is
 * dropped. Safe from any thread, including the loop's own; wakes the loop
 * at once if it sleeps. fn starts at the loop's next turn, in posting order
 * among the calls made by one thread. Returns 0 once the call is queued,
 * -EINVAL (NULL loop or fn), -ENOMEM, or -ESHUTDOWN when the loop no
 * longer accepts calls (its main has returned). A call accepted just
 * before shutdown may never run: if fn must release arg, use
 * weft_spawn_threadsafe and look at the future. Does not wait. */
WEFT_API WEFT_NODISCARD int weft_call_threadsafe(weft_loop *loop, weft_fn fn, void *arg);

/* A future: the outcome of a task started from another thread. */
typedef struct weft_future weft_future;

/* Starts fn(arg) in a new task on loop, like weft_call_threadsafe, and
 * hands back through *f a future that completes with fn's status
 * (asyncio's run_coroutine_threadsafe). Safe from any thread.
 *
 * Ownership: *f is the caller's reference. Release it with
 * weft_future_free exactly once, from any thread, whether or not the
 * future has completed and whether or not the loop still runs: the loop
 * keeps a reference of its own until the future completes, and the future
 * keeps the loop's record alive, so no order of events leads to a
 * use-after-free. arg must stay valid until the future completes (fn may
 * still be running after a timed-out wait: cancel, then wait again).
 *
 * Every future completes, at the latest when the loop ends, with one of:
 * fn's status; -ECANCELED when cancelled before fn started (a task
 * cancelled while running returns what fn returns, normally -ECANCELED);
 * -ESHUTDOWN when the loop began shutting down before fn could start;
 * -ENOMEM when no task could be made. Returns 0 (*f set), -EINVAL, -ENOMEM,
 * or -ESHUTDOWN (the loop accepts no more calls; *f = NULL). Does not wait. */
WEFT_API WEFT_NODISCARD int weft_spawn_threadsafe(weft_loop *loop, weft_future **f, weft_fn fn,
                                                  void *arg);
/* Waits up to timeout_ns (< 0: without limit; 0: just looks) for f to
 * complete. Returns 0 and stores the outcome in *status (status may be
 * NULL), or -ETIMEDOUT if f has not completed in time (f stays valid: wait
 * again, cancel, or free). -EDEADLK when called on f's own loop thread
 * before f completed (that would block the loop that must complete it: a
 * task uses weft_future_await instead). Blocks the calling thread: for a
 * foreign thread. Thread-safe. */
WEFT_API WEFT_NODISCARD int weft_future_wait(weft_future *f, int64_t timeout_ns, int *status);
/* Waits for f from a task on any loop (f's own included) without blocking
 * that loop: the task parks and is woken when f completes. Returns 0 and
 * the outcome in *status (may be NULL); -ECANCELED / -ETIMEDOUT if the task
 * is interrupted first (f is not cancelled by that; it runs on); -EBUSY if
 * another task already awaits f; -EINVAL outside a task. Waits. */
WEFT_API WEFT_NODISCARD int weft_future_await(weft_future *f, int *status);
/* Asks for f's task to be cancelled: if fn has not started it never will
 * (f completes with -ECANCELED), else the task is cancelled (weft_cancel)
 * and f completes with whatever fn then returns. Idempotent; does nothing
 * once f has completed. Returns 0, or -EINVAL for NULL. Thread-safe; does
 * not wait (weft_future_wait for the outcome). */
WEFT_API int weft_future_cancel(weft_future *f);
/* 1 if f has completed, else 0. Thread-safe; does not wait. */
WEFT_API int weft_future_done(weft_future *f);
/* Releases the caller's reference (see weft_spawn_threadsafe). Does not
 * cancel: an unfinished task runs on and its outcome is dropped. Accepts
 * NULL. Thread-safe; does not wait. */
WEFT_API void weft_future_free(weft_future *f);

/* ========================================================= end threads */

#ifdef __cplusplus
}
#endif
#endif /* WEFT_IO_H */
