/* weft-test: pure timeout=30
 * Addresses: numeric parsing (IPv4, IPv6, brackets, scope ids), what is
 * rejected, formatting (and its buffer-size error), ports; the resolver's
 * numeric, wildcard and "localhost" answers, without any network. */
#include "wt.h"

#include <string.h>

#include "net/resolve.h"

static void test_parse_format(void **s)
{
    (void)s;
    static const char *const ok[][2] = {
        {"127.0.0.1", "127.0.0.1:80"}, {"::1", "[::1]:80"}, {"[::1]", "[::1]:80"},
        {"0.0.0.0", "0.0.0.0:80"},     {"fe80::1%1", "[fe80::1%1]:80"},
        {"2001:db8::a", "[2001:db8::a]:80"}, {"::ffff:10.0.0.1", "[::ffff:10.0.0.1]:80"},
    };
    char buf[WEFT_ADDR_STRLEN];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        weft_addr a;
        assert_int_equal(weft_addr_parse(&a, ok[i][0], 80), 0);
        assert_int_equal(weft_addr_port(&a), 80);
        assert_int_equal(weft_addr_format(&a, buf, sizeof buf), (int)strlen(ok[i][1]));
        assert_string_equal(buf, ok[i][1]);
    }
    static const char *const bad[] = {"", "localhost", "1.2.3", "256.1.1.1", "[::1",
                                      "::1]", "1.2.3.4:80", "::g", "[]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        weft_addr a;
        assert_int_equal(weft_addr_parse(&a, bad[i], 80), -EINVAL);
    }
    weft_addr a;
    assert_int_equal(weft_addr_parse(&a, "1.2.3.4", 65536), -EINVAL);
    assert_int_equal(weft_addr_parse(&a, "1.2.3.4", -1), -EINVAL);
    assert_int_equal(weft_addr_parse(&a, "10.20.30.40", 65535), 0);
    assert_int_equal(weft_addr_format(&a, buf, 18), 17); /* "10.20.30.40:65535" */
    assert_int_equal(weft_addr_format(&a, buf, 17), -ENOSPC);
    weft_addr none = {0};
    assert_int_equal(weft_addr_format(&none, buf, sizeof buf), -EINVAL);
    assert_int_equal(weft_addr_port(&none), -EINVAL);
}

static void test_resolve(void **s)
{
    (void)s;
    weft_addr out[4];
    char buf[WEFT_ADDR_STRLEN];
    assert_int_equal(weft__resolve("localhost", 8080, SOCK_STREAM, out, 4), 2);
    weft_addr_format(&out[0], buf, sizeof buf);
    assert_string_equal(buf, "[::1]:8080");
    weft_addr_format(&out[1], buf, sizeof buf);
    assert_string_equal(buf, "127.0.0.1:8080");
    assert_int_equal(weft__resolve("LOCALHOST.", 1, SOCK_STREAM, out, 1), 1);
    assert_int_equal(weft__resolve(NULL, 0, SOCK_STREAM, out, 4), 2);
    weft_addr_format(&out[0], buf, sizeof buf);
    assert_string_equal(buf, "[::]:0");
    weft_addr_format(&out[1], buf, sizeof buf);
    assert_string_equal(buf, "0.0.0.0:0");
    assert_int_equal(weft__resolve("192.168.1.2", 53, SOCK_DGRAM, out, 4), 1);
    assert_int_equal(weft__resolve("[::1]", 53, SOCK_DGRAM, out, 4), 1);
    /* a name needs a lookup, and a lookup waits: only a task may ask (and
     * tests never ask the system's resolver: test_dns.c has a fake one) */
    assert_int_equal(weft__resolve("example.invalid", 80, SOCK_STREAM, out, 4), -EINVAL);
    assert_int_equal(weft__resolve("localhost", 80, SOCK_STREAM, out, 0), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format),
        cmocka_unit_test(test_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
