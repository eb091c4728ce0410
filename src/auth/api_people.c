/*
 * api_people.c — people at the service window: /api/v1/people …
 *
 * Lists and look-ups show masked ID numbers and phones; the full values
 * come only from /identity, for the roles that serve people in person, and
 * every such read is on the audit trail.
 */
#include "auth/internal.h"

#include <string.h>

#include "auth/authz.h"
#include "core/ident.h"
#include "core/time.h"
#include "http/http.h"

/* Window intake: find the person by ID number or create them; 201 when
 * created, 200 when found. */
void eg_auth_api_people_create(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    struct eg_person_input in = {eg_json_str(req->body, "name", ""),
                                 eg_json_str(req->body, "id_number", ""),
                                 eg_json_str(req->body, "phone", NULL)};
    int64_t id = 0;
    int created = 0;
    const char *field = NULL;
    json_t *out = NULL;
    enum eg_status rc = eg_auth_person_upsert(req->db, &ctx, &in, &id, &created, &field);
    if (rc == EG_OK)
        rc = eg_person_json(req->db, req->arena, &ctx, id, 0, &out);
    if (rc != EG_OK) {
        eg_auth_reply_field(req, rc, field);
        return;
    }
    eg_reply_json(req, created ? 201 : 200, out);
}

/* Look a person up by ID number through the blind index (masked reply). */
void eg_auth_api_people_find(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    struct eg_id_info info;
    int64_t id = 0;
    json_t *out = NULL;
    const char *idn = eg_req_query(req, "id_number");
    if (!idn || eg_id_number_check(idn, eg_day_of(eg_now()), &info) != EG_OK) {
        const char *why = eg_id_number_problem(idn, eg_day_of(eg_now()));

        eg_reply_error(req, EG_E_INVALID_PARAMETER, "id_number", "id_number %s",
                       why ? why : "must be a valid resident ID number");
        return;
    }
    enum eg_status rc = eg_person_find_by_id_number(req->db, info.normalized, &id);
    if (rc == EG_OK)
        rc = eg_person_json(req->db, req->arena, &ctx, id, 0, &out);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, out);
}

/* A worker reaches only their own person; staff reach anyone (masked). */
static enum eg_status person_in_scope(struct eg_req *req, int64_t id)
{
    if (req->who.role != EG_ROLE_WORKER)
        return eg_authz_role(&req->who, req->route->roles);
    struct eg_row_scope row = {id, 0, NULL, NULL, 0, 0, 0};
    return eg_authz_row(&req->who, req->route->roles, &row);
}

void eg_auth_api_people_get(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    int64_t id = 0;
    json_t *out = NULL;
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK)
        rc = person_in_scope(req, id);
    if (rc == EG_OK)
        rc = eg_person_json(req->db, req->arena, &ctx, id, 0, &out);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, out);
}

/* The full ID number and phone; the read is on the audit trail before the
 * reply leaves (eg_person_json with full=1). */
void eg_auth_api_people_identity(struct eg_req *req)
{
    struct eg_audit_ctx ctx = eg_auth_req_ctx(req);
    int64_t id = 0;
    json_t *out = NULL;
    enum eg_status rc = eg_req_param_id(req, "id", &id);
    if (rc == EG_OK)
        rc = eg_person_json(req->db, req->arena, &ctx, id, 1, &out);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, out);
}
