/* weft-example: script=echo_server.sh timeout=60
 *
 * Pattern 18: the seed's TCP echo server (asyncio.start_server with a
 * reader/writer per connection, write + drain). One task per connection
 * echoes every byte until the peer closes. SIGINT/SIGTERM cancel the
 * root task: the accept loop ends, the connections are cancelled and
 * closed, and the program exits 0.
 *
 *   echo_server [PORT [HOST]]     PORT 0 picks a free port (default 8888),
 *                                 HOST defaults to 127.0.0.1
 * It prints "Serving on HOST:PORT" once it listens. */
#include <stdio.h>
#include <stdlib.h>
#include <weft.h>

#define BUF_SIZE (256 * 1024)

static int handle(void *arg)
{
    weft_stream *s = arg;
    char *buf = malloc(BUF_SIZE);
    ssize_t n;
    while (buf && (n = weft_stream_read(s, buf, BUF_SIZE)) > 0) {
        if (weft_stream_write(s, buf, (size_t)n) < 0 || weft_stream_flush(s) < 0) break;
    }
    free(buf);
    weft_stream_close(s);
    return 0;
}

struct args {
    const char *host;
    int port;
};

static int serve(void *arg)
{
    struct args *a = arg;
    weft_listener *l;
    int rc = weft_tcp_listen(&l, a->host, a->port, NULL);
    if (rc < 0) {
        fprintf(stderr, "echo_server: listen on %s:%d: %s\n", a->host, a->port, weft_strerror(rc));
        return 1;
    }
    weft_addr addr;
    char name[WEFT_ADDR_STRLEN];
    if (weft_listener_addr(l, &addr) == 0 && weft_addr_format(&addr, name, sizeof name) > 0)
        printf("Serving on %s (backend %s)\n", name, weft_backend_name());
    fflush(stdout);
    for (;;) {
        weft_stream *s;
        rc = weft_tcp_accept(l, &s);
        if (rc == -EMFILE || rc == -ENFILE) { /* out of fds: the peer waits in the queue */
            if ((rc = weft_sleep(WEFT_MS(10))) < 0) break;
            continue;
        }
        if (rc < 0) break;
        if (weft_spawn(NULL, handle, s) < 0) weft_stream_close(s);
    }
    weft_listener_close(l);
    return rc == -ECANCELED ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct args a = {argc > 2 ? argv[2] : "127.0.0.1", argc > 1 ? atoi(argv[1]) : 8888};
    int rc = weft_run(serve, &a);
    return rc < 0 ? 1 : rc;
}
