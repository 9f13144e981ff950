/* weft-example: args=--self-test
 * Pattern 22 (StreamingResponse, server-sent events): a chunked response
 * written piece by piece, and an SSE endpoint fed by an async generator
 * (pattern 14). A client that disconnects cancels the handler, and closing
 * the generator runs the producer's cleanup.
 *
 *   ./streaming [PORT]       serve on 127.0.0.1:PORT (default 8082); try
 *                            curl -N localhost:8082/events?count=5
 *   ./streaming --self-test  exercise both endpoints in-process */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weft.h>

/* GET /report: a response produced piece by piece (each piece waits for
 * some "work", and the client sees it as it comes: chunked encoding). */
static int report(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    weft_http_res_header(res, "Content-Type", "text/plain");
    for (int i = 1; i <= 3; i++) {
        int rc = weft_sleep(WEFT_MS(20)); /* computing the next section */
        if (rc < 0) return rc;
        char line[64];
        int n = snprintf(line, sizeof line, "section %d of 3\n", i);
        ssize_t w = weft_http_res_write(res, line, (size_t)n);
        if (w < 0) return (int)w;
    }
    return 0;
}

/* The producer: one reading every 50 ms, until count or until closed. */
struct sensor {
    int count;
    int produced;
    int cleaned_up; /* set by the producer's cleanup */
};

static int readings(weft_gen *g, void *arg)
{
    struct sensor *s = arg;
    int rc = 0;
    char value[64];
    for (int i = 1; i <= s->count && rc == 0; i++) {
        rc = weft_sleep(WEFT_MS(50));
        if (rc == 0) {
            snprintf(value, sizeof value, "{\"reading\":%d,\"celsius\":%.1f}", i, 20.0 + i / 10.0);
            s->produced = i;
            rc = weft_gen_yield(g, value);
        }
    }
    s->cleaned_up = 1; /* runs whether exhausted, closed early or cancelled */
    return rc;
}

static struct sensor last_sensor;

/* GET /events?count=N: server-sent events from the generator. */
static int events(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    char num[16] = "5";
    WEFT_IGNORE(weft_http_req_query_get(req, "count", num, sizeof num)); /* default 5 */
    last_sensor = (struct sensor){.count = atoi(num)};
    weft_gen *g;
    int rc = weft_gen_new(&g, readings, &last_sensor);
    if (rc < 0) return rc;
    rc = weft_sse_begin(res);
    for (int id = 1; rc == 0; id++) {
        void *item;
        rc = weft_gen_next(g, &item); /* the producer runs only now */
        if (rc == -EPIPE) {
            rc = 0;
            break;
        }                  /* exhausted */
        if (rc < 0) break; /* e.g. -ECANCELED: the client left */
        char ids[16];
        snprintf(ids, sizeof ids, "%d", id);
        weft_sse_event ev = WEFT_SSE_EVENT_INIT;
        ev.id = ids;
        ev.event = "reading";
        ev.data = item;
        rc = weft_sse_send_event(res, &ev);
    }
    weft_gen_free(g); /* closes it: a producer still running is cancelled, its cleanup runs */
    return rc;
}

static int self_test(void *arg)
{
    weft_http_app *app = arg;
    weft_http_test *tc;
    if (weft_http_test_new(&tc, app, NULL) < 0) return 1;
    int bad = 0;
    weft_http_test_response *r;
    if (weft_http_test_request(tc, "GET", "/report", NULL, NULL, 0, &r) == 0) {
        printf("GET /report -> %d, Transfer-Encoding: %s\n%s", r->status,
               weft_http_test_header(r, "Transfer-Encoding"), r->body);
        bad += r->status != 200 || !strstr(r->body, "section 3 of 3");
        weft_http_test_response_free(r);
    } else
        bad++;
    if (weft_http_test_request(tc, "GET", "/events?count=3", NULL, NULL, 0, &r) == 0) {
        printf("GET /events?count=3 -> %d, Content-Type: %s\n%s", r->status,
               weft_http_test_header(r, "Content-Type"), r->body);
        bad += r->status != 200 || !strstr(r->body, "id: 3\nevent: reading\ndata: {\"reading\":3");
        bad += !last_sensor.cleaned_up || last_sensor.produced != 3;
        weft_http_test_response_free(r);
    } else
        bad++;
    weft_http_test_free(tc);
    printf("%s\n", bad ? "self-test FAILED" : "self-test passed");
    return bad ? 1 : 0;
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
    printf("try: curl -N http://127.0.0.1:%d/events?count=5 (Ctrl+C stops)\n", a->port);
    fflush(stdout);
    int rc = weft_http_serve(a->app, &o);
    return rc == -ECANCELED ? 0 : 1;
}

int main(int argc, char **argv)
{
    weft_http_app *app;
    if (weft_http_app_new(&app) < 0 || weft_http_route(app, "GET", "/report", report, NULL) < 0 ||
        weft_http_route(app, "GET", "/events", events, NULL) < 0)
        return 1;
    int rc;
    if (argc > 1 && !strcmp(argv[1], "--self-test")) {
        rc = weft_run(self_test, app);
    } else {
        struct serve_arg a = {app, argc > 1 ? atoi(argv[1]) : 8082};
        rc = weft_run(serve, &a);
    }
    weft_http_app_free(app);
    return rc;
}
