/* weft-test: timeout=60
 * TCP: listen/accept/connect over IPv4 and IPv6; port 0; peer and local
 * addresses; TCP_NODELAY by default; SO_REUSEPORT; "localhost" and Happy
 * Eyeballs (a hanging first address loses to the second after the 250 ms
 * head start; a refused one falls through at once); connect errors;
 * cancellation and deadlines of accept and connect; EMFILE on accept (the
 * server keeps serving once fds are free); closing a listener ends an
 * accept in progress. */
#include "wt.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/loop.h"

static int port_of(weft_listener *l)
{
    weft_addr a;
    if (weft_listener_addr(l, &a) < 0) return -1;
    return weft_addr_port(&a);
}

static int echo_once(void *arg)
{
    weft_listener *l = arg;
    weft_stream *s;
    int rc = weft_tcp_accept(l, &s);
    if (rc < 0) return rc;
    char buf[64];
    ssize_t n = weft_stream_read(s, buf, sizeof buf);
    if (n > 0 && weft_stream_write(s, buf, (size_t)n) != n) n = -1;
    rc = weft_stream_close(s);
    return n < 0 ? (int)n : rc;
}

/* connects to host:port, round-trips "ping"; returns 0 or an error */
static int ping(const char *host, int port, weft_addr *peer)
{
    weft_stream *c;
    int rc = weft_tcp_connect(&c, host, port);
    if (rc < 0) return rc;
    char buf[4];
    if (weft_stream_write(c, "ping", 4) != 4 || weft_stream_read_exactly(c, buf, 4) != 0 ||
        memcmp(buf, "ping", 4) != 0)
        rc = -EIO;
    if (peer && weft_stream_peer_addr(c, peer) < 0) rc = -EIO;
    int nd = 0;
    socklen_t l = sizeof nd;
    getsockopt(weft_stream_fd(c), IPPROTO_TCP, TCP_NODELAY, &nd, &l);
    if (!nd) rc = -EPROTO;
    int rc2 = weft_stream_close(c);
    return rc ? rc : rc2;
}

/* ---- IPv4, IPv6, the wildcard, addresses ---- */

static int body_families(void *arg)
{
    (void)arg;
    static const char *const hosts[][2] = {
        {"127.0.0.1", "127.0.0.1"}, {"::1", "::1"}, {NULL, "127.0.0.1"}, {NULL, "::1"}};
    for (int i = 0; i < 4; i++) {
        weft_listener *l;
        WT_REQUIRE_EQ(weft_tcp_listen(&l, hosts[i][0], 0, NULL), 0);
        int port = port_of(l);
        WT_GT(port, 0);
        weft_task *t;
        WT_REQUIRE_EQ(weft_spawn(&t, echo_once, l), 0);
        weft_addr peer;
        WT_EQ(ping(hosts[i][1], port, &peer), 0);
        WT_EQ(weft_addr_port(&peer), port);
        char name[WEFT_ADDR_STRLEN];
        WT_GT(weft_addr_format(&peer, name, sizeof name), 0);
        char want[64];
        snprintf(want, sizeof want, strchr(hosts[i][1], ':') ? "[%s]:%d" : "%s:%d", hosts[i][1],
                 port);
        if (!WT_EQ(strcmp(name, want), 0)) fprintf(stderr, "%s != %s\n", name, want);
        WT_EQ(weft_join(t), 0);
        weft_listener_close(l);
    }
    return 0;
}

static void test_families(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_families, NULL), 0);
}

/* ---- accepted streams: nodelay, local/peer addresses agree ---- */

static int body_accepted(void *arg)
{
    (void)arg;
    weft_listener *l;
    WT_REQUIRE_EQ(weft_tcp_listen(&l, "127.0.0.1", 0, NULL), 0);
    weft_stream *c, *s;
    WT_REQUIRE_EQ(weft_tcp_connect(&c, "127.0.0.1", port_of(l)), 0);
    WT_REQUIRE_EQ(weft_tcp_accept(l, &s), 0);
    weft_addr cl, cp, sl, sp;
    WT_EQ(weft_stream_local_addr(c, &cl), 0);
    WT_EQ(weft_stream_peer_addr(c, &cp), 0);
    WT_EQ(weft_stream_local_addr(s, &sl), 0);
    WT_EQ(weft_stream_peer_addr(s, &sp), 0);
    WT_EQ(weft_addr_port(&cl), weft_addr_port(&sp));
    WT_EQ(weft_addr_port(&cp), weft_addr_port(&sl));
    int nd = 0;
    socklen_t len = sizeof nd;
    getsockopt(weft_stream_fd(s), IPPROTO_TCP, TCP_NODELAY, &nd, &len);
    WT_EQ(nd, 1);
    WT_EQ(weft_stream_close(c), 0);
    WT_EQ(weft_stream_close(s), 0);
    weft_listener_close(l);
    /* nodelay off on request */
    weft_socket_options o = WEFT_SOCKET_OPTIONS_INIT;
    o.nodelay = 0;
    WT_REQUIRE_EQ(weft_tcp_listen(&l, "127.0.0.1", 0, &o), 0);
    WT_REQUIRE_EQ(weft_tcp_connect_opts(&c, "127.0.0.1", port_of(l), &o), 0);
    WT_REQUIRE_EQ(weft_tcp_accept(l, &s), 0);
    nd = 1;
    getsockopt(weft_stream_fd(s), IPPROTO_TCP, TCP_NODELAY, &nd, &len);
    WT_EQ(nd, 0);
    nd = 1;
    getsockopt(weft_stream_fd(c), IPPROTO_TCP, TCP_NODELAY, &nd, &len);
    WT_EQ(nd, 0);
    WT_EQ(weft_stream_close(c), 0);
    WT_EQ(weft_stream_close(s), 0);
    weft_listener_close(l);
    return 0;
}

static void test_accepted(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_accepted, NULL), 0);
}

/* ---- SO_REUSEPORT: two listeners on one port; without it, EADDRINUSE ---- */

static int body_reuseport(void *arg)
{
    (void)arg;
    weft_socket_options o = WEFT_SOCKET_OPTIONS_INIT;
    o.reuseport = 1;
    weft_listener *a, *b, *c;
    WT_REQUIRE_EQ(weft_tcp_listen(&a, "127.0.0.1", 0, &o), 0);
    int port = port_of(a);
    WT_EQ(weft_tcp_listen(&b, "127.0.0.1", port, &o), 0);
    WT_EQ(weft_tcp_listen(&c, "127.0.0.1", port, NULL), -EADDRINUSE);
    weft_listener_close(a);
    weft_listener_close(b);
    return 0;
}

static void test_reuseport(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_reuseport, NULL), 0);
}

/* ---- localhost and Happy Eyeballs ---- */

static int raw_listener(int family, int port, int backlog, int *out_port)
{
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    weft_addr a;
    if (weft_addr_parse(&a, family == AF_INET ? "127.0.0.1" : "::1", port) < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, &a.u.sa, a.len) < 0 || listen(fd, backlog) < 0) return -1;
    socklen_t l = sizeof a.u;
    getsockname(fd, &a.u.sa, &l);
    if (out_port) *out_port = weft_addr_port(&a);
    return fd;
}

static int body_eyeballs(void *arg)
{
    (void)arg;
    int fds = wt_count_fds();
    /* only 127.0.0.1 listens: ::1 is refused at once, then IPv4 connects */
    weft_listener *l;
    WT_REQUIRE_EQ(weft_tcp_listen(&l, "127.0.0.1", 0, NULL), 0);
    int port = port_of(l);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, echo_once, l), 0);
    int64_t t0 = wt_wall();
    weft_addr peer;
    WT_EQ(ping("localhost", port, &peer), 0);
    WT_LT(wt_wall() - t0, WEFT_MS(200));
    WT_EQ(peer.u.sa.sa_family, AF_INET);
    WT_EQ(weft_join(t), 0);
    weft_listener_close(l);

    /* ::1 hangs (a full accept queue drops the SYN), 127.0.0.1 answers:
     * the IPv4 attempt starts after the 250 ms head start and wins */
    int p6;
    int l6 = raw_listener(AF_INET6, 0, 0, &p6);
    WT_REQUIRE(l6 >= 0);
    int filler[4];
    weft_addr a6;
    WT_REQUIRE_EQ(weft_addr_parse(&a6, "::1", p6), 0);
    for (int i = 0; i < 4; i++) {
        filler[i] = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        (void)connect(filler[i], &a6.u.sa, a6.len);
    }
    WT_EQ(weft_sleep(WEFT_MS(20)), 0);
    int l4 = raw_listener(AF_INET, p6, 8, NULL);
    WT_REQUIRE(l4 >= 0);
    t0 = wt_wall();
    weft_stream *c;
    WT_EQ(weft_tcp_connect(&c, "localhost", p6), 0);
    int64_t dt = wt_wall() - t0;
    WT_GE(dt, WEFT_MS(240));
    WT_LT(dt, WEFT_MS(1000));
    WT_EQ(weft_stream_peer_addr(c, &peer), 0);
    WT_EQ(peer.u.sa.sa_family, AF_INET);
    WT_EQ(weft_stream_close(c), 0);
    WT_EQ(weft_loop_current()->io_inflight, 0); /* the losing attempt was cancelled */

    /* a deadline shorter than the head start: -ETIMEDOUT, nothing leaks */
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(100)), 0);
    WT_EQ(weft_tcp_connect(&c, "localhost", p6), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(weft_loop_current()->io_inflight, 0);
    for (int i = 0; i < 4; i++) close(filler[i]);
    close(l4);
    close(l6);
    /* nobody listens anywhere: the last error */
    WT_EQ(weft_tcp_connect(&c, "localhost", p6), -ECONNREFUSED);
    WT_EQ(weft_tcp_connect(&c, "127.0.0.1", p6), -ECONNREFUSED);
    /* a name: the resolver may ask only a local port where nobody answers
     * (never the system's resolver); -ENOENT for unknown names against a
     * fake DNS server is test_dns.c's */
#ifdef WEFT_HAVE_CARES
    weft_resolver_options ro = WEFT_RESOLVER_OPTIONS_INIT;
    ro.servers = "127.0.0.1:9";
    ro.tries = 1;
    ro.timeout_ns = WEFT_MS(200);
    WT_REQUIRE_EQ(weft_resolver_configure(&ro), 0);
    WT_EQ(weft_tcp_connect(&c, "no.such.name.invalid", 80), -EAGAIN);
#endif
    WT_EQ(weft_tcp_connect(&c, "127.0.0.1", 70000), -EINVAL);
    WT_EQ(wt_count_fds(), fds);
    return 0;
}

static void test_happy_eyeballs(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_eyeballs, NULL), 0);
}

/* ---- accept: cancellation, deadline, closing the listener ---- */

static int acceptor(void *arg)
{
    weft_listener *l = arg;
    weft_stream *s;
    int rc = weft_tcp_accept(l, &s);
    if (rc == 0) weft_stream_close(s);
    return rc;
}

static int body_accept_interrupt(void *arg)
{
    (void)arg;
    weft_listener *l;
    WT_REQUIRE_EQ(weft_tcp_listen(&l, "127.0.0.1", 0, NULL), 0);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, acceptor, l), 0);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), -ECANCELED);
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(5)), 0);
    WT_EQ(acceptor(l), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    /* the listener still accepts */
    weft_task *e;
    WT_REQUIRE_EQ(weft_spawn(&e, echo_once, l), 0);
    WT_EQ(ping("127.0.0.1", port_of(l), NULL), 0);
    WT_EQ(weft_join(e), 0);
    /* closing it ends an accept in progress */
    WT_REQUIRE_EQ(weft_spawn(&t, acceptor, l), 0);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    weft_listener_close(l);
    WT_EQ(weft_join(t), -EBADF);
    WT_EQ(weft_loop_current()->io_inflight, 0);
    return 0;
}

static void test_accept_interrupt(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_accept_interrupt, NULL), 0);
}

/* ---- EMFILE on accept: the server keeps serving once fds are free ---- */

struct server {
    weft_listener *l;
    int emfile;  /* accepts that failed with EMFILE */
    int served;
    int stop;
    weft_event emfile3; /* set at the third EMFILE */
};

static int serve_one(void *arg)
{
    weft_stream *s = arg;
    char buf[16];
    ssize_t n = weft_stream_read(s, buf, sizeof buf);
    if (n > 0) WEFT_IGNORE(weft_stream_write(s, buf, (size_t)n));
    weft_stream_close(s);
    return 0;
}

static int server_task(void *arg)
{
    struct server *sv = arg;
    while (!sv->stop) {
        weft_stream *s;
        int rc = weft_tcp_accept(sv->l, &s);
        if (rc == -EMFILE) {
            if (++sv->emfile == 3) weft_event_set(&sv->emfile3);
            if (weft_sleep(WEFT_MS(5)) < 0) return 0; /* the server backs off */
            continue;
        }
        if (rc < 0) return rc == -ECANCELED ? 0 : rc;
        sv->served++;
        if (weft_spawn(NULL, serve_one, s) < 0) weft_stream_close(s);
    }
    return 0;
}

static int body_emfile(void *arg)
{
    (void)arg;
    struct server sv = {0};
    weft_event_init(&sv.emfile3);
    WT_REQUIRE_EQ(weft_tcp_listen(&sv.l, "127.0.0.1", 0, NULL), 0);
    weft_addr a;
    WT_REQUIRE_EQ(weft_addr_parse(&a, "127.0.0.1", port_of(sv.l)), 0);
    int cl[3];
    for (int i = 0; i < 3; i++) cl[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct rlimit old, lim;
    getrlimit(RLIMIT_NOFILE, &old);
    lim = old;
    int hog[64], nh = 0;
    lim.rlim_cur = (rlim_t)wt_count_fds() + 16;
    WT_REQUIRE_EQ(setrlimit(RLIMIT_NOFILE, &lim), 0);
    int fd;
    while (nh < 64 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) hog[nh++] = fd;
    WT_REQUIRE(nh < 64);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, server_task, &sv), 0);
    for (int i = 0; i < 3; i++) WT_EQ(connect(cl[i], &a.u.sa, a.len), 0); /* queued */
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_SEC(10)), 0); /* a bound, should it never come */
    WT_EQ(weft_event_wait(&sv.emfile3), 0);
    WT_EQ(weft_deadline_pop(), 0);
    WT_GE(sv.emfile, 3);
    WT_EQ(sv.served, 0);
    for (int i = 0; i < nh; i++) close(hog[i]); /* fds free up */
    setrlimit(RLIMIT_NOFILE, &old);
    for (int i = 0; i < 3; i++) {
        WT_EQ(weft_fd_set_nonblocking(cl[i], 1), 0);
        WT_EQ(weft_fd_write(cl[i], "abc", 3), 3);
        char buf[3] = {0};
        WT_EQ(weft_fd_read(cl[i], buf, 3), 3); /* the server answers */
        WT_EQ(memcmp(buf, "abc", 3), 0);
        WEFT_IGNORE(weft_fd_close(cl[i]));
    }
    WT_EQ(sv.served, 3);
    WT_EQ(ping("127.0.0.1", port_of(sv.l), NULL), 0); /* and new ones */
    sv.stop = 1;
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), 0);
    weft_listener_close(sv.l);
    return 0;
}

static void test_emfile(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_emfile, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_families),     cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_reuseport),    cmocka_unit_test(test_happy_eyeballs),
        cmocka_unit_test(test_accept_interrupt), cmocka_unit_test(test_emfile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
