/* Layer 6 (http, pure): HTTP/1.1 request and response heads.
 *
 * The state machine itself is head.h, compiled here once per scanner build
 * (scalar, SSE2, AVX2); this file holds what does not depend on the build:
 * reading a version, interpreting the framing headers as they arrive,
 * deciding the body's framing at the end of the head, and choosing the build
 * at run time. libc only. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"
#include "http/simd.h"

/* Resumable states (weft_http_parser._state). */
enum {
    ST_IDLE = 0,        /* between messages: the next call starts a new head */
    ST_START,           /* before the start line (skipping empty lines) */
    ST_METHOD,          /* in the method; req->method.ptr is its start */
    ST_TARGET,          /* in the target; req->target.ptr is its start */
    ST_VERSION,         /* at the request line's version */
    ST_RVERSION,        /* at the status line's version */
    ST_STATUS,          /* at the status code */
    ST_REASON,          /* in the reason phrase; resp->reason.ptr is its start */
    ST_FIELD,           /* at the start of a field line (or of the final CRLF) */
    ST_NAME,            /* in a field name; headers[num_headers].name.ptr is its start */
    ST_OWS,             /* after the colon */
    ST_VALUE,           /* in a field value; headers[num_headers].value.ptr is its start */
    ST_RESPONSE = 0x100 /* flag: the head being parsed is a response's */
};

/* Transfer-Encoding progress (weft_http_parser._te). */
#define TE_CHUNKED_SEEN 0x1u /* "chunked" appeared */
#define TE_CHUNKED_LAST 0x2u /* ... and is the last coding so far */

/* "HTTP/1.1" and "HTTP/1.0" as little- or big-endian 8-byte words. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HTTP11 0x312e312f50545448ull
#define HTTP10 0x302e312f50545448ull
#else
#define HTTP11 0x485454502f312e31ull
#define HTTP10 0x485454502f312e30ull
#endif

/* Whether a field name may be one that on_field interprets, by length and
 * first letter: Host 4, Expect 6, Upgrade 7, Connection 10, Content-Length
 * 14, Transfer-Encoding 17. Most names fail here in two compares. */
static inline int maybe_framing(const char *n, size_t len)
{
    static const char first[18] = {
        [4] = 'h', [6] = 'e', [7] = 'u', [10] = 'c', [14] = 'c', [17] = 't'};
    return len < sizeof(first) && first[len] && (n[0] | 0x20) == first[len];
}

#define OWS(c) ((c) == ' ' || (c) == '\t')

/* ------------------------------------------------------------ helpers */

static void begin_head(weft_http_parser *ps, weft_http_head *hd, weft_http_request *rq,
                       weft_http_response *rs)
{
    ps->_te = 0;
    hd->num_headers = 0;
    hd->version = 0;
    hd->body = WEFT_HTTP_BODY_NONE;
    hd->content_length = 0;
    hd->flags = 0;
    hd->host = -1;
    hd->upgrade = -1;
    if (rq) {
        rq->method = (weft_http_slice){NULL, 0};
        rq->target = (weft_http_slice){NULL, 0};
        rq->method_id = WEFT_HTTP_OTHER;
    }
    if (rs) {
        rs->status = 0;
        rs->reason = (weft_http_slice){NULL, 0};
    }
}

static inline int method_id(const char *m, size_t n)
{
    switch (n) {
    case 3:
        if (!memcmp(m, "GET", 3)) return WEFT_HTTP_GET;
        if (!memcmp(m, "PUT", 3)) return WEFT_HTTP_PUT;
        break;
    case 4:
        if (!memcmp(m, "POST", 4)) return WEFT_HTTP_POST;
        if (!memcmp(m, "HEAD", 4)) return WEFT_HTTP_HEAD;
        break;
    case 5:
        if (!memcmp(m, "PATCH", 5)) return WEFT_HTTP_PATCH;
        if (!memcmp(m, "TRACE", 5)) return WEFT_HTTP_TRACE;
        break;
    case 6:
        if (!memcmp(m, "DELETE", 6)) return WEFT_HTTP_DELETE;
        break;
    case 7:
        if (!memcmp(m, "OPTIONS", 7)) return WEFT_HTTP_OPTIONS;
        if (!memcmp(m, "CONNECT", 7)) return WEFT_HTTP_CONNECT;
        break;
    }
    return WEFT_HTTP_OTHER;
}

int weft__http_method_id(const char *m, size_t n) { return method_id(m, n); }

/* "HTTP/" DIGIT "." DIGIT, then CRLF (request line) or SP (status line),
 * from p[0..avail). Returns the bytes taken (10 or 9), 0 when avail is too
 * short to tell, or an error. Checks go byte by byte in order, so a prefix
 * gives either 0 or the answer the whole line gives. */
static int parse_version(const char *p, size_t avail, int *version, int resp)
{
    static const char pat[] = "HTTP/0.0";
    size_t n = avail < 8 ? avail : 8;
    for (size_t i = 0; i < n; i++) {
        if (i == 5 || i == 7) {
            if (!WEFT_HTTP_IS(WEFT_HTTP_C_DIGIT, p[i])) return WEFT_HTTP_EVERSION;
        } else if (p[i] != pat[i]) {
            return WEFT_HTTP_EVERSION;
        }
    }
    if (avail < 8) return 0;
    if (p[5] != '1') return WEFT_HTTP_EVERSION_UNSUPPORTED;
    *version = 10 + (p[7] - '0');
    if (avail < 9) return 0;
    if (resp) return p[8] == ' ' ? 9 : WEFT_HTTP_EVERSION;
    if (p[8] != '\r') return p[8] == '\n' ? WEFT_HTTP_EBARE_LF : WEFT_HTTP_EVERSION;
    if (avail < 10) return 0;
    return p[9] == '\n' ? 10 : WEFT_HTTP_EBARE_CR;
}

/* Why the field name starting at s stopped at p. */
static int bad_name(const char *s, const char *p)
{
    if (p == s && OWS(*p)) return WEFT_HTTP_EOBS_FOLD;
    if (p == s && *p == '\n') return WEFT_HTTP_EBARE_LF;
    return WEFT_HTTP_EHEADER_NAME;
}

/* Content-Length: 1*DIGIT, once, below 2^63, never beside Transfer-Encoding. */
static int on_content_length(weft_http_head *hd, weft_http_slice v)
{
    if (hd->flags & WEFT_HTTP_F_TRANSFER_ENCODING) return WEFT_HTTP_ETE_WITH_CL;
    if (hd->flags & WEFT_HTTP_F_CONTENT_LENGTH) return WEFT_HTTP_EDUP_CONTENT_LENGTH;
    if (v.len == 0) return WEFT_HTTP_ECONTENT_LENGTH;
    uint64_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        unsigned d = (unsigned char)v.ptr[i] - '0';
        if (d > 9 || n > ((uint64_t)INT64_MAX - d) / 10) return WEFT_HTTP_ECONTENT_LENGTH;
        n = n * 10 + d;
    }
    hd->flags |= WEFT_HTTP_F_CONTENT_LENGTH;
    hd->content_length = n;
    return 0;
}

static const char *skip_ows(const char *s, const char *e)
{
    while (s < e && OWS(*s)) s++;
    return s;
}

static const char *skip_token(const char *s, const char *e)
{
    while (s < e && WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, *s)) s++;
    return s;
}

/* A quoted-string at s (s < e, *s == '"'): its end, or NULL if malformed. */
static const char *skip_quoted(const char *s, const char *e)
{
    for (s++; s < e; s++) {
        if (*s == '"') return s + 1;
        if (*s == '\\') {
            if (++s == e || !WEFT_HTTP_IS(WEFT_HTTP_C_FIELD, *s)) return NULL;
        } else if (!WEFT_HTTP_IS(WEFT_HTTP_C_QDTEXT, *s)) {
            return NULL;
        }
    }
    return NULL;
}

static int is_coding(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && weft__http_lower_eq(s, lit, n);
}

/* Transfer-Encoding = #( token *( OWS ";" OWS token BWS "=" BWS ( token /
 * quoted-string ) ) ), possibly over several lines (they concatenate). A
 * request must end in exactly one chunked (else 400) and use only codings
 * we know (else 501); a response with another final coding is read until
 * the connection closes. */
static int on_transfer_encoding(weft_http_parser *ps, weft_http_head *hd, weft_http_slice v,
                                int resp)
{
    if (hd->flags & WEFT_HTTP_F_CONTENT_LENGTH) return WEFT_HTTP_ETE_WITH_CL;
    hd->flags |= WEFT_HTTP_F_TRANSFER_ENCODING;
    const char *s = v.ptr, *e = v.ptr + v.len;
    for (;;) {
        s = skip_ows(s, e);
        if (s == e) return 0;
        if (*s == ',') {
            s++;
            continue;
        }
        const char *c = s;
        s = skip_token(s, e);
        size_t clen = (size_t)(s - c);
        if (clen == 0) return WEFT_HTTP_ETRANSFER_ENCODING;
        int params = 0;
        for (;;) {
            s = skip_ows(s, e);
            if (s == e || *s != ';') break;
            s = skip_ows(s + 1, e);
            const char *k = s;
            s = skip_token(s, e);
            if (s == k) return WEFT_HTTP_ETRANSFER_ENCODING;
            s = skip_ows(s, e);
            if (s == e || *s != '=') return WEFT_HTTP_ETRANSFER_ENCODING;
            s = skip_ows(s + 1, e);
            if (s < e && *s == '"') {
                s = skip_quoted(s, e);
                if (!s) return WEFT_HTTP_ETRANSFER_ENCODING;
            } else {
                k = s;
                s = skip_token(s, e);
                if (s == k) return WEFT_HTTP_ETRANSFER_ENCODING;
            }
            params = 1;
        }
        if (s < e && *s != ',') return WEFT_HTTP_ETRANSFER_ENCODING;

        if (ps->_te & TE_CHUNKED_LAST) { /* a coding after chunked */
            if (!resp) return WEFT_HTTP_ETRANSFER_ENCODING;
            ps->_te &= (uint16_t)~TE_CHUNKED_LAST;
        }
        if (is_coding(c, clen, "chunked")) {
            if (params || (ps->_te & TE_CHUNKED_SEEN)) return WEFT_HTTP_ETRANSFER_ENCODING;
            ps->_te |= TE_CHUNKED_SEEN | TE_CHUNKED_LAST;
        } else if (is_coding(c, clen, "gzip") || is_coding(c, clen, "deflate") ||
                   is_coding(c, clen, "compress") || is_coding(c, clen, "x-gzip") ||
                   is_coding(c, clen, "x-compress") || resp) {
            hd->flags |= WEFT_HTTP_F_TE_CODED;
        } else {
            return WEFT_HTTP_ETE_UNKNOWN;
        }
    }
}

/* The Connection option in t[0..n) that we act on, as a flag (0: another). */
static unsigned connection_option(const char *t, size_t n)
{
    if (n == 10 && weft__http_lower_eq(t, "keep-alive", 10)) return WEFT_HTTP_F_CONN_KEEP_ALIVE;
    if (n == 5 && weft__http_lower_eq(t, "close", 5)) return WEFT_HTTP_F_CONN_CLOSE;
    if (n == 7 && weft__http_lower_eq(t, "upgrade", 7)) return WEFT_HTTP_F_CONN_UPGRADE;
    return 0;
}

/* Connection = #token: close, keep-alive and upgrade are noted, other
 * options (names of hop-by-hop headers) are left to the application. */
static void on_connection(weft_http_head *hd, weft_http_slice v)
{
    const char *s = v.ptr, *e = v.ptr + v.len;
    if (!memchr(s, ',', v.len)) { /* the usual single option */
        hd->flags |= connection_option(s, v.len);
        return;
    }
    while (s < e) {
        s = skip_ows(s, e);
        const char *t = s, *c = s;
        while (c < e && *c != ',') c++;
        s = c;
        const char *te = s;
        while (te > t && OWS(te[-1])) te--;
        hd->flags |= connection_option(t, (size_t)(te - t));
        if (s < e) s++;
    }
}

/* Interprets a field that may affect framing or connection handling (one
 * that maybe_framing let through). h is the last of hd->headers. */
static int on_field(weft_http_parser *ps, weft_http_head *hd, const weft_http_header *h, int resp)
{
    const char *n = h->name.ptr;
    int idx = (int)(h - hd->headers);
    switch (h->name.len) {
    case 4:
        if (!resp && weft__http_lower_eq(n, "host", 4)) {
            if (hd->host >= 0) return WEFT_HTTP_EDUP_HOST;
            hd->host = idx;
        }
        break;
    case 6:
        if (!resp && weft__http_lower_eq(n, "expect", 6) && hd->version >= 11) {
            if (h->value.len == 12 && weft__http_lower_eq(h->value.ptr, "100-continue", 12))
                hd->flags |= WEFT_HTTP_F_EXPECT_CONTINUE;
            else
                hd->flags |= WEFT_HTTP_F_EXPECT_OTHER;
        }
        break;
    case 7:
        if (weft__http_lower_eq(n, "upgrade", 7) && hd->upgrade < 0) hd->upgrade = idx;
        break;
    case 10:
        if (weft__http_lower_eq(n, "connection", 10)) on_connection(hd, h->value);
        break;
    case 14:
        if (weft__http_lower_eq(n, "content-length", 14)) return on_content_length(hd, h->value);
        break;
    case 17:
        if (weft__http_lower_eq(n, "transfer-encoding", 17))
            return on_transfer_encoding(ps, hd, h->value, resp);
        break;
    }
    return 0;
}

/* Whether the connection may carry another message: HTTP/1.1 unless
 * "close", HTTP/1.0 only with "keep-alive"; never after an HTTP/1.0 message
 * with Transfer-Encoding, whose framing RFC 9112 6.1 calls faulty (it is
 * read as chunked, then the connection closes). */
static int keep_alive(const weft_http_head *hd)
{
    if (hd->flags & WEFT_HTTP_F_CONN_CLOSE) return 0;
    if (hd->version < 11)
        return (hd->flags & WEFT_HTTP_F_CONN_KEEP_ALIVE) &&
               !(hd->flags & WEFT_HTTP_F_TRANSFER_ENCODING);
    return 1;
}

/* RFC 9112 6.3 for requests: chunked if Transfer-Encoding (which must end
 * in chunked), else Content-Length, else no body. */
static int finish_request(weft_http_parser *ps, weft_http_request *rq)
{
    if (rq->flags & WEFT_HTTP_F_TRANSFER_ENCODING) {
        if (!(ps->_te & TE_CHUNKED_LAST)) return WEFT_HTTP_ETRANSFER_ENCODING;
        rq->flags |= WEFT_HTTP_F_CHUNKED;
        rq->body = WEFT_HTTP_BODY_CHUNKED;
    } else if (rq->flags & WEFT_HTTP_F_CONTENT_LENGTH) {
        rq->body = WEFT_HTTP_BODY_LENGTH;
    }
    if (keep_alive(&rq->head)) rq->flags |= WEFT_HTTP_F_KEEP_ALIVE;
    if (rq->version >= 11 && (rq->flags & WEFT_HTTP_F_CONN_UPGRADE) && rq->upgrade >= 0)
        rq->flags |= WEFT_HTTP_F_UPGRADE;
    return 0;
}

/* RFC 9112 6.3 for responses: no body after 1xx, 204, 304 or a HEAD
 * request; a tunnel after 101 or a 2xx to CONNECT; then chunked, length,
 * or until the connection closes. */
static int finish_response(weft_http_parser *ps, weft_http_response *rs)
{
    int st = rs->status;
    if ((rs->flags & WEFT_HTTP_F_TRANSFER_ENCODING) && (ps->_te & TE_CHUNKED_LAST))
        rs->flags |= WEFT_HTTP_F_CHUNKED;
    if (st < 200 || st == 204 || st == 304 || rs->request_method == WEFT_HTTP_HEAD) {
        if (st == 101) rs->flags |= WEFT_HTTP_F_UPGRADE;
    } else if (rs->request_method == WEFT_HTTP_CONNECT && st < 300) {
        rs->flags |= WEFT_HTTP_F_UPGRADE;
    } else if (rs->flags & WEFT_HTTP_F_TRANSFER_ENCODING) {
        rs->body =
            (rs->flags & WEFT_HTTP_F_CHUNKED) ? WEFT_HTTP_BODY_CHUNKED : WEFT_HTTP_BODY_UNTIL_CLOSE;
    } else if (rs->flags & WEFT_HTTP_F_CONTENT_LENGTH) {
        rs->body = WEFT_HTTP_BODY_LENGTH;
    } else {
        rs->body = WEFT_HTTP_BODY_UNTIL_CLOSE;
    }
    if (keep_alive(&rs->head) && rs->body != WEFT_HTTP_BODY_UNTIL_CLOSE &&
        !(rs->flags & WEFT_HTTP_F_UPGRADE))
        rs->flags |= WEFT_HTTP_F_KEEP_ALIVE;
    return 0;
}

/* ------------------------------------------------------------ builds */

#define HEAD_FN(name) name##_scalar
#define HEAD_ATTR
#define SCAN_FIELD scan_field_scalar
#define SCAN_VCHAR scan_vchar_scalar
#define SCAN_TCHAR scan_tchar
#include "http/head.h"
#undef HEAD_FN
#undef HEAD_ATTR
#undef SCAN_FIELD
#undef SCAN_VCHAR
#undef SCAN_TCHAR

#if WEFT_HTTP_X86
#define HEAD_FN(name) name##_sse2
#define HEAD_ATTR
#define SCAN_FIELD scan_field_sse2
#define SCAN_VCHAR scan_vchar_sse2
#define SCAN_TCHAR scan_tchar
#include "http/head.h"
#undef HEAD_FN
#undef HEAD_ATTR
#undef SCAN_FIELD
#undef SCAN_VCHAR
#undef SCAN_TCHAR

#define HEAD_FN(name) name##_avx2
#define HEAD_ATTR WEFT_HTTP_AVX2
#define SCAN_FIELD scan_field_avx2
#define SCAN_VCHAR scan_vchar_avx2
#define SCAN_TCHAR scan_tchar
#include "http/head.h"
#undef HEAD_FN
#undef HEAD_ATTR
#undef SCAN_FIELD
#undef SCAN_VCHAR
#undef SCAN_TCHAR
#endif

/* -1: not chosen yet; else the WEFT_HTTP_ISA_* in use. */
static int isa_now = -1;

static int isa_best(void)
{
#if WEFT_HTTP_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? WEFT_HTTP_ISA_AVX2 : WEFT_HTTP_ISA_SSE2;
#else
    return WEFT_HTTP_ISA_SCALAR;
#endif
}

/* The best build, or a lower one named by $WEFT_HTTP_ISA (scalar, sse2,
 * avx2): benchmarks and tests compare the builds through it. */
static int isa_choose(void)
{
    int best = isa_best();
    const char *e = getenv("WEFT_HTTP_ISA");
    int want = !e                     ? best
               : !strcmp(e, "scalar") ? WEFT_HTTP_ISA_SCALAR
               : !strcmp(e, "sse2")   ? WEFT_HTTP_ISA_SSE2
                                      : best;
    return want < best ? want : best;
}

int weft__http_isa(void)
{
    int isa = __atomic_load_n(&isa_now, __ATOMIC_RELAXED);
    if (WEFT_HTTP_UNLIKELY(isa < 0)) {
        isa = isa_choose();
        __atomic_store_n(&isa_now, isa, __ATOMIC_RELAXED);
    }
    return isa;
}

int weft__http_set_isa(int isa)
{
    int best = isa_best();
    if (isa < 0 || isa > best) isa = best;
    __atomic_store_n(&isa_now, isa, __ATOMIC_RELAXED);
    return isa;
}

/* ------------------------------------------------------------ public */

int weft_http_parser_init(weft_http_parser *p, const weft_http_limits *limits)
{
    weft_http_limits l = {0, 0, 0, 0};
    if (limits) l = *limits;
    if (!l.max_line) l.max_line = WEFT_HTTP_DEFAULT_MAX_LINE;
    if (!l.max_head) l.max_head = WEFT_HTTP_DEFAULT_MAX_HEAD;
    if (!l.max_chunk_line) l.max_chunk_line = WEFT_HTTP_DEFAULT_MAX_CHUNK_LINE;
    if (!l.max_trailer) l.max_trailer = WEFT_HTTP_DEFAULT_MAX_TRAILER;
    if (l.max_line > WEFT_HTTP_LIMIT_MAX || l.max_head > WEFT_HTTP_LIMIT_MAX ||
        l.max_chunk_line > WEFT_HTTP_LIMIT_MAX || l.max_trailer > WEFT_HTTP_LIMIT_MAX ||
        l.max_line > l.max_head)
        return -EINVAL;
    memset(p, 0, sizeof(*p));
    p->limits = l;
    return 0;
}

void weft_http_parser_reset(weft_http_parser *p)
{
    p->_state = ST_IDLE;
}

int weft_http_parse_request(weft_http_parser *p, const char *buf, size_t len,
                            weft_http_request *req)
{
#if WEFT_HTTP_X86
    int isa = weft__http_isa();
    if (WEFT_HTTP_LIKELY(isa == WEFT_HTTP_ISA_AVX2)) return parse_request_avx2(p, buf, len, req);
    if (isa == WEFT_HTTP_ISA_SSE2) return parse_request_sse2(p, buf, len, req);
#endif
    return parse_request_scalar(p, buf, len, req);
}

int weft_http_parse_response(weft_http_parser *p, const char *buf, size_t len,
                             weft_http_response *resp)
{
#if WEFT_HTTP_X86
    int isa = weft__http_isa();
    if (WEFT_HTTP_LIKELY(isa == WEFT_HTTP_ISA_AVX2)) return parse_response_avx2(p, buf, len, resp);
    if (isa == WEFT_HTTP_ISA_SSE2) return parse_response_sse2(p, buf, len, resp);
#endif
    return parse_response_scalar(p, buf, len, resp);
}

int weft_http_header_find(const weft_http_header *headers, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n && i <= INT_MAX; i++) {
        if (headers[i].name.len != len) continue;
        size_t j = 0;
        while (j < len) {
            unsigned a = (unsigned char)headers[i].name.ptr[j], b = (unsigned char)name[j];
            if (a - 'A' < 26u) a |= 0x20;
            if (b - 'A' < 26u) b |= 0x20;
            if (a != b) break;
            j++;
        }
        if (j == len) return (int)i;
    }
    return -1;
}
