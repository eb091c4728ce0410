/*
 * routes.c — the places module's route table (see src/app/routes.h) and the
 * declared fields of its request bodies. Documented in docs/openapi.yaml
 * under "places".
 */
#include "core/principal.h"
#include "http/http.h"
#include "places/api.h"

#define SMALL_BODY  16384
#define ANYONE      (EG_ROUTE_PUBLIC | EG_ROUTE_OPTIONAL_AUTH)
#define USAGE_ROLES (EG_ROLE_ADMIN | EG_ROLE_ANALYST | EG_ROLE_SUPERVISOR)

static const char *const types[] = {"rights_service_point",
                                    "insurance_point",
                                    "rest_station",
                                    "love_meal",
                                    "water",
                                    "charging",
                                    "toilet",
                                    NULL};

static const struct eg_field amenity_item[] = {
    {"amenity", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
};

static const struct eg_field create_spec[] = {
    {"type", EG_FT_ENUM, EG_F_REQUIRED, 0, 0, 0, types, NULL, NULL},
    {"name", EG_FT_STRING, EG_F_REQUIRED, 200, 0, 0, NULL, NULL, NULL},
    {"district", EG_FT_STRING, EG_F_REQUIRED, 6, 0, 0, NULL, NULL, NULL},
    {"address", EG_FT_STRING, EG_F_NULLABLE, 300, 0, 0, NULL, NULL, NULL},
    {"lat", EG_FT_ANY, EG_F_REQUIRED, 0, 0, 0, NULL, NULL, NULL},
    {"lng", EG_FT_ANY, EG_F_REQUIRED, 0, 0, 0, NULL, NULL, NULL},
    {"phone", EG_FT_STRING, EG_F_NULLABLE, 32, 0, 0, NULL, NULL, NULL},
    {"hours", EG_FT_STRING, EG_F_NULLABLE, 100, 0, 0, NULL, NULL, NULL},
    {"amenities", EG_FT_ARRAY, 0, 30, 0, 0, NULL, NULL, amenity_item},
    {"note", EG_FT_STRING, EG_F_NULLABLE, 500, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field patch_spec[] = {
    {"type", EG_FT_ENUM, 0, 0, 0, 0, types, NULL, NULL},
    {"name", EG_FT_STRING, 0, 200, 0, 0, NULL, NULL, NULL},
    {"district", EG_FT_STRING, 0, 6, 0, 0, NULL, NULL, NULL},
    {"address", EG_FT_STRING, 0, 300, 0, 0, NULL, NULL, NULL},
    {"lat", EG_FT_ANY, 0, 0, 0, 0, NULL, NULL, NULL},
    {"lng", EG_FT_ANY, 0, 0, 0, 0, NULL, NULL, NULL},
    {"phone", EG_FT_STRING, 0, 32, 0, 0, NULL, NULL, NULL},
    {"hours", EG_FT_STRING, 0, 100, 0, 0, NULL, NULL, NULL},
    {"amenities", EG_FT_ARRAY, 0, 30, 0, 0, NULL, NULL, amenity_item},
    {"note", EG_FT_STRING, 0, 500, 0, 0, NULL, NULL, NULL},
    {"archived", EG_FT_BOOL, 0, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

const struct eg_route eg_places_routes[] = {
    {"GET", "/api/v1/places/nearest", eg_places_api_nearest, 0, ANYONE, 0, NULL, NULL,
     "The places nearest a point (type and amenity filters)"},
    {"GET", "/api/v1/places/usage", eg_places_api_usage, USAGE_ROLES, 0, 0, NULL, NULL,
     "Check-ins per place over a period"},
    {"GET", "/api/v1/places", eg_places_api_list, 0, ANYONE, 0, NULL, NULL,
     "List places (filters type, district, amenity)"},
    {"POST", "/api/v1/places", eg_places_api_create, EG_ROLE_ADMIN, 0, SMALL_BODY, create_spec,
     NULL, "Add a place"},
    {"GET", "/api/v1/places/{id}", eg_places_api_get, 0, ANYONE, 0, NULL, NULL, "One place"},
    {"PATCH", "/api/v1/places/{id}", eg_places_api_patch, EG_ROLE_ADMIN, 0, SMALL_BODY, patch_spec,
     NULL, "Change a place (or bring it back from the archive)"},
    {"POST", "/api/v1/places/{id}/archive", eg_places_api_archive, EG_ROLE_ADMIN, 0, SMALL_BODY,
     NULL, NULL, "Archive a place (places are never deleted)"},
    {"POST", "/api/v1/places/{id}/checkins", eg_places_api_checkin, EG_ROLE_WORKER, 0, SMALL_BODY,
     NULL, NULL, "Check in at a place (a worker)"},
    {"GET", "/api/v1/places/{id}/checkins", eg_places_api_checkins, USAGE_ROLES, 0, 0, NULL, NULL,
     "Check-ins at one place by day"},
    {0},
};
