/* weft serve: the seeds' FastAPI/aiohttp demo, live (the main job).
 *
 *   weft serve [--host H] [--port P] [--log]
 *
 *   GET  /                an HTML page listing the endpoints, with a live SSE panel
 *   GET  /hello/{name}    {"message": "Hello, <name>!"} (UTF-8 names work)
 *   POST /items           201, echoing the JSON body (400 on bad JSON)
 *   GET  /aggregate       gathers 5 simulated upstream calls (concurrent sleeps)
 *   GET  /stream          server-sent events fed by an async generator (?count=N)
 *   GET  /plaintext       Hello, World! (TechEmpower shapes, for the benchmarks)
 *   GET  /json            {"message":"Hello, World!"} serialized per request
 *
 * Ctrl+C (or SIGTERM) shuts it down gracefully: weft_run cancels the root
 * task, weft_http_serve stops accepting, lets requests in progress finish
 * and returns, and the program exits 0. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <weft.h>

#include "weft_cmd.h"

static const char page[] =
    "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>weft serve</title>\n"
    "<style>body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;"
    "padding:0 1em;color:#222}code{background:#f3f3f3;padding:0 .3em}"
    "#events{background:#111;color:#9f9;font-family:monospace;height:14em;overflow:auto;"
    "padding:.5em;white-space:pre}</style></head>\n<body>\n"
    "<h1>weft serve</h1>\n<p>asyncio + aiohttp for C: every request below is served by a "
    "C function running as a task on weft's event loop.</p>\n<ul>\n"
    "<li><a href=\"/hello/world\"><code>GET /hello/{name}</code></a> &mdash; a JSON greeting "
    "(try <a href=\"/hello/%E4%B8%96%E7%95%8C\">/hello/世界</a>)</li>\n"
    "<li><code>POST /items</code> &mdash; 201 with the JSON body echoed "
    "(<code>curl -d '{\"name\":\"x\"}' localhost:8080/items</code>)</li>\n"
    "<li><a href=\"/aggregate\"><code>GET /aggregate</code></a> &mdash; five upstream calls "
    "gathered concurrently, with the wall time</li>\n"
    "<li><a href=\"/stream?count=5\"><code>GET /stream</code></a> &mdash; server-sent events "
    "from an async generator (the panel below)</li>\n"
    "<li><a href=\"/plaintext\"><code>GET /plaintext</code></a> and "
    "<a href=\"/json\"><code>GET /json</code></a> &mdash; the benchmark shapes</li>\n"
    "</ul>\n<h2>Live events (<code>/stream</code>)</h2>\n<div id=\"events\"></div>\n"
    "<script>\nconst box = document.getElementById('events');\n"
    "const es = new EventSource('/stream');\n"
    "es.addEventListener('tick', e => { box.textContent += e.data + '\\n';"
    " box.scrollTop = box.scrollHeight; });\n"
    "es.onerror = () => { box.textContent += '(disconnected)\\n'; };\n"
    "</script>\n</body></html>\n";

static int index_page(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    return weft_http_res_send(res, 200, "text/html; charset=utf-8", page, sizeof page - 1);
}

static int plaintext(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    return weft_http_res_send(res, 200, "text/plain", "Hello, World!", 13);
}

static int json_hello(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    json_t *j = json_object(); /* an object per request, serialized per request */
    if (!j || json_object_set_new_nocheck(j, "message", json_string_nocheck("Hello, World!"))) {
        json_decref(j);
        return -ENOMEM;
    }
    int rc = weft_http_res_json(res, 200, j);
    json_decref(j);
    return rc;
}

static int hello(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    const char *name = weft_http_req_param(req, "name");
    char msg[512];
    if (!name || snprintf(msg, sizeof msg, "Hello, %s!", name) >= (int)sizeof msg)
        return weft_http_res_error(res, 400, "name too long");
    json_t *j = json_pack("{s:s}", "message", msg); /* NULL: not valid UTF-8 */
    if (!j) return weft_http_res_error(res, 400, "name is not valid UTF-8");
    int rc = weft_http_res_json(res, 200, j);
    json_decref(j);
    return rc;
}

static int items(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    json_t *body;
    int rc = weft_http_req_json(req, &body);
    if (rc == -EBADMSG) return weft_http_res_error(res, 400, "body is not valid JSON");
    if (rc < 0) return rc;
    json_t *out = json_pack("{s:O,s:I}", "item", body, "received_at", (json_int_t)time(NULL));
    json_decref(body);
    if (!out) return -ENOMEM;
    rc = weft_http_res_json(res, 201, out);
    json_decref(out);
    return rc;
}

/* ---------------------------------------------------------- /aggregate */

struct upstream {
    int id;
    int64_t delay_ns;
};

/* A simulated upstream call: a sleep standing in for an HTTP request. */
static int call_upstream(void *arg)
{
    struct upstream *u = arg;
    return weft_sleep(u->delay_ns);
}

static int aggregate(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    enum { N = 5 };
    struct upstream up[N];
    weft_group *g;
    int rc = weft_group_new(&g, WEFT_COLLECT);
    if (rc < 0) return rc;
    int64_t t0 = weft_now(), sum = 0;
    for (int i = 0; i < N && rc == 0; i++) {
        up[i] = (struct upstream){i + 1, WEFT_MS(40 + 20 * i)};
        sum += up[i].delay_ns;
        rc = weft_group_spawn(g, NULL, call_upstream, &up[i]);
    }
    if (rc == 0) rc = weft_group_wait(g); /* gather: every call at once */
    int failed = rc;
    json_t *results = json_array();
    for (int i = 0; i < N; i++) {
        int st = weft_task_status(weft_group_task(g, i));
        json_array_append_new(results, json_pack("{s:i,s:f,s:s}", "upstream", up[i].id, "ms",
                                                 up[i].delay_ns / 1e6, "status",
                                                 st == 0 ? "ok" : weft_errname(st)));
    }
    weft_group_free(g);
    if (failed < 0) {
        json_decref(results);
        return failed; /* cancelled (the client left) or out of memory */
    }
    json_t *out = json_pack("{s:o,s:f,s:f}", "results", results, "wall_ms", (weft_now() - t0) / 1e6,
                            "sequential_ms", sum / 1e6);
    if (!out) return -ENOMEM;
    rc = weft_http_res_json(res, 200, out);
    json_decref(out);
    return rc;
}

/* ------------------------------------------------------------- /stream */

struct tick {
    int n;
    char text[96];
};

/* The async generator: one tick a second (the producer runs only while
 * the consumer asks for the next one). */
static int ticker(weft_gen *g, void *arg)
{
    int count = *(int *)arg;
    struct tick t;
    for (t.n = 1; count <= 0 || t.n <= count; t.n++) {
        if (t.n > 1) {
            int rc = weft_sleep(WEFT_SEC(1));
            if (rc < 0) return rc;
        }
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        snprintf(t.text, sizeof t.text, "tick %d at %02d:%02d:%02d UTC", t.n, tm.tm_hour, tm.tm_min,
                 tm.tm_sec);
        int rc = weft_gen_yield(g, &t);
        if (rc < 0) return rc; /* closed early: the client went away */
    }
    return 0;
}

static int stream(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    char num[16];
    int count = 0;
    if (weft_http_req_query_get(req, "count", num, sizeof num) > 0) count = atoi(num);
    weft_gen *g;
    int rc = weft_gen_new(&g, ticker, &count);
    if (rc < 0) return rc;
    rc = weft_sse_begin(res);
    while (rc == 0) {
        void *item;
        rc = weft_gen_next(g, &item);
        if (rc == -EPIPE) { /* exhausted */
            rc = 0;
            break;
        }
        if (rc < 0) break;
        struct tick *t = item;
        char id[16];
        snprintf(id, sizeof id, "%d", t->n);
        weft_sse_event ev = WEFT_SSE_EVENT_INIT;
        ev.id = id;
        ev.event = "tick";
        ev.data = t->text;
        rc = weft_sse_send_event(res, &ev);
    }
    weft_gen_free(g); /* cancels the producer if it is still going */
    return rc;
}

/* -------------------------------------------------------------- server */

struct serve_cfg {
    weft_http_server_options o;
};

static void access_log(const weft_http_access *a, void *ud)
{
    (void)ud;
    char peer[WEFT_ADDR_STRLEN] = "-";
    if (a->peer) (void)weft_addr_format(a->peer, peer, sizeof peer);
    fprintf(stderr, "%s \"%.*s %.*s\" %d %llu %.2fms\n", peer, (int)a->method.len, a->method.ptr,
            (int)a->target.len, a->target.ptr, a->status, (unsigned long long)a->bytes,
            a->duration_ns / 1e6);
}

static int serve_main(void *arg)
{
    struct serve_cfg *cfg = arg;
    weft_http_app *app;
    int rc = weft_http_app_new(&app);
    if (rc < 0) return rc;
    if ((rc = weft_http_route(app, "GET", "/", index_page, NULL)) < 0 ||
        (rc = weft_http_route(app, "GET", "/hello/{name}", hello, NULL)) < 0 ||
        (rc = weft_http_route(app, "POST", "/items", items, NULL)) < 0 ||
        (rc = weft_http_route(app, "GET", "/aggregate", aggregate, NULL)) < 0 ||
        (rc = weft_http_route(app, "GET", "/stream", stream, NULL)) < 0 ||
        (rc = weft_http_route(app, "GET", "/plaintext", plaintext, NULL)) < 0 ||
        (rc = weft_http_route(app, "GET", "/json", json_hello, NULL)) < 0) {
        weft_http_app_free(app);
        return rc;
    }
    weft_http_server *srv;
    rc = weft_http_server_start(&srv, app, &cfg->o);
    if (rc < 0) {
        fprintf(stderr, "weft serve: cannot listen on %s:%d: %s\n", cfg->o.host, cfg->o.port,
                weft_strerror(rc));
        weft_http_app_free(app);
        return rc;
    }
    weft_addr a;
    char where[WEFT_ADDR_STRLEN] = "?";
    if (weft_http_server_addr(srv, &a) == 0) (void)weft_addr_format(&a, where, sizeof where);
    printf("weft serve: listening on http://%s/ (%s backend); Ctrl+C stops\n", where,
           weft_backend_name());
    fflush(stdout);
    weft_event forever = WEFT_EVENT_INIT;
    rc = weft_event_wait(&forever); /* until Ctrl+C / SIGTERM cancels this task */
    int down = weft_http_server_shutdown(srv, -1);
    weft_http_server_free(srv);
    weft_http_app_free(app);
    printf("weft serve: stopped (%s)\n", down == 0 ? "every request finished" : "grace expired");
    return rc == -ECANCELED ? 0 : rc;
}

int weft_serve(int argc, char **argv)
{
    struct serve_cfg cfg = {WEFT_HTTP_SERVER_OPTIONS_INIT};
    cfg.o.host = "127.0.0.1";
    cfg.o.port = 8080;
    cfg.o.grace_ns = WEFT_SEC(5);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--host") && i + 1 < argc)
            cfg.o.host = argv[++i];
        else if (!strcmp(argv[i], "--port") && i + 1 < argc)
            cfg.o.port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--log"))
            cfg.o.access_log = access_log;
        else {
            fprintf(stderr, "usage: weft serve [--host H] [--port P] [--log]\n");
            return 2;
        }
    }
    int rc = weft_run(serve_main, &cfg);
    return rc == 0 ? 0 : 1;
}
