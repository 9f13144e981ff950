/* Layer 4b: what the socket files share. */
#ifndef WEFT_NET_SOCK_H
#define WEFT_NET_SOCK_H

#include "io/stream.h"
#include "weft/net.h"

struct weft_listener {
    int fd;
    int nodelay; /* TCP_NODELAY on accepted streams */
    char *path;  /* a Unix listener's socket file (removed at close) */
};

/* socket(2), non-blocking and close-on-exec: the fd or -errno. */
int weft__sock_open(int family, int type);
/* Applies o's socket-level options (reuseaddr, reuseport, v6only) to a
 * socket about to be bound. Returns 0 or -errno. */
int weft__sock_bind_opts(int fd, int family, const weft_socket_options *o);
/* Sets TCP_NODELAY. */
void weft__sock_nodelay(int fd);
/* Makes a stream of a connected socket; closes fd on failure. */
int weft__sock_stream(weft_stream **s, int fd);
/* Waits for a connection on l, as a stream. */
int weft__listener_accept(weft_listener *l, weft_stream **s, int tcp);

#endif
