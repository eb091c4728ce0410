/*
 * api.c — the places endpoints:
 *
 *   GET  /api/v1/places/nearest       nearest N from a point (anyone)
 *   GET  /api/v1/places               list with filters (anyone; archived for admins)
 *   POST /api/v1/places               add (admin)
 *   GET  /api/v1/places/{id}          one place (anyone)
 *   PATCH /api/v1/places/{id}         change (admin)
 *   POST /api/v1/places/{id}/archive  archive (admin); places are never deleted
 *   POST /api/v1/places/{id}/checkins a worker checks in
 *   GET  /api/v1/places/{id}/checkins usage of one place by day (staff)
 *   GET  /api/v1/places/usage         check-ins per place over a period (staff)
 */
#include "places/places.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "core/ident.h"
#include "core/time.h"
#include "db/db.h"
#include "http/http.h"
#include "monitoring/monitoring.h"
#include "places/api.h"

#define CHECKIN_WINDOW_S (30 * 60)

static struct eg_audit_ctx audit_of(const struct eg_req *req)
{
    struct eg_audit_ctx c = {&req->who, req->client_addr, req->request_id};
    return c;
}

static enum eg_status audit(struct eg_db *db, const struct eg_audit_ctx *ctx, const char *action,
                            int64_t id, json_t *summary)
{
    char idtext[24];
    char *text =
        summary ? json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
    json_decref(summary);
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    enum eg_status rc = eg_audit_append(db, ctx, action, "place", idtext, text ? text : "{}");
    free(text);
    return rc;
}

static json_t *instant(int64_t t)
{
    char buf[21];
    if (t == 0)
        return json_null();
    eg_instant_format(t, buf);
    return json_string(buf);
}

/* ",a,b," → ["a","b"] */
static json_t *amenities_json(const char *list)
{
    json_t *a = json_array();
    const char *p = list;
    while (p && *p) {
        if (*p == ',') {
            p++;
            continue;
        }
        size_t n = strcspn(p, ",");
        json_array_append_new(a, json_stringn(p, n));
        p += n;
    }
    return a;
}

static json_t *coord(int64_t e6)
{
    return json_real((double)e6 / 1e6);
}

#define PLACE_COLS                                                                                 \
    "id, type, name, district, address, lat_e6, lng_e6, phone, hours, amenities, note, "           \
    "(SELECT COUNT(*) FROM place_checkins pc WHERE pc.place_id = places.id), archived, "           \
    "created_at, updated_at FROM places"

static json_t *place_json(struct eg_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(eg_stmt_i64(st, 0)));
    json_object_set_new(o, "type", json_string(eg_stmt_text(st, 1)));
    json_object_set_new(o, "name", json_string(eg_stmt_text(st, 2)));
    json_object_set_new(o, "district", json_string(eg_stmt_text(st, 3)));
    json_object_set_new(o, "address", json_string(eg_stmt_text(st, 4)));
    json_object_set_new(o, "lat", coord(eg_stmt_i64(st, 5)));
    json_object_set_new(o, "lng", coord(eg_stmt_i64(st, 6)));
    json_object_set_new(o, "lat_e6", json_integer(eg_stmt_i64(st, 5)));
    json_object_set_new(o, "lng_e6", json_integer(eg_stmt_i64(st, 6)));
    json_object_set_new(o, "phone", json_string(eg_stmt_text(st, 7)));
    json_object_set_new(o, "hours", json_string(eg_stmt_text(st, 8)));
    json_object_set_new(o, "amenities", amenities_json(eg_stmt_text(st, 9)));
    json_object_set_new(o, "note", json_string(eg_stmt_text(st, 10)));
    json_object_set_new(o, "checkins", json_integer(eg_stmt_i64(st, 11)));
    json_object_set_new(o, "archived", json_boolean(eg_stmt_i64(st, 12)));
    json_object_set_new(o, "created_at", instant(eg_stmt_i64(st, 13)));
    json_object_set_new(o, "updated_at", instant(eg_stmt_i64(st, 14)));
    return o;
}

/* One place; archived ones only for administrators. */
static enum eg_status place_load(struct eg_req *req, int64_t id, json_t **out)
{
    struct eg_stmt *st = NULL;
    *out = NULL;
    enum eg_status rc = eg_db_query(req->db, &st, "SELECT " PLACE_COLS " WHERE id = ?", "i", id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        if (eg_stmt_i64(st, 12) && req->who.role != EG_ROLE_ADMIN)
            rc = EG_E_NOT_FOUND;
        else {
            *out = place_json(st);
            rc = EG_OK;
        }
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

/* A coordinate query parameter in decimal degrees → micro-degrees. */
static int parse_degrees(const char *s, double limit, int64_t *out)
{
    char *end = NULL;
    if (!s || !*s || strlen(s) > 32)
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < -limit || v > limit)
        return -1;
    *out = (int64_t)llround(v * 1e6);
    return 0;
}

/* Whether an amenity code is in the dictionary (active). */
static int amenity_known(struct eg_db *db, const char *code)
{
    int64_t n = 0;
    return eg_db_one_i64(db, &n,
                         "SELECT COUNT(*) FROM mon_dictionary WHERE list = 'amenity' AND code = ? "
                         "AND active = 1",
                         "t", code) == EG_OK &&
           n > 0;
}

void eg_places_api_nearest(struct eg_req *req)
{
    int64_t lat = 0, lng = 0, limit = 10;
    if (parse_degrees(eg_req_query(req, "lat"), 90, &lat) != 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "lat", "lat must be a latitude in degrees");
        return;
    }
    if (parse_degrees(eg_req_query(req, "lng"), 180, &lng) != 0) {
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
    if (amenity &&
        (strlen(amenity) > 32 || strchr(amenity, ',') || !amenity_known(req->db, amenity))) {
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
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(hits[i].id));
        json_object_set_new(o, "type", json_string(eg_place_type_names[hits[i].type]));
        json_object_set_new(o, "name", json_string(hits[i].name));
        json_object_set_new(o, "district", json_string(hits[i].district));
        json_object_set_new(o, "address", json_string(hits[i].address));
        json_object_set_new(o, "lat", coord(hits[i].lat_e6));
        json_object_set_new(o, "lng", coord(hits[i].lng_e6));
        json_object_set_new(o, "lat_e6", json_integer(hits[i].lat_e6));
        json_object_set_new(o, "lng_e6", json_integer(hits[i].lng_e6));
        json_object_set_new(o, "phone", json_string(hits[i].phone));
        json_object_set_new(o, "hours", json_string(hits[i].hours));
        json_object_set_new(o, "amenities", amenities_json(hits[i].amenities));
        json_object_set_new(o, "distance_m", json_integer(hits[i].distance_m));
        json_array_append_new(items, o);
    }
    eg_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

/* Most places an Excel export holds; more is refused (422), never cut. */
#define PLACES_EXPORT_MAX 100000

/* ?format=json|xlsx: 1 for xlsx, 0 json, -1 after replying 400. */
static int wants_xlsx(struct eg_req *req)
{
    const char *f = eg_req_query(req, "format");
    if (!f || strcmp(f, "json") == 0)
        return 0;
    if (strcmp(f, "xlsx") == 0)
        return 1;
    eg_reply_error(req, EG_E_INVALID_PARAMETER, "format", "format must be json or xlsx");
    return -1;
}

void eg_places_api_list(struct eg_req *req)
{
    int64_t limit = 50, cursor = 0;
    int xlsx = wants_xlsx(req);
    if (xlsx < 0)
        return;
    /* An export is the whole filtered list (at most PLACES_EXPORT_MAX rows), not a page. */
    if (xlsx)
        limit = PLACES_EXPORT_MAX;
    else if (eg_req_query_int(req, "limit", 1, 200, 50, &limit) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "limit", "limit must be from 1 to 200");
        return;
    }
    if (eg_req_query_int(req, "cursor", 1, INT64_MAX, 0, &cursor) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "cursor",
                       "cursor must be a next_cursor from an earlier page");
        return;
    }
    if (xlsx)
        cursor = 0;
    const char *type = eg_req_query(req, "type");
    const char *district = eg_req_query(req, "district");
    const char *amenity = eg_req_query(req, "amenity");
    const char *archived = eg_req_query(req, "archived");
    if (type && eg_place_type_parse(type) < 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "type", "type is not a place type");
        return;
    }
    if (district && (strlen(district) != 6 || strspn(district, "0123456789") != 6)) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "district",
                       "district must be a six-digit district code");
        return;
    }
    if (amenity && (strlen(amenity) == 0 || strlen(amenity) > 32 ||
                    strspn(amenity, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(amenity))) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "amenity", "amenity must be an amenity code");
        return;
    }
    int64_t arch = 0;
    if (archived) {
        if (strcmp(archived, "true") != 0 && strcmp(archived, "false") != 0) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "archived",
                           "archived must be true or false");
            return;
        }
        if (strcmp(archived, "true") == 0 && req->who.role != EG_ROLE_ADMIN) {
            eg_reply_error(req, EG_E_FORBIDDEN, "archived",
                           "Only administrators list archived places.");
            return;
        }
        arch = strcmp(archived, "true") == 0;
    }
    char pattern[40] = "";
    if (amenity)
        snprintf(pattern, sizeof pattern, "%%,%s,%%", amenity);
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(
        req->db, &st,
        "SELECT " PLACE_COLS " WHERE archived = ? AND (? = '' OR type = ?) AND (? = '' OR "
        "district = ?) AND (? = '' OR amenities LIKE ?) AND (? = 0 OR id > ?) ORDER BY id LIMIT ?",
        "itttttt"
        "iii",
        arch, type ? type : "", type ? type : "", district ? district : "",
        district ? district : "", pattern, pattern, cursor, cursor, limit + 1);
    json_t *items = json_array();
    int64_t n = 0, last = 0, more = 0;
    while (eg_db_next(st, &rc)) {
        if (n == limit) {
            more = 1;
            continue;
        }
        last = eg_stmt_i64(st, 0);
        json_array_append_new(items, place_json(st));
        n++;
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    if (xlsx && more) {
        json_decref(items);
        eg_reply_error(req, EG_E_UNPROCESSABLE, NULL,
                       "More than %d places match; an export holds at most %d. Narrow the "
                       "filters.",
                       PLACES_EXPORT_MAX, PLACES_EXPORT_MAX);
        return;
    }
    if (xlsx) {
        eg_monitoring_reply_xlsx(req, "places", items);
        return;
    }
    json_t *body = json_pack("{s:o}", "items", items);
    if (more) {
        char buf[24];
        snprintf(buf, sizeof buf, "%lld", (long long)last);
        json_object_set_new(body, "next_cursor", json_string(buf));
    } else {
        json_object_set_new(body, "next_cursor", json_null());
    }
    eg_reply_json(req, 200, body);
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

/* The place's fields, checked; what is absent keeps its stored value (patch). */
struct place_in {
    const char *type, *name, *district, *address, *phone, *hours, *note;
    int64_t lat, lng;
    int has_lat, has_lng;
    char amenities[1024];
    int has_amenities;
    int archived; /* -1 keep */
    const char *field, *why;
};

static int text_ok(const char *s, size_t max, int empty_ok)
{
    if (!s)
        return 1;
    size_t n = strlen(s);
    if (n == 0)
        return empty_ok;
    if (!eg_utf8_valid(s, n) || eg_utf8_chars(s, n) > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* Read and check the body into in (create: required fields must be there). */
static enum eg_status read_place(struct eg_db *db, const json_t *b, int create, struct place_in *in)
{
    memset(in, 0, sizeof *in);
    in->type = eg_json_str(b, "type", NULL);
    in->name = eg_json_str(b, "name", NULL);
    in->district = eg_json_str(b, "district", NULL);
    in->address = eg_json_str(b, "address", NULL);
    in->phone = eg_json_str(b, "phone", NULL);
    in->hours = eg_json_str(b, "hours", NULL);
    in->note = eg_json_str(b, "note", NULL);
    in->archived = json_object_get(b, "archived") ? eg_json_bool(b, "archived", 0) : -1;
    in->field = NULL;
    if (in->type && eg_place_type_parse(in->type) < 0) {
        in->field = "type";
        in->why = "type must be a place type (GET /api/v1/dictionary/place_type)";
    } else if (!text_ok(in->name, 200, 0)) {
        in->field = "name";
        in->why = "name must be 1 to 200 characters without control characters";
    } else if (!text_ok(in->address, 300, 1)) {
        in->field = "address";
        in->why = "address must be at most 300 characters without control characters";
    } else if (in->phone && *in->phone &&
               (strlen(in->phone) < 5 || strlen(in->phone) > 32 ||
                strspn(in->phone, "0123456789+-() ") != strlen(in->phone))) {
        in->field = "phone";
        in->why = "phone must be 5 to 32 digits, spaces and + - ( )";
    } else if (!text_ok(in->hours, 100, 1)) {
        in->field = "hours";
        in->why = "hours must be at most 100 characters without control characters";
    } else if (!text_ok(in->note, 500, 1)) {
        in->field = "note";
        in->why = "note must be at most 500 characters without control characters";
    }
    if (in->field)
        return EG_E_INVALID_FIELD;
    if (in->district) {
        int64_t n = 0;
        enum eg_status rc = eg_db_one_i64(
            db, &n, "SELECT COUNT(*) FROM mon_districts WHERE code = ? AND active = 1", "t",
            in->district);
        if (rc != EG_OK)
            return rc;
        if (n == 0) {
            in->field = "district";
            in->why = "district must be a district code (GET /api/v1/dictionary/district)";
            return EG_E_INVALID_FIELD;
        }
    }
    const json_t *lat = json_object_get(b, "lat"), *lng = json_object_get(b, "lng");
    if (lat) {
        double v = json_number_value(lat);
        if (!json_is_number(lat) || !isfinite(v) || v < -90 || v > 90) {
            in->field = "lat";
            in->why = "lat must be a latitude in degrees (-90 to 90)";
            return EG_E_INVALID_FIELD;
        }
        in->lat = (int64_t)llround(v * 1e6);
        in->has_lat = 1;
    }
    if (lng) {
        double v = json_number_value(lng);
        if (!json_is_number(lng) || !isfinite(v) || v < -180 || v > 180) {
            in->field = "lng";
            in->why = "lng must be a longitude in degrees (-180 to 180)";
            return EG_E_INVALID_FIELD;
        }
        in->lng = (int64_t)llround(v * 1e6);
        in->has_lng = 1;
    }
    const json_t *am = json_object_get(b, "amenities");
    if (am) {
        size_t i, used = 1;
        json_t *a;
        in->has_amenities = 1;
        in->amenities[0] = ',';
        in->amenities[1] = '\0';
        json_array_foreach(am, i, a)
        {
            const char *code = json_string_value(a);
            if (!code || strlen(code) > 32 || strchr(code, ',') || !amenity_known(db, code)) {
                in->field = "amenities";
                in->why = "every amenity must be a code of GET /api/v1/dictionary/amenity";
                return EG_E_INVALID_FIELD;
            }
            char probe[40];
            snprintf(probe, sizeof probe, ",%s,", code);
            if (strstr(in->amenities, probe))
                continue;
            int w = snprintf(in->amenities + used, sizeof in->amenities - used, "%s,", code);
            if (w < 0 || (size_t)w >= sizeof in->amenities - used) {
                in->field = "amenities";
                in->why = "too many amenities";
                return EG_E_INVALID_FIELD;
            }
            used += (size_t)w;
        }
    }
    if (create) {
        const char *missing = !in->type       ? "type"
                              : !in->name     ? "name"
                              : !in->district ? "district"
                              : !in->has_lat  ? "lat"
                              : !in->has_lng  ? "lng"
                                              : NULL;
        if (missing) {
            in->field = missing;
            in->why = "a value is required";
            return EG_E_MISSING_FIELD;
        }
    }
    return EG_OK;
}

struct place_tx {
    const struct eg_audit_ctx *ctx;
    const json_t *body;
    struct place_in in;
    int64_t id;
};

static enum eg_status create_tx(struct eg_db *db, void *p)
{
    struct place_tx *t = p;
    struct place_in *in = &t->in;
    struct eg_stmt *st = NULL;
    int64_t now = eg_now();
    enum eg_status rc = read_place(db, t->body, 1, in);
    if (rc != EG_OK)
        return rc;
    rc = eg_db_query(db, &st,
                     "INSERT INTO places (type, name, district, address, lat_e6, lng_e6, phone, "
                     "hours, amenities, note, archived, created_by, created_at, "
                     "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id",
                     "ttttiitttttii", in->type, in->name, in->district,
                     in->address ? in->address : "", in->lat, in->lng, in->phone ? in->phone : "",
                     in->hours ? in->hours : "", in->has_amenities ? in->amenities : ",",
                     in->note ? in->note : "", t->ctx->who ? t->ctx->who->login : "system", now,
                     now);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        t->id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    return audit(
        db, t->ctx, "place.create", t->id,
        json_pack("{s:s, s:s, s:s}", "type", in->type, "name", in->name, "district", in->district));
}

void eg_places_api_create(struct eg_req *req)
{
    struct eg_audit_ctx ctx = audit_of(req);
    struct place_tx t;
    json_t *out = NULL;
    memset(&t, 0, sizeof t);
    t.ctx = &ctx;
    t.body = req->body;
    enum eg_status rc = eg_db_tx(req->db, create_tx, &t);
    if (rc == EG_OK)
        rc = place_load(req, t.id, &out);
    if (rc != EG_OK) {
        if (t.in.field)
            eg_reply_error(req, rc, t.in.field, "%s", t.in.why);
        else
            eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 201, out);
}

static enum eg_status patch_tx(struct eg_db *db, void *p)
{
    struct place_tx *t = p;
    struct place_in *in = &t->in;
    int64_t n = 0, now = eg_now();
    enum eg_status rc =
        eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM places WHERE id = ?", "i", t->id);
    if (rc != EG_OK)
        return rc;
    if (n == 0)
        return EG_E_NOT_FOUND;
    rc = read_place(db, t->body, 0, in);
    if (rc != EG_OK)
        return rc;
    rc = eg_db_run(db, NULL,
                   "UPDATE places SET type = COALESCE(?, type), name = COALESCE(?, name), "
                   "district = COALESCE(?, district), address = COALESCE(?, address), lat_e6 = "
                   "CASE WHEN ? = 1 THEN ? ELSE lat_e6 END, lng_e6 = CASE WHEN ? = 1 THEN ? ELSE "
                   "lng_e6 END, phone = COALESCE(?, phone), hours = COALESCE(?, hours), "
                   "amenities = COALESCE(?, amenities), note = COALESCE(?, note), archived = CASE "
                   "WHEN ? < 0 THEN archived ELSE ? END, archived_at = CASE WHEN ? = 1 AND "
                   "archived = 0 THEN ? WHEN ? = 0 THEN NULL ELSE archived_at END, updated_at = ? "
                   "WHERE id = ?",
                   "tttt"
                   "iiii"
                   "tttt"
                   "ii"
                   "iii"
                   "ii",
                   in->type, in->name, in->district, in->address, (int64_t)in->has_lat, in->lat,
                   (int64_t)in->has_lng, in->lng, in->phone, in->hours,
                   in->has_amenities ? in->amenities : NULL, in->note, (int64_t)in->archived,
                   (int64_t)in->archived, (int64_t)in->archived, now, (int64_t)in->archived, now,
                   t->id);
    if (rc != EG_OK)
        return rc;
    return audit(db, t->ctx, "place.update", t->id, json_deep_copy(t->body));
}

void eg_places_api_patch(struct eg_req *req)
{
    struct eg_audit_ctx ctx = audit_of(req);
    struct place_tx t;
    json_t *out = NULL;
    memset(&t, 0, sizeof t);
    t.ctx = &ctx;
    t.body = req->body;
    enum eg_status rc = eg_req_param_id(req, "id", &t.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, patch_tx, &t);
    if (rc == EG_OK)
        rc = place_load(req, t.id, &out);
    if (rc != EG_OK) {
        if (t.in.field)
            eg_reply_error(req, rc, t.in.field, "%s", t.in.why);
        else
            eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, out);
}

struct archive_tx {
    const struct eg_audit_ctx *ctx;
    int64_t id;
    const char *reason;
};

static enum eg_status archive_tx(struct eg_db *db, void *p)
{
    struct archive_tx *t = p;
    int64_t archived = 0, now = eg_now();
    enum eg_status rc =
        eg_db_one_i64(db, &archived, "SELECT archived FROM places WHERE id = ?", "i", t->id);
    if (rc != EG_OK || archived)
        return rc; /* archiving twice changes nothing */
    rc = eg_db_run(db, NULL,
                   "UPDATE places SET archived = 1, archived_at = ?, updated_at = ? WHERE id = ?",
                   "iii", now, now, t->id);
    if (rc == EG_OK)
        rc = audit(db, t->ctx, "place.archive", t->id,
                   json_pack("{s:s}", "reason", t->reason ? t->reason : ""));
    return rc;
}

static const struct eg_field archive_spec[] = {
    {"reason", EG_FT_STRING, EG_F_NULLABLE, 500, 0, 0, NULL, NULL, NULL},
    {0},
};

void eg_places_api_archive(struct eg_req *req)
{
    struct eg_field_error ferr;
    if (req->body && eg_fields_check(req->body, archive_spec, &ferr) != EG_OK) {
        eg_reply_error(req, ferr.status, ferr.field[0] ? ferr.field : NULL, "%s", ferr.message);
        return;
    }
    struct eg_audit_ctx ctx = audit_of(req);
    struct archive_tx t = {&ctx, 0, eg_json_str(req->body, "reason", NULL)};
    json_t *out = NULL;
    if (t.reason && !text_ok(t.reason, 500, 1)) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "reason",
                       "reason must be at most 500 characters without control characters");
        return;
    }
    enum eg_status rc = eg_req_param_id(req, "id", &t.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, archive_tx, &t);
    if (rc == EG_OK)
        rc = place_load(req, t.id, &out);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, out);
}

struct checkin_tx {
    const struct eg_audit_ctx *ctx;
    int64_t place, person, id, at;
    int counted;
};

/* A check-in counts once per worker and place within CHECKIN_WINDOW_S. */
static enum eg_status checkin_tx(struct eg_db *db, void *p)
{
    struct checkin_tx *t = p;
    int64_t archived = 0, now = eg_now(), last = 0;
    char day[11];
    t->counted = 0;
    enum eg_status rc =
        eg_db_one_i64(db, &archived, "SELECT archived FROM places WHERE id = ?", "i", t->place);
    if (rc != EG_OK)
        return rc;
    if (archived)
        return EG_E_NOT_FOUND;
    struct eg_stmt *st = NULL;
    rc = eg_db_query(db, &st,
                     "SELECT id, at FROM place_checkins WHERE person_id = ? AND place_id = ? AND "
                     "at > ? ORDER BY at DESC LIMIT 1",
                     "iii", t->person, t->place, now - CHECKIN_WINDOW_S);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        t->id = eg_stmt_i64(st, 0);
        last = eg_stmt_i64(st, 1);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    if (last > 0) {
        t->at = last;
        return EG_OK;
    }
    eg_date_format(eg_day_of(now), day);
    rc =
        eg_db_query(db, &st,
                    "INSERT INTO place_checkins (place_id, person_id, at, day) VALUES (?, ?, ?, ?) "
                    "RETURNING id",
                    "iiit", t->place, t->person, now, day);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        t->id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    /* a place's check-in count is the number of these rows: no counter to keep */
    t->at = now;
    t->counted = 1;
    return audit(db, t->ctx, "place.checkin", t->place, NULL);
}

void eg_places_api_checkin(struct eg_req *req)
{
    struct eg_audit_ctx ctx = audit_of(req);
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
                            (json_int_t)t.place, "at", instant(t.at), "counted", t.counted));
}

void eg_places_api_checkins(struct eg_req *req)
{
    int64_t id = 0;
    json_t *place = NULL;
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK)
        rc = place_load(req, id, &place);
    if (rc == EG_E_NOT_FOUND && id > 0 && req->who.role != EG_ROLE_ADMIN) {
        int64_t n = 0; /* staff see the usage of archived places too */
        if (eg_db_one_i64(req->db, &n, "SELECT COUNT(*) FROM places WHERE id = ?", "i", id) ==
                EG_OK &&
            n > 0)
            rc = EG_OK;
    }
    json_decref(place);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_day today = eg_day_of(eg_now()), from;
    char f[11], t[11];
    const char *fs = eg_req_query(req, "from");
    from = today - 29;
    if (fs && eg_date_parse(fs, &from) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "from", "from %s", eg_date_problem(fs));
        return;
    }
    if (from > today || today - from > 366) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "from",
                       "from must be within the last 367 days");
        return;
    }
    eg_date_format(from, f);
    eg_date_format(today, t);
    struct eg_stmt *st = NULL;
    json_t *days = json_array();
    int64_t total = 0, people = 0;
    rc = eg_db_query(req->db, &st,
                     "SELECT day, COUNT(*) FROM place_checkins WHERE place_id = ? AND day >= ? AND "
                     "day <= ? GROUP BY day ORDER BY day",
                     "itt", id, f, t);
    while (eg_db_next(st, &rc)) {
        json_array_append_new(days, json_pack("{s:s, s:I}", "date", eg_stmt_text(st, 0), "count",
                                              (json_int_t)eg_stmt_i64(st, 1)));
        total += eg_stmt_i64(st, 1);
    }
    eg_stmt_done(st);
    if (rc == EG_OK)
        rc = eg_db_one_i64(req->db, &people,
                           "SELECT COUNT(DISTINCT person_id) FROM place_checkins WHERE place_id = "
                           "? AND day >= ? AND day <= ?",
                           "itt", id, f, t);
    if (rc != EG_OK) {
        json_decref(days);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200,
                  json_pack("{s:I, s:s, s:s, s:I, s:I, s:o}", "place_id", (json_int_t)id, "from", f,
                            "to", t, "checkins", (json_int_t)total, "people", (json_int_t)people,
                            "by_day", days));
}

void eg_places_api_usage(struct eg_req *req)
{
    int xlsx = wants_xlsx(req);
    if (xlsx < 0)
        return;
    eg_day today = eg_day_of(eg_now()), from = today - 29, to = today;
    const char *fs = eg_req_query(req, "from"), *ts = eg_req_query(req, "to");
    if ((fs && eg_date_parse(fs, &from) != EG_OK) || (ts && eg_date_parse(ts, &to) != EG_OK) ||
        from > to || to - from > 366) {
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
    struct eg_stmt *st = NULL;
    json_t *items = json_array();
    enum eg_status rc = eg_db_query(
        req->db, &st,
        "SELECT p.id, p.name, p.type, p.district, COUNT(c.id), COUNT(DISTINCT c.person_id) FROM "
        "places p JOIN place_checkins c ON c.place_id = p.id WHERE c.day >= ? AND c.day <= ? AND "
        "(? = '' OR p.type = ?) GROUP BY p.id, p.name, p.type, p.district ORDER BY COUNT(c.id) "
        "DESC, p.id LIMIT 1000",
        "tttt", f, t, type ? type : "", type ? type : "");
    while (eg_db_next(st, &rc)) {
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I}", "place_id",
                                               (json_int_t)eg_stmt_i64(st, 0), "name",
                                               eg_stmt_text(st, 1), "type", eg_stmt_text(st, 2),
                                               "district", eg_stmt_text(st, 3), "checkins",
                                               (json_int_t)eg_stmt_i64(st, 4), "people",
                                               (json_int_t)eg_stmt_i64(st, 5)));
    }
    eg_stmt_done(st);
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
