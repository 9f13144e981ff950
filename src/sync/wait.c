/* Layer 3: the shared slow paths of the sync primitives (see wait.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "sync/wait.h"

void weft__sw_cancel(weft__wait *w, int reason)
{
    weft__sw *s = WEFT__CONTAINER(w, weft__sw, w);
    if (s->q) wq_remove(s);
    weft__wake(w, reason);
}

int weft__sync_bind(weft_loop **owner, weft_loop *L, int busy, const char *what, const void *obj)
{
    weft_loop *o = *owner;
    if (o == L) return 0;
    if (L && (!o || !busy)) {
        *owner = L;
        return 0;
    }
    /* Reading o->debug from a foreign thread is a benign race: it never
     * changes once the loop runs. */
    if ((L && L->debug) || (o && o->debug)) {
        char from[64] = "a thread outside any loop";
        if (L) snprintf(from, sizeof from, "loop %p", (void *)L);
        fprintf(stderr,
                "weft: %s %p belongs to loop %p but was used from %s (another thread?); "
                "sync objects are not thread-safe\n",
                what, obj, (void *)o, from);
    }
    return -EINVAL;
}

void weft__sync_report(weft_loop *L, const char *fmt, ...)
{
    if (!L || !L->debug) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("weft: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
