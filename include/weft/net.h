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
    int backlog;   /* listen queue; 0: SOMAXCONN */
    int reuseaddr; /* SO_REUSEADDR (default 1) */
    int reuseport; /* SO_REUSEPORT (default 0): several listeners share a port */
    int nodelay;   /* TCP_NODELAY on TCP streams (default 1) */
    int v6only;    /* IPV6_V6ONLY (default 0: "::" also accepts IPv4) */
} weft_socket_options;
#define WEFT_SOCKET_OPTIONS_INIT {0, 1, 0, 1, 0}

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

#ifdef __cplusplus
}
#endif
#endif /* WEFT_NET_H */
