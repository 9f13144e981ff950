/* weft-test: pure timeout=120
 * Conformance: llhttp's HTTP/1.x test vectors, read in place from
 * ../shared/conformance/llhttp/ beside the source tree (exit 77 = skipped
 * when that folder is absent). Our own loader: it parses the Markdown
 * files (FORMAT.md: meta comment, `http` block, `log` block), decodes the
 * input, cross-checks every case against CASES.tsv, and checks its decoding
 * on every span line of every log (the quoted text must be the input's
 * bytes at that offset).
 *
 * Each strict case (type request/response, no pause/skipBody hook: 120
 * request, 64 response) is fed to a small connection driver built on our
 * parser (head parser, Content-Length counting, chunked decoder, keep-alive
 * and upgrade handling: what the server and client will do), whole, one
 * byte at a time, and in pieces of 2, 3 and 7 bytes. Both the expected log
 * and ours are reduced to the same event list: one head event per message
 * (start line, each header with trailing whitespace trimmed, the framing:
 * version, Connection tokens, Upgrade present, Transfer-Encoding present,
 * chunked, Content-Length), chunk sizes and extensions, body bytes (merged),
 * trailers, message complete, and the outcome (error / upgrade hand-off).
 * When a log ends in an error, the message it interrupted is dropped from
 * both lists: where inside a message an error is detected is llhttp's
 * business (FORMAT.md 6, "outcome" + "content" levels; offsets are not
 * compared). Every feeding must give the same list, equal to llhttp's
 * unless the case is in the expected-difference table below, where our
 * outcome is pinned instead. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wt.h"
#include "http/parser.h"

/* ------------------------------------------------------------------ */
/* Expected differences: cases a strict RFC 9112 parser answers
 * differently. `ours` pins what we do instead:
 *   "error"   we reject the input (llhttp accepted it, or handed it off)
 *   "ok"      we accept it (llhttp rejected it): no error, no hand-off
 *   "noconn"  the same as llhttp except the Connection-token bits */
struct diff {
    const char *file;
    int line;
    const char *ours;
    const char *why;
};

static const struct diff diffs[] = {
    /* request/ */
    {"request/invalid.md", 69, "ok",
     "any token is a method (RFC 9110 9.1); ANNOUNCE gets 501 from the app"},
    {"request/invalid.md", 359, "ok",
     "MKCOLA is a token: a valid method for the parser (RFC 9110 9.1)"},
    {"request/method.md", 375, "error", "ICE/1.0 is not HTTP: version error (505/400)"},
    {"request/method.md", 405, "error", "RTSP/1.0 is not HTTP: version error"},
    {"request/method.md", 433, "error", "RTSP/1.0 is not HTTP: version error"},
    {"request/method.md", 461, "error",
     "PRI * HTTP/1.1 parses as a request; the next line, SM, is not one"},
    {"request/sample.md", 317, "error", "HTTP/0.9 request line (no version) is rejected"},
    /* response/ */
    {"response/connection.md", 7, "noconn", "Proxy-Connection is not Connection (RFC 9112 C.2.2)"},
    {"response/sample.md", 43, "error", "RTSP/1.1 status line is not HTTP"},
    {"response/sample.md", 63, "error", "ICE/1.1 status line is not HTTP"},
    {"response/sample.md", 648, "error", "HTTP/0.9 status line: major version 0 is not supported"},
};

/* ------------------------------------------------------------------ */
/* Small growable strings and string lists. */

typedef struct {
    char *s;
    size_t n, cap;
} str;

static void str_addn(str *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}
static void str_add(str *b, const char *s)
{
    str_addn(b, s, strlen(s));
}
static void str_addc(str *b, char c)
{
    str_addn(b, &c, 1);
}
static void str_addf(str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void str_addf(str *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    str_add(b, tmp);
}
static void str_free(str *b)
{
    free(b->s);
    *b = (str){0};
}

typedef struct {
    str *v;
    size_t n, cap;
} list;

static void list_push(list *l, str s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof(str));
        assert_non_null(l->v);
    }
    l->v[l->n++] = s;
}
static void list_pushs(list *l, const char *s)
{
    str x = {0};
    str_add(&x, s);
    list_push(l, x);
}
static void list_free(list *l)
{
    for (size_t i = 0; i < l->n; i++) str_free(&l->v[i]);
    free(l->v);
    *l = (list){0};
}
/* Appends bytes as a body event, merging with a body event just before. */
static void list_body(list *l, const char *p, size_t n)
{
    if (!n) return;
    if (!(l->n && !strncmp(l->v[l->n - 1].s, "body ", 5))) list_pushs(l, "body ");
    str *b = &l->v[l->n - 1];
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r')
            str_add(b, "\\r");
        else if (c == '\n')
            str_add(b, "\\n");
        else if (c == '\\')
            str_add(b, "\\\\");
        else if (c < 0x20 || c >= 0x7f)
            str_addf(b, "\\x%02x", c);
        else
            str_addc(b, (char)c);
    }
}
/* An error ends the story: drop the message it interrupted. */
static void list_fail(list *l, const char *outcome)
{
    size_t keep = 0;
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].s, "complete")) keep = i + 1;
    while (l->n > keep) str_free(&l->v[--l->n]);
    list_pushs(l, outcome);
}

/* ------------------------------------------------------------------ */
/* Files. */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    str b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) str_addn(&b, tmp, n);
    fclose(f);
    if (!b.s) str_add(&b, "");
    *len = b.n;
    return b.s;
}

static char root[1024];

/* CASES.tsv rows: file, line, mode, class, options, expected, note, title */
struct row {
    char file[96];
    int line;
    char cls[24];
    int used;
};
static struct row rows[400];
static size_t nrows;

static void load_tsv(void)
{
    char path[1200];
    size_t len;
    snprintf(path, sizeof(path), "%s/CASES.tsv", root);
    char *t = read_file(path, &len);
    assert_non_null(t);
    char *save = NULL;
    int first = 1;
    for (char *ln = strtok_r(t, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        if (first) {
            first = 0;
            assert_int_equal(strncmp(ln, "file\tline\tmode\tclass", 20), 0);
            continue;
        }
        char *f[8] = {0};
        int k = 0;
        for (char *c = ln; k < 8; k++) {
            f[k] = c;
            c = strchr(c, '\t');
            if (!c) break;
            *c++ = 0;
        }
        assert_true(k >= 3 && nrows < sizeof(rows) / sizeof(rows[0]));
        struct row *r = &rows[nrows++];
        assert_true(strncmp(f[0], "test/", 5) == 0);
        snprintf(r->file, sizeof(r->file), "%s", f[0] + 5);
        r->line = atoi(f[1]);
        snprintf(r->cls, sizeof(r->cls), "%s", f[3]);
        r->used = 0;
    }
    free(t);
}

/* ------------------------------------------------------------------ */
/* Decoding a block (FORMAT.md section 2). */

static void utf8(str *o, unsigned long cp)
{
    if (cp < 0x80) {
        str_addc(o, (char)cp);
    } else if (cp < 0x800) {
        str_addc(o, (char)(0xc0 | cp >> 6));
        str_addc(o, (char)(0x80 | (cp & 0x3f)));
    } else {
        str_addc(o, (char)(0xe0 | cp >> 12));
        str_addc(o, (char)(0x80 | (cp >> 6 & 0x3f)));
        str_addc(o, (char)(0x80 | (cp & 0x3f)));
    }
}

/* lines[0..n) between the fences -> the bytes fed to the parser. */
static str decode_block(char **lines, size_t n)
{
    str raw = {0}, out = {0};
    /* 1: the text with one trailing newline removed = lines joined by LF */
    for (size_t i = 0; i < n; i++) {
        if (i) str_addc(&raw, '\n');
        str_add(&raw, lines[i]);
    }
    if (!raw.s) str_add(&raw, "");
    /* 2 and 3: backslash-newline joins lines; other newlines become CRLF */
    str mid = {0};
    for (size_t i = 0; i < raw.n; i++) {
        if (raw.s[i] == '\\' && i + 1 < raw.n && raw.s[i + 1] == '\n') {
            i++;
            continue;
        }
        if (raw.s[i] == '\n')
            str_add(&mid, "\r\n");
        else
            str_addc(&mid, raw.s[i]);
    }
    if (!mid.s) str_add(&mid, "");
    /* 4 and 6: escapes; code points above 0x7F are written as UTF-8 */
    for (size_t i = 0; i < mid.n; i++) {
        char c = mid.s[i];
        if (c != '\\' || i + 1 >= mid.n) {
            str_addc(&out, c);
            continue;
        }
        char d = mid.s[i + 1];
        if (d == 'r' || d == 'n' || d == 't' || d == 'f') {
            str_addc(&out, d == 'r' ? '\r' : d == 'n' ? '\n' : d == 't' ? '\t' : '\f');
            i++;
        } else if (d == 'x' && i + 2 < mid.n && strchr("0123456789abcdefABCDEF", mid.s[i + 2])) {
            unsigned long v = 0;
            size_t j = i + 2;
            while (j < mid.n && mid.s[j] && strchr("0123456789abcdefABCDEF", mid.s[j]))
                v = v * 16 + (unsigned long)(mid.s[j] <= '9' ? mid.s[j] - '0'
                                                             : (mid.s[j] | 0x20) - 'a' + 10),
                j++;
            utf8(&out, v);
            i = j - 1;
        } else if (d >= '0' && d <= '7') {
            unsigned long v = 0;
            size_t j = i + 1;
            while (j < mid.n && j < i + 4 && mid.s[j] >= '0' && mid.s[j] <= '7')
                v = v * 8 + (unsigned long)(mid.s[j] - '0'), j++;
            utf8(&out, v);
            i = j - 1;
        } else {
            str_addc(&out, c);
        }
    }
    if (!out.s) str_add(&out, "");
    str_free(&raw);
    str_free(&mid);
    return out;
}

/* ------------------------------------------------------------------ */
/* The expected log, reduced. */

static int spans_checked, span_mismatches;

/* Trims trailing SP/HTAB (RFC 9110 5.5: not part of the value). */
static void rtrim(str *s)
{
    while (s->n && (s->s[s->n - 1] == ' ' || s->s[s->n - 1] == '\t')) s->s[--s->n] = 0;
}

static const char *field(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? p + strlen(key) : NULL;
}

static void reduce_llhttp(char **lines, size_t n, const str *in, int resp, list *out)
{
    str method = {0}, url = {0}, reason = {0}, name = {0}, value = {0}, extv = {0};
    list hdrs = {0};
    int in_trailers = 0;
    str_add(&method, "");
    str_add(&url, "");
    str_add(&reason, "");
    for (size_t i = 0; i < n; i++) {
        const char *ln = lines[i];
        if (strncmp(ln, "off=", 4)) continue;
        long off = strtol(ln + 4, NULL, 10);
        const char *ev = strchr(ln, ' ');
        if (!ev) continue;
        ev++;
        if (!strncmp(ev, "len=", 4)) { /* a span */
            long l = strtol(ev + 4, NULL, 10);
            const char *nm = strstr(ev, "span[") + 5;
            const char *nme = strchr(nm, ']');
            const char *tx = nme + 2; /* after ]= */
            str text = {0};
            if (!strcmp(tx, "cr"))
                str_add(&text, "\r");
            else if (!strcmp(tx, "lf"))
                str_add(&text, "\n");
            else {
                /* "TEXT": raw except \t and \f written as escapes */
                size_t tl = strlen(tx);
                assert_true(tl >= 2 && tx[0] == '"' && tx[tl - 1] == '"');
                for (size_t k = 1; k + 1 < tl; k++) {
                    if (tx[k] == '\\' && (tx[k + 1] == 't' || tx[k + 1] == 'f') && k + 2 < tl) {
                        str_addc(&text, tx[k + 1] == 't' ? '\t' : '\f');
                        k++;
                    } else {
                        str_addc(&text, tx[k]);
                    }
                }
                if (!text.s) str_add(&text, "");
            }
            /* loader self-check: the span quotes the input's bytes */
            spans_checked++;
            if (off < 0 || (size_t)(off + l) > in->n || (size_t)l != text.n ||
                memcmp(in->s + off, text.s, text.n)) {
                span_mismatches++;
                print_message("span mismatch: %s\n", ln);
            }
            const char *bytes = in->s + off;
            size_t nb = (size_t)l;
            size_t nl = (size_t)(nme - nm);
            if (nl == 6 && !strncmp(nm, "method", 6))
                str_addn(&method, bytes, nb);
            else if (nl == 3 && !strncmp(nm, "url", 3))
                str_addn(&url, bytes, nb);
            else if (nl == 6 && !strncmp(nm, "status", 6))
                str_addn(&reason, bytes, nb);
            else if (nl == 12 && !strncmp(nm, "header_field", 12)) {
                str_addn(&name, bytes, nb);
            } else if (nl == 12 && !strncmp(nm, "header_value", 12))
                str_addn(&value, bytes, nb);
            else if (nl == 4 && !strncmp(nm, "body", 4))
                list_body(out, bytes, nb);
            else if (nl == 20 && !strncmp(nm, "chunk_extension_name", 20)) {
                str e = {0};
                str_add(&e, "ext ");
                str_addn(&e, bytes, nb);
                list_push(out, e);
            } else if (nl == 21 && !strncmp(nm, "chunk_extension_value", 21)) {
                str_addn(&extv, bytes, nb);
            }
            str_free(&text);
            continue;
        }
        if (!strcmp(ev, "chunk_extension_value complete")) {
            str e = {0};
            str_add(&e, "extval ");
            if (extv.s) str_add(&e, extv.s);
            list_push(out, e);
            str_free(&extv);
        } else if (!strcmp(ev, "header_value complete")) {
            str h = {0};
            if (!value.s) str_add(&value, "");
            rtrim(&value);
            str_addf(&h, "%s %s: %s", in_trailers ? "trailer" : "hdr", name.s ? name.s : "",
                     value.s);
            if (in_trailers)
                list_push(out, h);
            else
                list_push(&hdrs, h);
            str_free(&name);
            str_free(&value);
        } else if (!strncmp(ev, "headers complete", 16)) {
            int a = 0, b = 0;
            unsigned long flags = strtoul(field(ev, "flags="), NULL, 16);
            unsigned long long cl = strtoull(field(ev, "content_length="), NULL, 10);
            sscanf(field(ev, "v="), "%d/%d", &a, &b);
            str h = {0};
            if (resp)
                str_addf(&h, "res S=%ld R=%s V=%d/%d", strtol(field(ev, "status="), NULL, 10),
                         reason.s, a, b);
            else
                str_addf(&h, "req M=%s U=%s V=%d/%d", method.s, url.s, a, b);
            list_push(out, h);
            for (size_t k = 0; k < hdrs.n; k++) list_push(out, hdrs.v[k]);
            free(hdrs.v);
            hdrs = (list){0};
            str e = {0};
            str_addf(&e, "end conn=%lu upg=%d te=%d chunked=%d cl=", flags & 7, !!(flags & 0x10),
                     !!(flags & 0x200), !!(flags & 0x8));
            if (flags & 0x20)
                str_addf(&e, "%llu", cl);
            else
                str_add(&e, "-");
            list_push(out, e);
            method.n = url.n = reason.n = 0;
            method.s[0] = url.s[0] = reason.s[0] = 0;
        } else if (!strncmp(ev, "chunk header len=", 17)) {
            str c = {0};
            str_addf(&c, "chunk %s", ev + 17);
            list_push(out, c);
            if (!strcmp(ev + 17, "0")) in_trailers = 1;
        } else if (!strcmp(ev, "message complete")) {
            list_pushs(out, "complete");
            in_trailers = 0;
        } else if (!strncmp(ev, "error code=", 11)) {
            int code = atoi(ev + 11);
            list_fail(out, code == 22 || code == 23 ? "upgrade" : "error");
            break;
        }
    }
    str_free(&method);
    str_free(&url);
    str_free(&reason);
    str_free(&name);
    str_free(&value);
    str_free(&extv);
    list_free(&hdrs);
}

/* ------------------------------------------------------------------ */
/* Our side: a connection driver on the parser. */

enum { D_HEAD, D_LENGTH, D_CHUNKED, D_UNTIL_CLOSE, D_CLOSED, D_STOPPED };

typedef struct {
    int resp;
    int phase;
    weft_http_parser p;
    weft_http_chunked ck;
    weft_http_header hs[64];
    weft_http_request rq;
    weft_http_response rs;
    uint64_t left;
    unsigned msg_flags; /* flags of the message being read */
    int msg_status;
    char buf[16384]; /* the read buffer: unconsumed bytes at the front */
    size_t blen;
    list ev;
} driver;

static void drv_init(driver *d, int resp)
{
    memset(d, 0, sizeof(*d));
    d->resp = resp;
    assert_int_equal(weft_http_parser_init(&d->p, NULL), 0);
    d->rq = (weft_http_request)WEFT_HTTP_REQUEST_INIT(d->hs);
    d->rs = (weft_http_response)WEFT_HTTP_RESPONSE_INIT(d->hs, 0);
}

static void consume(driver *d, size_t n)
{
    memmove(d->buf, d->buf + n, d->blen - n);
    d->blen -= n;
}

static void emit_head(driver *d)
{
    weft_http_head *hd = d->resp ? &d->rs.head : &d->rq.head;
    str h = {0};
    if (d->resp)
        str_addf(&h, "res S=%d R=%.*s V=%d/%d", d->rs.status, (int)d->rs.reason.len,
                 d->rs.reason.ptr ? d->rs.reason.ptr : "", hd->version / 10, hd->version % 10);
    else
        str_addf(&h, "req M=%.*s U=%.*s V=%d/%d", (int)d->rq.method.len, d->rq.method.ptr,
                 (int)d->rq.target.len, d->rq.target.ptr, hd->version / 10, hd->version % 10);
    list_push(&d->ev, h);
    for (size_t i = 0; i < hd->num_headers; i++) {
        str x = {0};
        str_add(&x, "hdr ");
        str_addn(&x, hd->headers[i].name.ptr, hd->headers[i].name.len);
        str_add(&x, ": ");
        str_addn(&x, hd->headers[i].value.ptr, hd->headers[i].value.len);
        list_push(&d->ev, x);
    }
    unsigned f = hd->flags;
    str e = {0};
    str_addf(&e, "end conn=%u upg=%d te=%d chunked=%d cl=",
             (f & WEFT_HTTP_F_CONN_KEEP_ALIVE ? 1u : 0u) | (f & WEFT_HTTP_F_CONN_CLOSE ? 2u : 0u) |
                 (f & WEFT_HTTP_F_CONN_UPGRADE ? 4u : 0u),
             hd->upgrade >= 0, !!(f & WEFT_HTTP_F_TRANSFER_ENCODING), !!(f & WEFT_HTTP_F_CHUNKED));
    if (f & WEFT_HTTP_F_CONTENT_LENGTH)
        str_addf(&e, "%llu", (unsigned long long)hd->content_length);
    else
        str_add(&e, "-");
    list_push(&d->ev, e);
}

/* Emits the extensions of a chunk size line as ext / extval events. */
static void emit_ext(driver *d, weft_http_slice x)
{
    const char *s = x.ptr, *e = x.ptr + x.len;
    while (s < e) {
        while (s < e && (*s == ' ' || *s == '\t' || *s == ';')) s++;
        const char *n = s;
        while (s < e && WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, *s)) s++;
        if (s == n) break;
        str a = {0};
        str_add(&a, "ext ");
        str_addn(&a, n, (size_t)(s - n));
        list_push(&d->ev, a);
        while (s < e && (*s == ' ' || *s == '\t')) s++;
        if (s < e && *s == '=') {
            s++;
            while (s < e && (*s == ' ' || *s == '\t')) s++;
            const char *v = s;
            if (s < e && *s == '"') {
                for (s++; s < e && *s != '"'; s++)
                    if (*s == '\\') s++;
                s++;
            } else {
                while (s < e && WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, *s)) s++;
            }
            str b = {0};
            str_add(&b, "extval ");
            str_addn(&b, v, (size_t)(s - v));
            list_push(&d->ev, b);
        }
    }
}

static void message_done(driver *d)
{
    list_pushs(&d->ev, "complete");
    if (d->resp && d->msg_status >= 100 && d->msg_status < 200 && d->msg_status != 101) {
        d->phase = D_HEAD; /* interim response: the final one follows */
    } else if (d->msg_flags & WEFT_HTTP_F_UPGRADE) {
        list_pushs(&d->ev, "upgrade");
        d->phase = D_STOPPED;
    } else if (!(d->msg_flags & WEFT_HTTP_F_KEEP_ALIVE)) {
        d->phase = D_CLOSED;
    } else {
        d->phase = D_HEAD;
    }
}

static void drv_fail(driver *d)
{
    list_fail(&d->ev, "error");
    d->phase = D_STOPPED;
}

/* Processes what is buffered; returns when more input is needed. */
static void drive(driver *d)
{
    for (;;) {
        switch (d->phase) {
        case D_HEAD: {
            int rc;
            if (!d->blen) return;
            if (d->resp)
                rc = weft_http_parse_response(&d->p, d->buf, d->blen, &d->rs);
            else
                rc = weft_http_parse_request(&d->p, d->buf, d->blen, &d->rq);
            if (rc == 0) return;
            if (rc < 0) {
                drv_fail(d);
                return;
            }
            emit_head(d);
            weft_http_head *hd = d->resp ? &d->rs.head : &d->rq.head;
            d->msg_flags = hd->flags;
            d->msg_status = d->resp ? d->rs.status : 0;
            consume(d, (size_t)rc);
            if (!d->resp && d->rq.method_id == WEFT_HTTP_CONNECT) {
                list_pushs(&d->ev, "complete"); /* the rest is tunnel data */
                list_pushs(&d->ev, "upgrade");
                d->phase = D_STOPPED;
                return;
            }
            switch (hd->body) {
            case WEFT_HTTP_BODY_NONE:
                message_done(d);
                break;
            case WEFT_HTTP_BODY_LENGTH:
                d->left = hd->content_length;
                if (d->left)
                    d->phase = D_LENGTH;
                else
                    message_done(d);
                break;
            case WEFT_HTTP_BODY_CHUNKED:
                assert_int_equal(weft_http_chunked_init(&d->ck, NULL), 0);
                d->phase = D_CHUNKED;
                break;
            default:
                d->phase = D_UNTIL_CLOSE;
                break;
            }
            break;
        }
        case D_LENGTH: {
            size_t n = d->blen < d->left ? d->blen : (size_t)d->left;
            if (!n) return;
            list_body(&d->ev, d->buf, n);
            consume(d, n);
            d->left -= n;
            if (!d->left) message_done(d);
            break;
        }
        case D_CHUNKED: {
            weft_http_chunk c;
            int rc = weft_http_chunked_parse(&d->ck, d->buf, d->blen, &c);
            if (rc < 0) {
                drv_fail(d);
                return;
            }
            if (c.kind == WEFT_HTTP_CHUNK_HEADER) {
                str x = {0};
                emit_ext(d, c.ext); /* llhttp reports them before the size */
                str_addf(&x, "chunk %llu", (unsigned long long)c.size);
                list_push(&d->ev, x);
            } else if (c.kind == WEFT_HTTP_CHUNK_DATA) {
                list_body(&d->ev, c.data.ptr, c.data.len);
            } else if (c.kind == WEFT_HTTP_CHUNK_TRAILER) {
                str x = {0};
                str_add(&x, "trailer ");
                str_addn(&x, c.trailer.name.ptr, c.trailer.name.len);
                str_add(&x, ": ");
                str_addn(&x, c.trailer.value.ptr, c.trailer.value.len);
                list_push(&d->ev, x);
            }
            consume(d, (size_t)rc);
            if (c.kind == WEFT_HTTP_CHUNK_END)
                message_done(d);
            else if (c.kind == WEFT_HTTP_CHUNK_NONE)
                return;
            break;
        }
        case D_UNTIL_CLOSE:
            list_body(&d->ev, d->buf, d->blen);
            consume(d, d->blen);
            return;
        case D_CLOSED: /* bytes after a message that closes the connection */
            if (d->blen) {
                list_pushs(&d->ev, "error");
                d->phase = D_STOPPED;
            }
            return;
        default:
            d->blen = 0;
            return;
        }
    }
}

/* Feeds in pieces of `piece` bytes (0: all at once); returns the events. */
static list run_ours(const str *in, int resp, size_t piece)
{
    driver *d = malloc(sizeof(*d));
    assert_non_null(d);
    drv_init(d, resp);
    size_t off = 0;
    do {
        size_t n = piece ? piece : in->n;
        if (n > in->n - off) n = in->n - off;
        assert_true(d->blen + n <= sizeof(d->buf));
        memcpy(d->buf + d->blen, in->s + off, n);
        d->blen += n;
        off += n;
        drive(d);
    } while (off < in->n);
    list ev = d->ev;
    free(d);
    return ev;
}

/* ------------------------------------------------------------------ */
/* Cases. */

struct tally {
    int run, exact, diff_ok, failed, lines[2];
};

static int list_eq(const list *a, const list *b, int noconn)
{
    if (a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++) {
        const char *x = a->v[i].s, *y = b->v[i].s;
        if (noconn && !strncmp(x, "end conn=", 9) && !strncmp(y, "end conn=", 9)) {
            x = strchr(x + 4, ' '); /* past "end conn=N" */
            y = strchr(y + 4, ' ');
        }
        if (strcmp(x, y)) return 0;
    }
    return 1;
}

static void print_list(const char *what, const list *l)
{
    print_message("    %s:\n", what);
    for (size_t i = 0; i < l->n; i++) print_message("      %s\n", l->v[i].s);
}

static const struct diff *find_diff(const char *file, int line)
{
    for (size_t i = 0; i < sizeof(diffs) / sizeof(diffs[0]); i++)
        if (!strcmp(diffs[i].file, file) && diffs[i].line == line) return &diffs[i];
    return NULL;
}

static int diff_used[sizeof(diffs) / sizeof(diffs[0])];

static void run_case(const char *file, int line, const char *title, const str *in, char **log,
                     size_t nlog, int resp, struct tally *t)
{
    list want = {0};
    reduce_llhttp(log, nlog, in, resp, &want);
    static const size_t pieces[] = {0, 1, 2, 3, 7};
    list got[5];
    int consistent = 1;
    for (size_t k = 0; k < 5; k++) {
        got[k] = run_ours(in, resp, pieces[k]);
        if (k && !list_eq(&got[0], &got[k], 0)) {
            consistent = 0;
            print_message("  %s:%d %s: feeding %zu-byte pieces differs from one piece\n", file,
                          line, title, pieces[k]);
            print_list("whole", &got[0]);
            print_list("pieces", &got[k]);
        }
    }
    const struct diff *df = find_diff(file, line);
    int ok;
    if (!df) {
        ok = list_eq(&want, &got[0], 0);
        if (ok) t->exact++;
    } else {
        diff_used[df - diffs] = 1;
        const char *last = got[0].n ? got[0].v[got[0].n - 1].s : "";
        if (!strcmp(df->ours, "error"))
            ok = !strcmp(last, "error");
        else if (!strcmp(df->ours, "ok"))
            ok = strcmp(last, "error") && strcmp(last, "upgrade");
        else
            ok = list_eq(&want, &got[0], 1) && !list_eq(&want, &got[0], 0);
        if (ok) t->diff_ok++;
    }
    t->run++;
    if (!ok || !consistent) {
        t->failed++;
        print_message("  MISMATCH %s:%d %s%s%s\n", file, line, title, df ? " (expected: " : "",
                      df ? df->ours : "");
        print_list("llhttp", &want);
        print_list("ours", &got[0]);
    }
    list_free(&want);
    for (size_t k = 0; k < 5; k++) list_free(&got[k]);
}

/* Walks one .md file, running its strict cases. */
static void run_file(const char *rel, int resp, struct tally *t)
{
    char path[1200];
    size_t len;
    snprintf(path, sizeof(path), "%s/test/%s", root, rel);
    char *text = read_file(path, &len);
    assert_non_null(text);
    /* split into lines (the files use LF; a CR before it is dropped) */
    size_t nl = 0, cap = 256;
    char **lines = malloc(cap * sizeof(char *));
    assert_non_null(lines);
    for (char *s = text; *s;) {
        char *e = strchr(s, '\n');
        if (nl == cap) lines = realloc(lines, (cap *= 2) * sizeof(char *));
        assert_non_null(lines);
        lines[nl++] = s;
        if (!e) break;
        *e = 0;
        if (e > s && e[-1] == '\r') e[-1] = 0;
        s = e + 1;
    }
    char type[64] = "", title[256] = "";
    int hooks = 0, have_meta = 0;
    for (size_t i = 0; i < nl; i++) {
        const char *l = lines[i];
        if (!strncmp(l, "#", 1)) snprintf(title, sizeof(title), "%s", l);
        if (!strncmp(l, "<!-- meta=", 10)) {
            const char *ty = strstr(l, "\"type\"");
            assert_non_null(ty);
            ty = strchr(ty + 6, '"');
            assert_non_null(ty);
            const char *te = strchr(ty + 1, '"');
            snprintf(type, sizeof(type), "%.*s", (int)(te - ty - 1), ty + 1);
            hooks = strstr(l, "\"pause\"") || strstr(l, "\"skipBody\"");
            have_meta = 1;
            continue;
        }
        if (strcmp(l, "```http") || !have_meta) continue;
        int at = (int)i + 1; /* 1-based line of the opening fence */
        size_t b0 = i + 1, b1 = b0;
        while (b1 < nl && strcmp(lines[b1], "```")) b1++;
        size_t g0 = b1 + 1;
        while (g0 < nl && strcmp(lines[g0], "```log")) g0++;
        size_t g1 = ++g0;
        while (g1 < nl && strcmp(lines[g1], "```")) g1++;
        assert_true(g1 < nl);
        str in = decode_block(lines + b0, b1 - b0);
        /* classify as CASES.tsv does and cross-check */
        const char *cls = hooks                                          ? "api"
                          : !strcmp(type, resp ? "response" : "request") ? "strict"
                          : strstr(type, "lenient")                      ? "lenient"
                                                                         : "api";
        struct row *r = NULL;
        for (size_t k = 0; k < nrows; k++)
            if (!strcmp(rows[k].file, rel) && rows[k].line == at) r = &rows[k];
        if (!r) print_message("case %s:%d not in CASES.tsv\n", rel, at);
        assert_non_null(r);
        r->used = 1;
        assert_int_equal(strncmp(r->cls, cls, strlen(cls)), 0);
        if (!strcmp(cls, "strict")) {
            run_case(rel, at, title, &in, lines + g0, g1 - g0, resp, t);
            t->lines[resp]++;
        } else {
            /* still check the decoding against the log's spans */
            list ignore = {0};
            reduce_llhttp(lines + g0, g1 - g0, &in, resp, &ignore);
            list_free(&ignore);
        }
        str_free(&in);
        have_meta = 0;
        i = g1;
    }
    free(lines);
    free(text);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *sub, int resp, struct tally *t)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/test/%s", root, sub);
    DIR *dir = opendir(path);
    assert_non_null(dir);
    char *names[64];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        size_t l = strlen(de->d_name);
        if (l > 3 && !strcmp(de->d_name + l - 3, ".md") && n < 64) {
            names[n] = malloc(strlen(sub) + l + 2);
            assert_non_null(names[n]);
            sprintf(names[n], "%s/%s", sub, de->d_name);
            n++;
        }
    }
    closedir(dir);
    qsort(names, n, sizeof(names[0]), cmp_names);
    for (size_t i = 0; i < n; i++) {
        run_file(names[i], resp, t);
        free(names[i]);
    }
}

static void test_llhttp_vectors(void **state)
{
    (void)state;
    struct tally t = {0};
    load_tsv();
    run_dir("request", 0, &t);
    run_dir("response", 1, &t);
    for (size_t k = 0; k < nrows; k++) {
        if (!rows[k].used)
            print_message("CASES.tsv row %s:%d has no case\n", rows[k].file, rows[k].line);
        assert_true(rows[k].used);
    }
    size_t ndiff = sizeof(diffs) / sizeof(diffs[0]);
    for (size_t k = 0; k < ndiff; k++) {
        if (!diff_used[k])
            print_message("expected difference %s:%d matches no strict case\n", diffs[k].file,
                          diffs[k].line);
        assert_true(diff_used[k]);
    }
    print_message("llhttp vectors: %d strict cases (%d request, %d response), each fed whole and "
                  "in 1/2/3/7-byte pieces: %d identical to llhttp, %d expected differences "
                  "confirmed, %d failed; %d span lines checked against the decoded input\n",
                  t.run, t.lines[0], t.lines[1], t.exact, t.diff_ok, t.failed, spans_checked);
    assert_int_equal(t.lines[0], 120);
    assert_int_equal(t.lines[1], 64);
    assert_int_equal(span_mismatches, 0);
    assert_int_equal(spans_checked, 2004);
    assert_int_equal(t.failed, 0);
}

int main(void)
{
    snprintf(root, sizeof(root), "%s/../shared/conformance/llhttp", WEFT_SOURCE_DIR);
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("skipped: %s not found\n", root);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llhttp_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
