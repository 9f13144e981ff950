/* I/O: fd operations, buffered streams, files, signals, subprocesses,
 * threads.
 *
 * The loop runs every operation on its backend: io_uring where the kernel
 * allows it, else epoll (WEFT_BACKEND=epoll|io_uring picks one; both pass
 * the same test suite). A call that has to wait parks the task, never the
 * thread. Every waiting call here is a cancellation point and honours
 * deadline scopes: it returns -ECANCELED / -ETIMEDOUT, and when that
 * happens while an operation is in flight, the operation is cancelled and
 * the call returns only once the kernel is done with the caller's buffer.
 * An operation that completed in the kernel just before its cancellation
 * took effect returns its own result instead, so no data or fd is lost;
 * the next wait then reports the cancellation (it is sticky).
 *
 * Byte counts are ssize_t: >= 0 bytes, or a negative errno. Functions here
 * must be called from a task on a weft loop unless said otherwise, and
 * are not thread-safe: an fd, stream or process belongs to one loop. */
#ifndef WEFT_IO_H
#define WEFT_IO_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "core.h"
#include "error.h"

/* weft requires POSIX.1-2008 (sigset_t here, ssize_t, sockets): compile
 * with -D_POSIX_C_SOURCE=200809L (or _GNU_SOURCE / _XOPEN_SOURCE), or in
 * the compiler's default GNU dialect (-std=gnu17). In strict ISO C mode
 * (-std=c17 alone) the C library hides sigset_t, so say so plainly here
 * rather than fail on weft_signal_open's declaration. */
#if !defined(_POSIX_C_SOURCE) && !defined(_POSIX_SOURCE) && !defined(_XOPEN_SOURCE) &&             \
    !defined(_GNU_SOURCE) && !defined(_DEFAULT_SOURCE) && !defined(_BSD_SOURCE) &&                 \
    !defined(__sigset_t_defined)
#error                                                                                             \
    "weft requires POSIX.1-2008: compile with -D_POSIX_C_SOURCE=200809L or -std=gnu17 (strict -std=c17 hides sigset_t)"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ fd ops */

/* Operations on a non-blocking fd the caller owns (a socket, a pipe, a
 * terminal). Sockets and pipes made by weft are non-blocking and
 * close-on-exec; make your own non-blocking with weft_fd_set_nonblocking.
 * Each call does one operation, like the system call of the same name
 * (partial reads and writes included), waiting until it can be done.
 * Sends never raise SIGPIPE (-EPIPE instead). Close an fd that weft
 * operations have used with weft_fd_close, so the loop forgets it. */

/* read(2): bytes read (0 at end of file) or -errno. Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_fd_read(int fd, void *buf, size_t len);
/* write(2): bytes written (possibly fewer than len) or -errno. Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_fd_write(int fd, const void *buf, size_t len);
/* recv(2) with flags (MSG_PEEK, ...): bytes, 0 when the peer has shut
 * down, or -errno (-ECONNRESET ...). Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_fd_recv(int fd, void *buf, size_t len, int flags);
/* send(2) with flags | MSG_NOSIGNAL: bytes sent or -errno (-EPIPE when the
 * peer has gone). Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_fd_send(int fd, const void *buf, size_t len, int flags);
/* recvmsg(2). msg and what it points to must stay valid until the call
 * returns. Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_fd_recvmsg(int fd, struct msghdr *msg, int flags);
/* sendmsg(2) with flags | MSG_NOSIGNAL. Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_fd_sendmsg(int fd, const struct msghdr *msg, int flags);
/* accept4(2) on a listening socket: the new connection's fd (non-blocking,
 * close-on-exec; the caller owns it) or -errno. addr/addrlen may be NULL.
 * -EMFILE/-ENFILE leave the connection queued: free fds, then call again.
 * Waits. */
WEFT_API WEFT_NODISCARD int weft_fd_accept(int fd, struct sockaddr *addr, socklen_t *addrlen);
/* connect(2) to completion: 0 or -errno (-ECONNREFUSED, ...). Waits. */
WEFT_API WEFT_NODISCARD int weft_fd_connect(int fd, const struct sockaddr *addr, socklen_t len);
/* Waits until fd is readable (or at end of file, or in error): 0 or -errno. */
WEFT_API WEFT_NODISCARD int weft_fd_wait_readable(int fd);
/* Waits until fd is writable (or in error): 0 or -errno. */
WEFT_API WEFT_NODISCARD int weft_fd_wait_writable(int fd);
/* Closes fd. Operations other tasks have in progress on it end with
 * -EBADF. Returns 0 or -errno from close(2). Does not wait. Outside a loop
 * it is close(2). */
WEFT_API int weft_fd_close(int fd);
/* Sets (on != 0) or clears O_NONBLOCK. Returns 0 or -errno. Any thread. */
WEFT_API int weft_fd_set_nonblocking(int fd, int on);

/* -------------------------------------------------------------- streams */

/* A weft_stream is a buffered reader/writer over a connection: a socket
 * (weft_tcp_connect, weft_tcp_accept, ... in weft/net.h), a pipe
 * (subprocesses), or any non-blocking fd (weft_stream_open_fd). It is
 * asyncio's StreamReader and StreamWriter in one object.
 *
 * Reading takes what the read buffer holds before asking the kernel. The
 * failures are told apart: 0 from weft_stream_read is the peer's end of
 * stream; WEFT_EOF means the stream ended before a read_exactly or
 * read_until could complete; WEFT_ELIMIT means read_until/readline found
 * no delimiter within the caller's limit (the data stays buffered);
 * -ECONNRESET is a reset by the peer; other negative errnos come from the
 * system.
 *
 * Writing never waits for the peer: weft_stream_write queues the bytes
 * and they go out in the background (on epoll it first tries to send them
 * at once). weft_stream_flush is asyncio's drain: it waits while more than
 * the high-water mark (64 KiB by default) is queued, until the queue is
 * back under a quarter of it. A send that fails makes the stream broken:
 * every later write and flush returns that error.
 *
 * One task may read while another writes; two tasks reading (or two
 * flushing) at once is not supported, nor closing a stream another task
 * is using (cancel that task instead). */
typedef struct weft_stream weft_stream;

/* Makes a stream over fd (it becomes non-blocking; the stream owns it and
 * closes it). Returns 0, -ENOMEM, -EINVAL outside a loop. Does not wait. */
WEFT_API WEFT_NODISCARD int weft_stream_open_fd(weft_stream **s, int fd);
/* Makes two connected in-process streams: bytes written to one are read
 * from the other (socketpair without sockets or fds, for tests and
 * in-process protocols such as the HTTP test client). Both belong to the
 * current loop. Each direction buffers at most 256 KiB: beyond that,
 * writes queue in the writer's stream and weft_stream_flush waits as on a socket.
 * weft_stream_write_eof on one gives the other end of stream; closing one
 * gives the other end of stream on reads (after what was sent) and -EPIPE on writes.
 * weft_stream_fd returns -1 for them; weft_stream_peer_addr / local_addr return -ENOTSOCK.
 * Returns 0, -ENOMEM, -EINVAL outside a loop. Does not wait. */
WEFT_API WEFT_NODISCARD int weft_stream_pair(weft_stream **a, weft_stream **b);
/* Reads up to len bytes into buf: what is buffered, else waits for the
 * kernel to have some. Returns the count (> 0), 0 at the end of the
 * stream, or -errno. Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_stream_read(weft_stream *s, void *buf, size_t len);
/* Reads exactly len bytes. Returns 0; WEFT_EOF if the stream ended first
 * (the bytes that did arrive are consumed); or -errno. Waits. */
WEFT_API WEFT_NODISCARD int weft_stream_read_exactly(weft_stream *s, void *buf, size_t len);
/* Reads up to and including the first occurrence of delim (dlen >= 1
 * bytes) into buf and returns that length. cap is the limit: WEFT_ELIMIT
 * if no delimiter ends within cap bytes; WEFT_EOF if the stream ends
 * first. In both cases nothing is consumed (weft_stream_read returns the
 * data). Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_stream_read_until(weft_stream *s, const void *delim,
                                                       size_t dlen, void *buf, size_t cap);
/* Reads one line, '\n' included, into buf and NUL-terminates it (so the
 * limit is cap - 1 bytes). At the end of the stream returns the last,
 * unterminated line, then 0. WEFT_ELIMIT as read_until. Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_stream_readline(weft_stream *s, char *buf, size_t cap);
/* Queues len bytes for sending and returns len, or the error that broke
 * the stream. Does not wait for the peer, except that a large write
 * (16 KiB or more) with nothing queued is sent straight from buf while
 * the call waits (no copy); if the task is cancelled meanwhile, the rest
 * is queued and the call still returns len. Not a cancellation point. */
WEFT_API WEFT_NODISCARD ssize_t weft_stream_write(weft_stream *s, const void *buf, size_t len);
/* weft_stream_write of n buffers in order, as one. */
WEFT_API WEFT_NODISCARD ssize_t weft_stream_writev(weft_stream *s, const struct iovec *iov, int n);
/* Drain: returns 0 at once when at most the high-water mark is queued;
 * else waits until the queue is below the low-water mark. Returns 0, the
 * error that broke the stream, or -ECANCELED / -ETIMEDOUT (the data stays
 * queued). Waits. */
WEFT_API WEFT_NODISCARD int weft_stream_flush(weft_stream *s);
/* Sets the high-water mark (the low-water mark is a quarter of it). 0
 * makes weft_stream_flush wait until everything queued has been sent. */
WEFT_API void weft_stream_set_write_limit(weft_stream *s, size_t high);
/* Bytes queued for sending and not yet taken by the kernel. */
WEFT_API size_t weft_stream_write_queued(const weft_stream *s);
/* Sends everything queued, then half-closes: the peer reads end of
 * stream; this side can still read. Returns 0 or -errno. Waits. */
WEFT_API WEFT_NODISCARD int weft_stream_write_eof(weft_stream *s);
/* Closes the stream and frees it: sends what is queued first (waiting,
 * within the caller's deadline; a cancelled caller drops it), then closes
 * the fd. Returns 0, or the error that kept queued data from being sent.
 * s is freed in every case; NULL is accepted. Waits. */
WEFT_API int weft_stream_close(weft_stream *s);
/* The stream's fd (for socket options; do not read or write it). */
WEFT_API int weft_stream_fd(const weft_stream *s);

/* ---------------------------------------------------------------- files */

/* Regular files, without blocking the loop: io_uring operations, or a
 * worker thread on epoll. The fds are ordinary (blocking) fds opened
 * close-on-exec. A file operation that has reached the kernel or a worker
 * always completes; a cancelled caller waits for that, then returns the
 * result if it succeeded, else -ECANCELED / -ETIMEDOUT. */

/* open(2): the fd or -errno (flags O_RDONLY, O_CREAT, ...; mode for
 * O_CREAT). Waits. */
WEFT_API WEFT_NODISCARD int weft_file_open(const char *path, int flags, unsigned mode);
/* pread(2) at off, or read(2) at the file position when off is -1: bytes
 * read (0 at end of file) or -errno. Waits. */
WEFT_API WEFT_NODISCARD ssize_t weft_file_read(int fd, void *buf, size_t len, int64_t off);
/* pwrite(2) at off, or write(2) at the file position when off is -1. */
WEFT_API WEFT_NODISCARD ssize_t weft_file_write(int fd, const void *buf, size_t len, int64_t off);
/* fsync(2). Returns 0 or -errno. Waits. */
WEFT_API WEFT_NODISCARD int weft_file_fsync(int fd);
/* close(2), off the loop. Returns 0 or -errno. Waits (uninterruptibly:
 * the fd is closed when it returns). */
WEFT_API int weft_file_close(int fd);

/* -------------------------------------------------------------- signals */

/* Waiting for signals in a task (asyncio's add_signal_handler). A
 * weft_signal catches the signals of its set from the moment it is opened
 * (a handler chained to any installed before) and queues them until a task
 * waits; signals of one kind that arrive together may merge. While a
 * weft_signal is open for SIGINT or SIGTERM, the runtime's own handling of
 * that signal (cancelling the root task) is off: the program handles it.
 * SIGKILL, SIGSTOP and the signals the C library reserves are -EINVAL. */
typedef struct weft_signal weft_signal;

/* Starts catching the signals in set on this loop. Returns 0, -EINVAL,
 * -ENOMEM. Does not wait. */
WEFT_API WEFT_NODISCARD int weft_signal_open(weft_signal **s, const sigset_t *set);
/* Waits for one of the signals and returns its number (> 0), or
 * -ECANCELED / -ETIMEDOUT. Waits. */
WEFT_API WEFT_NODISCARD int weft_signal_wait(weft_signal *s);
/* Stops catching (the earlier handlers are back once no weft_signal on
 * any loop catches the signal) and frees s. NULL is accepted. */
WEFT_API void weft_signal_close(weft_signal *s);

/* ---------------------------------------------------------- subprocesses */

/* asyncio's create_subprocess_exec: start a program with argv, talk to its
 * stdin/stdout/stderr through streams, wait for it to exit. Exit is
 * watched through a pidfd (Linux 5.3+), else by polling waitpid. */
typedef struct weft_process weft_process;

/* What the child's stdin, stdout or stderr is. */
#define WEFT_STDIO_INHERIT 0 /* the parent's */
#define WEFT_STDIO_PIPE 1    /* a pipe to a stream of the parent (weft_process_stdin, ...) */
#define WEFT_STDIO_NULL 2    /* /dev/null */
#define WEFT_STDIO_FD 3      /* the fd in stdio_fd[i] (the parent keeps it) */

typedef struct weft_process_options {
    uint32_t size; /* sizeof, set by the _INIT macro (the ABI rule: docs/design.md) */
    int stdio[3];            /* WEFT_STDIO_* for stdin, stdout, stderr */
    int stdio_fd[3];         /* with WEFT_STDIO_FD */
    const char *const *envp; /* NULL: the parent's environment */
    const char *cwd;         /* NULL: the parent's directory */
} weft_process_options;
#define WEFT_PROCESS_OPTIONS_INIT                                                                  \
    {                                                                                              \
        (uint32_t)sizeof(weft_process_options), {0, 0, 0}, {-1, -1, -1}, NULL, NULL                                                    \
    }

/* Starts argv[0] (searched in PATH) with argv. The child gets default
 * signal handling and an empty signal mask. Returns 0; -ENOENT and the
 * like when the program cannot be started; -EINVAL; -ENOMEM. Does not
 * wait. */
WEFT_API WEFT_NODISCARD int weft_process_spawn(weft_process **p, const char *const argv[],
                                               const weft_process_options *o);
/* The parent's end of the child's stdin (write to it; weft_stream_close or
 * weft_stream_write_eof tells the child it ended), stdout or stderr (read
 * from it); NULL unless that one is WEFT_STDIO_PIPE. Owned by p: close it
 * early with weft_stream_close and the accessor returns NULL after. */
WEFT_API weft_stream *weft_process_stdin(weft_process *p);
WEFT_API weft_stream *weft_process_stdout(weft_process *p);
WEFT_API weft_stream *weft_process_stderr(weft_process *p);
/* The child's process id. */
WEFT_API pid_t weft_process_pid(const weft_process *p);
/* Waits for the child to exit and stores its return code in *code: the
 * exit status (0-255), or -N when signal N ended it (asyncio's
 * returncode). Returns 0 or -ECANCELED / -ETIMEDOUT (the child runs on).
 * Waits. */
WEFT_API WEFT_NODISCARD int weft_process_wait(weft_process *p, int *code);
/* Sends sig to the child (if it has not been waited for). Returns 0 or
 * -errno. Does not wait. */
WEFT_API int weft_process_kill(weft_process *p, int sig);
/* Closes the parent's streams and frees p. A child not yet waited for is
 * killed (SIGKILL) and reaped first. NULL is accepted. May wait. */
WEFT_API void weft_process_free(weft_process *p);

/* ============================================================= threads
 *
 * Two ways across the line between a loop and other threads.
 *
 * Out of the loop: weft_to_thread runs a function on the loop's worker
 * pool while the calling task waits (asyncio's to_thread and
 * run_in_executor). Use it for blocking calls and CPU-bound work: C has no
 * GIL, so jobs run in parallel on as many cores as the pool has workers
 * (weft_options.threads; 0 means one per CPU the process may use). Workers
 * start on demand and stop when the loop ends; they block all signals.
 *
 * Into the loop: weft_call_threadsafe and weft_spawn_threadsafe start a
 * task on a loop from any thread (call_soon_threadsafe and
 * run_coroutine_threadsafe). The second hands back a weft_future the
 * foreign thread can wait on with a timeout, cancel and free. These calls
 * take the loop's handle (weft_loop_current() on the loop's thread). A
 * handle stays valid while weft_run runs; a thread that may outlive that
 * takes a reference with weft_loop_retain (core.h), and then every call
 * here on a loop that has ended fails cleanly with -ESHUTDOWN.
 *
 * Shutdown: once the loop's main function has returned, the loop accepts
 * no more thread-safe calls (-ESHUTDOWN); a call accepted just before
 * that may never run (its future completes with -ESHUTDOWN); tasks already
 * started are cancelled with the rest. */

/* Runs fn(arg) on a worker thread and waits for it; returns fn's status.
 * fn must not call weft functions other than the thread-safe ones below.
 * Cancellation and deadlines: because arg usually lives on the caller's
 * stack, a job a worker has started is always waited for, even when the
 * task is cancelled or its deadline expires meanwhile: the call then still
 * returns only once fn has returned (all its writes to arg are visible),
 * and returns -ECANCELED / -ETIMEDOUT instead of fn's status. A job no
 * worker has taken yet is withdrawn at once (fn never runs) with the same
 * codes, and a task already cancelled or past its deadline gets them
 * without fn running. So the wait is a cancellation point whose exit may
 * be delayed by as long as fn runs. Other returns: -EINVAL (NULL fn, or
 * not in a task), -ENOMEM, -EAGAIN (no worker thread could be started).
 * Waits. */
WEFT_API WEFT_NODISCARD int weft_to_thread(weft_fn fn, void *arg);

/* Runs fn(arg) in a new task on loop (asyncio's call_soon_threadsafe, but
 * fn runs as a task, so it may wait). Fire and forget: fn's status is
 * dropped. Safe from any thread, including the loop's own; wakes the loop
 * at once if it sleeps. fn starts at the loop's next turn, in posting order
 * among the calls made by one thread. Returns 0 once the call is queued,
 * -EINVAL (NULL loop or fn), -ENOMEM, or -ESHUTDOWN when the loop no
 * longer accepts calls (its main has returned). A call accepted just
 * before shutdown may never run: if fn must release arg, use
 * weft_spawn_threadsafe and look at the future. Does not wait. */
WEFT_API WEFT_NODISCARD int weft_call_threadsafe(weft_loop *loop, weft_fn fn, void *arg);

/* A future: the outcome of a task started from another thread. */
typedef struct weft_future weft_future;

/* Starts fn(arg) in a new task on loop, like weft_call_threadsafe, and
 * hands back through *f a future that completes with fn's status
 * (asyncio's run_coroutine_threadsafe). Safe from any thread.
 *
 * Ownership: *f is the caller's reference. Release it with
 * weft_future_free exactly once, from any thread, whether or not the
 * future has completed and whether or not the loop still runs: the loop
 * keeps a reference of its own until the future completes, and the future
 * keeps the loop's record alive, so no order of events leads to a
 * use-after-free. arg must stay valid until the future completes (fn may
 * still be running after a timed-out wait: cancel, then wait again).
 *
 * Every future completes, at the latest when the loop ends, with one of:
 * fn's status; -ECANCELED when cancelled before fn started (a task
 * cancelled while running returns what fn returns, normally -ECANCELED);
 * -ESHUTDOWN when the loop began shutting down before fn could start;
 * -ENOMEM when no task could be made. Returns 0 (*f set), -EINVAL, -ENOMEM,
 * or -ESHUTDOWN (the loop accepts no more calls; *f = NULL). Does not wait. */
WEFT_API WEFT_NODISCARD int weft_spawn_threadsafe(weft_loop *loop, weft_future **f, weft_fn fn,
                                                  void *arg);
/* Waits up to timeout_ns (< 0: without limit; 0: just looks) for f to
 * complete. Returns 0 and stores the outcome in *status (status may be
 * NULL), or -ETIMEDOUT if f has not completed in time (f stays valid: wait
 * again, cancel, or free). -EDEADLK when called on f's own loop thread
 * before f completed (that would block the loop that must complete it: a
 * task uses weft_future_await instead). Blocks the calling thread: for a
 * foreign thread. Thread-safe. */
WEFT_API WEFT_NODISCARD int weft_future_wait(weft_future *f, int64_t timeout_ns, int *status);
/* Waits for f from a task on any loop (f's own included) without blocking
 * that loop: the task parks and is woken when f completes. Returns 0 and
 * the outcome in *status (may be NULL); -ECANCELED / -ETIMEDOUT if the task
 * is interrupted first (f is not cancelled by that; it runs on); -EBUSY if
 * another task already awaits f; -EINVAL outside a task. Waits. */
WEFT_API WEFT_NODISCARD int weft_future_await(weft_future *f, int *status);
/* Asks for f's task to be cancelled: if fn has not started it never will
 * (f completes with -ECANCELED), else the task is cancelled (weft_cancel)
 * and f completes with whatever fn then returns. Idempotent; does nothing
 * once f has completed. Returns 0, or -EINVAL for NULL. Thread-safe; does
 * not wait (weft_future_wait for the outcome). */
WEFT_API int weft_future_cancel(weft_future *f);
/* 1 if f has completed, else 0. Thread-safe; does not wait. */
WEFT_API int weft_future_done(weft_future *f);
/* Releases the caller's reference (see weft_spawn_threadsafe). Does not
 * cancel: an unfinished task runs on and its outcome is dropped. Accepts
 * NULL. Thread-safe; does not wait. */
WEFT_API void weft_future_free(weft_future *f);

/* ========================================================= end threads */

#ifdef __cplusplus
}
#endif
#endif /* WEFT_IO_H */
