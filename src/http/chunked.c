/* Layer 6 (http, pure): the chunked transfer coding (RFC 9112 7.1).
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-ext    = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
 *
 * The decoder moves through the parts of the body (_state); inside a size
 * line or a trailer line it keeps its place byte by byte (_sub, _scan), so
 * a line that arrives in pieces is checked once, yet consumed only whole
 * (its slices must be in the caller's buffer when the event is reported).
 * Every line must end in CRLF: a lone CR or LF is an error, never a line
 * end (the "funky chunks" smuggling family). libc only. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "http/parser.h"

/* Parts of the body (_state). */
enum {
    CS_SIZE = 0, /* in a size line (starts at buf[0]) */
    CS_DATA,     /* in chunk data: _left bytes to go */
    CS_DATA_CR,  /* after the data: CR expected */
    CS_DATA_LF,  /* LF expected */
    CS_TRAILER,  /* in a trailer line or the final CRLF (starts at buf[0]) */
    CS_END       /* done */
};

/* Places inside a size line (_sub). */
enum {
    S_HEX = 0,  /* in the size's hex digits (_scan == 0: none yet) */
    S_PRE,      /* whitespace after the size: only ';' may follow */
    S_NAME0,    /* after ';' (and BWS): an extension name must start */
    S_NAME,     /* in a name */
    S_POSTNAME, /* whitespace after a name: '=' or ';' */
    S_VAL0,     /* after '=' (and BWS): a token or a quoted string */
    S_VAL,      /* in a token value */
    S_POSTVAL,  /* whitespace after a value: ';' */
    S_QUOTED,   /* in a quoted string */
    S_QPAIR,    /* after a backslash in it */
    S_POSTQ,    /* right after the closing quote */
    S_LF        /* after the CR: LF expected */
};

/* Places inside a trailer line (_sub). */
enum {
    T_START = 0, /* at the line's start: a name, or CR of the final CRLF */
    T_NAME,      /* in the name */
    T_OWS,       /* after the colon */
    T_VALUE,     /* in the value */
    T_LF,        /* after the value's CR */
    T_END_LF     /* after the final CR */
};

#define OWS(c) ((c) == ' ' || (c) == '\t')
#define MAX_SIZE_BITS 63 /* sizes stay below 2^63 */

int weft_http_chunked_init(weft_http_chunked *d, const weft_http_limits *lim)
{
    uint32_t line = lim && lim->max_chunk_line ? lim->max_chunk_line : 0;
    uint32_t trailer = lim && lim->max_trailer ? lim->max_trailer : 0;
    if (line > WEFT_HTTP_LIMIT_MAX || trailer > WEFT_HTTP_LIMIT_MAX) return -EINVAL;
    memset(d, 0, sizeof(*d));
    d->max_chunk_line = line;
    d->max_trailer = trailer;
    return 0;
}

static int hexval(unsigned c)
{
    if (c - '0' < 10u) return (int)(c - '0');
    c |= 0x20;
    if (c - 'a' < 6u) return (int)(c - 'a' + 10);
    return -1;
}

/* Steps through the size line at buf[d->_scan..n). Returns the line's length
 * with CRLF once its LF is seen, 0 if more bytes are needed, or an error. */
static int size_line(weft_http_chunked *d, const char *buf, size_t n)
{
    size_t i = d->_scan;
    unsigned sub = d->_sub;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\n' && sub != S_LF) return WEFT_HTTP_EBARE_LF;
        switch (sub) {
        case S_HEX: {
            int v = hexval(c);
            if (v >= 0) {
                if (d->_left >> (MAX_SIZE_BITS - 4)) return WEFT_HTTP_ECHUNK_SIZE;
                d->_left = d->_left << 4 | (unsigned)v;
                continue;
            }
            if (i == 0) return WEFT_HTTP_ECHUNK_SIZE;
            d->_ext = (uint32_t)i;
            if (c == '\r')
                sub = S_LF;
            else if (c == ';')
                sub = S_NAME0;
            else if (OWS(c))
                sub = S_PRE;
            else
                return WEFT_HTTP_ECHUNK_SIZE;
            continue;
        }
        case S_PRE:
            if (c == ';')
                sub = S_NAME0;
            else if (!OWS(c))
                return WEFT_HTTP_ECHUNK_SIZE;
            continue;
        case S_NAME0:
            if (WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, c))
                sub = S_NAME;
            else if (!OWS(c))
                return WEFT_HTTP_ECHUNK_EXT;
            continue;
        case S_NAME:
        case S_POSTNAME:
            if (sub == S_NAME && WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, c)) continue;
            if (c == '=')
                sub = S_VAL0;
            else if (c == ';')
                sub = S_NAME0;
            else if (OWS(c))
                sub = S_POSTNAME;
            else if (c == '\r' && sub == S_NAME)
                sub = S_LF;
            else
                return WEFT_HTTP_ECHUNK_EXT;
            continue;
        case S_VAL0:
            if (c == '"')
                sub = S_QUOTED;
            else if (WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, c))
                sub = S_VAL;
            else if (!OWS(c))
                return WEFT_HTTP_ECHUNK_EXT;
            continue;
        case S_VAL:
        case S_POSTQ:
            if (sub == S_VAL && WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, c)) continue;
            if (c == ';')
                sub = S_NAME0;
            else if (c == '\r')
                sub = S_LF;
            else if (OWS(c))
                sub = S_POSTVAL;
            else
                return WEFT_HTTP_ECHUNK_EXT;
            continue;
        case S_POSTVAL:
            if (c == ';')
                sub = S_NAME0;
            else if (!OWS(c))
                return WEFT_HTTP_ECHUNK_EXT;
            continue;
        case S_QUOTED:
            if (c == '"')
                sub = S_POSTQ;
            else if (c == '\\')
                sub = S_QPAIR;
            else if (!WEFT_HTTP_IS(WEFT_HTTP_C_QDTEXT, c))
                return WEFT_HTTP_ECHUNK_EXT;
            continue;
        case S_QPAIR:
            if (!WEFT_HTTP_IS(WEFT_HTTP_C_FIELD, c)) return WEFT_HTTP_ECHUNK_EXT;
            sub = S_QUOTED;
            continue;
        case S_LF:
            if (c != '\n') return WEFT_HTTP_EBARE_CR;
            d->_scan = 0;
            d->_sub = S_HEX;
            return (int)(i + 1);
        }
    }
    d->_scan = (uint32_t)i;
    d->_sub = (uint8_t)sub;
    return 0;
}

/* Steps through a trailer line (a field line, or the final CRLF) at
 * buf[d->_scan..n). Returns the line's length once its LF is seen, 0 if
 * more bytes are needed, or an error. */
static int trailer_line(weft_http_chunked *d, const char *buf, size_t n)
{
    size_t i = d->_scan;
    unsigned sub = d->_sub;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        switch (sub) {
        case T_START:
            if (c == '\r')
                sub = T_END_LF;
            else if (WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, c))
                sub = T_NAME;
            else if (OWS(c))
                return WEFT_HTTP_EOBS_FOLD;
            else if (c == '\n')
                return WEFT_HTTP_EBARE_LF;
            else
                return WEFT_HTTP_EHEADER_NAME;
            continue;
        case T_NAME:
            if (c == ':')
                sub = T_OWS;
            else if (!WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, c))
                return WEFT_HTTP_EHEADER_NAME;
            continue;
        case T_OWS:
        case T_VALUE:
            if (c == '\r')
                sub = T_LF;
            else if (c == '\n')
                return WEFT_HTTP_EBARE_LF;
            else if (!WEFT_HTTP_IS(WEFT_HTTP_C_FIELD, c))
                return WEFT_HTTP_EHEADER_VALUE;
            continue;
        case T_LF:
        case T_END_LF:
            if (c != '\n') return WEFT_HTTP_EBARE_CR;
            d->_scan = 0;
            d->_sub = (uint8_t)sub; /* tells the caller which kind of line ended */
            return (int)(i + 1);
        }
    }
    d->_scan = (uint32_t)i;
    d->_sub = (uint8_t)sub;
    return 0;
}

/* Splits a checked trailer line "name: value CRLF" into the event. */
static void trailer_field(const char *line, size_t n, weft_http_header *h)
{
    const char *colon = memchr(line, ':', n);
    const char *v = colon + 1, *e = line + n - 2;
    while (v < e && OWS(*v)) v++;
    while (e > v && OWS(e[-1])) e--;
    h->name = (weft_http_slice){line, (size_t)(colon - line)};
    h->value = (weft_http_slice){v, (size_t)(e - v)};
}

int weft_http_chunked_parse(weft_http_chunked *d, const char *buf, size_t len, weft_http_chunk *ev)
{
    size_t off = 0;
    int rc;
    ev->kind = d->_state == CS_END ? WEFT_HTTP_CHUNK_END : WEFT_HTTP_CHUNK_NONE;
    if (len == 0) return 0; /* (buf may then be NULL) */
    if (len > INT_MAX) len = INT_MAX;
    for (;;) {
        const char *p = buf + off;
        size_t avail = len - off;
        switch (d->_state) {
        case CS_SIZE: {
            size_t lim = (d->max_chunk_line ? d->max_chunk_line : WEFT_HTTP_DEFAULT_MAX_CHUNK_LINE);
            size_t n = avail < lim + 2 ? avail : lim + 2;
            rc = size_line(d, p, n);
            if (rc < 0) return rc;
            if (rc == 0) {
                if (n < avail) return WEFT_HTTP_ECHUNK_LINE_TOO_LONG;
                return (int)off;
            }
            ev->kind = WEFT_HTTP_CHUNK_HEADER;
            ev->size = d->_left;
            ev->ext = (weft_http_slice){p + d->_ext, (size_t)rc - 2 - d->_ext};
            d->_state = d->_left ? CS_DATA : CS_TRAILER;
            return (int)off + rc;
        }
        case CS_DATA: {
            size_t n = avail < d->_left ? avail : (size_t)d->_left;
            if (n == 0) return (int)off;
            d->_left -= n;
            if (d->_left == 0) d->_state = CS_DATA_CR;
            ev->kind = WEFT_HTTP_CHUNK_DATA;
            ev->data = (weft_http_slice){p, n};
            return (int)(off + n);
        }
        case CS_DATA_CR:
        case CS_DATA_LF:
            if (avail == 0) return (int)off;
            if (*p != (d->_state == CS_DATA_CR ? '\r' : '\n')) return WEFT_HTTP_ECHUNK_DATA;
            d->_state = d->_state == CS_DATA_CR ? CS_DATA_LF : CS_SIZE;
            off++;
            continue;
        case CS_TRAILER: {
            size_t lim = d->max_trailer ? d->max_trailer : WEFT_HTTP_DEFAULT_MAX_TRAILER;
            size_t room = lim - d->_trailer; /* _trailer <= lim always */
            size_t n = avail < room ? avail : room;
            rc = trailer_line(d, p, n);
            if (rc < 0) return rc;
            if (rc == 0) {
                if (n < avail) return WEFT_HTTP_ETRAILER_TOO_LARGE;
                return (int)off;
            }
            d->_trailer += (uint32_t)rc;
            if (d->_sub == T_END_LF) {
                d->_state = CS_END;
                ev->kind = WEFT_HTTP_CHUNK_END;
            } else {
                ev->kind = WEFT_HTTP_CHUNK_TRAILER;
                trailer_field(p, (size_t)rc, &ev->trailer);
            }
            d->_sub = T_START;
            return (int)off + rc;
        }
        default:
            ev->kind = WEFT_HTTP_CHUNK_END;
            return (int)off;
        }
    }
}
