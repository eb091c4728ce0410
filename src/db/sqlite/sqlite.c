/*
 * sqlite.c — the SQLite driver (struct eg_db_driver eg_db_sqlite_driver).
 *
 * One connection per struct sq_db, opened in multi-thread mode (NOMUTEX: the
 * pool guarantees one thread at a time) with WAL journaling, so readers never
 * wait for the writer. Prepared statements are cached per connection in a
 * small hash map keyed by SQL text with least-recently-used eviction; a
 * statement whose cached copy is already in use (a query nested inside
 * another with the same text) gets a private copy that is finalized when it
 * is given back. BEGIN/COMMIT/ROLLBACK are prepared once at open.
 *
 * A read snapshot (eg_db_read_begin) is a deferred BEGIN: it takes the WAL
 * read lock at the first read and keeps it until COMMIT, so the statements
 * of a request share one read transaction instead of taking and dropping
 * the lock (fcntl on the -shm file, and a process-wide mutex) each. A write
 * transaction or a statement that writes ends the snapshot first.
 *
 * Error mapping (see db.h): busy and locked → EG_E_BUSY; unique and primary
 * key violations → EG_E_DUPLICATE; other constraint failures (foreign key,
 * check, not null, trigger RAISE) → EG_E_CONFLICT; anything else → EG_E_DB,
 * logged with SQLite's message (which never contains bound values).
 */
#include "db/db.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

#define CACHE_CAP     256 /* most cached statements per connection */
#define CACHE_BUCKETS 512 /* hash buckets (a power of two, twice the cap) */
#define BUSY_MS       5000

struct sq_stmt {
    struct eg_stmt base;
    sqlite3_stmt *h;
    char *sql;                     /* owned copy of the key (cached statements only) */
    uint32_t hash;                 /* hash of sql */
    int cached;                    /* 1 = lives in the cache, 0 = finalized on done */
    int in_use;                    /* handed out and not yet given back */
    struct sq_stmt *chain;         /* next in the hash bucket */
    struct sq_stmt *newer, *older; /* recency list */
};

struct sq_db {
    struct eg_db base;
    sqlite3 *h;
    sqlite3_stmt *begin_st, *commit_st, *rollback_st, *ping_st, *read_st;
    int reading; /* a read snapshot (deferred BEGIN) is open */
    struct sq_stmt *buckets[CACHE_BUCKETS];
    struct sq_stmt *newest, *oldest; /* recency list of cached statements */
    int count;                       /* cached statements */
};

static struct sq_db *conn(struct eg_db *db)
{
    return (struct sq_db *)db;
}

static struct sq_stmt *stmt(struct eg_stmt *st)
{
    return (struct sq_stmt *)st;
}

/*
 * SQLite's message for the last error on h (or for rc), made fit for a
 * quoted log value: double quotes become single ones, line breaks spaces.
 * The message names tables and columns, never bound values.
 */
static const char *log_msg(sqlite3 *h, int rc, char *out, size_t size)
{
    const char *m = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
    size_t i = 0;
    for (; m[i] && i + 1 < size; i++)
        out[i] = m[i] == '"' ? '\'' : (m[i] == '\n' || m[i] == '\r') ? ' ' : m[i];
    out[i] = '\0';
    return out;
}

/*
 * Translate an (extended) SQLite result code into an egret status, logging
 * the real errors. what names the operation for the log line.
 */
static enum eg_status map_rc(sqlite3 *h, int rc, const char *what)
{
    char msg[256];

    switch (rc & 0xff) {
    case SQLITE_OK:
        return EG_OK;
    case SQLITE_ROW:
        return EG_ROW;
    case SQLITE_DONE:
        return EG_DONE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        eg_log(EG_LOG_DEBUG, "event=db_busy engine=sqlite op=%s code=%d", what, rc);
        return EG_E_BUSY;
    case SQLITE_CONSTRAINT:
        if (eg_log_enabled(EG_LOG_DEBUG))
            eg_log(EG_LOG_DEBUG, "event=db_constraint engine=sqlite op=%s code=%d msg=\"%s\"", what,
                   rc, log_msg(h, rc, msg, sizeof msg));
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
            rc == SQLITE_CONSTRAINT_ROWID)
            return EG_E_DUPLICATE;
        return EG_E_CONFLICT;
    default:
        eg_log(EG_LOG_WARN, "event=db_error engine=sqlite op=%s code=%d msg=\"%s\"", what, rc,
               log_msg(h, rc, msg, sizeof msg));
        return EG_E_DB;
    }
}

/*
 * A hash of the SQL text, eight bytes at a time (every query looks its
 * statement up by text, and queries run to hundreds of bytes, so a
 * byte-at-a-time hash showed in profiles); also returns its length.
 */
static uint32_t hash_sql(const char *sql, size_t *len)
{
    const uint64_t k = 0x9e3779b97f4a7c15ull;
    size_t n = strlen(sql), i;
    uint64_t h = k ^ n, w;

    for (i = 0; i + 8 <= n; i += 8) {
        memcpy(&w, sql + i, 8);
        h = (h ^ w) * k;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, sql + i, n - i);
    h = (h ^ w) * k;
    h ^= h >> 29;
    *len = n;
    return (uint32_t)h;
}

/* Unlink s from the recency list. */
static void lru_unlink(struct sq_db *c, struct sq_stmt *s)
{
    if (s->newer)
        s->newer->older = s->older;
    else
        c->newest = s->older;
    if (s->older)
        s->older->newer = s->newer;
    else
        c->oldest = s->newer;
    s->newer = s->older = NULL;
}

/* Put s at the newest end of the recency list. */
static void lru_push(struct sq_db *c, struct sq_stmt *s)
{
    s->older = c->newest;
    s->newer = NULL;
    if (c->newest)
        c->newest->newer = s;
    c->newest = s;
    if (!c->oldest)
        c->oldest = s;
}

static void stmt_free(struct sq_stmt *s)
{
    sqlite3_finalize(s->h);
    free(s->sql);
    free(s);
}

/*
 * Drop the least recently used idle cached statement to make room.
 * Returns 0 when one was dropped, -1 when every cached statement is in use.
 */
static int cache_evict(struct sq_db *c)
{
    struct sq_stmt *s = c->oldest;
    while (s && s->in_use)
        s = s->newer;
    if (!s)
        return -1;
    struct sq_stmt **pp = &c->buckets[s->hash & (CACHE_BUCKETS - 1)];
    while (*pp != s)
        pp = &(*pp)->chain;
    *pp = s->chain;
    lru_unlink(c, s);
    c->count--;
    stmt_free(s);
    return 0;
}

/* Close the connection: cached statements, the fixed ones, then the handle. */
static void sq_close(struct eg_db *db)
{
    struct sq_db *c = conn(db);
    if (!c)
        return;
    struct sq_stmt *s = c->newest;
    while (s) {
        struct sq_stmt *next = s->older;
        if (s->in_use)
            eg_log(EG_LOG_WARN, "event=db_close_busy_stmt engine=sqlite");
        stmt_free(s);
        s = next;
    }
    sqlite3_finalize(c->begin_st);
    sqlite3_finalize(c->commit_st);
    sqlite3_finalize(c->rollback_st);
    sqlite3_finalize(c->ping_st);
    sqlite3_finalize(c->read_st);
    if (sqlite3_close_v2(c->h) != SQLITE_OK)
        eg_log(EG_LOG_WARN, "event=db_close_failed engine=sqlite");
    free(c);
}

/* Prepare one of the connection's fixed statements. */
static enum eg_status prepare_fixed(struct sq_db *c, const char *sql, sqlite3_stmt **out)
{
    int rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
    return rc == SQLITE_OK ? EG_OK : map_rc(c->h, rc, "prepare");
}

/*
 * Process-wide SQLite settings, made once before the library initialises:
 * memory statistics off, because with them on every allocation in every
 * thread takes one global mutex (measured as futex contention under load);
 * multi-thread mode, since each connection is used by one thread at a time.
 */
static void configure_library(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_initialize();
}

/*
 * Open a connection to the file (or "file:" URI, or ":memory:") at url and
 * apply egret's connection settings. The parent directory must exist.
 */
static enum eg_status sq_open(const char *url, struct eg_db **out)
{
    enum eg_status st = EG_OK;
    struct sq_db *c = NULL;
    int rc;

    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_library);
    *out = NULL;
    c = calloc(1, sizeof *c);
    if (!c) {
        st = EG_E_INTERNAL;
        goto out;
    }
    c->base.driver = &eg_db_sqlite_driver;
    /* The database holds password and session hashes and names: create it
     * 0600 ourselves (SQLite would use 0644 less the umask). Its -wal and
     * -shm files take the database file's mode. Only when it does not exist
     * yet (O_EXCL): closing a descriptor of a file drops every POSIX lock
     * the process holds on it, so opening and closing the database file
     * here while other connections are open would release their shared
     * locks, and another process could then take the WAL for unused and
     * delete it under them. */
    if (strncmp(url, "file:", 5) != 0 && strcmp(url, ":memory:") != 0 && url[0] != '\0') {
        int fd = open(url, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

        if (fd >= 0)
            close(fd);
    }
    rc = sqlite3_open_v2(
        url, &c->h,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL);
    if (rc != SQLITE_OK) {
        char msg[256];
        eg_log(EG_LOG_ERROR, "event=db_open_failed engine=sqlite code=%d msg=\"%s\"", rc,
               log_msg(c->h, rc, msg, sizeof msg));
        st = rc == SQLITE_BUSY ? EG_E_BUSY : EG_E_UNAVAILABLE;
        goto out;
    }
    sqlite3_extended_result_codes(c->h, 1);
    sqlite3_busy_timeout(c->h, BUSY_MS);
    rc = sqlite3_exec(c->h,
                      "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
                      "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        st = map_rc(c->h, rc, "open");
        if (st == EG_E_DB)
            st = EG_E_UNAVAILABLE;
        goto out;
    }
    if ((st = prepare_fixed(c, "BEGIN IMMEDIATE", &c->begin_st)) != EG_OK ||
        (st = prepare_fixed(c, "COMMIT", &c->commit_st)) != EG_OK ||
        (st = prepare_fixed(c, "ROLLBACK", &c->rollback_st)) != EG_OK ||
        (st = prepare_fixed(c, "SELECT 1", &c->ping_st)) != EG_OK ||
        (st = prepare_fixed(c, "BEGIN", &c->read_st)) != EG_OK)
        goto out;
    *out = &c->base;
    c = NULL;
out:
    if (c)
        sq_close(&c->base);
    return st;
}

static void sq_read_end(struct eg_db *db);

/* A script may write, so an open read snapshot ends first. */
static enum eg_status sq_exec(struct eg_db *db, const char *sql)
{
    struct sq_db *c = conn(db);
    sq_read_end(db);
    int rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? EG_OK : map_rc(c->h, rc, "exec");
}

/* Whether only whitespace and semicolons remain after the first statement. */
static int tail_is_empty(const char *tail)
{
    for (; tail && *tail; tail++)
        if (*tail != ';' && *tail != ' ' && *tail != '\t' && *tail != '\n' && *tail != '\r')
            return 0;
    return 1;
}

/*
 * Compile sql into a new statement object (not yet in the cache). A text
 * holding more than one statement is a programming error: the rest would be
 * silently ignored, so it is refused.
 */
static enum eg_status stmt_new(struct sq_db *c, const char *sql, size_t len, uint32_t hash,
                               int cacheable, struct sq_stmt **out)
{
    enum eg_status st = EG_OK;
    const char *tail = NULL;
    struct sq_stmt *s = calloc(1, sizeof *s);
    if (!s) {
        st = EG_E_INTERNAL;
        goto out;
    }
    s->base.driver = &eg_db_sqlite_driver;
    s->base.db = &c->base;
    s->hash = hash;
    int rc = sqlite3_prepare_v3(c->h, sql, (int)len + 1, cacheable ? SQLITE_PREPARE_PERSISTENT : 0,
                                &s->h, &tail);
    if (rc != SQLITE_OK) {
        st = map_rc(c->h, rc, "prepare");
        if (st == EG_E_DB)
            eg_log(EG_LOG_WARN, "event=db_prepare_failed engine=sqlite sql=\"%.200s\"", sql);
        goto out;
    }
    if (!s->h || !tail_is_empty(tail)) {
        eg_log(EG_LOG_ERROR, "event=db_prepare_failed engine=sqlite reason=%s sql=\"%.200s\"",
               s->h ? "several_statements" : "empty", sql);
        st = EG_E_INTERNAL;
        goto out;
    }
    if (cacheable) {
        s->sql = malloc(len + 1);
        if (!s->sql) {
            st = EG_E_INTERNAL;
            goto out;
        }
        memcpy(s->sql, sql, len + 1);
        s->cached = 1;
    }
    *out = s;
    s = NULL;
out:
    if (s)
        stmt_free(s);
    return st;
}

/*
 * Hand out a statement for sql: the cached one if it is idle, else a new
 * one, cached when there is (or can be made) room and no copy is in use.
 */
static enum eg_status sq_prepare(struct eg_db *db, const char *sql, struct eg_stmt **out)
{
    struct sq_db *c = conn(db);
    enum eg_status st = EG_OK;
    size_t len;
    uint32_t hash = hash_sql(sql, &len);
    struct sq_stmt **bucket = &c->buckets[hash & (CACHE_BUCKETS - 1)];
    struct sq_stmt *s;
    int cacheable = 1;

    *out = NULL;
    for (s = *bucket; s; s = s->chain) {
        if (s->hash == hash && strcmp(s->sql, sql) == 0)
            break;
    }
    if (s && !s->in_use) {
        if (c->newest != s) {
            lru_unlink(c, s);
            lru_push(c, s);
        }
        sqlite3_reset(s->h);
        sqlite3_clear_bindings(s->h);
        goto found;
    }
    if (s || (c->count >= CACHE_CAP && cache_evict(c) != 0))
        cacheable = 0;
    if ((st = stmt_new(c, sql, len, hash, cacheable, &s)) != EG_OK)
        goto out;
    if (cacheable) {
        s->chain = *bucket;
        *bucket = s;
        lru_push(c, s);
        c->count++;
    }
found:
    /* A write outside eg_db_tx() must not run inside a read snapshot: it
     * would fail on a stale one, and commit only when the snapshot ends. */
    if (c->reading && !sqlite3_stmt_readonly(s->h))
        sq_read_end(db);
    s->in_use = 1;
    *out = &s->base;
out:
    return st;
}

static enum eg_status bind_rc(struct eg_stmt *st, int rc)
{
    if (rc == SQLITE_OK)
        return EG_OK;
    if (rc == SQLITE_RANGE) {
        eg_log(EG_LOG_ERROR, "event=db_bind_failed engine=sqlite reason=index_out_of_range");
        return EG_E_INTERNAL;
    }
    return map_rc(conn(st->db)->h, rc, "bind");
}

static enum eg_status sq_bind_i64(struct eg_stmt *st, int idx, int64_t v)
{
    return bind_rc(st, sqlite3_bind_int64(stmt(st)->h, idx, v));
}

/* Text is copied (SQLITE_TRANSIENT): the caller's buffer may go away before step. */
static enum eg_status sq_bind_text(struct eg_stmt *st, int idx, const char *s, size_t len)
{
    if (!s)
        return bind_rc(st, sqlite3_bind_null(stmt(st)->h, idx));
    return bind_rc(st,
                   sqlite3_bind_text64(stmt(st)->h, idx, s, len, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static enum eg_status sq_bind_null(struct eg_stmt *st, int idx)
{
    return bind_rc(st, sqlite3_bind_null(stmt(st)->h, idx));
}

static enum eg_status sq_step(struct eg_stmt *st)
{
    int rc = sqlite3_step(stmt(st)->h);
    if (rc == SQLITE_ROW)
        return EG_ROW;
    if (rc == SQLITE_DONE)
        return EG_DONE;
    return map_rc(conn(st->db)->h, rc, "step");
}

static int sq_column_count(struct eg_stmt *st)
{
    return sqlite3_column_count(stmt(st)->h);
}

static int sq_is_null(struct eg_stmt *st, int col)
{
    return sqlite3_column_type(stmt(st)->h, col) == SQLITE_NULL;
}

static int64_t sq_col_i64(struct eg_stmt *st, int col)
{
    return sqlite3_column_int64(stmt(st)->h, col);
}

/* The column as text; NULL for SQL NULL (db.c turns that into ""). */
static const char *sq_col_text(struct eg_stmt *st, int col, size_t *len)
{
    sqlite3_stmt *h = stmt(st)->h;
    const char *s = (const char *)sqlite3_column_text(h, col);
    if (len)
        *len = s ? (size_t)sqlite3_column_bytes(h, col) : 0;
    return s;
}

/*
 * Give a statement back: reset it at once (which ends its implicit read
 * transaction, so a forgotten snapshot never pins the WAL), and finalize it
 * if it was a private copy.
 */
static void sq_done(struct eg_stmt *st)
{
    struct sq_stmt *s = stmt(st);
    if (!s->cached) {
        stmt_free(s);
        return;
    }
    sqlite3_reset(s->h);
    s->in_use = 0;
}

static int64_t sq_changes(struct eg_db *db)
{
    return sqlite3_changes64(conn(db)->h);
}

/* Step one of the fixed statements to completion and reset it. */
static enum eg_status run_fixed(struct sq_db *c, sqlite3_stmt *h, const char *what)
{
    int rc = sqlite3_step(h);
    enum eg_status st = rc == SQLITE_DONE || rc == SQLITE_ROW ? EG_OK : map_rc(c->h, rc, what);
    sqlite3_reset(h);
    return st;
}

static enum eg_status sq_begin(struct eg_db *db)
{
    struct sq_db *c = conn(db);
    sq_read_end(db);
    return run_fixed(c, c->begin_st, "begin");
}

static enum eg_status sq_commit(struct eg_db *db)
{
    struct sq_db *c = conn(db);
    return run_fixed(c, c->commit_st, "commit");
}

/* Roll back; a transaction that SQLite already ended itself is not an error. */
static enum eg_status sq_rollback(struct eg_db *db)
{
    struct sq_db *c = conn(db);
    if (sqlite3_get_autocommit(c->h))
        return EG_OK;
    return run_fixed(c, c->rollback_st, "rollback");
}

/*
 * Open a read snapshot: a deferred BEGIN, which touches no lock until the
 * first read. A transaction already open (which the pool should never hand
 * out) is left alone and reported.
 */
static enum eg_status sq_read_begin(struct eg_db *db)
{
    struct sq_db *c = conn(db);
    enum eg_status st;

    if (c->reading)
        return EG_OK;
    if (!sqlite3_get_autocommit(c->h)) {
        eg_log(EG_LOG_WARN, "event=db_read_begin_failed engine=sqlite reason=in_transaction");
        return EG_E_INTERNAL;
    }
    st = run_fixed(c, c->read_st, "read_begin");
    if (st == EG_OK)
        c->reading = 1;
    return st;
}

/*
 * End the read snapshot, if one is open. COMMIT of a read-only transaction
 * cannot lose anything; should it fail all the same, ROLLBACK so that the
 * connection is never left inside a transaction.
 */
static void sq_read_end(struct eg_db *db)
{
    struct sq_db *c = conn(db);

    if (!c->reading)
        return;
    c->reading = 0;
    if (sqlite3_get_autocommit(c->h))
        return; /* SQLite ended it already (after an error) */
    if (run_fixed(c, c->commit_st, "read_end") != EG_OK && !sqlite3_get_autocommit(c->h))
        run_fixed(c, c->rollback_st, "read_end_rollback");
}

static const char *sq_errmsg(struct eg_db *db)
{
    return sqlite3_errmsg(conn(db)->h);
}

/*
 * Online backup into a new file at path. An existing file is never
 * overwritten (EG_E_CONFLICT); the file is created exclusively first so that
 * two backups cannot race for the same name. A failed backup removes it.
 */
static enum eg_status sq_backup(struct eg_db *db, const char *path)
{
    struct sq_db *c = conn(db);
    enum eg_status st = EG_OK;
    sqlite3 *dst = NULL;
    sqlite3_backup *b = NULL;
    int created = 0;
    int rc;

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        st = errno == EEXIST ? EG_E_CONFLICT : EG_E_UNPROCESSABLE;
        eg_log(EG_LOG_WARN, "event=db_backup_failed engine=sqlite reason=%s",
               errno == EEXIST ? "exists" : "create");
        goto out;
    }
    created = 1;
    close(fd);
    rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        st = map_rc(dst, rc, "backup_open");
        goto out;
    }
    b = sqlite3_backup_init(dst, "main", c->h, "main");
    if (!b) {
        st = map_rc(dst, sqlite3_errcode(dst), "backup_init");
        goto out;
    }
    rc = sqlite3_backup_step(b, -1);
    if (rc != SQLITE_DONE) {
        st = map_rc(dst, rc, "backup_step");
        if (st == EG_OK || st == EG_ROW)
            st = EG_E_DB;
    }
    rc = sqlite3_backup_finish(b);
    if (st == EG_OK && rc != SQLITE_OK)
        st = map_rc(dst, rc, "backup_finish");
out:
    if (dst && sqlite3_close(dst) != SQLITE_OK && st == EG_OK)
        st = EG_E_DB;
    if (st != EG_OK && created)
        unlink(path);
    return st;
}

static enum eg_status sq_ping(struct eg_db *db)
{
    struct sq_db *c = conn(db);
    return run_fixed(c, c->ping_st, "ping");
}

const struct eg_db_driver eg_db_sqlite_driver = {
    .name = "sqlite",
    .engine = EG_DB_SQLITE,
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind_i64 = sq_bind_i64,
    .bind_text = sq_bind_text,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .column_count = sq_column_count,
    .is_null = sq_is_null,
    .col_i64 = sq_col_i64,
    .col_text = sq_col_text,
    .done = sq_done,
    .changes = sq_changes,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .errmsg = sq_errmsg,
    .backup = sq_backup,
    .ping = sq_ping,
    .read_begin = sq_read_begin,
    .read_end = sq_read_end,
};
