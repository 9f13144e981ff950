/* libFuzzer target: the request-head parser (weft_http_parse_request).
 * The first two bytes pick the header array's size and the limits; the rest
 * is the input. Checks, beyond "no crash, no over-read, no UB":
 *   - the scalar, SSE2 and AVX2 builds give the same result;
 *   - feeding byte by byte, or in two pieces with the buffer moved between
 *     them, gives the same result as one call;
 *   - a complete head's slices lie inside it and obey the grammar (token
 *     names and method, no CR/LF or edge whitespace in values), and the
 *     framing is self-consistent (never both Content-Length and chunked);
 *   - every error maps to a 4xx/5xx status. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"

#include "fuzz_check.h"

static size_t describe(int rc, const weft_http_request *r, const char *buf, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%d", rc);
    if (rc <= 0) return (size_t)n;
    n += snprintf(out + n, cap - (size_t)n, "|%zd+%zu|%zd+%zu|%d|%d|%d|%llu|%x|%d|%d|%zu",
                  r->method.ptr - buf, r->method.len, r->target.ptr - buf, r->target.len,
                  r->version, r->method_id, r->body, (unsigned long long)r->content_length,
                  r->flags, r->host, r->upgrade, r->num_headers);
    for (size_t i = 0; i < r->num_headers && (size_t)n < cap; i++)
        n += snprintf(out + n, cap - (size_t)n, "|%zd+%zu:%zd+%zu", r->headers[i].name.ptr - buf,
                      r->headers[i].name.len, r->headers[i].value.ptr - buf,
                      r->headers[i].value.len);
    return (size_t)n < cap ? (size_t)n : cap;
}

static int parse(const weft_http_limits *lim, size_t maxh, const char *buf, size_t len,
                 weft_http_header *hs, weft_http_request *r)
{
    weft_http_parser p;
    CHECK(weft_http_parser_init(&p, lim) == 0);
    *r = (weft_http_request){.headers = hs, .max_headers = maxh};
    return weft_http_parse_request(&p, buf, len, r);
}

static void check_head(int rc, const weft_http_request *r, const char *buf, size_t len)
{
    if (rc < 0) {
        int st = weft_http_error_status(rc);
        CHECK(st == 400 || st == 414 || st == 431 || st == 501 || st == 505);
        return;
    }
    if (rc == 0) return;
    const char *end = buf + rc;
    CHECK((size_t)rc <= len);
    CHECK(r->method.ptr >= buf && r->method.ptr + r->method.len <= end && r->method.len > 0);
    for (size_t i = 0; i < r->method.len; i++)
        CHECK(WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, r->method.ptr[i]));
    CHECK(r->target.ptr >= buf && r->target.ptr + r->target.len <= end && r->target.len > 0);
    for (size_t i = 0; i < r->target.len; i++)
        CHECK(WEFT_HTTP_IS(WEFT_HTTP_C_VCHAR, r->target.ptr[i]));
    CHECK(r->version >= 10 && r->version <= 19);
    CHECK(r->num_headers <= r->max_headers);
    for (size_t i = 0; i < r->num_headers; i++) {
        const weft_http_header *h = &r->headers[i];
        CHECK(h->name.len > 0 && h->name.ptr >= buf && h->name.ptr + h->name.len <= end);
        for (size_t k = 0; k < h->name.len; k++)
            CHECK(WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, h->name.ptr[k]));
        CHECK(h->value.ptr >= buf && h->value.ptr + h->value.len <= end);
        for (size_t k = 0; k < h->value.len; k++)
            CHECK(WEFT_HTTP_IS(WEFT_HTTP_C_FIELD, h->value.ptr[k]));
        if (h->value.len) {
            CHECK(h->value.ptr[0] != ' ' && h->value.ptr[0] != '\t');
            CHECK(h->value.ptr[h->value.len - 1] != ' ' && h->value.ptr[h->value.len - 1] != '\t');
        }
    }
    unsigned f = r->flags;
    CHECK(!((f & WEFT_HTTP_F_CONTENT_LENGTH) && (f & WEFT_HTTP_F_TRANSFER_ENCODING)));
    if (r->body == WEFT_HTTP_BODY_CHUNKED) CHECK(f & WEFT_HTTP_F_CHUNKED);
    if (f & WEFT_HTTP_F_TRANSFER_ENCODING) CHECK(r->body == WEFT_HTTP_BODY_CHUNKED);
    if (r->body == WEFT_HTTP_BODY_LENGTH) CHECK(f & WEFT_HTTP_F_CONTENT_LENGTH);
    CHECK(r->body != WEFT_HTTP_BODY_UNTIL_CLOSE);
    CHECK(r->content_length < (1ull << 63));
    CHECK(r->host < (int)r->num_headers && r->upgrade < (int)r->num_headers);
    if (f & WEFT_HTTP_F_UPGRADE) CHECK(r->upgrade >= 0 && r->version >= 11);
    CHECK(end[-1] == '\n' && end[-2] == '\r');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t maxh = 1 + data[0] % 64;
    weft_http_limits lim = {0, 0, 0, 0};
    if (data[1] & 1) { /* small limits, to reach the limit paths */
        lim.max_line = 8 + (data[1] >> 1) % 64;
        lim.max_head = lim.max_line + (uint32_t)(data[1] >> 1) * 4;
    }
    size_t len = size - 2;
    char *buf = malloc(len ? len : 1), *moved = malloc(len ? len : 1);
    memcpy(buf, data + 2, len);
    memcpy(moved, data + 2, len);
    weft_http_header hs[64], hs2[64];
    weft_http_request r, r2;
    static char ref[16384], got[16384];

    int best = weft__http_set_isa(-1);
    int rc = parse(&lim, maxh, buf, len, hs, &r);
    check_head(rc, &r, buf, len);
    describe(rc, &r, buf, ref, sizeof(ref));
    for (int isa = 0; isa < best; isa++) {
        weft__http_set_isa(isa);
        int rc2 = parse(&lim, maxh, buf, len, hs2, &r2);
        describe(rc2, &r2, buf, got, sizeof(got));
        CHECK(!strcmp(ref, got));
    }
    weft__http_set_isa(-1);

    /* byte by byte */
    {
        weft_http_parser p;
        CHECK(weft_http_parser_init(&p, &lim) == 0);
        r2 = (weft_http_request){.headers = hs2, .max_headers = maxh};
        int rc2 = 0;
        for (size_t n = 0; n <= len && rc2 == 0; n++)
            rc2 = weft_http_parse_request(&p, buf, n, &r2);
        describe(rc2, &r2, buf, got, sizeof(got));
        CHECK(!strcmp(ref, got));
    }
    /* two pieces, the buffer moved in between (slices then point into it) */
    if (len) {
        size_t k = (size_t)data[0] * len / 256;
        weft_http_parser p;
        CHECK(weft_http_parser_init(&p, &lim) == 0);
        r2 = (weft_http_request){.headers = hs2, .max_headers = maxh};
        const char *base = buf;
        int rc2 = weft_http_parse_request(&p, buf, k, &r2);
        if (rc2 == 0) {
            rc2 = weft_http_parse_request(&p, moved, len, &r2);
            base = moved;
        }
        describe(rc2, &r2, base, got, sizeof(got));
        CHECK(!strcmp(ref, got));
    }
    free(buf);
    free(moved);
    return 0;
}
