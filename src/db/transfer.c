/*
 * transfer.c — copy a whole deployment from one database into another,
 * across engines (SQLite ⇄ PostgreSQL), and PostgreSQL sequence repair.
 *
 * The tables come from the source's own catalogue (sqlite_master and the
 * table_info/foreign_key_list pragmas; information_schema and pg_catalog),
 * never from a list kept here, so a new migration's tables move without a
 * change to this file. The copy order puts referenced tables first; a
 * foreign key to the same table (departments.parent_id) or one that closes
 * a cycle is inserted as NULL and filled in once every row is there.
 * Rows are read page by page in primary-key order (keyset paging) inside
 * one read transaction on the source, and written as multi-row INSERTs,
 * one transaction per page, on the target. Values travel as text, integer
 * columns as integers, so both engines store exactly what the other had —
 * which is what keeps the audit trail's hash chain verifiable after a move.
 */
#include "db/transfer.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"

#define MAX_TABLES    512
#define MAX_COLUMNS   256
#define PAGE_ROWS     2000 /* rows per page read and per target transaction */
#define INSERT_PARAMS 900  /* most parameters in one multi-row INSERT */
#define INSERT_ROWS   100  /* most rows in one INSERT */
#define SQL_CAP       (1u * 1024 * 1024)

struct column {
    const char *name;
    const char *quoted; /* "name" */
    int is_int;         /* an integer type: values bound as integers */
    int notnull;
    int deferred; /* a foreign key filled in after every row is in */
};

struct fkey {
    const char *column;
    const char *ref; /* the referenced table */
};

struct table {
    const char *name;
    const char *quoted;
    struct column *cols;
    int ncols;
    int *pk; /* column indexes of the primary key, in key order */
    int npk;
    struct fkey *fks;
    int nfks;
    int placed; /* position in the copy order, -1 until placed */
    int ndeferred;
    int64_t rows;
};

struct schema {
    struct eg_arena *mem;
    struct table *tables;
    int n;
    int *order; /* indexes into tables, referenced tables first */
};

/* One page of rows: ncols cells per row, NULL for SQL NULL. */
struct page {
    struct eg_arena *mem;
    const char **cells;
    int nrows;
};

struct insert_ctx {
    const struct table *t;
    const struct page *pg;
    struct eg_buf *sql;
};

struct update_ctx {
    const struct table *t;
    const struct page *pg; /* cells: the key, then the deferred columns */
    struct eg_buf *sql;
};

static void fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* An identifier in double quotes (valid on both engines), quotes doubled. */
static const char *quote_ident(struct eg_arena *mem, const char *name)
{
    size_t n = strlen(name), k = 0;
    char *q = eg_arena_alloc(mem, 2 * n + 3);
    if (!q)
        return NULL;
    q[k++] = '"';
    for (const char *p = name; *p; p++) {
        if (*p == '"')
            q[k++] = '"';
        q[k++] = *p;
    }
    q[k++] = '"';
    q[k] = '\0';
    return q;
}

/* Whether a declared column type is an integer type (SQLite's rule: contains "INT"). */
static int is_int_type(const char *type)
{
    for (const char *p = type; *p; p++)
        if (strncasecmp(p, "int", 3) == 0)
            return 1;
    return 0;
}

static struct table *find_table(struct schema *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->tables[i].name, name) == 0)
            return &s->tables[i];
    return NULL;
}

static int find_column(const struct table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return i;
    return -1;
}

/* The names of the base tables, sorted (internal SQLite tables left out). */
static enum eg_status load_table_names(struct eg_db *db, struct schema *s)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    if (eg_db_engine_of(db) == EG_DB_SQLITE)
        rc = eg_db_query(db, &st,
                         "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                         "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                         "");
    else
        rc = eg_db_query(db, &st,
                         "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                         "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
                         "");
    while (eg_db_next(st, &rc)) {
        if (s->n >= MAX_TABLES) {
            rc = EG_E_TOO_LARGE;
            break;
        }
        struct table *t = &s->tables[s->n++];
        t->name = eg_arena_strdup(s->mem, eg_stmt_text(st, 0));
        t->quoted = t->name ? quote_ident(s->mem, t->name) : NULL;
        t->placed = -1;
        if (!t->quoted)
            rc = EG_E_INTERNAL;
    }
    eg_stmt_done(st);
    return rc;
}

/* Columns, primary key and foreign keys of t. */
static enum eg_status load_table(struct eg_db *db, struct schema *s, struct table *t)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;
    int sqlite = eg_db_engine_of(db) == EG_DB_SQLITE;
    int pkorder[MAX_COLUMNS] = {0};

    t->cols = eg_arena_alloc(s->mem, MAX_COLUMNS * sizeof *t->cols);
    t->pk = eg_arena_alloc(s->mem, MAX_COLUMNS * sizeof *t->pk);
    t->fks = eg_arena_alloc(s->mem, MAX_COLUMNS * sizeof *t->fks);
    if (!t->cols || !t->pk || !t->fks)
        return EG_E_INTERNAL;

    if (sqlite)
        rc = eg_db_query(
            db, &st, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid",
            "t", t->name);
    else
        rc = eg_db_query(db, &st,
                         "SELECT column_name, CASE WHEN data_type IN ('bigint', 'integer', "
                         "'smallint') THEN 'INTEGER' ELSE data_type END, CASE WHEN is_nullable = "
                         "'NO' THEN 1 ELSE "
                         "0 END, 0 FROM information_schema.columns WHERE table_schema = "
                         "current_schema() AND table_name = ? ORDER BY ordinal_position",
                         "t", t->name);
    while (eg_db_next(st, &rc)) {
        if (t->ncols >= MAX_COLUMNS) {
            rc = EG_E_TOO_LARGE;
            break;
        }
        struct column *c = &t->cols[t->ncols];
        c->name = eg_arena_strdup(s->mem, eg_stmt_text(st, 0));
        c->quoted = c->name ? quote_ident(s->mem, c->name) : NULL;
        c->is_int = is_int_type(eg_stmt_text(st, 1));
        c->notnull = eg_stmt_i64(st, 2) != 0;
        pkorder[t->ncols] = (int)eg_stmt_i64(st, 3);
        if (!c->quoted)
            rc = EG_E_INTERNAL;
        t->ncols++;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;

    /* Primary key, in key order. */
    if (sqlite) {
        for (int k = 1; k <= t->ncols; k++)
            for (int i = 0; i < t->ncols; i++)
                if (pkorder[i] == k)
                    t->pk[t->npk++] = i;
        rc = EG_OK;
    } else {
        rc = eg_db_query(db, &st,
                         "SELECT a.attname FROM pg_index i "
                         "JOIN pg_class cl ON cl.oid = i.indrelid "
                         "JOIN pg_namespace n ON n.oid = cl.relnamespace "
                         "JOIN pg_attribute a ON a.attrelid = i.indrelid "
                         "AND a.attnum = ANY (i.indkey) "
                         "WHERE i.indisprimary AND n.nspname = current_schema() AND cl.relname = ? "
                         "ORDER BY array_position(i.indkey::int2[], a.attnum)",
                         "t", t->name);
        while (eg_db_next(st, &rc)) {
            int col = find_column(t, eg_stmt_text(st, 0));
            if (col >= 0 && t->npk < MAX_COLUMNS)
                t->pk[t->npk++] = col;
        }
        eg_stmt_done(st);
        if (rc != EG_OK)
            return rc;
        rc = EG_OK;
    }

    /* Foreign keys: (column, referenced table). */
    if (sqlite)
        rc = eg_db_query(db, &st, "SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?)", "t",
                         t->name);
    else
        rc =
            eg_db_query(db, &st,
                        "SELECT a.attname, rf.relname FROM pg_constraint c "
                        "JOIN pg_class cl ON cl.oid = c.conrelid "
                        "JOIN pg_namespace n ON n.oid = cl.relnamespace "
                        "JOIN pg_class rf ON rf.oid = c.confrelid "
                        "JOIN pg_attribute a ON a.attrelid = c.conrelid "
                        "AND a.attnum = ANY (c.conkey) "
                        "WHERE c.contype = 'f' AND n.nspname = current_schema() AND cl.relname = ?",
                        "t", t->name);
    while (eg_db_next(st, &rc)) {
        if (t->nfks >= MAX_COLUMNS)
            continue;
        t->fks[t->nfks].column = eg_arena_strdup(s->mem, eg_stmt_text(st, 0));
        t->fks[t->nfks].ref = eg_arena_strdup(s->mem, eg_stmt_text(st, 1));
        if (!t->fks[t->nfks].column || !t->fks[t->nfks].ref)
            rc = EG_E_INTERNAL;
        t->nfks++;
    }
    eg_stmt_done(st);
    return rc;
}

static enum eg_status load_schema(struct eg_db *db, struct schema *s)
{
    enum eg_status rc;

    s->mem = eg_arena_new();
    if (!s->mem)
        return EG_E_INTERNAL;
    s->tables = eg_arena_alloc(s->mem, MAX_TABLES * sizeof *s->tables);
    s->order = eg_arena_alloc(s->mem, MAX_TABLES * sizeof *s->order);
    if (!s->tables || !s->order)
        return EG_E_INTERNAL;
    rc = load_table_names(db, s);
    for (int i = 0; rc == EG_OK && i < s->n; i++)
        rc = load_table(db, s, &s->tables[i]);
    return rc;
}

/*
 * Whether every table t references (other than itself) is placed, or would
 * be once the nullable references to unplaced tables are deferred (when
 * allow_defer is set).
 */
static int ready(struct schema *s, struct table *t, int allow_defer)
{
    for (int k = 0; k < t->nfks; k++) {
        struct table *ref = find_table(s, t->fks[k].ref);
        if (!ref || ref == t || ref->placed >= 0)
            continue;
        int col = find_column(t, t->fks[k].column);
        if (!allow_defer || col < 0 || t->cols[col].notnull || t->npk != 1)
            return 0;
    }
    return 1;
}

/*
 * Put the tables in copy order: a table after every table it references.
 * A cycle is broken at the first table (by name) whose references into it
 * are nullable; those columns, and nullable references to the table itself,
 * are deferred. A cycle through NOT NULL columns cannot be copied.
 */
static enum eg_status order_tables(struct schema *s, char *err, size_t errlen)
{
    for (int placed = 0; placed < s->n; placed++) {
        struct table *next = NULL;
        for (int pass = 0; pass < 2 && !next; pass++)
            for (int i = 0; i < s->n && !next; i++)
                if (s->tables[i].placed < 0 && ready(s, &s->tables[i], pass))
                    next = &s->tables[i];
        if (!next) {
            fail(err, errlen, "the foreign keys form a cycle through NOT NULL columns");
            return EG_E_CONFLICT;
        }
        for (int k = 0; k < next->nfks; k++) {
            struct table *ref = find_table(s, next->fks[k].ref);
            int col = find_column(next, next->fks[k].column);
            if (!ref || col < 0 || next->cols[col].deferred)
                continue;
            if ((ref == next || ref->placed < 0) && !next->cols[col].notnull && next->npk == 1) {
                next->cols[col].deferred = 1;
                next->ndeferred++;
            }
        }
        next->placed = placed;
        s->order[placed] = (int)(next - s->tables);
    }
    return EG_OK;
}

/* The target must have the same tables with the same columns. */
static enum eg_status same_shape(struct schema *from, struct schema *to, char *err, size_t errlen)
{
    if (from->n != to->n) {
        fail(err, errlen, "the source has %d tables and the target %d: different schemas", from->n,
             to->n);
        return EG_E_CONFLICT;
    }
    for (int i = 0; i < from->n; i++) {
        const struct table *a = &from->tables[i];
        const struct table *b = find_table(to, a->name);
        if (!b) {
            fail(err, errlen, "table %s is missing from the target", a->name);
            return EG_E_CONFLICT;
        }
        if (a->ncols != b->ncols) {
            fail(err, errlen, "table %s has %d columns in the source and %d in the target", a->name,
                 a->ncols, b->ncols);
            return EG_E_CONFLICT;
        }
        for (int c = 0; c < a->ncols; c++)
            if (find_column(b, a->cols[c].name) < 0) {
                fail(err, errlen, "column %s.%s is missing from the target", a->name,
                     a->cols[c].name);
                return EG_E_CONFLICT;
            }
    }
    return EG_OK;
}

/*
 * "SELECT cols FROM t [WHERE (key…) > (?…)] ORDER BY key… LIMIT ?" into sql
 * (keyset paging, also for composite keys: row values compare on both
 * engines); a table without a primary key pages with OFFSET.
 */
static enum eg_status page_sql(const struct table *t, int only_deferred, int after,
                               struct eg_buf *sql)
{
    enum eg_status rc = EG_OK;
    int first = 1;

    eg_buf_reset(sql);
    rc = eg_buf_puts(sql, "SELECT ");
    if (only_deferred) {
        rc = eg_buf_puts(sql, t->cols[t->pk[0]].quoted);
        first = 0;
    }
    for (int c = 0; rc == EG_OK && c < t->ncols; c++) {
        if (only_deferred && !t->cols[c].deferred)
            continue;
        rc = eg_buf_printf(sql, "%s%s", first ? "" : ", ", t->cols[c].quoted);
        first = 0;
    }
    if (rc == EG_OK)
        rc = eg_buf_printf(sql, " FROM %s", t->quoted);
    if (rc == EG_OK && after) {
        rc = eg_buf_puts(sql, t->npk > 1 ? " WHERE (" : " WHERE ");
        for (int k = 0; rc == EG_OK && k < t->npk; k++)
            rc = eg_buf_printf(sql, "%s%s", k ? ", " : "", t->cols[t->pk[k]].quoted);
        if (rc == EG_OK)
            rc = eg_buf_puts(sql, t->npk > 1 ? ") > (" : " > ");
        for (int k = 0; rc == EG_OK && k < t->npk; k++)
            rc = eg_buf_puts(sql, k ? ", ?" : "?");
        if (rc == EG_OK && t->npk > 1)
            rc = eg_buf_puts(sql, ")");
    }
    if (rc == EG_OK)
        rc = eg_buf_puts(sql, " ORDER BY ");
    if (t->npk > 0) {
        for (int k = 0; rc == EG_OK && k < t->npk; k++)
            rc = eg_buf_printf(sql, "%s%s", k ? ", " : "", t->cols[t->pk[k]].quoted);
    } else {
        for (int c = 0; rc == EG_OK && c < t->ncols; c++)
            rc = eg_buf_printf(sql, "%s%d", c ? ", " : "", c + 1);
    }
    if (rc == EG_OK)
        rc = eg_buf_puts(sql, t->npk > 0 ? " LIMIT ?" : " LIMIT ? OFFSET ?");
    return rc;
}

/* Bind one value of column c as the driver likes it: integers as integers. */
static enum eg_status bind_value(struct eg_stmt *st, int idx, const struct column *c, const char *v)
{
    const struct eg_db_driver *d = st->driver;
    if (!v)
        return d->bind_null(st, idx);
    if (c && c->is_int) {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno == 0 && end != v && *end == '\0')
            return d->bind_i64(st, idx, (int64_t)n);
    }
    return d->bind_text(st, idx, v, strlen(v));
}

/*
 * Read one page of t from db into pg: all columns, or (only_deferred) the
 * key and the deferred columns. *last (in/out) is the last row read (its
 * cells, in the previous page's memory), NULL before the first page; offset
 * counts the rows read so far, for tables without a primary key.
 */
static enum eg_status read_page(struct eg_db *db, const struct table *t, int only_deferred,
                                const char ***last, int64_t offset, struct page *pg,
                                struct eg_buf *sql)
{
    const struct eg_db_driver *d = eg_db_driver_of(db);
    struct eg_stmt *st = NULL;
    int keyset = t->npk > 0;
    int width = only_deferred ? 1 + t->ndeferred : t->ncols;
    int idx = 1;
    enum eg_status rc = page_sql(t, only_deferred, keyset && *last, sql);

    if (rc == EG_OK)
        rc = d->prepare(db, sql->data, &st);
    for (int k = 0; rc == EG_OK && keyset && *last && k < t->npk; k++)
        rc = bind_value(st, idx++, &t->cols[t->pk[k]], (*last)[only_deferred ? 0 : t->pk[k]]);
    if (rc == EG_OK)
        rc = d->bind_i64(st, idx++, PAGE_ROWS);
    if (rc == EG_OK && !keyset)
        rc = d->bind_i64(st, idx++, offset);
    pg->nrows = 0;
    pg->cells = eg_arena_alloc(pg->mem, (size_t)PAGE_ROWS * (size_t)width * sizeof *pg->cells);
    if (rc == EG_OK && !pg->cells)
        rc = EG_E_INTERNAL;
    while ((rc == EG_OK || rc == EG_ROW) && (rc = d->step(st)) == EG_ROW) {
        const char **row = pg->cells + (size_t)pg->nrows * (size_t)width;
        for (int c = 0; c < width && rc == EG_ROW; c++) {
            size_t len = 0;
            const char *v = d->col_text(st, c, &len);
            if (d->is_null(st, c)) {
                row[c] = NULL;
                continue;
            }
            row[c] = eg_arena_strndup(pg->mem, v ? v : "", v ? len : 0);
            if (!row[c])
                rc = EG_E_INTERNAL;
        }
        if (rc != EG_ROW)
            break;
        pg->nrows++;
    }
    if (st)
        d->done(st);
    if (rc != EG_DONE)
        return rc;
    if (pg->nrows > 0)
        *last = pg->cells + (size_t)(pg->nrows - 1) * (size_t)width;
    return EG_OK;
}

/* "INSERT INTO t (cols) VALUES (?, …), (?, …)" for n rows. */
static enum eg_status insert_sql(const struct table *t, int n, struct eg_buf *sql)
{
    enum eg_status rc;
    eg_buf_reset(sql);
    rc = eg_buf_printf(sql, "INSERT INTO %s (", t->quoted);
    for (int c = 0; rc == EG_OK && c < t->ncols; c++)
        rc = eg_buf_printf(sql, "%s%s", c ? ", " : "", t->cols[c].quoted);
    if (rc == EG_OK)
        rc = eg_buf_puts(sql, ") VALUES ");
    for (int r = 0; rc == EG_OK && r < n; r++) {
        rc = eg_buf_puts(sql, r ? ", (" : "(");
        for (int c = 0; rc == EG_OK && c < t->ncols; c++)
            rc = eg_buf_puts(sql, c ? ", ?" : "?");
        if (rc == EG_OK)
            rc = eg_buf_puts(sql, ")");
    }
    return rc;
}

/* One page into the target, in multi-row INSERTs (run inside eg_db_tx). */
static enum eg_status insert_page(struct eg_db *db, void *arg)
{
    struct insert_ctx *x = arg;
    const struct table *t = x->t;
    const struct eg_db_driver *d = eg_db_driver_of(db);
    int per = INSERT_PARAMS / (t->ncols > 0 ? t->ncols : 1);
    enum eg_status rc = EG_OK;

    if (per < 1)
        per = 1;
    if (per > INSERT_ROWS)
        per = INSERT_ROWS;
    for (int r0 = 0; rc == EG_OK && r0 < x->pg->nrows; r0 += per) {
        int n = x->pg->nrows - r0 < per ? x->pg->nrows - r0 : per;
        struct eg_stmt *st = NULL;
        int idx = 1;
        rc = insert_sql(t, n, x->sql);
        if (rc == EG_OK)
            rc = d->prepare(db, x->sql->data, &st);
        for (int r = r0; rc == EG_OK && r < r0 + n; r++) {
            const char **row = x->pg->cells + (size_t)r * (size_t)t->ncols;
            for (int c = 0; rc == EG_OK && c < t->ncols; c++)
                rc = bind_value(st, idx++, &t->cols[c], t->cols[c].deferred ? NULL : row[c]);
        }
        if (rc == EG_OK) {
            rc = d->step(st);
            rc = rc == EG_DONE ? EG_OK : rc;
        }
        if (st)
            d->done(st);
    }
    return rc;
}

/* Fill in the deferred columns of one page of rows (run inside eg_db_tx). */
static enum eg_status update_page(struct eg_db *db, void *arg)
{
    struct update_ctx *x = arg;
    const struct table *t = x->t;
    const struct eg_db_driver *d = eg_db_driver_of(db);
    int width = 1 + t->ndeferred;
    enum eg_status rc = EG_OK;
    int first = 1;

    eg_buf_reset(x->sql);
    rc = eg_buf_printf(x->sql, "UPDATE %s SET ", t->quoted);
    for (int c = 0; rc == EG_OK && c < t->ncols; c++) {
        if (!t->cols[c].deferred)
            continue;
        rc = eg_buf_printf(x->sql, "%s%s = ?", first ? "" : ", ", t->cols[c].quoted);
        first = 0;
    }
    if (rc == EG_OK)
        rc = eg_buf_printf(x->sql, " WHERE %s = ?", t->cols[t->pk[0]].quoted);
    for (int r = 0; rc == EG_OK && r < x->pg->nrows; r++) {
        const char **row = x->pg->cells + (size_t)r * (size_t)width;
        int any = 0, idx = 1, k = 1;
        for (int j = 1; j < width; j++)
            any |= row[j] != NULL;
        if (!any)
            continue;
        struct eg_stmt *st = NULL;
        rc = d->prepare(db, x->sql->data, &st);
        for (int c = 0; rc == EG_OK && c < t->ncols; c++)
            if (t->cols[c].deferred)
                rc = bind_value(st, idx++, &t->cols[c], row[k++]);
        if (rc == EG_OK)
            rc = bind_value(st, idx, &t->cols[t->pk[0]], row[0]);
        if (rc == EG_OK) {
            rc = d->step(st);
            rc = rc == EG_DONE ? EG_OK : rc;
        }
        if (st)
            d->done(st);
    }
    return rc;
}

/* Copy every row of t, or (deferred) fill in its deferred columns. */
static enum eg_status copy_table(struct eg_db *from, struct eg_db *to, struct table *t,
                                 int deferred, struct eg_buf *sql, char *err, size_t errlen)
{
    enum eg_status rc = EG_OK;
    const char **last = NULL;
    struct eg_arena *keep = NULL; /* holds the page whose last row is in use */
    int64_t offset = 0;

    if (!deferred)
        t->rows = 0;
    for (;;) {
        struct page pg = {.mem = eg_arena_new()};
        if (!pg.mem) {
            rc = EG_E_INTERNAL;
            break;
        }
        rc = read_page(from, t, deferred, &last, offset, &pg, sql);
        if (rc != EG_OK) {
            fail(err, errlen, "reading %s from the source: %s", t->name, eg_db_errmsg(from));
            eg_arena_destroy(pg.mem);
            break;
        }
        if (pg.nrows > 0) {
            if (deferred) {
                struct update_ctx u = {.t = t, .pg = &pg, .sql = sql};
                rc = eg_db_tx(to, update_page, &u);
            } else {
                struct insert_ctx x = {.t = t, .pg = &pg, .sql = sql};
                rc = eg_db_tx(to, insert_page, &x);
            }
            if (rc != EG_OK) {
                fail(err, errlen, "writing %s to the target: %s", t->name, eg_db_errmsg(to));
                eg_arena_destroy(pg.mem);
                break;
            }
        }
        if (!deferred)
            t->rows += pg.nrows;
        offset += pg.nrows;
        eg_arena_destroy(keep);
        keep = pg.mem;
        if (pg.nrows < PAGE_ROWS)
            break;
    }
    eg_arena_destroy(keep);
    return rc;
}

static enum eg_status count_rows(struct eg_db *db, const struct table *t, struct eg_buf *sql,
                                 int64_t *n)
{
    enum eg_status rc;
    eg_buf_reset(sql);
    rc = eg_buf_printf(sql, "SELECT COUNT(*) FROM %s", t->quoted);
    if (rc == EG_OK)
        rc = eg_db_one_i64(db, n, sql->data, "");
    return rc;
}

/* Empty the target's tables (what the migrations seeded), children first. */
static enum eg_status clear_target(struct eg_db *db, void *arg)
{
    struct schema *s = arg;
    enum eg_status rc = EG_OK;
    char sql[600];

    for (int i = s->n - 1; rc == EG_OK && i >= 0; i--) {
        const struct table *t = &s->tables[s->order[i]];
        int64_t n = 0;
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", t->quoted);
        rc = eg_db_one_i64(db, &n, sql, "");
        if (rc != EG_OK || n == 0)
            continue;
        snprintf(sql, sizeof sql, "DELETE FROM %s", t->quoted);
        rc = eg_db_run(db, NULL, sql, "");
    }
    return rc;
}

/* A count from a table that may not exist (0 then). */
static int64_t count_if_table(struct eg_db *db, struct schema *s, const char *name)
{
    struct table *t = find_table(s, name);
    char sql[128];
    int64_t n = 0;
    if (!t)
        return 0;
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", t->quoted);
    if (eg_db_one_i64(db, &n, sql, "") != EG_OK)
        return -1;
    return n;
}

/* Check the schema versions, migrate the target and make sure it holds no deployment. */
static enum eg_status prepare_target(struct eg_db *from, struct eg_db *to, char *err, size_t errlen)
{
    int latest = eg_db_migrations_latest(), vfrom = 0, vto = 0, applied = 0;
    enum eg_status rc = eg_db_schema_version(from, &vfrom);

    if (rc != EG_OK) {
        fail(err, errlen, "reading the source's schema version: %s", eg_db_errmsg(from));
        return rc;
    }
    if (vfrom == 0) {
        fail(err, errlen, "the source holds no egret schema");
        return EG_E_UNPROCESSABLE;
    }
    if (vfrom != latest) {
        fail(err, errlen, "the source's schema is at version %d and this egret's at %d: %s", vfrom,
             latest,
             vfrom < latest ? "run 'egret migrate' on the source first" : "use a newer egret");
        return EG_E_UNPROCESSABLE;
    }
    rc = eg_db_migrate(to, &applied);
    if (rc == EG_OK)
        rc = eg_db_schema_version(to, &vto);
    if (rc != EG_OK) {
        fail(err, errlen, "migrating the target: %s", eg_db_errmsg(to));
        return rc;
    }
    if (vto != latest) {
        fail(err, errlen, "the target's schema is at version %d, expected %d", vto, latest);
        return EG_E_UNPROCESSABLE;
    }
    return EG_OK;
}

enum eg_status eg_db_transfer(struct eg_db *from, struct eg_db *to,
                              eg_db_transfer_progress progress, void *arg,
                              struct eg_db_transfer_stats *stats, char *err, size_t errlen)
{
    struct schema src = {0}, dst = {0};
    struct eg_buf sql;
    enum eg_status rc;
    int snapshot = 0;
    int64_t events = 0, users = 0;

    assert(from && to && from != to);
    eg_buf_init(&sql, SQL_CAP);
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (err && errlen)
        err[0] = '\0';

    rc = prepare_target(from, to, err, errlen);
    if (rc != EG_OK)
        goto out;

    /* One read transaction on the source: every table from the same moment. */
    rc = eg_db_driver_of(from)->begin(from);
    if (rc != EG_OK) {
        fail(err, errlen, "starting a read transaction on the source: %s", eg_db_errmsg(from));
        goto out;
    }
    snapshot = 1;

    rc = load_schema(from, &src);
    if (rc == EG_OK)
        rc = load_schema(to, &dst);
    if (rc != EG_OK) {
        fail(err, errlen, "reading the catalogues: %s", eg_db_errmsg(rc == EG_OK ? to : from));
        goto out;
    }
    rc = same_shape(&src, &dst, err, errlen);
    if (rc == EG_OK)
        rc = order_tables(&src, err, errlen);
    if (rc == EG_OK)
        rc = order_tables(&dst, err, errlen);
    if (rc != EG_OK)
        goto out;

    events = count_if_table(to, &dst, "audit_events");
    users = count_if_table(to, &dst, "users");
    if (events != 0 || users != 0) {
        fail(err, errlen,
             "the target already holds a deployment (%lld audit events, %lld users): "
             "transfer into a new, empty database",
             (long long)events, (long long)users);
        rc = EG_E_CONFLICT;
        goto out;
    }
    rc = eg_db_tx(to, clear_target, &dst);
    if (rc != EG_OK) {
        fail(err, errlen, "emptying the target's seeded tables: %s", eg_db_errmsg(to));
        goto out;
    }

    for (int i = 0; rc == EG_OK && i < src.n; i++) {
        struct table *t = &src.tables[src.order[i]];
        rc = copy_table(from, to, t, 0, &sql, err, errlen);
        if (rc == EG_OK) {
            eg_log(EG_LOG_DEBUG, "event=transfer_table table=%s rows=%lld", t->name,
                   (long long)t->rows);
            if (stats) {
                stats->tables++;
                stats->rows += t->rows;
            }
            if (progress)
                progress(arg, t->name, t->rows);
        }
    }
    for (int i = 0; rc == EG_OK && i < src.n; i++) {
        struct table *t = &src.tables[src.order[i]];
        if (t->ndeferred > 0) {
            eg_log(EG_LOG_DEBUG, "event=transfer_deferred table=%s columns=%d", t->name,
                   t->ndeferred);
            rc = copy_table(from, to, t, 1, &sql, err, errlen);
        }
    }
    if (rc != EG_OK)
        goto out;

    rc = eg_db_reset_sequences(to);
    if (rc != EG_OK) {
        fail(err, errlen, "moving the target's sequences: %s", eg_db_errmsg(to));
        goto out;
    }

    /* Every table holds what the source holds. */
    for (int i = 0; rc == EG_OK && i < src.n; i++) {
        struct table *t = &src.tables[i];
        int64_t a = -1, b = -1;
        rc = count_rows(from, t, &sql, &a);
        if (rc == EG_OK)
            rc = count_rows(to, t, &sql, &b);
        if (rc != EG_OK) {
            fail(err, errlen, "counting %s: %s", t->name, eg_db_errmsg(to));
        } else if (a != b || a != t->rows) {
            fail(err, errlen, "table %s: %lld rows in the source, %lld in the target", t->name,
                 (long long)a, (long long)b);
            rc = EG_E_DB;
        }
    }
out:
    if (snapshot)
        eg_db_driver_of(from)->rollback(from);
    eg_arena_destroy(src.mem);
    eg_arena_destroy(dst.mem);
    eg_buf_free(&sql);
    if (rc != EG_OK)
        eg_log(EG_LOG_ERROR, "event=transfer_failed status=%s reason=\"%s\"", eg_status_code(rc),
               err ? err : "");
    return rc;
}

enum eg_status eg_db_transfer_urls(const char *from_url, const char *to_url,
                                   eg_db_transfer_progress progress, void *arg,
                                   struct eg_db_transfer_stats *stats, char *err, size_t errlen)
{
    struct eg_db *from = NULL, *to = NULL;
    enum eg_status rc;

    if (strcmp(from_url, to_url) == 0) {
        fail(err, errlen, "the source and the target are the same database");
        return EG_E_INVALID_PARAMETER;
    }
    /* Opening a missing SQLite file would create an empty one: refuse first. */
    if (eg_db_driver_for(from_url)->engine == EG_DB_SQLITE && strncmp(from_url, "file:", 5) != 0 &&
        strcmp(from_url, ":memory:") != 0 && access(from_url, F_OK) != 0) {
        fail(err, errlen, "the source database file %s does not exist", from_url);
        return EG_E_NOT_FOUND;
    }
    rc = eg_db_open(from_url, &from);
    if (rc != EG_OK) {
        fail(err, errlen, "cannot open the source database");
        goto out;
    }
    rc = eg_db_open(to_url, &to);
    if (rc != EG_OK) {
        fail(err, errlen, "cannot open the target database");
        goto out;
    }
    rc = eg_db_transfer(from, to, progress, arg, stats, err, errlen);
out:
    eg_db_close(to);
    eg_db_close(from);
    return rc;
}

/*
 * Move one sequence past its column's largest value (the next value handed
 * out is max + 1, or 1 for an empty table).
 */
static enum eg_status reset_one(struct eg_db *db, const char *table, const char *column)
{
    struct eg_arena *mem = eg_arena_new();
    enum eg_status rc = EG_E_INTERNAL;
    const char *qt = mem ? quote_ident(mem, table) : NULL;
    const char *qc = mem ? quote_ident(mem, column) : NULL;
    char *sql = NULL;
    int64_t ignored = 0;

    if (!qt || !qc)
        goto out;
    sql = eg_arena_printf(mem,
                          "SELECT setval(pg_get_serial_sequence(?, ?), "
                          "COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)",
                          qc, qt);
    if (!sql)
        goto out;
    rc = eg_db_one_i64(db, &ignored, sql, "tt", qt, column);
out:
    eg_arena_destroy(mem);
    return rc;
}

enum eg_status eg_db_reset_sequences(struct eg_db *db)
{
    struct eg_stmt *st = NULL;
    struct eg_arena *mem = NULL;
    const char *names[MAX_TABLES * 2];
    int n = 0;
    enum eg_status rc;

    if (eg_db_engine_of(db) != EG_DB_POSTGRES)
        return EG_OK;
    mem = eg_arena_new();
    if (!mem)
        return EG_E_INTERNAL;
    rc = eg_db_query(db, &st,
                     "SELECT table_name, column_name FROM information_schema.columns "
                     "WHERE table_schema = current_schema() AND (is_identity = 'YES' OR "
                     "column_default LIKE 'nextval(%') ORDER BY table_name, column_name",
                     "");
    while (eg_db_next(st, &rc)) {
        if (n + 2 > MAX_TABLES * 2)
            continue;
        names[n] = eg_arena_strdup(mem, eg_stmt_text(st, 0));
        names[n + 1] = eg_arena_strdup(mem, eg_stmt_text(st, 1));
        if (!names[n] || !names[n + 1])
            rc = EG_E_INTERNAL;
        n += 2;
    }
    eg_stmt_done(st);
    for (int i = 0; rc == EG_OK && i < n; i += 2)
        rc = names[i] && names[i + 1] ? reset_one(db, names[i], names[i + 1]) : EG_E_INTERNAL;
    eg_arena_destroy(mem);
    return rc;
}
