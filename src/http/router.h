/*
 * router.h — matching a method and path against the route tables.
 *
 * Patterns are literal segments and {name} parameters, e.g.
 * "/api/v1/cases/{id}/transitions". A path that matches some pattern but
 * not with this method is 405 (with the allowed methods for Allow); a path
 * that matches none is 404. Literal segments win over parameters
 * ("/cases/export" before "/cases/{id}").
 */
#ifndef EG_HTTP_ROUTER_H
#define EG_HTTP_ROUTER_H

#include <stddef.h>
#include "http/http.h"

struct eg_route_match {
    const struct eg_route *route;
    const char *param_names[EG_MAX_PATH_PARAMS];
    const char *param_values[EG_MAX_PATH_PARAMS]; /* arena copies, percent-decoded */
    size_t n_params;
    char allow[64]; /* for 405: "GET, POST" */
};

/* The route tables the server serves, each ending with a {0} row. */
struct eg_route_set {
    const struct eg_route *const *tables;
    size_t n_tables;
};

/*
 * Match method + path. EG_OK with *m filled; EG_E_NOT_FOUND;
 * EG_E_METHOD_NOT_ALLOWED with m->allow filled. Parameter values are
 * percent-decoded into arena memory; a parameter that decodes to something
 * with '/' or a NUL does not match.
 */
enum eg_status eg_router_match(const struct eg_route_set *set, const char *method, const char *path,
                               struct eg_arena *arena, struct eg_route_match *m);

/* Percent-decode s into arena memory ('+' stays '+'). NULL if malformed (%zz, %00). */
char *eg_url_decode(struct eg_arena *arena, const char *s, size_t len);

#endif
