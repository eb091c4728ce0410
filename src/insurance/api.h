/*
 * api.h — what the insurance module's endpoint files share: the handlers
 * named in the route table (routes.c), the role sets, and the helpers that
 * turn store rows into JSON and read paging arguments.
 *
 * Files: api_products.c (product versions), api_cover.c (enrollment,
 * cover-days, auto-renewal), api_payments.c (orders and the payment
 * callback), api_claims.c (claims, assessment, transitions), api_materials.c
 * (claim files), api_reports.c (figures and settlements).
 */
#ifndef EG_INSURANCE_API_H
#define EG_INSURANCE_API_H

#include <jansson.h>
#include "auth/audit.h"
#include "auth/authz.h"
#include "http/http.h"
#include "insurance/store.h"

/* Who may do what (the route table's role bits). */
#define EG_INS_READERS                                                                             \
    (EG_ROLE_WORKER | EG_ROLE_PLATFORM | EG_ROLE_INSURER | EG_ROLE_SUPERVISOR | EG_ROLE_ADMIN)
#define EG_INS_ENROLLERS       (EG_ROLE_WORKER | EG_ROLE_PLATFORM | EG_ROLE_INSURER | EG_ROLE_ADMIN)
#define EG_INS_CLAIM_READERS   (EG_ROLE_WORKER | EG_ROLE_INSURER | EG_ROLE_SUPERVISOR | EG_ROLE_ADMIN)
#define EG_INS_CLAIM_REPORTERS (EG_ROLE_WORKER | EG_ROLE_INSURER | EG_ROLE_ADMIN)
#define EG_INS_STAFF           (EG_ROLE_INSURER | EG_ROLE_ADMIN)
#define EG_INS_FIGURE_READERS                                                                      \
    (EG_ROLE_INSURER | EG_ROLE_ANALYST | EG_ROLE_SUPERVISOR | EG_ROLE_ADMIN)
#define EG_INS_FINANCE_READERS (EG_ROLE_INSURER | EG_ROLE_SUPERVISOR | EG_ROLE_ADMIN)

/* Body caps. */
#define EG_INS_ENROLL_BODY_LIMIT ((size_t)16 * 1024 * 1024)
#define EG_INS_MAX_PEOPLE        100000 /* people in one enrollment */
#define EG_INS_MAX_PERSON_DAYS   200000 /* people × dates in one enrollment */

/* ---- helpers (api_common.c) ------------------------------------------- */

/* The audit context of a request (its caller, address and request id). */
void eg_ins_audit_ctx(struct eg_req *req, struct eg_audit_ctx *ctx);

/* An RFC 3339 string, or JSON null for 0. */
json_t *eg_ins_instant(int64_t t);

/* A 'YYYY-MM-DD' string. */
json_t *eg_ins_date(eg_day d);

/*
 * The paging arguments: `cursor` (the id after which to continue, as given
 * in next_cursor) and `limit` (1–200, default 50). EG_OK, or
 * EG_E_INVALID_PARAMETER with *field naming the bad one.
 */
enum eg_status eg_ins_page(struct eg_req *req, int64_t *before_id, int *limit, const char **field);

/* {"items": items, "next_cursor": "<last id>" or null}; steals items. */
json_t *eg_ins_page_reply(json_t *items, size_t n, int limit, int64_t last_id);

/* The claim of the path's {id}, if the caller may see it under roles (404 otherwise). */
struct eg_ins_claim;
enum eg_status eg_ins_claim_load(struct eg_req *req, unsigned roles, struct eg_ins_claim *c);

/*
 * A date query argument: absent gives EG_OK with *set 0; a real
 * 'YYYY-MM-DD' gives *set 1; anything else EG_E_INVALID_PARAMETER.
 */
enum eg_status eg_ins_query_date(struct eg_req *req, const char *name, eg_day *out, int *set);

/* The row scopes of the module's rows. */
void eg_ins_cover_scope(const struct eg_ins_cover *c, struct eg_row_scope *s);
void eg_ins_order_scope(const struct eg_ins_order *o, struct eg_row_scope *s);
void eg_ins_claim_scope(const struct eg_ins_claim *c, struct eg_row_scope *s);

/* JSON views of rows. */
json_t *eg_ins_cover_json(const struct eg_ins_cover *c);
json_t *eg_ins_order_json(const struct eg_ins_order *o, int64_t now);
json_t *eg_ins_version_json(const struct eg_ins_version *v, const struct eg_ins_version_meta *m);

/* An order's state as seen now: a pending order past its expiry is "expired". */
const char *eg_ins_order_state_now(const struct eg_ins_order *o, int64_t now);

/* Reply with an error for a store failure (not found, conflict, or 500). */
void eg_ins_reply_failure(struct eg_req *req, enum eg_status st);

/* ---- handlers --------------------------------------------------------- */

void eg_ins_api_products_list(struct eg_req *req);
void eg_ins_api_versions_list(struct eg_req *req);
void eg_ins_api_versions_create(struct eg_req *req);
extern const struct eg_field eg_ins_version_spec[];

void eg_ins_api_enroll(struct eg_req *req);
void eg_ins_api_cover_list(struct eg_req *req);
void eg_ins_api_cover_get(struct eg_req *req);
void eg_ins_api_cover_cancel(struct eg_req *req);
void eg_ins_api_auto_renew_get(struct eg_req *req);
void eg_ins_api_auto_renew_put(struct eg_req *req);
extern const struct eg_field eg_ins_enroll_spec[];
extern const struct eg_field eg_ins_auto_renew_spec[];

void eg_ins_api_orders_list(struct eg_req *req);
void eg_ins_api_order_get(struct eg_req *req);
void eg_ins_api_payment_callback(struct eg_req *req);

void eg_ins_api_claim_create(struct eg_req *req);
void eg_ins_api_claim_list(struct eg_req *req);
void eg_ins_api_claim_get(struct eg_req *req);
void eg_ins_api_claim_patch(struct eg_req *req);
void eg_ins_api_claim_transition(struct eg_req *req);
void eg_ins_api_claim_assess(struct eg_req *req);
extern const struct eg_field eg_ins_claim_spec[];
extern const struct eg_field eg_ins_claim_patch_spec[];
extern const struct eg_field eg_ins_transition_spec[];
extern const struct eg_field eg_ins_assessment_spec[];

void eg_ins_api_material_upload(struct eg_req *req);
void eg_ins_api_material_get(struct eg_req *req);

void eg_ins_api_figures(struct eg_req *req);
void eg_ins_api_settlements(struct eg_req *req);

#endif
