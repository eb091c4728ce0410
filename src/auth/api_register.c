/*
 * api_register.c — self-registration of workers (register.h):
 *
 *   POST /api/v1/auth/register          a new account, or 202 "verification
 *                                       required" when the ID number is on file
 *   POST /api/v1/auth/register/verify   the one-time code sent to the phone on file
 *   POST /api/v1/auth/register/resend   a new code (throttled)
 *   GET  /api/v1/people/{id}/registrations          staff: who claims this person
 *   POST /api/v1/people/{id}/verify-account         staff: verified in person
 *
 * Cheap checks come first, then the throttle, then the deliberately slow
 * password hash (on the hashing pool when it runs, with the connection
 * suspended), then one transaction. The code goes out by SMS after that
 * transaction, on the HTTP thread, bounded by sms.timeout_ms. Neither the
 * code nor the phone is ever logged or returned.
 */
#include "auth/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"
#include "auth/hashpool.h"
#include "auth/password_policy.h"
#include "auth/register.h"
#include "core/ident.h"
#include "core/log.h"
#include "core/time.h"
#include "http/http.h"
#include "notify/sms.h"

/* A registration in flight, in the request's arena. */
struct register_job {
    struct eg_req *req;
    const char *password;
    char hash[128];
    enum eg_status hash_status;
    struct eg_register_input in;
    char idn_idx[65], idn_idx_other[65];
    struct eg_id_info info;
};

/* Send the code of out to the (encrypted) phone on file. 1 when sent. */
static int send_code(struct eg_req *req, struct eg_register_outcome *out)
{
    struct eg_sms_result res;
    char minutes[8];
    const struct eg_keys *keys = eg_keys_global();
    int sent = 0;
    if (!out->code[0] || !out->phone_enc || !keys)
        goto out;
    char *phone = eg_pii_decrypt(keys, req->arena, out->phone_enc);
    if (!phone)
        goto out;
    snprintf(minutes, sizeof minutes, "%d", EG_OTP_TTL_S / 60);
    const char *params[] = {"code", out->code, "minutes", minutes, NULL};
    sent =
        eg_sms_send(req->config, phone, req->config->sms_template_register, params, &res) == EG_OK;
    sodium_memzero(phone, strlen(phone));
out:
    sodium_memzero(out->code, sizeof out->code);
    return sent;
}

/* 202: the registration waits for proof; nothing of the record is shown. */
static void reply_pending(struct eg_req *req, struct eg_register_outcome *out, int sent)
{
    char expires[21] = "";
    if (sent)
        eg_instant_format(out->code_expires_at, expires);
    json_t *body = json_pack(
        "{s:s, s:I, s:b, s:s?, s:s}", "status", "verification_required", "registration_id",
        (json_int_t)out->registration_id, "code_sent", sent, "code_expires_at",
        sent ? expires : NULL, "message",
        sent ? "This ID number is already on file. A code was sent by SMS to the phone number "
               "on file; send it to /api/v1/auth/register/verify, or show your ID card at a "
               "service window."
             : "This ID number is already on file. Show your ID card at a service window to "
               "complete the registration.");
    eg_reply_json(req, 202, body);
}

/* 201 with the account and its person (masked), as a registration has always answered. */
static void reply_account(struct eg_req *req, const struct eg_audit_ctx *ctx,
                          const struct eg_register_outcome *out)
{
    json_t *user = NULL, *person = NULL;
    enum eg_status st = eg_auth_user_json(req->db, out->user_id, &user);
    if (st == EG_OK)
        st = eg_person_json(req->db, req->arena, ctx, out->person_id, 0, &person);
    if (st != EG_OK) {
        json_decref(user);
        eg_reply_error(req, st, NULL, NULL);
        return;
    }
    json_object_set_new(user, "person", person);
    eg_reply_json(req, 201, user);
}

/* After the hash: one transaction, then the code by SMS. */
static void register_finish(struct eg_req *req, void *p)
{
    struct register_job *job = p;
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    struct eg_register_outcome out;
    enum eg_status st = job->hash_status;
    memset(&out, 0, sizeof out);
    if (st == EG_OK) {
        job->in.password_hash = job->hash;
        st = eg_register_begin(req->db, req->arena, &ctx, &job->in, &out);
    }
    sodium_memzero(job->hash, sizeof job->hash);
    if (st != EG_OK) {
        eg_auth_reply_field(req, st, out.field);
        return;
    }
    if (!out.pending) {
        reply_account(req, &ctx, &out);
        return;
    }
    reply_pending(req, &out, send_code(req, &out));
}

/* The hash on a pool thread; then the request goes on. */
static void register_job_run(void *p)
{
    struct register_job *job = p;
    job->hash_status = eg_password_hash(job->password, job->hash);
    eg_req_resume(job->req);
}

/* Reply to a password the policy refuses. */
static void reply_password(struct eg_req *req, enum eg_status st)
{
    if (st == EG_E_WEAK_PASSWORD)
        eg_reply_error(req, st, "password", NULL);
    else
        eg_auth_reply_field(req, EG_E_INVALID_FIELD, "password");
}

void eg_auth_api_register(struct eg_req *req)
{
    const char *field = NULL;
    char retry[24];
    const struct eg_keys *keys = eg_keys_global();
    struct register_job *job = eg_arena_alloc(req->arena, sizeof *job);
    if (!job || !keys) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    memset(job, 0, sizeof *job);
    job->req = req;
    job->password = eg_json_str(req->body, "password", "");
    job->in.login = eg_json_str(req->body, "login", "");
    job->in.name = eg_json_str(req->body, "name", "");
    job->in.id_number = eg_json_str(req->body, "id_number", "");
    job->in.phone = eg_json_str(req->body, "phone", NULL);
    job->in.send_code = eg_sms_configured(req->config);

    if (!eg_auth_login_valid(job->in.login))
        field = "login";
    else if (!eg_auth_text_ok(job->in.name, 100))
        field = "name";
    else if (eg_id_number_check(job->in.id_number, eg_day_of(eg_now()), &job->info) != EG_OK)
        field = "id_number";
    else if (job->in.phone && *job->in.phone && eg_phone_check(job->in.phone) != EG_OK)
        field = "phone";
    if (field) {
        eg_auth_reply_field(req, EG_E_INVALID_FIELD, field);
        return;
    }
    enum eg_status st = eg_password_policy_check(job->password, job->in.login);
    if (st != EG_OK) {
        reply_password(req, st);
        return;
    }
    eg_pii_blind_index(keys, "idn:", job->info.normalized, job->idn_idx);
    job->in.idn_idx = job->idn_idx;
    eg_pii_blind_index_other(keys, "idn:", job->info.normalized, job->idn_idx_other);
    job->in.idn_idx_other = job->idn_idx_other;
    st = eg_register_throttle(req->db, req->config, req->client_addr, job->idn_idx, eg_now());
    if (st == EG_E_THROTTLED) {
        snprintf(retry, sizeof retry, "%d", req->config->register_window_s);
        eg_reply_header(req, "Retry-After", retry);
    }
    if (st != EG_OK) {
        eg_reply_error(req, st, NULL, NULL);
        return;
    }
    if (!eg_hashpool_running()) {
        job->hash_status = eg_password_hash(job->password, job->hash);
        register_finish(req, job);
        return;
    }
    eg_req_suspend(req, register_finish, job);
    st = eg_hashpool_submit(register_job_run, job);
    if (st != EG_OK) {
        eg_req_resume(req); /* not queued: take the suspension back */
        eg_reply_header(req, "Retry-After", "1");
        eg_reply_error(req, st, NULL, NULL);
    }
}

/* The registration_id of a body (declared required and positive by the spec). */
static int64_t body_id(const struct eg_req *req)
{
    json_t *v = json_object_get(req->body, "registration_id");
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

void eg_auth_api_register_verify(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    struct eg_register_outcome out;
    const char *code = eg_json_str(req->body, "code", "");
    size_t n = strlen(code);
    int digits = n == EG_OTP_DIGITS;
    for (size_t i = 0; digits && i < n; i++)
        digits = code[i] >= '0' && code[i] <= '9';
    if (!digits) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "code", "code must be the %d digits sent by SMS",
                       EG_OTP_DIGITS);
        return;
    }
    memset(&out, 0, sizeof out);
    enum eg_status st = eg_register_verify_code(req->db, &ctx, body_id(req), code, eg_now(), &out);
    if (st != EG_OK) {
        eg_auth_reply_field(req, st, out.field);
        return;
    }
    switch (out.verdict) {
    case EG_OTP_OK:
        reply_account(req, &ctx, &out);
        return;
    case EG_OTP_WRONG:
        eg_reply_error(req, EG_E_BAD_CODE, "code", NULL);
        return;
    case EG_OTP_USED:
        eg_reply_error(req, EG_E_CODE_EXPIRED, "code", "This registration is already verified.");
        return;
    case EG_OTP_LOCKED:
        eg_reply_error(req, EG_E_CODE_EXPIRED, "code",
                       "Too many wrong codes: ask for a new one (register/resend).");
        return;
    case EG_OTP_EXPIRED:
    default:
        eg_reply_error(req, EG_E_CODE_EXPIRED, "code", NULL);
        return;
    }
}

void eg_auth_api_register_resend(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    struct eg_register_outcome out;
    char retry[24];
    memset(&out, 0, sizeof out);
    if (!eg_sms_configured(req->config)) {
        eg_reply_error(req, EG_E_UNPROCESSABLE, NULL,
                       "No SMS gateway is configured: complete the registration at a service "
                       "window.");
        return;
    }
    enum eg_status st = eg_register_resend(req->db, req->arena, &ctx, body_id(req), eg_now(), &out);
    if (st == EG_E_THROTTLED) {
        if (out.retry_after > 0) {
            snprintf(retry, sizeof retry, "%lld", (long long)out.retry_after);
            eg_reply_header(req, "Retry-After", retry);
            eg_reply_error(req, st, NULL, "Wait %lld seconds before asking for another code.",
                           (long long)out.retry_after);
        } else {
            eg_reply_error(req, st, NULL,
                           "No more codes for this registration: complete it at a service "
                           "window.");
        }
        return;
    }
    if (st == EG_E_UNPROCESSABLE) {
        eg_reply_error(req, st, NULL,
                       "No phone is on file for this person: complete the registration at a "
                       "service window.");
        return;
    }
    if (st != EG_OK) {
        eg_reply_error(req, st, NULL, NULL);
        return;
    }
    reply_pending(req, &out, send_code(req, &out));
}

void eg_auth_api_people_registrations(struct eg_req *req)
{
    int64_t id = 0;
    json_t *items = NULL;
    enum eg_status st = eg_req_param_id(req, "id", &id);
    if (st == EG_OK)
        st = eg_register_list_for_person(req->db, id, &items);
    if (st != EG_OK) {
        eg_reply_error(req, st, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

/* Staff at a window have checked the ID card of the person in front of them. */
void eg_auth_api_people_verify_account(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    struct eg_register_outcome out;
    int64_t id = 0;
    memset(&out, 0, sizeof out);
    enum eg_status st = eg_req_param_id(req, "id", &id);
    if (st == EG_OK)
        st = eg_register_verify_in_person(req->db, &ctx, id, body_id(req), eg_now(), &out);
    if (st == EG_E_CONFLICT) {
        eg_reply_error(req, st, "registration_id",
                       "This registration is no longer pending (verified already, or lapsed).");
        return;
    }
    if (st != EG_OK) {
        eg_auth_reply_field(req, st, out.field);
        return;
    }
    reply_account(req, &ctx, &out);
}
