/* Layer 6 (http): what the server's files share (include/weft/http_server.h
 * is the public side).
 *
 *   app.c       the app: routes, middleware chain, dispatch, 404/405
 *   router.c    the route tree and path matching
 *   conn.c      one connection: read heads, run the chain, write responses
 *   request.c   request accessors and bodies (Content-Length and chunked,
 *               100-continue, drain-or-close)
 *   response.c  building and sending responses; streaming; SSE
 *   server.c    listening, accepting, connection limits, shutdown
 *   testclient.c the in-process test client
 *
 * One connection is one task running conn_serve (weft__http_conn_run). Its
 * struct conn holds everything a request needs, reused from one request
 * to the next, so the plaintext path allocates nothing per request:
 *
 *   ibuf   the bytes read and not yet consumed: [ipos, iend). The current
 *          request's head lives at [hpos, hpos + hlen) and is never moved
 *          while the request is live (its slices point into it).
 *   the response head and body under construction (hbuf, bbuf), written
 *          straight into the stream's write queue when the response ends;
 *          several pipelined responses go out in one send.
 */
#ifndef WEFT_HTTP_SERVER_INT_H
#define WEFT_HTTP_SERVER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"
#include "core/loop.h"
#include "io/stream.h"
#include "weft/http.h"
#include "weft/http_server.h"
#include "weft/net.h"
#include "weft/sync.h"

#define WEFT__HTTP_MAX_PARAMS 16

/* A growable byte buffer (reused: len goes back to 0, the memory stays). */
typedef struct weft__buf {
    char *p;
    size_t len, cap;
} weft__buf;
int weft__buf_reserve(weft__buf *b, size_t more);
int weft__buf_add(weft__buf *b, const void *p, size_t n);
void weft__buf_free(weft__buf *b);

/* ---------------------------------------------------------------- router */

typedef struct weft__route weft__route;
typedef struct weft__rnode weft__rnode;

/* The outcome of matching a path. */
typedef struct weft__match {
    const weft__route *route; /* the handler to run, or NULL */
    int status;               /* 0 (route found), 404 or 405 */
    char allow[128];          /* 405: the Allow header's value */
    int nparams;
    const char *pname[WEFT__HTTP_MAX_PARAMS];
    weft_http_slice pval[WEFT__HTTP_MAX_PARAMS]; /* raw (still encoded) segments */
} weft__match;

struct weft__route {
    weft__route *next; /* the node's routes, in registration order */
    int method_id;     /* WEFT_HTTP_*, or -1 for "*" */
    char *method;      /* the token (for WEFT_HTTP_OTHER) */
    weft_http_handler h;
    void *ud;
};

int weft__router_add(weft__rnode **root, const char *method, const char *pattern,
                     weft_http_handler h, void *ud);
void weft__router_free(weft__rnode *root);
/* Matches path (percent-encoded, starting with '/') for the request's
 * method; scratch holds decoded segments when they had escapes. */
void weft__router_match(const weft__rnode *root, const weft_http_request *rq, const char *path,
                        size_t len, weft__match *m);

/* ------------------------------------------------------------------- app */

typedef struct weft__mw {
    weft_http_middleware fn;
    void *ud;
} weft__mw;

struct weft_http_app {
    weft__rnode *routes;
    weft__mw *mw;
    size_t nmw, capmw;
};

/* The position in the chain a middleware is given. */
struct weft_http_next {
    const weft_http_app *app;
    size_t i; /* the stage it runs next */
};

/* ------------------------------------------------------------ connection */

typedef struct weft__http_conn weft__http_conn;
typedef struct weft__http_srv weft__http_srv;

struct weft_http_req {
    weft__http_conn *c;
    weft_http_request rq; /* the parsed head (slices of ibuf) */
    weft_http_slice path, query;
    weft__match m;
    char *params; /* decoded parameters, NUL-terminated, one after another */
    const char *pvals[WEFT__HTTP_MAX_PARAMS];
    int params_ready;
    void *data;
    /* body */
    int body;      /* WEFT_HTTP_BODY_* */
    uint64_t left; /* Content-Length bytes not yet read */
    uint64_t got;  /* body bytes handed out */
    weft_http_chunked ck;
    uint8_t body_done;
    uint8_t continue_sent;
    int body_err;    /* sticky */
    weft__buf whole; /* weft_http_req_body's copy (kept across requests) */
    int64_t t0;      /* when the head was complete */
};

struct weft_http_res {
    weft__http_conn *c;
    int status;
    uint8_t started; /* the head has been written */
    uint8_t ended;
    uint8_t chunked;     /* streamed body framing */
    uint8_t until_close; /* HTTP/1.0 stream: the body ends with the connection */
    uint8_t head_only;   /* HEAD: no body bytes */
    uint8_t has_length;  /* the application set Content-Length (streaming) */
    uint8_t close;       /* Connection: close on this response */
    uint8_t hijacked;
    uint64_t length; /* Content-Length set by the application */
    uint64_t sent;   /* body bytes written */
    weft__buf head;  /* the application's headers, "Name: value\r\n" each */
    weft__buf body;  /* the body of a whole response */
};

struct weft__http_conn {
    weft_stream *s;
    const weft_http_app *app;
    const weft_http_server_options *o;
    weft__http_srv *srv;          /* NULL for weft_http_serve_stream */
    weft__http_conn *prev, *next; /* srv->conns */
    weft_task *task;
    int state;        /* WEFT__HC_* (for shutdown) */
    uint8_t closing;  /* no more requests on this connection */
    uint8_t draining; /* the server shuts down: close after this response */
    weft_http_parser ps;
    char *ibuf;
    size_t icap, ipos, iend;   /* unconsumed input: [ipos, iend) */
    size_t keep;               /* [0, keep) must not move: the live request's head */
    char *ibuf_live;           /* the buffer the live head was parsed in, kept while the
                                  request lasts when ibuf had to grow (NULL: ibuf) */
    size_t pend_off, pend_len; /* chunked body data decoded but not yet handed out */
    int64_t head_t0;           /* when the first byte of the current head arrived */
    weft_http_header *hdrs;    /* max_headers entries */
    struct weft_http_req req;
    struct weft_http_res res;
    weft__buf scratch;    /* decoded route parameters */
    weft__buf out;        /* SSE events being formatted */
    char server_line[80]; /* "Server: weft/0.1.0\r\n" (or empty) */
    size_t server_len;
    weft_addr peer;
    int have_peer;
    /* the hang-up watch: a POLL on the socket while a handler waits */
    weft__io hup;
    uint8_t hup_armed; /* the POLL is in flight */
    uint8_t in_handler;
    uint8_t hup_seen;         /* the client hung up: the task was cancelled */
    uint8_t hup_post_pending; /* hup_post is queued on the loop */
    weft__post hup_post;      /* cancels the task from the loop's next turn */
    weft__wait *hup_waiter;   /* the task waiting for the POLL's last completion */
};

enum { WEFT__HC_IDLE, WEFT__HC_HEAD, WEFT__HC_BUSY };

/* Runs the connection (the body of a connection task, or of
 * weft_http_serve_stream). Closes and frees the stream. */
int weft__http_conn_run(weft_stream *s, const weft_http_app *app, const weft_http_server_options *o,
                        weft__http_srv *srv, weft__http_conn *c);
/* The options with every 0 field replaced by its default. */
void weft__http_options_resolve(weft_http_server_options *out, const weft_http_server_options *in);

/* The chain: runs the middleware from stage i, then the route. */
int weft__http_dispatch(const weft_http_app *app, weft_http_req *req, weft_http_res *res);

/* response.c */
void weft__http_res_reset(weft_http_res *res);
/* Writes the whole (not streamed) response into the write queue. */
int weft__http_res_finish(weft_http_res *res);
/* Replaces what the application built with an error response. */
void weft__http_res_fail(weft_http_res *res, int status);
/* The status a handler's error code turns into. */
int weft__http_error_to_status(int rc);
/* Writes a bare error response (no request: a parse failure). */
int weft__http_write_error(weft__http_conn *c, int status);
/* Pushes queued output to the transport (before any wait). */
void weft__http_kick(weft__http_conn *c);
/* Waits until the write queue is below its low mark, bounded by the send
 * timeout. */
int weft__http_flush(weft__http_conn *c, int all);

/* request.c: bodies */
void weft__http_body_start(weft_http_req *req);
/* After the response: reads and drops what is left of the body (up to a
 * limit). Returns 0 if the connection can carry another request. */
int weft__http_body_drain(weft_http_req *req);
/* Whether what is left of the body can be dropped to keep the connection
 * (else the response says Connection: close). */
int weft__http_body_keepable(const weft_http_req *req);

/* conn.c: reads more input into ibuf (after iend), keeping the live head
 * in place. Returns bytes read, 0 at the end, or an error. */
ssize_t weft__http_conn_fill(weft__http_conn *c);

#endif
