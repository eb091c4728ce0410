/*
 * db.c — the engine-neutral side of storage: driver choice, the parameter
 * binder behind eg_db_query/eg_db_run/eg_db_one_i64, statement wrappers,
 * the retrying transaction helper and the connection pool.
 *
 * Everything here goes through the driver table (struct eg_db_driver), so it
 * works the same on SQLite and PostgreSQL.
 */
#include "db/db.h"

#include "core/arena.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/metrics.h"

#define TX_BUDGET_NS     (2000LL * 1000 * 1000) /* keep retrying for about 2 s */
#define TX_FIRST_WAIT_NS (1000LL * 1000)        /* first back-off: 1 ms */
#define TX_MAX_WAIT_NS   (100LL * 1000 * 1000)  /* back-off ceiling: 100 ms */

struct eg_db_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *url;
    int size;            /* most connections */
    int opened;          /* connections open or being opened */
    int nidle;           /* entries used in idle[] */
    struct eg_db **idle; /* connections ready to hand out (a stack: warm ones first) */
    int wait_ms;         /* longest wait in acquire for a connection */
    atomic_uint_fast64_t acquires, waits, wait_timeouts;
    struct eg_histogram wait_time; /* of the acquires that had to wait */
};

/* Process-wide figures (GET /metrics). */
static struct eg_histogram statement_time;
static struct eg_histogram tx_time;
static atomic_uint_fast64_t tx_outcome[3]; /* committed, failed, gave_up (busy to the end) */
static atomic_uint_fast64_t tx_retries;

const struct eg_db_driver *eg_db_driver_for(const char *url)
{
    if (url && (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0))
        return &eg_db_pg_driver;
    return &eg_db_sqlite_driver;
}

enum eg_status eg_db_open(const char *url, struct eg_db **out)
{
    assert(url && out);
    return eg_db_driver_for(url)->open(url, out);
}

void eg_db_close(struct eg_db *db)
{
    if (db)
        db->driver->close(db);
}

const struct eg_db_driver *eg_db_driver_of(const struct eg_db *db)
{
    return db->driver;
}

enum eg_db_engine eg_db_engine_of(const struct eg_db *db)
{
    return db->driver->engine;
}

const char *eg_db_errmsg(struct eg_db *db)
{
    return db->driver->errmsg(db);
}

/*
 * Bind the variadic arguments described by types to st, parameter 1 first.
 * 'i' int64_t, 't' const char * (NULL binds NULL), 'n' NULL (no argument),
 * 'b' const char * and size_t. An unknown type is a programming error.
 */
static enum eg_status bind_args(struct eg_stmt *st, const char *types, va_list ap)
{
    const struct eg_db_driver *d = st->driver;
    enum eg_status rc = EG_OK;
    int idx = 1;

    for (const char *t = types; *t && rc == EG_OK; t++, idx++) {
        switch (*t) {
        case 'i':
            rc = d->bind_i64(st, idx, va_arg(ap, int64_t));
            break;
        case 't': {
            const char *s = va_arg(ap, const char *);
            rc = s ? d->bind_text(st, idx, s, strlen(s)) : d->bind_null(st, idx);
            break;
        }
        case 'n':
            rc = d->bind_null(st, idx);
            break;
        case 'b': {
            const char *s = va_arg(ap, const char *);
            size_t len = va_arg(ap, size_t);
            rc = s ? d->bind_text(st, idx, s, len) : d->bind_null(st, idx);
            break;
        }
        default:
            eg_log(EG_LOG_ERROR, "event=db_bind_failed reason=unknown_type type=%d", *t);
            assert(!"unknown bind type");
            rc = EG_E_INTERNAL;
            break;
        }
    }
    return rc;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Prepare sql and bind; on failure the statement is given back and *out is NULL. */
static enum eg_status query_va(struct eg_db *db, struct eg_stmt **out, const char *sql,
                               const char *types, va_list ap)
{
    struct eg_stmt *st = NULL;
    assert(db && out && sql);
    int64_t t0 = mono_ns();
    enum eg_status rc = db->driver->prepare(db, sql, &st);
    if (rc == EG_OK)
        st->started_ns = t0;
    if (rc == EG_OK && types)
        rc = bind_args(st, types, ap);
    if (rc != EG_OK && st) {
        st->driver->done(st);
        st = NULL;
    }
    *out = st;
    return rc;
}

enum eg_status eg_db_query(struct eg_db *db, struct eg_stmt **st, const char *sql,
                           const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    enum eg_status rc = query_va(db, st, sql, types, ap);
    va_end(ap);
    return rc;
}

int eg_db_next(struct eg_stmt *st, enum eg_status *rc)
{
    assert(rc);
    if (*rc != EG_OK)
        return 0;
    assert(st);
    enum eg_status s = st->driver->step(st);
    if (s == EG_ROW)
        return 1;
    *rc = s == EG_DONE ? EG_OK : s;
    return 0;
}

enum eg_status eg_db_run(struct eg_db *db, int64_t *changes, const char *sql, const char *types,
                         ...)
{
    struct eg_stmt *st = NULL;
    va_list ap;
    va_start(ap, types);
    enum eg_status rc = query_va(db, &st, sql, types, ap);
    va_end(ap);
    if (rc != EG_OK)
        goto out;
    while ((rc = st->driver->step(st)) == EG_ROW)
        ;
    if (rc != EG_DONE)
        goto out;
    rc = EG_OK;
    if (changes)
        *changes = db->driver->changes(db);
out:
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_db_one_i64(struct eg_db *db, int64_t *out, const char *sql, const char *types,
                             ...)
{
    struct eg_stmt *st = NULL;
    va_list ap;
    va_start(ap, types);
    enum eg_status rc = query_va(db, &st, sql, types, ap);
    va_end(ap);
    if (rc != EG_OK)
        goto out;
    assert(out);
    rc = st->driver->step(st);
    if (rc == EG_ROW) {
        *out = st->driver->col_i64(st, 0);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
out:
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_db_exec(struct eg_db *db, const char *sql)
{
    assert(db && sql);
    return db->driver->exec(db, sql);
}

enum eg_status eg_stmt_step(struct eg_stmt *st)
{
    assert(st);
    return st->driver->step(st);
}

int eg_stmt_is_null(struct eg_stmt *st, int col)
{
    assert(st && col >= 0);
    return st->driver->is_null(st, col);
}

int64_t eg_stmt_i64(struct eg_stmt *st, int col)
{
    assert(st && col >= 0);
    return st->driver->col_i64(st, col);
}

const char *eg_stmt_text(struct eg_stmt *st, int col)
{
    assert(st && col >= 0);
    const char *s = st->driver->col_text(st, col, NULL);
    return s ? s : "";
}

const char *eg_stmt_text_len(struct eg_stmt *st, int col, size_t *len)
{
    size_t n = 0;
    assert(st && col >= 0);
    const char *s = st->driver->col_text(st, col, &n);
    if (!s) {
        s = "";
        n = 0;
    }
    if (len)
        *len = n;
    return s;
}

int eg_stmt_columns(struct eg_stmt *st)
{
    assert(st);
    return st->driver->column_count(st);
}

void eg_stmt_done(struct eg_stmt *st)
{
    if (st) {
        if (st->started_ns > 0) {
            eg_histogram_observe_us(&statement_time, (mono_ns() - st->started_ns) / 1000);
            st->started_ns = 0;
        }
        st->driver->done(st);
    }
}

/* Sleep for ns nanoseconds (interrupted sleeps continue). */
static void sleep_ns(int64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000LL),
                          .tv_nsec = (long)(ns % 1000000000LL)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/*
 * One attempt: begin, fn, commit; rolled back on any failure after begin.
 * in_tx is set while fn runs so helpers can assert they are inside one.
 */
static enum eg_status tx_once(struct eg_db *db, eg_tx_fn fn, void *ctx)
{
    const struct eg_db_driver *d = db->driver;
    enum eg_status rc = d->begin(db);
    if (rc != EG_OK)
        return rc;
    db->in_tx = 1;
    rc = fn(db, ctx);
    if (rc == EG_OK)
        rc = d->commit(db);
    if (rc != EG_OK) {
        enum eg_status rb = d->rollback(db);
        if (rb != EG_OK)
            eg_log(EG_LOG_WARN, "event=db_rollback_failed engine=%s status=%s", d->name,
                   eg_status_code(rb));
    }
    db->in_tx = 0;
    return rc;
}

/*
 * Run fn in a write transaction, retrying soft failures (EG_E_BUSY) with
 * jittered exponential back-off — 1 ms doubling up to 100 ms, each wait a
 * random point in its upper half — until about 2 s have gone by. The jitter
 * keeps competing writers from waking in lock-step.
 */
enum eg_status eg_db_tx(struct eg_db *db, eg_tx_fn fn, void *ctx)
{
    assert(db && fn);
    assert(!db->in_tx && "eg_db_tx does not nest");
    /* A write starts from the latest state, not from a read snapshot taken
     * earlier in the request (SQLite could not upgrade a stale one). */
    eg_db_read_end(db);
    int64_t start = mono_ns();
    int64_t wait = TX_FIRST_WAIT_NS;
    unsigned seed = (unsigned)start ^ (unsigned)(uintptr_t)db;
    int attempts = 0;
    enum eg_status rc;

    for (;;) {
        attempts++;
        rc = tx_once(db, fn, ctx);
        if (!eg_status_is_soft(rc))
            break;
        int64_t elapsed = mono_ns() - start;
        if (elapsed >= TX_BUDGET_NS)
            break;
        int64_t pause = wait / 2 + (int64_t)((uint64_t)rand_r(&seed) % (uint64_t)(wait / 2 + 1));
        if (pause > TX_BUDGET_NS - elapsed)
            pause = TX_BUDGET_NS - elapsed;
        sleep_ns(pause);
        wait = wait * 2 > TX_MAX_WAIT_NS ? TX_MAX_WAIT_NS : wait * 2;
    }
    eg_histogram_observe_us(&tx_time, (mono_ns() - start) / 1000);
    eg_counter_add(&tx_outcome[rc == EG_OK ? 0 : eg_status_is_soft(rc) ? 2 : 1], 1);
    eg_counter_add(&tx_retries, (uint64_t)(attempts - 1));
    if (rc == EG_E_BUSY)
        eg_log(EG_LOG_WARN, "event=db_tx_gave_up engine=%s attempts=%d", db->driver->name,
               attempts);
    else if (attempts > 1)
        eg_log(EG_LOG_DEBUG, "event=db_tx_retried engine=%s attempts=%d status=%s",
               db->driver->name, attempts, eg_status_code(rc));
    return rc;
}

int eg_db_in_tx(const struct eg_db *db)
{
    return db->in_tx;
}

enum eg_status eg_db_read_begin(struct eg_db *db)
{
    assert(db && !db->in_tx);
    return db->driver->read_begin ? db->driver->read_begin(db) : EG_OK;
}

void eg_db_read_end(struct eg_db *db)
{
    if (db && db->driver->read_end)
        db->driver->read_end(db);
}

enum eg_status eg_db_backup(struct eg_db *db, const char *path)
{
    return db->driver->backup(db, path);
}

enum eg_status eg_db_pg_url_split(const char *url, char **out, int *unnamed)
{
    static const char key[] = "pool_mode=";
    size_t n = strlen(url);
    char *copy = malloc(n + 1), *q;

    *unnamed = 0;
    *out = NULL;
    if (!copy)
        return EG_E_INTERNAL;
    memcpy(copy, url, n + 1);
    q = strchr(copy, '?');
    for (char *p = q ? q + 1 : NULL; p && *p;) {
        size_t len = strcspn(p, "&");
        char *next = p[len] == '&' ? p + len + 1 : p + len;
        if (strncmp(p, key, sizeof key - 1) != 0) {
            p = next;
            continue;
        }
        const char *v = p + sizeof key - 1;
        size_t vlen = len - (sizeof key - 1);
        if (vlen == 11 && strncmp(v, "transaction", 11) == 0)
            *unnamed = 1;
        else if (!(vlen == 7 && strncmp(v, "session", 7) == 0)) {
            free(copy);
            return EG_E_INVALID_PARAMETER;
        }
        memmove(p, next, strlen(next) + 1); /* drop "pool_mode=…&" */
    }
    if (q) { /* no dangling '?' or '&' */
        size_t m = strlen(copy);
        while (m > 0 && (copy[m - 1] == '&' || copy[m - 1] == '?'))
            copy[--m] = '\0';
    }
    *out = copy;
    return EG_OK;
}

enum eg_status eg_db_lock(struct eg_db *db, const char *name)
{
    int got = 1;
    assert(db && name && !db->in_tx);
    return db->driver->session_lock ? db->driver->session_lock(db, name, 1, &got) : EG_OK;
}

enum eg_status eg_db_try_lock(struct eg_db *db, const char *name, int *got)
{
    assert(db && name && got && !db->in_tx);
    *got = 1;
    return db->driver->session_lock ? db->driver->session_lock(db, name, 0, got) : EG_OK;
}

void eg_db_unlock(struct eg_db *db, const char *name)
{
    assert(db && name);
    if (db->driver->session_unlock)
        db->driver->session_unlock(db, name);
}

enum eg_status eg_db_pool_new(const char *url, int n, struct eg_db_pool **out)
{
    enum eg_status rc = EG_OK;
    struct eg_db_pool *p = NULL;

    assert(url && out && n > 0);
    *out = NULL;
    p = calloc(1, sizeof *p);
    if (!p) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    p->size = n;
    p->wait_ms = EG_DB_POOL_WAIT_MS;
    p->url = strdup(url);
    p->idle = calloc((size_t)n, sizeof *p->idle);
    if (!p->url || !p->idle) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    pthread_condattr_t ca;
    int cv_ok = pthread_condattr_init(&ca) == 0;
    if (cv_ok) {
        cv_ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
                pthread_cond_init(&p->cv, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    if (!cv_ok) {
        pthread_mutex_destroy(&p->mu);
        rc = EG_E_INTERNAL;
        goto out;
    }
    *out = p;
    p = NULL;
out:
    if (p) {
        free(p->idle);
        free(p->url);
        free(p);
    }
    return rc;
}

void eg_db_pool_set_wait(struct eg_db_pool *p, int wait_ms)
{
    assert(p && wait_ms >= 0);
    pthread_mutex_lock(&p->mu);
    p->wait_ms = wait_ms;
    pthread_mutex_unlock(&p->mu);
}

/*
 * Hand out an idle connection, or open a new one while fewer than the pool
 * size exist (outside the lock, since opening can take a while), or wait —
 * but never longer than the pool's wait bound: the callers are event-loop
 * threads, and a thread that waited for ever would stop answering every
 * other connection it serves (and shutdown, which joins it).
 */
enum eg_status eg_db_pool_acquire(struct eg_db_pool *p, struct eg_db **out)
{
    enum eg_status rc = EG_OK;
    struct eg_db *db = NULL;
    struct timespec until;

    assert(p && out);
    clock_gettime(CLOCK_MONOTONIC, &until);
    int64_t waited_from = 0;
    eg_counter_add(&p->acquires, 1);
    pthread_mutex_lock(&p->mu);
    int64_t ns = until.tv_nsec + (int64_t)(p->wait_ms % 1000) * 1000000;
    until.tv_sec += p->wait_ms / 1000 + (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    if (p->nidle == 0 && p->opened >= p->size) {
        waited_from = mono_ns();
        eg_counter_add(&p->waits, 1);
    }
    while (p->nidle == 0 && p->opened >= p->size) {
        int e = pthread_cond_timedwait(&p->cv, &p->mu, &until);
        if (e == ETIMEDOUT && p->nidle == 0 && p->opened >= p->size) {
            pthread_mutex_unlock(&p->mu);
            eg_counter_add(&p->wait_timeouts, 1);
            eg_histogram_observe_us(&p->wait_time, (mono_ns() - waited_from) / 1000);
            eg_log(EG_LOG_WARN, "event=db_pool_wait_timeout size=%d wait_ms=%d", p->size,
                   p->wait_ms);
            *out = NULL;
            return EG_E_BUSY;
        }
    }
    if (waited_from > 0)
        eg_histogram_observe_us(&p->wait_time, (mono_ns() - waited_from) / 1000);
    if (p->nidle > 0) {
        db = p->idle[--p->nidle];
        pthread_mutex_unlock(&p->mu);
        goto out;
    }
    p->opened++;
    pthread_mutex_unlock(&p->mu);

    rc = eg_db_open(p->url, &db);
    if (rc != EG_OK) {
        pthread_mutex_lock(&p->mu);
        p->opened--;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        db = NULL;
    }
out:
    *out = db;
    return rc;
}

void eg_db_pool_release(struct eg_db_pool *p, struct eg_db *db)
{
    if (!db)
        return;
    assert(p && !db->in_tx);
    eg_db_read_end(db); /* a connection goes back without a snapshot */
    pthread_mutex_lock(&p->mu);
    assert(p->nidle < p->opened);
    p->idle[p->nidle++] = db;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Close every connection; all must have been released. */
void eg_db_pool_free(struct eg_db_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    if (p->nidle != p->opened)
        eg_log(EG_LOG_WARN, "event=db_pool_free_in_use in_use=%d", p->opened - p->nidle);
    for (int i = 0; i < p->nidle; i++)
        eg_db_close(p->idle[i]);
    p->nidle = 0;
    pthread_mutex_unlock(&p->mu);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->idle);
    free(p->url);
    free(p);
}

void eg_stmt_copy_text(struct eg_stmt *st, int col, char *out, size_t size)
{
    size_t len = 0;
    assert(out || size == 0);
    const char *s = eg_stmt_text_len(st, col, &len);
    if (size == 0)
        return;
    if (len >= size)
        len = size - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

const char *eg_stmt_dup_text(struct eg_stmt *st, struct eg_arena *a, int col)
{
    size_t len = 0;
    assert(a);
    const char *s = eg_stmt_text_len(st, col, &len);
    char *d = eg_arena_strndup(a, s, len);
    return d ? d : "";
}

void eg_db_metrics_write(struct eg_buf *out)
{
    static const char *const outcomes[] = {"committed", "failed", "gave_up"};
    char lab[64];

    eg_metrics_family(out, "egret_db_statement_duration_seconds", "histogram",
                      "Statements from prepare to done (execution and reading the rows).");
    eg_metrics_histogram(out, "egret_db_statement_duration_seconds", NULL, &statement_time);
    eg_metrics_family(out, "egret_db_transaction_duration_seconds", "histogram",
                      "Write transactions, retries included.");
    eg_metrics_histogram(out, "egret_db_transaction_duration_seconds", NULL, &tx_time);
    eg_metrics_family(out, "egret_db_transactions_total", "counter",
                      "Write transactions by outcome (gave_up: still busy after every retry).");
    for (size_t i = 0; i < 3; i++) {
        lab[0] = '\0';
        eg_metrics_label(lab, sizeof lab, "outcome", outcomes[i]);
        eg_metrics_sample(out, "egret_db_transactions_total", lab,
                          (double)eg_counter_get(&tx_outcome[i]));
    }
    eg_metrics_family(out, "egret_db_transaction_retries_total", "counter",
                      "Write transactions run again after a serialisation failure or lock wait.");
    eg_metrics_sample(out, "egret_db_transaction_retries_total", NULL,
                      (double)eg_counter_get(&tx_retries));
}

void eg_db_pool_metrics_write(struct eg_db_pool *p, struct eg_buf *out)
{
    int opened, idle, size;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    opened = p->opened;
    idle = p->nidle;
    size = p->size;
    pthread_mutex_unlock(&p->mu);
    eg_metrics_family(out, "egret_db_pool_connections", "gauge",
                      "Pooled database connections: size (the most), open, idle.");
    eg_metrics_sample(out, "egret_db_pool_connections", "state=\"size\"", size);
    eg_metrics_sample(out, "egret_db_pool_connections", "state=\"open\"", opened);
    eg_metrics_sample(out, "egret_db_pool_connections", "state=\"idle\"", idle);
    eg_metrics_family(out, "egret_db_pool_acquires_total", "counter",
                      "Connections asked of the pool.");
    eg_metrics_sample(out, "egret_db_pool_acquires_total", NULL,
                      (double)eg_counter_get(&p->acquires));
    eg_metrics_family(out, "egret_db_pool_waits_total", "counter",
                      "Asks that found every connection in use and waited.");
    eg_metrics_sample(out, "egret_db_pool_waits_total", NULL, (double)eg_counter_get(&p->waits));
    eg_metrics_family(out, "egret_db_pool_wait_timeouts_total", "counter",
                      "Waits that ran out (answered 503 busy).");
    eg_metrics_sample(out, "egret_db_pool_wait_timeouts_total", NULL,
                      (double)eg_counter_get(&p->wait_timeouts));
    eg_metrics_family(out, "egret_db_pool_wait_seconds", "histogram",
                      "How long the waits for a connection took.");
    eg_metrics_histogram(out, "egret_db_pool_wait_seconds", NULL, &p->wait_time);
}
