/* Layer 6 (http): one connection, served by one task.
 *
 * The loop: read until a whole request head is in ibuf, parse it in
 * place, run the app's chain, write the response into the stream's write
 * queue, drop what is left of the request's body, and go on with the next
 * head. Pipelined requests already in ibuf are served back to back and
 * their responses leave in one send: the queue is kicked before every
 * wait (the read for the next head, a body read, or a handler's own wait,
 * caught by the task's park hook).
 *
 * Timeouts are deadline scopes around the waits: the idle timeout while no
 * byte of the next request has come, the header timeout from its first
 * byte until the head is complete (and per body read), the send timeout
 * around waits for the client to take our output.
 *
 * The hang-up watch: a handler that waits (its first park runs the hook)
 * gets a POLL on the socket for readability; the client closing or
 * resetting the connection cancels the connection's task, so the handler's
 * waits return -ECANCELED and its cleanup runs (aiohttp cancels the
 * handler's task the same way). Readable data that is a pipelined request
 * ends the watch. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http/server.h"

#define IBUF_INIT (16 * 1024)
#define LINGER_NS WEFT_SEC(2) /* reading (and dropping) after an error, before closing */

/* ---------------------------------------------------------------- input */

/* Moves the unconsumed input down to the first byte that must stay. */
static void compact(weft__http_conn *c)
{
    size_t from = c->pend_len ? c->pend_off : c->ipos;
    size_t to = c->keep;
    if (from <= to) return;
    size_t n = c->iend - from;
    memmove(c->ibuf + to, c->ibuf + from, n);
    if (c->pend_len) c->pend_off -= from - to;
    c->ipos -= from - to;
    c->iend = to + n;
}

/* Grows ibuf. A live request's head never moves (its slices may be held
 * by the handler until it returns, as http_server.h promises): the bytes
 * are copied into a new buffer and the old one, which the slices point
 * into, is kept untouched until the request ends (c->ibuf_live). */
static int grow(weft__http_conn *c)
{
    size_t limit = (size_t)c->o->max_head + IBUF_INIT;
    if (c->icap >= limit) return -ENOBUFS;
    size_t cap = c->icap * 2 < limit ? c->icap * 2 : limit;
    if (!c->keep) {
        char *nb = realloc(c->ibuf, cap);
        if (!nb) return -ENOMEM;
        c->ibuf = nb;
        c->icap = cap;
        return 0;
    }
    char *nb = malloc(cap);
    if (!nb) return -ENOMEM;
    memcpy(nb, c->ibuf, c->iend);
    if (c->ibuf_live) free(c->ibuf); /* a copy from an earlier grow: nothing points in */
    else c->ibuf_live = c->ibuf;
    c->ibuf = nb;
    c->icap = cap;
    return 0;
}

/* The request is over: the buffer its head was parsed in can go. */
static void head_release(weft__http_conn *c)
{
    c->keep = 0;
    free(c->ibuf_live);
    c->ibuf_live = NULL;
}

ssize_t weft__http_conn_fill(weft__http_conn *c)
{
    if (c->icap - c->iend < 1024) compact(c);
    if (c->iend == c->icap) {
        int rc = grow(c);
        if (rc < 0) return rc;
    }
    ssize_t n = weft_stream_read(c->s, c->ibuf + c->iend, c->icap - c->iend);
    if (n > 0) c->iend += (size_t)n;
    return n;
}

/* --------------------------------------------------------- hang-up watch */

static void hup_done(weft__io *op, int res);

/* Whether the client has gone: the end of the stream or an error. Data is
 * a pipelined request (the watch ends); nothing means a spurious wake-up. */
enum { HUP_NO, HUP_GONE, HUP_AGAIN };
static int hup_look(weft__http_conn *c)
{
    char b;
    ssize_t r = recv(c->s->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return HUP_GONE;
    return r < 0 ? HUP_AGAIN : HUP_NO;
}

/* The cancellation of a hang-up seen while the task was about to park:
 * the park hook must not cancel its own task (the wait being entered may
 * already be registered), so it is done from the loop's next turn. */
static void hup_posted(weft__post *p)
{
    weft__http_conn *c = WEFT__CONTAINER(p, weft__http_conn, hup_post);
    c->hup_post_pending = 0;
    if (c->hup_waiter) {
        weft__wait *w = c->hup_waiter;
        c->hup_waiter = NULL;
        weft__wake(w, 0);
    } else if (c->in_handler) {
        (void)weft_cancel(c->task);
    }
}

static void hup_start(weft__http_conn *c)
{
    weft_loop *L = weft__L;
    c->hup = (weft__io){
        .op = WEFT__OP_POLL, .fd = c->s->fd, .flags = POLLIN | POLLRDHUP, .done = hup_done};
    int rc = L->be->start(L, &c->hup);
    if (rc == -EINPROGRESS) {
        c->hup_armed = 1;
    } else if (rc > 0 && hup_look(c) == HUP_GONE) { /* already readable: look now */
        c->hup_seen = 1;
        c->hup_post_pending = 1;
        c->hup_post.fn = hup_posted;
        weft__loop_post(L, &c->hup_post);
    }
}

/* The watch's completion (loop context: the task is parked, so it may be
 * cancelled here). */
static void hup_done(weft__io *op, int res)
{
    weft__http_conn *c = WEFT__CONTAINER(op, weft__http_conn, hup);
    c->hup_armed = 0;
    if (c->hup_waiter && !c->hup_post_pending) {
        weft__wait *w = c->hup_waiter;
        c->hup_waiter = NULL;
        weft__wake(w, 0);
        return;
    }
    if (!c->in_handler || res <= 0) return;
    int look = hup_look(c);
    if (look == HUP_GONE) {
        c->hup_seen = 1;
        (void)weft_cancel(c->task);
    } else if (look == HUP_AGAIN) {
        hup_start(c); /* spurious: watch on */
    }
}

/* The connection task is about to wait inside a handler. */
static void park_hook(void *arg)
{
    weft__http_conn *c = arg;
    weft__http_kick(c);
    if (c->in_handler && c->s->fd >= 0 && c->s->is_sock && !c->hup_armed && !c->hup_post_pending &&
        !c->hup_waiter)
        hup_start(c);
}

static void hup_stop(weft__http_conn *c)
{
    if (c->hup_armed) weft__L->be->cancel(weft__L, &c->hup);
}

/* Waits (uninterruptibly) for the watch's last completion and a posted
 * cancellation: both point at the connection. */
static void hup_settle(weft__http_conn *c)
{
    while (c->hup_armed || c->hup_post_pending) {
        weft__wait w = {.what = "http hang-up watch"};
        c->hup_waiter = &w;
        if (c->hup_armed) weft__L->be->cancel(weft__L, &c->hup);
        if (c->hup_waiter) (void)weft__park(&w);
    }
}

/* ------------------------------------------------------------ requests */

/* Reads until a whole head is parsed. Returns its length; 0 when the
 * connection should end quietly (EOF between requests, idle timeout,
 * shutdown of an idle connection); a negative code otherwise (parse
 * errors, -ETIMEDOUT for a head that did not complete in time). */
static int read_head(weft__http_conn *c)
{
    weft_http_request *rq = &c->req.rq;
    /* A head whose first bytes are already here (pipelined behind the
     * previous request) starts its header timer now, not when they came:
     * the server could not read it before. */
    if (c->ipos < c->iend) c->head_t0 = weft_now();
    for (;;) {
        if (c->ipos < c->iend) {
            rq->headers = c->hdrs;
            rq->max_headers = c->o->max_headers;
            int rc = weft_http_parse_request(&c->ps, c->ibuf + c->ipos, c->iend - c->ipos, rq);
            if (rc != 0) return rc;
            if (c->icap - c->iend < 1024 && c->ipos) compact(c);
        } else {
            c->ipos = c->iend = 0;
        }
        int idle = c->ipos == c->iend;
        c->state = idle ? WEFT__HC_IDLE : WEFT__HC_HEAD;
        if (idle && c->draining) return 0;
        weft__http_kick(c);
        int64_t ns =
            idle ? c->o->idle_timeout_ns : c->head_t0 + c->o->header_timeout_ns - weft_now();
        int pushed = (idle ? c->o->idle_timeout_ns : c->o->header_timeout_ns) > 0 &&
                     weft_deadline_push(ns > 0 ? ns : 0) == 0;
        ssize_t n = weft__http_conn_fill(c);
        int expired = pushed && weft_deadline_pop() == 1;
        if (n > 0) {
            if (idle) c->head_t0 = weft_now();
            continue;
        }
        if (n == 0 || n == -ECANCELED || n == -ECONNRESET) return idle ? 0 : (int)(n ? n : -EPIPE);
        if (n == -ETIMEDOUT && expired) return idle ? 0 : -ETIMEDOUT;
        if (n == -ENOBUFS) return WEFT_HTTP_EHEAD_TOO_LARGE;
        return (int)n;
    }
}

/* Splits the target into path and query. 0, or a status to answer. */
static int split_target(weft_http_req *req)
{
    const weft_http_slice t = req->rq.target;
    if (t.len && t.ptr[0] == '/') {
        const char *q = memchr(t.ptr, '?', t.len);
        const char *end = t.ptr + t.len;
        const char *f = memchr(t.ptr, '#', t.len);
        if (f && (!q || f < q))
            q = NULL, end = f;
        else if (f)
            end = f;
        req->path = (weft_http_slice){t.ptr, (size_t)((q ? q : end) - t.ptr)};
        req->query =
            q ? (weft_http_slice){q + 1, (size_t)(end - q - 1)} : (weft_http_slice){t.ptr, 0};
        return 0;
    }
    weft_http_target tg;
    if (weft_http_target_split(t.ptr, t.len, &tg) < 0) return 400;
    if (tg.form == WEFT_HTTP_TARGET_ASTERISK) {
        req->path = t;
        req->query = (weft_http_slice){t.ptr, 0};
        return req->rq.method_id == WEFT_HTTP_OPTIONS ? 0 : 400;
    }
    if (tg.form == WEFT_HTTP_TARGET_AUTHORITY)
        return req->rq.method_id == WEFT_HTTP_CONNECT ? 0 : 400;
    req->path = tg.path.len ? tg.path : (weft_http_slice){"/", 1};
    req->query = tg.query;
    return 0;
}

static void log_access(weft__http_conn *c, int status)
{
    if (!c->o->access_log) return;
    weft_http_access a = {c->req.rq.method,
                          c->req.rq.target,
                          c->req.rq.version,
                          status,
                          c->res.sent,
                          weft__mono() - c->req.t0,
                          NULL};
    if (!c->have_peer && weft_stream_peer_addr(c->s, &c->peer) == 0) c->have_peer = 1;
    a.peer = c->have_peer ? &c->peer : NULL;
    c->o->access_log(&a, c->o->access_log_ud);
}

/* Serves one parsed request. Returns 0 to go on, < 0 to end the
 * connection. */
static int serve_one(weft__http_conn *c, int hlen)
{
    weft_http_req *req = &c->req;
    weft_http_res *res = &c->res;
    req->t0 = c->o->access_log ? weft__mono() : 0;
    c->ipos += (size_t)hlen;
    c->keep = c->ipos;
    c->state = WEFT__HC_BUSY;
    req->data = NULL;
    req->params_ready = 0;
    req->m.nparams = 0;
    weft__http_res_reset(res);
    res->head_only = req->rq.method_id == WEFT_HTTP_HEAD;
    res->close = !(req->rq.flags & WEFT_HTTP_F_KEEP_ALIVE); /* (and a shutdown: write_head) */
    weft__http_body_start(req);

    int status = split_target(req);
    if (!status && req->rq.version >= 11 && req->rq.host < 0) status = 400;
    if (!status && (req->rq.flags & WEFT_HTTP_F_EXPECT_OTHER)) status = 417;
    if (!status && (req->rq.flags & WEFT_HTTP_F_TE_CODED)) status = 501;
    if (status) { /* refused before the app sees it: the body is unread */
        res->close = 1;
        weft__http_res_fail(res, status);
        int rc = weft__http_res_finish(res);
        log_access(c, status);
        return rc < 0 ? rc : -1;
    }

    weft_task *t = c->task;
    c->in_handler = 1;
    c->hup_seen = 0;
    t->park_hook = park_hook;
    t->park_arg = c;
    int pushed = c->o->handler_timeout_ns > 0 && weft_deadline_push(c->o->handler_timeout_ns) == 0;
    int rc = weft__http_dispatch(c->app, req, res);
    if (pushed) (void)weft_deadline_pop();
    t->park_hook = NULL;
    c->in_handler = 0;
    hup_stop(c);
    if (c->hup_seen) { /* the client has gone: nobody to answer */
        log_access(c, 0);
        return -1;
    }
    if (res->hijacked) return 1;
    if (rc < 0 && !res->started) {
        /* cancelled by a shutdown whose grace ran out: the service went away */
        weft__http_res_fail(res,
                            rc == -ECANCELED && c->draining ? 503 : weft__http_error_to_status(rc));
    } else if (rc < 0) {
        c->closing = 1; /* a streamed response failed half way */
    }
    if (!res->started && !weft__http_body_keepable(req)) res->close = 1;
    if (!res->started)
        rc = weft__http_res_finish(res);
    else if (!res->ended && !c->closing)
        rc = weft_http_res_end(res);
    else
        rc = 0;
    log_access(c, res->status);
    if (rc < 0 || c->closing || res->close) return -1;
    /* a large response waits to go out (backpressure); small ones wait
     * for the kick before the next wait, so pipelined ones share a send */
    if (weft_stream_write_queued(c->s) > c->s->high && weft__http_flush(c, 0) < 0) return -1;
    c->state = WEFT__HC_HEAD;
    if (weft__http_body_drain(req) < 0) return -1;
    head_release(c);
    return 0;
}

/* Closing after an error: the client may still be sending (the rest of a
 * refused body), and closing with unread input makes the kernel reset the
 * connection, which can destroy the error response before the client
 * reads it. So: send everything, half-close, and read for a short while
 * until the client closes too (nginx's lingering close). */
static void linger(weft__http_conn *c)
{
    if (weft_shield_push() < 0) return;
    if (weft_deadline_push(LINGER_NS) == 0) {
        if (weft__http_flush(c, 1) >= 0 && weft_stream_write_eof(c->s) >= 0) {
            char sink[4096];
            while (weft_stream_read(c->s, sink, sizeof sink) > 0) {
            }
        }
        (void)weft_deadline_pop();
    }
    (void)weft_shield_pop();
}

static int conn_setup(weft__http_conn *c)
{
    c->icap = IBUF_INIT;
    c->ibuf = malloc(c->icap);
    c->hdrs = malloc(sizeof *c->hdrs * c->o->max_headers);
    if (!c->ibuf || !c->hdrs) return -ENOMEM;
    weft_http_limits lim = {.max_line = c->o->max_line, .max_head = c->o->max_head};
    if (weft_http_parser_init(&c->ps, &lim) < 0) return -EINVAL;
    c->req.c = c;
    c->res.c = c;
    c->task = weft_self();
    const char *name = c->o->server_name;
    if (!name) name = "weft/" WEFT_VERSION_STRING;
    size_t nl = strlen(name);
    if (nl && nl + 10 < sizeof c->server_line && !strpbrk(name, "\r\n")) {
        memcpy(c->server_line, "Server: ", 8);
        memcpy(c->server_line + 8, name, nl);
        memcpy(c->server_line + 8 + nl, "\r\n", 2);
        c->server_len = nl + 10;
    }
    return 0;
}

static void conn_teardown(weft__http_conn *c)
{
    free(c->ibuf_live);
    free(c->ibuf);
    free(c->hdrs);
    weft__buf_free(&c->req.whole);
    weft__buf_free(&c->res.head);
    weft__buf_free(&c->res.body);
    weft__buf_free(&c->scratch);
    weft__buf_free(&c->out);
}

int weft__http_conn_run(weft_stream *s, const weft_http_app *app, const weft_http_server_options *o,
                        weft__http_srv *srv, weft__http_conn *c)
{
    c->s = s;
    c->app = app;
    c->o = o;
    c->srv = srv;
    int rc = conn_setup(c), hijacked = 0, err = 0;
    while (rc == 0 && !c->closing) {
        int hlen = read_head(c);
        if (hlen == 0) break;
        if (hlen < 0) {
            int status = hlen == -ETIMEDOUT ? 408 : weft_http_error_status(hlen);
            if (status != 500)
                (void)weft__http_write_error(c, status); /* a bad head */
            else
                rc = hlen; /* the connection failed: nobody to answer */
            err = 1;
            break;
        }
        int r = serve_one(c, hlen);
        if (r > 0) hijacked = 1;
        if (r != 0) {
            err = r < 0 && c->ipos < c->iend;
            break;
        }
    }
    hup_settle(c);
    if (!hijacked) {
        if (err && !weft_cancelled()) linger(c);
        if (weft_shield_push() == 0) { /* sending what is queued is cleanup */
            if (weft__http_flush(c, 1) < 0)
                weft__stream_abort(s); /* the client is stuck */
            else
                (void)weft_stream_close(s);
            (void)weft_shield_pop();
        } else {
            weft__stream_abort(s);
        }
    }
    conn_teardown(c);
    return rc == -ECANCELED ? 0 : rc;
}
