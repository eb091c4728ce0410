/*
 * internal.h — what the monitoring module's own files share: request
 * helpers, the stores behind the endpoints (aggregates, alerts, scorecards,
 * reference data) and the endpoint handlers. Nothing outside
 * src/monitoring includes it; other modules use monitoring/monitoring.h.
 *
 * Dependencies run one way: api_*.c (HTTP) → the stores here (SQL) →
 * calc.h / feed.h (pure rules).
 */
#ifndef EG_MONITORING_INTERNAL_H
#define EG_MONITORING_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "auth/audit.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/status.h"
#include "core/time.h"
#include "http/http.h"
#include "monitoring/calc.h"
#include "monitoring/feed.h"
#include "monitoring/monitoring.h"

struct eg_db;

/* Roles that see aggregates and alerts. */
#define EG_MON_VIEW_ROLES (EG_ROLE_ANALYST | EG_ROLE_SUPERVISOR | EG_ROLE_ADMIN)

/* --------------------------------------------------------- api_common.c */

/* The audit context of a request. */
struct eg_audit_ctx eg_mon_audit(const struct eg_req *req);

/* Today's Shanghai date. */
eg_day eg_mon_today(void);

/* The city's rules from the configuration. */
void eg_mon_params_of(const struct eg_config *cfg, struct eg_mon_params *p);

/* Append an audit event whose summary is a JSON object (reference stolen)
 * and whose entity id is a number (0 = none). */
enum eg_status eg_mon_audit_json(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                 const char *action, const char *entity, int64_t id,
                                 json_t *summary);

/* Read ?limit= (1–200, default 50) and ?cursor= (a positive id). Replies 400
 * itself and returns non-EG_OK on a bad value. For ?format=xlsx the export is
 * the whole list: limit is the export cap and cursor 0 (eg_mon_reply_list
 * refuses an export that would be cut). */
enum eg_status eg_mon_page_args(struct eg_req *req, int64_t *limit, int64_t *cursor);

/* Reply {"items": items, "next_cursor": "<id>" | null} (steals items), or an
 * Excel file of the items when the request asked for ?format=xlsx. */
void eg_mon_reply_list(struct eg_req *req, json_t *items, int64_t next_cursor,
                       const char *export_name);

/* Whether the request asks for ?format=xlsx; replies 400 for another format
 * (returns -1 then). */
int eg_mon_wants_xlsx(struct eg_req *req);

/*
 * Reply with an Excel workbook of one sheet: one row per item of rows (an
 * array of objects; nested objects become dotted columns, arrays are
 * joined), columns in the order keys first appear. Steals rows.
 */
void eg_mon_reply_xlsx(struct eg_req *req, const char *name, json_t *rows);

/* An instant as an RFC 3339 JSON string (null for 0). */
json_t *eg_mon_instant_json(int64_t t);

/* A date as a JSON string. */
json_t *eg_mon_date_json(eg_day d);

/* A value that may be undefined: a number or null. */
json_t *eg_mon_value_json(double v, int defined);

/* Parse an optional date query parameter (absent gives def). Replies 400 on
 * a bad value. */
enum eg_status eg_mon_query_date(struct eg_req *req, const char *name, eg_day def, eg_day *out);

/* Whether s is 1..max bytes of UTF-8 without control characters. */
int eg_mon_text_ok(const char *s, size_t max);

/*
 * Check an optional JSON body against spec (routes whose body may be left
 * out declare no spec and call this). EG_OK when absent or valid; otherwise
 * replies 400 naming the field and returns the error.
 */
enum eg_status eg_mon_optional_body(struct eg_req *req, const struct eg_field *spec);

/* Reply with st naming field, with message (printf) or the default one. */
void eg_mon_reply_err(struct eg_req *req, enum eg_status st, const char *field,
                      const char *message);

/* ------------------------------------------------------------ platforms */

/* The sector of a platform (organisations of kind 'platform', unarchived).
 * EG_E_NOT_FOUND if there is no such platform. */
enum eg_status eg_mon_platform_sector(struct eg_db *db, int64_t platform_id, char sector[33]);

/* Whether a sector code is in the dictionary (active). */
int eg_mon_sector_known(struct eg_db *db, const char *sector);

/*
 * The key of a daily work record: day number × 2^44 + worker (roster) id.
 * A worker's roster entry names one platform, so the key is unique per
 * (day, platform, worker); one day's records are the key range
 * [eg_mon_work_key(d, 0), eg_mon_work_key(d + 1, 0)).
 */
#define EG_MON_WORKER_ID_BITS 44
static inline int64_t eg_mon_work_key(eg_day day, int64_t worker_id)
{
    return (int64_t)day * ((int64_t)1 << EG_MON_WORKER_ID_BITS) + worker_id;
}

/* -------------------------------------------------------- agg_store.c */

/* A view's filter: the whole city, one platform, one sector or one district. */
enum eg_mon_scope {
    EG_MON_SCOPE_CITY,
    EG_MON_SCOPE_PLATFORM,
    EG_MON_SCOPE_SECTOR,
    EG_MON_SCOPE_DISTRICT
};
extern const char *const eg_mon_scope_names[4];
int eg_mon_scope_parse(const char *s); /* -1 if unknown */

struct eg_mon_filter {
    enum eg_mon_scope scope;
    int64_t platform_id; /* PLATFORM */
    char key[33];        /* SECTOR: sector code; DISTRICT: district code */
};

/* One stored daily group, as scanned. */
struct eg_mon_group_row {
    eg_day day;
    int64_t platform_id;
    const char *district;
    const char *sector;
    const struct eg_mon_agg *agg; /* days = 0; hist filled only when asked for */
};

typedef enum eg_status (*eg_mon_group_fn)(void *ctx, const struct eg_mon_group_row *row);

/* Call fn for every daily group of the filter with a day in [from, to], in
 * day order. want_hist decodes the income histograms (only the median needs them). */
enum eg_status eg_mon_daily_scan(struct eg_db *db, const struct eg_mon_filter *f, eg_day from,
                                 eg_day to, int want_hist, eg_mon_group_fn fn, void *ctx);

/* The sum of the filter's groups over [from, to] (a->days = to − from + 1). */
enum eg_status eg_mon_daily_sum(struct eg_db *db, const struct eg_mon_filter *f, eg_day from,
                                eg_day to, int want_hist, struct eg_mon_agg *a);

/* The latest day with any aggregate, or 0 when there is none. */
enum eg_status eg_mon_latest_day(struct eg_db *db, eg_day *out);

/*
 * Add a delta to the stored group (day, platform, district): every sum is
 * increased by the delta's, the histogram merged. Inside a transaction.
 */
enum eg_status eg_mon_daily_add(struct eg_db *db, eg_day day, int64_t platform_id,
                                const char *district, const char *sector,
                                const struct eg_mon_agg *delta);

/*
 * Groups of aggregates keyed by a number and a district code: (day,
 * district) while a batch is applied, (platform, district) while a day is
 * recomputed. Each group's aggregate starts empty.
 */
struct eg_mon_groups;
struct eg_mon_groups *eg_mon_groups_new(void);
void eg_mon_groups_free(struct eg_mon_groups *g);
void eg_mon_groups_clear(struct eg_mon_groups *g);
size_t eg_mon_groups_count(const struct eg_mon_groups *g);
/* The group's aggregate, created empty when new; NULL when out of memory. */
struct eg_mon_agg *eg_mon_groups_get(struct eg_mon_groups *g, int64_t key, const char *district);
/* Iterate: *it starts at 0; returns 0 at the end. */
int eg_mon_groups_next(struct eg_mon_groups *g, size_t *it, int64_t *key, const char **district,
                       struct eg_mon_agg **agg);

/* Platform sectors, for writing groups (all platforms, archived included). */
struct eg_mon_sectors {
    size_t n;
    int64_t *ids;
    char (*sectors)[33];
};
enum eg_status eg_mon_sectors_load(struct eg_db *db, struct eg_arena *a, struct eg_mon_sectors *s);
/* The sector of platform id ("" when unknown). */
const char *eg_mon_sectors_find(const struct eg_mon_sectors *s, int64_t id);

/* Re-derive cases, claims and covered worker-days of one day from the other
 * modules, and the departments' figures (inside a transaction). */
enum eg_status eg_mon_refresh_external_day(struct eg_db *db, const struct eg_mon_sectors *sec,
                                           eg_day day);

/* Rebuild one day's aggregates from the stored records (inside a
 * transaction); *records (may be NULL) gets the work records read. */
enum eg_status eg_mon_recompute_day(struct eg_db *db, const struct eg_mon_params *p,
                                    const struct eg_mon_sectors *sec, eg_day day, int64_t *records);

/* Whether an indicator needs the income histogram. */
int eg_mon_indicator_needs_hist(int ind);

/* -------------------------------------------------- store_department.c */

/* How near (seconds) a claim's incident time must be to a traffic injury's
 * to count as its claim. */
#define EG_MON_CLAIM_WINDOW_S 86400

/*
 * Add one day's departmental figures to the (platform, district) groups g:
 * traffic incidents, injuries and uncovered injuries (an injury of a worker
 * with no cover in force at the incident time and no claim, asked of the
 * insurance module), and active worker-days with social insurance paid for
 * the month. An incident counts on the platform the worker worked for that
 * day (else the first roster entry), in the incident's district; a person on
 * no roster is on no platform and not counted. Inside a transaction.
 */
enum eg_status eg_mon_department_day(struct eg_db *db, eg_day day, struct eg_mon_groups *g);

/* One traffic injury without cover and without a claim (a finding). */
struct eg_mon_injury {
    int64_t id; /* mon_traffic_incidents.id (the cursor) */
    const char *reference;
    int64_t person_id;
    int64_t occurred_at;
    const char *district, *district_name;
    const char *kind, *severity, *vehicle;
    const char *department; /* the sending department's code */
    int64_t platform_id;    /* 0 when the person is on no roster */
    const char *platform_name;
};

/*
 * The uncovered injuries with an incident date in [from, to] and an id
 * above after, in id order (platform_id > 0: only that platform's), at most
 * limit (≥ 1) of them; strings live in a. *next is the id to continue after
 * when more may follow, else 0. At most EG_MON_INJURY_SCAN injured
 * incidents are read per call (so *next can be set with fewer than limit
 * listed).
 */
#define EG_MON_INJURY_SCAN 2000
enum eg_status eg_mon_injuries_uncovered(struct eg_db *db, struct eg_arena *a, eg_day from,
                                         eg_day to, int64_t platform_id, int64_t after,
                                         size_t limit, struct eg_mon_injury **out, size_t *n,
                                         int64_t *next);

/* ---------------------------------------------------------- ingest.c */

/* Stream callbacks of the feed routes. */
extern const struct eg_stream_ops eg_mon_feed_stream;

/* Feed rows handed in directly (the demo): one batch applied as the feeds do,
 * with the aggregates updated. Rows must already be checked. */
struct eg_mon_direct_batch {
    enum eg_mon_feed feed;
    int64_t platform_id;   /* platform feeds */
    int64_t department_id; /* department feeds */
    const char *batch_key;
    const char *sector;
    const struct eg_audit_ctx *audit;
    const struct eg_mon_params *params;
    /* next(): the next row into *row (text pointers valid until the next
     * call), with the roster id (platform feeds) or the person id
     * (department feeds) in *worker_id and the worker's district; 1 = a row,
     * 0 = the end. Roster rows carry an occupation code. */
    int (*next)(void *ctx, struct eg_mon_row *row, int64_t *worker_id, const char **district);
    /* rewind(): start again from the first row (the transaction is retried
     * when the database is busy). */
    void (*rewind)(void *ctx);
    void *ctx;
    int64_t rows, inserted, updated; /* out */
};
enum eg_status eg_mon_direct_apply(struct eg_db *db, struct eg_mon_direct_batch *b);

/* -------------------------------------------------------------- alerts.c */

/* Built-in snapshot indicators (not in the daily aggregates). */
#define EG_MON_SNAP_OVERDUE_CASES  "overdue_cases"
#define EG_MON_SNAP_OPEN_CASES     "open_cases"
#define EG_MON_SNAP_OVERDUE_CLAIMS "overdue_claims"
#define EG_MON_SNAP_OPEN_CLAIMS    "open_claims"

/* Whether name is an indicator a rule may watch (catalogue or snapshot). */
int eg_mon_rule_indicator_ok(const char *name, int *is_snapshot);

/* Insert the built-in rules if there are none yet (inside a transaction). */
enum eg_status eg_mon_rules_seed(struct eg_db *db, const struct eg_audit_ctx *ctx);

/* Evaluate every enabled rule for date day (each rule in its own
 * transaction); *changes counts alerts opened, fired or resolved. */
enum eg_status eg_mon_alerts_evaluate(struct eg_db *db, const struct eg_mon_params *p, eg_day day,
                                      const char *actor, int64_t *changes);

/* The case and claim backlogs now (snapshots kept in mon_backlog). */
struct eg_mon_backlogs {
    int64_t cases_open, cases_overdue;
    int64_t claims_open, claims_overdue;
};
enum eg_status eg_mon_backlogs_now(struct eg_db *db, eg_day today, struct eg_mon_backlogs *out);

/* --------------------------------------------------------- scorecard.c */

/* Compute and store a platform's scorecard for [from, to]; *out (may be
 * NULL) gets its JSON. Inside a transaction. */
enum eg_status eg_mon_scorecard_store(struct eg_db *db, const struct eg_mon_params *p,
                                      int64_t platform_id, eg_day from, eg_day to,
                                      const char *actor, json_t **out);

/* ------------------------------------------------------------- handlers */

void eg_mon_api_platforms_list(struct eg_req *req);
void eg_mon_api_platforms_create(struct eg_req *req);
void eg_mon_api_platforms_get(struct eg_req *req);
void eg_mon_api_platforms_patch(struct eg_req *req);
void eg_mon_api_platform_keys_create(struct eg_req *req);
void eg_mon_api_platform_keys_revoke(struct eg_req *req);
void eg_mon_api_platform_workers(struct eg_req *req);
void eg_mon_api_department_keys_list(struct eg_req *req);
void eg_mon_api_department_keys_create(struct eg_req *req);
void eg_mon_api_department_keys_revoke(struct eg_req *req);

void eg_mon_api_batches_list(struct eg_req *req);
void eg_mon_api_batches_get(struct eg_req *req);

void eg_mon_api_dictionary_lists(struct eg_req *req);
void eg_mon_api_dictionary_get(struct eg_req *req);
void eg_mon_api_dictionary_put(struct eg_req *req);
void eg_mon_api_certificates_list(struct eg_req *req);
void eg_mon_api_certificates_create(struct eg_req *req);
void eg_mon_api_trainings_list(struct eg_req *req);
void eg_mon_api_trainings_create(struct eg_req *req);

void eg_mon_api_indicators(struct eg_req *req);
void eg_mon_api_indicators_refresh(struct eg_req *req);
void eg_mon_api_dashboard_overview(struct eg_req *req);
void eg_mon_api_dashboard_trends(struct eg_req *req);
void eg_mon_api_dashboard_breakdown(struct eg_req *req);
void eg_mon_api_uncovered_injuries(struct eg_req *req);

void eg_mon_api_rules_list(struct eg_req *req);
void eg_mon_api_rules_create(struct eg_req *req);
void eg_mon_api_rules_get(struct eg_req *req);
void eg_mon_api_rules_patch(struct eg_req *req);
void eg_mon_api_rules_delete(struct eg_req *req);
void eg_mon_api_alerts_list(struct eg_req *req);
void eg_mon_api_alerts_get(struct eg_req *req);
void eg_mon_api_alerts_ack(struct eg_req *req);
void eg_mon_api_alerts_silence(struct eg_req *req);
void eg_mon_api_alerts_evaluate(struct eg_req *req);

void eg_mon_api_evidence_create(struct eg_req *req);
void eg_mon_api_evidence_list(struct eg_req *req);
void eg_mon_api_scorecards_list(struct eg_req *req);
void eg_mon_api_scorecards_compute(struct eg_req *req);

/* Count one feed batch answered with status (feed_metrics.c): rows
 * inserted and updated when stored, rejected when refused for bad rows. */
void eg_mon_feed_count(int feed, int status, uint64_t inserted, uint64_t updated, uint64_t rejected,
                       int64_t us);

#endif
