/*
 * store_claims.c — claims, their assessed items, materials and timeline
 * (see store.h).
 */
#include "insurance/store.h"

#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "core/events.h"
#include "db/db.h"

#define CLAIM_COLS                                                                                 \
    "cl.id, cl.claim_no, cl.person_id, cl.cover_day_id, cl.version_id, cl.incident_at, "           \
    "cl.incident_day, cl.incident_year, cl.place, cl.description, cl.hospital, cl.injury_type, "   \
    "cl.state, COALESCE(cl.reject_reason, ''), COALESCE(cl.reject_note, ''), cl.reported_by, "     \
    "cl.reported_at, cl.materials_due, COALESCE(cl.accepted_at, 0), "                              \
    "COALESCE(cl.decision_due, ''), COALESCE(cl.assessed_at, 0), cl.assessment_round, "            \
    "COALESCE(cl.assessed_total_fen, -1), COALESCE(cl.payout_fen, -1), "                           \
    "COALESCE(cl.capped_by, ''), COALESCE(cl.approved_at, 0), COALESCE(cl.paid_at, 0), "           \
    "COALESCE(cl.rejected_at, 0), COALESCE(cl.payout_ref, ''), COALESCE(cl.case_id, 0), "          \
    "cl.updated_at, p.name, p.id_number_masked, COALESCE(c.payer_org_id, 0)"
#define CLAIM_FROM                                                                                 \
    " FROM claims cl JOIN people p ON p.id = cl.person_id "                                        \
    "JOIN cover_days c ON c.id = cl.cover_day_id "

static void claim_read(struct eg_stmt *st, struct eg_arena *a, struct eg_ins_claim *c)
{
    memset(c, 0, sizeof *c);
    c->id = eg_stmt_i64(st, 0);
    eg_stmt_copy_text(st, 1, c->claim_no, sizeof c->claim_no);
    c->person_id = eg_stmt_i64(st, 2);
    c->cover_day_id = eg_stmt_i64(st, 3);
    c->version_id = eg_stmt_i64(st, 4);
    c->incident_at = eg_stmt_i64(st, 5);
    (void)eg_date_parse(eg_stmt_text(st, 6), &c->incident_day);
    c->incident_year = (int)eg_stmt_i64(st, 7);
    c->place = eg_stmt_dup_text(st, a, 8);
    c->description = eg_stmt_dup_text(st, a, 9);
    c->hospital = eg_stmt_dup_text(st, a, 10);
    eg_stmt_copy_text(st, 11, c->injury_type, sizeof c->injury_type);
    c->state = eg_claim_state_parse(eg_stmt_text(st, 12));
    eg_stmt_copy_text(st, 13, c->reject_reason, sizeof c->reject_reason);
    c->reject_note = eg_stmt_dup_text(st, a, 14);
    eg_stmt_copy_text(st, 15, c->reported_by, sizeof c->reported_by);
    c->reported_at = eg_stmt_i64(st, 16);
    (void)eg_date_parse(eg_stmt_text(st, 17), &c->materials_due);
    c->accepted_at = eg_stmt_i64(st, 18);
    c->has_decision_due = eg_date_parse(eg_stmt_text(st, 19), &c->decision_due) == EG_OK;
    c->assessed_at = eg_stmt_i64(st, 20);
    c->assessment_round = (int)eg_stmt_i64(st, 21);
    c->assessed_total_fen = eg_stmt_i64(st, 22);
    c->payout_fen = eg_stmt_i64(st, 23);
    eg_stmt_copy_text(st, 24, c->capped_by, sizeof c->capped_by);
    c->approved_at = eg_stmt_i64(st, 25);
    c->paid_at = eg_stmt_i64(st, 26);
    c->rejected_at = eg_stmt_i64(st, 27);
    eg_stmt_copy_text(st, 28, c->payout_ref, sizeof c->payout_ref);
    c->case_id = eg_stmt_i64(st, 29);
    c->updated_at = eg_stmt_i64(st, 30);
    c->person_name = eg_stmt_dup_text(st, a, 31);
    eg_stmt_copy_text(st, 32, c->id_masked, sizeof c->id_masked);
    c->payer_org_id = eg_stmt_i64(st, 33);
}

/*
 * The claim number needs the row id, so the row is inserted with a random
 * placeholder number first and renumbered in the same transaction.
 */
enum eg_status eg_ins_claim_insert(struct eg_db *db, const struct eg_ins_claim_new *c, int64_t *id,
                                   char claim_no[48])
{
    unsigned char rnd[8];
    char tmp[24], day[11], due[11];
    eg_day incident = eg_day_of(c->incident_at);
    int y, m, d;
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    randombytes_buf(rnd, sizeof rnd);
    memcpy(tmp, "tmp-", 4);
    sodium_bin2hex(tmp + 4, sizeof tmp - 4, rnd, sizeof rnd);
    eg_date_format(incident, day);
    eg_date_format(eg_ins_materials_due(eg_day_of(c->now)), due);
    eg_day_to_civil(incident, &y, &m, &d);
    rc =
        eg_db_query(db, &st,
                    "INSERT INTO claims (claim_no, person_id, cover_day_id, version_id, "
                    "incident_at, incident_day, incident_year, place, description, injury_type, "
                    "hospital, state, reported_by, reported_at, materials_due, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'reported', ?, ?, ?, ?) RETURNING id",
                    "tiiiititttttiti", tmp, c->person_id, c->cover_day_id, c->version_id,
                    c->incident_at, day, (int64_t)y, c->place, c->description, c->injury_type,
                    c->hospital ? c->hospital : "", c->reported_by, c->now, due, c->now);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *id = eg_stmt_i64(st, 0);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_DB;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    eg_day_to_civil(eg_day_of(c->now), &y, &m, &d);
    snprintf(claim_no, 48, "%s-CL-%04d-%06lld", c->prefix, y, (long long)*id);
    rc = eg_db_run(db, NULL, "UPDATE claims SET claim_no = ? WHERE id = ?", "ti", claim_no, *id);
    if (rc != EG_OK)
        return rc;
    struct eg_event ev = {EG_EVENT_CLAIM_REPORTED, *id, c->person_id, 0, incident, c->now};
    return eg_event_publish(db, &ev);
}

enum eg_status eg_ins_claim_find_duplicate(struct eg_db *db, int64_t person_id, int64_t incident_at,
                                           int64_t *claim_id)
{
    return eg_db_one_i64(db, claim_id,
                         "SELECT MIN(id) FROM claims WHERE person_id = ? AND incident_at = ? AND "
                         "state <> 'rejected' HAVING COUNT(*) > 0",
                         "ii", person_id, incident_at);
}

enum eg_status eg_ins_claim_get(struct eg_db *db, struct eg_arena *a, int64_t id,
                                struct eg_ins_claim *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc =
        eg_db_query(db, &st, "SELECT " CLAIM_COLS CLAIM_FROM "WHERE cl.id = ?", "i", id);

    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        claim_read(st, a, out);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_ins_claim_list(struct eg_db *db, struct eg_arena *a,
                                 const struct eg_ins_claim_filter *f, struct eg_ins_claim **out,
                                 size_t *n)
{
    struct eg_stmt *st = NULL;
    struct eg_ins_claim *arr = NULL;
    size_t cap = 0, cnt = 0;
    char today[11];
    const char *state = f->state ? f->state : "";
    const char *from = f->from ? f->from : "";
    const char *to = f->to ? f->to : "";
    enum eg_status rc;

    eg_date_format(f->today, today);
    rc = eg_db_query(
        db, &st,
        "SELECT " CLAIM_COLS CLAIM_FROM
        "WHERE (? = 0 OR cl.person_id = ?) AND (? = '' OR cl.state = ?) AND "
        "(? = '' OR cl.incident_day >= ?) AND (? = '' OR cl.incident_day <= ?) AND "
        "(? = 0 OR cl.case_id = ?) AND (? = 0 OR (cl.state = 'reported' AND cl.materials_due < ?) "
        "OR (cl.state IN ('accepted', 'assessed') AND cl.decision_due < ?)) AND "
        "(? = 0 OR cl.id < ?) ORDER BY cl.id DESC LIMIT ?",
        "iittttttiiittiii", f->person_id, f->person_id, state, state, from, from, to, to,
        f->case_id, f->case_id, (int64_t)f->overdue_only, today, today, f->before_id, f->before_id,
        (int64_t)f->limit);
    while (eg_db_next(st, &rc)) {
        arr = eg_arena_grow(a, arr, cnt, &cap, sizeof *arr);
        if (arr == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        claim_read(st, a, &arr[cnt++]);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    *out = arr;
    *n = cnt;
    return rc;
}

/* Tell the listeners that claim id changed state, with the day it counts under. */
static enum eg_status publish_moved(struct eg_db *db, int64_t id, int64_t now)
{
    struct eg_stmt *st = NULL;
    struct eg_event ev = {EG_EVENT_CLAIM_MOVED, id, 0, 0, 0, now};
    enum eg_status rc =
        eg_db_query(db, &st, "SELECT person_id, incident_day FROM claims WHERE id = ?", "i", id);
    while (eg_db_next(st, &rc)) {
        ev.person_id = eg_stmt_i64(st, 0);
        if (eg_date_parse(eg_stmt_text(st, 1), &ev.day) != EG_OK)
            ev.day = 0;
    }
    eg_stmt_done(st);
    return rc == EG_OK ? eg_event_publish(db, &ev) : rc;
}

enum eg_status eg_ins_claim_move(struct eg_db *db, int64_t id, const struct eg_ins_claim_move *m)
{
    const char *from = eg_claim_state_name(m->from);
    const char *to = eg_claim_state_name(m->to);
    int64_t changed = 0;
    char due[11] = "";
    enum eg_status rc;

    switch (m->to) {
    case EG_CLAIM_ACCEPTED:
        eg_date_format(m->decision_due, due);
        if (m->from == EG_CLAIM_APPROVED) {
            /* reopened before payment: the approval no longer holds */
            rc = eg_db_run(db, &changed,
                           "UPDATE claims SET state = ?, approved_at = NULL, decision_due = ?, "
                           "updated_at = ? WHERE id = ? AND state = ?",
                           "ttiit", to, due, m->now, id, from);
            break;
        }
        rc = eg_db_run(db, &changed,
                       "UPDATE claims SET state = ?, accepted_at = ?, decision_due = ?, "
                       "updated_at = ? WHERE id = ? AND state = ?",
                       "titiit", to, m->now, due, m->now, id, from);
        break;
    case EG_CLAIM_REJECTED:
        rc = eg_db_run(db, &changed,
                       "UPDATE claims SET state = ?, rejected_at = ?, reject_reason = ?, "
                       "reject_note = ?, updated_at = ? WHERE id = ? AND state = ?",
                       "tittiit", to, m->now, m->reject_reason,
                       m->reject_note ? m->reject_note : "", m->now, id, from);
        break;
    case EG_CLAIM_APPROVED:
        rc = eg_db_run(db, &changed,
                       "UPDATE claims SET state = ?, approved_at = ?, payout_fen = ?, "
                       "capped_by = ?, updated_at = ? WHERE id = ? AND state = ?",
                       "tiitiit", to, m->now, m->payout_fen, m->capped_by ? m->capped_by : "none",
                       m->now, id, from);
        break;
    case EG_CLAIM_PAID:
        rc = eg_db_run(db, &changed,
                       "UPDATE claims SET state = ?, paid_at = ?, payout_ref = ?, updated_at = ? "
                       "WHERE id = ? AND state = ?",
                       "titiit", to, m->now, m->payout_ref ? m->payout_ref : "", m->now, id, from);
        break;
    default:
        return EG_E_ILLEGAL_TRANSITION;
    }
    if (rc == EG_OK && changed != 1)
        rc = EG_E_CONFLICT;
    if (rc == EG_OK && eg_event_wanted(EG_EVENT_CLAIM_MOVED))
        rc = publish_moved(db, id, m->now);
    return rc;
}

enum eg_status eg_ins_claim_paid_in_year(struct eg_db *db, int64_t person_id, int year,
                                         int64_t except, int64_t *sum)
{
    return eg_db_one_i64(db, sum,
                         "SELECT COALESCE(SUM(payout_fen), 0) FROM claims WHERE person_id = ? AND "
                         "incident_year = ? AND state IN ('approved', 'paid') AND id <> ?",
                         "iii", person_id, (int64_t)year, except);
}

/* The timeline event with amounts; a field left at its "unset" value is stored NULL. */
static enum eg_status event_amounts(struct eg_db *db, int64_t claim_id, int64_t now,
                                    const char *actor, const char *role, const char *action,
                                    const char *from_state, const char *to_state,
                                    const char *reason, const char *note,
                                    const struct eg_ins_claim_event_row *am)
{
    return eg_db_run(
        db, NULL,
        "INSERT INTO claim_events (claim_id, at, actor, actor_role, action, from_state, to_state, "
        "reason, note, round, item, computed_fen, override_fen, total_fen, payout_fen) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ? > 0 THEN ? END, ?, CASE WHEN ? = 1 THEN ? "
        "END, "
        "CASE WHEN ? = 1 THEN ? END, CASE WHEN ? = 1 THEN ? END, CASE WHEN ? = 1 THEN ? END)",
        "iitttttttiitiiiiiiii", claim_id, now, actor, role, action, from_state, to_state, reason,
        note ? note : "", (int64_t)am->round, (int64_t)am->round, am->item,
        (int64_t)am->has_item_amounts, am->computed_fen, (int64_t)am->has_item_amounts,
        am->override_fen, (int64_t)am->has_totals, am->total_fen, (int64_t)am->has_totals,
        am->payout_fen);
}

enum eg_status eg_ins_claim_assess(struct eg_db *db, const struct eg_ins_claim *c,
                                   const struct eg_ins_round_new *r)
{
    int64_t changed = 0;
    int64_t round = (int64_t)c->assessment_round + 1;
    int overrides = 0;
    enum eg_status rc = eg_db_run(
        db, &changed,
        "UPDATE claims SET state = 'assessed', assessment_round = ?, assessed_total_fen = ?, "
        "payout_fen = ?, capped_by = ?, assessed_at = ?, updated_at = ? "
        "WHERE id = ? AND state IN ('accepted', 'assessed') AND assessment_round = ?",
        "iiitiiii", round, r->total_fen, r->payout_fen, r->capped_by, r->now, r->now, c->id,
        (int64_t)c->assessment_round);

    if (rc == EG_OK && changed != 1)
        rc = EG_E_CONFLICT;
    for (size_t i = 0; rc == EG_OK && i < r->n; i++) {
        const struct eg_ins_item *it = &r->items[i];
        const char *kind = eg_ins_item_name(it->kind);
        int has_grade = it->kind == EG_INS_ITEM_DISABILITY;
        int has_costs = it->kind == EG_INS_ITEM_MEDICAL;
        int has_days = it->kind == EG_INS_ITEM_HOSPITAL;

        overrides += it->has_override != 0;
        rc = eg_db_run(db, NULL,
                       "INSERT INTO claim_items (claim_id, round, kind, grade, costs_fen, days, "
                       "computed_fen, override_fen, override_reason, final_fen, assessed_by, "
                       "assessed_at) VALUES (?, ?, ?, CASE WHEN ? = 1 THEN ? END, "
                       "CASE WHEN ? = 1 THEN ? END, CASE WHEN ? = 1 THEN ? END, ?, "
                       "CASE WHEN ? = 1 THEN ? END, ?, ?, ?, ?)",
                       "iitiiiiiiiiititi", c->id, round, kind, (int64_t)has_grade,
                       (int64_t)it->grade, (int64_t)has_costs, it->costs_fen, (int64_t)has_days,
                       it->days, it->computed_fen, (int64_t)it->has_override, it->override_fen,
                       it->has_override ? r->override_reasons[i] : NULL, it->final_fen, r->by,
                       r->now);
    }
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO claim_rounds (claim_id, round, version_id, total_fen, "
                       "payout_fen, capped_by, overrides, note, assessed_by, assessed_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       "iiiiititti", c->id, round, c->version_id, r->total_fen, r->payout_fen,
                       r->capped_by, (int64_t)overrides, r->note ? r->note : "", r->by, r->now);
    if (rc == EG_OK) {
        struct eg_ins_claim_event_row am = {.round = (int)round,
                                            .has_totals = 1,
                                            .total_fen = r->total_fen,
                                            .payout_fen = r->payout_fen};
        rc = event_amounts(db, c->id, r->now, r->by, r->role, "assessment",
                           eg_claim_state_name(c->state), "assessed", overrides ? "override" : NULL,
                           r->note, &am);
    }
    for (size_t i = 0; rc == EG_OK && i < r->n; i++) {
        const struct eg_ins_item *it = &r->items[i];
        struct eg_ins_claim_event_row am = {.round = (int)round,
                                            .item = eg_ins_item_name(it->kind),
                                            .has_item_amounts = 1,
                                            .computed_fen = it->computed_fen,
                                            .override_fen = it->override_fen};
        if (it->has_override)
            rc = event_amounts(db, c->id, r->now, r->by, r->role, "override", NULL, NULL,
                               r->override_reasons[i], "", &am);
    }
    return rc;
}

enum eg_status eg_ins_claim_items(struct eg_db *db, struct eg_arena *a, int64_t claim_id, int round,
                                  struct eg_ins_claim_item_row **out, size_t *n)
{
    struct eg_stmt *st = NULL;
    struct eg_ins_claim_item_row *arr = NULL;
    size_t cap = 0, cnt = 0;
    enum eg_status rc =
        eg_db_query(db, &st,
                    "SELECT kind, COALESCE(grade, 0), COALESCE(costs_fen, 0), COALESCE(days, 0), "
                    "computed_fen, override_fen, COALESCE(override_reason, ''), final_fen, "
                    "assessed_by, assessed_at, round FROM claim_items WHERE claim_id = ? AND "
                    "(? = 0 OR round = ?) ORDER BY round, id",
                    "iii", claim_id, (int64_t)round, (int64_t)round);

    while (eg_db_next(st, &rc)) {
        arr = eg_arena_grow(a, arr, cnt, &cap, sizeof *arr);
        if (arr == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        struct eg_ins_claim_item_row *r = &arr[cnt++];
        memset(r, 0, sizeof *r);
        r->item.kind = eg_ins_item_parse(eg_stmt_text(st, 0));
        r->item.grade = (int)eg_stmt_i64(st, 1);
        r->item.costs_fen = eg_stmt_i64(st, 2);
        r->item.days = eg_stmt_i64(st, 3);
        r->item.computed_fen = eg_stmt_i64(st, 4);
        r->item.has_override = !eg_stmt_is_null(st, 5);
        r->item.override_fen = eg_stmt_i64(st, 5);
        r->override_reason = r->item.has_override ? eg_stmt_dup_text(st, a, 6) : NULL;
        r->item.final_fen = eg_stmt_i64(st, 7);
        r->assessed_by = eg_stmt_dup_text(st, a, 8);
        r->assessed_at = eg_stmt_i64(st, 9);
        r->round = (int)eg_stmt_i64(st, 10);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    *out = arr;
    *n = cnt;
    return rc;
}

enum eg_status eg_ins_claim_rounds(struct eg_db *db, struct eg_arena *a, int64_t claim_id,
                                   struct eg_ins_claim_round_row **out, size_t *n)
{
    struct eg_stmt *st = NULL;
    struct eg_ins_claim_round_row *arr = NULL;
    size_t cap = 0, cnt = 0;
    enum eg_status rc =
        eg_db_query(db, &st,
                    "SELECT round, version_id, total_fen, COALESCE(payout_fen, -1), "
                    "COALESCE(capped_by, ''), overrides, note, assessed_by, "
                    "assessed_at FROM claim_rounds WHERE claim_id = ? ORDER BY round",
                    "i", claim_id);

    while (eg_db_next(st, &rc)) {
        arr = eg_arena_grow(a, arr, cnt, &cap, sizeof *arr);
        if (arr == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        struct eg_ins_claim_round_row *r = &arr[cnt++];
        memset(r, 0, sizeof *r);
        r->round = (int)eg_stmt_i64(st, 0);
        r->version_id = eg_stmt_i64(st, 1);
        r->total_fen = eg_stmt_i64(st, 2);
        r->payout_fen = eg_stmt_i64(st, 3);
        eg_stmt_copy_text(st, 4, r->capped_by, sizeof r->capped_by);
        r->overrides = (int)eg_stmt_i64(st, 5);
        r->note = eg_stmt_dup_text(st, a, 6);
        r->assessed_by = eg_stmt_dup_text(st, a, 7);
        r->assessed_at = eg_stmt_i64(st, 8);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    *out = arr;
    *n = cnt;
    return rc;
}

enum eg_status eg_ins_claim_event(struct eg_db *db, int64_t claim_id, int64_t now,
                                  const char *actor, const char *role, const char *action,
                                  const char *from_state, const char *to_state, const char *reason,
                                  const char *note)
{
    struct eg_ins_claim_event_row none = {0};

    return event_amounts(db, claim_id, now, actor, role, action, from_state, to_state, reason, note,
                         &none);
}

enum eg_status eg_ins_claim_events(struct eg_db *db, struct eg_arena *a, int64_t claim_id,
                                   struct eg_ins_claim_event_row **out, size_t *n)
{
    struct eg_stmt *st = NULL;
    struct eg_ins_claim_event_row *arr = NULL;
    size_t cap = 0, cnt = 0;
    enum eg_status rc =
        eg_db_query(db, &st,
                    "SELECT id, at, actor, actor_role, action, COALESCE(from_state, ''), "
                    "COALESCE(to_state, ''), COALESCE(reason, ''), note, COALESCE(round, 0), "
                    "COALESCE(item, ''), computed_fen, COALESCE(override_fen, 0), total_fen, "
                    "COALESCE(payout_fen, 0) FROM claim_events WHERE claim_id = ? ORDER BY id",
                    "i", claim_id);

    while (eg_db_next(st, &rc)) {
        arr = eg_arena_grow(a, arr, cnt, &cap, sizeof *arr);
        if (arr == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        struct eg_ins_claim_event_row *e = &arr[cnt++];
        memset(e, 0, sizeof *e);
        e->id = eg_stmt_i64(st, 0);
        e->at = eg_stmt_i64(st, 1);
        e->actor = eg_stmt_dup_text(st, a, 2);
        e->actor_role = eg_stmt_dup_text(st, a, 3);
        e->action = eg_stmt_dup_text(st, a, 4);
        e->from_state = eg_stmt_dup_text(st, a, 5);
        e->to_state = eg_stmt_dup_text(st, a, 6);
        e->reason = eg_stmt_dup_text(st, a, 7);
        e->note = eg_stmt_dup_text(st, a, 8);
        e->round = (int)eg_stmt_i64(st, 9);
        e->item = eg_stmt_dup_text(st, a, 10);
        e->has_item_amounts = !eg_stmt_is_null(st, 11);
        e->computed_fen = eg_stmt_i64(st, 11);
        e->override_fen = eg_stmt_i64(st, 12);
        e->has_totals = !eg_stmt_is_null(st, 13);
        e->total_fen = eg_stmt_i64(st, 13);
        e->payout_fen = eg_stmt_i64(st, 14);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    *out = arr;
    *n = cnt;
    return rc;
}

enum eg_status eg_ins_claim_set_case(struct eg_db *db, int64_t claim_id, int64_t case_id,
                                     int64_t now)
{
    return eg_db_run(db, NULL,
                     "UPDATE claims SET case_id = NULLIF(?, 0), updated_at = ? WHERE id = ?", "iii",
                     case_id, now, claim_id);
}

#define MATERIAL_COLS                                                                              \
    "id, claim_id, kind, content_type, size_bytes, sha256, stored_name, original_name, "           \
    "uploaded_by, uploaded_at"

static void material_read(struct eg_stmt *st, struct eg_arena *a, struct eg_ins_material *m)
{
    memset(m, 0, sizeof *m);
    m->id = eg_stmt_i64(st, 0);
    m->claim_id = eg_stmt_i64(st, 1);
    eg_stmt_copy_text(st, 2, m->kind, sizeof m->kind);
    eg_stmt_copy_text(st, 3, m->content_type, sizeof m->content_type);
    m->size_bytes = eg_stmt_i64(st, 4);
    eg_stmt_copy_text(st, 5, m->sha256, sizeof m->sha256);
    m->stored_name = eg_stmt_dup_text(st, a, 6);
    m->original_name = eg_stmt_dup_text(st, a, 7);
    eg_stmt_copy_text(st, 8, m->uploaded_by, sizeof m->uploaded_by);
    m->uploaded_at = eg_stmt_i64(st, 9);
}

enum eg_status eg_ins_material_insert(struct eg_db *db, struct eg_ins_material *m)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(
        db, &st,
        "INSERT INTO claim_materials (claim_id, kind, content_type, size_bytes, sha256, "
        "stored_name, original_name, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        "ittitttti", m->claim_id, m->kind, m->content_type, m->size_bytes, m->sha256,
        m->stored_name, m->original_name ? m->original_name : "", m->uploaded_by, m->uploaded_at);

    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        m->id = eg_stmt_i64(st, 0);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_DB;
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_ins_material_count(struct eg_db *db, int64_t claim_id, int64_t *n)
{
    return eg_db_one_i64(db, n, "SELECT COUNT(*) FROM claim_materials WHERE claim_id = ?", "i",
                         claim_id);
}

enum eg_status eg_ins_material_list(struct eg_db *db, struct eg_arena *a, int64_t claim_id,
                                    struct eg_ins_material **out, size_t *n)
{
    struct eg_stmt *st = NULL;
    struct eg_ins_material *arr = NULL;
    size_t cap = 0, cnt = 0;
    enum eg_status rc = eg_db_query(
        db, &st, "SELECT " MATERIAL_COLS " FROM claim_materials WHERE claim_id = ? ORDER BY id",
        "i", claim_id);

    while (eg_db_next(st, &rc)) {
        arr = eg_arena_grow(a, arr, cnt, &cap, sizeof *arr);
        if (arr == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        material_read(st, a, &arr[cnt++]);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    *out = arr;
    *n = cnt;
    return rc;
}

enum eg_status eg_ins_material_get(struct eg_db *db, struct eg_arena *a, int64_t claim_id,
                                   int64_t material_id, struct eg_ins_material *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(
        db, &st, "SELECT " MATERIAL_COLS " FROM claim_materials WHERE id = ? AND claim_id = ?",
        "ii", material_id, claim_id);

    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        material_read(st, a, out);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_ins_claim_counts(struct eg_db *db, struct eg_arena *a, eg_day today,
                                   int64_t by_state[EG_CLAIM_STATE_COUNT],
                                   int64_t *overdue_materials, int64_t *overdue_decision)
{
    char t[11];
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    (void)a;
    memset(by_state, 0, sizeof(int64_t) * EG_CLAIM_STATE_COUNT);
    *overdue_materials = 0;
    *overdue_decision = 0;
    eg_date_format(today, t);
    rc = eg_db_query(db, &st, "SELECT state, COUNT(*) FROM claims GROUP BY state", "");
    while (eg_db_next(st, &rc)) {
        enum eg_claim_state s = eg_claim_state_parse(eg_stmt_text(st, 0));
        if (s < EG_CLAIM_STATE_COUNT)
            by_state[s] = eg_stmt_i64(st, 1);
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    rc = eg_db_one_i64(db, overdue_materials,
                       "SELECT COUNT(*) FROM claims WHERE state = 'reported' AND materials_due < ?",
                       "t", t);
    if (rc == EG_OK)
        rc = eg_db_one_i64(db, overdue_decision,
                           "SELECT COUNT(*) FROM claims WHERE state IN ('accepted', 'assessed') "
                           "AND decision_due < ?",
                           "t", t);
    return rc;
}
