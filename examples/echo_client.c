/* weft-example: script=echo_client.sh timeout=60
 *
 * Pattern 18, the other side: asyncio.open_connection. Connects to an echo
 * server (weft_tcp_connect tries every address of the host: Happy
 * Eyeballs), sends each message, reads the echo back with read_exactly
 * and checks it, then half-closes and waits for the server to close.
 *
 *   echo_client PORT [HOST [COUNT [SIZE]]]   HOST defaults to localhost,
 *                                            COUNT messages of SIZE bytes
 *                                            (default 1000 x 1 KiB)
 *   echo_client                              the same against a small echo
 *                                            server task of its own */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weft.h>

struct args {
    const char *host;
    int port;
    long count;
    size_t size;
};

/* The built-in server (no arguments): echoes one connection. */
static int echo_one(void *arg)
{
    weft_listener *l = arg;
    weft_stream *s;
    int rc = weft_tcp_accept(l, &s);
    if (rc < 0) return rc;
    char buf[4096];
    ssize_t n;
    while ((n = weft_stream_read(s, buf, sizeof buf)) > 0)
        if (weft_stream_write(s, buf, (size_t)n) < 0 || weft_stream_flush(s) < 0) break;
    return weft_stream_close(s);
}

static int client(struct args *a);

static int amain(void *arg)
{
    struct args *a = arg;
    if (a->port) return client(a);
    weft_listener *l;
    weft_addr addr;
    weft_task *t;
    if (weft_tcp_listen(&l, "127.0.0.1", 0, NULL) < 0 || weft_listener_addr(l, &addr) < 0 ||
        weft_spawn(&t, echo_one, l) < 0)
        return 1;
    a->port = weft_addr_port(&addr);
    int rc = client(a);
    if (weft_join(t) < 0) rc = 1;
    weft_listener_close(l);
    return rc;
}

static int client(struct args *a)
{
    weft_stream *s;
    int rc = weft_tcp_connect(&s, a->host, a->port);
    if (rc < 0) {
        fprintf(stderr, "connect %s:%d: %s\n", a->host, a->port, weft_strerror(rc));
        return 1;
    }
    weft_addr peer;
    char name[WEFT_ADDR_STRLEN] = "?";
    if (weft_stream_peer_addr(s, &peer) == 0) (void)weft_addr_format(&peer, name, sizeof name);
    char *msg = malloc(a->size), *back = malloc(a->size);
    if (!msg || !back) return 1;
    int64_t t0 = weft_now();
    long i;
    for (i = 0; i < a->count; i++) {
        for (size_t k = 0; k < a->size; k++) msg[k] = (char)('a' + (i + (long)k) % 26);
        if ((rc = (int)weft_stream_write(s, msg, a->size)) < 0) break;
        if ((rc = weft_stream_read_exactly(s, back, a->size)) < 0) break;
        if (memcmp(msg, back, a->size) != 0) {
            rc = WEFT_EPROTO;
            break;
        }
    }
    double secs = (double)(weft_now() - t0) / 1e9;
    if (rc >= 0) rc = weft_stream_write_eof(s);
    char c;
    if (rc >= 0 && weft_stream_read(s, &c, 1) != 0) rc = WEFT_EPROTO; /* the server closes */
    weft_stream_close(s);
    free(msg);
    free(back);
    if (rc < 0) {
        fprintf(stderr, "echo_client: after %ld messages: %s\n", i, weft_strerror(rc));
        return 1;
    }
    printf("%ld messages of %zu bytes echoed by %s in %.3f s (%.0f msg/s)\n", i, a->size, name,
           secs, secs > 0 ? (double)i / secs : 0.0);
    return 0;
}

int main(int argc, char **argv)
{
    struct args a = {argc > 2 ? argv[2] : "localhost", argc > 1 ? atoi(argv[1]) : 0,
                     argc > 3 ? atol(argv[3]) : 1000, argc > 4 ? (size_t)atol(argv[4]) : 1024};
    if (!a.size) return 2;
    return weft_run(amain, &a) == 0 ? 0 : 1;
}
