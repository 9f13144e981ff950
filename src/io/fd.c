/* Layer 4a: the public fd operations (weft/io.h): each one op record on
 * the caller's stack, run by weft__io_wait. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "io/io.h"
#include "weft/io.h"

static ssize_t rw(int opc, int fd, void *buf, size_t len, int flags)
{
    WEFT__IO_TASK(L);
    weft__io op = {.op = (uint8_t)opc, .fd = fd, .buf = buf, .len = len, .flags = flags};
    return weft__io_wait(L, &op);
}

ssize_t weft_fd_read(int fd, void *buf, size_t len) { return rw(WEFT__OP_READ, fd, buf, len, 0); }

ssize_t weft_fd_write(int fd, const void *buf, size_t len)
{
    return rw(WEFT__OP_WRITE, fd, (void *)buf, len, 0);
}

ssize_t weft_fd_recv(int fd, void *buf, size_t len, int flags)
{
    return rw(WEFT__OP_RECV, fd, buf, len, flags);
}

ssize_t weft_fd_send(int fd, const void *buf, size_t len, int flags)
{
    return rw(WEFT__OP_SEND, fd, (void *)buf, len, flags);
}

ssize_t weft_fd_recvmsg(int fd, struct msghdr *msg, int flags)
{
    return rw(WEFT__OP_RECVMSG, fd, msg, 0, flags);
}

ssize_t weft_fd_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    return rw(WEFT__OP_SENDMSG, fd, (void *)msg, 0, flags);
}

int weft_fd_accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
    WEFT__IO_TASK(L);
    weft__io op = {.op = WEFT__OP_ACCEPT, .fd = fd, .addr = addr, .addrlen = addrlen};
    return weft__io_wait(L, &op);
}

int weft_fd_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    WEFT__IO_TASK(L);
    weft__io op = {.op = WEFT__OP_CONNECT, .fd = fd, .addr = (void *)addr, .alen = len};
    return weft__io_wait(L, &op);
}

static int wait_poll(int fd, int events)
{
    WEFT__IO_TASK(L);
    weft__io op = {.op = WEFT__OP_POLL, .fd = fd, .flags = events};
    int rc = weft__io_wait(L, &op);
    if (rc < 0) return rc;
    return (rc & POLLNVAL) ? -EBADF : 0;
}

int weft_fd_wait_readable(int fd) { return wait_poll(fd, POLLIN); }

int weft_fd_wait_writable(int fd) { return wait_poll(fd, POLLOUT); }

int weft_fd_close(int fd)
{
    if (fd < 0) return -EBADF;
    weft_loop *L = weft__L;
    if (L) L->be->fd_closing(L, fd);
    return close(fd) < 0 && errno != EINTR ? -errno : 0;
}

int weft_fd_set_nonblocking(int fd, int on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) return -errno;
    int nf = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
    if (nf != fl && fcntl(fd, F_SETFL, nf) < 0) return -errno;
    return 0;
}
