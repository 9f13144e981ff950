/* Pattern 11: asyncio.Semaphore(10) limiting 1,000 fetches to 10 at a time.
 *
 *     sem = asyncio.Semaphore(10)
 *     async def fetch(i):
 *         async with sem:
 *             await asyncio.sleep(...)      # the request
 *     await asyncio.gather(*(fetch(i) for i in range(1000)))
 *
 * Each fetch is simulated by a 1-4 ms sleep. Waiters get permits in FIFO
 * order, so no fetch starves; the program checks that at most 10 ran at
 * once and that all 1,000 finished. */
#include <stdio.h>
#include <weft.h>

#define FETCHES 1000
#define LIMIT 10

struct crawler {
    weft_sem sem;
    int running, max_running, done;
};

struct fetch {
    struct crawler *c;
    int id;
};

static int fetch(void *arg)
{
    struct fetch *f = arg;
    struct crawler *c = f->c;
    int rc = weft_sem_acquire(&c->sem); /* async with sem: */
    if (rc < 0) return rc;
    if (++c->running > c->max_running) c->max_running = c->running;
    rc = weft_sleep(WEFT_MS(1 + f->id % 4)); /* "the request" */
    c->running--;
    weft_sem_release(&c->sem); /* never fails for a plain semaphore; safe on every path */
    if (rc == 0) c->done++;
    return rc;
}

static int main_task(void *arg)
{
    (void)arg;
    static struct fetch f[FETCHES];
    struct crawler c = {.sem = WEFT_SEM_INIT(LIMIT)};
    weft_group *g;
    if (weft_group_new(&g, WEFT_COLLECT) < 0) return 1;
    int64_t t0 = weft_now();
    for (int i = 0; i < FETCHES; i++) {
        f[i] = (struct fetch){&c, i};
        if (weft_group_spawn(g, NULL, fetch, &f[i]) < 0) return 1;
    }
    int failed = weft_group_wait(g);
    weft_group_free(g);
    printf("semaphore: %d fetches, %d at a time: max concurrency observed = %d, %.0f ms "
           "(sum of sleeps / %d = %.0f ms)\n",
           c.done, LIMIT, c.max_running, (double)(weft_now() - t0) / 1e6, LIMIT,
           2.5 * FETCHES / LIMIT);
    return failed == 0 && c.done == FETCHES && c.max_running == LIMIT ? 0 : 1;
}

int main(void) { return weft_run(main_task, NULL); }
