/* Pattern 4: asyncio.gather(*coros, return_exceptions=True).
 *
 * A COLLECT group waits for every task; one failing does not stop the
 * others. Results come back in spawn order, each task's status readable
 * through its handle until the group is freed. */
#include <stdio.h>
#include <weft.h>

struct job {
    int id;
    int64_t delay;
    int fail;
    int value;
};

static int work(void *arg)
{
    struct job *j = arg;
    int rc = weft_sleep(j->delay);
    if (rc < 0) return rc;
    if (j->fail) return -EIO; /* this one "raises" */
    j->value = j->id * j->id;
    return 0;
}

static int main_task(void *arg)
{
    (void)arg;
    struct job jobs[5] = {{1, WEFT_MS(30), 0, 0}, {2, WEFT_MS(10), 0, 0}, {3, WEFT_MS(20), 1, 0},
                          {4, WEFT_MS(5), 0, 0},  {5, WEFT_MS(25), 0, 0}};
    weft_group *g;
    if (weft_group_new(&g, WEFT_COLLECT) < 0) return 1;
    int64_t t0 = weft_now();
    for (int i = 0; i < 5; i++)
        if (weft_group_spawn(g, NULL, work, &jobs[i]) < 0) return 1;
    int failed = weft_group_wait(g);
    printf("gather: 5 jobs in %.1f ms, %d failed; results in spawn order:", 
           (double)(weft_now() - t0) / 1e6, failed);
    for (size_t i = 0; i < weft_group_size(g); i++) {
        int st = weft_task_status(weft_group_task(g, i));
        if (st < 0) printf(" [%s]", weft_errname(st));
        else printf(" %d", jobs[i].value);
    }
    printf("\n");
    weft_group_free(g);
    return failed == 1 ? 0 : 1;
}

int main(void) { return weft_run(main_task, NULL); }
