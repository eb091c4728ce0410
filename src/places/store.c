/*
 * store.c — the SQL of the places module (see store.h), and the nearest-N
 * search over the places table (see places.h).
 *
 * The search: each round reads the candidates of a box from the indexed (archived,
 * [type,] lat_e6, lng_e6) columns, keeps the best `limit` by exact distance,
 * and stops once the limit-th is within the box's inscribed circle (then no
 * place outside the box can be nearer) or the box covers the earth. The box
 * starts at 1 km and grows fourfold.
 */
#include "places/store.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "places/places.h"
#include "places/rules.h"

#define FIRST_RADIUS_M 1000.0
#define MAX_ROUNDS     12

struct cand {
    int64_t id;
    double dist;
};

/* Insert (id, dist) into the sorted best list of at most limit entries. */
static void keep_best(struct cand *best, size_t *n, size_t limit, int64_t id, double dist)
{
    for (size_t i = 0; i < *n; i++)
        if (best[i].id == id)
            return;
    if (*n == limit && dist >= best[*n - 1].dist)
        return;
    size_t i = *n < limit ? (*n)++ : limit - 1;
    while (i > 0 &&
           (best[i - 1].dist > dist || (best[i - 1].dist == dist && best[i - 1].id > id))) {
        best[i] = best[i - 1];
        i--;
    }
    best[i].id = id;
    best[i].dist = dist;
}

/* One round: the candidates of a box. */
static enum eg_status scan_box(struct eg_db *db, int type, const char *amenity, int64_t lat,
                               int64_t lng, int64_t a, int64_t b, int64_t c, int64_t d,
                               struct cand *best, size_t *n, size_t limit)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;
    if (type >= 0)
        rc = eg_db_query(db, &st,
                         "SELECT id, lat_e6, lng_e6, amenities FROM places WHERE archived = 0 AND "
                         "type = ? AND lat_e6 >= ? AND lat_e6 <= ? AND lng_e6 >= ? AND lng_e6 <= ?",
                         "tiiii", eg_place_type_names[type], a, b, c, d);
    else
        rc = eg_db_query(db, &st,
                         "SELECT id, lat_e6, lng_e6, amenities FROM places WHERE archived = 0 AND "
                         "lat_e6 >= ? AND lat_e6 <= ? AND lng_e6 >= ? AND lng_e6 <= ?",
                         "iiii", a, b, c, d);
    while (eg_db_next(st, &rc)) {
        if (amenity && !eg_places_amenities_has(eg_stmt_text(st, 3), amenity))
            continue;
        double dist = eg_places_distance_m(lat, lng, eg_stmt_i64(st, 1), eg_stmt_i64(st, 2));
        keep_best(best, n, limit, eg_stmt_i64(st, 0), dist);
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_places_nearest(struct eg_db *db, struct eg_arena *ar, int64_t lat_e6,
                                 int64_t lng_e6, int type, const char *amenity, size_t limit,
                                 struct eg_place_hit **hits, size_t *n)
{
    enum eg_status rc = EG_OK;
    size_t nb = 0;
    *hits = NULL;
    *n = 0;
    if (limit == 0 || limit > 200 || type >= EG_PLACE_TYPES)
        return EG_E_INVALID_PARAMETER;
    struct cand *best = calloc(limit, sizeof *best);
    if (!best)
        return EG_E_INTERNAL;
    double radius = FIRST_RADIUS_M;
    for (int round = 0; round < MAX_ROUNDS; round++, radius *= 4) {
        int64_t a, b, c, d;
        int whole = 0;
        eg_places_bbox(lat_e6, lng_e6, radius, &a, &b, &c, &d, &whole);
        rc = scan_box(db, type, amenity, lat_e6, lng_e6, a, b, c, d, best, &nb, limit);
        if (rc != EG_OK)
            goto out;
        int world = whole && a <= -90000000 && b >= 90000000;
        if ((nb == limit && best[nb - 1].dist <= radius) || world)
            break;
    }
    *hits = eg_arena_alloc(ar, (nb ? nb : 1) * sizeof **hits);
    if (!*hits) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    for (size_t i = 0; i < nb; i++) {
        struct eg_stmt *st = NULL;
        rc = eg_db_query(db, &st,
                         "SELECT id, type, name, district, address, phone, hours, amenities, "
                         "lat_e6, lng_e6 FROM places WHERE id = ?",
                         "i", best[i].id);
        if (rc == EG_OK)
            rc = eg_stmt_step(st);
        if (rc == EG_ROW) {
            struct eg_place_hit *h = &(*hits)[*n];
            h->id = eg_stmt_i64(st, 0);
            h->type = (enum eg_place_type)eg_place_type_parse(eg_stmt_text(st, 1));
            h->name = eg_arena_strdup(ar, eg_stmt_text(st, 2));
            h->district = eg_arena_strdup(ar, eg_stmt_text(st, 3));
            h->address = eg_arena_strdup(ar, eg_stmt_text(st, 4));
            h->phone = eg_arena_strdup(ar, eg_stmt_text(st, 5));
            h->hours = eg_arena_strdup(ar, eg_stmt_text(st, 6));
            h->amenities = eg_arena_strdup(ar, eg_stmt_text(st, 7));
            h->lat_e6 = eg_stmt_i64(st, 8);
            h->lng_e6 = eg_stmt_i64(st, 9);
            h->distance_m = (int64_t)(best[i].dist + 0.5);
            (*n)++;
            rc = EG_OK;
        } else if (rc == EG_DONE) {
            rc = EG_OK; /* archived meanwhile */
        }
        eg_stmt_done(st);
        if (rc != EG_OK)
            goto out;
    }
out:
    free(best);
    return rc;
}

/* ---- places ----------------------------------------------------------------- */

#define PLACE_COLS                                                                                 \
    "id, type, name, district, address, lat_e6, lng_e6, phone, hours, amenities, note, "           \
    "(SELECT COUNT(*) FROM place_checkins pc WHERE pc.place_id = places.id), archived, "           \
    "created_at, updated_at FROM places"

/* The current row of a PLACE_COLS query: strings copied into a, or the statement's if a is NULL. */
static void place_row(struct eg_stmt *st, struct eg_arena *a, struct eg_place_row *r)
{
    const char **text[] = {&r->type,  &r->name,  &r->district,  &r->address,
                           &r->phone, &r->hours, &r->amenities, &r->note};
    const int col[] = {1, 2, 3, 4, 7, 8, 9, 10};
    for (size_t i = 0; i < sizeof col / sizeof col[0]; i++)
        *text[i] = a ? eg_stmt_dup_text(st, a, col[i]) : eg_stmt_text(st, col[i]);
    r->id = eg_stmt_i64(st, 0);
    r->lat_e6 = eg_stmt_i64(st, 5);
    r->lng_e6 = eg_stmt_i64(st, 6);
    r->checkins = eg_stmt_i64(st, 11);
    r->archived = eg_stmt_i64(st, 12) != 0;
    r->created_at = eg_stmt_i64(st, 13);
    r->updated_at = eg_stmt_i64(st, 14);
}

enum eg_status eg_places_store_get(struct eg_db *db, struct eg_arena *a, int64_t id,
                                   struct eg_place_row *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(db, &st, "SELECT " PLACE_COLS " WHERE id = ?", "i", id);
    int found = 0;
    while (!found && eg_db_next(st, &rc)) {
        place_row(st, a, out);
        found = 1;
    }
    eg_stmt_done(st);
    return rc == EG_OK && !found ? EG_E_NOT_FOUND : rc;
}

enum eg_status eg_places_store_archived(struct eg_db *db, int64_t id, int *archived)
{
    int64_t v = 0;
    enum eg_status rc = eg_db_one_i64(db, &v, "SELECT archived FROM places WHERE id = ?", "i", id);
    *archived = v != 0;
    return rc;
}

enum eg_status eg_places_store_list(struct eg_db *db, const struct eg_places_filter *f,
                                    int64_t after, int64_t max_rows, eg_places_row_fn fn, void *ctx)
{
    const char *type = f->type ? f->type : "", *district = f->district ? f->district : "";
    char pattern[EG_PLACES_AMENITY_MAX + 8] = "";
    struct eg_stmt *st = NULL;
    struct eg_place_row row;
    assert(db && f && fn && max_rows > 0);
    assert(!f->amenity || strlen(f->amenity) <= EG_PLACES_AMENITY_MAX);
    if (f->amenity)
        snprintf(pattern, sizeof pattern, "%%,%s,%%", f->amenity);
    enum eg_status rc = eg_db_query(
        db, &st,
        "SELECT " PLACE_COLS " WHERE archived = ? AND (? = '' OR type = ?) AND (? = '' OR "
        "district = ?) AND (? = '' OR amenities LIKE ?) AND (? = 0 OR id > ?) ORDER BY id LIMIT ?",
        "itttttt"
        "iii",
        (int64_t)f->archived, type, type, district, district, pattern, pattern, after, after,
        max_rows);
    while (eg_db_next(st, &rc)) {
        place_row(st, NULL, &row);
        rc = fn(ctx, &row);
    }
    eg_stmt_done(st);
    return rc;
}

/* Run a one-row RETURNING id statement already bound in st (eg_db_query's rc): the id in *id. */
static enum eg_status returning_id(struct eg_stmt *st, enum eg_status rc, int64_t *id)
{
    int rows = 0;
    while (eg_db_next(st, &rc)) {
        if (id)
            *id = eg_stmt_i64(st, 0);
        rows++;
    }
    eg_stmt_done(st);
    return rc == EG_OK && rows != 1 ? EG_E_DB : rc;
}

enum eg_status eg_places_store_insert(struct eg_db *db, const struct eg_place_set *s,
                                      const char *by, int64_t now, int64_t *id)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc =
        eg_db_query(db, &st,
                    "INSERT INTO places (type, name, district, address, lat_e6, lng_e6, phone, "
                    "hours, amenities, note, archived, created_by, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id",
                    "ttttiitttttii", s->type, s->name, s->district, s->address ? s->address : "",
                    s->lat_e6, s->lng_e6, s->phone ? s->phone : "", s->hours ? s->hours : "",
                    s->amenities ? s->amenities : ",", s->note ? s->note : "", by, now, now);
    return returning_id(st, rc, id);
}

enum eg_status eg_places_store_update(struct eg_db *db, int64_t id, const struct eg_place_set *s,
                                      int64_t now)
{
    int64_t arch = s->archived;
    return eg_db_run(db, NULL,
                     "UPDATE places SET type = COALESCE(?, type), name = COALESCE(?, name), "
                     "district = COALESCE(?, district), address = COALESCE(?, address), lat_e6 = "
                     "CASE WHEN ? = 1 THEN ? ELSE lat_e6 END, lng_e6 = CASE WHEN ? = 1 THEN ? ELSE "
                     "lng_e6 END, phone = COALESCE(?, phone), hours = COALESCE(?, hours), "
                     "amenities = COALESCE(?, amenities), note = COALESCE(?, note), archived = "
                     "CASE WHEN ? < 0 THEN archived ELSE ? END, archived_at = CASE WHEN ? = 1 AND "
                     "archived = 0 THEN ? WHEN ? = 0 THEN NULL ELSE archived_at END, updated_at = "
                     "? WHERE id = ?",
                     "tttt"
                     "iiii"
                     "tttt"
                     "ii"
                     "iii"
                     "ii",
                     s->type, s->name, s->district, s->address, (int64_t)s->has_lat, s->lat_e6,
                     (int64_t)s->has_lng, s->lng_e6, s->phone, s->hours, s->amenities, s->note,
                     arch, arch, arch, now, arch, now, id);
}

enum eg_status eg_places_store_archive(struct eg_db *db, int64_t id, int64_t now)
{
    return eg_db_run(db, NULL,
                     "UPDATE places SET archived = 1, archived_at = ?, updated_at = ? WHERE id = ?",
                     "iii", now, now, id);
}

enum eg_status eg_places_store_count(struct eg_db *db, int64_t *n)
{
    return eg_db_one_i64(db, n, "SELECT COUNT(*) FROM places", "");
}

/* The first column of each row of a parameterless query, at most cap of them. */
static enum eg_status load_ids(struct eg_db *db, const char *sql, int64_t *ids, size_t cap,
                               size_t *n)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(db, &st, sql, "");
    *n = 0;
    while (eg_db_next(st, &rc)) {
        if (*n < cap)
            ids[(*n)++] = eg_stmt_i64(st, 0);
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_places_store_ids(struct eg_db *db, int64_t *ids, size_t cap, size_t *n)
{
    return load_ids(db, "SELECT id FROM places WHERE archived = 0 ORDER BY id", ids, cap, n);
}

enum eg_status eg_places_store_people_ids(struct eg_db *db, int64_t *ids, size_t cap, size_t *n)
{
    return load_ids(db, "SELECT id FROM people ORDER BY id", ids, cap, n);
}

/* ---- check-ins -------------------------------------------------------------- */

enum eg_status eg_places_store_checkin_last(struct eg_db *db, int64_t place, int64_t person,
                                            int64_t since, int *found, int64_t *id, int64_t *at)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;
    *found = 0;
    rc = eg_db_query(db, &st,
                     "SELECT id, at FROM place_checkins WHERE person_id = ? AND place_id = ? AND "
                     "at > ? ORDER BY at DESC LIMIT 1",
                     "iii", person, place, since);
    while (eg_db_next(st, &rc)) {
        *id = eg_stmt_i64(st, 0);
        *at = eg_stmt_i64(st, 1);
        *found = 1;
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_places_store_checkin_add(struct eg_db *db, int64_t place, int64_t person,
                                           int64_t at, const char *day, int64_t *id)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc =
        eg_db_query(db, &st,
                    "INSERT INTO place_checkins (place_id, person_id, at, day) VALUES (?, ?, ?, ?) "
                    "RETURNING id",
                    "iiit", place, person, at, day);
    return returning_id(st, rc, id);
}

enum eg_status eg_places_store_checkin_days(struct eg_db *db, int64_t place, const char *from,
                                            const char *to, eg_places_day_fn fn, void *ctx)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc =
        eg_db_query(db, &st,
                    "SELECT day, COUNT(*) FROM place_checkins WHERE place_id = ? AND day >= ? AND "
                    "day <= ? GROUP BY day ORDER BY day",
                    "itt", place, from, to);
    while (eg_db_next(st, &rc))
        rc = fn(ctx, eg_stmt_text(st, 0), eg_stmt_i64(st, 1));
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_places_store_checkin_people(struct eg_db *db, int64_t place, const char *from,
                                              const char *to, int64_t *people)
{
    return eg_db_one_i64(db, people,
                         "SELECT COUNT(DISTINCT person_id) FROM place_checkins WHERE place_id = "
                         "? AND day >= ? AND day <= ?",
                         "itt", place, from, to);
}

enum eg_status eg_places_store_usage(struct eg_db *db, const char *from, const char *to,
                                     const char *type, eg_places_usage_fn fn, void *ctx)
{
    struct eg_stmt *st = NULL;
    struct eg_place_usage u;
    const char *t = type ? type : "";
    enum eg_status rc = eg_db_query(
        db, &st,
        "SELECT p.id, p.name, p.type, p.district, COUNT(c.id), COUNT(DISTINCT c.person_id) FROM "
        "places p JOIN place_checkins c ON c.place_id = p.id WHERE c.day >= ? AND c.day <= ? AND "
        "(? = '' OR p.type = ?) GROUP BY p.id, p.name, p.type, p.district ORDER BY COUNT(c.id) "
        "DESC, p.id LIMIT 1000",
        "tttt", from, to, t, t);
    while (eg_db_next(st, &rc)) {
        u.place_id = eg_stmt_i64(st, 0);
        u.name = eg_stmt_text(st, 1);
        u.type = eg_stmt_text(st, 2);
        u.district = eg_stmt_text(st, 3);
        u.checkins = eg_stmt_i64(st, 4);
        u.people = eg_stmt_i64(st, 5);
        rc = fn(ctx, &u);
    }
    eg_stmt_done(st);
    return rc;
}
