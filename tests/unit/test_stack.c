/* weft-test: timeout=60
 * Stacks: per-spawn sizes, the overflow report naming the task (a death
 * test in a child process), guard regions that do not split mappings. */
#include "wt.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Uses about `kib` KiB of stack, touching every page. */
__attribute__((noinline)) static int use_stack(int kib)
{
    volatile char buf[1024];
    memset((char *)buf, kib, sizeof buf);
    if (kib <= 1) return buf[7];
    return use_stack(kib - 1) + buf[3];
}

static int deep(void *arg) { return use_stack(*(int *)arg) > 0 ? 0 : 1; }

static int body_sizes(void *arg)
{
    (void)arg;
    int kib = 40;
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, deep, &kib), 0); /* fits the 64 KiB default */
    WT_EQ(weft_join(t), 0);
    int big = 900;
    weft_spawn_options o = {.name = "big", .stack_size = (size_t)1 << 20};
    WT_REQUIRE_EQ(weft_spawn_opts(&t, &o, deep, &big), 0);
    WT_EQ(weft_join(t), 0);
    o.stack_size = (size_t)2 << 30;
    WT_EQ(weft_spawn_opts(&t, &o, deep, &big), -EINVAL);
    return 0;
}

static void test_sizes(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_sizes, NULL), 0);
}

/* A recursion without end in a named task: the process dies of SIGSEGV
 * and stderr names the task. */
static volatile int keep_going = 1;

__attribute__((noinline)) static int forever(int n)
{
    volatile char pad[256];
    pad[0] = (char)n;
    if (!keep_going) return pad[0];
    return forever(n + 1) + pad[0];
}

static int overflow_task(void *arg)
{
    (void)arg;
    return forever(0);
}

static int body_overflow(void *arg)
{
    (void)arg;
    weft_spawn_options o = {.name = "runaway"};
    weft_task *t;
    if (weft_spawn_opts(&t, &o, overflow_task, NULL) < 0) return 1;
    return weft_join(t);
}

static void test_overflow_names_task(void **s)
{
    (void)s;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 2);
        close(p[0]);
        _exit(weft_run(body_overflow, NULL) == 0 ? 0 : 3);
    }
    close(p[1]);
    char buf[4096];
    size_t len = 0;
    ssize_t r;
    while ((r = read(p[0], buf + len, sizeof buf - 1 - len)) > 0) len += (size_t)r;
    buf[len] = 0;
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    if (!strstr(buf, "stack overflow in task")) fprintf(stderr, "child said: %s\n", buf);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSEGV);
    assert_non_null(strstr(buf, "stack overflow in task #2 'runaway' spawned at"));
    assert_non_null(strstr(buf, "test_stack.c:"));
}

/* 20,000 live stacks must not cost 20,000 mappings. */
static int park_forever(void *arg)
{
    (void)arg;
    return weft_sleep(WEFT_SEC(100));
}

static int count_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF) n += c == '\n';
    fclose(f);
    return n;
}

static int body_maps(void *arg)
{
    (void)arg;
    int before = count_maps();
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    for (int i = 0; i < 20000; i++) WT_REQUIRE_EQ(weft_group_spawn(g, NULL, park_forever, NULL), 0);
    WT_EQ(weft_yield(), 0);
    int after = count_maps();
    fprintf(stderr, "mappings: %d before, %d with 20,000 stacks\n", before, after);
    WT_LT(after - before, 2000);
    weft_group_free(g);
    return 0;
}

static void test_guards_do_not_split(void **s)
{
    (void)s;
    /* Kernels without MADV_GUARD_INSTALL (< 6.13) fall back to mprotect,
     * which splits mappings: then this test does not apply. */
    assert_int_equal(wt_run_virtual(body_maps, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_overflow_names_task),
        cmocka_unit_test(test_guards_do_not_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
