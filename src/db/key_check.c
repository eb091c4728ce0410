/*
 * key_check.c — the stored master-key check value and the "does this
 * database hold data" question asked before a key may be created.
 */
#include "db/key_check.h"

#include <assert.h>
#include <string.h>

#include "core/time.h"

/* Whether a table exists (asked the engine's catalogue). */
static enum eg_status table_exists(struct eg_db *db, const char *name, int *exists)
{
    int64_t n = 0;
    enum eg_status rc;

    if (eg_db_engine_of(db) == EG_DB_SQLITE)
        rc = eg_db_one_i64(db, &n,
                           "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                           "t", name);
    else
        rc = eg_db_one_i64(db, &n,
                           "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                           "current_schema() AND table_name = ?",
                           "t", name);
    *exists = rc == EG_OK && n > 0;
    return rc;
}

/* Whether any of the tables whose rows depend on the key has a row. */
static enum eg_status any_data(struct eg_db *db, int *holds)
{
    static const char *const probes[][2] = {
        {"people", "SELECT COUNT(*) FROM (SELECT 1 FROM people LIMIT 1) AS x"},
        {"users", "SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 1) AS x"},
        {"api_keys", "SELECT COUNT(*) FROM (SELECT 1 FROM api_keys LIMIT 1) AS x"},
    };
    enum eg_status rc = EG_OK;

    *holds = 0;
    for (size_t i = 0; rc == EG_OK && !*holds && i < sizeof probes / sizeof probes[0]; i++) {
        int exists = 0;
        int64_t n = 0;
        rc = table_exists(db, probes[i][0], &exists);
        if (rc == EG_OK && exists)
            rc = eg_db_one_i64(db, &n, probes[i][1], "");
        if (rc == EG_OK && n > 0)
            *holds = 1;
    }
    return rc;
}

/* The stored check value into out ("" and *found 0 without one). */
static enum eg_status read_value(struct eg_db *db, char out[65], int *found)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(db, &st, "SELECT check_value FROM key_check WHERE id = 1", "");

    out[0] = '\0';
    *found = 0;
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        eg_stmt_copy_text(st, 0, out, 65);
        *found = 1;
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_db_key_state_read(struct eg_db *db, struct eg_db_key_state *out)
{
    enum eg_status rc;

    memset(out, 0, sizeof *out);
    rc = table_exists(db, "key_check", &out->has_table);
    if (rc == EG_OK && out->has_table)
        rc = read_value(db, out->check_value, &out->has_check);
    if (rc == EG_OK)
        rc = any_data(db, &out->holds_data);
    return rc;
}

enum eg_status eg_db_key_check_put(struct eg_db *db, const char *value, char stored[65],
                                   int *inserted)
{
    int64_t changes = 0;
    int found = 0;
    enum eg_status rc;

    assert(eg_db_in_tx(db));
    assert(strlen(value) == 64);
    rc = eg_db_run(db, &changes,
                   "INSERT INTO key_check (id, check_value, created_at) VALUES (1, ?, ?) "
                   "ON CONFLICT (id) DO NOTHING",
                   "ti", value, eg_now());
    if (rc == EG_OK)
        rc = read_value(db, stored, &found);
    if (rc == EG_OK && !found)
        rc = EG_E_INTERNAL;
    if (inserted)
        *inserted = rc == EG_OK && changes > 0;
    return rc;
}
