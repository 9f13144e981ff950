/* Layer 4a: the transports of plain fds (weft__fd_transport): sockets and
 * pipes through the backend's operations, and on io_uring (opt-in) socket
 * receives through a multishot recv into provided buffers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "backend/backends.h"
#include "io/stream.h"

/* ------------------------------------------------------- fd transport */

static ssize_t fd_read(weft_stream *s, void *buf, size_t len)
{
    weft__io op = {.op = s->is_sock ? WEFT__OP_RECV : WEFT__OP_READ, .fd = s->fd, .buf = buf,
                   .len = len, .w.what = "stream read"};
    return weft__io_wait(s->loop, &op);
}

static ssize_t fd_try_send(weft_stream *s, const void *buf, size_t len)
{
    if (!(s->loop->be_caps & WEFT__CAP_TRY)) return -EAGAIN;
    weft__io op = {.op = s->is_sock ? WEFT__OP_SEND : WEFT__OP_WRITE, .fd = s->fd,
                   .buf = (void *)buf, .len = len};
    return weft__sys_run(&op);
}

static ssize_t fd_send(weft_stream *s, const void *buf, size_t len)
{
    weft__io op = {.op = s->is_sock ? WEFT__OP_SEND : WEFT__OP_WRITE, .fd = s->fd,
                   .buf = (void *)buf, .len = len, .w.what = "stream write"};
    return weft__io_wait(s->loop, &op);
}

static void wop_done(weft__io *op, int res)
{
    weft__stream_sent(WEFT__CONTAINER(op, weft_stream, wop), res);
}

static int fd_send_start(weft_stream *s, const void *buf, size_t len)
{
    s->wop.op = s->is_sock ? WEFT__OP_SEND : WEFT__OP_WRITE;
    s->wop.fd = s->fd;
    s->wop.buf = (void *)buf;
    s->wop.len = len;
    s->wop.flags = 0;
    s->wop.done = wop_done;
    return s->loop->be->start(s->loop, &s->wop);
}

static void fd_send_cancel(weft_stream *s) { s->loop->be->cancel(s->loop, &s->wop); }

static int fd_shutdown(weft_stream *s)
{
    if (!s->is_sock) { /* a pipe: its end is closing it */
        int rc = weft_fd_close(s->fd);
        s->fd = -1;
        return rc;
    }
    return shutdown(s->fd, SHUT_WR) < 0 ? -errno : 0;
}

static void fd_close(weft_stream *s)
{
    if (s->fd >= 0) WEFT_IGNORE(weft_fd_close(s->fd));
    s->fd = -1;
}

static const weft__transport fd_transport = {
    .name = "fd",
    .read = fd_read,
    .try_send = fd_try_send,
    .send = fd_send,
    .send_start = fd_send_start,
    .send_cancel = fd_send_cancel,
    .shutdown = fd_shutdown,
    .close = fd_close,
};

/* ------------------------------------------- multishot receive transport */

/* On io_uring with provided buffers, a socket stream receives through one
 * multishot recv armed at its first read: each arrival becomes a chunk (a
 * provided buffer) queued on the stream, with no submission per read. A
 * reader copies from the chunks and gives each buffer back once read, or
 * waits on the stream (not on a kernel op: cancelling the reader touches
 * nothing in flight). A reader that lags MQ_STOP chunks behind pauses the
 * multishot (cancel; re-armed by the read that empties the queue); when
 * the kernel runs out of buffers, the next read is a plain recv. Bulk
 * data (a completion that fills a whole buffer) also pauses it: large
 * transfers go faster as plain recvs straight into the reader's buffer
 * (no second copy), and the stream comes back to multishot after a plain
 * recv that returns less than a buffer's worth. */
#define MQ_STOP 8
#define MULTI_BULK (16 * 1024) /* a plain recv this short ends bulk mode */

static int multi_off; /* the kernel refused multishot receives: plain ones from now on */

static struct weft__chunk *mq_at(weft_stream *s, size_t i)
{
    return &s->mq[(s->mq_head + i) & (s->mq_cap - 1)];
}

static int mq_push(weft_stream *s, char *p, uint32_t len, uint16_t bid)
{
    if (s->mq_n == s->mq_cap) {
        size_t cap = s->mq_cap ? s->mq_cap * 2 : 8;
        struct weft__chunk *n = malloc(cap * sizeof *n);
        if (!n) return -ENOMEM;
        for (size_t i = 0; i < s->mq_n; i++) n[i] = *mq_at(s, i);
        free(s->mq);
        s->mq = n;
        s->mq_cap = cap;
        s->mq_head = 0;
    }
    *mq_at(s, s->mq_n++) = (struct weft__chunk){p, len, bid};
    return 0;
}

static void wake_reader(weft_stream *s)
{
    weft__wait *w = s->rwait;
    if (w) {
        s->rwait = NULL;
        weft__wake(w, 0);
    }
}

static void mop_done(weft__io *op, int res)
{
    weft_stream *s = WEFT__CONTAINER(op, weft_stream, mop);
    weft_loop *L = s->loop;
    if (res > 0) {
        if (mq_push(s, op->buf, (uint32_t)res, op->bid) < 0) {
            L->be->buf_put(L, op->bid);
            if (!s->merr) s->merr = -ENOMEM;
        } else if (s->mstate == 1 && op->more && (s->mq_n >= MQ_STOP || (size_t)res == op->len)) {
            if ((size_t)res == op->len) s->mbulk = 1; /* bulk data */
            s->mstate = 2;                            /* or the reader lags */
            L->be->cancel(L, op);
        }
    } else if (res == 0) {
        s->meof = 1;
    } else if (res == -ENOBUFS) {
        s->mplain = 1;
    } else if (res == -EINVAL && !s->mq_n && !s->meof) { /* no multishot recv in this kernel */
        multi_off = 1;
        s->mplain = 1;
    } else if (res != -ECANCELED || s->mstate != 2) {
        if (!s->merr) s->merr = res;
    }
    if (!op->more) s->mstate = 0;
    wake_reader(s);
}

struct reader_wait {
    weft__wait w;
    weft_stream *s;
};

static void reader_cancel(weft__wait *w, int reason)
{
    weft_stream *s = WEFT__CONTAINER(w, struct reader_wait, w)->s;
    if (s->rwait == w) s->rwait = NULL;
    weft__wake(w, reason);
}

/* Waits for mop_done (cancellable or not). */
static int wait_chunk(weft_stream *s, int cancellable)
{
    weft_loop *L = s->loop;
    struct reader_wait rw = {{.cancel = cancellable ? reader_cancel : NULL, .what = "stream read"}, s};
    if (cancellable) {
        int rc = weft__check(L, L->current);
        if (rc) return rc;
    }
    s->rwait = &rw.w;
    L->io_inflight++; /* a task waits for I/O */
    int rc = weft__park(&rw.w);
    L->io_inflight--;
    if (s->rwait == &rw.w) s->rwait = NULL;
    return rc;
}

static ssize_t multi_read(weft_stream *s, void *buf, size_t len)
{
    weft_loop *L = s->loop;
    for (;;) {
        if (s->mq_n) {
            size_t got = 0;
            while (s->mq_n && got < len) {
                struct weft__chunk *c = mq_at(s, 0);
                size_t n = c->len < len - got ? c->len : len - got;
                memcpy((char *)buf + got, c->p, n);
                got += n;
                c->p += n;
                c->len -= (uint32_t)n;
                if (!c->len) {
                    L->be->buf_put(L, c->bid);
                    s->mq_head = (s->mq_head + 1) & (s->mq_cap - 1);
                    s->mq_n--;
                }
            }
            return (ssize_t)got;
        }
        if (s->meof) return 0;
        if (s->merr) {
            int e = s->merr;
            s->merr = 0;
            return e;
        }
        if (s->mstate == 0) {
            if (s->mplain || s->mbulk || multi_off) {
                s->mplain = 0;
                ssize_t r = fd_read(s, buf, len);
                if (r >= 0 && (size_t)r < MULTI_BULK) s->mbulk = 0; /* small again */
                return r;
            }
            s->mop = (weft__io){.op = WEFT__OP_RECV_MULTI, .fd = s->fd, .done = mop_done};
            int r = L->be->start(L, &s->mop);
            if (r != -EINPROGRESS) {
                if (r != -EOPNOTSUPP) return r;
                multi_off = 1;
                continue;
            }
            s->mstate = 1;
        }
        int rc = wait_chunk(s, 1);
        if (rc < 0) return rc;
    }
}

/* Before the stream is freed: the multishot ends and its buffers go back. */
static void multi_stop(weft_stream *s)
{
    weft_loop *L = s->loop;
    if (s->mstate) {
        if (s->mstate == 1) {
            s->mstate = 2;
            L->be->cancel(L, &s->mop);
        }
        while (s->mstate) (void)wait_chunk(s, 0);
    }
    while (s->mq_n) {
        L->be->buf_put(L, mq_at(s, 0)->bid);
        s->mq_head = (s->mq_head + 1) & (s->mq_cap - 1);
        s->mq_n--;
    }
    free(s->mq);
    s->mq = NULL;
}

static void multi_close(weft_stream *s)
{
    multi_stop(s);
    fd_close(s);
}

static const weft__transport multi_transport = {
    .name = "fd+multishot",
    .read = multi_read,
    .try_send = fd_try_send,
    .send = fd_send,
    .send_start = fd_send_start,
    .send_cancel = fd_send_cancel,
    .shutdown = fd_shutdown,
    .close = multi_close,
};

const weft__transport *weft__fd_transport(weft_loop *L, int is_sock)
{
    return is_sock && (L->be_caps & WEFT__CAP_RECV_MULTI) && !multi_off ? &multi_transport
                                                                        : &fd_transport;
}


