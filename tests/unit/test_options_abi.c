/* weft-test: pure
 * The ABI rule of public options structs (src/util/opts.h): a leading
 * `size` set by the _INIT macro; the library reads min(size, sizeof) bytes;
 * size 0 is the first layout; a size inside the first layout is refused. */
#include "wt.h"

#include <string.h>

static int ok_body(void *arg)
{
    (void)arg;
    return 5;
}

static void test_init_sets_size(void **s)
{
    (void)s;
    weft_options o = WEFT_OPTIONS_INIT;
    weft_spawn_options so = WEFT_SPAWN_OPTIONS_INIT;
    weft_socket_options sk = WEFT_SOCKET_OPTIONS_INIT;
    weft_resolver_options ro = WEFT_RESOLVER_OPTIONS_INIT;
    weft_process_options po = WEFT_PROCESS_OPTIONS_INIT;
    weft_http_server_options ho = WEFT_HTTP_SERVER_OPTIONS_INIT;
    assert_int_equal(o.size, sizeof o);
    assert_int_equal(so.size, sizeof so);
    assert_int_equal(sk.size, sizeof sk);
    assert_int_equal(ro.size, sizeof ro);
    assert_int_equal(po.size, sizeof po);
    assert_int_equal(ho.size, sizeof ho);
    /* the other fields keep their documented defaults */
    assert_int_equal(o.debug, -1);
    assert_int_equal(o.signals, 1);
    assert_int_equal(sk.reuseaddr, 1);
    assert_int_equal(sk.nodelay, 1);
    assert_int_equal(ro.hosts_file, 1);
    assert_int_equal(ro.fallback, -1);
    assert_int_equal(po.stdio_fd[2], -1);
}

/* A caller built against a newer header: a larger struct with a field this
 * library does not know. The known part is read, the rest ignored. */
struct newer_options {
    weft_options known;
    int64_t future_field;
};

static void test_sizes(void **s)
{
    (void)s;
    weft_options o = WEFT_OPTIONS_INIT;
    o.signals = 0;
    o.virtual_clock = 1;
    assert_int_equal(weft_run_opts(&o, ok_body, NULL), 5);

    weft_options zero; /* written without the macro: size 0 = the first layout */
    memset(&zero, 0, sizeof zero);
    zero.debug = 0;
    assert_int_equal(weft_run_opts(&zero, ok_body, NULL), 5);

    struct newer_options n = {WEFT_OPTIONS_INIT, 77};
    n.known.size = sizeof n;
    n.known.signals = 0;
    assert_int_equal(weft_run_opts(&n.known, ok_body, NULL), 5);

    weft_options bad = WEFT_OPTIONS_INIT;
    bad.size = 8; /* inside the first layout: malformed */
    assert_int_equal(weft_run_opts(&bad, ok_body, NULL), -EINVAL);
}

static int spawn_body(void *arg)
{
    (void)arg;
    weft_spawn_options so = WEFT_SPAWN_OPTIONS_INIT;
    so.name = "x";
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn_opts(&t, &so, ok_body, NULL), 0);
    WT_EQ(weft_join(t), 5);
    weft_spawn_options d = {.name = "designated"}; /* size 0 */
    WT_REQUIRE_EQ(weft_spawn_opts(&t, &d, ok_body, NULL), 0);
    WT_EQ(weft_join(t), 5);
    so.size = 4;
    WT_EQ(weft_spawn_opts(&t, &so, ok_body, NULL), -EINVAL);
    weft_socket_options sk = WEFT_SOCKET_OPTIONS_INIT;
    sk.size = 6;
    weft_listener *l;
    WT_EQ(weft_tcp_listen(&l, "127.0.0.1", 0, &sk), -EINVAL);
    return 0;
}

static void test_spawn_and_socket(void **s)
{
    (void)s;
    assert_int_equal(wt_run(spawn_body, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_sets_size),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_spawn_and_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
