/* Pattern 3: asyncio.sleep(d) and sleep(0).
 *
 * 1,000 tasks each sleeping 10 ms, all alive at once, finish in ~10 ms of
 * wall time: sleeping parks a task on a timer and lets the others run.
 * weft_yield (sleep(0)) lets every other ready task run once. */
#include <stdio.h>
#include <weft.h>

static int nap(void *arg)
{
    (void)arg;
    return weft_sleep(WEFT_MS(10));
}

struct turn {
    char *log;
    int *len;
    char name;
};

static int taker(void *arg)
{
    struct turn *t = arg;
    for (int i = 0; i < 3; i++) {
        t->log[(*t->len)++] = t->name;
        if (weft_yield() < 0) return -1; /* let the others take a turn */
    }
    return 0;
}

static int main_task(void *arg)
{
    (void)arg;
    weft_group *g;
    if (weft_group_new(&g, WEFT_COLLECT) < 0) return 1;
    int64_t t0 = weft_now();
    for (int i = 0; i < 1000; i++)
        if (weft_group_spawn(g, NULL, nap, NULL) < 0) return 1;
    int failed = weft_group_wait(g);
    double ms = (double)(weft_now() - t0) / 1e6;
    weft_group_free(g);
    printf("sleep: 1,000 tasks x 10 ms sleep: %.1f ms wall (%d failed)\n", ms, failed);

    char log[16] = {0};
    int len = 0;
    struct turn a = {log, &len, 'a'}, b = {log, &len, 'b'};
    weft_task *ta, *tb;
    if (weft_spawn(&ta, taker, &a) < 0 || weft_spawn(&tb, taker, &b) < 0) return 1;
    if (weft_join(ta) < 0 || weft_join(tb) < 0) return 1;
    printf("sleep: two tasks yielding take turns: %s\n", log);
    return failed == 0 && ms < 1000 ? 0 : 1; /* one after another: 10 s */
}

int main(void) { return weft_run(main_task, NULL); }
