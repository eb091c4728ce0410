/*
 * geo.c — great-circle distances and bounding boxes (see places.h).
 *
 * The box follows the classic construction on a sphere: a circle of angular
 * radius r around latitude φ spans φ ± r, and in longitude
 * ± asin(sin r / cos φ) — unless it reaches a pole, when every longitude is
 * in. The box is rounded outwards to whole micro-degrees.
 *
 * Kept apart from rules.c: this is the spherical geometry of the nearest-N
 * search (store.c), with its own tests (test_places_nearest.c), not a rule
 * about what a client may send.
 */
#include "places/places.h"

#include <math.h>

static double rad(int64_t e6)
{
    return (double)e6 / 1e6 * M_PI / 180.0;
}

double eg_places_distance_m(int64_t lat1_e6, int64_t lng1_e6, int64_t lat2_e6, int64_t lng2_e6)
{
    double p1 = rad(lat1_e6), p2 = rad(lat2_e6);
    double dp = p2 - p1, dl = rad(lng2_e6) - rad(lng1_e6);
    double s1 = sin(dp / 2), s2 = sin(dl / 2);
    double h = s1 * s1 + cos(p1) * cos(p2) * s2 * s2;
    if (h > 1)
        h = 1;
    return 2 * EG_PLACES_EARTH_RADIUS_M * asin(sqrt(h));
}

void eg_places_bbox(int64_t lat_e6, int64_t lng_e6, double radius_m, int64_t *min_lat,
                    int64_t *max_lat, int64_t *min_lng, int64_t *max_lng, int *whole_lng)
{
    double r = radius_m / EG_PLACES_EARTH_RADIUS_M; /* angular radius */
    double phi = rad(lat_e6);
    double lo = phi - r, hi = phi + r;
    *whole_lng = 0;
    if (lo <= -M_PI / 2 || hi >= M_PI / 2 || r >= M_PI / 2) {
        *whole_lng = 1;
    } else {
        double s = sin(r) / cos(phi);
        if (s >= 1) {
            *whole_lng = 1;
        } else {
            double dl = asin(s) * 180.0 / M_PI * 1e6;
            double a = (double)lng_e6 - dl, b = (double)lng_e6 + dl;
            if (a < -180e6 || b > 180e6) {
                *whole_lng = 1; /* wraps the antimeridian: search all longitudes */
            } else {
                *min_lng = (int64_t)floor(a) - 1;
                *max_lng = (int64_t)ceil(b) + 1;
            }
        }
    }
    if (*whole_lng) {
        *min_lng = -180000000;
        *max_lng = 180000000;
    }
    double la = lo * 180.0 / M_PI * 1e6, lb = hi * 180.0 / M_PI * 1e6;
    *min_lat = la < -90e6 ? -90000000 : (int64_t)floor(la) - 1;
    *max_lat = lb > 90e6 ? 90000000 : (int64_t)ceil(lb) + 1;
}
