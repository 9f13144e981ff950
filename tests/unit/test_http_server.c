/* weft-test: pure timeout=60
 * The HTTP server through the in-process test client (no sockets): routes
 * and parameters, 404/405, middleware (logging, auth, errors), JSON in and
 * out, keep-alive, pipelining in order, chunked request bodies,
 * 100-continue, HEAD, streaming, SSE framing, limits (413/414/431),
 * malformed requests, the handler deadline, hijacking. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "wt.h"

/* ------------------------------------------------------------ handlers */

static int h_text(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req;
    return weft_http_res_text(res, 200, ud ? ud : "hi");
}

/* Echoes the decoded parameter and a query value. */
static int h_hello(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    char q[64] = "-";
    int n = weft_http_req_query_get(req, "q", q, sizeof q);
    if (n == -ENOENT) strcpy(q, "(none)");
    char out[256];
    snprintf(out, sizeof out, "%s|%s", weft_http_req_param(req, "name"), q);
    return weft_http_res_text(res, 200, out);
}

/* Echoes the path it was reached by, after sleeping ?ms= (virtual clock). */
static int h_path(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    char ms[16];
    if (weft_http_req_query_get(req, "ms", ms, sizeof ms) > 0) {
        int rc = weft_sleep(WEFT_MS(atoi(ms)));
        if (rc < 0) return rc;
    }
    weft_http_slice p = weft_http_req_path(req);
    return weft_http_res_send(res, 200, "text/plain", p.ptr, p.len);
}

static int h_echo(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    const char *b;
    size_t n;
    int rc = weft_http_req_body(req, &b, &n);
    if (rc < 0) return rc;
    return weft_http_res_send(res, 200, "application/octet-stream", b, n);
}

static int h_json(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    json_t *in;
    int rc = weft_http_req_json(req, &in);
    if (rc < 0) return rc;
    json_t *out = json_pack("{s:O}", "got", in);
    json_decref(in);
    rc = weft_http_res_json(res, 201, out);
    json_decref(out);
    return rc;
}

static int h_fail(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    (void)weft_http_res_text(res, 200, "secret internal detail");
    return -EIO;
}

static int h_stream(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    const char *parts[] = {"one,", "two,", "three"};
    for (int i = 0; i < 3; i++) {
        ssize_t w = weft_http_res_write(res, parts[i], strlen(parts[i]));
        if (w < 0) return (int)w;
    }
    return 0;
}

static int h_stream_len(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    int rc = weft_http_res_header(res, "Content-Length", "6");
    if (rc == 0 && weft_http_res_write(res, "abc", 3) < 0) rc = -EIO;
    if (rc == 0 && weft_http_res_write(res, "def", 3) < 0) rc = -EIO;
    return rc;
}

static int h_sse(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    weft_sse_event ev = WEFT_SSE_EVENT_INIT;
    ev.id = "7";
    ev.event = "tick";
    ev.data = "line1\nline2";
    ev.retry_ms = 1500;
    int rc = weft_sse_send_event(res, &ev);
    if (rc == 0) rc = weft_sse_comment(res, "hb");
    if (rc == 0) rc = weft_sse_send(res, NULL, "plain");
    WT_EQ(weft_sse_send(res, "bad\nname", "x"), -EINVAL);
    return rc;
}

static int h_slow(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    int rc = weft_sleep(WEFT_SEC(10));
    if (rc < 0) return rc;
    return weft_http_res_text(res, 200, "late");
}

static int h_headers(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    WT_EQ(weft_http_res_header(res, "X-Bad", "a\r\nInjected: 1"), -EINVAL);
    WT_EQ(weft_http_res_header(res, "Bad Name", "v"), -EINVAL);
    WT_EQ(weft_http_res_header(res, "Transfer-Encoding", "chunked"), -EINVAL);
    WT_EQ(weft_http_res_header(res, "X-Good", "yes"), 0);
    weft_http_slice ua = weft_http_req_header(req, "user-agent");
    char v[64];
    snprintf(v, sizeof v, "%.*s", (int)ua.len, ua.ptr ? ua.ptr : "");
    return weft_http_res_text(res, 200, v);
}

static int h_hijack(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    weft_stream *s;
    int rc = weft_http_res_hijack(res, &s);
    if (rc < 0) return rc;
    static const char raw[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n"
                              "Connection: upgrade\r\n\r\n";
    if (weft_stream_write(s, raw, sizeof raw - 1) < 0) rc = -EIO;
    char buf[16] = {0}; /* the byte the client sent after the head is readable */
    if (rc == 0 && weft_stream_read_exactly(s, buf, 5) == 0 && !memcmp(buf, "ping!", 5) &&
        weft_stream_write(s, "pong!", 5) < 0)
        rc = -EIO;
    (void)weft_stream_close(s);
    return rc;
}

/* ---------------------------------------------------------- middleware */

static char trace[256];

static int mw_log(weft_http_req *req, weft_http_res *res, weft_http_next *next, void *ud)
{
    strcat(trace, ud);
    strcat(trace, ">");
    int rc = weft_http_next_call(next, req, res);
    strcat(trace, "<");
    strcat(trace, ud);
    return rc;
}

static int mw_auth(weft_http_req *req, weft_http_res *res, weft_http_next *next, void *ud)
{
    (void)ud;
    weft_http_slice p = weft_http_req_path(req);
    if (p.len >= 8 && !memcmp(p.ptr, "/private", 8)) {
        weft_http_slice tok = weft_http_req_header(req, "Authorization");
        if (!tok.ptr || tok.len != 12 || memcmp(tok.ptr, "Bearer token", 12)) {
            strcat(trace, "denied");
            return weft_http_res_error(res, 401, "who are you?");
        }
        weft_http_req_set_data(req, "alice");
    }
    return weft_http_next_call(next, req, res);
}

static int mw_errors(weft_http_req *req, weft_http_res *res, weft_http_next *next, void *ud)
{
    (void)ud;
    int rc = weft_http_next_call(next, req, res);
    if (rc < 0 && !weft_http_res_started(res) && rc != -ECANCELED) {
        char msg[64];
        snprintf(msg, sizeof msg, "handler failed: %s", weft_errname(rc));
        return weft_http_res_error(res, 500, msg);
    }
    return rc;
}

static int h_private(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    return weft_http_res_text(res, 200, weft_http_req_data(req));
}

/* -------------------------------------------------------------- set-up */

static weft_http_app *make_app(void)
{
    weft_http_app *app;
    if (weft_http_app_new(&app) < 0) return NULL;
    int rc = 0;
    rc |= weft_http_route(app, "GET", "/plaintext", h_text, "Hello, World!");
    rc |= weft_http_route(app, "GET", "/hello/{name}", h_hello, NULL);
    rc |= weft_http_route(app, "*", "/p/{rest...}", h_path, NULL);
    rc |= weft_http_route(app, "POST", "/echo", h_echo, NULL);
    rc |= weft_http_route(app, "PUT", "/echo", h_echo, NULL);
    rc |= weft_http_route(app, "POST", "/json", h_json, NULL);
    rc |= weft_http_route(app, "GET", "/fail", h_fail, NULL);
    rc |= weft_http_route(app, "GET", "/stream", h_stream, NULL);
    rc |= weft_http_route(app, "GET", "/stream-len", h_stream_len, NULL);
    rc |= weft_http_route(app, "GET", "/sse", h_sse, NULL);
    rc |= weft_http_route(app, "GET", "/slow", h_slow, NULL);
    rc |= weft_http_route(app, "GET", "/headers", h_headers, NULL);
    rc |= weft_http_route(app, "GET", "/hijack", h_hijack, NULL);
    rc |= weft_http_route(app, "GET", "/private/me", h_private, NULL);
    if (rc) {
        weft_http_app_free(app);
        return NULL;
    }
    return app;
}

typedef weft_http_test_response resp;

/* One request on tc; checks the status and returns the response. */
static resp *req(weft_http_test *tc, const char *m, const char *target, const char *const *hdrs,
                 const char *body, int status)
{
    resp *r = NULL;
    int rc = weft_http_test_request(tc, m, target, hdrs, body, body ? strlen(body) : 0, &r);
    if (!WT_EQ(rc, 0)) return NULL;
    if (!WT_EQ(r->status, status)) print_message("body: %s\n", r->body);
    return r;
}

static resp *raw(weft_http_test *tc, const char *bytes)
{
    resp *r = NULL;
    int rc = weft_http_test_raw(tc, bytes, strlen(bytes), &r);
    if (!WT_EQ(rc, 0)) return NULL;
    return r;
}

#define BODY_IS(r, s) WT_CHECK((r) && !strcmp((r)->body, (s)))
#define HEADER_IS(r, n, v)                                                                         \
    WT_CHECK((r) && weft_http_test_header((r), (n)) &&                                             \
             !strcmp(weft_http_test_header((r), (n)), (v)))

/* ------------------------------------------------------------------ tests */

static int t_routes(void *arg)
{
    (void)arg;
    weft_http_app *app = make_app();
    WT_REQUIRE(app);
    weft_http_test *tc;
    WT_REQUIRE_EQ(weft_http_test_new(&tc, app, NULL), 0);
    resp *r = req(tc, "GET", "/plaintext", NULL, NULL, 200);
    BODY_IS(r, "Hello, World!");
    HEADER_IS(r, "Content-Length", "13");
    HEADER_IS(r, "Content-Type", "text/plain; charset=utf-8");
    WT_CHECK(r && weft_http_test_header(r, "Date") &&
             strstr(weft_http_test_header(r, "Date"), "GMT"));
    WT_CHECK(r && weft_http_test_header(r, "Server") &&
             !strncmp(weft_http_test_header(r, "Server"), "weft/", 5));
    WT_CHECK(r && !r->closed);
    weft_http_test_response_free(r);

    r = req(tc, "GET", "/hello/w%C3%B6rld%20x?q=a+b%21", NULL, NULL, 200);
    BODY_IS(r, "wörld x|a b!");
    weft_http_test_response_free(r);
    r = req(tc, "GET", "/hello/bob", NULL, NULL, 200);
    BODY_IS(r, "bob|(none)");
    weft_http_test_response_free(r);

    r = req(tc, "GET", "/missing", NULL, NULL, 404);
    BODY_IS(r, "{\"error\":\"Not Found\"}");
    HEADER_IS(r, "Content-Type", "application/json");
    weft_http_test_response_free(r);
    r = req(tc, "DELETE", "/echo", NULL, NULL, 405);
    HEADER_IS(r, "Allow", "POST, PUT");
    weft_http_test_response_free(r);

    r = req(tc, "HEAD", "/plaintext", NULL, NULL, 200); /* GET route, no body */
    HEADER_IS(r, "Content-Length", "13");
    BODY_IS(r, "");
    weft_http_test_response_free(r);

    const char *ua[] = {"User-Agent: tester/1", NULL};
    r = req(tc, "GET", "/headers", ua, NULL, 200);
    BODY_IS(r, "tester/1");
    HEADER_IS(r, "X-Good", "yes");
    WT_CHECK(r && !weft_http_test_header(r, "Injected") && !weft_http_test_header(r, "X-Bad"));
    weft_http_test_response_free(r);
    weft_http_test_free(tc);
    weft_http_app_free(app);
    return 0;
}

static int t_middleware(void *arg)
{
    (void)arg;
    weft_http_app *app = make_app();
    WT_REQUIRE(app);
    WT_REQUIRE_EQ(weft_http_use(app, mw_log, "A"), 0);
    WT_REQUIRE_EQ(weft_http_use(app, mw_errors, NULL), 0);
    WT_REQUIRE_EQ(weft_http_use(app, mw_log, "B"), 0);
    WT_REQUIRE_EQ(weft_http_use(app, mw_auth, NULL), 0);
    weft_http_test *tc;
    WT_REQUIRE_EQ(weft_http_test_new(&tc, app, NULL), 0);
    trace[0] = 0;
    resp *r = req(tc, "GET", "/plaintext", NULL, NULL, 200);
    WT_CHECK(!strcmp(trace, "A>B><B<A"));
    weft_http_test_response_free(r);

    trace[0] = 0; /* auth stops the chain: the handler never runs */
    r = req(tc, "GET", "/private/me", NULL, NULL, 401);
    BODY_IS(r, "{\"error\":\"who are you?\"}");
    WT_CHECK(!strcmp(trace, "A>B>denied<B<A"));
    weft_http_test_response_free(r);
    const char *auth[] = {"Authorization: Bearer token", NULL};
    r = req(tc, "GET", "/private/me", auth, NULL, 200);
    BODY_IS(r, "alice"); /* data handed from middleware to handler */
    weft_http_test_response_free(r);

    /* the error middleware turns the handler's failure into its own 500 */
    r = req(tc, "GET", "/fail", NULL, NULL, 500);
    BODY_IS(r, "{\"error\":\"handler failed: EIO\"}");
    weft_http_test_response_free(r);
    /* 404 and 405 pass through the chain too */
    trace[0] = 0;
    r = req(tc, "GET", "/nowhere", NULL, NULL, 404);
    WT_CHECK(!strcmp(trace, "A>B><B<A"));
    weft_http_test_response_free(r);
    weft_http_test_free(tc);
    weft_http_app_free(app);
    return 0;
}

static int t_errors_and_json(void *arg)
{
    (void)arg;
    weft_http_app *app = make_app();
    WT_REQUIRE(app);
    weft_http_test *tc;
    WT_REQUIRE_EQ(weft_http_test_new(&tc, app, NULL), 0);
    /* a failing handler without middleware: 500 with a safe body (not its text) */
    resp *r = req(tc, "GET", "/fail", NULL, NULL, 500);
    BODY_IS(r, "{\"error\":\"Internal Server Error\"}");
    weft_http_test_response_free(r);
    r = req(tc, "POST", "/json", NULL, "{\"a\":[1,2,\"\\u00e9\"]}", 201);
    BODY_IS(r, "{\"got\":{\"a\":[1,2,\"é\"]}}");
    HEADER_IS(r, "Content-Type", "application/json");
    weft_http_test_response_free(r);
    r = req(tc, "POST", "/json", NULL, "{\"a\":", 400); /* bad JSON */
    weft_http_test_response_free(r);
    r = req(tc, "POST", "/echo", NULL, "payload", 200);
    BODY_IS(r, "payload");
    weft_http_test_response_free(r);
    weft_http_test_free(tc);
    weft_http_app_free(app);
    return 0;
}

static int t_keepalive_pipelining(void *arg)
{
    (void)arg;
    weft_http_app *app = make_app();
    WT_REQUIRE(app);
    weft_http_test *tc;
    WT_REQUIRE_EQ(weft_http_test_new(&tc, app, NULL), 0);
    /* three pipelined requests; the first handler is the slowest: the
     * responses still come in request order */
    resp *r = raw(tc, "GET /p/first?ms=30 HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /p/second?ms=10 HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /p/third HTTP/1.1\r\nHost: x\r\n\r\n");
    BODY_IS(r, "/p/first");
    weft_http_test_response_free(r);
    r = NULL;
    WT_EQ(weft_http_test_read(tc, &r), 0);
    BODY_IS(r, "/p/second");
    weft_http_test_response_free(r);
    r = NULL;
    WT_EQ(weft_http_test_read(tc, &r), 0);
    BODY_IS(r, "/p/third");
    WT_CHECK(r && !r->closed);
    weft_http_test_response_free(r);

    /* HTTP/1.0: closes unless asked to keep alive, and says so */
    r = raw(tc, "GET /p/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    HEADER_IS(r, "Connection", "keep-alive");
    WT_CHECK(r && !r->closed);
    weft_http_test_response_free(r);
    r = raw(tc, "GET /p/b HTTP/1.0\r\n\r\n");
    WT_CHECK(r && r->closed);
    weft_http_test_response_free(r);
    /* Connection: close on 1.1 */
    r = raw(tc, "GET /p/c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    HEADER_IS(r, "Connection", "close");
    WT_CHECK(r && r->closed);
    weft_http_test_response_free(r);
    weft_http_test_free(tc);
    weft_http_app_free(app);
    return 0;
}

static int t_bodies(void *arg)
{
    (void)arg;
    weft_http_app *app = make_app();
    WT_REQUIRE(app);
    weft_http_server_options o = WEFT_HTTP_SERVER_OPTIONS_INIT;
    o.max_body = 64;
    weft_http_test *tc;
    WT_REQUIRE_EQ(weft_http_test_new(&tc, app, &o), 0);
    /* chunked, with extensions and a trailer, then a pipelined request */
    resp *r = raw(tc, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
                      "GET /p/after HTTP/1.1\r\nHost: x\r\n\r\n");
    BODY_IS(r, "hello world");
    weft_http_test_response_free(r);
    r = NULL;
    WT_EQ(weft_http_test_read(tc, &r), 0);
    BODY_IS(r, "/p/after");
    weft_http_test_response_free(r);

    /* an unread body is drained, so the next request on the connection is served */
    r = raw(tc, "POST /p/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde"
                "GET /p/y HTTP/1.1\r\nHost: x\r\n\r\n");
    BODY_IS(r, "/p/x");
    weft_http_test_response_free(r);
    r = NULL;
    WT_EQ(weft_http_test_read(tc, &r), 0);
    BODY_IS(r, "/p/y");
    weft_http_test_response_free(r);

    /* over max_body: 413 (declared length, and chunked growing past it) */
    char big[100];
    memset(big, 'x', 99);
    big[99] = 0;
    r = req(tc, "POST", "/echo", NULL, big, 413);
    WT_CHECK(r && r->closed);
    weft_http_test_response_free(r);
    r = raw(tc, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "40\r\n0123456789012345678901234567890123456789012345678901234567890123\r\n"
                "1\r\nz\r\n0\r\n\r\n");
    WT_CHECK(r && r->status == 413);
    weft_http_test_response_free(r);

    /* Expect: 100-continue: the handler reads, so it gets the body (the client
     * skipped the interim 100) */
    r = raw(
        tc,
        "PUT /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc");
    BODY_IS(r, "abc");
    WT_CHECK(r && !r->closed);
    weft_http_test_response_free(r);
    /* ... a handler that never reads: no 100, and the connection ends after */
    r = raw(tc,
            "POST /p/z HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    BODY_IS(r, "/p/z");
    WT_CHECK(r && r->closed);
    weft_http_test_response_free(r);
    /* an unknown expectation: 417 */
    r = raw(tc, "GET /p/q HTTP/1.1\r\nHost: x\r\nExpect: something\r\n\r\n");
    WT_CHECK(r && r->status == 417);
    weft_http_test_response_free(r);
    weft_http_test_free(tc);
    weft_http_app_free(app);
    return 0;
}

static int t_streaming(void *arg)
{
    (void)arg;
    weft_http_app *app = make_app();
    WT_REQUIRE(app);
    weft_http_test *tc;
    WT_REQUIRE_EQ(weft_http_test_new(&tc, app, NULL), 0);
    resp *r = req(tc, "GET", "/stream", NULL, NULL, 200);
    BODY_IS(r, "one,two,three");
    HEADER_IS(r, "Transfer-Encoding", "chunked");
    WT_CHECK(r && !r->closed);
    weft_http_test_response_free(r);
    r = req(tc, "GET", "/stream-len", NULL, NULL, 200);
    BODY_IS(r, "abcdef");
    HEADER_IS(r, "Content-Length", "6");
    WT_CHECK(r && !weft_http_test_header(r, "Transfer-Encoding"));
    weft_http_test_response_free(r);
    r = raw(tc, "GET /stream HTTP/1.0\r\n\r\n"); /* 1.0: the body ends with the connection */
    BODY_IS(r, "one,two,three");
    WT_CHECK(r && r->closed && !weft_http_test_header(r, "Transfer-Encoding"));
    weft_http_test_response_free(r);
    r = req(tc, "HEAD", "/stream", NULL, NULL, 200);
    BODY_IS(r, "");
    weft_http_test_response_free(r);

    r = req(tc, "GET", "/sse", NULL, NULL, 200);
    HEADER_IS(r, "Content-Type", "text/event-stream");
    HEADER_IS(r, "Cache-Control", "no-cache");
    BODY_IS(r, "id: 7\nevent: tick\nretry: 1500\ndata: line1\ndata: line2\n\n"
               ": hb\n\n"
               "data: plain\n\n");
    weft_http_test_response_free(r);

    /* hijack: the handler owns the connection and speaks its own protocol */
    r = raw(tc,
            "GET /hijack HTTP/1.1\r\nHost: x\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\nping!");
    WT_CHECK(r && r->status == 101);
    weft_http_test_response_free(r);
    weft_http_test_free(tc);
    weft_http_app_free(app);
    return 0;
}

static int t_limits_malformed(void *arg)
{
    (void)arg;
    weft_http_app *app = make_app();
    WT_REQUIRE(app);
    weft_http_server_options o = WEFT_HTTP_SERVER_OPTIONS_INIT;
    o.max_line = 100;
    o.max_head = 1024;
    o.max_headers = 8;
    weft_http_test *tc;
    WT_REQUIRE_EQ(weft_http_test_new(&tc, app, &o), 0);
    char buf[4096];
    snprintf(buf, sizeof buf, "GET /%0200d HTTP/1.1\r\nHost: x\r\n\r\n", 0);
    resp *r = raw(tc, buf);
    WT_CHECK(r && r->status == 414 && r->closed);
    weft_http_test_response_free(r);
    int n = snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 10; i++) n += snprintf(buf + n, sizeof buf - (size_t)n, "X-%d: v\r\n", i);
    snprintf(buf + n, sizeof buf - (size_t)n, "\r\n");
    r = raw(tc, buf);
    WT_CHECK(r && r->status == 431 && r->closed);
    weft_http_test_response_free(r);
    n = snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(buf + n, 'a', 1500);
    snprintf(buf + n + 1500, sizeof buf - (size_t)n - 1500, "\r\n\r\n");
    r = raw(tc, buf);
    WT_CHECK(r && r->status == 431 && r->closed);
    weft_http_test_response_free(r);

    static const struct {
        const char *req;
        int status;
    } bad[] = {
        {"G@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"GET / HTTP/1.1\nHost: x\n\n", 400},
        {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n\r\n", 400}, /* no Host */
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
         "0\r\n\r\nGET /p/smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
         400},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
         "chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
         400},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = raw(tc, bad[i].req);
        if (!WT_CHECK(r && r->status == bad[i].status && r->closed))
            print_message("case %zu: status %d\n", i, r ? r->status : -1);
        weft_http_test_response_free(r);
    }
    r = req(tc, "GET", "/plaintext", NULL, NULL, 200); /* still serving */
    weft_http_test_response_free(r);
    weft_http_test_free(tc);
    weft_http_app_free(app);
    return 0;
}

static int t_handler_deadline(void *arg)
{
    (void)arg;
    weft_http_app *app = make_app();
    WT_REQUIRE(app);
    weft_http_server_options o = WEFT_HTTP_SERVER_OPTIONS_INIT;
    o.handler_timeout_ns = WEFT_MS(500);
    weft_http_test *tc;
    WT_REQUIRE_EQ(weft_http_test_new(&tc, app, &o), 0);
    int64_t t0 = weft_now();
    resp *r = req(tc, "GET", "/slow", NULL, NULL, 503);
    WT_GE(weft_now() - t0, WEFT_MS(500));
    WT_LT(weft_now() - t0, WEFT_SEC(10));
    weft_http_test_response_free(r);
    r = req(tc, "GET", "/p/fast?ms=100", NULL, NULL, 200);
    weft_http_test_response_free(r);
    weft_http_test_free(tc);
    weft_http_app_free(app);
    return 0;
}

static void test_routes(void **s)
{
    (void)s, assert_int_equal(wt_run(t_routes, NULL), 0);
}
static void test_middleware(void **s)
{
    (void)s, assert_int_equal(wt_run(t_middleware, NULL), 0);
}
static void test_errors_and_json(void **s)
{
    (void)s, assert_int_equal(wt_run(t_errors_and_json, NULL), 0);
}
static void test_keepalive_pipelining(void **s)
{
    (void)s, assert_int_equal(wt_run_virtual(t_keepalive_pipelining, NULL), 0);
}
static void test_bodies(void **s)
{
    (void)s, assert_int_equal(wt_run(t_bodies, NULL), 0);
}
static void test_streaming(void **s)
{
    (void)s, assert_int_equal(wt_run(t_streaming, NULL), 0);
}
static void test_limits_malformed(void **s)
{
    (void)s, assert_int_equal(wt_run(t_limits_malformed, NULL), 0);
}
static void test_handler_deadline(void **s)
{
    (void)s, assert_int_equal(wt_run_virtual(t_handler_deadline, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),           cmocka_unit_test(test_middleware),
        cmocka_unit_test(test_errors_and_json),  cmocka_unit_test(test_keepalive_pipelining),
        cmocka_unit_test(test_bodies),           cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_limits_malformed), cmocka_unit_test(test_handler_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
