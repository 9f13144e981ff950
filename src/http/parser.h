/* Layer 6 (http, pure): what the parser's files share, and what tests and
 * fuzz targets reach beyond the public API (include/weft/http.h).
 *
 * The parser is libc only: nothing here includes another layer, so
 * parser.c, chunked.c, target.c, chars.c and errors.c link alone. */
#ifndef WEFT_HTTP_PARSER_H
#define WEFT_HTTP_PARSER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weft/http.h"

/* Byte classes (bits of weft__http_class[c], chars.c). */
#define WEFT_HTTP_C_TCHAR 0x01  /* token: ALPHA DIGIT !#$%&'*+-.^_`|~ */
#define WEFT_HTTP_C_VCHAR 0x02  /* request-target byte: 0x21..0x7E */
#define WEFT_HTTP_C_FIELD 0x04  /* field-value byte: HTAB, SP, VCHAR, obs-text */
#define WEFT_HTTP_C_HEX 0x08    /* HEXDIG */
#define WEFT_HTTP_C_DIGIT 0x10  /* DIGIT */
#define WEFT_HTTP_C_QDTEXT 0x20 /* quoted-string text: HTAB SP 0x21 0x23-5B 0x5D-7E obs-text */
extern const uint8_t weft__http_class[256];
#define WEFT_HTTP_IS(cls, c) (weft__http_class[(unsigned char)(c)] & (cls))

/* Instruction sets the scanners come in (simd.h). */
#define WEFT_HTTP_ISA_SCALAR 0
#define WEFT_HTTP_ISA_SSE2 1
#define WEFT_HTTP_ISA_AVX2 2

/* The instruction set the head parser uses: the best the CPU has, unless
 * weft__http_set_isa forced one. */
int weft__http_isa(void);
/* Forces isa (WEFT_HTTP_ISA_*; lowered to what the CPU supports) for later
 * parse calls; -1 restores the automatic choice. Returns the isa now in
 * use. For tests and fuzzers comparing the builds; not to be called while
 * another thread parses. */
int weft__http_set_isa(int isa);
/* WEFT_HTTP_GET... for the method token m[0..n), WEFT_HTTP_OTHER for any
 * other (the parser's own recognition, for the router and test client). */
int weft__http_method_id(const char *m, size_t n);

static inline uint64_t weft__http_ld64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t weft__http_ld32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Whether s[0..n) equals lit ignoring ASCII case, where lit is lower-case
 * letters, digits and '-' (every byte has bit 0x20 set) and n ==
 * strlen(lit). Exact for s made of tchars or field-value bytes (OR-ing 0x20
 * maps no other such byte onto a letter, digit or '-'). Whole words at a
 * time; with a constant n it unrolls to a few compares. */
static inline int weft__http_lower_eq(const char *s, const char *lit, size_t n)
{
    if (n >= 8) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8)
            if ((weft__http_ld64(s + i) | 0x2020202020202020ull) != weft__http_ld64(lit + i))
                return 0;
        return i == n ||
               (weft__http_ld64(s + n - 8) | 0x2020202020202020ull) == weft__http_ld64(lit + n - 8);
    }
    if (n >= 4)
        return (weft__http_ld32(s) | 0x20202020u) == weft__http_ld32(lit) &&
               (weft__http_ld32(s + n - 4) | 0x20202020u) == weft__http_ld32(lit + n - 4);
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != lit[i]) return 0;
    return 1;
}

#endif /* WEFT_HTTP_PARSER_H */
