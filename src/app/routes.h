/*
 * routes.h — every route egret serves: one const table per module, gathered
 * into the set the server matches against. Adding a domain adds its table
 * here; adding an endpoint only touches the domain's own table.
 */
#ifndef EG_APP_ROUTES_H
#define EG_APP_ROUTES_H

#include "http/router.h"

extern const struct eg_route eg_system_routes[];      /* http/system.c: healthz, readyz, openapi */
extern const struct eg_route eg_auth_routes[];        /* auth/api_*.c: login, users, audit … */
extern const struct eg_route eg_cases_routes[];       /* cases/ */
extern const struct eg_route eg_insurance_routes[];   /* insurance/ */
extern const struct eg_route eg_monitoring_routes[];  /* monitoring/ */
extern const struct eg_route eg_places_routes[];      /* places/ */
extern const struct eg_route eg_app_metrics_routes[]; /* app/metrics.c: GET /metrics */

/* Note this process's start (egret_process_start_time_seconds). */
void eg_app_metrics_started(void);

/* The whole set. */
const struct eg_route_set *eg_app_routes(void);

#endif
