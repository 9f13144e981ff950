/* Layer 4b: name resolution without the network: numeric addresses,
 * "localhost" (::1 then 127.0.0.1, RFC 6761) and the wildcard. Any other
 * name is -ENOENT until the DNS resolver (c-ares) replaces this body; the
 * signature in resolve.h stays. Nothing here blocks or waits. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "net/resolve.h"

static int set_any6(weft_addr *a, int port)
{
    memset(a, 0, sizeof *a);
    a->u.in6.sin6_family = AF_INET6;
    a->u.in6.sin6_addr = in6addr_any;
    a->u.in6.sin6_port = htons((uint16_t)port);
    a->len = sizeof a->u.in6;
    return 0;
}

static int set_v4(weft_addr *a, uint32_t host_order, int port)
{
    memset(a, 0, sizeof *a);
    a->u.in4.sin_family = AF_INET;
    a->u.in4.sin_addr.s_addr = htonl(host_order);
    a->u.in4.sin_port = htons((uint16_t)port);
    a->len = sizeof a->u.in4;
    return 0;
}

int weft__resolve(const char *host, int port, int socktype, weft_addr *out, size_t max)
{
    (void)socktype;
    if (!out || !max || port < 0 || port > 65535) return -EINVAL;
    size_t n = 0;
    if (!host || !*host) {
        set_any6(&out[n++], port);
        if (n < max) set_v4(&out[n++], INADDR_ANY, port);
        return (int)n;
    }
    if (weft_addr_parse(&out[0], host, port) == 0) return 1;
    size_t hl = strlen(host);
    if (hl && host[hl - 1] == '.') hl--; /* "localhost." */
    if (hl == 9 && strncasecmp(host, "localhost", 9) == 0) {
        set_any6(&out[n], port);
        out[n].u.in6.sin6_addr = in6addr_loopback;
        n++;
        if (n < max) set_v4(&out[n++], INADDR_LOOPBACK, port);
        return (int)n;
    }
    return -ENOENT;
}
