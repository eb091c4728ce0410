/*
 * api_platforms.c — platforms (organisations of kind 'platform' with the
 * details monitoring keeps), their API keys and rosters, and the feed keys
 * of government departments:
 *
 *   /api/v1/platforms, /api/v1/platforms/{id}, …/{id}/keys, …/keys/{key_id},
 *   …/{id}/workers, /api/v1/department-keys, /api/v1/department-keys/{id}.
 *
 * A key is shown once, when issued; only its keyed hash is stored (auth's
 * eg_api_key_issue). A platform's key or account sees its own platform and
 * nothing else: any other platform's id answers 404.
 */
#include "monitoring/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/accounts.h"
#include "auth/authz.h"
#include "core/ident.h"
#include "db/db.h"

#define PLATFORM_SELECT                                                                            \
    "SELECT o.id, o.name, o.credit_code, o.sector, o.contact_name, o.archived, o.created_at, "     \
    "p.code, p.contact_phone, p.contact_email, p.address, p.appeal_channel, "                      \
    "(SELECT COUNT(*) FROM mon_roster r WHERE r.platform_id = o.id AND r.status = 'active') "      \
    "FROM organisations o LEFT JOIN mon_platforms p ON p.organisation_id = o.id"

static json_t *platform_json(struct eg_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(eg_stmt_i64(st, 0)));
    json_object_set_new(o, "name", json_string(eg_stmt_text(st, 1)));
    json_object_set_new(o, "credit_code", json_string(eg_stmt_text(st, 2)));
    json_object_set_new(o, "sector", json_string(eg_stmt_text(st, 3)));
    json_object_set_new(o, "code",
                        eg_stmt_is_null(st, 7) ? json_null() : json_string(eg_stmt_text(st, 7)));
    json_object_set_new(o, "contact_name", json_string(eg_stmt_text(st, 4)));
    json_object_set_new(o, "contact_phone", json_string(eg_stmt_text(st, 8)));
    json_object_set_new(o, "contact_email", json_string(eg_stmt_text(st, 9)));
    json_object_set_new(o, "address", json_string(eg_stmt_text(st, 10)));
    json_object_set_new(o, "appeal_channel", json_string(eg_stmt_text(st, 11)));
    json_object_set_new(o, "archived", json_boolean(eg_stmt_i64(st, 5)));
    json_object_set_new(o, "active_workers", json_integer(eg_stmt_i64(st, 12)));
    json_object_set_new(o, "created_at", eg_mon_instant_json(eg_stmt_i64(st, 6)));
    return o;
}

/* The platform's keys (never the keys themselves: prefix, label, dates). */
static json_t *keys_json(struct eg_db *db, int64_t org)
{
    struct eg_stmt *st = NULL;
    json_t *list = json_array();
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT id, prefix, label, created_at, revoked_at, "
                                    "last_used_at FROM api_keys WHERE organisation_id = ? ORDER "
                                    "BY id",
                                    "i", org);
    while (eg_db_next(st, &rc)) {
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)eg_stmt_i64(st, 0),
                            "prefix", eg_stmt_text(st, 1), "label", eg_stmt_text(st, 2),
                            "created_at", eg_mon_instant_json(eg_stmt_i64(st, 3)), "revoked_at",
                            eg_mon_instant_json(eg_stmt_i64(st, 4)), "last_used_at",
                            eg_mon_instant_json(eg_stmt_i64(st, 5))));
    }
    eg_stmt_done(st);
    return list;
}

/* One platform as the caller may see it: 404 for a platform caller's
 * neighbours and for organisations that are not platforms. */
static enum eg_status platform_load(struct eg_req *req, int64_t id, int with_keys, json_t **out)
{
    struct eg_stmt *st = NULL;
    struct eg_row_scope scope;
    *out = NULL;
    memset(&scope, 0, sizeof scope);
    scope.organisation_id = id;
    scope.analyst_visible = 1;
    scope.insurer_visible = 1;
    enum eg_status rc = EG_OK;
    if (req->who.role == EG_ROLE_PLATFORM || req->who.role == EG_ROLE_ANALYST ||
        req->who.role == EG_ROLE_INSURER || req->who.role == EG_ROLE_ADMIN ||
        req->who.role == EG_ROLE_SUPERVISOR)
        rc = eg_authz_row(&req->who, req->route->roles, &scope);
    else if (req->who.role != EG_ROLE_MEDIATOR)
        rc = EG_E_NOT_FOUND;
    if (rc != EG_OK)
        return rc;
    rc = eg_db_query(req->db, &st, PLATFORM_SELECT " WHERE o.id = ? AND o.kind = 'platform'", "i",
                     id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *out = platform_json(st);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    if (rc == EG_OK && with_keys &&
        (req->who.role == EG_ROLE_ADMIN || req->who.role == EG_ROLE_PLATFORM ||
         req->who.role == EG_ROLE_SUPERVISOR))
        json_object_set_new(*out, "keys", keys_json(req->db, id));
    return rc;
}

void eg_mon_api_platforms_list(struct eg_req *req)
{
    int64_t limit, cursor;
    if (eg_mon_page_args(req, &limit, &cursor) != EG_OK || eg_mon_wants_xlsx(req) < 0)
        return;
    const char *sector = eg_req_query(req, "sector");
    const char *archived = eg_req_query(req, "archived");
    if (archived && strcmp(archived, "true") != 0 && strcmp(archived, "false") != 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "archived", "archived must be true or false");
        return;
    }
    int64_t only = req->who.role == EG_ROLE_PLATFORM ? req->who.organisation_id : 0;
    int64_t arch = archived ? (strcmp(archived, "true") == 0 ? 1 : 0) : -1;
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(
        req->db, &st,
        PLATFORM_SELECT " WHERE o.kind = 'platform' AND (? = 0 OR o.id = ?) AND (? = '' OR "
                        "o.sector = ?) AND (? < 0 OR o.archived = ?) AND (? = 0 OR o.id > ?) "
                        "ORDER BY o.id LIMIT ?",
        "iittiiiii", only, only, sector ? sector : "", sector ? sector : "", arch, arch, cursor,
        cursor, limit + 1);
    json_t *items = json_array();
    int64_t n = 0, last = 0, more = 0;
    while (eg_db_next(st, &rc)) {
        if (n == limit) {
            more = 1;
            continue;
        }
        last = eg_stmt_i64(st, 0);
        json_array_append_new(items, platform_json(st));
        n++;
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_mon_reply_list(req, items, more ? last : 0, "platforms");
}

void eg_mon_api_platforms_get(struct eg_req *req)
{
    int64_t id = 0;
    json_t *out = NULL;
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK)
        rc = platform_load(req, id, 1, &out);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, out);
}

/* Whether a platform code is 2–32 of [a-z0-9_]. */
static int code_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 2 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Whether a business phone is 5–32 of digits, spaces and + - ( ). */
static int phone_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n == 0 || (n >= 5 && n <= 32 && strspn(s, "0123456789+-() ") == n);
}

/* Whether an e-mail address looks like one (one @, a dot after it, no spaces). */
static int email_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0)
        return 1;
    const char *at = strchr(s, '@');
    return n <= 128 && at && at != s && strchr(at + 1, '@') == NULL && strchr(at, '.') &&
           at[strlen(at) - 1] != '.' && strcspn(s, " \t\r\n<>\"") == n && eg_mon_text_ok(s, 128);
}

/* Optional text field: absent or "" allowed, otherwise clean text up to max. */
static int opt_text_ok(const char *s, size_t max)
{
    return !s || !*s || eg_mon_text_ok(s, max);
}

struct platform_tx {
    const struct eg_audit_ctx *ctx;
    const json_t *body;
    int64_t id;
    const char *field;
    const char *why;
};

/* The details of mon_platforms checked (shared by create and patch). */
static enum eg_status details_check(struct platform_tx *t)
{
    const json_t *b = t->body;
    const char *code = eg_json_str(b, "code", NULL);
    t->why = NULL;
    if (code && !code_ok(code)) {
        t->field = "code";
        t->why = "code must be 2 to 32 characters of a-z, 0-9 and _";
    } else if (!phone_ok(eg_json_str(b, "contact_phone", NULL))) {
        t->field = "contact_phone";
        t->why = "contact_phone must be a business number: 5 to 32 digits, spaces and + - ( )";
    } else if (!email_ok(eg_json_str(b, "contact_email", NULL))) {
        t->field = "contact_email";
        t->why = "contact_email must be an e-mail address";
    } else if (!opt_text_ok(eg_json_str(b, "contact_name", NULL), 100)) {
        t->field = "contact_name";
        t->why = "contact_name must be at most 100 characters without control characters";
    } else if (!opt_text_ok(eg_json_str(b, "address", NULL), 200)) {
        t->field = "address";
        t->why = "address must be at most 200 characters without control characters";
    } else if (!opt_text_ok(eg_json_str(b, "appeal_channel", NULL), 200)) {
        t->field = "appeal_channel";
        t->why = "appeal_channel must be at most 200 characters without control characters";
    }
    return t->why ? EG_E_INVALID_FIELD : EG_OK;
}

static enum eg_status platform_create_tx(struct eg_db *db, void *p)
{
    struct platform_tx *t = p;
    const json_t *b = t->body;
    const char *sector = eg_json_str(b, "sector", "");
    const char *code = eg_json_str(b, "code", NULL);
    int64_t now = eg_now(), n = 0;
    t->field = NULL;
    enum eg_status rc = details_check(t);
    if (rc != EG_OK)
        return rc;
    if (!eg_mon_sector_known(db, sector)) {
        t->field = "sector";
        t->why = "sector must be a code of the sector list (GET /api/v1/dictionary/sector)";
        return EG_E_INVALID_FIELD;
    }
    if (!eg_mon_text_ok(eg_json_str(b, "name", ""), 200)) {
        t->field = "name";
        t->why = "name must be 1 to 200 characters without control characters";
        return EG_E_INVALID_FIELD;
    }
    if (code) {
        rc = eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM mon_platforms WHERE code = ?", "t", code);
        if (rc != EG_OK)
            return rc;
        if (n > 0) {
            t->field = "code";
            t->why = "A platform with this code exists.";
            return EG_E_DUPLICATE;
        }
    }
    rc = eg_organisation_create(db, t->ctx, eg_json_str(b, "name", ""),
                                eg_json_str(b, "credit_code", ""), "platform", sector, &t->id);
    if (rc == EG_E_INVALID_FIELD || rc == EG_E_DUPLICATE) {
        t->field = "credit_code";
        t->why = rc == EG_E_DUPLICATE
                     ? "An organisation with this credit code exists."
                     : "credit_code is not a valid unified social credit code (GB 32100)";
        return rc;
    }
    if (rc != EG_OK)
        return rc;
    rc = eg_db_run(db, NULL, "UPDATE organisations SET contact_name = ? WHERE id = ?", "ti",
                   eg_json_str(b, "contact_name", ""), t->id);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO mon_platforms (organisation_id, code, contact_phone, "
                       "contact_email, address, appeal_channel, created_at, updated_at) VALUES "
                       "(?, ?, ?, ?, ?, ?, ?, ?)",
                       "ittttti"
                       "i",
                       t->id, code, eg_json_str(b, "contact_phone", ""),
                       eg_json_str(b, "contact_email", ""), eg_json_str(b, "address", ""),
                       eg_json_str(b, "appeal_channel", ""), now, now);
    if (rc == EG_OK)
        rc = eg_mon_audit_json(db, t->ctx, "platform.create", "organisation", t->id,
                               json_pack("{s:s, s:s, s:s?}", "name", eg_json_str(b, "name", ""),
                                         "sector", sector, "code", code));
    return rc;
}

void eg_mon_api_platforms_create(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    struct platform_tx t = {&ctx, req->body, 0, NULL, NULL};
    json_t *out = NULL;
    enum eg_status rc = eg_db_tx(req->db, platform_create_tx, &t);
    if (rc == EG_OK)
        rc = platform_load(req, t.id, 1, &out);
    if (rc != EG_OK) {
        eg_mon_reply_err(req, rc, t.field, t.why);
        return;
    }
    eg_reply_json(req, 201, out);
}

static enum eg_status platform_patch_tx(struct eg_db *db, void *p)
{
    struct platform_tx *t = p;
    const json_t *b = t->body;
    int64_t n = 0, now = eg_now();
    char sector[33];
    t->field = NULL;
    enum eg_status rc = eg_db_one_i64(
        db, &n, "SELECT COUNT(*) FROM organisations WHERE id = ? AND kind = 'platform'", "i",
        t->id);
    if (rc != EG_OK)
        return rc;
    if (n == 0)
        return EG_E_NOT_FOUND;
    rc = details_check(t);
    if (rc != EG_OK)
        return rc;
    const char *name = eg_json_str(b, "name", NULL);
    const char *sec = eg_json_str(b, "sector", NULL);
    const char *code = eg_json_str(b, "code", NULL);
    if (name && !eg_mon_text_ok(name, 200)) {
        t->field = "name";
        t->why = "name must be 1 to 200 characters without control characters";
        return EG_E_INVALID_FIELD;
    }
    if (sec && !eg_mon_sector_known(db, sec)) {
        t->field = "sector";
        t->why = "sector must be a code of the sector list (GET /api/v1/dictionary/sector)";
        return EG_E_INVALID_FIELD;
    }
    if (code) {
        rc = eg_db_one_i64(db, &n,
                           "SELECT COUNT(*) FROM mon_platforms WHERE code = ? AND "
                           "organisation_id <> ?",
                           "ti", code, t->id);
        if (rc != EG_OK)
            return rc;
        if (n > 0) {
            t->field = "code";
            t->why = "A platform with this code exists.";
            return EG_E_DUPLICATE;
        }
    }
    (void)sector;
    rc = eg_db_run(db, NULL,
                   "UPDATE organisations SET name = COALESCE(?, name), sector = COALESCE(?, "
                   "sector), contact_name = COALESCE(?, contact_name), archived = CASE WHEN ? < 0 "
                   "THEN archived ELSE ? END WHERE id = ?",
                   "tttiii", name, sec, eg_json_str(b, "contact_name", NULL),
                   (int64_t)(json_object_get(b, "archived") ? eg_json_bool(b, "archived", 0) : -1),
                   (int64_t)eg_json_bool(b, "archived", 0), t->id);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO mon_platforms (organisation_id, code, created_at, updated_at) "
                       "VALUES (?, NULL, ?, ?) ON CONFLICT (organisation_id) DO NOTHING",
                       "iii", t->id, now, now);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "UPDATE mon_platforms SET code = COALESCE(?, code), contact_phone = "
                       "COALESCE(?, contact_phone), contact_email = COALESCE(?, contact_email), "
                       "address = COALESCE(?, address), appeal_channel = COALESCE(?, "
                       "appeal_channel), updated_at = ? WHERE organisation_id = ?",
                       "tttttii", code, eg_json_str(b, "contact_phone", NULL),
                       eg_json_str(b, "contact_email", NULL), eg_json_str(b, "address", NULL),
                       eg_json_str(b, "appeal_channel", NULL), now, t->id);
    if (rc == EG_OK && sec)
        rc = eg_db_run(db, NULL, "UPDATE mon_daily SET sector = ? WHERE platform_id = ?", "ti", sec,
                       t->id);
    if (rc == EG_OK)
        rc = eg_mon_audit_json(db, t->ctx, "platform.update", "organisation", t->id,
                               json_deep_copy(b));
    return rc;
}

void eg_mon_api_platforms_patch(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    struct platform_tx t = {&ctx, req->body, 0, NULL, NULL};
    json_t *out = NULL;
    enum eg_status rc = eg_req_param_id(req, "id", &t.id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, platform_patch_tx, &t);
    if (rc == EG_OK)
        rc = platform_load(req, t.id, 1, &out);
    if (rc != EG_OK) {
        eg_mon_reply_err(req, rc, t.field, t.why);
        return;
    }
    eg_reply_json(req, 200, out);
}

/* --------------------------------------------------------------- keys */

struct key_tx {
    const struct eg_audit_ctx *ctx;
    int64_t org, dept;
    const char *label;
    char key[64];
    int64_t key_id;
};

static enum eg_status key_issue_tx(struct eg_db *db, void *p)
{
    struct key_tx *k = p;
    if (k->org) {
        int64_t n = 0;
        enum eg_status rc = eg_db_one_i64(db, &n,
                                          "SELECT COUNT(*) FROM organisations WHERE id = ? AND "
                                          "kind = 'platform' AND archived = 0",
                                          "i", k->org);
        if (rc != EG_OK)
            return rc;
        if (n == 0)
            return EG_E_NOT_FOUND;
    }
    return eg_api_key_issue(db, k->ctx, k->org, k->dept, k->label, k->key, &k->key_id);
}

/* Issue a key and answer with it (the only time it is shown). */
static void issue_key(struct eg_req *req, int64_t org, int64_t dept)
{
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    struct key_tx k;
    memset(&k, 0, sizeof k);
    k.ctx = &ctx;
    k.org = org;
    k.dept = dept;
    k.label = eg_json_str(req->body, "label", "");
    if (*k.label && !eg_mon_text_ok(k.label, 100)) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "label",
                       "label must be at most 100 characters without control characters");
        return;
    }
    enum eg_status rc = eg_db_tx(req->db, key_issue_tx, &k);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    char prefix[13];
    memcpy(prefix, k.key, 12);
    prefix[12] = '\0';
    json_t *out =
        json_pack("{s:I, s:s, s:s, s:s, s:o, s:s}", "id", (json_int_t)k.key_id, "key", k.key,
                  "prefix", prefix, "label", k.label, "created_at", eg_mon_instant_json(eg_now()),
                  "note", "Store the key now: it is shown only this once.");
    if (org)
        json_object_set_new(out, "platform_id", json_integer(org));
    if (dept)
        json_object_set_new(out, "department_id", json_integer(dept));
    sodium_memzero(k.key, sizeof k.key);
    eg_reply_json(req, 201, out);
}

static const struct eg_field key_spec[] = {
    EG_FIELD("label", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 100),
    {0},
};

void eg_mon_api_platform_keys_create(struct eg_req *req)
{
    int64_t id = 0;
    if (eg_mon_optional_body(req, key_spec) != EG_OK)
        return;
    if (eg_req_param_id(req, "id", &id) != EG_OK) {
        eg_reply_error(req, EG_E_NOT_FOUND, NULL, NULL);
        return;
    }
    issue_key(req, id, 0);
}

struct revoke_tx {
    const struct eg_audit_ctx *ctx;
    int64_t org, dept, key_id;
};

static enum eg_status revoke_tx(struct eg_db *db, void *p)
{
    struct revoke_tx *r = p;
    int64_t n = 0;
    enum eg_status rc = eg_db_one_i64(
        db, &n,
        "SELECT COUNT(*) FROM api_keys WHERE id = ? AND ((? > 0 AND organisation_id = ?) OR (? > "
        "0 AND department_id = ?))",
        "iiiii", r->key_id, r->org, r->org, r->dept, r->dept);
    if (rc != EG_OK)
        return rc;
    if (n == 0)
        return EG_E_NOT_FOUND;
    rc = eg_db_run(db, NULL,
                   "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", "ii",
                   eg_now(), r->key_id);
    if (rc == EG_OK)
        rc = eg_mon_audit_json(db, r->ctx, "api_key.revoke", "api_key", r->key_id,
                               r->org ? json_pack("{s:I}", "organisation_id", (json_int_t)r->org)
                                      : json_pack("{s:I}", "department_id", (json_int_t)r->dept));
    return rc;
}

void eg_mon_api_platform_keys_revoke(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    struct revoke_tx r = {&ctx, 0, 0, 0};
    enum eg_status rc = eg_req_param_id(req, "id", &r.org);
    if (rc == EG_OK)
        rc = eg_req_param_id(req, "key_id", &r.key_id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, revoke_tx, &r);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_empty(req);
}

void eg_mon_api_department_keys_list(struct eg_req *req)
{
    struct eg_stmt *st = NULL;
    json_t *items = json_array();
    if (eg_mon_wants_xlsx(req) < 0) {
        json_decref(items);
        return;
    }
    enum eg_status rc = eg_db_query(
        req->db, &st,
        "SELECT k.id, k.prefix, k.label, k.created_at, k.revoked_at, k.last_used_at, d.id, "
        "d.code, d.name FROM api_keys k JOIN departments d ON d.id = k.department_id ORDER BY k.id",
        "");
    while (eg_db_next(st, &rc)) {
        json_array_append_new(items,
                              json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:{s:I, s:s, s:s}}", "id",
                                        (json_int_t)eg_stmt_i64(st, 0), "prefix",
                                        eg_stmt_text(st, 1), "label", eg_stmt_text(st, 2),
                                        "created_at", eg_mon_instant_json(eg_stmt_i64(st, 3)),
                                        "revoked_at", eg_mon_instant_json(eg_stmt_i64(st, 4)),
                                        "last_used_at", eg_mon_instant_json(eg_stmt_i64(st, 5)),
                                        "department", "id", (json_int_t)eg_stmt_i64(st, 6), "code",
                                        eg_stmt_text(st, 7), "name", eg_stmt_text(st, 8)));
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_mon_reply_list(req, items, 0, "department-keys");
}

void eg_mon_api_department_keys_create(struct eg_req *req)
{
    int64_t dept = 0;
    char path[128];
    if (eg_department_by_code(req->db, eg_json_str(req->body, "department", ""), &dept, path) !=
        EG_OK) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "department",
                       "department must be the code of an existing department");
        return;
    }
    issue_key(req, 0, dept);
}

void eg_mon_api_department_keys_revoke(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_mon_audit(req);
    struct revoke_tx r = {&ctx, 0, 0, 0};
    enum eg_status rc = eg_req_param_id(req, "id", &r.key_id);
    if (rc == EG_OK)
        rc = eg_db_one_i64(req->db, &r.dept,
                           "SELECT department_id FROM api_keys WHERE id = ? AND department_id IS "
                           "NOT NULL",
                           "i", r.key_id);
    if (rc == EG_OK)
        rc = eg_db_tx(req->db, revoke_tx, &r);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_empty(req);
}

/* ------------------------------------------------------------- roster */

void eg_mon_api_platform_workers(struct eg_req *req)
{
    int64_t id = 0, limit, cursor;
    json_t *platform = NULL;
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK)
        rc = platform_load(req, id, 0, &platform);
    json_decref(platform);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    if (eg_mon_page_args(req, &limit, &cursor) != EG_OK || eg_mon_wants_xlsx(req) < 0)
        return;
    const char *status = eg_req_query(req, "status");
    if (status && strcmp(status, "active") != 0 && strcmp(status, "suspended") != 0 &&
        strcmp(status, "deactivated") != 0 && strcmp(status, "left") != 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "status",
                       "status must be active, suspended, deactivated or left");
        return;
    }
    struct eg_stmt *st = NULL;
    rc = eg_db_query(req->db, &st,
                     "SELECT r.id, r.platform_worker_id, r.person_id, p.name, p.id_number_masked, "
                     "r.occupation, r.status, r.joined_on, r.district, r.updated_at FROM "
                     "mon_roster r JOIN people p ON p.id = r.person_id WHERE r.platform_id = ? "
                     "AND (? = '' OR r.status = ?) AND (? = 0 OR r.id > ?) ORDER BY r.id LIMIT ?",
                     "ittiii", id, status ? status : "", status ? status : "", cursor, cursor,
                     limit + 1);
    json_t *items = json_array();
    int64_t n = 0, last = 0, more = 0;
    while (eg_db_next(st, &rc)) {
        if (n == limit) {
            more = 1;
            continue;
        }
        last = eg_stmt_i64(st, 0);
        json_array_append_new(
            items,
            json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)last,
                      "platform_worker_id", eg_stmt_text(st, 1), "person_id",
                      (json_int_t)eg_stmt_i64(st, 2), "name", eg_stmt_text(st, 3),
                      "id_number_masked", eg_stmt_text(st, 4), "occupation", eg_stmt_text(st, 5),
                      "status", eg_stmt_text(st, 6), "joined_on", eg_stmt_text(st, 7), "district",
                      eg_stmt_text(st, 8), "updated_at", eg_mon_instant_json(eg_stmt_i64(st, 9))));
        n++;
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_mon_reply_list(req, items, more ? last : 0, "roster");
}
