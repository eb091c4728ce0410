/*
 * routes.c — the cases module's route table (see src/app/routes.h).
 *
 * Roles here are the gate (403); each handler then checks the row
 * (auth/authz.h: 404 outside the caller's scope). Every route is also
 * described in docs/openapi.yaml under "# --- cases".
 */
#include "cases/api.h"
#include "core/principal.h"
#include "http/http.h"

#define KIB ((size_t)1024)

/* Who may take part in a case besides reading it. */
#define PARTIES (EG_ROLE_WORKER | EG_ROLE_PLATFORM | EG_ROLE_MEDIATOR | EG_ROLE_ADMIN)

const struct eg_route eg_cases_routes[] = {
    /* cases */
    {"POST", "/api/v1/cases", eg_cases_api_create,
     EG_ROLE_WORKER | EG_ROLE_MEDIATOR | EG_ROLE_ADMIN, 0, 128 * KIB, eg_cases_spec_create, NULL,
     "take in a complaint (online, qr, window, hotline, referral)"},
    {"GET", "/api/v1/cases", eg_cases_api_list, EG_CASES_READERS, 0, 0, NULL, NULL,
     "list cases in scope (filters, cursor)"},
    {"GET", "/api/v1/cases/stats", eg_cases_api_stats, EG_CASES_STAFF, 0, 0, NULL, NULL,
     "case counts by state and department, overdue"},
    {"GET", "/api/v1/cases/export.xlsx", eg_cases_api_export, EG_CASES_STAFF, 0, 0, NULL, NULL,
     "export cases in scope to Excel"},
    {"GET", "/api/v1/cases/{id}", eg_cases_api_get, EG_CASES_READERS, 0, 0, NULL, NULL, "one case"},
    {"GET", "/api/v1/cases/{id}/events", eg_cases_api_events, EG_CASES_READERS, 0, 0, NULL, NULL,
     "a case's timeline"},
    {"POST", "/api/v1/cases/{id}/transitions", eg_cases_api_transition,
     EG_ROLE_WORKER | EG_ROLE_MEDIATOR | EG_ROLE_ADMIN, 0, 8 * KIB, eg_cases_spec_transition, NULL,
     "change a case's state"},
    {"POST", "/api/v1/cases/{id}/extension", eg_cases_api_extension, EG_CASES_HANDLERS, 0, 8 * KIB,
     eg_cases_spec_extension, NULL, "extend the mediation period once"},
    {"POST", "/api/v1/cases/{id}/assignment", eg_cases_api_assign, EG_CASES_HANDLERS, 0, 8 * KIB,
     eg_cases_spec_assign, NULL, "reassign a case to another department"},
    {"POST", "/api/v1/cases/{id}/co-departments", eg_cases_api_co_add, EG_CASES_HANDLERS, 0,
     8 * KIB, eg_cases_spec_co_add, NULL, "add a co-handling department"},
    {"DELETE", "/api/v1/cases/{id}/co-departments/{code}", eg_cases_api_co_remove,
     EG_CASES_HANDLERS, 0, 0, NULL, NULL, "remove a co-handling department"},
    {"POST", "/api/v1/cases/{id}/evidence", eg_cases_api_evidence_upload, PARTIES,
     EG_ROUTE_RAW_BODY, EG_CASES_EVIDENCE_FILE_MAX, NULL, NULL,
     "upload an evidence file (JPEG, PNG, WebP, PDF) as the body"},
    {"GET", "/api/v1/cases/{id}/evidence", eg_cases_api_evidence_list, EG_CASES_READERS, 0, 0, NULL,
     NULL, "list a case's evidence"},
    {"GET", "/api/v1/cases/{id}/evidence/{eid}", eg_cases_api_evidence_get, EG_CASES_READERS, 0, 0,
     NULL, NULL, "download an evidence file"},
    {"GET", "/api/v1/cases/{id}/sessions", eg_cases_api_sessions_list, EG_CASES_READERS, 0, 0, NULL,
     NULL, "list mediation sessions"},
    {"POST", "/api/v1/cases/{id}/sessions", eg_cases_api_sessions_create, EG_CASES_HANDLERS, 0,
     64 * KIB, eg_cases_spec_session, NULL, "record a mediation session"},
    {"PATCH", "/api/v1/cases/{id}/sessions/{sid}", eg_cases_api_sessions_update, EG_CASES_HANDLERS,
     0, 64 * KIB, eg_cases_spec_session_update, NULL, "update a session's minutes or participants"},
    {"GET", "/api/v1/cases/{id}/responses", eg_cases_api_responses_list, EG_CASES_READERS, 0, 0,
     NULL, NULL, "list the respondent's answers"},
    {"POST", "/api/v1/cases/{id}/responses", eg_cases_api_responses_create,
     EG_ROLE_PLATFORM | EG_ROLE_MEDIATOR | EG_ROLE_ADMIN, 0, 64 * KIB, eg_cases_spec_response, NULL,
     "answer a case as the respondent"},
    {"POST", "/api/v1/cases/{id}/agreement", eg_cases_api_agreement_put, EG_CASES_HANDLERS, 0,
     32 * KIB, eg_cases_spec_agreement, NULL, "draw up (or replace) the mediation agreement"},
    {"GET", "/api/v1/cases/{id}/agreement", eg_cases_api_agreement_get, EG_CASES_READERS, 0, 0,
     NULL, NULL, "the mediation agreement"},
    {"POST", "/api/v1/cases/{id}/agreement/confirm", eg_cases_api_agreement_confirm, PARTIES, 0,
     KIB, eg_cases_spec_confirm, NULL, "confirm the agreement as a party"},
    {"GET", "/api/v1/cases/{id}/agreement.pdf", eg_cases_api_agreement_pdf, EG_CASES_READERS, 0, 0,
     NULL, NULL, "the agreement as a PDF document"},
    {"GET", "/api/v1/cases/{id}/payments", eg_cases_api_payments_list, EG_CASES_READERS, 0, 0, NULL,
     NULL, "list payments under the agreement"},
    {"POST", "/api/v1/cases/{id}/payments", eg_cases_api_payments_create,
     EG_ROLE_WORKER | EG_ROLE_PLATFORM | EG_ROLE_MEDIATOR | EG_ROLE_ADMIN, 0, 8 * KIB,
     eg_cases_spec_payment, NULL, "record a payment"},
    {"POST", "/api/v1/cases/{id}/payments/{payment_id}/confirm", eg_cases_api_payment_confirm,
     EG_ROLE_WORKER | EG_ROLE_MEDIATOR | EG_ROLE_ADMIN, 0, 8 * KIB, eg_cases_spec_payment_confirm,
     NULL, "confirm a recorded payment"},
    {"POST", "/api/v1/cases/{id}/payments/{payment_id}/dispute", eg_cases_api_payment_dispute,
     EG_ROLE_WORKER | EG_ROLE_MEDIATOR | EG_ROLE_ADMIN, 0, 8 * KIB, eg_cases_spec_payment_dispute,
     NULL, "dispute a recorded payment"},
    {"POST", "/api/v1/cases/{id}/rating", eg_cases_api_rating_create, EG_ROLE_WORKER, 0, 8 * KIB,
     eg_cases_spec_rating, NULL, "rate a finished case (once)"},
    {"GET", "/api/v1/cases/{id}/rating", eg_cases_api_rating_get, EG_CASES_READERS, 0, 0, NULL,
     NULL, "a case's rating"},
    {"GET", "/api/v1/ratings/departments", eg_cases_api_ratings_departments,
     EG_CASES_STAFF | EG_ROLE_ANALYST, 0, 0, NULL, NULL, "ratings rolled up per department"},
    {"GET", "/api/v1/case-routing-rules", eg_cases_api_routing_get, EG_CASES_STAFF, 0, 0, NULL,
     NULL, "the case routing rules"},
    {"PUT", "/api/v1/case-routing-rules", eg_cases_api_routing_put, EG_ROLE_ADMIN, 0, 64 * KIB,
     eg_cases_spec_routing, NULL, "replace the case routing rules"},
    {"GET", "/api/v1/calendar", eg_cases_api_calendar_get, EG_CASES_STAFF, 0, 0, NULL, NULL,
     "a year's public holidays and make-up working days"},
    {"PUT", "/api/v1/calendar", eg_cases_api_calendar_put, EG_ROLE_ADMIN, 0, 32 * KIB,
     eg_cases_spec_calendar, NULL, "replace a year's holidays and make-up working days"},

    /* public */
    {"GET", "/api/v1/public/figures", eg_cases_api_figures, 0, EG_ROUTE_PUBLIC, 0, NULL, NULL,
     "public figures: cases handled, resolved, money recovered"},
    {"GET", "/api/v1/qr/intake.svg", eg_cases_api_qr_intake_svg, 0, EG_ROUTE_PUBLIC, 0, NULL, NULL,
     "QR code of the online complaint form (SVG)"},
    {"GET", "/api/v1/qr/intake.png", eg_cases_api_qr_intake_png, 0, EG_ROUTE_PUBLIC, 0, NULL, NULL,
     "QR code of the online complaint form (PNG)"},
    {"GET", "/api/v1/qr/service-points/{file}", eg_cases_api_qr_place, 0, EG_ROUTE_PUBLIC, 0, NULL,
     NULL, "QR code of the complaint form for a service point ({id}.svg or {id}.png)"},

    /* consultations */
    {"POST", "/api/v1/consultations", eg_cases_api_consult_create,
     EG_ROLE_WORKER | EG_ROLE_PLATFORM, 0, 16 * KIB, eg_cases_spec_consult, NULL,
     "request a consultation or service"},
    {"GET", "/api/v1/consultations", eg_cases_api_consult_list, EG_CASES_READERS, 0, 0, NULL, NULL,
     "list consultations in scope"},
    {"GET", "/api/v1/consultations/{id}", eg_cases_api_consult_get, EG_CASES_READERS, 0, 0, NULL,
     NULL, "one consultation"},
    {"POST", "/api/v1/consultations/{id}/transitions", eg_cases_api_consult_transition,
     EG_CASES_HANDLERS, 0, 16 * KIB, eg_cases_spec_consult_transition, NULL,
     "assign or complete a consultation"},
    {"POST", "/api/v1/consultations/{id}/rating", eg_cases_api_consult_rate,
     EG_ROLE_WORKER | EG_ROLE_PLATFORM, 0, 8 * KIB, eg_cases_spec_consult_rate, NULL,
     "rate a completed consultation (once)"},
    {0},
};
