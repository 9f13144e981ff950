/* Layer 4b: name resolution for sockets.
 *
 * The one entry point every socket constructor uses. Its signature is
 * meant to stay as it is when the body grows (c-ares driven by the loop,
 * getaddrinfo on the thread pool for what c-ares cannot answer): keep
 * callers to this call. */
#ifndef WEFT_NET_RESOLVE_H
#define WEFT_NET_RESOLVE_H

#include <stddef.h>

#include "weft/net.h"

/* Resolves host for port and socktype (SOCK_STREAM or SOCK_DGRAM) into at
 * most max addresses in out, in the order to try them (RFC 6724 / 8305:
 * IPv6 first, families interleaved). host NULL or "" gives the wildcard
 * address ("::", then "0.0.0.0"), for binding. Returns the number of
 * addresses (>= 1), -ENOENT for a name that does not resolve, -EAGAIN when
 * the DNS servers give no usable answer, -EINVAL (also for a name asked
 * outside a task), -ENOMEM, or -ECANCELED / -ETIMEDOUT. May wait (a
 * cancellation point); numeric addresses and "localhost" never do. Names
 * go to the loop's resolver (dns.c; weft_resolve is the public face).
 * Caller: a task (or any thread for numeric hosts and "localhost"). */
int weft__resolve(const char *host, int port, int socktype, weft_addr *out, size_t max);

#endif
