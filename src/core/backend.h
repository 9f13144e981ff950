/* Layer 1 -> 2: the I/O backend interface.
 *
 * A backend waits for I/O and wake-ups on behalf of the loop and runs I/O
 * operations. Core knows only this table; the implementations live in
 * src/backend/ (one per file: io_uring, epoll, poll), and
 * weft__backend_pick (defined there) is core's only call into that folder.
 * The io layer (src/io/) turns operations into task waits.
 *
 * Loop entries:
 *   init   set up L->be_state (an fd the loop can wait on, a wake-up channel)
 *   fini   tear it down (no operation is in progress by then)
 *   poll   submit what was queued this turn, wait up to timeout_ns (0: do
 *          not block; < 0: no limit) for completions or a wake-up, and
 *          finish the completed operations (their done callbacks run
 *          here). Returns >= 0 or a negative errno.
 *   wake   make a concurrent or later poll return soon. Thread-safe and
 *          async-signal-safe.
 *
 * Operations. An operation is a weft__io record owned by the caller (on a
 * waiting task's stack, or inside an object such as a stream), described
 * by its opcode and arguments:
 *   start  begins op. Returns its result (>= 0 or a negative errno) when it
 *          finished at once, without calling op->done; or -EINPROGRESS,
 *          and then op->done(op, res) is called exactly once, from poll or
 *          from cancel/fd_closing, in the loop's own context. Until then
 *          the record must stay where it is, and L->io_inflight counts it.
 *          An opcode the backend cannot run gives -EOPNOTSUPP (see caps).
 *   cancel asks an op in progress to end soon. done is still called
 *          exactly once: now (epoll) or when the kernel has let go of the
 *          op's buffers (io_uring). Its result is the op's own if the op
 *          completed first (so no data or fd is lost), else negative.
 *   fd_closing  fd is about to be closed: every op in progress on it ends
 *          with -EBADF (done now or later) and the backend forgets the fd.
 *   buf_put gives back a provided buffer (io_uring multishot receives).
 *
 * The epoll backend tries the system call first and waits for readiness
 * only on EAGAIN; io_uring queues a submission that poll sends to the
 * kernel with everything else queued in the same loop turn. */
#ifndef WEFT_CORE_BACKEND_H
#define WEFT_CORE_BACKEND_H

#include <stdint.h>
#include <sys/types.h>

#include "core/loop.h"

/* Opcodes. The socket/pipe ones work on non-blocking fds. */
enum {
    WEFT__OP_READ,    /* read(fd, buf, len) */
    WEFT__OP_WRITE,   /* write(fd, buf, len) */
    WEFT__OP_RECV,    /* recv(fd, buf, len, flags) */
    WEFT__OP_SEND,    /* send(fd, buf, len, flags | MSG_NOSIGNAL) */
    WEFT__OP_RECVMSG, /* recvmsg(fd, buf = struct msghdr *, flags) */
    WEFT__OP_SENDMSG, /* sendmsg(fd, buf = struct msghdr *, flags | MSG_NOSIGNAL) */
    WEFT__OP_ACCEPT,  /* accept4(fd, addr, addrlen, SOCK_CLOEXEC | SOCK_NONBLOCK) */
    WEFT__OP_CONNECT, /* connect(fd, addr, alen) to completion: 0 or -errno */
    WEFT__OP_POLL,    /* readiness: flags = POLLIN and/or POLLOUT; result: revents */
    /* file operations (caps & WEFT__CAP_FILES) */
    WEFT__OP_PREAD,   /* pread(fd, buf, len, off) */
    WEFT__OP_PWRITE,  /* pwrite(fd, buf, len, off) */
    WEFT__OP_OPENAT,  /* openat(fd, path = buf, flags | O_CLOEXEC, mode) */
    WEFT__OP_FSYNC,   /* fsync(fd), or fdatasync when flags is 1 */
    WEFT__OP_CLOSE,   /* close(fd) */
    /* a multishot recv into the loop's provided buffers (caps &
     * WEFT__CAP_RECV_MULTI): done runs once per completion, with res > 0
     * bytes at op->buf (provided buffer op->bid: give it back with
     * buf_put; op->len is the buffer's size), 0 at the end of the stream
     * or < 0 an error; op->more is 0
     * on the last call. It is a background op: io_inflight does not count
     * it (the task that waits for its data does). */
    WEFT__OP_RECV_MULTI,
    WEFT__OP_COUNT
};

/* L->be_caps, set by the backend's init */
#define WEFT__CAP_IO 0x1u    /* runs the socket/pipe opcodes */
#define WEFT__CAP_FILES 0x2u /* runs the file opcodes without blocking the loop */
#define WEFT__CAP_RECV_MULTI 0x8u /* runs WEFT__OP_RECV_MULTI */
#define WEFT__CAP_TRY 0x4u   /* start tries the system call at once (epoll): a caller may
                                try it itself first (weft__sys_run) before copying data
                                that a queued op would need to outlive the call */

typedef struct weft__io weft__io;
struct weft__io {
    weft__wait w;                        /* the waiting task, when a task waits on it */
    void (*done)(weft__io *op, int res); /* see start */
    uint8_t op;                          /* WEFT__OP_* */
    uint8_t bflags;                      /* the backend's own state bits */
    int fd;
    int flags;
    int reason;                          /* io layer: the interruption, once cancelled */
    void *buf;
    size_t len;
    int64_t off;
    void *addr;                          /* ACCEPT: out; CONNECT: in */
    socklen_t *addrlen;                  /* ACCEPT */
    socklen_t alen;                      /* CONNECT */
    unsigned mode;                       /* OPENAT */
    uint16_t bid;                        /* RECV_MULTI: the provided buffer of this completion */
    uint8_t more;                        /* RECV_MULTI: more completions follow */
    weft__io *next;                      /* the backend's list of ops waiting on fd */
};

struct weft__backend {
    const char *name;
    int (*init)(weft_loop *L);
    void (*fini)(weft_loop *L);
    int (*poll)(weft_loop *L, int64_t timeout_ns);
    void (*wake)(weft_loop *L);
    int (*start)(weft_loop *L, weft__io *op);
    void (*cancel)(weft_loop *L, weft__io *op);
    void (*fd_closing)(weft_loop *L, int fd);
    /* Gives provided buffer bid (a RECV_MULTI completion's) back to the kernel. */
    void (*buf_put)(weft_loop *L, unsigned bid);
};

/* Picks a backend: `name` (opts.backend), else $WEFT_BACKEND, else the best
 * this kernel allows (io_uring, then epoll); an unknown name is -EINVAL.
 * Sets L->be and calls its init, falling back to the next candidate when
 * init fails and no name was forced. Defined in src/backend/. */
int weft__backend_pick(weft_loop *L, const char *name);

#endif
