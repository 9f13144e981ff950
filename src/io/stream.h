/* Layer 4a: the stream object and its transport interface.
 *
 * A weft_stream (weft/io.h) does the buffering; a transport moves bytes.
 * The fd transport (stream.c) talks to a socket or pipe through the
 * backend; a TLS transport (layer 5) plugs in by filling a weft__transport
 * and making streams with weft__stream_new. The write side sends in the
 * background: the stream hands its queued bytes to send_start, whose
 * completion calls weft__stream_sent. */
#ifndef WEFT_IO_STREAM_H
#define WEFT_IO_STREAM_H

#include <stddef.h>
#include <sys/types.h>

#include "io/io.h"
#include "weft/io.h"

typedef struct weft__transport {
    const char *name;
    /* Reads up to len bytes into buf, waiting for at least one (a
     * cancellation point): > 0, 0 at the end of the stream, or -errno. */
    ssize_t (*read)(weft_stream *s, void *buf, size_t len);
    /* Sends what it can of [buf, len) without waiting: bytes taken, or
     * -EAGAIN when none, or -errno. NULL: not available. */
    ssize_t (*try_send)(weft_stream *s, const void *buf, size_t len);
    /* Sends some of [buf, len), waiting until the kernel took at least one
     * byte (a cancellation point): bytes taken or -errno. */
    ssize_t (*send)(weft_stream *s, const void *buf, size_t len);
    /* Starts sending [buf, len) in the background through s->wop. Returns
     * -EINPROGRESS (weft__stream_sent(s, res) follows, once) or a result
     * at once (bytes taken, or -errno). [buf, len) stays valid meanwhile. */
    int (*send_start)(weft_stream *s, const void *buf, size_t len);
    /* Asks the background send in flight to end soon (its completion still
     * comes). */
    void (*send_cancel)(weft_stream *s);
    /* Half-closes the sending side (nothing is queued). 0 or -errno. */
    int (*shutdown)(weft_stream *s);
    /* Releases the connection (no background send in flight) and whatever
     * the transport holds; may wait, uninterruptibly. */
    void (*close)(weft_stream *s);
} weft__transport;

#define WEFT__SEND_OP 0x1u
#define WEFT__SEND_DIRECT 0x2u

struct weft_stream {
    const weft__transport *tp;
    weft_loop *loop;
    void *tp_ctx;              /* the transport's own state */
    int fd;
    uint8_t is_sock;           /* recv/send (else read/write) */
    uint8_t eof;               /* the peer's end of stream was read */
    uint8_t sending;           /* WEFT__SEND_OP: wop is in flight; WEFT__SEND_DIRECT: a
                                  writer sends from its own buffer and waits (later
                                  writes queue behind it, nothing is kicked). Either
                                  keeps writes off the direct path: one test. */
    uint8_t closing;
    int rerr;                  /* a read error (sticky) */
    int werr;                  /* the send error that broke the stream (sticky) */
    char *rb;                  /* read buffer: [rpos, rend) unread */
    size_t rcap, rpos, rend;
    char *wb;                  /* write queue: [wpos, wend) unsent; [wpos, wsent) in flight */
    size_t wcap, wpos, wend;
    char *wold;                /* a replaced queue buffer the send in flight still uses */
    size_t high, low;          /* flush marks */
    size_t wwant;              /* wwait wakes once unsent <= wwant, or on an error */
    weft__wait *wwait;         /* the task waiting for the write queue (flush, close) */
    weft__io wop;              /* the background send */
    weft_stream **owner;       /* cleared when the stream is freed (a process's slot) */
    /* multishot receive (io_uring): chunks the kernel left in provided
     * buffers, oldest first, read before anything else */
    weft__io mop;
    struct weft__chunk {
        char *p;
        uint32_t len;
        uint16_t bid;
    } *mq;                     /* ring of mq_cap chunks: [mq_head, mq_head + mq_n) */
    size_t mq_head, mq_n, mq_cap;
    uint8_t mstate;            /* 0 idle, 1 armed, 2 cancelled, waiting for its last completion */
    uint8_t meof;              /* the multishot saw the end of the stream */
    uint8_t mplain;            /* the next read is a plain recv (buffers ran out) */
    uint8_t mbulk;             /* data comes in full buffers: plain recvs straight into the
                                  reader's buffer, until one comes back short */
    int merr;                  /* its error, for the next read */
    weft__wait *rwait;         /* a reader waiting for a chunk */
};

/* The transport for a plain fd on loop L (transport.c). */
const weft__transport *weft__fd_transport(weft_loop *L, int is_sock);
/* Makes a stream over fd with transport tp (NULL: weft__fd_transport).
 * is_sock: a socket (recv/send) rather than a pipe. Returns 0 or -ENOMEM;
 * on failure fd is left open. */
int weft__stream_new(weft_stream **out, int fd, int is_sock, const weft__transport *tp);
/* Closes s without sending what is queued (cancels a send in flight and
 * waits, uninterruptibly, until the backend lets go of it) and frees it. */
void weft__stream_abort(weft_stream *s);
/* Appending straight into the write queue (protocols that format their
 * output in place, such as the HTTP server): weft__stream_wspace returns
 * room for n bytes at the queue's end (NULL: -ENOMEM, or the stream is
 * broken or closing), weft__stream_wcommit adds the n bytes written
 * there, and weft__stream_kick starts sending what is queued (in the
 * background; it does not wait). Several commits may share one kick. */
char *weft__stream_wspace(weft_stream *s, size_t n);
void weft__stream_wcommit(weft_stream *s, size_t n);
void weft__stream_kick(weft_stream *s);
/* Puts n bytes back in front of the stream's unread input (a protocol
 * that read ahead hands the connection over). Returns 0 or -ENOMEM. */
int weft__stream_unread(weft_stream *s, const void *p, size_t n);
/* The background send's completion, for transports: res bytes were taken
 * (> 0) or the send failed (< 0). Loop context. */
void weft__stream_sent(weft_stream *s, int res);

#endif
