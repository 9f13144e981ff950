/* weft-test: timeout=60
 * Debug mode: the task dump, the leak report with spawn sites, slow-step
 * warnings, the dump on SIGQUIT. Reports written to stderr are captured
 * from a child process. */
#include "wt.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn in a child with stderr captured; returns the child's output
 * (malloc'd) and its wait status. */
static char *capture(void (*fn)(void), int *status)
{
    int p[2];
    if (pipe(p) != 0) return NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 2);
        close(p[0]);
        fn();
        _exit(0);
    }
    close(p[1]);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while ((r = read(p[0], buf + len, cap - 1 - len)) > 0) len += (size_t)r;
    buf[len] = 0;
    close(p[0]);
    waitpid(pid, status, 0);
    return buf;
}

/* ---- the dump shows a sleeping, a joining and a runnable task ---- */
static int sleepy(void *arg)
{
    (void)arg;
    return weft_sleep(WEFT_SEC(10));
}
static int joiny(void *arg) { return weft_join((weft_task *)arg); }
static int quick(void *arg)
{
    (void)arg;
    return 0;
}

static int body_dump(void *arg)
{
    (void)arg;
    weft_spawn_options o1 = {"sleeper", 0}, o2 = {"joiner", 0}, o3 = {"runnable", 0};
    weft_task *s, *j, *r;
    WT_REQUIRE_EQ(weft_spawn_opts(&s, &o1, sleepy, NULL), 0);
    WT_REQUIRE_EQ(weft_spawn_opts(&j, &o2, joiny, s), 0);
    WT_EQ(weft_yield(), 0); /* both park */
    WT_REQUIRE_EQ(weft_spawn_opts(&r, &o3, quick, NULL), 0); /* not yet run */
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    WT_REQUIRE(f != NULL);
    WT_EQ(weft_dump_tasks(f), 4);
    fclose(f);
    fprintf(stderr, "%s", out);
    WT_CHECK(strstr(out, "sleeper ") && strstr(out, "parked   sleep"));
    WT_CHECK(strstr(out, "joiner ") && strstr(out, "parked   join"));
    WT_CHECK(strstr(out, "runnable ") && strstr(out, "new"));
    WT_CHECK(strstr(out, "main ") && strstr(out, "running"));
    WT_CHECK(strstr(out, "test_debug.c:"));
    free(out);
    WT_EQ(weft_cancel(j), 0);
    WT_EQ(weft_join(j), -ECANCELED); /* cancels the sleeper too, which j joined */
    WT_EQ(weft_join(r), 0);
    return 0;
}

static void test_dump(void **st)
{
    (void)st;
    assert_int_equal(wt_run_virtual(body_dump, NULL), 0);
}

/* ---- a handle never joined or detached is reported with its site ---- */
static int body_leak(void *arg)
{
    (void)arg;
    weft_task *t;
    if (weft_spawn(&t, quick, NULL) < 0) return 1; /* LEAK-SITE */
    return weft_yield();
}

static void run_leak(void)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.debug = 1;
    _exit(weft_run_opts(&o, body_leak, NULL) == 0 ? 0 : 1);
}

static void test_leak_report(void **st)
{
    (void)st;
    int status;
    char *out = capture(run_leak, &status);
    assert_non_null(out);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* the line of the spawn marked LEAK-SITE above */
    int line = 0;
    FILE *f = fopen(WEFT_SOURCE_DIR "/tests/unit/test_debug.c", "r");
    assert_non_null(f);
    char buf[512];
    for (int n = 1; fgets(buf, sizeof buf, f); n++)
        if (!line && strstr(buf, "LEAK-SITE") && strstr(buf, "weft_spawn")) line = n;
    fclose(f);
    char want[64];
    snprintf(want, sizeof want, "test_debug.c:%d was never joined or detached", line);
    if (!strstr(out, want)) fprintf(stderr, "got: %s\nwanted: %s\n", out, want);
    assert_non_null(strstr(out, want));
    free(out);
}

/* ---- slow steps are named ---- */
static int hog(void *arg)
{
    (void)arg;
    int64_t w0 = wt_wall();
    while (wt_wall() - w0 < WEFT_MS(30)) {
    }
    return 0;
}

static int body_slow(void *arg)
{
    (void)arg;
    weft_spawn_options o = {"hog", 0};
    weft_task *t;
    if (weft_spawn_opts(&t, &o, hog, NULL) < 0) return 1;
    return weft_join(t);
}

static void run_slow(void)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.debug = 1;
    o.slow_step_ns = WEFT_MS(10);
    _exit(weft_run_opts(&o, body_slow, NULL) == 0 ? 0 : 1);
}

static void test_slow_step(void **st)
{
    (void)st;
    int status;
    char *out = capture(run_slow, &status);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!strstr(out, "slow step: task #")) fprintf(stderr, "got: %s\n", out);
    assert_non_null(strstr(out, "slow step: task #"));
    assert_non_null(strstr(out, "'hog'"));
    free(out);
}

/* ---- SIGQUIT dumps the tasks in debug mode, and the program goes on ---- */
static int body_quit(void *arg)
{
    (void)arg;
    weft_spawn_options o = {"quitter-sleeps", 0};
    if (weft_spawn_opts(NULL, &o, sleepy, NULL) < 0) return 1;
    if (weft_yield() < 0) return 1;
    kill(getpid(), SIGQUIT);
    return weft_sleep(WEFT_MS(20));
}

static void run_quit(void)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.debug = 1;
    _exit(weft_run_opts(&o, body_quit, NULL) == 0 ? 0 : 1);
}

static void test_sigquit_dump(void **st)
{
    (void)st;
    int status;
    char *out = capture(run_quit, &status);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!strstr(out, "quitter-sleeps")) fprintf(stderr, "got: %s\n", out);
    assert_non_null(strstr(out, "quitter-sleeps"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_leak_report),
        cmocka_unit_test(test_slow_step),
        cmocka_unit_test(test_sigquit_dump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
