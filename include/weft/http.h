/* HTTP/1.1: the message parser (the server and client are built on it).
 *
 * The parser is pure: it does no I/O, never allocates and keeps its state
 * in the caller's structs (the only global is the instruction set, picked
 * once per process), so it runs anywhere (any thread, no loop needed) and
 * each function here can be linked and fuzzed alone. Everything it hands back is
 * a slice of the caller's buffer (zero-copy): a weft_http_slice points into
 * the bytes passed in and is valid exactly as long as those bytes are.
 *
 * It is strict (RFC 9110/9112) and says no to anything that could frame a
 * message two ways: bare CR or LF, obs-fold, whitespace before a colon,
 * non-token bytes in names and methods, duplicate or conflicting
 * Content-Length, Transfer-Encoding with Content-Length, `chunked` that is
 * not the final coding of a request, chunk lines not ended by CRLF. Each
 * failure has its own code (WEFT_HTTP_ERRNO_MAP below) and
 * weft_http_error_status() names the status a server answers with before
 * closing the connection (400, 414, 431, 501, 505). A malformed message
 * never yields a second message: after an error the connection is done.
 *
 * The contract is picohttpparser's: a parse call returns the number of bytes
 * it consumed (> 0, the message head is complete), 0 (incomplete: read more
 * and call again) or a negative code (malformed). A head that arrives in
 * pieces is not rescanned: the weft_http_parser remembers how far it got,
 * and each call goes on from there. (If the caller moves its buffer to
 * grow it, the next call notices and starts over: correct, one rescan.)
 *
 * The head parse also works out, in the same pass, everything the server
 * needs to frame the message: body kind and length, keep-alive (from the
 * version and Connection), Expect: 100-continue, Upgrade, Host. Nothing
 * needs a second look at the headers. */
#ifndef WEFT_HTTP_H
#define WEFT_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */

/* Parse failures, each with the HTTP status a server should answer with.
 * X(NAME, value, status, "message"). The values lie below -4096, outside
 * the errno range and apart from WEFT_EOF/WEFT_ELIMIT/WEFT_EPROTO. */
#define WEFT_HTTP_ERRNO_MAP(X)                                                                     \
    X(EMETHOD, -4200, 400, "invalid request method (not a token)")                                 \
    X(ETARGET, -4201, 400, "invalid byte in the request target")                                   \
    X(EVERSION, -4202, 400, "malformed HTTP version")                                              \
    X(EVERSION_UNSUPPORTED, -4203, 505, "HTTP major version other than 1")                         \
    X(ELINE_TOO_LONG, -4204, 414, "request line (or status line) too long")                        \
    X(ESTATUS, -4205, 502, "malformed status code in a response")                                  \
    X(EHEADER_NAME, -4206, 400, "invalid header name (empty, bad byte, or space before colon)")    \
    X(EHEADER_VALUE, -4207, 400, "invalid byte (control character) in a header value")             \
    X(EOBS_FOLD, -4208, 400, "line starting with whitespace (obs-fold) in the header section")     \
    X(EBARE_CR, -4209, 400, "CR not followed by LF")                                               \
    X(EBARE_LF, -4210, 400, "LF not preceded by CR")                                               \
    X(EHEAD_TOO_LARGE, -4211, 431, "header section too large")                                     \
    X(ETOO_MANY_HEADERS, -4212, 431, "too many header fields")                                     \
    X(ECONTENT_LENGTH, -4213, 400, "invalid Content-Length value")                                 \
    X(EDUP_CONTENT_LENGTH, -4214, 400, "more than one Content-Length")                             \
    X(ETE_WITH_CL, -4215, 400, "Transfer-Encoding together with Content-Length")                   \
    X(ETRANSFER_ENCODING, -4216, 400,                                                              \
      "chunked missing, not last or repeated in Transfer-Encoding")                                \
    X(ETE_UNKNOWN, -4217, 501, "unknown transfer coding")                                          \
    X(EDUP_HOST, -4218, 400, "more than one Host")                                                 \
    X(ECHUNK_SIZE, -4219, 400, "invalid chunk size")                                               \
    X(ECHUNK_EXT, -4220, 400, "invalid chunk extension")                                           \
    X(ECHUNK_LINE_TOO_LONG, -4221, 400, "chunk size line too long")                                \
    X(ECHUNK_DATA, -4222, 400, "chunk data not followed by CRLF")                                  \
    X(ETRAILER_TOO_LARGE, -4223, 431, "trailer section too large")                                 \
    X(EPERCENT, -4224, 400, "malformed percent-escape")                                            \
    X(ETARGET_FORM, -4225, 400, "request target of no known form")

#define X(name, value, status, msg) WEFT_HTTP_##name = (value),
enum { WEFT_HTTP_ERRNO_MAP(X) };
#undef X

/* The status code a server should answer a parse failure rc with (400,
 * 414, 431, 501, 505; 502 for a malformed response), after which it closes
 * the connection. 0 for rc >= 0, 500 for a code not from this parser.
 * Thread-safe. */
WEFT_API int weft_http_error_status(int rc);
/* A static message for rc: one of the messages above, else the one
 * weft_strerror(rc) gives. Never NULL. Thread-safe. */
WEFT_API const char *weft_http_strerror(int rc);
/* The code's name without the minus ("ETE_WITH_CL", and for other codes
 * what weft_errname(rc) gives: "EAGAIN"...). Never NULL. Thread-safe. */
WEFT_API const char *weft_http_errname(int rc);

/* ---------------------------------------------------------------- slices */

/* A run of bytes inside the caller's buffer (not NUL-terminated). */
typedef struct weft_http_slice {
    const char *ptr;
    size_t len;
} weft_http_slice;

/* One header (or trailer) field: name as received (compare it
 * case-insensitively), value without the whitespace around it. */
typedef struct weft_http_header {
    weft_http_slice name;
    weft_http_slice value;
} weft_http_header;

/* ---------------------------------------------------------------- limits */

/* Size limits, each reported with its own code so the server can answer
 * 414 or 431. A field left 0 takes the default shown. */
typedef struct weft_http_limits {
    /* request line (or status line) without its CRLF: 8192 -> ELINE_TOO_LONG */
    uint32_t max_line;
    /* the whole head, leading empty lines and final CRLF included: 65536 ->
     * EHEAD_TOO_LARGE (the header count limit is the header array's size) */
    uint32_t max_head;
    /* a chunk size line with its extensions: 4096 -> ECHUNK_LINE_TOO_LONG */
    uint32_t max_chunk_line;
    /* the trailer section: 16384 -> ETRAILER_TOO_LARGE */
    uint32_t max_trailer;
} weft_http_limits;
#define WEFT_HTTP_DEFAULT_MAX_LINE 8192
#define WEFT_HTTP_DEFAULT_MAX_HEAD 65536
#define WEFT_HTTP_DEFAULT_MAX_CHUNK_LINE 4096
#define WEFT_HTTP_DEFAULT_MAX_TRAILER 16384
/* The largest value any limit may take (1 GiB). */
#define WEFT_HTTP_LIMIT_MAX (1u << 30)

/* ---------------------------------------------------------------- heads */

/* Well-known methods (weft_http_request.method_id); any other token method
 * is accepted as WEFT_HTTP_OTHER and the application decides (501/405). */
enum {
    WEFT_HTTP_OTHER = 0,
    WEFT_HTTP_GET,
    WEFT_HTTP_HEAD,
    WEFT_HTTP_POST,
    WEFT_HTTP_PUT,
    WEFT_HTTP_DELETE,
    WEFT_HTTP_CONNECT,
    WEFT_HTTP_OPTIONS,
    WEFT_HTTP_TRACE,
    WEFT_HTTP_PATCH
};

/* How the body that follows a head is framed (the .body field). */
enum {
    WEFT_HTTP_BODY_NONE = 0,   /* no body: the next message (or nothing) follows */
    WEFT_HTTP_BODY_LENGTH,     /* exactly content_length bytes */
    WEFT_HTTP_BODY_CHUNKED,    /* chunked: feed it to weft_http_chunked_parse */
    WEFT_HTTP_BODY_UNTIL_CLOSE /* responses only: everything until the connection closes */
};

/* Head flags (the .flags field). */
/* The connection may carry another message after this one: HTTP/1.1 unless
 * Connection: close, HTTP/1.0 only with Connection: keep-alive, never after
 * an HTTP/1.0 message with Transfer-Encoding or a response read until close. */
#define WEFT_HTTP_F_KEEP_ALIVE 0x0001u
#define WEFT_HTTP_F_CONN_CLOSE 0x0002u      /* Connection: close seen */
#define WEFT_HTTP_F_CONN_KEEP_ALIVE 0x0004u /* Connection: keep-alive seen */
#define WEFT_HTTP_F_CONN_UPGRADE 0x0008u    /* Connection: upgrade seen */
/* The protocol switches after this message. Request: HTTP/1.1 with an
 * Upgrade header and Connection: upgrade (the server may accept or ignore
 * it). Response: 101, or a 2xx to CONNECT. */
#define WEFT_HTTP_F_UPGRADE 0x0010u
#define WEFT_HTTP_F_CONTENT_LENGTH 0x0020u    /* a Content-Length header was present */
#define WEFT_HTTP_F_TRANSFER_ENCODING 0x0040u /* a Transfer-Encoding header was present */
#define WEFT_HTTP_F_CHUNKED 0x0080u           /* ... and its final coding is chunked */
/* ... and it names codings besides chunked (gzip, deflate...) that the
 * body still carries once dechunked (the server decodes them or answers
 * 501). */
#define WEFT_HTTP_F_TE_CODED 0x0100u
#define WEFT_HTTP_F_EXPECT_CONTINUE 0x0200u /* HTTP/1.1 request with Expect: 100-continue */
#define WEFT_HTTP_F_EXPECT_OTHER 0x0400u    /* another Expect value (the server answers 417) */

/* The parts common to request and response heads, all written by the
 * parser except headers/max_headers, which the caller sets. */
#define WEFT_HTTP_HEAD_FIELDS                                                                      \
    weft_http_header *headers; /* in: the caller's array of max_headers entries */                 \
    size_t max_headers;        /* in: its size, which is also the header count limit */            \
    size_t num_headers;        /* out: headers[0..num_headers) were filled */                      \
    int version;               /* out: 10 for HTTP/1.0, 11 for HTTP/1.1 (1.2..1.9: 12..19) */      \
    int body;                  /* out: WEFT_HTTP_BODY_* */                                         \
    uint64_t content_length;   /* out: body length when body == WEFT_HTTP_BODY_LENGTH */           \
    unsigned flags;            /* out: WEFT_HTTP_F_* */                                            \
    int host;                  /* out: index of the Host header in headers, or -1 */               \
    int upgrade;               /* out: index of the (first) Upgrade header, or -1 */

/* The common part on its own (what a function handling either uses). */
typedef struct weft_http_head {
    WEFT_HTTP_HEAD_FIELDS
} weft_http_head;

/* A request head. Before the first parse call set headers and max_headers
 * (e.g. WEFT_HTTP_REQUEST_INIT(arr)); the parser fills the rest, and only
 * reads those two. Missing Host in an HTTP/1.1 request is reported (host <
 * 0), not rejected: the server answers 400 (RFC 9112 3.2). */
typedef struct weft_http_request {
    union {
        weft_http_head head; /* the same fields, for code handling requests and responses */
        struct {
            WEFT_HTTP_HEAD_FIELDS
        };
    };
    weft_http_slice method; /* out: the method token (case-sensitive) */
    weft_http_slice target; /* out: the request target as sent (weft_http_target_split) */
    int method_id;          /* out: WEFT_HTTP_GET... or WEFT_HTTP_OTHER */
} weft_http_request;

/* A response head (for the client). Set headers, max_headers and
 * request_method (the method of the request it answers: HEAD and CONNECT
 * change the framing) before the first parse call. Interim (1xx) responses
 * other than 101 are complete messages with no body: parse the next one. */
typedef struct weft_http_response {
    union {
        weft_http_head head;
        struct {
            WEFT_HTTP_HEAD_FIELDS
        };
    };
    int request_method;     /* in: WEFT_HTTP_* of the request (0: no special rule) */
    int status;             /* out: 100..999 */
    weft_http_slice reason; /* out: the reason phrase (may be empty) */
} weft_http_response;

#define WEFT_HTTP_REQUEST_INIT(arr)                                                                \
    {                                                                                              \
        .headers = (arr), .max_headers = sizeof(arr) / sizeof((arr)[0])                            \
    }
#define WEFT_HTTP_RESPONSE_INIT(arr, method)                                                       \
    {                                                                                              \
        .headers = (arr), .max_headers = sizeof(arr) / sizeof((arr)[0]),                           \
        .request_method = (method)                                                                 \
    }

/* Head parser state: the limits and how far the current head has been
 * parsed. Caller-owned (embed it in the connection), no destructor. A
 * zeroed struct (WEFT_HTTP_PARSER_INIT) is a valid parser with the
 * default limits. The underscore fields are private. */
typedef struct weft_http_parser {
    weft_http_limits limits;
    uintptr_t _base; /* address of the buffer the progress refers to */
    uint32_t _pos;   /* offset to resume at */
    uint32_t _mark;  /* offset of the start of the current line */
    uint32_t _count; /* headers parsed so far (a req reset between calls restarts) */
    uint16_t _state; /* where to resume (0: between messages) */
    uint16_t _te;    /* Transfer-Encoding progress */
} weft_http_parser;
#define WEFT_HTTP_PARSER_INIT                                                                      \
    {                                                                                              \
        {0, 0, 0, 0}, 0, 0, 0, 0, 0, 0                                                             \
    }

/* Sets up p with the given limits (NULL: the defaults; 0 fields: their
 * default). Returns 0, or -EINVAL when a limit exceeds WEFT_HTTP_LIMIT_MAX
 * or max_line exceeds max_head. Never fails otherwise; thread-safe on
 * distinct parsers. */
WEFT_API int weft_http_parser_init(weft_http_parser *p, const weft_http_limits *limits);
/* Forgets any partly parsed head (keeps the limits). */
WEFT_API void weft_http_parser_reset(weft_http_parser *p);

/* Parses the request head at the start of buf[0..len).
 *
 * Returns the head's length in bytes (> 0: the head is complete and *req
 * is filled; the body, if any, starts at buf + rc), 0 when the head is
 * incomplete, or a negative WEFT_HTTP_E* code when it is malformed or over
 * a limit (answer weft_http_error_status(rc), then close). Empty lines
 * (CRLF) before the request line are skipped and counted in rc.
 *
 * Incremental: after 0, read more bytes and call again with the same p and
 * req and the whole buffer: the same bytes at the start, len no smaller
 * than before. The parser resumes where it stopped, so a head arriving in
 * pieces costs one pass (a moved buffer, a shorter len or a req changed in
 * between make it start over instead); errors are reported as soon as the
 * offending byte arrives. After a return other than 0, p is ready for the
 * next message (pipelining: call again at buf + rc).
 *
 * Pointers in *req point into buf. Does not allocate or wait; thread-safe
 * on distinct parsers. */
WEFT_API WEFT_NODISCARD int weft_http_parse_request(weft_http_parser *p, const char *buf,
                                                    size_t len, weft_http_request *req);

/* Parses a response head: the same contract as weft_http_parse_request,
 * with resp->request_method read on the first call. */
WEFT_API WEFT_NODISCARD int weft_http_parse_response(weft_http_parser *p, const char *buf,
                                                     size_t len, weft_http_response *resp);

/* Looks up the first header named name (a C string, compared ignoring
 * ASCII case) among the n headers; returns its index, or -1. A linear
 * scan: for the framing headers use the fields the parser already filled.
 * Thread-safe. */
WEFT_API int weft_http_header_find(const weft_http_header *headers, size_t n, const char *name);

/* ---------------------------------------------------------------- chunked */

/* Incremental chunked-body decoder (RFC 9112 7.1). Each call consumes what
 * it can from the bytes given and reports at most one event:
 *   WEFT_HTTP_CHUNK_NONE     nothing complete yet: read more, call again with
 *                            the unconsumed bytes (and the new ones after them)
 *   WEFT_HTTP_CHUNK_HEADER   a chunk size line: size, ext (raw extensions,
 *                            from the first ';', validated; may be empty)
 *   WEFT_HTTP_CHUNK_DATA     data: a slice of buf (a chunk arrives in one or
 *                            more DATA events)
 *   WEFT_HTTP_CHUNK_TRAILER  one trailer field (after the last chunk)
 *   WEFT_HTTP_CHUNK_END      the body is complete (the last chunk and the
 *                            trailer section were read)
 * CRLF is required after every size line, chunk and trailer line. Lines are
 * consumed whole, so slices stay valid in buf; a partial line's bytes stay
 * unconsumed but are not rescanned. */
enum {
    WEFT_HTTP_CHUNK_NONE = 0,
    WEFT_HTTP_CHUNK_HEADER,
    WEFT_HTTP_CHUNK_DATA,
    WEFT_HTTP_CHUNK_TRAILER,
    WEFT_HTTP_CHUNK_END
};

/* One decoder event. Slices point into the buf of the call that made it. */
typedef struct weft_http_chunk {
    int kind;                 /* WEFT_HTTP_CHUNK_* */
    uint64_t size;            /* HEADER: the chunk's size (0: the last chunk) */
    weft_http_slice ext;      /* HEADER: extensions, e.g. ";a=1;b" (len 0 if none) */
    weft_http_slice data;     /* DATA: the bytes */
    weft_http_header trailer; /* TRAILER: the field */
} weft_http_chunk;

/* Decoder state: caller-owned, zeroed (WEFT_HTTP_CHUNKED_INIT) means a
 * fresh decoder with the default limits. Private fields start with _. */
typedef struct weft_http_chunked {
    uint32_t max_chunk_line; /* 0: WEFT_HTTP_DEFAULT_MAX_CHUNK_LINE */
    uint32_t max_trailer;    /* 0: WEFT_HTTP_DEFAULT_MAX_TRAILER */
    uint64_t _left;          /* data bytes left in the chunk; the size so far in a size line */
    uint32_t _scan;          /* bytes of the current (unconsumed) line already checked */
    uint32_t _ext;           /* offset of the extensions in the current size line */
    uint32_t _trailer;       /* trailer bytes consumed so far */
    uint8_t _state, _sub;    /* where we are: part of the body, position inside a line */
} weft_http_chunked;
#define WEFT_HTTP_CHUNKED_INIT                                                                     \
    {                                                                                              \
        0, 0, 0, 0, 0, 0, 0, 0                                                                     \
    }

/* Sets up d: limits from lim (max_chunk_line, max_trailer; NULL or 0:
 * defaults). Returns 0 or -EINVAL (a limit over WEFT_HTTP_LIMIT_MAX). */
WEFT_API int weft_http_chunked_init(weft_http_chunked *d, const weft_http_limits *lim);

/* Decodes from buf[0..len): fills *ev and returns the number of bytes
 * consumed (>= 0; at most INT_MAX), or a negative WEFT_HTTP_E* code
 * (ECHUNK_SIZE, ECHUNK_EXT, ECHUNK_LINE_TOO_LONG, ECHUNK_DATA, EBARE_CR,
 * EBARE_LF, EHEADER_NAME, EHEADER_VALUE, EOBS_FOLD, ETRAILER_TOO_LARGE).
 * The next call must start at buf + rc. After END the decoder is done
 * (bytes after it belong to the next message; it consumes no more); call
 * weft_http_chunked_init for another body. Does not allocate; thread-safe
 * on distinct decoders. */
WEFT_API WEFT_NODISCARD int weft_http_chunked_parse(weft_http_chunked *d, const char *buf,
                                                    size_t len, weft_http_chunk *ev);

/* ---------------------------------------------------------------- targets */

/* The four forms of a request target (RFC 9112 3.2). */
enum {
    WEFT_HTTP_TARGET_ORIGIN = 1, /* "/path?query"          (most requests) */
    WEFT_HTTP_TARGET_ABSOLUTE,   /* "http://host:port/path?query" (to proxies) */
    WEFT_HTTP_TARGET_AUTHORITY,  /* "host:port"            (CONNECT) */
    WEFT_HTTP_TARGET_ASTERISK    /* "*"                    (OPTIONS) */
};

/* A split request target: slices of the target given (empty when absent).
 * The path is still percent-encoded; "?" and "#" are not part of query and
 * fragment. */
typedef struct weft_http_target {
    int form;               /* WEFT_HTTP_TARGET_* */
    weft_http_slice scheme; /* absolute-form: "http", "https"... */
    weft_http_slice host;   /* absolute- and authority-form ("[::1]" keeps its brackets) */
    weft_http_slice port;   /* the digits after ':', if any */
    weft_http_slice path;   /* origin- and absolute-form ("" for "http://h?q") */
    weft_http_slice query;
    weft_http_slice fragment; /* not allowed by RFC 9112 but sent by some clients */
} weft_http_target;

/* Splits target[0..len) into its parts. Returns 0, or WEFT_HTTP_ETARGET_FORM
 * (no known form, userinfo in the authority, a bad port), WEFT_HTTP_ETARGET
 * (a byte outside 0x21..0x7E) or WEFT_HTTP_EPERCENT (a '%' not followed by two
 * hex digits). Does not allocate; thread-safe. */
WEFT_API WEFT_NODISCARD int weft_http_target_split(const char *target, size_t len,
                                                   weft_http_target *out);

/* Percent-decoding flags. */
#define WEFT_HTTP_PCT_PLUS 0x1u     /* '+' decodes to a space (query strings, forms) */
#define WEFT_HTTP_PCT_NO_NUL 0x2u   /* reject %00 (for strings that become C strings) */
#define WEFT_HTTP_PCT_NO_SLASH 0x4u /* reject %2F (a path segment must not gain a '/') */

/* Decodes src[0..len) into dst (which may be src itself: in place).
 * dst_cap must be at least len (the result is never longer). Returns the
 * decoded length, WEFT_HTTP_EPERCENT for a malformed escape or one a flag
 * rejects, or -EINVAL if dst_cap < len or len > INT_MAX. Does not
 * NUL-terminate; on an error dst holds a partial result. Thread-safe. */
WEFT_API WEFT_NODISCARD int weft_http_pct_decode(char *dst, size_t dst_cap, const char *src,
                                                 size_t len, unsigned flags);

/* Iterates over the key=value pairs of a query string ("a=1&b=&c"): each
 * call stores the next pair's raw (still encoded) key and value and returns
 * 1, or returns 0 at the end. *pos starts at 0. A pair without '=' has an
 * empty value; empty pairs ("a=1&&b") are skipped. Thread-safe. */
WEFT_API int weft_http_query_next(const char *query, size_t len, size_t *pos, weft_http_slice *key,
                                  weft_http_slice *value);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_HTTP_H */
