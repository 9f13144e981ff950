/* Pattern 9: cancellation, CancelledError, cleanup then re-raise.
 *
 * weft_cancel makes the task's current wait and every later one return
 * -ECANCELED, so ordinary C error paths unwind it and run its cleanup.
 * Cleanup that itself must wait goes inside a shield (see shield.c). */
#include <stdio.h>
#include <stdlib.h>
#include <weft.h>

struct worker {
    int steps;
    int freed;
};

static int worker(void *arg)
{
    struct worker *w = arg;
    char *buffer = malloc(4096);
    if (!buffer) return -ENOMEM;
    int rc;
    while ((rc = weft_sleep(WEFT_MS(5))) == 0) w->steps++; /* works until cancelled */
    free(buffer); /* the normal error path is the cleanup path */
    w->freed = 1;
    return rc; /* "re-raise": the status says it was cancelled */
}

static int main_task(void *arg)
{
    (void)arg;
    struct worker w = {0, 0};
    weft_task *t;
    if (weft_spawn(&t, worker, &w) < 0) return 1;
    if (weft_sleep(WEFT_MS(22)) < 0) return 1;
    (void)weft_cancel(t);
    int rc = weft_join(t);
    printf("cancellation: worker did %d steps, then returned %s; buffer freed: %s\n", w.steps,
           weft_errname(rc), w.freed ? "yes" : "no");
    return rc == -ECANCELED && w.freed ? 0 : 1;
}

int main(void) { return weft_run(main_task, NULL); }
