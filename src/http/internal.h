/*
 * internal.h — what the files of src/http share and nothing else sees: the
 * server's state, the per-request context that wraps struct eg_req, and the
 * glue between the reply functions, static files and the server.
 *
 * Every struct eg_req a handler receives is the first member of a struct
 * eg_rq allocated in that request's arena, so the reply functions reach the
 * rest of the context with a cast.
 */
#ifndef EG_HTTP_INTERNAL_H
#define EG_HTTP_INTERNAL_H

#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>

#include "http/http.h"
#include "http/router.h"
#include "core/config.h"

struct eg_db_pool;

/* Route tables compiled for matching (router.c). */
struct eg_router;

/*
 * Compile the tables of set into *out (owned by the caller, freed with
 * eg_router_free) for eg_router_find. Patterns that can never match
 * (malformed, more than EG_MAX_PATH_PARAMS parameters) are left out.
 * EG_E_INTERNAL when out of memory. The tables must outlive the router.
 */
enum eg_status eg_router_compile(const struct eg_route_set *set, struct eg_router **out);

/* eg_router_match with compiled tables. The parameter names point into the
 * router (they live as long as it); the values are arena copies. */
enum eg_status eg_router_find(const struct eg_router *rt, const char *method, const char *path,
                              struct eg_arena *arena, struct eg_route_match *m);

/* Free a compiled router (NULL is fine). */
void eg_router_free(struct eg_router *rt);

/* Extra reply headers a handler may set with eg_reply_header(). */
#define EG_RQ_MAX_HEADERS 8

struct eg_server {
    struct MHD_Daemon *daemon;
    const struct eg_config *cfg;
    const struct eg_route_set *routes;
    struct eg_router *router; /* routes, compiled at start-up */
    struct eg_db_pool *pool;
    atomic_int in_flight;       /* requests begun and not yet completed */
    atomic_int stopping;        /* set by eg_server_stop(): replies close the connection */
    atomic_uint_fast64_t seq;   /* request counter for generated request ids */
    char rid_prefix[17];        /* 16 random hex digits chosen at start-up */
    int port;                   /* the TCP port actually bound */
    char static_root[PATH_MAX]; /* realpath of cfg->static_dir, "" when there is none */
    size_t static_root_len;
};

/* What the request turned out to be once its headers were read. */
enum eg_rq_kind {
    EG_RQ_ROUTE,  /* a route of the table */
    EG_RQ_STATIC, /* a web app file */
    EG_RQ_ERROR   /* answered by the shared layer (404, 405, 413 …) */
};

enum eg_rq_phase {
    EG_RQ_NEW,  /* created when the request line arrived */
    EG_RQ_BODY, /* headers seen; the body (if any) is arriving */
    EG_RQ_DONE  /* the response has been queued */
};

struct eg_rq {
    struct eg_req req; /* first: handlers only see this */
    enum eg_rq_phase phase;
    enum eg_rq_kind kind;
    int discard;      /* read and drop the rest of the body */
    int db_held;      /* req.db came from the pool and goes back */
    int stream_begun; /* the route's stream begin() ran */
    int is_head;
    size_t limit;      /* most body bytes accepted */
    uint64_t bytes_in; /* body bytes received */
    char *body;        /* buffered body (arena), NUL-terminated */
    size_t body_len;
    size_t body_cap;
    const char *hdr_names[EG_RQ_MAX_HEADERS];
    const char *hdr_values[EG_RQ_MAX_HEADERS];
    size_t n_hdrs;
};

/* The context of a request. */
static inline struct eg_rq *eg_rq_of(struct eg_req *req)
{
    return (struct eg_rq *)(void *)req;
}

/* How a reply may be cached. */
enum eg_cache {
    EG_CACHE_NO_STORE,  /* API answers */
    EG_CACHE_NO_CACHE,  /* index.html: revalidate every time */
    EG_CACHE_IMMUTABLE, /* fingerprinted files under /assets/ */
    EG_CACHE_SHORT      /* other web app files */
};

/*
 * Add the common headers (content type, security headers, cache policy,
 * request id, the handler's extra headers, Connection: close while
 * stopping) to resp and make it the request's reply with http_status.
 * Takes resp; a second reply in the same request is dropped with a warning.
 */
void eg_http_reply_set(struct eg_req *req, int http_status, struct MHD_Response *resp,
                       const char *content_type, enum eg_cache cache, int is_html);

/* Resolve the realpath of cfg->static_dir into s->static_root ("" when it
 * does not exist). */
void eg_http_static_init(struct eg_server *s);

/* Answer a GET/HEAD for a web app file (or the 404 when there is none). */
void eg_http_static_reply(struct eg_req *req);

/* Whether path is under the API ("/api" or "/api/..."). */
int eg_http_is_api_path(const char *path);

#endif
