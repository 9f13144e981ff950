/* bench/micro: sync primitives, the same tests as the peers'
 * (../shared/bench/peers/micro/micro.{py,go}):
 *
 *   queue     1,000,000 ints through a queue of maxsize 100, 1 producer,
 *             4 consumers (close-based shutdown)            -> items/s
 *   pingpong  1,000,000 round trips between two tasks over two queues
 *                                                           -> ns per one-way hand-off
 *   sem       10,000 tasks, a semaphore of 100, each holds it over a
 *             1 ms sleep (ideal 100 ms)                     -> ms
 *   lock      uncontended weft_lock_acquire + release       -> ns per pair
 *
 * Times are taken inside the program (loop start-up excluded). micro.c's
 * dispatcher calls micro_sync() from inside its running task. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <weft.h>

#include "micro_sync.h"

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- queue */

#define Q_ITEMS 1000000
#define Q_CONSUMERS 4

struct qbench {
    weft_queue *q;
    long got[Q_CONSUMERS];
    double secs;
};

struct qcons {
    struct qbench *b;
    int k;
};

static int q_consumer(void *arg)
{
    struct qcons *c = arg;
    void *it;
    long n = 0;
    int rc;
    while ((rc = weft_queue_get(c->b->q, &it)) == 0) n++;
    c->b->got[c->k] = n;
    return rc == -EPIPE ? 0 : rc;
}

static int q_main(void *arg)
{
    struct qbench *b = arg;
    struct qcons c[Q_CONSUMERS];
    weft_group *g;
    int rc = weft_queue_new(&b->q, WEFT_QUEUE_FIFO, 100, NULL);
    if (rc < 0 || (rc = weft_group_new(&g, WEFT_COLLECT)) < 0) return rc;
    double t0 = wall();
    for (int k = 0; k < Q_CONSUMERS; k++) {
        c[k] = (struct qcons){b, k};
        if ((rc = weft_group_spawn(g, NULL, q_consumer, &c[k])) < 0) return rc;
    }
    for (intptr_t i = 1; i <= Q_ITEMS; i++)
        if ((rc = weft_queue_put(b->q, (void *)i)) < 0) return rc;
    weft_queue_close(b->q);
    rc = weft_group_wait(g);
    b->secs = wall() - t0;
    weft_group_free(g);
    weft_queue_free(b->q);
    long sum = 0;
    for (int k = 0; k < Q_CONSUMERS; k++) sum += b->got[k];
    return rc == 0 && sum == Q_ITEMS ? 0 : -EPROTO;
}

/* ------------------------------------------------------------- pingpong */

#define PP_ROUNDS 1000000

struct ppbench {
    weft_queue *a, *b;
    double secs;
};

static int ponger(void *arg)
{
    struct ppbench *p = arg;
    void *x;
    int rc;
    while ((rc = weft_queue_get(p->a, &x)) == 0)
        if ((rc = weft_queue_put(p->b, x)) < 0) return rc;
    return rc == -EPIPE ? 0 : rc;
}

static int pp_main(void *arg)
{
    struct ppbench *p = arg;
    weft_task *t;
    int rc;
    if ((rc = weft_queue_new(&p->a, WEFT_QUEUE_FIFO, 0, NULL)) < 0) return rc;
    if ((rc = weft_queue_new(&p->b, WEFT_QUEUE_FIFO, 0, NULL)) < 0) return rc;
    if ((rc = weft_spawn(&t, ponger, p)) < 0) return rc;
    if ((rc = weft_yield()) < 0) return rc; /* let the ponger start and wait */
    double t0 = wall();
    for (intptr_t i = 1; i <= PP_ROUNDS; i++) {
        void *x;
        if ((rc = weft_queue_put(p->a, (void *)i)) < 0) return rc;
        if ((rc = weft_queue_get(p->b, &x)) < 0) return rc;
        if (x != (void *)i) return -EPROTO;
    }
    p->secs = wall() - t0;
    weft_queue_close(p->a);
    rc = weft_join(t);
    weft_queue_free(p->a);
    weft_queue_free(p->b);
    return rc;
}

/* ------------------------------------------------------------------ sem */

#define SEM_TASKS 10000
#define SEM_LIMIT 100

struct sembench {
    weft_sem s;
    double secs;
};

static int sem_worker(void *arg)
{
    struct sembench *b = arg;
    int rc = weft_sem_acquire(&b->s);
    if (rc < 0) return rc;
    rc = weft_sleep(WEFT_MS(1));
    weft_sem_release(&b->s);
    return rc;
}

static int sem_main(void *arg)
{
    struct sembench *b = arg;
    weft_group *g;
    int rc = weft_group_new(&g, WEFT_COLLECT);
    if (rc < 0) return rc;
    weft_sem_init(&b->s, SEM_LIMIT);
    double t0 = wall();
    for (int i = 0; i < SEM_TASKS; i++)
        if ((rc = weft_group_spawn(g, NULL, sem_worker, b)) < 0) return rc;
    rc = weft_group_wait(g);
    b->secs = wall() - t0;
    weft_group_free(g);
    return rc;
}

/* ----------------------------------------------------------------- lock */

#define LOCK_ROUNDS 100000000L

struct lockbench {
    weft_lock l;
    double secs;
};

static int lock_main(void *arg)
{
    struct lockbench *b = arg;
    weft_lock_init(&b->l);
    double t0 = wall();
    for (long i = 0; i < LOCK_ROUNDS; i++) {
        int rc = weft_lock_acquire(&b->l);
        if (rc < 0) return rc;
        weft_lock_release(&b->l);
    }
    b->secs = wall() - t0;
    return 0;
}

/* ------------------------------------------------------------- dispatch */

/* Called from micro.c's dispatcher, inside the running task. */
int micro_sync(const char *test, double *value, const char **unit)
{
    int rc;
    if (strcmp(test, "queue") == 0) {
        static struct qbench b;
        rc = q_main(&b);
        *value = Q_ITEMS / b.secs;
        *unit = "items/s";
    } else if (strcmp(test, "pingpong") == 0) {
        static struct ppbench p;
        rc = pp_main(&p);
        *value = p.secs * 1e9 / (2.0 * PP_ROUNDS);
        *unit = "ns/switch";
    } else if (strcmp(test, "sem") == 0) {
        static struct sembench b;
        rc = sem_main(&b);
        *value = b.secs * 1e3;
        *unit = "ms";
    } else if (strcmp(test, "lock") == 0) {
        static struct lockbench b;
        rc = lock_main(&b);
        *value = b.secs * 1e9 / (double)LOCK_ROUNDS;
        *unit = "ns";
    } else {
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "micro %s: %s\n", test, weft_strerror(rc));
        *value = -1;
    }
    return 1;
}
