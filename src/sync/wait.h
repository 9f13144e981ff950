/* Layer 3: what every sync primitive shares: the FIFO list of waiting
 * tasks, and the check that an object is used from its own loop.
 *
 * A waiter is a weft__sw record on the waiting task's stack: the core's
 * wait record plus the links of one primitive's wait list. Whoever makes
 * the object available takes the first waiter off the list (wq_pop) and
 * wakes it with a result; a cancellation or deadline that reaches a parked
 * waiter goes through weft__sw_cancel, which takes it off the list and
 * wakes it with the reason. So a waiter is on its list exactly while it is
 * parked and not yet woken (sw->q != NULL), and a woken waiter's task is
 * READY with the wake result in its task record.
 *
 * The hand-off race every primitive handles: a waiter woken with success
 * (handed a lock, a permit, an item, a signal) whose task is cancelled or
 * passes its deadline before it runs cannot be interrupted any more (it is
 * not parked). It finds out when it runs: weft__park returned 0 but
 * weft__check says the task is interrupted. It then passes what it was
 * handed on and returns the interruption. */
#ifndef WEFT_SYNC_WAIT_H
#define WEFT_SYNC_WAIT_H

#include <stdint.h>

#include "core/loop.h"

typedef struct weft__sw weft__sw;
typedef struct weft__wq {
    weft__sw *head, *tail;
} weft__wq;

struct weft__sw {
    weft__wait w;        /* the core's wait record (w.task parks on it) */
    weft__sw *next;      /* links in *q, FIFO */
    weft__sw *prev;
    weft__wq *q;         /* the list it is on; NULL once taken off */
    void *item;          /* queue: the item handed to a getter / offered by a putter */
    uint64_t seq;        /* priority queue: the item's insertion number */
};

static inline void wq_push(weft__wq *q, weft__sw *s)
{
    s->next = NULL;
    s->prev = q->tail;
    s->q = q;
    if (q->tail) q->tail->next = s;
    else q->head = s;
    q->tail = s;
}

static inline void wq_remove(weft__sw *s)
{
    weft__wq *q = s->q;
    if (s->prev) s->prev->next = s->next;
    else q->head = s->next;
    if (s->next) s->next->prev = s->prev;
    else q->tail = s->prev;
    s->q = NULL;
}

/* Takes the first waiter off q (q must not be empty). */
static inline weft__sw *wq_pop(weft__wq *q)
{
    weft__sw *s = q->head;
    q->head = s->next;
    if (q->head) q->head->prev = NULL;
    else q->tail = NULL;
    s->q = NULL;
    return s;
}

/* The cancel hook of every list wait: off the list, woken with reason. */
void weft__sw_cancel(weft__wait *w, int reason);

/* Parks the running task as waiter s on q (s->w.cancel and .what set by
 * the caller) and returns the wake result. */
static inline int wq_wait(weft__wq *q, weft__sw *s)
{
    wq_push(q, s);
    int rc = weft__park(&s->w);
    if (WEFT__UNLIKELY(s->q != NULL)) wq_remove(s); /* park refused at once */
    return rc;
}

/* Wakes every waiter of q with result. */
static inline void wq_wake_all(weft__wq *q, int result)
{
    while (q->head) weft__wake(&wq_pop(q)->w, result);
}

/* Whether t may go on without waiting: not cancelled, deadline ahead (the
 * inline part of weft__check; a shielded cancellation takes the slow path). */
#define WEFT__SYNC_CLEAR(L, t) (!((t)->flags & WEFT__CANCELLED) && (t)->deadline > (L)->now)

/* The slow path of the loop check: *owner is the object's loop, L the
 * caller's (NULL outside any loop). An unbound object, or an idle one
 * (busy == 0), is bound to L. A busy object of another loop is an error:
 * returns -EINVAL, and debug mode (of either loop) reports it. */
int weft__sync_bind(weft_loop **owner, weft_loop *L, int busy, const char *what, const void *obj);

/* Debug mode: prints "weft: <message>" for a misuse (printf-style). */
void weft__sync_report(weft_loop *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
