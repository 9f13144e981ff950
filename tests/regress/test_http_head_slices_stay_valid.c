/* weft-test: timeout=30
 * Regression (issue 13, defect 1): a heap use-after-free in the HTTP
 * server. The input buffer was realloc'd while a request was live (a head
 * of ~16 KB plus a chunked body whose first size line arrives split), and
 * only the server's own copies of the head's slices were rebased: a header
 * slice a handler took before reading the body dangled. The handler here
 * takes a header, reads the body, then checks the slice it holds: same
 * bytes (ASan: no use after free), and the server's view of the header is
 * still the very same memory (the head never moves while it is live). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wt.h"

/* The head and the first piece of the size line fill the server's first
 * 16 KiB input buffer exactly, so the rest of the line needs a bigger one. */
#define IBUF 16384
#define PARTIAL 16
#define FIXED "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nCookie: \r\n\r\n"
#define COOKIE_LEN (IBUF - PARTIAL - (sizeof FIXED - 1))

static char cookie[COOKIE_LEN + 1];

static int h_body(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    weft_http_slice c = weft_http_req_header(req, "Cookie");
    if (c.len != COOKIE_LEN) return weft_http_res_text(res, 500, "no cookie");
    const char *b;
    size_t n;
    int rc = weft_http_req_body(req, &b, &n);
    if (rc < 0) return rc;
    weft_http_slice again = weft_http_req_header(req, "Cookie");
    int ok = n == 10 && memcmp(b, "helloworld", 10) == 0 && again.ptr == c.ptr &&
             memcmp(c.ptr, cookie, COOKIE_LEN) == 0;
    return weft_http_res_text(res, ok ? 200 : 500, ok ? "ok" : "moved");
}

static int body(void *arg)
{
    (void)arg;
    memset(cookie, 'c', COOKIE_LEN);
    cookie[COOKIE_LEN] = 0;
    memcpy(cookie, "k=", 2);
    weft_http_app *app;
    WT_REQUIRE_EQ(weft_http_app_new(&app), 0);
    WT_REQUIRE_EQ(weft_http_route(app, "POST", "/b", h_body, NULL), 0);
    weft_http_server *srv;
    WT_REQUIRE_EQ(weft_http_server_start(&srv, app, NULL), 0);
    weft_addr a;
    WT_REQUIRE_EQ(weft_http_server_addr(srv, &a), 0);
    weft_stream *s;
    WT_REQUIRE_EQ(weft_tcp_connect(&s, "127.0.0.1", weft_addr_port(&a)), 0);
    size_t cap = COOKIE_LEN + 512;
    char *head = malloc(cap);
    WT_REQUIRE(head != NULL);
    int hl = snprintf(head, cap,
                      "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      "Cookie: %s\r\n\r\n",
                      cookie);
    WT_EQ(weft_stream_write(s, head, (size_t)hl), hl);
    WT_REQUIRE_EQ(hl + PARTIAL, IBUF);
    WT_EQ(weft_stream_write(s, "0000000000000000", PARTIAL), PARTIAL); /* part of the size line */
    WT_EQ(weft_stream_flush(s), 0);
    WT_EQ(weft_sleep(WEFT_MS(50)), 0); /* the server reads it and waits for the rest */
    static const char rest[] = "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
    WT_EQ(weft_stream_write(s, rest, sizeof rest - 1), (ssize_t)(sizeof rest - 1));
    char line[128];
    WT_CHECK(weft_stream_readline(s, line, sizeof line) > 0);
    if (!WT_CHECK(strncmp(line, "HTTP/1.1 200", 12) == 0)) fprintf(stderr, "got: %s", line);
    free(head);
    weft_stream_close(s);
    weft_http_server_free(srv);
    weft_http_app_free(app);
    return 0;
}

static void test_slices_stay_valid(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_slices_stay_valid)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
