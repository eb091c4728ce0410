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
    {"GET", "/api/v1/insurance/products", eg_ins_api_products_list, ANY, 0, 0, NULL, NULL,
     "List insurance products and the version in force today"},
    {"GET", "/api/v1/insurance/products/{code}/versions", eg_ins_api_versions_list, ANY, 0, 0, NULL,
     NULL, "List a product's versions"},
    {"POST", "/api/v1/insurance/products/{code}/versions", eg_ins_api_versions_create,
     EG_ROLE_ADMIN, 0, 0, eg_ins_version_spec, NULL,
     "Add a product version effective from a future date"},
    {"POST", "/api/v1/cover-days", eg_ins_api_enroll, EG_INS_ENROLLERS, 0, EG_INS_ENROLL_BODY_LIMIT,
     eg_ins_enroll_spec, NULL, "Enroll people for dates (cover-days)"},
    {"GET", "/api/v1/cover-days", eg_ins_api_cover_list, EG_INS_READERS, 0, 0, NULL, NULL,
     "List cover-days"},
    {"GET", "/api/v1/cover-days/auto-renew", eg_ins_api_auto_renew_get, EG_ROLE_WORKER, 0, 0, NULL,
     NULL, "A worker's daily auto-renewal"},
    {"PUT", "/api/v1/cover-days/auto-renew", eg_ins_api_auto_renew_put, EG_ROLE_WORKER, 0, 0,
     eg_ins_auto_renew_spec, NULL, "Turn daily auto-renewal on or off"},
    {"GET", "/api/v1/cover-days/{id}", eg_ins_api_cover_get, EG_INS_READERS, 0, 0, NULL, NULL,
     "One cover-day"},
    {"POST", "/api/v1/cover-days/{id}/cancel", eg_ins_api_cover_cancel, EG_INS_ENROLLERS, 0, 0,
     NULL, NULL, "Cancel a cover-day before its day starts"},
    {"GET", "/api/v1/payment-orders", eg_ins_api_orders_list, EG_INS_READERS, 0, 0, NULL, NULL,
     "List payment orders"},
    {"GET", "/api/v1/payment-orders/{id}", eg_ins_api_order_get, EG_INS_READERS, 0, 0, NULL, NULL,
     "One payment order"},
    {"POST", "/api/v1/payments/callback", eg_ins_api_payment_callback, 0,
     EG_ROUTE_PUBLIC | EG_ROUTE_RAW_BODY, 0, NULL, NULL,
     "Payment channel confirmation (HMAC-SHA256 signed)"},
    {"GET", "/api/v1/insurance/settlements", eg_ins_api_settlements, EG_INS_FINANCE_READERS, 0, 0,
     NULL, NULL, "Monthly subsidy settlement (JSON, CSV or Excel)"},
    {"GET", "/api/v1/insurance/figures", eg_ins_api_figures, EG_INS_FIGURE_READERS, 0, 0, NULL,
     NULL, "Insurance figures"},
    {"POST", "/api/v1/claims", eg_ins_api_claim_create, EG_INS_CLAIM_REPORTERS, 0, 0,
     eg_ins_claim_spec, NULL, "Report a claim"},
    {"GET", "/api/v1/claims", eg_ins_api_claim_list, EG_INS_CLAIM_READERS, 0, 0, NULL, NULL,
     "List claims"},
    {"GET", "/api/v1/claims/{id}", eg_ins_api_claim_get, EG_INS_CLAIM_READERS, 0, 0, NULL, NULL,
     "One claim with items, materials and timeline"},
    {"PATCH", "/api/v1/claims/{id}", eg_ins_api_claim_patch, EG_INS_STAFF, 0, 0,
     eg_ins_claim_patch_spec, NULL, "Link a claim to a dispute case"},
    {"POST", "/api/v1/claims/{id}/transitions", eg_ins_api_claim_transition, EG_INS_STAFF, 0, 0,
     eg_ins_transition_spec, NULL, "Move a claim to another state"},
    {"POST", "/api/v1/claims/{id}/assessment", eg_ins_api_claim_assess, EG_INS_STAFF, 0, 0,
     eg_ins_assessment_spec, NULL, "Assess a claim's benefit items"},
    {"POST", "/api/v1/claims/{id}/materials", eg_ins_api_material_upload, EG_INS_CLAIM_REPORTERS,
     EG_ROUTE_RAW_BODY, EG_INS_MATERIAL_MAX_BYTES, NULL, NULL, "Upload a claim material file"},
    {"GET", "/api/v1/claims/{id}/materials/{material_id}", eg_ins_api_material_get,
     EG_INS_CLAIM_READERS, 0, 0, NULL, NULL, "Download a claim material file"},
    {0},
};
