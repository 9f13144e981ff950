/* weft-test: pure timeout=120
 * No over-reads, no under-reads: every parser entry point runs on inputs
 * that end right before a PROT_NONE page, and on inputs that start right
 * after one (every prefix of each sample, each scanner build), so any read
 * outside the bytes given crashes the test. The vector scanners load up to
 * 32 bytes at a time, which is what this guards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wt.h"
#include "http/parser.h"

#define DATA_PAGES 4

static char *area; /* [guard][DATA_PAGES pages][guard] */
static size_t page;

static int setup(void **state)
{
    (void)state;
    page = (size_t)sysconf(_SC_PAGESIZE);
    area = mmap(NULL, page * (DATA_PAGES + 2), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                -1, 0);
    if (area == MAP_FAILED) return -1;
    if (mprotect(area, page, PROT_NONE) ||
        mprotect(area + page * (DATA_PAGES + 1), page, PROT_NONE))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    munmap(area, page * (DATA_PAGES + 2));
    return 0;
}

/* s[0..n) copied to end at the upper guard (at_start = 0) or to start at
 * the lower one. */
static char *place(const char *s, size_t n, int at_start)
{
    assert_true(n <= page * DATA_PAGES);
    char *lo = area + page, *hi = area + page * (DATA_PAGES + 1);
    char *p = at_start ? lo : hi - n;
    memcpy(p, s, n);
    return p;
}

static const char *const heads[] = {
    "GET / HTTP/1.1\r\n\r\n",
    ("\r\n\r\nPOST /submit/form?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\n"
     "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)\r\n"
     "Content-Length: 12\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
     "Transfer-Encoding: gzip, chunked\r\nExpect: 100-continue\r\nX-Long: "
     "0123456789012345678901234567890123456789012345678901234567890123456789\r\n\r\n"),
    ("GET /0123456789abcdef0123456789abcdef0123456789abcdef0123456789 HTTP/1.0\r\n"
     "A: \xc3\xa9\t\xff\r\n\r\n"),
    "GET / HTTP/1.1\r\nA: 0123456789012345678901234567890123456789\x01\r\n\r\n",
    "GET / HTTP/1.1\r\nTransfer-Encoding: a;b=\"c\\\"d\", chunked\r\n\r\n",
};

static const char *const responses[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
    ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
     "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"),
    "HTTP/1.0 500 a reason phrase that is longer than thirty-two bytes\r\n\r\n",
};

static const char *const bodies[] = {
    "5\r\nhello\r\n0\r\n\r\n",
    ("1a;name=\"quoted \\\" value\";x\r\n0123456789abcdefghijklmnop\r\n0\r\n"
     "Trailer-One: value\r\nT2:\r\n\r\n"),
};

static const char *const targets[] = {
    "/a/b%20c?x=1#f", "http://user@h/", "http://[::1]:8080/p?q", "example.com:443", "*", "/%4",
};

static void test_guard_heads(void **state)
{
    (void)state;
    int best = weft__http_set_isa(-1);
    for (int isa = 0; isa <= best; isa++) {
        weft__http_set_isa(isa);
        for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
            size_t len = strlen(heads[i]);
            for (size_t n = 0; n <= len; n++) {
                for (int at_start = 0; at_start < 2; at_start++) {
                    char *p = place(heads[i], n, at_start);
                    weft_http_header hs[16];
                    weft_http_request r = WEFT_HTTP_REQUEST_INIT(hs);
                    weft_http_parser ps = WEFT_HTTP_PARSER_INIT;
                    int rc = weft_http_parse_request(&ps, p, n, &r);
                    assert_true(rc <= (int)n);
                    if (n < len) assert_true(rc <= 0); /* never complete early */
                }
            }
            /* byte by byte, the buffer's end at the guard on the last call */
            char *p = place(heads[i], len, 0);
            weft_http_header hs[16];
            weft_http_request r = WEFT_HTTP_REQUEST_INIT(hs);
            weft_http_parser ps = WEFT_HTTP_PARSER_INIT;
            int rc = 0;
            for (size_t n = 1; n <= len && rc == 0; n++)
                rc = weft_http_parse_request(&ps, p, n, &r);
            assert_int_equal(rc != 0, 1);
        }
        for (size_t i = 0; i < sizeof(responses) / sizeof(responses[0]); i++) {
            size_t len = strlen(responses[i]);
            for (size_t n = 0; n <= len; n++) {
                for (int at_start = 0; at_start < 2; at_start++) {
                    char *p = place(responses[i], n, at_start);
                    weft_http_header hs[16];
                    weft_http_response r = WEFT_HTTP_RESPONSE_INIT(hs, 0);
                    weft_http_parser ps = WEFT_HTTP_PARSER_INIT;
                    int rc = weft_http_parse_response(&ps, p, n, &r);
                    assert_int_equal(rc, n == len ? (int)len : 0);
                }
            }
        }
    }
    weft__http_set_isa(-1);
}

static void test_guard_chunked(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        size_t len = strlen(bodies[i]);
        for (size_t n = 0; n <= len; n++) {
            for (int at_start = 0; at_start < 2; at_start++) {
                char *p = place(bodies[i], n, at_start);
                weft_http_chunked d = WEFT_HTTP_CHUNKED_INIT;
                size_t off = 0;
                weft_http_chunk ev;
                do {
                    int rc = weft_http_chunked_parse(&d, p + off, n - off, &ev);
                    assert_true(rc >= 0);
                    off += (size_t)rc;
                } while (ev.kind != WEFT_HTTP_CHUNK_NONE && ev.kind != WEFT_HTTP_CHUNK_END);
                assert_int_equal(ev.kind == WEFT_HTTP_CHUNK_END, n == len);
            }
        }
    }
}

static void test_guard_targets(void **state)
{
    (void)state;
    char out[256];
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        size_t len = strlen(targets[i]);
        for (size_t n = 0; n <= len; n++) {
            for (int at_start = 0; at_start < 2; at_start++) {
                char *p = place(targets[i], n, at_start);
                weft_http_target t;
                int rc = weft_http_target_split(p, n, &t);
                assert_true(rc <= 0);
                rc = weft_http_pct_decode(out, sizeof(out), p, n, WEFT_HTTP_PCT_PLUS);
                assert_true(rc <= (int)n);
                size_t pos = 0;
                weft_http_slice k, v;
                while (weft_http_query_next(p, n, &pos, &k, &v)) assert_true(pos <= n);
            }
        }
    }
}

/* Empty input may come as NULL. */
static void test_null_empty(void **state)
{
    (void)state;
    weft_http_header hs[4];
    weft_http_request r = WEFT_HTTP_REQUEST_INIT(hs);
    weft_http_response rs = WEFT_HTTP_RESPONSE_INIT(hs, 0);
    weft_http_parser p = WEFT_HTTP_PARSER_INIT;
    assert_int_equal(weft_http_parse_request(&p, NULL, 0, &r), 0);
    assert_int_equal(weft_http_parse_response(&p, NULL, 0, &rs), 0);
    weft_http_chunked d = WEFT_HTTP_CHUNKED_INIT;
    weft_http_chunk ev;
    assert_int_equal(weft_http_chunked_parse(&d, NULL, 0, &ev), 0);
    assert_int_equal(ev.kind, WEFT_HTTP_CHUNK_NONE);
    weft_http_target t;
    assert_int_equal(weft_http_target_split(NULL, 0, &t), WEFT_HTTP_ETARGET_FORM);
    assert_int_equal(weft_http_pct_decode(NULL, 0, NULL, 0, 0), 0);
    size_t pos = 0;
    weft_http_slice k, v;
    assert_int_equal(weft_http_query_next(NULL, 0, &pos, &k, &v), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guard_heads),
        cmocka_unit_test(test_guard_chunked),
        cmocka_unit_test(test_guard_targets),
        cmocka_unit_test(test_null_empty),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
