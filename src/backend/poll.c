/* Layer 2: the "poll" backend: no I/O operations of its own (start answers
 * -EOPNOTSUPP), only a nanosecond-precision sleep (ppoll) that another
 * thread or a signal handler can cut short through an eventfd. For
 * programs that do no I/O (WEFT_BACKEND=poll), and the last resort. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "backend/backends.h"

struct pollbe {
    int efd;
};

static int pb_init(weft_loop *L)
{
    struct pollbe *b = malloc(sizeof *b);
    if (!b) return -ENOMEM;
    b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (b->efd < 0) {
        int e = errno;
        free(b);
        return -e;
    }
    L->be_state = b;
    return 0;
}

static void pb_fini(weft_loop *L)
{
    struct pollbe *b = L->be_state;
    if (!b) return;
    close(b->efd);
    free(b);
    L->be_state = NULL;
}

static int pb_poll(weft_loop *L, int64_t timeout_ns)
{
    struct pollbe *b = L->be_state;
    struct pollfd p = {.fd = b->efd, .events = POLLIN};
    struct timespec ts, *tp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tp = &ts;
    }
    int n = ppoll(&p, 1, tp, NULL);
    if (n < 0) return errno == EINTR ? 0 : -errno;
    if (n > 0 && (p.revents & POLLIN)) {
        uint64_t v;
        ssize_t r = read(b->efd, &v, sizeof v);
        (void)r;
    }
    return n;
}

static void pb_wake(weft_loop *L)
{
    struct pollbe *b = L->be_state;
    uint64_t one = 1;
    ssize_t r = write(b->efd, &one, sizeof one);
    (void)r;
}

static int pb_start(weft_loop *L, weft__io *op)
{
    (void)L;
    (void)op;
    return -EOPNOTSUPP;
}

static void pb_cancel(weft_loop *L, weft__io *op)
{
    (void)L;
    (void)op;
}

static void pb_fd_closing(weft_loop *L, int fd)
{
    (void)L;
    (void)fd;
}

static void pb_buf_put(weft_loop *L, unsigned bid)
{
    (void)L;
    (void)bid;
}

const weft__backend weft__backend_poll = {
    .name = "poll",
    .init = pb_init,
    .fini = pb_fini,
    .poll = pb_poll,
    .wake = pb_wake,
    .start = pb_start,
    .cancel = pb_cancel,
    .fd_closing = pb_fd_closing,
    .buf_put = pb_buf_put,
};
