/* Errors.
 *
 * Every weft call that can fail returns an int: >= 0 is success, < 0 is a
 * negative errno value (-ECANCELED, -ETIMEDOUT, -ENOMEM, ...) or one of the
 * few weft-specific codes below, which lie outside the errno range. There
 * is no global error state. weft_strerror() and weft_errname() name a code.
 *
 * WEFT_ERRNO_MAP is the one list of the codes weft documents; each entry is
 * X(NAME, value, "message"). docs/patterns.md lists where each is returned. */
#ifndef WEFT_ERROR_H
#define WEFT_ERROR_H

#include <errno.h>
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* weft-specific codes (outside errno's range, like libuv's UV_EOF). */
#define WEFT_EOF (-4095)    /* the stream ended before the requested data */
#define WEFT_ELIMIT (-4094) /* a size limit was reached (read_until, headers, bodies) */
#define WEFT_EPROTO (-4093) /* the peer broke the protocol (malformed message) */

#define WEFT_ERRNO_MAP(X)                                                                          \
    X(ECANCELED, -ECANCELED, "operation cancelled")                                                \
    X(ETIMEDOUT, -ETIMEDOUT, "deadline expired")                                                   \
    X(EAGAIN, -EAGAIN, "resource temporarily unavailable (try again)")                             \
    X(EPIPE, -EPIPE, "closed: the queue, generator or stream is shut")                             \
    X(EINVAL, -EINVAL, "invalid argument")                                                         \
    X(ENOMEM, -ENOMEM, "out of memory")                                                            \
    X(EPERM, -EPERM, "operation not permitted (not the owner)")                                    \
    X(EOVERFLOW, -EOVERFLOW, "released past the initial value")                                    \
    X(EBUSY, -EBUSY, "busy: the task has not finished")                                            \
    X(ESRCH, -ESRCH, "no such process: it has already been waited for")                            \
    X(EDEADLK, -EDEADLK, "a task cannot wait for itself")                                          \
    X(ENOSYS, -ENOSYS, "not supported on this system")                                             \
    X(EOPNOTSUPP, -EOPNOTSUPP, "operation not supported by this I/O backend")                      \
    X(ENOENT, -ENOENT, "no such file or directory")                                                \
    X(ENAMETOOLONG, -ENAMETOOLONG, "name too long (a Unix socket path)")                           \
    X(EBADF, -EBADF, "bad file descriptor")                                                        \
    X(ECONNRESET, -ECONNRESET, "connection reset by peer")                                         \
    X(ECONNREFUSED, -ECONNREFUSED, "connection refused")                                           \
    X(EADDRINUSE, -EADDRINUSE, "address already in use")                                           \
    X(EMFILE, -EMFILE, "too many open files")                                                      \
    X(EMSGSIZE, -EMSGSIZE, "message too long")                                                     \
    X(ENOSPC, -ENOSPC, "no space left")                                                            \
    X(ESHUTDOWN, -ESHUTDOWN, "the loop has ended or is shutting down")                             \
    X(EOF, WEFT_EOF, "end of stream before the requested data")                                    \
    X(ELIMIT, WEFT_ELIMIT, "size limit exceeded")                                                  \
    X(EPROTO, WEFT_EPROTO, "protocol error: malformed message from the peer")

/* A static, human-readable message for rc (a negative code; 0 gives
 * "success"). Never NULL; unknown codes give "unknown error". Thread-safe. */
WEFT_API const char *weft_strerror(int rc);
/* The code's symbolic name without the minus ("ECANCELED", "EOF"), or
 * "UNKNOWN". Never NULL. Thread-safe. */
WEFT_API const char *weft_errname(int rc);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_ERROR_H */
