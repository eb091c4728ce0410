/*
 * api_transitions.c — moving a case: state transitions (checked by the
 * one state machine in rules.c), the mediation extension, reassignment to
 * another department and co-handling departments. Every change is one
 * transaction with its timeline event and audit record.
 */
#include "cases/api.h"

#include <stdio.h>
#include <string.h>

#include "auth/accounts.h"
#include "core/config.h"
#include "db/db.h"

const struct eg_field eg_cases_spec_transition[] = {
    EG_FIELD("to", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = eg_case_state_names),
    EG_FIELD("reason", EG_FT_STRING, .max_len = 2000),
    EG_FIELD("referral", EG_FT_ENUM, .enum_values = eg_case_referral_names),
    EG_FIELD("note", EG_FT_STRING, .max_len = 2000),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_cases_spec_extension[] = {
    EG_FIELD("days", EG_FT_INT, .flags = EG_F_REQUIRED, .min = -1000000, .max = 1000000),
    EG_FIELD("applicant_consent", EG_FT_BOOL, .flags = EG_F_REQUIRED),
    EG_FIELD("respondent_consent", EG_FT_BOOL, .flags = EG_F_REQUIRED),
    EG_FIELD("reason", EG_FT_STRING, .max_len = 2000),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_cases_spec_assign[] = {
    EG_FIELD("department", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("reason", EG_FT_STRING, .max_len = 2000),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_cases_spec_co_add[] = {
    EG_FIELD("department", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("reason", EG_FT_STRING, .max_len = 2000),
    EG_FIELD(NULL, 0),
};

/* What a case-changing request carries through its transaction. */
struct op {
    struct eg_req *req;
    int64_t id;
    struct eg_cases_err err;
};

/* Reply with the case as it is now (after a committed change). */
static void reply_case(struct eg_req *req, int64_t id, int status)
{
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    enum eg_status rc = eg_cases_load(req, req->db, id, &rec, &actor);

    if (rc == EG_E_NOT_FOUND && req->who.role == EG_ROLE_MEDIATOR) {
        /* Moved out of the mediator's sight (reassigned): say what happened. */
        eg_reply_json(req, status, json_pack("{s:I, s:b}", "id", (json_int_t)id, "visible", 0));
        return;
    }
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, status, eg_cases_case_json(req, req->db, &rec, &actor, eg_cases_today(), 1));
}

/* ---- POST /api/v1/cases/{id}/transitions ------------------------------------ */

static enum eg_status transition_tx(struct eg_db *db, void *p)
{
    struct op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_move move;
    const char *to = eg_json_str(req->body, "to", "");
    const char *ref = eg_json_str(req->body, "referral", NULL);
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    memset(&move, 0, sizeof move);
    move.to = (enum eg_case_state)eg_case_name_index(eg_case_state_names, to);
    move.reason = eg_json_str(req->body, "reason", NULL);
    move.referral = ref ? eg_case_name_index(eg_case_referral_names, ref) : -1;
    if (move.to == EG_CASE_AGREED || move.to == EG_CASE_FULFILLED) {
        struct eg_case_agreement ag;
        struct eg_case_amounts paid;

        rc = eg_case_store_agreement_get(db, req->arena, rec.id, &ag);
        if (rc == EG_OK) {
            move.agreement_effective = eg_case_agreement_effective(&ag.confirmed);
            rc = eg_case_store_paid(db, rec.id, 0, &paid);
            if (rc == EG_OK)
                move.amounts_paid =
                    move.agreement_effective && eg_case_amounts_paid(&ag.terms, &paid);
        } else if (rc == EG_E_NOT_FOUND) {
            rc = EG_OK;
        }
        if (rc != EG_OK)
            return rc;
    }
    return eg_cases_move(db, req, &rec, &actor, &move, eg_json_str(req->body, "note", NULL), 0,
                         &o->err);
}

/* POST …/transitions: 200 with the case after the move. */
void eg_cases_api_transition(struct eg_req *req)
{
    struct op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, transition_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_case(req, o.id, 200);
}

/* ---- POST /api/v1/cases/{id}/extension --------------------------------------- */

static enum eg_status extension_tx(struct eg_db *db, void *p)
{
    struct op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    int days = (int)eg_json_int(req->body, "days", 0);
    const char *field = NULL;
    char due[11];
    eg_day accepted;
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    rc = eg_case_check_extension(rec.state, rec.extension_days > 0, days,
                                 eg_json_bool(req->body, "applicant_consent", 0),
                                 eg_json_bool(req->body, "respondent_consent", 0), &field);
    if (rc == EG_E_CONFLICT)
        return eg_cases_fail(&o->err, rc, NULL,
                             rec.extension_days > 0
                                 ? "The mediation period was extended already; it may be "
                                   "extended only once."
                                 : "The mediation period can only be extended while the case "
                                   "is accepted or mediating.");
    if (rc == EG_E_INVALID_FIELD)
        return eg_cases_fail(&o->err, rc, field, "days must be from 1 to %d.",
                             EG_CASE_EXTENSION_MAX_DAYS);
    if (rc != EG_OK)
        return eg_cases_fail(&o->err, rc, field,
                             "Both parties must consent to an extension (%s is missing).", field);
    accepted = eg_day_of(rec.accepted_at);
    eg_date_format(eg_case_mediation_due(accepted, req->config->mediation_days, days), due);
    rc = eg_case_store_extend(db, rec.id, days, due, eg_now());
    if (rc == EG_OK)
        rc =
            eg_cases_record(db, req, &rec, "extension", NULL, NULL,
                            json_pack("{s:i, s:s, s:b, s:b, s:s}", "days", days, "mediation_due_on",
                                      due, "applicant_consent", 1, "respondent_consent", 1,
                                      "reason", eg_json_str(req->body, "reason", "")));
    return rc;
}

/* POST …/extension. */
void eg_cases_api_extension(struct eg_req *req)
{
    struct op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, extension_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_case(req, o.id, 200);
}

/* ---- reassignment and co-handling --------------------------------------------- */

/* A live department by code, or an error naming the field. */
static enum eg_status department(struct eg_db *db, struct op *o, const char *code,
                                 const char *field, int64_t *id)
{
    char path[128];
    int64_t archived = 0;
    enum eg_status rc = eg_department_by_code(db, code, id, path);

    if (rc == EG_OK)
        rc =
            eg_db_one_i64(db, &archived, "SELECT archived FROM departments WHERE id = ?", "i", *id);
    if (rc == EG_E_NOT_FOUND || (rc == EG_OK && archived))
        return eg_cases_fail(&o->err, EG_E_INVALID_FIELD, field,
                             "%s is not an active department code.", field);
    return rc;
}

/* Move an open case to another active department. */
static enum eg_status assign_tx(struct eg_db *db, void *p)
{
    struct op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    const char *code = eg_json_str(req->body, "department", "");
    int64_t dept = 0;
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    if (!eg_case_state_is_open(rec.state))
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL, "A %s case can no longer be reassigned.",
                             rec.state_name);
    rc = department(db, o, code, "department", &dept);
    if (rc != EG_OK)
        return rc;
    if (dept == rec.dept.id)
        return eg_cases_fail(&o->err, EG_E_CONFLICT, "department",
                             "The case is already with that department.");
    rc = eg_case_store_set_department(db, rec.id, dept, eg_now());
    if (rc == EG_OK)
        rc = eg_cases_record(db, req, &rec, "assigned", NULL, NULL,
                             json_pack("{s:s, s:s, s:s}", "from_department", rec.dept.code,
                                       "to_department", code, "reason",
                                       eg_json_str(req->body, "reason", "")));
    return rc;
}

/* POST …/assignment. */
void eg_cases_api_assign(struct eg_req *req)
{
    struct op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, assign_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_case(req, o.id, 200);
}

/* Add a co-handling department to an open case. */
static enum eg_status co_add_tx(struct eg_db *db, void *p)
{
    struct op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    const char *code = eg_json_str(req->body, "department", "");
    int64_t dept = 0;
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    if (!eg_case_state_is_open(rec.state))
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL,
                             "A %s case takes no more co-handling departments.", rec.state_name);
    rc = department(db, o, code, "department", &dept);
    if (rc != EG_OK)
        return rc;
    if (dept == rec.dept.id)
        return eg_cases_fail(&o->err, EG_E_CONFLICT, "department",
                             "That department handles the case already.");
    rc = eg_case_store_co_add(db, rec.id, dept, eg_case_actor_name(&req->who), eg_now());
    if (rc == EG_E_DUPLICATE)
        return eg_cases_fail(&o->err, rc, "department", "That department co-handles already.");
    if (rc == EG_OK)
        rc = eg_cases_record(db, req, &rec, "co_handling", NULL, NULL,
                             json_pack("{s:s, s:s, s:s}", "action", "add", "department", code,
                                       "reason", eg_json_str(req->body, "reason", "")));
    return rc;
}

/* POST …/co-departments. */
void eg_cases_api_co_add(struct eg_req *req)
{
    struct op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, co_add_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_case(req, o.id, 201);
}

/* Remove a co-handling department. */
static enum eg_status co_remove_tx(struct eg_db *db, void *p)
{
    struct op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    const char *code = eg_req_param(req, "code");
    char path[128];
    int64_t dept = 0;
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    rc = eg_department_by_code(db, code ? code : "", &dept, path);
    if (rc == EG_OK)
        rc = eg_case_store_co_remove(db, rec.id, dept);
    if (rc == EG_E_NOT_FOUND)
        return eg_cases_fail(&o->err, rc, NULL, "That department does not co-handle the case.");
    if (rc == EG_OK)
        rc = eg_cases_record(db, req, &rec, "co_handling", NULL, NULL,
                             json_pack("{s:s, s:s}", "action", "remove", "department", code));
    return rc;
}

/* DELETE …/co-departments/{code}. */
void eg_cases_api_co_remove(struct eg_req *req)
{
    struct op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, co_remove_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_case(req, o.id, 200);
}
