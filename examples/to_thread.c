/* weft-example: timeout=120
 *
 * to_thread with CPU-bound work (asyncio's to_thread / run_in_executor).
 *
 * Counts the primes below N twice: once as a single job on the worker pool,
 * then split into chunks (8 per worker, one worker per CPU), each chunk a
 * task that hands its work to weft_to_thread. C has no GIL, so the chunks
 * run in parallel and the second run is faster by about the number of
 * cores. Meanwhile a
 * ticker task keeps running on the loop: the loop never blocks.
 *
 * usage: to_thread [N]    (default 2,000,000) */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <weft.h>

enum { MAX_CHUNKS = 64 };

/* What one job does: its own range in, its count out (on the caller's
 * stack: weft_to_thread waits for the job even if cancelled). */
struct range {
    uint64_t lo, hi;
    uint64_t count;
};

static int is_prime(uint64_t n)
{
    if (n < 2) return 0;
    if (n % 2 == 0) return n == 2;
    for (uint64_t d = 3; d * d <= n; d += 2)
        if (n % d == 0) return 0;
    return 1;
}

/* Runs on a worker thread. */
static int count_primes(void *p)
{
    struct range *r = p;
    r->count = 0;
    for (uint64_t n = r->lo; n < r->hi; n++) r->count += (uint64_t)is_prime(n);
    return 0;
}

/* A task per chunk: the wait is one call. */
static int chunk_task(void *p) { return weft_to_thread(count_primes, p); }

static int ticks;

static int ticker(void *p)
{
    (void)p;
    while (weft_sleep(WEFT_MS(1)) == 0) ticks++;
    return 0;
}

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct job {
    uint64_t n;
    int workers;
};

static int run(void *p)
{
    struct job *job = p;
    weft_task *tick;
    int rc = weft_spawn(&tick, ticker, NULL);
    if (rc < 0) return rc;

    /* One job on one worker. */
    struct range all = {0, job->n, 0};
    int ticks0 = ticks;
    double t0 = wall_ms();
    rc = weft_to_thread(count_primes, &all);
    double one = wall_ms() - t0;
    if (rc < 0) return rc;
    printf("1 job:  %" PRIu64 " primes below %" PRIu64 " in %.0f ms (the loop ticked %d times)\n",
           all.count, job->n, one, ticks - ticks0);

    /* The same work in chunks, one task (and one job) per chunk: 8 chunks
     * per worker, so the pool's queue evens out their unequal costs. */
    int k = job->workers * 8 > MAX_CHUNKS ? MAX_CHUNKS : job->workers * 8;
    struct range r[MAX_CHUNKS];
    uint64_t step = (job->n + (uint64_t)k - 1) / (uint64_t)k;
    weft_group *g;
    rc = weft_group_new(&g, WEFT_FAIL_FAST);
    if (rc < 0) return rc;
    ticks0 = ticks;
    t0 = wall_ms();
    for (int i = 0; i < k; i++) {
        r[i].lo = (uint64_t)i * step;
        r[i].hi = r[i].lo + step < job->n ? r[i].lo + step : job->n;
        rc = weft_group_spawn(g, NULL, chunk_task, &r[i]);
        if (rc < 0) break;
    }
    if (rc == 0) rc = weft_group_wait(g);
    double par = wall_ms() - t0;
    weft_group_free(g);
    if (rc < 0) return rc;
    uint64_t sum = 0;
    for (int i = 0; i < k; i++) sum += r[i].count;
    printf("%d jobs: %" PRIu64 " primes below %" PRIu64 " in %.0f ms (the loop ticked %d times)\n",
           k, sum, job->n, par, ticks - ticks0);
    printf("speed-up over one thread: %.2fx with %d workers\n", one / par, job->workers);

    WEFT_IGNORE(weft_cancel(tick));
    WEFT_IGNORE(weft_join(tick));
    return sum == all.count ? 0 : -1;
}

static int online_cpus(void)
{
    cpu_set_t cs;
    if (sched_getaffinity(0, sizeof cs, &cs) == 0 && CPU_COUNT(&cs) > 0) return CPU_COUNT(&cs);
    return 1;
}

int main(int argc, char **argv)
{
    struct job job = {argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000, online_cpus()};
    weft_options o = WEFT_OPTIONS_INIT;
    o.threads = job.workers;
    int rc = weft_run_opts(&o, run, &job);
    if (rc < 0) fprintf(stderr, "to_thread: %s\n", weft_strerror(rc));
    return rc < 0 ? 1 : 0;
}
