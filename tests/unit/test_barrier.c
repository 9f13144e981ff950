/* weft-test: timeout=60
 * The barrier: a round releases all parties at once with unique arrival
 * indexes, rounds repeat, abort and reset break it (-EPIPE), and a waiter
 * cancelled or timed out before the round completes leaves the round. */
#include "wt.h"

struct bv {
    weft_barrier b;
    int idx[6];
    int rc[6];
    int64_t when[6];
};

struct bw {
    struct bv *v;
    int i;
    int64_t delay;
};

static int party(void *arg)
{
    struct bw *w = arg;
    if (w->delay && weft_sleep(w->delay) < 0) return -1;
    int rc = weft_barrier_wait(&w->v->b);
    w->v->rc[w->i] = rc < 0 ? rc : 0;
    w->v->idx[w->i] = rc;
    w->v->when[w->i] = weft_now();
    return 0;
}

/* ---- one round: everyone passes when the last arrives ---- */
static int body_round(void *arg)
{
    (void)arg;
    struct bv v = {.b = WEFT_BARRIER_INIT(3)};
    struct bw w[3];
    weft_group *g;
    int64_t t0 = weft_now();
    for (int round = 0; round < 2; round++) {
        WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
        for (int i = 0; i < 3; i++) {
            w[i] = (struct bw){&v, i, WEFT_MS(10 * (i + 1))};
            WT_REQUIRE_EQ(weft_group_spawn(g, NULL, party, &w[i]), 0);
        }
        WT_EQ(weft_sleep(WEFT_MS(25)), 0);
        WT_EQ(weft_barrier_waiting(&v.b), 2);
        WT_EQ(weft_group_wait(g), 0);
        int seen = 0;
        for (int i = 0; i < 3; i++) {
            WT_EQ(v.rc[i], 0);
            WT_EQ(v.idx[i], i); /* arrival order */
            WT_EQ(v.when[i] - t0, WEFT_MS(30) + round * WEFT_MS(30));
            seen |= 1 << v.idx[i];
        }
        WT_EQ(seen, 7);
        WT_EQ(weft_barrier_waiting(&v.b), 0);
        weft_group_free(g);
    }
    weft_barrier one;
    weft_barrier_init(&one, 1);
    WT_EQ(weft_barrier_wait(&one), 0); /* a party of one never waits */
    weft_barrier none = WEFT_BARRIER_INIT(0);
    WT_EQ(weft_barrier_wait(&none), -EINVAL);
    return 0;
}

static void test_round(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_round, NULL), 0);
}

/* ---- abort and reset ---- */
static int body_abort(void *arg)
{
    (void)arg;
    struct bv v = {.b = WEFT_BARRIER_INIT(3)};
    struct bw w[2] = {{&v, 0, 0}, {&v, 1, 0}};
    weft_task *t[2];
    for (int i = 0; i < 2; i++) WT_REQUIRE_EQ(weft_spawn(&t[i], party, &w[i]), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(weft_barrier_abort(&v.b), 0);
    for (int i = 0; i < 2; i++) {
        WT_EQ(weft_join(t[i]), 0);
        WT_EQ(v.rc[i], -EPIPE);
    }
    WT_EQ(weft_barrier_broken(&v.b), 1);
    WT_EQ(weft_barrier_wait(&v.b), -EPIPE);
    WT_EQ(weft_barrier_reset(&v.b), 0);
    WT_EQ(weft_barrier_broken(&v.b), 0);
    /* reset also breaks the current round's waiters */
    for (int i = 0; i < 2; i++) WT_REQUIRE_EQ(weft_spawn(&t[i], party, &w[i]), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(weft_barrier_waiting(&v.b), 2);
    WT_EQ(weft_barrier_reset(&v.b), 0);
    for (int i = 0; i < 2; i++) {
        WT_EQ(weft_join(t[i]), 0);
        WT_EQ(v.rc[i], -EPIPE);
    }
    WT_EQ(weft_barrier_waiting(&v.b), 0);
    WT_EQ(weft_barrier_broken(&v.b), 0);
    return 0;
}

static void test_abort_reset(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_abort, NULL), 0);
}

/* ---- a cancelled or timed-out waiter leaves the round ---- */
static int dl_party(void *arg)
{
    if (weft_deadline_push(WEFT_MS(5)) < 0) return -1;
    int rc = party(arg);
    weft_deadline_pop();
    return rc;
}

static int body_leave2(void *arg)
{
    (void)arg;
    struct bv v = {.b = WEFT_BARRIER_INIT(3)};
    struct bw w[4] = {{&v, 0, 0}, {&v, 1, 0}, {&v, 2, WEFT_MS(20)}, {&v, 3, WEFT_MS(30)}};
    weft_task *t[4];
    WT_REQUIRE_EQ(weft_spawn(&t[0], party, &w[0]), 0);
    WT_REQUIRE_EQ(weft_spawn(&t[1], dl_party, &w[1]), 0); /* times out at 5 ms */
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(weft_barrier_waiting(&v.b), 2);
    WT_EQ(weft_sleep(WEFT_MS(9)), 0);
    WT_EQ(v.rc[1], -ETIMEDOUT);
    WT_EQ(weft_barrier_waiting(&v.b), 1); /* it left */
    WT_REQUIRE_EQ(weft_spawn(&t[2], party, &w[2]), 0);
    WT_EQ(weft_sleep(WEFT_MS(25)), 0);
    WT_EQ(weft_barrier_waiting(&v.b), 2);
    WT_EQ(weft_cancel(t[2]), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(v.rc[2], -ECANCELED);
    WT_EQ(weft_barrier_waiting(&v.b), 1);
    struct bw me = {&v, 3, 0};
    weft_task *t3;
    WT_REQUIRE_EQ(weft_spawn(&t3, party, &me), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(weft_barrier_waiting(&v.b), 2);
    WT_EQ(weft_barrier_wait(&v.b), 2); /* the third party: completes the round */
    for (int i = 0; i < 3; i++) WT_EQ(weft_join(t[i]), 0);
    WT_EQ(weft_join(t3), 0);
    WT_EQ(v.rc[0], 0);
    WT_EQ(v.idx[0], 0);
    WT_EQ(v.idx[3], 1);
    return 0;
}

static void test_leave_round_deadline_cancel(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_leave2, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round),
        cmocka_unit_test(test_abort_reset),
        cmocka_unit_test(test_leave_round_deadline_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
