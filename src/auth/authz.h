/*
 * authz.h — the one authorisation helper. Every endpoint passes the role
 * gate in the route table (403 when the caller's role is not listed) and
 * then asks eg_authz_row() about each row it is about to show or change.
 *
 * Row rules:
 *   admin, supervisor       every row (supervisors reach no write route)
 *   worker                  rows whose owner_person_id is theirs
 *   platform (user or key)  rows whose organisation_id is theirs
 *   department key          rows whose department is theirs (or below)
 *   mediator                rows whose department_path is within theirs
 *                           (their department, or below when scope_below),
 *                           or whose co-handling departments include theirs
 *   insurer, analyst        rows flagged for that role (insurer_visible /
 *                           analyst_visible), i.e. insurance rows and aggregates
 * A row outside the caller's scope answers EG_E_NOT_FOUND, so that nobody
 * learns that another person's record exists; a role the route does not
 * allow answers EG_E_FORBIDDEN.
 */
#ifndef EG_AUTH_AUTHZ_H
#define EG_AUTH_AUTHZ_H

#include <stddef.h>
#include "core/principal.h"
#include "core/status.h"

struct eg_row_scope {
    int64_t owner_person_id;                /* the worker the row belongs to, 0 if none */
    int64_t organisation_id;                /* the platform/company the row concerns, 0 if none */
    const char *department_path;            /* handling department's path ("/1/5/"), NULL if none */
    const char *const *co_department_paths; /* co-handling departments' paths */
    size_t n_co;
    int insurer_visible; /* 1 for insurance rows */
    int analyst_visible; /* 1 for aggregate/monitoring rows */
};

/* Whether who's role is among the roles bits: EG_OK or EG_E_FORBIDDEN. */
enum eg_status eg_authz_role(const struct eg_principal *who, unsigned roles);

/* Role AND row: EG_OK, EG_E_FORBIDDEN (role not in roles) or EG_E_NOT_FOUND (row out of scope). */
enum eg_status eg_authz_row(const struct eg_principal *who, unsigned roles,
                            const struct eg_row_scope *row);

/* Whether department path `inner` is within `outer` given scope_below
 * (equal paths always; deeper paths only when below is 1). */
int eg_authz_dept_within(const char *outer, int below, const char *inner);

#endif
