/*
 * api_checkins.c — a worker checks in at a place:
 *
 *   POST /api/v1/places/{id}/checkins
 *
 * A check-in counts once per worker and place within the window of
 * rules.h (EG_PLACES_CHECKIN_WINDOW_S); a repeat answers the one that
 * counted (200, "counted": false), a new one 201. A place's count is the
 * number of its check-in rows: no counter to keep.
 */
#include "places/api.h"

#include "core/time.h"
#include "db/db.h"
#include "http/http.h"
#include "places/rules.h"
#include "places/store.h"

struct checkin_tx {
    const struct eg_audit_ctx *ctx;
    int64_t place, person, id, at;
    int counted;
};

static enum eg_status checkin_tx(struct eg_db *db, void *p)
{
    struct checkin_tx *t = p;
    int64_t now = eg_now(), id = 0, last = 0;
    int archived = 0, found = 0;
    char day[11];
    t->counted = 0;
    enum eg_status rc = eg_places_store_archived(db, t->place, &archived);
    if (rc != EG_OK)
        return rc;
    if (archived)
        return EG_E_NOT_FOUND;
    rc = eg_places_store_checkin_last(db, t->place, t->person, eg_places_checkin_since(now), &found,
                                      &id, &last);
    if (rc != EG_OK)
        return rc;
    if (found && eg_places_checkin_repeats(last, now)) {
        t->id = id;
        t->at = last;
        return EG_OK;
    }
    eg_date_format(eg_day_of(now), day);
    rc = eg_places_store_checkin_add(db, t->place, t->person, now, day, &t->id);
    if (rc != EG_OK)
        return rc;
    t->at = now;
    t->counted = 1;
    return eg_places_audit(db, t->ctx, "place.checkin", t->place, NULL);
}

void eg_places_api_checkin(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_places_audit_ctx(req);
    struct checkin_tx t = {&ctx, 0, req->who.person_id, 0, 0, 0};
    enum eg_status rc = eg_req_param_id(req, "id", &t.place);
    if (rc == EG_OK && t.person <= 0)
        rc = EG_E_FORBIDDEN;
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, checkin_tx, &t);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, t.counted ? 201 : 200,
                  json_pack("{s:I, s:I, s:o, s:b}", "id", (json_int_t)t.id, "place_id",
                            (json_int_t)t.place, "at", eg_places_instant_json(t.at), "counted",
                            t.counted));
}
