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
    EG_FIELD("login", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 128),
    EG_FIELD("password", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 1024),
    EG_FIELD("device", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 256),
    EG_FIELD("challenge", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 256),
    EG_FIELD("solution", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 64),
    {0},
};

static const struct eg_field register_spec[] = {
    EG_FIELD("login", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 128),
    EG_FIELD("password", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 1024),
    EG_FIELD("name", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 100),
    EG_FIELD("id_number", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("phone", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 32),
    {0},
};

static const struct eg_field register_verify_spec[] = {
    EG_FIELD("registration_id", EG_FT_INT, .flags = EG_F_REQUIRED, .min = 1, .max = INT64_MAX),
    EG_FIELD("code", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 16),
    {0},
};

static const struct eg_field register_resend_spec[] = {
    EG_FIELD("registration_id", EG_FT_INT, .flags = EG_F_REQUIRED, .min = 1, .max = INT64_MAX),
    {0},
};

static const struct eg_field verify_account_spec[] = {
    EG_FIELD("registration_id", EG_FT_INT, .flags = EG_F_REQUIRED, .min = 1, .max = INT64_MAX),
    {0},
};

static const struct eg_field user_create_spec[] = {
    EG_FIELD("login", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 128),
    EG_FIELD("password", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 1024),
    EG_FIELD("role", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = user_roles),
    EG_FIELD("display_name", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 128),
    EG_FIELD("department", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 32),
    EG_FIELD("person_id", EG_FT_INT, .flags = EG_F_NULLABLE, .min = 1, .max = INT64_MAX),
    EG_FIELD("organisation_id", EG_FT_INT, .flags = EG_F_NULLABLE, .min = 1, .max = INT64_MAX),
    EG_FIELD("scope_below", EG_FT_BOOL),
    {0},
};

static const struct eg_field user_patch_spec[] = {
    EG_FIELD("display_name", EG_FT_STRING, .max_len = 128),
    EG_FIELD("role", EG_FT_ENUM, .enum_values = user_roles),
    EG_FIELD("department", EG_FT_STRING, .max_len = 32),
    EG_FIELD("scope_below", EG_FT_BOOL),
    EG_FIELD("disabled", EG_FT_BOOL),
    {0},
};

static const struct eg_field password_spec[] = {
    EG_FIELD("password", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 1024),
    {0},
};

static const struct eg_field dept_create_spec[] = {
    EG_FIELD("code", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("name", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 200),
    EG_FIELD("name_en", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 200),
    EG_FIELD("kind", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = dept_kinds),
    EG_FIELD("parent_id", EG_FT_INT, .flags = EG_F_REQUIRED, .min = 1, .max = INT64_MAX),
    {0},
};

static const struct eg_field dept_patch_spec[] = {
    EG_FIELD("name", EG_FT_STRING, .max_len = 200),
    EG_FIELD("name_en", EG_FT_STRING, .max_len = 200),
    EG_FIELD("archived", EG_FT_BOOL),
    {0},
};

static const struct eg_field org_create_spec[] = {
    EG_FIELD("name", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 200),
    EG_FIELD("credit_code", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 32),
    EG_FIELD("kind", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = org_kinds),
    EG_FIELD("sector", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 32),
    EG_FIELD("contact_name", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 100),
    {0},
};

static const struct eg_field person_spec[] = {
    EG_FIELD("name", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 100),
    EG_FIELD("id_number", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("phone", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 32),
    {0},
};

/* Staff who serve people in person may see full identities; analysts never. */
#define PII_ROLES   (EG_ROLE_MEDIATOR | EG_ROLE_INSURER | EG_ROLE_ADMIN)
#define AUDIT_ROLES (EG_ROLE_SUPERVISOR | EG_ROLE_ADMIN)
/* Staff who verify a person's identity at a service window. */
#define WINDOW_ROLES (EG_ROLE_MEDIATOR | EG_ROLE_ADMIN)

const struct eg_route eg_auth_routes[] = {
    EG_ROUTE("POST", "/api/v1/auth/login", eg_auth_api_login, .flags = EG_ROUTE_PUBLIC,
             .body_limit = SMALL_BODY, .body_spec = login_spec,
             .summary = "Sign in with login and password; returns a bearer token"),
    EG_ROUTE("POST", "/api/v1/auth/logout", eg_auth_api_logout, .roles = EG_ROLES_ANY_USER,
             .body_limit = SMALL_BODY, .summary = "End the caller's session"),
    EG_ROUTE("POST", "/api/v1/auth/register", eg_auth_api_register, .flags = EG_ROUTE_PUBLIC,
             .body_limit = SMALL_BODY, .body_spec = register_spec,
             .summary = "Register a worker account (202: verification required)"),
    EG_ROUTE("POST", "/api/v1/auth/register/verify", eg_auth_api_register_verify,
             .flags = EG_ROUTE_PUBLIC, .body_limit = SMALL_BODY, .body_spec = register_verify_spec,
             .summary = "Complete a pending registration with the code sent to the phone on file"),
    EG_ROUTE("POST", "/api/v1/auth/register/resend", eg_auth_api_register_resend,
             .flags = EG_ROUTE_PUBLIC, .body_limit = SMALL_BODY, .body_spec = register_resend_spec,
             .summary = "Send a new code for a pending registration"),
    EG_ROUTE("GET", "/api/v1/me", eg_auth_api_me, .roles = EG_ROLES_ALL,
             .summary = "The caller: account, role, department"),
    EG_ROUTE("GET", "/api/v1/users", eg_auth_api_users_list, .roles = EG_ROLE_ADMIN,
             .summary = "List accounts (filters role, department, q)"),
    EG_ROUTE("POST", "/api/v1/users", eg_auth_api_users_create, .roles = EG_ROLE_ADMIN,
             .body_limit = SMALL_BODY, .body_spec = user_create_spec,
             .summary = "Create an account"),
    EG_ROUTE("GET", "/api/v1/users/{id}", eg_auth_api_users_get,
             .roles = EG_ROLE_ADMIN | EG_ROLE_SUPERVISOR, .summary = "One account"),
    EG_ROUTE("PATCH", "/api/v1/users/{id}", eg_auth_api_users_patch, .roles = EG_ROLE_ADMIN,
             .body_limit = SMALL_BODY, .body_spec = user_patch_spec,
             .summary = "Change an account's name, role, department, scope or state"),
    EG_ROUTE("POST", "/api/v1/users/{id}/password", eg_auth_api_users_password,
             .roles = EG_ROLE_ADMIN, .body_limit = SMALL_BODY, .body_spec = password_spec,
             .summary = "Set a new password (signs the account out everywhere)"),
    EG_ROUTE("GET", "/api/v1/departments", eg_auth_api_departments_list, .roles = EG_ROLES_STAFF,
             .summary = "The department tree as a flat list"),
    EG_ROUTE("POST", "/api/v1/departments", eg_auth_api_departments_create, .roles = EG_ROLE_ADMIN,
             .body_limit = SMALL_BODY, .body_spec = dept_create_spec,
             .summary = "Add a department"),
    EG_ROUTE("PATCH", "/api/v1/departments/{id}", eg_auth_api_departments_patch,
             .roles = EG_ROLE_ADMIN, .body_limit = SMALL_BODY, .body_spec = dept_patch_spec,
             .summary = "Rename or archive a department"),
    EG_ROUTE("GET", "/api/v1/organisations", eg_auth_api_organisations_list,
             .roles = EG_ROLES_STAFF, .summary = "List organisations (filters kind, sector)"),
    EG_ROUTE("POST", "/api/v1/organisations", eg_auth_api_organisations_create,
             .roles = EG_ROLE_ADMIN, .body_limit = SMALL_BODY, .body_spec = org_create_spec,
             .summary = "Add an organisation (credit code checked)"),
    EG_ROUTE("GET", "/api/v1/organisations/{id}", eg_auth_api_organisations_get,
             .roles = EG_ROLES_STAFF | EG_ROLE_PLATFORM, .summary = "One organisation"),
    EG_ROUTE("POST", "/api/v1/people", eg_auth_api_people_create, .roles = PII_ROLES,
             .body_limit = SMALL_BODY, .body_spec = person_spec,
             .summary = "Find or create a person at the service window"),
    EG_ROUTE("GET", "/api/v1/people", eg_auth_api_people_find, .roles = PII_ROLES,
             .summary = "Find a person by ID number (masked)"),
    EG_ROUTE("GET", "/api/v1/people/{id}", eg_auth_api_people_get,
             .roles = EG_ROLES_STAFF | EG_ROLE_WORKER, .summary = "One person (masked)"),
    EG_ROUTE("GET", "/api/v1/people/{id}/identity", eg_auth_api_people_identity, .roles = PII_ROLES,
             .summary = "A person's full ID number and phone (audited)"),
    EG_ROUTE("GET", "/api/v1/people/{id}/registrations", eg_auth_api_people_registrations,
             .roles = WINDOW_ROLES,
             .summary = "Self-registrations waiting to be linked to this person"),
    EG_ROUTE("POST", "/api/v1/people/{id}/verify-account", eg_auth_api_people_verify_account,
             .roles = WINDOW_ROLES, .body_limit = SMALL_BODY, .body_spec = verify_account_spec,
             .summary =
                 "Link a pending registration after checking the ID card in person (audited)"),
    EG_ROUTE("GET", "/api/v1/audit", eg_auth_api_audit_list, .roles = AUDIT_ROLES,
             .summary = "The audit trail, newest first"),
    EG_ROUTE("GET", "/api/v1/audit/verify", eg_auth_api_audit_verify, .roles = AUDIT_ROLES,
             .summary = "Verify the audit trail's hash chain"),
    {0},
};
