/*
 * api_session.c — signing in and out and "who am I": POST
 * /api/v1/auth/login, /logout and GET /api/v1/me (registering is in
 * api_register.c).
 */
#include "auth/internal.h"

#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"
#include "auth/hashpool.h"
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

/* An attempt in flight: kept in the request's arena while its password is
 * checked on the hashing pool. */
struct login_job {
    struct eg_req *req;
    struct eg_login_attempt a;
};

/* 429 with a fresh proof-of-work challenge for the next attempt:
 * {"error":{code,message}, "challenge":{"value","bits","algorithm"}}. */
static void reply_challenge(struct eg_req *req, const struct eg_login_attempt *a)
{
    json_t *body = json_pack("{s:{s:s, s:s}, s:{s:s, s:i, s:s}}", "error", "code",
                             eg_status_code(EG_E_CHALLENGE_REQUIRED), "message",
                             eg_status_message(EG_E_CHALLENGE_REQUIRED), "challenge", "value",
                             a->challenge, "bits", a->challenge_bits, "algorithm", "sha256");
    if (!body) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    eg_reply_json(req, eg_status_http(EG_E_CHALLENGE_REQUIRED), body);
}

/* The end of a sign-in, on an HTTP thread: record it and answer. */
static void login_finish(struct eg_req *req, void *ctx)
{
    struct login_job *job = ctx;
    struct eg_login_result res;
    char expires[21];
    json_t *user = NULL;
    enum eg_status st = eg_session_login_finish(req->db, req->config, &job->a, &res);
    if (st == EG_OK)
        st = eg_auth_user_json(req->db, res.who.user_id, &user);
    if (st != EG_OK) {
        eg_reply_error(req, st, NULL, NULL);
        return;
    }
    eg_instant_format(res.expires_at, expires);
    eg_reply_json(req, 200,
                  json_pack("{s:s, s:s, s:o, s:s}", "token", res.token, "expires_at", expires,
                            "user", user, "device", res.device));
    memset(res.token, 0, sizeof res.token);
}

/* The password check on a hashing-pool thread; then the request goes on. */
static void login_job_run(void *p)
{
    struct login_job *job = p;
    eg_session_login_check(&job->a);
    eg_req_resume(job->req);
}

/*
 * Sign in: the token, its expiry, the user and a device token to send as
 * "device" next time. A throttled caller is told when to come back
 * (Retry-After); past the waits it is given a proof-of-work challenge.
 * The password hash runs on the hashing pool while the connection is
 * suspended, so that no HTTP thread waits for it; a full queue answers 429
 * server_busy at once.
 */
void eg_auth_api_login(struct eg_req *req)
{
    char retry[24];
    struct login_job *job = eg_arena_alloc(req->arena, sizeof *job);
    if (!job) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    job->req = req;
    enum eg_status st = eg_session_login_begin(
        req->db, req->config, eg_json_str(req->body, "login", ""),
        eg_json_str(req->body, "password", ""), eg_json_str(req->body, "device", NULL),
        eg_json_str(req->body, "challenge", NULL), eg_json_str(req->body, "solution", NULL),
        req->client_addr, req->request_id, &job->a);
    if (st == EG_E_THROTTLED) {
        snprintf(retry, sizeof retry, "%lld", (long long)job->a.retry_after);
        eg_reply_header(req, "Retry-After", retry);
    }
    if (st == EG_E_CHALLENGE_REQUIRED) {
        reply_challenge(req, &job->a);
        return;
    }
    if (st != EG_OK) {
        eg_reply_error(req, st, NULL, NULL);
        return;
    }
    st = eg_hashpool_reserve();
    if (st == EG_E_UNAVAILABLE) { /* no pool (tools): check in place */
        eg_session_login_check(&job->a);
        login_finish(req, job);
        return;
    }
    if (st != EG_OK) {
        eg_reply_header(req, "Retry-After", "1");
        eg_reply_error(req, st, NULL, NULL);
        return;
    }
    eg_req_suspend(req, login_finish, job);
    eg_hashpool_submit_reserved(login_job_run, job);
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
