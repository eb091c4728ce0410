/*
 * principal.c — role names. The names are the ones stored in users.role and
 * written on the audit trail, so they never change.
 */
#include "core/principal.h"

#include <stddef.h>
#include <string.h>

static const struct {
    enum eg_role role;
    const char *name;
} roles[] = {
    {EG_ROLE_WORKER, "worker"},     {EG_ROLE_PLATFORM, "platform"},
    {EG_ROLE_MEDIATOR, "mediator"}, {EG_ROLE_INSURER, "insurer"},
    {EG_ROLE_ANALYST, "analyst"},   {EG_ROLE_SUPERVISOR, "supervisor"},
    {EG_ROLE_ADMIN, "admin"},       {EG_ROLE_DEPARTMENT, "department"},
};

const char *eg_role_name(enum eg_role r)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].role == r)
            return roles[i].name;
    return "none";
}

enum eg_role eg_role_parse(const char *name)
{
    if (!name)
        return EG_ROLE_NONE;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(roles[i].name, name) == 0)
            return roles[i].role;
    return EG_ROLE_NONE;
}
