/*
 * api_common.c — what every cases endpoint uses: errors, loading a case
 * with its row check, the case's JSON, the timeline plus audit record, and
 * applying a checked state change.
 */
#include "cases/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "auth/accounts.h"
#include "auth/authz.h"
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"

enum eg_status eg_cases_fail(struct eg_cases_err *e, enum eg_status st, const char *field,
                             const char *fmt, ...)
{
    va_list ap;

    e->st = st;
    e->field = field;
    e->msg[0] = '\0';
    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return st;
}

void eg_cases_reply_err(struct eg_req *req, enum eg_status st, const struct eg_cases_err *e)
{
    if (e != NULL && e->st == st && st != EG_OK) {
        if (e->msg[0])
            eg_reply_error(req, st, e->field, "%s", e->msg);
        else
            eg_reply_error(req, st, e->field, NULL);
        return;
    }
    if (st == EG_OK)
        st = EG_E_INTERNAL;
    eg_reply_error(req, st, NULL, NULL);
}

struct eg_audit_ctx eg_cases_audit(const struct eg_req *req)
{
    struct eg_audit_ctx c;

    c.who = &req->who;
    c.address = req->client_addr;
    c.request_id = req->request_id;
    return c;
}

eg_day eg_cases_today(void)
{
    return eg_day_of(eg_now());
}

void eg_cases_row_scope(const struct eg_case_rec *rec, struct eg_arena *a, struct eg_row_scope *out)
{
    const char **paths = NULL;

    memset(out, 0, sizeof *out);
    out->owner_person_id = rec->applicant_person_id;
    out->organisation_id = rec->respondent_org_id;
    out->department_path = rec->dept.path;
    if (rec->n_co > 0)
        paths = eg_arena_alloc(a, rec->n_co * sizeof *paths);
    if (paths != NULL) {
        for (size_t i = 0; i < rec->n_co; i++)
            paths[i] = rec->co[i].path;
        out->co_department_paths = paths;
        out->n_co = rec->n_co;
    }
}

enum eg_status eg_cases_load(struct eg_req *req, struct eg_db *db, int64_t id,
                             struct eg_case_rec *rec, struct eg_case_actor *actor)
{
    struct eg_row_scope scope;
    enum eg_status rc;

    rc = eg_authz_role(&req->who, req->route->roles);
    if (rc != EG_OK)
        return rc;
    /* Inside a transaction the case is about to change: lock it first. */
    if (eg_db_in_tx(db) && (rc = eg_case_store_lock(db, id)) != EG_OK)
        return rc;
    rc = eg_case_store_get(db, req->arena, id, rec);
    if (rc != EG_OK)
        return rc;
    eg_cases_row_scope(rec, req->arena, &scope);
    rc = eg_authz_row(&req->who, req->route->roles, &scope);
    if (rc != EG_OK)
        return rc;
    memset(actor, 0, sizeof *actor);
    actor->role = req->who.role;
    actor->is_applicant =
        req->who.role == EG_ROLE_WORKER && req->who.person_id == rec->applicant_person_id;
    actor->is_respondent =
        req->who.role == EG_ROLE_PLATFORM && req->who.organisation_id == rec->respondent_org_id;
    actor->in_scope = req->who.role == EG_ROLE_MEDIATOR || req->who.role == EG_ROLE_ADMIN ||
                      req->who.role == EG_ROLE_SUPERVISOR;
    return EG_OK;
}

enum eg_status eg_cases_path_id(struct eg_req *req, int64_t *id)
{
    return eg_req_param_id(req, "id", id);
}

json_t *eg_cases_instant(int64_t t)
{
    char buf[21];

    if (t == 0)
        return json_null();
    eg_instant_format(t, buf);
    return json_string(buf);
}

json_t *eg_cases_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *eg_cases_names_json(const char *const *names)
{
    json_t *a = json_array();

    for (size_t i = 0; names[i] != NULL; i++)
        json_array_append_new(a, json_string(names[i]));
    return a;
}

/* {"id","code","name"} of a department. */
static json_t *dept_json(const struct eg_case_dept *d)
{
    return json_pack("{s:I, s:s, s:s}", "id", (json_int_t)d->id, "code", d->code, "name", d->name);
}

/* The JSON array of claims/terms/payments per category: [{category, amount_fen}]. */
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

json_t *eg_cases_case_json(struct eg_req *req, struct eg_db *db, const struct eg_case_rec *rec,
                           const struct eg_case_actor *actor, eg_day today, int detail)
{
    struct eg_case_timing t;
    eg_day acc = 0, med = 0, inc = INT32_MIN, sub = today;
    enum eg_case_state targets[EG_CASE_STATE_COUNT];
    size_t nt;
    json_t *o, *allowed, *applicant;
    char due[11];

    if (eg_date_parse(rec->accept_due_on, &acc) != EG_OK)
        acc = today;
    if (rec->mediation_due_on == NULL || eg_date_parse(rec->mediation_due_on, &med) != EG_OK)
        med = today;
    if (rec->incident_on != NULL && eg_date_parse(rec->incident_on, &inc) != EG_OK)
        inc = INT32_MIN;
    if (eg_date_parse(rec->submitted_on, &sub) != EG_OK)
        sub = today;
    eg_case_timing(rec->state, acc, med, today, &t);

    applicant = json_pack("{s:I, s:s}", "person_id", (json_int_t)rec->applicant_person_id, "name",
                          rec->applicant_name);
    o = json_pack(
        "{s:I, s:s, s:s, s:b, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)rec->id, "number",
        rec->number, "channel", rec->channel, "oral", rec->oral, "type", rec->type, "state",
        rec->state_name, "applicant", applicant, "respondent",
        json_pack("{s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)rec->respondent_org_id, "name",
                  rec->respondent_name, "kind", rec->respondent_kind, "credit_code",
                  eg_cases_str_or_null(rec->respondent_credit_code[0] ? rec->respondent_credit_code
                                                                      : NULL),
                  "sector", rec->respondent_sector),
        "department", dept_json(&rec->dept));
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "matter", json_string(rec->matter));
    json_object_set_new(o, "incident_date", eg_cases_str_or_null(rec->incident_on));
    json_object_set_new(o, "incident_over_one_year", json_boolean(eg_case_incident_old(inc, sub)));
    json_object_set_new(o, "claimed_total_fen", json_integer(rec->claimed_total_fen));
    json_object_set_new(o, "agreed_total_fen", json_integer(rec->agreed_total_fen));
    json_object_set_new(o, "paid_total_fen", json_integer(rec->paid_total_fen));
    json_object_set_new(o, "submitted_at", eg_cases_instant(rec->submitted_at));
    json_object_set_new(o, "submitted_on", json_string(rec->submitted_on));
    json_object_set_new(o, "accept_due_on", json_string(rec->accept_due_on));
    json_object_set_new(o, "accepted_at", eg_cases_instant(rec->accepted_at));
    json_object_set_new(o, "mediation_due_on", eg_cases_str_or_null(rec->mediation_due_on));
    json_object_set_new(o, "extension_days", json_integer(rec->extension_days));
    if (t.has_due) {
        eg_date_format(t.due, due);
        json_object_set_new(o, "due_on", json_string(due));
    } else {
        json_object_set_new(o, "due_on", json_null());
    }
    json_object_set_new(o, "overdue", json_boolean(t.overdue));
    json_object_set_new(o, "days_overdue", json_integer(t.days_overdue));
    json_object_set_new(o, "arbitration_open", json_boolean(t.arbitration_open));
    json_object_set_new(
        o, "arbitration_notice",
        t.arbitration_open
            ? json_string("调解期限已过或调解不成，您可以依法向劳动人事争议仲裁委员会申请仲裁。"
                          " Mediation is overdue or has failed: you may apply for labour "
                          "arbitration.")
            : json_null());
    json_object_set_new(o, "reject_reason",
                        eg_cases_str_or_null(rec->reject_reason[0] ? rec->reject_reason : NULL));
    json_object_set_new(o, "referral", eg_cases_str_or_null(rec->referral));
    json_object_set_new(o, "referral_note",
                        eg_cases_str_or_null(rec->referral_note[0] ? rec->referral_note : NULL));
    json_object_set_new(o, "closed_at", eg_cases_instant(rec->closed_at));
    json_object_set_new(o, "rated", json_boolean(rec->rated));
    allowed = json_array();
    nt = eg_case_targets(rec->state, targets);
    for (size_t i = 0; i < nt; i++)
        if (eg_case_may(actor, rec->state, targets[i]))
            json_array_append_new(allowed, json_string(eg_case_state_names[targets[i]]));
    json_object_set_new(o, "allowed_transitions", allowed);
    json_object_set_new(o, "created_at", eg_cases_instant(rec->created_at));
    json_object_set_new(o, "updated_at", eg_cases_instant(rec->updated_at));

    if (detail) {
        struct eg_case_amounts claims;
        json_t *co = json_array();

        json_object_set_new(o, "facts", json_string(rec->facts));
        json_object_set_new(o, "reasons", json_string(rec->reasons));
        if (eg_case_store_claims(db, rec->id, &claims) == EG_OK)
            json_object_set_new(o, "claims", amounts_json(&claims));
        for (size_t i = 0; i < rec->n_co; i++)
            json_array_append_new(co, dept_json(&rec->co[i]));
        json_object_set_new(o, "co_departments", co);
        json_object_set_new(o, "referred_from", json_null());
        if (rec->referred_from_department_id > 0) {
            struct eg_stmt *st = NULL;

            if (eg_db_query(db, &st, "SELECT id, code, name FROM departments WHERE id = ?", "i",
                            rec->referred_from_department_id) == EG_OK &&
                eg_stmt_step(st) == EG_ROW)
                json_object_set_new(o, "referred_from",
                                    json_pack("{s:I, s:s, s:s}", "id",
                                              (json_int_t)eg_stmt_i64(st, 0), "code",
                                              eg_stmt_text(st, 1), "name", eg_stmt_text(st, 2)));
            eg_stmt_done(st);
        }
        /* Staff and the applicant see the masked identity; the respondent the name only. */
        if (req->who.role != EG_ROLE_PLATFORM) {
            struct eg_audit_ctx ctx = eg_cases_audit(req);
            json_t *person = NULL;

            if (eg_person_json(db, req->arena, &ctx, rec->applicant_person_id, 0, &person) ==
                    EG_OK &&
                person != NULL) {
                json_object_set_new(person, "person_id", json_integer(rec->applicant_person_id));
                json_object_set_new(o, "applicant", person);
            }
        }
    }
    return o;
}

enum eg_status eg_cases_record(struct eg_db *db, struct eg_req *req, const struct eg_case_rec *rec,
                               const char *kind, const char *from, const char *to, json_t *detail)
{
    struct eg_audit_ctx ctx = eg_cases_audit(req);
    char *text = NULL, action[64], id[24];
    enum eg_status rc;
    int64_t now = eg_now();

    if (detail == NULL)
        detail = json_object();
    if (detail == NULL)
        return EG_E_INTERNAL;
    text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL) {
        json_decref(detail);
        return EG_E_INTERNAL;
    }
    rc = eg_case_store_event(db, rec->id, &req->who, now, kind, from, to, text);
    free(text);
    text = NULL;
    if (rc == EG_OK) {
        json_object_set_new(detail, "number", json_string(rec->number));
        if (from)
            json_object_set_new(detail, "from", json_string(from));
        if (to)
            json_object_set_new(detail, "to", json_string(to));
        text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
        snprintf(action, sizeof action, "case.%s", kind);
        snprintf(id, sizeof id, "%lld", (long long)rec->id);
        rc = text ? eg_audit_append(db, &ctx, action, "case", id, text) : EG_E_INTERNAL;
        free(text);
    }
    json_decref(detail);
    return rc;
}

/* The agreed total of the case's agreement (0 when none). */
static int64_t agreed_total(struct eg_db *db, int64_t case_id)
{
    int64_t t = 0;

    if (eg_db_one_i64(db, &t, "SELECT total_fen FROM case_agreements WHERE case_id = ?", "i",
                      case_id) != EG_OK)
        t = 0;
    return t;
}

enum eg_status eg_cases_move(struct eg_db *db, struct eg_req *req, struct eg_case_rec *rec,
                             const struct eg_case_actor *actor, const struct eg_case_move *move,
                             const char *note, int automatic, struct eg_cases_err *err)
{
    static const struct eg_case_actor sys = {EG_ROLE_ADMIN, 0, 0, 1};
    struct eg_case_state_update u;
    const char *field = NULL, *from = rec->state_name;
    char why[300], med[11];
    int64_t now = eg_now();
    eg_day today = eg_day_of(now);
    enum eg_status rc;
    json_t *detail;

    rc = eg_case_check_move(automatic ? &sys : actor, rec->state, move, &field, why, sizeof why);
    if (rc != EG_OK)
        return eg_cases_fail(err, rc, field, "%s", why);

    memset(&u, 0, sizeof u);
    u.from = rec->state;
    u.to = move->to;
    u.agreed_total_fen = -1;
    u.now = now;
    switch (move->to) {
    case EG_CASE_ACCEPTED:
        u.accepted_at = now;
        eg_date_format(eg_case_mediation_due(today, req->config->mediation_days, 0), med);
        u.mediation_due_on = med;
        u.due_on = med;
        break;
    case EG_CASE_MEDIATING:
        u.due_on = rec->mediation_due_on;
        break;
    case EG_CASE_REJECTED:
        u.reject_reason = move->reason;
        u.closed_at = now;
        break;
    case EG_CASE_AGREED:
        u.agreed_total_fen = agreed_total(db, rec->id);
        break;
    case EG_CASE_REFERRED:
        u.referral = eg_case_referral_names[move->referral];
        u.referral_note = note ? note : (move->reason ? move->reason : "");
        break;
    case EG_CASE_CLOSED:
    case EG_CASE_WITHDRAWN:
        u.closed_at = now;
        break;
    default:
        break;
    }
    rc = eg_case_store_set_state(db, rec->id, &u);
    if (rc == EG_E_CONFLICT)
        return eg_cases_fail(err, rc, NULL, "The case changed meanwhile; reload it and retry.");
    if (rc != EG_OK)
        return rc;

    detail = json_object();
    if (move->reason && move->reason[0])
        json_object_set_new(detail, "reason", json_string(move->reason));
    if (move->to == EG_CASE_REFERRED)
        json_object_set_new(detail, "referral",
                            json_string(eg_case_referral_names[move->referral]));
    if (note && note[0])
        json_object_set_new(detail, "note", json_string(note));
    if (automatic)
        json_object_set_new(detail, "automatic", json_true());
    rc = eg_cases_record(db, req, rec, "transition", from, eg_case_state_names[move->to], detail);
    if (rc == EG_OK) {
        rec->state = move->to;
        rec->state_name = eg_case_state_names[move->to];
    }
    return rc;
}

int eg_cases_page_params(struct eg_req *req, int64_t *cursor, int *limit)
{
    int64_t lim = 50;
    enum eg_status rc;

    *cursor = 0;
    rc = eg_req_query_int(req, "limit", 1, 200, 50, &lim);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, "limit", "limit must be an integer from 1 to 200.");
        return -1;
    }
    rc = eg_req_query_int(req, "cursor", 1, INT64_MAX, 0, cursor);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, "cursor", "cursor must be a value from a previous next_cursor.");
        return -1;
    }
    *limit = (int)lim;
    return 0;
}
