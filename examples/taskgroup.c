/* Pattern 5: asyncio.TaskGroup.
 *
 * A FAIL_FAST group is structured concurrency: no task outlives it. The
 * first failure cancels every sibling, the group waits for them, and
 * weft_group_wait returns that first error; each task's own status stays
 * readable (the except* case). */
#include <stdio.h>
#include <weft.h>

struct step {
    const char *name;
    int64_t delay;
    int fail;
    int cleaned_up;
};

static int step(void *arg)
{
    struct step *s = arg;
    int rc = weft_sleep(s->delay);
    if (rc < 0) { /* cancelled by the group: clean up and pass it on */
        s->cleaned_up = 1;
        return rc;
    }
    return s->fail ? -ECONNREFUSED : 0;
}

static int main_task(void *arg)
{
    (void)arg;
    struct step steps[3] = {{"load-users", WEFT_MS(50), 0, 0},
                            {"load-orders", WEFT_MS(10), 1, 0},
                            {"load-prices", WEFT_MS(40), 0, 0}};
    weft_group *g;
    if (weft_group_new(&g, WEFT_FAIL_FAST) < 0) return 1;
    int64_t t0 = weft_now();
    for (int i = 0; i < 3; i++)
        if (weft_group_spawn(g, NULL, step, &steps[i]) < 0) return 1;
    int rc = weft_group_wait(g);
    printf("taskgroup: failed with %s after %.1f ms (not 50: the rest were cancelled)\n",
           weft_errname(rc), (double)(weft_now() - t0) / 1e6);
    for (int i = 0; i < 3; i++)
        printf("taskgroup:   %-12s status %-12s cleaned up: %s\n", steps[i].name,
               weft_errname(weft_task_status(weft_group_task(g, (size_t)i))),
               steps[i].cleaned_up ? "yes" : "no");
    weft_group_free(g);
    return rc == -ECONNREFUSED && steps[0].cleaned_up && steps[2].cleaned_up ? 0 : 1;
}

int main(void) { return weft_run(main_task, NULL); }
