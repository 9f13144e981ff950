/* Layer 6 (http, pure): request targets (RFC 9112 3.2, RFC 3986): splitting
 * into scheme, host, port, path, query, fragment; percent-decoding; query
 * pairs. Slices point into the caller's target; nothing is copied except by
 * weft_http_pct_decode, into the caller's buffer. libc only. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "http/parser.h"

static int hexval(unsigned c)
{
    if (c - '0' < 10u) return (int)(c - '0');
    c |= 0x20;
    if (c - 'a' < 6u) return (int)(c - 'a' + 10);
    return -1;
}

static int is_alpha(unsigned char c)
{
    return (unsigned)((c | 0x20) - 'a') < 26u;
}

/* unreserved / sub-delims (reg-name bytes besides pct-encoded) */
static int is_host_byte(unsigned char c)
{
    return is_alpha(c) || (unsigned)(c - '0') < 10u || (c && strchr("-._~!$&'()*+,;=", c));
}

/* Splits "host[:port]" (no userinfo). Returns 0 or WEFT_HTTP_ETARGET_FORM. */
static int split_authority(const char *a, size_t n, int need_port, weft_http_target *out)
{
    const char *e = a + n, *h = a, *he;
    if (n == 0) return WEFT_HTTP_ETARGET_FORM;
    if (*a == '[') { /* IP-literal: anything reasonable inside the brackets */
        const char *rb = memchr(a, ']', n);
        if (!rb || rb == a + 1) return WEFT_HTTP_ETARGET_FORM;
        for (const char *s = a + 1; s < rb; s++)
            if (!is_host_byte((unsigned char)*s) && *s != ':') return WEFT_HTTP_ETARGET_FORM;
        he = rb + 1;
    } else {
        he = a;
        while (he < e && *he != ':') {
            if (*he == '%') {
                if (e - he < 3) return WEFT_HTTP_ETARGET_FORM;
                he += 3;
                continue;
            }
            if (!is_host_byte((unsigned char)*he)) return WEFT_HTTP_ETARGET_FORM;
            he++;
        }
        if (he == a) return WEFT_HTTP_ETARGET_FORM;
    }
    out->host = (weft_http_slice){h, (size_t)(he - h)};
    if (he == e) return need_port ? WEFT_HTTP_ETARGET_FORM : 0;
    if (*he != ':') return WEFT_HTTP_ETARGET_FORM;
    const char *p = he + 1;
    for (const char *s = p; s < e; s++)
        if ((unsigned)(*s - '0') >= 10u) return WEFT_HTTP_ETARGET_FORM;
    if (need_port && p == e) return WEFT_HTTP_ETARGET_FORM;
    out->port = (weft_http_slice){p, (size_t)(e - p)};
    return 0;
}

/* Splits s[0..n) (a path-abempty or an absolute path with what follows)
 * into path, query, fragment. */
static void split_path(const char *s, size_t n, weft_http_target *out)
{
    const char *e = s + n, *q = s;
    while (q < e && *q != '?' && *q != '#') q++;
    out->path = (weft_http_slice){s, (size_t)(q - s)};
    if (q < e && *q == '?') {
        const char *f = ++q;
        while (f < e && *f != '#') f++;
        out->query = (weft_http_slice){q, (size_t)(f - q)};
        q = f;
    }
    if (q < e) out->fragment = (weft_http_slice){q + 1, (size_t)(e - q - 1)};
}

int weft_http_target_split(const char *t, size_t len, weft_http_target *out)
{
    memset(out, 0, sizeof(*out));
    if (len == 0) return WEFT_HTTP_ETARGET_FORM;
    for (size_t i = 0; i < len; i++) {
        if (!WEFT_HTTP_IS(WEFT_HTTP_C_VCHAR, t[i])) return WEFT_HTTP_ETARGET;
        if (t[i] == '%' && (len - i < 3 || hexval((unsigned char)t[i + 1]) < 0 ||
                            hexval((unsigned char)t[i + 2]) < 0))
            return WEFT_HTTP_EPERCENT;
    }
    const char *e = t + len;
    if (t[0] == '/') {
        out->form = WEFT_HTTP_TARGET_ORIGIN;
        split_path(t, len, out);
        return 0;
    }
    if (len == 1 && t[0] == '*') {
        out->form = WEFT_HTTP_TARGET_ASTERISK;
        return 0;
    }
    /* scheme "://" ... : absolute-form */
    const char *s = t;
    if (is_alpha((unsigned char)*s)) {
        s++;
        while (s < e && (is_alpha((unsigned char)*s) || (unsigned)(*s - '0') < 10u || *s == '+' ||
                         *s == '-' || *s == '.'))
            s++;
        if (e - s >= 3 && !memcmp(s, "://", 3)) {
            out->form = WEFT_HTTP_TARGET_ABSOLUTE;
            out->scheme = (weft_http_slice){t, (size_t)(s - t)};
            const char *a = s + 3, *ae = a;
            while (ae < e && *ae != '/' && *ae != '?' && *ae != '#') ae++;
            if (memchr(a, '@', (size_t)(ae - a))) return WEFT_HTTP_ETARGET_FORM; /* userinfo */
            int rc = split_authority(a, (size_t)(ae - a), 0, out);
            if (rc < 0) return rc;
            split_path(ae, (size_t)(e - ae), out);
            return 0;
        }
    }
    /* authority-form: host ":" port and nothing else */
    out->form = WEFT_HTTP_TARGET_AUTHORITY;
    for (s = t; s < e; s++)
        if (*s == '/' || *s == '?' || *s == '#' || *s == '@') return WEFT_HTTP_ETARGET_FORM;
    return split_authority(t, len, 1, out);
}

int weft_http_pct_decode(char *dst, size_t dst_cap, const char *src, size_t len, unsigned flags)
{
    if (dst_cap < len || len > INT_MAX) return -EINVAL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '%') {
            int hi, lo;
            if (len - i < 3 || (hi = hexval((unsigned char)src[i + 1])) < 0 ||
                (lo = hexval((unsigned char)src[i + 2])) < 0)
                return WEFT_HTTP_EPERCENT;
            c = (unsigned char)(hi << 4 | lo);
            if ((c == 0 && (flags & WEFT_HTTP_PCT_NO_NUL)) ||
                (c == '/' && (flags & WEFT_HTTP_PCT_NO_SLASH)))
                return WEFT_HTTP_EPERCENT;
            i += 2;
        } else if (c == '+' && (flags & WEFT_HTTP_PCT_PLUS)) {
            c = ' ';
        }
        dst[o++] = (char)c;
    }
    return (int)o;
}

int weft_http_query_next(const char *q, size_t len, size_t *pos, weft_http_slice *key,
                         weft_http_slice *value)
{
    size_t i = *pos;
    while (i < len) {
        size_t s = i;
        while (i < len && q[i] != '&') i++;
        size_t e = i;
        if (i < len) i++; /* the '&' */
        if (e == s) continue;
        const char *eq = memchr(q + s, '=', e - s);
        size_t ke = eq ? (size_t)(eq - q) : e;
        *key = (weft_http_slice){q + s, ke - s};
        *value = eq ? (weft_http_slice){eq + 1, e - ke - 1} : (weft_http_slice){q + e, 0};
        *pos = i;
        return 1;
    }
    *pos = len;
    return 0;
}
