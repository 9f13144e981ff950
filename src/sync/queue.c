/* Layer 3: queues (asyncio.Queue, LifoQueue, PriorityQueue).
 *
 * The buffer holds the queued items: a ring for FIFO, a stack for LIFO, a
 * binary min-heap ordered by (cmp, insertion number) for PRIORITY, so equal
 * priorities come out in insertion order. Three wait lists hang off the
 * queue: getters (waiting for an item), putters (waiting for room, each
 * with the item it offers) and joiners (waiting for unfinished == 0).
 *
 * Hand-offs go straight to the waiter, with no second wake-up round: a put
 * that finds a getter waiting gives it the item (the item never enters the
 * buffer), and a get that makes room moves the first waiting putter's item
 * in and wakes that putter with success. An item handed to a getter is
 * "in flight" until the getter runs and still counts in the size (asyncio
 * counts it too: its item stays in the deque until the getter runs), so
 * the bound holds, and a getter that finds itself interrupted when it runs
 * gives the item back: to the next waiting getter, else to the front of the
 * buffer (a PRIORITY item to its old place: it keeps its insertion
 * number). Invariants:
 *
 *   count + inflight <= cap      every item in flight fits back in the buffer
 *   getters non-empty => count == 0
 *   putters non-empty => count + inflight >= limit (full)
 *   room == min(limit, cap), or 0 once closed
 *
 * The fast paths (an item is there; count + inflight < room: open, not
 * full, no need to grow) touch the buffer and the counters only. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft/sync.h"
#include "sync/wait.h"

struct pslot {
    void *item;
    uint64_t seq; /* insertion number: ties between equal priorities */
};

struct weft_queue {
    size_t count;       /* items in the buffer */
    size_t inflight;    /* items handed to getters that have not run yet */
    size_t room;        /* the put fast path's bound: min(limit, cap), 0 once closed */
    size_t limit;       /* maxsize, or SIZE_MAX when unbounded */
    size_t head;        /* FIFO: slot of the oldest item */
    size_t cap;         /* buffer slots (a power of two) */
    void **buf;         /* FIFO ring / LIFO stack (cap slots) */
    struct pslot *heap; /* PRIORITY heap (cap slots) */
    int kind;
    int closed;
    weft__wq getters;   /* tasks waiting for an item, FIFO */
    weft__wq putters;   /* tasks waiting for room, FIFO; sw.item is the item offered */
    weft__wq joiners;   /* tasks in weft_queue_join */
    size_t unfinished;  /* items put and not yet marked task_done */
    uint64_t seq;       /* PRIORITY: next insertion number */
    weft_queue_cmp cmp;
    size_t maxsize;     /* as given (0: unbounded) */
    weft_loop *loop;    /* the owning loop */
};

/* ------------------------------------------------------------- buffer */

static inline int before(const weft_queue *q, const struct pslot *a, const struct pslot *b)
{
    int c = q->cmp(a->item, b->item);
    return c < 0 || (c == 0 && a->seq < b->seq);
}

static void heap_push(weft_queue *q, void *item, uint64_t seq)
{
    struct pslot *h = q->heap, x = {item, seq};
    size_t i = q->count++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(q, &x, &h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static void *heap_pop(weft_queue *q)
{
    struct pslot *h = q->heap;
    void *top = h[0].item;
    size_t n = --q->count, i = 0;
    struct pslot x = h[n];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && before(q, &h[c + 1], &h[c])) c++;
        if (!before(q, &h[c], &x)) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
    return top;
}

/* Appends item (there is a free slot). */
static inline void buf_push(weft_queue *q, void *item, uint64_t seq)
{
    if (WEFT__LIKELY(q->kind == WEFT_QUEUE_FIFO)) {
        q->buf[(q->head + q->count++) & (q->cap - 1)] = item;
    } else if (q->kind == WEFT_QUEUE_LIFO) {
        q->buf[q->count++] = item;
    } else {
        heap_push(q, item, seq);
    }
}

/* Takes the next item (the buffer is not empty). */
static inline void *buf_pop(weft_queue *q)
{
    if (WEFT__LIKELY(q->kind == WEFT_QUEUE_FIFO)) {
        void *it = q->buf[q->head];
        q->head = (q->head + 1) & (q->cap - 1);
        q->count--;
        return it;
    }
    if (q->kind == WEFT_QUEUE_LIFO) return q->buf[--q->count];
    return heap_pop(q);
}

/* Puts an item that was handed out back where it came from: the front. */
static void buf_unget(weft_queue *q, void *item, uint64_t seq)
{
    if (q->kind == WEFT_QUEUE_FIFO) {
        q->head = (q->head - 1) & (q->cap - 1);
        q->buf[q->head] = item;
        q->count++;
    } else {
        buf_push(q, item, seq);
    }
}

/* Doubles the buffer. */
static int grow(weft_queue *q)
{
    size_t ncap = q->cap * 2;
    if (q->cap > SIZE_MAX / 2 / sizeof(struct pslot)) return -ENOMEM;
    if (q->kind == WEFT_QUEUE_PRIORITY) {
        struct pslot *h = realloc(q->heap, ncap * sizeof *h);
        if (!h) return -ENOMEM;
        q->heap = h;
    } else if (q->kind == WEFT_QUEUE_LIFO) {
        void **b = realloc(q->buf, ncap * sizeof *b);
        if (!b) return -ENOMEM;
        q->buf = b;
    } else { /* unroll the ring into the new buffer */
        void **b = malloc(ncap * sizeof *b);
        if (!b) return -ENOMEM;
        for (size_t i = 0; i < q->count; i++) b[i] = q->buf[(q->head + i) & (q->cap - 1)];
        free(q->buf);
        q->buf = b;
        q->head = 0;
    }
    q->cap = ncap;
    if (!q->closed) q->room = ncap < q->limit ? ncap : q->limit;
    return 0;
}

/* ------------------------------------------------------------ hand-offs */

/* Gives item to the first waiting getter, else to the buffer. */
static inline void deliver(weft_queue *q, void *item, uint64_t seq)
{
    if (q->getters.head) {
        weft__sw *g = wq_pop(&q->getters);
        g->item = item;
        g->seq = seq;
        q->inflight++;
        weft__wake(&g->w, 0);
    } else {
        buf_push(q, item, seq);
    }
}

/* Adds item to an open queue that is not full. */
static inline int add(weft_queue *q, void *item)
{
    if (WEFT__UNLIKELY(q->count + q->inflight >= q->cap) && grow(q) < 0) return -ENOMEM;
    q->unfinished++;
    deliver(q, item, q->seq++);
    return 0;
}

/* add when count + inflight < room (open, not full, no need to grow). */
static inline int add_fast(weft_queue *q, void *item)
{
    q->unfinished++;
    deliver(q, item, q->seq++);
    return 0;
}

/* Room was made: lets waiting putters' items in, in FIFO order. */
static void admit(weft_queue *q)
{
    while (q->putters.head && q->count + q->inflight < q->limit) {
        weft__sw *p = wq_pop(&q->putters);
        q->unfinished++;
        deliver(q, p->item, q->seq++);
        weft__wake(&p->w, 0);
    }
}

/* ------------------------------------------------------------------ API */

static int bind(weft_queue *q, weft_loop *L)
{
    int busy = q->getters.head || q->putters.head || q->joiners.head || q->inflight;
    return weft__sync_bind(&q->loop, L, busy, "queue", q);
}

int weft_queue_new(weft_queue **out, int kind, size_t maxsize, weft_queue_cmp cmp)
{
    weft_loop *L = weft__L;
    if (!out || !L || kind < WEFT_QUEUE_FIFO || kind > WEFT_QUEUE_PRIORITY) return -EINVAL;
    if ((kind == WEFT_QUEUE_PRIORITY) != (cmp != NULL)) return -EINVAL;
    weft_queue *q = calloc(1, sizeof *q);
    if (!q) return -ENOMEM;
    q->kind = kind;
    q->maxsize = maxsize;
    q->limit = maxsize ? maxsize : SIZE_MAX;
    q->cmp = cmp;
    q->loop = L;
    size_t cap = 16;
    while (cap < maxsize && cap < 1024) cap *= 2;
    q->cap = cap;
    q->room = cap < q->limit ? cap : q->limit;
    if (kind == WEFT_QUEUE_PRIORITY) q->heap = malloc(cap * sizeof *q->heap);
    else q->buf = malloc(cap * sizeof *q->buf);
    if (!q->heap && !q->buf) {
        free(q);
        return -ENOMEM;
    }
    *out = q;
    return 0;
}

/* put and get: a fast path for the common case (the caller's own loop, a
 * task not cancelled and before its deadline, an open queue), and a checked
 * path for everything else that validates, then does the same. */

/* put when the fast path did not apply: closed, full, or the buffer must grow. */
static __attribute__((noinline)) int put_body(weft_queue *q, void *item)
{
    if (q->closed) return -EPIPE;
    if (q->count + q->inflight < q->limit) return add(q, item);
    weft__sw s;
    s.w.cancel = weft__sw_cancel;
    s.w.what = "queue put";
    s.item = item;
    /* 0: a getter moved the item in; -EPIPE: closed; or the interruption */
    return wq_wait(&q->putters, &s);
}

static __attribute__((noinline)) int put_checked(weft_queue *q, void *item)
{
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t || !q || (q->loop != L && bind(q, L) < 0)) return -EINVAL;
    int rc = weft__check(L, t);
    if (rc) return rc;
    return put_body(q, item);
}

int weft_queue_put(weft_queue *q, void *item)
{
    weft_loop *L = weft__L;
    weft_task *t;
    if (WEFT__UNLIKELY(!q || q->loop != L || !(t = L->current) || !WEFT__SYNC_CLEAR(L, t)))
        return put_checked(q, item);
    if (WEFT__LIKELY(q->count + q->inflight < q->room)) return add_fast(q, item);
    return put_body(q, item);
}

/* Parks as a getter; only q and item are live across the park. */
static __attribute__((noinline)) int get_wait(weft_queue *q, void **item)
{
    weft__sw s;
    s.w.cancel = weft__sw_cancel;
    s.w.what = "queue get";
    wq_push(&q->getters, &s);
    int rc = weft__park(&s.w);
    if (WEFT__UNLIKELY(rc != 0)) {
        if (s.q) wq_remove(&s); /* park refused at once */
        return rc;
    }
    /* success: whoever woke us took us off the list and gave us s.item */
    q->inflight--;
    weft_loop *L = weft__L;
    weft_task *t = L->current;
    if (WEFT__UNLIKELY(!WEFT__SYNC_CLEAR(L, t)) && (rc = weft__check(L, t)) != 0) {
        /* handed an item as the interruption came: leave it to the next getter */
        if (q->getters.head) deliver(q, s.item, s.seq);
        else buf_unget(q, s.item, s.seq);
        return rc;
    }
    *item = s.item;
    if (q->putters.head) admit(q);
    return 0;
}

static inline int get_body(weft_queue *q, void **item)
{
    if (WEFT__LIKELY(q->count != 0)) {
        *item = buf_pop(q);
        if (q->putters.head) admit(q);
        return 0;
    }
    if (q->closed) return -EPIPE;
    return get_wait(q, item);
}

static __attribute__((noinline)) int get_checked(weft_queue *q, void **item)
{
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t || !q || !item || (q->loop != L && bind(q, L) < 0)) return -EINVAL;
    int rc = weft__check(L, t);
    if (rc) return rc;
    return get_body(q, item);
}

int weft_queue_get(weft_queue *q, void **item)
{
    weft_loop *L = weft__L;
    weft_task *t;
    if (WEFT__UNLIKELY(!q || !item || q->loop != L || !(t = L->current) ||
                       !WEFT__SYNC_CLEAR(L, t)))
        return get_checked(q, item);
    return get_body(q, item);
}

int weft_queue_try_put(weft_queue *q, void *item)
{
    weft_loop *L = weft__L;
    if (!q || (q->loop != L && bind(q, L) < 0)) return -EINVAL;
    if (q->closed) return -EPIPE;
    if (q->count + q->inflight >= q->limit) return -EAGAIN;
    return add(q, item);
}

int weft_queue_try_get(weft_queue *q, void **item)
{
    weft_loop *L = weft__L;
    if (!q || !item || (q->loop != L && bind(q, L) < 0)) return -EINVAL;
    if (q->count == 0) return q->closed ? -EPIPE : -EAGAIN;
    *item = buf_pop(q);
    if (q->putters.head) admit(q);
    return 0;
}

int weft_queue_task_done(weft_queue *q)
{
    weft_loop *L = weft__L;
    if (!q || (q->loop != L && bind(q, L) < 0)) return -EINVAL;
    if (q->unfinished == 0) {
        weft__sync_report(L, "weft_queue_task_done called more times than items were put "
                             "(queue %p)", (void *)q);
        return -EINVAL;
    }
    if (--q->unfinished == 0) wq_wake_all(&q->joiners, 0);
    return 0;
}

int weft_queue_join(weft_queue *q)
{
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    if (!t || !q || (q->loop != L && bind(q, L) < 0)) return -EINVAL;
    int rc = weft__check(L, t);
    if (rc) return rc;
    if (q->unfinished == 0) return 0;
    weft__sw s = {.w = {.cancel = weft__sw_cancel, .what = "queue join"}};
    return wq_wait(&q->joiners, &s);
}

int weft_queue_close(weft_queue *q)
{
    weft_loop *L = weft__L;
    if (!q || (q->loop != L && bind(q, L) < 0)) return -EINVAL;
    q->closed = 1;
    q->room = 0;
    wq_wake_all(&q->putters, -EPIPE);
    wq_wake_all(&q->getters, -EPIPE); /* they wait only while nothing is left */
    return 0;
}

size_t weft_queue_size(const weft_queue *q) { return q ? q->count + q->inflight : 0; }

size_t weft_queue_maxsize(const weft_queue *q) { return q ? q->maxsize : 0; }

void weft_queue_free(weft_queue *q)
{
    if (!q) return;
    if (q->getters.head || q->putters.head || q->joiners.head || q->inflight) {
        weft__sync_report(weft__L, "weft_queue_free of queue %p while tasks still wait on it",
                          (void *)q);
        q->closed = 1;
        wq_wake_all(&q->putters, -EPIPE);
        wq_wake_all(&q->getters, -EPIPE);
        wq_wake_all(&q->joiners, -EPIPE);
    }
    free(q->buf);
    free(q->heap);
    free(q);
}
