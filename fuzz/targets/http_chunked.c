/* libFuzzer target: the chunked decoder (weft_http_chunked_parse). The
 * first byte picks the limits and a piece size; the rest is the body. The
 * body is decoded whole, byte by byte and in pieces (the way a server
 * reads), and the three runs must report the same events, the same
 * outcome and, unless it is an error, the same number of bytes consumed. Also: slices lie inside
 * the bytes given, consumption never exceeds them, each chunk's DATA adds up to its size, and a
 * partial line is never consumed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"

#include "fuzz_check.h"

/* A hash of the event stream (data merged), the outcome and the bytes
 * consumed; data bytes are hashed one at a time so pieces do not matter. */
struct run {
    uint64_t h;
    int rc;
    size_t used;
};

static void mix(uint64_t *h, uint64_t v)
{
    *h = (*h ^ v) * 0x100000001b3ull;
}

static struct run decode(const weft_http_limits *lim, const char *in, size_t len, size_t piece)
{
    struct run out = {0xcbf29ce484222325ull, 0, 0};
    weft_http_chunked d;
    CHECK(weft_http_chunked_init(&d, lim) == 0);
    char *buf = malloc(len ? len : 1);
    size_t have = 0, fed = 0;
    uint64_t left = 0;
    for (;;) {
        weft_http_chunk ev;
        /* the buffer holds exactly `have` bytes: copy to a fitting block so
           ASan sees any read past them */
        char *exact = malloc(have ? have : 1);
        memcpy(exact, buf, have);
        int rc = weft_http_chunked_parse(&d, exact, have, &ev);
        if (rc < 0) {
            free(exact);
            out.rc = rc;
            break;
        }
        CHECK((size_t)rc <= have);
        switch (ev.kind) {
        case WEFT_HTTP_CHUNK_HEADER:
            CHECK(left == 0);
            CHECK(ev.size < (1ull << 63));
            CHECK(ev.ext.ptr >= exact && ev.ext.ptr + ev.ext.len <= exact + rc);
            mix(&out.h, 1000 + ev.size);
            for (size_t i = 0; i < ev.ext.len; i++) mix(&out.h, (unsigned char)ev.ext.ptr[i]);
            left = ev.size;
            break;
        case WEFT_HTTP_CHUNK_DATA:
            CHECK(ev.data.len > 0 && ev.data.len <= left);
            CHECK(ev.data.ptr >= exact && ev.data.ptr + ev.data.len <= exact + rc);
            for (size_t i = 0; i < ev.data.len; i++) mix(&out.h, (unsigned char)ev.data.ptr[i]);
            left -= ev.data.len;
            break;
        case WEFT_HTTP_CHUNK_TRAILER:
            CHECK(left == 0);
            CHECK(ev.trailer.name.len > 0);
            CHECK(ev.trailer.value.ptr + ev.trailer.value.len <= exact + rc);
            mix(&out.h, 2000);
            for (size_t i = 0; i < ev.trailer.name.len; i++)
                mix(&out.h, (unsigned char)ev.trailer.name.ptr[i]);
            for (size_t i = 0; i < ev.trailer.value.len; i++)
                mix(&out.h, (unsigned char)ev.trailer.value.ptr[i]);
            break;
        case WEFT_HTTP_CHUNK_END:
            mix(&out.h, 3000);
            break;
        default:
            break;
        }
        free(exact);
        memmove(buf, buf + rc, have - (size_t)rc);
        have -= (size_t)rc;
        out.used += (size_t)rc;
        if (ev.kind == WEFT_HTTP_CHUNK_END) {
            out.rc = 1;
            break;
        }
        if (ev.kind == WEFT_HTTP_CHUNK_NONE) {
            if (fed == len) break;
            size_t n = piece && piece < len - fed ? piece : len - fed;
            memcpy(buf + have, in + fed, n);
            have += n;
            fed += n;
        }
    }
    free(buf);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    weft_http_limits lim = {0, 0, 0, 0};
    if (data[0] & 1) {
        lim.max_chunk_line = 1 + (data[0] >> 1) % 32;
        lim.max_trailer = 1 + (data[0] >> 1) * 2;
    }
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    struct run whole = decode(&lim, in, len, 0);
    struct run bytes = decode(&lim, in, len, 1);
    struct run pieces = decode(&lim, in, len, 2 + data[0] % 13);
    CHECK(whole.rc == bytes.rc && whole.rc == pieces.rc);
    CHECK(whole.h == bytes.h && whole.h == pieces.h);
    /* (on an error, what the failing call had consumed is not reported) */
    if (whole.rc >= 0) CHECK(whole.used == bytes.used && whole.used == pieces.used);
    if (whole.rc < 0) CHECK(weft_http_error_status(whole.rc) >= 400);
    return 0;
}
