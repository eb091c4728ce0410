/*
 * api_reference.c — reference data and workers' qualifications:
 *
 *   GET /api/v1/dictionary                the code lists and what each holds
 *   GET/PUT /api/v1/dictionary/{list}     one list; administrators edit it
 *   /api/v1/workers/{person_id}/certificates and …/trainings
 *
 * Some lists are fixed by the software (their codes drive behaviour: roster
 * statuses, place types, alert levels …): only their labels can change.
 * Others (sectors, amenities, certificate and training kinds, occupations,
 * districts) also take new codes, and retire old ones with active = false —
 * codes are never deleted, since stored rows name them.
 */
#include "monitoring/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authz.h"
#include "db/db.h"

enum list_kind { LIST_DICT, LIST_OCCUPATION, LIST_DISTRICT, LIST_INDICATOR };
enum list_edit { EDIT_CODES, EDIT_LABELS, EDIT_NONE };

static const struct {
    const char *name;
    enum list_kind kind;
    enum list_edit edit;
    const char *description;
} lists[] = {
    {"sector", LIST_DICT, EDIT_CODES, "Platform sectors"},
    {"occupation", LIST_OCCUPATION, EDIT_CODES,
     "Occupation catalogue (新就业形态职业工种目录) with the names and aliases rosters may use"},
    {"district", LIST_DISTRICT, EDIT_CODES, "The city's districts with their centres"},
    {"amenity", LIST_DICT, EDIT_CODES, "Amenities of places"},
    {"certificate_kind", LIST_DICT, EDIT_CODES, "Kinds of skills and safety certificates"},
    {"training_kind", LIST_DICT, EDIT_CODES, "Kinds of training"},
    {"roster_status", LIST_DICT, EDIT_LABELS, "Statuses of a worker on a platform's roster"},
    {"place_type", LIST_DICT, EDIT_LABELS, "Types of places"},
    {"alert_level", LIST_DICT, EDIT_LABELS, "Alert levels"},
    {"alert_state", LIST_DICT, EDIT_LABELS, "Alert states"},
    {"scope", LIST_DICT, EDIT_LABELS, "Indicator and alert scopes"},
    {"scorecard_principle", LIST_DICT, EDIT_LABELS, "Fairwork-style scorecard principles"},
    {"feed", LIST_DICT, EDIT_LABELS, "Data feeds"},
    {"traffic_kind", LIST_DICT, EDIT_LABELS, "Kinds of traffic incidents"},
    {"traffic_severity", LIST_DICT, EDIT_LABELS, "Severities of traffic incidents"},
    {"vehicle", LIST_DICT, EDIT_LABELS, "Vehicles in traffic incidents"},
    {"social_scheme", LIST_DICT, EDIT_LABELS, "Social-insurance schemes"},
    {"social_status", LIST_DICT, EDIT_LABELS, "Social-insurance contribution statuses"},
    {"indicator", LIST_INDICATOR, EDIT_NONE, "Monitoring indicators (defined by the software)"},
};
#define N_LISTS (sizeof lists / sizeof lists[0])

static int find_list(const char *name)
{
    for (size_t i = 0; name && i < N_LISTS; i++)
        if (strcmp(lists[i].name, name) == 0)
            return (int)i;
    return -1;
}

static const char *edit_name(enum list_edit e)
{
    return e == EDIT_CODES ? "codes" : e == EDIT_LABELS ? "labels" : "none";
}

void eg_mon_api_dictionary_lists(struct eg_req *req)
{
    json_t *items = json_array();
    for (size_t i = 0; i < N_LISTS; i++) {
        int64_t n = 0;
        if (lists[i].kind == LIST_DICT)
            eg_db_one_i64(req->db, &n, "SELECT COUNT(*) FROM mon_dictionary WHERE list = ?", "t",
                          lists[i].name);
        else if (lists[i].kind == LIST_OCCUPATION)
            eg_db_one_i64(req->db, &n, "SELECT COUNT(*) FROM mon_occupations", "");
        else if (lists[i].kind == LIST_DISTRICT)
            eg_db_one_i64(req->db, &n, "SELECT COUNT(*) FROM mon_districts", "");
        else
            n = EG_MON_IND_COUNT;
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:I}", "list", lists[i].name,
                                               "description", lists[i].description, "editable",
                                               edit_name(lists[i].edit), "count", (json_int_t)n));
    }
    eg_mon_reply_list(req, items, 0, "dictionary");
}

/* A list's entries as JSON. */
static enum eg_status list_items(struct eg_db *db, int li, json_t **out)
{
    struct eg_stmt *st = NULL;
    json_t *items = json_array();
    enum eg_status rc = EG_OK;
    *out = NULL;
    switch (lists[li].kind) {
    case LIST_INDICATOR:
        for (int i = 0; i < EG_MON_IND_COUNT; i++)
            json_array_append_new(
                items, json_pack("{s:s, s:s, s:s, s:s, s:I, s:b}", "code",
                                 eg_mon_indicators[i].name, "label", eg_mon_indicators[i].label,
                                 "label_en", eg_mon_indicators[i].description, "unit",
                                 eg_mon_indicators[i].unit, "sort", (json_int_t)i, "active", 1));
        *out = items;
        return EG_OK;
    case LIST_DICT:
        rc = eg_db_query(db, &st,
                         "SELECT code, label, label_en, sort, active FROM mon_dictionary WHERE "
                         "list = ? ORDER BY sort, code",
                         "t", lists[li].name);
        while (eg_db_next(st, &rc)) {
            json_array_append_new(
                items,
                json_pack("{s:s, s:s, s:s, s:I, s:b}", "code", eg_stmt_text(st, 0), "label",
                          eg_stmt_text(st, 1), "label_en", eg_stmt_text(st, 2), "sort",
                          (json_int_t)eg_stmt_i64(st, 3), "active", (int)eg_stmt_i64(st, 4)));
        }
        break;
    case LIST_OCCUPATION:
        rc = eg_db_query(db, &st,
                         "SELECT code, name, name_en, sort, active, category, gb_code, aliases "
                         "FROM mon_occupations ORDER BY sort, code",
                         "");
        while (eg_db_next(st, &rc)) {
            json_t *aliases = json_loads(eg_stmt_text(st, 7), 0, NULL);
            json_array_append_new(
                items,
                json_pack("{s:s, s:s, s:s, s:I, s:b, s:s, s:s, s:o}", "code", eg_stmt_text(st, 0),
                          "label", eg_stmt_text(st, 1), "label_en", eg_stmt_text(st, 2), "sort",
                          (json_int_t)eg_stmt_i64(st, 3), "active", (int)eg_stmt_i64(st, 4),
                          "category", eg_stmt_text(st, 5), "gb_code", eg_stmt_text(st, 6),
                          "aliases", aliases ? aliases : json_array()));
        }
        break;
    case LIST_DISTRICT:
        rc = eg_db_query(db, &st,
                         "SELECT code, name, name_en, sort, active, lat_e6, lng_e6 FROM "
                         "mon_districts ORDER BY sort, code",
                         "");
        while (eg_db_next(st, &rc)) {
            json_array_append_new(
                items, json_pack("{s:s, s:s, s:s, s:I, s:b, s:f, s:f}", "code", eg_stmt_text(st, 0),
                                 "label", eg_stmt_text(st, 1), "label_en", eg_stmt_text(st, 2),
                                 "sort", (json_int_t)eg_stmt_i64(st, 3), "active",
                                 (int)eg_stmt_i64(st, 4), "lat", (double)eg_stmt_i64(st, 5) / 1e6,
                                 "lng", (double)eg_stmt_i64(st, 6) / 1e6));
        }
        break;
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return EG_OK;
}

void eg_mon_api_dictionary_get(struct eg_req *req)
{
    int li = find_list(eg_req_param(req, "list"));
    json_t *items = NULL;
    if (li < 0) {
        eg_reply_error(req, EG_E_NOT_FOUND, NULL, "No such code list.");
        return;
    }
    if (eg_mon_wants_xlsx(req) < 0)
        return;
    enum eg_status rc = list_items(req->db, li, &items);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    if (eg_mon_wants_xlsx(req) == 1) {
        eg_mon_reply_xlsx(req, lists[li].name, items);
        return;
    }
    eg_reply_json(req, 200,
                  json_pack("{s:s, s:s, s:s, s:o}", "list", lists[li].name, "description",
                            lists[li].description, "editable", edit_name(lists[li].edit), "items",
                            items));
}

struct dict_tx {
    const struct eg_audit_ctx *ctx;
    int li;
    const json_t *items;
    char field[64];
    const char *why;
};

/* A code: 1–32 of [a-z0-9_] (districts: six digits). */
static int dict_code_ok(enum list_kind kind, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (kind == LIST_DISTRICT)
        return n == 6 && strspn(s, "0123456789") == 6;
    return n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* A coordinate in degrees as micro-degrees within ±limit; -1 if not. */
static int coord_e6(const json_t *v, double limit, int64_t *out)
{
    if (!json_is_number(v))
        return -1;
    double d = json_number_value(v);
    if (!isfinite(d) || d < -limit || d > limit)
        return -1;
    *out = (int64_t)llround(d * 1e6);
    return 0;
}

static enum eg_status dict_put_tx(struct eg_db *db, void *p)
{
    struct dict_tx *t = p;
    enum list_kind kind = lists[t->li].kind;
    size_t i;
    json_t *it;
    int64_t now = eg_now();
    t->why = NULL;
    json_array_foreach((json_t *)t->items, i, it)
    {
        const char *code = eg_json_str(it, "code", "");
        const char *label = eg_json_str(it, "label", "");
        const char *label_en = eg_json_str(it, "label_en", "");
        int64_t sort = eg_json_int(it, "sort", 0);
        int active = eg_json_bool(it, "active", 1);
        enum eg_status rc = EG_OK;
        snprintf(t->field, sizeof t->field, "items[%zu].code", i);
        if (!dict_code_ok(kind, code)) {
            t->why = kind == LIST_DISTRICT ? "a district code has six digits"
                                           : "a code is 1 to 32 characters of a-z, 0-9 and _";
            return EG_E_INVALID_FIELD;
        }
        snprintf(t->field, sizeof t->field, "items[%zu].label", i);
        if (!eg_mon_text_ok(label, 100)) {
            t->why = "label must be 1 to 100 characters without control characters";
            return EG_E_INVALID_FIELD;
        }
        snprintf(t->field, sizeof t->field, "items[%zu].label_en", i);
        if (*label_en && !eg_mon_text_ok(label_en, 200)) {
            t->why = "label_en must be at most 200 characters without control characters";
            return EG_E_INVALID_FIELD;
        }
        const char *extra[] = {"lat", "lng", "category", "gb_code", "aliases"};
        for (size_t k = 0; k < 5; k++) {
            int allowed = (k < 2 && kind == LIST_DISTRICT) || (k >= 2 && kind == LIST_OCCUPATION);
            if (!allowed && json_object_get(it, extra[k])) {
                snprintf(t->field, sizeof t->field, "items[%zu].%s", i, extra[k]);
                t->why = "this list has no such field";
                return EG_E_UNKNOWN_FIELD;
            }
        }
        if (kind == LIST_DICT) {
            int64_t exists = 0;
            rc = eg_db_one_i64(db, &exists,
                               "SELECT COUNT(*) FROM mon_dictionary WHERE list = ? AND code = ?",
                               "tt", lists[t->li].name, code);
            if (rc != EG_OK)
                return rc;
            if (!exists && lists[t->li].edit != EDIT_CODES) {
                snprintf(t->field, sizeof t->field, "items[%zu].code", i);
                t->why = "this list's codes are fixed by the software; only labels change";
                return EG_E_INVALID_FIELD;
            }
            rc = eg_db_run(db, NULL,
                           "INSERT INTO mon_dictionary (list, code, label, label_en, sort, active, "
                           "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (list, code) DO "
                           "UPDATE SET label = excluded.label, label_en = excluded.label_en, sort "
                           "= excluded.sort, active = excluded.active, updated_at = "
                           "excluded.updated_at",
                           "ttttiii", lists[t->li].name, code, label, label_en, sort,
                           (int64_t)(lists[t->li].edit == EDIT_CODES ? active : 1), now);
        } else if (kind == LIST_DISTRICT) {
            int64_t lat = 0, lng = 0;
            if (coord_e6(json_object_get(it, "lat"), 90, &lat) != 0) {
                snprintf(t->field, sizeof t->field, "items[%zu].lat", i);
                t->why = "lat must be a latitude in degrees (-90 to 90)";
                return EG_E_INVALID_FIELD;
            }
            if (coord_e6(json_object_get(it, "lng"), 180, &lng) != 0) {
                snprintf(t->field, sizeof t->field, "items[%zu].lng", i);
                t->why = "lng must be a longitude in degrees (-180 to 180)";
                return EG_E_INVALID_FIELD;
            }
            rc = eg_db_run(db, NULL,
                           "INSERT INTO mon_districts (code, name, name_en, lat_e6, lng_e6, sort, "
                           "active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) "
                           "DO UPDATE SET name = excluded.name, name_en = excluded.name_en, lat_e6 "
                           "= excluded.lat_e6, lng_e6 = excluded.lng_e6, sort = excluded.sort, "
                           "active = excluded.active, updated_at = excluded.updated_at",
                           "tttiiiii", code, label, label_en, lat, lng, sort, (int64_t)active, now);
        } else if (kind == LIST_OCCUPATION) {
            const char *category = eg_json_str(it, "category", "");
            const char *gb = eg_json_str(it, "gb_code", "");
            json_t *aliases = json_object_get(it, "aliases");
            char *atext = NULL;
            if ((*category && !dict_code_ok(LIST_DICT, category)) ||
                (*gb && !eg_mon_text_ok(gb, 32))) {
                snprintf(t->field, sizeof t->field, "items[%zu].%s", i,
                         *gb && !eg_mon_text_ok(gb, 32) ? "gb_code" : "category");
                t->why = "category must be a sector code; gb_code at most 32 bytes";
                return EG_E_INVALID_FIELD;
            }
            size_t k;
            json_t *a;
            json_array_foreach(aliases, k, a)
            {
                if (!eg_mon_text_ok(json_string_value(a), 64)) {
                    snprintf(t->field, sizeof t->field, "items[%zu].aliases[%zu]", i, k);
                    t->why = "an alias is 1 to 64 characters without control characters";
                    return EG_E_INVALID_FIELD;
                }
            }
            atext = json_dumps(aliases ? aliases : json_array(), JSON_COMPACT | JSON_ENCODE_ANY);
            if (!aliases) {
                free(atext);
                atext = strdup("[]");
            }
            if (!atext)
                return EG_E_INTERNAL;
            rc = eg_db_run(db, NULL,
                           "INSERT INTO mon_occupations (code, name, name_en, category, gb_code, "
                           "aliases, sort, active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                           "ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = "
                           "excluded.name_en, category = excluded.category, gb_code = "
                           "excluded.gb_code, aliases = excluded.aliases, sort = excluded.sort, "
                           "active = excluded.active, updated_at = excluded.updated_at",
                           "ttttttiii", code, label, label_en, category, gb, atext, sort,
                           (int64_t)active, now);
            free(atext);
        }
        if (rc != EG_OK)
            return rc;
    }
    t->field[0] = '\0';
    return eg_mon_audit_json(db, t->ctx, "dictionary.update", "dictionary", 0,
                             json_pack("{s:s, s:I}", "list", lists[t->li].name, "items",
                                       (json_int_t)json_array_size(t->items)));
}

void eg_mon_api_dictionary_put(struct eg_req *req)
{
    int li = find_list(eg_req_param(req, "list"));
    if (li < 0) {
        eg_reply_error(req, EG_E_NOT_FOUND, NULL, "No such code list.");
        return;
    }
    if (lists[li].edit == EDIT_NONE) {
        eg_reply_error(req, EG_E_CONFLICT, NULL, "This list is defined by the software.");
        return;
    }
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    struct dict_tx t;
    memset(&t, 0, sizeof t);
    t.ctx = &ctx;
    t.li = li;
    t.items = json_object_get(req->body, "items");
    enum eg_status rc = eg_db_tx(req->db, dict_put_tx, &t);
    if (rc != EG_OK) {
        eg_mon_reply_err(req, rc, t.field[0] ? t.field : NULL, t.why);
        return;
    }
    json_t *items = NULL;
    rc = list_items(req->db, li, &items);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200,
                  json_pack("{s:s, s:s, s:s, s:o}", "list", lists[li].name, "description",
                            lists[li].description, "editable", edit_name(lists[li].edit), "items",
                            items));
}

/* ------------------------------------------------ certificates, trainings */

/*
 * Whether the caller may see or record the qualifications of person_id: the
 * worker themself; a platform for the workers on its roster; staff. Anyone
 * else, and unknown people, get 404.
 */
static enum eg_status worker_scope(struct eg_req *req, int64_t person_id)
{
    int64_t n = 0;
    enum eg_status rc =
        eg_db_one_i64(req->db, &n, "SELECT id FROM people WHERE id = ?", "i", person_id);
    if (rc != EG_OK)
        return rc;
    if (req->who.role == EG_ROLE_WORKER)
        return req->who.person_id == person_id ? EG_OK : EG_E_NOT_FOUND;
    if (req->who.role == EG_ROLE_PLATFORM) {
        rc = eg_db_one_i64(
            req->db, &n, "SELECT COUNT(*) FROM mon_roster WHERE platform_id = ? AND person_id = ?",
            "ii", req->who.organisation_id, person_id);
        if (rc != EG_OK)
            return rc;
        return n > 0 ? EG_OK : EG_E_NOT_FOUND;
    }
    return EG_OK;
}

/* Whether a code is in a dictionary list (active). */
static int dict_has(struct eg_db *db, const char *list, const char *code)
{
    int64_t n = 0;
    return eg_db_one_i64(db, &n,
                         "SELECT COUNT(*) FROM mon_dictionary WHERE list = ? AND code = ? AND "
                         "active = 1",
                         "tt", list, code) == EG_OK &&
           n > 0;
}

static json_t *certificate_json(struct eg_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(eg_stmt_i64(st, 0)));
    json_object_set_new(o, "person_id", json_integer(eg_stmt_i64(st, 1)));
    json_object_set_new(o, "kind", json_string(eg_stmt_text(st, 2)));
    json_object_set_new(o, "name", json_string(eg_stmt_text(st, 3)));
    json_object_set_new(o, "level",
                        eg_stmt_is_null(st, 4) ? json_null() : json_integer(eg_stmt_i64(st, 4)));
    json_object_set_new(o, "number", json_string(eg_stmt_text(st, 5)));
    json_object_set_new(o, "issuer", json_string(eg_stmt_text(st, 6)));
    json_object_set_new(o, "issued_on", json_string(eg_stmt_text(st, 7)));
    json_object_set_new(o, "expires_on",
                        eg_stmt_is_null(st, 8) ? json_null() : json_string(eg_stmt_text(st, 8)));
    json_object_set_new(o, "recorded_by", json_string(eg_stmt_text(st, 9)));
    json_object_set_new(o, "created_at", eg_mon_instant_json(eg_stmt_i64(st, 10)));
    return o;
}

static json_t *training_json(struct eg_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(eg_stmt_i64(st, 0)));
    json_object_set_new(o, "person_id", json_integer(eg_stmt_i64(st, 1)));
    json_object_set_new(o, "kind", json_string(eg_stmt_text(st, 2)));
    json_object_set_new(o, "title", json_string(eg_stmt_text(st, 3)));
    json_object_set_new(o, "provider", json_string(eg_stmt_text(st, 4)));
    json_object_set_new(o, "hours", json_integer(eg_stmt_i64(st, 5)));
    json_object_set_new(o, "completed_on", json_string(eg_stmt_text(st, 6)));
    json_object_set_new(o, "recorded_by", json_string(eg_stmt_text(st, 7)));
    json_object_set_new(o, "created_at", eg_mon_instant_json(eg_stmt_i64(st, 8)));
    return o;
}

#define CERT_COLS                                                                                  \
    "id, person_id, kind, name, level, number, issuer, issued_on, expires_on, recorded_by, "       \
    "created_at FROM mon_certificates"
#define TRAINING_COLS                                                                              \
    "id, person_id, kind, title, provider, hours, completed_on, recorded_by, created_at FROM "     \
    "mon_trainings"

/* The list of one worker's certificates or trainings. */
static void quals_list(struct eg_req *req, int certs)
{
    int64_t person = 0;
    enum eg_status rc = eg_req_param_id(req, "person_id", &person);
    if (rc == EG_OK)
        rc = worker_scope(req, person);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    if (eg_mon_wants_xlsx(req) < 0)
        return;
    struct eg_stmt *st = NULL;
    json_t *items = json_array();
    rc = eg_db_query(req->db, &st,
                     certs ? "SELECT " CERT_COLS " WHERE person_id = ? ORDER BY id"
                           : "SELECT " TRAINING_COLS " WHERE person_id = ? ORDER BY id",
                     "i", person);
    while (eg_db_next(st, &rc)) {
        json_array_append_new(items, certs ? certificate_json(st) : training_json(st));
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_mon_reply_list(req, items, 0, certs ? "certificates" : "trainings");
}

void eg_mon_api_certificates_list(struct eg_req *req)
{
    quals_list(req, 1);
}

void eg_mon_api_trainings_list(struct eg_req *req)
{
    quals_list(req, 0);
}

struct qual_tx {
    const struct eg_audit_ctx *ctx;
    const json_t *body;
    int64_t person, org, id;
    int certs;
};

static enum eg_status qual_tx_fn(struct eg_db *db, void *p)
{
    struct qual_tx *t = p;
    const json_t *b = t->body;
    struct eg_stmt *st = NULL;
    const char *by = t->ctx->who ? t->ctx->who->login : "system";
    int64_t now = eg_now();
    enum eg_status rc;
    if (t->certs) {
        const json_t *level = json_object_get(b, "level");
        rc = eg_db_query(
            db, &st,
            "INSERT INTO mon_certificates (person_id, kind, name, level, number, "
            "issuer, issued_on, expires_on, organisation_id, recorded_by, created_at) "
            "VALUES (?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, NULLIF(?, 0), ?, ?) "
            "RETURNING id",
            "ittittttiti", t->person, eg_json_str(b, "kind", ""), eg_json_str(b, "name", ""),
            (int64_t)(json_is_integer(level) ? json_integer_value(level) : 0),
            eg_json_str(b, "number", ""), eg_json_str(b, "issuer", ""),
            eg_json_str(b, "issued_on", ""), eg_json_str(b, "expires_on", NULL), t->org, by, now);
    } else {
        rc = eg_db_query(db, &st,
                         "INSERT INTO mon_trainings (person_id, kind, title, provider, hours, "
                         "completed_on, organisation_id, recorded_by, created_at) VALUES (?, ?, ?, "
                         "?, ?, ?, NULLIF(?, 0), ?, ?) RETURNING id",
                         "itttititi", t->person, eg_json_str(b, "kind", ""),
                         eg_json_str(b, "title", ""), eg_json_str(b, "provider", ""),
                         eg_json_int(b, "hours", 0), eg_json_str(b, "completed_on", ""), t->org, by,
                         now);
    }
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        t->id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    return eg_mon_audit_json(db, t->ctx, t->certs ? "certificate.create" : "training.create",
                             t->certs ? "certificate" : "training", t->id,
                             json_pack("{s:I, s:s}", "person_id", (json_int_t)t->person, "kind",
                                       eg_json_str(b, "kind", "")));
}

/* Record one certificate or training. */
static void quals_create(struct eg_req *req, int certs)
{
    int64_t person = 0;
    const json_t *b = req->body;
    enum eg_status rc = eg_req_param_id(req, "person_id", &person);
    if (rc == EG_OK)
        rc = worker_scope(req, person);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    const char *kind = eg_json_str(b, "kind", "");
    if (!dict_has(req->db, certs ? "certificate_kind" : "training_kind", kind)) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "kind",
                       "kind must be a code of GET /api/v1/dictionary/%s",
                       certs ? "certificate_kind" : "training_kind");
        return;
    }
    const char *text_fields[] = {"name", "title", "number", "issuer", "provider"};
    for (size_t i = 0; i < 5; i++) {
        const char *v = eg_json_str(b, text_fields[i], NULL);
        if (v && *v && !eg_mon_text_ok(v, 200)) {
            eg_reply_error(req, EG_E_INVALID_FIELD, text_fields[i],
                           "%s must be at most 200 characters without control characters",
                           text_fields[i]);
            return;
        }
    }
    eg_day today = eg_mon_today(), on = 0, until = 0;
    const char *date_field = certs ? "issued_on" : "completed_on";
    eg_date_parse(eg_json_str(b, date_field, ""), &on);
    if (on > today) {
        eg_reply_error(req, EG_E_INVALID_FIELD, date_field, "%s must not be in the future",
                       date_field);
        return;
    }
    if (certs && eg_json_str(b, "expires_on", NULL)) {
        eg_date_parse(eg_json_str(b, "expires_on", ""), &until);
        if (until < on) {
            eg_reply_error(req, EG_E_INVALID_FIELD, "expires_on",
                           "expires_on must not be before issued_on");
            return;
        }
    }
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    struct qual_tx t = {&ctx,   b,
                        person, req->who.role == EG_ROLE_PLATFORM ? req->who.organisation_id : 0,
                        0,      certs};
    rc = eg_db_tx(req->db, qual_tx_fn, &t);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    struct eg_stmt *st = NULL;
    rc = eg_db_query(req->db, &st,
                     certs ? "SELECT " CERT_COLS " WHERE id = ?"
                           : "SELECT " TRAINING_COLS " WHERE id = ?",
                     "i", t.id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW)
        eg_reply_json(req, 201, certs ? certificate_json(st) : training_json(st));
    else
        eg_reply_error(req, rc == EG_DONE ? EG_E_NOT_FOUND : rc, NULL, NULL);
    eg_stmt_done(st);
}

void eg_mon_api_certificates_create(struct eg_req *req)
{
    quals_create(req, 1);
}

void eg_mon_api_trainings_create(struct eg_req *req)
{
    quals_create(req, 0);
}
