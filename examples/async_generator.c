/* Pattern 14: an async generator over a paginated API, closed early.
 *
 *     async def items(session):
 *         page = 1
 *         try:
 *             while True:
 *                 batch = await fetch_page(session, page)  # lazy: only when asked
 *                 if not batch: return
 *                 for it in batch: yield it
 *                 page += 1
 *         finally:
 *             await session.close()                      # cleanup, even when closed early
 *     async for it in items(s):
 *         if it == wanted: break                         # aclose() runs the finally
 *
 * The producer runs only when the consumer asks for the next item, so
 * pages past the one holding the wanted item are never fetched; closing the
 * generator early makes the producer's weft_gen_yield return -ECANCELED and
 * its cleanup run (here a shielded, polite "close the session"). The
 * consumer's deadline also bounds the producer's fetches. */
#include <stdio.h>
#include <stdint.h>
#include <weft.h>

#define PER_PAGE 10
#define PAGES 20

struct session {
    int pages_fetched;
    int closed;
};

static int fetch_page(struct session *s, int page, int *batch)
{
    int rc = weft_sleep(WEFT_MS(5)); /* the request */
    if (rc < 0) return rc;
    s->pages_fetched++;
    if (page > PAGES) return 0;
    for (int i = 0; i < PER_PAGE; i++) batch[i] = (page - 1) * PER_PAGE + i;
    return PER_PAGE;
}

static int items(weft_gen *g, void *arg)
{
    struct session *s = arg;
    int rc = 0, batch[PER_PAGE];
    for (int page = 1;; page++) {
        int n = fetch_page(s, page, batch);
        if (n <= 0) {
            rc = n;
            break;
        }
        for (int i = 0; i < n && rc == 0; i++) rc = weft_gen_yield(g, (void *)(intptr_t)batch[i]);
        if (rc < 0) break; /* closed (-ECANCELED) or interrupted */
    }
    /* finally: close the session politely, even when cancelled */
    if (weft_shield_push() == 0) {
        WEFT_IGNORE(weft_sleep(WEFT_MS(1)));
        weft_shield_pop();
    }
    s->closed = 1;
    return rc == -ECANCELED ? 0 : rc;
}

static int main_task(void *arg)
{
    (void)arg;
    struct session s = {0};
    weft_gen *g;
    if (weft_gen_new(&g, items, &s) < 0) return 1;
    int wanted = 42, found = -1, rc;
    void *it;
    while ((rc = weft_gen_next(g, &it)) == 0) {
        if ((intptr_t)it == wanted) {
            found = (int)(intptr_t)it;
            break; /* stop early */
        }
    }
    int closed = weft_gen_close(g); /* runs the producer's cleanup (weft_gen_free would too) */
    weft_gen_free(g);
    printf("async generator: found %d after fetching %d of %d pages; session closed: %s\n", found,
           s.pages_fetched, PAGES, s.closed ? "yes" : "no");

    /* the consumer's deadline bounds the producer's fetches */
    struct session s2 = {0};
    if (weft_gen_new(&g, items, &s2) < 0) return 1;
    int n = 0, rc2;
    if (weft_deadline_push(WEFT_MS(12)) < 0) return 1;
    while ((rc2 = weft_gen_next(g, &it)) == 0) n++;
    weft_deadline_pop();
    weft_gen_free(g);
    printf("async generator: under a 12 ms deadline: %d items, then %s; session closed: %s\n", n,
           weft_errname(rc2), s2.closed ? "yes" : "no");
    return found == wanted && s.pages_fetched == 5 && s.closed && closed == 0 &&
                   n % PER_PAGE == 0 && n >= PER_PAGE && n < PAGES * PER_PAGE &&
                   rc2 == -ETIMEDOUT && s2.closed
               ? 0
               : 1;
}

int main(void) { return weft_run(main_task, NULL); }
