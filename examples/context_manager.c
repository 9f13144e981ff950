/* Pattern 15: async context managers (`async with pool.acquire() as conn`).
 *
 *     async with sem:                  # acquire ... release on every exit
 *         async with lock:
 *             await work()             # may be cancelled or time out
 *
 * C has no `with`; weft gives two ways to get the same guarantee:
 *   1. explicit pairs whose release never fails and never waits, written on
 *      the one exit path of the function (goto out);
 *   2. WEFT_DEFER(fn, arg) / WEFT_DEFER_RELEASE(&lock), scope guards
 *      (GCC/Clang __attribute__((cleanup))) that run on every return.
 * Tasks below are cancelled or time out while waiting for or holding the
 * resources; at the end every permit and the lock are back. */
#include <stdio.h>
#include <weft.h>

struct pool {
    weft_sem conns;  /* 3 connections */
    weft_lock stats; /* guards the counters */
    int in_use, served;
};

/* 1. explicit pair, one exit path */
static int handle_explicit(void *arg)
{
    struct pool *p = arg;
    int rc = weft_sem_acquire(&p->conns);
    if (rc < 0) return rc; /* nothing acquired: nothing to release */
    p->in_use++;
    rc = weft_sleep(WEFT_MS(20)); /* the work: may be cancelled */
    if (rc < 0) goto out;
    p->served++;
out:
    p->in_use--;
    weft_sem_release(&p->conns);
    return rc;
}

/* 2. scope guards */
static void put_conn(void *arg)
{
    struct pool *p = arg;
    p->in_use--;
    weft_sem_release(&p->conns);
}

static int handle_deferred(void *arg)
{
    struct pool *p = arg;
    int rc = weft_sem_acquire(&p->conns);
    if (rc < 0) return rc;
    p->in_use++;
    WEFT_DEFER(put_conn, p); /* runs on every return below */
    if ((rc = weft_sleep(WEFT_MS(20))) < 0) return rc;
    if ((rc = weft_lock_acquire(&p->stats)) < 0) return rc;
    WEFT_DEFER_RELEASE(&p->stats);
    if ((rc = weft_sleep(WEFT_MS(50))) < 0) return rc; /* cancelled while holding both */
    p->served++;
    return 0;
}

static int with_timeout(void *arg)
{
    /* asyncio.timeout(0.03) around the whole `async with` */
    int rc = weft_deadline_push(WEFT_MS(30));
    if (rc < 0) return rc;
    rc = handle_deferred(arg);
    weft_deadline_pop();
    return rc;
}

static int main_task(void *arg)
{
    (void)arg;
    struct pool p = {.conns = WEFT_SEM_INIT(3), .stats = WEFT_LOCK_INIT};
    weft_task *t[8];
    weft_fn fns[8] = {handle_explicit, handle_deferred, handle_explicit, handle_deferred,
                      with_timeout,    handle_deferred, handle_explicit, with_timeout};
    for (int i = 0; i < 8; i++)
        if (weft_spawn(&t[i], fns[i], &p) < 0) return 1;
    if (weft_sleep(WEFT_MS(22)) < 0) return 1;
    weft_cancel(t[1]); /* holds a connection and the stats lock right now */
    weft_cancel(t[5]); /* was just handed the connection t[1] gave back: passes it on */
    int status[8], cancelled = 0, timed_out = 0, ok = 0;
    for (int i = 0; i < 8; i++) {
        status[i] = weft_join(t[i]);
        cancelled += status[i] == -ECANCELED;
        timed_out += status[i] == -ETIMEDOUT;
        ok += status[i] == 0;
    }
    printf("context manager: %d served, %d cancelled, %d timed out; afterwards %zu of 3 "
           "connections free, %d in use, stats lock %s\n",
           ok, cancelled, timed_out, weft_sem_value(&p.conns), p.in_use,
           weft_lock_locked(&p.stats) ? "HELD" : "free");
    return weft_sem_value(&p.conns) == 3 && p.in_use == 0 && !weft_lock_locked(&p.stats) &&
                   cancelled == 2 && ok == p.served && ok + cancelled + timed_out == 8
               ? 0
               : 1;
}

int main(void) { return weft_run(main_task, NULL); }
