/* Test support (see wt.h). */
#include "wt.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

int wt_failures;

int wt__check(int ok, const char *expr, const char *file, int line)
{
    if (!ok) {
        wt_failures++;
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, expr);
    }
    return ok;
}

int wt__check_int(long long a, long long b, const char *op, const char *ea, const char *eb,
                  const char *file, int line)
{
    int ok;
    if (op[0] == '=') ok = a == b;
    else if (op[0] == '!') ok = a != b;
    else if (op[0] == '<' && op[1] == '=') ok = a <= b;
    else if (op[0] == '<') ok = a < b;
    else if (op[0] == '>' && op[1] == '=') ok = a >= b;
    else ok = a > b;
    if (!ok) {
        wt_failures++;
        fprintf(stderr, "%s:%d: check failed: %s %s %s (%lld %s %lld)\n", file, line, ea, op, eb,
                a, op, b);
    }
    return ok;
}

int wt_run_opts(const weft_options *opts, weft_fn body, void *arg)
{
    /* Tests never query the system's resolver, even when run by hand
     * outside ctest (which sets the same): DNS goes to a closed port. */
    setenv("WEFT_DNS_SERVERS", "127.0.0.1:9", 0);
    wt_failures = 0;
    int rc = weft_run_opts(opts, body, arg);
    if (rc == -ENOSYS && getenv("WEFT_BACKEND")) {
        /* The backend this run is for does not work here (no io_uring):
         * nothing in this file can run, so the whole test is skipped with
         * ctest's skip code (cmocka's skip() would count as a pass). */
        fprintf(stderr, "skipped: backend %s unavailable\n", getenv("WEFT_BACKEND"));
        fflush(NULL);
        exit(WT_SKIP);
    }
    if (wt_failures) fail_msg("%d check(s) failed inside tasks", wt_failures);
    return rc;
}

int wt_run(weft_fn body, void *arg) { return wt_run_opts(NULL, body, arg); }

int wt_run_virtual(weft_fn body, void *arg)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.virtual_clock = 1;
    return wt_run_opts(&o, body, arg);
}

int64_t wt_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int wt_count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

/* ---------------------------------------------------------------- flags */

static pthread_mutex_t flag_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flag_cv = PTHREAD_COND_INITIALIZER;

/* A task waiting for a flag: its own eventfd, written when the flag gets
 * there (one per waiter, so no waiter can swallow another's wake-up). */
struct flag_waiter {
    const int *p;
    int v;
    int efd;
    struct flag_waiter *next;
};
static struct flag_waiter *flag_waiters;

static void flag_changed(const int *p) /* under flag_mu */
{
    pthread_cond_broadcast(&flag_cv);
    for (struct flag_waiter *w = flag_waiters; w; w = w->next) {
        if (w->p != p || *p < w->v) continue;
        uint64_t one = 1;
        WEFT_IGNORE(write(w->efd, &one, sizeof one)); /* cannot fail: far from the limit */
    }
}

void wt_flag_set(int *p, int v)
{
    pthread_mutex_lock(&flag_mu);
    *p = v;
    flag_changed(p);
    pthread_mutex_unlock(&flag_mu);
}

int wt_flag_add(int *p, int d)
{
    pthread_mutex_lock(&flag_mu);
    int v = *p += d;
    flag_changed(p);
    pthread_mutex_unlock(&flag_mu);
    return v;
}

int wt_flag_get(const int *p)
{
    pthread_mutex_lock(&flag_mu);
    int v = *p;
    pthread_mutex_unlock(&flag_mu);
    return v;
}

int wt_flag_wait_thread(const int *p, int v)
{
    struct timespec end;
    clock_gettime(CLOCK_REALTIME, &end);
    end.tv_sec += 20;
    pthread_mutex_lock(&flag_mu);
    int rc = 0;
    while (*p < v && rc == 0) rc = pthread_cond_timedwait(&flag_cv, &flag_mu, &end);
    int ok = *p >= v;
    pthread_mutex_unlock(&flag_mu);
    return ok ? 0 : -1;
}

int wt_flag_wait_task(const int *p, int v)
{
    struct flag_waiter w = {p, v, eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), NULL};
    if (w.efd < 0) return -1;
    pthread_mutex_lock(&flag_mu);
    int ok = *p >= v;
    if (!ok) {
        w.next = flag_waiters;
        flag_waiters = &w;
    }
    pthread_mutex_unlock(&flag_mu);
    if (!ok) {
        if (weft_deadline_push(WEFT_SEC(20)) == 0) {
            WEFT_IGNORE(weft_fd_wait_readable(w.efd));
            WEFT_IGNORE(weft_deadline_pop());
        }
        pthread_mutex_lock(&flag_mu);
        for (struct flag_waiter **pp = &flag_waiters; *pp; pp = &(*pp)->next) {
            if (*pp == &w) {
                *pp = w.next;
                break;
            }
        }
        ok = *p >= v;
        pthread_mutex_unlock(&flag_mu);
    }
    WEFT_IGNORE(weft_fd_close(w.efd));
    return ok ? 0 : -1;
}
