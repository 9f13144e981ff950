/* libFuzzer target: the response-head parser (weft_http_parse_response).
 * The first byte picks the request method it answers (GET, HEAD, CONNECT)
 * and the header array's size, the second the limits. Checks: the three
 * scanner builds agree; byte-by-byte feeding agrees with one call; a
 * complete head's slices lie inside it; the framing follows RFC 9112 6.3
 * (no body for 1xx/204/304/HEAD, a switch for 101 and 2xx to CONNECT,
 * never keep-alive with a body read until close). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"

#include "fuzz_check.h"

static void describe(int rc, const weft_http_response *r, const char *buf, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%d", rc);
    if (rc <= 0) return;
    n += snprintf(out + n, cap - (size_t)n, "|%d|%zd+%zu|%d|%d|%llu|%x|%d|%zu", r->status,
                  r->reason.ptr - buf, r->reason.len, r->version, r->body,
                  (unsigned long long)r->content_length, r->flags, r->upgrade, r->num_headers);
    for (size_t i = 0; i < r->num_headers && (size_t)n < cap; i++)
        n += snprintf(out + n, cap - (size_t)n, "|%zd+%zu:%zd+%zu", r->headers[i].name.ptr - buf,
                      r->headers[i].name.len, r->headers[i].value.ptr - buf,
                      r->headers[i].value.len);
}

static void check_head(int rc, const weft_http_response *r, const char *buf, size_t len)
{
    if (rc <= 0) {
        if (rc < 0) CHECK(weft_http_error_status(rc) >= 400);
        return;
    }
    const char *end = buf + rc;
    CHECK((size_t)rc <= len);
    CHECK(r->status >= 100 && r->status <= 999);
    CHECK(r->reason.ptr >= buf && r->reason.ptr + r->reason.len <= end);
    for (size_t i = 0; i < r->reason.len; i++)
        CHECK(WEFT_HTTP_IS(WEFT_HTTP_C_FIELD, r->reason.ptr[i]));
    for (size_t i = 0; i < r->num_headers; i++) {
        const weft_http_header *h = &r->headers[i];
        CHECK(h->name.len > 0 && h->name.ptr >= buf && h->name.ptr + h->name.len <= end);
        CHECK(h->value.ptr >= buf && h->value.ptr + h->value.len <= end);
        for (size_t k = 0; k < h->value.len; k++)
            CHECK(WEFT_HTTP_IS(WEFT_HTTP_C_FIELD, h->value.ptr[k]));
    }
    unsigned f = r->flags;
    int st = r->status;
    CHECK(!((f & WEFT_HTTP_F_CONTENT_LENGTH) && (f & WEFT_HTTP_F_TRANSFER_ENCODING)));
    if (st < 200 || st == 204 || st == 304 || r->request_method == WEFT_HTTP_HEAD)
        CHECK(r->body == WEFT_HTTP_BODY_NONE);
    if (st == 101) CHECK(f & WEFT_HTTP_F_UPGRADE);
    if (f & WEFT_HTTP_F_UPGRADE)
        CHECK(st == 101 || (r->request_method == WEFT_HTTP_CONNECT && st >= 200 && st < 300));
    if (r->body == WEFT_HTTP_BODY_UNTIL_CLOSE) CHECK(!(f & WEFT_HTTP_F_KEEP_ALIVE));
    if (r->body == WEFT_HTTP_BODY_CHUNKED) CHECK(f & WEFT_HTTP_F_CHUNKED);
    if (r->body == WEFT_HTTP_BODY_LENGTH) CHECK(f & WEFT_HTTP_F_CONTENT_LENGTH);
}

static int parse(const weft_http_limits *lim, int method, size_t maxh, const char *buf, size_t len,
                 weft_http_header *hs, weft_http_response *r)
{
    weft_http_parser p;
    CHECK(weft_http_parser_init(&p, lim) == 0);
    *r = (weft_http_response){.headers = hs, .max_headers = maxh, .request_method = method};
    return weft_http_parse_response(&p, buf, len, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    static const int methods[] = {WEFT_HTTP_GET, WEFT_HTTP_HEAD, WEFT_HTTP_CONNECT, 0};
    int method = methods[data[0] & 3];
    size_t maxh = 1 + (data[0] >> 2) % 64;
    weft_http_limits lim = {0, 0, 0, 0};
    if (data[1] & 1) {
        lim.max_line = 8 + (data[1] >> 1) % 64;
        lim.max_head = lim.max_line + (uint32_t)(data[1] >> 1) * 4;
    }
    size_t len = size - 2;
    char *buf = malloc(len ? len : 1);
    memcpy(buf, data + 2, len);
    weft_http_header hs[64], hs2[64];
    weft_http_response r, r2;
    static char ref[16384], got[16384];

    int best = weft__http_set_isa(-1);
    int rc = parse(&lim, method, maxh, buf, len, hs, &r);
    check_head(rc, &r, buf, len);
    describe(rc, &r, buf, ref, sizeof(ref));
    for (int isa = 0; isa < best; isa++) {
        weft__http_set_isa(isa);
        describe(parse(&lim, method, maxh, buf, len, hs2, &r2), &r2, buf, got, sizeof(got));
        CHECK(!strcmp(ref, got));
    }
    weft__http_set_isa(-1);
    {
        weft_http_parser p;
        CHECK(weft_http_parser_init(&p, &lim) == 0);
        r2 = (weft_http_response){.headers = hs2, .max_headers = maxh, .request_method = method};
        int rc2 = 0;
        for (size_t n = 0; n <= len && rc2 == 0; n++)
            rc2 = weft_http_parse_response(&p, buf, n, &r2);
        describe(rc2, &r2, buf, got, sizeof(got));
        CHECK(!strcmp(ref, got));
    }
    free(buf);
    return 0;
}
