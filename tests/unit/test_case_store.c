/*
 * test_case_store.c — the cases store on a real SQLite database: per-year
 * case numbers, state updates guarded by the current state, scoped and
 * filtered lists with keyset pagination, overdue counts, the backlog and
 * case counts the monitoring module reads, stats, public figures, the
 * built-in holiday calendar, agreements and payments sums.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/audit.h"
#include "cases/cases.h"
#include "cases/rules.h"
#include "cases/store.h"
#include "core/arena.h"
#include "core/log.h"
#include "db/db.h"

struct fx {
    char dir[64];
    char path[128];
    struct eg_db *db;
    struct eg_arena *a;
    int64_t hrss, market, siming, centre;
    int64_t p1, p2;     /* people */
    int64_t org1, org2; /* respondents */
    eg_day today;
};

static int64_t add_dept(struct fx *f, const char *code, const char *kind, const char *path)
{
    int64_t id = 0;

    assert_int_equal(eg_db_one_i64(f->db, &id,
                                   "INSERT INTO departments (code, name, kind, path, created_at) "
                                   "VALUES (?, ?, ?, ?, 0) RETURNING id",
                                   "tttt", code, code, kind, path),
                     EG_OK);
    return id;
}

static int64_t add_person(struct fx *f, const char *name)
{
    int64_t id = 0;

    assert_int_equal(eg_db_one_i64(f->db, &id,
                                   "INSERT INTO people (name, id_number_enc, id_number_idx, "
                                   "id_number_masked, birth_date, gender, created_at) VALUES (?, "
                                   "'x', ?, '3502**********0000', '1990-01-01', 'male', 0) "
                                   "RETURNING id",
                                   "tt", name, name),
                     EG_OK);
    return id;
}

static int64_t add_org(struct fx *f, const char *name, const char *sector)
{
    int64_t id = 0;

    assert_int_equal(eg_db_one_i64(f->db, &id,
                                   "INSERT INTO organisations (name, kind, sector, created_at) "
                                   "VALUES (?, 'platform', ?, 0) RETURNING id",
                                   "tt", name, sector),
                     EG_OK);
    return id;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    int applied = 0;

    assert_non_null(f);
    eg_log_set_level(EG_LOG_WARN);
    snprintf(f->dir, sizeof f->dir, "/tmp/egret-cases-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    assert_int_equal(eg_db_open(f->path, &f->db), EG_OK);
    assert_int_equal(eg_db_migrate(f->db, &applied), EG_OK);
    f->a = eg_arena_new();
    f->centre = add_dept(f, "centre", "centre", "/1/");
    f->hrss = add_dept(f, "hrss", "member", "/1/2/");
    f->market = add_dept(f, "market", "member", "/1/3/");
    f->siming = add_dept(f, "siming", "district", "/1/4/");
    f->p1 = add_person(f, "甲");
    f->p2 = add_person(f, "乙");
    f->org1 = add_org(f, "平台一", "food_delivery");
    f->org2 = add_org(f, "平台二", "ride_hailing");
    f->today = eg_day_of(eg_now());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char p[160];

    eg_arena_destroy(f->a);
    eg_db_close(f->db);
    unlink(f->path);
    snprintf(p, sizeof p, "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->path);
    unlink(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Insert a case submitted `age` days ago in state submitted (inside a tx). */
static int64_t add_case(struct fx *f, int64_t person, int64_t org, int64_t dept, int age,
                        const char *type)
{
    struct eg_case_new in;
    char number[40], sub[11], due[11];
    int64_t seq = 0, id = 0;
    eg_day d = f->today - age;
    int y, m, dd;

    eg_day_to_civil(d, &y, &m, &dd);
    assert_int_equal(eg_case_store_next_seq(f->db, y, &seq), EG_OK);
    eg_case_number_format("XM", y, seq, number, sizeof number);
    eg_date_format(d, sub);
    eg_date_format(eg_case_accept_due(NULL, d, 1), due);
    memset(&in, 0, sizeof in);
    in.number = number;
    in.channel = "online";
    in.type = type;
    in.applicant_person_id = person;
    in.respondent_org_id = org;
    in.department_id = dept;
    in.matter = "m";
    in.facts = "f";
    in.claims.fen[EG_CAT_PAY] = 10000;
    in.submitted_at = eg_day_start(d) + 3600;
    in.submitted_on = sub;
    in.accept_due_on = due;
    assert_int_equal(eg_case_store_insert(f->db, &in, &id), EG_OK);
    return id;
}

static void begin(struct fx *f)
{
    assert_int_equal(eg_db_exec(f->db, "BEGIN"), EG_OK);
}

static void commit(struct fx *f)
{
    assert_int_equal(eg_db_exec(f->db, "COMMIT"), EG_OK);
}

static void test_numbers_per_year(void **state)
{
    struct fx *f = *state;
    int64_t a = 0, b = 0, c = 0;

    begin(f);
    assert_int_equal(eg_case_store_next_seq(f->db, 2030, &a), EG_OK);
    assert_int_equal(eg_case_store_next_seq(f->db, 2030, &b), EG_OK);
    assert_int_equal(eg_case_store_next_seq(f->db, 2031, &c), EG_OK);
    commit(f);
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);
    assert_int_equal(c, 1);
}

static void test_state_update_is_guarded(void **state)
{
    struct fx *f = *state;
    struct eg_case_state_update u;
    struct eg_case_rec rec;
    int64_t id;

    begin(f);
    id = add_case(f, f->p1, f->org1, f->hrss, 0, "unpaid_pay");
    memset(&u, 0, sizeof u);
    u.from = EG_CASE_SUBMITTED;
    u.to = EG_CASE_ACCEPTED;
    u.accepted_at = 1000;
    u.mediation_due_on = "2030-01-16";
    u.due_on = "2030-01-16";
    u.agreed_total_fen = -1;
    u.now = 1000;
    assert_int_equal(eg_case_store_set_state(f->db, id, &u), EG_OK);
    /* The same move again finds the case no longer submitted. */
    assert_int_equal(eg_case_store_set_state(f->db, id, &u), EG_E_CONFLICT);
    commit(f);
    assert_int_equal(eg_case_store_get(f->db, f->a, id, &rec), EG_OK);
    assert_int_equal(rec.state, EG_CASE_ACCEPTED);
    assert_string_equal(rec.mediation_due_on, "2030-01-16");
    assert_int_equal(rec.accepted_at, 1000);
    assert_int_equal(rec.claimed_total_fen, 10000);
    assert_string_equal(rec.dept.code, "hrss");
    assert_int_equal(eg_case_store_get(f->db, f->a, 987654, &rec), EG_E_NOT_FOUND);
}

static void test_scoped_lists_and_backlog(void **state)
{
    struct fx *f = *state;
    struct eg_case_scope scope;
    struct eg_case_filter flt;
    struct eg_case_rec *rows = NULL;
    struct eg_case_backlog *bl = NULL;
    struct eg_case_count *cc = NULL;
    struct eg_principal who;
    size_t n = 0, nb = 0;
    int more = 0;
    int64_t ids[6], total = 0, seen = 0, cursor = 0, t;
    char today[11];

    begin(f);
    ids[0] = add_case(f, f->p2, f->org2, f->market, 10, "penalty"); /* overdue */
    ids[1] = add_case(f, f->p2, f->org2, f->market, 0, "penalty");
    ids[2] = add_case(f, f->p2, f->org1, f->siming, 20, "other"); /* overdue */
    ids[3] = add_case(f, f->p2, f->org1, f->siming, 1, "other");
    ids[4] = add_case(f, f->p2, f->org2, f->hrss, 30, "unpaid_pay");
    ids[5] = add_case(f, f->p2, f->org2, f->hrss, 40, "unpaid_pay");
    assert_int_equal(eg_case_store_co_add(f->db, ids[2], f->market, "t", 1), EG_OK);
    assert_int_equal(eg_case_store_co_add(f->db, ids[2], f->market, "t", 1), EG_E_DUPLICATE);
    /* ids[5] is closed: not open, not in the backlog. */
    {
        struct eg_case_state_update u;

        memset(&u, 0, sizeof u);
        u.from = EG_CASE_SUBMITTED;
        u.to = EG_CASE_WITHDRAWN;
        u.closed_at = 5;
        u.agreed_total_fen = -1;
        u.now = 5;
        assert_int_equal(eg_case_store_set_state(f->db, ids[5], &u), EG_OK);
    }
    commit(f);

    /* A worker sees only their cases. */
    memset(&who, 0, sizeof who);
    who.role = EG_ROLE_WORKER;
    who.person_id = f->p2;
    eg_case_scope_of(&who, f->a, &scope);
    memset(&flt, 0, sizeof flt);
    flt.overdue = -1;
    assert_int_equal(eg_case_store_list(f->db, f->a, &scope, &flt, 50, &rows, &n, &more), EG_OK);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rows[i].applicant_person_id, f->p2);
    /* Keyset pages of 4 then 2, newest first. */
    assert_int_equal(eg_case_store_list(f->db, f->a, &scope, &flt, 4, &rows, &n, &more), EG_OK);
    assert_int_equal(n, 4);
    assert_true(more);
    assert_int_equal(rows[0].id, ids[5]);
    flt.before_id = rows[3].id;
    assert_int_equal(eg_case_store_list(f->db, f->a, &scope, &flt, 4, &rows, &n, &more), EG_OK);
    assert_int_equal(n, 2);
    assert_false(more);
    assert_int_equal(rows[1].id, ids[0]);
    flt.before_id = 0;

    /* A market mediator: market cases and the co-handled siming case. */
    memset(&who, 0, sizeof who);
    who.role = EG_ROLE_MEDIATOR;
    who.scope_below = 1;
    snprintf(who.department_path, sizeof who.department_path, "/1/3/");
    eg_case_scope_of(&who, f->a, &scope);
    assert_int_equal(eg_case_store_list(f->db, f->a, &scope, &flt, 50, &rows, &n, &more), EG_OK);
    assert_int_equal(n, 3);
    assert_int_equal(rows[0].id, ids[2]);
    /* A mediator without a department sees nothing; a centre mediator sees all. */
    who.department_path[0] = '\0';
    eg_case_scope_of(&who, f->a, &scope);
    assert_int_equal(eg_case_store_count(f->db, &scope, &flt, &t), EG_OK);
    assert_int_equal(t, 0);
    snprintf(who.department_path, sizeof who.department_path, "/1/");
    who.scope_below = 0;
    eg_case_scope_of(&who, f->a, &scope);
    assert_int_equal(eg_case_store_count(f->db, &scope, &flt, &t), EG_OK);
    assert_int_equal(t, 0); /* the centre alone handles none */
    who.scope_below = 1;
    eg_case_scope_of(&who, f->a, &scope);
    assert_int_equal(eg_case_store_count(f->db, &scope, &flt, &total), EG_OK);
    assert_true(total >= 6);

    /* A platform sees only cases against it; insurers nothing. */
    memset(&who, 0, sizeof who);
    who.role = EG_ROLE_PLATFORM;
    who.organisation_id = f->org1;
    eg_case_scope_of(&who, f->a, &scope);
    assert_int_equal(eg_case_store_list(f->db, f->a, &scope, &flt, 50, &rows, &n, &more), EG_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rows[i].respondent_org_id, f->org1);
    who.role = EG_ROLE_INSURER;
    eg_case_scope_of(&who, f->a, &scope);
    assert_int_equal(eg_case_store_count(f->db, &scope, &flt, &t), EG_OK);
    assert_int_equal(t, 0);

    /* Overdue: acceptance due one working day after submission, before today. */
    memset(&who, 0, sizeof who);
    who.role = EG_ROLE_ADMIN;
    eg_case_scope_of(&who, f->a, &scope);
    eg_date_format(f->today, today);
    flt.today = today;
    flt.overdue = 1;
    flt.respondent_org_id = 0;
    assert_int_equal(eg_case_store_list(f->db, f->a, &scope, &flt, 50, &rows, &n, &more), EG_OK);
    for (size_t i = 0; i < n; i++) {
        if (rows[i].id == ids[0] || rows[i].id == ids[2] || rows[i].id == ids[4])
            seen++;
        assert_true(strcmp(rows[i].due_on, today) < 0);
    }
    assert_int_equal(seen, 3);
    /* Filters: type, department, dates. */
    flt.overdue = -1;
    flt.type = "other";
    flt.department_id = f->siming;
    assert_int_equal(eg_case_store_count(f->db, &scope, &flt, &t), EG_OK);
    assert_int_equal(t, 2);
    {
        char from[11];

        eg_date_format(f->today - 5, from);
        flt.from = from;
        assert_int_equal(eg_case_store_count(f->db, &scope, &flt, &t), EG_OK);
        assert_int_equal(t, 1);
    }

    /* The monitoring backlog: open and overdue per department and respondent. */
    assert_int_equal(eg_cases_backlog(f->db, f->a, f->today, &bl, &nb), EG_OK);
    for (size_t i = 0; i < nb; i++) {
        if (bl[i].department_id == f->market && bl[i].organisation_id == f->org2) {
            assert_int_equal(bl[i].open, 2);
            assert_int_equal(bl[i].overdue, 1);
            cursor++;
        }
        if (bl[i].department_id == f->hrss && bl[i].organisation_id == f->org2) {
            assert_int_equal(bl[i].open, 1); /* ids[5] is withdrawn */
            assert_int_equal(bl[i].overdue, 1);
            cursor++;
        }
    }
    assert_int_equal(cursor, 2);
    assert_int_equal(eg_cases_count_by_respondent(f->db, f->a, f->today - 15, f->today, &cc, &nb),
                     EG_OK);
    for (size_t i = 0; i < nb; i++) {
        if (cc[i].organisation_id == f->org2)
            assert_true(cc[i].cases >= 2);
        if (cc[i].organisation_id == f->org1)
            assert_true(cc[i].cases >= 1);
    }
}

static void test_stats_and_figures(void **state)
{
    struct fx *f = *state;
    struct eg_case_scope scope;
    struct eg_case_filter flt;
    struct eg_case_stats s;
    struct eg_case_figures fig;
    struct eg_principal who;
    int64_t n = 0, sum = 0;
    char today[11];

    memset(&who, 0, sizeof who);
    who.role = EG_ROLE_SUPERVISOR;
    eg_case_scope_of(&who, f->a, &scope);
    memset(&flt, 0, sizeof flt);
    flt.overdue = -1;
    eg_date_format(f->today, today);
    flt.today = today;
    assert_int_equal(eg_case_store_stats(f->db, f->a, &scope, &flt, &s), EG_OK);
    assert_int_equal(eg_db_one_i64(f->db, &n, "SELECT COUNT(*) FROM cases", ""), EG_OK);
    assert_int_equal(s.total, n);
    for (int i = 0; i < EG_CASE_STATE_COUNT; i++)
        sum += s.by_state[i];
    assert_int_equal(sum, n);
    sum = 0;
    for (size_t i = 0; i < s.n_depts; i++)
        sum += s.depts[i].total;
    assert_int_equal(sum, n);
    assert_int_equal(s.claimed_fen, 10000 * n);
    assert_int_equal(eg_case_store_figures(f->db, &fig), EG_OK);
    assert_int_equal(fig.received, n);
    assert_true(fig.handled <= fig.received);
}

static void test_agreement_and_payments(void **state)
{
    struct fx *f = *state;
    struct eg_case_agreement ag, got;
    struct eg_case_payment p;
    struct eg_case_amounts paid;
    struct eg_case_rec rec;
    int64_t id, pid = 0;

    begin(f);
    id = add_case(f, f->p1, f->org1, f->hrss, 0, "unpaid_pay");
    memset(&ag, 0, sizeof ag);
    ag.case_id = id;
    ag.terms.fen[EG_CAT_PAY] = 7001;
    ag.terms.fen[EG_CAT_OTHER] = 99;
    ag.pay_by = "2030-01-01";
    ag.pay_method = "bank";
    ag.other_terms = "";
    ag.respondent_position = "";
    ag.drafted_by = "m";
    assert_int_equal(eg_case_store_agreement_put(f->db, &ag, 0, 10), EG_OK);
    assert_int_equal(eg_case_store_agreement_confirm(f->db, id, EG_PARTY_APPLICANT, "w", 11),
                     EG_OK);
    assert_int_equal(eg_case_store_agreement_confirm(f->db, id, EG_PARTY_APPLICANT, "w", 12),
                     EG_E_CONFLICT);
    /* A replacement is version 2 and clears the confirmations. */
    ag.terms.fen[EG_CAT_OTHER] = 0;
    assert_int_equal(eg_case_store_agreement_put(f->db, &ag, 0, 13), EG_OK);
    commit(f);
    assert_int_equal(eg_case_store_agreement_get(f->db, f->a, id, &got), EG_OK);
    assert_int_equal(got.version, 2);
    assert_int_equal(got.total_fen, 7001);
    assert_int_equal(got.terms.fen[EG_CAT_PAY], 7001);
    assert_int_equal(got.terms.fen[EG_CAT_OTHER], 0);
    assert_int_equal(got.confirmed.at[EG_PARTY_APPLICANT], 0);
    assert_false(eg_case_agreement_effective(&got.confirmed));

    begin(f);
    memset(&p, 0, sizeof p);
    p.case_id = id;
    p.category = "pay";
    p.amount_fen = 7000;
    p.paid_on = "2026-01-01";
    p.method = "";
    p.reference = "";
    p.recorded_by = "m";
    p.created_at = 20;
    assert_int_equal(eg_case_store_payment_add(f->db, &p, &pid), EG_OK);
    p.amount_fen = 1;
    assert_int_equal(eg_case_store_payment_add(f->db, &p, &pid), EG_OK);
    /* A recorded payment counts against what may be recorded, not as paid. */
    p.amount_fen = 500;
    p.state = "recorded";
    assert_int_equal(eg_case_store_payment_add(f->db, &p, &pid), EG_OK);
    commit(f);
    assert_int_equal(eg_case_store_paid(f->db, id, 0, &paid), EG_OK);
    assert_int_equal(paid.fen[EG_CAT_PAY], 7001);
    assert_true(eg_case_amounts_paid(&got.terms, &paid));
    assert_int_equal(eg_case_store_paid(f->db, id, 1, &paid), EG_OK);
    assert_int_equal(paid.fen[EG_CAT_PAY], 7501);
    assert_int_equal(eg_case_store_get(f->db, f->a, id, &rec), EG_OK);
    assert_int_equal(rec.paid_total_fen, 7001);
    /* Confirming it adds it to the total, once. */
    begin(f);
    assert_int_equal(eg_case_store_payment_decide(f->db, id, pid, "confirmed", "w", "", 0, 30),
                     EG_OK);
    assert_int_equal(eg_case_store_payment_decide(f->db, id, pid, "disputed", "w", "x", 0, 31),
                     EG_E_CONFLICT);
    commit(f);
    assert_int_equal(eg_case_store_get(f->db, f->a, id, &rec), EG_OK);
    assert_int_equal(rec.paid_total_fen, 7501);
    assert_int_equal(eg_case_store_payment_get(f->db, f->a, id, pid, &p), EG_OK);
    assert_string_equal(p.state, "confirmed");
    assert_string_equal(p.decided_by, "w");
    assert_int_equal(p.decided_at, 30);
}

struct seed_ctx {
    int year, added;
};

static enum eg_status seed_tx(struct eg_db *db, void *p)
{
    struct seed_ctx *c = p;
    struct eg_audit_ctx ctx = {NULL, "", ""};

    return eg_cases_calendar_seed_year(db, &ctx, c->year, &c->added);
}

static void test_builtin_calendar(void **state)
{
    struct fx *f = *state;
    struct eg_calendar cal;
    struct seed_ctx c = {2026, 0};
    int64_t events = 0;
    eg_day d;

    assert_int_equal(eg_db_tx(f->db, seed_tx, &c), EG_OK);
    assert_int_equal(c.added, 33 + 6); /* 33 holidays and 6 make-up working days */
    assert_int_equal(eg_db_tx(f->db, seed_tx, &c), EG_OK);
    assert_int_equal(c.added, 0); /* a year already set is left alone */
    c.year = 2040;
    assert_int_equal(eg_db_tx(f->db, seed_tx, &c), EG_OK);
    assert_int_equal(c.added, 0); /* no built-in data */
    assert_int_equal(eg_db_one_i64(f->db, &events,
                                   "SELECT COUNT(*) FROM audit_events WHERE action = "
                                   "'calendar.seed'",
                                   ""),
                     EG_OK);
    assert_int_equal(events, 1);
    assert_int_equal(eg_cases_calendar_load(f->db, f->a, &cal), EG_OK);
    assert_int_equal(cal.n_holidays, 33);
    assert_int_equal(cal.n_workdays, 6);
    for (size_t i = 1; i < cal.n_holidays; i++)
        assert_true(cal.holidays[i - 1] < cal.holidays[i]);
    assert_int_equal(eg_date_parse("2026-09-30", &d), EG_OK);
    assert_int_equal(eg_case_accept_due(&cal, d, 1), d + 8); /* 8 October */
    assert_int_equal(eg_date_parse("2026-02-13", &d), EG_OK);
    assert_int_equal(eg_case_accept_due(&cal, d, 1), d + 1); /* Saturday 14 February is worked */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_per_year),
        cmocka_unit_test(test_state_update_is_guarded),
        cmocka_unit_test(test_scoped_lists_and_backlog),
        cmocka_unit_test(test_stats_and_figures),
        cmocka_unit_test(test_agreement_and_payments),
        cmocka_unit_test(test_builtin_calendar),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
