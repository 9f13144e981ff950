/* weft-test: timeout=60
 * The HTTP server over real loopback sockets, in one process (public API
 * only): the connection cap (a connection beyond it waits in the backlog
 * and is served once a slot frees), the idle keep-alive timeout, the
 * access-log hook, and a client hanging up on a server-sent event stream
 * (the handler is cancelled and the generator's producer runs its
 * cleanup). */
#include "wt.h"

#include <stdio.h>
#include <string.h>

static const char GET[] = "GET /hi HTTP/1.1\r\nHost: t\r\n\r\n";

static int hi(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    return weft_http_res_text(res, 200, "hi");
}

/* Reads one response to GET /hi (a fixed size here) and checks it. */
static int read_hi(weft_stream *s)
{
    char buf[512];
    ssize_t n = weft_stream_read_until(s, "\r\n\r\nhi", 6, buf, sizeof buf);
    if (n < 0) return (int)n;
    return strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) ? -EPROTO : 0;
}

/* ------------------------------------------------------------ access log */

struct logged {
    int n;
    char line[4][96];
};

static void access_log(const weft_http_access *a, void *ud)
{
    struct logged *l = ud;
    if (l->n < 4)
        snprintf(l->line[l->n++], sizeof l->line[0], "%.*s %.*s %d %d %llu %s", (int)a->method.len,
                 a->method.ptr, (int)a->target.len, a->target.ptr, a->version, a->status,
                 (unsigned long long)a->bytes, a->peer && a->duration_ns >= 0 ? "peer" : "-");
}

static int t_cap_idle_log(void *arg)
{
    (void)arg;
    weft_http_app *app;
    WT_REQUIRE_EQ(weft_http_app_new(&app), 0);
    WT_REQUIRE_EQ(weft_http_route(app, "GET", "/hi", hi, NULL), 0);
    struct logged lg = {0};
    weft_http_server_options o = WEFT_HTTP_SERVER_OPTIONS_INIT;
    o.max_connections = 2;
    o.idle_timeout_ns = WEFT_MS(300);
    o.access_log = access_log;
    o.access_log_ud = &lg;
    weft_http_server *srv;
    WT_REQUIRE_EQ(weft_http_server_start(&srv, app, &o), 0);
    weft_addr a;
    WT_REQUIRE_EQ(weft_http_server_addr(srv, &a), 0);
    int port = weft_addr_port(&a);

    /* two connections fill the cap; both are served */
    weft_stream *c1, *c2, *c3;
    WT_REQUIRE_EQ(weft_tcp_connect(&c1, "127.0.0.1", port), 0);
    WT_REQUIRE_EQ(weft_tcp_connect(&c2, "127.0.0.1", port), 0);
    WT_EQ(weft_stream_write(c1, GET, sizeof GET - 1), (ssize_t)(sizeof GET - 1));
    WT_EQ(weft_stream_write(c2, GET, sizeof GET - 1), (ssize_t)(sizeof GET - 1));
    WT_EQ(read_hi(c1), 0);
    WT_EQ(read_hi(c2), 0);
    WT_EQ(weft_http_server_connections(srv), 2);
    /* a third one connects (the kernel's backlog) but is not accepted */
    WT_REQUIRE_EQ(weft_tcp_connect(&c3, "127.0.0.1", port), 0);
    WT_EQ(weft_stream_write(c3, GET, sizeof GET - 1), (ssize_t)(sizeof GET - 1));
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(100)), 0);
    WT_EQ(read_hi(c3), -ETIMEDOUT); /* nobody reads it yet */
    WT_EQ(weft_deadline_pop(), 1);
    WT_EQ(weft_http_server_connections(srv), 2);
    /* a slot frees: c3 is accepted and served */
    WT_EQ(weft_stream_close(c1), 0);
    WT_EQ(read_hi(c3), 0);

    /* the idle timeout closes a keep-alive connection that sends nothing */
    int64_t t0 = wt_wall();
    char b;
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_SEC(10)), 0);
    WT_EQ(weft_stream_read(c3, &b, 1), 0); /* the server's end of stream */
    WT_EQ(weft_deadline_pop(), 0);
    int64_t idle = wt_wall() - t0;
    WT_GE(idle, WEFT_MS(200)); /* c3's own timeout started when its response went */
    WT_LT(idle, WEFT_SEC(5));
    WT_EQ(weft_stream_read(c2, &b, 1), 0); /* c2 was idle longer: closed too */
    WT_EQ(weft_stream_close(c2), 0);
    WT_EQ(weft_stream_close(c3), 0);

    WT_EQ(lg.n, 3);
    for (int i = 0; i < lg.n && i < 3; i++)
        if (!WT_CHECK(!strcmp(lg.line[i], "GET /hi 11 200 2 peer")))
            print_message("%s\n", lg.line[i]);
    weft_http_server_free(srv);
    weft_http_app_free(app);
    return 0;
}

/* ----------------------------------------------------- SSE and hang-up */

struct feed {
    weft_event started; /* the first event went out */
    weft_event cleaned; /* the producer's cleanup ran */
    weft_event ended;   /* the handler returned (with handler_rc) */
    int handler_rc;
};

static int producer(weft_gen *g, void *arg)
{
    struct feed *f = arg;
    int rc = 0;
    for (int i = 0; rc == 0; i++) {
        if (i) rc = weft_sleep(WEFT_MS(20));
        if (rc == 0) rc = weft_gen_yield(g, "tick");
    }
    weft_event_set(&f->cleaned); /* cleanup: runs when the consumer closes it */
    return rc;
}

static int events(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req;
    struct feed *f = ud;
    weft_gen *g;
    int rc = weft_gen_new(&g, producer, f);
    if (rc < 0) return rc;
    for (;;) {
        void *item;
        rc = weft_gen_next(g, &item);
        if (rc == 0) rc = weft_sse_send(res, "tick", item);
        if (rc < 0) break;
        weft_event_set(&f->started);
    }
    weft_gen_free(g);
    f->handler_rc = rc;
    weft_event_set(&f->ended);
    return rc;
}

static int t_sse_hangup(void *arg)
{
    (void)arg;
    struct feed f = {WEFT_EVENT_INIT, WEFT_EVENT_INIT, WEFT_EVENT_INIT, 1};
    weft_http_app *app;
    WT_REQUIRE_EQ(weft_http_app_new(&app), 0);
    WT_REQUIRE_EQ(weft_http_route(app, "GET", "/events", events, &f), 0);
    weft_http_server *srv;
    WT_REQUIRE_EQ(weft_http_server_start(&srv, app, NULL), 0);
    weft_addr a;
    WT_REQUIRE_EQ(weft_http_server_addr(srv, &a), 0);
    weft_stream *c;
    WT_REQUIRE_EQ(weft_tcp_connect(&c, "127.0.0.1", weft_addr_port(&a)), 0);
    static const char req[] = "GET /events HTTP/1.1\r\nHost: t\r\n\r\n";
    WT_EQ(weft_stream_write(c, req, sizeof req - 1), (ssize_t)(sizeof req - 1));
    char buf[1024];
    ssize_t n = weft_stream_read_until(c, "data: tick\n\n", 12, buf, sizeof buf);
    WT_GT(n, 0);
    WT_CHECK(n > 0 && strstr(buf, "Content-Type: text/event-stream"));
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_SEC(10)), 0);
    WT_EQ(weft_event_wait(&f.started), 0);
    WT_EQ(weft_stream_close(c), 0);        /* hang up mid-stream */
    WT_EQ(weft_event_wait(&f.cleaned), 0); /* the producer's cleanup ran */
    WT_EQ(weft_event_wait(&f.ended), 0);
    WT_EQ(weft_deadline_pop(), 0);
    /* the handler saw its wait cancelled (or its write fail): it ended */
    WT_CHECK(f.handler_rc == -ECANCELED || f.handler_rc == -EPIPE || f.handler_rc == -ECONNRESET);
    WT_EQ(weft_http_server_shutdown(srv, WEFT_SEC(1)), 0);
    weft_http_server_free(srv);
    weft_http_app_free(app);
    return 0;
}

static void test_cap_idle_log(void **s)
{
    (void)s, assert_int_equal(wt_run(t_cap_idle_log, NULL), 0);
}
static void test_sse_hangup(void **s)
{
    (void)s, assert_int_equal(wt_run(t_sse_hangup, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap_idle_log),
        cmocka_unit_test(test_sse_hangup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
