/* Layer 4b: Unix stream sockets (weft/net.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/sock.h"

static int unix_addr(weft_addr *a, const char *path)
{
    if (!path || !*path) return -EINVAL;
    size_t n = strlen(path);
    if (n >= sizeof a->u.un.sun_path) return -ENAMETOOLONG;
    memset(a, 0, sizeof *a);
    a->u.un.sun_family = AF_UNIX;
    memcpy(a->u.un.sun_path, path, n + 1);
    a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return 0;
}

int weft_unix_listen(weft_listener **out, const char *path, int backlog)
{
    weft_addr a;
    if (!out) return -EINVAL;
    int rc = unix_addr(&a, path);
    if (rc < 0) return rc;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path); /* a stale socket */
    int fd = weft__sock_open(AF_UNIX, SOCK_STREAM);
    if (fd < 0) return fd;
    if (bind(fd, &a.u.sa, a.len) < 0 || listen(fd, backlog > 0 ? backlog : SOMAXCONN) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    weft_listener *l = calloc(1, sizeof *l);
    char *p = strdup(path);
    if (!l || !p) {
        free(l);
        free(p);
        close(fd);
        unlink(path);
        return -ENOMEM;
    }
    l->fd = fd;
    l->path = p;
    *out = l;
    return 0;
}

int weft_unix_accept(weft_listener *l, weft_stream **s) { return weft__listener_accept(l, s, 0); }

int weft_unix_connect(weft_stream **s, const char *path)
{
    weft_addr a;
    if (!s || !weft_self()) return -EINVAL;
    int rc = unix_addr(&a, path);
    if (rc < 0) return rc;
    int fd = weft__sock_open(AF_UNIX, SOCK_STREAM);
    if (fd < 0) return fd;
    rc = weft_fd_connect(fd, &a.u.sa, a.len);
    if (rc < 0) {
        WEFT_IGNORE(weft_fd_close(fd));
        return rc;
    }
    return weft__sock_stream(s, fd);
}
