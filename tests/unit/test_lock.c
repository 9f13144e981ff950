/* weft-test: timeout=60
 * The lock: uncontended use, FIFO hand-off (no barging), misuse (-EPERM,
 * -EDEADLK, the debug report naming both tasks), cancellation and
 * deadlines while waiting, and the hand-off race: a waiter interrupted just
 * as the lock is handed to it passes it on. */
#include "wt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Busy-waits ms of wall time, then lets the loop read the clock (a sleep
 * takes a fresh reading): time passes while other tasks stay READY. */
static int spin_then_sleep(int ms)
{
    int64_t until = wt_wall() + WEFT_MS(ms);
    while (wt_wall() < until) {
    }
    return weft_sleep(WEFT_US(10));
}

/* ---- uncontended: acquire, release, try, locked ---- */
static int body_basic(void *arg)
{
    (void)arg;
    weft_lock l = WEFT_LOCK_INIT;
    WT_EQ(weft_lock_locked(&l), 0);
    WT_EQ(weft_lock_acquire(&l), 0);
    WT_EQ(weft_lock_locked(&l), 1);
    WT_EQ(weft_lock_try_acquire(&l), -EAGAIN);
    WT_EQ(weft_lock_acquire(&l), -EDEADLK); /* not re-entrant */
    WT_EQ(weft_lock_release(&l), 0);
    WT_EQ(weft_lock_locked(&l), 0);
    WT_EQ(weft_lock_release(&l), -EPERM); /* not held */
    WT_EQ(weft_lock_try_acquire(&l), 0);
    WT_EQ(weft_lock_release(&l), 0);
    weft_lock l2;
    weft_lock_init(&l2);
    WT_EQ(weft_lock_acquire(&l2), 0);
    WT_EQ(weft_lock_release(&l2), 0);
    return 0;
}

static void test_basic(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_basic, NULL), 0);
}

/* ---- waiters get the lock in FIFO order; a newcomer cannot barge ---- */
struct fifo {
    weft_lock l;
    int order[5];
    int n;
    int id;
};

struct waiter {
    struct fifo *f;
    int id;
    int rc;
};

static int fifo_waiter(void *arg)
{
    struct waiter *w = arg;
    w->rc = weft_lock_acquire(&w->f->l);
    if (w->rc < 0) return w->rc;
    w->f->order[w->f->n++] = w->id;
    WT_EQ(weft_yield(), 0); /* hold it across a scheduling point */
    return weft_lock_release(&w->f->l);
}

static int body_fifo(void *arg)
{
    (void)arg;
    struct fifo f = {.l = WEFT_LOCK_INIT};
    struct waiter w[5];
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    WT_REQUIRE_EQ(weft_lock_acquire(&f.l), 0);
    for (int i = 0; i < 5; i++) {
        w[i] = (struct waiter){&f, i, 1};
        WT_REQUIRE_EQ(weft_group_spawn(g, NULL, fifo_waiter, &w[i]), 0);
    }
    WT_EQ(weft_sleep(WEFT_MS(1)), 0); /* all five queue up */
    WT_EQ(f.n, 0);
    WT_EQ(weft_lock_release(&f.l), 0);
    /* handed to waiter 0 at once: a newcomer finds it taken */
    WT_EQ(weft_lock_locked(&f.l), 1);
    WT_EQ(weft_lock_try_acquire(&f.l), -EAGAIN);
    WT_EQ(weft_group_wait(g), 0);
    for (int i = 0; i < 5; i++) {
        WT_EQ(f.order[i], i);
        WT_EQ(w[i].rc, 0);
    }
    WT_EQ(weft_lock_locked(&f.l), 0);
    weft_group_free(g);
    return 0;
}

static void test_fifo(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_fifo, NULL), 0);
}

/* ---- -EPERM from a non-owner; debug mode names both tasks ---- */
static int releaser(void *arg)
{
    return weft_lock_release(arg);
}

static int body_not_owner(void *arg)
{
    (void)arg;
    weft_lock l = WEFT_LOCK_INIT;
    WT_REQUIRE_EQ(weft_lock_acquire(&l), 0);
    weft_spawn_options o = {.name = "intruder"};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn_opts(&t, &o, releaser, &l), 0);
    WT_EQ(weft_join(t), -EPERM);
    WT_EQ(weft_lock_locked(&l), 1); /* still ours */
    WT_EQ(weft_lock_release(&l), 0);
    return 0;
}

static void test_not_owner_debug_report(void **s)
{
    (void)s;
    char path[] = "/tmp/weft_lock_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    weft_options o = WEFT_OPTIONS_INIT;
    o.debug = 1;
    int rc = wt_run_opts(&o, body_not_owner, NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    assert_int_equal(rc, 0);
    char buf[4096] = {0};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    fprintf(stderr, "captured: %s", buf);
    assert_non_null(strstr(buf, "'intruder' released lock"));
    assert_non_null(strstr(buf, "'main' holds"));
}

/* ---- cancellation and deadlines while waiting ---- */
static int cancel_waiter(void *arg)
{
    struct waiter *w = arg;
    w->rc = weft_lock_acquire(&w->f->l);
    if (w->rc == 0) {
        w->f->order[w->f->n++] = w->id;
        WEFT_IGNORE(weft_lock_release(&w->f->l));
    }
    return 0;
}

static int body_cancel(void *arg)
{
    (void)arg;
    struct fifo f = {.l = WEFT_LOCK_INIT};
    struct waiter a = {&f, 1, 1}, b = {&f, 2, 1};
    weft_task *ta, *tb;
    WT_REQUIRE_EQ(weft_lock_acquire(&f.l), 0);
    WT_REQUIRE_EQ(weft_spawn(&ta, cancel_waiter, &a), 0);
    WT_REQUIRE_EQ(weft_spawn(&tb, cancel_waiter, &b), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(weft_cancel(ta), 0);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    WT_EQ(a.rc, -ECANCELED); /* out of the queue at once */
    WT_EQ(weft_lock_release(&f.l), 0);
    WT_EQ(weft_join(ta), 0);
    WT_EQ(weft_join(tb), 0);
    WT_EQ(b.rc, 0); /* the release went to the next waiter */
    WT_EQ(f.n, 1);
    WT_EQ(f.order[0], 2);
    WT_EQ(weft_lock_locked(&f.l), 0);
    return 0;
}

static void test_cancel_while_waiting(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_cancel, NULL), 0);
}

static int deadline_waiter(void *arg)
{
    struct waiter *w = arg;
    int64_t t0 = weft_now();
    if (weft_deadline_push(WEFT_MS(10)) < 0) return -1;
    w->rc = weft_lock_acquire(&w->f->l);
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(weft_now() - t0, WEFT_MS(10));
    return 0;
}

static int body_deadline(void *arg)
{
    (void)arg;
    struct fifo f = {.l = WEFT_LOCK_INIT};
    struct waiter a = {&f, 1, 1};
    weft_task *t;
    WT_REQUIRE_EQ(weft_lock_acquire(&f.l), 0);
    WT_REQUIRE_EQ(weft_spawn(&t, deadline_waiter, &a), 0);
    WT_EQ(weft_sleep(WEFT_MS(100)), 0);
    WT_EQ(a.rc, -ETIMEDOUT);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_lock_release(&f.l), 0);
    WT_EQ(weft_lock_locked(&f.l), 0); /* nobody left waiting */
    /* a cancelled task cannot acquire even a free lock (sticky), unless shielded */
    weft_cancel(weft_self());
    WT_EQ(weft_lock_acquire(&f.l), -ECANCELED);
    WT_REQUIRE_EQ(weft_shield_push(), 0);
    WT_EQ(weft_lock_acquire(&f.l), 0);
    WT_EQ(weft_lock_release(&f.l), 0);
    WT_EQ(weft_shield_pop(), 0);
    return 0;
}

static void test_deadline_while_waiting(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_deadline, NULL), 0);
}

/* ---- the hand-off race: cancelled after being handed the lock ---- */
static int body_race_cancel(void *arg)
{
    (void)arg;
    struct fifo f = {.l = WEFT_LOCK_INIT};
    struct waiter b = {&f, 2, 1}, c = {&f, 3, 1};
    weft_task *tb, *tc;
    WT_REQUIRE_EQ(weft_lock_acquire(&f.l), 0);
    WT_REQUIRE_EQ(weft_spawn(&tb, cancel_waiter, &b), 0);
    WT_REQUIRE_EQ(weft_spawn(&tc, cancel_waiter, &c), 0);
    WT_EQ(weft_yield(), 0); /* both queue up: b first */
    WT_EQ(weft_lock_release(&f.l), 0); /* handed to b, which is now READY */
    WT_EQ(weft_cancel(tb), 0);        /* ...and cancelled before it runs */
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_SEC(1)), 0); /* a lost lock fails, not hangs */
    WT_EQ(weft_join(tb), 0);
    WT_EQ(b.rc, -ECANCELED);
    WT_EQ(weft_join(tc), 0);
    WT_EQ(weft_deadline_pop(), 0);
    WT_EQ(c.rc, 0); /* b passed the lock on */
    WT_EQ(f.n, 1);
    WT_EQ(f.order[0], 3);
    WT_EQ(weft_lock_locked(&f.l), 0);

    /* with nobody behind it, the lock comes free again */
    WT_REQUIRE_EQ(weft_lock_acquire(&f.l), 0);
    WT_REQUIRE_EQ(weft_spawn(&tb, cancel_waiter, &b), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_lock_release(&f.l), 0);
    WT_EQ(weft_cancel(tb), 0);
    WT_EQ(weft_join(tb), 0);
    WT_EQ(b.rc, -ECANCELED);
    WT_EQ(weft_lock_locked(&f.l), 0);
    WT_EQ(weft_lock_try_acquire(&f.l), 0);
    WT_EQ(weft_lock_release(&f.l), 0);
    return 0;
}

static void test_race_cancel_after_handoff(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_race_cancel, NULL), 0);
}

/* ---- the hand-off race: the deadline passes after the hand-off ---- */
static int deadline2_waiter(void *arg)
{
    struct waiter *w = arg;
    if (weft_deadline_push(WEFT_MS(2)) < 0) return -1;
    w->rc = weft_lock_acquire(&w->f->l);
    if (w->rc == 0) {
        w->f->order[w->f->n++] = w->id;
        WEFT_IGNORE(weft_lock_release(&w->f->l));
    }
    weft_deadline_pop();
    return 0;
}

static int body_race_deadline(void *arg)
{
    (void)arg;
    struct fifo f = {.l = WEFT_LOCK_INIT};
    struct waiter b = {&f, 2, 1}, c = {&f, 3, 1};
    weft_task *tb, *tc;
    WT_REQUIRE_EQ(weft_lock_acquire(&f.l), 0);
    WT_REQUIRE_EQ(weft_spawn(&tb, deadline2_waiter, &b), 0);
    WT_REQUIRE_EQ(weft_spawn(&tc, cancel_waiter, &c), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_lock_release(&f.l), 0); /* handed to b (deadline in 2 ms) */
    WT_EQ(spin_then_sleep(5), 0);      /* b's deadline passes while it is READY */
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_SEC(2)), 0); /* a lost lock fails, not hangs */
    WT_EQ(weft_join(tb), 0);
    WT_EQ(b.rc, -ETIMEDOUT);
    WT_EQ(weft_join(tc), 0);
    WT_EQ(weft_deadline_pop(), 0);
    WT_EQ(c.rc, 0);
    WT_EQ(f.n, 1);
    WT_EQ(f.order[0], 3);
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
        cmocka_unit_test(test_not_owner_debug_report),
        cmocka_unit_test(test_cancel_while_waiting),
        cmocka_unit_test(test_deadline_while_waiting),
        cmocka_unit_test(test_race_cancel_after_handoff),
        cmocka_unit_test(test_race_deadline_after_handoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
