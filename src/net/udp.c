/* Layer 4b: UDP sockets (weft/net.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "net/resolve.h"
#include "net/sock.h"
#include "util/opts.h"

#define MAX_ADDRS 16

int weft_udp_bind(int *out, const char *host, int port, const weft_socket_options *o)
{
    if (!out) return -EINVAL;
    weft_socket_options oo;
    if (WEFT__OPTS_TAKE(weft_socket_options, &oo, o, WEFT_SOCKET_OPTIONS_INIT) < 0) return -EINVAL;
    o = &oo;
    weft_addr addrs[MAX_ADDRS];
    int n = weft__resolve(host, port, SOCK_DGRAM, addrs, MAX_ADDRS);
    if (n < 0) return n;
    int rc = -EADDRNOTAVAIL;
    for (int i = 0; i < n; i++) {
        int fam = addrs[i].u.sa.sa_family;
        int fd = weft__sock_open(fam, SOCK_DGRAM);
        if (fd < 0) {
            rc = fd;
            continue;
        }
        rc = weft__sock_bind_opts(fd, fam, o);
        if (rc == 0 && bind(fd, &addrs[i].u.sa, addrs[i].len) < 0) rc = -errno;
        if (rc == 0) {
            *out = fd;
            return 0;
        }
        close(fd);
    }
    return rc;
}

int weft_udp_connect(int *out, const char *host, int port)
{
    if (!out || !host || !*host) return -EINVAL;
    weft_addr addrs[MAX_ADDRS];
    int n = weft__resolve(host, port, SOCK_DGRAM, addrs, MAX_ADDRS);
    if (n < 0) return n;
    int rc = -EADDRNOTAVAIL;
    for (int i = 0; i < n; i++) {
        int fd = weft__sock_open(addrs[i].u.sa.sa_family, SOCK_DGRAM);
        if (fd < 0) {
            rc = fd;
            continue;
        }
        if (connect(fd, &addrs[i].u.sa, addrs[i].len) == 0) { /* UDP: no handshake */
            *out = fd;
            return 0;
        }
        rc = -errno;
        close(fd);
    }
    return rc;
}

ssize_t weft_udp_sendto(int fd, const void *buf, size_t len, const weft_addr *to)
{
    struct iovec v = {(void *)buf, len};
    struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
    if (to && to->len) {
        m.msg_name = (void *)&to->u;
        m.msg_namelen = to->len;
    }
    return weft_fd_sendmsg(fd, &m, 0);
}

ssize_t weft_udp_recvfrom(int fd, void *buf, size_t len, weft_addr *from)
{
    struct iovec v = {buf, len};
    struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
    if (from) {
        memset(from, 0, sizeof *from);
        m.msg_name = &from->u;
        m.msg_namelen = sizeof from->u;
    }
    ssize_t r = weft_fd_recvmsg(fd, &m, 0);
    if (r >= 0 && from) from->len = m.msg_namelen;
    return r;
}
