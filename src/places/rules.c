/*
 * rules.c — the places module's rules (see rules.h), and the place types
 * (see places.h).
 */
#include "places/rules.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ident.h"
#include "places/places.h"

const char *const eg_place_type_names[EG_PLACE_TYPES + 1] = {
    "rights_service_point",
    "insurance_point",
    "rest_station",
    "love_meal",
    "water",
    "charging",
    "toilet",
    NULL,
};

int eg_place_type_parse(const char *name)
{
    for (int i = 0; name && i < EG_PLACE_TYPES; i++)
        if (strcmp(eg_place_type_names[i], name) == 0)
            return i;
    return -1;
}

int eg_places_degrees_e6(double v, double limit, int64_t *e6)
{
    if (!isfinite(v) || v < -limit || v > limit)
        return -1;
    *e6 = (int64_t)llround(v * 1e6);
    return 0;
}

int eg_places_degrees_parse(const char *s, double limit, int64_t *e6)
{
    char *end = NULL;
    if (!s || !*s || strlen(s) > 32)
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0')
        return -1;
    return eg_places_degrees_e6(v, limit, e6);
}

int eg_places_text_ok(const char *s, size_t max_chars, int empty_ok)
{
    if (!s)
        return 1;
    size_t n = strlen(s);
    if (n == 0)
        return empty_ok;
    if (!eg_utf8_valid(s, n) || eg_utf8_chars(s, n) > max_chars)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

int eg_places_phone_ok(const char *s)
{
    if (!s || !*s)
        return 1;
    size_t n = strlen(s);
    return n >= 5 && n <= 32 && strspn(s, "0123456789+-() ") == n;
}

int eg_places_district_code_ok(const char *s)
{
    return s && strlen(s) == 6 && strspn(s, "0123456789") == 6;
}

int eg_places_amenity_code_ok(const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    return n > 0 && n <= EG_PLACES_AMENITY_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

int eg_places_amenity_lookup_ok(const char *s)
{
    return s && strlen(s) <= EG_PLACES_AMENITY_MAX && !strchr(s, ',');
}

int eg_places_bool_parse(const char *s, int *out)
{
    if (s && strcmp(s, "true") == 0)
        *out = 1;
    else if (s && strcmp(s, "false") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

int eg_places_may_see(int archived, enum eg_role role)
{
    return !archived || role == EG_ROLE_ADMIN;
}

void eg_places_amenities_init(struct eg_places_amenities *l)
{
    l->text[0] = ',';
    l->text[1] = '\0';
    l->used = 1;
}

int eg_places_amenities_add(struct eg_places_amenities *l, const char *code)
{
    char probe[EG_PLACES_AMENITY_MAX + 3];
    size_t room = sizeof l->text - l->used;
    assert(l->used > 0 && l->used < sizeof l->text && eg_places_amenity_lookup_ok(code));
    snprintf(probe, sizeof probe, ",%s,", code);
    if (strstr(l->text, probe))
        return 0;
    int w = snprintf(l->text + l->used, room, "%s,", code);
    if (w < 0 || (size_t)w >= room) {
        l->text[l->used] = '\0';
        return -1;
    }
    l->used += (size_t)w;
    return 1;
}

int eg_places_amenities_has(const char *list, const char *code)
{
    size_t n = strlen(code);
    if (n == 0)
        return 0;
    for (const char *p = strstr(list, code); p; p = strstr(p + 1, code))
        if (p > list && p[-1] == ',' && p[n] == ',')
            return 1;
    return 0;
}

const char *eg_places_amenities_next(const char **p, size_t *len)
{
    const char *s = *p;
    while (s && *s == ',')
        s++;
    if (!s || !*s) {
        *p = s;
        return NULL;
    }
    *len = strcspn(s, ",");
    *p = s + *len;
    return s;
}

const char *eg_places_check_text(const struct eg_place_text *t, const char **why)
{
    if (t->type && eg_place_type_parse(t->type) < 0) {
        *why = "type must be a place type (GET /api/v1/dictionary/place_type)";
        return "type";
    }
    if (!eg_places_text_ok(t->name, 200, 0)) {
        *why = "name must be 1 to 200 characters without control characters";
        return "name";
    }
    if (!eg_places_text_ok(t->address, 300, 1)) {
        *why = "address must be at most 300 characters without control characters";
        return "address";
    }
    if (!eg_places_phone_ok(t->phone)) {
        *why = "phone must be 5 to 32 digits, spaces and + - ( )";
        return "phone";
    }
    if (!eg_places_text_ok(t->hours, 100, 1)) {
        *why = "hours must be at most 100 characters without control characters";
        return "hours";
    }
    if (!eg_places_text_ok(t->note, 500, 1)) {
        *why = "note must be at most 500 characters without control characters";
        return "note";
    }
    return NULL;
}

const char *eg_places_missing(const char *type, const char *name, const char *district, int has_lat,
                              int has_lng)
{
    return !type       ? "type"
           : !name     ? "name"
           : !district ? "district"
           : !has_lat  ? "lat"
           : !has_lng  ? "lng"
                       : NULL;
}

int64_t eg_places_checkin_since(int64_t now)
{
    return now - EG_PLACES_CHECKIN_WINDOW_S;
}

int eg_places_checkin_repeats(int64_t last_at, int64_t now)
{
    return last_at > 0 && last_at > eg_places_checkin_since(now);
}

int eg_places_period_ok(eg_day from, eg_day to)
{
    return from <= to && to - from < EG_PLACES_PERIOD_MAX_DAYS;
}
