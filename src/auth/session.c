/*
 * session.c — signing in and out, and resolving bearer tokens.
 *
 * eg_session_authenticate() runs on every request, so it is one indexed,
 * prepared (cached) query: sessions joined to users and departments for a
 * person's token, api_keys joined to departments for a key. Tokens of the
 * wrong shape are refused before the database is asked.
 */
#include "auth/session.h"

#include <inttypes.h>
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

/* Recent failures of one kind ("account", "address", "device") for key:
 * how many within the window and when the last one was. */
static enum eg_status recent_failures(struct eg_db *db, const char *kind, const char *key,
                                      int64_t since, int64_t *n, int64_t *last)
{
    struct eg_stmt *st = NULL;
    *n = *last = 0;
    enum eg_status rc = eg_db_query(
        db, &st,
        "SELECT COUNT(*), MAX(at) FROM login_failures WHERE kind = ? AND key = ? AND at > ?", "tti",
        kind, key, since);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *n = eg_stmt_i64(st, 0);
        *last = eg_stmt_is_null(st, 1) ? 0 : eg_stmt_i64(st, 1);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    return rc;
}

/* The verdict of one throttle key under a limit. */
static enum eg_status key_verdict(struct eg_db *db, const struct eg_config *cfg, const char *kind,
                                  const char *key, int limit, int64_t now,
                                  struct eg_lockout_verdict *v)
{
    struct eg_lockout_policy p = {limit > 0 ? limit : 1,
                                  cfg->login_delay_s > 0 ? cfg->login_delay_s : 1,
                                  cfg->login_pow_after > 0 ? cfg->login_pow_after : 1,
                                  cfg->login_pow_bits > 0 ? cfg->login_pow_bits : 16,
                                  cfg->login_window_s > 0 ? cfg->login_window_s : 900};
    int64_t n = 0, last = 0;
    enum eg_status rc = recent_failures(db, kind, key, now - p.window_s, &n, &last);
    if (rc == EG_OK)
        eg_lockout_decide(&p, n, last, now, v);
    return rc;
}

/* Whether a solved challenge's id was used already. */
static enum eg_status challenge_used(struct eg_db *db, const char *id, int *used)
{
    int64_t n = 0;
    enum eg_status rc = eg_db_one_i64(
        db, &n, "SELECT COUNT(*) FROM login_failures WHERE kind = 'challenge' AND key = ?", "t",
        id);
    *used = n > 0;
    return rc;
}

/* Read the account of a->login into a (unknown: user_id 0). */
static enum eg_status read_account(struct eg_db *db, struct eg_login_attempt *a)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(
        db, &st, "SELECT id, password_hash, disabled FROM users WHERE login = ?", "t", a->login);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        a->user_id = eg_stmt_i64(st, 0);
        copy_text(a->stored, sizeof a->stored, eg_stmt_text(st, 1));
        a->disabled = eg_stmt_i64(st, 2) != 0;
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    return rc;
}

/*
 * Throttling comes before the password is looked at, so that a throttled
 * attacker learns nothing. A known device is judged by its own failures
 * only; anyone else by the account's and the address's, the stricter
 * winning. Past the waits, a solved unused challenge of enough bits for
 * this login lets the attempt through.
 */
enum eg_status eg_session_login_begin(struct eg_db *db, const struct eg_config *cfg,
                                      const char *login, const char *password, const char *device,
                                      const char *challenge, const char *solution,
                                      const char *address, const char *request_id,
                                      struct eg_login_attempt *a)
{
    const struct eg_keys *keys = eg_keys_global();
    struct eg_lockout_verdict v = {0, 0}, w = {0, 0};
    enum eg_status rc;

    memset(a, 0, sizeof *a);
    a->login = login ? login : "";
    a->password = password ? password : "";
    a->address = address ? address : "";
    eg_lockout_address_key(a->address, a->address_key, sizeof a->address_key);
    a->request_id = request_id ? request_id : "";
    a->now = eg_now();
    if (!keys)
        return EG_E_INTERNAL;
    rc = read_account(db, a);
    if (rc != EG_OK)
        return rc;
    if (device && *device && a->user_id > 0)
        a->device_ok = eg_device_token_check(keys, device, a->user_id, a->now, a->device_id);
    if (a->device_ok) {
        rc = key_verdict(db, cfg, "device", a->device_id, cfg->login_max_per_account, a->now, &v);
    } else {
        rc = key_verdict(db, cfg, "account", a->login, cfg->login_max_per_account, a->now, &v);
        if (rc == EG_OK)
            rc = key_verdict(db, cfg, "address", a->address_key, cfg->login_max_per_address, a->now,
                             &w);
        eg_lockout_merge(&v, &w);
    }
    if (rc != EG_OK)
        return rc;
    if (v.wait_s > 0) {
        eg_log(EG_LOG_WARN, "event=login_throttled request_id=%s wait_s=%" PRId64, a->request_id,
               v.wait_s);
        a->retry_after = v.wait_s;
        return EG_E_THROTTLED;
    }
    if (v.pow_bits > 0) {
        int bits = 0, used = 1;
        char id[EG_LOCKOUT_ID_LEN + 1];
        if (eg_pow_challenge_check(keys, a->login, challenge, a->now, &bits, id) == EG_OK &&
            bits >= v.pow_bits && eg_pow_solved(challenge, solution, bits)) {
            rc = challenge_used(db, id, &used);
            if (rc != EG_OK)
                return rc;
        }
        if (used) {
            eg_log(EG_LOG_WARN, "event=login_challenge request_id=%s bits=%d", a->request_id,
                   v.pow_bits);
            eg_pow_challenge_new(keys, a->login, v.pow_bits, a->now, a->challenge);
            a->challenge_bits = v.pow_bits;
            return EG_E_CHALLENGE_REQUIRED;
        }
        memcpy(a->pow_id, id, sizeof a->pow_id);
    }
    return EG_OK;
}

void eg_session_login_check(struct eg_login_attempt *a)
{
    if (a->user_id > 0)
        a->good = eg_password_verify(a->stored, a->password) == EG_OK;
    else
        eg_password_dummy_verify(a->password);
}

/* Mark a solved challenge as used (pruning old marks). */
static enum eg_status spend_challenge(struct eg_db *db, const struct eg_login_attempt *a)
{
    if (!a->pow_id[0])
        return EG_OK;
    enum eg_status rc =
        eg_db_run(db, NULL, "DELETE FROM login_failures WHERE kind = 'challenge' AND at <= ?", "i",
                  a->now - 2 * EG_POW_TTL_S);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO login_failures (kind, key, at) VALUES ('challenge', ?, ?)",
                       "ti", a->pow_id, a->now);
    return rc;
}

struct failure_tx {
    const struct eg_login_attempt *a;
    const char *reason;
    int64_t window;
};

/*
 * Record a failed sign-in: one row per throttle key (the device's for a
 * known device, else the account's and the address's), pruning that key's
 * rows older than the window, and an audit event naming the login (never
 * the password).
 */
static enum eg_status failure_tx_fn(struct eg_db *db, void *p)
{
    struct failure_tx *f = p;
    const struct eg_login_attempt *a = f->a;
    struct eg_audit_ctx ctx = {NULL, a->address, a->request_id};
    const char *kinds[2] = {"account", "address"};
    const char *keys[2] = {a->login, a->address_key};
    int n = 2;
    if (a->device_ok) {
        kinds[0] = "device";
        keys[0] = a->device_id;
        n = 1;
    }
    enum eg_status rc = spend_challenge(db, a);
    for (int i = 0; i < n && rc == EG_OK; i++) {
        rc =
            eg_db_run(db, NULL, "DELETE FROM login_failures WHERE kind = ? AND key = ? AND at <= ?",
                      "tti", kinds[i], keys[i], a->now - f->window);
        if (rc == EG_OK)
            rc = eg_db_run(db, NULL, "INSERT INTO login_failures (kind, key, at) VALUES (?, ?, ?)",
                           "tti", kinds[i], keys[i], a->now);
    }
    if (rc == EG_OK)
        rc = eg_auth_audit(db, &ctx, "auth.login_failed", "user", a->user_id,
                           json_pack("{s:s, s:s}", "login", a->login, "reason", f->reason));
    return rc;
}

struct success_tx {
    const struct eg_principal *who;
    const struct eg_login_attempt *a;
    const char *token_hash;
    int64_t expires;
    int64_t session_id; /* out */
};

/* Create the session, clear the failures of the key that signed in (the
 * device, or the account), spend the challenge, audit "auth.login". */
static enum eg_status success_tx_fn(struct eg_db *db, void *p)
{
    struct success_tx *s = p;
    const struct eg_login_attempt *a = s->a;
    struct eg_stmt *st = NULL;
    struct eg_audit_ctx ctx = {s->who, a->address, a->request_id};
    s->session_id = 0;
    enum eg_status rc =
        eg_db_query(db, &st,
                    "INSERT INTO sessions (token_hash, user_id, created_at, "
                    "expires_at, address) VALUES (?, ?, ?, ?, ?) RETURNING id",
                    "tiiit", s->token_hash, s->who->user_id, a->now, s->expires, a->address);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        s->session_id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    rc = eg_db_run(db, NULL, "DELETE FROM login_failures WHERE kind = ? AND key = ?", "tt",
                   a->device_ok ? "device" : "account", a->device_ok ? a->device_id : a->login);
    if (rc == EG_OK)
        rc = spend_challenge(db, a);
    if (rc == EG_OK)
        rc = eg_auth_audit(db, &ctx, "auth.login", "session", s->session_id,
                           json_pack("{s:I, s:b}", "expires_at", (json_int_t)s->expires,
                                     "known_device", a->device_ok));
    return rc;
}

/*
 * A disabled account fails like a wrong password, whatever the password
 * (and counts as a failure), so that the answer reveals nothing about the
 * password of a disabled account.
 */
enum eg_status eg_session_login_finish(struct eg_db *db, const struct eg_config *cfg,
                                       struct eg_login_attempt *a, struct eg_login_result *res)
{
    const struct eg_keys *keys = eg_keys_global();
    char hash[65];
    enum eg_status rc;

    memset(res, 0, sizeof *res);
    if (!keys)
        return EG_E_INTERNAL;
    if (!a->good || a->disabled || a->user_id <= 0) {
        struct failure_tx f = {a, a->good ? "account_disabled" : "bad_credentials",
                               cfg->login_window_s};
        rc = eg_db_tx(db, failure_tx_fn, &f);
        return rc == EG_OK ? EG_E_BAD_CREDENTIALS : rc;
    }
    rc = eg_principal_load_user(db, a->user_id, &res->who);
    if (rc != EG_OK)
        goto out;
    eg_token_new("egs_", res->token);
    eg_token_hash(keys, res->token, hash);
    res->expires_at = a->now + (cfg->session_ttl_s > 0 ? cfg->session_ttl_s : 43200);
    struct success_tx s = {&res->who, a, hash, res->expires_at, 0};
    rc = eg_db_tx(db, success_tx_fn, &s);
    if (rc != EG_OK)
        goto out;
    res->who.session_id = s.session_id;
    eg_device_token_new(keys, a->user_id, a->now, res->device);
out:
    if (rc != EG_OK)
        memset(res, 0, sizeof *res);
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
