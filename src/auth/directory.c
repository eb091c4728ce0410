/*
 * directory.c — the department tree, organisations and API keys.
 *
 * Departments carry a materialised path ("/1/5/") so that "this department
 * and those below it" is a prefix test (authz.c); the path needs the row's
 * own id, so it is written right after the insert, in the same transaction.
 */
#include "auth/accounts.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"
#include "auth/internal.h"
#include "core/config.h"
#include "core/ident.h"
#include "core/time.h"
#include "db/db.h"

#define CODE_MAX      32
#define DEPT_NAME_MAX 200

enum eg_status eg_department_by_code(struct eg_db *db, const char *code, int64_t *id,
                                     char path[128])
{
    struct eg_stmt *st = NULL;
    *id = 0;
    path[0] = '\0';
    enum eg_status rc = eg_db_query(db, &st, "SELECT id, path FROM departments WHERE code = ?", "t",
                                    code ? code : "");
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *id = eg_stmt_i64(st, 0);
        snprintf(path, 128, "%s", eg_stmt_text(st, 1));
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

/* Whether code is 2–32 characters of [a-z0-9_]. */
static int code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n < 2 || n > CODE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((code[i] >= 'a' && code[i] <= 'z') || (code[i] >= '0' && code[i] <= '9') ||
              code[i] == '_'))
            return 0;
    return 1;
}

/* Whether s is non-empty valid UTF-8 of at most max bytes with no control characters. */
static int name_ok(const char *s, size_t max, int allow_empty)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0)
        return allow_empty;
    if (n > max || !eg_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/*
 * Insert one department under parent_id (0 for a root) and give it its path
 * (the parent's path plus its own id). Inside a transaction; audited.
 */
static enum eg_status dept_insert(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                  const char *code, const char *name, const char *name_en,
                                  const char *kind, int64_t parent_id, const char *parent_path,
                                  int64_t *id)
{
    struct eg_stmt *st = NULL;
    char path[128];
    *id = 0;
    enum eg_status rc =
        eg_db_query(db, &st,
                    "INSERT INTO departments (code, name, name_en, kind, "
                    "parent_id, path, archived, created_at) VALUES (?, ?, ?, ?, "
                    "NULLIF(?, 0), '', 0, ?) RETURNING id",
                    "ttttii", code, name, name_en ? name_en : "", kind, parent_id, eg_now());
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    int n = snprintf(path, sizeof path, "%s%lld/", parent_id ? parent_path : "/", (long long)*id);
    if (n < 0 || (size_t)n >= sizeof path)
        return EG_E_UNPROCESSABLE; /* the tree is too deep */
    rc = eg_db_run(db, NULL, "UPDATE departments SET path = ? WHERE id = ?", "ti", path, *id);
    if (rc == EG_OK)
        rc = eg_auth_audit(db, ctx, "department.create", "department", *id,
                           json_pack("{s:s, s:s, s:s, s:s}", "code", code, "name", name, "kind",
                                     kind, "path", path));
    return rc;
}

/* The seeded tree: member departments of the centre. */
static const struct {
    const char *code, *name, *name_en;
} members[] = {
    {"hrss", "人社局", "Human Resources and Social Security Bureau"},
    {"union", "总工会", "Federation of Trade Unions"},
    {"justice", "司法局", "Justice Bureau"},
    {"transport", "交通运输局", "Transport Bureau"},
    {"market", "市场监管局", "Market Regulation Administration"},
    {"postal", "邮政管理局", "Postal Administration"},
    {"traffic_police", "公安交警", "Traffic Police"},
    {"medical_insurance", "医保局", "Healthcare Security Administration"},
    {"tax", "税务局", "Tax Bureau"},
    {"commerce", "商务局", "Commerce Bureau"},
    {"civil_affairs", "民政局", "Civil Affairs Bureau"},
    {"women_fed", "妇联", "Women's Federation"},
    {"youth_league", "团市委", "Communist Youth League Committee"},
    {"health", "卫健委", "Health Commission"},
    {"housing", "住建局", "Housing and Urban-Rural Development Bureau"},
    {"emergency", "应急管理局", "Emergency Management Bureau"},
    {"cyberspace", "网信办", "Cyberspace Affairs Office"},
    {"industry", "工信局", "Industry and Information Technology Bureau"},
    {"finance", "金融监管局", "Financial Regulatory Bureau"},
    {"court", "法院", "People's Court"},
    {"procuratorate", "检察院", "People's Procuratorate"},
    {"petitions", "信访局", "Letters and Calls Bureau"},
    {"pboc", "人民银行", "People's Bank of China Branch"},
    {"finance_bureau", "财政局", "Finance Bureau"},
    {"development", "发改委", "Development and Reform Commission"},
    {"education", "教育局", "Education Bureau"},
    {"culture", "文旅局", "Culture and Tourism Bureau"},
};

/* The seeded tree: district sub-centres of the reference deployment. */
static const struct {
    const char *code, *name, *name_en;
} districts[] = {
    {"siming", "思明区分中心", "Siming District Sub-centre"},
    {"huli", "湖里区分中心", "Huli District Sub-centre"},
    {"jimei", "集美区分中心", "Jimei District Sub-centre"},
    {"haicang", "海沧区分中心", "Haicang District Sub-centre"},
    {"tongan", "同安区分中心", "Tong'an District Sub-centre"},
    {"xiangan", "翔安区分中心", "Xiang'an District Sub-centre"},
};

struct seed_tx {
    const struct eg_audit_ctx *ctx;
    const char *centre_name;
};

/* Seed the tree in one transaction if it is empty. */
static enum eg_status seed_tx_fn(struct eg_db *db, void *p)
{
    struct seed_tx *s = p;
    int64_t n = 0, centre = 0, id = 0;
    char centre_path[128];
    enum eg_status rc = eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM departments", "");
    if (rc != EG_OK || n > 0)
        return rc;
    rc = dept_insert(db, s->ctx, "centre", s->centre_name,
                     "New Employment Forms Workers' Rights Protection Service Centre", "centre", 0,
                     "", &centre);
    if (rc != EG_OK)
        return rc;
    snprintf(centre_path, sizeof centre_path, "/%lld/", (long long)centre);
    for (size_t i = 0; rc == EG_OK && i < sizeof members / sizeof members[0]; i++)
        rc = dept_insert(db, s->ctx, members[i].code, members[i].name, members[i].name_en, "member",
                         centre, centre_path, &id);
    for (size_t i = 0; rc == EG_OK && i < sizeof districts / sizeof districts[0]; i++)
        rc = dept_insert(db, s->ctx, districts[i].code, districts[i].name, districts[i].name_en,
                         "district", centre, centre_path, &id);
    return rc;
}

enum eg_status eg_departments_seed(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                   const char *city_name)
{
    char centre_name[256];
    snprintf(centre_name, sizeof centre_name, "%s新就业形态劳动者权益保障服务中心",
             city_name ? city_name : "");
    struct seed_tx s = {ctx, centre_name};
    return eg_auth_tx(db, seed_tx_fn, &s);
}

enum eg_status eg_auth_department_create(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                         const char *code, const char *name, const char *name_en,
                                         const char *kind, int64_t parent_id, int64_t *id,
                                         const char **field)
{
    struct eg_stmt *st = NULL;
    char parent_path[128] = "";
    int64_t n = 0;
    const char *bad = NULL;
    enum eg_status rc = EG_E_INVALID_FIELD;
    *id = 0;
    if (!code_ok(code)) {
        bad = "code";
        goto out;
    }
    if (!name_ok(name, DEPT_NAME_MAX, 0)) {
        bad = "name";
        goto out;
    }
    if (!name_ok(name_en, DEPT_NAME_MAX, 1)) {
        bad = "name_en";
        goto out;
    }
    if (!kind || (strcmp(kind, "member") != 0 && strcmp(kind, "district") != 0)) {
        bad = "kind";
        goto out;
    }
    rc =
        eg_db_query(db, &st, "SELECT path, archived FROM departments WHERE id = ?", "i", parent_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        snprintf(parent_path, sizeof parent_path, "%s", eg_stmt_text(st, 0));
        rc = eg_stmt_i64(st, 1) ? EG_E_INVALID_FIELD : EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_INVALID_FIELD;
    }
    eg_stmt_done(st);
    if (rc == EG_E_INVALID_FIELD)
        bad = "parent_id";
    if (rc != EG_OK)
        goto out;
    rc = eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM departments WHERE code = ?", "t", code);
    if (rc != EG_OK)
        goto out;
    if (n > 0) {
        rc = EG_E_DUPLICATE;
        bad = "code";
        goto out;
    }
    rc = dept_insert(db, ctx, code, name, name_en, kind, parent_id, parent_path, id);
    if (rc == EG_E_DUPLICATE)
        bad = "code";
out:
    if (field)
        *field = rc == EG_OK ? NULL : bad;
    return rc;
}

enum eg_status eg_auth_department_json(struct eg_db *db, int64_t id, json_t **out)
{
    struct eg_stmt *st = NULL;
    *out = NULL;
    if (id <= 0) {
        *out = json_null();
        return EG_OK;
    }
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT id, code, name, name_en, kind, parent_id, path, "
                                    "archived FROM departments WHERE id = ?",
                                    "i", id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *out = eg_auth_department_row_json(st);
        rc = *out ? EG_OK : EG_E_INTERNAL;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

json_t *eg_auth_department_row_json(struct eg_stmt *st)
{
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:n, s:s, s:b}", "id", (json_int_t)eg_stmt_i64(st, 0),
                  "code", eg_stmt_text(st, 1), "name", eg_stmt_text(st, 2), "name_en",
                  eg_stmt_text(st, 3), "kind", eg_stmt_text(st, 4), "parent_id", "path",
                  eg_stmt_text(st, 6), "archived", (int)(eg_stmt_i64(st, 7) != 0));
    if (o && !eg_stmt_is_null(st, 5))
        json_object_set_new(o, "parent_id", json_integer(eg_stmt_i64(st, 5)));
    return o;
}

/* ------------------------------------------------------------ organisations */

static const char *const org_kinds[] = {"platform", "company", "insurer", "other", NULL};

/* Whether kind is one of the organisation kinds. */
static int org_kind_ok(const char *kind)
{
    for (size_t i = 0; kind && org_kinds[i]; i++)
        if (strcmp(kind, org_kinds[i]) == 0)
            return 1;
    return 0;
}

struct org_tx {
    const struct eg_audit_ctx *ctx;
    const char *name, *credit_code, *kind, *sector, *contact_name;
    int64_t id;
    const char *field;
};

static enum eg_status org_tx_fn(struct eg_db *db, void *p)
{
    struct org_tx *o = p;
    struct eg_stmt *st = NULL;
    int64_t n = 0;
    o->id = 0;
    o->field = NULL;
    enum eg_status rc = EG_OK;
    if (o->credit_code) {
        rc = eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM organisations WHERE credit_code = ?", "t",
                           o->credit_code);
        if (rc == EG_OK && n > 0) {
            o->field = "credit_code";
            rc = EG_E_DUPLICATE;
        }
        if (rc != EG_OK)
            return rc;
    }
    rc = eg_db_query(db, &st,
                     "INSERT INTO organisations (name, credit_code, kind, sector, contact_name, "
                     "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                     "ttttti", o->name, o->credit_code, o->kind, o->sector, o->contact_name,
                     eg_now());
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        o->id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc == EG_E_DUPLICATE)
        o->field = "credit_code";
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    return eg_auth_audit(db, o->ctx, "organisation.create", "organisation", o->id,
                         json_pack("{s:s, s:s?, s:s, s:s}", "name", o->name, "credit_code",
                                   o->credit_code, "kind", o->kind, "sector", o->sector));
}

enum eg_status eg_auth_organisation_create(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                           const char *name, const char *credit_code,
                                           const char *kind, const char *sector,
                                           const char *contact_name, int64_t *id,
                                           const char **field)
{
    char code[19];
    const char *bad = NULL;
    enum eg_status rc = EG_E_INVALID_FIELD;
    *id = 0;
    if (!name_ok(name, DEPT_NAME_MAX, 0)) {
        bad = "name";
        goto out;
    }
    if (!org_kind_ok(kind)) {
        bad = "kind";
        goto out;
    }
    if (credit_code && *credit_code) {
        /* Upper-case first: people type the letters either way. */
        size_t n = strlen(credit_code);
        if (n != 18) {
            bad = "credit_code";
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            code[i] = (credit_code[i] >= 'a' && credit_code[i] <= 'z')
                          ? (char)(credit_code[i] - 'a' + 'A')
                          : credit_code[i];
        code[18] = '\0';
        if (eg_credit_code_check(code) != EG_OK) {
            bad = "credit_code";
            goto out;
        }
    } else if (strcmp(kind, "other") != 0) {
        bad = "credit_code"; /* platforms, companies and insurers are registered */
        goto out;
    }
    if (!name_ok(sector, CODE_MAX, 1) || (sector && *sector && !code_ok(sector))) {
        bad = "sector";
        goto out;
    }
    if (!name_ok(contact_name, DEPT_NAME_MAX, 1)) {
        bad = "contact_name";
        goto out;
    }
    struct org_tx o = {ctx,
                       name,
                       (credit_code && *credit_code) ? code : NULL,
                       kind,
                       sector ? sector : "",
                       contact_name ? contact_name : "",
                       0,
                       NULL};
    rc = eg_auth_tx(db, org_tx_fn, &o);
    bad = o.field;
    if (rc == EG_OK)
        *id = o.id;
out:
    if (field)
        *field = rc == EG_OK ? NULL : bad;
    return rc;
}

enum eg_status eg_organisation_create(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                      const char *name, const char *credit_code, const char *kind,
                                      const char *sector, int64_t *id)
{
    return eg_auth_organisation_create(db, ctx, name, credit_code, kind, sector, NULL, id, NULL);
}

/* ------------------------------------------------------------------ API keys */

struct key_tx {
    const struct eg_audit_ctx *ctx;
    int64_t org, dept;
    const char *label, *hash, *prefix;
    int64_t id;
};

static enum eg_status key_tx_fn(struct eg_db *db, void *p)
{
    struct key_tx *k = p;
    struct eg_stmt *st = NULL;
    int64_t n = 0;
    k->id = 0;
    enum eg_status rc =
        k->org ? eg_db_one_i64(db, &n, "SELECT id FROM organisations WHERE id = ?", "i", k->org)
               : eg_db_one_i64(db, &n, "SELECT id FROM departments WHERE id = ?", "i", k->dept);
    if (rc == EG_E_NOT_FOUND)
        rc = EG_E_INVALID_FIELD;
    if (rc != EG_OK)
        return rc;
    rc = eg_db_query(db, &st,
                     "INSERT INTO api_keys (key_hash, prefix, organisation_id, department_id, "
                     "label, created_at) VALUES (?, ?, NULLIF(?, 0), NULLIF(?, 0), ?, ?) "
                     "RETURNING id",
                     "ttiiti", k->hash, k->prefix, k->org, k->dept, k->label, eg_now());
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        k->id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    json_t *sum = json_pack("{s:s, s:s}", "prefix", k->prefix, "label", k->label);
    if (sum && k->org)
        json_object_set_new(sum, "organisation_id", json_integer(k->org));
    if (sum && k->dept)
        json_object_set_new(sum, "department_id", json_integer(k->dept));
    return eg_auth_audit(db, k->ctx, "api_key.issue", "api_key", k->id, sum);
}

enum eg_status eg_api_key_issue(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                int64_t organisation_id, int64_t department_id, const char *label,
                                char key_out[64], int64_t *key_id)
{
    char hash[65], prefix[13];
    const struct eg_keys *keys = eg_keys_global();
    *key_id = 0;
    key_out[0] = '\0';
    if (!keys)
        return EG_E_INTERNAL;
    if ((organisation_id > 0) == (department_id > 0) || organisation_id < 0 || department_id < 0)
        return EG_E_INVALID_FIELD;
    if (!name_ok(label, DEPT_NAME_MAX, 1))
        return EG_E_INVALID_FIELD;
    char key[64];
    eg_token_new("egk_", key);
    eg_token_hash(keys, key, hash);
    memcpy(prefix, key, 12);
    prefix[12] = '\0';
    struct key_tx k = {ctx, organisation_id, department_id, label ? label : "", hash, prefix, 0};
    enum eg_status rc = eg_auth_tx(db, key_tx_fn, &k);
    if (rc == EG_OK) {
        memcpy(key_out, key, 64);
        *key_id = k.id;
    }
    memset(key, 0, sizeof key);
    return rc;
}
