/* weft-test: pure timeout=30
 * Request targets (src/http/target.c): the four forms and their parts,
 * malformed targets, percent-decoding (flags, in place), query pairs. */
#include <stdio.h>
#include <string.h>

#include "wt.h"
#include "http/parser.h"

static char parts[512];

/* Splits s and writes its parts as "form|scheme|host|port|path|query|frag". */
static int split(const char *s)
{
    weft_http_target t;
    int rc = weft_http_target_split(s, strlen(s), &t);
    if (rc < 0) {
        snprintf(parts, sizeof(parts), "%s", weft_http_errname(rc));
        return rc;
    }
    const weft_http_slice *f[] = {&t.scheme, &t.host, &t.port, &t.path, &t.query, &t.fragment};
    int n = snprintf(parts, sizeof(parts), "%d", t.form);
    for (size_t i = 0; i < 6; i++) {
        /* every slice lies inside the target */
        if (f[i]->len) {
            assert_true(f[i]->ptr >= s && f[i]->ptr + f[i]->len <= s + strlen(s));
        }
        n += snprintf(parts + n, sizeof(parts) - (size_t)n, "|%.*s", (int)f[i]->len,
                      f[i]->ptr ? f[i]->ptr : "");
    }
    return rc;
}

static void test_target_forms(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } t[] = {
        {"/", "1||||/||"},
        {"/a/b%20c?x=1&y=%41#frag", "1||||/a/b%20c|x=1&y=%41|frag"},
        {"/p?", "1||||/p||"},
        {"/p?q?r=/s", "1||||/p|q?r=/s|"},
        {"/with_\"quotes\"|{}", "1||||/with_\"quotes\"|{}||"},
        {"*", "4||||||"},
        {"http://example.com", "2|http|example.com||||"},
        {"http://example.com:8080/a?b#c", "2|http|example.com|8080|/a|b|c"},
        {"HTTPS://EXAMPLE.com?x", "2|HTTPS|EXAMPLE.com|||x|"},
        {"http://[::1]:80/", "2|http|[::1]|80|/||"},
        {"http://h:/x", "2|http|h||/x||"},
        {"coap+tcp://h/x", "2|coap+tcp|h||/x||"},
        {"example.com:443", "3||example.com|443|||"},
        {"home_0.netscape.com:443", "3||home_0.netscape.com|443|||"},
        {"[2001:db8::1]:8443", "3||[2001:db8::1]|8443|||"},
        {"127.0.0.1:1", "3||127.0.0.1|1|||"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int rc = split(t[i].in);
        if (rc || strcmp(parts, t[i].want))
            print_message("%s -> %s, want %s\n", t[i].in, parts, t[i].want);
        assert_int_equal(rc, 0);
        assert_string_equal(parts, t[i].want);
    }
}

static void test_target_errors(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
    } t[] = {
        {"", WEFT_HTTP_ETARGET_FORM},
        {"/a b", WEFT_HTTP_ETARGET},
        {"/\x7f", WEFT_HTTP_ETARGET},
        {"/\xc3\xa9", WEFT_HTTP_ETARGET},
        {"/%", WEFT_HTTP_EPERCENT},
        {"/%4", WEFT_HTTP_EPERCENT},
        {"/%4g", WEFT_HTTP_EPERCENT},
        {"/?q=%zz", WEFT_HTTP_EPERCENT},
        {"**", WEFT_HTTP_ETARGET_FORM},
        {"example.com", WEFT_HTTP_ETARGET_FORM},
        {"example.com:", WEFT_HTTP_ETARGET_FORM},
        {"example.com:44a", WEFT_HTTP_ETARGET_FORM},
        {"example.com:443/", WEFT_HTTP_ETARGET_FORM},
        {"user@example.com:443", WEFT_HTTP_ETARGET_FORM},
        {"http://user:pw@example.com/", WEFT_HTTP_ETARGET_FORM},
        {"http:///x", WEFT_HTTP_ETARGET_FORM},
        {"http://exa\"mple/", WEFT_HTTP_ETARGET_FORM},
        {"http://[::1/", WEFT_HTTP_ETARGET_FORM},
        {"http://[::1]x/", WEFT_HTTP_ETARGET_FORM},
        {"http://h:8o/", WEFT_HTTP_ETARGET_FORM},
        {"1http://h/", WEFT_HTTP_ETARGET_FORM},
        {":443", WEFT_HTTP_ETARGET_FORM},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int rc = split(t[i].in);
        if (rc != t[i].rc)
            print_message("%s -> %s, want %s\n", t[i].in, parts, weft_http_errname(t[i].rc));
        assert_int_equal(rc, t[i].rc);
    }
}

static void test_pct_decode(void **state)
{
    (void)state;
    char out[64];
    const char *s = "a%20b%2Fc%2fd+e%41%c3%a9";
    int n = weft_http_pct_decode(out, sizeof(out), s, strlen(s), 0);
    assert_int_equal(n, 12);
    assert_memory_equal(out, "a b/c/d+eA\xc3\xa9", 12);
    n = weft_http_pct_decode(out, sizeof(out), s, strlen(s), WEFT_HTTP_PCT_PLUS);
    assert_memory_equal(out, "a b/c/d eA\xc3\xa9", 12);
    assert_int_equal(weft_http_pct_decode(out, sizeof(out), s, strlen(s), WEFT_HTTP_PCT_NO_SLASH),
                     WEFT_HTTP_EPERCENT);
    assert_int_equal(weft_http_pct_decode(out, sizeof(out), "a%00", 4, WEFT_HTTP_PCT_NO_NUL),
                     WEFT_HTTP_EPERCENT);
    assert_int_equal(weft_http_pct_decode(out, sizeof(out), "a%00", 4, 0), 2);
    assert_int_equal(out[1], 0);
    /* malformed escapes, anywhere */
    static const char *const bad[] = {"%", "%a", "a%", "%g0", "%0g", "ab%2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(weft_http_pct_decode(out, sizeof(out), bad[i], strlen(bad[i]), 0),
                         WEFT_HTTP_EPERCENT);
    /* in place */
    char buf[] = "%2e%2E/x%41";
    n = weft_http_pct_decode(buf, sizeof(buf), buf, strlen(buf), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "../xA", 5);
    /* dst too small */
    assert_int_equal(weft_http_pct_decode(out, 3, "abcd", 4, 0), -EINVAL);
    assert_int_equal(weft_http_pct_decode(out, 0, "", 0, 0), 0);
}

static void test_query(void **state)
{
    (void)state;
    const char *q = "a=1&&b=&c&=v&d=x=y&";
    size_t pos = 0;
    weft_http_slice k, v;
    char got[256] = "";
    size_t n = 0;
    while (weft_http_query_next(q, strlen(q), &pos, &k, &v))
        n += (size_t)snprintf(got + n, sizeof(got) - n, "[%.*s=%.*s]", (int)k.len, k.ptr,
                              (int)v.len, v.ptr);
    assert_string_equal(got, "[a=1][b=][c=][=v][d=x=y]");
    assert_int_equal(pos, strlen(q));
    assert_int_equal(weft_http_query_next(q, strlen(q), &pos, &k, &v), 0);
    pos = 0;
    assert_int_equal(weft_http_query_next("", 0, &pos, &k, &v), 0);
    pos = 0;
    assert_int_equal(weft_http_query_next("&&&", 3, &pos, &k, &v), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_forms),
        cmocka_unit_test(test_target_errors),
        cmocka_unit_test(test_pct_decode),
        cmocka_unit_test(test_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
