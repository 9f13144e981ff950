/* weft-test: timeout=60 serial
 * Deadline scopes and shields, on the virtual clock (instant and exact). */
#include "wt.h"

/* ---- nested deadlines: the earliest wins; pop reports its own expiry ---- */
static int body_nested(void *arg)
{
    (void)arg;
    int64_t t0 = weft_now();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(100)), 0); /* outer */
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(10)), 0);  /* inner, earlier */
    WT_EQ(weft_sleep(WEFT_SEC(1)), -ETIMEDOUT);
    WT_EQ(weft_now() - t0, WEFT_MS(10)); /* exact on the virtual clock */
    WT_EQ(weft_sleep(WEFT_MS(1)), -ETIMEDOUT); /* sticky until the pop */
    WT_EQ(weft_yield(), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1); /* the inner scope itself expired */
    WT_EQ(weft_sleep(WEFT_MS(20)), 0); /* outer still open, not expired */
    WT_EQ(weft_now() - t0, WEFT_MS(30));
    WT_EQ(weft_sleep(WEFT_SEC(1)), -ETIMEDOUT);
    WT_EQ(weft_now() - t0, WEFT_MS(100));
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0); /* no scope left */
    WT_EQ(weft_deadline_pop(), -EINVAL);

    /* an inner scope later than the outer: the outer fires, and the inner
     * pop says "not mine" */
    t0 = weft_now();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(5)), 0);
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(50)), 0);
    WT_EQ(weft_sleep(WEFT_SEC(1)), -ETIMEDOUT);
    WT_EQ(weft_now() - t0, WEFT_MS(5));
    WT_EQ(weft_deadline_pop(), 0);
    WT_EQ(weft_deadline_pop(), 1);
    return 0;
}

static void test_nested(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_nested, NULL), 0);
}

/* ---- a popped deadline never fires ---- */
static int body_popped(void *arg)
{
    (void)arg;
    int64_t t0 = weft_now();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(10)), 0);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0); /* arms the deadline timer */
    WT_EQ(weft_deadline_pop(), 0);
    WT_EQ(weft_sleep(WEFT_MS(50)), 0); /* runs past the old deadline untouched */
    WT_EQ(weft_now() - t0, WEFT_MS(55));
    /* many push/pop pairs without waits cost no timer at all */
    for (int i = 0; i < 1000; i++) {
        WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(1)), 0);
        WT_REQUIRE_EQ(weft_deadline_pop(), 0);
    }
    WT_EQ(weft_deadline_push(0), 0); /* zero: already expired */
    WT_EQ(weft_yield(), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    return 0;
}

static void test_popped_never_fires(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_popped, NULL), 0);
}

/* ---- a deadline expiring while blocked in join ---- */
struct slow {
    int cleaned;
};

static int slow_task(void *arg)
{
    struct slow *s = arg;
    int rc = weft_sleep(WEFT_SEC(100));
    s->cleaned = rc == -ECANCELED;
    return rc;
}

static int body_join_deadline(void *arg)
{
    (void)arg;
    struct slow s = {0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, slow_task, &s), 0);
    int64_t t0 = weft_now();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(20)), 0);
    WT_EQ(weft_join(t), -ETIMEDOUT); /* the joined task was cancelled and reaped */
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(weft_now() - t0, WEFT_MS(20));
    WT_EQ(s.cleaned, 1);
    return 0;
}

static void test_deadline_in_join(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_join_deadline, NULL), 0);
}

/* ---- shield: defers an outside cancel and deadline, honours its inner one ---- */
struct shielded {
    int in_shield_sleep;   /* the shielded sleep, through an outside cancel */
    int inner_deadline;    /* a deadline pushed inside the shield */
    int64_t inner_at;
    int after_pop;         /* the first wait after the shield ends */
    int64_t t0;
};

static int shielded_task(void *arg)
{
    struct shielded *s = arg;
    if (weft_shield_push() < 0) return -1;
    s->in_shield_sleep = weft_sleep(WEFT_MS(30)); /* cancelled at 10 ms: must not stop */
    if (weft_deadline_push(WEFT_MS(5)) < 0) return -1;
    s->inner_deadline = weft_sleep(WEFT_SEC(10)); /* bounded cleanup */
    s->inner_at = weft_now() - s->t0;
    (void)weft_deadline_pop();
    (void)weft_shield_pop();
    s->after_pop = weft_sleep(WEFT_MS(1));
    return s->after_pop;
}

static int body_shield_cancel(void *arg)
{
    (void)arg;
    struct shielded s = {1, 1, 0, 1, weft_now()};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, shielded_task, &s), 0);
    WT_EQ(weft_sleep(WEFT_MS(10)), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), -ECANCELED);
    WT_EQ(s.in_shield_sleep, 0);
    WT_EQ(s.inner_deadline, -ETIMEDOUT);
    WT_EQ(s.inner_at, WEFT_MS(35));
    WT_EQ(s.after_pop, -ECANCELED);
    return 0;
}

static void test_shield_defers_cancel(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_shield_cancel, NULL), 0);
}

static int body_shield_deadline(void *arg)
{
    (void)arg;
    int64_t t0 = weft_now();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(10)), 0); /* outside the shield */
    WT_REQUIRE_EQ(weft_shield_push(), 0);
    WT_EQ(weft_sleep(WEFT_MS(30)), 0); /* the outer deadline passes meanwhile */
    WT_EQ(weft_now() - t0, WEFT_MS(30));
    WT_EQ(weft_deadline_pop(), -EINVAL); /* innermost is the shield */
    WT_EQ(weft_shield_pop(), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), -ETIMEDOUT); /* takes effect after the shield */
    WT_EQ(weft_shield_pop(), -EINVAL);
    WT_EQ(weft_deadline_pop(), 1);
    return 0;
}

static void test_shield_defers_deadline(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_shield_deadline, NULL), 0);
}

/* ---- wait_for ---- */
static int sleep_arg(void *arg) { return weft_sleep(*(int64_t *)arg); }

static int body_wait_for(void *arg)
{
    (void)arg;
    int64_t d = WEFT_MS(5);
    WT_EQ(weft_wait_for(sleep_arg, &d, WEFT_MS(10)), 0);
    d = WEFT_MS(50);
    int64_t t0 = weft_now();
    WT_EQ(weft_wait_for(sleep_arg, &d, WEFT_MS(10)), -ETIMEDOUT);
    WT_EQ(weft_now() - t0, WEFT_MS(10));
    WT_EQ(weft_sleep(WEFT_MS(1)), 0); /* the scope is gone */
    return 0;
}

static void test_wait_for(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_wait_for, NULL), 0);
}

/* ---- deadlines on the real clock are prompt (<= 1 ms late unloaded) ---- */
static int body_prompt(void *arg)
{
    (void)arg;
    int64_t w0 = wt_wall();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(20)), 0);
    WT_EQ(weft_sleep(WEFT_SEC(5)), -ETIMEDOUT);
    int64_t late = wt_wall() - w0 - WEFT_MS(20);
    WT_GE(late, 0);
    WT_LT(late, WEFT_MS(5)); /* 1 ms unloaded; margin for a busy CI machine */
    WT_EQ(weft_deadline_pop(), 1);
    return 0;
}

static void test_prompt_real_clock(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_prompt, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_popped_never_fires),
        cmocka_unit_test(test_deadline_in_join),
        cmocka_unit_test(test_shield_defers_cancel),
        cmocka_unit_test(test_shield_defers_deadline),
        cmocka_unit_test(test_wait_for),
        cmocka_unit_test(test_prompt_real_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
