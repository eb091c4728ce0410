/*
 * daily.c — the daily job and the rebuilding of days (monitoring.h).
 */
#include "monitoring/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/cases.h"
#include "core/log.h"
#include "db/db.h"

struct day_tx {
    const struct eg_mon_params *p;
    const struct eg_mon_sectors *sec;
    eg_day day;
    int recompute; /* 1: rebuild everything; 0: refresh the other modules' figures */
    int64_t records;
};

static enum eg_status day_tx_fn(struct eg_db *db, void *ctx)
{
    struct day_tx *t = ctx;
    t->records = 0;
    if (t->recompute)
        return eg_mon_recompute_day(db, t->p, t->sec, t->day, &t->records);
    return eg_mon_refresh_external_day(db, t->sec, t->day);
}

/* Run one day step per day of [from, to], each in its own transaction. */
static enum eg_status each_day(struct eg_db *db, const struct eg_config *cfg, eg_day from,
                               eg_day to, int recompute, int64_t *records)
{
    struct eg_mon_params p;
    struct eg_mon_sectors sec;
    struct eg_arena *a = eg_arena_new();
    enum eg_status rc = a ? EG_OK : EG_E_INTERNAL;
    if (records)
        *records = 0;
    eg_mon_params_of(cfg, &p);
    if (rc == EG_OK)
        rc = eg_mon_sectors_load(db, a, &sec);
    for (eg_day d = from; rc == EG_OK && d <= to; d++) {
        struct day_tx t = {&p, &sec, d, recompute, 0};
        rc = eg_db_tx(db, day_tx_fn, &t);
        if (records)
            *records += t.records;
    }
    eg_arena_destroy(a);
    return rc;
}

enum eg_status eg_monitoring_recompute(struct eg_db *db, const struct eg_config *cfg, eg_day from,
                                       eg_day to, int64_t *records)
{
    return each_day(db, cfg, from, to, 1, records);
}

struct backlog_tx {
    eg_day day;
    struct eg_mon_backlogs b;
    struct eg_case_backlog *rows;
    size_t n;
};

/* Keep today's backlog counts (the city's, and the cases per respondent). */
static enum eg_status backlog_tx_fn(struct eg_db *db, void *ctx)
{
    struct backlog_tx *t = ctx;
    char d[11];
    int64_t now = eg_now();
    eg_date_format(t->day, d);
    enum eg_status rc = eg_db_run(db, NULL, "DELETE FROM mon_backlog WHERE day = ?", "t", d);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO mon_backlog (day, kind, organisation_id, open, overdue, "
                       "updated_at) VALUES (?, 'cases', 0, ?, ?, ?), (?, 'claims', 0, ?, ?, ?)",
                       "tiiitiii", d, t->b.cases_open, t->b.cases_overdue, now, d, t->b.claims_open,
                       t->b.claims_overdue, now);
    /* Several departments may handle cases against one respondent: sum them. */
    for (size_t i = 0; rc == EG_OK && i < t->n; i++)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO mon_backlog (day, kind, organisation_id, open, overdue, "
                       "updated_at) VALUES (?, 'cases', ?, ?, ?, ?) ON CONFLICT (day, kind, "
                       "organisation_id) DO UPDATE SET open = mon_backlog.open + excluded.open, "
                       "overdue = mon_backlog.overdue + excluded.overdue",
                       "tiiii", d, t->rows[i].organisation_id, t->rows[i].open, t->rows[i].overdue,
                       now);
    return rc;
}

/* Compute every active platform's scorecard for [from, to]. */
static enum eg_status scorecards_all(struct eg_db *db, const struct eg_mon_params *p, eg_day from,
                                     eg_day to, int64_t *count)
{
    struct eg_stmt *st = NULL;
    int64_t ids[1024];
    size_t n = 0;
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT id FROM organisations WHERE kind = 'platform' AND "
                                    "archived = 0 ORDER BY id",
                                    "");
    while (eg_db_next(st, &rc)) {
        if (n < sizeof ids / sizeof ids[0])
            ids[n++] = eg_stmt_i64(st, 0);
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    rc = EG_OK;
    for (size_t i = 0; rc == EG_OK && i < n; i++) {
        rc = eg_db_in_tx(db) ? eg_mon_scorecard_store(db, p, ids[i], from, to, "system", NULL)
                             : EG_E_INTERNAL;
        (*count)++;
    }
    return rc;
}

struct scorecard_tx {
    const struct eg_mon_params *p;
    eg_day from, to;
    int64_t count;
};

static enum eg_status scorecard_tx_fn(struct eg_db *db, void *ctx)
{
    struct scorecard_tx *t = ctx;
    t->count = 0;
    return scorecards_all(db, t->p, t->from, t->to, &t->count);
}

/*
 * The days before `before` that events queued (mon_refresh_days), refreshed
 * one by one; then every queued day up to `upto` is forgotten, the week
 * being refreshed by the caller. Later days stay queued for a later run.
 */
static enum eg_status refresh_queued(struct eg_db *db, const struct eg_config *cfg, eg_day before,
                                     eg_day upto, int64_t *late)
{
    char b[11], u[11];
    struct eg_stmt *st = NULL;
    eg_day days[366];
    size_t n = 0;

    eg_date_format(before, b);
    eg_date_format(upto, u);
    /* At most a year of days a run: a longer queue drains over several runs. */
    enum eg_status rc = eg_db_query(
        db, &st, "SELECT day FROM mon_refresh_days WHERE day < ? ORDER BY day LIMIT 366", "t", b);
    while (eg_db_next(st, &rc))
        if (eg_date_parse(eg_stmt_text(st, 0), &days[n]) == EG_OK)
            n++;
    eg_stmt_done(st);
    for (size_t i = 0; rc == EG_OK && i < n; i++) {
        char d[11];
        rc = each_day(db, cfg, days[i], days[i], 0, NULL);
        eg_date_format(days[i], d);
        if (rc == EG_OK)
            rc = eg_db_run(db, NULL, "DELETE FROM mon_refresh_days WHERE day = ?", "t", d);
        if (rc == EG_OK)
            (*late)++;
    }
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL, "DELETE FROM mon_refresh_days WHERE day >= ? AND day <= ?", "tt",
                       b, u);
    return rc;
}

enum eg_status eg_monitoring_daily(struct eg_db *db, const struct eg_config *cfg, eg_day day,
                                   struct eg_monitoring_daily_report *out)
{
    struct eg_mon_params p;
    struct backlog_tx bt;
    struct eg_arena *a = eg_arena_new();
    enum eg_status rc = a ? EG_OK : EG_E_INTERNAL;
    memset(out, 0, sizeof *out);
    memset(&bt, 0, sizeof bt);
    out->day = day;
    out->refreshed_from = day - 6;
    eg_mon_params_of(cfg, &p);
    if (rc == EG_OK)
        rc = refresh_queued(db, cfg, day - 6, day, &out->late_days);
    if (rc == EG_OK)
        rc = each_day(db, cfg, day - 6, day, 0, NULL);
    bt.day = day;
    if (rc == EG_OK)
        rc = eg_mon_backlogs_now(db, day, &bt.b);
    if (rc == EG_OK)
        rc = eg_cases_backlog(db, a, day, &bt.rows, &bt.n);
    if (rc == EG_OK)
        rc = eg_db_tx(db, backlog_tx_fn, &bt);
    if (rc == EG_OK)
        rc = eg_mon_alerts_evaluate(db, &p, day, "system", &out->alert_changes);
    int y, m, d, y2, m2, d2;
    eg_day_to_civil(day, &y, &m, &d);
    eg_day_to_civil(day + 1, &y2, &m2, &d2);
    if (rc == EG_OK && m2 != m) {
        struct scorecard_tx st = {&p, eg_day_from_civil(y, m, 1), day, 0};
        rc = eg_db_tx(db, scorecard_tx_fn, &st);
        out->scorecards = st.count;
    }
    if (rc != EG_OK)
        eg_log(EG_LOG_ERROR, "event=monitoring_daily_failed status=%s", eg_status_code(rc));
    eg_arena_destroy(a);
    return rc;
}
