/* Runtime micro-benchmarks, the same tests and output as the peers'
 * (../shared/bench/peers/micro/micro.{py,go,js}):
 *
 *   micro TEST   prints one line: value=<number> unit=<unit>
 *
 * Core tests (this file):
 *   noop          start and stop the runtime (the RSS baseline)
 *   spawn         spawn + join 100,000 tasks that do nothing -> ms
 *   spawn_warm    the same, second round in the same process (pools warm) -> ms
 *   sleep1, sleep1000, sleep10000, sleep100000
 *                 that many concurrent 10 ms sleeps, all alive at once -> ms
 *   sleep100000w  the same as sleep100000, second round in the same
 *                 process (stacks and records pooled) -> ms
 *   switch        one-way switch between two tasks yielding to each other -> ns
 *   spawn1m       1,000,000 live tasks (each parked on a sleep) -> ms
 *   deadline      push + pop of a deadline that never fires -> ns
 *   gather100k    a COLLECT group of 100,000 tasks each sleeping 10 ms -> ms
 *   alive100000   100,000 tasks each parked on a 10 s sleep, all alive at
 *                 once: the time until the last one is parked (ms); its peak
 *                 RSS is the honest RSS per sleeping task. (In sleep100000
 *                 weft fires timers while the rest are still starting, so
 *                 early sleepers end first and stacks are reused.)
 * Other layers add tests through micro_<layer>() (weak symbols below). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <weft.h>

int micro_sync(const char *test, double *value, const char **unit) __attribute__((weak));
int micro_io(const char *test, double *value, const char **unit) __attribute__((weak));

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *test_name;
static double result;
static const char *result_unit = "-";

/* ---------------------------------------------------------------- spawn */
static int empty(void *arg)
{
    (void)arg;
    return 0;
}

static double spawn_round(int n)
{
    weft_task **t = malloc((size_t)n * sizeof *t);
    if (!t) return -1;
    double t0 = wall_ms();
    for (int i = 0; i < n; i++)
        if (weft_spawn(&t[i], empty, NULL) < 0) return -1;
    for (int i = 0; i < n; i++)
        if (weft_join(t[i]) != 0) return -1;
    double dt = wall_ms() - t0;
    free(t);
    return dt;
}

/* ---------------------------------------------------------------- sleep */
static int sleeper(void *arg)
{
    (void)arg;
    return weft_sleep(WEFT_MS(10));
}

static double sleep_round(int n)
{
    weft_task **t = malloc((size_t)n * sizeof *t);
    if (!t) return -1;
    double t0 = wall_ms();
    for (int i = 0; i < n; i++)
        if (weft_spawn(&t[i], sleeper, NULL) < 0) return -1;
    for (int i = 0; i < n; i++)
        if (weft_join(t[i]) != 0) return -1;
    double dt = wall_ms() - t0;
    free(t);
    return dt;
}

static double gather_round(int n)
{
    weft_group *g;
    if (weft_group_new(&g, WEFT_COLLECT) < 0) return -1;
    double t0 = wall_ms();
    for (int i = 0; i < n; i++)
        if (weft_group_spawn(g, NULL, sleeper, NULL) < 0) return -1;
    if (weft_group_wait(g) != 0) return -1;
    double dt = wall_ms() - t0;
    weft_group_free(g);
    return dt;
}

/* ------------------------------------------------------------ alive100000 */
static struct {
    int started, n;
    weft_event all;
} alive;

static int alive_task(void *arg)
{
    (void)arg;
    if (++alive.started == alive.n) WEFT_IGNORE(weft_event_set(&alive.all));
    return weft_sleep(WEFT_SEC(10));
}

static double alive_round(int n)
{
    weft_group *g;
    if (weft_group_new(&g, WEFT_COLLECT) < 0) return -1;
    alive.started = 0;
    alive.n = n;
    weft_event_init(&alive.all);
    double t0 = wall_ms();
    for (int i = 0; i < n; i++)
        if (weft_group_spawn(g, NULL, alive_task, NULL) < 0) return -1;
    if (weft_event_wait(&alive.all) != 0) return -1;
    double dt = wall_ms() - t0;
    WEFT_IGNORE(weft_group_cancel(g));
    WEFT_IGNORE(weft_group_wait(g));
    weft_group_free(g);
    return dt;
}

/* --------------------------------------------------------------- switch */
static long switch_n;
static int yielder(void *arg)
{
    (void)arg;
    for (long i = 0; i < switch_n; i++)
        if (weft_yield() < 0) return -1;
    return 0;
}

static double switch_ns(void)
{
    switch_n = 5000000;
    weft_task *a, *b;
    double t0 = wall_ms();
    if (weft_spawn(&a, yielder, NULL) < 0 || weft_spawn(&b, yielder, NULL) < 0) return -1;
    if (weft_join(a) != 0 || weft_join(b) != 0) return -1;
    double dt = wall_ms() - t0;
    return dt * 1e6 / (2.0 * (double)switch_n);
}

/* ------------------------------------------------------------- deadline */
static double deadline_ns(void)
{
    long n = 10000000;
    double t0 = wall_ms();
    for (long i = 0; i < n; i++) {
        if (weft_deadline_push(WEFT_SEC(1)) < 0) return -1;
        if (weft_deadline_pop() != 0) return -1;
    }
    return (wall_ms() - t0) * 1e6 / (double)n;
}

static int run_test(void *arg)
{
    (void)arg;
    const char *t = test_name;
    double v = -1;
    const char *u = "ms";
    if (!strcmp(t, "noop")) {
        v = 0;
        u = "-";
    } else if (!strcmp(t, "spawn")) {
        v = spawn_round(100000);
    } else if (!strcmp(t, "spawn_warm")) {
        if (spawn_round(100000) >= 0) v = spawn_round(100000);
    } else if (!strcmp(t, "sleep1")) {
        v = sleep_round(1);
    } else if (!strcmp(t, "sleep1000")) {
        v = sleep_round(1000);
    } else if (!strcmp(t, "sleep10000")) {
        v = sleep_round(10000);
    } else if (!strcmp(t, "sleep100000")) {
        v = sleep_round(100000);
    } else if (!strcmp(t, "sleep100000w")) {
        if (sleep_round(100000) >= 0) v = sleep_round(100000);
    } else if (!strcmp(t, "spawn1m")) {
        v = sleep_round(1000000);
    } else if (!strcmp(t, "alive100000")) {
        v = alive_round(100000);
    } else if (!strcmp(t, "gather100k")) {
        v = gather_round(100000);
    } else if (!strcmp(t, "switch")) {
        v = switch_ns();
        u = "ns/switch";
    } else if (!strcmp(t, "deadline")) {
        v = deadline_ns();
        u = "ns";
    } else if (micro_sync && micro_sync(t, &v, &u)) {
        /* done by the sync layer's tests */
    } else if (micro_io && micro_io(t, &v, &u)) {
        /* done by the stream tests */
    } else {
        fprintf(stderr, "micro: unknown test '%s'\n", t);
        return 2;
    }
    if (v < 0) {
        fprintf(stderr, "micro: test '%s' failed\n", t);
        return 1;
    }
    result = v;
    result_unit = u;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: micro TEST\n");
        return 2;
    }
    test_name = argv[1];
    weft_options o = WEFT_OPTIONS_INIT;
    o.signals = 0;
    int rc = weft_run_opts(&o, run_test, NULL);
    if (rc != 0) return rc < 0 ? 1 : rc;
    printf("value=%.6g unit=%s\n", result, result_unit);
    return 0;
}
