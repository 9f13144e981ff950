/* weft-test: timeout=60
 * The event: wait returns at once when set, set wakes every waiter, clear,
 * cancellation and deadlines while waiting. */
#include "wt.h"


struct ev {
    weft_event e;
    int woken;
    int rc[4];
};

struct ewait {
    struct ev *v;
    int i;
};

static int waiter(void *arg)
{
    struct ewait *w = arg;
    w->v->rc[w->i] = weft_event_wait(&w->v->e);
    if (w->v->rc[w->i] == 0) w->v->woken++;
    return 0;
}

/* ---- set wakes every waiter; wait returns at once while set ---- */
static int body_set(void *arg)
{
    (void)arg;
    struct ev v = {.e = WEFT_EVENT_INIT};
    struct ewait w[3];
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    for (int i = 0; i < 3; i++) {
        w[i] = (struct ewait){&v, i};
        v.rc[i] = 1;
        WT_REQUIRE_EQ(weft_group_spawn(g, NULL, waiter, &w[i]), 0);
    }
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(v.woken, 0);
    WT_EQ(weft_event_is_set(&v.e), 0);
    int64_t t0 = weft_now();
    WT_EQ(weft_event_set(&v.e), 0);
    WT_EQ(weft_event_set(&v.e), 0); /* idempotent */
    WT_EQ(weft_group_wait(g), 0);
    WT_EQ(weft_now(), t0);
    WT_EQ(v.woken, 3);
    for (int i = 0; i < 3; i++) WT_EQ(v.rc[i], 0);
    WT_EQ(weft_event_wait(&v.e), 0); /* set: at once */
    WT_EQ(weft_now(), t0);
    WT_EQ(weft_event_clear(&v.e), 0);
    WT_EQ(weft_event_is_set(&v.e), 0);
    weft_group_free(g);

    /* cleared again: a wait waits */
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(10)), 0);
    WT_EQ(weft_event_wait(&v.e), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(weft_now() - t0, WEFT_MS(10));

    weft_event e2;
    weft_event_init(&e2);
    WT_EQ(weft_event_is_set(&e2), 0);
    return 0;
}

static void test_set_wakes_all(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_set, NULL), 0);
}

/* ---- cancellation while waiting; the others still get the set ---- */
static int body_cancel(void *arg)
{
    (void)arg;
    struct ev v = {.e = WEFT_EVENT_INIT};
    struct ewait w[3];
    weft_task *t[3];
    for (int i = 0; i < 3; i++) {
        w[i] = (struct ewait){&v, i};
        v.rc[i] = 1;
        WT_REQUIRE_EQ(weft_spawn(&t[i], waiter, &w[i]), 0);
    }
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(weft_cancel(t[1]), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(v.rc[1], -ECANCELED);
    WT_EQ(v.rc[0], 1); /* still waiting */
    WT_EQ(weft_event_set(&v.e), 0);
    for (int i = 0; i < 3; i++) WT_EQ(weft_join(t[i]), 0);
    WT_EQ(v.rc[0], 0);
    WT_EQ(v.rc[2], 0);
    WT_EQ(v.woken, 2);
    /* a cancelled task's wait fails even on a set event (sticky) */
    weft_cancel(weft_self());
    WT_EQ(weft_event_wait(&v.e), -ECANCELED);
    return 0;
}

static void test_cancel_while_waiting(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_cancel, NULL), 0);
}

/* ---- woken by set, then cancelled before it ran: the set stands ---- */
static int body_woken_then_cancelled(void *arg)
{
    (void)arg;
    struct ev v = {.e = WEFT_EVENT_INIT};
    struct ewait w = {&v, 0};
    weft_task *t;
    v.rc[0] = 1;
    WT_REQUIRE_EQ(weft_spawn(&t, waiter, &w), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_event_set(&v.e), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(v.rc[0], 0);
    return 0;
}

static void test_woken_then_cancelled(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_woken_then_cancelled, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_wakes_all),
        cmocka_unit_test(test_cancel_while_waiting),
        cmocka_unit_test(test_woken_then_cancelled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
