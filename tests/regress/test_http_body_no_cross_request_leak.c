/* weft-test: pure timeout=30
 * Regression (issue 13, defect 2): weft_http_req_body after a partial
 * weft_http_req_read on a keep-alive connection must not hand back bytes of
 * an earlier request's body. Request 1 reads its whole body
 * "SECRET-OF-USER-A"; request 2 reads 2 bytes of "hello", then asks for the
 * body: it must get "llo" (what is left), never "SECRET-OF-USER-Allo". */
#include <errno.h>
#include <string.h>

#include "wt.h"

static int h_whole(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    const char *b;
    size_t n;
    int rc = weft_http_req_body(req, &b, &n);
    if (rc < 0) return rc;
    return weft_http_res_send(res, 200, "text/plain", b, n);
}

static int h_partial(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    char two[2];
    ssize_t got = weft_http_req_read(req, two, sizeof two);
    if (got != 2) return weft_http_res_text(res, 500, "short read");
    const char *b;
    size_t n;
    int rc = weft_http_req_body(req, &b, &n);
    if (rc < 0) return rc;
    /* a second call hands back the same bytes */
    const char *b2;
    size_t n2;
    rc = weft_http_req_body(req, &b2, &n2);
    if (rc < 0 || n2 != n || memcmp(b, b2, n) != 0) return weft_http_res_text(res, 500, "unstable");
    return weft_http_res_send(res, 200, "text/plain", b, n);
}

static int body(void *arg)
{
    (void)arg;
    weft_http_app *app;
    WT_REQUIRE_EQ(weft_http_app_new(&app), 0);
    WT_REQUIRE_EQ(weft_http_route(app, "POST", "/whole", h_whole, NULL), 0);
    WT_REQUIRE_EQ(weft_http_route(app, "POST", "/partial", h_partial, NULL), 0);
    weft_http_test *tc;
    WT_REQUIRE_EQ(weft_http_test_new(&tc, app, NULL), 0);
    weft_http_test_response *r = NULL;
    WT_EQ(weft_http_test_request(tc, "POST", "/whole", NULL, "SECRET-OF-USER-A", 16, &r), 0);
    if (r) {
        WT_EQ(r->status, 200);
        WT_EQ(r->body_len, 16);
        WT_EQ(r->closed, 0);
    }
    weft_http_test_response_free(r);
    r = NULL;
    WT_EQ(weft_http_test_request(tc, "POST", "/partial", NULL, "hello", 5, &r), 0);
    if (r) {
        WT_EQ(r->status, 200);
        WT_EQ(r->body_len, 3);
        WT_CHECK(r->body_len == 3 && memcmp(r->body, "llo", 3) == 0);
        WT_CHECK(strstr(r->body, "SECRET") == NULL);
    }
    weft_http_test_response_free(r);
    weft_http_test_free(tc);
    weft_http_app_free(app);
    return 0;
}

static void test_no_leak(void **s)
{
    (void)s;
    assert_int_equal(wt_run_virtual(body, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_no_leak)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
