/* Layer 4a: buffered streams (weft/io.h); the transports are in
 * transport.c.
 *
 * Read side: rb holds what the kernel gave and nobody has read yet. A read
 * at least as large as the buffer's capacity goes straight into the
 * caller's buffer when nothing is buffered.
 *
 * Write side: wb queues bytes not yet taken by the kernel. With nothing
 * queued, a write first tries the transport's non-waiting send (epoll's
 * try-first: most writes end there, without a copy); a large write is sent
 * from the caller's buffer while the caller waits; whatever remains is
 * copied into wb and sent in the background (one op in flight, s->wop),
 * each completion starting the next send until wb is empty. Writes from
 * several tasks go out in the order of the calls: while a task waits in a
 * direct send (WEFT__SEND_DIRECT), later writes are queued and not kicked,
 * and the waiting writer's unsent rest is put ahead of them. wb is never
 * moved while a send reads from it: a growing queue gets a new buffer and
 * the old one is freed when that send completes (s->wold). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backends.h"
#include "io/stream.h"

#define RBUF_SIZE (16 * 1024) /* grows for read_until limits beyond it */
#define HIGH_WATER (64 * 1024)
#define SYNC_MIN (16 * 1024) /* writes this large are sent from the caller's buffer */

static size_t queued(const weft_stream *s) { return s->wend - s->wpos; }

/* ------------------------------------------------------------ make/free */

int weft__stream_new(weft_stream **out, int fd, int is_sock, const weft__transport *tp)
{
    weft_stream *s = calloc(1, sizeof *s);
    if (!s) return -ENOMEM;
    s->tp = tp ? tp : weft__fd_transport(weft__L, is_sock);
    s->loop = weft__L;
    s->fd = fd;
    s->is_sock = (uint8_t)is_sock;
    s->high = HIGH_WATER;
    s->low = HIGH_WATER / 4;
    *out = s;
    return 0;
}

int weft_stream_open_fd(weft_stream **out, int fd)
{
    if (!weft__L || !out || fd < 0) return -EINVAL;
    struct stat st;
    if (fstat(fd, &st) < 0) return -errno;
    int rc = weft_fd_set_nonblocking(fd, 1);
    if (rc < 0) return rc;
    return weft__stream_new(out, fd, S_ISSOCK(st.st_mode), NULL);
}

int weft_stream_fd(const weft_stream *s) { return s ? s->fd : -EINVAL; }

/* ---------------------------------------------------------- write queue */

/* Starts background sends while bytes are queued and none is in flight. */
static void kick(weft_stream *s)
{
    while (queued(s) && !s->sending && !s->werr && !s->closing) {
        int r = s->tp->send_start(s, s->wb + s->wpos, queued(s));
        if (r == -EINPROGRESS) {
            s->sending = WEFT__SEND_OP;
            return;
        }
        if (r <= 0) {
            s->werr = r < 0 ? r : -EPIPE;
            s->wpos = s->wend = 0;
            return;
        }
        s->wpos += (size_t)r;
        if (s->wpos == s->wend) s->wpos = s->wend = 0;
    }
}

static void wake_writer(weft_stream *s)
{
    weft__wait *w = s->wwait;
    if (w && (s->werr || (queued(s) <= s->wwant && !(s->wwant == 0 && s->sending)))) {
        s->wwait = NULL;
        weft__wake(w, 0);
    }
}

void weft__stream_sent(weft_stream *s, int res)
{
    s->sending &= (uint8_t)~WEFT__SEND_OP;
    if (s->wold) {
        free(s->wold);
        s->wold = NULL;
    }
    if (s->closing) { /* close gave up on the queue */
        s->wpos = s->wend = 0;
    } else if (res > 0) {
        s->wpos += (size_t)res;
        if (s->wpos >= s->wend) s->wpos = s->wend = 0;
    } else {
        if (!s->werr) s->werr = res < 0 ? res : -EPIPE;
        s->wpos = s->wend = 0;
    }
    kick(s);
    wake_writer(s);
}

/* A buffer size of at least need, doubling from cur (or from min): never
 * wraps; 0 when need cannot be had. */
static size_t grown(size_t cur, size_t min, size_t need)
{
    size_t n = cur ? cur : min;
    while (n < need) {
        if (n > SIZE_MAX / 2) return need;
        n *= 2;
    }
    return n;
}

/* Room for n more bytes at the end of the queue. */
static int reserve(weft_stream *s, size_t n)
{
    size_t q = queued(s);
    if (n > SIZE_MAX - q) return -ENOMEM;
    if (!(s->sending & WEFT__SEND_OP) && s->wpos > 0) { /* nothing reads the buffer: compact */
        memmove(s->wb, s->wb + s->wpos, q);
        s->wpos = 0;
        s->wend = q;
    }
    if (s->wcap - s->wend >= n) return 0;
    size_t cap = grown(s->wcap, 4096, q + n);
    char *nb = malloc(cap);
    if (!nb) return -ENOMEM;
    if (q) memcpy(nb, s->wb + s->wpos, q);
    if ((s->sending & WEFT__SEND_OP) && !s->wold) {
        /* the send in flight reads the old buffer: free it when it ends;
         * its bytes stay counted at the head of the new queue */
        s->wold = s->wb;
    } else {
        free(s->wb); /* (with wold set, the send in flight reads wold) */
    }
    s->wb = nb;
    s->wcap = cap;
    s->wpos = 0;
    s->wend = q;
    return 0;
}

static ssize_t append(weft_stream *s, const char *p, size_t n)
{
    if (!n) return 0;
    int rc = reserve(s, n);
    if (rc < 0) return rc;
    memcpy(s->wb + s->wend, p, n);
    s->wend += n;
    return 0;
}

/* The rest of a write whose direct send was cut short while other writers
 * queued behind it: iov[0] from byte `skip` on, then the other n - 1,
 * go in at the front of the queue, ahead of theirs. Nothing is in flight
 * then: a direct send starts only with nothing queued or sending, and
 * blocks kicks until it ends. */
static __attribute__((noinline)) ssize_t insert_rest(weft_stream *s, const struct iovec *iov,
                                                     int n, size_t skip)
{
    size_t at = 0;
    for (int i = 0; i < n; i++, skip = 0) {
        size_t len = iov[i].iov_len - skip;
        if (!len) continue;
        int rc = reserve(s, len);
        if (rc < 0) return rc;
        char *w = s->wb + s->wpos + at;
        memmove(w + len, w, queued(s) - at);
        memcpy(w, (const char *)iov[i].iov_base + skip, len);
        s->wend += len;
        at += len;
    }
    return 0;
}

char *weft__stream_wspace(weft_stream *s, size_t n)
{
    if (s->werr || s->closing || reserve(s, n) < 0) return NULL;
    return s->wb + s->wend;
}

void weft__stream_wcommit(weft_stream *s, size_t n) { s->wend += n; }

void weft__stream_kick(weft_stream *s) { kick(s); }

/* The part of a write nothing is queued ahead of: try to send it at once,
 * or (large) from the caller's buffer while waiting. Returns bytes sent. */
static size_t send_direct(weft_stream *s, const char *p, size_t n, int *err)
{
    size_t done = 0;
    ssize_t r = s->tp->try_send ? s->tp->try_send(s, p, n) : -EAGAIN;
    if (r > 0) done = (size_t)r;
    else if (r < 0 && r != -EAGAIN) {
        *err = (int)r;
        return 0;
    }
    if (n - done < SYNC_MIN || !s->loop->current) return done;
    s->sending = WEFT__SEND_DIRECT; /* writers that come while this one waits queue behind it */
    while (done < n) {
        r = s->tp->send(s, p + done, n - done);
        if (r == -ECANCELED || r == -ETIMEDOUT) break; /* queue the rest */
        if (r <= 0) {
            *err = r < 0 ? (int)r : -EPIPE;
            break;
        }
        done += (size_t)r;
    }
    s->sending = 0;
    if (WEFT__UNLIKELY(s->wwait != NULL)) wake_writer(s); /* a flush or close waited for it */
    return done;
}

ssize_t weft_stream_writev(weft_stream *s, const struct iovec *iov, int n)
{
    if (!s || n < 0 || (n && !iov)) return -EINVAL;
    if (s->werr) return s->werr;
    if (s->closing) return -EPIPE;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        if (iov[i].iov_len > (size_t)SSIZE_MAX - total) return -EINVAL; /* no count to return */
        total += iov[i].iov_len;
    }
    if (!total) return 0;
    /* In order, whatever the number of writers: the direct path only with
     * nothing queued, in flight, or being sent directly by another task. */
    int direct = !queued(s) && !s->sending;
    for (int i = 0; i < n; i++) {
        const char *p = iov[i].iov_base;
        size_t len = iov[i].iov_len;
        if (direct && len) {
            int err = 0;
            size_t d = send_direct(s, p, len, &err);
            if (err) {
                s->werr = err;
                return err;
            }
            if (d < len) {
                direct = 0;
                if (WEFT__UNLIKELY(queued(s) != 0)) { /* others wrote while this send waited */
                    ssize_t rc = insert_rest(s, iov + i, n - i, d);
                    if (rc < 0) return rc;
                    break;
                }
            }
            p += d;
            len -= d;
        }
        ssize_t rc = append(s, p, len);
        if (rc < 0) return rc;
    }
    kick(s);
    if (s->werr) return s->werr;
    return (ssize_t)total;
}

ssize_t weft_stream_write(weft_stream *s, const void *buf, size_t len)
{
    struct iovec v = {(void *)buf, len};
    return weft_stream_writev(s, &v, 1);
}

struct queue_wait {
    weft__wait w;
    weft_stream *s;
};

static void writer_cancel(weft__wait *w, int reason)
{
    weft_stream *s = WEFT__CONTAINER(w, struct queue_wait, w)->s;
    if (s->wwait == w) s->wwait = NULL;
    weft__wake(w, reason);
}

/* Waits until at most `want` bytes are queued (0: and no send in flight)
 * or the stream broke. */
static int wait_queue(weft_stream *s, size_t want, int cancellable)
{
    struct queue_wait wq = {{.cancel = cancellable ? writer_cancel : NULL, .what = "stream flush"}, s};
    while (!s->werr && (queued(s) > want || (want == 0 && s->sending))) {
        if (s->wwait) return -EBUSY;
        if (cancellable) {
            int rc = weft__check(s->loop, s->loop->current);
            if (rc) return rc;
        }
        s->wwant = want;
        s->wwait = &wq.w;
        int rc = weft__park(&wq.w);
        if (s->wwait == &wq.w) s->wwait = NULL;
        if (rc < 0) return rc;
    }
    return s->werr;
}

int weft_stream_flush(weft_stream *s)
{
    if (!s) return -EINVAL;
    weft_loop *L = weft__L;
    if (!L || !L->current) return -EINVAL;
    int rc = weft__check(L, L->current);
    if (rc) return rc;
    if (s->werr) return s->werr;
    if (queued(s) <= s->high && (s->high || !s->sending)) return 0;
    return wait_queue(s, s->high ? s->low : 0, 1);
}

void weft_stream_set_write_limit(weft_stream *s, size_t high)
{
    if (!s) return;
    s->high = high;
    s->low = high / 4;
}

size_t weft_stream_write_queued(const weft_stream *s) { return s ? queued(s) : 0; }

int weft_stream_write_eof(weft_stream *s)
{
    if (!s) return -EINVAL;
    weft_loop *L = weft__L;
    if (!L || !L->current) return -EINVAL;
    int rc = weft__check(L, L->current);
    if (rc) return rc;
    rc = wait_queue(s, 0, 1);
    if (rc < 0) return rc;
    return s->tp->shutdown(s);
}

/* Ends a stream: rc is the close's result so far. */
static int finish_close(weft_stream *s, int rc)
{
    s->closing = 1;
    if (s->sending & WEFT__SEND_OP) {
        s->tp->send_cancel(s);
        (void)wait_queue(s, 0, 0); /* its completion must come before the free */
    }
    s->tp->close(s);
    if (!rc && s->werr) rc = s->werr;
    free(s->wold);
    free(s->wb);
    free(s->rb);
    if (s->owner) *s->owner = NULL;
    free(s);
    return rc;
}

int weft_stream_close(weft_stream *s)
{
    if (!s) return 0;
    int rc = 0;
    kick(s); /* bytes appended in place and not yet kicked go too */
    if (weft__L && weft__L->current && !s->werr && (queued(s) || s->sending))
        rc = wait_queue(s, 0, 1);
    return finish_close(s, rc);
}

void weft__stream_abort(weft_stream *s)
{
    if (s) (void)finish_close(s, 0);
}

/* ----------------------------------------------------------- read side */

/* Reads more into rb (at least one byte, waiting). Returns > 0, 0 at the
 * end of the stream (eof set), or -errno (sticky). */
static ssize_t fill(weft_stream *s)
{
    if (s->eof) return 0;
    if (s->rerr) return s->rerr;
    if (!s->rb) {
        s->rb = malloc(RBUF_SIZE);
        if (!s->rb) return -ENOMEM;
        s->rcap = RBUF_SIZE;
    }
    if (s->rpos == s->rend) s->rpos = s->rend = 0;
    else if (s->rend == s->rcap && s->rpos > 0) {
        memmove(s->rb, s->rb + s->rpos, s->rend - s->rpos);
        s->rend -= s->rpos;
        s->rpos = 0;
    }
    ssize_t r = s->tp->read(s, s->rb + s->rend, s->rcap - s->rend);
    if (r > 0) s->rend += (size_t)r;
    else if (r == 0) s->eof = 1;
    else if (r != -ECANCELED && r != -ETIMEDOUT && r != -EAGAIN) s->rerr = (int)r;
    return r;
}

static int task_ok(void)
{
    weft_loop *L = weft__L;
    return L && L->current;
}

ssize_t weft_stream_read(weft_stream *s, void *buf, size_t len)
{
    if (!s || !task_ok()) return -EINVAL;
    int rc = weft__check(s->loop, s->loop->current);
    if (rc) return rc;
    size_t have = s->rend - s->rpos;
    if (!have) {
        if (!len) return 0;
        if (len >= RBUF_SIZE && !s->eof && !s->rerr) { /* straight into the caller's buffer */
            ssize_t r = s->tp->read(s, buf, len);
            if (r == 0) s->eof = 1;
            else if (r < 0 && r != -ECANCELED && r != -ETIMEDOUT) s->rerr = (int)r;
            return r;
        }
        ssize_t r = fill(s);
        if (r <= 0) return r;
        have = s->rend - s->rpos;
    }
    size_t n = have < len ? have : len;
    memcpy(buf, s->rb + s->rpos, n);
    s->rpos += n;
    return (ssize_t)n;
}

int weft_stream_read_exactly(weft_stream *s, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = weft_stream_read(s, p + got, len - got);
        if (r == 0) return WEFT_EOF;
        if (r < 0) return (int)r;
        got += (size_t)r;
    }
    return 0;
}

/* Makes rb able to hold cap unread bytes. */
static int rb_room(weft_stream *s, size_t cap)
{
    if (s->rb && s->rcap >= cap) return 0;
    size_t n = grown(s->rcap, RBUF_SIZE, cap);
    char *nb = malloc(n);
    if (!nb) return -ENOMEM;
    size_t have = s->rend - s->rpos;
    if (have) memcpy(nb, s->rb + s->rpos, have);
    free(s->rb);
    s->rb = nb;
    s->rcap = n;
    s->rpos = 0;
    s->rend = have;
    return 0;
}

int weft__stream_unread(weft_stream *s, const void *p, size_t n)
{
    if (!n) return 0;
    size_t have = s->rend - s->rpos;
    if (s->rpos < n) { /* no room in front: make room for both, then shift */
        int rc = rb_room(s, have + n);
        if (rc < 0) return rc;
        memmove(s->rb + n, s->rb + s->rpos, have);
        s->rpos = n;
        s->rend = n + have;
    }
    s->rpos -= n;
    memcpy(s->rb + s->rpos, p, n);
    return 0;
}

ssize_t weft_stream_read_until(weft_stream *s, const void *delim, size_t dlen, void *buf,
                               size_t cap)
{
    if (!s || !delim || !dlen || !task_ok()) return -EINVAL;
    int rc = weft__check(s->loop, s->loop->current);
    if (rc) return rc;
    size_t scanned = 0; /* no delimiter ends within the first `scanned` bytes */
    for (;;) {
        size_t have = s->rend - s->rpos;
        size_t from = scanned >= dlen ? scanned - dlen + 1 : 0;
        if (have >= dlen && have > from) {
            const char *hit = memmem(s->rb + s->rpos + from, have - from, delim, dlen);
            if (hit) {
                size_t n = (size_t)(hit - (s->rb + s->rpos)) + dlen;
                if (n > cap) return WEFT_ELIMIT;
                memcpy(buf, s->rb + s->rpos, n);
                s->rpos += n;
                return (ssize_t)n;
            }
        }
        if (have >= cap) return WEFT_ELIMIT;
        scanned = have;
        /* The buffer grows only when a line outgrows it, and never past
         * what the cap allows (so a huge cap costs nothing up front). */
        if (s->rb && have == s->rcap) { /* (fill makes the first buffer) */
            size_t want = s->rcap > SIZE_MAX / 2 ? SIZE_MAX : s->rcap * 2;
            if (want > cap) want = cap;
            rc = rb_room(s, want);
            if (rc < 0) return rc;
        }
        ssize_t r = fill(s);
        if (r == 0) return WEFT_EOF;
        if (r < 0) return r;
    }
}

ssize_t weft_stream_readline(weft_stream *s, char *buf, size_t cap)
{
    if (!s || !buf || cap < 2) return -EINVAL;
    ssize_t r = weft_stream_read_until(s, "\n", 1, buf, cap - 1);
    if (r == WEFT_EOF) { /* the last line, unterminated */
        r = (ssize_t)(s->rend - s->rpos);
        memcpy(buf, s->rb + s->rpos, (size_t)r);
        s->rpos = s->rend;
    }
    if (r >= 0) buf[r] = 0;
    return r;
}
