/* weft-test: timeout=60
 * Groups: gather (COLLECT), TaskGroup (FAIL_FAST), as_completed, race. */
#include "wt.h"

struct job {
    int64_t delay;
    int result;     /* returned after the delay */
    int cleaned;    /* 1 if it saw its cancellation */
    int finished;
};

static int job_task(void *arg)
{
    struct job *j = arg;
    int rc = weft_sleep(j->delay);
    if (rc < 0) {
        j->cleaned = 1;
        return rc;
    }
    j->finished = 1;
    return j->result;
}

/* ---- COLLECT keeps going after a failure; results in spawn order ---- */
static int body_collect(void *arg)
{
    (void)arg;
    struct job j[4] = {{WEFT_MS(30), 1, 0, 0}, {WEFT_MS(10), -EIO, 0, 0},
                       {WEFT_MS(20), 3, 0, 0}, {WEFT_MS(5), -EPIPE, 0, 0}};
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    for (int i = 0; i < 4; i++) WT_REQUIRE_EQ(weft_group_spawn(g, NULL, job_task, &j[i]), 0);
    int64_t t0 = weft_now();
    WT_EQ(weft_group_wait(g), 2); /* two failed */
    WT_EQ(weft_now() - t0, WEFT_MS(30));
    WT_EQ(weft_group_size(g), 4);
    int want[4] = {1, -EIO, 3, -EPIPE};
    for (int i = 0; i < 4; i++) {
        WT_EQ(weft_task_status(weft_group_task(g, (size_t)i)), want[i]);
        WT_EQ(j[i].cleaned, 0);
    }
    WT_CHECK(weft_group_task(g, 4) == NULL);
    weft_group_free(g);
    return 0;
}

static void test_collect(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_collect, NULL), 0);
}

/* ---- FAIL_FAST cancels siblings, returns the first error ---- */
static int body_fail_fast(void *arg)
{
    (void)arg;
    struct job j[3] = {{WEFT_MS(100), 1, 0, 0}, {WEFT_MS(10), -EIO, 0, 0},
                       {WEFT_MS(50), -EPIPE, 0, 0}};
    weft_group *g;
    weft_task *t[3];
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_FAIL_FAST), 0);
    for (int i = 0; i < 3; i++) WT_REQUIRE_EQ(weft_group_spawn(g, &t[i], job_task, &j[i]), 0);
    int64_t t0 = weft_now();
    WT_EQ(weft_group_wait(g), -EIO);
    WT_EQ(weft_now() - t0, WEFT_MS(10)); /* siblings cancelled at once */
    WT_EQ(weft_task_status(t[0]), -ECANCELED);
    WT_EQ(weft_task_status(t[1]), -EIO);
    WT_EQ(weft_task_status(t[2]), -ECANCELED);
    WT_EQ(j[0].cleaned, 1);
    WT_EQ(j[2].cleaned, 1);
    WT_EQ(weft_group_spawn(g, NULL, job_task, &j[0]), -ECANCELED); /* aborted group */
    weft_group_free(g);

    /* all succeed: 0 */
    struct job ok[2] = {{WEFT_MS(1), 5, 0, 0}, {WEFT_MS(2), 6, 0, 0}};
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_FAIL_FAST), 0);
    for (int i = 0; i < 2; i++) WT_REQUIRE_EQ(weft_group_spawn(g, NULL, job_task, &ok[i]), 0);
    WT_EQ(weft_group_wait(g), 0);
    weft_group_free(g);
    return 0;
}

static void test_fail_fast(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_fail_fast, NULL), 0);
}

/* ---- group_next: completion order, then NULL ---- */
static int body_next(void *arg)
{
    (void)arg;
    struct job j[4] = {{WEFT_MS(40), 0, 0, 0}, {WEFT_MS(10), 1, 0, 0},
                       {WEFT_MS(30), 2, 0, 0}, {WEFT_MS(20), 3, 0, 0}};
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    for (int i = 0; i < 4; i++) WT_REQUIRE_EQ(weft_group_spawn(g, NULL, job_task, &j[i]), 0);
    int want[4] = {1, 3, 2, 0};
    for (int k = 0; k < 4; k++) {
        weft_task *t = NULL;
        WT_EQ(weft_group_next(g, &t), 0);
        WT_REQUIRE(t != NULL);
        WT_EQ(weft_task_status(t), want[k]);
    }
    weft_task *t = (weft_task *)1;
    WT_EQ(weft_group_next(g, &t), 0);
    WT_CHECK(t == NULL);
    weft_group_free(g);
    return 0;
}

static void test_next_completion_order(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_next, NULL), 0);
}

/* ---- race: first completed wins, the rest are cancelled and joined ---- */
static int body_race(void *arg)
{
    (void)arg;
    struct job j[3] = {{WEFT_MS(30), 30, 0, 0}, {WEFT_MS(7), 7, 0, 0}, {WEFT_MS(20), 20, 0, 0}};
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    for (int i = 0; i < 3; i++) WT_REQUIRE_EQ(weft_group_spawn(g, NULL, job_task, &j[i]), 0);
    weft_task *first = NULL;
    WT_EQ(weft_group_next(g, &first), 0);
    WT_REQUIRE(first != NULL);
    WT_EQ(weft_task_status(first), 7);
    WT_EQ(weft_group_cancel(g), 0);
    WT_EQ(weft_group_wait(g), 0); /* cancellations the group caused are not failures */
    WT_EQ(j[0].cleaned, 1);
    WT_EQ(j[2].cleaned, 1);
    weft_group_free(g);
    return 0;
}

static void test_race(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_race, NULL), 0);
}

/* ---- freeing a group with live tasks cancels and joins them ---- */
static int body_free_live(void *arg)
{
    (void)arg;
    struct job j[3] = {{WEFT_SEC(10), 0, 0, 0}, {WEFT_SEC(20), 0, 0, 0}, {WEFT_SEC(30), 0, 0, 0}};
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_FAIL_FAST), 0);
    for (int i = 0; i < 3; i++) WT_REQUIRE_EQ(weft_group_spawn(g, NULL, job_task, &j[i]), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    int64_t t0 = weft_now();
    weft_group_free(g);
    WT_EQ(weft_now(), t0);
    for (int i = 0; i < 3; i++) WT_EQ(j[i].cleaned, 1);
    weft_group_free(NULL);
    return 0;
}

static void test_free_with_live_tasks(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_free_live, NULL), 0);
}

/* ---- a cancelled group waiter cancels and waits for all ---- */
struct waiter_arg {
    struct job j[2];
    int rc;
};

static int waiter_task(void *arg)
{
    struct waiter_arg *w = arg;
    weft_group *g;
    if (weft_group_new(&g, WEFT_COLLECT) < 0) return -1;
    for (int i = 0; i < 2; i++)
        if (weft_group_spawn(g, NULL, job_task, &w->j[i]) < 0) return -1;
    w->rc = weft_group_wait(g);
    /* when group_wait returns, no task of the group is still running */
    for (size_t i = 0; i < weft_group_size(g); i++)
        if (!weft_task_done(weft_group_task(g, i))) w->rc = 999;
    weft_group_free(g);
    return w->rc;
}

static int body_cancel_waiter(void *arg)
{
    (void)arg;
    struct waiter_arg w = {{{WEFT_SEC(10), 0, 0, 0}, {WEFT_SEC(10), 0, 0, 0}}, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, waiter_task, &w), 0);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), -ECANCELED);
    WT_EQ(w.rc, -ECANCELED);
    WT_EQ(w.j[0].cleaned, 1);
    WT_EQ(w.j[1].cleaned, 1);

    /* the same with a deadline on the waiter */
    struct job j[1] = {{WEFT_SEC(10), 0, 0, 0}};
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    WT_REQUIRE_EQ(weft_group_spawn(g, NULL, job_task, &j[0]), 0);
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(3)), 0);
    WT_EQ(weft_group_wait(g), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(j[0].cleaned, 1);
    weft_group_free(g);
    return 0;
}

static void test_cancelled_waiter(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_cancel_waiter, NULL), 0);
}

/* ---- gather of 1,000 sleeps on the real clock finishes in ~10 ms ---- */
static int ten_ms(void *arg)
{
    (void)arg;
    return weft_sleep(WEFT_MS(10));
}

static int body_gather_1000(void *arg)
{
    (void)arg;
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    int64_t w0 = wt_wall();
    for (int i = 0; i < 1000; i++) WT_REQUIRE_EQ(weft_group_spawn(g, NULL, ten_ms, NULL), 0);
    WT_EQ(weft_group_wait(g), 0);
    int64_t dt = wt_wall() - w0;
    WT_GE(dt, WEFT_MS(10));
    /* Run one after another they would take 10 s; together ~10-20 ms here
     * (cold stacks). The bound proves they overlapped and survives an ASan
     * build on a loaded machine; bench/ and examples/sleep.c report the time. */
    WT_LT(dt, WEFT_MS(500));
    weft_group_free(g);
    return 0;
}

static void test_gather_1000_sleeps(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_gather_1000, NULL), 0);
}

static int body_misuse(void *arg)
{
    (void)arg;
    weft_group *g;
    WT_EQ(weft_group_new(&g, 42), -EINVAL);
    WT_EQ(weft_group_wait(NULL), -EINVAL);
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    WT_EQ(weft_group_wait(g), 0); /* empty */
    weft_task *t;
    WT_EQ(weft_group_next(g, &t), 0);
    WT_CHECK(t == NULL);
    WT_REQUIRE_EQ(weft_group_spawn(g, &t, ten_ms, NULL), 0);
    WT_EQ(weft_join(t), -EINVAL); /* owned by the group */
    WT_EQ(weft_detach(t), -EINVAL);
    weft_group_free(g);
    return 0;
}

static void test_misuse(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_misuse, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collect),
        cmocka_unit_test(test_fail_fast),
        cmocka_unit_test(test_next_completion_order),
        cmocka_unit_test(test_race),
        cmocka_unit_test(test_free_with_live_tasks),
        cmocka_unit_test(test_cancelled_waiter),
        cmocka_unit_test(test_gather_1000_sleeps),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
