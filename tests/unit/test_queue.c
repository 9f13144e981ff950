/* weft-test: timeout=60
 * Queues: FIFO, LIFO and PRIORITY order (stable for equal priorities),
 * try_put/try_get, backpressure at maxsize, task_done/join counting, close
 * with getters and putters waiting, cancellation and deadlines on every
 * wait, and the no-lost-item races: a getter interrupted just as an item is
 * handed to it leaves the item to the next getter or at the front of the
 * queue (a priority item at its old place). */
#include "wt.h"

#include <stdint.h>

#define P(x) ((void *)(intptr_t)(x))
#define I(p) ((int)(intptr_t)(p))

static int spin_then_sleep(int ms)
{
    int64_t until = wt_wall() + WEFT_MS(ms);
    while (wt_wall() < until) {
    }
    return weft_sleep(WEFT_US(10));
}

struct getter {
    weft_queue *q;
    int rc;
    void *item;
    int64_t at;
    int64_t deadline; /* 0: none */
};

static int get_task(void *arg)
{
    struct getter *g = arg;
    if (g->deadline && weft_deadline_push(g->deadline) < 0) return -1;
    g->rc = weft_queue_get(g->q, &g->item);
    g->at = weft_now();
    if (g->deadline) weft_deadline_pop();
    return 0;
}

struct putter {
    weft_queue *q;
    int n;      /* items to put: base, base+1, ... */
    int base;
    int done;   /* how many went in */
    int rc;
    int64_t at; /* when the last put returned */
};

static int put_task(void *arg)
{
    struct putter *p = arg;
    for (int i = 0; i < p->n; i++) {
        p->rc = weft_queue_put(p->q, P(p->base + i));
        p->at = weft_now();
        if (p->rc < 0) return 0;
        p->done++;
    }
    return 0;
}

/* ---- FIFO and LIFO order, try_*, sizes ---- */
static int body_order(void *arg)
{
    (void)arg;
    weft_queue *q;
    void *it;
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_FIFO, 3, NULL), 0);
    WT_EQ(weft_queue_maxsize(q), 3);
    WT_EQ(weft_queue_try_get(q, &it), -EAGAIN);
    for (int i = 1; i <= 3; i++) WT_EQ(weft_queue_put(q, P(i)), 0);
    WT_EQ(weft_queue_try_put(q, P(4)), -EAGAIN);
    WT_EQ(weft_queue_size(q), 3);
    for (int i = 1; i <= 3; i++) {
        WT_EQ(weft_queue_get(q, &it), 0);
        WT_EQ(I(it), i);
    }
    /* wrap the ring many times */
    for (int i = 0; i < 100; i++) {
        WT_EQ(weft_queue_try_put(q, P(i)), 0);
        WT_EQ(weft_queue_try_put(q, P(i + 1000)), 0);
        WT_EQ(weft_queue_try_get(q, &it), 0);
        WT_EQ(I(it), i);
        WT_EQ(weft_queue_try_get(q, &it), 0);
        WT_EQ(I(it), i + 1000);
    }
    weft_queue_free(q);

    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_LIFO, 0, NULL), 0);
    for (int i = 1; i <= 100; i++) WT_EQ(weft_queue_try_put(q, P(i)), 0); /* grows */
    WT_EQ(weft_queue_size(q), 100);
    for (int i = 100; i >= 1; i--) {
        WT_EQ(weft_queue_get(q, &it), 0);
        WT_EQ(I(it), i);
    }
    weft_queue_free(q);

    /* an unbounded FIFO grows with its ring wrapped */
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_FIFO, 0, NULL), 0);
    for (int i = 0; i < 10; i++) WT_EQ(weft_queue_put(q, P(i)), 0);
    for (int i = 0; i < 5; i++) WT_EQ(weft_queue_get(q, &it), 0);
    for (int i = 10; i < 200; i++) WT_EQ(weft_queue_put(q, P(i)), 0);
    for (int i = 5; i < 200; i++) {
        WT_EQ(weft_queue_get(q, &it), 0);
        WT_EQ(I(it), i);
    }
    weft_queue_free(q);

    WT_EQ(weft_queue_new(&q, 7, 0, NULL), -EINVAL);
    WT_EQ(weft_queue_new(&q, WEFT_QUEUE_PRIORITY, 0, NULL), -EINVAL);
    weft_queue_free(NULL);
    return 0;
}

static void test_fifo_lifo_order(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_order, NULL), 0);
}

/* ---- PRIORITY: lowest first, insertion order among equals ---- */
struct job {
    int prio;
    int id;
};

static int by_prio(const void *a, const void *b)
{
    const struct job *x = a, *y = b;
    return (x->prio > y->prio) - (x->prio < y->prio);
}

static int body_priority(void *arg)
{
    (void)arg;
    weft_queue *q;
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_PRIORITY, 0, by_prio), 0);
    struct job j[40];
    for (int i = 0; i < 40; i++) {
        j[i] = (struct job){(i * 7) % 5, i}; /* priorities 0..4, each 8 times */
        WT_EQ(weft_queue_put(q, &j[i]), 0);
    }
    int last_prio = -1, last_id = -1;
    for (int i = 0; i < 40; i++) {
        void *it;
        WT_REQUIRE_EQ(weft_queue_get(q, &it), 0);
        struct job *x = it;
        WT_CHECK(x->prio >= last_prio);
        if (x->prio == last_prio) WT_CHECK(x->id > last_id); /* stable */
        last_prio = x->prio;
        last_id = x->id;
    }
    WT_EQ(weft_queue_size(q), 0);
    weft_queue_free(q);
    return 0;
}

static void test_priority_order_stable(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_priority, NULL), 0);
}

/* ---- backpressure: the producer waits at maxsize, resumes after one get ---- */
static int body_backpressure(void *arg)
{
    (void)arg;
    weft_queue *q;
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_FIFO, 2, NULL), 0);
    struct putter p = {q, 3, 1, 0, 1, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, put_task, &p), 0);
    WT_EQ(weft_sleep(WEFT_MS(10)), 0);
    WT_EQ(p.done, 2); /* the third put waits */
    WT_EQ(weft_queue_size(q), 2);
    void *it;
    int64_t t0 = weft_now();
    WT_EQ(weft_queue_get(q, &it), 0);
    WT_EQ(I(it), 1);
    WT_EQ(weft_queue_size(q), 2); /* the waiting putter's item went straight in */
    WT_EQ(weft_join(t), 0);
    WT_EQ(p.done, 3);
    WT_EQ(p.rc, 0);
    WT_EQ(p.at, t0); /* resumed at once */
    WT_EQ(weft_queue_get(q, &it), 0);
    WT_EQ(I(it), 2);
    WT_EQ(weft_queue_get(q, &it), 0);
    WT_EQ(I(it), 3);
    weft_queue_free(q);
    return 0;
}

static void test_backpressure(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_backpressure, NULL), 0);
}

/* ---- a put goes straight to a waiting getter; it counts until the getter runs ---- */
static int body_direct(void *arg)
{
    (void)arg;
    weft_queue *q;
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_FIFO, 1, NULL), 0);
    struct getter g = {q, 1, NULL, 0, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, get_task, &g), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_queue_put(q, P(7)), 0);
    WT_EQ(weft_queue_size(q), 1);                  /* in flight to the getter */
    WT_EQ(weft_queue_try_put(q, P(8)), -EAGAIN);   /* still full */
    void *it;
    WT_EQ(weft_queue_try_get(q, &it), -EAGAIN);    /* and not ours */
    WT_EQ(weft_join(t), 0);
    WT_EQ(g.rc, 0);
    WT_EQ(I(g.item), 7);
    WT_EQ(weft_queue_size(q), 0);
    weft_queue_free(q);
    return 0;
}

static void test_direct_handoff(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_direct, NULL), 0);
}

/* ---- task_done / join ---- */
static int join_task(void *arg)
{
    struct getter *g = arg;
    g->rc = weft_queue_join(g->q);
    g->at = weft_now();
    return 0;
}

static int body_join(void *arg)
{
    (void)arg;
    weft_queue *q;
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_FIFO, 0, NULL), 0);
    WT_EQ(weft_queue_join(q), 0); /* nothing outstanding */
    WT_EQ(weft_queue_task_done(q), -EINVAL);
    for (int i = 0; i < 3; i++) WT_EQ(weft_queue_put(q, P(i)), 0);
    struct getter j1 = {q, 1, NULL, 0, 0}, j2 = {q, 1, NULL, 0, 0};
    weft_task *t1, *t2;
    WT_REQUIRE_EQ(weft_spawn(&t1, join_task, &j1), 0);
    WT_REQUIRE_EQ(weft_spawn(&t2, join_task, &j2), 0);
    void *it;
    for (int i = 0; i < 3; i++) WT_EQ(weft_queue_get(q, &it), 0);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(j1.rc, 1); /* taken is not done */
    WT_EQ(weft_queue_task_done(q), 0);
    WT_EQ(weft_queue_task_done(q), 0);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(j1.rc, 1);
    int64_t t0 = weft_now();
    WT_EQ(weft_queue_task_done(q), 0);
    WT_EQ(weft_join(t1), 0);
    WT_EQ(weft_join(t2), 0);
    WT_EQ(j1.rc, 0);
    WT_EQ(j2.rc, 0);
    WT_EQ(j1.at, t0);
    WT_EQ(weft_queue_task_done(q), -EINVAL); /* one too many */

    /* join is interruptible */
    WT_EQ(weft_queue_put(q, P(1)), 0);
    struct getter j3 = {q, 1, NULL, 0, 0};
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(10)), 0);
    WT_EQ(weft_queue_join(q), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    WT_REQUIRE_EQ(weft_spawn(&t1, join_task, &j3), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_cancel(t1), 0);
    WT_EQ(weft_join(t1), 0);
    WT_EQ(j3.rc, -ECANCELED);
    weft_queue_free(q);
    return 0;
}

static void test_task_done_join(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_join, NULL), 0);
}

/* ---- close: putters get -EPIPE at once, getters drain then -EPIPE ---- */
static int body_close(void *arg)
{
    (void)arg;
    weft_queue *q;
    void *it;
    /* getters waiting on an empty queue */
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_FIFO, 2, NULL), 0);
    struct getter g[2] = {{q, 1, NULL, 0, 0}, {q, 1, NULL, 0, 0}};
    weft_task *tg[2];
    for (int i = 0; i < 2; i++) WT_REQUIRE_EQ(weft_spawn(&tg[i], get_task, &g[i]), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(weft_queue_close(q), 0);
    WT_EQ(weft_queue_close(q), 0); /* idempotent */
    for (int i = 0; i < 2; i++) {
        WT_EQ(weft_join(tg[i]), 0);
        WT_EQ(g[i].rc, -EPIPE);
    }
    WT_EQ(weft_queue_put(q, P(1)), -EPIPE);
    WT_EQ(weft_queue_try_put(q, P(1)), -EPIPE);
    WT_EQ(weft_queue_get(q, &it), -EPIPE);
    weft_queue_free(q);

    /* putters waiting on a full queue; what is in is drained */
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_FIFO, 2, NULL), 0);
    struct putter p = {q, 4, 1, 0, 1, 0};
    weft_task *tp;
    WT_REQUIRE_EQ(weft_spawn(&tp, put_task, &p), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(p.done, 2);
    WT_EQ(weft_queue_close(q), 0);
    WT_EQ(weft_join(tp), 0);
    WT_EQ(p.rc, -EPIPE); /* the third item never went in */
    WT_EQ(p.done, 2);
    WT_EQ(weft_queue_get(q, &it), 0);
    WT_EQ(I(it), 1);
    WT_EQ(weft_queue_try_get(q, &it), 0);
    WT_EQ(I(it), 2);
    WT_EQ(weft_queue_get(q, &it), -EPIPE);
    WT_EQ(weft_queue_try_get(q, &it), -EPIPE);
    weft_queue_free(q);
    return 0;
}

static void test_close_with_waiters(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_close, NULL), 0);
}

/* ---- cancellation and deadlines on get and put ---- */
static int body_interrupt(void *arg)
{
    (void)arg;
    weft_queue *q;
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_FIFO, 1, NULL), 0);
    int64_t t0 = weft_now();
    struct getter g[3] = {{q, 1, NULL, 0, 0}, {q, 1, NULL, 0, WEFT_MS(10)}, {q, 1, NULL, 0, 0}};
    weft_task *tg[3];
    for (int i = 0; i < 3; i++) WT_REQUIRE_EQ(weft_spawn(&tg[i], get_task, &g[i]), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(weft_cancel(tg[0]), 0);
    WT_EQ(weft_sleep(WEFT_MS(20)), 0);
    WT_EQ(g[0].rc, -ECANCELED);
    WT_EQ(g[1].rc, -ETIMEDOUT);
    WT_EQ(g[1].at - t0, WEFT_MS(10));
    WT_EQ(weft_queue_put(q, P(5)), 0); /* to the one getter left */
    for (int i = 0; i < 3; i++) WT_EQ(weft_join(tg[i]), 0);
    WT_EQ(g[2].rc, 0);
    WT_EQ(I(g[2].item), 5);

    /* put: full queue, interrupted putters add nothing */
    WT_EQ(weft_queue_put(q, P(1)), 0);
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(10)), 0);
    WT_EQ(weft_queue_put(q, P(2)), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    struct putter p = {q, 1, 3, 0, 1, 0};
    weft_task *tp;
    WT_REQUIRE_EQ(weft_spawn(&tp, put_task, &p), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_cancel(tp), 0);
    WT_EQ(weft_join(tp), 0);
    WT_EQ(p.rc, -ECANCELED);
    WT_EQ(weft_queue_size(q), 1);
    void *it;
    WT_EQ(weft_queue_get(q, &it), 0);
    WT_EQ(I(it), 1);
    WT_EQ(weft_queue_try_get(q, &it), -EAGAIN);
    /* a cancelled task's get fails even with an item there (sticky) */
    WT_EQ(weft_queue_put(q, P(9)), 0);
    weft_cancel(weft_self());
    WT_EQ(weft_queue_get(q, &it), -ECANCELED);
    WT_EQ(weft_queue_put(q, P(9)), -ECANCELED);
    WT_EQ(weft_queue_size(q), 1);
    weft_queue_free(q);
    return 0;
}

static void test_cancel_deadline_while_waiting(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_interrupt, NULL), 0);
}

/* ---- the race: an item handed to a getter that is cancelled before it runs ---- */
static int body_race_next_getter(void *arg)
{
    (void)arg;
    weft_queue *q;
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_FIFO, 0, NULL), 0);
    struct getter g1 = {q, 1, NULL, 0, 0}, g2 = {q, 1, NULL, 0, 0};
    weft_task *t1, *t2;
    WT_REQUIRE_EQ(weft_spawn(&t1, get_task, &g1), 0);
    WT_REQUIRE_EQ(weft_spawn(&t2, get_task, &g2), 0);
    WT_EQ(weft_yield(), 0); /* both wait: g1 first */
    WT_EQ(weft_queue_put(q, P(42)), 0); /* handed to g1... */
    WT_EQ(weft_cancel(t1), 0);         /* ...cancelled before it runs */
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_SEC(1)), 0); /* a lost item fails, not hangs */
    WT_EQ(weft_join(t1), 0);
    WT_EQ(weft_join(t2), 0);
    WT_EQ(weft_deadline_pop(), 0);
    WT_EQ(g1.rc, -ECANCELED);
    WT_EQ(g2.rc, 0);
    WT_EQ(I(g2.item), 42); /* the next getter got it */
    WT_EQ(weft_queue_size(q), 0);
    weft_queue_free(q);
    return 0;
}

static void test_race_item_to_next_getter(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_race_next_getter, NULL), 0);
}

static int body_race_front(void *arg)
{
    (void)arg;
    weft_queue *q;
    void *it;
    /* FIFO: back at the front, ahead of what came later */
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_FIFO, 2, NULL), 0);
    struct getter g = {q, 1, NULL, 0, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, get_task, &g), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_queue_put(q, P(1)), 0); /* handed to g */
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_queue_put(q, P(2)), 0); /* into the buffer */
    WT_EQ(weft_queue_try_put(q, P(3)), -EAGAIN); /* 1 in flight + 1 queued: full */
    WT_EQ(weft_join(t), 0);
    WT_EQ(g.rc, -ECANCELED);
    WT_EQ(weft_queue_size(q), 2);
    WT_EQ(weft_queue_get(q, &it), 0);
    WT_EQ(I(it), 1);
    WT_EQ(weft_queue_get(q, &it), 0);
    WT_EQ(I(it), 2);
    weft_queue_free(q);

    /* PRIORITY: back at its place among equals (its insertion number) */
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_PRIORITY, 0, by_prio), 0);
    struct job a = {5, 1}, b = {5, 2}, c = {1, 3};
    g = (struct getter){q, 1, NULL, 0, 0};
    WT_REQUIRE_EQ(weft_spawn(&t, get_task, &g), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_queue_put(q, &a), 0); /* handed to g */
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_queue_put(q, &b), 0);
    WT_EQ(weft_queue_put(q, &c), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(g.rc, -ECANCELED);
    int want[3] = {3, 1, 2};
    for (int i = 0; i < 3; i++) {
        WT_EQ(weft_queue_get(q, &it), 0);
        WT_EQ(((struct job *)it)->id, want[i]);
    }
    weft_queue_free(q);

    /* LIFO: back on top */
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_LIFO, 0, NULL), 0);
    g = (struct getter){q, 1, NULL, 0, 0};
    WT_REQUIRE_EQ(weft_spawn(&t, get_task, &g), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_queue_put(q, P(1)), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(g.rc, -ECANCELED);
    WT_EQ(weft_queue_get(q, &it), 0);
    WT_EQ(I(it), 1);
    weft_queue_free(q);
    return 0;
}

static void test_race_item_back_to_front(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_race_front, NULL), 0);
}

static int body_race_deadline(void *arg)
{
    (void)arg;
    weft_queue *q;
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_FIFO, 0, NULL), 0);
    struct getter g1 = {q, 1, NULL, 0, WEFT_MS(2)}, g2 = {q, 1, NULL, 0, 0};
    weft_task *t1, *t2;
    WT_REQUIRE_EQ(weft_spawn(&t1, get_task, &g1), 0);
    WT_REQUIRE_EQ(weft_spawn(&t2, get_task, &g2), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_queue_put(q, P(42)), 0); /* handed to g1 (deadline in 2 ms) */
    WT_EQ(spin_then_sleep(5), 0);      /* which passes before g1 runs */
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_SEC(2)), 0);
    WT_EQ(weft_join(t1), 0);
    WT_EQ(weft_join(t2), 0);
    WT_EQ(weft_deadline_pop(), 0);
    WT_EQ(g1.rc, -ETIMEDOUT);
    WT_EQ(g2.rc, 0);
    WT_EQ(I(g2.item), 42);
    weft_queue_free(q);
    return 0;
}

static void test_race_deadline_after_handoff(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_race_deadline, NULL), 0);
}

/* ---- a putter whose item went in reports 0 even if cancelled just then ---- */
static int body_put_race(void *arg)
{
    (void)arg;
    weft_queue *q;
    void *it;
    WT_REQUIRE_EQ(weft_queue_new(&q, WEFT_QUEUE_FIFO, 1, NULL), 0);
    WT_EQ(weft_queue_put(q, P(1)), 0);
    struct putter p = {q, 1, 2, 0, 1, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, put_task, &p), 0);
    WT_EQ(weft_yield(), 0);            /* p waits: full */
    WT_EQ(weft_queue_get(q, &it), 0); /* moves p's item in, wakes p */
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(p.rc, 0);
    WT_EQ(p.done, 1);
    WT_EQ(weft_queue_get(q, &it), 0);
    WT_EQ(I(it), 2);
    weft_queue_free(q);
    return 0;
}

static void test_put_completed_then_cancelled(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_put_race, NULL), 0);
}

/* ---- many producers and consumers: every item once ---- */
#define MANY 2000
struct mc {
    weft_queue *q;
    int seen[MANY * 4];
    int got;
};

static int mc_consumer(void *arg)
{
    struct mc *m = arg;
    void *it;
    int rc;
    while ((rc = weft_queue_get(m->q, &it)) == 0) {
        m->seen[I(it)]++;
        m->got++;
        WEFT_IGNORE(weft_queue_task_done(m->q));
        if (m->got % 7 == 0 && weft_yield() < 0) return -1;
    }
    return rc == -EPIPE ? 0 : rc;
}

struct mp {
    struct mc *m;
    int base;
};

static int mc_producer(void *arg)
{
    struct mp *p = arg;
    for (int i = 0; i < MANY; i++) {
        int rc = weft_queue_put(p->m->q, P(p->base + i));
        if (rc < 0) return rc;
    }
    return 0;
}

static int body_many(void *arg)
{
    (void)arg;
    static struct mc m;
    m = (struct mc){0};
    WT_REQUIRE_EQ(weft_queue_new(&m.q, WEFT_QUEUE_FIFO, 5, NULL), 0);
    weft_group *pg, *cg;
    WT_REQUIRE_EQ(weft_group_new(&pg, WEFT_FAIL_FAST), 0);
    WT_REQUIRE_EQ(weft_group_new(&cg, WEFT_FAIL_FAST), 0);
    struct mp p[4];
    for (int i = 0; i < 3; i++) WT_REQUIRE_EQ(weft_group_spawn(cg, NULL, mc_consumer, &m), 0);
    for (int i = 0; i < 4; i++) {
        p[i] = (struct mp){&m, i * MANY};
        WT_REQUIRE_EQ(weft_group_spawn(pg, NULL, mc_producer, &p[i]), 0);
    }
    WT_EQ(weft_group_wait(pg), 0);
    WT_EQ(weft_queue_join(m.q), 0);
    WT_EQ(weft_queue_close(m.q), 0);
    WT_EQ(weft_group_wait(cg), 0);
    WT_EQ(m.got, 4 * MANY);
    for (int i = 0; i < 4 * MANY; i++) WT_EQ(m.seen[i], 1);
    weft_group_free(pg);
    weft_group_free(cg);
    weft_queue_free(m.q);
    return 0;
}

static void test_many_producers_consumers(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_many, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_lifo_order),
        cmocka_unit_test(test_priority_order_stable),
        cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_direct_handoff),
        cmocka_unit_test(test_task_done_join),
        cmocka_unit_test(test_close_with_waiters),
        cmocka_unit_test(test_cancel_deadline_while_waiting),
        cmocka_unit_test(test_race_item_to_next_getter),
        cmocka_unit_test(test_race_item_back_to_front),
        cmocka_unit_test(test_race_deadline_after_handoff),
        cmocka_unit_test(test_put_completed_then_cancelled),
        cmocka_unit_test(test_many_producers_consumers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
