/*
 * api_usage.c — how places are used (staff):
 *
 *   GET /api/v1/places/{id}/checkins  one place's check-ins by day
 *   GET /api/v1/places/usage          check-ins per place over a period (json or xlsx)
 *
 * A period is at most EG_PLACES_PERIOD_MAX_DAYS days (rules.h), by default
 * the last EG_PLACES_PERIOD_DEFAULT_DAYS up to today (Asia/Shanghai).
 */
#include "places/api.h"

#include "core/time.h"
#include "http/http.h"
#include "monitoring/monitoring.h"
#include "places/places.h"
#include "places/rules.h"
#include "places/store.h"

struct days_ctx {
    json_t *days;
    int64_t total;
};

static enum eg_status day_row(void *ctx, const char *day, int64_t count)
{
    struct days_ctx *c = ctx;
    json_array_append_new(c->days,
                          json_pack("{s:s, s:I}", "date", day, "count", (json_int_t)count));
    c->total += count;
    return EG_OK;
}

void eg_places_api_checkins(struct eg_req *req)
{
    int64_t id = 0, people = 0;
    int archived = 0;
    /* staff see the usage of archived places too */
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK)
        rc = eg_places_store_archived(req->db, id, &archived);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_day today = eg_day_of(eg_now()), from = today - (EG_PLACES_PERIOD_DEFAULT_DAYS - 1);
    char f[11], t[11];
    const char *fs = eg_req_query(req, "from");
    if (fs && eg_date_parse(fs, &from) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "from", "from %s", eg_date_problem(fs));
        return;
    }
    if (!eg_places_period_ok(from, today)) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "from",
                       "from must be within the last 367 days");
        return;
    }
    eg_date_format(from, f);
    eg_date_format(today, t);
    struct days_ctx c = {json_array(), 0};
    rc = eg_places_store_checkin_days(req->db, id, f, t, day_row, &c);
    if (rc == EG_OK)
        rc = eg_places_store_checkin_people(req->db, id, f, t, &people);
    if (rc != EG_OK) {
        json_decref(c.days);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200,
                  json_pack("{s:I, s:s, s:s, s:I, s:I, s:o}", "place_id", (json_int_t)id, "from", f,
                            "to", t, "checkins", (json_int_t)c.total, "people", (json_int_t)people,
                            "by_day", c.days));
}

static enum eg_status usage_row(void *ctx, const struct eg_place_usage *u)
{
    json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I}", "place_id",
                                         (json_int_t)u->place_id, "name", u->name, "type", u->type,
                                         "district", u->district, "checkins",
                                         (json_int_t)u->checkins, "people", (json_int_t)u->people));
    return EG_OK;
}

void eg_places_api_usage(struct eg_req *req)
{
    int xlsx = eg_places_wants_xlsx(req);
    if (xlsx < 0)
        return;
    eg_day today = eg_day_of(eg_now()), to = today;
    eg_day from = today - (EG_PLACES_PERIOD_DEFAULT_DAYS - 1);
    const char *fs = eg_req_query(req, "from"), *ts = eg_req_query(req, "to");
    if ((fs && eg_date_parse(fs, &from) != EG_OK) || (ts && eg_date_parse(ts, &to) != EG_OK) ||
        !eg_places_period_ok(from, to)) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, fs ? "from" : "to",
                       "from and to must be dates YYYY-MM-DD, in order, at most 367 days apart");
        return;
    }
    const char *type = eg_req_query(req, "type");
    if (type && eg_place_type_parse(type) < 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "type", "type is not a place type");
        return;
    }
    char f[11], t[11];
    eg_date_format(from, f);
    eg_date_format(to, t);
    json_t *items = json_array();
    enum eg_status rc = eg_places_store_usage(req->db, f, t, type, usage_row, items);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    if (xlsx) {
        eg_monitoring_reply_xlsx(req, "place-usage", items);
        return;
    }
    eg_reply_json(req, 200, json_pack("{s:s, s:s, s:o}", "from", f, "to", t, "items", items));
}
