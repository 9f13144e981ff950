/* Pattern 7: a race (asyncio.wait(..., return_when=FIRST_COMPLETED)).
 *
 * Ask three mirrors, keep the first answer, cancel the rest: group_next
 * gives the winner, group_cancel the losers, and group_wait makes sure
 * they have finished (cleanup included) before the group is freed. */
#include <stdio.h>
#include <weft.h>

struct mirror {
    const char *name;
    int64_t latency;
    int cancelled;
};

static int ask(void *arg)
{
    struct mirror *m = arg;
    int rc = weft_sleep(m->latency);
    if (rc == -ECANCELED) m->cancelled = 1;
    return rc;
}

static int main_task(void *arg)
{
    (void)arg;
    struct mirror m[3] = {{"eu", WEFT_MS(30), 0}, {"us", WEFT_MS(12), 0}, {"asia", WEFT_MS(45), 0}};
    weft_group *g;
    if (weft_group_new(&g, WEFT_COLLECT) < 0) return 1;
    int64_t t0 = weft_now();
    weft_task *t[3], *winner = NULL;
    for (int i = 0; i < 3; i++)
        if (weft_group_spawn(g, &t[i], ask, &m[i]) < 0) return 1;
    if (weft_group_next(g, &winner) < 0 || !winner) return 1;
    (void)weft_group_cancel(g);
    if (weft_group_wait(g) != 0) return 1; /* cancellations it caused are not failures */
    int w = winner == t[0] ? 0 : winner == t[1] ? 1 : 2;
    printf("race: mirror %s answered first after %.1f ms; others cancelled: %s, %s\n", m[w].name,
           (double)(weft_now() - t0) / 1e6, m[0].cancelled ? "eu" : "-",
           m[2].cancelled ? "asia" : "-");
    weft_group_free(g);
    return w == 1 && m[0].cancelled && m[2].cancelled ? 0 : 1;
}

int main(void) { return weft_run(main_task, NULL); }
