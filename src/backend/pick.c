/* Layer 2: choosing a backend at start-up (core's one call into this
 * folder). Order of preference: the name given in the run options, then
 * $WEFT_BACKEND, then the best one whose init succeeds on this kernel:
 * io_uring, epoll, poll. A named backend that cannot start here is an
 * error (-ENOSYS for io_uring on a kernel or sandbox without it); only the
 * automatic choice falls back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backends.h"

static const weft__backend *const all[] = {
#ifdef WEFT_HAVE_URING
    &weft__backend_uring,
#endif
    &weft__backend_epoll,
    &weft__backend_poll,
};

int weft__backend_pick(weft_loop *L, const char *name)
{
    if (!name || !*name) name = getenv("WEFT_BACKEND");
    if (name && !*name) name = NULL;
    size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++) {
        if (name && strcmp(name, all[i]->name) != 0) continue;
        int rc = all[i]->init(L);
        if (rc == 0) {
            L->be = all[i];
            return 0;
        }
        if (name) return rc;
    }
    return name ? -EINVAL : -ENOSYS;
}
