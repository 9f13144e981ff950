/* weft-test: threads timeout=120 needs=io
 * The worker pool and weft_to_thread: results and writes come back; the
 * caller waits for a running job even when cancelled or past its deadline
 * (and only then returns -ECANCELED / -ETIMEDOUT), a queued job is
 * withdrawn at once, the pool size is honoured, jobs run in parallel, the
 * loop keeps running (and the virtual clock holds still) while a job is in
 * flight, and jobs nobody waits for are settled when the loop ends. */
#include "wt.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/loop.h"
#include "io/threadpool.h"

/* ------------------------------------------------------------ helpers */

/* Flags shared with worker threads (wt_flag_*: every change wakes the
 * task or thread waiting for it; nothing polls). */
static int load(const int *p) { return wt_flag_get(p); }
static void store(int *p, int v) { wt_flag_set(p, v); }
static int task_wait_flag(const int *p, int v) { return wt_flag_wait_task(p, v); }
static int thread_wait_flag(const int *p, int v) { return wt_flag_wait_thread(p, v); }

static weft_options opts_threads(int n)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.threads = n;
    return o;
}

/* ----------------------------------------------------------- basics */

struct basic {
    pthread_t loop_thread;
    int on_other_thread;
    long sum;
};

static int basic_job(void *p)
{
    struct basic *b = p;
    b->on_other_thread = !pthread_equal(pthread_self(), b->loop_thread);
    for (int i = 1; i <= 1000; i++) b->sum += i;
    return 7;
}

static int failing_job(void *p)
{
    (void)p;
    return -ENOENT;
}

static int basic_body(void *arg)
{
    (void)arg;
    struct basic b = {pthread_self(), 0, 0};
    WT_EQ(weft_to_thread(basic_job, &b), 7);
    WT_EQ(b.on_other_thread, 1);
    WT_EQ(b.sum, 500500);
    WT_EQ(weft_to_thread(failing_job, NULL), -ENOENT);
    WT_EQ(weft_to_thread(NULL, NULL), -EINVAL);
    WT_EQ(weft_loop_current()->io_inflight, 0);
    return 0;
}

static void test_basic(void **s)
{
    (void)s;
    assert_int_equal(wt_run(basic_body, NULL), 0);
    /* outside a task */
    assert_int_equal(weft_to_thread(basic_job, NULL), -EINVAL);
}

/* ------------------------------------------------- many concurrent jobs */

enum { MANY = 300 };

struct sq {
    int in, out;
};

static int sq_job(void *p)
{
    struct sq *q = p;
    q->out = q->in * q->in;
    return 0;
}

static int sq_task(void *p)
{
    struct sq *q = p;
    int rc = weft_to_thread(sq_job, q);
    return rc == 0 && q->out == q->in * q->in ? 0 : -1;
}

static int many_body(void *arg)
{
    (void)arg;
    static struct sq q[MANY];
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    for (int i = 0; i < MANY; i++) {
        q[i].in = i;
        WT_REQUIRE_EQ(weft_group_spawn(g, NULL, sq_task, &q[i]), 0);
    }
    WT_EQ(weft_group_wait(g), 0); /* no task failed */
    weft_group_free(g);
    weft_loop *L = weft_loop_current();
    WT_EQ(L->io_inflight, 0);
    WT_LE(weft__tpool_threads(L), 3);
    WT_GE(weft__tpool_threads(L), 1);
    return 0;
}

static void test_many_concurrent(void **s)
{
    (void)s;
    weft_options o = opts_threads(3);
    assert_int_equal(wt_run_opts(&o, many_body, NULL), 0);
}

/* ---------------------------------------------------- pool size honoured */

enum { POOL = 4, JOBS = 8 };

static struct size_state {
    int active, max_active, arrived, timeouts;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} ss = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* Jobs meet in groups of POOL: a pool smaller than POOL never fills a
 * group (the job times out), a larger one shows up in max_active. */
static int size_job(void *p)
{
    (void)p;
    pthread_mutex_lock(&ss.mu);
    ss.active++;
    if (ss.active > ss.max_active) ss.max_active = ss.active;
    int group = ss.arrived++ / POOL;
    pthread_cond_broadcast(&ss.cv);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 20;
    while (ss.arrived < (group + 1) * POOL)
        if (pthread_cond_timedwait(&ss.cv, &ss.mu, &ts) != 0) {
            ss.timeouts++;
            break;
        }
    ss.active--;
    pthread_mutex_unlock(&ss.mu);
    return 0;
}

static int size_task(void *p) { return weft_to_thread(size_job, p); }

static int size_body(void *arg)
{
    (void)arg;
    weft_loop *L = weft_loop_current();
    WT_EQ(weft__tpool_size(L), POOL);
    WT_EQ(weft__tpool_threads(L), 0); /* lazily created */
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    for (int i = 0; i < JOBS; i++) WT_REQUIRE_EQ(weft_group_spawn(g, NULL, size_task, NULL), 0);
    WT_EQ(weft_group_wait(g), 0);
    weft_group_free(g);
    WT_EQ(ss.timeouts, 0);
    WT_EQ(ss.max_active, POOL);
    WT_EQ(weft__tpool_threads(L), POOL);
    return 0;
}

static void test_pool_size(void **s)
{
    (void)s;
    weft_options o = opts_threads(POOL);
    assert_int_equal(wt_run_opts(&o, size_body, NULL), 0);
}

static int default_size_body(void *arg)
{
    (void)arg;
    WT_GE(weft__tpool_size(weft_loop_current()), 1);
    return 0;
}

static void test_default_size(void **s)
{
    (void)s;
    assert_int_equal(wt_run(default_size_body, NULL), 0);
}

/* ------------------------------------------------ cancel while running */

struct blocker {
    int started;  /* the job is running */
    int release;  /* the job may finish */
    int result;   /* written by the job just before it returns */
    int rc;       /* what weft_to_thread returned */
    int returned; /* weft_to_thread has returned */
    int result_at_return;
    int64_t returned_at; /* wall time */
};

static int blocker_job(void *p)
{
    struct blocker *b = p;
    store(&b->started, 1);
    if (thread_wait_flag(&b->release, 1) < 0) return -EIO;
    b->result = 42;
    return 5;
}

static int blocker_task(void *p)
{
    struct blocker *b = p;
    b->rc = weft_to_thread(blocker_job, b);
    b->result_at_return = b->result;
    b->returned_at = wt_wall();
    store(&b->returned, 1);
    return b->rc;
}

static int cancel_running_body(void *arg)
{
    (void)arg;
    struct blocker b = {0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, blocker_task, &b), 0);
    WT_REQUIRE_EQ(task_wait_flag(&b.started, 1), 0);
    WT_EQ(weft_cancel(t), 0);
    /* the job still runs: the task must still be waiting for it */
    for (int i = 0; i < 20; i++) WT_EQ(weft_yield(), 0);
    WT_EQ(weft_sleep(WEFT_MS(20)), 0);
    WT_EQ(weft_task_done(t), 0);
    WT_EQ(load(&b.returned), 0);
    int64_t released = wt_wall();
    store(&b.release, 1);
    WT_EQ(weft_join(t), -ECANCELED);
    WT_EQ(b.rc, -ECANCELED);
    WT_EQ(b.result_at_return, 42); /* the worker's writes were complete */
    WT_GE(b.returned_at, released);
    WT_EQ(weft_loop_current()->io_inflight, 0);
    return 0;
}

static void test_cancel_while_running(void **s)
{
    (void)s;
    assert_int_equal(wt_run(cancel_running_body, NULL), 0);
}

/* --------------------------------------------------- cancel while queued */

static int ran_flag;

static int flag_job(void *p)
{
    (void)p;
    store(&ran_flag, 1);
    return 0;
}

static int flag_task(void *p)
{
    int *rc = p;
    *rc = weft_to_thread(flag_job, NULL);
    return 0;
}

static int cancel_queued_body(void *arg)
{
    (void)arg;
    struct blocker b = {0};
    weft_task *t1, *t2;
    int rc2 = 1;
    WT_REQUIRE_EQ(weft_spawn(&t1, blocker_task, &b), 0);
    WT_REQUIRE_EQ(task_wait_flag(&b.started, 1), 0); /* the only worker is busy */
    WT_REQUIRE_EQ(weft_spawn(&t2, flag_task, &rc2), 0);
    WT_EQ(weft_yield(), 0); /* t2 queues its job */
    WT_EQ(weft_loop_current()->io_inflight, 2);
    WT_EQ(weft_cancel(t2), 0);
    WT_EQ(weft_join(t2), 0);
    WT_EQ(rc2, -ECANCELED);
    WT_EQ(weft_loop_current()->io_inflight, 1);
    store(&b.release, 1);
    WT_EQ(weft_join(t1), 5);
    WT_EQ(load(&ran_flag), 0); /* the withdrawn job never ran */
    WT_EQ(weft__tpool_threads(weft_loop_current()), 1);
    return 0;
}

static void test_cancel_while_queued(void **s)
{
    (void)s;
    weft_options o = opts_threads(1);
    assert_int_equal(wt_run_opts(&o, cancel_queued_body, NULL), 0);
}

/* ------------------------------------------------- already cancelled */

static int precancelled_task(void *p)
{
    int *rc = p;
    WT_EQ(weft_sleep(WEFT_MS(1)), -ECANCELED);
    *rc = weft_to_thread(flag_job, NULL);
    return 0;
}

static int precancel_body(void *arg)
{
    (void)arg;
    store(&ran_flag, 0);
    int rc = 1;
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, precancelled_task, &rc), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(rc, -ECANCELED);
    WT_EQ(load(&ran_flag), 0);
    /* past a deadline: same, -ETIMEDOUT */
    WT_REQUIRE_EQ(weft_deadline_push(0), 0);
    WT_EQ(weft_to_thread(flag_job, NULL), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(load(&ran_flag), 0);
    WT_EQ(weft__tpool_threads(weft_loop_current()), 0);
    return 0;
}

static void test_already_cancelled(void **s)
{
    (void)s;
    assert_int_equal(wt_run(precancel_body, NULL), 0);
}

/* ------------------------------------------------------------ deadline */

static int deadline_task(void *p)
{
    struct blocker *b = p;
    if (weft_deadline_push(WEFT_MS(20)) < 0) return -1;
    int rc = blocker_task(b);
    WT_EQ(weft_deadline_pop(), 1);
    return rc;
}

static int deadline_body(void *arg)
{
    (void)arg;
    struct blocker b = {0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, deadline_task, &b), 0);
    WT_REQUIRE_EQ(task_wait_flag(&b.started, 1), 0);
    WT_EQ(weft_sleep(WEFT_MS(60)), 0); /* well past the task's deadline */
    WT_EQ(load(&b.returned), 0);       /* still waiting for the job */
    int64_t released = wt_wall();
    store(&b.release, 1);
    WT_EQ(weft_join(t), -ETIMEDOUT);
    WT_EQ(b.rc, -ETIMEDOUT);
    WT_EQ(b.result_at_return, 42);
    WT_GE(b.returned_at, released);
    return 0;
}

static void test_deadline(void **s)
{
    (void)s;
    assert_int_equal(wt_run(deadline_body, NULL), 0);
}

/* ------------------------------------------------- CPU-bound in parallel */

struct cpu {
    int *started; /* shared count of started jobs */
    int64_t t0, t1;
    unsigned long long h;
    int met;
};

static unsigned long long burn(unsigned long long n)
{
    unsigned long long h = 1469598103934665603ull;
    for (unsigned long long i = 0; i < n; i++) h = (h ^ i) * 1099511628211ull;
    return h;
}

/* Both jobs must be running at the same time: each waits for the other
 * to have started before it does its work. */
static int cpu_job(void *p)
{
    struct cpu *c = p;
    c->t0 = wt_wall();
    wt_flag_add(c->started, 1);
    c->met = thread_wait_flag(c->started, 2) == 0;
    c->h = burn(20u * 1000 * 1000);
    c->t1 = wt_wall();
    return 0;
}

static int cpu_task(void *p) { return weft_to_thread(cpu_job, p); }

static int cpu_body(void *arg)
{
    (void)arg;
    int started = 0;
    struct cpu c[2] = {{&started, 0, 0, 0, 0}, {&started, 0, 0, 0, 0}};
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    for (int i = 0; i < 2; i++) WT_REQUIRE_EQ(weft_group_spawn(g, NULL, cpu_task, &c[i]), 0);
    WT_EQ(weft_group_wait(g), 0);
    weft_group_free(g);
    WT_EQ(c[0].met, 1);
    WT_EQ(c[1].met, 1);
    WT_EQ(c[0].h, c[1].h);
    /* the two runs overlap in time */
    WT_LT(c[0].t0, c[1].t1);
    WT_LT(c[1].t0, c[0].t1);
    return 0;
}

static void test_cpu_jobs_overlap(void **s)
{
    (void)s;
    weft_options o = opts_threads(2);
    assert_int_equal(wt_run_opts(&o, cpu_body, NULL), 0);
}

/* ------------------------------------------- the loop runs meanwhile */

static int ticks;

static int ticker(void *p)
{
    (void)p;
    while (weft_sleep(WEFT_MS(1)) == 0) wt_flag_add(&ticks, 1);
    return 0;
}

static int wait_ticks_job(void *p)
{
    (void)p;
    return thread_wait_flag(&ticks, 10);
}

static int ticking_body(void *arg)
{
    (void)arg;
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, ticker, NULL), 0);
    WT_EQ(weft_to_thread(wait_ticks_job, NULL), 0); /* needs the loop to tick */
    WT_GE(load(&ticks), 10);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), 0);
    return 0;
}

static void test_loop_ticks_while_job_runs(void **s)
{
    (void)s;
    assert_int_equal(wt_run(ticking_body, NULL), 0);
}

/* -------------------------------------------------------- virtual clock */

static int nap_job(void *p)
{
    (void)p;
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return 0;
}

static int long_sleeper(void *p)
{
    (void)p;
    return weft_sleep(WEFT_SEC(3600));
}

static int virtual_body(void *arg)
{
    (void)arg;
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, long_sleeper, NULL), 0);
    WT_EQ(weft_yield(), 0);
    int64_t t0 = weft_now();
    WT_EQ(weft_to_thread(nap_job, NULL), 0);
    WT_LT(weft_now() - t0, WEFT_SEC(1)); /* no jump to the sleeper's timer */
    WT_EQ(weft_task_done(t), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), -ECANCELED);
    return 0;
}

static void test_virtual_clock_holds(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(virtual_body, NULL), 0);
}

/* ------------------------------------ detached jobs at the loop's end */

struct detached {
    weft__job job;
    int ran, done, status;
};

static int detached_slow(void *p)
{
    struct detached *d = p;
    store(&d->ran, 1);
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return 7;
}

static int detached_mark(void *p)
{
    struct detached *d = p;
    store(&d->ran, 1);
    return 8;
}

static void detached_done(weft__job *j)
{
    struct detached *d = WEFT__CONTAINER(j, struct detached, job);
    d->done++;
    d->status = j->status;
}

static struct detached da, db;

static int detached_body(void *arg)
{
    (void)arg;
    weft_loop *L = weft_loop_current();
    da.job.fn = detached_slow;
    da.job.arg = &da;
    da.job.done = detached_done;
    db.job.fn = detached_mark;
    db.job.arg = &db;
    db.job.done = detached_done;
    WT_EQ(weft__tpool_submit(L, &da.job), 0);
    WT_EQ(task_wait_flag(&da.ran, 1), 0); /* the only worker is busy with it */
    WT_EQ(weft__tpool_submit(L, &db.job), 0);
    WT_EQ(L->io_inflight, 2);
    return 0; /* the loop ends with one running, one queued */
}

static void test_detached_jobs_at_loop_end(void **s)
{
    (void)s;
    weft_options o = opts_threads(1);
    assert_int_equal(wt_run_opts(&o, detached_body, NULL), 0);
    assert_int_equal(da.done, 1); /* the running job was waited for */
    assert_int_equal(da.status, 7);
    assert_int_equal(db.done, 1); /* the queued one was dropped */
    assert_int_equal(load(&db.ran), 0);
    assert_int_equal(db.status, -ECANCELED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_many_concurrent),
        cmocka_unit_test(test_pool_size),
        cmocka_unit_test(test_default_size),
        cmocka_unit_test(test_cancel_while_running),
        cmocka_unit_test(test_cancel_while_queued),
        cmocka_unit_test(test_already_cancelled),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_cpu_jobs_overlap),
        cmocka_unit_test(test_loop_ticks_while_job_runs),
        cmocka_unit_test(test_virtual_clock_holds),
        cmocka_unit_test(test_detached_jobs_at_loop_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
