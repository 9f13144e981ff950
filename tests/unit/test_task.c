/* weft-test: timeout=60
 * Tasks: spawn, join, detach, cancel, yield, sleep. */
#include "wt.h"

static int ret42(void *arg) { (void)arg; return 42; }

static int body_join_done(void *arg)
{
    (void)arg;
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, ret42, NULL), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_task_done(t), 1);
    WT_EQ(weft_join(t), 42);
    return 7;
}

static void test_join_after_finish(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_join_done, NULL), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join_after_finish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
