/* weft-example: timeout=60
 *
 * run_coroutine_threadsafe from a foreign thread.
 *
 * The loop runs on the main thread. A plain pthread (think: a GUI thread,
 * a callback from a C library that owns its own threads) submits tasks to
 * the loop with weft_spawn_threadsafe and waits for each outcome with a
 * timeout, as asyncio's run_coroutine_threadsafe(...).result(timeout)
 * does. One task is too slow for its timeout: the thread cancels it and
 * collects -ECANCELED. It also logs through weft_call_threadsafe (fire
 * and forget). The loop joins the thread on its worker pool, so the loop
 * itself never blocks. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <weft.h>

/* A "coroutine" the thread wants run on the loop: a lookup that takes
 * `ms` of (loop) time and returns a value. */
static int lookup(void *p)
{
    intptr_t ms = (intptr_t)p;
    int rc = weft_sleep(WEFT_MS(ms));
    if (rc < 0) return rc; /* cancelled: -ECANCELED */
    return (int)(ms * 10);
}

static int say(void *p)
{
    printf("  [loop] %s\n", (const char *)p);
    return 0;
}

struct shared {
    weft_loop *loop; /* a reference the thread releases when done */
    int failures;
};

static void *foreign(void *p)
{
    struct shared *sh = p;
    static const intptr_t delays[] = {5, 20, 1000};
    for (size_t i = 0; i < sizeof delays / sizeof delays[0]; i++) {
        weft_future *f;
        int rc = weft_spawn_threadsafe(sh->loop, &f, lookup, (void *)delays[i]);
        if (rc < 0) {
            printf("[thread] spawn failed: %s\n", weft_strerror(rc));
            sh->failures++;
            continue;
        }
        int status = 0;
        rc = weft_future_wait(f, WEFT_MS(200), &status); /* .result(timeout=0.2) */
        if (rc == -ETIMEDOUT) {
            printf("[thread] lookup(%d ms) not done after 200 ms: cancelling\n", (int)delays[i]);
            WEFT_IGNORE(weft_future_cancel(f));
            rc = weft_future_wait(f, -1, &status); /* it is safe to free arg after this */
        }
        if (rc == 0)
            printf("[thread] lookup(%d ms) -> %d%s\n", (int)delays[i], status,
                   status == -ECANCELED ? " (cancelled)" : "");
        if (rc != 0 || (i < 2 && status != delays[i] * 10) || (i == 2 && status != -ECANCELED))
            sh->failures++;
        weft_future_free(f);
    }
    if (weft_call_threadsafe(sh->loop, say, "the thread says goodbye") < 0) sh->failures++;
    weft_loop_release(sh->loop);
    return NULL;
}

static int join_job(void *p) { return -pthread_join(*(pthread_t *)p, NULL); }

static int run(void *p)
{
    struct shared *sh = p;
    /* The thread may outlive weft_run in other programs: give it a
     * reference, so calls after the loop ended fail cleanly. */
    sh->loop = weft_loop_retain(weft_loop_current());
    pthread_t th;
    if (pthread_create(&th, NULL, foreign, sh) != 0) {
        weft_loop_release(sh->loop);
        return -EAGAIN;
    }
    /* The loop keeps serving the thread while a worker joins it. The
     * thread's last call was posted before this job's completion, so it
     * has run by the time we are woken. */
    return weft_to_thread(join_job, &th);
}

int main(void)
{
    struct shared sh = {NULL, 0};
    int rc = weft_run(run, &sh);
    if (rc < 0) fprintf(stderr, "threadsafe: %s\n", weft_strerror(rc));
    printf("%s\n", rc == 0 && sh.failures == 0 ? "ok" : "FAILED");
    return rc == 0 && sh.failures == 0 ? 0 : 1;
}
