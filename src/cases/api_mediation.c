/*
 * api_mediation.c — mediation sessions (time, place or online, participants,
 * minutes) and the respondent's answers to a case.
 */
#include "cases/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

static const char *const session_modes[] = {"in_person", "online", NULL};

static const struct eg_field participant_item =
    EG_FIELD("", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 100);

const struct eg_field eg_cases_spec_session[] = {
    EG_FIELD("starts_at", EG_FT_INSTANT, .flags = EG_F_REQUIRED),
    EG_FIELD("mode", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = session_modes),
    EG_FIELD("place", EG_FT_STRING, .max_len = 200),
    EG_FIELD("place_id", EG_FT_INT, .min = 1, .max = INT64_MAX),
    EG_FIELD("participants", EG_FT_ARRAY, .max_len = 30, .item = &participant_item),
    EG_FIELD("minutes", EG_FT_STRING, .max_len = 20000),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_cases_spec_session_update[] = {
    EG_FIELD("participants", EG_FT_ARRAY, .max_len = 30, .item = &participant_item),
    EG_FIELD("minutes", EG_FT_STRING, .max_len = 20000),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_cases_spec_response[] = {
    EG_FIELD("body", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 20000),
    EG_FIELD("proposal_fen", EG_FT_MONEY),
    EG_FIELD(NULL, 0),
};

struct op {
    struct eg_req *req;
    int64_t id, sub_id;
    struct eg_cases_err err;
};

/* A session as JSON. */
static json_t *session_json(const struct eg_case_session *s)
{
    json_error_t jerr;
    json_t *parts = json_loads(s->participants_json, 0, &jerr);

    return json_pack("{s:I, s:o, s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:o}", "id", (json_int_t)s->id,
                     "starts_at", eg_cases_instant(s->starts_at), "mode", s->mode, "place",
                     s->place, "place_id", s->place_id ? json_integer(s->place_id) : json_null(),
                     "participants", parts ? parts : json_array(), "minutes", s->minutes,
                     "recorded_by", s->created_by, "created_at", eg_cases_instant(s->created_at),
                     "updated_at", eg_cases_instant(s->updated_at));
}

/* The participants array of the body as JSON text (NULL when absent). */
static char *participants_text(struct eg_req *req)
{
    const json_t *p = json_object_get(req->body, "participants");
    char *s, *copy;

    if (p == NULL || json_is_null(p))
        return NULL;
    s = json_dumps(p, JSON_COMPACT);
    if (s == NULL)
        return NULL;
    copy = eg_arena_strdup(req->arena, s);
    free(s);
    return copy;
}

/* Record a session while the case is accepted or mediating. */
static enum eg_status session_add_tx(struct eg_db *db, void *p)
{
    struct op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_session s;
    const char *parts = participants_text(req);
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    if (rec.state != EG_CASE_ACCEPTED && rec.state != EG_CASE_MEDIATING)
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL,
                             "Sessions are held while a case is accepted or mediating; this one "
                             "is %s.",
                             rec.state_name);
    memset(&s, 0, sizeof s);
    s.case_id = rec.id;
    if (eg_instant_parse(eg_json_str(req->body, "starts_at", ""), &s.starts_at) != EG_OK)
        return eg_cases_fail(&o->err, EG_E_INVALID_FIELD, "starts_at", "starts_at is not valid.");
    s.mode = eg_json_str(req->body, "mode", "in_person");
    s.place = eg_json_str(req->body, "place", "");
    s.place_id = eg_json_int(req->body, "place_id", 0);
    if (strcmp(s.mode, "in_person") == 0 && s.place[0] == '\0' && s.place_id == 0)
        return eg_cases_fail(&o->err, EG_E_MISSING_FIELD, "place",
                             "Say where an in-person session takes place.");
    s.participants_json = parts ? parts : "[]";
    s.minutes = eg_json_str(req->body, "minutes", "");
    s.created_by = eg_case_actor_name(&req->who);
    s.created_at = eg_now();
    rc = eg_case_store_session_add(db, &s, &o->sub_id);
    if (rc == EG_OK)
        rc = eg_cases_record(db, req, &rec, "session", NULL, NULL,
                             json_pack("{s:I, s:s, s:o}", "session_id", (json_int_t)o->sub_id,
                                       "mode", s.mode, "starts_at", eg_cases_instant(s.starts_at)));
    return rc;
}

/* Reply with one session. */
static void reply_session(struct eg_req *req, int64_t case_id, int64_t id, int status)
{
    struct eg_case_session s;
    enum eg_status rc = eg_case_store_session_get(req->db, req->arena, case_id, id, &s);

    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, status, session_json(&s));
}

/* POST …/sessions. */
void eg_cases_api_sessions_create(struct eg_req *req)
{
    struct op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, session_add_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_session(req, o.id, o.sub_id, 201);
}

/* Replace a session's minutes and/or participants. */
static enum eg_status session_update_tx(struct eg_db *db, void *p)
{
    struct op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    const char *minutes = eg_json_str(req->body, "minutes", NULL);
    const char *parts = participants_text(req);
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    if (eg_case_state_is_terminal(rec.state))
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL, "The case is %s.", rec.state_name);
    if (minutes == NULL && parts == NULL)
        return eg_cases_fail(&o->err, EG_E_MISSING_FIELD, "minutes",
                             "Send minutes and/or participants.");
    rc = eg_case_store_session_update(db, rec.id, o->sub_id, minutes, parts, eg_now());
    if (rc == EG_OK)
        rc = eg_cases_record(db, req, &rec, "session_updated", NULL, NULL,
                             json_pack("{s:I, s:b, s:b}", "session_id", (json_int_t)o->sub_id,
                                       "minutes", minutes != NULL, "participants", parts != NULL));
    return rc;
}

/* PATCH …/sessions/{sid}. */
void eg_cases_api_sessions_update(struct eg_req *req)
{
    struct op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_req_param_id(req, "sid", &o.sub_id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, session_update_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_session(req, o.id, o.sub_id, 200);
}

/* GET …/sessions. */
void eg_cases_api_sessions_list(struct eg_req *req)
{
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_session *rows = NULL;
    size_t n = 0;
    int64_t id;
    enum eg_status rc;
    json_t *items;

    rc = eg_cases_path_id(req, &id);
    if (rc == EG_OK)
        rc = eg_cases_load(req, req->db, id, &rec, &actor);
    if (rc == EG_OK)
        rc = eg_case_store_session_list(req->db, req->arena, id, &rows, &n);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, session_json(&rows[i]));
    eg_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

/* ---- responses ------------------------------------------------------------------ */

static json_t *response_json(const struct eg_case_response *r)
{
    return json_pack(
        "{s:I, s:s, s:o, s:s, s:s, s:o}", "id", (json_int_t)r->id, "body", r->body, "proposal_fen",
        r->proposal_fen >= 0 ? json_integer(r->proposal_fen) : json_null(), "author", r->author,
        "author_role", r->author_role, "created_at", eg_cases_instant(r->created_at));
}

struct resp_op {
    struct eg_req *req;
    int64_t id;
    struct eg_case_response r;
    struct eg_cases_err err;
};

/* Record the respondent's answer while the case is open. */
static enum eg_status response_tx(struct eg_db *db, void *p)
{
    struct resp_op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    if (!eg_case_state_is_open(rec.state))
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL,
                             "The case is %s; it takes no more answers.", rec.state_name);
    o->r.case_id = rec.id;
    rc = eg_case_store_response_add(db, &o->r, &o->r.id);
    if (rc == EG_OK)
        rc = eg_cases_record(
            db, req, &rec, "response", NULL, NULL,
            json_pack("{s:I, s:s, s:o}", "response_id", (json_int_t)o->r.id, "author_role",
                      o->r.author_role, "proposal_fen",
                      o->r.proposal_fen >= 0 ? json_integer(o->r.proposal_fen) : json_null()));
    return rc;
}

/* POST …/responses. */
void eg_cases_api_responses_create(struct eg_req *req)
{
    struct resp_op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    o.r.body = eg_json_str(req->body, "body", "");
    o.r.proposal_fen = json_object_get(req->body, "proposal_fen") &&
                               !json_is_null(json_object_get(req->body, "proposal_fen"))
                           ? eg_json_int(req->body, "proposal_fen", 0)
                           : -1;
    o.r.author = eg_case_actor_name(&req->who);
    o.r.author_role = eg_role_name(req->who.role);
    o.r.created_at = eg_now();
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, response_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    eg_reply_json(req, 201, response_json(&o.r));
}

/* GET …/responses. */
void eg_cases_api_responses_list(struct eg_req *req)
{
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_response *rows = NULL;
    size_t n = 0;
    int64_t id;
    enum eg_status rc;
    json_t *items;

    rc = eg_cases_path_id(req, &id);
    if (rc == EG_OK)
        rc = eg_cases_load(req, req->db, id, &rec, &actor);
    if (rc == EG_OK)
        rc = eg_case_store_response_list(req->db, req->arena, id, &rows, &n);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, response_json(&rows[i]));
    eg_reply_json(req, 200, json_pack("{s:o}", "items", items));
}
