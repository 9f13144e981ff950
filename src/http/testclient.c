/* Layer 6 (http): the in-process test client (aiohttp's TestClient).
 *
 * A connection is a weft_stream_pair: the server end is served by a task
 * running weft_http_serve_stream, the client end is read here with the
 * same parser the HTTP client uses (weft_http_parse_response and the
 * chunked decoder). When the server closes a connection, the next request
 * opens a new one. Requests sent and not yet answered are remembered by
 * method, so a response to HEAD is read without a body. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/parser.h"
#include "http/server.h"

#define PENDING_MAX 256

struct weft_http_test {
    weft_http_app *app;
    weft_http_server_options o;
    weft_stream *cs;   /* the client's end, NULL when not connected */
    weft_task *server; /* the task serving the other end */
    char *buf;         /* input: [pos, end) unread */
    size_t cap, pos, end;
    int methods[PENDING_MAX]; /* methods of the requests not yet answered (a ring) */
    size_t mhead, mcount;
};

struct serve_arg {
    weft_http_test *tc;
    weft_stream *ss;
};

static int serve_task(void *arg)
{
    struct serve_arg *a = arg;
    weft_stream *ss = a->ss;
    weft_http_test *tc = a->tc;
    free(a);
    return weft_http_serve_stream(tc->app, ss, &tc->o);
}

static void disconnect(weft_http_test *tc)
{
    if (tc->cs) {
        weft__stream_abort(tc->cs);
        tc->cs = NULL;
    }
    if (tc->server) {
        if (weft_shield_push() == 0) {
            WEFT_IGNORE(weft_join(tc->server));
            (void)weft_shield_pop();
        }
        tc->server = NULL;
    }
    tc->pos = tc->end = 0;
    tc->mcount = 0;
}

static int tc_connect(weft_http_test *tc)
{
    if (tc->cs) return 0;
    if (!tc->buf) {
        tc->buf = malloc(16384);
        if (!tc->buf) return -ENOMEM;
        tc->cap = 16384;
    }
    weft_stream *ss;
    int rc = weft_stream_pair(&tc->cs, &ss);
    if (rc < 0) return rc;
    struct serve_arg *a = malloc(sizeof *a);
    if (!a)
        rc = -ENOMEM;
    else {
        *a = (struct serve_arg){tc, ss};
        weft_spawn_options so = {.name = "http test server"};
        rc = weft_spawn_opts(&tc->server, &so, serve_task, a);
        if (rc < 0) free(a);
    }
    if (rc < 0) {
        weft__stream_abort(ss);
        weft__stream_abort(tc->cs);
        tc->cs = NULL;
    }
    return rc;
}

int weft_http_test_new(weft_http_test **out, weft_http_app *app, const weft_http_server_options *o)
{
    if (!out || !app) return -EINVAL;
    weft_http_test *tc = calloc(1, sizeof *tc);
    if (!tc) return -ENOMEM;
    tc->app = app;
    weft__http_options_resolve(&tc->o, o);
    *out = tc;
    return 0;
}

void weft_http_test_free(weft_http_test *tc)
{
    if (!tc) return;
    disconnect(tc);
    free(tc->buf);
    free(tc);
}

/* The method of the request starting at p (for reading its response). */
static int method_of(const char *p, size_t n)
{
    const char *sp = memchr(p, ' ', n);
    return sp ? weft__http_method_id(p, (size_t)(sp - p)) : WEFT_HTTP_OTHER;
}

static int send_bytes(weft_http_test *tc, const void *bytes, size_t len, int method)
{
    int rc = tc_connect(tc);
    if (rc < 0) return rc;
    if (tc->mcount < PENDING_MAX) tc->methods[(tc->mhead + tc->mcount++) % PENDING_MAX] = method;
    ssize_t w = weft_stream_write(tc->cs, bytes, len);
    if (w < 0) return (int)w;
    return weft_stream_flush(tc->cs);
}

/* Reads more input; 0 at the end of the stream. */
static ssize_t more(weft_http_test *tc)
{
    if (tc->pos == tc->end) tc->pos = tc->end = 0;
    if (tc->cap - tc->end < 4096) {
        if (tc->pos) {
            memmove(tc->buf, tc->buf + tc->pos, tc->end - tc->pos);
            tc->end -= tc->pos;
            tc->pos = 0;
        }
        if (tc->cap - tc->end < 4096) {
            size_t cap = tc->cap ? tc->cap * 2 : 16384;
            char *nb = realloc(tc->buf, cap);
            if (!nb) return -ENOMEM;
            tc->buf = nb;
            tc->cap = cap;
        }
    }
    ssize_t n = weft_stream_read(tc->cs, tc->buf + tc->end, tc->cap - tc->end);
    if (n > 0) tc->end += (size_t)n;
    return n;
}

static int body_add(weft_http_test_response *r, size_t *cap, const char *p, size_t n)
{
    if (r->body_len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 256;
        while (c < r->body_len + n + 1) c *= 2;
        char *nb = realloc(r->body, c);
        if (!nb) return -ENOMEM;
        r->body = nb;
        *cap = c;
    }
    memcpy(r->body + r->body_len, p, n);
    r->body_len += n;
    r->body[r->body_len] = 0;
    return 0;
}

static int read_body(weft_http_test *tc, weft_http_test_response *r, const weft_http_response *h)
{
    size_t cap = 0;
    int rc = body_add(r, &cap, "", 0);
    if (rc < 0) return rc;
    if (h->body == WEFT_HTTP_BODY_LENGTH) {
        uint64_t left = h->content_length;
        while (left) {
            if (tc->pos == tc->end) {
                ssize_t n = more(tc);
                if (n <= 0) return n ? (int)n : WEFT_EOF;
            }
            size_t n = tc->end - tc->pos < left ? tc->end - tc->pos : (size_t)left;
            if ((rc = body_add(r, &cap, tc->buf + tc->pos, n)) < 0) return rc;
            tc->pos += n;
            left -= n;
        }
    } else if (h->body == WEFT_HTTP_BODY_CHUNKED) {
        weft_http_chunked d = WEFT_HTTP_CHUNKED_INIT;
        for (;;) {
            weft_http_chunk ev;
            int c = weft_http_chunked_parse(&d, tc->buf + tc->pos, tc->end - tc->pos, &ev);
            if (c < 0) return c;
            tc->pos += (size_t)c;
            if (ev.kind == WEFT_HTTP_CHUNK_END) break;
            if (ev.kind == WEFT_HTTP_CHUNK_DATA &&
                (rc = body_add(r, &cap, ev.data.ptr, ev.data.len)) < 0)
                return rc;
            if (ev.kind == WEFT_HTTP_CHUNK_NONE) {
                ssize_t n = more(tc);
                if (n <= 0) return n ? (int)n : WEFT_EOF;
            }
        }
    } else if (h->body == WEFT_HTTP_BODY_UNTIL_CLOSE) {
        for (;;) {
            if ((rc = body_add(r, &cap, tc->buf + tc->pos, tc->end - tc->pos)) < 0) return rc;
            tc->pos = tc->end;
            ssize_t n = more(tc);
            if (n == 0) break;
            if (n < 0) return (int)n;
        }
        r->closed = 1;
    }
    return 0;
}

void weft_http_test_response_free(weft_http_test_response *r)
{
    if (!r) return;
    free(r->head);
    free(r->headers);
    free(r->body);
    free(r);
}

static int read_one(weft_http_test *tc, weft_http_test_response **out);

int weft_http_test_read(weft_http_test *tc, weft_http_test_response **out)
{
    if (!tc || !out) return -EINVAL;
    int rc = read_one(tc, out);
    if (rc < 0) disconnect(tc); /* the connection's state is unknown: start afresh */
    return rc;
}

static int read_one(weft_http_test *tc, weft_http_test_response **out)
{
    if (!tc || !out) return -EINVAL;
    *out = NULL;
    if (!tc->cs) return -ENOTCONN;
    int method = tc->mcount ? tc->methods[tc->mhead] : WEFT_HTTP_GET;
    weft_http_header hdrs[128];
    weft_http_response h;
    weft_http_parser ps = WEFT_HTTP_PARSER_INIT;
    int hl;
    for (;;) { /* interim 1xx responses (100 Continue) are skipped */
        h = (weft_http_response)WEFT_HTTP_RESPONSE_INIT(hdrs, method);
        while ((hl = weft_http_parse_response(&ps, tc->buf + tc->pos, tc->end - tc->pos, &h)) ==
               0) {
            ssize_t n = more(tc);
            if (n == 0) return tc->end > tc->pos ? WEFT_EOF : -EPIPE;
            if (n < 0) return (int)n;
        }
        if (hl < 0) return hl;
        if (h.status >= 200 || h.status == 101) break;
        tc->pos += (size_t)hl;
    }
    weft_http_test_response *r = calloc(1, sizeof *r);
    if (!r) return -ENOMEM;
    r->status = h.status;
    r->version = h.version;
    r->num_headers = h.num_headers;
    r->head = malloc((size_t)hl + 1);
    r->headers = calloc(h.num_headers + 1, sizeof *r->headers);
    if (!r->head || !r->headers) {
        weft_http_test_response_free(r);
        return -ENOMEM;
    }
    const char *base = tc->buf + tc->pos;
    memcpy(r->head, base, (size_t)hl);
    r->head[hl] = 0;
    r->head_len = (size_t)hl;
    for (size_t i = 0; i < h.num_headers; i++) { /* rebase, and NUL-terminate each value */
        r->headers[i].name =
            (weft_http_slice){r->head + (h.headers[i].name.ptr - base), h.headers[i].name.len};
        r->headers[i].value =
            (weft_http_slice){r->head + (h.headers[i].value.ptr - base), h.headers[i].value.len};
        r->head[h.headers[i].value.ptr - base + h.headers[i].value.len] = 0;
    }
    tc->pos += (size_t)hl;
    int rc = read_body(tc, r, &h);
    if (rc < 0) {
        weft_http_test_response_free(r);
        return rc;
    }
    if (tc->mcount) {
        tc->mhead = (tc->mhead + 1) % PENDING_MAX;
        tc->mcount--;
    }
    if (!(h.flags & WEFT_HTTP_F_KEEP_ALIVE)) r->closed = 1;
    if (r->closed && tc->pos == tc->end && !tc->mcount) disconnect(tc);
    *out = r;
    return 0;
}

int weft_http_test_raw(weft_http_test *tc, const void *bytes, size_t len,
                       weft_http_test_response **out)
{
    if (!tc || !out || (!bytes && len)) return -EINVAL;
    *out = NULL;
    int rc = send_bytes(tc, bytes, len, method_of(bytes, len));
    if (rc < 0) {
        disconnect(tc);
        return rc;
    }
    return weft_http_test_read(tc, out);
}

int weft_http_test_request(weft_http_test *tc, const char *method, const char *target,
                           const char *const *headers, const void *body, size_t len,
                           weft_http_test_response **out)
{
    if (!tc || !method || !target || !out || (!body && len)) return -EINVAL;
    *out = NULL;
    weft__buf b = {0};
    char line[64];
    int has_host = 0, rc = 0;
#define ADD(p, n)                                                                                  \
    do {                                                                                           \
        if (!rc) rc = weft__buf_add(&b, (p), (n));                                                 \
    } while (0)
#define ADDS(s) ADD((s), strlen(s))
    ADDS(method);
    ADDS(" ");
    ADDS(target);
    ADDS(" HTTP/1.1\r\n");
    for (const char *const *h = headers; h && *h; h++) {
        if (!strncasecmp(*h, "host:", 5)) has_host = 1;
        ADDS(*h);
        ADDS("\r\n");
    }
    if (!has_host) ADDS("Host: test\r\n");
    if (body || len) {
        int n = snprintf(line, sizeof line, "Content-Length: %zu\r\n", len);
        ADD(line, (size_t)n);
    }
    ADDS("\r\n");
    if (len) ADD(body, len);
#undef ADDS
#undef ADD
    if (rc == 0) {
        rc = weft_http_test_raw(tc, b.p, b.len, out);
        if (rc == -EPIPE && !*out) { /* the old connection had just been closed: retry once */
            disconnect(tc);
            rc = weft_http_test_raw(tc, b.p, b.len, out);
        }
    }
    weft__buf_free(&b);
    return rc;
}

const char *weft_http_test_header(weft_http_test_response *r, const char *name)
{
    if (!r || !name) return NULL;
    int i = weft_http_header_find(r->headers, r->num_headers, name);
    return i < 0 ? NULL : r->headers[i].value.ptr;
}
