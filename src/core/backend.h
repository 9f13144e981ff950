/* Layer 1 -> 2: the I/O backend interface.
 *
 * A backend waits for I/O and wake-ups on behalf of the loop. Core knows
 * only this table; the implementations live in src/backend/ (one per
 * file), and weft__backend_pick (defined there) is core's only call into
 * that folder. The layers above extend what a backend does through the
 * I/O operations declared in src/io/ (the I/O issue); the four entries
 * below are what the loop itself needs.
 *
 *   init   set up L->be_state (an fd the loop can wait on, a wake-up channel)
 *   fini   tear it down
 *   poll   wait up to timeout_ns (0: do not block; < 0: no limit) for I/O
 *          completions or a wake-up; wake the tasks whose operations
 *          completed (weft__wake). Returns >= 0 or a negative errno.
 *   wake   make a concurrent or later poll return soon. Thread-safe and
 *          async-signal-safe. */
#ifndef WEFT_CORE_BACKEND_H
#define WEFT_CORE_BACKEND_H

#include <stdint.h>

#include "core/loop.h"

struct weft__backend {
    const char *name;
    int (*init)(weft_loop *L);
    void (*fini)(weft_loop *L);
    int (*poll)(weft_loop *L, int64_t timeout_ns);
    void (*wake)(weft_loop *L);
};

/* Picks a backend: `name` (opts.backend), else $WEFT_BACKEND, else the best
 * this kernel allows; an unknown name is -EINVAL. Sets L->be and calls
 * its init, falling back to the next candidate when init fails and no name
 * was forced. Defined in src/backend/. */
int weft__backend_pick(weft_loop *L, const char *name);

#endif
