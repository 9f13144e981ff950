/* Pattern 13: asyncio.Queue(maxsize=50) with 1 producer and 5 workers.
 *
 *     q = asyncio.Queue(maxsize=50)
 *     async def producer():
 *         for i in range(100): await q.put(i)      # waits while full
 *     async def worker(n):
 *         while True:
 *             item = await q.get()
 *             ...; q.task_done()
 *     ... await q.join(); then stop the workers (the seeds use None sentinels)
 *
 * In weft the shutdown is weft_queue_close: workers drain what is left and
 * then get -EPIPE, so no sentinel values are needed. join waits until every
 * item put has been marked done. */
#include <stdio.h>
#include <stdint.h>
#include <weft.h>

#define ITEMS 100
#define WORKERS 5

struct shop {
    weft_queue *q;
    int handled[WORKERS];
    int seen[ITEMS];
    size_t max_size;
};

struct worker {
    struct shop *s;
    int id;
};

static int producer(void *arg)
{
    struct shop *s = arg;
    for (intptr_t i = 0; i < ITEMS; i++) {
        int rc = weft_queue_put(s->q, (void *)i); /* backpressure: waits at 50 */
        if (rc < 0) return rc;
        if (weft_queue_size(s->q) > s->max_size) s->max_size = weft_queue_size(s->q);
    }
    return 0;
}

static int worker(void *arg)
{
    struct worker *w = arg;
    void *item;
    int rc;
    while ((rc = weft_queue_get(w->s->q, &item)) == 0) {
        rc = weft_sleep(WEFT_MS(1)); /* process it */
        w->s->seen[(intptr_t)item]++;
        w->s->handled[w->id]++;
        weft_queue_task_done(w->s->q);
        if (rc < 0) return rc;
    }
    return rc == -EPIPE ? 0 : rc; /* closed and drained: a clean end */
}

static int main_task(void *arg)
{
    (void)arg;
    struct shop s = {0};
    struct worker w[WORKERS];
    weft_group *g;
    weft_task *prod;
    if (weft_queue_new(&s.q, WEFT_QUEUE_FIFO, 50, NULL) < 0) return 1;
    if (weft_group_new(&g, WEFT_FAIL_FAST) < 0) return 1;
    int64_t t0 = weft_now();
    if (weft_spawn(&prod, producer, &s) < 0) return 1;
    for (int i = 0; i < WORKERS; i++) {
        w[i] = (struct worker){&s, i};
        if (weft_group_spawn(g, NULL, worker, &w[i]) < 0) return 1;
    }
    int ok = 1;
    /* await producer; await q.join(): every item put has been processed */
    if (weft_join(prod) != 0 || weft_queue_join(s.q) != 0) ok = 0;
    weft_queue_close(s.q); /* the workers drain (nothing left) and stop */
    if (weft_group_wait(g) != 0) ok = 0;
    weft_group_free(g);
    weft_queue_free(s.q);
    int total = 0;
    printf("producer/consumer: %d items through a queue of maxsize 50 (peak %zu), %.0f ms; "
           "per worker:", ITEMS, s.max_size, (double)(weft_now() - t0) / 1e6);
    for (int i = 0; i < WORKERS; i++) {
        printf(" %d", s.handled[i]);
        total += s.handled[i];
    }
    printf("\n");
    for (int i = 0; i < ITEMS; i++) ok &= s.seen[i] == 1;
    return ok && total == ITEMS && s.max_size <= 50 ? 0 : 1;
}

int main(void) { return weft_run(main_task, NULL); }
