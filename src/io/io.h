/* Layer 4a: running backend operations as task waits, and what the io
 * files share. */
#ifndef WEFT_IO_IO_H
#define WEFT_IO_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "core/backend.h"
#include "core/loop.h"

/* Runs op for the running task: -ECANCELED / -ETIMEDOUT at once if a wait
 * would be interrupted now; else starts op and, if it must wait, parks
 * until it finishes. A cancellation or deadline while it waits cancels
 * the op, and the call returns only once the backend has finished with
 * it: with the op's result if it completed anyway (no data or fd is lost),
 * else with the interruption. op->w.what names the wait. Caller: a task. */
int weft__io_wait(weft_loop *L, weft__io *op);
/* The same without the cancellation point: waits until op finishes,
 * whatever happens to the task (closing, cleanup). */
int weft__io_wait_nocancel(weft_loop *L, weft__io *op);
/* Runs a file opcode (WEFT__OP_PREAD..CLOSE) without blocking the loop:
 * on the backend when it has WEFT__CAP_FILES, else as a blocking call on a
 * worker thread while the task waits (offload.c). Same returns as
 * weft__io_wait; once the call has reached the worker it always runs to
 * completion and the task waits for it. */
int weft__io_file(weft_loop *L, weft__io *op);
/* Runs op's blocking system call on a worker thread and waits for it
 * (offload.c); cancellable = 0 skips the cancellation point (a close must
 * happen). The one place that owns threads in this layer: the general
 * thread pool (weft_to_thread) is meant to replace its body. */
int weft__io_offload(weft_loop *L, weft__io *op, int cancellable);

/* The loop and task of the caller, or -EINVAL outside a task. */
#define WEFT__IO_TASK(L)                                                                           \
    weft_loop *L = weft__L;                                                                        \
    if (WEFT__UNLIKELY(!L || !L->current)) return -EINVAL

#endif
