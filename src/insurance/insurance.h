/*
 * insurance.h — what other parts of egret may call in the insurance module
 * (益鹭保 daily injury insurance): the daily job, and the counts the
 * monitoring module turns into indicators and alerts.
 *
 * Everything else of the module is reached over HTTP (eg_insurance_routes in
 * app/routes.h) or through the demo seeder (demo/demo.h).
 */
#ifndef EG_INSURANCE_INSURANCE_H
#define EG_INSURANCE_INSURANCE_H

#include <stddef.h>
#include <stdint.h>
#include "core/status.h"
#include "core/time.h"

struct eg_db;

/* What one run of the daily job did. */
struct eg_insurance_daily_report {
    eg_day day;             /* the date the run was for */
    int already_done;       /* 1: that date's run had finished before; nothing was done */
    int64_t orders_expired; /* unpaid orders past their expiry that lapsed */
    int64_t days_unpaid;    /* cover-days cancelled because never paid */
    int64_t days_closed;    /* active cover-days of finished dates now expired */
    int64_t renew_orders;   /* auto-renewal orders created for the next date */
    int64_t renew_days;     /* auto-renewal cover-days created for the next date */
};

/*
 * The daily job for business date `day` (normally today), at instant now:
 *   1. lapse unpaid orders past their expiry and cancel their cover-days;
 *   2. cancel cover-days of dates before `day` still awaiting payment;
 *   3. close finished days: active cover-days dated before `day` expire;
 *   4. roll auto-renewals: enroll every auto-renewing worker eligible on
 *      day + 1 for that date, awaiting payment under a new order of theirs
 *      payable until the end of that date (the channel collects it under the
 *      worker's standing withholding arrangement and confirms through the
 *      usual signed callback).
 * Each step is its own transaction with its own audit event, and every step
 * is idempotent; the run is recorded in ins_job_runs keyed by (job, date), so
 * running it twice does nothing the second time, and a run interrupted by a
 * crash is completed by the next one without doubling anything.
 */
enum eg_status eg_insurance_daily(struct eg_db *db, eg_day day, int64_t now,
                                  struct eg_insurance_daily_report *out);

/*
 * For a server's periodic timer: run the daily job for today's date if it
 * has not run yet (cheap when it has). Same result as eg_insurance_daily.
 */
enum eg_status eg_insurance_daily_tick(struct eg_db *db, int64_t now,
                                       struct eg_insurance_daily_report *out);

/* Open claims and those past their deadlines (materials 30 days after the
 * report; a decision 10 working days after materials are complete). */
struct eg_insurance_backlog {
    int64_t open; /* reported, accepted, assessed or approved */
    int64_t reported, accepted, assessed, approved;
    int64_t overdue;           /* overdue_materials + overdue_decision */
    int64_t overdue_materials; /* reported, materials deadline passed */
    int64_t overdue_decision;  /* accepted or assessed, decision deadline passed */
};

/* The claim backlog as of business date today. */
enum eg_status eg_insurance_claim_backlog(struct eg_db *db, eg_day today,
                                          struct eg_insurance_backlog *out);

/* The number of distinct people covered (an active or expired cover-day) on day. */
enum eg_status eg_insurance_covered_people(struct eg_db *db, eg_day day, int64_t *n);

/*
 * Whether person_id had cover in force at instant t: *covered = 1 when an
 * active (or since expired) cover-day's window, from max(start of day,
 * payment) to the end of the day, contains t; else 0. (query.c)
 */
enum eg_status eg_insurance_covered_at(struct eg_db *db, int64_t person_id, int64_t t,
                                       int *covered);

/*
 * Whether an injury claim of person_id (in any state) gives an incident time
 * within window_s seconds of t: *claimed = 1 or 0. (query.c)
 */
enum eg_status eg_insurance_claimed_near(struct eg_db *db, int64_t person_id, int64_t t,
                                         int64_t window_s, int *claimed);

/*
 * The people covered on day (an active or since expired cover-day), in
 * ascending order without repeats, in arena memory: *ids, *n. For figures
 * another module joins with its own records (eg_insurance_id_in). (query.c)
 */
struct eg_arena;
enum eg_status eg_insurance_covered_ids(struct eg_db *db, struct eg_arena *a, eg_day day,
                                        int64_t **ids, size_t *n);

/*
 * The injury claims whose incident fell on day, not rejected: per person,
 * ascending, with their count (in arena memory). (query.c)
 */
struct eg_insurance_person_count {
    int64_t person_id;
    int64_t claims;
};
enum eg_status eg_insurance_claims_on(struct eg_db *db, struct eg_arena *a, eg_day day,
                                      struct eg_insurance_person_count **rows, size_t *n);

/* Whether id is in the ascending list ids[0..n) (binary search). */
int eg_insurance_id_in(const int64_t *ids, size_t n, int64_t id);

#endif
