/* Pattern 1: asyncio.run(main()).
 *
 * weft_run sets up a loop, runs main_task as the root task and returns its
 * status once every task has finished: tasks still alive when main_task
 * returns are cancelled and waited for, so nothing leaks. The first Ctrl+C
 * cancels main_task (its waits return -ECANCELED and it unwinds normally);
 * a second one ends the process at once. */
#include <stdio.h>
#include <weft.h>

static int background(void *arg)
{
    int *cleaned = arg;
    int rc = weft_sleep(WEFT_SEC(3600)); /* would run for an hour... */
    if (rc == -ECANCELED) *cleaned = 1;   /* ...but is cancelled when main returns */
    return rc;
}

static int main_task(void *arg)
{
    int *cleaned = arg;
    if (weft_spawn(NULL, background, cleaned) < 0) return 1; /* detached */
    printf("run: main task running on the %s backend\n", weft_backend_name());
    if (weft_sleep(WEFT_MS(5)) < 0) return 1;
    return 0;
}

int main(void)
{
    int cleaned = 0;
    int rc = weft_run(main_task, &cleaned);
    printf("run: weft_run returned %d; the leftover task was cancelled and cleaned up: %s\n", rc,
           cleaned ? "yes" : "no");
    return rc == 0 && cleaned ? 0 : 1;
}
