/* Test support (see wt.h). */
#include "wt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <time.h>

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
