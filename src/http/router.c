/* Layer 6 (http): the route tree.
 *
 * One node per path segment of the patterns: a node has literal children
 * (matched by the decoded segment's bytes), at most one parameter child
 * ("{name}", any one non-empty segment) and at most one rest child
 * ("{name...}", everything left), plus the routes that end at it, one per
 * method. Matching walks the path's segments, trying the literal child
 * first, then the parameter, then the rest, and backs up when a branch
 * dead-ends, so "/users/me/posts" still reaches "/users/{id}/posts" when
 * "/users/me" is a route of its own. A path reaching a node with routes but
 * none for the method is a 405 whose Allow lists the node's methods.
 *
 * Segments are compared percent-decoded. The common path has no '%' at
 * all and is matched in place; a segment with escapes is decoded into a
 * small stack buffer first (a segment too long for it cannot match a
 * literal, but can still be a parameter). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"
#include "http/server.h"

#define SEG_MAX 256 /* decoded literal segments longer than this never match */
#define DEPTH_MAX 64

struct weft__rnode {
    char *seg; /* literal segment (decoded), NULL for the root */
    size_t seglen;
    weft__rnode **kids; /* literal children */
    size_t nkids;
    weft__rnode *param;  /* "{name}" child */
    char *pname;         /* its name (on the child) */
    weft__rnode *rest;   /* "{name...}" child */
    weft__route *routes; /* the routes ending here */
};

static int is_token(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!WEFT_HTTP_IS(WEFT_HTTP_C_TCHAR, *s)) return 0;
    return 1;
}

static weft__rnode *node_new(void)
{
    return calloc(1, sizeof(weft__rnode));
}

void weft__router_free(weft__rnode *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nkids; i++) weft__router_free(n->kids[i]);
    free(n->kids);
    weft__router_free(n->param);
    weft__router_free(n->rest);
    for (weft__route *r = n->routes, *nx; r; r = nx) {
        nx = r->next;
        free(r->method);
        free(r);
    }
    free(n->seg);
    free(n->pname);
    free(n);
}

/* The child for one pattern segment [s, s + len), made if missing. */
static int child(weft__rnode *n, const char *s, size_t len, int last, weft__rnode **out)
{
    if (len >= 2 && s[0] == '{' && s[len - 1] == '}') {
        int rest = len > 5 && !memcmp(s + len - 4, "...}", 4);
        size_t nl = len - 2 - (rest ? 3 : 0);
        if (!nl || (rest && !last)) return -EINVAL;
        for (size_t i = 1; i < 1 + nl; i++)
            if (s[i] == '{' || s[i] == '}' || s[i] == '/') return -EINVAL;
        weft__rnode **slot = rest ? &n->rest : &n->param;
        if (*slot) {
            if (strlen((*slot)->pname) != nl || memcmp((*slot)->pname, s + 1, nl))
                return -EINVAL; /* two names for one position */
        } else {
            weft__rnode *k = node_new();
            if (!k || !(k->pname = strndup(s + 1, nl))) {
                free(k);
                return -ENOMEM;
            }
            *slot = k;
        }
        *out = *slot;
        return 0;
    }
    if (memchr(s, '{', len) || memchr(s, '}', len)) return -EINVAL;
    char dec[SEG_MAX];
    if (len > SEG_MAX) return -EINVAL;
    int dl = weft_http_pct_decode(dec, sizeof dec, s, len, WEFT_HTTP_PCT_NO_SLASH);
    if (dl < 0) return -EINVAL;
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->seglen == (size_t)dl && !memcmp(n->kids[i]->seg, dec, (size_t)dl)) {
            *out = n->kids[i];
            return 0;
        }
    weft__rnode **nk = realloc(n->kids, (n->nkids + 1) * sizeof *nk);
    if (!nk) return -ENOMEM;
    n->kids = nk;
    weft__rnode *k = node_new();
    if (!k || !(k->seg = malloc((size_t)dl + 1))) {
        free(k);
        return -ENOMEM;
    }
    memcpy(k->seg, dec, (size_t)dl);
    k->seg[dl] = 0;
    k->seglen = (size_t)dl;
    n->kids[n->nkids++] = k;
    *out = k;
    return 0;
}

int weft__router_add(weft__rnode **root, const char *method, const char *pattern,
                     weft_http_handler h, void *ud)
{
    if (!method || !pattern || !h || pattern[0] != '/') return -EINVAL;
    int any = !strcmp(method, "*");
    if (!any && !is_token(method)) return -EINVAL;
    if (!*root && !(*root = node_new())) return -ENOMEM;
    weft__rnode *n = *root;
    int nparams = 0;
    const char *p = pattern + 1;
    if (*p) { /* "/" is the root itself */
        for (int depth = 0;; depth++) {
            const char *e = strchr(p, '/');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (depth >= DEPTH_MAX) return -EINVAL;
            if (len && p[0] == '{' && ++nparams > WEFT__HTTP_MAX_PARAMS) return -EINVAL;
            int rc = child(n, p, len, !e, &n);
            if (rc < 0) return rc;
            if (!e) break;
            p = e + 1;
        }
    }
    int id = any ? -1 : weft__http_method_id(method, strlen(method));
    for (weft__route *r = n->routes; r; r = r->next)
        if (r->method_id == id && (id != WEFT_HTTP_OTHER || !strcmp(r->method, method)))
            return -EEXIST;
    weft__route *r = calloc(1, sizeof *r);
    if (!r || !(r->method = strdup(method))) {
        free(r);
        return -ENOMEM;
    }
    r->method_id = id;
    r->h = h;
    r->ud = ud;
    weft__route **tail = &n->routes;
    while (*tail) tail = &(*tail)->next;
    *tail = r;
    return 0;
}

/* ------------------------------------------------------------- matching */

struct walk {
    const weft_http_request *rq;
    const char *end;
    weft__match *m;
    const weft__rnode *allow_node; /* the first node reached without the method */
};

static const weft__route *pick_route(const weft__rnode *n, const weft_http_request *rq)
{
    const weft__route *any = NULL, *get = NULL;
    for (const weft__route *r = n->routes; r; r = r->next) {
        if (r->method_id == rq->method_id && (r->method_id != WEFT_HTTP_OTHER ||
                                              (strlen(r->method) == rq->method.len &&
                                               !memcmp(r->method, rq->method.ptr, rq->method.len))))
            return r;
        if (r->method_id == -1 && !any) any = r;
        if (r->method_id == WEFT_HTTP_GET) get = r;
    }
    if (rq->method_id == WEFT_HTTP_HEAD && get) return get;
    return any;
}

/* Matches the segments from p (just after a '/') at node n. */
static int walk(struct walk *w, const weft__rnode *n, const char *p, int np)
{
    if (!p) { /* the path ends at n */
        if (!n->routes) return 0;
        const weft__route *r = pick_route(n, w->rq);
        if (r) {
            w->m->route = r;
            w->m->nparams = np;
            return 1;
        }
        if (!w->allow_node) w->allow_node = n;
        return 0;
    }
    const char *e = memchr(p, '/', (size_t)(w->end - p));
    size_t len = (size_t)((e ? e : w->end) - p);
    const char *next = e ? e + 1 : NULL;
    if (n->nkids) {
        const char *seg = p;
        size_t sl = len;
        char dec[SEG_MAX];
        if (memchr(p, '%', len)) {
            int dl = len <= SEG_MAX ? weft_http_pct_decode(dec, sizeof dec, p, len, 0) : -1;
            seg = dl >= 0 ? dec : NULL;
            sl = dl >= 0 ? (size_t)dl : 0;
        }
        if (seg)
            for (size_t i = 0; i < n->nkids; i++) {
                const weft__rnode *k = n->kids[i];
                if (k->seglen == sl && !memcmp(k->seg, seg, sl) && walk(w, k, next, np)) return 1;
            }
    }
    if (n->param && len && np < WEFT__HTTP_MAX_PARAMS) {
        w->m->pname[np] = n->param->pname;
        w->m->pval[np] = (weft_http_slice){p, len};
        if (walk(w, n->param, next, np + 1)) return 1;
    }
    if (n->rest && np < WEFT__HTTP_MAX_PARAMS && (size_t)(w->end - p) > 0) {
        w->m->pname[np] = n->rest->pname;
        w->m->pval[np] = (weft_http_slice){p, (size_t)(w->end - p)};
        if (walk(w, n->rest, NULL, np + 1)) return 1;
    }
    return 0;
}

static void allow_list(const weft__rnode *n, char *out, size_t cap)
{
    size_t len = 0;
    int has_get = 0, has_head = 0;
    out[0] = 0;
    for (const weft__route *r = n->routes; r; r = r->next) {
        has_get |= r->method_id == WEFT_HTTP_GET;
        has_head |= r->method_id == WEFT_HTTP_HEAD;
    }
    for (const weft__route *r = n->routes;; r = r->next) {
        const char *name = r ? r->method : (has_get && !has_head ? "HEAD" : NULL);
        if (!name) break;
        size_t nl = strlen(name);
        if (len + nl + 3 > cap) break;
        if (len) {
            memcpy(out + len, ", ", 2);
            len += 2;
        }
        memcpy(out + len, name, nl + 1);
        len += nl;
        if (!r) break;
    }
}

void weft__router_match(const weft__rnode *root, const weft_http_request *rq, const char *path,
                        size_t len, weft__match *m)
{
    m->route = NULL;
    m->nparams = 0;
    m->status = 404;
    if (!root || !len || path[0] != '/') return;
    struct walk w = {rq, path + len, m, NULL};
    if (walk(&w, root, len > 1 ? path + 1 : NULL, 0)) {
        m->status = 0;
        return;
    }
    m->nparams = 0;
    if (w.allow_node) {
        m->status = 405;
        allow_list(w.allow_node, m->allow, sizeof m->allow);
    }
}
