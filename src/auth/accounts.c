/*
 * accounts.c — people (personal data behind encryption and blind indexes)
 * and user accounts.
 *
 * Every change runs in a transaction and writes the audit trail in it. The
 * public functions work whether or not the caller already opened the
 * transaction (eg_auth_tx), and do their slow parts — password hashing —
 * before it when they can, so the write lock is held briefly.
 */
#include "auth/accounts.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/crypto.h"
#include "auth/internal.h"
#include "auth/session.h"
#include "core/ident.h"
#include "core/log.h"
#include "core/time.h"
#include "db/db.h"

#define NAME_MAX_BYTES         100
#define DISPLAY_NAME_MAX_BYTES 128

enum eg_status eg_auth_tx(struct eg_db *db, eg_tx_fn fn, void *ctx)
{
    if (eg_db_in_tx(db))
        return fn(db, ctx);
    return eg_db_tx(db, fn, ctx);
}

enum eg_status eg_auth_audit(struct eg_db *db, const struct eg_audit_ctx *ctx, const char *action,
                             const char *entity, int64_t entity_id, json_t *summary)
{
    char id[24] = "";
    char *text = NULL;
    if (entity_id > 0)
        snprintf(id, sizeof id, "%lld", (long long)entity_id);
    if (summary) {
        text = json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
        json_decref(summary);
        if (!text)
            return EG_E_INTERNAL;
    }
    enum eg_status rc = eg_audit_append(db, ctx, action, entity, id, text ? text : "{}");
    free(text);
    return rc;
}

/* Whether s is NULL or "". */
static int blank(const char *s)
{
    return !s || !*s;
}

int eg_auth_text_ok(const char *s, size_t max)
{
    if (blank(s))
        return 0;
    size_t n = strlen(s);
    if (!eg_utf8_valid(s, n) || eg_utf8_chars(s, n) > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* ------------------------------------------------------------------ people */

struct person_tx {
    const struct eg_audit_ctx *ctx;
    const char *name;
    const char *idn_enc, *idn_idx, *idn_masked;
    const char *idn_idx_other;   /* under the key a running rotation replaces (else idn_idx) */
    const char *phone_idx_other; /* likewise (NULL when no phone given) */
    const char *birth_date, *gender, *region;
    const char *phone_enc, *phone_idx, *phone_masked; /* NULL when no phone given */
    int64_t person_id;                                /* out */
    int created;                                      /* out */
};

/*
 * Find by blind index or insert. A known person given a different phone gets
 * the new one (the latest number a worker gave us is the one to call).
 * ON CONFLICT DO NOTHING plus a retry covers two intakes of the same person
 * racing: the loser's transaction is retried and then finds the row.
 */
static enum eg_status person_tx_fn(struct eg_db *db, void *p)
{
    struct person_tx *t = p;
    struct eg_stmt *st = NULL;
    char old_phone_idx[65] = "";
    t->person_id = 0;
    t->created = 0;
    enum eg_status rc =
        eg_db_query(db, &st, "SELECT id, phone_idx FROM people WHERE id_number_idx IN (?, ?)", "tt",
                    t->idn_idx, t->idn_idx_other);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        t->person_id = eg_stmt_i64(st, 0);
        snprintf(old_phone_idx, sizeof old_phone_idx, "%s", eg_stmt_text(st, 1));
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    st = NULL;
    if (rc != EG_OK)
        goto out;

    if (t->person_id > 0) {
        if (t->phone_idx && strcmp(t->phone_idx, old_phone_idx) != 0 &&
            strcmp(t->phone_idx_other, old_phone_idx) != 0) {
            rc = eg_db_run(db, NULL,
                           "UPDATE people SET phone_enc = ?, phone_idx = ?, phone_masked = ? "
                           "WHERE id = ?",
                           "ttti", t->phone_enc, t->phone_idx, t->phone_masked, t->person_id);
            if (rc == EG_OK)
                rc = eg_auth_audit(
                    db, t->ctx, "person.update", "person", t->person_id,
                    json_pack("{s:[s], s:s}", "fields", "phone", "phone_masked", t->phone_masked));
        }
        goto out;
    }

    rc = eg_db_query(db, &st,
                     "INSERT INTO people (name, id_number_enc, id_number_idx, id_number_masked, "
                     "birth_date, gender, region_code, phone_enc, phone_idx, phone_masked, "
                     "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (id_number_idx) DO NOTHING RETURNING id",
                     "tttttttttti", t->name, t->idn_enc, t->idn_idx, t->idn_masked, t->birth_date,
                     t->gender, t->region, t->phone_enc, t->phone_idx, t->phone_masked, eg_now());
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        t->person_id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    } else if (rc == EG_DONE) {
        rc = EG_E_BUSY; /* inserted meanwhile by another transaction: look again */
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        goto out;
    t->created = 1;
    rc = eg_auth_audit(db, t->ctx, "person.create", "person", t->person_id,
                       json_pack("{s:s, s:s?}", "id_number_masked", t->idn_masked, "phone_masked",
                                 t->phone_masked));
out:
    return rc;
}

enum eg_status eg_auth_person_upsert(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                     const struct eg_person_input *in, int64_t *person_id,
                                     int *created, const char **field)
{
    enum eg_status rc = EG_E_INVALID_FIELD;
    struct eg_id_info info;
    struct eg_arena *a = NULL;
    char idn_idx[65], phone_idx[65], idn_masked[19], phone_masked[12], birth[11];
    char idn_idx_other[65], phone_idx_other[65];
    const struct eg_keys *keys = eg_keys_global();
    const char *bad = NULL;

    *person_id = 0;
    if (created)
        *created = 0;
    if (!keys) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    if (!eg_auth_text_ok(in->name, NAME_MAX_BYTES)) {
        bad = "name";
        goto out;
    }
    if (blank(in->id_number) ||
        eg_id_number_check(in->id_number, eg_day_of(eg_now()), &info) != EG_OK) {
        bad = "id_number";
        goto out;
    }
    int has_phone = !blank(in->phone);
    if (has_phone && eg_phone_check(in->phone) != EG_OK) {
        bad = "phone";
        goto out;
    }
    a = eg_arena_new();
    if (!a) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    struct person_tx t;
    memset(&t, 0, sizeof t);
    t.ctx = ctx;
    t.name = in->name;
    eg_pii_blind_index(keys, "idn:", info.normalized, idn_idx);
    eg_pii_blind_index_other(keys, "idn:", info.normalized, idn_idx_other);
    t.idn_idx_other = idn_idx_other;
    eg_mask_id_number(info.normalized, idn_masked);
    eg_date_format(info.birth, birth);
    t.idn_enc = eg_pii_encrypt(keys, a, info.normalized);
    t.idn_idx = idn_idx;
    t.idn_masked = idn_masked;
    t.birth_date = birth;
    t.gender = info.female ? "female" : "male";
    t.region = info.region;
    if (has_phone) {
        eg_pii_blind_index(keys, "phone:", in->phone, phone_idx);
        eg_pii_blind_index_other(keys, "phone:", in->phone, phone_idx_other);
        t.phone_idx_other = phone_idx_other;
        eg_mask_phone(in->phone, phone_masked);
        t.phone_enc = eg_pii_encrypt(keys, a, in->phone);
        t.phone_idx = phone_idx;
        t.phone_masked = phone_masked;
        if (!t.phone_enc) {
            rc = EG_E_INTERNAL;
            goto out;
        }
    }
    if (!t.idn_enc) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    rc = eg_auth_tx(db, person_tx_fn, &t);
    if (rc == EG_OK) {
        *person_id = t.person_id;
        if (created)
            *created = t.created;
    }
out:
    if (field)
        *field = bad;
    eg_arena_destroy(a);
    return rc;
}

enum eg_status eg_person_upsert(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                const struct eg_person_input *in, int64_t *person_id, int *created)
{
    return eg_auth_person_upsert(db, ctx, in, person_id, created, NULL);
}

/*
 * The blind index is taken over the normalised ID (check character upper
 * case), as stored; anything that is not 18 characters cannot match.
 */
enum eg_status eg_person_find_by_id_number(struct eg_db *db, const char *id_number,
                                           int64_t *person_id)
{
    char norm[19], idx[65], idx_other[65];
    const struct eg_keys *keys = eg_keys_global();
    *person_id = 0;
    if (!keys)
        return EG_E_INTERNAL;
    if (!id_number || strlen(id_number) != 18)
        return EG_E_NOT_FOUND;
    memcpy(norm, id_number, 19);
    if (norm[17] == 'x')
        norm[17] = 'X';
    eg_pii_blind_index(keys, "idn:", norm, idx);
    eg_pii_blind_index_other(keys, "idn:", norm, idx_other);
    enum eg_status rc = eg_db_one_i64(
        db, person_id, "SELECT id FROM people WHERE id_number_idx IN (?, ?)", "tt", idx, idx_other);
    return rc;
}

struct pii_read_tx {
    const struct eg_audit_ctx *ctx;
    int64_t person_id;
};

static enum eg_status pii_read_tx_fn(struct eg_db *db, void *p)
{
    struct pii_read_tx *r = p;
    return eg_auth_audit(db, r->ctx, "person.pii_read", "person", r->person_id,
                         json_pack("{s:[s,s]}", "fields", "id_number", "phone"));
}

/*
 * Read the row once; for a full read, decrypt into the arena and write the
 * audit event before handing the values out, so that no full identity ever
 * leaves without its trace.
 */
enum eg_status eg_person_json(struct eg_db *db, struct eg_arena *a, const struct eg_audit_ctx *ctx,
                              int64_t person_id, int full, struct json_t **out)
{
    struct eg_stmt *st = NULL;
    json_t *o = NULL;
    const char *idn_enc = NULL, *phone_enc = NULL;
    eg_day birth = 0;
    *out = NULL;
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT name, id_number_enc, id_number_masked, phone_enc, "
                                    "phone_masked, birth_date, gender FROM people WHERE id = ?",
                                    "i", person_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_DONE)
        rc = EG_E_NOT_FOUND;
    if (rc != EG_ROW)
        goto out;
    rc = EG_OK;
    int has_phone = !eg_stmt_is_null(st, 3);
    o = json_pack("{s:I, s:s, s:s, s:n, s:s, s:n, s:s}", "id", (json_int_t)person_id, "name",
                  eg_stmt_text(st, 0), "id_number_masked", eg_stmt_text(st, 2), "phone_masked",
                  "birth_date", eg_stmt_text(st, 5), "age", "gender", eg_stmt_text(st, 6));
    if (!o) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    if (has_phone)
        json_object_set_new(o, "phone_masked", json_string(eg_stmt_text(st, 4)));
    if (eg_date_parse(eg_stmt_text(st, 5), &birth) == EG_OK)
        json_object_set_new(o, "age", json_integer(eg_age_on(birth, eg_day_of(eg_now()))));
    if (full) {
        idn_enc = eg_arena_strdup(a, eg_stmt_text(st, 1));
        phone_enc = has_phone ? eg_arena_strdup(a, eg_stmt_text(st, 3)) : NULL;
    }
    eg_stmt_done(st);
    st = NULL;
    if (full) {
        const struct eg_keys *keys = eg_keys_global();
        char *idn = keys ? eg_pii_decrypt(keys, a, idn_enc) : NULL;
        char *phone = phone_enc && keys ? eg_pii_decrypt(keys, a, phone_enc) : NULL;
        if (!idn || (phone_enc && !phone)) {
            eg_log(EG_LOG_ERROR, "event=pii_decrypt_failed person_id=%lld", (long long)person_id);
            rc = EG_E_INTERNAL;
            goto out;
        }
        json_object_set_new(o, "id_number", json_string(idn));
        json_object_set_new(o, "phone", phone ? json_string(phone) : json_null());
        struct pii_read_tx r = {ctx, person_id};
        rc = eg_auth_tx(db, pii_read_tx_fn, &r);
        if (rc != EG_OK)
            goto out;
    }
    *out = o;
    o = NULL;
out:
    eg_stmt_done(st);
    json_decref(o);
    return rc;
}

/* ------------------------------------------------------------------- users */

int eg_auth_login_valid(const char *login)
{
    if (!login)
        return 0;
    size_t n = strlen(login);
    if (n < EG_LOGIN_MIN || n > EG_LOGIN_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = login[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '-'))
            return 0;
    }
    return 1;
}

/* Whether a row with this id exists in table (a fixed name, never input). */
static enum eg_status row_exists(struct eg_db *db, const char *sql, int64_t id, int *exists)
{
    int64_t n = 0;
    enum eg_status rc = eg_db_one_i64(db, &n, sql, "i", id);
    *exists = rc == EG_OK;
    return rc == EG_E_NOT_FOUND ? EG_OK : rc;
}

/*
 * The rules for an account: login and password shape, a user role, and
 * what each role must (or must not) be linked to — mediators a department,
 * workers an unclaimed person, platforms an organisation; only staff have
 * departments. Reads only.
 */
enum eg_status eg_auth_user_check(struct eg_db *db, const struct eg_user_input *in,
                                  int check_password, int64_t *department_id, const char **field)
{
    enum eg_status rc = EG_E_INVALID_FIELD;
    const char *bad = NULL;
    int exists = 0;
    char path[128];
    int64_t n = 0;
    *department_id = 0;

    if (!eg_auth_login_valid(in->login)) {
        bad = "login";
        goto out;
    }
    if (check_password) {
        rc = eg_password_policy_check(in->password, in->login);
        if (rc != EG_OK) {
            bad = "password";
            goto out;
        }
        rc = EG_E_INVALID_FIELD;
    }
    unsigned staff = EG_ROLES_STAFF;
    if (in->role == EG_ROLE_NONE || in->role == EG_ROLE_DEPARTMENT ||
        !((unsigned)in->role & EG_ROLES_ANY_USER)) {
        bad = "role";
        goto out;
    }
    if (in->display_name && *in->display_name &&
        !eg_auth_text_ok(in->display_name, DISPLAY_NAME_MAX_BYTES)) {
        bad = "display_name";
        goto out;
    }
    if (!blank(in->department_code)) {
        if (!((unsigned)in->role & staff)) {
            bad = "department";
            goto out;
        }
        rc = eg_department_by_code(db, in->department_code, department_id, path);
        if (rc == EG_E_NOT_FOUND) {
            rc = EG_E_INVALID_FIELD;
            bad = "department";
        }
        if (rc != EG_OK)
            goto out;
        rc = EG_E_INVALID_FIELD;
    } else if (in->role == EG_ROLE_MEDIATOR) {
        bad = "department";
        goto out;
    }
    if (in->role == EG_ROLE_WORKER) {
        if (in->person_id <= 0) {
            bad = "person_id";
            goto out;
        }
        rc = row_exists(db, "SELECT id FROM people WHERE id = ?", in->person_id, &exists);
        if (rc != EG_OK)
            goto out;
        if (!exists) {
            rc = EG_E_INVALID_FIELD;
            bad = "person_id";
            goto out;
        }
        rc = eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM users WHERE person_id = ?", "i",
                           in->person_id);
        if (rc != EG_OK)
            goto out;
        if (n > 0) {
            rc = EG_E_DUPLICATE;
            bad = "person_id";
            goto out;
        }
        rc = EG_E_INVALID_FIELD;
    } else if (in->person_id != 0) {
        bad = "person_id";
        goto out;
    }
    if (in->role == EG_ROLE_PLATFORM || (in->role == EG_ROLE_INSURER && in->organisation_id)) {
        if (in->organisation_id <= 0) {
            bad = "organisation_id";
            goto out;
        }
        rc = row_exists(db, "SELECT id FROM organisations WHERE id = ?", in->organisation_id,
                        &exists);
        if (rc != EG_OK)
            goto out;
        if (!exists) {
            rc = EG_E_INVALID_FIELD;
            bad = "organisation_id";
            goto out;
        }
    } else if (in->organisation_id != 0) {
        bad = "organisation_id";
        goto out;
    }
    rc = eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM users WHERE login = ?", "t", in->login);
    if (rc != EG_OK)
        goto out;
    if (n > 0) {
        rc = EG_E_DUPLICATE;
        bad = "login";
        goto out;
    }
    rc = EG_OK;
out:
    if (field)
        *field = rc == EG_OK ? NULL : bad;
    return rc;
}

enum eg_status eg_auth_user_insert(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                   const struct eg_user_input *in, const char *password_hash,
                                   int64_t *user_id, const char **field)
{
    struct eg_stmt *st = NULL;
    int64_t dept = 0, now = eg_now();
    *user_id = 0;
    /* Checked again inside the transaction: the login may have been taken since. */
    enum eg_status rc = eg_auth_user_check(db, in, 0, &dept, field);
    if (rc != EG_OK)
        return rc;
    const char *display = blank(in->display_name) ? in->login : in->display_name;
    rc = eg_db_query(db, &st,
                     "INSERT INTO users (login, password_hash, role, display_name, person_id, "
                     "organisation_id, department_id, scope_below, disabled, created_at, "
                     "updated_at) VALUES (?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), NULLIF(?, 0), "
                     "1, 0, ?, ?) RETURNING id",
                     "ttttiiiii", in->login, password_hash, eg_role_name(in->role), display,
                     in->person_id, in->organisation_id, dept, now, now);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *user_id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc == EG_E_DUPLICATE && field)
        *field = "login";
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    json_t *sum = json_pack("{s:s, s:s, s:s?}", "login", in->login, "role", eg_role_name(in->role),
                            "department", blank(in->department_code) ? NULL : in->department_code);
    if (sum && in->person_id)
        json_object_set_new(sum, "person_id", json_integer(in->person_id));
    if (sum && in->organisation_id)
        json_object_set_new(sum, "organisation_id", json_integer(in->organisation_id));
    return eg_auth_audit(db, ctx, "user.create", "user", *user_id, sum);
}

struct user_create_tx {
    const struct eg_audit_ctx *ctx;
    const struct eg_user_input *in;
    const char *hash;
    int64_t user_id;
};

static enum eg_status user_create_tx_fn(struct eg_db *db, void *p)
{
    struct user_create_tx *u = p;
    return eg_auth_user_insert(db, u->ctx, u->in, u->hash, &u->user_id, NULL);
}

/* Check, hash (before any transaction we open ourselves), insert. */
enum eg_status eg_user_create(struct eg_db *db, const struct eg_audit_ctx *ctx,
                              const struct eg_user_input *in, int64_t *user_id)
{
    char hash[128];
    int64_t dept = 0;
    *user_id = 0;
    enum eg_status rc = eg_auth_user_check(db, in, 1, &dept, NULL);
    if (rc != EG_OK)
        return rc;
    rc = eg_password_hash(in->password, hash);
    if (rc != EG_OK)
        return rc;
    struct user_create_tx u = {ctx, in, hash, 0};
    rc = eg_auth_tx(db, user_create_tx_fn, &u);
    if (rc == EG_OK)
        *user_id = u.user_id;
    return rc;
}

enum eg_status eg_auth_revoke_sessions(struct eg_db *db, int64_t user_id)
{
    return eg_db_run(db, NULL,
                     "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                     "ii", eg_now(), user_id);
}

/* Find a user's id by login (inside a transaction). */
static enum eg_status user_id_by_login(struct eg_db *db, const char *login, int64_t *id)
{
    return eg_db_one_i64(db, id, "SELECT id FROM users WHERE login = ?", "t", login ? login : "");
}

struct set_password_tx {
    const struct eg_audit_ctx *ctx;
    const char *login;
    const char *hash;
};

static enum eg_status set_password_tx_fn(struct eg_db *db, void *p)
{
    struct set_password_tx *s = p;
    int64_t id = 0;
    enum eg_status rc = user_id_by_login(db, s->login, &id);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                       "tii", s->hash, eg_now(), id);
    if (rc == EG_OK)
        rc = eg_auth_revoke_sessions(db, id);
    if (rc == EG_OK)
        rc = eg_auth_audit(db, s->ctx, "user.password", "user", id,
                           json_pack("{s:s, s:b}", "login", s->login, "sessions_revoked", 1));
    return rc;
}

enum eg_status eg_user_set_password(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                    const char *login, const char *password)
{
    char hash[128];
    enum eg_status rc = eg_password_policy_check(password, login);
    if (rc != EG_OK)
        return rc;
    rc = eg_password_hash(password, hash);
    if (rc != EG_OK)
        return rc;
    struct set_password_tx s = {ctx, login, hash};
    rc = eg_auth_tx(db, set_password_tx_fn, &s);
    return rc;
}

struct set_disabled_tx {
    const struct eg_audit_ctx *ctx;
    const char *login;
    int disabled;
};

static enum eg_status set_disabled_tx_fn(struct eg_db *db, void *p)
{
    struct set_disabled_tx *s = p;
    int64_t id = 0;
    enum eg_status rc = user_id_by_login(db, s->login, &id);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL, "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?",
                       "iii", (int64_t)(s->disabled != 0), eg_now(), id);
    if (rc == EG_OK && s->disabled)
        rc = eg_auth_revoke_sessions(db, id);
    if (rc == EG_OK)
        rc = eg_auth_audit(db, s->ctx, s->disabled ? "user.disable" : "user.enable", "user", id,
                           json_pack("{s:s}", "login", s->login));
    return rc;
}

enum eg_status eg_user_set_disabled(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                    const char *login, int disabled)
{
    struct set_disabled_tx s = {ctx, login, disabled};
    return eg_auth_tx(db, set_disabled_tx_fn, &s);
}

/* Format an instant for JSON. */
static json_t *instant_json(int64_t t)
{
    char buf[21];
    eg_instant_format(t, buf);
    return json_string(buf);
}

/* An id column as JSON: the number, or null for SQL NULL / 0. */
static json_t *id_or_null(struct eg_stmt *st, int col)
{
    if (eg_stmt_is_null(st, col) || eg_stmt_i64(st, col) == 0)
        return json_null();
    return json_integer(eg_stmt_i64(st, col));
}

json_t *eg_auth_user_row_json(struct eg_stmt *st)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", json_integer(eg_stmt_i64(st, 0)));
    json_object_set_new(o, "login", json_string(eg_stmt_text(st, 1)));
    json_object_set_new(o, "role", json_string(eg_stmt_text(st, 2)));
    json_object_set_new(o, "display_name", json_string(eg_stmt_text(st, 3)));
    if (eg_stmt_is_null(st, 6)) {
        json_object_set_new(o, "department", json_null());
    } else {
        json_object_set_new(o, "department",
                            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id",
                                      (json_int_t)eg_stmt_i64(st, 6), "code", eg_stmt_text(st, 11),
                                      "name", eg_stmt_text(st, 12), "name_en", eg_stmt_text(st, 13),
                                      "kind", eg_stmt_text(st, 14), "path", eg_stmt_text(st, 15)));
    }
    json_object_set_new(o, "organisation_id", id_or_null(st, 5));
    json_object_set_new(o, "person_id", id_or_null(st, 4));
    json_object_set_new(o, "scope_below", json_boolean(eg_stmt_i64(st, 7) != 0));
    json_object_set_new(o, "disabled", json_boolean(eg_stmt_i64(st, 8) != 0));
    json_object_set_new(o, "created_at", instant_json(eg_stmt_i64(st, 9)));
    json_object_set_new(o, "updated_at", instant_json(eg_stmt_i64(st, 10)));
    return o;
}

enum eg_status eg_auth_user_json(struct eg_db *db, int64_t user_id, json_t **out)
{
    struct eg_stmt *st = NULL;
    *out = NULL;
    enum eg_status rc =
        eg_db_query(db, &st, "SELECT " EG_AUTH_USER_COLUMNS " WHERE u.id = ?", "i", user_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_DONE)
        rc = EG_E_NOT_FOUND;
    if (rc == EG_ROW) {
        *out = eg_auth_user_row_json(st);
        rc = *out ? EG_OK : EG_E_INTERNAL;
    }
    eg_stmt_done(st);
    return rc;
}
