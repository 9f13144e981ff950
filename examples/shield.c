/* Pattern 10: asyncio.shield.
 *
 * A shield keeps cancellation and outer deadlines from interrupting the
 * waits inside it (they take effect at the first wait after it); a deadline
 * pushed inside still applies, so cleanup is protected AND bounded. Here a
 * cancelled task still says goodbye to its peer, within 50 ms. */
#include <stdio.h>
#include <weft.h>

struct session {
    int goodbye_sent;
    int status_after;
};

static int session(void *arg)
{
    struct session *s = arg;
    int rc;
    while ((rc = weft_sleep(WEFT_MS(10))) == 0) {
    } /* serve until cancelled */
    /* cleanup that needs to wait: shielded, with its own deadline */
    if (weft_shield_push() == 0) {
        if (weft_deadline_push(WEFT_MS(50)) == 0) {
            if (weft_sleep(WEFT_MS(5)) == 0) s->goodbye_sent = 1; /* "send goodbye" */
            (void)weft_deadline_pop();
        }
        (void)weft_shield_pop();
    }
    s->status_after = weft_sleep(WEFT_MS(1)); /* after the shield: cancelled again */
    return rc;
}

static int main_task(void *arg)
{
    (void)arg;
    struct session s = {0, 0};
    weft_task *t;
    if (weft_spawn(&t, session, &s) < 0) return 1;
    if (weft_sleep(WEFT_MS(15)) < 0) return 1;
    int64_t t0 = weft_now();
    (void)weft_cancel(t);
    int rc = weft_join(t);
    printf("shield: cancelled session returned %s after %.1f ms; goodbye sent inside the shield: "
           "%s; first wait after it: %s\n",
           weft_errname(rc), (double)(weft_now() - t0) / 1e6, s.goodbye_sent ? "yes" : "no",
           weft_errname(s.status_after));
    return rc == -ECANCELED && s.goodbye_sent && s.status_after == -ECANCELED ? 0 : 1;
}

int main(void) { return weft_run(main_task, NULL); }
