/* weft-test: timeout=60
 * The condition variable: the lock rule (-EPERM), FIFO notify, notify_all,
 * wait_pred, the lock held again on every return, cancellation and
 * deadlines while waiting, and the race: a waiter notified and then
 * cancelled before it ran passes the notification on. */
#include "wt.h"

struct cv {
    weft_lock l;
    weft_cond c;
    int order[4];
    int n;
    int ready;
};

struct cw {
    struct cv *v;
    int id;
    int rc;
    int held; /* held the lock when wait returned */
};

static int cwaiter(void *arg)
{
    struct cw *w = arg;
    if (weft_lock_acquire(&w->v->l) < 0) return -1;
    w->rc = weft_cond_wait(&w->v->c);
    w->held = weft_lock_locked(&w->v->l);
    if (w->rc == 0) w->v->order[w->v->n++] = w->id;
    return weft_lock_release(&w->v->l); /* -EPERM if wait lost the lock */
}

static void cv_init(struct cv *v)
{
    *v = (struct cv){0};
    weft_lock_init(&v->l);
    weft_cond_init(&v->c, &v->l);
}

/* ---- the lock rule ---- */
static int body_lock_rule(void *arg)
{
    (void)arg;
    static weft_lock sl = WEFT_LOCK_INIT;
    static weft_cond sc = WEFT_COND_INIT(&sl);
    WT_EQ(weft_cond_wait(&sc), -EPERM);
    WT_EQ(weft_cond_notify(&sc, 1), -EPERM);
    WT_EQ(weft_cond_notify_all(&sc), -EPERM);
    WT_REQUIRE_EQ(weft_lock_acquire(&sl), 0);
    WT_EQ(weft_cond_notify(&sc, 1), 0); /* nobody waits: 0 woken */
    WT_EQ(weft_lock_release(&sl), 0);
    return 0;
}

static void test_lock_rule(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_lock_rule, NULL), 0);
}

/* ---- notify wakes in FIFO order; notify_all wakes the rest ---- */
static int body_fifo(void *arg)
{
    (void)arg;
    struct cv v;
    cv_init(&v);
    struct cw w[4];
    weft_task *t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct cw){&v, i, 1, 0};
        WT_REQUIRE_EQ(weft_spawn(&t[i], cwaiter, &w[i]), 0);
    }
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_REQUIRE_EQ(weft_lock_acquire(&v.l), 0);
    WT_EQ(weft_cond_notify(&v.c, 1), 1);
    WT_EQ(weft_lock_release(&v.l), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(v.n, 1);
    WT_EQ(v.order[0], 0);
    WT_REQUIRE_EQ(weft_lock_acquire(&v.l), 0);
    WT_EQ(weft_cond_notify_all(&v.c), 3);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0); /* they wait for the lock we hold */
    WT_EQ(v.n, 1);
    WT_EQ(weft_lock_release(&v.l), 0);
    for (int i = 0; i < 4; i++) {
        WT_EQ(weft_join(t[i]), 0);
        WT_EQ(w[i].rc, 0);
        WT_EQ(w[i].held, 1);
    }
    for (int i = 0; i < 4; i++) WT_EQ(v.order[i], i);
    return 0;
}

static void test_fifo_notify(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_fifo, NULL), 0);
}

/* ---- wait_pred: producer/consumer on a shared counter ---- */
static int is_ready(void *arg) { return ((struct cv *)arg)->ready >= 3; }

static int pred_waiter(void *arg)
{
    struct cw *w = arg;
    if (weft_lock_acquire(&w->v->l) < 0) return -1;
    w->rc = weft_cond_wait_pred(&w->v->c, is_ready, w->v);
    w->held = weft_lock_locked(&w->v->l);
    w->v->n = w->v->ready;
    return weft_lock_release(&w->v->l);
}

static int body_pred(void *arg)
{
    (void)arg;
    struct cv v;
    cv_init(&v);
    struct cw w = {&v, 0, 1, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, pred_waiter, &w), 0);
    for (int i = 0; i < 3; i++) {
        WT_EQ(weft_sleep(WEFT_MS(1)), 0);
        WT_REQUIRE_EQ(weft_lock_acquire(&v.l), 0);
        v.ready++;
        WT_EQ(weft_cond_notify_all(&v.c), 1);
        WT_EQ(weft_lock_release(&v.l), 0);
    }
    WT_EQ(weft_join(t), 0);
    WT_EQ(w.rc, 0);
    WT_EQ(w.held, 1);
    WT_EQ(v.n, 3);
    return 0;
}

static void test_wait_pred(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_pred, NULL), 0);
}

/* ---- cancellation and deadline while waiting: lock held on return ---- */
static int dl_waiter(void *arg)
{
    struct cw *w = arg;
    if (weft_lock_acquire(&w->v->l) < 0) return -1;
    if (weft_deadline_push(WEFT_MS(10)) < 0) return -1;
    int64_t t0 = weft_now();
    w->rc = weft_cond_wait(&w->v->c);
    WT_EQ(weft_now() - t0, WEFT_MS(10));
    weft_deadline_pop();
    w->held = weft_lock_locked(&w->v->l);
    return weft_lock_release(&w->v->l);
}

static int body_interrupt(void *arg)
{
    (void)arg;
    struct cv v;
    cv_init(&v);
    struct cw a = {&v, 0, 1, 0}, b = {&v, 1, 1, 0};
    weft_task *ta, *tb;
    WT_REQUIRE_EQ(weft_spawn(&ta, cwaiter, &a), 0);
    WT_REQUIRE_EQ(weft_spawn(&tb, dl_waiter, &b), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_REQUIRE_EQ(weft_lock_acquire(&v.l), 0); /* hold it: the cancelled one must wait */
    WT_EQ(weft_cancel(ta), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(a.rc, 1); /* interrupted, but waiting to reacquire the lock */
    WT_EQ(weft_lock_release(&v.l), 0);
    WT_EQ(weft_join(ta), 0); /* its release succeeded: it held the lock */
    WT_EQ(a.rc, -ECANCELED);
    WT_EQ(a.held, 1);
    WT_EQ(weft_join(tb), 0);
    WT_EQ(b.rc, -ETIMEDOUT);
    WT_EQ(b.held, 1);
    WT_EQ(weft_lock_locked(&v.l), 0);
    return 0;
}

static void test_cancel_deadline_while_waiting(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_interrupt, NULL), 0);
}

/* ---- the race: notified, then cancelled before it ran ---- */
static int body_race(void *arg)
{
    (void)arg;
    struct cv v;
    cv_init(&v);
    struct cw a = {&v, 0, 1, 0}, b = {&v, 1, 1, 0};
    weft_task *ta, *tb;
    WT_REQUIRE_EQ(weft_spawn(&ta, cwaiter, &a), 0);
    WT_REQUIRE_EQ(weft_spawn(&tb, cwaiter, &b), 0);
    WT_EQ(weft_yield(), 0); /* both wait: a first */
    WT_REQUIRE_EQ(weft_lock_acquire(&v.l), 0);
    WT_EQ(weft_cond_notify(&v.c, 1), 1); /* a is notified... */
    WT_EQ(weft_cancel(ta), 0);          /* ...and cancelled before it runs */
    WT_EQ(weft_lock_release(&v.l), 0);
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_SEC(1)), 0); /* a lost notify fails, not hangs */
    WT_EQ(weft_join(ta), 0);
    WT_EQ(weft_join(tb), 0);
    WT_EQ(weft_deadline_pop(), 0);
    WT_EQ(a.rc, -ECANCELED);
    WT_EQ(a.held, 1);
    WT_EQ(b.rc, 0); /* got the notification a passed on */
    WT_EQ(b.held, 1);
    WT_EQ(v.n, 1);
    WT_EQ(v.order[0], 1);
    return 0;
}

static void test_race_notified_then_cancelled(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_race, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_rule),
        cmocka_unit_test(test_fifo_notify),
        cmocka_unit_test(test_wait_pred),
        cmocka_unit_test(test_cancel_deadline_while_waiting),
        cmocka_unit_test(test_race_notified_then_cancelled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
