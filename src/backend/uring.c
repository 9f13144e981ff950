/* Layer 2: the io_uring backend.
 *
 * start() only fills a submission queue entry (SQE) whose user_data is the
 * op record; poll() hands everything queued during the turn to the kernel
 * in one io_uring_enter, which also waits for and collects completions
 * (CQEs). So a loop turn costs one system call however many operations it
 * starts. Each completion calls its op's done callback.
 *
 * Cancelling (a task cancelled or past its deadline while its op is in
 * flight) queues an ASYNC_CANCEL for the op; the op's own completion still
 * comes, with -ECANCELED or with its result if it had completed first, and
 * only then is done called: the op's buffer, usually on the waiting task's
 * stack, is never written after the wait returned. Closing an fd cancels
 * every op on it by fd (IORING_ASYNC_CANCEL_FD, submitted at once while the
 * fd is still open); their completions report -EBADF.
 *
 * Per opcode fallback: an opcode the kernel lacks (probed at init) runs as
 * its system call, and on EAGAIN waits with a POLL_ADD and retries, as on
 * epoll; so does a native read/write that reports EAGAIN (a pipe opened
 * O_NONBLOCK). Without the file opcodes the io layer sends file work to a
 * thread. The ring is set up single-issuer with deferred task work where
 * the kernel has them (6.1+); io_uring is declined (so epoll is used) on
 * kernels without cancel-by-fd (5.19).
 *
 * user_data: the op pointer with a tag in its low 3 bits (records are
 * 8-byte aligned): TAG_OP the op itself, TAG_POLL its fallback readiness
 * poll, TAG_WAKE the wake-up eventfd's poll, 0 a CQE to ignore (cancels).
 *
 * Built only with liburing (WEFT_HAVE_URING); without it weft runs on epoll. */
#ifdef WEFT_HAVE_URING
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/backends.h"

#define TAG_OP 1u
#define TAG_POLL 2u
#define TAG_WAKE 3u
#define TAG_MULTI 4u
#define TAG_MASK 7u

/* op->bflags */
#define BF_CANCELLED 0x01u /* an ASYNC_CANCEL was queued for it */
#define BF_POLLING 0x02u   /* waiting on its fallback POLL_ADD */
#define BF_MULTI 0x04u     /* a multishot recv */

/* Provided buffers for multishot receives: NBUF buffers of BUF_SIZE bytes
 * in one lazily touched mapping, group 0. */
#define NBUF 1024u
#define BUF_SIZE (16u * 1024)

#define SQ_ENTRIES 1024u
#define CQ_ENTRIES 16384u
#define BATCH 256

struct ur {
    struct io_uring ring;
    int efd; /* wake-up eventfd */
    unsigned char native[WEFT__OP_COUNT];
    uint32_t *fdops; /* ops in flight per fd (fd_closing looks here), and
                        FD_DRAINED: its last receive came back short */
    size_t nfdops;
    uint64_t efd_val;             /* read target when draining efd */
    struct io_uring_buf_ring *br; /* the provided-buffer ring (NULL: none) */
    char *bufs;                   /* NBUF x BUF_SIZE */
    int taskrun_flag;             /* the kernel flags pending completion work */
    int poll_first;               /* the kernel takes IORING_RECVSEND_POLL_FIRST (>= 5.19) */
};

/* A receive that came back short emptied the socket: the next one on that
 * fd skips the certain-EAGAIN attempt and waits for data straight away
 * (IORING_RECVSEND_POLL_FIRST), as the epoll backend skips the system
 * call. A stale bit (say the fd was reused) costs nothing: arming the poll
 * finds data already there. */
#define FD_DRAINED 0x80000000u
#define FD_OPS(v) ((v) & ~FD_DRAINED)

static const uint8_t uring_opcode[WEFT__OP_COUNT] = {
    [WEFT__OP_READ] = IORING_OP_READ,       [WEFT__OP_WRITE] = IORING_OP_WRITE,
    [WEFT__OP_RECV] = IORING_OP_RECV,       [WEFT__OP_SEND] = IORING_OP_SEND,
    [WEFT__OP_RECVMSG] = IORING_OP_RECVMSG, [WEFT__OP_SENDMSG] = IORING_OP_SENDMSG,
    [WEFT__OP_ACCEPT] = IORING_OP_ACCEPT,   [WEFT__OP_CONNECT] = IORING_OP_CONNECT,
    [WEFT__OP_POLL] = IORING_OP_POLL_ADD,   [WEFT__OP_PREAD] = IORING_OP_READ,
    [WEFT__OP_PWRITE] = IORING_OP_WRITE,    [WEFT__OP_OPENAT] = IORING_OP_OPENAT,
    [WEFT__OP_FSYNC] = IORING_OP_FSYNC,     [WEFT__OP_CLOSE] = IORING_OP_CLOSE,
    [WEFT__OP_RECV_MULTI] = IORING_OP_RECV,
};

static inline uint64_t ud(const void *p, unsigned tag)
{
    return (uint64_t)(uintptr_t)p | tag;
}

/* A free SQE, flushing the queue to the kernel when it is full. */
static struct io_uring_sqe *sqe_get(struct ur *b)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
    if (WEFT__UNLIKELY(!sqe)) {
        io_uring_submit(&b->ring);
        sqe = io_uring_get_sqe(&b->ring);
    }
    return sqe;
}

/* Ops counted per fd for fd_closing (a CLOSE is the fd's last op, not one
 * to cancel). */
static int has_fd(const weft__io *op)
{
    return op->op != WEFT__OP_OPENAT && op->op != WEFT__OP_CLOSE && op->fd >= 0;
}

static int fd_count(struct ur *b, int fd)
{
    if ((size_t)fd >= b->nfdops) {
        size_t n = b->nfdops ? b->nfdops : 64;
        while (n <= (size_t)fd) n *= 2;
        uint32_t *t = realloc(b->fdops, n * sizeof *t);
        if (!t) return -ENOMEM;
        memset(t + b->nfdops, 0, (n - b->nfdops) * sizeof *t);
        b->fdops = t;
        b->nfdops = n;
    }
    b->fdops[fd]++;
    return 0;
}

static int arm_poll(struct ur *b, weft__io *op)
{
    struct io_uring_sqe *sqe = sqe_get(b);
    if (!sqe) return -EBUSY;
    unsigned mask = weft__sys_wants_out(op) ? POLLOUT : POLLIN;
    io_uring_prep_poll_add(sqe, op->fd, mask);
    io_uring_sqe_set_data64(sqe, ud(op, TAG_POLL));
    op->bflags |= BF_POLLING;
    return 0;
}

static int ur_start(weft_loop *L, weft__io *op)
{
    struct ur *b = L->be_state;
    op->bflags = 0;
    if (op->op == WEFT__OP_RECV_MULTI) {
        if (!b->br || !b->native[op->op]) return -EOPNOTSUPP;
        struct io_uring_sqe *sqe = sqe_get(b);
        if (!sqe) return -EBUSY;
        if (fd_count(b, op->fd) < 0) {
            io_uring_prep_nop(sqe);
            io_uring_sqe_set_data64(sqe, 0);
            return -ENOMEM;
        }
        io_uring_prep_recv_multishot(sqe, op->fd, NULL, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = 0;
        io_uring_sqe_set_data64(sqe, ud(op, TAG_MULTI));
        op->bflags = BF_MULTI;
        return -EINPROGRESS; /* background: not in io_inflight */
    }
    if (WEFT__UNLIKELY(!b->native[op->op])) {
        int r = weft__sys_run(op);
        if (r != -EAGAIN) return r;
        if (has_fd(op) && fd_count(b, op->fd) < 0) return -ENOMEM;
        r = arm_poll(b, op);
        if (r < 0) {
            b->fdops[op->fd]--;
            return r;
        }
        L->io_inflight++;
        return -EINPROGRESS;
    }
    struct io_uring_sqe *sqe = sqe_get(b);
    if (!sqe) return -EBUSY;
    unsigned len = op->len > 0x7ffff000u ? 0x7ffff000u : (unsigned)op->len;
    switch (op->op) {
    case WEFT__OP_READ:
        io_uring_prep_read(sqe, op->fd, op->buf, len, (uint64_t)-1);
        break;
    case WEFT__OP_WRITE:
        io_uring_prep_write(sqe, op->fd, op->buf, len, (uint64_t)-1);
        break;
    case WEFT__OP_RECV:
        io_uring_prep_recv(sqe, op->fd, op->buf, len, op->flags);
        break;
    case WEFT__OP_SEND:
        io_uring_prep_send(sqe, op->fd, op->buf, len, op->flags | MSG_NOSIGNAL);
        break;
    case WEFT__OP_RECVMSG:
        io_uring_prep_recvmsg(sqe, op->fd, op->buf, (unsigned)op->flags);
        break;
    case WEFT__OP_SENDMSG:
        io_uring_prep_sendmsg(sqe, op->fd, op->buf, (unsigned)op->flags | MSG_NOSIGNAL);
        break;
    case WEFT__OP_ACCEPT:
        io_uring_prep_accept(sqe, op->fd, op->addr, op->addrlen, SOCK_CLOEXEC | SOCK_NONBLOCK);
        break;
    case WEFT__OP_CONNECT:
        io_uring_prep_connect(sqe, op->fd, op->addr, op->alen);
        break;
    case WEFT__OP_POLL:
        io_uring_prep_poll_add(sqe, op->fd, (unsigned)op->flags);
        break;
    case WEFT__OP_PREAD:
        io_uring_prep_read(sqe, op->fd, op->buf, len, (uint64_t)op->off);
        break;
    case WEFT__OP_PWRITE:
        io_uring_prep_write(sqe, op->fd, op->buf, len, (uint64_t)op->off);
        break;
    case WEFT__OP_OPENAT:
        io_uring_prep_openat(sqe, op->fd, op->buf, op->flags | O_CLOEXEC, (mode_t)op->mode);
        break;
    case WEFT__OP_FSYNC:
        io_uring_prep_fsync(sqe, op->fd, op->flags ? IORING_FSYNC_DATASYNC : 0);
        break;
    case WEFT__OP_CLOSE:
        io_uring_prep_close(sqe, op->fd);
        break;
    default:
        return -EOPNOTSUPP;
    }
    if (has_fd(op) && WEFT__UNLIKELY(fd_count(b, op->fd) < 0)) {
        io_uring_prep_nop(sqe); /* the entry is taken: make it harmless */
        io_uring_sqe_set_data64(sqe, 0);
        return -ENOMEM;
    }
    if (op->op == WEFT__OP_RECV && (b->fdops[op->fd] & FD_DRAINED)) {
        b->fdops[op->fd] &= ~FD_DRAINED;
        if (b->poll_first) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
    }
    io_uring_sqe_set_data64(sqe, ud(op, TAG_OP));
    L->io_inflight++;
    return -EINPROGRESS;
}

static void ur_cancel(weft_loop *L, weft__io *op)
{
    struct ur *b = L->be_state;
    if (op->bflags & BF_CANCELLED) return;
    struct io_uring_sqe *sqe = sqe_get(b);
    if (!sqe) return; /* the op will still complete by itself */
    op->bflags |= BF_CANCELLED;
    unsigned tag = (op->bflags & BF_MULTI)     ? TAG_MULTI
                   : (op->bflags & BF_POLLING) ? TAG_POLL
                                               : TAG_OP;
    io_uring_prep_cancel64(sqe, ud(op, tag), 0);
    io_uring_sqe_set_data64(sqe, 0);
}

static void ur_fd_closing(weft_loop *L, int fd)
{
    struct ur *b = L->be_state;
    if (fd >= 0 && (size_t)fd < b->nfdops) b->fdops[fd] &= ~FD_DRAINED;
    if (fd < 0 || (size_t)fd >= b->nfdops || b->fdops[fd] == 0) return;
    /* Everything queued must reach the kernel first, and the cancel must be
     * resolved against this fd before the caller closes it. */
    io_uring_submit(&b->ring);
    struct io_uring_sqe *sqe = sqe_get(b);
    if (!sqe) return;
    io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, 0);
    io_uring_submit(&b->ring);
}

static void ur_buf_put(weft_loop *L, unsigned bid)
{
    struct ur *b = L->be_state;
    io_uring_buf_ring_add(b->br, b->bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
                          io_uring_buf_ring_mask(NBUF), 0);
    io_uring_buf_ring_advance(b->br, 1);
}

static void finish(weft_loop *L, struct ur *b, weft__io *op, int res)
{
    if (has_fd(op)) {
        b->fdops[op->fd]--;
        if (op->op == WEFT__OP_RECV && res > 0 && (size_t)res < op->len)
            b->fdops[op->fd] |= FD_DRAINED;
    }
    L->io_inflight--;
    if (res == -ECANCELED && !(op->bflags & BF_CANCELLED)) res = -EBADF; /* its fd was closed */
    op->done(op, res);
}

static void complete(weft_loop *L, struct ur *b, uint64_t data, int res, unsigned flags)
{
    weft__io *op = (weft__io *)(uintptr_t)(data & ~(uint64_t)TAG_MASK);
    switch (data & TAG_MASK) {
    case TAG_OP:
        if (WEFT__UNLIKELY(res == -EAGAIN) && !(op->bflags & BF_CANCELLED) && arm_poll(b, op) == 0)
            return; /* a non-blocking pipe: wait for readiness, then retry */
        finish(L, b, op, res);
        return;
    case TAG_POLL:
        op->bflags &= (uint8_t)~BF_POLLING;
        if (op->bflags & BF_CANCELLED) {
            res = res >= 0 ? -ECANCELED : res;
        } else if (res >= 0 || res == -EAGAIN) {
            res = weft__sys_run(op);
            if (res == -EAGAIN && arm_poll(b, op) == 0) return;
        }
        finish(L, b, op, res);
        return;
    case TAG_MULTI:
        op->more = (flags & IORING_CQE_F_MORE) != 0;
        if (flags & IORING_CQE_F_BUFFER) {
            op->bid = (uint16_t)(flags >> IORING_CQE_BUFFER_SHIFT);
            op->buf = b->bufs + (size_t)op->bid * BUF_SIZE;
            op->len = BUF_SIZE;
            if (res <= 0) ur_buf_put(L, op->bid); /* nothing in it */
        }
        if (!op->more) {
            b->fdops[op->fd]--;
            if (res == -ECANCELED && !(op->bflags & BF_CANCELLED)) res = -EBADF;
        }
        op->done(op, res);
        return;
    case TAG_WAKE: {
        ssize_t r = read(b->efd, &b->efd_val, sizeof b->efd_val);
        (void)r;
        if (!(flags & IORING_CQE_F_MORE)) {
            struct io_uring_sqe *sqe = sqe_get(b);
            if (sqe) {
                io_uring_prep_poll_multishot(sqe, b->efd, POLLIN);
                io_uring_sqe_set_data64(sqe, ud(b, TAG_WAKE));
            }
        }
        return;
    }
    default:
        return;
    }
}

static int ur_poll(weft_loop *L, int64_t timeout_ns)
{
    struct ur *b = L->be_state;
    int rc;
    if (timeout_ns == 0) {
        /* A plain ring read when there is nothing to submit and no deferred
         * completion work: on this kind of VM (PTI without PCID) every
         * system call also flushes the TLB, which a loop that turns every
         * ~100 us of running would pay all the time. */
        unsigned sqf = IO_URING_READ_ONCE(*b->ring.sq.kflags);
        if (b->taskrun_flag && io_uring_sq_ready(&b->ring) == 0 &&
            !(sqf & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN)))
            rc = 0;
        else
            rc = io_uring_submit_and_get_events(&b->ring);
    } else {
        struct io_uring_cqe *cqe;
        struct __kernel_timespec ts = {0, 0}, *tp = NULL;
        if (timeout_ns > 0) {
            ts.tv_sec = timeout_ns / 1000000000;
            ts.tv_nsec = timeout_ns % 1000000000;
            tp = &ts;
        }
        rc = io_uring_submit_and_wait_timeout(&b->ring, &cqe, 1, tp, NULL);
    }
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY) return rc;
    int n = 0;
    for (;;) {
        struct io_uring_cqe *cqes[BATCH];
        unsigned got = io_uring_peek_batch_cqe(&b->ring, cqes, BATCH);
        if (!got) break;
        struct {
            uint64_t data;
            int res;
            unsigned flags;
        } c[BATCH];
        for (unsigned i = 0; i < got; i++) {
            c[i].data = cqes[i]->user_data;
            c[i].res = cqes[i]->res;
            c[i].flags = cqes[i]->flags;
        }
        io_uring_cq_advance(&b->ring, got);
        for (unsigned i = 0; i < got; i++)
            if (c[i].data) complete(L, b, c[i].data, c[i].res, c[i].flags);
        n += (int)got;
        if (got < BATCH) break;
    }
    return n;
}

static void ur_wake(weft_loop *L)
{
    struct ur *b = L->be_state;
    uint64_t one = 1;
    ssize_t r = write(b->efd, &one, sizeof one);
    (void)r;
}

static void bufs_fini(struct ur *b)
{
    if (!b->br) return;
    io_uring_unregister_buf_ring(&b->ring, 0);
    munmap(b->br, NBUF * sizeof(struct io_uring_buf));
    munmap(b->bufs, (size_t)NBUF * BUF_SIZE);
    b->br = NULL;
}

/* Sets up the provided buffers (5.19+) for multishot stream receives, when
 * WEFT_URING_MULTISHOT=1. Off by default: on the echo benchmark they
 * measured no better than one recv per read at 1 KiB (8.32 vs 8.36 us of
 * server CPU per message, medians of 5) and worse at 64 KiB (a second
 * copy), see docs/BENCHMARKS.md. */
static void bufs_init(struct ur *b)
{
    const char *env = getenv("WEFT_URING_MULTISHOT");
    if (!env || strcmp(env, "1") != 0) return;
    size_t rsz = NBUF * sizeof(struct io_uring_buf);
    void *r = mmap(NULL, rsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *m = mmap(NULL, (size_t)NBUF * BUF_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED || m == MAP_FAILED) goto fail;
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (uint64_t)(uintptr_t)r;
    reg.ring_entries = NBUF;
    reg.bgid = 0;
    if (io_uring_register_buf_ring(&b->ring, &reg, 0) < 0) goto fail;
    b->br = r;
    b->bufs = m;
    io_uring_buf_ring_init(b->br);
    for (unsigned i = 0; i < NBUF; i++)
        io_uring_buf_ring_add(b->br, b->bufs + (size_t)i * BUF_SIZE, BUF_SIZE, (unsigned short)i,
                              io_uring_buf_ring_mask(NBUF), (int)i);
    io_uring_buf_ring_advance(b->br, NBUF);
    return;
fail:
    if (r != MAP_FAILED) munmap(r, rsz);
    if (m != MAP_FAILED) munmap(m, (size_t)NBUF * BUF_SIZE);
}

static void ur_fini(weft_loop *L)
{
    struct ur *b = L->be_state;
    if (!b) return;
    bufs_fini(b);
    io_uring_queue_exit(&b->ring);
    close(b->efd);
    free(b->fdops);
    free(b);
    L->be_state = NULL;
}

static int ring_init(struct ur *b)
{
    static const unsigned flag_sets[] = {
        /* TASKRUN_FLAG: the kernel flags pending completion work in the SQ
         * ring, so a non-blocking poll can skip the system call when there
         * is none (ur_poll) */
        IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER |
            IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
            IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_CQSIZE,
    };
    int rc = -ENOSYS;
    for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        p.flags = flag_sets[i];
        p.cq_entries = CQ_ENTRIES;
        rc = io_uring_queue_init_params(SQ_ENTRIES, &b->ring, &p);
        if (rc == 0) {
            b->taskrun_flag = (p.flags & IORING_SETUP_TASKRUN_FLAG) != 0;
            b->poll_first = (p.flags & IORING_SETUP_DEFER_TASKRUN) != 0; /* 6.1 or later */
            if (!(p.features & IORING_FEAT_NODROP) || !(p.features & IORING_FEAT_EXT_ARG) ||
                !(p.features & IORING_FEAT_RW_CUR_POS)) {
                io_uring_queue_exit(&b->ring);
                return -ENOSYS;
            }
            return 0;
        }
        if (rc != -EINVAL) break;
    }
    return rc;
}

/* Whether cancel-by-fd works (5.19+): cancelling on the idle eventfd
 * answers -ENOENT where it does, -EINVAL where the flag is unknown. */
static int probe_cancel_fd(struct ur *b)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
    if (!sqe) return 0;
    io_uring_prep_cancel_fd(sqe, b->efd, 0);
    io_uring_sqe_set_data64(sqe, 1);
    struct io_uring_cqe *cqe;
    if (io_uring_submit_and_wait(&b->ring, 1) < 1 || io_uring_peek_cqe(&b->ring, &cqe) != 0)
        return 0;
    int ok = cqe->user_data == 1 && cqe->res == -ENOENT;
    io_uring_cqe_seen(&b->ring, cqe);
    return ok;
}

static int ur_init(weft_loop *L)
{
    struct ur *b = calloc(1, sizeof *b);
    if (!b) return -ENOMEM;
    b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (b->efd < 0) {
        int e = errno;
        free(b);
        return -e;
    }
    int rc = ring_init(b);
    if (rc < 0) {
        close(b->efd);
        free(b);
        return rc == -EPERM || rc == -EACCES ? -ENOSYS : rc;
    }
    struct io_uring_probe *pr = io_uring_get_probe_ring(&b->ring);
    if (!pr || !io_uring_opcode_supported(pr, IORING_OP_POLL_ADD) ||
        !io_uring_opcode_supported(pr, IORING_OP_ASYNC_CANCEL) || !probe_cancel_fd(b)) {
        if (pr) io_uring_free_probe(pr);
        io_uring_queue_exit(&b->ring);
        close(b->efd);
        free(b);
        return -ENOSYS;
    }
    for (int i = 0; i < WEFT__OP_COUNT; i++)
        b->native[i] = (unsigned char)io_uring_opcode_supported(pr, uring_opcode[i]);
    const char *off = getenv("WEFT_URING_NO"); /* tests: opcodes to run through the fallback */
    if (off)
        for (int i = 0; i < WEFT__OP_COUNT; i++)
            if (strchr(off, 'a' + i)) b->native[i] = 0;
    io_uring_free_probe(pr);
    (void)io_uring_register_ring_fd(&b->ring); /* io_uring_enter skips an fd lookup */
    bufs_init(b);
    L->be_state = b;
    weft__sys_nosigpipe();
    L->be_caps = WEFT__CAP_IO;
    if (b->native[WEFT__OP_PREAD] && b->native[WEFT__OP_PWRITE] && b->native[WEFT__OP_OPENAT] &&
        b->native[WEFT__OP_FSYNC] && b->native[WEFT__OP_CLOSE])
        L->be_caps |= WEFT__CAP_FILES;
    if (b->br) L->be_caps |= WEFT__CAP_RECV_MULTI;
    struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
    io_uring_prep_poll_multishot(sqe, b->efd, POLLIN);
    io_uring_sqe_set_data64(sqe, ud(b, TAG_WAKE));
    return 0;
}

const weft__backend weft__backend_uring = {
    .name = "io_uring",
    .init = ur_init,
    .fini = ur_fini,
    .poll = ur_poll,
    .wake = ur_wake,
    .start = ur_start,
    .cancel = ur_cancel,
    .fd_closing = ur_fd_closing,
    .buf_put = ur_buf_put,
};

#endif /* WEFT_HAVE_URING */
