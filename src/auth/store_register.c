/*
 * store_register.c — the SQL of self-registration: the throttle, pending
 * registrations and their one-time codes (register.h).
 *
 * Every function runs its own transaction (eg_auth_tx) and writes the audit
 * trail in it. A code is generated inside the transaction that stores its
 * hash, so a retried transaction simply makes a new one; the caller sends
 * whichever code was committed.
 */
#include "auth/register.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"
#include "auth/internal.h"
#include "core/time.h"
#include "db/db.h"

/* ---------------------------------------------------------------- throttle */

struct throttle_tx {
    const struct eg_config *cfg;
    const char *address, *idn_idx;
    int64_t now;
};

/* Attempts of one subject since `since`. */
static enum eg_status count_attempts(struct eg_db *db, const char *kind, const char *subject,
                                     int64_t since, int64_t *n)
{
    return eg_db_one_i64(db, n,
                         "SELECT COUNT(*) FROM registration_attempts "
                         "WHERE kind = ? AND subject = ? AND at > ?",
                         "tti", kind, subject, since);
}

static enum eg_status record_attempt(struct eg_db *db, const char *kind, const char *subject,
                                     int64_t now, int64_t since)
{
    enum eg_status rc = eg_db_run(db, NULL,
                                  "DELETE FROM registration_attempts "
                                  "WHERE kind = ? AND subject = ? AND at <= ?",
                                  "tti", kind, subject, since);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO registration_attempts (kind, subject, at) VALUES (?, ?, ?)",
                       "tti", kind, subject, now);
    return rc;
}

static enum eg_status throttle_tx_fn(struct eg_db *db, void *p)
{
    struct throttle_tx *t = p;
    int64_t since = t->now - t->cfg->register_window_s, by_addr = 0, by_id = 0;
    enum eg_status rc = count_attempts(db, "address", t->address, since, &by_addr);
    if (rc == EG_OK)
        rc = count_attempts(db, "id_number", t->idn_idx, since, &by_id);
    if (rc != EG_OK)
        return rc;
    if (by_addr >= t->cfg->register_max_per_address || by_id >= t->cfg->register_max_per_id)
        return EG_E_THROTTLED;
    rc = record_attempt(db, "address", t->address, t->now, since);
    if (rc == EG_OK)
        rc = record_attempt(db, "id_number", t->idn_idx, t->now, since);
    return rc;
}

enum eg_status eg_register_throttle(struct eg_db *db, const struct eg_config *cfg,
                                    const char *address, const char *idn_idx, int64_t now)
{
    struct throttle_tx t = {cfg, address ? address : "", idn_idx, now};
    return eg_auth_tx(db, throttle_tx_fn, &t);
}

/* ------------------------------------------------------------ registration */

static void outcome_reset(struct eg_register_outcome *out)
{
    sodium_memzero(out->code, sizeof out->code);
    memset(out, 0, sizeof *out);
}

/* Make a new code for registration id and store its hash (sends + 1). */
static enum eg_status code_store(struct eg_db *db, int64_t id, int64_t now,
                                 struct eg_register_outcome *out)
{
    char hash[65];
    const struct eg_keys *keys = eg_keys_global();
    if (!keys)
        return EG_E_INTERNAL;
    eg_otp_generate(out->code);
    eg_otp_hash(keys, id, out->code, hash);
    out->code_expires_at = now + EG_OTP_TTL_S;
    return eg_db_run(db, NULL,
                     "UPDATE pending_registrations SET code_hash = ?, code_expires_at = ?, "
                     "code_attempts = 0, code_sends = code_sends + 1, code_sent_at = ? "
                     "WHERE id = ?",
                     "tiii", hash, out->code_expires_at, now, id);
}

struct begin_tx {
    struct eg_arena *a;
    const struct eg_audit_ctx *ctx;
    const struct eg_register_input *in;
    struct eg_register_outcome *out;
};

/* A brand-new person: the person and the account together, as always. */
static enum eg_status begin_new_person(struct eg_db *db, struct begin_tx *b)
{
    struct eg_register_outcome *out = b->out;
    struct eg_person_input person = {b->in->name, b->in->id_number, b->in->phone};
    int created = 0;
    enum eg_status rc =
        eg_auth_person_upsert(db, b->ctx, &person, &out->person_id, &created, &out->field);
    if (rc != EG_OK)
        return rc;
    struct eg_user_input u = {b->in->login,   NULL, EG_ROLE_WORKER, NULL,
                              out->person_id, 0,    b->in->name};
    rc = eg_auth_user_insert(db, b->ctx, &u, b->in->password_hash, &out->user_id, &out->field);
    if (rc == EG_E_DUPLICATE && out->field && strcmp(out->field, "person_id") == 0)
        out->field = "id_number";
    return rc;
}

/* A login is taken by an account or by a live pending registration. */
static enum eg_status login_taken(struct eg_db *db, const char *login, int64_t now, int *taken)
{
    int64_t n = 0;
    enum eg_status rc =
        eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM users WHERE login = ?", "t", login);
    if (rc == EG_OK && n == 0)
        rc = eg_db_one_i64(db, &n,
                           "SELECT COUNT(*) FROM pending_registrations "
                           "WHERE login = ? AND state = 'pending' AND expires_at > ?",
                           "ti", login, now);
    *taken = n > 0;
    return rc;
}

static enum eg_status begin_tx_fn(struct eg_db *db, void *p)
{
    struct begin_tx *b = p;
    struct eg_register_outcome *out = b->out;
    struct eg_stmt *st = NULL;
    int64_t now = eg_now(), n = 0;
    int has_phone = 0, taken = 0;
    outcome_reset(out);

    enum eg_status rc =
        eg_db_query(db, &st, "SELECT id, phone_enc FROM people WHERE id_number_idx IN (?, ?)", "tt",
                    b->in->idn_idx, b->in->idn_idx_other ? b->in->idn_idx_other : b->in->idn_idx);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        out->person_id = eg_stmt_i64(st, 0);
        has_phone = !eg_stmt_is_null(st, 1) && *eg_stmt_text(st, 1);
        if (has_phone)
            out->phone_enc = eg_stmt_dup_text(st, b->a, 1);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    if (out->person_id == 0)
        return begin_new_person(db, b);

    /* The ID number is on file: no account until the registrant proves it. */
    rc = eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM users WHERE person_id = ?", "i",
                       out->person_id);
    if (rc != EG_OK)
        return rc;
    if (n > 0) {
        out->field = "id_number";
        return EG_E_DUPLICATE;
    }
    if (!eg_auth_login_valid(b->in->login)) {
        out->field = "login";
        return EG_E_INVALID_FIELD;
    }
    rc = login_taken(db, b->in->login, now, &taken);
    if (rc != EG_OK)
        return rc;
    if (taken) {
        out->field = "login";
        return EG_E_DUPLICATE;
    }
    rc = eg_db_query(db, &st,
                     "INSERT INTO pending_registrations (person_id, login, password_hash, "
                     "display_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                     "itttii", out->person_id, b->in->login, b->in->password_hash, b->in->name, now,
                     now + EG_REGISTER_PENDING_TTL_S);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        out->registration_id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;
    out->pending = 1;
    int send = has_phone && b->in->send_code;
    rc = send ? code_store(db, out->registration_id, now, out) : EG_OK;
    if (rc != EG_OK)
        return rc;
    if (!send)
        out->phone_enc = NULL;
    return eg_auth_audit(db, b->ctx, "registration.pending", "registration", out->registration_id,
                         json_pack("{s:s, s:I, s:b}", "login", b->in->login, "person_id",
                                   (json_int_t)out->person_id, "code_sent", send));
}

enum eg_status eg_register_begin(struct eg_db *db, struct eg_arena *a,
                                 const struct eg_audit_ctx *ctx, const struct eg_register_input *in,
                                 struct eg_register_outcome *out)
{
    struct begin_tx b = {a, ctx, in, out};
    enum eg_status rc = eg_auth_tx(db, begin_tx_fn, &b);
    if (rc != EG_OK) {
        const char *field = out->field;
        outcome_reset(out);
        out->field = field;
    }
    return rc;
}

/* ---------------------------------------------------------- verification */

/* A pending registration row, as read for verification. */
struct pending_row {
    int64_t id, person_id, code_expires_at, expires_at;
    int attempts, sends, verified;
    int64_t code_sent_at;
    char state[16], login[64], hash[129], name[101], code_hash[65];
};

static enum eg_status pending_read(struct eg_db *db, int64_t id, struct pending_row *r)
{
    struct eg_stmt *st = NULL;
    memset(r, 0, sizeof *r);
    enum eg_status rc =
        eg_db_query(db, &st,
                    "SELECT id, person_id, state, login, password_hash, display_name, code_hash, "
                    "code_expires_at, code_attempts, code_sends, code_sent_at, expires_at "
                    "FROM pending_registrations WHERE id = ?",
                    "i", id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_DONE)
        rc = EG_E_NOT_FOUND;
    if (rc == EG_ROW) {
        r->id = eg_stmt_i64(st, 0);
        r->person_id = eg_stmt_i64(st, 1);
        eg_stmt_copy_text(st, 2, r->state, sizeof r->state);
        eg_stmt_copy_text(st, 3, r->login, sizeof r->login);
        eg_stmt_copy_text(st, 4, r->hash, sizeof r->hash);
        eg_stmt_copy_text(st, 5, r->name, sizeof r->name);
        eg_stmt_copy_text(st, 6, r->code_hash, sizeof r->code_hash);
        r->code_expires_at = eg_stmt_i64(st, 7);
        r->attempts = (int)eg_stmt_i64(st, 8);
        r->sends = (int)eg_stmt_i64(st, 9);
        r->code_sent_at = eg_stmt_i64(st, 10);
        r->expires_at = eg_stmt_i64(st, 11);
        r->verified = strcmp(r->state, "verified") == 0;
        rc = EG_OK;
    }
    eg_stmt_done(st);
    return rc;
}

/* Make the account of a verified registration and close it. */
static enum eg_status pending_complete(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                       const struct pending_row *r, const char *method,
                                       struct eg_register_outcome *out)
{
    struct eg_user_input u = {r->login, NULL, EG_ROLE_WORKER, NULL, r->person_id, 0, r->name};
    enum eg_status rc = eg_auth_user_insert(db, ctx, &u, r->hash, &out->user_id, &out->field);
    if (rc == EG_E_DUPLICATE && out->field && strcmp(out->field, "person_id") == 0)
        out->field = "id_number";
    if (rc != EG_OK)
        return rc;
    out->person_id = r->person_id;
    rc = eg_db_run(db, NULL,
                   "UPDATE pending_registrations SET state = 'verified', verified_by = ?, "
                   "user_id = ?, code_hash = NULL WHERE id = ?",
                   "tii", method, out->user_id, r->id);
    if (rc != EG_OK)
        return rc;
    return eg_auth_audit(db, ctx, "registration.verify", "registration", r->id,
                         json_pack("{s:s, s:s, s:I, s:I}", "method", method, "login", r->login,
                                   "person_id", (json_int_t)r->person_id, "user_id",
                                   (json_int_t)out->user_id));
}

struct verify_tx {
    const struct eg_audit_ctx *ctx;
    int64_t id, person_id, now;
    const char *code;
    struct eg_register_outcome *out;
};

static enum eg_status verify_code_tx_fn(struct eg_db *db, void *p)
{
    struct verify_tx *v = p;
    struct pending_row r;
    char given[65];
    const struct eg_keys *keys = eg_keys_global();
    outcome_reset(v->out);
    if (!keys)
        return EG_E_INTERNAL;
    enum eg_status rc = pending_read(db, v->id, &r);
    if (rc != EG_OK)
        return rc;
    if (r.verified) {
        v->out->verdict = EG_OTP_USED;
        return EG_OK;
    }
    if (strcmp(r.state, "pending") != 0 || v->now >= r.expires_at) {
        v->out->verdict = EG_OTP_EXPIRED;
        return EG_OK;
    }
    eg_otp_hash(keys, r.id, v->code, given);
    struct eg_otp_state s = {r.code_hash, r.code_expires_at, r.attempts, 0};
    v->out->verdict = eg_otp_check(&s, given, v->now);
    if (v->out->verdict == EG_OTP_WRONG) {
        rc = eg_db_run(db, NULL,
                       "UPDATE pending_registrations SET code_attempts = code_attempts + 1 "
                       "WHERE id = ?",
                       "i", r.id);
        if (rc == EG_OK)
            rc = eg_auth_audit(db, v->ctx, "registration.code_wrong", "registration", r.id,
                               json_pack("{s:i}", "attempts", r.attempts + 1));
        return rc;
    }
    if (v->out->verdict != EG_OTP_OK)
        return EG_OK;
    return pending_complete(db, v->ctx, &r, "sms", v->out);
}

enum eg_status eg_register_verify_code(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                       int64_t registration_id, const char *code, int64_t now,
                                       struct eg_register_outcome *out)
{
    struct verify_tx v = {ctx, registration_id, 0, now, code ? code : "", out};
    return eg_auth_tx(db, verify_code_tx_fn, &v);
}

static enum eg_status verify_in_person_tx_fn(struct eg_db *db, void *p)
{
    struct verify_tx *v = p;
    struct pending_row r;
    outcome_reset(v->out);
    enum eg_status rc = pending_read(db, v->id, &r);
    if (rc == EG_OK && r.person_id != v->person_id)
        rc = EG_E_NOT_FOUND;
    if (rc != EG_OK)
        return rc;
    if (strcmp(r.state, "pending") != 0 || v->now >= r.expires_at)
        return EG_E_CONFLICT;
    return pending_complete(db, v->ctx, &r, "in_person", v->out);
}

enum eg_status eg_register_verify_in_person(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                            int64_t person_id, int64_t registration_id, int64_t now,
                                            struct eg_register_outcome *out)
{
    struct verify_tx v = {ctx, registration_id, person_id, now, NULL, out};
    return eg_auth_tx(db, verify_in_person_tx_fn, &v);
}

struct resend_tx {
    struct eg_arena *a;
    const struct eg_audit_ctx *ctx;
    int64_t id, now;
    struct eg_register_outcome *out;
};

static enum eg_status resend_tx_fn(struct eg_db *db, void *p)
{
    struct resend_tx *t = p;
    struct pending_row r;
    struct eg_stmt *st = NULL;
    outcome_reset(t->out);
    enum eg_status rc = pending_read(db, t->id, &r);
    if (rc != EG_OK)
        return rc;
    if (strcmp(r.state, "pending") != 0 || t->now >= r.expires_at)
        return EG_E_NOT_FOUND;
    rc = eg_db_query(db, &st, "SELECT phone_enc FROM people WHERE id = ?", "i", r.person_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        if (!eg_stmt_is_null(st, 0) && *eg_stmt_text(st, 0))
            t->out->phone_enc = eg_stmt_dup_text(st, t->a, 0);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    if (!t->out->phone_enc)
        return EG_E_UNPROCESSABLE;
    if (!eg_otp_may_send(r.sends, r.code_sent_at, t->now, &t->out->retry_after))
        return EG_E_THROTTLED;
    t->out->registration_id = r.id;
    t->out->pending = 1;
    rc = code_store(db, r.id, t->now, t->out);
    if (rc == EG_OK)
        rc = eg_auth_audit(db, t->ctx, "registration.code_sent", "registration", r.id,
                           json_pack("{s:i}", "sends", r.sends + 1));
    return rc;
}

enum eg_status eg_register_resend(struct eg_db *db, struct eg_arena *a,
                                  const struct eg_audit_ctx *ctx, int64_t registration_id,
                                  int64_t now, struct eg_register_outcome *out)
{
    struct resend_tx t = {a, ctx, registration_id, now, out};
    enum eg_status rc = eg_auth_tx(db, resend_tx_fn, &t);
    if (rc != EG_OK) {
        int64_t retry = out->retry_after;
        outcome_reset(out);
        out->retry_after = retry;
    }
    return rc;
}

enum eg_status eg_register_list_for_person(struct eg_db *db, int64_t person_id, json_t **out)
{
    struct eg_stmt *st = NULL;
    char created[21], expires[21];
    json_t *items = json_array();
    *out = NULL;
    if (!items)
        return EG_E_INTERNAL;
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT id, login, state, code_sends, created_at, expires_at "
                                    "FROM pending_registrations WHERE person_id = ? "
                                    "ORDER BY id DESC LIMIT 50",
                                    "i", person_id);
    while (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        eg_instant_format(eg_stmt_i64(st, 4), created);
        eg_instant_format(eg_stmt_i64(st, 5), expires);
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:b, s:s, s:s}", "id",
                                               (json_int_t)eg_stmt_i64(st, 0), "login",
                                               eg_stmt_text(st, 1), "state", eg_stmt_text(st, 2),
                                               "code_sent", eg_stmt_i64(st, 3) > 0, "created_at",
                                               created, "expires_at", expires));
        rc = EG_OK;
    }
    eg_stmt_done(st);
    if (rc != EG_DONE) {
        json_decref(items);
        return rc == EG_OK ? EG_E_DB : rc;
    }
    *out = items;
    return EG_OK;
}
