/*
 * internal.h — declarations shared between the auth module's own files
 * (validation that names the offending field, the JSON shapes of users and
 * departments, the endpoint handlers). Nothing outside src/auth includes it.
 */
#ifndef EG_AUTH_INTERNAL_H
#define EG_AUTH_INTERNAL_H

#include <stdint.h>
#include <jansson.h>

#include "auth/accounts.h"
#include "auth/audit.h"
#include "auth/password_policy.h"
#include "core/principal.h"
#include "db/db.h"

struct eg_req;

/* Longest login; principal.login holds it with its NUL. */
#define EG_LOGIN_MAX 63
#define EG_LOGIN_MIN 3

/* Verify password against a fixed hash of matching cost, so that an unknown
 * login takes as long as a wrong password. The result is ignored. */
void eg_password_dummy_verify(const char *password);

/* Run fn(db, ctx) in a new transaction, or directly when db already has one
 * open (the public functions of accounts.h work either way). */
enum eg_status eg_auth_tx(struct eg_db *db, eg_tx_fn fn, void *ctx);

/* Append an audit event whose summary is a JSON object (reference stolen;
 * NULL means {}) and whose entity id is a number (0 = ""). */
enum eg_status eg_auth_audit(struct eg_db *db, const struct eg_audit_ctx *ctx, const char *action,
                             const char *entity, int64_t entity_id, json_t *summary);

/* Whether s is non-empty, at most max bytes of valid UTF-8 and free of
 * control characters (names are shown in lists and printed documents). */
int eg_auth_text_ok(const char *s, size_t max);

/* Whether login has 3–63 characters of [A-Za-z0-9._@-]. */
int eg_auth_login_valid(const char *login);

/*
 * Check a new user (login, password, role and the role's required links)
 * without writing. EG_OK with *department_id resolved (0 if none), or
 * EG_E_INVALID_FIELD / EG_E_DUPLICATE with *field naming the input field.
 * check_password 0 skips the password (it was hashed already).
 */
enum eg_status eg_auth_user_check(struct eg_db *db, const struct eg_user_input *in,
                                  int check_password, int64_t *department_id, const char **field);

/* Insert a checked user with an already computed password hash (inside a
 * transaction; audited "user.create"). *field as for eg_auth_user_check. */
enum eg_status eg_auth_user_insert(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                   const struct eg_user_input *in, const char *password_hash,
                                   int64_t *user_id, const char **field);

/* eg_person_upsert that also names the bad field ("name", "id_number", "phone"). */
enum eg_status eg_auth_person_upsert(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                     const struct eg_person_input *in, int64_t *person_id,
                                     int *created, const char **field);

/* Revoke every live session of a user (inside a transaction). */
enum eg_status eg_auth_revoke_sessions(struct eg_db *db, int64_t user_id);

/* The columns of a user row (after SELECT; ends with the FROM … JOIN) in the
 * order eg_auth_user_row_json() reads them. */
#define EG_AUTH_USER_COLUMNS                                                                       \
    "u.id, u.login, u.role, u.display_name, u.person_id, u.organisation_id, u.department_id, "     \
    "u.scope_below, u.disabled, u.created_at, u.updated_at, d.code, d.name, d.name_en, d.kind, "   \
    "d.path FROM users u LEFT JOIN departments d ON d.id = u.department_id"

/* A user row selected with EG_AUTH_USER_COLUMNS as JSON (NULL when out of memory). */
json_t *eg_auth_user_row_json(struct eg_stmt *st);

/* A user as JSON: id, login, role, display_name, department (object or
 * null), organisation_id, person_id (or null), scope_below, disabled,
 * created_at, updated_at. New reference owned by the caller. */
enum eg_status eg_auth_user_json(struct eg_db *db, int64_t user_id, json_t **out);

/* A department as JSON {id, code, name, name_en, kind, parent_id, path,
 * archived}, or null when id is 0. */
enum eg_status eg_auth_department_json(struct eg_db *db, int64_t id, json_t **out);

/* A department under parent_id (checked: code, names, kind member/district,
 * an unarchived parent). Inside a transaction; audited. *field names the
 * bad input. */
enum eg_status eg_auth_department_create(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                         const char *code, const char *name, const char *name_en,
                                         const char *kind, int64_t parent_id, int64_t *id,
                                         const char **field);

/* A department row (id, code, name, name_en, kind, parent_id, path,
 * archived, in that column order) as JSON. */
json_t *eg_auth_department_row_json(struct eg_stmt *st);

/* eg_organisation_create with a contact name and the bad field named. */
enum eg_status eg_auth_organisation_create(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                           const char *name, const char *credit_code,
                                           const char *kind, const char *sector,
                                           const char *contact_name, int64_t *id,
                                           const char **field);

/* The audit context of a request: its caller, address and request id. */
struct eg_audit_ctx eg_auth_req_ctx(const struct eg_req *req);

/* Reply with the error st, naming field (may be NULL) with a message that
 * says what is wrong with it. */
void eg_auth_reply_field(struct eg_req *req, enum eg_status st, const char *field);

/* Read ?limit= (1–200, default 50) and ?cursor= (a positive id, 0 when
 * absent). On a bad value replies 400 and returns non-EG_OK. */
enum eg_status eg_auth_page_args(struct eg_req *req, int64_t *limit, int64_t *cursor);

/* Reply 200 {"items": items, "next_cursor": "<cursor>" or null}; steals items. */
void eg_auth_reply_list(struct eg_req *req, json_t *items, int64_t next_cursor);

/* Endpoints (api_*.c); the route table is in api_routes.c. */
void eg_auth_api_login(struct eg_req *req);
void eg_auth_api_logout(struct eg_req *req);
void eg_auth_api_register(struct eg_req *req);
void eg_auth_api_register_verify(struct eg_req *req);
void eg_auth_api_register_resend(struct eg_req *req);
void eg_auth_api_people_registrations(struct eg_req *req);
void eg_auth_api_people_verify_account(struct eg_req *req);
void eg_auth_api_me(struct eg_req *req);
void eg_auth_api_users_list(struct eg_req *req);
void eg_auth_api_users_create(struct eg_req *req);
void eg_auth_api_users_get(struct eg_req *req);
void eg_auth_api_users_patch(struct eg_req *req);
void eg_auth_api_users_password(struct eg_req *req);
void eg_auth_api_departments_list(struct eg_req *req);
void eg_auth_api_departments_create(struct eg_req *req);
void eg_auth_api_departments_patch(struct eg_req *req);
void eg_auth_api_organisations_list(struct eg_req *req);
void eg_auth_api_organisations_create(struct eg_req *req);
void eg_auth_api_organisations_get(struct eg_req *req);
void eg_auth_api_people_create(struct eg_req *req);
void eg_auth_api_people_find(struct eg_req *req);
void eg_auth_api_people_get(struct eg_req *req);
void eg_auth_api_people_identity(struct eg_req *req);
void eg_auth_api_audit_list(struct eg_req *req);
void eg_auth_api_audit_verify(struct eg_req *req);

#endif
