/* weft-test: timeout=60
 * SIGINT/SIGTERM: the first cancels the root task (graceful shutdown,
 * cleanup runs, weft_run returns main's status); a second SIGINT ends the
 * process at once; opts.signals = 0 installs nothing. Child processes. */
#include "wt.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int cleaned;

static int body_graceful(void *arg)
{
    (void)arg;
    kill(getpid(), SIGINT);
    int rc = weft_sleep(WEFT_SEC(10)); /* cut short by the cancellation */
    if (rc == -ECANCELED) cleaned = 1;
    return rc == -ECANCELED ? 42 : 1;
}

static void test_first_sigint_cancels_root(void **s)
{
    (void)s;
    pid_t pid = fork();
    if (pid == 0) _exit(weft_run(body_graceful, NULL) == 42 && cleaned ? 0 : 1);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static int body_sigterm(void *arg)
{
    (void)arg;
    kill(getpid(), SIGTERM);
    return weft_sleep(WEFT_SEC(10)) == -ECANCELED ? 0 : 1;
}

static void test_sigterm_cancels_root(void **s)
{
    (void)s;
    pid_t pid = fork();
    if (pid == 0) _exit(weft_run(body_sigterm, NULL));
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static int stubborn(void *arg)
{
    (void)arg;
    kill(getpid(), SIGINT);
    /* the first SIGINT cancels the root task: this wait ending with
     * -ECANCELED is the proof (else the child exits 52) */
    if (weft_sleep(WEFT_SEC(10)) != -ECANCELED || !weft_cancelled()) return 2;
    /* it ignores its cancellation and keeps the loop alive ... */
    if (weft_shield_push() < 0) return 1;
    kill(getpid(), SIGINT); /* ... and the second ends the process during this wait */
    WEFT_IGNORE(weft_sleep(WEFT_SEC(10)));
    return 3; /* still alive: the child exits 53 */
}

static void test_second_sigint_exits(void **s)
{
    (void)s;
    pid_t pid = fork();
    if (pid == 0) _exit(50 + weft_run(stubborn, NULL));
    int status;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status))
        fail_msg("child exited with %d (52: the first SIGINT did not cancel the root task; "
                 "53: the second did not end the process)",
                 WEXITSTATUS(status));
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGINT);
}

static int got_usr;
static void on_int(int sig)
{
    (void)sig;
    got_usr = 1;
}

static int body_nosig(void *arg)
{
    (void)arg;
    kill(getpid(), SIGINT); /* goes to the program's own handler */
    int rc = weft_sleep(WEFT_MS(5));
    return rc == 0 && got_usr ? 0 : 1;
}

static void test_signals_off(void **s)
{
    (void)s;
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, on_int);
        weft_options o = WEFT_OPTIONS_INIT;
        o.signals = 0;
        _exit(weft_run_opts(&o, body_nosig, NULL));
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static int chained;
static void on_int_chain(int sig)
{
    (void)sig;
    chained++;
}

static int body_chain(void *arg)
{
    (void)arg;
    kill(getpid(), SIGINT);
    return weft_sleep(WEFT_SEC(10)) == -ECANCELED && chained == 1 ? 0 : 1;
}

static void test_handlers_chain(void **s)
{
    (void)s;
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, on_int_chain);
        int rc = weft_run(body_chain, NULL);
        /* the earlier handler is back in place after the loop */
        struct sigaction sa;
        sigaction(SIGINT, NULL, &sa);
        _exit(rc == 0 && sa.sa_handler == on_int_chain ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_sigint_cancels_root),
        cmocka_unit_test(test_sigterm_cancels_root),
        cmocka_unit_test(test_second_sigint_exits),
        cmocka_unit_test(test_signals_off),
        cmocka_unit_test(test_handlers_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
