/* weft-test: timeout=30
 * Regression (issue 13, defect 8): weft_http_server_shutdown called from a
 * handler of the same server waited for its own connection forever. It
 * now returns -EDEADLK at once, and a task spawned by the handler can shut
 * the server down (the documented way). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wt.h"

static weft_http_server *srv;
static int shutdown_rc = 1;
static weft_task *stopper;

static int stop_task(void *arg)
{
    (void)arg;
    return weft_http_server_shutdown(srv, WEFT_SEC(5));
}

static int h_stop(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    shutdown_rc = weft_http_server_shutdown(srv, 0);
    int rc = weft_spawn(&stopper, stop_task, NULL);
    if (rc < 0) return rc;
    return weft_http_res_text(res, 200, "stopping");
}

static int body(void *arg)
{
    (void)arg;
    weft_http_app *app;
    WT_REQUIRE_EQ(weft_http_app_new(&app), 0);
    WT_REQUIRE_EQ(weft_http_route(app, "GET", "/stop", h_stop, NULL), 0);
    WT_REQUIRE_EQ(weft_http_server_start(&srv, app, NULL), 0);
    weft_addr a;
    WT_REQUIRE_EQ(weft_http_server_addr(srv, &a), 0);
    weft_stream *s;
    WT_REQUIRE_EQ(weft_tcp_connect(&s, "127.0.0.1", weft_addr_port(&a)), 0);
    static const char rq[] = "GET /stop HTTP/1.1\r\nHost: x\r\n\r\n";
    WT_EQ(weft_stream_write(s, rq, strlen(rq)), (ssize_t)strlen(rq));
    char line[128];
    WT_CHECK(weft_stream_readline(s, line, sizeof line) > 0);
    WT_CHECK(strncmp(line, "HTTP/1.1 200", 12) == 0);
    weft_stream_close(s);
    WT_EQ(shutdown_rc, -EDEADLK);
    WT_REQUIRE(stopper != NULL);
    WT_EQ(weft_join(stopper), 0);
    weft_http_server_free(srv);
    weft_http_app_free(app);
    return 0;
}

static void test_shutdown_from_handler(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_shutdown_from_handler)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
