/* Layer 3: the event (asyncio.Event): a flag and the tasks waiting for it.
 * Invariant: waiters is empty while the flag is set (set wakes them all). */
#include <assert.h>
#include <errno.h>

#include "weft/sync.h"
#include "sync/wait.h"

struct event {
    weft__wq waiters; /* tasks waiting for the flag, FIFO */
    weft_loop *loop;  /* the owning loop (bound at first use) */
    int set;
};

static_assert(sizeof(struct event) == sizeof(weft_event), "weft_event size");
static_assert(_Alignof(struct event) == _Alignof(weft_event), "weft_event alignment");

#define EV(e) ((struct event *)(e))

void weft_event_init(weft_event *e) { *e = (weft_event)WEFT_EVENT_INIT; }

static int bind(struct event *e, weft_loop *L)
{
    return e->loop == L ? 0 : weft__sync_bind(&e->loop, L, e->waiters.head != NULL, "event", e);
}

int weft_event_set(weft_event *ev)
{
    struct event *e = EV(ev);
    if (bind(e, weft__L) < 0) return -EINVAL;
    if (e->set) return 0;
    e->set = 1;
    wq_wake_all(&e->waiters, 0);
    return 0;
}

int weft_event_clear(weft_event *ev)
{
    struct event *e = EV(ev);
    if (bind(e, weft__L) < 0) return -EINVAL;
    e->set = 0;
    return 0;
}

int weft_event_is_set(const weft_event *ev) { return EV(ev)->set; }

int weft_event_wait(weft_event *ev)
{
    struct event *e = EV(ev);
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t || bind(e, L) < 0) return -EINVAL;
    int rc = weft__check(L, t);
    if (rc) return rc;
    if (e->set) return 0;
    weft__sw s = {.w = {.cancel = weft__sw_cancel, .what = "event"}};
    return wq_wait(&e->waiters, &s);
}
