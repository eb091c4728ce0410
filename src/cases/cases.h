/*
 * cases.h — the cases module as other modules see it: rights-protection
 * cases (维权案件) and one-stop consultations.
 *
 * The HTTP endpoints are in the route table eg_cases_routes (app/routes.h)
 * and the demo seeder is eg_cases_seed_demo (demo/demo.h). What is declared
 * here is for the monitoring module (case backlogs and case counts feed
 * indicators and built-in alert rules) and for anything else that needs the
 * working-day calendar.
 *
 * Inside the module, endpoint → rules → store: rules.h holds the business
 * rules (pure C, unit-tested), store.h the SQL, api_*.c the endpoints.
 */
#ifndef EG_CASES_CASES_H
#define EG_CASES_CASES_H

#include <stddef.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/status.h"
#include "core/time.h"
#include "auth/audit.h"

struct eg_db;

/*
 * Open and overdue cases of one handling department against one respondent
 * organisation. A case is open in the states submitted, accepted,
 * mediating, agreed and failed; it is overdue when its acceptance or
 * mediation deadline has passed (see rules.h).
 */
struct eg_case_backlog {
    int64_t department_id;   /* departments.id of the handling department */
    int64_t organisation_id; /* organisations.id of the respondent (platform or company) */
    int64_t open;            /* open cases */
    int64_t overdue;         /* of which overdue on `today` */
};

/*
 * The backlog per (department, respondent) pair on the Shanghai date today,
 * for monitoring's indicators and backlog alerts. Only pairs with at least
 * one open case are listed. *rows is allocated in arena a; *n is its length.
 * Read-only; may run inside or outside a transaction.
 */
enum eg_status eg_cases_backlog(struct eg_db *db, struct eg_arena *a, eg_day today,
                                struct eg_case_backlog **rows, size_t *n);

/* Cases submitted against one respondent organisation in a date range. */
struct eg_case_count {
    int64_t organisation_id; /* organisations.id of the respondent */
    int64_t cases;           /* cases submitted in [from, to] */
};

/*
 * Cases submitted per respondent organisation with a submission date in
 * [from, to] (Shanghai dates, inclusive), for "cases per 1,000 workers".
 * Organisations without cases are not listed. *rows lives in arena a.
 */
enum eg_status eg_cases_count_by_respondent(struct eg_db *db, struct eg_arena *a, eg_day from,
                                            eg_day to, struct eg_case_count **rows, size_t *n);

/*
 * Load the working-day calendar (public holidays and make-up working days
 * of the calendar_days table) into *cal; the arrays live in arena a.
 * Deadlines in working days are computed with eg_add_working_days() on it.
 */
enum eg_status eg_cases_calendar_load(struct eg_db *db, struct eg_arena *a,
                                      struct eg_calendar *cal);

/*
 * Insert the built-in calendar (the State Council's published holidays and
 * make-up working days; see src/cases/calendar.c for the years covered) for
 * the given year when that year has no calendar rows yet. Inside a
 * transaction; audited. *added (may be NULL) gets the number of days added.
 */
enum eg_status eg_cases_calendar_seed_year(struct eg_db *db, const struct eg_audit_ctx *audit,
                                           int year, int *added);

/*
 * Insert the built-in calendar of every year it covers (see calendar.c),
 * each year only when it has no rows yet, as eg_cases_calendar_seed_year
 * does; `egret migrate` calls it so that a new installation computes
 * deadlines right without the demo. Inside a transaction; audited per year.
 * *added (may be NULL) gets the number of days added.
 */
enum eg_status eg_cases_calendar_seed_builtin(struct eg_db *db, const struct eg_audit_ctx *audit,
                                              int *added);

/* How many calendar rows (holidays and make-up days) year has, into *n. */
enum eg_status eg_cases_calendar_year_days(struct eg_db *db, int year, int64_t *n);

#endif
