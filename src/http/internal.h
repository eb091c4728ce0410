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
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>

#include "http/http.h"
#include "http/router.h"
#include "core/config.h"

struct eg_db_pool;
struct eg_http_auth; /* server.h */

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

/* A trusted proxy: an address and how many leading bits of it must match. */
struct eg_proxy_net {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    unsigned bits;
};

#define EG_MAX_TRUSTED_PROXIES 32

/* Where an open connection is in its request, for the deadline sweep. */
enum eg_conn_phase {
    EG_CONN_HEADERS, /* waiting for a request line and headers */
    EG_CONN_BODY,    /* headers in, the body arriving */
    EG_CONN_REPLY    /* the reply is queued or being sent (idle timeout only) */
};

/*
 * One open connection (the socket context of libmicrohttpd): made when it
 * is accepted, freed when it closes. The sweep thread shuts down the socket
 * of a connection whose deadline has passed; libmicrohttpd then sees the
 * end of the stream and closes it as usual.
 */
struct eg_conn {
    struct eg_conn *prev, *next; /* in eg_server.conns, under conns_lock */
    int fd;
    _Atomic int_fast64_t deadline_us; /* 0 = none */
    _Atomic int phase;                /* enum eg_conn_phase */
    atomic_int cut;                   /* the sweep shut it down */
};

/* Extra reply headers a handler may set with eg_reply_header(). */
#define EG_RQ_MAX_HEADERS 8

struct eg_server {
    struct MHD_Daemon *daemon;
    const struct eg_config *cfg;
    const struct eg_route_set *routes;
    struct eg_router *router;        /* routes, compiled at start-up */
    const struct eg_http_auth *auth; /* who a token is, what a role may open */
    struct eg_http_stats *stats;     /* counters for GET /metrics (metrics.c) */
    struct eg_db_pool *pool;
    atomic_int in_flight;       /* requests begun and not yet completed */
    atomic_int stopping;        /* set by eg_server_stop(): replies close the connection */
    atomic_uint_fast64_t seq;   /* request counter for generated request ids */
    char rid_prefix[17];        /* 16 random hex digits chosen at start-up */
    int port;                   /* the TCP port actually bound */
    char static_root[PATH_MAX]; /* realpath of cfg->static_dir, "" when there is none */
    size_t static_root_len;
    struct eg_proxy_net proxies[EG_MAX_TRUSTED_PROXIES]; /* cfg->trusted_proxies, parsed */
    size_t n_proxies;
    pthread_mutex_t conns_lock;
    struct eg_conn *conns; /* open connections */
    pthread_t sweeper;     /* enforces the header and body deadlines */
    int sweeper_started;
    pthread_mutex_t sweep_lock;
    pthread_cond_t sweep_cond;
    int sweep_stop; /* under sweep_lock */
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
    int close;           /* the reply closes the connection (framing errors) */
    int early;           /* answered on the socket mid-body (eg_conn_early_reply) */
    const char *uri_raw; /* the request target as libmicrohttpd holds it at the request line */
    size_t uri_len;      /* its length then, up to the first NUL */
    struct eg_conn *ec;  /* the connection's deadline record, or NULL */
    int peer_family;     /* AF_INET, AF_INET6 or 0 */
    unsigned char peer_ip[16];
    size_t limit;      /* most body bytes accepted */
    uint64_t bytes_in; /* body bytes received */
    char *body;        /* buffered body (arena), NUL-terminated */
    size_t body_len;
    size_t body_cap;
    eg_resume_fn resume; /* set while suspended by eg_req_suspend() */
    void *resume_ctx;
    atomic_int resumed; /* eg_req_resume() was called */
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

/* --- conn.c: connection deadlines, trusted proxies, framing checks --- */

/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION callback (cls: the server):
 * keeps a struct eg_conn per open connection with the header deadline. */
void eg_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                    enum MHD_ConnectionNotificationCode code);

/* The record of a connection, or NULL. */
struct eg_conn *eg_conn_of(struct MHD_Connection *conn);

/* Enter a phase with its deadline (0 = none). c may be NULL. */
void eg_conn_set_deadline(struct eg_conn *c, enum eg_conn_phase phase, int64_t deadline_us);

/* When a body with this cap must have arrived, starting now. */
int64_t eg_conn_body_deadline_us(const struct eg_server *s, size_t limit);

/* Start and stop the thread that enforces the deadlines (also sets up the
 * locks). Stop before freeing the server; safe if start failed. */
enum eg_status eg_conn_sweeper_start(struct eg_server *s);
void eg_conn_sweeper_stop(struct eg_server *s);

/* The request counters (metrics.c): made at start-up with one record per
 * route, fed by every completed request (us: its duration). */
struct eg_http_stats;
enum eg_status eg_http_stats_new(const struct eg_route_set *routes, struct eg_http_stats **out);
void eg_http_stats_free(struct eg_http_stats *st);
void eg_http_stats_observe(struct eg_server *s, const struct eg_rq *rq, int64_t us);

/* Parse server.trusted_proxies into s->proxies. EG_E_INVALID_PARAMETER
 * (logged) when an entry is not an address or CIDR. */
enum eg_status eg_conn_proxies_parse(struct eg_server *s, const char *list);

/* The peer's numeric address into out ("-" when unknown), its family
 * (AF_INET, AF_INET6; IPv4-mapped addresses as AF_INET; 0 unknown) and
 * bytes. */
void eg_conn_peer(struct MHD_Connection *conn, char *out, size_t size, int *family,
                  unsigned char addr[16]);

/* When the peer is a trusted proxy, replace out with the client that
 * X-Forwarded-For names; otherwise leave it. */
void eg_conn_client_addr(const struct eg_server *s, struct MHD_Connection *conn, int family,
                         const unsigned char *peer, char *out, size_t size);

/* Framing problems libmicrohttpd lets through: a NUL in the target, an
 * HTTP/1.1 request without (or with two) Host, Content-Length headers that
 * disagree or come with Transfer-Encoding (EG_E_BAD_REQUEST), a transfer
 * coding other than chunked (EG_E_NOT_IMPLEMENTED). *why is the message. */
enum eg_status eg_conn_check_framing(struct eg_rq *rq, const char *version, const char **why);

/*
 * Answer an error in the middle of a body. libmicrohttpd 0.9.75 queues a
 * reply only when the headers are in or the whole body is, so this writes
 * a complete HTTP/1.1 reply ({"error":…}, Connection: close) straight to
 * the socket, shuts down its sending side and sets rq->early: the server
 * then drops a bounded rest of the body and closes the connection. Any
 * parked reply is dropped. 0 on success, -1 if the socket would not take it.
 */
int eg_conn_early_reply(struct eg_rq *rq, enum eg_status st, const char *message);

/*
 * The reply encoder on its own: v serialised compactly, byte for byte as
 * json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) would, into a malloc'd buffer
 * (*len bytes, NUL-terminated), or NULL on what jansson refuses too. For
 * the unit test and the fuzz target that hold it to jansson.
 */
char *eg_reply_encode(const json_t *v, size_t *len);

#endif
