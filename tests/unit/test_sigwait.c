/* weft-test: timeout=60 threads
 * Waiting for signals (weft_signal): a signal raised before the wait is
 * queued; a wait is woken by a signal sent from another thread; two kinds
 * arrive as two waits; cancellation and deadlines interrupt a wait; a
 * watched SIGINT goes to the program, not the runtime (the root task is
 * not cancelled); an earlier handler is chained while open and restored by
 * close; two loops watching one signal both get it; SIGKILL is refused. */
#include "wt.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t old_calls;
static void old_handler(int sig)
{
    (void)sig;
    old_calls++;
}

/* A thread that sends a signal when told to, and a task that tells it:
 * spawned just before the main task waits, the teller runs only once that
 * wait has parked, so the signal comes while the task waits. */
struct killer {
    int sig;
    int go; /* a flag (wt.h) */
};

static void *kill_when_told(void *arg)
{
    struct killer *k = arg;
    if (wt_flag_wait_thread(&k->go, 1) == 0) kill(getpid(), k->sig);
    return NULL;
}

static int tell_killer(void *arg)
{
    wt_flag_set(&((struct killer *)arg)->go, 1);
    return 0;
}

static int body_basic(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    weft_signal *s;
    WT_REQUIRE_EQ(weft_signal_open(&s, &set), 0);
    old_calls = 0;
    WT_EQ(kill(getpid(), SIGUSR2), 0); /* before anyone waits: queued */
    WT_EQ(weft_signal_wait(s), SIGUSR2);
    WT_EQ(old_calls, 1); /* the earlier handler was chained */
    WT_EQ(kill(getpid(), SIGUSR1), 0);
    WT_EQ(kill(getpid(), SIGUSR2), 0);
    WT_EQ(weft_signal_wait(s), SIGUSR1);
    WT_EQ(weft_signal_wait(s), SIGUSR2);
    struct killer k = {SIGUSR1, 0}; /* from another thread while the task waits */
    pthread_t th;
    WT_REQUIRE_EQ(pthread_create(&th, NULL, kill_when_told, &k), 0);
    weft_task *teller;
    WT_REQUIRE_EQ(weft_spawn(&teller, tell_killer, &k), 0);
    WT_EQ(weft_signal_wait(s), SIGUSR1);
    WT_EQ(weft_task_done(teller), 1); /* so the wait had parked before the signal */
    WT_EQ(weft_join(teller), 0);
    pthread_join(th, NULL);
    /* deadline */
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(10)), 0);
    WT_EQ(weft_signal_wait(s), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    weft_signal_close(s);
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    WT_CHECK(sa.sa_handler == old_handler); /* restored */
    /* not waitable */
    sigemptyset(&set);
    sigaddset(&set, SIGKILL);
    WT_EQ(weft_signal_open(&s, &set), -EINVAL);
    sigemptyset(&set);
    WT_EQ(weft_signal_open(&s, &set), -EINVAL);
    return 0;
}

static void test_basic(void **st)
{
    (void)st;
    signal(SIGUSR1, old_handler);
    signal(SIGUSR2, old_handler);
    assert_int_equal(wt_run(body_basic, NULL), 0);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}

/* ---- cancelling a waiting task ---- */

static int sig_waiter(void *arg)
{
    return weft_signal_wait(arg);
}

static int body_cancel(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    weft_signal *s;
    WT_REQUIRE_EQ(weft_signal_open(&s, &set), 0);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, sig_waiter, s), 0);
    WT_EQ(weft_sleep(WEFT_MS(2)), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), -ECANCELED);
    WT_EQ(kill(getpid(), SIGUSR1), 0); /* still caught, for the next wait */
    WT_EQ(weft_signal_wait(s), SIGUSR1);
    weft_signal_close(s);
    return 0;
}

static void test_cancel(void **st)
{
    (void)st;
    assert_int_equal(wt_run(body_cancel, NULL), 0);
}

/* ---- a watched SIGINT is the program's: the root task runs on ---- */

static int body_sigint(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    weft_signal *s;
    WT_REQUIRE_EQ(weft_signal_open(&s, &set), 0);
    WT_EQ(kill(getpid(), SIGINT), 0);
    WT_EQ(kill(getpid(), SIGINT), 0); /* a second one does not end the process either */
    WT_EQ(weft_signal_wait(s), SIGINT);
    WT_EQ(weft_sleep(WEFT_MS(2)), 0);
    WT_EQ(weft_cancelled(), 0);
    weft_signal_close(s);
    return 0;
}

static void test_sigint_to_program(void **st)
{
    (void)st;
    assert_int_equal(wt_run(body_sigint, NULL), 0);
}

/* ---- two loops on two threads watching one signal both get it ---- */

/* Loops whose weft_signal is open: the main thread waits on the
 * condition variable until both are, then sends the signal. */
static int ready_loops;
static pthread_mutex_t ready_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cv = PTHREAD_COND_INITIALIZER;

static int thread_body(void *arg)
{
    int *got = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    weft_signal *s;
    if (weft_signal_open(&s, &set) < 0) return -1;
    pthread_mutex_lock(&ready_mu);
    ready_loops++;
    pthread_cond_signal(&ready_cv);
    pthread_mutex_unlock(&ready_mu);
    *got = weft_signal_wait(s);
    weft_signal_close(s);
    return 0;
}

static void *thread_main(void *arg)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.signals = 0;
    weft_run_opts(&o, thread_body, arg);
    return NULL;
}

static void test_two_loops(void **st)
{
    (void)st;
    int got[2] = {0, 0};
    pthread_t th[2];
    ready_loops = 0;
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, thread_main, &got[i]), 0);
    pthread_mutex_lock(&ready_mu);
    while (ready_loops < 2) pthread_cond_wait(&ready_cv, &ready_mu);
    pthread_mutex_unlock(&ready_mu);
    kill(getpid(), SIGUSR2);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    assert_int_equal(got[0], SIGUSR2);
    assert_int_equal(got[1], SIGUSR2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_sigint_to_program),
        cmocka_unit_test(test_two_loops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
