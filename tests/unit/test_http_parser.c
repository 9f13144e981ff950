/* weft-test: pure timeout=120
 * HTTP/1.1 head parser (src/http/parser.c, head.h): requests and responses,
 * every error code, limits, framing, incremental parsing (every split,
 * byte by byte, a buffer that moves), pipelining, request-smuggling shapes,
 * and the three scanner builds giving the same answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wt.h"
#include "http/parser.h"

#define NH 64

/* A parse result flattened to text, so that results from different
 * buffers (and builds) compare with strcmp. */
static void describe_req(int rc, const weft_http_request *r, char *out, size_t cap)
{
    int n = snprintf(out, cap, "rc=%d", rc);
    if (rc <= 0) return;
    n += snprintf(out + n, cap - (size_t)n,
                  " %.*s %.*s v=%d id=%d body=%d cl=%llu f=%x host=%d up=%d", (int)r->method.len,
                  r->method.ptr, (int)r->target.len, r->target.ptr, r->version, r->method_id,
                  r->body, (unsigned long long)r->content_length, r->flags, r->host, r->upgrade);
    for (size_t i = 0; i < r->num_headers && (size_t)n < cap; i++)
        n +=
            snprintf(out + n, cap - (size_t)n, " [%.*s|%.*s]", (int)r->headers[i].name.len,
                     r->headers[i].name.ptr, (int)r->headers[i].value.len, r->headers[i].value.ptr);
}

static void describe_resp(int rc, const weft_http_response *r, char *out, size_t cap)
{
    int n = snprintf(out, cap, "rc=%d", rc);
    if (rc <= 0) return;
    n += snprintf(out + n, cap - (size_t)n, " %d %.*s v=%d body=%d cl=%llu f=%x up=%d", r->status,
                  (int)r->reason.len, r->reason.ptr ? r->reason.ptr : "", r->version, r->body,
                  (unsigned long long)r->content_length, r->flags, r->upgrade);
    for (size_t i = 0; i < r->num_headers && (size_t)n < cap; i++)
        n +=
            snprintf(out + n, cap - (size_t)n, " [%.*s|%.*s]", (int)r->headers[i].name.len,
                     r->headers[i].name.ptr, (int)r->headers[i].value.len, r->headers[i].value.ptr);
}

static weft_http_header hs[NH];

/* Parses s whole. */
static int req(const char *s, weft_http_request *r)
{
    weft_http_parser p = WEFT_HTTP_PARSER_INIT;
    *r = (weft_http_request)WEFT_HTTP_REQUEST_INIT(hs);
    return weft_http_parse_request(&p, s, strlen(s), r);
}

/* Parses s in two pieces split at k, the second call with the buffer moved
 * when `move`; returns the final rc and describes the result. The first
 * call must answer 0 unless it already saw an error. */
static int req_split(const char *s, size_t len, size_t k, int move, const weft_http_limits *lim,
                     char *out, size_t cap)
{
    weft_http_parser p;
    weft_http_header h[NH];
    weft_http_request r = WEFT_HTTP_REQUEST_INIT(h);
    assert_int_equal(weft_http_parser_init(&p, lim), 0);
    char *a = malloc(len + 1), *b = malloc(len + 1);
    assert_non_null(a);
    assert_non_null(b);
    memcpy(a, s, len);
    int rc = weft_http_parse_request(&p, a, k, &r);
    if (rc == 0) {
        char *buf = a;
        if (move) {
            memcpy(b, s, len);
            buf = b;
        }
        rc = weft_http_parse_request(&p, buf, len, &r);
    }
    describe_req(rc, &r, out, cap);
    free(a);
    free(b);
    return rc;
}

/* Feeds s one byte more per call (the buffer grows in place). */
static int req_bytewise(const char *s, size_t len, char *out, size_t cap)
{
    weft_http_parser p = WEFT_HTTP_PARSER_INIT;
    weft_http_header h[NH];
    weft_http_request r = WEFT_HTTP_REQUEST_INIT(h);
    int rc = 0;
    for (size_t n = 1; n <= len && rc == 0; n++) rc = weft_http_parse_request(&p, s, n, &r);
    describe_req(rc, &r, out, cap);
    return rc;
}

/* The result of parsing s whole must equal every other way of feeding it. */
static int req_all_ways(const char *s, const weft_http_limits *lim)
{
    size_t len = strlen(s);
    char whole[4096], other[4096];
    int rc = req_split(s, len, len, 0, lim, whole, sizeof(whole));
    for (size_t k = 0; k < len; k++) {
        for (int move = 0; move < 2; move++) {
            req_split(s, len, k, move, lim, other, sizeof(other));
            if (strcmp(whole, other)) {
                print_message("split at %zu (move %d) of %s:\n  %s\n  %s\n", k, move, s, whole,
                              other);
                fail();
            }
        }
    }
    if (!lim) {
        req_bytewise(s, len, other, sizeof(other));
        assert_string_equal(whole, other);
    }
    return rc;
}

/* ---------------------------------------------------------------- requests */

static void test_request_basic(void **state)
{
    (void)state;
    weft_http_request r;
    const char *s = "GET /index.html?q=1 HTTP/1.1\r\n"
                    "Host: example.com\r\n"
                    "User-Agent:   curl/8.0 \t \r\n"
                    "Accept: */*\r\n"
                    "X-Empty:\r\n"
                    "\r\n"
                    "rest";
    int rc = req(s, &r);
    assert_int_equal(rc, (int)(strstr(s, "rest") - s));
    assert_int_equal(r.method_id, WEFT_HTTP_GET);
    assert_int_equal(r.method.len, 3);
    assert_ptr_equal(r.method.ptr, s);
    assert_int_equal(r.target.len, 15);
    assert_memory_equal(r.target.ptr, "/index.html?q=1", 15);
    assert_int_equal(r.version, 11);
    assert_int_equal(r.num_headers, 4);
    assert_int_equal(r.headers[1].name.len, 10);
    assert_memory_equal(r.headers[1].value.ptr, "curl/8.0", 8);
    assert_int_equal(r.headers[1].value.len, 8); /* OWS trimmed both sides */
    assert_int_equal(r.headers[3].value.len, 0);
    assert_int_equal(r.host, 0);
    assert_int_equal(r.upgrade, -1);
    assert_int_equal(r.body, WEFT_HTTP_BODY_NONE);
    assert_int_equal(r.flags, WEFT_HTTP_F_KEEP_ALIVE);
    assert_int_equal(weft_http_header_find(r.headers, r.num_headers, "user-AGENT"), 1);
    assert_int_equal(weft_http_header_find(r.headers, r.num_headers, "user-agen"), -1);
    req_all_ways(s, NULL);
}

static void test_request_methods(void **state)
{
    (void)state;
    static const struct {
        const char *m;
        int id;
    } t[] = {{"GET", WEFT_HTTP_GET},         {"HEAD", WEFT_HTTP_HEAD},
             {"POST", WEFT_HTTP_POST},       {"PUT", WEFT_HTTP_PUT},
             {"DELETE", WEFT_HTTP_DELETE},   {"CONNECT", WEFT_HTTP_CONNECT},
             {"OPTIONS", WEFT_HTTP_OPTIONS}, {"TRACE", WEFT_HTTP_TRACE},
             {"PATCH", WEFT_HTTP_PATCH},     {"MKCOL", WEFT_HTTP_OTHER},
             {"get", WEFT_HTTP_OTHER},       {"M-SEARCH", WEFT_HTTP_OTHER},
             {"PUTX", WEFT_HTTP_OTHER},      {"!#$%&'*+-.^_`|~09", WEFT_HTTP_OTHER}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char buf[128];
        weft_http_request r;
        snprintf(buf, sizeof(buf), "%s / HTTP/1.1\r\n\r\n", t[i].m);
        assert_int_equal(req(buf, &r), (int)strlen(buf));
        assert_int_equal(r.method_id, t[i].id);
        assert_int_equal(r.method.len, strlen(t[i].m));
    }
}

struct bad {
    const char *in;
    size_t len; /* 0: strlen(in) */
    int rc;
};
#define B(s, rc)                                                                                   \
    {                                                                                              \
        s, sizeof(s) - 1, rc                                                                       \
    }

/* Inputs that must fail with exactly this code, however they are fed. */
static const struct bad bad_requests[] = {
    B("G@T / HTTP/1.1\r\n\r\n", WEFT_HTTP_EMETHOD),
    B(" GET / HTTP/1.1\r\n\r\n", WEFT_HTTP_EMETHOD),
    B("GET\t/ HTTP/1.1\r\n\r\n", WEFT_HTTP_EMETHOD),
    B("GET  / HTTP/1.1\r\n\r\n", WEFT_HTTP_ETARGET),
    B("GET /a\x7f HTTP/1.1\r\n\r\n", WEFT_HTTP_ETARGET),
    B("GET /\xc3\xa9 HTTP/1.1\r\n\r\n", WEFT_HTTP_ETARGET),
    B("GET /a\tb HTTP/1.1\r\n\r\n", WEFT_HTTP_ETARGET),
    B("GET /\r\n\r\n", WEFT_HTTP_EVERSION),
    B("GET / HTTP/1.1 \r\n\r\n", WEFT_HTTP_EVERSION),
    B("GET / HTTP/1.x\r\n\r\n", WEFT_HTTP_EVERSION),
    B("GET / HTTP/11.1\r\n\r\n", WEFT_HTTP_EVERSION),
    B("GET / http/1.1\r\n\r\n", WEFT_HTTP_EVERSION),
    B("GET / HTTP/1.10\r\n\r\n", WEFT_HTTP_EVERSION),
    B("GET / HTTP/2.0\r\n\r\n", WEFT_HTTP_EVERSION_UNSUPPORTED),
    B("GET / HTTP/0.9\r\n\r\n", WEFT_HTTP_EVERSION_UNSUPPORTED),
    B("GET / HTTP/1.1\n\r\n", WEFT_HTTP_EBARE_LF),
    B("GET / HTTP/1.1\rX\r\n", WEFT_HTTP_EBARE_CR),
    B("GET /\n HTTP/1.1\r\n\r\n", WEFT_HTTP_EBARE_LF),
    B("\r\rGET / HTTP/1.1\r\n\r\n", WEFT_HTTP_EBARE_CR),
    B("\nGET / HTTP/1.1\r\n\r\n", WEFT_HTTP_EBARE_LF),
    B("GET / HTTP/1.1\r\nA: b\r\n\n", WEFT_HTTP_EBARE_LF),
    B("GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n", WEFT_HTTP_EBARE_LF),
    B("GET / HTTP/1.1\r\nA: b\rC: d\r\n\r\n", WEFT_HTTP_EBARE_CR),
    B("GET / HTTP/1.1\r\nA: b\r\n\rX", WEFT_HTTP_EBARE_CR),
    B("GET / HTTP/1.1\r\nA : b\r\n\r\n", WEFT_HTTP_EHEADER_NAME),
    B("GET / HTTP/1.1\r\nA\t: b\r\n\r\n", WEFT_HTTP_EHEADER_NAME),
    B("GET / HTTP/1.1\r\n: b\r\n\r\n", WEFT_HTTP_EHEADER_NAME),
    B("GET / HTTP/1.1\r\nA(b): c\r\n\r\n", WEFT_HTTP_EHEADER_NAME),
    B("GET / HTTP/1.1\r\nA\r\n\r\n", WEFT_HTTP_EHEADER_NAME),
    B("GET / HTTP/1.1\r\n\xc3\xa9: c\r\n\r\n", WEFT_HTTP_EHEADER_NAME),
    B("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", WEFT_HTTP_EHEADER_VALUE),
    B("GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n", WEFT_HTTP_EHEADER_VALUE),
    B("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", WEFT_HTTP_EHEADER_VALUE),
    B("GET / HTTP/1.1\r\n A: b\r\n\r\n", WEFT_HTTP_EOBS_FOLD),
    B("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", WEFT_HTTP_EOBS_FOLD),
    B("GET / HTTP/1.1\r\nA: b\r\n\tc\r\n\r\n", WEFT_HTTP_EOBS_FOLD),
    B("GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", WEFT_HTTP_ECONTENT_LENGTH),
    B("GET / HTTP/1.1\r\nContent-Length:\r\n\r\n", WEFT_HTTP_ECONTENT_LENGTH),
    B("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", WEFT_HTTP_ECONTENT_LENGTH),
    B("GET / HTTP/1.1\r\nContent-Length: +1\r\n\r\n", WEFT_HTTP_ECONTENT_LENGTH),
    B("GET / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", WEFT_HTTP_ECONTENT_LENGTH),
    B("GET / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\n", WEFT_HTTP_ECONTENT_LENGTH),
    B("GET / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n", WEFT_HTTP_ECONTENT_LENGTH),
    B("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
      WEFT_HTTP_EDUP_CONTENT_LENGTH),
    B("GET / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\n",
      WEFT_HTTP_EDUP_CONTENT_LENGTH),
    B("GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      WEFT_HTTP_ETE_WITH_CL),
    B("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
      WEFT_HTTP_ETE_WITH_CL),
    B("GET / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", WEFT_HTTP_ETRANSFER_ENCODING),
    B("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
      WEFT_HTTP_ETRANSFER_ENCODING),
    B("GET / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
      WEFT_HTTP_ETRANSFER_ENCODING),
    B("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", WEFT_HTTP_ETRANSFER_ENCODING),
    B("GET / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", WEFT_HTTP_ETRANSFER_ENCODING),
    B("GET / HTTP/1.1\r\nTransfer-Encoding: chunked;a=b\r\n\r\n", WEFT_HTTP_ETRANSFER_ENCODING),
    B("GET / HTTP/1.1\r\nTransfer-Encoding: chunked x\r\n\r\n", WEFT_HTTP_ETRANSFER_ENCODING),
    B("GET / HTTP/1.1\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", WEFT_HTTP_ETRANSFER_ENCODING),
    B("GET / HTTP/1.1\r\nTransfer-Encoding: gzip;q=\"x\r\n\r\n", WEFT_HTTP_ETRANSFER_ENCODING),
    B("GET / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n", WEFT_HTTP_ETE_UNKNOWN),
    B("GET / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", WEFT_HTTP_ETE_UNKNOWN),
    B("GET / HTTP/1.1\r\nTransfer-Encoding: chunkedchunked\r\n\r\n", WEFT_HTTP_ETE_UNKNOWN),
    B("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", WEFT_HTTP_EDUP_HOST),
};

static void test_request_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_requests) / sizeof(bad_requests[0]); i++) {
        const char *s = bad_requests[i].in;
        size_t len = bad_requests[i].len;
        char whole[512];
        int rc = req_split(s, len, len, 0, NULL, whole, sizeof(whole));
        if (rc != bad_requests[i].rc)
            print_message("case %zu: %s -> %s, want %s\n", i, s, weft_http_errname(rc),
                          weft_http_errname(bad_requests[i].rc));
        assert_int_equal(rc, bad_requests[i].rc);
        /* and the same however it is fed */
        for (size_t k = 0; k < len; k++) {
            char other[512];
            assert_int_equal(req_split(s, len, k, (int)(k & 1), NULL, other, sizeof(other)), rc);
        }
    }
}

static void test_request_incomplete(void **state)
{
    (void)state;
    /* every proper prefix of a valid head is incomplete, never an error */
    const char *s = "\r\n\r\nPOST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nA:\t b \r\n\r\n";
    size_t len = strlen(s);
    for (size_t n = 0; n < len; n++) {
        weft_http_parser p = WEFT_HTTP_PARSER_INIT;
        weft_http_request r = WEFT_HTTP_REQUEST_INIT(hs);
        assert_int_equal(weft_http_parse_request(&p, s, n, &r), 0);
    }
    assert_int_equal(req_all_ways(s, NULL), (int)len);
    /* errors are reported as soon as the offending byte arrives */
    const char *bad = "GET / HTTP/1.1\r\nA: b\x01";
    weft_http_parser p = WEFT_HTTP_PARSER_INIT;
    weft_http_request r = WEFT_HTTP_REQUEST_INIT(hs);
    assert_int_equal(weft_http_parse_request(&p, bad, strlen(bad), &r), WEFT_HTTP_EHEADER_VALUE);
    const char *cl = "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n";
    assert_int_equal(weft_http_parse_request(&p, cl, strlen(cl), &r),
                     WEFT_HTTP_EDUP_CONTENT_LENGTH);
    assert_int_equal(weft_http_parse_request(&p, "GET / HTTP/5.1", 14, &r),
                     WEFT_HTTP_EVERSION_UNSUPPORTED);
    /* misuse that must not crash: switching to a response mid-head, or
     * handing over fewer bytes than before, starts over */
    const char *g = "GET / HTTP/1.1\r\nA: b\r\n\r\n";
    weft_http_response rs = WEFT_HTTP_RESPONSE_INIT(hs, 0);
    assert_int_equal(weft_http_parse_request(&p, g, 20, &r), 0);
    assert_int_equal(weft_http_parse_response(&p, "HTTP/1.1 200 OK\r\n\r\n", 19, &rs), 19);
    assert_int_equal(rs.status, 200);
    assert_int_equal(weft_http_parse_request(&p, g, 20, &r), 0);
    assert_int_equal(weft_http_parse_request(&p, g, 10, &r), 0);
    assert_int_equal(weft_http_parse_request(&p, g, strlen(g), &r), (int)strlen(g));
    assert_int_equal(r.num_headers, 1);
    /* a req re-initialised between calls: the parser starts over, and the
       headers parsed before are not lost */
    const char *two = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n";
    assert_int_equal(weft_http_parse_request(&p, two, 25, &r), 0);
    r = (weft_http_request)WEFT_HTTP_REQUEST_INIT(hs);
    assert_int_equal(weft_http_parse_request(&p, two, strlen(two), &r), (int)strlen(two));
    assert_int_equal(r.num_headers, 2);
    assert_memory_equal(r.headers[0].name.ptr, "A", 1);
}

static void test_request_framing(void **state)
{
    (void)state;
    weft_http_request r;
    /* Content-Length, leading zeros, surrounding whitespace */
    assert_true(req("POST / HTTP/1.1\r\nContent-Length:\t 0042 \r\n\r\n", &r) > 0);
    assert_int_equal(r.body, WEFT_HTTP_BODY_LENGTH);
    assert_int_equal(r.content_length, 42);
    assert_int_equal(r.flags, WEFT_HTTP_F_KEEP_ALIVE | WEFT_HTTP_F_CONTENT_LENGTH);
    assert_true(req("POST / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n", &r) > 0);
    assert_int_equal(r.content_length, 9223372036854775807ull);
    assert_true(req("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &r) > 0);
    assert_int_equal(r.body, WEFT_HTTP_BODY_LENGTH);
    assert_int_equal(r.content_length, 0);
    /* chunked, alone, last, split over lines, with codings before it */
    assert_true(req("POST / HTTP/1.1\r\nTransfer-Encoding: CHUNKED\r\n\r\n", &r) > 0);
    assert_int_equal(r.body, WEFT_HTTP_BODY_CHUNKED);
    assert_int_equal(r.flags,
                     WEFT_HTTP_F_KEEP_ALIVE | WEFT_HTTP_F_TRANSFER_ENCODING | WEFT_HTTP_F_CHUNKED);
    assert_true(req("POST / HTTP/1.1\r\nTransfer-Encoding: gzip;q=\"1,2\" , ,x-gzip\r\n"
                    "Transfer-Encoding: deflate,chunked\r\n\r\n",
                    &r) > 0);
    assert_int_equal(r.body, WEFT_HTTP_BODY_CHUNKED);
    assert_true(r.flags & WEFT_HTTP_F_TE_CODED);
    /* no framing header: no body */
    assert_true(req("POST / HTTP/1.1\r\n\r\n", &r) > 0);
    assert_int_equal(r.body, WEFT_HTTP_BODY_NONE);
    /* names are case-insensitive; look-alikes are other fields */
    assert_true(req("POST / HTTP/1.1\r\ncontent-LENGTH: 3\r\nContent-Lengths: 9\r\n"
                    "Content-Lengt: 9\r\nXontent-Length: 9\r\nTransfer-Encodings: x\r\n\r\n",
                    &r) > 0);
    assert_int_equal(r.content_length, 3);
    assert_false(r.flags & WEFT_HTTP_F_TRANSFER_ENCODING);
}

static void test_request_connection(void **state)
{
    (void)state;
    weft_http_request r;
    static const struct {
        const char *in;
        unsigned flags;
    } t[] = {
        {"GET / HTTP/1.1\r\n\r\n", WEFT_HTTP_F_KEEP_ALIVE},
        {"GET / HTTP/1.0\r\n\r\n", 0},
        {"GET / HTTP/1.2\r\n\r\n", WEFT_HTTP_F_KEEP_ALIVE},
        {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", WEFT_HTTP_F_CONN_CLOSE},
        {"GET / HTTP/1.1\r\nConnection: Keep-Alive, CLOSE\r\n\r\n",
         WEFT_HTTP_F_CONN_CLOSE | WEFT_HTTP_F_CONN_KEEP_ALIVE},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
         WEFT_HTTP_F_KEEP_ALIVE | WEFT_HTTP_F_CONN_KEEP_ALIVE},
        {"GET / HTTP/1.0\r\nConnection: x, , keep-alive ,y\r\n\r\n",
         WEFT_HTTP_F_KEEP_ALIVE | WEFT_HTTP_F_CONN_KEEP_ALIVE},
        {"GET / HTTP/1.0\r\nConnection: keep-alives\r\n\r\n", 0},
        {"GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
         WEFT_HTTP_F_KEEP_ALIVE | WEFT_HTTP_F_CONN_UPGRADE | WEFT_HTTP_F_UPGRADE},
        /* Upgrade without the Connection token, or in HTTP/1.0: no switch */
        {"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", WEFT_HTTP_F_KEEP_ALIVE},
        {"GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
         WEFT_HTTP_F_CONN_UPGRADE},
        {"PUT / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n",
         WEFT_HTTP_F_KEEP_ALIVE | WEFT_HTTP_F_EXPECT_CONTINUE},
        {"PUT / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n",
         WEFT_HTTP_F_KEEP_ALIVE | WEFT_HTTP_F_EXPECT_OTHER},
        {"PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", 0},
        /* HTTP/1.0 with Transfer-Encoding: read as chunked, then close */
        {"PUT / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n",
         WEFT_HTTP_F_CONN_KEEP_ALIVE | WEFT_HTTP_F_TRANSFER_ENCODING | WEFT_HTTP_F_CHUNKED},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        assert_int_equal(req(t[i].in, &r), (int)strlen(t[i].in));
        if (r.flags != t[i].flags) print_message("%s: flags %x\n", t[i].in, r.flags);
        assert_int_equal(r.flags, t[i].flags);
    }
    assert_true(req("GET / HTTP/1.1\r\nA: 1\r\nUpgrade: h2c\r\nHost: x\r\nUpgrade: y\r\n\r\n", &r) >
                0);
    assert_int_equal(r.upgrade, 1);
    assert_int_equal(r.host, 2);
    assert_true(req("GET / HTTP/1.1\r\n\r\n", &r) > 0);
    assert_int_equal(r.host, -1);
}

static void test_request_limits(void **state)
{
    (void)state;
    char buf[2048];
    weft_http_limits lim = {.max_line = 64, .max_head = 256};
    /* a request line of exactly max_line bytes passes, one more is 414 */
    for (int extra = 0; extra < 2; extra++) {
        int n = snprintf(buf, sizeof(buf), "GET /%0*d HTTP/1.1\r\n\r\n", 64 - 14 + extra, 0);
        assert_true(n > 0);
        char out[4096];
        int rc = req_split(buf, strlen(buf), strlen(buf), 0, &lim, out, sizeof(out));
        assert_int_equal(rc, extra ? WEFT_HTTP_ELINE_TOO_LONG : n);
        assert_int_equal(weft_http_error_status(rc), extra ? 414 : 0);
        assert_int_equal(req_all_ways(buf, &lim), rc);
    }
    /* a long line is refused before its end arrives */
    memset(buf, 'a', 200);
    memcpy(buf, "GET /", 5);
    {
        weft_http_parser p;
        weft_http_request r = WEFT_HTTP_REQUEST_INIT(hs);
        assert_int_equal(weft_http_parser_init(&p, &lim), 0);
        assert_int_equal(weft_http_parse_request(&p, buf, 65, &r), 0);
        assert_int_equal(weft_http_parse_request(&p, buf, 66, &r), WEFT_HTTP_ELINE_TOO_LONG);
    }
    /* the head: exactly max_head passes, one more byte is 431 */
    for (int extra = 0; extra < 2; extra++) {
        int n =
            snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nA: %0*d\r\n\r\n", 256 - 23 + extra, 0);
        assert_true(n == 256 + extra);
        char out[4096];
        int rc = req_split(buf, (size_t)n, (size_t)n, 0, &lim, out, sizeof(out));
        assert_int_equal(rc, extra ? WEFT_HTTP_EHEAD_TOO_LARGE : n);
        assert_int_equal(req_all_ways(buf, &lim), rc);
    }
    /* empty lines before the request line count */
    {
        int n = snprintf(buf, sizeof(buf), "\r\n\r\nGET / HTTP/1.1\r\nA: %0*d\r\n\r\n",
                         256 - 23 - 4 + 1, 0);
        char out[4096];
        assert_int_equal(req_split(buf, (size_t)n, (size_t)n, 0, &lim, out, sizeof(out)),
                         WEFT_HTTP_EHEAD_TOO_LARGE);
    }
    /* header count: the array's size */
    {
        weft_http_header h[3];
        weft_http_request r = WEFT_HTTP_REQUEST_INIT(h);
        weft_http_parser p = WEFT_HTTP_PARSER_INIT;
        const char *three = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        const char *four = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
        assert_int_equal(weft_http_parse_request(&p, three, strlen(three), &r), (int)strlen(three));
        assert_int_equal(weft_http_parse_request(&p, four, strlen(four), &r),
                         WEFT_HTTP_ETOO_MANY_HEADERS);
        assert_int_equal(weft_http_error_status(WEFT_HTTP_ETOO_MANY_HEADERS), 431);
    }
    /* init refuses nonsense limits */
    weft_http_parser p;
    weft_http_limits big = {.max_head = WEFT_HTTP_LIMIT_MAX + 1};
    weft_http_limits inverted = {.max_line = 100, .max_head = 50};
    assert_int_equal(weft_http_parser_init(&p, &big), -EINVAL);
    assert_int_equal(weft_http_parser_init(&p, &inverted), -EINVAL);
    assert_int_equal(weft_http_parser_init(&p, NULL), 0);
    assert_int_equal(p.limits.max_line, WEFT_HTTP_DEFAULT_MAX_LINE);
    assert_int_equal(p.limits.max_head, WEFT_HTTP_DEFAULT_MAX_HEAD);
}

static void test_request_pipelining(void **state)
{
    (void)state;
    const char *s = "GET /a HTTP/1.1\r\n\r\n"
                    "\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"
                    "GET /c HTTP/1.1\r\nX: y\r\n\r\n";
    size_t len = strlen(s), off = 0;
    const char *targets[] = {"/a", "/b", "/c"};
    weft_http_parser p = WEFT_HTTP_PARSER_INIT;
    for (int i = 0; i < 3; i++) {
        weft_http_request r = WEFT_HTTP_REQUEST_INIT(hs);
        int rc = weft_http_parse_request(&p, s + off, len - off, &r);
        assert_true(rc > 0);
        assert_int_equal(r.target.len, 2);
        assert_memory_equal(r.target.ptr, targets[i], 2);
        off += (size_t)rc + (r.body == WEFT_HTTP_BODY_LENGTH ? r.content_length : 0);
    }
    assert_int_equal(off, len);
    /* the parser is reset after an error too */
    weft_http_request r = WEFT_HTTP_REQUEST_INIT(hs);
    assert_int_equal(weft_http_parse_request(&p, "GET / HTTP/1.1\r\nA", 17, &r), 0);
    weft_http_parser_reset(&p);
    assert_int_equal(weft_http_parse_request(&p, "XY / HTTP/1.1\r\n\r\n", 17, &r), 17);
    assert_int_equal(r.method.len, 2);
}

/* Request-smuggling shapes (CL.TE, TE.CL, TE.TE obfuscations, line-ending
 * tricks): every one is an error, so the bytes after it are never taken
 * for a second request. */
static void test_request_smuggling(void **state)
{
    (void)state;
#define S(s, status)                                                                               \
    {                                                                                              \
        s, sizeof(s) - 1, status                                                                   \
    }
    static const struct {
        const char *in;
        size_t len;
        int status;
    } shapes[] = {
        S("POST / HTTP/1.1\r\nContent-Length: 13\r\nTransfer-Encoding: "
          "chunked\r\n\r\n0\r\n\r\nSMUGGLED",
          400),
        S("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: "
          "3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
          400),
        S("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n", 400),
        S("POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n", 400),
        S("POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n", 501),
        S("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400),
        S("POST / HTTP/1.1\r\nTransfer-Encoding:\x0b"
          "chunked\r\n\r\n",
          400),
        S("POST / HTTP/1.1\r\nX: X\nTransfer-Encoding: chunked\r\n\r\n", 400),
        S("POST / HTTP/1.1\r\nX: X\rTransfer-Encoding: chunked\r\n\r\n", 400),
        S("POST / HTTP/1.1\r\n Transfer-Encoding: chunked\r\n\r\n", 400),
        S("POST / HTTP/1.1\r\nFoo: bar\r\n\tTransfer-Encoding: chunked\r\n\r\n", 400),
        S("POST / HTTP/1.1\r\nTransfer-Encoding\r\n : chunked\r\n\r\n", 400),
        S("POST / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n", 400),
        S("POST / HTTP/1.1\r\nContent-Length: 0, 44\r\n\r\n", 400),
        S("POST / HTTP/1.1\r\nContent-Length: 4\x00"
          "4\r\n\r\n",
          400),
        S("POST / HTTP/1.1\r\nContent_Length: 0\r\nContent-Length : 44\r\n\r\n", 400),
        S("GET / HTTP/1.1\r\nHost: a\nHost: b\r\n\r\n", 400),
        S("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        S("GET / HTTP/1.1\nHost: a\r\n\r\n", 400),
        S("GET /a HTTP/1.1\r\nX: \"\r\n\"\r\n\r\nGET /b HTTP/1.1\r\n\r\n", 400),
        S("GET /a HTTP/1.1\r\n\rGET /b HTTP/1.1\r\n\r\n", 400),
    };
#undef S
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        weft_http_parser p = WEFT_HTTP_PARSER_INIT;
        weft_http_request r = WEFT_HTTP_REQUEST_INIT(hs);
        int rc = weft_http_parse_request(&p, shapes[i].in, shapes[i].len, &r);
        if (rc >= 0) print_message("shape %zu accepted: %s\n", i, shapes[i].in);
        assert_true(rc < 0);
        assert_int_equal(weft_http_error_status(rc), shapes[i].status);
    }
}

/* ---------------------------------------------------------------- responses */

static int resp(const char *s, int method, weft_http_response *r)
{
    weft_http_parser p = WEFT_HTTP_PARSER_INIT;
    *r = (weft_http_response)WEFT_HTTP_RESPONSE_INIT(hs, method);
    int rc = weft_http_parse_response(&p, s, strlen(s), r);
    /* the same byte by byte, into a separate result */
    weft_http_header h2[NH];
    weft_http_response r2 = WEFT_HTTP_RESPONSE_INIT(h2, method);
    weft_http_parser p2 = WEFT_HTTP_PARSER_INIT;
    int rc2 = 0;
    for (size_t n = 1; n <= strlen(s) && rc2 == 0; n++)
        rc2 = weft_http_parse_response(&p2, s, n, &r2);
    char a[2048], b[2048];
    describe_resp(rc, r, a, sizeof(a));
    describe_resp(rc2, &r2, b, sizeof(b));
    assert_string_equal(a, b);
    return rc;
}

static void test_response(void **state)
{
    (void)state;
    weft_http_response r;
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";
    assert_int_equal(resp(s, WEFT_HTTP_GET, &r), (int)strlen(s) - 5);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.reason.len, 2);
    assert_memory_equal(r.reason.ptr, "OK", 2);
    assert_int_equal(r.version, 11);
    assert_int_equal(r.body, WEFT_HTTP_BODY_LENGTH);
    assert_int_equal(r.content_length, 5);
    assert_true(r.flags & WEFT_HTTP_F_KEEP_ALIVE);

    static const struct {
        const char *in;
        int method, status, body, keep;
    } t[] = {
        {"HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n", 0, 204, WEFT_HTTP_BODY_NONE, 1},
        {"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 304,
         WEFT_HTTP_BODY_NONE, 1},
        {"HTTP/1.1 100 Continue\r\n\r\n", 0, 100, WEFT_HTTP_BODY_NONE, 1},
        {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", WEFT_HTTP_HEAD, 200, WEFT_HTTP_BODY_NONE,
         1},
        {"HTTP/1.1 200 OK\r\n\r\n", 0, 200, WEFT_HTTP_BODY_UNTIL_CLOSE, 0},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0, 200,
         WEFT_HTTP_BODY_UNTIL_CLOSE, 0},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 200,
         WEFT_HTTP_BODY_CHUNKED, 1},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: pigeons\r\n\r\n", 0, 200,
         WEFT_HTTP_BODY_UNTIL_CLOSE, 0},
        {"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", 0, 200, WEFT_HTTP_BODY_LENGTH, 0},
        {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", 0, 200,
         WEFT_HTTP_BODY_LENGTH, 1},
        {"HTTP/1.1 999 \r\n\r\n", WEFT_HTTP_HEAD, 999, WEFT_HTTP_BODY_NONE, 1},
        {"HTTP/1.1 301\r\nContent-Length: 0\r\n\r\n", 0, 301, WEFT_HTTP_BODY_LENGTH, 1},
        {"\r\nHTTP/1.1 500 Oriëntatie \t probleem\r\nConnection: close\r\nContent-Length: "
         "0\r\n\r\n",
         0, 500, WEFT_HTTP_BODY_LENGTH, 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        assert_int_equal(resp(t[i].in, t[i].method, &r), (int)strlen(t[i].in));
        assert_int_equal(r.status, t[i].status);
        assert_int_equal(r.body, t[i].body);
        assert_int_equal(!!(r.flags & WEFT_HTTP_F_KEEP_ALIVE), t[i].keep);
        assert_false(r.flags & WEFT_HTTP_F_UPGRADE);
    }
    /* switching protocols */
    assert_true(resp("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nContent-Length: 4\r\n\r\n",
                     0, &r) > 0);
    assert_true(r.flags & WEFT_HTTP_F_UPGRADE);
    assert_int_equal(r.body, WEFT_HTTP_BODY_NONE);
    assert_int_equal(r.upgrade, 0);
    assert_true(resp("HTTP/1.1 200 Connection established\r\n\r\n", WEFT_HTTP_CONNECT, &r) > 0);
    assert_true(r.flags & WEFT_HTTP_F_UPGRADE);
    assert_true(resp("HTTP/1.1 407 Auth\r\nContent-Length: 0\r\n\r\n", WEFT_HTTP_CONNECT, &r) > 0);
    assert_false(r.flags & WEFT_HTTP_F_UPGRADE);
    assert_int_equal(r.body, WEFT_HTTP_BODY_LENGTH);
    assert_int_equal(r.reason.len, 4);

    static const struct bad bad[] = {
        B("HTTP/1.1 20 OK\r\n\r\n", WEFT_HTTP_ESTATUS),
        B("HTTP/1.1 2000 OK\r\n\r\n", WEFT_HTTP_ESTATUS),
        B("HTTP/1.1 099 OK\r\n\r\n", WEFT_HTTP_ESTATUS),
        B("HTTP/1.1  200 OK\r\n\r\n", WEFT_HTTP_ESTATUS),
        B("HTTP/1.1 200 O\x01K\r\n\r\n", WEFT_HTTP_ESTATUS),
        B("HTTP/1.1\t200 OK\r\n\r\n", WEFT_HTTP_EVERSION),
        B("HTTP/1.1\r\n\r\n", WEFT_HTTP_EVERSION),
        B("HTTP/2 200 OK\r\n\r\n", WEFT_HTTP_EVERSION),
        B("HTTP/2.0 200 OK\r\n\r\n", WEFT_HTTP_EVERSION_UNSUPPORTED),
        B("ICE/1.0 200 OK\r\n\r\n", WEFT_HTTP_EVERSION),
        B("HTTP/1.1 200 OK\n\r\n", WEFT_HTTP_EBARE_LF),
        B("HTTP/1.1 200 OK\r\rX", WEFT_HTTP_EBARE_CR),
        B("HTTP/1.1 200 OK\r\nA: 1\r\n B\r\n\r\n", WEFT_HTTP_EOBS_FOLD),
        B("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
          WEFT_HTTP_ETE_WITH_CL),
        B("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
          WEFT_HTTP_EDUP_CONTENT_LENGTH),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
          WEFT_HTTP_ETRANSFER_ENCODING),
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(bad[i].len, strlen(bad[i].in));
        int rc = resp(bad[i].in, 0, &r);
        if (rc != bad[i].rc) print_message("%s -> %s\n", bad[i].in, weft_http_errname(rc));
        assert_int_equal(rc, bad[i].rc);
    }
    /* a long status line: 414's cousin, reported as the line limit */
    weft_http_limits lim = {.max_line = 32};
    weft_http_parser p;
    assert_int_equal(weft_http_parser_init(&p, &lim), 0);
    r = (weft_http_response)WEFT_HTTP_RESPONSE_INIT(hs, 0);
    const char *longer = "HTTP/1.1 200 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    assert_int_equal(weft_http_parse_response(&p, longer, strlen(longer), &r),
                     WEFT_HTTP_ELINE_TOO_LONG);
}

/* ---------------------------------------------------------------- errors, builds */

static void test_error_names(void **state)
{
    (void)state;
    static const struct {
        int rc, status;
    } t[] = {
        {WEFT_HTTP_EMETHOD, 400},
        {WEFT_HTTP_ELINE_TOO_LONG, 414},
        {WEFT_HTTP_EHEAD_TOO_LARGE, 431},
        {WEFT_HTTP_ETOO_MANY_HEADERS, 431},
        {WEFT_HTTP_ETE_UNKNOWN, 501},
        {WEFT_HTTP_EVERSION_UNSUPPORTED, 505},
        {WEFT_HTTP_ETE_WITH_CL, 400},
        {0, 0},
        {17, 0},
        {-EINVAL, 500},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        assert_int_equal(weft_http_error_status(t[i].rc), t[i].status);
    assert_string_equal(weft_http_errname(WEFT_HTTP_ETE_WITH_CL), "ETE_WITH_CL");
    assert_string_equal(weft_http_errname(-EINVAL), "EINVAL");
    assert_string_equal(weft_http_errname(WEFT_EOF), "EOF");
    assert_string_equal(weft_http_strerror(WEFT_HTTP_EBARE_LF), "LF not preceded by CR");
    assert_string_equal(weft_http_strerror(0), "success");
    /* every code has its own name and message */
    static const int codes[] = {
#define X(name, value, status, msg) value,
        WEFT_HTTP_ERRNO_MAP(X)
#undef X
    };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        assert_true(codes[i] < -4096);
        assert_true(weft_http_error_status(codes[i]) >= 400);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(weft_http_errname(codes[i]), weft_http_errname(codes[j]));
            assert_string_not_equal(weft_http_strerror(codes[i]), weft_http_strerror(codes[j]));
        }
    }
}

/* The scalar, SSE2 and AVX2 builds answer identically, on valid heads and
 * on every bad one, with the interesting bytes at every position relative
 * to a 16/32-byte block. */
static void test_builds_agree(void **state)
{
    (void)state;
    static const char *const heads[] = {
        "GET /a HTTP/1.1\r\nHost: h\r\n\r\n",
        ("GET /0123456789abcdef0123456789abcdef0123456789 HTTP/1.1\r\n"
         "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)\r\n"
         "X: \xc3\xa9\xff\x80 \t obs-text\r\n\r\n"),
        "GET / HTTP/1.1\r\nX: 0123456789abcdef0123456789abcdef0123\x01xyz\r\n\r\n",
        "GET / HTTP/1.1\r\nX: 0123456789abcdef0123456789abcdef0123\x7fxyz\r\n\r\n",
        "GET /0123456789abcdef0123456789abcdef\x80 HTTP/1.1\r\n\r\n",
    };
    int best = weft__http_set_isa(-1);
    char ref[4096], got[4096];
    for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
        size_t len = strlen(heads[i]);
        /* shift the head by 0..40 bytes of leading empty lines */
        for (size_t pad = 0; pad <= 40; pad += 2) {
            char *buf = malloc(len + pad);
            assert_non_null(buf);
            for (size_t k = 0; k < pad; k += 2) memcpy(buf + k, "\r\n", 2);
            memcpy(buf + pad, heads[i], len);
            for (int isa = 0; isa <= best; isa++) {
                weft__http_set_isa(isa);
                int rc = req_split(buf, len + pad, len + pad, 0, NULL, isa ? got : ref, 4096);
                (void)rc;
                if (isa) assert_string_equal(ref, got);
                /* and bytewise too */
                req_bytewise(buf, len + pad, got, sizeof(got));
                assert_string_equal(ref, got);
            }
            free(buf);
        }
    }
    weft__http_set_isa(-1);
    /* a bad byte at every offset of a long value, each build */
    char line[200];
    for (size_t at = 0; at < 100; at++) {
        memset(line, 'v', sizeof(line));
        int n = snprintf(line, sizeof(line), "GET / HTTP/1.1\r\nX: ");
        memset(line + n, 'v', 100);
        line[n + (int)at] = '\x1f';
        memcpy(line + n + 100, "\r\n\r\n", 5);
        for (int isa = 0; isa <= best; isa++) {
            weft__http_set_isa(isa);
            weft_http_request r;
            assert_int_equal(req(line, &r), WEFT_HTTP_EHEADER_VALUE);
        }
    }
    weft__http_set_isa(-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_basic),     cmocka_unit_test(test_request_methods),
        cmocka_unit_test(test_request_errors),    cmocka_unit_test(test_request_incomplete),
        cmocka_unit_test(test_request_framing),   cmocka_unit_test(test_request_connection),
        cmocka_unit_test(test_request_limits),    cmocka_unit_test(test_request_pipelining),
        cmocka_unit_test(test_request_smuggling), cmocka_unit_test(test_response),
        cmocka_unit_test(test_error_names),       cmocka_unit_test(test_builds_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
