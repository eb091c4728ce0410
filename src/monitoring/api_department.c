/*
 * api_department.c — GET /api/v1/monitoring/uncovered-injuries: traffic
 * injuries reported by the departments whose worker had no cover in force
 * at the incident time and no injury claim (store_department.c). Staff who
 * monitor see the masked identity only.
 */
#include "monitoring/internal.h"

#include <string.h>

#include "auth/accounts.h"

#define DEFAULT_DAYS 30
#define MAX_DAYS     366

void eg_mon_api_uncovered_injuries(struct eg_req *req)
{
    int64_t limit = 0, cursor = 0, platform = 0;
    eg_day from = 0, to = 0;
    struct eg_mon_injury *rows = NULL;
    size_t n = 0;
    int64_t next = 0;
    int xlsx = eg_mon_wants_xlsx(req);
    if (xlsx < 0 || eg_mon_page_args(req, &limit, &cursor) != EG_OK)
        return;
    if (eg_mon_query_date(req, "to", eg_mon_today(), &to) != EG_OK ||
        eg_mon_query_date(req, "from", to - (DEFAULT_DAYS - 1), &from) != EG_OK)
        return;
    if (from > to) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "from", "from must not be after to");
        return;
    }
    if (to - from + 1 > MAX_DAYS) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "from", "the range is at most %d days",
                       MAX_DAYS);
        return;
    }
    enum eg_status rc = eg_req_query_int(req, "platform_id", 1, INT64_MAX, 0, &platform);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, "platform_id", "platform_id must be a platform's id");
        return;
    }
    if (xlsx)
        limit = 200;
    rc = eg_mon_injuries_uncovered(req->db, req->arena, from, to, platform, cursor, (size_t)limit,
                                   &rows, &n, &next);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct eg_mon_injury *x = &rows[i];
        json_t *person = NULL;
        rc = eg_person_json(req->db, req->arena, &ctx, x->person_id, 0, &person);
        if (rc != EG_OK || !person) {
            json_decref(items);
            eg_reply_error(req, rc != EG_OK ? rc : EG_E_INTERNAL, NULL, NULL);
            return;
        }
        json_object_set_new(person, "person_id", json_integer(x->person_id));
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(x->id));
        json_object_set_new(o, "reference", json_string(x->reference));
        json_object_set_new(o, "occurred_at", eg_mon_instant_json(x->occurred_at));
        json_object_set_new(o, "date", eg_mon_date_json(eg_day_of(x->occurred_at)));
        json_object_set_new(o, "district",
                            json_pack("{s:s, s:s}", "code", x->district, "name", x->district_name));
        json_object_set_new(o, "kind", json_string(x->kind));
        json_object_set_new(o, "severity", json_string(x->severity));
        json_object_set_new(o, "vehicle", json_string(x->vehicle));
        json_object_set_new(o, "department", json_string(x->department));
        json_object_set_new(o, "platform",
                            x->platform_id > 0
                                ? json_pack("{s:I, s:s}", "id", (json_int_t)x->platform_id, "name",
                                            x->platform_name)
                                : json_null());
        json_object_set_new(o, "covered", json_false());
        json_object_set_new(o, "claimed", json_false());
        json_object_set_new(o, "person", person);
        json_array_append_new(items, o);
    }
    eg_mon_reply_list(req, items, xlsx ? 0 : next, "uncovered-injuries");
}
