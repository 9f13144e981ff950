/* Layer 3: the barrier (asyncio.Barrier).
 *
 * The waiters of the current round sit on a FIFO list; the task that
 * completes the round wakes them all at once with their arrival index as
 * the wake result and the barrier is immediately empty for the next round
 * (asyncio's draining phase is not needed: the round's outcome travels in
 * the wake). A waiter interrupted before the round completes leaves it. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>

#include "weft/sync.h"
#include "sync/wait.h"

struct barrier {
    size_t parties;   /* tasks per round */
    size_t count;     /* waiting in this round */
    weft__wq waiters; /* this round's waiters, in arrival order */
    weft_loop *loop;  /* the owning loop (bound at first use) */
    int broken;       /* aborted: every wait fails with -EPIPE until reset */
};

static_assert(sizeof(struct barrier) == sizeof(weft_barrier), "weft_barrier size");
static_assert(_Alignof(struct barrier) == _Alignof(weft_barrier), "weft_barrier alignment");
static_assert(offsetof(struct barrier, parties) == offsetof(weft_barrier, _parties),
              "weft_barrier parties field");

#define BAR(b) ((struct barrier *)(b))

void weft_barrier_init(weft_barrier *b, size_t parties)
{
    *b = (weft_barrier)WEFT_BARRIER_INIT(parties);
}

static int bind(struct barrier *b, weft_loop *L)
{
    return b->loop == L ? 0 : weft__sync_bind(&b->loop, L, b->waiters.head != NULL, "barrier", b);
}

static void barrier_cancel(weft__wait *w, int reason)
{
    weft__sw *s = WEFT__CONTAINER(w, weft__sw, w);
    struct barrier *b = s->item;
    b->count--; /* the waiter leaves the round */
    weft__sw_cancel(w, reason);
}

int weft_barrier_wait(weft_barrier *bp)
{
    struct barrier *b = BAR(bp);
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t || b->parties == 0 || bind(b, L) < 0) return -EINVAL;
    int rc = weft__check(L, t);
    if (rc) return rc;
    if (b->broken) return -EPIPE;
    if (b->count + 1 == b->parties) { /* the round is complete: everyone passes */
        int i = 0;
        while (b->waiters.head) weft__wake(&wq_pop(&b->waiters)->w, i++);
        b->count = 0;
        return i;
    }
    b->count++;
    weft__sw s = {.w = {.cancel = barrier_cancel, .what = "barrier"}, .item = b};
    rc = wq_wait(&b->waiters, &s);
    return rc;
}

int weft_barrier_abort(weft_barrier *bp)
{
    struct barrier *b = BAR(bp);
    if (bind(b, weft__L) < 0) return -EINVAL;
    b->broken = 1;
    b->count = 0;
    wq_wake_all(&b->waiters, -EPIPE);
    return 0;
}

int weft_barrier_reset(weft_barrier *bp)
{
    struct barrier *b = BAR(bp);
    if (bind(b, weft__L) < 0) return -EINVAL;
    b->count = 0;
    wq_wake_all(&b->waiters, -EPIPE);
    b->broken = 0;
    return 0;
}

size_t weft_barrier_waiting(const weft_barrier *b) { return BAR(b)->count; }

int weft_barrier_broken(const weft_barrier *b) { return BAR(b)->broken; }
