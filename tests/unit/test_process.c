/* weft-test: timeout=60
 * Subprocesses: output through a pipe (and output far larger than a pipe
 * buffer); stdin and stdout at once (1 MiB through cat); stderr; /dev/null
 * and an fd of the parent as stdio; exit codes and death by a signal;
 * environment and working directory; a program that does not exist; the
 * child gets default signal handling although the runtime catches SIGINT;
 * a wait interrupted by a deadline (the child runs on); freeing an unwaited
 * process kills and reaps it; no fd leaks. */
#include "wt.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loop.h"

/* Reads a stream to its end into a malloc'ed buffer. */
static ssize_t slurp(weft_stream *s, char **out)
{
    size_t cap = 4096, len = 0;
    char *b = malloc(cap);
    ssize_t n;
    for (;;) {
        if (len == cap) b = realloc(b, cap *= 2);
        n = weft_stream_read(s, b + len, cap - len);
        if (n <= 0) break;
        len += (size_t)n;
    }
    *out = b;
    return n < 0 ? n : (ssize_t)len;
}

static int run(const char *const argv[], weft_process_options *o, char **out, int *code)
{
    weft_process *p;
    int rc = weft_process_spawn(&p, argv, o);
    if (rc < 0) return rc;
    ssize_t n = out ? slurp(weft_process_stdout(p), out) : 0;
    rc = weft_process_wait(p, code);
    weft_process_free(p);
    return n < 0 ? (int)n : rc < 0 ? rc : (int)n;
}

static int body_basic(void *arg)
{
    (void)arg;
    int fds = wt_count_fds();
    weft_process_options o = WEFT_PROCESS_OPTIONS_INIT;
    o.stdio[1] = WEFT_STDIO_PIPE;
    char *out;
    int code = -100;
    const char *const echo[] = {"echo", "hello", "weft", NULL};
    WT_EQ(run(echo, &o, &out, &code), 11);
    WT_EQ(memcmp(out, "hello weft\n", 11), 0);
    WT_EQ(code, 0);
    free(out);
    const char *const ex3[] = {"sh", "-c", "exit 3", NULL};
    WT_EQ(run(ex3, NULL, NULL, &code), 0);
    WT_EQ(code, 3);
    /* stderr, with stdout to /dev/null */
    weft_process_options e = WEFT_PROCESS_OPTIONS_INIT;
    e.stdio[1] = WEFT_STDIO_NULL;
    e.stdio[2] = WEFT_STDIO_PIPE;
    weft_process *p;
    const char *const err[] = {"sh", "-c", "echo out; echo err >&2", NULL};
    WT_REQUIRE_EQ(weft_process_spawn(&p, err, &e), 0);
    WT_CHECK(weft_process_stdout(p) == NULL);
    WT_EQ(slurp(weft_process_stderr(p), &out), 4);
    WT_EQ(memcmp(out, "err\n", 4), 0);
    free(out);
    WT_EQ(weft_process_wait(p, &code), 0);
    WT_EQ(code, 0);
    weft_process_free(p);
    /* environment and directory */
    const char *const env[] = {"FOO=bar", NULL};
    o.envp = env;
    o.cwd = "/tmp";
    const char *const sh[] = {"/bin/sh", "-c", "echo $FOO; pwd", NULL};
    WT_EQ(run(sh, &o, &out, &code), 9);
    WT_EQ(memcmp(out, "bar\n/tmp\n", 9), 0);
    free(out);
    /* not found */
    const char *const none[] = {"weft-no-such-program", NULL};
    WT_EQ(weft_process_spawn(&p, none, NULL), -ENOENT);
    const char *const empty[] = {NULL};
    WT_EQ(weft_process_spawn(&p, empty, NULL), -EINVAL);
    WT_EQ(wt_count_fds(), fds);
    return 0;
}

static void test_basic(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_basic, NULL), 0);
}

/* ---- output far larger than a pipe buffer ---- */

static int body_large(void *arg)
{
    (void)arg;
    weft_process_options o = WEFT_PROCESS_OPTIONS_INIT;
    o.stdio[1] = WEFT_STDIO_PIPE;
    const char *const seq[] = {"seq", "1", "300000", NULL};
    char *out;
    int code = -1;
    int n = run(seq, &o, &out, &code);
    WT_EQ(n, 1988895); /* the digits of 1..300000 plus newlines */
    WT_EQ(code, 0);
    WT_EQ(memcmp(out + n - 7, "300000\n", 7), 0);
    WT_EQ(memcmp(out, "1\n2\n3\n", 6), 0);
    free(out);
    return 0;
}

static void test_large_output(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_large, NULL), 0);
}

/* ---- 1 MiB through cat: writing stdin while reading stdout ---- */

struct feed {
    weft_stream *in;
    const char *data;
    size_t len;
};

static int feeder(void *arg)
{
    struct feed *f = arg;
    if (weft_stream_write(f->in, f->data, f->len) != (ssize_t)f->len) return -1;
    return weft_stream_close(f->in); /* flushes, then the child reads EOF */
}

static int body_cat(void *arg)
{
    (void)arg;
    int fds = wt_count_fds();
    size_t len = 1 << 20;
    char *data = malloc(len);
    for (size_t i = 0; i < len; i++) data[i] = (char)(i * 13 + (i >> 10));
    weft_process_options o = WEFT_PROCESS_OPTIONS_INIT;
    o.stdio[0] = WEFT_STDIO_PIPE;
    o.stdio[1] = WEFT_STDIO_PIPE;
    weft_process *p;
    const char *const cat[] = {"cat", NULL};
    WT_REQUIRE_EQ(weft_process_spawn(&p, cat, &o), 0);
    struct feed f = {weft_process_stdin(p), data, len};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, feeder, &f), 0);
    char *out;
    WT_EQ(slurp(weft_process_stdout(p), &out), (ssize_t)len);
    WT_EQ(memcmp(out, data, len), 0);
    WT_EQ(weft_join(t), 0);
    WT_CHECK(weft_process_stdin(p) == NULL); /* closed by the feeder */
    int code = -1;
    WT_EQ(weft_process_wait(p, &code), 0);
    WT_EQ(code, 0);
    weft_process_free(p);
    free(out);
    free(data);
    /* stdin from /dev/null, stdout into a pipe of ours */
    int pv[2];
    WT_REQUIRE(pipe2(pv, O_CLOEXEC) == 0);
    weft_process_options n = WEFT_PROCESS_OPTIONS_INIT;
    n.stdio[0] = WEFT_STDIO_NULL;
    n.stdio[1] = WEFT_STDIO_FD;
    n.stdio_fd[1] = pv[1];
    const char *const sh[] = {"sh", "-c", "cat; echo done", NULL};
    WT_REQUIRE_EQ(weft_process_spawn(&p, sh, &n), 0);
    close(pv[1]);
    WT_EQ(weft_process_wait(p, &code), 0);
    weft_process_free(p);
    char buf[16] = {0};
    WT_EQ(read(pv[0], buf, sizeof buf), 5);
    WT_EQ(strcmp(buf, "done\n"), 0);
    close(pv[0]);
    WT_EQ(wt_count_fds(), fds);
    return 0;
}

static void test_stdin_and_stdout(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_cat, NULL), 0);
}

/* ---- signals, deadlines, free ---- */

static int body_kill(void *arg)
{
    (void)arg;
    weft_process *p;
    const char *const sl[] = {"sleep", "10", NULL};
    WT_REQUIRE_EQ(weft_process_spawn(&p, sl, NULL), 0);
    int code = 0;
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(20)), 0);
    WT_EQ(weft_process_wait(p, &code), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(kill(weft_process_pid(p), 0), 0); /* runs on */
    /* the runtime catches SIGINT, yet the child has the default action */
    WT_EQ(weft_process_kill(p, SIGINT), 0);
    WT_EQ(weft_process_wait(p, &code), 0);
    WT_EQ(code, -SIGINT);
    WT_EQ(weft_process_kill(p, SIGTERM), -ESRCH);
    weft_process_free(p);
    /* freeing an unwaited child kills and reaps it */
    WT_REQUIRE_EQ(weft_process_spawn(&p, sl, NULL), 0);
    pid_t pid = weft_process_pid(p);
    weft_process_free(p);
    WT_EQ(kill(pid, 0), -1);
    WT_EQ(errno, ESRCH);
    WT_EQ(weft_loop_current()->io_inflight, 0);
    return 0;
}

static void test_kill_and_deadline(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_kill, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_large_output),
        cmocka_unit_test(test_stdin_and_stdout),
        cmocka_unit_test(test_kill_and_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
