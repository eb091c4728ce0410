/*
 * routes.c — the insurance module's route table (see src/app/routes.h and
 * docs/insurance.md). Mediators and analysts reach no raw insurance row;
 * supervisors read everything and change nothing.
 */
#include "http/http.h"
#include "core/principal.h"
#include "insurance/api.h"
#include "insurance/rules.h"

#define ANY EG_ROLES_ANY_USER

const struct eg_route eg_insurance_routes[] = {
    EG_ROUTE("GET", "/api/v1/insurance/products", eg_ins_api_products_list, .roles = ANY,
             .summary = "List insurance products and the version in force today"),
    EG_ROUTE("GET", "/api/v1/insurance/products/{code}/versions", eg_ins_api_versions_list,
             .roles = ANY, .summary = "List a product's versions"),
    EG_ROUTE("POST", "/api/v1/insurance/products/{code}/versions", eg_ins_api_versions_create,
             .roles = EG_ROLE_ADMIN, .body_spec = eg_ins_version_spec,
             .summary = "Add a product version effective from a future date"),
    EG_ROUTE("POST", "/api/v1/cover-days", eg_ins_api_enroll, .roles = EG_INS_ENROLLERS,
             .body_limit = EG_INS_ENROLL_BODY_LIMIT, .body_spec = eg_ins_enroll_spec,
             .summary = "Enroll people for dates (cover-days)"),
    EG_ROUTE("GET", "/api/v1/cover-days", eg_ins_api_cover_list, .roles = EG_INS_READERS,
             .summary = "List cover-days"),
    EG_ROUTE("GET", "/api/v1/cover-days/auto-renew", eg_ins_api_auto_renew_get,
             .roles = EG_ROLE_WORKER, .summary = "A worker's daily auto-renewal"),
    EG_ROUTE("PUT", "/api/v1/cover-days/auto-renew", eg_ins_api_auto_renew_put,
             .roles = EG_ROLE_WORKER, .body_spec = eg_ins_auto_renew_spec,
             .summary = "Turn daily auto-renewal on or off"),
    EG_ROUTE("GET", "/api/v1/cover-days/{id}", eg_ins_api_cover_get, .roles = EG_INS_READERS,
             .summary = "One cover-day"),
    EG_ROUTE("POST", "/api/v1/cover-days/{id}/cancel", eg_ins_api_cover_cancel,
             .roles = EG_INS_ENROLLERS, .summary = "Cancel a cover-day before its day starts"),
    EG_ROUTE("GET", "/api/v1/payment-orders", eg_ins_api_orders_list, .roles = EG_INS_READERS,
             .summary = "List payment orders"),
    EG_ROUTE("GET", "/api/v1/payment-orders/{id}", eg_ins_api_order_get, .roles = EG_INS_READERS,
             .summary = "One payment order"),
    EG_ROUTE("POST", "/api/v1/payments/callback", eg_ins_api_payment_callback,
             .flags = EG_ROUTE_PUBLIC | EG_ROUTE_RAW_BODY,
             .summary = "Payment channel confirmation (HMAC-SHA256 signed)"),
    EG_ROUTE("GET", "/api/v1/insurance/settlements", eg_ins_api_settlements,
             .roles = EG_INS_FINANCE_READERS,
             .summary = "Monthly subsidy settlement (JSON, CSV or Excel)"),
    EG_ROUTE("GET", "/api/v1/insurance/figures", eg_ins_api_figures, .roles = EG_INS_FIGURE_READERS,
             .summary = "Insurance figures"),
    EG_ROUTE("POST", "/api/v1/claims", eg_ins_api_claim_create, .roles = EG_INS_CLAIM_REPORTERS,
             .body_spec = eg_ins_claim_spec, .summary = "Report a claim"),
    EG_ROUTE("GET", "/api/v1/claims", eg_ins_api_claim_list, .roles = EG_INS_CLAIM_READERS,
             .summary = "List claims"),
    EG_ROUTE("GET", "/api/v1/claims/{id}", eg_ins_api_claim_get, .roles = EG_INS_CLAIM_READERS,
             .summary = "One claim with items, materials and timeline"),
    EG_ROUTE("PATCH", "/api/v1/claims/{id}", eg_ins_api_claim_patch, .roles = EG_INS_STAFF,
             .body_spec = eg_ins_claim_patch_spec, .summary = "Link a claim to a dispute case"),
    EG_ROUTE("POST", "/api/v1/claims/{id}/transitions", eg_ins_api_claim_transition,
             .roles = EG_INS_STAFF, .body_spec = eg_ins_transition_spec,
             .summary = "Move a claim to another state"),
    EG_ROUTE("POST", "/api/v1/claims/{id}/assessment", eg_ins_api_claim_assess,
             .roles = EG_INS_STAFF, .body_spec = eg_ins_assessment_spec,
             .summary = "Assess a claim's benefit items"),
    EG_ROUTE("POST", "/api/v1/claims/{id}/materials", eg_ins_api_material_upload,
             .roles = EG_INS_CLAIM_REPORTERS, .flags = EG_ROUTE_RAW_BODY,
             .body_limit = EG_INS_MATERIAL_MAX_BYTES, .summary = "Upload a claim material file"),
    EG_ROUTE("GET", "/api/v1/claims/{id}/materials/{material_id}", eg_ins_api_material_get,
             .roles = EG_INS_CLAIM_READERS, .summary = "Download a claim material file"),
    {0},
};
