/* weft-test: threads timeout=120 needs=io
 * Thread-safe calls into a loop: weft_call_threadsafe and
 * weft_spawn_threadsafe from 8 threads at once (every call runs exactly
 * once, on the loop's thread), future waits with a timeout, cancellation
 * before and after the task started, futures awaited by tasks of another
 * loop, and every way a loop's end meets a future or a call (completes
 * with -ECANCELED / -ESHUTDOWN, later calls fail with -ESHUTDOWN, nothing
 * hangs, nothing is used after it is freed). */
#include "wt.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/loop.h"

/* Flags shared with foreign threads (wt_flag_*: every change wakes the
 * task or thread waiting for it; nothing polls). */
static int load(const int *p) { return wt_flag_get(p); }
static void store(int *p, int v) { wt_flag_set(p, v); }
static int task_wait_flag(const int *p, int v) { return wt_flag_wait_task(p, v); }

static int join_thread_job(void *p) { return -pthread_join(*(pthread_t *)p, NULL); }

/* From a task: joins a thread on the worker pool (the loop keeps running). */
static int join_thread(pthread_t th) { return weft_to_thread(join_thread_job, &th); }

/* ------------------------------------------------ 8 threads at once */

enum { THREADS = 8, CALLS = 500, FUTURES = 50 };

static struct many {
    weft_loop *loop;
    pthread_t loop_thread;
    int calls;       /* loop thread only */
    int wrong_thread;
    int per[THREADS]; /* last call seen per thread: each thread's calls run in order */
    int out_of_order;
    weft__wait *waiter;
    int thread_errors[THREADS];
} m;

struct call_arg {
    int thread, seq;
};
static struct call_arg call_args[THREADS][CALLS];

static void many_check_done(void)
{
    if (m.calls == THREADS * CALLS && m.waiter) {
        weft__wait *w = m.waiter;
        m.waiter = NULL;
        weft__wake(w, 0);
    }
}

static int counted_call(void *p)
{
    struct call_arg *a = p;
    if (!pthread_equal(pthread_self(), m.loop_thread)) m.wrong_thread++;
    if (a->seq != m.per[a->thread] + 1) m.out_of_order++;
    m.per[a->thread] = a->seq;
    m.calls++;
    many_check_done();
    return 0;
}

static int doubler(void *p)
{
    intptr_t v = (intptr_t)p;
    if (!pthread_equal(pthread_self(), m.loop_thread)) m.wrong_thread++;
    int rc = weft_yield(); /* a real task: it may wait */
    return rc < 0 ? rc : (int)(v * 2);
}

static void *many_thread(void *p)
{
    int k = (int)(intptr_t)p;
    for (int i = 0; i < CALLS; i++) {
        call_args[k][i].thread = k;
        call_args[k][i].seq = i;
        if (weft_call_threadsafe(m.loop, counted_call, &call_args[k][i]) != 0) m.thread_errors[k]++;
    }
    for (int i = 0; i < FUTURES; i++) {
        weft_future *f;
        int st = -1;
        if (weft_spawn_threadsafe(m.loop, &f, doubler, (void *)(intptr_t)(k * 1000 + i)) != 0) {
            m.thread_errors[k]++;
            continue;
        }
        if (weft_future_wait(f, WEFT_SEC(20), &st) != 0 || st != 2 * (k * 1000 + i))
            m.thread_errors[k]++;
        if (!weft_future_done(f)) m.thread_errors[k]++;
        weft_future_free(f);
    }
    return NULL;
}

static void many_cancel(weft__wait *w, int reason)
{
    m.waiter = NULL;
    weft__wake(w, reason);
}

static int many_body(void *arg)
{
    (void)arg;
    m.loop = weft_loop_current();
    m.loop_thread = pthread_self();
    for (int k = 0; k < THREADS; k++) m.per[k] = -1;
    pthread_t th[THREADS];
    for (int k = 0; k < THREADS; k++)
        WT_REQUIRE_EQ(pthread_create(&th[k], NULL, many_thread, (void *)(intptr_t)k), 0);
    weft__wait w = {.cancel = many_cancel, .what = "calls"};
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_SEC(30)), 0);
    if (m.calls < THREADS * CALLS) {
        m.waiter = &w;
        WT_EQ(weft__park(&w), 0);
    }
    WT_EQ(weft_deadline_pop(), 0);
    for (int k = 0; k < THREADS; k++) WT_EQ(join_thread(th[k]), 0);
    WT_EQ(m.calls, THREADS * CALLS);
    WT_EQ(m.wrong_thread, 0);
    WT_EQ(m.out_of_order, 0);
    for (int k = 0; k < THREADS; k++) WT_EQ(m.thread_errors[k], 0);
    return 0;
}

static void test_eight_threads(void **s)
{
    (void)s;
    assert_int_equal(wt_run(many_body, NULL), 0);
}

/* ------------------------------------------- timeouts and cancellation */

static struct tc {
    weft_loop *loop;
    int rc_timeout, rc_cancel_wait, st_cancel;
    int rc_precancel_wait, st_precancel;
    int sleeper_started, blocker_ran;
    int deadlk;
} tc;

static int sleeper(void *p)
{
    (void)p;
    store(&tc.sleeper_started, 1);
    return weft_sleep(WEFT_SEC(3600)); /* -ECANCELED when cancelled */
}

static int marker(void *p)
{
    (void)p;
    store(&tc.blocker_ran, 1);
    return 0;
}

static void *tc_thread(void *p)
{
    (void)p;
    weft_future *f;
    int st = 0;
    /* a wait that times out, then a cancel of the running task */
    if (weft_spawn_threadsafe(tc.loop, &f, sleeper, NULL) != 0) return NULL;
    int64_t t0 = wt_wall();
    tc.rc_timeout = weft_future_wait(f, WEFT_MS(30), &st);
    if (wt_wall() - t0 < WEFT_MS(25)) tc.rc_timeout = 99; /* returned early */
    if (wt_flag_wait_thread(&tc.sleeper_started, 1) < 0) tc.rc_timeout = 98;
    WEFT_IGNORE(weft_future_cancel(f));
    WEFT_IGNORE(weft_future_cancel(f)); /* idempotent */
    tc.rc_cancel_wait = weft_future_wait(f, -1, &tc.st_cancel);
    weft_future_free(f);
    return NULL;
}

static int tc_body(void *arg)
{
    (void)arg;
    tc.loop = weft_loop_current();
    pthread_t th;
    WT_REQUIRE_EQ(pthread_create(&th, NULL, tc_thread, NULL), 0);
    WT_EQ(join_thread(th), 0);
    WT_EQ(tc.rc_timeout, -ETIMEDOUT);
    WT_EQ(tc.rc_cancel_wait, 0);
    WT_EQ(tc.st_cancel, -ECANCELED);

    /* cancelled before its task ran: fn never runs. The spawn and the
     * cancel are drained in one batch, so the task is still NEW. */
    weft_future *f;
    WT_REQUIRE_EQ(weft_spawn_threadsafe(tc.loop, &f, marker, NULL), 0);
    WT_EQ(weft_future_cancel(f), 0);
    /* waiting on the loop's own thread would deadlock */
    WT_EQ(weft_future_wait(f, WEFT_MS(10), NULL), -EDEADLK);
    int st = 0;
    WT_EQ(weft_future_await(f, &st), 0);
    WT_EQ(st, -ECANCELED);
    WT_EQ(weft_future_wait(f, 0, &st), 0); /* done: fine on any thread */
    WT_EQ(weft_future_cancel(f), 0);       /* after completion: nothing */
    weft_future_free(f);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(load(&tc.blocker_ran), 0);
    WT_EQ(weft_loop_current()->ext[WEFT__EXT_REMOTE] == NULL, 1);

    /* freed before completion: the loop's reference keeps it alive */
    WT_REQUIRE_EQ(weft_spawn_threadsafe(tc.loop, &f, marker, NULL), 0);
    weft_future_free(f);
    WT_EQ(task_wait_flag(&tc.blocker_ran, 1), 0);

    WT_EQ(weft_spawn_threadsafe(NULL, &f, marker, NULL), -EINVAL);
    WT_EQ(f == NULL, 1);
    WT_EQ(weft_call_threadsafe(tc.loop, NULL, NULL), -EINVAL);
    WT_EQ(weft_future_wait(NULL, 0, NULL), -EINVAL);
    weft_future_free(NULL);
    return 0;
}

static void test_timeout_and_cancel(void **s)
{
    (void)s;
    assert_int_equal(wt_run(tc_body, NULL), 0);
}

/* -------------------------------------------------- after the loop ends */

static struct end {
    weft_loop *loop;
    int ready;
    int rc_wait, st_wait;
    int rc_spawn_after, rc_call_after, rc_cancel_after;
    weft_future *f_late, *f_new;
} e;

static void *end_thread(void *p)
{
    (void)p;
    weft_future *f;
    int st = 0;
    if (weft_spawn_threadsafe(e.loop, &f, sleeper, NULL) != 0) {
        e.rc_wait = 99;
        store(&e.ready, 1);
        return NULL;
    }
    WEFT_IGNORE(weft_future_wait(f, 0, &st)); /* just looks: still running */
    WEFT_IGNORE(wt_flag_wait_thread(&tc.sleeper_started, 1)); /* end_body checks it */
    store(&e.ready, 1); /* the loop may end now: the sleeper runs */
    e.rc_wait = weft_future_wait(f, -1, &e.st_wait); /* completes when the loop ends */
    weft_future *g = NULL;
    e.rc_spawn_after = weft_spawn_threadsafe(e.loop, &g, marker, NULL);
    e.rc_call_after = weft_call_threadsafe(e.loop, marker, NULL);
    e.rc_cancel_after = weft_future_cancel(f);
    weft_future_free(f);
    weft_loop_release(e.loop);
    return NULL;
}

struct wake_msg {
    weft__post post;
    weft__wait *w;
};

static void wake_posted(weft__post *p)
{
    struct wake_msg *wm = WEFT__CONTAINER(p, struct wake_msg, post);
    weft__wake(wm->w, 0);
}

static int end_body(void *arg)
{
    pthread_t *th = arg;
    e.loop = weft_loop_retain(weft_loop_current());
    WT_REQUIRE_EQ(pthread_create(th, NULL, end_thread, NULL), 0);
    WT_EQ(task_wait_flag(&e.ready, 1), 0);
    WT_EQ(load(&tc.sleeper_started), 1);
    /* A task made but not yet started when main returns: cancelled
     * before it runs. The wake message goes first, so this task runs
     * again before the spawned one would start. */
    struct wake_msg wm = {.post = {.fn = wake_posted}};
    weft__wait w = {.what = "test"};
    wm.w = &w;
    weft__loop_post(e.loop, &wm.post);
    WT_EQ(weft_spawn_threadsafe(e.loop, &e.f_new, marker, NULL), 0);
    WT_EQ(weft__park(&w), 0);
    WT_EQ(weft_future_done(e.f_new), 0);
    /* A call accepted but not yet drained when main returns: rejected. */
    WT_EQ(weft_spawn_threadsafe(e.loop, &e.f_late, marker, NULL), 0);
    return 0;
}

static void test_after_loop_end(void **s)
{
    (void)s;
    pthread_t th;
    store(&tc.sleeper_started, 0);
    store(&tc.blocker_ran, 0);
    assert_int_equal(wt_run(end_body, &th), 0);
    pthread_join(th, NULL);
    assert_int_equal(e.rc_wait, 0);
    assert_int_equal(e.st_wait, -ECANCELED); /* its running task was cancelled */
    assert_int_equal(e.rc_spawn_after, -ESHUTDOWN);
    assert_int_equal(e.rc_call_after, -ESHUTDOWN);
    assert_int_equal(e.rc_cancel_after, 0);
    int st = 0;
    assert_int_equal(weft_future_wait(e.f_late, 0, &st), 0);
    assert_int_equal(st, -ESHUTDOWN);
    weft_future_free(e.f_late);
    assert_int_equal(weft_future_wait(e.f_new, 0, &st), 0);
    assert_int_equal(st, -ECANCELED);
    weft_future_free(e.f_new);
    assert_int_equal(load(&tc.blocker_ran), 0); /* marker never ran */
}

/* ----------------------------------------- awaiting from another loop */

static struct other {
    weft_loop *loop; /* retained */
    weft_task *root;
    int up;
} o;

static int other_main(void *p)
{
    (void)p;
    o.root = weft_self();
    o.loop = weft_loop_retain(weft_loop_current());
    store(&o.up, 1);
    int rc = weft_sleep(WEFT_SEC(3600));
    return rc == -ECANCELED ? 0 : -1;
}

static void *other_thread(void *p)
{
    int *rc = p;
    *rc = weft_run(other_main, NULL);
    return NULL;
}

static int stop_other(void *p)
{
    (void)p;
    return weft_cancel(o.root);
}

static int answer(void *p)
{
    (void)p;
    if (weft_sleep(WEFT_MS(2)) < 0) return -1;
    return 42;
}

static int await_body(void *arg)
{
    (void)arg;
    int other_rc = -1;
    pthread_t th;
    WT_REQUIRE_EQ(pthread_create(&th, NULL, other_thread, &other_rc), 0);
    WT_REQUIRE_EQ(task_wait_flag(&o.up, 1), 0);

    weft_future *f;
    int st = 0;
    WT_REQUIRE_EQ(weft_spawn_threadsafe(o.loop, &f, answer, NULL), 0);
    WT_EQ(weft_future_await(f, &st), 0);
    WT_EQ(st, 42);
    weft_future_free(f);

    /* interrupted await: returns at once; the future runs on */
    WT_REQUIRE_EQ(weft_spawn_threadsafe(o.loop, &f, sleeper, NULL), 0);
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(20)), 0);
    WT_EQ(weft_future_await(f, &st), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(weft_future_done(f), 0);
    WT_EQ(weft_future_cancel(f), 0);
    WT_EQ(weft_future_await(f, &st), 0);
    WT_EQ(st, -ECANCELED);
    weft_future_free(f);

    /* a future of this very loop */
    WT_REQUIRE_EQ(weft_spawn_threadsafe(weft_loop_current(), &f, answer, NULL), 0);
    WT_EQ(weft_future_await(f, &st), 0);
    WT_EQ(st, 42);
    weft_future_free(f);

    WT_EQ(weft_call_threadsafe(o.loop, stop_other, NULL), 0);
    WT_EQ(join_thread(th), 0);
    WT_EQ(other_rc, 0);
    WT_EQ(weft_call_threadsafe(o.loop, stop_other, NULL), -ESHUTDOWN);
    weft_loop_release(o.loop);
    return 0;
}

static void test_await_from_another_loop(void **s)
{
    (void)s;
    assert_int_equal(wt_run(await_body, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eight_threads),
        cmocka_unit_test(test_timeout_and_cancel),
        cmocka_unit_test(test_after_loop_end),
        cmocka_unit_test(test_await_from_another_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
