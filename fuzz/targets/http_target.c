/* libFuzzer target: request-target splitting, percent-decoding and query
 * pairs. Checks: every slice lies inside the target and the parts of an
 * origin-form target put back together give the target; decoding in place
 * gives the same bytes as decoding into another buffer, never more bytes
 * than given, and flags only ever turn a success into EPERCENT; the query
 * iterator ends and its pairs are in order inside the query. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"

#include "fuzz_check.h"

static void inside(weft_http_slice s, const char *t, size_t len)
{
    if (s.len) CHECK(s.ptr >= t && s.ptr + s.len <= t + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    weft_http_target tg;
    int rc = weft_http_target_split(t, size, &tg);
    if (rc == 0) {
        CHECK(tg.form >= WEFT_HTTP_TARGET_ORIGIN && tg.form <= WEFT_HTTP_TARGET_ASTERISK);
        inside(tg.scheme, t, size);
        inside(tg.host, t, size);
        inside(tg.port, t, size);
        inside(tg.path, t, size);
        inside(tg.query, t, size);
        inside(tg.fragment, t, size);
        for (size_t i = 0; i < tg.port.len; i++)
            CHECK(tg.port.ptr[i] >= '0' && tg.port.ptr[i] <= '9');
        if (tg.form == WEFT_HTTP_TARGET_ORIGIN) {
            CHECK(tg.path.len && tg.path.ptr == t && t[0] == '/');
            size_t n = tg.path.len + (tg.query.ptr ? 1 + tg.query.len : 0) +
                       (tg.fragment.ptr ? 1 + tg.fragment.len : 0);
            CHECK(n == size);
        }
        if (tg.form == WEFT_HTTP_TARGET_AUTHORITY) CHECK(tg.host.len && tg.port.len);
        if (tg.form == WEFT_HTTP_TARGET_ABSOLUTE) CHECK(tg.scheme.len && tg.host.len);
    } else {
        CHECK(rc == WEFT_HTTP_ETARGET || rc == WEFT_HTTP_ETARGET_FORM || rc == WEFT_HTTP_EPERCENT);
    }

    char *a = malloc(size ? size : 1), *b = malloc(size ? size : 1);
    for (unsigned flags = 0; flags < 8; flags++) {
        memcpy(b, data, size);
        int n1 = weft_http_pct_decode(a, size, t, size, flags);
        int n2 = weft_http_pct_decode(b, size, b, size, flags);
        CHECK(n1 == n2);
        if (n1 >= 0) {
            CHECK((size_t)n1 <= size);
            CHECK(!memcmp(a, b, (size_t)n1));
        } else {
            CHECK(n1 == WEFT_HTTP_EPERCENT);
            if (!flags) CHECK(weft_http_pct_decode(a, size, t, size, 7) == WEFT_HTTP_EPERCENT);
        }
    }
    free(a);
    free(b);

    size_t pos = 0, last = 0;
    weft_http_slice k, v;
    int pairs = 0;
    while (weft_http_query_next(t, size, &pos, &k, &v)) {
        CHECK(pos > last && pos <= size);
        CHECK(k.ptr >= t + last && k.ptr + k.len <= t + pos);
        CHECK(v.ptr >= k.ptr + k.len && v.ptr + v.len <= t + pos);
        last = pos;
        CHECK(++pairs <= (int)size);
    }
    CHECK(pos == size);
    return 0;
}
