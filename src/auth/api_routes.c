/*
 * api_routes.c — the auth module's route table and the declared fields of
 * every request body (anything not declared here is refused with 400 before
 * a handler runs). Documented in docs/openapi.yaml under "auth and accounts".
 */
#include "auth/internal.h"
#include "http/http.h"

#define SMALL_BODY 8192

static const char *const user_roles[] = {"worker",  "platform",   "mediator", "insurer",
                                         "analyst", "supervisor", "admin",    NULL};
static const char *const dept_kinds[] = {"member", "district", NULL};
static const char *const org_kinds[] = {"platform", "company", "insurer", "other", NULL};

static const struct eg_field login_spec[] = {
    {"login", EG_FT_STRING, EG_F_REQUIRED, 128, 0, 0, NULL, NULL, NULL},
    {"password", EG_FT_STRING, EG_F_REQUIRED, 1024, 0, 0, NULL, NULL, NULL},
    {"device", EG_FT_STRING, EG_F_NULLABLE, 256, 0, 0, NULL, NULL, NULL},
    {"challenge", EG_FT_STRING, EG_F_NULLABLE, 256, 0, 0, NULL, NULL, NULL},
    {"solution", EG_FT_STRING, EG_F_NULLABLE, 64, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field register_spec[] = {
    {"login", EG_FT_STRING, EG_F_REQUIRED, 128, 0, 0, NULL, NULL, NULL},
    {"password", EG_FT_STRING, EG_F_REQUIRED, 1024, 0, 0, NULL, NULL, NULL},
    {"name", EG_FT_STRING, EG_F_REQUIRED, 100, 0, 0, NULL, NULL, NULL},
    {"id_number", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
    {"phone", EG_FT_STRING, EG_F_NULLABLE, 32, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field register_verify_spec[] = {
    {"registration_id", EG_FT_INT, EG_F_REQUIRED, 0, 1, INT64_MAX, NULL, NULL, NULL},
    {"code", EG_FT_STRING, EG_F_REQUIRED, 16, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field register_resend_spec[] = {
    {"registration_id", EG_FT_INT, EG_F_REQUIRED, 0, 1, INT64_MAX, NULL, NULL, NULL},
    {0},
};

static const struct eg_field verify_account_spec[] = {
    {"registration_id", EG_FT_INT, EG_F_REQUIRED, 0, 1, INT64_MAX, NULL, NULL, NULL},
    {0},
};

static const struct eg_field user_create_spec[] = {
    {"login", EG_FT_STRING, EG_F_REQUIRED, 128, 0, 0, NULL, NULL, NULL},
    {"password", EG_FT_STRING, EG_F_REQUIRED, 1024, 0, 0, NULL, NULL, NULL},
    {"role", EG_FT_ENUM, EG_F_REQUIRED, 0, 0, 0, user_roles, NULL, NULL},
    {"display_name", EG_FT_STRING, EG_F_NULLABLE, 128, 0, 0, NULL, NULL, NULL},
    {"department", EG_FT_STRING, EG_F_NULLABLE, 32, 0, 0, NULL, NULL, NULL},
    {"person_id", EG_FT_INT, EG_F_NULLABLE, 0, 1, INT64_MAX, NULL, NULL, NULL},
    {"organisation_id", EG_FT_INT, EG_F_NULLABLE, 0, 1, INT64_MAX, NULL, NULL, NULL},
    {"scope_below", EG_FT_BOOL, 0, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field user_patch_spec[] = {
    {"display_name", EG_FT_STRING, 0, 128, 0, 0, NULL, NULL, NULL},
    {"role", EG_FT_ENUM, 0, 0, 0, 0, user_roles, NULL, NULL},
    {"department", EG_FT_STRING, 0, 32, 0, 0, NULL, NULL, NULL},
    {"scope_below", EG_FT_BOOL, 0, 0, 0, 0, NULL, NULL, NULL},
    {"disabled", EG_FT_BOOL, 0, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field password_spec[] = {
    {"password", EG_FT_STRING, EG_F_REQUIRED, 1024, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field dept_create_spec[] = {
    {"code", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
    {"name", EG_FT_STRING, EG_F_REQUIRED, 200, 0, 0, NULL, NULL, NULL},
    {"name_en", EG_FT_STRING, EG_F_NULLABLE, 200, 0, 0, NULL, NULL, NULL},
    {"kind", EG_FT_ENUM, EG_F_REQUIRED, 0, 0, 0, dept_kinds, NULL, NULL},
    {"parent_id", EG_FT_INT, EG_F_REQUIRED, 0, 1, INT64_MAX, NULL, NULL, NULL},
    {0},
};

static const struct eg_field dept_patch_spec[] = {
    {"name", EG_FT_STRING, 0, 200, 0, 0, NULL, NULL, NULL},
    {"name_en", EG_FT_STRING, 0, 200, 0, 0, NULL, NULL, NULL},
    {"archived", EG_FT_BOOL, 0, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field org_create_spec[] = {
    {"name", EG_FT_STRING, EG_F_REQUIRED, 200, 0, 0, NULL, NULL, NULL},
    {"credit_code", EG_FT_STRING, EG_F_NULLABLE, 32, 0, 0, NULL, NULL, NULL},
    {"kind", EG_FT_ENUM, EG_F_REQUIRED, 0, 0, 0, org_kinds, NULL, NULL},
    {"sector", EG_FT_STRING, EG_F_NULLABLE, 32, 0, 0, NULL, NULL, NULL},
    {"contact_name", EG_FT_STRING, EG_F_NULLABLE, 100, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field person_spec[] = {
    {"name", EG_FT_STRING, EG_F_REQUIRED, 100, 0, 0, NULL, NULL, NULL},
    {"id_number", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
    {"phone", EG_FT_STRING, EG_F_NULLABLE, 32, 0, 0, NULL, NULL, NULL},
    {0},
};

/* Staff who serve people in person may see full identities; analysts never. */
#define PII_ROLES   (EG_ROLE_MEDIATOR | EG_ROLE_INSURER | EG_ROLE_ADMIN)
#define AUDIT_ROLES (EG_ROLE_SUPERVISOR | EG_ROLE_ADMIN)
/* Staff who verify a person's identity at a service window. */
#define WINDOW_ROLES (EG_ROLE_MEDIATOR | EG_ROLE_ADMIN)

const struct eg_route eg_auth_routes[] = {
    {"POST", "/api/v1/auth/login", eg_auth_api_login, 0, EG_ROUTE_PUBLIC, SMALL_BODY, login_spec,
     NULL, "Sign in with login and password; returns a bearer token"},
    {"POST", "/api/v1/auth/logout", eg_auth_api_logout, EG_ROLES_ANY_USER, 0, SMALL_BODY, NULL,
     NULL, "End the caller's session"},
    {"POST", "/api/v1/auth/register", eg_auth_api_register, 0, EG_ROUTE_PUBLIC, SMALL_BODY,
     register_spec, NULL, "Register a worker account (202: verification required)"},
    {"POST", "/api/v1/auth/register/verify", eg_auth_api_register_verify, 0, EG_ROUTE_PUBLIC,
     SMALL_BODY, register_verify_spec, NULL,
     "Complete a pending registration with the code sent to the phone on file"},
    {"POST", "/api/v1/auth/register/resend", eg_auth_api_register_resend, 0, EG_ROUTE_PUBLIC,
     SMALL_BODY, register_resend_spec, NULL, "Send a new code for a pending registration"},
    {"GET", "/api/v1/me", eg_auth_api_me, EG_ROLES_ALL, 0, 0, NULL, NULL,
     "The caller: account, role, department"},
    {"GET", "/api/v1/users", eg_auth_api_users_list, EG_ROLE_ADMIN, 0, 0, NULL, NULL,
     "List accounts (filters role, department, q)"},
    {"POST", "/api/v1/users", eg_auth_api_users_create, EG_ROLE_ADMIN, 0, SMALL_BODY,
     user_create_spec, NULL, "Create an account"},
    {"GET", "/api/v1/users/{id}", eg_auth_api_users_get, EG_ROLE_ADMIN | EG_ROLE_SUPERVISOR, 0, 0,
     NULL, NULL, "One account"},
    {"PATCH", "/api/v1/users/{id}", eg_auth_api_users_patch, EG_ROLE_ADMIN, 0, SMALL_BODY,
     user_patch_spec, NULL, "Change an account's name, role, department, scope or state"},
    {"POST", "/api/v1/users/{id}/password", eg_auth_api_users_password, EG_ROLE_ADMIN, 0,
     SMALL_BODY, password_spec, NULL, "Set a new password (signs the account out everywhere)"},
    {"GET", "/api/v1/departments", eg_auth_api_departments_list, EG_ROLES_STAFF, 0, 0, NULL, NULL,
     "The department tree as a flat list"},
    {"POST", "/api/v1/departments", eg_auth_api_departments_create, EG_ROLE_ADMIN, 0, SMALL_BODY,
     dept_create_spec, NULL, "Add a department"},
    {"PATCH", "/api/v1/departments/{id}", eg_auth_api_departments_patch, EG_ROLE_ADMIN, 0,
     SMALL_BODY, dept_patch_spec, NULL, "Rename or archive a department"},
    {"GET", "/api/v1/organisations", eg_auth_api_organisations_list, EG_ROLES_STAFF, 0, 0, NULL,
     NULL, "List organisations (filters kind, sector)"},
    {"POST", "/api/v1/organisations", eg_auth_api_organisations_create, EG_ROLE_ADMIN, 0,
     SMALL_BODY, org_create_spec, NULL, "Add an organisation (credit code checked)"},
    {"GET", "/api/v1/organisations/{id}", eg_auth_api_organisations_get,
     EG_ROLES_STAFF | EG_ROLE_PLATFORM, 0, 0, NULL, NULL, "One organisation"},
    {"POST", "/api/v1/people", eg_auth_api_people_create, PII_ROLES, 0, SMALL_BODY, person_spec,
     NULL, "Find or create a person at the service window"},
    {"GET", "/api/v1/people", eg_auth_api_people_find, PII_ROLES, 0, 0, NULL, NULL,
     "Find a person by ID number (masked)"},
    {"GET", "/api/v1/people/{id}", eg_auth_api_people_get, EG_ROLES_STAFF | EG_ROLE_WORKER, 0, 0,
     NULL, NULL, "One person (masked)"},
    {"GET", "/api/v1/people/{id}/identity", eg_auth_api_people_identity, PII_ROLES, 0, 0, NULL,
     NULL, "A person's full ID number and phone (audited)"},
    {"GET", "/api/v1/people/{id}/registrations", eg_auth_api_people_registrations, WINDOW_ROLES, 0,
     0, NULL, NULL, "Self-registrations waiting to be linked to this person"},
    {"POST", "/api/v1/people/{id}/verify-account", eg_auth_api_people_verify_account, WINDOW_ROLES,
     0, SMALL_BODY, verify_account_spec, NULL,
     "Link a pending registration after checking the ID card in person (audited)"},
    {"GET", "/api/v1/audit", eg_auth_api_audit_list, AUDIT_ROLES, 0, 0, NULL, NULL,
     "The audit trail, newest first"},
    {"GET", "/api/v1/audit/verify", eg_auth_api_audit_verify, AUDIT_ROLES, 0, 0, NULL, NULL,
     "Verify the audit trail's hash chain"},
    {0},
};
