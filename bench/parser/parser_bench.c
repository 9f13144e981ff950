/* HTTP/1.1 request-head parsing: weft's parser against http-parser (the
 * Node.js parser before llhttp, Debian's libhttp-parser-dev), in the same
 * run, on two inputs:
 *   browser     a typical browser request head (~500 bytes, 10 headers)
 *   plaintext   the TechEmpower plaintext request, as the TFB wrk script
 *               sends it (3 headers)
 * Each parser gets the same work: split the head into method, target,
 * version and header slices (http-parser through callbacks that record the
 * slices; weft fills its header array and also works out the framing).
 * For each input and parser: the median of 7 rounds of ~0.2 s each.
 * Pin it (taskset -c 0); bench/run_parser.sh does. Not a test: never run by
 * ctest. Usage: parser_bench [--markdown] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <weft.h>
#ifdef WEFT_HAVE_HTTP_PARSER
#include <http_parser.h>
#endif

static const char browser[] =
    "GET /assets/css/main.8c2a4f1e.css HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "Connection: keep-alive\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36\r\n"
    "Accept: text/css,*/*;q=0.1\r\n"
    "Sec-Fetch-Site: same-origin\r\n"
    "Sec-Fetch-Mode: no-cors\r\n"
    "Referer: https://www.example.com/blog/2024/05/parsing-http\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Accept-Language: en-US,en;q=0.9,fr;q=0.8\r\n"
    "Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark\r\n"
    "\r\n";

static const char plaintext[] =
    "GET /plaintext HTTP/1.1\r\n"
    "Host: tfb-server\r\n"
    "Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,"
    "*/*;q=0.7\r\n"
    "Connection: keep-alive\r\n"
    "\r\n";

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static size_t sink; /* results feed it so nothing is optimised away */

/* ------------------------------------------------------------ weft */

static int weft_once(const char *buf, size_t len)
{
    weft_http_header hs[32];
    weft_http_request req = WEFT_HTTP_REQUEST_INIT(hs);
    weft_http_parser p = WEFT_HTTP_PARSER_INIT;
    int rc = weft_http_parse_request(&p, buf, len, &req);
    sink += req.num_headers + req.target.len + (size_t)req.flags;
    return rc == (int)len ? (int)req.num_headers : -1;
}

#ifdef WEFT_HAVE_HTTP_PARSER
/* ------------------------------------------------------------ http-parser */

struct hp_out {
    const char *url;
    size_t url_len;
    struct {
        const char *p;
        size_t n;
    } f[32][2];
    int n;
    int in_value;
};

static int hp_url(http_parser *p, const char *at, size_t n)
{
    struct hp_out *o = p->data;
    o->url = at;
    o->url_len = n;
    return 0;
}
static int hp_field(http_parser *p, const char *at, size_t n)
{
    struct hp_out *o = p->data;
    if (o->n >= 32) return 1;
    o->f[o->n][0].p = at;
    o->f[o->n][0].n = n;
    return 0;
}
static int hp_value(http_parser *p, const char *at, size_t n)
{
    struct hp_out *o = p->data;
    o->f[o->n][1].p = at;
    o->f[o->n][1].n = n;
    o->n++;
    return 0;
}
static http_parser_settings hp_settings = {
    .on_url = hp_url, .on_header_field = hp_field, .on_header_value = hp_value};

static int hp_once(const char *buf, size_t len)
{
    http_parser p;
    struct hp_out o;
    o.n = 0;
    http_parser_init(&p, HTTP_REQUEST);
    p.data = &o;
    size_t n = http_parser_execute(&p, &hp_settings, buf, len);
    sink += (size_t)o.n + o.url_len + (size_t)p.method;
    return n == len && !p.http_errno ? o.n : -1;
}
#endif

/* ------------------------------------------------------------ timing */

typedef int (*once_fn)(const char *, size_t);

static double bench(once_fn fn, const char *buf, size_t len)
{
    /* calibrate to ~0.2 s per round */
    long iters = 1000;
    for (;;) {
        double t0 = now_ns();
        for (long i = 0; i < iters; i++) fn(buf, len);
        double dt = now_ns() - t0;
        if (dt > 5e7) {
            iters = (long)((double)iters * 2e8 / dt) + 1;
            break;
        }
        iters *= 4;
    }
    double r[7];
    for (int k = 0; k < 7; k++) {
        double t0 = now_ns();
        for (long i = 0; i < iters; i++) fn(buf, len);
        r[k] = (now_ns() - t0) / (double)iters;
    }
    for (int i = 0; i < 7; i++) /* median */
        for (int j = i + 1; j < 7; j++)
            if (r[j] < r[i]) {
                double t = r[i];
                r[i] = r[j];
                r[j] = t;
            }
    return r[3];
}

int main(int argc, char **argv)
{
    int md = argc > 1 && !strcmp(argv[1], "--markdown");
    const struct {
        const char *name;
        const char *buf;
        size_t len;
    } in[] = {{"browser", browser, sizeof(browser) - 1},
              {"plaintext", plaintext, sizeof(plaintext) - 1}};
    const char *isa = getenv("WEFT_HTTP_ISA");
    if (!md)
        printf("%-10s %6s %4s  %14s %8s  %14s %8s  %6s\n", "input", "bytes", "hdrs", "weft ns/req",
               "GB/s", "http-parser ns", "GB/s", "ratio");
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        int nh = weft_once(in[i].buf, in[i].len);
        if (nh < 0) {
            fprintf(stderr, "weft failed to parse %s\n", in[i].name);
            return 1;
        }
        double w = bench(weft_once, in[i].buf, in[i].len);
        double h = 0;
#ifdef WEFT_HAVE_HTTP_PARSER
        if (hp_once(in[i].buf, in[i].len) != nh) {
            fprintf(stderr, "http-parser disagrees on %s\n", in[i].name);
            return 1;
        }
        h = bench(hp_once, in[i].buf, in[i].len);
#endif
        double len = (double)in[i].len;
        if (md) {
            printf("| %s | %s | %zu | %d | %.1f | %.2f |", in[i].name, isa ? isa : "auto",
                   in[i].len, nh, w, len / w);
            if (h > 0)
                printf(" %.1f | %.2f | %.2fx |\n", h, len / h, h / w);
            else
                printf(" - | - | - |\n");
        } else {
            printf("%-10s %6zu %4d  %14.1f %8.2f  %14.1f %8.2f  %5.2fx\n", in[i].name, in[i].len,
                   nh, w, len / w, h, h > 0 ? len / h : 0, h > 0 ? h / w : 0);
        }
    }
    return sink == 0; /* never true; keeps sink alive */
}
