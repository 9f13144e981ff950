/* weft-test: timeout=60
 * Generators: iteration and exhaustion, laziness, the producer's error,
 * closing early (the producer's cleanup runs, shielded waits included), the
 * consumer's deadline and cancellation reaching the producer's waits (and
 * only while it serves a next), an item yielded as the consumer's
 * interruption arrives kept for the next call, and misuse. */
#include "wt.h"

#include <stdint.h>

#define P(x) ((void *)(intptr_t)(x))
#define I(p) ((int)(intptr_t)(p))

struct prod {
    int n;            /* items to yield (0, 1, ... n-1) */
    int fail;         /* status to return after them */
    int64_t delay;    /* sleep before each yield */
    int shield_delay; /* sleep inside a shield */
    int steps;        /* yields reached */
    int yield_rc;     /* the last weft_gen_yield result */
    int sleep_rc;     /* the last sleep result */
    int cleaned;      /* the cleanup ran */
    int64_t cleaned_at;
    int keep_going;   /* after an interrupted sleep, yield anyway */
};

static int producer(weft_gen *g, void *arg)
{
    struct prod *p = arg;
    int rc = 0;
    for (int i = 0; i < p->n; i++) {
        if (p->delay) {
            if (p->shield_delay && weft_shield_push() < 0) return -1;
            p->sleep_rc = weft_sleep(p->delay);
            if (p->shield_delay) weft_shield_pop();
            if (p->sleep_rc < 0 && !p->keep_going) {
                rc = p->sleep_rc;
                break;
            }
        }
        p->steps++;
        p->yield_rc = weft_gen_yield(g, P(i));
        if (p->yield_rc < 0) {
            rc = p->yield_rc;
            break;
        }
    }
    /* cleanup: a polite, shielded wait */
    if (weft_shield_push() == 0) {
        WEFT_IGNORE(weft_sleep(WEFT_MS(1)));
        weft_shield_pop();
    }
    p->cleaned = 1;
    p->cleaned_at = weft_now();
    return rc < 0 ? rc : p->fail;
}

/* ---- iterate to the end ---- */
static int body_iterate(void *arg)
{
    (void)arg;
    struct prod p = {.n = 5};
    weft_gen *g;
    void *it;
    WT_REQUIRE_EQ(weft_gen_new(&g, producer, &p), 0);
    for (int i = 0; i < 5; i++) {
        WT_EQ(weft_gen_next(g, &it), 0);
        WT_EQ(I(it), i);
    }
    WT_EQ(weft_gen_next(g, &it), -EPIPE);
    WT_EQ(p.cleaned, 1);
    WT_EQ(weft_gen_next(g, &it), -EPIPE);
    WT_EQ(weft_gen_close(g), 0);
    weft_gen_free(g);
    weft_gen_free(NULL);
    return 0;
}

static void test_iterate(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_iterate, NULL), 0);
}

/* ---- lazy: the producer runs only for a next ---- */
static int body_lazy(void *arg)
{
    (void)arg;
    struct prod p = {.n = 3};
    weft_gen *g;
    void *it;
    WT_REQUIRE_EQ(weft_gen_new(&g, producer, &p), 0);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(p.steps, 0);
    WT_EQ(weft_gen_next(g, &it), 0);
    WT_EQ(p.steps, 1);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(p.steps, 1); /* parked at its yield */
    WT_EQ(weft_gen_next(g, &it), 0);
    WT_EQ(p.steps, 2);
    weft_gen_free(g); /* closes: the producer's yield gets -ECANCELED */
    WT_EQ(p.yield_rc, -ECANCELED);
    WT_EQ(p.cleaned, 1);
    return 0;
}

static void test_lazy(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_lazy, NULL), 0);
}

/* ---- the producer's error is reported once ---- */
static int body_error(void *arg)
{
    (void)arg;
    struct prod p = {.n = 2, .fail = -EIO};
    weft_gen *g;
    void *it;
    WT_REQUIRE_EQ(weft_gen_new(&g, producer, &p), 0);
    WT_EQ(weft_gen_next(g, &it), 0);
    WT_EQ(weft_gen_next(g, &it), 0);
    WT_EQ(weft_gen_next(g, &it), -EIO);
    WT_EQ(weft_gen_next(g, &it), -EPIPE);
    weft_gen_free(g);
    return 0;
}

static void test_producer_error(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_error, NULL), 0);
}

/* ---- closed early: the producer's cleanup runs, close waits for it ---- */
static int body_close(void *arg)
{
    (void)arg;
    struct prod p = {.n = 100};
    weft_gen *g;
    void *it;
    WT_REQUIRE_EQ(weft_gen_new(&g, producer, &p), 0);
    WT_EQ(weft_gen_next(g, &it), 0);
    WT_EQ(weft_gen_next(g, &it), 0);
    int64_t t0 = weft_now();
    WT_EQ(weft_gen_close(g), 0);
    WT_EQ(p.yield_rc, -ECANCELED);
    WT_EQ(p.cleaned, 1);
    WT_EQ(p.cleaned_at - t0, WEFT_MS(1)); /* its shielded wait ran to the end */
    WT_EQ(weft_now() - t0, WEFT_MS(1));   /* and close waited for it */
    WT_EQ(p.steps, 2);
    WT_EQ(weft_gen_next(g, &it), -EPIPE);
    WT_EQ(weft_gen_close(g), 0); /* idempotent */
    weft_gen_free(g);

    /* closed before the first next: the producer never runs */
    struct prod q = {.n = 3};
    WT_REQUIRE_EQ(weft_gen_new(&g, producer, &q), 0);
    WT_EQ(weft_gen_close(g), 0);
    WT_EQ(weft_gen_next(g, &it), -EPIPE);
    weft_gen_free(g);
    WT_EQ(q.steps, 0);
    WT_EQ(q.cleaned, 0);
    return 0;
}

static void test_closed_early(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_close, NULL), 0);
}

/* ---- the consumer's deadline reaches the producer's wait ---- */
static int body_deadline(void *arg)
{
    (void)arg;
    struct prod p = {.n = 3, .delay = WEFT_MS(100)};
    weft_gen *g;
    void *it;
    WT_REQUIRE_EQ(weft_gen_new(&g, producer, &p), 0);
    int64_t t0 = weft_now();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(10)), 0);
    WT_EQ(weft_gen_next(g, &it), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(weft_now() - t0, WEFT_MS(10) + WEFT_MS(1)); /* + its 1 ms shielded cleanup */
    WT_EQ(p.sleep_rc, -ETIMEDOUT);
    WT_EQ(p.cleaned, 1);
    WT_EQ(weft_gen_next(g, &it), -EPIPE); /* the error was reported by that next */
    weft_gen_free(g);

    /* the producer catches it and yields anyway: the next call continues,
     * and the consumer's deadline no longer applies to it */
    struct prod q = {.n = 2, .delay = WEFT_MS(100), .keep_going = 1};
    WT_REQUIRE_EQ(weft_gen_new(&g, producer, &q), 0);
    t0 = weft_now();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(10)), 0);
    WT_EQ(weft_gen_next(g, &it), -ETIMEDOUT); /* the item it yields then is kept */
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(q.sleep_rc, -ETIMEDOUT);
    WT_EQ(q.steps, 1);
    WT_EQ(weft_gen_next(g, &it), 0); /* the kept item, without running the producer */
    WT_EQ(I(it), 0);
    WT_EQ(q.steps, 1);
    t0 = weft_now();
    WT_EQ(weft_gen_next(g, &it), 0); /* a full 100 ms sleep: no deadline now */
    WT_EQ(I(it), 1);
    WT_EQ(q.sleep_rc, 0);
    WT_EQ(weft_now() - t0, WEFT_MS(100));
    WT_EQ(weft_gen_next(g, &it), -EPIPE);
    weft_gen_free(g);
    return 0;
}

static void test_consumer_deadline_while_producer_waits(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_deadline, NULL), 0);
}

/* ---- an item yielded as the consumer's deadline passed is kept ---- */
static int body_kept(void *arg)
{
    (void)arg;
    struct prod p = {.n = 2, .delay = WEFT_MS(20), .shield_delay = 1};
    weft_gen *g;
    void *it;
    WT_REQUIRE_EQ(weft_gen_new(&g, producer, &p), 0);
    int64_t t0 = weft_now();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(10)), 0);
    /* the producer's shield holds the deadline off; it yields at 20 ms */
    WT_EQ(weft_gen_next(g, &it), -ETIMEDOUT);
    WT_EQ(weft_now() - t0, WEFT_MS(20));
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(p.sleep_rc, 0);
    WT_EQ(p.steps, 1);
    WT_EQ(weft_gen_next(g, &it), 0);
    WT_EQ(I(it), 0); /* not lost */
    WT_EQ(weft_gen_next(g, &it), 0);
    WT_EQ(I(it), 1);
    weft_gen_free(g);
    return 0;
}

static void test_item_kept_across_interruption(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_kept, NULL), 0);
}

/* ---- the consumer's cancellation reaches the producer's wait ---- */
struct consumer {
    weft_gen *g;
    int rc1, rc2, rc3;
    void *item;
};

static int cancelled_consumer(void *arg)
{
    struct consumer *c = arg;
    c->rc1 = weft_gen_next(c->g, &c->item);
    c->rc2 = weft_gen_next(c->g, &c->item); /* sticky */
    if (weft_shield_push() < 0) return -1;  /* cleanup may still iterate */
    c->rc3 = weft_gen_next(c->g, &c->item);
    weft_shield_pop();
    return 0;
}

static int body_cancel(void *arg)
{
    (void)arg;
    struct prod p = {.n = 3, .delay = WEFT_MS(100), .keep_going = 1};
    struct consumer c = {0};
    WT_REQUIRE_EQ(weft_gen_new(&c.g, producer, &p), 0);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, cancelled_consumer, &c), 0);
    WT_EQ(weft_sleep(WEFT_MS(10)), 0);
    int64_t t0 = weft_now();
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(c.rc1, -ECANCELED);
    WT_EQ(p.sleep_rc, -ECANCELED); /* the producer's sleep was interrupted with it */
    WT_EQ(c.rc2, -ECANCELED);
    WT_EQ(c.rc3, 0); /* the kept item: item 0 */
    WT_EQ(I(c.item), 0);
    WT_EQ(weft_now() - t0, 0);
    WT_EQ(p.steps, 1);
    /* the producer is not itself cancelled: it serves us normally */
    void *it;
    WT_EQ(weft_gen_next(c.g, &it), 0);
    WT_EQ(I(it), 1);
    WT_EQ(p.sleep_rc, 0);
    WT_EQ(weft_now() - t0, WEFT_MS(100));
    weft_gen_free(c.g);
    return 0;
}

static void test_consumer_cancelled_while_producer_waits(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_cancel, NULL), 0);
}

/* ---- the producer's own deadline, across yields ---- */
static int own_deadline(weft_gen *g, void *arg)
{
    int *rc = arg;
    if (weft_deadline_push(WEFT_MS(50)) < 0) return -1;
    for (int i = 0;; i++) {
        int r = weft_sleep(WEFT_MS(20));
        if (r < 0) {
            *rc = r;
            weft_deadline_pop();
            return r;
        }
        if ((r = weft_gen_yield(g, P(i))) < 0) return r;
    }
}

static int body_own_deadline(void *arg)
{
    (void)arg;
    int rc = 0;
    weft_gen *g;
    void *it;
    WT_REQUIRE_EQ(weft_gen_new(&g, own_deadline, &rc), 0);
    int64_t t0 = weft_now();
    /* the consumer's deadline (200 ms) is later than the producer's (50 ms) */
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(200)), 0);
    WT_EQ(weft_gen_next(g, &it), 0);
    WT_EQ(weft_gen_next(g, &it), 0);
    WT_EQ(weft_gen_next(g, &it), -ETIMEDOUT); /* its own scope: at 50 ms */
    WT_EQ(weft_now() - t0, WEFT_MS(50));
    WT_EQ(rc, -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 0); /* not the consumer's own */
    WT_EQ(weft_gen_next(g, &it), -EPIPE);
    weft_gen_free(g);
    return 0;
}

static void test_producer_own_deadline(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_own_deadline, NULL), 0);
}

/* ---- misuse ---- */
struct misuse {
    weft_gen *g;
    int next_rc, shield_rc;
};

static int misuser(weft_gen *g, void *arg)
{
    struct misuse *m = arg;
    void *it;
    m->next_rc = weft_gen_next(g, &it);
    if (weft_shield_push() < 0) return -1;
    m->shield_rc = weft_gen_yield(g, NULL);
    weft_shield_pop();
    return weft_gen_yield(g, P(1));
}

static int busy_next(void *arg)
{
    void *it;
    return weft_gen_next(arg, &it);
}

static int slow_prod(weft_gen *g, void *arg)
{
    (void)arg;
    if (weft_sleep(WEFT_MS(10)) < 0) return -1;
    return weft_gen_yield(g, P(3));
}

static int body_misuse(void *arg)
{
    (void)arg;
    struct misuse m = {0};
    weft_gen *g;
    void *it;
    WT_REQUIRE_EQ(weft_gen_new(&g, misuser, &m), 0);
    WT_EQ(weft_gen_yield(g, NULL), -EINVAL); /* not the producer */
    WT_EQ(weft_gen_next(g, &it), 0);
    WT_EQ(I(it), 1);
    WT_EQ(m.next_rc, -EDEADLK);
    WT_EQ(m.shield_rc, -EINVAL);
    weft_gen_free(g);

    WT_REQUIRE_EQ(weft_gen_new(&g, slow_prod, NULL), 0);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, busy_next, g), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(weft_gen_next(g, &it), -EBUSY);
    WT_EQ(weft_gen_close(g), -EBUSY);
    WT_EQ(weft_join(t), 0);
    weft_gen_free(g);
    WT_EQ(weft_gen_new(&g, NULL, NULL), -EINVAL);
    return 0;
}

static void test_misuse(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_misuse, NULL), 0);
}

/* ---- a generator left open: the loop's shutdown still ends its producer ---- */
static weft_gen *left_open;

static int body_left_open(void *arg)
{
    struct prod *p = arg;
    void *it;
    WT_REQUIRE_EQ(weft_gen_new(&left_open, producer, p), 0);
    WT_EQ(weft_gen_next(left_open, &it), 0);
    return 0; /* g is left open */
}

static void test_left_open_shutdown(void **s)
{
    (void)s;
    struct prod p = {.n = 10};
    weft_options o = WEFT_OPTIONS_INIT;
    o.virtual_clock = 1;
    o.debug = 0;
    assert_int_equal(wt_run_opts(&o, body_left_open, &p), 0);
    assert_int_equal(p.yield_rc, -ECANCELED);
    assert_int_equal(p.cleaned, 1);
    weft_gen_free(left_open); /* after the loop: only the memory is left */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iterate),
        cmocka_unit_test(test_lazy),
        cmocka_unit_test(test_producer_error),
        cmocka_unit_test(test_closed_early),
        cmocka_unit_test(test_consumer_deadline_while_producer_waits),
        cmocka_unit_test(test_item_kept_across_interruption),
        cmocka_unit_test(test_consumer_cancelled_while_producer_waits),
        cmocka_unit_test(test_producer_own_deadline),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_left_open_shutdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
