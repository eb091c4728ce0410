/*
 * api_reports.c — the insurance figures and the monthly subsidy settlement.
 *
 *   GET /api/v1/insurance/figures?from=&to=&date=
 *   GET /api/v1/insurance/settlements?month=YYYY-MM[&format=json|csv|xlsx]
 */
#include "insurance/api.h"

#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "insurance/export.h"
#include "insurance/insurance.h"

/* Figures are counted from this date unless `from` says otherwise. */
#define FIGURES_EPOCH_Y 2020

void eg_ins_api_figures(struct eg_req *req)
{
    struct eg_ins_figures f;
    struct eg_insurance_backlog bl;
    eg_day today = eg_day_of(eg_now());
    eg_day from = eg_day_from_civil(FIGURES_EPOCH_Y, 1, 1), to = today, on = today;
    int set = 0;
    const char *field = NULL;
    int64_t ratio, median = 0, within_day = 0;
    json_t *by_state, *coverage;
    enum eg_status st = EG_OK;

    if (eg_ins_query_date(req, "from", &from, &set) != EG_OK)
        field = "from";
    else if (eg_ins_query_date(req, "to", &to, &set) != EG_OK || to < from)
        field = "to";
    else if (eg_ins_query_date(req, "date", &on, &set) != EG_OK)
        field = "date";
    if (field != NULL) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, field, NULL);
        return;
    }
    st = eg_ins_figures_compute(req->db, req->arena, from, to, on, &f);
    if (st == EG_OK)
        st = eg_insurance_claim_backlog(req->db, today, &bl);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    for (size_t i = 0; i < f.n_pay; i++)
        within_day += f.pay_seconds[i] <= 86400;
    if (f.n_pay > 0)
        median = eg_ins_median(f.pay_seconds, f.n_pay);
    ratio = eg_ins_loss_ratio_bp(f.payouts_fen, f.premiums_fen);
    by_state = json_object();
    for (int s = 0; s < EG_CLAIM_STATE_COUNT; s++)
        json_object_set_new(by_state, eg_claim_state_name((enum eg_claim_state)s),
                            json_integer(f.claims_by_state[s]));
    coverage = json_pack(
        "{s:o, s:I, s:o, s:o, s:o}", "date", eg_ins_date(on), "covered_people",
        (json_int_t)f.covered_on, "active_workers",
        f.active_workers >= 0 ? json_integer(f.active_workers) : json_null(),
        "covered_active_workers",
        f.covered_active >= 0 ? json_integer(f.covered_active) : json_null(), "coverage_bp",
        f.active_workers > 0 ? json_integer(f.covered_active * 10000 / f.active_workers)
                             : json_null());
    eg_reply_json(
        req, 200,
        json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:o, s:{s:I, s:o, s:I, s:I, s:I, s:I}, s:I, s:I, "
                  "s:o, s:{s:o, s:o, s:I}}",
                  "from", eg_ins_date(from), "to", eg_ins_date(to), "person_days",
                  (json_int_t)f.person_days, "insured_people", (json_int_t)f.insured_people,
                  "premiums_fen", (json_int_t)f.premiums_fen, "subsidy_fen",
                  (json_int_t)f.subsidy_fen, "coverage", coverage, "claims", "total",
                  (json_int_t)f.claims_total, "by_state", by_state, "open", (json_int_t)bl.open,
                  "overdue", (json_int_t)bl.overdue, "overdue_materials",
                  (json_int_t)bl.overdue_materials, "overdue_decision",
                  (json_int_t)bl.overdue_decision, "payouts_fen", (json_int_t)f.payouts_fen,
                  "paid_claims", (json_int_t)f.paid_claims, "loss_ratio_bp",
                  ratio >= 0 ? json_integer(ratio) : json_null(), "time_to_pay", "median_hours",
                  f.n_pay ? json_integer(median / 3600) : json_null(), "median_seconds",
                  f.n_pay ? json_integer(median) : json_null(), "paid_within_one_day",
                  (json_int_t)within_day));
}

static json_t *settlement_row_json(const struct eg_ins_settlement_row *r)
{
    return json_pack(
        "{s:s, s:o, s:s, s:s, s:I, s:I, s:I, s:I}", "payer_kind", r->payer_kind, "organisation_id",
        r->payer_org_id ? json_integer(r->payer_org_id) : json_null(), "name", r->payer_name,
        "credit_code", r->credit_code, "person_days", (json_int_t)r->person_days, "premium_fen",
        (json_int_t)r->premium_fen, "subsidy_fen", (json_int_t)r->subsidy_fen, "payer_fen",
        (json_int_t)r->payer_fen);
}

void eg_ins_api_settlements(struct eg_req *req)
{
    const char *month = eg_req_query(req, "month");
    const char *format = eg_req_query(req, "format");
    struct eg_ins_settlement_row *rows = NULL, total;
    size_t n = 0;
    eg_day first, last;
    char disp[96], tmp[600];
    enum eg_status st;

    if (eg_ins_month_parse(month, &first, &last) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "month", "Give month as YYYY-MM.");
        return;
    }
    if (format == NULL)
        format = "json";
    if (strcmp(format, "json") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "format", "format is json, csv or xlsx.");
        return;
    }
    st = eg_ins_settlement(req->db, req->arena, month, &rows, &n);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    if (strcmp(format, "csv") == 0) {
        struct eg_buf b;
        size_t len = 0;

        eg_buf_init(&b, (size_t)64 * 1024 * 1024);
        st = eg_ins_export_csv(month, rows, n, &b);
        if (st != EG_OK) {
            eg_buf_free(&b);
            eg_ins_reply_failure(req, st);
            return;
        }
        snprintf(disp, sizeof disp, "attachment; filename=\"settlement-%s.csv\"", month);
        eg_reply_header(req, "Content-Disposition", disp);
        char *data = eg_buf_take(&b, &len);
        eg_reply_take(req, 200, "text/csv; charset=utf-8", data, len);
        return;
    }
    if (strcmp(format, "xlsx") == 0) {
        char *data = NULL;
        size_t len = 0;

        (void)mkdir(req->config->data_dir, 0700); /* the first export may come first */
        snprintf(tmp, sizeof tmp, "%s/tmp", req->config->data_dir);
        st = eg_ins_export_xlsx(month, rows, n, tmp, &data, &len);
        if (st != EG_OK) {
            eg_ins_reply_failure(req, st);
            return;
        }
        snprintf(disp, sizeof disp, "attachment; filename=\"settlement-%s.xlsx\"", month);
        eg_reply_header(req, "Content-Disposition", disp);
        eg_reply_take(req, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      data, len);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, settlement_row_json(&rows[i]));
    eg_ins_settlement_total(rows, n, &total);
    eg_reply_json(req, 200,
                  json_pack("{s:s, s:o, s:o, s:o, s:o}", "month", month, "from", eg_ins_date(first),
                            "to", eg_ins_date(last), "rows", items, "total",
                            settlement_row_json(&total)));
}
