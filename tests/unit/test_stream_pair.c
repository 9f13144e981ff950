/* weft-test: timeout=120
 * In-process stream pairs (weft_stream_pair): round trips from a few bytes
 * to 16 MiB each way at once; read_exactly / read_until / readline;
 * backpressure (the 256 KiB ring, then the writer's queue and flush, with
 * the order of events checked, no sleeps); write_eof; closing one end
 * (the other reads the rest, then 0, and its writes fail with -EPIPE);
 * cancelled and timed-out waits lose no byte, also when the interruption
 * races a hand-off; close while the peer flushes or is blocked in a
 * write; both orders of freeing (ASan checks the leaks). */
#include "wt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"

#define KIB 1024
#define RING (256 * KIB) /* what one direction buffers */

static unsigned char pat(size_t i)
{
    return (unsigned char)(i * 7 + (i >> 9) + (i >> 17));
}

static void fill_pat(unsigned char *p, size_t off, size_t n, unsigned x)
{
    for (size_t i = 0; i < n; i++) p[i] = pat(off + i) ^ (unsigned char)x;
}

/* Writes len pattern bytes in chunks of `chunk` (each write must take it). */
static int write_pat(weft_stream *s, size_t off, size_t len, size_t chunk)
{
    unsigned char *buf = malloc(chunk);
    for (size_t done = 0; done < len; done += chunk) {
        size_t n = len - done < chunk ? len - done : chunk;
        fill_pat(buf, off + done, n, 0);
        if (!WT_EQ(weft_stream_write(s, buf, n), (ssize_t)n)) break;
    }
    free(buf);
    return 0;
}

/* Reads exactly len bytes and counts those that differ from the pattern. */
static size_t read_pat(weft_stream *s, size_t off, size_t len)
{
    unsigned char *buf = malloc(len ? len : 1);
    size_t bad = len;
    if (WT_EQ(weft_stream_read_exactly(s, buf, len), 0)) {
        bad = 0;
        for (size_t i = 0; i < len; i++) bad += buf[i] != pat(off + i);
    }
    free(buf);
    return bad;
}

struct reader {
    weft_stream *s;
    char buf[64];
    ssize_t n;
};

/* One weft_stream_read, its result kept. */
static int read_once(void *arg)
{
    struct reader *r = arg;
    r->n = weft_stream_read(r->s, r->buf, sizeof r->buf);
    return (int)r->n;
}

/* Runs body under a 10 s deadline, so that a lost wake-up fails the test
 * (the waits time out, the checks fail) instead of hanging it. */
struct guarded {
    weft_fn body;
};

static int guard_task(void *arg)
{
    struct guarded *g = arg;
    int rc = weft_wait_for(g->body, NULL, WEFT_SEC(10));
    WT_NE(rc, -ETIMEDOUT);
    return rc;
}

static int run(weft_fn body)
{
    struct guarded g = {body};
    return wt_run(guard_task, &g);
}

static int run_virtual(weft_fn body)
{
    struct guarded g = {body};
    return wt_run_virtual(guard_task, &g);
}

/* ---- outside a loop ---- */

static void test_outside_loop(void **st)
{
    (void)st;
    weft_stream *a = NULL, *b = NULL;
    assert_int_equal(weft_stream_pair(&a, &b), -EINVAL);
    assert_null(a);
    assert_null(b);
}

/* ---- small round trips; no fd, no address; a blocked reader is woken by a write ---- */

static int body_small(void *arg)
{
    (void)arg;
    weft_stream *a, *b;
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    WT_EQ(weft_stream_pair(&a, NULL), -EINVAL);
    WT_EQ(weft_stream_fd(a), -1);
    WT_EQ(weft_stream_fd(b), -1);
    weft_addr ad;
    WT_EQ(weft_stream_peer_addr(a, &ad), -ENOTSOCK);
    WT_EQ(weft_stream_local_addr(b, &ad), -ENOTSOCK);
    char buf[16];
    WT_EQ(weft_stream_write(a, "hello", 5), 5);
    WT_EQ(weft_stream_write_queued(a), 0); /* taken at once */
    WT_EQ(weft_stream_read(b, buf, sizeof buf), 5);
    WT_EQ(memcmp(buf, "hello", 5), 0);
    WT_EQ(weft_stream_write(b, "world!", 6), 6);
    WT_EQ(weft_stream_read(a, buf, sizeof buf), 6);
    WT_EQ(memcmp(buf, "world!", 6), 0);

    struct reader r = {b, {0}, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, read_once, &r), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_task_done(t), 0); /* parked on the empty ring */
    WT_EQ(weft_stream_write(a, "abc", 3), 3);
    WT_EQ(weft_join(t), 3);
    WT_EQ(memcmp(r.buf, "abc", 3), 0);
    WT_EQ(weft_loop_current()->io_inflight, 0);
    WT_EQ(weft_stream_close(a), 0);
    WT_EQ(weft_stream_close(b), 0);
    return 0;
}

static void test_small(void **st)
{
    (void)st;
    assert_int_equal(run(body_small), 0);
}

/* ---- 16 MiB each way at once, every byte checked ---- */

#define BIG (16u << 20)

struct flow {
    weft_stream *out, *in;
    unsigned x; /* pattern of this direction */
    size_t got; /* bytes the reader saw before the end of stream */
    size_t bad;
    int eof;
};

static int big_writer(void *arg)
{
    struct flow *f = arg;
    static const size_t sizes[] = {1, 7, 1000, 4096, 16383, 16384, 65537, 300000, 1 << 20};
    unsigned char *buf = malloc(1 << 20);
    size_t off = 0;
    for (int k = 0; off < BIG; k++) {
        size_t n = sizes[k % 9] < BIG - off ? sizes[k % 9] : BIG - off;
        fill_pat(buf, off, n, f->x);
        if (weft_stream_write(f->out, buf, n) != (ssize_t)n || weft_stream_flush(f->out) < 0) break;
        off += n;
    }
    free(buf);
    if (!WT_EQ(off, BIG)) return -1;
    return weft_stream_write_eof(f->out);
}

static int big_reader(void *arg)
{
    struct flow *f = arg;
    static const size_t sizes[] = {1, 100, 4096, 16384, 65536, 1 << 20, 3};
    unsigned char *buf = malloc(1 << 20);
    ssize_t n;
    for (int k = 0; (n = weft_stream_read(f->in, buf, sizes[k % 7])) > 0; k++) {
        for (ssize_t i = 0; i < n; i++) f->bad += buf[i] != (pat(f->got + (size_t)i) ^ f->x);
        f->got += (size_t)n;
    }
    f->eof = n == 0;
    free(buf);
    return (int)n;
}

static int body_big(void *arg)
{
    (void)arg;
    weft_stream *a, *b;
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    struct flow ab = {a, b, 0, 0, 0, 0}, ba = {b, a, 0x5a, 0, 0, 0};
    weft_task *t[4];
    WT_REQUIRE_EQ(weft_spawn(&t[0], big_writer, &ab), 0);
    WT_REQUIRE_EQ(weft_spawn(&t[1], big_reader, &ab), 0);
    WT_REQUIRE_EQ(weft_spawn(&t[2], big_writer, &ba), 0);
    WT_REQUIRE_EQ(weft_spawn(&t[3], big_reader, &ba), 0);
    for (int i = 0; i < 4; i++) WT_EQ(weft_join(t[i]), 0);
    WT_EQ(ab.got, BIG);
    WT_EQ(ab.bad, 0);
    WT_EQ(ab.eof, 1);
    WT_EQ(ba.got, BIG);
    WT_EQ(ba.bad, 0);
    WT_EQ(ba.eof, 1);
    WT_EQ(weft_stream_close(a), 0);
    WT_EQ(weft_stream_close(b), 0);
    return 0;
}

static void test_big(void **st)
{
    (void)st;
    assert_int_equal(run(body_big), 0);
}

/* ---- read_exactly, read_until, readline ---- */

struct script {
    weft_stream *s;
    const char *parts[8]; /* written one by one, yielding between; then the end is closed */
};

static int script_task(void *arg)
{
    struct script *sc = arg;
    for (int i = 0; sc->parts[i]; i++) {
        if (weft_stream_write(sc->s, sc->parts[i], strlen(sc->parts[i])) < 0) return -1;
        if (weft_yield() < 0) return -1;
    }
    return weft_stream_close(sc->s);
}

static int body_reads(void *arg)
{
    (void)arg;
    weft_stream *c, *s;
    weft_task *t;
    char buf[64];

    WT_REQUIRE_EQ(weft_stream_pair(&c, &s), 0);
    struct script sc1 = {s, {"12", "345", NULL}};
    WT_REQUIRE_EQ(weft_spawn(&t, script_task, &sc1), 0);
    WT_EQ(weft_stream_read_exactly(c, buf, 10), WEFT_EOF);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_stream_close(c), 0);

    WT_REQUIRE_EQ(weft_stream_pair(&c, &s), 0);
    struct script sc2 = {s, {"ab", "c\r", "\nxyz", "123456", "tail", NULL}};
    WT_REQUIRE_EQ(weft_spawn(&t, script_task, &sc2), 0);
    WT_EQ(weft_stream_read_until(c, "\r\n", 2, buf, sizeof buf), 5);
    WT_EQ(memcmp(buf, "abc\r\n", 5), 0);
    WT_EQ(weft_stream_read_until(c, "\r\n", 2, buf, 6), WEFT_ELIMIT);
    WT_EQ(weft_stream_read(c, buf, 3), 3); /* nothing was consumed */
    WT_EQ(memcmp(buf, "xyz", 3), 0);
    WT_EQ(weft_stream_read_until(c, "\r\n", 2, buf, sizeof buf), WEFT_EOF);
    WT_EQ(weft_stream_read_exactly(c, buf, 10), 0);
    WT_EQ(memcmp(buf, "123456tail", 10), 0);
    WT_EQ(weft_stream_read(c, buf, 1), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_stream_close(c), 0);

    WT_REQUIRE_EQ(weft_stream_pair(&c, &s), 0);
    struct script sc3 = {s, {"one\ntw", "o\n", "0123456789abcdef\n", "last", NULL}};
    WT_REQUIRE_EQ(weft_spawn(&t, script_task, &sc3), 0);
    WT_EQ(weft_stream_readline(c, buf, sizeof buf), 4);
    WT_EQ(strcmp(buf, "one\n"), 0);
    WT_EQ(weft_stream_readline(c, buf, sizeof buf), 4);
    WT_EQ(strcmp(buf, "two\n"), 0);
    WT_EQ(weft_stream_readline(c, buf, 10), WEFT_ELIMIT);
    WT_EQ(weft_stream_readline(c, buf, sizeof buf), 17);
    WT_EQ(weft_stream_readline(c, buf, sizeof buf), 4);
    WT_EQ(strcmp(buf, "last"), 0);
    WT_EQ(weft_stream_readline(c, buf, sizeof buf), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_stream_close(c), 0);
    return 0;
}

static void test_reads(void **st)
{
    (void)st;
    assert_int_equal(run(body_reads), 0);
}

/* ---- backpressure: the ring takes 256 KiB, the rest queues in the
 * writer's stream, and flush returns only once the reader has drained
 * the queue below the low-water mark (16 KiB) ---- */

struct drainer {
    weft_stream *s, *w; /* reads s; w is the writer's end (to watch its queue) */
    size_t chunk;
    size_t got, bad;
    int yield;    /* yield after each read (one step at a time) */
    int *flushed; /* set by the writer once its flush returned */
    int early;    /* reads after which flush had returned with the queue above low */
};

static int drain_task(void *arg)
{
    struct drainer *d = arg;
    unsigned char *buf = malloc(d->chunk);
    ssize_t n;
    while ((n = weft_stream_read(d->s, buf, d->chunk)) > 0) {
        for (ssize_t i = 0; i < n; i++) d->bad += buf[i] != pat(d->got + (size_t)i);
        d->got += (size_t)n;
        if (d->flushed && weft_stream_write_queued(d->w) > 16 * KIB && *d->flushed) d->early++;
        if (d->yield && weft_yield() < 0) break;
    }
    free(buf);
    return (int)n;
}

static int body_backpressure(void *arg)
{
    (void)arg;
    weft_stream *a, *b;
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    size_t total = RING + 128 * KIB;
    write_pat(a, 0, total, 4 * KIB);               /* small writes: queued, never waited on */
    WT_EQ(weft_stream_write_queued(a), 128 * KIB); /* the ring took exactly 256 KiB */
    int flushed = 0;
    struct drainer d = {b, a, 16 * KIB, 0, 0, 1, &flushed, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, drain_task, &d), 0);
    WT_EQ(d.got, 0);
    WT_EQ(weft_stream_flush(a), 0); /* 128 KiB > the 64 KiB mark: waits */
    flushed = 1;
    size_t at_flush = d.got;
    /* each 16 KiB read makes room for 16 KiB of the queue: flush returns
     * at the read that brings it to 16 KiB, i.e. after 112 KiB were read
     * (the reader yields after each read; allow for one scheduling slip) */
    WT_LE(weft_stream_write_queued(a), 16 * KIB);
    WT_GE(at_flush, 112 * KIB);
    WT_LE(at_flush, 112 * KIB + 32 * KIB);
    WT_EQ(weft_stream_write_eof(a), 0); /* waits for the rest to go */
    WT_EQ(weft_join(t), 0);
    WT_EQ(d.early, 0);
    WT_EQ(d.got, total);
    WT_EQ(d.bad, 0);
    WT_EQ(weft_stream_close(a), 0);
    WT_EQ(weft_stream_close(b), 0);
    return 0;
}

static void test_backpressure(void **st)
{
    (void)st;
    assert_int_equal(run(body_backpressure), 0);
}

/* ---- write_eof: the peer reads 0 (a blocked reader is woken by it);
 * the half-closed end still reads ---- */

static int read_all(void *arg)
{
    struct reader *r = arg;
    size_t got = 0;
    ssize_t n;
    while ((n = weft_stream_read(r->s, r->buf + got, sizeof r->buf - got)) > 0) got += (size_t)n;
    r->n = n;
    return n < 0 ? (int)n : (int)got;
}

static int body_write_eof(void *arg)
{
    (void)arg;
    weft_stream *a, *b;
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    struct reader r = {b, {0}, -1};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, read_all, &r), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_stream_write(a, "abc", 3), 3);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_task_done(t), 0); /* got "abc", waits again */
    WT_EQ(weft_stream_write_eof(a), 0);
    WT_EQ(weft_join(t), 3);
    WT_EQ(r.n, 0);
    WT_EQ(memcmp(r.buf, "abc", 3), 0);
    char buf[8];
    WT_EQ(weft_stream_read(b, buf, sizeof buf), 0); /* and stays at the end */
    /* the other way still works */
    WT_EQ(weft_stream_write(b, "xyz", 3), 3);
    WT_EQ(weft_stream_read(a, buf, sizeof buf), 3);
    WT_EQ(memcmp(buf, "xyz", 3), 0);
    WT_EQ(weft_stream_write_eof(b), 0);
    WT_EQ(weft_stream_read(a, buf, sizeof buf), 0);
    WT_EQ(weft_stream_write(a, "late", 4), -EPIPE); /* a has shut its sending side */
    WT_EQ(weft_stream_close(a), -EPIPE);            /* (that write broke it) */
    WT_EQ(weft_stream_close(b), 0);
    return 0;
}

static void test_write_eof(void **st)
{
    (void)st;
    assert_int_equal(run(body_write_eof), 0);
}

/* ---- closing one end: the other reads what was sent, then 0; its
 * writes fail with -EPIPE ---- */

static int close_task(void *arg)
{
    return weft_stream_close(arg);
}

static int body_close_end(void *arg)
{
    (void)arg;
    weft_stream *a, *b;
    char buf[8];
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    WT_EQ(weft_stream_write(a, "data", 4), 4);
    WT_EQ(weft_stream_write(b, "dropped", 7), 7); /* a never reads it */
    WT_EQ(weft_stream_read(b, buf, 2), 2);
    WT_EQ(weft_stream_close(a), 0);
    WT_EQ(weft_stream_read(b, buf, sizeof buf), 2);
    WT_EQ(memcmp(buf, "ta", 2), 0);
    WT_EQ(weft_stream_read(b, buf, sizeof buf), 0);
    WT_EQ(weft_stream_write(b, "x", 1), -EPIPE);
    WT_EQ(weft_stream_flush(b), -EPIPE);
    WT_EQ(weft_stream_close(b), -EPIPE);

    /* a reader blocked on the empty ring is woken by the close */
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    struct reader r = {b, {0}, -1};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, read_once, &r), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_task_done(t), 0);
    WT_EQ(weft_stream_close(a), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_stream_close(b), 0);

    /* close sends what is queued first: a full ring and 64 KiB queued */
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    write_pat(a, 0, RING + 64 * KIB, 4 * KIB);
    WT_EQ(weft_stream_write_queued(a), 64 * KIB);
    WT_REQUIRE_EQ(weft_spawn(&t, close_task, a), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_task_done(t), 0); /* the close waits for the reader */
    WT_EQ(read_pat(b, 0, RING + 64 * KIB), 0);
    WT_EQ(weft_stream_read(b, buf, sizeof buf), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(weft_stream_close(b), 0);
    return 0;
}

static void test_close_end(void **st)
{
    (void)st;
    assert_int_equal(run(body_close_end), 0);
}

/* ---- cancellation: a blocked reader gets -ECANCELED and nothing is
 * lost; a reader handed bytes just before its cancellation keeps them;
 * a writer cancelled while blocked leaves the rest queued, in order ---- */

struct big_write {
    weft_stream *s;
    size_t off, len;
    ssize_t wrote;
    int flush;
};

static int big_write_task(void *arg)
{
    struct big_write *w = arg;
    unsigned char *buf = malloc(w->len);
    fill_pat(buf, w->off, w->len, 0);
    w->wrote = weft_stream_write(w->s, buf, w->len); /* >= 16 KiB: waits for room */
    free(buf);
    w->flush = weft_stream_flush(w->s);
    return 0;
}

static int body_cancel(void *arg)
{
    (void)arg;
    weft_stream *a, *b;
    char buf[8];
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    for (int i = 0; i < 3; i++) {
        struct reader r = {b, {0}, 0};
        weft_task *t;
        WT_REQUIRE_EQ(weft_spawn(&t, read_once, &r), 0);
        WT_EQ(weft_yield(), 0);
        WT_EQ(weft_task_done(t), 0);
        WT_EQ(weft_cancel(t), 0);
        WT_EQ(weft_join(t), -ECANCELED);
    }
    WT_EQ(weft_stream_write(a, "xyz", 3), 3); /* no stale waiter takes these */
    WT_EQ(weft_stream_read(b, buf, sizeof buf), 3);
    WT_EQ(memcmp(buf, "xyz", 3), 0);

    /* the hand-off race: bytes handed over, then the cancellation */
    struct reader r = {b, {0}, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, read_once, &r), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_stream_write(a, "abc", 3), 3);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), 3);
    WT_EQ(memcmp(r.buf, "abc", 3), 0);
    WT_EQ(weft_stream_write(a, "def", 3), 3);
    WT_EQ(weft_stream_read(b, buf, sizeof buf), 3);
    WT_EQ(memcmp(buf, "def", 3), 0);

    /* a writer blocked on the full ring */
    struct big_write w1 = {a, 0, RING, 0, 0}, w2 = {a, RING, 100 * KIB, 0, 0};
    WT_REQUIRE_EQ(weft_spawn(&t, big_write_task, &w1), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(w1.wrote, RING); /* fits: the ring took it */
    WT_EQ(weft_stream_write_queued(a), 0);
    WT_REQUIRE_EQ(weft_spawn(&t, big_write_task, &w2), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_task_done(t), 0); /* blocked in its write */
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(w2.wrote, 100 * KIB);  /* the write is not a cancellation point... */
    WT_EQ(w2.flush, -ECANCELED); /* ...the flush is */
    WT_EQ(weft_stream_write_queued(a), 100 * KIB);
    WT_EQ(read_pat(b, 0, RING + 100 * KIB), 0);
    WT_EQ(weft_stream_write_queued(a), 0);
    WT_EQ(weft_stream_close(a), 0);
    WT_EQ(weft_stream_read(b, buf, sizeof buf), 0);
    WT_EQ(weft_stream_close(b), 0);
    return 0;
}

static void test_cancel(void **st)
{
    (void)st;
    assert_int_equal(run(body_cancel), 0);
}

/* ---- deadlines (virtual clock): a read and a flush time out, nothing
 * taken, the stream goes on ---- */

static int body_deadline(void *arg)
{
    (void)arg;
    weft_stream *a, *b;
    char buf[8];
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    int64_t t0 = weft_now();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(50)), 0);
    WT_EQ(weft_stream_read(b, buf, sizeof buf), -ETIMEDOUT);
    WT_EQ(weft_stream_read(b, buf, sizeof buf), -ETIMEDOUT); /* sticky */
    WT_EQ(weft_deadline_pop(), 1);
    WT_GE(weft_now() - t0, WEFT_MS(50));
    WT_EQ(weft_stream_write(a, "ok", 2), 2);
    WT_EQ(weft_stream_read(b, buf, sizeof buf), 2);
    WT_EQ(memcmp(buf, "ok", 2), 0);

    write_pat(a, 0, RING + 128 * KIB, 4 * KIB);
    t0 = weft_now();
    WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(20)), 0);
    WT_EQ(weft_stream_flush(a), -ETIMEDOUT);
    WT_EQ(weft_deadline_pop(), 1);
    WT_GE(weft_now() - t0, WEFT_MS(20));
    WT_EQ(weft_stream_write_queued(a), 128 * KIB); /* nothing dropped */
    struct drainer d = {b, a, 50000, 0, 0, 0, NULL, 0};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, drain_task, &d), 0);
    weft_stream_set_write_limit(a, 0);
    WT_EQ(weft_stream_flush(a), 0);
    WT_EQ(weft_stream_close(a), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(d.got, RING + 128 * KIB);
    WT_EQ(d.bad, 0);
    WT_EQ(weft_stream_close(b), 0);
    return 0;
}

static void test_deadline(void **st)
{
    (void)st;
    assert_int_equal(run_virtual(body_deadline), 0);
}

/* ---- closing one end while the peer flushes, or is blocked in a write ---- */

static int flush_task(void *arg)
{
    return weft_stream_flush(arg);
}

static int body_close_flushing(void *arg)
{
    (void)arg;
    weft_stream *a, *b;
    char buf[8];
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    write_pat(a, 0, RING + 128 * KIB, 4 * KIB);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, flush_task, a), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_task_done(t), 0); /* flushing */
    WT_EQ(weft_stream_close(b), 0);
    WT_EQ(weft_join(t), -EPIPE);
    WT_EQ(weft_stream_write_queued(a), 0); /* dropped: nobody will read it */
    WT_EQ(weft_stream_write(a, "x", 1), -EPIPE);
    WT_EQ(weft_stream_read(a, buf, sizeof buf), 0);
    WT_EQ(weft_stream_close(a), -EPIPE);

    /* the peer blocked in a large write (no queue: sent from its buffer) */
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    struct big_write w = {a, 0, RING + 64 * KIB, 0, 0};
    WT_REQUIRE_EQ(weft_spawn(&t, big_write_task, &w), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_task_done(t), 0);
    WT_EQ(weft_stream_close(b), 0);
    WT_EQ(weft_join(t), 0);
    WT_EQ(w.wrote, -EPIPE);
    WT_EQ(w.flush, -EPIPE);
    WT_EQ(weft_stream_close(a), -EPIPE);
    return 0;
}

static void test_close_flushing(void **st)
{
    (void)st;
    assert_int_equal(run(body_close_flushing), 0);
}

/* ---- both orders of freeing, with bytes left in both rings and queues
 * (ASan reports any leak or use after free) ---- */

static int body_free_orders(void *arg)
{
    (void)arg;
    for (int i = 0; i < 64; i++) {
        weft_stream *e[2];
        WT_REQUIRE_EQ(weft_stream_pair(&e[0], &e[1]), 0);
        int first = i & 1;
        weft_stream *x = e[first], *y = e[!first];
        char c;
        WT_EQ(weft_stream_write(x, "x", 1), 1);
        WT_EQ(weft_stream_write(y, "y", 1), 1);
        if (i & 2) write_pat(y, 0, RING + 8 * KIB, 8 * KIB); /* a full ring, a queue */
        WT_EQ(weft_stream_close(x), 0);                      /* y's bytes for x are dropped */
        WT_EQ(weft_stream_read(y, &c, 1), 1);
        WT_EQ(c, 'x');
        WT_EQ(weft_stream_read(y, &c, 1), 0);
        WT_EQ(weft_stream_close(y), i & 2 ? -EPIPE : 0); /* its queue could not go */
    }
    WT_EQ(weft_loop_current()->io_inflight, 0);
    return 0;
}

static void test_free_orders(void **st)
{
    (void)st;
    assert_int_equal(run(body_free_orders), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outside_loop), cmocka_unit_test(test_small),
        cmocka_unit_test(test_big),          cmocka_unit_test(test_reads),
        cmocka_unit_test(test_backpressure), cmocka_unit_test(test_write_eof),
        cmocka_unit_test(test_close_end),    cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_deadline),     cmocka_unit_test(test_close_flushing),
        cmocka_unit_test(test_free_orders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
