/* weft-test: timeout=60 threads
 * Posting to a loop from other threads (the base of every thread-safe
 * call): 8 threads post 2,000 messages each while the loop sleeps; every
 * one runs exactly once, on the loop's thread, in each poster's order. */
#include "wt.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/loop.h"

enum { THREADS = 8, PER = 2000 };

struct msg {
    weft__post p;
    int thread, seq;
};

static struct state {
    weft_loop *L;
    pthread_t loop_thread;
    int last[THREADS];
    int count;
    int order_ok;
    int thread_ok;
    weft__wait *waiter;
} st;

static void on_msg(weft__post *p)
{
    struct msg *m = (struct msg *)p;
    if (!pthread_equal(pthread_self(), st.loop_thread)) st.thread_ok = 0;
    if (m->seq != st.last[m->thread] + 1) st.order_ok = 0;
    st.last[m->thread] = m->seq;
    st.count++;
    if (st.count == THREADS * PER && st.waiter) {
        weft__wait *w = st.waiter;
        st.waiter = NULL;
        weft__wake(w, 0);
    }
}

static struct msg msgs[THREADS][PER];

static void *poster(void *arg)
{
    int k = (int)(intptr_t)arg;
    for (int i = 0; i < PER; i++) {
        msgs[k][i].p.fn = on_msg;
        msgs[k][i].thread = k;
        msgs[k][i].seq = i;
        weft__loop_post(st.L, &msgs[k][i].p);
    }
    return NULL;
}

static void cancel_wait(weft__wait *w, int reason)
{
    st.waiter = NULL;
    weft__wake(w, reason);
}

static int body(void *arg)
{
    (void)arg;
    st.L = weft_loop_current();
    st.loop_thread = pthread_self();
    st.order_ok = st.thread_ok = 1;
    for (int k = 0; k < THREADS; k++) st.last[k] = -1;
    pthread_t th[THREADS];
    for (int k = 0; k < THREADS; k++)
        WT_REQUIRE_EQ(pthread_create(&th[k], NULL, poster, (void *)(intptr_t)k), 0);
    weft__wait w = {.cancel = cancel_wait, .what = "posts"};
    int rc = 0;
    if (st.count < THREADS * PER) {
        st.waiter = &w;
        WT_REQUIRE_EQ(weft_deadline_push(WEFT_SEC(20)), 0);
        rc = weft__park(&w);
        WT_EQ(weft_deadline_pop(), 0);
    }
    WT_EQ(rc, 0);
    for (int k = 0; k < THREADS; k++) pthread_join(th[k], NULL);
    WT_EQ(st.count, THREADS * PER);
    WT_EQ(st.order_ok, 1);
    WT_EQ(st.thread_ok, 1);
    return 0;
}

static void test_posts_from_threads(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_posts_from_threads)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
