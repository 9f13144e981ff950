/* Layer 1: naming error codes, generated from WEFT_ERRNO_MAP. */
#include <string.h>

#include "weft/error.h"
#include "weft/version.h"

const char *weft_strerror(int rc)
{
    if (rc >= 0) return "success";
    switch (rc) {
#define X(name, value, msg)                                                                        \
    case value: return msg;
        WEFT_ERRNO_MAP(X)
#undef X
    default: break;
    }
    const char *d = rc > -4096 ? strerrordesc_np(-rc) : NULL;
    return d ? d : "unknown error";
}

const char *weft_errname(int rc)
{
    if (rc >= 0) return "OK";
    switch (rc) {
#define X(name, value, msg)                                                                        \
    case value: return #name;
        WEFT_ERRNO_MAP(X)
#undef X
    default: break;
    }
    const char *n = rc > -4096 ? strerrorname_np(-rc) : NULL;
    return n ? n : "UNKNOWN";
}

const char *weft_version(void) { return WEFT_VERSION_STRING; }
int weft_version_number(void) { return WEFT_VERSION_NUMBER; }
