/*
 * pg.c — the PostgreSQL driver (struct eg_db_driver eg_db_pg_driver), on libpq.
 *
 * Connections. One PGconn per struct pg_db, opened from a postgres:// URL.
 * Every (re)connection sets client_encoding UTF8, TimeZone UTC and
 * default_transaction_isolation 'read committed' (for statements outside a
 * transaction: reads, which run in autocommit and see one snapshot each
 * either way, and the rare write that is not in eg_db_tx, which under read
 * committed waits for a competing writer instead of failing), plus an idle
 * in-transaction timeout so that a transaction leaked by a bug cannot hold
 * the audit chain head locked for ever.
 *
 * Transactions. begin is "BEGIN ISOLATION LEVEL REPEATABLE READ". Every
 * write transaction updates the single audit_head row (auth/audit.h); under
 * REPEATABLE READ a second writer that touches that row after the first
 * committed gets a serialization failure (40001) rather than silently
 * building on a stale chain head, and the transaction helper (eg_db_tx)
 * retries it from the start with a fresh snapshot. Writers are thereby
 * serialised at the chain head while readers never wait. SERIALIZABLE would
 * also be correct, at the price of predicate-lock bookkeeping that buys
 * nothing extra here.
 *
 * Statements. SQL is written with `?` placeholders; they are rewritten to
 * $1, $2 … (not inside quoted strings, quoted identifiers, dollar quotes or
 * comments) and prepared once per connection under generated names s1, s2 …
 * in a hash map keyed by the original SQL text, capped at CACHE_CAP entries
 * with least-recently-used eviction. Parameters are sent as text and their
 * types left to the server to infer; when it cannot (`? IS NULL`), or
 * infers text where an integer belongs (`CASE WHEN ? = 1 THEN ? END` into
 * an integer column), the statement is prepared again at its first
 * execution with the types of the values bound (int8 for integers, text
 * otherwise) for as few parameters as it takes. Results come back as text
 * and are read row by row from the PGresult; integers are parsed strictly,
 * numeric aggregates (SUM gives numeric in PostgreSQL) included, and
 * booleans read as 1/0 like SQLite's.
 *
 * Transaction pooling. A URL with `pool_mode=transaction` in its query
 * (egret's own parameter, taken out before libpq sees the URL) is for a
 * pooler such as pgbouncer in transaction mode, which hands each
 * transaction, and each statement outside one, to any server connection:
 * no statement is prepared by name — each runs as one unnamed
 * Parse/Bind/Execute (PQexecParams), typed as above — and no session
 * setting is made (set TimeZone UTC and the in-transaction timeout on the
 * role instead: docs/deploy.md).
 *
 * Errors, by SQLSTATE: 40001 serialization_failure, 40P01 deadlock_detected
 * and 55P03 lock_not_available → EG_E_BUSY; 23505 → EG_E_DUPLICATE; other
 * class 23 and P0001 (a trigger's RAISE EXCEPTION, as SQLite's RAISE(ABORT))
 * → EG_E_CONFLICT; 22021/22P05 (bad text encoding) → EG_E_BAD_UTF8;
 * a lost connection (CONNECTION_BAD, class 08, 57P01–57P03) → EG_E_BUSY, and
 * the connection is re-established (with an empty statement cache) at the
 * next begin, prepare or ping outside a transaction — so eg_db_tx retries
 * the whole transaction on a fresh connection. A COMMIT whose reply is lost
 * may or may not have committed; that one gives EG_E_UNAVAILABLE, never a
 * silent retry. A read outside a transaction that finds its connection gone
 * is run once more on a new one. Everything else → EG_E_DB. Messages kept for errmsg are the
 * SQLSTATE and the server's primary message, never its DETAIL (which can
 * quote row values).
 */
#include "db/db.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"

#define CACHE_CAP       256   /* most cached statements per connection */
#define CACHE_BUCKETS   512   /* hash buckets (a power of two) */
#define MAX_PARAMS      65535 /* PostgreSQL's protocol limit */
#define CONNECT_TIMEOUT "10"
#define BOOLOID         16
#define INT8OID         20
#define TEXTOID         25

struct pg_db;

/* One SQL text known to the connection: its rewritten form and server-side name. */
struct pg_entry {
    struct pg_entry *chain; /* next in the hash bucket */
    char *sql;              /* the key: the SQL text as given */
    char *pgsql;            /* with $n placeholders */
    uint32_t hash;
    char name[24];        /* "s<n>" */
    int nparams;          /* highest $n */
    int prepared;         /* exists on the server under name */
    int pin;              /* a parameter the server could not type (prepared at first step) */
    Oid *types;           /* pool_mode=transaction: types pinned so far (NULL: none) */
    int users;            /* statements handed out and not yet given back */
    int orphan;           /* dropped from the cache while in use: freed at the last done */
    uint64_t used;        /* recency tick */
    struct pg_stmt *idle; /* a statement object ready for reuse */
};

/* One bound parameter: small values in place, longer ones on the heap. */
struct pg_param {
    char kind; /* 0 unbound (NULL), 'i', 't', 'n' */
    char small[24];
    char *heap;
    size_t heap_cap;
    const char *value; /* what is sent: small, heap, or NULL for SQL NULL */
};

struct pg_stmt {
    struct eg_stmt base;
    struct pg_entry *entry;
    struct pg_param *params; /* entry->nparams of them */
    int private_copy;        /* 1 = freed at done (the cached one was in use) */
    int executed;
    PGresult *res;
    int row, nrows;
    char boolbuf[2];
};

struct pg_db {
    struct eg_db base;
    PGconn *pg;
    struct pg_entry *buckets[CACHE_BUCKETS];
    int count;          /* cached entries */
    uint64_t tick;      /* recency clock */
    uint64_t next_name; /* statement names are never reused on a connection */
    int broken;         /* connection lost: re-establish at the next chance */
    int tx_open;        /* between a successful begin and commit/rollback */
    int unnamed;        /* pool_mode=transaction: no named statements, no session settings */
    int64_t changes;
    char err[512];
};

static struct pg_db *conn(struct eg_db *db)
{
    return (struct pg_db *)db;
}

static struct pg_stmt *stmt(struct eg_stmt *st)
{
    return (struct pg_stmt *)st;
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static void set_msg(struct pg_db *c, const char *msg)
{
    snprintf(c->err, sizeof c->err, "%s", msg);
}

/* Copy a libpq message into err as one line (newlines become spaces). */
static void set_err_line(struct pg_db *c, const char *state, const char *msg)
{
    size_t n;
    if (state && *state)
        snprintf(c->err, sizeof c->err, "%s: %s", state, msg ? msg : "");
    else
        snprintf(c->err, sizeof c->err, "%s", msg && *msg ? msg : "connection failure");
    n = strlen(c->err);
    while (n > 0 && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
        c->err[--n] = '\0';
    for (char *p = c->err; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
}

/*
 * Translate a failed PGresult (or a NULL one: out of memory or no
 * connection) into a status, remembering the message and marking the
 * connection broken when it was lost.
 */
static enum eg_status map_error(struct pg_db *c, const PGresult *res, const char *op)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    enum eg_status rc = EG_E_DB;

    if (!msg)
        msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg);
    set_err_line(c, state, msg);

    if (PQstatus(c->pg) == CONNECTION_BAD ||
        (state && (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
                   strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0))) {
        c->broken = 1;
        rc = EG_E_BUSY;
        eg_log(EG_LOG_WARN, "event=db_connection_lost engine=postgres op=%s msg=\"%s\"", op,
               c->err);
    } else if (!state) {
        eg_log(EG_LOG_ERROR, "event=db_error engine=postgres op=%s msg=\"%s\"", op, c->err);
    } else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
               strcmp(state, "55P03") == 0) {
        rc = EG_E_BUSY;
        eg_log(EG_LOG_DEBUG, "event=db_busy engine=postgres op=%s state=%s", op, state);
    } else if (strcmp(state, "23505") == 0) {
        rc = EG_E_DUPLICATE;
    } else if (strncmp(state, "23", 2) == 0 || strcmp(state, "P0001") == 0) {
        /* P0001: RAISE EXCEPTION in a trigger guarding an invariant (append-only tables). */
        rc = EG_E_CONFLICT;
    } else if (strcmp(state, "22021") == 0 || strcmp(state, "22P05") == 0) {
        rc = EG_E_BAD_UTF8;
    } else {
        eg_log(EG_LOG_ERROR, "event=db_error engine=postgres op=%s msg=\"%s\"", op, c->err);
    }
    return rc;
}

/* ---- the statement cache ---- */

static void param_free(struct pg_param *p)
{
    free(p->heap);
    p->heap = NULL;
    p->heap_cap = 0;
}

static void stmt_clear(struct pg_stmt *s)
{
    PQclear(s->res);
    s->res = NULL;
    s->executed = 0;
    s->row = -1;
    s->nrows = 0;
    for (int i = 0; i < s->entry->nparams; i++) {
        s->params[i].kind = 0;
        s->params[i].value = NULL;
    }
}

static void stmt_free(struct pg_stmt *s)
{
    if (!s)
        return;
    PQclear(s->res);
    if (s->params)
        for (int i = 0; i < s->entry->nparams; i++)
            param_free(&s->params[i]);
    free(s->params);
    free(s);
}

static void entry_free(struct pg_entry *e)
{
    if (!e)
        return;
    stmt_free(e->idle);
    free(e->types);
    free(e->sql);
    free(e->pgsql);
    free(e);
}

static struct pg_stmt *stmt_new(struct pg_db *c, struct pg_entry *e)
{
    struct pg_stmt *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (e->nparams > 0) {
        s->params = calloc((size_t)e->nparams, sizeof *s->params);
        if (!s->params) {
            free(s);
            return NULL;
        }
    }
    s->base.driver = &eg_db_pg_driver;
    s->base.db = &c->base;
    s->entry = e;
    s->row = -1;
    return s;
}

/* Remove e from its bucket (it must be there). */
static void cache_unlink(struct pg_db *c, struct pg_entry *e)
{
    struct pg_entry **pp = &c->buckets[e->hash & (CACHE_BUCKETS - 1)];
    while (*pp && *pp != e)
        pp = &(*pp)->chain;
    if (*pp) {
        *pp = e->chain;
        c->count--;
    }
    e->chain = NULL;
}

/*
 * Forget every cached statement (after a reconnection the server knows none
 * of them). Entries still handed out become orphans, freed at their done.
 */
static void cache_drop(struct pg_db *c)
{
    for (int b = 0; b < CACHE_BUCKETS; b++) {
        struct pg_entry *e = c->buckets[b];
        while (e) {
            struct pg_entry *next = e->chain;
            e->chain = NULL;
            e->prepared = 0;
            if (e->users > 0)
                e->orphan = 1;
            else
                entry_free(e);
            e = next;
        }
        c->buckets[b] = NULL;
    }
    c->count = 0;
}

/*
 * Make room for one more entry by evicting the least recently used one that
 * is not handed out, deallocating it on the server when that is possible
 * (not inside a failed transaction; names are never reused, so one left
 * behind costs only memory until the connection closes).
 */
static void cache_evict(struct pg_db *c)
{
    struct pg_entry *victim = NULL;
    for (int b = 0; b < CACHE_BUCKETS; b++)
        for (struct pg_entry *e = c->buckets[b]; e; e = e->chain)
            if (e->users == 0 && (!victim || e->used < victim->used))
                victim = e;
    if (!victim)
        return;
    cache_unlink(c, victim);
    if (victim->prepared && !c->broken && PQtransactionStatus(c->pg) != PQTRANS_INERROR) {
        char sql[64];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", victim->name);
        PQclear(PQexec(c->pg, sql));
    }
    entry_free(victim);
}

/*
 * Rewrite the `?` placeholders of sql to $1, $2 … into a new string
 * (*out, malloc'd), counting them in *nparams. Question marks inside
 * single-quoted strings (with '' and, for E'', backslash escapes), double-
 * quoted identifiers, dollar-quoted strings and -- or block comments are
 * left alone.
 */
static enum eg_status rewrite_placeholders(const char *sql, char **out, int *nparams)
{
    size_t len = strlen(sql), cap = 0, n = 0;
    int count = 0;
    char *buf = NULL;
    const char *p = sql;

    for (const char *q = sql; *q; q++)
        if (*q == '?')
            cap += 6; /* "$65535" is six bytes longer at most */
    cap += len + 1;
    buf = malloc(cap);
    if (!buf)
        return EG_E_INTERNAL;

    while (*p) {
        const char *start = p;
        if (*p == '\'') {
            int esc = p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
                      (p - 1 == sql ||
                       !(p[-2] == '_' || (p[-2] >= 'a' && p[-2] <= 'z') ||
                         (p[-2] >= 'A' && p[-2] <= 'Z') || (p[-2] >= '0' && p[-2] <= '9')));
            p++;
            while (*p) {
                if (esc && *p == '\\' && p[1]) {
                    p += 2;
                } else if (*p == '\'' && p[1] == '\'') {
                    p += 2;
                } else if (*p == '\'') {
                    p++;
                    break;
                } else {
                    p++;
                }
            }
        } else if (*p == '"') {
            p++;
            while (*p) {
                if (*p == '"' && p[1] == '"')
                    p += 2;
                else if (*p++ == '"')
                    break;
            }
        } else if (*p == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (*p == '/' && p[1] == '*') {
            int depth = 1; /* PostgreSQL block comments nest */
            p += 2;
            while (*p && depth > 0) {
                if (*p == '/' && p[1] == '*') {
                    depth++;
                    p += 2;
                } else if (*p == '*' && p[1] == '/') {
                    depth--;
                    p += 2;
                } else {
                    p++;
                }
            }
        } else if (*p == '$' &&
                   !(p > sql && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') ||
                                 (p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= '0' && p[-1] <= '9') ||
                                 (unsigned char)p[-1] >= 0x80))) {
            /* $tag$ … $tag$ (tag empty or an identifier not starting with a digit) */
            const char *t = p + 1;
            while (*t == '_' || (*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
                   (*t >= '0' && *t <= '9' && t > p + 1) || (unsigned char)*t >= 0x80)
                t++;
            if (*t == '$') {
                size_t taglen = (size_t)(t - p) + 1;
                const char *body = t + 1;
                const char *end = body;
                while (*end && strncmp(end, p, taglen) != 0)
                    end++;
                p = *end ? end + taglen : end;
            } else {
                p++;
            }
        } else if (*p == '?') {
            if (count >= MAX_PARAMS) {
                free(buf);
                return EG_E_DB;
            }
            count++;
            n += (size_t)snprintf(buf + n, cap - n, "$%d", count);
            p++;
            continue;
        } else {
            p++;
        }
        memcpy(buf + n, start, (size_t)(p - start));
        n += (size_t)(p - start);
    }
    buf[n] = '\0';
    *out = buf;
    *nparams = count;
    return EG_OK;
}

/*
 * Run a bookkeeping command (SAVEPOINT and friends) whose failure shows up
 * in the next real statement anyway.
 */
static void run_quiet(struct pg_db *c, const char *sql)
{
    PQclear(PQexec(c->pg, sql));
}

/*
 * Whether res failed because the server could not type a parameter —
 * 42P18 (no type at all: `? IS NULL`; *which is the $N it names) or 42804
 * (an unknown resolved to text where an integer was wanted: `CASE WHEN ? =
 * 1 THEN ? END` into an integer column; *which is 0).
 */
static int untyped_parameter(const PGresult *res, int nparams, int *which)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    *which = 0;
    if (state && strcmp(state, "42P18") == 0) {
        /* "could not determine data type of parameter $N" (translations keep the $N). */
        const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        const char *at = msg ? strrchr(msg, '$') : NULL;
        if (at && at[1] >= '1' && at[1] <= '9') {
            long k = strtol(at + 1, NULL, 10);
            if (k >= 1 && k <= nparams)
                *which = (int)k;
        }
        return 1;
    }
    return state && strcmp(state, "42804") == 0;
}

/*
 * Prepare e on the server. types (may be NULL) gives parameter types, 0 for
 * "infer". Inside a transaction the attempt is fenced by a savepoint, since
 * a failed prepare would otherwise abort the whole transaction (this costs
 * two round trips, once per statement text per connection). When the
 * server could not type a parameter (untyped_parameter) the status is
 * EG_E_DB with *undetermined set and *which naming it if it could: typing
 * the parameters by the values bound may help.
 */
static enum eg_status prepare_on_server(struct pg_db *c, struct pg_entry *e, const Oid *types,
                                        int *undetermined, int *which)
{
    enum eg_status rc = EG_OK;
    int fenced = c->tx_open && PQtransactionStatus(c->pg) == PQTRANS_INTRANS;
    PGresult *res;

    *undetermined = 0;
    *which = 0;
    if (fenced)
        run_quiet(c, "SAVEPOINT eg_prepare");
    res = PQprepare(c->pg, e->name, e->pgsql, e->nparams, types);
    if (res && PQresultStatus(res) == PGRES_COMMAND_OK) {
        e->prepared = 1;
        if (fenced)
            run_quiet(c, "RELEASE SAVEPOINT eg_prepare");
        goto out;
    }
    if (fenced && PQstatus(c->pg) == CONNECTION_OK)
        run_quiet(c, "ROLLBACK TO SAVEPOINT eg_prepare; RELEASE SAVEPOINT eg_prepare");
    if (untyped_parameter(res, e->nparams, which)) {
        *undetermined = 1;
        set_err_line(c, PQresultErrorField(res, PG_DIAG_SQLSTATE),
                     PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
        rc = EG_E_DB;
        goto out;
    }
    rc = map_error(c, res, "prepare");
out:
    PQclear(res);
    return rc;
}

/* The type to pin parameter i (0-based) to: that of the value bound. */
static Oid bound_type(const struct pg_stmt *s, int i)
{
    return s->params[i].kind == 'i' ? INT8OID : TEXTOID;
}

/*
 * Pin the next parameters after a failed typed prepare: the one the server
 * named if it is still open, else every integer-bound one, else all the
 * rest. Returns 0 when nothing is left to pin.
 */
static int pin_more(const struct pg_stmt *s, Oid *types, int which)
{
    int n = s->entry->nparams, changed = 0;
    if (which >= 1 && which <= n && types[which - 1] == 0) {
        types[which - 1] = bound_type(s, which - 1);
        return 1;
    }
    for (int i = 0; i < n; i++)
        if (types[i] == 0 && s->params[i].kind == 'i') {
            types[i] = INT8OID;
            changed = 1;
        }
    if (changed)
        return 1;
    for (int i = 0; i < n; i++)
        if (types[i] == 0) {
            types[i] = bound_type(s, i);
            changed = 1;
        }
    return changed;
}

/*
 * Prepare e with parameter types taken from the values bound to s (int8
 * for integers, text otherwise), pinning as few as it takes — first the
 * parameter the server named when the text was first seen, then the
 * integer-bound ones, then the rest — so that everything else keeps the
 * type the server infers from its context.
 */
static enum eg_status prepare_typed(struct pg_db *c, struct pg_stmt *s)
{
    struct pg_entry *e = s->entry;
    enum eg_status rc = EG_E_DB;
    Oid *types = calloc((size_t)(e->nparams > 0 ? e->nparams : 1), sizeof *types);
    int undetermined = 0, which = 0;

    if (!types)
        return EG_E_INTERNAL;
    pin_more(s, types, e->pin);
    for (int attempt = 0; attempt <= e->nparams + 2; attempt++) {
        rc = prepare_on_server(c, e, types, &undetermined, &which);
        if (rc == EG_OK || !undetermined || !pin_more(s, types, which))
            break;
    }
    if (rc != EG_OK && undetermined)
        eg_log(EG_LOG_ERROR, "event=db_error engine=postgres op=prepare msg=\"%s\"", c->err);
    free(types);
    return rc;
}

/* ---- connection ---- */

/*
 * Server notices ("relation … already exists, skipping") go to the debug
 * log instead of libpq's default of standard error.
 */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    if (eg_log_enabled(EG_LOG_DEBUG)) {
        char line[256];
        size_t n;
        snprintf(line, sizeof line, "%s", message);
        n = strcspn(line, "\n");
        line[n] = '\0';
        eg_log(EG_LOG_DEBUG, "event=db_notice engine=postgres msg=\"%s\"", line);
    }
}

/* Settings applied to every new or re-established session. */
static enum eg_status session_setup(struct pg_db *c)
{
    enum eg_status rc = EG_OK;
    PGresult *res = NULL;

    if (PQsetClientEncoding(c->pg, "UTF8") != 0) {
        set_err_line(c, NULL, PQerrorMessage(c->pg));
        rc = EG_E_UNAVAILABLE;
        goto out;
    }
    if (c->unnamed)
        goto out; /* a SET would stay on whichever server connection the pooler lent */
    res = PQexec(c->pg, "SET TimeZone = 'UTC'; "
                        "SET default_transaction_isolation = 'read committed'; "
                        "SET idle_in_transaction_session_timeout = '300s'");
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = map_error(c, res, "connect");
        if (rc == EG_E_BUSY)
            rc = EG_E_UNAVAILABLE;
    }
out:
    PQclear(res);
    return rc;
}

/*
 * Re-establish a lost connection: the statement cache is dropped (the new
 * session has no prepared statements) and the session set up again.
 * Never called inside a transaction, whose work would silently vanish.
 */
static enum eg_status reconnect(struct pg_db *c)
{
    assert(!c->tx_open);
    cache_drop(c);
    PQreset(c->pg);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        set_err_line(c, NULL, PQerrorMessage(c->pg));
        eg_log(EG_LOG_WARN, "event=db_reconnect_failed engine=postgres msg=\"%s\"", c->err);
        return EG_E_BUSY;
    }
    if (session_setup(c) != EG_OK)
        return EG_E_BUSY;
    c->broken = 0;
    eg_log(EG_LOG_INFO, "event=db_reconnected engine=postgres");
    return EG_OK;
}

/* Whether the connection needs re-establishing before use. */
static int needs_reconnect(struct pg_db *c)
{
    return c->broken || PQstatus(c->pg) != CONNECTION_OK;
}

static enum eg_status pg_open(const char *url, struct eg_db **out)
{
    enum eg_status rc = EG_OK;
    struct pg_db *c = NULL;
    /* Defaults first: values in the URL (expanded from dbname) win. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {CONNECT_TIMEOUT, "egret", NULL, NULL};
    char *libpq_url = NULL;
    int unnamed = 0;

    assert(url && out);
    *out = NULL;
    rc = eg_db_pg_url_split(url, &libpq_url, &unnamed);
    if (rc == EG_E_INVALID_PARAMETER)
        eg_log(EG_LOG_ERROR, "event=db_connect_failed engine=postgres "
                             "msg=\"pool_mode must be transaction or session\"");
    if (rc != EG_OK)
        goto out;
    vals[2] = libpq_url;
    c = calloc(1, sizeof *c);
    if (!c) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    c->base.driver = &eg_db_pg_driver;
    c->unnamed = unnamed;
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    PQsetNoticeProcessor(c->pg, on_notice, NULL);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        set_err_line(c, NULL, PQerrorMessage(c->pg));
        eg_log(EG_LOG_ERROR, "event=db_connect_failed engine=postgres msg=\"%s\"", c->err);
        rc = EG_E_UNAVAILABLE;
        goto out;
    }
    rc = session_setup(c);
    if (rc != EG_OK) {
        eg_log(EG_LOG_ERROR, "event=db_connect_failed engine=postgres msg=\"%s\"", c->err);
        goto out;
    }
    *out = &c->base;
    c = NULL;
out:
    free(libpq_url); /* libpq keeps its own copy for reconnecting */
    if (c) {
        PQfinish(c->pg);
        free(c);
    }
    return rc;
}

static void pg_close(struct eg_db *db)
{
    struct pg_db *c = conn(db);
    if (!c)
        return;
    cache_drop(c); /* any statement still handed out is a leak in the caller */
    PQfinish(c->pg);
    free(c);
}

/* Run a parameterless command that returns no rows; map failures. */
static enum eg_status run_simple(struct pg_db *c, const char *sql, const char *op, PGresult **keep)
{
    enum eg_status rc = EG_OK;
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        rc = map_error(c, res, op);
    if (keep && rc == EG_OK) {
        *keep = res;
        res = NULL;
    }
    PQclear(res);
    return rc;
}

static enum eg_status pg_exec(struct eg_db *db, const char *sql)
{
    struct pg_db *c = conn(db);
    PGresult *res = NULL;
    enum eg_status rc;

    if (needs_reconnect(c)) {
        if (c->tx_open)
            return EG_E_BUSY;
        rc = reconnect(c);
        if (rc != EG_OK)
            return rc;
    }
    rc = run_simple(c, sql, "exec", &res);
    if (rc == EG_OK) {
        const char *n = PQcmdTuples(res);
        c->changes = n && *n ? strtoll(n, NULL, 10) : 0;
    }
    PQclear(res);
    return rc;
}

static enum eg_status pg_prepare(struct eg_db *db, const char *sql, struct eg_stmt **out)
{
    struct pg_db *c = conn(db);
    enum eg_status rc = EG_OK;
    uint32_t h = hash_str(sql);
    struct pg_entry *e = NULL, *fresh = NULL;
    struct pg_stmt *s = NULL;

    *out = NULL;
    if (needs_reconnect(c)) {
        if (c->tx_open) {
            /* The transaction died with the connection: let eg_db_tx start over. */
            rc = EG_E_BUSY;
            goto out;
        }
        rc = reconnect(c);
        if (rc != EG_OK)
            goto out;
    }
    for (e = c->buckets[h & (CACHE_BUCKETS - 1)]; e; e = e->chain)
        if (e->hash == h && strcmp(e->sql, sql) == 0)
            break;
    if (!e) {
        int undetermined = 0, which = 0;
        if (c->count >= CACHE_CAP)
            cache_evict(c);
        fresh = calloc(1, sizeof *fresh);
        if (!fresh || !(fresh->sql = strdup(sql))) {
            rc = EG_E_INTERNAL;
            goto out;
        }
        rc = rewrite_placeholders(sql, &fresh->pgsql, &fresh->nparams);
        if (rc != EG_OK) {
            set_msg(c, "too many parameters");
            goto out;
        }
        fresh->hash = h;
        snprintf(fresh->name, sizeof fresh->name, "s%" PRIu64, ++c->next_name);
        if (c->unnamed)
            goto cache_it;
        rc = prepare_on_server(c, fresh, NULL, &undetermined, &which);
        if (rc == EG_E_BUSY && c->broken && !c->tx_open && reconnect(c) == EG_OK)
            rc = prepare_on_server(c, fresh, NULL, &undetermined, &which);
        if (rc != EG_OK && !undetermined)
            goto out;
        fresh->pin = which;
        /* Undetermined parameter types: prepared at the first step, typed by the values. */
        rc = EG_OK;
    cache_it:
        fresh->chain = c->buckets[h & (CACHE_BUCKETS - 1)];
        c->buckets[h & (CACHE_BUCKETS - 1)] = fresh;
        c->count++;
        e = fresh;
        fresh = NULL;
    }
    e->used = ++c->tick;
    if (e->idle) {
        s = e->idle;
        e->idle = NULL;
    } else {
        s = stmt_new(c, e);
        if (!s) {
            rc = EG_E_INTERNAL;
            goto out;
        }
        /* The entry keeps one statement object; a second concurrent user gets its own. */
        s->private_copy = e->users > 0;
    }
    e->users++;
    stmt_clear(s);
    *out = &s->base;
out:
    if (fresh && fresh->prepared) {
        char dsql[64];
        snprintf(dsql, sizeof dsql, "DEALLOCATE %s", fresh->name);
        PQclear(PQexec(c->pg, dsql));
    }
    entry_free(fresh);
    return rc;
}

/* Check idx (1-based) against the statement's parameters. */
static struct pg_param *param_at(struct pg_stmt *s, int idx)
{
    if (idx < 1 || idx > s->entry->nparams) {
        struct pg_db *c = conn(s->base.db);
        snprintf(c->err, sizeof c->err, "parameter %d out of range (statement has %d)", idx,
                 s->entry->nparams);
        eg_log(EG_LOG_ERROR, "event=db_error engine=postgres op=bind msg=\"%s\"", c->err);
        return NULL;
    }
    return &s->params[idx - 1];
}

static enum eg_status pg_bind_i64(struct eg_stmt *st, int idx, int64_t v)
{
    struct pg_param *p = param_at(stmt(st), idx);
    if (!p)
        return EG_E_DB;
    snprintf(p->small, sizeof p->small, "%" PRId64, v);
    p->kind = 'i';
    p->value = p->small;
    return EG_OK;
}

static enum eg_status pg_bind_text(struct eg_stmt *st, int idx, const char *str, size_t len)
{
    struct pg_param *p = param_at(stmt(st), idx);
    if (!p)
        return EG_E_DB;
    if (memchr(str, '\0', len)) {
        /* PostgreSQL text cannot hold NUL; refuse rather than truncate. */
        snprintf(conn(st->db)->err, sizeof conn(st->db)->err, "text parameter %d contains NUL",
                 idx);
        return EG_E_INVALID_FIELD;
    }
    if (len < sizeof p->small) {
        memcpy(p->small, str, len);
        p->small[len] = '\0';
        p->value = p->small;
    } else {
        if (len + 1 > p->heap_cap) {
            char *grown = realloc(p->heap, len + 1);
            if (!grown)
                return EG_E_INTERNAL;
            p->heap = grown;
            p->heap_cap = len + 1;
        }
        memcpy(p->heap, str, len);
        p->heap[len] = '\0';
        p->value = p->heap;
    }
    p->kind = 't';
    return EG_OK;
}

static enum eg_status pg_bind_null(struct eg_stmt *st, int idx)
{
    struct pg_param *p = param_at(stmt(st), idx);
    if (!p)
        return EG_E_DB;
    p->kind = 'n';
    p->value = NULL;
    return EG_OK;
}

/*
 * pool_mode=transaction: run s as one unnamed Parse/Bind/Execute, leaving
 * its result in s->res. When the server cannot type a parameter, pin one
 * more by the values bound (as prepare_typed does) and send it again — at
 * once outside a transaction; inside one the failure has aborted the
 * transaction, so EG_E_BUSY has eg_db_tx run it again, with the types
 * learnt kept on the entry.
 */
static enum eg_status exec_unnamed(struct pg_db *c, struct pg_stmt *s, const char **values)
{
    struct pg_entry *e = s->entry;
    for (int attempt = 0; attempt <= e->nparams + 2; attempt++) {
        s->res = PQexecParams(c->pg, e->pgsql, e->nparams, e->types, values, NULL, NULL, 0);
        ExecStatusType st = s->res ? PQresultStatus(s->res) : PGRES_FATAL_ERROR;
        const char *state = s->res ? PQresultErrorField(s->res, PG_DIAG_SQLSTATE) : NULL;
        int which = 0;
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || !state ||
            !untyped_parameter(s->res, e->nparams, &which))
            return EG_OK; /* the caller reads the outcome from s->res */
        if (!e->types && !(e->types = calloc((size_t)e->nparams, sizeof *e->types)))
            return EG_E_INTERNAL;
        if (!pin_more(s, e->types, which))
            return EG_OK;
        set_err_line(c, state, PQresultErrorField(s->res, PG_DIAG_MESSAGE_PRIMARY));
        PQclear(s->res);
        s->res = NULL;
        if (c->tx_open)
            return EG_E_BUSY;
    }
    return EG_E_DB;
}

/* Execute the statement (first step): rows stay client-side in s->res. */
static enum eg_status execute(struct pg_stmt *s)
{
    struct pg_db *c = conn(s->base.db);
    struct pg_entry *e = s->entry;
    enum eg_status rc = EG_OK;
    const char **values = NULL;
    const char *small[16];
    ExecStatusType st;

    if (needs_reconnect(c)) {
        /* Lost since prepare; inside a transaction that is the end of it. */
        rc = EG_E_BUSY;
        goto out;
    }
    if (!e->prepared && !c->unnamed) {
        rc = prepare_typed(c, s);
        if (rc != EG_OK)
            goto out;
    }
    if (e->nparams > 0) {
        values = e->nparams <= 16 ? small : calloc((size_t)e->nparams, sizeof *values);
        if (!values) {
            rc = EG_E_INTERNAL;
            goto out;
        }
        for (int i = 0; i < e->nparams; i++)
            values[i] = s->params[i].value;
    }
    if (c->unnamed) {
        rc = exec_unnamed(c, s, values);
        if (rc != EG_OK)
            goto out;
    } else {
        s->res = PQexecPrepared(c->pg, e->name, e->nparams, values, NULL, NULL, 0);
    }
    st = s->res ? PQresultStatus(s->res) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        const char *n = PQcmdTuples(s->res);
        c->changes = n && *n ? strtoll(n, NULL, 10) : 0;
        s->nrows = st == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
        s->row = -1;
        s->executed = 1;
        goto out;
    }
    {
        const char *state = s->res ? PQresultErrorField(s->res, PG_DIAG_SQLSTATE) : NULL;
        if (state && strcmp(state, "26000") == 0) {
            /* The server forgot our statements (DISCARD/DEALLOCATE ALL): start over. */
            cache_drop(c);
            set_err_line(c, state, "prepared statement vanished");
            rc = EG_E_BUSY;
            goto out;
        }
    }
    rc = map_error(c, s->res, "step");
out:
    if (values && values != small)
        free(values);
    if (rc != EG_OK) {
        PQclear(s->res);
        s->res = NULL;
    }
    return rc;
}

/* Whether the statement only reads (safe to run again after a lost connection). */
static int is_read_only(const struct pg_entry *e)
{
    const char *p = e->pgsql;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return strncasecmp(p, "SELECT", 6) == 0;
}

/*
 * The first step executes; later steps walk the rows. A read outside a
 * transaction that finds the connection gone is run once more on a new one.
 */
static enum eg_status pg_step(struct eg_stmt *st)
{
    struct pg_stmt *s = stmt(st);
    if (!s->executed) {
        struct pg_db *c = conn(st->db);
        enum eg_status rc = execute(s);
        if (rc == EG_E_BUSY && c->broken && !c->tx_open && is_read_only(s->entry) &&
            reconnect(c) == EG_OK)
            rc = execute(s);
        if (rc != EG_OK)
            return rc;
    }
    if (s->row < s->nrows)
        s->row++;
    return s->row < s->nrows ? EG_ROW : EG_DONE;
}

static int has_cell(struct pg_stmt *s, int col)
{
    return s->res && s->row >= 0 && s->row < s->nrows && col >= 0 && col < PQnfields(s->res);
}

static int pg_column_count(struct eg_stmt *st)
{
    struct pg_stmt *s = stmt(st);
    return s->res ? PQnfields(s->res) : 0;
}

static int pg_is_null(struct eg_stmt *st, int col)
{
    struct pg_stmt *s = stmt(st);
    return !has_cell(s, col) || PQgetisnull(s->res, s->row, col);
}

/*
 * Parse a result cell as an integer: an optional sign and digits, with an
 * optional fraction (a numeric like AVG's, truncated toward zero as SQLite
 * does for reals), or a boolean's t/f. Anything else — and NULL — is 0;
 * values outside int64 saturate.
 */
static int64_t parse_i64(const char *v, int is_bool)
{
    const char *p = v;
    int neg = 0;
    uint64_t acc = 0;
    int digits = 0, overflow = 0;

    if (is_bool)
        return v[0] == 't';
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        unsigned d = (unsigned)(*p - '0');
        if (acc > (UINT64_MAX - d) / 10)
            overflow = 1;
        else
            acc = acc * 10 + d;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (digits == 0 || *p != '\0')
        return 0;
    if (neg)
        return overflow || acc > (uint64_t)INT64_MAX + 1 ? INT64_MIN : (int64_t)(0 - acc);
    return overflow || acc > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)acc;
}

static int64_t pg_col_i64(struct eg_stmt *st, int col)
{
    struct pg_stmt *s = stmt(st);
    if (!has_cell(s, col) || PQgetisnull(s->res, s->row, col))
        return 0;
    return parse_i64(PQgetvalue(s->res, s->row, col), PQftype(s->res, col) == BOOLOID);
}

static const char *pg_col_text(struct eg_stmt *st, int col, size_t *len)
{
    struct pg_stmt *s = stmt(st);
    const char *v = "";
    size_t n = 0;

    if (has_cell(s, col) && !PQgetisnull(s->res, s->row, col)) {
        v = PQgetvalue(s->res, s->row, col);
        n = (size_t)PQgetlength(s->res, s->row, col);
        if (PQftype(s->res, col) == BOOLOID) {
            /* Booleans read as SQLite's 1/0, so that both engines agree. */
            s->boolbuf[0] = v[0] == 't' ? '1' : '0';
            s->boolbuf[1] = '\0';
            v = s->boolbuf;
            n = 1;
        }
    }
    if (len)
        *len = n;
    return v;
}

static void pg_done(struct eg_stmt *st)
{
    struct pg_stmt *s = stmt(st);
    struct pg_entry *e;
    if (!s)
        return;
    e = s->entry;
    stmt_clear(s);
    e->users--;
    if (s->private_copy || e->idle)
        stmt_free(s);
    else
        e->idle = s;
    if (e->orphan && e->users == 0)
        entry_free(e);
}

static int64_t pg_changes(struct eg_db *db)
{
    return conn(db)->changes;
}

static enum eg_status pg_begin(struct eg_db *db)
{
    struct pg_db *c = conn(db);
    enum eg_status rc;

    if (c->tx_open) {
        set_msg(c, "a transaction is already open");
        return EG_E_INTERNAL;
    }
    if (needs_reconnect(c)) {
        rc = reconnect(c);
        if (rc != EG_OK)
            return rc;
    }
    rc = run_simple(c, "BEGIN ISOLATION LEVEL REPEATABLE READ", "begin", NULL);
    if (rc == EG_OK)
        c->tx_open = 1;
    return rc;
}

static enum eg_status pg_commit(struct eg_db *db)
{
    struct pg_db *c = conn(db);
    enum eg_status rc = EG_OK;
    PGresult *res = NULL;

    if (!c->tx_open) {
        set_msg(c, "no transaction is open");
        return EG_E_INTERNAL;
    }
    if (needs_reconnect(c)) {
        /* Lost before COMMIT was sent: nothing was committed; safe to retry. */
        c->tx_open = 0;
        return EG_E_BUSY;
    }
    res = PQexec(c->pg, "COMMIT");
    c->tx_open = 0;
    if (res && PQresultStatus(res) == PGRES_COMMAND_OK) {
        /* COMMIT of a transaction that had failed answers ROLLBACK. */
        if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
            set_msg(c, "the transaction had failed and was rolled back");
            eg_log(EG_LOG_ERROR, "event=db_error engine=postgres op=commit msg=\"%s\"", c->err);
            rc = EG_E_DB;
        }
        goto out;
    }
    rc = map_error(c, res, "commit");
    if (rc == EG_E_BUSY && c->broken) {
        /* The connection died during COMMIT: it may have committed. Do not retry blindly. */
        rc = EG_E_UNAVAILABLE;
    }
out:
    PQclear(res);
    return rc;
}

static enum eg_status pg_rollback(struct eg_db *db)
{
    struct pg_db *c = conn(db);
    enum eg_status rc = EG_OK;

    if (!c->tx_open)
        return EG_OK;
    c->tx_open = 0;
    if (needs_reconnect(c))
        return EG_OK; /* the server rolled back when the session ended */
    rc = run_simple(c, "ROLLBACK", "rollback", NULL);
    return rc == EG_E_BUSY ? EG_OK : rc;
}

static const char *pg_errmsg(struct eg_db *db)
{
    struct pg_db *c = conn(db);
    return c->err[0] ? c->err : "no error";
}

static enum eg_status pg_backup(struct eg_db *db, const char *path)
{
    set_msg(conn(db),
            "online backup is not available on PostgreSQL: use pg_dump (see docs/deploy.md)");
    return EG_E_UNPROCESSABLE;
}

/*
 * SELECT 1, re-establishing the connection first when it was lost and once
 * more if the first try finds it gone.
 */
static enum eg_status pg_ping(struct eg_db *db)
{
    struct pg_db *c = conn(db);
    enum eg_status rc = EG_OK;

    for (int attempt = 0; attempt < 2; attempt++) {
        if (needs_reconnect(c)) {
            if (c->tx_open)
                return EG_E_BUSY;
            rc = reconnect(c);
            if (rc != EG_OK)
                continue;
        }
        rc = run_simple(c, "SELECT 1", "ping", NULL);
        if (rc == EG_OK || !c->broken)
            break;
    }
    return rc == EG_OK ? EG_OK : EG_E_UNAVAILABLE;
}

/*
 * A session advisory lock keyed by the 64-bit hash of name. Session level,
 * not transaction level: a migration runs as several transactions, and
 * under REPEATABLE READ a lock taken inside a transaction comes after its
 * snapshot, so the work it guards would not see what the previous holder
 * committed. It needs a direct connection (pgbouncer's transaction pooling
 * does not keep sessions), which docs/deploy.md asks for migrations and jobs:
 * with pool_mode=transaction it refuses.
 */
static enum eg_status pg_session_lock(struct eg_db *db, const char *name, int wait, int *got)
{
    struct pg_db *c = conn(db);
    const char *params[1] = {name};
    const char *sql = wait ? "SELECT pg_advisory_lock(hashtextextended($1, 0)), true"
                           : "SELECT pg_try_advisory_lock(hashtextextended($1, 0))";
    if (c->unnamed) {
        /* The pooler would keep the lock on a server connection we may never see again. */
        set_msg(c, "a session lock needs a direct connection: drop pool_mode=transaction from "
                   "the URL of migrations and daily jobs");
        return EG_E_UNPROCESSABLE;
    }
    if (needs_reconnect(c) && reconnect(c) != EG_OK)
        return EG_E_UNAVAILABLE;
    PGresult *res = PQexecParams(c->pg, sql, 1, NULL, params, NULL, NULL, 0);
    enum eg_status rc = EG_OK;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        rc = map_error(c, res, "advisory lock");
    else
        *got = strcmp(PQgetvalue(res, 0, wait ? 1 : 0), "t") == 0;
    PQclear(res);
    return rc;
}

static void pg_session_unlock(struct eg_db *db, const char *name)
{
    struct pg_db *c = conn(db);
    const char *params[1] = {name};
    PQclear(PQexecParams(c->pg, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", 1, NULL,
                         params, NULL, NULL, 0));
}

const struct eg_db_driver eg_db_pg_driver = {
    .name = "postgres",
    .engine = EG_DB_POSTGRES,
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_i64 = pg_bind_i64,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .column_count = pg_column_count,
    .is_null = pg_is_null,
    .col_i64 = pg_col_i64,
    .col_text = pg_col_text,
    .done = pg_done,
    .changes = pg_changes,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .errmsg = pg_errmsg,
    .backup = pg_backup,
    .ping = pg_ping,
    .session_lock = pg_session_lock,
    .session_unlock = pg_session_unlock,
};
