/*
 * api_session.c — signing in and out, registering as a worker, and "who am
 * I": POST /api/v1/auth/login, /logout, /register and GET /api/v1/me.
 */
#include "auth/internal.h"

#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"
#include "auth/session.h"
#include "core/ident.h"
#include "core/time.h"
#include "http/http.h"

/* The caller as JSON: the user (with the masked person for a worker), or
 * for an API key what the key stands for. */
static enum eg_status caller_json(struct eg_req *req, json_t **out)
{
    json_t *user = NULL, *person = NULL;
    enum eg_status st;
    *out = NULL;
    if (req->who.user_id <= 0) {
        json_t *dept = NULL;
        st = eg_auth_department_json(req->db, req->who.department_id, &dept);
        if (st != EG_OK)
            return st;
        *out = json_pack("{s:n, s:s, s:s, s:s, s:o, s:n, s:n, s:I}", "id", "login", req->who.login,
                         "role", eg_role_name(req->who.role), "display_name", "", "department",
                         dept, "organisation_id", "person_id", "api_key_id",
                         (json_int_t)req->who.api_key_id);
        if (*out && req->who.organisation_id > 0)
            json_object_set_new(*out, "organisation_id", json_integer(req->who.organisation_id));
        return *out ? EG_OK : EG_E_INTERNAL;
    }
    st = eg_auth_user_json(req->db, req->who.user_id, &user);
    if (st == EG_OK && req->who.role == EG_ROLE_WORKER && req->who.person_id > 0) {
        struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
        st = eg_person_json(req->db, req->arena, &ctx, req->who.person_id, 0, &person);
        if (st == EG_OK)
            json_object_set_new(user, "person", person);
    }
    if (st != EG_OK) {
        json_decref(user);
        return st;
    }
    *out = user;
    return EG_OK;
}

/* Sign in: the token, its expiry and the user. A throttled caller is told
 * when to come back (Retry-After, the throttle window). */
void eg_auth_api_login(struct eg_req *req)
{
    struct eg_login_result res;
    char expires[21], retry[24];
    json_t *user = NULL;
    enum eg_status st = eg_session_login(req->db, req->config, eg_json_str(req->body, "login", ""),
                                         eg_json_str(req->body, "password", ""), req->client_addr,
                                         req->request_id, &res);
    if (st == EG_E_THROTTLED) {
        snprintf(retry, sizeof retry, "%d", req->config->login_window_s);
        eg_reply_header(req, "Retry-After", retry);
    }
    if (st == EG_OK)
        st = eg_auth_user_json(req->db, res.who.user_id, &user);
    if (st != EG_OK) {
        eg_reply_error(req, st, NULL, NULL);
        return;
    }
    eg_instant_format(res.expires_at, expires);
    eg_reply_json(
        req, 200,
        json_pack("{s:s, s:s, s:o}", "token", res.token, "expires_at", expires, "user", user));
    memset(res.token, 0, sizeof res.token);
}

/* End the caller's own session. */
void eg_auth_api_logout(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    enum eg_status st = eg_session_logout(req->db, &req->who, &ctx);
    if (st == EG_E_UNPROCESSABLE) {
        eg_reply_error(req, st, NULL, "API keys do not sign out; an administrator revokes them.");
        return;
    }
    if (st != EG_OK) {
        eg_reply_error(req, st, NULL, NULL);
        return;
    }
    eg_reply_empty(req);
}

struct register_tx {
    const struct eg_audit_ctx *ctx;
    struct eg_person_input person;
    const char *login, *hash;
    int64_t person_id, user_id;
    const char *field;
};

/* The person (found or created) and the worker account, together or not at all. */
static enum eg_status register_tx_fn(struct eg_db *db, void *p)
{
    struct register_tx *r = p;
    int created = 0;
    r->field = NULL;
    r->person_id = r->user_id = 0;
    enum eg_status st =
        eg_auth_person_upsert(db, r->ctx, &r->person, &r->person_id, &created, &r->field);
    if (st != EG_OK)
        return st;
    struct eg_user_input in = {r->login,     NULL, EG_ROLE_WORKER, NULL,
                               r->person_id, 0,    r->person.name};
    st = eg_auth_user_insert(db, r->ctx, &in, r->hash, &r->user_id, &r->field);
    if (st == EG_E_DUPLICATE && r->field && strcmp(r->field, "person_id") == 0)
        r->field = "id_number";
    return st;
}

/*
 * Everything that can be checked without the database is checked before
 * the (deliberately slow) password hash, so bad input costs us little.
 */
void eg_auth_api_register(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    struct eg_id_info info;
    char hash[128];
    json_t *user = NULL, *person = NULL;
    const char *field = NULL;
    enum eg_status st = EG_E_INVALID_FIELD;
    const char *login = eg_json_str(req->body, "login", "");
    const char *password = eg_json_str(req->body, "password", "");
    const char *name = eg_json_str(req->body, "name", "");
    const char *idn = eg_json_str(req->body, "id_number", "");
    const char *phone = eg_json_str(req->body, "phone", NULL);

    if (!eg_auth_login_valid(login))
        field = "login";
    else if (strlen(password) < EG_PASSWORD_MIN || strlen(password) > EG_PASSWORD_MAX)
        field = "password";
    else if (eg_id_number_check(idn, eg_day_of(eg_now()), &info) != EG_OK)
        field = "id_number";
    else if (phone && *phone && eg_phone_check(phone) != EG_OK)
        field = "phone";
    if (field)
        goto fail;
    st = eg_password_hash(password, hash);
    if (st != EG_OK)
        goto fail;
    struct register_tx r = {&ctx, {name, idn, phone}, login, hash, 0, 0, NULL};
    st = eg_db_tx(req->db, register_tx_fn, &r);
    field = r.field;
    if (st != EG_OK)
        goto fail;
    st = eg_auth_user_json(req->db, r.user_id, &user);
    if (st == EG_OK)
        st = eg_person_json(req->db, req->arena, &ctx, r.person_id, 0, &person);
    if (st != EG_OK) {
        json_decref(user);
        goto fail;
    }
    json_object_set_new(user, "person", person);
    eg_reply_json(req, 201, user);
    return;
fail:
    eg_auth_reply_field(req, st, field);
}

void eg_auth_api_me(struct eg_req *req)
{
    json_t *me = NULL;
    enum eg_status st = caller_json(req, &me);
    if (st != EG_OK) {
        eg_reply_error(req, st, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, me);
}
