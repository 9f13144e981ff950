/* Layer 4a: in-process stream pairs (weft_stream_pair): two weft_streams
 * joined by two byte rings, one per direction, with no fd and no kernel in
 * between. The streams do their usual buffering; this file is their
 * transport (see io/stream.h).
 *
 * Ownership. Both ends point (s->tp_ctx) at one struct pair, which owns
 * the rings and lives until both ends are closed: each close detaches its
 * end (p->end[i] = NULL) and the second one frees it, so the ends may be
 * freed in either order.
 *
 * Direction i (p->d[i]) carries the bytes end i writes to end 1 - i. Its
 * ring holds at most RING_MAX bytes (growing from RING_MIN as needed);
 * beyond that the writer waits, as on a full socket. Waits are list waits
 * (sync/wait.h: a weft__sw record on the waiting task's stack, the
 * shared cancel hook unlinks it), and every wake is a hand-off, so no
 * byte is ever in two places or none:
 *
 *   - readers wait only while the ring is empty and the writer has not
 *     shut down. A writer copies straight into the first waiting reader's
 *     buffer and wakes it with the count (data goes to readers before the
 *     ring, so order holds). A reader woken with bytes keeps them even if
 *     an interruption comes before it runs (the next wait reports it).
 *   - writers (a task in tp->send, or the stream's background send, at
 *     most one) wait only while the ring is full. A reader that makes room
 *     moves the first waiter's bytes into the ring and wakes it with the
 *     count (a task) or completes it (weft__stream_sent). An interrupted
 *     waiter has given nothing: the stream keeps its bytes queued.
 *
 * weft__stream_sent is therefore called from task context too (the reader
 * that made room, a close, write_eof): it only updates the stream, starts
 * its next send (pair_send_start, which never waits) and wakes a flusher,
 * so that is safe. These waits are not I/O: they do not count in
 * L->io_inflight (the virtual clock may jump over them, as over a lock). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/stream.h"
#include "sync/wait.h"

#define RING_MIN (16 * 1024)
#define RING_MAX (256 * 1024)    /* per direction, as documented in weft/io.h */
#define OP_MAX ((size_t)1 << 30) /* one transfer at most: results travel as int */

/* A waiting reader or writer, on its task's stack. */
struct pwait {
    weft__sw sw;
    char *buf; /* reader: where handed bytes go; writer: the bytes offered */
    size_t len;
};

struct pdir {
    char *buf; /* ring: [head, head + len) modulo cap (a power of two) */
    size_t cap, head, len;
    uint8_t shut;       /* the writing end shut down or closed: the reader gets 0 after the data */
    uint8_t gone;       /* the reading end closed: writes fail with -EPIPE, buf freed */
    uint8_t bg;         /* the writing stream's background send waits for room */
    const char *bg_buf; /* ... with these bytes (the stream keeps them valid meanwhile) */
    size_t bg_len;
    weft__wq readers; /* reading end's tasks: only while len == 0 and !shut */
    weft__wq writers; /* writing end's tasks in pair_send: only while the ring is full */
};

struct pair {
    weft_stream *end[2]; /* NULL once closed */
    struct pdir d[2];    /* d[i]: written by end[i], read by end[1 - i] */
};

static int side(const struct pair *p, const weft_stream *s)
{
    return p->end[1] == s;
}

static struct pwait *pw_of(weft__sw *sw)
{
    return WEFT__CONTAINER(sw, struct pwait, sw);
}

/* ------------------------------------------------------------- the ring */

static void ring_peek(const struct pdir *d, char *dst, size_t n)
{
    size_t first = d->cap - d->head < n ? d->cap - d->head : n;
    memcpy(dst, d->buf + d->head, first);
    if (n > first) memcpy(dst + first, d->buf, n - first);
}

/* Room for up to want more bytes, growing the ring towards RING_MAX. A
 * failed growth leaves it as it is: the reader makes room later (len > 0,
 * since the ring never starts empty-handed: cap >= RING_MIN). */
static size_t ring_room(struct pdir *d, size_t want)
{
    size_t room = d->cap - d->len;
    if (room >= want || d->cap >= RING_MAX) return room;
    size_t need = d->len + want < RING_MAX ? d->len + want : RING_MAX;
    size_t cap = d->cap;
    while (cap < need) cap *= 2;
    char *nb = malloc(cap);
    if (!nb) return room;
    ring_peek(d, nb, d->len);
    free(d->buf);
    d->buf = nb;
    d->cap = cap;
    d->head = 0;
    return cap - d->len;
}

static size_t ring_put(struct pdir *d, const char *src, size_t n)
{
    size_t room = ring_room(d, n);
    if (n > room) n = room;
    if (!n) return 0;
    size_t tail = (d->head + d->len) & (d->cap - 1);
    size_t first = d->cap - tail < n ? d->cap - tail : n;
    memcpy(d->buf + tail, src, first);
    if (n > first) memcpy(d->buf, src + first, n - first);
    d->len += n;
    return n;
}

static size_t ring_get(struct pdir *d, char *dst, size_t n)
{
    if (n > d->len) n = d->len;
    ring_peek(d, dst, n);
    d->len -= n;
    d->head = d->len ? (d->head + n) & (d->cap - 1) : 0; /* empty: back to the start */
    return n;
}

/* --------------------------------------------------------- hand-offs */

/* Takes what it can of [p, n) without waiting: into the waiting readers'
 * buffers first (they wait only while the ring is empty), then the ring.
 * Returns the bytes taken (0: the ring is full). */
static size_t deliver(struct pdir *d, const char *p, size_t n)
{
    size_t done = 0;
    while (done < n && d->readers.head) {
        struct pwait *r = pw_of(wq_pop(&d->readers));
        size_t k = r->len < n - done ? r->len : n - done;
        memcpy(r->buf, p + done, k);
        done += k;
        weft__wake(&r->sw.w, (int)k);
    }
    return done + ring_put(d, p + done, n - done);
}

/* Room appeared in direction w: moves the waiting writers' bytes in, in
 * order, while they fit. Completing the background send may start the
 * stream's next one (pair_send_start), which takes room at once or
 * becomes the new d->bg: so d->bg is cleared before the call. */
static void serve_writers(struct pair *p, int w)
{
    struct pdir *d = &p->d[w];
    while (!d->gone) {
        if (d->writers.head) {
            struct pwait *x = pw_of(d->writers.head);
            size_t k = deliver(d, x->buf, x->len);
            if (!k) return;
            wq_remove(&x->sw);
            weft__wake(&x->sw.w, (int)k);
        } else if (d->bg) {
            size_t k = deliver(d, d->bg_buf, d->bg_len);
            if (!k) return;
            d->bg = 0;
            weft__stream_sent(p->end[w], (int)k);
        } else {
            return;
        }
    }
}

/* Direction w will take no more bytes: its writers fail with err. */
static void fail_writers(struct pair *p, int w, int err)
{
    struct pdir *d = &p->d[w];
    wq_wake_all(&d->writers, err);
    if (d->bg) {
        d->bg = 0;
        weft__stream_sent(p->end[w], err);
    }
}

static ssize_t park(weft__wq *q, char *buf, size_t len, const char *what)
{
    struct pwait pw = {.sw.w = {.cancel = weft__sw_cancel, .what = what}, .buf = buf, .len = len};
    return wq_wait(q, &pw.sw);
}

/* ----------------------------------------------------------- transport */

static ssize_t pair_read(weft_stream *s, void *buf, size_t len)
{
    struct pair *p = s->tp_ctx;
    int in = !side(p, s);
    struct pdir *d = &p->d[in];
    if (!len) return 0;
    if (len > OP_MAX) len = OP_MAX;
    if (d->len) {
        size_t n = ring_get(d, buf, len);
        serve_writers(p, in);
        return (ssize_t)n;
    }
    if (d->shut) return 0;
    /* woken with bytes handed over, 0 (the writer shut down or closed),
     * or the interruption (nothing taken) */
    return park(&d->readers, buf, len, "stream pair read");
}

/* Whether end s may write now: 0 or -EPIPE (it shut down, or the peer
 * closed). */
static int can_write(const struct pdir *d)
{
    return d->shut || d->gone ? -EPIPE : 0;
}

static ssize_t pair_try_send(weft_stream *s, const void *buf, size_t len)
{
    struct pair *p = s->tp_ctx;
    struct pdir *d = &p->d[side(p, s)];
    int rc = can_write(d);
    if (rc) return rc;
    if (d->writers.head || d->bg) return -EAGAIN; /* not ahead of them */
    size_t n = deliver(d, buf, len < OP_MAX ? len : OP_MAX);
    return n ? (ssize_t)n : -EAGAIN;
}

static ssize_t pair_send(weft_stream *s, const void *buf, size_t len)
{
    ssize_t n = pair_try_send(s, buf, len);
    if (n != -EAGAIN) return n;
    struct pair *p = s->tp_ctx;
    /* woken with the bytes a reader moved in, or -EPIPE, or the
     * interruption (nothing taken) */
    return park(&p->d[side(p, s)].writers, (char *)buf, len < OP_MAX ? len : OP_MAX,
                "stream pair write");
}

static int pair_send_start(weft_stream *s, const void *buf, size_t len)
{
    struct pair *p = s->tp_ctx;
    struct pdir *d = &p->d[side(p, s)];
    int rc = can_write(d);
    if (rc) return rc;
    if (len > OP_MAX) len = OP_MAX;
    if (!d->writers.head) {
        size_t n = deliver(d, buf, len);
        if (n) return (int)n;
    }
    d->bg = 1; /* completed by serve_writers, fail_writers or pair_send_cancel */
    d->bg_buf = buf;
    d->bg_len = len;
    return -EINPROGRESS;
}

static void pair_send_cancel(weft_stream *s)
{
    struct pair *p = s->tp_ctx;
    struct pdir *d = &p->d[side(p, s)];
    if (d->bg) {
        d->bg = 0;
        weft__stream_sent(s, -ECANCELED);
    }
}

/* The sending side ends: the peer reads what is in the ring, then 0. */
static void end_writing(struct pair *p, int w)
{
    struct pdir *d = &p->d[w];
    d->shut = 1;
    wq_wake_all(&d->readers, 0); /* they wait only on an empty ring */
    fail_writers(p, w, -EPIPE);
}

static int pair_shutdown(weft_stream *s)
{
    struct pair *p = s->tp_ctx;
    end_writing(p, side(p, s));
    return 0;
}

static void pair_close(weft_stream *s)
{
    struct pair *p = s->tp_ctx;
    if (!p) return;
    int i = side(p, s);
    end_writing(p, i); /* (the stream has no send in flight by now) */
    p->end[i] = NULL;
    s->tp_ctx = NULL;
    struct pdir *in = &p->d[!i];
    in->gone = 1; /* unread bytes are dropped; the peer's writes fail */
    free(in->buf);
    in->buf = NULL;
    in->cap = in->head = in->len = 0;
    wq_wake_all(&in->readers, -EBADF); /* (closing a stream in use is not supported) */
    if (p->end[!i])
        fail_writers(p, !i, -EPIPE); /* a flush pending on the peer ends */
    else {
        free(p->d[i].buf);
        free(p);
    }
}

static const weft__transport pair_transport = {
    .name = "pair",
    .read = pair_read,
    .try_send = pair_try_send,
    .send = pair_send,
    .send_start = pair_send_start,
    .send_cancel = pair_send_cancel,
    .shutdown = pair_shutdown,
    .close = pair_close,
};

/* -------------------------------------------------------------- make */

int weft_stream_pair(weft_stream **a, weft_stream **b)
{
    if (!weft__L || !a || !b) return -EINVAL;
    struct pair *p = calloc(1, sizeof *p);
    if (!p) return -ENOMEM;
    for (int i = 0; i < 2; i++) {
        p->d[i].buf = malloc(RING_MIN);
        p->d[i].cap = RING_MIN;
        if (!p->d[i].buf || weft__stream_new(&p->end[i], -1, 0, &pair_transport) < 0) {
            for (int k = 0; k < 2; k++) {
                free(p->d[k].buf);
                if (p->end[k]) free(p->end[k]); /* nothing allocated inside yet */
            }
            free(p);
            return -ENOMEM;
        }
        p->end[i]->tp_ctx = p;
    }
    *a = p->end[0];
    *b = p->end[1];
    return 0;
}
