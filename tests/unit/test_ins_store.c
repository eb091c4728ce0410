/*
 * test_ins_store.c — the insurance store and daily job on a real SQLite
 * database: enrollment never doubles a person-date, payment activates the
 * right windows and books a ledger that sums exactly, cancellation refunds,
 * unpaid orders lapse, claims find the cover at the incident's instant, the
 * yearly cap sees other claims, and the daily job is idempotent, also after
 * an interrupted run.
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
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "db/db.h"
#include "insurance/export.h"
#include "insurance/insurance.h"
#include "insurance/store.h"

struct fx {
    char dir[64];
    char path[128];
    struct eg_db *db;
    struct eg_arena *a;
    struct eg_ins_product product;
    struct eg_ins_version v;
    int64_t org;
    eg_day today;
    int64_t now;
};

static int64_t add_person(struct fx *f, const char *name, eg_day birth)
{
    char b[11], idx[40];
    int64_t id = 0;
    static int n = 0;

    eg_date_format(birth, b);
    snprintf(idx, sizeof idx, "idx-%d-%s", ++n, name);
    assert_int_equal(eg_db_run(f->db, NULL,
                               "INSERT INTO people (name, id_number_enc, id_number_idx, "
                               "id_number_masked, birth_date, gender, created_at) "
                               "VALUES (?, 'x', ?, '3502**********0000', ?, 'male', 0)",
                               "ttt", name, idx, b),
                     EG_OK);
    assert_int_equal(
        eg_db_one_i64(f->db, &id, "SELECT id FROM people WHERE id_number_idx = ?", "t", idx),
        EG_OK);
    return id;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct eg_ins_version *vs = NULL;
    size_t n = 0;
    int applied = 0;

    assert_non_null(f);
    eg_log_set_level(EG_LOG_WARN);
    snprintf(f->dir, sizeof f->dir, "/tmp/egret-ins-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    assert_int_equal(eg_db_open(f->path, &f->db), EG_OK);
    assert_int_equal(eg_db_migrate(f->db, &applied), EG_OK);
    f->a = eg_arena_new();
    assert_int_equal(eg_ins_product_find(f->db, EG_INS_DEFAULT_PRODUCT, &f->product), EG_OK);
    assert_int_equal(eg_ins_versions_load(f->db, f->a, f->product.id, &vs, NULL, &n), EG_OK);
    assert_int_equal(n, 1);
    f->v = vs[0];
    f->now = eg_now();
    f->today = eg_day_of(f->now);
    assert_int_equal(eg_db_run(f->db, NULL,
                               "INSERT INTO organisations (name, credit_code, kind, created_at) "
                               "VALUES ('平台', '91350100M000100Y43', 'platform', 0)",
                               ""),
                     EG_OK);
    assert_int_equal(eg_db_one_i64(f->db, &f->org, "SELECT MAX(id) FROM organisations", ""), EG_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    eg_db_close(f->db);
    eg_arena_destroy(f->a);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* Enroll person for day on order (no transaction needed for SQLite tests). */
static int64_t enroll(struct fx *f, int64_t person, eg_day day, int64_t org, int64_t order,
                      int *created)
{
    struct eg_ins_cover_new c;
    int64_t id = 0;
    char state[20];

    memset(&c, 0, sizeof c);
    c.person_id = person;
    c.day = day;
    c.product_id = f->product.id;
    c.v = &f->v;
    c.payer_kind = org ? "organisation" : "person";
    c.payer_person_id = org ? 0 : person;
    c.payer_org_id = org;
    c.order_id = order;
    c.source = org ? "platform" : "self";
    c.enrolled_by = "test";
    c.now = f->now;
    assert_int_equal(eg_ins_cover_insert(f->db, &c, &id, created, state), EG_OK);
    return id;
}

/* One cover-day per person per date: the second attempt is reported, not doubled. */
static void test_no_double(void **state)
{
    struct fx *f = *state;
    int64_t p = add_person(f, "甲", eg_day_from_civil(1991, 1, 1));
    int64_t order = 0, n = 0, id1, id2;
    int created = 0;
    char no[48];

    assert_int_equal(eg_ins_order_create(f->db, "enrollment", "organisation", 0, f->org, "t",
                                         f->now, &order, no),
                     EG_OK);
    id1 = enroll(f, p, f->today + 1, f->org, order, &created);
    assert_true(created);
    id2 = enroll(f, p, f->today + 1, f->org, order, &created);
    assert_false(created);
    assert_int_equal(id1, id2);
    assert_int_equal(
        eg_db_one_i64(f->db, &n, "SELECT COUNT(*) FROM cover_days WHERE person_id = ?", "i", p),
        EG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(eg_ins_order_finish(f->db, order, f->now, &n), EG_OK);
    assert_int_equal(n, 1);
    /* an order that got no cover-day (all already covered) is dropped */
    int64_t empty = 0;
    assert_int_equal(eg_ins_order_create(f->db, "enrollment", "organisation", 0, f->org, "t",
                                         f->now, &empty, no),
                     EG_OK);
    enroll(f, p, f->today + 1, f->org, empty, &created);
    assert_false(created);
    assert_int_equal(eg_ins_order_finish(f->db, empty, f->now, &n), EG_OK);
    assert_int_equal(n, 0);
    struct eg_ins_order o;
    assert_int_equal(eg_ins_order_get(f->db, empty, NULL, &o), EG_E_NOT_FOUND);
}

/* Paying activates each day from max(day start, payment) and books exact shares. */
static void test_pay_and_ledger(void **state)
{
    struct fx *f = *state;
    int64_t p1 = add_person(f, "乙", eg_day_from_civil(1990, 5, 5));
    int64_t p2 = add_person(f, "丙", eg_day_from_civil(1985, 5, 5));
    int64_t order = 0, n = 0, act = 0, sum = 0, prem = 0, sub = 0, pay = 0;
    int created = 0;
    char no[48];
    struct eg_ins_order o;
    struct eg_ins_cover c;
    int64_t paid_at = eg_day_start(f->today) + 3600 * 9 + 17; /* 09:00:17 today */

    assert_int_equal(eg_ins_order_create(f->db, "enrollment", "organisation", 0, f->org, "t",
                                         eg_day_start(f->today) + 3600 * 9, &order, no),
                     EG_OK);
    int64_t today1 = enroll(f, p1, f->today, f->org, order, &created);
    enroll(f, p1, f->today + 1, f->org, order, &created);
    enroll(f, p2, f->today, f->org, order, &created);
    assert_int_equal(eg_ins_order_finish(f->db, order, f->now, &n), EG_OK);
    assert_int_equal(n, 3);
    assert_int_equal(eg_ins_order_get(f->db, order, NULL, &o), EG_OK);
    assert_int_equal(o.amount_fen, 60); /* payer shares: 3 × 20 */
    assert_int_equal(o.premium_fen, 120);
    assert_int_equal(o.subsidy_fen, 60);
    /* expiry: 30 minutes after creation (before the end of the first day) */
    assert_int_equal(o.expires_at, eg_day_start(f->today) + 3600 * 9 + EG_INS_ORDER_TTL_S);
    assert_int_equal(eg_ins_order_pay(f->db, order, paid_at, "REF-1", paid_at, &act), EG_OK);
    assert_int_equal(act, 3);
    assert_int_equal(eg_ins_cover_get(f->db, f->a, today1, &c), EG_OK);
    assert_string_equal(c.state, "active");
    assert_int_equal(c.cover_start_at, paid_at);
    assert_int_equal(c.cover_end_at, eg_day_start(f->today + 1));
    /* tomorrow's day starts at midnight */
    assert_int_equal(eg_db_one_i64(f->db, &sum,
                                   "SELECT cover_start_at FROM cover_days WHERE person_id = ? "
                                   "AND order_id = ? AND day > ?",
                                   "iit", p1, order, "2000-01-01"),
                     EG_OK);
    assert_true(sum == paid_at || sum == eg_day_start(f->today + 1));
    assert_int_equal(eg_db_one_i64(f->db, &sum,
                                   "SELECT MAX(cover_start_at) FROM cover_days WHERE order_id = ?",
                                   "i", order),
                     EG_OK);
    assert_int_equal(sum, eg_day_start(f->today + 1));
    /* the ledger: three rows whose shares sum exactly */
    assert_int_equal(
        eg_db_one_i64(f->db, &n, "SELECT COUNT(*) FROM ins_ledger WHERE order_id = ?", "i", order),
        EG_OK);
    assert_int_equal(n, 3);
    eg_db_one_i64(f->db, &prem, "SELECT SUM(premium_fen) FROM ins_ledger WHERE order_id = ?", "i",
                  order);
    eg_db_one_i64(f->db, &sub, "SELECT SUM(subsidy_fen) FROM ins_ledger WHERE order_id = ?", "i",
                  order);
    eg_db_one_i64(f->db, &pay, "SELECT SUM(payer_fen) FROM ins_ledger WHERE order_id = ?", "i",
                  order);
    assert_int_equal(prem, 120);
    assert_int_equal(sub + pay, prem);
    /* paying twice is refused by the store (the callback answers repeats itself) */
    assert_int_equal(eg_ins_order_pay(f->db, order, paid_at, "REF-1", paid_at, &act),
                     EG_E_CONFLICT);
    assert_int_equal(eg_ins_order_by_ref(f->db, "REF-1", &n), EG_OK);
    assert_int_equal(n, order);

    /* cancelling tomorrow's day refunds it; the settlement nets it out */
    int64_t tomorrow = 0, refund = 0;
    char d[11];
    eg_date_format(f->today + 1, d);
    eg_db_one_i64(f->db, &tomorrow, "SELECT id FROM cover_days WHERE person_id = ? AND day = ?",
                  "it", p1, d);
    assert_int_equal(eg_ins_cover_get(f->db, f->a, tomorrow, &c), EG_OK);
    assert_int_equal(eg_ins_cover_cancel(f->db, &c, f->now, &refund), EG_OK);
    assert_int_equal(refund, 20);
    assert_int_equal(eg_ins_cover_get(f->db, f->a, tomorrow, &c), EG_OK);
    assert_string_equal(c.state, "cancelled");
    assert_int_equal(eg_ins_cover_cancel(f->db, &c, f->now, &refund), EG_E_CONFLICT);
    assert_int_equal(eg_ins_order_get(f->db, order, NULL, &o), EG_OK);
    assert_int_equal(o.refunded_fen, 20);

    /* today's month nets to the two days that stay covered today (tomorrow's
     * day, in whichever month, is booked and refunded) */
    struct eg_ins_settlement_row *rows = NULL, total;
    size_t nr = 0;
    char month[8];
    eg_date_format(f->today, d);
    memcpy(month, d, 7);
    month[7] = '\0';
    assert_int_equal(eg_ins_settlement(f->db, f->a, month, &rows, &nr), EG_OK);
    assert_int_equal(nr, 1);
    assert_int_equal(rows[0].payer_org_id, f->org);
    eg_ins_settlement_total(rows, nr, &total);
    assert_int_equal(total.person_days, 2);
    assert_int_equal(total.premium_fen, 80);
    assert_int_equal(total.subsidy_fen, 40);
    assert_int_equal(total.payer_fen, 40);
    /* a cancelled day can be enrolled afresh (same row) */
    int64_t again = enroll(f, p1, f->today + 1, 0, 0, &created);
    assert_true(created);
    assert_int_equal(again, tomorrow);
}

/* Unpaid orders lapse and their days are cancelled as unpaid. */
static void test_expiry(void **state)
{
    struct fx *f = *state;
    int64_t p = add_person(f, "丁", eg_day_from_civil(1995, 2, 2));
    int64_t order = 0, n = 0, orders = 0, days = 0, id;
    int created = 0;
    char no[48];
    struct eg_ins_cover c;

    assert_int_equal(
        eg_ins_order_create(f->db, "enrollment", "person", p, 0, "t", f->now - 4000, &order, no),
        EG_OK);
    id = enroll(f, p, f->today + 2, 0, order, &created);
    assert_int_equal(eg_ins_order_finish(f->db, order, f->now, &n), EG_OK);
    assert_int_equal(eg_ins_orders_expire(f->db, f->now, &orders, &days), EG_OK);
    assert_int_equal(orders, 1);
    assert_int_equal(days, 1);
    assert_int_equal(eg_ins_cover_get(f->db, f->a, id, &c), EG_OK);
    assert_string_equal(c.state, "cancelled");
    assert_string_equal(c.cancel_reason, "unpaid");
    assert_int_equal(eg_ins_orders_expire(f->db, f->now, &orders, &days), EG_OK);
    assert_int_equal(orders, 0);
    assert_int_equal(days, 0);
}

/* The cover-day whose window contains the instant, and nothing outside it. */
static void test_cover_at(void **state)
{
    struct fx *f = *state;
    int64_t p = add_person(f, "戊", eg_day_from_civil(1988, 8, 8));
    int64_t order = 0, n = 0, act = 0;
    int created = 0;
    char no[48];
    struct eg_ins_cover c;
    eg_day day = f->today - 3;
    int64_t paid = eg_day_start(day) + 10 * 3600 + 5 * 60 + 30;

    assert_int_equal(
        eg_ins_order_create(f->db, "enrollment", "person", p, 0, "t", paid - 60, &order, no),
        EG_OK);
    enroll(f, p, day, 0, order, &created);
    assert_int_equal(eg_ins_order_finish(f->db, order, paid - 60, &n), EG_OK);
    assert_int_equal(eg_ins_order_pay(f->db, order, paid, "REF-CA", paid, &act), EG_OK);
    assert_int_equal(eg_ins_cover_at(f->db, f->a, p, paid, &c), EG_OK);
    assert_int_equal(eg_ins_cover_at(f->db, f->a, p, paid - 1, &c), EG_E_NOT_FOUND);
    assert_int_equal(eg_ins_cover_at(f->db, f->a, p, eg_day_start(day + 1) - 1, &c), EG_OK);
    assert_int_equal(eg_ins_cover_at(f->db, f->a, p, eg_day_start(day + 1), &c), EG_E_NOT_FOUND);
    /* closing the day keeps it claimable */
    assert_int_equal(eg_ins_close_days(f->db, f->today, &n), EG_OK);
    assert_true(n >= 1);
    assert_int_equal(eg_ins_cover_at(f->db, f->a, p, paid + 60, &c), EG_OK);
    assert_string_equal(c.state, "expired");

    /* claims: a duplicate is found, the yearly sum sees approved and paid claims */
    struct eg_ins_claim_new cn;
    int64_t cid = 0, dup = 0, sum = -1;
    char claim_no[48];
    memset(&cn, 0, sizeof cn);
    cn.person_id = p;
    cn.cover_day_id = c.id;
    cn.version_id = c.version_id;
    cn.incident_at = paid + 3600;
    cn.place = "x";
    cn.description = "y";
    cn.injury_type = "other";
    cn.reported_by = "t";
    cn.prefix = "XM";
    cn.now = f->now - 40 * 86400;
    assert_int_equal(eg_ins_claim_insert(f->db, &cn, &cid, claim_no), EG_OK);
    assert_non_null(strstr(claim_no, "XM-CL-"));
    assert_int_equal(eg_ins_claim_find_duplicate(f->db, p, paid + 3600, &dup), EG_OK);
    assert_int_equal(dup, cid);
    assert_int_equal(eg_ins_claim_find_duplicate(f->db, p, paid + 3601, &dup), EG_E_NOT_FOUND);
    struct eg_insurance_backlog bl;
    assert_int_equal(eg_insurance_claim_backlog(f->db, f->today, &bl), EG_OK);
    assert_int_equal(bl.reported, 1);
    assert_int_equal(bl.overdue_materials, 1); /* reported 40 days ago */
    struct eg_ins_claim_move m;
    memset(&m, 0, sizeof m);
    m.from = EG_CLAIM_REPORTED;
    m.to = EG_CLAIM_ACCEPTED;
    m.now = f->now;
    m.has_decision_due = 1;
    m.decision_due = f->today + 14;
    assert_int_equal(eg_ins_claim_move(f->db, cid, &m), EG_OK);
    assert_int_equal(eg_ins_claim_move(f->db, cid, &m), EG_E_CONFLICT); /* moved already */
    int year, cy, cmo, cd;
    eg_day_to_civil(eg_day_of(cn.incident_at), &cy, &cmo, &cd);
    year = cy;
    assert_int_equal(eg_ins_claim_paid_in_year(f->db, p, year, 0, &sum), EG_OK);
    assert_int_equal(sum, 0); /* accepted claims do not count */
    memset(&m, 0, sizeof m);
    m.from = EG_CLAIM_ACCEPTED;
    m.to = EG_CLAIM_APPROVED;
    m.now = f->now;
    m.has_payout = 1;
    m.payout_fen = 1000000;
    m.capped_by = "none";
    assert_int_equal(eg_ins_claim_move(f->db, cid, &m), EG_OK);
    assert_int_equal(eg_ins_claim_paid_in_year(f->db, p, year, 0, &sum), EG_OK);
    assert_int_equal(sum, 1000000);
    assert_int_equal(eg_ins_claim_paid_in_year(f->db, p, year, cid, &sum), EG_OK);
    assert_int_equal(sum, 0); /* the claim itself is left out */
    assert_int_equal(eg_ins_claim_paid_in_year(f->db, p, year + 1, 0, &sum), EG_OK);
    assert_int_equal(sum, 0);

    /* reopened before payment: the approval is gone, the payout no longer counts */
    struct eg_ins_claim cl;
    memset(&m, 0, sizeof m);
    m.from = EG_CLAIM_APPROVED;
    m.to = EG_CLAIM_ACCEPTED;
    m.now = f->now;
    m.has_decision_due = 1;
    m.decision_due = f->today + 14;
    assert_int_equal(eg_ins_claim_move(f->db, cid, &m), EG_OK);
    assert_int_equal(eg_ins_claim_get(f->db, f->a, cid, &cl), EG_OK);
    assert_int_equal(cl.state, EG_CLAIM_ACCEPTED);
    assert_int_equal(cl.approved_at, 0);
    assert_int_equal(eg_ins_claim_paid_in_year(f->db, p, year, 0, &sum), EG_OK);
    assert_int_equal(sum, 0);

    /* two assessment rounds: both kept, the override's amounts on the timeline */
    struct eg_ins_item it[2];
    const char *why[2] = {"invoice partly void", NULL};
    memset(it, 0, sizeof it);
    it[0].kind = EG_INS_ITEM_MEDICAL;
    it[0].costs_fen = 110000;
    it[0].computed_fen = 90000;
    it[0].has_override = 1;
    it[0].override_fen = 50000;
    it[0].final_fen = 50000;
    it[1].kind = EG_INS_ITEM_HOSPITAL;
    it[1].days = 2;
    it[1].computed_fen = it[1].final_fen = 20000;
    struct eg_ins_round_new r = {.items = it,
                                 .override_reasons = why,
                                 .n = 2,
                                 .total_fen = 70000,
                                 .payout_fen = 70000,
                                 .capped_by = "none",
                                 .by = "adjuster",
                                 .role = "insurer",
                                 .note = "first",
                                 .now = f->now};
    assert_int_equal(eg_ins_claim_assess(f->db, &cl, &r), EG_OK);
    assert_int_equal(eg_ins_claim_assess(f->db, &cl, &r), EG_E_CONFLICT); /* stale round */
    assert_int_equal(eg_ins_claim_get(f->db, f->a, cid, &cl), EG_OK);
    it[0].has_override = 0;
    it[0].final_fen = 90000;
    r.n = 1;
    r.total_fen = r.payout_fen = 90000;
    r.note = "second";
    assert_int_equal(eg_ins_claim_assess(f->db, &cl, &r), EG_OK);
    struct eg_ins_claim_round_row *rounds = NULL;
    struct eg_ins_claim_item_row *items = NULL;
    struct eg_ins_claim_event_row *ev = NULL;
    size_t nr = 0, ni = 0, ne = 0, overrides = 0;
    assert_int_equal(eg_ins_claim_rounds(f->db, f->a, cid, &rounds, &nr), EG_OK);
    assert_int_equal(nr, 2);
    assert_int_equal(rounds[0].round, 1);
    assert_int_equal(rounds[0].total_fen, 70000);
    assert_int_equal(rounds[0].overrides, 1);
    assert_string_equal(rounds[0].note, "first");
    assert_int_equal(rounds[1].total_fen, 90000);
    assert_int_equal(eg_ins_claim_items(f->db, f->a, cid, 0, &items, &ni), EG_OK);
    assert_int_equal(ni, 3);
    assert_int_equal(items[0].round, 1);
    assert_string_equal(items[0].override_reason, "invoice partly void");
    assert_int_equal(items[2].round, 2);
    assert_int_equal(eg_ins_claim_items(f->db, f->a, cid, 2, &items, &ni), EG_OK);
    assert_int_equal(ni, 1);
    assert_int_equal(eg_ins_claim_events(f->db, f->a, cid, &ev, &ne), EG_OK);
    for (size_t i = 0; i < ne; i++) {
        if (strcmp(ev[i].action, "override") != 0)
            continue;
        overrides++;
        assert_int_equal(ev[i].round, 1);
        assert_string_equal(ev[i].item, "medical");
        assert_true(ev[i].has_item_amounts);
        assert_int_equal(ev[i].computed_fen, 90000);
        assert_int_equal(ev[i].override_fen, 50000);
        assert_string_equal(ev[i].reason, "invoice partly void");
    }
    assert_int_equal(overrides, 1);
    assert_true(ne >= 3);
    assert_string_equal(ev[ne - 1].action, "assessment");
    assert_int_equal(ev[ne - 1].round, 2);
    assert_true(ev[ne - 1].has_totals);
    assert_int_equal(ev[ne - 1].total_fen, 90000);
}

/* The daily job: closes days, rolls renewals for eligible people only, and a
 * second run (or a resumed one) doubles nothing. */
static void test_daily_job(void **state)
{
    struct fx *f = *state;
    eg_day tomorrow = f->today + 1;
    int y, m, d;
    eg_day_to_civil(tomorrow, &y, &m, &d);
    if (m == 2 && d == 29)
        d = 28;
    /* turns 16 tomorrow: renewed; turns 66 tomorrow: not; 30 years old: renewed */
    int64_t young = add_person(f, "少", eg_day_from_civil(y - 16, m, d));
    int64_t old = add_person(f, "老", eg_day_from_civil(y - 66, m, d));
    int64_t mid = add_person(f, "中", eg_day_from_civil(y - 30, 1, 1));
    int64_t off = add_person(f, "关", eg_day_from_civil(y - 30, 1, 1));
    struct eg_insurance_daily_report r;
    int64_t n = 0;
    char t[11];

    eg_date_format(tomorrow, t);
    assert_int_equal(eg_ins_auto_renew_set(f->db, young, f->product.id, 1, f->now), EG_OK);
    assert_int_equal(eg_ins_auto_renew_set(f->db, old, f->product.id, 1, f->now), EG_OK);
    assert_int_equal(eg_ins_auto_renew_set(f->db, mid, f->product.id, 1, f->now), EG_OK);
    assert_int_equal(eg_ins_auto_renew_set(f->db, off, f->product.id, 0, f->now), EG_OK);

    assert_int_equal(eg_insurance_daily(f->db, f->today, f->now, &r), EG_OK);
    assert_false(r.already_done);
    assert_int_equal(r.renew_days, 2);
    assert_int_equal(r.renew_orders, 2);
    assert_int_equal(eg_db_one_i64(f->db, &n,
                                   "SELECT COUNT(*) FROM cover_days WHERE day = ? AND source = "
                                   "'auto_renew' AND person_id IN (?, ?)",
                                   "tii", t, young, mid),
                     EG_OK);
    assert_int_equal(n, 2);
    assert_int_equal(eg_db_one_i64(f->db, &n,
                                   "SELECT COUNT(*) FROM cover_days WHERE day = ? AND person_id "
                                   "IN (?, ?)",
                                   "tii", t, old, off),
                     EG_OK);
    assert_int_equal(n, 0);
    /* the renewal orders are payable until the end of tomorrow */
    assert_int_equal(eg_db_one_i64(f->db, &n,
                                   "SELECT MIN(expires_at) FROM payment_orders WHERE kind = "
                                   "'auto_renew' AND first_day = ?",
                                   "t", t),
                     EG_OK);
    assert_int_equal(n, eg_day_start(tomorrow + 1));

    /* again: already done, nothing added */
    assert_int_equal(eg_insurance_daily(f->db, f->today, f->now, &r), EG_OK);
    assert_true(r.already_done);
    /* an interrupted run (marked running again) resumes without doubling */
    assert_int_equal(eg_db_run(f->db, NULL, "UPDATE ins_job_runs SET state = 'running'", ""),
                     EG_OK);
    assert_int_equal(eg_insurance_daily(f->db, f->today, f->now, &r), EG_OK);
    assert_false(r.already_done);
    assert_int_equal(r.renew_days, 0);
    assert_int_equal(r.renew_orders, 0);
    assert_int_equal(eg_db_one_i64(f->db, &n,
                                   "SELECT COUNT(*) FROM payment_orders WHERE kind = 'auto_renew'",
                                   ""),
                     EG_OK);
    assert_int_equal(n, 2);
    assert_int_equal(
        eg_db_one_i64(f->db, &n, "SELECT COUNT(*) FROM cover_days WHERE source = 'auto_renew'", ""),
        EG_OK);
    assert_int_equal(n, 2);
    /* the next day's run: tomorrow's unpaid renewals lapse at its end */
    assert_int_equal(eg_insurance_daily(f->db, f->today + 2, eg_day_start(f->today + 2) + 60, &r),
                     EG_OK);
    assert_int_equal(r.days_unpaid, 2);
    assert_int_equal(eg_db_one_i64(f->db, &n,
                                   "SELECT COUNT(*) FROM cover_days WHERE source = 'auto_renew' "
                                   "AND state = 'cancelled'",
                                   ""),
                     EG_OK);
    assert_int_equal(n, 2);
}

/* CSV: a header, one row per payer and a total; formulas neutralised. */
static void test_export_csv(void **state)
{
    struct eg_ins_settlement_row rows[2] = {
        {"organisation", 7, "=HYPERLINK(\"x\")", "91350100M000100Y43", 10, 400, 200, 200},
        {"person", 0, "", "", 3, 120, 60, 60},
    };
    struct eg_buf b;
    char *xl = NULL;
    size_t len = 0;
    struct fx *f = *state;
    char tmp[128];

    eg_buf_init(&b, 1 << 20);
    assert_int_equal(eg_ins_export_csv("2026-11", rows, 2, &b), EG_OK);
    assert_memory_equal(b.data, "\xEF\xBB\xBFmonth,", 9);
    assert_non_null(strstr(b.data, "\"'=HYPERLINK(\"\"x\"\")\""));
    assert_non_null(
        strstr(b.data, "2026-11,total,,合计 (total),,13,520,260,260,5.20,2.60,2.60\r\n"));
    eg_buf_free(&b);
    snprintf(tmp, sizeof tmp, "%s/tmp", f->dir);
    assert_int_equal(eg_ins_export_xlsx("2026-11", rows, 2, tmp, &xl, &len), EG_OK);
    assert_true(len > 1000);
    assert_memory_equal(xl, "PK\x03\x04", 4);
    free(xl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_double, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pay_and_ledger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cover_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daily_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_csv, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
