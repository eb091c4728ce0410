/*
 * test_db_pg.c — the PostgreSQL driver against a real server: placeholder
 * rewriting, value round trips, numeric aggregates and booleans, parameters
 * whose type the server cannot infer, error mapping, serialization failures
 * and the retrying transaction helper, reconnection after the server drops
 * a session, the statement cache, migrations and the append-only audit table.
 *
 * Needs EGRET_TEST_PG_URL (a throwaway cluster's postgres:// URL, see
 * scripts/pg-cluster.sh); without it every test is skipped. The program
 * works in a database of its own, created at start and dropped at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"

struct fx {
    struct eg_db *db;
};

static char g_base[512]; /* EGRET_TEST_PG_URL */
static char g_url[600];  /* the test database */
static char g_name[64];

/* base URL with its database name replaced by name. */
static void url_for(char *out, size_t n, const char *base, const char *name)
{
    const char *slash = strrchr(base, '/');
    const char *query = strchr(slash ? slash : base, '?');
    int head = slash ? (int)(slash - base) : (int)strlen(base);
    snprintf(out, n, "%.*s/%s%s", head, base, name, query ? query : "");
}

static int group_setup(void **state)
{
    const char *base = getenv("EGRET_TEST_PG_URL");
    struct eg_db *admin = NULL;
    char sql[128];

    (void)state;
    if (!base || !*base)
        return 0;
    snprintf(g_base, sizeof g_base, "%s", base);
    snprintf(g_name, sizeof g_name, "egret_unit_%ld_%ld", (long)getpid(), (long)time(NULL));
    url_for(g_url, sizeof g_url, g_base, g_name);
    if (eg_db_open(g_base, &admin) != EG_OK)
        return -1;
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", g_name);
    enum eg_status rc = eg_db_exec(admin, sql);
    eg_db_close(admin);
    return rc == EG_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    struct eg_db *admin = NULL;
    char sql[128];

    (void)state;
    if (!g_base[0])
        return 0;
    if (eg_db_open(g_base, &admin) != EG_OK)
        return -1;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", g_name);
    eg_db_exec(admin, sql);
    eg_db_close(admin);
    return 0;
}

static int setup(void **state)
{
    struct fx *f;
    if (!g_base[0]) {
        *state = NULL;
        return 0;
    }
    f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(eg_db_open(g_url, &f->db), EG_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f) {
        eg_db_close(f->db);
        free(f);
    }
    return 0;
}

#define NEED_PG(state)                                                                             \
    do {                                                                                           \
        if (!*(state)) {                                                                           \
            skip();                                                                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static int64_t one(struct eg_db *db, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(eg_db_one_i64(db, &n, sql, ""), EG_OK);
    return n;
}

static void test_open_and_session(void **state)
{
    NEED_PG(state);
    struct fx *f = *state;
    struct eg_stmt *st = NULL;
    struct eg_db *bad = NULL;

    assert_int_equal(eg_db_engine_of(f->db), EG_DB_POSTGRES);
    assert_int_equal(eg_db_query(f->db, &st,
                                 "SELECT current_setting('TimeZone'), "
                                 "current_setting('client_encoding'), "
                                 "current_setting('default_transaction_isolation')",
                                 ""),
                     EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_string_equal(eg_stmt_text(st, 0), "UTC");
    assert_string_equal(eg_stmt_text(st, 1), "UTF8");
    assert_string_equal(eg_stmt_text(st, 2), "read committed");
    assert_int_equal(eg_stmt_step(st), EG_DONE);
    eg_stmt_done(st);

    /* Inside a write transaction: REPEATABLE READ. */
    assert_int_equal(eg_db_driver_of(f->db)->begin(f->db), EG_OK);
    assert_int_equal(eg_db_query(f->db, &st, "SELECT current_setting('transaction_isolation')", ""),
                     EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_string_equal(eg_stmt_text(st, 0), "repeatable read");
    eg_stmt_done(st);
    assert_int_equal(eg_db_driver_of(f->db)->commit(f->db), EG_OK);

    /* A server that is not there: an error, not a hang or a crash. */
    assert_int_not_equal(eg_db_open("postgres://egret@127.0.0.1:1/none?connect_timeout=2", &bad),
                         EG_OK);
    assert_null(bad);

    assert_int_equal(eg_db_driver_of(f->db)->ping(f->db), EG_OK);
    assert_int_equal(eg_db_backup(f->db, "/tmp/x.db"), EG_E_UNPROCESSABLE);
    assert_non_null(strstr(eg_db_errmsg(f->db), "pg_dump"));
}

static void test_placeholders(void **state)
{
    NEED_PG(state);
    struct fx *f = *state;
    struct eg_stmt *st = NULL;

    assert_int_equal(eg_db_exec(f->db, "CREATE TABLE ph (\"a?b\" TEXT, v BIGINT)"), EG_OK);
    assert_int_equal(
        eg_db_run(f->db, NULL, "INSERT INTO ph (\"a?b\", v) VALUES (?, ?)", "ti", "x?", (int64_t)5),
        EG_OK);
    assert_int_equal(eg_db_query(f->db, &st,
                                 "SELECT '?', 'it''s ?', ? /* ? /* nested ? */ ? */, "
                                 "$$ ? $$, $q$ ?'? $q$, E'\\'?', \"a?b\", -- ? here\n"
                                 " v + ? FROM ph WHERE \"a?b\" = ?",
                                 "tit", "p1", (int64_t)10, "x?"),
                     EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_int_equal(eg_stmt_columns(st), 8);
    assert_string_equal(eg_stmt_text(st, 0), "?");
    assert_string_equal(eg_stmt_text(st, 1), "it's ?");
    assert_string_equal(eg_stmt_text(st, 2), "p1");
    assert_string_equal(eg_stmt_text(st, 3), " ? ");
    assert_string_equal(eg_stmt_text(st, 4), " ?'? ");
    assert_string_equal(eg_stmt_text(st, 5), "'?");
    assert_string_equal(eg_stmt_text(st, 6), "x?");
    assert_int_equal(eg_stmt_i64(st, 7), 15);
    assert_int_equal(eg_stmt_step(st), EG_DONE);
    eg_stmt_done(st);
}

static void test_values(void **state)
{
    NEED_PG(state);
    struct fx *f = *state;
    struct eg_stmt *st = NULL;
    size_t len = 0;
    const char *zh = "厦门市 — 鹭岛";

    assert_int_equal(eg_db_exec(f->db, "CREATE TABLE val (id BIGINT GENERATED BY DEFAULT AS "
                                       "IDENTITY PRIMARY KEY, n BIGINT, s TEXT, d TEXT)"),
                     EG_OK);
    assert_int_equal(
        eg_db_run(f->db, NULL, "INSERT INTO val (n, s, d) VALUES (?, ?, ?)", "itn", INT64_MIN, zh),
        EG_OK);
    assert_int_equal(eg_db_run(f->db, NULL, "INSERT INTO val (n, s, d) VALUES (?, ?, ?)", "ibt",
                               INT64_MAX, "abcdef", (size_t)3, (const char *)NULL),
                     EG_OK);
    assert_int_equal(eg_db_query(f->db, &st, "SELECT n, s, d FROM val ORDER BY id", ""), EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_true(eg_stmt_i64(st, 0) == INT64_MIN);
    assert_string_equal(eg_stmt_text_len(st, 1, &len), zh);
    assert_int_equal(len, strlen(zh));
    assert_true(eg_stmt_is_null(st, 2));
    assert_false(eg_stmt_is_null(st, 1));
    assert_string_equal(eg_stmt_text(st, 2), "");
    assert_int_equal(eg_stmt_i64(st, 2), 0);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_true(eg_stmt_i64(st, 0) == INT64_MAX);
    assert_string_equal(eg_stmt_text(st, 1), "abc");
    assert_true(eg_stmt_is_null(st, 2));
    assert_int_equal(eg_stmt_step(st), EG_DONE);
    assert_int_equal(eg_stmt_step(st), EG_DONE);
    eg_stmt_done(st);

    /* Aggregates: SUM of BIGINT is numeric, AVG has decimals, booleans are 1/0. */
    assert_int_equal(eg_db_exec(f->db, "CREATE TABLE agg (v BIGINT); INSERT INTO agg VALUES "
                                       "(9000000000000000000), (-8999999999999999999), (2)"),
                     EG_OK);
    assert_int_equal(one(f->db, "SELECT SUM(v) FROM agg"), 3);
    assert_int_equal(one(f->db, "SELECT SUM(v) FROM agg WHERE v > 0"), 9000000000000000002LL);
    assert_int_equal(one(f->db, "SELECT SUM(v) FROM agg WHERE v < 0"), -8999999999999999999LL);
    assert_int_equal(one(f->db, "SELECT SUM(v) FROM agg WHERE v = 12345"), 0);
    assert_int_equal(one(f->db, "SELECT AVG(v) FROM agg WHERE v = 2"), 2);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM agg"), 3);
    assert_int_equal(one(f->db, "SELECT 7 / 2"), 3);
    assert_int_equal(one(f->db, "SELECT SUM(v) * 10 FROM agg WHERE v > 0"), INT64_MAX);
    assert_int_equal(one(f->db, "SELECT SUM(v) * 10 FROM agg WHERE v < 0"), INT64_MIN);
    assert_int_equal(one(f->db, "SELECT 2 > 1"), 1);
    assert_int_equal(one(f->db, "SELECT EXISTS (SELECT 1 FROM agg WHERE v = 3)"), 0);
    assert_int_equal(one(f->db, "SELECT 'abc'"), 0);
    assert_int_equal(one(f->db, "SELECT '12x'"), 0);
    assert_int_equal(eg_db_query(f->db, &st, "SELECT 1 < 2, 1 > 2", ""), EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_string_equal(eg_stmt_text(st, 0), "1");
    assert_string_equal(eg_stmt_text(st, 1), "0");
    eg_stmt_done(st);

    /* Text PostgreSQL cannot hold. */
    assert_int_equal(
        eg_db_run(f->db, NULL, "INSERT INTO val (s) VALUES (?)", "b", "a\0b", (size_t)3),
        EG_E_INVALID_FIELD);
    assert_int_equal(eg_db_run(f->db, NULL, "INSERT INTO val (s) VALUES (?)", "t", "bad \xff utf8"),
                     EG_E_BAD_UTF8);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM val"), 2);

    /* Bind index out of range. */
    assert_int_equal(eg_db_query(f->db, &st, "SELECT ?", "ii", (int64_t)1, (int64_t)2), EG_E_DB);
    assert_null(st);
}

/* Parameters the server cannot type on its own (`? IS NULL`), in and out of a transaction. */
struct isnull_ctx {
    int64_t n_all, n_one;
};

static enum eg_status isnull_tx(struct eg_db *db, void *arg)
{
    struct isnull_ctx *c = arg;
    enum eg_status rc;
    rc = eg_db_one_i64(db, &c->n_all,
                       "SELECT COUNT(*) FROM opt WHERE (? IS NULL OR name = ?) AND "
                       "(? IS NULL OR at >= ?)",
                       "nnnn");
    if (rc == EG_OK)
        rc = eg_db_one_i64(db, &c->n_one,
                           "SELECT COUNT(*) FROM opt WHERE (? IS NULL OR kind = ?) AND "
                           "(? IS NULL OR at >= ?)",
                           "ttii", "b", "b", (int64_t)1, (int64_t)1);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL, "INSERT INTO opt (name, kind, at) VALUES (?, ?, ?)", "tti", "z",
                       "c", (int64_t)9);
    /* An unknown in a CASE resolves to text: the integer column needs the bound type. */
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO opt (name, kind, at, grade) VALUES (?, ?, ?, "
                       "CASE WHEN ? = 1 THEN ? END)",
                       "ttiii", "g", "d", (int64_t)10, (int64_t)1, (int64_t)4);
    return rc;
}

static void test_undetermined_parameters(void **state)
{
    NEED_PG(state);
    struct fx *f = *state;
    struct isnull_ctx c = {0};
    int64_t n = -1;

    assert_int_equal(
        eg_db_exec(f->db, "CREATE TABLE opt (name TEXT, kind TEXT, at BIGINT, grade INTEGER); "
                          "INSERT INTO opt VALUES ('x', 'a', 1), ('y', 'b', 2)"),
        EG_OK);
    /* First seen inside a transaction: the transaction must survive. */
    assert_int_equal(eg_db_tx(f->db, isnull_tx, &c), EG_OK);
    assert_int_equal(c.n_all, 2);
    assert_int_equal(c.n_one, 1);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM opt"), 4);
    assert_int_equal(one(f->db, "SELECT grade FROM opt WHERE name = 'g'"), 4);
    /* Again, with other values for the same text (now cached). */
    assert_int_equal(eg_db_one_i64(f->db, &n,
                                   "SELECT COUNT(*) FROM opt WHERE (? IS NULL OR name = ?) AND "
                                   "(? IS NULL OR at >= ?)",
                                   "ttii", "y", "y", (int64_t)2, (int64_t)2),
                     EG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(eg_db_one_i64(f->db, &n,
                                   "SELECT COUNT(*) FROM opt WHERE (? IS NULL OR kind = ?) AND "
                                   "(? IS NULL OR at >= ?)",
                                   "nnnn"),
                     EG_OK);
    assert_int_equal(n, 4);
    /* A text compared with an integer column still infers the column's type. */
    assert_int_equal(eg_db_run(f->db, NULL,
                               "INSERT INTO opt (name, kind, at, grade) VALUES (?, ?, ?, "
                               "CASE WHEN ? = 1 THEN ? END)",
                               "ttiii", "h", "d", (int64_t)11, (int64_t)0, (int64_t)5),
                     EG_OK);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM opt WHERE name = 'h' AND grade IS NULL"), 1);
    assert_int_equal(eg_db_one_i64(f->db, &n, "SELECT COUNT(*) FROM opt WHERE at = ?", "t", "9"),
                     EG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(
        eg_db_one_i64(f->db, &n, "SELECT COUNT(*) FROM opt WHERE name = ?", "i", (int64_t)5),
        EG_OK);
    assert_int_equal(n, 0);
}

static void test_errors(void **state)
{
    NEED_PG(state);
    struct fx *f = *state;
    const struct eg_db_driver *d = eg_db_driver_of(f->db);
    struct eg_stmt *st = NULL;

    assert_int_equal(eg_db_exec(f->db, "CREATE TABLE par (id BIGINT PRIMARY KEY, code TEXT UNIQUE, "
                                       "kind TEXT NOT NULL CHECK (kind IN ('a', 'b')));"
                                       "CREATE TABLE chi (id BIGINT PRIMARY KEY, "
                                       "par_id BIGINT NOT NULL REFERENCES par(id))"),
                     EG_OK);
    assert_int_equal(eg_db_run(f->db, NULL, "INSERT INTO par VALUES (?, ?, ?)", "itt", (int64_t)1,
                               "secret-1", "a"),
                     EG_OK);
    assert_int_equal(eg_db_run(f->db, NULL, "INSERT INTO par VALUES (?, ?, ?)", "itt", (int64_t)2,
                               "secret-1", "a"),
                     EG_E_DUPLICATE);
    /* The message names the constraint, never the value. */
    assert_non_null(strstr(eg_db_errmsg(f->db), "23505"));
    assert_null(strstr(eg_db_errmsg(f->db), "secret-1"));
    assert_int_equal(
        eg_db_run(f->db, NULL, "INSERT INTO par VALUES (?, ?, ?)", "itt", (int64_t)1, "c", "a"),
        EG_E_DUPLICATE);
    assert_int_equal(
        eg_db_run(f->db, NULL, "INSERT INTO par VALUES (?, ?, ?)", "itt", (int64_t)3, "d", "z"),
        EG_E_CONFLICT);
    assert_int_equal(
        eg_db_run(f->db, NULL, "INSERT INTO par VALUES (?, ?, ?)", "itn", (int64_t)3, "d"),
        EG_E_CONFLICT);
    assert_int_equal(
        eg_db_run(f->db, NULL, "INSERT INTO chi VALUES (?, ?)", "ii", (int64_t)1, (int64_t)99),
        EG_E_CONFLICT);
    assert_int_equal(eg_db_query(f->db, &st, "SELEKT 1", ""), EG_E_DB);
    assert_null(st);
    assert_int_equal(eg_db_exec(f->db, "CREATE TABLE par (x INT)"), EG_E_DB);

    /* A failed statement dooms its transaction: commit refuses, rollback cleans up. */
    assert_int_equal(d->begin(f->db), EG_OK);
    assert_int_equal(
        eg_db_run(f->db, NULL, "INSERT INTO par VALUES (?, ?, ?)", "itt", (int64_t)4, "e", "b"),
        EG_OK);
    assert_int_equal(
        eg_db_run(f->db, NULL, "INSERT INTO par VALUES (?, ?, ?)", "itt", (int64_t)4, "e", "b"),
        EG_E_DUPLICATE);
    assert_int_equal(d->commit(f->db), EG_E_DB);
    assert_int_equal(d->rollback(f->db), EG_OK);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM par"), 1);
    assert_int_equal(d->begin(f->db), EG_OK);
    assert_int_equal(d->begin(f->db), EG_E_INTERNAL);
    assert_int_equal(d->rollback(f->db), EG_OK);
    assert_int_equal(d->commit(f->db), EG_E_INTERNAL);
}

static void test_changes_and_returning(void **state)
{
    NEED_PG(state);
    struct fx *f = *state;
    struct eg_stmt *st = NULL;
    int64_t ch = -1;

    assert_int_equal(eg_db_exec(f->db, "CREATE TABLE chg (id BIGINT GENERATED BY DEFAULT AS "
                                       "IDENTITY PRIMARY KEY, v BIGINT)"),
                     EG_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(
            eg_db_query(f->db, &st, "INSERT INTO chg (v) VALUES (?) RETURNING id", "i", (int64_t)i),
            EG_OK);
        assert_int_equal(eg_stmt_step(st), EG_ROW);
        assert_int_equal(eg_stmt_i64(st, 0), i + 1);
        assert_int_equal(eg_stmt_step(st), EG_DONE);
        eg_stmt_done(st);
    }
    assert_int_equal(
        eg_db_run(f->db, &ch, "UPDATE chg SET v = v + 1 WHERE v >= ?", "i", (int64_t)1), EG_OK);
    assert_int_equal(ch, 2);
    assert_int_equal(eg_db_run(f->db, &ch,
                               "INSERT INTO chg (id, v) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
                               "ii", (int64_t)1, (int64_t)0),
                     EG_OK);
    assert_int_equal(ch, 0);
    assert_int_equal(eg_db_run(f->db, &ch, "DELETE FROM chg", ""), EG_OK);
    assert_int_equal(ch, 3);
}

/* Two transactions on the same row: the second writer gets EG_E_BUSY. */
static void test_serialization_failure(void **state)
{
    NEED_PG(state);
    struct fx *f = *state;
    struct eg_db *b = NULL;
    const struct eg_db_driver *d = eg_db_driver_of(f->db);

    assert_int_equal(eg_db_exec(f->db, "CREATE TABLE head (id INTEGER PRIMARY KEY, seq BIGINT); "
                                       "INSERT INTO head VALUES (1, 0)"),
                     EG_OK);
    assert_int_equal(eg_db_open(g_url, &b), EG_OK);
    assert_int_equal(d->begin(f->db), EG_OK);
    assert_int_equal(d->begin(b), EG_OK);
    assert_int_equal(one(b, "SELECT seq FROM head WHERE id = 1"), 0); /* b's snapshot */
    assert_int_equal(eg_db_run(f->db, NULL, "UPDATE head SET seq = seq + 1 WHERE id = 1", ""),
                     EG_OK);
    assert_int_equal(d->commit(f->db), EG_OK);
    assert_int_equal(eg_db_run(b, NULL, "UPDATE head SET seq = seq + 1 WHERE id = 1", ""),
                     EG_E_BUSY);
    assert_int_equal(d->rollback(b), EG_OK);
    assert_int_equal(one(b, "SELECT seq FROM head WHERE id = 1"), 1);
    eg_db_close(b);
}

/* Many threads doing read-modify-write through eg_db_tx: no update is lost. */
#define RACE_THREADS 8
#define RACE_EACH    40

struct race_arg {
    int64_t seen; /* reset at each attempt */
};

static enum eg_status race_tx(struct eg_db *db, void *p)
{
    struct race_arg *a = p;
    enum eg_status rc = eg_db_one_i64(db, &a->seen, "SELECT seq FROM rhead WHERE id = 1", "");
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL, "UPDATE rhead SET seq = ? WHERE id = 1", "i", a->seen + 1);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL, "INSERT INTO rlog (seq) VALUES (?)", "i", a->seen + 1);
    return rc;
}

static void *race_thread(void *p)
{
    struct eg_db *db = NULL;
    intptr_t failures = 0;
    (void)p;
    if (eg_db_open(g_url, &db) != EG_OK)
        return (void *)(intptr_t)RACE_EACH;
    for (int i = 0; i < RACE_EACH; i++) {
        struct race_arg a = {0};
        enum eg_status rc;
        /* Give up only after several full helper budgets: this test is about lost updates. */
        for (int tries = 0; (rc = eg_db_tx(db, race_tx, &a)) == EG_E_BUSY && tries < 10; tries++)
            ;
        if (rc != EG_OK)
            failures++;
    }
    eg_db_close(db);
    return (void *)failures;
}

static void test_tx_retries_lose_nothing(void **state)
{
    NEED_PG(state);
    struct fx *f = *state;
    pthread_t t[RACE_THREADS];
    intptr_t failed = 0;

    assert_int_equal(eg_db_exec(f->db, "CREATE TABLE rhead (id INTEGER PRIMARY KEY, seq BIGINT); "
                                       "INSERT INTO rhead VALUES (1, 0); "
                                       "CREATE TABLE rlog (seq BIGINT PRIMARY KEY)"),
                     EG_OK);
    for (int i = 0; i < RACE_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race_thread, NULL), 0);
    for (int i = 0; i < RACE_THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        failed += (intptr_t)r;
    }
    assert_int_equal(failed, 0);
    assert_int_equal(one(f->db, "SELECT seq FROM rhead"), RACE_THREADS * RACE_EACH);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM rlog"), RACE_THREADS * RACE_EACH);
    assert_int_equal(one(f->db, "SELECT MAX(seq) FROM rlog"), RACE_THREADS * RACE_EACH);
}

static enum eg_status insert_one(struct eg_db *db, void *p)
{
    (void)p;
    return eg_db_run(db, NULL, "INSERT INTO rc_t (v) VALUES (1)", "");
}

/* Kill db's server session from another connection. */
static void kill_session(struct eg_db *db)
{
    struct eg_db *admin = NULL;
    int64_t pid = one(db, "SELECT pg_backend_pid()");
    int64_t ok = 0;
    assert_int_equal(eg_db_open(g_url, &admin), EG_OK);
    assert_int_equal(eg_db_one_i64(admin, &ok, "SELECT pg_terminate_backend(?)", "i", pid), EG_OK);
    assert_int_equal(ok, 1);
    eg_db_close(admin);
    usleep(100 * 1000);
}

static void test_reconnect(void **state)
{
    NEED_PG(state);
    struct fx *f = *state;
    int64_t before, after;

    assert_int_equal(eg_db_exec(f->db, "CREATE TABLE rc_t (v BIGINT)"), EG_OK);
    /* Warm the cache, so that the statements exist only in the old session. */
    assert_int_equal(eg_db_tx(f->db, insert_one, NULL), EG_OK);

    /* A write transaction: the first attempt fails softly, the retry reconnects. */
    before = one(f->db, "SELECT pg_backend_pid()");
    kill_session(f->db);
    assert_int_equal(eg_db_tx(f->db, insert_one, NULL), EG_OK);
    after = one(f->db, "SELECT pg_backend_pid()");
    assert_int_not_equal(before, after);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM rc_t"), 2);

    /* A read outside a transaction is run again on the new connection. */
    kill_session(f->db);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM rc_t"), 2);

    /* Ping re-establishes. */
    kill_session(f->db);
    assert_int_equal(eg_db_driver_of(f->db)->ping(f->db), EG_OK);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM rc_t"), 2);
}

/* More distinct statements than the cache holds, and the same text nested. */
static void test_statement_cache(void **state)
{
    NEED_PG(state);
    struct fx *f = *state;
    struct eg_stmt *outer = NULL, *inner = NULL;
    char sql[64];
    int rows = 0;

    for (int i = 0; i < 600; i++) {
        int64_t v = -1;
        snprintf(sql, sizeof sql, "SELECT %d + ?", i);
        assert_int_equal(eg_db_one_i64(f->db, &v, sql, "i", (int64_t)1), EG_OK);
        assert_int_equal(v, i + 1);
    }
    /* Server side, evicted statements were deallocated. */
    assert_true(one(f->db, "SELECT COUNT(*) FROM pg_prepared_statements") <= 260);

    assert_int_equal(
        eg_db_query(f->db, &outer, "SELECT g FROM generate_series(1, ?) g", "i", (int64_t)3),
        EG_OK);
    while (eg_stmt_step(outer) == EG_ROW) {
        int64_t g = eg_stmt_i64(outer, 0);
        assert_int_equal(
            eg_db_query(f->db, &inner, "SELECT g FROM generate_series(1, ?) g", "i", g * 10),
            EG_OK);
        int n = 0;
        while (eg_stmt_step(inner) == EG_ROW)
            n++;
        assert_int_equal(n, g * 10);
        eg_stmt_done(inner);
        assert_int_equal(eg_stmt_i64(outer, 0), g);
        rows++;
    }
    eg_stmt_done(outer);
    eg_stmt_done(NULL);
    assert_int_equal(rows, 3);
}

static void test_migrations_and_audit_guard(void **state)
{
    NEED_PG(state);
    struct fx *f = *state;
    int applied = -1, version = -1;

    assert_int_equal(eg_db_exec(f->db, "CREATE SCHEMA mig; SET search_path = mig"), EG_OK);
    assert_int_equal(eg_db_migrate(f->db, &applied), EG_OK);
    assert_true(applied >= 1);
    assert_int_equal(eg_db_schema_version(f->db, &version), EG_OK);
    assert_int_equal(version, eg_db_migrations_latest());
    assert_int_equal(eg_db_migrate(f->db, &applied), EG_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(one(f->db, "SELECT seq FROM audit_head WHERE id = 1"), 0);
    assert_int_equal(eg_db_exec(f->db, "INSERT INTO audit_events (seq, at, actor, actor_role, "
                                       "action, entity, entity_id, summary, prev_hash, hash) "
                                       "VALUES (1, 0, 'system', 'admin', 'x', 'y', '1', '{}', "
                                       "'0', '1')"),
                     EG_OK);
    assert_int_equal(
        eg_db_run(f->db, NULL, "UPDATE audit_events SET summary = ?", "t", "{\"x\":1}"),
        EG_E_CONFLICT);
    assert_int_equal(eg_db_run(f->db, NULL, "DELETE FROM audit_events", ""), EG_E_CONFLICT);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM audit_events"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_and_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_placeholders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undetermined_parameters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_and_returning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serialization_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_retries_lose_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statement_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrations_and_audit_guard, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
