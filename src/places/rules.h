/*
 * rules.h — the places module's rules: what a coordinate, a name, a phone,
 * an amenity code or a period must look like, who sees an archived place,
 * and when a check-in counts. No HTTP, no SQL: pure functions of their
 * arguments (tests/unit/test_places_rules.c). What needs the database —
 * whether a district or an amenity code is active — is asked of monitoring
 * (monitoring/monitoring.h) by the endpoints.
 *
 * The place types and their names are in places.h (rules.c defines them);
 * the great-circle arithmetic of the nearest-N search is in geo.c.
 */
#ifndef EG_PLACES_RULES_H
#define EG_PLACES_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "core/principal.h"
#include "core/time.h"

/* A worker's check-ins at one place within this many seconds count once. */
#define EG_PLACES_CHECKIN_WINDOW_S (30 * 60)

/* A usage period spans at most this many days (both ends included)… */
#define EG_PLACES_PERIOD_MAX_DAYS 367
/* …and, without a start, the last this many days up to today. */
#define EG_PLACES_PERIOD_DEFAULT_DAYS 30

/* The longest amenity code, in bytes. */
#define EG_PLACES_AMENITY_MAX 32

/*
 * A coordinate in decimal degrees as text (a query parameter), within
 * [-limit, limit] (90 for a latitude, 180 for a longitude): at most 32
 * characters, a whole number (strtod), finite. *e6 gets it in micro-degrees,
 * rounded to nearest. 0 when valid, -1 otherwise (*e6 untouched); NULL or
 * "" is invalid.
 */
int eg_places_degrees_parse(const char *s, double limit, int64_t *e6);

/* The same for a number already read (a JSON body): finite, within [-limit, limit]. */
int eg_places_degrees_e6(double v, double limit, int64_t *e6);

/*
 * Whether s is a text a place may hold: valid UTF-8 of at most max_chars
 * characters, with no control characters (below U+0020, or DEL). NULL
 * (absent) is fine; "" only when empty_ok.
 */
int eg_places_text_ok(const char *s, size_t max_chars, int empty_ok);

/* A phone: NULL or "" (none), or 5 to 32 of the digits, spaces and + - ( ). */
int eg_places_phone_ok(const char *s);

/* A district code as a filter: exactly six ASCII digits. */
int eg_places_district_code_ok(const char *s);

/* An amenity code as a filter: 1 to 32 of a–z, 0–9 and _. */
int eg_places_amenity_code_ok(const char *s);

/*
 * Whether s may be looked up in the amenity dictionary at all: at most
 * EG_PLACES_AMENITY_MAX bytes and no comma (the stored list's separator).
 * NULL is not.
 */
int eg_places_amenity_lookup_ok(const char *s);

/* "true" → 1, "false" → 0 into *out: 0; anything else (NULL too) -1. */
int eg_places_bool_parse(const char *s, int *out);

/* Whether a caller of this role sees a place: archived ones only administrators. */
int eg_places_may_see(int archived, enum eg_role role);

/*
 * A place's amenities as stored: ",a,b," (leading and trailing comma, each
 * code once, in the order given), built up by eg_places_amenities_add.
 */
struct eg_places_amenities {
    char text[1024];
    size_t used; /* strlen(text) */
};

/* Start an empty list (","). */
void eg_places_amenities_init(struct eg_places_amenities *l);

/*
 * Append code (which eg_places_amenity_lookup_ok accepts) unless it is
 * there already: 1 added, 0 already there, -1 the list is full (l unchanged).
 */
int eg_places_amenities_add(struct eg_places_amenities *l, const char *code);

/* Whether the stored list ",a,b," holds code. */
int eg_places_amenities_has(const char *list, const char *code);

/*
 * The codes of a stored list one by one: the next code from *p (its start,
 * its length in *len), *p moved past it; NULL at the end. *p may be NULL.
 */
const char *eg_places_amenities_next(const char **p, size_t *len);

/* A place's text fields as a body gives them (NULL: absent). */
struct eg_place_text {
    const char *type, *name, *address, *phone, *hours, *note;
};

/*
 * The first of t's fields that breaks its rule — type a place type, name
 * 1–200 characters, address at most 300, phone eg_places_phone_ok, hours at
 * most 100, note at most 500 (texts per eg_places_text_ok) — checked in that
 * order: its name, with *why the message for the client; NULL when all hold.
 */
const char *eg_places_check_text(const struct eg_place_text *t, const char **why);

/*
 * For a new place: the first required field that is absent — type, name,
 * district, lat, lng in that order — or NULL.
 */
const char *eg_places_missing(const char *type, const char *name, const char *district, int has_lat,
                              int has_lng);

/* The earliest instant a check-in at `now` repeats: later ones are within the window. */
int64_t eg_places_checkin_since(int64_t now);

/*
 * Whether a check-in at now repeats the same worker's last one at that
 * place at last_at (0: none), so that it does not count again.
 */
int eg_places_checkin_repeats(int64_t last_at, int64_t now);

/* Whether [from, to] is a usage period: in order, at most EG_PLACES_PERIOD_MAX_DAYS days. */
int eg_places_period_ok(eg_day from, eg_day to);

#endif
