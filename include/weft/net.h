/* Networking: addresses, TCP, UDP and Unix sockets.
 *
 * Connections are weft_streams (weft/io.h): weft_tcp_connect and
 * weft_tcp_accept hand back a buffered stream, asyncio's open_connection
 * and start_server in C. Sockets are opened non-blocking and close-on-exec;
 * TCP streams get TCP_NODELAY unless told otherwise; sends never raise
 * SIGPIPE. A host is a numeric IPv4/IPv6 address ("127.0.0.1", "::1",
 * "[::1]"), "localhost", or a name resolved without blocking the loop.
 *
 * Every waiting call is a cancellation point and honours deadline scopes,
 * as in weft/io.h. Call from a task on a weft loop; objects belong to that
 * loop and are not thread-safe. */
#ifndef WEFT_NET_H
#define WEFT_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include "core.h"
#include "io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ addresses */

/* A socket address of any family, with its length. */
typedef struct weft_addr {
    socklen_t len; /* 0: none */
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
        struct sockaddr_un un;
        struct sockaddr_storage ss;
    } u;
} weft_addr;

/* Room for any weft_addr_format result, NUL included. */
#define WEFT_ADDR_STRLEN 128

/* Parses a numeric host ("10.0.0.1", "::1", "[fe80::1%eth0]") and a port
 * (0-65535) into *a. No name lookup. Returns 0 or -EINVAL. Any thread. */
WEFT_API WEFT_NODISCARD int weft_addr_parse(weft_addr *a, const char *host, int port);
/* Writes "1.2.3.4:80", "[::1]:80" or a Unix socket's path into buf.
 * Returns the length, or -ENOSPC (buf too small), -EINVAL. Any thread. */
WEFT_API int weft_addr_format(const weft_addr *a, char *buf, size_t n);
/* The port of an IPv4/IPv6 address, or -EINVAL. Any thread. */
WEFT_API int weft_addr_port(const weft_addr *a);

/* The stream's peer address (asyncio's get_extra_info('peername')) or
 * its local address. Returns 0 or -errno (-ENOTSOCK for a pipe). */
WEFT_API WEFT_NODISCARD int weft_stream_peer_addr(const weft_stream *s, weft_addr *a);
WEFT_API WEFT_NODISCARD int weft_stream_local_addr(const weft_stream *s, weft_addr *a);

/* -------------------------------------------------------------- options */

typedef struct weft_socket_options {
    uint32_t size; /* sizeof, set by the _INIT macro (the ABI rule: docs/design.md) */
    int backlog;   /* listen queue; 0: SOMAXCONN */
    int reuseaddr; /* SO_REUSEADDR (default 1) */
    int reuseport; /* SO_REUSEPORT (default 0): several listeners share a port */
    int nodelay;   /* TCP_NODELAY on TCP streams (default 1) */
    int v6only;    /* IPV6_V6ONLY (default 0: "::" also accepts IPv4) */
} weft_socket_options;
#define WEFT_SOCKET_OPTIONS_INIT                                                                   \
    {                                                                                              \
        (uint32_t)sizeof(weft_socket_options), 0, 1, 0, 1, 0                                                                    \
    }

/* ------------------------------------------------------------------ TCP */

/* A listening socket (TCP or Unix). */
typedef struct weft_listener weft_listener;

/* Listens on host:port. host NULL or "" is every address (IPv6 and IPv4
 * where the system has IPv6); port 0 picks a free port
 * (weft_listener_addr tells which). o may be NULL. Returns 0, -errno
 * (-EADDRINUSE, ...), -ENOENT for an unknown host. May wait (resolution). */
WEFT_API WEFT_NODISCARD int weft_tcp_listen(weft_listener **l, const char *host, int port,
                                            const weft_socket_options *o);
/* Waits for the next connection and hands it back as a stream (owned by
 * the caller). Returns 0 or -errno. -EMFILE/-ENFILE: out of fds; the
 * connection stays queued, so free some, wait a little and call again.
 * Works on Unix listeners too. Waits. */
WEFT_API WEFT_NODISCARD int weft_tcp_accept(weft_listener *l, weft_stream **s);
/* Connects to host:port, trying every address the host resolves to
 * (Happy Eyeballs, RFC 8305: IPv6 and IPv4 interleaved, a new attempt
 * every 250 ms while earlier ones are pending, the first to connect
 * wins). Returns 0, the last attempt's -errno (-ECONNREFUSED, ...),
 * -ENOENT for an unknown host, -ECANCELED / -ETIMEDOUT. Waits. */
WEFT_API WEFT_NODISCARD int weft_tcp_connect(weft_stream **s, const char *host, int port);
/* weft_tcp_connect with options (nodelay; o may be NULL). */
WEFT_API WEFT_NODISCARD int weft_tcp_connect_opts(weft_stream **s, const char *host, int port,
                                                  const weft_socket_options *o);
/* The listener's local address. Returns 0 or -errno. */
WEFT_API WEFT_NODISCARD int weft_listener_addr(const weft_listener *l, weft_addr *a);
/* The listening fd (for socket options). */
WEFT_API int weft_listener_fd(const weft_listener *l);
/* Closes the listener and frees it; accepts in progress end with -EBADF.
 * A Unix listener removes its socket file. NULL is accepted. */
WEFT_API void weft_listener_close(weft_listener *l);

/* ----------------------------------------------------------------- Unix */

/* Listens on a Unix stream socket at path (an existing socket file there
 * is replaced). backlog 0: SOMAXCONN. Returns 0 or -errno. */
WEFT_API WEFT_NODISCARD int weft_unix_listen(weft_listener **l, const char *path, int backlog);
/* Same as weft_tcp_accept. Waits. */
WEFT_API WEFT_NODISCARD int weft_unix_accept(weft_listener *l, weft_stream **s);
/* Connects to the Unix stream socket at path. Returns 0 or -errno. Waits. */
WEFT_API WEFT_NODISCARD int weft_unix_connect(weft_stream **s, const char *path);

/* ------------------------------------------------------------------ UDP */

/* UDP sockets are plain fds (close them with weft_fd_close). */

/* Opens a UDP socket bound to host:port (NULL host: every address; port 0:
 * a free one) and stores it in *fd. o may be NULL (reuseaddr/reuseport/
 * v6only apply). Returns 0 or -errno. May wait (resolution). */
WEFT_API WEFT_NODISCARD int weft_udp_bind(int *fd, const char *host, int port,
                                          const weft_socket_options *o);
/* Opens a UDP socket connected to host:port (sends need no address,
 * receives come only from there). Returns 0 or -errno. May wait. */
WEFT_API WEFT_NODISCARD int weft_udp_connect(int *fd, const char *host, int port);
/* Sends one datagram to `to` (NULL on a connected socket). Returns the
 * bytes sent or -errno (-EMSGSIZE, ...). Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_udp_sendto(int fd, const void *buf, size_t len,
                                                const weft_addr *to);
/* Receives one datagram (truncated to len) and its sender (from may be
 * NULL). Returns its length or -errno. Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_udp_recvfrom(int fd, void *buf, size_t len, weft_addr *from);

/* ================================================================== DNS
 *
 * Name resolution that never blocks the loop. Numeric addresses and
 * "localhost" (::1 and 127.0.0.1, RFC 6761) resolve at once without any
 * network traffic. Other names go to c-ares, driven by the loop (its
 * sockets wait on the backend like any other fd), using the system's
 * /etc/resolv.conf and /etc/hosts ($CARES_HOSTS, c-ares's variable, names
 * another hosts file) unless configured otherwise; a name c-ares finds
 * nowhere is then tried with getaddrinfo on the worker pool, so names
 * only NSS knows (mDNS, LDAP, ...) resolve too. Every socket
 * constructor (weft_tcp_connect, weft_tcp_listen, weft_udp_*) resolves
 * through the same resolver. The resolver belongs to its loop: each loop
 * has its own configuration. */

/* Resolver options. Start from WEFT_RESOLVER_OPTIONS_INIT. */
typedef struct weft_resolver_options {
    uint32_t size; /* sizeof, set by the _INIT macro (the ABI rule: docs/design.md) */
    const char *servers; /* "ip[:port],..." ("127.0.0.1:5353,[::1]:53"): ask these servers
                            only; NULL (default): the system's */
    int64_t timeout_ns;  /* per attempt; 0: the system's (resolv.conf, else c-ares's) */
    int tries;           /* attempts per server; 0: the system's (likewise) */
    int hosts_file;      /* 1 (default): answer from /etc/hosts first */
    int fallback;        /* getaddrinfo on the worker pool for names DNS does not know:
                            1 always, 0 never, -1 (default): only with the system's
                            servers (so given servers are the only ones asked) */
} weft_resolver_options;
#define WEFT_RESOLVER_OPTIONS_INIT                                                                 \
    {                                                                                              \
        (uint32_t)sizeof(weft_resolver_options), NULL, 0, 0, 1, -1                                                                  \
    }

/* Sets the current loop's resolver configuration (o NULL: the defaults).
 * Lookups made afterwards use it. Returns 0; -EINVAL for a malformed
 * servers list or option, or outside a loop; -EBUSY while lookups are in
 * flight (including ones abandoned by cancelled callers, until their
 * queries end); -ENOSYS when servers are given and weft was built without
 * c-ares; -ENOMEM. On failure the previous configuration stays. Does not
 * wait. */
WEFT_API WEFT_NODISCARD int weft_resolver_configure(const weft_resolver_options *o);

/* Resolves host into at most max addresses with port (0-65535), stored in
 * out in the order to try them: IPv6 and IPv4 interleaved, starting with
 * the family the system prefers (RFC 6724 and 8305). family is AF_UNSPEC,
 * AF_INET or AF_INET6. Returns the number stored (>= 1), or: -ENOENT (no
 * such host, or no address of that family), -EAGAIN (no usable answer:
 * the servers did not answer within their timeouts and tries, failed or
 * refused; try again later), -EINVAL (NULL or empty host, bad port or
 * family), -ENOMEM, and -ECANCELED / -ETIMEDOUT when the task is cancelled
 * or a deadline scope expires: the call then returns at once and the query
 * is abandoned (its answer is dropped when it comes). A DNS server's
 * timeout is -EAGAIN, never -ETIMEDOUT. Waits (numeric hosts and
 * "localhost" never do). */
WEFT_API WEFT_NODISCARD int weft_resolve(const char *host, int port, int family, weft_addr *out,
                                         size_t max);

/* ============================================================== end DNS */

#ifdef __cplusplus
}
#endif
#endif /* WEFT_NET_H */
