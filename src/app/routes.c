#include "app/routes.h"

static const struct eg_route *const tables[] = {
    eg_system_routes,     eg_auth_routes,   eg_cases_routes,       eg_insurance_routes,
    eg_monitoring_routes, eg_places_routes, eg_app_metrics_routes,
};

static const struct eg_route_set set = {tables, sizeof tables / sizeof tables[0]};

const struct eg_route_set *eg_app_routes(void)
{
    return &set;
}
