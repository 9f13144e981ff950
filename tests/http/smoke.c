/* The HTTP parser on a non-x86 CPU (its scalar build): a smoke program that
 * tests/http/cross.sh cross-compiles for AArch64 and runs under qemu-user.
 * Plain C, no cmocka (there is none for the target). Exit 0 = pass. */
#include <stdio.h>
#include <string.h>
#include "weft/http.h"
#include "http/parser.h"
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("FAIL %s:%d %s\n", __FILE__, __LINE__, #c);                                     \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)
int main(void)
{
    CHECK(weft__http_isa() == WEFT_HTTP_ISA_SCALAR);
    const char *s =
        "\r\nPOST /x?y=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n"
        "User-Agent: Mozilla/5.0 (X11; Linux aarch64) 0123456789012345678901234567890\r\n"
        "Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n"
        "5;a=\"b\"\r\nhello\r\n0\r\nT: v\r\n\r\n";
    weft_http_header hs[8];
    weft_http_request r = WEFT_HTTP_REQUEST_INIT(hs);
    weft_http_parser p = WEFT_HTTP_PARSER_INIT;
    int rc = 0;
    for (size_t n = 1; n <= strlen(s) && rc == 0; n++) rc = weft_http_parse_request(&p, s, n, &r);
    CHECK(rc > 0 && r.method_id == WEFT_HTTP_POST && r.num_headers == 5 && r.host == 0 &&
          r.upgrade == 4);
    CHECK(r.body == WEFT_HTTP_BODY_CHUNKED && (r.flags & WEFT_HTTP_F_UPGRADE) &&
          (r.flags & WEFT_HTTP_F_TE_CODED));
    CHECK(r.headers[2].value.len == 64);
    weft_http_chunked d = WEFT_HTTP_CHUNKED_INIT;
    weft_http_chunk ev;
    size_t off = (size_t)rc, data = 0;
    int trailers = 0;
    do {
        int n = weft_http_chunked_parse(&d, s + off, strlen(s) - off, &ev);
        CHECK(n >= 0);
        off += (size_t)n;
        if (ev.kind == WEFT_HTTP_CHUNK_DATA) data += ev.data.len;
        if (ev.kind == WEFT_HTTP_CHUNK_TRAILER) trailers++;
    } while (ev.kind != WEFT_HTTP_CHUNK_END && ev.kind != WEFT_HTTP_CHUNK_NONE);
    CHECK(ev.kind == WEFT_HTTP_CHUNK_END && data == 5 && trailers == 1 && off == strlen(s));
    CHECK(weft_http_parse_request(&p, "GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 26, &r) ==
          WEFT_HTTP_EHEADER_VALUE);
    weft_http_response rs = WEFT_HTTP_RESPONSE_INIT(hs, 0);
    CHECK(weft_http_parse_response(&p, "HTTP/1.1 204 No Content\r\n\r\n", 27, &rs) == 27 &&
          rs.status == 204);
    weft_http_target t;
    CHECK(weft_http_target_split("http://h:80/p?q", 15, &t) == 0 && t.port.len == 2);
    printf("http smoke on a non-x86 CPU: ok\n");
    return 0;
}
