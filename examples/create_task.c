/* Pattern 2: create_task / await task / Task.result().
 *
 * weft_spawn starts a task at the next scheduling point and hands back its
 * handle; weft_join waits for it, returns its status and frees the handle.
 * Results travel through the argument. A joiner that is cancelled cancels
 * the task it waits for too (asyncio's `await task`). */
#include <stdio.h>
#include <weft.h>

struct fetch {
    const char *url;
    int64_t delay;
    int bytes; /* the "result" */
};

static int fetch(void *arg)
{
    struct fetch *f = arg;
    int rc = weft_sleep(f->delay); /* stands in for network I/O */
    if (rc < 0) return rc;
    f->bytes = 1000 + (int)(f->delay / WEFT_MS(1));
    return 0;
}

static int main_task(void *arg)
{
    (void)arg;
    struct fetch a = {"https://example.com/a", WEFT_MS(20), 0};
    struct fetch b = {"https://example.com/b", WEFT_MS(10), 0};
    weft_task *ta, *tb;
    int64_t t0 = weft_now();
    if (weft_spawn(&ta, fetch, &a) < 0 || weft_spawn(&tb, fetch, &b) < 0) return 1;
    int ra = weft_join(ta), rb = weft_join(tb); /* both ran concurrently */
    printf("create_task: %s -> %d bytes (status %d), %s -> %d bytes (status %d) in %.1f ms "
           "(concurrent: ~20 ms, not 30)\n",
           a.url, a.bytes, ra, b.url, b.bytes, rb, (double)(weft_now() - t0) / 1e6);
    return ra == 0 && rb == 0 ? 0 : 1;
}

int main(void) { return weft_run(main_task, NULL); }
