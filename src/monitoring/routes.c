/*
 * routes.c — the monitoring module's route table (see src/app/routes.h) and
 * the declared fields of every request body. Documented in
 * docs/openapi.yaml under "monitoring".
 */
#include "monitoring/internal.h"

#include "core/principal.h"
#include "http/http.h"

#define SMALL_BODY 16384
#define DICT_BODY  (256 * 1024)
/* Feeds stream; only this caps the bytes one batch may carry. */
#define FEED_BODY ((size_t)2 * 1024 * 1024 * 1024)

#define VIEW  EG_MON_VIEW_ROLES
#define STAFF EG_ROLES_STAFF

static const char *const scopes[] = {"city", "platform", "sector", "district", NULL};
static const char *const modes[] = {"value", "pct_change", NULL};
static const char *const ops[] = {"gt", "ge", "lt", "le", NULL};
static const char *const levels[] = {"blue", "yellow", "orange", "red", NULL};
static const char *const principles[] = {"pay",        "conditions",     "contracts",
                                         "management", "representation", NULL};
static const char *const points[] = {"basic", "advanced", NULL};

static const struct eg_field platform_create_spec[] = {
    {"name", EG_FT_STRING, EG_F_REQUIRED, 200, 0, 0, NULL, NULL, NULL},
    {"credit_code", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
    {"sector", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
    {"code", EG_FT_STRING, EG_F_NULLABLE, 32, 0, 0, NULL, NULL, NULL},
    {"contact_name", EG_FT_STRING, EG_F_NULLABLE, 100, 0, 0, NULL, NULL, NULL},
    {"contact_phone", EG_FT_STRING, EG_F_NULLABLE, 32, 0, 0, NULL, NULL, NULL},
    {"contact_email", EG_FT_STRING, EG_F_NULLABLE, 128, 0, 0, NULL, NULL, NULL},
    {"address", EG_FT_STRING, EG_F_NULLABLE, 200, 0, 0, NULL, NULL, NULL},
    {"appeal_channel", EG_FT_STRING, EG_F_NULLABLE, 200, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field platform_patch_spec[] = {
    {"name", EG_FT_STRING, 0, 200, 0, 0, NULL, NULL, NULL},
    {"sector", EG_FT_STRING, 0, 32, 0, 0, NULL, NULL, NULL},
    {"code", EG_FT_STRING, 0, 32, 0, 0, NULL, NULL, NULL},
    {"contact_name", EG_FT_STRING, 0, 100, 0, 0, NULL, NULL, NULL},
    {"contact_phone", EG_FT_STRING, 0, 32, 0, 0, NULL, NULL, NULL},
    {"contact_email", EG_FT_STRING, 0, 128, 0, 0, NULL, NULL, NULL},
    {"address", EG_FT_STRING, 0, 200, 0, 0, NULL, NULL, NULL},
    {"appeal_channel", EG_FT_STRING, 0, 200, 0, 0, NULL, NULL, NULL},
    {"archived", EG_FT_BOOL, 0, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field department_key_spec[] = {
    {"department", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
    {"label", EG_FT_STRING, EG_F_NULLABLE, 100, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field alias_item[] = {
    {"alias", EG_FT_STRING, EG_F_REQUIRED, 64, 0, 0, NULL, NULL, NULL},
};

static const struct eg_field dict_item_fields[] = {
    {"code", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
    {"label", EG_FT_STRING, EG_F_REQUIRED, 100, 0, 0, NULL, NULL, NULL},
    {"label_en", EG_FT_STRING, EG_F_NULLABLE, 200, 0, 0, NULL, NULL, NULL},
    {"sort", EG_FT_INT, 0, 0, 0, 100000, NULL, NULL, NULL},
    {"active", EG_FT_BOOL, 0, 0, 0, 0, NULL, NULL, NULL},
    {"lat", EG_FT_ANY, 0, 0, 0, 0, NULL, NULL, NULL},
    {"lng", EG_FT_ANY, 0, 0, 0, 0, NULL, NULL, NULL},
    {"category", EG_FT_STRING, EG_F_NULLABLE, 32, 0, 0, NULL, NULL, NULL},
    {"gb_code", EG_FT_STRING, EG_F_NULLABLE, 32, 0, 0, NULL, NULL, NULL},
    {"aliases", EG_FT_ARRAY, 0, 64, 0, 0, NULL, NULL, alias_item},
    {0},
};

static const struct eg_field dict_item[] = {
    {"item", EG_FT_OBJECT, EG_F_REQUIRED, 0, 0, 0, NULL, dict_item_fields, NULL},
};

static const struct eg_field dict_put_spec[] = {
    {"items", EG_FT_ARRAY, EG_F_REQUIRED, 500, 0, 0, NULL, NULL, dict_item},
    {0},
};

static const struct eg_field certificate_spec[] = {
    {"kind", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
    {"name", EG_FT_STRING, EG_F_REQUIRED, 200, 0, 0, NULL, NULL, NULL},
    {"level", EG_FT_INT, EG_F_NULLABLE, 0, 1, 5, NULL, NULL, NULL},
    {"number", EG_FT_STRING, EG_F_NULLABLE, 64, 0, 0, NULL, NULL, NULL},
    {"issuer", EG_FT_STRING, EG_F_NULLABLE, 200, 0, 0, NULL, NULL, NULL},
    {"issued_on", EG_FT_DATE, EG_F_REQUIRED, 0, 0, 0, NULL, NULL, NULL},
    {"expires_on", EG_FT_DATE, EG_F_NULLABLE, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field training_spec[] = {
    {"kind", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
    {"title", EG_FT_STRING, EG_F_REQUIRED, 200, 0, 0, NULL, NULL, NULL},
    {"provider", EG_FT_STRING, EG_F_NULLABLE, 200, 0, 0, NULL, NULL, NULL},
    {"hours", EG_FT_INT, EG_F_REQUIRED, 0, 1, 2000, NULL, NULL, NULL},
    {"completed_on", EG_FT_DATE, EG_F_REQUIRED, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field rule_create_spec[] = {
    {"name", EG_FT_STRING, EG_F_REQUIRED, 128, 0, 0, NULL, NULL, NULL},
    {"indicator", EG_FT_STRING, EG_F_REQUIRED, 48, 0, 0, NULL, NULL, NULL},
    {"scope", EG_FT_ENUM, EG_F_REQUIRED, 0, 0, 0, scopes, NULL, NULL},
    {"scope_id", EG_FT_STRING, EG_F_NULLABLE, 32, 0, 0, NULL, NULL, NULL},
    {"mode", EG_FT_ENUM, 0, 0, 0, 0, modes, NULL, NULL},
    {"op", EG_FT_ENUM, EG_F_REQUIRED, 0, 0, 0, ops, NULL, NULL},
    {"threshold", EG_FT_ANY, EG_F_REQUIRED, 0, 0, 0, NULL, NULL, NULL},
    {"window_days", EG_FT_INT, 0, 0, 1, 90, NULL, NULL, NULL},
    {"pending_periods", EG_FT_INT, 0, 0, 1, 30, NULL, NULL, NULL},
    {"level", EG_FT_ENUM, EG_F_REQUIRED, 0, 0, 0, levels, NULL, NULL},
    {"department", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
    {"enabled", EG_FT_BOOL, 0, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field rule_patch_spec[] = {
    {"name", EG_FT_STRING, 0, 128, 0, 0, NULL, NULL, NULL},
    {"indicator", EG_FT_STRING, 0, 48, 0, 0, NULL, NULL, NULL},
    {"scope", EG_FT_ENUM, 0, 0, 0, 0, scopes, NULL, NULL},
    {"scope_id", EG_FT_STRING, 0, 32, 0, 0, NULL, NULL, NULL},
    {"mode", EG_FT_ENUM, 0, 0, 0, 0, modes, NULL, NULL},
    {"op", EG_FT_ENUM, 0, 0, 0, 0, ops, NULL, NULL},
    {"threshold", EG_FT_ANY, 0, 0, 0, 0, NULL, NULL, NULL},
    {"window_days", EG_FT_INT, 0, 0, 1, 90, NULL, NULL, NULL},
    {"pending_periods", EG_FT_INT, 0, 0, 1, 30, NULL, NULL, NULL},
    {"level", EG_FT_ENUM, 0, 0, 0, 0, levels, NULL, NULL},
    {"department", EG_FT_STRING, 0, 32, 0, 0, NULL, NULL, NULL},
    {"enabled", EG_FT_BOOL, 0, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field ack_spec[] = {
    {"comment", EG_FT_STRING, EG_F_REQUIRED, 500, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field silence_spec[] = {
    {"until", EG_FT_DATE, EG_F_NULLABLE, 0, 0, 0, NULL, NULL, NULL},
    {"comment", EG_FT_STRING, EG_F_NULLABLE, 500, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field evidence_spec[] = {
    {"principle", EG_FT_ENUM, EG_F_REQUIRED, 0, 0, 0, principles, NULL, NULL},
    {"point", EG_FT_ENUM, EG_F_REQUIRED, 0, 0, 0, points, NULL, NULL},
    {"met", EG_FT_BOOL, EG_F_REQUIRED, 0, 0, 0, NULL, NULL, NULL},
    {"note", EG_FT_STRING, EG_F_REQUIRED, 1000, 0, 0, NULL, NULL, NULL},
    {"source", EG_FT_STRING, EG_F_NULLABLE, 500, 0, 0, NULL, NULL, NULL},
    {"effective_on", EG_FT_DATE, EG_F_NULLABLE, 0, 0, 0, NULL, NULL, NULL},
    {"expires_on", EG_FT_DATE, EG_F_NULLABLE, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

#define FEED(path, roles, summary)                                                                 \
    {                                                                                              \
        "POST", path, NULL, roles, 0, FEED_BODY, NULL, &eg_mon_feed_stream, summary                \
    }

const struct eg_route eg_monitoring_routes[] = {
    /* platforms and keys */
    {"GET", "/api/v1/platforms", eg_mon_api_platforms_list, STAFF | EG_ROLE_PLATFORM, 0, 0, NULL,
     NULL, "List platforms (a platform sees itself)"},
    {"POST", "/api/v1/platforms", eg_mon_api_platforms_create, EG_ROLE_ADMIN, 0, SMALL_BODY,
     platform_create_spec, NULL, "Register a platform (credit code checked)"},
    {"GET", "/api/v1/platforms/{id}", eg_mon_api_platforms_get, STAFF | EG_ROLE_PLATFORM, 0, 0,
     NULL, NULL, "One platform with its keys"},
    {"PATCH", "/api/v1/platforms/{id}", eg_mon_api_platforms_patch, EG_ROLE_ADMIN, 0, SMALL_BODY,
     platform_patch_spec, NULL, "Change a platform's details or archive it"},
    {"POST", "/api/v1/platforms/{id}/keys", eg_mon_api_platform_keys_create, EG_ROLE_ADMIN, 0,
     SMALL_BODY, NULL, NULL, "Issue an API key for a platform (shown once)"},
    {"DELETE", "/api/v1/platforms/{id}/keys/{key_id}", eg_mon_api_platform_keys_revoke,
     EG_ROLE_ADMIN, 0, 0, NULL, NULL, "Revoke a platform's API key"},
    {"GET", "/api/v1/platforms/{id}/workers", eg_mon_api_platform_workers,
     EG_ROLE_ADMIN | EG_ROLE_SUPERVISOR | EG_ROLE_ANALYST | EG_ROLE_MEDIATOR | EG_ROLE_PLATFORM, 0,
     0, NULL, NULL, "A platform's roster (masked)"},
    {"GET", "/api/v1/department-keys", eg_mon_api_department_keys_list, EG_ROLE_ADMIN, 0, 0, NULL,
     NULL, "Departments' feed keys"},
    {"POST", "/api/v1/department-keys", eg_mon_api_department_keys_create, EG_ROLE_ADMIN, 0,
     SMALL_BODY, department_key_spec, NULL, "Issue a department's feed key (shown once)"},
    {"DELETE", "/api/v1/department-keys/{id}", eg_mon_api_department_keys_revoke, EG_ROLE_ADMIN, 0,
     0, NULL, NULL, "Revoke a department's feed key"},

    /* feeds */
    FEED("/api/v1/feeds/roster", EG_ROLE_PLATFORM, "Send roster entries (CSV or JSON batch)"),
    FEED("/api/v1/feeds/work-records", EG_ROLE_PLATFORM, "Send daily work records"),
    FEED("/api/v1/feeds/penalties", EG_ROLE_PLATFORM, "Send penalty events"),
    FEED("/api/v1/feeds/deactivations", EG_ROLE_PLATFORM, "Send account deactivations"),
    FEED("/api/v1/feeds/traffic-incidents", EG_ROLE_DEPARTMENT,
         "Send traffic incidents (traffic police, transport)"),
    FEED("/api/v1/feeds/social-insurance", EG_ROLE_DEPARTMENT,
         "Send social-insurance contribution records"),
    {"GET", "/api/v1/feeds/batches", eg_mon_api_batches_list,
     STAFF | EG_ROLE_PLATFORM | EG_ROLE_DEPARTMENT, 0, 0, NULL, NULL, "Stored feed batches"},
    {"GET", "/api/v1/feeds/batches/{id}", eg_mon_api_batches_get,
     STAFF | EG_ROLE_PLATFORM | EG_ROLE_DEPARTMENT, 0, 0, NULL, NULL, "One stored feed batch"},

    /* reference data */
    {"GET", "/api/v1/dictionary", eg_mon_api_dictionary_lists, EG_ROLES_ALL, 0, 0, NULL, NULL,
     "The code lists of the data dictionary"},
    {"GET", "/api/v1/dictionary/{list}", eg_mon_api_dictionary_get, EG_ROLES_ALL, 0, 0, NULL, NULL,
     "One code list"},
    {"PUT", "/api/v1/dictionary/{list}", eg_mon_api_dictionary_put, EG_ROLE_ADMIN, 0, DICT_BODY,
     dict_put_spec, NULL, "Add or change entries of a code list"},
    {"GET", "/api/v1/workers/{person_id}/certificates", eg_mon_api_certificates_list,
     STAFF | EG_ROLE_WORKER | EG_ROLE_PLATFORM, 0, 0, NULL, NULL, "A worker's certificates"},
    {"POST", "/api/v1/workers/{person_id}/certificates", eg_mon_api_certificates_create,
     EG_ROLE_ADMIN | EG_ROLE_MEDIATOR | EG_ROLE_PLATFORM, 0, SMALL_BODY, certificate_spec, NULL,
     "Record a skills or safety certificate"},
    {"GET", "/api/v1/workers/{person_id}/trainings", eg_mon_api_trainings_list,
     STAFF | EG_ROLE_WORKER | EG_ROLE_PLATFORM, 0, 0, NULL, NULL, "A worker's trainings"},
    {"POST", "/api/v1/workers/{person_id}/trainings", eg_mon_api_trainings_create,
     EG_ROLE_ADMIN | EG_ROLE_MEDIATOR | EG_ROLE_PLATFORM, 0, SMALL_BODY, training_spec, NULL,
     "Record a training"},

    /* indicators and dashboard */
    {"GET", "/api/v1/indicators", eg_mon_api_indicators, VIEW | EG_ROLE_MEDIATOR | EG_ROLE_PLATFORM,
     0, 0, NULL, NULL,
     "Indicator series per day or week for the city, a platform, sector or district"},
    {"POST", "/api/v1/indicators/refresh", eg_mon_api_indicators_refresh, EG_ROLE_ADMIN, 0,
     SMALL_BODY, NULL, NULL, "Rebuild the indicators of a date range from stored records"},
    {"GET", "/api/v1/dashboard/overview", eg_mon_api_dashboard_overview, VIEW, 0, 0, NULL, NULL,
     "The city at a glance: the day and the week vs the week before, alerts, backlogs"},
    {"GET", "/api/v1/dashboard/trends", eg_mon_api_dashboard_trends, VIEW, 0, 0, NULL, NULL,
     "One indicator per day, with its 7-day window"},
    {"GET", "/api/v1/dashboard/breakdown", eg_mon_api_dashboard_breakdown, VIEW, 0, 0, NULL, NULL,
     "One indicator by platform, sector or district"},
    {"GET", "/api/v1/monitoring/uncovered-injuries", eg_mon_api_uncovered_injuries, VIEW, 0, 0,
     NULL, NULL, "Traffic injuries of workers with no cover in force and no claim (findings)"},

    /* early warning */
    {"GET", "/api/v1/alert-rules", eg_mon_api_rules_list, VIEW, 0, 0, NULL, NULL,
     "Early-warning rules"},
    {"POST", "/api/v1/alert-rules", eg_mon_api_rules_create, EG_ROLE_ADMIN, 0, SMALL_BODY,
     rule_create_spec, NULL, "Add an early-warning rule"},
    {"GET", "/api/v1/alert-rules/{id}", eg_mon_api_rules_get, VIEW, 0, 0, NULL, NULL, "One rule"},
    {"PATCH", "/api/v1/alert-rules/{id}", eg_mon_api_rules_patch, EG_ROLE_ADMIN, 0, SMALL_BODY,
     rule_patch_spec, NULL, "Change a rule"},
    {"DELETE", "/api/v1/alert-rules/{id}", eg_mon_api_rules_delete, EG_ROLE_ADMIN, 0, 0, NULL, NULL,
     "Delete a rule (its alerts resolve)"},
    {"GET", "/api/v1/alerts", eg_mon_api_alerts_list, VIEW | EG_ROLE_MEDIATOR, 0, 0, NULL, NULL,
     "Alerts (filters state, level, department, platform, rule)"},
    {"POST", "/api/v1/alerts/evaluate", eg_mon_api_alerts_evaluate, EG_ROLE_ADMIN | EG_ROLE_ANALYST,
     0, SMALL_BODY, NULL, NULL, "Evaluate every rule for a date now"},
    {"GET", "/api/v1/alerts/{id}", eg_mon_api_alerts_get, VIEW | EG_ROLE_MEDIATOR, 0, 0, NULL, NULL,
     "One alert with its history"},
    {"POST", "/api/v1/alerts/{id}/ack", eg_mon_api_alerts_ack,
     EG_ROLE_ADMIN | EG_ROLE_ANALYST | EG_ROLE_MEDIATOR, 0, SMALL_BODY, ack_spec, NULL,
     "Acknowledge an alert with a comment"},
    {"POST", "/api/v1/alerts/{id}/silence", eg_mon_api_alerts_silence,
     EG_ROLE_ADMIN | EG_ROLE_ANALYST | EG_ROLE_MEDIATOR, 0, SMALL_BODY, silence_spec, NULL,
     "Silence an alert until a date (null lifts it)"},

    /* scorecards */
    {"POST", "/api/v1/platforms/{id}/scorecard/evidence", eg_mon_api_evidence_create,
     EG_ROLE_ANALYST | EG_ROLE_ADMIN, 0, SMALL_BODY, evidence_spec, NULL,
     "Record evidence for a scorecard point"},
    {"GET", "/api/v1/platforms/{id}/scorecard/evidence", eg_mon_api_evidence_list,
     STAFF | EG_ROLE_PLATFORM, 0, 0, NULL, NULL, "A platform's scorecard evidence"},
    {"GET", "/api/v1/platforms/{id}/scorecards", eg_mon_api_scorecards_list,
     STAFF | EG_ROLE_PLATFORM, 0, 0, NULL, NULL, "A platform's scorecards, newest first"},
    {"POST", "/api/v1/platforms/{id}/scorecards", eg_mon_api_scorecards_compute,
     EG_ROLE_ANALYST | EG_ROLE_ADMIN, 0, SMALL_BODY, NULL, NULL,
     "Compute a platform's scorecard for a period"},
    {0},
};
