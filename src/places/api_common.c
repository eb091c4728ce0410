/* api_common.c — what the places endpoints share (see api.h). */
#include "places/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "core/time.h"
#include "http/http.h"

struct eg_audit_ctx eg_places_audit_ctx(const struct eg_req *req)
{
    struct eg_audit_ctx c = {&req->who, req->client_addr, req->request_id};
    return c;
}

enum eg_status eg_places_audit(struct eg_db *db, const struct eg_audit_ctx *ctx, const char *action,
                               int64_t id, json_t *summary)
{
    char idtext[24];
    char *text =
        summary ? json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
    json_decref(summary);
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    enum eg_status rc = eg_audit_append(db, ctx, action, "place", idtext, text ? text : "{}");
    free(text);
    return rc;
}

json_t *eg_places_instant_json(int64_t t)
{
    char buf[21];
    if (t == 0)
        return json_null();
    eg_instant_format(t, buf);
    return json_string(buf);
}

int eg_places_wants_xlsx(struct eg_req *req)
{
    const char *f = eg_req_query(req, "format");
    if (!f || strcmp(f, "json") == 0)
        return 0;
    if (strcmp(f, "xlsx") == 0)
        return 1;
    eg_reply_error(req, EG_E_INVALID_PARAMETER, "format", "format must be json or xlsx");
    return -1;
}
