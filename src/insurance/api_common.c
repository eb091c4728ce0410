/*
 * api_common.c — helpers shared by the insurance endpoints (see api.h).
 */
#include "insurance/api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/page.h"

void eg_ins_audit_ctx(struct eg_req *req, struct eg_audit_ctx *ctx)
{
    ctx->who = req->who.role == EG_ROLE_NONE ? NULL : &req->who;
    ctx->address = req->client_addr;
    ctx->request_id = req->request_id;
}

json_t *eg_ins_instant(int64_t t)
{
    char buf[21];

    if (t == 0)
        return json_null();
    eg_instant_format(t, buf);
    return json_string(buf);
}

json_t *eg_ins_date(eg_day d)
{
    char buf[11];

    eg_date_format(d, buf);
    return json_string(buf);
}

/* A cursor is the decimal id of the last row of the previous page (http/page.h's limits). */
enum eg_status eg_ins_page(struct eg_req *req, int64_t *before_id, int *limit, const char **field)
{
    int64_t lim = EG_PAGE_LIMIT_DEFAULT;

    *before_id = 0;
    *field = NULL;
    if (eg_req_query_int(req, "limit", 1, EG_PAGE_LIMIT_MAX, EG_PAGE_LIMIT_DEFAULT, &lim) !=
        EG_OK) {
        *field = "limit";
        return EG_E_INVALID_PARAMETER;
    }
    *limit = (int)lim;
    if (eg_req_query_int(req, "cursor", 1, INT64_MAX, 0, before_id) != EG_OK) {
        *field = "cursor";
        return EG_E_INVALID_PARAMETER;
    }
    return EG_OK;
}

/* A full page may have a next one: its cursor is the last row's id. */
json_t *eg_ins_page_reply(json_t *items, size_t n, int limit, int64_t last_id)
{
    return eg_page_body(items, n > 0 && n == (size_t)limit ? last_id : 0);
}

enum eg_status eg_ins_query_date(struct eg_req *req, const char *name, eg_day *out, int *set)
{
    const char *s = eg_req_query(req, name);

    *set = 0;
    if (s == NULL)
        return EG_OK;
    if (eg_date_parse(s, out) != EG_OK)
        return EG_E_INVALID_PARAMETER;
    *set = 1;
    return EG_OK;
}

void eg_ins_cover_scope(const struct eg_ins_cover *c, struct eg_row_scope *s)
{
    memset(s, 0, sizeof *s);
    s->owner_person_id = c->person_id;
    s->organisation_id = c->payer_org_id;
    s->insurer_visible = 1;
}

void eg_ins_order_scope(const struct eg_ins_order *o, struct eg_row_scope *s)
{
    memset(s, 0, sizeof *s);
    s->owner_person_id = o->payer_person_id;
    s->organisation_id = o->payer_org_id;
    s->insurer_visible = 1;
}

void eg_ins_claim_scope(const struct eg_ins_claim *c, struct eg_row_scope *s)
{
    memset(s, 0, sizeof *s);
    s->owner_person_id = c->person_id;
    s->insurer_visible = 1;
}

/* {"kind","person_id","organisation_id"} with the unused id null. */
static json_t *payer_json(const char *kind, int64_t person_id, int64_t org_id)
{
    return json_pack("{s:s, s:o, s:o}", "kind", kind, "person_id",
                     person_id ? json_integer(person_id) : json_null(), "organisation_id",
                     org_id ? json_integer(org_id) : json_null());
}

json_t *eg_ins_cover_json(const struct eg_ins_cover *c)
{
    return json_pack(
        "{s:I, s:I, s:{s:s, s:s}, s:o, s:s, s:s, s:i, s:o, s:I, s:I, s:I, s:o, s:o, s:o, s:s, "
        "s:s, s:o, s:o, s:o, s:o}",
        "id", (json_int_t)c->id, "person_id", (json_int_t)c->person_id, "person", "name",
        c->person_name ? c->person_name : "", "id_number_masked", c->id_masked, "date",
        eg_ins_date(c->day), "state", c->state, "product", c->product_code, "product_version",
        c->version, "payer", payer_json(c->payer_kind, c->payer_person_id, c->payer_org_id),
        "premium_fen", (json_int_t)c->premium_fen, "subsidy_fen", (json_int_t)c->subsidy_fen,
        "payer_fen", (json_int_t)c->payer_fen, "order_id",
        c->order_id ? json_integer(c->order_id) : json_null(), "cover_start_at",
        eg_ins_instant(c->cover_start_at), "cover_end_at", eg_ins_instant(c->cover_end_at),
        "source", c->source, "enrolled_by", c->enrolled_by, "created_at",
        eg_ins_instant(c->created_at), "activated_at", eg_ins_instant(c->activated_at),
        "cancelled_at", eg_ins_instant(c->cancelled_at), "cancel_reason",
        c->cancel_reason[0] ? json_string(c->cancel_reason) : json_null());
}

const char *eg_ins_order_state_now(const struct eg_ins_order *o, int64_t now)
{
    if (strcmp(o->state, "pending") == 0 && now >= o->expires_at)
        return "expired";
    return o->state;
}

json_t *eg_ins_order_json(const struct eg_ins_order *o, int64_t now)
{
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "id",
        (json_int_t)o->id, "order_no", o->order_no, "kind", o->kind, "state",
        eg_ins_order_state_now(o, now), "payer",
        payer_json(o->payer_kind, o->payer_person_id, o->payer_org_id), "amount_fen",
        (json_int_t)o->amount_fen, "premium_fen", (json_int_t)o->premium_fen, "subsidy_fen",
        (json_int_t)o->subsidy_fen, "cover_days", (json_int_t)o->cover_days, "first_date",
        o->first_day ? eg_ins_date(o->first_day) : json_null(), "last_date",
        o->last_day ? eg_ins_date(o->last_day) : json_null(), "created_at",
        eg_ins_instant(o->created_at), "expires_at", eg_ins_instant(o->expires_at), "paid_at",
        eg_ins_instant(o->paid_at), "channel_ref",
        o->channel_ref[0] ? json_string(o->channel_ref) : json_null(), "refunded_fen",
        (json_int_t)o->refunded_fen);
}

json_t *eg_ins_version_json(const struct eg_ins_version *v, const struct eg_ins_version_meta *m)
{
    json_t *grades = json_array();

    for (int g = 0; g < EG_INS_GRADES; g++)
        json_array_append_new(grades, json_integer(v->disability_bp[g]));
    return json_pack(
        "{s:i, s:o, s:I, s:I, s:i, s:i, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:i, "
        "s:s, s:s, s:o}",
        "version", v->version, "effective_from", eg_ins_date(v->effective_from),
        "daily_premium_fen", (json_int_t)v->daily_premium_fen, "subsidy_bp",
        (json_int_t)v->subsidy_bp, "min_age", v->min_age, "max_age", v->max_age, "max_payout_fen",
        (json_int_t)v->max_payout_fen, "death_bp", (json_int_t)v->death_bp, "disability_bp", grades,
        "medical_limit_fen", (json_int_t)v->medical_limit_fen, "medical_deductible_fen",
        (json_int_t)v->medical_deductible_fen, "medical_ratio_bp", (json_int_t)v->medical_ratio_bp,
        "hospital_daily_fen", (json_int_t)v->hospital_daily_fen, "hospital_max_days",
        v->hospital_max_days, "note", m && m->note ? m->note : "", "created_by",
        m && m->created_by ? m->created_by : "", "created_at",
        eg_ins_instant(m ? m->created_at : 0));
}

void eg_ins_reply_failure(struct eg_req *req, enum eg_status st)
{
    eg_reply_error(req, st, NULL, NULL);
}

enum eg_status eg_ins_claim_load(struct eg_req *req, unsigned roles, struct eg_ins_claim *c)
{
    struct eg_row_scope scope;
    int64_t id = 0;
    enum eg_status st = eg_req_param_id(req, "id", &id);

    if (st == EG_OK)
        st = eg_ins_claim_get(req->db, req->arena, id, c);
    if (st != EG_OK)
        return st;
    eg_ins_claim_scope(c, &scope);
    return eg_authz_row(&req->who, roles, &scope);
}
