/* Pattern 6: asyncio.as_completed.
 *
 * weft_group_next hands back finished tasks in completion order, waiting
 * as needed, and NULL once every task has been handed back. */
#include <stdio.h>
#include <weft.h>

struct page {
    int id;
    int64_t delay;
};

static int download(void *arg)
{
    struct page *p = arg;
    return weft_sleep(p->delay) < 0 ? -1 : p->id;
}

static int main_task(void *arg)
{
    (void)arg;
    struct page pages[4] = {{1, WEFT_MS(40)}, {2, WEFT_MS(10)}, {3, WEFT_MS(30)}, {4, WEFT_MS(20)}};
    weft_group *g;
    if (weft_group_new(&g, WEFT_COLLECT) < 0) return 1;
    int64_t t0 = weft_now();
    for (int i = 0; i < 4; i++)
        if (weft_group_spawn(g, NULL, download, &pages[i]) < 0) return 1;
    int order[4], n = 0;
    weft_task *t;
    while (weft_group_next(g, &t) == 0 && t) {
        order[n] = weft_task_status(t);
        printf("as_completed: page %d done at %.0f ms\n", order[n],
               (double)(weft_now() - t0) / 1e6);
        n++;
    }
    weft_group_free(g);
    return n == 4 && order[0] == 2 && order[1] == 4 && order[2] == 3 && order[3] == 1 ? 0 : 1;
}

int main(void) { return weft_run(main_task, NULL); }
