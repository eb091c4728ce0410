/*
 * api_ratings.c — the applicant's evaluation (评议) of a finished case,
 * once, and the roll-up of ratings per handling department.
 */
#include "cases/api.h"

#include <string.h>

#include "db/db.h"

const struct eg_field eg_cases_spec_rating[] = {
    EG_FIELD("speed", EG_FT_INT, .flags = EG_F_REQUIRED, .min = 1, .max = 5),
    EG_FIELD("attitude", EG_FT_INT, .flags = EG_F_REQUIRED, .min = 1, .max = 5),
    EG_FIELD("result", EG_FT_INT, .flags = EG_F_REQUIRED, .min = 1, .max = 5),
    EG_FIELD("comment", EG_FT_STRING, .max_len = 1000),
    EG_FIELD(NULL, 0),
};

struct op {
    struct eg_req *req;
    int64_t id;
    struct eg_case_rating r;
    struct eg_cases_err err;
};

/* A rating as JSON. */
static json_t *rating_json(const struct eg_case_rating *r)
{
    return json_pack("{s:I, s:i, s:i, s:i, s:s, s:o}", "case_id", (json_int_t)r->case_id, "speed",
                     r->speed, "attitude", r->attitude, "result", r->result, "comment", r->comment,
                     "created_at", eg_cases_instant(r->created_at));
}

/* The applicant rates a finished case once (rules.c decides). */
static enum eg_status rating_tx(struct eg_db *db, void *p)
{
    struct op *o = p;
    struct eg_req *req = o->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    const char *field = NULL;
    enum eg_status rc;

    memset(&o->err, 0, sizeof o->err);
    rc = eg_cases_load(req, db, o->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    rc = eg_case_check_rating(&actor, rec.state, rec.rated, o->r.speed, o->r.attitude, o->r.result,
                              &field);
    if (rc == EG_E_CONFLICT && rec.rated)
        return eg_cases_fail(&o->err, rc, NULL,
                             "The case has been rated already; a case is rated once.");
    if (rc == EG_E_CONFLICT)
        return eg_cases_fail(&o->err, rc, NULL,
                             "A case is rated once it is closed; this one is %s.", rec.state_name);
    if (rc != EG_OK)
        return eg_cases_fail(&o->err, rc, field,
                             rc == EG_E_FORBIDDEN ? "Only the applicant rates a case."
                                                  : "Scores are from 1 to 5.");
    o->r.case_id = rec.id;
    o->r.department_id = rec.dept.id;
    rc = eg_case_store_rating_add(db, &o->r);
    if (rc == EG_E_DUPLICATE)
        return eg_cases_fail(&o->err, EG_E_CONFLICT, NULL,
                             "The case has been rated already; a case is rated once.");
    if (rc == EG_OK)
        rc = eg_cases_record(db, req, &rec, "rating", NULL, NULL,
                             json_pack("{s:i, s:i, s:i, s:s}", "speed", o->r.speed, "attitude",
                                       o->r.attitude, "result", o->r.result, "department",
                                       rec.dept.code));
    return rc;
}

/* POST …/rating. */
void eg_cases_api_rating_create(struct eg_req *req)
{
    struct op o;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    o.r.speed = (int)eg_json_int(req->body, "speed", 0);
    o.r.attitude = (int)eg_json_int(req->body, "attitude", 0);
    o.r.result = (int)eg_json_int(req->body, "result", 0);
    o.r.comment = eg_json_str(req->body, "comment", "");
    o.r.created_at = eg_now();
    rc = eg_cases_path_id(req, &o.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, rating_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    eg_reply_json(req, 201, rating_json(&o.r));
}

/* GET …/rating. */
void eg_cases_api_rating_get(struct eg_req *req)
{
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_rating r;
    int64_t id;
    enum eg_status rc;

    rc = eg_cases_path_id(req, &id);
    if (rc == EG_OK)
        rc = eg_cases_load(req, req->db, id, &rec, &actor);
    if (rc == EG_OK)
        rc = eg_case_store_rating_get(req->db, req->arena, id, &r);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, rc == EG_E_NOT_FOUND ? "No such case or rating." : NULL);
        return;
    }
    eg_reply_json(req, 200, rating_json(&r));
}

/* An average of sum over n, rounded to two decimals (scores are small integers). */
static json_t *avg(int64_t sum, int64_t n)
{
    if (n == 0)
        return json_null();
    return json_real((double)((sum * 100 + n / 2) / n) / 100.0);
}

/* GET /api/v1/ratings/departments: averages per handling department. */
void eg_cases_api_ratings_departments(struct eg_req *req)
{
    struct eg_case_rating_rollup *rows = NULL;
    size_t n = 0;
    enum eg_status rc;
    json_t *items;

    rc = eg_case_store_rating_rollup(req->db, req->arena, &rows, &n);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    items = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct eg_case_rating_rollup *r = &rows[i];

        json_array_append_new(
            items,
            json_pack("{s:{s:I, s:s, s:s}, s:I, s:o, s:o, s:o, s:o}", "department", "id",
                      (json_int_t)r->department_id, "code", r->code, "name", r->name, "ratings",
                      (json_int_t)r->count, "speed_avg", avg(r->speed_sum, r->count),
                      "attitude_avg", avg(r->attitude_sum, r->count), "result_avg",
                      avg(r->result_sum, r->count), "overall_avg",
                      avg(r->speed_sum + r->attitude_sum + r->result_sum, 3 * r->count)));
    }
    eg_reply_json(req, 200, json_pack("{s:o}", "items", items));
}
