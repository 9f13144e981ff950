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

/* ---- the dump: one line per task, each with its own state, wait, site
 * and age ---- */
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
static int waity(void *arg) { return weft_event_wait(arg); }

/* One task's line of the dump:
 *   #id name state what[ (cancelled)] spawned at file:line, age X ms */
struct row {
    unsigned long long id;
    char name[64], state[16], what[64], site[160];
    double age;
};

/* Finds the line of the task named name; 1 if found and well formed. */
static int find_row(const char *out, const char *name, struct row *r)
{
    for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char line[512];
        size_t n = strcspn(l, "\n");
        if (n >= sizeof line) continue;
        memcpy(line, l, n);
        line[n] = 0;
        memset(r, 0, sizeof *r);
        if (sscanf(line, " #%llu %63s %15s %63s", &r->id, r->name, r->state, r->what) != 4)
            continue;
        if (strcmp(r->name, name) != 0) continue;
        const char *sp = strstr(line, " spawned at ");
        return sp && sscanf(sp, " spawned at %159[^,], age %lf ms", r->site, &r->age) == 2;
    }
    return 0;
}

/* The row of name has this state, wait, spawn site and age. */
static void check_row(const char *out, const char *name, const char *state, const char *what,
                      int line, double age_ms)
{
    struct row r;
    if (!WT_CHECK(find_row(out, name, &r))) {
        fprintf(stderr, "no line for task '%s'\n", name);
        return;
    }
    if (!WT_EQ(strcmp(r.state, state), 0)) fprintf(stderr, "%s: state %s\n", name, r.state);
    if (!WT_EQ(strcmp(r.what, what), 0)) fprintf(stderr, "%s: waits on %s\n", name, r.what);
    char site[64];
    snprintf(site, sizeof site, line ? "test_debug.c:%d" : "weft_run", line);
    size_t sl = strlen(r.site), wl = strlen(site);
    if (!WT_CHECK(sl >= wl && strcmp(r.site + sl - wl, site) == 0))
        fprintf(stderr, "%s: spawned at %s, wanted %s\n", name, r.site, site);
    if (!WT_CHECK(r.age > age_ms - 0.0005 && r.age < age_ms + 0.0005))
        fprintf(stderr, "%s: age %.3f ms, wanted %.3f\n", name, r.age, age_ms);
}

/* weft_spawn_opts, also storing the line it is called from: the spawn
 * site the dump must show. */
#define SPAWN(t, o, fn, a, line) ((line) = __LINE__, weft_spawn_opts((t), (o), (fn), (a)))

static int body_dump(void *arg)
{
    (void)arg;
    weft_spawn_options o1 = {.name = "sleeper"}, o2 = {.name = "joiner"}, o3 = {.name = "runnable"},
                       o4 = {.name = "woken"};
    weft_event ev;
    weft_event_init(&ev);
    weft_task *s, *j, *r, *w;
    int s_line, j_line, w_line, r_line;
    WT_REQUIRE_EQ(SPAWN(&s, &o1, sleepy, NULL, s_line), 0);
    WT_REQUIRE_EQ(SPAWN(&j, &o2, joiny, s, j_line), 0);
    WT_REQUIRE_EQ(SPAWN(&w, &o4, waity, &ev, w_line), 0);
    WT_EQ(weft_yield(), 0);           /* the three park */
    WT_EQ(weft_sleep(WEFT_MS(5)), 0); /* the virtual clock: they are exactly 5 ms older */
    WT_REQUIRE_EQ(SPAWN(&r, &o3, quick, NULL, r_line), 0);
    WT_EQ(weft_event_set(&ev), 0); /* woken, not yet run: READY */
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    WT_REQUIRE(f != NULL);
    WT_EQ(weft_dump_tasks(f), 5);
    fclose(f);
    fprintf(stderr, "%s", out);
    WT_CHECK(strstr(out, "weft: 5 task(s) on loop ") == out);
    check_row(out, "sleeper", "parked", "sleep", s_line, 5.0);
    check_row(out, "joiner", "parked", "join", j_line, 5.0);
    check_row(out, "woken", "ready", "-", w_line, 5.0);
    check_row(out, "runnable", "new", "-", r_line, 0.0);
    check_row(out, "main", "running", "-", 0, 5.0);
    free(out);
    WT_EQ(weft_cancel(j), 0);
    WT_EQ(weft_join(j), -ECANCELED); /* cancels the sleeper too, which j joined */
    WT_EQ(weft_join(r), 0);
    WT_EQ(weft_join(w), 0);
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
    weft_spawn_options o = {.name = "hog"};
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
    weft_spawn_options o = {.name = "quitter-sleeps"};
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
