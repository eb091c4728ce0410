/*
 * api_directory.c — the department tree and organisations:
 * /api/v1/departments … and /api/v1/organisations …
 */
#include "auth/internal.h"

#include <stdio.h>
#include <string.h>

#include "auth/authz.h"
#include "core/ident.h"
#include "core/time.h"
#include "http/http.h"

#define DEPT_COLUMNS "id, code, name, name_en, kind, parent_id, path, archived FROM departments"

/* The whole tree as a flat list in path order (parents before children). */
void eg_auth_api_departments_list(struct eg_req *req)
{
    struct eg_stmt *st = NULL;
    json_t *items = json_array();
    enum eg_status rc = eg_db_query(req->db, &st, "SELECT " DEPT_COLUMNS " ORDER BY id", "");
    while (eg_db_next(st, &rc))
        json_array_append_new(items, eg_auth_department_row_json(st));
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_auth_reply_list(req, items, 0);
}

struct dept_create_tx {
    const struct eg_audit_ctx *ctx;
    const json_t *body;
    int64_t id;
    const char *field;
};

static enum eg_status dept_create_tx_fn(struct eg_db *db, void *p)
{
    struct dept_create_tx *d = p;
    return eg_auth_department_create(
        db, d->ctx, eg_json_str(d->body, "code", ""), eg_json_str(d->body, "name", ""),
        eg_json_str(d->body, "name_en", ""), eg_json_str(d->body, "kind", ""),
        eg_json_int(d->body, "parent_id", 0), &d->id, &d->field);
}

void eg_auth_api_departments_create(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    json_t *out = NULL;
    struct dept_create_tx d = {&ctx, req->body, 0, NULL};
    enum eg_status rc = eg_db_tx(req->db, dept_create_tx_fn, &d);
    if (rc == EG_OK)
        rc = eg_auth_department_json(req->db, d.id, &out);
    if (rc != EG_OK) {
        eg_auth_reply_field(req, rc, d.field);
        return;
    }
    eg_reply_json(req, 201, out);
}

struct dept_patch_tx {
    const struct eg_audit_ctx *ctx;
    const json_t *body;
    int64_t id;
    const char *field;
};

/* Rename or (un)archive; archived departments stay in the tree (old cases
 * still name them) but take no new accounts or children. */
static enum eg_status dept_patch_tx_fn(struct eg_db *db, void *p)
{
    struct dept_patch_tx *d = p;
    int64_t found = 0;
    d->field = NULL;
    const char *name = eg_json_str(d->body, "name", NULL);
    const char *name_en = eg_json_str(d->body, "name_en", NULL);
    int archived = eg_json_bool(d->body, "archived", -1);
    enum eg_status rc =
        eg_db_one_i64(db, &found, "SELECT id FROM departments WHERE id = ?", "i", d->id);
    if (rc != EG_OK)
        return rc;
    if (name && (*name == '\0' || strlen(name) > 200 || !eg_utf8_valid(name, strlen(name)))) {
        d->field = "name";
        return EG_E_INVALID_FIELD;
    }
    json_t *changes = json_object();
    if (name)
        json_object_set_new(changes, "name", json_string(name));
    if (name_en)
        json_object_set_new(changes, "name_en", json_string(name_en));
    if (archived >= 0)
        json_object_set_new(changes, "archived", json_boolean(archived));
    if (json_object_size(changes) == 0) {
        json_decref(changes);
        return EG_OK;
    }
    rc = eg_db_run(db, NULL,
                   "UPDATE departments SET name = COALESCE(?, name), name_en = COALESCE(?, "
                   "name_en), archived = CASE WHEN ? < 0 THEN archived ELSE ? END WHERE id = ?",
                   "ttiii", name, name_en, (int64_t)archived, (int64_t)archived, d->id);
    if (rc == EG_OK)
        rc = eg_auth_audit(db, d->ctx, "department.update", "department", d->id,
                           json_pack("{s:O}", "changes", changes));
    json_decref(changes);
    return rc;
}

void eg_auth_api_departments_patch(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    json_t *out = NULL;
    struct dept_patch_tx d = {&ctx, req->body, 0, NULL};
    enum eg_status rc = eg_req_param_id(req, "id", &d.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, dept_patch_tx_fn, &d);
    if (rc == EG_OK)
        rc = eg_auth_department_json(req->db, d.id, &out);
    if (rc != EG_OK) {
        eg_auth_reply_field(req, rc, d.field);
        return;
    }
    eg_reply_json(req, 200, out);
}

/* ------------------------------------------------------------ organisations */

#define ORG_COLUMNS                                                                                \
    "id, name, credit_code, kind, sector, contact_name, contact_phone_masked, archived, "          \
    "created_at FROM organisations"

/* An organisation row (ORG_COLUMNS order) as JSON. */
static json_t *org_row_json(struct eg_stmt *st)
{
    char at[21];
    eg_instant_format(eg_stmt_i64(st, 8), at);
    json_t *o = json_pack(
        "{s:I, s:s, s:n, s:s, s:s, s:s, s:s, s:b, s:s}", "id", (json_int_t)eg_stmt_i64(st, 0),
        "name", eg_stmt_text(st, 1), "credit_code", "kind", eg_stmt_text(st, 3), "sector",
        eg_stmt_text(st, 4), "contact_name", eg_stmt_text(st, 5), "contact_phone_masked",
        eg_stmt_text(st, 6), "archived", (int)(eg_stmt_i64(st, 7) != 0), "created_at", at);
    if (o && !eg_stmt_is_null(st, 2))
        json_object_set_new(o, "credit_code", json_string(eg_stmt_text(st, 2)));
    return o;
}

/* Organisations in id order, filtered by kind and sector. */
void eg_auth_api_organisations_list(struct eg_req *req)
{
    int64_t limit = 0, cursor = 0, next = 0, n = 0, last = 0;
    struct eg_stmt *st = NULL;
    json_t *items = NULL;
    if (eg_auth_page_args(req, &limit, &cursor) != EG_OK)
        return;
    const char *kind = eg_req_query(req, "kind");
    const char *sector = eg_req_query(req, "sector");
    if (kind && strcmp(kind, "platform") != 0 && strcmp(kind, "company") != 0 &&
        strcmp(kind, "insurer") != 0 && strcmp(kind, "other") != 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "kind",
                       "kind must be platform, company, insurer or other");
        return;
    }
    if (sector && strlen(sector) > 32) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "sector", "sector is at most 32 characters");
        return;
    }
    enum eg_status rc = eg_db_query(req->db, &st,
                                    "SELECT " ORG_COLUMNS " WHERE (? = '' OR kind = ?) "
                                    "AND (? = '' OR sector = ?) AND id > ? ORDER BY id LIMIT ?",
                                    "ttttii", kind ? kind : "", kind ? kind : "",
                                    sector ? sector : "", sector ? sector : "", cursor, limit + 1);
    items = json_array();
    while (eg_db_next(st, &rc)) {
        if (n == limit) {
            next = last;
            break;
        }
        last = eg_stmt_i64(st, 0);
        json_array_append_new(items, org_row_json(st));
        n++;
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_auth_reply_list(req, items, next);
}

/* One organisation by id as JSON. */
static enum eg_status org_json(struct eg_db *db, int64_t id, json_t **out)
{
    struct eg_stmt *st = NULL;
    *out = NULL;
    enum eg_status rc = eg_db_query(db, &st, "SELECT " ORG_COLUMNS " WHERE id = ?", "i", id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *out = org_row_json(st);
        rc = *out ? EG_OK : EG_E_INTERNAL;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

void eg_auth_api_organisations_create(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    const char *field = NULL;
    int64_t id = 0;
    json_t *out = NULL;
    enum eg_status rc = eg_auth_organisation_create(
        req->db, &ctx, eg_json_str(req->body, "name", ""),
        eg_json_str(req->body, "credit_code", NULL), eg_json_str(req->body, "kind", ""),
        eg_json_str(req->body, "sector", ""), eg_json_str(req->body, "contact_name", ""), &id,
        &field);
    if (rc == EG_OK)
        rc = org_json(req->db, id, &out);
    if (rc != EG_OK) {
        eg_auth_reply_field(req, rc, field);
        return;
    }
    eg_reply_json(req, 201, out);
}

/* Staff see every organisation; a platform only its own. */
void eg_auth_api_organisations_get(struct eg_req *req)
{
    int64_t id = 0;
    json_t *out = NULL;
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK && req->who.role == EG_ROLE_PLATFORM) {
        struct eg_row_scope row = {0, id, NULL, NULL, 0, 0, 0};
        rc = eg_authz_row(&req->who, req->route->roles, &row);
    }
    if (rc == EG_OK)
        rc = org_json(req->db, id, &out);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, out);
}
