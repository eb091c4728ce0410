/*
 * fuzz_router.c — libFuzzer target for route matching (http/router.c).
 * The input is "METHOD PATH" (split at the first space; no space: GET and
 * the whole input as the path). Beyond not crashing: a match has a route
 * with this method (HEAD is answered by a GET route), as many parameters as its pattern has, each
 * percent-decoded without '/'; a 405 names at least one method in Allow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"
#include "core/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void h(struct eg_req *req)
{
    (void)req;
}

static const struct eg_route api[] = {
    {"GET", "/api/v1/cases/{id}", h, 0, 0, 0, NULL, NULL, "one"},
    {"DELETE", "/api/v1/cases/{id}", h, 0, 0, 0, NULL, NULL, "delete"},
    {"GET", "/api/v1/cases", h, 0, 0, 0, NULL, NULL, "list"},
    {"POST", "/api/v1/cases", h, 0, 0, 0, NULL, NULL, "create"},
    {"GET", "/api/v1/cases/export", h, 0, 0, 0, NULL, NULL, "export"},
    {"POST", "/api/v1/cases/{id}/transitions", h, 0, 0, 0, NULL, NULL, "transition"},
    {"GET", "/files/{name}", h, 0, 0, 0, NULL, NULL, "file"},
    {"GET", "/a/{x}/c", h, 0, 0, 0, NULL, NULL, "xc"},
    {"GET", "/a/b/{y}", h, 0, 0, 0, NULL, NULL, "ab"},
    {"PUT", "/p/{a}/{b}/{c}/{d}/{e}/{f}", h, 0, 0, 0, NULL, NULL, "six"},
    {0},
};
static const struct eg_route sys[] = {
    {"GET", "/healthz", h, 0, 0, 0, NULL, NULL, "health"},
    {"GET", "/", h, 0, 0, 0, NULL, NULL, "root"},
    {0},
};
static const struct eg_route *const tables[] = {api, sys};
static const struct eg_route_set set = {tables, 2};

static size_t count_params(const char *pattern)
{
    size_t n = 0;

    for (; *pattern != '\0'; pattern++)
        n += *pattern == '{';
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *path, *sp;
    const char *method = "GET";
    struct eg_arena *arena;
    struct eg_route_match m;
    enum eg_status st;
    size_t i;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    path = s;
    sp = strchr(s, ' ');
    if (sp != NULL) {
        *sp = '\0';
        method = s;
        path = sp + 1;
    }
    arena = eg_arena_new();
    if (arena == NULL) {
        free(s);
        return 0;
    }
    memset(&m, 0, sizeof(m));
    st = eg_router_match(&set, method, path, arena, &m);
    if (st == EG_OK) {
        if (m.route == NULL ||
            (strcmp(m.route->method, method) != 0 &&
             !(strcmp(method, "HEAD") == 0 && strcmp(m.route->method, "GET") == 0)) ||
            m.n_params != count_params(m.route->pattern))
            abort();
        for (i = 0; i < m.n_params; i++)
            if (m.param_values[i] == NULL || strchr(m.param_values[i], '/') != NULL)
                abort();
    } else if (st == EG_E_METHOD_NOT_ALLOWED) {
        if (m.allow[0] == '\0')
            abort();
    } else if (st != EG_E_NOT_FOUND) {
        abort();
    }
    eg_arena_destroy(arena);
    free(s);
    return 0;
}
