/* HTTP/1.1 server: aiohttp.web for C (patterns.md rows 21, 22 and 26).
 *
 * An app holds routes ("GET /hello/{name}") and a middleware chain; a
 * server accepts connections and runs one task per connection, which reads
 * requests, runs the chain and the matched handler, and writes responses,
 * in order, with keep-alive and pipelining. A handler is straight-line
 * coroutine code:
 *
 *     static int hello(weft_http_req *req, weft_http_res *res, void *ud) {
 *         return weft_http_res_text(res, 200, weft_http_req_param(req, "name"));
 *     }
 *     ...
 *     weft_http_route(app, "GET", "/hello/{name}", hello, NULL);
 *     return weft_http_serve(app, &opts);   // until cancelled (Ctrl+C)
 *
 * Handlers and middleware run on the connection's task: they may wait
 * (sleep, gather, query upstream) and every wait is a cancellation point.
 * When the client hangs up while a handler waits, the connection's task is
 * cancelled: the handler's waits return -ECANCELED and its cleanup runs.
 *
 * A handler's return value: >= 0 the response is what it built (200 with
 * an empty body if it set nothing). < 0 and nothing sent yet: the server
 * answers for it: 413 for -EMSGSIZE (a body over max_body), 400 for a
 * malformed body (WEFT_HTTP_E* codes, -EBADMSG for bad JSON), 503 for
 * -ETIMEDOUT (the per-handler deadline), 500 with a fixed safe body for
 * anything else. < 0 after a streamed response began: the connection is
 * closed (the client sees a truncated body, never a wrong one).
 *
 * Memory: request data (headers, path, parameters, body) is valid until
 * the handler returns; a response copies whatever it is given. The
 * plaintext path allocates nothing per request. Objects belong to the loop
 * that made them. Unless said otherwise functions here are called from a
 * task on a weft loop. */
#ifndef WEFT_HTTP_SERVER_H
#define WEFT_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "core.h"
#include "http.h"
#include "io.h"
#include "net.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_t; /* jansson's json_t (include <jansson.h> to build one) */

typedef struct weft_http_app weft_http_app;
typedef struct weft_http_req weft_http_req;
typedef struct weft_http_res weft_http_res;
typedef struct weft_http_next weft_http_next;
typedef struct weft_http_server weft_http_server;

/* A route handler. ud is the pointer given to weft_http_route. */
typedef int (*weft_http_handler)(weft_http_req *req, weft_http_res *res, void *ud);
/* A middleware: runs around the rest of the chain, which it calls (or not)
 * through weft_http_next_call(next, req, res), and returns what the
 * request's outcome should be (usually what that call returned). */
typedef int (*weft_http_middleware)(weft_http_req *req, weft_http_res *res, weft_http_next *next,
                                    void *ud);

/* ------------------------------------------------------------------ app */

/* Creates an empty app (no routes: every request gets 404). Returns 0,
 * -ENOMEM. Any thread; the app must not change while a server uses it. */
WEFT_API WEFT_NODISCARD int weft_http_app_new(weft_http_app **app);
/* Frees the app (NULL is accepted). No server may still use it. */
WEFT_API void weft_http_app_free(weft_http_app *app);

/* Adds a route. method: "GET", "POST", ... (a token) or "*" for any.
 * pattern: an absolute path whose segments are literal or "{name}"
 * parameters matching one whole non-empty segment ("/users/{id}/posts");
 * a last segment "{name...}" matches the rest of the path, slashes
 * included. Literal segments win over parameters at each level, whatever
 * the order of registration. Matching is on the percent-decoded segments.
 * A path that matches some route but not the method gets 405 with an Allow
 * header; GET routes also answer HEAD (the body is not sent); a path that
 * matches nothing gets 404. Returns 0, -EINVAL (bad method or pattern),
 * -EEXIST (the same method and pattern twice), -ENOMEM. */
WEFT_API WEFT_NODISCARD int weft_http_route(weft_http_app *app, const char *method,
                                            const char *pattern, weft_http_handler h, void *ud);
/* Appends a middleware: the first added is the outermost. Middleware runs
 * for every request, 404 and 405 included (the innermost stage then
 * answers them). Returns 0, -EINVAL, -ENOMEM. */
WEFT_API WEFT_NODISCARD int weft_http_use(weft_http_app *app, weft_http_middleware mw, void *ud);
/* Runs the rest of the chain: the next middleware, or the route's handler
 * (or the 404/405 answer). Returns what it returned. Waits (as it does). */
WEFT_API WEFT_NODISCARD int weft_http_next_call(weft_http_next *next, weft_http_req *req,
                                                weft_http_res *res);

/* ------------------------------------------------------------- requests */

/* The method as WEFT_HTTP_GET, ... (WEFT_HTTP_OTHER for another token). */
WEFT_API int weft_http_req_method(const weft_http_req *req);
/* The method token ("GET", "PROPFIND"). */
WEFT_API weft_http_slice weft_http_req_method_name(const weft_http_req *req);
/* The request target as sent ("/a%20b?x=1"). */
WEFT_API weft_http_slice weft_http_req_target(const weft_http_req *req);
/* The target's path, still percent-encoded ("/a%20b"). */
WEFT_API weft_http_slice weft_http_req_path(const weft_http_req *req);
/* The query string without the '?' (empty if none). */
WEFT_API weft_http_slice weft_http_req_query(const weft_http_req *req);
/* 10 for HTTP/1.0, 11 for HTTP/1.1. */
WEFT_API int weft_http_req_version(const weft_http_req *req);
/* The request head's flags (WEFT_HTTP_F_*: keep-alive, upgrade, ...). */
WEFT_API unsigned weft_http_req_flags(const weft_http_req *req);
/* A route parameter, percent-decoded and NUL-terminated ("{name}"), or
 * NULL when the route has none of that name. Valid until the handler
 * returns. */
WEFT_API const char *weft_http_req_param(const weft_http_req *req, const char *name);
/* The first header named name (case-insensitive); .ptr is NULL if absent. */
WEFT_API weft_http_slice weft_http_req_header(const weft_http_req *req, const char *name);
/* Every header, in order received: *n of them. */
WEFT_API const weft_http_header *weft_http_req_headers(const weft_http_req *req, size_t *n);
/* Decodes the first query parameter named key ('+' is a space) into buf
 * (NUL-terminated). Returns its length, -ENOENT if absent, -ENOSPC if buf
 * is too small, WEFT_HTTP_EPERCENT for a malformed escape. */
WEFT_API WEFT_NODISCARD int weft_http_req_query_get(const weft_http_req *req, const char *key,
                                                    char *buf, size_t cap);
/* The client's address. Returns 0 or -errno (-ENOTSOCK in-process). */
WEFT_API WEFT_NODISCARD int weft_http_req_peer(const weft_http_req *req, weft_addr *a);
/* A pointer the application attaches to the request (middleware hands
 * data to handlers this way: the authenticated user, a request id). */
WEFT_API void weft_http_req_set_data(weft_http_req *req, void *data);
WEFT_API void *weft_http_req_data(const weft_http_req *req);

/* Reads the next part of the body into buf (Content-Length or chunked,
 * decoded). Returns bytes read, 0 at the end of the body, -EMSGSIZE once
 * more than max_body bytes came (the server answers 413), a WEFT_HTTP_E*
 * code for a malformed chunked body, WEFT_EOF if the client closed before
 * the body ended, -ECANCELED / -ETIMEDOUT. The first read sends
 * "100 Continue" when the client asked for it. Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_http_req_read(weft_http_req *req, void *buf, size_t len);
/* Reads the whole body (at most max_body bytes) and hands it back; the
 * bytes stay valid until the handler returns. After weft_http_req_read
 * calls it hands back what they left; called again, the same bytes. Same
 * errors as weft_http_req_read. Waits. */
WEFT_API WEFT_NODISCARD int weft_http_req_body(weft_http_req *req, const char **body, size_t *len);
/* Reads the body and parses it as JSON (jansson). *out is a new reference
 * the caller must json_decref. Returns 0, -EBADMSG (not valid JSON: the
 * server answers 400 if the handler returns it), -ENOSYS (built without
 * jansson), or weft_http_req_body's errors. Waits. */
WEFT_API WEFT_NODISCARD int weft_http_req_json(weft_http_req *req, struct json_t **out);

/* ------------------------------------------------------------ responses */

/* Sets the status (100..999; default 200). Returns 0, -EINVAL, -EALREADY
 * once the head was sent. */
WEFT_API int weft_http_res_status(weft_http_res *res, int status);
/* Adds a header (copied). CR, LF and NUL in either part and non-token
 * names are refused (-EINVAL): no response splitting. Content-Length and
 * Transfer-Encoding are the server's (-EINVAL), except that a
 * Content-Length set before weft_http_res_begin makes a streamed body
 * unchunked. Returns 0, -EINVAL, -EALREADY, -ENOMEM. */
WEFT_API int weft_http_res_header(weft_http_res *res, const char *name, const char *value);
/* Sets the body (copied; replaces an earlier one). Returns 0, -EALREADY,
 * -ENOMEM. */
WEFT_API int weft_http_res_body(weft_http_res *res, const void *body, size_t len);
/* Status, Content-Type (NULL: none) and body at once. */
WEFT_API int weft_http_res_send(weft_http_res *res, int status, const char *content_type,
                                const void *body, size_t len);
/* A text/plain; charset=utf-8 response of the C string text. */
WEFT_API int weft_http_res_text(weft_http_res *res, int status, const char *text);
/* An application/json response: j serialized compactly (not consumed).
 * Returns 0, -ENOSYS without jansson, -ENOMEM. */
WEFT_API int weft_http_res_json(weft_http_res *res, int status, const struct json_t *j);
/* An error response: status, and a small JSON body {"error": message}
 * (message NULL: the status's reason phrase). */
WEFT_API int weft_http_res_error(weft_http_res *res, int status, const char *message);
/* Whether the head has been sent (streaming began). */
WEFT_API int weft_http_res_started(const weft_http_res *res);
/* The status set so far (200 by default). */
WEFT_API int weft_http_res_get_status(const weft_http_res *res);

/* Streaming (StreamingResponse). Sends the status and headers now; the
 * body follows in weft_http_res_write calls, chunked (HTTP/1.1), or
 * unchunked when a Content-Length header was set, or until the connection
 * closes (HTTP/1.0 clients). After begin the status and headers can no
 * longer change. Returns 0, -EALREADY, or the connection's error. Waits
 * (backpressure). */
WEFT_API WEFT_NODISCARD int weft_http_res_begin(weft_http_res *res);
/* Sends the next part of a streamed body (begins the response if not yet
 * begun). Waits while the client is slow to read (backpressure, bounded
 * by the send timeout). Returns len, -EPIPE / -ECONNRESET when the client
 * has gone, -ETIMEDOUT (send timeout), -ECANCELED. Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_http_res_write(weft_http_res *res, const void *buf,
                                                    size_t len);
/* Ends a streamed body (the last chunk). The server does it when the
 * handler returns; call it to finish early. Returns 0 or an error. Waits. */
WEFT_API WEFT_NODISCARD int weft_http_res_end(weft_http_res *res);

/* Takes the connection over (WebSocket and other upgrades): after this the
 * server neither writes a response nor reads the connection again; the
 * caller owns *s (bytes the client sent after the request head are still
 * in it) and must weft_stream_close it. Call before anything was sent.
 * Returns 0, -EALREADY. */
WEFT_API WEFT_NODISCARD int weft_http_res_hijack(weft_http_res *res, weft_stream **s);

/* ------------------------------------------------------------------ SSE */

/* Server-sent events (text/event-stream). weft_sse_begin sends a 200 head
 * with Content-Type: text/event-stream, Cache-Control: no-cache and
 * X-Accel-Buffering: no; each send is one event, flushed at once. */
WEFT_API WEFT_NODISCARD int weft_sse_begin(weft_http_res *res);
/* One event: every field optional (NULL / < 0: absent). data may hold
 * newlines (one data: line each). id and event must not. */
typedef struct weft_sse_event {
    const char *id;
    const char *event;
    const char *data;
    int64_t retry_ms; /* < 0: absent */
} weft_sse_event;
#define WEFT_SSE_EVENT_INIT                                                                        \
    {                                                                                              \
        NULL, NULL, NULL, -1                                                                       \
    }
/* Sends ev (begins the stream if needed). Returns 0, -EINVAL (a newline in
 * id or event), or weft_http_res_write's errors. Waits. */
WEFT_API WEFT_NODISCARD int weft_sse_send_event(weft_http_res *res, const weft_sse_event *ev);
/* Sends an event with that type (NULL: a plain message) and data. */
WEFT_API WEFT_NODISCARD int weft_sse_send(weft_http_res *res, const char *event, const char *data);
/* Sends a comment line (": text"): a heartbeat that keeps proxies from
 * timing the stream out. */
WEFT_API WEFT_NODISCARD int weft_sse_comment(weft_http_res *res, const char *text);

/* --------------------------------------------------------------- server */

/* One line of access log, handed to the access_log hook after each
 * response (slices valid only during the call). */
typedef struct weft_http_access {
    weft_http_slice method;
    weft_http_slice target;
    int version;
    int status;          /* 0: no response (the client went away first) */
    uint64_t bytes;      /* body bytes sent */
    int64_t duration_ns; /* from the end of the head to the end of the response */
    const weft_addr *peer;
} weft_http_access;

/* Server options. Start from WEFT_HTTP_SERVER_OPTIONS_INIT. A 0 field
 * takes the default in its comment; a negative timeout means none. */
typedef struct weft_http_server_options {
    uint32_t size; /* sizeof, set by the _INIT macro (the ABI rule: docs/design.md) */
    const char *host;           /* listen address; NULL: "127.0.0.1" */
    int port;                   /* 0: a free port (weft_http_server_addr tells) */
    int backlog;                /* 0: SOMAXCONN */
    int reuseport;              /* SO_REUSEPORT (several servers on one port) */
    uint32_t max_line;          /* request line: 8192 -> 414 */
    uint32_t max_head;          /* whole head: 65536 -> 431 */
    uint32_t max_headers;       /* header count: 100 -> 431 */
    uint64_t max_body;          /* body bytes a handler may read: 1 MiB -> 413 */
    int max_connections;        /* open connections; 0: 10,000. At the cap the server
                                   stops accepting (new ones wait in the backlog) */
    int64_t header_timeout_ns;  /* a request head must arrive within: 30 s -> close
                                   (408 if part of it came) */
    int64_t idle_timeout_ns;    /* keep-alive: close after this long without a request: 75 s */
    int64_t send_timeout_ns;    /* a client that stops reading: close after 60 s */
    int64_t handler_timeout_ns; /* a deadline around each handler (-> 503); 0: none */
    int64_t grace_ns;           /* shutdown: time for requests in progress: 10 s */
    const char *server_name;    /* the Server header; NULL: "weft/<version>"; "": none */
    void (*access_log)(const weft_http_access *a, void *ud); /* NULL: none */
    void *access_log_ud;
} weft_http_server_options;
#define WEFT_HTTP_SERVER_OPTIONS_INIT                                                              \
    {                                                                                              \
        (uint32_t)sizeof(weft_http_server_options), NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  \
            NULL, NULL, NULL                           \
    }

/* Listens (o: NULL for the defaults) and starts accepting connections in a
 * task of its own; returns at once. The app must outlive the server.
 * Returns 0, -EINVAL (bad option), -EADDRINUSE and other listen errors,
 * -ENOMEM. May wait (name resolution). */
WEFT_API WEFT_NODISCARD int weft_http_server_start(weft_http_server **s, weft_http_app *app,
                                                   const weft_http_server_options *o);
/* The address the server listens on. Returns 0 or -errno. */
WEFT_API WEFT_NODISCARD int weft_http_server_addr(const weft_http_server *s, weft_addr *a);
/* Open connections now. */
WEFT_API size_t weft_http_server_connections(const weft_http_server *s);
/* Graceful shutdown: stops accepting, closes idle keep-alive connections,
 * lets requests in progress finish within grace_ns (< 0: the option's
 * grace) with Connection: close, then cancels what is left and waits for
 * every connection task to end. Shielded: the caller's cancellation does
 * not cut it short. Returns 0 if everything finished within the grace,
 * -ETIMEDOUT if some connections had to be cancelled; -EDEADLK when called
 * from one of the server's own handlers (it would wait for itself: spawn a
 * task that calls it instead). Waits. */
WEFT_API int weft_http_server_shutdown(weft_http_server *s, int64_t grace_ns);
/* Shuts down with no grace (if not done yet) and frees s. NULL is
 * accepted. Waits (for the connection tasks to end). */
WEFT_API void weft_http_server_free(weft_http_server *s);

/* aiohttp's run_app: starts a server and serves until the calling task is
 * cancelled (weft_run turns the first Ctrl+C / SIGTERM into exactly that),
 * then shuts down gracefully (o->grace_ns) and returns -ECANCELED. Returns
 * at once with weft_http_server_start's error if it cannot start. Waits. */
WEFT_API WEFT_NODISCARD int weft_http_serve(weft_http_app *app, const weft_http_server_options *o);

/* Serves HTTP on one already-open connection s (any stream: a socket, a
 * TLS stream, an in-process pair) until it closes, and closes it. o: NULL
 * for the defaults (host, port, backlog and max_connections are unused).
 * Returns 0 when the connection ended normally, else its error. Waits. */
WEFT_API WEFT_NODISCARD int weft_http_serve_stream(weft_http_app *app, weft_stream *s,
                                                   const weft_http_server_options *o);

/* --------------------------------------------------- in-process testing */

/* aiohttp's TestClient without sockets: requests go to the app through an
 * in-process stream pair (weft_stream_pair) served by weft_http_serve_stream,
 * on a keep-alive connection, so handlers, middleware, streaming and
 * limits behave exactly as over TCP. */
typedef struct weft_http_test weft_http_test;

/* A response as the test client read it: owned by the caller until
 * weft_http_test_response_free. The body is dechunked and NUL-terminated
 * (body_len excludes the NUL). */
typedef struct weft_http_test_response {
    int status;
    int version;
    size_t num_headers;
    weft_http_header *headers; /* slices of head below */
    char *head;                /* the raw head */
    size_t head_len;
    char *body;
    size_t body_len;
    int closed; /* the server closed the connection after it */
} weft_http_test_response;

/* Creates a test client for app (o: server options, NULL for defaults).
 * Returns 0, -ENOMEM. */
WEFT_API WEFT_NODISCARD int weft_http_test_new(weft_http_test **tc, weft_http_app *app,
                                               const weft_http_server_options *o);
/* Sends one request and reads the whole response. headers: NULL or a
 * NULL-terminated array of "Name: value" strings; a body (len > 0, or
 * body != NULL) gets a Content-Length. Host is added if absent. Returns 0
 * and *out, or -errno (-EPIPE: the server closed without answering).
 * Reconnects if the server closed the previous connection. Waits. */
WEFT_API WEFT_NODISCARD int weft_http_test_request(weft_http_test *tc, const char *method,
                                                   const char *target, const char *const *headers,
                                                   const void *body, size_t len,
                                                   weft_http_test_response **out);
/* Sends raw bytes as they are (malformed requests, pipelines) and reads
 * one response. Same returns. Waits. */
WEFT_API WEFT_NODISCARD int weft_http_test_raw(weft_http_test *tc, const void *bytes, size_t len,
                                               weft_http_test_response **out);
/* Reads one more response on the current connection (after weft_http_test_raw
 * sent several). Waits. */
WEFT_API WEFT_NODISCARD int weft_http_test_read(weft_http_test *tc, weft_http_test_response **out);
/* The first header of that name in r, as a NUL-terminated copy owned by r,
 * or NULL. */
WEFT_API const char *weft_http_test_header(weft_http_test_response *r, const char *name);
/* Frees a response (NULL is accepted). */
WEFT_API void weft_http_test_response_free(weft_http_test_response *r);
/* Closes the connection, waits for the server side to end, frees tc (NULL
 * is accepted). Waits. */
WEFT_API void weft_http_test_free(weft_http_test *tc);

/* ------------------------------------------------------------- helpers */

/* The reason phrase of a status ("Not Found"), or "" if unknown. Any thread. */
WEFT_API const char *weft_http_reason(int status);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_HTTP_SERVER_H */
