/*
 * api_intake.c — POST /api/v1/cases: taking a complaint in by any channel.
 *
 * A worker files online (or through the QR-code form) for themself; staff
 * take complaints at the window (also oral ones), on the hotline or by
 * referral from another department, on the worker's behalf, identifying
 * the person by ID number (created when new). The respondent is a
 * platform or a partner company, the latter found or created by its
 * checked 统一社会信用代码. The case is routed by the rule table, numbered
 * from the year's counter and given its acceptance deadline in working
 * days — all in one transaction with the timeline and the audit trail.
 */
#include "cases/api.h"

#include <stdio.h>
#include <string.h>

#include "auth/accounts.h"
#include "auth/authz.h"
#include "cases/cases.h"
#include "core/config.h"
#include "core/ident.h"
#include "core/log.h"
#include "db/db.h"

static const struct eg_field applicant_spec[] = {
    EG_FIELD("person_id", EG_FT_INT, .min = 1, .max = INT64_MAX),
    EG_FIELD("name", EG_FT_STRING, .max_len = 100),
    EG_FIELD("id_number", EG_FT_STRING, .max_len = 18),
    EG_FIELD("phone", EG_FT_STRING, .max_len = 11),
    EG_FIELD(NULL, 0),
};

static const struct eg_field respondent_spec[] = {
    EG_FIELD("organisation_id", EG_FT_INT, .min = 1, .max = INT64_MAX),
    EG_FIELD("credit_code", EG_FT_STRING, .max_len = 18),
    EG_FIELD("name", EG_FT_STRING, .max_len = 200),
    EG_FIELD("sector", EG_FT_STRING, .max_len = 32),
    EG_FIELD(NULL, 0),
};

static const struct eg_field claim_spec[] = {
    EG_FIELD("category", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = eg_case_category_names),
    EG_FIELD("amount_fen", EG_FT_MONEY, .flags = EG_F_REQUIRED, .min = 1),
    EG_FIELD(NULL, 0),
};
static const struct eg_field claim_item = EG_FIELD("", EG_FT_OBJECT, .sub = claim_spec);

const struct eg_field eg_cases_spec_create[] = {
    EG_FIELD("channel", EG_FT_ENUM, .enum_values = eg_case_channel_names),
    EG_FIELD("oral", EG_FT_BOOL),
    EG_FIELD("type", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = eg_case_type_names),
    EG_FIELD("applicant", EG_FT_OBJECT, .sub = applicant_spec),
    EG_FIELD("respondent", EG_FT_OBJECT, .flags = EG_F_REQUIRED, .sub = respondent_spec),
    EG_FIELD("matter", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 500),
    EG_FIELD("facts", EG_FT_STRING, .max_len = 20000),
    EG_FIELD("reasons", EG_FT_STRING, .max_len = 5000),
    EG_FIELD("incident_date", EG_FT_DATE),
    EG_FIELD("claims", EG_FT_ARRAY, .max_len = EG_CAT_COUNT, .item = &claim_item),
    EG_FIELD("referred_from", EG_FT_STRING, .max_len = 32),
    EG_FIELD("received_at", EG_FT_INSTANT),
    EG_FIELD(NULL, 0),
};

/* How far back staff may date a complaint they took on paper. */
#define RECEIVED_MAX_AGE_S (90 * 86400)

struct intake {
    struct eg_req *req;
    /* checked input */
    const char *channel, *type, *matter, *facts, *reasons, *incident_on;
    int oral;
    struct eg_case_amounts claims;
    struct eg_person_input person; /* staff intake of a new or known person */
    int64_t applicant_person_id;   /* given or the worker's own */
    int64_t respondent_org_id;     /* given */
    const char *credit_code, *respondent_name, *respondent_sector;
    const char *referred_from;
    int64_t received_at;
    /* results */
    int64_t id;
    struct eg_cases_err err;
};

/* Whether s is NULL or only white space. */
static int blank(const char *s)
{
    if (s == NULL)
        return 1;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

/*
 * Check the parts of the body the field spec cannot: who may use which
 * channel, the applicant block, the respondent block, the claims and dates.
 */
static enum eg_status check_input(struct intake *in)
{
    struct eg_req *req = in->req;
    const json_t *b = req->body;
    const json_t *app = json_object_get(b, "applicant");
    const json_t *resp = json_object_get(b, "respondent");
    const json_t *claims = json_object_get(b, "claims");
    int staff = req->who.role == EG_ROLE_MEDIATOR || req->who.role == EG_ROLE_ADMIN;
    eg_day today = eg_cases_today(), inc;
    size_t i;
    json_t *c;

    in->channel = eg_json_str(b, "channel", staff ? "window" : "online");
    in->type = eg_json_str(b, "type", NULL);
    in->oral = eg_json_bool(b, "oral", 0);
    in->matter = eg_json_str(b, "matter", "");
    in->facts = eg_json_str(b, "facts", "");
    in->reasons = eg_json_str(b, "reasons", "");
    in->incident_on = eg_json_str(b, "incident_date", NULL);
    in->referred_from = eg_json_str(b, "referred_from", NULL);

    if (blank(in->matter))
        return eg_cases_fail(&in->err, EG_E_MISSING_FIELD, "matter", "Say what the matter is.");
    if (!staff) {
        if (strcmp(in->channel, "online") != 0 && strcmp(in->channel, "qr") != 0)
            return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "channel",
                                 "A worker files online or through the QR-code form.");
        if (app != NULL && !json_is_null(app))
            return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "applicant",
                                 "A worker files for themself; leave out applicant.");
        if (json_object_get(b, "received_at") != NULL)
            return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "received_at",
                                 "Only staff record when a complaint was received.");
        if (req->who.person_id <= 0)
            return eg_cases_fail(&in->err, EG_E_UNPROCESSABLE, NULL,
                                 "This account is not linked to a person.");
        in->applicant_person_id = req->who.person_id;
    } else {
        if (strcmp(in->channel, "window") != 0 && strcmp(in->channel, "hotline") != 0 &&
            strcmp(in->channel, "referral") != 0)
            return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "channel",
                                 "Staff take complaints at the window, on the hotline or by "
                                 "referral.");
        if (app == NULL || json_is_null(app))
            return eg_cases_fail(&in->err, EG_E_MISSING_FIELD, "applicant",
                                 "Name the applicant: person_id, or name and id_number.");
        in->applicant_person_id = eg_json_int(app, "person_id", 0);
        in->person.name = eg_json_str(app, "name", NULL);
        in->person.id_number = eg_json_str(app, "id_number", NULL);
        in->person.phone = eg_json_str(app, "phone", NULL);
        if (in->applicant_person_id == 0) {
            struct eg_id_info info;

            if (blank(in->person.name))
                return eg_cases_fail(&in->err, EG_E_MISSING_FIELD, "applicant.name",
                                     "The applicant's name is required.");
            if (in->person.id_number == NULL)
                return eg_cases_fail(&in->err, EG_E_MISSING_FIELD, "applicant.id_number",
                                     "The applicant's resident ID number is required.");
            if (eg_id_number_check(in->person.id_number, today, &info) != EG_OK)
                return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "applicant.id_number",
                                     "applicant.id_number %s.",
                                     eg_id_number_problem(in->person.id_number, today));
            if (in->person.phone != NULL && eg_phone_check(in->person.phone) != EG_OK)
                return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "applicant.phone",
                                     "applicant.phone is not a valid mobile number.");
        } else if (in->person.name || in->person.id_number || in->person.phone) {
            return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "applicant",
                                 "Give either person_id or the person's details, not both.");
        }
        if (json_object_get(b, "received_at") != NULL) {
            int64_t now = eg_now();

            if (eg_instant_parse(eg_json_str(b, "received_at", ""), &in->received_at) != EG_OK ||
                in->received_at > now + 60 || in->received_at < now - RECEIVED_MAX_AGE_S)
                return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "received_at",
                                     "received_at must be within the last 90 days.");
            if (in->received_at > now)
                in->received_at = now;
        }
    }
    if (in->oral && strcmp(in->channel, "window") != 0)
        return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "oral",
                             "Oral complaints are taken at the window.");
    if (in->oral && blank(in->reasons))
        return eg_cases_fail(&in->err, EG_E_MISSING_FIELD, "reasons",
                             "An oral complaint records the applicant's reasons.");
    if (!in->oral && blank(in->facts))
        return eg_cases_fail(&in->err, EG_E_MISSING_FIELD, "facts", "Describe the facts.");
    if (strcmp(in->channel, "referral") == 0 && in->referred_from == NULL)
        return eg_cases_fail(&in->err, EG_E_MISSING_FIELD, "referred_from",
                             "A referral names the department it comes from.");
    if (strcmp(in->channel, "referral") != 0 && in->referred_from != NULL)
        return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "referred_from",
                             "referred_from only goes with the channel referral.");
    if (in->incident_on != NULL) {
        if (eg_date_parse(in->incident_on, &inc) != EG_OK || inc > today)
            return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "incident_date",
                                 "incident_date may not be in the future.");
    }

    /* The respondent: an organisation id, or a credit code (and a name when new). */
    in->respondent_org_id = eg_json_int(resp, "organisation_id", 0);
    in->credit_code = eg_json_str(resp, "credit_code", NULL);
    in->respondent_name = eg_json_str(resp, "name", NULL);
    in->respondent_sector = eg_json_str(resp, "sector", NULL);
    if (in->respondent_org_id == 0 && in->credit_code == NULL)
        return eg_cases_fail(&in->err, EG_E_MISSING_FIELD, "respondent.organisation_id",
                             "Name the respondent: organisation_id, or credit_code (and name).");
    if (in->respondent_org_id != 0 && in->credit_code != NULL)
        return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "respondent",
                             "Give either organisation_id or credit_code, not both.");
    if (in->credit_code != NULL && eg_credit_code_check(in->credit_code) != EG_OK)
        return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "respondent.credit_code",
                             "respondent.credit_code is not a valid unified social credit code.");
    if (in->respondent_sector != NULL &&
        (strcmp(in->respondent_sector, "*") == 0 || !eg_case_sector_valid(in->respondent_sector)))
        return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "respondent.sector",
                             "respondent.sector must be 1-32 characters of a-z, 0-9 and _.");

    memset(&in->claims, 0, sizeof in->claims);
    json_array_foreach(claims, i, c)
    {
        int cat = eg_case_name_index(eg_case_category_names, eg_json_str(c, "category", ""));
        int dup = 0;
        char *field;

        if (eg_case_amounts_add(&in->claims, cat, eg_json_int(c, "amount_fen", 0), &dup) != EG_OK) {
            field = eg_arena_printf(req->arena,
                                    dup ? "claims[%zu].category" : "claims[%zu].amount_fen", i);
            return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, field,
                                 dup ? "Each category may be claimed once."
                                     : "The amounts are too large in total.");
        }
    }
    return EG_OK;
}

/* The organisation the complaint is against, found or (a partner company) created. */
static enum eg_status resolve_respondent(struct eg_db *db, struct intake *in,
                                         const struct eg_audit_ctx *ctx, int64_t *org, char *sector,
                                         size_t sector_len)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;
    int found = 0;

    if (in->respondent_org_id != 0)
        rc = eg_db_query(db, &st,
                         "SELECT id, kind, sector, archived FROM organisations WHERE id = ?", "i",
                         in->respondent_org_id);
    else
        rc = eg_db_query(db, &st,
                         "SELECT id, kind, sector, archived FROM organisations WHERE "
                         "credit_code = ?",
                         "t", in->credit_code);
    if (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        const char *kind = eg_stmt_text(st, 1);

        found = 1;
        *org = eg_stmt_i64(st, 0);
        snprintf(sector, sector_len, "%s", eg_stmt_text(st, 2));
        if ((strcmp(kind, "platform") != 0 && strcmp(kind, "company") != 0) ||
            eg_stmt_i64(st, 3) != 0)
            rc = eg_cases_fail(&in->err, EG_E_INVALID_FIELD,
                               in->respondent_org_id ? "respondent.organisation_id"
                                                     : "respondent.credit_code",
                               "The respondent must be a platform or a partner company.");
        else
            rc = EG_DONE;
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc;
    if (found)
        return EG_OK;
    if (in->respondent_org_id != 0)
        return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "respondent.organisation_id",
                             "No such organisation.");
    if (blank(in->respondent_name))
        return eg_cases_fail(&in->err, EG_E_MISSING_FIELD, "respondent.name",
                             "A respondent not yet known needs its name.");
    snprintf(sector, sector_len, "%s", in->respondent_sector ? in->respondent_sector : "");
    rc = eg_organisation_create(db, ctx, in->respondent_name, in->credit_code, "company", sector,
                                org);
    if (rc == EG_E_INVALID_FIELD)
        return eg_cases_fail(&in->err, rc, "respondent",
                             "The respondent company could not be recorded as given.");
    return rc;
}

/* The handling department by the routing rules, falling back to the centre. */
static enum eg_status route_case(struct eg_db *db, struct eg_req *req, const char *type,
                                 const char *sector, int64_t *dept, const char **code,
                                 char path[128])
{
    struct eg_case_routing_rule *rules = NULL;
    size_t n = 0;
    enum eg_status rc;

    rc = eg_case_store_rules(db, req->arena, &rules, &n);
    if (rc != EG_OK)
        return rc;
    *code = eg_case_route(rules, n, type, sector[0] ? sector : "-", "centre");
    rc = eg_department_by_code(db, *code, dept, path);
    if (rc == EG_E_NOT_FOUND) {
        eg_log(EG_LOG_WARN, "event=case_route_missing_department code=%s", *code);
        *code = "centre";
        rc = eg_department_by_code(db, *code, dept, path);
    }
    if (rc == EG_E_NOT_FOUND)
        rc = EG_E_UNAVAILABLE; /* no department tree yet */
    return rc;
}

/*
 * The intake transaction: the applicant (found or created), the
 * respondent, the route, the number, the deadline, the row, its claims,
 * the timeline and the audit trail.
 */
static enum eg_status intake_tx(struct eg_db *db, void *p)
{
    struct intake *in = p;
    struct eg_req *req = in->req;
    struct eg_audit_ctx ctx = eg_cases_audit(req);
    struct eg_case_new row;
    struct eg_calendar cal;
    struct eg_case_rec rec;
    char number[48], sub_on[11], due_on[11], sector[64], rpath[128], dpath[128];
    const char *dept_code = NULL;
    int64_t seq = 0, dept = 0, org = 0, referred = 0, person, n = 0;
    int y, m, d, created = 0;
    eg_day sub;
    enum eg_status rc;
    json_t *detail;

    in->id = 0;
    memset(&in->err, 0, sizeof in->err);
    memset(&row, 0, sizeof row);
    person = in->applicant_person_id;
    if (person == 0) {
        rc = eg_person_upsert(db, &ctx, &in->person, &person, &created);
        if (rc == EG_E_INVALID_FIELD)
            return eg_cases_fail(&in->err, rc, "applicant",
                                 "The applicant's details are not valid.");
        if (rc != EG_OK)
            return rc;
    } else {
        rc = eg_db_one_i64(db, &n, "SELECT id FROM people WHERE id = ?", "i", person);
        if (rc == EG_E_NOT_FOUND)
            return eg_cases_fail(&in->err, EG_E_INVALID_FIELD,
                                 req->who.role == EG_ROLE_WORKER ? NULL : "applicant.person_id",
                                 "No such person.");
        if (rc != EG_OK)
            return rc;
    }
    if (in->referred_from != NULL) {
        rc = eg_department_by_code(db, in->referred_from, &referred, rpath);
        if (rc == EG_E_NOT_FOUND)
            return eg_cases_fail(&in->err, EG_E_INVALID_FIELD, "referred_from",
                                 "referred_from is not a department code.");
        if (rc != EG_OK)
            return rc;
    }
    rc = resolve_respondent(db, in, &ctx, &org, sector, sizeof sector);
    if (rc != EG_OK)
        return rc;
    rc = route_case(db, req, in->type, sector, &dept, &dept_code, dpath);
    if (rc != EG_OK)
        return rc;
    rc = eg_cases_calendar_load(db, req->arena, &cal);
    if (rc != EG_OK)
        return rc;

    row.submitted_at = in->received_at ? in->received_at : eg_now();
    sub = eg_day_of(row.submitted_at);
    eg_day_to_civil(sub, &y, &m, &d);
    rc = eg_case_store_next_seq(db, y, &seq);
    if (rc != EG_OK)
        return rc;
    eg_case_number_format(req->config->case_prefix, y, seq, number, sizeof number);
    eg_date_format(sub, sub_on);
    eg_date_format(eg_case_accept_due(&cal, sub, req->config->accept_working_days), due_on);

    row.number = number;
    row.channel = in->channel;
    row.type = in->type;
    row.oral = in->oral;
    row.applicant_person_id = person;
    row.respondent_org_id = org;
    row.department_id = dept;
    row.referred_from_department_id = referred;
    row.matter = in->matter;
    row.facts = in->facts;
    row.reasons = in->reasons;
    row.incident_on = in->incident_on;
    row.claims = in->claims;
    row.submitted_on = sub_on;
    row.accept_due_on = due_on;
    row.created_by_user_id = req->who.user_id;
    rc = eg_case_store_insert(db, &row, &in->id);
    if (rc != EG_OK)
        return rc;

    memset(&rec, 0, sizeof rec);
    rec.id = in->id;
    rec.number = number;
    detail = json_pack("{s:s, s:s, s:b, s:s, s:I, s:b}", "channel", in->channel, "type", in->type,
                       "oral", in->oral, "department", dept_code, "claimed_total_fen",
                       (json_int_t)eg_case_amounts_total(&in->claims), "new_person", created);
    rc = eg_cases_record(db, req, &rec, "submitted", NULL, "submitted", detail);
    if (rc == EG_OK)
        rc = eg_cases_record(db, req, &rec, "routed", NULL, NULL,
                             json_pack("{s:s, s:s, s:s}", "department", dept_code, "type", in->type,
                                       "sector", sector[0] ? sector : "*"));
    /* A mediator who took the complaint for another department keeps it in
     * sight as a co-handler. */
    if (rc == EG_OK && req->who.role == EG_ROLE_MEDIATOR && req->who.department_id > 0 &&
        !eg_authz_dept_within(req->who.department_path, req->who.scope_below, dpath)) {
        rc = eg_case_store_co_add(db, in->id, req->who.department_id, eg_case_actor_name(&req->who),
                                  row.submitted_at);
        if (rc == EG_OK)
            rc = eg_cases_record(db, req, &rec, "co_handling", NULL, NULL,
                                 json_pack("{s:s, s:I}", "action", "add", "department_id",
                                           (json_int_t)req->who.department_id));
    }
    return rc;
}

/* POST /api/v1/cases: 201 with the new case. */
void eg_cases_api_create(struct eg_req *req)
{
    struct intake in;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    enum eg_status rc;

    memset(&in, 0, sizeof in);
    in.req = req;
    rc = check_input(&in);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, intake_tx, &in);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &in.err);
        return;
    }
    rc = eg_cases_load(req, req->db, in.id, &rec, &actor);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 201, eg_cases_case_json(req, req->db, &rec, &actor, eg_cases_today(), 1));
}
