/*
 * server.h — the HTTP server: libmicrohttpd with its internal epoll thread
 * pool, keep-alive, connection limits and timeouts, graceful shutdown.
 */
#ifndef EG_HTTP_SERVER_H
#define EG_HTTP_SERVER_H

#include "core/config.h"
#include "http/router.h"

struct eg_server;
struct eg_db_pool;

/* Start serving cfg->listen with the given routes and database pool.
 * Nothing is owned; all must outlive the server. */
enum eg_status eg_server_start(const struct eg_config *cfg, const struct eg_route_set *routes,
                               struct eg_db_pool *pool, struct eg_server **out);

/* Stop accepting, let requests in flight finish (at most timeout_s), stop. */
void eg_server_stop(struct eg_server *s, int timeout_s);

/* The TCP port actually bound (useful with port 0). */
int eg_server_port(const struct eg_server *s);

/* Serve until SIGTERM or SIGINT, then stop gracefully. */
enum eg_status eg_server_run_until_signal(struct eg_server *s);

#endif
