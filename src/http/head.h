/* Layer 6 (http, pure): the head state machine (request line or status
 * line, then header fields), written once and compiled once per scanner
 * build: parser.c defines HEAD_FN(name), HEAD_ATTR and SCAN_FIELD /
 * SCAN_VCHAR / SCAN_TCHAR, then includes this file (hence no include
 * guard; nothing else may include it).
 *
 * Shape: a straight run of labels, one per resumable state. A head that is
 * all in the buffer goes from top to bottom without saving anything (the
 * fast path). When the bytes run out, the state and the offset go into
 * the weft_http_parser and the next call jumps back to that label (the slow
 * path is only the `more` exits and the switch at the top). What has been
 * parsed so far stays in *hd (slices into buf): valid because a moved
 * buffer restarts the parse. Framing headers are interpreted as each line
 * ends (on_field), so a conflict is reported when its line arrives. */

HEAD_ATTR WEFT_HTTP_INLINE int HEAD_FN(parse_head)(weft_http_parser *const ps,
                                                   const char *const buf, const size_t len,
                                                   weft_http_head *const hd,
                                                   weft_http_request *const rq,
                                                   weft_http_response *const rs, const int resp)
{
    const char *const end = buf + len;
    const uint32_t max_head =
        ps->limits.max_head ? ps->limits.max_head : WEFT_HTTP_DEFAULT_MAX_HEAD;
    const uint32_t max_line =
        ps->limits.max_line ? ps->limits.max_line : WEFT_HTTP_DEFAULT_MAX_LINE;
    /* Nothing at or past hlim belongs to this head. */
    const char *const hlim = len > max_head ? buf + max_head : end;
    const char *p, *line, *llim;
    weft_http_header *h;
    size_t nh;
    unsigned state;
    int rc;

    /* Resume only where the last call stopped on these same bytes, for the
     * same kind of head and the same output; anything else starts over. */
    if (WEFT_HTTP_LIKELY(ps->_state == ST_IDLE) || ps->_base != (uintptr_t)buf || len < ps->_pos ||
        (ps->_state & ST_RESPONSE) != (resp ? ST_RESPONSE : 0) || hd->num_headers != ps->_count ||
        hd->num_headers > hd->max_headers) {
        begin_head(ps, hd, rq, rs);
        p = line = buf;
        nh = 0;
        goto st_start;
    }
    p = buf + ps->_pos;
    line = buf + ps->_mark;
    nh = hd->num_headers;
    h = &hd->headers[nh];
    switch (ps->_state & ~ST_RESPONSE) {
    case ST_START:
        goto st_start;
    case ST_METHOD:
        goto st_method;
    case ST_TARGET:
        goto st_target;
    case ST_VERSION:
        goto st_version;
    case ST_RVERSION:
        goto st_rversion;
    case ST_STATUS:
        goto st_status;
    case ST_REASON:
        goto st_reason;
    case ST_FIELD:
        goto st_field;
    case ST_NAME:
        goto st_name;
    case ST_OWS:
        goto st_ows;
    case ST_VALUE:
        goto st_value;
    default:
        return -EINVAL;
    }

    /* ---------------------------------------------------- start line */
st_start:
    /* RFC 9112 2.2: empty lines before the start line are ignored. */
    while (p < hlim && *p == '\r') {
        if (p + 1 >= hlim) {
            state = ST_START;
            goto more;
        }
        if (p[1] != '\n') return WEFT_HTTP_EBARE_CR;
        p += 2;
    }
    if (p >= hlim) {
        state = ST_START;
        goto more;
    }
    line = p;
    if (resp) goto st_rversion;
    rq->method.ptr = p;

st_method:
    llim = (size_t)(hlim - line) > max_line ? line + max_line + 1 : hlim;
    p = SCAN_TCHAR(p, llim, buf);
    if (WEFT_HTTP_UNLIKELY(p >= llim)) {
        state = ST_METHOD;
        goto more_line;
    }
    if (WEFT_HTTP_UNLIKELY(*p != ' ' || p == rq->method.ptr))
        return *p == '\n' ? WEFT_HTTP_EBARE_LF : WEFT_HTTP_EMETHOD;
    rq->method.len = (size_t)(p - rq->method.ptr);
    rq->method_id = method_id(rq->method.ptr, rq->method.len);
    rq->target.ptr = ++p;

st_target:
    llim = (size_t)(hlim - line) > max_line ? line + max_line + 1 : hlim;
    p = SCAN_VCHAR(p, llim, buf);
    if (WEFT_HTTP_UNLIKELY(p >= llim)) {
        state = ST_TARGET;
        goto more_line;
    }
    if (WEFT_HTTP_UNLIKELY(*p != ' ' || p == rq->target.ptr)) {
        if (p == rq->target.ptr) return WEFT_HTTP_ETARGET;
        return *p == '\r'   ? WEFT_HTTP_EVERSION
               : *p == '\n' ? WEFT_HTTP_EBARE_LF
                            : WEFT_HTTP_ETARGET;
    }
    rq->target.len = (size_t)(p - rq->target.ptr);
    /* " HTTP/1.1" must still fit in the line */
    if (WEFT_HTTP_UNLIKELY((size_t)(p - line) + 9 > max_line)) return WEFT_HTTP_ELINE_TOO_LONG;
    p++;

st_version:
    if (WEFT_HTTP_LIKELY(hlim - p >= 10)) {
        uint64_t v;
        memcpy(&v, p, 8);
        if (WEFT_HTTP_LIKELY((v == HTTP11 || v == HTTP10) && p[8] == '\r' && p[9] == '\n')) {
            hd->version = v == HTTP11 ? 11 : 10;
            p += 10;
            goto st_field;
        }
    }
    rc = parse_version(p, (size_t)(hlim - p), &hd->version, 0);
    if (rc <= 0) {
        if (rc < 0) return rc;
        state = ST_VERSION;
        goto more;
    }
    p += rc;
    goto st_field;

st_rversion:
    rc = parse_version(p, (size_t)(hlim - p), &hd->version, 1);
    if (rc <= 0) {
        if (rc < 0) return rc;
        state = ST_RVERSION;
        goto more;
    }
    p += rc;

st_status:
    /* 3DIGIT, then SP and a reason, or CR (no reason: tolerated) */
    for (int i = 0; i < 3 && p + i < hlim; i++)
        if (!WEFT_HTTP_IS(WEFT_HTTP_C_DIGIT, p[i])) return WEFT_HTTP_ESTATUS;
    if (hlim - p < 4) {
        state = ST_STATUS;
        goto more;
    }
    if (p[0] == '0' || (p[3] != ' ' && p[3] != '\r')) return WEFT_HTTP_ESTATUS;
    rs->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    p += p[3] == ' ' ? 4 : 3;
    rs->reason.ptr = p;

st_reason:
    llim = (size_t)(hlim - line) > max_line ? line + max_line + 1 : hlim;
    p = SCAN_FIELD(p, llim, buf);
    if (WEFT_HTTP_UNLIKELY(p >= llim)) {
        state = ST_REASON;
        goto more_line;
    }
    if (*p != '\r') return *p == '\n' ? WEFT_HTTP_EBARE_LF : WEFT_HTTP_ESTATUS;
    if (p + 1 >= hlim) {
        state = ST_REASON;
        goto more;
    }
    if (p[1] != '\n') return WEFT_HTTP_EBARE_CR;
    rs->reason.len = (size_t)(p - rs->reason.ptr);
    p += 2;

    /* ---------------------------------------------------- header fields */
    /* The loop keeps the header count in a local (stores through h could
     * alias hd->num_headers); every exit below writes it back. */
st_field:
    for (;;) {
        if (WEFT_HTTP_UNLIKELY(p >= hlim)) {
            state = ST_FIELD;
            goto more;
        }
        if (*p == '\r') {
            if (p + 1 >= hlim) {
                state = ST_FIELD;
                goto more;
            }
            if (p[1] != '\n') return WEFT_HTTP_EBARE_CR;
            p += 2;
            goto done;
        }
        if (WEFT_HTTP_UNLIKELY(nh >= hd->max_headers)) return WEFT_HTTP_ETOO_MANY_HEADERS;
        h = &hd->headers[nh];
        h->name.ptr = p;

    st_name:
        p = SCAN_TCHAR(p, hlim, buf);
        if (WEFT_HTTP_UNLIKELY(p >= hlim)) {
            state = ST_NAME;
            goto more;
        }
        if (WEFT_HTTP_UNLIKELY(*p != ':' || p == h->name.ptr)) return bad_name(h->name.ptr, p);
        h->name.len = (size_t)(p - h->name.ptr);
        p++;

    st_ows:
        if (WEFT_HTTP_LIKELY(p + 1 < hlim) && *p == ' ' && !OWS(p[1])) {
            p++; /* the usual single space */
        } else {
            while (p < hlim && OWS(*p)) p++;
            if (WEFT_HTTP_UNLIKELY(p >= hlim)) {
                state = ST_OWS;
                goto more;
            }
        }
        h->value.ptr = p;

    st_value:
        p = SCAN_FIELD(p, hlim, buf);
        if (WEFT_HTTP_UNLIKELY(p >= hlim)) {
            state = ST_VALUE;
            goto more;
        }
        if (WEFT_HTTP_UNLIKELY(*p != '\r'))
            return *p == '\n' ? WEFT_HTTP_EBARE_LF : WEFT_HTTP_EHEADER_VALUE;
        if (WEFT_HTTP_UNLIKELY(p + 1 >= hlim)) {
            state = ST_VALUE; /* resume at the CR */
            goto more;
        }
        if (WEFT_HTTP_UNLIKELY(p[1] != '\n')) return WEFT_HTTP_EBARE_CR;
        {
            const char *v = h->value.ptr, *q = p;
            if (WEFT_HTTP_UNLIKELY(q > v && OWS(q[-1]))) /* trailing whitespace */
                while (q > v && OWS(q[-1])) q--;
            h->value.len = (size_t)(q - v);
        }
        p += 2;
        nh++;
        if (WEFT_HTTP_UNLIKELY(maybe_framing(h->name.ptr, h->name.len))) {
            hd->num_headers = nh;
            rc = on_field(ps, hd, h, resp);
            if (rc < 0) return rc;
        }
    }

    /* ---------------------------------------------------- exits */
done:
    hd->num_headers = nh;
    rc = resp ? finish_response(ps, rs) : finish_request(ps, rq);
    return rc < 0 ? rc : (int)(p - buf);

more_line:
    /* A start-line scan stopped at llim: the data ran out, or a limit. */
    if (llim < end) {
        if ((size_t)(llim - line) > max_line) return WEFT_HTTP_ELINE_TOO_LONG;
        return WEFT_HTTP_EHEAD_TOO_LARGE;
    }
    goto save;
more:
    if (hlim < end) return WEFT_HTTP_EHEAD_TOO_LARGE;
    hd->num_headers = nh;
save:
    ps->_state = (uint16_t)(state | (resp ? ST_RESPONSE : 0));
    ps->_pos = (uint32_t)(p - buf);
    ps->_mark = (uint32_t)(line - buf);
    ps->_count = (uint32_t)nh;
    ps->_base = (uintptr_t)buf;
    return 0;
}

HEAD_ATTR static int HEAD_FN(parse_request)(weft_http_parser *ps, const char *buf, size_t len,
                                            weft_http_request *rq)
{
    if (WEFT_HTTP_UNLIKELY(len == 0)) return 0; /* (buf may then be NULL) */
    int rc = HEAD_FN(parse_head)(ps, buf, len, &rq->head, rq, NULL, 0);
    if (rc != 0) ps->_state = ST_IDLE;
    return rc;
}

HEAD_ATTR static int HEAD_FN(parse_response)(weft_http_parser *ps, const char *buf, size_t len,
                                             weft_http_response *rs)
{
    if (WEFT_HTTP_UNLIKELY(len == 0)) return 0;
    int rc = HEAD_FN(parse_head)(ps, buf, len, &rs->head, NULL, rs, 1);
    if (rc != 0) ps->_state = ST_IDLE;
    return rc;
}
