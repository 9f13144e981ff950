/* weft-test: timeout=120
 * Streams over loopback TCP: echo round trips from 1 B to 16 MiB;
 * read_exactly / read_until / readline and their failure codes; writev;
 * write_eof (half-close); flush backpressure under a deadline; a peer
 * reset while a read is in flight; cancellation and deadlines of reads in
 * flight (the stream stays usable, nothing consumed, no op left in
 * flight, no fd leaked). */
#include "wt.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/loop.h"
#include "io/stream.h"

/* A connected pair over 127.0.0.1: *c the client's end, *s the server's. */
static int pair(weft_stream **c, weft_stream **s)
{
    weft_listener *l;
    WT_REQUIRE_EQ(weft_tcp_listen(&l, "127.0.0.1", 0, NULL), 0);
    weft_addr a;
    WT_REQUIRE_EQ(weft_listener_addr(l, &a), 0);
    WT_REQUIRE_EQ(weft_tcp_connect(c, "127.0.0.1", weft_addr_port(&a)), 0);
    WT_REQUIRE_EQ(weft_tcp_accept(l, s), 0);
    weft_listener_close(l);
    return 0;
}

static unsigned char pat(size_t i) { return (unsigned char)(i * 7 + (i >> 9) + (i >> 17)); }

/* ---- echo round trips, 1 B to 16 MiB ---- */

static int echo_task(void *arg)
{
    weft_stream *s = arg;
    char *buf = malloc(100000);
    ssize_t n;
    while ((n = weft_stream_read(s, buf, 100000)) > 0) {
        if (weft_stream_write(s, buf, (size_t)n) != n || weft_stream_flush(s) < 0) break;
    }
    free(buf);
    return weft_stream_close(s) < 0 || n < 0 ? -1 : 0;
}

struct sender {
    weft_stream *s;
    const unsigned char *data;
    size_t len;
    size_t chunk;
};

static int send_task(void *arg)
{
    struct sender *w = arg;
    for (size_t off = 0; off < w->len; off += w->chunk) {
        size_t n = w->len - off < w->chunk ? w->len - off : w->chunk;
        if (weft_stream_write(w->s, w->data + off, n) != (ssize_t)n) return -1;
        if (weft_stream_flush(w->s) < 0) return -1;
    }
    return 0;
}

static int body_echo(void *arg)
{
    (void)arg;
    int fds = wt_count_fds();
    weft_stream *c, *s;
    WT_REQUIRE_EQ(pair(&c, &s), 0);
    weft_task *et;
    WT_REQUIRE_EQ(weft_spawn(&et, echo_task, s), 0);
    static const size_t sizes[] = {1, 2, 100, 1024, 4096, 65535, 65536, 65537, 1 << 20, 16 << 20};
    size_t max = 16 << 20;
    unsigned char *data = malloc(max), *back = malloc(max);
    for (size_t i = 0; i < max; i++) data[i] = pat(i);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t len = sizes[k];
        struct sender w = {c, data, len, len > 300000 ? 300000 : len};
        weft_task *st;
        WT_REQUIRE_EQ(weft_spawn(&st, send_task, &w), 0);
        memset(back, 0, len);
        WT_EQ(weft_stream_read_exactly(c, back, len), 0);
        WT_EQ(weft_join(st), 0);
        if (!WT_EQ(memcmp(back, data, len), 0)) fprintf(stderr, "size %zu differs\n", len);
    }
    WT_EQ(weft_stream_write_eof(c), 0);
    char x;
    WT_EQ(weft_stream_read(c, &x, 1), 0); /* the echo task closed after our EOF */
    WT_EQ(weft_join(et), 0);
    WT_EQ(weft_stream_close(c), 0);
    free(data);
    free(back);
    WT_EQ(weft_loop_current()->io_inflight, 0);
    WT_EQ(wt_count_fds(), fds);
    return 0;
}

static void test_echo_sizes(void **st)
{
    (void)st;
    assert_int_equal(wt_run(body_echo, NULL), 0);
}

/* ---- reading: exactly, until, readline ---- */

struct script {
    weft_stream *s;
    const char *parts[8]; /* written one by one, 5 ms apart; then the stream is closed */
};

static int script_task(void *arg)
{
    struct script *sc = arg;
    for (int i = 0; sc->parts[i]; i++) {
        if (weft_stream_write(sc->s, sc->parts[i], strlen(sc->parts[i])) < 0) return -1;
        if (weft_stream_flush(sc->s) < 0) return -1;
        if (weft_sleep(WEFT_MS(5)) < 0) return -1;
    }
    return weft_stream_close(sc->s);
}

static int body_reads(void *arg)
{
    (void)arg;
    weft_stream *c, *s;
    char buf[64];
    /* read_exactly: the stream ends after 5 of 10 bytes */
    WT_REQUIRE_EQ(pair(&c, &s), 0);
    struct script sc1 = {s, {"12", "345", NULL}};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, script_task, &sc1), 0);
    WT_EQ(weft_stream_read_exactly(c, buf, 10), WEFT_EOF);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_stream_close(c), 0);

    /* read_until across segments, a delimiter split between two of them,
     * the limit (data stays buffered), then EOF before a delimiter */
    WT_REQUIRE_EQ(pair(&c, &s), 0);
    struct script sc2 = {s, {"ab", "c\r", "\nxyz", "123456", "tail", NULL}};
    WT_REQUIRE_EQ(weft_spawn(&t, script_task, &sc2), 0);
    WT_EQ(weft_stream_read_until(c, "\r\n", 2, buf, sizeof buf), 5);
    WT_EQ(memcmp(buf, "abc\r\n", 5), 0);
    WT_EQ(weft_stream_read_until(c, "\r\n", 2, buf, 6), WEFT_ELIMIT);
    WT_EQ(weft_stream_read(c, buf, 3), 3); /* nothing was consumed */
    WT_EQ(memcmp(buf, "xyz", 3), 0);
    WT_EQ(weft_stream_read_until(c, "\r\n", 2, buf, sizeof buf), WEFT_EOF);
    WT_EQ(weft_stream_read_exactly(c, buf, 10), 0);
    WT_EQ(memcmp(buf, "123456tail", 10), 0);
    WT_EQ(weft_stream_read(c, buf, 1), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_stream_close(c), 0);

    /* readline: lines, an over-long line, the unterminated last line, EOF */
    WT_REQUIRE_EQ(pair(&c, &s), 0);
    struct script sc3 = {s, {"one\ntw", "o\n", "0123456789abcdef\n", "last", NULL}};
    WT_REQUIRE_EQ(weft_spawn(&t, script_task, &sc3), 0);
    WT_EQ(weft_stream_readline(c, buf, sizeof buf), 4);
    WT_EQ(strcmp(buf, "one\n"), 0);
    WT_EQ(weft_stream_readline(c, buf, sizeof buf), 4);
    WT_EQ(strcmp(buf, "two\n"), 0);
    WT_EQ(weft_stream_readline(c, buf, 10), WEFT_ELIMIT);
    WT_EQ(weft_stream_readline(c, buf, sizeof buf), 17);
    WT_EQ(weft_stream_readline(c, buf, sizeof buf), 4);
    WT_EQ(strcmp(buf, "last"), 0);
    WT_EQ(weft_stream_readline(c, buf, sizeof buf), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_stream_close(c), 0);
    return 0;
}

static void test_reads(void **st)
{
    (void)st;
    assert_int_equal(wt_run(body_reads, NULL), 0);
}

/* ---- writev and write_eof: a half-closed connection still reads ---- */

static int pong_task(void *arg)
{
    weft_stream *s = arg;
    char buf[64];
    size_t got = 0;
    ssize_t n;
    while ((n = weft_stream_read(s, buf + got, sizeof buf - got)) > 0) got += (size_t)n;
    if (n < 0 || got != 11 || memcmp(buf, "ping-ping!!", 11) != 0) return -1;
    if (weft_stream_write(s, "pong", 4) != 4) return -1;
    return weft_stream_close(s);
}

static int body_half_close(void *arg)
{
    (void)arg;
    weft_stream *c, *s;
    WT_REQUIRE_EQ(pair(&c, &s), 0);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, pong_task, s), 0);
    struct iovec v[3] = {{"ping", 4}, {"-", 1}, {"ping!!", 6}};
    WT_EQ(weft_stream_writev(c, v, 3), 11);
    WT_EQ(weft_stream_write_eof(c), 0);
    char buf[8];
    WT_EQ(weft_stream_read_exactly(c, buf, 4), 0);
    WT_EQ(memcmp(buf, "pong", 4), 0);
    WT_EQ(weft_stream_read(c, buf, sizeof buf), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_stream_close(c), 0);
    return 0;
}

static void test_half_close(void **st)
{
    (void)st;
    assert_int_equal(wt_run(body_half_close, NULL), 0);
}

/* ---- flush waits while the peer does not read; a deadline cuts it
 * short and keeps the data queued; everything arrives once it reads ---- */

struct drain {
    weft_stream *s;
    size_t len;
    size_t got;
    int ok;
};

static int drain_task(void *arg)
{
    struct drain *d = arg;
    char *buf = malloc(65536);
    ssize_t n;
    d->ok = 1;
    while ((n = weft_stream_read(d->s, buf, 65536)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            if ((unsigned char)buf[i] != pat(d->got + (size_t)i)) d->ok = 0;
        d->got += (size_t)n;
    }
    free(buf);
    weft_stream_close(d->s);
    return n < 0 ? (int)n : 0;
}

static int body_backpressure(void *arg)
{
    (void)arg;
    weft_stream *c, *s;
    WT_REQUIRE_EQ(pair(&c, &s), 0);
    size_t len = 8 << 20;
    unsigned char *data = malloc(len);
    for (size_t i = 0; i < len; i++) data[i] = pat(i);
    int64_t t0 = wt_wall();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(50)), 0);
    /* a large write waits for the kernel; past the deadline it queues the rest */
    WT_EQ(weft_stream_write(c, data, len), (ssize_t)len);
    size_t q = weft_stream_write_queued(c);
    WT_GT(q, 64 * 1024);
    WT_EQ(weft_stream_flush(c), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    WT_GE(wt_wall() - t0, WEFT_MS(50));
    WT_EQ(weft_stream_write_queued(c), q); /* nothing dropped, nothing sent */
    free(data);                            /* the queue is a copy */
    struct drain d = {s, len, 0, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, drain_task, &d), 0);
    weft_stream_set_write_limit(c, 0);
    WT_EQ(weft_stream_flush(c), 0);
    WT_EQ(weft_stream_write_queued(c), 0);
    WT_EQ(weft_stream_close(c), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(d.got, len);
    WT_EQ(d.ok, 1);
    return 0;
}

static void test_backpressure(void **st)
{
    (void)st;
    assert_int_equal(wt_run(body_backpressure, NULL), 0);
}

/* ---- a reset while a read is in flight ---- */

static int reader_task(void *arg)
{
    weft_stream *c = arg;
    char buf[16];
    return (int)weft_stream_read(c, buf, sizeof buf);
}

static int body_reset(void *arg)
{
    (void)arg;
    weft_stream *c, *s;
    WT_REQUIRE_EQ(pair(&c, &s), 0);
    WT_EQ(weft_stream_write(s, "abc", 3), 3);
    WT_EQ(weft_stream_flush(s), 0);
    char buf[3];
    WT_EQ(weft_stream_read_exactly(c, buf, 3), 0);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, reader_task, c), 0);
    WT_EQ(weft_sleep(WEFT_MS(10)), 0); /* the reader is parked in its recv */
    struct linger lg = {1, 0};         /* close with RST */
    WT_EQ(setsockopt(weft_stream_fd(s), SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    WT_EQ(weft_stream_close(s), 0);
    WT_EQ(weft_join(t), -ECONNRESET);
    WT_EQ(weft_stream_read(c, buf, 1), -ECONNRESET); /* sticky */
    ssize_t w = weft_stream_write(c, "x", 1);
    WT_CHECK(w == 1 || w == -EPIPE || w == -ECONNRESET);
    int rc = weft_stream_close(c);
    WT_CHECK(rc == 0 || rc == -EPIPE || rc == -ECONNRESET);
    return 0;
}

static void test_peer_reset(void **st)
{
    (void)st;
    assert_int_equal(wt_run(body_reset, NULL), 0);
}

/* ---- cancellation and deadlines with reads in flight ---- */

static int body_cancel_read(void *arg)
{
    (void)arg;
    int fds = wt_count_fds();
    weft_stream *c, *s;
    WT_REQUIRE_EQ(pair(&c, &s), 0);
    weft_loop *L = weft_loop_current();
    for (int i = 0; i < 20; i++) { /* cancel a read in flight, again and again */
        weft_task *t;
        WT_REQUIRE_EQ(weft_spawn(&t, reader_task, c), 0);
        WT_EQ(weft_sleep(WEFT_MS(1)), 0);
        WT_EQ(L->io_inflight, 1);
        WT_EQ(weft_cancel(t), 0);
        WT_EQ(weft_join(t), -ECANCELED);
        WT_EQ(L->io_inflight, 0);
    }
    /* a deadline in the reading task itself */
    char buf[8];
    int64_t t0 = wt_wall();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(20)), 0);
    WT_EQ(weft_stream_read(c, buf, sizeof buf), -ETIMEDOUT);
    WT_GE(wt_wall() - t0, WEFT_MS(20));
    WT_EQ(weft_stream_read_until(c, "\n", 1, buf, sizeof buf), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(L->io_inflight, 0);
    /* nothing was consumed or lost: the stream still works both ways */
    WT_EQ(weft_stream_write(s, "hi\n", 3), 3);
    WT_EQ(weft_stream_flush(s), 0);
    WT_EQ(weft_stream_readline(c, buf, sizeof buf), 3);
    WT_EQ(strcmp(buf, "hi\n"), 0);
    WT_EQ(weft_stream_close(s), 0);
    WT_EQ(weft_stream_read(c, buf, sizeof buf), 0);
    WT_EQ(weft_stream_close(c), 0);
    WT_EQ(wt_count_fds(), fds);
    return 0;
}

static void test_cancel_read(void **st)
{
    (void)st;
    assert_int_equal(wt_run(body_cancel_read, NULL), 0);
}

/* ---- a cancelled task's stream calls fail at once; close still works ---- */

static int cancelled_user(void *arg)
{
    weft_stream *c = arg;
    char b;
    if (weft_sleep(WEFT_SEC(10)) != -ECANCELED) return -1;
    if (weft_stream_read(c, &b, 1) != -ECANCELED) return -2;
    if (weft_stream_flush(c) != -ECANCELED) return -3;
    if (weft_stream_write(c, "q", 1) != 1) return -4; /* not a cancellation point */
    /* close still closes; a byte still queued (not sent at once) is dropped */
    int rc = weft_stream_close(c);
    return rc == 0 || rc == -ECANCELED ? 0 : -5;
}

static int body_cancelled_calls(void *arg)
{
    (void)arg;
    weft_stream *c, *s;
    WT_REQUIRE_EQ(pair(&c, &s), 0);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, cancelled_user, c), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), 0);
    char b;
    ssize_t n = weft_stream_read(s, &b, 1); /* the byte may or may not have gone out */
    WT_CHECK(n == 0 || (n == 1 && b == 'q'));
    WT_EQ(weft_stream_close(s), 0);
    WT_EQ(weft_loop_current()->io_inflight, 0);
    return 0;
}

static void test_cancelled_calls(void **st)
{
    (void)st;
    assert_int_equal(wt_run(body_cancelled_calls, NULL), 0);
}

/* ---- io_uring multishot receives (opt-in): the same behaviour ---- */

struct lag {
    weft_stream *s;
    int n;
};

static int small_writes(void *arg)
{
    struct lag *l = arg;
    char buf[1000];
    for (int i = 0; i < l->n; i++) {
        for (size_t k = 0; k < sizeof buf; k++) buf[k] = (char)pat((size_t)i * sizeof buf + k);
        if (weft_stream_write(l->s, buf, sizeof buf) != (ssize_t)sizeof buf) return -1;
        if (weft_stream_flush(l->s) < 0) return -1;
        if (i % 16 == 0 && weft_sleep(WEFT_US(100)) < 0) return -1; /* separate arrivals */
    }
    return 0;
}

static int body_lagging_reader(void *arg)
{
    (void)arg;
    int multi = strcmp(weft_backend_name(), "io_uring") == 0; /* multishot expected */
    WT_EQ(!!(weft_loop_current()->be_caps & WEFT__CAP_RECV_MULTI), multi);
    weft_stream *c, *s;
    WT_REQUIRE_EQ(pair(&c, &s), 0);
    WT_EQ(strcmp(s->tp->name, multi ? "fd+multishot" : "fd"), 0);
    char b;
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(1)), 0); /* arms the multishot receive */
    WT_EQ(weft_stream_read(s, &b, 1), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    struct lag l = {c, 400};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, small_writes, &l), 0);
    WT_EQ(weft_sleep(WEFT_MS(30)), 0); /* chunks pile up; the multishot pauses */
    size_t len = (size_t)l.n * 1000;
    unsigned char *got = malloc(len);
    WT_EQ(weft_stream_read_exactly(s, got, len), 0);
    size_t bad = 0;
    for (size_t i = 0; i < len; i++) bad += got[i] != pat(i);
    WT_EQ(bad, 0);
    free(got);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_stream_write(c, "end", 3), 3); /* left queued in chunks at close */
    WT_EQ(weft_stream_flush(c), 0);
    WT_EQ(weft_sleep(WEFT_MS(2)), 0);
    WT_EQ(weft_stream_close(c), 0);
    WT_EQ(weft_stream_close(s), 0);
    WT_EQ(weft_loop_current()->io_inflight, 0);
    return 0;
}

/* WEFT_URING_MULTISHOT=1: on io_uring streams receive through the
 * multishot transport and behave exactly as with plain receives; on epoll
 * the setting means nothing: plain receives, and the same behaviour. */
static void test_multishot(void **st)
{
    (void)st;
    setenv("WEFT_URING_MULTISHOT", "1", 1);
    assert_int_equal(wt_run(body_lagging_reader, NULL), 0);
    assert_int_equal(wt_run(body_echo, NULL), 0);
    assert_int_equal(wt_run(body_reads, NULL), 0);
    assert_int_equal(wt_run(body_half_close, NULL), 0);
    assert_int_equal(wt_run(body_reset, NULL), 0);
    assert_int_equal(wt_run(body_cancel_read, NULL), 0);
    assert_int_equal(wt_run(body_cancelled_calls, NULL), 0);
    unsetenv("WEFT_URING_MULTISHOT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_sizes),   cmocka_unit_test(test_reads),
        cmocka_unit_test(test_half_close),   cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_peer_reset),   cmocka_unit_test(test_cancel_read),
        cmocka_unit_test(test_cancelled_calls), cmocka_unit_test(test_multishot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
