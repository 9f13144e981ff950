/* Sync primitives: lock, event, condition, semaphore, barrier, queue,
 * generator (patterns 11-15 of docs/patterns.md).
 *
 * Everything here is built on the core's one mechanism: a task that has to
 * wait parks on the object, in FIFO order, and whoever makes the object
 * available hands it straight to the first waiter (the lock to the next
 * owner, the permit to the next acquirer, the item to the next getter), so
 * no waiter can be overtaken and none is woken for nothing.
 *
 * Waiting calls are marked "Waits": each is a cancellation point and returns
 * -ECANCELED once its task has been cancelled (sticky) and -ETIMEDOUT once a
 * deadline scope around it has expired, checked on entry too. Nothing is
 * lost when an interruption and a hand-off cross: a waiter that was handed
 * a lock, a permit, a condition signal or a queue item in the instant its
 * task was cancelled passes it on to the next waiter (or back to the
 * object) and returns the interruption.
 *
 * The small objects (weft_lock, weft_event, weft_cond, weft_sem,
 * weft_barrier) are fixed-size structs the caller owns, usable without heap
 * allocation: initialise them with their _INIT macro (static or automatic
 * storage) or their _init function; their fields are private. Queues and
 * generators hold buffers and tasks and come with _new/_free.
 *
 * An object belongs to the loop that first uses it (queues and generators:
 * the loop that made them) and is not thread-safe: a call from another
 * thread while the object is in use fails with -EINVAL, and debug mode
 * prints a report naming the object. An idle object (nobody holds or waits
 * on it) may move to another loop, so a static lock survives successive
 * weft_run calls. Unless said otherwise, the calls below must run inside a
 * task; the non-waiting ones (set, release, try_*, close...) may also run in
 * the loop's own context (a callback posted to the loop). */
#ifndef WEFT_SYNC_H
#define WEFT_SYNC_H

#include <stddef.h>
#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------------------- lock */

/* A lock (asyncio.Lock): one task holds it at a time; others wait in FIFO
 * order and the releaser hands it to the first of them (no barging). The
 * uncontended acquire and release are a few loads and stores: they never
 * touch the scheduler. Not re-entrant. */
typedef struct weft_lock {
    void *_private[4];
} weft_lock;
#define WEFT_LOCK_INIT {{0}}

/* Initialises l as unlocked (same as WEFT_LOCK_INIT). Never fails. */
WEFT_API void weft_lock_init(weft_lock *l);
/* Acquires l, waiting while another task holds it. Returns 0 (the caller
 * now holds l), -ECANCELED, -ETIMEDOUT, -EDEADLK if the caller already
 * holds it, -EINVAL outside a task or from the wrong loop. A waiter
 * interrupted just as the lock was handed to it passes it on. Waits. */
WEFT_API WEFT_NODISCARD int weft_lock_acquire(weft_lock *l);
/* Acquires l if it is free: 0, else -EAGAIN (-EINVAL outside a task or
 * from the wrong loop). Does not wait. */
WEFT_API WEFT_NODISCARD int weft_lock_try_acquire(weft_lock *l);
/* Releases l and hands it to the first waiter, if any. Returns 0, or
 * -EPERM when the caller does not hold l (held by another task, or not
 * held at all); debug mode then prints both tasks' names. Does not wait:
 * safe on every cleanup path, cancelled or not. */
WEFT_API int weft_lock_release(weft_lock *l);
/* 1 if some task holds l, else 0. */
WEFT_API int weft_lock_locked(const weft_lock *l);

/* ---------------------------------------------------------------- event */

/* An event (asyncio.Event): a flag tasks can wait for. set wakes every
 * waiter; wait returns at once while the flag is set. */
typedef struct weft_event {
    void *_private[4];
} weft_event;
#define WEFT_EVENT_INIT {{0}}

/* Initialises e as clear. Never fails. */
WEFT_API void weft_event_init(weft_event *e);
/* Sets the flag and wakes every waiting task. Returns 0 (-EINVAL from the
 * wrong loop). Does not wait. */
WEFT_API int weft_event_set(weft_event *e);
/* Clears the flag. Returns 0 (-EINVAL from the wrong loop). */
WEFT_API int weft_event_clear(weft_event *e);
/* 1 if the flag is set, else 0. */
WEFT_API int weft_event_is_set(const weft_event *e);
/* Waits until the flag is set; returns 0 at once if it is. -ECANCELED,
 * -ETIMEDOUT, -EINVAL. A waiter that was woken by set keeps its 0 even if
 * its cancellation arrives before it runs (the event did happen; the next
 * wait reports the cancellation). Waits. */
WEFT_API WEFT_NODISCARD int weft_event_wait(weft_event *e);

/* ------------------------------------------------------------ condition */

/* A condition variable (asyncio.Condition) bound to a lock: wait, notify
 * and notify_all require the caller to hold that lock. notify wakes waiters
 * in FIFO order; a woken waiter gets the lock back before its wait
 * returns. */
typedef struct weft_cond {
    weft_lock *_lock;
    void *_private[3];
} weft_cond;
/* Static initialiser: weft_cond c = WEFT_COND_INIT(&lock); */
#define WEFT_COND_INIT(lock) {(lock), {0}}

/* Initialises c over lock (which the caller keeps alive). Never fails. */
WEFT_API void weft_cond_init(weft_cond *c, weft_lock *lock);
/* Releases the lock, waits for a notify, and reacquires the lock before
 * returning, on every return path (even when interrupted: the reacquire
 * itself cannot be interrupted). Returns 0 when notified, -ECANCELED,
 * -ETIMEDOUT, -EPERM if the caller does not hold the lock, -EINVAL. A
 * waiter interrupted just after it was notified passes the notification on
 * to the next waiter. Waits. */
WEFT_API WEFT_NODISCARD int weft_cond_wait(weft_cond *c);
/* asyncio's Condition.wait_for: waits until pred(arg) returns nonzero,
 * checking it first and after every wake-up, lock held throughout the
 * checks. Returns 0, or what weft_cond_wait returned. Waits. */
WEFT_API WEFT_NODISCARD int weft_cond_wait_pred(weft_cond *c, int (*pred)(void *arg), void *arg);
/* Wakes up to n waiters (FIFO). Returns how many were woken, or -EPERM
 * when the caller does not hold the lock. Does not wait. */
WEFT_API int weft_cond_notify(weft_cond *c, size_t n);
/* Wakes every waiter. Same returns as weft_cond_notify. */
WEFT_API int weft_cond_notify_all(weft_cond *c);

/* ------------------------------------------------------------ semaphore */

/* A counting semaphore (asyncio.Semaphore) and its bounded variant
 * (asyncio.BoundedSemaphore, whose release past the initial value is an
 * error). Acquirers wait in FIFO order and a release hands its permit to
 * the first of them, so a newcomer never overtakes a waiter. */
typedef struct weft_sem {
    size_t _value;
    size_t _bound;
    void *_private[3];
} weft_sem;
#define WEFT_SEM_INIT(n) {(size_t)(n), (size_t)-1, {0}}
#define WEFT_BOUNDED_SEM_INIT(n) {(size_t)(n), (size_t)(n), {0}}

/* Initialises s with value permits. Never fails. */
WEFT_API void weft_sem_init(weft_sem *s, size_t value);
/* Initialises a bounded semaphore: releasing past value is an error. */
WEFT_API void weft_sem_init_bounded(weft_sem *s, size_t value);
/* Takes a permit, waiting while none is free. Returns 0, -ECANCELED,
 * -ETIMEDOUT, -EINVAL. A waiter interrupted just as a permit was handed to
 * it passes the permit on. Waits. */
WEFT_API WEFT_NODISCARD int weft_sem_acquire(weft_sem *s);
/* Takes a permit if one is free (and nobody waits): 0, else -EAGAIN. Does
 * not wait. */
WEFT_API WEFT_NODISCARD int weft_sem_try_acquire(weft_sem *s);
/* Returns a permit, handing it to the first waiter if any. Returns 0, or
 * -EOVERFLOW for a bounded semaphore already at its initial value (debug
 * mode also prints it). Does not wait: safe on every cleanup path. */
WEFT_API int weft_sem_release(weft_sem *s);
/* The number of free permits. */
WEFT_API size_t weft_sem_value(const weft_sem *s);

/* -------------------------------------------------------------- barrier */

/* A barrier (asyncio.Barrier): parties tasks wait for each other, then all
 * pass together and the barrier is ready for the next round. A waiter
 * cancelled before the round completes leaves it (the others keep
 * waiting). abort breaks the barrier: waiters and later callers get
 * -EPIPE until reset. */
typedef struct weft_barrier {
    size_t _parties;
    void *_private[5];
} weft_barrier;
#define WEFT_BARRIER_INIT(parties) {(size_t)(parties), {0}}

/* Initialises b for parties tasks (parties >= 1; 0 makes every wait fail
 * with -EINVAL). Never fails. */
WEFT_API void weft_barrier_init(weft_barrier *b, size_t parties);
/* Waits until parties tasks are waiting, then returns this task's index in
 * the round, 0 .. parties-1 in arrival order (unique within the round).
 * Returns -EPIPE if the barrier is or becomes broken (abort, reset),
 * -ECANCELED, -ETIMEDOUT (the task has left the round), -EINVAL. Waits. */
WEFT_API WEFT_NODISCARD int weft_barrier_wait(weft_barrier *b);
/* Breaks the barrier: every waiter and every later wait gets -EPIPE until
 * reset. Returns 0. Does not wait. */
WEFT_API int weft_barrier_abort(weft_barrier *b);
/* Empties the barrier and clears a broken state; current waiters get
 * -EPIPE. Returns 0. Does not wait. */
WEFT_API int weft_barrier_reset(weft_barrier *b);
/* The number of tasks waiting in the current round. */
WEFT_API size_t weft_barrier_waiting(const weft_barrier *b);
/* 1 if the barrier is broken, else 0. */
WEFT_API int weft_barrier_broken(const weft_barrier *b);

/* ---------------------------------------------------------------- queue */

/* A queue of void * items (asyncio.Queue, LifoQueue, PriorityQueue) with
 * an optional bound: put waits while maxsize items are queued
 * (backpressure); get waits while none is. Items are handed straight to a
 * waiting getter, and a waiting putter's item goes in as soon as there is
 * room, in FIFO order of the waiters. An item handed to a getter still
 * counts in the size until that getter runs (as in asyncio), and a getter
 * interrupted in that instant leaves the item to the next getter.
 *
 * task_done/join count work (asyncio's unfinished tasks): every item put
 * adds one, task_done subtracts one, join waits for zero.
 *
 * close is the clean shutdown the seeds fake with None sentinels: putters
 * (waiting or later) get -EPIPE at once; getters drain what is left and
 * then get -EPIPE. The queue never owns what the items point to. */
typedef struct weft_queue weft_queue;

/* Queue kinds. */
#define WEFT_QUEUE_FIFO 0
#define WEFT_QUEUE_LIFO 1
#define WEFT_QUEUE_PRIORITY 2

/* A priority queue's order: < 0 when item a must come out before item b,
 * 0 when they are equal (equal items come out in insertion order), > 0
 * otherwise. */
typedef int (*weft_queue_cmp)(const void *a, const void *b);

/* Creates a queue of kind WEFT_QUEUE_FIFO, _LIFO or _PRIORITY holding at
 * most maxsize items (0: unbounded); cmp orders a PRIORITY queue (required
 * there, NULL otherwise). Returns 0, -ENOMEM, or -EINVAL (bad kind, missing
 * cmp, outside a loop). The queue belongs to the caller's loop. */
WEFT_API WEFT_NODISCARD int weft_queue_new(weft_queue **q, int kind, size_t maxsize,
                                           weft_queue_cmp cmp);
/* Adds item, waiting while the queue is full. Returns 0, -EPIPE if the
 * queue is or becomes closed (the item was not added), -ECANCELED,
 * -ETIMEDOUT (not added), -ENOMEM (unbounded queue), -EINVAL. A put that
 * completed reports 0 even if its cancellation arrived as it did. Waits. */
WEFT_API WEFT_NODISCARD int weft_queue_put(weft_queue *q, void *item);
/* Takes the next item (FIFO: oldest; LIFO: newest; PRIORITY: lowest by cmp,
 * oldest among equals) into *item, waiting while the queue is empty.
 * Returns 0, -EPIPE once the queue is closed and empty, -ECANCELED,
 * -ETIMEDOUT, -EINVAL. Waits. */
WEFT_API WEFT_NODISCARD int weft_queue_get(weft_queue *q, void **item);
/* put without waiting: 0, -EAGAIN when full, -EPIPE when closed, -ENOMEM,
 * -EINVAL. */
WEFT_API WEFT_NODISCARD int weft_queue_try_put(weft_queue *q, void *item);
/* get without waiting: 0, -EAGAIN when empty, -EPIPE when closed and
 * empty, -EINVAL. */
WEFT_API WEFT_NODISCARD int weft_queue_try_get(weft_queue *q, void **item);
/* Marks one item taken earlier as processed. Returns 0, or -EINVAL when
 * called more times than items were put. Does not wait. */
WEFT_API int weft_queue_task_done(weft_queue *q);
/* Waits until every item put has been marked done (returns at once when
 * none is outstanding). Returns 0, -ECANCELED, -ETIMEDOUT, -EINVAL. Waits. */
WEFT_API WEFT_NODISCARD int weft_queue_join(weft_queue *q);
/* Closes the queue: waiting putters get -EPIPE (their items were not
 * added), waiting getters get -EPIPE when nothing is left, later puts fail
 * with -EPIPE and later gets drain what is left, then get -EPIPE.
 * Idempotent; returns 0. Does not wait. */
WEFT_API int weft_queue_close(weft_queue *q);
/* Items queued (including ones handed to getters that have not run yet). */
WEFT_API size_t weft_queue_size(const weft_queue *q);
/* The bound given to weft_queue_new (0: unbounded). */
WEFT_API size_t weft_queue_maxsize(const weft_queue *q);
/* Frees q. Items still queued are dropped (the queue never owned what they
 * point to). No task may still be using q; tasks still waiting on it are
 * woken with -EPIPE (and debug mode reports it). Accepts NULL. */
WEFT_API void weft_queue_free(weft_queue *q);

/* ------------------------------------------------------------ generator */

/* An async generator (`async for`): a producer function that yields items
 * one at a time to a consumer. Lazy: the producer starts at the first
 * weft_gen_next and runs only while serving a next, up to its next yield.
 * While it serves a next, the consumer's cancellation and deadlines apply
 * to the producer's waits, as an asyncio async generator runs inside its
 * consumer's task (the producer runs as a task of its own whose
 * cancellation and deadline mirror the consumer's; docs/design.md).
 * weft_gen_close cancels the producer at its yield and waits while its
 * cleanup runs. */
typedef struct weft_gen weft_gen;
/* A producer: yields items with weft_gen_yield(g, item) and returns its
 * status (>= 0: exhausted normally; < 0: an error the consumer's next
 * reports once). */
typedef int (*weft_gen_fn)(weft_gen *g, void *arg);

/* Creates a generator over fn(g, arg); nothing runs yet. Returns 0,
 * -ENOMEM, -EINVAL (no fn, outside a loop). */
WEFT_API WEFT_NODISCARD int weft_gen_new(weft_gen **g, weft_gen_fn fn, void *arg);
/* In the producer: hands item to the consumer and waits until the next
 * weft_gen_next asks for another. Returns 0 (produce the next one), or
 * -ECANCELED when the generator is being closed or the producer was
 * cancelled: then clean up and return. -EINVAL when not called by g's
 * producer, or with a shield open (a shield may not span a yield). Waits. */
WEFT_API WEFT_NODISCARD int weft_gen_yield(weft_gen *g, void *item);
/* In the consumer: runs the producer up to its next yield and hands the
 * item back through *item. Returns 0; -EPIPE once the producer has returned
 * (exhausted); the producer's own negative status, once, when it failed;
 * -ECANCELED / -ETIMEDOUT when the consumer is interrupted (the producer's
 * waits are interrupted too; an item it yields in that instant is kept for
 * the next call); -EBUSY while another task's next is in flight; -EDEADLK
 * from the producer itself; -ENOMEM; -EINVAL. Waits. */
WEFT_API WEFT_NODISCARD int weft_gen_next(weft_gen *g, void **item);
/* Closes g: a producer waiting at a yield gets -ECANCELED there (and is
 * cancelled: its later waits fail too unless it opens a shield), and close
 * waits, uninterruptibly, until it has returned. Items not taken are
 * dropped; later nexts return -EPIPE. Returns 0, or the producer's status
 * when its cleanup failed with an error other than -ECANCELED; -EBUSY while
 * a next is in flight. Idempotent. May wait. */
WEFT_API int weft_gen_close(weft_gen *g);
/* Closes g (as weft_gen_close, waiting for the producer's cleanup) and
 * frees it. Accepts NULL. May wait. */
WEFT_API void weft_gen_free(weft_gen *g);

/* ---------------------------------------------------------- scope guard */

/* WEFT_DEFER(fn, arg) runs fn(arg) when the enclosing block ends, on every
 * path out of it (return, break, goto out of the block): the C face of
 * `async with` for releases that must happen even when the task is
 * cancelled or times out in between. fn has type void (*)(void *). GCC and
 * Clang only (__attribute__((cleanup))); elsewhere write the release on
 * each path. WEFT_DEFER_RELEASE(lock) releases a weft_lock. Several
 * guards in one block run in reverse order. */
#if defined(__GNUC__) || defined(__clang__)
typedef struct weft__defer {
    void (*fn)(void *);
    void *arg;
} weft__defer;
static inline void weft__defer_run(weft__defer *d) { d->fn(d->arg); }
static inline void weft__defer_unlock(weft_lock **l) { WEFT_IGNORE(weft_lock_release(*l)); }
#define WEFT__CAT2(a, b) a##b
#define WEFT__CAT(a, b) WEFT__CAT2(a, b)
#define WEFT_DEFER(fn, arg)                                                                        \
    __attribute__((cleanup(weft__defer_run), unused)) weft__defer WEFT__CAT(weft__defer_, __LINE__) = {    \
        (fn), (arg)}
#define WEFT_DEFER_RELEASE(lock)                                                                   \
    __attribute__((cleanup(weft__defer_unlock), unused)) weft_lock *WEFT__CAT(weft__unlock_, __LINE__) =   \
        (lock)
#endif

#ifdef __cplusplus
}
#endif
#endif /* WEFT_SYNC_H */
