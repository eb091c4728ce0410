/*
 * api_payments.c — payment orders and the payment channel's callback.
 *
 *   GET  /api/v1/payment-orders          list (own / the platform's / all)
 *   GET  /api/v1/payment-orders/{id}     one
 *   POST /api/v1/payments/callback       the channel confirms a payment (public, signed)
 *
 * The callback carries X-Signature: the lower-case hex HMAC-SHA256 of the
 * raw body under the shared payment secret. It is refused, with nothing
 * changed, when the signature is missing or wrong (401 bad_signature), the
 * order is unknown (404), the channel reference was already used for
 * another order (409 replay), the order is no longer payable (409
 * conflict), or the amount differs from the order's (422). The same good
 * callback repeated answers 200 with the same result and changes nothing.
 */
#include "insurance/api.h"

#include "core/config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"
#include "core/log.h"
#include "db/db.h"

/* A payment may be reported a little ahead of our clock. */
#define CLOCK_SKEW_S 300

static const struct eg_field callback_spec[] = {
    EG_FIELD("order_id", EG_FT_INT, .min = 1, .max = INT64_MAX),
    EG_FIELD("order_no", EG_FT_STRING, .max_len = 47),
    EG_FIELD("channel_ref", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 64),
    EG_FIELD("amount_fen", EG_FT_MONEY, .flags = EG_F_REQUIRED),
    EG_FIELD("paid_at", EG_FT_INSTANT, .flags = EG_F_REQUIRED),
    EG_FIELD(NULL, 0),
};

void eg_ins_api_orders_list(struct eg_req *req)
{
    struct eg_ins_order_filter f;
    struct eg_ins_order *rows = NULL;
    size_t n = 0;
    const char *field = NULL;
    int64_t now = eg_now();
    json_t *items;
    enum eg_status st;

    memset(&f, 0, sizeof f);
    st = eg_ins_page(req, &f.before_id, &f.limit, &field);
    f.state = eg_req_query(req, "state");
    if (st == EG_OK && f.state != NULL && strcmp(f.state, "pending") != 0 &&
        strcmp(f.state, "paid") != 0 && strcmp(f.state, "expired") != 0 &&
        strcmp(f.state, "cancelled") != 0)
        st = EG_E_INVALID_PARAMETER, field = "state";
    if (st != EG_OK) {
        eg_reply_error(req, st, field, NULL);
        return;
    }
    if (req->who.role == EG_ROLE_WORKER)
        f.payer_person_id = req->who.person_id > 0 ? req->who.person_id : -1;
    else if (req->who.role == EG_ROLE_PLATFORM)
        f.payer_org_id = req->who.organisation_id > 0 ? req->who.organisation_id : -1;
    st = eg_ins_order_list(req->db, req->arena, &f, &rows, &n);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, eg_ins_order_json(&rows[i], now));
    eg_reply_json(req, 200, eg_ins_page_reply(items, n, f.limit, n ? rows[n - 1].id : 0));
}

void eg_ins_api_order_get(struct eg_req *req)
{
    struct eg_ins_order o;
    struct eg_row_scope scope;
    int64_t id = 0;
    enum eg_status st = eg_req_param_id(req, "id", &id);

    if (st == EG_OK)
        st = eg_ins_order_get(req->db, id, NULL, &o);
    if (st == EG_OK) {
        eg_ins_order_scope(&o, &scope);
        st = eg_authz_row(&req->who, EG_INS_READERS, &scope);
    }
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    eg_reply_json(req, 200, eg_ins_order_json(&o, eg_now()));
}

/* ---- the callback ----------------------------------------------------- */

struct pay_tx {
    struct eg_req *req;
    int64_t order_id;
    const char *order_no;
    const char *channel_ref;
    int64_t amount;
    int64_t paid_at;
    int64_t now;
    struct eg_ins_order o;
    int64_t activated;
    int repeated;      /* the same callback again: nothing changed */
    const char *field; /* for the error reply */
    const char *message;
};

/* Refuse with a status and say why; the transaction rolls back. */
static enum eg_status refuse(struct pay_tx *t, enum eg_status st, const char *field,
                             const char *message)
{
    t->field = field;
    t->message = message;
    return st;
}

static enum eg_status pay_tx_run(struct eg_db *db, void *arg)
{
    struct pay_tx *t = arg;
    struct eg_audit_ctx ctx;
    int64_t other = 0;
    char id[24], summary[200];
    enum eg_status st;

    t->activated = 0;
    t->repeated = 0;
    t->field = NULL;
    t->message = NULL;
    st = eg_ins_order_get(db, t->order_id, t->order_no, &t->o);
    if (st == EG_E_NOT_FOUND)
        return refuse(t, st, t->order_no ? "order_no" : "order_id", "No such order.");
    if (st != EG_OK)
        return st;
    st = eg_ins_order_by_ref(db, t->channel_ref, &other);
    if (st == EG_OK && other != t->o.id)
        return refuse(t, EG_E_REPLAY, "channel_ref",
                      "This channel reference was already used for another order.");
    if (st != EG_OK && st != EG_E_NOT_FOUND)
        return st;
    if (strcmp(t->o.state, "paid") == 0) {
        if (strcmp(t->o.channel_ref, t->channel_ref) != 0)
            return refuse(t, EG_E_CONFLICT, "channel_ref",
                          "The order was already paid under another channel reference.");
        if (t->amount != t->o.amount_fen)
            return refuse(t, EG_E_UNPROCESSABLE, "amount_fen",
                          "The amount differs from the order's.");
        t->repeated = 1;
        return EG_OK;
    }
    if (strcmp(t->o.state, "pending") != 0)
        return refuse(t, EG_E_CONFLICT, "order_id", "The order is no longer payable.");
    if (t->paid_at >= t->o.expires_at)
        return refuse(t, EG_E_CONFLICT, "paid_at", "The order expired before it was paid.");
    if (t->paid_at < t->o.created_at - CLOCK_SKEW_S)
        return refuse(t, EG_E_UNPROCESSABLE, "paid_at", "The payment predates the order.");
    if (t->amount != t->o.amount_fen)
        return refuse(t, EG_E_UNPROCESSABLE, "amount_fen", "The amount differs from the order's.");
    st = eg_ins_order_pay(db, t->o.id, t->paid_at, t->channel_ref, t->now, &t->activated);
    if (st != EG_OK)
        return st;
    ctx.who = NULL;
    ctx.address = t->req->client_addr;
    ctx.request_id = t->req->request_id;
    snprintf(id, sizeof id, "%lld", (long long)t->o.id);
    snprintf(summary, sizeof summary,
             "{\"amount_fen\":%lld,\"paid_at\":%lld,\"cover_days\":%lld,\"channel\":\"callback\"}",
             (long long)t->amount, (long long)t->paid_at, (long long)t->activated);
    st = eg_audit_append(db, &ctx, "insurance.payment.confirm", "payment_order", id, summary);
    if (st == EG_OK)
        st = eg_ins_order_get(db, t->o.id, NULL, &t->o);
    return st;
}

/* Whether sig (hex, either case) is the HMAC of the body; constant time. */
static int signature_ok(const struct eg_req *req, const char *sig)
{
    const char *secret = req->config->payment_secret;
    char want[65], got[65];
    size_t len;

    if (secret == NULL || secret[0] == '\0' || sig == NULL)
        return 0;
    len = strnlen(sig, 65);
    if (len != 64)
        return 0;
    for (size_t i = 0; i < 64; i++)
        got[i] = (char)tolower((unsigned char)sig[i]);
    got[64] = '\0';
    eg_hmac_sha256_hex(secret, strlen(secret), req->raw_body ? req->raw_body : "", req->raw_len,
                       want);
    return eg_secure_streq(want, got);
}

void eg_ins_api_payment_callback(struct eg_req *req)
{
    struct pay_tx t;
    struct eg_field_error err;
    json_t *body = NULL;
    enum eg_status st;

    if (!signature_ok(req, eg_req_header(req, "X-Signature"))) {
        eg_log(EG_LOG_WARN, "event=payment_callback_refused rid=%s reason=bad_signature",
               req->request_id);
        eg_reply_error(req, EG_E_BAD_SIGNATURE, "X-Signature", NULL);
        return;
    }
    memset(&err, 0, sizeof err);
    st = eg_json_parse_body(req->raw_body ? req->raw_body : "", req->raw_len, &body, &err);
    if (st == EG_OK) {
        if (eg_arena_defer(req->arena, (void (*)(void *))json_decref, body) != 0) {
            eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
            return;
        }
        if (!json_is_object(body)) {
            eg_reply_error(req, EG_E_NOT_OBJECT, NULL, NULL);
            return;
        }
        st = eg_fields_check(body, callback_spec, &err);
    }
    if (st != EG_OK) {
        eg_reply_error(req, st, err.field[0] ? err.field : NULL, "%s",
                       err.message[0] ? err.message : eg_status_message(st));
        return;
    }
    memset(&t, 0, sizeof t);
    t.req = req;
    t.now = eg_now();
    t.order_id = eg_json_int(body, "order_id", 0);
    t.order_no = eg_json_str(body, "order_no", NULL);
    if ((t.order_id == 0) == (t.order_no == NULL)) {
        eg_reply_error(req, t.order_id == 0 ? EG_E_MISSING_FIELD : EG_E_INVALID_FIELD, "order_id",
                       "Give either order_id or order_no.");
        return;
    }
    t.channel_ref = eg_json_str(body, "channel_ref", "");
    t.amount = eg_json_int(body, "amount_fen", -1);
    if (eg_instant_parse(eg_json_str(body, "paid_at", ""), &t.paid_at) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "paid_at", NULL);
        return;
    }
    if (t.paid_at > t.now + CLOCK_SKEW_S) {
        eg_reply_error(req, EG_E_UNPROCESSABLE, "paid_at", "The payment time is in the future.");
        return;
    }
    st = eg_db_tx(req->db, pay_tx_run, &t);
    if (st != EG_OK) {
        eg_log(EG_LOG_WARN, "event=payment_callback_refused rid=%s reason=%s", req->request_id,
               eg_status_code(st));
        if (t.message != NULL)
            eg_reply_error(req, st, t.field, "%s", t.message);
        else
            eg_ins_reply_failure(req, st);
        return;
    }
    eg_log(EG_LOG_INFO, "event=payment_confirmed rid=%s order=%lld repeated=%d cover_days=%lld",
           req->request_id, (long long)t.o.id, t.repeated, (long long)t.o.cover_days);
    eg_reply_json(
        req, 200,
        json_pack("{s:s, s:o}", "result", "paid", "order", eg_ins_order_json(&t.o, t.now)));
}
