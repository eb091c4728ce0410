/*
 * api_audit.c — reading and verifying the audit trail:
 * GET /api/v1/audit and GET /api/v1/audit/verify.
 */
#include "auth/internal.h"

#include <stdint.h>
#include <string.h>

#include "core/time.h"
#include "http/http.h"

/* A text filter from the query string: "" when absent; 400 when too long. */
static enum eg_status text_filter(struct eg_req *req, const char *name, const char **out)
{
    const char *v = eg_req_query(req, name);
    *out = v ? v : "";
    if (strlen(*out) > 200) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, name, "%s is at most 200 characters", name);
        return EG_E_INVALID_PARAMETER;
    }
    return EG_OK;
}

/* An instant filter (RFC 3339) from the query string, def when absent. */
static enum eg_status instant_filter(struct eg_req *req, const char *name, int64_t def,
                                     int64_t *out)
{
    const char *v = eg_req_query(req, name);
    *out = def;
    if (!v)
        return EG_OK;
    if (strlen(v) > 64 || eg_instant_parse(v, out) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, name,
                       "%s must be an RFC 3339 instant such as 2026-01-31T08:00:00Z", name);
        return EG_E_INVALID_PARAMETER;
    }
    return EG_OK;
}

/* Newest first; the cursor is the seq of the last event shown. */
void eg_auth_api_audit_list(struct eg_req *req)
{
    int64_t limit = 0, cursor = 0, from = 0, to = 0, next = 0, n = 0, last = 0;
    const char *actor, *action, *entity, *entity_id;
    struct eg_stmt *st = NULL;
    json_t *items = NULL;
    char at[21];
    if (eg_auth_page_args(req, &limit, &cursor) != EG_OK ||
        text_filter(req, "actor", &actor) != EG_OK ||
        text_filter(req, "action", &action) != EG_OK ||
        text_filter(req, "entity", &entity) != EG_OK ||
        text_filter(req, "entity_id", &entity_id) != EG_OK ||
        instant_filter(req, "from", INT64_MIN, &from) != EG_OK ||
        instant_filter(req, "to", INT64_MAX, &to) != EG_OK)
        return;
    enum eg_status rc = eg_db_query(
        req->db, &st,
        "SELECT seq, at, actor_user_id, actor, actor_role, action, entity, entity_id, summary, "
        "address, request_id, prev_hash, hash FROM audit_events "
        "WHERE (? = '' OR actor = ?) AND (? = '' OR action = ?) AND (? = '' OR entity = ?) "
        "AND (? = '' OR entity_id = ?) AND at >= ? AND at <= ? AND seq < ? "
        "ORDER BY seq DESC LIMIT ?",
        "ttttttttiiii", actor, actor, action, action, entity, entity, entity_id, entity_id, from,
        to, cursor > 0 ? cursor : INT64_MAX, limit + 1);
    items = json_array();
    while (eg_db_next(st, &rc)) {
        if (n == limit) {
            next = last;
            break;
        }
        last = eg_stmt_i64(st, 0);
        json_error_t jerr;
        json_t *summary = json_loads(eg_stmt_text(st, 8), JSON_DECODE_ANY, &jerr);
        if (!summary)
            summary = json_string(eg_stmt_text(st, 8));
        eg_instant_format(eg_stmt_i64(st, 1), at);
        json_t *ev = json_pack(
            "{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s}", "seq",
            (json_int_t)last, "at", at, "actor_user_id", (json_int_t)eg_stmt_i64(st, 2), "actor",
            eg_stmt_text(st, 3), "actor_role", eg_stmt_text(st, 4), "action", eg_stmt_text(st, 5),
            "entity", eg_stmt_text(st, 6), "entity_id", eg_stmt_text(st, 7), "summary", summary,
            "address", eg_stmt_text(st, 9), "request_id", eg_stmt_text(st, 10), "prev_hash",
            eg_stmt_text(st, 11), "hash", eg_stmt_text(st, 12));
        json_array_append_new(items, ev);
        n++;
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_auth_reply_list(req, items, next);
}

/* Walk the whole chain: a broken chain is a 200 with ok=false and the first
 * bad seq, not an error of the request. */
void eg_auth_api_audit_verify(struct eg_req *req)
{
    int64_t count = 0, first_bad = 0;
    enum eg_status rc = eg_audit_verify(req->db, &count, &first_bad);
    if (rc != EG_OK && rc != EG_E_CONFLICT) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    json_t *out =
        json_pack("{s:b, s:I, s:n}", "ok", rc == EG_OK, "events", (json_int_t)count, "first_bad");
    if (first_bad > 0)
        json_object_set_new(out, "first_bad", json_integer(first_bad));
    eg_reply_json(req, 200, out);
}
