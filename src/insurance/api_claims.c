/*
 * api_claims.c — claims (出险报案).
 *
 *   POST  /api/v1/claims                    report (the worker, or the insurer/admin for someone)
 *   GET   /api/v1/claims                    list (own, or all for staff), filters, cursor
 *   GET   /api/v1/claims/{id}               one, with items, every assessment round, materials
 *                                           and timeline
 *   PATCH /api/v1/claims/{id}               link or unlink a work-injury dispute case
 *   POST  /api/v1/claims/{id}/transitions   accept, reject, approve, pay; reopen or reject an
 *                                           approved claim before it is paid (a reason in note)
 *   POST  /api/v1/claims/{id}/assessment    itemised benefits by the product version's schedule
 *
 * A claim is accepted only for a person covered at the incident's instant:
 * an active (or, the day over, expired) cover-day whose window contains it;
 * otherwise 422 with the message starting "not_covered".
 */
#include "insurance/api.h"

#include "core/config.h"

#include <stdio.h>
#include <string.h>

#include "auth/accounts.h"
#include "cases/lookup.h"
#include "core/ident.h"
#include "core/money.h"
#include "db/db.h"

static const char *const injury_types[] = {"fracture", "sprain_strain", "laceration",
                                           "burn",     "head_injury",   "multiple",
                                           "death",    "other",         NULL};
static const char *const all_states[] = {"reported", "accepted", "assessed", "approved",
                                         "paid",     "rejected", NULL};
static const char *const item_kinds[] = {"death", "disability", "medical", "hospital", NULL};

const struct eg_field eg_ins_claim_spec[] = {
    EG_FIELD("person_id", EG_FT_INT, .min = 1, .max = INT64_MAX),
    EG_FIELD("id_number", EG_FT_STRING, .max_len = 32),
    EG_FIELD("incident_at", EG_FT_INSTANT, .flags = EG_F_REQUIRED),
    EG_FIELD("place", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 200),
    EG_FIELD("description", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 4000),
    EG_FIELD("injury_type", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = injury_types),
    EG_FIELD("hospital", EG_FT_STRING, .max_len = 200),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_ins_claim_patch_spec[] = {
    EG_FIELD("case_id", EG_FT_INT, .flags = EG_F_NULLABLE, .min = 1, .max = INT64_MAX),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_ins_transition_spec[] = {
    EG_FIELD("to", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = all_states),
    EG_FIELD("reason", EG_FT_STRING, .max_len = 64),
    EG_FIELD("note", EG_FT_STRING, .max_len = 1000),
    EG_FIELD("payout_ref", EG_FT_STRING, .max_len = 64),
    EG_FIELD(NULL, 0),
};

static const struct eg_field item_fields[] = {
    EG_FIELD("kind", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = item_kinds),
    EG_FIELD("grade", EG_FT_INT, .min = 1, .max = EG_INS_GRADES),
    EG_FIELD("costs_fen", EG_FT_MONEY),
    EG_FIELD("days", EG_FT_INT, .max = 3660),
    EG_FIELD("override_fen", EG_FT_MONEY),
    EG_FIELD("override_reason", EG_FT_STRING, .max_len = 500),
    EG_FIELD(NULL, 0),
};
static const struct eg_field item_spec = EG_FIELD("", EG_FT_OBJECT, .sub = item_fields);

const struct eg_field eg_ins_assessment_spec[] = {
    EG_FIELD("items", EG_FT_ARRAY, .flags = EG_F_REQUIRED, .max_len = EG_INS_ITEM_COUNT,
             .item = &item_spec),
    EG_FIELD("note", EG_FT_STRING, .max_len = 1000),
    EG_FIELD(NULL, 0),
};

/* ---- JSON ------------------------------------------------------------- */

static json_t *claim_json(const struct eg_ins_claim *c, eg_day today)
{
    json_t *next = json_array();
    /* before acceptance there is no decision deadline: it cannot pass */
    eg_day decision = c->has_decision_due ? c->decision_due : today + 1;
    int overdue = eg_claim_is_overdue(c->state, c->materials_due, decision, today);

    for (int s = 0; s < EG_CLAIM_STATE_COUNT; s++)
        if (eg_claim_can_move(c->state, (enum eg_claim_state)s))
            json_array_append_new(next, json_string(eg_claim_state_name((enum eg_claim_state)s)));
    if (c->state == EG_CLAIM_ACCEPTED || c->state == EG_CLAIM_ASSESSED)
        json_array_append_new(next, json_string("assessed"));
    return json_pack(
        "{s:I, s:s, s:I, s:{s:s, s:s}, s:I, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, "
        "s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o}",
        "id", (json_int_t)c->id, "claim_no", c->claim_no, "person_id", (json_int_t)c->person_id,
        "person", "name", c->person_name ? c->person_name : "", "id_number_masked", c->id_masked,
        "cover_day_id", (json_int_t)c->cover_day_id, "incident_at", eg_ins_instant(c->incident_at),
        "incident_date", eg_ins_date(c->incident_day), "place", c->place, "description",
        c->description, "injury_type", c->injury_type, "hospital", c->hospital, "state",
        eg_claim_state_name(c->state), "reject_reason",
        c->reject_reason[0] ? json_string(c->reject_reason) : json_null(), "reject_note",
        c->reject_note && c->reject_note[0] ? json_string(c->reject_note) : json_null(),
        "reported_by", c->reported_by, "reported_at", eg_ins_instant(c->reported_at),
        "materials_due", eg_ins_date(c->materials_due), "accepted_at",
        eg_ins_instant(c->accepted_at), "decision_due",
        c->has_decision_due ? eg_ins_date(c->decision_due) : json_null(), "assessed_at",
        eg_ins_instant(c->assessed_at), "assessment_round", c->assessment_round,
        "assessed_total_fen",
        c->assessed_total_fen >= 0 ? json_integer(c->assessed_total_fen) : json_null(),
        "payout_fen", c->payout_fen >= 0 ? json_integer(c->payout_fen) : json_null(), "capped_by",
        c->capped_by[0] ? json_string(c->capped_by) : json_null(), "approved_at",
        eg_ins_instant(c->approved_at), "paid_at", eg_ins_instant(c->paid_at), "payout_ref",
        c->payout_ref[0] ? json_string(c->payout_ref) : json_null(), "case_id",
        c->case_id ? json_integer(c->case_id) : json_null(), "rejected_at",
        eg_ins_instant(c->rejected_at), "overdue", overdue, "next_states", next);
}

static json_t *item_json(const struct eg_ins_claim_item_row *row)
{
    const struct eg_ins_item *it = &row->item;
    json_t *o = json_pack("{s:s, s:I, s:o, s:I, s:o}", "kind", eg_ins_item_name(it->kind),
                          "computed_fen", (json_int_t)it->computed_fen, "override_fen",
                          it->has_override ? json_integer(it->override_fen) : json_null(),
                          "final_fen", (json_int_t)it->final_fen, "override_reason",
                          row->override_reason ? json_string(row->override_reason) : json_null());

    if (it->kind == EG_INS_ITEM_DISABILITY)
        json_object_set_new(o, "grade", json_integer(it->grade));
    if (it->kind == EG_INS_ITEM_MEDICAL)
        json_object_set_new(o, "costs_fen", json_integer(it->costs_fen));
    if (it->kind == EG_INS_ITEM_HOSPITAL)
        json_object_set_new(o, "days", json_integer(it->days));
    return o;
}

/*
 * Every assessment round, oldest first, each with its items. A round
 * assessed before rounds were kept whole has items but no round row; it is
 * shown from its items, its payout unknown (null).
 */
static json_t *rounds_json(const struct eg_ins_claim_round_row *rounds, size_t nr,
                           const struct eg_ins_claim_item_row *items, size_t ni)
{
    json_t *arr = json_array();
    size_t k = 0;

    while (k < ni) {
        int round = items[k].round;
        const struct eg_ins_claim_round_row *r = NULL;
        json_t *ji = json_array(), *o;
        int64_t total = 0;

        for (size_t i = 0; i < nr; i++)
            if (rounds[i].round == round)
                r = &rounds[i];
        for (; k < ni && items[k].round == round; k++) {
            total += items[k].item.final_fen;
            json_array_append_new(ji, item_json(&items[k]));
        }
        o = json_pack("{s:i, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "round", round, "total_fen",
                      (json_int_t)(r ? r->total_fen : total), "payout_fen",
                      r && r->payout_fen >= 0 ? json_integer(r->payout_fen) : json_null(),
                      "capped_by", r && r->capped_by[0] ? json_string(r->capped_by) : json_null(),
                      "note", r && r->note[0] ? json_string(r->note) : json_null(), "assessed_by",
                      json_string(r ? r->assessed_by : items[k - 1].assessed_by), "assessed_at",
                      eg_ins_instant(r ? r->assessed_at : items[k - 1].assessed_at), "items", ji);
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *event_json(const struct eg_ins_claim_event_row *e)
{
    json_t *o =
        json_pack("{s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:s}", "at", eg_ins_instant(e->at), "actor",
                  e->actor, "actor_role", e->actor_role, "action", e->action, "from_state",
                  e->from_state[0] ? json_string(e->from_state) : json_null(), "to_state",
                  e->to_state[0] ? json_string(e->to_state) : json_null(), "reason",
                  e->reason[0] ? json_string(e->reason) : json_null(), "note", e->note);

    if (e->round > 0)
        json_object_set_new(o, "round", json_integer(e->round));
    if (e->item[0])
        json_object_set_new(o, "item", json_string(e->item));
    if (e->has_item_amounts) {
        json_object_set_new(o, "computed_fen", json_integer(e->computed_fen));
        json_object_set_new(o, "override_fen", json_integer(e->override_fen));
    }
    if (e->has_totals) {
        json_object_set_new(o, "total_fen", json_integer(e->total_fen));
        json_object_set_new(o, "payout_fen", json_integer(e->payout_fen));
    }
    return o;
}

/* The claim with its items (current round), every round, materials and timeline. */
static enum eg_status claim_detail(struct eg_req *req, const struct eg_ins_claim *c, json_t **out)
{
    struct eg_ins_claim_item_row *items = NULL;
    struct eg_ins_claim_round_row *rounds = NULL;
    struct eg_ins_material *mats = NULL;
    struct eg_ins_claim_event_row *evs = NULL;
    size_t ni = 0, nr = 0, nm = 0, ne = 0;
    json_t *j, *ji, *jm, *je;
    enum eg_status st = eg_ins_claim_items(req->db, req->arena, c->id, 0, &items, &ni);

    if (st == EG_OK)
        st = eg_ins_claim_rounds(req->db, req->arena, c->id, &rounds, &nr);
    if (st == EG_OK)
        st = eg_ins_material_list(req->db, req->arena, c->id, &mats, &nm);
    if (st == EG_OK)
        st = eg_ins_claim_events(req->db, req->arena, c->id, &evs, &ne);
    if (st != EG_OK)
        return st;
    j = claim_json(c, eg_day_of(eg_now()));
    ji = json_array();
    for (size_t i = 0; i < ni; i++)
        if (items[i].round == c->assessment_round)
            json_array_append_new(ji, item_json(&items[i]));
    jm = json_array();
    for (size_t i = 0; i < nm; i++)
        json_array_append_new(jm, json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:o}", "id",
                                            (json_int_t)mats[i].id, "kind", mats[i].kind,
                                            "content_type", mats[i].content_type, "size_bytes",
                                            (json_int_t)mats[i].size_bytes, "sha256",
                                            mats[i].sha256, "name", mats[i].original_name,
                                            "uploaded_at", eg_ins_instant(mats[i].uploaded_at)));
    je = json_array();
    for (size_t i = 0; i < ne; i++)
        json_array_append_new(je, event_json(&evs[i]));
    json_object_set_new(j, "items", ji);
    json_object_set_new(j, "rounds", rounds_json(rounds, nr, items, ni));
    json_object_set_new(j, "materials", jm);
    json_object_set_new(j, "events", je);
    *out = j;
    return EG_OK;
}

static void reply_detail(struct eg_req *req, int status, int64_t id)
{
    struct eg_ins_claim c;
    json_t *j = NULL;
    enum eg_status st = eg_ins_claim_get(req->db, req->arena, id, &c);

    if (st == EG_OK)
        st = claim_detail(req, &c, &j);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    eg_reply_json(req, status, j);
}

/* ---- reporting -------------------------------------------------------- */

struct report_tx {
    struct eg_req *req;
    int64_t person_id;
    const char *id_number;
    struct eg_ins_claim_new n;
    int64_t id;
    char claim_no[48];
    int not_covered;
    int64_t duplicate_of;
};

static enum eg_status report_tx_run(struct eg_db *db, void *arg)
{
    struct report_tx *t = arg;
    struct eg_ins_cover cover;
    struct eg_audit_ctx ctx;
    char id[24], summary[200], day[11];
    int64_t pid = t->person_id, dup = 0;
    enum eg_status st;

    t->not_covered = 0;
    t->duplicate_of = 0;
    if (pid == 0) {
        struct eg_id_info info;
        if (eg_id_number_check(t->id_number, eg_day_of(t->n.now), &info) != EG_OK) {
            t->not_covered = 1;
            return EG_E_UNPROCESSABLE;
        }
        st = eg_person_find_by_id_number(db, info.normalized, &pid);
        if (st == EG_E_NOT_FOUND) {
            t->not_covered = 1;
            return EG_E_UNPROCESSABLE;
        }
        if (st != EG_OK)
            return st;
    }
    st = eg_ins_cover_at(db, t->req->arena, pid, t->n.incident_at, &cover);
    if (st == EG_E_NOT_FOUND) {
        t->not_covered = 1;
        return EG_E_UNPROCESSABLE;
    }
    if (st != EG_OK)
        return st;
    st = eg_ins_claim_find_duplicate(db, pid, t->n.incident_at, &dup);
    if (st == EG_OK) {
        t->duplicate_of = dup;
        return EG_E_DUPLICATE;
    }
    if (st != EG_E_NOT_FOUND)
        return st;
    t->n.person_id = pid;
    t->n.cover_day_id = cover.id;
    t->n.version_id = cover.version_id;
    st = eg_ins_claim_insert(db, &t->n, &t->id, t->claim_no);
    if (st == EG_OK)
        st = eg_ins_claim_event(db, t->id, t->n.now, t->req->who.login,
                                eg_role_name(t->req->who.role), "reported", NULL, "reported", NULL,
                                "");
    if (st != EG_OK)
        return st;
    eg_ins_audit_ctx(t->req, &ctx);
    snprintf(id, sizeof id, "%lld", (long long)t->id);
    eg_date_format(eg_day_of(t->n.incident_at), day);
    snprintf(summary, sizeof summary,
             "{\"claim_no\":\"%s\",\"incident_date\":\"%s\",\"cover_day_id\":%lld,"
             "\"injury_type\":\"%s\"}",
             t->claim_no, day, (long long)cover.id, t->n.injury_type);
    return eg_audit_append(db, &ctx, "insurance.claim.report", "claim", id, summary);
}

void eg_ins_api_claim_create(struct eg_req *req)
{
    struct report_tx t;
    json_t *b = req->body;
    int64_t incident = 0;
    enum eg_status st;

    memset(&t, 0, sizeof t);
    t.req = req;
    t.person_id = eg_json_int(b, "person_id", 0);
    t.id_number = eg_json_str(b, "id_number", NULL);
    if (req->who.role == EG_ROLE_WORKER) {
        if (t.person_id != 0 || t.id_number != NULL) {
            eg_reply_error(req, EG_E_FORBIDDEN, t.person_id ? "person_id" : "id_number",
                           "A worker reports only their own injury.");
            return;
        }
        if (req->who.person_id <= 0) {
            eg_reply_error(req, EG_E_FORBIDDEN, NULL, "This account is not linked to a person.");
            return;
        }
        t.person_id = req->who.person_id;
    } else if ((t.person_id != 0) == (t.id_number != NULL)) {
        eg_reply_error(req, t.person_id ? EG_E_INVALID_FIELD : EG_E_MISSING_FIELD, "person_id",
                       "Give either person_id or id_number.");
        return;
    }
    if (eg_instant_parse(eg_json_str(b, "incident_at", ""), &incident) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "incident_at", NULL);
        return;
    }
    t.n.now = eg_now();
    if (incident > t.n.now + 300) {
        eg_reply_error(req, EG_E_UNPROCESSABLE, "incident_at", "The incident is in the future.");
        return;
    }
    t.n.incident_at = incident;
    t.n.place = eg_json_str(b, "place", "");
    t.n.description = eg_json_str(b, "description", "");
    t.n.injury_type = eg_json_str(b, "injury_type", "other");
    t.n.hospital = eg_json_str(b, "hospital", "");
    t.n.reported_by = req->who.login;
    t.n.prefix = req->config->case_prefix[0] ? req->config->case_prefix : "EG";
    st = eg_db_tx(req->db, report_tx_run, &t);
    if (st == EG_E_UNPROCESSABLE && t.not_covered) {
        eg_reply_error(req, EG_E_UNPROCESSABLE, "incident_at",
                       "not_covered: the person had no active cover at the incident time.");
        return;
    }
    if (st == EG_E_DUPLICATE) {
        eg_reply_error(req, EG_E_DUPLICATE, "incident_at",
                       "A claim for this person and incident time exists (id %lld).",
                       (long long)t.duplicate_of);
        return;
    }
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    reply_detail(req, 201, t.id);
}

/* ---- reading ---------------------------------------------------------- */

void eg_ins_api_claim_list(struct eg_req *req)
{
    struct eg_ins_claim_filter f;
    struct eg_ins_claim *rows = NULL;
    size_t n = 0;
    const char *field = NULL;
    int64_t overdue = 0;
    eg_day d;
    int set = 0;
    json_t *items;
    enum eg_status st;

    memset(&f, 0, sizeof f);
    f.today = eg_day_of(eg_now());
    st = eg_ins_page(req, &f.before_id, &f.limit, &field);
    if (st == EG_OK && eg_req_query_int(req, "person_id", 1, INT64_MAX, 0, &f.person_id) != EG_OK)
        st = EG_E_INVALID_PARAMETER, field = "person_id";
    if (st == EG_OK && eg_req_query_int(req, "case_id", 1, INT64_MAX, 0, &f.case_id) != EG_OK)
        st = EG_E_INVALID_PARAMETER, field = "case_id";
    if (st == EG_OK && eg_req_query_int(req, "overdue", 0, 1, 0, &overdue) != EG_OK)
        st = EG_E_INVALID_PARAMETER, field = "overdue";
    f.overdue_only = (int)overdue;
    f.state = eg_req_query(req, "state");
    if (st == EG_OK && f.state != NULL && eg_claim_state_parse(f.state) == EG_CLAIM_STATE_COUNT)
        st = EG_E_INVALID_PARAMETER, field = "state";
    f.from = eg_req_query(req, "from");
    if (st == EG_OK && eg_ins_query_date(req, "from", &d, &set) != EG_OK)
        st = EG_E_INVALID_PARAMETER, field = "from";
    f.to = eg_req_query(req, "to");
    if (st == EG_OK && eg_ins_query_date(req, "to", &d, &set) != EG_OK)
        st = EG_E_INVALID_PARAMETER, field = "to";
    if (st != EG_OK) {
        eg_reply_error(req, st, field, NULL);
        return;
    }
    if (req->who.role == EG_ROLE_WORKER) {
        if (f.person_id != 0 && f.person_id != req->who.person_id)
            f.limit = 0;
        f.person_id = req->who.person_id > 0 ? req->who.person_id : -1;
    }
    if (f.limit > 0)
        st = eg_ins_claim_list(req->db, req->arena, &f, &rows, &n);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, claim_json(&rows[i], f.today));
    eg_reply_json(req, 200, eg_ins_page_reply(items, n, f.limit, n ? rows[n - 1].id : 0));
}

void eg_ins_api_claim_get(struct eg_req *req)
{
    struct eg_ins_claim c;
    json_t *j = NULL;
    enum eg_status st = eg_ins_claim_load(req, EG_INS_CLAIM_READERS, &c);

    if (st == EG_OK)
        st = claim_detail(req, &c, &j);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    eg_reply_json(req, 200, j);
}

/* ---- linking a dispute case ------------------------------------------- */

struct link_tx {
    struct eg_req *req;
    int64_t claim_id;
    int64_t case_id;
    int check_case;
    int no_case;
};

static enum eg_status link_tx_run(struct eg_db *db, void *arg)
{
    struct link_tx *t = arg;
    struct eg_audit_ctx ctx;
    char id[24], summary[64];
    int64_t now = eg_now();
    enum eg_status st;

    t->no_case = 0;
    if (t->case_id > 0 && t->check_case) {
        int exists = 0;
        st = eg_cases_exists(db, t->case_id, &exists);
        if (st != EG_OK)
            return st;
        if (!exists) {
            t->no_case = 1;
            return EG_E_UNPROCESSABLE;
        }
    }
    st = eg_ins_claim_set_case(db, t->claim_id, t->case_id, now);
    if (st == EG_OK) {
        snprintf(summary, sizeof summary, "case %lld", (long long)t->case_id);
        st = eg_ins_claim_event(db, t->claim_id, now, t->req->who.login,
                                eg_role_name(t->req->who.role), "link_case", NULL, NULL, NULL,
                                t->case_id ? summary : "unlinked");
    }
    if (st != EG_OK)
        return st;
    eg_ins_audit_ctx(t->req, &ctx);
    snprintf(id, sizeof id, "%lld", (long long)t->claim_id);
    if (t->case_id > 0)
        snprintf(summary, sizeof summary, "{\"case_id\":%lld}", (long long)t->case_id);
    else
        snprintf(summary, sizeof summary, "{\"case_id\":null}");
    return eg_audit_append(db, &ctx, "insurance.claim.link_case", "claim", id, summary);
}

void eg_ins_api_claim_patch(struct eg_req *req)
{
    struct eg_ins_claim c;
    struct link_tx t;
    json_t *v = json_object_get(req->body, "case_id");
    enum eg_status st;

    if (v == NULL) {
        eg_reply_error(req, EG_E_MISSING_FIELD, "case_id", "Give case_id (or null to unlink).");
        return;
    }
    st = eg_ins_claim_load(req, EG_INS_STAFF, &c);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    memset(&t, 0, sizeof t);
    t.req = req;
    t.claim_id = c.id;
    t.case_id = json_is_integer(v) ? json_integer_value(v) : 0;
    t.check_case = t.case_id > 0;
    st = eg_db_tx(req->db, link_tx_run, &t);
    if (st == EG_E_UNPROCESSABLE && t.no_case) {
        eg_reply_error(req, EG_E_UNPROCESSABLE, "case_id", "No such case.");
        return;
    }
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    reply_detail(req, 200, c.id);
}

/* ---- transitions ------------------------------------------------------ */

struct move_tx {
    struct eg_req *req;
    struct eg_ins_claim c;
    struct eg_ins_claim_move m;
    const char *note;
    const char *event_reason; /* the reject reason code, or "reopened" */
};

static enum eg_status move_tx_run(struct eg_db *db, void *arg)
{
    struct move_tx *t = arg;
    struct eg_audit_ctx ctx;
    char id[24], summary[200];
    enum eg_status st;

    if (t->m.to == EG_CLAIM_APPROVED) {
        struct eg_ins_version v;
        enum eg_ins_cap cap;
        int64_t used = 0;

        st = eg_ins_version_get(db, t->c.version_id, &v);
        if (st == EG_OK)
            st = eg_ins_claim_paid_in_year(db, t->c.person_id, t->c.incident_year, t->c.id, &used);
        if (st != EG_OK)
            return st;
        t->m.has_payout = 1;
        t->m.payout_fen = eg_ins_apply_caps(t->c.assessed_total_fen, v.max_payout_fen, used, &cap);
        t->m.capped_by = eg_ins_cap_name(cap);
    }
    st = eg_ins_claim_move(db, t->c.id, &t->m);
    if (st == EG_OK)
        st = eg_ins_claim_event(
            db, t->c.id, t->m.now, t->req->who.login, eg_role_name(t->req->who.role), "transition",
            eg_claim_state_name(t->m.from), eg_claim_state_name(t->m.to), t->event_reason, t->note);
    if (st != EG_OK)
        return st;
    eg_ins_audit_ctx(t->req, &ctx);
    snprintf(id, sizeof id, "%lld", (long long)t->c.id);
    if (t->m.has_payout)
        snprintf(summary, sizeof summary, "{\"from\":\"%s\",\"to\":\"%s\",\"payout_fen\":%lld}",
                 eg_claim_state_name(t->m.from), eg_claim_state_name(t->m.to),
                 (long long)t->m.payout_fen);
    else
        snprintf(summary, sizeof summary, "{\"from\":\"%s\",\"to\":\"%s\",\"reason\":%s%s%s}",
                 eg_claim_state_name(t->m.from), eg_claim_state_name(t->m.to),
                 t->event_reason ? "\"" : "", t->event_reason ? t->event_reason : "null",
                 t->event_reason ? "\"" : "");
    return eg_audit_append(db, &ctx, "insurance.claim.transition", "claim", id, summary);
}

void eg_ins_api_claim_transition(struct eg_req *req)
{
    struct move_tx t;
    json_t *b = req->body;
    char allowed[96];
    enum eg_status st;

    memset(&t, 0, sizeof t);
    t.req = req;
    st = eg_ins_claim_load(req, EG_INS_STAFF, &t.c);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    t.m.from = t.c.state;
    t.m.to = eg_claim_state_parse(eg_json_str(b, "to", ""));
    t.m.now = eg_now();
    t.note = eg_json_str(b, "note", "");
    if (!eg_claim_can_move(t.m.from, t.m.to)) {
        eg_claim_allowed(t.m.from, allowed, sizeof allowed);
        if (t.m.to == EG_CLAIM_ASSESSED &&
            (t.m.from == EG_CLAIM_ACCEPTED || t.m.from == EG_CLAIM_ASSESSED))
            eg_reply_error(req, EG_E_ILLEGAL_TRANSITION, "to",
                           "A claim is assessed by POST /api/v1/claims/{id}/assessment.");
        else
            eg_reply_error(req, EG_E_ILLEGAL_TRANSITION, "to",
                           "A %s claim cannot become %s; allowed: %s.",
                           eg_claim_state_name(t.m.from), eg_claim_state_name(t.m.to),
                           allowed[0] ? allowed : "none (it is closed)");
        return;
    }
    switch (t.m.to) {
    case EG_CLAIM_REJECTED:
        t.m.reject_reason = eg_json_str(b, "reason", NULL);
        if (t.m.reject_reason == NULL) {
            eg_reply_error(req, EG_E_MISSING_FIELD, "reason", "A rejection needs a reason code.");
            return;
        }
        if (!eg_claim_reason_valid(t.m.reject_reason)) {
            eg_reply_error(req, EG_E_INVALID_FIELD, "reason",
                           "must be one of: not_covered, age, not_work_related, duplicate, "
                           "incomplete_after_deadline, fraud");
            return;
        }
        if (t.m.from == EG_CLAIM_APPROVED && t.note[0] == '\0') {
            eg_reply_error(req, EG_E_MISSING_FIELD, "note",
                           "Rejecting an approved claim needs the reason in note.");
            return;
        }
        t.m.reject_note = t.note;
        t.event_reason = t.m.reject_reason;
        break;
    case EG_CLAIM_ACCEPTED: {
        int64_t files = 0;
        struct eg_calendar cal;
        eg_day today = eg_day_of(t.m.now);

        if (t.m.from == EG_CLAIM_APPROVED) {
            if (t.note[0] == '\0') {
                eg_reply_error(req, EG_E_MISSING_FIELD, "note",
                               "Reopening an approved claim needs the reason in note.");
                return;
            }
            t.event_reason = "reopened";
        }
        st = eg_ins_material_count(req->db, t.c.id, &files);
        if (st == EG_OK && files == 0) {
            eg_reply_error(req, EG_E_UNPROCESSABLE, "to",
                           "Materials are incomplete: no file has been uploaded.");
            return;
        }
        if (st == EG_OK)
            st = eg_ins_calendar_load(req->db, req->arena, today, today + 90, &cal);
        if (st != EG_OK) {
            eg_ins_reply_failure(req, st);
            return;
        }
        t.m.has_decision_due = 1;
        t.m.decision_due = eg_ins_decision_due(&cal, today);
        break;
    }
    case EG_CLAIM_APPROVED:
        if (t.c.assessed_total_fen < 0) {
            eg_reply_error(req, EG_E_UNPROCESSABLE, "to", "The claim has not been assessed.");
            return;
        }
        break;
    case EG_CLAIM_PAID:
        t.m.payout_ref = eg_json_str(b, "payout_ref", "");
        break;
    default:
        break;
    }
    st = eg_db_tx(req->db, move_tx_run, &t);
    if (st == EG_E_CONFLICT) {
        eg_reply_error(req, EG_E_CONFLICT, NULL, "The claim changed meanwhile; reload it.");
        return;
    }
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    reply_detail(req, 200, t.c.id);
}

/* ---- assessment ------------------------------------------------------- */

struct assess_tx {
    struct eg_req *req;
    struct eg_ins_claim c;
    struct eg_ins_version v;
    struct eg_ins_item items[EG_INS_ITEM_COUNT];
    const char *reasons[EG_INS_ITEM_COUNT];
    size_t n;
    int64_t total;
    int64_t payout;
    const char *capped_by;
    const char *note;
    int overrides;
};

static enum eg_status assess_tx_run(struct eg_db *db, void *arg)
{
    struct assess_tx *t = arg;
    struct eg_audit_ctx ctx;
    enum eg_ins_cap cap;
    int64_t used = 0;
    char id[24], summary[240];
    enum eg_status st =
        eg_ins_claim_paid_in_year(db, t->c.person_id, t->c.incident_year, t->c.id, &used);

    if (st != EG_OK)
        return st;
    t->payout = eg_ins_apply_caps(t->total, t->v.max_payout_fen, used, &cap);
    t->capped_by = eg_ins_cap_name(cap);
    struct eg_ins_round_new r = {.items = t->items,
                                 .override_reasons = t->reasons,
                                 .n = t->n,
                                 .total_fen = t->total,
                                 .payout_fen = t->payout,
                                 .capped_by = t->capped_by,
                                 .by = t->req->who.login,
                                 .role = eg_role_name(t->req->who.role),
                                 .note = t->note,
                                 .now = eg_now()};
    st = eg_ins_claim_assess(db, &t->c, &r);
    if (st != EG_OK)
        return st;
    eg_ins_audit_ctx(t->req, &ctx);
    snprintf(id, sizeof id, "%lld", (long long)t->c.id);
    snprintf(summary, sizeof summary,
             "{\"round\":%d,\"items\":%zu,\"total_fen\":%lld,\"payout_fen\":%lld,"
             "\"capped_by\":\"%s\",\"overrides\":%d,\"version_id\":%lld}",
             t->c.assessment_round + 1, t->n, (long long)t->total, (long long)t->payout,
             t->capped_by, t->overrides, (long long)t->v.id);
    return eg_audit_append(db, &ctx, "insurance.claim.assess", "claim", id, summary);
}

/*
 * Every item is checked and computed before anything is written: the
 * inputs its kind needs, at most one item of each kind, and a reason with
 * every override. The schedule is the product version in force on the
 * incident date (recorded on the claim when it was reported).
 */
void eg_ins_api_claim_assess(struct eg_req *req)
{
    struct assess_tx t;
    json_t *items = json_object_get(req->body, "items");
    char path[48];
    unsigned seen = 0;
    enum eg_status st;

    memset(&t, 0, sizeof t);
    t.req = req;
    st = eg_ins_claim_load(req, EG_INS_STAFF, &t.c);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    if (t.c.state != EG_CLAIM_ACCEPTED && t.c.state != EG_CLAIM_ASSESSED) {
        eg_reply_error(req, EG_E_ILLEGAL_TRANSITION, NULL,
                       "Only an accepted or assessed claim can be assessed; this one is %s.",
                       eg_claim_state_name(t.c.state));
        return;
    }
    st = eg_ins_version_get(req->db, t.c.version_id, &t.v);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    t.n = json_array_size(items);
    if (t.n == 0) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "items", "List at least one benefit item.");
        return;
    }
    for (size_t i = 0; i < t.n; i++) {
        json_t *o = json_array_get(items, i);
        struct eg_ins_item *it = &t.items[i];
        const char *need = NULL;

        it->kind = eg_ins_item_parse(eg_json_str(o, "kind", ""));
        if (seen & (1u << it->kind)) {
            snprintf(path, sizeof path, "items[%zu].kind", i);
            eg_reply_error(req, EG_E_INVALID_FIELD, path, "Each kind of benefit may appear once.");
            return;
        }
        seen |= 1u << it->kind;
        if (it->kind == EG_INS_ITEM_DISABILITY && json_object_get(o, "grade") == NULL)
            need = "grade";
        if (it->kind == EG_INS_ITEM_MEDICAL && json_object_get(o, "costs_fen") == NULL)
            need = "costs_fen";
        if (it->kind == EG_INS_ITEM_HOSPITAL && json_object_get(o, "days") == NULL)
            need = "days";
        if (need != NULL) {
            snprintf(path, sizeof path, "items[%zu].%s", i, need);
            eg_reply_error(req, EG_E_MISSING_FIELD, path, "A %s item needs %s.",
                           eg_ins_item_name(it->kind), need);
            return;
        }
        it->grade = (int)eg_json_int(o, "grade", 0);
        it->costs_fen = eg_json_int(o, "costs_fen", 0);
        it->days = eg_json_int(o, "days", 0);
        it->has_override = json_object_get(o, "override_fen") != NULL &&
                           !json_is_null(json_object_get(o, "override_fen"));
        it->override_fen = eg_json_int(o, "override_fen", 0);
        t.reasons[i] = eg_json_str(o, "override_reason", NULL);
        if (it->has_override && (t.reasons[i] == NULL || t.reasons[i][0] == '\0')) {
            snprintf(path, sizeof path, "items[%zu].override_reason", i);
            eg_reply_error(req, EG_E_MISSING_FIELD, path, "An override needs a reason.");
            return;
        }
        if (!it->has_override && t.reasons[i] != NULL) {
            snprintf(path, sizeof path, "items[%zu].override_reason", i);
            eg_reply_error(req, EG_E_INVALID_FIELD, path,
                           "A reason is given only with override_fen.");
            return;
        }
        if (eg_ins_item_assess(&t.v, it) != EG_OK) {
            snprintf(path, sizeof path, "items[%zu]", i);
            eg_reply_error(req, EG_E_INVALID_FIELD, path, "The item's inputs are out of range.");
            return;
        }
        t.overrides += it->has_override;
        if (eg_money_add(t.total, it->final_fen, &t.total) != EG_OK) {
            eg_reply_error(req, EG_E_INVALID_FIELD, "items", "The total is out of range.");
            return;
        }
    }
    t.note = eg_json_str(req->body, "note", "");
    st = eg_db_tx(req->db, assess_tx_run, &t);
    if (st == EG_E_CONFLICT) {
        eg_reply_error(req, EG_E_CONFLICT, NULL, "The claim changed meanwhile; reload it.");
        return;
    }
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    reply_detail(req, 200, t.c.id);
}
