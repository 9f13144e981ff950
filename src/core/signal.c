/* Layer 1: catching signals: the runtime's SIGINT/SIGTERM handling and the
 * mechanism under weft_signal (the io layer's signal waits).
 *
 * One handler serves every caught signal. It only records the signal and
 * wakes a loop (the backend's async-signal-safe wake), then chains to the
 * handler installed before it; the loop acts on the record in its turn
 * (weft__signals_dispatch). A signal is caught while anyone needs it
 * (a reference count per signal; the earlier handler is restored when the
 * count drops to zero).
 *
 * Who gets a signal:
 *  - every loop whose weft_signal objects watch it (L->sig_watch): the bit
 *    goes to L->sig_user and the io layer's hook (L->sig_hook) hands it to
 *    the waiting tasks. Watching SIGINT/SIGTERM takes them from the runtime.
 *  - otherwise the runtime's loop (the first one started with opts.signals):
 *    SIGINT and SIGTERM: the first one cancels the root task (graceful
 *    shutdown); a second ends the process at once with the signal's default
 *    action, as asyncio does with a second Ctrl+C. SIGQUIT in debug mode
 *    dumps the tasks (as Go does) and the program goes on.
 *
 * Stack overflows: a SIGSEGV handler on an alternate stack recognises a
 * fault in the running task's guard region and names the task before the
 * process dies; other faults go to the previous handler (or the default). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/backend.h"
#include "core/loop.h"

#define MAX_SIG 65   /* signals 1..64 */
#define MAX_LOOPS 64 /* loops catching signals for weft_signal at once */

static pthread_mutex_t sig_mu = PTHREAD_MUTEX_INITIALIZER; /* guards what follows (not the handler) */
static struct {
    int refs;
    struct sigaction old;
} caught[MAX_SIG];
static weft_loop *watchers[MAX_LOOPS]; /* read by the handler (atomic loads) */
static weft_loop *sig_loop;            /* the runtime's loop */
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
    uint64_t bit = 1ull << (sig - 1);
    int taken = 0;
    for (int i = 0; i < MAX_LOOPS; i++) {
        weft_loop *W = __atomic_load_n(&watchers[i], __ATOMIC_ACQUIRE);
        if (W && (__atomic_load_n(&W->sig_watch, __ATOMIC_ACQUIRE) & bit)) {
            __atomic_or_fetch(&W->sig_user, bit, __ATOMIC_SEQ_CST);
            W->be->wake(W);
            taken = 1;
        }
    }
    weft_loop *L = __atomic_load_n(&sig_loop, __ATOMIC_ACQUIRE);
    if (!taken && L && (sig == SIGINT || sig == SIGTERM)) {
        if (++stop_count >= 2) {
            signal(sig, SIG_DFL);
            raise(sig);
            errno = saved;
            return;
        }
        __atomic_or_fetch(&L->sig_pending, sig == SIGINT ? 1 : 2, __ATOMIC_SEQ_CST);
        L->be->wake(L);
    } else if (!taken && L && sig == SIGQUIT && L->debug) {
        __atomic_or_fetch(&L->sig_pending, 4, __ATOMIC_SEQ_CST);
        L->be->wake(L);
    }
    chain(&caught[sig].old, sig, si, uc);
    errno = saved;
}

/* Takes a reference on catching sig (installs the handler for the first).
 * Called with sig_mu held. */
static int hold(int sig)
{
    if (caught[sig].refs++ > 0) return 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, &caught[sig].old) < 0) {
        caught[sig].refs--;
        return -errno;
    }
    return 0;
}

static void drop(int sig)
{
    if (caught[sig].refs > 0 && --caught[sig].refs == 0) sigaction(sig, &caught[sig].old, NULL);
}

static int catchable(int sig)
{
    return sig >= 1 && sig < MAX_SIG && sig != SIGKILL && sig != SIGSTOP && sig != SIGSEGV &&
           sig != SIGBUS && sig != SIGFPE && sig != SIGILL && (sig < 32 || sig >= SIGRTMIN);
}

int weft__signal_catch(weft_loop *L, int sig)
{
    if (!catchable(sig)) return -EINVAL;
    pthread_mutex_lock(&sig_mu);
    int slot = -1, rc = 0;
    for (int i = 0; i < MAX_LOOPS; i++) {
        if (watchers[i] == L) slot = i;
        else if (!watchers[i] && slot < 0) slot = -2 - i; /* a free one */
    }
    if (slot == -1) rc = -EBUSY;
    else if (slot < -1) __atomic_store_n(&watchers[-2 - slot], L, __ATOMIC_RELEASE);
    if (rc == 0) rc = hold(sig);
    pthread_mutex_unlock(&sig_mu);
    return rc;
}

void weft__signal_release(weft_loop *L, int sig)
{
    (void)L;
    if (!catchable(sig)) return;
    pthread_mutex_lock(&sig_mu);
    drop(sig);
    pthread_mutex_unlock(&sig_mu);
}

int weft__signals_install(weft_loop *L)
{
    pthread_mutex_lock(&sig_mu);
    int rc = 0;
    if (sig_loop) {
        rc = -EBUSY;
    } else {
        __atomic_store_n(&sig_loop, L, __ATOMIC_RELEASE);
        stop_count = 0;
        hold(SIGINT);
        hold(SIGTERM);
        if (L->debug) hold(SIGQUIT);
        /* Writing to a closed socket or pipe must not kill the process. */
        signal(SIGPIPE, SIG_IGN);
    }
    pthread_mutex_unlock(&sig_mu);
    return rc;
}

void weft__signals_uninstall(weft_loop *L)
{
    pthread_mutex_lock(&sig_mu);
    for (int i = 0; i < MAX_LOOPS; i++)
        if (watchers[i] == L) __atomic_store_n(&watchers[i], NULL, __ATOMIC_RELEASE);
    if (sig_loop == L) {
        drop(SIGINT);
        drop(SIGTERM);
        if (L->debug) drop(SIGQUIT);
        __atomic_store_n(&sig_loop, NULL, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&sig_mu);
}

void weft__signals_dispatch(weft_loop *L)
{
    uint64_t user = __atomic_exchange_n(&L->sig_user, 0, __ATOMIC_SEQ_CST);
    if (user && L->sig_hook) L->sig_hook(L, user);
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
