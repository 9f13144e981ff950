/* Layer 4a: the worker pool and weft_to_thread (threadpool.h says how a
 * job travels).
 *
 * The queue is a mutex-protected list with one condition variable: jobs
 * come from one thread (the loop's) and are few per turn compared with
 * what a thread switch costs, so nothing cleverer pays. What matters is the
 * way back: a finished job is posted to the loop with weft__loop_post,
 * which enters the kernel only to wake a sleeping loop, and a loop busy
 * running tasks collects any number of completions with no system call. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "weft/io.h"
#include "io/threadpool.h"

struct tpool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    weft__job *head, *tail; /* queued jobs, oldest first */
    size_t queued;
    int idle;               /* workers waiting on cv */
    int nthreads, max;
    int stop;
    weft_loop *loop;
    pthread_t *tids;        /* max entries */
};

static int cpus(void)
{
    cpu_set_t cs;
    if (sched_getaffinity(0, sizeof cs, &cs) == 0 && CPU_COUNT(&cs) > 0) return CPU_COUNT(&cs);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int weft__tpool_size(weft_loop *L)
{
    if (L->threads > 0) return L->threads > 1024 ? 1024 : L->threads;
    return cpus();
}

int weft__tpool_threads(weft_loop *L)
{
    struct tpool *tp = L->ext[WEFT__EXT_POOL];
    return tp ? tp->nthreads : 0;
}

/* Called with tp->mu held: unlinks the oldest job. */
static weft__job *pop(struct tpool *tp)
{
    weft__job *j = tp->head;
    tp->head = j->next;
    if (tp->head) tp->head->prev = NULL;
    else tp->tail = NULL;
    tp->queued--;
    return j;
}

static void *worker(void *p)
{
    struct tpool *tp = p;
    pthread_mutex_lock(&tp->mu);
    for (;;) {
        while (!tp->head && !tp->stop) {
            tp->idle++;
            pthread_cond_wait(&tp->cv, &tp->mu);
            tp->idle--;
        }
        if (tp->stop) break; /* what is still queued is dropped by tpool_fini */
        weft__job *j = pop(tp);
        j->state = WEFT__JOB_RUNNING;
        pthread_mutex_unlock(&tp->mu);
        j->status = j->fn(j->arg);
        weft__loop_post(tp->loop, &j->post); /* j may be gone once this returns */
        pthread_mutex_lock(&tp->mu);
    }
    pthread_mutex_unlock(&tp->mu);
    return NULL;
}

/* Called with tp->mu held. Workers block every signal (they inherit the
 * mask in force at pthread_create), so signals reach the loop's thread. */
static int start_worker(struct tpool *tp)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&tp->tids[tp->nthreads], NULL, worker, tp);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) return -rc;
    pthread_setname_np(tp->tids[tp->nthreads], "weft-worker");
    tp->nthreads++;
    return 0;
}

static void tpool_fini(weft_loop *L)
{
    struct tpool *tp = L->ext[WEFT__EXT_POOL];
    pthread_mutex_lock(&tp->mu);
    tp->stop = 1;
    weft__job *dropped = tp->head;
    tp->head = tp->tail = NULL;
    tp->queued = 0;
    pthread_cond_broadcast(&tp->cv);
    pthread_mutex_unlock(&tp->mu);
    for (int i = 0; i < tp->nthreads; i++) pthread_join(tp->tids[i], NULL);
    weft__loop_drain(L); /* completions posted after the loop's last drain */
    while (dropped) {
        weft__job *n = dropped->next;
        L->io_inflight--;
        dropped->state = WEFT__JOB_IDLE;
        dropped->status = -ECANCELED;
        dropped->done(dropped);
        dropped = n;
    }
    pthread_cond_destroy(&tp->cv);
    pthread_mutex_destroy(&tp->mu);
    free(tp->tids);
    free(tp);
    L->ext[WEFT__EXT_POOL] = NULL;
    L->ext_fini[WEFT__EXT_POOL] = NULL;
}

static struct tpool *tpool_get(weft_loop *L)
{
    struct tpool *tp = L->ext[WEFT__EXT_POOL];
    if (WEFT__LIKELY(tp != NULL)) return tp;
    tp = calloc(1, sizeof *tp);
    if (!tp) return NULL;
    tp->max = weft__tpool_size(L);
    tp->tids = calloc((size_t)tp->max, sizeof *tp->tids);
    if (!tp->tids) {
        free(tp);
        return NULL;
    }
    pthread_mutex_init(&tp->mu, NULL);
    pthread_cond_init(&tp->cv, NULL);
    tp->loop = L;
    L->ext[WEFT__EXT_POOL] = tp;
    L->ext_fini[WEFT__EXT_POOL] = tpool_fini;
    return tp;
}

/* Loop context: a worker finished j. */
static void job_posted(weft__post *p)
{
    weft__job *j = WEFT__CONTAINER(p, weft__job, post);
    j->loop->io_inflight--;
    j->state = WEFT__JOB_IDLE;
    j->done(j);
}

int weft__tpool_submit(weft_loop *L, weft__job *j)
{
    struct tpool *tp = tpool_get(L);
    if (!tp) return -ENOMEM;
    j->loop = L;
    j->post.fn = job_posted;
    j->next = NULL;
    pthread_mutex_lock(&tp->mu);
    j->prev = tp->tail;
    if (tp->tail) tp->tail->next = j;
    else tp->head = j;
    tp->tail = j;
    tp->queued++;
    j->state = WEFT__JOB_QUEUED;
    int rc = 0;
    if (tp->queued > (size_t)tp->idle && tp->nthreads < tp->max) rc = start_worker(tp);
    if (rc < 0 && tp->nthreads == 0) { /* nobody could ever run it */
        tp->head = tp->tail = NULL;
        tp->queued = 0;
        j->state = WEFT__JOB_IDLE;
        pthread_mutex_unlock(&tp->mu);
        return -EAGAIN;
    }
    int wake = tp->idle > 0;
    pthread_mutex_unlock(&tp->mu);
    /* Signalled after the unlock, so the worker does not wake only to
     * block on the mutex we still hold. An idle worker counted above is
     * inside pthread_cond_wait (it counted itself under the mutex). */
    if (wake) pthread_cond_signal(&tp->cv);
    L->io_inflight++;
    return 0;
}

int weft__tpool_unqueue(weft_loop *L, weft__job *j)
{
    struct tpool *tp = L->ext[WEFT__EXT_POOL];
    if (!tp) return 0;
    pthread_mutex_lock(&tp->mu);
    int queued = j->state == WEFT__JOB_QUEUED;
    if (queued) {
        if (j->prev) j->prev->next = j->next;
        else tp->head = j->next;
        if (j->next) j->next->prev = j->prev;
        else tp->tail = j->prev;
        tp->queued--;
        j->state = WEFT__JOB_IDLE;
    }
    pthread_mutex_unlock(&tp->mu);
    if (queued) L->io_inflight--;
    return queued;
}

/* ------------------------------------------------------- weft_to_thread */

struct to_thread {
    weft__job job;
    weft__wait w;
    int reason; /* the interruption that came while fn ran (0: none) */
};

static void to_thread_done(weft__job *j)
{
    struct to_thread *t = WEFT__CONTAINER(j, struct to_thread, job);
    weft__wake(&t->w, t->reason ? t->reason : j->status);
}

/* A job still queued is taken back and the task wakes at once; a running
 * one cannot be stopped (fn may be writing to the task's stack), so the
 * reason is kept and the wake comes with the completion. */
static void to_thread_cancel(weft__wait *w, int reason)
{
    struct to_thread *t = WEFT__CONTAINER(w, struct to_thread, w);
    if (weft__tpool_unqueue(t->job.loop, &t->job)) weft__wake(w, reason);
    else t->reason = reason;
}

int weft__tpool_run(weft_loop *L, weft_fn fn, void *arg)
{
    if (!L || !L->current || !fn) return -EINVAL;
    int rc = weft__check(L, L->current);
    if (rc) return rc;
    struct to_thread t = {
        .job = {.fn = fn, .arg = arg, .done = to_thread_done},
        .w = {.cancel = to_thread_cancel, .what = "to_thread"},
    };
    rc = weft__tpool_submit(L, &t.job);
    if (rc < 0) return rc;
    /* weft__check passed and nothing ran since, so this parks for sure:
     * the job (on this stack) is never abandoned. */
    return weft__park(&t.w);
}

int weft_to_thread(weft_fn fn, void *arg) { return weft__tpool_run(weft__L, fn, arg); }
