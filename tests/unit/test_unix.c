/* weft-test: timeout=30
 * Unix stream sockets: listen/accept/connect and a round trip; the peer
 * address names the path; a stale socket file is replaced and the file is
 * removed at close; a path too long and a missing socket are errors. */
#include "wt.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int server(void *arg)
{
    weft_listener *l = arg;
    weft_stream *s;
    int rc = weft_unix_accept(l, &s);
    if (rc < 0) return rc;
    char buf[64];
    ssize_t n = weft_stream_readline(s, buf, sizeof buf);
    if (n > 0) WEFT_IGNORE(weft_stream_write(s, buf, (size_t)n));
    return weft_stream_close(s);
}

static int body(void *arg)
{
    (void)arg;
    char path[64];
    snprintf(path, sizeof path, "/tmp/weft-test-%d.sock", (int)getpid());
    weft_listener *l;
    WT_REQUIRE_EQ(weft_unix_listen(&l, path, 0), 0);
    weft_listener_close(l); /* removes the file */
    struct stat st;
    WT_EQ(stat(path, &st), -1);
    WT_REQUIRE_EQ(weft_unix_listen(&l, path, 0), 0);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, server, l), 0);
    weft_stream *c;
    WT_REQUIRE_EQ(weft_unix_connect(&c, path), 0);
    weft_addr peer;
    WT_EQ(weft_stream_peer_addr(c, &peer), 0);
    char name[WEFT_ADDR_STRLEN];
    WT_GT(weft_addr_format(&peer, name, sizeof name), 0);
    WT_EQ(strcmp(name, path), 0);
    WT_EQ(weft_addr_port(&peer), -EINVAL);
    WT_EQ(weft_stream_write(c, "over unix\n", 10), 10);
    char buf[64];
    WT_EQ(weft_stream_readline(c, buf, sizeof buf), 10);
    WT_EQ(strcmp(buf, "over unix\n"), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_stream_close(c), 0);
    /* a second listener on the same path replaces the stale socket file */
    weft_listener *l2;
    WT_EQ(weft_unix_listen(&l2, path, 0), 0);
    weft_listener_close(l2);
    weft_listener_close(l);
    WT_EQ(weft_unix_connect(&c, path), -ENOENT);
    char longp[200];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = 0;
    WT_EQ(weft_unix_listen(&l, longp, 0), -ENAMETOOLONG);
    WT_EQ(weft_unix_connect(&c, longp), -ENAMETOOLONG);
    return 0;
}

static void test_unix(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_unix)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
