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
    EG_FIELD("amenity", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
};

static const struct eg_field create_spec[] = {
    EG_FIELD("type", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = types),
    EG_FIELD("name", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 200),
    EG_FIELD("district", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 6),
    EG_FIELD("address", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 300),
    EG_FIELD("lat", EG_FT_ANY, .flags = EG_F_REQUIRED),
    EG_FIELD("lng", EG_FT_ANY, .flags = EG_F_REQUIRED),
    EG_FIELD("phone", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 32),
    EG_FIELD("hours", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 100),
    EG_FIELD("amenities", EG_FT_ARRAY, .max_len = 30, .item = amenity_item),
    EG_FIELD("note", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 500),
    {0},
};

static const struct eg_field patch_spec[] = {
    EG_FIELD("type", EG_FT_ENUM, .enum_values = types),
    EG_FIELD("name", EG_FT_STRING, .max_len = 200),
    EG_FIELD("district", EG_FT_STRING, .max_len = 6),
    EG_FIELD("address", EG_FT_STRING, .max_len = 300),
    EG_FIELD("lat", EG_FT_ANY),
    EG_FIELD("lng", EG_FT_ANY),
    EG_FIELD("phone", EG_FT_STRING, .max_len = 32),
    EG_FIELD("hours", EG_FT_STRING, .max_len = 100),
    EG_FIELD("amenities", EG_FT_ARRAY, .max_len = 30, .item = amenity_item),
    EG_FIELD("note", EG_FT_STRING, .max_len = 500),
    EG_FIELD("archived", EG_FT_BOOL),
    {0},
};

const struct eg_route eg_places_routes[] = {
    EG_ROUTE("GET", "/api/v1/places/nearest", eg_places_api_nearest, .flags = ANYONE,
             .summary = "The places nearest a point (type and amenity filters)"),
    EG_ROUTE("GET", "/api/v1/places/usage", eg_places_api_usage, .roles = USAGE_ROLES,
             .summary = "Check-ins per place over a period"),
    EG_ROUTE("GET", "/api/v1/places", eg_places_api_list, .flags = ANYONE,
             .summary = "List places (filters type, district, amenity)"),
    EG_ROUTE("POST", "/api/v1/places", eg_places_api_create, .roles = EG_ROLE_ADMIN,
             .body_limit = SMALL_BODY, .body_spec = create_spec, .summary = "Add a place"),
    EG_ROUTE("GET", "/api/v1/places/{id}", eg_places_api_get, .flags = ANYONE,
             .summary = "One place"),
    EG_ROUTE("PATCH", "/api/v1/places/{id}", eg_places_api_patch, .roles = EG_ROLE_ADMIN,
             .body_limit = SMALL_BODY, .body_spec = patch_spec,
             .summary = "Change a place (or bring it back from the archive)"),
    EG_ROUTE("POST", "/api/v1/places/{id}/archive", eg_places_api_archive, .roles = EG_ROLE_ADMIN,
             .body_limit = SMALL_BODY, .summary = "Archive a place (places are never deleted)"),
    EG_ROUTE("POST", "/api/v1/places/{id}/checkins", eg_places_api_checkin, .roles = EG_ROLE_WORKER,
             .body_limit = SMALL_BODY, .summary = "Check in at a place (a worker)"),
    EG_ROUTE("GET", "/api/v1/places/{id}/checkins", eg_places_api_checkins, .roles = USAGE_ROLES,
             .summary = "Check-ins at one place by day"),
    {0},
};
