/* Layer 1: timers, a hierarchical timing wheel.
 *
 * A timer is an intrusive node (it lives in the waiter's wait record or in
 * the task record: no allocation) with an absolute expiry in ns. Insertion
 * and removal are O(1); removal of a timer that never fired (the common case
 * for deadlines) is an unlink. Expiries keep full nanosecond resolution: a
 * timer never fires before its expiry and, with the loop idle, fires within
 * one tick (1,024 ns) of it, plus the kernel's wake-up latency.
 *
 * Layout: WEFT__WHEEL_LEVELS levels of 64 slots. Time is cut into ticks of
 * 2^10 ns. A timer whose tick differs from the wheel's current tick first in
 * the 6-bit group k sits in level k, slot (tick >> 6k) & 63. When the
 * current tick enters that slot's range, the slot is cascaded: its timers
 * are re-filed at lower levels, so level 0 always holds timers of the current
 * 64-tick group, one tick per slot. A bitmap per level finds the next
 * non-empty slot in O(1). Nine levels cover every int64_t expiry. */
#ifndef WEFT_CORE_TIMER_H
#define WEFT_CORE_TIMER_H

#include <stddef.h>
#include <stdint.h>

#define WEFT__TICK_SHIFT 10
#define WEFT__WHEEL_BITS 6
#define WEFT__WHEEL_SLOTS 64
#define WEFT__WHEEL_LEVELS 9

typedef struct weft__timer weft__timer;
typedef void (*weft__timer_fn)(weft__timer *t);

struct weft__timer {
    int64_t expiry;      /* absolute ns */
    weft__timer *next;   /* slot list link */
    weft__timer **pprev; /* points at the link that points here; NULL: not armed */
    weft__timer_fn fire; /* called once, from the loop, when expiry has passed */
};

typedef struct weft__wheel {
    uint64_t cur;                                 /* every tick < cur has been processed */
    uint64_t bits[WEFT__WHEEL_LEVELS];            /* non-empty slots */
    weft__timer *slot[WEFT__WHEEL_LEVELS][WEFT__WHEEL_SLOTS];
    weft__timer *pending;                         /* a slot being fired or cascaded */
    size_t count;                                 /* armed timers */
} weft__wheel;

void weft__wheel_init(weft__wheel *w, int64_t now);
/* Arms t to fire at expiry (t must not be armed; t->fire must be set). */
void weft__timer_start(weft__wheel *w, weft__timer *t, int64_t expiry);
/* Disarms t if armed. O(1). */
void weft__timer_stop(weft__wheel *w, weft__timer *t);
static inline int weft__timer_armed(const weft__timer *t) { return t->pprev != NULL; }
/* Fires every timer whose expiry is <= now, in no particular order within a
 * tick. A fire callback may start or stop timers. Returns the number fired. */
size_t weft__wheel_run(weft__wheel *w, int64_t now);
/* The time at which the loop must next look at the wheel: the exact
 * earliest expiry when it is due within the current 64-tick group, else the
 * start of the next slot to cascade (never later than the earliest expiry).
 * WEFT_NEVER (INT64_MAX) when no timer is armed. */
int64_t weft__wheel_next(weft__wheel *w);
/* The exact earliest expiry (scans a slot; for the virtual clock). */
int64_t weft__wheel_earliest(weft__wheel *w);

#endif
