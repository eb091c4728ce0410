/*
 * api_consultations.c — one-stop service requests (consultations): legal
 * aid, employment and start-up, employment-management diagnosis,
 * pay-distribution, democratic-management and collective-consultation
 * guidance, corporate culture and social responsibility, psychological
 * counselling, skills and safety training sign-up.
 *
 * A worker or a company (platform account) asks; the request goes to the
 * department that serves that kind; staff assign it and mark it done
 * (requested → assigned → done, rules.c); the requester rates it once.
 */
#include "cases/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/accounts.h"
#include "auth/authz.h"
#include "db/db.h"

const struct eg_field eg_cases_spec_consult[] = {
    EG_FIELD("kind", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = eg_consult_kind_names),
    EG_FIELD("topic", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 200),
    EG_FIELD("details", EG_FT_STRING, .max_len = 5000),
    EG_FIELD("preferred_date", EG_FT_DATE),
    EG_FIELD(NULL, 0),
};

static const char *const consult_targets[] = {"assigned", "done", NULL};

const struct eg_field eg_cases_spec_consult_transition[] = {
    EG_FIELD("to", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = consult_targets),
    EG_FIELD("assignee", EG_FT_STRING, .max_len = 63),
    EG_FIELD("outcome", EG_FT_STRING, .max_len = 5000),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_cases_spec_consult_rate[] = {
    EG_FIELD("score", EG_FT_INT, .flags = EG_F_REQUIRED, .min = 1, .max = 5),
    EG_FIELD("comment", EG_FT_STRING, .max_len = 1000),
    EG_FIELD(NULL, 0),
};

/* A consultation as JSON. */
static json_t *consult_json(const struct eg_consult_rec *k)
{
    int ki = eg_case_name_index(eg_consult_kind_names, k->kind);
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:{s:I, s:s, s:s}, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o}", "id",
        (json_int_t)k->id, "kind", k->kind, "kind_label",
        ki >= 0 ? eg_consult_kind_labels[ki] : k->kind, "state", k->state_name, "department", "id",
        (json_int_t)k->dept.id, "code", k->dept.code, "name", k->dept.name, "topic", k->topic,
        "details", k->details, "preferred_date", eg_cases_str_or_null(k->preferred_on), "outcome",
        k->outcome, "requester", k->requester_name, "requested_at",
        eg_cases_instant(k->requested_at), "assigned_at", eg_cases_instant(k->assigned_at),
        "done_at", eg_cases_instant(k->done_at));

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "person_id", k->person_id ? json_integer(k->person_id) : json_null());
    json_object_set_new(o, "organisation_id",
                        k->organisation_id ? json_integer(k->organisation_id) : json_null());
    json_object_set_new(o, "assignee", eg_cases_str_or_null(k->assignee_login));
    json_object_set_new(o, "rating", k->rating ? json_integer(k->rating) : json_null());
    json_object_set_new(o, "rating_comment", json_string(k->rating_comment));
    json_object_set_new(o, "updated_at", eg_cases_instant(k->updated_at));
    return o;
}

/* Load a consultation and check the caller may see it. */
static enum eg_status load(struct eg_req *req, struct eg_db *db, int64_t id,
                           struct eg_consult_rec *k)
{
    struct eg_row_scope scope;
    enum eg_status rc = eg_authz_role(&req->who, req->route->roles);

    if (rc == EG_OK)
        rc = eg_consult_store_get(db, req->arena, id, k);
    if (rc != EG_OK)
        return rc;
    memset(&scope, 0, sizeof scope);
    scope.owner_person_id = k->person_id;
    scope.organisation_id = k->organisation_id;
    scope.department_path = k->dept.path;
    return eg_authz_row(&req->who, req->route->roles, &scope);
}

/*
 * Reply with one consultation, checked against the caller's scope. After a
 * committed change (changed = 1) that moved it out of the caller's sight
 * (assigned to another department's mediator), say what happened instead of
 * answering 404.
 */
static void reply_consult(struct eg_req *req, int64_t id, int status, int changed)
{
    struct eg_consult_rec k;
    enum eg_status rc = load(req, req->db, id, &k);

    if (rc == EG_E_NOT_FOUND && changed &&
        eg_consult_store_get(req->db, req->arena, id, &k) == EG_OK) {
        eg_reply_json(req, status,
                      json_pack("{s:I, s:b, s:s, s:s}", "id", (json_int_t)id, "visible", 0, "state",
                                k.state_name, "department", k.dept.code));
        return;
    }
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, status, consult_json(&k));
}

/* ---- POST /api/v1/consultations ------------------------------------------------ */

struct create_op {
    struct eg_req *req;
    struct eg_consult_new in;
    const char *dept_code;
    int64_t id;
    struct eg_cases_err err;
};

/* Insert the request for its serving department (the centre when that one is missing). */
static enum eg_status create_tx(struct eg_db *db, void *p)
{
    struct create_op *o = p;
    struct eg_audit_ctx ctx = eg_cases_audit(o->req);
    char path[128], id[24], *summary;
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_department_by_code(db, o->dept_code, &o->in.department_id, path);
    if (rc == EG_E_NOT_FOUND)
        rc = eg_department_by_code(db, "centre", &o->in.department_id, path);
    if (rc == EG_E_NOT_FOUND)
        rc = EG_E_UNAVAILABLE;
    if (rc == EG_OK)
        rc = eg_consult_store_insert(db, &o->in, &o->id);
    if (rc != EG_OK)
        return rc;
    snprintf(id, sizeof id, "%lld", (long long)o->id);
    summary = eg_arena_printf(o->req->arena, "{\"kind\":\"%s\",\"department\":\"%s\"}", o->in.kind,
                              o->dept_code);
    return eg_audit_append(db, &ctx, "consultation.create", "consultation", id,
                           summary ? summary : "{}");
}

/* POST /api/v1/consultations: a worker or a company asks. */
void eg_cases_api_consult_create(struct eg_req *req)
{
    struct create_op o;
    const char *pref = eg_json_str(req->body, "preferred_date", NULL);
    int kind;
    eg_day d;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    o.in.kind = eg_json_str(req->body, "kind", "");
    o.in.topic = eg_json_str(req->body, "topic", "");
    o.in.details = eg_json_str(req->body, "details", "");
    o.in.preferred_on = pref;
    o.in.requested_by = eg_case_actor_name(&req->who);
    o.in.now = eg_now();
    kind = eg_case_name_index(eg_consult_kind_names, o.in.kind);
    o.dept_code = eg_consult_department((enum eg_consult_kind)kind);
    if (pref != NULL && (eg_date_parse(pref, &d) != EG_OK || d < eg_cases_today())) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "preferred_date",
                       "preferred_date may not be in the past.");
        return;
    }
    if (req->who.role == EG_ROLE_WORKER) {
        if (kind >= 0 && eg_consult_kind_for_companies((enum eg_consult_kind)kind)) {
            eg_reply_error(req, EG_E_COMPANY_ONLY_SERVICE, "kind",
                           "This service is for companies; a worker may not request it.");
            return;
        }
        o.in.person_id = req->who.person_id;
        if (o.in.person_id <= 0) {
            eg_reply_error(req, EG_E_UNPROCESSABLE, NULL,
                           "This account is not linked to a person.");
            return;
        }
    } else {
        o.in.organisation_id = req->who.organisation_id;
        if (o.in.organisation_id <= 0) {
            eg_reply_error(req, EG_E_UNPROCESSABLE, NULL,
                           "This account is not linked to an organisation.");
            return;
        }
    }
    rc = eg_db_tx(req->db, create_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_consult(req, o.id, 201, 0);
}

/* ---- GET /api/v1/consultations[/{id}] ----------------------------------------- */

void eg_cases_api_consult_list(struct eg_req *req)
{
    struct eg_consult_filter f;
    struct eg_case_scope scope;
    struct eg_consult_rec *rows = NULL;
    size_t n = 0;
    int more = 0, limit = 50;
    enum eg_status rc;
    json_t *items, *out;

    memset(&f, 0, sizeof f);
    f.state = eg_req_query(req, "state");
    f.kind = eg_req_query(req, "kind");
    if (f.state && eg_case_name_index(eg_consult_state_names, f.state) < 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "state",
                       "state must be requested, assigned or done.");
        return;
    }
    if (f.kind && eg_case_name_index(eg_consult_kind_names, f.kind) < 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "kind", "kind is not a consultation kind.");
        return;
    }
    if (eg_cases_page_params(req, &f.before_id, &limit) != 0)
        return;
    eg_case_scope_of(&req->who, req->arena, &scope);
    rc = eg_consult_store_list(req->db, req->arena, &scope, &f, limit, &rows, &n, &more);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, consult_json(&rows[i]));
    out = json_pack("{s:o}", "items", items);
    if (more && n > 0) {
        char cur[24];

        snprintf(cur, sizeof cur, "%lld", (long long)rows[n - 1].id);
        json_object_set_new(out, "next_cursor", json_string(cur));
    } else {
        json_object_set_new(out, "next_cursor", json_null());
    }
    eg_reply_json(req, 200, out);
}

/* GET /api/v1/consultations/{id}. */
void eg_cases_api_consult_get(struct eg_req *req)
{
    int64_t id;
    enum eg_status rc = eg_req_param_id(req, "id", &id);

    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    reply_consult(req, id, 200, 0);
}

/* ---- POST /api/v1/consultations/{id}/transitions ---------------------------- */

struct move_op {
    struct eg_req *req;
    int64_t id;
    struct eg_cases_err err;
};

/*
 * requested → assigned (to the caller or a named mediator, whose department
 * then serves it) or assigned → done (with the outcome), checked by rules.c.
 */
static enum eg_status move_tx(struct eg_db *db, void *p)
{
    struct move_op *o = p;
    struct eg_req *req = o->req;
    struct eg_audit_ctx ctx = eg_cases_audit(req);
    struct eg_consult_rec k;
    struct eg_case_actor actor;
    const char *to = eg_json_str(req->body, "to", "");
    int ti = eg_case_name_index(eg_consult_state_names, to);
    char why[200], id[24], *summary = NULL;
    const char *to_dept = NULL;
    json_t *detail;
    int64_t now = eg_now();
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = load(req, db, o->id, &k);
    if (rc != EG_OK)
        return rc;
    to_dept = k.dept.code;
    memset(&actor, 0, sizeof actor);
    actor.role = req->who.role;
    actor.in_scope = 1; /* passed the row check */
    rc = eg_consult_check_move(&actor, k.state, (enum eg_consult_state)ti, why, sizeof why);
    if (rc != EG_OK)
        return eg_cases_fail(&o->err, rc, rc == EG_E_ILLEGAL_TRANSITION ? "to" : NULL, "%s", why);
    if (ti == EG_CONSULT_ASSIGNED) {
        const char *login = eg_json_str(req->body, "assignee", NULL);
        struct eg_stmt *st = NULL;
        int64_t user = req->who.user_id, dept = k.dept.id;

        if (login != NULL) {
            rc = eg_db_query(db, &st,
                             "SELECT id, role, department_id, disabled FROM users WHERE login = ?",
                             "t", login);
            if (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
                const char *role = eg_stmt_text(st, 1);

                user = eg_stmt_i64(st, 0);
                if ((strcmp(role, "mediator") != 0 && strcmp(role, "admin") != 0) ||
                    eg_stmt_i64(st, 3) != 0)
                    user = 0;
                else if (!eg_stmt_is_null(st, 2))
                    dept = eg_stmt_i64(st, 2);
                rc = EG_OK;
            } else if (rc == EG_DONE) {
                user = 0;
                rc = EG_OK;
            }
            eg_stmt_done(st);
            if (rc != EG_OK)
                return rc;
            if (user == 0)
                return eg_cases_fail(&o->err, EG_E_INVALID_FIELD, "assignee",
                                     "assignee must be the login of an active mediator.");
        } else if (user == 0) {
            return eg_cases_fail(&o->err, EG_E_MISSING_FIELD, "assignee", "Name the assignee.");
        } else if (req->who.department_id > 0) {
            dept = req->who.department_id;
        }
        rc = eg_consult_store_assign(db, k.id, user, dept, now);
        if (rc == EG_OK && dept != k.dept.id) {
            struct eg_consult_rec after;

            rc = eg_consult_store_get(db, req->arena, k.id, &after);
            if (rc == EG_OK)
                to_dept = after.dept.code;
        }
    } else {
        const char *outcome = eg_json_str(req->body, "outcome", "");

        if (outcome[0] == '\0')
            return eg_cases_fail(&o->err, EG_E_MISSING_FIELD, "outcome",
                                 "Record what was done (outcome).");
        rc = eg_consult_store_done(db, k.id, outcome, now);
    }
    if (rc == EG_E_CONFLICT)
        return eg_cases_fail(&o->err, rc, NULL, "The consultation changed meanwhile.");
    if (rc != EG_OK)
        return rc;
    snprintf(id, sizeof id, "%lld", (long long)k.id);
    detail = json_pack("{s:s, s:s}", "from", k.state_name, "to", to);
    if (detail != NULL && ti == EG_CONSULT_ASSIGNED) {
        json_object_set_new(detail, "assignee",
                            json_string(eg_json_str(req->body, "assignee", req->who.login)));
        if (strcmp(to_dept, k.dept.code) != 0) {
            json_object_set_new(detail, "from_department", json_string(k.dept.code));
            json_object_set_new(detail, "to_department", json_string(to_dept));
        }
    }
    if (detail != NULL) {
        char *text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);

        json_decref(detail);
        if (text != NULL) {
            summary = eg_arena_strdup(req->arena, text);
            free(text);
        }
    }
    return eg_audit_append(db, &ctx, "consultation.transition", "consultation", id,
                           summary ? summary : "{}");
}

/* POST /api/v1/consultations/{id}/transitions. */
void eg_cases_api_consult_transition(struct eg_req *req)
{
    struct move_op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    rc = eg_req_param_id(req, "id", &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, move_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_consult(req, o.id, 200, 1);
}

/* ---- POST /api/v1/consultations/{id}/rating ---------------------------------- */

static enum eg_status rate_tx(struct eg_db *db, void *p)
{
    struct move_op *o = p;
    struct eg_req *req = o->req;
    struct eg_audit_ctx ctx = eg_cases_audit(req);
    struct eg_consult_rec k;
    int score = (int)eg_json_int(req->body, "score", 0);
    char id[24], summary[48];
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = load(req, db, o->id, &k);
    if (rc != EG_OK)
        return rc;
    if (k.state != EG_CONSULT_DONE)
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL,
                             "A consultation is rated once it is done.");
    rc = eg_consult_store_rate(db, k.id, score, eg_json_str(req->body, "comment", ""), eg_now());
    if (rc == EG_E_CONFLICT)
        return eg_cases_fail(&o->err, rc, NULL, "The consultation has been rated already.");
    if (rc != EG_OK)
        return rc;
    snprintf(id, sizeof id, "%lld", (long long)k.id);
    snprintf(summary, sizeof summary, "{\"score\":%d}", score);
    return eg_audit_append(db, &ctx, "consultation.rating", "consultation", id, summary);
}

/* POST /api/v1/consultations/{id}/rating: the requester, once, when done. */
void eg_cases_api_consult_rate(struct eg_req *req)
{
    struct move_op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    rc = eg_req_param_id(req, "id", &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, rate_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_consult(req, o.id, 200, 0);
}
