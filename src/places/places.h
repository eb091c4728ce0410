/*
 * places.h — places (service points, rest stations, 爱心餐, water, charging,
 * toilets) as other modules see them: the nearest-N search, and the
 * great-circle arithmetic behind it.
 *
 * Coordinates are integer micro-degrees (WGS-84 degrees × 10^6) everywhere
 * they are stored or passed; distances are computed in C with doubles and
 * returned in whole metres. The HTTP endpoints are in eg_places_routes
 * (app/routes.h), the demo in eg_places_seed_demo (demo/demo.h).
 */
#ifndef EG_PLACES_PLACES_H
#define EG_PLACES_PLACES_H

#include <stddef.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/status.h"

struct eg_db;

/* Place types, in the order of the API's enumeration. */
enum eg_place_type {
    EG_PLACE_RIGHTS_SERVICE_POINT,
    EG_PLACE_INSURANCE_POINT,
    EG_PLACE_REST_STATION,
    EG_PLACE_LOVE_MEAL,
    EG_PLACE_WATER,
    EG_PLACE_CHARGING,
    EG_PLACE_TOILET,
    EG_PLACE_TYPES
};

/* "rights_service_point" … "toilet", NULL-terminated. */
extern const char *const eg_place_type_names[EG_PLACE_TYPES + 1];

/* The type of a name, or -1. */
int eg_place_type_parse(const char *name);

/* Mean Earth radius in metres (IUGG). */
#define EG_PLACES_EARTH_RADIUS_M 6371008.8

/* Great-circle (haversine) distance in metres between two points in micro-degrees. */
double eg_places_distance_m(int64_t lat1_e6, int64_t lng1_e6, int64_t lat2_e6, int64_t lng2_e6);

/*
 * The box of micro-degrees that holds every point within radius_m of
 * (lat, lng): any point outside it is farther than radius_m (the box is
 * wider than the circle, never narrower). *whole_lng is 1 when the circle
 * reaches a pole or wraps the longitudes (then the longitude bounds are
 * the whole range).
 */
void eg_places_bbox(int64_t lat_e6, int64_t lng_e6, double radius_m, int64_t *min_lat,
                    int64_t *max_lat, int64_t *min_lng, int64_t *max_lng, int *whole_lng);

/* One place found near a point. */
struct eg_place_hit {
    int64_t id;
    enum eg_place_type type;
    const char *name; /* arena copies */
    const char *district;
    const char *address;
    const char *phone;
    const char *hours;
    const char *amenities; /* ",water,toilet," */
    int64_t lat_e6, lng_e6;
    int64_t distance_m;
};

/*
 * The `limit` (1–200) unarchived places nearest to (lat_e6, lng_e6), nearest
 * first, optionally only of one type (type < 0: any) and only those with an
 * amenity (NULL: any). Candidates come from the indexed latitude/longitude
 * columns inside a box around the point that widens (×4) until it holds
 * enough places within its inscribed circle; exact distances are computed
 * here. *hits (arena memory) gets at most limit places, *n how many.
 */
enum eg_status eg_places_nearest(struct eg_db *db, struct eg_arena *a, int64_t lat_e6,
                                 int64_t lng_e6, int type, const char *amenity, size_t limit,
                                 struct eg_place_hit **hits, size_t *n);

#endif
