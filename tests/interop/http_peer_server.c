/* The interop tests' HTTP server: weft's public API (<weft.h>) plus
 * libcrypto for SHA-256, driven by foreign clients (curl, aiohttp, wrk)
 * and by http_peer_client from the scripts in this folder.
 *
 *   http_peer_server [--port N | N] [--header-timeout-ms MS] [--send-timeout-ms MS]
 *                    [--idle-timeout-ms MS] [--max-conns N] [--max-body BYTES]
 *                    [--grace-ms MS]
 *
 * Port 0 (the default) picks a free port; the port is printed as
 * "PORT=<n>" on stdout once the server listens. SIGINT/SIGTERM: weft_run
 * cancels the root task, the server shuts down gracefully and the program
 * exits 0.
 *
 *   POST /upload        reads the body in pieces (weft_http_req_read): "LEN SHA256HEX"
 *   GET  /bytes/{n}     n pseudo-random bytes, chunked in 16 KiB writes;
 *                       X-SHA256 carries their digest (computed first)
 *   POST /sha           the body's SHA-256 in hex (chunked or not)
 *   GET  /sse?count=N   N server-sent events ("event i of N"), then the end
 *   GET  /slow?ms=N     sleeps N ms, then "slept N" (counted when it starts)
 *   GET  /hold          waits until the client goes away; counts how its
 *                       wait ended (-ECANCELED is the hang-up)
 *   GET  /big?n=N       an N-byte whole (not streamed) body
 *   GET  /plaintext     "Hello, World!"
 *   GET  /stats         "hold_started=A hold_cancelled=B hold_other=C slow_started=D conns=E"
 *        ?started=N     ... once hold_started >= N (waits on an event)
 *        ?cancelled=N   ... once hold_cancelled + hold_other >= N (event)
 *        ?slow=N        ... once slow_started >= N (event)
 *        ?conns_le=N    ... once at most N connections are open (the server
 *                       has no connection-closed hook: checked every 5 ms)
 *        &timeout_ms=T  bound on those waits (default 10000; 504 when it passes)
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <weft.h>

/* ------------------------------------------------------------- SHA-256 */

static int sha256_hex(EVP_MD_CTX *ctx, char hex[65])
{
    unsigned char md[32];
    unsigned len = 0;
    if (EVP_DigestFinal_ex(ctx, md, &len) != 1 || len != 32) return -EIO;
    for (unsigned i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* Reads the whole body through weft_http_req_read, hashing it. */
static int hash_body(weft_http_req *req, uint64_t *total, char hex[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) return -ENOMEM;
    int rc = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
    char buf[16384];
    *total = 0;
    while (rc == 0) {
        ssize_t n = weft_http_req_read(req, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            rc = (int)n;
            break;
        }
        *total += (uint64_t)n;
        if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) rc = -EIO;
    }
    if (rc == 0) rc = sha256_hex(ctx, hex);
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* ---------------------------------------------------------------- state */

static struct {
    weft_http_server *srv;
    long hold_started, hold_cancelled, hold_other, slow_started;
    weft_event changed; /* pulsed (set, then cleared) when a counter moves */
} st;

static void pulse(void)
{
    weft_event_set(&st.changed);
    weft_event_clear(&st.changed);
}

static long query_num(weft_http_req *req, const char *key, long dflt)
{
    char v[32];
    if (weft_http_req_query_get(req, key, v, sizeof v) <= 0) return dflt;
    char *end;
    long n = strtol(v, &end, 10);
    return *end || n < 0 ? -1 : n;
}

/* ------------------------------------------------------------- handlers */

static int plaintext(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)ud;
    return weft_http_res_send(res, 200, "text/plain", "Hello, World!", 13);
}

static int upload(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    uint64_t n;
    char hex[65], out[128];
    int rc = hash_body(req, &n, hex);
    if (rc < 0) return rc; /* 413 / 400 / closed: the server answers */
    snprintf(out, sizeof out, "%llu %s", (unsigned long long)n, hex);
    return weft_http_res_text(res, 200, out);
}

static int sha(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    uint64_t n;
    char hex[65];
    int rc = hash_body(req, &n, hex);
    if (rc < 0) return rc;
    return weft_http_res_text(res, 200, hex);
}

#define MAX_BYTES ((uint64_t)256 << 20)

static int bytes(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    const char *p = weft_http_req_param(req, "n");
    char *end;
    unsigned long long n = strtoull(p, &end, 10);
    if (*end || p[0] == '-' || n > MAX_BYTES) return weft_http_res_error(res, 400, "bad size");
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) return -ENOMEM;
    uint64_t x = 0x9e3779b97f4a7c15ull ^ (n * 0x100000001b3ull); /* xorshift64* */
    for (size_t i = 0; i < n; i++) {
        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
        buf[i] = (unsigned char)((x * 0x2545f4914f6cdd1dull) >> 56);
    }
    char hex[65];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc =
        ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(ctx, buf, n) == 1
            ? sha256_hex(ctx, hex)
            : -EIO;
    EVP_MD_CTX_free(ctx);
    if (rc == 0) rc = weft_http_res_header(res, "Content-Type", "application/octet-stream");
    if (rc == 0) rc = weft_http_res_header(res, "X-SHA256", hex);
    for (size_t off = 0; rc == 0 && off < n; off += 16384) {
        size_t k = n - off < 16384 ? n - off : 16384;
        ssize_t w = weft_http_res_write(res, buf + off, k);
        if (w < 0) rc = (int)w;
    }
    free(buf);
    return rc; /* the server ends the chunked body */
}

static int sse(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    long count = query_num(req, "count", 3);
    if (count < 0 || count > 100000) return weft_http_res_error(res, 400, "bad count");
    int rc = weft_sse_begin(res);
    for (long i = 1; rc == 0 && i <= count; i++) {
        char data[64];
        snprintf(data, sizeof data, "event %ld of %ld", i, count);
        rc = weft_sse_send(res, NULL, data);
    }
    return rc;
}

static int slow(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    long ms = query_num(req, "ms", 100);
    if (ms < 0 || ms > 600000) return weft_http_res_error(res, 400, "bad ms");
    st.slow_started++;
    pulse();
    int rc = weft_sleep(WEFT_MS(ms));
    if (rc < 0) return rc;
    char out[48];
    snprintf(out, sizeof out, "slept %ld", ms);
    return weft_http_res_text(res, 200, out);
}

static int hold(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)req, (void)res, (void)ud;
    st.hold_started++;
    pulse();
    weft_event never = WEFT_EVENT_INIT;
    int rc = weft_event_wait(&never); /* until the client hangs up (or shutdown) */
    /* the cleanup: record how the wait ended */
    if (rc == -ECANCELED)
        st.hold_cancelled++;
    else
        st.hold_other++;
    pulse();
    return rc;
}

static int big(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    long n = query_num(req, "n", 1 << 20);
    if (n < 0 || (uint64_t)n > MAX_BYTES) return weft_http_res_error(res, 400, "bad n");
    char *buf = malloc(n ? (size_t)n : 1);
    if (!buf) return -ENOMEM;
    for (long i = 0; i < n; i++) buf[i] = (char)('a' + i % 26);
    int rc = weft_http_res_send(res, 200, "application/octet-stream", buf, (size_t)n);
    free(buf);
    return rc;
}

static int stats(weft_http_req *req, weft_http_res *res, void *ud)
{
    (void)ud;
    long started = query_num(req, "started", 0), cancelled = query_num(req, "cancelled", 0);
    long slow_n = query_num(req, "slow", 0), conns_le = query_num(req, "conns_le", -2);
    long timeout_ms = query_num(req, "timeout_ms", 10000);
    if (started < 0 || cancelled < 0 || slow_n < 0 || conns_le == -1 || timeout_ms < 0)
        return weft_http_res_error(res, 400, "bad query");
    int rc = weft_deadline_push(WEFT_MS(timeout_ms));
    if (rc < 0) return rc;
    while (rc == 0 && (st.hold_started < started || st.hold_cancelled + st.hold_other < cancelled ||
                       st.slow_started < slow_n))
        rc = weft_event_wait(&st.changed);
    while (rc == 0 && conns_le >= 0 && weft_http_server_connections(st.srv) > (size_t)conns_le)
        rc = weft_sleep(WEFT_MS(5));
    int expired = weft_deadline_pop() == 1;
    if (rc < 0 && !(rc == -ETIMEDOUT && expired)) return rc;
    char out[200];
    snprintf(out, sizeof out,
             "hold_started=%ld hold_cancelled=%ld hold_other=%ld slow_started=%ld conns=%zu\n",
             st.hold_started, st.hold_cancelled, st.hold_other, st.slow_started,
             weft_http_server_connections(st.srv));
    return weft_http_res_text(res, rc < 0 ? 504 : 200, out);
}

/* ---------------------------------------------------------------- main */

struct cfg {
    weft_http_server_options o;
    int64_t grace_ns;
};

static int serve(void *arg)
{
    struct cfg *cfg = arg;
    weft_event_init(&st.changed);
    weft_http_app *app;
    int rc = weft_http_app_new(&app);
    if (rc < 0) return rc;
    static const struct {
        const char *method, *pattern;
        weft_http_handler h;
    } routes[] = {
        {"POST", "/upload", upload}, {"GET", "/bytes/{n}", bytes},     {"POST", "/sha", sha},
        {"GET", "/sse", sse},        {"GET", "/slow", slow},           {"GET", "/hold", hold},
        {"GET", "/big", big},        {"GET", "/plaintext", plaintext}, {"GET", "/stats", stats},
    };
    for (size_t i = 0; rc == 0 && i < sizeof routes / sizeof routes[0]; i++)
        rc = weft_http_route(app, routes[i].method, routes[i].pattern, routes[i].h, NULL);
    if (rc == 0) rc = weft_http_server_start(&st.srv, app, &cfg->o);
    if (rc < 0) {
        fprintf(stderr, "http_peer_server: %s\n", weft_strerror(rc));
        weft_http_app_free(app);
        return rc;
    }
    weft_addr a;
    rc = weft_http_server_addr(st.srv, &a);
    if (rc == 0) {
        printf("PORT=%d\n", weft_addr_port(&a));
        fflush(stdout);
        weft_event forever = WEFT_EVENT_INIT;
        rc = weft_event_wait(&forever); /* until SIGINT/SIGTERM cancels this task */
    }
    int down = weft_http_server_shutdown(st.srv, cfg->grace_ns);
    weft_http_server_free(st.srv);
    weft_http_app_free(app);
    fprintf(stderr, "http_peer_server: stopped (%s)\n",
            down == 0 ? "every request finished" : "grace expired");
    return rc == -ECANCELED ? 0 : rc;
}

static int arg_num(const char *s, long long *v)
{
    char *end;
    *v = strtoll(s, &end, 10);
    return *s && !*end && *v >= 0;
}

int main(int argc, char **argv)
{
    struct cfg cfg = {WEFT_HTTP_SERVER_OPTIONS_INIT, -1};
    cfg.o.host = "127.0.0.1";
    for (int i = 1; i < argc; i++) {
        long long v;
        const char *k = argv[i];
        if (k[0] != '-' && arg_num(k, &v) && v <= 65535) {
            cfg.o.port = (int)v;
            continue;
        }
        if (i + 1 >= argc || !arg_num(argv[i + 1], &v)) goto usage;
        i++;
        if (!strcmp(k, "--port") && v <= 65535)
            cfg.o.port = (int)v;
        else if (!strcmp(k, "--header-timeout-ms"))
            cfg.o.header_timeout_ns = WEFT_MS(v);
        else if (!strcmp(k, "--send-timeout-ms"))
            cfg.o.send_timeout_ns = WEFT_MS(v);
        else if (!strcmp(k, "--idle-timeout-ms"))
            cfg.o.idle_timeout_ns = WEFT_MS(v);
        else if (!strcmp(k, "--max-conns") && v > 0 && v < 1000000)
            cfg.o.max_connections = (int)v;
        else if (!strcmp(k, "--max-body"))
            cfg.o.max_body = (uint64_t)v;
        else if (!strcmp(k, "--grace-ms"))
            cfg.grace_ns = WEFT_MS(v);
        else
            goto usage;
    }
    /* thousands of connections: the soft fd limit up to the hard one */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    int rc = weft_run(serve, &cfg);
    if (rc == -ENOSYS && getenv("WEFT_BACKEND")) {
        fprintf(stderr, "http_peer_server: backend %s unavailable\n", getenv("WEFT_BACKEND"));
        return 77;
    }
    return rc == 0 ? 0 : 1;
usage:
    fprintf(stderr, "usage: http_peer_server [--port N | N] [--header-timeout-ms MS] "
                    "[--send-timeout-ms MS] [--idle-timeout-ms MS] [--max-conns N] "
                    "[--max-body BYTES] [--grace-ms MS]\n");
    return 2;
}
