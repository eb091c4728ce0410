/*
 * monitoring.h — the monitoring module (监测) as the rest of egret sees it:
 * the daily job and the recomputation of indicators, for the command line
 * (`egret monitoring daily`, `egret monitoring recompute`).
 *
 * Everything else — platforms and their keys, feeds, reference data,
 * indicators, alerts, scorecards, the dashboard — is reached over HTTP
 * (eg_monitoring_routes in app/routes.h), and the demo through demo/demo.h.
 */
#ifndef EG_MONITORING_MONITORING_H
#define EG_MONITORING_MONITORING_H

#include <stddef.h>
#include <stdint.h>
#include "core/config.h"
#include "core/status.h"
#include "core/time.h"

struct eg_db;
struct eg_demo;
struct eg_req;
struct json_t;

/* What one run of the daily job did. */
struct eg_monitoring_daily_report {
    eg_day day;            /* the date evaluated */
    eg_day refreshed_from; /* first date whose cases, claims and coverage were refreshed */
    int64_t alert_changes; /* alerts opened, fired or resolved */
    int64_t scorecards;    /* scorecards computed (on a month's last day) */
    int64_t late_days;     /* days before refreshed_from refreshed because an event queued them */
};

/*
 * The daily job for date `day` (normally yesterday, the last complete day):
 *   1. refresh the figures that come from the other modules — cases
 *      submitted, injury claims, insurance coverage — for the week up to day
 *      (late data is picked up), and for any earlier day an event queued
 *      (eg_monitoring_on_event);
 *   2. record the case and claim backlogs;
 *   3. evaluate every alert rule for day;
 *   4. on the last day of a month, compute each platform's scorecard for it.
 * Every step is idempotent: running it twice changes nothing the second time.
 */
enum eg_status eg_monitoring_daily(struct eg_db *db, const struct eg_config *cfg, eg_day day,
                                   struct eg_monitoring_daily_report *out);

/*
 * Rebuild the daily aggregates of [from, to] from the stored records (work
 * records, penalties, deactivations, and the other modules' data), e.g.
 * after the minimum wage or the fatigue limit changed. *records (may be
 * NULL) gets the number of work records read. One transaction per day.
 */
enum eg_status eg_monitoring_recompute(struct eg_db *db, const struct eg_config *cfg, eg_day from,
                                       eg_day to, int64_t *records);

/*
 * The people who worked on `day` — a daily work record on any platform with
 * orders or online time, each person counted once however many platforms
 * they work for — in *active, and in *covered (may be NULL) how many of them
 * had an insurance cover-day active that day (state active, or expired,
 * which an active day becomes once it is over). A key-range read of the
 * day's records, as the indicators count them; for the insurance module's
 * figures. Works inside or outside a transaction.
 */
enum eg_status eg_monitoring_active_people(struct eg_db *db, eg_day day, int64_t *active,
                                           int64_t *covered);

/*
 * Monitoring's subscriber to the other pillars' events (core/events.h; the
 * program subscribes it to case.filed, claim.reported and claim.moved):
 * queues ev->day for the next daily job's refresh. events.c
 */
struct eg_event;
enum eg_status eg_monitoring_on_event(struct eg_db *db, const struct eg_event *ev, void *ctx);

/*
 * The reference lists as other modules may ask of them (monitoring/lookup.c):
 * whether code is an active entry of the dictionary list `list` (e.g.
 * "amenity"), and whether code names an active district. *found is 1 or 0.
 */
enum eg_status eg_monitoring_dictionary_has(struct eg_db *db, const char *list, const char *code,
                                            int *found);
enum eg_status eg_monitoring_district_active(struct eg_db *db, const char *code, int *found);

/*
 * The platforms' rosters as other modules may ask of them (lookup.c):
 * whether person_id is on platform_id's roster and has not left; up to max
 * people on some roster, lowest person id first, with their lowest platform
 * id. The insurance module receives these through insurance/workforce.h.
 */
enum eg_status eg_monitoring_on_roster(struct eg_db *db, int64_t platform_id, int64_t person_id,
                                       int *on);
enum eg_status eg_monitoring_roster_sample(struct eg_db *db, size_t max, int64_t *person_ids,
                                           int64_t *platform_ids, size_t *n);

/*
 * Reply with an Excel workbook (libxlsxwriter) of one sheet holding rows, a
 * JSON array of objects: one row per object, nested objects as dotted
 * columns, columns in the order keys first appear. The export behind every
 * ?format=xlsx of monitoring and places. Steals rows.
 */
void eg_monitoring_reply_xlsx(struct eg_req *req, const char *name, struct json_t *rows);

/*
 * The demo city's districts (Xiamen's six, with their centres) in the
 * district list, if the list is empty. Called by the places demo, which
 * seeds before the rest of monitoring and places its points in districts.
 */
enum eg_status eg_monitoring_demo_districts(struct eg_demo *d);

/* The feeds' figures (batches, rows) in the Prometheus text format. */
struct eg_buf;
void eg_mon_metrics_write(struct eg_buf *out);

#endif
