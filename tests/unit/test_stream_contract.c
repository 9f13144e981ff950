/* weft-test: timeout=120
 * The stream contract, one suite over every transport: a TCP connection,
 * a Unix socket connection, a socketpair, a pipe and the in-process
 * weft_stream_pair (TLS joins when it exists). Each case gets a fresh
 * (w, r) couple where bytes written to w arrive at r:
 *   read            partial reads, everything arrives, in order
 *   read_exactly    across several writes; WEFT_EOF when the peer ends early
 *   read_until      delimiters split across writes, WEFT_ELIMIT past the cap
 *   readline        lines, then the last one unterminated at the end
 *   writers         two tasks writing: their bytes never interleave
 *   backpressure    a small write limit: flush keeps the queue at the limit,
 *                   a slow reader still gets every byte intact
 *   eof             the writer closes: the reader gets the data, then 0
 *   reset           (TCP only) an abortive close: the reader gets -ECONNRESET */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wt.h"

enum { K_TCP, K_UNIX, K_SOCKETPAIR, K_PIPE, K_PAIR, K_COUNT };
static const char *const kind_name[K_COUNT] = {"tcp", "unix", "socketpair", "pipe", "pair"};

struct acc {
    weft_listener *l;
    weft_stream *s;
    int unix_;
};

static int acceptor(void *arg)
{
    struct acc *a = arg;
    return a->unix_ ? weft_unix_accept(a->l, &a->s) : weft_tcp_accept(a->l, &a->s);
}

/* A connected couple: bytes written to *w arrive at *r. */
static int make(int kind, weft_stream **w, weft_stream **r)
{
    int fd[2];
    switch (kind) {
    case K_TCP:
    case K_UNIX: {
        struct acc a = {.unix_ = kind == K_UNIX};
        char path[64];
        if (kind == K_TCP) {
            WT_REQUIRE_EQ(weft_tcp_listen(&a.l, "127.0.0.1", 0, NULL), 0);
        } else {
            snprintf(path, sizeof path, "/tmp/weft-contract-%d.sock", (int)getpid());
            unlink(path);
            WT_REQUIRE_EQ(weft_unix_listen(&a.l, path, 0), 0);
        }
        weft_task *t;
        WT_REQUIRE_EQ(weft_spawn(&t, acceptor, &a), 0);
        if (kind == K_TCP) {
            weft_addr ad;
            WT_REQUIRE_EQ(weft_listener_addr(a.l, &ad), 0);
            WT_REQUIRE_EQ(weft_tcp_connect(w, "127.0.0.1", weft_addr_port(&ad)), 0);
        } else {
            WT_REQUIRE_EQ(weft_unix_connect(w, path), 0);
        }
        WT_REQUIRE_EQ(weft_join(t), 0);
        *r = a.s;
        weft_listener_close(a.l);
        if (kind == K_UNIX) unlink(path);
        return 0;
    }
    case K_SOCKETPAIR:
        WT_REQUIRE_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0);
        break;
    case K_PIPE:
        WT_REQUIRE_EQ(pipe2(fd, O_CLOEXEC), 0);
        { /* a pipe reads from fd[0]: w is fd[1] */
            int t = fd[0];
            fd[0] = fd[1];
            fd[1] = t;
        }
        break;
    default:
        return weft_stream_pair(w, r);
    }
    WT_REQUIRE_EQ(weft_stream_open_fd(w, fd[0]), 0);
    WT_REQUIRE_EQ(weft_stream_open_fd(r, fd[1]), 0);
    return 0;
}

struct wjob {
    weft_stream *w;
    const char *const *parts;
    int close_after;
};

static int write_parts(void *arg)
{
    struct wjob *j = arg;
    for (const char *const *p = j->parts; *p; p++) {
        size_t n = strlen(*p);
        if (weft_stream_write(j->w, *p, n) != (ssize_t)n) return -1;
        if (weft_stream_flush(j->w) < 0) return -1;
        if (weft_yield() < 0) return -1; /* the reader sees the pieces apart */
    }
    if (j->close_after) {
        int rc = weft_stream_close(j->w);
        j->w = NULL;
        return rc;
    }
    return 0;
}

/* Spawns a writer of parts on w (closing w after when close_after). */
static weft_task *writer(struct wjob *j)
{
    weft_task *t = NULL;
    if (weft_spawn(&t, write_parts, j) < 0) return NULL;
    return t;
}

/* ---------------------------------------------------------------- cases */

static int c_read(weft_stream *w, weft_stream *r)
{
    static const char *const parts[] = {"hel", "lo, ", "world", NULL};
    struct wjob j = {w, parts, 0};
    weft_task *t = writer(&j);
    WT_REQUIRE(t != NULL);
    char got[32] = {0};
    size_t n = 0;
    while (n < 12) {
        ssize_t k = weft_stream_read(r, got + n, sizeof got - 1 - n);
        WT_REQUIRE(k > 0);
        n += (size_t)k;
    }
    WT_EQ(n, 12);
    WT_CHECK(memcmp(got, "hello, world", 12) == 0);
    return weft_join(t);
}

static int c_read_exactly(weft_stream *w, weft_stream *r)
{
    static const char *const parts[] = {"0123", "456789", "ab", NULL};
    struct wjob j = {w, parts, 1};
    weft_task *t = writer(&j);
    WT_REQUIRE(t != NULL);
    char got[16];
    WT_EQ(weft_stream_read_exactly(r, got, 10), 0);
    WT_CHECK(memcmp(got, "0123456789", 10) == 0);
    WT_EQ(weft_stream_read_exactly(r, got, 5), WEFT_EOF); /* only "ab" is left */
    return weft_join(t);
}

static int c_read_until(weft_stream *w, weft_stream *r)
{
    static const char *const parts[] = {"a\r", "\nbb\r\nccc", "cccccccccc\r\n", NULL};
    struct wjob j = {w, parts, 0};
    weft_task *t = writer(&j);
    WT_REQUIRE(t != NULL);
    char got[64];
    WT_EQ(weft_stream_read_until(r, "\r\n", 2, got, sizeof got), 3);
    WT_CHECK(memcmp(got, "a\r\n", 3) == 0);
    WT_EQ(weft_stream_read_until(r, "\r\n", 2, got, sizeof got), 4);
    WT_CHECK(memcmp(got, "bb\r\n", 4) == 0);
    WT_EQ(weft_stream_read_until(r, "\r\n", 2, got, 8), WEFT_ELIMIT);
    WT_EQ(weft_stream_read_until(r, "\r\n", 2, got, sizeof got), 15); /* still all there */
    return weft_join(t);
}

static int c_readline(weft_stream *w, weft_stream *r)
{
    static const char *const parts[] = {"one\ntw", "o\nthree", NULL};
    struct wjob j = {w, parts, 1};
    weft_task *t = writer(&j);
    WT_REQUIRE(t != NULL);
    char line[32];
    WT_EQ(weft_stream_readline(r, line, sizeof line), 4);
    WT_CHECK(strcmp(line, "one\n") == 0);
    WT_EQ(weft_stream_readline(r, line, sizeof line), 4);
    WT_CHECK(strcmp(line, "two\n") == 0);
    WT_EQ(weft_stream_readline(r, line, sizeof line), 5);
    WT_CHECK(strcmp(line, "three") == 0);
    WT_EQ(weft_stream_readline(r, line, sizeof line), 0);
    return weft_join(t);
}

#define BIG (512 * 1024)
struct big {
    weft_stream *w;
    char *data;
    size_t len, chunk;
    weft_event started;
};

static int write_big(void *arg)
{
    struct big *b = arg;
    weft_event_set(&b->started);
    for (size_t off = 0; off < b->len; off += b->chunk) {
        size_t n = b->len - off < b->chunk ? b->len - off : b->chunk;
        if (weft_stream_write(b->w, b->data + off, n) != (ssize_t)n) return -1;
        if (weft_stream_flush(b->w) < 0) return -1;
        if (weft_stream_write_queued(b->w) > 4096) return -2; /* flush keeps the limit */
    }
    return 0;
}

static int write_small(void *arg)
{
    struct big *b = arg;
    if (weft_event_wait(&b->started) < 0 || weft_yield() < 0) return -1;
    char m[100];
    memset(m, 'B', sizeof m);
    if (weft_stream_write(b->w, m, sizeof m) != (ssize_t)sizeof m) return -1;
    return weft_stream_flush(b->w);
}

static char *pattern(size_t n)
{
    char *p = malloc(n);
    if (p)
        for (size_t i = 0; i < n; i++) p[i] = (char)('a' + i % 23); /* never 'B' */
    return p;
}

static int c_writers(weft_stream *w, weft_stream *r)
{
    struct big b = {.w = w, .len = BIG, .chunk = BIG};
    weft_event_init(&b.started);
    b.data = pattern(BIG);
    WT_REQUIRE(b.data != NULL);
    weft_task *ta, *tb;
    WT_REQUIRE_EQ(weft_spawn(&ta, write_big, &b), 0);
    WT_REQUIRE_EQ(weft_spawn(&tb, write_small, &b), 0);
    char *got = malloc(BIG + 100);
    WT_REQUIRE(got != NULL);
    WT_EQ(weft_stream_read_exactly(r, got, BIG + 100), 0);
    WT_EQ(weft_join(ta), 0);
    WT_EQ(weft_join(tb), 0);
    WT_CHECK(memcmp(got, b.data, BIG) == 0);
    WT_CHECK(got[BIG] == 'B' && got[BIG + 99] == 'B');
    free(got);
    free(b.data);
    return 0;
}

static int c_backpressure(weft_stream *w, weft_stream *r)
{
    struct big b = {.w = w, .len = BIG, .chunk = 1024};
    weft_event_init(&b.started);
    b.data = pattern(BIG);
    WT_REQUIRE(b.data != NULL);
    weft_stream_set_write_limit(w, 4096);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, write_big, &b), 0);
    char *got = malloc(BIG);
    WT_REQUIRE(got != NULL);
    size_t n = 0;
    while (n < BIG) { /* a slow reader: small reads, a yield between them */
        ssize_t k = weft_stream_read(r, got + n, BIG - n < 700 ? BIG - n : 700);
        WT_REQUIRE(k > 0);
        n += (size_t)k;
        WT_REQUIRE_EQ(weft_yield(), 0);
    }
    WT_EQ(weft_join(t), 0);
    WT_CHECK(memcmp(got, b.data, BIG) == 0);
    free(got);
    free(b.data);
    return 0;
}

static int c_eof(weft_stream *w, weft_stream *r)
{
    static const char *const parts[] = {"last words", NULL};
    struct wjob j = {w, parts, 1};
    weft_task *t = writer(&j);
    WT_REQUIRE(t != NULL);
    char got[32];
    WT_EQ(weft_stream_read_exactly(r, got, 10), 0);
    WT_EQ(weft_stream_read(r, got, sizeof got), 0);
    WT_EQ(weft_stream_read(r, got, sizeof got), 0); /* and it stays so */
    return weft_join(t);
}

static int c_reset(weft_stream *w, weft_stream *r)
{
    struct linger lg = {1, 0}; /* close sends a RST */
    WT_REQUIRE_EQ(setsockopt(weft_stream_fd(w), SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    WT_EQ(weft_stream_close(w), 0);
    char got[8];
    WT_EQ(weft_stream_read(r, got, sizeof got), -ECONNRESET);
    return 0;
}

typedef int (*case_fn)(weft_stream *w, weft_stream *r);
static const struct {
    const char *name;
    case_fn fn;
    int closes_w; /* the case closes w itself */
    int tcp_only;
} cases[] = {
    {"read", c_read, 0, 0},
    {"read_exactly", c_read_exactly, 1, 0},
    {"read_until", c_read_until, 0, 0},
    {"readline", c_readline, 1, 0},
    {"writers", c_writers, 0, 0},
    {"backpressure", c_backpressure, 0, 0},
    {"eof", c_eof, 1, 0},
    {"reset", c_reset, 1, 1},
};

static int run_kind(void *arg)
{
    int kind = *(int *)arg;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].tcp_only && kind != K_TCP) continue;
        weft_stream *w = NULL, *r = NULL;
        WT_REQUIRE_EQ(make(kind, &w, &r), 0);
        int before = wt_failures;
        int rc = cases[i].fn(w, r);
        if (rc != 0 || wt_failures != before)
            fprintf(stderr, "contract case '%s' failed over %s (rc %d)\n", cases[i].name,
                    kind_name[kind], rc);
        WT_EQ(rc, 0);
        if (!cases[i].closes_w) weft_stream_close(w);
        weft_stream_close(r);
    }
    return 0;
}

#define KIND_TEST(k)                                                                               \
    static void test_##k(void **s)                                                                 \
    {                                                                                              \
        (void)s;                                                                                   \
        int kind = K_##k;                                                                          \
        assert_int_equal(wt_run(run_kind, &kind), 0);                                              \
    }
KIND_TEST(TCP)
KIND_TEST(UNIX)
KIND_TEST(SOCKETPAIR)
KIND_TEST(PIPE)
KIND_TEST(PAIR)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_TCP),  cmocka_unit_test(test_UNIX), cmocka_unit_test(test_SOCKETPAIR),
        cmocka_unit_test(test_PIPE), cmocka_unit_test(test_PAIR),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
