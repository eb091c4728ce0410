/*
 * principal.h — who is calling: roles, the authenticated principal and the
 * context of a change. It sits in core so that the HTTP layer can carry the
 * caller without depending on auth, which decides who the caller is.
 */
#ifndef EG_CORE_PRINCIPAL_H
#define EG_CORE_PRINCIPAL_H

#include <stdint.h>

enum eg_role {
    EG_ROLE_NONE = 0,
    EG_ROLE_WORKER = 1u << 0,
    EG_ROLE_PLATFORM = 1u << 1, /* a platform's people and its API keys */
    EG_ROLE_MEDIATOR = 1u << 2,
    EG_ROLE_INSURER = 1u << 3,
    EG_ROLE_ANALYST = 1u << 4,
    EG_ROLE_SUPERVISOR = 1u << 5, /* read-only on everything */
    EG_ROLE_ADMIN = 1u << 6,
    EG_ROLE_DEPARTMENT = 1u << 7 /* a government department's feed API key */
};

#define EG_ROLES_STAFF                                                                             \
    (EG_ROLE_MEDIATOR | EG_ROLE_INSURER | EG_ROLE_ANALYST | EG_ROLE_SUPERVISOR | EG_ROLE_ADMIN)
#define EG_ROLES_ANY_USER (EG_ROLES_STAFF | EG_ROLE_WORKER | EG_ROLE_PLATFORM)
#define EG_ROLES_ALL      (EG_ROLES_ANY_USER | EG_ROLE_DEPARTMENT)

/* "worker" … "admin", "department"; "none" for EG_ROLE_NONE. */
const char *eg_role_name(enum eg_role r);

/* The role of a name, or EG_ROLE_NONE if unknown. */
enum eg_role eg_role_parse(const char *name);

/*
 * The caller of a request, filled by the shared HTTP layer from the bearer
 * token (a person's session or an API key) through the authentication it is
 * handed at start-up (auth's eg_session_authenticate).
 */
struct eg_principal {
    enum eg_role role;
    int64_t user_id;         /* users.id, 0 for API keys */
    int64_t api_key_id;      /* api_keys.id, 0 for people */
    int64_t person_id;       /* people.id of a worker, else 0 */
    int64_t organisation_id; /* organisations.id of a platform (or insurer) account / key, else 0 */
    int64_t department_id;   /* departments.id of staff (and department keys), else 0 */
    char department_path[128]; /* "/1/5/" materialised path of department_id, "" if none */
    int scope_below;           /* staff: 1 = own department and those below it */
    char login[64];            /* for logs and the audit trail ("key:<prefix>" for API keys) */
    int64_t session_id;        /* sessions.id for people (logout), 0 for keys */
};

/* The context of a change, as the audit trail records it: who, from where.
 * NULL who means "system". */
struct eg_audit_ctx {
    const struct eg_principal *who;
    const char *address;
    const char *request_id;
};

#endif
