/*
 * store.h — the SQL of the places module (tables places and place_checkins,
 * migration 0040). The nearest-N search is in places.h (store.c too).
 *
 * Every function takes a connection; the ones that write must run inside
 * eg_db_tx() (the endpoint's transaction, which also writes the audit
 * trail). Lists hand their rows to a callback, one at a time, with strings
 * valid during the call only; a callback that returns an error ends the
 * list with it. No business rules here: those are in rules.h.
 */
#ifndef EG_PLACES_STORE_H
#define EG_PLACES_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/status.h"

struct eg_db;

/* A place as stored, with its check-in count (the rows of place_checkins). */
struct eg_place_row {
    int64_t id;
    const char *type, *name, *district, *address, *phone, *hours;
    const char *amenities; /* ",water,toilet," */
    const char *note;
    int64_t lat_e6, lng_e6;
    int64_t checkins;
    int archived;
    int64_t created_at, updated_at; /* Unix seconds; 0 unknown */
};

/* The place id, its strings copied into arena a. EG_E_NOT_FOUND if there is none. */
enum eg_status eg_places_store_get(struct eg_db *db, struct eg_arena *a, int64_t id,
                                   struct eg_place_row *out);

/* Whether place id is archived, in *archived. EG_E_NOT_FOUND if there is no such place. */
enum eg_status eg_places_store_archived(struct eg_db *db, int64_t id, int *archived);

/* The filters of a list; NULL: not filtered. */
struct eg_places_filter {
    int archived;         /* archived places, or the others */
    const char *type;     /* a place type's name */
    const char *district; /* a district code */
    const char *amenity;  /* an amenity code (at most EG_PLACES_AMENITY_MAX bytes) */
};

typedef enum eg_status (*eg_places_row_fn)(void *ctx, const struct eg_place_row *row);

/*
 * The places of f with ids above after (0: from the first), lowest id first,
 * at most max_rows of them, each handed to fn(ctx, row).
 */
enum eg_status eg_places_store_list(struct eg_db *db, const struct eg_places_filter *f,
                                    int64_t after, int64_t max_rows, eg_places_row_fn fn,
                                    void *ctx);

/*
 * A place's values to write. For an insert, NULL strings become "" (the
 * amenities ","); for an update, NULL strings, has_lat / has_lng 0 and
 * archived -1 keep the stored value.
 */
struct eg_place_set {
    const char *type, *name, *district, *address, *phone, *hours;
    const char *amenities; /* ",a,b," */
    const char *note;
    int64_t lat_e6, lng_e6;
    int has_lat, has_lng;
    int archived; /* update: -1 keep, 0 bring back, 1 archive */
};

/* Add an unarchived place created by `by` at now; its id in *id (may be NULL). */
enum eg_status eg_places_store_insert(struct eg_db *db, const struct eg_place_set *s,
                                      const char *by, int64_t now, int64_t *id);

/*
 * Change place id as s says, at now. Archiving sets archived_at (kept when
 * it was archived already), bringing back clears it.
 */
enum eg_status eg_places_store_update(struct eg_db *db, int64_t id, const struct eg_place_set *s,
                                      int64_t now);

/* Archive place id at now (whether or not it was). */
enum eg_status eg_places_store_archive(struct eg_db *db, int64_t id, int64_t now);

/* How many places there are, archived ones included. */
enum eg_status eg_places_store_count(struct eg_db *db, int64_t *n);

/* The ids of the first unarchived places, lowest first: at most cap into ids, *n of them. */
enum eg_status eg_places_store_ids(struct eg_db *db, int64_t *ids, size_t cap, size_t *n);

/*
 * The ids of the first people, lowest first (at most cap), for the demo's
 * check-ins. NOTE: reads auth's people table, which auth publishes no
 * function for yet; to move there when it does.
 */
enum eg_status eg_places_store_people_ids(struct eg_db *db, int64_t *ids, size_t cap, size_t *n);

/* ---- check-ins -------------------------------------------------------------- */

/*
 * The latest check-in of person at place after instant since: *found 1
 * with its *id and *at, or *found 0.
 */
enum eg_status eg_places_store_checkin_last(struct eg_db *db, int64_t place, int64_t person,
                                            int64_t since, int *found, int64_t *id, int64_t *at);

/* Record a check-in of person at place at instant at, on business day `day` ('YYYY-MM-DD'). */
enum eg_status eg_places_store_checkin_add(struct eg_db *db, int64_t place, int64_t person,
                                           int64_t at, const char *day, int64_t *id);

/*
 * A place's check-ins per day of [from, to] ('YYYY-MM-DD'), days in order,
 * only days with any: fn(ctx, day, count) for each.
 */
typedef enum eg_status (*eg_places_day_fn)(void *ctx, const char *day, int64_t count);
enum eg_status eg_places_store_checkin_days(struct eg_db *db, int64_t place, const char *from,
                                            const char *to, eg_places_day_fn fn, void *ctx);

/* How many people checked in at place on the days [from, to]. */
enum eg_status eg_places_store_checkin_people(struct eg_db *db, int64_t place, const char *from,
                                              const char *to, int64_t *people);

/* One place's use over a period. */
struct eg_place_usage {
    int64_t place_id;
    const char *name, *type, *district;
    int64_t checkins, people;
};
typedef enum eg_status (*eg_places_usage_fn)(void *ctx, const struct eg_place_usage *u);

/*
 * The places checked in at on the days [from, to], optionally of one type
 * (NULL: any), most check-ins first (then by id), at most 1000: fn for each.
 */
enum eg_status eg_places_store_usage(struct eg_db *db, const char *from, const char *to,
                                     const char *type, eg_places_usage_fn fn, void *ctx);

#endif
