/*
 * test_db.c — the storage layer on SQLite: migrations, the binder, error
 * mapping, transactions and their retries, the statement cache, the pool,
 * backups and the append-only audit table.
 *
 * Every test gets a fresh temporary directory with a database file in it.
 * With EGRET_TEST_PG_URL set (e.g. "postgresql:///postgres?host=/tmp/pg"),
 * the engine-neutral tests run again on PostgreSQL, each in a database of
 * its own that is dropped afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/embedded.h"
#include "db/db.h"
#include "db/migrate.h"

#ifdef EG_TEST_NO_PG
/* Built by hand without the PostgreSQL driver: a stand-in table. */
const struct eg_db_driver eg_db_pg_driver = {.name = "postgres", .engine = EG_DB_POSTGRES};
#endif

struct fx {
    char dir[64];
    char path[512]; /* what eg_db_open gets: a file, or a PostgreSQL URL */
    char pg_admin[512];
    char pg_name[64];
    struct eg_db *db;
};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/egret-test-db-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/egret.db", f->dir);
    assert_int_equal(eg_db_open(f->path, &f->db), EG_OK);
    *state = f;
    return 0;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    eg_db_close(f->db);
    remove_dir(f->dir);
    free(f);
    return 0;
}

/*
 * PostgreSQL, when EGRET_TEST_PG_URL names a server: every test gets a
 * database of its own, created here and dropped afterwards (nothing else on
 * the server is touched).
 */
static int setup_pg(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct eg_db *admin = NULL;
    char sql[128];
    const char *url = getenv("EGRET_TEST_PG_URL");

    assert_non_null(f);
    assert_non_null(url);
    snprintf(f->dir, sizeof f->dir, "/tmp/egret-test-db-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->pg_admin, sizeof f->pg_admin, "%s", url);
    snprintf(f->pg_name, sizeof f->pg_name, "egret_test_%ld_%lld", (long)getpid(),
             (long long)(mono_ns() % 1000000000LL));
    snprintf(f->path, sizeof f->path, "%s%cdbname=%s", url, strchr(url, '?') ? '&' : '?',
             f->pg_name);
    assert_int_equal(eg_db_open(f->pg_admin, &admin), EG_OK);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->pg_name);
    assert_int_equal(eg_db_exec(admin, sql), EG_OK);
    eg_db_close(admin);
    assert_int_equal(eg_db_open(f->path, &f->db), EG_OK);
    assert_int_equal(eg_db_engine_of(f->db), EG_DB_POSTGRES);
    *state = f;
    return 0;
}

static int teardown_pg(void **state)
{
    struct fx *f = *state;
    struct eg_db *admin = NULL;
    char sql[128];

    eg_db_close(f->db);
    if (eg_db_open(f->pg_admin, &admin) == EG_OK) {
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", f->pg_name);
        eg_db_exec(admin, sql);
        eg_db_close(admin);
    }
    remove_dir(f->dir);
    free(f);
    return 0;
}

static int is_sqlite(const struct fx *f)
{
    return eg_db_engine_of(f->db) == EG_DB_SQLITE;
}

static int64_t count_rows(struct eg_db *db, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(eg_db_one_i64(db, &n, sql, ""), EG_OK);
    return n;
}

/* A scratch table t with an auto-assigned id, written in migration syntax. */
static void make_table(struct eg_db *db)
{
    struct eg_buf b;
    eg_buf_init(&b, 4096);
    assert_int_equal(eg_db_migration_render("CREATE TABLE t (id @ID@, a BIGINT, b TEXT, c TEXT, "
                                            "d TEXT UNIQUE)",
                                            eg_db_engine_of(db), &b),
                     EG_OK);
    assert_int_equal(eg_db_exec(db, b.data), EG_OK);
    eg_buf_free(&b);
}

/* Whether a table exists, asked the engine's catalogue. */
static int table_exists(struct eg_db *db, const char *name)
{
    int64_t n = -1;
    const char *sql = eg_db_engine_of(db) == EG_DB_SQLITE
                          ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
                          : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                            "current_schema() AND table_name = ?";
    assert_int_equal(eg_db_one_i64(db, &n, sql, "t", name), EG_OK);
    return n > 0;
}

static void test_driver_for(void **state)
{
    (void)state;
    assert_ptr_equal(eg_db_driver_for("postgres://u@h/db"), &eg_db_pg_driver);
    assert_ptr_equal(eg_db_driver_for("postgresql://u@h/db"), &eg_db_pg_driver);
    assert_ptr_equal(eg_db_driver_for("var/egret.db"), &eg_db_sqlite_driver);
    assert_ptr_equal(eg_db_driver_for(":memory:"), &eg_db_sqlite_driver);
    assert_ptr_equal(eg_db_driver_for("file:x.db?mode=rwc"), &eg_db_sqlite_driver);
    assert_ptr_equal(eg_db_driver_for("postgres.db"), &eg_db_sqlite_driver);
}

static void test_open_memory_and_uri(void **state)
{
    struct fx *f = *state;
    struct eg_db *m = NULL, *u = NULL;
    char uri[256];

    assert_int_equal(eg_db_open(":memory:", &m), EG_OK);
    assert_int_equal(eg_db_engine_of(m), EG_DB_SQLITE);
    assert_int_equal(eg_db_exec(m, "CREATE TABLE x (v INTEGER)"), EG_OK);
    assert_int_equal(eg_db_run(m, NULL, "INSERT INTO x VALUES (?)", "i", (int64_t)7), EG_OK);
    assert_int_equal(count_rows(m, "SELECT v FROM x"), 7);
    assert_int_equal(eg_db_driver_of(m)->ping(m), EG_OK);
    eg_db_close(m);

    snprintf(uri, sizeof uri, "file:%s/uri.db?mode=rwc", f->dir);
    assert_int_equal(eg_db_open(uri, &u), EG_OK);
    assert_int_equal(eg_db_exec(u, "CREATE TABLE y (v INTEGER)"), EG_OK);
    eg_db_close(u);
    snprintf(uri, sizeof uri, "%s/uri.db", f->dir);
    assert_int_equal(access(uri, F_OK), 0);

    /* Pragmas of a connection. */
    assert_int_equal(count_rows(f->db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(count_rows(f->db, "PRAGMA busy_timeout"), 5000);
    assert_int_equal(count_rows(f->db, "PRAGMA synchronous"), 1);
    struct eg_stmt *st;
    assert_int_equal(eg_db_query(f->db, &st, "PRAGMA journal_mode", ""), EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_string_equal(eg_stmt_text(st, 0), "wal");
    eg_stmt_done(st);

    /* A directory that does not exist is not created. */
    snprintf(uri, sizeof uri, "%s/missing/x.db", f->dir);
    assert_int_not_equal(eg_db_open(uri, &u), EG_OK);
    assert_null(u);
}

static void test_migrate(void **state)
{
    struct fx *f = *state;
    int version = -1, applied = -1, files = 0;

    for (const struct eg_embedded *m = eg_embedded_migrations; m->name; m++)
        files++;
    assert_true(files >= 1);
    assert_true(eg_db_migrations_latest() >= 1);

    assert_int_equal(eg_db_schema_version(f->db, &version), EG_OK);
    assert_int_equal(version, 0);
    assert_int_equal(eg_db_migrate(f->db, &applied), EG_OK);
    assert_int_equal(applied, files);
    assert_int_equal(eg_db_schema_version(f->db, &version), EG_OK);
    assert_int_equal(version, eg_db_migrations_latest());
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM schema_migrations"), files);
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM audit_head"), 1);
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM schema_migrations WHERE version = 1 "
                                       "AND name = '0001_core.sql' AND applied_at > 1700000000"),
                     1);

    /* A second run applies nothing and changes nothing. */
    assert_int_equal(eg_db_migrate(f->db, &applied), EG_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(eg_db_schema_version(f->db, &version), EG_OK);
    assert_int_equal(version, eg_db_migrations_latest());
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM schema_migrations"), files);

    /* A gap below the highest applied migration makes the schema "behind". */
    int second = 0;
    assert_int_equal(eg_db_migration_version(eg_embedded_migrations[1].name, &second), EG_OK);
    assert_int_equal(eg_db_run(f->db, NULL, "DELETE FROM schema_migrations WHERE version = ?", "i",
                               (int64_t)second),
                     EG_OK);
    assert_int_equal(eg_db_schema_version(f->db, &version), EG_OK);
    assert_int_equal(version, 1);
    assert_int_equal(eg_db_run(f->db, NULL,
                               "INSERT INTO schema_migrations (version, name, applied_at) "
                               "VALUES (?, ?, 1700000001)",
                               "it", (int64_t)second, eg_embedded_migrations[1].name),
                     EG_OK);
    assert_int_equal(eg_db_schema_version(f->db, &version), EG_OK);
    assert_int_equal(version, eg_db_migrations_latest());

    /* @ID@ became an auto-assigned key. */
    int64_t id = 0;
    assert_int_equal(eg_db_one_i64(f->db, &id,
                                   "INSERT INTO departments (code, name, kind, path, created_at) "
                                   "VALUES (?, ?, ?, ?, ?) RETURNING id",
                                   "tttti", "centre", "中心", "centre", "/1/", (int64_t)1),
                     EG_OK);
    assert_int_equal(id, 1);
}

static void test_migration_render(void **state)
{
    (void)state;
    static const char text[] = "-- head\n"
                               "CREATE TABLE a (id @ID@, data @BLOB@, mail TEXT DEFAULT 'a@b');\n"
                               "-- @sqlite\r\n"
                               "SELECT 'lite';\n"
                               "  -- @postgres  \n"
                               "SELECT 'pg';\n"
                               "-- @all\n"
                               "SELECT 'both'; -- @sqlite is not a marker here\n"
                               "-- @sqlites\n"
                               "SELECT 'last'";
    struct eg_buf b;

    eg_buf_init(&b, 1 << 20);
    assert_int_equal(eg_db_migration_render(text, EG_DB_SQLITE, &b), EG_OK);
    assert_string_equal(b.data, "-- head\n"
                                "CREATE TABLE a (id INTEGER PRIMARY KEY, data BLOB, mail TEXT "
                                "DEFAULT 'a@b');\n"
                                "SELECT 'lite';\n"
                                "SELECT 'both'; -- @sqlite is not a marker here\n"
                                "-- @sqlites\n"
                                "SELECT 'last'\n");
    eg_buf_reset(&b);
    assert_int_equal(eg_db_migration_render(text, EG_DB_POSTGRES, &b), EG_OK);
    assert_string_equal(b.data, "-- head\n"
                                "CREATE TABLE a (id BIGINT GENERATED BY DEFAULT AS IDENTITY "
                                "PRIMARY KEY, data BYTEA, mail TEXT DEFAULT 'a@b');\n"
                                "SELECT 'pg';\n"
                                "SELECT 'both'; -- @sqlite is not a marker here\n"
                                "-- @sqlites\n"
                                "SELECT 'last'\n");
    eg_buf_reset(&b);
    assert_int_equal(eg_db_migration_render("", EG_DB_SQLITE, &b), EG_OK);
    assert_string_equal(b.data, "");
    eg_buf_free(&b);

    int v = 0;
    assert_int_equal(eg_db_migration_version("0001_core.sql", &v), EG_OK);
    assert_int_equal(v, 1);
    assert_int_equal(eg_db_migration_version("0042_places.sql", &v), EG_OK);
    assert_int_equal(v, 42);
    assert_int_not_equal(eg_db_migration_version("core.sql", &v), EG_OK);
    assert_int_not_equal(eg_db_migration_version("0000_zero.sql", &v), EG_OK);
    assert_int_not_equal(eg_db_migration_version("0003core.sql", &v), EG_OK);
    assert_int_not_equal(eg_db_migration_version("0003_core.txt", &v), EG_OK);
    assert_int_not_equal(eg_db_migration_version("0003_.sq", &v), EG_OK);
}

static void test_migration_failure_leaves_nothing(void **state)
{
    struct fx *f = *state;
    static const char good1[] = "CREATE TABLE m1 (id @ID@, v TEXT NOT NULL);\n"
                                "-- @sqlite\nCREATE TABLE only_lite (x INTEGER);\n"
                                "-- @postgres\nCREATE TABLE only_pg (x INTEGER);\n";
    static const char bad2[] = "CREATE TABLE m2 (id @ID@);\n"
                               "INSERT INTO m1 (v) VALUES ('x');\n"
                               "CREATE TABLE broken (;\n";
    static const char good2[] = "CREATE TABLE m2 (id @ID@);\n";
    const struct eg_embedded bad[] = {{"0001_one.sql", good1, sizeof good1 - 1},
                                      {"0002_two.sql", bad2, sizeof bad2 - 1},
                                      {0, 0, 0}};
    const struct eg_embedded fixed[] = {{"0001_one.sql", good1, sizeof good1 - 1},
                                        {"0002_two.sql", good2, sizeof good2 - 1},
                                        {0, 0, 0}};
    const struct eg_embedded unsorted[] = {{"0002_two.sql", good2, sizeof good2 - 1},
                                           {"0001_one.sql", good1, sizeof good1 - 1},
                                           {0, 0, 0}};
    int applied = -1, version = -1;

    assert_int_equal(eg_db_migrate_list(f->db, bad, &applied), EG_E_DB);
    assert_int_equal(applied, 1);
    assert_int_equal(eg_db_schema_version(f->db, &version), EG_OK);
    assert_int_equal(version, 1);
    assert_false(table_exists(f->db, "m2"));
    assert_true(table_exists(f->db, is_sqlite(f) ? "only_lite" : "only_pg"));
    assert_false(table_exists(f->db, is_sqlite(f) ? "only_pg" : "only_lite"));
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM m1"), 0);

    assert_int_equal(eg_db_migrate_list(f->db, fixed, &applied), EG_OK);
    assert_int_equal(applied, 1);
    assert_int_equal(eg_db_schema_version(f->db, &version), EG_OK);
    assert_int_equal(version, 2);

    assert_int_equal(eg_db_migrate_list(f->db, unsorted, &applied), EG_E_INTERNAL);
    assert_int_equal(applied, 0);

    /* A later release inserts 0002a-style gaps: 0003 applied first, 0002 filled in after. */
    static const char good3[] = "CREATE TABLE m3 (id @ID@);\n";
    static const char good4[] = "CREATE TABLE m4 (id @ID@);\n";
    const struct eg_embedded later[] = {{"0001_one.sql", good1, sizeof good1 - 1},
                                        {"0002_two.sql", good2, sizeof good2 - 1},
                                        {"0004_four.sql", good4, sizeof good4 - 1},
                                        {0, 0, 0}};
    const struct eg_embedded filled[] = {{"0001_one.sql", good1, sizeof good1 - 1},
                                         {"0002_two.sql", good2, sizeof good2 - 1},
                                         {"0003_three.sql", good3, sizeof good3 - 1},
                                         {"0004_four.sql", good4, sizeof good4 - 1},
                                         {0, 0, 0}};
    assert_int_equal(eg_db_migrate_list(f->db, later, &applied), EG_OK);
    assert_int_equal(applied, 1);
    assert_false(table_exists(f->db, "m3"));
    assert_int_equal(eg_db_migrate_list(f->db, filled, &applied), EG_OK);
    assert_int_equal(applied, 1);
    assert_true(table_exists(f->db, "m3"));
    assert_int_equal(eg_db_migrate_list(f->db, filled, &applied), EG_OK);
    assert_int_equal(applied, 0);
}

static void test_bind_types(void **state)
{
    struct fx *f = *state;
    struct eg_stmt *st = NULL;
    int64_t changes = -1;
    const char *longer = "hello, world";
    size_t len = 0;

    make_table(f->db);
    assert_int_equal(eg_db_run(f->db, &changes,
                               "INSERT INTO t (id, a, b, c, d) VALUES (?, ?, ?, ?, ?)", "iitbn",
                               (int64_t)1, INT64_MAX, "鹭岛 egret", longer, (size_t)5),
                     EG_OK);
    assert_int_equal(changes, 1);
    assert_int_equal(eg_db_run(f->db, NULL, "INSERT INTO t (id, a, b, c, d) VALUES (?, ?, ?, ?, ?)",
                               "iitbt", (int64_t)2, INT64_MIN, (const char *)NULL,
                               (const char *)NULL, (size_t)3, "x"),
                     EG_OK);
    assert_int_equal(eg_db_run(f->db, NULL, "INSERT INTO t (id, a, b, c, d) VALUES (?, ?, ?, ?, ?)",
                               "iitbt", (int64_t)3, (int64_t)0, "", "", (size_t)0, "y"),
                     EG_OK);

    assert_int_equal(eg_db_query(f->db, &st, "SELECT id, a, b, c, d FROM t ORDER BY id", ""),
                     EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_int_equal(eg_stmt_columns(st), 5);
    assert_int_equal(eg_stmt_i64(st, 0), 1);
    assert_true(eg_stmt_i64(st, 1) == INT64_MAX);
    assert_string_equal(eg_stmt_text(st, 2), "鹭岛 egret");
    assert_string_equal(eg_stmt_text_len(st, 3, &len), "hello");
    assert_int_equal(len, 5);
    assert_true(eg_stmt_is_null(st, 4));
    assert_false(eg_stmt_is_null(st, 3));
    assert_string_equal(eg_stmt_text(st, 4), "");
    assert_int_equal(eg_stmt_i64(st, 4), 0);

    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_true(eg_stmt_i64(st, 1) == INT64_MIN);
    assert_true(eg_stmt_is_null(st, 2));
    assert_true(eg_stmt_is_null(st, 3));
    len = 99;
    assert_string_equal(eg_stmt_text_len(st, 3, &len), "");
    assert_int_equal(len, 0);

    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_int_equal(eg_stmt_i64(st, 1), 0);
    assert_false(eg_stmt_is_null(st, 2));
    assert_false(eg_stmt_is_null(st, 3));
    assert_string_equal(eg_stmt_text_len(st, 3, &len), "");
    assert_int_equal(len, 0);
    assert_int_equal(eg_stmt_step(st), EG_DONE);
    eg_stmt_done(st);

    /* Parameters in WHERE clauses, and the text of a number. */
    int64_t n = 0;
    assert_int_equal(eg_db_one_i64(f->db, &n, "SELECT COUNT(*) FROM t WHERE a = ? OR b = ?", "it",
                                   INT64_MIN, "鹭岛 egret"),
                     EG_OK);
    assert_int_equal(n, 2);
    assert_int_equal(eg_db_query(f->db, &st, "SELECT a FROM t WHERE id = ?", "i", (int64_t)1),
                     EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_string_equal(eg_stmt_text(st, 0), "9223372036854775807");
    eg_stmt_done(st);

    /* Changes of an UPDATE. */
    assert_int_equal(
        eg_db_run(f->db, &changes, "UPDATE t SET a = a WHERE id >= ?", "i", (int64_t)2), EG_OK);
    assert_int_equal(changes, 2);

    /* Bad SQL and more than one statement are refused, with no statement left. */
    if (is_sqlite(f)) {
        st = (struct eg_stmt *)1;
        assert_int_equal(eg_db_query(f->db, &st, "SELEC 1", ""), EG_E_DB);
        assert_null(st);
        assert_int_equal(eg_db_query(f->db, &st, "SELECT 1; SELECT 2", ""), EG_E_INTERNAL);
        assert_null(st);
        assert_int_equal(eg_db_query(f->db, &st, "SELECT 1;  \n", ""), EG_OK);
        eg_stmt_done(st);
        assert_int_equal(eg_db_query(f->db, &st, "SELECT ?", "ii", (int64_t)1, (int64_t)2),
                         EG_E_INTERNAL);
        assert_null(st);
    } else {
        st = NULL;
        enum eg_status rc = eg_db_query(f->db, &st, "SELEC 1", "");
        if (rc == EG_OK)
            rc = eg_stmt_step(st);
        assert_int_equal(rc, EG_E_DB);
        eg_stmt_done(st);
    }
    eg_stmt_done(NULL);
#ifdef NDEBUG
    assert_int_equal(eg_db_query(f->db, &st, "SELECT ?", "x", 1), EG_E_INTERNAL);
    assert_null(st);
#endif
}

static void test_one_i64(void **state)
{
    struct fx *f = *state;
    int64_t v = 42;

    make_table(f->db);
    assert_int_equal(eg_db_one_i64(f->db, &v, "SELECT a FROM t WHERE id = ?", "i", (int64_t)1),
                     EG_E_NOT_FOUND);
    assert_int_equal(v, 42);
    assert_int_equal(
        eg_db_run(f->db, NULL, "INSERT INTO t (id, a) VALUES (?, ?)", "in", (int64_t)1), EG_OK);
    assert_int_equal(eg_db_one_i64(f->db, &v, "SELECT a FROM t WHERE id = ?", "i", (int64_t)1),
                     EG_OK);
    assert_int_equal(v, 0);
    assert_int_equal(eg_db_one_i64(f->db, &v, "SELECT ? * 2", "i", (int64_t)21), EG_OK);
    assert_int_equal(v, 42);
}

/* eg_db_next: every row, then EG_OK; a failed query, a failing step and a body's error all stop it.
 */
static void test_next(void **state)
{
    struct fx *f = *state;
    struct eg_stmt *st = NULL;
    int64_t sum = 0;
    int rows = 0;

    make_table(f->db);
    for (int64_t i = 1; i <= 5; i++)
        assert_int_equal(
            eg_db_run(f->db, NULL, "INSERT INTO t (id, a) VALUES (?, ?)", "ii", i, i * 10), EG_OK);
    enum eg_status rc = eg_db_query(f->db, &st, "SELECT a FROM t ORDER BY id", "");
    while (eg_db_next(st, &rc)) {
        sum += eg_stmt_i64(st, 0);
        rows++;
    }
    eg_stmt_done(st);
    assert_int_equal(rc, EG_OK);
    assert_int_equal(rows, 5);
    assert_int_equal(sum, 150);

    /* No rows: the loop body never runs and rc is EG_OK. */
    rows = 0;
    rc = eg_db_query(f->db, &st, "SELECT a FROM t WHERE id > 99", "");
    while (eg_db_next(st, &rc))
        rows++;
    eg_stmt_done(st);
    assert_int_equal(rc, EG_OK);
    assert_int_equal(rows, 0);

    /* A query that does not prepare: st is NULL, no step is tried. */
    rows = 0;
    rc = eg_db_query(f->db, &st, "SELECT nosuchcolumn FROM t", "");
    assert_null(st);
    while (eg_db_next(st, &rc))
        rows++;
    assert_int_not_equal(rc, EG_OK);
    assert_int_equal(rows, 0);

    /* The body's error ends the loop after that row and is kept. */
    rows = 0;
    rc = eg_db_query(f->db, &st, "SELECT a FROM t ORDER BY id", "");
    while (eg_db_next(st, &rc)) {
        if (++rows == 2)
            rc = EG_E_CONFLICT;
    }
    eg_stmt_done(st);
    assert_int_equal(rc, EG_E_CONFLICT);
    assert_int_equal(rows, 2);
}

static void test_constraints(void **state)
{
    struct fx *f = *state;
    assert_int_equal(eg_db_migrate(f->db, NULL), EG_OK);
    static const char dep[] =
        "INSERT INTO departments (code, name, kind, path, created_at) VALUES (?, ?, ?, ?, ?)";
    static const char user[] = "INSERT INTO users (login, password_hash, role, department_id, "
                               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)";

    assert_int_equal(
        eg_db_run(f->db, NULL, dep, "tttti", "hrss", "人社局", "member", "/1/", (int64_t)1), EG_OK);
    assert_int_equal(
        eg_db_run(f->db, NULL, dep, "tttti", "hrss", "again", "member", "/2/", (int64_t)1),
        EG_E_DUPLICATE);
    /* Primary key. */
    assert_int_equal(eg_db_run(f->db, NULL, "INSERT INTO calendar_days (day, kind) VALUES (?, ?)",
                               "tt", "2026-01-01", "holiday"),
                     EG_OK);
    assert_int_equal(eg_db_run(f->db, NULL, "INSERT INTO calendar_days (day, kind) VALUES (?, ?)",
                               "tt", "2026-01-01", "holiday"),
                     EG_E_DUPLICATE);
    assert_int_equal(eg_db_run(f->db, NULL,
                               "INSERT INTO departments (id, code, name, kind, path, created_at) "
                               "VALUES (?, ?, ?, ?, ?, ?)",
                               "itttti", (int64_t)1, "other", "x", "member", "/1/", (int64_t)1),
                     EG_E_DUPLICATE);
    /* Foreign key. */
    assert_int_equal(eg_db_run(f->db, NULL, user, "tttiii", "alice", "h", "mediator", (int64_t)999,
                               (int64_t)1, (int64_t)1),
                     EG_E_CONFLICT);
    assert_int_equal(eg_db_run(f->db, NULL, user, "tttiii", "alice", "h", "mediator", (int64_t)1,
                               (int64_t)1, (int64_t)1),
                     EG_OK);
    /* Check and not null. */
    assert_int_equal(eg_db_run(f->db, NULL, user, "tttiii", "bob", "h", "emperor", (int64_t)1,
                               (int64_t)1, (int64_t)1),
                     EG_E_CONFLICT);
    assert_int_equal(eg_db_run(f->db, NULL, user, "tntiii", "bob", "mediator", (int64_t)1,
                               (int64_t)1, (int64_t)1),
                     EG_E_CONFLICT);
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM users"), 1);
    assert_non_null(eg_db_errmsg(f->db));
}

static void test_audit_append_only(void **state)
{
    struct fx *f = *state;
    int64_t changes = -1;
    assert_int_equal(eg_db_migrate(f->db, NULL), EG_OK);
    assert_int_equal(eg_db_run(f->db, NULL,
                               "INSERT INTO audit_events (seq, at, actor, actor_role, action, "
                               "entity, entity_id, summary, prev_hash, hash) VALUES (?, ?, ?, ?, "
                               "?, ?, ?, ?, ?, ?)",
                               "iitttttttt", (int64_t)1, (int64_t)1700000000, "admin", "admin",
                               "user.create", "user", "1", "{}", "00", "ab"),
                     EG_OK);
    assert_int_equal(eg_db_run(f->db, &changes, "UPDATE audit_events SET summary = ? WHERE seq = ?",
                               "ti", "{\"x\":1}", (int64_t)1),
                     EG_E_CONFLICT);
    assert_int_equal(
        eg_db_run(f->db, NULL, "DELETE FROM audit_events WHERE seq = ?", "i", (int64_t)1),
        EG_E_CONFLICT);
    assert_int_equal(eg_db_run(f->db, NULL, "DELETE FROM audit_events", ""), EG_E_CONFLICT);
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM audit_events WHERE summary = '{}'"),
                     1);
}

/* Transaction bodies used below. */
struct tx_ctx {
    const char *d;       /* value for column d */
    int busy_first;      /* return EG_E_BUSY this many times */
    int calls;           /* how often the body ran */
    enum eg_status fail; /* returned after the insert (EG_OK: succeed) */
    int saw_in_tx;
};

static enum eg_status insert_body(struct eg_db *db, void *arg)
{
    struct tx_ctx *c = arg;
    c->calls++;
    c->saw_in_tx = eg_db_in_tx(db);
    enum eg_status rc =
        eg_db_run(db, NULL, "INSERT INTO t (a, d) VALUES (?, ?)", "it", (int64_t)c->calls, c->d);
    if (rc != EG_OK)
        return rc;
    if (c->calls <= c->busy_first)
        return EG_E_BUSY;
    return c->fail;
}

static void test_tx_commit_and_rollback(void **state)
{
    struct fx *f = *state;
    make_table(f->db);

    struct tx_ctx ok = {.d = "one"};
    assert_false(eg_db_in_tx(f->db));
    assert_int_equal(eg_db_tx(f->db, insert_body, &ok), EG_OK);
    assert_true(ok.saw_in_tx);
    assert_false(eg_db_in_tx(f->db));
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM t"), 1);

    /* A business error after a write: nothing stays. */
    struct tx_ctx refused = {.d = "two", .fail = EG_E_UNPROCESSABLE};
    assert_int_equal(eg_db_tx(f->db, insert_body, &refused), EG_E_UNPROCESSABLE);
    assert_int_equal(refused.calls, 1);
    assert_false(eg_db_in_tx(f->db));
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM t"), 1);

    /* A constraint error is returned as is and not retried. */
    struct tx_ctx dup = {.d = "one"};
    assert_int_equal(eg_db_tx(f->db, insert_body, &dup), EG_E_DUPLICATE);
    assert_int_equal(dup.calls, 1);
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM t"), 1);

    /* The connection is usable afterwards. */
    struct tx_ctx again = {.d = "three"};
    assert_int_equal(eg_db_tx(f->db, insert_body, &again), EG_OK);
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM t"), 2);
}

static void test_tx_retries_soft_failures(void **state)
{
    struct fx *f = *state;
    make_table(f->db);

    struct tx_ctx c = {.d = "retried", .busy_first = 3};
    assert_int_equal(eg_db_tx(f->db, insert_body, &c), EG_OK);
    assert_int_equal(c.calls, 4);
    /* Only the last attempt's insert is left. */
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM t"), 1);
    assert_int_equal(count_rows(f->db, "SELECT a FROM t"), 4);
}

struct busy_thread {
    const char *path;
    atomic_int started;
    enum eg_status rc;
    int64_t elapsed_ns;
};

/* A second connection with a short busy timeout, so eg_db_tx must retry. */
static void *busy_writer(void *arg)
{
    struct busy_thread *b = arg;
    struct eg_db *db = NULL;
    struct tx_ctx c = {.d = "second"};

    if (eg_db_open(b->path, &db) != EG_OK || eg_db_exec(db, "PRAGMA busy_timeout = 10") != EG_OK) {
        b->rc = EG_E_INTERNAL;
        atomic_store(&b->started, 1);
        eg_db_close(db);
        return NULL;
    }
    atomic_store(&b->started, 1);
    int64_t t0 = mono_ns();
    b->rc = eg_db_tx(db, insert_body, &c);
    b->elapsed_ns = mono_ns() - t0;
    eg_db_close(db);
    return NULL;
}

static void test_tx_retries_while_locked(void **state)
{
    struct fx *f = *state;
    const struct eg_db_driver *d = eg_db_driver_of(f->db);
    struct busy_thread b = {.path = f->path};
    pthread_t th;

    make_table(f->db);
    assert_int_equal(d->begin(f->db), EG_OK);
    assert_int_equal(
        eg_db_run(f->db, NULL, "INSERT INTO t (a, d) VALUES (?, ?)", "it", (int64_t)0, "first"),
        EG_OK);
    assert_int_equal(pthread_create(&th, NULL, busy_writer, &b), 0);
    while (!atomic_load(&b.started))
        sleep_ms(1);
    sleep_ms(300);
    assert_int_equal(d->commit(f->db), EG_OK);
    pthread_join(th, NULL);

    assert_int_equal(b.rc, EG_OK);
    assert_true(b.elapsed_ns >= 200LL * 1000 * 1000);
    assert_true(b.elapsed_ns < 2000LL * 1000 * 1000);
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM t"), 2);
}

static void test_tx_gives_up(void **state)
{
    struct fx *f = *state;
    const struct eg_db_driver *d = eg_db_driver_of(f->db);
    struct busy_thread b = {.path = f->path};
    pthread_t th;

    make_table(f->db);
    assert_int_equal(d->begin(f->db), EG_OK);
    assert_int_equal(pthread_create(&th, NULL, busy_writer, &b), 0);
    pthread_join(th, NULL);
    assert_int_equal(d->rollback(f->db), EG_OK);
    /* Rolling back with no transaction open is harmless. */
    assert_int_equal(d->rollback(f->db), EG_OK);

    assert_int_equal(b.rc, EG_E_BUSY);
    assert_true(b.elapsed_ns >= 1900LL * 1000 * 1000);
    assert_true(b.elapsed_ns < 3000LL * 1000 * 1000);
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM t"), 0);
}

static void test_stmt_cache(void **state)
{
    struct fx *f = *state;
    char sql[64];
    int64_t v;

    /* Far more distinct texts than the cache holds, twice over. */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 700; i++) {
            snprintf(sql, sizeof sql, "SELECT %d + ?", i);
            assert_int_equal(eg_db_one_i64(f->db, &v, sql, "i", (int64_t)round), EG_OK);
            assert_int_equal(v, i + round);
        }
    }

    /* The same text while its cached statement is in use gets its own copy. */
    make_table(f->db);
    for (int i = 1; i <= 3; i++)
        assert_int_equal(eg_db_run(f->db, NULL, "INSERT INTO t (id, a) VALUES (?, ?)", "ii",
                                   (int64_t)i, (int64_t)(i * 10)),
                         EG_OK);
    static const char q[] = "SELECT a FROM t WHERE id >= ? ORDER BY id";
    struct eg_stmt *outer, *inner;
    assert_int_equal(eg_db_query(f->db, &outer, q, "i", (int64_t)1), EG_OK);
    assert_int_equal(eg_stmt_step(outer), EG_ROW);
    assert_int_equal(eg_stmt_i64(outer, 0), 10);
    assert_int_equal(eg_db_query(f->db, &inner, q, "i", (int64_t)3), EG_OK);
    assert_ptr_not_equal(inner, outer);
    assert_int_equal(eg_stmt_step(inner), EG_ROW);
    assert_int_equal(eg_stmt_i64(inner, 0), 30);
    assert_int_equal(eg_stmt_step(inner), EG_DONE);
    eg_stmt_done(inner);
    assert_int_equal(eg_stmt_step(outer), EG_ROW);
    assert_int_equal(eg_stmt_i64(outer, 0), 20);
    eg_stmt_done(outer); /* given back mid-way: reset, no rows leak into the next use */

    /* Reuse: the cached statement comes back reset and without old bindings. */
    struct eg_stmt *again;
    assert_int_equal(eg_db_query(f->db, &again, q, "i", (int64_t)2), EG_OK);
    assert_ptr_equal(again, outer);
    assert_int_equal(eg_stmt_step(again), EG_ROW);
    assert_int_equal(eg_stmt_i64(again, 0), 20);
    eg_stmt_done(again);
    assert_int_equal(eg_db_query(f->db, &again, q, ""), EG_OK);
    assert_int_equal(eg_stmt_step(again), EG_DONE); /* id >= NULL: nothing */
    eg_stmt_done(again);

    /* The hot path: a cached one-row query costs microseconds. */
    const int N = is_sqlite(f) ? 20000 : 2000;
    int64_t t0 = mono_ns();
    for (int i = 0; i < N; i++) {
        struct eg_stmt *st;
        size_t len;
        assert_int_equal(
            eg_db_query(f->db, &st, "SELECT id, a, b FROM t WHERE id = ?", "i", (int64_t)2), EG_OK);
        assert_int_equal(eg_stmt_step(st), EG_ROW);
        assert_int_equal(eg_stmt_i64(st, 1), 20);
        (void)eg_stmt_text_len(st, 2, &len);
        eg_stmt_done(st);
    }
    int64_t per = (mono_ns() - t0) / N;
    print_message("cached one-row query: %lld ns\n", (long long)per);
    if (is_sqlite(f))
        assert_true(per < 50000);
}

struct pool_run {
    struct eg_db_pool *pool;
    pthread_mutex_t mu;
    int held, max_held;
    enum eg_status rc;
};

static void *pool_worker(void *arg)
{
    struct pool_run *r = arg;
    for (int i = 0; i < 50; i++) {
        struct eg_db *db = NULL;
        enum eg_status rc = eg_db_pool_acquire(r->pool, &db);
        if (rc == EG_OK) {
            pthread_mutex_lock(&r->mu);
            if (++r->held > r->max_held)
                r->max_held = r->held;
            pthread_mutex_unlock(&r->mu);
            struct tx_ctx c = {.d = NULL};
            rc = eg_db_tx(db, insert_body, &c);
            pthread_mutex_lock(&r->mu);
            r->held--;
            pthread_mutex_unlock(&r->mu);
            eg_db_pool_release(r->pool, db);
        }
        if (rc != EG_OK) {
            pthread_mutex_lock(&r->mu);
            r->rc = rc;
            pthread_mutex_unlock(&r->mu);
        }
    }
    return NULL;
}

static void test_pool_threads(void **state)
{
    struct fx *f = *state;
    struct pool_run r = {.rc = EG_OK};
    pthread_t th[4];

    make_table(f->db);
    pthread_mutex_init(&r.mu, NULL);
    assert_int_equal(eg_db_pool_new(f->path, 2, &r.pool), EG_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, pool_worker, &r), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    eg_db_pool_free(r.pool);
    pthread_mutex_destroy(&r.mu);

    assert_int_equal(r.rc, EG_OK);
    assert_true(r.max_held >= 1 && r.max_held <= 2);
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM t"), 200);
}

struct waiter {
    struct eg_db_pool *pool;
    struct eg_db *got;
    atomic_int done;
};

static void *pool_waiter(void *arg)
{
    struct waiter *w = arg;
    struct eg_db *db = NULL;
    if (eg_db_pool_acquire(w->pool, &db) == EG_OK)
        w->got = db;
    atomic_store(&w->done, 1);
    return NULL;
}

/* A pool with every connection in use answers EG_E_BUSY after its wait
 * bound rather than waiting for ever (an event-loop thread calls it). */
static void test_pool_wait_bounded(void **state)
{
    struct fx *f = *state;
    struct eg_db_pool *p = NULL;
    struct eg_db *a = NULL, *b = (struct eg_db *)1;

    assert_int_equal(eg_db_pool_new(f->path, 1, &p), EG_OK);
    eg_db_pool_set_wait(p, 200);
    assert_int_equal(eg_db_pool_acquire(p, &a), EG_OK);
    int64_t t0 = mono_ns();
    assert_int_equal(eg_db_pool_acquire(p, &b), EG_E_BUSY);
    int64_t waited_ms = (mono_ns() - t0) / 1000000;
    assert_null(b);
    assert_true(waited_ms >= 150 && waited_ms < 2000);
    eg_db_pool_release(p, a);
    assert_int_equal(eg_db_pool_acquire(p, &b), EG_OK);
    assert_ptr_equal(a, b);
    eg_db_pool_release(p, b);
    eg_db_pool_free(p);
}

static void test_pool_blocks_until_release(void **state)
{
    struct fx *f = *state;
    struct waiter w = {0};
    struct eg_db *db = NULL;
    pthread_t th;

    assert_int_equal(eg_db_pool_new(f->path, 1, &w.pool), EG_OK);
    assert_int_equal(eg_db_pool_acquire(w.pool, &db), EG_OK);
    assert_non_null(db);
    assert_int_equal(pthread_create(&th, NULL, pool_waiter, &w), 0);
    sleep_ms(100);
    assert_int_equal(atomic_load(&w.done), 0);
    eg_db_pool_release(w.pool, db);
    pthread_join(th, NULL);
    assert_int_equal(atomic_load(&w.done), 1);
    assert_ptr_equal(w.got, db); /* the same connection, handed on */
    assert_int_equal(eg_db_driver_of(w.got)->ping(w.got), EG_OK);
    eg_db_pool_release(w.pool, w.got);
    eg_db_pool_free(w.pool);

    /* A pool whose database cannot be opened reports it and stays usable. */
    char bad[256];
    struct eg_db_pool *p = NULL;
    snprintf(bad, sizeof bad, "%s/missing/x.db", f->dir);
    assert_int_equal(eg_db_pool_new(bad, 1, &p), EG_OK);
    db = (struct eg_db *)1;
    assert_int_not_equal(eg_db_pool_acquire(p, &db), EG_OK);
    assert_null(db);
    assert_int_not_equal(eg_db_pool_acquire(p, &db), EG_OK);
    eg_db_pool_free(p);
}

static void test_backup(void **state)
{
    struct fx *f = *state;
    char path[256];
    struct eg_db *copy = NULL;
    int version = 0;

    assert_int_equal(eg_db_migrate(f->db, NULL), EG_OK);
    make_table(f->db);
    for (int i = 0; i < 100; i++)
        assert_int_equal(
            eg_db_run(f->db, NULL, "INSERT INTO t (a, b) VALUES (?, ?)", "it", (int64_t)i, "row"),
            EG_OK);
    snprintf(path, sizeof path, "%s/backup.db", f->dir);
    assert_int_equal(eg_db_backup(f->db, path), EG_OK);
    assert_int_equal(eg_db_backup(f->db, path), EG_E_CONFLICT);

    assert_int_equal(eg_db_open(path, &copy), EG_OK);
    assert_int_equal(count_rows(copy, "SELECT COUNT(*) FROM t"), 100);
    assert_int_equal(count_rows(copy, "SELECT SUM(a) FROM t"), 4950);
    assert_int_equal(eg_db_schema_version(copy, &version), EG_OK);
    assert_int_equal(version, eg_db_migrations_latest());
    struct eg_stmt *st;
    assert_int_equal(eg_db_query(copy, &st, "PRAGMA integrity_check", ""), EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_string_equal(eg_stmt_text(st, 0), "ok");
    eg_stmt_done(st);
    eg_db_close(copy);

    /* The copy was not overwritten by the refused second backup. */
    assert_int_equal(eg_db_run(f->db, NULL, "DELETE FROM t", ""), EG_OK);
    assert_int_equal(eg_db_backup(f->db, path), EG_E_CONFLICT);
    assert_int_equal(eg_db_open(path, &copy), EG_OK);
    assert_int_equal(count_rows(copy, "SELECT COUNT(*) FROM t"), 100);
    eg_db_close(copy);

    /* A directory that does not exist: an error and no file. */
    snprintf(path, sizeof path, "%s/missing/backup.db", f->dir);
    assert_int_not_equal(eg_db_backup(f->db, path), EG_OK);
}

/* egret's own pool_mode parameter comes out of the URL libpq and the tools get. */
static void test_pg_url_split(void **state)
{
    (void)state;
    static const struct {
        const char *url, *libpq;
        int unnamed;
    } cases[] = {
        {"postgres://h/db", "postgres://h/db", 0},
        {"postgres://h/db?pool_mode=transaction", "postgres://h/db", 1},
        {"postgres://h/db?pool_mode=session", "postgres://h/db", 0},
        {"postgres://h/db?sslmode=disable&pool_mode=transaction", "postgres://h/db?sslmode=disable",
         1},
        {"postgres://h/db?pool_mode=transaction&sslmode=disable", "postgres://h/db?sslmode=disable",
         1},
        {"postgres://a:1,b:2/db?target_session_attrs=read-write&pool_mode=transaction&x=1",
         "postgres://a:1,b:2/db?target_session_attrs=read-write&x=1", 1},
        {"postgres://h/db?application_name=pool_mode=transaction",
         "postgres://h/db?application_name=pool_mode=transaction", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = NULL;
        int unnamed = -1;
        assert_int_equal(eg_db_pg_url_split(cases[i].url, &out, &unnamed), EG_OK);
        assert_string_equal(out, cases[i].libpq);
        assert_int_equal(unnamed, cases[i].unnamed);
        free(out);
    }
    char *out = (char *)"untouched";
    int unnamed = 0;
    assert_int_equal(eg_db_pg_url_split("postgres://h/db?pool_mode=statement", &out, &unnamed),
                     EG_E_INVALID_PARAMETER);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driver_for),
        cmocka_unit_test(test_migration_render),
        cmocka_unit_test(test_pg_url_split),
        cmocka_unit_test_setup_teardown(test_open_memory_and_uri, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_failure_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_i64, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constraints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_commit_and_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_retries_soft_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_retries_while_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_gives_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stmt_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_blocks_until_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_wait_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
    };
    /* The engine-neutral ones again on PostgreSQL, when a server is given. */
    const struct CMUnitTest pg_tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_migration_failure_leaves_nothing, setup_pg,
                                        teardown_pg),
        cmocka_unit_test_setup_teardown(test_bind_types, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_one_i64, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_constraints, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_audit_append_only, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_tx_commit_and_rollback, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_tx_retries_soft_failures, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_stmt_cache, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_pool_threads, setup_pg, teardown_pg),
        cmocka_unit_test_setup_teardown(test_pool_blocks_until_release, setup_pg, teardown_pg),
    };
    int failed = cmocka_run_group_tests_name("db_sqlite", tests, NULL, NULL);
    const char *pg = getenv("EGRET_TEST_PG_URL");
    if (pg && *pg)
        failed += cmocka_run_group_tests_name("db_postgres", pg_tests, NULL, NULL);
    return failed;
}
