/*
 * test_places_nearest.c — great-circle distances, bounding boxes, and the
 * nearest-N search checked against brute force over random places (with
 * type and amenity filters, archived places, far-away points, poles and the
 * antimeridian), on a real SQLite database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/log.h"
#include "db/db.h"
#include "places/places.h"

struct place {
    int64_t id, lat, lng;
    int type;
    int water;
    int archived;
};

#define N_PLACES 600

struct fixture {
    char path[64];
    struct eg_db *db;
    struct place p[N_PLACES];
    size_t n;
    uint64_t rng;
};

static uint64_t rnd(struct fixture *f)
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 7;
    f->rng ^= f->rng << 17;
    return f->rng;
}

static int64_t between(struct fixture *f, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd(f) % (uint64_t)(hi - lo + 1));
}

static void add_place(struct fixture *f, int64_t lat, int64_t lng, int type, int water,
                      int archived)
{
    struct eg_stmt *st = NULL;
    assert_int_equal(
        eg_db_query(
            f->db, &st,
            "INSERT INTO places (type, name, district, lat_e6, lng_e6, amenities, archived, "
            "created_by, created_at, updated_at) VALUES (?, 'p', '350206', ?, ?, ?, ?, "
            "'test', 0, 0) RETURNING id",
            "tiiti", eg_place_type_names[type], lat, lng, water ? ",rest,water," : ",rest,",
            (int64_t)archived),
        EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    struct place *p = &f->p[f->n++];
    p->id = eg_stmt_i64(st, 0);
    p->lat = lat;
    p->lng = lng;
    p->type = type;
    p->water = water;
    p->archived = archived;
    eg_stmt_done(st);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/egret-places-%d.db", (int)getpid());
    unlink(f->path);
    assert_int_equal(eg_db_open(f->path, &f->db), EG_OK);
    assert_int_equal(eg_db_migrate(f->db, NULL), EG_OK);
    f->rng = 0x9E3779B97F4A7C15ULL;
    eg_db_exec(f->db, "BEGIN");
    /* Xiamen-like clusters, plus places around the world. */
    for (int i = 0; i < 500; i++)
        add_place(f, 24400000 + between(f, 0, 350000), 117900000 + between(f, 0, 450000),
                  (int)between(f, 0, EG_PLACE_TYPES - 1), between(f, 0, 2) == 0,
                  between(f, 0, 19) == 0);
    for (int i = 0; i < 90; i++)
        add_place(f, between(f, -89000000, 89000000), between(f, -180000000, 180000000),
                  (int)between(f, 0, EG_PLACE_TYPES - 1), between(f, 0, 1), 0);
    add_place(f, 89990000, 10000000, EG_PLACE_WATER, 1, 0);    /* near the north pole */
    add_place(f, 10000000, 179990000, EG_PLACE_TOILET, 0, 0);  /* east of the antimeridian … */
    add_place(f, 10000000, -179990000, EG_PLACE_TOILET, 0, 0); /* … and west of it */
    eg_db_exec(f->db, "COMMIT");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    eg_db_close(f->db);
    unlink(f->path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", f->path);
    unlink(wal);
    free(f);
    return 0;
}

static void test_distances(void **state)
{
    (void)state;
    /* one degree of a great circle */
    double d = eg_places_distance_m(0, 0, 0, 1000000);
    assert_true(d > 111194 && d < 111196);
    d = eg_places_distance_m(0, 0, 1000000, 0);
    assert_true(d > 111194 && d < 111196);
    assert_true(eg_places_distance_m(24454300, 118082000, 24454300, 118082000) == 0);
    /* Xiamen (Siming) to Tong'an, about 30 km */
    d = eg_places_distance_m(24454300, 118082000, 24723100, 118152000);
    assert_true(d > 29000 && d < 32000);
    /* antipodes: half the circumference */
    d = eg_places_distance_m(0, 0, 0, 180000000);
    assert_true(d > 20015000 && d < 20016000);
    /* symmetry */
    assert_true(eg_places_distance_m(1, 2, 300000, 400000) ==
                eg_places_distance_m(300000, 400000, 1, 2));
}

/* Every point within the radius lies inside the box. */
static void test_bbox_holds_circle(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < 3000; i++) {
        int64_t lat = between(f, -85000000, 85000000), lng = between(f, -180000000, 180000000);
        double r = (double)between(f, 10, 3000000);
        int64_t a, b, c, d;
        int whole = 0;
        eg_places_bbox(lat, lng, r, &a, &b, &c, &d, &whole);
        assert_true(a <= lat && lat <= b);
        for (int k = 0; k < 20; k++) {
            int64_t plat = lat + between(f, -30000000, 30000000);
            int64_t plng = lng + between(f, -60000000, 60000000);
            if (plat < -90000000 || plat > 90000000 || plng < -180000000 || plng > 180000000)
                continue;
            if (eg_places_distance_m(lat, lng, plat, plng) <= r) {
                assert_true(a <= plat && plat <= b);
                assert_true(c <= plng && plng <= d);
            }
        }
    }
    int64_t a, b, c, d;
    int whole = 0;
    eg_places_bbox(89000000, 0, 200000, &a, &b, &c, &d, &whole);
    assert_true(whole);
    assert_int_equal(b, 90000000);
    eg_places_bbox(0, 179900000, 50000, &a, &b, &c, &d, &whole);
    assert_true(whole); /* wraps the antimeridian: every longitude is searched */
}

/* The brute-force answer: ids and distances of the `limit` nearest matching
 * places, by distance then id. */
struct cand {
    int64_t id;
    double d;
};

static int by_distance(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;
    if (a->d != b->d)
        return a->d < b->d ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static size_t brute(struct fixture *f, int64_t lat, int64_t lng, int type, int water, size_t limit,
                    int64_t *ids, double *dist)
{
    static struct cand all[N_PLACES];
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++) {
        struct place *p = &f->p[i];
        if (p->archived || (type >= 0 && p->type != type) || (water && !p->water))
            continue;
        all[n].id = p->id;
        all[n].d = eg_places_distance_m(lat, lng, p->lat, p->lng);
        n++;
    }
    qsort(all, n, sizeof all[0], by_distance);
    if (n > limit)
        n = limit;
    for (size_t i = 0; i < n; i++) {
        ids[i] = all[i].id;
        dist[i] = all[i].d;
    }
    return n;
}

static void check(struct fixture *f, int64_t lat, int64_t lng, int type, int water, size_t limit)
{
    struct eg_arena *a = eg_arena_new();
    struct eg_place_hit *hits = NULL;
    size_t n = 0;
    int64_t ids[N_PLACES];
    double dist[N_PLACES];
    assert_int_equal(
        eg_places_nearest(f->db, a, lat, lng, type, water ? "water" : NULL, limit, &hits, &n),
        EG_OK);
    size_t m = brute(f, lat, lng, type, water, limit, ids, dist);
    assert_int_equal(n, m);
    for (size_t i = 0; i < n; i++) {
        /* the same distances in the same order (ids may swap on exact ties) */
        assert_true(hits[i].distance_m == (int64_t)(dist[i] + 0.5));
        assert_int_equal(hits[i].id, ids[i]);
        assert_true(type < 0 || (int)hits[i].type == type);
        if (water)
            assert_non_null(strstr(hits[i].amenities, ",water,"));
    }
    eg_arena_destroy(a);
}

static void test_nearest_vs_brute_force(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < 300; i++) {
        int64_t lat, lng;
        if (i % 3) { /* in the city */
            lat = 24400000 + between(f, -20000, 370000);
            lng = 117900000 + between(f, -20000, 470000);
        } else { /* anywhere */
            lat = between(f, -90000000, 90000000);
            lng = between(f, -180000000, 180000000);
        }
        int type = between(f, 0, 3) == 0 ? -1 : (int)between(f, 0, EG_PLACE_TYPES - 1);
        check(f, lat, lng, type, between(f, 0, 3) == 0, (size_t)between(f, 1, 30));
    }
    /* the poles and the antimeridian */
    check(f, 90000000, 0, -1, 0, 5);
    check(f, -90000000, 0, -1, 0, 5);
    check(f, 10000000, 180000000, EG_PLACE_TOILET, 0, 2);
    check(f, 10000000, -180000000, EG_PLACE_TOILET, 0, 3);
    /* more than there are: all of them */
    check(f, 24500000, 118100000, EG_PLACE_CHARGING, 1, 200);
}

static void test_nearest_bad_input(void **state)
{
    struct fixture *f = *state;
    struct eg_arena *a = eg_arena_new();
    struct eg_place_hit *hits = NULL;
    size_t n = 9;
    assert_int_equal(eg_places_nearest(f->db, a, 0, 0, -1, NULL, 0, &hits, &n),
                     EG_E_INVALID_PARAMETER);
    assert_int_equal(eg_places_nearest(f->db, a, 0, 0, -1, NULL, 201, &hits, &n),
                     EG_E_INVALID_PARAMETER);
    assert_int_equal(eg_places_nearest(f->db, a, 0, 0, EG_PLACE_TYPES, NULL, 5, &hits, &n),
                     EG_E_INVALID_PARAMETER);
    /* an amenity nobody has: nothing, after searching the whole earth */
    assert_int_equal(eg_places_nearest(f->db, a, 0, 0, -1, "sauna", 5, &hits, &n), EG_OK);
    assert_int_equal(n, 0);
    assert_int_equal(eg_place_type_parse("rest_station"), EG_PLACE_REST_STATION);
    assert_int_equal(eg_place_type_parse("bar"), -1);
    eg_arena_destroy(a);
}

int main(void)
{
    eg_log_set_level(EG_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distances),
        cmocka_unit_test_setup_teardown(test_bbox_holds_circle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nearest_vs_brute_force, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nearest_bad_input, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
