/* Layer 1: debug mode and introspection: the task dump, the report of
 * handles never joined or detached, slow-step warnings. */
#include <errno.h>
#include <stdio.h>

#include "core/backend.h"
#include "core/loop.h"

static const char *state_name(int s)
{
    switch (s) {
    case WEFT__NEW: return "new";
    case WEFT__READY: return "ready";
    case WEFT__RUNNING: return "running";
    case WEFT__PARKED: return "parked";
    default: return "done";
    }
}

static void site(char *buf, size_t n, const weft_task *t)
{
    if (t->file) snprintf(buf, n, "%s:%d", t->file, t->line);
    else snprintf(buf, n, "%s", t->flags & WEFT__ROOT ? "weft_run" : "?");
}

int weft_dump_tasks(FILE *f)
{
    weft_loop *L = weft__L;
    if (!L) return -EINVAL;
    if (!f) f = stderr;
    int n = 0;
    for (weft_task *t = L->all; t; t = t->all_next)
        if (t->state != WEFT__DONE) n++;
    fprintf(f, "weft: %d task(s) on loop %p (backend %s)\n", n, (void *)L, L->be ? L->be->name : "?");
    for (weft_task *t = L->all; t; t = t->all_next) {
        if (t->state == WEFT__DONE) continue;
        char where[256];
        site(where, sizeof where, t);
        const char *what = t->state == WEFT__PARKED && t->wait && t->wait->what ? t->wait->what : "-";
        double age_ms = (double)(L->now - t->born) / 1e6;
        fprintf(f, "  #%-6llu %-16s %-8s %-22s%s spawned at %s, age %.3f ms\n",
                (unsigned long long)t->id, weft_task_name(t), state_name(t->state), what,
                (t->flags & WEFT__CANCELLED) ? " (cancelled)" : "", where, age_ms);
    }
    fflush(f);
    return n;
}

void weft__debug_slow_step(weft_loop *L, weft_task *t, int64_t ran)
{
    (void)L;
    char where[256];
    site(where, sizeof where, t);
    fprintf(stderr,
            "weft: slow step: task #%llu '%s' (spawned at %s) ran %.1f ms without waiting; "
            "a blocking call in a task stalls every other task (use weft_to_thread)\n",
            (unsigned long long)t->id, weft_task_name(t), where, (double)ran / 1e6);
}

void weft__debug_leak_report(weft_loop *L)
{
    while (L->all) {
        weft_task *t = L->all;
        if (L->debug && !t->group) {
            char where[256];
            site(where, sizeof where, t);
            fprintf(stderr,
                    "weft: task #%llu '%s' spawned at %s was never joined or detached "
                    "(status %d)\n",
                    (unsigned long long)t->id, weft_task_name(t), where, t->status);
        }
        weft__task_free(L, t);
    }
}
