/* bench/micro: the stream layer's tests, called from micro.c's dispatcher.
 *
 *   swrite   one writer, weft_stream_write of 64-byte messages into a
 *            stream pair whose reader drains it in 64 KiB reads, 2,000,000
 *            messages: ns per write (the stream's write path alone: no
 *            system call, the pair is in-process)
 *   swrite4k the same with 4 KiB messages, 200,000 of them */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <weft.h>

#include "micro_io.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

struct drain {
    weft_stream *r;
    size_t want;
};

static int drainer(void *arg)
{
    struct drain *d = arg;
    static char buf[64 * 1024];
    size_t got = 0;
    while (got < d->want) {
        ssize_t n = weft_stream_read(d->r, buf, sizeof buf);
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    return 0;
}

static double swrite(size_t msg, long n)
{
    weft_stream *w, *r;
    if (weft_stream_pair(&w, &r) < 0) return -1;
    char *m = malloc(msg);
    if (!m) return -1;
    memset(m, 'x', msg);
    struct drain d = {r, msg * (size_t)n};
    weft_task *t;
    if (weft_spawn(&t, drainer, &d) < 0) return -1;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        if (weft_stream_write(w, m, msg) != (ssize_t)msg) return -1;
        if ((i & 63) == 63 && weft_stream_flush(w) < 0) return -1; /* asyncio's drain() */
    }
    if (weft_stream_flush(w) < 0) return -1;
    if (weft_join(t) != 0) return -1;
    double dt = now_ns() - t0;
    free(m);
    weft_stream_close(w);
    weft_stream_close(r);
    return dt / (double)n;
}

int micro_io(const char *test, double *value, const char **unit)
{
    if (!strcmp(test, "swrite")) {
        *value = swrite(64, 2000000);
    } else if (!strcmp(test, "swrite4k")) {
        *value = swrite(4096, 200000);
    } else {
        return 0;
    }
    *unit = "ns/write";
    return 1;
}
