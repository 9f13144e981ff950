/* The interop tests' misbehaving and massive HTTP clients, against
 * http_peer_server in another process (the scripts in this folder start
 * both). Public API only (<weft.h>), plus libcrypto for SHA-256. Each mode
 * prints what it measured and exits 0 when every check passed, 1 when one
 * failed (with the reason on stderr).
 *
 *   http_peer_client slowloris PORT HEADER_TIMEOUT_MS
 *       sends a request head one byte at a time, a third of the header
 *       timeout apart (never finishing it); the server must answer 408 or
 *       close within the header timeout (counted from the first byte, not
 *       reset by each byte) plus a margin; meanwhile a normal client on
 *       another connection is served at once.
 *   http_peer_client stopread PORT SEND_TIMEOUT_MS
 *       asks for /big (16 MiB, a whole body) with a small receive buffer
 *       and reads nothing; the server must close the connection after its
 *       send timeout (GET /stats?conns_le waits for that server-side), so
 *       reading afterwards ends (EOF or reset) before the whole body; other
 *       clients are served meanwhile and afterwards. The bound allowed is
 *       one send timeout plus a margin: the server drops a connection that
 *       took nothing for a whole send timeout (weft__http_flush).
 *   http_peer_client slowread PORT SEND_TIMEOUT_MS
 *       reads a 32 MiB body slowly but steadily (16 KiB every 2 ms, some
 *       seconds in all, several send timeouts): streamed (/bytes) and whole
 *       (/big), each must arrive complete, since the client never stops
 *       reading for anything like the send timeout.
 *   http_peer_client many PORT N
 *       N keep-alive connections at once, each making 3 requests (GET
 *       /plaintext, POST /sha, GET /bytes/{n} chunked with X-SHA256) and
 *       checking each body; all N are open together (a barrier between
 *       the requests, and GET /stats must count N + 1 connections).
 *
 * The responses are parsed here (status line, Content-Length or chunked
 * framing), independently of weft's own HTTP parser. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <weft.h>

static int port;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "http_peer_client: FAIL: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return -EPROTO;
}

static void sha256_hex(const void *p, size_t n, char hex[65])
{
    unsigned char md[32];
    unsigned len = 0;
    EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* ------------------------------------------------------- responses */

struct resp {
    int status;
    char head[4096]; /* NUL-terminated */
    char *body;      /* malloc'd, NUL-terminated */
    size_t body_len;
};

static void resp_free(struct resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* The value of header name in r->head (copied into out), or NULL. */
static const char *header(const struct resp *r, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = strstr(r->head, "\r\n");
    while (p && p[2] != '\r') {
        p += 2;
        const char *e = strstr(p, "\r\n");
        if (!e) break;
        if ((size_t)(e - p) > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t') v++;
            size_t vl = (size_t)(e - v);
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
            if (vl >= cap) vl = cap - 1;
            memcpy(out, v, vl);
            out[vl] = 0;
            return out;
        }
        p = e;
    }
    return NULL;
}

static int body_add(struct resp *r, weft_stream *s, size_t n, size_t *cap)
{
    if (r->body_len + n + 1 > *cap) {
        size_t nc = (r->body_len + n + 1) * 2;
        char *nb = realloc(r->body, nc);
        if (!nb) return -ENOMEM;
        r->body = nb;
        *cap = nc;
    }
    int rc = weft_stream_read_exactly(s, r->body + r->body_len, n);
    if (rc < 0) return rc;
    r->body_len += n;
    r->body[r->body_len] = 0;
    return 0;
}

/* Reads one response (head and body). Returns 0 or < 0. */
static int read_response(weft_stream *s, struct resp *r)
{
    memset(r, 0, sizeof *r);
    ssize_t n = weft_stream_read_until(s, "\r\n\r\n", 4, r->head, sizeof r->head - 1);
    if (n < 0) return (int)n;
    r->head[n] = 0;
    if (strncmp(r->head, "HTTP/1.1 ", 9) || sscanf(r->head + 9, "%3d", &r->status) != 1)
        return fail("bad status line: %.40s", r->head);
    char v[64];
    size_t cap = 0;
    int rc = body_add(r, s, 0, &cap);
    if (rc < 0) return rc;
    if (header(r, "Transfer-Encoding", v, sizeof v)) {
        if (strcasecmp(v, "chunked")) return fail("Transfer-Encoding: %s", v);
        for (;;) {
            char line[64];
            n = weft_stream_readline(s, line, sizeof line);
            if (n <= 0) return n ? (int)n : WEFT_EOF;
            char *end;
            unsigned long size = strtoul(line, &end, 16);
            if (end == line || strcmp(end, "\r\n")) return fail("chunk line %s", line);
            if (size == 0) break;
            if ((rc = body_add(r, s, size, &cap)) < 0) return rc;
            char crlf[2];
            if ((rc = weft_stream_read_exactly(s, crlf, 2)) < 0) return rc;
            if (memcmp(crlf, "\r\n", 2)) return fail("chunk not ended by CRLF");
        }
        for (;;) { /* trailers, then the empty line */
            char line[256];
            n = weft_stream_readline(s, line, sizeof line);
            if (n <= 0) return n ? (int)n : WEFT_EOF;
            if (!strcmp(line, "\r\n")) break;
        }
    } else if (header(r, "Content-Length", v, sizeof v)) {
        if ((rc = body_add(r, s, strtoul(v, NULL, 10), &cap)) < 0) return rc;
    }
    return 0;
}

/* Connects, sends req, reads one response. */
static int request_on(weft_stream *s, const char *req, size_t len, struct resp *r)
{
    if (weft_stream_write(s, req, len) != (ssize_t)len) return -EIO;
    return read_response(s, r);
}

static int get_once(const char *target, struct resp *r)
{
    weft_stream *s;
    int rc = weft_tcp_connect(&s, "127.0.0.1", port);
    if (rc < 0) return rc;
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", target);
    rc = request_on(s, req, (size_t)n, r);
    weft_stream_close(s);
    return rc;
}

/* A plain non-blocking socket connected to the server (rcvbuf > 0: its
 * receive buffer, set before connecting so the window stays small). */
static int raw_connect(int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (rcvbuf > 0) (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = weft_fd_connect(fd, (struct sockaddr *)&a, sizeof a);
    if (rc < 0) {
        weft_fd_close(fd);
        return rc;
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = weft_fd_send(fd, p, n, 0);
        if (w < 0) return (int)w;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A normal client, served while the misbehaving one is connected. */
static int normal_client(int64_t *took_ns)
{
    int64_t t0 = mono_ns();
    struct resp r;
    int rc = get_once("/plaintext", &r);
    *took_ns = mono_ns() - t0;
    if (rc < 0) return fail("normal client: %s", weft_strerror(rc));
    if (r.status != 200 || strcmp(r.body, "Hello, World!"))
        rc = fail("normal client: %d [%s]", r.status, r.body);
    resp_free(&r);
    return rc;
}

/* --------------------------------------------------------- slowloris */

static int slowloris(int64_t timeout_ms)
{
    char head[600];
    int hn = snprintf(head, sizeof head,
                      "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n"
                      "X-Pad: ");
    memset(head + hn, 'a', sizeof head - (size_t)hn);
    int64_t gap = WEFT_MS(timeout_ms) / 3;
    int fd = raw_connect(0);
    if (fd < 0) return fail("connect: %s", weft_strerror(fd));
    int64_t t0 = 0, t1 = 0, normal_ns = 0;
    int rc = 0, sent = 0, normal_done = 0, slow_pending = 0;
    for (size_t i = 0; i < sizeof head && rc == 0; i++) {
        rc = send_all(fd, head + i, 1);
        if (rc < 0) break; /* the server has closed: read what it said */
        sent++;
        if (i == 0) t0 = mono_ns();
        if (i == 1) {
            rc = normal_client(&normal_ns);
            /* still waiting for its head: not answered, not dropped yet */
            struct pollfd pf = {.fd = fd, .events = POLLIN};
            slow_pending = poll(&pf, 1, 0) == 0;
            normal_done = 1;
            if (rc < 0) break;
        }
        if ((rc = weft_deadline_push(gap)) < 0) break;
        rc = weft_fd_wait_readable(fd);
        weft_deadline_pop();
        if (rc == -ETIMEDOUT)
            rc = 0; /* not yet: the next byte */
        else if (rc == 0)
            break; /* the server answered or closed */
    }
    t1 = mono_ns();
    if (rc < 0 && rc != -EPIPE && rc != -ECONNRESET) {
        weft_fd_close(fd);
        return fail("slow client: %s", weft_strerror(rc));
    }
    if (sent == (int)sizeof head) {
        weft_fd_close(fd);
        return fail("the whole %zu-byte head went out without a timeout", sizeof head);
    }
    /* everything the server sent, up to its close */
    char resp[2048];
    size_t got = 0;
    int end = 0;
    if ((rc = weft_deadline_push(WEFT_SEC(10))) < 0) return rc;
    for (;;) {
        ssize_t n = weft_fd_recv(fd, resp + got, sizeof resp - 1 - got, 0);
        if (n > 0 && got + (size_t)n < sizeof resp - 1) {
            got += (size_t)n;
            continue;
        }
        end = (int)n;
        break;
    }
    weft_deadline_pop();
    weft_fd_close(fd);
    resp[got] = 0;
    double ms = (double)(t1 - t0) / 1e6;
    printf("slowloris: %d bytes sent, %s after %.1f ms (header timeout %lld ms); "
           "a normal client took %.1f ms meanwhile\n",
           sent, got ? "408 + close" : "closed", ms, (long long)timeout_ms,
           (double)normal_ns / 1e6);
    if (!normal_done) return fail("the normal client never ran");
    if (end != 0 && end != -ECONNRESET)
        return fail("no close after the answer: %s", weft_strerror(end));
    if (got && strncmp(resp, "HTTP/1.1 408 ", 13)) return fail("answer: %.60s", resp);
    if (strstr(resp + (got ? 1 : 0), "HTTP/1.1 ")) return fail("two responses: %s", resp);
    /* the deadline runs from the first byte and later bytes do not renew it */
    if (ms < (double)timeout_ms * 0.8) return fail("closed after %.1f ms: too early", ms);
    if (ms > (double)timeout_ms + 1500) return fail("closed after %.1f ms: too late", ms);
    /* served while the slow one was still pending, not after it was dropped */
    if (!slow_pending)
        return fail("the normal client (%.1f ms) was served only once the slow one was dropped",
                    normal_ns / 1e6);
    return 0;
}

/* ---------------------------------------------------------- stopread */

#define BIG (16u << 20)

static int stopread(int64_t timeout_ms)
{
    int fd = raw_connect(16384);
    if (fd < 0) return fail("connect: %s", weft_strerror(fd));
    char req[128];
    int n = snprintf(req, sizeof req, "GET /big?n=%u HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", BIG);
    int64_t t0 = mono_ns();
    int rc = send_all(fd, req, (size_t)n);
    if (rc < 0) {
        weft_fd_close(fd);
        return fail("send: %s", weft_strerror(rc));
    }
    /* Meanwhile (not reading fd): another client waits, server-side, until
     * the stalled connection is gone (this one is the only one left). */
    struct resp r;
    char target[96];
    snprintf(target, sizeof target, "/stats?conns_le=1&timeout_ms=%lld",
             (long long)(4 * timeout_ms + 10000));
    rc = get_once(target, &r);
    int64_t t1 = mono_ns();
    if (rc < 0) {
        weft_fd_close(fd);
        return fail("stats: %s", weft_strerror(rc));
    }
    int status = r.status;
    char stats[160];
    snprintf(stats, sizeof stats, "%s", r.body);
    resp_free(&r);
    /* now read: what was already on its way, then the end */
    size_t got = 0;
    ssize_t end;
    char *buf = malloc(1 << 16);
    if (!buf) return -ENOMEM;
    if ((rc = weft_deadline_push(WEFT_SEC(20))) < 0) return rc;
    while ((end = weft_fd_recv(fd, buf, 1 << 16, 0)) > 0) got += (size_t)end;
    weft_deadline_pop();
    free(buf);
    weft_fd_close(fd);
    double ms = (double)(t1 - t0) / 1e6;
    printf("stopread: the server closed the stalled connection after %.1f ms (send timeout "
           "%lld ms); the client then read %zu of %u body bytes and %s\n",
           ms, (long long)timeout_ms, got, BIG, end == 0 ? "EOF" : weft_strerror((int)end));
    if (status != 200) return fail("stats: %d %s", status, stats);
    if (end != 0 && end != -ECONNRESET) return fail("read ended with %s", weft_strerror((int)end));
    if (got >= BIG) return fail("the whole body arrived (%zu bytes)", got);
    if (got < 16) return fail("not even the head arrived (%zu bytes)", got);
    if (ms < (double)timeout_ms * 0.8) return fail("closed after %.1f ms: too early", ms);
    /* one send timeout after the client stopped taking bytes (plus the
     * time to fill the socket buffers and a margin for a busy machine) */
    if (ms > (double)timeout_ms + 1500) return fail("closed after %.1f ms: too late", ms);
    int64_t normal_ns;
    return normal_client(&normal_ns);
}

/* ---------------------------------------------------------- slowread */

/* Reads target's response at a steady pace: 16 KiB, then 2 ms of rest
 * (under 8 MB/s; the client never pauses for anything like a send
 * timeout). Returns the body bytes read before the end of the response
 * (want_body: its size) or the connection's end. */
static int paced_read(const char *target, size_t want_body, size_t *body, int64_t *ns)
{
    int fd = raw_connect(0);
    if (fd < 0) return fail("connect: %s", weft_strerror(fd));
    char req[128];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", target);
    int64_t t0 = mono_ns();
    int rc = send_all(fd, req, (size_t)n);
    enum { STEP = 16 * 1024 };
    char *buf = malloc(STEP);
    size_t got = 0, head = 0;
    if (!buf) rc = -ENOMEM;
    while (rc == 0) {
        ssize_t r = weft_fd_recv(fd, buf, STEP, 0);
        if (r <= 0) {
            if (r < 0 && r != -ECONNRESET) rc = (int)r;
            break;
        }
        if (!head) { /* the head: where the body starts */
            char *e = memmem(buf, (size_t)r, "\r\n\r\n", 4);
            if (!e) {
                rc = fail("%s: head not in the first read", target);
                break;
            }
            head = (size_t)(e + 4 - buf);
            got = (size_t)r - head;
        } else {
            got += (size_t)r;
        }
        if (got >= want_body) break; /* (chunked: a little framing is counted too) */
        rc = weft_sleep(WEFT_MS(2));
    }
    free(buf);
    weft_fd_close(fd);
    *body = got;
    *ns = mono_ns() - t0;
    return rc;
}

static int slowread(int64_t timeout_ms)
{
    enum { N = 32 << 20 };
    char target[64];
    size_t got;
    int64_t ns;
    /* a streamed body: each write's wait is bounded by the send timeout */
    snprintf(target, sizeof target, "/bytes/%d", N);
    int rc = paced_read(target, N, &got, &ns);
    if (rc < 0) return rc;
    printf("slowread: streamed %s: %zu bytes in %.0f ms (send timeout %lld ms)\n", target, got,
           (double)ns / 1e6, (long long)timeout_ms);
    int bad = got < N;
    if (bad) fail("the streamed body was cut off at %zu of %d bytes", got, N);
    /* a whole body: the same pace must get all of it too */
    snprintf(target, sizeof target, "/big?n=%d", N);
    rc = paced_read(target, N, &got, &ns);
    if (rc < 0) return rc;
    printf("slowread: whole %s: %zu bytes in %.0f ms (send timeout %lld ms)\n", target, got,
           (double)ns / 1e6, (long long)timeout_ms);
    if (got < N) {
        bad = 1;
        fail("the whole body was cut off at %zu of %d bytes after %.0f ms although the client "
             "never paused reading for more than a few ms",
             got, N, (double)ns / 1e6);
    }
    return bad ? -EPROTO : 0;
}

/* -------------------------------------------------------------- many */

struct many {
    int n;
    weft_barrier b1, b2;
    int stats_ok;
    long conns_seen;
};

struct one {
    struct many *m;
    int i;
};

static int one_conn(void *arg)
{
    struct one *o = arg;
    struct many *m = o->m;
    weft_stream *s;
    int rc = weft_tcp_connect(&s, "127.0.0.1", port);
    if (rc < 0) return rc;
    struct resp r = {0};
    char req[512], v[80], hex[65];
    /* 1: GET /plaintext */
    static const char get[] = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    rc = request_on(s, get, sizeof get - 1, &r);
    if (rc == 0 && (r.status != 200 || strcmp(r.body, "Hello, World!")))
        rc = fail("conn %d request 1: %d [%s]", o->i, r.status, r.body);
    resp_free(&r);
    /* every connection open and served once */
    int idx = rc == 0 ? weft_barrier_wait(&m->b1) : rc;
    if (idx < 0) rc = idx;
    if (rc == 0 && idx == 0) { /* one of them asks how many the server holds */
        struct resp sr;
        rc = get_once("/stats", &sr);
        if (rc == 0) {
            const char *c = strstr(sr.body, "conns=");
            m->conns_seen = c ? atol(c + 6) : -1;
            m->stats_ok = sr.status == 200;
        }
        resp_free(&sr);
    }
    /* 2: POST /sha, a body naming the connection */
    if (rc == 0) {
        char body[64];
        int bl = snprintf(body, sizeof body, "connection %d, request 2", o->i);
        int n = snprintf(req, sizeof req,
                         "POST /sha HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n%s",
                         bl, body);
        sha256_hex(body, (size_t)bl, hex);
        rc = request_on(s, req, (size_t)n, &r);
        if (rc == 0 && (r.status != 200 || strcmp(r.body, hex)))
            rc = fail("conn %d request 2: %d [%s] want %s", o->i, r.status, r.body, hex);
        resp_free(&r);
    }
    /* 3: GET /bytes/{n}: chunked, with its digest in a header */
    if (rc == 0) {
        size_t want = 100 + (size_t)o->i % 3000;
        int n =
            snprintf(req, sizeof req, "GET /bytes/%zu HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", want);
        rc = request_on(s, req, (size_t)n, &r);
        if (rc == 0) {
            sha256_hex(r.body, r.body_len, hex);
            if (r.status != 200 || r.body_len != want || !header(&r, "X-SHA256", v, sizeof v) ||
                strcmp(v, hex))
                rc = fail("conn %d request 3: %d, %zu bytes, X-SHA256 %s, computed %s", o->i,
                          r.status, r.body_len, header(&r, "X-SHA256", v, sizeof v) ? v : "-", hex);
            else if (header(&r, "Connection", v, sizeof v) && !strcasecmp(v, "close"))
                rc = fail("conn %d: Connection: close", o->i);
        }
        resp_free(&r);
    }
    if (rc == 0) { /* all still open until every one is done */
        idx = weft_barrier_wait(&m->b2);
        if (idx < 0) rc = idx;
    }
    weft_stream_close(s);
    return rc;
}

static int many(int n)
{
    struct many m = {.n = n};
    weft_barrier_init(&m.b1, (size_t)n);
    weft_barrier_init(&m.b2, (size_t)n);
    struct one *ones = calloc((size_t)n, sizeof *ones);
    if (!ones) return -ENOMEM;
    weft_group *g;
    int rc = weft_group_new(&g, WEFT_FAIL_FAST);
    if (rc < 0) return rc;
    int64_t t0 = mono_ns();
    if ((rc = weft_deadline_push(WEFT_SEC(60))) < 0) return rc;
    weft_spawn_options so = {.name = "conn"};
    for (int i = 0; i < n && rc == 0; i++) {
        ones[i] = (struct one){&m, i};
        rc = weft_group_spawn_opts(g, NULL, &so, one_conn, &ones[i]);
    }
    int w = weft_group_wait(g);
    if (rc == 0) rc = w;
    weft_deadline_pop();
    int failed = 0;
    for (size_t i = 0; i < weft_group_size(g); i++) {
        int s = weft_task_status(weft_group_task(g, i));
        if (s < 0 && s != -ECANCELED && failed++ < 5)
            fprintf(stderr, "connection %zu: %s\n", i, weft_strerror(s));
    }
    weft_group_free(g);
    free(ones);
    double ms = (double)(mono_ns() - t0) / 1e6;
    printf("many: %d connections x 3 requests in %.0f ms; the server held %ld connections at "
           "once\n",
           n, ms, m.conns_seen);
    if (rc < 0) return fail("%s", weft_strerror(rc));
    if (!m.stats_ok || m.conns_seen != n + 1)
        return fail("server counted %ld open connections, want %d", m.conns_seen, n + 1);
    return 0;
}

/* -------------------------------------------------------------- main */

struct job {
    const char *mode;
    long long arg;
};

static int run(void *arg)
{
    struct job *j = arg;
    int rc;
    if (!strcmp(j->mode, "slowloris"))
        rc = slowloris(j->arg);
    else if (!strcmp(j->mode, "stopread"))
        rc = stopread(j->arg);
    else if (!strcmp(j->mode, "slowread"))
        rc = slowread(j->arg);
    else
        rc = many((int)j->arg);
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "slowloris") && strcmp(argv[1], "stopread") &&
                      strcmp(argv[1], "slowread") && strcmp(argv[1], "many"))) {
        fprintf(stderr, "usage: http_peer_client slowloris|stopread|slowread|many PORT ARG\n");
        return 2;
    }
    port = atoi(argv[2]);
    struct job j = {argv[1], atoll(argv[3])};
    if (port <= 0 || port > 65535 || j.arg <= 0) return 2;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    int rc = weft_run(run, &j);
    if (rc == -ENOSYS && getenv("WEFT_BACKEND")) return 77; /* the backend is unavailable */
    return rc == 0 ? 0 : 1;
}
