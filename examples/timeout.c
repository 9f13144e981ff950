/* Pattern 8: asyncio.timeout(d) and wait_for(coro, d).
 *
 * A deadline scope bounds every wait inside it: once it expires, waits
 * return -ETIMEDOUT until the scope is popped. Scopes nest and the earliest
 * deadline wins; weft_deadline_pop tells whether its own scope expired, so
 * code can tell its timeout from an outer one. */
#include <stdio.h>
#include <weft.h>

static int slow_query(void *arg)
{
    (void)arg;
    return weft_sleep(WEFT_MS(200)); /* stands in for a slow server */
}

static int main_task(void *arg)
{
    (void)arg;
    int64_t t0 = weft_now();
    int rc = weft_wait_for(slow_query, NULL, WEFT_MS(20));
    printf("timeout: wait_for(slow_query, 20 ms) -> %s after %.1f ms\n", weft_errname(rc),
           (double)(weft_now() - t0) / 1e6);
    if (rc != -ETIMEDOUT) return 1;

    /* nested: a 50 ms budget for the whole request, 10 ms for one step */
    t0 = weft_now();
    if (weft_deadline_push(WEFT_MS(50)) < 0) return 1;
    if (weft_deadline_push(WEFT_MS(10)) < 0) return 1;
    rc = weft_sleep(WEFT_MS(30));
    int inner_expired = weft_deadline_pop();
    printf("timeout: step -> %s at %.1f ms (inner scope expired: %d)\n", weft_errname(rc),
           (double)(weft_now() - t0) / 1e6, inner_expired);
    rc = weft_sleep(WEFT_MS(100)); /* the outer budget still bounds the rest */
    int outer_expired = weft_deadline_pop();
    printf("timeout: rest -> %s at %.1f ms (outer scope expired: %d)\n", weft_errname(rc),
           (double)(weft_now() - t0) / 1e6, outer_expired);
    return inner_expired == 1 && outer_expired == 1 && rc == -ETIMEDOUT ? 0 : 1;
}

int main(void) { return weft_run(main_task, NULL); }
