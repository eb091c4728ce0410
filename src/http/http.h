/*
 * http.h — what an endpoint sees: the request, the route table entry, and
 * the reply functions.
 *
 * An endpoint is a function `void handler(struct eg_req *req)`. By the time
 * it runs, the shared layer has matched the route, capped and read the body,
 * checked the bearer token and the role, parsed the JSON body against the
 * route's field spec (unknown, missing and ill-typed fields already answered
 * with 400 naming the field) and taken a database connection from the pool.
 * The handler checks row scope with eg_authz_row() (auth/authz.h), does its
 * work in eg_db_tx() and answers with exactly one eg_reply_*() call.
 * Everything in req->arena is freed after the response is sent.
 */
#ifndef EG_HTTP_HTTP_H
#define EG_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "core/status.h"
#include "core/arena.h"
#include "http/fields.h"
#include "core/principal.h"

struct eg_db;
struct eg_req;
struct eg_server;

typedef void (*eg_handler_fn)(struct eg_req *req);

/*
 * Streaming bodies (CSV feeds of millions of rows): when a route has
 * .stream set, the body is not buffered. begin() runs once after
 * authentication, chunk() for each piece as it arrives, finish() once at the
 * end and must reply. req->db is set in begin() only: the pooled connection
 * goes back when it returns, never held across the body's callbacks. An
 * error status from begin() or chunk() is answered at once with
 * eg_reply_error(req, st, NULL, NULL) unless the callback replied itself;
 * the rest of the body is then discarded.
 */
struct eg_stream_ops {
    enum eg_status (*begin)(struct eg_req *req);
    enum eg_status (*chunk)(struct eg_req *req, const char *data, size_t len);
    void (*finish)(struct eg_req *req);
};

/* Route flags. */
#define EG_ROUTE_PUBLIC        0x01u /* no token needed (roles ignored) */
#define EG_ROUTE_RAW_BODY      0x02u /* keep the body as bytes, do not parse JSON */
#define EG_ROUTE_OPTIONAL_AUTH 0x04u /* public, but a valid token fills req->who */

/* One row of the route table. Tables are const arrays ending with {0}. */
struct eg_route {
    const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern; /* "/api/v1/cases/{id}/transitions" */
    eg_handler_fn handler;
    unsigned roles;                     /* EG_ROLE_* bits allowed; ignored when PUBLIC */
    unsigned flags;                     /* EG_ROUTE_* */
    size_t body_limit;                  /* bytes; 0 = config body_limit */
    const struct eg_field *body_spec;   /* JSON object spec, or NULL = any JSON / no body */
    const struct eg_stream_ops *stream; /* streamed body, or NULL */
    const char *summary;                /* one line for `egret routes` */
};

/*
 * One route, its method, pattern and handler first and every other member
 * named (the roles and flags are both unsigned: by name they cannot swap):
 *     EG_ROUTE("GET", "/api/v1/places", eg_places_api_list, .flags = ANYONE,
 *              .summary = "List places"),
 * A table ends with {0}.
 */
#define EG_ROUTE(route_method, route_pattern, route_handler, ...)                                  \
    {                                                                                              \
        .method = (route_method), .pattern = (route_pattern), .handler = (route_handler),          \
        __VA_ARGS__                                                                                \
    }

#define EG_MAX_PATH_PARAMS 6

struct eg_req {
    struct eg_arena *arena; /* freed after the response */
    struct eg_db *db;       /* this request's connection (from the pool) */
    const struct eg_route *route;
    const struct eg_config *config;
    struct eg_server *server;

    const char *method;
    const char *path;     /* URL path without the query */
    char request_id[33];  /* hex, also sent as X-Request-Id */
    char client_addr[64]; /* the client: the peer, or from X-Forwarded-For when the
                             peer is a trusted proxy ("203.0.113.7") */
    char peer_addr[64];   /* the address of the socket's other end ("127.0.0.1") */

    const char *param_names[EG_MAX_PATH_PARAMS];
    const char *param_values[EG_MAX_PATH_PARAMS]; /* percent-decoded */
    size_t n_params;

    json_t *body;         /* parsed JSON body (borrowed; freed with the arena), or NULL */
    const char *raw_body; /* the body bytes (NUL-terminated), or NULL */
    size_t raw_len;

    struct eg_principal who; /* the authenticated caller (role EG_ROLE_NONE if none) */

    void *stream_ctx; /* for stream callbacks */

    void *conn;     /* struct MHD_Connection * (server.c only) */
    void *response; /* struct MHD_Response * (server.c only) */
    int status;     /* the HTTP status replied, 0 until then */
    int64_t started_us;
};

/* A path parameter by name ("id" in "/cases/{id}"), or NULL. */
const char *eg_req_param(const struct eg_req *req, const char *name);

/* A path parameter as a positive int64. EG_E_NOT_FOUND if absent or not a
 * positive decimal integer (an id that cannot exist is simply not found). */
enum eg_status eg_req_param_id(const struct eg_req *req, const char *name, int64_t *out);

/* A query-string argument (percent-decoded), or NULL. */
const char *eg_req_query(const struct eg_req *req, const char *name);

/*
 * A query argument as an integer within [min, max]; def when absent.
 * EG_E_INVALID_PARAMETER when present but malformed or out of range; the
 * caller then replies with eg_reply_error(req, st, name, NULL).
 */
enum eg_status eg_req_query_int(const struct eg_req *req, const char *name, int64_t min,
                                int64_t max, int64_t def, int64_t *out);

/*
 * Whether the socket's other end (the peer, never X-Forwarded-For) is in
 * list: addresses or CIDRs separated by commas or spaces, as in
 * server.trusted_proxies. 1 yes, 0 no, -1 when the list has a bad entry.
 */
int eg_req_peer_in(struct eg_req *req, const char *list);

/* Check such a list (at most 32 entries) before serving: 0 when every
 * entry is an address or CIDR, else the 1-based place of the first bad one. */
size_t eg_net_list_check(const char *list);

/* A request header (case-insensitive name), or NULL. */
const char *eg_req_header(const struct eg_req *req, const char *name);

/* Reply with a JSON value; takes ownership of body (steals the reference). */
void eg_reply_json(struct eg_req *req, int http_status, json_t *body);

/*
 * Reply with {"error":{"code","message","field"?}} and the status's HTTP
 * code. field may be NULL; message NULL uses the registry's default;
 * otherwise message is a printf format.
 */
void eg_reply_error(struct eg_req *req, enum eg_status st, const char *field, const char *message,
                    ...) __attribute__((format(printf, 4, 5)));

/* Reply with bytes; data is copied. */
void eg_reply_bytes(struct eg_req *req, int http_status, const char *content_type, const void *data,
                    size_t len);

/* Reply with bytes the server frees with free() after sending (no copy). */
void eg_reply_take(struct eg_req *req, int http_status, const char *content_type, void *data,
                   size_t len);

/* Add a header to the reply made next (call before eg_reply_*; e.g.
 * Content-Disposition for downloads, Allow for 405). */
void eg_reply_header(struct eg_req *req, const char *name, const char *value);

/* Reply 204 No Content. */
void eg_reply_empty(struct eg_req *req);

/*
 * Work that must not hold an HTTP thread (a deliberately slow password
 * hash). A handler calls eg_req_suspend(req, resume, ctx), hands the work
 * to another thread and returns without replying; that thread calls
 * eg_req_resume(req) exactly once when done, and must not touch req after
 * (a handler that cannot hand the work over calls it itself, then replies).
 * Then resume(req, ctx) runs on an HTTP thread with a fresh database
 * connection (the handler's went back to the pool, ending its read
 * snapshot) and replies, or suspends again. The arena lives on meanwhile.
 */
typedef void (*eg_resume_fn)(struct eg_req *req, void *ctx);
void eg_req_suspend(struct eg_req *req, eg_resume_fn resume, void *ctx);
void eg_req_resume(struct eg_req *req);

#endif
