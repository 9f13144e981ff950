/* weft-test: timeout=60
 * fd operations: each waiting call (read, write, recv, send, recvmsg,
 * sendmsg, accept, connect, wait_readable, wait_writable) completes when
 * its fd becomes ready, and is interrupted by a cancellation and by a
 * deadline while its operation is in flight: the call returns the
 * interruption, the backend holds no op afterwards, the data it did not
 * take is still there, no fd leaks. Closing an fd fails the waits on it
 * with -EBADF; a closed fd number reused by a new fd is watched again; a
 * cancelled task's calls fail at once; SIGPIPE never kills the process. */
#include "wt.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/loop.h"

static size_t inflight(void) { return weft_loop_current()->io_inflight; }

static int sockpair(int sv[2])
{
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0 ? 0 : -errno;
}

/* Fills fd's send buffer. */
static void fill(int fd)
{
    static char junk[65536];
    while (write(fd, junk, sizeof junk) > 0) {
    }
}

/* A TCP listener on 127.0.0.1 with a full accept queue: connects to it
 * stay in progress (the kernel drops their SYNs). With a backlog of 0 one
 * established connection fills the queue, and the listener turns readable
 * exactly then: that is the event waited for. */
static int full_listener(int *lfd, struct sockaddr_in *sa, int clients[4])
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 0) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) < 0)
        return -1;
    for (int i = 0; i < 4; i++) { /* fill the queue */
        clients[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        (void)connect(clients[i], (struct sockaddr *)&a, sizeof a);
    }
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 10000) != 1) return -1; /* a connection is queued: the queue is full */
    *lfd = fd;
    *sa = a;
    return 0;
}

/* ---- one waiting call, described for the interrupt test ---- */

enum { K_READ, K_WRITE, K_RECV, K_SEND, K_RECVMSG, K_SENDMSG, K_ACCEPT, K_CONNECT, K_RWAIT, K_WWAIT, K_N };
static const char *const kname[K_N] = {"read",    "write",   "recv",    "send",    "recvmsg",
                                       "sendmsg", "accept",  "connect", "wait_readable",
                                       "wait_writable"};

struct call {
    int kind;
    int fd;
    struct sockaddr_in sa;
    long result;
    int done;
};

static int do_call(void *arg)
{
    struct call *c = arg;
    char buf[256] = {0};
    struct iovec v = {buf, sizeof buf};
    struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
    long r = -1;
    switch (c->kind) {
    case K_READ: r = weft_fd_read(c->fd, buf, sizeof buf); break;
    case K_WRITE: r = weft_fd_write(c->fd, buf, sizeof buf); break;
    case K_RECV: r = weft_fd_recv(c->fd, buf, sizeof buf, 0); break;
    case K_SEND: r = weft_fd_send(c->fd, buf, sizeof buf, 0); break;
    case K_RECVMSG: r = weft_fd_recvmsg(c->fd, &m, 0); break;
    case K_SENDMSG: r = weft_fd_sendmsg(c->fd, &m, 0); break;
    case K_ACCEPT: r = weft_fd_accept(c->fd, NULL, NULL); break;
    case K_CONNECT: r = weft_fd_connect(c->fd, (struct sockaddr *)&c->sa, sizeof c->sa); break;
    case K_RWAIT: r = weft_fd_wait_readable(c->fd); break;
    case K_WWAIT: r = weft_fd_wait_writable(c->fd); break;
    }
    c->result = r;
    c->done = 1;
    return 0;
}

/* Sets up an fd on which call kind must wait; *peer is its other end (or
 * -1), *extra more fds to close. */
static int setup(int kind, struct call *c, int *peer, int extra[4])
{
    int sv[2];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    *peer = -1;
    for (int i = 0; i < 4; i++) extra[i] = -1;
    switch (kind) {
    case K_READ:
    case K_WRITE:
        if (pipe2(sv, O_NONBLOCK | O_CLOEXEC) < 0) return -1;
        if (kind == K_READ) {
            c->fd = sv[0];
            *peer = sv[1];
        } else {
            fill(sv[1]);
            c->fd = sv[1];
            *peer = sv[0];
        }
        return 0;
    case K_ACCEPT:
    case K_CONNECT: {
        int lfd;
        if (full_listener(&lfd, &c->sa, extra) < 0) return -1;
        if (kind == K_ACCEPT) { /* a listener with nothing queued */
            for (int i = 0; i < 4; i++) close(extra[i]);
            close(lfd);
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            struct sockaddr_in a = {.sin_family = AF_INET,
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            socklen_t l = sizeof a;
            if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 8) < 0) return -1;
            getsockname(fd, (struct sockaddr *)&a, &l);
            c->sa = a;
            c->fd = fd;
            for (int i = 0; i < 4; i++) extra[i] = -1;
        } else {
            *peer = lfd;
            c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        }
        return 0;
    }
    default:
        if (sockpair(sv) < 0) return -1;
        c->fd = sv[0];
        *peer = sv[1];
        if (kind == K_SEND || kind == K_SENDMSG || kind == K_WWAIT) fill(sv[0]);
        return 0;
    }
}

static void teardown(struct call *c, int peer, int extra[4])
{
    WEFT_IGNORE(weft_fd_close(c->fd));
    if (peer >= 0) WEFT_IGNORE(weft_fd_close(peer));
    for (int i = 0; i < 4; i++)
        if (extra[i] >= 0) close(extra[i]);
}

/* Every call: interrupted by cancellation, then by a deadline, while its
 * operation is in flight. */
static int body_interrupt(void *arg)
{
    (void)arg;
    int fds = wt_count_fds();
    for (int kind = 0; kind < K_N; kind++) {
        for (int how = 0; how < 2; how++) {
            struct call c;
            int peer, extra[4];
            WT_REQUIRE_EQ(setup(kind, &c, &peer, extra), 0);
            weft_task *t;
            if (how == 0) {
                WT_REQUIRE_EQ(weft_spawn(&t, do_call, &c), 0);
                WT_EQ(weft_sleep(WEFT_MS(5)), 0);
                if (!WT_EQ(c.done, 0)) fprintf(stderr, "%s did not wait\n", kname[kind]);
                WT_EQ(inflight(), 1);
                WT_EQ(weft_cancel(t), 0);
                WT_EQ(weft_join(t), 0);
                if (!WT_EQ(c.result, -ECANCELED)) fprintf(stderr, "%s: cancel\n", kname[kind]);
            } else {
                int64_t t0 = wt_wall();
                WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(10)), 0);
                WT_EQ(do_call(&c), 0);
                WT_EQ(weft_deadline_pop(), 1);
                if (!WT_EQ(c.result, -ETIMEDOUT)) fprintf(stderr, "%s: deadline\n", kname[kind]);
                WT_GE(wt_wall() - t0, WEFT_MS(10));
            }
            WT_EQ(inflight(), 0);
            teardown(&c, peer, extra);
        }
    }
    WT_EQ(wt_count_fds(), fds);
    return 0;
}

static void test_interrupt_every_call(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_interrupt, NULL), 0);
}

/* ---- calls complete when their fd becomes ready ---- */

static int body_ready(void *arg)
{
    (void)arg;
    int sv[2];
    WT_REQUIRE_EQ(sockpair(sv), 0);
    struct call c = {.kind = K_RECV, .fd = sv[0]};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, do_call, &c), 0);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(c.done, 0);
    WT_EQ(weft_fd_send(sv[1], "hello", 5, 0), 5);
    WT_EQ(weft_join(t), 0);
    WT_EQ(c.result, 5);

    /* wait_readable sees data that is already there */
    WT_EQ(weft_fd_send(sv[1], "x", 1, 0), 1);
    WT_EQ(weft_fd_wait_readable(sv[0]), 0);
    WT_EQ(weft_fd_wait_readable(sv[0]), 0);
    char b;
    WT_EQ(weft_fd_recv(sv[0], &b, 1, 0), 1);
    WT_EQ(weft_fd_wait_writable(sv[0]), 0);

    /* a full socket: send waits until the peer reads */
    fill(sv[0]);
    struct call s = {.kind = K_SEND, .fd = sv[0]};
    WT_REQUIRE_EQ(weft_spawn(&t, do_call, &s), 0);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(s.done, 0);
    static char junk[65536];
    while (read(sv[1], junk, sizeof junk) > 0) {
    }
    WT_EQ(weft_join(t), 0);
    WT_EQ(s.result, 256);

    /* end of stream */
    WEFT_IGNORE(weft_fd_close(sv[1]));
    while (weft_fd_recv(sv[0], junk, sizeof junk, 0) > 0) {
    }
    WT_EQ(weft_fd_recv(sv[0], junk, sizeof junk, 0), 0);
    WT_EQ(weft_fd_wait_readable(sv[0]), 0);
    WEFT_IGNORE(weft_fd_close(sv[0]));

    /* accept and connect over TCP */
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    WT_REQUIRE(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(lfd, 8) == 0);
    getsockname(lfd, (struct sockaddr *)&a, &l);
    struct call ac = {.kind = K_ACCEPT, .fd = lfd};
    WT_REQUIRE_EQ(weft_spawn(&t, do_call, &ac), 0);
    WT_EQ(weft_sleep(WEFT_MS(2)), 0);
    int cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    WT_EQ(weft_fd_connect(cfd, (struct sockaddr *)&a, sizeof a), 0);
    WT_EQ(weft_join(t), 0);
    WT_GE(ac.result, 0);
    int afd = (int)ac.result;
    WT_EQ(fcntl(afd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    WT_EQ(fcntl(afd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    WT_EQ(weft_fd_write(cfd, "abc", 3), 3);
    WT_EQ(weft_fd_read(afd, junk, sizeof junk), 3);
    /* connect to a port nobody listens on */
    WEFT_IGNORE(weft_fd_close(lfd));
    int c2 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    WT_EQ(weft_fd_connect(c2, (struct sockaddr *)&a, sizeof a), -ECONNREFUSED);
    WEFT_IGNORE(weft_fd_close(c2));
    WEFT_IGNORE(weft_fd_close(cfd));
    WEFT_IGNORE(weft_fd_close(afd));
    return 0;
}

static void test_ready(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_ready, NULL), 0);
}

/* ---- closing an fd ends the waits on it; its number is watched again
 * when reused ---- */

static int body_close(void *arg)
{
    (void)arg;
    int sv[2];
    WT_REQUIRE_EQ(sockpair(sv), 0);
    struct call r1 = {.kind = K_RECV, .fd = sv[0]}, r2 = {.kind = K_RWAIT, .fd = sv[0]};
    weft_task *t1, *t2;
    WT_REQUIRE_EQ(weft_spawn(&t1, do_call, &r1), 0);
    WT_REQUIRE_EQ(weft_spawn(&t2, do_call, &r2), 0);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(inflight(), 2);
    int num = sv[0];
    WT_EQ(weft_fd_close(sv[0]), 0);
    WT_EQ(weft_join(t1), 0);
    WT_EQ(weft_join(t2), 0);
    WT_EQ(r1.result, -EBADF);
    WT_EQ(r2.result, -EBADF);
    WT_EQ(inflight(), 0);
    WEFT_IGNORE(weft_fd_close(sv[1]));
    for (int round = 0; round < 3; round++) { /* the same numbers, new sockets */
        WT_REQUIRE_EQ(sockpair(sv), 0);
        WT_EQ(sv[0] == num || sv[1] == num, 1);
        struct call r = {.kind = K_RECV, .fd = sv[0]};
        weft_task *t;
        WT_REQUIRE_EQ(weft_spawn(&t, do_call, &r), 0);
        WT_EQ(weft_sleep(WEFT_MS(2)), 0);
        WT_EQ(weft_fd_send(sv[1], "z", 1, 0), 1);
        WT_EQ(weft_join(t), 0);
        WT_EQ(r.result, 1);
        WEFT_IGNORE(weft_fd_close(sv[0]));
        WEFT_IGNORE(weft_fd_close(sv[1]));
    }
    return 0;
}

static void test_close_wakes_waiters(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_close, NULL), 0);
}

/* ---- a cancelled task's fd calls fail at once, even with data ready ---- */

static int cancelled_reader(void *arg)
{
    int fd = *(int *)arg;
    char b;
    WEFT_IGNORE(weft_sleep(WEFT_SEC(10)));
    return (int)weft_fd_recv(fd, &b, 1, 0);
}

static int body_sticky(void *arg)
{
    (void)arg;
    int sv[2];
    WT_REQUIRE_EQ(sockpair(sv), 0);
    WT_EQ(weft_fd_send(sv[1], "d", 1, 0), 1);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, cancelled_reader, &sv[0]), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), -ECANCELED);
    char b;
    WT_EQ(weft_fd_recv(sv[0], &b, 1, 0), 1); /* still there */
    WEFT_IGNORE(weft_fd_close(sv[0]));
    WEFT_IGNORE(weft_fd_close(sv[1]));
    return 0;
}

static void test_cancelled_fails_at_once(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_sticky, NULL), 0);
}

/* ---- writing to a closed peer: -EPIPE, never SIGPIPE (even with no
 * signal handling installed by the runtime) ---- */

static int body_epipe(void *arg)
{
    (void)arg;
    int sv[2], pv[2];
    WT_REQUIRE_EQ(sockpair(sv), 0);
    WEFT_IGNORE(weft_fd_close(sv[1]));
    WT_EQ(weft_fd_send(sv[0], "x", 1, 0), -EPIPE);
    WEFT_IGNORE(weft_fd_close(sv[0]));
    WT_REQUIRE(pipe2(pv, O_NONBLOCK | O_CLOEXEC) == 0);
    WEFT_IGNORE(weft_fd_close(pv[0]));
    WT_EQ(weft_fd_write(pv[1], "x", 1), -EPIPE);
    WEFT_IGNORE(weft_fd_close(pv[1]));
    return 0;
}

static void test_no_sigpipe(void **s)
{
    (void)s;
    weft_options o = WEFT_OPTIONS_INIT;
    o.signals = 0;
    signal(SIGPIPE, SIG_DFL);
    assert_int_equal(wt_run_opts(&o, body_epipe, NULL), 0);
}

/* ---- outside a task: -EINVAL ---- */
static void test_outside_task(void **s)
{
    (void)s;
    char b;
    assert_int_equal(weft_fd_read(0, &b, 1), -EINVAL);
    assert_int_equal(weft_fd_wait_readable(0), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interrupt_every_call),
        cmocka_unit_test(test_ready),
        cmocka_unit_test(test_close_wakes_waiters),
        cmocka_unit_test(test_cancelled_fails_at_once),
        cmocka_unit_test(test_no_sigpipe),
        cmocka_unit_test(test_outside_task),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
