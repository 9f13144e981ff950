/* weft-test: timeout=60
 * Semaphores: counting and bounded (-EOVERFLOW), FIFO fairness with no
 * barging, cancellation and deadlines while waiting, and the hand-off race:
 * a waiter interrupted just as a permit is handed to it passes the permit
 * on (to the next waiter, or back to the count). */
#include "wt.h"

#include <stdlib.h>

static int spin_then_sleep(int ms)
{
    int64_t until = wt_wall() + WEFT_MS(ms);
    while (wt_wall() < until) {
    }
    return weft_sleep(WEFT_US(10));
}

struct sv {
    weft_sem s;
    int order[8];
    int n;
    int active, max_active;
};

struct sw {
    struct sv *v;
    int id;
    int rc;
    int64_t hold;
};

static int worker(void *arg)
{
    struct sw *w = arg;
    w->rc = weft_sem_acquire(&w->v->s);
    if (w->rc < 0) return 0;
    w->v->order[w->v->n++] = w->id;
    if (++w->v->active > w->v->max_active) w->v->max_active = w->v->active;
    int rc = weft_sleep(w->hold);
    w->v->active--;
    WT_EQ(weft_sem_release(&w->v->s), 0);
    return rc;
}

/* ---- counting, try, bounded ---- */
static int body_basic(void *arg)
{
    (void)arg;
    weft_sem s = WEFT_SEM_INIT(2);
    WT_EQ(weft_sem_value(&s), 2);
    WT_EQ(weft_sem_acquire(&s), 0);
    WT_EQ(weft_sem_try_acquire(&s), 0);
    WT_EQ(weft_sem_try_acquire(&s), -EAGAIN);
    WT_EQ(weft_sem_value(&s), 0);
    WT_EQ(weft_sem_release(&s), 0);
    WT_EQ(weft_sem_release(&s), 0);
    WT_EQ(weft_sem_release(&s), 0); /* unbounded: past the start is fine */
    WT_EQ(weft_sem_value(&s), 3);

    weft_sem b = WEFT_BOUNDED_SEM_INIT(1);
    WT_EQ(weft_sem_release(&b), -EOVERFLOW);
    WT_EQ(weft_sem_acquire(&b), 0);
    WT_EQ(weft_sem_release(&b), 0);
    WT_EQ(weft_sem_release(&b), -EOVERFLOW);
    WT_EQ(weft_sem_value(&b), 1);

    weft_sem c;
    weft_sem_init_bounded(&c, 0);
    WT_EQ(weft_sem_try_acquire(&c), -EAGAIN);
    WT_EQ(weft_sem_release(&c), -EOVERFLOW);
    weft_sem_init(&c, 0);
    WT_EQ(weft_sem_release(&c), 0);
    WT_EQ(weft_sem_value(&c), 1);
    return 0;
}

static void test_basic(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_basic, NULL), 0);
}

/* ---- FIFO: 8 workers through 2 permits, in spawn order; no barging ---- */
static int body_fifo(void *arg)
{
    (void)arg;
    struct sv v = {.s = WEFT_SEM_INIT(2)};
    struct sw w[8];
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    for (int i = 0; i < 8; i++) {
        w[i] = (struct sw){&v, i, 1, WEFT_MS(10)};
        WT_REQUIRE_EQ(weft_group_spawn(g, NULL, worker, &w[i]), 0);
    }
    WT_EQ(weft_sleep(WEFT_MS(15)), 0); /* the first two released at 10 ms */
    WT_EQ(v.n, 4);
    WT_EQ(weft_sem_value(&v.s), 0);
    WT_EQ(weft_sem_try_acquire(&v.s), -EAGAIN); /* waiters come first */
    int64_t t0 = weft_now();
    WT_EQ(weft_group_wait(g), 0);
    WT_EQ(weft_now() - t0, WEFT_MS(25)); /* 4 rounds of 10 ms in all */
    for (int i = 0; i < 8; i++) {
        WT_EQ(v.order[i], i);
        WT_EQ(w[i].rc, 0);
    }
    WT_EQ(v.max_active, 2);
    WT_EQ(weft_sem_value(&v.s), 2);
    weft_group_free(g);
    return 0;
}

static void test_fifo(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_fifo, NULL), 0);
}

/* ---- cancellation and deadline while waiting ---- */
static int dl_worker(void *arg)
{
    struct sw *w = arg;
    if (weft_deadline_push(WEFT_MS(5)) < 0) return -1;
    int rc = worker(w);
    weft_deadline_pop();
    return rc;
}

static int body_interrupt(void *arg)
{
    (void)arg;
    struct sv v = {.s = WEFT_SEM_INIT(0)};
    struct sw a = {&v, 0, 1, 0}, b = {&v, 1, 1, 0}, c = {&v, 2, 1, 0};
    weft_task *ta, *tb, *tc;
    WT_REQUIRE_EQ(weft_spawn(&ta, worker, &a), 0);
    WT_REQUIRE_EQ(weft_spawn(&tb, dl_worker, &b), 0);
    WT_REQUIRE_EQ(weft_spawn(&tc, worker, &c), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(weft_cancel(ta), 0);
    WT_EQ(weft_sleep(WEFT_MS(10)), 0);
    WT_EQ(a.rc, -ECANCELED);
    WT_EQ(b.rc, -ETIMEDOUT);
    WT_EQ(c.rc, 1);
    WT_EQ(weft_sem_release(&v.s), 0); /* goes to c, the only one left */
    WT_EQ(weft_join(ta), 0);
    WT_EQ(weft_join(tb), 0);
    WT_EQ(weft_join(tc), 0);
    WT_EQ(c.rc, 0);
    WT_EQ(v.n, 1);
    WT_EQ(v.order[0], 2);
    WT_EQ(weft_sem_value(&v.s), 1);
    return 0;
}

static void test_cancel_deadline_while_waiting(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_interrupt, NULL), 0);
}

/* ---- the race: handed a permit, then cancelled / past its deadline ---- */
static int body_race_cancel(void *arg)
{
    (void)arg;
    struct sv v = {.s = WEFT_BOUNDED_SEM_INIT(1)};
    struct sw a = {&v, 0, 1, 0}, b = {&v, 1, 1, 0};
    weft_task *ta, *tb;
    WT_REQUIRE_EQ(weft_sem_acquire(&v.s), 0);
    WT_REQUIRE_EQ(weft_spawn(&ta, worker, &a), 0);
    WT_REQUIRE_EQ(weft_spawn(&tb, worker, &b), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_sem_release(&v.s), 0); /* handed to a */
    WT_EQ(weft_cancel(ta), 0);        /* before it runs */
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_SEC(1)), 0);
    WT_EQ(weft_join(ta), 0);
    WT_EQ(weft_join(tb), 0);
    WT_EQ(weft_deadline_pop(), 0);
    WT_EQ(a.rc, -ECANCELED);
    WT_EQ(b.rc, 0); /* a passed the permit on */
    WT_EQ(weft_sem_value(&v.s), 1);

    /* nobody behind: the permit goes back to the count */
    WT_REQUIRE_EQ(weft_sem_acquire(&v.s), 0);
    WT_REQUIRE_EQ(weft_spawn(&ta, worker, &a), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_sem_release(&v.s), 0);
    WT_EQ(weft_cancel(ta), 0);
    WT_EQ(weft_join(ta), 0);
    WT_EQ(a.rc, -ECANCELED);
    WT_EQ(weft_sem_value(&v.s), 1);
    WT_EQ(weft_sem_release(&v.s), -EOVERFLOW); /* and not twice */
    return 0;
}

static void test_race_cancel_after_handoff(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_race_cancel, NULL), 0);
}

static int dl2_worker(void *arg)
{
    struct sw *w = arg;
    if (weft_deadline_push(WEFT_MS(2)) < 0) return -1;
    int rc = worker(w);
    weft_deadline_pop();
    return rc;
}

static int body_race_deadline(void *arg)
{
    (void)arg;
    struct sv v = {.s = WEFT_SEM_INIT(0)};
    struct sw a = {&v, 0, 1, 0}, b = {&v, 1, 1, 0};
    weft_task *ta, *tb;
    WT_REQUIRE_EQ(weft_spawn(&ta, dl2_worker, &a), 0);
    WT_REQUIRE_EQ(weft_spawn(&tb, worker, &b), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_sem_release(&v.s), 0); /* handed to a (deadline in 2 ms) */
    WT_EQ(spin_then_sleep(5), 0);     /* which passes before a runs */
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_SEC(2)), 0);
    WT_EQ(weft_join(ta), 0);
    WT_EQ(weft_join(tb), 0);
    WT_EQ(weft_deadline_pop(), 0);
    WT_EQ(a.rc, -ETIMEDOUT);
    WT_EQ(b.rc, 0);
    WT_EQ(weft_sem_value(&v.s), 1);
    return 0;
}

static void test_race_deadline_after_handoff(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_race_deadline, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_cancel_deadline_while_waiting),
        cmocka_unit_test(test_race_cancel_after_handoff),
        cmocka_unit_test(test_race_deadline_after_handoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
