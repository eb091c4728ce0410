/*
 * api_cases.c — reading cases: the filtered, paginated list, one case, its
 * timeline, the counts (stats) and the Excel export. Everyone sees only
 * their own part (store.h, struct eg_case_scope); the filters are the same
 * for the list, the stats and the export.
 */
#include "cases/api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/accounts.h"
#include "core/config.h"
#include "db/db.h"

/* Most rows one export may hold (the finished file is held in memory to be
 * sent); narrow the filters for more. */
#define EXPORT_MAX_ROWS 200000
/* Rows read and written per page of an export. */
#define EXPORT_PAGE 100

/*
 * Read the filters of a list, stats or export from the query string into
 * *f (strings in the arena). On a bad parameter the error is sent and -1
 * returned.
 */
static int parse_filter(struct eg_req *req, struct eg_case_filter *f, char today[11])
{
    const char *v;
    eg_day from = 0, to = 0;
    enum eg_status rc;

    memset(f, 0, sizeof *f);
    f->overdue = -1;
    eg_date_format(eg_cases_today(), today);
    f->today = today;

    if ((v = eg_req_query(req, "state")) != NULL) {
        char *tok = eg_arena_strdup(req->arena, v), *comma;

        for (; tok != NULL; tok = comma ? comma + 1 : NULL) {
            comma = strchr(tok, ',');
            if (comma)
                *comma = '\0';
            if (eg_case_name_index(eg_case_state_names, tok) < 0 ||
                f->n_states >= EG_CASE_STATE_COUNT) {
                eg_reply_error(req, EG_E_INVALID_PARAMETER, "state",
                               "state must be one or more of: submitted, accepted, rejected, "
                               "mediating, agreed, fulfilled, failed, referred, closed, "
                               "withdrawn (comma-separated).");
                return -1;
            }
            f->states[f->n_states++] = tok;
        }
        if (f->n_states == 0) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "state", "state is empty.");
            return -1;
        }
    }
    if ((v = eg_req_query(req, "type")) != NULL) {
        if (eg_case_name_index(eg_case_type_names, v) < 0) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "type", "type is not a case type.");
            return -1;
        }
        f->type = v;
    }
    if ((v = eg_req_query(req, "channel")) != NULL) {
        if (eg_case_name_index(eg_case_channel_names, v) < 0) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "channel",
                           "channel must be online, window, hotline, qr or referral.");
            return -1;
        }
        f->channel = v;
    }
    if ((v = eg_req_query(req, "department")) != NULL) {
        char path[128];

        rc = eg_department_by_code(req->db, v, &f->department_id, path);
        if (rc != EG_OK) {
            eg_reply_error(req, rc == EG_E_NOT_FOUND ? EG_E_INVALID_PARAMETER : rc, "department",
                           "department is not a department code.");
            return -1;
        }
    }
    rc = eg_req_query_int(req, "platform", 1, INT64_MAX, 0, &f->respondent_org_id);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, "platform", "platform must be an organisation id.");
        return -1;
    }
    if ((v = eg_req_query(req, "overdue")) != NULL) {
        if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
            f->overdue = 1;
        } else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
            f->overdue = 0;
        } else {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "overdue",
                           "overdue must be true or false.");
            return -1;
        }
    }
    if ((v = eg_req_query(req, "from")) != NULL) {
        if (eg_date_parse(v, &from) != EG_OK) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "from", "from %s.", eg_date_problem(v));
            return -1;
        }
        f->from = v;
    }
    if ((v = eg_req_query(req, "to")) != NULL) {
        if (eg_date_parse(v, &to) != EG_OK) {
            eg_reply_error(req, EG_E_INVALID_PARAMETER, "to", "to %s.", eg_date_problem(v));
            return -1;
        }
        f->to = v;
    }
    if (f->from && f->to && from > to) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "to", "to is before from.");
        return -1;
    }
    return 0;
}

/* The caller's relation to a listed case (no co-handling departments loaded:
 * a listed case is in the caller's scope by construction). */
static void list_actor(const struct eg_req *req, const struct eg_case_rec *rec,
                       struct eg_case_actor *a)
{
    memset(a, 0, sizeof *a);
    a->role = req->who.role;
    a->is_applicant =
        req->who.role == EG_ROLE_WORKER && req->who.person_id == rec->applicant_person_id;
    a->is_respondent =
        req->who.role == EG_ROLE_PLATFORM && req->who.organisation_id == rec->respondent_org_id;
    a->in_scope = req->who.role == EG_ROLE_MEDIATOR || req->who.role == EG_ROLE_ADMIN ||
                  req->who.role == EG_ROLE_SUPERVISOR;
}

/* GET /api/v1/cases: one page of the cases in scope, newest first. */
void eg_cases_api_list(struct eg_req *req)
{
    struct eg_case_filter f;
    struct eg_case_scope scope;
    struct eg_case_rec *rows = NULL;
    struct eg_case_actor actor;
    size_t n = 0;
    int more = 0, limit = 50;
    char today[11];
    eg_day t = eg_cases_today();
    enum eg_status rc;
    json_t *items, *out;

    if (parse_filter(req, &f, today) != 0 || eg_cases_page_params(req, &f.before_id, &limit) != 0)
        return;
    eg_case_scope_of(&req->who, req->arena, &scope);
    rc = eg_case_store_list(req->db, req->arena, &scope, &f, limit, &rows, &n, &more);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    items = json_array();
    for (size_t i = 0; i < n; i++) {
        list_actor(req, &rows[i], &actor);
        json_array_append_new(items, eg_cases_case_json(req, req->db, &rows[i], &actor, t, 0));
    }
    out = json_pack("{s:o}", "items", items);
    if (more && n > 0) {
        char cur[24];

        snprintf(cur, sizeof cur, "%lld", (long long)rows[n - 1].id);
        json_object_set_new(out, "next_cursor", json_string(cur));
    } else {
        json_object_set_new(out, "next_cursor", json_null());
    }
    eg_reply_json(req, 200, out);
}

/* GET /api/v1/cases/{id}: one case in detail. */
void eg_cases_api_get(struct eg_req *req)
{
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    int64_t id;
    enum eg_status rc;

    rc = eg_cases_path_id(req, &id);
    if (rc == EG_OK)
        rc = eg_cases_load(req, req->db, id, &rec, &actor);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, eg_cases_case_json(req, req->db, &rec, &actor, eg_cases_today(), 1));
}

/*
 * GET …/events: the timeline. Workers and platforms see the acting role
 * rather than staff logins.
 */
void eg_cases_api_events(struct eg_req *req)
{
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_stmt *st = NULL;
    int64_t id;
    enum eg_status rc;
    json_t *items;

    rc = eg_cases_path_id(req, &id);
    if (rc == EG_OK)
        rc = eg_cases_load(req, req->db, id, &rec, &actor);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    items = json_array();
    rc = eg_db_query(req->db, &st,
                     "SELECT id, at, kind, from_state, to_state, actor, actor_role, detail "
                     "FROM case_events WHERE case_id = ? ORDER BY id",
                     "i", id);
    while (eg_db_next(st, &rc)) {
        json_error_t jerr;
        json_t *detail = json_loads(eg_stmt_text(st, 7), 0, &jerr);
        /* Platforms see who acted by role, not staff logins. */
        int hide = req->who.role == EG_ROLE_PLATFORM || req->who.role == EG_ROLE_WORKER;

        json_array_append_new(
            items,
            json_pack(
                "{s:I, s:o, s:s, s:o, s:o, s:s, s:s, s:o}", "id", (json_int_t)eg_stmt_i64(st, 0),
                "at", eg_cases_instant(eg_stmt_i64(st, 1)), "kind", eg_stmt_text(st, 2), "from",
                eg_cases_str_or_null(eg_stmt_is_null(st, 3) ? NULL : eg_stmt_text(st, 3)), "to",
                eg_cases_str_or_null(eg_stmt_is_null(st, 4) ? NULL : eg_stmt_text(st, 4)), "actor",
                hide ? eg_stmt_text(st, 6) : eg_stmt_text(st, 5), "actor_role", eg_stmt_text(st, 6),
                "detail", detail ? detail : json_object()));
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, json_pack("{s:s, s:o}", "number", rec.number, "items", items));
}

/* GET /api/v1/cases/stats: counts in scope under the list filters. */
void eg_cases_api_stats(struct eg_req *req)
{
    struct eg_case_filter f;
    struct eg_case_scope scope;
    struct eg_case_stats s;
    char today[11];
    enum eg_status rc;
    json_t *by_state, *depts;

    if (parse_filter(req, &f, today) != 0)
        return;
    eg_case_scope_of(&req->who, req->arena, &scope);
    rc = eg_case_store_stats(req->db, req->arena, &scope, &f, &s);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    by_state = json_object();
    for (int i = 0; i < EG_CASE_STATE_COUNT; i++)
        json_object_set_new(by_state, eg_case_state_names[i], json_integer(s.by_state[i]));
    depts = json_array();
    for (size_t i = 0; i < s.n_depts; i++)
        json_array_append_new(depts, json_pack("{s:I, s:s, s:s, s:I, s:I, s:I}", "id",
                                               (json_int_t)s.depts[i].department_id, "code",
                                               s.depts[i].code, "name", s.depts[i].name, "total",
                                               (json_int_t)s.depts[i].total, "open",
                                               (json_int_t)s.depts[i].open, "overdue",
                                               (json_int_t)s.depts[i].overdue));
    eg_reply_json(req, 200,
                  json_pack("{s:s, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:o}", "as_of", today,
                            "total", (json_int_t)s.total, "open", (json_int_t)s.open, "overdue",
                            (json_int_t)s.overdue, "by_state", by_state, "claimed_fen",
                            (json_int_t)s.claimed_fen, "agreed_fen", (json_int_t)s.agreed_fen,
                            "recovered_fen", (json_int_t)s.paid_fen, "departments", depts));
}

/* mkdir -p for one or two levels under data_dir. */
static int ensure_dir(const char *path)
{
    char tmp[1024];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i < n; i++) {
        if (tmp[i] == '/') {
            tmp[i] = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return -1;
            tmp[i] = '/';
        }
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/*
 * GET /api/v1/cases/export.xlsx: the whole list (same filters and scope, at
 * most EXPORT_MAX_ROWS rows, else 422) as a workbook. The list is read in
 * keyset pages of EXPORT_PAGE rows, each in a scratch arena freed once the
 * page is written, and the workbook writes rows out as it goes, so memory
 * does not grow with the rows (only the finished file is held to send).
 */
void eg_cases_api_export(struct eg_req *req)
{
    struct eg_case_filter f;
    struct eg_case_scope scope;
    struct eg_cases_xlsx *x = NULL;
    int more = 1;
    int64_t count = 0;
    char today[11], *tmp_dir, disp[96];
    void *data = NULL;
    size_t len = 0;
    enum eg_status rc;

    if (parse_filter(req, &f, today) != 0)
        return;
    eg_case_scope_of(&req->who, req->arena, &scope);
    rc = eg_case_store_count(req->db, &scope, &f, &count);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    if (count > EXPORT_MAX_ROWS) {
        eg_reply_error(req, EG_E_UNPROCESSABLE, NULL,
                       "%lld cases match; an export holds at most %d. Narrow the filters.",
                       (long long)count, EXPORT_MAX_ROWS);
        return;
    }
    tmp_dir = eg_arena_printf(req->arena, "%s/tmp", req->config->data_dir);
    if (ensure_dir(tmp_dir) != 0 || eg_cases_xlsx_open(tmp_dir, eg_cases_today(), &x) != EG_OK) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, "The export could not be written.");
        return;
    }
    f.before_id = 0;
    while (rc == EG_OK && more) {
        struct eg_arena *page = eg_arena_new();
        struct eg_case_rec *rows = NULL;
        size_t n = 0;

        if (page == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        more = 0;
        rc = eg_case_store_list(req->db, page, &scope, &f, EXPORT_PAGE, &rows, &n, &more);
        if (rc == EG_OK)
            rc = eg_cases_xlsx_add(x, rows, n);
        if (rc == EG_OK && n > 0)
            f.before_id = rows[n - 1].id;
        else
            more = 0;
        eg_arena_destroy(page);
    }
    if (rc != EG_OK) {
        eg_cases_xlsx_abort(x);
        eg_reply_error(req, rc, NULL, "The export could not be written.");
        return;
    }
    rc = eg_cases_xlsx_finish(x, &data, &len);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, "The export could not be written.");
        return;
    }
    snprintf(disp, sizeof disp, "attachment; filename=\"cases-%s.xlsx\"", today);
    eg_reply_header(req, "Content-Disposition", disp);
    eg_reply_take(req, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  data, len);
}
