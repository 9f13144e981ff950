/* Layer 4a: subprocesses (weft/io.h).
 *
 * posix_spawnp starts the child (glibc uses a vfork-style clone: cheap
 * even for a large parent) with an empty signal mask and every signal at
 * its default action, so the runtime's handlers and a loop thread's mask
 * do not leak into it. The parent's pipe ends become streams. Exit is
 * watched through a pidfd (readable once the child has exited), which the
 * backend waits on like any fd; without pidfds (Linux < 5.3) the wait polls
 * waitpid with a growing sleep (1 to 50 ms). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/stream.h"
#include "util/opts.h"

extern char **environ;

struct weft_process {
    weft_loop *loop;
    pid_t pid;
    int pidfd;             /* -1 without pidfd support */
    int reaped;
    int code;              /* once reaped */
    weft_stream *std[3];   /* the parent's ends (NULL: not a pipe, or closed) */
};

static int decode(int status)
{
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return -1;
}

/* Reaps the child if it has exited: 1 reaped, 0 still running, -errno. */
static int try_reap(weft_process *p)
{
    int status;
    pid_t r;
    do r = waitpid(p->pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r < 0) return -errno;
    if (r == 0) return 0;
    p->reaped = 1;
    p->code = decode(status);
    return 1;
}

static void close_fds(int fds[3][2])
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            if (fds[i][j] >= 0) close(fds[i][j]);
}

int weft_process_spawn(weft_process **out, const char *const argv[], const weft_process_options *o)
{
    weft_loop *L = weft__L;
    if (!L || !out || !argv || !argv[0]) return -EINVAL;
    weft_process_options oo;
    if (WEFT__OPTS_TAKE(weft_process_options, &oo, o, WEFT_PROCESS_OPTIONS_INIT) < 0) return -EINVAL;
    o = &oo;
    for (int i = 0; i < 3; i++)
        if (o->stdio[i] < WEFT_STDIO_INHERIT || o->stdio[i] > WEFT_STDIO_FD ||
            (o->stdio[i] == WEFT_STDIO_FD && o->stdio_fd[i] < 0))
            return -EINVAL;
    weft_process *p = calloc(1, sizeof *p);
    if (!p) return -ENOMEM;
    int fds[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}}; /* [i][0] read end, [i][1] write end */
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++)
        if (o->stdio[i] == WEFT_STDIO_PIPE && pipe2(fds[i], O_CLOEXEC) < 0) rc = -errno;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    for (int i = 0; i < 3 && rc == 0; i++) {
        switch (o->stdio[i]) {
        case WEFT_STDIO_PIPE: rc = -posix_spawn_file_actions_adddup2(&fa, fds[i][i == 0 ? 0 : 1], i); break;
        case WEFT_STDIO_NULL:
            rc = -posix_spawn_file_actions_addopen(&fa, i, "/dev/null", i == 0 ? O_RDONLY : O_WRONLY, 0);
            break;
        case WEFT_STDIO_FD: rc = -posix_spawn_file_actions_adddup2(&fa, o->stdio_fd[i], i); break;
        default: break;
        }
    }
    if (rc == 0 && o->cwd) rc = -posix_spawn_file_actions_addchdir_np(&fa, o->cwd);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    if (rc == 0) rc = -posix_spawnattr_setsigmask(&at, &none);
    if (rc == 0) rc = -posix_spawnattr_setsigdefault(&at, &all);
    if (rc == 0) rc = -posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0)
        rc = -posix_spawnp(&p->pid, argv[0], &fa, &at, (char *const *)argv,
                           o->envp ? (char *const *)o->envp : environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (rc < 0) {
        close_fds(fds);
        free(p);
        return rc;
    }
    p->loop = L;
    p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    for (int i = 0; i < 3; i++) {
        if (fds[i][0] < 0) continue;
        int mine = i == 0 ? fds[i][1] : fds[i][0];
        close(i == 0 ? fds[i][0] : fds[i][1]); /* the child's end */
        fds[i][0] = fds[i][1] = -1;
        if (weft_fd_set_nonblocking(mine, 1) < 0 || weft__stream_new(&p->std[i], mine, 0, NULL) < 0) {
            close(mine);
            continue; /* that stream is missing; the child still runs */
        }
        p->std[i]->owner = &p->std[i];
    }
    *out = p;
    return 0;
}

weft_stream *weft_process_stdin(weft_process *p) { return p ? p->std[0] : NULL; }
weft_stream *weft_process_stdout(weft_process *p) { return p ? p->std[1] : NULL; }
weft_stream *weft_process_stderr(weft_process *p) { return p ? p->std[2] : NULL; }
pid_t weft_process_pid(const weft_process *p) { return p ? p->pid : -1; }

int weft_process_wait(weft_process *p, int *code)
{
    weft_loop *L = weft__L;
    if (!p || !L || !L->current) return -EINVAL;
    int64_t nap = WEFT_MS(1);
    while (!p->reaped) {
        int rc = try_reap(p);
        if (rc < 0) return rc;
        if (rc > 0) break;
        if (p->pidfd >= 0) rc = weft_fd_wait_readable(p->pidfd);
        if (p->pidfd < 0 || rc == -EOPNOTSUPP) { /* no pidfd, or the poll backend */
            rc = weft_sleep(nap);
            if (nap < WEFT_MS(50)) nap *= 2;
        }
        if (rc < 0) return rc;
    }
    if (code) *code = p->code;
    return 0;
}

int weft_process_kill(weft_process *p, int sig)
{
    if (!p) return -EINVAL;
    if (p->reaped) return -ESRCH;
    if (p->pidfd >= 0) {
        if (syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0) == 0) return 0;
        if (errno != ENOSYS) return -errno;
    }
    return kill(p->pid, sig) < 0 ? -errno : 0;
}

void weft_process_free(weft_process *p)
{
    if (!p) return;
    for (int i = 0; i < 3; i++) weft__stream_abort(p->std[i]);
    if (!p->reaped && try_reap(p) == 0) {
        WEFT_IGNORE(weft_process_kill(p, SIGKILL));
        weft_loop *L = weft__L;
        if (p->pidfd >= 0 && L && L->current) { /* wait on the loop, uninterruptibly */
            weft__io op = {.op = WEFT__OP_POLL, .fd = p->pidfd, .flags = POLLIN, .w.what = "reap"};
            (void)weft__io_wait_nocancel(L, &op);
        }
        int status;
        while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (p->pidfd >= 0) WEFT_IGNORE(weft_fd_close(p->pidfd));
    free(p);
}
