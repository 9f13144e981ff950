/* Closed-loop TCP echo load generator on weft, for bench/run_echo.sh when
 * ../shared/bench/peers (and its echo_client) is not there: C connections
 * to 127.0.0.1:PORT, each sending one message of S bytes and reading the
 * whole echo back (checked) before the next; W seconds of warm-up, then D
 * seconds counted.
 *   echo_load -p PORT [-c CONNS] [-s BYTES] [-d SECS] [-w SECS]
 * prints: msgs_per_s=<f> mib_per_s=<f> msgs=<n> secs=<f> conns=<c> msg_bytes=<s> */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weft.h>

static int port = 0, conns = 64, warm = 1, dur = 5;
static size_t size = 1024;
static int64_t t_start, t_end;
static long counted;

static int conn(void *arg)
{
    (void)arg;
    weft_stream *s;
    int rc = weft_tcp_connect(&s, "127.0.0.1", port);
    if (rc < 0) return rc;
    char *msg = malloc(size), *back = malloc(size);
    for (size_t i = 0; i < size; i++) msg[i] = (char)i;
    while (rc == 0 && weft_now() < t_end) {
        if (weft_stream_write(s, msg, size) < 0) rc = -1;
        else if ((rc = weft_stream_read_exactly(s, back, size)) == 0) {
            if (memcmp(msg, back, size) != 0) rc = -1;
            else if (weft_now() >= t_start) counted++;
        }
    }
    free(msg);
    free(back);
    weft_stream_close(s);
    return rc;
}

static int amain(void *arg)
{
    (void)arg;
    t_start = weft_now() + WEFT_SEC(warm);
    t_end = t_start + WEFT_SEC(dur);
    weft_group *g;
    if (weft_group_new(&g, WEFT_COLLECT) < 0) return 1;
    for (int i = 0; i < conns; i++)
        if (weft_group_spawn(g, NULL, conn, NULL) < 0) return 1;
    int failed = weft_group_wait(g);
    weft_group_free(g);
    double secs = (double)dur;
    printf("msgs_per_s=%.1f mib_per_s=%.1f msgs=%ld secs=%.3f conns=%d msg_bytes=%zu\n",
           (double)counted / secs, (double)counted * (double)size / secs / 1048576.0, counted, secs,
           conns, size);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    int c;
    while ((c = getopt(argc, argv, "H:p:c:s:d:w:")) != -1) {
        switch (c) {
        case 'p': port = atoi(optarg); break;
        case 'c': conns = atoi(optarg); break;
        case 's': size = (size_t)atol(optarg); break;
        case 'd': dur = atoi(optarg); break;
        case 'w': warm = atoi(optarg); break;
        default: break;
        }
    }
    if (!port || !size) return 2;
    return weft_run(amain, NULL) == 0 ? 0 : 1;
}
