/* weft tour: runs the pattern examples (the programs of examples/, built beside this
 * program) in the order of docs/patterns.md and prints what each shows,
 * with its wall time.
 *
 *   weft tour            every example
 *   weft tour NAME...    only those */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <weft.h>

#include "weft_cmd.h"

struct stop {
    const char *pattern; /* the seed pattern */
    const char *example; /* examples/<example>.c */
    const char *args;    /* extra argument, or NULL */
};

static const struct stop tour[] = {
    {"1  asyncio.run(main())", "run", NULL},
    {"2  create_task / await task", "create_task", NULL},
    {"3  asyncio.sleep, sleep(0)", "sleep", NULL},
    {"4  gather(return_exceptions=True)", "gather", NULL},
    {"5  TaskGroup", "taskgroup", NULL},
    {"6  as_completed", "as_completed", NULL},
    {"7  race / FIRST_COMPLETED", "race", NULL},
    {"8  timeout / wait_for", "timeout", NULL},
    {"9  cancellation and cleanup", "cancellation", NULL},
    {"10 shield", "shield", NULL},
    {"11 Semaphore(10) over 1,000 fetches", "semaphore", NULL},
    {"12 Lock, Event, Condition, Barrier", "sync_primitives", NULL},
    {"13 Queue: producer / consumers", "producer_consumer", NULL},
    {"14 async generators", "async_generator", NULL},
    {"15 async context managers", "context_manager", NULL},
    {"16 to_thread (CPU-bound work)", "to_thread", NULL},
    {"17 run_coroutine_threadsafe", "threadsafe", NULL},
    {"18 TCP echo client", "echo_client", NULL},
    {"19 files, concurrently", "read_files", NULL},
    {"21 aiohttp.web: routes, middleware, test client", "web_app", "--self-test"},
    {"22 StreamingResponse and server-sent events", "streaming", "--self-test"},
};

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Finds the example program: next to this binary's build tree, or in
 * $WEFT_EXAMPLES_DIR. */
static int find(const char *name, char *path, size_t n)
{
    const char *dirs[2] = {getenv("WEFT_EXAMPLES_DIR"), WEFT_EXAMPLES_DIR};
    for (int i = 0; i < 2; i++) {
        if (!dirs[i]) continue;
        snprintf(path, n, "%s/%s", dirs[i], name);
        if (access(path, X_OK) == 0) return 0;
    }
    return -1;
}

static int run_stop(const struct stop *s)
{
    char path[4096];
    if (find(s->example, path, sizeof path) != 0) {
        printf("  (examples/%s.c is not built in this tree yet)\n", s->example);
        return 0;
    }
    fflush(stdout);
    double t0 = wall_ms();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execl(path, s->example, s->args, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    double dt = wall_ms() - t0;
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    printf("  -> %s in %.1f ms (examples/%s.c)\n", ok ? "ok" : "FAILED", dt, s->example);
    return ok ? 0 : -1;
}

int weft_tour(int argc, char **argv)
{
    printf("weft %s tour: the seed patterns, one example each\n", weft_version());
    int failed = 0, ran = 0;
    for (size_t i = 0; i < sizeof tour / sizeof tour[0]; i++) {
        int want = argc < 2;
        for (int a = 1; a < argc; a++)
            if (strcmp(argv[a], tour[i].example) == 0) want = 1;
        if (!want) continue;
        printf("\n[%s]\n", tour[i].pattern);
        if (run_stop(&tour[i]) != 0) failed++;
        ran++;
    }
    printf("\n%d pattern(s) shown, %d failed\n", ran, failed);
    return failed ? 1 : 0;
}
