/* Layer 4b: the DNS resolver: c-ares driven by the loop, getaddrinfo on
 * the worker pool for what c-ares cannot answer.
 *
 * One c-ares channel per loop (L->ext[WEFT__EXT_DNS]), opened at the first
 * lookup with the loop's resolver options (weft_resolver_configure), used
 * only on the loop's thread.
 *
 * Who drives c-ares:
 *   - Its sockets: c-ares reports each socket it opens, the readiness it
 *     wants and the socket's closing through the sock_state callback. Each
 *     socket gets a small detached "watcher" task that waits for that
 *     readiness (weft_fd_wait_readable/_writable, so the backend does the
 *     waiting) and hands it to ares_process_fd. A closing socket's watcher
 *     is cancelled before c-ares closes the fd.
 *   - Its timers: the task waiting for a query parks under a deadline
 *     scope set to ares_timeout(); when that scope expires it lets c-ares
 *     process its timeouts (retry, next server, give up) and parks again.
 *   - Completion: the query's callback stores the answer and wakes the
 *     task. A query record lives on the heap: if the task is cancelled or
 *     an outer deadline expires it returns at once and abandons the
 *     record, which c-ares's callback frees when the query ends (at the
 *     latest when the loop ends and the channel is destroyed).
 *
 * The fallback: when c-ares finds no such name and the resolver uses the
 * system's configuration (no servers given), getaddrinfo runs on the worker
 * pool, so names known only to NSS (mDNS, LDAP, a container's own sources)
 * still resolve; an interrupted task abandons that job too. Without c-ares
 * at build time every lookup takes that road. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#ifdef WEFT_HAVE_CARES
#include <ares.h>
#include <pthread.h>
#endif

#include "core/loop.h"
#include "io/threadpool.h"
#include "net/dns.h"
#include "util/opts.h"

struct dns {
    /* configuration (weft_resolver_configure) */
    char *servers;      /* NULL: the system's */
    int64_t timeout_ns; /* 0: c-ares's default */
    int tries;          /* 0: c-ares's default */
    int hosts;          /* consult /etc/hosts */
    int fallback;       /* getaddrinfo on the pool when DNS finds no such name */
#ifdef WEFT_HAVE_CARES
    ares_channel ch;    /* NULL until the first lookup */
    struct watch *watches; /* every watcher's record, live or not */
    size_t inflight;    /* c-ares queries not yet called back */
#endif
};

/* ------------------------------------------------------------ results */

/* Copies addresses into out, IPv6 and IPv4 alternating from the family of
 * the first one (RFC 8305 section 4), each family keeping its own order. */
static size_t interleave(weft_addr *out, size_t max, const weft_addr *in, size_t n)
{
    if (n == 0) return 0;
    int first = in[0].u.sa.sa_family;
    size_t i_first = 0, i_other = 0, k = 0;
    int turn_first = 1;
    while (k < max) {
        const weft_addr *pick = NULL;
        for (int pass = 0; pass < 2 && !pick; pass++) {
            int want_first = turn_first ^ pass;
            size_t *ix = want_first ? &i_first : &i_other;
            while (*ix < n && ((in[*ix].u.sa.sa_family == first) != want_first)) (*ix)++;
            if (*ix < n) pick = &in[(*ix)++];
        }
        if (!pick) break;
        out[k++] = *pick;
        turn_first = !turn_first;
    }
    return k;
}

/* Appends sa (AF_INET/AF_INET6) with port to a, unless already there. */
static void add_addr(weft_addr *a, size_t *n, size_t max, const struct sockaddr *sa, int port)
{
    if (*n >= max) return;
    weft_addr x;
    memset(&x, 0, sizeof x);
    if (sa->sa_family == AF_INET) {
        memcpy(&x.u.in4, sa, sizeof x.u.in4);
        x.u.in4.sin_port = htons((uint16_t)port);
        x.len = sizeof x.u.in4;
    } else if (sa->sa_family == AF_INET6) {
        memcpy(&x.u.in6, sa, sizeof x.u.in6);
        x.u.in6.sin6_port = htons((uint16_t)port);
        x.len = sizeof x.u.in6;
    } else {
        return;
    }
    for (size_t i = 0; i < *n; i++)
        if (a[i].len == x.len && memcmp(&a[i].u, &x.u, x.len) == 0) return;
    a[(*n)++] = x;
}

/* ------------------------------------------------- state and options */

static void dns_fini(weft_loop *L);

/* $WEFT_DNS_SERVERS ("ip[:port],...") stands in for the system's servers
 * (what "servers = NULL" means), and then no getaddrinfo fallback runs
 * either, since it would ask the system's resolver. The test suite sets it
 * to a closed loopback port, so no test can ever reach the real resolver. */
static const char *env_servers(void)
{
    const char *e = getenv("WEFT_DNS_SERVERS");
    return e && *e ? e : NULL;
}

static struct dns *dns_get(weft_loop *L)
{
    struct dns *d = L->ext[WEFT__EXT_DNS];
    if (d) return d;
    d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->hosts = 1;
    d->fallback = 1;
    L->ext[WEFT__EXT_DNS] = d;
    L->ext_fini[WEFT__EXT_DNS] = dns_fini;
    return d;
}

/* ---------------------------------------------- getaddrinfo on the pool */

struct fb {
    weft__job job;
    weft__wait *w;  /* the waiting task; NULL once it left */
    int abandoned;  /* the task left: fb_done frees */
    char *host;
    int family, socktype, port;
    size_t max, n;
    int rc;         /* 0, or a negative code */
    weft_addr addrs[];
};

static int eai_code(int e)
{
    switch (e) {
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY:
#endif
        return -ENOENT;
    case EAI_MEMORY: return -ENOMEM;
    case EAI_SYSTEM: return errno ? -errno : -EAGAIN;
    case EAI_FAMILY:
    case EAI_SOCKTYPE:
    case EAI_BADFLAGS: return -EINVAL;
    default: return -EAGAIN; /* EAI_AGAIN, EAI_FAIL */
    }
}

/* On a worker thread. */
static int fb_run(void *p)
{
    struct fb *g = p;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = g->family;
    hints.ai_socktype = g->socktype ? g->socktype : SOCK_STREAM;
    int e = getaddrinfo(g->host, NULL, &hints, &res);
    if (e != 0) {
        g->rc = eai_code(e);
        return 0;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        add_addr(g->addrs, &g->n, g->max, ai->ai_addr, g->port);
    freeaddrinfo(res);
    g->rc = g->n ? 0 : -ENOENT;
    return 0;
}

static void fb_free(struct fb *g)
{
    free(g->host);
    free(g);
}

/* On the loop's thread once the worker is done (or the loop ended). */
static void fb_done(weft__job *j)
{
    struct fb *g = WEFT__CONTAINER(j, struct fb, job);
    if (g->abandoned) {
        fb_free(g);
        return;
    }
    weft__wait *w = g->w;
    g->w = NULL;
    weft__wake(w, 0);
}

struct fb_wait {
    weft__wait w;
    struct fb *g;
};

static void fb_cancel(weft__wait *w, int reason)
{
    struct fb *g = ((struct fb_wait *)w)->g;
    g->w = NULL;
    if (!weft__tpool_unqueue(g->job.loop, &g->job)) g->abandoned = 1; /* fb_done frees it */
    weft__wake(w, reason);
}

static int fb_lookup(weft_loop *L, const char *host, int port, int socktype, int family,
                      weft_addr *out, size_t max)
{
    struct fb *g = calloc(1, sizeof *g + max * sizeof(weft_addr));
    if (!g) return -ENOMEM;
    g->host = strdup(host);
    if (!g->host) {
        free(g);
        return -ENOMEM;
    }
    g->family = family;
    g->socktype = socktype;
    g->port = port;
    g->max = max;
    g->job.fn = fb_run;
    g->job.arg = g;
    g->job.done = fb_done;
    int rc = weft__tpool_submit(L, &g->job);
    if (rc < 0) {
        fb_free(g);
        return rc;
    }
    struct fb_wait gw = {{.cancel = fb_cancel, .what = "getaddrinfo"}, g};
    g->w = &gw.w;
    rc = weft__park(&gw.w); /* the caller checked that this parks */
    if (rc < 0) {
        if (!g->abandoned) fb_free(g); /* withdrawn before a worker took it */
        return rc;
    }
    rc = g->rc < 0 ? g->rc : (int)interleave(out, max, g->addrs, g->n);
    fb_free(g);
    return rc;
}

/* ================================================================ c-ares */
#ifdef WEFT_HAVE_CARES

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_lib_rc;
static void ares_lib_init(void) { ares_lib_rc = ares_library_init(ARES_LIB_INIT_ALL); }

static int ares_code(int st)
{
    switch (st) {
    case ARES_SUCCESS: return 0;
    case ARES_ENODATA:
    case ARES_ENOTFOUND:
    case ARES_ENONAME: return -ENOENT;
    case ARES_ENOMEM: return -ENOMEM;
    case ARES_EBADNAME:
    case ARES_EBADFAMILY:
    case ARES_EBADFLAGS:
    case ARES_EBADHINTS:
    case ARES_EBADSTR: return -EINVAL;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION: return -ECANCELED;
    default: return -EAGAIN; /* ETIMEOUT, ESERVFAIL, EREFUSED, ECONNREFUSED, EBADRESP, ... */
    }
}

/* ------------------------------------------------- sockets: watchers */

struct watch {
    struct watch *next;
    struct dns *d;
    weft_task *task;
    int fd;
    int r, w;   /* the readiness c-ares wants */
    int parked; /* 0 running or not started, 1 waiting readable, 2 writable */
    int dead;   /* c-ares closed the socket, or a new watcher took over */
};

static void watch_unlink(struct dns *d, struct watch *wt)
{
    for (struct watch **p = &d->watches; *p; p = &(*p)->next)
        if (*p == wt) {
            *p = wt->next;
            return;
        }
}

static int watcher(void *p)
{
    struct watch *wt = p;
    struct dns *d = wt->d;
    while (!wt->dead) {
        int write = wt->w != 0;
        wt->parked = write ? 2 : 1;
        int rc = write ? weft_fd_wait_writable(wt->fd) : weft_fd_wait_readable(wt->fd);
        wt->parked = 0;
        if (wt->dead || rc < 0) break; /* cancelled, or an fd error: c-ares times out */
        ares_process_fd(d->ch, write ? ARES_SOCKET_BAD : wt->fd, write ? wt->fd : ARES_SOCKET_BAD);
    }
    watch_unlink(d, wt);
    free(wt);
    return 0;
}

static const weft_spawn_options watcher_opts = {.name = "dns watcher"};

/* c-ares: socket fd now wants readable r / writable w; both 0: closing. */
static void sock_state(void *data, ares_socket_t fd, int r, int w)
{
    struct dns *d = data;
    struct watch *wt = d->watches;
    while (wt && (wt->dead || wt->fd != fd)) wt = wt->next;
    /* A closing socket, or one that now needs a write while its watcher
     * waits to read: that watcher goes (cancelled if parked; a running or
     * unstarted one sees `dead`). */
    if (wt && ((!r && !w) || (w && wt->parked == 1))) {
        wt->dead = 1;
        if (wt->parked) weft_cancel(wt->task);
        wt = NULL;
    }
    if (!r && !w) return;
    if (wt) {
        wt->r = r;
        wt->w = w;
        return;
    }
    wt = calloc(1, sizeof *wt);
    if (!wt) return; /* nobody watches: the query times out */
    wt->d = d;
    wt->fd = fd;
    wt->r = r;
    wt->w = w;
    if (weft_spawn_opts(&wt->task, &watcher_opts, watcher, wt) < 0) {
        free(wt);
        return;
    }
    WEFT_IGNORE(weft_detach(wt->task));
    wt->next = d->watches;
    d->watches = wt;
}

/* ------------------------------------------- c-ares's socket calls */

/* c-ares opens, uses and closes its sockets through these: they are
 * close-on-exec and non-blocking like every fd weft opens, sends never
 * raise SIGPIPE, and a close goes through weft_fd_close so the backend
 * forgets the fd (epoll keeps a registration per fd number). */
static ares_socket_t dns_socket(int domain, int type, int protocol, void *data)
{
    (void)data;
    int fd = socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
    if (fd >= 0 && type == SOCK_STREAM) {
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd < 0 ? ARES_SOCKET_BAD : fd;
}

static int dns_close(ares_socket_t fd, void *data)
{
    (void)data;
    return weft_fd_close(fd) < 0 ? -1 : 0;
}

static int dns_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *data)
{
    (void)data;
    return connect(fd, sa, len);
}

static ares_ssize_t dns_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
                                 struct sockaddr *from, ares_socklen_t *fromlen, void *data)
{
    (void)data;
    return recvfrom(fd, buf, len, flags, from, fromlen);
}

static ares_ssize_t dns_sendv(ares_socket_t fd, const struct iovec *iov, int n, void *data)
{
    (void)data;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = (struct iovec *)iov;
    m.msg_iovlen = (size_t)n;
    return sendmsg(fd, &m, MSG_NOSIGNAL);
}

static const struct ares_socket_functions dns_sockets = {
    dns_socket, dns_close, dns_connect, dns_recvfrom, dns_sendv,
};

/* ---------------------------------------------------------- the channel */

static int channel_open(struct dns *d)
{
    if (d->ch) return 0;
    pthread_once(&ares_once, ares_lib_init);
    if (ares_lib_rc != ARES_SUCCESS) return -ENOMEM;
    struct ares_options o;
    memset(&o, 0, sizeof o);
    int mask = ARES_OPT_SOCK_STATE_CB;
    o.sock_state_cb = sock_state;
    o.sock_state_cb_data = d;
    if (d->timeout_ns > 0) {
        int64_t ms = (d->timeout_ns + 999999) / 1000000;
        o.timeout = ms > 1000000000 ? 1000000000 : (int)ms;
        mask |= ARES_OPT_TIMEOUTMS;
    }
    if (d->tries > 0) {
        o.tries = d->tries;
        mask |= ARES_OPT_TRIES;
    }
    char lookups[] = "b";
    if (!d->hosts) {
        o.lookups = lookups;
        mask |= ARES_OPT_LOOKUPS;
    }
    int st = ares_init_options(&d->ch, &o, mask);
    if (st != ARES_SUCCESS) {
        d->ch = NULL;
        return ares_code(st);
    }
    ares_set_socket_functions(d->ch, &dns_sockets, d);
    const char *servers = d->servers ? d->servers : env_servers();
    if (servers && ares_set_servers_ports_csv(d->ch, servers) != ARES_SUCCESS) {
        ares_destroy(d->ch);
        d->ch = NULL;
        return -EINVAL;
    }
    return 0;
}

static void channel_close(struct dns *d)
{
    if (!d->ch) return;
    ares_destroy(d->ch); /* abandoned queries are called back and freed */
    d->ch = NULL;
}

/* ------------------------------------------------------------- queries */

struct query {
    struct dns *d;
    weft__wait *w;  /* while its task is parked */
    weft_addr *out; /* the caller's array; NULL once the task left */
    size_t max;
    int port;
    int rc;         /* the outcome, once done */
    int done;
};

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    (void)timeouts;
    struct query *q = arg;
    q->d->inflight--;
    q->done = 1;
    if (!q->out) { /* abandoned */
        if (res) ares_freeaddrinfo(res);
        free(q);
        return;
    }
    q->rc = ares_code(status);
    if (status == ARES_SUCCESS) {
        weft_addr tmp[64];
        size_t n = 0;
        for (struct ares_addrinfo_node *a = res ? res->nodes : NULL; a; a = a->ai_next)
            add_addr(tmp, &n, sizeof tmp / sizeof tmp[0], a->ai_addr, q->port);
        q->rc = n ? (int)interleave(q->out, q->max, tmp, n) : -ENOENT;
    }
    if (res) ares_freeaddrinfo(res);
    if (q->w) {
        weft__wait *w = q->w;
        q->w = NULL;
        weft__wake(w, 0);
    }
}

struct query_wait {
    weft__wait w;
    struct query *q;
};

static void query_cancel(weft__wait *w, int reason)
{
    ((struct query_wait *)w)->q->w = NULL;
    weft__wake(w, reason);
}

static int cares_lookup(struct dns *d, const char *host, int port, int socktype, int family,
                        weft_addr *out, size_t max)
{
    struct query *q = calloc(1, sizeof *q);
    if (!q) return -ENOMEM;
    q->d = d;
    q->out = out;
    q->max = max;
    q->port = port;
    struct ares_addrinfo_hints h;
    memset(&h, 0, sizeof h);
    h.ai_family = family;
    h.ai_socktype = socktype ? socktype : SOCK_STREAM;
    h.ai_flags = ARES_AI_ENVHOSTS; /* $CARES_HOSTS names the hosts file, in every c-ares */
    d->inflight++;
    ares_getaddrinfo(d->ch, host, NULL, &h, on_addrinfo, q); /* may call back at once */
    int rc = 0;
    while (!q->done) {
        struct timeval tv, *tp = ares_timeout(d->ch, NULL, &tv);
        int64_t ns = tp ? (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000 : WEFT_SEC(1);
        rc = weft_deadline_push(ns > 0 ? ns : 0);
        if (rc < 0) break;
        struct query_wait qw = {{.cancel = query_cancel, .what = "dns"}, q};
        q->w = &qw.w;
        rc = weft__park(&qw.w);
        q->w = NULL;
        int own = weft_deadline_pop();
        if (rc == -ETIMEDOUT && own == 1 && !q->done) { /* c-ares's own timer */
            ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            rc = 0;
        }
        if (rc < 0) break; /* cancelled, or an outer deadline */
    }
    if (!q->done) {
        q->out = NULL; /* abandoned: on_addrinfo frees it */
        return rc;
    }
    if (rc == 0) rc = q->rc;
    free(q);
    return rc;
}

#endif /* WEFT_HAVE_CARES */

/* ---------------------------------------------------------------- public */

static void dns_fini(weft_loop *L)
{
    struct dns *d = L->ext[WEFT__EXT_DNS];
#ifdef WEFT_HAVE_CARES
    channel_close(d);
    while (d->watches) { /* watchers whose task never ran */
        struct watch *wt = d->watches;
        d->watches = wt->next;
        free(wt);
    }
#endif
    free(d->servers);
    free(d);
    L->ext[WEFT__EXT_DNS] = NULL;
    L->ext_fini[WEFT__EXT_DNS] = NULL;
}

int weft__dns_lookup(const char *host, int port, int socktype, int family, weft_addr *out,
                     size_t max)
{
    weft_loop *L = weft__L;
    if (!L || !L->current) return -EINVAL;
    if (!host || !*host || !out || !max || port < 0 || port > 65535) return -EINVAL;
    if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) return -EINVAL;
    int rc = weft__check(L, L->current);
    if (rc) return rc;
    struct dns *d = dns_get(L);
    if (!d) return -ENOMEM;
    int fallback = d->fallback && !(d->servers == NULL && env_servers());
#ifdef WEFT_HAVE_CARES
    rc = channel_open(d);
    if (rc == 0) {
        rc = cares_lookup(d, host, port, socktype, family, out, max);
        if (rc != -ENOENT || !fallback) return rc;
    } else if (!fallback) {
        return rc;
    }
    rc = weft__check(L, L->current);
    if (rc) return rc;
#else
    if (!fallback) return -EAGAIN;
#endif
    return fb_lookup(L, host, port, socktype, family, out, max);
}

int weft_resolver_configure(const weft_resolver_options *o)
{
    weft_loop *L = weft__L;
    if (!L) return -EINVAL;
    weft_resolver_options oo;
    if (WEFT__OPTS_TAKE(weft_resolver_options, &oo, o, WEFT_RESOLVER_OPTIONS_INIT) < 0) return -EINVAL;
    o = &oo;
    if (o->timeout_ns < 0 || o->tries < 0) return -EINVAL;
#ifndef WEFT_HAVE_CARES
    if (o->servers) return -ENOSYS;
#endif
    struct dns *d = dns_get(L);
    if (!d) return -ENOMEM;
#ifdef WEFT_HAVE_CARES
    if (d->inflight) return -EBUSY;
#endif
    char *servers = NULL;
    if (o->servers && !(servers = strdup(o->servers))) return -ENOMEM;
    struct dns old = *d;
    d->servers = servers;
    d->timeout_ns = o->timeout_ns;
    d->tries = o->tries;
    d->hosts = o->hosts_file != 0;
    d->fallback = o->fallback < 0 ? servers == NULL : o->fallback != 0;
#ifdef WEFT_HAVE_CARES
    channel_close(d);
    int rc = channel_open(d); /* checks the servers now; reopened on demand */
    if (rc < 0) {
        free(d->servers);
        d->servers = old.servers;
        d->timeout_ns = old.timeout_ns;
        d->tries = old.tries;
        d->hosts = old.hosts;
        d->fallback = old.fallback;
        return rc;
    }
#endif
    free(old.servers);
    return 0;
}
