/*
 * store_department.c — what the departments' feeds add to monitoring:
 * traffic incidents and injuries per platform and district, the injured
 * workers with no cover in force and no claim (findings), and active
 * worker-days with social insurance paid (internal.h).
 *
 * Cover and claims are asked of the insurance module through insurance.h;
 * this file reads only monitoring's own tables (and the roster's platform
 * and the sending department's code).
 */
#include "monitoring/internal.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "insurance/insurance.h"

/*
 * The platform an incident counts on: the roster entry of the person with a
 * work record on the incident's Shanghai date (the key of calc.h's work
 * records: day number × 2^44 + roster id), else the person's first roster
 * entry; NULL (0) when the person is on no roster. Takes the 2^44 factor as
 * its one parameter.
 */
#define INCIDENT_PLATFORM                                                                          \
    "(SELECT r.platform_id FROM mon_roster r LEFT JOIN mon_work_records w ON w.id = "              \
    "((t.occurred_at + 28800) / 86400) * ? + r.id WHERE r.person_id = t.person_id "                \
    "ORDER BY CASE WHEN w.id IS NULL THEN 1 ELSE 0 END, r.id LIMIT 1)"

/* Whether an injury at t of person_id is uncovered and unclaimed. */
static enum eg_status uncovered(struct eg_db *db, int64_t person_id, int64_t t, int *out)
{
    int covered = 0, claimed = 0;
    *out = 0;
    enum eg_status rc = eg_insurance_covered_at(db, person_id, t, &covered);
    if (rc == EG_OK && !covered)
        rc = eg_insurance_claimed_near(db, person_id, t, EG_MON_CLAIM_WINDOW_S, &claimed);
    if (rc == EG_OK)
        *out = !covered && !claimed;
    return rc;
}

struct day_incident {
    int64_t person_id, occurred_at, platform_id;
    char district[8];
    int injured;
};

enum eg_status eg_mon_department_day(struct eg_db *db, eg_day day, struct eg_mon_groups *g)
{
    char d[11], month[8];
    struct eg_stmt *st = NULL;
    struct eg_arena *a = eg_arena_new();
    struct day_incident *inc = NULL;
    size_t n = 0, cap = 0;
    int64_t lo = eg_mon_work_key(day, 0), hi = eg_mon_work_key(day + 1, 0);
    enum eg_status rc = a ? EG_OK : EG_E_INTERNAL;
    eg_date_format(day, d);
    snprintf(month, sizeof month, "%.7s", d);

    /* Read the day's incidents first: insurance is asked once the statement is done. */
    if (rc == EG_OK)
        rc = eg_db_query(db, &st,
                         "SELECT t.person_id, t.occurred_at, t.district, t.severity, "
                         "COALESCE(" INCIDENT_PLATFORM ", 0) FROM mon_traffic_incidents t "
                         "WHERE t.day = ? ORDER BY t.id",
                         "it", (int64_t)1 << EG_MON_WORKER_ID_BITS, d);
    while (eg_db_next(st, &rc)) {
        rc = EG_OK;
        if (eg_stmt_i64(st, 4) == 0)
            continue; /* on no roster: no platform to count it on */
        inc = eg_arena_grow(a, inc, n, &cap, sizeof *inc);
        if (!inc) {
            rc = EG_E_INTERNAL;
            break;
        }
        struct day_incident *x = &inc[n++];
        x->person_id = eg_stmt_i64(st, 0);
        x->occurred_at = eg_stmt_i64(st, 1);
        snprintf(x->district, sizeof x->district, "%s", eg_stmt_text(st, 2));
        x->injured = eg_mon_severity_injured(eg_stmt_text(st, 3));
        x->platform_id = eg_stmt_i64(st, 4);
    }
    eg_stmt_done(st);
    st = NULL;
    if (rc != EG_OK)
        goto out;
    rc = EG_OK;
    for (size_t i = 0; rc == EG_OK && i < n; i++) {
        struct eg_mon_agg *agg = eg_mon_groups_get(g, inc[i].platform_id, inc[i].district);
        int unc = 0;
        if (!agg) {
            rc = EG_E_INTERNAL;
            break;
        }
        agg->traffic_incidents++;
        if (!inc[i].injured)
            continue;
        agg->traffic_injuries++;
        rc = uncovered(db, inc[i].person_id, inc[i].occurred_at, &unc);
        agg->uncovered_injuries += unc;
    }
    if (rc != EG_OK)
        goto out;

    rc = eg_db_query(db, &st,
                     "SELECT w.platform_id, w.district, COUNT(*) "
                     "FROM mon_work_records w JOIN mon_roster r ON r.id = w.worker_id "
                     "WHERE w.id >= ? AND w.id < ? AND (w.orders > 0 OR w.online_minutes > 0) "
                     "AND EXISTS (SELECT 1 FROM mon_social_insurance s WHERE s.person_id = "
                     "r.person_id AND s.month = ? AND s.status = 'paid') "
                     "GROUP BY w.platform_id, w.district",
                     "iit", lo, hi, month);
    while (eg_db_next(st, &rc)) {
        struct eg_mon_agg *agg = eg_mon_groups_get(g, eg_stmt_i64(st, 0), eg_stmt_text(st, 1));
        if (!agg) {
            rc = EG_E_INTERNAL;
            break;
        }
        agg->social_days += eg_stmt_i64(st, 2);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    st = NULL;
    if (rc == EG_OK)
        rc = EG_OK;
out:
    eg_stmt_done(st);
    eg_arena_destroy(a);
    return rc;
}

enum eg_status eg_mon_injuries_uncovered(struct eg_db *db, struct eg_arena *a, eg_day from,
                                         eg_day to, int64_t platform_id, int64_t after,
                                         size_t limit, struct eg_mon_injury **out, size_t *n,
                                         int64_t *next)
{
    char dfrom[11], dto[11];
    struct eg_stmt *st = NULL;
    struct eg_mon_injury *rows = NULL;
    size_t nrows = 0, cap = 0, kept = 0;
    enum eg_status rc;
    *out = NULL;
    *n = 0;
    *next = 0;
    eg_date_format(from, dfrom);
    eg_date_format(to, dto);
    rc = eg_db_query(
        db, &st,
        "SELECT x.id, x.reference, x.person_id, x.occurred_at, x.district, "
        "COALESCE(di.name, ''), x.kind, x.severity, x.vehicle, COALESCE(dep.code, ''), "
        "x.platform_id, COALESCE(o.name, '') FROM (SELECT t.id, t.reference, t.person_id, "
        "t.occurred_at, t.district, t.kind, t.severity, t.vehicle, t.department_id, "
        "COALESCE(" INCIDENT_PLATFORM ", 0) AS platform_id FROM mon_traffic_incidents t "
        "WHERE t.day >= ? AND t.day <= ? AND t.severity <> 'none' AND t.id > ? ORDER BY t.id "
        "LIMIT ?) x LEFT JOIN organisations o ON o.id = x.platform_id "
        "LEFT JOIN mon_districts di ON di.code = x.district "
        "LEFT JOIN departments dep ON dep.id = x.department_id ORDER BY x.id",
        "ittii", (int64_t)1 << EG_MON_WORKER_ID_BITS, dfrom, dto, after,
        (int64_t)EG_MON_INJURY_SCAN);
    while (eg_db_next(st, &rc)) {
        rc = EG_OK;
        rows = eg_arena_grow(a, rows, nrows, &cap, sizeof *rows);
        if (!rows) {
            rc = EG_E_INTERNAL;
            break;
        }
        struct eg_mon_injury *x = &rows[nrows++];
        x->id = eg_stmt_i64(st, 0);
        x->reference = eg_arena_strdup(a, eg_stmt_text(st, 1));
        x->person_id = eg_stmt_i64(st, 2);
        x->occurred_at = eg_stmt_i64(st, 3);
        x->district = eg_arena_strdup(a, eg_stmt_text(st, 4));
        x->district_name = eg_arena_strdup(a, eg_stmt_text(st, 5));
        x->kind = eg_arena_strdup(a, eg_stmt_text(st, 6));
        x->severity = eg_arena_strdup(a, eg_stmt_text(st, 7));
        x->vehicle = eg_arena_strdup(a, eg_stmt_text(st, 8));
        x->department = eg_arena_strdup(a, eg_stmt_text(st, 9));
        x->platform_id = eg_stmt_i64(st, 10);
        x->platform_name = eg_arena_strdup(a, eg_stmt_text(st, 11));
        if (!x->reference || !x->district || !x->district_name || !x->kind || !x->severity ||
            !x->vehicle || !x->department || !x->platform_name) {
            rc = EG_E_INTERNAL;
            break;
        }
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    rc = EG_OK;
    if (nrows == EG_MON_INJURY_SCAN)
        *next = rows[nrows - 1].id; /* the scan stopped: go on after its last row */
    for (size_t i = 0; rc == EG_OK && i < nrows; i++) {
        int unc = 0;
        if (platform_id > 0 && rows[i].platform_id != platform_id)
            continue;
        rc = uncovered(db, rows[i].person_id, rows[i].occurred_at, &unc);
        if (rc != EG_OK || !unc)
            continue;
        if (kept == limit) {
            *next = rows[kept - 1].id;
            break;
        }
        rows[kept++] = rows[i];
    }
    if (rc != EG_OK)
        return rc;
    *out = rows;
    *n = kept;
    return EG_OK;
}
