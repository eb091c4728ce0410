/*
 * system.c — the routes every deployment has: liveness, readiness and the
 * API document.
 *
 *   GET /healthz              the process answers
 *   GET /readyz               the database answers and its schema is current
 *   GET /api/v1/openapi.yaml  the OpenAPI document compiled into the binary
 */
#include "http/http.h"

#include "http/internal.h"

#include <string.h>

#include "core/embedded.h"
#include "core/log.h"
#include "db/db.h"

/* GET /healthz: {"status":"ok"} whenever the server can answer at all. */
static void healthz(struct eg_req *req)
{
    eg_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

/*
 * GET /readyz: ready when a cheap query reaches the database and the schema
 * there is the one this binary expects (migrations applied). 503
 * unavailable otherwise, so a load balancer keeps traffic away.
 */
static void readyz(struct eg_req *req)
{
    const struct eg_db_driver *drv;
    int version = -1, latest = eg_db_migrations_latest();
    enum eg_status st;

    if (req->db == NULL) {
        eg_reply_error(req, EG_E_UNAVAILABLE, NULL, "No database connection is available.");
        return;
    }
    drv = eg_db_driver_of(req->db);
    st = (drv != NULL && drv->ping != NULL) ? drv->ping(req->db) : EG_E_UNAVAILABLE;
    if (st != EG_OK) {
        eg_log(EG_LOG_WARN, "event=not_ready rid=%s reason=ping code=%s", req->request_id,
               eg_status_code(st));
        eg_reply_error(req, EG_E_UNAVAILABLE, NULL, "The database does not answer.");
        return;
    }
    st = eg_db_schema_version(req->db, &version);
    if (st != EG_OK || version != latest) {
        eg_log(EG_LOG_WARN, "event=not_ready rid=%s reason=schema version=%d latest=%d",
               req->request_id, version, latest);
        eg_reply_error(req, EG_E_UNAVAILABLE, NULL,
                       "The database schema is at version %d; this build needs %d.", version,
                       latest);
        return;
    }
    eg_reply_json(req, 200,
                  json_pack("{s:s,s:s,s:i}", "status", "ready", "database",
                            eg_db_engine_of(req->db) == EG_DB_POSTGRES ? "postgres" : "sqlite",
                            "schema_version", version));
}

/* GET /api/v1/openapi.yaml: the embedded docs/openapi.yaml, served as is. */
static void openapi(struct eg_req *req)
{
    const struct eg_embedded *e;

    for (e = eg_embedded_docs; e->name != NULL; e++) {
        if (strcmp(e->name, "openapi.yaml") == 0) {
            /* The text lives as long as the program: no copy. */
            struct MHD_Response *r =
                MHD_create_response_from_buffer(e->len, (void *)e->data, MHD_RESPMEM_PERSISTENT);

            if (r == NULL) {
                eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
                return;
            }
            eg_http_reply_set(req, 200, r, "application/yaml; charset=utf-8", EG_CACHE_NO_STORE, 0);
            return;
        }
    }
    eg_reply_error(req, EG_E_NOT_FOUND, NULL, "The API document is not built in.");
}

const struct eg_route eg_system_routes[] = {
    EG_ROUTE("GET", "/healthz", healthz, .flags = EG_ROUTE_PUBLIC,
             .summary = "Liveness: the process answers"),
    EG_ROUTE("GET", "/readyz", readyz, .flags = EG_ROUTE_PUBLIC,
             .summary = "Readiness: the database answers and its schema is current"),
    EG_ROUTE("GET", "/api/v1/openapi.yaml", openapi, .flags = EG_ROUTE_PUBLIC,
             .summary = "The OpenAPI 3 document of this API"),
    {0},
};
