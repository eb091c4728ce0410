/*
 * server.h — the HTTP server: libmicrohttpd with its internal epoll thread
 * pool, keep-alive, connection limits and timeouts, graceful shutdown.
 */
#ifndef EG_HTTP_SERVER_H
#define EG_HTTP_SERVER_H

#include <stdint.h>
#include "core/config.h"
#include "core/principal.h"
#include "http/router.h"

struct eg_server;
struct eg_buf;
struct eg_db;
struct eg_db_pool;

/*
 * Who a bearer token belongs to and what a role may open: the server asks
 * these for every request that is not public, and knows nothing else of
 * accounts or sessions. The program hands in auth's functions.
 */
struct eg_http_auth {
    /* Fill *who for token (a session or an API key) at now (Unix seconds)
     * using db: EG_OK, or the error to answer (401 for an unknown token). */
    enum eg_status (*authenticate)(struct eg_db *db, const char *token, int64_t now,
                                   struct eg_principal *who);
    /* Whether who may use a route open to roles (a mask of enum eg_role):
     * EG_OK, or the error to answer (403). */
    enum eg_status (*authorise)(const struct eg_principal *who, unsigned roles);
};

/* Start serving cfg->listen with the given routes, authentication and
 * database pool. Nothing is owned; all must outlive the server. */
enum eg_status eg_server_start(const struct eg_config *cfg, const struct eg_route_set *routes,
                               const struct eg_http_auth *auth, struct eg_db_pool *pool,
                               struct eg_server **out);

/* Stop accepting, let requests in flight finish (at most timeout_s), stop. */
void eg_server_stop(struct eg_server *s, int timeout_s);

/* The TCP port actually bound (useful with port 0). */
int eg_server_port(const struct eg_server *s);

/* Serve until SIGTERM or SIGINT, then stop gracefully. */
enum eg_status eg_server_run_until_signal(struct eg_server *s);

/* The HTTP layer's figures (requests, latency, in flight, the database
 * pool) in the Prometheus text format, for GET /metrics. */
void eg_http_metrics_write(const struct eg_server *s, struct eg_buf *out);

#endif
