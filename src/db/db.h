/*
 * db.h — storage, engine-neutral.
 *
 * Domain code talks only to this header. SQL text is written once and must
 * run unchanged on SQLite and PostgreSQL: `?` placeholders (the PostgreSQL
 * driver rewrites them to $n), integer money and ids, instants as BIGINT Unix
 * seconds, dates as 'YYYY-MM-DD' TEXT, booleans as INTEGER 0/1,
 * ON CONFLICT, RETURNING, no engine-only functions.
 *
 * A connection (struct eg_db) belongs to one thread at a time; the pool
 * hands them out. Prepared statements are cached per connection by SQL text.
 *
 *   struct eg_stmt *st;
 *   enum eg_status rc = eg_db_query(db, &st, "SELECT id, name FROM people WHERE id = ?", "i", id);
 *   if (rc == EG_OK)
 *       while ((rc = eg_stmt_step(st)) == EG_ROW) { ... eg_stmt_i64(st, 0) ... }
 *   eg_stmt_done(st);            // always, also after errors (NULL is fine)
 *   if (rc != EG_DONE) ...       // error
 *
 * (Note that step answers EG_ROW, not EG_OK, while rows remain: a loop
 * condition "rc == EG_OK && step == EG_ROW" would stop after one row.)
 *
 * Bind types for the `types` string: 'i' int64_t, 't' const char * (NULL
 * binds SQL NULL), 'n' SQL NULL (consumes no argument), 'b' const char *
 * then size_t (a length-delimited string, bound as text).
 * Every write runs inside eg_db_tx(), which retries soft failures
 * (SQLite busy, PostgreSQL serialization failure or deadlock).
 */
#ifndef EG_DB_DB_H
#define EG_DB_DB_H

#include <stddef.h>
#include <stdint.h>
#include "core/status.h"

struct eg_db_driver;
struct eg_db_pool;

enum eg_db_engine { EG_DB_SQLITE, EG_DB_POSTGRES };

/*
 * Driver side: a driver's connection struct has struct eg_db as its first
 * member and its statement struct has struct eg_stmt first, so the generic
 * code in db.c can reach the driver table. Domain code never touches these.
 */
struct eg_db {
    const struct eg_db_driver *driver;
    int in_tx; /* set by eg_db_tx() */
};
struct eg_stmt {
    const struct eg_db_driver *driver;
    struct eg_db *db;
    int64_t started_ns; /* set by eg_db_query and friends: statement latency (metrics) */
};

/*
 * The driver interface: one table of functions per engine
 * (db/sqlite/sqlite.c, db/pg/pg.c). Drivers never include domain code.
 * Status conventions: EG_OK; EG_ROW / EG_DONE from step; EG_E_BUSY for
 * anything worth retrying the whole transaction on; EG_E_DUPLICATE for a
 * unique-constraint violation; EG_E_CONFLICT for other constraint failures
 * (foreign key, check, not null); EG_E_DB for the rest.
 */
struct eg_db_driver {
    const char *name;
    enum eg_db_engine engine;
    enum eg_status (*open)(const char *url, struct eg_db **out);
    void (*close)(struct eg_db *db);
    /* Run one or more statements without parameters or results (migrations, pragmas). */
    enum eg_status (*exec)(struct eg_db *db, const char *sql);
    /* A cached prepared statement for sql, reset and with no bindings. */
    enum eg_status (*prepare)(struct eg_db *db, const char *sql, struct eg_stmt **out);
    enum eg_status (*bind_i64)(struct eg_stmt *st, int idx, int64_t v); /* idx from 1 */
    enum eg_status (*bind_text)(struct eg_stmt *st, int idx, const char *s, size_t len);
    enum eg_status (*bind_null)(struct eg_stmt *st, int idx);
    enum eg_status (*step)(struct eg_stmt *st);
    int (*column_count)(struct eg_stmt *st);
    int (*is_null)(struct eg_stmt *st, int col);
    int64_t (*col_i64)(struct eg_stmt *st, int col);
    const char *(*col_text)(struct eg_stmt *st, int col,
                            size_t *len);      /* valid until next step/done */
    void (*done)(struct eg_stmt *st);          /* give the statement back to the cache */
    int64_t (*changes)(struct eg_db *db);      /* rows changed by the last statement */
    enum eg_status (*begin)(struct eg_db *db); /* a write transaction */
    enum eg_status (*commit)(struct eg_db *db);
    enum eg_status (*rollback)(struct eg_db *db);
    const char *(*errmsg)(struct eg_db *db);
    /* SQLite: online backup to a file; PostgreSQL: EG_E_UNPROCESSABLE. */
    enum eg_status (*backup)(struct eg_db *db, const char *path);
    /* Cheap liveness check (readyz); reconnects if the server went away. */
    enum eg_status (*ping)(struct eg_db *db);
    /*
     * Optional (NULL: the engine gains nothing from it): open a read
     * snapshot shared by the statements that follow, and end it. read_end
     * is a no-op when none is open; begin() must end one itself.
     */
    enum eg_status (*read_begin)(struct eg_db *db);
    void (*read_end)(struct eg_db *db);
    /*
     * Optional (NULL: one process owns the database, as with SQLite, whose
     * write transactions serialise its processes anyway): a lock named by
     * name held by this connection across transactions, so that one of
     * several servers runs a migration or a daily job at a time. wait: block
     * until it is free; else *got says whether it was taken.
     */
    enum eg_status (*session_lock)(struct eg_db *db, const char *name, int wait, int *got);
    void (*session_unlock)(struct eg_db *db, const char *name);
};

extern const struct eg_db_driver eg_db_sqlite_driver; /* db/sqlite/sqlite.c */
extern const struct eg_db_driver eg_db_pg_driver;     /* db/pg/pg.c */

/*
 * A postgres:// URL may carry egret's own query parameter pool_mode:
 * `transaction` when it leads to a pooler in transaction mode (pgbouncer),
 * `session` (the default) otherwise. libpq and PostgreSQL's tools refuse
 * parameters they do not know: *out is a malloc'd copy of url without it,
 * for them; *unnamed is 1 for transaction pooling. EG_E_INVALID_PARAMETER
 * for any other value.
 */
enum eg_status eg_db_pg_url_split(const char *url, char **out, int *unnamed);

/* The driver for a URL: postgres:// or postgresql:// → PostgreSQL, else an SQLite path. */
const struct eg_db_driver *eg_db_driver_for(const char *url);

/* Open one connection (the pool uses this; so do CLI commands). */
enum eg_status eg_db_open(const char *url, struct eg_db **out);
void eg_db_close(struct eg_db *db);
const struct eg_db_driver *eg_db_driver_of(const struct eg_db *db);
enum eg_db_engine eg_db_engine_of(const struct eg_db *db);
const char *eg_db_errmsg(struct eg_db *db);

/* Prepare (cached) and bind by the types string. On error *st is NULL. */
enum eg_status eg_db_query(struct eg_db *db, struct eg_stmt **st, const char *sql,
                           const char *types, ...);

/* Run a statement to completion, ignoring rows. *changes (may be NULL) gets rows changed. */
enum eg_status eg_db_run(struct eg_db *db, int64_t *changes, const char *sql, const char *types,
                         ...);

/* First column of the first row as int64. EG_E_NOT_FOUND if no row; NULL gives 0. */
enum eg_status eg_db_one_i64(struct eg_db *db, int64_t *out, const char *sql, const char *types,
                             ...);

/* Run a parameterless script (several statements). */
enum eg_status eg_db_exec(struct eg_db *db, const char *sql);

enum eg_status eg_stmt_step(struct eg_stmt *st);
int eg_stmt_is_null(struct eg_stmt *st, int col);
int64_t eg_stmt_i64(struct eg_stmt *st, int col);
/* Text of a column ("" for NULL), valid until the next step or done. */
const char *eg_stmt_text(struct eg_stmt *st, int col);
const char *eg_stmt_text_len(struct eg_stmt *st, int col, size_t *len);
int eg_stmt_columns(struct eg_stmt *st);
/* Copy a column's text into out (cut to size - 1 bytes, always terminated). */
void eg_stmt_copy_text(struct eg_stmt *st, int col, char *out, size_t size);
/* A column's text copied into arena memory ("" for NULL or out of memory). */
struct eg_arena;
const char *eg_stmt_dup_text(struct eg_stmt *st, struct eg_arena *a, int col);
void eg_stmt_done(struct eg_stmt *st); /* NULL is fine */

/*
 * The row loop over a query, written once:
 *
 *     enum eg_status rc = eg_db_query(db, &st, sql, types, ...);
 *     while (eg_db_next(st, &rc)) { ... eg_stmt_i64(st, 0) ... }
 *     eg_stmt_done(st);
 *     if (rc != EG_OK) ...
 *
 * Steps st while *rc is EG_OK and a row comes: 1 with *rc EG_OK on a row;
 * 0 at the end with *rc EG_OK, or with *rc the error of the query (st may
 * then be NULL), of the step, or of the loop body (a body that sets *rc to
 * an error ends the loop). EG_DONE never reaches the caller.
 */
int eg_db_next(struct eg_stmt *st, enum eg_status *rc);

/*
 * Run fn(db, ctx) in a write transaction (SQLite BEGIN IMMEDIATE;
 * PostgreSQL REPEATABLE READ or SERIALIZABLE). Commits when fn returns EG_OK,
 * rolls back otherwise. When fn or the commit fails softly (EG_E_BUSY) the
 * whole thing is retried with back-off, up to about 2 s; fn must therefore
 * be safe to run again (keep its side effects in the database or in ctx
 * fields it resets at its start). Returns fn's status or the commit's.
 */
typedef enum eg_status (*eg_tx_fn)(struct eg_db *db, void *ctx);
enum eg_status eg_db_tx(struct eg_db *db, eg_tx_fn fn, void *ctx);

/* Whether a transaction is open on db (for assertions in helpers that need one). */
int eg_db_in_tx(const struct eg_db *db);

/*
 * A read snapshot: the reads between eg_db_read_begin() and eg_db_read_end()
 * share one read transaction instead of one each, which on SQLite saves
 * the WAL read-lock round trip (two fcntl calls) per statement and lets
 * them see one consistent state. The HTTP layer wraps each buffered
 * request in one. Keep it short: an open snapshot pins the SQLite WAL.
 *
 * eg_db_tx() ends an open snapshot before its own BEGIN, and so does a
 * statement that writes outside eg_db_tx(); after either, reads see the
 * latest state (the writes included) again, each in its own transaction.
 * eg_db_read_end() is a no-op when no snapshot is open; eg_db_pool_release()
 * calls it, so no snapshot outlives its user. On PostgreSQL both do nothing
 * (a statement outside a transaction costs no lock round trip there).
 * eg_db_read_begin() returns EG_OK, or an error after which db simply
 * works without a snapshot.
 */
enum eg_status eg_db_read_begin(struct eg_db *db);
void eg_db_read_end(struct eg_db *db);

/*
 * Pool: n connections to url, opened lazily. acquire waits while all are in
 * use, but at most the pool's wait bound (EG_DB_POOL_WAIT_MS unless set with
 * eg_db_pool_set_wait); past it, EG_E_BUSY and *out is NULL, so that no
 * event-loop thread ever waits for a connection without end. Hold a
 * connection only while a request's callback runs: never across callbacks
 * of a streamed body, whose client decides how long that lasts.
 */
#define EG_DB_POOL_WAIT_MS 2000
enum eg_status eg_db_pool_new(const char *url, int n, struct eg_db_pool **out);
void eg_db_pool_set_wait(struct eg_db_pool *p, int wait_ms);
enum eg_status eg_db_pool_acquire(struct eg_db_pool *p, struct eg_db **out);
void eg_db_pool_release(struct eg_db_pool *p, struct eg_db *db);
void eg_db_pool_free(struct eg_db_pool *p);

/*
 * Migrations: numbered SQL files under src/db/migrations, embedded at build
 * time, applied in order inside transactions and recorded in the
 * schema_migrations table. Within a file, lines "-- @sqlite", "-- @postgres"
 * and "-- @all" start sections for one engine or both; the tokens @ID@
 * (an auto-assigned BIGINT primary key) and @BLOB@ are replaced per engine.
 */
enum eg_status eg_db_migrate(struct eg_db *db, int *applied);

/* The highest migration number known to this binary and the one recorded in db. */
int eg_db_migrations_latest(void);
enum eg_status eg_db_schema_version(struct eg_db *db, int *version);

/* Online backup (SQLite only). */
enum eg_status eg_db_backup(struct eg_db *db, const char *path);

/*
 * A lock named name held by this connection until eg_db_unlock or close:
 * one of several servers on one PostgreSQL database migrates or runs a
 * daily job at a time (an advisory lock). eg_db_lock waits for it;
 * eg_db_try_lock sets *got to 0 when another connection holds it. On an
 * engine without such locks (SQLite: one server) both succeed at once.
 */
enum eg_status eg_db_lock(struct eg_db *db, const char *name);
enum eg_status eg_db_try_lock(struct eg_db *db, const char *name, int *got);
void eg_db_unlock(struct eg_db *db, const char *name);

/*
 * The storage layer's figures in the Prometheus text format, for
 * GET /metrics: statement latency, transactions and their retries
 * (process-wide), and one pool's connections and waits.
 */
struct eg_buf;
void eg_db_metrics_write(struct eg_buf *out);
void eg_db_pool_metrics_write(struct eg_db_pool *p, struct eg_buf *out);

#endif
