/* Layer 4b: TCP listen, accept and connect (weft/net.h).
 *
 * Connecting to a host with several addresses races them (Happy Eyeballs,
 * RFC 8305): each attempt is a task of a group; the next attempt starts
 * when the previous one failed or after a 250 ms head start; the first to
 * connect wins and the group cancels the others (an attempt that connected
 * anyway closes its socket). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "net/resolve.h"
#include "net/sock.h"
#include "util/opts.h"

#define MAX_ADDRS 16
#define ATTEMPT_DELAY WEFT_MS(250)

int weft_tcp_listen(weft_listener **out, const char *host, int port, const weft_socket_options *o)
{
    if (!out) return -EINVAL;
    weft_socket_options oo;
    if (WEFT__OPTS_TAKE(weft_socket_options, &oo, o, WEFT_SOCKET_OPTIONS_INIT) < 0) return -EINVAL;
    o = &oo;
    weft_addr addrs[MAX_ADDRS];
    int n = weft__resolve(host, port, SOCK_STREAM, addrs, MAX_ADDRS);
    if (n < 0) return n;
    int rc = -EADDRNOTAVAIL;
    for (int i = 0; i < n; i++) {
        int fam = addrs[i].u.sa.sa_family;
        int fd = weft__sock_open(fam, SOCK_STREAM);
        if (fd < 0) {
            rc = fd;
            continue;
        }
        rc = weft__sock_bind_opts(fd, fam, o);
        if (rc == 0 && bind(fd, &addrs[i].u.sa, addrs[i].len) < 0) rc = -errno;
        if (rc == 0 && listen(fd, o->backlog > 0 ? o->backlog : SOMAXCONN) < 0) rc = -errno;
        if (rc < 0) {
            close(fd);
            continue;
        }
        weft_listener *l = calloc(1, sizeof *l);
        if (!l) {
            close(fd);
            return -ENOMEM;
        }
        l->fd = fd;
        l->nodelay = o->nodelay;
        *out = l;
        return 0;
    }
    return rc;
}

int weft_tcp_accept(weft_listener *l, weft_stream **s) { return weft__listener_accept(l, s, 1); }

/* ---------------------------------------------------------------- connect */

struct attempt {
    const weft_addr *addr;
    int fd; /* the connected socket, once connected */
};

/* One connection attempt: connects a fresh socket to addr. */
static int attempt(void *arg)
{
    struct attempt *at = arg;
    int fd = weft__sock_open(at->addr->u.sa.sa_family, SOCK_STREAM);
    if (fd < 0) return fd;
    int rc = weft_fd_connect(fd, &at->addr->u.sa, at->addr->len);
    if (rc < 0) {
        WEFT_IGNORE(weft_fd_close(fd));
        return rc;
    }
    at->fd = fd;
    return 0;
}

static int spawn_attempt(weft_group *g, struct attempt *at, const weft_addr *a)
{
    *at = (struct attempt){a, -1};
    return weft_group_spawn(g, NULL, attempt, at);
}

static int race(weft_addr *addrs, int n, int *fd_out)
{
    struct attempt at[MAX_ADDRS];
    weft_group *g;
    int rc = weft_group_new(&g, WEFT_COLLECT);
    if (rc < 0) return rc;
    int started = 0, running = 0, winner = -1, err = -ECONNREFUSED;
    while (winner < 0) {
        if (running == 0) { /* nothing pending: start the next attempt now */
            if (started == n) break;
            if ((rc = spawn_attempt(g, &at[started], &addrs[started])) < 0) break;
            started++;
            running++;
        }
        weft_task *t = NULL;
        int head_start = started < n;
        if (head_start && (rc = weft_deadline_push(ATTEMPT_DELAY)) < 0) break;
        rc = weft_group_next(g, &t);
        int mine = head_start && weft_deadline_pop() == 1;
        if (rc == -ETIMEDOUT && mine) { /* its head start is over: race the next one too */
            if ((rc = spawn_attempt(g, &at[started], &addrs[started])) < 0) break;
            started++;
            running++;
            continue;
        }
        if (rc < 0) break; /* the caller was cancelled or its deadline passed */
        if (!t) continue;
        running--;
        int st = weft_task_status(t);
        if (st < 0) {
            err = st;
            continue;
        }
        for (int i = 0; i < started; i++)
            if (weft_group_task(g, (size_t)i) == t) winner = i;
    }
    weft_group_cancel(g);
    weft_group_free(g); /* waits for the losers */
    for (int i = 0; i < started; i++)
        if (i != winner && at[i].fd >= 0) WEFT_IGNORE(weft_fd_close(at[i].fd));
    if (winner >= 0) {
        *fd_out = at[winner].fd;
        return 0;
    }
    return rc < 0 ? rc : err;
}

int weft_tcp_connect_opts(weft_stream **s, const char *host, int port,
                          const weft_socket_options *o)
{
    weft_loop *L = weft_loop_current();
    if (!s || !host || !*host || !L || !weft_self()) return -EINVAL;
    weft_socket_options oo;
    if (WEFT__OPTS_TAKE(weft_socket_options, &oo, o, WEFT_SOCKET_OPTIONS_INIT) < 0) return -EINVAL;
    o = &oo;
    weft_addr addrs[MAX_ADDRS];
    int n = weft__resolve(host, port, SOCK_STREAM, addrs, MAX_ADDRS);
    if (n < 0) return n;
    int fd = -1, rc;
    if (n == 1) {
        struct attempt at = {&addrs[0], -1};
        rc = attempt(&at);
        fd = at.fd;
    } else {
        rc = race(addrs, n, &fd);
    }
    if (rc < 0) return rc;
    if (o->nodelay) weft__sock_nodelay(fd);
    return weft__sock_stream(s, fd);
}

int weft_tcp_connect(weft_stream **s, const char *host, int port)
{
    return weft_tcp_connect_opts(s, host, port, NULL);
}
