/* Layer 4b: name resolution: numeric addresses, "localhost" (::1 then
 * 127.0.0.1, RFC 6761) and the wildcard are answered here without any
 * network or wait; every other name goes to the DNS resolver (dns.c:
 * c-ares driven by the loop, getaddrinfo on the worker pool as the
 * fallback). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "net/dns.h"
#include "net/resolve.h"

static void set_v6(weft_addr *a, const struct in6_addr *ip, int port)
{
    memset(a, 0, sizeof *a);
    a->u.in6.sin6_family = AF_INET6;
    a->u.in6.sin6_addr = *ip;
    a->u.in6.sin6_port = htons((uint16_t)port);
    a->len = sizeof a->u.in6;
}

static void set_v4(weft_addr *a, uint32_t host_order, int port)
{
    memset(a, 0, sizeof *a);
    a->u.in4.sin_family = AF_INET;
    a->u.in4.sin_addr.s_addr = htonl(host_order);
    a->u.in4.sin_port = htons((uint16_t)port);
    a->len = sizeof a->u.in4;
}

/* The IPv6 address then the IPv4 one, as family allows. */
static int pair(const struct in6_addr *ip6, uint32_t ip4, int port, int family, weft_addr *out,
                size_t max)
{
    size_t n = 0;
    if (family != AF_INET) set_v6(&out[n++], ip6, port);
    if (family != AF_INET6 && n < max) set_v4(&out[n++], ip4, port);
    return (int)n;
}

static int resolve(const char *host, int port, int socktype, int family, weft_addr *out,
                   size_t max)
{
    if (!out || !max || port < 0 || port > 65535) return -EINVAL;
    if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) return -EINVAL;
    if (!host || !*host) return pair(&in6addr_any, INADDR_ANY, port, family, out, max);
    if (weft_addr_parse(&out[0], host, port) == 0) {
        if (family != AF_UNSPEC && out[0].u.sa.sa_family != family) return -ENOENT;
        return 1;
    }
    size_t hl = strlen(host);
    if (hl && host[hl - 1] == '.') hl--; /* "localhost." */
    if (hl == 9 && strncasecmp(host, "localhost", 9) == 0)
        return pair(&in6addr_loopback, INADDR_LOOPBACK, port, family, out, max);
    return weft__dns_lookup(host, port, socktype, family, out, max);
}

int weft__resolve(const char *host, int port, int socktype, weft_addr *out, size_t max)
{
    return resolve(host, port, socktype, AF_UNSPEC, out, max);
}

int weft_resolve(const char *host, int port, int family, weft_addr *out, size_t max)
{
    if (!host || !*host) return -EINVAL;
    return resolve(host, port, 0, family, out, max);
}
