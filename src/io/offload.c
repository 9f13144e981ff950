/* Layer 4a: blocking calls on worker threads, for file work on backends
 * that cannot do it without blocking (epoll).
 *
 * A small process-wide set of worker threads (started on demand, at most
 * MAX_WORKERS, never stopped) takes jobs from one queue. A job lives on the
 * waiting task's stack; the worker runs the op's system call and posts the
 * job back to its loop (weft__loop_post), which wakes the task. The task
 * waits until then even when it is cancelled (its buffer is in use by the
 * worker); the call then returns the op's result if it succeeded, else the
 * interruption. The general thread pool (weft_to_thread) is meant to
 * replace this file's body: weft__io_offload is its only entry. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>

#include "backend/backends.h"
#include "io/io.h"

#define MAX_WORKERS 4

struct job {
    weft__post post;  /* back to the loop; first member */
    weft__io *op;
    weft_loop *loop;
    int res;
    struct job *next; /* the queue */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct job *qhead, *qtail;
static int workers, idle;

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        idle++;
        while (!qhead) pthread_cond_wait(&cv, &mu);
        idle--;
        struct job *j = qhead;
        qhead = j->next;
        if (!qhead) qtail = NULL;
        pthread_mutex_unlock(&mu);
        j->res = weft__sys_run(j->op);
        weft__loop_post(j->loop, &j->post);
    }
    return NULL;
}

/* Starts a worker when none is idle. Returns 0, or -errno when no worker
 * exists at all and none could be started. Called with mu held. */
static int ensure_worker(void)
{
    if (idle > 0 || workers >= MAX_WORKERS) return 0;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* signals go to the loops' threads */
    pthread_t t;
    int rc = pthread_create(&t, &a, worker, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&a);
    if (rc == 0) workers++;
    return rc && workers == 0 ? -rc : 0;
}

static void job_done(weft__post *p)
{
    struct job *j = (struct job *)p;
    weft__io *op = j->op;
    int res = j->res;
    op->w.task->loop->io_inflight--;
    if (res < 0 && (op->w.flags & WEFT__INTERRUPTING)) res = op->reason;
    weft__wake(&op->w, res);
}

static void job_interrupt(weft__wait *w, int reason)
{
    weft__io *op = WEFT__CONTAINER(w, weft__io, w);
    op->reason = reason; /* the worker's post still does the wake */
}

int weft__io_offload(weft_loop *L, weft__io *op, int cancellable)
{
    int rc = cancellable ? weft__check(L, L->current) : 0;
    if (rc) return rc;
    struct job j = {.post = {.fn = job_done}, .op = op, .loop = L};
    pthread_mutex_lock(&mu);
    rc = ensure_worker();
    if (rc == 0) {
        if (qtail) qtail->next = &j;
        else qhead = &j;
        qtail = &j;
        pthread_cond_signal(&cv);
    }
    pthread_mutex_unlock(&mu);
    if (rc < 0) return rc;
    L->io_inflight++;
    op->w.cancel = cancellable ? job_interrupt : NULL;
    if (!op->w.what) op->w.what = "file (worker)";
    return weft__park(&op->w);
}
