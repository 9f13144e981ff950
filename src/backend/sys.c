/* Layer 2: running an operation as one non-blocking system call, for the
 * epoll backend and io_uring's fallback for opcodes the kernel lacks. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/backends.h"

int weft__sys_run(weft__io *op)
{
    ssize_t r;
    for (;;) {
        switch (op->op) {
        case WEFT__OP_READ: r = read(op->fd, op->buf, op->len); break;
        case WEFT__OP_WRITE: r = write(op->fd, op->buf, op->len); break;
        case WEFT__OP_RECV: r = recv(op->fd, op->buf, op->len, op->flags); break;
        case WEFT__OP_SEND: r = send(op->fd, op->buf, op->len, op->flags | MSG_NOSIGNAL); break;
        case WEFT__OP_RECVMSG: r = recvmsg(op->fd, op->buf, op->flags); break;
        case WEFT__OP_SENDMSG: r = sendmsg(op->fd, op->buf, op->flags | MSG_NOSIGNAL); break;
        case WEFT__OP_ACCEPT:
            r = accept4(op->fd, op->addr, op->addrlen, SOCK_CLOEXEC | SOCK_NONBLOCK);
            break;
        case WEFT__OP_CONNECT:
            if (!(op->bflags & WEFT__BF_CONNECTING)) {
                r = connect(op->fd, op->addr, op->alen);
                if (r < 0 && errno == EINPROGRESS) {
                    op->bflags |= WEFT__BF_CONNECTING; /* wait for writability, then SO_ERROR */
                    return -EAGAIN;
                }
            } else {
                int err = 0;
                socklen_t l = sizeof err;
                if (getsockopt(op->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0) return -errno;
                if (err) return -err;
                struct sockaddr_storage ss;
                l = sizeof ss;
                if (getpeername(op->fd, (struct sockaddr *)&ss, &l) == 0) return 0;
                return errno == ENOTCONN ? -EAGAIN : -errno;
            }
            break;
        case WEFT__OP_POLL: {
            struct pollfd p = {.fd = op->fd, .events = (short)op->flags};
            r = poll(&p, 1, 0);
            if (r > 0) return p.revents;
            if (r == 0) return -EAGAIN;
            break;
        }
        case WEFT__OP_PREAD:
            r = op->off < 0 ? read(op->fd, op->buf, op->len) : pread(op->fd, op->buf, op->len, op->off);
            break;
        case WEFT__OP_PWRITE:
            r = op->off < 0 ? write(op->fd, op->buf, op->len)
                            : pwrite(op->fd, op->buf, op->len, op->off);
            break;
        case WEFT__OP_OPENAT:
            r = openat(op->fd, op->buf, op->flags | O_CLOEXEC, (mode_t)op->mode);
            break;
        case WEFT__OP_FSYNC: r = op->flags ? fdatasync(op->fd) : fsync(op->fd); break;
        case WEFT__OP_CLOSE: return close(op->fd) < 0 && errno != EINTR ? -errno : 0;
        default: return -EOPNOTSUPP;
        }
        if (r >= 0) return (int)(r > INT32_MAX ? INT32_MAX : r);
        if (errno == EINTR) continue;
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
}

int weft__sys_wants_out(const weft__io *op)
{
    switch (op->op) {
    case WEFT__OP_WRITE:
    case WEFT__OP_SEND:
    case WEFT__OP_SENDMSG:
    case WEFT__OP_CONNECT: return 1;
    case WEFT__OP_POLL: return (op->flags & POLLOUT) != 0;
    default: return 0;
    }
}


void weft__sys_nosigpipe(void)
{
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) &&
        sa.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
}
