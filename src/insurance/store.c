/*
 * store.c — products, cover-days, payment orders, the premium ledger, the
 * daily job's statements and the figures (see store.h).
 *
 * Bulk work (paying an order of 100,000 cover-days, closing half a million
 * finished days, rolling auto-renewals) is done with set-based statements
 * so that it costs one statement, not one per row.
 */
#include "insurance/store.h"
#include "insurance/workforce.h"

#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "core/log.h"
#include "db/db.h"

/* ---- small helpers ---------------------------------------------------- */

/* A 'YYYY-MM-DD' column as a day (0 when empty or malformed). */
static eg_day col_day(struct eg_stmt *st, int col)
{
    eg_day d = 0;

    if (eg_date_parse(eg_stmt_text(st, col), &d) != EG_OK)
        return 0;
    return d;
}

/* Step a statement to its end, mapping EG_DONE to EG_OK. */
static enum eg_status finish_rows(enum eg_status rc)
{
    return rc == EG_DONE ? EG_OK : rc;
}

/* ---- products --------------------------------------------------------- */

enum eg_status eg_ins_product_find(struct eg_db *db, const char *code, struct eg_ins_product *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc =
        eg_db_query(db, &st, "SELECT id, code, name FROM ins_products WHERE code = ?", "t", code);

    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        out->id = eg_stmt_i64(st, 0);
        eg_stmt_copy_text(st, 1, out->code, sizeof out->code);
        eg_stmt_copy_text(st, 2, out->name, sizeof out->name);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_ins_products_list(struct eg_db *db, struct eg_arena *a,
                                    struct eg_ins_product **out, size_t *n)
{
    struct eg_stmt *st = NULL;
    struct eg_ins_product *arr = NULL;
    size_t cap = 0, cnt = 0;
    enum eg_status rc =
        eg_db_query(db, &st, "SELECT id, code, name FROM ins_products ORDER BY code", "");

    while (eg_db_next(st, &rc)) {
        arr = eg_arena_grow(a, arr, cnt, &cap, sizeof *arr);
        if (arr == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        arr[cnt].id = eg_stmt_i64(st, 0);
        eg_stmt_copy_text(st, 1, arr[cnt].code, sizeof arr[cnt].code);
        eg_stmt_copy_text(st, 2, arr[cnt].name, sizeof arr[cnt].name);
        cnt++;
        rc = EG_OK;
    }
    eg_stmt_done(st);
    *out = arr;
    *n = cnt;
    return finish_rows(rc);
}

#define VERSION_COLS                                                                               \
    "id, version, effective_from, daily_premium_fen, subsidy_bp, min_age, max_age, "               \
    "max_payout_fen, death_bp, disability_g1_bp, disability_g2_bp, disability_g3_bp, "             \
    "disability_g4_bp, disability_g5_bp, disability_g6_bp, disability_g7_bp, disability_g8_bp, "   \
    "disability_g9_bp, disability_g10_bp, medical_limit_fen, medical_deductible_fen, "             \
    "medical_ratio_bp, hospital_daily_fen, hospital_max_days, note, created_by, created_at"

/* Read a row selected with VERSION_COLS. */
static void version_read(struct eg_stmt *st, struct eg_ins_version *v)
{
    memset(v, 0, sizeof *v);
    v->id = eg_stmt_i64(st, 0);
    v->version = (int)eg_stmt_i64(st, 1);
    v->effective_from = col_day(st, 2);
    v->daily_premium_fen = eg_stmt_i64(st, 3);
    v->subsidy_bp = eg_stmt_i64(st, 4);
    v->min_age = (int)eg_stmt_i64(st, 5);
    v->max_age = (int)eg_stmt_i64(st, 6);
    v->max_payout_fen = eg_stmt_i64(st, 7);
    v->death_bp = eg_stmt_i64(st, 8);
    for (int g = 0; g < EG_INS_GRADES; g++)
        v->disability_bp[g] = eg_stmt_i64(st, 9 + g);
    v->medical_limit_fen = eg_stmt_i64(st, 19);
    v->medical_deductible_fen = eg_stmt_i64(st, 20);
    v->medical_ratio_bp = eg_stmt_i64(st, 21);
    v->hospital_daily_fen = eg_stmt_i64(st, 22);
    v->hospital_max_days = (int)eg_stmt_i64(st, 23);
}

enum eg_status eg_ins_versions_load(struct eg_db *db, struct eg_arena *a, int64_t product_id,
                                    struct eg_ins_version **vs, struct eg_ins_version_meta **metas,
                                    size_t *n)
{
    struct eg_stmt *st = NULL;
    struct eg_ins_version *arr = NULL;
    struct eg_ins_version_meta *marr = NULL;
    size_t cap = 0, mcap = 0, cnt = 0;
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT " VERSION_COLS " FROM ins_product_versions "
                                    "WHERE product_id = ? ORDER BY effective_from, version",
                                    "i", product_id);

    while (eg_db_next(st, &rc)) {
        arr = eg_arena_grow(a, arr, cnt, &cap, sizeof *arr);
        if (metas)
            marr = eg_arena_grow(a, marr, cnt, &mcap, sizeof *marr);
        if (arr == NULL || (metas && marr == NULL)) {
            rc = EG_E_INTERNAL;
            break;
        }
        version_read(st, &arr[cnt]);
        if (metas) {
            marr[cnt].note = eg_stmt_dup_text(st, a, 24);
            marr[cnt].created_by = eg_stmt_dup_text(st, a, 25);
            marr[cnt].created_at = eg_stmt_i64(st, 26);
        }
        cnt++;
        rc = EG_OK;
    }
    eg_stmt_done(st);
    *vs = arr;
    if (metas)
        *metas = marr;
    *n = cnt;
    return finish_rows(rc);
}

enum eg_status eg_ins_version_get(struct eg_db *db, int64_t version_id, struct eg_ins_version *v)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(
        db, &st, "SELECT " VERSION_COLS " FROM ins_product_versions WHERE id = ?", "i", version_id);

    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        version_read(st, v);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_ins_version_insert(struct eg_db *db, int64_t product_id, struct eg_ins_version *v,
                                     const char *note, const char *by, int64_t now)
{
    char from[11];
    int64_t exists = 0, next = 0, id = 0;
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    eg_date_format(v->effective_from, from);
    rc = eg_db_one_i64(db, &exists,
                       "SELECT COUNT(*) FROM ins_product_versions WHERE product_id = ? AND "
                       "effective_from = ?",
                       "it", product_id, from);
    if (rc != EG_OK)
        goto out;
    if (exists > 0) {
        rc = EG_E_DUPLICATE;
        goto out;
    }
    rc = eg_db_one_i64(db, &next,
                       "SELECT COALESCE(MAX(version), 0) + 1 FROM ins_product_versions WHERE "
                       "product_id = ?",
                       "i", product_id);
    if (rc != EG_OK)
        goto out;
    v->version = (int)next;
    rc = eg_db_query(
        db, &st,
        "INSERT INTO ins_product_versions (product_id, version, effective_from, "
        "daily_premium_fen, subsidy_bp, min_age, max_age, max_payout_fen, death_bp, "
        "disability_g1_bp, disability_g2_bp, disability_g3_bp, disability_g4_bp, "
        "disability_g5_bp, disability_g6_bp, disability_g7_bp, disability_g8_bp, "
        "disability_g9_bp, disability_g10_bp, medical_limit_fen, medical_deductible_fen, "
        "medical_ratio_bp, hospital_daily_fen, hospital_max_days, note, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        "iitiiiiiiiiiiiiiiiiiiiiitti", product_id, (int64_t)v->version, from, v->daily_premium_fen,
        v->subsidy_bp, (int64_t)v->min_age, (int64_t)v->max_age, v->max_payout_fen, v->death_bp,
        v->disability_bp[0], v->disability_bp[1], v->disability_bp[2], v->disability_bp[3],
        v->disability_bp[4], v->disability_bp[5], v->disability_bp[6], v->disability_bp[7],
        v->disability_bp[8], v->disability_bp[9], v->medical_limit_fen, v->medical_deductible_fen,
        v->medical_ratio_bp, v->hospital_daily_fen, (int64_t)v->hospital_max_days, note ? note : "",
        by, now);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        id = eg_stmt_i64(st, 0);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_DB;
    }
    v->id = id;
out:
    eg_stmt_done(st);
    return rc;
}

/* ---- people and organisations ------------------------------------------ */

enum eg_status eg_ins_person_birth(struct eg_db *db, int64_t person_id, eg_day *birth)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc =
        eg_db_query(db, &st, "SELECT birth_date FROM people WHERE id = ?", "i", person_id);

    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        rc = eg_date_parse(eg_stmt_text(st, 0), birth) == EG_OK ? EG_OK : EG_E_INTERNAL;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

int eg_ins_checks_rosters(void)
{
    const struct eg_ins_workforce *w = eg_ins_workforce();
    return w && w->on_roster;
}

enum eg_status eg_ins_on_roster(struct eg_db *db, int64_t org_id, int64_t person_id, int *on)
{
    const struct eg_ins_workforce *w = eg_ins_workforce();

    *on = 1;
    return w && w->on_roster ? w->on_roster(db, org_id, person_id, on) : EG_OK;
}

enum eg_status eg_ins_org_exists(struct eg_db *db, int64_t org_id, int *exists)
{
    int64_t n = 0;
    enum eg_status rc = eg_db_one_i64(
        db, &n, "SELECT COUNT(*) FROM organisations WHERE id = ? AND archived = 0", "i", org_id);

    *exists = rc == EG_OK && n > 0;
    return rc;
}

/* ---- cover-days ------------------------------------------------------- */

#define COVER_COLS                                                                                 \
    "c.id, c.person_id, c.day, c.product_id, c.version_id, v.version, pr.code, c.state, "          \
    "c.payer_kind, COALESCE(c.payer_person_id, 0), COALESCE(c.payer_org_id, 0), c.premium_fen, "   \
    "c.subsidy_fen, c.payer_fen, COALESCE(c.order_id, 0), c.day_start_at, "                        \
    "COALESCE(c.cover_start_at, 0), c.cover_end_at, c.source, c.enrolled_by, "                     \
    "COALESCE(c.cancel_reason, ''), c.created_at, COALESCE(c.activated_at, 0), "                   \
    "COALESCE(c.cancelled_at, 0), p.name, p.id_number_masked"
#define COVER_FROM                                                                                 \
    " FROM cover_days c JOIN people p ON p.id = c.person_id "                                      \
    "JOIN ins_product_versions v ON v.id = c.version_id "                                          \
    "JOIN ins_products pr ON pr.id = c.product_id "

/* Read a row selected with COVER_COLS. */
static void cover_read(struct eg_stmt *st, struct eg_arena *a, struct eg_ins_cover *c)
{
    memset(c, 0, sizeof *c);
    c->id = eg_stmt_i64(st, 0);
    c->person_id = eg_stmt_i64(st, 1);
    c->day = col_day(st, 2);
    c->product_id = eg_stmt_i64(st, 3);
    c->version_id = eg_stmt_i64(st, 4);
    c->version = (int)eg_stmt_i64(st, 5);
    eg_stmt_copy_text(st, 6, c->product_code, sizeof c->product_code);
    eg_stmt_copy_text(st, 7, c->state, sizeof c->state);
    eg_stmt_copy_text(st, 8, c->payer_kind, sizeof c->payer_kind);
    c->payer_person_id = eg_stmt_i64(st, 9);
    c->payer_org_id = eg_stmt_i64(st, 10);
    c->premium_fen = eg_stmt_i64(st, 11);
    c->subsidy_fen = eg_stmt_i64(st, 12);
    c->payer_fen = eg_stmt_i64(st, 13);
    c->order_id = eg_stmt_i64(st, 14);
    c->day_start_at = eg_stmt_i64(st, 15);
    c->cover_start_at = eg_stmt_i64(st, 16);
    c->cover_end_at = eg_stmt_i64(st, 17);
    eg_stmt_copy_text(st, 18, c->source, sizeof c->source);
    eg_stmt_copy_text(st, 19, c->enrolled_by, sizeof c->enrolled_by);
    eg_stmt_copy_text(st, 20, c->cancel_reason, sizeof c->cancel_reason);
    c->created_at = eg_stmt_i64(st, 21);
    c->activated_at = eg_stmt_i64(st, 22);
    c->cancelled_at = eg_stmt_i64(st, 23);
    c->person_name = eg_stmt_dup_text(st, a, 24);
    eg_stmt_copy_text(st, 25, c->id_masked, sizeof c->id_masked);
}

/*
 * One statement both inserts and revives: a conflicting row is updated only
 * when it was cancelled, so RETURNING yields a row exactly when a cover-day
 * was (re-)enrolled. Otherwise the existing row is read back for the reply.
 */
enum eg_status eg_ins_cover_insert(struct eg_db *db, const struct eg_ins_cover_new *c, int64_t *id,
                                   int *created, char state[20])
{
    char day[11];
    struct eg_ins_premium p;
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    *created = 0;
    *id = 0;
    state[0] = '\0';
    eg_date_format(c->day, day);
    eg_ins_premium_of(c->v, &p);
    rc = eg_db_query(
        db, &st,
        "INSERT INTO cover_days (person_id, day, product_id, version_id, state, payer_kind, "
        "payer_person_id, payer_org_id, premium_fen, subsidy_fen, payer_fen, order_id, "
        "day_start_at, cover_end_at, source, enrolled_by, created_at) "
        "VALUES (?, ?, ?, ?, 'awaiting_payment', ?, NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?, "
        "NULLIF(?, 0), ?, ?, ?, ?, ?) "
        "ON CONFLICT (person_id, day) DO UPDATE SET product_id = excluded.product_id, "
        "version_id = excluded.version_id, state = 'awaiting_payment', "
        "payer_kind = excluded.payer_kind, payer_person_id = excluded.payer_person_id, "
        "payer_org_id = excluded.payer_org_id, premium_fen = excluded.premium_fen, "
        "subsidy_fen = excluded.subsidy_fen, payer_fen = excluded.payer_fen, "
        "order_id = excluded.order_id, cover_start_at = NULL, source = excluded.source, "
        "enrolled_by = excluded.enrolled_by, cancel_reason = NULL, "
        "created_at = excluded.created_at, activated_at = NULL, cancelled_at = NULL "
        "WHERE cover_days.state = 'cancelled' RETURNING id",
        "itiitiiiiiiiitti", c->person_id, day, c->product_id, c->v->id, c->payer_kind,
        c->payer_person_id, c->payer_org_id, p.premium_fen, p.subsidy_fen, p.payer_fen, c->order_id,
        eg_day_start(c->day), eg_day_start(c->day + 1), c->source, c->enrolled_by, c->now);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *id = eg_stmt_i64(st, 0);
        *created = 1;
        memcpy(state, "awaiting_payment", sizeof "awaiting_payment");
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    st = NULL;
    if (rc != EG_DONE)
        return rc;
    if (*created)
        return EG_OK;
    rc = eg_db_query(db, &st, "SELECT id, state FROM cover_days WHERE person_id = ? AND day = ?",
                     "it", c->person_id, day);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *id = eg_stmt_i64(st, 0);
        eg_stmt_copy_text(st, 1, state, 20);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_INTERNAL; /* a conflict without a row cannot happen */
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_ins_cover_get(struct eg_db *db, struct eg_arena *a, int64_t id,
                                struct eg_ins_cover *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc =
        eg_db_query(db, &st, "SELECT " COVER_COLS COVER_FROM "WHERE c.id = ?", "i", id);

    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        cover_read(st, a, out);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

#define COVER_FILTERS                                                                              \
    "(? = 0 OR c.order_id = ?) AND (? = '' OR c.state = ?) AND (? = '' OR c.day >= ?) AND "        \
    "(? = '' OR c.day <= ?) AND (? = 0 OR c.id < ?) ORDER BY c.id DESC LIMIT ?"

/*
 * Three texts of one query, so that the planner can use the person's or the
 * payer's index when the list is scoped to one of them.
 */
enum eg_status eg_ins_cover_list(struct eg_db *db, struct eg_arena *a,
                                 const struct eg_ins_cover_filter *f, struct eg_ins_cover **out,
                                 size_t *n)
{
    struct eg_stmt *st = NULL;
    struct eg_ins_cover *arr = NULL;
    size_t cap = 0, cnt = 0;
    const char *state = f->state ? f->state : "";
    const char *from = f->from ? f->from : "";
    const char *to = f->to ? f->to : "";
    enum eg_status rc;

    if (f->person_id > 0)
        rc = eg_db_query(db, &st,
                         "SELECT " COVER_COLS COVER_FROM
                         "WHERE c.person_id = ? AND (? = 0 OR c.payer_org_id = ?) "
                         "AND " COVER_FILTERS,
                         "iiiiittttttiii", f->person_id, f->payer_org_id, f->payer_org_id,
                         f->order_id, f->order_id, state, state, from, from, to, to, f->before_id,
                         f->before_id, (int64_t)f->limit);
    else if (f->payer_org_id > 0)
        rc = eg_db_query(
            db, &st, "SELECT " COVER_COLS COVER_FROM "WHERE c.payer_org_id = ? AND " COVER_FILTERS,
            "iiittttttiii", f->payer_org_id, f->order_id, f->order_id, state, state, from, from, to,
            to, f->before_id, f->before_id, (int64_t)f->limit);
    else
        rc = eg_db_query(db, &st, "SELECT " COVER_COLS COVER_FROM "WHERE " COVER_FILTERS,
                         "iittttttiii", f->order_id, f->order_id, state, state, from, from, to, to,
                         f->before_id, f->before_id, (int64_t)f->limit);
    while (eg_db_next(st, &rc)) {
        arr = eg_arena_grow(a, arr, cnt, &cap, sizeof *arr);
        if (arr == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        cover_read(st, a, &arr[cnt++]);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    *out = arr;
    *n = cnt;
    return finish_rows(rc);
}

/* Recompute an order's totals from its cover-days that are not cancelled;
 * a pending order left empty is cancelled. */
static enum eg_status order_recompute(struct eg_db *db, int64_t order_id, int64_t now)
{
    enum eg_status rc =
        eg_db_run(db, NULL,
                  "UPDATE payment_orders SET "
                  "amount_fen = (SELECT COALESCE(SUM(payer_fen), 0) FROM cover_days "
                  "WHERE order_id = payment_orders.id AND state <> 'cancelled'), "
                  "premium_fen = (SELECT COALESCE(SUM(premium_fen), 0) FROM cover_days "
                  "WHERE order_id = payment_orders.id AND state <> 'cancelled'), "
                  "subsidy_fen = (SELECT COALESCE(SUM(subsidy_fen), 0) FROM cover_days "
                  "WHERE order_id = payment_orders.id AND state <> 'cancelled'), "
                  "cover_days = (SELECT COUNT(*) FROM cover_days "
                  "WHERE order_id = payment_orders.id AND state <> 'cancelled') "
                  "WHERE id = ? AND state = 'pending'",
                  "i", order_id);

    if (rc != EG_OK)
        return rc;
    return eg_db_run(db, NULL,
                     "UPDATE payment_orders SET state = 'cancelled', closed_at = ? "
                     "WHERE id = ? AND state = 'pending' AND cover_days = 0",
                     "ii", now, order_id);
}

enum eg_status eg_ins_cover_cancel(struct eg_db *db, const struct eg_ins_cover *c, int64_t now,
                                   int64_t *refund_fen)
{
    int64_t changed = 0;
    enum eg_status rc;

    *refund_fen = 0;
    if (strcmp(c->state, "awaiting_payment") == 0) {
        rc = eg_db_run(db, &changed,
                       "UPDATE cover_days SET state = 'cancelled', cancel_reason = 'requested', "
                       "cancelled_at = ? WHERE id = ? AND state = 'awaiting_payment'",
                       "ii", now, c->id);
        if (rc == EG_OK && changed != 1)
            rc = EG_E_CONFLICT;
        if (rc == EG_OK && c->order_id > 0)
            rc = order_recompute(db, c->order_id, now);
        return rc;
    }
    if (strcmp(c->state, "active") != 0)
        return EG_E_CONFLICT;
    rc = eg_db_run(db, &changed,
                   "UPDATE cover_days SET state = 'cancelled', cancel_reason = 'requested', "
                   "cancelled_at = ? WHERE id = ? AND state = 'active'",
                   "ii", now, c->id);
    if (rc == EG_OK && changed != 1)
        rc = EG_E_CONFLICT;
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO ins_ledger (cover_day_id, order_id, kind, day, month, "
                       "payer_kind, payer_person_id, payer_org_id, premium_fen, subsidy_fen, "
                       "payer_fen, booked_at) "
                       "SELECT id, order_id, 'refund', day, substr(day, 1, 7), payer_kind, "
                       "payer_person_id, payer_org_id, -premium_fen, -subsidy_fen, -payer_fen, ? "
                       "FROM cover_days WHERE id = ? AND order_id IS NOT NULL "
                       "ON CONFLICT (cover_day_id, order_id, kind) DO NOTHING",
                       "ii", now, c->id);
    if (rc == EG_OK && c->order_id > 0)
        rc = eg_db_run(db, NULL,
                       "UPDATE payment_orders SET refunded_fen = refunded_fen + ? WHERE id = ?",
                       "ii", c->payer_fen, c->order_id);
    if (rc == EG_OK)
        *refund_fen = c->payer_fen;
    return rc;
}

enum eg_status eg_ins_cover_at(struct eg_db *db, struct eg_arena *a, int64_t person_id, int64_t t,
                               struct eg_ins_cover *cover)
{
    char day[11];
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    eg_date_format(eg_day_of(t), day);
    rc = eg_db_query(db, &st,
                     "SELECT " COVER_COLS COVER_FROM
                     "WHERE c.person_id = ? AND c.day = ? AND c.state IN ('active', 'expired') "
                     "AND c.cover_start_at <= ? AND c.cover_end_at > ?",
                     "itii", person_id, day, t, t);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        cover_read(st, a, cover);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

/* ---- payment orders --------------------------------------------------- */

#define ORDER_COLS                                                                                 \
    "id, order_no, kind, payer_kind, COALESCE(payer_person_id, 0), COALESCE(payer_org_id, 0), "    \
    "amount_fen, premium_fen, subsidy_fen, cover_days, first_day, last_day, state, created_by, "   \
    "created_at, expires_at, COALESCE(paid_at, 0), COALESCE(confirmed_at, 0), "                    \
    "COALESCE(closed_at, 0), COALESCE(channel_ref, ''), refunded_fen"

static void order_read(struct eg_stmt *st, struct eg_ins_order *o)
{
    memset(o, 0, sizeof *o);
    o->id = eg_stmt_i64(st, 0);
    eg_stmt_copy_text(st, 1, o->order_no, sizeof o->order_no);
    eg_stmt_copy_text(st, 2, o->kind, sizeof o->kind);
    eg_stmt_copy_text(st, 3, o->payer_kind, sizeof o->payer_kind);
    o->payer_person_id = eg_stmt_i64(st, 4);
    o->payer_org_id = eg_stmt_i64(st, 5);
    o->amount_fen = eg_stmt_i64(st, 6);
    o->premium_fen = eg_stmt_i64(st, 7);
    o->subsidy_fen = eg_stmt_i64(st, 8);
    o->cover_days = eg_stmt_i64(st, 9);
    o->first_day = col_day(st, 10);
    o->last_day = col_day(st, 11);
    eg_stmt_copy_text(st, 12, o->state, sizeof o->state);
    eg_stmt_copy_text(st, 13, o->created_by, sizeof o->created_by);
    o->created_at = eg_stmt_i64(st, 14);
    o->expires_at = eg_stmt_i64(st, 15);
    o->paid_at = eg_stmt_i64(st, 16);
    o->confirmed_at = eg_stmt_i64(st, 17);
    o->closed_at = eg_stmt_i64(st, 18);
    eg_stmt_copy_text(st, 19, o->channel_ref, sizeof o->channel_ref);
    o->refunded_fen = eg_stmt_i64(st, 20);
}

enum eg_status eg_ins_order_create(struct eg_db *db, const char *kind, const char *payer_kind,
                                   int64_t payer_person_id, int64_t payer_org_id,
                                   const char *created_by, int64_t now, int64_t *id,
                                   char order_no[48])
{
    unsigned char rnd[8];
    char hex[17], day[11];
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    eg_date_format(eg_day_of(now), day);
    snprintf(order_no, 48, "PO%.4s%.2s%.2s-%s", day, day + 5, day + 8, hex);
    rc = eg_db_query(db, &st,
                     "INSERT INTO payment_orders (order_no, kind, payer_kind, payer_person_id, "
                     "payer_org_id, amount_fen, premium_fen, subsidy_fen, cover_days, first_day, "
                     "last_day, state, created_by, created_at, expires_at) "
                     "VALUES (?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), 0, 0, 0, 0, '', '', 'pending', "
                     "?, ?, ?) RETURNING id",
                     "tttiitii", order_no, kind, payer_kind, payer_person_id, payer_org_id,
                     created_by, now, now + EG_INS_ORDER_TTL_S);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *id = eg_stmt_i64(st, 0);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_DB;
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_ins_order_finish(struct eg_db *db, int64_t order_id, int64_t now, int64_t *count)
{
    struct eg_stmt *st = NULL;
    int64_t n = 0, amount = 0, premium = 0, subsidy = 0, created = now, expires;
    char first[11] = "", last[11] = "", kind[16] = "";
    eg_day d0 = 0;
    enum eg_status rc = eg_db_query(
        db, &st,
        "SELECT COUNT(c.id), COALESCE(SUM(c.payer_fen), 0), COALESCE(SUM(c.premium_fen), 0), "
        "COALESCE(SUM(c.subsidy_fen), 0), COALESCE(MIN(c.day), ''), COALESCE(MAX(c.day), ''), "
        "MIN(o.created_at), MIN(o.kind) "
        "FROM payment_orders o LEFT JOIN cover_days c ON c.order_id = o.id AND c.state <> "
        "'cancelled' WHERE o.id = ?",
        "i", order_id);

    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        n = eg_stmt_i64(st, 0);
        amount = eg_stmt_i64(st, 1);
        premium = eg_stmt_i64(st, 2);
        subsidy = eg_stmt_i64(st, 3);
        eg_stmt_copy_text(st, 4, first, sizeof first);
        eg_stmt_copy_text(st, 5, last, sizeof last);
        created = eg_stmt_i64(st, 6);
        eg_stmt_copy_text(st, 7, kind, sizeof kind);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    *count = n;
    if (rc != EG_OK)
        return rc;
    if (n == 0)
        return eg_db_run(db, NULL,
                         "DELETE FROM payment_orders WHERE id = ? AND NOT EXISTS "
                         "(SELECT 1 FROM cover_days WHERE order_id = ?)",
                         "ii", order_id, order_id);
    if (eg_date_parse(first, &d0) != EG_OK)
        return EG_E_INTERNAL;
    expires = eg_day_start(d0 + 1);
    if (strcmp(kind, "auto_renew") != 0 && created + EG_INS_ORDER_TTL_S < expires)
        expires = created + EG_INS_ORDER_TTL_S;
    return eg_db_run(db, NULL,
                     "UPDATE payment_orders SET amount_fen = ?, premium_fen = ?, subsidy_fen = ?, "
                     "cover_days = ?, first_day = ?, last_day = ?, expires_at = ? WHERE id = ?",
                     "iiiittii", amount, premium, subsidy, n, first, last, expires, order_id);
}

enum eg_status eg_ins_order_get(struct eg_db *db, int64_t id, const char *order_no,
                                struct eg_ins_order *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    if (order_no != NULL)
        rc = eg_db_query(db, &st, "SELECT " ORDER_COLS " FROM payment_orders WHERE order_no = ?",
                         "t", order_no);
    else
        rc =
            eg_db_query(db, &st, "SELECT " ORDER_COLS " FROM payment_orders WHERE id = ?", "i", id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        order_read(st, out);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_ins_order_by_ref(struct eg_db *db, const char *channel_ref, int64_t *order_id)
{
    return eg_db_one_i64(db, order_id, "SELECT id FROM payment_orders WHERE channel_ref = ?", "t",
                         channel_ref);
}

enum eg_status eg_ins_order_pay(struct eg_db *db, int64_t order_id, int64_t paid_at,
                                const char *channel_ref, int64_t now, int64_t *activated)
{
    int64_t changed = 0;
    enum eg_status rc = eg_db_run(db, &changed,
                                  "UPDATE payment_orders SET state = 'paid', paid_at = ?, "
                                  "channel_ref = ?, confirmed_at = ? WHERE id = ? AND "
                                  "state = 'pending'",
                                  "itii", paid_at, channel_ref, now, order_id);

    *activated = 0;
    if (rc == EG_OK && changed != 1)
        rc = EG_E_CONFLICT;
    if (rc == EG_OK)
        rc = eg_db_run(db, activated,
                       "UPDATE cover_days SET state = 'active', cover_start_at = CASE "
                       "WHEN day_start_at > ? THEN day_start_at "
                       "WHEN cover_end_at < ? THEN cover_end_at ELSE ? END, activated_at = ? "
                       "WHERE order_id = ? AND state = 'awaiting_payment'",
                       "iiiii", paid_at, paid_at, paid_at, now, order_id);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO ins_ledger (cover_day_id, order_id, kind, day, month, "
                       "payer_kind, payer_person_id, payer_org_id, premium_fen, subsidy_fen, "
                       "payer_fen, booked_at) "
                       "SELECT id, order_id, 'premium', day, substr(day, 1, 7), payer_kind, "
                       "payer_person_id, payer_org_id, premium_fen, subsidy_fen, payer_fen, ? "
                       "FROM cover_days WHERE order_id = ? AND state = 'active' "
                       "ON CONFLICT (cover_day_id, order_id, kind) DO NOTHING",
                       "ii", now, order_id);
    return rc;
}

enum eg_status eg_ins_orders_expire(struct eg_db *db, int64_t now, int64_t *orders, int64_t *days)
{
    enum eg_status rc = eg_db_run(db, days,
                                  "UPDATE cover_days SET state = 'cancelled', "
                                  "cancel_reason = 'unpaid', cancelled_at = ? "
                                  "WHERE state = 'awaiting_payment' AND order_id IN "
                                  "(SELECT id FROM payment_orders WHERE state = 'pending' AND "
                                  "expires_at <= ?)",
                                  "ii", now, now);

    if (rc == EG_OK)
        rc = eg_db_run(db, orders,
                       "UPDATE payment_orders SET state = 'expired', closed_at = ? "
                       "WHERE state = 'pending' AND expires_at <= ?",
                       "ii", now, now);
    return rc;
}

enum eg_status eg_ins_order_list(struct eg_db *db, struct eg_arena *a,
                                 const struct eg_ins_order_filter *f, struct eg_ins_order **out,
                                 size_t *n)
{
    struct eg_stmt *st = NULL;
    struct eg_ins_order *arr = NULL;
    size_t cap = 0, cnt = 0;
    const char *state = f->state ? f->state : "";
    enum eg_status rc = eg_db_query(
        db, &st,
        "SELECT " ORDER_COLS " FROM payment_orders WHERE (? = 0 OR payer_person_id = ?) AND "
        "(? = 0 OR payer_org_id = ?) AND (? = '' OR state = ?) AND (? = 0 OR id < ?) "
        "ORDER BY id DESC LIMIT ?",
        "iiiittiii", f->payer_person_id, f->payer_person_id, f->payer_org_id, f->payer_org_id,
        state, state, f->before_id, f->before_id, (int64_t)f->limit);

    while (eg_db_next(st, &rc)) {
        arr = eg_arena_grow(a, arr, cnt, &cap, sizeof *arr);
        if (arr == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        order_read(st, &arr[cnt++]);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    *out = arr;
    *n = cnt;
    return finish_rows(rc);
}

/* ---- auto-renewal ----------------------------------------------------- */

enum eg_status eg_ins_auto_renew_set(struct eg_db *db, int64_t person_id, int64_t product_id,
                                     int enabled, int64_t now)
{
    return eg_db_run(db, NULL,
                     "INSERT INTO ins_auto_renew (person_id, enabled, product_id, updated_at) "
                     "VALUES (?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
                     "enabled = excluded.enabled, product_id = excluded.product_id, "
                     "updated_at = excluded.updated_at",
                     "iiii", person_id, (int64_t)(enabled ? 1 : 0), product_id, now);
}

enum eg_status eg_ins_auto_renew_get(struct eg_db *db, int64_t person_id, int *enabled,
                                     int64_t *updated_at)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc =
        eg_db_query(db, &st, "SELECT enabled, updated_at FROM ins_auto_renew WHERE person_id = ?",
                    "i", person_id);

    *enabled = 0;
    *updated_at = 0;
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *enabled = eg_stmt_i64(st, 0) != 0;
        *updated_at = eg_stmt_i64(st, 1);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    return rc;
}

/* ---- the daily job ---------------------------------------------------- */

enum eg_status eg_ins_job_begin(struct eg_db *db, const char *job, eg_day day, int64_t now,
                                int *done)
{
    char d[11];
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    eg_date_format(day, d);
    *done = 0;
    rc = eg_db_run(db, NULL,
                   "INSERT INTO ins_job_runs (job, day, state, started_at, summary) "
                   "VALUES (?, ?, 'running', ?, '{}') ON CONFLICT (job, day) DO NOTHING",
                   "tti", job, d, now);
    if (rc == EG_OK)
        rc = eg_db_query(db, &st, "SELECT state FROM ins_job_runs WHERE job = ? AND day = ?", "tt",
                         job, d);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *done = strcmp(eg_stmt_text(st, 0), "done") == 0;
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_INTERNAL;
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_ins_job_finish(struct eg_db *db, const char *job, eg_day day, int64_t now,
                                 const char *summary)
{
    char d[11];

    eg_date_format(day, d);
    return eg_db_run(db, NULL,
                     "UPDATE ins_job_runs SET state = 'done', finished_at = ?, summary = ? "
                     "WHERE job = ? AND day = ?",
                     "ittt", now, summary, job, d);
}

enum eg_status eg_ins_close_days(struct eg_db *db, eg_day before, int64_t *n)
{
    char d[11];

    eg_date_format(before, d);
    return eg_db_run(db, n,
                     "UPDATE cover_days SET state = 'expired' WHERE state = 'active' AND day < ?",
                     "t", d);
}

enum eg_status eg_ins_cancel_unpaid(struct eg_db *db, eg_day before, int64_t now, int64_t *days,
                                    int64_t *orders)
{
    char d[11];
    enum eg_status rc;

    eg_date_format(before, d);
    rc = eg_db_run(db, days,
                   "UPDATE cover_days SET state = 'cancelled', cancel_reason = 'unpaid', "
                   "cancelled_at = ? WHERE state = 'awaiting_payment' AND day < ?",
                   "it", now, d);
    if (rc == EG_OK)
        rc = eg_db_run(db, orders,
                       "UPDATE payment_orders SET state = 'expired', closed_at = ? "
                       "WHERE state = 'pending' AND last_day < ?",
                       "it", now, d);
    return rc;
}

/*
 * Three set-based statements: orders for everyone due (skipping people who
 * already have a cover-day for the date in any state — a worker who
 * cancelled that day keeps it cancelled — and orders made by an earlier
 * run), cover-days for every pending renewal order of the date that has
 * none yet, and the cancellation of orders that found no cover-day to pay
 * for (a person-date taken in between).
 */
enum eg_status eg_ins_renew(struct eg_db *db, eg_day day, int64_t product_id,
                            const struct eg_ins_version *v, int64_t now, int64_t *orders,
                            int64_t *days)
{
    char d[11], compact[9], lo[11], hi[11];
    eg_day earliest, latest;
    struct eg_ins_premium p;
    int64_t dropped = 0;
    int64_t end = eg_day_start(day + 1);
    enum eg_status rc;

    *orders = 0;
    *days = 0;
    eg_date_format(day, d);
    snprintf(compact, sizeof compact, "%.4s%.2s%.2s", d, d + 5, d + 8);
    eg_ins_birth_bounds(day, v->min_age, v->max_age, &earliest, &latest);
    eg_date_format(earliest, lo);
    eg_date_format(latest, hi);
    eg_ins_premium_of(v, &p);

    rc = eg_db_run(db, orders,
                   "INSERT INTO payment_orders (order_no, kind, payer_kind, payer_person_id, "
                   "amount_fen, premium_fen, subsidy_fen, cover_days, first_day, last_day, state, "
                   "created_by, created_at, expires_at) "
                   "SELECT 'AR' || ? || '-' || a.person_id, 'auto_renew', 'person', a.person_id, "
                   "?, ?, ?, 1, ?, ?, 'pending', 'system', ?, ? "
                   "FROM ins_auto_renew a JOIN people p ON p.id = a.person_id "
                   "WHERE a.enabled = 1 AND a.product_id = ? AND p.birth_date >= ? AND "
                   "p.birth_date <= ? AND NOT EXISTS (SELECT 1 FROM cover_days c "
                   "WHERE c.person_id = a.person_id AND c.day = ?) "
                   "ON CONFLICT (order_no) DO NOTHING",
                   "tiiittiiittt", compact, p.payer_fen, p.premium_fen, p.subsidy_fen, d, d, now,
                   end, product_id, lo, hi, d);
    if (rc != EG_OK)
        return rc;
    rc = eg_db_run(db, days,
                   "INSERT INTO cover_days (person_id, day, product_id, version_id, state, "
                   "payer_kind, payer_person_id, premium_fen, subsidy_fen, payer_fen, order_id, "
                   "day_start_at, cover_end_at, source, enrolled_by, created_at) "
                   "SELECT o.payer_person_id, ?, ?, ?, 'awaiting_payment', 'person', "
                   "o.payer_person_id, ?, ?, ?, o.id, ?, ?, 'auto_renew', 'system', ? "
                   "FROM payment_orders o WHERE o.kind = 'auto_renew' AND o.first_day = ? AND "
                   "o.state = 'pending' AND NOT EXISTS (SELECT 1 FROM cover_days c "
                   "WHERE c.order_id = o.id) "
                   "ON CONFLICT (person_id, day) DO NOTHING",
                   "tiiiiiiiit", d, product_id, v->id, p.premium_fen, p.subsidy_fen, p.payer_fen,
                   eg_day_start(day), end, now, d);
    if (rc != EG_OK)
        return rc;
    rc = eg_db_run(db, &dropped,
                   "UPDATE payment_orders SET state = 'cancelled', closed_at = ? "
                   "WHERE kind = 'auto_renew' AND first_day = ? AND state = 'pending' AND "
                   "NOT EXISTS (SELECT 1 FROM cover_days c WHERE c.order_id = payment_orders.id)",
                   "it", now, d);
    if (rc == EG_OK)
        *orders -= dropped;
    return rc;
}

/* ---- ledger, settlement, figures -------------------------------------- */

enum eg_status eg_ins_settlement(struct eg_db *db, struct eg_arena *a, const char *month,
                                 struct eg_ins_settlement_row **rows, size_t *n)
{
    struct eg_stmt *st = NULL;
    struct eg_ins_settlement_row *arr = NULL;
    size_t cap = 0, cnt = 0;
    enum eg_status rc =
        eg_db_query(db, &st,
                    "SELECT l.payer_kind, COALESCE(l.payer_org_id, 0), COALESCE(o.name, ''), "
                    "COALESCE(o.credit_code, ''), "
                    "SUM(CASE WHEN l.kind = 'premium' THEN 1 ELSE -1 END), SUM(l.premium_fen), "
                    "SUM(l.subsidy_fen), SUM(l.payer_fen) "
                    "FROM ins_ledger l LEFT JOIN organisations o ON o.id = l.payer_org_id "
                    "WHERE l.month = ? "
                    "GROUP BY l.payer_kind, l.payer_org_id, o.name, o.credit_code "
                    "ORDER BY l.payer_kind, o.name, l.payer_org_id",
                    "t", month);

    while (eg_db_next(st, &rc)) {
        arr = eg_arena_grow(a, arr, cnt, &cap, sizeof *arr);
        if (arr == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        arr[cnt].payer_kind = eg_stmt_dup_text(st, a, 0);
        arr[cnt].payer_org_id = eg_stmt_i64(st, 1);
        arr[cnt].payer_name = eg_stmt_dup_text(st, a, 2);
        arr[cnt].credit_code = eg_stmt_dup_text(st, a, 3);
        arr[cnt].person_days = eg_stmt_i64(st, 4);
        arr[cnt].premium_fen = eg_stmt_i64(st, 5);
        arr[cnt].subsidy_fen = eg_stmt_i64(st, 6);
        arr[cnt].payer_fen = eg_stmt_i64(st, 7);
        cnt++;
        rc = EG_OK;
    }
    eg_stmt_done(st);
    *rows = arr;
    *n = cnt;
    return finish_rows(rc);
}

enum eg_status eg_ins_count_covered(struct eg_db *db, eg_day day, int64_t *n)
{
    char d[11];

    eg_date_format(day, d);
    return eg_db_one_i64(db, n,
                         "SELECT COUNT(DISTINCT person_id) FROM cover_days WHERE day = ? AND "
                         "state IN ('active', 'expired')",
                         "t", d);
}

/*
 * Active workers on a day and how many of them were covered, from the
 * workforce answers (workforce.h: monitoring's work records); -1 for both
 * when that cannot be told, so the figures say "unknown" rather than 0.
 */
static enum eg_status active_workers(struct eg_db *db, eg_day day, int64_t *active,
                                     int64_t *covered)
{
    const struct eg_ins_workforce *w = eg_ins_workforce();
    enum eg_status rc =
        w && w->active_people ? w->active_people(db, day, active, covered) : EG_E_UNAVAILABLE;
    if (rc != EG_OK) {
        eg_log(EG_LOG_WARN, "event=insurance_active_workers_unknown status=%s", eg_status_code(rc));
        *active = -1;
        *covered = -1;
    }
    return EG_OK;
}

enum eg_status eg_ins_figures_compute(struct eg_db *db, struct eg_arena *a, eg_day from, eg_day to,
                                      eg_day on, struct eg_ins_figures *out)
{
    char f[11], t[11], o[11];
    struct eg_stmt *st = NULL;
    size_t cap = 0;
    enum eg_status rc;

    memset(out, 0, sizeof *out);
    eg_date_format(from, f);
    eg_date_format(to, t);
    eg_date_format(on, o);
    rc = eg_db_query(db, &st,
                     "SELECT COUNT(*), COUNT(DISTINCT person_id) FROM cover_days "
                     "WHERE day >= ? AND day <= ? AND state IN ('active', 'expired')",
                     "tt", f, t);
    if (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        out->person_days = eg_stmt_i64(st, 0);
        out->insured_people = eg_stmt_i64(st, 1);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    st = NULL;
    if (rc != EG_OK)
        goto out;
    rc = eg_db_query(db, &st,
                     "SELECT COALESCE(SUM(premium_fen), 0), COALESCE(SUM(subsidy_fen), 0) "
                     "FROM ins_ledger WHERE day >= ? AND day <= ?",
                     "tt", f, t);
    if (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        out->premiums_fen = eg_stmt_i64(st, 0);
        out->subsidy_fen = eg_stmt_i64(st, 1);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    st = NULL;
    if (rc != EG_OK)
        goto out;
    rc = eg_ins_count_covered(db, on, &out->covered_on);
    if (rc != EG_OK)
        goto out;
    rc = active_workers(db, on, &out->active_workers, &out->covered_active);
    if (rc != EG_OK)
        goto out;
    rc = eg_db_query(db, &st,
                     "SELECT state, COUNT(*) FROM claims WHERE incident_day >= ? AND "
                     "incident_day <= ? GROUP BY state",
                     "tt", f, t);
    while (eg_db_next(st, &rc)) {
        enum eg_claim_state s = eg_claim_state_parse(eg_stmt_text(st, 0));
        if (s < EG_CLAIM_STATE_COUNT) {
            out->claims_by_state[s] = eg_stmt_i64(st, 1);
            out->claims_total += out->claims_by_state[s];
        }
    }
    eg_stmt_done(st);
    st = NULL;
    rc = finish_rows(rc);
    if (rc != EG_OK)
        goto out;
    rc = eg_db_query(db, &st,
                     "SELECT payout_fen, paid_at - reported_at FROM claims WHERE state = 'paid' "
                     "AND incident_day >= ? AND incident_day <= ?",
                     "tt", f, t);
    while (eg_db_next(st, &rc)) {
        out->pay_seconds = eg_arena_grow(a, out->pay_seconds, out->n_pay, &cap, sizeof(int64_t));
        if (out->pay_seconds == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        out->payouts_fen += eg_stmt_i64(st, 0);
        out->pay_seconds[out->n_pay++] = eg_stmt_i64(st, 1);
        out->paid_claims++;
        rc = EG_OK;
    }
    eg_stmt_done(st);
    st = NULL;
    rc = finish_rows(rc);
out:
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_ins_calendar_load(struct eg_db *db, struct eg_arena *a, eg_day from, eg_day to,
                                    struct eg_calendar *cal)
{
    char f[11], t[11];
    struct eg_stmt *st = NULL;
    eg_day *hol = NULL, *work = NULL;
    size_t hcap = 0, wcap = 0, nh = 0, nw = 0;
    enum eg_status rc;

    eg_date_format(from, f);
    eg_date_format(to, t);
    rc = eg_db_query(db, &st,
                     "SELECT day, kind FROM calendar_days WHERE day >= ? AND day <= ? ORDER BY day",
                     "tt", f, t);
    while (eg_db_next(st, &rc)) {
        eg_day d = col_day(st, 0);
        int holiday = strcmp(eg_stmt_text(st, 1), "holiday") == 0;
        rc = EG_OK;
        if (d == 0)
            continue;
        if (holiday) {
            hol = eg_arena_grow(a, hol, nh, &hcap, sizeof *hol);
            if (hol == NULL) {
                rc = EG_E_INTERNAL;
                break;
            }
            hol[nh++] = d;
        } else {
            work = eg_arena_grow(a, work, nw, &wcap, sizeof *work);
            if (work == NULL) {
                rc = EG_E_INTERNAL;
                break;
            }
            work[nw++] = d;
        }
    }
    eg_stmt_done(st);
    cal->holidays = hol;
    cal->n_holidays = nh;
    cal->workdays = work;
    cal->n_workdays = nw;
    return finish_rows(rc);
}
