/* Layer 4b: the DNS resolver behind weft__resolve and weft_resolve
 * (dns.c). Names only: numeric addresses, "localhost" and the wildcard are
 * answered by resolve.c before a lookup is needed. */
#ifndef WEFT_NET_DNS_H
#define WEFT_NET_DNS_H

#include <stddef.h>

#include "weft/net.h"

/* Looks host up (family AF_UNSPEC, AF_INET or AF_INET6; socktype
 * SOCK_STREAM, SOCK_DGRAM or 0) and stores at most max addresses with
 * port in out, IPv6 and IPv4 interleaved starting with the preferred one
 * (RFC 8305). Returns the count (>= 1), -ENOENT (no such name, or no
 * address of that family), -EAGAIN (no usable answer: the servers did not
 * answer in time, failed or refused), -ENOMEM, -EINVAL, or -ECANCELED /
 * -ETIMEDOUT when the task is interrupted (the query is abandoned, the
 * call returns at once). Task context; waits. */
int weft__dns_lookup(const char *host, int port, int socktype, int family, weft_addr *out,
                     size_t max);

#endif
