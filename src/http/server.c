/* Layer 6 (http): the server: listening, accepting, limits, shutdown.
 *
 * An accept task takes connections and spawns a detached task per
 * connection (conn.c). The server keeps every live connection on a list
 * (srv->conns) with its state, so a shutdown can tell idle keep-alive
 * connections (closed at once) from requests in progress (given the grace
 * period, then cancelled). At max_connections the accept task stops
 * accepting until one ends: new clients wait in the listen backlog. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/server.h"
#include "util/opts.h"

#define EMFILE_PAUSE WEFT_MS(50) /* out of fds: retry accepting after this */

struct weft__http_srv {
    const weft_http_app *app;
    weft_http_server_options o;
    weft_listener *l;
    weft_task *acceptor;
    weft__http_conn *conns; /* live connections (c->prev/next) */
    size_t nconns;
    weft_event idle; /* set while nconns == 0 */
    weft_event room; /* set while nconns < max_connections */
    int stopping;
    int shut; /* shutdown done */
};

/* The public handle is the internal record. */
struct weft_http_server {
    struct weft__http_srv s;
};

void weft__http_options_resolve(weft_http_server_options *out, const weft_http_server_options *in)
{
    if (WEFT__OPTS_TAKE(weft_http_server_options, out, in, WEFT_HTTP_SERVER_OPTIONS_INIT) < 0)
        out->port = -1; /* a malformed size: options_valid says no */
    if (!out->host) out->host = "127.0.0.1";
    if (!out->max_line) out->max_line = WEFT_HTTP_DEFAULT_MAX_LINE;
    if (!out->max_head) out->max_head = WEFT_HTTP_DEFAULT_MAX_HEAD;
    if (!out->max_headers) out->max_headers = 100;
    if (!out->max_body) out->max_body = 1024 * 1024;
    if (!out->max_connections) out->max_connections = 10000;
    if (!out->header_timeout_ns) out->header_timeout_ns = WEFT_SEC(30);
    if (!out->idle_timeout_ns) out->idle_timeout_ns = WEFT_SEC(75);
    if (!out->send_timeout_ns) out->send_timeout_ns = WEFT_SEC(60);
    if (!out->grace_ns) out->grace_ns = WEFT_SEC(10);
    if (out->max_line > out->max_head) out->max_line = out->max_head;
}

static int options_valid(const weft_http_server_options *o)
{
    return o->port >= 0 && o->port <= 65535 && o->max_connections > 0 &&
           o->max_head <= WEFT_HTTP_LIMIT_MAX && o->max_headers <= 100000;
}

/* ---------------------------------------------------------- connections */

struct conn_arg {
    struct weft__http_srv *srv;
    weft_stream *s;
};

static void conn_unlink(struct weft__http_srv *srv, weft__http_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    srv->nconns--;
    if (srv->nconns < (size_t)srv->o.max_connections) weft_event_set(&srv->room);
    if (!srv->nconns) weft_event_set(&srv->idle);
}

static int conn_task(void *arg)
{
    weft__http_conn *c = arg;
    struct weft__http_srv *srv = c->srv;
    int rc = weft__http_conn_run(c->s, srv->app, &srv->o, srv, c);
    conn_unlink(srv, c);
    free(c);
    return rc;
}

static int start_conn(struct weft__http_srv *srv, weft_stream *s)
{
    weft__http_conn *c = calloc(1, sizeof *c);
    if (!c) return -ENOMEM;
    c->s = s;
    c->srv = srv;
    c->draining = (uint8_t)srv->stopping;
    weft_spawn_options so = {.name = "http connection"};
    int rc = weft_spawn_opts(NULL, &so, conn_task, c);
    if (rc < 0) {
        free(c);
        return rc;
    }
    c->next = srv->conns;
    if (c->next) c->next->prev = c;
    srv->conns = c;
    srv->nconns++;
    weft_event_clear(&srv->idle);
    if (srv->nconns >= (size_t)srv->o.max_connections) weft_event_clear(&srv->room);
    return 0;
}

static int accept_task(void *arg)
{
    struct weft__http_srv *srv = arg;
    for (;;) {
        int rc = weft_event_wait(&srv->room);
        if (rc < 0) return rc == -ECANCELED ? 0 : rc;
        weft_stream *s;
        rc = weft_tcp_accept(srv->l, &s);
        if (rc == -EMFILE || rc == -ENFILE || rc == -ENOBUFS || rc == -ENOMEM) {
            rc = weft_sleep(EMFILE_PAUSE); /* the connection stays queued: retry */
            if (rc < 0) return rc == -ECANCELED ? 0 : rc;
            continue;
        }
        if (rc == -ECANCELED || rc == -EBADF) return 0;
        if (rc < 0) continue; /* a connection that failed before we took it */
        if (start_conn(srv, s) < 0) weft__stream_abort(s);
    }
}

/* --------------------------------------------------------------- server */

int weft_http_server_start(weft_http_server **out, weft_http_app *app,
                           const weft_http_server_options *o)
{
    if (!out || !app) return -EINVAL;
    if (!weft__L || !weft__L->current) return -EINVAL;
    weft_http_server *hs = calloc(1, sizeof *hs);
    if (!hs) return -ENOMEM;
    struct weft__http_srv *srv = &hs->s;
    srv->app = app;
    weft__http_options_resolve(&srv->o, o);
    int rc = options_valid(&srv->o) ? 0 : -EINVAL;
    if (rc == 0) {
        weft_socket_options so = WEFT_SOCKET_OPTIONS_INIT;
        so.backlog = srv->o.backlog;
        so.reuseport = srv->o.reuseport;
        rc = weft_tcp_listen(&srv->l, srv->o.host, srv->o.port, &so);
    }
    if (rc == 0) {
        weft_event_init(&srv->idle);
        weft_event_init(&srv->room);
        weft_event_set(&srv->idle);
        weft_event_set(&srv->room);
        weft_spawn_options sp = {.name = "http accept"};
        rc = weft_spawn_opts(&srv->acceptor, &sp, accept_task, srv);
    }
    if (rc < 0) {
        weft_listener_close(srv->l);
        free(hs);
        return rc;
    }
    *out = hs;
    return 0;
}

int weft_http_server_addr(const weft_http_server *s, weft_addr *a)
{
    if (!s || !a) return -EINVAL;
    return weft_listener_addr(s->s.l, a);
}

size_t weft_http_server_connections(const weft_http_server *s)
{
    return s ? s->s.nconns : 0;
}

/* Cancels the connections: all of them, or only those between requests. */
static void cancel_conns(struct weft__http_srv *srv, int idle_only)
{
    for (weft__http_conn *c = srv->conns; c; c = c->next) {
        c->draining = 1;
        if (!idle_only || c->state == WEFT__HC_IDLE) (void)weft_cancel(c->task);
    }
}

int weft_http_server_shutdown(weft_http_server *hs, int64_t grace_ns)
{
    if (!hs) return -EINVAL;
    struct weft__http_srv *srv = &hs->s;
    if (srv->shut) return 0;
    /* From one of its own connections (a handler) it would wait for itself. */
    weft_task *self = weft_self();
    for (weft__http_conn *c = srv->conns; c; c = c->next)
        if (c->task == self) return -EDEADLK;
    if (grace_ns < 0) grace_ns = srv->o.grace_ns;
    if (weft_shield_push() < 0) return -ENOMEM;
    srv->stopping = 1;
    if (srv->acceptor) {
        (void)weft_cancel(srv->acceptor);
        WEFT_IGNORE(weft_join(srv->acceptor));
        srv->acceptor = NULL;
    }
    weft_listener_close(srv->l);
    srv->l = NULL;
    cancel_conns(srv, 1);
    int rc = 0;
    if (srv->nconns && weft_deadline_push(grace_ns) == 0) {
        rc = weft_event_wait(&srv->idle);
        (void)weft_deadline_pop();
    }
    if (srv->nconns) { /* the grace is over */
        rc = -ETIMEDOUT;
        cancel_conns(srv, 0);
        while (srv->nconns && weft_event_wait(&srv->idle) == 0) {
        }
    } else {
        rc = 0;
    }
    (void)weft_shield_pop();
    srv->shut = 1;
    return rc;
}

void weft_http_server_free(weft_http_server *hs)
{
    if (!hs) return;
    (void)weft_http_server_shutdown(hs, 0);
    free(hs);
}

int weft_http_serve(weft_http_app *app, const weft_http_server_options *o)
{
    weft_http_server *hs;
    int rc = weft_http_server_start(&hs, app, o);
    if (rc < 0) return rc;
    weft_event never = WEFT_EVENT_INIT;
    rc = weft_event_wait(&never); /* until cancelled */
    (void)weft_http_server_shutdown(hs, -1);
    free(hs);
    return rc;
}

int weft_http_serve_stream(weft_http_app *app, weft_stream *s, const weft_http_server_options *o)
{
    if (!app || !s) return -EINVAL;
    if (!weft__L || !weft__L->current) return -EINVAL;
    weft_http_server_options ro;
    weft__http_options_resolve(&ro, o);
    weft__http_conn *c = calloc(1, sizeof *c);
    if (!c) {
        weft__stream_abort(s);
        return -ENOMEM;
    }
    int rc = weft__http_conn_run(s, app, &ro, NULL, c);
    free(c);
    return rc;
}
