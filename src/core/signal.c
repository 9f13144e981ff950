/* Layer 1: the runtime's signal handling.
 *
 * SIGINT and SIGTERM: the first one cancels the root task (graceful
 * shutdown); a second ends the process at once with the signal's default
 * action, as asyncio does with a second Ctrl+C. SIGQUIT in debug mode dumps
 * the tasks (as Go does) and the program goes on. Handlers are installed by
 * the first loop that asks (opts.signals), chain to handlers installed
 * before them, and are removed when that loop ends. The handler only sets
 * a flag and wakes the loop; the loop acts on it (weft__signals_dispatch).
 *
 * Stack overflows: a SIGSEGV handler on an alternate stack recognises a
 * fault in the running task's guard region and names the task before the
 * process dies; other faults go to the previous handler (or the default). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/backend.h"
#include "core/loop.h"

static weft_loop *sig_loop;
static struct sigaction old_int, old_term, old_quit;
static volatile sig_atomic_t stop_count;

static void chain(const struct sigaction *old, int sig, siginfo_t *si, void *uc)
{
    if (old->sa_flags & SA_SIGINFO) {
        if (old->sa_sigaction) old->sa_sigaction(sig, si, uc);
    } else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN && old->sa_handler) {
        old->sa_handler(sig);
    }
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    weft_loop *L = sig_loop;
    const struct sigaction *old = sig == SIGINT ? &old_int : sig == SIGTERM ? &old_term : &old_quit;
    if (L && (sig == SIGINT || sig == SIGTERM)) {
        if (++stop_count >= 2) {
            signal(sig, SIG_DFL);
            raise(sig);
            errno = saved;
            return;
        }
        __atomic_or_fetch(&L->sig_pending, sig == SIGINT ? 1 : 2, __ATOMIC_SEQ_CST);
        L->be->wake(L);
    } else if (L && sig == SIGQUIT) {
        __atomic_or_fetch(&L->sig_pending, 4, __ATOMIC_SEQ_CST);
        L->be->wake(L);
    }
    chain(old, sig, si, uc);
    errno = saved;
}

int weft__signals_install(weft_loop *L)
{
    if (sig_loop) return -EBUSY;
    sig_loop = L;
    stop_count = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if (L->debug) sigaction(SIGQUIT, &sa, &old_quit);
    /* Writing to a closed socket or pipe must not kill the process. */
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

void weft__signals_uninstall(weft_loop *L)
{
    if (sig_loop != L) return;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (L->debug) sigaction(SIGQUIT, &old_quit, NULL);
    sig_loop = NULL;
}

void weft__signals_dispatch(weft_loop *L)
{
    int bits = __atomic_exchange_n(&L->sig_pending, 0, __ATOMIC_SEQ_CST);
    if ((bits & 3) && L->root) weft_cancel(L->root);
    if (bits & 4) (void)weft_dump_tasks(stderr);
}

/* ------------------------------------------------------- stack overflow */

static struct sigaction old_segv, old_bus;
static int overflow_installs;
static __thread void *altstack;

static size_t put(char *b, size_t n, size_t at, const char *s)
{
    while (*s && at + 1 < n) b[at++] = *s++;
    b[at] = 0;
    return at;
}

static size_t put_num(char *b, size_t n, size_t at, unsigned long long v)
{
    char tmp[24];
    int i = 0;
    do tmp[i++] = (char)('0' + v % 10); while ((v /= 10) && i < 23);
    while (i > 0 && at + 1 < n) b[at++] = tmp[--i];
    b[at] = 0;
    return at;
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    weft_loop *L = weft__L;
    weft_task *t = L ? L->current : NULL;
    char *a = si ? (char *)si->si_addr : NULL;
    if (t && t->stack && a && a >= (char *)t->stack->guard - (64 << 10) &&
        a < (char *)t->stack->guard + t->stack->guard_size) {
        char msg[512];
        size_t at = put(msg, sizeof msg, 0, "weft: stack overflow in task #");
        at = put_num(msg, sizeof msg, at, t->id);
        at = put(msg, sizeof msg, at, " '");
        at = put(msg, sizeof msg, at, weft_task_name(t));
        at = put(msg, sizeof msg, at, "'");
        if (t->file) {
            at = put(msg, sizeof msg, at, " spawned at ");
            at = put(msg, sizeof msg, at, t->file);
            at = put(msg, sizeof msg, at, ":");
            at = put_num(msg, sizeof msg, at, (unsigned long long)t->line);
        }
        at = put(msg, sizeof msg, at, " (stack of ");
        at = put_num(msg, sizeof msg, at, t->stack->size / 1024);
        at = put(msg, sizeof msg, at, " KiB; give it more with weft_spawn_options.stack_size)\n");
        ssize_t wr = write(2, msg, at);
        (void)wr;
        signal(sig, SIG_DFL); /* returning re-runs the access and dies of it */
        return;
    }
    const struct sigaction *old = sig == SIGSEGV ? &old_segv : &old_bus;
    if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
        old->sa_sigaction(sig, si, uc);
        return;
    }
    if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN && old->sa_handler) {
        old->sa_handler(sig);
        return;
    }
    signal(sig, SIG_DFL);
}

int weft__overflow_install(weft_loop *L)
{
    (void)L;
    size_t sz = 64 * 1024;
    if (!altstack) {
        altstack = malloc(sz);
        if (!altstack) return -ENOMEM;
        stack_t ss = {.ss_sp = altstack, .ss_size = sz, .ss_flags = 0};
        if (sigaltstack(&ss, NULL) != 0) {
            free(altstack);
            altstack = NULL;
            return -errno;
        }
    }
    if (__atomic_fetch_add(&overflow_installs, 1, __ATOMIC_SEQ_CST) == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_fault;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, &old_segv);
        sigaction(SIGBUS, &sa, &old_bus);
    }
    return 0;
}

void weft__overflow_uninstall(weft_loop *L)
{
    (void)L;
    if (__atomic_sub_fetch(&overflow_installs, 1, __ATOMIC_SEQ_CST) == 0) {
        sigaction(SIGSEGV, &old_segv, NULL);
        sigaction(SIGBUS, &old_bus, NULL);
    }
    if (altstack) {
        stack_t ss = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
        sigaltstack(&ss, NULL);
        free(altstack);
        altstack = NULL;
    }
}
