/*
 * api_products.c — products and their versions.
 *
 *   GET  /api/v1/insurance/products                  every product and the version in force today
 *   GET  /api/v1/insurance/products/{code}/versions  every version of one product
 *   POST /api/v1/insurance/products/{code}/versions  a new version from a future date (admin)
 */
#include "insurance/api.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

static const struct eg_field int_bp = EG_FIELD("", EG_FT_INT, .max = 10000);

const struct eg_field eg_ins_version_spec[] = {
    EG_FIELD("effective_from", EG_FT_DATE, .flags = EG_F_REQUIRED),
    EG_FIELD("daily_premium_fen", EG_FT_MONEY, .min = 1, .max = 100000000),
    EG_FIELD("subsidy_bp", EG_FT_INT, .max = 10000),
    EG_FIELD("min_age", EG_FT_INT, .max = 120),
    EG_FIELD("max_age", EG_FT_INT, .max = 120),
    EG_FIELD("max_payout_fen", EG_FT_MONEY),
    EG_FIELD("death_bp", EG_FT_INT, .max = 10000),
    EG_FIELD("disability_bp", EG_FT_ARRAY, .max_len = EG_INS_GRADES, .item = &int_bp),
    EG_FIELD("medical_limit_fen", EG_FT_MONEY),
    EG_FIELD("medical_deductible_fen", EG_FT_MONEY),
    EG_FIELD("medical_ratio_bp", EG_FT_INT, .max = 10000),
    EG_FIELD("hospital_daily_fen", EG_FT_MONEY),
    EG_FIELD("hospital_max_days", EG_FT_INT, .min = 1, .max = 3660),
    EG_FIELD("note", EG_FT_STRING, .max_len = 500),
    EG_FIELD(NULL, 0),
};

void eg_ins_api_products_list(struct eg_req *req)
{
    struct eg_ins_product *ps = NULL;
    size_t n = 0;
    eg_day today = eg_day_of(eg_now());
    json_t *items = json_array();
    enum eg_status st = eg_ins_products_list(req->db, req->arena, &ps, &n);

    for (size_t i = 0; st == EG_OK && i < n; i++) {
        struct eg_ins_version *vs = NULL;
        struct eg_ins_version_meta *ms = NULL;
        size_t nv = 0;
        const struct eg_ins_version *cur;

        st = eg_ins_versions_load(req->db, req->arena, ps[i].id, &vs, &ms, &nv);
        if (st != EG_OK)
            break;
        cur = eg_ins_version_in_force(vs, nv, today);
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:I, s:o}", "code", ps[i].code, "name", ps[i].name,
                             "versions", (json_int_t)nv, "in_force",
                             cur ? eg_ins_version_json(cur, &ms[cur - vs]) : json_null()));
    }
    if (st != EG_OK) {
        json_decref(items);
        eg_ins_reply_failure(req, st);
        return;
    }
    eg_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

void eg_ins_api_versions_list(struct eg_req *req)
{
    struct eg_ins_product p;
    struct eg_ins_version *vs = NULL;
    struct eg_ins_version_meta *ms = NULL;
    size_t n = 0;
    const struct eg_ins_version *cur;
    json_t *items;
    enum eg_status st = eg_ins_product_find(req->db, eg_req_param(req, "code"), &p);

    if (st == EG_OK)
        st = eg_ins_versions_load(req->db, req->arena, p.id, &vs, &ms, &n);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, eg_ins_version_json(&vs[i], &ms[i]));
    cur = eg_ins_version_in_force(vs, n, eg_day_of(eg_now()));
    eg_reply_json(req, 200,
                  json_pack("{s:{s:s, s:s}, s:o, s:o}", "product", "code", p.code, "name", p.name,
                            "in_force", cur ? json_integer(cur->version) : json_null(), "items",
                            items));
}

struct version_tx {
    struct eg_req *req;
    int64_t product_id;
    struct eg_ins_version v;
    const char *note;
};

static enum eg_status version_tx_run(struct eg_db *db, void *arg)
{
    struct version_tx *t = arg;
    struct eg_audit_ctx ctx;
    char id[24], from[11], summary[160];
    enum eg_status st =
        eg_ins_version_insert(db, t->product_id, &t->v, t->note, t->req->who.login, eg_now());

    if (st != EG_OK)
        return st;
    eg_ins_audit_ctx(t->req, &ctx);
    snprintf(id, sizeof id, "%lld", (long long)t->v.id);
    eg_date_format(t->v.effective_from, from);
    snprintf(summary, sizeof summary,
             "{\"version\":%d,\"effective_from\":\"%s\",\"daily_premium_fen\":%lld}", t->v.version,
             from, (long long)t->v.daily_premium_fen);
    return eg_audit_append(db, &ctx, "insurance.version.create", "insurance_product_version", id,
                           summary);
}

/*
 * A new version starts from the version that would otherwise be in force
 * on its effective date and changes only the figures given, so an
 * administrator can raise the premium without restating the schedule.
 */
void eg_ins_api_versions_create(struct eg_req *req)
{
    struct eg_ins_product p;
    struct eg_ins_version *vs = NULL;
    size_t n = 0;
    const struct eg_ins_version *base;
    struct version_tx t;
    const char *bad = NULL;
    json_t *b = req->body, *dis;
    eg_day today = eg_day_of(eg_now());
    enum eg_status st = eg_ins_product_find(req->db, eg_req_param(req, "code"), &p);

    if (st == EG_OK)
        st = eg_ins_versions_load(req->db, req->arena, p.id, &vs, NULL, &n);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    memset(&t, 0, sizeof t);
    t.req = req;
    t.product_id = p.id;
    if (eg_date_parse(eg_json_str(b, "effective_from", ""), &t.v.effective_from) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "effective_from", NULL);
        return;
    }
    if (t.v.effective_from <= today) {
        eg_reply_error(req, EG_E_UNPROCESSABLE, "effective_from",
                       "A new version must take effect on a future date (after today).");
        return;
    }
    base = eg_ins_version_in_force(vs, n, t.v.effective_from);
    eg_day from = t.v.effective_from;
    if (base != NULL)
        t.v = *base;
    else
        eg_ins_version_defaults(&t.v);
    t.v.effective_from = from;
    t.v.id = 0;
    t.v.daily_premium_fen = eg_json_int(b, "daily_premium_fen", t.v.daily_premium_fen);
    t.v.subsidy_bp = eg_json_int(b, "subsidy_bp", t.v.subsidy_bp);
    t.v.min_age = (int)eg_json_int(b, "min_age", t.v.min_age);
    t.v.max_age = (int)eg_json_int(b, "max_age", t.v.max_age);
    t.v.max_payout_fen = eg_json_int(b, "max_payout_fen", t.v.max_payout_fen);
    t.v.death_bp = eg_json_int(b, "death_bp", t.v.death_bp);
    t.v.medical_limit_fen = eg_json_int(b, "medical_limit_fen", t.v.medical_limit_fen);
    t.v.medical_deductible_fen =
        eg_json_int(b, "medical_deductible_fen", t.v.medical_deductible_fen);
    t.v.medical_ratio_bp = eg_json_int(b, "medical_ratio_bp", t.v.medical_ratio_bp);
    t.v.hospital_daily_fen = eg_json_int(b, "hospital_daily_fen", t.v.hospital_daily_fen);
    t.v.hospital_max_days = (int)eg_json_int(b, "hospital_max_days", t.v.hospital_max_days);
    dis = json_object_get(b, "disability_bp");
    if (dis != NULL && !json_is_null(dis)) {
        if (json_array_size(dis) != EG_INS_GRADES) {
            eg_reply_error(req, EG_E_INVALID_FIELD, "disability_bp",
                           "must list exactly 10 grades (grade 1 first)");
            return;
        }
        for (size_t g = 0; g < EG_INS_GRADES; g++)
            t.v.disability_bp[g] = json_integer_value(json_array_get(dis, g));
    }
    t.note = eg_json_str(b, "note", "");
    if (eg_ins_version_check(&t.v, &bad) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_FIELD, bad, "The value is out of range for %s.", bad);
        return;
    }
    st = eg_db_tx(req->db, version_tx_run, &t);
    if (st == EG_E_DUPLICATE) {
        eg_reply_error(req, EG_E_DUPLICATE, "effective_from",
                       "A version taking effect on that date already exists.");
        return;
    }
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    struct eg_ins_version_meta m = {t.note, req->who.login, eg_now()};
    eg_reply_json(req, 201, eg_ins_version_json(&t.v, &m));
}
