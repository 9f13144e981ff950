/* Layer 4a: waiting for signals in tasks (weft_signal, weft/io.h).
 *
 * Core catches the signals (core/signal.c: one chained handler, per-signal
 * reference counts, the loop's wake-up); this file is the hook it calls in
 * the loop's turn with the watched signals that arrived (L->sig_hook). Each
 * weft_signal keeps a pending mask and at most one waiting task; the
 * loop's open weft_signals are on a list in the io layer's per-loop slot. */
#include <errno.h>
#include <stdlib.h>

#include "io/io.h"
#include "weft/io.h"

struct weft_signal {
    weft_loop *loop;
    uint64_t mask;     /* bit (sig - 1) per signal of the set */
    uint64_t pending;  /* caught, not yet returned by weft_signal_wait */
    weft__wait *waiter;
    weft_signal *next; /* the loop's list */
};

static weft_signal **list_of(weft_loop *L) { return (weft_signal **)&L->ext[WEFT__EXT_IO]; }

static void rewatch(weft_loop *L)
{
    uint64_t m = 0;
    for (weft_signal *s = *list_of(L); s; s = s->next) m |= s->mask;
    __atomic_store_n(&L->sig_watch, m, __ATOMIC_RELEASE);
}

static void deliver(weft_loop *L, uint64_t sigs)
{
    for (weft_signal *s = *list_of(L); s; s = s->next) {
        s->pending |= sigs & s->mask;
        if (s->pending && s->waiter) {
            weft__wait *w = s->waiter;
            s->waiter = NULL;
            weft__wake(w, 0);
        }
    }
}

/* At the loop's end: close what the program left open. */
static void fini(weft_loop *L)
{
    while (*list_of(L)) weft_signal_close(*list_of(L));
}

int weft_signal_open(weft_signal **out, const sigset_t *set)
{
    weft_loop *L = weft__L;
    if (!L || !out || !set) return -EINVAL;
    uint64_t mask = 0;
    for (int sig = 1; sig <= 64; sig++)
        if (sigismember(set, sig) == 1) mask |= 1ull << (sig - 1);
    if (!mask) return -EINVAL;
    weft_signal *s = calloc(1, sizeof *s);
    if (!s) return -ENOMEM;
    for (int sig = 1; sig <= 64; sig++) {
        if (!(mask & (1ull << (sig - 1)))) continue;
        int rc = weft__signal_catch(L, sig);
        if (rc < 0) {
            while (--sig >= 1)
                if (mask & (1ull << (sig - 1))) weft__signal_release(L, sig);
            free(s);
            return rc;
        }
    }
    s->loop = L;
    s->mask = mask;
    s->next = *list_of(L);
    *list_of(L) = s;
    L->sig_hook = deliver;
    L->ext_fini[WEFT__EXT_IO] = fini;
    rewatch(L);
    *out = s;
    return 0;
}

struct sig_wait {
    weft__wait w;
    weft_signal *s;
};

static void sig_cancel(weft__wait *w, int reason)
{
    struct sig_wait *sw = WEFT__CONTAINER(w, struct sig_wait, w);
    if (sw->s->waiter == w) sw->s->waiter = NULL;
    weft__wake(w, reason);
}

int weft_signal_wait(weft_signal *s)
{
    weft_loop *L = weft__L;
    if (!L || !L->current || !s || s->loop != L) return -EINVAL;
    int rc = weft__check(L, L->current);
    if (rc) return rc;
    while (!s->pending) {
        if (s->waiter) return -EBUSY;
        struct sig_wait sw = {{.cancel = sig_cancel, .what = "signal"}, s};
        s->waiter = &sw.w;
        rc = weft__park(&sw.w);
        if (rc < 0) return rc;
    }
    int sig = __builtin_ctzll(s->pending) + 1;
    s->pending &= s->pending - 1;
    return sig;
}

void weft_signal_close(weft_signal *s)
{
    if (!s) return;
    weft_loop *L = s->loop;
    for (weft_signal **p = list_of(L); *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    rewatch(L);
    for (int sig = 1; sig <= 64; sig++)
        if (s->mask & (1ull << (sig - 1))) weft__signal_release(L, sig);
    if (s->waiter) weft__wake(s->waiter, -EBADF);
    free(s);
}
