/* Subcommands about the server and the database: serve, migrate,
 * seed-demo, routes, version (backup is in cmd_backup.c). */
#include "app/commands.h"

#include <stdio.h>
#include <string.h>

#include "app/routes.h"
#include "auth/accounts.h"
#include "auth/authz.h"
#include "auth/crypto.h"
#include "auth/hashpool.h"
#include "auth/session.h"
#include "cases/cases.h"
#include "core/log.h"
#include "core/time.h"
#include "db/db.h"
#include "demo/demo.h"
#include "http/server.h"

/*
 * Warn when the holiday calendar lacks this year or the next (Shanghai
 * dates): deadlines in working days would then count holidays as working
 * days. The State Council publishes a year's arrangement late in the year
 * before; an administrator adds it with PUT /api/v1/calendar.
 */
static void warn_calendar_gaps(struct eg_db *db)
{
    int y, m, d;
    eg_day_to_civil(eg_day_of(eg_now()), &y, &m, &d);
    for (int year = y; year <= y + 1; year++) {
        int64_t n = 0;
        if (eg_cases_calendar_year_days(db, year, &n) == EG_OK && n == 0)
            eg_log(EG_LOG_WARN,
                   "event=calendar_missing year=%d hint=\"working-day deadlines count holidays "
                   "as working days; add the year with PUT /api/v1/calendar\"",
                   year);
    }
}

/* The server knows callers only through these: auth's sessions and API
 * keys, and its role gate. */
static const struct eg_http_auth http_auth = {
    .authenticate = eg_session_authenticate,
    .authorise = eg_authz_role,
};

int eg_cmd_serve(struct eg_cli *cli)
{
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        return 1;
    int version = 0;
    if (eg_db_schema_version(db, &version) != EG_OK || version < eg_db_migrations_latest())
        eg_log(EG_LOG_WARN, "event=schema_behind version=%d latest=%d hint=\"run egret migrate\"",
               version, eg_db_migrations_latest());
    else
        warn_calendar_gaps(db);
    eg_db_close(db);

    int pool_size = cli->cfg.db_pool > 0 ? cli->cfg.db_pool : cli->cfg.threads + 2;
    struct eg_db_pool *pool = NULL;
    struct eg_server *srv = NULL;
    rc = 1;
    if (eg_db_pool_new(cli->cfg.db, pool_size, &pool) != EG_OK) {
        fprintf(stderr, "egret serve: cannot open the database pool\n");
        goto out;
    }
    if (eg_hashpool_start(cli->cfg.hash_workers, cli->cfg.hash_queue) != EG_OK) {
        fprintf(stderr, "egret serve: cannot start the password-hashing threads\n");
        goto out;
    }
    if (eg_server_start(&cli->cfg, eg_app_routes(), &http_auth, pool, &srv) != EG_OK) {
        fprintf(stderr, "egret serve: cannot listen on %s\n", cli->cfg.listen);
        goto out;
    }
    eg_log(EG_LOG_INFO, "event=listening addr=%s port=%d threads=%d", cli->cfg.listen,
           eg_server_port(srv), cli->cfg.threads);
    rc = eg_server_run_until_signal(srv) == EG_OK ? 0 : 1;
    srv = NULL; /* run_until_signal stopped it */
out:
    if (srv)
        eg_server_stop(srv, 0);
    eg_hashpool_stop(); /* after the server: its suspended logins need the pool */
    if (pool)
        eg_db_pool_free(pool);
    eg_keys_free(keys);
    return rc;
}

/* Held while the schema and its reference data change (migrate, seed-demo). */
#define MIGRATE_LOCK "egret.migrate"

/* Load the built-in holiday calendar (years without rows only), audited. */
static enum eg_status calendar_tx(struct eg_db *db, void *arg)
{
    static const struct eg_audit_ctx system_ctx = {NULL, "", ""};
    return eg_cases_calendar_seed_builtin(db, &system_ctx, arg);
}

int eg_cmd_migrate(struct eg_cli *cli)
{
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    if (eg_cli_open_migrate(cli, &db, &keys) != EG_OK)
        return 1;
    int applied = 0;
    static const struct eg_audit_ctx system_ctx = {NULL, "", ""};
    /* Several servers may start `egret migrate` at once: one migrates, the
     * others wait and then find nothing left to do. */
    enum eg_status st = eg_db_lock(db, MIGRATE_LOCK);
    if (st == EG_OK)
        st = eg_db_migrate(db, &applied);
    if (st == EG_OK && eg_cli_key_check_record(cli, db, keys) != EG_OK) {
        eg_db_close(db);
        eg_keys_free(keys);
        return 1;
    }
    if (st == EG_OK)
        st = eg_departments_seed(db, &system_ctx, cli->cfg.city_name);
    int days = 0;
    if (st == EG_OK)
        st = eg_db_tx(db, calendar_tx, &days);
    if (st == EG_OK && days > 0)
        eg_log(EG_LOG_INFO, "event=calendar_loaded days=%d source=built-in", days);
    int version = 0;
    eg_db_schema_version(db, &version);
    if (st == EG_OK)
        printf("schema at version %d (%d migration%s applied)\n", version, applied,
               applied == 1 ? "" : "s");
    else
        fprintf(stderr, "egret migrate: failed at version %d: %s\n", version, eg_db_errmsg(db));
    eg_db_close(db);
    eg_keys_free(keys);
    return st == EG_OK ? 0 : 1;
}

int eg_cmd_seed_demo(struct eg_cli *cli)
{
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        return 1;
    int applied = 0, seeded = 0;
    enum eg_status st = eg_db_lock(db, MIGRATE_LOCK);
    if (st == EG_OK)
        st = eg_db_migrate(db, &applied);
    if (st == EG_OK && eg_cli_key_check_record(cli, db, keys) != EG_OK) {
        eg_db_close(db);
        eg_keys_free(keys);
        return 1;
    }
    if (st == EG_OK)
        st = eg_demo_seed(db, &cli->cfg, &seeded);
    if (st != EG_OK)
        fprintf(stderr, "egret seed-demo: failed: %s (%s)\n", eg_status_message(st),
                eg_db_errmsg(db));
    else if (seeded)
        printf("demo city seeded; every demo account's password is %s\n", EG_DEMO_PASSWORD);
    else
        printf("the database already has accounts; nothing seeded\n");
    eg_db_close(db);
    eg_keys_free(keys);
    return st == EG_OK ? 0 : 1;
}

int eg_cmd_routes(struct eg_cli *cli)
{
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    const struct eg_route_set *set = eg_app_routes();
    for (size_t t = 0; t < set->n_tables; t++)
        for (const struct eg_route *r = set->tables[t]; r->method; r++)
            printf("%s %s\n", r->method, r->pattern);
    return 0;
}

int eg_cmd_version(struct eg_cli *cli)
{
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    printf("egret %s (schema %d)\n", EGRET_VERSION, eg_db_migrations_latest());
    return 0;
}
