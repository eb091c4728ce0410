/*
 * api_agreement.c — the mediation agreement (调解协议书) and recovery.
 *
 * The mediator drafts the agreement while mediating (replacing a draft
 * clears its confirmations); the applicant, the respondent and the mediator
 * each confirm it, and with the third confirmation it takes effect and the
 * case moves to agreed. Payments are then recorded per category; when every
 * agreed amount is paid the case moves to fulfilled. The agreement is also
 * rendered as a PDF document (pdf.c).
 */
#include "cases/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "db/db.h"

static const struct eg_field term_spec[] = {
    EG_FIELD("category", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = eg_case_category_names),
    EG_FIELD("amount_fen", EG_FT_MONEY, .flags = EG_F_REQUIRED, .min = 1),
    EG_FIELD(NULL, 0),
};
static const struct eg_field term_item = EG_FIELD("", EG_FT_OBJECT, .sub = term_spec);

const struct eg_field eg_cases_spec_agreement[] = {
    EG_FIELD("terms", EG_FT_ARRAY, .flags = EG_F_REQUIRED, .max_len = EG_CAT_COUNT,
             .item = &term_item),
    EG_FIELD("pay_by", EG_FT_DATE),
    EG_FIELD("pay_method", EG_FT_STRING, .max_len = 200),
    EG_FIELD("other_terms", EG_FT_STRING, .max_len = 5000),
    EG_FIELD("respondent_position", EG_FT_STRING, .max_len = 5000),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_cases_spec_confirm[] = {
    EG_FIELD("party", EG_FT_ENUM, .enum_values = eg_case_party_names),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_cases_spec_payment[] = {
    EG_FIELD("category", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = eg_case_category_names),
    EG_FIELD("amount_fen", EG_FT_MONEY, .flags = EG_F_REQUIRED, .min = 1),
    EG_FIELD("paid_on", EG_FT_DATE, .flags = EG_F_REQUIRED),
    EG_FIELD("method", EG_FT_STRING, .max_len = 100),
    EG_FIELD("reference", EG_FT_STRING, .max_len = 100),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_cases_spec_payment_confirm[] = {
    EG_FIELD("evidence_id", EG_FT_INT, .min = 1, .max = INT64_MAX),
    EG_FIELD("note", EG_FT_STRING, .max_len = 2000),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_cases_spec_payment_dispute[] = {
    EG_FIELD("reason", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 2000),
    EG_FIELD("evidence_id", EG_FT_INT, .min = 1, .max = INT64_MAX),
    EG_FIELD(NULL, 0),
};

struct op {
    struct eg_req *req;
    int64_t id, sub_id;
    struct eg_cases_err err;
};

/* [{category, amount_fen}] for the categories with an amount. */
static json_t *amounts_json(const struct eg_case_amounts *a)
{
    json_t *arr = json_array();

    for (int i = 0; i < EG_CAT_COUNT; i++)
        if (a->fen[i] > 0)
            json_array_append_new(arr,
                                  json_pack("{s:s, s:I}", "category", eg_case_category_names[i],
                                            "amount_fen", (json_int_t)a->fen[i]));
    return arr;
}

/* The agreement with what is paid and owed, as the caller may see it. */
static json_t *agreement_json(struct eg_req *req, const struct eg_case_rec *rec,
                              const struct eg_case_agreement *ag,
                              const struct eg_case_amounts *paid)
{
    struct eg_case_amounts owed;
    int staff = req->who.role == EG_ROLE_MEDIATOR || req->who.role == EG_ROLE_ADMIN ||
                req->who.role == EG_ROLE_SUPERVISOR;
    int64_t owed_total = eg_case_amounts_owed(&ag->terms, paid, &owed);
    json_t *conf = json_object();

    for (int p = 0; p < EG_PARTY_COUNT; p++) {
        json_t *c = json_null();

        if (ag->confirmed.at[p] > 0) {
            c = json_pack("{s:o}", "at", eg_cases_instant(ag->confirmed.at[p]));
            if (staff && ag->confirmed_by[p])
                json_object_set_new(c, "by", json_string(ag->confirmed_by[p]));
        }
        json_object_set_new(conf, eg_case_party_names[p], c);
    }
    return json_pack(
        "{s:I, s:s, s:i, s:o, s:I, s:s, s:s, s:s, s:s, s:o, s:b, s:o, s:o, s:I, "
        "s:s, s:o, s:o}",
        "case_id", (json_int_t)rec->id, "number", rec->number, "version", ag->version, "terms",
        amounts_json(&ag->terms), "total_fen", (json_int_t)ag->total_fen, "pay_by", ag->pay_by,
        "pay_method", ag->pay_method, "other_terms", ag->other_terms, "respondent_position",
        ag->respondent_position, "confirmations", conf, "effective",
        eg_case_agreement_effective(&ag->confirmed), "effective_at",
        eg_cases_instant(ag->effective_at), "paid", amounts_json(paid), "owed_fen",
        (json_int_t)owed_total, "case_state", rec->state_name, "created_at",
        eg_cases_instant(ag->created_at), "updated_at", eg_cases_instant(ag->updated_at));
}

/* Reply with the case's agreement (after a change, or for GET). */
static void reply_agreement(struct eg_req *req, int64_t id, int status)
{
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_agreement ag;
    struct eg_case_amounts paid;
    enum eg_status rc;

    rc = eg_cases_load(req, req->db, id, &rec, &actor);
    if (rc == EG_OK)
        rc = eg_case_store_agreement_get(req->db, req->arena, id, &ag);
    if (rc == EG_OK)
        rc = eg_case_store_paid(req->db, id, 0, &paid);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, rc == EG_E_NOT_FOUND ? "No such case or agreement." : NULL);
        return;
    }
    eg_reply_json(req, status, agreement_json(req, &rec, &ag, &paid));
}

/* ---- POST /api/v1/cases/{id}/agreement ----------------------------------------- */

static enum eg_status agreement_tx(struct eg_db *db, void *p)
{
    struct op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_agreement ag, old;
    const json_t *terms = json_object_get(req->body, "terms");
    eg_day pay_by;
    size_t i;
    json_t *t;
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    if (rec.state != EG_CASE_MEDIATING)
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL,
                             "An agreement is drawn up while mediating; the case is %s.",
                             rec.state_name);
    rc = eg_case_store_agreement_get(db, req->arena, rec.id, &old);
    if (rc == EG_OK && eg_case_agreement_effective(&old.confirmed))
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL,
                             "The agreement is in effect and can no longer change.");
    if (rc != EG_OK && rc != EG_E_NOT_FOUND)
        return rc;

    memset(&ag, 0, sizeof ag);
    ag.case_id = rec.id;
    json_array_foreach(terms, i, t)
    {
        int cat = eg_case_name_index(eg_case_category_names, eg_json_str(t, "category", ""));
        int dup = 0;

        if (eg_case_amounts_add(&ag.terms, cat, eg_json_int(t, "amount_fen", 0), &dup) != EG_OK)
            return eg_cases_fail(
                &o->err, EG_E_INVALID_FIELD,
                eg_arena_printf(req->arena, dup ? "terms[%zu].category" : "terms[%zu].amount_fen",
                                i),
                dup ? "Each category may appear once." : "The amounts are too large in total.");
    }
    ag.pay_by = eg_json_str(req->body, "pay_by", "");
    ag.pay_method = eg_json_str(req->body, "pay_method", "");
    ag.other_terms = eg_json_str(req->body, "other_terms", "");
    ag.respondent_position = eg_json_str(req->body, "respondent_position", "");
    ag.drafted_by = eg_case_actor_name(&req->who);
    if (eg_case_amounts_total(&ag.terms) == 0 && ag.other_terms[0] == '\0')
        return eg_cases_fail(&o->err, EG_E_MISSING_FIELD, "terms",
                             "An agreement needs money terms or other_terms.");
    if (eg_case_amounts_total(&ag.terms) > 0) {
        if (ag.pay_by[0] == '\0')
            return eg_cases_fail(&o->err, EG_E_MISSING_FIELD, "pay_by",
                                 "Money terms need a payment deadline (pay_by).");
        if (ag.pay_method[0] == '\0')
            return eg_cases_fail(&o->err, EG_E_MISSING_FIELD, "pay_method",
                                 "Money terms need a method of payment (pay_method).");
    }
    if (ag.pay_by[0] != '\0' &&
        (eg_date_parse(ag.pay_by, &pay_by) != EG_OK || pay_by < eg_cases_today()))
        return eg_cases_fail(&o->err, EG_E_INVALID_FIELD, "pay_by",
                             "pay_by may not be in the past.");
    rc = eg_case_store_agreement_put(db, &ag, req->who.user_id, eg_now());
    if (rc == EG_OK)
        rc = eg_cases_record(db, req, &rec, "agreement", NULL, NULL,
                             json_pack("{s:I, s:o, s:s, s:b}", "total_fen",
                                       (json_int_t)eg_case_amounts_total(&ag.terms), "terms",
                                       amounts_json(&ag.terms), "pay_by", ag.pay_by, "replaced",
                                       old.case_id != 0));
    return rc;
}

/* POST …/agreement: draft or replace the agreement (201 with it). */
void eg_cases_api_agreement_put(struct eg_req *req)
{
    struct op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, agreement_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_agreement(req, o.id, 201);
}

/* GET …/agreement: the agreement with confirmations, paid and owed. */
void eg_cases_api_agreement_get(struct eg_req *req)
{
    int64_t id;
    enum eg_status rc = eg_cases_path_id(req, &id);

    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    reply_agreement(req, id, 200);
}

/* ---- POST /api/v1/cases/{id}/agreement/confirm --------------------------------- */

static enum eg_status confirm_tx(struct eg_db *db, void *p)
{
    struct op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_agreement ag;
    const char *requested = eg_json_str(req->body, "party", NULL);
    enum eg_case_party party;
    int64_t now = eg_now();
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    rc = eg_case_confirm_party(
        &actor, requested ? eg_case_name_index(eg_case_party_names, requested) : -1, &party);
    if (rc != EG_OK)
        return eg_cases_fail(&o->err, rc, requested ? "party" : NULL,
                             "You may not confirm this agreement as that party.");
    if (rec.state != EG_CASE_MEDIATING)
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL,
                             "Agreements are confirmed while mediating; the case is %s.",
                             rec.state_name);
    rc = eg_case_store_agreement_get(db, req->arena, rec.id, &ag);
    if (rc == EG_E_NOT_FOUND)
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL, "There is no agreement to confirm yet.");
    if (rc != EG_OK)
        return rc;
    rc = eg_case_store_agreement_confirm(db, rec.id, party, eg_case_actor_name(&req->who), now);
    if (rc == EG_E_CONFLICT)
        return eg_cases_fail(&o->err, rc, NULL, "The %s has confirmed this agreement already.",
                             eg_case_party_names[party]);
    if (rc != EG_OK)
        return rc;
    rc = eg_cases_record(db, req, &rec, "agreement_confirmed", NULL, NULL,
                         json_pack("{s:s, s:i, s:b}", "party", eg_case_party_names[party],
                                   "version", ag.version, "recorded_by_staff",
                                   party != EG_PARTY_MEDIATOR && (actor.role == EG_ROLE_MEDIATOR ||
                                                                  actor.role == EG_ROLE_ADMIN)));
    if (rc != EG_OK)
        return rc;
    ag.confirmed.at[party] = now;
    if (eg_case_agreement_effective(&ag.confirmed)) {
        struct eg_case_move move;

        rc = eg_case_store_agreement_effective(db, rec.id, now);
        if (rc == EG_OK)
            rc = eg_cases_record(db, req, &rec, "agreement_effective", NULL, NULL,
                                 json_pack("{s:i, s:I}", "version", ag.version, "total_fen",
                                           (json_int_t)ag.total_fen));
        memset(&move, 0, sizeof move);
        move.to = EG_CASE_AGREED;
        move.referral = -1;
        move.agreement_effective = 1;
        if (rc == EG_OK)
            rc = eg_cases_move(db, req, &rec, &actor, &move, NULL, 1, &o->err);
    }
    return rc;
}

/* POST …/agreement/confirm: one party confirms; the third makes it effective. */
void eg_cases_api_agreement_confirm(struct eg_req *req)
{
    struct op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, confirm_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_agreement(req, o.id, 200);
}

/* ---- GET /api/v1/cases/{id}/agreement.pdf -------------------------------------- */

/* First text column of a one-row query, copied into the arena ("" if none). */
static const char *one_text(struct eg_req *req, const char *sql, const char *types, int64_t i,
                            const char *t)
{
    struct eg_stmt *st = NULL;
    const char *out = "";
    enum eg_status rc = types[0] == 'i' ? eg_db_query(req->db, &st, sql, "i", i)
                                        : eg_db_query(req->db, &st, sql, "t", t);

    if (rc == EG_OK && eg_stmt_step(st) == EG_ROW)
        out = eg_arena_strdup(req->arena, eg_stmt_text(st, 0));
    eg_stmt_done(st);
    return out ? out : "";
}

/*
 * GET …/agreement.pdf: gather what the document shows (names, the masked
 * identity, claims, terms, confirmations) and render it with pdf.c.
 */
void eg_cases_api_agreement_pdf(struct eg_req *req)
{
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_agreement ag;
    struct eg_cases_agreement_doc doc;
    void *pdf = NULL;
    size_t len = 0;
    int64_t id;
    const char *mediator;
    char disp[96];
    enum eg_status rc;

    rc = eg_cases_path_id(req, &id);
    if (rc == EG_OK)
        rc = eg_cases_load(req, req->db, id, &rec, &actor);
    if (rc == EG_OK)
        rc = eg_case_store_agreement_get(req->db, req->arena, id, &ag);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, rc == EG_E_NOT_FOUND ? "No such case or agreement." : NULL);
        return;
    }
    memset(&doc, 0, sizeof doc);
    doc.city = req->config->city_name;
    doc.centre = one_text(req, "SELECT name FROM departments WHERE code = ?", "t", 0, "centre");
    doc.number = rec.number;
    {
        int ti = eg_case_name_index(eg_case_type_names, rec.type);
        doc.type_label = ti >= 0 ? eg_case_type_labels[ti] : rec.type;
    }
    doc.applicant_name = rec.applicant_name;
    doc.applicant_id_masked = one_text(req, "SELECT id_number_masked FROM people WHERE id = ?", "i",
                                       rec.applicant_person_id, NULL);
    doc.respondent_name = rec.respondent_name;
    doc.respondent_credit_code = rec.respondent_credit_code;
    doc.department_name = rec.dept.name;
    doc.matter = rec.matter;
    doc.facts = rec.facts;
    doc.reasons = rec.reasons;
    doc.respondent_position = ag.respondent_position;
    if (eg_case_store_claims(req->db, rec.id, &doc.claims) != EG_OK)
        memset(&doc.claims, 0, sizeof doc.claims);
    doc.terms = ag.terms;
    doc.pay_by = ag.pay_by;
    doc.pay_method = ag.pay_method;
    doc.other_terms = ag.other_terms;
    mediator =
        one_text(req, "SELECT display_name FROM users WHERE login = ?", "t", 0, ag.drafted_by);
    doc.mediator = mediator[0] ? mediator : ag.drafted_by;
    for (int p = 0; p < EG_PARTY_COUNT; p++)
        doc.confirmed[p] = ag.confirmed.at[p];
    doc.effective_at = ag.effective_at;
    doc.version = ag.version;
    doc.font_path = req->config->pdf_font;
    rc = eg_cases_pdf_agreement(&doc, &pdf, &len);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL,
                       rc == EG_E_UNAVAILABLE
                           ? "The document font (files.pdf_font) is missing; install "
                             "fonts-wqy-microhei or set files.pdf_font."
                           : "The document could not be rendered.");
        return;
    }
    snprintf(disp, sizeof disp, "inline; filename=\"%s-agreement.pdf\"", rec.number);
    eg_reply_header(req, "Content-Disposition", disp);
    eg_reply_take(req, 200, "application/pdf", pdf, len);
}

/* ---- payments ------------------------------------------------------------------ */

static json_t *payment_json(const struct eg_case_payment *p)
{
    json_t *o = json_pack(
        "{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:s}", "id", (json_int_t)p->id, "category",
        p->category, "amount_fen", (json_int_t)p->amount_fen, "paid_on", p->paid_on, "method",
        p->method, "reference", p->reference, "recorded_by", p->recorded_by, "created_at",
        eg_cases_instant(p->created_at), "state", p->state ? p->state : "confirmed");

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "decided_by", eg_cases_str_or_null(p->decided_by));
    json_object_set_new(o, "decided_at", eg_cases_instant(p->decided_at));
    json_object_set_new(o, "decision_note", json_string(p->decision_note ? p->decision_note : ""));
    json_object_set_new(o, "evidence_id",
                        p->evidence_id ? json_integer(p->evidence_id) : json_null());
    return o;
}

struct pay_op {
    struct eg_req *req;
    int64_t id, payment_id;
    struct eg_case_payment pay;
    const char *state;
    int64_t owed, pending;
    struct eg_cases_err err;
};

/* What is owed (agreed − confirmed) and pending (recorded, not yet decided). */
static enum eg_status owed_and_pending(struct eg_db *db, int64_t case_id,
                                       const struct eg_case_amounts *terms,
                                       struct eg_case_amounts *paid, int64_t *owed,
                                       int64_t *pending)
{
    struct eg_case_amounts committed, left;
    enum eg_status rc = eg_case_store_paid(db, case_id, 0, paid);

    if (rc == EG_OK)
        rc = eg_case_store_paid(db, case_id, 1, &committed);
    if (rc != EG_OK)
        return rc;
    *owed = eg_case_amounts_owed(terms, paid, &left);
    *pending = eg_case_amounts_total(&committed) - eg_case_amounts_total(paid);
    return EG_OK;
}

/* When every agreed amount is paid (confirmed), move the case to fulfilled. */
static enum eg_status fulfil_if_paid(struct eg_db *db, struct eg_req *req, struct eg_case_rec *rec,
                                     const struct eg_case_actor *actor,
                                     const struct eg_case_amounts *terms,
                                     const struct eg_case_amounts *paid, struct eg_cases_err *err)
{
    struct eg_case_move move;

    if (!eg_case_amounts_paid(terms, paid))
        return EG_OK;
    memset(&move, 0, sizeof move);
    move.to = EG_CASE_FULFILLED;
    move.referral = -1;
    move.agreement_effective = 1;
    move.amounts_paid = 1;
    return eg_cases_move(db, req, rec, actor, &move, NULL, 1, err);
}

/*
 * Record one payment checked against what is still owed in its category
 * (counting payments that wait for confirmation). The respondent's payment
 * waits for the worker's confirmation; the worker's or staff's is confirmed
 * at once, and when nothing is owed any more the case moves to fulfilled.
 */
static enum eg_status payment_tx(struct eg_db *db, void *p)
{
    struct pay_op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_agreement ag;
    struct eg_case_amounts paid, committed;
    enum eg_case_payment_state initial;
    int cat = eg_case_name_index(eg_case_category_names, o->pay.category);
    char agreed_on[11];
    eg_day on;
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    if (eg_case_payment_initial(&actor, &initial) != EG_OK)
        return eg_cases_fail(&o->err, EG_E_FORBIDDEN, NULL,
                             "Only the parties and the handling staff record payments.");
    if (rec.state != EG_CASE_AGREED)
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL,
                             "Payments are recorded once an agreement is in effect; the case is "
                             "%s.",
                             rec.state_name);
    rc = eg_case_store_agreement_get(db, req->arena, rec.id, &ag);
    if (rc == EG_OK)
        rc = eg_case_store_paid(db, rec.id, 1, &committed);
    if (rc != EG_OK)
        return rc;
    eg_date_format(eg_day_of(ag.effective_at), agreed_on);
    if (eg_date_parse(o->pay.paid_on, &on) != EG_OK ||
        eg_case_check_paid_on(on, eg_day_of(ag.effective_at), eg_cases_today()) != EG_OK)
        return eg_cases_fail(&o->err, EG_E_INVALID_FIELD, "paid_on",
                             "paid_on must be from %s (the agreement took effect) to today.",
                             agreed_on);
    rc = eg_case_check_payment(&ag.terms, &committed, cat, o->pay.amount_fen);
    if (rc == EG_E_UNPROCESSABLE && ag.terms.fen[cat] <= 0)
        return eg_cases_fail(&o->err, rc, "category", "Nothing is agreed in %s.", o->pay.category);
    if (rc == EG_E_UNPROCESSABLE)
        return eg_cases_fail(&o->err, rc, "amount_fen",
                             "The payment is more than the %lld fen still owed in %s (counting "
                             "payments that await confirmation).",
                             (long long)(ag.terms.fen[cat] - committed.fen[cat]), o->pay.category);
    if (rc != EG_OK)
        return eg_cases_fail(&o->err, rc, "amount_fen", "amount_fen must be positive.");
    o->pay.case_id = rec.id;
    o->pay.state = eg_case_payment_state_names[initial];
    rc = eg_case_store_payment_add(db, &o->pay, &o->pay.id);
    if (rc == EG_OK)
        rc = owed_and_pending(db, rec.id, &ag.terms, &paid, &o->owed, &o->pending);
    if (rc != EG_OK)
        return rc;
    rc = eg_cases_record(db, req, &rec, "payment", NULL, NULL,
                         json_pack("{s:I, s:s, s:I, s:s, s:s, s:I, s:I}", "payment_id",
                                   (json_int_t)o->pay.id, "category", o->pay.category, "amount_fen",
                                   (json_int_t)o->pay.amount_fen, "paid_on", o->pay.paid_on,
                                   "state", o->pay.state, "owed_fen", (json_int_t)o->owed,
                                   "pending_fen", (json_int_t)o->pending));
    if (rc == EG_OK && initial == EG_PAY_CONFIRMED)
        rc = fulfil_if_paid(db, req, &rec, &actor, &ag.terms, &paid, &o->err);
    o->state = rec.state_name;
    return rc;
}

/* POST …/payments: 201 with the payment, the case state and what is owed. */
void eg_cases_api_payments_create(struct eg_req *req)
{
    struct pay_op o;
    enum eg_status rc;
    json_t *out;

    memset(&o, 0, sizeof o);
    o.req = req;
    o.pay.category = eg_json_str(req->body, "category", "");
    o.pay.amount_fen = eg_json_int(req->body, "amount_fen", 0);
    o.pay.paid_on = eg_json_str(req->body, "paid_on", "");
    o.pay.method = eg_json_str(req->body, "method", "");
    o.pay.reference = eg_json_str(req->body, "reference", "");
    o.pay.recorded_by = eg_case_actor_name(&req->who);
    o.pay.created_at = eg_now();
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, payment_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    out = payment_json(&o.pay);
    json_object_set_new(out, "case_state", json_string(o.state));
    json_object_set_new(out, "owed_fen", json_integer(o.owed));
    json_object_set_new(out, "pending_fen", json_integer(o.pending));
    eg_reply_json(req, 201, out);
}

/*
 * Confirm or dispute a recorded payment (to = confirmed | disputed): the
 * applicant either way; handling staff confirm on a piece of the case's
 * evidence (evidence_id) or dispute. A confirmation that completes the
 * agreed amounts moves the case to fulfilled.
 */
static enum eg_status decide_tx(struct eg_db *db, void *p, enum eg_case_payment_state to)
{
    struct pay_op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_agreement ag;
    struct eg_case_amounts paid;
    struct eg_case_evidence ev;
    int64_t evidence_id = eg_json_int(req->body, "evidence_id", 0);
    const char *note = eg_json_str(req->body, to == EG_PAY_DISPUTED ? "reason" : "note", "");
    const char *by = eg_case_actor_name(&req->who);
    int from;
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc == EG_OK)
        rc = eg_case_store_payment_get(db, req->arena, rec.id, o->payment_id, &o->pay);
    if (rc != EG_OK)
        return rc;
    if (evidence_id != 0) {
        rc = eg_case_store_evidence_get(db, req->arena, rec.id, evidence_id, &ev);
        if (rc == EG_E_NOT_FOUND)
            return eg_cases_fail(&o->err, EG_E_INVALID_FIELD, "evidence_id",
                                 "evidence_id is not a file of this case.");
        if (rc != EG_OK)
            return rc;
    }
    from = eg_case_name_index(eg_case_payment_state_names, o->pay.state);
    rc = eg_case_payment_check_decision(&actor, (enum eg_case_payment_state)from, to,
                                        evidence_id != 0);
    if (rc == EG_E_FORBIDDEN)
        return eg_cases_fail(&o->err, rc, NULL,
                             "Only the worker or the handling staff decide on a payment.");
    if (rc == EG_E_CONFLICT)
        return eg_cases_fail(&o->err, rc, NULL, "The payment is %s already.", o->pay.state);
    if (rc == EG_E_MISSING_FIELD)
        return eg_cases_fail(&o->err, rc, "evidence_id",
                             "Staff confirm a payment on evidence: name the file (evidence_id).");
    if (rc != EG_OK)
        return rc;
    if (to == EG_PAY_DISPUTED && note[0] == '\0')
        return eg_cases_fail(&o->err, EG_E_MISSING_FIELD, "reason", "Say why (reason).");
    if (rec.state != EG_CASE_AGREED)
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL,
                             "Payments are decided while the agreement is being fulfilled; the "
                             "case is %s.",
                             rec.state_name);
    rc = eg_case_store_payment_decide(db, rec.id, o->pay.id, eg_case_payment_state_names[to], by,
                                      note, evidence_id, eg_now());
    if (rc == EG_E_CONFLICT)
        return eg_cases_fail(&o->err, rc, NULL, "The payment changed meanwhile.");
    if (rc == EG_OK)
        rc = eg_case_store_agreement_get(db, req->arena, rec.id, &ag);
    if (rc == EG_OK)
        rc = owed_and_pending(db, rec.id, &ag.terms, &paid, &o->owed, &o->pending);
    if (rc == EG_OK) {
        json_t *detail =
            json_pack("{s:I, s:s, s:I, s:I, s:I}", "payment_id", (json_int_t)o->pay.id, "category",
                      o->pay.category, "amount_fen", (json_int_t)o->pay.amount_fen, "owed_fen",
                      (json_int_t)o->owed, "pending_fen", (json_int_t)o->pending);

        if (detail != NULL && evidence_id != 0)
            json_object_set_new(detail, "evidence_id", json_integer(evidence_id));
        if (detail != NULL && to == EG_PAY_DISPUTED)
            json_object_set_new(detail, "reason", json_string(note));
        rc = eg_cases_record(db, req, &rec,
                             to == EG_PAY_CONFIRMED ? "payment_confirmed" : "payment_disputed",
                             NULL, NULL, detail);
    }
    if (rc == EG_OK && to == EG_PAY_CONFIRMED)
        rc = fulfil_if_paid(db, req, &rec, &actor, &ag.terms, &paid, &o->err);
    if (rc == EG_OK)
        rc = eg_case_store_payment_get(db, req->arena, rec.id, o->pay.id, &o->pay);
    o->state = rec.state_name;
    return rc;
}

static enum eg_status pay_confirm_tx(struct eg_db *db, void *p)
{
    return decide_tx(db, p, EG_PAY_CONFIRMED);
}

static enum eg_status pay_dispute_tx(struct eg_db *db, void *p)
{
    return decide_tx(db, p, EG_PAY_DISPUTED);
}

/* POST …/payments/{payment_id}/confirm and …/dispute: 200 with the payment. */
static void decide(struct eg_req *req, enum eg_status (*tx)(struct eg_db *, void *))
{
    struct pay_op o;
    enum eg_status rc;
    json_t *out;

    memset(&o, 0, sizeof o);
    o.req = req;
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_req_param_id(req, "payment_id", &o.payment_id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    out = payment_json(&o.pay);
    json_object_set_new(out, "case_state", json_string(o.state));
    json_object_set_new(out, "owed_fen", json_integer(o.owed));
    json_object_set_new(out, "pending_fen", json_integer(o.pending));
    eg_reply_json(req, 200, out);
}

void eg_cases_api_payment_confirm(struct eg_req *req)
{
    decide(req, pay_confirm_tx);
}

void eg_cases_api_payment_dispute(struct eg_req *req)
{
    decide(req, pay_dispute_tx);
}

/* GET …/payments: the payments and their sum. */
void eg_cases_api_payments_list(struct eg_req *req)
{
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_payment *rows = NULL;
    size_t n = 0;
    int64_t id, total = 0, pending = 0;
    enum eg_status rc;
    json_t *items;

    rc = eg_cases_path_id(req, &id);
    if (rc == EG_OK)
        rc = eg_cases_load(req, req->db, id, &rec, &actor);
    if (rc == EG_OK)
        rc = eg_case_store_payment_list(req->db, req->arena, id, &rows, &n);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    items = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(items, payment_json(&rows[i]));
        if (strcmp(rows[i].state, "confirmed") == 0)
            total += rows[i].amount_fen;
        else if (strcmp(rows[i].state, "recorded") == 0)
            pending += rows[i].amount_fen;
    }
    eg_reply_json(req, 200,
                  json_pack("{s:o, s:I, s:I}", "items", items, "paid_total_fen", (json_int_t)total,
                            "pending_fen", (json_int_t)pending));
}
