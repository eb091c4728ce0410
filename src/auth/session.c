/*
 * session.c — signing in and out, and resolving bearer tokens.
 *
 * eg_session_authenticate() runs on every request, so it is one indexed,
 * prepared (cached) query: sessions joined to users and departments for a
 * person's token, api_keys joined to departments for a key. Tokens of the
 * wrong shape are refused before the database is asked.
 */
#include "auth/session.h"

#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"
#include "auth/internal.h"
#include "core/log.h"
#include "core/time.h"
#include "db/db.h"

#define TOKEN_BODY_LEN 43 /* 32 bytes in base64url without padding */

/* Copy text into a fixed buffer, truncating (without printf: this runs for
 * every authenticated request). */
static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;

    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

/*
 * Fill who from the user columns of a row, starting at column c:
 * id, role, login, person_id, organisation_id, department_id, scope_below,
 * department path.
 */
static void fill_user(struct eg_stmt *st, int c, struct eg_principal *who)
{
    who->user_id = eg_stmt_i64(st, c);
    who->role = eg_role_parse(eg_stmt_text(st, c + 1));
    copy_text(who->login, sizeof who->login, eg_stmt_text(st, c + 2));
    who->person_id = eg_stmt_i64(st, c + 3);
    who->organisation_id = eg_stmt_i64(st, c + 4);
    who->department_id = eg_stmt_i64(st, c + 5);
    who->scope_below = eg_stmt_i64(st, c + 6) != 0;
    copy_text(who->department_path, sizeof who->department_path, eg_stmt_text(st, c + 7));
    who->api_key_id = 0;
    who->session_id = 0;
}

enum eg_status eg_principal_load_user(struct eg_db *db, int64_t user_id, struct eg_principal *who)
{
    struct eg_stmt *st = NULL;
    memset(who, 0, sizeof *who);
    enum eg_status rc = eg_db_query(
        db, &st,
        "SELECT u.id, u.role, u.login, u.person_id, u.organisation_id, u.department_id, "
        "u.scope_below, d.path FROM users u LEFT JOIN departments d ON d.id = u.department_id "
        "WHERE u.id = ?",
        "i", user_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        fill_user(st, 0, who);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

/* Whether token is prefix + 43 base64url characters and nothing else. */
static int token_shape_ok(const char *token, const char *prefix)
{
    size_t p = strlen(prefix);
    if (strncmp(token, prefix, p) != 0 || strlen(token) != p + TOKEN_BODY_LEN)
        return 0;
    for (const char *c = token + p; *c; c++) {
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_'))
            return 0;
    }
    return 1;
}

/* A person's session: live, unrevoked, of an enabled account. */
static enum eg_status auth_session(struct eg_db *db, const char *hash, int64_t now,
                                   struct eg_principal *who)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc =
        eg_db_query(db, &st,
                    "SELECT s.id, s.expires_at, s.revoked_at, u.disabled, u.id, u.role, u.login, "
                    "u.person_id, u.organisation_id, u.department_id, u.scope_below, d.path "
                    "FROM sessions s JOIN users u ON u.id = s.user_id "
                    "LEFT JOIN departments d ON d.id = u.department_id WHERE s.token_hash = ?",
                    "t", hash);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_DONE) {
        rc = EG_E_UNAUTHENTICATED;
    } else if (rc == EG_ROW) {
        int64_t sid = eg_stmt_i64(st, 0);
        int64_t expires = eg_stmt_i64(st, 1);
        int revoked = !eg_stmt_is_null(st, 2);
        int disabled = eg_stmt_i64(st, 3) != 0;
        if (disabled) {
            rc = EG_E_ACCOUNT_DISABLED;
        } else if (revoked) {
            rc = EG_E_UNAUTHENTICATED;
        } else if (expires <= now) {
            rc = EG_E_TOKEN_EXPIRED;
        } else {
            fill_user(st, 4, who);
            who->session_id = sid;
            rc = who->role == EG_ROLE_NONE ? EG_E_UNAUTHENTICATED : EG_OK;
        }
    }
    eg_stmt_done(st);
    return rc;
}

/* A platform's or department's API key: unrevoked. */
static enum eg_status auth_key(struct eg_db *db, const char *hash, struct eg_principal *who)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(
        db, &st,
        "SELECT k.id, k.prefix, k.organisation_id, k.department_id, k.revoked_at, d.path "
        "FROM api_keys k LEFT JOIN departments d ON d.id = k.department_id WHERE k.key_hash = ?",
        "t", hash);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_DONE) {
        rc = EG_E_UNAUTHENTICATED;
    } else if (rc == EG_ROW) {
        if (!eg_stmt_is_null(st, 4)) {
            rc = EG_E_UNAUTHENTICATED;
        } else {
            who->api_key_id = eg_stmt_i64(st, 0);
            snprintf(who->login, sizeof who->login, "key:%s", eg_stmt_text(st, 1));
            who->organisation_id = eg_stmt_i64(st, 2);
            who->department_id = eg_stmt_i64(st, 3);
            if (who->organisation_id > 0) {
                who->role = EG_ROLE_PLATFORM;
                who->department_id = 0;
            } else if (who->department_id > 0) {
                who->role = EG_ROLE_DEPARTMENT;
                who->scope_below = 1;
                copy_text(who->department_path, sizeof who->department_path, eg_stmt_text(st, 5));
            }
            rc = who->role == EG_ROLE_NONE ? EG_E_UNAUTHENTICATED : EG_OK;
        }
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_session_authenticate(struct eg_db *db, const char *token, int64_t now,
                                       struct eg_principal *who)
{
    char hash[65];
    memset(who, 0, sizeof *who);
    if (!token)
        return EG_E_UNAUTHENTICATED;
    const struct eg_keys *keys = eg_keys_global();
    if (!keys)
        return EG_E_INTERNAL;
    enum eg_status rc = EG_E_UNAUTHENTICATED;
    if (token_shape_ok(token, "egs_")) {
        eg_token_hash(keys, token, hash);
        rc = auth_session(db, hash, now, who);
    } else if (token_shape_ok(token, "egk_")) {
        eg_token_hash(keys, token, hash);
        rc = auth_key(db, hash, who);
    }
    if (rc != EG_OK)
        memset(who, 0, sizeof *who);
    return rc;
}

/* Count recent failures of one kind (account or address) for key. */
static enum eg_status count_failures(struct eg_db *db, const char *kind, const char *key,
                                     int64_t since, int64_t *n)
{
    return eg_db_one_i64(
        db, n, "SELECT COUNT(*) FROM login_failures WHERE kind = ? AND key = ? AND at > ?", "tti",
        kind, key, since);
}

struct failure_tx {
    const char *login;
    const char *address;
    const char *request_id;
    const char *reason;
    int64_t user_id;
    int64_t now;
    int64_t window;
    int record; /* 1 = count it for throttling */
};

/*
 * Record a failed sign-in: one row per throttle key, pruning that key's rows
 * older than the window, and an audit event naming the login (never the
 * password).
 */
static enum eg_status failure_tx_fn(struct eg_db *db, void *p)
{
    struct failure_tx *f = p;
    struct eg_audit_ctx ctx = {NULL, f->address, f->request_id};
    enum eg_status rc = EG_OK;
    if (f->record) {
        const char *kinds[2] = {"account", "address"};
        const char *keys[2] = {f->login, f->address};
        for (int i = 0; i < 2 && rc == EG_OK; i++) {
            rc = eg_db_run(db, NULL,
                           "DELETE FROM login_failures WHERE kind = ? AND key = ? AND at <= ?",
                           "tti", kinds[i], keys[i], f->now - f->window);
            if (rc == EG_OK)
                rc = eg_db_run(db, NULL,
                               "INSERT INTO login_failures (kind, key, at) VALUES (?, ?, ?)", "tti",
                               kinds[i], keys[i], f->now);
        }
    }
    if (rc == EG_OK)
        rc = eg_auth_audit(db, &ctx, "auth.login_failed", "user", f->user_id,
                           json_pack("{s:s, s:s}", "login", f->login, "reason", f->reason));
    return rc;
}

struct success_tx {
    const struct eg_principal *who;
    const char *login;
    const char *token_hash;
    const char *address;
    const char *request_id;
    int64_t now;
    int64_t expires;
    int64_t session_id; /* out */
};

/* Create the session, clear the account's failures, audit "auth.login". */
static enum eg_status success_tx_fn(struct eg_db *db, void *p)
{
    struct success_tx *s = p;
    struct eg_stmt *st = NULL;
    struct eg_audit_ctx ctx = {s->who, s->address, s->request_id};
    s->session_id = 0;
    enum eg_status rc =
        eg_db_query(db, &st,
                    "INSERT INTO sessions (token_hash, user_id, created_at, "
                    "expires_at, address) VALUES (?, ?, ?, ?, ?) RETURNING id",
                    "tiiit", s->token_hash, s->who->user_id, s->now, s->expires, s->address);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        s->session_id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    rc = eg_db_run(db, NULL, "DELETE FROM login_failures WHERE kind = 'account' AND key = ?", "t",
                   s->login);
    if (rc == EG_OK)
        rc = eg_auth_audit(db, &ctx, "auth.login", "session", s->session_id,
                           json_pack("{s:I}", "expires_at", (json_int_t)s->expires));
    return rc;
}

/*
 * Throttling comes first and does not look at the password, so that a
 * throttled attacker learns nothing. The password hash is checked outside
 * any transaction (it is slow on purpose); an unknown login is checked
 * against a dummy hash so both failures take the same time and answer the
 * same status.
 */
enum eg_status eg_session_login(struct eg_db *db, const struct eg_config *cfg, const char *login,
                                const char *password, const char *address, const char *request_id,
                                struct eg_login_result *res)
{
    enum eg_status rc;
    struct eg_stmt *st = NULL;
    int64_t n_account = 0, n_address = 0, user_id = 0;
    int found = 0, disabled = 0;
    char stored[129];
    char hash[65];
    const struct eg_keys *keys = eg_keys_global();

    memset(res, 0, sizeof *res);
    login = login ? login : "";
    password = password ? password : "";
    address = address ? address : "";
    request_id = request_id ? request_id : "";
    int64_t now = eg_now();
    if (!keys)
        return EG_E_INTERNAL;

    rc = count_failures(db, "account", login, now - cfg->login_window_s, &n_account);
    if (rc == EG_OK)
        rc = count_failures(db, "address", address, now - cfg->login_window_s, &n_address);
    if (rc != EG_OK)
        goto out;
    if ((cfg->login_max_per_account > 0 && n_account >= cfg->login_max_per_account) ||
        (cfg->login_max_per_address > 0 && n_address >= cfg->login_max_per_address)) {
        eg_log(EG_LOG_WARN, "event=login_throttled request_id=%s", request_id);
        rc = EG_E_THROTTLED;
        goto out;
    }

    stored[0] = '\0';
    rc = eg_db_query(db, &st, "SELECT id, password_hash, disabled FROM users WHERE login = ?", "t",
                     login);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        found = 1;
        user_id = eg_stmt_i64(st, 0);
        copy_text(stored, sizeof stored, eg_stmt_text(st, 1));
        disabled = eg_stmt_i64(st, 2) != 0;
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        goto out;

    int good = 0;
    if (found)
        good = eg_password_verify(stored, password) == EG_OK;
    else
        eg_password_dummy_verify(password);
    if (!good || disabled) {
        struct failure_tx f = {login,
                               address,
                               request_id,
                               good ? "account_disabled" : "bad_credentials",
                               found ? user_id : 0,
                               now,
                               cfg->login_window_s,
                               !good};
        rc = eg_db_tx(db, failure_tx_fn, &f);
        if (rc == EG_OK)
            rc = good ? EG_E_ACCOUNT_DISABLED : EG_E_BAD_CREDENTIALS;
        goto out;
    }

    rc = eg_principal_load_user(db, user_id, &res->who);
    if (rc != EG_OK)
        goto out;
    eg_token_new("egs_", res->token);
    eg_token_hash(keys, res->token, hash);
    res->expires_at = now + (cfg->session_ttl_s > 0 ? cfg->session_ttl_s : 43200);
    struct success_tx s = {&res->who, login, hash, address, request_id, now, res->expires_at, 0};
    rc = eg_db_tx(db, success_tx_fn, &s);
    if (rc != EG_OK)
        goto out;
    res->who.session_id = s.session_id;
out:
    if (rc != EG_OK) {
        struct eg_principal none;
        memset(&none, 0, sizeof none);
        res->who = none;
        memset(res->token, 0, sizeof res->token);
        res->expires_at = 0;
    }
    return rc;
}

/* Revoke one session and audit it. */
struct logout_tx {
    const struct eg_principal *who;
    const struct eg_audit_ctx *ctx;
};

static enum eg_status logout_tx_fn(struct eg_db *db, void *p)
{
    struct logout_tx *l = p;
    int64_t changed = 0;
    enum eg_status rc = eg_db_run(
        db, &changed, "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        "ii", eg_now(), l->who->session_id);
    if (rc == EG_OK && changed == 0)
        rc = EG_E_UNAUTHENTICATED;
    if (rc == EG_OK)
        rc = eg_auth_audit(db, l->ctx, "auth.logout", "session", l->who->session_id, NULL);
    return rc;
}

enum eg_status eg_session_logout(struct eg_db *db, const struct eg_principal *who,
                                 const struct eg_audit_ctx *ctx)
{
    if (!who || who->role == EG_ROLE_NONE)
        return EG_E_UNAUTHENTICATED;
    if (who->session_id <= 0)
        return EG_E_UNPROCESSABLE; /* API keys are revoked by an administrator */
    struct logout_tx l = {who, ctx};
    return eg_auth_tx(db, logout_tx_fn, &l);
}
