/*
 * api_indicators.c — indicator series and the dashboard:
 *
 *   GET  /api/v1/indicators                 series per day or week for a scope
 *   POST /api/v1/indicators/refresh         rebuild days from stored records (admin)
 *   GET  /api/v1/dashboard/overview         the city today, vs last week; alerts; backlogs
 *   GET  /api/v1/dashboard/trends           one indicator per day with a 7-day window
 *   GET  /api/v1/dashboard/breakdown        one indicator by platform, sector or district
 *
 * Everything is summed from the daily aggregates (agg_store.c) and computed
 * by calc.c; every table answers ?format=xlsx as an Excel file.
 */
#include "monitoring/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

#define MAX_RANGE_DAYS 731

/* Indicators on the overview. */
static const int overview_inds[] = {
    EG_MON_IND_ACTIVE_WORKERS,
    EG_MON_IND_ORDERS,
    EG_MON_IND_INCOME,
    EG_MON_IND_ONLINE_HOURS_PER_WORKER,
    EG_MON_IND_FATIGUE_SHARE,
    EG_MON_IND_BELOW_MIN_WAGE_SHARE,
    EG_MON_IND_HOURLY_INCOME_MEDIAN,
    EG_MON_IND_PENALTIES_PER_100_ORDERS,
    EG_MON_IND_DEACTIVATIONS_PER_1000,
    EG_MON_IND_CASES_PER_1000,
    EG_MON_IND_INSURANCE_COVERAGE,
    EG_MON_IND_CLAIMS_PER_MILLION_ORDERS,
};
#define N_OVERVIEW (sizeof overview_inds / sizeof overview_inds[0])

/*
 * The filter named by ?scope= and ?id= (or the given names), with the
 * scope's display name. Platforms may only ask for themselves. Replies
 * itself on a bad request.
 */
static enum eg_status resolve_filter(struct eg_req *req, const char *scope_s, const char *id,
                                     struct eg_mon_filter *f, const char **name)
{
    int scope = eg_mon_scope_parse(scope_s ? scope_s : "city");
    memset(f, 0, sizeof *f);
    *name = "全市";
    if (scope < 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "scope",
                       "scope must be city, platform, sector or district");
        return EG_E_INVALID_PARAMETER;
    }
    f->scope = (enum eg_mon_scope)scope;
    if (req->who.role == EG_ROLE_PLATFORM && scope != EG_MON_SCOPE_PLATFORM) {
        eg_reply_error(req, EG_E_FORBIDDEN, "scope", "A platform sees its own indicators only.");
        return EG_E_FORBIDDEN;
    }
    if (scope == EG_MON_SCOPE_CITY) {
        if (id && *id) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "id", "the city scope takes no id");
            return EG_E_INVALID_PARAMETER;
        }
        return EG_OK;
    }
    if (!id || !*id || strlen(id) > 32) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "id", "id is required for this scope");
        return EG_E_INVALID_PARAMETER;
    }
    snprintf(f->key, sizeof f->key, "%s", id);
    struct eg_stmt *st = NULL;
    enum eg_status rc;
    if (scope == EG_MON_SCOPE_PLATFORM) {
        char *end = NULL;
        long long pid = strtoll(id, &end, 10);
        if (*end || pid <= 0 ||
            (req->who.role == EG_ROLE_PLATFORM && pid != req->who.organisation_id)) {
            eg_reply_error(req, EG_E_NOT_FOUND, "id", "No such platform.");
            return EG_E_NOT_FOUND;
        }
        f->platform_id = pid;
        rc = eg_db_query(req->db, &st,
                         "SELECT name FROM organisations WHERE id = ? AND kind = 'platform'", "i",
                         (int64_t)pid);
    } else if (scope == EG_MON_SCOPE_SECTOR) {
        rc = eg_db_query(req->db, &st,
                         "SELECT label FROM mon_dictionary WHERE list = 'sector' AND code = ?", "t",
                         id);
    } else {
        rc = eg_db_query(req->db, &st, "SELECT name FROM mon_districts WHERE code = ?", "t", id);
    }
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *name = eg_arena_strdup(req->arena, eg_stmt_text(st, 0));
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    if (rc == EG_E_NOT_FOUND)
        eg_reply_error(req, rc, "id", "No such %s.", eg_mon_scope_names[scope]);
    else if (rc != EG_OK)
        eg_reply_error(req, rc, NULL, NULL);
    return rc;
}

/* ?from= and ?to=: to defaults to the latest day with data, from to 29 days earlier. */
static enum eg_status resolve_range(struct eg_req *req, int def_days, eg_day *from, eg_day *to)
{
    eg_day latest = 0;
    if (eg_mon_latest_day(req->db, &latest) != EG_OK || latest == 0)
        latest = eg_mon_today();
    if (eg_mon_query_date(req, "to", latest, to) != EG_OK ||
        eg_mon_query_date(req, "from", *to - (def_days - 1), from) != EG_OK)
        return EG_E_INVALID_PARAMETER;
    if (*from > *to) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "from", "from must not be after to");
        return EG_E_INVALID_PARAMETER;
    }
    if (*to - *from + 1 > MAX_RANGE_DAYS) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "from", "the range is at most %d days",
                       MAX_RANGE_DAYS);
        return EG_E_INVALID_PARAMETER;
    }
    return EG_OK;
}

/* ?names=a,b,c into a selection; all when absent. */
static enum eg_status resolve_names(struct eg_req *req, int sel[EG_MON_IND_COUNT], int *need_hist)
{
    const char *names = eg_req_query(req, "names");
    *need_hist = 0;
    for (int i = 0; i < EG_MON_IND_COUNT; i++)
        sel[i] = names == NULL;
    if (names) {
        const char *p = names;
        int any = 0;
        while (*p) {
            size_t n = strcspn(p, ",");
            char name[48];
            if (n == 0 || n >= sizeof name) {
                eg_reply_error(req, EG_E_INVALID_PARAMETER, "names",
                               "names is a comma-separated list of indicator names");
                return EG_E_INVALID_PARAMETER;
            }
            memcpy(name, p, n);
            name[n] = '\0';
            int ind = eg_mon_indicator_find(name);
            if (ind < 0) {
                eg_reply_error(req, EG_E_INVALID_PARAMETER, "names",
                               "%s is not an indicator (GET /api/v1/dictionary/indicator)", name);
                return EG_E_INVALID_PARAMETER;
            }
            sel[ind] = 1;
            any = 1;
            p += n;
            if (*p == ',')
                p++;
        }
        if (!any) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "names", "names names no indicator");
            return EG_E_INVALID_PARAMETER;
        }
    }
    for (int i = 0; i < EG_MON_IND_COUNT; i++)
        if (sel[i] && eg_mon_indicator_needs_hist(i))
            *need_hist = 1;
    return EG_OK;
}

static json_t *values_json(const struct eg_mon_agg *a, const struct eg_mon_params *p,
                           const int *sel)
{
    json_t *v = json_object();
    for (int i = 0; i < EG_MON_IND_COUNT; i++) {
        if (sel && !sel[i])
            continue;
        int defined = 0;
        double x = eg_mon_indicator_value(i, a, p, &defined);
        json_object_set_new(v, eg_mon_indicators[i].name, eg_mon_value_json(x, defined));
    }
    return v;
}

static json_t *catalogue_json(const int *sel)
{
    json_t *list = json_array();
    for (int i = 0; i < EG_MON_IND_COUNT; i++)
        if (!sel || sel[i])
            json_array_append_new(
                list, json_pack("{s:s, s:s, s:s, s:s}", "name", eg_mon_indicators[i].name, "unit",
                                eg_mon_indicators[i].unit, "label", eg_mon_indicators[i].label,
                                "description", eg_mon_indicators[i].description));
    return list;
}

/* Per-day aggregates of a range, indexed by day − from. */
struct days {
    eg_day from;
    size_t n;
    struct eg_mon_agg *agg;
};

static enum eg_status days_cb(void *ctx, const struct eg_mon_group_row *row)
{
    struct days *d = ctx;
    size_t i = (size_t)(row->day - d->from);
    if (i < d->n)
        eg_mon_agg_merge(&d->agg[i], row->agg);
    return EG_OK;
}

static enum eg_status days_load(struct eg_db *db, const struct eg_mon_filter *f, eg_day from,
                                eg_day to, int hist, struct days *d)
{
    d->from = from;
    d->n = (size_t)(to - from + 1);
    d->agg = calloc(d->n, sizeof *d->agg);
    if (!d->agg)
        return EG_E_INTERNAL;
    return eg_mon_daily_scan(db, f, from, to, hist, days_cb, d);
}

static eg_day week_start(eg_day d)
{
    return d - (eg_weekday(d) - 1);
}

void eg_mon_api_indicators(struct eg_req *req)
{
    struct eg_mon_filter f;
    struct eg_mon_params p;
    const char *name;
    eg_day from, to;
    int sel[EG_MON_IND_COUNT], hist = 0, xlsx = eg_mon_wants_xlsx(req);
    struct days d = {0, 0, NULL};
    if (xlsx < 0 ||
        resolve_filter(req, eg_req_query(req, "scope"), eg_req_query(req, "id"), &f, &name) !=
            EG_OK ||
        resolve_range(req, 30, &from, &to) != EG_OK || resolve_names(req, sel, &hist) != EG_OK)
        return;
    const char *period = eg_req_query(req, "period");
    if (period && strcmp(period, "day") != 0 && strcmp(period, "week") != 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "period", "period must be day or week");
        return;
    }
    int weekly = period && strcmp(period, "week") == 0;
    eg_mon_params_of(req->config, &p);
    enum eg_status rc = days_load(req->db, &f, from, to, hist, &d);
    if (rc != EG_OK) {
        free(d.agg);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    json_t *series = json_array();
    struct eg_mon_agg *acc = calloc(1, sizeof *acc);
    eg_day start = from;
    while (acc && start <= to) {
        eg_day end = weekly ? week_start(start) + 6 : start;
        if (end > to)
            end = to;
        eg_mon_agg_clear(acc);
        for (eg_day x = start; x <= end; x++)
            eg_mon_agg_merge(acc, &d.agg[x - from]);
        acc->days = end - start + 1;
        json_array_append_new(series,
                              json_pack("{s:o, s:o, s:I, s:o}", "start", eg_mon_date_json(start),
                                        "end", eg_mon_date_json(end), "days", (json_int_t)acc->days,
                                        "values", values_json(acc, &p, sel)));
        start = end + 1;
    }
    free(acc);
    free(d.agg);
    if (xlsx) {
        eg_mon_reply_xlsx(req, "indicators", series);
        return;
    }
    eg_reply_json(req, 200,
                  json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "scope",
                            eg_mon_scope_names[f.scope], "id", f.key, "name", name, "period",
                            weekly ? "week" : "day", "from", eg_mon_date_json(from), "to",
                            eg_mon_date_json(to), "indicators", catalogue_json(sel), "series",
                            series));
}

static const struct eg_field range_spec[] = {
    EG_FIELD("from", EG_FT_DATE, .flags = EG_F_NULLABLE),
    EG_FIELD("to", EG_FT_DATE, .flags = EG_F_NULLABLE),
    {0},
};

void eg_mon_api_indicators_refresh(struct eg_req *req)
{
    eg_day to = eg_mon_today(), from;
    if (eg_mon_optional_body(req, range_spec) != EG_OK)
        return;
    const char *s = eg_json_str(req->body, "to", NULL);
    if (s && eg_date_parse(s, &to) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "to", "to must be a date YYYY-MM-DD");
        return;
    }
    from = to - 6;
    s = eg_json_str(req->body, "from", NULL);
    if (s && eg_date_parse(s, &from) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "from", "from must be a date YYYY-MM-DD");
        return;
    }
    if (from > to || to - from + 1 > 400 || to > eg_mon_today()) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "from",
                       "from..to must be at most 400 days, in order, and not in the future");
        return;
    }
    int64_t records = 0, t0 = eg_now_us();
    enum eg_status rc = eg_monitoring_recompute(req->db, req->config, from, to, &records);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200,
                  json_pack("{s:o, s:o, s:I, s:I, s:I}", "from", eg_mon_date_json(from), "to",
                            eg_mon_date_json(to), "days", (json_int_t)(to - from + 1), "records",
                            (json_int_t)records, "ms", (json_int_t)((eg_now_us() - t0) / 1000)));
}

/* ----------------------------------------------------------- dashboard */

/* Percentage change of every overview indicator from prev to cur (null when undefined). */
static json_t *change_json(const struct eg_mon_agg *cur, const struct eg_mon_agg *prev,
                           const struct eg_mon_params *p)
{
    json_t *o = json_object();
    for (size_t i = 0; i < N_OVERVIEW; i++) {
        int ind = overview_inds[i], d1 = 0, d2 = 0, d3 = 0;
        double a = eg_mon_indicator_value(ind, cur, p, &d1);
        double b = eg_mon_indicator_value(ind, prev, p, &d2);
        int64_t pct = d1 && d2 ? eg_mon_pct_change_e4(a, b, &d3) : 0;
        json_object_set_new(o, eg_mon_indicators[ind].name,
                            eg_mon_value_json((double)pct / 1e4, d1 && d2 && d3));
    }
    return o;
}

static json_t *overview_values(const struct eg_mon_agg *a, const struct eg_mon_params *p)
{
    int sel[EG_MON_IND_COUNT] = {0};
    for (size_t i = 0; i < N_OVERVIEW; i++)
        sel[overview_inds[i]] = 1;
    return values_json(a, p, sel);
}

/* Sum days [a, b] of a loaded range into out. */
static void sum_days(const struct days *d, eg_day a, eg_day b, struct eg_mon_agg *out)
{
    eg_mon_agg_clear(out);
    for (eg_day x = a; x <= b; x++)
        if (x >= d->from && (size_t)(x - d->from) < d->n)
            eg_mon_agg_merge(out, &d->agg[x - d->from]);
    out->days = b - a + 1;
}

void eg_mon_api_dashboard_overview(struct eg_req *req)
{
    struct eg_mon_params p;
    struct eg_mon_filter city;
    struct days d = {0, 0, NULL};
    struct eg_mon_agg *s = calloc(4, sizeof *s);
    eg_day latest = 0, day;
    int xlsx = eg_mon_wants_xlsx(req);
    memset(&city, 0, sizeof city);
    eg_mon_params_of(req->config, &p);
    if (!s || xlsx < 0) {
        free(s);
        if (xlsx >= 0)
            eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    if (eg_mon_latest_day(req->db, &latest) != EG_OK || latest == 0)
        latest = eg_mon_today() - 1;
    if (eg_mon_query_date(req, "date", latest, &day) != EG_OK) {
        free(s);
        return;
    }
    enum eg_status rc = days_load(req->db, &city, day - 13, day, 1, &d);
    struct eg_mon_backlogs bl;
    memset(&bl, 0, sizeof bl);
    if (rc == EG_OK)
        rc = eg_mon_backlogs_now(req->db, eg_mon_today(), &bl);
    json_t *alerts = json_pack("{s:I, s:I, s:{s:I, s:I, s:I, s:I}}", "firing", (json_int_t)0,
                               "pending", (json_int_t)0, "by_level", "red", (json_int_t)0, "orange",
                               (json_int_t)0, "yellow", (json_int_t)0, "blue", (json_int_t)0);
    struct eg_stmt *st = NULL;
    if (rc == EG_OK)
        rc = eg_db_query(req->db, &st,
                         "SELECT state, level, COUNT(*) FROM mon_alerts WHERE state IN "
                         "('pending', 'firing') GROUP BY state, level",
                         "");
    while (eg_db_next(st, &rc)) {
        const char *state = eg_stmt_text(st, 0);
        int64_t n = eg_stmt_i64(st, 2);
        json_t *c = json_object_get(alerts, state);
        json_object_set_new(alerts, state, json_integer(json_integer_value(c) + n));
        if (strcmp(state, "firing") == 0) {
            json_t *bylevel = json_object_get(alerts, "by_level");
            json_t *lc = json_object_get(bylevel, eg_stmt_text(st, 1));
            if (lc)
                json_object_set_new(bylevel, eg_stmt_text(st, 1),
                                    json_integer(json_integer_value(lc) + n));
        }
    }
    eg_stmt_done(st);
    st = NULL;
    json_t *latest_alerts = json_array();
    if (rc == EG_OK)
        rc = eg_db_query(req->db, &st,
                         "SELECT a.id, a.level, a.state, a.scope_name, a.message, a.last_period "
                         "FROM mon_alerts a WHERE a.state = 'firing' ORDER BY a.id DESC LIMIT 5",
                         "");
    while (eg_db_next(st, &rc)) {
        json_array_append_new(latest_alerts,
                              json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id",
                                        (json_int_t)eg_stmt_i64(st, 0), "level",
                                        eg_stmt_text(st, 1), "state", eg_stmt_text(st, 2),
                                        "scope_name", eg_stmt_text(st, 3), "message",
                                        eg_stmt_text(st, 4), "period", eg_stmt_text(st, 5)));
    }
    eg_stmt_done(st);
    int64_t platforms = 0;
    if (rc == EG_OK)
        rc = eg_db_one_i64(req->db, &platforms,
                           "SELECT COUNT(*) FROM organisations WHERE kind = 'platform' AND "
                           "archived = 0",
                           "");
    if (rc != EG_OK) {
        free(d.agg);
        free(s);
        json_decref(alerts);
        json_decref(latest_alerts);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    json_object_set_new(alerts, "latest", latest_alerts);
    sum_days(&d, day, day, &s[0]);
    sum_days(&d, day - 7, day - 7, &s[1]);
    sum_days(&d, day - 6, day, &s[2]);
    sum_days(&d, day - 13, day - 7, &s[3]);
    json_t *out = json_pack(
        "{s:o, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o}, s:o, s:{s:I, s:I}, s:{s:I, s:I}, s:I, s:o}",
        "date", eg_mon_date_json(day), "day", "values", overview_values(&s[0], &p),
        "same_day_last_week", overview_values(&s[1], &p), "change_pct",
        change_json(&s[0], &s[1], &p), "week", "values", overview_values(&s[2], &p),
        "previous_week", overview_values(&s[3], &p), "change_pct", change_json(&s[2], &s[3], &p),
        "alerts", alerts, "cases", "open", (json_int_t)bl.cases_open, "overdue",
        (json_int_t)bl.cases_overdue, "claims", "open", (json_int_t)bl.claims_open, "overdue",
        (json_int_t)bl.claims_overdue, "platforms", (json_int_t)platforms, "indicators",
        catalogue_json(NULL));
    free(d.agg);
    free(s);
    if (xlsx) {
        /* One row per indicator: today, last week, change; the week likewise. */
        json_t *rows = json_array();
        json_t *dv = json_object_get(json_object_get(out, "day"), "values");
        json_t *dl = json_object_get(json_object_get(out, "day"), "same_day_last_week");
        json_t *dc = json_object_get(json_object_get(out, "day"), "change_pct");
        json_t *wv = json_object_get(json_object_get(out, "week"), "values");
        json_t *wp = json_object_get(json_object_get(out, "week"), "previous_week");
        json_t *wc = json_object_get(json_object_get(out, "week"), "change_pct");
        for (size_t i = 0; i < N_OVERVIEW; i++) {
            const char *n = eg_mon_indicators[overview_inds[i]].name;
            json_array_append_new(
                rows,
                json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:O}", "indicator", n, "label",
                          eg_mon_indicators[overview_inds[i]].label, "day", json_object_get(dv, n),
                          "same_day_last_week", json_object_get(dl, n), "day_change_pct",
                          json_object_get(dc, n), "week", json_object_get(wv, n), "previous_week",
                          json_object_get(wp, n), "week_change_pct", json_object_get(wc, n)));
        }
        json_decref(out);
        eg_mon_reply_xlsx(req, "overview", rows);
        return;
    }
    eg_reply_json(req, 200, out);
}

/* ?indicator= as an index; replies 400 when missing or unknown. */
static int one_indicator(struct eg_req *req)
{
    const char *name = eg_req_query(req, "indicator");
    int ind = eg_mon_indicator_find(name);
    if (ind < 0)
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "indicator",
                       "indicator must be an indicator name (GET /api/v1/dictionary/indicator)");
    return ind;
}

void eg_mon_api_dashboard_trends(struct eg_req *req)
{
    struct eg_mon_filter f;
    struct eg_mon_params p;
    const char *name;
    eg_day from, to;
    struct days d = {0, 0, NULL};
    int xlsx = eg_mon_wants_xlsx(req);
    if (xlsx < 0)
        return;
    int ind = one_indicator(req);
    if (ind < 0 ||
        resolve_filter(req, eg_req_query(req, "scope"), eg_req_query(req, "id"), &f, &name) !=
            EG_OK ||
        resolve_range(req, 90, &from, &to) != EG_OK)
        return;
    eg_mon_params_of(req->config, &p);
    /* Six more days before from, for the first points' 7-day windows. */
    enum eg_status rc = days_load(req->db, &f, from - 6, to, eg_mon_indicator_needs_hist(ind), &d);
    struct eg_mon_agg *w = calloc(1, sizeof *w);
    if (rc != EG_OK || !w) {
        free(d.agg);
        free(w);
        eg_reply_error(req, rc != EG_OK ? rc : EG_E_INTERNAL, NULL, NULL);
        return;
    }
    json_t *points = json_array();
    for (eg_day x = from; x <= to; x++) {
        int d1 = 0, d2 = 0;
        struct eg_mon_agg *a = &d.agg[x - d.from];
        a->days = 1;
        double v = eg_mon_indicator_value(ind, a, &p, &d1);
        sum_days(&d, x - 6, x, w);
        double mv = eg_mon_indicator_value(ind, w, &p, &d2);
        json_array_append_new(points, json_pack("{s:o, s:o, s:o}", "date", eg_mon_date_json(x),
                                                "value", eg_mon_value_json(v, d1), "window_7d",
                                                eg_mon_value_json(mv, d2)));
    }
    free(w);
    free(d.agg);
    if (xlsx) {
        eg_mon_reply_xlsx(req, eg_mon_indicators[ind].name, points);
        return;
    }
    eg_reply_json(req, 200,
                  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "indicator",
                            eg_mon_indicators[ind].name, "label", eg_mon_indicators[ind].label,
                            "unit", eg_mon_indicators[ind].unit, "scope",
                            eg_mon_scope_names[f.scope], "id", f.key, "name", name, "from",
                            eg_mon_date_json(from), "to", eg_mon_date_json(to), "points", points));
}

/* Breakdown groups: key → aggregate. */
struct breakdown {
    int by;
    size_t n, cap;
    char (*keys)[33];
    struct eg_mon_agg *aggs;
};

static enum eg_status breakdown_cb(void *ctx, const struct eg_mon_group_row *row)
{
    struct breakdown *b = ctx;
    char key[33];
    if (b->by == EG_MON_SCOPE_PLATFORM)
        snprintf(key, sizeof key, "%lld", (long long)row->platform_id);
    else
        snprintf(key, sizeof key, "%s", b->by == EG_MON_SCOPE_SECTOR ? row->sector : row->district);
    size_t i = 0;
    while (i < b->n && strcmp(b->keys[i], key) != 0)
        i++;
    if (i == b->n) {
        if (b->n == b->cap) {
            size_t ncap = b->cap ? b->cap * 2 : 16;
            char(*nk)[33] = realloc(b->keys, ncap * sizeof *nk);
            if (!nk)
                return EG_E_INTERNAL;
            b->keys = nk;
            struct eg_mon_agg *na = realloc(b->aggs, ncap * sizeof *na);
            if (!na)
                return EG_E_INTERNAL;
            b->aggs = na;
            b->cap = ncap;
        }
        snprintf(b->keys[b->n], 33, "%s", key);
        eg_mon_agg_clear(&b->aggs[b->n]);
        b->n++;
    }
    eg_mon_agg_merge(&b->aggs[i], row->agg);
    return EG_OK;
}

/* The display name of a breakdown key. */
static const char *key_name(struct eg_req *req, int by, const char *key)
{
    struct eg_stmt *st = NULL;
    const char *name = by == EG_MON_SCOPE_DISTRICT && !*key ? "未知 unknown" : key;
    enum eg_status rc;
    if (by == EG_MON_SCOPE_PLATFORM)
        rc = eg_db_query(req->db, &st, "SELECT name FROM organisations WHERE id = ?", "i",
                         (int64_t)strtoll(key, NULL, 10));
    else if (by == EG_MON_SCOPE_SECTOR)
        rc = eg_db_query(req->db, &st,
                         "SELECT label FROM mon_dictionary WHERE list = 'sector' AND code = ?", "t",
                         key);
    else
        rc = eg_db_query(req->db, &st, "SELECT name FROM mon_districts WHERE code = ?", "t", key);
    if (rc == EG_OK && eg_stmt_step(st) == EG_ROW)
        name = eg_arena_strdup(req->arena, eg_stmt_text(st, 0));
    eg_stmt_done(st);
    return name;
}

void eg_mon_api_dashboard_breakdown(struct eg_req *req)
{
    struct eg_mon_params p;
    struct eg_mon_filter city;
    struct breakdown b = {0, 0, 0, NULL, NULL};
    eg_day from, to;
    int xlsx = eg_mon_wants_xlsx(req);
    if (xlsx < 0)
        return;
    const char *by = eg_req_query(req, "by");
    int scope = eg_mon_scope_parse(by);
    if (scope <= EG_MON_SCOPE_CITY) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "by",
                       "by must be platform, sector or district");
        return;
    }
    int ind = one_indicator(req);
    if (ind < 0)
        return;
    if (eg_req_query(req, "date")) {
        if (eg_mon_query_date(req, "date", 0, &to) != EG_OK)
            return;
        from = to;
    } else if (resolve_range(req, 7, &from, &to) != EG_OK) {
        return;
    }
    memset(&city, 0, sizeof city);
    eg_mon_params_of(req->config, &p);
    b.by = scope;
    enum eg_status rc = eg_mon_daily_scan(req->db, &city, from, to,
                                          eg_mon_indicator_needs_hist(ind), breakdown_cb, &b);
    if (rc != EG_OK) {
        free(b.keys);
        free(b.aggs);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    /* Rows by value, largest first; undefined values last. */
    double *vals = calloc(b.n + 1, sizeof *vals);
    int *defs = calloc(b.n + 1, sizeof *defs);
    size_t *order = calloc(b.n + 1, sizeof *order);
    for (size_t i = 0; vals && defs && order && i < b.n; i++) {
        b.aggs[i].days = to - from + 1;
        vals[i] = eg_mon_indicator_value(ind, &b.aggs[i], &p, &defs[i]);
        order[i] = i;
    }
    for (size_t i = 1; vals && defs && order && i < b.n; i++) {
        size_t k = order[i], j = i;
        while (j > 0 && (defs[k] > defs[order[j - 1]] ||
                         (defs[k] == defs[order[j - 1]] && vals[k] > vals[order[j - 1]]))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    json_t *rows = json_array();
    for (size_t r = 0; vals && defs && order && r < b.n; r++) {
        size_t i = order[r];
        json_array_append_new(rows, json_pack("{s:s, s:s, s:o, s:I, s:I}", "key", b.keys[i], "name",
                                              key_name(req, scope, b.keys[i]), "value",
                                              eg_mon_value_json(vals[i], defs[i]), "worker_days",
                                              (json_int_t)b.aggs[i].worker_days, "orders",
                                              (json_int_t)b.aggs[i].orders));
    }
    free(vals);
    free(defs);
    free(order);
    free(b.keys);
    free(b.aggs);
    if (xlsx) {
        eg_mon_reply_xlsx(req, "breakdown", rows);
        return;
    }
    eg_reply_json(req, 200,
                  json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "by", eg_mon_scope_names[scope],
                            "indicator", eg_mon_indicators[ind].name, "label",
                            eg_mon_indicators[ind].label, "unit", eg_mon_indicators[ind].unit,
                            "from", eg_mon_date_json(from), "to", eg_mon_date_json(to), "rows",
                            rows));
}
