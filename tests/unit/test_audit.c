/*
 * test_audit.c — the hash-chained audit trail (auth/audit.h) on SQLite:
 * appending in transactions, the actor recorded for the system, a person and
 * an API key, verification of a long chain (across pages), and detection of
 * every kind of tampering — an edited event, a deleted event in the middle
 * or at the end, a re-hashed event, an event slipped in past the head, a
 * moved head. Also that account changes land on the trail without personal
 * data in their summaries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/accounts.h"
#include "auth/audit.h"
#include "auth/crypto.h"
#include "core/config.h"
#include "db/db.h"

struct fx {
    char dir[64];
    char path[512]; /* what eg_db_open gets: a file, or a PostgreSQL URL */
    char pg_admin[512];
    char pg_name[64];
    struct eg_db *db;
};

static struct eg_keys *keys;

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    int applied = 0;
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/egret-test-audit-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/egret.db", f->dir);
    assert_int_equal(eg_db_open(f->path, &f->db), EG_OK);
    assert_int_equal(eg_db_migrate(f->db, &applied), EG_OK);
    *state = f;
    return 0;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[600];
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
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
 * PostgreSQL, when EGRET_TEST_PG_URL names a server: each test gets a
 * database of its own, dropped afterwards.
 */
static int setup_pg(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct eg_db *admin = NULL;
    struct timespec ts;
    char sql[128];
    int applied = 0;
    const char *url = getenv("EGRET_TEST_PG_URL");

    assert_non_null(f);
    assert_non_null(url);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(f->dir, sizeof f->dir, "/tmp/egret-test-audit-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->pg_admin, sizeof f->pg_admin, "%s", url);
    snprintf(f->pg_name, sizeof f->pg_name, "egret_audit_%ld_%ld", (long)getpid(),
             (long)(ts.tv_nsec % 1000000000L));
    snprintf(f->path, sizeof f->path, "%s%cdbname=%s", url, strchr(url, '?') ? '&' : '?',
             f->pg_name);
    assert_int_equal(eg_db_open(f->pg_admin, &admin), EG_OK);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->pg_name);
    assert_int_equal(eg_db_exec(admin, sql), EG_OK);
    eg_db_close(admin);
    assert_int_equal(eg_db_open(f->path, &f->db), EG_OK);
    assert_int_equal(eg_db_migrate(f->db, &applied), EG_OK);
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

struct append_args {
    const struct eg_audit_ctx *ctx;
    int n; /* events to append */
    const char *action;
};

static enum eg_status append_fn(struct eg_db *db, void *p)
{
    struct append_args *a = p;
    char id[16], summary[64];
    for (int i = 0; i < a->n; i++) {
        snprintf(id, sizeof id, "%d", i + 1);
        snprintf(summary, sizeof summary, "{\"i\":%d,\"note\":\"événement\"}", i);
        enum eg_status st = eg_audit_append(db, a->ctx, a->action, "case", id, summary);
        if (st != EG_OK)
            return st;
    }
    return EG_OK;
}

/* Append n events as the system in one transaction. */
static void append_n(struct eg_db *db, int n)
{
    struct eg_audit_ctx ctx = {NULL, "", ""};
    struct append_args a = {&ctx, n, "case.update"};
    assert_int_equal(eg_db_tx(db, append_fn, &a), EG_OK);
}

static void verify_ok(struct eg_db *db, int64_t want)
{
    int64_t count = -1, bad = -1;
    assert_int_equal(eg_audit_verify(db, &count, &bad), EG_OK);
    assert_int_equal(count, want);
    assert_int_equal(bad, 0);
}

static void verify_bad(struct eg_db *db, int64_t want_bad)
{
    int64_t count = -1, bad = -1;
    assert_int_equal(eg_audit_verify(db, &count, &bad), EG_E_CONFLICT);
    if (bad != want_bad)
        fail_msg("first bad seq %lld, want %lld", (long long)bad, (long long)want_bad);
    assert_int_equal(count, want_bad - 1); /* everything before it checked out */
}

/* Remove the append-only triggers, as someone with the database's
 * owner rights could. */
static void drop_triggers(struct eg_db *db)
{
    if (eg_db_engine_of(db) == EG_DB_POSTGRES)
        assert_int_equal(eg_db_exec(db, "DROP TRIGGER audit_events_no_update ON audit_events"),
                         EG_OK);
    else
        assert_int_equal(eg_db_exec(db, "DROP TRIGGER audit_events_no_update; "
                                        "DROP TRIGGER audit_events_no_delete;"),
                         EG_OK);
}

static void test_empty_chain_verifies(void **state)
{
    struct fx *f = *state;
    verify_ok(f->db, 0);
}

static void test_append_outside_transaction_refused(void **state)
{
    struct fx *f = *state;
    struct eg_audit_ctx ctx = {NULL, "", ""};
    assert_int_not_equal(eg_audit_append(f->db, &ctx, "x", "y", "1", NULL), EG_OK);
    verify_ok(f->db, 0);
}

/* The actor columns for the system, a signed-in person and an API key, and
 * the chain links between them. */
static void test_actors_and_links(void **state)
{
    struct fx *f = *state;
    struct eg_principal person, key;
    memset(&person, 0, sizeof person);
    person.role = EG_ROLE_MEDIATOR;
    person.user_id = 42;
    snprintf(person.login, sizeof person.login, "mediator.hrss");
    memset(&key, 0, sizeof key);
    key.role = EG_ROLE_PLATFORM;
    key.api_key_id = 9;
    key.organisation_id = 3;
    snprintf(key.login, sizeof key.login, "key:egk_AbCdEfGh");

    struct eg_audit_ctx sys = {NULL, "", ""};
    struct eg_audit_ctx web = {&person, "10.0.0.7", "req-1"};
    struct eg_audit_ctx api = {&key, "10.0.0.8", "req-2"};
    struct append_args a1 = {&sys, 1, "system.start"};
    struct append_args a2 = {&web, 1, "case.transition"};
    struct append_args a3 = {&api, 1, "feed.roster"};
    assert_int_equal(eg_db_tx(f->db, append_fn, &a1), EG_OK);
    assert_int_equal(eg_db_tx(f->db, append_fn, &a2), EG_OK);
    assert_int_equal(eg_db_tx(f->db, append_fn, &a3), EG_OK);

    struct eg_stmt *st = NULL;
    static const char *const want[3][5] = {
        {"system", "system", "0", "", ""},
        {"mediator.hrss", "mediator", "42", "10.0.0.7", "req-1"},
        {"key:egk_AbCdEfGh", "platform", "0", "10.0.0.8", "req-2"},
    };
    char prev[65];
    memset(prev, '0', 64);
    prev[64] = '\0';
    int n = 0;
    enum eg_status rc = eg_db_query(f->db, &st,
                                    "SELECT seq, at, actor_user_id, actor, actor_role, action, "
                                    "entity, entity_id, summary, address, request_id, prev_hash, "
                                    "hash FROM audit_events ORDER BY seq",
                                    "");
    while ((rc == EG_OK || rc == EG_ROW) && (rc = eg_stmt_step(st)) == EG_ROW) {
        char uid[24];
        assert_int_equal(eg_stmt_i64(st, 0), n + 1);
        assert_true(eg_stmt_i64(st, 1) > 1700000000);
        snprintf(uid, sizeof uid, "%lld", (long long)eg_stmt_i64(st, 2));
        assert_string_equal(eg_stmt_text(st, 3), want[n][0]);
        assert_string_equal(eg_stmt_text(st, 4), want[n][1]);
        assert_string_equal(uid, want[n][2]);
        assert_string_equal(eg_stmt_text(st, 9), want[n][3]);
        assert_string_equal(eg_stmt_text(st, 10), want[n][4]);
        assert_string_equal(eg_stmt_text(st, 11), prev);
        /* The stored hash is the documented function of the fields. */
        struct eg_audit_event ev;
        memset(&ev, 0, sizeof ev);
        ev.seq = eg_stmt_i64(st, 0);
        ev.at = eg_stmt_i64(st, 1);
        ev.actor_user_id = eg_stmt_i64(st, 2);
        ev.actor = eg_stmt_text(st, 3);
        ev.actor_role = eg_stmt_text(st, 4);
        ev.action = eg_stmt_text(st, 5);
        ev.entity = eg_stmt_text(st, 6);
        ev.entity_id = eg_stmt_text(st, 7);
        ev.summary = eg_stmt_text(st, 8);
        ev.address = eg_stmt_text(st, 9);
        ev.request_id = eg_stmt_text(st, 10);
        snprintf(ev.prev_hash, sizeof ev.prev_hash, "%s", prev);
        eg_audit_hash(&ev, ev.hash);
        assert_string_equal(ev.hash, eg_stmt_text(st, 12));
        /* Any field change changes the hash. */
        char h2[65];
        ev.address = "10.0.0.9";
        eg_audit_hash(&ev, h2);
        assert_string_not_equal(h2, ev.hash);
        snprintf(prev, sizeof prev, "%s", eg_stmt_text(st, 12));
        n++;
    }
    eg_stmt_done(st);
    assert_int_equal(rc, EG_DONE);
    assert_int_equal(n, 3);
    verify_ok(f->db, 3);
}

/* A rolled-back transaction leaves neither the event nor a moved head. */
static enum eg_status append_then_fail(struct eg_db *db, void *p)
{
    struct eg_audit_ctx ctx = {NULL, "", ""};
    (void)p;
    enum eg_status st = eg_audit_append(db, &ctx, "case.create", "case", "1", "{}");
    return st == EG_OK ? EG_E_CONFLICT : st;
}

static void test_rollback_leaves_no_trace(void **state)
{
    struct fx *f = *state;
    int64_t n = -1;
    append_n(f->db, 2);
    assert_int_equal(eg_db_tx(f->db, append_then_fail, NULL), EG_E_CONFLICT);
    assert_int_equal(eg_db_one_i64(f->db, &n, "SELECT COUNT(*) FROM audit_events", ""), EG_OK);
    assert_int_equal(n, 2);
    append_n(f->db, 1);
    verify_ok(f->db, 3);
}

/* More events than one verification page, appended in several transactions. */
static void test_long_chain(void **state)
{
    struct fx *f = *state;
    append_n(f->db, 700);
    append_n(f->db, 1);
    append_n(f->db, 550);
    verify_ok(f->db, 1251);
    /* Tampering far into the chain (on the third page) is still found. */
    drop_triggers(f->db);
    assert_int_equal(
        eg_db_exec(f->db, "UPDATE audit_events SET actor = 'someone' WHERE seq = 1100"), EG_OK);
    verify_bad(f->db, 1100);
}

static void test_edited_summary_detected(void **state)
{
    struct fx *f = *state;
    append_n(f->db, 6);
    verify_ok(f->db, 6);
    /* The table refuses updates while its trigger stands. */
    assert_int_not_equal(
        eg_db_exec(f->db, "UPDATE audit_events SET summary = '{\"i\":99}' WHERE seq = 3"), EG_OK);
    verify_ok(f->db, 6);
    drop_triggers(f->db);
    assert_int_equal(
        eg_db_exec(f->db, "UPDATE audit_events SET summary = '{\"i\":99}' WHERE seq = 3"), EG_OK);
    verify_bad(f->db, 3);
}

static void test_deleted_event_detected(void **state)
{
    struct fx *f = *state;
    append_n(f->db, 6);
    assert_int_not_equal(eg_db_exec(f->db, "DELETE FROM audit_events WHERE seq = 4"), EG_OK);
    verify_ok(f->db, 6);
    drop_triggers(f->db);
    assert_int_equal(eg_db_exec(f->db, "DELETE FROM audit_events WHERE seq = 4"), EG_OK);
    verify_bad(f->db, 4);
}

static void test_deleted_first_event_detected(void **state)
{
    struct fx *f = *state;
    append_n(f->db, 3);
    drop_triggers(f->db);
    assert_int_equal(eg_db_exec(f->db, "DELETE FROM audit_events WHERE seq = 1"), EG_OK);
    verify_bad(f->db, 1);
}

/* Deleting the newest events (the head still names the last) is found. */
static void test_deleted_tail_detected(void **state)
{
    struct fx *f = *state;
    append_n(f->db, 5);
    drop_triggers(f->db);
    assert_int_equal(eg_db_exec(f->db, "DELETE FROM audit_events WHERE seq >= 4"), EG_OK);
    verify_bad(f->db, 4);
}

/* Deleting the tail and rolling the head back to match is not detectable by
 * the chain alone — but the next append continues from the head, so the
 * chain stays well-formed: this documents the limit, not a hole. */
static void test_truncation_with_head_is_consistent(void **state)
{
    struct fx *f = *state;
    append_n(f->db, 5);
    drop_triggers(f->db);
    assert_int_equal(eg_db_exec(f->db, "DELETE FROM audit_events WHERE seq >= 4; "
                                       "UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM "
                                       "audit_events WHERE seq = 3)"),
                     EG_OK);
    verify_ok(f->db, 3);
    append_n(f->db, 2);
    verify_ok(f->db, 5);
}

/* An event re-hashed to match its edit breaks the next event's link. */
static void test_rehashed_event_detected(void **state)
{
    struct fx *f = *state;
    struct eg_stmt *st = NULL;
    struct eg_audit_event ev;
    char prev[65], hash[65];
    append_n(f->db, 5);
    memset(&ev, 0, sizeof ev);
    assert_int_equal(eg_db_query(f->db, &st,
                                 "SELECT seq, at, actor_user_id, actor, actor_role, action, "
                                 "entity, entity_id, address, request_id, prev_hash FROM "
                                 "audit_events WHERE seq = 2",
                                 ""),
                     EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    ev.seq = eg_stmt_i64(st, 0);
    ev.at = eg_stmt_i64(st, 1);
    ev.actor_user_id = eg_stmt_i64(st, 2);
    char actor[64], role[32], action[64], entity[32], eid[32], addr[64], rid[64];
    snprintf(actor, sizeof actor, "%s", eg_stmt_text(st, 3));
    snprintf(role, sizeof role, "%s", eg_stmt_text(st, 4));
    snprintf(action, sizeof action, "%s", eg_stmt_text(st, 5));
    snprintf(entity, sizeof entity, "%s", eg_stmt_text(st, 6));
    snprintf(eid, sizeof eid, "%s", eg_stmt_text(st, 7));
    snprintf(addr, sizeof addr, "%s", eg_stmt_text(st, 8));
    snprintf(rid, sizeof rid, "%s", eg_stmt_text(st, 9));
    snprintf(prev, sizeof prev, "%s", eg_stmt_text(st, 10));
    eg_stmt_done(st);
    ev.actor = actor;
    ev.actor_role = role;
    ev.action = action;
    ev.entity = entity;
    ev.entity_id = eid;
    ev.address = addr;
    ev.request_id = rid;
    ev.summary = "{\"forged\":true}";
    snprintf(ev.prev_hash, sizeof ev.prev_hash, "%s", prev);
    eg_audit_hash(&ev, hash);
    drop_triggers(f->db);
    assert_int_equal(eg_db_run(f->db, NULL,
                               "UPDATE audit_events SET summary = ?, hash = ? WHERE seq = 2", "tt",
                               ev.summary, hash),
                     EG_OK);
    verify_bad(f->db, 3);
}

/* An event inserted past the head (without moving it) is named. */
static void test_event_past_head_detected(void **state)
{
    struct fx *f = *state;
    append_n(f->db, 3);
    assert_int_equal(
        eg_db_exec(f->db, "INSERT INTO audit_events (seq, at, actor, actor_role, action, entity, "
                          "entity_id, summary, prev_hash, hash) SELECT 4, at, actor, actor_role, "
                          "action, entity, entity_id, summary, hash, hash FROM audit_events "
                          "WHERE seq = 3"),
        EG_OK);
    int64_t count = 0, bad = 0;
    assert_int_equal(eg_audit_verify(f->db, &count, &bad), EG_E_CONFLICT);
    assert_int_equal(bad, 4);
    /* And appending refuses to write around it. */
    struct eg_audit_ctx ctx = {NULL, "", ""};
    struct append_args a = {&ctx, 1, "x"};
    assert_int_not_equal(eg_db_tx(f->db, append_fn, &a), EG_OK);
}

/* A head that does not name the last event is found. */
static void test_moved_head_detected(void **state)
{
    struct fx *f = *state;
    append_n(f->db, 3);
    assert_int_equal(eg_db_exec(f->db, "UPDATE audit_head SET hash = "
                                       "'00000000000000000000000000000000000000000000000000000000"
                                       "00000000'"),
                     EG_OK);
    int64_t count = 0, bad = 0;
    assert_int_equal(eg_audit_verify(f->db, &count, &bad), EG_E_CONFLICT);
    assert_int_equal(bad, 3);
}

/* Writers on separate connections appending at once: every transaction
 * lands (retried when it loses the race for the head) and the chain holds. */
struct racer {
    const char *path;
    int txs;
    enum eg_status last;
};

static void *race(void *p)
{
    struct racer *r = p;
    struct eg_db *db = NULL;
    struct eg_audit_ctx ctx = {NULL, "", ""};
    struct append_args a = {&ctx, 2, "race"};
    r->last = eg_db_open(r->path, &db);
    if (r->last == EG_OK && eg_db_engine_of(db) == EG_DB_SQLITE)
        r->last = eg_db_exec(db, "PRAGMA busy_timeout = 5000");
    for (int i = 0; r->last == EG_OK && i < r->txs; i++)
        r->last = eg_db_tx(db, append_fn, &a);
    eg_db_close(db);
    return NULL;
}

static void test_concurrent_appenders(void **state)
{
    struct fx *f = *state;
    pthread_t th[4];
    struct racer r[4];
    for (int i = 0; i < 4; i++) {
        r[i].path = f->path;
        r[i].txs = 25;
        r[i].last = EG_OK;
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].last, EG_OK);
    }
    verify_ok(f->db, 4 * 25 * 2);
}

/* Account changes are audited in their own transaction, and summaries
 * never hold an ID number, a phone or a password. */
static void test_accounts_on_the_trail(void **state)
{
    struct fx *f = *state;
    struct eg_audit_ctx sys = {NULL, "", ""};
    int64_t person = 0, user = 0, n = 0, org = 0, key_id = 0;
    int created = 0;
    char key[64];
    assert_int_equal(eg_departments_seed(f->db, &sys, "厦门市"), EG_OK);
    assert_int_equal(eg_db_one_i64(f->db, &n, "SELECT COUNT(*) FROM departments", ""), EG_OK);
    assert_int_equal(n, 1 + 27 + 6);
    assert_int_equal(eg_departments_seed(f->db, &sys, "厦门市"), EG_OK); /* only once */
    assert_int_equal(eg_db_one_i64(f->db, &n, "SELECT COUNT(*) FROM departments", ""), EG_OK);
    assert_int_equal(n, 34);
    int64_t did = 0;
    char path[128], centre[128];
    assert_int_equal(eg_department_by_code(f->db, "siming", &did, path), EG_OK);
    assert_int_equal(eg_department_by_code(f->db, "centre", &n, centre), EG_OK);
    assert_true(strlen(path) > strlen(centre));
    assert_memory_equal(path, centre, strlen(centre)); /* siming is below the centre */
    assert_int_equal(eg_department_by_code(f->db, "nope", &did, path), EG_E_NOT_FOUND);

    struct eg_person_input pin = {"张伟", "360426199101010071", "13812345678"};
    assert_int_equal(eg_person_upsert(f->db, &sys, &pin, &person, &created), EG_OK);
    assert_int_equal(created, 1);
    int64_t again = 0;
    pin.id_number = "360426199101010071";
    assert_int_equal(eg_person_upsert(f->db, &sys, &pin, &again, &created), EG_OK);
    assert_int_equal(created, 0);
    assert_int_equal(again, person);
    assert_int_equal(eg_person_find_by_id_number(f->db, "360426199101010071", &again), EG_OK);
    assert_int_equal(again, person);
    assert_int_equal(eg_person_find_by_id_number(f->db, "360426199101010072", &again),
                     EG_E_NOT_FOUND);
    struct eg_person_input bad = {"李四", "360426199101010072", NULL};
    assert_int_equal(eg_person_upsert(f->db, &sys, &bad, &again, &created), EG_E_INVALID_FIELD);

    struct eg_user_input uin = {
        "worker.zhang", "long enough to pass", EG_ROLE_WORKER, NULL, person, 0, "张伟"};
    assert_int_equal(eg_user_create(f->db, &sys, &uin, &user), EG_OK);
    assert_int_equal(eg_user_create(f->db, &sys, &uin, &user), EG_E_DUPLICATE);
    struct eg_user_input weak = {"other", "short", EG_ROLE_ADMIN, "centre", 0, 0, NULL};
    assert_int_equal(eg_user_create(f->db, &sys, &weak, &user), EG_E_INVALID_FIELD);
    struct eg_user_input nodept = {"med", "long enough to pass", EG_ROLE_MEDIATOR, NULL, 0, 0,
                                   NULL};
    assert_int_equal(eg_user_create(f->db, &sys, &nodept, &user), EG_E_INVALID_FIELD);
    nodept.department_code = "no_such";
    assert_int_equal(eg_user_create(f->db, &sys, &nodept, &user), EG_E_INVALID_FIELD);
    nodept.department_code = "hrss";
    assert_int_equal(eg_user_create(f->db, &sys, &nodept, &user), EG_OK);
    assert_int_equal(eg_user_set_password(f->db, &sys, "med", "another long one"), EG_OK);
    assert_int_equal(eg_user_set_password(f->db, &sys, "nobody", "another long one"),
                     EG_E_NOT_FOUND);
    assert_int_equal(eg_user_set_disabled(f->db, &sys, "med", 1), EG_OK);
    assert_int_equal(eg_organisation_create(f->db, &sys, "某平台", "91350100M000100Y43", "platform",
                                            "food_delivery", &org),
                     EG_OK);
    assert_int_equal(eg_organisation_create(f->db, &sys, "某平台", "91350100M000100Y43", "platform",
                                            "food_delivery", &n),
                     EG_E_DUPLICATE);
    assert_int_equal(
        eg_organisation_create(f->db, &sys, "某公司", "91350100M000100Y44", "company", "", &n),
        EG_E_INVALID_FIELD);
    assert_int_equal(eg_api_key_issue(f->db, &sys, org, 0, "feed", key, &key_id), EG_OK);
    assert_memory_equal(key, "egk_", 4);
    assert_int_equal(eg_api_key_issue(f->db, &sys, 0, 0, "none", key, &n), EG_E_INVALID_FIELD);

    /* Every one of those changes is on the trail, and the chain holds. */
    static const char *const actions[] = {
        "department.create", "person.create",       "user.create",  "user.password",
        "user.disable",      "organisation.create", "api_key.issue"};
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        assert_int_equal(eg_db_one_i64(f->db, &n,
                                       "SELECT COUNT(*) FROM audit_events WHERE action = ?", "t",
                                       actions[i]),
                         EG_OK);
        if (n < 1)
            fail_msg("no %s event", actions[i]);
    }
    char key_like[80];
    snprintf(key_like, sizeof key_like, "%%%s%%", key + 4);
    assert_int_equal(eg_db_one_i64(f->db, &n,
                                   "SELECT COUNT(*) FROM audit_events WHERE summary LIKE "
                                   "'%360426199101010071%' OR summary LIKE '%13812345678%' OR "
                                   "summary LIKE '%long enough%' OR summary LIKE ?",
                                   "t", key_like),
                     EG_OK);
    assert_int_equal(n, 0);
    /* Neither the database nor the trail holds the key itself. */
    assert_int_equal(eg_db_one_i64(f->db, &n,
                                   "SELECT COUNT(*) FROM api_keys WHERE key_hash = ? OR prefix = ?",
                                   "tt", key, key),
                     EG_OK);
    assert_int_equal(n, 0);
    /* Personal data is stored encrypted. */
    assert_int_equal(eg_db_one_i64(f->db, &n,
                                   "SELECT COUNT(*) FROM people WHERE id_number_enc LIKE "
                                   "'%0071%' OR phone_enc = '13812345678' OR id_number_masked <> "
                                   "'3604**********0071' OR phone_masked <> '138****5678'",
                                   ""),
                     EG_OK);
    assert_int_equal(n, 0);
    int64_t count = 0, first_bad = 0;
    assert_int_equal(eg_audit_verify(f->db, &count, &first_bad), EG_OK);
    assert_true(count > 40);
}

int main(void)
{
    struct eg_config c;
    eg_config_defaults(&c);
    snprintf(c.master_key_hex, sizeof c.master_key_hex, "%s",
             "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    setenv("EGRET_PWHASH_FAST", "1", 1);
    if (eg_keys_load(&c, &keys) != EG_OK)
        return 1;
    eg_keys_set_global(keys);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_empty_chain_verifies),
        T(test_append_outside_transaction_refused),
        T(test_actors_and_links),
        T(test_rollback_leaves_no_trace),
        T(test_long_chain),
        T(test_edited_summary_detected),
        T(test_deleted_event_detected),
        T(test_deleted_first_event_detected),
        T(test_deleted_tail_detected),
        T(test_truncation_with_head_is_consistent),
        T(test_rehashed_event_detected),
        T(test_event_past_head_detected),
        T(test_moved_head_detected),
        T(test_concurrent_appenders),
        T(test_accounts_on_the_trail),
    };
    int rc = cmocka_run_group_tests_name("audit_sqlite", tests, NULL, NULL);
#undef T
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_pg, teardown_pg)
    const struct CMUnitTest pg_tests[] = {
        T(test_empty_chain_verifies),     T(test_actors_and_links),
        T(test_rollback_leaves_no_trace), T(test_long_chain),
        T(test_edited_summary_detected),  T(test_deleted_event_detected),
        T(test_deleted_tail_detected),    T(test_rehashed_event_detected),
        T(test_event_past_head_detected), T(test_moved_head_detected),
        T(test_concurrent_appenders),     T(test_accounts_on_the_trail),
    };
    if (getenv("EGRET_TEST_PG_URL"))
        rc += cmocka_run_group_tests_name("audit_postgres", pg_tests, NULL, NULL);
    eg_keys_free(keys);
    return rc;
}
