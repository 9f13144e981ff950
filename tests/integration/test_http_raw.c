/* weft-test: timeout=180 needs=http
 * Malformed and smuggling requests over real TCP: an HTTP server in this
 * process (public API), and a client on a worker thread (weft_to_thread)
 * speaking plain blocking sockets. Each bad request must get exactly one
 * response, with the right 4xx/5xx status, and then the connection must
 * close (read to EOF: exactly one "HTTP/1.1 " status line, nothing after
 * the response's body), promptly; a request hidden in a body is never
 * served; and after every case a good request on a new connection is
 * still answered (the server neither crashed nor wedged). Good requests
 * that ask for the connection to close (Connection: close, HTTP/1.0) must
 * get their response and the close promptly too. */
#include "wt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define CASE_BUDGET_NS WEFT_SEC(3) /* the answer and the close, per case */

static int smuggled; /* requests that reached GET /smuggled */

static int h_ok(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    return weft_http_res_text(res, 200, "ok");
}

static int h_smuggled(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    smuggled++;
    return weft_http_res_text(res, 200, "smuggled");
}

/* Reads the whole body; its length, or the error (the server answers). */
static int h_sha(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    char buf[16384];
    size_t total = 0;
    for (;;) {
        ssize_t n = weft_http_req_read(req, buf, sizeof buf);
        if (n < 0) return (int)n;
        if (n == 0) break;
        total += (size_t)n;
    }
    char out[32];
    snprintf(out, sizeof out, "n=%zu", total);
    return weft_http_res_text(res, 200, out);
}

/* ------------------------------------------------- the client (thread) */

struct exchange {
    int port;
    const char *req;
    size_t len;
    int until_eof; /* read to EOF (else: one response by Content-Length) */
    /* results */
    int connect_err, send_err, read_err;
    int closed; /* EOF (or a reset) ended the read */
    int64_t ns; /* from connecting to the end of the read */
    char *got;  /* what the server sent, NUL-terminated */
    size_t got_len;
};

static size_t content_length(const char *head_end, const char *resp)
{
    const char *p = resp;
    while ((p = strstr(p, "\r\n")) && p < head_end) {
        p += 2;
        if (!strncasecmp(p, "Content-Length:", 15)) return strtoul(p + 15, NULL, 10);
    }
    return 0;
}

/* Plain blocking sockets: no weft calls on this thread. */
static int exchange_run(void *arg)
{
    struct exchange *x = arg;
    int64_t t0 = wt_wall();
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return x->connect_err = -errno;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)x->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        x->connect_err = -errno;
        close(fd);
        return 0;
    }
    for (size_t off = 0; off < x->len;) {
        ssize_t w = send(fd, x->req + off, x->len - off, MSG_NOSIGNAL);
        if (w < 0) { /* the server may close early (then read what it said) */
            x->send_err = -errno;
            break;
        }
        off += (size_t)w;
    }
    size_t cap = 1 << 16;
    x->got = malloc(cap + 1);
    x->got_len = 0;
    for (;;) {
        if (x->got_len == cap) {
            x->read_err = -ENOBUFS;
            break;
        }
        ssize_t n = recv(fd, x->got + x->got_len, cap - x->got_len, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            x->closed = 1;
            break;
        }
        if (n < 0) {
            x->read_err = -errno; /* EAGAIN: the 5 s timeout */
            break;
        }
        x->got_len += (size_t)n;
        x->got[x->got_len] = 0;
        const char *he = strstr(x->got, "\r\n\r\n");
        if (!x->until_eof && he &&
            x->got_len >= (size_t)(he + 4 - x->got) + content_length(he, x->got))
            break;
    }
    x->got[x->got_len] = 0;
    close(fd);
    x->ns = wt_wall() - t0;
    return 0;
}

/* Runs one exchange from a worker thread while this loop serves. */
static int exchange(struct exchange *x, int port, const char *req, size_t len, int until_eof)
{
    memset(x, 0, sizeof *x);
    x->port = port;
    x->req = req;
    x->len = len;
    x->until_eof = until_eof;
    return weft_to_thread(exchange_run, x);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
    return n;
}

/* ------------------------------------------------------------ the cases */

struct bad {
    const char *name;
    char *req;
    size_t len;
    int status;
};

static char *dup_str(const char *s)
{
    return strdup(s);
}

/* head + n copies of unit + tail, as one string. */
static char *repeat(const char *head, const char *unit, int n, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * (size_t)n + tl + 1), *w = s;
    memcpy(w, head, hl), w += hl;
    for (int i = 0; i < n; i++) memcpy(w, unit, ul), w += ul;
    memcpy(w, tail, tl), w += tl;
    *w = 0;
    return s;
}

/* A chunked body of total bytes, in 64 KiB chunks, after head. */
static char *chunked_body(const char *head, size_t total, size_t *len)
{
    size_t hl = strlen(head), cap = hl + total + total / 1000 + 64;
    char *s = malloc(cap), *w = s;
    memcpy(w, head, hl), w += hl;
    for (size_t left = total; left;) {
        size_t k = left < 65536 ? left : 65536;
        w += sprintf(w, "%zx\r\n", k);
        memset(w, 'x', k), w += k;
        memcpy(w, "\r\n", 2), w += 2;
        left -= k;
    }
    memcpy(w, "0\r\n\r\n", 5), w += 5;
    *len = (size_t)(w - s);
    return s;
}

static int make_cases(struct bad *c)
{
    int n = 0;
#define CASE(nm, st, s)                                                                            \
    do {                                                                                           \
        c[n].name = nm;                                                                            \
        c[n].req = (s);                                                                            \
        c[n].len = strlen(c[n].req);                                                               \
        c[n].status = st;                                                                          \
        n++;                                                                                       \
    } while (0)
    CASE("bad method token", 400, dup_str("GE(T /ok HTTP/1.1\r\nHost: x\r\n\r\n"));
    CASE("bare LF line endings", 400, dup_str("GET /ok HTTP/1.1\nHost: x\n\n"));
    CASE("obs-fold", 400, dup_str("GET /ok HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n"));
    CASE("space before colon", 400, dup_str("GET /ok HTTP/1.1\r\nHost: x\r\nX-Sp : y\r\n\r\n"));
    CASE("duplicate Content-Length", 400,
         dup_str("POST /sha HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n"
                 "\r\nabc"));
    CASE("Content-Length + Transfer-Encoding", 400,
         dup_str("POST /sha HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
    CASE("Transfer-Encoding not ending in chunked", 400,
         dup_str("POST /sha HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
                 "3\r\nabc\r\n0\r\n\r\n"));
    CASE("Transfer-Encoding without chunked", 400,
         dup_str("POST /sha HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc"));
    CASE("chunk size with bare LF", 400,
         dup_str("POST /sha HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "3\nabc\r\n0\r\n\r\n"));
    /* a front end that frames by Content-Length would pass the second
     * request on as part of the body; one that frames by chunked would
     * see it as a second request: neither reading may happen here */
    CASE("smuggling: Content-Length + chunked", 400,
         dup_str("POST /sha HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                 "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"));
    CASE("smuggling: chunked + Content-Length", 400,
         dup_str("POST /sha HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                 "Content-Length: 6\r\n\r\n0\r\n\r\n"
                 "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"));
    CASE("request line over max_line", 414,
         repeat("GET /", "a", 9000, " HTTP/1.1\r\nHost: x\r\n\r\n"));
    CASE(
        "header section over max_head", 431,
        repeat(
            "GET /ok HTTP/1.1\r\nHost: x\r\n",
            "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
            1000, "\r\n"));
    CASE("one header over max_head", 431,
         repeat("GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ", "b", 70000, "\r\n\r\n"));
    CASE("too many headers", 431,
         repeat("GET /ok HTTP/1.1\r\nHost: x\r\n", "X-H: 1\r\n", 150, "\r\n"));
    CASE("HTTP/1.1 without Host", 400, dup_str("GET /ok HTTP/1.1\r\nX-A: b\r\n\r\n"));
    CASE("HTTP/2.0", 505, dup_str("GET /ok HTTP/2.0\r\nHost: x\r\n\r\n"));
    CASE("Content-Length over max_body", 413,
         dup_str("POST /sha HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"));
    c[n].name = "chunked body over max_body";
    c[n].req = chunked_body("POST /sha HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                            (1 << 20) + 100000, &c[n].len);
    c[n].status = 413;
    n++;
#undef CASE
    return n;
}

/* Checks that x got exactly one response with status, then the close. */
static void check_one_then_close(const char *name, struct exchange *x, int status)
{
    if (!WT_EQ(x->connect_err, 0)) return;
    WT_EQ(x->read_err, 0);
    char want[16];
    snprintf(want, sizeof want, "HTTP/1.1 %d ", status);
    int ok = WT_CHECK(x->got_len >= 12 && !strncmp(x->got, want, strlen(want)));
    ok &= WT_EQ(count(x->got, "HTTP/1.1 "), 1);
    ok &= WT_CHECK(x->closed);
    const char *he = strstr(x->got, "\r\n\r\n");
    if (WT_CHECK(he != NULL)) {
        size_t end = (size_t)(he + 4 - x->got) + content_length(he, x->got);
        ok &= WT_EQ(x->got_len, end); /* nothing after the body */
    }
    ok &= WT_LT(x->ns, CASE_BUDGET_NS);
    const char *eol = x->got ? strstr(x->got, "\r\n") : NULL;
    printf("  %-40s -> %.*s, %s, %.1f ms\n", name, eol ? (int)(eol - x->got) : 0, x->got,
           x->closed ? "closed" : "OPEN", (double)x->ns / 1e6);
    if (!ok)
        fprintf(stderr, "  case \"%s\": wanted %d; got %zu bytes in %.0f ms%s: %.200s\n", name,
                status, x->got_len, (double)x->ns / 1e6, x->closed ? ", closed" : ", open",
                x->got ? x->got : "");
}

/* A good keep-alive request on a new connection: 200 "ok". */
static int check_alive(int port, const char *after)
{
    static const char req[] = "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n";
    struct exchange x;
    WT_REQUIRE_EQ(exchange(&x, port, req, sizeof req - 1, 0), 0);
    int ok = WT_EQ(x.connect_err, 0) && WT_EQ(x.read_err, 0) &&
             WT_CHECK(x.got && !strncmp(x.got, "HTTP/1.1 200 ", 13)) &&
             WT_CHECK(strstr(x.got, "\r\n\r\nok") != NULL);
    if (!ok) fprintf(stderr, "  the server did not serve a good request after \"%s\"\n", after);
    free(x.got);
    return ok ? 0 : -1;
}

static int body(void *arg)
{
    (void)arg;
    weft_http_app *app;
    WT_REQUIRE_EQ(weft_http_app_new(&app), 0);
    WT_REQUIRE_EQ(weft_http_route(app, "GET", "/ok", h_ok, NULL), 0);
    WT_REQUIRE_EQ(weft_http_route(app, "GET", "/smuggled", h_smuggled, NULL), 0);
    WT_REQUIRE_EQ(weft_http_route(app, "POST", "/sha", h_sha, NULL), 0);
    weft_http_server *srv;
    WT_REQUIRE_EQ(weft_http_server_start(&srv, app, NULL), 0);
    weft_addr a;
    WT_REQUIRE_EQ(weft_http_server_addr(srv, &a), 0);
    int port = weft_addr_port(&a);

    static struct bad cases[32];
    int n = make_cases(cases);
    for (int i = 0; i < n; i++) {
        struct exchange x;
        WT_EQ(exchange(&x, port, cases[i].req, cases[i].len, 1), 0);
        check_one_then_close(cases[i].name, &x, cases[i].status);
        free(x.got);
        check_alive(port, cases[i].name);
    }
    WT_EQ(smuggled, 0);

    /* good requests that end the connection: the answer, then the close */
    static const struct {
        const char *name, *req;
    } closing[] = {
        {"Connection: close", "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
        {"HTTP/1.0", "GET /ok HTTP/1.0\r\n\r\n"},
        {"POST with Connection: close",
         "POST /sha HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"},
    };
    for (size_t i = 0; i < sizeof closing / sizeof closing[0]; i++) {
        struct exchange x;
        WT_EQ(exchange(&x, port, closing[i].req, strlen(closing[i].req), 1), 0);
        check_one_then_close(closing[i].name, &x, 200);
        free(x.got);
    }
    WT_EQ(check_alive(port, "the closing requests"), 0);

    for (int i = 0; i < n; i++) free(cases[i].req);
    WT_EQ(weft_http_server_shutdown(srv, WEFT_SEC(5)), 0);
    weft_http_server_free(srv);
    weft_http_app_free(app);
    return 0;
}

static void test_raw(void **state)
{
    (void)state;
    assert_int_equal(wt_run(body, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_raw)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
