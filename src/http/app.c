/* Layer 6 (http): the app: its routes and its middleware chain.
 *
 * The chain for a request is mw[0] -> mw[1] -> ... -> the route's handler
 * (or the 404/405 answer). A middleware is handed a weft_http_next naming
 * the stage after it, which lives on the calling stage's stack: calling
 * it runs the rest of the chain on the same task, so a middleware is
 * plain code around a call, like aiohttp's `await handler(request)`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/server.h"

int weft_http_app_new(weft_http_app **app)
{
    if (!app) return -EINVAL;
    *app = calloc(1, sizeof **app);
    return *app ? 0 : -ENOMEM;
}

void weft_http_app_free(weft_http_app *app)
{
    if (!app) return;
    weft__router_free(app->routes);
    free(app->mw);
    free(app);
}

int weft_http_route(weft_http_app *app, const char *method, const char *pattern,
                    weft_http_handler h, void *ud)
{
    if (!app) return -EINVAL;
    return weft__router_add(&app->routes, method, pattern, h, ud);
}

int weft_http_use(weft_http_app *app, weft_http_middleware mw, void *ud)
{
    if (!app || !mw) return -EINVAL;
    if (app->nmw == app->capmw) {
        size_t cap = app->capmw ? app->capmw * 2 : 4;
        weft__mw *n = realloc(app->mw, cap * sizeof *n);
        if (!n) return -ENOMEM;
        app->mw = n;
        app->capmw = cap;
    }
    app->mw[app->nmw++] = (weft__mw){mw, ud};
    return 0;
}

/* The innermost stage: the route's handler, or the router's answer. */
static int endpoint(weft_http_req *req, weft_http_res *res)
{
    const weft__match *m = &req->m;
    if (m->route) return m->route->h(req, res, m->route->ud);
    int rc = weft_http_res_error(res, m->status ? m->status : 404, NULL);
    if (rc == 0 && m->status == 405) rc = weft_http_res_header(res, "Allow", m->allow);
    return rc;
}

static int run_from(const weft_http_app *app, size_t i, weft_http_req *req, weft_http_res *res)
{
    if (i >= app->nmw) return endpoint(req, res);
    weft_http_next next = {app, i + 1};
    return app->mw[i].fn(req, res, &next, app->mw[i].ud);
}

int weft_http_next_call(weft_http_next *next, weft_http_req *req, weft_http_res *res)
{
    if (!next || !req || !res) return -EINVAL;
    return run_from(next->app, next->i, req, res);
}

int weft__http_dispatch(const weft_http_app *app, weft_http_req *req, weft_http_res *res)
{
    weft__router_match(app->routes, &req->rq, req->path.ptr, req->path.len, &req->m);
    if (WEFT__LIKELY(!app->nmw)) return endpoint(req, res);
    return run_from(app, 0, req, res);
}
