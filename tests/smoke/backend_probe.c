/* Whether the backend $WEFT_BACKEND names can start here: exits 0 if it
 * can, 77 (ctest's "skipped") if it cannot (-ENOSYS: no io_uring on this
 * kernel or in this sandbox), 1 on any other failure. example.sh runs it
 * before each example's smoke test. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <weft.h>

static int nothing(void *arg)
{
    (void)arg;
    return 0;
}

int main(void)
{
    int rc = weft_run(nothing, NULL);
    if (rc == -ENOSYS) {
        const char *be = getenv("WEFT_BACKEND");
        fprintf(stderr, "skipped: backend %s unavailable here\n", be ? be : "(default)");
        return 77;
    }
    if (rc != 0) fprintf(stderr, "backend_probe: weft_run: %s\n", weft_strerror(rc));
    return rc == 0 ? 0 : 1;
}
