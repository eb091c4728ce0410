/*
 * api_users.c — administering accounts: /api/v1/users …
 */
#include "auth/internal.h"

#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"
#include "core/time.h"
#include "http/http.h"

/* A pattern for LIKE that matches q anywhere, with q's own % _ and \ taken
 * literally (ESCAPE '\'), lower-cased to match lower(login). */
static char *like_pattern(struct eg_arena *a, const char *q)
{
    size_t n = strlen(q);
    char *out = eg_arena_alloc(a, 2 * n + 3);
    if (!out)
        return NULL;
    size_t j = 0;
    out[j++] = '%';
    for (size_t i = 0; i < n; i++) {
        char c = q[i];
        if (c == '%' || c == '_' || c == '\\')
            out[j++] = '\\';
        out[j++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[j++] = '%';
    out[j] = '\0';
    return out;
}

/* Accounts in id order, filtered by role, department code and part of the
 * login; the cursor is the last id shown. */
void eg_auth_api_users_list(struct eg_req *req)
{
    int64_t limit = 0, cursor = 0, dept = 0, next = 0;
    char path[128];
    struct eg_stmt *st = NULL;
    json_t *items = NULL;
    enum eg_status rc;
    if (eg_auth_page_args(req, &limit, &cursor) != EG_OK)
        return;
    const char *role = eg_req_query(req, "role");
    const char *dcode = eg_req_query(req, "department");
    const char *q = eg_req_query(req, "q");
    if (role &&
        (eg_role_parse(role) == EG_ROLE_NONE || eg_role_parse(role) == EG_ROLE_DEPARTMENT)) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "role", "role must be a user role");
        return;
    }
    if (dcode) {
        rc = eg_department_by_code(req->db, dcode, &dept, path);
        if (rc == EG_E_NOT_FOUND) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "department",
                           "department must be the code of an existing department");
            return;
        }
        if (rc != EG_OK)
            goto fail;
    }
    if (q && strlen(q) > 64) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "q", "q must be at most 64 characters");
        return;
    }
    const char *pattern = q && *q ? like_pattern(req->arena, q) : "";
    if (!pattern) {
        rc = EG_E_INTERNAL;
        goto fail;
    }
    rc = eg_db_query(req->db, &st,
                     "SELECT " EG_AUTH_USER_COLUMNS " WHERE (? = '' OR u.role = ?) "
                     "AND (? = 0 OR u.department_id = ?) "
                     "AND (? = '' OR lower(u.login) LIKE ? ESCAPE '\\') "
                     "AND u.id > ? ORDER BY u.id LIMIT ?",
                     "ttiittii", role ? role : "", role ? role : "", dept, dept, pattern, pattern,
                     cursor, limit + 1);
    items = json_array();
    int64_t n = 0, last = 0;
    while (eg_db_next(st, &rc)) {
        if (n == limit) {
            next = last;
            break;
        }
        last = eg_stmt_i64(st, 0);
        json_array_append_new(items, eg_auth_user_row_json(st));
        n++;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        goto fail;
    eg_auth_reply_list(req, items, next);
    return;
fail:
    json_decref(items);
    eg_reply_error(req, rc, NULL, NULL);
}

struct create_tx {
    const struct eg_audit_ctx *ctx;
    struct eg_user_input in;
    const char *hash;
    int scope_below; /* -1 = leave the default */
    int64_t id;
    const char *field;
};

static enum eg_status create_tx_fn(struct eg_db *db, void *p)
{
    struct create_tx *c = p;
    c->field = NULL;
    enum eg_status rc = eg_auth_user_insert(db, c->ctx, &c->in, c->hash, &c->id, &c->field);
    if (rc == EG_OK && c->scope_below == 0)
        rc = eg_db_run(db, NULL, "UPDATE users SET scope_below = 0 WHERE id = ?", "i", c->id);
    return rc;
}

/* Check everything first, hash the password outside the transaction, then
 * insert (and audit) in one. */
void eg_auth_api_users_create(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    char hash[128];
    int64_t dept = 0;
    json_t *user = NULL;
    const char *field = NULL;
    struct create_tx c;
    memset(&c, 0, sizeof c);
    c.ctx = &ctx;
    c.in.login = eg_json_str(req->body, "login", "");
    c.in.password = eg_json_str(req->body, "password", "");
    c.in.role = eg_role_parse(eg_json_str(req->body, "role", ""));
    c.in.display_name = eg_json_str(req->body, "display_name", NULL);
    c.in.department_code = eg_json_str(req->body, "department", NULL);
    c.in.person_id = eg_json_int(req->body, "person_id", 0);
    c.in.organisation_id = eg_json_int(req->body, "organisation_id", 0);
    c.scope_below = eg_json_bool(req->body, "scope_below", -1);
    enum eg_status rc = eg_auth_user_check(req->db, &c.in, 1, &dept, &field);
    if (rc == EG_OK)
        rc = eg_password_hash(c.in.password, hash);
    if (rc != EG_OK)
        goto fail;
    c.hash = hash;
    rc = eg_db_tx(req->db, create_tx_fn, &c);
    field = c.field;
    if (rc == EG_OK)
        rc = eg_auth_user_json(req->db, c.id, &user);
    if (rc != EG_OK)
        goto fail;
    eg_reply_json(req, 201, user);
    return;
fail:
    eg_auth_reply_field(req, rc, field);
}

void eg_auth_api_users_get(struct eg_req *req)
{
    int64_t id = 0;
    json_t *user = NULL;
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK)
        rc = eg_auth_user_json(req->db, id, &user);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, user);
}

struct patch_tx {
    const struct eg_audit_ctx *ctx;
    const json_t *body;
    int64_t id;
    int64_t self_id;
    const char *field;
    const char *message;
};

/*
 * Apply a partial update. Roles tied to an identity (a worker's person, a
 * platform's organisation) are not switched here: such an account is
 * replaced, not converted. An administrator cannot disable or demote
 * themselves, so the last administrator cannot lock everybody out by
 * accident.
 */
static enum eg_status patch_tx_fn(struct eg_db *db, void *p)
{
    struct patch_tx *t = p;
    struct eg_stmt *st = NULL;
    char login[64] = "", old_role_name[16] = "", path[128];
    int64_t org = 0, dept = 0, scope = 1, disabled = 0;
    t->field = t->message = NULL;

    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT login, role, organisation_id, department_id, "
                                    "scope_below, disabled FROM users WHERE id = ?",
                                    "i", t->id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        snprintf(login, sizeof login, "%s", eg_stmt_text(st, 0));
        snprintf(old_role_name, sizeof old_role_name, "%s", eg_stmt_text(st, 1));
        org = eg_stmt_i64(st, 2);
        dept = eg_stmt_i64(st, 3);
        scope = eg_stmt_i64(st, 4);
        disabled = eg_stmt_i64(st, 5);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;

    enum eg_role old_role = eg_role_parse(old_role_name), role = old_role;
    json_t *changes = json_object();
    const char *display = eg_json_str(t->body, "display_name", NULL);
    const char *role_s = eg_json_str(t->body, "role", NULL);
    const char *dcode = eg_json_str(t->body, "department", NULL);
    int new_scope = eg_json_bool(t->body, "scope_below", -1);
    int new_disabled = eg_json_bool(t->body, "disabled", -1);
    const unsigned fixed = EG_ROLE_WORKER | EG_ROLE_PLATFORM;

    if (role_s) {
        role = eg_role_parse(role_s);
        if (role != old_role && (((unsigned)role & fixed) || ((unsigned)old_role & fixed) ||
                                 (org && role != EG_ROLE_INSURER))) {
            t->field = "role";
            t->message = "this account's role is tied to its person or organisation and cannot "
                         "change";
            rc = EG_E_INVALID_FIELD;
            goto out;
        }
    }
    if (dcode) {
        int64_t nd = 0;
        if (!((unsigned)role & EG_ROLES_STAFF) || *dcode == '\0') {
            rc = EG_E_INVALID_FIELD;
        } else {
            rc = eg_department_by_code(db, dcode, &nd, path);
            if (rc == EG_E_NOT_FOUND)
                rc = EG_E_INVALID_FIELD;
        }
        if (rc != EG_OK) {
            if (rc == EG_E_INVALID_FIELD)
                t->field = "department";
            goto out;
        }
        if (nd != dept)
            json_object_set_new(changes, "department", json_string(dcode));
        dept = nd;
    }
    if (role == EG_ROLE_MEDIATOR && dept == 0) {
        t->field = role_s ? "role" : "department";
        t->message = "a mediator needs a department";
        rc = EG_E_INVALID_FIELD;
        goto out;
    }
    if (t->id == t->self_id && ((role_s && role != old_role) || new_disabled == 1)) {
        t->field = role_s && role != old_role ? "role" : "disabled";
        t->message = "administrators cannot demote or disable themselves";
        rc = EG_E_CONFLICT;
        goto out;
    }
    if (display) {
        if (!eg_auth_text_ok(display, 128)) {
            t->field = "display_name";
            rc = EG_E_INVALID_FIELD;
            goto out;
        }
        json_object_set_new(changes, "display_name", json_string(display));
    }
    if (role != old_role)
        json_object_set_new(changes, "role", json_string(eg_role_name(role)));
    if (new_scope >= 0 && new_scope != scope)
        json_object_set_new(changes, "scope_below", json_boolean(new_scope));
    if (new_disabled >= 0 && new_disabled != disabled)
        json_object_set_new(changes, "disabled", json_boolean(new_disabled));
    if (json_object_size(changes) == 0)
        goto out; /* nothing to change: no write, no event */

    rc = eg_db_run(db, NULL,
                   "UPDATE users SET display_name = COALESCE(?, display_name), role = ?, "
                   "department_id = NULLIF(?, 0), scope_below = ?, disabled = ?, updated_at = ? "
                   "WHERE id = ?",
                   "ttiiiii", display, eg_role_name(role), dept,
                   (int64_t)(new_scope >= 0 ? new_scope : scope),
                   (int64_t)(new_disabled >= 0 ? new_disabled : disabled), eg_now(), t->id);
    if (rc == EG_OK && new_disabled == 1 && !disabled)
        rc = eg_auth_revoke_sessions(db, t->id);
    if (rc == EG_OK) {
        rc = eg_auth_audit(db, t->ctx, "user.update", "user", t->id,
                           json_pack("{s:s, s:O}", "login", login, "changes", changes));
    }
out:
    json_decref(changes);
    return rc;
}

void eg_auth_api_users_patch(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    json_t *user = NULL;
    struct patch_tx t = {&ctx, req->body, 0, req->who.user_id, NULL, NULL};
    enum eg_status rc = eg_req_param_id(req, "id", &t.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, patch_tx_fn, &t);
    if (rc == EG_OK)
        rc = eg_auth_user_json(req->db, t.id, &user);
    if (rc != EG_OK) {
        if (t.message)
            eg_reply_error(req, rc, t.field, "%s", t.message);
        else
            eg_auth_reply_field(req, rc, t.field);
        return;
    }
    eg_reply_json(req, 200, user);
}

/* A new password for an account by id; its sessions end (eg_user_set_password). */
void eg_auth_api_users_password(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    struct eg_stmt *st = NULL;
    char login[64] = "";
    int64_t id = 0;
    const char *password = eg_json_str(req->body, "password", "");
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK)
        rc = eg_db_query(req->db, &st, "SELECT login FROM users WHERE id = ?", "i", id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        snprintf(login, sizeof login, "%s", eg_stmt_text(st, 0));
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    if (rc == EG_OK)
        rc = eg_user_set_password(req->db, &ctx, login, password);
    if (rc != EG_OK) {
        eg_auth_reply_field(
            req, rc, rc == EG_E_INVALID_FIELD || rc == EG_E_WEAK_PASSWORD ? "password" : NULL);
        return;
    }
    eg_reply_empty(req);
}
