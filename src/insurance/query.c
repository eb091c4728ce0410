/*
 * query.c — questions other modules ask the insurance module about one
 * person (insurance.h): whether cover was in force at an instant, and
 * whether an injury claim was reported near one; and about one day: who
 * was covered, whose injury claims fell on it.
 */
#include "insurance/insurance.h"

#include "core/arena.h"
#include "db/db.h"

enum eg_status eg_insurance_covered_at(struct eg_db *db, int64_t person_id, int64_t t, int *covered)
{
    char day[11];
    int64_t n = 0;
    *covered = 0;
    eg_date_format(eg_day_of(t), day);
    enum eg_status rc = eg_db_one_i64(db, &n,
                                      "SELECT COUNT(*) FROM cover_days WHERE person_id = ? AND "
                                      "day = ? AND state IN ('active', 'expired') AND "
                                      "cover_start_at <= ? AND cover_end_at > ?",
                                      "itii", person_id, day, t, t);
    if (rc == EG_OK)
        *covered = n > 0;
    return rc;
}

enum eg_status eg_insurance_claimed_near(struct eg_db *db, int64_t person_id, int64_t t,
                                         int64_t window_s, int *claimed)
{
    int64_t n = 0;
    *claimed = 0;
    enum eg_status rc = eg_db_one_i64(db, &n,
                                      "SELECT COUNT(*) FROM claims WHERE person_id = ? AND "
                                      "incident_at >= ? AND incident_at <= ?",
                                      "iii", person_id, t - window_s, t + window_s);
    if (rc == EG_OK)
        *claimed = n > 0;
    return rc;
}

enum eg_status eg_insurance_covered_ids(struct eg_db *db, struct eg_arena *a, eg_day day,
                                        int64_t **ids, size_t *n)
{
    char d[11];
    size_t cap = 0;
    struct eg_stmt *st = NULL;

    *ids = NULL;
    *n = 0;
    eg_date_format(day, d);
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT DISTINCT person_id FROM cover_days WHERE day = ? AND "
                                    "state IN ('active', 'expired') ORDER BY person_id",
                                    "t", d);
    while (eg_db_next(st, &rc)) {
        *ids = eg_arena_grow(a, *ids, *n, &cap, sizeof **ids);
        if (*ids == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        (*ids)[(*n)++] = eg_stmt_i64(st, 0);
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_insurance_claims_on(struct eg_db *db, struct eg_arena *a, eg_day day,
                                      struct eg_insurance_person_count **rows, size_t *n)
{
    char d[11];
    size_t cap = 0;
    struct eg_stmt *st = NULL;

    *rows = NULL;
    *n = 0;
    eg_date_format(day, d);
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT person_id, COUNT(*) FROM claims WHERE incident_day = ? "
                                    "AND state <> 'rejected' GROUP BY person_id ORDER BY person_id",
                                    "t", d);
    while (eg_db_next(st, &rc)) {
        *rows = eg_arena_grow(a, *rows, *n, &cap, sizeof **rows);
        if (*rows == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        (*rows)[*n].person_id = eg_stmt_i64(st, 0);
        (*rows)[*n].claims = eg_stmt_i64(st, 1);
        (*n)++;
    }
    eg_stmt_done(st);
    return rc;
}

int eg_insurance_id_in(const int64_t *ids, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] == id)
            return 1;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}
