/* weft-test: timeout=60 threads
 * Backends: WEFT_BACKEND and opts.backend are honoured (an unknown name is
 * -EINVAL; "poll" runs no I/O); the loop's wake-up works while it waits in
 * the kernel with nothing else to do; a task spinning on weft_yield does
 * not keep other tasks' I/O from completing; an op in flight holds the
 * virtual clock; io_uring's per-opcode fallback (every opcode forced
 * through it) still runs pipes, sockets, accept and connect. */
#include "wt.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loop.h"

/* ---- the backend named by the environment is the one in use ---- */

static int body_name(void *arg)
{
    const char *want = arg;
    WT_CHECK(weft_backend_name() != NULL);
    if (want) WT_EQ(strcmp(weft_backend_name(), want), 0);
    return 0;
}

static void test_choice(void **s)
{
    (void)s;
    const char *env = getenv("WEFT_BACKEND");
    assert_int_equal(wt_run(body_name, (void *)env), 0);
    weft_options o = WEFT_OPTIONS_INIT;
    o.backend = "epoll";
    assert_int_equal(wt_run_opts(&o, body_name, "epoll"), 0);
    o.backend = "poll";
    assert_int_equal(wt_run_opts(&o, body_name, "poll"), 0);
    o.backend = "kqueue";
    assert_int_equal(weft_run_opts(&o, body_name, NULL), -EINVAL);
}

/* ---- the poll backend runs no I/O, but sleeps ---- */

static int body_poll(void *arg)
{
    (void)arg;
    int p[2];
    WT_REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
    char b;
    WT_EQ(weft_fd_read(p[0], &b, 1), -EOPNOTSUPP);
    WT_EQ(weft_sleep(WEFT_MS(1)), 0);
    close(p[0]);
    close(p[1]);
    return 0;
}

static void test_poll_backend(void **s)
{
    (void)s;
    weft_options o = WEFT_OPTIONS_INIT;
    o.backend = "poll";
    assert_int_equal(wt_run_opts(&o, body_poll, NULL), 0);
}

/* ---- another thread's post wakes a loop waiting with no timer ---- */

struct poke {
    weft__post post;
    weft_loop *loop;
    weft__wait *w;
};

static void poke_fn(weft__post *p)
{
    struct poke *k = (struct poke *)p;
    weft__wake(k->w, 7);
}

static void *poker(void *arg)
{
    struct poke *k = arg;
    usleep(20000);
    weft__loop_post(k->loop, &k->post);
    return NULL;
}

static int body_wake(void *arg)
{
    (void)arg;
    weft__wait w = {.what = "poke"};
    struct poke k = {{.fn = poke_fn}, weft_loop_current(), &w};
    pthread_t th;
    WT_REQUIRE_EQ(pthread_create(&th, NULL, poker, &k), 0);
    WT_EQ(weft__park(&w), 7); /* nothing else can end this wait */
    pthread_join(th, NULL);
    return 0;
}

static void test_wake(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_wake, NULL), 0);
}

/* ---- weft_yield loops still let I/O through ---- */

/* A thread that writes a byte to fd once go is set (a flag, wt.h). */
struct late {
    int go;
    int fd;
};

static void *late_writer(void *arg)
{
    struct late *l = arg;
    if (wt_flag_wait_thread(&l->go, 1) < 0) return NULL; /* the test then fails */
    ssize_t r = write(l->fd, "w", 1);
    (void)r;
    return NULL;
}

struct spin {
    int fd;
    volatile int got;
    int *go; /* the writer's: set once the spin is on */
};

static int spinner(void *arg)
{
    struct spin *sp = arg;
    int64_t t0 = wt_wall();
    for (int told = 0; !sp->got && wt_wall() - t0 < WEFT_SEC(5); told = 1) {
        if (weft_yield() < 0) return -1;
        if (!told) wt_flag_set(sp->go, 1);
    }
    return sp->got ? 0 : -1;
}

static int waiter(void *arg)
{
    struct spin *sp = arg;
    char b;
    ssize_t n = weft_fd_read(sp->fd, &b, 1);
    sp->got = n == 1;
    return 0;
}

static int body_yield_io(void *arg)
{
    (void)arg;
    int p[2];
    WT_REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
    struct late l = {0, p[1]};
    struct spin sp = {p[0], 0, &l.go};
    weft_task *a, *b;
    WT_REQUIRE_EQ(weft_spawn(&b, waiter, &sp), 0);
    WT_REQUIRE_EQ(weft_spawn(&a, spinner, &sp), 0);
    pthread_t th;
    WT_REQUIRE_EQ(pthread_create(&th, NULL, late_writer, &l), 0);
    WT_EQ(weft_join(a), 0);
    WT_EQ(weft_join(b), 0);
    pthread_join(th, NULL);
    WEFT_IGNORE(weft_fd_close(p[0]));
    WEFT_IGNORE(weft_fd_close(p[1]));
    return 0;
}

static void test_yield_sees_io(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_yield_io, NULL), 0);
}

/* ---- an op in flight holds the virtual clock ---- */

struct order {
    int fd;
    int seq;
    int read_at, slept_at;
};

static int v_reader(void *arg)
{
    struct order *o = arg;
    char b;
    if (weft_fd_read(o->fd, &b, 1) != 1) return -1;
    o->read_at = ++o->seq;
    return 0;
}

static int v_sleeper(void *arg)
{
    struct order *o = arg;
    if (weft_sleep(WEFT_SEC(3600)) < 0) return -1;
    o->slept_at = ++o->seq;
    return 0;
}

/* Runs after the reader and the sleeper have parked: then the write. */
static int v_teller(void *arg)
{
    wt_flag_set(arg, 1);
    return 0;
}

static int body_virtual(void *arg)
{
    (void)arg;
    int p[2];
    WT_REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
    struct order o = {p[0], 0, 0, 0};
    struct late l = {0, p[1]};
    weft_task *a, *b, *c;
    WT_REQUIRE_EQ(weft_spawn(&a, v_reader, &o), 0);
    WT_REQUIRE_EQ(weft_spawn(&b, v_sleeper, &o), 0);
    WT_REQUIRE_EQ(weft_spawn(&c, v_teller, &l.go), 0);
    pthread_t th;
    WT_REQUIRE_EQ(pthread_create(&th, NULL, late_writer, &l), 0);
    WT_EQ(weft_join(a), 0);
    WT_EQ(weft_join(b), 0);
    WT_EQ(weft_join(c), 0);
    pthread_join(th, NULL);
    WT_EQ(o.read_at, 1); /* the hour did not pass while the read was in flight */
    WT_EQ(o.slept_at, 2);
    WEFT_IGNORE(weft_fd_close(p[0]));
    WEFT_IGNORE(weft_fd_close(p[1]));
    return 0;
}

static void test_inflight_holds_virtual_clock(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body_virtual, NULL), 0);
}

/* ---- io_uring with every opcode on the fallback path ---- */

static int acceptor(void *arg)
{
    weft_listener *l = arg;
    weft_stream *s;
    if (weft_tcp_accept(l, &s) < 0) return -1;
    char buf[5];
    if (weft_stream_read_exactly(s, buf, 5) < 0) return -2;
    if (weft_stream_write(s, buf, 5) != 5) return -3;
    return weft_stream_close(s);
}

static int body_fallback(void *arg)
{
    (void)arg;
    WT_EQ(strcmp(weft_backend_name(), "io_uring"), 0);
    int p[2];
    WT_REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
    char b[8];
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(5)), 0);
    WT_EQ(weft_fd_read(p[0], b, 1), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(weft_fd_write(p[1], "ab", 2), 2);
    WT_EQ(weft_fd_read(p[0], b, sizeof b), 2);
    WEFT_IGNORE(weft_fd_close(p[0]));
    WEFT_IGNORE(weft_fd_close(p[1]));
    weft_listener *l;
    WT_REQUIRE_EQ(weft_tcp_listen(&l, "127.0.0.1", 0, NULL), 0);
    weft_addr a;
    WT_REQUIRE_EQ(weft_listener_addr(l, &a), 0);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, acceptor, l), 0);
    weft_stream *c;
    WT_REQUIRE_EQ(weft_tcp_connect(&c, "127.0.0.1", weft_addr_port(&a)), 0);
    WT_EQ(weft_stream_write(c, "hello", 5), 5);
    WT_EQ(weft_stream_read_exactly(c, b, 5), 0);
    WT_EQ(memcmp(b, "hello", 5), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_stream_close(c), 0);
    weft_listener_close(l);
    WT_EQ(weft_loop_current()->io_inflight, 0);
    return 0;
}

static void test_uring_fallback(void **s)
{
    (void)s;
    weft_options o = WEFT_OPTIONS_INIT;
    o.backend = "io_uring";
    setenv("WEFT_URING_NO", "abcdefghijklmn", 1); /* every opcode */
    wt_failures = 0;
    int rc = weft_run_opts(&o, body_fallback, NULL);
    unsetenv("WEFT_URING_NO");
#ifndef WEFT_HAVE_URING
    /* built without liburing: "io_uring" is not a backend name here */
    assert_int_equal(rc, -EINVAL);
#else
    if (rc == -ENOSYS) {
        /* io_uring cannot start on this kernel or in this sandbox: naming
         * it is an error, and the automatic choice falls back to epoll */
        char *env = getenv("WEFT_BACKEND");
        char *saved = env ? strdup(env) : NULL;
        unsetenv("WEFT_BACKEND");
        rc = weft_run_opts(NULL, body_name, "epoll");
        if (saved) setenv("WEFT_BACKEND", saved, 1);
        free(saved);
        assert_int_equal(wt_failures, 0);
        assert_int_equal(rc, 0);
        return;
    }
    assert_int_equal(wt_failures, 0);
    assert_int_equal(rc, 0);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_poll_backend),
        cmocka_unit_test(test_wake),
        cmocka_unit_test(test_yield_sees_io),
        cmocka_unit_test(test_inflight_holds_virtual_clock),
        cmocka_unit_test(test_uring_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
