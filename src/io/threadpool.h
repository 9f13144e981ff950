/* Layer 4a: the worker pool behind weft_to_thread (and, on backends
 * without asynchronous file operations, the blocking file calls and the
 * getaddrinfo fallback of the resolver).
 *
 * One pool per loop (L->ext[WEFT__EXT_POOL]), created at the first job,
 * torn down when the loop ends. Workers are started lazily, one whenever a
 * job is queued and no idle worker is free to take it, up to the loop's
 * `threads` option (0: the number of CPUs the process may run on). They
 * block every signal, so the loop's thread receives SIGINT/SIGTERM.
 *
 * A job is a record its submitter owns (on a task's stack, or on the heap
 * for a job nobody waits for). It travels:
 *
 *   submit (loop thread)   queued under the pool's mutex; io_inflight++
 *   a worker takes it      RUNNING: from now on fn(arg) will run to the end
 *   fn returns             the worker posts j->post to the loop
 *                          (weft__loop_post: one wake-up at most, and none
 *                          while the loop is busy) and never touches j again
 *   the loop drains it     io_inflight--, then j->done(j) on the loop thread
 *
 * A job still QUEUED can be taken back (weft__tpool_unqueue): fn never runs
 * and done is not called. When the loop ends, jobs still queued are dropped
 * (done is called with status -ECANCELED, fn never ran) and running ones
 * are waited for. */
#ifndef WEFT_IO_THREADPOOL_H
#define WEFT_IO_THREADPOOL_H

#include "core/loop.h"

typedef struct weft__job weft__job;
struct weft__job {
    weft__job *next, *prev;         /* the pool's queue (under its mutex) */
    weft_fn fn;
    void *arg;
    void (*done)(weft__job *j);     /* on the loop thread once fn returned */
    int status;                     /* fn's result (-ECANCELED: dropped at loop end) */
    int state;                      /* WEFT__JOB_* (under the pool's mutex) */
    weft_loop *loop;
    weft__post post;                /* the completion message */
};

enum { WEFT__JOB_IDLE, WEFT__JOB_QUEUED, WEFT__JOB_RUNNING };

/* Queues j (fn, arg and done set by the caller) on L's pool, creating the
 * pool or a worker as needed. Returns 0, -ENOMEM, or -EAGAIN when not a
 * single worker thread could be started. Loop thread only; does not wait. */
int weft__tpool_submit(weft_loop *L, weft__job *j);
/* Takes j back if no worker has taken it yet: returns 1 (fn will never run,
 * done will not be called), else 0 (fn runs or has run; done will come).
 * Loop thread only. */
int weft__tpool_unqueue(weft_loop *L, weft__job *j);
/* Runs fn(arg) on L's pool while the calling task waits: weft_to_thread's
 * contract (include/weft/io.h) with an explicit loop. Returns fn's status,
 * or -ECANCELED / -ETIMEDOUT if the task was interrupted (after fn
 * finished, or before a worker took it: then fn never ran), -ENOMEM,
 * -EAGAIN. When it returns, fn is not running. Task context; waits. */
int weft__tpool_run(weft_loop *L, weft_fn fn, void *arg);
/* Worker threads started so far (0 before the first job). Loop thread. */
int weft__tpool_threads(weft_loop *L);
/* The pool size a loop would use (its `threads` option, or the CPUs). */
int weft__tpool_size(weft_loop *L);

#endif
