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

/* The key_rotation row into out (nothing without the table or the row). */
static enum eg_status read_rotation(struct eg_db *db, struct eg_db_key_state *out)
{
    int exists = 0;
    struct eg_stmt *st = NULL;
    enum eg_status rc = table_exists(db, "key_rotation", &exists);
    if (rc != EG_OK || !exists)
        return rc;
    rc = eg_db_query(db, &st,
                     "SELECT next_check_value, state, step, after_id, rows_done, started_at "
                     "FROM key_rotation WHERE id = 1",
                     "");
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        eg_stmt_copy_text(st, 0, out->next_check_value, sizeof out->next_check_value);
        out->rotation = strcmp(eg_stmt_text(st, 1), "running") == 0 ? 1 : 2;
        eg_stmt_copy_text(st, 2, out->step, sizeof out->step);
        out->after_id = eg_stmt_i64(st, 3);
        out->rows_done = eg_stmt_i64(st, 4);
        out->rotation_started_at = eg_stmt_i64(st, 5);
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
    if (rc == EG_OK)
        rc = read_rotation(db, out);
    return rc;
}

enum eg_status eg_db_key_rotation_start(struct eg_db *db, const char *next_check_value)
{
    int64_t changes = 0;
    assert(eg_db_in_tx(db));
    assert(strlen(next_check_value) == 64);
    enum eg_status rc = eg_db_run(
        db, &changes,
        "INSERT INTO key_rotation (id, next_check_value, state, step, after_id, rows_done, "
        "started_at) VALUES (1, ?, 'running', '', 0, 0, ?) "
        "ON CONFLICT (id) DO UPDATE SET next_check_value = excluded.next_check_value, "
        "state = 'running', step = '', after_id = 0, rows_done = 0, "
        "started_at = excluded.started_at, finished_at = NULL "
        "WHERE key_rotation.state = 'finished'",
        "ti", next_check_value, eg_now());
    if (rc == EG_OK && changes == 0)
        rc = EG_E_CONFLICT;
    return rc;
}

enum eg_status eg_db_key_rotation_progress(struct eg_db *db, const char *step, int64_t after_id,
                                           int64_t rows)
{
    assert(eg_db_in_tx(db));
    return eg_db_run(db, NULL,
                     "UPDATE key_rotation SET step = ?, after_id = ?, rows_done = rows_done + ? "
                     "WHERE id = 1 AND state = 'running'",
                     "tii", step, after_id, rows);
}

enum eg_status eg_db_key_rotation_finish(struct eg_db *db)
{
    int64_t changes = 0;
    assert(eg_db_in_tx(db));
    enum eg_status rc = eg_db_run(db, &changes,
                                  "UPDATE key_check SET check_value = (SELECT next_check_value "
                                  "FROM key_rotation WHERE id = 1 AND state = 'running') "
                                  "WHERE id = 1 AND EXISTS (SELECT 1 FROM key_rotation WHERE id = "
                                  "1 AND state = 'running')",
                                  "");
    if (rc == EG_OK && changes != 1)
        rc = EG_E_CONFLICT;
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "UPDATE key_rotation SET state = 'finished', finished_at = ? WHERE id = 1",
                       "i", eg_now());
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
