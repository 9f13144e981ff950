/* Layer 1: sleeping: a wait parked on a timer of its own (on the task's
 * stack), which the deadline timer or a cancellation can cut short. */
#include <errno.h>

#include "core/loop.h"

struct sleep_wait {
    weft__wait w;
    weft__timer tm;
};

static void sleep_fire(weft__timer *tm)
{
    struct sleep_wait *s = WEFT__CONTAINER(tm, struct sleep_wait, tm);
    weft__wake(&s->w, 0);
}

static void sleep_cancel(weft__wait *w, int reason)
{
    struct sleep_wait *s = WEFT__CONTAINER(w, struct sleep_wait, w);
    weft__timer_stop(&w->task->loop->wheel, &s->tm);
    weft__wake(w, reason);
}

int weft_sleep_until(int64_t t)
{
    weft_loop *L = weft__L;
    if (!L || !L->current) return -EINVAL;
    struct sleep_wait s = {{.cancel = sleep_cancel, .what = "sleep"}, {.fire = sleep_fire}};
    int rc = weft__check(L, L->current);
    if (rc) return rc;
    weft__timer_start(&L->wheel, &s.tm, t);
    rc = weft__park(&s.w);
    if (rc < 0 && weft__timer_armed(&s.tm)) weft__timer_stop(&L->wheel, &s.tm);
    return rc;
}

int weft_sleep(int64_t ns)
{
    weft_loop *L = weft__L;
    if (!L || !L->current) return -EINVAL;
    if (ns <= 0) return weft_yield();
    int64_t now = weft__clock_read(L);
    return weft_sleep_until(ns >= WEFT_NEVER - now ? WEFT_NEVER : now + ns);
}
