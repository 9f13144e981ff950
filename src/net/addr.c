/* Layer 4b: socket addresses (weft/net.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/net.h"

int weft_addr_parse(weft_addr *a, const char *host, int port)
{
    if (!a || !host || port < 0 || port > 65535) return -EINVAL;
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, host, &a->u.in4.sin_addr) == 1) {
        a->u.in4.sin_family = AF_INET;
        a->u.in4.sin_port = htons((uint16_t)port);
        a->len = sizeof a->u.in4;
        return 0;
    }
    char tmp[INET6_ADDRSTRLEN + IF_NAMESIZE + 4];
    size_t n = strlen(host);
    if (n >= sizeof tmp) return -EINVAL;
    if (host[0] == '[') {
        if (n < 3 || host[n - 1] != ']') return -EINVAL;
        memcpy(tmp, host + 1, n - 2);
        tmp[n - 2] = 0;
    } else {
        memcpy(tmp, host, n + 1);
    }
    char *pct = strchr(tmp, '%');
    unsigned scope = 0;
    if (pct) {
        *pct++ = 0;
        char *end;
        unsigned long v = strtoul(pct, &end, 10);
        if (*pct && !*end) scope = (unsigned)v;
        else if (!(scope = if_nametoindex(pct))) return -EINVAL;
    }
    if (inet_pton(AF_INET6, tmp, &a->u.in6.sin6_addr) != 1) {
        memset(a, 0, sizeof *a);
        return -EINVAL;
    }
    a->u.in6.sin6_family = AF_INET6;
    a->u.in6.sin6_port = htons((uint16_t)port);
    a->u.in6.sin6_scope_id = scope;
    a->len = sizeof a->u.in6;
    return 0;
}

int weft_addr_port(const weft_addr *a)
{
    if (!a || !a->len) return -EINVAL;
    if (a->u.sa.sa_family == AF_INET) return ntohs(a->u.in4.sin_port);
    if (a->u.sa.sa_family == AF_INET6) return ntohs(a->u.in6.sin6_port);
    return -EINVAL;
}

int weft_addr_format(const weft_addr *a, char *buf, size_t n)
{
    if (!a || !buf || !a->len) return -EINVAL;
    char host[INET6_ADDRSTRLEN];
    int len;
    switch (a->u.sa.sa_family) {
    case AF_INET:
        inet_ntop(AF_INET, &a->u.in4.sin_addr, host, sizeof host);
        len = snprintf(buf, n, "%s:%u", host, ntohs(a->u.in4.sin_port));
        break;
    case AF_INET6:
        inet_ntop(AF_INET6, &a->u.in6.sin6_addr, host, sizeof host);
        if (a->u.in6.sin6_scope_id)
            len = snprintf(buf, n, "[%s%%%u]:%u", host, a->u.in6.sin6_scope_id,
                           ntohs(a->u.in6.sin6_port));
        else len = snprintf(buf, n, "[%s]:%u", host, ntohs(a->u.in6.sin6_port));
        break;
    case AF_UNIX: {
        size_t off = offsetof(struct sockaddr_un, sun_path);
        size_t pl = a->len > off ? a->len - off : 0;
        if (pl && a->u.un.sun_path[0] == 0) { /* abstract: "@name" */
            len = snprintf(buf, n, "@%.*s", (int)(pl - 1), a->u.un.sun_path + 1);
        } else {
            len = snprintf(buf, n, "%.*s", (int)strnlen(a->u.un.sun_path, pl), a->u.un.sun_path);
        }
        break;
    }
    default: return -EINVAL;
    }
    if (len < 0) return -EINVAL;
    if ((size_t)len >= n) return -ENOSPC;
    return len;
}

static int sock_name(const weft_stream *s, weft_addr *a, int peer)
{
    if (!s || !a) return -EINVAL;
    memset(a, 0, sizeof *a);
    socklen_t l = sizeof a->u;
    int fd = weft_stream_fd(s);
    if (fd < 0) return -ENOTSOCK; /* no socket: an in-process pair (weft_stream_pair) */
    int rc = peer ? getpeername(fd, &a->u.sa, &l) : getsockname(fd, &a->u.sa, &l);
    if (rc < 0) return -errno;
    a->len = l;
    return 0;
}

int weft_stream_peer_addr(const weft_stream *s, weft_addr *a) { return sock_name(s, a, 1); }

int weft_stream_local_addr(const weft_stream *s, weft_addr *a) { return sock_name(s, a, 0); }
