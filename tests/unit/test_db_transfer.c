/*
 * test_db_transfer.c — copying a deployment between databases: SQLite to
 * SQLite always, and SQLite → PostgreSQL → SQLite when EGRET_TEST_PG_URL
 * names a throwaway cluster. Checks every row and value arrives, a
 * department tree whose parents come after their children, the audit chain
 * head, the identity sequences afterwards, and the refusals (a target that
 * already holds data, a source behind on migrations).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "db/transfer.h"

struct fx {
    char dir[64];
    char a[128], b[128], c[128];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/egret-test-transfer-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->a, sizeof f->a, "%s/a.db", f->dir);
    snprintf(f->b, sizeof f->b, "%s/b.db", f->dir);
    snprintf(f->c, sizeof f->c, "%s/c.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static int64_t one(struct eg_db *db, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(eg_db_one_i64(db, &n, sql, ""), EG_OK);
    return n;
}

static enum eg_status seed_tx(struct eg_db *db, void *arg)
{
    enum eg_status rc = EG_OK;
    (void)arg;
    /* A tree whose root was created last: children before their parent by id. */
    rc = eg_db_run(db, NULL,
                   "INSERT INTO departments (id, code, name, kind, parent_id, path, created_at) "
                   "VALUES (1, 'hrss', '人社局', 'member', NULL, '/1/', 100), "
                   "(2, 'dist', '思明区分中心', 'district', 1, '/1/2/', 101)",
                   "");
    if (rc == EG_OK)
        rc =
            eg_db_run(db, NULL,
                      "INSERT INTO departments (id, code, name, kind, parent_id, path, created_at) "
                      "VALUES (5, 'centre', '中心', 'centre', NULL, '/5/', 99)",
                      "");
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL, "UPDATE departments SET parent_id = 5 WHERE id = 1", "");
    for (int i = 0; rc == EG_OK && i < 4500; i++) {
        char login[32];
        snprintf(login, sizeof login, "user%04d", i);
        rc =
            eg_db_run(db, NULL,
                      "INSERT INTO users (login, password_hash, role, display_name, department_id, "
                      "created_at, updated_at) VALUES (?, 'h', 'mediator', ?, ?, ?, ?)",
                      "ttiii", login, i % 3 ? "名字 'quoted' \"x\"" : "", (int64_t)(i % 2 ? 2 : 5),
                      (int64_t)1700000000 + i, (int64_t)INT64_MAX - i);
    }
    for (int i = 1; rc == EG_OK && i <= 3; i++)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO audit_events (seq, at, actor, actor_role, action, entity, "
                       "entity_id, summary, prev_hash, hash) VALUES (?, ?, 'system', 'admin', "
                       "'user.create', 'user', ?, '{\"k\":\"值\"}', ?, ?)",
                       "iitti", (int64_t)i, (int64_t)1700000000 + i, "7", "p", (int64_t)i);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL, "UPDATE audit_head SET seq = 3, hash = '3' WHERE id = 1", "");
    return rc;
}

/*
 * Two tables of a deployment's own beside egret's (they must exist on both
 * sides): one with a composite key, one without a key, both over a page.
 */
static void extra_tables(const char *url, int fill)
{
    struct eg_db *db = NULL;
    assert_int_equal(eg_db_open(url, &db), EG_OK);
    assert_int_equal(eg_db_exec(db, "CREATE TABLE xfer_pairs (a BIGINT NOT NULL, b TEXT NOT NULL, "
                                    "v TEXT, PRIMARY KEY (a, b)); "
                                    "CREATE TABLE xfer_nopk (v TEXT, n BIGINT)"),
                     EG_OK);
    for (int i = 0; fill && i < 5000; i++) {
        char b[16];
        snprintf(b, sizeof b, "k%05d", (i * 7919) % 5000);
        assert_int_equal(eg_db_run(db, NULL, "INSERT INTO xfer_pairs VALUES (?, ?, ?)", "itt",
                                   (int64_t)(i % 7), b, i % 5 ? "值" : NULL),
                         EG_OK);
        if (i < 2500)
            assert_int_equal(eg_db_run(db, NULL, "INSERT INTO xfer_nopk VALUES (?, ?)", "ti",
                                       i % 3 ? "x" : "y", (int64_t)i),
                             EG_OK);
    }
    eg_db_close(db);
}

/* A migrated database with some of everything. */
static void seed(const char *url)
{
    struct eg_db *db = NULL;
    assert_int_equal(eg_db_open(url, &db), EG_OK);
    assert_int_equal(eg_db_migrate(db, NULL), EG_OK);
    assert_int_equal(eg_db_tx(db, seed_tx, NULL), EG_OK);
    eg_db_close(db);
    extra_tables(url, 1);
}

/* Both hold exactly the same rows in the tables this test fills. */
static void assert_same(const char *url_a, const char *url_b)
{
    static const char *queries[] = {
        "SELECT id, code, name, kind, parent_id, path, created_at FROM departments ORDER BY id",
        ("SELECT id, login, display_name, department_id, created_at, updated_at, person_id "
         "FROM users ORDER BY id"),
        "SELECT seq, at, entity_id, summary, prev_hash, hash FROM audit_events ORDER BY seq",
        "SELECT id, seq, hash FROM audit_head",
        "SELECT version, name, applied_at FROM schema_migrations ORDER BY version",
        "SELECT a, b, v FROM xfer_pairs ORDER BY a, b",
        "SELECT v, n FROM xfer_nopk ORDER BY n",
    };
    struct eg_db *a = NULL, *b = NULL;
    assert_int_equal(eg_db_open(url_a, &a), EG_OK);
    assert_int_equal(eg_db_open(url_b, &b), EG_OK);
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        struct eg_stmt *sa = NULL, *sb = NULL;
        enum eg_status ra, rb;
        int rows = 0;
        assert_int_equal(eg_db_query(a, &sa, queries[q], ""), EG_OK);
        assert_int_equal(eg_db_query(b, &sb, queries[q], ""), EG_OK);
        for (;;) {
            ra = eg_stmt_step(sa);
            rb = eg_stmt_step(sb);
            assert_int_equal(ra, rb);
            if (ra != EG_ROW)
                break;
            rows++;
            for (int c = 0; c < eg_stmt_columns(sa); c++) {
                assert_int_equal(eg_stmt_is_null(sa, c), eg_stmt_is_null(sb, c));
                assert_string_equal(eg_stmt_text(sa, c), eg_stmt_text(sb, c));
            }
        }
        assert_int_equal(ra, EG_DONE);
        assert_true(rows > 0);
        eg_stmt_done(sa);
        eg_stmt_done(sb);
    }
    assert_int_equal(one(a, "SELECT COUNT(*) FROM users"), 4500);
    assert_int_equal(one(b, "SELECT COUNT(*) FROM xfer_pairs"), 5000);
    assert_int_equal(one(b, "SELECT COUNT(*) FROM xfer_nopk"), 2500);
    eg_db_close(a);
    eg_db_close(b);
}

static void transfer_ok(const char *from, const char *to)
{
    struct eg_db_transfer_stats stats;
    char err[256] = "";
    enum eg_status rc = eg_db_transfer_urls(from, to, NULL, NULL, &stats, err, sizeof err);
    if (rc != EG_OK)
        fail_msg("transfer failed: %s", err);
    assert_true(stats.tables >= 10);
    assert_true(stats.rows >= 4500 + 3 + 3 + 5000 + 2500);
}

/* After a copy the target takes new rows without id collisions. */
static void assert_next_id_free(const char *url)
{
    struct eg_db *db = NULL;
    struct eg_stmt *st = NULL;
    assert_int_equal(eg_db_open(url, &db), EG_OK);
    int64_t max = one(db, "SELECT MAX(id) FROM users");
    assert_int_equal(eg_db_query(db, &st,
                                 "INSERT INTO users (login, password_hash, role, created_at, "
                                 "updated_at) VALUES ('fresh', 'h', 'admin', 1, 1) RETURNING id",
                                 ""),
                     EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_int_equal(eg_stmt_i64(st, 0), max + 1);
    eg_stmt_done(st);
    eg_db_close(db);
}

static void test_sqlite_to_sqlite(void **state)
{
    struct fx *f = *state;
    char err[256] = "";

    seed(f->a);
    extra_tables(f->b, 0);
    transfer_ok(f->a, f->b);
    assert_same(f->a, f->b);
    assert_next_id_free(f->b);

    /* The target now holds a deployment: refused, and nothing changes. */
    assert_int_equal(eg_db_transfer_urls(f->a, f->b, NULL, NULL, NULL, err, sizeof err),
                     EG_E_CONFLICT);
    assert_non_null(strstr(err, "already holds"));
    assert_int_equal(eg_db_transfer_urls(f->a, f->a, NULL, NULL, NULL, err, sizeof err),
                     EG_E_INVALID_PARAMETER);
}

static void test_source_without_schema(void **state)
{
    struct fx *f = *state;
    struct eg_db *db = NULL;
    char err[256] = "";

    assert_int_equal(eg_db_open(f->a, &db), EG_OK);
    assert_int_equal(eg_db_exec(db, "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, "
                                    "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"),
                     EG_OK);
    eg_db_close(db);
    assert_int_equal(eg_db_transfer_urls(f->a, f->b, NULL, NULL, NULL, err, sizeof err),
                     EG_E_UNPROCESSABLE);
    assert_non_null(strstr(err, "no egret schema"));

    assert_int_equal(eg_db_open(f->a, &db), EG_OK);
    assert_int_equal(eg_db_exec(db, "INSERT INTO schema_migrations VALUES (1, '0001_core.sql', 1)"),
                     EG_OK);
    eg_db_close(db);
    if (eg_db_migrations_latest() > 1) {
        assert_int_equal(eg_db_transfer_urls(f->a, f->b, NULL, NULL, NULL, err, sizeof err),
                         EG_E_UNPROCESSABLE);
        assert_non_null(strstr(err, "egret migrate"));
    }
}

static void test_through_postgres(void **state)
{
    struct fx *f = *state;
    const char *base = getenv("EGRET_TEST_PG_URL");
    struct eg_db *admin = NULL;
    char name[64], url[600], sql[160];

    if (!base || !*base) {
        skip();
        return;
    }
    snprintf(name, sizeof name, "egret_transfer_%ld_%ld", (long)getpid(), (long)time(NULL));
    const char *slash = strrchr(base, '/');
    snprintf(url, sizeof url, "%.*s/%s", (int)(slash - base), base, name);
    assert_int_equal(eg_db_open(base, &admin), EG_OK);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    assert_int_equal(eg_db_exec(admin, sql), EG_OK);

    seed(f->a);
    extra_tables(url, 0);
    transfer_ok(f->a, url);
    assert_same(f->a, url);
    extra_tables(f->c, 0);
    transfer_ok(url, f->c);
    assert_same(f->a, f->c);
    assert_next_id_free(url);
    assert_next_id_free(f->c);

    snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", name);
    assert_int_equal(eg_db_exec(admin, sql), EG_OK);
    eg_db_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sqlite_to_sqlite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_without_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_through_postgres, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
