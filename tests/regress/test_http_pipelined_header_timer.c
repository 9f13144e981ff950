/* weft-test: pure timeout=30
 * Regression (issue 13, defect 4): the header timer of a pipelined request
 * whose first bytes were already buffered when the previous request ended
 * counted from the previous request's start, so a slow handler made the
 * next request a spurious 408. With a 1 s header timeout, request 1's
 * handler takes 2 s; request 2's head is half there from the start and its
 * rest comes 100 ms after response 1: it must be served (200). */
#include <errno.h>
#include <string.h>

#include "wt.h"

static int h_slow(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    int rc = weft_sleep(WEFT_SEC(2));
    if (rc < 0) return rc;
    return weft_http_res_text(res, 200, "slow");
}

static int h_fast(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    return weft_http_res_text(res, 200, "fast");
}

static int body(void *arg)
{
    (void)arg;
    weft_http_app *app;
    WT_REQUIRE_EQ(weft_http_app_new(&app), 0);
    WT_REQUIRE_EQ(weft_http_route(app, "GET", "/slow", h_slow, NULL), 0);
    WT_REQUIRE_EQ(weft_http_route(app, "GET", "/fast", h_fast, NULL), 0);
    weft_http_server_options o = WEFT_HTTP_SERVER_OPTIONS_INIT;
    o.header_timeout_ns = WEFT_SEC(1);
    weft_http_test *tc;
    WT_REQUIRE_EQ(weft_http_test_new(&tc, app, &o), 0);
    static const char first[] = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\n";
    static const char rest[] = "Host: x\r\n\r\n";
    weft_http_test_response *r = NULL;
    WT_EQ(weft_http_test_raw(tc, first, strlen(first), &r), 0);
    if (r) WT_EQ(r->status, 200);
    weft_http_test_response_free(r);
    r = NULL;
    WT_EQ(weft_sleep(WEFT_MS(100)), 0);
    WT_EQ(weft_http_test_raw(tc, rest, strlen(rest), &r), 0);
    if (r) {
        WT_EQ(r->status, 200);
        WT_CHECK(r->body_len == 4 && memcmp(r->body, "fast", 4) == 0);
    }
    weft_http_test_response_free(r);
    weft_http_test_free(tc);
    weft_http_app_free(app);
    return 0;
}

static void test_pipelined_timer(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_pipelined_timer)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
