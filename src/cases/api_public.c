/*
 * api_public.c — what the cases module shows to everyone and what the
 * administrator configures: the public figures, the QR codes that lead to
 * the online complaint form (for posters at service points), and the
 * routing rule table.
 */
#include "cases/api.h"

#include <stdio.h>
#include <string.h>

#include "auth/accounts.h"
#include "core/config.h"
#include "db/db.h"

/* ---- GET /api/v1/public/figures ------------------------------------------------ */

void eg_cases_api_figures(struct eg_req *req)
{
    struct eg_case_figures f;
    char today[11];
    enum eg_status rc = eg_case_store_figures(req->db, &f);

    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_date_format(eg_cases_today(), today);
    eg_reply_json(req, 200,
                  json_pack("{s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}}", "as_of", today, "cases",
                            "received", (json_int_t)f.received, "handled", (json_int_t)f.handled,
                            "resolved", (json_int_t)f.resolved, "in_progress",
                            (json_int_t)f.in_progress, "recovered_fen", (json_int_t)f.recovered_fen,
                            "ratings", (json_int_t)f.rated, "satisfied_ratings",
                            (json_int_t)f.satisfied));
}

/* ---- QR codes ---------------------------------------------------------------------- */

/* Whether every byte of s is allowed in a URL we print into a QR code. */
static int url_chars_ok(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`' ||
            c == '{' || c == '}' || c == '|' || c == '^')
            return 0;
    }
    return 1;
}

/*
 * The public address of the online complaint form: ?base= (an http(s) URL)
 * or server.public_url, plus /intake?channel=qr and the place when given.
 * Never the Host header: a client must not choose where a printed code
 * sends people.
 * NULL after replying 400.
 */
static const char *intake_url(struct eg_req *req, int64_t place)
{
    const char *base = eg_req_query(req, "base");
    size_t n;

    if (base != NULL) {
        n = strlen(base);
        if (n > 200 || !url_chars_ok(base) ||
            (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0) ||
            n <= (strncmp(base, "https://", 8) == 0 ? 8u : 7u)) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "base",
                           "base must be an http:// or https:// address of at most 200 "
                           "characters.");
            return NULL;
        }
        if (base[n - 1] == '/')
            base = eg_arena_strndup(req->arena, base, n - 1);
    } else {
        const char *pub = req->config->public_url;

        n = strlen(pub);
        if (n == 0 || !url_chars_ok(pub) ||
            (strncmp(pub, "https://", 8) != 0 && strncmp(pub, "http://", 7) != 0)) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "base",
                           "Give base=, or configure server.public_url (an http:// or https:// "
                           "address).");
            return NULL;
        }
        base = pub[n - 1] == '/' ? eg_arena_strndup(req->arena, pub, n - 1) : pub;
    }
    if (place > 0)
        return eg_arena_printf(req->arena, "%s/intake?channel=qr&place=%lld", base,
                               (long long)place);
    return eg_arena_printf(req->arena, "%s/intake?channel=qr", base);
}

/* Render url as SVG or PNG and reply. */
static void reply_qr(struct eg_req *req, const char *url, int png)
{
    void *data = NULL;
    size_t len = 0;
    int64_t scale = 8;
    enum eg_status rc;

    if (png) {
        rc = eg_req_query_int(req, "scale", 1, 32, 8, &scale);
        if (rc != EG_OK) {
            eg_reply_error(req, rc, "scale", "scale must be an integer from 1 to 32.");
            return;
        }
        rc = eg_cases_qr_png(url, (int)scale, &data, &len);
    } else {
        rc = eg_cases_qr_svg(url, &data, &len);
    }
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, "The QR code could not be made.");
        return;
    }
    eg_reply_take(req, 200, png ? "image/png" : "image/svg+xml", data, len);
}

/* GET /api/v1/qr/intake.svg. */
void eg_cases_api_qr_intake_svg(struct eg_req *req)
{
    const char *url = intake_url(req, 0);

    if (url)
        reply_qr(req, url, 0);
}

/* GET /api/v1/qr/intake.png. */
void eg_cases_api_qr_intake_png(struct eg_req *req)
{
    const char *url = intake_url(req, 0);

    if (url)
        reply_qr(req, url, 1);
}

/* GET /api/v1/qr/service-points/{file}: file is "<place id>.svg" or ".png". */
void eg_cases_api_qr_place(struct eg_req *req)
{
    const char *file = eg_req_param(req, "file");
    const char *dot = file ? strrchr(file, '.') : NULL;
    int64_t id = 0;
    int png;
    const char *url;

    if (dot == NULL || (strcmp(dot, ".svg") != 0 && strcmp(dot, ".png") != 0) || dot == file ||
        (size_t)(dot - file) > 18) {
        eg_reply_error(req, EG_E_NOT_FOUND, NULL, "Ask for <place id>.svg or <place id>.png.");
        return;
    }
    for (const char *p = file; p < dot; p++) {
        if (*p < '0' || *p > '9') {
            eg_reply_error(req, EG_E_NOT_FOUND, NULL, NULL);
            return;
        }
        id = id * 10 + (*p - '0');
    }
    if (id <= 0) {
        eg_reply_error(req, EG_E_NOT_FOUND, NULL, NULL);
        return;
    }
    png = strcmp(dot, ".png") == 0;
    url = intake_url(req, id);
    if (url)
        reply_qr(req, url, png);
}

/* ---- routing rules -------------------------------------------------------------- */

static const struct eg_field rule_spec[] = {
    EG_FIELD("case_type", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("sector", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("department", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD(NULL, 0),
};
static const struct eg_field rule_item = EG_FIELD("", EG_FT_OBJECT, .sub = rule_spec);

const struct eg_field eg_cases_spec_routing[] = {
    EG_FIELD("rules", EG_FT_ARRAY, .flags = EG_F_REQUIRED, .max_len = 200, .item = &rule_item),
    EG_FIELD(NULL, 0),
};

/* Reply with the routing rules and the departments' names. */
static void reply_rules(struct eg_req *req)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;
    json_t *items = json_array();

    rc = eg_db_query(req->db, &st,
                     "SELECT r.case_type, r.sector, r.department_code, d.name, r.updated_at "
                     "FROM case_routing_rules r LEFT JOIN departments d ON d.code = "
                     "r.department_code ORDER BY r.case_type, r.sector",
                     "");
    while (eg_db_next(st, &rc))
        json_array_append_new(
            items,
            json_pack("{s:s, s:s, s:s, s:o, s:o}", "case_type", eg_stmt_text(st, 0), "sector",
                      eg_stmt_text(st, 1), "department", eg_stmt_text(st, 2), "department_name",
                      eg_cases_str_or_null(eg_stmt_is_null(st, 3) ? NULL : eg_stmt_text(st, 3)),
                      "updated_at", eg_cases_instant(eg_stmt_i64(st, 4))));
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200,
                  json_pack("{s:o, s:s, s:o, s:o}", "items", items, "fallback", "centre",
                            "case_types", eg_cases_names_json(eg_case_type_names), "wildcard",
                            json_string("*")));
}

/* GET /api/v1/case-routing-rules. */
void eg_cases_api_routing_get(struct eg_req *req)
{
    reply_rules(req);
}

struct rules_op {
    struct eg_req *req;
    struct eg_case_routing_rule *rules;
    size_t n;
    struct eg_cases_err err;
};

/* Check every department code, then replace the table. */
static enum eg_status rules_tx(struct eg_db *db, void *p)
{
    struct rules_op *o = p;
    struct eg_audit_ctx ctx = eg_cases_audit(o->req);
    char summary[64];
    enum eg_status rc = EG_OK;

    memset(&o->err, 0, sizeof o->err);
    for (size_t i = 0; rc == EG_OK && i < o->n; i++) {
        int64_t id = 0, archived = 0;
        char path[128];

        rc = eg_department_by_code(db, o->rules[i].department_code, &id, path);
        if (rc == EG_OK)
            rc = eg_db_one_i64(db, &archived, "SELECT archived FROM departments WHERE id = ?", "i",
                               id);
        if (rc == EG_E_NOT_FOUND || (rc == EG_OK && archived))
            return eg_cases_fail(&o->err, EG_E_INVALID_FIELD,
                                 eg_arena_printf(o->req->arena, "rules[%zu].department", i),
                                 "rules[%zu].department is not an active department code.", i);
    }
    if (rc == EG_OK)
        rc = eg_case_store_rules_replace(db, o->rules, o->n, eg_now());
    if (rc == EG_OK) {
        snprintf(summary, sizeof summary, "{\"rules\":%zu}", o->n);
        rc = eg_audit_append(db, &ctx, "case_routing.update", "case_routing_rules", "all", summary);
    }
    return rc;
}

/*
 * PUT /api/v1/case-routing-rules: validate the types, sectors and that no
 * (type, sector) pair repeats, then replace the whole table.
 */
void eg_cases_api_routing_put(struct eg_req *req)
{
    const json_t *arr = json_object_get(req->body, "rules");
    struct rules_op o;
    size_t i;
    json_t *v;
    enum eg_status rc;

    memset(&o, 0, sizeof o);
    o.req = req;
    o.n = json_array_size(arr);
    o.rules = eg_arena_alloc(req->arena, (o.n + 1) * sizeof *o.rules);
    if (o.rules == NULL) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    json_array_foreach(arr, i, v)
    {
        struct eg_case_routing_rule *r = &o.rules[i];

        r->case_type = eg_json_str(v, "case_type", "");
        r->sector = eg_json_str(v, "sector", "");
        r->department_code = eg_json_str(v, "department", "");
        if (strcmp(r->case_type, "*") != 0 &&
            eg_case_name_index(eg_case_type_names, r->case_type) < 0) {
            eg_reply_error(req, EG_E_INVALID_FIELD,
                           eg_arena_printf(req->arena, "rules[%zu].case_type", i),
                           "rules[%zu].case_type must be a case type or *.", i);
            return;
        }
        if (!eg_case_sector_valid(r->sector)) {
            eg_reply_error(req, EG_E_INVALID_FIELD,
                           eg_arena_printf(req->arena, "rules[%zu].sector", i),
                           "rules[%zu].sector must be * or 1-32 of a-z, 0-9, _.", i);
            return;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(o.rules[k].case_type, r->case_type) == 0 &&
                strcmp(o.rules[k].sector, r->sector) == 0) {
                eg_reply_error(req, EG_E_INVALID_FIELD,
                               eg_arena_printf(req->arena, "rules[%zu]", i),
                               "rules[%zu] repeats the case type and sector of rules[%zu].", i, k);
                return;
            }
    }
    rc = eg_db_tx(req->db, rules_tx, &o);
    if (rc != EG_OK) {
        eg_cases_reply_err(req, rc, &o.err);
        return;
    }
    reply_rules(req);
}
