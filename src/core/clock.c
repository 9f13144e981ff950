/* Layer 1: the clock. weft_now() is the loop's cached time, refreshed every
 * loop turn and every 64 task switches; weft__clock_read takes a fresh
 * reading (a vDSO call, ~26 ns here) where a relative time must not start
 * early (sleeps). Under the virtual clock both return L->now, which only
 * the loop advances, jumping to the next timer when nothing else can run. */
#include <time.h>

#include "core/loop.h"

int64_t weft__mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t weft__clock_read(weft_loop *L)
{
    if (L->virtual_clock) return L->now;
    return L->now = weft__mono();
}

void weft__clock_update(weft_loop *L)
{
    if (!L->virtual_clock) L->now = weft__mono();
}

int64_t weft_now(void)
{
    weft_loop *L = weft__L;
    return L ? L->now : weft__mono();
}
