/* Subcommands about the server and the database: serve, migrate,
 * seed-demo, routes, version (backup is in cmd_backup.c). */
#include "app/commands.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/key_ring.h"
#include "app/routes.h"
#include "auth/accounts.h"
#include "auth/authz.h"
#include "auth/crypto.h"
#include "auth/hashpool.h"
#include "auth/session.h"
#include "cases/cases.h"
#include "core/log.h"
#include "core/sdnotify.h"
#include "core/time.h"
#include "db/db.h"
#include "db/key_check.h"
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

/*
 * The key watcher: every security.key_refresh_s seconds a thread of the
 * server reads the key state; when a rotation starts or finishes (egret key
 * rotate) it builds the keys for the new state (app/key_ring.h) and swaps
 * them in. Requests in flight may still hold a replaced set, so sets are
 * freed only after the server has stopped.
 */
struct key_watch {
    const struct eg_cli *cli;
    struct eg_db_pool *pool;
    pthread_t thread;
    int started, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char seen[160];           /* the state the keys in use were built for */
    struct eg_keys **retired; /* replaced sets, freed at the end */
    size_t n_retired;
};

/* What decides the keys: the check value and the rotation's state and key. */
static void key_state_signature(const struct eg_db_key_state *ks, char out[160])
{
    snprintf(out, 160, "%s/%d/%s", ks->check_value, ks->rotation, ks->next_check_value);
}

static void key_watch_tick(struct key_watch *w)
{
    struct eg_db *db = NULL;
    struct eg_db_key_state ks;
    char sig[160], problem[768];
    if (eg_db_pool_acquire(w->pool, &db) != EG_OK)
        return;
    enum eg_status st = eg_db_key_state_read(db, &ks);
    eg_db_read_end(db);
    eg_db_pool_release(w->pool, db);
    if (st != EG_OK)
        return;
    key_state_signature(&ks, sig);
    if (strcmp(sig, w->seen) == 0)
        return;
    struct eg_keys *configured = NULL, *keys = NULL;
    st = eg_keys_load(&w->cli->cfg, &configured);
    if (st == EG_OK)
        st = eg_key_ring_for(&w->cli->cfg, &ks, configured, &keys, problem, sizeof problem);
    else
        snprintf(problem, sizeof problem, "cannot load %s", w->cli->cfg.key_file);
    struct eg_keys **grown =
        st == EG_OK ? realloc(w->retired, (w->n_retired + 1) * sizeof *grown) : NULL;
    if (!grown) {
        eg_keys_free(keys);
        eg_log(EG_LOG_ERROR, "event=keys_not_taken_up problem=\"%s\"",
               st == EG_OK ? "out of memory" : problem);
        return;
    }
    w->retired = grown;
    w->retired[w->n_retired++] = keys;
    eg_keys_replace_global(keys);
    snprintf(w->seen, sizeof w->seen, "%s", sig);
    eg_log(EG_LOG_INFO, "event=keys_taken_up rotation=%s",
           ks.rotation == 1   ? "running"
           : ks.rotation == 2 ? "finished"
                              : "none");
}

static void *key_watch_main(void *arg)
{
    struct key_watch *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += w->cli->cfg.key_refresh_s;
        while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0) {
        }
        if (w->stop)
            break;
        pthread_mutex_unlock(&w->mu);
        key_watch_tick(w);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void key_watch_start(struct key_watch *w, const struct eg_cli *cli, struct eg_db_pool *pool,
                            const struct eg_db_key_state *ks)
{
    memset(w, 0, sizeof *w);
    w->cli = cli;
    w->pool = pool;
    key_state_signature(ks, w->seen);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->started = pthread_create(&w->thread, NULL, key_watch_main, w) == 0;
    if (!w->started)
        eg_log(EG_LOG_WARN, "event=key_watch_not_started hint=\"restart the server after a key "
                            "rotation\"");
}

static void key_watch_stop(struct key_watch *w)
{
    if (w->started) {
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    for (size_t i = 0; i < w->n_retired; i++)
        eg_keys_free(w->retired[i]);
    free(w->retired);
}

int eg_cmd_serve(struct eg_cli *cli)
{
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    size_t bad = eg_net_list_check(cli->cfg.metrics_allow);
    if (bad != 0) {
        fprintf(stderr,
                "egret serve: [metrics] allow: entry %zu is not an address or CIDR "
                "(addresses or CIDRs separated by commas, at most 32)\n",
                bad);
        return 2;
    }
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    struct eg_db_key_state ks;
    struct key_watch watch;
    int watching = 0;
    /* Before any thread starts (database pools, password hashing): the
     * signals the server waits for must never reach a thread that would
     * take their default action (SIGHUP would end the process). */
    sigset_t waited;
    sigemptyset(&waited);
    sigaddset(&waited, SIGTERM);
    sigaddset(&waited, SIGINT);
    sigaddset(&waited, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &waited, NULL);
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        return 1;
    if (eg_db_key_state_read(db, &ks) != EG_OK)
        memset(&ks, 0, sizeof ks);
    int version = 0;
    if (eg_db_schema_version(db, &version) != EG_OK || version < eg_db_migrations_latest())
        eg_log(EG_LOG_WARN, "event=schema_behind version=%d latest=%d hint=\"run egret migrate\"",
               version, eg_db_migrations_latest());
    else
        warn_calendar_gaps(db);
    eg_db_close(db);

    eg_app_metrics_started();
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
    eg_sd_notify("READY=1"); /* systemd Type=notify: listening, database open */
    key_watch_start(&watch, cli, pool, &ks);
    watching = 1;
    rc = eg_server_run_until_signal(srv) == EG_OK ? 0 : 1;
    srv = NULL; /* run_until_signal stopped it */
out:
    if (srv)
        eg_server_stop(srv, 0);
    if (watching)
        key_watch_stop(&watch);
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

/*
 * Migrate under the migration lock (several servers may start `egret
 * migrate` at once: one migrates, the others wait and then find nothing left
 * to do) and record or compare the key check value: *wrong_key is 1 when
 * the key does not belong to the database (the message is printed).
 */
static enum eg_status migrate_locked(struct eg_cli *cli, struct eg_db *db, struct eg_keys *keys,
                                     int *applied, int *wrong_key)
{
    enum eg_status st = eg_db_lock(db, MIGRATE_LOCK);
    *wrong_key = 0;
    if (st == EG_OK)
        st = eg_db_migrate(db, applied);
    if (st == EG_OK && eg_cli_key_check_record(cli, db, keys) != EG_OK)
        *wrong_key = 1;
    return st;
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
    int applied = 0, wrong_key = 0;
    static const struct eg_audit_ctx system_ctx = {NULL, "", ""};
    enum eg_status st = migrate_locked(cli, db, keys, &applied, &wrong_key);
    if (wrong_key) {
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

static int seed_demo(struct eg_cli *cli, struct eg_db *db, struct eg_keys *keys)
{
    int applied = 0, seeded = 0, wrong_key = 0;
    enum eg_status st = migrate_locked(cli, db, keys, &applied, &wrong_key);
    if (wrong_key)
        return 1;
    if (st == EG_OK)
        st = eg_demo_seed(db, &cli->cfg, &seeded);
    if (st != EG_OK)
        fprintf(stderr, "egret seed-demo: failed: %s (%s)\n", eg_status_message(st),
                eg_db_errmsg(db));
    else if (seeded)
        printf("demo city seeded; every demo account's password is %s\n", EG_DEMO_PASSWORD);
    else
        printf("the database already has accounts; nothing seeded\n");
    return st == EG_OK ? 0 : 1;
}

int eg_cmd_seed_demo(struct eg_cli *cli)
{
    return eg_cli_with_db(cli, 0, seed_demo);
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
