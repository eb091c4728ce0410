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
    EG_FIELD("name", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 200),
    EG_FIELD("credit_code", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("sector", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("code", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 32),
    EG_FIELD("contact_name", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 100),
    EG_FIELD("contact_phone", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 32),
    EG_FIELD("contact_email", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 128),
    EG_FIELD("address", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 200),
    EG_FIELD("appeal_channel", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 200),
    {0},
};

static const struct eg_field platform_patch_spec[] = {
    EG_FIELD("name", EG_FT_STRING, .max_len = 200),
    EG_FIELD("sector", EG_FT_STRING, .max_len = 32),
    EG_FIELD("code", EG_FT_STRING, .max_len = 32),
    EG_FIELD("contact_name", EG_FT_STRING, .max_len = 100),
    EG_FIELD("contact_phone", EG_FT_STRING, .max_len = 32),
    EG_FIELD("contact_email", EG_FT_STRING, .max_len = 128),
    EG_FIELD("address", EG_FT_STRING, .max_len = 200),
    EG_FIELD("appeal_channel", EG_FT_STRING, .max_len = 200),
    EG_FIELD("archived", EG_FT_BOOL),
    {0},
};

static const struct eg_field department_key_spec[] = {
    EG_FIELD("department", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("label", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 100),
    {0},
};

static const struct eg_field alias_item[] = {
    EG_FIELD("alias", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 64),
};

static const struct eg_field dict_item_fields[] = {
    EG_FIELD("code", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("label", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 100),
    EG_FIELD("label_en", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 200),
    EG_FIELD("sort", EG_FT_INT, .max = 100000),
    EG_FIELD("active", EG_FT_BOOL),
    EG_FIELD("lat", EG_FT_ANY),
    EG_FIELD("lng", EG_FT_ANY),
    EG_FIELD("category", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 32),
    EG_FIELD("gb_code", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 32),
    EG_FIELD("aliases", EG_FT_ARRAY, .max_len = 64, .item = alias_item),
    {0},
};

static const struct eg_field dict_item[] = {
    EG_FIELD("item", EG_FT_OBJECT, .flags = EG_F_REQUIRED, .sub = dict_item_fields),
};

static const struct eg_field dict_put_spec[] = {
    EG_FIELD("items", EG_FT_ARRAY, .flags = EG_F_REQUIRED, .max_len = 500, .item = dict_item),
    {0},
};

static const struct eg_field certificate_spec[] = {
    EG_FIELD("kind", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("name", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 200),
    EG_FIELD("level", EG_FT_INT, .flags = EG_F_NULLABLE, .min = 1, .max = 5),
    EG_FIELD("number", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 64),
    EG_FIELD("issuer", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 200),
    EG_FIELD("issued_on", EG_FT_DATE, .flags = EG_F_REQUIRED),
    EG_FIELD("expires_on", EG_FT_DATE, .flags = EG_F_NULLABLE),
    {0},
};

static const struct eg_field training_spec[] = {
    EG_FIELD("kind", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("title", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 200),
    EG_FIELD("provider", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 200),
    EG_FIELD("hours", EG_FT_INT, .flags = EG_F_REQUIRED, .min = 1, .max = 2000),
    EG_FIELD("completed_on", EG_FT_DATE, .flags = EG_F_REQUIRED),
    {0},
};

static const struct eg_field rule_create_spec[] = {
    EG_FIELD("name", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 128),
    EG_FIELD("indicator", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 48),
    EG_FIELD("scope", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = scopes),
    EG_FIELD("scope_id", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 32),
    EG_FIELD("mode", EG_FT_ENUM, .enum_values = modes),
    EG_FIELD("op", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = ops),
    EG_FIELD("threshold", EG_FT_ANY, .flags = EG_F_REQUIRED),
    EG_FIELD("window_days", EG_FT_INT, .min = 1, .max = 90),
    EG_FIELD("pending_periods", EG_FT_INT, .min = 1, .max = 30),
    EG_FIELD("level", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = levels),
    EG_FIELD("department", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 32),
    EG_FIELD("enabled", EG_FT_BOOL),
    {0},
};

static const struct eg_field rule_patch_spec[] = {
    EG_FIELD("name", EG_FT_STRING, .max_len = 128),
    EG_FIELD("indicator", EG_FT_STRING, .max_len = 48),
    EG_FIELD("scope", EG_FT_ENUM, .enum_values = scopes),
    EG_FIELD("scope_id", EG_FT_STRING, .max_len = 32),
    EG_FIELD("mode", EG_FT_ENUM, .enum_values = modes),
    EG_FIELD("op", EG_FT_ENUM, .enum_values = ops),
    EG_FIELD("threshold", EG_FT_ANY),
    EG_FIELD("window_days", EG_FT_INT, .min = 1, .max = 90),
    EG_FIELD("pending_periods", EG_FT_INT, .min = 1, .max = 30),
    EG_FIELD("level", EG_FT_ENUM, .enum_values = levels),
    EG_FIELD("department", EG_FT_STRING, .max_len = 32),
    EG_FIELD("enabled", EG_FT_BOOL),
    {0},
};

static const struct eg_field ack_spec[] = {
    EG_FIELD("comment", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 500),
    {0},
};

static const struct eg_field silence_spec[] = {
    EG_FIELD("until", EG_FT_DATE, .flags = EG_F_NULLABLE),
    EG_FIELD("comment", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 500),
    {0},
};

static const struct eg_field evidence_spec[] = {
    EG_FIELD("principle", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = principles),
    EG_FIELD("point", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = points),
    EG_FIELD("met", EG_FT_BOOL, .flags = EG_F_REQUIRED),
    EG_FIELD("note", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 1000),
    EG_FIELD("source", EG_FT_STRING, .flags = EG_F_NULLABLE, .max_len = 500),
    EG_FIELD("effective_on", EG_FT_DATE, .flags = EG_F_NULLABLE),
    EG_FIELD("expires_on", EG_FT_DATE, .flags = EG_F_NULLABLE),
    {0},
};

#define FEED(path, roles, summary)                                                                 \
    {                                                                                              \
        "POST", path, NULL, roles, 0, FEED_BODY, NULL, &eg_mon_feed_stream, summary                \
    }

const struct eg_route eg_monitoring_routes[] = {
    /* platforms and keys */
    EG_ROUTE("GET", "/api/v1/platforms", eg_mon_api_platforms_list,
             .roles = STAFF | EG_ROLE_PLATFORM,
             .summary = "List platforms (a platform sees itself)"),
    EG_ROUTE("POST", "/api/v1/platforms", eg_mon_api_platforms_create, .roles = EG_ROLE_ADMIN,
             .body_limit = SMALL_BODY, .body_spec = platform_create_spec,
             .summary = "Register a platform (credit code checked)"),
    EG_ROUTE("GET", "/api/v1/platforms/{id}", eg_mon_api_platforms_get,
             .roles = STAFF | EG_ROLE_PLATFORM, .summary = "One platform with its keys"),
    EG_ROUTE("PATCH", "/api/v1/platforms/{id}", eg_mon_api_platforms_patch, .roles = EG_ROLE_ADMIN,
             .body_limit = SMALL_BODY, .body_spec = platform_patch_spec,
             .summary = "Change a platform's details or archive it"),
    EG_ROUTE("POST", "/api/v1/platforms/{id}/keys", eg_mon_api_platform_keys_create,
             .roles = EG_ROLE_ADMIN, .body_limit = SMALL_BODY,
             .summary = "Issue an API key for a platform (shown once)"),
    EG_ROUTE("DELETE", "/api/v1/platforms/{id}/keys/{key_id}", eg_mon_api_platform_keys_revoke,
             .roles = EG_ROLE_ADMIN, .summary = "Revoke a platform's API key"),
    EG_ROUTE("GET", "/api/v1/platforms/{id}/workers", eg_mon_api_platform_workers,
             .roles = EG_ROLE_ADMIN | EG_ROLE_SUPERVISOR | EG_ROLE_ANALYST | EG_ROLE_MEDIATOR |
                      EG_ROLE_PLATFORM,
             .summary = "A platform's roster (masked)"),
    EG_ROUTE("GET", "/api/v1/department-keys", eg_mon_api_department_keys_list,
             .roles = EG_ROLE_ADMIN, .summary = "Departments' feed keys"),
    EG_ROUTE("POST", "/api/v1/department-keys", eg_mon_api_department_keys_create,
             .roles = EG_ROLE_ADMIN, .body_limit = SMALL_BODY, .body_spec = department_key_spec,
             .summary = "Issue a department's feed key (shown once)"),
    EG_ROUTE("DELETE", "/api/v1/department-keys/{id}", eg_mon_api_department_keys_revoke,
             .roles = EG_ROLE_ADMIN, .summary = "Revoke a department's feed key"),

    /* feeds */
    FEED("/api/v1/feeds/roster", EG_ROLE_PLATFORM, "Send roster entries (CSV or JSON batch)"),
    FEED("/api/v1/feeds/work-records", EG_ROLE_PLATFORM, "Send daily work records"),
    FEED("/api/v1/feeds/penalties", EG_ROLE_PLATFORM, "Send penalty events"),
    FEED("/api/v1/feeds/deactivations", EG_ROLE_PLATFORM, "Send account deactivations"),
    FEED("/api/v1/feeds/traffic-incidents", EG_ROLE_DEPARTMENT,
         "Send traffic incidents (traffic police, transport)"),
    FEED("/api/v1/feeds/social-insurance", EG_ROLE_DEPARTMENT,
         "Send social-insurance contribution records"),
    EG_ROUTE("GET", "/api/v1/feeds/batches", eg_mon_api_batches_list,
             .roles = STAFF | EG_ROLE_PLATFORM | EG_ROLE_DEPARTMENT,
             .summary = "Stored feed batches"),
    EG_ROUTE("GET", "/api/v1/feeds/batches/{id}", eg_mon_api_batches_get,
             .roles = STAFF | EG_ROLE_PLATFORM | EG_ROLE_DEPARTMENT,
             .summary = "One stored feed batch"),

    /* reference data */
    EG_ROUTE("GET", "/api/v1/dictionary", eg_mon_api_dictionary_lists, .roles = EG_ROLES_ALL,
             .summary = "The code lists of the data dictionary"),
    EG_ROUTE("GET", "/api/v1/dictionary/{list}", eg_mon_api_dictionary_get, .roles = EG_ROLES_ALL,
             .summary = "One code list"),
    EG_ROUTE("PUT", "/api/v1/dictionary/{list}", eg_mon_api_dictionary_put, .roles = EG_ROLE_ADMIN,
             .body_limit = DICT_BODY, .body_spec = dict_put_spec,
             .summary = "Add or change entries of a code list"),
    EG_ROUTE("GET", "/api/v1/workers/{person_id}/certificates", eg_mon_api_certificates_list,
             .roles = STAFF | EG_ROLE_WORKER | EG_ROLE_PLATFORM,
             .summary = "A worker's certificates"),
    EG_ROUTE("POST", "/api/v1/workers/{person_id}/certificates", eg_mon_api_certificates_create,
             .roles = EG_ROLE_ADMIN | EG_ROLE_MEDIATOR | EG_ROLE_PLATFORM, .body_limit = SMALL_BODY,
             .body_spec = certificate_spec, .summary = "Record a skills or safety certificate"),
    EG_ROUTE("GET", "/api/v1/workers/{person_id}/trainings", eg_mon_api_trainings_list,
             .roles = STAFF | EG_ROLE_WORKER | EG_ROLE_PLATFORM, .summary = "A worker's trainings"),
    EG_ROUTE("POST", "/api/v1/workers/{person_id}/trainings", eg_mon_api_trainings_create,
             .roles = EG_ROLE_ADMIN | EG_ROLE_MEDIATOR | EG_ROLE_PLATFORM, .body_limit = SMALL_BODY,
             .body_spec = training_spec, .summary = "Record a training"),

    /* indicators and dashboard */
    EG_ROUTE("GET", "/api/v1/indicators", eg_mon_api_indicators,
             .roles = VIEW | EG_ROLE_MEDIATOR | EG_ROLE_PLATFORM,
             .summary =
                 "Indicator series per day or week for the city, a platform, sector or district"),
    EG_ROUTE("POST", "/api/v1/indicators/refresh", eg_mon_api_indicators_refresh,
             .roles = EG_ROLE_ADMIN, .body_limit = SMALL_BODY,
             .summary = "Rebuild the indicators of a date range from stored records"),
    EG_ROUTE("GET", "/api/v1/dashboard/overview", eg_mon_api_dashboard_overview, .roles = VIEW,
             .summary =
                 "The city at a glance: the day and the week vs the week before, alerts, backlogs"),
    EG_ROUTE("GET", "/api/v1/dashboard/trends", eg_mon_api_dashboard_trends, .roles = VIEW,
             .summary = "One indicator per day, with its 7-day window"),
    EG_ROUTE("GET", "/api/v1/dashboard/breakdown", eg_mon_api_dashboard_breakdown, .roles = VIEW,
             .summary = "One indicator by platform, sector or district"),
    EG_ROUTE("GET", "/api/v1/monitoring/uncovered-injuries", eg_mon_api_uncovered_injuries,
             .roles = VIEW,
             .summary =
                 "Traffic injuries of workers with no cover in force and no claim (findings)"),

    /* early warning */
    EG_ROUTE("GET", "/api/v1/alert-rules", eg_mon_api_rules_list, .roles = VIEW,
             .summary = "Early-warning rules"),
    EG_ROUTE("POST", "/api/v1/alert-rules", eg_mon_api_rules_create, .roles = EG_ROLE_ADMIN,
             .body_limit = SMALL_BODY, .body_spec = rule_create_spec,
             .summary = "Add an early-warning rule"),
    EG_ROUTE("GET", "/api/v1/alert-rules/{id}", eg_mon_api_rules_get, .roles = VIEW,
             .summary = "One rule"),
    EG_ROUTE("PATCH", "/api/v1/alert-rules/{id}", eg_mon_api_rules_patch, .roles = EG_ROLE_ADMIN,
             .body_limit = SMALL_BODY, .body_spec = rule_patch_spec, .summary = "Change a rule"),
    EG_ROUTE("DELETE", "/api/v1/alert-rules/{id}", eg_mon_api_rules_delete, .roles = EG_ROLE_ADMIN,
             .summary = "Delete a rule (its alerts resolve)"),
    EG_ROUTE("GET", "/api/v1/alerts", eg_mon_api_alerts_list, .roles = VIEW | EG_ROLE_MEDIATOR,
             .summary = "Alerts (filters state, level, department, platform, rule)"),
    EG_ROUTE("POST", "/api/v1/alerts/evaluate", eg_mon_api_alerts_evaluate,
             .roles = EG_ROLE_ADMIN | EG_ROLE_ANALYST, .body_limit = SMALL_BODY,
             .summary = "Evaluate every rule for a date now"),
    EG_ROUTE("GET", "/api/v1/alerts/{id}", eg_mon_api_alerts_get, .roles = VIEW | EG_ROLE_MEDIATOR,
             .summary = "One alert with its history"),
    EG_ROUTE("POST", "/api/v1/alerts/{id}/ack", eg_mon_api_alerts_ack,
             .roles = EG_ROLE_ADMIN | EG_ROLE_ANALYST | EG_ROLE_MEDIATOR, .body_limit = SMALL_BODY,
             .body_spec = ack_spec, .summary = "Acknowledge an alert with a comment"),
    EG_ROUTE("POST", "/api/v1/alerts/{id}/silence", eg_mon_api_alerts_silence,
             .roles = EG_ROLE_ADMIN | EG_ROLE_ANALYST | EG_ROLE_MEDIATOR, .body_limit = SMALL_BODY,
             .body_spec = silence_spec, .summary = "Silence an alert until a date (null lifts it)"),

    /* scorecards */
    EG_ROUTE("POST", "/api/v1/platforms/{id}/scorecard/evidence", eg_mon_api_evidence_create,
             .roles = EG_ROLE_ANALYST | EG_ROLE_ADMIN, .body_limit = SMALL_BODY,
             .body_spec = evidence_spec, .summary = "Record evidence for a scorecard point"),
    EG_ROUTE("GET", "/api/v1/platforms/{id}/scorecard/evidence", eg_mon_api_evidence_list,
             .roles = STAFF | EG_ROLE_PLATFORM, .summary = "A platform's scorecard evidence"),
    EG_ROUTE("GET", "/api/v1/platforms/{id}/scorecards", eg_mon_api_scorecards_list,
             .roles = STAFF | EG_ROLE_PLATFORM, .summary = "A platform's scorecards, newest first"),
    EG_ROUTE("POST", "/api/v1/platforms/{id}/scorecards", eg_mon_api_scorecards_compute,
             .roles = EG_ROLE_ANALYST | EG_ROLE_ADMIN, .body_limit = SMALL_BODY,
             .summary = "Compute a platform's scorecard for a period"),
    {0},
};
