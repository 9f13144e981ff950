/* Layer 3: the lock's private layout, shared with the condition variable
 * (which releases and reacquires its lock around a wait). */
#ifndef WEFT_SYNC_LOCK_H
#define WEFT_SYNC_LOCK_H

#include "sync/wait.h"

struct weft__lock {
    weft_task *owner;  /* the holder, or NULL */
    weft__wq waiters;  /* tasks waiting to acquire, FIFO; non-empty only while owner != NULL */
    weft_loop *loop;   /* the owning loop (bound at first use) */
};

/* Makes the first waiter the owner (waking it), or frees the lock. */
void weft__lock_hand_on(struct weft__lock *l);
/* acquire's general path; interruptible == 0 makes an acquire that neither
 * cancellation nor deadlines can cut short (the condition's reacquire). */
int weft__lock_acquire_slow(struct weft__lock *l, int interruptible);

#endif
