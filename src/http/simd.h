/* Layer 6 (http, pure): byte-class scanners for the HTTP parser.
 *
 * Each scanner returns the first byte in [p, end) that is NOT in its class
 * (or end): the byte that ends a token, a target or a field value. They are
 * the parser's hot loops, in three builds; head.h is compiled once per
 * build (parser.c includes it three times) and picks its scanners by name:
 *   ISA_AVX2    32 bytes per step (x86-64 with AVX2, chosen at run time)
 *   ISA_SSE2    16 bytes per step (every x86-64)
 *   ISA_SCALAR  a 256-entry class table, one byte per step (other CPUs)
 * Tokens (field names, methods) use the table in every build (see below).
 * The vector builds never read outside [lo, end): the last partial block is
 * loaded so that it ends at `end` (overlapping bytes already checked, which
 * needs end - lo >= the block size) and otherwise falls to a narrower
 * build. So input that ends right before an unmapped page is safe. */
#ifndef WEFT_HTTP_SIMD_H
#define WEFT_HTTP_SIMD_H

#include <stddef.h>
#include <stdint.h>

#include "http/parser.h"

#if defined(__x86_64__) && defined(__SSE2__)
#define WEFT_HTTP_X86 1
#include <immintrin.h>
#else
#define WEFT_HTTP_X86 0
#endif

#define WEFT_HTTP_INLINE static inline __attribute__((always_inline))
#define WEFT_HTTP_LIKELY(x) __builtin_expect(!!(x), 1)
#define WEFT_HTTP_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ------------------------------------------------------------- scalar */

WEFT_HTTP_INLINE const char *scan_class_scalar(const char *p, const char *end, uint8_t cls)
{
    while (end - p >= 4) {
        if (!WEFT_HTTP_IS(cls, p[0])) return p;
        if (!WEFT_HTTP_IS(cls, p[1])) return p + 1;
        if (!WEFT_HTTP_IS(cls, p[2])) return p + 2;
        if (!WEFT_HTTP_IS(cls, p[3])) return p + 3;
        p += 4;
    }
    while (p < end && WEFT_HTTP_IS(cls, *p)) p++;
    return p;
}

#if WEFT_HTTP_X86
/* ------------------------------------------------------------- SSE2 */

/* Mask of bytes that end a field value: CTL other than HTAB, and DEL. */
WEFT_HTTP_INLINE unsigned stop_field_sse2(__m128i v)
{
    __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v); /* v <= 0x1f */
    ctl = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x09)), ctl);
    ctl = _mm_or_si128(ctl, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
    return (unsigned)_mm_movemask_epi8(ctl);
}

/* Mask of bytes outside 0x21..0x7E. */
WEFT_HTTP_INLINE unsigned stop_vchar_sse2(__m128i v)
{
    __m128i w = _mm_sub_epi8(v, _mm_set1_epi8(0x21));
    __m128i in = _mm_cmpeq_epi8(_mm_max_epu8(w, _mm_set1_epi8(0x5d)), _mm_set1_epi8(0x5d));
    return (unsigned)_mm_movemask_epi8(in) ^ 0xffffu;
}

#define WEFT_HTTP_SCAN_SSE2(name, stopfn, cls)                                                     \
    WEFT_HTTP_INLINE const char *name(const char *p, const char *end, const char *lo)              \
    {                                                                                              \
        while (end - p >= 16) {                                                                    \
            unsigned m = stopfn(_mm_loadu_si128((const __m128i *)(const void *)p));                \
            if (m) return p + __builtin_ctz(m);                                                    \
            p += 16;                                                                               \
        }                                                                                          \
        if (p == end) return p;                                                                    \
        if (end - lo >= 16) {                                                                      \
            const char *q = end - 16;                                                              \
            unsigned m = stopfn(_mm_loadu_si128((const __m128i *)(const void *)q)) >> (p - q);     \
            return m ? p + __builtin_ctz(m) : end;                                                 \
        }                                                                                          \
        return scan_class_scalar(p, end, cls);                                                     \
    }
WEFT_HTTP_SCAN_SSE2(scan_field_sse2, stop_field_sse2, WEFT_HTTP_C_FIELD)
WEFT_HTTP_SCAN_SSE2(scan_vchar_sse2, stop_vchar_sse2, WEFT_HTTP_C_VCHAR)

/* ------------------------------------------------------------- AVX2 */

#define WEFT_HTTP_AVX2 __attribute__((target("avx2,bmi,bmi2,popcnt")))

WEFT_HTTP_AVX2 WEFT_HTTP_INLINE unsigned stop_field_avx2(__m256i v)
{
    __m256i ctl = _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1f)), v);
    ctl = _mm256_andnot_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x09)), ctl);
    ctl = _mm256_or_si256(ctl, _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f)));
    return (unsigned)_mm256_movemask_epi8(ctl);
}

WEFT_HTTP_AVX2 WEFT_HTTP_INLINE unsigned stop_vchar_avx2(__m256i v)
{
    __m256i w = _mm256_sub_epi8(v, _mm256_set1_epi8(0x21));
    __m256i in =
        _mm256_cmpeq_epi8(_mm256_max_epu8(w, _mm256_set1_epi8(0x5d)), _mm256_set1_epi8(0x5d));
    return ~(unsigned)_mm256_movemask_epi8(in);
}

#define WEFT_HTTP_SCAN_AVX2(name, stopfn, narrow)                                                  \
    WEFT_HTTP_AVX2 WEFT_HTTP_INLINE const char *name(const char *p, const char *end,               \
                                                     const char *lo)                               \
    {                                                                                              \
        while (end - p >= 32) {                                                                    \
            unsigned m = stopfn(_mm256_loadu_si256((const __m256i *)(const void *)p));             \
            if (m) return p + __builtin_ctz(m);                                                    \
            p += 32;                                                                               \
        }                                                                                          \
        if (p == end) return p;                                                                    \
        if (end - lo >= 32) {                                                                      \
            const char *q = end - 32;                                                              \
            unsigned m = stopfn(_mm256_loadu_si256((const __m256i *)(const void *)q)) >> (p - q);  \
            return m ? p + __builtin_ctz(m) : end;                                                 \
        }                                                                                          \
        return narrow;                                                                             \
    }
WEFT_HTTP_SCAN_AVX2(scan_field_avx2, stop_field_avx2, scan_field_sse2(p, end, lo))
WEFT_HTTP_SCAN_AVX2(scan_vchar_avx2, stop_vchar_avx2, scan_vchar_sse2(p, end, lo))
#endif /* WEFT_HTTP_X86 */

/* ------------------------------------------------------------- scalar names */

/* Every build has scan_field_<isa> and scan_vchar_<isa>(p, end, lo): the
 * first byte in [p, end) that is not a field-value byte (so CR, LF, another
 * CTL or DEL), or not in 0x21..0x7E; scan_tchar: not a tchar. lo is the
 * buffer's start (lo <= p). */
#define WEFT_HTTP_SCAN_SCALAR(name, cls)                                                           \
    WEFT_HTTP_INLINE const char *name(const char *p, const char *end, const char *lo)              \
    {                                                                                              \
        (void)lo;                                                                                  \
        return scan_class_scalar(p, end, cls);                                                     \
    }
WEFT_HTTP_SCAN_SCALAR(scan_field_scalar, WEFT_HTTP_C_FIELD)
WEFT_HTTP_SCAN_SCALAR(scan_vchar_scalar, WEFT_HTTP_C_VCHAR)
/* Names use the table in every build. A vector tchar test (two pshufb
 * nibble lookups, 16 or 32 bytes a step) was tried: faster alone, but in
 * the parser it made heads 30-40% slower, because each header's name scan
 * sits on the chain of dependent steps (name, colon, value, CRLF, next
 * line) and the vector version adds its whole latency there, while the
 * table loop over a typical 4-15 byte name runs ahead under branch
 * prediction (docs/BENCHMARKS.md). */
WEFT_HTTP_SCAN_SCALAR(scan_tchar, WEFT_HTTP_C_TCHAR)

#endif /* WEFT_HTTP_SIMD_H */
