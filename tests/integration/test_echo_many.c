/* weft-test: timeout=240 serial
 * 10,000 concurrent TCP connections to an echo server (this process) from
 * a client in a separate process (the fd limit is 20,000 per process):
 * every connection round-trips a message that names it, and all 10,000
 * are open at the same moment (the client keeps each one until the last
 * has round-tripped; the server records the peak). Public API only, plus
 * fork and a pidfd for the child. */
#include "wt.h"

#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define N 10000

/* ------------------------------------------------------------ client */

struct client {
    int port;
    weft_stream *s[N];
    int ok;
};

struct conn {
    struct client *c;
    int i;
};

static int one(void *arg)
{
    struct conn *k = arg;
    weft_stream *s;
    int rc = weft_tcp_connect(&s, "127.0.0.1", k->c->port);
    if (rc < 0) return rc;
    char msg[32], back[32];
    int n = snprintf(msg, sizeof msg, "conn %05d\n", k->i);
    if (weft_stream_write(s, msg, (size_t)n) != n) rc = -EIO;
    if (!rc) rc = weft_stream_read_exactly(s, back, (size_t)n);
    if (!rc && memcmp(msg, back, (size_t)n) != 0) rc = -EPROTO;
    k->c->s[k->i] = s;
    return rc;
}

static int client_main(void *arg)
{
    struct client *c = arg;
    static struct conn k[N];
    weft_group *g;
    if (weft_group_new(&g, WEFT_COLLECT) < 0) return 1;
    weft_spawn_options o = {.name = "conn", .stack_size = 16 * 1024};
    for (int i = 0; i < N; i++) {
        k[i] = (struct conn){c, i};
        if (weft_group_spawn_opts(g, NULL, &o, one, &k[i]) < 0) return 2;
    }
    int failed = weft_group_wait(g);
    for (size_t i = 0; i < N; i++) {
        int st = weft_task_status(weft_group_task(g, i));
        if (st < 0 && failed < 5) fprintf(stderr, "client %zu: %s\n", i, weft_strerror(st));
    }
    weft_group_free(g);
    for (int i = 0; i < N; i++) weft_stream_close(c->s[i]);
    return failed ? 3 : 0;
}

/* ------------------------------------------------------------ server */

struct server {
    weft_listener *l;
    weft_group *handlers; /* every connection's task */
    int live, peak, served;
};

struct handler {
    struct server *sv;
    weft_stream *s;
};

static int handle(void *arg)
{
    weft_stream *s = arg;
    char buf[64];
    ssize_t n;
    while ((n = weft_stream_read(s, buf, sizeof buf)) > 0)
        if (weft_stream_write(s, buf, (size_t)n) != n) break;
    weft_stream_close(s);
    return 0;
}

static struct server sv;

static int counted(void *arg)
{
    sv.live++;
    if (sv.live > sv.peak) sv.peak = sv.live;
    int rc = handle(arg);
    sv.live--;
    return rc;
}

static int acceptor(void *arg)
{
    (void)arg;
    weft_spawn_options o = {.name = "echo", .stack_size = 16 * 1024};
    for (;;) {
        weft_stream *s;
        int rc = weft_tcp_accept(sv.l, &s);
        if (rc < 0) return rc == -ECANCELED ? 0 : rc;
        sv.served++;
        if (weft_group_spawn_opts(sv.handlers, NULL, &o, counted, s) < 0) weft_stream_close(s);
    }
}

static int server_main(void *arg)
{
    int *io = arg; /* [0] pipe to the child, [1] child's pid */
    WT_REQUIRE_EQ(weft_tcp_listen(&sv.l, "127.0.0.1", 0, NULL), 0);
    weft_addr a;
    WT_REQUIRE_EQ(weft_listener_addr(sv.l, &a), 0);
    int port = weft_addr_port(&a);
    WT_REQUIRE_EQ((int)write(io[0], &port, sizeof port), (int)sizeof port);
    close(io[0]);
    WT_REQUIRE_EQ(weft_group_new(&sv.handlers, WEFT_COLLECT), 0);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, acceptor, NULL), 0);
    int pfd = (int)syscall(SYS_pidfd_open, io[1], 0);
    WT_REQUIRE(pfd >= 0);
    WT_EQ(weft_fd_wait_readable(pfd), 0); /* the child has exited */
    WEFT_IGNORE(weft_fd_close(pfd));
    int status = 0;
    WT_EQ(waitpid(io[1], &status, 0), io[1]);
    WT_CHECK(WIFEXITED(status));
    WT_EQ(WEXITSTATUS(status), 0);
    WT_EQ(weft_cancel(t), 0); /* no more connections */
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_group_wait(sv.handlers), 0); /* every handler saw EOF and returned 0 */
    WT_EQ(sv.live, 0);
    WT_EQ(sv.served, N);
    WT_EQ(sv.peak, N);
    WT_EQ(weft_group_size(sv.handlers), N);
    weft_group_free(sv.handlers);
    weft_listener_close(sv.l);
    return 0;
}

static void test_10k(void **st)
{
    (void)st;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        static struct client c;
        if (read(p[0], &c.port, sizeof c.port) != sizeof c.port) _exit(10);
        close(p[0]);
        _exit(weft_run(client_main, &c));
    }
    close(p[0]);
    int io[2] = {p[1], pid};
    assert_int_equal(wt_run(server_main, io), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_10k)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
