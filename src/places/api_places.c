/*
 * api_places.c — the places themselves:
 *
 *   GET  /api/v1/places/nearest       nearest N from a point (anyone)
 *   GET  /api/v1/places               list with filters (anyone; archived for admins)
 *   POST /api/v1/places               add (admin)
 *   GET  /api/v1/places/{id}          one place (anyone)
 *   PATCH /api/v1/places/{id}         change (admin)
 *   POST /api/v1/places/{id}/archive  archive (admin); places are never deleted
 *
 * The rules are in rules.h, the SQL in store.h; whether a district or an
 * amenity code is active is asked of monitoring.
 */
#include "places/api.h"

#include <stdio.h>
#include <string.h>

#include "core/time.h"
#include "db/db.h"
#include "http/http.h"
#include "http/page.h"
#include "monitoring/monitoring.h"
#include "places/places.h"
#include "places/rules.h"
#include "places/store.h"

/* Most places an Excel export holds; more is refused (422), never cut. */
#define PLACES_EXPORT_MAX 100000

/* ",a,b," → ["a","b"] */
static json_t *amenities_json(const char *list)
{
    json_t *a = json_array();
    const char *p = list, *code;
    size_t n = 0;
    while ((code = eg_places_amenities_next(&p, &n)))
        json_array_append_new(a, json_stringn(code, n));
    return a;
}

static json_t *coord(int64_t e6)
{
    return json_real((double)e6 / 1e6);
}

/* What a place and a nearest hit share: id … amenities. */
static json_t *place_common_json(const struct eg_place_row *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "type", json_string(r->type));
    json_object_set_new(o, "name", json_string(r->name));
    json_object_set_new(o, "district", json_string(r->district));
    json_object_set_new(o, "address", json_string(r->address));
    json_object_set_new(o, "lat", coord(r->lat_e6));
    json_object_set_new(o, "lng", coord(r->lng_e6));
    json_object_set_new(o, "lat_e6", json_integer(r->lat_e6));
    json_object_set_new(o, "lng_e6", json_integer(r->lng_e6));
    json_object_set_new(o, "phone", json_string(r->phone));
    json_object_set_new(o, "hours", json_string(r->hours));
    json_object_set_new(o, "amenities", amenities_json(r->amenities));
    return o;
}

static json_t *place_json(const struct eg_place_row *r)
{
    json_t *o = place_common_json(r);
    json_object_set_new(o, "note", json_string(r->note));
    json_object_set_new(o, "checkins", json_integer(r->checkins));
    json_object_set_new(o, "archived", json_boolean(r->archived));
    json_object_set_new(o, "created_at", eg_places_instant_json(r->created_at));
    json_object_set_new(o, "updated_at", eg_places_instant_json(r->updated_at));
    return o;
}

/* One place as JSON; archived ones only for administrators (else EG_E_NOT_FOUND). */
static enum eg_status place_load(struct eg_req *req, int64_t id, json_t **out)
{
    struct eg_place_row row;
    *out = NULL;
    enum eg_status rc = eg_places_store_get(req->db, req->arena, id, &row);
    if (rc == EG_OK && !eg_places_may_see(row.archived, req->who.role))
        rc = EG_E_NOT_FOUND;
    if (rc == EG_OK)
        *out = place_json(&row);
    return rc;
}

/* Whether an amenity code may be asked for and is an active entry of the dictionary. */
static int amenity_known(struct eg_db *db, const char *code)
{
    int found = 0;
    return eg_places_amenity_lookup_ok(code) &&
           eg_monitoring_dictionary_has(db, "amenity", code, &found) == EG_OK && found;
}

void eg_places_api_nearest(struct eg_req *req)
{
    int64_t lat = 0, lng = 0, limit = 10;
    if (eg_places_degrees_parse(eg_req_query(req, "lat"), 90, &lat) != 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "lat", "lat must be a latitude in degrees");
        return;
    }
    if (eg_places_degrees_parse(eg_req_query(req, "lng"), 180, &lng) != 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "lng", "lng must be a longitude in degrees");
        return;
    }
    const char *type = eg_req_query(req, "type");
    int t = type ? eg_place_type_parse(type) : -1;
    if (type && t < 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "type", "type is not a place type");
        return;
    }
    const char *amenity = eg_req_query(req, "amenity");
    if (amenity && !amenity_known(req->db, amenity)) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "amenity",
                       "amenity must be a code of GET /api/v1/dictionary/amenity");
        return;
    }
    if (eg_req_query_int(req, "limit", 1, 50, 10, &limit) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "limit", "limit must be from 1 to 50");
        return;
    }
    struct eg_place_hit *hits = NULL;
    size_t n = 0;
    enum eg_status rc =
        eg_places_nearest(req->db, req->arena, lat, lng, t, amenity, (size_t)limit, &hits, &n);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct eg_place_hit *h = &hits[i];
        struct eg_place_row r = {
            .id = h->id,
            .type = eg_place_type_names[h->type],
            .name = h->name,
            .district = h->district,
            .address = h->address,
            .phone = h->phone,
            .hours = h->hours,
            .amenities = h->amenities,
            .lat_e6 = h->lat_e6,
            .lng_e6 = h->lng_e6,
        };
        json_t *o = place_common_json(&r);
        json_object_set_new(o, "distance_m", json_integer(h->distance_m));
        json_array_append_new(items, o);
    }
    eg_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

struct list_ctx {
    struct eg_page page;
    json_t *items;
};

static enum eg_status list_row(void *ctx, const struct eg_place_row *r)
{
    struct list_ctx *c = ctx;
    if (eg_page_take(&c->page, r->id))
        json_array_append_new(c->items, place_json(r));
    return EG_OK;
}

void eg_places_api_list(struct eg_req *req)
{
    struct list_ctx c;
    struct eg_places_filter f;
    memset(&c, 0, sizeof c);
    memset(&f, 0, sizeof f);
    int xlsx = eg_places_wants_xlsx(req);
    if (xlsx < 0)
        return;
    if (xlsx) {
        /* An export is the whole filtered list (at most PLACES_EXPORT_MAX rows), not a page:
         * ?limit does not apply and ?cursor, though still checked, is not used. */
        int64_t cursor = 0;
        if (eg_req_query_int(req, "cursor", 1, INT64_MAX, 0, &cursor) != EG_OK) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "cursor",
                           "cursor must be a next_cursor from an earlier page");
            return;
        }
        c.page.limit = PLACES_EXPORT_MAX;
    } else if (eg_page_args(req, &c.page) != EG_OK) {
        return;
    }
    f.type = eg_req_query(req, "type");
    f.district = eg_req_query(req, "district");
    f.amenity = eg_req_query(req, "amenity");
    const char *archived = eg_req_query(req, "archived");
    if (f.type && eg_place_type_parse(f.type) < 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "type", "type is not a place type");
        return;
    }
    if (f.district && !eg_places_district_code_ok(f.district)) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "district",
                       "district must be a six-digit district code");
        return;
    }
    if (f.amenity && !eg_places_amenity_code_ok(f.amenity)) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "amenity", "amenity must be an amenity code");
        return;
    }
    if (archived && eg_places_bool_parse(archived, &f.archived) != 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "archived", "archived must be true or false");
        return;
    }
    if (!eg_places_may_see(f.archived, req->who.role)) {
        eg_reply_error(req, EG_E_FORBIDDEN, "archived",
                       "Only administrators list archived places.");
        return;
    }
    c.items = json_array();
    enum eg_status rc =
        eg_places_store_list(req->db, &f, c.page.cursor, (int64_t)c.page.limit + 1, list_row, &c);
    if (rc != EG_OK) {
        json_decref(c.items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    if (xlsx && c.page.more) {
        json_decref(c.items);
        eg_reply_error(req, EG_E_UNPROCESSABLE, NULL,
                       "More than %d places match; an export holds at most %d. Narrow the "
                       "filters.",
                       PLACES_EXPORT_MAX, PLACES_EXPORT_MAX);
        return;
    }
    if (xlsx) {
        eg_monitoring_reply_xlsx(req, "places", c.items);
        return;
    }
    eg_reply_page(req, c.items, eg_page_next(&c.page));
}

void eg_places_api_get(struct eg_req *req)
{
    int64_t id = 0;
    json_t *out = NULL;
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK)
        rc = place_load(req, id, &out);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, out);
}

/* A body's place, checked: what is absent keeps its stored value (patch). */
struct place_in {
    struct eg_place_set set;
    struct eg_places_amenities amenities;
    const char *field, *why; /* the field refused and why */
};

/* Refuse field of in: EG_E_INVALID_FIELD. */
static enum eg_status refuse(struct place_in *in, const char *field, const char *why)
{
    in->field = field;
    in->why = why;
    return EG_E_INVALID_FIELD;
}

/* A coordinate of the body within [-limit, limit] degrees: 0, or -1 if it is not one. */
static int body_degrees(const json_t *v, double limit, int64_t *e6)
{
    return json_is_number(v) ? eg_places_degrees_e6(json_number_value(v), limit, e6) : -1;
}

/* Read and check the body into in (create: required fields must be there). */
static enum eg_status read_place(struct eg_db *db, const json_t *b, int create, struct place_in *in)
{
    struct eg_place_set *s = &in->set;
    memset(in, 0, sizeof *in);
    s->type = eg_json_str(b, "type", NULL);
    s->name = eg_json_str(b, "name", NULL);
    s->district = eg_json_str(b, "district", NULL);
    s->address = eg_json_str(b, "address", NULL);
    s->phone = eg_json_str(b, "phone", NULL);
    s->hours = eg_json_str(b, "hours", NULL);
    s->note = eg_json_str(b, "note", NULL);
    s->archived = json_object_get(b, "archived") ? eg_json_bool(b, "archived", 0) : -1;
    struct eg_place_text text = {s->type, s->name, s->address, s->phone, s->hours, s->note};
    in->field = eg_places_check_text(&text, &in->why);
    if (in->field)
        return EG_E_INVALID_FIELD;
    if (s->district) {
        int found = 0;
        enum eg_status rc = eg_monitoring_district_active(db, s->district, &found);
        if (rc != EG_OK)
            return rc;
        if (!found)
            return refuse(in, "district",
                          "district must be a district code (GET /api/v1/dictionary/district)");
    }
    const json_t *lat = json_object_get(b, "lat"), *lng = json_object_get(b, "lng");
    if (lat && body_degrees(lat, 90, &s->lat_e6) != 0)
        return refuse(in, "lat", "lat must be a latitude in degrees (-90 to 90)");
    s->has_lat = lat != NULL;
    if (lng && body_degrees(lng, 180, &s->lng_e6) != 0)
        return refuse(in, "lng", "lng must be a longitude in degrees (-180 to 180)");
    s->has_lng = lng != NULL;
    const json_t *am = json_object_get(b, "amenities");
    if (am) {
        size_t i;
        json_t *a;
        eg_places_amenities_init(&in->amenities);
        s->amenities = in->amenities.text;
        json_array_foreach(am, i, a)
        {
            const char *code = json_string_value(a);
            if (!amenity_known(db, code))
                return refuse(in, "amenities",
                              "every amenity must be a code of GET /api/v1/dictionary/amenity");
            if (eg_places_amenities_add(&in->amenities, code) < 0)
                return refuse(in, "amenities", "too many amenities");
        }
    }
    if (create) {
        in->field = eg_places_missing(s->type, s->name, s->district, s->has_lat, s->has_lng);
        if (in->field) {
            in->why = "a value is required";
            return EG_E_MISSING_FIELD;
        }
    }
    return EG_OK;
}

/* A change to one place, in a transaction. */
struct place_tx {
    const struct eg_audit_ctx *ctx;
    const json_t *body;
    struct place_in in;
    int64_t id;
    const char *reason; /* archive */
};

static enum eg_status create_tx(struct eg_db *db, void *p)
{
    struct place_tx *t = p;
    struct eg_place_set *s = &t->in.set;
    enum eg_status rc = read_place(db, t->body, 1, &t->in);
    if (rc == EG_OK)
        rc = eg_places_store_insert(db, s, t->ctx->who ? t->ctx->who->login : "system", eg_now(),
                                    &t->id);
    if (rc != EG_OK)
        return rc;
    return eg_places_audit(
        db, t->ctx, "place.create", t->id,
        json_pack("{s:s, s:s, s:s}", "type", s->type, "name", s->name, "district", s->district));
}

static enum eg_status patch_tx(struct eg_db *db, void *p)
{
    struct place_tx *t = p;
    int archived = 0;
    enum eg_status rc = eg_places_store_archived(db, t->id, &archived);
    if (rc == EG_OK)
        rc = read_place(db, t->body, 0, &t->in);
    if (rc == EG_OK)
        rc = eg_places_store_update(db, t->id, &t->in.set, eg_now());
    if (rc != EG_OK)
        return rc;
    return eg_places_audit(db, t->ctx, "place.update", t->id, json_deep_copy(t->body));
}

static enum eg_status archive_tx(struct eg_db *db, void *p)
{
    struct place_tx *t = p;
    int archived = 0;
    enum eg_status rc = eg_places_store_archived(db, t->id, &archived);
    if (rc != EG_OK || archived)
        return rc; /* archiving twice changes nothing */
    rc = eg_places_store_archive(db, t->id, eg_now());
    if (rc == EG_OK)
        rc = eg_places_audit(db, t->ctx, "place.archive", t->id,
                             json_pack("{s:s}", "reason", t->reason ? t->reason : ""));
    return rc;
}

/*
 * Run fn on t (place t->id, unless the id comes from the insert) as the
 * request's change, and answer with the place as it is then (status), or
 * with the error, naming the field the body got wrong.
 */
static void change(struct eg_req *req, struct place_tx *t, int from_path, eg_tx_fn fn, int status)
{
    struct eg_audit_ctx ctx = eg_places_audit_ctx(req);
    json_t *out = NULL;
    enum eg_status rc = EG_OK;
    t->ctx = &ctx;
    t->body = req->body;
    if (from_path)
        rc = eg_req_param_id(req, "id", &t->id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, fn, t);
    if (rc == EG_OK)
        rc = place_load(req, t->id, &out);
    if (rc != EG_OK) {
        if (t->in.field)
            eg_reply_error(req, rc, t->in.field, "%s", t->in.why);
        else
            eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, status, out);
}

void eg_places_api_create(struct eg_req *req)
{
    struct place_tx t;
    memset(&t, 0, sizeof t);
    change(req, &t, 0, create_tx, 201);
}

void eg_places_api_patch(struct eg_req *req)
{
    struct place_tx t;
    memset(&t, 0, sizeof t);
    change(req, &t, 1, patch_tx, 200);
}

static const struct eg_field archive_spec[] = {
    EG_FIELD("reason", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 500),
    {0},
};

void eg_places_api_archive(struct eg_req *req)
{
    struct eg_field_error ferr;
    struct place_tx t;
    if (req->body && eg_fields_check(req->body, archive_spec, &ferr) != EG_OK) {
        eg_reply_error(req, ferr.status, ferr.field[0] ? ferr.field : NULL, "%s", ferr.message);
        return;
    }
    memset(&t, 0, sizeof t);
    t.reason = eg_json_str(req->body, "reason", NULL);
    if (!eg_places_text_ok(t.reason, 500, 1)) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "reason",
                       "reason must be at most 500 characters without control characters");
        return;
    }
    change(req, &t, 1, archive_tx, 200);
}
