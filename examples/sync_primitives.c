/* Pattern 12: asyncio.Lock, Event, Condition and Barrier.
 *
 *   Lock       a read-modify-write that waits in the middle stays correct
 *   Event      workers wait for a "go" signal set once
 *   Condition  a consumer waits until enough items are ready (wait_for)
 *   Barrier    three workers finish phase 1 before any starts phase 2 */
#include <stdio.h>
#include <weft.h>

/* ----------------------------------------------------------------- lock */
struct account {
    weft_lock lock;
    int balance;
};

static int deposit(void *arg)
{
    struct account *a = arg;
    for (int i = 0; i < 10; i++) {
        int rc = weft_lock_acquire(&a->lock);
        if (rc < 0) return rc;
        int b = a->balance;
        rc = weft_sleep(WEFT_US(100)); /* an await between read and write */
        a->balance = b + 1;
        weft_lock_release(&a->lock);
        if (rc < 0) return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------- event */
struct start {
    weft_event go;
    int started;
};

static int runner(void *arg)
{
    struct start *s = arg;
    int rc = weft_event_wait(&s->go);
    if (rc == 0) s->started++;
    return rc;
}

/* ------------------------------------------------------------ condition */
struct stock {
    weft_lock lock;
    weft_cond cond;
    int items;
};

static int enough(void *arg) { return ((struct stock *)arg)->items >= 5; }

static int buyer(void *arg)
{
    struct stock *s = arg;
    int rc = weft_lock_acquire(&s->lock);
    if (rc < 0) return rc;
    rc = weft_cond_wait_pred(&s->cond, enough, s); /* lock held again on return */
    if (rc == 0) s->items -= 5;
    weft_lock_release(&s->lock);
    return rc;
}

/* -------------------------------------------------------------- barrier */
struct phases {
    weft_barrier b;
    int phase1_done, phase2_started_early;
};

static int phased(void *arg)
{
    struct phases *p = arg;
    int rc = weft_sleep(WEFT_MS(1 + p->phase1_done * 3)); /* phase 1, uneven */
    if (rc < 0) return rc;
    p->phase1_done++;
    rc = weft_barrier_wait(&p->b);
    if (rc < 0) return rc;
    if (p->phase1_done != 3) p->phase2_started_early = 1; /* phase 2 */
    return 0;
}

static int run_all(weft_fn fn, void *arg, int n)
{
    weft_group *g;
    if (weft_group_new(&g, WEFT_FAIL_FAST) < 0) return -1;
    for (int i = 0; i < n; i++)
        if (weft_group_spawn(g, NULL, fn, arg) < 0) return -1;
    int rc = weft_group_wait(g);
    weft_group_free(g);
    return rc;
}

static int set_after(void *arg)
{
    int rc = weft_sleep(WEFT_MS(5));
    if (rc == 0) weft_event_set(arg);
    return rc;
}

static int restock(void *arg)
{
    struct stock *s = arg;
    for (int i = 0; i < 5; i++) {
        int rc = weft_sleep(WEFT_MS(1));
        if (rc < 0) return rc;
        if ((rc = weft_lock_acquire(&s->lock)) < 0) return rc;
        s->items++;
        weft_cond_notify_all(&s->cond);
        weft_lock_release(&s->lock);
    }
    return 0;
}

static int main_task(void *arg)
{
    (void)arg;
    int ok = 1;

    struct account a = {.lock = WEFT_LOCK_INIT};
    ok &= run_all(deposit, &a, 5) == 0 && a.balance == 50;
    printf("lock: 5 tasks x 10 deposits with an await inside -> balance %d (want 50)\n", a.balance);

    struct start s = {.go = WEFT_EVENT_INIT};
    weft_task *t;
    if (weft_spawn(&t, set_after, &s.go) < 0) return 1;
    ok &= run_all(runner, &s, 4) == 0 && s.started == 4 && weft_join(t) == 0;
    printf("event: 4 runners waited for the go signal; %d started\n", s.started);

    struct stock st = {.lock = WEFT_LOCK_INIT, .items = 0};
    weft_cond_init(&st.cond, &st.lock);
    if (weft_spawn(&t, restock, &st) < 0) return 1;
    ok &= run_all(buyer, &st, 1) == 0 && weft_join(t) == 0 && st.items == 0;
    printf("condition: the buyer waited until 5 items were in stock; %d left\n", st.items);

    struct phases p = {.b = WEFT_BARRIER_INIT(3)};
    ok &= run_all(phased, &p, 3) == 0 && !p.phase2_started_early;
    printf("barrier: 3 workers finished phase 1 before any began phase 2: %s\n",
           p.phase2_started_early ? "no" : "yes");
    return ok ? 0 : 1;
}

int main(void) { return weft_run(main_task, NULL); }
