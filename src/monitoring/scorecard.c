/*
 * scorecard.c — Fairwork-style platform scorecards: the five principles
 * (pay, conditions, contracts, management, representation), a basic and an
 * advanced point each, decided by data where data decides (calc.c) and by
 * staff-entered evidence otherwise.
 *
 *   POST/GET /api/v1/platforms/{id}/scorecard/evidence
 *   GET      /api/v1/platforms/{id}/scorecards         the history
 *   POST     /api/v1/platforms/{id}/scorecards         compute one now
 */
#include "monitoring/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authz.h"
#include "db/db.h"

static const char *const basis_names[] = {"none", "data", "evidence"};

/* The evidence in force for each point over [from, to]: the latest entry
 * that took effect by `to` and had not lapsed before `from`. */
static enum eg_status load_evidence(struct eg_db *db, int64_t platform_id, eg_day from, eg_day to,
                                    enum eg_mon_evidence ev[EG_MON_PRINCIPLES][2])
{
    char f[11], t[11];
    struct eg_stmt *st = NULL;
    eg_date_format(from, f);
    eg_date_format(to, t);
    memset(ev, 0, sizeof(enum eg_mon_evidence) * EG_MON_PRINCIPLES * 2);
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT principle, point, met FROM mon_scorecard_evidence "
                                    "WHERE platform_id = ? AND effective_on <= ? AND (expires_on "
                                    "IS NULL OR expires_on >= ?) ORDER BY id",
                                    "itt", platform_id, t, f);
    while (eg_db_next(st, &rc)) {
        int pr = eg_mon_principle_parse(eg_stmt_text(st, 0));
        int pt = strcmp(eg_stmt_text(st, 1), "advanced") == 0;
        if (pr >= 0)
            ev[pr][pt] = eg_stmt_i64(st, 2) ? EG_MON_EV_MET : EG_MON_EV_NOT_MET;
    }
    eg_stmt_done(st);
    return rc;
}

static json_t *share(int64_t num, int64_t den)
{
    return den > 0 ? eg_mon_value_json((double)num / (double)den, 1) : json_null();
}

enum eg_status eg_mon_scorecard_store(struct eg_db *db, const struct eg_mon_params *p,
                                      int64_t platform_id, eg_day from, eg_day to,
                                      const char *actor, json_t **out)
{
    struct eg_mon_filter f;
    struct eg_mon_scorecard_in in;
    struct eg_mon_scorecard sc;
    struct eg_mon_agg *agg = calloc(1, sizeof *agg);
    char dfrom[11], dto[11];
    int64_t channel = 0;
    enum eg_status rc;
    if (out)
        *out = NULL;
    if (!agg)
        return EG_E_INTERNAL;
    memset(&f, 0, sizeof f);
    f.scope = EG_MON_SCOPE_PLATFORM;
    f.platform_id = platform_id;
    memset(&in, 0, sizeof in);
    rc = eg_mon_daily_sum(db, &f, from, to, 1, agg);
    if (rc == EG_OK)
        rc = eg_db_one_i64(db, &channel,
                           "SELECT COUNT(*) FROM mon_platforms WHERE organisation_id = ? AND "
                           "appeal_channel <> ''",
                           "i", platform_id);
    if (rc == EG_OK)
        rc = load_evidence(db, platform_id, from, to, in.evidence);
    if (rc != EG_OK) {
        free(agg);
        return rc;
    }
    in.agg = agg;
    in.params = p;
    in.appeal_channel_declared = channel > 0;
    eg_mon_scorecard_compute(&in, &sc);

    json_t *points = json_array();
    for (int i = 0; i < EG_MON_PRINCIPLES; i++)
        for (int k = 0; k < 2; k++)
            json_array_append_new(
                points,
                json_pack("{s:s, s:s, s:b, s:s, s:s}", "principle", eg_mon_principle_names[i],
                          "point", k ? "advanced" : "basic", "met", sc.points[i][k].met, "basis",
                          basis_names[sc.points[i][k].basis], "detail", sc.points[i][k].detail));
    int defined = 0;
    int64_t median = eg_mon_hist_median(agg->hist, &defined);
    json_t *data =
        json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:b}", "worker_days",
                  (json_int_t)agg->worker_days, "paid_days", (json_int_t)agg->paid_days,
                  "below_min_wage_share", share(agg->low_pay_days, agg->paid_days),
                  "hourly_income_median_fen", defined ? json_integer(median) : json_null(),
                  "fatigue_share", share(agg->fatigue_days, agg->worker_days), "insurance_coverage",
                  share(agg->covered_days, agg->worker_days), "deactivations",
                  (json_int_t)agg->deactivations, "deactivation_appeal_channel_share",
                  share(agg->deactivations_with_channel, agg->deactivations),
                  "appeal_channel_declared", in.appeal_channel_declared);
    free(agg);
    json_t *detail = json_pack("{s:o, s:o}", "points", points, "data", data);
    char *text = json_dumps(detail, JSON_COMPACT);
    eg_date_format(from, dfrom);
    eg_date_format(to, dto);
    int64_t now = eg_now(), id = 0;
    struct eg_stmt *st = NULL;
    rc = text ? EG_OK : EG_E_INTERNAL;
    if (rc == EG_OK)
        rc = eg_db_query(db, &st,
                         "INSERT INTO mon_scorecards (platform_id, period_from, period_to, score, "
                         "detail, computed_by, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON "
                         "CONFLICT (platform_id, period_from, period_to) DO UPDATE SET score = "
                         "excluded.score, detail = excluded.detail, computed_by = "
                         "excluded.computed_by, computed_at = excluded.computed_at RETURNING id",
                         "ittitti", platform_id, dfrom, dto, (int64_t)sc.score, text, actor, now);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    free(text);
    if (rc == EG_DONE)
        rc = EG_OK;
    else if (rc == EG_OK)
        rc = EG_E_DB;
    if (rc == EG_OK)
        rc = eg_mon_audit_json(db, NULL, "scorecard.compute", "scorecard", id,
                               json_pack("{s:I, s:s, s:s, s:i}", "platform_id",
                                         (json_int_t)platform_id, "from", dfrom, "to", dto, "score",
                                         sc.score));
    if (rc == EG_OK && out) {
        *out = json_pack("{s:I, s:I, s:s, s:s, s:i, s:o, s:o, s:s, s:o}", "id", (json_int_t)id,
                         "platform_id", (json_int_t)platform_id, "period_from", dfrom, "period_to",
                         dto, "score", sc.score, "points",
                         json_incref(json_object_get(detail, "points")), "data",
                         json_incref(json_object_get(detail, "data")), "computed_by", actor,
                         "computed_at", eg_mon_instant_json(now));
    }
    json_decref(detail);
    return rc;
}

/* ------------------------------------------------------------ the API */

/* The platform of the path, checked against the caller (a platform sees itself only). */
static enum eg_status path_platform(struct eg_req *req, int64_t *id)
{
    char sector[33];
    enum eg_status rc = eg_req_param_id(req, "id", id);
    if (rc != EG_OK)
        return rc;
    if (req->who.role == EG_ROLE_PLATFORM && req->who.organisation_id != *id)
        return EG_E_NOT_FOUND;
    rc = eg_mon_platform_sector(req->db, *id, sector);
    if (rc == EG_E_NOT_FOUND) {
        int64_t n = 0;
        /* archived platforms keep their history */
        rc = eg_db_one_i64(req->db, &n,
                           "SELECT COUNT(*) FROM organisations WHERE id = ? AND kind = 'platform'",
                           "i", *id);
        if (rc == EG_OK && n == 0)
            rc = EG_E_NOT_FOUND;
    }
    return rc;
}

static json_t *evidence_json(struct eg_stmt *st)
{
    json_t *o = json_pack(
        "{s:I, s:I, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)eg_stmt_i64(st, 0),
        "platform_id", (json_int_t)eg_stmt_i64(st, 1), "principle", eg_stmt_text(st, 2), "point",
        eg_stmt_text(st, 3), "met", (int)eg_stmt_i64(st, 4), "note", eg_stmt_text(st, 5), "source",
        eg_stmt_text(st, 6), "effective_on", eg_stmt_text(st, 7), "recorded_by",
        eg_stmt_text(st, 9), "created_at", eg_mon_instant_json(eg_stmt_i64(st, 10)));
    json_object_set_new(o, "expires_on",
                        eg_stmt_is_null(st, 8) ? json_null() : json_string(eg_stmt_text(st, 8)));
    return o;
}

#define EVIDENCE_COLS                                                                              \
    "id, platform_id, principle, point, met, note, source, effective_on, expires_on, "             \
    "recorded_by, created_at FROM mon_scorecard_evidence"

struct evidence_tx {
    const struct eg_audit_ctx *ctx;
    const json_t *body;
    int64_t platform_id, id;
    const char *effective, *expires;
};

static enum eg_status evidence_tx_fn(struct eg_db *db, void *p)
{
    struct evidence_tx *t = p;
    const json_t *b = t->body;
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(
        db, &st,
        "INSERT INTO mon_scorecard_evidence (platform_id, principle, point, met, note, source, "
        "effective_on, expires_on, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        "ittitttt"
        "ti",
        t->platform_id, eg_json_str(b, "principle", ""), eg_json_str(b, "point", ""),
        (int64_t)eg_json_bool(b, "met", 0), eg_json_str(b, "note", ""),
        eg_json_str(b, "source", ""), t->effective, t->expires,
        t->ctx->who ? t->ctx->who->login : "system", eg_now());
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        t->id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    return eg_mon_audit_json(
        db, t->ctx, "scorecard.evidence", "organisation", t->platform_id,
        json_pack("{s:s, s:s, s:b}", "principle", eg_json_str(b, "principle", ""), "point",
                  eg_json_str(b, "point", ""), "met", eg_json_bool(b, "met", 0)));
}

void eg_mon_api_evidence_create(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    struct evidence_tx t = {&ctx, req->body, 0, 0, NULL, NULL};
    enum eg_status rc = path_platform(req, &t.platform_id);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    const char *note = eg_json_str(req->body, "note", "");
    const char *source = eg_json_str(req->body, "source", "");
    if (!eg_mon_text_ok(note, 1000)) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "note",
                       "note must be 1 to 1000 characters without control characters");
        return;
    }
    if (*source && !eg_mon_text_ok(source, 500)) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "source",
                       "source must be at most 500 characters without control characters");
        return;
    }
    char today[11];
    eg_date_format(eg_mon_today(), today);
    t.effective = eg_json_str(req->body, "effective_on", today);
    t.expires = eg_json_str(req->body, "expires_on", NULL);
    if (t.expires && strcmp(t.expires, t.effective) < 0) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "expires_on",
                       "expires_on must not be before effective_on");
        return;
    }
    rc = eg_db_tx(req->db, evidence_tx_fn, &t);
    struct eg_stmt *st = NULL;
    if (rc == EG_OK)
        rc = eg_db_query(req->db, &st, "SELECT " EVIDENCE_COLS " WHERE id = ?", "i", t.id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW)
        eg_reply_json(req, 201, evidence_json(st));
    else
        eg_reply_error(req, rc == EG_DONE ? EG_E_NOT_FOUND : rc, NULL, NULL);
    eg_stmt_done(st);
}

void eg_mon_api_evidence_list(struct eg_req *req)
{
    int64_t id = 0;
    enum eg_status rc = path_platform(req, &id);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    if (eg_mon_wants_xlsx(req) < 0)
        return;
    struct eg_stmt *st = NULL;
    json_t *items = json_array();
    rc = eg_db_query(req->db, &st,
                     "SELECT " EVIDENCE_COLS " WHERE platform_id = ? ORDER BY id DESC", "i", id);
    while (eg_db_next(st, &rc)) {
        json_array_append_new(items, evidence_json(st));
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_mon_reply_list(req, items, 0, "scorecard-evidence");
}

void eg_mon_api_scorecards_list(struct eg_req *req)
{
    int64_t id = 0, limit, cursor;
    enum eg_status rc = path_platform(req, &id);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    if (eg_mon_page_args(req, &limit, &cursor) != EG_OK || eg_mon_wants_xlsx(req) < 0)
        return;
    struct eg_stmt *st = NULL;
    json_t *items = json_array();
    int64_t n = 0, last = 0, more = 0;
    rc = eg_db_query(req->db, &st,
                     "SELECT id, period_from, period_to, score, detail, computed_by, computed_at "
                     "FROM mon_scorecards WHERE platform_id = ? AND (? = 0 OR id < ?) ORDER BY "
                     "id DESC LIMIT ?",
                     "iiii", id, cursor, cursor, limit + 1);
    while (eg_db_next(st, &rc)) {
        if (n == limit) {
            more = 1;
            continue;
        }
        last = eg_stmt_i64(st, 0);
        json_t *detail = json_loads(eg_stmt_text(st, 4), 0, NULL);
        json_t *o =
            json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:o}", "id", (json_int_t)last, "platform_id",
                      (json_int_t)id, "period_from", eg_stmt_text(st, 1), "period_to",
                      eg_stmt_text(st, 2), "score", (json_int_t)eg_stmt_i64(st, 3), "computed_by",
                      eg_stmt_text(st, 5), "computed_at", eg_mon_instant_json(eg_stmt_i64(st, 6)));
        json_object_set(o, "points", detail ? json_object_get(detail, "points") : json_null());
        json_object_set(o, "data", detail ? json_object_get(detail, "data") : json_null());
        json_decref(detail);
        json_array_append_new(items, o);
        n++;
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_mon_reply_list(req, items, more ? last : 0, "scorecards");
}

struct compute_tx {
    const struct eg_mon_params *p;
    int64_t platform_id;
    eg_day from, to;
    const char *actor;
    json_t *out;
};

static enum eg_status compute_tx_fn(struct eg_db *db, void *ctx)
{
    struct compute_tx *c = ctx;
    json_decref(c->out);
    c->out = NULL;
    return eg_mon_scorecard_store(db, c->p, c->platform_id, c->from, c->to, c->actor, &c->out);
}

static const struct eg_field range_spec[] = {
    EG_FIELD("from", EG_FT_DATE, .flags = EG_F_NULLABLE),
    EG_FIELD("to", EG_FT_DATE, .flags = EG_F_NULLABLE),
    {0},
};

void eg_mon_api_scorecards_compute(struct eg_req *req)
{
    struct eg_mon_params p;
    if (eg_mon_optional_body(req, range_spec) != EG_OK)
        return;
    struct compute_tx c = {&p, 0, 0, 0, req->who.login, NULL};
    enum eg_status rc = path_platform(req, &c.platform_id);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_day latest = 0;
    if (eg_mon_latest_day(req->db, &latest) != EG_OK || latest == 0)
        latest = eg_mon_today();
    c.to = latest;
    const char *s = eg_json_str(req->body, "to", NULL);
    if (s)
        eg_date_parse(s, &c.to);
    c.from = c.to - 29;
    s = eg_json_str(req->body, "from", NULL);
    if (s)
        eg_date_parse(s, &c.from);
    if (c.from > c.to || c.to - c.from > 366 || c.to > eg_mon_today()) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "from",
                       "the period is at most 367 days, in order, and not in the future");
        return;
    }
    eg_mon_params_of(req->config, &p);
    rc = eg_db_tx(req->db, compute_tx_fn, &c);
    if (rc != EG_OK) {
        json_decref(c.out);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 201, c.out);
}
