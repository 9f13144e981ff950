/* Layer 1: slot waits: the one task waiting on an object with room for one
 * waiter (see loop.h). */
#include <errno.h>

#include "core/loop.h"

void weft__slot_cancel(weft__wait *w, int reason)
{
    weft__slotw *sw = WEFT__CONTAINER(w, weft__slotw, w);
    if (*sw->slot == w) *sw->slot = NULL;
    weft__wake(w, reason);
}

int weft__slot_wait_with(weft__wait **slot, weft__slotw *sw, weft__cancel_fn cancel)
{
    weft_loop *L = weft__L;
    if (!L || !L->current) return -EINVAL;
    if (*slot) return -EBUSY;
    if (cancel) {
        int rc = weft__check(L, L->current);
        if (rc) return rc;
    }
    sw->w.cancel = cancel;
    if (!sw->w.what) sw->w.what = "wait";
    sw->slot = slot;
    *slot = &sw->w;
    return weft__park_commit(&sw->w);
}

int weft__slot_wait(weft__wait **slot, const char *what, int interruptible)
{
    weft__slotw sw = {.w = {.what = what}};
    return weft__slot_wait_with(slot, &sw, interruptible ? weft__slot_cancel : NULL);
}
