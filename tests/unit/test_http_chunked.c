/* weft-test: pure timeout=60
 * Chunked body decoder (src/http/chunked.c): sizes, extensions, data,
 * trailers, the end; strict CRLF everywhere; limits; the same events
 * whatever the pieces the body arrives in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wt.h"
#include "http/parser.h"

/* Drives the decoder the way a server does: a read buffer holding the
 * unconsumed bytes, topped up `piece` bytes at a time (0: all at once).
 * Writes the events as text ("H<size>[ext]", "D<data>" merged, "T<name>:
 * <value>", "E") and returns the error, or the number of bytes consumed
 * through the END event (then *rest is what follows), or 0 if the input ran
 * out first. */
static int decode(const char *in, size_t len, size_t piece, const weft_http_limits *lim, char *out,
                  size_t cap, size_t *rest)
{
    weft_http_chunked d;
    assert_int_equal(weft_http_chunked_init(&d, lim), 0);
    char *buf = malloc(len + 1);
    assert_non_null(buf);
    size_t have = 0, fed = 0, total = 0, o = 0;
    int last_data = 0;
    out[0] = 0;
    for (;;) {
        weft_http_chunk ev;
        int rc = weft_http_chunked_parse(&d, buf, have, &ev);
        if (rc < 0) {
            free(buf);
            return rc;
        }
        assert_true((size_t)rc <= have);
        if (ev.kind == WEFT_HTTP_CHUNK_DATA) {
            if (!last_data) o += (size_t)snprintf(out + o, cap - o, " D");
            assert_true(o + ev.data.len < cap);
            memcpy(out + o, ev.data.ptr, ev.data.len);
            o += ev.data.len;
            out[o] = 0;
            assert_true(ev.data.len > 0);
        } else if (ev.kind == WEFT_HTTP_CHUNK_HEADER) {
            o += (size_t)snprintf(out + o, cap - o, " H%llu%.*s", (unsigned long long)ev.size,
                                  (int)ev.ext.len, ev.ext.ptr);
        } else if (ev.kind == WEFT_HTTP_CHUNK_TRAILER) {
            o += (size_t)snprintf(out + o, cap - o, " T%.*s:%.*s", (int)ev.trailer.name.len,
                                  ev.trailer.name.ptr, (int)ev.trailer.value.len,
                                  ev.trailer.value.ptr);
        } else if (ev.kind == WEFT_HTTP_CHUNK_END) {
            o += (size_t)snprintf(out + o, cap - o, " E");
        }
        if (ev.kind != WEFT_HTTP_CHUNK_NONE) last_data = ev.kind == WEFT_HTTP_CHUNK_DATA;
        memmove(buf, buf + rc, have - (size_t)rc);
        have -= (size_t)rc;
        total += (size_t)rc;
        if (ev.kind == WEFT_HTTP_CHUNK_END) {
            /* done, and it stays done */
            weft_http_chunk again;
            assert_int_equal(weft_http_chunked_parse(&d, buf, have, &again), 0);
            assert_int_equal(again.kind, WEFT_HTTP_CHUNK_END);
            if (rest) *rest = have + (len - fed);
            free(buf);
            return (int)total;
        }
        if (ev.kind == WEFT_HTTP_CHUNK_NONE) {
            if (fed == len) {
                free(buf);
                return 0;
            }
            size_t n = piece && piece < len - fed ? piece : len - fed;
            memcpy(buf + have, in + fed, n);
            have += n;
            fed += n;
        }
    }
}

/* Decodes whole and in every piece size up to 9, all must agree. */
static int decode_all_ways(const char *in, size_t len, const weft_http_limits *lim, char *out,
                           size_t cap)
{
    int rc = decode(in, len, 0, lim, out, cap, NULL);
    for (size_t piece = 1; piece < 10; piece++) {
        char other[4096];
        int rc2 = decode(in, len, piece, lim, other, sizeof(other), NULL);
        if (rc2 != rc || (rc >= 0 && strcmp(out, other))) {
            print_message("pieces of %zu: %d %s vs %d %s\n", piece, rc, out, rc2, other);
            fail();
        }
    }
    return rc;
}

#define DEC(s, out) decode_all_ways(s, sizeof(s) - 1, NULL, out, sizeof(out))

static void test_chunked_basic(void **state)
{
    (void)state;
    char out[4096];
    size_t rest;
    const char body[] = "5\r\nhello\r\n6;a=b\r\n world\r\n0\r\nX-Sum: 1 \r\nY:\r\n\r\nNEXT";
    int rc = DEC(body, out);
    assert_int_equal(rc, (int)sizeof(body) - 1 - 4);
    assert_string_equal(out, " H5 Dhello H6;a=b D world H0 TX-Sum:1 TY: E");
    decode(body, sizeof(body) - 1, 3, NULL, out, sizeof(out), &rest);
    assert_int_equal(rest, 4);
    /* no trailers; upper-case and zero-padded sizes */
    assert_true(DEC("A\r\n0123456789\r\n000\r\n\r\n", out) > 0);
    assert_string_equal(out, " H10 D0123456789 H0 E");
    assert_true(DEC("00000000000000000000001\r\nx\r\n0\r\n\r\n", out) > 0);
    assert_string_equal(out, " H1 Dx H0 E");
    /* the largest size accepted */
    assert_int_equal(DEC("7fffffffffffffff\r\n", out), 0);
    assert_string_equal(out, " H9223372036854775807");
    /* incomplete input is never an error */
    const char full[] = "3;x=\"y\"\r\nabc\r\n0\r\nT: v\r\n\r\n";
    for (size_t n = 0; n < sizeof(full) - 1; n++)
        assert_int_equal(decode(full, n, 1, NULL, out, sizeof(out), NULL), 0);
}

static void test_chunked_extensions(void **state)
{
    (void)state;
    static const char *const good[] = {
        "1;a\r\nx\r\n0\r\n\r\n",
        "1;a=b\r\nx\r\n0\r\n\r\n",
        "1 ;a\r\nx\r\n0\r\n\r\n",
        "1\t; a = b ;c\r\nx\r\n0\r\n\r\n",
        "1;a=\"q\\\"uo;ted\" ;b=\"\"\r\nx\r\n0\r\n\r\n",
        "1;a=\"\xc3\xa9\t\"\r\nx\r\n0\r\n\r\n",
        "1;!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~\r\nx\r\n0\r\n\r\n",
        "0;last=1\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char out[512];
        int rc = decode_all_ways(good[i], strlen(good[i]), NULL, out, sizeof(out));
        if (rc <= 0) print_message("rejected %s: %s\n", good[i], weft_http_errname(rc));
        assert_true(rc > 0);
        /* the extension is reported from the first byte after the size */
        const char *semi = strpbrk(good[i], " \t;");
        const char *cr = strchr(good[i], '\r');
        char want[256];
        snprintf(want, sizeof(want), " H%c%.*s", good[i][0], (int)(cr - semi), semi);
        assert_memory_equal(out, want, strlen(want));
    }
}

static void test_chunked_errors(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
    } t[] = {
        {"\r\n", WEFT_HTTP_ECHUNK_SIZE},
        {"g\r\n", WEFT_HTTP_ECHUNK_SIZE},
        {"-1\r\n", WEFT_HTTP_ECHUNK_SIZE},
        {"0x5\r\n", WEFT_HTTP_ECHUNK_SIZE},
        {"5 \r\n", WEFT_HTTP_ECHUNK_SIZE},
        {"5\t\r\n", WEFT_HTTP_ECHUNK_SIZE},
        {"5 x\r\n", WEFT_HTTP_ECHUNK_SIZE},
        {" 5\r\n", WEFT_HTTP_ECHUNK_SIZE},
        {"8000000000000000\r\n", WEFT_HTTP_ECHUNK_SIZE},
        {"ffffffffffffffffff\r\n", WEFT_HTTP_ECHUNK_SIZE},
        {"5\n", WEFT_HTTP_EBARE_LF},
        {"5;a\n", WEFT_HTTP_EBARE_LF},
        {"5\rx", WEFT_HTTP_EBARE_CR},
        {"5\r\r\n", WEFT_HTTP_EBARE_CR},
        {"5;\r\n", WEFT_HTTP_ECHUNK_EXT},
        {"5;;a\r\n", WEFT_HTTP_ECHUNK_EXT},
        {"5;a=\r\n", WEFT_HTTP_ECHUNK_EXT},
        {"5;a b\r\n", WEFT_HTTP_ECHUNK_EXT},
        {"5;a \r\n", WEFT_HTTP_ECHUNK_EXT},
        {"5;a=b \r\n", WEFT_HTTP_ECHUNK_EXT},
        {"5;a=b c\r\n", WEFT_HTTP_ECHUNK_EXT},
        {"5;a=\"x\r\n", WEFT_HTTP_ECHUNK_EXT},
        {"5;a=\"x\"y\r\n", WEFT_HTTP_ECHUNK_EXT},
        {"5;a=\"\x01\"\r\n", WEFT_HTTP_ECHUNK_EXT},
        {"5;a=\"\\\x01\"\r\n", WEFT_HTTP_ECHUNK_EXT},
        {"5;a@b\r\n", WEFT_HTTP_ECHUNK_EXT},
        {"5\r\nhelloX", WEFT_HTTP_ECHUNK_DATA},
        {"5\r\nhello\rX", WEFT_HTTP_ECHUNK_DATA},
        {"5\r\nhello\n", WEFT_HTTP_ECHUNK_DATA},
        {"5\r\nhello\r\n\r\n", WEFT_HTTP_ECHUNK_SIZE},
        {"0\r\n X: y\r\n\r\n", WEFT_HTTP_EOBS_FOLD},
        {"0\r\nX : y\r\n\r\n", WEFT_HTTP_EHEADER_NAME},
        {"0\r\n: y\r\n\r\n", WEFT_HTTP_EHEADER_NAME},
        {"0\r\nX\r\n\r\n", WEFT_HTTP_EHEADER_NAME},
        {"0\r\nX: y\n", WEFT_HTTP_EBARE_LF},
        {"0\r\nX: y\rz", WEFT_HTTP_EBARE_CR},
        {"0\r\nX: \x01\r\n\r\n", WEFT_HTTP_EHEADER_VALUE},
        {"0\r\n\n", WEFT_HTTP_EBARE_LF},
        {"0\r\n\rx", WEFT_HTTP_EBARE_CR},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char out[512];
        int rc = decode_all_ways(t[i].in, strlen(t[i].in), NULL, out, sizeof(out));
        if (rc != t[i].rc)
            print_message("%zu: got %s want %s\n", i, weft_http_errname(rc),
                          weft_http_errname(t[i].rc));
        assert_int_equal(rc, t[i].rc);
        assert_int_equal(weft_http_error_status(rc), 400);
    }
}

static void test_chunked_limits(void **state)
{
    (void)state;
    char out[512];
    weft_http_limits lim = {.max_chunk_line = 8, .max_trailer = 16};
    /* a size line of exactly 8 bytes (without CRLF) passes, 9 is too long */
    const char ok[] = "1;abcdef\r\nx\r\n0\r\n\r\n";
    const char bad[] = "1;abcdefg\r\nx\r\n0\r\n\r\n";
    assert_true(decode_all_ways(ok, sizeof(ok) - 1, &lim, out, sizeof(out)) > 0);
    assert_int_equal(decode_all_ways(bad, sizeof(bad) - 1, &lim, out, sizeof(out)),
                     WEFT_HTTP_ECHUNK_LINE_TOO_LONG);
    /* ... and refused before its end arrives */
    weft_http_chunked d;
    weft_http_chunk ev;
    assert_int_equal(weft_http_chunked_init(&d, &lim), 0);
    assert_int_equal(weft_http_chunked_parse(&d, "1;aaaaaaaa", 10, &ev), 0);
    assert_int_equal(weft_http_chunked_parse(&d, "1;aaaaaaaaa", 11, &ev),
                     WEFT_HTTP_ECHUNK_LINE_TOO_LONG);
    /* a partial line is not consumed: its slices must stay in the buffer */
    assert_int_equal(weft_http_chunked_init(&d, NULL), 0);
    assert_int_equal(weft_http_chunked_parse(&d, "1;ab", 4, &ev), 0);
    assert_int_equal(ev.kind, WEFT_HTTP_CHUNK_NONE);
    assert_int_equal(weft_http_chunked_parse(&d, "1;abc\r\n", 7, &ev), 7);
    assert_int_equal(ev.kind, WEFT_HTTP_CHUNK_HEADER);
    assert_int_equal(ev.ext.len, 4);
    /* the trailer section, final CRLF included: 16 bytes pass, 17 do not */
    const char t16[] = "0\r\nA: 123456789\r\n\r\n";
    const char t17[] = "0\r\nA: 1234567890\r\n\r\n";
    assert_true(decode_all_ways(t16, sizeof(t16) - 1, &lim, out, sizeof(out)) > 0);
    assert_int_equal(decode_all_ways(t17, sizeof(t17) - 1, &lim, out, sizeof(out)),
                     WEFT_HTTP_ETRAILER_TOO_LARGE);
    assert_int_equal(weft_http_error_status(WEFT_HTTP_ETRAILER_TOO_LARGE), 431);
    /* init */
    weft_http_limits huge = {.max_chunk_line = WEFT_HTTP_LIMIT_MAX + 1};
    assert_int_equal(weft_http_chunked_init(&d, &huge), -EINVAL);
}

static void test_chunked_large(void **state)
{
    (void)state;
    /* 64 KiB chunk arriving in 1000-byte reads: DATA events add up */
    size_t n = 65536;
    char *in = malloc(n + 64);
    assert_non_null(in);
    int h = sprintf(in, "10000\r\n");
    for (size_t i = 0; i < n; i++) in[h + (int)i] = (char)('a' + i % 26);
    memcpy(in + h + n, "\r\n0\r\n\r\n", 7);
    size_t len = (size_t)h + n + 7;
    weft_http_chunked d = WEFT_HTTP_CHUNKED_INIT;
    size_t off = 0, avail = 0, data = 0;
    int ended = 0;
    while (!ended) {
        weft_http_chunk ev;
        int rc = weft_http_chunked_parse(&d, in + off, avail - off, &ev);
        assert_true(rc >= 0);
        if (ev.kind == WEFT_HTTP_CHUNK_DATA) {
            assert_ptr_equal(ev.data.ptr, in + off);
            assert_true(ev.data.ptr[0] == (char)('a' + data % 26));
            data += ev.data.len;
        }
        off += (size_t)rc;
        ended = ev.kind == WEFT_HTTP_CHUNK_END;
        if (ev.kind == WEFT_HTTP_CHUNK_NONE) {
            assert_true(avail < len);
            avail = avail + 1000 < len ? avail + 1000 : len;
        }
    }
    assert_int_equal(data, n);
    assert_int_equal(off, len);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunked_basic),  cmocka_unit_test(test_chunked_extensions),
        cmocka_unit_test(test_chunked_errors), cmocka_unit_test(test_chunked_limits),
        cmocka_unit_test(test_chunked_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
