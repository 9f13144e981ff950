/* Layer 4a: an operation as a task wait (see io.h).
 *
 * The wait record is the op's own (op->w): done wakes the task; the cancel
 * hook asks the backend to cancel the op and records the reason, and the
 * wake then comes from done, once the backend has let go of the op.
 *
 * Fairness: on epoll an op that succeeds at its first try never parks, so
 * a task reading a fast peer could keep the loop from polling. Every 32nd
 * op in a row that did not park lets the loop take its turn when the run
 * budget is spent (weft_yield does that check cheaply). */
#include <errno.h>

#include "io/io.h"

static __thread unsigned streak;

static void io_done(weft__io *op, int res)
{
    if (res < 0 && (op->w.flags & WEFT__INTERRUPTING)) res = op->reason;
    weft__wake(&op->w, res);
}

static void io_interrupt(weft__wait *w, int reason)
{
    weft__io *op = WEFT__CONTAINER(w, weft__io, w);
    weft_loop *L = w->task->loop;
    op->reason = reason;
    L->be->cancel(L, op);
}

static const char *const op_names[WEFT__OP_COUNT] = {
    "read",    "write",   "recv", "send",  "recvmsg", "sendmsg", "accept",
    "connect", "poll",    "file read", "file write", "open", "fsync", "close", "recv (multishot)",
};

static int wait_op(weft_loop *L, weft__io *op, weft__cancel_fn cancel)
{
    op->done = io_done;
    int rc = L->be->start(L, op);
    if (rc != -EINPROGRESS) {
        if (WEFT__UNLIKELY((++streak & 31) == 0)) WEFT_IGNORE(weft_yield());
        return rc;
    }
    streak = 0;
    op->w.cancel = cancel;
    if (!op->w.what) op->w.what = op_names[op->op];
    return weft__park(&op->w);
}

int weft__io_wait(weft_loop *L, weft__io *op)
{
    int rc = weft__check(L, L->current);
    if (WEFT__UNLIKELY(rc)) return rc;
    return wait_op(L, op, io_interrupt);
}

int weft__io_wait_nocancel(weft_loop *L, weft__io *op) { return wait_op(L, op, NULL); }

int weft__io_file(weft_loop *L, weft__io *op)
{
    if (L->be_caps & WEFT__CAP_FILES) return weft__io_wait(L, op);
    return weft__io_offload(L, op, 1);
}
