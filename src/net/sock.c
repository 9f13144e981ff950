/* Layer 4b: sockets and listeners shared by TCP and Unix. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <unistd.h>

#include "net/sock.h"

int weft__sock_open(int family, int type)
{
    int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

int weft__sock_bind_opts(int fd, int family, const weft_socket_options *o)
{
    int one = 1;
    if (o->reuseaddr && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
        return -errno;
    if (o->reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
        return -errno;
    if (family == AF_INET6) {
        int v = o->v6only != 0;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof v) < 0) return -errno;
    }
    return 0;
}

void weft__sock_nodelay(int fd)
{
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int weft__sock_stream(weft_stream **s, int fd)
{
    int rc = weft__stream_new(s, fd, 1, NULL);
    if (rc < 0) WEFT_IGNORE(weft_fd_close(fd));
    return rc;
}

int weft__listener_accept(weft_listener *l, weft_stream **s, int tcp)
{
    if (!l || !s) return -EINVAL;
    int fd = weft_fd_accept(l->fd, NULL, NULL);
    if (fd < 0) return fd;
    if (tcp && l->nodelay) weft__sock_nodelay(fd);
    return weft__sock_stream(s, fd);
}

int weft_listener_addr(const weft_listener *l, weft_addr *a)
{
    if (!l || !a) return -EINVAL;
    socklen_t len = sizeof a->u;
    if (getsockname(l->fd, &a->u.sa, &len) < 0) return -errno;
    a->len = len;
    return 0;
}

int weft_listener_fd(const weft_listener *l) { return l ? l->fd : -EINVAL; }

void weft_listener_close(weft_listener *l)
{
    if (!l) return;
    WEFT_IGNORE(weft_fd_close(l->fd));
    if (l->path) {
        unlink(l->path);
        free(l->path);
    }
    free(l);
}
