/* Layer 1: the hierarchical timing wheel (see timer.h for the layout). */
#include "core/timer.h"

#include <string.h>

#define NONE UINT64_MAX

static inline uint64_t tick_of(int64_t ns) { return ns <= 0 ? 0 : (uint64_t)ns >> WEFT__TICK_SHIFT; }

void weft__wheel_init(weft__wheel *w, int64_t now)
{
    memset(w, 0, sizeof *w);
    w->cur = tick_of(now);
}

static void file_timer(weft__wheel *w, weft__timer *t)
{
    uint64_t tick = tick_of(t->expiry);
    if (tick < w->cur) tick = w->cur; /* already due: the current slot */
    uint64_t diff = tick ^ w->cur;
    unsigned level = diff ? (unsigned)(63 - __builtin_clzll(diff)) / WEFT__WHEEL_BITS : 0;
    unsigned s = (unsigned)(tick >> (level * WEFT__WHEEL_BITS)) & (WEFT__WHEEL_SLOTS - 1);
    weft__timer **head = &w->slot[level][s];
    t->next = *head;
    if (t->next) t->next->pprev = &t->next;
    t->pprev = head;
    *head = t;
    w->bits[level] |= (uint64_t)1 << s;
}

void weft__timer_start(weft__wheel *w, weft__timer *t, int64_t expiry)
{
    t->expiry = expiry;
    file_timer(w, t);
    w->count++;
}

void weft__timer_stop(weft__wheel *w, weft__timer *t)
{
    weft__timer **pprev = t->pprev;
    if (!pprev) return;
    *pprev = t->next;
    if (t->next) {
        t->next->pprev = pprev;
    } else {
        /* Last in its list: if pprev is a slot head, the slot may be empty now. */
        uintptr_t off = (uintptr_t)pprev - (uintptr_t)&w->slot[0][0];
        if (off < sizeof w->slot && *pprev == NULL) {
            size_t i = off / sizeof(weft__timer *);
            w->bits[i / WEFT__WHEEL_SLOTS] &= ~((uint64_t)1 << (i % WEFT__WHEEL_SLOTS));
        }
    }
    t->pprev = NULL;
    t->next = NULL;
    w->count--;
}

/* The first tick of the earliest non-empty slot, and its level. Level 0's
 * current slot counts (it may hold timers not yet due within this tick);
 * at higher levels the slot under the current tick is always empty, since
 * it was cascaded on entry. */
static uint64_t next_event(const weft__wheel *w, unsigned *level)
{
    for (unsigned k = 0; k < WEFT__WHEEL_LEVELS; k++) {
        uint64_t b = w->bits[k];
        if (!b) continue;
        unsigned shift = k * WEFT__WHEEL_BITS;
        unsigned idx = (unsigned)(w->cur >> shift) & (WEFT__WHEEL_SLOTS - 1);
        uint64_t m;
        if (k == 0) m = b & (~(uint64_t)0 << idx);
        else m = idx == 63 ? 0 : b & (~(uint64_t)0 << (idx + 1));
        if (!m) continue;
        unsigned gshift = shift + WEFT__WHEEL_BITS;
        uint64_t base = gshift >= 64 ? 0 : (w->cur >> gshift) << gshift;
        *level = k;
        return base | ((uint64_t)__builtin_ctzll(m) << shift);
    }
    return NONE;
}

/* Moves a slot's list to w->pending, a stable head, so that a fire
 * callback may stop any other timer of the same slot while it is walked. */
static void take_slot(weft__wheel *w, unsigned level, unsigned s)
{
    weft__timer *list = w->slot[level][s];
    w->slot[level][s] = NULL;
    w->bits[level] &= ~((uint64_t)1 << s);
    w->pending = list;
    if (list) list->pprev = &w->pending;
}

size_t weft__wheel_run(weft__wheel *w, int64_t now)
{
    uint64_t target = tick_of(now);
    size_t fired = 0;
    for (;;) {
        unsigned level = 0;
        uint64_t t = next_event(w, &level);
        if (t == NONE || t > target) {
            if (target > w->cur) w->cur = target;
            return fired;
        }
        w->cur = t;
        unsigned s = (unsigned)(t >> (level * WEFT__WHEEL_BITS)) & (WEFT__WHEEL_SLOTS - 1);
        take_slot(w, level, s);
        int remained = 0;
        weft__timer *tm;
        while ((tm = w->pending) != NULL) {
            w->pending = tm->next;
            if (tm->next) tm->next->pprev = &w->pending;
            if (level > 0 || tm->expiry > now) {
                /* Cascade to a lower level, or not due yet within this tick. */
                file_timer(w, tm);
                remained |= level == 0;
            } else {
                tm->pprev = NULL;
                tm->next = NULL;
                w->count--;
                fired++;
                tm->fire(tm);
            }
        }
        if (remained) return fired;
    }
}

static int64_t slot_min(const weft__wheel *w, unsigned level, uint64_t t)
{
    unsigned s = (unsigned)(t >> (level * WEFT__WHEEL_BITS)) & (WEFT__WHEEL_SLOTS - 1);
    int64_t min = INT64_MAX;
    for (const weft__timer *tm = w->slot[level][s]; tm; tm = tm->next)
        if (tm->expiry < min) min = tm->expiry;
    return min;
}

int64_t weft__wheel_next(weft__wheel *w)
{
    unsigned level = 0;
    uint64_t t = next_event(w, &level);
    if (t == NONE) return INT64_MAX;
    if (level == 0) return slot_min(w, 0, t);
    return (int64_t)(t << WEFT__TICK_SHIFT);
}

int64_t weft__wheel_earliest(weft__wheel *w)
{
    unsigned level = 0;
    uint64_t t = next_event(w, &level);
    if (t == NONE) return INT64_MAX;
    return slot_min(w, level, t);
}
