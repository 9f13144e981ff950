/* Layer 6 (http): the request: accessors, route parameters, the body.
 *
 * The body is read on demand, from what already sits in the connection's
 * input buffer after the head, then from the stream: a Content-Length body
 * straight into the caller's buffer (never past its end, so a pipelined
 * request behind it stays unread), a chunked body through the decoder in
 * the input buffer. A DATA event larger than the caller's buffer leaves
 * its rest pending in place (c->pend), and the buffer is never compacted
 * over pending bytes or the live head. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef WEFT_HAVE_JANSSON
#include <jansson.h>
#endif

#include "http/server.h"

#define DRAIN_MAX (64 * 1024) /* unread body bytes dropped to keep a connection */

/* ------------------------------------------------------------- buffers */

int weft__buf_reserve(weft__buf *b, size_t more)
{
    if (b->cap - b->len >= more) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2) return -ENOMEM;
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) return -ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

int weft__buf_add(weft__buf *b, const void *p, size_t n)
{
    int rc = weft__buf_reserve(b, n);
    if (rc < 0) return rc;
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

void weft__buf_free(weft__buf *b)
{
    free(b->p);
    *b = (weft__buf){0};
}

/* ------------------------------------------------------------ accessors */

int weft_http_req_method(const weft_http_req *req)
{
    return req ? req->rq.method_id : -EINVAL;
}

weft_http_slice weft_http_req_method_name(const weft_http_req *req)
{
    return req ? req->rq.method : (weft_http_slice){0};
}

weft_http_slice weft_http_req_target(const weft_http_req *req)
{
    return req ? req->rq.target : (weft_http_slice){0};
}

weft_http_slice weft_http_req_path(const weft_http_req *req)
{
    return req ? req->path : (weft_http_slice){0};
}

weft_http_slice weft_http_req_query(const weft_http_req *req)
{
    return req ? req->query : (weft_http_slice){0};
}

int weft_http_req_version(const weft_http_req *req)
{
    return req ? req->rq.version : -EINVAL;
}

unsigned weft_http_req_flags(const weft_http_req *req)
{
    return req ? req->rq.flags : 0;
}

void weft_http_req_set_data(weft_http_req *req, void *data)
{
    if (req) req->data = data;
}

void *weft_http_req_data(const weft_http_req *req)
{
    return req ? req->data : NULL;
}

weft_http_slice weft_http_req_header(const weft_http_req *req, const char *name)
{
    weft_http_slice none = {NULL, 0};
    if (!req || !name) return none;
    int i = weft_http_header_find(req->rq.headers, req->rq.num_headers, name);
    return i < 0 ? none : req->rq.headers[i].value;
}

const weft_http_header *weft_http_req_headers(const weft_http_req *req, size_t *n)
{
    if (n) *n = req ? req->rq.num_headers : 0;
    return req ? req->rq.headers : NULL;
}

int weft_http_req_peer(const weft_http_req *req, weft_addr *a)
{
    if (!req || !a) return -EINVAL;
    return weft_stream_peer_addr(req->c->s, a);
}

/* Decodes every parameter into c->scratch, once per request. */
static int decode_params(weft_http_req *req)
{
    weft__http_conn *c = req->c;
    const weft__match *m = &req->m;
    size_t need = 0;
    for (int i = 0; i < m->nparams; i++) need += m->pval[i].len + 1;
    c->scratch.len = 0;
    int rc = weft__buf_reserve(&c->scratch, need);
    if (rc < 0) return rc;
    char *p = c->scratch.p;
    for (int i = 0; i < m->nparams; i++) {
        int n = weft_http_pct_decode(p, m->pval[i].len, m->pval[i].ptr, m->pval[i].len,
                                     WEFT_HTTP_PCT_NO_NUL);
        if (n < 0) return n;
        p[n] = 0;
        req->pvals[i] = p;
        p += n + 1;
    }
    req->params_ready = 1;
    return 0;
}

const char *weft_http_req_param(const weft_http_req *req, const char *name)
{
    if (!req || !name) return NULL;
    weft_http_req *r = (weft_http_req *)req; /* decoding on first use is not a visible change */
    for (int i = 0; i < req->m.nparams; i++) {
        if (strcmp(req->m.pname[i], name)) continue;
        if (!r->params_ready && decode_params(r) < 0) return NULL;
        return r->pvals[i];
    }
    return NULL;
}

int weft_http_req_query_get(const weft_http_req *req, const char *key, char *buf, size_t cap)
{
    if (!req || !key || !buf || !cap) return -EINVAL;
    size_t pos = 0, kl = strlen(key);
    weft_http_slice k, v;
    char kb[256];
    while (weft_http_query_next(req->query.ptr, req->query.len, &pos, &k, &v)) {
        if (k.len > sizeof kb) continue;
        int n = weft_http_pct_decode(kb, sizeof kb, k.ptr, k.len, WEFT_HTTP_PCT_PLUS);
        if (n < 0 || (size_t)n != kl || memcmp(kb, key, kl)) continue;
        if (v.len + 1 > cap) {
            /* the decoded value may still fit: decode into a bounded copy */
            char *tmp = malloc(v.len);
            if (!tmp) return -ENOMEM;
            n = weft_http_pct_decode(tmp, v.len, v.ptr, v.len, WEFT_HTTP_PCT_PLUS);
            if (n >= 0 && (size_t)n + 1 <= cap) {
                memcpy(buf, tmp, (size_t)n);
                buf[n] = 0;
            } else if (n >= 0) {
                n = -ENOSPC;
            }
            free(tmp);
            return n;
        }
        n = weft_http_pct_decode(buf, cap, v.ptr, v.len, WEFT_HTTP_PCT_PLUS);
        if (n >= 0) buf[n] = 0;
        return n;
    }
    return -ENOENT;
}

/* ---------------------------------------------------------------- body */

void weft__http_body_start(weft_http_req *req)
{
    weft__http_conn *c = req->c;
    req->body = req->rq.body;
    req->got = 0;
    req->body_err = 0;
    req->continue_sent = 0;
    req->whole.len = 0; /* weft_http_req_body's copy is this request's alone */
    c->pend_len = 0;
    req->body_done = req->body == WEFT_HTTP_BODY_NONE ||
                     (req->body == WEFT_HTTP_BODY_LENGTH && req->rq.content_length == 0);
    req->left = req->body == WEFT_HTTP_BODY_LENGTH ? req->rq.content_length : 0;
    if (req->body == WEFT_HTTP_BODY_CHUNKED) {
        weft_http_limits lim = {0};
        (void)weft_http_chunked_init(&req->ck, &lim);
    }
}

/* Sends "100 Continue" before the first body read, if the client waits
 * for it (queued: it goes out before the read below waits). */
static int send_continue(weft_http_req *req)
{
    weft__http_conn *c = req->c;
    req->continue_sent = 1;
    if (!(req->rq.flags & WEFT_HTTP_F_EXPECT_CONTINUE) || c->res.started) return 0;
    static const char msg[] = "HTTP/1.1 100 Continue\r\n\r\n";
    char *w = weft__stream_wspace(c->s, sizeof msg - 1);
    if (!w) return c->s->werr ? c->s->werr : -ENOMEM;
    memcpy(w, msg, sizeof msg - 1);
    weft__stream_wcommit(c->s, sizeof msg - 1);
    return 0;
}

/* Waits for more body bytes from the stream, bounded by the header timeout
 * (a client that stalls mid-body is a slow client like any other). */
static ssize_t body_wait(weft__http_conn *c, void *dst, size_t len)
{
    weft__http_kick(c);
    int pushed = c->o->header_timeout_ns > 0 && weft_deadline_push(c->o->header_timeout_ns) == 0;
    ssize_t r = dst ? weft_stream_read(c->s, dst, len) : weft__http_conn_fill(c);
    if (pushed) (void)weft_deadline_pop();
    if (r == 0) return WEFT_EOF;
    return r;
}

static ssize_t read_length(weft_http_req *req, char *buf, size_t len)
{
    weft__http_conn *c = req->c;
    if (len > req->left) len = (size_t)req->left;
    size_t have = c->iend - c->ipos;
    ssize_t n;
    if (have) {
        n = (ssize_t)(have < len ? have : len);
        memcpy(buf, c->ibuf + c->ipos, (size_t)n);
        c->ipos += (size_t)n;
    } else {
        n = body_wait(c, buf, len);
        if (n < 0) return n;
    }
    req->left -= (uint64_t)n;
    return n;
}

static ssize_t read_chunked(weft_http_req *req, char *buf, size_t len)
{
    weft__http_conn *c = req->c;
    for (;;) {
        if (c->pend_len) {
            size_t n = c->pend_len < len ? c->pend_len : len;
            memcpy(buf, c->ibuf + c->pend_off, n);
            c->pend_off += n;
            c->pend_len -= n;
            return (ssize_t)n;
        }
        weft_http_chunk ev;
        int rc = weft_http_chunked_parse(&req->ck, c->ibuf + c->ipos, c->iend - c->ipos, &ev);
        if (rc < 0) return rc;
        c->ipos += (size_t)rc;
        switch (ev.kind) {
        case WEFT_HTTP_CHUNK_DATA:
            c->pend_off = (size_t)(ev.data.ptr - c->ibuf);
            c->pend_len = ev.data.len;
            continue;
        case WEFT_HTTP_CHUNK_END:
            return 0;
        case WEFT_HTTP_CHUNK_NONE: {
            ssize_t r = body_wait(c, NULL, 0);
            if (r < 0) return r;
            continue;
        }
        default:
            continue; /* size lines, trailers */
        }
    }
}

ssize_t weft_http_req_read(weft_http_req *req, void *buf, size_t len)
{
    if (!req || (!buf && len)) return -EINVAL;
    if (req->body_err) return req->body_err;
    if (req->body_done || !len) return 0;
    weft__http_conn *c = req->c;
    if (req->body == WEFT_HTTP_BODY_LENGTH && req->rq.content_length > c->o->max_body)
        return req->body_err = -EMSGSIZE; /* known too large: no 100 Continue */
    if (!req->continue_sent) {
        int rc = send_continue(req);
        if (rc < 0) return req->body_err = rc;
    }
    void (*hook)(void *) = c->task ? c->task->park_hook : NULL;
    if (hook) c->task->park_hook = NULL; /* body reads are not the handler waiting */
    ssize_t n = req->body == WEFT_HTTP_BODY_LENGTH ? read_length(req, buf, len)
                                                   : read_chunked(req, buf, len);
    if (hook) c->task->park_hook = hook;
    if (n == 0) {
        req->body_done = 1;
    } else if (n > 0) {
        req->got += (uint64_t)n;
        if (req->body == WEFT_HTTP_BODY_LENGTH && !req->left) req->body_done = 1;
        if (req->got > c->o->max_body) n = -EMSGSIZE;
    }
    if (n < 0 && n != -ECANCELED && n != -ETIMEDOUT) req->body_err = (int)n;
    return n;
}

int weft_http_req_body(weft_http_req *req, const char **body, size_t *len)
{
    if (!req || !body || !len) return -EINVAL;
    weft__buf *b = &req->whole; /* emptied for each request (weft__http_body_start) */
    if (req->body == WEFT_HTTP_BODY_LENGTH && req->rq.content_length <= req->c->o->max_body) {
        int rc = weft__buf_reserve(b, (size_t)req->rq.content_length + 1);
        if (rc < 0) return rc;
    }
    for (;;) {
        int rc = weft__buf_reserve(b, 4096);
        if (rc < 0) return rc;
        ssize_t n = weft_http_req_read(req, b->p + b->len, b->cap - b->len - 1);
        if (n < 0) return (int)n;
        if (n == 0) break;
        b->len += (size_t)n;
    }
    b->p[b->len] = 0; /* handy for text bodies; not counted */
    *body = b->p;
    *len = b->len;
    return 0;
}

int weft_http_req_json(weft_http_req *req, struct json_t **out)
{
    if (!req || !out) return -EINVAL;
    *out = NULL;
#ifdef WEFT_HAVE_JANSSON
    const char *p;
    size_t n;
    int rc = weft_http_req_body(req, &p, &n);
    if (rc < 0) return rc;
    json_error_t err;
    json_t *j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &err);
    if (!j) return -EBADMSG;
    *out = j;
    return 0;
#else
    return -ENOSYS;
#endif
}

int weft__http_body_keepable(const weft_http_req *req)
{
    if (req->body_done) return 1;
    /* The client may be holding the body back until a 100 Continue it
     * never got: the connection's state is unknown, so it ends. */
    if ((req->rq.flags & WEFT_HTTP_F_EXPECT_CONTINUE) && !req->continue_sent) return 0;
    if (req->body_err) return 0;
    if (req->body == WEFT_HTTP_BODY_LENGTH && req->left > DRAIN_MAX) return 0;
    return 1;
}

int weft__http_body_drain(weft_http_req *req)
{
    if (req->body_done) return 0;
    if (!weft__http_body_keepable(req)) return -1;
    char sink[4096];
    size_t dropped = 0;
    req->continue_sent = 1;
    while (dropped <= DRAIN_MAX) {
        ssize_t n = weft_http_req_read(req, sink, sizeof sink);
        if (n == 0) return 0;
        if (n < 0) return -1;
        dropped += (size_t)n;
    }
    return -1;
}
