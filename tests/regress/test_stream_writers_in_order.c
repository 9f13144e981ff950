/* weft-test: timeout=30
 * Regression (issue 13, defect 3): two tasks writing one stream must not
 * interleave their bytes. Task A writes 1 MiB (large writes are sent from
 * the caller's buffer while it waits); task B writes 100 bytes while A is
 * still waiting. The reader must see all of A's bytes, then all of B's
 * (the order of the write calls), over a socket and over a stream pair.
 * On the old code B's bytes landed in the middle of A's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wt.h"

#define A_LEN (1024 * 1024)
#define B_LEN 100

struct ctx {
    weft_stream *w, *r;
    char *a;
    weft_event a_started;
};

static int writer_a(void *arg)
{
    struct ctx *c = arg;
    weft_event_set(&c->a_started);
    ssize_t n = weft_stream_write(c->w, c->a, A_LEN);
    return n == A_LEN ? 0 : -1;
}

static int writer_b(void *arg)
{
    struct ctx *c = arg;
    WT_EQ(weft_event_wait(&c->a_started), 0);
    WT_EQ(weft_yield(), 0); /* A is now waiting inside its write */
    char b[B_LEN];
    memset(b, 'B', sizeof b);
    ssize_t n = weft_stream_write(c->w, b, sizeof b);
    if (n != B_LEN) return -1;
    return weft_stream_flush(c->w);
}

static int run_case(weft_stream *w, weft_stream *r)
{
    struct ctx c = {.w = w, .r = r};
    weft_event_init(&c.a_started);
    c.a = malloc(A_LEN);
    WT_REQUIRE(c.a != NULL);
    for (size_t i = 0; i < A_LEN; i++) c.a[i] = (char)('a' + i % 23); /* never 'B' */
    weft_task *ta, *tb;
    WT_REQUIRE_EQ(weft_spawn(&ta, writer_a, &c), 0);
    WT_REQUIRE_EQ(weft_spawn(&tb, writer_b, &c), 0);
    char *got = malloc(A_LEN + B_LEN);
    WT_REQUIRE(got != NULL);
    WT_EQ(weft_stream_read_exactly(r, got, A_LEN + B_LEN), 0);
    WT_EQ(weft_join(ta), 0);
    WT_EQ(weft_join(tb), 0);
    size_t first_b = A_LEN + B_LEN;
    for (size_t i = 0; i < A_LEN + B_LEN; i++)
        if (got[i] == 'B') {
            first_b = i;
            break;
        }
    WT_EQ(first_b, A_LEN); /* B's bytes start right after all of A's */
    WT_CHECK(memcmp(got, c.a, A_LEN) == 0);
    free(got);
    free(c.a);
    return 0;
}

static int over_pair(void *arg)
{
    (void)arg;
    weft_stream *a, *b;
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    int rc = run_case(a, b);
    weft_stream_close(a);
    weft_stream_close(b);
    return rc;
}

static int over_socket(void *arg)
{
    (void)arg;
    int sv[2];
    WT_REQUIRE_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    int small = 64 * 1024; /* a small kernel buffer: A's write must wait */
    (void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    (void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    weft_stream *w, *r;
    WT_REQUIRE_EQ(weft_stream_open_fd(&w, sv[0]), 0);
    WT_REQUIRE_EQ(weft_stream_open_fd(&r, sv[1]), 0);
    int rc = run_case(w, r);
    weft_stream_close(w);
    weft_stream_close(r);
    return rc;
}

static void test_pair(void **s)
{
    (void)s;
    assert_int_equal(wt_run(over_pair, NULL), 0);
}

static void test_socket(void **s)
{
    (void)s;
    assert_int_equal(wt_run(over_socket, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_pair), cmocka_unit_test(test_socket)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
