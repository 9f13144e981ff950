/* weft-test: timeout=60 serial
 * Sleeping on the real clock: ordering and precision (never early, <= 1 ms
 * late unloaded), and on the virtual clock: instant and exact. */
#include "wt.h"

#include <stdlib.h>

struct rec {
    int order[8];
    int n;
};
struct sl {
    struct rec *r;
    int id;
    int64_t d;
};

static int sleep_rec(void *arg)
{
    struct sl *s = arg;
    int rc = weft_sleep(s->d);
    s->r->order[s->r->n++] = s->id;
    return rc;
}

static int body_order(void *arg)
{
    (void)arg;
    struct rec r = {{0}, 0};
    int64_t d[5] = {WEFT_MS(5), WEFT_MS(1), WEFT_MS(3), WEFT_US(1500), WEFT_MS(2)};
    struct sl s[5];
    weft_task *t[5];
    for (int i = 0; i < 5; i++) {
        s[i] = (struct sl){&r, i, d[i]};
        WT_REQUIRE_EQ(weft_spawn(&t[i], sleep_rec, &s[i]), 0);
    }
    for (int i = 0; i < 5; i++) WT_EQ(weft_join(t[i]), 0);
    int want[5] = {1, 3, 4, 2, 0};
    for (int i = 0; i < 5; i++) WT_EQ(r.order[i], want[i]);
    return 0;
}

static void test_order(void **st)
{
    (void)st;
    assert_int_equal(wt_run(body_order, NULL), 0);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int body_precision(void *arg)
{
    (void)arg;
    enum { N = 40 };
    int64_t late[N];
    for (int i = 0; i < N; i++) {
        int64_t d = WEFT_US(200) * (i % 10 + 1);
        int64_t w0 = wt_wall();
        WT_EQ(weft_sleep(d), 0);
        late[i] = wt_wall() - w0 - d;
        WT_GE(late[i], 0); /* never early */
    }
    qsort(late, N, sizeof late[0], cmp64);
    fprintf(stderr, "sleep lateness: median %.1f us, max %.1f us\n", late[N / 2] / 1e3,
            late[N - 1] / 1e3);
    WT_LT(late[N / 2], WEFT_MS(1)); /* the median: robust to a noisy neighbour */
    return 0;
}

static void test_precision(void **st)
{
    (void)st;
    assert_int_equal(wt_run(body_precision, NULL), 0);
}

static int body_virtual(void *arg)
{
    (void)arg;
    int64_t w0 = wt_wall();
    int64_t t0 = weft_now();
    WT_EQ(weft_sleep(WEFT_SEC(3600)), 0);
    WT_EQ(weft_now() - t0, WEFT_SEC(3600));
    WT_EQ(weft_sleep_until(t0 + WEFT_SEC(3601) + 7), 0);
    WT_EQ(weft_now(), t0 + WEFT_SEC(3601) + 7);
    WT_EQ(weft_sleep_until(t0), 0); /* in the past: returns at once */
    WT_EQ(weft_now(), t0 + WEFT_SEC(3601) + 7);
    WT_EQ(weft_sleep(0), 0);
    WT_EQ(weft_sleep(-5), 0);
    WT_LT(wt_wall() - w0, WEFT_SEC(1));
    return 0;
}

static void test_virtual_clock(void **st)
{
    (void)st;
    assert_int_equal(wt_run_virtual(body_virtual, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_precision),
        cmocka_unit_test(test_virtual_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
