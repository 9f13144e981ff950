/* Layer 2: the epoll backend (edge-triggered).
 *
 * An operation first tries its system call; only on EAGAIN does it wait.
 * A waiting op sits on its fd's list for one direction (in: read, recv,
 * accept; out: write, send, connect). The fd is added to the epoll set the
 * first time something waits on it, for both directions, edge-triggered,
 * and stays there until the fd is closed (weft__backend.fd_closing): one
 * epoll_ctl per fd lifetime. When an edge arrives, poll retries the ops
 * waiting in that direction and finishes those that no longer get EAGAIN.
 * Because an op always retries its call, a missed or stale edge can only
 * cost a retry, never a lost wake-up: an edge that arrives while nobody
 * waits is dropped, and the next op simply succeeds at its first try.
 *
 * One refinement: a read or recv that returns fewer bytes than asked for
 * has emptied the socket or pipe, and with edge triggering any byte that
 * arrives after it raises a new edge. So until that edge comes, the next
 * read skips its (certain) EAGAIN and waits at once: an echo-style
 * exchange costs two system calls per message instead of three. (Not
 * once the peer has shut down: the end of the stream raises no new edge.)
 *
 * The fd table (struct fdent per fd number) grows on demand. Every op in
 * it counts in L->io_inflight. The loop's wake-up channel is an eventfd
 * in the same epoll set (level-triggered). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend/backends.h"

#define WAKE_TAG UINT64_MAX
#define MAX_EVENTS 256

struct fdent {
    weft__io *in;     /* ops waiting for the fd to become readable (FIFO) */
    weft__io *out;    /* ops waiting for it to become writable (FIFO) */
    uint8_t reg;      /* in the epoll set */
    uint8_t drained;  /* a read came back short and no readable edge came since */
    uint8_t hup;      /* the peer shut down or the fd failed: reads end at once from now */
};

struct ep {
    int epfd;
    int efd;          /* wake-up eventfd */
    int pwait2;       /* epoll_pwait2 works (ns timeouts) */
    struct fdent *fds;
    size_t nfds;
    struct epoll_event evs[MAX_EVENTS];
};

/* ------------------------------------------------------------ fd table */

static struct fdent *ent(struct ep *b, int fd)
{
    if ((size_t)fd >= b->nfds) {
        size_t n = b->nfds ? b->nfds : 64;
        while (n <= (size_t)fd) n *= 2;
        struct fdent *t = realloc(b->fds, n * sizeof *t);
        if (!t) return NULL;
        memset(t + b->nfds, 0, (n - b->nfds) * sizeof *t);
        b->fds = t;
        b->nfds = n;
    }
    return &b->fds[fd];
}

static void append(weft__io **head, weft__io *op)
{
    op->next = NULL;
    while (*head) head = &(*head)->next;
    *head = op;
}

static int unlink_op(weft__io **head, weft__io *op)
{
    for (; *head; head = &(*head)->next) {
        if (*head == op) {
            *head = op->next;
            op->next = NULL;
            return 1;
        }
    }
    return 0;
}

/* --------------------------------------------------------------- entries */

static int stream_read(const weft__io *op)
{
    return (op->op == WEFT__OP_RECV && !(op->flags & MSG_PEEK)) || op->op == WEFT__OP_READ;
}

/* After op's call returned r: a short read means the fd is empty now. */
static void note_read(struct ep *b, const weft__io *op, int r)
{
    if (r > 0 && (size_t)r < op->len && stream_read(op) && (size_t)op->fd < b->nfds &&
        b->fds[op->fd].reg && !b->fds[op->fd].hup)
        b->fds[op->fd].drained = 1;
}

static int ep_start(weft_loop *L, weft__io *op)
{
    struct ep *b = L->be_state;
    if (op->op >= WEFT__OP_PREAD) return -EOPNOTSUPP;
    if ((op->op == WEFT__OP_POLL) && (op->flags & (POLLIN | POLLOUT)) == (POLLIN | POLLOUT))
        return -EINVAL;
    op->bflags = 0;
    int r;
    if (stream_read(op) && (size_t)op->fd < b->nfds && b->fds[op->fd].drained) {
        r = -EAGAIN; /* nothing has arrived since the last short read */
    } else {
        r = weft__sys_run(op);
        note_read(b, op, r);
    }
    if (r != -EAGAIN) return r;
    if (op->fd < 0) return -EBADF;
    struct fdent *e = ent(b, op->fd);
    if (!e) return -ENOMEM;
    if (!e->reg) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                 .data.u64 = (uint64_t)op->fd};
        if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, op->fd, &ev) < 0) {
            int err = errno;
            if (err == EPERM) /* a regular file: always ready */
                return op->op == WEFT__OP_POLL ? op->flags : -EAGAIN;
            if (err != EEXIST) return -err;
        }
        e->reg = 1;
    }
    append(weft__sys_wants_out(op) ? &e->out : &e->in, op);
    L->io_inflight++;
    return -EINPROGRESS;
}

static void ep_cancel(weft_loop *L, weft__io *op)
{
    struct ep *b = L->be_state;
    if (op->fd < 0 || (size_t)op->fd >= b->nfds) return;
    struct fdent *e = &b->fds[op->fd];
    if (!unlink_op(weft__sys_wants_out(op) ? &e->out : &e->in, op)) return;
    L->io_inflight--;
    op->done(op, -ECANCELED);
}

static void fail_all(weft_loop *L, weft__io *list, int res)
{
    while (list) {
        weft__io *op = list;
        list = op->next;
        op->next = NULL;
        L->io_inflight--;
        op->done(op, res);
    }
}

static void ep_fd_closing(weft_loop *L, int fd)
{
    struct ep *b = L->be_state;
    if (fd < 0 || (size_t)fd >= b->nfds) return;
    struct fdent *e = &b->fds[fd];
    weft__io *in = e->in, *out = e->out;
    e->in = e->out = NULL;
    e->reg = 0;
    e->drained = 0;
    e->hup = 0;
    fail_all(L, in, -EBADF);
    fail_all(L, out, -EBADF);
}

/* Retries the ops waiting on fd in one direction; those that get EAGAIN
 * again go back on the list. A done callback may start new ops on the fd,
 * grow the table or close the fd, so the entry is looked up afresh each
 * time and at most the ops present at the start are tried. */
static void retry(weft_loop *L, struct ep *b, int fd, int out)
{
    size_t n = 0;
    for (weft__io *op = out ? b->fds[fd].out : b->fds[fd].in; op; op = op->next) n++;
    while (n--) {
        weft__io **head = out ? &b->fds[fd].out : &b->fds[fd].in;
        weft__io *op = *head;
        if (!op) break;
        *head = op->next;
        int r = weft__sys_run(op);
        if (r == -EAGAIN) {
            append(out ? &b->fds[fd].out : &b->fds[fd].in, op);
            continue;
        }
        note_read(b, op, r);
        op->next = NULL;
        L->io_inflight--;
        op->done(op, r);
    }
}

static int ep_poll(weft_loop *L, int64_t timeout_ns)
{
    struct ep *b = L->be_state;
    int n;
    if (b->pwait2) {
        struct timespec ts, *tp = NULL;
        if (timeout_ns >= 0) {
            ts.tv_sec = timeout_ns / 1000000000;
            ts.tv_nsec = timeout_ns % 1000000000;
            tp = &ts;
        }
        n = epoll_pwait2(b->epfd, b->evs, MAX_EVENTS, tp, NULL);
    } else {
        int ms = timeout_ns < 0 ? -1
                 : timeout_ns > (int64_t)INT32_MAX * 1000000 ? INT32_MAX
                                                            : (int)((timeout_ns + 999999) / 1000000);
        n = epoll_wait(b->epfd, b->evs, MAX_EVENTS, ms);
    }
    if (n < 0) return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        uint32_t ev = b->evs[i].events;
        uint64_t tag = b->evs[i].data.u64;
        if (tag == WAKE_TAG) {
            uint64_t v;
            ssize_t r = read(b->efd, &v, sizeof v);
            (void)r;
            continue;
        }
        int fd = (int)tag;
        if ((size_t)fd >= b->nfds) continue;
        if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
            b->fds[fd].drained = 0;
            if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) b->fds[fd].hup = 1; /* EOF stays readable */
            retry(L, b, fd, 0);
        }
        if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) retry(L, b, fd, 1);
    }
    return n;
}

static void ep_wake(weft_loop *L)
{
    struct ep *b = L->be_state;
    uint64_t one = 1;
    ssize_t r = write(b->efd, &one, sizeof one);
    (void)r;
}

static void ep_fini(weft_loop *L)
{
    struct ep *b = L->be_state;
    if (!b) return;
    close(b->efd);
    close(b->epfd);
    free(b->fds);
    free(b);
    L->be_state = NULL;
}

static int ep_init(weft_loop *L)
{
    struct ep *b = calloc(1, sizeof *b);
    if (!b) return -ENOMEM;
    b->epfd = epoll_create1(EPOLL_CLOEXEC);
    b->efd = b->epfd < 0 ? -1 : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (b->efd < 0) {
        int e = errno;
        if (b->epfd >= 0) close(b->epfd);
        free(b);
        return -e;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_TAG};
    if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->efd, &ev) < 0) {
        int e = errno;
        close(b->efd);
        close(b->epfd);
        free(b);
        return -e;
    }
    struct timespec zero = {0, 0};
    b->pwait2 = epoll_pwait2(b->epfd, b->evs, 1, &zero, NULL) >= 0 || errno != ENOSYS;
    L->be_state = b;
    weft__sys_nosigpipe();
    L->be_caps = WEFT__CAP_IO | WEFT__CAP_TRY;
    return 0;
}

static void ep_buf_put(weft_loop *L, unsigned bid)
{
    (void)L;
    (void)bid;
}

const weft__backend weft__backend_epoll = {
    .name = "epoll",
    .init = ep_init,
    .fini = ep_fini,
    .poll = ep_poll,
    .wake = ep_wake,
    .start = ep_start,
    .cancel = ep_cancel,
    .fd_closing = ep_fd_closing,
    .buf_put = ep_buf_put,
};
