/* weft-test: timeout=120
 * Tasks: spawn, join, detach, cancel, yield, and many tasks at once. */
#include "wt.h"

#include <stdlib.h>
#include <string.h>

#include "core/loop.h"

static int ret42(void *arg)
{
    (void)arg;
    return 42;
}

/* ---- join after the task finished ---- */
static int body_join_done(void *arg)
{
    (void)arg;
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, ret42, NULL), 0);
    WT_EQ(weft_task_done(t), 0);
    WT_EQ(weft_task_status(t), -EBUSY);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_task_done(t), 1);
    WT_EQ(weft_task_status(t), 42);
    WT_EQ(weft_join(t), 42);
    return 7;
}

static void test_join_after_finish(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_join_done, NULL), 7);
}

/* ---- join while the task runs ---- */
static int sleeper(void *arg)
{
    int *n = arg;
    int rc = weft_sleep(WEFT_MS(5));
    (*n)++;
    return rc == 0 ? 5 : rc;
}

static int body_join_waits(void *arg)
{
    (void)arg;
    int n = 0;
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, sleeper, &n), 0);
    WT_EQ(weft_join(t), 5);
    WT_EQ(n, 1);
    return 0;
}

static void test_join_waits(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_join_waits, NULL), 0);
}

/* ---- cancel before it started: fn never runs ---- */
static int must_not_run(void *arg)
{
    int *ran = arg;
    *ran = 1;
    return 0;
}

static int body_cancel_before_start(void *arg)
{
    (void)arg;
    int ran = 0;
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, must_not_run, &ran), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), -ECANCELED);
    WT_EQ(ran, 0);
    return 0;
}

static void test_cancel_before_start(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_cancel_before_start, NULL), 0);
}

/* ---- cancel while sleeping; cancel twice; later waits keep failing ---- */
struct sticky {
    int first, second, third;
    int cleaned;
};

static int sticky_task(void *arg)
{
    struct sticky *st = arg;
    st->first = weft_sleep(WEFT_SEC(100));
    st->second = weft_sleep(WEFT_MS(1));
    st->third = weft_yield();
    st->cleaned = 1;
    return st->first;
}

static int body_cancel_sleeping(void *arg)
{
    (void)arg;
    struct sticky st = {1, 1, 1, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, sticky_task, &st), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0); /* let it start sleeping */
    int64_t t0 = weft_now();
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_cancel(t), 0); /* twice: idempotent */
    WT_EQ(weft_join(t), -ECANCELED);
    WT_LT(weft_now() - t0, WEFT_SEC(1)); /* interrupted, not slept out */
    WT_EQ(st.first, -ECANCELED);
    WT_EQ(st.second, -ECANCELED);
    WT_EQ(st.third, -ECANCELED);
    WT_EQ(st.cleaned, 1);
    WT_EQ(weft_cancel(NULL), -EINVAL);
    return 0;
}

static void test_cancel_sleeping(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_cancel_sleeping, NULL), 0);
}

/* ---- a cancelled joiner cancels the joined task and still frees it ---- */
struct chain {
    weft_task *inner;
    int inner_status;
    int inner_cleaned;
    int join_rc;
};

static int inner_task(void *arg)
{
    struct chain *c = arg;
    if (weft_deadline_push(WEFT_SEC(1000)) < 0) return -1; /* left open: freed at the end */
    int rc = weft_sleep(WEFT_SEC(100));
    c->inner_cleaned = 1;
    return rc;
}

static int joiner_task(void *arg)
{
    struct chain *c = arg;
    if (weft_spawn(&c->inner, inner_task, c) < 0) return -1;
    if (weft_deadline_push(WEFT_SEC(1000)) < 0) return -1; /* left open too */
    c->join_rc = weft_join(c->inner);
    return c->join_rc;
}

static int body_cancel_joiner(void *arg)
{
    (void)arg;
    weft_loop *L = weft_loop_current();
    /* Task and scope records live in mmap'd pools, out of ASan's sight:
     * the pools' counts show whether they went back. */
    size_t tasks0 = L->task_pool.used, records0 = L->records, scopes0 = L->scope_pool.used;
    struct chain c = {0};
    weft_task *j;
    WT_REQUIRE_EQ(weft_spawn(&j, joiner_task, &c), 0);
    WT_EQ(weft_yield(), 0); /* j spawns the inner task and joins it */
    WT_EQ(weft_yield(), 0); /* the inner task sleeps */
    WT_EQ(L->task_pool.used, tasks0 + 2);
    WT_EQ(L->scope_pool.used, scopes0 + 2);
    WT_EQ(weft_cancel(j), 0);
    WT_EQ(weft_join(j), -ECANCELED);
    WT_EQ(c.join_rc, -ECANCELED);
    WT_EQ(c.inner_cleaned, 1); /* the inner task was cancelled and ran its cleanup */
    WT_EQ(L->task_pool.used, tasks0); /* both records went back: the inner handle was freed */
    WT_EQ(L->records, records0);
    WT_EQ(L->scope_pool.used, scopes0); /* and both tasks' open scopes */
    return 0;
}

static void test_cancel_joiner(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_cancel_joiner, NULL), 0);
}

/* ---- misuse ---- */
static int body_misuse(void *arg)
{
    (void)arg;
    WT_EQ(weft_join(weft_self()), -EDEADLK);
    WT_EQ(weft_join(NULL), -EINVAL);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, ret42, NULL), 0);
    WT_EQ(weft_detach(t), 0);
    WT_EQ(weft_detach(t), -EINVAL);
    WT_EQ(weft_join(t), -EINVAL);
    WT_EQ(weft_spawn(&t, NULL, NULL), -EINVAL);
    return 0;
}

static void test_misuse(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_misuse, NULL), 0);
    weft_task *t;
    assert_int_equal((weft_spawn)(&t, ret42, NULL), -EINVAL); /* outside a loop */
    assert_int_equal(weft_yield(), -EINVAL);
}

/* ---- detached tasks run to completion and free themselves ---- */
static int counter(void *arg)
{
    int *n = arg;
    if (weft_sleep(WEFT_MS(1)) == 0) (*n)++;
    return 0;
}

static int body_detach(void *arg)
{
    int *n = arg;
    for (int i = 0; i < 10; i++) WT_EQ(weft_spawn(NULL, counter, n), 0);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, counter, n), 0);
    WT_EQ(weft_detach(t), 0);
    return weft_sleep(WEFT_MS(10));
}

static void test_detach(void **s)
{
    (void)s;
    int n = 0;
    assert_int_equal(wt_run_virtual(body_detach, &n), 0);
    assert_int_equal(n, 11);
}

/* ---- yield: round-robin order ---- */
struct rr {
    char log[64];
    int len;
};
struct rr_arg {
    struct rr *r;
    char c;
};

static int rr_task(void *arg)
{
    struct rr_arg *a = arg;
    for (int i = 0; i < 3; i++) {
        a->r->log[a->r->len++] = a->c;
        if (weft_yield() < 0) return -1;
    }
    return 0;
}

static int body_yield_fair(void *arg)
{
    (void)arg;
    struct rr r = {{0}, 0};
    struct rr_arg a[3] = {{&r, 'a'}, {&r, 'b'}, {&r, 'c'}};
    weft_task *t[3];
    for (int i = 0; i < 3; i++) WT_REQUIRE_EQ(weft_spawn(&t[i], rr_task, &a[i]), 0);
    for (int i = 0; i < 3; i++) WT_EQ(weft_join(t[i]), 0);
    r.log[r.len] = 0;
    WT_CHECK(strcmp(r.log, "abcabcabc") == 0);
    if (strcmp(r.log, "abcabcabc") != 0) fprintf(stderr, "order: %s\n", r.log);
    return 0;
}

static void test_yield_fairness(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_yield_fair, NULL), 0);
}

/* A task spinning on yield must not starve timers: a sleeper still wakes. */
struct spin {
    int stop;
    long spins;
};

static int spinner(void *arg)
{
    struct spin *s = arg;
    while (!s->stop) {
        if (weft_yield() < 0) return -1;
        s->spins++;
    }
    return 0;
}

static int body_yield_no_starve(void *arg)
{
    (void)arg;
    struct spin s = {0, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, spinner, &s), 0);
    int64_t w0 = wt_wall();
    WT_EQ(weft_sleep(WEFT_MS(2)), 0);
    WT_LT(wt_wall() - w0, WEFT_MS(200));
    s.stop = 1;
    WT_EQ(weft_join(t), 0);
    WT_GT(s.spins, 10);
    return 0;
}

static void test_yield_does_not_starve_timers(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_yield_no_starve, NULL), 0);
}

/* ---- 100,000 tasks alive at once ---- */
struct many {
    int started;
    int finished;
};

static int many_task(void *arg)
{
    struct many *m = arg;
    m->started++;
    int rc = weft_sleep(WEFT_MS(10));
    if (rc == 0) m->finished++;
    return rc;
}

static int body_many(void *arg)
{
    (void)arg;
    enum { N = 100000 };
    struct many m = {0, 0};
    weft_task **t = malloc(N * sizeof *t);
    WT_REQUIRE(t != NULL);
    for (int i = 0; i < N; i++) WT_REQUIRE_EQ(weft_spawn(&t[i], many_task, &m), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(m.started, N); /* all alive (sleeping) at once */
    WT_EQ(m.finished, 0);
    int bad = 0;
    for (int i = 0; i < N; i++) bad += weft_join(t[i]) != 0;
    WT_EQ(bad, 0);
    WT_EQ(m.finished, N);
    free(t);
    return 0;
}

static void test_100k_tasks(void **s)
{
    (void)s;
    /* virtual clock: no sleep can end while tasks are still being started */
    assert_int_equal(wt_run_virtual(body_many, NULL), 0);
}

/* ---- the run itself ---- */
static int nested_run(void *arg)
{
    (void)arg;
    WT_EQ(weft_run(ret42, NULL), -EBUSY);
    WT_CHECK(weft_loop_current() != NULL);
    WT_CHECK(weft_backend_name() != NULL);
    return 3;
}

static void test_run(void **s)
{
    (void)s;
    assert_int_equal(wt_run(nested_run, NULL), 3);
    assert_null(weft_loop_current());
    assert_int_equal(weft_run(NULL, NULL), -EINVAL);
    weft_options o = WEFT_OPTIONS_INIT;
    o.backend = "no-such-backend";
    assert_int_equal(weft_run_opts(&o, ret42, NULL), -EINVAL);
    o.backend = NULL;
    o.stack_size = 1000;
    assert_int_equal(weft_run_opts(&o, ret42, NULL), -EINVAL);
}

/* Tasks still alive when main returns are cancelled and waited for. */
static int orphan(void *arg)
{
    int *cleaned = arg;
    int rc = weft_sleep(WEFT_SEC(1000));
    if (rc == -ECANCELED) *cleaned += 1;
    return rc;
}

static int body_orphans(void *arg)
{
    for (int i = 0; i < 5; i++) WT_EQ(weft_spawn(NULL, orphan, arg), 0);
    return weft_sleep(WEFT_MS(1));
}

static void test_main_return_cancels_the_rest(void **s)
{
    (void)s;
    int cleaned = 0;
    int64_t w0 = wt_wall();
    assert_int_equal(wt_run(body_orphans, &cleaned), 0);
    assert_int_equal(cleaned, 5);
    assert_true(wt_wall() - w0 < WEFT_SEC(5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join_after_finish),
        cmocka_unit_test(test_join_waits),
        cmocka_unit_test(test_cancel_before_start),
        cmocka_unit_test(test_cancel_sleeping),
        cmocka_unit_test(test_cancel_joiner),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_detach),
        cmocka_unit_test(test_yield_fairness),
        cmocka_unit_test(test_yield_does_not_starve_timers),
        cmocka_unit_test(test_100k_tasks),
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_main_return_cancels_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
