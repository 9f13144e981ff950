/* libFuzzer target: the whole HTTP server on arbitrary input. Each input
 * is what a client sends on one connection (requests, pipelines, bodies,
 * garbage, cut anywhere); it goes to weft_http_serve_stream over an
 * in-process stream pair, on a fresh loop with the virtual clock (so the
 * server's timeouts pass at once), with an app whose routes read bodies
 * whole and streamed, answer with parameters, stream chunks and send SSE.
 * The first byte picks small limits and how the input is fed (whole, or in
 * pieces with yields in between).
 *
 * Checks beyond "no crash, no leak, no UB": the server ends by itself;
 * everything it writes is a well-formed sequence of HTTP/1.1 responses
 * (parsed with weft_http_parse_response and the chunked decoder, framing
 * honoured, nothing left over but a last response's until-close body);
 * every status is 1xx-5xx; no response follows one that said
 * Connection: close. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <weft.h>

#include "fuzz_check.h"

static int h_text(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    const char *p = weft_http_req_param(req, "x");
    char q[32];
    int n = weft_http_req_query_get(req, "q", q, sizeof q);
    char out[128];
    snprintf(out, sizeof out, "%s|%s", p ? p : "-", n >= 0 ? q : "-");
    return weft_http_res_text(res, 200, out);
}

static int h_body(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    const char *b;
    size_t n;
    int rc = weft_http_req_body(req, &b, &n);
    if (rc < 0) return rc;
    return weft_http_res_send(res, 201, "application/octet-stream", b, n);
}

static int h_read(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    char buf[7];
    size_t total = 0;
    ssize_t n;
    while ((n = weft_http_req_read(req, buf, sizeof buf)) > 0) total += (size_t)n;
    if (n < 0) return (int)n;
    char out[32];
    snprintf(out, sizeof out, "%zu", total);
    return weft_http_res_text(res, 200, out);
}

static int h_json(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    json_t *j;
    int rc = weft_http_req_json(req, &j);
    if (rc < 0) return rc;
    rc = weft_http_res_json(res, 200, j);
    json_decref(j);
    return rc;
}

static int h_stream(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    for (int i = 0; i < 3; i++) {
        ssize_t w = weft_http_res_write(res, "chunk", 5);
        if (w < 0) return (int)w;
    }
    return weft_sse_comment(res, "end");
}

static int h_sse(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    int rc = weft_sse_send(res, "e", "a\nb");
    return rc < 0 ? rc : weft_http_res_end(res);
}

static int h_fail(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)res, (void)ud;
    return -EIO;
}

static int mw(weft_http_req *req, weft_http_res *res, weft_http_next *next, void *ud)
{
    (void)ud;
    weft_http_slice h = weft_http_req_header(req, "X-Deny");
    if (h.ptr) return weft_http_res_error(res, 403, "denied");
    return weft_http_next_call(next, req, res);
}

static weft_http_app *app;

struct run {
    weft_stream *c; /* the client's end */
    const uint8_t *in;
    size_t len;
    unsigned mode;
    char *out;
    size_t out_len, out_cap;
};

static int server_task(void *arg)
{
    weft_stream *s = arg;
    static weft_http_server_options o = WEFT_HTTP_SERVER_OPTIONS_INIT;
    return weft_http_serve_stream(app, s, &o);
}

static int server_small(void *arg)
{
    weft_stream *s = arg;
    static weft_http_server_options o = WEFT_HTTP_SERVER_OPTIONS_INIT;
    o.max_line = 64;
    o.max_head = 256;
    o.max_headers = 4;
    o.max_body = 16;
    o.handler_timeout_ns = WEFT_MS(5);
    return weft_http_serve_stream(app, s, &o);
}

/* Reads everything the server sends until it closes. */
static int reader(void *arg)
{
    struct run *r = arg;
    for (;;) {
        if (r->out_cap - r->out_len < 65536) {
            r->out_cap = r->out_cap * 2 + 65536;
            r->out = realloc(r->out, r->out_cap);
            CHECK(r->out);
        }
        ssize_t n = weft_stream_read(r->c, r->out + r->out_len, r->out_cap - r->out_len);
        if (n <= 0) return n < 0 ? (int)n : 0;
        r->out_len += (size_t)n;
    }
}

static int body(void *arg)
{
    struct run *r = arg;
    weft_stream *s;
    CHECK(weft_stream_pair(&r->c, &s) == 0);
    weft_task *srv, *rd;
    CHECK(weft_spawn(&srv, (r->mode & 1) ? server_small : server_task, s) == 0);
    CHECK(weft_spawn(&rd, reader, r) == 0);
    /* the input, whole or in pieces with the other tasks running between */
    size_t piece = (r->mode & 2) ? 1 + (r->mode >> 2) % 13 : r->len ? r->len : 1;
    for (size_t off = 0; off < r->len;) {
        size_t n = r->len - off < piece ? r->len - off : piece;
        if (weft_stream_write(r->c, r->in + off, n) < 0) break; /* the server closed */
        off += n;
        if (weft_stream_flush(r->c) < 0 || weft_yield() < 0) break;
    }
    (void)weft_stream_write_eof(r->c);
    CHECK(weft_join(rd) == 0); /* the server ended the connection by itself */
    CHECK(weft_join(srv) > -4300);
    (void)weft_stream_close(r->c);
    return 0;
}

/* The methods of the requests in the input, in order, as far as they
 * parse (the server answers them in this order; it stops at the first one
 * it refuses). */
static size_t request_methods(const char *p, size_t len, int small, int *m, size_t max)
{
    size_t n = 0, off = 0;
    /* the server's own limits, so both stop at the same request */
    weft_http_limits lim = {small ? 64 : 0, small ? 256 : 0, 0, 0};
    while (n < max && off < len) {
        weft_http_header hs[100];
        weft_http_request rq = WEFT_HTTP_REQUEST_INIT(hs);
        rq.max_headers = small ? 4 : 100;
        weft_http_parser ps;
        CHECK(weft_http_parser_init(&ps, &lim) == 0);
        int hl = weft_http_parse_request(&ps, p + off, len - off, &rq);
        if (hl <= 0) break;
        m[n++] = rq.method_id;
        off += (size_t)hl;
        if (rq.body == WEFT_HTTP_BODY_LENGTH) {
            if (len - off < rq.content_length) break;
            off += rq.content_length;
        } else if (rq.body == WEFT_HTTP_BODY_CHUNKED) {
            weft_http_chunked d = WEFT_HTTP_CHUNKED_INIT;
            weft_http_chunk ev = {0};
            while (ev.kind != WEFT_HTTP_CHUNK_END) {
                int c = weft_http_chunked_parse(&d, p + off, len - off, &ev);
                if (c < 0 || ev.kind == WEFT_HTTP_CHUNK_NONE) return n;
                off += (size_t)c;
            }
        }
    }
    return n;
}

/* The server's output must be a clean sequence of responses, one per
 * request in order (1xx interim ones aside). */
static void check_output(const char *p, size_t len, const int *methods, size_t nm)
{
    size_t off = 0, k = 0;
    int closed = 0;
    while (off < len) {
        CHECK(!closed); /* nothing after Connection: close */
        weft_http_header hs[64];
        weft_http_response r = WEFT_HTTP_RESPONSE_INIT(hs, k < nm ? methods[k] : WEFT_HTTP_GET);
        weft_http_parser ps = WEFT_HTTP_PARSER_INIT;
        int hl = weft_http_parse_response(&ps, p + off, len - off, &r);
        CHECK(hl > 0);
        CHECK(r.status >= 100 && r.status <= 599);
        off += (size_t)hl;
        if (r.status < 200) continue;
        k++;
        if (r.body == WEFT_HTTP_BODY_LENGTH) {
            CHECK(len - off >= r.content_length);
            off += r.content_length;
        } else if (r.body == WEFT_HTTP_BODY_CHUNKED) {
            weft_http_chunked d = WEFT_HTTP_CHUNKED_INIT;
            weft_http_chunk ev;
            int done = 0;
            while (!done) {
                int c = weft_http_chunked_parse(&d, p + off, len - off, &ev);
                CHECK(c >= 0);
                off += (size_t)c;
                if (ev.kind == WEFT_HTTP_CHUNK_END)
                    done = 1;
                else if (ev.kind == WEFT_HTTP_CHUNK_NONE)
                    break; /* cut short: the connection ended */
            }
            if (!done) return;
        } else if (r.body == WEFT_HTTP_BODY_UNTIL_CLOSE) {
            return;
        }
        if (!(r.flags & WEFT_HTTP_F_KEEP_ALIVE)) closed = 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!app) {
        CHECK(weft_http_app_new(&app) == 0);
        CHECK(weft_http_use(app, mw, NULL) == 0);
        CHECK(weft_http_route(app, "GET", "/", h_text, NULL) == 0);
        CHECK(weft_http_route(app, "GET", "/p/{x}", h_text, NULL) == 0);
        CHECK(weft_http_route(app, "*", "/rest/{x...}", h_text, NULL) == 0);
        CHECK(weft_http_route(app, "POST", "/body", h_body, NULL) == 0);
        CHECK(weft_http_route(app, "PUT", "/read", h_read, NULL) == 0);
        CHECK(weft_http_route(app, "POST", "/json", h_json, NULL) == 0);
        CHECK(weft_http_route(app, "GET", "/stream", h_stream, NULL) == 0);
        CHECK(weft_http_route(app, "GET", "/sse", h_sse, NULL) == 0);
        CHECK(weft_http_route(app, "GET", "/fail", h_fail, NULL) == 0);
    }
    if (!size) return 0;
    struct run r = {NULL, data + 1, size - 1, data[0], NULL, 0, 0};
    weft_options o = WEFT_OPTIONS_INIT;
    o.backend = "poll";
    o.signals = 0;
    o.debug = 0;
    o.virtual_clock = 1;
    CHECK(weft_run_opts(&o, body, &r) == 0);
    int methods[256];
    size_t nm = request_methods((const char *)data + 1, size - 1, data[0] & 1, methods, 256);
    check_output(r.out, r.out_len, methods, nm);
    free(r.out);
    return 0;
}
