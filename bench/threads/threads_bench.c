/* The thread crossings: weft_to_thread round trips and throughput, thread-
 * safe calls into a loop and future round trips from a foreign thread.
 * Prints one "name value unit" line per figure (bench/run_threads.sh makes
 * the table).
 *
 * usage: threads_bench [N]   (round trips per figure; default 100000) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <weft.h>

static long n_jobs = 100000;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int empty_job(void *p)
{
    (void)p;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of n samples (sorts them). Round trips are reported as the
 * median of single round trips, which a machine busy with other work
 * disturbs far less than the mean. */
static double median(double *v, long n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* ---- to_thread: one task, one job at a time */
static int seq(void)
{
    double *v = malloc((size_t)n_jobs * sizeof *v);
    if (!v) return -1;
    for (long i = 0; i < n_jobs; i++) {
        double t0 = now_s();
        if (weft_to_thread(empty_job, NULL) != 0) return -1;
        v[i] = now_s() - t0;
    }
    printf("to_thread_roundtrip %.2f us\n", median(v, n_jobs) * 1e6);
    free(v);
    return 0;
}

/* ---- to_thread: 64 tasks, each a loop of jobs */
enum { PAR = 64 };

static int par_task(void *p)
{
    long k = (long)(intptr_t)p;
    for (long i = 0; i < k; i++)
        if (weft_to_thread(empty_job, NULL) != 0) return -1;
    return 0;
}

static int par(void)
{
    weft_group *g;
    if (weft_group_new(&g, WEFT_FAIL_FAST) < 0) return -1;
    long per = n_jobs / PAR;
    double t0 = now_s();
    for (int i = 0; i < PAR; i++)
        if (weft_group_spawn(g, NULL, par_task, (void *)(intptr_t)per) < 0) return -1;
    int rc = weft_group_wait(g);
    double dt = now_s() - t0;
    weft_group_free(g);
    printf("to_thread_64_tasks %.0f jobs/s\n", (double)(per * PAR) / dt);
    return rc;
}

/* ---- call_threadsafe: a foreign thread posts n calls; each runs a task */
static struct {
    weft_loop *loop;
    long count; /* loop thread only */
    weft_future *done; /* completes when count reaches n */
    int finished;
} ct;

static int counted(void *p)
{
    (void)p;
    ct.count++;
    return 0;
}

static void *poster(void *p)
{
    (void)p;
    for (long i = 0; i < n_jobs; i++)
        while (weft_call_threadsafe(ct.loop, counted, NULL) != 0) {
        }
    return NULL;
}

static int join_job(void *p) { return -pthread_join(*(pthread_t *)p, NULL); }

static int calls(void)
{
    ct.loop = weft_loop_current();
    ct.count = 0;
    pthread_t th;
    double t0 = now_s();
    if (pthread_create(&th, NULL, poster, NULL) != 0) return -1;
    if (weft_to_thread(join_job, &th) != 0) return -1;
    while (ct.count < n_jobs)
        if (weft_yield() != 0) return -1;
    double dt = now_s() - t0;
    printf("call_threadsafe %.0f calls/s\n", (double)n_jobs / dt);
    return 0;
}

/* ---- spawn_threadsafe + wait: round trips from a foreign thread */
static int answer(void *p)
{
    (void)p;
    return 1;
}

static double rt_us;

static void *tripper(void *p)
{
    (void)p;
    long n = n_jobs / 4;
    double *v = malloc((size_t)n * sizeof *v);
    if (!v) return NULL;
    for (long i = 0; i < n; i++) {
        double t0 = now_s();
        weft_future *f;
        int st = 0;
        if (weft_spawn_threadsafe(ct.loop, &f, answer, NULL) != 0) return NULL;
        if (weft_future_wait(f, -1, &st) != 0 || st != 1) return NULL;
        weft_future_free(f);
        v[i] = now_s() - t0;
    }
    rt_us = median(v, n) * 1e6;
    free(v);
    return NULL;
}

static int trips(void)
{
    pthread_t th;
    if (pthread_create(&th, NULL, tripper, NULL) != 0) return -1;
    if (weft_to_thread(join_job, &th) != 0) return -1;
    if (rt_us <= 0) return -1;
    printf("spawn_threadsafe_roundtrip %.2f us\n", rt_us);
    return 0;
}

static int run(void *p)
{
    (void)p;
    if (seq() < 0 || par() < 0 || calls() < 0 || trips() < 0) return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1) n_jobs = atol(argv[1]);
    if (n_jobs < PAR) n_jobs = PAR;
    int rc = weft_run(run, NULL);
    if (rc < 0) fprintf(stderr, "threads_bench failed: %s\n", weft_strerror(rc));
    return rc < 0 ? 1 : 0;
}
