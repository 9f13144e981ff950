/* weft-example: args=--self-test
 * Pattern 21 (aiohttp.web) and 26 (testing it): routes with {params},
 * JSON in and out, and three middleware: logging (timing every request),
 * auth (a bearer token for /admin/...) and errors (a failing handler
 * becomes a 500 with a safe JSON body, never its internals).
 *
 *   ./web_app [PORT]       serve on 127.0.0.1:PORT (default 8081) until Ctrl+C
 *   ./web_app --self-test  exercise the app in-process with the test client
 *                          (aiohttp's TestClient: no sockets) and check it */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weft.h>

/* ---------------------------------------------------------- handlers */

static int hello(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    char msg[256];
    snprintf(msg, sizeof msg, "{\"message\":\"Hello, %s!\"}", weft_http_req_param(req, "name"));
    return weft_http_res_send(res, 200, "application/json", msg, strlen(msg));
}

/* POST /items: reads the body (any bytes) and answers 201 with its size. */
static int create_item(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    const char *body;
    size_t len;
    int rc = weft_http_req_body(req, &body, &len); /* -EMSGSIZE -> 413 */
    if (rc < 0) return rc;
    char out[64];
    snprintf(out, sizeof out, "{\"created\":true,\"bytes\":%zu}", len);
    return weft_http_res_send(res, 201, "application/json", out, strlen(out));
}

static int admin(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    char out[128];
    snprintf(out, sizeof out, "{\"admin\":\"%s\"}", (const char *)weft_http_req_data(req));
    return weft_http_res_send(res, 200, "application/json", out, strlen(out));
}

static int boom(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)res, (void)ud;
    return -EIO; /* an unexpected failure deep in some handler */
}

/* -------------------------------------------------------- middleware */

static int logging(weft_http_req *req, weft_http_res *res, weft_http_next *next, void *ud)
{
    (void)ud;
    int64_t t0 = weft_now();
    int rc = weft_http_next_call(next, req, res);
    weft_http_slice m = weft_http_req_method_name(req), t = weft_http_req_target(req);
    if (rc < 0) /* the server turns it into an error status */
        printf("  log: %.*s %.*s -> failed with %s (%.1f ms)\n", (int)m.len, m.ptr, (int)t.len,
               t.ptr, weft_errname(rc), (weft_now() - t0) / 1e6);
    else
        printf("  log: %.*s %.*s -> %d (%.1f ms)\n", (int)m.len, m.ptr, (int)t.len, t.ptr,
               weft_http_res_get_status(res), (weft_now() - t0) / 1e6);
    return rc;
}

static int auth(weft_http_req *req, weft_http_res *res, weft_http_next *next, void *ud)
{
    weft_http_slice p = weft_http_req_path(req);
    if (p.len >= 7 && !memcmp(p.ptr, "/admin/", 7)) {
        weft_http_slice h = weft_http_req_header(req, "Authorization");
        const char *want = ud;
        if (!h.ptr || h.len != strlen(want) || memcmp(h.ptr, want, h.len))
            return weft_http_res_error(res, 401, "missing or wrong token");
        weft_http_req_set_data(req, "root"); /* who the handler is serving */
    }
    return weft_http_next_call(next, req, res);
}

static int errors(weft_http_req *req, weft_http_res *res, weft_http_next *next, void *ud)
{
    (void)ud;
    int rc = weft_http_next_call(next, req, res);
    if (rc < 0 && rc != -ECANCELED && rc != -EMSGSIZE && !weft_http_res_started(res)) {
        fprintf(stderr, "  error: handler failed with %s\n", weft_errname(rc));
        return weft_http_res_error(res, 500, "something went wrong; it has been logged");
    }
    return rc;
}

static weft_http_app *build_app(void)
{
    weft_http_app *app;
    if (weft_http_app_new(&app) < 0) return NULL;
    if (weft_http_use(app, logging, NULL) < 0 || weft_http_use(app, errors, NULL) < 0 ||
        weft_http_use(app, auth, "Bearer s3cret") < 0 ||
        weft_http_route(app, "GET", "/hello/{name}", hello, NULL) < 0 ||
        weft_http_route(app, "POST", "/items", create_item, NULL) < 0 ||
        weft_http_route(app, "GET", "/admin/stats", admin, NULL) < 0 ||
        weft_http_route(app, "GET", "/boom", boom, NULL) < 0) {
        weft_http_app_free(app);
        return NULL;
    }
    return app;
}

/* ---------------------------------------------------------- self-test */

static int failures;

static void expect(weft_http_test *tc, const char *method, const char *target, const char *header,
                   const char *body, int status, const char *want)
{
    const char *hdrs[] = {header, NULL};
    weft_http_test_response *r;
    int rc = weft_http_test_request(tc, method, target, header ? hdrs : NULL, body,
                                    body ? strlen(body) : 0, &r);
    if (rc < 0) {
        printf("FAIL %s %s: %s\n", method, target, weft_strerror(rc));
        failures++;
        return;
    }
    int ok = r->status == status && (!want || strstr(r->body, want));
    printf("%s %s %s -> %d %s\n", ok ? "ok  " : "FAIL", method, target, r->status, r->body);
    failures += !ok;
    weft_http_test_response_free(r);
}

static int self_test(void *arg)
{
    weft_http_app *app = arg;
    weft_http_test *tc;
    weft_http_server_options o = WEFT_HTTP_SERVER_OPTIONS_INIT;
    o.max_body = 1024;
    if (weft_http_test_new(&tc, app, &o) < 0) return 1;
    expect(tc, "GET", "/hello/Ada%20Lovelace", NULL, NULL, 200, "Hello, Ada Lovelace!");
    expect(tc, "POST", "/items", NULL, "{\"name\":\"widget\"}", 201, "\"bytes\":17");
    expect(tc, "GET", "/admin/stats", NULL, NULL, 401, "wrong token");
    expect(tc, "GET", "/admin/stats", "Authorization: Bearer s3cret", NULL, 200, "root");
    expect(tc, "GET", "/boom", NULL, NULL, 500, "it has been logged");
    expect(tc, "GET", "/nope", NULL, NULL, 404, "Not Found");
    expect(tc, "DELETE", "/items", NULL, NULL, 405, NULL);
    char big[2048];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    expect(tc, "POST", "/items", NULL, big, 413, NULL);
    weft_http_test_free(tc);
    fflush(stdout);
    printf("%s\n", failures ? "self-test FAILED" : "self-test passed");
    return failures ? 1 : 0;
}

struct serve_arg {
    weft_http_app *app;
    int port;
};

static int serve(void *arg)
{
    struct serve_arg *a = arg;
    weft_http_server_options o = WEFT_HTTP_SERVER_OPTIONS_INIT;
    o.port = a->port;
    printf("serving on http://127.0.0.1:%d/hello/you (Ctrl+C stops)\n", a->port);
    fflush(stdout);
    int rc = weft_http_serve(a->app, &o); /* until Ctrl+C, then a graceful shutdown */
    return rc == -ECANCELED ? 0 : 1;
}

int main(int argc, char **argv)
{
    weft_http_app *app = build_app();
    if (!app) return 1;
    int rc;
    if (argc > 1 && !strcmp(argv[1], "--self-test")) {
        rc = weft_run(self_test, app);
    } else {
        struct serve_arg a = {app, argc > 1 ? atoi(argv[1]) : 8081};
        rc = weft_run(serve, &a);
    }
    weft_http_app_free(app);
    return rc;
}
