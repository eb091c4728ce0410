/*
 * store.c — the nearest-N search over the places table (see places.h).
 *
 * Each round reads the candidates of a box from the indexed (archived,
 * [type,] lat_e6, lng_e6) columns, keeps the best `limit` by exact distance,
 * and stops once the limit-th is within the box's inscribed circle (then no
 * place outside the box can be nearer) or the box covers the earth. The box
 * starts at 1 km and grows fourfold.
 */
#include "places/places.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

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

/* Whether the amenity list ",a,b," holds amenity. */
static int has_amenity(const char *list, const char *amenity)
{
    size_t n = strlen(amenity);
    for (const char *p = strstr(list, amenity); p; p = strstr(p + 1, amenity))
        if (p > list && p[-1] == ',' && p[n] == ',')
            return 1;
    return 0;
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
        if (amenity && !has_amenity(eg_stmt_text(st, 3), amenity))
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
