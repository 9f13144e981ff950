/* Layer 6 (http, pure): naming the parser's error codes and mapping them to
 * the status a server answers with, generated from WEFT_HTTP_ERRNO_MAP.
 * Other codes are named from weft/error.h's list and libc, without calling
 * into the core, so the parser still links alone. */
#include <string.h>

#include "weft/error.h"
#include "weft/http.h"

int weft_http_error_status(int rc)
{
    if (rc >= 0) return 0;
    switch (rc) {
#define X(name, value, status, msg)                                                                \
    case value:                                                                                    \
        return status;
        WEFT_HTTP_ERRNO_MAP(X)
#undef X
    default:
        return 500;
    }
}

const char *weft_http_strerror(int rc)
{
    if (rc >= 0) return "success";
    switch (rc) {
#define X(name, value, status, msg)                                                                \
    case value:                                                                                    \
        return msg;
        WEFT_HTTP_ERRNO_MAP(X)
#undef X
#define X(name, value, msg)                                                                        \
    case value:                                                                                    \
        return msg;
        WEFT_ERRNO_MAP(X)
#undef X
    default:
        break;
    }
    const char *d = rc > -4096 ? strerrordesc_np(-rc) : NULL;
    return d ? d : "unknown error";
}

const char *weft_http_errname(int rc)
{
    if (rc >= 0) return "OK";
    switch (rc) {
#define X(name, value, status, msg)                                                                \
    case value:                                                                                    \
        return #name;
        WEFT_HTTP_ERRNO_MAP(X)
#undef X
#define X(name, value, msg)                                                                        \
    case value:                                                                                    \
        return #name;
        WEFT_ERRNO_MAP(X)
#undef X
    default:
        break;
    }
    const char *n = rc > -4096 ? strerrorname_np(-rc) : NULL;
    return n ? n : "UNKNOWN";
}
