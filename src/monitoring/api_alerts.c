/*
 * api_alerts.c — /api/v1/alert-rules (admin CRUD; analysts and supervisors
 * read) and /api/v1/alerts (list, one with its history, acknowledge,
 * silence, evaluate now).
 *
 * Alerts are seen by analysts, supervisors and administrators, and by the
 * mediators of the notified department (or a department above it, for
 * staff whose scope reaches below); anyone else asking for one gets 404.
 */
#include "monitoring/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/accounts.h"
#include "auth/authz.h"
#include "db/db.h"

#define THRESHOLD_MAX 1e12

static const char *const level_names[] = {"blue", "yellow", "orange", "red", NULL};

/* ------------------------------------------------------------- rules */

#define RULE_SELECT                                                                                \
    "SELECT r.id, r.name, r.indicator, r.scope, r.scope_id, r.mode, r.op, r.threshold_e4, "        \
    "r.window_days, r.pending_periods, r.level, r.department_id, d.code, d.name, r.enabled, "      \
    "r.builtin, r.created_by, r.created_at, r.updated_at FROM mon_alert_rules r JOIN "             \
    "departments d ON d.id = r.department_id"

static json_t *rule_json(struct eg_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(eg_stmt_i64(st, 0)));
    json_object_set_new(o, "name", json_string(eg_stmt_text(st, 1)));
    json_object_set_new(o, "indicator", json_string(eg_stmt_text(st, 2)));
    json_object_set_new(o, "scope", json_string(eg_stmt_text(st, 3)));
    json_object_set_new(o, "scope_id", json_string(eg_stmt_text(st, 4)));
    json_object_set_new(o, "mode", json_string(eg_stmt_text(st, 5)));
    json_object_set_new(o, "op", json_string(eg_stmt_text(st, 6)));
    json_object_set_new(o, "threshold", eg_mon_value_json((double)eg_stmt_i64(st, 7) / 1e4, 1));
    json_object_set_new(o, "window_days", json_integer(eg_stmt_i64(st, 8)));
    json_object_set_new(o, "pending_periods", json_integer(eg_stmt_i64(st, 9)));
    json_object_set_new(o, "level", json_string(eg_stmt_text(st, 10)));
    json_object_set_new(o, "department",
                        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)eg_stmt_i64(st, 11), "code",
                                  eg_stmt_text(st, 12), "name", eg_stmt_text(st, 13)));
    json_object_set_new(o, "enabled", json_boolean(eg_stmt_i64(st, 14)));
    json_object_set_new(o, "builtin", json_boolean(eg_stmt_i64(st, 15)));
    json_object_set_new(o, "created_by", json_string(eg_stmt_text(st, 16)));
    json_object_set_new(o, "created_at", eg_mon_instant_json(eg_stmt_i64(st, 17)));
    json_object_set_new(o, "updated_at", eg_mon_instant_json(eg_stmt_i64(st, 18)));
    return o;
}

static enum eg_status rule_load(struct eg_db *db, int64_t id, json_t **out)
{
    struct eg_stmt *st = NULL;
    *out = NULL;
    enum eg_status rc =
        eg_db_query(db, &st, RULE_SELECT " WHERE r.id = ? AND r.deleted = 0", "i", id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *out = rule_json(st);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

void eg_mon_api_rules_list(struct eg_req *req)
{
    if (eg_mon_wants_xlsx(req) < 0)
        return;
    struct eg_stmt *st = NULL;
    json_t *items = json_array();
    enum eg_status rc =
        eg_db_query(req->db, &st, RULE_SELECT " WHERE r.deleted = 0 ORDER BY r.id", "");
    while (eg_db_next(st, &rc)) {
        json_array_append_new(items, rule_json(st));
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_mon_reply_list(req, items, 0, "alert-rules");
}

void eg_mon_api_rules_get(struct eg_req *req)
{
    int64_t id = 0;
    json_t *out = NULL;
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK)
        rc = rule_load(req->db, id, &out);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, out);
}

/* A rule's settings as given (create) or merged with the stored ones (patch). */
struct rule_in {
    const char *name, *indicator, *scope, *scope_id, *mode, *op, *level, *department;
    int64_t threshold_e4, window_days, pending_periods, department_id;
    int enabled;
    int builtin;
    const char *field; /* the bad field */
    const char *why;
};

/* Check a rule's settings as a whole. EG_OK or EG_E_INVALID_FIELD with in->field. */
static enum eg_status rule_check(struct eg_db *db, struct rule_in *in)
{
    int snapshot = 0;
    char path[128];
    if (!eg_mon_text_ok(in->name, 128)) {
        in->field = "name";
        in->why = "name must be 1 to 128 characters without control characters";
        return EG_E_INVALID_FIELD;
    }
    if (!eg_mon_rule_indicator_ok(in->indicator, &snapshot)) {
        in->field = "indicator";
        in->why = "indicator must be an indicator name (see GET /api/v1/dictionary/indicator) "
                  "or overdue_cases, open_cases, overdue_claims, open_claims";
        return EG_E_INVALID_FIELD;
    }
    int scope = eg_mon_scope_parse(in->scope);
    if (snapshot) {
        int cases = strstr(in->indicator, "cases") != NULL;
        if (strcmp(in->mode, "value") != 0) {
            in->field = "mode";
            in->why = "backlog indicators are compared by value";
            return EG_E_INVALID_FIELD;
        }
        if (scope != EG_MON_SCOPE_CITY && !(cases && scope == EG_MON_SCOPE_PLATFORM)) {
            in->field = "scope";
            in->why = "case backlogs are watched for the city or per platform, claim backlogs "
                      "for the city";
            return EG_E_INVALID_FIELD;
        }
    }
    in->field = "scope_id";
    if (scope == EG_MON_SCOPE_CITY && in->scope_id[0]) {
        in->why = "scope_id must be empty for the city";
        return EG_E_INVALID_FIELD;
    }
    if (scope == EG_MON_SCOPE_PLATFORM && in->scope_id[0]) {
        char *end = NULL, sector[33];
        long long pid = strtoll(in->scope_id, &end, 10);
        if (*end || pid <= 0 || eg_mon_platform_sector(db, pid, sector) != EG_OK) {
            in->why = "scope_id must be the id of a platform";
            return EG_E_INVALID_FIELD;
        }
    }
    if (scope == EG_MON_SCOPE_SECTOR && in->scope_id[0] && !eg_mon_sector_known(db, in->scope_id)) {
        in->why = "scope_id must be a sector code";
        return EG_E_INVALID_FIELD;
    }
    if (scope == EG_MON_SCOPE_DISTRICT && in->scope_id[0]) {
        int64_t n = 0;
        if (eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM mon_districts WHERE code = ?", "t",
                          in->scope_id) != EG_OK ||
            n == 0) {
            in->why = "scope_id must be a district code";
            return EG_E_INVALID_FIELD;
        }
    }
    if (eg_department_by_code(db, in->department, &in->department_id, path) != EG_OK) {
        in->field = "department";
        in->why = "department must be the code of an existing department";
        return EG_E_INVALID_FIELD;
    }
    in->field = NULL;
    return EG_OK;
}

/* A JSON number as a threshold × 10^4. */
static int threshold_of(const json_t *v, int64_t *out)
{
    if (!json_is_number(v))
        return -1;
    double d = json_number_value(v);
    if (!isfinite(d) || fabs(d) > THRESHOLD_MAX)
        return -1;
    *out = eg_mon_e4(d);
    return 0;
}

struct rule_tx {
    const struct eg_audit_ctx *ctx;
    struct rule_in *in;
    int64_t id;
};

static enum eg_status rule_create_tx(struct eg_db *db, void *p)
{
    struct rule_tx *t = p;
    struct rule_in *in = t->in;
    enum eg_status rc = rule_check(db, in);
    if (rc != EG_OK)
        return rc;
    struct eg_stmt *st = NULL;
    int64_t now = eg_now();
    rc = eg_db_query(
        db, &st,
        "INSERT INTO mon_alert_rules (name, indicator, scope, scope_id, mode, op, threshold_e4, "
        "window_days, pending_periods, level, department_id, enabled, builtin, deleted, "
        "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, "
        "?, ?) RETURNING id",
        "ttttttiiitiitii", in->name, in->indicator, in->scope, in->scope_id, in->mode, in->op,
        in->threshold_e4, in->window_days, in->pending_periods, in->level, in->department_id,
        (int64_t)in->enabled, t->ctx->who ? t->ctx->who->login : "system", now, now);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        t->id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    return eg_mon_audit_json(db, t->ctx, "alert_rule.create", "alert_rule", t->id,
                             json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "name", in->name,
                                       "indicator", in->indicator, "scope", in->scope, "op", in->op,
                                       "level", in->level, "threshold_e4",
                                       (json_int_t)in->threshold_e4));
}

void eg_mon_api_rules_create(struct eg_req *req)
{
    struct rule_in in;
    memset(&in, 0, sizeof in);
    const json_t *b = req->body;
    in.name = eg_json_str(b, "name", "");
    in.indicator = eg_json_str(b, "indicator", "");
    in.scope = eg_json_str(b, "scope", "city");
    in.scope_id = eg_json_str(b, "scope_id", "");
    in.mode = eg_json_str(b, "mode", "value");
    in.op = eg_json_str(b, "op", "gt");
    in.level = eg_json_str(b, "level", "yellow");
    in.department = eg_json_str(b, "department", "");
    in.window_days = eg_json_int(b, "window_days", strcmp(in.mode, "pct_change") == 0 ? 7 : 1);
    in.pending_periods = eg_json_int(b, "pending_periods", 1);
    in.enabled = eg_json_bool(b, "enabled", 1);
    if (threshold_of(json_object_get(b, "threshold"), &in.threshold_e4) != 0) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "threshold",
                       "threshold must be a number within ±10^12");
        return;
    }
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    struct rule_tx t = {&ctx, &in, 0};
    enum eg_status rc = eg_db_tx(req->db, rule_create_tx, &t);
    json_t *out = NULL;
    if (rc == EG_OK)
        rc = rule_load(req->db, t.id, &out);
    if (rc != EG_OK) {
        eg_mon_reply_err(req, rc, in.field, in.field ? in.why : NULL);
        return;
    }
    eg_reply_json(req, 201, out);
}

struct rule_patch_tx {
    const struct eg_audit_ctx *ctx;
    const json_t *body;
    int64_t id;
    struct rule_in in;
    char name[129], indicator[49], scope[16], scope_id[33], mode[16], op[4], level[8],
        department[33];
};

static enum eg_status rule_patch_tx(struct eg_db *db, void *p)
{
    struct rule_patch_tx *t = p;
    struct rule_in *in = &t->in;
    const json_t *b = t->body;
    struct eg_stmt *st = NULL;
    memset(in, 0, sizeof *in);
    enum eg_status rc = eg_db_query(
        db, &st,
        "SELECT r.name, r.indicator, r.scope, r.scope_id, r.mode, r.op, r.threshold_e4, "
        "r.window_days, r.pending_periods, r.level, d.code, r.enabled, r.builtin FROM "
        "mon_alert_rules r JOIN departments d ON d.id = r.department_id WHERE r.id = ? AND "
        "r.deleted = 0",
        "i", t->id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        snprintf(t->name, sizeof t->name, "%s", eg_stmt_text(st, 0));
        snprintf(t->indicator, sizeof t->indicator, "%s", eg_stmt_text(st, 1));
        snprintf(t->scope, sizeof t->scope, "%s", eg_stmt_text(st, 2));
        snprintf(t->scope_id, sizeof t->scope_id, "%s", eg_stmt_text(st, 3));
        snprintf(t->mode, sizeof t->mode, "%s", eg_stmt_text(st, 4));
        snprintf(t->op, sizeof t->op, "%s", eg_stmt_text(st, 5));
        in->threshold_e4 = eg_stmt_i64(st, 6);
        in->window_days = eg_stmt_i64(st, 7);
        in->pending_periods = eg_stmt_i64(st, 8);
        snprintf(t->level, sizeof t->level, "%s", eg_stmt_text(st, 9));
        snprintf(t->department, sizeof t->department, "%s", eg_stmt_text(st, 10));
        in->enabled = eg_stmt_i64(st, 11) != 0;
        in->builtin = eg_stmt_i64(st, 12) != 0;
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    in->name = eg_json_str(b, "name", t->name);
    in->indicator = eg_json_str(b, "indicator", t->indicator);
    in->scope = eg_json_str(b, "scope", t->scope);
    in->scope_id = eg_json_str(b, "scope_id", t->scope_id);
    in->mode = eg_json_str(b, "mode", t->mode);
    in->op = eg_json_str(b, "op", t->op);
    in->level = eg_json_str(b, "level", t->level);
    in->department = eg_json_str(b, "department", t->department);
    in->window_days = eg_json_int(b, "window_days", in->window_days);
    in->pending_periods = eg_json_int(b, "pending_periods", in->pending_periods);
    in->enabled = eg_json_bool(b, "enabled", in->enabled);
    if (json_object_get(b, "threshold") &&
        threshold_of(json_object_get(b, "threshold"), &in->threshold_e4) != 0) {
        in->field = "threshold";
        in->why = "threshold must be a number within ±10^12";
        return EG_E_INVALID_FIELD;
    }
    if (in->builtin &&
        (strcmp(in->indicator, t->indicator) != 0 || strcmp(in->scope, t->scope) != 0)) {
        in->field = strcmp(in->indicator, t->indicator) != 0 ? "indicator" : "scope";
        in->why = "a built-in rule keeps its indicator and scope";
        return EG_E_INVALID_FIELD;
    }
    rc = rule_check(db, in);
    if (rc != EG_OK)
        return rc;
    rc = eg_db_run(db, NULL,
                   "UPDATE mon_alert_rules SET name = ?, indicator = ?, scope = ?, scope_id = ?, "
                   "mode = ?, op = ?, threshold_e4 = ?, window_days = ?, pending_periods = ?, "
                   "level = ?, department_id = ?, enabled = ?, updated_at = ? WHERE id = ?",
                   "ttttttiiitiiii", in->name, in->indicator, in->scope, in->scope_id, in->mode,
                   in->op, in->threshold_e4, in->window_days, in->pending_periods, in->level,
                   in->department_id, (int64_t)in->enabled, eg_now(), t->id);
    if (rc != EG_OK)
        return rc;
    json_t *sum = json_deep_copy(b);
    return eg_mon_audit_json(db, t->ctx, "alert_rule.update", "alert_rule", t->id, sum);
}

void eg_mon_api_rules_patch(struct eg_req *req)
{
    struct rule_patch_tx *t = eg_arena_alloc(req->arena, sizeof *t);
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    json_t *out = NULL;
    if (!t) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    t->ctx = &ctx;
    t->body = req->body;
    enum eg_status rc = eg_req_param_id(req, "id", &t->id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, rule_patch_tx, t);
    if (rc == EG_OK)
        rc = rule_load(req->db, t->id, &out);
    if (rc != EG_OK) {
        eg_mon_reply_err(req, rc, t->in.field, t->in.field ? t->in.why : NULL);
        return;
    }
    eg_reply_json(req, 200, out);
}

struct rule_delete_tx {
    const struct eg_audit_ctx *ctx;
    int64_t id;
};

/* Deleting a rule keeps it (its alerts' history names it) and resolves its open alerts. */
static enum eg_status rule_delete_tx(struct eg_db *db, void *p)
{
    struct rule_delete_tx *t = p;
    int64_t builtin = 0, now = eg_now();
    enum eg_status rc = eg_db_one_i64(db, &builtin,
                                      "SELECT builtin FROM mon_alert_rules WHERE id = ? AND "
                                      "deleted = 0",
                                      "i", t->id);
    if (rc != EG_OK)
        return rc;
    if (builtin)
        return EG_E_CONFLICT;
    rc = eg_db_run(
        db, NULL,
        "UPDATE mon_alert_rules SET deleted = 1, enabled = 0, updated_at = ? WHERE id = ?", "ii",
        now, t->id);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO mon_alert_events (alert_id, at, kind, from_state, to_state, "
                       "actor, note) SELECT id, ?, 'resolved', state, 'resolved', ?, 'the rule was "
                       "deleted' FROM mon_alerts WHERE rule_id = ? AND state IN ('pending', "
                       "'firing')",
                       "iti", now, t->ctx->who ? t->ctx->who->login : "system", t->id);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "UPDATE mon_alerts SET state = 'resolved', resolved_at = ?, updated_at = ? "
                       "WHERE rule_id = ? AND state IN ('pending', 'firing')",
                       "iii", now, now, t->id);
    if (rc == EG_OK)
        rc = eg_mon_audit_json(db, t->ctx, "alert_rule.delete", "alert_rule", t->id, NULL);
    return rc;
}

void eg_mon_api_rules_delete(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    struct rule_delete_tx t = {&ctx, 0};
    enum eg_status rc = eg_req_param_id(req, "id", &t.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, rule_delete_tx, &t);
    if (rc == EG_E_CONFLICT) {
        eg_reply_error(req, rc, NULL, "A built-in rule can be disabled but not deleted.");
        return;
    }
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_empty(req);
}

/* ------------------------------------------------------------ alerts */

#define ALERT_SELECT                                                                               \
    "SELECT a.id, a.rule_id, r.name, r.indicator, a.scope, a.scope_id, a.scope_name, "             \
    "a.platform_id, a.state, a.level, a.department_id, d.code, d.name, a.value_e4, "               \
    "a.threshold_e4, a.consecutive, a.last_period, a.message, a.opened_at, a.fired_at, "           \
    "a.resolved_at, a.acked_at, a.acked_by, a.ack_comment, a.silenced_until, a.updated_at, "       \
    "d.path FROM mon_alerts a JOIN mon_alert_rules r ON r.id = a.rule_id JOIN departments d ON "   \
    "d.id = a.department_id"

static json_t *alert_json(struct eg_stmt *st, eg_day today)
{
    json_t *o = json_object();
    char td[11];
    eg_date_format(today, td);
    json_object_set_new(o, "id", json_integer(eg_stmt_i64(st, 0)));
    json_object_set_new(o, "rule",
                        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)eg_stmt_i64(st, 1), "name",
                                  eg_stmt_text(st, 2), "indicator", eg_stmt_text(st, 3)));
    json_object_set_new(o, "scope", json_string(eg_stmt_text(st, 4)));
    json_object_set_new(o, "scope_id", json_string(eg_stmt_text(st, 5)));
    json_object_set_new(o, "scope_name", json_string(eg_stmt_text(st, 6)));
    json_object_set_new(o, "platform_id",
                        eg_stmt_is_null(st, 7) ? json_null() : json_integer(eg_stmt_i64(st, 7)));
    json_object_set_new(o, "state", json_string(eg_stmt_text(st, 8)));
    json_object_set_new(o, "level", json_string(eg_stmt_text(st, 9)));
    json_object_set_new(o, "department",
                        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)eg_stmt_i64(st, 10), "code",
                                  eg_stmt_text(st, 11), "name", eg_stmt_text(st, 12)));
    json_object_set_new(o, "value", eg_mon_value_json((double)eg_stmt_i64(st, 13) / 1e4, 1));
    json_object_set_new(o, "threshold", eg_mon_value_json((double)eg_stmt_i64(st, 14) / 1e4, 1));
    json_object_set_new(o, "consecutive", json_integer(eg_stmt_i64(st, 15)));
    json_object_set_new(o, "last_period", json_string(eg_stmt_text(st, 16)));
    json_object_set_new(o, "message", json_string(eg_stmt_text(st, 17)));
    json_object_set_new(o, "opened_at", eg_mon_instant_json(eg_stmt_i64(st, 18)));
    json_object_set_new(o, "fired_at", eg_mon_instant_json(eg_stmt_i64(st, 19)));
    json_object_set_new(o, "resolved_at", eg_mon_instant_json(eg_stmt_i64(st, 20)));
    int acked = !eg_stmt_is_null(st, 21);
    json_object_set_new(o, "acked", json_boolean(acked));
    json_object_set_new(o, "acked_at", eg_mon_instant_json(eg_stmt_i64(st, 21)));
    json_object_set_new(o, "acked_by", acked ? json_string(eg_stmt_text(st, 22)) : json_null());
    json_object_set_new(o, "ack_comment", acked ? json_string(eg_stmt_text(st, 23)) : json_null());
    int silenced = !eg_stmt_is_null(st, 24);
    json_object_set_new(o, "silenced_until",
                        silenced ? json_string(eg_stmt_text(st, 24)) : json_null());
    json_object_set_new(o, "silenced",
                        json_boolean(silenced && strcmp(eg_stmt_text(st, 24), td) >= 0));
    json_object_set_new(o, "updated_at", eg_mon_instant_json(eg_stmt_i64(st, 25)));
    return o;
}

/* How far the caller sees alerts: 0 every one, 1 departments under a path,
 * 2 one department. */
static void alert_visibility(const struct eg_req *req, int *mode, const char **path_like,
                             int64_t *dept)
{
    *mode = 0;
    *path_like = "";
    *dept = 0;
    if (req->who.role == EG_ROLE_MEDIATOR) {
        if (req->who.scope_below) {
            *mode = 1;
            *path_like = eg_arena_printf(req->arena, "%s%%", req->who.department_path);
        } else {
            *mode = 2;
            *dept = req->who.department_id;
        }
    }
}

void eg_mon_api_alerts_list(struct eg_req *req)
{
    int64_t limit, cursor, platform = 0, rule = 0;
    if (eg_mon_page_args(req, &limit, &cursor) != EG_OK || eg_mon_wants_xlsx(req) < 0)
        return;
    const char *state = eg_req_query(req, "state");
    const char *level = eg_req_query(req, "level");
    const char *dept_code = eg_req_query(req, "department");
    const char *silenced = eg_req_query(req, "silenced");
    if (state && strcmp(state, "pending") != 0 && strcmp(state, "firing") != 0 &&
        strcmp(state, "resolved") != 0 && strcmp(state, "open") != 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "state",
                       "state must be pending, firing, resolved or open");
        return;
    }
    int level_ok = !level;
    for (int i = 0; level && level_names[i]; i++)
        level_ok |= strcmp(level, level_names[i]) == 0;
    if (!level_ok) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "level",
                       "level must be blue, yellow, orange or red");
        return;
    }
    if (silenced && strcmp(silenced, "true") != 0 && strcmp(silenced, "false") != 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "silenced", "silenced must be true or false");
        return;
    }
    if (eg_req_query_int(req, "platform", 1, INT64_MAX, 0, &platform) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "platform", "platform must be a platform id");
        return;
    }
    if (eg_req_query_int(req, "rule", 1, INT64_MAX, 0, &rule) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "rule", "rule must be a rule id");
        return;
    }
    int64_t dept_filter = 0;
    if (dept_code) {
        char path[128];
        if (eg_department_by_code(req->db, dept_code, &dept_filter, path) != EG_OK) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "department",
                           "department must be a department code");
            return;
        }
    }
    int vis;
    const char *like;
    int64_t vis_dept;
    alert_visibility(req, &vis, &like, &vis_dept);
    char today[11];
    eg_date_format(eg_mon_today(), today);
    const char *st_filter = state ? state : "";
    int sil = silenced ? (strcmp(silenced, "true") == 0 ? 1 : 2) : 0;
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(
        req->db, &st,
        ALERT_SELECT
        " WHERE (? = '' OR a.state = ? OR (? = 'open' AND a.state IN ('pending', 'firing'))) "
        "AND (? = '' OR a.level = ?) AND (? = 0 OR a.department_id = ?) "
        "AND (? = 0 OR a.platform_id = ?) AND (? = 0 OR a.rule_id = ?) "
        "AND (? = 0 OR (? = 1 AND a.silenced_until >= ?) OR (? = 2 AND (a.silenced_until IS "
        "NULL OR a.silenced_until < ?))) "
        "AND (? = 0 OR (? = 1 AND d.path LIKE ?) OR (? = 2 AND a.department_id = ?)) "
        "AND (? = 0 OR a.id < ?) ORDER BY a.id DESC LIMIT ?",
        "ttt"
        "tt"
        "ii"
        "ii"
        "ii"
        "iitit"
        "iitii"
        "ii"
        "i",
        st_filter, st_filter, st_filter, level ? level : "", level ? level : "", dept_filter,
        dept_filter, platform, platform, rule, rule, (int64_t)sil, (int64_t)sil, today,
        (int64_t)sil, today, (int64_t)vis, (int64_t)vis, like, (int64_t)vis, vis_dept, cursor,
        cursor, limit + 1);
    json_t *items = json_array();
    int64_t n = 0, last = 0, more = 0;
    eg_day td = eg_mon_today();
    while (eg_db_next(st, &rc)) {
        if (n == limit) {
            more = 1;
            continue;
        }
        last = eg_stmt_i64(st, 0);
        json_array_append_new(items, alert_json(st, td));
        n++;
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_mon_reply_list(req, items, more ? last : 0, "alerts");
}

/* Load one alert the caller may see (404 otherwise). */
static enum eg_status alert_load(struct eg_req *req, unsigned roles, int64_t id, json_t **out)
{
    struct eg_stmt *st = NULL;
    *out = NULL;
    enum eg_status rc = eg_db_query(req->db, &st, ALERT_SELECT " WHERE a.id = ?", "i", id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        struct eg_row_scope scope;
        memset(&scope, 0, sizeof scope);
        scope.department_path = eg_stmt_text(st, 26);
        scope.analyst_visible = 1;
        rc = eg_authz_row(&req->who, roles, &scope);
        if (rc == EG_OK)
            *out = alert_json(st, eg_mon_today());
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

static json_t *alert_history(struct eg_db *db, int64_t id)
{
    struct eg_stmt *st = NULL;
    json_t *list = json_array();
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT at, kind, from_state, to_state, value_e4, period, "
                                    "actor, note FROM mon_alert_events WHERE alert_id = ? ORDER "
                                    "BY id",
                                    "i", id);
    while (eg_db_next(st, &rc)) {
        json_t *e = json_object();
        json_object_set_new(e, "at", eg_mon_instant_json(eg_stmt_i64(st, 0)));
        json_object_set_new(e, "kind", json_string(eg_stmt_text(st, 1)));
        json_object_set_new(e, "from_state",
                            eg_stmt_is_null(st, 2) ? json_null()
                                                   : json_string(eg_stmt_text(st, 2)));
        json_object_set_new(
            e, "to_state", eg_stmt_is_null(st, 3) ? json_null() : json_string(eg_stmt_text(st, 3)));
        json_object_set_new(e, "value",
                            eg_stmt_is_null(st, 4)
                                ? json_null()
                                : eg_mon_value_json((double)eg_stmt_i64(st, 4) / 1e4, 1));
        json_object_set_new(
            e, "period", eg_stmt_is_null(st, 5) ? json_null() : json_string(eg_stmt_text(st, 5)));
        json_object_set_new(e, "actor", json_string(eg_stmt_text(st, 6)));
        json_object_set_new(e, "note", json_string(eg_stmt_text(st, 7)));
        json_array_append_new(list, e);
    }
    eg_stmt_done(st);
    return list;
}

void eg_mon_api_alerts_get(struct eg_req *req)
{
    int64_t id = 0;
    json_t *out = NULL;
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK)
        rc = alert_load(req, req->route->roles, id, &out);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    json_object_set_new(out, "history", alert_history(req->db, id));
    eg_reply_json(req, 200, out);
}

struct alert_note_tx {
    const struct eg_audit_ctx *ctx;
    int64_t id;
    int ack; /* 1 acknowledge, 0 silence */
    const char *comment;
    const char *until; /* silence: date or NULL to lift */
};

static enum eg_status alert_note_tx(struct eg_db *db, void *p)
{
    struct alert_note_tx *t = p;
    char state[16] = "";
    struct eg_stmt *st = NULL;
    const char *actor = t->ctx->who ? t->ctx->who->login : "system";
    int64_t now = eg_now();
    enum eg_status rc =
        eg_db_query(db, &st, "SELECT state FROM mon_alerts WHERE id = ?", "i", t->id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        snprintf(state, sizeof state, "%s", eg_stmt_text(st, 0));
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    if (strcmp(state, "resolved") == 0)
        return EG_E_ILLEGAL_TRANSITION;
    if (t->ack) {
        rc = eg_db_run(db, NULL,
                       "UPDATE mon_alerts SET acked_at = ?, acked_by = ?, ack_comment = ?, "
                       "updated_at = ? WHERE id = ?",
                       "ittii", now, actor, t->comment, now, t->id);
        if (rc == EG_OK)
            rc = eg_db_run(db, NULL,
                           "INSERT INTO mon_alert_events (alert_id, at, kind, from_state, "
                           "to_state, actor, note) VALUES (?, ?, 'ack', ?, ?, ?, ?)",
                           "iitttt", t->id, now, state, state, actor, t->comment);
        if (rc == EG_OK)
            rc = eg_mon_audit_json(db, t->ctx, "alert.ack", "alert", t->id,
                                   json_pack("{s:s}", "state", state));
    } else {
        rc = eg_db_run(db, NULL,
                       "UPDATE mon_alerts SET silenced_until = ?, updated_at = ? WHERE id = ?",
                       "tii", t->until, now, t->id);
        char *note = NULL;
        if (rc == EG_OK) {
            char buf[700];
            snprintf(buf, sizeof buf, "%s%s%s", t->until ? "silenced until " : "silence lifted",
                     t->until ? t->until : "", t->comment && *t->comment ? "" : "");
            if (t->comment && *t->comment) {
                size_t used = strlen(buf);
                snprintf(buf + used, sizeof buf - used, ": %s", t->comment);
            }
            note = buf;
            rc = eg_db_run(db, NULL,
                           "INSERT INTO mon_alert_events (alert_id, at, kind, from_state, "
                           "to_state, actor, note) VALUES (?, ?, 'silence', ?, ?, ?, ?)",
                           "iitttt", t->id, now, state, state, actor, note);
        }
        if (rc == EG_OK)
            rc = eg_mon_audit_json(db, t->ctx, "alert.silence", "alert", t->id,
                                   json_pack("{s:s?}", "until", t->until));
    }
    return rc;
}

/* Shared by ack and silence: row check, the change, the alert back. */
static void alert_note(struct eg_req *req, int ack)
{
    int64_t id = 0;
    json_t *out = NULL;
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    struct alert_note_tx t = {&ctx, 0, ack, eg_json_str(req->body, "comment", ""), NULL};
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK)
        rc = alert_load(req, req->route->roles, id, &out);
    json_decref(out);
    out = NULL;
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    t.id = id;
    if (ack && !eg_mon_text_ok(t.comment, 500)) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "comment",
                       "comment must be 1 to 500 characters without control characters");
        return;
    }
    if (!ack) {
        if (*t.comment && !eg_mon_text_ok(t.comment, 500)) {
            eg_reply_error(req, EG_E_INVALID_FIELD, "comment",
                           "comment must be at most 500 characters without control characters");
            return;
        }
        t.until = eg_json_str(req->body, "until", NULL);
        eg_day until = 0;
        if (t.until && (eg_date_parse(t.until, &until) != EG_OK || until < eg_mon_today())) {
            eg_reply_error(req, EG_E_INVALID_FIELD, "until",
                           "until must be a date from today on (or null to lift the silence)");
            return;
        }
        if (!json_object_get(req->body, "until")) {
            eg_reply_error(req, EG_E_MISSING_FIELD, "until",
                           "until is required: a date, or null to lift the silence");
            return;
        }
    }
    rc = eg_db_tx(req->db, alert_note_tx, &t);
    if (rc == EG_E_ILLEGAL_TRANSITION) {
        eg_reply_error(req, rc, NULL, "The alert is resolved; only open alerts are %s.",
                       ack ? "acknowledged" : "silenced");
        return;
    }
    if (rc == EG_OK)
        rc = alert_load(req, req->route->roles, id, &out);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    json_object_set_new(out, "history", alert_history(req->db, id));
    eg_reply_json(req, 200, out);
}

void eg_mon_api_alerts_ack(struct eg_req *req)
{
    alert_note(req, 1);
}

void eg_mon_api_alerts_silence(struct eg_req *req)
{
    alert_note(req, 0);
}

static const struct eg_field evaluate_spec[] = {
    EG_FIELD("date", EG_FT_DATE, .flags = EG_F_NULLABLE),
    {0},
};

void eg_mon_api_alerts_evaluate(struct eg_req *req)
{
    struct eg_mon_params p;
    eg_day day = eg_mon_today() - 1;
    if (eg_mon_optional_body(req, evaluate_spec) != EG_OK)
        return;
    const char *d = eg_json_str(req->body, "date", NULL);
    if (d && eg_date_parse(d, &day) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "date", "date must be a date YYYY-MM-DD");
        return;
    }
    if (day > eg_mon_today()) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "date", "date must not be in the future");
        return;
    }
    eg_mon_params_of(req->config, &p);
    int64_t changes = 0;
    enum eg_status rc = eg_mon_alerts_evaluate(req->db, &p, day, req->who.login, &changes);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(
        req, 200,
        json_pack("{s:o, s:I}", "date", eg_mon_date_json(day), "changes", (json_int_t)changes));
}
