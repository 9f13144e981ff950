/* weft-test: timeout=60 threads
 * Sync objects and loops (src/sync/wait.c): an object used from another
 * thread while it is busy fails with -EINVAL and debug mode reports it; an
 * idle object moves to the loop that uses it, so a static lock survives
 * successive loops. */
#include "wt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ev {
    weft_event e;
    int woken;
    int rc[4];
};

struct ewait {
    struct ev *v;
    int i;
};

static int waiter(void *arg)
{
    struct ewait *w = arg;
    w->v->rc[w->i] = weft_event_wait(&w->v->e);
    if (w->v->rc[w->i] == 0) w->v->woken++;
    return 0;
}

/* ---- another thread touching a busy event: -EINVAL, reported ---- */
static void *foreign(void *arg)
{
    return (void *)(intptr_t)weft_event_set(arg);
}

static int body_foreign(void *arg)
{
    (void)arg;
    struct ev v = {.e = WEFT_EVENT_INIT};
    struct ewait w = {&v, 0};
    weft_task *t;
    v.rc[0] = 1;
    WT_REQUIRE_EQ(weft_spawn(&t, waiter, &w), 0);
    WT_EQ(weft_yield(), 0); /* the waiter parks: the event is busy */
    pthread_t th;
    WT_REQUIRE_EQ(pthread_create(&th, NULL, foreign, &v.e), 0);
    void *res;
    pthread_join(th, &res); /* (blocks the loop briefly; fine in a test) */
    WT_EQ((intptr_t)res, -EINVAL);
    WT_EQ(weft_event_is_set(&v.e), 0);
    WT_EQ(weft_event_set(&v.e), 0); /* from its own loop: fine */
    WT_EQ(weft_join(t), 0);
    WT_EQ(v.rc[0], 0);
    return 0;
}

static void test_foreign_thread_debug_report(void **s)
{
    (void)s;
    char path[] = "/tmp/weft_event_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    weft_options o = WEFT_OPTIONS_INIT;
    o.debug = 1;
    int rc = wt_run_opts(&o, body_foreign, NULL);
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
    assert_non_null(strstr(buf, "event"));
    assert_non_null(strstr(buf, "outside any loop"));
}

/* ---- a static lock survives successive loops ---- */
static weft_lock static_lock = WEFT_LOCK_INIT;

static int body_static(void *arg)
{
    (void)arg;
    WT_EQ(weft_lock_acquire(&static_lock), 0);
    WT_EQ(weft_lock_release(&static_lock), 0);
    return 0;
}

static void test_static_lock_two_loops(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_static, NULL), 0);
    assert_int_equal(wt_run(body_static, NULL), 0);
}

static void *other_loop(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)weft_run(body_static, NULL);
}

static void test_static_lock_other_thread_when_idle(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_static, NULL), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, other_loop, NULL), 0);
    void *res;
    pthread_join(th, &res);
    assert_int_equal((intptr_t)res, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_foreign_thread_debug_report),
        cmocka_unit_test(test_static_lock_two_loops),
        cmocka_unit_test(test_static_lock_other_thread_when_idle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
