/* weft-test: threads timeout=120 needs=net
 * Name resolution against a fake DNS server on loopback (a thread in this
 * test answering A/AAAA/NXDOMAIN/SERVFAIL from a table, or never): the
 * system's resolver is never asked. "localhost" and numeric addresses
 * resolve without a query; known names, families, unknown names, server
 * failure, a server that never answers (c-ares's timeout, and a deadline
 * scope around the call), cancellation mid-query, concurrent lookups, a
 * hosts file (the test's own, through $CARES_HOSTS) and the getaddrinfo
 * fallback, configuration errors, and TCP
 * connect to a name (weft__resolve now uses the resolver). */
#include "wt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/loop.h"

/* ------------------------------------------------------ the fake server */

struct record {
    const char *name;
    int type; /* 1 A, 28 AAAA */
    const char *addr;
};

static const struct record table[] = {
    {"known.test", 1, "10.1.2.3"},     {"known.test", 28, "fd00::1"},
    {"known.test", 1, "10.1.2.4"},     {"v4only.test", 1, "10.0.0.7"},
    {"loop.test", 1, "127.0.0.1"},
};

static struct server {
    int fd;
    int port;
    int stop;
    int queries;  /* every query received */
    int answered; /* ... and answered */
    pthread_t th;
} srv;

/* The counters are flags (wt.h): a task can wait for the server to see a
 * query without polling. */
static int sload(const int *p) { return wt_flag_get(p); }
static void sadd(int *p) { wt_flag_add(p, 1); }

/* Reads the question's name (labels, no compression) into name; returns
 * the offset just past it, or -1. */
static int read_qname(const unsigned char *q, int len, char *name, size_t cap)
{
    int off = 12;
    size_t k = 0;
    while (off < len && q[off]) {
        int l = q[off++];
        if (l > 63 || off + l > len || k + (size_t)l + 2 > cap) return -1;
        if (k) name[k++] = '.';
        memcpy(name + k, q + off, (size_t)l);
        k += (size_t)l;
        off += l;
    }
    name[k] = 0;
    return off < len ? off + 1 : -1;
}

static void answer(const unsigned char *q, int len, struct sockaddr_in *from, socklen_t fl)
{
    char name[256];
    int off = read_qname(q, len, name, sizeof name);
    if (off < 0 || off + 4 > len) return;
    int qtype = q[off] << 8 | q[off + 1];
    int qend = off + 4;
    size_t nlen = strlen(name);
    if (nlen && name[nlen - 1] == '.') name[nlen - 1] = 0;
    if (strcasecmp(name, "silent.test") == 0) return; /* never answers */
    unsigned char r[512];
    memcpy(r, q, (size_t)qend);
    int rcode = 0, an = 0, pos = qend, exists = 0;
    if (strcasecmp(name, "fail.test") == 0) rcode = 2; /* SERVFAIL */
    for (size_t i = 0; !rcode && i < sizeof table / sizeof table[0]; i++) {
        if (strcasecmp(table[i].name, name) != 0) continue;
        exists = 1;
        if (table[i].type != qtype) continue;
        unsigned char rd[16];
        int rdlen = qtype == 1 ? 4 : 16;
        inet_pton(qtype == 1 ? AF_INET : AF_INET6, table[i].addr, rd);
        unsigned char rr[12] = {0xc0, 0x0c, 0, (unsigned char)qtype, 0, 1, 0, 0, 0, 60, 0,
                                (unsigned char)rdlen};
        memcpy(r + pos, rr, sizeof rr);
        memcpy(r + pos + sizeof rr, rd, (size_t)rdlen);
        pos += (int)sizeof rr + rdlen;
        an++;
    }
    if (!rcode && !exists) rcode = 3; /* NXDOMAIN */
    r[2] = (unsigned char)(0x80 | (q[2] & 0x01)); /* QR, RD copied */
    r[3] = (unsigned char)(0x80 | rcode);         /* RA */
    r[4] = 0;
    r[5] = 1;
    r[6] = 0;
    r[7] = (unsigned char)an;
    memset(r + 8, 0, 4);
    if (sendto(srv.fd, r, (size_t)pos, 0, (struct sockaddr *)from, fl) == pos) sadd(&srv.answered);
}

static void *server_main(void *p)
{
    (void)p;
    while (!sload(&srv.stop)) {
        struct pollfd pf = {srv.fd, POLLIN, 0};
        if (poll(&pf, 1, 20) <= 0) continue;
        unsigned char q[512];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(srv.fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
        if (n < 12) continue;
        sadd(&srv.queries);
        answer(q, (int)n, &from, fl);
    }
    return NULL;
}

static int server_start(void **s)
{
    (void)s;
    srv.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&a, sizeof a) < 0) return -1;
    socklen_t al = sizeof a;
    getsockname(srv.fd, (struct sockaddr *)&a, &al);
    srv.port = ntohs(a.sin_port);
    return pthread_create(&srv.th, NULL, server_main, NULL) == 0 ? 0 : -1;
}

static int server_stop(void **s)
{
    (void)s;
    wt_flag_set(&srv.stop, 1);
    pthread_join(srv.th, NULL);
    close(srv.fd);
    return 0;
}

/* Points the loop's resolver at the fake server. */
static int use_fake(int64_t timeout_ns, int tries)
{
    char servers[64];
    snprintf(servers, sizeof servers, "127.0.0.1:%d", srv.port);
    weft_resolver_options o = WEFT_RESOLVER_OPTIONS_INIT;
    o.servers = servers;
    o.timeout_ns = timeout_ns;
    o.tries = tries;
    return weft_resolver_configure(&o);
}

static int has_addr(const weft_addr *a, int n, const char *text)
{
    for (int i = 0; i < n; i++) {
        char buf[WEFT_ADDR_STRLEN];
        if (weft_addr_format(&a[i], buf, sizeof buf) < 0) continue;
        if (strcmp(buf, text) == 0) return 1;
    }
    return 0;
}

/* --------------------------------------------------- localhost, numeric */

static int local_body(void *arg)
{
    (void)arg;
    WT_REQUIRE_EQ(use_fake(0, 0), 0);
    int q0 = sload(&srv.queries);
    weft_addr a[8];
    int n = weft_resolve("localhost", 80, AF_UNSPEC, a, 8);
    WT_EQ(n, 2);
    WT_EQ(a[0].u.sa.sa_family, AF_INET6);
    WT_CHECK(has_addr(a, n, "[::1]:80"));
    WT_CHECK(has_addr(a, n, "127.0.0.1:80"));
    WT_EQ(weft_resolve("localhost", 80, AF_INET, a, 8), 1);
    WT_CHECK(has_addr(a, 1, "127.0.0.1:80"));
    WT_EQ(weft_resolve("LOCALHOST.", 81, AF_INET6, a, 8), 1);
    WT_CHECK(has_addr(a, 1, "[::1]:81"));
    WT_EQ(weft_resolve("10.9.8.7", 53, AF_UNSPEC, a, 8), 1);
    WT_CHECK(has_addr(a, 1, "10.9.8.7:53"));
    WT_EQ(weft_resolve("::1", 7, AF_UNSPEC, a, 8), 1);
    WT_EQ(weft_resolve("10.9.8.7", 53, AF_INET6, a, 8), -ENOENT); /* wrong family */
    WT_EQ(weft_resolve("localhost", 80, AF_UNSPEC, a, 1), 1);         /* max honoured */
    WT_EQ(sload(&srv.queries), q0);                                   /* no query sent */
    WT_EQ(weft_resolve(NULL, 80, AF_UNSPEC, a, 8), -EINVAL);
    WT_EQ(weft_resolve("x.test", 70000, AF_UNSPEC, a, 8), -EINVAL);
    WT_EQ(weft_resolve("x.test", 80, AF_UNIX, a, 8), -EINVAL);
    return 0;
}

static void test_localhost_and_numeric(void **s)
{
    (void)s;
    assert_int_equal(wt_run(local_body, NULL), 0);
}

/* ------------------------------------------------- names from the table */

static int known_body(void *arg)
{
    (void)arg;
    WT_REQUIRE_EQ(use_fake(0, 0), 0);
    int q0 = sload(&srv.queries);
    weft_addr a[8];
    int n = weft_resolve("known.test", 443, AF_UNSPEC, a, 8);
    WT_EQ(n, 3);
    WT_CHECK(has_addr(a, n, "10.1.2.3:443"));
    WT_CHECK(has_addr(a, n, "10.1.2.4:443"));
    WT_CHECK(has_addr(a, n, "[fd00::1]:443"));
    /* families alternate from the first (RFC 8305) */
    if (n == 3) WT_NE(a[0].u.sa.sa_family, a[1].u.sa.sa_family);
    WT_GT(sload(&srv.queries), q0); /* the server was asked */
    n = weft_resolve("known.test", 1, AF_INET, a, 8);
    WT_EQ(n, 2);
    WT_CHECK(has_addr(a, n, "10.1.2.3:1"));
    n = weft_resolve("known.test", 2, AF_INET6, a, 8);
    WT_EQ(n, 1);
    WT_CHECK(has_addr(a, n, "[fd00::1]:2"));
    WT_EQ(weft_resolve("KNOWN.test.", 3, AF_INET, a, 1), 1);
    WT_EQ(weft_resolve("v4only.test", 4, AF_UNSPEC, a, 8), 1);
    WT_CHECK(has_addr(a, 1, "10.0.0.7:4"));
    WT_EQ(weft_resolve("v4only.test", 4, AF_INET6, a, 8), -ENOENT); /* no data */
    WT_EQ(weft_resolve("unknown.test", 4, AF_UNSPEC, a, 8), -ENOENT);
    WT_EQ(weft_resolve("fail.test", 4, AF_UNSPEC, a, 8), -EAGAIN);
    return 0;
}

static void test_known_unknown_failed(void **s)
{
    (void)s;
    assert_int_equal(wt_run(known_body, NULL), 0);
}

/* ------------------------------------------------------------- timeouts */

static int timeout_body(void *arg)
{
    (void)arg;
    WT_REQUIRE_EQ(use_fake(WEFT_MS(100), 1), 0);
    weft_addr a[4];
    int64_t t0 = wt_wall();
    WT_EQ(weft_resolve("silent.test", 80, AF_INET, a, 4), -EAGAIN); /* no answer */
    int64_t dt = wt_wall() - t0;
    WT_GE(dt, WEFT_MS(90));
    WT_LT(dt, WEFT_SEC(10));
    /* a deadline scope cuts a slow lookup short, with -ETIMEDOUT */
    WT_REQUIRE_EQ(use_fake(WEFT_SEC(30), 1), 0);
    t0 = wt_wall();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(50)), 0);
    WT_EQ(weft_resolve("silent.test", 80, AF_UNSPEC, a, 4), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    dt = wt_wall() - t0;
    WT_GE(dt, WEFT_MS(45));
    WT_LT(dt, WEFT_SEC(5));
    /* the channel is still busy with the abandoned query */
    WT_EQ(use_fake(0, 0), -EBUSY);
    /* and still answers others */
    WT_EQ(weft_resolve("known.test", 80, AF_INET, a, 4), 2);
    return 0; /* the loop ends with the abandoned query in flight */
}

static void test_timeouts(void **s)
{
    (void)s;
    assert_int_equal(wt_run(timeout_body, NULL), 0);
}

/* ---------------------------------------------------- cancel mid-query */

static int resolve_silent(void *arg)
{
    weft_addr a[4];
    int *rc = arg;
    *rc = weft_resolve("silent.test", 80, AF_INET, a, 4);
    return 0;
}

static int cancel_body(void *arg)
{
    (void)arg;
    WT_REQUIRE_EQ(use_fake(WEFT_SEC(30), 1), 0);
    int q0 = sload(&srv.queries);
    int rc = 1;
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, resolve_silent, &rc), 0);
    WT_EQ(wt_flag_wait_task(&srv.queries, q0 + 1), 0); /* the query is at the server */
    int64_t t0 = wt_wall();
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(rc, -ECANCELED);
    WT_LT(wt_wall() - t0, WEFT_MS(500)); /* at once, not after c-ares's 30 s */
    weft_addr a[4];
    WT_EQ(weft_resolve("known.test", 80, AF_INET6, a, 4), 1);
    return 0;
}

static void test_cancel_mid_query(void **s)
{
    (void)s;
    assert_int_equal(wt_run(cancel_body, NULL), 0);
}

/* ------------------------------------------------- concurrent lookups */

enum { CONC = 24 };

struct lookup {
    const char *name;
    int expect;
    int rc;
};

static int lookup_task(void *p)
{
    struct lookup *l = p;
    weft_addr a[8];
    l->rc = weft_resolve(l->name, 80, AF_UNSPEC, a, 8);
    return l->rc == l->expect ? 0 : -1;
}

static int concurrent_body(void *arg)
{
    (void)arg;
    WT_REQUIRE_EQ(use_fake(0, 0), 0);
    static struct lookup ls[CONC];
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    for (int i = 0; i < CONC; i++) {
        ls[i].name = i % 3 == 0 ? "known.test" : i % 3 == 1 ? "v4only.test" : "nope.test";
        ls[i].expect = i % 3 == 0 ? 3 : i % 3 == 1 ? 1 : -ENOENT;
        WT_REQUIRE_EQ(weft_group_spawn(g, NULL, lookup_task, &ls[i]), 0);
    }
    WT_EQ(weft_group_wait(g), 0);
    for (int i = 0; i < CONC; i++) WT_EQ(ls[i].rc, ls[i].expect);
    weft_group_free(g);
    return 0;
}

static void test_concurrent(void **s)
{
    (void)s;
    assert_int_equal(wt_run(concurrent_body, NULL), 0);
}

/* ------------------------------------------- hosts files and the fallback */

/* The test's own hosts file, which c-ares reads instead of /etc/hosts
 * while $CARES_HOSTS names it (set around the run). */
static char hosts_path[64];

static int write_hosts(void)
{
    snprintf(hosts_path, sizeof hosts_path, "/tmp/weft-test-hosts-XXXXXX");
    int fd = mkstemp(hosts_path);
    if (fd < 0) return -1;
    static const char text[] = "# weft test_dns\n"
                               "10.20.30.40   hosts-only.test  alias-only\n"
                               "fd00::40      hosts-only.test\n";
    ssize_t n = write(fd, text, sizeof text - 1);
    close(fd);
    return n == (ssize_t)sizeof text - 1 ? 0 : -1;
}

/* A name of /etc/hosts (IPv4, not localhost, which weft answers itself)
 * and its address, or NULL: what the getaddrinfo fallback (NSS "files")
 * knows without any network. */
static const char *etc_hosts_name(char *buf, size_t cap, char *addr, size_t acap)
{
    FILE *f = fopen("/etc/hosts", "r");
    if (!f) return NULL;
    char line[512];
    const char *found = NULL;
    while (!found && fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *save, *ip = strtok_r(line, " \t\n", &save);
        if (!ip || !strchr(ip, '.')) continue; /* IPv4 entries only */
        char *name;
        while ((name = strtok_r(NULL, " \t\n", &save))) {
            if (strcasecmp(name, "localhost") == 0 || strcasecmp(name, "localhost.") == 0) continue;
            snprintf(buf, cap, "%s", name);
            snprintf(addr, acap, "%s", ip);
            found = buf;
            break;
        }
    }
    fclose(f);
    return found;
}

static int hosts_body(void *arg)
{
    (void)arg;
    /* c-ares answers from the hosts file itself: no query */
    WT_REQUIRE_EQ(use_fake(0, 0), 0);
    int q0 = sload(&srv.queries);
    weft_addr a[8];
    int n = weft_resolve("hosts-only.test", 80, AF_UNSPEC, a, 8);
    WT_EQ(n, 2);
    WT_CHECK(has_addr(a, n > 0 ? n : 0, "10.20.30.40:80"));
    WT_CHECK(has_addr(a, n > 0 ? n : 0, "[fd00::40]:80"));
    WT_EQ(weft_resolve("alias-only", 81, AF_INET, a, 8), 1);
    WT_CHECK(has_addr(a, 1, "10.20.30.40:81"));
    WT_EQ(weft_resolve("HOSTS-ONLY.test", 82, AF_INET6, a, 8), 1);
    WT_CHECK(has_addr(a, 1, "[fd00::40]:82"));
    WT_EQ(sload(&srv.queries), q0);

    /* without the hosts file c-ares asks the server (NXDOMAIN), and with
     * servers of its own the resolver does not fall back */
    char servers[64];
    snprintf(servers, sizeof servers, "127.0.0.1:%d", srv.port);
    weft_resolver_options o = WEFT_RESOLVER_OPTIONS_INIT;
    o.servers = servers;
    o.hosts_file = 0;
    WT_REQUIRE_EQ(weft_resolver_configure(&o), 0);
    WT_EQ(weft_resolve("hosts-only.test", 80, AF_INET, a, 8), -ENOENT);
    WT_GT(sload(&srv.queries), q0);
    /* "127.1" is no address to weft or c-ares (not dotted-quad): DNS is
     * asked and says NXDOMAIN; getaddrinfo reads it as 127.0.0.1 (inet_aton)
     * without any network, so it tells whether the fallback ran */
    int q1 = sload(&srv.queries);
    WT_EQ(weft_resolve("127.1", 80, AF_INET, a, 8), -ENOENT); /* no fallback with own servers */
    WT_GT(sload(&srv.queries), q1);
    o.fallback = 1;
    WT_REQUIRE_EQ(weft_resolver_configure(&o), 0);
    int q2 = sload(&srv.queries);
    n = weft_resolve("127.1", 80, AF_INET, a, 8);
    WT_EQ(n, 1);
    WT_CHECK(has_addr(a, n > 0 ? n : 0, "127.0.0.1:80"));
    WT_GT(sload(&srv.queries), q2); /* DNS first, then the fallback */

    /* and NSS "files" through the fallback, when /etc/hosts names more
     * than localhost (it reads /etc/hosts, not $CARES_HOSTS) */
    char name[256], ip[64], want[96];
    if (etc_hosts_name(name, sizeof name, ip, sizeof ip)) {
        snprintf(want, sizeof want, "%s:80", ip);
        n = weft_resolve(name, 80, AF_INET, a, 8);
        WT_GE(n, 1);
        WT_CHECK(has_addr(a, n > 0 ? n : 0, want));
    } else {
        fprintf(stderr, "note: /etc/hosts names only localhost: NSS files not exercised\n");
    }
    return 0;
}

static void test_hosts_and_fallback(void **s)
{
    (void)s;
    assert_int_equal(write_hosts(), 0);
    setenv("CARES_HOSTS", hosts_path, 1);
    int rc = wt_run(hosts_body, NULL);
    unsetenv("CARES_HOSTS");
    unlink(hosts_path);
    assert_int_equal(rc, 0);
}

/* ------------------------------------------------------- configuration */

static int config_body(void *arg)
{
    (void)arg;
    weft_resolver_options o = WEFT_RESOLVER_OPTIONS_INIT;
    o.servers = "not an address";
    WT_EQ(weft_resolver_configure(&o), -EINVAL);
    o.servers = NULL;
    o.timeout_ns = -1;
    WT_EQ(weft_resolver_configure(&o), -EINVAL);
    /* the failed calls left the working configuration in place */
    WT_REQUIRE_EQ(use_fake(0, 0), 0);
    weft_addr a[4];
    WT_EQ(weft_resolve("v4only.test", 80, AF_UNSPEC, a, 4), 1);
    return 0;
}

static void test_configuration(void **s)
{
    (void)s;
    assert_int_equal(wt_run(config_body, NULL), 0);
    weft_resolver_options o = WEFT_RESOLVER_OPTIONS_INIT;
    assert_int_equal(weft_resolver_configure(&o), -EINVAL); /* outside a loop */
}

/* ------------------------------------------- connect to a name (TCP) */

static int accept_one(void *arg)
{
    weft_listener *l = arg;
    weft_stream *s;
    int rc = weft_tcp_accept(l, &s);
    if (rc < 0) return rc;
    return weft_stream_close(s);
}

static int connect_body(void *arg)
{
    (void)arg;
    WT_REQUIRE_EQ(use_fake(0, 0), 0);
    weft_listener *l;
    WT_REQUIRE_EQ(weft_tcp_listen(&l, "127.0.0.1", 0, NULL), 0);
    weft_addr la;
    WT_REQUIRE_EQ(weft_listener_addr(l, &la), 0);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, accept_one, l), 0);
    weft_stream *c;
    WT_EQ(weft_tcp_connect(&c, "loop.test", weft_addr_port(&la)), 0);
    WT_EQ(weft_stream_close(c), 0);
    WT_EQ(weft_join(t), 0);
    weft_listener_close(l);
    WT_EQ(weft_tcp_connect(&c, "unknown.test", 80), -ENOENT);
    return 0;
}

static void test_tcp_connect_by_name(void **s)
{
    (void)s;
    assert_int_equal(wt_run(connect_body, NULL), 0);
}

int main(void)
{
#ifndef WEFT_HAVE_CARES
    return WT_SKIP; /* built without c-ares: no way to point lookups at the fake server */
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_localhost_and_numeric),
        cmocka_unit_test(test_known_unknown_failed),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_cancel_mid_query),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_hosts_and_fallback),
        cmocka_unit_test(test_configuration),
        cmocka_unit_test(test_tcp_connect_by_name),
    };
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
