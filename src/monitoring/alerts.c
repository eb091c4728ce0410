/*
 * alerts.c — early warning (预警): rules, their evaluation, and the alerts
 * they raise; /api/v1/alert-rules … and /api/v1/alerts ….
 *
 * A rule watches an indicator in a scope (the city, each platform, sector or
 * district, or one of them) and compares either its value over the last
 * window_days days or its % change against the window before with a
 * threshold. Each evaluation of a date runs the alert state machine of
 * calc.h per scope member: pending → firing after pending_periods
 * consecutive dates, resolved on the first date that no longer meets the
 * condition. A date whose value is undefined (no data yet) changes nothing.
 * Acknowledging and silencing are recorded on the alert and in its history
 * and do not change its state.
 *
 * Built-in rules watch the case backlog (overdue cases, from the cases
 * module), the claim backlog (overdue claims, from the insurance module),
 * traffic injuries rising and injured workers without cover or claim (from
 * the departments' feeds).
 */
#include "monitoring/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/accounts.h"
#include "auth/authz.h"
#include "cases/cases.h"
#include "core/log.h"
#include "db/db.h"
#include "insurance/insurance.h"

#define MAX_MEMBERS 512

int eg_mon_rule_indicator_ok(const char *name, int *is_snapshot)
{
    *is_snapshot = 0;
    if (!name)
        return 0;
    if (eg_mon_indicator_find(name) >= 0)
        return 1;
    if (strcmp(name, EG_MON_SNAP_OVERDUE_CASES) == 0 || strcmp(name, EG_MON_SNAP_OPEN_CASES) == 0 ||
        strcmp(name, EG_MON_SNAP_OVERDUE_CLAIMS) == 0 ||
        strcmp(name, EG_MON_SNAP_OPEN_CLAIMS) == 0) {
        *is_snapshot = 1;
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------- rules */

struct rule {
    int64_t id;
    char name[128];
    char indicator[48];
    int scope;
    char scope_id[33];
    int pct;
    int op;
    int64_t threshold_e4;
    int window_days;
    int pending_periods;
    char level[8];
    int64_t department_id;
};

#define RULE_COLS                                                                                  \
    "id, name, indicator, scope, scope_id, mode, op, threshold_e4, window_days, pending_periods, " \
    "level, department_id"

static void read_rule(struct eg_stmt *st, struct rule *r)
{
    memset(r, 0, sizeof *r);
    r->id = eg_stmt_i64(st, 0);
    snprintf(r->name, sizeof r->name, "%s", eg_stmt_text(st, 1));
    snprintf(r->indicator, sizeof r->indicator, "%s", eg_stmt_text(st, 2));
    r->scope = eg_mon_scope_parse(eg_stmt_text(st, 3));
    snprintf(r->scope_id, sizeof r->scope_id, "%s", eg_stmt_text(st, 4));
    r->pct = strcmp(eg_stmt_text(st, 5), "pct_change") == 0;
    r->op = eg_mon_op_parse(eg_stmt_text(st, 6));
    r->threshold_e4 = eg_stmt_i64(st, 7);
    r->window_days = (int)eg_stmt_i64(st, 8);
    r->pending_periods = (int)eg_stmt_i64(st, 9);
    snprintf(r->level, sizeof r->level, "%s", eg_stmt_text(st, 10));
    r->department_id = eg_stmt_i64(st, 11);
}

/* Insert one rule (inside a transaction). */
static enum eg_status insert_rule(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                  const char *name, const char *indicator, const char *scope,
                                  const char *scope_id, const char *mode, const char *op,
                                  int64_t threshold_e4, int64_t window, int64_t pending,
                                  const char *level, int64_t dept, int enabled, int builtin,
                                  const char *by, int64_t *id)
{
    struct eg_stmt *st = NULL;
    int64_t now = eg_now();
    enum eg_status rc = eg_db_query(
        db, &st,
        "INSERT INTO mon_alert_rules (name, indicator, scope, scope_id, mode, op, threshold_e4, "
        "window_days, pending_periods, level, department_id, enabled, builtin, deleted, "
        "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, "
        "?, ?) RETURNING id",
        "ttttttiiitiiitii", name, indicator, scope, scope_id, mode, op, threshold_e4, window,
        pending, level, dept, (int64_t)enabled, (int64_t)builtin, by, now, now);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    return eg_mon_audit_json(db, ctx, "alert_rule.create", "alert_rule", *id,
                             json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "name", name,
                                       "indicator", indicator, "scope", scope, "op", op, "level",
                                       level, "threshold_e4", (json_int_t)threshold_e4, "builtin",
                                       builtin));
}

/* Whether a built-in rule on indicator and scope is already there (removed ones count). */
static enum eg_status builtin_exists(struct eg_db *db, const char *indicator, const char *scope,
                                     int *exists)
{
    int64_t n = 0;
    enum eg_status rc = eg_db_one_i64(db, &n,
                                      "SELECT COUNT(*) FROM mon_alert_rules WHERE builtin = 1 AND "
                                      "indicator = ? AND scope = ?",
                                      "tt", indicator, scope);
    *exists = n > 0;
    return rc;
}

/* The built-in rules; each is seeded once (a database made before a rule
 * was added gets it on its next evaluation). */
struct builtin {
    const char *name, *indicator, *scope, *mode, *op;
    int64_t threshold_e4, window, pending;
    const char *level, *department;
};

static const struct builtin builtins[] = {
    {"逾期未办结案件 Overdue cases", EG_MON_SNAP_OVERDUE_CASES, "city", "value", "gt", 0, 1, 1,
     "orange", "centre"},
    {"平台逾期案件积压 Overdue cases against a platform", EG_MON_SNAP_OVERDUE_CASES, "platform",
     "value", "ge", 30000, 1, 1, "yellow", "centre"},
    {"逾期未处理理赔 Overdue claims", EG_MON_SNAP_OVERDUE_CLAIMS, "city", "value", "gt", 0, 1, 1,
     "orange", "hrss"},
    /* traffic injuries over 7 days up by more than half against the 7 days before */
    {"交通事故伤亡上升 Traffic injuries rising", "traffic_injuries", "city", "pct_change", "gt",
     500000, 7, 1, "yellow", "traffic_police"},
    /* an injured worker with neither cover nor a claim, on any of the last 7 days */
    {"伤亡未保未报 Injured workers without cover or claim", "uncovered_injuries", "city", "value",
     "gt", 0, 7, 1, "orange", "hrss"},
};
#define N_BUILTINS ((int64_t)(sizeof builtins / sizeof builtins[0]))

enum eg_status eg_mon_rules_seed(struct eg_db *db, const struct eg_audit_ctx *ctx)
{
    int64_t centre = 0, id = 0;
    char path[128];
    enum eg_status rc = EG_OK;
    if (eg_department_by_code(db, "centre", &centre, path) != EG_OK)
        return EG_OK; /* no department tree yet: seeded later */
    for (int64_t i = 0; rc == EG_OK && i < N_BUILTINS; i++) {
        const struct builtin *b = &builtins[i];
        int64_t dept = 0;
        int exists = 0;
        rc = builtin_exists(db, b->indicator, b->scope, &exists);
        if (rc != EG_OK || exists)
            continue;
        if (eg_department_by_code(db, b->department, &dept, path) != EG_OK)
            dept = centre;
        rc = insert_rule(db, ctx, b->name, b->indicator, b->scope, "", b->mode, b->op,
                         b->threshold_e4, b->window, b->pending, b->level, dept, 1, 1, "system",
                         &id);
    }
    return rc;
}

/* -------------------------------------------------------- evaluation */

struct member {
    char id[33]; /* '' for the city, else platform id / sector / district code */
    char name[128];
    int64_t platform_id;
};

/* The members of a scope (all, or only rule->scope_id). */
static enum eg_status load_members(struct eg_db *db, const struct rule *r, struct member *m,
                                   size_t *n)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc = EG_OK;
    *n = 0;
    switch (r->scope) {
    case EG_MON_SCOPE_CITY:
        snprintf(m[0].name, sizeof m[0].name, "全市 city");
        m[0].id[0] = '\0';
        *n = 1;
        return EG_OK;
    case EG_MON_SCOPE_PLATFORM:
        rc = eg_db_query(db, &st,
                         "SELECT id, name FROM organisations WHERE kind = 'platform' AND archived "
                         "= 0 ORDER BY id",
                         "");
        break;
    case EG_MON_SCOPE_SECTOR:
        rc = eg_db_query(db, &st,
                         "SELECT code, label FROM mon_dictionary WHERE list = 'sector' AND active "
                         "= 1 ORDER BY sort, code",
                         "");
        break;
    case EG_MON_SCOPE_DISTRICT:
        rc = eg_db_query(
            db, &st, "SELECT code, name FROM mon_districts WHERE active = 1 ORDER BY sort, code",
            "");
        break;
    default:
        return EG_E_INTERNAL;
    }
    while (eg_db_next(st, &rc)) {
        const char *id = eg_stmt_text(st, 0);
        if (r->scope_id[0] && strcmp(r->scope_id, id) != 0)
            continue;
        if (*n >= MAX_MEMBERS)
            continue;
        snprintf(m[*n].id, sizeof m[*n].id, "%s", id);
        snprintf(m[*n].name, sizeof m[*n].name, "%s", eg_stmt_text(st, 1));
        m[*n].platform_id = r->scope == EG_MON_SCOPE_PLATFORM ? eg_stmt_i64(st, 0) : 0;
        (*n)++;
    }
    eg_stmt_done(st);
    return rc;
}

static void member_filter(const struct rule *r, const struct member *m, struct eg_mon_filter *f)
{
    memset(f, 0, sizeof *f);
    f->scope = (enum eg_mon_scope)r->scope;
    f->platform_id = m->platform_id;
    snprintf(f->key, sizeof f->key, "%s", m->id);
}

/* Backlog counts used by snapshot rules, gathered once per evaluation. */
struct backlogs {
    int loaded;
    struct eg_mon_backlogs city;
    struct eg_case_backlog *cases;
    size_t ncases;
    struct eg_arena *arena;
};

static enum eg_status load_backlogs(struct eg_db *db, eg_day day, struct backlogs *b)
{
    if (b->loaded)
        return EG_OK;
    enum eg_status rc = eg_mon_backlogs_now(db, day, &b->city);
    if (rc == EG_OK)
        rc = eg_cases_backlog(db, b->arena, day, &b->cases, &b->ncases);
    if (rc == EG_OK)
        b->loaded = 1;
    return rc;
}

/*
 * The value a rule compares for one member on date day: *value is the
 * indicator's value (for the message), *cmp_e4 what is compared (the value,
 * or the % change) — both undefined when *defined is 0.
 */
static enum eg_status member_value(struct eg_db *db, const struct eg_mon_params *p,
                                   const struct rule *r, const struct member *m, eg_day day,
                                   struct backlogs *b, struct eg_mon_agg *agg, double *value,
                                   int64_t *cmp_e4, int *defined)
{
    int snapshot = 0;
    enum eg_status rc;
    *defined = 0;
    eg_mon_rule_indicator_ok(r->indicator, &snapshot);
    if (snapshot) {
        rc = load_backlogs(db, day, b);
        if (rc != EG_OK)
            return rc;
        int overdue = strncmp(r->indicator, "overdue_", 8) == 0;
        int cases = strstr(r->indicator, "cases") != NULL;
        int64_t v = 0;
        if (!cases)
            v = overdue ? b->city.claims_overdue : b->city.claims_open;
        else if (r->scope == EG_MON_SCOPE_CITY)
            v = overdue ? b->city.cases_overdue : b->city.cases_open;
        else
            for (size_t i = 0; i < b->ncases; i++)
                if (b->cases[i].organisation_id == m->platform_id)
                    v += overdue ? b->cases[i].overdue : b->cases[i].open;
        *value = (double)v;
        *cmp_e4 = v * 10000;
        *defined = 1;
        return EG_OK;
    }
    int ind = eg_mon_indicator_find(r->indicator);
    struct eg_mon_filter f;
    member_filter(r, m, &f);
    int w = r->window_days > 0 ? r->window_days : 1;
    rc = eg_mon_daily_sum(db, &f, day - w + 1, day, eg_mon_indicator_needs_hist(ind), agg);
    if (rc != EG_OK)
        return rc;
    if (agg->records == 0 && agg->penalty_events == 0 && agg->deactivations == 0 &&
        agg->cases == 0 && agg->traffic_incidents == 0)
        return EG_OK; /* no data for the window yet */
    int d1 = 0;
    double cur = eg_mon_indicator_value(ind, agg, p, &d1);
    if (!d1)
        return EG_OK;
    *value = cur;
    if (!r->pct) {
        *cmp_e4 = eg_mon_e4(cur);
        *defined = 1;
        return EG_OK;
    }
    rc = eg_mon_daily_sum(db, &f, day - 2 * w + 1, day - w, eg_mon_indicator_needs_hist(ind), agg);
    if (rc != EG_OK)
        return rc;
    int d2 = 0;
    double prev = eg_mon_indicator_value(ind, agg, p, &d2);
    if (!d2 || agg->records == 0)
        return EG_OK;
    *cmp_e4 = eg_mon_pct_change_e4(cur, prev, defined);
    return EG_OK;
}

/* The alert's message for one evaluation (calc.h): `met` says whether the
 * condition held, so a resolution states the negated comparison. */
static void alert_message(const struct rule *r, const struct member *m, double value,
                          int64_t cmp_e4, eg_day day, int met, char *out, size_t n)
{
    struct eg_mon_alert_msg in = {.member = m->name,
                                  .indicator = r->indicator,
                                  .pct = r->pct,
                                  .op = (enum eg_mon_op)r->op,
                                  .threshold_e4 = r->threshold_e4,
                                  .window_days = r->window_days,
                                  .value = value,
                                  .cmp_e4 = cmp_e4,
                                  .day = day,
                                  .met = met};
    eg_mon_alert_message(&in, out, n);
}

/* The latest alert of a rule and member (open or resolved), if any. */
static enum eg_status open_alert(struct eg_db *db, int64_t rule_id, const char *scope_id,
                                 int64_t *id, struct eg_mon_alert_cur *cur)
{
    struct eg_stmt *st = NULL;
    memset(cur, 0, sizeof *cur);
    *id = 0;
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT id, state, consecutive, last_period FROM mon_alerts "
                                    "WHERE rule_id = ? AND scope_id = ? ORDER BY id DESC LIMIT 1",
                                    "it", rule_id, scope_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *id = eg_stmt_i64(st, 0);
        cur->state = eg_mon_alert_state_parse(eg_stmt_text(st, 1));
        cur->consecutive = (int)eg_stmt_i64(st, 2);
        eg_date_parse(eg_stmt_text(st, 3), &cur->last_period);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    return rc;
}

static enum eg_status alert_event(struct eg_db *db, int64_t alert_id, const char *kind,
                                  const char *from, const char *to, int64_t value_e4,
                                  const char *period, const char *actor, const char *note)
{
    return eg_db_run(db, NULL,
                     "INSERT INTO mon_alert_events (alert_id, at, kind, from_state, to_state, "
                     "value_e4, period, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "iitttitt"
                     "t",
                     alert_id, eg_now(), kind, from, to, value_e4, period, actor, note ? note : "");
}

struct eval_tx {
    const struct rule *r;
    const struct member *m;
    eg_day day;
    int hit;
    int64_t cmp_e4;
    double value;
    const char *actor;
    int changed;
};

/* Apply one evaluation to the member's alert (inside a transaction). */
static enum eg_status eval_tx_fn(struct eg_db *db, void *p)
{
    struct eval_tx *e = p;
    const struct rule *r = e->r;
    struct eg_mon_alert_cur cur, next;
    int64_t id = 0, now = eg_now();
    char period[11], msg[400];
    e->changed = 0;
    enum eg_status rc = open_alert(db, r->id, e->m->id, &id, &cur);
    if (rc != EG_OK)
        return rc;
    enum eg_mon_alert_change ch =
        eg_mon_alert_step(&cur, e->day, e->hit, r->pending_periods, &next);
    if (ch == EG_MON_CHANGE_NONE)
        return EG_OK;
    eg_date_format(next.last_period ? next.last_period : e->day, period);
    alert_message(r, e->m, e->value, e->cmp_e4, e->day, e->hit, msg, sizeof msg);
    const char *to = eg_mon_alert_state_name(next.state);
    const char *from = eg_mon_alert_state_name(cur.state);
    if (ch == EG_MON_CHANGE_OPENED) {
        struct eg_stmt *st = NULL;
        rc = eg_db_query(db, &st,
                         "INSERT INTO mon_alerts (rule_id, scope, scope_id, scope_name, "
                         "platform_id, state, level, department_id, value_e4, threshold_e4, "
                         "consecutive, last_period, message, opened_at, fired_at, updated_at) "
                         "VALUES (?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, "
                         "0), ?) RETURNING id",
                         "itttittiiiittiii", r->id, eg_mon_scope_names[r->scope], e->m->id,
                         e->m->name, e->m->platform_id, to, r->level, r->department_id, e->cmp_e4,
                         r->threshold_e4, (int64_t)next.consecutive, period, msg, now,
                         next.state == EG_MON_ALERT_FIRING ? now : 0, now);
        if (rc == EG_OK)
            rc = eg_stmt_step(st);
        if (rc == EG_ROW) {
            id = eg_stmt_i64(st, 0);
            rc = eg_stmt_step(st);
        }
        eg_stmt_done(st);
        if (rc != EG_DONE)
            return rc == EG_OK ? EG_E_DB : rc;
        rc = alert_event(db, id, "opened", NULL, to, e->cmp_e4, period, e->actor, msg);
        e->changed = 1;
    } else {
        rc = eg_db_run(db, NULL,
                       "UPDATE mon_alerts SET state = ?, value_e4 = ?, consecutive = ?, "
                       "last_period = ?, message = COALESCE(?, message), level = ?, "
                       "department_id = ?, fired_at = COALESCE(fired_at, NULLIF(?, 0)), "
                       "resolved_at = NULLIF(?, 0), updated_at = ? WHERE id = ?",
                       "tiitttiiiii", to, e->cmp_e4, (int64_t)next.consecutive, period,
                       ch == EG_MON_CHANGE_RESOLVED ? NULL : msg, r->level, r->department_id,
                       ch == EG_MON_CHANGE_FIRED ? now : 0, ch == EG_MON_CHANGE_RESOLVED ? now : 0,
                       now, id);
        if (rc == EG_OK && (ch == EG_MON_CHANGE_FIRED || ch == EG_MON_CHANGE_RESOLVED)) {
            rc = alert_event(db, id, ch == EG_MON_CHANGE_FIRED ? "fired" : "resolved", from, to,
                             e->cmp_e4, period, e->actor, msg);
            e->changed = 1;
        }
    }
    if (rc == EG_OK && e->changed)
        rc = eg_mon_audit_json(db, NULL, "alert.state", "alert", id,
                               json_pack("{s:s, s:s, s:I, s:s}", "from", from, "to", to, "rule_id",
                                         (json_int_t)r->id, "period", period));
    return rc;
}

static enum eg_status seed_tx(struct eg_db *db, void *ctx)
{
    return eg_mon_rules_seed(db, ctx);
}

enum eg_status eg_mon_alerts_evaluate(struct eg_db *db, const struct eg_mon_params *p, eg_day day,
                                      const char *actor, int64_t *changes)
{
    struct eg_stmt *st = NULL;
    struct rule *rules = NULL;
    struct member *members = calloc(MAX_MEMBERS, sizeof *members);
    struct eg_mon_agg *agg = calloc(1, sizeof *agg);
    struct backlogs b;
    size_t nrules = 0, cap = 0;
    enum eg_status rc = EG_OK;
    struct eg_audit_ctx sys = {NULL, "", ""};
    memset(&b, 0, sizeof b);
    b.arena = eg_arena_new();
    *changes = 0;
    if (!members || !agg || !b.arena) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    int64_t nb = 0;
    rc = eg_db_one_i64(db, &nb, "SELECT COUNT(*) FROM mon_alert_rules WHERE builtin = 1", "");
    if (rc == EG_OK && nb < N_BUILTINS)
        rc = eg_db_tx(db, seed_tx, &sys);
    if (rc != EG_OK)
        goto out;
    rc = eg_db_query(db, &st,
                     "SELECT " RULE_COLS " FROM mon_alert_rules WHERE enabled = 1 AND deleted = 0 "
                     "ORDER BY id",
                     "");
    while (eg_db_next(st, &rc)) {
        if (nrules == cap) {
            cap = cap ? cap * 2 : 16;
            struct rule *nr = realloc(rules, cap * sizeof *nr);
            if (!nr) {
                rc = EG_E_INTERNAL;
                break;
            }
            rules = nr;
        }
        read_rule(st, &rules[nrules++]);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    st = NULL;
    if (rc != EG_OK)
        goto out;
    rc = EG_OK;
    for (size_t i = 0; i < nrules && rc == EG_OK; i++) {
        const struct rule *r = &rules[i];
        size_t nm = 0;
        if (r->scope < 0 || r->op < 0)
            continue;
        rc = load_members(db, r, members, &nm);
        for (size_t k = 0; k < nm && rc == EG_OK; k++) {
            double value = 0;
            int64_t cmp = 0;
            int defined = 0;
            rc = member_value(db, p, r, &members[k], day, &b, agg, &value, &cmp, &defined);
            if (rc != EG_OK || !defined)
                continue;
            struct eval_tx e = {r,     &members[k],
                                day,   eg_mon_compare((enum eg_mon_op)r->op, cmp, r->threshold_e4),
                                cmp,   value,
                                actor, 0};
            rc = eg_db_tx(db, eval_tx_fn, &e);
            *changes += e.changed;
        }
    }
out:
    eg_stmt_done(st);
    free(rules);
    free(members);
    free(agg);
    eg_arena_destroy(b.arena);
    return rc;
}

enum eg_status eg_mon_backlogs_now(struct eg_db *db, eg_day today, struct eg_mon_backlogs *out)
{
    struct eg_arena *a = eg_arena_new();
    struct eg_case_backlog *rows = NULL;
    struct eg_insurance_backlog ib;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    if (!a)
        return EG_E_INTERNAL;
    enum eg_status rc = eg_cases_backlog(db, a, today, &rows, &n);
    for (size_t i = 0; rc == EG_OK && i < n; i++) {
        out->cases_open += rows[i].open;
        out->cases_overdue += rows[i].overdue;
    }
    if (rc == EG_OK)
        rc = eg_insurance_claim_backlog(db, today, &ib);
    if (rc == EG_OK) {
        out->claims_open = ib.open;
        out->claims_overdue = ib.overdue;
    }
    eg_arena_destroy(a);
    return rc;
}
