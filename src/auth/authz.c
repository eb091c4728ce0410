/*
 * authz.c — role and row checks (the rules are listed in authz.h).
 *
 * The role gate answers 403; the row check answers 404 so that a caller
 * cannot tell "exists but not yours" from "does not exist".
 */
#include "auth/authz.h"

#include <string.h>

enum eg_status eg_authz_role(const struct eg_principal *who, unsigned roles)
{
    if (!who || who->role == EG_ROLE_NONE || !((unsigned)who->role & roles))
        return EG_E_FORBIDDEN;
    return EG_OK;
}

/*
 * Paths are materialised as "/1/5/9/": every segment is closed by a slash,
 * so a plain prefix test on a whole path never confuses "/1/5/" with
 * "/1/50/".
 */
int eg_authz_dept_within(const char *outer, int below, const char *inner)
{
    if (!outer || !inner || outer[0] != '/' || inner[0] != '/')
        return 0;
    size_t lo = strlen(outer);
    if (lo < 2 || outer[lo - 1] != '/')
        return 0;
    if (strcmp(outer, inner) == 0)
        return 1;
    return below && strncmp(outer, inner, lo) == 0 && inner[lo] != '\0';
}

/* Whether a staff member's department scope covers the row's handling
 * department or one of its co-handling departments. */
static int dept_scope_covers(const struct eg_principal *who, const struct eg_row_scope *row,
                             int with_co)
{
    if (who->department_path[0] == '\0')
        return 0;
    if (eg_authz_dept_within(who->department_path, who->scope_below, row->department_path))
        return 1;
    if (!with_co || !row->co_department_paths)
        return 0;
    for (size_t i = 0; i < row->n_co; i++)
        if (eg_authz_dept_within(who->department_path, who->scope_below,
                                 row->co_department_paths[i]))
            return 1;
    return 0;
}

enum eg_status eg_authz_row(const struct eg_principal *who, unsigned roles,
                            const struct eg_row_scope *row)
{
    enum eg_status st = eg_authz_role(who, roles);
    if (st != EG_OK)
        return st;
    if (!row)
        return EG_E_NOT_FOUND;
    int ok = 0;
    switch (who->role) {
    case EG_ROLE_ADMIN:
    case EG_ROLE_SUPERVISOR:
        ok = 1;
        break;
    case EG_ROLE_WORKER:
        ok = who->person_id > 0 && row->owner_person_id == who->person_id;
        break;
    case EG_ROLE_PLATFORM:
        ok = who->organisation_id > 0 && row->organisation_id == who->organisation_id;
        break;
    case EG_ROLE_DEPARTMENT:
        ok = dept_scope_covers(who, row, 0);
        break;
    case EG_ROLE_MEDIATOR:
        ok = dept_scope_covers(who, row, 1);
        break;
    case EG_ROLE_INSURER:
        ok = row->insurer_visible != 0;
        break;
    case EG_ROLE_ANALYST:
        ok = row->analyst_visible != 0;
        break;
    case EG_ROLE_NONE:
        ok = 0;
        break;
    }
    return ok ? EG_OK : EG_E_NOT_FOUND;
}
