/* weft-test: pure timeout=30
 * The route tree (src/http/router.c): literal, parameter and rest
 * segments, literal-over-parameter precedence with backtracking,
 * percent-decoded matching, 404 vs 405 with the Allow list, HEAD served
 * by GET routes, "*" routes, pattern validation. */
#include <stdio.h>
#include <string.h>

#include "wt.h"
#include "http/server.h"

static int h_a(weft_http_req *q, weft_http_res *r, void *u)
{
    return (void)q, (void)r, (int)(intptr_t)u;
}

#define ROUTE(root, m, p, id)                                                                      \
    assert_int_equal(weft__router_add(&(root), (m), (p), h_a, (void *)(intptr_t)(id)), 0)

/* Matches method + path; returns the route's id (>0), or -status. */
static int match(const weft__rnode *root, const char *method, const char *path, weft__match *m)
{
    weft_http_header hs[1];
    weft_http_request rq = WEFT_HTTP_REQUEST_INIT(hs);
    char req[256];
    snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: x\r\n\r\n", method, path);
    weft_http_parser ps = WEFT_HTTP_PARSER_INIT;
    assert_true(weft_http_parse_request(&ps, req, strlen(req), &rq) > 0);
    weft__router_match(root, &rq, path, strlen(path), m);
    if (!m->route) return -m->status;
    return (int)(intptr_t)m->route->ud;
}

static void param_is(const weft__match *m, int i, const char *name, const char *raw)
{
    assert_true(i < m->nparams);
    assert_string_equal(m->pname[i], name);
    assert_int_equal(m->pval[i].len, strlen(raw));
    assert_memory_equal(m->pval[i].ptr, raw, strlen(raw));
}

static void test_literals_and_params(void **state)
{
    (void)state;
    weft__rnode *root = NULL;
    weft__match m;
    ROUTE(root, "GET", "/", 1);
    ROUTE(root, "GET", "/plaintext", 2);
    ROUTE(root, "GET", "/hello/{name}", 3);
    ROUTE(root, "GET", "/users/{id}/posts/{post}", 4);
    ROUTE(root, "GET", "/users/me", 5);
    ROUTE(root, "GET", "/files/{path...}", 6);
    assert_int_equal(match(root, "GET", "/", &m), 1);
    assert_int_equal(m.nparams, 0);
    assert_int_equal(match(root, "GET", "/plaintext", &m), 2);
    assert_int_equal(match(root, "GET", "/hello/world", &m), 3);
    param_is(&m, 0, "name", "world");
    assert_int_equal(match(root, "GET", "/hello/w%C3%B6rld", &m), 3);
    param_is(&m, 0, "name", "w%C3%B6rld"); /* decoded by the request, on demand */
    assert_int_equal(match(root, "GET", "/users/42/posts/7", &m), 4);
    param_is(&m, 0, "id", "42");
    param_is(&m, 1, "post", "7");
    /* literal first, and back off to the parameter when the literal dead-ends */
    assert_int_equal(match(root, "GET", "/users/me", &m), 5);
    assert_int_equal(match(root, "GET", "/users/me/posts/1", &m), 4);
    param_is(&m, 0, "id", "me");
    assert_int_equal(match(root, "GET", "/files/a/b/c.txt", &m), 6);
    param_is(&m, 0, "path", "a/b/c.txt");
    /* no match: empty segment for a parameter, trailing slash, extra segment */
    assert_int_equal(match(root, "GET", "/hello/", &m), -404);
    assert_int_equal(match(root, "GET", "/hello", &m), -404);
    assert_int_equal(match(root, "GET", "/plaintext/", &m), -404);
    assert_int_equal(match(root, "GET", "/hello/a/b", &m), -404);
    assert_int_equal(match(root, "GET", "/files/", &m), -404);
    assert_int_equal(match(root, "GET", "/nothing", &m), -404);
    weft__router_free(root);
}

static void test_decoded_literals(void **state)
{
    (void)state;
    weft__rnode *root = NULL;
    weft__match m;
    ROUTE(root, "GET", "/a b/c", 1);     /* a literal with a space */
    ROUTE(root, "GET", "/caf%C3%A9", 2); /* written encoded: stored decoded */
    assert_int_equal(match(root, "GET", "/a%20b/c", &m), 1);
    assert_int_equal(match(root, "GET", "/caf%c3%a9", &m), 2);
    /* %2F inside a segment stays inside it: never a separator */
    assert_int_equal(match(root, "GET", "/a%20b%2Fc", &m), -404);
    /* a malformed escape never matches a literal */
    assert_int_equal(match(root, "GET", "/a%2/c", &m), -404);
    weft__router_free(root);
}

static void test_methods(void **state)
{
    (void)state;
    weft__rnode *root = NULL;
    weft__match m;
    ROUTE(root, "GET", "/items", 1);
    ROUTE(root, "POST", "/items", 2);
    ROUTE(root, "PROPFIND", "/items", 3);
    ROUTE(root, "*", "/any", 4);
    ROUTE(root, "HEAD", "/h", 5);
    ROUTE(root, "GET", "/h", 6);
    assert_int_equal(match(root, "GET", "/items", &m), 1);
    assert_int_equal(match(root, "POST", "/items", &m), 2);
    assert_int_equal(match(root, "PROPFIND", "/items", &m), 3);
    assert_int_equal(match(root, "HEAD", "/items", &m), 1); /* GET answers HEAD */
    assert_int_equal(match(root, "HEAD", "/h", &m), 5);     /* unless HEAD has its own */
    assert_int_equal(match(root, "DELETE", "/items", &m), -405);
    assert_string_equal(m.allow, "GET, POST, PROPFIND, HEAD");
    assert_int_equal(match(root, "DELETE", "/any", &m), 4);
    assert_int_equal(match(root, "GET", "/any", &m), 4);
    assert_int_equal(match(root, "PUT", "/h", &m), -405);
    assert_string_equal(m.allow, "HEAD, GET");
    weft__router_free(root);
}

static void test_bad_patterns(void **state)
{
    (void)state;
    weft__rnode *root = NULL;
    assert_int_equal(weft__router_add(&root, "GET", "nope", h_a, NULL), -EINVAL);
    assert_int_equal(weft__router_add(&root, "GET", "/{}", h_a, NULL), -EINVAL);
    assert_int_equal(weft__router_add(&root, "GET", "/a{b}", h_a, NULL), -EINVAL);
    assert_int_equal(weft__router_add(&root, "GET", "/{rest...}/x", h_a, NULL), -EINVAL);
    assert_int_equal(weft__router_add(&root, "G T", "/x", h_a, NULL), -EINVAL);
    assert_int_equal(weft__router_add(&root, "", "/x", h_a, NULL), -EINVAL);
    assert_int_equal(weft__router_add(&root, "GET", "/x", NULL, NULL), -EINVAL);
    assert_int_equal(weft__router_add(&root, "GET", "/x/{id}", h_a, NULL), 0);
    assert_int_equal(weft__router_add(&root, "GET", "/x/{id}", h_a, NULL), -EEXIST);
    /* one position, two parameter names */
    assert_int_equal(weft__router_add(&root, "POST", "/x/{other}", h_a, NULL), -EINVAL);
    assert_int_equal(weft__router_add(&root, "POST", "/x/{id}", h_a, NULL), 0);
    weft__router_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals_and_params),
        cmocka_unit_test(test_decoded_literals),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_bad_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
