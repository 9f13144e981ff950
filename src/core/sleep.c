/* Layer 1: sleeping: a wait parked on the task's own timer (t->timer, in
 * the task record: the wheel then walks records packed in a few pages
 * rather than one page per stack), which the deadline timer or a
 * cancellation can cut short. */
#include <errno.h>

#include "core/loop.h"

static void sleep_fire(weft__timer *tm)
{
    weft__wake_task(WEFT__CONTAINER(tm, weft_task, timer), 0);
}

static void sleep_cancel(weft__wait *w, int reason)
{
    weft__timer_stop(&w->task->loop->wheel, &w->task->timer);
    weft__wake(w, reason);
}

int weft_sleep_until(int64_t t)
{
    weft_loop *L = weft__L;
    if (!L || !L->current) return -EINVAL;
    weft_task *self = L->current;
    weft__wait w = {.cancel = sleep_cancel, .what = "sleep"};
    int rc = weft__check(L, self);
    if (rc) return rc;
    self->timer.fire = sleep_fire;
    weft__timer_start(&L->wheel, &self->timer, t);
    rc = weft__park(&w);
    if (rc < 0 && weft__timer_armed(&self->timer)) weft__timer_stop(&L->wheel, &self->timer);
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
