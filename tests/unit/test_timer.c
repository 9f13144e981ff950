/* weft-test: pure timeout=60
 * The timing wheel, against a brute-force model: random starts, stops and
 * advances; every timer fires exactly once, never early, never while
 * stopped; next/earliest never overshoot the true earliest expiry. */
#include "wt.h"

#include <stdlib.h>

#include "core/timer.h"

enum { N = 4000 };

struct tm {
    weft__timer t;
    int64_t expiry;
    int armed;
    int fired;
    int64_t fired_at;
};

static struct tm timers[N];
static int64_t cur_now;

static long total_fired;

static void on_fire(weft__timer *t)
{
    struct tm *m = (struct tm *)t;
    total_fired++;
    m->fired++;
    m->fired_at = cur_now;
    m->armed = 0;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int64_t model_earliest(void)
{
    int64_t e = INT64_MAX;
    for (int i = 0; i < N; i++)
        if (timers[i].armed && timers[i].expiry < e) e = timers[i].expiry;
    return e;
}

static void test_wheel_random(void **s)
{
    (void)s;
    weft__wheel w;
    cur_now = 5000000000; /* 5 s */
    weft__wheel_init(&w, cur_now);
    for (int i = 0; i < N; i++) timers[i].t.fire = on_fire;
    for (int round = 0; round < 20000; round++) {
        int op = (int)(rnd() % 10);
        struct tm *m = &timers[rnd() % N];
        if (op < 5) {
            if (!m->armed) {
                /* delays from 0 ns to ~70 min, log-distributed */
                int64_t d = (int64_t)(rnd() % ((uint64_t)1 << (rnd() % 42)));
                if (rnd() % 16 == 0) d = -(int64_t)(rnd() % 1000); /* already due */
                m->expiry = cur_now + d;
                m->armed = 1;
                m->fired = 0;
                weft__timer_start(&w, &m->t, m->expiry);
            }
        } else if (op < 7) {
            if (m->armed) {
                weft__timer_stop(&w, &m->t);
                m->armed = 0;
                assert_false(weft__timer_armed(&m->t));
            }
        } else {
            /* advance: sometimes exactly to the next event, sometimes far */
            int64_t next = weft__wheel_next(&w);
            int64_t early = weft__wheel_earliest(&w);
            int64_t truth = model_earliest();
            assert_true(early == truth);
            assert_true(next <= truth);
            int64_t step = rnd() % 3 == 0 ? (next == INT64_MAX ? 1000 : next - cur_now)
                                         : (int64_t)(rnd() % ((uint64_t)1 << (rnd() % 36)));
            if (step < 0) step = 0;
            cur_now += step;
            weft__wheel_run(&w, cur_now);
            for (int i = 0; i < N; i++) {
                if (timers[i].armed) assert_true(timers[i].expiry > cur_now); /* due ones fired */
                if (timers[i].fired) {
                    assert_int_equal(timers[i].fired, 1);
                    assert_true(timers[i].fired_at >= timers[i].expiry); /* never early */
                }
            }
        }
        size_t armed = 0;
        for (int i = 0; i < N; i++) armed += timers[i].armed;
        assert_int_equal(w.count, armed);
    }
    assert_true(total_fired > 1000); /* the run really exercised firing */
}

/* Timers stopped from inside another timer's callback, within one slot. */
static weft__timer pair[2];
static int pair_fired[2];
static weft__wheel *pw;

static void pair_fire0(weft__timer *t)
{
    (void)t;
    pair_fired[0]++;
    weft__timer_stop(pw, &pair[1]);
}
static void pair_fire1(weft__timer *t)
{
    (void)t;
    pair_fired[1]++;
    weft__timer_stop(pw, &pair[0]);
}

static void test_stop_from_callback(void **s)
{
    (void)s;
    weft__wheel w;
    pw = &w;
    weft__wheel_init(&w, 1000);
    pair[0].fire = pair_fire0;
    pair[1].fire = pair_fire1;
    weft__timer_start(&w, &pair[0], 5000);
    weft__timer_start(&w, &pair[1], 5000);
    weft__wheel_run(&w, 6000);
    assert_int_equal(pair_fired[0] + pair_fired[1], 1);
    assert_int_equal(w.count, 0);
}

/* Exact nanosecond expiries: nothing fires a nanosecond early. */
static int exact_fired;
static void exact_fire(weft__timer *t)
{
    (void)t;
    exact_fired++;
}

static void test_exact(void **s)
{
    (void)s;
    weft__wheel w;
    weft__timer t = {.fire = exact_fire};
    weft__wheel_init(&w, 0);
    weft__timer_start(&w, &t, 1234567);
    assert_int_equal(weft__wheel_earliest(&w), 1234567);
    weft__wheel_run(&w, 1234566);
    assert_int_equal(exact_fired, 0);
    weft__wheel_run(&w, 1234567);
    assert_int_equal(exact_fired, 1);
    weft__timer_start(&w, &t, INT64_MAX - 5); /* "never" still files */
    weft__wheel_run(&w, (int64_t)1 << 60);
    assert_int_equal(exact_fired, 1);
    weft__timer_stop(&w, &t);
    assert_int_equal(w.count, 0);
    assert_int_equal(weft__wheel_next(&w), INT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wheel_random),
        cmocka_unit_test(test_stop_from_callback),
        cmocka_unit_test(test_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
