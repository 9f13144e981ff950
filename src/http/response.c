/* Layer 6 (http): responses.
 *
 * A whole response (the common case) is built in the response's reused
 * buffers while the handler runs and written into the stream's write queue
 * in one piece when it returns: status line, Server, Date, the
 * application's headers, Content-Length, the body. Responses to pipelined
 * requests pile up in the queue and leave in one send (conn.c kicks the
 * queue before the connection next waits).
 *
 * A streamed response writes its head at weft_http_res_begin and each
 * part as a chunk; it waits while more than the stream's high-water mark
 * is queued (backpressure), bounded by the send timeout. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#ifdef WEFT_HAVE_JANSSON
#include <jansson.h>
#endif

#include "http/parser.h"
#include "http/server.h"

/* ------------------------------------------------------------- statuses */

const char *weft_http_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 417:
        return "Expectation Failed";
    case 422:
        return "Unprocessable Content";
    case 426:
        return "Upgrade Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "";
    }
}

/* Statuses whose responses never carry a body (RFC 9110 6.4.1). */
static int bodyless(int status)
{
    return status < 200 || status == 204 || status == 304;
}

int weft__http_error_to_status(int rc)
{
    if (rc == -EMSGSIZE) return 413;
    if (rc == -EBADMSG) return 400;
    if (rc == -ETIMEDOUT) return 503;
    return weft_http_error_status(rc); /* the parser's codes; 500 for the rest */
}

/* ----------------------------------------------------------------- Date */

/* "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", formatted once a second per
 * thread: the loop's cached clock says when the second is over. */
static __thread struct {
    int64_t until; /* weft_now() at which the line goes stale */
    char line[48];
    size_t len;
} date_cache;

static const char *date_line(size_t *len)
{
    int64_t now = weft_now();
    if (now >= date_cache.until) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        date_cache.len = strftime(date_cache.line, sizeof date_cache.line,
                                  "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        date_cache.until = now + (1000000000 - ts.tv_nsec);
    }
    *len = date_cache.len;
    return date_cache.line;
}

/* ------------------------------------------------------------ formatting */

static char *put(char *w, const char *s, size_t n)
{
    if (n) memcpy(w, s, n);
    return w + n;
}
#define PUTS(w, lit) put((w), (lit), sizeof(lit) - 1)

static char *put_u64(char *w, uint64_t v)
{
    char tmp[24];
    int i = 24;
    do tmp[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return put(w, tmp + i, (size_t)(24 - i));
}

static char *put_status_line(char *w, int status)
{
    if (status == 200) return PUTS(w, "HTTP/1.1 200 OK\r\n");
    w = PUTS(w, "HTTP/1.1 ");
    w = put_u64(w, (uint64_t)status);
    *w++ = ' ';
    const char *r = weft_http_reason(status);
    w = put(w, r, strlen(r));
    return PUTS(w, "\r\n");
}

/* Room for the head's own lines besides Server, Date and the application's
 * headers: the status line with the longest reason phrase (46 bytes),
 * Content-Length (38) or Transfer-Encoding (28), Connection (24), CRLF. */
#define HEAD_FIXED 128

static int werr(weft__http_conn *c)
{
    return c->s->werr ? c->s->werr : -ENOMEM;
}

/* Writes the head into the write queue, then body[0..blen) if given:
 * framing is "length" (with Content-Length: len), "chunked" or "none" (no
 * length: bodyless, or until close). Returns 0 or an error. */
enum { FR_LENGTH, FR_CHUNKED, FR_NONE };
static int write_head(weft_http_res *res, int framing, uint64_t len, const char *body, size_t blen)
{
    weft__http_conn *c = res->c;
    size_t dl;
    const char *date = date_line(&dl);
    size_t need = HEAD_FIXED + c->server_len + dl + res->head.len + blen;
    char *w0 = weft__stream_wspace(c->s, need), *w = w0;
    if (!w) return werr(c);
    w = put_status_line(w, res->status);
    w = put(w, c->server_line, c->server_len);
    w = put(w, date, dl);
    w = put(w, res->head.p, res->head.len);
    if (framing == FR_LENGTH) {
        w = PUTS(w, "Content-Length: ");
        w = put_u64(w, len);
        w = PUTS(w, "\r\n");
    } else if (framing == FR_CHUNKED) {
        w = PUTS(w, "Transfer-Encoding: chunked\r\n");
    }
    if (c->draining) res->close = 1; /* the server shuts down: this is the last response */
    if (res->close)
        w = PUTS(w, "Connection: close\r\n");
    else if (c->req.rq.version == 10)
        w = PUTS(w, "Connection: keep-alive\r\n");
    w = PUTS(w, "\r\n");
    w = put(w, body, blen);
    weft__stream_wcommit(c->s, (size_t)(w - w0));
    return 0;
}

int weft__http_res_finish(weft_http_res *res)
{
    int nobody = bodyless(res->status);
    size_t blen = nobody ? 0 : res->body.len;
    res->started = res->ended = 1;
    res->sent = res->head_only ? 0 : blen;
    return write_head(res, nobody ? FR_NONE : FR_LENGTH, blen, res->body.p, (size_t)res->sent);
}

void weft__http_res_reset(weft_http_res *res)
{
    res->status = 200;
    res->started = res->ended = res->chunked = res->until_close = 0;
    res->has_length = res->hijacked = 0;
    res->length = res->sent = 0;
    res->head.len = 0;
    res->body.len = 0;
}

void weft__http_kick(weft__http_conn *c)
{
    weft__stream_kick(c->s);
}

/* Waits for the client to take our output: until the queue is back under
 * its low mark, or (all) empty. The send timeout bounds a stall, not the
 * transfer: each period in which the client took something starts a new
 * one, so a slow reader gets everything and one that stopped reading is
 * dropped after one send timeout. */
int weft__http_flush(weft__http_conn *c, int all)
{
    weft_stream *s = c->s;
    weft__stream_kick(s);
    if (!all && weft_stream_write_queued(s) <= s->high) return s->werr;
    size_t high = s->high;
    if (all) weft_stream_set_write_limit(s, 0); /* flush waits for everything */
    int rc;
    for (;;) {
        size_t before = weft_stream_write_queued(s);
        int pushed = c->o->send_timeout_ns > 0 && weft_deadline_push(c->o->send_timeout_ns) == 0;
        rc = (all && !before) ? s->werr : weft_stream_flush(s);
        int expired = pushed && weft_deadline_pop() == 1 && rc == -ETIMEDOUT;
        if (!expired) break;
        if (weft_stream_write_queued(s) >= before) { /* nothing taken in a whole period */
            c->closing = 1;
            break;
        }
    }
    if (all) weft_stream_set_write_limit(s, high);
    return rc;
}

/* ------------------------------------------------------------ the API */

int weft_http_res_status(weft_http_res *res, int status)
{
    if (!res || status < 100 || status > 999) return -EINVAL;
    if (res->started) return -EALREADY;
    res->status = status;
    return 0;
}

static int valid_name(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, *s)) return 0;
    return 1;
}

static int valid_value(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\t') return 0;
    return 1;
}

int weft_http_res_header(weft_http_res *res, const char *name, const char *value)
{
    if (!res || !name || !value || !valid_name(name) || !valid_value(value)) return -EINVAL;
    if (res->started) return -EALREADY;
    if (!strcasecmp(name, "Transfer-Encoding")) return -EINVAL;
    if (!strcasecmp(name, "Connection") && !strcasecmp(value, "close")) {
        res->close = 1; /* written by the server, once */
        return 0;
    }
    if (!strcasecmp(name, "Content-Length")) {
        char *end;
        unsigned long long v = strtoull(value, &end, 10);
        if (!*value || *end || value[0] == '-') return -EINVAL;
        res->has_length = 1;
        res->length = v;
        return 0; /* written by the server with the framing */
    }
    size_t nl = strlen(name), vl = strlen(value);
    int rc = weft__buf_reserve(&res->head, nl + vl + 4);
    if (rc < 0) return rc;
    char *w = res->head.p + res->head.len;
    w = put(w, name, nl);
    w = PUTS(w, ": ");
    w = put(w, value, vl);
    w = PUTS(w, "\r\n");
    res->head.len = (size_t)(w - res->head.p);
    return 0;
}

int weft_http_res_body(weft_http_res *res, const void *body, size_t len)
{
    if (!res || (!body && len)) return -EINVAL;
    if (res->started) return -EALREADY;
    res->body.len = 0;
    return weft__buf_add(&res->body, body, len);
}

int weft_http_res_send(weft_http_res *res, int status, const char *content_type, const void *body,
                       size_t len)
{
    int rc = weft_http_res_status(res, status);
    if (rc == 0 && content_type) rc = weft_http_res_header(res, "Content-Type", content_type);
    if (rc == 0) rc = weft_http_res_body(res, body, len);
    return rc;
}

int weft_http_res_text(weft_http_res *res, int status, const char *text)
{
    if (!text) return -EINVAL;
    return weft_http_res_send(res, status, "text/plain; charset=utf-8", text, strlen(text));
}

int weft_http_res_json(weft_http_res *res, int status, const struct json_t *j)
{
    if (!res || !j) return -EINVAL;
#ifdef WEFT_HAVE_JANSSON
    int rc = weft_http_res_status(res, status);
    if (rc == 0) rc = weft_http_res_header(res, "Content-Type", "application/json");
    if (rc < 0) return rc;
    size_t n = json_dumpb(j, NULL, 0, JSON_COMPACT);
    if (!n) return -EINVAL;
    res->body.len = 0;
    rc = weft__buf_reserve(&res->body, n);
    if (rc < 0) return rc;
    res->body.len = json_dumpb(j, res->body.p, n, JSON_COMPACT);
    return 0;
#else
    (void)status;
    return -ENOSYS;
#endif
}

int weft_http_res_error(weft_http_res *res, int status, const char *message)
{
    if (!res) return -EINVAL;
    if (res->started) return -EALREADY;
    if (!message) message = weft_http_reason(status);
    res->head.len = 0; /* an error carries none of the headers set so far */
    int rc = weft_http_res_status(res, status);
    if (rc == 0) rc = weft_http_res_header(res, "Content-Type", "application/json");
    if (rc < 0) return rc;
    res->body.len = 0;
    rc = weft__buf_reserve(&res->body, strlen(message) * 6 + 16);
    if (rc < 0) return rc;
    char *w = PUTS(res->body.p, "{\"error\":\"");
    for (const unsigned char *m = (const unsigned char *)message; *m; m++) {
        if (*m == '"' || *m == '\\') {
            *w++ = '\\';
            *w++ = (char)*m;
        } else if (*m < 0x20) {
            w += sprintf(w, "\\u%04x", *m);
        } else {
            *w++ = (char)*m;
        }
    }
    w = PUTS(w, "\"}");
    res->body.len = (size_t)(w - res->body.p);
    return 0;
}

int weft_http_res_started(const weft_http_res *res)
{
    return res && res->started;
}

int weft_http_res_get_status(const weft_http_res *res)
{
    return res ? res->status : -EINVAL;
}

void weft__http_res_fail(weft_http_res *res, int status)
{
    res->has_length = 0;
    (void)weft_http_res_error(res, status, NULL);
}

int weft__http_write_error(weft__http_conn *c, int status)
{
    weft_http_res *res = &c->res;
    weft__http_res_reset(res);
    res->close = 1;
    res->head_only = 0;
    weft__http_res_fail(res, status);
    return weft__http_res_finish(res);
}

/* ------------------------------------------------------------ streaming */

int weft_http_res_begin(weft_http_res *res)
{
    if (!res) return -EINVAL;
    if (res->started) return -EALREADY;
    weft__http_conn *c = res->c;
    int framing = FR_CHUNKED;
    if (bodyless(res->status) || res->head_only) {
        framing = res->has_length && !bodyless(res->status) ? FR_LENGTH : FR_NONE;
    } else if (res->has_length) {
        framing = FR_LENGTH;
    } else if (c->req.rq.version < 11) {
        framing = FR_NONE;
        res->until_close = 1;
        res->close = 1;
    }
    res->chunked = framing == FR_CHUNKED;
    res->started = 1;
    int rc = write_head(res, framing, res->length, NULL, 0);
    return rc < 0 ? rc : weft__http_flush(c, 0);
}

ssize_t weft_http_res_write(weft_http_res *res, const void *buf, size_t len)
{
    if (!res || (!buf && len)) return -EINVAL;
    if (res->hijacked || res->ended) return -EPIPE;
    if (!res->started) {
        int rc = weft_http_res_begin(res);
        if (rc < 0) return rc;
    }
    if (!len || res->head_only || bodyless(res->status)) return (ssize_t)len;
    weft__http_conn *c = res->c;
    if (res->has_length && len > res->length - res->sent) return -EMSGSIZE;
    if (len > SIZE_MAX - 24) return -EMSGSIZE; /* room for the chunk framing */
    char *w0 = weft__stream_wspace(c->s, len + 24), *w = w0;
    if (!w) return werr(c);
    if (res->chunked) {
        static const char hex[] = "0123456789abcdef";
        char tmp[16];
        int i = 16;
        size_t v = len;
        do tmp[--i] = hex[v & 15];
        while ((v >>= 4) != 0);
        w = put(w, tmp + i, (size_t)(16 - i));
        w = PUTS(w, "\r\n");
    }
    w = put(w, buf, len);
    if (res->chunked) w = PUTS(w, "\r\n");
    weft__stream_wcommit(c->s, (size_t)(w - w0));
    res->sent += len;
    int rc = weft__http_flush(c, 0);
    return rc < 0 ? rc : (ssize_t)len;
}

int weft_http_res_end(weft_http_res *res)
{
    if (!res) return -EINVAL;
    if (!res->started) {
        int rc = weft_http_res_begin(res);
        if (rc < 0) return rc;
    }
    if (res->ended) return 0;
    res->ended = 1;
    weft__http_conn *c = res->c;
    if (res->has_length && res->sent != res->length && !res->head_only) {
        c->closing = 1; /* the promised length was not met: the body is cut short */
        return -EPIPE;
    }
    if (res->until_close) c->closing = 1;
    if (res->chunked) {
        char *w = weft__stream_wspace(c->s, 5);
        if (!w) return werr(c);
        memcpy(w, "0\r\n\r\n", 5);
        weft__stream_wcommit(c->s, 5);
    }
    return weft__http_flush(c, 0);
}

int weft_http_res_hijack(weft_http_res *res, weft_stream **s)
{
    if (!res || !s) return -EINVAL;
    if (res->started || res->hijacked) return -EALREADY;
    weft__http_conn *c = res->c;
    size_t have = c->iend - c->ipos;
    if (have && weft__stream_unread(c->s, c->ibuf + c->ipos, have) < 0) return -ENOMEM;
    c->ipos = c->iend;
    res->hijacked = 1;
    res->started = res->ended = 1;
    c->closing = 1;
    *s = c->s;
    return 0;
}

/* ------------------------------------------------------------------ SSE */

int weft_sse_begin(weft_http_res *res)
{
    if (!res) return -EINVAL;
    if (res->started) return -EALREADY;
    int rc = weft_http_res_header(res, "Content-Type", "text/event-stream");
    if (rc == 0) rc = weft_http_res_header(res, "Cache-Control", "no-cache");
    if (rc == 0) rc = weft_http_res_header(res, "X-Accel-Buffering", "no");
    if (rc == 0) rc = weft_http_res_begin(res);
    return rc;
}

static int add_field(weft__buf *b, const char *name, const char *v, size_t n)
{
    int rc = weft__buf_add(b, name, strlen(name));
    if (rc == 0) rc = weft__buf_add(b, v, n);
    if (rc == 0) rc = weft__buf_add(b, "\n", 1);
    return rc;
}

int weft_sse_send_event(weft_http_res *res, const weft_sse_event *ev)
{
    if (!res || !ev) return -EINVAL;
    if ((ev->id && strpbrk(ev->id, "\r\n")) || (ev->event && strpbrk(ev->event, "\r\n")))
        return -EINVAL;
    if (!res->started) {
        int rc = weft_sse_begin(res);
        if (rc < 0) return rc;
    }
    weft__buf *b = &res->c->out;
    b->len = 0;
    int rc = 0;
    if (ev->id) rc = add_field(b, "id: ", ev->id, strlen(ev->id));
    if (!rc && ev->event) rc = add_field(b, "event: ", ev->event, strlen(ev->event));
    if (!rc && ev->retry_ms >= 0) {
        char num[24];
        int n = snprintf(num, sizeof num, "%lld", (long long)ev->retry_ms);
        rc = add_field(b, "retry: ", num, (size_t)n);
    }
    if (!rc && ev->data) { /* one data: line per line (CRLF, CR and LF all end lines) */
        const char *p = ev->data;
        for (;;) {
            size_t n = strcspn(p, "\r\n");
            rc = add_field(b, "data: ", p, n);
            if (rc || !p[n]) break;
            p += n + (p[n] == '\r' && p[n + 1] == '\n' ? 2 : 1);
        }
    }
    if (!rc) rc = weft__buf_add(b, "\n", 1);
    if (rc < 0) return rc;
    ssize_t w = weft_http_res_write(res, b->p, b->len);
    return w < 0 ? (int)w : 0;
}

int weft_sse_send(weft_http_res *res, const char *event, const char *data)
{
    weft_sse_event ev = WEFT_SSE_EVENT_INIT;
    ev.event = event;
    ev.data = data ? data : "";
    return weft_sse_send_event(res, &ev);
}

int weft_sse_comment(weft_http_res *res, const char *text)
{
    if (!res || !text || strpbrk(text, "\r\n")) return -EINVAL;
    if (!res->started) {
        int rc = weft_sse_begin(res);
        if (rc < 0) return rc;
    }
    weft__buf *b = &res->c->out;
    b->len = 0;
    int rc = add_field(b, ": ", text, strlen(text));
    if (!rc) rc = weft__buf_add(b, "\n", 1);
    if (rc < 0) return rc;
    ssize_t w = weft_http_res_write(res, b->p, b->len);
    return w < 0 ? (int)w : 0;
}
